"""The segments schema: the columns of a session's ``segments`` node and the one rule they obey.

A leaf module (it imports only :mod:`concordlab.errors` and :mod:`concordlab._checks`, where
:func:`check_storable_text` lives), so that :mod:`concordlab.session`
(which checks a stored ``segments`` node) and :mod:`concordlab.segments` (which edits it)
both build on it without importing each other in a cycle. The public names are re-exported
by :mod:`concordlab.segments` (and :func:`check_storable_text` by :mod:`concordlab.session`).

Examples
--------
>>> from concordlab._segments_schema import SEGMENT_COLUMNS, segments_dataset
>>> SEGMENT_COLUMNS
('start', 'end', 'label', 'person', 'note')
>>> segments_dataset([0.0], [1.5], ["talk"], ["both"], [""])["end"].attrs["units"]
's'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from concordlab._checks import check_storable_text, check_table_columns
from concordlab.errors import SegmentError

__all__ = [
    "ALL",
    "BOTH",
    "JOIN",
    "SEGMENT_COLUMNS",
    "TEXT_COLUMNS",
    "check_segment_rows",
    "check_segments_node",
    "check_storable_text",
    "segment_members",
    "segment_persons",
    "segments_dataset",
]

BOTH = "both"
"""The ``person`` of a segment that concerns both persons of a two-person session."""

ALL = "all"
"""The ``person`` of a segment that concerns every person of the session (any size)."""

JOIN = "+"
"""Joins the persons of a segment that concerns some of them: ``"mother+child"``."""


def segment_persons(labels: Sequence[str]) -> tuple[str, ...]:
    """The single values a segment's ``person`` may take in a session with ``labels``
    (besides subsets joined by :data:`JOIN`): each person, ``"all"``, and ``"both"`` when
    there are two.

    Examples
    --------
    >>> segment_persons(("patient", "therapist"))
    ('patient', 'therapist', 'both', 'all')
    >>> segment_persons(("mother", "father", "child"))
    ('mother', 'father', 'child', 'all')
    """
    return (*labels, BOTH, ALL) if len(labels) == 2 else (*labels, ALL)


def segment_members(person: str, labels: Sequence[str]) -> tuple[str, ...]:
    """The persons a segment's ``person`` value concerns, in the session's order.

    Examples
    --------
    >>> segment_members("child+mother", ("therapist", "mother", "child"))
    ('mother', 'child')
    >>> segment_members("all", ("therapist", "mother", "child"))
    ('therapist', 'mother', 'child')
    >>> segment_members("both", ("patient", "therapist")), segment_members("patient", ("patient",))
    (('patient', 'therapist'), ('patient',))
    """
    if person in (BOTH, ALL):
        return tuple(labels)
    named = set(person.split(JOIN))
    return tuple(label for label in labels if label in named)


def _is_subset(value: Any, persons: set[str]) -> bool:
    """Whether ``value`` is two or more distinct ``persons`` joined by :data:`JOIN`."""
    if not isinstance(value, str) or JOIN not in value:
        return False
    parts = value.split(JOIN)
    return len(parts) == len(set(parts)) and all(part in persons for part in parts)


SEGMENT_COLUMNS = ("start", "end", "label", "person", "note")
"""The variables of the ``segments`` node, all along the ``segment`` dimension."""

TEXT_COLUMNS = ("label", "person", "note")
"""The text columns among :data:`SEGMENT_COLUMNS`."""


def segments_dataset(
    start: Sequence[float],
    end: Sequence[float],
    label: Sequence[str],
    person: Sequence[str],
    note: Sequence[str],
) -> xr.Dataset:
    """The canonical ``segments`` node content (float64 times, object-dtype text).

    Examples
    --------
    >>> segments_dataset([1.0], [2.0], ["talk"], ["both"], [""]).sizes["segment"]
    1
    """

    def text(values: Sequence[str]) -> np.ndarray:
        return np.array([str(v) for v in values], dtype=object)

    return xr.Dataset(
        {
            "start": ("segment", np.asarray(start, dtype=np.float64), {"units": "s"}),
            "end": ("segment", np.asarray(end, dtype=np.float64), {"units": "s"}),
            "label": ("segment", text(label)),
            "person": ("segment", text(person)),
            "note": ("segment", text(note)),
        }
    )


def _text_problems(values: Any, column: str) -> tuple[np.ndarray, str]:
    """Rows of a text column that are not storable strings, and what is wrong with the first."""
    # dtype=object: a numpy str array would silently drop trailing NUL characters.
    array = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    n = array.shape[0] if array.ndim else 0
    bad = np.zeros(n, dtype=bool)
    if array.dtype.kind != "U":
        bad = ~np.fromiter((isinstance(v, str) for v in array.ravel()), bool, n)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            return bad, f"the {column} is {array[row]!r}, not text; give a string"
    joined = "".join(array.tolist())
    try:
        joined.encode("utf-8")
        storable = "\x00" not in joined
    except UnicodeEncodeError:
        storable = False
    if storable:
        return bad, ""
    # Rare: find the rows one by one.
    message = ""
    for row, text in enumerate(array.tolist()):
        try:
            check_storable_text(text, f"the {column}", SegmentError)
        except SegmentError as error:
            bad[row] = True
            if not bad[:row].any():
                message = str(error).rstrip(".")
    return bad, message


def check_segment_rows(
    start: ArrayLike,
    end: ArrayLike,
    label: ArrayLike,
    person: ArrayLike,
    note: ArrayLike,
    allowed: Sequence[str],
    span: tuple[float, float] | None = None,
    context: str = "",
) -> None:
    """The one rule for segments: finite times, end after start, a known person, storable text.

    Vectorised, so that it is cheap enough for :func:`concordlab.validate_session`.

    Parameters
    ----------
    start, end : array-like of float
        Times in seconds since session start.
    label, person, note : array-like of str
        The text columns.
    allowed : sequence of str
        The persons a segment may concern (the session's persons, ``"all"``, and
        ``"both"`` for two persons; see :func:`segment_persons`); two or more of the
        persons joined by ``"+"`` (``"mother+child"``) are allowed too.
    span : (float, float), optional
        The session's time span; when given, segments must lie inside it.
    context : str, default ""
        Put before the message, e.g. the file the segments came from.

    Raises
    ------
    SegmentError
        Naming the first bad row (as numbered in the input), what is wrong and the fix.

    Examples
    --------
    >>> check_segment_rows([0.0], [1.0], ["talk"], ["both"], [""], ("a", "b", "both"))
    >>> try:
    ...     check_segment_rows([2.0], [1.0], ["talk"], ["a"], [""], ("a", "b", "both"))
    ... except SegmentError as error:
    ...     print(error)
    Segment 0 ('talk', 2-1 s): end must be after start; swap or fix the times.
    """
    problems = {
        c: _text_problems(v, c) for c, v in zip(TEXT_COLUMNS, (label, person, note), strict=True)
    }
    try:
        starts = np.asarray(start, dtype=np.float64)
        ends = np.asarray(end, dtype=np.float64)
    except (TypeError, ValueError):
        raise SegmentError(
            f"{context}Segment times must be numbers of seconds, got start {start!r}, end {end!r}."
        ) from None
    bad_text = problems["label"][0] | problems["person"][0] | problems["note"][0]
    finite = np.isfinite(starts) & np.isfinite(ends)
    reversed_ = finite & ~(ends > starts)
    outside = np.zeros_like(finite)
    if span is not None:
        first, last = span
        tolerance = 1e-9 * max(1.0, abs(first), abs(last))
        outside = finite & ((starts < first - tolerance) | (ends > last + tolerance))
    persons = np.asarray(person, dtype=object)
    unknown = ~bad_text & ~np.isin(persons, np.asarray(list(allowed), dtype=object))
    if unknown.any():  # subsets of the persons ("mother+child")
        labels = set(allowed) - {BOTH, ALL}
        for row in np.flatnonzero(unknown):
            unknown[row] = not _is_subset(persons[row], labels)
    bad = bad_text | ~finite | reversed_ | outside | unknown
    if not bad.any():
        return
    row = int(np.flatnonzero(bad)[0])
    if bad_text[row]:
        column = next(c for c in TEXT_COLUMNS if problems[c][0][row])
        raise SegmentError(f"{context}Segment {row}: {problems[column][1]}.")
    if not finite[row]:
        column = "start" if not np.isfinite(starts[row]) else "end"
        value = starts[row] if column == "start" else ends[row]
        raise SegmentError(
            f"{context}Segment {row}: {column} is {float(value)!r}; give a finite time in seconds."
        )
    name = str(np.asarray(label)[row])
    where = f"{context}Segment {row} ({name!r}, {starts[row]:g}-{ends[row]:g} s)"
    if reversed_[row]:
        raise SegmentError(f"{where}: end must be after start; swap or fix the times.")
    if outside[row]:
        first, last = span  # type: ignore[misc]
        raise SegmentError(
            f"{where} lies outside the session, which spans {first:g}-{last:g} s; "
            "clip it to the recording."
        )
    raise SegmentError(
        f"{where}: person {persons[row]!r} is unknown; use one of {list(allowed)}, or two or "
        f"more of the persons joined by '{JOIN}'."
    )


def check_segments_node(dataset: xr.Dataset, allowed: Sequence[str]) -> None:
    """Check a stored ``segments`` node as a reader would (see :func:`check_segment_rows`).

    Examples
    --------
    >>> check_segments_node(segments_dataset([1.0], [2.0], ["a"], ["both"], [""]), ("both",))
    """
    check_table_columns(
        dataset,
        SEGMENT_COLUMNS,
        "segment",
        "segments",
        "rebuild them with concordlab.set_segments",
        SegmentError,
    )
    check_segment_rows(
        *(dataset[c].values for c in SEGMENT_COLUMNS),
        allowed,
        context="The session's segments: ",
    )
