"""Empatica E4 wristband exports into a session.

An E4 export (a folder, or the .zip E4 connect downloads) holds one CSV file per signal:
``EDA.csv`` (4 Hz, µS), ``HR.csv`` (1 Hz, bpm, starting 10 s after the others),
``TEMP.csv`` (4 Hz, °C), ``BVP.csv`` (64 Hz) and ``ACC.csv`` (32 Hz, three columns x, y,
z in 1/64 g). Each has no header: the first row is the start as a Unix time (UTC
seconds), the second the sampling rate in Hz (``ACC.csv`` repeats both three times),
then one sample per row. ``IBI.csv`` (inter-beat intervals) and ``tags.csv`` (button
presses) have other formats.
"""

from __future__ import annotations

import io
import math
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from concordlab._checks import MAX_SECONDS, SAMPLING_RATE, Choice, Real, Text
from concordlab.errors import FileFormatError, ValidationError
from concordlab.io._common import (
    PathLike,
    check_path,
    numeric_column,
    pair_on_grid,
    reading,
    text_lines,
)
from concordlab.segments import set_segments
from concordlab.session import DEFAULT_PERSONS, _check_persons, from_arrays, time_span

__all__ = ["E4_CHANNELS", "read_e4"]

# File of each channel, and the channels of each file (in file-column order).
_FILES = {
    "EDA.csv": ("eda",),
    "HR.csv": ("hr",),
    "TEMP.csv": ("temp",),
    "BVP.csv": ("bvp",),
    "ACC.csv": ("acc_x", "acc_y", "acc_z"),
}
E4_CHANNELS: tuple[str, ...] = tuple(c for names in _FILES.values() for c in names)
_FILE_OF = {channel: file for file, names in _FILES.items() for channel in names}
_UNITS = {
    "eda": "uS",
    "hr": "bpm",
    "temp": "degC",
    "bvp": "a.u.",
    "acc_x": "g",
    "acc_y": "g",
    "acc_z": "g",
}
_LONG_NAMES = {
    "eda": "skin conductance (electrodermal activity)",
    "hr": "heart rate (E4, from BVP)",
    "temp": "skin temperature",
    "bvp": "blood volume pulse (photoplethysmogram)",
    "acc_x": "acceleration, x axis",
    "acc_y": "acceleration, y axis",
    "acc_z": "acceleration, z axis",
}
# E4 values of ACC.csv are in 1/64 g; read_e4 returns g.
_ACC_SCALE = 1.0 / 64.0
# Unix times accepted as plausible: after 1970, before pandas' last date (2262).
_LATEST_UNIX = 9.2e9
_TAG_DURATION = Real(low=0.0, low_open=True, high=MAX_SECONDS, unit="seconds", example="1")
_ROW_NAMES = {1: "start time (Unix seconds, UTC)", 2: "sampling rate (Hz)"}


@dataclass
class _Signal:
    """One E4 file: its start (Unix s), rate (Hz) and columns of samples."""

    start: float
    rate: float
    values: list[np.ndarray]
    where: str


