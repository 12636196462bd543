"""Delimited text (CSV, TSV, whitespace-separated) into a session."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from concordlab.errors import FileFormatError, ValidationError
from concordlab.io._common import (
    PathLike,
    grid_from_times,
    numeric_column,
    pair_on_grid,
    place_on_grid,
    reading,
)
from concordlab.session import DEFAULT_PERSONS, _check_persons, from_arrays

__all__ = ["read_csv"]

Columns = str | int | Sequence[str | int] | Mapping[str, Any] | None


def _sniff_delimiter(path: Path) -> tuple[str, int]:
    """The delimiter (``,``, tab, ``;`` or whitespace) and the number of leading ``#`` lines."""
    with open(path, encoding="utf-8") as handle:
        head = handle.read(65536)
    if not head.strip():
        raise FileFormatError(f"'{path}' is empty; it needs a header row and data rows.")
    lines = head.splitlines()
    comments = 0
    while comments < len(lines) and lines[comments].lstrip().startswith("#"):
        comments += 1
    sample = [line for line in lines[comments : comments + 20] if line.strip()]
    if not sample:
        raise FileFormatError(f"'{path}' has no rows besides '#' comments.")
    for delimiter in ("\t", ",", ";"):
        if all(delimiter in line for line in sample[:-1] or sample):
            return delimiter, comments
    return r"\s+", comments


def _read_table(path: PathLike) -> pd.DataFrame:
    path = Path(path)
    delimiter, comments = _sniff_delimiter(path)
    table = pd.read_csv(path, sep=delimiter, skiprows=comments, engine="c")
    table.columns = [str(c).strip() for c in table.columns]
    if table.empty:
        raise FileFormatError(f"'{path}' has a header but no data rows.")
    if all(_looks_numeric(c) for c in table.columns):
        # No header: the first row was data. Read again with numbered columns.
        table = pd.read_csv(path, sep=delimiter, skiprows=comments, engine="c", header=None)
    duplicated = sorted({c for c in table.columns if list(table.columns).count(c) > 1})
    if duplicated:
        raise FileFormatError(f"'{path}': column name(s) {duplicated} appear more than once.")
    return table


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _column(table: pd.DataFrame, key: str | int, path: PathLike) -> pd.Series:
    """A column by name, or by 0-based position when the key is an int not used as a name."""
    if key in table.columns:
        return table[key]
    if isinstance(key, int | np.integer) and not isinstance(key, bool):
        if 0 <= key < table.shape[1]:
            return table.iloc[:, int(key)]
    raise FileFormatError(f"'{path}' has no column {key!r}; its columns are {list(table.columns)}.")


def _time_column(table: pd.DataFrame, key: str | int, path: PathLike) -> tuple[np.ndarray, str]:
    """Times in seconds from a numeric or a date/time column, and the absolute start."""
    column = _column(table, key, path)
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
        plan = {str(name): _keys(keys, n_files, path) for name, keys in columns.items()}
    else:
        plan = {channel: _keys(columns, n_files, path)}
    return plan


def _keys(keys: Any, n_files: int, path: PathLike) -> list[Any]:
    if keys is None:
        return [None, None]
    if isinstance(keys, str | int):
        if n_files == 2:
            return [keys, keys]
        raise ValidationError(
            f"'{path}' holds both persons: name two columns, e.g. columns=['pat', 'th'], "
            f"not {keys!r}."
        )
    keys = list(keys)
    if len(keys) != 2:
        raise ValidationError(f"Name exactly two columns, one per person, got {keys!r}.")
    return keys


