"""Segments: labelled spans of a session (talk turns, interventions, artefacts).

Segments live in the session's ``segments`` node as a table along the ``segment``
dimension with the columns ``start`` and ``end`` (seconds since session start),
``label``, ``person`` (one of the session's persons, ``"both"`` in a two-person session,
``"all"`` for everyone, or a subset joined by ``"+"`` such as ``"mother+child"``) and
``note``: the
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

from concordlab._checks import Integer, Text

# The schema lives in a leaf module that session imports too; its names stay importable here.
from concordlab._segments_schema import ALL as ALL
from concordlab._segments_schema import BOTH as BOTH
from concordlab._segments_schema import SEGMENT_COLUMNS as SEGMENT_COLUMNS
from concordlab._segments_schema import TEXT_COLUMNS as _TEXT_COLUMNS
from concordlab._segments_schema import check_segment_rows as check_segment_rows
from concordlab._segments_schema import check_segments_node as check_segments_node
from concordlab._segments_schema import segment_members as segment_members
from concordlab._segments_schema import segment_persons
from concordlab._segments_schema import segments_dataset as segments_dataset
from concordlab.errors import SegmentError, ValidationError
from concordlab.session import _check_tree, _labels, time_span, validate_session

__all__ = ["SEGMENT_COLUMNS", "add_segment", "remove_segment", "segments", "set_segments"]


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
    (default every person: ``"both"`` in a two-person session, ``"all"`` in a larger
    one) and ``note`` are optional. All rows are checked before anything changes.

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
    labels = _labels(session)
    everyone = _everyone(labels)
    columns: dict[str, list[Any]] = {}
    for column, default in (("label", ""), ("person", everyone), ("note", "")):
        values = table[column].tolist() if column in table.columns else [default] * n
        columns[column] = ["" if _is_missing(v) else str(v) for v in values]
    columns["person"] = [p or everyone for p in columns["person"]]
    starts = _as_seconds(table["start"], "start")
    ends = _as_seconds(table["end"], "end")
    check_segment_rows(
        starts,
        ends,
        *(columns[c] for c in _TEXT_COLUMNS),
        segment_persons(labels),
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


def _everyone(labels: tuple[str, ...]) -> str:
    """The ``person`` of a segment that concerns everyone: "both" for two, else "all"."""
    return BOTH if len(labels) == 2 else ALL


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
    person: str | None = None,
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
    person : str, optional
        Whom the segment concerns: one of the session's persons, ``"all"`` (everyone;
        ``"both"`` in a two-person session), or two or more persons joined by ``"+"``
        (``"mother+child"``). Default everyone (``"both"`` for two persons, else ``"all"``).
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
    validate_session(session)
    first, last = time_span(session)
    for column, value in (("start", start), ("end", end)):
        # Checked here: concatenating with the stored float columns would convert them.
        try:
            seconds = _as_seconds(pd.Series([value], dtype=object), column)[0]
        except SegmentError as error:
            raise SegmentError(f"The new segment's {str(error).split(': ', 1)[1]}") from None
        tolerance = 1e-9 * max(1.0, abs(first), abs(last))
        if not first - tolerance <= seconds <= last + tolerance:
            raise SegmentError(
                f"The new segment's {column} {seconds:g} s lies outside the session, which spans "
                f"{first:g}-{last:g} s; clip it to the recording."
            )
    texts = {
        name: _segment_check(rule, value, name)
        for name, rule, value in (
            ("label", _LABEL, label),
            ("person", _PERSON, _everyone(_labels(session)) if person is None else person),
            ("note", _NOTE, note),
        )
    }
    row = pd.DataFrame({"start": [start], "end": [end], **{k: [v] for k, v in texts.items()}})
    return set_segments(session, pd.concat([segments(session), row], ignore_index=True))


_LABEL = Text(non_empty=True, example="'therapist talks'")
_PERSON = Text(non_empty=True, example="'both'")
_NOTE = Text(example="'greeting'")


def _segment_check(rule: Text | Integer, value: Any, name: str) -> Any:
    """``rule.check(value, name)``, its ValidationError raised as the SegmentError it is."""
    try:
        return rule.check(value, name)
    except ValidationError as error:
        raise SegmentError(str(error)) from None


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
        label = _segment_check(_LABEL, label, "label")
        keep = table["label"] != label
        if keep.all():
            raise SegmentError(
                f"label={label!r}: no segment is labelled {label!r}; labels present: "
                f"{sorted(set(table['label']))}."
            )
    else:
        if isinstance(index, int | np.integer) or not isinstance(index, Sequence | np.ndarray):
            given = [index]
        else:
            given = list(index)
        n = len(table)
        row_number = Integer(
            low=0,
            high=n - 1,
            example="0",
            note=f"a row of segments(session): the session has {n} segment(s); others do not exist",
        )
        rows = [_segment_check(row_number, r, "index") for r in given]
        keep = ~table.index.isin(rows)
    return set_segments(session, table[keep].reset_index(drop=True))
