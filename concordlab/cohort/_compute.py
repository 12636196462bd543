"""Computing one measure over every session of a cohort."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import dask
import pandas as pd

from concordlab._checks import FLAG, Text
from concordlab.cohort._lazy import LazyCohort, open_cohort
from concordlab.cohort._measures import _resolve
from concordlab.cohort._result import CohortResult, _stack
from concordlab.cohort._run import _active_client, _Failure, _local_default, _measure_one, _run
from concordlab.errors import ValidationError


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