class _Export:
    """One person's E4 export: a folder or a .zip, its files found case-insensitively."""

    def __init__(self, path: Any, argument: str) -> None:
        self.path = check_path(path, argument, "E4 export folder or .zip")
        self.zip_members: dict[str, str] = {}
        self.files: dict[str, Path] = {}
        if not self.path.exists():
            raise FileFormatError(
                f"E4 export '{self.path}' ({argument}) does not exist; give the folder (or .zip) "
                "Empatica exported for this person, holding EDA.csv, HR.csv, ..."
            )
        if self.path.is_dir():
            self.files = {p.name.lower(): p for p in self.path.iterdir() if p.is_file()}
            return
        with reading(self.path, "E4 export"):
            if not zipfile.is_zipfile(self.path):
                raise FileFormatError(
                    f"E4 export '{self.path}' ({argument}) is neither a folder nor a .zip file; "
                    "give the export folder or the .zip E4 connect downloaded."
                )
            with zipfile.ZipFile(self.path) as archive:
                names = [info.filename for info in archive.infolist() if not info.is_dir()]
        for member in names:
            base = member.rsplit("/", 1)[-1].lower()
            if base.startswith(".") or "__macosx" in member.lower():
                continue
            if base in self.zip_members:
                raise FileFormatError(
                    f"E4 export '{self.path}' holds '{base}' twice ('{self.zip_members[base]}' "
                    f"and '{member}'); zip one export per person."
                )
            self.zip_members[base] = member

    def has(self, name: str) -> bool:
        return name.lower() in self.files or name.lower() in self.zip_members

    def where(self, name: str) -> str:
        """The file as named in messages: its path, or ``<zip>/<member>``."""
        if name.lower() in self.files:
            return str(self.files[name.lower()])
        if name.lower() in self.zip_members:
            return f"{self.path}/{self.zip_members[name.lower()]}"
        return str(self.path / name)

    def text(self, name: str) -> str:
        """The file's text (UTF-8, a byte-order mark dropped); call inside ``reading``."""
        if name.lower() in self.files:
            return self.files[name.lower()].read_text(encoding="utf-8-sig")
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(self.zip_members[name.lower()]).decode("utf-8-sig")


