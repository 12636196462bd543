"""Helpers every reader shares: error wrapping, argument checks, numeric checks and time grids."""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import math
import os
import sys
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from concordlab._checks import SAMPLING_RATE, FilePath
from concordlab.errors import ConcordlabError, FileFormatError, ValidationError

PathLike = str | os.PathLike[str]
# How far from a whole number of samples two start times may be and still share a grid.
_GRID_TOLERANCE = 0.01
# Gaps in time stamps are filled with NaN; a grid longer than this many times the samples
# read (plus the slack) is refused as an outlier stamp, not a gap.
_MAX_GRID_GROWTH = 10
_GRID_SLACK = 1000


# Times from this many seconds on are read as seconds since 1970 (Unix epoch) in messages:
# 1e8 s is more than three years, longer than any recording concordlab accepts as relative.
_EPOCH_FROM = 1e8


def describe_time(seconds: float) -> str:
    """A time for a message: an ISO 8601 date when it is a Unix time, else seconds.

    Absolute times (seconds since 1970, from 1e8 s on) read better as dates than as
    ``1.68069e+09``; relative times stay seconds.

    Examples
    --------
    >>> describe_time(1680690000.25)
    '2023-04-05T10:20:00.250000+00:00'
    >>> describe_time(12.5)
    '12.5 s'
    >>> describe_time(1e300)
    '1e+300 s'
    """
    if math.isfinite(seconds) and abs(seconds) >= _EPOCH_FROM:
        with contextlib.suppress(OverflowError, ValueError):  # beyond pandas' years 1677-2262
            return pd.Timestamp(seconds, unit="s", tz="UTC").isoformat()
    return f"{seconds:.6g} s"


def check_path(value: Any, name: str, what: str = "file") -> Path:
    """``value`` as a :class:`~pathlib.Path`, or a ValidationError saying a path is needed
    (the rule is :class:`concordlab._checks.FilePath`).

    Examples
    --------
    >>> check_path("data/a.csv", "path").name
    'a.csv'
    >>> try:
    ...     check_path(None, "path", "CSV file")
    ... except ValidationError as error:
    ...     print(error)
    path must be the path of a CSV file (a str or pathlib.Path); e.g. path='recording.csv'.
    Got None.
    """
    return FilePath(what).check(value, name)


def replace_file(temporary: PathLike, path: PathLike) -> None:
    """Put the complete file ``temporary`` in place of ``path``, in one step where possible.

    Python in the browser (JupyterLite's file system) does not rename a file over another
    reliably: there the bytes are copied into ``path`` and ``temporary`` is removed, which
    is not atomic (one kernel, no other writer).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "new").write_text("new")
    >>> replace_file(folder / "new", folder / "old")
    >>> (folder / "old").read_text(), (folder / "new").exists()
    ('new', False)
    """
    if sys.platform == "emscripten" and Path(temporary).is_file():
        Path(path).write_bytes(Path(temporary).read_bytes())
        os.unlink(temporary)
    else:
        os.replace(temporary, path)


