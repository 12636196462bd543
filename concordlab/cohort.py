"""Cohorts: many sessions opened lazily and measured in parallel with dask.

:func:`open_cohort` lists the sessions of a study (a folder, a list of files, or sessions
already in memory) with their metadata and ratings, without reading the signals.
:func:`compute_cohort` (or :meth:`LazyCohort.compute`) runs one measure of the engine over
every session in parallel, each task reading one session, measuring it and dropping it, so
a cohort larger than memory works. The same code runs on local threads or processes and,
unchanged, on a ``dask.distributed`` cluster when a client is active.
"""

from __future__ import annotations

import csv
import inspect
import math
import os
import re
import sys
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pandas as pd
import xarray as xr
from dask.callbacks import Callback

from concordlab._checks import FLAG, SAMPLING_RATE, Choice, Text
from concordlab._deprecate import renamed
from concordlab.compute import concordance, concordance_index, pseudo_dyads, wlcc_summary
from concordlab.compute.registry import get_measure, measure_names
from concordlab.errors import ConcordlabError, FileFormatError, ValidationError
from concordlab.io._common import check_path, reading
from concordlab.io.csv import read_csv
from concordlab.io.dispatch import SESSION_SUFFIXES, read
from concordlab.io.store import load
from concordlab.session import validate_session
from concordlab.simulate import Cohort
from concordlab.stats import RealPseudoComparison, compare_real_pseudo

__all__ = [
    "MEASURES",
    "CohortResult",
    "LazyCohort",
    "compute_cohort",
    "open_cohort",
]

TEXT_SUFFIXES = (".txt", ".csv", ".tsv")
METADATA_COLUMNS = ("dyad", "group", "session_number", "path")
PROCESSES_FROM = 200  # saved sessions from which a process pool beats reading in turn
# The options open_cohort passes on to read_csv for text recordings.
_READ_CSV_OPTIONS = frozenset(inspect.signature(read_csv).parameters) - {"path", "session_id"}
_NUMBERED = re.compile(r"^(?P<dyad>.+?)_(?:ses-)?(?P<number>\d+)$")


def _index(session: xr.DataTree, channel: str | None, **params: Any) -> float:
    return float(concordance_index(concordance(session, channel, **params)))


def _mean_concordance(session: xr.DataTree, channel: str | None, **params: Any) -> float:
    return float(concordance(session, channel, **params).mean())


def _series(session: xr.DataTree, channel: str | None, **params: Any) -> xr.DataArray:
    return concordance(session, channel, **params)


def _lagged(session: xr.DataTree, channel: str | None, **params: Any) -> xr.DataArray:
    return concordance(session, channel, **_wlcc_params(params))


def _grand_mean(session: xr.DataTree, channel: str | None, **params: Any) -> float:
    lagged = concordance(session, channel, **_wlcc_params(params))
    return float(wlcc_summary(lagged)["grand_mean"])


def _wlcc_params(params: dict[str, Any]) -> dict[str, Any]:
    method = params.get("method", "wlcc")
    if method != "wlcc":
        raise ValidationError(
            f"The wlcc measures compute method 'wlcc' only, got method={method!r}; use "
            "measure='concordance' or 'index' for other methods."
        )
    return {**params, "method": "wlcc"}


MEASURES: dict[str, Callable[..., Any]] = {
    "index": _index,
    "mean_concordance": _mean_concordance,
    "concordance": _series,
    "wlcc": _lagged,
    "wlcc_grand_mean": _grand_mean,
}
"""Measures :func:`compute_cohort` knows by name, each a function of (session, channel,
**params), with the parameters of :func:`concordlab.concordance` (``method`` and the
chosen method's parameters): ``"index"`` (the session concordance index),
``"mean_concordance"`` (the mean of the series), ``"concordance"`` (the whole result of
any registered method) and, for method ``"wlcc"``, ``"wlcc"`` (time x lag) and
``"wlcc_grand_mean"`` (rMEA's session mean of the lagged cross-correlations, from
:func:`concordlab.wlcc_summary`). Every registered measure's name (see
:func:`concordlab.compute.registry.measure_names`) is a measure too: its whole result."""
SCALAR_MEASURES = ("index", "mean_concordance", "wlcc_grand_mean")
"""The measures of :data:`MEASURES` that give one number per session."""


