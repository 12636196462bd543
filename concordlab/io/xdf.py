"""LSL's XDF files (Lab Streaming Layer recordings) into recordings and sessions.

An XDF file (written by LabRecorder) holds several *streams*, each with its own device
clock: a stream header (name, type, channel count and format, ``nominal_srate``, and in
``desc/channels`` each channel's ``label``, ``unit`` and ``type``), chunks of time-stamped
samples, and ClockOffset chunks that relate the device's clock to the recording computer's.
A lab recording two people usually holds one stream per person and device (named after
the person or the device) and one or more marker streams (strings, irregular rate).

The file is read with ``pyxdf`` (the ``xdf`` extra: ``pip install "concordlab[xdf]"``),
imported only when a file is read: the clock offsets are applied
(``synchronize_clocks=True``) and the time stamps dejittered (``dejitter_timestamps=True``,
LSL's piecewise-linear fit between breaks); every stream then goes onto a regular grid at
its nominal rate (or the ``sampling_rate`` given), with dropouts as NaN.

**Time.** All streams of one file share the recording computer's LSL clock once the clock
offsets are applied. Time zero of every recording read from a file is the earliest time
stamp of any stream in it (markers included). The grid is anchored at the first
(dejittered) sample of the earliest stream read: :func:`read_xdf` anchors both persons'
streams at one point, so their grids coincide; a stream read alone keeps its samples' own
times (and values, up to the clock fit).

The LSL clock counts seconds since the computer started; the file header's ``datetime``
says when the file was created (local time, to the second) but not which LSL time that
was, so ``start_time`` is None and the header's ``datetime`` is kept in
``source["file_datetime"]`` (give it as ``start_time=`` to :func:`read_xdf` if that
precision is enough).
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import math
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from concordlab._checks import DURATION, PERSONS, SAMPLING_RATE, Channels, Text
from concordlab._extras import optional_module
from concordlab.errors import FileFormatError, ValidationError
from concordlab.io._common import PathLike, check_path, reading
from concordlab.io.clock import MAX_GAP_PERIODS, regularize
from concordlab.io.pairing import ALIGN, pair_recordings
from concordlab.io.recording import Channel, Marker, Recording
from concordlab.segments import BOTH, segments, set_segments
from concordlab.session import CHANNEL_NAME, time_span

__all__ = ["read_xdf", "read_xdf_recording"]

"""How to install what reading XDF needs."""

# A stream whose fitted clock runs this far (relative) from its nominal rate is refused
# unless sampling_rate is given: the file's nominal rate is then not the device's rate.
_RATE_TOLERANCE = 0.01
_CHANNELS = Channels(fold_case=True)


# --------------------------------------------------------------------------- the file


def _pyxdf() -> Any:
    """The ``pyxdf`` module, or an error saying how to install it."""
    return optional_module("pyxdf", "xdf", "Reading XDF files")


@dataclass
class _Stream:
    """One stream of an XDF file, as pyxdf gave it (synchronised and dejittered)."""

    stream_id: int
    name: str
    type: str
    format: str
    nominal: float
    n_channels: int
    labels: list[str]
    units: list[str]
    kinds: list[str]
    stamps: np.ndarray
    series: Any
    clock_offsets: int
    clock_segments: int
    segments: list[tuple[int, int]]

    @property
    def is_text(self) -> bool:
        return self.format == "string"

    @property
    def n_samples(self) -> int:
        return int(self.stamps.size)

    def describe(self) -> str:
        rate = f"{self.nominal:g} Hz" if self.nominal > 0 else "irregular"
        kind = f"{self.type}, " if self.type else ""
        return (
            f"'{self.name}' ({kind}{self.n_channels} {self.format} channel(s), {rate}, "
            f"{self.n_samples} samples)"
        )


@dataclass
class _File:
    """An XDF file read: its streams, time zero and header datetime."""

    path: Path
    streams: list[_Stream]
    zero: float
    datetime: str | None

    def describe(self) -> str:
        return "; ".join(s.describe() for s in self.streams) or "no streams"

    def match(self, pattern: str, what: str) -> list[_Stream]:
        """The streams named ``pattern`` exactly, else those its wildcards match."""
        exact = [s for s in self.streams if s.name == pattern]
        found = exact or [s for s in self.streams if fnmatch.fnmatchcase(s.name, pattern)]
        if not found:
            raise FileFormatError(
                f"'{self.path}' has no stream named {pattern!r} ({what}); its streams are "
                f"{self.describe()}. Give a stream's name, or a pattern such as '*EDA*'."
            )
        return found


def _text(info: Mapping[str, Any], key: str) -> str:
    """One text field of pyxdf's parsed XML (a list of one string), or ""."""
    value = info.get(key) if isinstance(info, Mapping) else None
    if isinstance(value, list) and value:
        value = value[0]
    return value.strip() if isinstance(value, str) else ""


