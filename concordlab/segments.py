"""Segments: labelled spans of a session (talk turns, interventions, artefacts).

Segments live in the session's ``segments`` node as a table along the ``segment``
dimension with the columns ``start`` and ``end`` (seconds since session start),
``label``, ``person`` (one of the session's persons or ``"both"``) and ``note``: the
same information as MNE Annotations or a BIDS ``events.tsv``. They are kept sorted by
start time. Every function returns a new session; a refused segment leaves the input
untouched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import ArrayLike

from concordlab.errors import SegmentError
from concordlab.session import (
    BOTH,
    _check_tree,
    _labels,
    check_storable_text,
    time_span,
    validate_session,
)

__all__ = ["SEGMENT_COLUMNS", "add_segment", "remove_segment", "segments", "set_segments"]

SEGMENT_COLUMNS = ("start", "end", "label", "person", "note")
_TEXT_COLUMNS = ("label", "person", "note")


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
        The persons a segment may concern (the session's persons and ``"both"``).
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
        c: _text_problems(v, c) for c, v in zip(_TEXT_COLUMNS, (label, person, note), strict=True)
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
    bad = bad_text | ~finite | reversed_ | outside | unknown
    if not bad.any():
        return
    row = int(np.flatnonzero(bad)[0])
    if bad_text[row]:
        column = next(c for c in _TEXT_COLUMNS if problems[c][0][row])
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
    raise SegmentError(f"{where}: person {persons[row]!r} is unknown; use one of {list(allowed)}.")


def check_segments_node(dataset: xr.Dataset, allowed: Sequence[str]) -> None:
    """Check a stored ``segments`` node as a reader would (see :func:`check_segment_rows`).

    Examples
    --------
    >>> check_segments_node(segments_dataset([1.0], [2.0], ["a"], ["both"], [""]), ("both",))
    """
    missing = [c for c in SEGMENT_COLUMNS if c not in dataset.variables]
    if missing:
        raise SegmentError(
            f"The session's segments lack the variable(s) {missing}; rebuild them with "
            "concordlab.set_segments."
        )
    wrong = [c for c in SEGMENT_COLUMNS if dataset[c].dims != ("segment",)]
    if wrong:
        raise SegmentError(
            f"The session's segment variable(s) {wrong} must lie along the 'segment' "
            "dimension; rebuild them with concordlab.set_segments."
        )
    check_segment_rows(
        *(dataset[c].values for c in SEGMENT_COLUMNS),
        allowed,
        context="The session's segments: ",
    )


def segments(session: xr.DataTree) -> pd.DataFrame:
    """The session's segments as a DataFrame (columns start, end, label, person, note).

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    >>> s = concordlab.add_segment(s, 10, 25, "therapist talks", person="therapist")
    >>> concordlab.segments(s)
       start   end            label     person note
    0   10.0  25.0  therapist talks  therapist
    """
    if "segments" not in _check_tree(session).children:
        raise SegmentError("The session has no 'segments' node; build it with from_arrays.")
    dataset = session["segments"].to_dataset(inherit=False)
    table = pd.DataFrame({c: dataset[c].values.copy() for c in SEGMENT_COLUMNS})
    for column in _TEXT_COLUMNS:
        table[column] = table[column].astype(object)
    return table


def set_segments(session: xr.DataTree, table: pd.DataFrame) -> xr.DataTree:
    """Return a copy of ``session`` whose segments are exactly the rows of ``table``.

    ``table`` needs ``start`` and ``end`` columns (seconds); ``label``, ``person``
    (default ``"both"``) and ``note`` are optional. All rows are checked before
    anything changes.

    Raises
    ------
    SegmentError
        Naming the first bad row: end not after start, outside the session, unknown person.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    >>> table = pd.DataFrame({"start": [50, 0], "end": [60, 5], "label": ["b", "a"]})
    >>> concordlab.segments(concordlab.set_segments(s, table))["label"].tolist()
    ['a', 'b']
    """
    validate_session(session)
    if not isinstance(table, pd.DataFrame):
        raise SegmentError(
            f"The segments must be a pandas DataFrame with start and end columns, got "
            f"{type(table).__name__}."
        )
    missing = [c for c in ("start", "end") if c not in table.columns]
    if missing:
        raise SegmentError(
            f"The segment table lacks the column(s) {missing}; give start and end in seconds."
        )
    n = len(table)
    columns: dict[str, list[Any]] = {}
    for column, default in (("label", ""), ("person", BOTH), ("note", "")):
        values = table[column].tolist() if column in table.columns else [default] * n
        columns[column] = ["" if _is_missing(v) else str(v) for v in values]
    columns["person"] = [p or BOTH for p in columns["person"]]
    starts = _as_seconds(table["start"], "start")
    ends = _as_seconds(table["end"], "end")
    check_segment_rows(
        starts,
        ends,
        *(columns[c] for c in _TEXT_COLUMNS),
        (*_labels(session), BOTH),
        span=time_span(session),
    )
    order = np.lexsort((ends, starts))
    dataset = segments_dataset(
        starts[order],
        ends[order],
        *[[columns[c][i] for i in order] for c in _TEXT_COLUMNS],
    )
    new = session.copy()
    new["segments"] = xr.DataTree(dataset)
    return new


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _as_seconds(values: pd.Series, column: str) -> np.ndarray:
    seconds = np.empty(len(values), dtype=np.float64)
    for row, value in enumerate(values.tolist()):
        seconds[row] = _one_time(value, row, column)
    return seconds


def _one_time(value: Any, row: int, column: str) -> float:
    # Text, true/false and complex numbers are not times, even where numpy would convert them.
    is_number = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )
    try:
        seconds = float(value) if is_number else math.nan
    except OverflowError:
        seconds = math.inf
    if not (is_number and math.isfinite(seconds)):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise SegmentError(
            f"Segment {row}: {column} is {shown}; give a finite time in seconds (one number)."
        )
    return seconds


def add_segment(
    session: xr.DataTree,
    start: float,
    end: float,
    label: str,
    person: str = BOTH,
    note: str = "",
) -> xr.DataTree:
    """Return a copy of ``session`` with one more segment.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    start, end : float
        Seconds since session start; ``end`` must be after ``start`` and both inside the
        recording.
    label : str
        What happens in the span, e.g. ``"therapist talks"``.
    person : str, default "both"
        Whom the segment concerns: one of the session's persons or ``"both"``.
    note : str, default ""
        Free text.

    Raises
    ------
    SegmentError
        If the span is empty, reversed or outside the session, or the person is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    >>> s = concordlab.add_segment(s, 0, 30, "intro", note="greeting")
    >>> len(concordlab.segments(s))
    1
    """
    for column, value in (("start", start), ("end", end)):
        # Checked here: concatenating with the stored float columns would convert them.
        try:
            _as_seconds(pd.Series([value], dtype=object), column)
        except SegmentError as error:
            raise SegmentError(f"The new segment's {str(error).split(': ', 1)[1]}") from None
    row = pd.DataFrame(
        {"start": [start], "end": [end], "label": [label], "person": [person], "note": [note]}
    )
    return set_segments(session, pd.concat([segments(session), row], ignore_index=True))


def remove_segment(
    session: xr.DataTree, index: int | Sequence[int] | None = None, *, label: str | None = None
) -> xr.DataTree:
    """Return a copy of ``session`` without some segments.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    index : int or sequence of int, optional
        Row number(s) as shown by :func:`segments`.
    label : str, optional
        Remove every segment with this label instead.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    >>> s = concordlab.add_segment(s, 0, 30, "intro")
    >>> s = concordlab.add_segment(s, 40, 50, "talk")
    >>> concordlab.segments(concordlab.remove_segment(s, 0))["label"].tolist()
    ['talk']
    >>> len(concordlab.segments(concordlab.remove_segment(s, label="talk")))
    1
    """
    table = segments(session)
    if (index is None) == (label is None):
        raise SegmentError("Give either index (row numbers) or label, not both or neither.")
    if label is not None:
        keep = table["label"] != label
        if keep.all():
            raise SegmentError(
                f"No segment is labelled {label!r}; labels present: {sorted(set(table['label']))}."
            )
    else:
        if isinstance(index, int | np.integer) or not isinstance(index, Sequence | np.ndarray):
            rows = [index]
        else:
            rows = list(index)
        bad = [
            r
            for r in rows
            if isinstance(r, bool | np.bool_)
            or not isinstance(r, int | np.integer)
            or not 0 <= r < len(table)
        ]
        if bad:
            raise SegmentError(
                f"Segment row(s) {bad} do not exist; the session has {len(table)} segment(s), "
                f"numbered 0 to {len(table) - 1}."
            )
        keep = ~table.index.isin(rows)
    return set_segments(session, table[keep].reset_index(drop=True))
