"""Helpers every reader shares: error wrapping, numeric checks and time grids."""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from concordlab.errors import ConcordlabError, FileFormatError

PathLike = str | os.PathLike[str]
# How far from a whole number of samples two start times may be and still share a grid.
_GRID_TOLERANCE = 0.01


@contextlib.contextmanager
def reading(path: PathLike, what: str = "file") -> Iterator[None]:
    """Turn any failure while reading ``path`` into a :class:`FileFormatError` naming it.

    Errors concordlab raised itself pass through unchanged.

    Examples
    --------
    >>> try:
    ...     with reading("x.csv"):
    ...         int("text")
    ... except FileFormatError as error:
    ...     print(str(error).startswith("Cannot read"))
    True
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
    except UnicodeDecodeError as error:
        raise FileFormatError(
            f"Cannot read {what} '{path}': it is not text in UTF-8 ({error.reason} at byte "
            f"{error.start}); export it as UTF-8 CSV/TSV."
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


def grid_from_times(
    times: np.ndarray, path: PathLike, column: object, fs: float | None = None
) -> tuple[float, float, np.ndarray]:
    """Place irregular time stamps on a regular grid.

    Parameters
    ----------
    times : numpy.ndarray
        Time stamps in seconds, strictly increasing.
    path : str or os.PathLike
        The file, for error messages.
    column : object
        The time column's name, for error messages.
    fs : float, optional
        The declared sampling rate; estimated from the median step when omitted.

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
        stamps, or on stamps too irregular for any grid.

    Examples
    --------
    >>> grid_from_times(np.array([0.0, 0.25, 0.5, 1.0]), "f.csv", "time")
    (0.0, 4.0, array([0, 1, 2, 4]))
    """
    where = f"'{path}', time column {column!r}"
    if len(times) < 2:
        raise FileFormatError(f"{where}: at least two samples are needed, got {len(times)}.")
    if np.isnan(times).any():
        row = int(np.flatnonzero(np.isnan(times))[0]) + 1
        raise FileFormatError(f"{where}, data row {row}: the time is missing; fill it in.")
    steps = np.diff(times)
    bad = np.flatnonzero(steps <= 0)
    if bad.size:
        row = int(bad[0]) + 2
        kind = "repeats" if steps[bad[0]] == 0 else "goes back in time"
        raise FileFormatError(
            f"{where}, data row {row}: the time {kind} ({times[bad[0]]!r} then "
            f"{times[bad[0] + 1]!r}); time stamps must strictly increase. Sort the file or "
            "remove the duplicate rows."
        )
    estimated = 1.0 / float(np.median(steps))
    if fs is not None:
        rate = float(fs)
        if not math.isfinite(rate) or rate <= 0:
            raise FileFormatError(f"fs must be a positive number of Hz, got {fs!r}.")
        if abs(estimated - rate) > 0.01 * rate:
            raise FileFormatError(
                f"{where}: the time stamps step by {1 / estimated:.6g} s ({estimated:.6g} Hz) but "
                f"fs={rate:g} Hz was given; drop fs to use the time column, or fix fs."
            )
    else:
        rate = estimated
    offset = float(times[0])
    exact = (times - offset) * rate
    positions = np.rint(exact).astype(np.int64)
    jitter = np.abs(exact - positions)
    if jitter.max() > 0.25 or np.any(np.diff(positions) <= 0):
        row = int(np.argmax(jitter)) + 1
        raise FileFormatError(
            f"{where}, data row {row}: the time stamps are too irregular for a {rate:.6g} Hz "
            f"grid (off by {jitter.max():.2f} samples); resample the recording to a regular "
            "rate before reading it."
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
    """Place two persons' series, starting at different times, on one sample grid.

    Parameters
    ----------
    rows : pair of 1-D arrays
        Each person's samples.
    starts : pair of float
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
    values : numpy.ndarray, shape (2, n)
        Both series on one grid, NaN where a person was not recording.
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
        raise FileFormatError(
            f"{describe}: the two recordings do not overlap in time (one covers "
            f"{starts[0]:.6g}-{ends[0]:.6g} s, the other {starts[1]:.6g}-{ends[1]:.6g} s); "
            f"they were not recorded together.{hint}"
        )
    shifts = [round(x) for x in exact_shifts]
    if exact:
        for x, k in zip(exact_shifts, shifts, strict=True):
            if abs(x - k) > _GRID_TOLERANCE:
                apart = abs(starts[1] - starts[0])
                raise FileFormatError(
                    f"{describe}: the {what}s {starts[0]!r} s and {starts[1]!r} s are "
                    f"{apart:.6g} s apart, {apart * rate:.4g} samples at {rate:g} Hz, not a "
                    "whole number; the two persons' samples cannot share one time grid. "
                    f"Correct the {what} or resample one recording."
                )
    moved = [
        (k - x) / rate if not exact else 0.0 for x, k in zip(exact_shifts, shifts, strict=True)
    ]
    n = max(k + len(r) for k, r in zip(shifts, rows, strict=True))
    out = np.full((2, n), np.nan)
    for person, (k, row) in enumerate(zip(shifts, rows, strict=True)):
        out[person, k : k + len(row)] = row
    return out, start, [0.0 if abs(m) < 1e-12 else m for m in moved]