def read_e4(
    person1: PathLike,
    person2: PathLike,
    *,
    persons: Sequence[str] = DEFAULT_PERSONS,
    channels: str | Sequence[str] | None = None,
    session_id: str | None = None,
    align: Literal["absolute", "start"] = "absolute",
    tag_duration: float | None = 1.0,
) -> xr.DataTree:
    """Read a dyad from two Empatica E4 exports, aligned on absolute time.

    Channels: ``eda`` (µS), ``hr`` (bpm), ``temp`` (°C), ``bvp`` (photoplethysmogram,
    arbitrary units) and ``acc_x``, ``acc_y``, ``acc_z`` (converted from the file's
    1/64 g to g), each at its native rate. ``IBI.csv`` (inter-beat intervals at
    irregular times, not a sampled signal) is not read, nor is ``info.txt``; the data files
    left unread (IBI, or a channel only one export has) are listed in the metadata under
    ``"not_read"``.

    Alignment: the session starts at the earliest first sample of both devices
    (``attrs["start_time"]``, ISO 8601 UTC); each channel's time starts at its own first
    sample (HR 10 s after the others in real exports). Both persons share one sample grid
    per channel, NaN where a device was not recording: the part only one device recorded
    is kept, not cropped, and marked by a segment labelled ``"unpaired"`` whose person is
    the one recording alone. When the two devices' start times for a channel are not a
    whole number of samples apart, the later series is moved to the nearest sample (at
    most half a sample period); the seconds moved are stored in the session metadata
    under ``"grid_shift_s"`` (``{channel: {person: seconds}}``, positive = later than
    recorded).

    Tags: each time in ``tags.csv`` (a button press on the device) becomes a segment
    labelled ``"tag"`` of ``tag_duration`` seconds (cut at the session's end) for the
    person whose device it was; the note gives the press's UTC time.

    Parameters
    ----------
    person1, person2 : str or os.PathLike
        Each person's E4 export: a folder, or a .zip of one.
    persons : pair of str, default ("patient", "therapist")
        Person labels, in argument order.
    channels : str or sequence of str, optional
        Channels to read, from ``eda``, ``hr``, ``temp``, ``bvp``, ``acc_x``, ``acc_y``,
        ``acc_z`` (``acc`` means all three). Default: those both exports have files for;
        both must hold ``EDA.csv``.
    session_id : str, optional
        Default: the two export names joined by ``+``.
    align : {"absolute", "start"}, default "absolute"
        ``"absolute"`` aligns the devices on their Unix times: the two exports must
        overlap in time. ``"start"`` shifts person2's device to start when person1's
        did, for pseudo-dyads of people recorded at different times; the shift (seconds)
        is in the metadata under ``"person2_shift_s"`` and ``start_time`` is person1's.
    tag_duration : float or None, default 1.0
        Length in seconds of the segment made from each button press; None ignores
        ``tags.csv``.

    Returns
    -------
    xarray.DataTree
        The session.

    Raises
    ------
    FileFormatError
        Naming the file, the row and the fix: a missing export or ``EDA.csv``, an empty
        file, a header row of text, a start time that is not a Unix time, a rate that is
        not a sampling rate (above 0, at most 1e6 Hz), rates that differ between the two
        persons, text among the samples, recordings that do not overlap in time, a
        damaged .zip.
    ValidationError
        For a bad argument: a path that is not a str or path, an unknown channel or
        ``align``, a ``tag_duration`` that is not a positive number of seconds.

    Examples
    --------
    Two tiny exports, the therapist's device started 5 s after the patient's:

    >>> import tempfile, pathlib
    >>> import concordlab
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> def export(name, start, seconds):
    ...     folder = root / name
    ...     folder.mkdir()
    ...     _ = (folder / "EDA.csv").write_text(f"{start}\\n4.0\\n" + "0.5\\n" * 4 * seconds)
    ...     _ = (folder / "HR.csv").write_text(f"{start + 10}\\n1.0\\n" + "70\\n" * (seconds - 10))
    ...     return folder
    >>> s = concordlab.read_e4(export("A", 1700000000, 60), export("B", 1700000005, 60))
    >>> s.attrs["start_time"], concordlab.channels(s)
    ('2023-11-14T22:13:20+00:00', ['eda', 'hr'])
    >>> float(s["hr"]["time"][0]), s["eda"].sizes["time"]
    (10.0, 260)
    >>> concordlab.segments(s)[["start", "end", "label", "person"]]
       start   end     label     person
    0    0.0   5.0  unpaired    patient
    1   60.0  65.0  unpaired  therapist
    """
    persons = _check_persons(persons)
    align = Choice(("absolute", "start")).check(align, "align")  # type: ignore[assignment]
    if tag_duration is not None:
        tag_duration = _TAG_DURATION.check(tag_duration, "tag_duration")
    if session_id is not None:
        session_id = Text(non_empty=True).check(session_id, "session_id")
    exports = [_Export(person1, "person1"), _Export(person2, "person2")]
    selected = _select(exports, channels, persons)
    files = [f for f in _FILES if any(c in selected for c in _FILES[f])]
    signals = [{f: _read_signal(export, f) for f in files} for export in exports]
    for person, per_file in zip(persons, signals, strict=True):
        _check_same_recording(per_file, person)

    device_start = [min(s.start for s in per_file.values()) for per_file in signals]
    person2_shift = device_start[0] - device_start[1] if align == "start" else 0.0
    starts = {f: [signals[0][f].start, signals[1][f].start + person2_shift] for f in files}
    session_start = min(min(pair) for pair in starts.values())

    data: dict[str, np.ndarray] = {}
    rates: dict[str, float] = {}
    offsets: dict[str, float] = {}
    moved: dict[str, dict[str, float]] = {}
    spans: list[list[tuple[float, float]]] = [[], []]  # each person's recorded spans
    hint = (
        " To pair two people recorded at different times (a pseudo-dyad), pass align='start'."
        if align == "absolute"
        else ""
    )
    for f in files:
        first, second = signals[0][f], signals[1][f]
        if not math.isclose(first.rate, second.rate, rel_tol=1e-9):
            raise FileFormatError(
                f"{f}: the sampling rate is {first.rate:g} Hz in '{first.where}' but "
                f"{second.rate:g} Hz in '{second.where}' (row 2); both persons' channel must "
                f"share one rate. Check that both are E4 exports, or leave "
                f"{list(_FILES[f])} out with channels=[...]."
            )
        rate = first.rate
        for column, channel in enumerate(_FILES[f]):
            if channel not in selected:
                continue
            values, grid_start, shift = pair_on_grid(
                [first.values[column], second.values[column]],
                starts[f],
                rate,
                describe=f"{f} ('{first.where}' and '{second.where}')",
                what="start time",
                exact=False,
                hint=hint,
            )
            data[channel], rates[channel] = values, rate
            offsets[channel] = grid_start - session_start
            shifted = {p: s for p, s in zip(persons, shift, strict=True) if s}
            if shifted:
                moved[channel] = shifted
            for person, signal in enumerate((first, second)):
                begin = starts[f][person] + shift[person] - session_start
                spans[person].append((begin, begin + len(signal.values[column]) / rate))

    meta: dict[str, Any] = {
        "reader": "read_e4",
        "source": {p: str(e.path) for p, e in zip(persons, exports, strict=True)},
        "device_start": {p: _iso(s) for p, s in zip(persons, device_start, strict=True)},
        "align": align,
        "not_read": [
            n for n in (*_FILES, "IBI.csv") if n not in files and any(e.has(n) for e in exports)
        ],
    }
    if moved:
        meta["grid_shift_s"] = moved
    if align == "start":
        meta["person2_shift_s"] = person2_shift
    if session_id is None:
        session_id = "+".join(_export_name(e.path) for e in exports)
    session = from_arrays(
        data,
        rates,
        persons=persons,
        units={c: _UNITS[c] for c in data},
        long_names={c: _LONG_NAMES[c] for c in data},
        time_offset=offsets,
        start_time=_iso(session_start),
        session_id=session_id,
        metadata=meta,
    )
    rows = _unpaired(spans, persons)
    if tag_duration is not None:
        shifts = (0.0, person2_shift)
        for person, export, shift in zip(persons, exports, shifts, strict=True):
            rows += _tag_rows(export, person, session_start - shift, tag_duration, session)
    if not rows:
        return session
    return set_segments(session, pd.DataFrame(rows))


