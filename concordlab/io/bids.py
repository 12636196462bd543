"""BIDS physiological recordings and events files into a session, and events back out.

BIDS (the Brain Imaging Data Structure) stores continuous physiology as headerless,
tab-separated, usually gzipped files (``*_physio.tsv.gz``), each with a JSON sidecar
(``*_physio.json``) holding ``SamplingFrequency``, ``StartTime`` and ``Columns``, and
annotations as ``*_events.tsv`` tables (``onset``, ``duration``, ``trial_type`` ...).
An events table has the same information as the session's segments, so segments are
written to and read from it directly.

Time zero of a session read from BIDS is the events' time zero: a channel's first sample
lies at its sidecar's ``StartTime``, which may be negative.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from concordlab._checks import FLAG, MAX_SECONDS, PERSONS, SAMPLING_RATE, Channels, Real, Text
from concordlab.errors import FileFormatError, SegmentError, ValidationError
from concordlab.io._common import (
    PathLike,
    check_path,
    numeric_column,
    reading,
    refuse_short_rows,
)
from concordlab.io.pairing import pair_recordings
from concordlab.io.recording import Channel, Recording
from concordlab.segments import segments, set_segments
from concordlab.session import (
    BOTH,
    CHANNEL_NAME,
    DEFAULT_PERSONS,
    _labels,
    time_span,
    validate_session,
)

__all__ = ["read_bids_physio", "read_bids_recording", "read_events_tsv", "write_events_tsv"]

NA = "n/a"
EVENT_COLUMNS = ("onset", "duration", "trial_type", "person", "note")
# Names a channel cannot take: the session's own nodes and the coordinates of a channel.
_START_TIME = Real(low=-MAX_SECONDS, high=MAX_SECONDS, unit="seconds", example="0")


# --------------------------------------------------------------------------- events.tsv


def write_events_tsv(session: xr.DataTree, path: PathLike) -> Path:
    """Write the session's segments as a BIDS ``events.tsv`` file.

    The columns are ``onset`` and ``duration`` (seconds since session start),
    ``trial_type`` (the segment's label), ``person`` and ``note``; empty text becomes
    ``n/a``, as BIDS asks for missing values. The file is UTF-8, tab-separated, with one
    header row; text holding tabs, line breaks or double quotes is quoted (``"..."``,
    line breaks written as ``\n``). :func:`read_events_tsv` reads it back.

    Parameters
    ----------
    session : xarray.DataTree
        The session whose segments to write.
    path : str or os.PathLike
        The file to write, by BIDS convention named ``<prefix>_events.tsv``. Its folder
        must exist; an existing file is replaced.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    FileFormatError
        If the folder does not exist or the file cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    >>> s = concordlab.add_segment(s, 10, 25, "therapist talks", person="therapist")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sub-01_task-therapy_events.tsv"
    >>> print(concordlab.write_events_tsv(s, path).read_text(), end="")
    onset	duration	trial_type	person	note
    10.0	15.0	therapist talks	therapist	n/a
    """
    validate_session(session)
    path = check_path(path, "path", "events file")
    table = segments(session)
    starts = table["start"].to_numpy(dtype=np.float64)
    durations = table["end"].to_numpy(dtype=np.float64) - starts
    # Durations to 12 significant digits: 15.0, not 14.999999999999998. The onset is exact.
    durations = np.array([float(f"{d:.12g}") for d in durations], dtype=np.float64)
    out = pd.DataFrame(
        {
            "onset": starts,
            "duration": durations,
            "trial_type": table["label"].to_numpy(),
            "person": table["person"].to_numpy(),
            "note": table["note"].to_numpy(),
        },
        columns=list(EVENT_COLUMNS),
    )
    for column in ("trial_type", "person", "note"):
        text = [str(v).replace("\r\n", "\n").replace("\r", "\n") for v in out[column]]
        out[column] = [t if t else NA for t in text]
    if not path.parent.is_dir():
        raise FileFormatError(
            f"Cannot write events file '{path}': the folder '{path.parent}' does not exist; "
            "create it first."
        )
    with reading(path, "events file"):
        out.to_csv(path, sep="\t", index=False, encoding="utf-8", lineterminator="\n")
    return path


def read_events_tsv(
    session: xr.DataTree,
    path: PathLike,
    *,
    drop_instant: bool = False,
    replace: bool = True,
) -> xr.DataTree:
    """Read a BIDS ``events.tsv`` file into the session's segments.

    Each row becomes one segment from ``onset`` to ``onset + duration`` (seconds since
    session start: the file's time zero must be the session's). The label is the row's
    ``trial_type`` (where that is missing, its ``value``; else empty), the person its
    ``person`` cell (default ``"both"``), the note its ``note`` cell. ``n/a`` and empty
    cells are missing values. Other columns are ignored.

    Parameters
    ----------
    session : xarray.DataTree
        The session to annotate.
    path : str or os.PathLike
        A tab-separated events file with a header row holding at least ``onset`` and
        ``duration``.
    drop_instant : bool, default False
        Events with a duration of 0 or ``n/a`` mark an instant, which a segment (a span)
        cannot hold. By default they are an error; with True they are skipped with a
        ``UserWarning`` saying how many were dropped.
    replace : bool, default True
        Replace the session's segments with the file's rows; with False, add the rows to
        the segments already there.

    Returns
    -------
    xarray.DataTree
        A new session; the input is unchanged.

    Raises
    ------
    FileFormatError
        If the file is missing, empty, lacks ``onset``/``duration`` or holds text where a
        number belongs; the message names the file, the column and the data row.
    SegmentError
        If a row is an instant event (without ``drop_instant=True``), lies outside the
        session or names an unknown person; the message names the file and the data row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> import concordlab
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sub-01_task-therapy_events.tsv"
    >>> _ = path.write_text(
    ...     "onset\\tduration\\ttrial_type\\tperson\\n"
    ...     "0\\t30\\tintro\\tn/a\\n"
    ...     "42.5\\t0\\tbutton\\tpatient\\n"
    ...     "60\\t20.5\\ttherapist talks\\ttherapist\\n"
    ... )
    >>> s = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     s = concordlab.read_events_tsv(s, path, drop_instant=True)
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    '...events.tsv': dropped 1 instant event(s) (duration 0 or n/a) ...
    >>> concordlab.segments(s)
       start   end            label     person note
    0    0.0  30.0            intro       both
    1   60.0  80.5  therapist talks  therapist
    """
    validate_session(session)
    path = check_path(path, "path", "events file")
    drop_instant = FLAG.check(drop_instant, "drop_instant")
    replace = FLAG.check(replace, "replace")
    with reading(path, "events file"):
        table = _read_events_table(path)
        onsets = numeric_column(table["onset"], path, "onset")
        durations = numeric_column(table["duration"], path, "duration")
    labels = _text_column(table, "trial_type")
    if "value" in table.columns:
        values = _text_column(table, "value")
        labels = [label or value for label, value in zip(labels, values, strict=True)]
    people = [p or BOTH for p in _text_column(table, "person")]
    notes = _text_column(table, "note")

    def where(row: int) -> str:
        return f"'{path}', data row {row + 1} (onset {onsets[row]:g} s, trial_type {labels[row]!r})"

    missing = np.flatnonzero(np.isnan(onsets))
    if missing.size:
        row = int(missing[0])
        raise FileFormatError(
            f"'{path}', column 'onset', data row {row + 1}: the onset is missing; every event "
            "needs an onset in seconds."
        )
    negative = np.flatnonzero(durations < 0)
    if negative.size:
        row = int(negative[0])
        raise SegmentError(
            f"{where(row)}: the duration {durations[row]:g} s is negative; give the duration "
            "as a positive number of seconds."
        )
    instant = np.isnan(durations) | (durations == 0)
    if instant.any():
        if not drop_instant:
            row = int(np.flatnonzero(instant)[0])
            more = int(instant.sum()) - 1
            raise SegmentError(
                f"{where(row)}: the duration is {table['duration'].iloc[row] or NA!r}, an instant "
                f"event{f' (and {more} more)' if more else ''}; a segment needs a span. Pass "
                "drop_instant=True to skip instant events, or give them a duration in the file."
            )
        warnings.warn(
            f"'{path}': dropped {int(instant.sum())} instant event(s) (duration 0 or n/a) "
            "that a segment cannot hold; give them a duration in the file to keep them.",
            UserWarning,
            stacklevel=2,
        )
    keep = np.flatnonzero(~instant)
    starts = onsets[keep]
    ends = onsets[keep] + durations[keep]
    first, last = time_span(session)
    tolerance = 1e-9 * max(1.0, abs(first), abs(last))
    allowed = (*_labels(session), BOTH)
    for position, row in enumerate(keep):
        if starts[position] < first - tolerance:
            raise SegmentError(
                f"{where(row)}: the event starts before the session, which spans "
                f"{first:g}-{last:g} s; remove the event or clip it to the recording in the file."
            )
        if ends[position] > last + tolerance:
            raise SegmentError(
                f"{where(row)}: the event ends at {ends[position]:g} s, outside the session, "
                f"which spans {first:g}-{last:g} s; remove the event or shorten it in the file."
            )
        if people[row] not in allowed:
            raise SegmentError(
                f"{where(row)}, column 'person': {people[row]!r} is not a person of this "
                f"session; use one of {list(allowed)} (or n/a for both)."
            )
    rows = pd.DataFrame(
        {
            "start": starts,
            "end": ends,
            "label": [labels[i] for i in keep],
            "person": [people[i] for i in keep],
            "note": [notes[i] for i in keep],
        }
    )
    if not replace:
        rows = pd.concat([segments(session), rows], ignore_index=True)
    try:
        return set_segments(session, rows)
    except SegmentError as error:
        raise SegmentError(f"'{path}': {error}") from None


def _read_events_table(path: Path) -> pd.DataFrame:
    with open(path, encoding="utf-8-sig") as handle:  # -sig: tolerate a byte-order mark
        text = handle.read()
    if not text.strip():
        raise FileFormatError(
            f"'{path}' is empty; a BIDS events file needs a header row "
            "(onset<TAB>duration<TAB>trial_type ...) and one row per event."
        )
    try:
        # header=None: a row longer than the header is an error, not a silent index column.
        table = pd.read_csv(
            path,
            sep="\t",
            header=None,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            encoding="utf-8-sig",
            engine="c",
        )
    except pd.errors.ParserError as error:
        raise FileFormatError(
            f"'{path}' is not a valid tab-separated table ({error}); every row must hold as "
            "many tab-separated cells as the header."
        ) from None
    refuse_short_rows(path, "\t", 0, True, table.shape[1])  # pandas fills them silently
    header = ["" if pd.isna(c) else str(c).strip() for c in table.iloc[0]]
    table = table.iloc[1:].reset_index(drop=True)
    table.columns = header
    repeated = sorted(name for name, count in Counter(header).items() if count > 1)
    if repeated:
        raise FileFormatError(
            f"'{path}': the column name(s) {repeated} appear more than once in the header; "
            "give each column its own name."
        )
    missing = [c for c in ("onset", "duration") if c not in table.columns]
    if missing:
        hint = ""
        if len(table.columns) == 1 and ("," in table.columns[0] or ";" in table.columns[0]):
            hint = " It looks comma- or semicolon-separated; BIDS events files use tabs."
        raise FileFormatError(
            f"'{path}' lacks the column(s) {missing}; its header holds {list(table.columns)}. "
            f"A BIDS events file needs 'onset' and 'duration' (seconds).{hint}"
        )
    return table


def _text_column(table: pd.DataFrame, column: str) -> list[str]:
    """A text column with ``n/a`` and empty cells as ``""``; all ``""`` when absent."""
    if column not in table.columns:
        return [""] * len(table)
    cells = table[column].tolist()
    return ["" if pd.isna(c) or str(c).strip() in ("", NA) else str(c) for c in cells]


# --------------------------------------------------------------------------- physio.tsv.gz


@dataclass
class _PhysioFile:
    """One ``*_physio.tsv.gz`` file's sidecar, and its data once read."""

    path: Path
    sidecar: Path
    rate: float
    start: float
    columns: list[str]
    units: dict[str, str]
    descriptions: dict[str, str]
    recording: str
    names: list[str] = field(default_factory=list)
    column_of: dict[str, str] = field(default_factory=dict)  # channel name -> column
    data: dict[str, np.ndarray] = field(default_factory=dict)


def read_bids_recording(
    path: PathLike | Sequence[PathLike],
    *,
    channels: str | Sequence[str] | None = None,
    person: str | None = None,
) -> Recording:
    """Read one person's BIDS physiological recording (``*_physio.tsv.gz`` + ``.json``).

    Each file's JSON sidecar (the same name ending in ``.json``) gives
    ``SamplingFrequency``, ``StartTime`` (the channel's ``offset``: seconds of the first
    sample relative to the events' time zero, the recording's zero) and ``Columns``; each
    column becomes a channel named by its lower-cased name, with the sidecar's ``Units``
    and ``Description``. ``start_time`` is the ``acq_time`` of a ``*_scans.tsv`` file
    listing it (see :func:`read_bids_physio`), else None.

    Parameters
    ----------
    path : path or sequence of paths
        The person's ``*_physio.tsv.gz`` (or ``.tsv``) file, or several
        ``_recording-<label>_physio`` files of that person.
    channels : str or sequence of str, optional
        Channels to read (lower-case names); default all.
    person : str, optional
        The person's label, kept on the recording.

    Returns
    -------
    Recording
        ``source`` holds ``path`` (the first file), ``format`` (``"bids-physio"``),
        ``name`` (the BIDS prefix), ``paths`` (all files) and ``files`` (each channel's).

    Raises
    ------
    FileFormatError
        Naming the file and what to fix (see :func:`read_bids_physio`).
    ValidationError
        For a bad argument.

    Examples
    --------
    >>> import gzip, json, tempfile, pathlib
    >>> stem = pathlib.Path(tempfile.mkdtemp()) / "sub-01_task-rest_physio"
    >>> _ = stem.with_suffix(".json").write_text(json.dumps(
    ...     {"SamplingFrequency": 4, "StartTime": -0.5, "Columns": ["EDA"]}))
    >>> _ = pathlib.Path(f"{stem}.tsv.gz").write_bytes(gzip.compress(b"2.0\\n2.1\\n2.2\\n"))
    >>> r = read_bids_recording(f"{stem}.tsv.gz")
    >>> r.channel_names, r.channels["eda"].offset, r.source["format"]
    (('eda',), -0.5, 'bids-physio')
    """
    label = "path" if person is None else Text(non_empty=True).check(person, "person")
    files = [_read_sidecar(p) for p in _as_paths(path, "path")]
    _name_channels(files)
    selected = _select_channels([files, files], channels, (label, label))
    return _recording(files, selected, _scans_start_time(files[0]) or None, person)


def _recording(
    files: list[_PhysioFile], selected: list[str], start_time: str | None, person: str | None
) -> Recording:
    channels = {}
    for name in selected:
        item = _file_with(files, name)
        _read_data(item)
        column = _column_of(item, name)
        channels[name] = Channel(
            item.data[name],
            item.rate,
            units=item.units.get(column, ""),
            long_name=item.descriptions.get(column, ""),
            offset=item.start,
        )
    source = {
        "path": str(files[0].path),
        "format": "bids-physio",
        "name": _bids_prefix(files[0].path),
        "paths": [str(item.path) for item in files],
        "files": {name: str(_file_with(files, name).path) for name in selected},
        "rate_field": "SamplingFrequency",
    }
    return Recording(channels, start_time, (), source, person)


def read_bids_physio(
    person1: PathLike | Sequence[PathLike],
    person2: PathLike | Sequence[PathLike],
    *,
    persons: Sequence[str] = DEFAULT_PERSONS,
    channels: str | Sequence[str] | None = None,
    events: PathLike | bool | None = None,
    drop_instant: bool = False,
    session_id: str | None = None,
    start_time: str | None = None,
) -> xr.DataTree:
    """Read a dyad from BIDS physiological recordings (``*_physio.tsv.gz`` + ``.json``).

    Each data file is headerless and tab-separated (gzipped when it ends in ``.gz``);
    its JSON sidecar, the same name ending in ``.json`` instead of ``.tsv.gz``, gives
    ``SamplingFrequency`` (Hz), ``StartTime`` (seconds of the first sample relative to
    the events' time zero, may be negative) and ``Columns``. Every column becomes a
    channel named by the lower-cased column name (``cardiac``, ``respiratory``,
    ``eda``, ``trigger`` ...), with the units of the sidecar's ``"<column>": {"Units":
    ...}`` entry and its ``Description`` as long name. ``n/a`` cells are missing (NaN).

    Session time zero is the events' time zero, so each channel's ``time`` starts at its
    ``StartTime``. Both persons' files are taken to share that zero (as in a hyperscanning
    recording). Where the persons' ``StartTime`` differ, both are placed on one grid per
    channel with NaN where one person was not recording.

    Parameters
    ----------
    person1, person2 : path or sequence of paths
        Each person's ``*_physio.tsv.gz`` (or ``.tsv``) file, or a list of them: BIDS
        keeps recordings at different rates in separate ``_recording-<label>_physio``
        files. A column name found in several of one person's files is suffixed with the
        file's recording label (``trigger_cardiac``, ``trigger_resp``).
    persons : pair of str, default ("patient", "therapist")
        Person labels, in argument order.
    channels : str or sequence of str, optional
        Channels to read (lower-case names). Default: all; then both persons must have
        the same channels.
    events : path, bool or None, default None
        An ``events.tsv`` file to read into segments (with :func:`read_events_tsv`). None
        looks for ``<prefix>_events.tsv`` next to person1's first file, where ``<prefix>``
        is the file name up to ``_recording-`` or ``_physio``, and reads it if present;
        False reads no events.
    drop_instant : bool, default False
        Passed to :func:`read_events_tsv`: skip events of duration 0 or ``n/a``.
    session_id : str, optional
        Default: the BIDS prefix of person1's file (``sub-01_task-therapy``), joined to
        person2's with ``+`` when they differ.
    start_time : str, optional
        Absolute time of time zero (ISO 8601). Default: from the ``acq_time`` of a
        ``*_scans.tsv`` file in the folder of person1's file or the one above it, if
        it lists the physio file or a file of the same prefix; else left empty. Give
        ``""`` to skip the search.

    Returns
    -------
    xarray.DataTree
        The session.

    Raises
    ------
    FileFormatError
        Naming the file and what to fix: a missing file or sidecar, a sidecar without
        ``SamplingFrequency``/``StartTime``/``Columns`` (or whose ``SamplingFrequency``
        is not a rate above 0 and at most 1e6 Hz, or whose ``StartTime`` is not a finite
        number of seconds), invalid JSON, a truncated or damaged gzip file, a column
        count that disagrees with ``Columns``, a header row, text in the data, channels
        only one person has, rates that differ between persons, start times not a whole
        number of samples apart, recordings that do not overlap in time.
    ValidationError
        For a bad argument: a path that is not a str or path, channels or events of the
        wrong type.
    SegmentError
        If the events file holds events the session cannot take.

    Examples
    --------
    >>> import gzip, json, tempfile, pathlib
    >>> import concordlab
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> def physio(subject, start, values):
    ...     stem = folder / f"sub-{subject}_task-therapy_physio"
    ...     sidecar = {"SamplingFrequency": 4, "StartTime": start, "Columns": ["eda"],
    ...                "eda": {"Units": "uS"}}
    ...     _ = stem.with_suffix(".json").write_text(json.dumps(sidecar))
    ...     text = "".join(f"{v}\\n" for v in values)
    ...     _ = pathlib.Path(f"{stem}.tsv.gz").write_bytes(gzip.compress(text.encode()))
    ...     return f"{stem}.tsv.gz"
    >>> s = concordlab.read_bids_physio(physio("01", -0.5, [2.0, 2.1, 2.2, 2.3]),
    ...                                 physio("02", 0.0, [5.0, 5.1, 5.2]))
    >>> s["eda"]["time"].values.tolist()
    [-0.5, -0.25, 0.0, 0.25, 0.5]
    >>> s["eda"]["eda"].values.tolist()
    [[2.0, 2.1, 2.2, 2.3, nan], [nan, nan, 5.0, 5.1, 5.2]]
    >>> s["eda"]["eda"].attrs["units"], s.attrs["session_id"]
    ('uS', 'sub-01_task-therapy+sub-02_task-therapy')
    """
    persons = PERSONS.check(persons, "persons")
    drop_instant = FLAG.check(drop_instant, "drop_instant")
    if session_id is not None:
        session_id = Text(non_empty=True).check(session_id, "session_id")
    if start_time is not None:
        start_time = Text().check(start_time, "start_time")
    if not (events is None or isinstance(events, bool | str | os.PathLike)):
        raise ValidationError(
            f"events must be the path of an events.tsv file, True, False or None; got {events!r}."
        )
    groups = [_as_paths(person1, "person1"), _as_paths(person2, "person2")]
    files = [[_read_sidecar(path) for path in group] for group in groups]
    for person_files in files:
        _name_channels(person_files)
    selected = _select_channels(files, channels, persons)
    # Both persons share the events' time zero: no per-recording clock (start_time None).
    recordings = [
        _recording(person_files, selected, None, person)
        for person_files, person in zip(files, persons, strict=True)
    ]
    prefixes = [_bids_prefix(group[0]) for group in groups]
    if start_time is None:
        start_time = _scans_start_time(files[0][0])
    events_path = _events_path(events, groups[0][0], prefixes[0])
    session = pair_recordings(
        recordings,
        persons=persons,
        align="pad",
        session_id=session_id,
        start_time=start_time,
        metadata={"events": None if events_path is None else str(events_path)},
        reader="read_bids_physio",
    )
    if events_path is None:
        return session
    try:
        return read_events_tsv(session, events_path, drop_instant=drop_instant)
    except SegmentError as error:
        raise SegmentError(
            f"{error} (To read the recordings without their events, pass events=False.)"
        ) from None


def _as_paths(argument: Any, name: str) -> list[Path]:
    if isinstance(argument, str | bytes | os.PathLike) or not isinstance(argument, Sequence):
        return [check_path(argument, name, "*_physio.tsv.gz file (or a list of them)")]
    paths = list(argument)
    if not paths:
        raise ValidationError(f"{name} is an empty list; give at least one *_physio.tsv.gz file.")
    return [p for a in paths for p in _as_paths(a, name)]


def _strip_extension(path: Path) -> str | None:
    name = path.name
    for suffix in (".tsv.gz", ".tsv"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return None


def _bids_prefix(path: Path) -> str:
    """The file name without extension, suffix (``_physio``) and ``_recording-`` entity.

    Examples
    --------
    >>> _bids_prefix(Path("sub-01_task-rest_recording-cardiac_physio.tsv.gz"))
    'sub-01_task-rest'
    """
    stem = _strip_extension(path) or path.name.split(".")[0]
    parts = stem.split("_")
    if len(parts) > 1 and "-" not in parts[-1]:
        parts = parts[:-1]
    return "_".join(p for p in parts if not p.startswith("recording-")) or stem


def _read_sidecar(path: Path) -> _PhysioFile:
    stem = _strip_extension(path)
    if stem is None:
        raise FileFormatError(
            f"'{path}' is not a BIDS physiological recording: its name must end in "
            "'_physio.tsv.gz' (or '.tsv'), with a '.json' sidecar of the same name."
        )
    with reading(path, "physio file"):
        if not path.exists():
            raise FileNotFoundError(path)
        if path.is_dir():
            raise IsADirectoryError(path)
    sidecar = path.with_name(stem + ".json")
    if not sidecar.is_file():
        raise FileFormatError(
            f"'{path}' has no JSON sidecar: expected '{sidecar}' holding SamplingFrequency, "
            "StartTime and Columns. (Sidecars inherited from a higher folder are not "
            "searched; copy the sidecar next to the file.)"
        )
    with reading(sidecar, "JSON sidecar"):
        try:
            info = json.loads(sidecar.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise FileFormatError(
                f"'{sidecar}' is not valid JSON ({error.msg} at line {error.lineno}, column "
                f"{error.colno}); fix the file."
            ) from None
    if not isinstance(info, dict):
        raise FileFormatError(
            f"'{sidecar}' must hold a JSON object ({{...}}) with SamplingFrequency, StartTime "
            f"and Columns, not a {type(info).__name__}."
        )
    rate = _sidecar_number(
        info, "SamplingFrequency", SAMPLING_RATE, sidecar, 'e.g. "SamplingFrequency": 100'
    )
    start = _sidecar_number(
        info,
        "StartTime",
        _START_TIME,
        sidecar,
        "the time of the first sample in seconds relative to the events' zero, "
        'e.g. "StartTime": 0',
    )
    columns = info.get("Columns")
    if (
        not isinstance(columns, list)
        or not columns
        or not all(isinstance(c, str) and c.strip() for c in columns)
    ):
        raise FileFormatError(
            f"'{sidecar}': Columns must be a list of the data columns' names, e.g. "
            f'"Columns": ["cardiac", "respiratory"], got {columns!r}.'
        )
    repeated = sorted(name for name, count in Counter(_lowered(columns)).items() if count > 1)
    if repeated:
        raise FileFormatError(
            f"'{sidecar}': Columns names {repeated} more than once (case is ignored); give "
            "each column its own name."
        )
    units: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    for column in columns:
        entry = info.get(column)
        if isinstance(entry, dict):
            if isinstance(entry.get("Units"), str):
                units[column] = entry["Units"]
            if isinstance(entry.get("Description"), str):
                descriptions[column] = entry["Description"]
    match = re.search(r"(?:^|_)recording-([A-Za-z0-9]+)", stem)
    return _PhysioFile(
        path=path,
        sidecar=sidecar,
        rate=rate,
        start=start,
        columns=list(columns),
        units=units,
        descriptions=descriptions,
        recording=match.group(1) if match else "",
    )


def _sidecar_number(
    info: dict[str, Any], key: str, rule: Real, sidecar: Path, example: str
) -> float:
    if key not in info:
        raise FileFormatError(f"'{sidecar}' lacks {key}; add it: {example}.")
    try:
        return rule.check(info[key], key)
    except ValidationError:
        raise FileFormatError(
            f"'{sidecar}': {key} must be {rule.describe()} (a finite JSON number), got "
            f"{info[key]!r}; {example}."
        ) from None


def _name_channels(person_files: list[_PhysioFile]) -> None:
    """Set each file's channel names; suffix names that several files share."""
    counts: dict[str, int] = {}
    for item in person_files:
        for column in item.columns:
            counts[column.strip().lower()] = counts.get(column.strip().lower(), 0) + 1
    lowered = [set(_lowered(f.columns)) for f in person_files]
    for item in person_files:
        item.names = []
        for column in item.columns:
            name = column.strip().lower()
            if counts[name] > 1:
                holders = [
                    str(f.path) for f, s in zip(person_files, lowered, strict=True) if name in s
                ]
                labels = [
                    f.recording for f, s in zip(person_files, lowered, strict=True) if name in s
                ]
                if not all(labels) or len(set(labels)) != len(labels):
                    raise FileFormatError(
                        f"Column '{column}' appears in several files of one person ({holders}) "
                        "that have no distinct _recording-<label>; read them separately or "
                        "rename the column in one sidecar's Columns."
                    )
                name = f"{name}_{item.recording.lower()}"
            item.names.append(name)
        item.column_of = dict(zip(item.names, item.columns, strict=True))


def _lowered(columns: list[str]) -> list[str]:
    return [c.strip().lower() for c in columns]


_CHANNELS = Channels(fold_case=True)
"""The channels to read (names in any case); each file is then checked for them."""


def _select_channels(
    files: list[list[_PhysioFile]], channels: str | Sequence[str] | None, persons: tuple[str, str]
) -> list[str]:
    names = [[n for item in person_files for n in item.names] for person_files in files]
    known = [set(n) for n in names]
    where = [", ".join(f"'{item.sidecar}'" for item in person_files) for person_files in files]
    shared = [n for n in names[0] if n in known[1]]
    if channels is None:
        only = [
            [n for n in names[0] if n not in known[1]],
            [n for n in names[1] if n not in known[0]],
        ]
        if only[0] or only[1]:
            parts = [
                f"only {person} ({where[i]}) has {only[i]}"
                for i, person in enumerate(persons)
                if only[i]
            ]
            raise FileFormatError(
                f"The two persons' recordings hold different channels: {'; '.join(parts)}. "
                f"Pass channels=[...] to read those both have: {shared}."
            )
        selected = names[0]
    else:
        # A name neither recording has is the parameter's problem; one only one person's
        # recording has is the files' (they disagree).
        either = names[0] + [n for n in names[1] if n not in known[0]]
        where_either = "the channels of the persons' recordings"
        selected = list(_CHANNELS.check(channels, "channels", available=either, where=where_either))
        for name in selected:
            for i, person in enumerate(persons):
                if name not in known[i]:
                    raise FileFormatError(
                        f"Channel '{name}' is not in {person}'s recording ({where[i]}), whose "
                        f"channels are {names[i]}; channels both persons have: {shared}."
                    )
    for name in selected:
        why = CHANNEL_NAME.problem(name)
        if why:
            item = _file_with(files[0], name)
            raise FileFormatError(
                f"'{item.sidecar}': the column name {name!r} cannot name a channel ({why}; a "
                f"channel name must be {CHANNEL_NAME.describe()}); rename it in Columns, or "
                "leave it out with channels=[...]."
            )
    return selected


def _file_with(person_files: list[_PhysioFile], name: str) -> _PhysioFile:
    return next(item for item in person_files if name in item.column_of)


def _column_of(item: _PhysioFile, name: str) -> str:
    return item.column_of[name]


def _read_data(item: _PhysioFile) -> None:
    """Read the file's data columns into ``item.data`` (once)."""
    if item.data:
        return
    path = item.path
    with reading(path, "physio file"):
        try:
            table = pd.read_csv(
                path,
                sep="\t",
                header=None,
                compression="infer",
                na_values=[NA],
                keep_default_na=True,
                skip_blank_lines=True,
                engine="c",
            )
        except pd.errors.EmptyDataError:
            raise FileFormatError(
                f"'{path}' is empty; it needs one row per sample, with the columns "
                f"{item.columns} named in '{item.sidecar}'."
            ) from None
        except pd.errors.ParserError as error:
            raise FileFormatError(
                f"'{path}' is not a valid tab-separated table ({error}); every row must hold "
                f"{len(item.columns)} tab-separated value(s), the Columns of '{item.sidecar}'."
            ) from None
        if table.shape[1] == len(item.columns) + 1 and table.iloc[:, -1].isna().all():
            table = table.iloc[:, :-1]  # a tab at the end of every row
        if table.shape[1] != len(item.columns):
            raise FileFormatError(
                f"'{path}' has {table.shape[1]} column(s) but its sidecar '{item.sidecar}' "
                f"lists {len(item.columns)} Columns {item.columns}; make them agree."
            )
        first = [str(v).strip().lower() for v in table.iloc[0].tolist()]
        if first == _lowered(item.columns):
            raise FileFormatError(
                f"'{path}' starts with a header row {table.iloc[0].tolist()}; BIDS physio "
                f"files have none (the names belong in the sidecar's Columns). Delete the "
                "first line."
            )
        if len(table) < 2:
            raise FileFormatError(f"'{path}' holds {len(table)} sample(s); at least 2 are needed.")
        if not abs(item.start) + len(table) / item.rate <= MAX_SECONDS:
            raise FileFormatError(
                f"'{item.sidecar}': SamplingFrequency {item.rate:g} Hz makes the {len(table)} "
                f"samples of '{path}' span {len(table) / item.rate:.3g} s from StartTime "
                f"{item.start:g} s, beyond {MAX_SECONDS:g} s; give SamplingFrequency in Hz "
                "(samples per second) and StartTime in seconds."
            )
        for index, (column, name) in enumerate(zip(item.columns, item.names, strict=True)):
            item.data[name] = numeric_column(table.iloc[:, index], path, column)


def _events_path(events: PathLike | bool | None, first_file: Path, prefix: str) -> Path | None:
    if events is False:
        return None
    if events is None or events is True:
        candidate = first_file.with_name(f"{prefix}_events.tsv")
        if candidate.is_file():
            return candidate
        if events is True:
            raise FileFormatError(
                f"No events file next to '{first_file}': expected '{candidate}'. Give its "
                "path with events=..."
            )
        return None
    return check_path(events, "events", "events.tsv file")


def _scans_start_time(item: _PhysioFile) -> str:
    """Absolute time of time zero from a ``*_scans.tsv`` ``acq_time``, or ``""``."""
    path = item.path
    prefix = _bids_prefix(path)
    for folder in (path.parent, path.parent.parent):
        for scans in sorted(folder.glob("*_scans.tsv")):
            with reading(scans, "scans file"):
                table = pd.read_csv(scans, sep="\t", dtype=str, keep_default_na=False)
            if not {"filename", "acq_time"} <= set(table.columns):
                continue
            try:
                relative = path.resolve().relative_to(scans.parent.resolve()).as_posix()
            except ValueError:
                continue
            folder_part = relative.rpartition("/")[0]
            for filename, acq in zip(table["filename"], table["acq_time"], strict=True):
                filename = str(filename).strip()
                acq = str(acq).strip()
                if acq in ("", NA):
                    continue
                same_file = filename == relative
                same_run = filename.rpartition("/")[0] == folder_part and Path(
                    filename
                ).name.startswith(prefix + "_")
                if not (same_file or same_run):
                    continue
                try:
                    stamp = pd.Timestamp(acq)
                    if same_file:
                        # The physio file's own first sample: time zero is StartTime earlier.
                        stamp = stamp - pd.Timedelta(seconds=item.start)
                except (TypeError, ValueError, OverflowError):
                    raise FileFormatError(
                        f"'{scans}': acq_time {acq!r} of {filename!r} is not an ISO 8601 date "
                        "and time; fix it, or pass start_time='' to read without it."
                    ) from None
                return stamp.isoformat()
    return ""