def read_csv(
    path: PathLike | Sequence[PathLike],
    fs: float | None = None,
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
    and ``NA`` become NaN (missing).

    Parameters
    ----------
    path : path or pair of paths
        One file holding both persons, or two files, one per person, in person order.
    fs : float, optional
        Sampling rate in Hz. Needed unless ``time_column`` is given; if both are given
        they must agree.
    time_column : str or int, optional
        Column of time stamps: seconds, or ISO 8601 date-times (which also set the
        session's ``start_time``). Gaps in the stamps become NaN samples.
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
        Default: the file's name without extension.
    start_time : str, optional
        Absolute start of the session (ISO 8601).
    align : {"error", "trim", "pad"}, default "error"
        With one file per person covering different times: raise, keep only the time
        both cover, or keep all of it with NaN where one person is missing.
    metadata : mapping, optional
        Free information stored with the session, besides the source file names.

    Returns
    -------
    xarray.DataTree
        The session.

    Raises
    ------
    FileFormatError
        Naming the file, the column and the row, for missing files, empty files, unknown
        columns, text in numeric columns, bad time stamps or unequal lengths.

    Examples
    --------
    Read one rMEA motion-energy file (columns ``"pat" "th"``, 25 Hz):

    >>> import concordlab
    >>> from concordlab.datasets import rmea_files
    >>> s = concordlab.read_csv(rmea_files("normal")[0], fs=25, channel="motion")
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
    paths = [path] if isinstance(path, str | Path) or not isinstance(path, Sequence) else list(path)
    if len(paths) not in (1, 2):
        raise ValidationError(
            f"Give one file holding both persons or two files, one per person; got {len(paths)}."
        )
    persons = _check_persons(persons)
    if fs is None and time_column is None:
        raise ValidationError(
            f"Reading '{paths[0]}': give the sampling rate (fs=...) or the time column "
            "(time_column=...)."
        )
    plan = _plan(columns, channel, len(paths), paths[0])
    per_channel: dict[str, list[np.ndarray]] = {name: [] for name in plan}
    grids: list[tuple[float, float, np.ndarray] | None] = []
    absolute_start = ""
    for file_index, file in enumerate(paths):
        with reading(file, "data file"):
            table = _read_table(file)
            grid = None
            if time_column is not None:
                times, absolute_start = _time_column(table, time_column, file)
                grid = grid_from_times(times, file, time_column, fs)
            grids.append(grid)
            time_name = _column(table, time_column, file).name if time_column is not None else None
            data_columns = [c for c in table.columns if c != time_name]
            for name, keys in plan.items():
                slots = [0, 1] if len(paths) == 1 else [file_index]
                for slot in slots:
                    key = keys[slot]
                    if key is None:
                        key = _default_column(data_columns, slot, len(paths), file)
                    values = numeric_column(_column(table, key, file), file, key)
                    if grid is not None:
                        values = place_on_grid(values, grid[2])
                    per_channel[name].append(values)
    rates = {g[1] for g in grids if g is not None}
    rate = float(fs) if fs is not None else rates.pop()
    if len(rates) > 1:
        raise FileFormatError(
            f"'{paths[0]}' and '{paths[1]}' have different sampling rates; resample one first."
        )
    offsets = [g[0] if g is not None else 0.0 for g in grids]
    if align not in ("error", "trim", "pad"):
        raise ValidationError(f"align must be 'error', 'trim' or 'pad', got {align!r}.")
    data = {}
    for name, rows in per_channel.items():
        data[name], first_kept = _align(rows, offsets, rate, paths, align)
    unit_map = units if isinstance(units, Mapping) else {name: units for name in plan}
    return from_arrays(
        data,
        rate,
        persons=persons,
        units={k: v for k, v in unit_map.items() if v is not None},
        time_offset=min(offsets) + first_kept / rate,
        start_time=start_time or absolute_start or None,
        session_id=session_id or Path(paths[0]).stem,
        metadata={"source": [str(p) for p in paths], "reader": "read_csv", **(metadata or {})},
    )


def _default_column(data_columns: list[Any], slot: int, n_files: int, path: PathLike) -> Any:
    expected = 2 if n_files == 1 else 1
    if len(data_columns) != expected:
        what = "two columns, one per person" if n_files == 1 else "one data column"
        raise FileFormatError(
            f"'{path}' has {len(data_columns)} data column(s) {data_columns}, expected {what}; "
            "say which to use with columns=...."
        )
    return data_columns[slot if n_files == 1 else 0]


def _align(
    rows: list[np.ndarray], offsets: list[float], rate: float, paths: list[Any], align: str
) -> tuple[np.ndarray, int]:
    """Stack the two persons' series on one time grid (see ``align`` in :func:`read_csv`).

    Returns the (2, n) array and the index, on the padded grid, of its first sample.
    """
    if len(paths) == 1:
        return np.vstack(rows), 0
    describe = f"'{paths[0]}' and '{paths[1]}'"
    values, start, _ = pair_on_grid(rows, offsets, rate, describe=describe)
    shifts = [round((offset - start) * rate) for offset in offsets]
    ends = [shift + len(row) for shift, row in zip(shifts, rows, strict=True)]
    if align == "trim":
        return values[:, max(shifts) : min(ends)], max(shifts)
    if align == "error" and (shifts[0] != shifts[1] or ends[0] != ends[1]):
        raise FileFormatError(
            f"{describe} cover different times ({len(rows[0])} and {len(rows[1])} samples from "
            f"{offsets[0]:g} s and {offsets[1]:g} s); pass align='trim' to keep only the time "
            "both cover, or align='pad' to keep everything with NaN where a person is missing."
        )
    return values, 0
