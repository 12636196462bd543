"""A lazily opened cohort: sessions listed with metadata and ratings, read when measured."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dask
import numpy as np
import pandas as pd
import xarray as xr

from concordlab._checks import FLAG, SAMPLING_RATE, Choice, Text
from concordlab._deprecate import renamed
from concordlab.cohort._measures import SCALAR_MEASURES
from concordlab.cohort._sources import (
    _READ_CSV_OPTIONS,
    METADATA_COLUMNS,
    SESSION_SUFFIXES,
    TEXT_SUFFIXES,
    _check_session,
    _file_rows,
    _files_in,
    _join_ratings,
    _Source,
    _split_id,
)
from concordlab.compute import pseudo_dyads
from concordlab.errors import ValidationError
from concordlab.io._common import check_path
from concordlab.io.csv import check_read_options
from concordlab.simulate import Cohort
from concordlab.stats import RealPseudoComparison, compare_real_pseudo

if TYPE_CHECKING:
    from concordlab.cohort._result import CohortResult


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
        from concordlab.cohort._compute import compute_cohort

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
        :func:`concordlab.stats.compare_real_pseudo`: the mean of the real dyads against
        the means of the pairings of the same people (the real pairing among them).

        **Null hypothesis: who was recorded with whom makes no difference** (the real
        pairing is exchangeable with every other pairing of the same people), so the
        test holds its level exactly; the smallest attainable p is ``1 / N!`` for ``N``
        dyads when all ``N!`` pairings are enumerated (N <= 7 by default), else
        ``1 / (n_permutations + 1)``. The real-vs-strangers summary (``mean_diff``,
        ``d``, ``above_median``, ``above_p95``) is a description, not the test.
        Calibration (``benchmarks/bench_calibration.py``): 6 of 100 uncoupled simulated
        cohorts of 5 dyads rejected at 0.05 (6.0 %, Wilson 95 % CI 2.8-12.5; the same
        null as :func:`~concordlab.stats.compare_real_pseudo`, 5.0 % over 200).

        Parameters
        ----------
        measure : str or callable, default "index"
            A measure giving one number per session (see :func:`compute_cohort`).
        keep_roles : bool, default True
            Pair first persons only with second persons (patients with therapists).
            Without roles kept, the null is every perfect matching of the cohort's 2N
            people (the real one among them; ``(2N - 1)!!`` matchings, enumerated for
            N <= 5 by default), which also holds its level exactly.
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
        from concordlab.cohort._compute import compute_cohort

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
    # Checked now, as read_csv checks them, not when each session is read; whether a file
    # has the time_column or columns named is checked when it is read.
    check_read_options(**options)
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
