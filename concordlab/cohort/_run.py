"""Running one task per session: locally on threads or processes, or on a dask cluster."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import dask
import xarray as xr
from dask.callbacks import Callback

from concordlab.cohort._sources import _Source
from concordlab.errors import ConcordlabError, ValidationError
from concordlab.io.dispatch import SESSION_SUFFIXES

PROCESSES_FROM = 200  # saved sessions from which a process pool beats reading in turn


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
