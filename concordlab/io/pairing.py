"""Pair persons' recordings into one session: one time grid per channel, one metadata schema.

Every reader that reads one person at a time ends here, so alignment, the stretches only one
person recorded, markers and the ``source`` metadata mean the same thing for every format.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from concordlab._checks import METADATA, PERSONS, Channels, Choice, Text
from concordlab.errors import FileFormatError, ValidationError
from concordlab.io._common import pair_on_grid
from concordlab.io.recording import Recording
from concordlab.segments import set_segments
from concordlab.session import DEFAULT_PERSONS, from_arrays, time_span

__all__ = ["ALIGN", "default_persons", "pair_recordings"]

ALIGN = ("pad", "trim", "error", "start")
"""The values of ``align``, the same in every reader (see :func:`pair_recordings`)."""

_PSEUDO_HINT = " To pair people recorded at different times (a pseudo-dyad), pass align='start'."


@dataclass
class _Placed:
    """One channel of every person on one grid: (n_persons, n) values from ``offset`` s."""

    values: np.ndarray
    rate: float
    offset: float  # session seconds of the grid's first sample (before the session zero moves)
    first: list[int]  # each person's first grid index
    lengths: list[int]
    moved: list[float]  # seconds each person's series was moved to fit the grid


def pair_recordings(
    recordings: Sequence[Recording],
    *,
    persons: Sequence[str] | None = None,
    align: str = "pad",
    channels: Sequence[str] | None = None,
    session_id: str | None = None,
    start_time: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    reader: str = "pair_recordings",
) -> xr.DataTree:
    """Pair persons' recordings into a session, aligned in time, one channel node per channel.

    **Time.** When every recording has an absolute ``start_time``, they are placed on that
    clock: session time 0 is the earliest sample of any of them and ``attrs["start_time"]``
    says when that was; each device's clock is its own, so a start that is not a whole
    number of samples from the other's is moved to the nearest sample (at most half a
    period; the seconds moved are in the metadata under ``"grid_shift_s"``,
    ``{channel: {person: seconds}}``, positive = later than recorded). Otherwise the
    recordings share one time zero (the same time column, the same BIDS events' zero),
    session time is theirs (it may start below 0) and starts not a whole number of samples
    apart are an error.

    **align** (the same in every reader): ``"pad"`` keeps all of every recording, NaN where
    a person was not recording; ``"trim"`` keeps, per channel, only the time every person
    covers; ``"error"`` refuses recordings that do not cover the same time; ``"start"``
    ignores the clocks and starts every recording when the first one does (pseudo-dyads of
    people recorded at different times; the seconds each was moved are in ``"shift_s"``),
    then pads.

    **Unpaired stretches.** Where only one person was recording (at the start or the end),
    the stretch stays NaN for the others and is listed in the metadata under
    ``"unpaired"`` (``{person: [[start, end], ...]}``, session seconds, only persons who
    have one). On an absolute clock each such stretch is also a segment labelled
    ``"unpaired"`` for the person recording alone (separate devices started or stopped at
    different times); on a shared time zero it is not (the stretch is part of the files'
    own design, such as a BIDS ``StartTime``).

    **Rates.** A channel must have one sampling rate for every person: a channel at
    different rates is refused, not resampled (resample one recording's source first, or
    leave the channel out with ``channels=``). Units must agree where both are given.

    **Markers** become segments of their recording's person, cut at the session's end;
    markers outside the session or without duration are dropped with a ``UserWarning``.

    **Metadata**: ``{"reader", "align", "source": {person: {"path", "format", ...}},
    "unpaired", ...}`` plus ``metadata``.

    Parameters
    ----------
    recordings : sequence of Recording
        One recording per person, in person order: two for a dyad, N for a group of N
        persons (a couple with a therapist, a family).
    persons : sequence of str, optional
        Person labels, one per recording; default the recordings' own ``person`` labels,
        else ("patient", "therapist") for two recordings and ``"person 1"``,
        ``"person 2"`` ... for more.
    align : {"pad", "trim", "error", "start"}, default "pad"
        See above.
    channels : sequence of str, optional
        Channels to pair; default all, and then every recording must have the same ones.
    session_id : str, optional
        Default: the recordings' ``source["name"]`` (else their path), joined by ``+``
        where they differ.
    start_time : str, optional
        Absolute time of session time 0 (ISO 8601), overriding the recordings'; ``""``
        leaves it empty.
    metadata : mapping, optional
        More metadata, stored beside the keys above.
    reader : str, default "pair_recordings"
        The name stored under ``"reader"``.

    Returns
    -------
    xarray.DataTree
        The session.

    Raises
    ------
    FileFormatError
        Naming both files: recordings that do not overlap in time (except with
        ``align="start"``), cover different times with ``align="error"``, put a channel at
        different rates or units, or (on a shared zero) start off each other's grid.
    ValidationError
        For a bad argument: fewer than two recordings, not one label per recording,
        unknown ``align`` or channels.

    Examples
    --------
    >>> from concordlab.io.recording import Channel, Recording
    >>> a = Recording({"eda": Channel([1.0, 1.1, 1.2, 1.3], 2)}, start_time="2024-03-01T09:00:00",
    ...               source={"path": "a.csv", "format": "csv"})
    >>> b = Recording({"eda": Channel([5.0, 5.1, 5.2], 2)}, start_time="2024-03-01T09:00:01",
    ...               source={"path": "b.csv", "format": "csv"})
    >>> s = pair_recordings([a, b], session_id="demo")
    >>> s["eda"]["eda"].values.tolist()
    [[1.0, 1.1, 1.2, 1.3, nan], [nan, nan, 5.0, 5.1, 5.2]]
    >>> import concordlab
    >>> concordlab.metadata(s)["source"]["therapist"]
    {'format': 'csv', 'path': 'b.csv'}
    >>> concordlab.segments(s)[["start", "end", "label", "person"]].values.tolist()
    [[0.0, 1.0, 'unpaired', 'patient'], [2.0, 2.5, 'unpaired', 'therapist']]
    """
    recordings = _check_recordings(recordings)
    persons = _persons(persons, recordings)
    align = Choice(ALIGN).check(align, "align")
    if session_id is not None:
        session_id = Text(non_empty=True).check(session_id, "session_id")
    metadata = METADATA.check(metadata, "metadata")
    reader = Text(non_empty=True, example="'read_csv'").check(reader, "reader")
    selected = _select(recordings, channels, persons)
    clock = all(r.start_time is not None for r in recordings)
    shifts, moved_by = _shifts(recordings, clock, align)
    placed = {name: _place(name, recordings, shifts, clock, align, persons) for name in selected}
    zero = min(p.offset + min(p.first) / p.rate for p in placed.values()) if clock else 0.0
    if align in ("trim", "error"):
        placed = {name: _crop(name, p, recordings, align) for name, p in placed.items()}
    spans = _unpaired_spans(placed, zero, persons)
    meta: dict[str, Any] = {
        "reader": reader,
        "align": align,
        "source": {p: dict(r.source) for p, r in zip(persons, recordings, strict=True)},
        "unpaired": {p: s for p, s in spans.items() if s},
    }
    grid_moves = _grid_moves(placed, persons)
    if grid_moves:
        meta["grid_shift_s"] = grid_moves
    if align == "start":
        meta["shift_s"] = dict(zip(persons, moved_by, strict=True))
    session = from_arrays(
        {name: p.values for name, p in placed.items()},
        {name: p.rate for name, p in placed.items()},
        persons=persons,
        units=_attr(recordings, selected, "units"),
        long_names=_attr(recordings, selected, "long_name"),
        time_offset={name: p.offset - zero for name, p in placed.items()},
        start_time=_start_time(recordings, start_time, clock, zero, align),
        session_id=session_id or _session_id(recordings),
        metadata={**meta, **metadata},
    )
    rows = _unpaired_rows(spans, persons) if clock else []
    rows += _marker_rows(recordings, persons, shifts, zero, session)
    return set_segments(session, pd.DataFrame(rows)) if rows else session


def _check_recordings(recordings: Any) -> list[Recording]:
    if isinstance(recordings, Recording) or not isinstance(recordings, Sequence):
        raise ValidationError(
            "recordings must be a list of Recording objects, one per person (read each with "
            f"concordlab.read_recording), got {type(recordings).__name__}."
        )
    items = list(recordings)
    if not all(isinstance(r, Recording) for r in items):
        raise ValidationError("recordings must hold Recording objects (from read_recording).")
    if len(items) < 2:
        raise ValidationError(
            f"Give two or more recordings, one per person (a session holds at least two "
            f"persons), got {len(items)}."
        )
    return items


def default_persons(n: int) -> tuple[str, ...]:
    """The labels of ``n`` persons nobody named: the default dyad, else ``person 1`` ...

    Examples
    --------
    >>> default_persons(2), default_persons(3)
    (('patient', 'therapist'), ('person 1', 'person 2', 'person 3'))
    """
    return tuple(DEFAULT_PERSONS) if n == 2 else tuple(f"person {i + 1}" for i in range(n))


def _persons(persons: Sequence[str] | None, recordings: list[Recording]) -> tuple[str, ...]:
    if persons is None:
        own = [r.person for r in recordings]
        if all(own) and len(set(own)) == len(own):
            persons = own
        else:
            persons = default_persons(len(recordings))
    checked = tuple(PERSONS.check(persons, "persons"))
    if len(checked) != len(recordings):
        raise ValidationError(
            f"persons has {len(checked)} labels for {len(recordings)} recordings; give one "
            "label per recording, in the same order."
        )
    return checked


_CHANNELS = Channels()
"""The channels to pair; each recording is then checked for them (a file's content)."""


def _select(
    recordings: list[Recording], channels: Sequence[str] | None, persons: Sequence[str]
) -> list[str]:
    names = [r.channel_names for r in recordings]
    shared = [n for n in names[0] if all(n in other for other in names[1:])]
    if channels is None:
        only = [
            (p, r, [n for n in r.channel_names if n not in shared])
            for p, r in zip(persons, recordings, strict=True)
        ]
        parts = [f"only {p} ('{r.path}') has {extra}" for p, r, extra in only if extra]
        if parts:
            raise FileFormatError(
                f"The persons' recordings hold different channels: {'; '.join(parts)}. Pass "
                f"channels=[...] to pair those all have: {shared}."
            )
        return shared
    wanted = _CHANNELS.check(channels, "channels")
    assert wanted is not None
    for name in wanted:
        for person, recording in zip(persons, recordings, strict=True):
            if name not in recording.channels:
                raise FileFormatError(
                    f"Channel '{name}' is not in {person}'s recording ('{recording.path}'), "
                    f"whose channels are {list(recording.channel_names)}; channels all "
                    f"persons have: {shared}."
                )
    return list(wanted)


def _shifts(recordings: list[Recording], clock: bool, align: str) -> tuple[list[float], list]:
    """Seconds from each recording's zero to the first one's, and what ``start`` moved."""
    shifts = [0.0] * len(recordings)
    if clock:
        zeros = [pd.Timestamp(r.start_time) for r in recordings]
        try:
            shifts = [(z - zeros[0]).total_seconds() for z in zeros]
        except TypeError:
            other = next(
                r
                for r, z in zip(recordings, zeros, strict=True)
                if (z.tz is None) != (zeros[0].tz is None)
            )
            raise FileFormatError(
                f"The start times of '{recordings[0].path}' ({recordings[0].start_time}) and "
                f"'{other.path}' ({other.start_time}) cannot be compared: one "
                "has a time zone and the other not. Give both in UTC (ending in +00:00)."
            ) from None
    if align != "start":
        return shifts, [0.0] * len(recordings)
    first = shifts[0] + recordings[0].span[0]
    new = [first - r.span[0] for r in recordings]
    return new, [n - s for n, s in zip(new, shifts, strict=True)]


def _where(recording: Recording, channel: str) -> str:
    files = recording.source.get("files")
    if isinstance(files, Mapping) and channel in files:
        return str(files[channel])
    return recording.path


def _place(
    name: str,
    recordings: list[Recording],
    shifts: list[float],
    clock: bool,
    align: str,
    persons: Sequence[str],
) -> _Placed:
    series = [r.channels[name] for r in recordings]
    where = [_where(r, name) for r in recordings]
    rates = [c.sampling_rate for c in series]
    odd = [i for i, rate in enumerate(rates) if not math.isclose(rate, rates[0], rel_tol=1e-9)]
    if odd:
        k = odd[0]
        field = recordings[0].source.get("rate_field")
        said = f" ({field} {rates[0]:g} Hz vs {rates[k]:g} Hz)" if field else ""
        every = "both persons'" if len(series) == 2 else "every person's"
        raise FileFormatError(
            f"Channel '{name}': '{where[0]}' is sampled at {rates[0]:g} Hz but {rates[k]:g} Hz "
            f"in '{where[k]}'{said}; {every} channel must share one rate. Resample one "
            "recording first, or leave the channel out with channels=[...]."
        )
    starts = [s + c.offset for s, c in zip(shifts, series, strict=True)]
    values, offset, moved = pair_on_grid(
        [c.values for c in series],
        starts,
        rates[0],
        describe=f"Channel '{name}' ({_listed(where)})",
        exact=not clock,
        hint="" if align == "start" else _PSEUDO_HINT,
    )
    first = [round((s - offset) * rates[0]) for s in starts]
    return _Placed(values, rates[0], offset, first, [c.n_samples for c in series], moved)


def _listed(where: Sequence[str]) -> str:
    """``'a' and 'b'``, ``'a', 'b' and 'c'``: files named in a message."""
    quoted = [f"'{w}'" for w in where]
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def _crop(name: str, placed: _Placed, recordings: list[Recording], align: str) -> _Placed:
    begin = max(placed.first)
    end = min(f + n for f, n in zip(placed.first, placed.lengths, strict=True))
    ends = {f + n for f, n in zip(placed.first, placed.lengths, strict=True)}
    if align == "error" and (len(set(placed.first)) > 1 or len(ends) > 1):
        offsets = [placed.offset + f / placed.rate for f in placed.first]
        # The first recording and the first that covers other times than it.
        k = next(
            i
            for i in range(1, len(placed.first))
            if placed.first[i] != placed.first[0] or placed.lengths[i] != placed.lengths[0]
        )
        every = "both" if len(placed.first) == 2 else "all"
        raise FileFormatError(
            f"Channel '{name}': '{_where(recordings[0], name)}' and "
            f"'{_where(recordings[k], name)}' cover different times ({placed.lengths[0]} and "
            f"{placed.lengths[k]} samples from {_at(offsets[0], recordings)} and "
            f"{_at(offsets[k], recordings)}); pass "
            f"align='trim' to keep only the time {every} cover, or align='pad' to keep "
            "everything with NaN where a person is missing."
        )
    return _Placed(
        placed.values[:, begin:end],
        placed.rate,
        placed.offset + begin / placed.rate,
        [0] * len(placed.first),
        [end - begin] * len(placed.first),
        placed.moved,
    )


def _at(seconds: float, recordings: list[Recording]) -> str:
    """A time in seconds from the first recording's zero, as a date when both are on a clock."""
    if all(r.start_time is not None for r in recordings):
        return (pd.Timestamp(recordings[0].start_time) + pd.Timedelta(seconds=seconds)).isoformat()
    return f"{seconds:g} s"


def _unpaired_spans(
    placed: Mapping[str, _Placed], zero: float, persons: Sequence[str]
) -> dict[str, list[list[float]]]:
    """Each person's stretches, at the start or the end, that no other person covers."""
    begin, end = [], []
    for index in range(len(persons)):
        starts = [p.offset - zero + p.first[index] / p.rate for p in placed.values()]
        stops = [
            p.offset - zero + (p.first[index] + p.lengths[index]) / p.rate for p in placed.values()
        ]
        begin.append(min(starts))
        end.append(max(stops))
    spans: dict[str, list[list[float]]] = {p: [] for p in persons}
    for index, person in enumerate(persons):
        others_begin = min(b for i, b in enumerate(begin) if i != index)
        others_end = max(e for i, e in enumerate(end) if i != index)
        if begin[index] < others_begin:
            spans[person].append([begin[index], others_begin])
        if end[index] > others_end:
            spans[person].append([others_end, end[index]])
    return spans


def _unpaired_rows(spans: Mapping[str, list[list[float]]], persons: Sequence[str]) -> list[dict]:
    rows = []
    for person in persons:
        note = f"only {person}'s device was recording"
        for start, end in spans[person]:
            rows.append(_row(start, end, "unpaired", person, note))
    return rows


def _row(start: float, end: float, label: str, person: str, note: str) -> dict[str, Any]:
    return {"start": start, "end": end, "label": label, "person": person, "note": note}


def _marker_rows(
    recordings: list[Recording],
    persons: Sequence[str],
    shifts: list[float],
    zero: float,
    session: xr.DataTree,
) -> list[dict[str, Any]]:
    first, last = time_span(session)
    rows = []
    for recording, person, shift in zip(recordings, persons, shifts, strict=True):
        dropped = 0
        for marker in recording.markers:
            start = marker.onset + shift - zero
            if not first <= start < last or marker.duration <= 0:
                dropped += 1
                continue
            end = min(start + marker.duration, last)
            rows.append(_row(start, end, marker.label, person, marker.note))
        if dropped:
            kind = recording.source.get("marker_kind", "marker(s)")
            where = recording.source.get("marker_file", recording.path)
            warnings.warn(
                f"'{where}': {dropped} {kind} lie outside the recording or have no duration "
                "and were not made into segments.",
                UserWarning,
                stacklevel=4,
            )
    return rows


def _grid_moves(placed: Mapping[str, _Placed], persons: Sequence[str]) -> dict[str, dict]:
    moves = {}
    for name, p in placed.items():
        moved = {person: m for person, m in zip(persons, p.moved, strict=True) if m}
        if moved:
            moves[name] = moved
    return moves


def _attr(recordings: list[Recording], selected: list[str], attr: str) -> dict[str, str]:
    out = {}
    for name in selected:
        given = [(getattr(r.channels[name], attr), _where(r, name)) for r in recordings]
        given = [(value, where) for value, where in given if value]
        if attr == "units" and len({value for value, _ in given}) > 1:
            (first, where1) = given[0]
            second, where2 = next((v, w) for v, w in given if v != first)
            every = "both use" if len(recordings) == 2 else "all use"
            raise FileFormatError(
                f"Channel '{name}': units are {first!r} in '{where1}' but {second!r} in "
                f"'{where2}'; convert one recording so {every} the same units."
            )
        if given:
            out[name] = given[0][0]
    return out


def _start_time(
    recordings: list[Recording], start_time: str | None, clock: bool, zero: float, align: str
) -> str | None:
    if start_time is not None:
        return start_time or None
    if not clock:
        return None
    return _at(zero, recordings)


def _session_id(recordings: list[Recording]) -> str:
    names = [str(r.source.get("name") or r.path) for r in recordings]
    return names[0] if len(set(names)) == 1 else "+".join(names)