def _select(
    exports: list[_Export], channels: str | Sequence[str] | None, persons: tuple[str, str]
) -> list[str]:
    if channels is None:
        for export, person in zip(exports, persons, strict=True):
            if not export.has("EDA.csv"):
                raise FileFormatError(
                    f"E4 export '{export.path}' ({person}) has no EDA.csv; is it an Empatica "
                    "E4 export folder (or .zip)? To read other channels without EDA, pass "
                    "channels=[...]."
                )
        return [c for c in E4_CHANNELS if all(e.has(_FILE_OF[c]) for e in exports)]
    wanted = [channels] if isinstance(channels, str) else channels
    if not isinstance(wanted, Sequence) or not all(isinstance(c, str) for c in wanted):
        raise ValidationError(
            f"channels must be an E4 channel name or a list of them, from {list(E4_CHANNELS)} "
            f"(or 'acc'); got {channels!r}."
        )
    selected: list[str] = []
    for channel in wanted:
        name = str(channel).strip().lower()
        expanded = ["acc_x", "acc_y", "acc_z"] if name == "acc" else [name]
        for item in expanded:
            if item not in _FILE_OF:
                raise ValidationError(
                    f"Unknown E4 channel {channel!r}; choose from {list(E4_CHANNELS)} (or 'acc')."
                )
            for export, person in zip(exports, persons, strict=True):
                if not export.has(_FILE_OF[item]):
                    raise FileFormatError(
                        f"E4 export '{export.path}' ({person}) has no {_FILE_OF[item]}, needed "
                        f"for channel '{item}'; leave it out of channels=[...]."
                    )
            if item not in selected:
                selected.append(item)
    if not selected:
        raise ValidationError("channels is empty; name at least one E4 channel, or pass None.")
    return [c for c in E4_CHANNELS if c in selected]