def _channel_fields(info: Mapping[str, Any], n: int) -> tuple[list[str], list[str], list[str]]:
    """Each channel's label, unit and type from ``desc/channels/channel`` ("" if unsaid)."""
    labels, units, kinds = [""] * n, [""] * n, [""] * n
    desc = info.get("desc")
    desc = desc[0] if isinstance(desc, list) and desc else None
    channels = desc.get("channels") if isinstance(desc, Mapping) else None
    channels = channels[0] if isinstance(channels, list) and channels else None
    entries = channels.get("channel") if isinstance(channels, Mapping) else None
    if isinstance(entries, list) and len(entries) == n:
        for i, entry in enumerate(entries):
            labels[i] = _text(entry, "label")
            units[i] = _text(entry, "unit")
            kinds[i] = _text(entry, "type")
    return labels, units, kinds


def _stream(raw: Mapping[str, Any], path: Path) -> _Stream:
    info = raw["info"]
    name = _text(info, "name") or f"stream {info.get('stream_id')}"
    try:
        nominal = float(_text(info, "nominal_srate") or "nan")
        n_channels = int(_text(info, "channel_count") or "-1")
    except ValueError:
        nominal, n_channels = math.nan, -1
    if not (math.isfinite(nominal) and nominal >= 0 and n_channels >= 1):
        raise FileFormatError(
            f"'{path}', stream '{name}': the header's nominal_srate "
            f"({_text(info, 'nominal_srate')!r}) or channel_count "
            f"({_text(info, 'channel_count')!r}) is not valid; is the file damaged?"
        )
    labels, units, kinds = _channel_fields(info, n_channels)
    stamps = np.asarray(raw["time_stamps"], dtype=np.float64)
    return _Stream(
        stream_id=int(info.get("stream_id", -1)),
        name=name,
        type=_text(info, "type"),
        format=_text(info, "channel_format"),
        nominal=nominal,
        n_channels=n_channels,
        labels=labels,
        units=units,
        kinds=kinds,
        stamps=stamps,
        series=raw["time_series"],
        clock_offsets=len(raw.get("clock_times", [])),
        clock_segments=len(info.get("clock_segments", []) or []),
        segments=_segments(info.get("segments"), stamps.size),
    )


# What pyxdf logs that changes nothing read (said otherwise, or handled here).
_QUIET = ("Segments and clock-segments differ", "No samples in clock offsets", "effective sampling")


@contextlib.contextmanager
def _pyxdf_log() -> Iterator[list[str]]:
    """Collect what pyxdf logs (damage it skipped, clock offsets it could not use) while
    reading, instead of printing it, so the reader can warn once, naming the file."""
    said: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if not any(text in message for text in _QUIET):
                said.append(message.strip().rstrip("."))

    logger = logging.getLogger("pyxdf")
    handler, propagate, level = Collect(logging.WARNING), logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        yield said
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        logger.setLevel(level)


def _segments(value: Any, n: int) -> list[tuple[int, int]]:
    """pyxdf's dejittered pieces (first, last index, inclusive); one piece if it says none."""
    pieces = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, tuple | list) and len(item) == 2:
                first, last = int(item[0]), int(item[1])
                if 0 <= first <= last < n:
                    pieces.append((first, last))
    return pieces or ([(0, n - 1)] if n else [])


