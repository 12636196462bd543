"""Shared machinery of the fuzz suite: outcomes, a timeout, generators and independent checks.

Every fuzz case is a :class:`Case`: a call into concordlab and, for when it succeeds, a
check of an invariant computed *without* concordlab (an independent parse of the bytes
written, the values passed in, the session saved). :func:`run` turns one case into one
:class:`Result` whose outcome is one of :data:`OUTCOMES`; a fuzz test passes when the
outcome is ``"ok"`` or ``"ConcordlabError"``.

Generators take a :class:`Chooser`, which draws from hypothesis (``Chooser(draw=draw)``,
inside tests, so failures shrink) or from a numpy Generator (``Chooser(seed=...)``, in
``benchmarks/bench_durability.py``, so thousands of cases run without hypothesis).

This module is imported by ``tests/fuzz/conftest.py`` (which puts this folder on
``sys.path``) and by the benchmark script; it holds no tests itself.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import math
import os
import re
import select
import shutil
import signal
import sys
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

import concordlab

csv.field_size_limit(sys.maxsize)  # the independent parse must read very long cells too
# --------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------

#: Hypothesis examples per fuzz test; raise with CONCORDLAB_FUZZ_EXAMPLES=500 for a long run.
EXAMPLES = int(os.environ.get("CONCORDLAB_FUZZ_EXAMPLES", "25"))
#: Seconds one call may take before it counts as a hang.
TIMEOUT = float(os.environ.get("CONCORDLAB_FUZZ_TIMEOUT", "5"))

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
    # Shrinking re-runs failing cases many times; the report names the input anyway.
    phases=list(Phase) if os.environ.get("CONCORDLAB_FUZZ_SHRINK") else [Phase.generate],
)

OK = "ok"
ERROR = "ConcordlabError"
OTHER = "other exception"
HANG = "hang"
WRONG = "wrong result"
OUTCOMES = (OK, ERROR, OTHER, HANG, WRONG)

# --------------------------------------------------------------------------------------
# Running one case
# --------------------------------------------------------------------------------------


class Hang(BaseException):
    """Raised by :func:`time_limit` in the main thread when a call overruns.

    A BaseException, so that ``except Exception`` inside concordlab cannot swallow it.
    """


class Wrong(AssertionError):
    """An invariant of a successful call does not hold: a silently wrong result."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` if the block runs longer than ``seconds`` (SIGALRM, main thread)."""

    def on_alarm(signum: int, frame: Any) -> None:
        raise Hang(f"did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Case:
    """One fuzz input: what is called, on what, and the invariant of a success.

    ``check`` receives the call's return value and raises :class:`Wrong` (or any
    AssertionError) when the result is silently wrong; None means no invariant beyond
    "returns or raises ConcordlabError". ``isolate`` runs the case in a forked child that
    is killed on overrun: for calls that can hang inside C code (HDF5), where SIGALRM
    never reaches Python.
    """

    kind: str
    label: str
    call: Callable[[], Any]
    check: Callable[[Any], None] | None = None
    isolate: bool = False


@dataclass
class Result:
    """The outcome of :func:`run` on a :class:`Case`, with a one-paragraph detail."""

    case: Case
    outcome: str
    detail: str = ""
    value: Any = None

    def describe(self) -> str:
        """A report line: the function, the outcome, the input and what happened."""
        return f"{self.case.kind}: {self.outcome}\n  input: {self.case.label}\n  {self.detail}"


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    inside = [f for f in frames if f"concordlab{os.sep}" in f.filename]
    frame = (inside or frames or [None])[-1]
    if frame is None:
        return ""
    return f" (at {Path(frame.filename).name}:{frame.lineno} in {frame.name})"


def run(case: Case, timeout: float = TIMEOUT) -> Result:
    """Call ``case`` under a time limit and classify what happened (see :data:`OUTCOMES`)."""
    if case.isolate and hasattr(os, "fork"):
        return _run_forked(case, timeout)
    return _run_here(case, timeout)


def _run_forked(case: Case, timeout: float) -> Result:
    """:func:`run` in a forked child, killed when it overruns (a hang in C code)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, report, and leave without pytest's teardown
        payload = [OTHER, "the child process failed"]
        try:
            os.close(read_end)
            result = _run_here(case, timeout)
            payload = [result.outcome, result.detail]
        finally:
            os.write(write_end, json.dumps(payload).encode())
            os._exit(0)
    os.close(write_end)
    limit = 2 * timeout + 2
    deadline = time.monotonic() + limit
    chunks = []
    try:
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([read_end], [], [], max(0.0, left))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                return Result(
                    case, HANG, f"killed after {limit:g} s: stuck where SIGALRM cannot reach"
                )
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    try:
        outcome, detail = json.loads(b"".join(chunks).decode())
    except ValueError:
        return Result(case, OTHER, "the child process died without a report (a crash?)")
    return Result(case, outcome, detail)


def _run_here(case: Case, timeout: float) -> Result:
    """:func:`run` in this process."""
    try:
        with time_limit(timeout):
            value = case.call()
    except Hang as error:
        return Result(case, HANG, str(error))
    except concordlab.ConcordlabError as error:
        return Result(case, ERROR, f"{type(error).__name__}: {str(error)[:300]}")
    except Exception as error:
        return Result(case, OTHER, f"{type(error).__name__}: {str(error)[:400]}{_where(error)}")
    if case.check is not None:
        try:
            with time_limit(4 * timeout):
                case.check(value)
        except AssertionError as error:
            return Result(case, WRONG, str(error)[:600], value)
        except Hang as error:
            return Result(case, WRONG, f"the independent check hung: {error}", value)
        except Exception as error:
            detail = f"the check failed with {type(error).__name__}: {error}{_where(error)}"
            return Result(case, WRONG, detail, value)
    return Result(case, OK, "", value)


def assert_ok(case: Case, timeout: float = TIMEOUT) -> Result:
    """Run ``case``; fail the test unless it returns correctly or raises ConcordlabError."""
    result = run(case, timeout)
    if result.outcome not in (OK, ERROR):
        raise AssertionError(result.describe())
    return result


# --------------------------------------------------------------------------------------
# Drawing choices from hypothesis or from numpy
# --------------------------------------------------------------------------------------


class Chooser:
    """Choices drawn from hypothesis (``draw``) or from a seeded numpy Generator (``seed``)."""

    def __init__(self, draw: Callable[[Any], Any] | None = None, seed: int | None = None):
        self._draw = draw
        self._rng = np.random.default_rng(seed)

    def integer(self, low: int, high: int) -> int:
        """An int in ``[low, high]``."""
        if self._draw is not None:
            return self._draw(st.integers(low, high))
        return int(self._rng.integers(low, high + 1))

    def choice(self, options: Sequence[Any]) -> Any:
        """One of ``options`` (hypothesis shrinks towards the first)."""
        if self._draw is not None:
            return self._draw(st.sampled_from(list(options)))
        return options[int(self._rng.integers(len(options)))]

    def flag(self, probability: float = 0.5) -> bool:
        """True with about ``probability``."""
        if self._draw is not None:
            return self._draw(st.integers(0, 999)) < probability * 1000
        return bool(self._rng.random() < probability)

    def seed(self) -> int:
        """A seed for bulk numpy draws (thousands of samples)."""
        return self.integer(0, 2**31 - 1)


# --------------------------------------------------------------------------------------
# Nasty tokens and byte-level damage
# --------------------------------------------------------------------------------------

NA_TOKENS = ("", "NA", "nan", "NaN", "n/a")
NASTY_TOKENS = (
    *NA_TOKENS,
    "inf",
    "-inf",
    "Infinity",
    "1e308",
    "-1e308",
    "1e400",
    "1e-320",
    "oops",
    "0x10",
    "1_000",
    " 7 ",
    "\x00",
    "1\x002",
    "\x07",
    "\x0c3",
    "3\x1e",
    "true",
    "\u0661\u0662",
    "1" * 400,
    "--1",
    "+5",
    ".5",
    "5.",
    "1e5",
)
GARBAGE = (
    b"",
    b"\x00" * 64,
    b"\xff\xfe\x00\x01garbage\x80\x81",
    b"\x1f\x8b\x08\x00",  # a gzip header and nothing else
    b"PK\x03\x04truncated zip",
    b"\x89HDF\r\n\x1a\n" + b"\x00" * 32,
    bytes(range(256)) * 4,
)
BOM = "\ufeff"


def is_float(text: str) -> bool:
    """Whether Python's ``float`` accepts ``text``."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def cell_value(token: str) -> float | str:
    """The value a numeric cell means, or a str saying why it is not a number.

    Missing markers (empty, ``NA``, ``nan``, ``n/a``, ``null``, ``none``) are NaN; a
    number that is not finite is a reason (concordlab refuses infinite samples).
    """
    text = token.strip(" \t\n\r\x0b\x0c")  # ASCII whitespace, as C's isspace
    if text.lower() in ("", "na", "nan", "n/a", "null", "none"):
        return math.nan
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        return f"{token!r} is not a number"
    value = float(text)
    if not math.isfinite(value):
        return f"{token!r} is not finite"
    return value


def split_lines(text: str) -> list[str]:
    """Lines split on CR, LF or CRLF only (as a CSV parser does, unlike str.splitlines)."""
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def damage_bytes(chooser: Chooser, data: bytes) -> tuple[bytes, str]:
    """``data`` with one kind of damage: truncation, flipped bytes, a NUL, appended junk."""
    kind = chooser.choice(["truncate", "flip", "nul", "junk", "none"])
    if not data or kind == "none":
        return data, "undamaged"
    at = chooser.integer(0, len(data) - 1)
    if kind == "truncate":
        return data[:at], f"truncated to {at} bytes"
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :], f"byte {at} flipped"
    if kind == "nul":
        return data[:at] + b"\x00" + data[at:], f"NUL inserted at byte {at}"
    return data + b"\xff\xfe junk \x00", "junk appended"


