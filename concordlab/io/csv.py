"""Delimited text (CSV, TSV, whitespace-separated) into a session.

Two engines parse the text, with the same results and the same errors: pyarrow's CSV
reader where pyarrow is installed (the ``arrow`` extra; several times faster on large
files), and pandas' C parser everywhere else (Python in the browser has no pyarrow).
pyarrow reads only what it reads exactly as pandas would: a file with a comma, tab or
semicolon delimiter whose every cell is a number or empty/NA. Anything else (text or date
cells, whitespace delimiters, rows of the wrong length, a quote in a comment line ...)
is read by pandas, whose checks and messages then apply. :data:`ENGINE` (or the
environment variable ``CONCORDLAB_CSV_ENGINE``) forces one engine.
"""

from __future__ import annotations

import csv as _csv
import math
import os
import re
import warnings
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from concordlab._checks import (
    COLUMN,
    FLAG,
    METADATA,
    PERSONS,
    SAMPLING_RATE,
    Choice,
    Integer,
    Real,
    Text,
)
from concordlab._deprecate import renamed
from concordlab.errors import FileFormatError, ValidationError
from concordlab.io._common import (
    RATE_TOLERANCE,
    PathLike,
    check_path,
    check_stamps,
    grid_from_times,
    implied_rate,
    numeric_column,
    place_on_grid,
    reading,
    refuse_short_rows,
    text_lines,
    typical_step,
)
from concordlab.io.clock import regularize as fit_clock
from concordlab.io.pairing import ALIGN, pair_recordings
from concordlab.io.recording import Channel, Recording
from concordlab.session import DEFAULT_PERSONS
from concordlab.session import _check_start_time as check_start_time

__all__ = ["ENGINE", "TIME_UNITS", "read_csv", "read_csv_recording"]

Columns = str | int | Sequence[str | int] | Mapping[str, Any] | None

ENGINE = os.environ.get("CONCORDLAB_CSV_ENGINE", "auto")
"""The parser of :func:`read_csv`: ``"auto"`` (pyarrow where installed, else pandas),
``"pyarrow"`` or ``"pandas"``."""

# The cells pandas reads as missing by default (pandas.read_csv's na_values).
_NA_CELLS = [
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
]


TIME_UNITS = ("s", "ms", "us", "ns", "unix_s", "unix_ms", "unix_us", "unix_ns", "iso")
"""The values of ``time_unit``: seconds, milliseconds, microseconds or nanoseconds from any
zero; the same since 1970-01-01 UTC (Unix time, which sets the start time); ISO 8601
date-times."""

_PER_SECOND = {"s": 1, "ms": 1000, "us": 1_000_000, "ns": 1_000_000_000}
_UNIT_WORDS = {
    "s": "s",
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "ms": "ms",
    "msec": "ms",
    "millisecond": "ms",
    "milliseconds": "ms",
    "us": "us",
    "\u00b5s": "us",
    "\u03bcs": "us",
    "microsecond": "us",
    "microseconds": "us",
    "ns": "ns",
    "nanosecond": "ns",
    "nanoseconds": "ns",
}
# A unit at the end of a column name: "Time (ms)", "Timestamp [s]", "time_ms", "t ms".
_NAME_UNIT = re.compile(r"(?:[(\[]\s*([^()\[\]]+?)\s*[)\]]|[_\s]([a-z\u00b5\u03bc]+))\s*$", re.I)
_REGULARIZE_DIGITS = 3


def time_unit_of(name: object) -> str | None:
    """The time unit a column's name states (``"Time (ms)"`` -> ``"ms"``), or None.

    A name that also says ``unix`` or ``epoch`` gives the Unix unit (``"unix_ms"``).

    Examples
    --------
    >>> [time_unit_of(n) for n in ["Time (ms)", "time_ms", "Timestamp [s]", "t", "ecg [uV]"]]
    ['ms', 'ms', 's', None, None]
    >>> time_unit_of("Unix time (ms)")
    'unix_ms'
    """
    if not isinstance(name, str):
        return None
    match = _NAME_UNIT.search(name)
    if match is None:
        return None
    unit = _UNIT_WORDS.get((match.group(1) or match.group(2)).strip().lower())
    if unit is None:
        return None
    lowered = name.lower()
    return f"unix_{unit}" if ("unix" in lowered or "epoch" in lowered) else unit


def _engine() -> str:
    """The engine that parses CSV text here: ``"pyarrow"`` or ``"pandas"``."""
    if ENGINE not in ("auto", "pyarrow", "pandas"):
        raise ValidationError(
            f"concordlab.io.csv.ENGINE (or CONCORDLAB_CSV_ENGINE) must be 'auto', 'pyarrow' "
            f"or 'pandas', not {ENGINE!r}."
        )
    if ENGINE == "pandas":
        return "pandas"
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        if ENGINE == "pyarrow":
            raise ValidationError(
                "concordlab.io.csv.ENGINE is 'pyarrow' but pyarrow is not installed: "
                "pip install 'concordlab[arrow]', or set the engine to 'auto'."
            ) from None
        return "pandas"
    return "pyarrow"