def cohort_measures() -> list[str]:
    """Every name :func:`compute_cohort` takes: :data:`MEASURES` and the registry's.

    Examples
    --------
    >>> cohort_measures()  # doctest: +NORMALIZE_WHITESPACE
    ['concordance', 'index', 'mean_concordance', 'pearson', 'slope', 'wlcc',
     'wlcc_grand_mean', 'wlcc_peak']
    """
    return sorted(set(MEASURES) | set(measure_names()))


def _resolve(measure: Any, params: dict[str, Any]) -> tuple[str, Callable[..., Any], dict]:
    """The measure's name and function, and its parameters checked once, up front."""
    if callable(measure) and not isinstance(measure, str):
        return getattr(measure, "__name__", "measure"), measure, params
    if not isinstance(measure, str) or measure not in cohort_measures():
        raise ValidationError(
            f"Unknown measure {measure!r}; choose from {cohort_measures()} or pass a "
            "function f(session, channel, **params)."
        )
    if measure in MEASURES:
        name, function = measure, MEASURES[measure]
        if measure in ("wlcc", "wlcc_grand_mean"):
            params = _wlcc_params(params)
    else:
        if params.get("method", measure) != measure:
            raise ValidationError(
                f"measure={measure!r} is a method itself; give no other method, got "
                f"method={params['method']!r}."
            )
        name, function, params = measure, _series, {**params, "method": measure}
    method = params.get("method", "slope")
    rest = {key: value for key, value in params.items() if key != "method"}
    get_measure(method).check(rest, where=f"compute_cohort({name!r}, method={method!r})")
    return name, function, params


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


# --------------------------------------------------------------------------- the cohort