def text_lines(text: str) -> list[str]:
    """The lines of ``text``, split at CR, LF or CRLF only.

    ``str.splitlines`` also splits at form feeds, vertical tabs and other separators that can
    sit inside a damaged cell; such a cell must stay one cell.

    Examples
    --------
    >>> text_lines("1\\r\\n2\\x0c\\n3\\r4\\n")
    ['1', '2\\x0c', '3', '4']
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _damaged(path: PathLike, what: str, detail: object, fix: str) -> FileFormatError:
    return FileFormatError(f"Cannot read {what} '{path}': {detail}; {fix}.")


@contextlib.contextmanager
def reading(path: PathLike, what: str = "file") -> Iterator[None]:
    """Turn any failure while reading ``path`` into a :class:`FileFormatError` naming it.

    Errors concordlab raised itself pass through unchanged; the usual failures (a missing
    file, a folder, text that is not UTF-8, invalid JSON, a damaged gzip or zip file, a
    table whose rows do not fit its header, a file that is not of the expected kind) are
    said in plain words with what to do.

    Examples
    --------
    >>> try:
    ...     with reading("x.csv"):
    ...         int("text")
    ... except FileFormatError as error:
    ...     print(str(error).startswith("Cannot read"))
    True
    >>> try:
    ...     with reading("x.json", "JSON sidecar"):
    ...         json.loads('{"a": 1,}')
    ... except FileFormatError as error:
    ...     print(error)  # doctest: +ELLIPSIS
    JSON sidecar 'x.json' is not valid JSON (line 1, column 9): Expecting ...; fix the file...
    """
    try:
        yield
    except ConcordlabError:
        raise
    except FileNotFoundError:
        raise FileFormatError(
            f"{what} '{path}' does not exist; check the path (relative paths start at "
            f"{os.getcwd()})."
        ) from None
    except IsADirectoryError:
        raise FileFormatError(
            f"'{path}' is a folder, not a {what}; give the file's path."
        ) from None
    except NotADirectoryError:
        raise FileFormatError(
            f"{what} '{path}' does not exist: a part of the path is a file, not a folder; "
            "check the path."
        ) from None
    except PermissionError:
        raise FileFormatError(
            f"Cannot read {what} '{path}': permission denied; check the file's permissions "
            "or copy it somewhere you can read."
        ) from None
    except UnicodeDecodeError as error:
        raise FileFormatError(
            f"Cannot read {what} '{path}': it is not text in UTF-8 ({error.reason} at byte "
            f"{error.start}); save or export it as UTF-8 CSV/TSV."
        ) from None
    except json.JSONDecodeError as error:
        raise FileFormatError(
            f"{what} '{path}' is not valid JSON (line {error.lineno}, column {error.colno}): "
            f"{error.msg}; fix the file (a JSON validator shows the exact spot)."
        ) from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        name = str(path).lower()
        if ".zip" in name:
            kind, fix = "zip file", "re-download or zip it again"
        elif name.endswith(".gz") or isinstance(error, gzip.BadGzipFile):
            kind, fix = "gzip file", "re-export or re-download it (or give the unzipped .tsv)"
        else:
            kind, fix = "file", "re-export or re-download it"
        raise _damaged(path, what, f"the {kind} is truncated or damaged ({error})", fix) from None
    except zipfile.BadZipFile as error:
        raise _damaged(
            path, what, f"the zip file is truncated or damaged ({error})", "re-download it"
        ) from None
    except pd.errors.EmptyDataError:
        raise FileFormatError(
            f"{what} '{path}' is empty (no rows or columns); it needs a header row and data rows."
        ) from None
    except pd.errors.ParserError as error:
        detail = str(error).strip().rstrip(".")
        raise FileFormatError(
            f"{what} '{path}' is not a valid table ({detail}); every row must hold as many "
            "delimited cells as the header: fix or delete the rows that do not."
        ) from None
    except MemoryError:
        raise FileFormatError(
            f"{what} '{path}' is too large to read into memory; split it into smaller files."
        ) from None
    except OSError as error:
        detail = error.strerror or str(error) or type(error).__name__
        raise FileFormatError(
            f"'{path}' is not a {what} concordlab can read, or it is damaged ({detail}); "
            "check that it is the right file, or export it again."
        ) from None
    except Exception as error:  # readers promise to raise ConcordlabError only
        raise FileFormatError(
            f"Cannot read {what} '{path}': {type(error).__name__}: {error}."
        ) from error


def numeric_column(values: pd.Series | np.ndarray, path: PathLike, column: object) -> np.ndarray:
    """``values`` as float64, or an error naming the first row that is not a number.

    Empty cells and ``NaN``/``NA`` are missing values and become NaN.

    Examples
    --------
    >>> numeric_column(pd.Series(["1", "2.5", None]), "f.csv", "eda").tolist()
    [1.0, 2.5, nan]
    """
    series = pd.Series(values)
    if pd.api.types.is_bool_dtype(series):
        raise FileFormatError(f"'{path}', column {column!r}: holds true/false, not numbers.")
    if pd.api.types.is_float_dtype(series) and isinstance(series.dtype, np.dtype):
        result = series.to_numpy()  # a view: the caller's stacking makes the one copy
    elif pd.api.types.is_numeric_dtype(series):
        result = series.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        result = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        text = series.astype(str).str.strip()
        bad = np.flatnonzero(
            np.isnan(result)
            & series.notna().to_numpy()
            & (text != "").to_numpy()
            & ~text.str.lower().isin(["nan", "na", "n/a", "null", "none"]).to_numpy()
        )
        if bad.size:
            raise FileFormatError(
                f"'{path}', column {column!r}, data row {bad[0] + 1}: {series.iloc[bad[0]]!r} is "
                "not a number; fix or delete that cell (leave it empty for a missing value)."
            )
    if np.isinf(result).any():
        row = int(np.flatnonzero(np.isinf(result))[0]) + 1
        raise FileFormatError(
            f"'{path}', column {column!r}, data row {row}: infinite value; replace it with an "
            "empty cell to mark it missing."
        )
    return result


def _stamp_resolution(times: np.ndarray) -> float:
    """The decimal unit the stamps were written to (1, 0.1, 0.001 ...), or 0 when finer."""
    scale = max(1.0, abs(float(times[0])), abs(float(times[-1])))  # the stamps increase
    # Rules most units out cheaply: consecutive stamps (a stride alone would only see
    # multiples of the stride) and a stride through the whole recording.
    sample = np.concatenate((times[:1000], times[:: max(1, times.size // 1000)]))

    def fits(values: np.ndarray, unit: float) -> bool:
        for a in range(0, values.size, _BLOCK):  # blocks: no recording-long temporaries
            scaled = values[a : a + _BLOCK] / unit
            off = np.subtract(scaled, np.rint(scaled), out=scaled)
            if float(np.abs(off, out=off).max()) > 1e-6 + 4e-16 * scale / unit:
                return False
        return True

    for digits in range(10):
        unit = 10.0**-digits
        if fits(sample, unit) and fits(times, unit):
            return unit
    return 0.0


RATE_TOLERANCE = 0.01
"""How far (relative) the rate a time column implies may be from a declared sampling rate:
1 %, more than any device clock drifts (a few hundred parts per million at worst)."""


def check_stamps(times: np.ndarray, where: str, zero: float = 0.0) -> np.ndarray:
    """``times`` as float64 seconds, or an error naming the first missing, infinite, repeated
    or decreasing stamp's data row (1-based); at least two are needed.

    ``zero`` is added to the times in messages (absolute times are said as ISO dates).

    Examples
    --------
    >>> check_stamps([0.0, 0.5, 1.0], "'f.csv'").tolist()
    [0.0, 0.5, 1.0]
    >>> try:
    ...     check_stamps([0.0, 2.0, 1.0], "'f.csv', time column 't'", zero=1680690000)
    ... except FileFormatError as error:
    ...     print(error)  # doctest: +ELLIPSIS
    'f.csv', time column 't', data row 3: the time goes back in time (2023-04-05T10:20:02+00:00 ...
    """
    times = np.asarray(times, dtype=np.float64)
    if times.ndim != 1 or times.size < 2 or not _stamps_ok(times):
        _steps(times, where, zero)  # says what is wrong
    return times


# Long recordings are checked in blocks of this many stamps: no recording-long temporaries.
_BLOCK = 1 << 16


def _stamps_ok(times: np.ndarray) -> bool:
    """Whether 1-D ``times`` are finite, strictly increasing and span a finite time."""
    if not (math.isfinite(float(times.min())) and math.isfinite(float(times.max()))):
        return False
    for a in range(0, times.size - 1, _BLOCK):
        if not float(np.diff(times[a : a + _BLOCK + 1]).min()) > 0:
            return False
    return bool(np.isfinite(times[-1] - times[0]))


def _steps(times: np.ndarray, where: str, zero: float) -> np.ndarray:
    """The steps between checked stamps (see :func:`check_stamps`)."""
    if times.ndim != 1 or times.size < 2:
        raise FileFormatError(f"{where}: at least two samples are needed, got {times.size}.")
    low, high = float(times.min()), float(times.max())  # NaN or infinite: not finite
    if not (math.isfinite(low) and math.isfinite(high)):
        finite = np.isfinite(times)
        row = int(np.flatnonzero(~finite)[0]) + 1
        if np.isnan(times[row - 1]):
            raise FileFormatError(f"{where}, data row {row}: the time is missing; fill it in.")
        raise FileFormatError(f"{where}, data row {row}: the time is infinite; fix it.")
    steps = np.diff(times)
    if not float(steps.min()) > 0:
        i = int(np.flatnonzero(~(steps > 0))[0])
        kind = "repeats" if steps[i] == 0 else "goes back in time"
        raise FileFormatError(
            f"{where}, data row {i + 2}: the time {kind} ({describe_time(zero + times[i])} "
            f"then {describe_time(zero + times[i + 1])}); time stamps must strictly increase. "
            "Sort the file or remove the duplicate rows."
        )
    if not np.isfinite(times[-1] - times[0]):
        raise FileFormatError(
            f"{where}: the time stamps span {describe_time(zero + times[0])} to "
            f"{describe_time(zero + times[-1])}, longer than any recording; fix them."
        )
    return steps


def implied_rate(times: np.ndarray) -> float:
    """The rate in Hz that strictly increasing ``times`` step at: the mean of the regular steps
    (within half a median step of the median), so that stamps rounded to few digits (0.003,
    0.004, 0.003 ... s at 300 Hz) and gaps do not bias it.

    Examples
    --------
    >>> round(implied_rate(np.round(np.arange(3000) / 300, 3)), 1)
    300.0
    """
    steps = np.diff(times)
    return _implied_rate(steps, typical_step(steps))


_MEDIAN_SAMPLE = 100_000


def typical_step(steps: np.ndarray) -> float:
    """The median of time steps: exact up to 100 000 steps, else the median of an even sample
    of about 100 000 of them.

    numpy's median slows down on millions of nearly equal steps (stamps rounded to a few
    decimals: 0.37 s for an hour at 1 kHz); a sample of a regular recording has the same
    median, and the median only tells regular steps from gaps.

    Examples
    --------
    >>> typical_step(np.array([0.25, 0.25, 1.0, 0.25]))
    0.25
    """
    work = steps[:: steps.size // _MEDIAN_SAMPLE + 1].copy()
    half = work.size // 2
    if work.size % 2:
        work.partition(half)
        return float(work[half])
    work.partition([half - 1, half])
    return float(0.5 * (work[half - 1] + work[half]))


def _regular(steps: np.ndarray, median: float) -> tuple[int, float]:
    """How many steps are regular (within half a median of the median) and their sum."""
    mask = steps > 0.5 * median
    mask &= steps < 1.5 * median
    return int(np.count_nonzero(mask)), float(np.sum(steps, where=mask))


def _sampled_steps(times: np.ndarray) -> np.ndarray:
    """The steps :func:`typical_step` looks at, without the recording-long array of steps."""
    stride = (times.size - 1) // _MEDIAN_SAMPLE + 1
    at = np.arange(0, times.size - 1, stride)
    return times[at + 1] - times[at]


def _regular_in_blocks(times: np.ndarray, median: float) -> tuple[int, float]:
    count, total = 0, 0.0
    for a in range(0, times.size - 1, _BLOCK):
        more, subtotal = _regular(np.diff(times[a : a + _BLOCK + 1]), median)
        count, total = count + more, total + subtotal
    return count, total


def _grid_fit(times: np.ndarray, offset: float, rate: float) -> tuple[float, int, bool, float]:
    """How far the stamps are off the grid ``offset + k / rate`` (the largest, in samples, and
    its index), whether no two share a grid point, and the last stamp's grid index."""
    largest, worst, distinct, last = -1.0, 0, True, -math.inf
    for a in range(0, times.size, _BLOCK):
        off = np.subtract(times[a : a + _BLOCK], offset)
        off *= rate
        nearest = np.rint(off)
        distinct = distinct and nearest[0] > last and bool(np.all(nearest[1:] > nearest[:-1]))
        last = float(nearest[-1])
        np.subtract(off, nearest, out=off)
        np.abs(off, out=off)
        block_largest = float(off.max())
        if block_largest > largest:
            largest, worst = block_largest, a + int(np.argmax(off))
    return largest, worst, distinct, last