def _head(path: Path, skip_lines: int = 0) -> tuple[str, int, list[str], str]:
    """The delimiter (``,``, tab, ``;`` or whitespace), the number of leading lines to skip
    (``skip_lines`` banner lines, then ``#`` lines), the fields of the first row after them
    (the header, or the first data row) and that row's line."""
    with open(path, encoding="utf-8-sig", newline="") as handle:  # -sig: drop a byte-order mark
        head = handle.read(65536)
        if not head.strip():
            raise FileFormatError(f"'{path}' is empty; it needs a header row and data rows.")
        lines = text_lines(head)
        if skip_lines >= len(lines):
            raise FileFormatError(
                f"'{path}': skip_lines={skip_lines} skips every line of the file's start "
                f"({len(lines)} lines); give the number of banner lines above the header."
            )
        comments = skip_lines
        while comments < len(lines) and lines[comments].lstrip().startswith("#"):
            comments += 1
        sample = [line for line in lines[comments : comments + 20] if line.strip()]
        if not sample:
            raise FileFormatError(f"'{path}' has no rows besides '#' comments.")
        if len(lines) == 1 and len(head) == 65536:
            # The first row is longer than the sample: read all of it for the header.
            sample = [head + handle.readline()]
    delimiter = r"\s+"
    for candidate in ("\t", ",", ";"):
        if all(candidate in line for line in sample[:-1] or sample):
            delimiter = candidate
            break
    first = sample[0]
    if delimiter == r"\s+":
        fields = next(_csv.reader([re.sub(r"\s+", " ", first.strip())], delimiter=" "))
    else:
        fields = next(_csv.reader([first], delimiter=delimiter))
    return delimiter, comments, [field.strip() for field in fields], first


def _read_table(path: PathLike, skip_lines: int = 0) -> pd.DataFrame:
    path = Path(path)
    delimiter, comments, fields, first = _head(path, skip_lines)
    # Lines that end with the delimiter (tab-terminated exports) have an empty last field.
    trailing = delimiter != r"\s+" and len(fields) > 1 and fields[-1] == ""
    named = fields[:-1] if trailing else fields
    has_header = not all(_looks_numeric(field) for field in named)
    if has_header:
        # pandas renames repeated names (x, x.1): find them in the raw header instead.
        repeated = sorted(name for name, count in Counter(named).items() if count > 1)
        if repeated:
            raise FileFormatError(
                f"'{path}': the column name(s) {repeated[:10]} appear more than once in the "
                "header; give each column its own name."
            )
    table = None
    # An unclosed quote in the first row: pyarrow reads on to the end, pandas refuses.
    if _engine() == "pyarrow" and first.count('"') % 2 == 0:
        table = _read_numbers_with_arrow(path, delimiter, comments, has_header, fields, trailing)
    if table is None:
        table = _read_with_pandas(path, delimiter, comments, has_header, fields)
        if trailing and table.shape[1] == len(fields) and table.iloc[:, -1].isna().all():
            table = table.iloc[:, :-1]  # the empty column after the trailing delimiters
    return _checked_size(table, path)


def _read_numbers_with_arrow(
    path: Path,
    delimiter: str,
    comments: int,
    has_header: bool,
    fields: list[str],
    trailing: bool = False,
) -> pd.DataFrame | None:
    """The table as pandas would read it, or None where pyarrow cannot promise that."""
    named = fields[:-1] if trailing else fields
    if delimiter == r"\s+" or (has_header and "" in named):
        return None  # regular-expression delimiters; pandas' "Unnamed: n" names
    if comments and '"' in _first_lines(path, comments):
        return None  # pyarrow would parse the quote in a skipped comment line
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    generated = [f"f{i}" for i in range(len(fields))]
    try:
        arrow = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(
                skip_rows=comments + int(has_header), column_names=generated
            ),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(generated, pa.float64()),
                null_values=_NA_CELLS,
                strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None  # text cells, rows of the wrong length ...: pandas reads or refuses
    if trailing:
        if arrow.column(len(fields) - 1).null_count != arrow.num_rows:
            return None  # cells under an empty name: pandas names the column "Unnamed"
        arrow = arrow.drop_columns([generated[-1]])
    names: list[Any] = named if has_header else list(range(len(named)))
    columns = {}
    for i, name in enumerate(names):
        values = arrow.column(i).to_numpy()  # float64, NaN where missing
        if values.size and _beyond_int64(values):
            return None  # pandas reads integers beyond int64 as text
        columns[name] = values
    return pd.DataFrame(columns, copy=False)


def _beyond_int64(values: np.ndarray) -> bool:
    """Whether a value is at least 2**63 in magnitude (NaN, missing, is not)."""
    low, high = float(values.min()), float(values.max())
    if np.isnan(low) or np.isnan(high):  # a missing cell: look past the NaNs
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
            low, high = float(np.nanmin(values)), float(np.nanmax(values))
        if np.isnan(low):
            return False
    return max(-low, high) >= 2.0**63


def _first_lines(path: Path, count: int) -> str:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return "".join(handle.readline() for _ in range(count))