class LazyCohort:
    """The sessions of a study, listed with their metadata, read only when measured.

    Made by :func:`open_cohort`. Iterating yields session ids; ``cohort[id]`` reads that
    session; ``cohort.table`` has one row per session (``dyad``, ``group``,
    ``session_number``, ``path`` and the joined ratings).

    Examples
    --------
    >>> import concordlab
    >>> cohort = concordlab.open_cohort(concordlab.simulate_cohort(3, duration=60, seed=1))
    >>> len(cohort), list(cohort)[:2]
    (3, ['dyad-01', 'dyad-02'])
    >>> cohort.table.columns.tolist()[:4]
    ['dyad', 'group', 'session_number', 'path']
    """

    def __init__(self, sources: Mapping[str, _Source], table: pd.DataFrame) -> None:
        self._sources = dict(sources)
        self.table = table

    def __len__(self) -> int:
        return len(self._sources)

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._sources

    def __getitem__(self, session_id: str) -> xr.DataTree:
        if session_id not in self._sources:
            raise KeyError(
                f"No session {session_id!r} in the cohort; e.g. {list(self._sources)[:3]}."
            )
        return self._sources[session_id].load()

    def items(self) -> Iterator[tuple[str, xr.DataTree]]:
        """Pairs of (session id, session), each read when reached.

        Examples
        --------
        >>> import concordlab
        >>> cohort = concordlab.open_cohort(concordlab.simulate_cohort(2, duration=30))
        >>> [key for key, session in cohort.items()]
        ['dyad-01', 'dyad-02']
        """
        for key, source in self._sources.items():
            yield key, source.load()

    def to_delayed(self) -> dict[str, Any]:
        """One ``dask.delayed`` per session that reads it: build your own dask graphs.

        Examples
        --------
        >>> import concordlab
        >>> cohort = concordlab.open_cohort(concordlab.simulate_cohort(2, duration=30))
        >>> concordlab.persons(cohort.to_delayed()["dyad-01"].compute())
        ('patient', 'therapist')
        """
        return {
            key: dask.delayed(source.load, pure=True)(dask_key_name=f"load-{key}")
            for key, source in self._sources.items()
        }

    @property
    def groups(self) -> list[str]:
        """The groups present (e.g. ``['dropout', 'normal']``), sorted."""
        return sorted(self.table["group"].dropna().unique().tolist())

    def select(self, ids: Sequence[str] | pd.Series | np.ndarray) -> LazyCohort:
        """The sub-cohort of the given session ids (or a boolean mask over ``table``).

        Examples
        --------
        >>> import concordlab
        >>> cohort = concordlab.open_cohort(concordlab.simulate_cohort(4, duration=30))
        >>> len(cohort.select(cohort.table["true_coupling"] > 0.5)) < 4
        True
        """
        if isinstance(ids, pd.Series) and ids.dtype == bool:
            ids = ids.index[ids.to_numpy()].tolist()
        elif isinstance(ids, np.ndarray) and ids.dtype == bool:
            if ids.shape != (len(self),):
                raise ValidationError(
                    f"A boolean mask must hold one value per session ({len(self)}), got shape "
                    f"{ids.shape}."
                )
            ids = self.table.index[ids].tolist()
        elif isinstance(ids, str) or not isinstance(ids, Iterable):
            raise ValidationError(
                f"select needs a list of session ids or a boolean mask, got {ids!r}."
            )
        ids = list(ids)
        missing = [i for i in ids if not isinstance(i, str) or i not in self._sources]
        if missing:
            raise ValidationError(f"Session(s) {missing[:5]} are not in the cohort.")
        return LazyCohort({i: self._sources[i] for i in ids}, self.table.loc[ids])

    def compute(self, measure: str | Callable[..., Any] = "index", **kwargs: Any) -> CohortResult:
        """Run ``measure`` on every session: see :func:`compute_cohort`.

        Examples
        --------
        >>> import concordlab
        >>> cohort = concordlab.open_cohort(concordlab.simulate_cohort(3, duration=120))
        >>> result = cohort.compute("index", window=15, progress=False)
        >>> result.values.dims
        ('session',)
        """
        return compute_cohort(self, measure, **kwargs)

    def pseudo_dyads(self, *, keep_roles: bool = True, **kwargs: Any) -> LazyCohort:
        """The cohort of pseudo-dyads: people from different dyads paired (in memory).

        Reads every session, then pairs them with :func:`concordlab.pseudo_dyads`
        (``N * (N - 1)`` pseudo-dyads with roles kept, ``2 * N * (N - 1)`` without). The
        table has the ``first`` and ``second`` source session and, when both come from
        one group, that ``group``.

        Examples
        --------
        >>> import concordlab
        >>> cohort = concordlab.open_cohort(concordlab.simulate_cohort(3, duration=60))
        >>> pseudo = cohort.pseudo_dyads()
        >>> len(pseudo), pseudo.table[["first", "second"]].iloc[0].tolist()
        (6, ['dyad-01', 'dyad-02'])
        """
        keep_roles = FLAG.check(keep_roles, "keep_roles")
        pseudo = pseudo_dyads(dict(self.items()), keep_roles=keep_roles, **kwargs)
        rows = []
        for key in pseudo:
            first, second = (part.rsplit(":", 1)[0] for part in key.split("+", 1))
            groups = {self.table.at[first, "group"], self.table.at[second, "group"]}
            group = groups.pop() if len(groups) == 1 else None
            rows.append({"first": first, "second": second, "group": group})
        table = pd.DataFrame(rows, index=pd.Index(list(pseudo), name="session"))
        return LazyCohort({k: _Source(session=s) for k, s in pseudo.items()}, table)

    def real_vs_pseudo(
        self,
        measure: str | Callable[..., Any] = "index",
        *,
        keep_roles: bool = True,
        n_permutations: int = 10000,
        alternative: str = "greater",
        seed: int | None = None,
        channel: str | None = None,
        scheduler: str | Any | None = None,
        progress: bool = True,
        **params: Any,
    ) -> RealPseudoComparison:
        """Is the cohort's concordance real? Its dyads against all its pseudo-dyads.

        Computes ``measure`` (one number per session) on every real dyad and on every
        pseudo-dyad of :meth:`pseudo_dyads` (all cross pairs, roles kept by default),
        with the same parameters and scheduler, then compares them with
        :func:`concordlab.stats.compare_real_pseudo` (the mean of the real dyads against
        random re-pairings of the same people).

        Parameters
        ----------
        measure : str or callable, default "index"
            A measure giving one number per session (see :func:`compute_cohort`).
        keep_roles : bool, default True
            Pair first persons only with second persons (patients with therapists).
            Without roles kept, the null is the subsets null (plain values).
        n_permutations, alternative, seed
            As in :func:`concordlab.stats.compare_real_pseudo`.
        channel, scheduler, progress, **params
            As in :func:`compute_cohort`.

        Returns
        -------
        RealPseudoComparison
            Printable; ``.plot()`` draws both distributions, ``.to_frame()`` a table.

        Raises
        ------
        ValidationError
            If the measure does not give one number per session, or too few sessions
            could be measured.

        Examples
        --------
        >>> import concordlab
        >>> cohort = concordlab.open_cohort(concordlab.simulate_cohort(4, duration=120, seed=2))
        >>> result = cohort.real_vs_pseudo(window=15, progress=False, seed=0)
        >>> result.n_real, result.n_pseudo, result.null_method
        (4, 12, 're-pairing')
        """
        options = {"channel": channel, "scheduler": scheduler, "progress": progress, **params}
        real = compute_cohort(self, measure, **options)
        pseudo = compute_cohort(self.pseudo_dyads(keep_roles=keep_roles), measure, **options)
        for result in (real, pseudo):
            if result.values.ndim != 1:
                raise ValidationError(
                    f"real_vs_pseudo needs one number per session, but {result.measure!r} "
                    f"gives dimensions {result.values.dims}; use a session-level measure "
                    f"such as one of {list(SCALAR_MEASURES)}."
                )
        name = real.measure
        return compare_real_pseudo(
            real.values.to_series().rename(name),
            pseudo.values.to_series().rename(name),
            n_permutations=n_permutations,
            alternative=alternative,
            seed=seed,
        )

    def __repr__(self) -> str:
        groups = self.table["group"].value_counts().to_dict()
        shown = f", groups {groups}" if groups else ""
        ratings = [c for c in self.table.columns if c not in METADATA_COLUMNS]
        extra = f", ratings {ratings}" if ratings else ""
        return f"<LazyCohort: {len(self)} session(s){shown}{extra}>"


