"""Cohorts: many sessions opened lazily and measured in parallel with dask.

:func:`open_cohort` lists the sessions of a study (a folder, a list of files, or sessions
already in memory) with their metadata and ratings, without reading the signals.
:func:`compute_cohort` (or :meth:`LazyCohort.compute`) runs one measure of the engine over
every session in parallel, each task reading one session, measuring it and dropping it, so
a cohort larger than memory works. The same code runs on local threads or processes and,
unchanged, on a ``dask.distributed`` cluster when a client is active.

The modules: ``_sources`` (files, sessions in memory, ratings), ``_lazy`` (the cohort and
:func:`open_cohort`), ``_measures`` (measures by name, from the registry), ``_run`` (one
task per session, schedulers), ``_result`` (:class:`CohortResult`) and ``_compute``
(:func:`compute_cohort`).

Examples
--------
>>> from concordlab.cohort import open_cohort, compute_cohort
"""

from concordlab.cohort._compute import compute_cohort
from concordlab.cohort._lazy import LazyCohort, open_cohort
from concordlab.cohort._measures import MEASURES, SCALAR_MEASURES, cohort_measures
from concordlab.cohort._result import CohortResult
from concordlab.cohort._run import LOCAL_SCHEDULERS, PROCESSES_FROM, _local_default
from concordlab.cohort._sources import METADATA_COLUMNS, SESSION_SUFFIXES, TEXT_SUFFIXES

__all__ = [
    "LOCAL_SCHEDULERS",
    "MEASURES",
    "METADATA_COLUMNS",
    "PROCESSES_FROM",
    "SCALAR_MEASURES",
    "SESSION_SUFFIXES",
    "TEXT_SUFFIXES",
    "CohortResult",
    "LazyCohort",
    "_local_default",
    "cohort_measures",
    "compute_cohort",
    "open_cohort",
]