def _checked_size(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    if table.empty:
        raise FileFormatError(f"'{path}' has a header but no data rows.")
    if len(table) < 2:
        raise FileFormatError(
            f"'{path}' holds {len(table)} data row; at least 2 samples per person are needed."
        )
    return table


def _read_with_pandas(
    path: Path, delimiter: str, comments: int, has_header: bool, fields: list[str]
) -> pd.DataFrame:
    with warnings.catch_warnings():
        # Rows longer than the header would silently lose their last cells.
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            table = pd.read_csv(
                path,
                sep=delimiter,
                skiprows=comments,
                header=0 if has_header else None,
                index_col=False,
                encoding="utf-8-sig",
                engine="c",
            )
        except pd.errors.ParserWarning:
            raise FileFormatError(
                f"'{path}': the data rows hold more cells than the header has names "
                f"({len(fields)}); name every column in the header, or delete the extra cells."
            ) from None
    if has_header:
        table.columns = [str(c).strip() for c in table.columns]
    # pandas pads short rows with NaN; only rows whose last cell is missing can be short.
    if len(table.columns) > 1 and table.iloc[:, -1].isna().any():
        refuse_short_rows(path, delimiter, comments, has_header, len(table.columns))
    return table


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _column(
    table: pd.DataFrame, key: str | int, path: PathLike, parameter: str = "columns"
) -> pd.Series:
    """A column by name, or by 0-based position when the key is an int not used as a name.

    A key the file does not have is the file's problem (a FileFormatError), said naming the
    ``parameter`` that asked for it."""
    if key in table.columns:
        return table[key]
    if isinstance(key, int | np.integer) and not isinstance(key, bool):
        if 0 <= key < table.shape[1]:
            return table.iloc[:, int(key)]
    raise FileFormatError(
        f"{parameter}={key!r}: '{path}' has no column {key!r}; its columns are "
        f"{list(table.columns)}."
    )


class _Stamps:
    """A time column read: seconds from the first stamp or the file's own zero, the absolute
    start (first stamp) when the stamps are absolute, and the unit they were read in."""

    def __init__(self, seconds: np.ndarray, start: pd.Timestamp | None, unit: str) -> None:
        self.seconds, self.start, self.unit = seconds, start, unit

    @property
    def zero(self) -> float:
        """Seconds since 1970 of time 0 (for messages), or 0.0 for relative stamps."""
        return 0.0 if self.start is None else self.start.value / 1e9

    @property
    def start_time(self) -> str:
        return "" if self.start is None else self.start.isoformat()

    def grid_origin(self, rate: float) -> float:
        """A time (seconds from time 0) on the grid of whole multiples of 1/rate s since 1970
        (any zero for relative stamps), exact to the nanosecond."""
        if self.start is None:
            return 0.0
        rational = Fraction(rate)
        k = math.floor(Fraction(self.start.value, 10**9) * rational)
        return (round(Fraction(k) * 10**9 / rational) - self.start.value) / 1e9


def _time_column(
    table: pd.DataFrame, key: str | int, path: PathLike, time_unit: str | None
) -> _Stamps:
    """The time column in seconds, in the unit ``time_unit`` or its name states."""
    column = _column(table, key, path, "time_column")
    where = f"'{path}', time column {key!r}"
    stated = time_unit_of(column.name)
    if time_unit is not None and stated is not None:
        if stated.removeprefix("unix_") != time_unit.removeprefix("unix_"):
            raise FileFormatError(
                f"{where}: its name says the unit is {stated.removeprefix('unix_')!r} but "
                f"time_unit={time_unit!r} was given; drop time_unit or correct it."
            )
    unit = time_unit or stated
    if unit == "iso" or (unit is None and not pd.api.types.is_numeric_dtype(column)):
        stamps = _iso_stamps(column, where, required=unit == "iso")
        if stamps is not None:
            return stamps
    values = numeric_column(column, path, key)
    if unit is None:
        unit = "s"
        _check_unstated_unit(values, where)
    length = unit.removeprefix("unix_")
    if length == unit:
        return _Stamps(values if unit == "s" else values / _PER_SECOND[unit], None, unit)
    per_second = _PER_SECOND[length]
    check_stamps(values / per_second, where)  # Unix times: messages say dates
    first = float(values[0])
    whole = math.floor(first)
    nanoseconds = whole * (10**9 // per_second) + round((first - whole) * 10**9 / per_second)
    try:
        start = pd.Timestamp(nanoseconds, unit="ns", tz="UTC")
    except (OverflowError, ValueError):
        raise FileFormatError(
            f"{where}: the first time {first!r} {length} since 1970 is not a date between "
            f"1677 and 2262; check time_unit={unit!r}."
        ) from None
    return _Stamps((values - first) / per_second, start, unit)


def _iso_stamps(column: pd.Series, where: str, required: bool) -> _Stamps | None:
    try:
        if pd.api.types.is_numeric_dtype(column):
            raise ValueError("numbers, not date-times")
        stamps = pd.to_datetime(column, format="ISO8601")
    except (TypeError, ValueError, OverflowError):
        if required:
            raise FileFormatError(
                f"{where}: time_unit='iso' but the times are not ISO 8601 date-times (such "
                "as 2024-03-01T09:00:00.125); give the unit they are in."
            ) from None
        return None
    if stamps.isna().any():
        row = int(np.flatnonzero(stamps.isna())[0]) + 1
        raise FileFormatError(f"{where}, data row {row}: missing time.")
    seconds = (stamps - stamps.iloc[0]).dt.total_seconds().to_numpy()
    return _Stamps(seconds, stamps.iloc[0], "iso")


def _check_unstated_unit(values: np.ndarray, where: str) -> None:
    """Refuse (or warn about) numeric stamps in an unstated unit that may be milliseconds.

    Whole-number steps of 2 or more (0.5 Hz or slower as seconds; 500 Hz or faster as
    milliseconds) are refused; steps of exactly 1 (1 Hz as seconds, 1 kHz as milliseconds)
    are read as seconds with a warning."""
    if values.size < 2 or not values[-1] - values[0] >= 0.5 * (values.size - 1):
        return  # a median step of 1 or more needs a mean step of a half or more
    steps = np.diff(values)
    if not np.any(steps >= 1) or not np.isfinite(steps).all():
        return  # sub-second steps; or bad stamps, which their own checks report
    step = typical_step(steps)
    if step < 1 or not np.all(steps == np.rint(steps)):
        return
    as_ms = f"as milliseconds {1000 / step:.6g} Hz"
    if step >= 2:
        raise FileFormatError(
            f"{where}: the time stamps step by {step:g} and the column does not say its unit: "
            f"as seconds that is {1 / step:.6g} Hz, {as_ms}. Give time_unit='s' or "
            "time_unit='ms' (or another of " + ", ".join(TIME_UNITS) + "), or name the "
            "column with its unit, such as 'time (ms)'."
        )
    warnings.warn(
        f"{where}: the time stamps step by 1 and the column does not say its unit; read as "
        f"seconds (1 Hz), not {as_ms}. Give time_unit='s' or 'ms' to say which.",
        UserWarning,
        stacklevel=6,
    )


def _plan(columns: Columns, channel: str, n_files: int, path: PathLike) -> dict[str, list[Any]]:
    """Channel name -> one column key per file-and-person slot."""
    if isinstance(columns, Mapping):
        if not columns:
            raise ValidationError(
                "columns is an empty mapping; map at least one channel to its columns, e.g. "
                "columns={'eda': ['pat', 'th']}."
            )
        plan = {str(name): _keys(keys, n_files, path) for name, keys in columns.items()}
    else:
        plan = {channel: _keys(columns, n_files, path)}
    return plan


def _keys(keys: Any, n_files: int, path: PathLike) -> list[Any]:
    keys = _check_keys(keys)
    if keys is None:
        return [None] * max(n_files, 2)
    if not isinstance(keys, list):
        if n_files >= 2:
            return [keys] * n_files
        raise ValidationError(
            f"'{path}' holds both persons: name two columns, e.g. columns=['pat', 'th'], "
            f"not {keys!r}."
        )
    if n_files >= 2 and len(keys) != n_files:
        raise ValidationError(
            f"{n_files} files, one per person, but {len(keys)} columns named ({keys!r}); "
            "name one column used in every file, or one per file."
        )
    return keys


def _check_keys(keys: Any) -> Any:
    """The column(s) of one channel, checked without a file: None, one column or a pair."""
    if keys is None:
        return None
    if not isinstance(keys, str | int | np.integer | Sequence) or isinstance(keys, bool | bytes):
        raise ValidationError(
            f"columns must be a column name, a 0-based position, a pair of them, or a mapping "
            f"of channel to those; got {keys!r}."
        )
    if isinstance(keys, str | int | np.integer):
        return COLUMN.check(keys, "columns")
    keys = list(keys)
    if len(keys) < 2:
        raise ValidationError(
            f"Name two or more columns, one per person (two for a dyad), got {keys!r}."
        )
    return [COLUMN.check(key, "columns") for key in keys]


def check_read_options(
    *,
    sampling_rate: Any = None,
    time_column: Any = None,
    channel: Any = "signal",
    columns: Any = None,
    persons: Any = DEFAULT_PERSONS,
    units: Any = None,
    session_id: Any = None,
    start_time: Any = None,
    align: Any = "error",
    metadata: Any = None,
    time_unit: Any = None,
    regularize: Any = False,
    max_gap: Any = None,
    skip_lines: Any = 0,
) -> dict[str, Any]:
    """The options of :func:`read_csv` checked as far as they can be without reading a file.

    :func:`read_csv` checks its options with it, and :func:`concordlab.open_cohort` when it
    opens a cohort, before any file is read. Whether a file has the ``time_column`` or
    ``columns`` named is checked when it is read.

    Returns
    -------
    dict
        The options, in canonical form (``persons`` a tuple, ``metadata`` a dict ...).

    Raises
    ------
    ValidationError
        Naming the bad option, its rule and an example.

    Examples
    --------
    >>> check_read_options(persons=["a", "b"], align="pad")["persons"]
    ('a', 'b')
    >>> try:
    ...     check_read_options(align="both")
    ... except ValidationError as error:
    ...     print(error)
    align must be one of ['pad', 'trim', 'error', 'start']; e.g. align='pad'. Got 'both'.
    """
    if sampling_rate is not None:
        sampling_rate = SAMPLING_RATE.check(sampling_rate, "sampling_rate")
    if time_column is not None:
        time_column = COLUMN.check(time_column, "time_column")
    if isinstance(columns, Mapping):
        if not columns:
            raise ValidationError(
                "columns is an empty mapping; map at least one channel to its columns, e.g. "
                "columns={'eda': ['pat', 'th']}."
            )
        for keys in columns.values():
            _check_keys(keys)
        names = [str(name) for name in columns]
    else:
        channel = Text(non_empty=True).check(channel, "channel")
        _check_keys(columns)
        names = [channel]
    if session_id is not None:
        session_id = Text(non_empty=True).check(session_id, "session_id")
    if start_time is not None and start_time != "":
        check_start_time(start_time)
    return {
        "sampling_rate": sampling_rate,
        "time_column": time_column,
        "channel": channel,
        "columns": columns,
        "persons": PERSONS.check(persons, "persons"),
        "units": _check_units(units, names),
        "session_id": session_id,
        "start_time": start_time or None,
        "align": Choice(ALIGN).check(align, "align"),
        "metadata": METADATA.check(metadata, "metadata"),
        "time_unit": None
        if time_unit is None
        else Choice(TIME_UNITS).check(time_unit, "time_unit"),
        "regularize": FLAG.check(regularize, "regularize"),
        "max_gap": None if max_gap is None else _MAX_GAP.check(max_gap, "max_gap"),
        "skip_lines": _SKIP_LINES.check(skip_lines, "skip_lines"),
    }


def read_csv_recording(
    path: PathLike,
    sampling_rate: float | None = None,
    *,
    time_column: str | int | None = None,
    channel: str = "signal",
    columns: str | int | Mapping[str, str | int] | None = None,
    units: str | Mapping[str, str] | None = None,
    person: str | None = None,
    time_unit: str | None = None,
    regularize: bool = False,
    max_gap: float | None = None,
    skip_lines: int = 0,
) -> Recording:
    """Read one person's recording from delimited text (CSV, TSV, whitespace-separated).

    The file is parsed as by :func:`read_csv`; one column (or one per channel) holds this
    person's samples.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    sampling_rate : float, optional
        Sampling rate in Hz; needed unless ``time_column`` is given.
    time_column : str or int, optional
        Column of time stamps (seconds, or ISO 8601 date-times, which set ``start_time``).
    channel : str, default "signal"
        Name of the channel read.
    columns : str, int or mapping, optional
        The data column (name or 0-based position), or ``{channel: column}`` for several
        channels. Default: the file's only column besides the time column.
    units : str or mapping, optional
        Units of the channel, or of each channel in a mapping.
    person : str, optional
        The person's label, kept on the recording.
    time_unit, regularize, max_gap, skip_lines
        As in :func:`read_csv`.

    Returns
    -------
    Recording
        ``source`` holds ``path``, ``format`` (``"csv"``), ``name`` (the file name without
        extension) and ``columns`` (each channel's column); with a time column also
        ``time_unit``, and with ``regularize`` the fitted ``clock_rate`` (Hz) and the
        ``dropouts`` (``[start, end]`` pairs, seconds since the recording's time zero).

    Raises
    ------
    FileFormatError
        Naming the file, the column and the row (see :func:`read_csv`).
    ValidationError
        For a bad argument.

    Examples
    --------
    >>> r = read_csv_recording("tests/data/eda-single/biosppy/eda.txt", 1000, channel="eda",
    ...                        units="ADC")
    >>> r.channels["eda"].n_samples, r.channels["eda"].sampling_rate, r.source["format"]
    (150000, 1000.0, 'csv')
    """
    file = check_path(path, "path", "CSV/TSV data file")
    options = _check_options(
        sampling_rate,
        time_column,
        channel,
        columns,
        file,
        time_unit,
        regularize,
        max_gap,
        skip_lines,
    )
    if person is not None:
        person = Text(non_empty=True).check(person, "person")
    if isinstance(columns, Sequence) and not isinstance(columns, str):
        raise ValidationError(
            f"One person's recording reads one column per channel: give columns='name' or "
            f"{{channel: column}}, not {columns!r} (read_csv reads two persons' columns)."
        )
    plan = _plan(columns, options["channel"], 2, file)
    recording = _file_recordings(file, plan, [0], 2, _check_units(units, plan), **options)[0]
    return recording if person is None else recording.with_person(person)


def _check_options(
    sampling_rate: Any,
    time_column: Any,
    channel: Any,
    columns: Any,
    path: Path,
    time_unit: Any = None,
    regularize: Any = False,
    max_gap: Any = None,
    skip_lines: Any = 0,
) -> dict[str, Any]:
    """The checked reading options shared by :func:`read_csv` and one-person reading."""
    if sampling_rate is not None:
        sampling_rate = SAMPLING_RATE.check(sampling_rate, "sampling_rate")
    if time_column is not None:
        time_column = COLUMN.check(time_column, "time_column")
    if sampling_rate is None and time_column is None:
        raise ValidationError(
            f"Reading '{path}': give the sampling rate (sampling_rate=...) or the time column "
            "(time_column=...)."
        )
    if not isinstance(columns, Mapping):
        channel = Text(non_empty=True).check(channel, "channel")
    if time_unit is not None:
        time_unit = Choice(TIME_UNITS).check(time_unit, "time_unit")
    regularize = FLAG.check(regularize, "regularize")
    if max_gap is not None:
        max_gap = _MAX_GAP.check(max_gap, "max_gap")
    skip_lines = _SKIP_LINES.check(skip_lines, "skip_lines")
    if time_column is None:
        given = [n for n, v in [("time_unit", time_unit), ("max_gap", max_gap)] if v is not None]
        if regularize:
            given.append("regularize")
        if given:
            raise ValidationError(
                f"Reading '{path}': {', '.join(given)} apply to a time column; give "
                "time_column=... too."
            )
    if max_gap is not None and not regularize:
        raise ValidationError("max_gap applies with regularize=True; pass both, or neither.")
    return {
        "sampling_rate": sampling_rate,
        "time_column": time_column,
        "channel": channel,
        "time_unit": time_unit,
        "regularize": regularize,
        "max_gap": max_gap,
        "skip_lines": skip_lines,
    }


_MAX_GAP = Real(low=1e-9, high=1e9, unit="seconds", example="1.0")
_SKIP_LINES = Integer(low=0, high=1_000_000, example="2")


def _file_recordings(
    file: Path,
    plan: Mapping[str, list[Any]],
    slots: list[int],
    n_files: int,
    unit_map: Mapping[str, str | None],
    *,
    sampling_rate: float | None,
    time_column: str | int | None,
    channel: str,
    time_unit: str | None = None,
    regularize: bool = False,
    max_gap: float | None = None,
    skip_lines: int = 0,
) -> list[Recording]:
    """One recording per column slot of ``file`` (two when it holds both persons)."""
    with reading(file, "data file"):
        table = _read_table(file, skip_lines)
        stamps, time_name, extra = None, None, {}
        if time_column is not None:
            stamps = _time_column(table, time_column, file, time_unit)
            time_name = _column(table, time_column, file, "time_column").name
            extra["time_unit"] = stamps.unit
        place = _placer(stamps, file, time_column, sampling_rate, regularize, max_gap, extra)
        data_columns = [c for c in table.columns if c != time_name]
        keys = {}  # (slot, channel) -> column
        for slot in slots:
            for name, wanted in plan.items():
                key = wanted[slot]
                if key is None:
                    key = _default_column(data_columns, slot, n_files, file)
                keys[slot, name] = key
        columns = [numeric_column(_column(table, key, file), file, key) for key in keys.values()]
        placed = dict(zip(keys, place(columns), strict=True))
        out = []
        for slot in slots:
            found, used = {}, {}
            for name in plan:
                values, rate, offset = placed[slot, name]
                found[name] = Channel(values, rate, units=unit_map.get(name) or "", offset=offset)
                key = keys[slot, name]
                used[name] = key if isinstance(key, int) else str(key)
            source = {
                "path": str(file),
                "format": "csv",
                "name": file.stem,
                "columns": used,
                **extra,
            }
            start = stamps.start_time if stamps is not None else ""
            out.append(Recording(found, start or None, (), source))
    return out


Placed = list[tuple[np.ndarray, float, float]]


def _placer(
    stamps: _Stamps | None,
    file: Path,
    time_column: Any,
    sampling_rate: float | None,
    regularize: bool,
    max_gap: float | None,
    extra: dict[str, Any],
) -> Callable[[list[np.ndarray]], Placed]:
    """A function taking columns' values to (values on the grid, rate, offset) each."""
    if stamps is None:
        return lambda columns: [(values, sampling_rate, 0.0) for values in columns]
    where = f"'{file}', time column {time_column!r}"
    if not regularize:
        offset, rate, positions = grid_from_times(
            stamps.seconds, file, time_column, sampling_rate, zero=stamps.zero
        )
        return lambda columns: [(place_on_grid(v, positions), rate, offset) for v in columns]
    times = check_stamps(stamps.seconds, where, stamps.zero)
    if sampling_rate is None:
        rate = float(f"{implied_rate(times):.{_REGULARIZE_DIGITS}g}")
    else:
        rate = sampling_rate
    origin = stamps.grid_origin(rate)

    def place(columns: list[np.ndarray]) -> Placed:
        done = fit_clock(
            times, np.stack(columns), rate, grid_origin=origin, max_gap=max_gap, where=where
        )
        if abs(done.clock_rate - rate) > RATE_TOLERANCE * rate:
            raise FileFormatError(
                f"{where}: the device's clock runs at {done.clock_rate:.6g} Hz by its time "
                f"stamps, more than {RATE_TOLERANCE:.0%} from sampling_rate={rate:g} Hz; no "
                "clock drifts that far. Check sampling_rate and the time unit (time_unit=...)."
            )
        extra["clock_rate"] = done.clock_rate
        extra["dropouts"] = [[a, b] for a, b in done.dropouts]
        return [(row, rate, done.offset) for row in done.values]

    return place


@renamed(fs="sampling_rate")
def read_csv(
    path: PathLike | Sequence[PathLike],
    sampling_rate: float | None = None,
    *,
    time_column: str | int | None = None,
    channel: str = "signal",
    columns: Columns = None,
    persons: Sequence[str] = DEFAULT_PERSONS,
    units: str | Mapping[str, str] | None = None,
    session_id: str | None = None,
    start_time: str | None = None,
    align: str = "error",
    metadata: Mapping[str, Any] | None = None,
    time_unit: str | None = None,
    regularize: bool = False,
    max_gap: float | None = None,
    skip_lines: int = 0,
) -> xr.DataTree:
    """Read a dyad (or a group) from delimited text: every person in one file, or one file
    per person.

    The delimiter (comma, tab, semicolon or whitespace) is detected; ``skip_lines`` banner
    lines, then leading ``#`` lines, are skipped; a file without a header row gets columns
    numbered from 0; lines that end with the delimiter (tab-terminated exports) do not make
    an extra column. Empty cells and ``NA`` become NaN (missing). Each person's columns
    become a recording (:func:`read_csv_recording`), paired by
    :func:`~concordlab.io.pairing.pair_recordings`.

    **Time stamps.** With ``time_column``, the stamps place the samples in time. By
    default they must lie on a regular grid (up to their own rounding): a missing stretch
    of stamps (a gap) becomes NaN samples, but a gap that would make the grid more than ten
    times longer than the data is refused as an outlier stamp; stamps that drift or jitter
    off the grid are refused, with a message that says to pass ``regularize=True``. With
    ``regularize=True`` the device's clock is fitted from its stamps (one rate, one line
    per stretch between dropouts: :func:`concordlab.io.clock.regularize`) and the samples
    are resampled by linear interpolation onto the grid ``k / sampling_rate`` seconds (on
    the Unix clock for absolute stamps, so that two persons' devices land on the same grid
    points); a dropout (a step between stamps longer than ``max_gap``, by default one and
    a half sample periods: any lost sample) becomes NaN, nothing is filled in.

    Parameters
    ----------
    path : path or sequence of paths
        One file holding both persons (or every person of a group), or one file per
        person (two or more), in person order.
    sampling_rate : float, optional
        Sampling rate in Hz. Needed unless ``time_column`` is given; if both are given
        the rate the stamps imply must be within 1 % of it (and, without ``regularize``,
        the stamps must lie on its grid). (``fs`` is its old name, accepted with a
        ``FutureWarning``.)
    time_column : str or int, optional
        Column of time stamps, in ``time_unit``, or ISO 8601 date-times (which also set the
        session's ``start_time``); see **Time stamps** above. Two files' relative stamps
        share one time zero; Unix and ISO stamps are absolute times.
    channel : str, default "signal"
        Name of the channel read, e.g. ``"eda"`` or ``"motion"``.
    columns : optional
        Which columns hold the data. With one file: a pair of column names or 0-based
        positions in person order (default: the two columns besides the time column), or
        N of them for a group of N persons. With one file per person: one name or
        position used in every file, or one per file (default: each file's only column
        besides the time column). A mapping ``{channel: columns}`` reads several channels
        at once (``channel`` is then unused).
    persons : sequence of str, default ("patient", "therapist")
        Person labels, in column/file order: one per person (a group of N needs N).
    units : str or mapping, optional
        Units of the channel, or of each channel in a mapping.
    session_id : str, optional
        Default: the (first) file's name without extension.
    start_time : str, optional
        Absolute start of the session (ISO 8601).
    align : {"error", "trim", "pad", "start"}, default "error"
        With one file per person covering different times: raise, keep only the time
        both cover, keep all of it with NaN where one person is missing, or start both
        files together (pseudo-dyads); the same meaning in every reader (see
        :func:`~concordlab.io.pairing.pair_recordings`).
    metadata : mapping, optional
        Free information stored with the session, besides the ``source`` of each person.
    time_unit : {"s", "ms", "us", "ns", "unix_s", "unix_ms", "unix_us", "unix_ns", "iso"}, optional
        The time column's unit: seconds ... nanoseconds from any zero, the same since
        1970-01-01 UTC (Unix time, which sets ``start_time``), or ISO 8601 date-times.
        Default: the unit the column's name states (``"Time (ms)"``, ``"time_ms"``,
        ``"Timestamp [s]"``; ``unix`` or ``epoch`` in the name makes it Unix time), else
        ISO for date-time text, else seconds; but unstated whole-number steps of 2 or more
        (milliseconds, perhaps) are refused, and steps of exactly 1 read as seconds with a
        warning. A unit the name states that contradicts ``time_unit`` is an error.
    regularize : bool, default False
        Fit each device's drifting clock from its time stamps and resample onto a regular
        grid at ``sampling_rate`` (see **Time stamps**). Without ``sampling_rate`` the grid's
        rate is the rate the stamps imply to three significant digits (198.95 Hz -> 199 Hz):
        give the device's nominal rate instead. The clock's fitted rate must be within 1 %
        of the grid's. The source metadata keep the fitted ``clock_rate`` and ``dropouts``.
    max_gap : float, optional
        With ``regularize``, the longest step between two stamps (seconds) that is not a
        dropout; default one and a half of the stamps' median step. Jittery stamps (taken
        on arrival at a computer) need more, such as 1.0.
    skip_lines : int, default 0
        Lines above the header to skip (a device's banner); ``#`` lines after them are
        skipped too.

    Returns
    -------
    xarray.DataTree
        The session.

    Raises
    ------
    FileFormatError
        Naming the file, the column and the row, for missing files, empty files, unknown
        or repeated columns, rows longer than the header, text in numeric columns, time
        stamps that repeat, go back, lie off a regular grid (without ``regularize``), jump
        by an outlier gap or are in an unstated unit that may be milliseconds, a time unit
        that contradicts the column's name, a rate more than 1 % from ``sampling_rate``,
        two files at different rates, or unequal lengths.
    ValidationError
        For a bad argument: no path, a ``sampling_rate`` that is not a number of Hz
        above 0 and at most 1e6, an unknown ``align``, columns or units that do not fit.

    Examples
    --------
    Read one rMEA motion-energy file (columns ``"pat" "th"``, 25 Hz):

    >>> import concordlab
    >>> from concordlab.datasets import rmea_files
    >>> s = concordlab.read_csv(rmea_files("normal")[0], sampling_rate=25, channel="motion")
    >>> s["motion"].sizes["time"], concordlab.persons(s)
    (15000, ('patient', 'therapist'))

    Two single-person files make a pseudo-dyad:

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("t,EDA\\n0,1.0\\n0.5,1.1\\n1.0,1.2\\n")
    >>> _ = (folder / "b.csv").write_text("t,EDA\\n0,5.0\\n0.5,5.2\\n1.0,5.1\\n")
    >>> s = concordlab.read_csv([folder / "a.csv", folder / "b.csv"], time_column="t",
    ...                         channel="eda", columns="EDA")
    >>> s["eda"]["eda"].attrs["sampling_rate"]
    2.0
    """
    paths = _check_paths(path)
    checked = check_read_options(
        time_column=time_column,
        channel=channel,
        columns=columns,
        persons=persons,
        units=units,
        session_id=session_id,
        start_time=start_time,
        align=align,
        metadata=metadata,
    )
    options = _check_options(
        sampling_rate,
        time_column,
        channel,
        columns,
        paths[0],
        time_unit,
        regularize,
        max_gap,
        skip_lines,
    )
    plan = _plan(columns, options["channel"], len(paths), paths[0])
    n_persons = {len(keys) for keys in plan.values()}
    if len(n_persons) > 1:
        raise ValidationError(
            f"columns names {sorted(n_persons)} columns for different channels; name one "
            "column per person for every channel."
        )
    n = n_persons.pop()
    if len(checked["persons"]) != n:
        raise ValidationError(
            f"{n} persons' columns (or files), but persons has {len(checked['persons'])} "
            f"labels {list(checked['persons'])}; give one label per person, e.g. persons="
            f"{tuple(f'person {i + 1}' for i in range(n))!r}."
        )
    unit_map = checked["units"]
    recordings = []
    for index, file in enumerate(paths):
        slots = list(range(n)) if len(paths) == 1 else [index]
        recordings += _file_recordings(file, plan, slots, len(paths), unit_map, **options)
    return pair_recordings(
        recordings,
        persons=checked["persons"],
        align=checked["align"],
        session_id=checked["session_id"] or Path(paths[0]).stem,
        start_time=checked["start_time"],
        metadata=checked["metadata"],
        reader="read_csv",
    )


def _check_paths(path: Any) -> list[Path]:
    if isinstance(path, str | os.PathLike) or path is None:
        items = [path]
    elif isinstance(path, Sequence) and not isinstance(path, bytes):
        items = list(path)
    else:
        items = [path]
    if not items:
        raise ValidationError(
            "Give one file holding every person, or one file per person (two or more); got 0."
        )
    name = "path" if len(items) == 1 else "each path"
    return [check_path(item, name, "CSV/TSV data file") for item in items]


def _check_units(units: Any, plan: Collection[str]) -> dict[str, Any]:
    if units is None or isinstance(units, str):
        return {name: units for name in plan}
    if not isinstance(units, Mapping):
        raise ValidationError(
            f"units must be a string, a mapping of channel to units, or None; got {units!r}."
        )
    unknown = sorted(str(k) for k in units if k not in plan)
    if unknown:
        raise ValidationError(
            f"units names channel(s) {unknown} that are not read; the channels are {list(plan)}."
        )
    return {k: None if v is None else Text().check(v, f"units[{k!r}]") for k, v in units.items()}


def _default_column(data_columns: list[Any], slot: int, n_files: int, path: PathLike) -> Any:
    expected = 2 if n_files == 1 else 1
    if len(data_columns) != expected:
        what = "two columns, one per person" if n_files == 1 else "one data column"
        raise FileFormatError(
            f"'{path}' has {len(data_columns)} data column(s) {data_columns}, expected {what}; "
            "say which to use with columns=...."
        )
    return data_columns[slot if n_files == 1 else 0]