@renamed(fs="sampling_rate")
def open_cohort(
    sessions: str | Path | Sequence[str | Path | xr.DataTree] | Mapping[str, xr.DataTree] | Cohort,
    ratings: pd.DataFrame | str | Path | None = None,
    *,
    on: str | None = None,
    sampling_rate: float | None = None,
    channel: str | None = None,
    **read_options: Any,
) -> LazyCohort:
    """List a study's sessions with their metadata and ratings, without reading signals.

    Parameters
    ----------
    sessions : folder, list of paths, dict of id -> session, list of sessions, or Cohort
        A **folder** is searched recursively for saved sessions (``.nc``, ``.zarr``) and
        text recordings (``.txt``, ``.csv``, ``.tsv``, read with
        :func:`concordlab.read_csv`); the first sub-folder level names the ``group`` (the
        rMEA layout ``normal/``, ``dropout/``). Session ids are the paths relative to the
        folder without extension (``"normal/200_01"``). A **list of paths** gives ids from
        the file names. Sessions **in memory** (a dict, a list, or a
        :class:`concordlab.Cohort` whose ``ratings`` are joined) are used as they are.
    ratings : DataFrame or path to a CSV/TSV table, optional
        Per-session or per-dyad values (ratings, group, session number ...), joined on
        ``on``. Columns named ``group``, ``dyad`` or ``session_number`` override the
        values read from the layout.
    on : {"session", "dyad"}, optional
        What the ratings' index (or a column of that name) holds; default: a
        ``session`` or ``dyad`` column if there is one, else whichever of the two the
        index matches best.
    sampling_rate : float, optional
        Sampling rate (Hz) of text recordings without a time column (rMEA: 25). Its old
        name ``fs`` works until concordlab 0.3, with a ``FutureWarning``.
    channel : str, optional
        Channel name given to text recordings (rMEA: ``"motion"``).
    **read_options
        Further options of :func:`concordlab.read_csv` (``units``, ``persons`` ...).

    Returns
    -------
    LazyCohort
        ``table`` columns ``dyad`` (the name before a trailing ``_<number>``, as in
        rMEA's ``200_01``), ``group``, ``session_number``, ``path`` and the ratings.

    Raises
    ------
    ValidationError
        If nothing is found, an id appears twice, the ratings match no session, or an
        argument is bad (``sampling_rate`` not a sampling rate, an unknown ``on`` or read option).
    FileFormatError
        If the ratings file cannot be read: not UTF-8, empty, rows longer than the
        header, a column named twice.

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.datasets import rmea_files
    >>> folder = rmea_files()[0].parent.parent
    >>> cohort = concordlab.open_cohort(folder, sampling_rate=25, channel="motion")
    >>> len(cohort), cohort.groups
    (20, ['dropout', 'normal'])
    >>> row = cohort.table.loc["normal/200_01"]
    >>> row["dyad"], row["group"], int(row["session_number"])
    ('200', 'normal', 1)
    """
    unknown = sorted(set(read_options) - _READ_CSV_OPTIONS)
    if unknown:
        raise ValidationError(
            f"open_cohort got unknown option(s) {unknown}; besides its own parameters it "
            f"takes those of concordlab.read_csv: {sorted(_READ_CSV_OPTIONS)}."
        )
    if on is not None:
        on = Choice(("session", "dyad")).check(on, "on")
    if ratings is not None and not isinstance(ratings, pd.DataFrame | str | os.PathLike):
        raise ValidationError(
            f"ratings must be a DataFrame or a CSV/TSV path, got {type(ratings).__name__}."
        )
    options = dict(read_options)
    if sampling_rate is not None:
        options["sampling_rate"] = SAMPLING_RATE.check(sampling_rate, "sampling_rate")
    if channel is not None:
        options["channel"] = Text(non_empty=True).check(channel, "channel")
    frozen = tuple(sorted(options.items()))
    cohort_ratings = None
    if isinstance(sessions, Cohort):
        cohort_ratings = sessions.ratings
        sessions = sessions.sessions
    if isinstance(sessions, str | os.PathLike):
        folder = check_path(sessions, "sessions", "folder of sessions")
        if not folder.exists():
            raise ValidationError(f"'{folder}' does not exist; give a folder of sessions.")
        paths = _files_in(folder) if folder.is_dir() and folder.suffix != ".zarr" else [folder]
        if not paths:
            raise ValidationError(
                f"No sessions in '{folder}': looked for {SESSION_SUFFIXES + TEXT_SUFFIXES} "
                "files in it and its sub-folders."
            )
        root = folder if folder.is_dir() and folder.suffix != ".zarr" else None
        keys, rows = _file_rows(paths, root)
        sources = [_Source(path=p, read_options=frozen) for p in paths]
    elif isinstance(sessions, xr.DataTree):
        raise ValidationError(
            "open_cohort needs several sessions (a folder, a list or a dict), got one session."
        )
    elif isinstance(sessions, Mapping):
        keys = [str(k) for k in sessions]
        rows, sources = [], []
        for key, session in sessions.items():
            _check_session(session, key)
            dyad, number = _split_id(str(key).rsplit("/", 1)[-1])
            group = str(key).split("/", 1)[0] if "/" in str(key) else None
            rows.append({"dyad": dyad, "group": group, "session_number": number, "path": None})
            sources.append(_Source(session=session))
    elif isinstance(sessions, Sequence):
        items = list(sessions)
        if all(isinstance(item, str | os.PathLike) for item in items):
            paths = [check_path(item, "each path", "session file") for item in items]
            absent = [str(p) for p in paths if not p.exists()]
            if absent:
                raise ValidationError(f"These files do not exist: {absent[:5]}.")
            keys, rows = _file_rows(paths, None)
            sources = [_Source(path=p, read_options=frozen) for p in paths]
        elif all(isinstance(item, xr.DataTree) for item in items):
            named = {}
            for i, session in enumerate(items):
                key = str(session.attrs.get("session_id") or f"session-{i + 1}")
                _check_session(session, key)
                named[key if key not in named else f"{key}-{i + 1}"] = session
            return open_cohort(named, ratings, on=on)
        else:
            raise ValidationError(
                "Give a list of paths or a list of sessions, not a mix of "
                f"{sorted({type(i).__name__ for i in items})}."
            )
    else:
        raise ValidationError(
            "sessions must be a folder, a list of paths or sessions, a dict of id -> session "
            f"or a Cohort; got {type(sessions).__name__}."
        )
    duplicated = sorted(key for key, count in Counter(keys).items() if count > 1)
    if duplicated:
        raise ValidationError(f"Session id(s) {duplicated[:5]} appear more than once.")
    if not keys:
        raise ValidationError("The cohort is empty: give at least one session.")
    table = pd.DataFrame(rows, index=pd.Index(keys, name="session"))
    table["session_number"] = table["session_number"].astype("Int64")
    if cohort_ratings is not None:
        table = table.join(cohort_ratings.drop(columns=["path"], errors="ignore"))
    if ratings is not None:
        table = _join_ratings(table, ratings, on)
    return LazyCohort(dict(zip(keys, sources, strict=True)), table)


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


