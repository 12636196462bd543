"""Per-beat series (RR intervals, beat times, Empatica E4 ``IBI.csv``) into a heart-rate channel.

A per-beat file is not a sampled signal: it holds one row per heartbeat, at irregular
times. Read as a 1 Hz series it would load and mean nothing. Here each beat becomes an
*instantaneous heart rate*, ``60 / interval`` beats per minute placed at the beat's time
(the interval is the one that ends at that beat), and those values are interpolated onto
a regular grid (``sampling_rate``, 4 Hz by default) as the HRV tools do (RHRV's
``InterpolateNIHR``: linear or monotone spline at 4 Hz; NeuroKit2's ``signal_rate``:
monotone cubic; Kubios: 4 Hz). Stretches without beats longer than ``max_gap`` (beats
the device dropped, beats rejected as implausible) are NaN, never bridged.

Three layouts are read (``kind``):

- ``"e4"``: Empatica E4 ``IBI.csv``: a first row ``<start Unix time>, IBI``, then one row
  per beat, ``<seconds since start>,<interval in seconds>``; rows are missing where the
  device dropped beats (Empatica: "the wrong beats are not included"). Recognised from
  its first row.
- ``"intervals"``: one interval (RR, NN or IBI) per row, as Polar, Kubios or HRV tools
  export them; beat times are their running sum, the first R peak at time 0.
- ``"times"``: one beat time per row (seconds or milliseconds since a zero).

The time unit of the numbers is what the header says (``RR (ms)``, ``rri [s]``,
``IBI_ms``), what the format says (E4: seconds) or what the user gives
(``time_unit=``); it is never guessed.

References
----------
Task Force of the European Society of Cardiology and the North American Society of Pacing
and Electrophysiology (1996). Heart rate variability: standards of measurement,
physiological interpretation and clinical use. *Circulation*, 93(5), 1043-1065.

Rodriguez-Linares, L., et al. (2011). An open source tool for heart rate variability
spectral analysis. *Comput Methods Programs Biomed*, 103(1), 39-50 (RHRV).
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from concordlab._checks import DURATION, MAX_SECONDS, Bounds, Choice, Real, Text, check_series
from concordlab.errors import FileFormatError, ValidationError
from concordlab.io._common import (
    _EPOCH_FROM,
    PathLike,
    check_path,
    describe_time,
    numeric_column,
    reading,
    text_lines,
)
from concordlab.io.csv import _column, _looks_numeric, _read_table, time_unit_of
from concordlab.io.recording import Channel, Recording
from concordlab.session import CHANNEL_NAME

__all__ = [
    "BEAT_KINDS",
    "HR_VALID_RANGE",
    "INTERPOLATION",
    "TIME_UNITS",
    "beats_to_heart_rate",
    "is_e4_ibi_file",
    "parse_e4_ibi",
    "read_beats_recording",
]

BEAT_KINDS = ("e4", "intervals", "times")
"""What a per-beat file holds (see the module's docstring)."""
INTERPOLATION = ("linear", "monotone_cubic")
"""How instantaneous heart rate is interpolated between beats (NeuroKit2's names)."""
TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
"""Time units of intervals and beat times, as seconds per unit."""
#: Default plausible heart rate in bpm: outside it, a beat is an artefact or a wrong unit.
HR_VALID_RANGE: tuple[float, float] = (20.0, 250.0)
#: Default longest stretch without a valid beat that is interpolated across (seconds):
#: the interval of the slowest plausible heart, 60 / 20 bpm.
MAX_GAP = 3.0

_SAMPLING_RATE = Real(low=0.0, low_open=True, high=1000.0, unit="Hz", example="4")
_RANGE = Bounds(
    Real(low=0.0, low_open=True, high=1e4, unit="bpm"), strict=True, example="(20, 250)"
)
_E4_HEADER = re.compile(r"^\s*[-+0-9.eE]+\s*,\s*IBI\s*$")
# A unit in a column name: "RR (ms)", "rri [s]", "IBI_ms", "RR-interval [ms]", "time s".


def is_e4_ibi_file(path: Path) -> bool:
    """Whether ``path`` is an Empatica E4 ``IBI.csv``: its first row is ``<number>, IBI``.

    Examples
    --------
    >>> is_e4_ibi_file(Path("tests/data/beats/e4/IBI.csv"))
    True
    >>> is_e4_ibi_file(Path("tests/data/beats/hrv/rest_rri.txt"))
    False
    """
    try:
        if not path.is_file():
            return False
        with open(path, "rb") as handle:
            head = handle.read(200)
    except OSError:
        return False
    first = head.decode("utf-8", "replace").lstrip("\ufeff")
    first = first.replace("\r", "\n").split("\n", 1)[0]
    return bool(_E4_HEADER.match(first))


def _check_unit(time_unit: Any, stated: str | None, where: str, what: str) -> float:
    """Seconds per unit: the unit the file states, or the one given; never guessed."""
    if time_unit is not None:
        time_unit = Choice(tuple(TIME_UNITS)).check(time_unit, "time_unit")
        if stated is not None and stated != time_unit:
            raise FileFormatError(
                f"{where}: the file says its {what} are in {stated}, but time_unit="
                f"{time_unit!r} was given; drop time_unit or fix the header."
            )
        return TIME_UNITS[time_unit]
    if stated is None:
        raise ValidationError(
            f"{where}: the file does not say the unit of its {what}; give it: "
            "time_unit='ms' (milliseconds, as Polar exports RR intervals) or time_unit='s'."
        )
    return TIME_UNITS[stated]


# --------------------------------------------------------------------------- beats -> HR


def _check_conversion(
    sampling_rate: Any, method: Any, max_gap: Any, valid_range: Any
) -> dict[str, Any]:
    """The options of :func:`_convert`, checked, by name."""
    low, high = _RANGE.check(valid_range, "valid_range")
    return {
        "sampling_rate": _SAMPLING_RATE.check(sampling_rate, "sampling_rate"),
        "method": Choice(INTERPOLATION).check(method, "method"),
        "max_gap": DURATION.check(max_gap, "max_gap"),
        "valid_range": (low, high),
    }


def _convert(
    times: np.ndarray,
    intervals: np.ndarray,
    *,
    sampling_rate: float,
    method: str,
    max_gap: float,
    valid_range: tuple[float, float],
    where: str,
) -> tuple[Channel, dict[str, Any]]:
    """The heart-rate channel of beats at ``times`` (s) ending ``intervals`` (s; NaN: unknown).

    Arguments are already checked. Returns the channel and a summary for ``source``.
    """
    negative = np.flatnonzero(intervals <= 0)
    if negative.size:
        i = int(negative[0])
        raise FileFormatError(
            f"{where}: the beat at {times[i]:.6g} s has an interval of {intervals[i]!r} s; an "
            "interval between two beats must be positive. Fix or delete it."
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = 60.0 / intervals
    known = np.isfinite(rate)
    if not known.any():
        raise FileFormatError(f"{where}: no beat has a known interval; there is no heart rate.")
    low, high = valid_range
    median = float(np.median(rate[known]))
    if not low <= median <= high:
        raise FileFormatError(
            f"{where}: the intervals give a median heart rate of {median:.4g} bpm, outside "
            f"the plausible {low:g}-{high:g} bpm; is the time unit right (time_unit='ms' or "
            "'s'), and does the file hold intervals, not beat times (kind='times')?"
        )
    valid = known & (rate >= low) & (rate <= high)
    rejected = np.flatnonzero(known & ~valid)
    if rejected.size:
        first = int(rejected[0])
        warnings.warn(
            f"{where}: {rejected.size} of {int(known.sum())} beats give a heart rate outside "
            f"{low:g}-{high:g} bpm (the first {rate[first]:.4g} bpm at {times[first]:.6g} s) "
            "and are left out (artefacts or missed beats); stretches without a valid beat "
            f"longer than max_gap={max_gap:g} s are NaN. Widen valid_range to keep them.",
            UserWarning,
            stacklevel=3,
        )
    beat_times, beat_rates = times[valid], rate[valid]
    if beat_times.size < 2:
        raise FileFormatError(
            f"{where}: {beat_times.size} valid beat(s); at least 2 are needed for a heart rate."
        )
    first_k = math.ceil(beat_times[0] * sampling_rate - 1e-9)
    last_k = math.floor(beat_times[-1] * sampling_rate + 1e-9)
    if last_k < first_k:
        raise FileFormatError(
            f"{where}: the beats span {beat_times[-1] - beat_times[0]:.3g} s, less than one "
            f"sample at sampling_rate={sampling_rate:g} Hz."
        )
    grid = np.arange(first_k, last_k + 1) / sampling_rate
    values = np.interp(grid, beat_times, beat_rates)
    steps = np.diff(beat_times)
    if method == "monotone_cubic":
        from scipy.interpolate import PchipInterpolator

        starts = np.concatenate(([0], np.flatnonzero(steps > max_gap) + 1))
        ends = np.concatenate((starts[1:], [beat_times.size]))
        for start, end in zip(starts, ends, strict=True):
            if end - start < 2:
                continue
            inside = (grid >= beat_times[start]) & (grid <= beat_times[end - 1])
            curve = PchipInterpolator(beat_times[start:end], beat_rates[start:end])
            values[inside] = curve(grid[inside])
    after = np.searchsorted(beat_times, grid, side="left")  # first beat at or after
    between = (after > 0) & (after < beat_times.size)
    between[between] &= beat_times[after[between]] != grid[between]
    gap = np.zeros(grid.size, dtype=bool)
    gap[between] = steps[after[between] - 1] > max_gap
    values[gap] = np.nan
    long_gaps = np.flatnonzero(steps > max_gap)
    summary = {
        "n_beats": int(times.size),
        "n_rejected": int(rejected.size),
        "n_gaps": int(long_gaps.size),
        "gap_seconds": round(float(steps[long_gaps].sum()), 6),
    }
    channel = Channel(
        values,
        sampling_rate,
        units="bpm",
        long_name="heart rate",
        offset=first_k / sampling_rate,
    )
    return channel, summary


def beats_to_heart_rate(
    times: Sequence[float] | np.ndarray,
    intervals: Sequence[float] | np.ndarray | None = None,
    *,
    sampling_rate: float = 4.0,
    method: str = "linear",
    max_gap: float = MAX_GAP,
    valid_range: tuple[float, float] = HR_VALID_RANGE,
) -> Channel:
    """Heart rate (bpm) on a regular grid from beat times and the intervals ending at them.

    Each beat's instantaneous heart rate is ``60 / interval``, placed at the beat's time;
    the values are interpolated onto the grid ``k / sampling_rate`` seconds (whole ``k``)
    from the first valid beat to the last. A grid point between two valid beats more than
    ``max_gap`` seconds apart is NaN (beats dropped or rejected there), not interpolated.
    Beats whose heart rate is outside ``valid_range`` are left out, with a ``UserWarning``
    saying how many; a median heart rate outside it is an error (a wrong time unit).

    Parameters
    ----------
    times : array-like
        Beat times in seconds, strictly increasing.
    intervals : array-like, optional
        The interval (seconds) ending at each beat; NaN where unknown. Default: the
        differences of ``times`` (the first beat has none).
    sampling_rate : float, default 4.0
        Rate of the heart-rate grid in Hz. 4 Hz is HRV practice (RHRV, Kubios): above
        twice the rate of the beats themselves (at most about 2 Hz at rest and in
        conversation), so the grid loses nothing the beats carry.
    method : {"linear", "monotone_cubic"}, default "linear"
        Interpolation between beats: straight lines (RHRV's default), or a monotone cubic
        (PCHIP, NeuroKit2's default); neither overshoots the beats' values.
    max_gap : float, default 3.0
        Longest stretch (seconds) without a valid beat that is interpolated across; 3 s
        is the interval of the slowest plausible heart (20 bpm).
    valid_range : (float, float), default (20.0, 250.0)
        Plausible heart rates (bpm).

    Returns
    -------
    Channel
        Unit ``bpm``, ``offset`` the first grid time (seconds, on the clock of ``times``).

    Raises
    ------
    ValidationError
        For a bad argument or beats that are not increasing.
    FileFormatError
        When fewer than two beats are valid, or the median heart rate is implausible.

    Examples
    --------
    Beats as an E4 gives them, 5.5 s missing between 2.5 s and 8 s:

    >>> c = beats_to_heart_rate([1.0, 1.5, 2.5, 8.0, 9.0], [1.0, 0.5, 1.0, 1.0, 1.0],
    ...                         sampling_rate=2)
    >>> c.offset, c.units, c.values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    (1.0, 'bpm', [60.0, 120.0, 90.0, 60.0, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan,
                  60.0, 60.0, 60.0])
    """
    options = _check_conversion(sampling_rate, method, max_gap, valid_range)
    beat_times = check_series(times, "times", finite=True)
    if intervals is None:
        beat_intervals = np.concatenate(([np.nan], np.diff(beat_times)))
    else:
        beat_intervals = check_series(intervals, "intervals")
        if beat_intervals.size != beat_times.size:
            raise ValidationError(
                f"intervals holds {beat_intervals.size} values but times {beat_times.size}; "
                "give one interval per beat (NaN where unknown)."
            )
    _check_increasing(beat_times, "times")
    channel, _ = _convert(beat_times, beat_intervals, where="beats_to_heart_rate", **options)
    return channel


def _check_increasing(times: np.ndarray, where: str) -> None:
    bad = np.flatnonzero(np.diff(times) <= 0)
    if bad.size:
        i = int(bad[0])
        raise ValidationError(
            f"{where}: beat {i + 2} at {times[i + 1]!r} s does not come after beat {i + 1} at "
            f"{times[i]!r} s; beat times must strictly increase."
        )


# --------------------------------------------------------------------------- reading


def read_beats_recording(
    path: PathLike,
    *,
    kind: str | None = None,
    time_unit: str | None = None,
    column: str | int | None = None,
    sampling_rate: float = 4.0,
    method: str = "linear",
    max_gap: float = MAX_GAP,
    valid_range: tuple[float, float] = HR_VALID_RANGE,
    channel: str = "hr",
    person: str | None = None,
) -> Recording:
    """Read a per-beat file (RR intervals, beat times, E4 ``IBI.csv``) into a heart-rate channel.

    The beats become a heart rate in bpm on a regular grid as
    :func:`beats_to_heart_rate` describes: ``60 / interval`` at each beat's time,
    interpolated (``method``) at ``sampling_rate``, NaN across stretches without a valid
    beat longer than ``max_gap`` seconds (E4 rows are missing where the device dropped
    beats), beats outside ``valid_range`` left out with a warning.

    Parameters
    ----------
    path : str or os.PathLike
        The file: an E4 ``IBI.csv``, or delimited text with one interval (or beat time)
        per row, with or without a header row.
    kind : {"e4", "intervals", "times"}, optional
        What the file holds. Default: ``"e4"`` for a file whose first row is
        ``<start>, IBI``, else ``"intervals"``.
    time_unit : {"s", "ms", "us"}, optional
        Unit of the intervals or beat times. Needed unless the column's header says it
        (``RR (ms)``, ``rri [s]``, ``IBI_ms``) or the format does (E4: seconds); a
        contradiction is an error.
    column : str or int, optional
        The column (name, or 0-based position) of a file with several; default the only
        one. Not used for E4 files.
    sampling_rate, method, max_gap, valid_range
        The heart-rate grid (Hz), the interpolation, the longest stretch without a valid
        beat that is bridged (s) and the plausible heart rates (bpm), all as in
        :func:`beats_to_heart_rate`.
    channel : str, default "hr"
        Name of the channel.
    person : str, optional
        The person's label, kept on the recording.

    Returns
    -------
    Recording
        One channel (``hr``, unit ``bpm``). Time zero: an E4 file's start (``start_time``
        set); for intervals, the R peak the first interval starts at; for beat times,
        their zero (Unix times, from 1e8 s on, set ``start_time`` to the whole second
        before the first beat). ``source``: ``path``, ``format`` (``"beats"``), ``name``,
        ``kind``, ``time_unit``, ``method``, ``max_gap``, ``valid_range``,
        ``n_beats``, ``n_rejected`` (beats outside ``valid_range``), ``n_gaps`` and
        ``gap_seconds`` (stretches longer than ``max_gap``).

    Raises
    ------
    FileFormatError
        Naming the file and the row: an empty file, text among the numbers, a missing
        interval in a file of intervals (later beats could not be placed), beat times that
        do not increase, fewer than two valid beats, a median heart rate outside
        ``valid_range`` (a wrong unit), a unit that contradicts the header.
    ValidationError
        For a bad argument, or a time unit the file does not state and was not given.

    Examples
    --------
    >>> r = read_beats_recording("tests/data/beats/e4/IBI.csv")
    >>> hr = r.channels["hr"]
    >>> r.start_time, hr.units, hr.sampling_rate, hr.offset
    ('2023-04-05T09:23:40+00:00', 'bpm', 4.0, 263.5)
    >>> r = read_beats_recording("tests/data/beats/hrv/rest_rri.txt", time_unit="ms")
    >>> round(float(np.nanmean(r.channels["hr"].values)), 1), r.source["n_beats"]
    (56.7, 910)
    """
    file = check_path(path, "path", "per-beat file")
    if kind is not None:
        kind = Choice(BEAT_KINDS).check(kind, "kind")
    options = _check_conversion(sampling_rate, method, max_gap, valid_range)
    name = CHANNEL_NAME.check(channel, "channel")
    if person is not None:
        person = Text(non_empty=True).check(person, "person")
    if time_unit is not None:
        Choice(tuple(TIME_UNITS)).check(time_unit, "time_unit")
    where = f"'{file}'"
    with reading(file, "per-beat file"):
        if kind is None:
            kind = "e4" if is_e4_ibi_file(file) else "intervals"
        start_time = None
        if kind == "e4":
            if column is not None:
                raise ValidationError("column= is for files of several columns, not E4 IBI.csv.")
            _check_unit(time_unit, "s", where, "times and intervals (E4: seconds)")
            text = file.read_text(encoding="utf-8-sig")
            zero, times, intervals = parse_e4_ibi(text, where)
            start_time = pd.Timestamp(zero, unit="s", tz="UTC").isoformat()
            unit = "s"
        else:
            values, unit = _read_column(file, column, time_unit, kind)
            if kind == "intervals":
                times, intervals = _from_intervals(values, where)
            else:
                times, intervals, start_time = _from_times(values, where)
        hr, summary = _convert(times, intervals, where=where, **options)
    source = {
        "path": str(path),
        "format": "beats",
        "name": file.stem,
        "kind": kind,
        "time_unit": unit,
        "method": options["method"],
        "max_gap": options["max_gap"],
        "valid_range": list(options["valid_range"]),
        **summary,
    }
    return Recording({name: hr}, start_time, (), source, person)


def parse_e4_ibi(text: str, where: str) -> tuple[float, np.ndarray, np.ndarray]:
    """Start (Unix s), beat times (s since start) and intervals (s) of an E4 ``IBI.csv``.

    For readers of whole E4 exports (a folder or a .zip): with
    :func:`beats_to_heart_rate` (times shifted onto the export's clock) it gives the
    heart-rate channel :func:`read_beats_recording` reads from the file alone.

    Parameters
    ----------
    text : str
        The file's text.
    where : str
        The file, for error messages.

    Returns
    -------
    start : float
        The first row's start time (Unix seconds).
    times, intervals : numpy.ndarray
        Each beat's time (seconds since ``start``) and the interval ending at it (s).

    Raises
    ------
    FileFormatError
        Naming the row: no ``<start>, IBI`` first row, no beats, rows that are not two
        numbers, beat times that do not increase.

    Examples
    --------
    >>> start, times, intervals = parse_e4_ibi("1680686620.0, IBI\\n263.45,0.56\\n272.03,0.47\\n",
    ...                                        "IBI.csv")
    >>> start, times.tolist(), intervals.tolist()
    (1680686620.0, [263.45, 272.03], [0.56, 0.47])
    """
    lines = text_lines(text.lstrip("\ufeff"))
    if not lines or not _E4_HEADER.match(lines[0]):
        raise FileFormatError(
            f"{where}, row 1: {lines[0][:80] if lines else ''!r} is not an E4 IBI.csv's first "
            "row (the start Unix time, then 'IBI'); is this an E4 IBI.csv?"
        )
    start = float(lines[0].split(",")[0])
    if not (math.isfinite(start) and 0 < start < 1e11):
        raise FileFormatError(
            f"{where}, row 1: {lines[0].strip()!r} is not a Unix time in seconds (such as "
            "1495437325); the first row of an E4 IBI.csv is the recording's start."
        )
    body = "\n".join(lines[1:])
    if not body.strip():
        raise FileFormatError(
            f"{where} holds no beats (only its first row): the E4 found no reliable beat in "
            "this recording; use HR.csv or BVP.csv instead."
        )
    try:
        table = pd.read_csv(io.StringIO(body), header=None, skipinitialspace=True, dtype=str)
    except pd.errors.ParserError as error:
        raise FileFormatError(
            f"{where}: {str(error).strip()}; every row after the first must hold two numbers "
            "(seconds since start, interval in seconds)."
        ) from None
    if table.shape[1] != 2:
        raise FileFormatError(
            f"{where}: the beat rows hold {table.shape[1]} value(s) each, expected 2 (seconds "
            "since start, interval in seconds); is this an E4 IBI.csv?"
        )
    times = numeric_column(table.iloc[:, 0], where.strip("'"), "time")
    intervals = numeric_column(table.iloc[:, 1], where.strip("'"), "IBI")
    for values, what in ((times, "time"), (intervals, "interval")):
        missing = np.flatnonzero(np.isnan(values))
        if missing.size:
            raise FileFormatError(
                f"{where}, row {int(missing[0]) + 2}: the {what} is missing; an E4 IBI.csv "
                "row holds a beat's time and interval: delete the incomplete row."
            )
    _check_beat_times(times, where, "row 2")
    if np.abs(times).max() > MAX_SECONDS:
        raise FileFormatError(f"{where}: a beat time beyond {MAX_SECONDS:g} s after the start.")
    return start, times, intervals


def _read_column(
    file: Path, column: str | int | None, time_unit: str | None, kind: str
) -> tuple[np.ndarray, str]:
    """One numeric column of delimited text in seconds, and the unit it was in."""
    where = f"'{file}'"
    single = _one_column(file)
    table = _read_table(file) if single is None else single.to_frame()
    if column is None:
        if table.shape[1] != 1:
            raise ValidationError(
                f"{where} has {table.shape[1]} columns {list(table.columns)[:10]}; say which "
                f"holds the {kind} with column=..."
            )
        series = table.iloc[:, 0]
    else:
        series = _column(table, column, file, "column")
    what = "intervals" if kind == "intervals" else "beat times"
    stated = time_unit_of(series.name)  # a Unix unit of beat times is its plain unit here
    stated = None if stated is None else stated.removeprefix("unix_")
    named = f"column {series.name!r}" if isinstance(series.name, str) else "(no header row)"
    scale = _check_unit(time_unit, stated, f"{where} {named}", what)
    unit = next(u for u, s in TIME_UNITS.items() if s == scale)
    values = numeric_column(series, file, series.name) * scale
    return values, unit


def _one_column(file: Path) -> pd.Series | None:
    """The cells of a file of one column (one number a row, maybe a header such as
    ``RR (ms)`` that holds spaces, after leading ``#`` lines), or None for a table of
    several columns."""
    lines = text_lines(file.read_text(encoding="utf-8-sig"))
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].lstrip()[:1] == "#"):
        start += 1
    sample = [line.strip() for line in lines[start : start + 50] if line.strip()]
    if not sample:
        raise FileFormatError(f"'{file}' is empty; it needs one interval (or beat time) a row.")
    if any(delimiter in line for line in sample for delimiter in ",\t;"):
        return None
    header = None if _looks_numeric(sample[0]) else sample[0]
    if any(len(line.split()) > 1 for line in sample[header is not None :]):
        return None
    name = 0 if header is None else header
    # pandas' C parser makes a float column of numbers at once (blank lines skipped); a
    # column holding text stays text, for numeric_column to name the first bad row.
    body = "\n".join(lines[start + (header is not None) :])
    return pd.read_csv(io.StringIO(body), header=None, names=[name], engine="c")[name]


