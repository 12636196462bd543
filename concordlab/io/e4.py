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
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from concordlab._checks import MAX_SECONDS, PERSONS, SAMPLING_RATE, Channels, Choice, Real, Text
from concordlab._deprecate import REMOVED_IN
from concordlab.errors import FileFormatError, ValidationError
from concordlab.io._common import (
    PathLike,
    check_path,
    describe_time,
    numeric_column,
    reading,
    text_lines,
)
from concordlab.io.pairing import ALIGN, pair_recordings
from concordlab.io.recording import Channel, Marker, Recording
from concordlab.session import DEFAULT_PERSONS

__all__ = ["E4_CHANNELS", "read_e4", "read_e4_recording"]

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


def read_e4_recording(
    path: PathLike,
    *,
    channels: str | Sequence[str] | None = None,
    tag_duration: float | None = 1.0,
    person: str | None = None,
) -> Recording:
    """Read one person's Empatica E4 export (a folder, or the .zip E4 connect downloads).

    Channels: ``eda`` (µS), ``hr`` (bpm), ``temp`` (°C), ``bvp`` (photoplethysmogram,
    arbitrary units) and ``acc_x``, ``acc_y``, ``acc_z`` (converted from the file's
    1/64 g to g), each at its native rate. The recording's time zero is the device's
    start (the earliest first sample of the files read; ``start_time``, ISO 8601 UTC);
    each channel's ``offset`` is its own first sample (HR 10 s later in real exports).
    Each time in ``tags.csv`` (a button press) becomes a marker labelled ``"tag"`` of
    ``tag_duration`` seconds, its note giving the press's UTC time. ``IBI.csv`` and
    ``info.txt`` are not read.

    Parameters
    ----------
    path : str or os.PathLike
        The export folder, or a .zip of one.
    channels : str or sequence of str, optional
        Channels to read (``acc`` means all three axes). Default: every channel the export
        has a file for; it must hold ``EDA.csv``.
    tag_duration : float or None, default 1.0
        Seconds of the marker made from each button press; None ignores ``tags.csv``.
    person : str, optional
        The person's label, used in messages and kept on the recording.

    Returns
    -------
    Recording
        ``source`` holds ``path``, ``format`` (``"e4"``), ``name``, ``device_start``,
        ``files`` (the file of each channel) and ``not_read``.

    Raises
    ------
    FileFormatError
        Naming the file, the row and the fix (see :func:`read_e4`).
    ValidationError
        For a bad argument.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "A"
    >>> folder.mkdir()
    >>> _ = (folder / "EDA.csv").write_text("1700000000\\n4.0\\n" + "0.5\\n" * 40)
    >>> r = read_e4_recording(folder)
    >>> r.start_time, r.channel_names, r.channels["eda"].sampling_rate
    ('2023-11-14T22:13:20+00:00', ('eda',), 4.0)
    """
    if tag_duration is not None:
        tag_duration = _TAG_DURATION.check(tag_duration, "tag_duration")
    if person is not None:
        person = Text(non_empty=True).check(person, "person")
    export = _Export(path, "path")
    return _recording(
        export, _select([export], channels, (person or "path",)), tag_duration, person
    )


def _recording(
    export: _Export, selected: list[str], tag_duration: float | None, person: str | None
) -> Recording:
    files = [f for f in _FILES if any(c in selected for c in _FILES[f])]
    signals = {f: _read_signal(export, f) for f in files}
    _check_same_recording(signals, person or str(export.path))
    zero = min(s.start for s in signals.values())
    channels = {}
    for f, signal in signals.items():
        for column, name in enumerate(_FILES[f]):
            if name in selected:
                channels[name] = Channel(
                    signal.values[column],
                    signal.rate,
                    units=_UNITS[name],
                    long_name=_LONG_NAMES[name],
                    offset=signal.start - zero,
                )
    source = {
        "path": str(export.path),
        "format": "e4",
        "name": _export_name(export.path),
        "device_start": describe_time(zero),
        "files": {name: signals[_FILE_OF[name]].where for name in channels},
        "not_read": [n for n in (*_FILES, "IBI.csv") if n not in files and export.has(n)],
    }
    markers: tuple[Marker, ...] = ()
    if tag_duration is not None and export.has("tags.csv"):
        markers = _tags(export, zero, tag_duration)
        source.update(marker_file=export.where("tags.csv"), marker_kind="button press(es)")
    return Recording(channels, describe_time(zero), markers, source, person)