# --------------------------------------------------------------------------- computing


@dataclass(frozen=True)
class _Failure:
    session: str
    error: str
    detail: str


def _measure_one(
    session_id: str, source: _Source, measure: Callable[..., Any], channel: str | None, params: dict
) -> Any:
    """Read one session and measure it; a failure is returned, not raised."""
    try:
        value = measure(source.load(), channel, **params)
        if isinstance(value, xr.DataArray | xr.Dataset):
            return value
        return float(value)
    except Exception as error:  # one bad session must not stop the cohort
        return _Failure(session_id, f"{type(error).__name__}: {error}", traceback.format_exc())


@dataclass(frozen=True)
class CohortResult:
    """A measure computed over a cohort.

    Attributes
    ----------
    values : xarray.DataArray
        The measure with a leading ``session`` dimension (failed sessions left out) and
        the cohort's metadata and ratings as ``session`` coordinates.
    table : pandas.DataFrame
        The cohort table (metadata and ratings) of the sessions computed.
    errors : pandas.DataFrame
        One row per failed session: ``error`` (type and message) and ``detail`` (the
        traceback).
    measure : str
        The measure's name; ``params`` its parameters; ``seconds`` the wall time.
    """

    values: xr.DataArray
    table: pd.DataFrame
    errors: pd.DataFrame
    measure: str
    params: dict = field(default_factory=dict)
    seconds: float = math.nan

    def to_frame(self) -> pd.DataFrame:
        """The values as a tidy table: one row per session (and time, lag), with metadata.

        Examples
        --------
        >>> import concordlab
        >>> cohort = concordlab.open_cohort(concordlab.simulate_cohort(3, duration=120))
        >>> frame = cohort.compute("index", progress=False).to_frame()
        >>> frame.columns.tolist()[:3]
        ['session', 'index', 'dyad']
        >>> len(frame)
        3
        """
        values = self.values.reset_coords(drop=True)
        frame = values.to_dataframe(name=self.measure).reset_index()
        # A metadata column named like one of the measure's dimensions gets a prefix.
        table = self.table.rename(
            columns={column: f"session_{column}" for column in self.table if column in frame}
        )
        return frame.merge(table, left_on="session", right_index=True, how="left")

    def __repr__(self) -> str:
        failed = f", {len(self.errors)} failed" if len(self.errors) else ""
        return (
            f"<CohortResult {self.measure!r}: {self.values.sizes.get('session', 0)} "
            f"session(s){failed}, dims {dict(self.values.sizes)}>"
        )


