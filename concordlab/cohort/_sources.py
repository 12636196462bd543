"""Where a cohort's sessions come from: files found in a folder, or sessions in memory; ratings."""

from __future__ import annotations

import csv
import inspect
import os
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from concordlab.errors import FileFormatError, ValidationError
from concordlab.io._common import check_path, reading
from concordlab.io.csv import read_csv
from concordlab.io.dispatch import SESSION_SUFFIXES, read
from concordlab.io.store import load
from concordlab.session import validate_session

TEXT_SUFFIXES = (".txt", ".csv", ".tsv")
METADATA_COLUMNS = ("dyad", "group", "session_number", "path")
# The options open_cohort passes on to read_csv for text recordings.
_READ_CSV_OPTIONS = frozenset(inspect.signature(read_csv).parameters) - {"path", "session_id"}
_NUMBERED = re.compile(r"^(?P<dyad>.+?)_(?:ses-)?(?P<number>\d+)$")


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class _Source:
    """How to get one session: a file to read, or the session itself."""

    path: Path | None = None
    session: xr.DataTree | None = None
    read_options: tuple[tuple[str, Any], ...] = ()

    def load(self) -> xr.DataTree:
        if self.session is not None:
            return self.session
        assert self.path is not None
        if self.path.suffix.lower() in SESSION_SUFFIXES:
            return load(self.path)
        return read(self.path, session_id=self.path.stem, **dict(self.read_options))


def _split_id(name: str) -> tuple[str, int | None]:
    """Dyad id and session number from a name like rMEA's ``200_01`` or ``sub-1_ses-2``."""
    match = _NUMBERED.match(name)
    if match is None:
        return name, None
    return match["dyad"], int(match["number"])


def _files_in(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if any(parent.suffix.lower() == ".zarr" for parent in path.relative_to(folder).parents):
            continue  # inside a Zarr store
        suffix = path.suffix.lower()
        if (suffix == ".zarr" and path.is_dir()) or (
            path.is_file() and suffix in SESSION_SUFFIXES + TEXT_SUFFIXES and suffix != ".zarr"
        ):
            found.append(path)
    return found


def _file_rows(paths: Sequence[Path], root: Path | None) -> tuple[list[str], list[dict]]:
    keys, rows = [], []
    for path in paths:
        relative = path.relative_to(root) if root is not None else Path(path.name)
        key = relative.with_suffix("").as_posix()
        dyad, number = _split_id(path.with_suffix("").name)
        group = relative.parts[0] if len(relative.parts) > 1 else None
        keys.append(key)
        rows.append({"dyad": dyad, "group": group, "session_number": number, "path": str(path)})
    return keys, rows


def _check_session(session: Any, key: str) -> None:
    try:
        validate_session(session)
    except ValidationError as error:
        raise ValidationError(f"Session '{key}': {error}") from None


def _read_ratings(path: Path) -> pd.DataFrame:
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise ValidationError(f"The ratings table '{path}' {what}; give the CSV/TSV file.")
    with reading(path, "ratings table"):
        if not path.read_text(encoding="utf-8-sig").strip():
            raise FileFormatError(
                f"The ratings table '{path}' is empty; it needs a header row and one row per "
                "session or dyad."
            )
        options: dict[str, Any] = {"sep": None, "engine": "python", "encoding": "utf-8-sig"}
        try:
            with warnings.catch_warnings():
                # Rows longer than the header would silently lose their last cells.
                warnings.simplefilter("error", pd.errors.ParserWarning)
                table = pd.read_csv(path, index_col=False, **options)
            # pandas renames repeated names (x, x.1): find them in the raw header instead.
            header = pd.read_csv(path, header=None, nrows=1, **options)
        except pd.errors.ParserWarning:
            raise FileFormatError(
                f"The ratings table '{path}': its rows hold more cells than the header has "
                "names; name every column in the header, or delete the extra cells."
            ) from None
        except csv.Error as error:  # the delimiter sniffer gave up
            raise FileFormatError(
                f"The ratings table '{path}' is not a readable CSV/TSV table ({error}); save "
                "it as UTF-8 CSV with a header row and commas (or tabs) between the cells."
            ) from None
    if table.empty:
        raise FileFormatError(
            f"The ratings table '{path}' has a header but no rows; add one row per session or dyad."
        )
    names = [str(c).strip() for c in header.iloc[0].tolist()]
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise FileFormatError(
            f"The ratings table '{path}': the column name(s) {repeated[:10]} appear more than "
            "once in the header; give each column its own name."
        )
    return table


def _join_ratings(table: pd.DataFrame, ratings: Any, on: str | None) -> pd.DataFrame:
    if isinstance(ratings, str | os.PathLike):
        ratings = _read_ratings(check_path(ratings, "ratings", "CSV/TSV ratings table"))
    if not isinstance(ratings, pd.DataFrame):
        raise ValidationError(
            f"ratings must be a DataFrame or a CSV/TSV path, got {type(ratings).__name__}."
        )
    ratings = ratings.copy()
    if on is not None and on not in ("session", "dyad"):
        raise ValidationError(f"on must be 'session' or 'dyad', got {on!r}.")
    for column in ("session", "dyad"):
        if (on in (None, column)) and column in ratings.columns:
            ratings = ratings.set_index(column)
            on = column
            break
    ratings.index = ratings.index.astype(str)
    if on is None:
        by_session = ratings.index.isin(table.index).sum()
        by_dyad = ratings.index.isin(table["dyad"]).sum()
        on = "session" if by_session >= by_dyad else "dyad"
    keys = table.index if on == "session" else pd.Index(table["dyad"])
    if ratings.index.duplicated().any():
        raise ValidationError(
            f"The ratings have duplicate {on} ids {ratings.index[ratings.index.duplicated()][:5]}"
            "; give one row per id."
        )
    matched = keys.isin(ratings.index)
    if not matched.any():
        raise ValidationError(
            f"No rating matches a {on} id of the cohort (ratings ids e.g. "
            f"{ratings.index[:3].tolist()}, cohort ids e.g. {keys[:3].tolist()}); "
            "check the id column or pass on='session' or on='dyad'."
        )
    if not matched.all():
        warnings.warn(
            f"{(~matched).sum()} session(s) have no rating (e.g. {keys[~matched][:3].tolist()}).",
            UserWarning,
            stacklevel=3,
        )
    joined = ratings.reindex(keys)
    joined.index = table.index
    overrides = [c for c in ("dyad", "group", "session_number") if c in joined.columns]
    table = table.copy()
    for column in overrides:
        table[column] = joined[column].where(joined[column].notna(), table[column])
    return table.join(joined.drop(columns=overrides))