def _implied_rate(steps: np.ndarray, median: float) -> float:
    count, total = _regular(steps, median)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return float(count / total) if count else 1.0 / median


def grid_from_times(
    times: np.ndarray,
    path: PathLike,
    column: object,
    sampling_rate: float | None = None,
    *,
    zero: float = 0.0,
) -> tuple[float, float, np.ndarray]:
    """Place time stamps on a regular grid.

    The rate is ``sampling_rate``, or the simplest rate (fewest significant digits) that puts every
    stamp on the grid. A stamp may be off its grid point by :data:`_GRID_TOLERANCE`
    samples plus the rounding of stamps written with few decimals (half their last digit);
    a missing stretch of stamps is a gap, filled with NaN by :func:`place_on_grid`.

    Parameters
    ----------
    times : numpy.ndarray
        Time stamps in seconds, strictly increasing.
    path : str or os.PathLike
        The file, for error messages.
    column : object
        The time column's name, for error messages.
    sampling_rate : float, optional
        The declared sampling rate, already checked; estimated from the stamps when
        omitted. The rate the stamps imply must be within :data:`RATE_TOLERANCE` (1 %) of it.
    zero : float, default 0.0
        Seconds since 1970 of time 0 when ``times`` are relative to an absolute start, so
        that messages say absolute times as dates.

    Returns
    -------
    offset : float
        Time of the first sample.
    rate : float
        The sampling rate in Hz.
    positions : numpy.ndarray of int
        Grid index of each sample; jumps mark gaps (missing samples).

    Raises
    ------
    FileFormatError
        On missing, duplicate or decreasing stamps, on a rate that contradicts the
        stamps or is not a usable sampling rate, on stamps off the grid (drifting or
        jittering stamps: the message says to pass ``regularize=True``), or on a gap
        that would make the grid much longer than the data (an outlier stamp).

    Examples
    --------
    >>> grid_from_times(np.array([0.0, 0.25, 0.5, 1.0]), "f.csv", "time")
    (0.0, 4.0, array([0, 1, 2, 4]))
    """
    where = f"'{path}', time column {column!r}"
    times = check_stamps(times, where, zero)
    median = typical_step(_sampled_steps(times))
    count, total = _regular_in_blocks(times, median)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        estimated = float(count / total) if count else 1.0 / median
    try:
        SAMPLING_RATE.check(estimated, "rate")
    except ValidationError:
        raise FileFormatError(
            f"{where}: the time stamps step by {1 / estimated:.6g} s, a rate of "
            f"{estimated:.6g} Hz, outside what a recording can have (above 0, at most 1e+06 "
            "Hz); are the times in seconds? Give time_unit (such as 'ms'), or drop time_column "
            "and give sampling_rate."
        ) from None
    if sampling_rate is not None:
        rate = float(sampling_rate)
        if abs(estimated - rate) > RATE_TOLERANCE * rate:
            raise FileFormatError(
                f"{where}: the time stamps step by {1 / estimated:.6g} s ({estimated:.6g} Hz) but "
                f"sampling_rate={rate:g} Hz was given, more than {RATE_TOLERANCE:.0%} apart; "
                "check the time unit (time_unit=...) and sampling_rate, or drop sampling_rate "
                "to use the time column."
            )
        candidates = [rate]
    else:
        # The median step of rounded stamps is rounded too: refine the rate over the
        # whole recording, then prefer its shortest form that fits every stamp.
        span = float(times[-1] - times[0])
        refined = float(np.rint(span * count / total)) / span
        candidates = [float(f"{refined:.{digits}g}") for digits in range(3, 18)]
    offset = float(times[0])
    first = _grid_fit(times, offset, candidates[0])
    largest, worst, distinct, last = first
    rate = candidates[0]
    if not (largest <= _GRID_TOLERANCE and distinct):  # else it fits, rounding or not
        allowed = _GRID_TOLERANCE + 0.5 * _stamp_resolution(times) * candidates[-1]
        for index, rate in enumerate(candidates):
            fit = first if index == 0 else _grid_fit(times, offset, rate)
            largest, worst, distinct, last = fit
            if largest <= allowed and distinct:
                break
        else:
            row = worst + 1
            raise FileFormatError(
                f"{where}, data row {row}: the time {describe_time(zero + times[row - 1])} is "
                f"off the regular {rate:.6g} Hz grid by {largest:.2f} samples (more than "
                f"{allowed:.2g} allowed); the time stamps are too irregular (a device clock "
                "that drifts, or jitters). Pass regularize=True (with sampling_rate=the "
                "device's nominal rate) to fit the device's clock and resample on a regular "
                "grid, dropouts becoming NaN; or drop time_column and give sampling_rate if the "
                "stamps are only imprecise."
            )
    if last == times.size - 1:  # distinct whole grid indices from 0 to n - 1: no gap
        positions = np.arange(times.size, dtype=np.int64)
    else:
        positions = np.rint((times - offset) * rate).astype(np.int64)
    n_grid = int(positions[-1]) + 1
    if n_grid > _MAX_GRID_GROWTH * len(times) + _GRID_SLACK:
        jumps = np.diff(positions)
        at = int(np.argmax(jumps))
        raise FileFormatError(
            f"{where}, data row {at + 2}: the time jumps from {describe_time(zero + times[at])} "
            f"to {describe_time(zero + times[at + 1])}, a gap of "
            f"{times[at + 1] - times[at]:.6g} s ({int(jumps[at]) - 1} missing samples at "
            f"{rate:.6g} Hz); filled with NaN it would make {n_grid} samples from {len(times)} "
            "read. Fix or remove that time stamp, or split the recording into separate files "
            "at the gap."
        )
    return offset, rate, positions