class _TaskBar(Callback):
    """A tqdm bar over the per-session tasks of a local dask computation."""

    def __init__(self, keys: set, bar: Any) -> None:
        super().__init__()
        self._keys, self._bar = keys, bar

    def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
        if key in self._keys:
            self._bar.update(1)


def _active_client() -> Any:
    try:
        from distributed import default_client
    except ImportError:  # pragma: no cover - distributed is a dependency
        return None
    try:
        return default_client()
    except ValueError:
        return None


def compute_cohort(
    cohort: LazyCohort | Any,
    measure: str | Callable[..., Any] = "index",
    *,
    channel: str | None = None,
    scheduler: str | Any | None = None,
    progress: bool = True,
    **params: Any,
) -> CohortResult:
    """Compute one measure over every session of a cohort, in parallel with dask.

    Each session is read, measured and released inside its own task, so only a few
    sessions (one per worker) are in memory at once. A session that fails is reported
    (with its id, in ``result.errors`` and a warning) and does not stop the others.

    Parameters
    ----------
    cohort : LazyCohort, or anything :func:`open_cohort` accepts
        The sessions.
    measure : str or callable, default "index"
        A name from :func:`cohort_measures` (:data:`MEASURES` and every registered
        measure), or a function ``f(session, channel, **params)``
        returning a number or an xarray object (define it at module level to use
        processes or a cluster: it must be picklable).
    channel : str, optional
        The channel measured; default as in :func:`concordlab.concordance`.
    scheduler : {"threads", "processes", "synchronous"}, a dask.distributed Client, or str
        Where to run. Default: the active ``dask.distributed`` client if there is one
        (so code written on a laptop runs unchanged on a cluster), else the fastest
        local choice: ``"threads"`` for sessions in memory and text files, and for saved
        sessions (``.nc``, ``.zarr``), whose reading holds the GIL, ``"synchronous"``
        (one after the other) below :data:`PROCESSES_FROM` sessions and ``"processes"``
        from there (a fresh process pool each call costs about 2 s; in a script, guard
        the call with ``if __name__ == "__main__":``). A string with ``://`` is a
        scheduler address to connect to (e.g. ``"tls://host:8786"``); use only a
        scheduler you run yourself, as it runs whatever it is sent.
    progress : bool, default True
        Show a progress bar (one step per session).
    **params
        The measure's parameters, exactly as for one session (``method``, ``window``,
        ``step``, ``slope_window``, ``max_lag`` ...), checked once before any session is
        read: a parameter the method does not take is refused.

    Returns
    -------
    CohortResult
        ``values`` (xarray, ``session`` first), ``to_frame()`` (tidy), ``errors``.

    Raises
    ------
    ValidationError
        If the measure is unknown, or every session failed (the first errors are shown).

    Examples
    --------
    >>> import concordlab
    >>> cohort = concordlab.open_cohort(concordlab.simulate_cohort(4, duration=120, seed=2))
    >>> result = concordlab.compute_cohort(cohort, "index", window=15, progress=False)
    >>> single = concordlab.concordance_index(concordlab.concordance(cohort["dyad-03"], window=15))
    >>> bool(result.values.sel(session="dyad-03") == single)
    True
    >>> series = concordlab.compute_cohort(cohort, "concordance", window=15, progress=False)
    >>> series.values.dims
    ('session', 'time')
    """
    progress = FLAG.check(progress, "progress")
    if channel is not None:
        channel = Text(non_empty=True).check(channel, "channel")
    if not isinstance(cohort, LazyCohort):
        cohort = open_cohort(cohort)
    name, function, params = _resolve(measure, params)
    ids = list(cohort)
    sources = cohort._sources
    tasks = [
        dask.delayed(_measure_one, pure=True)(
            key, sources[key], function, channel, params, dask_key_name=f"measure-{i}"
        )
        for i, key in enumerate(ids)
    ]
    if scheduler is None and _active_client() is None:
        scheduler = _local_default(sources[key] for key in ids)
    started = time.perf_counter()
    outputs = _run(tasks, scheduler, progress, label=name)
    seconds = time.perf_counter() - started
    failures = [o for o in outputs if isinstance(o, _Failure)]
    done = [(key, o) for key, o in zip(ids, outputs, strict=True) if not isinstance(o, _Failure)]
    errors = pd.DataFrame(
        {"error": [f.error for f in failures], "detail": [f.detail for f in failures]},
        index=pd.Index([f.session for f in failures], name="session"),
    )
    if not done:
        shown = "; ".join(f"{f.session}: {f.error}" for f in failures[:3])
        raise ValidationError(f"The measure failed on every session ({shown}).")
    if failures:
        shown = "; ".join(f"{f.session}: {f.error}" for f in failures[:5])
        warnings.warn(
            f"{len(failures)} of {len(ids)} session(s) failed and are left out ({shown}); "
            "see result.errors.",
            UserWarning,
            stacklevel=2,
        )
    table = cohort.table.loc[[key for key, _ in done]]
    values = _stack(done, name)
    # Metadata become session coordinates, unless the measure has a dimension or coordinate
    # of that name (a user's measure with a "group" dim): the measure's own labels win,
    # result.table still has the metadata.
    own = set(values.dims) | set(values.coords)
    for column in table.columns:
        if column != "path" and column not in own:
            values = values.assign_coords({column: ("session", table[column].to_numpy())})
    return CohortResult(values, table, errors, name, dict(params), seconds)