def _load(path: Path, max_gap: float | None) -> _File:
    """Read every stream of ``path`` with pyxdf (clocks synchronised, stamps dejittered)."""
    pyxdf = _pyxdf()
    if not path.is_file():
        what = "a folder" if path.is_dir() else "missing"
        raise FileFormatError(f"XDF file '{path}' is {what}; give the path of a .xdf file.")
    # A break in LSL's dejittering is a dropout of regularize: a gap longer than max_gap,
    # by default than MAX_GAP_PERIODS nominal periods (pyxdf's own default, 1 s and 500
    # samples, would fit one line across shorter dropouts and shift the samples after them).
    breaks = (
        {"jitter_break_threshold_seconds": max_gap, "jitter_break_threshold_samples": 0}
        if max_gap is not None
        else {
            "jitter_break_threshold_seconds": 0,
            "jitter_break_threshold_samples": MAX_GAP_PERIODS,
        }
    )
    with reading(path, "XDF file"), warnings.catch_warnings(), _pyxdf_log() as said:
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy on damaged stamps
        try:
            raw, header = pyxdf.load_xdf(
                str(path), synchronize_clocks=True, dejitter_timestamps=True, **breaks
            )
        except MemoryError:
            raise
        except Exception as error:  # pyxdf raises many kinds on a damaged file
            raise FileFormatError(
                f"'{path}' is not an XDF file pyxdf can read, or it is damaged (pyxdf: "
                f"{type(error).__name__}: {error}); check that it is the recording "
                "LabRecorder wrote (.xdf), or copy it again."
            ) from None
        streams = [_stream(s, path) for s in raw]
    if said:
        more = f" (and {len(said) - 1} more)" if len(said) > 1 else ""
        warnings.warn(
            f"'{path}': pyxdf reports {said[0]}{more}; the file may be damaged (samples after "
            "the damage lost) or its clock offsets unusable. Check the recording.",
            UserWarning,
            stacklevel=3,
        )
    if not streams:
        raise FileFormatError(
            f"'{path}' holds no streams (no stream header was found); is it an XDF file "
            "written by LabRecorder, and complete?"
        )
    firsts = [float(s.stamps[0]) for s in streams if s.n_samples]
    if not firsts:
        raise FileFormatError(f"'{path}': every stream is empty ({_describe(streams)}).")
    for s in streams:
        if s.n_samples and not np.isfinite(s.stamps).all():
            raise FileFormatError(
                f"'{path}', stream '{s.name}': some time stamps are not finite numbers; the "
                "file is damaged."
            )
    info = header.get("info") if isinstance(header, Mapping) else None
    stamp = _text(info, "datetime") if isinstance(info, Mapping) else ""
    return _File(path, streams, min(firsts), _iso(stamp))


def _describe(streams: list[_Stream]) -> str:
    return "; ".join(s.describe() for s in streams)


def _iso(stamp: str) -> str | None:
    """The header's datetime as ISO 8601 (``+0000`` becomes ``+00:00``), or None."""
    if not stamp:
        return None
    try:
        return pd.Timestamp(stamp).isoformat()
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- one stream


def _names(stream: _Stream) -> list[str]:
    """Channel names: each label lower-cased, else the stream's type (numbered)."""
    base = (stream.type or "channel").strip().lower().replace("/", "_") or "channel"
    names = []
    for i, label in enumerate(stream.labels):
        name = label.strip().lower()
        if not name or CHANNEL_NAME.problem(name):
            name = base if stream.n_channels == 1 else f"{base}_{i + 1}"
        names.append(name)
    repeated = {n for n in names if names.count(n) > 1}
    return [f"{n}_{i + 1}" if n in repeated else n for i, n in enumerate(names)]


def _numeric(stream: _Stream, path: Path) -> np.ndarray:
    """The samples as float64, (n_samples, n_channels)."""
    where = f"'{path}', stream '{stream.name}'"
    if stream.is_text:
        raise FileFormatError(
            f"{where} holds text (a marker stream), not a signal; read it as markers "
            "(markers=...) and choose a numeric stream for the person."
        )
    if stream.nominal == 0:
        raise FileFormatError(
            f"{where} is numeric but has an irregular rate (nominal_srate 0): its samples are "
            "events, not a regularly sampled signal concordlab can place on a time grid. "
            "Choose a regularly sampled stream."
        )
    if stream.n_samples < 2:
        raise FileFormatError(
            f"{where} holds {stream.n_samples} sample(s); at least 2 are needed. Choose "
            "another stream."
        )
    try:
        values = np.asarray(stream.series, dtype=np.float64)
    except (TypeError, ValueError):
        values = np.empty((0, 0))
    if values.shape != (stream.n_samples, stream.n_channels):
        raise FileFormatError(
            f"{where}: {values.shape} samples do not fit its {stream.n_channels} channel(s) "
            "and time stamps; the file is damaged."
        )
    return values