def _from_intervals(intervals: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Beat times (the running sum; the first interval starts at 0) of a file of intervals."""
    bad = np.flatnonzero(~(intervals > 0))
    if bad.size:
        row = int(bad[0]) + 1
        what = "missing" if np.isnan(intervals[bad[0]]) else f"{float(intervals[bad[0]])!r} s"
        raise FileFormatError(
            f"{where}, data row {row}: the interval is {what}; every interval must be a "
            "positive number, since each beat's time is the sum of the intervals before it. "
            "Delete or fix the row (a file of beat times can have gaps: kind='times')."
        )
    times = np.cumsum(intervals)
    stuck = np.flatnonzero(np.diff(times, prepend=0.0) <= 0)  # too short to move the sum
    if stuck.size:
        row = int(stuck[0]) + 1
        raise FileFormatError(
            f"{where}, data row {row}: the interval {float(intervals[row - 1])!r} s is too short "
            f"to move the beat's time past the previous beat ({float(times[row - 1])!r} s); no "
            "heart beats that fast. Fix or delete the row, or check time_unit."
        )
    if times[-1] > MAX_SECONDS:
        raise FileFormatError(
            f"{where}: the intervals add up to {times[-1]:.3g} s, beyond {MAX_SECONDS:g} s; "
            "check time_unit."
        )
    return times, intervals


def _from_times(times: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Beat times relative to a zero (and the absolute start, for Unix times)."""
    missing = np.flatnonzero(np.isnan(times))
    if missing.size:
        raise FileFormatError(
            f"{where}, data row {int(missing[0]) + 1}: the beat time is missing; delete the row."
        )
    _check_beat_times(times, where, "data row 1")
    start_time = None
    if times[0] >= _EPOCH_FROM:
        zero = math.floor(times[0])
        start_time = pd.Timestamp(zero, unit="s", tz="UTC").isoformat()
        times = times - zero
    if np.abs(times).max() > MAX_SECONDS:
        raise FileFormatError(
            f"{where}: beat times reach {describe_time(float(np.abs(times).max()))}, beyond "
            f"{MAX_SECONDS:g} s; check time_unit."
        )
    return times, np.concatenate(([np.nan], np.diff(times))), start_time


def _check_beat_times(times: np.ndarray, where: str, first_row: str) -> None:
    """Refuse beat times that do not strictly increase; ``first_row``: "row 2", "data row 1"."""
    bad = np.flatnonzero(~(np.diff(times) > 0))
    if bad.size:
        i = int(bad[0])
        label, number = first_row.rsplit(" ", 1)
        raise FileFormatError(
            f"{where}, {label} {i + int(number) + 1}: the beat time "
            f"{describe_time(float(times[i + 1]))} does not come after "
            f"{describe_time(float(times[i]))}; beat times must strictly increase. Sort the "
            "file or delete the repeated row."
        )