def _read_signal(export: _Export, name: str) -> _Signal:
    where = export.where(name)
    n_columns = len(_FILES[name])
    with reading(where, "E4 file"):
        text = export.text(name)
        lines = text_lines(text)
        while lines and not lines[-1].strip():
            lines.pop()
        if not lines:
            raise FileFormatError(
                f"'{where}' is empty; an E4 file starts with the start time (Unix seconds) and "
                "the sampling rate (Hz), one row each, then the samples. Export it again."
            )
        start = _header_value(lines[0], where, 1, n_columns)
        if len(lines) < 2:
            raise FileFormatError(
                f"'{where}' ends after row 1; row 2 must hold the sampling rate (Hz), and the "
                "samples follow. Export it again."
            )
        rate = _header_value(lines[1], where, 2, n_columns)
        if not 0 < start < _LATEST_UNIX:
            raise FileFormatError(
                f"'{where}', row 1: {lines[0].strip()!r} is not a Unix time in seconds (such as "
                "1495437325); the first row of an E4 file is the recording's start."
            )
        try:
            SAMPLING_RATE.check(rate, "rate")
        except ValidationError:
            raise FileFormatError(
                f"'{where}', row 2: the sampling rate {lines[1].strip()!r} must be "
                f"{SAMPLING_RATE.describe()}; is this an E4 file?"
            ) from None
        if (len(lines) - 2) / rate > MAX_SECONDS:
            raise FileFormatError(
                f"'{where}', row 2: at the sampling rate {lines[1].strip()!r} Hz its "
                f"{len(lines) - 2} samples would span more than {MAX_SECONDS:g} s; row 2 must "
                "be the rate in Hz (4 for EDA.csv, 64 for BVP.csv)."
            )
        body = "\n".join(lines[2:])
        if len(lines) - 2 < 2 or not body.strip():
            raise FileFormatError(
                f"'{where}' holds {max(len(lines) - 2, 0)} sample(s) after the start time and "
                "rate rows; at least 2 are needed. Leave this channel out with channels=[...]."
            )
        try:
            table = pd.read_csv(
                io.StringIO(body),
                header=None,
                skipinitialspace=True,
                skip_blank_lines=False,
                engine="c",
            )
        except pd.errors.ParserError as error:
            raise FileFormatError(
                f"'{where}': {error}; every sample row must hold {n_columns} comma-separated "
                "number(s)."
            ) from None
        if table.shape[1] != n_columns:
            raise FileFormatError(
                f"'{where}': the sample rows hold {table.shape[1]} value(s) each, expected "
                f"{n_columns}; is this the right file?"
            )
        labels = ("x", "y", "z") if n_columns == 3 else (name.removesuffix(".csv"),)
        values = [numeric_column(table.iloc[:, i], where, labels[i]) for i in range(n_columns)]
    if name == "ACC.csv":
        values = [v * _ACC_SCALE for v in values]
    return _Signal(start=start, rate=rate, values=values, where=where)


def _header_value(line: str, where: str, row: int, n_columns: int) -> float:
    """The single number of header row 1 (start) or 2 (rate), repeated per column."""
    cells = [c.strip() for c in line.split(",")]
    numbers = []
    for cell in cells:
        try:
            numbers.append(float(cell))
        except ValueError:
            if any(ch.isalpha() for ch in cell) and cell.lower() not in ("nan", "inf", "-inf"):
                raise FileFormatError(
                    f"'{where}', row {row}: {line.strip()!r} is text, not the "
                    f"{_ROW_NAMES[row]}. E4 files have no header row: row 1 is the start time "
                    "(Unix seconds), row 2 the sampling rate (Hz). Delete the text row(s)."
                ) from None
            raise FileFormatError(
                f"'{where}', row {row}: {line.strip()!r} is not a number; it must be the "
                f"{_ROW_NAMES[row]}."
            ) from None
    if len(numbers) != n_columns:
        raise FileFormatError(
            f"'{where}', row {row}: expected {n_columns} value(s) (the {_ROW_NAMES[row]}"
            f"{', once per column' if n_columns > 1 else ''}), got {len(numbers)}: "
            f"{line.strip()!r}."
        )
    if not all(math.isfinite(x) for x in numbers):
        raise FileFormatError(
            f"'{where}', row {row}: {line.strip()!r} is not a finite number; it must be the "
            f"{_ROW_NAMES[row]}."
        )
    if len(set(numbers)) > 1:
        raise FileFormatError(
            f"'{where}', row {row}: the columns give different values {numbers}; all must "
            f"be the same {_ROW_NAMES[row]}."
        )
    return numbers[0]