def _signals(
    stream: _Stream,
    file: _File,
    sampling_rate: float | None,
    max_gap: float | None,
    origin: float,
) -> tuple[dict[str, Channel], dict[str, Any]]:
    """The stream's channels on the grid, and what the source metadata says of it."""
    values = _numeric(stream, file.path)
    where = f"'{file.path}', stream '{stream.name}'"
    rate = sampling_rate if sampling_rate is not None else stream.nominal
    times = stream.stamps - file.zero
    back = np.flatnonzero(np.diff(times) <= 0)
    if back.size:
        gap = f"{max_gap:g} s" if max_gap is not None else f"{MAX_GAP_PERIODS:g} sample periods"
        raise FileFormatError(
            f"{where}: the time stamps jitter by more than a dropout is long (max_gap, "
            f"{gap}): dejittered between the gaps, sample {int(back[0]) + 2} comes before "
            "the one preceding it. Give max_gap in seconds longer than the jitter, e.g. "
            "max_gap=1.0 (LSL's own break threshold; shorter dropouts are then closed up)."
        )
    gap = max_gap if max_gap is not None else MAX_GAP_PERIODS / stream.nominal
    grid, offset, clock_rate, dropouts = _on_grid(stream, times, values.T, rate, origin, gap, where)
    channels = {
        name: Channel(
            row,
            rate,
            units=unit,
            long_name=label or f"{stream.name} {name}",
            offset=offset,
        )
        for name, label, unit, row in zip(
            _names(stream), stream.labels, stream.units, grid, strict=True
        )
    }
    if sampling_rate is None and abs(clock_rate - rate) > _RATE_TOLERANCE * rate:
        raise FileFormatError(
            f"{where}: the time stamps run at {clock_rate:.6g} Hz but the stream "
            f"declares a nominal rate of {rate:g} Hz; the declared rate is not the device's. "
            f"Pass sampling_rate=... to choose the grid (sampling_rate={rate:g} resamples to "
            f"the declared rate, sampling_rate={clock_rate:.4g} keeps the device's)."
        )
    about = {
        "stream_id": stream.stream_id,
        "type": stream.type,
        "nominal_srate": stream.nominal,
        "clock_rate": clock_rate,
        "dropouts": dropouts,
        "clock_offsets": stream.clock_offsets,
        "clock_segments": stream.clock_segments,
        "channels": dict(zip(channels, stream.labels, strict=True)),
    }
    return channels, about


def _on_grid(
    stream: _Stream,
    times: np.ndarray,
    values: np.ndarray,
    rate: float,
    origin: float,
    gap: float,
    where: str,
) -> tuple[np.ndarray, float, float, list[list[float]]]:
    """Each of pyxdf's pieces on the grid ``origin + k / rate``, NaN between them.

    pyxdf breaks the dejittering where the stamps jump by more than ``gap`` (a clock
    reset, a dropout) and draws one line through each piece; each piece keeps its own line
    (after a clock reset the pieces' rates differ), so each is regularized alone on the
    shared grid. Returns the values (channels, n), the grid's offset, the clock rate
    (samples per second over all pieces, as pyxdf's ``effective_srate``) and the dropouts
    (``[start, end]``: last stamp before, first after; a piece of one sample is a dropout).
    """
    pieces, dropouts, steps, spans = [], [], 0, 0.0
    for first, last in stream.segments:
        if last > first:
            pieces.append(
                regularize(
                    times[first : last + 1],
                    values[:, first : last + 1],
                    rate,
                    grid_origin=origin,
                    max_gap=gap,
                    where=where,
                )
            )
            steps += last - first
            spans += float(times[last] - times[first])
    pieces = [p for p in pieces if p.n_samples]
    if not pieces:
        raise FileFormatError(
            f"{where}: no two samples closer than {gap:g} s (max_gap); nothing to "
            "place on a grid. Give a longer max_gap."
        )
    offset = pieces[0].offset
    ends = [round((p.offset - offset) * rate) + p.n_samples for p in pieces]
    out = np.full((values.shape[0], max(ends)), np.nan)
    for piece, end in zip(pieces, ends, strict=True):
        out[:, end - piece.n_samples : end] = piece.values
        dropouts.extend([float(a), float(b)] for a, b in piece.dropouts)
    bounds = [(float(times[a]), float(times[b])) for a, b in stream.segments]
    dropouts.extend([bounds[i][1], bounds[i + 1][0]] for i in range(len(bounds) - 1))
    return out, float(offset), steps / spans, sorted(dropouts)