def short(data: bytes | str, limit: int = 160) -> str:
    """A bounded repr of file content for failure reports."""
    text = repr(data[:limit])
    return text + (f"... ({len(data)} in all)" if len(data) > limit else "")


# --------------------------------------------------------------------------------------
# Independent checks of sessions
# --------------------------------------------------------------------------------------


def check(condition: bool, message: str) -> None:
    """Raise :class:`Wrong` with ``message`` unless ``condition``."""
    if not condition:
        raise Wrong(message)


def channel_data(session: xr.DataTree, channel: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """A channel's (time, values (person, time), attrs), copied out of the session."""
    node = session[channel].to_dataset(inherit=False)
    array = node[channel]
    return np.asarray(node["time"].values, dtype=float), np.asarray(array.values), array.attrs


def check_session(session: Any, what: str = "session") -> None:
    """Invariants of any session: per channel a finite, strictly increasing, regular time
    axis in seconds, a positive finite ``sampling_rate`` that matches it, values finite or
    NaN, and a (person, time) layout."""
    check(isinstance(session, xr.DataTree), f"{what} is a {type(session).__name__}")
    for name in concordlab.channels(session):
        time, values, attrs = channel_data(session, name)
        rate = attrs.get("sampling_rate")
        check(
            isinstance(rate, int | float | np.number) and not isinstance(rate, bool),
            f"{what}: channel {name!r} sampling_rate is {rate!r}",
        )
        rate = float(rate)
        check(math.isfinite(rate) and rate > 0, f"{what}: channel {name!r} sampling_rate {rate}")
        check(values.ndim == 2 and values.shape[1] == time.size, f"{what}: {name!r} shape")
        check(np.isfinite(time).all(), f"{what}: channel {name!r} has non-finite times")
        if time.size > 1:
            steps = np.diff(time)
            check(bool((steps > 0).all()), f"{what}: channel {name!r} time not increasing")
            median = float(np.median(steps))
            check(
                math.isclose(1 / median, rate, rel_tol=1e-6),
                f"{what}: channel {name!r} declares {rate} Hz but its times step {median} s",
            )
        if values.dtype.kind == "f":
            check(not np.isinf(values).any(), f"{what}: channel {name!r} holds infinite values")


def same(actual: np.ndarray, expected: np.ndarray) -> bool:
    """Equal shapes and values (NaN equal to NaN), to 1e-12 relative."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if actual.shape != expected.shape:
        return False
    if not np.array_equal(np.isnan(actual), np.isnan(expected)):
        return False
    keep = ~np.isnan(expected)
    return bool(np.allclose(actual[keep], expected[keep], rtol=1e-12, atol=0))


def first_difference(actual: np.ndarray, expected: np.ndarray) -> str:
    """Where two arrays first differ, for reports."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if actual.shape != expected.shape:
        return f"shape {actual.shape} instead of {expected.shape}"
    bad = ~(
        (np.isnan(actual) & np.isnan(expected)) | np.isclose(actual, expected, rtol=1e-12, atol=0)
    )
    if not bad.any():
        return "nowhere"
    at = tuple(int(i[0]) for i in np.nonzero(bad))
    return f"at {at}: {actual[at]!r} instead of {expected[at]!r} ({int(bad.sum())} differ)"


def check_placed(
    time: np.ndarray,
    row: np.ndarray,
    stamps: np.ndarray,
    values: np.ndarray,
    rate: float,
    what: str,
    clip: bool = False,
) -> None:
    """Every written (stamp, value) sits at the grid point nearest its stamp, within half a
    sample, and the rest of the row is NaN (``clip``: stamps outside the grid are dropped)."""
    expected = np.full(time.size, np.nan)
    if time.size == 0:
        check(clip or stamps.size == 0, f"{what}: no samples kept")
        return
    half = 0.5 / rate + 1e-9 * max(1.0, abs(float(time[0])))
    for stamp, value in zip(stamps, values, strict=True):
        j = int(np.clip(np.searchsorted(time, stamp), 0, time.size - 1))
        if j > 0 and abs(time[j - 1] - stamp) < abs(time[j] - stamp):
            j -= 1
        if abs(time[j] - stamp) > half:
            check(clip, f"{what}: the sample written at {stamp!r} s is not on the time axis")
            continue
        check(np.isnan(expected[j]), f"{what}: two samples written land on time {time[j]!r}")
        expected[j] = value
    check(same(row, expected), f"{what}: values differ {first_difference(row, expected)}")


# --------------------------------------------------------------------------------------
# Delimited text: read_csv
# --------------------------------------------------------------------------------------


@dataclass
class Table:
    """An independent parse of delimited text: column names (or None) and string cells."""

    header: list[str] | None
    rows: list[list[str]]


def parse_table(
    data: bytes,
    delimiter: str,
    min_rows: int = 2,
    allow_nul: bool = False,
    blank_is_missing: bool = False,
) -> Table | str:
    """Parse ``data`` by the documented rules of :func:`concordlab.read_csv`, without pandas.

    UTF-8 (a leading BOM dropped), leading ``#`` lines skipped, blank lines skipped, a header
    when any field of the first row is not a number. Returns a reason (str) when the text
    is not a table every row of which has as many cells as the first. With
    ``blank_is_missing`` (files of one sample per row, as E4's) a blank row before the
    last non-blank one is a row of missing cells, so that later rows keep their times.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    if text.startswith(BOM):
        text = text[1:]
    lines = split_lines(text)
    while lines and lines[0].lstrip().startswith("#"):
        lines.pop(0)
    if blank_is_missing:
        while lines and lines[-1].strip(" \t") == "":
            lines.pop()
    else:
        lines = [line for line in lines if line.strip(" \t") != ""]  # blank lines are skipped
    if "\x00" in text and not allow_nul:
        return "holds a NUL byte"
    if not lines:
        return "no rows"
    if delimiter == " ":
        rows = [line.split() for line in lines]
    else:
        rows = [next(csv.reader([line], delimiter=delimiter), []) or [""] for line in lines]
    fields = [f.strip() for f in rows[0]]
    header = None if all(is_float(f) for f in fields) else fields
    if header is not None:
        rows = rows[1:]
        if len(set(header)) != len(header):
            return f"duplicate column names {header}"
    if len(rows) < min_rows:
        return f"{len(rows)} data row(s)"
    width = len(fields)
    for index, row in enumerate(rows):
        if len(row) != width:
            return f"data row {index + 1} has {len(row)} cells, the first row {width}"
    return Table(header, rows)


def numeric(cells: Sequence[str], what: str) -> np.ndarray | str:
    """Cells as float64 with NaN for missing, or a reason naming the first bad cell."""
    out = np.empty(len(cells))
    for index, cell in enumerate(cells):
        value = cell_value(cell)
        if isinstance(value, str):
            return f"{what}, data row {index + 1}: {value}"
        out[index] = value
    return out


def _format_value(chooser: Chooser, style: str, value: float) -> str:
    if style == "repr":
        return repr(float(value))
    if style == "fixed":
        return f"{value:.3f}"
    if style == "int":
        return str(round(value))
    return f"{value:g}"


@dataclass
class CsvFile:
    """One generated file for read_csv: its bytes, the time column, the data columns."""

    path: Path
    data: bytes
    time_column: str | int | None
    description: str


def make_delimited(
    chooser: Chooser,
    path: Path,
    n_data_columns: int,
    rate: float,
    use_time: bool,
    delimiter: str,
    start: float = 0.0,
) -> CsvFile:
    """Write a delimited file with nasty tokens and damage drawn from ``chooser``."""
    rng = np.random.default_rng(chooser.seed())
    duration = chooser.integer(30, 120)
    n = int(duration * rate)
    header = chooser.flag(0.75)
    style = chooser.choice(["repr", "fixed", "int", "g"])
    names = [f"p{i}" for i in range(n_data_columns)]
    values = rng.normal(5, 2, (n, n_data_columns)).cumsum(axis=0) * 0.01 + 5
    cells = [[_format_value(chooser, style, v) for v in row] for row in values]
    notes = [f"{n} rows, {n_data_columns} data column(s), delimiter {delimiter!r}, {style}"]
    for _ in range(chooser.integer(0, 3) if chooser.flag(0.5) else 0):
        token = chooser.choice(NASTY_TOKENS)
        if delimiter == " " and token.strip(" ") != token:
            token = token.strip()
        row, col = chooser.integer(0, n - 1), chooser.integer(0, n_data_columns - 1)
        cells[row][col] = token
        notes.append(f"row {row + 1} col {col}: {token[:20]!r}")
    time_column: str | int | None = None
    if use_time:
        stamps = start + np.arange(n) / rate
        kind = chooser.choice(["regular", "regular", "jitter", "duplicate", "decrease", "gap"])
        if kind == "jitter":
            stamps = stamps + rng.uniform(-0.4, 0.4, n) / rate
        elif kind == "duplicate":
            at = chooser.integer(1, n - 1)
            stamps[at] = stamps[at - 1]
        elif kind == "decrease":
            at = chooser.integer(1, n - 1)
            stamps[[at - 1, at]] = stamps[[at, at - 1]]
        elif kind == "gap":
            at = chooser.integer(1, n - 2)
            stamps[at:] += chooser.choice([1, 5, 100, 1e6]) / rate
        stamp_style = chooser.choice(["repr", "%.6f", "%.2f", "%g"])
        texts = [repr(float(t)) if stamp_style == "repr" else stamp_style % t for t in stamps]
        for row, text in zip(cells, texts, strict=True):
            row.insert(0, text)
        names.insert(0, "time")
        time_column = "time" if header else 0
        notes.append(f"time stamps {kind} from {start!r} written {stamp_style}")
    lines = [delimiter.join(row) for row in cells]
    if header:
        duplicate = chooser.flag(0.1)
        head = list(names)
        if duplicate:
            head[-1] = head[0]
            notes.append("duplicate header")
        lines.insert(0, delimiter.join(head))
    if chooser.flag(0.1):
        lines.insert(0, "# exported by a device")
        notes.append("comment line")
    if chooser.flag(0.05):
        lines.append("x" * 200_000)
        notes.append("a 200 000 character last line")
    ending = chooser.choice(["\n", "\n", "\r\n", "\r"])
    text = ending.join(lines) + (ending if chooser.flag(0.8) else "")
    if chooser.flag(0.15):
        text = BOM + text
        notes.append("BOM")
    data = text.encode("utf-8")
    if chooser.flag(0.15):
        data, damage = damage_bytes(chooser, data)
        notes.append(damage)
    if chooser.flag(0.03):
        data = chooser.choice(GARBAGE)
        notes.append("replaced by garbage")
    notes.append(f"line ending {ending!r}")
    path.write_bytes(data)
    return CsvFile(path, data, time_column, "; ".join(notes))


def _expected_csv(file: CsvFile, delimiter: str, n_data: int) -> tuple[Any, Any] | str:
    """(stamps or None, (n_data, n) values) of one file, or why it is not readable."""
    table = parse_table(file.data, delimiter)
    if isinstance(table, str):
        return table
    width = len(table.rows[0])
    time_index = None
    if file.time_column is not None:
        if table.header is None:
            time_index = 0 if isinstance(file.time_column, int) else None
        else:
            time_index = table.header.index("time") if "time" in table.header else None
        if time_index is None:
            return "no time column"
    data_indices = [i for i in range(width) if i != time_index]
    if len(data_indices) != n_data:
        return f"{len(data_indices)} data columns"
    columns = []
    for i in data_indices:
        column = numeric([row[i] for row in table.rows], f"column {i}")
        if isinstance(column, str):
            return column
        columns.append(column)
    stamps = None
    if time_index is not None:
        stamps = numeric([row[time_index] for row in table.rows], "time column")
        if isinstance(stamps, str):
            return stamps
        if np.isnan(stamps).any():
            return "a missing time stamp"
        if not (np.diff(stamps) > 0).all():
            return "time stamps do not strictly increase"
    return stamps, np.vstack(columns)


def csv_case(chooser: Chooser, folder: Path) -> Case:
    """A read_csv case: one file with both persons or one file per person, a sampling rate
    or a time column, maybe two different sampling rates, with nasty cells and damage."""
    two_files = chooser.flag(0.3)
    delimiter = chooser.choice([",", "\t", ";", " "])
    rate = float(chooser.choice([4, 8, 10, 16, 25, 32]))
    use_time = chooser.flag(0.4)
    align = chooser.choice(["error", "trim", "pad"])
    files = []
    rates = [rate, rate]
    starts = [0.0, 0.0]
    if two_files and chooser.flag(0.3):
        rates[1] = float(chooser.choice([4, 8, 10, 16, 25, 32]))
    if two_files and use_time and chooser.flag(0.5):
        starts[1] = chooser.choice([0.5, 2.0, 1 / 3, 1e9])
    for index in range(2 if two_files else 1):
        files.append(
            make_delimited(
                chooser,
                folder / f"person{index}.csv",
                1 if two_files else 2,
                rates[index],
                use_time,
                delimiter,
                starts[index],
            )
        )
    sampling_rate = None if use_time and chooser.flag(0.7) else rate
    options: dict[str, Any] = {"channel": "eda", "align": align}
    if use_time:
        options["time_column"] = files[0].time_column
        if files[0].time_column != (files[-1].time_column):
            options["time_column"] = "time"
    paths = [f.path for f in files] if two_files else files[0].path
    label = (
        f"read_csv(sampling_rate={sampling_rate}, {options}) of "
        + " and ".join(f"[{f.description}] {short(f.data)}" for f in files)
        + f"; rates written {rates[: len(files)]}, starts {starts[: len(files)]}"
    )
    expected = [_expected_csv(f, delimiter, 1 if two_files else 2) for f in files]

    def call() -> Any:
        return concordlab.read_csv(paths, sampling_rate, **options)

    def verify(session: Any) -> None:
        check_session(session)
        reasons = [e for e in expected if isinstance(e, str)]
        check(not reasons, f"read a file an independent parse refuses: {reasons}")
        time, values, attrs = channel_data(session, "eda")
        got_rate = float(attrs["sampling_rate"])
        if sampling_rate is not None:
            check(
                got_rate == sampling_rate,
                f"sampling_rate {got_rate} but sampling_rate={sampling_rate} was given",
            )
        if use_time:
            for index, (stamps, _) in enumerate(expected):
                median = 1 / float(np.median(np.diff(stamps)))
                check(
                    math.isclose(got_rate, rates[index], rel_tol=1e-6)
                    or abs(got_rate - median) <= 0.01 * median,
                    f"sampling_rate {got_rate} Hz but file {index} was written at "
                    f"{rates[index]} Hz and steps at {median:.6g} Hz",
                )
            rows = [(s, v[p]) for s, v in expected for p in range(v.shape[0])]
            for person, (stamps, row) in enumerate(rows):
                check_placed(
                    time,
                    values[person],
                    stamps,
                    row,
                    got_rate,
                    f"person {person}",
                    clip=align == "trim",
                )
        else:
            rows = [v[p] for _, v in expected for p in range(v.shape[0])]
            lengths = [r.size for r in rows]
            if align == "error":
                check(len(set(lengths)) == 1, f"files of {lengths} samples read with align=error")
            n = min(lengths) if align == "trim" else max(lengths)
            want = np.full((2, n), np.nan)
            for person, row in enumerate(rows):
                want[person, : min(n, row.size)] = row[:n]
            check(same(values, want), f"values differ {first_difference(values, want)}")
            steps = np.arange(n) / got_rate
            check(
                same(time, steps),
                f"time axis is not 0, 1/sampling_rate, ...: {first_difference(time, steps)}",
            )

    return Case("read_csv", label, call, verify)


# --------------------------------------------------------------------------------------
# BIDS physio: read_bids_physio
# --------------------------------------------------------------------------------------

SIDECAR_VALUES = (
    "16",
    [16],
    {"Hz": 16},
    True,
    None,
    0,
    -4,
    1e308,
    10**400,
    math.nan,
    math.inf,
    1e-300,
    2e6,
)


def _json_text(chooser: Chooser, sidecar: Any) -> tuple[str, str]:
    text = json.dumps(sidecar, indent=2, allow_nan=True, default=str)
    kind = "valid"
    if chooser.flag(0.15):
        kind = chooser.choice(["truncated", "trailing comma", "bom", "not json"])
    if kind == "truncated":
        return text[: chooser.integer(0, max(0, len(text) - 1))], "truncated JSON"
    if kind == "trailing comma":
        return text.rstrip("}\n ") + ",}", "trailing comma"
    if kind == "bom":
        return BOM + text, "BOM in JSON"
    if kind == "not json":
        return chooser.choice(["", "[]", "null", "16", '"text"', "\x00\x01"]), "not an object"
    return text, "valid JSON"


def _expected_sidecar(text: str, n_columns: int) -> tuple[float, float, list[str]] | str:
    try:
        sidecar = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return "the sidecar is not JSON"
    if not isinstance(sidecar, dict):
        return "the sidecar is not an object"
    rate, start, columns = (sidecar.get(k) for k in ("SamplingFrequency", "StartTime", "Columns"))
    for name, value in (("SamplingFrequency", rate), ("StartTime", start)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{name} is {value!r}"
        if not math.isfinite(float(value)) or abs(float(value)) > 1e15:
            return f"{name} is {value!r}"
    if not 0 < rate <= 1e6:
        return f"SamplingFrequency {rate!r}"
    if not isinstance(columns, list) or not all(isinstance(c, str) and c for c in columns):
        return f"Columns is {columns!r}"
    if len(columns) != n_columns or len({c.lower() for c in columns}) != len(columns):
        return f"Columns {columns!r} for {n_columns} data columns"
    return float(rate), float(start), [c.lower() for c in columns]


def bids_case(chooser: Chooser, folder: Path) -> Case:
    """A read_bids_physio case: two persons' ``*_physio.tsv.gz`` and JSON sidecars with
    bad sidecar values, bad JSON, nasty cells, damaged gzip and different rates."""
    n_columns = chooser.integer(1, 2)
    columns = ["EDA", "cardiac"][:n_columns]
    rate = float(chooser.choice([4, 8, 16, 32]))
    files, written = [], []
    notes = []
    for person in range(2):
        rng = np.random.default_rng(chooser.seed())
        person_rate = rate
        if person == 1 and chooser.flag(0.15):
            person_rate = float(chooser.choice([4, 8, 16, 32, 16.5]))
        start = chooser.choice([0.0, -2.0, 1.5, 0.25])
        if chooser.flag(0.1):
            start = chooser.choice([0.1, 1e308, -1e9, 1 / 3])
        n = int(chooser.integer(30, 120) * person_rate)
        values = np.round(rng.normal(2, 0.5, (n, n_columns)), 5)
        cells = [[repr(float(v)) for v in row] for row in values]
        for _ in range(chooser.integer(0, 2) if chooser.flag(0.4) else 0):
            token = chooser.choice(NASTY_TOKENS)
            cells[chooser.integer(0, n - 1)][chooser.integer(0, n_columns - 1)] = token.replace(
                "\t", " "
            )
        sidecar: dict[str, Any] = {
            "SamplingFrequency": person_rate,
            "StartTime": start,
            "Columns": list(columns),
        }
        if chooser.flag(0.1):
            key = chooser.choice(["SamplingFrequency", "StartTime", "Columns"])
            sidecar[key] = chooser.choice(
                [*SIDECAR_VALUES, ["EDA", "EDA"], ["a", "b", "c"], [], "EDA"]
            )
        if chooser.flag(0.05):
            del sidecar[chooser.choice(["SamplingFrequency", "StartTime", "Columns"])]
        if chooser.flag(0.1):
            sidecar["EDA"] = chooser.choice([{"Units": 5}, "uS", {"Units": "\x00"}, []])
        json_text, json_kind = _json_text(chooser, sidecar)
        ending = chooser.choice(["\n", "\r\n"])
        lines = ["\t".join(row) for row in cells]
        if chooser.flag(0.05):
            lines.insert(0, "\t".join(columns))
        text = ending.join(lines) + ending
        raw = text.encode("utf-8")
        gz = chooser.flag(0.85)
        data = gzip.compress(raw, mtime=0) if gz else raw
        damage = "undamaged"
        if chooser.flag(0.1):
            data, damage = damage_bytes(chooser, data)
        if chooser.flag(0.02):
            data = chooser.choice(GARBAGE)
            damage = "garbage"
        stem = f"sub-0{person + 1}_task-fuzz_physio"
        path = folder / f"sub-0{person + 1}" / (stem + (".tsv.gz" if gz else ".tsv"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        (path.parent / f"{stem}.json").write_text(json_text, encoding="utf-8")
        files.append(path)
        written.append((data, gz, json_text))
        notes.append(
            f"[person {person}: sidecar {short(json_text, 200)} ({json_kind}); "
            f"{n} rows, {'gzip' if gz else 'plain'}, {damage}: {short(raw, 100)}]"
        )
    label = "read_bids_physio(events=False, start_time='') of " + " ".join(notes)

    def expected(data: bytes, gz: bool, json_text: str) -> Any:
        meta = _expected_sidecar(json_text, n_columns)
        if isinstance(meta, str):
            return meta
        if gz:
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError, zlib_error()):
                return "damaged gzip"
        table = parse_table(data, "\t")
        if isinstance(table, str):
            return table
        if table.header is not None:
            return "a header row"
        if len(table.rows[0]) != n_columns:
            return "column count"
        out = []
        for i in range(n_columns):
            column = numeric([row[i] for row in table.rows], f"column {i}")
            if isinstance(column, str):
                return column
            out.append(column)
        return meta, np.vstack(out)

    def call() -> Any:
        return concordlab.read_bids_physio(files[0], files[1], events=False, start_time="")

    def verify(session: Any) -> None:
        check_session(session)
        parsed = [expected(*w) for w in written]
        reasons = [p for p in parsed if isinstance(p, str)]
        check(not reasons, f"read files an independent parse refuses: {reasons}")
        (rate0, _, names), _ = parsed[0]
        rate1 = parsed[1][0][0]
        for index, name in enumerate(names):
            time, values, attrs = channel_data(session, name)
            got = float(attrs["sampling_rate"])
            check(
                got == rate0 and got == rate1,
                f"channel {name!r} sampling_rate {got} but the sidecars say {rate0} and {rate1}",
            )
            for person, ((_, start, _), matrix) in enumerate(parsed):
                stamps = start + np.arange(matrix.shape[1]) / got
                check_placed(time, values[person], stamps, matrix[index], got, f"{name} {person}")

    return Case("read_bids_physio", label, call, verify)


def zlib_error() -> type[Exception]:
    """The exception class zlib raises on damaged data."""
    import zlib

    return zlib.error


# --------------------------------------------------------------------------------------
# Empatica E4 exports: read_e4
# --------------------------------------------------------------------------------------

E4_START = 1_495_437_325


def e4_case(chooser: Chooser, folder: Path) -> Case:
    """A read_e4 case: two exports (folders or zips) of EDA.csv (and maybe HR.csv) with bad
    start and rate rows, nasty cells, damage and different rates."""
    exports, written = [], []
    notes = []
    align = chooser.choice(["pad", "pad", "start"])
    with_hr = chooser.flag(0.3)
    rate = float(chooser.choice([4, 8, 16, 32]))
    for person in range(2):
        rng = np.random.default_rng(chooser.seed())
        export = folder / f"{E4_START + person}_A0{person}"
        export.mkdir()
        person_rate = rate if person == 0 or chooser.flag(0.85) else chooser.choice([2.0, 8.0])
        offset = chooser.choice([0, 5, 10.25, 3.1, -7]) if person else 0
        if person and chooser.flag(0.05):
            offset = chooser.choice([1e308, 1e12, -1e10])
        start = E4_START + offset
        start_text, rate_text = f"{start:.6f}", f"{person_rate:.6f}"
        if chooser.flag(0.1):
            start_text = chooser.choice(["", "text", "nan", "inf", "-1", "1e308"])
        if chooser.flag(0.1):
            rate_text = chooser.choice(["0", "-4", "nan", "x", "1e308", "1e-300"])
        n = int(chooser.integer(30, 120) * person_rate)
        values = np.round(0.8 + 0.3 * rng.standard_normal(n), 6)
        cells = [f"{v:.6f}" for v in values]
        for _ in range(chooser.integer(0, 2) if chooser.flag(0.4) else 0):
            cells[chooser.integer(0, n - 1)] = chooser.choice(NASTY_TOKENS).replace(",", ".")
        ending = chooser.choice(["\n", "\r\n"])
        text = ending.join([start_text, rate_text, *cells]) + ending
        if chooser.flag(0.1):
            text = BOM + text
        data = text.encode("utf-8")
        damage = "undamaged"
        if chooser.flag(0.1):
            data, damage = damage_bytes(chooser, data)
        if chooser.flag(0.03):
            data = chooser.choice(GARBAGE)
            damage = "garbage"
        (export / "EDA.csv").write_bytes(data)
        if with_hr:
            hr = "".join(f"{72 + i % 5}.00\n" for i in range(n // int(person_rate) - 10))
            (export / "HR.csv").write_text(f"{start + 10:.6f}\n1.000000\n{hr}")
        (export / "tags.csv").write_text(chooser.choice(["", f"{start + 3:.2f}\n", "x\n"]))
        (export / "IBI.csv").write_text(f"{start:.6f}, IBI\n")
        target: Path = export
        if chooser.flag(0.2):
            target = folder / f"export{person}.zip"
            with zipfile.ZipFile(target, "w") as archive:
                for item in sorted(export.iterdir()):
                    archive.write(item, item.name)
            if chooser.flag(0.3):
                blob = target.read_bytes()
                target.write_bytes(blob[: chooser.integer(0, len(blob) - 1)])
                damage += ", zip truncated"
            shutil.rmtree(export)
        exports.append(target)
        written.append(data)
        notes.append(
            f"[person {person}: {'zip' if target.suffix == '.zip' else 'folder'}, EDA.csv "
            f"{n} samples, {damage}: {short(data, 120)}]"
        )
    label = f"read_e4(align={align!r}, hr={with_hr}) of " + " ".join(notes)

    def expected(data: bytes) -> Any:
        table = parse_table(data, ",", blank_is_missing=True)  # one sample per row
        if isinstance(table, str):
            return table
        lines = [table.header, *table.rows] if table.header is not None else table.rows
        if len(lines) < 4 or any(len(row) != 1 for row in lines):
            return "not an E4 channel file"
        start, file_rate = cell_value(lines[0][0]), cell_value(lines[1][0])
        if isinstance(start, str) or isinstance(file_rate, str):
            return "bad start or rate"
        if math.isnan(start) or math.isnan(file_rate) or not 0 < file_rate <= 1e6:
            return "bad start or rate"
        column = numeric([row[0] for row in lines[2:]], "EDA")
        if isinstance(column, str):
            return column
        return start, file_rate, column

    def call() -> Any:
        return concordlab.read_e4(exports[0], exports[1], align=align, channels="eda")

    def verify(session: Any) -> None:
        check_session(session)
        parsed = [expected(d) for d in written]
        reasons = [p for p in parsed if isinstance(p, str)]
        check(not reasons, f"read files an independent parse refuses: {reasons}")
        time, values, attrs = channel_data(session, "eda")
        got = float(attrs["sampling_rate"])
        check(
            got == parsed[0][1] == parsed[1][1],
            f"eda sampling_rate {got} but the files say {parsed[0][1]} and {parsed[1][1]}",
        )
        first = min(p[0] for p in parsed) if align == "pad" else parsed[0][0]
        for person, (start, _, column) in enumerate(parsed):
            begin = start - first if align == "pad" else 0.0
            stamps = time[0] + begin + np.arange(column.size) / got
            check_placed(time, values[person], stamps, column, got, f"eda person {person}")

    return Case("read_e4", label, call, verify)


# --------------------------------------------------------------------------------------
# BIDS events: read_events_tsv
# --------------------------------------------------------------------------------------

EVENT_NUMBERS = ("0", "1.5", "-3", "n/a", "nan", "inf", "1e308", "1e400", "oops", "", "59.99")
EVENT_PERSONS = ("both", "patient", "therapist", "n/a", "", "stranger", "PATIENT")
EVENT_LABELS = ("talk", "", "n/a", "a\x07b", "tab\x0bbed", "long" * 500, "é ✓", "\x00")


def small_session(duration: float = 60.0, rate: float = 4.0, seed: int = 0) -> xr.DataTree:
    """A two-person session with one channel ``eda`` of ``duration`` s at ``rate`` Hz."""
    rng = np.random.default_rng(seed)
    n = int(duration * rate)
    eda = 2 + np.cumsum(rng.normal(0, 0.05, (2, n)), axis=1)
    return concordlab.from_arrays({"eda": eda}, rate, session_id=f"fuzz-{seed}")


def events_case(chooser: Chooser, folder: Path) -> Case:
    """A read_events_tsv case: rows of nasty onsets, durations, labels and persons."""
    session = small_session()
    drop_instant = chooser.flag(0.5)
    replace = chooser.flag(0.7)
    header = ["onset", "duration", "trial_type", "person", "note"]
    if chooser.flag(0.1):
        header = chooser.choice(
            [["onset", "onset", "trial_type"], ["duration", "trial_type"], ["a", "b"]]
        )
    rows = []
    for _ in range(chooser.integer(0, 6)):
        onset = chooser.choice([f"{chooser.integer(0, 55)}.5", *EVENT_NUMBERS])
        duration = chooser.choice([f"{chooser.integer(1, 4)}", *EVENT_NUMBERS])
        rows.append(
            [
                onset,
                duration,
                chooser.choice(EVENT_LABELS),
                chooser.choice(EVENT_PERSONS),
                chooser.choice(["", "note", "n/a"]),
            ][: len(header)]
        )
    ending = chooser.choice(["\n", "\r\n"])
    text = ending.join("\t".join(row) for row in [header, *rows]) + ending
    if chooser.flag(0.1):
        text = BOM + text
    data = text.encode("utf-8")
    if chooser.flag(0.1):
        data, _ = damage_bytes(chooser, data)
    if chooser.flag(0.03):
        data = chooser.choice(GARBAGE)
    path = folder / "sub-01_task-fuzz_events.tsv"
    path.write_bytes(data)
    label = f"read_events_tsv(60 s session, drop_instant={drop_instant}) of {short(data, 400)}"

    def verify(result: Any) -> None:
        check_session(result)
        table = concordlab.segments(result)
        parsed = parse_table(data, "\t", min_rows=0, allow_nul=True)
        check(not isinstance(parsed, str), f"read a file an independent parse refuses: {parsed}")
        check(parsed.header is not None, "read an events file without a header")
        names = parsed.header
        check("onset" in names and "duration" in names, f"read events with header {names}")
        want = []
        for row in parsed.rows:
            cells = dict(zip(names, row, strict=True))
            onset, duration = cell_value(cells["onset"]), cell_value(cells["duration"])
            check(not isinstance(onset, str), f"accepted onset {cells['onset']!r}")
            check(not isinstance(duration, str), f"accepted duration {cells['duration']!r}")
            check(not math.isnan(onset), f"accepted a missing onset in {row}")
            if math.isnan(duration) or duration == 0:
                check(drop_instant, f"kept an instant event {row} without drop_instant")
                continue
            check(duration > 0, f"accepted a negative duration in {row}")
            want.append((onset, onset + duration))
        starts = np.asarray(table["start"], dtype=float)
        ends = np.asarray(table["end"], dtype=float)
        check(bool((starts < ends).all()), "a segment ends before it starts")
        check(bool((starts >= 0).all() and (ends <= 60.0 + 1e-9).all()), "segment outside")
        got = sorted(zip(starts.tolist(), ends.tolist(), strict=True))
        if replace:
            check(
                len(got) == len(want)
                and all(
                    math.isclose(a, c) and math.isclose(b, d)
                    for (a, b), (c, d) in zip(got, sorted(want), strict=True)
                ),
                f"segments {got} but the file holds {sorted(want)}",
            )

    return Case(
        "read_events_tsv",
        label,
        lambda: concordlab.read_events_tsv(
            session, path, drop_instant=drop_instant, replace=replace
        ),
        verify,
    )


# --------------------------------------------------------------------------------------
# Saved sessions: load
# --------------------------------------------------------------------------------------


def store_session(seed: int = 0) -> xr.DataTree:
    """A small session with two channels at different rates, segments and a result."""
    session = concordlab.simulate_dyad(60, sampling_rate=8, hr_sampling_rate=4, seed=seed)
    session = concordlab.add_segment(session, 5, 15, "talk", person="therapist")
    return concordlab.add_result(session, "c", concordlab.concordance(session, window=10))


def store_files(path: Path) -> list[Path]:
    """The files of a saved session (the file itself, or every file of a Zarr store)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return [path]


def damage_store(chooser: Chooser, path: Path) -> str:
    """Damage a saved session in place; return what was done."""
    files = store_files(path)
    if path.is_dir():
        metadata = [p for p in files if p.name.startswith(".") or p.name == "zarr.json"]
        chunks = [p for p in files if p not in metadata]
        kind = chooser.choice(
            ["delete chunk", "corrupt chunk", "delete metadata", "corrupt metadata", "flip"]
        )
        pool = metadata if "metadata" in kind else chunks
        target = chooser.choice(pool or files)
        name = target.relative_to(path)
        if kind.startswith("delete"):
            target.unlink()
            return f"{kind} {name}"
        data = target.read_bytes()
        if kind == "corrupt metadata" and chooser.flag(0.5):
            target.write_text(chooser.choice(["", "{", "[]", '{"zarr_format": 99}', "\x00"]))
            return f"{kind} {name}: replaced"
        damaged, what = damage_bytes(chooser, data)
        target.write_bytes(damaged)
        return f"{kind} {name}: {what}"
    data = path.read_bytes()
    kind = chooser.choice(["flip", "flip", "truncate", "zero block", "garbage"])
    if kind == "truncate":
        at = chooser.integer(0, len(data) - 1)
        path.write_bytes(data[:at])
        return f"truncated to {at} of {len(data)} bytes"
    if kind == "zero block":
        at = chooser.integer(0, len(data) - 1)
        size = chooser.integer(1, 4096)
        path.write_bytes(data[:at] + b"\x00" * len(data[at : at + size]) + data[at + size :])
        return f"{size} bytes zeroed at {at}"
    if kind == "garbage":
        path.write_bytes(chooser.choice(GARBAGE))
        return "replaced by garbage"
    flips = []
    buffer = bytearray(data)
    for _ in range(chooser.integer(1, 8)):
        at = chooser.integer(0, len(data) - 1)
        buffer[at] ^= 1 << chooser.integer(0, 7)
        flips.append(at)
    path.write_bytes(bytes(buffer))
    return f"bits flipped at bytes {flips}"


_SAVED: dict[int, xr.DataTree] = {}


def load_case(chooser: Chooser, folder: Path) -> Case:
    """A load case: a saved .nc or .zarr session damaged in one way; a session that loads
    must be identical to the one saved."""
    seed = chooser.integer(0, 2)
    if seed not in _SAVED:
        _SAVED[seed] = store_session(seed)
    original = _SAVED[seed]
    suffix = chooser.choice([".nc", ".zarr"])
    path = folder / f"dyad{suffix}"
    concordlab.save(original, path)
    damage = damage_store(chooser, path) if chooser.flag(0.9) else "undamaged"
    label = f"load({path.name}) after: {damage}"

    def verify(loaded: Any) -> None:
        check(isinstance(loaded, xr.DataTree), f"load returned {type(loaded).__name__}")
        check(loaded.identical(original), "loaded a session that is not identical to the saved")

    # HDF5 can hang in C on a damaged .nc: fork that; zarr's event-loop thread would not
    # survive a fork, so Zarr stores are read here, under SIGALRM.
    return Case("load", label, lambda: concordlab.load(path), verify, isolate=suffix == ".nc")


# --------------------------------------------------------------------------------------
# Parameter fuzzing of constructors, compute functions, preprocess, stats, cohorts
# --------------------------------------------------------------------------------------

BAD_VALUES: tuple[tuple[str, Any], ...] = (
    ("str", "5"),
    ("empty str", ""),
    ("True", True),
    ("False", False),
    ("None", None),
    ("list", [5.0]),
    ("empty list", []),
    ("complex", 1 + 2j),
    ("dict", {"a": 1}),
    ("nan", math.nan),
    ("inf", math.inf),
    ("-inf", -math.inf),
    ("0", 0),
    ("0.0", 0.0),
    ("-1", -1),
    ("-1e-9", -1e-9),
    ("1e308", 1e308),
    ("10**400", 10**400),
    ("1e-300", 1e-300),
    ("2**63", 2**63),
    ("np.nan", np.float64("nan")),
    ("np.int64", np.int64(3)),
)
#: Kinds of bad value no numeric parameter may accept silently.
NEVER_A_NUMBER = {"str", "empty str", "True", "False", "list", "empty list", "complex", "dict"}
NEVER_A_NUMBER |= {"nan", "np.nan"}


def _fresh(value: Any) -> Any:
    """A copy of a mutable bad value, so no case sees another's mutation."""
    return json.loads(json.dumps(value)) if isinstance(value, list | dict) else value


def check_array(value: Any, what: str, bounded: bool = False, allow_inf: bool = False) -> None:
    """An xarray result: float values finite or NaN (``allow_inf``: also ±inf), within
    [-1, 1] when ``bounded``, with finite coordinates in seconds."""
    items = value.data_vars.items() if isinstance(value, xr.Dataset) else [(value.name, value)]
    for name, array in items:
        data = np.asarray(array.values)
        if data.dtype.kind not in "fc":
            continue
        if not allow_inf:
            check(not np.isinf(data).any(), f"{what}: {name} holds infinite values")
        if bounded and data.size and "lag" not in str(name):
            finite = data[np.isfinite(data)]
            check(
                bool((np.abs(finite) <= 1 + 1e-9).all()),
                f"{what}: {name} outside [-1, 1]: {finite[np.abs(finite) > 1 + 1e-9][:3]}",
            )
    for name in ("time", "window_start", "window_end", "lag"):
        if name in value.coords:
            coord = np.asarray(value.coords[name].values, dtype=float)
            check(np.isfinite(coord).all(), f"{what}: coordinate {name} not finite")
    if "time" in value.coords and value.coords["time"].size > 1:
        time = np.asarray(value.coords["time"].values, dtype=float)
        check(bool((np.diff(time) > 0).all()), f"{what}: time not increasing")


def check_segments_table(table: Any, what: str) -> None:
    """A segments-like DataFrame: finite start < end."""
    check(isinstance(table, pd.DataFrame), f"{what} is a {type(table).__name__}")
    if len(table):
        start = np.asarray(table["start"], dtype=float)
        end = np.asarray(table["end"], dtype=float)
        check(bool(np.isfinite(start).all() and np.isfinite(end).all()), f"{what}: not finite")
        check(bool((start < end).all()), f"{what}: a moment ends before it starts")


def check_any(value: Any, what: str, bounded: bool = False, allow_inf: bool = False) -> None:
    """Dispatch to the invariant of whatever a concordlab function returned."""
    if isinstance(value, xr.DataTree):
        check_session(value, what)
    elif isinstance(value, xr.DataArray | xr.Dataset):
        check_array(value, what, bounded, allow_inf)
    elif isinstance(value, pd.DataFrame):
        if "start" in value.columns:
            check_segments_table(value, what)
    elif isinstance(value, tuple):
        for item in value:
            check_any(item, what, bounded, allow_inf)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_any(item, f"{what}[{key!r}]", bounded, allow_inf)
    elif hasattr(value, "__dataclass_fields__"):
        check_stats(value, what)


def check_stats(value: Any, what: str) -> None:
    """A stats result: p-values in [0, 1] or NaN, estimates finite or NaN, CIs ordered."""
    for name in value.__dataclass_fields__:
        item = getattr(value, name)
        if hasattr(item, "__dataclass_fields__"):
            check_stats(item, f"{what}.{name}")
        elif name == "p_value":
            check(math.isnan(item) or 0 <= item <= 1, f"{what}: p_value {item}")
        elif name.endswith("_ci") or name == "ci":
            low, high = item
            check(math.isnan(low) or math.isnan(high) or low <= high, f"{what}.{name} = {item}")
        elif isinstance(item, float) and name not in ("z", "d", "g"):
            check(not math.isinf(item), f"{what}.{name} = {item}")


@dataclass
class Target:
    """A function under parameter fuzzing: how to call it with valid defaults, which
    parameters are numeric (never a str, bool, list, dict, complex or NaN) and its check."""

    name: str
    call: Callable[..., Any]
    numeric: tuple[str, ...]
    other: tuple[str, ...] = ()
    bounded: bool = False
    allow_inf: bool = False


def _ctx() -> dict[str, Any]:
    """Shared valid inputs of the parameter fuzz (built once per process)."""
    if "session" not in _CONTEXT:
        session = concordlab.simulate_dyad(90, sampling_rate=8, hr_sampling_rate=4, seed=1)
        session = concordlab.add_segment(session, 10, 30, "laugh")
        series = concordlab.concordance(session, "eda", window=10)
        lagged = concordlab.wlcc(session, "eda", window=10, step=2, max_lag=3)
        cohort = {f"d{i}": concordlab.simulate_dyad(60, seed=i, sampling_rate=4) for i in range(4)}
        rng = np.random.default_rng(0)
        _CONTEXT.update(
            session=session,
            series=series,
            lagged=lagged,
            cohort=cohort,
            x=rng.normal(size=12),
            y=rng.normal(size=12),
            groups=np.repeat(["a", "b"], 6),
            eda=2 + np.cumsum(rng.normal(0, 0.05, (2, 480)), axis=1),
        )
    return _CONTEXT


_CONTEXT: dict[str, Any] = {}


def _stat(session: xr.DataTree) -> float:
    """A cheap statistic for surrogate_test: the mean lag-0 correlation of eda."""
    values = session["eda"]["eda"].values
    return float(np.corrcoef(values)[0, 1])


def targets() -> list[Target]:
    """Every function of the public API with its numeric and choice parameters."""
    c = _ctx
    pp = concordlab.preprocess
    sx = concordlab.stats
    return [
        Target(
            "from_arrays",
            lambda **k: concordlab.from_arrays(
                {"eda": c()["eda"]}, k.pop("sampling_rate", 8.0), **k
            ),
            ("sampling_rate", "time_offset"),
            ("persons", "units", "start_time", "session_id", "metadata"),
        ),
        Target(
            "add_channel",
            lambda **k: concordlab.add_channel(
                c()["session"], "resp", c()["eda"], k.pop("sampling_rate", 8.0), **k
            ),
            ("sampling_rate", "time_offset"),
            ("units", "long_name", "persons"),
        ),
        Target(
            "add_segment",
            lambda **k: concordlab.add_segment(
                c()["session"], k.pop("start", 1.0), k.pop("end", 5.0), k.pop("label", "x"), **k
            ),
            ("start", "end"),
            ("label", "person", "note"),
        ),
        Target(
            "set_segments",
            lambda **k: concordlab.set_segments(
                c()["session"],
                pd.DataFrame(
                    {
                        "start": [k.get("start", 1.0)],
                        "end": [k.get("end", 5.0)],
                        "label": [k.get("label", "x")],
                        "person": ["both"],
                        "note": [""],
                    }
                ),
            ),
            ("start", "end"),
            ("label",),
        ),
        Target(
            "simulate_dyad",
            lambda **k: concordlab.simulate_dyad(
                k.pop("duration", 30.0), **{"sampling_rate": 4.0, "seed": 0, **k}
            ),
            (
                "duration",
                "coupling",
                "lag",
                "sampling_rate",
                "talk_coupling",
                "mean_turn",
                "hr_sampling_rate",
            ),
            ("turns", "seed", "channels", "persons"),
        ),
        Target(
            "concordance",
            lambda **k: concordlab.concordance(c()["session"], "eda", **k),
            ("window", "step", "slope_window", "max_lag", "lag_step", "peak_search", "min_valid"),
            ("method",),
            bounded=True,
        ),
        Target(
            "concordance[wlcc_peak]",
            lambda **k: concordlab.concordance(
                c()["session"], "eda", **{"method": "wlcc_peak", **k}
            ),
            ("window", "step", "max_lag", "lag_step", "peak_search", "min_valid"),
            bounded=True,
        ),
        Target(
            "concordance_index",
            lambda **k: concordlab.concordance_index(k.get("result", c()["series"])),
            (),
            ("result",),
            allow_inf=True,
        ),
        Target(
            "wlcc",
            lambda **k: concordlab.wlcc(
                c()["session"], "eda", **{"window": 10, "step": 2, "max_lag": 3, **k}
            ),
            ("window", "step", "max_lag", "lag_step", "min_valid"),
            ("fisher_z", "absolute"),
            bounded=False,
        ),
        Target(
            "wlcc_summary",
            lambda **k: concordlab.wlcc_summary(k.get("result", c()["lagged"])),
            (),
            ("result",),
        ),
        Target(
            "wlcc_peaks",
            lambda **k: concordlab.wlcc_peaks(c()["lagged"], **k),
            ("search", "neighbourhood", "smooth"),
            bounded=True,
        ),
        Target(
            "moments",
            lambda **k: concordlab.moments(c()["series"], **k),
            ("n", "duration", "min_gap"),
            ("kind", "label"),
        ),
        Target(
            "add_moments",
            lambda **k: concordlab.add_moments(c()["session"], c()["series"], **k),
            ("n", "duration", "min_gap"),
            ("kind", "label"),
        ),
        Target(
            "by_segment",
            lambda **k: concordlab.by_segment(
                c()["session"], c()["series"], **{"n_boot": 50, "seed": 0, **k}
            ),
            ("n_boot", "confidence"),
            ("labels", "seed"),
        ),
        Target(
            "surrogate_test",
            lambda **k: concordlab.surrogate_test(
                c()["session"], _stat, **{"n_surrogates": 19, "seed": 0, "progress": False, **k}
            ),
            ("n_surrogates", "min_shift"),
            ("method", "alternative", "seed", "progress"),
        ),
        Target(
            "surrogate_test[segment_shuffle]",
            lambda **k: concordlab.surrogate_test(
                c()["session"],
                _stat,
                **{
                    "method": "segment_shuffle",
                    "segment_length": 10,
                    "n_surrogates": 9,
                    "seed": 0,
                    **k,
                },
            ),
            ("segment_length", "n_surrogates"),
            ("progress",),
        ),
        Target(
            "pseudo_dyads",
            lambda **k: concordlab.pseudo_dyads(c()["cohort"], **{"seed": 0, **k}),
            ("n_surrogates",),
            ("keep_roles", "channels", "seed"),
        ),
        Target(
            "segment_shuffle",
            lambda **k: concordlab.segment_shuffle(
                c()["session"], k.pop("segment_length", 10.0), **{"seed": 0, **k}
            ),
            ("segment_length",),
            ("seed", "channels", "person"),
        ),
        Target(
            "circular_shift",
            lambda **k: concordlab.circular_shift(c()["session"], **{"seed": 0, **k}),
            ("min_shift",),
            ("seed", "channels", "person"),
        ),
        Target(
            "preprocess.detrend",
            lambda **k: pp.detrend(c()["session"], **k),
            (),
            ("kind", "channels"),
        ),
        Target(
            "preprocess.downsample",
            lambda **k: pp.downsample(c()["session"], **(k or {"factor": 2})),
            ("factor", "sampling_rate"),
            ("channels",),
        ),
        Target(
            "preprocess.eda_components",
            lambda **k: pp.eda_components(c()["session"], **k),
            ("cutoff", "window"),
            ("method", "channel"),
        ),
        Target(
            "preprocess.lowpass",
            lambda **k: pp.lowpass(c()["session"], k.pop("cutoff", 1.0), **k),
            ("cutoff", "order"),
            ("channels",),
        ),
        Target(
            "preprocess.mask_artefacts",
            lambda **k: pp.mask_artefacts(c()["session"], **k),
            ("max_jump", "pad"),
            ("valid_range", "as_segments", "channels"),
        ),
        Target(
            "preprocess.smooth",
            lambda **k: pp.smooth(c()["session"], k.pop("window", 2.0), **k),
            ("window",),
            ("channels",),
        ),
        Target(
            "preprocess.standardise",
            lambda **k: pp.standardise(c()["session"], **k),
            (),
            ("channels",),
        ),
        Target(
            "stats.correlate",
            lambda **k: sx.correlate(
                c()["x"], c()["y"], **{"n_boot": 50, "n_permutations": 50, "seed": 0, **k}
            ),
            ("n_boot", "n_permutations", "confidence"),
            ("alternative", "seed"),
        ),
        Target(
            "stats.compare_groups",
            lambda **k: sx.compare_groups(
                c()["x"], c()["groups"], **{"n_boot": 50, "n_permutations": 50, "seed": 0, **k}
            ),
            ("n_boot", "n_permutations", "confidence"),
            ("alternative", "seed", "order"),
        ),
        Target(
            "stats.compare_paired",
            lambda **k: sx.compare_paired(
                c()["x"], c()["y"], **{"n_boot": 50, "n_permutations": 50, "seed": 0, **k}
            ),
            ("n_boot", "n_permutations", "confidence"),
            ("alternative", "seed"),
        ),
        Target(
            "stats.compare_real_pseudo",
            lambda **k: sx.compare_real_pseudo(
                c()["x"], c()["y"], **{"n_permutations": 50, "seed": 0, **k}
            ),
            ("n_permutations",),
            ("alternative", "seed"),
        ),
        Target(
            "open_cohort",
            lambda **k: concordlab.open_cohort(c()["cohort"], **k),
            ("sampling_rate",),
            ("channel", "on", "ratings"),
        ),
        Target(
            "compute_cohort",
            lambda **k: concordlab.compute_cohort(
                c()["cohort"], **{"scheduler": "synchronous", "progress": False, **k}
            ),
            ("window", "step"),
            ("measure", "channel", "scheduler", "method"),
            allow_inf=True,
        ),
    ]


def param_case(target: Target, parameter: str, kind: str, value: Any) -> Case:
    """Call ``target`` with ``parameter=value``; success needs a sound result, and a numeric
    parameter must refuse a value of a kind in :data:`NEVER_A_NUMBER`."""
    label = f"{target.name}({parameter}={value!r}) [{kind}]"

    def call() -> Any:
        return target.call(**{parameter: _fresh(value)})

    def verify(result: Any) -> None:
        if parameter in target.numeric:
            check(kind not in NEVER_A_NUMBER, f"accepted {parameter}={value!r} silently")
        what = f"{target.name}({parameter}={value!r})"
        if isinstance(result, concordlab.CohortResult):
            check_any(result.values, what, allow_inf=True)
            return
        if isinstance(result, concordlab.LazyCohort):
            return
        check_any(result, what, target.bounded, target.allow_inf)

    return Case(target.name, label, call, verify)


def param_cases() -> list[Case]:
    """Every (function, parameter, bad value) case of the parameter fuzz."""
    out = []
    for target in targets():
        for parameter in (*target.numeric, *target.other):
            for kind, value in BAD_VALUES:
                out.append(param_case(target, parameter, kind, value))
    return out


def param_ids() -> list[str]:
    """Test ids for :func:`param_cases`, in the same order."""
    return [
        f"{t.name}-{p}-{kind}"
        for t in targets()
        for p in (*t.numeric, *t.other)
        for kind, _ in BAD_VALUES
    ]


# --------------------------------------------------------------------------------------
# Cohorts
# --------------------------------------------------------------------------------------


def cohort_case(chooser: Chooser, folder: Path) -> Case:
    """An open_cohort + compute_cohort case on a folder of generated text recordings (some
    malformed) and saved sessions (some damaged): every session is measured or reported."""
    root = folder / "study"
    expected_ids = []
    notes = []
    for group in ("normal", "dropout"):
        (root / group).mkdir(parents=True)
        for index in range(chooser.integer(1, 2)):
            stem = f"{100 + index}_0{index + 1}"
            if chooser.flag(0.6):
                rows = np.random.default_rng(chooser.seed()).normal(2, 0.3, (240, 2))
                text = "pat,th\n" + "".join(f"{a:.4f},{b:.4f}\n" for a, b in rows)
                data = text.encode()
                if chooser.flag(0.4):
                    data, what = damage_bytes(chooser, data)
                    notes.append(f"{group}/{stem}.csv {what}")
                (root / group / f"{stem}.csv").write_bytes(data)
            else:
                path = root / group / f"{stem}.nc"
                session = small_session(60, 4, seed=index)
                concordlab.save(session, path)
                if chooser.flag(0.4):
                    notes.append(f"{group}/{stem}.nc {damage_store(chooser, path)}")
            expected_ids.append(f"{group}/{stem}")
    measure = chooser.choice(["index", "mean_concordance", "concordance", "wlcc_grand_mean"])
    window = chooser.choice([10, 15, 0, -1, math.nan, 1e308, "10"])
    label = f"compute_cohort({measure!r}, window={window!r}) of {expected_ids}; damage: {notes}"

    def call() -> Any:
        cohort = concordlab.open_cohort(root, sampling_rate=4, channel="eda")
        return concordlab.compute_cohort(
            cohort, measure, scheduler="synchronous", progress=False, window=window
        )

    def verify(result: Any) -> None:
        ids = set(map(str, result.values.coords["session"].values))
        failed = set(map(str, result.errors.index)) if len(result.errors) else set()
        if "session" in result.errors.columns:
            failed |= set(map(str, result.errors["session"]))
        check(
            ids | failed >= set(expected_ids),
            f"sessions lost: {sorted(set(expected_ids) - ids - failed)}",
        )
        check_array(result.values, "compute_cohort values", allow_inf=measure == "index")

    return Case("compute_cohort", label, call, verify, isolate=True)


GENERATORS: dict[str, Callable[[Chooser, Path], Case]] = {
    "read_csv": csv_case,
    "read_bids_physio": bids_case,
    "read_e4": e4_case,
    "read_events_tsv": events_case,
    "load": load_case,
    "compute_cohort": cohort_case,
}
"""Every content generator, by the function it fuzzes."""


def fresh_folder(base: Path, name: str) -> Path:
    """An empty folder ``base/name`` (removed first if it exists)."""
    path = base / name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


__all__ = [
    "EXAMPLES",
    "FUZZ_SETTINGS",
    "GENERATORS",
    "OUTCOMES",
    "TIMEOUT",
    "Case",
    "Chooser",
    "Result",
    "assert_ok",
    "fresh_folder",
    "param_cases",
    "param_ids",
    "run",
]