def read_e4(
    person1: PathLike,
    person2: PathLike,
    *,
    persons: Sequence[str] = DEFAULT_PERSONS,
    channels: str | Sequence[str] | None = None,
    session_id: str | None = None,
    align: str = "pad",
    tag_duration: float | None = 1.0,
) -> xr.DataTree:
    """Read a dyad from two Empatica E4 exports, aligned on absolute time.

    Each export is read with :func:`read_e4_recording` and the two are paired with
    :func:`~concordlab.io.pairing.pair_recordings` on the devices' clocks: the session
    starts at the earliest first sample of both devices (``attrs["start_time"]``, ISO 8601
    UTC); each channel's time starts at its own first sample (HR 10 s after the others in
    real exports). Both persons share one sample grid per channel, NaN where a device was
    not recording: with ``align="pad"`` the part only one device recorded is kept, not
    cropped, and marked by a segment labelled ``"unpaired"`` whose person is the one
    recording alone (also listed in the metadata under ``"unpaired"``). When the two
    devices' start times for a channel are not a whole number of samples apart, the later
    series is moved to the nearest sample (at most half a sample period); the seconds moved
    are in the metadata under ``"grid_shift_s"`` (``{channel: {person: seconds}}``,
    positive = later than recorded). An E4 file holds one sample per row, so a blank row
    among the samples is a missing sample (NaN), and the samples after it keep their times.
    ``IBI.csv`` (inter-beat intervals at irregular times,
    not a sampled signal) is not read, nor is ``info.txt``; the data files left unread (IBI,
    or a channel only one export has) are listed in the metadata under ``"not_read"``.

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
    align : {"pad", "trim", "error", "start"}, default "pad"
        As in every reader (see :func:`~concordlab.io.pairing.pair_recordings`): ``"pad"``
        keeps everything on the devices' clocks (the exports must overlap in time);
        ``"start"`` shifts person2's device to start when person1's did, for pseudo-dyads
        of people recorded at different times (the shift, seconds, is in the metadata
        under ``"person2_shift_s"``; ``start_time`` is person1's). ``"absolute"`` is the
        old name of ``"pad"``.
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
    persons = PERSONS.check(persons, "persons")
    if align == "absolute":
        warnings.warn(
            "read_e4(align='absolute') is renamed align='pad'; the old name stops working in "
            f"concordlab {REMOVED_IN}.",
            FutureWarning,
            stacklevel=2,
        )
        align = "pad"
    align = Choice(ALIGN).check(align, "align")
    if tag_duration is not None:
        tag_duration = _TAG_DURATION.check(tag_duration, "tag_duration")
    if session_id is not None:
        session_id = Text(non_empty=True).check(session_id, "session_id")
    exports = [_Export(person1, "person1"), _Export(person2, "person2")]
    selected = _select(exports, channels, persons)
    recordings = [
        _recording(export, selected, tag_duration, person)
        for export, person in zip(exports, persons, strict=True)
    ]
    files = [f for f in _FILES if any(c in selected for c in _FILES[f])]
    meta: dict[str, Any] = {
        "device_start": {r.person: r.source["device_start"] for r in recordings},
        "not_read": [
            n for n in (*_FILES, "IBI.csv") if n not in files and any(e.has(n) for e in exports)
        ],
    }
    if align == "start":
        zeros = [pd.Timestamp(r.start_time) for r in recordings]
        meta["person2_shift_s"] = (zeros[0] - zeros[1]).total_seconds()
    return pair_recordings(
        recordings,
        persons=persons,
        align=align,
        session_id=session_id,
        metadata=meta,
        reader="read_e4",
    )


def _tags(export: _Export, zero: float, duration: float) -> tuple[Marker, ...]:
    """Markers for the button presses in ``tags.csv``; ``zero`` is the device start (Unix s)."""
    where = export.where("tags.csv")
    with reading(where, "E4 tags file"):
        lines = text_lines(export.text("tags.csv"))
    markers = []
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
        note = f"E4 button press at {describe_time(stamp)}"
        markers.append(Marker(stamp - zero, duration, "tag", note))
    return tuple(markers)


_CHANNELS = Channels(
    what="E4 channel",
    order="available",
    fold_case=True,
    aliases=(("acc", ("acc_x", "acc_y", "acc_z")),),
)
"""The E4 channels to read (names in any case; ``acc`` for the three axes)."""


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
    selected = _CHANNELS.check(channels, "channels", available=E4_CHANNELS, where="the E4 channels")
    assert selected is not None
    for item in selected:
        for export, person in zip(exports, persons, strict=True):
            if not export.has(_FILE_OF[item]):
                raise FileFormatError(
                    f"E4 export '{export.path}' ({person}) has no {_FILE_OF[item]}, needed "
                    f"for channel '{item}'; leave it out of channels=[...]."
                )
    return list(selected)


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
                    f"{person}'s '{per_file[a].where}' ({describe_time(start_a)} to "
                    f"{describe_time(end_a)}) and '{per_file[b].where}' ({describe_time(start_b)} "
                    f"to {describe_time(end_b)}) do not overlap in time; are they from the same E4 "
                    "export? Put one export per folder."
                )


def _export_name(path: Path) -> str:
    return path.stem if path.suffix.lower() == ".zip" else path.name