def _markers(stream: _Stream, file: _File, duration: float) -> list[Marker]:
    """Each sample of a text stream as a marker: its text, at its time stamp."""
    if not stream.is_text:
        raise FileFormatError(
            f"'{file.path}', stream '{stream.name}' is numeric ({stream.format}); marker "
            "streams hold text. Leave it out of markers=..."
        )
    note = f"XDF marker stream '{stream.name}'"
    if len(stream.series) != stream.n_samples:
        raise FileFormatError(
            f"'{file.path}', stream '{stream.name}': {len(stream.series)} markers for "
            f"{stream.n_samples} time stamps; the file is damaged."
        )
    out = []
    for stamp, sample in zip(stream.stamps, stream.series, strict=True):
        cells = [str(c) for c in (sample if isinstance(sample, list | tuple) else [sample])]
        out.append(Marker(float(stamp - file.zero), duration, " | ".join(cells), note))
    return out


def _check_rate(sampling_rate: Any) -> float | None:
    return None if sampling_rate is None else SAMPLING_RATE.check(sampling_rate, "sampling_rate")


def _check_options(max_gap: Any, marker_duration: Any) -> tuple[float | None, float | None]:
    gap = None if max_gap is None else DURATION.check(max_gap, "max_gap")
    duration = (
        None if marker_duration is None else DURATION.check(marker_duration, "marker_duration")
    )
    return gap, duration