def _check_same_recording(per_file: dict[str, _Signal], person: str) -> None:
    """Refuse files of one export that do not overlap in time (mixed-up exports)."""
    spans = {f: (s.start, s.start + len(s.values[0]) / s.rate) for f, s in per_file.items()}
    for a, (start_a, end_a) in spans.items():
        for b, (start_b, end_b) in spans.items():
            if a < b and (start_a >= end_b or start_b >= end_a):
                raise FileFormatError(
                    f"{person}'s '{per_file[a].where}' ({_iso(start_a)} to {_iso(end_a)}) and "
                    f"'{per_file[b].where}' ({_iso(start_b)} to {_iso(end_b)}) do not overlap "
                    "in time; are they from the same E4 export? Put one export per folder."
                )


def _unpaired(
    spans: list[list[tuple[float, float]]], persons: tuple[str, str]
) -> list[dict[str, Any]]:
    """A segment for each span only one device covered, at the start or at the end."""
    begin = [min(s for s, _ in person_spans) for person_spans in spans]
    end = [max(e for _, e in person_spans) for person_spans in spans]
    rows = []
    for person, other in ((0, 1), (1, 0)):
        note = f"only {persons[person]}'s device was recording"
        if begin[person] < begin[other]:
            rows.append(_row(begin[person], begin[other], "unpaired", persons[person], note))
        if end[person] > end[other]:
            rows.append(_row(end[other], end[person], "unpaired", persons[person], note))
    return rows


def _row(start: float, end: float, label: str, person: str, note: str) -> dict[str, Any]:
    return {"start": start, "end": end, "label": label, "person": person, "note": note}


def _tag_rows(
    export: _Export, person: str, zero: float, duration: float, session: xr.DataTree
) -> list[dict[str, Any]]:
    """Segments for the button presses in ``tags.csv``; ``zero`` is session time 0 in Unix s."""
    if not export.has("tags.csv"):
        return []
    where = export.where("tags.csv")
    with reading(where, "E4 tags file"):
        lines = text_lines(export.text("tags.csv"))
    first, last = time_span(session)
    rows, outside = [], 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            stamp = float(line.strip().split(",")[0])
        except ValueError:
            raise FileFormatError(
                f"'{where}', row {number}: {line.strip()!r} is not a Unix time in seconds; "
                "tags.csv holds one button-press time per row."
            ) from None
        if not 0 < stamp < _LATEST_UNIX:
            raise FileFormatError(
                f"'{where}', row {number}: {line.strip()!r} is not a Unix time in seconds "
                "(such as 1495437400.5); tags.csv holds one button-press time per row."
            )
        start = stamp - zero
        if not first <= start < last:
            outside += 1
            continue
        note = f"E4 button press on {person}'s device at {_iso(stamp)}"
        rows.append(_row(start, min(start + duration, last), "tag", person, note))
    if outside:
        warnings.warn(
            f"'{where}': {outside} button press(es) lie outside the recording and were not "
            "made into segments.",
            UserWarning,
            stacklevel=3,
        )
    return rows


def _iso(unix_seconds: float) -> str:
    return pd.Timestamp(unix_seconds, unit="s", tz="UTC").isoformat()


def _export_name(path: Path) -> str:
    return path.stem if path.suffix.lower() == ".zip" else path.name