def place_on_grid(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Scatter ``values`` (..., n) to grid ``positions``, NaN where nothing was recorded.

    Examples
    --------
    >>> place_on_grid(np.array([1.0, 2.0, 3.0]), np.array([0, 1, 3])).tolist()
    [1.0, 2.0, nan, 3.0]
    """
    if positions[-1] == len(positions) - 1:
        return values
    out = np.full((*values.shape[:-1], int(positions[-1]) + 1), np.nan)
    out[..., positions] = values
    return out


def pair_on_grid(
    rows: Sequence[np.ndarray],
    starts: Sequence[float],
    rate: float,
    *,
    describe: str,
    what: str = "start time",
    exact: bool = True,
    hint: str = "",
) -> tuple[np.ndarray, float, list[float]]:
    """Place two (or more) persons' series, starting at different times, on one sample grid.

    Parameters
    ----------
    rows : sequence of 1-D arrays
        Each person's samples (two for a dyad, N for a group).
    starts : sequence of float
        Time of each person's first sample, in seconds (any common zero).
    rate : float
        The shared sampling rate in Hz.
    describe : str
        What the series are, for error messages (channel and files).
    what : str, default "start time"
        What ``starts`` are called in the files, for error messages.
    exact : bool, default True
        Whether a start difference that is not a whole number of samples is an error;
        with False, the later series is moved to the nearest sample.
    hint : str, default ""
        Added to the error when the two series do not overlap in time.

    Returns
    -------
    values : numpy.ndarray, shape (persons, n)
        Every series on one grid, NaN where a person was not recording.
    offset : float
        Time of the grid's first sample: the earlier start.
    moved : list of float
        Seconds each person's series was moved to fit the grid (0.0 unless ``exact`` is
        False); positive means later than recorded.

    Raises
    ------
    FileFormatError
        If the series do not overlap in time, or (with ``exact``) do not lie on one grid.

    Examples
    --------
    >>> values, offset, moved = pair_on_grid(
    ...     [np.array([1.0, 2.0, 3.0]), np.array([7.0, 8.0])], [10.0, 10.5], 2.0, describe="x"
    ... )
    >>> values.tolist(), offset, moved
    ([[1.0, 2.0, 3.0], [nan, 7.0, 8.0]], 10.0, [0.0, 0.0])
    """
    start = min(starts)
    exact_shifts = [(s - start) * rate for s in starts]
    ends = [s + len(r) / rate for s, r in zip(starts, rows, strict=True)]
    if max(starts) >= min(ends) or not all(math.isfinite(x) for x in exact_shifts):
        # Two that do not overlap: the earliest to end and the latest to start.
        a, b = (0, 1) if len(rows) == 2 else sorted((int(np.argmin(ends)), int(np.argmax(starts))))
        which = "two recordings do" if len(rows) == 2 else "recordings do not all"
        raise FileFormatError(
            f"{describe}: the {which} not overlap in time (one covers "
            f"{starts[a]:.6g}-{ends[a]:.6g} s, the other {starts[b]:.6g}-{ends[b]:.6g} s); "
            f"they were not recorded together.{hint}"
        )
    shifts = [round(x) for x in exact_shifts]
    if exact:
        first = int(np.argmin(starts))
        for index, (x, k) in enumerate(zip(exact_shifts, shifts, strict=True)):
            if abs(x - k) > _GRID_TOLERANCE:
                a, b = (0, 1) if len(rows) == 2 else (first, index)
                apart = abs(starts[b] - starts[a])
                raise FileFormatError(
                    f"{describe}: the {what}s {starts[a]!r} s and {starts[b]!r} s are "
                    f"{apart:.6g} s apart, {apart * rate:.4g} samples at {rate:g} Hz, not a "
                    "whole number; the two persons' samples cannot share one time grid. "
                    f"Correct the {what} or resample one recording."
                )
    moved = [
        (k - x) / rate if not exact else 0.0 for x, k in zip(exact_shifts, shifts, strict=True)
    ]
    n = max(k + len(r) for k, r in zip(shifts, rows, strict=True))
    if all(k == 0 and len(r) == n for k, r in zip(shifts, rows, strict=True)):
        out = np.empty((len(rows), n))  # all cover the grid: nothing to fill with NaN
    else:
        out = np.full((len(rows), n), np.nan)
    for person, (k, row) in enumerate(zip(shifts, rows, strict=True)):
        out[person, k : k + len(row)] = row
    return out, start, [0.0 if abs(m) < 1e-12 else m for m in moved]


def refuse_short_rows(
    path: Path, delimiter: str, comments: int, has_header: bool, width: int
) -> None:
    """Raise if a data row of a delimited text file holds fewer than ``width`` cells
    (parsers fill a short row's missing cells silently).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.tsv"
    >>> _ = path.write_text("a\\tb\\tc\\n1\\t2\\t3\\n4\\t5\\n")
    >>> refuse_short_rows(path, "\\t", 0, True, 3)
    Traceback (most recent call last):
    ...
    concordlab.errors.FileFormatError: '...t.tsv': data row 2 holds 2 cell(s), the header 3; ...
    """
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for _ in range(comments):
            handle.readline()
        if delimiter == r"\s+":
            rows: Iterator[list[str]] = (line.split() for line in handle)
        else:
            rows = csv.reader(handle, delimiter=delimiter)
        number = -1 if has_header else 0
        for cells in rows:
            if not cells or cells == [""]:
                continue  # blank lines are skipped, as pandas does
            number += 1
            if number == 0:
                continue  # the header
            if len(cells) < width:
                raise FileFormatError(
                    f"'{path}': data row {number} holds {len(cells)} cell(s), the header "
                    f"{width}; the file may be cut off. Complete or delete the row (leave a "
                    "cell empty between delimiters for a missing value)."
                )