def _patterns(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not value or not all(isinstance(v, str) for v in value):
        raise ValidationError(
            f"{name} must be a stream name (or a pattern such as '*EDA*') or a list of them, "
            f"got {value!r}."
        )
    return list(value)


def _origin(file: _File, streams: list[_Stream]) -> float:
    """The grid's anchor: the first (dejittered) sample of the earliest stream read."""
    return min((float(s.stamps[0]) for s in streams if s.n_samples), default=file.zero) - file.zero


def _recording(
    file: _File,
    streams: list[_Stream],
    markers: list[Marker],
    sampling_rate: float | None,
    max_gap: float | None,
    channels: Any,
    units: Any,
    person: str | None,
    origin: float,
) -> Recording:
    signals: dict[str, Channel] = {}
    about: dict[str, Any] = {}
    for stream in streams:
        found, about[stream.name] = _signals(stream, file, sampling_rate, max_gap, origin)
        clash = sorted(set(found) & set(signals))
        if clash:
            raise FileFormatError(
                f"'{file.path}': streams {list(about)} both hold channel(s) {clash}; read one "
                "of them (a narrower stream name or pattern)."
            )
        signals.update(found)
    if channels is not None:
        chosen = _CHANNELS.check(channels, "channels", available=list(signals))
        signals = {n: signals[n] for n in chosen}
    signals = _with_units(signals, units, file.path)
    source = {
        "path": str(file.path),
        "format": "xdf",
        "name": file.path.stem,
        "streams": about,
        "time_zero": "the earliest time stamp in the file (LSL clock, after clock offsets)",
        "time_zero_lsl_s": file.zero,
        "grid_origin_s": origin,
        "file_datetime": file.datetime,
    }
    return Recording(signals, None, tuple(markers), source, person)


def _with_units(signals: dict[str, Channel], units: Any, path: Path) -> dict[str, Channel]:
    if units is None:
        return signals
    if isinstance(units, str):
        units = dict.fromkeys(signals, units)
    if not isinstance(units, Mapping) or not all(isinstance(u, str) for u in units.values()):
        raise ValidationError(
            f"units must be text or a mapping of channel to text, e.g. units={{'eda': 'uS'}}; "
            f"got {units!r}."
        )
    unknown = sorted(set(units) - set(signals))
    if unknown:
        raise ValidationError(
            f"units names channel(s) {unknown}; the channels are {list(signals)}."
        )
    out = {}
    for name, channel in signals.items():
        given = units.get(name, "")
        if given and channel.units and given != channel.units:
            raise FileFormatError(
                f"'{path}', channel '{name}': the file says its unit is {channel.units!r}, "
                f"units= says {given!r}; drop it from units= (or convert the recording)."
            )
        unit = channel.units or given
        out[name] = Channel(
            channel.values, channel.sampling_rate, unit, channel.long_name, channel.offset
        )
    return out


def read_xdf_recording(
    path: PathLike,
    stream: str | Sequence[str] | None = None,
    *,
    person: str | None = None,
    sampling_rate: float | None = None,
    channels: str | Sequence[str] | None = None,
    units: str | Mapping[str, str] | None = None,
    markers: str | Sequence[str] | None = None,
    marker_duration: float | None = 1.0,
    max_gap: float | None = None,
) -> Recording:
    """Read one person's recording from an LSL XDF file.

    The numeric stream(s) named by ``stream`` become the recording's channels, each on a
    regular grid (see :func:`read_xdf` for clocks, grids, dropouts, names and units); the
    text streams named by ``markers`` become its markers.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.xdf`` (or gzipped ``.xdfz``) file.
    stream : str or sequence of str, optional
        The person's stream(s), by name or wildcard pattern (``"*P1*"``). Default: the
        file's only numeric stream holding samples (an error lists the streams when there
        are several).
    person : str, optional
        The person's label, kept on the recording.
    sampling_rate : float, optional
        The grid's rate in Hz; default each stream's nominal rate.
    channels : str or sequence of str, optional
        Channels to keep (names as read); default all.
    units : str or mapping, optional
        Units of channels whose stream does not state them (the file's own unit wins; a
        different one is an error).
    markers : str or sequence of str, optional
        Marker (text) streams, by name or pattern; default every text stream.
    marker_duration : float or None, default 1.0
        Seconds each marker lasts as a segment; None reads no markers.
    max_gap : float, optional
        Seconds without a sample that make a dropout (NaN on the grid, and a break in the
        dejittering); default 1.5 nominal sample periods.

    Returns
    -------
    Recording
        ``source`` holds ``path``, ``format`` (``"xdf"``), ``name``, ``streams`` (per
        stream read: ``stream_id``, ``type``, ``nominal_srate``, the fitted
        ``clock_rate``, ``dropouts`` as ``[start, end]`` seconds, the number of
        ``clock_offsets`` and ``clock_segments``, and each channel's label),
        ``time_zero_lsl_s`` and ``file_datetime``.

    Raises
    ------
    FileFormatError
        A file pyxdf cannot read, no stream of that name, a text or irregular stream as a
        signal, a nominal rate the time stamps contradict (without ``sampling_rate``).
    ValidationError
        For a bad argument.
    ConcordlabError
        When pyxdf is not installed.

    Examples
    --------
    >>> r = read_xdf_recording("tests/data/xdf/minimal.xdf", "SendDataC", person="patient")
    >>> r.channel_names, r.channels["eeg_1"].sampling_rate, r.channels["eeg_1"].units
    (('eeg_1', 'eeg_2', 'eeg_3'), 10.0, '')
    >>> r.channels["eeg_1"].values[:3].round(6).tolist(), [m.label for m in r.markers][1:5]
    ([192.0, 12.0, 13.0], ['Hello', 'World', 'from', 'LSL'])
    """
    file_path = check_path(path, "path", "XDF file")
    rate = _check_rate(sampling_rate)
    gap, duration = _check_options(max_gap, marker_duration)
    if person is not None:
        person = Text(non_empty=True).check(person, "person")
    file = _load(file_path, gap)
    if stream is None:
        numeric = [s for s in file.streams if not s.is_text and s.n_samples]
        if len(numeric) != 1:
            raise FileFormatError(
                f"'{file_path}' holds {len(numeric)} numeric streams with samples; say which "
                f"is this person's with stream='<name>'. Its streams: {file.describe()}."
            )
        chosen = numeric
    else:
        chosen = [s for p in _patterns(stream, "stream") for s in file.match(p, "stream")]
    texts = []
    if duration is not None:
        if markers is None:
            texts = [s for s in file.streams if s.is_text]
        else:
            texts = [s for p in _patterns(markers, "markers") for s in file.match(p, "markers")]
    marks = [m for s in texts for m in _markers(s, file, duration or 1.0)]
    chosen = _unique(chosen)
    origin = _origin(file, chosen)
    return _recording(file, chosen, marks, rate, gap, channels, units, person, origin)


def _unique(streams: list[_Stream]) -> list[_Stream]:
    seen: dict[int, _Stream] = {}
    for s in streams:
        seen.setdefault(id(s), s)
    return list(seen.values())


# --------------------------------------------------------------------------- two persons


def _suggest(file: _File) -> str:
    """A persons=... suggestion: two numeric streams whose names differ by one token."""
    numeric = [s.name for s in file.streams if not s.is_text and s.nominal > 0 and s.n_samples]
    for i, a in enumerate(numeric):
        for b in numeric[i + 1 :]:
            ta, tb = re.split(r"([^0-9A-Za-z]+)", a), re.split(r"([^0-9A-Za-z]+)", b)
            if len(ta) == len(tb):
                differ = [k for k in range(len(ta)) if ta[k] != tb[k]]
                if len(differ) == 1:
                    k = differ[0]
                    return (
                        f" These two differ by a person token: persons={{'{ta[k]}': '{a}', "
                        f"'{tb[k]}': '{b}'}}."
                    )
    return ""


def read_xdf(
    path: PathLike,
    persons: Mapping[str, str | Sequence[str]] | None = None,
    *,
    sampling_rate: float | None = None,
    channels: str | Sequence[str] | None = None,
    units: str | Mapping[str, str] | None = None,
    marker_duration: float | None = 1.0,
    max_gap: float | None = None,
    align: str = "pad",
    session_id: str | None = None,
    start_time: str | None = None,
) -> xr.DataTree:
    """Read a session from one LSL XDF file holding both persons' streams.

    **Persons** come from stream names: ``persons={"patient": "EDA_P1", "therapist":
    "EDA_P2"}`` maps each person's label to their stream's name or a wildcard pattern
    (``"*_P1"``), or to a list of them (one person's several devices). The numeric
    streams matched are the person's channels; text streams matched are that person's
    markers; every other text stream holds markers of both. Without ``persons`` the error
    lists the streams (and suggests two whose names differ by a person token).

    **Clocks and grid.** pyxdf applies each stream's ClockOffset chunks
    (``synchronize_clocks=True``) and removes jitter (``dejitter_timestamps=True``: a
    straight line through the stamps between breaks, LSL's own method); each stream is
    then interpolated linearly (:func:`concordlab.io.clock.regularize`) onto a regular
    grid at its nominal rate (or ``sampling_rate``) anchored at the first sample of the
    earlier person's stream, so both persons' grids coincide. Session time 0 is the file's
    earliest time stamp (of any stream). A gap of more than ``max_gap`` seconds without a
    sample (default 1.5 nominal sample periods: every lost sample) is a dropout, and a
    break of the dejittering (pyxdf's own default, 1 s and 500 samples, would draw one
    line across shorter dropouts and shift the samples after them): NaN on the grid,
    listed per stream in the metadata (``source[person]["streams"][name]["dropouts"]``,
    ``[start, end]`` in session seconds). Each stream's fitted clock rate is there too
    (``"clock_rate"``); a clock rate more than 1 % from the nominal rate is an error unless
    ``sampling_rate`` is given (the declared rate would be wrong). Numeric streams with an
    irregular rate (``nominal_srate`` 0) are refused as signals.

    **Channels** are named by each channel's ``label`` in the stream's
    ``desc/channels``, lower-cased (``"EDA"`` becomes ``"eda"``); without labels, by the
    stream's type (``"eeg"``; ``"eeg_1"``, ``"eeg_2"`` ... for several channels). The
    persons' streams must give the same names (else pass ``channels=``). A channel's unit
    is its ``unit`` in the file, else ``units=``, else unknown (``""``).

    **Start time.** The LSL clock is not a calendar clock and the file header's
    ``datetime`` (file creation, local time, to the second) is not tied to it, so the
    session's ``start_time`` is None unless given; the header's value is in
    ``source[person]["file_datetime"]``.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.xdf`` (or ``.xdfz``) file.
    persons : mapping of str to str or sequence of str
        Person label -> stream name(s) or pattern(s), two persons, in order.
    sampling_rate : float, optional
        The grid's rate in Hz; default each stream's nominal rate (both persons' streams
        must then share one).
    channels : str or sequence of str, optional
        Channels to read; default all.
    units : str or mapping, optional
        Units where the file states none.
    marker_duration : float or None, default 1.0
        Seconds each marker (a text sample) lasts as a segment (cut at the session's end);
        None reads no markers.
    max_gap : float, optional
        Seconds without a sample that make a dropout; default 1.5 nominal sample periods.
        Stamps that jitter by more than half a period need more (``max_gap=1.0``, LSL's
        threshold; the error says so).
    align : {"pad", "trim", "error", "start"}, default "pad"
        As in every reader (see :func:`~concordlab.io.pairing.pair_recordings`).
    session_id : str, optional
        Default: the file name without extension.
    start_time : str, optional
        Absolute time (ISO 8601) of session time 0, if known.

    Returns
    -------
    xarray.DataTree
        The session; marker segments of both persons have person ``"both"``.

    Raises
    ------
    FileFormatError
        See :func:`read_xdf_recording`; also persons' channels that differ.
    ValidationError
        For a bad argument (``persons`` not two labels mapped to stream names ...).
    ConcordlabError
        When pyxdf is not installed.

    Examples
    --------
    >>> import concordlab
    >>> s = read_xdf("tests/data/xdf/dyad_eda.xdf",
    ...              persons={"patient": "EDA_P1", "therapist": "EDA_P2"})
    >>> concordlab.persons(s), concordlab.channels(s), s["eda"]["eda"].attrs["units"]
    (('patient', 'therapist'), ['eda'], 'microsiemens')
    """
    if isinstance(path, Sequence) and not isinstance(path, str):
        raise ValidationError(
            "read_xdf reads one XDF file holding both persons' streams. For one file per "
            "person (separate recorders, separate clocks), read each with "
            "read_xdf_recording and pair them with pair_recordings(..., align='start')."
        )
    file_path = check_path(path, "path", "XDF file")
    rate = _check_rate(sampling_rate)
    gap, duration = _check_options(max_gap, marker_duration)
    if session_id is not None:
        session_id = Text(non_empty=True).check(session_id, "session_id")
    if align not in ALIGN:
        raise ValidationError(f"align must be one of {list(ALIGN)}, got {align!r}.")
    if persons is not None and not isinstance(persons, Mapping):
        raise ValidationError(
            "persons must map each person's label to their stream's name, e.g. "
            f"persons={{'patient': 'EDA_P1', 'therapist': 'EDA_P2'}}; got {persons!r}."
        )
    labels = PERSONS.check(list(persons), "persons") if persons else None
    file = _load(file_path, gap)
    if labels is None or persons is None:
        raise FileFormatError(
            f"'{file_path}' holds these streams: {file.describe()}. Say whose each person's "
            "stream is: read_xdf(path, persons={'patient': '<stream name or pattern>', "
            f"'therapist': '<stream name or pattern>'}}).{_suggest(file)}"
        )
    chosen = {
        p: _unique(
            [s for pat in _patterns(persons[p], f"persons[{p!r}]") for s in file.match(pat, p)]
        )
        for p in labels
    }
    owner: dict[int, str] = {}
    for p, streams in chosen.items():
        for s in streams:
            if id(s) in owner:
                raise ValidationError(
                    f"Stream '{s.name}' matches both {owner[id(s)]!r} and {p!r}; make the "
                    "persons' stream names or patterns distinct."
                )
            owner[id(s)] = p
    origin = _origin(file, [s for p in labels for s in chosen[p] if not s.is_text])
    recordings = []
    for p in labels:
        signals = [s for s in chosen[p] if not s.is_text]
        if not signals:
            raise FileFormatError(
                f"'{file_path}': {p}'s streams ({[s.name for s in chosen[p]]}) hold only "
                f"markers; give a numeric stream. The streams: {file.describe()}."
            )
        texts = [s for s in chosen[p] if s.is_text] if duration is not None else []
        marks = [m for s in texts for m in _markers(s, file, duration or 1.0)]
        recordings.append(_recording(file, signals, marks, rate, gap, channels, units, p, origin))
    _check_rates(recordings, file_path)
    shared = [s for s in file.streams if s.is_text and id(s) not in owner]
    read = {*owner, *(id(s) for s in shared if duration is not None)}
    session = pair_recordings(
        recordings,
        persons=labels,
        align=align,
        session_id=session_id,
        start_time=start_time,
        reader="read_xdf",
        metadata={"streams_not_read": [s.name for s in file.streams if id(s) not in read]},
    )
    if duration is None or not shared:
        return session
    return _add_shared_markers(session, [m for s in shared for m in _markers(s, file, duration)])


def _check_rates(recordings: list[Recording], path: Path) -> None:
    for name in recordings[0].channel_names:
        if name in recordings[1].channels:
            rates = [r.channels[name].sampling_rate for r in recordings]
            if rates[0] != rates[1]:
                raise FileFormatError(
                    f"'{path}', channel '{name}': the persons' streams have nominal rates "
                    f"{rates[0]:g} Hz and {rates[1]:g} Hz; pass sampling_rate=... to put both "
                    "on one grid."
                )


def _add_shared_markers(session: xr.DataTree, markers: list[Marker]) -> xr.DataTree:
    """Markers of both persons as segments, cut at the session's end (outside: dropped)."""
    first, last = time_span(session)
    rows = [
        {
            "start": m.onset,
            "end": min(m.onset + m.duration, last),
            "label": m.label,
            "person": BOTH,
            "note": m.note,
        }
        for m in markers
        if first <= m.onset < last
    ]
    dropped = len(markers) - len(rows)
    if dropped:
        warnings.warn(
            f"{dropped} XDF marker(s) lie outside the recording and were not made into segments.",
            UserWarning,
            stacklevel=3,
        )
    if not rows:
        return session
    return set_segments(
        session, pd.concat([segments(session), pd.DataFrame(rows)], ignore_index=True)
    )