def _local_default(sources: Iterable[_Source]) -> str:
    """The local scheduler that is fastest for these sessions (measured on 2 cores).

    Reading a saved session (netCDF/Zarr through xarray) is Python work that holds the
    GIL and, on threads, stalls the other thread's computing: 100 saved 60-minute
    sessions took 8.1 s on threads, 5.4 s one after the other, 4.8 s on processes,
    whose start-up (about 2 s) pays off only for long cohorts (1000 sessions: 28.6 s vs
    37.1 s for a loop). Text files (read by pandas' C parser) and sessions in memory
    run best on threads (the 20 rMEA files: 0.2 s vs 0.45 s one after the other).
    """
    if sys.platform == "emscripten":  # Pyodide (JupyterLite): dask has no threads there
        return "synchronous"
    stored = 0
    total = 0
    for source in sources:
        total += 1
        stored += source.path is not None and source.path.suffix.lower() in SESSION_SUFFIXES
    if not stored:
        return "threads"
    return "processes" if total >= PROCESSES_FROM else "synchronous"


LOCAL_SCHEDULERS = ("threads", "processes", "synchronous")


def _check_scheduler(scheduler: Any) -> None:
    if scheduler is None or (
        isinstance(scheduler, str) and (scheduler in LOCAL_SCHEDULERS or "://" in scheduler)
    ):
        return
    is_client = not isinstance(scheduler, str) and all(
        callable(getattr(scheduler, name, None)) for name in ("compute", "gather")
    )
    if not is_client:
        raise ValidationError(
            f"scheduler must be 'threads', 'processes', 'synchronous', a dask.distributed "
            f"Client or a scheduler address such as 'tls://host:8786', got {scheduler!r}."
        )


