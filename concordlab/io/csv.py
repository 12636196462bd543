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
import os
import re
import warnings
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from concordlab._checks import COLUMN, METADATA, PERSONS, SAMPLING_RATE, Choice, Text
from concordlab._deprecate import renamed
from concordlab.errors import FileFormatError, ValidationError
from concordlab.io._common import (
    PathLike,
    check_path,
    grid_from_times,
    numeric_column,
    place_on_grid,
    reading,
    refuse_short_rows,
    text_lines,
)
from concordlab.io.pairing import ALIGN, pair_recordings
from concordlab.io.recording import Channel, Recording
from concordlab.session import DEFAULT_PERSONS
from concordlab.session import _check_start_time as check_start_time

__all__ = ["ENGINE", "read_csv", "read_csv_recording"]

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


def _head(path: Path) -> tuple[str, int, list[str]]:
    """The delimiter (``,``, tab, ``;`` or whitespace), the number of leading ``#`` lines and
    the fields of the first row after them (the header, or the first data row)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:  # -sig: drop a byte-order mark
        head = handle.read(65536)
        if not head.strip():
            raise FileFormatError(f"'{path}' is empty; it needs a header row and data rows.")
        lines = text_lines(head)
        comments = 0
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
    return delimiter, comments, [field.strip() for field in fields]


def _read_table(path: PathLike) -> pd.DataFrame:
    path = Path(path)
    delimiter, comments, fields = _head(path)
    has_header = not all(_looks_numeric(field) for field in fields)
    if has_header:
        # pandas renames repeated names (x, x.1): find them in the raw header instead.
        repeated = sorted(name for name, count in Counter(fields).items() if count > 1)
        if repeated:
            raise FileFormatError(
                f"'{path}': the column name(s) {repeated[:10]} appear more than once in the "
                "header; give each column its own name."
            )
    if _engine() == "pyarrow":
        table = _read_numbers_with_arrow(path, delimiter, comments, has_header, fields)
        if table is not None:
            return _checked_size(table, path)
    return _checked_size(_read_with_pandas(path, delimiter, comments, has_header, fields), path)


def _read_numbers_with_arrow(
    path: Path, delimiter: str, comments: int, has_header: bool, fields: list[str]
) -> pd.DataFrame | None:
    """The table as pandas would read it, or None where pyarrow cannot promise that."""
    if delimiter == r"\s+" or (has_header and "" in fields):
        return None  # regular-expression delimiters; pandas' "Unnamed: n" names
    if comments and '"' in _first_lines(path, comments):
        return None  # pyarrow would parse the quote in a skipped comment line
    import pyarrow as pa
    import pyarrow.compute
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
    names: list[Any] = fields if has_header else list(range(len(fields)))
    columns = {}
    for i, name in enumerate(names):
        column = arrow.column(i)
        low, high = (value.as_py() for value in pa.compute.min_max(column).values())
        if low is not None and max(-low, high) >= 2.0**63:  # NaN, the only other, is fine
            return None  # pandas reads integers beyond int64 as text
        columns[name] = column.to_numpy()  # float64, NaN where missing
    return pd.DataFrame(columns, copy=False)


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


def _time_column(table: pd.DataFrame, key: str | int, path: PathLike) -> tuple[np.ndarray, str]:
    """Times in seconds from a numeric or a date/time column, and the absolute start."""
    column = _column(table, key, path, "time_column")
    if pd.api.types.is_numeric_dtype(column):
        return numeric_column(column, path, key), ""
    try:
        stamps = pd.to_datetime(column, format="ISO8601")
    except (TypeError, ValueError):
        return numeric_column(column, path, key), ""
    if stamps.isna().any():
        row = int(np.flatnonzero(stamps.isna())[0]) + 1
        raise FileFormatError(f"'{path}', time column {key!r}, data row {row}: missing time.")
    seconds = (stamps - stamps.iloc[0]).dt.total_seconds().to_numpy()
    return seconds, stamps.iloc[0].isoformat()


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
        return [None, None]
    if not isinstance(keys, list):
        if n_files == 2:
            return [keys, keys]
        raise ValidationError(
            f"'{path}' holds both persons: name two columns, e.g. columns=['pat', 'th'], "
            f"not {keys!r}."
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
    if len(keys) != 2:
        raise ValidationError(f"Name exactly two columns, one per person, got {keys!r}.")
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

    Returns
    -------
    Recording
        ``source`` holds ``path``, ``format`` (``"csv"``), ``name`` (the file name without
        extension) and ``columns`` (each channel's column).

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
    options = _check_options(sampling_rate, time_column, channel, columns, file)
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
    sampling_rate: Any, time_column: Any, channel: Any, columns: Any, path: Path
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
    return {"sampling_rate": sampling_rate, "time_column": time_column, "channel": channel}


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
) -> list[Recording]:
    """One recording per column slot of ``file`` (two when it holds both persons)."""
    with reading(file, "data file"):
        table = _read_table(file)
        grid, absolute, time_name = None, "", None
        if time_column is not None:
            times, absolute = _time_column(table, time_column, file)
            grid = grid_from_times(times, file, time_column, sampling_rate)
            time_name = _column(table, time_column, file, "time_column").name
        data_columns = [c for c in table.columns if c != time_name]
        out = []
        for slot in slots:
            found, used = {}, {}
            for name, keys in plan.items():
                key = keys[slot]
                if key is None:
                    key = _default_column(data_columns, slot, n_files, file)
                values = numeric_column(_column(table, key, file), file, key)
                if grid is not None:
                    values = place_on_grid(values, grid[2])
                found[name] = Channel(
                    values,
                    grid[1] if grid is not None else sampling_rate,
                    units=unit_map.get(name) or "",
                    offset=grid[0] if grid is not None else 0.0,
                )
                used[name] = key if isinstance(key, int) else str(key)
            source = {"path": str(file), "format": "csv", "name": file.stem, "columns": used}
            out.append(Recording(found, absolute or None, (), source))
    return out


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
) -> xr.DataTree:
    """Read a dyad from delimited text: both persons in one file, or one file per person.

    The delimiter (comma, tab, semicolon or whitespace) is detected; leading ``#`` lines
    are skipped; a file without a header row gets columns numbered from 0. Empty cells
    and ``NA`` become NaN (missing). Each person's columns become a recording
    (:func:`read_csv_recording`), paired by :func:`~concordlab.io.pairing.pair_recordings`.

    Parameters
    ----------
    path : path or pair of paths
        One file holding both persons, or two files, one per person, in person order.
    sampling_rate : float, optional
        Sampling rate in Hz. Needed unless ``time_column`` is given; if both are given
        they must agree. (``fs`` is its old name, accepted with a ``FutureWarning``.)
    time_column : str or int, optional
        Column of time stamps: seconds, or ISO 8601 date-times (which also set the
        session's ``start_time``). The stamps must lie on a regular grid (up to their own
        rounding); gaps in them become NaN samples, but a gap that would make the grid more
        than ten times longer than the data is refused as an outlier stamp. Two files'
        numeric stamps share one time zero; ISO stamps are absolute times.
    channel : str, default "signal"
        Name of the channel read, e.g. ``"eda"`` or ``"motion"``.
    columns : optional
        Which columns hold the data. With one file: a pair of column names or 0-based
        positions in person order (default: the two columns besides the time column).
        With one file per person: one name or position used in both files, or a pair
        (default: each file's only column besides the time column). A mapping
        ``{channel: columns}`` reads several channels at once (``channel`` is then unused).
    persons : pair of str, default ("patient", "therapist")
        Person labels, in column/file order.
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

    Returns
    -------
    xarray.DataTree
        The session.

    Raises
    ------
    FileFormatError
        Naming the file, the column and the row, for missing files, empty files, unknown
        or repeated columns, rows longer than the header, text in numeric columns, time
        stamps that repeat, go back, lie off a regular grid or jump by an outlier gap, two
        files at different rates, or unequal lengths.
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
    options = _check_options(sampling_rate, time_column, channel, columns, paths[0])
    plan = _plan(columns, options["channel"], len(paths), paths[0])
    unit_map = checked["units"]
    recordings = []
    for index, file in enumerate(paths):
        slots = [0, 1] if len(paths) == 1 else [index]
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
    if len(items) not in (1, 2):
        raise ValidationError(
            f"Give one file holding both persons or two files, one per person; got {len(items)}."
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