def _run(tasks: list, scheduler: Any, progress: bool, *, label: str) -> list:
    _check_scheduler(scheduler)
    client = None
    if isinstance(scheduler, str) and "://" in scheduler:
        from distributed import Client

        try:
            client = Client(scheduler, timeout="10s", set_as_default=False)
        except (OSError, ValueError, TypeError) as error:
            raise ConcordlabError(
                f"Cannot reach the dask scheduler at {scheduler} ({error}); check the "
                "address and that the scheduler is running."
            ) from None
        try:
            return _run_distributed(client, tasks, progress, label)
        finally:
            client.close()
    elif scheduler is not None and not isinstance(scheduler, str):
        client = scheduler
    elif scheduler is None:
        client = _active_client()
        if client is None:
            scheduler = "threads"
    if client is not None:
        return _run_distributed(client, tasks, progress, label)
    from tqdm.auto import tqdm  # in a kernel tqdm.auto imports ipywidgets: only when used

    keys = {task.key for task in tasks}
    with tqdm(total=len(tasks), desc=label, unit="session", disable=not progress) as bar:
        with _TaskBar(keys, bar):
            return list(dask.compute(*tasks, scheduler=scheduler))


def _run_distributed(client: Any, tasks: list, progress: bool, label: str) -> list:
    from distributed import as_completed
    from tqdm.auto import tqdm

    futures = client.compute(tasks)
    with tqdm(total=len(futures), desc=label, unit="session", disable=not progress) as bar:
        for _ in as_completed(futures):
            bar.update(1)
    return client.gather(futures)


def _stack(done: list[tuple[str, Any]], name: str) -> xr.DataArray:
    keys = [key for key, _ in done]
    first = done[0][1]
    if isinstance(first, float):
        return xr.DataArray(
            np.array([value for _, value in done], dtype=float),
            dims="session",
            coords={"session": keys},
            name=name,
        )
    arrays = []
    for key, value in done:
        if isinstance(value, xr.Dataset):
            raise ValidationError(
                "The measure returned a Dataset; return one DataArray or number per session."
            )
        if not isinstance(value, xr.DataArray):
            raise ValidationError(
                f"Session '{key}' gave {type(value).__name__} where the others gave arrays."
            )
        # Scalar labels (channel, parameters) would clash across sessions; coordinates
        # along the measure's dimensions (window_start, window_end) are kept.
        plain = value.drop_vars([name for name, coord in value.coords.items() if coord.ndim == 0])
        arrays.append(plain.expand_dims(session=[key]))
    stacked = xr.concat(arrays, dim="session", join="outer", combine_attrs="drop_conflicts")
    stacked.name = name
    return stacked
