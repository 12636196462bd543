"""concordlab: explore physiological concordance between two people recorded together.

The light parts (the session model, segments, readers, compute, preprocess, simulation,
errors) are imported with the package; the parts that need heavy libraries are imported
on first use (PEP 562): the statistics (``concordlab.stats``), the cohorts (dask) and the
explorer (plotly, ipywidgets, anywidget). So ``import concordlab`` stays quick, which
matters in a browser classroom.

Examples
--------
>>> import concordlab
>>> session = concordlab.example_session()
>>> concordlab.persons(session)
('patient', 'therapist')
>>> "explore" in dir(concordlab)
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from concordlab import preprocess
from concordlab.compute import (
    add_moments,
    by_segment,
    circular_shift,
    concordance,
    concordance_index,
    moments,
    pseudo_dyads,
    segment_shuffle,
    surrogate_test,
    wlcc,
    wlcc_peaks,
    wlcc_summary,
)
from concordlab.datasets import example_cohort, example_session, rmea_psychotherapy
from concordlab.errors import (
    ConcordlabError,
    DataNotFoundError,
    FileFormatError,
    SegmentError,
    ValidationError,
)
from concordlab.io import (
    load,
    read_bids_physio,
    read_csv,
    read_e4,
    read_events_tsv,
    save,
    write_events_tsv,
)
from concordlab.segments import add_segment, remove_segment, segments, set_segments
from concordlab.session import (
    DEFAULT_PERSONS,
    add_channel,
    add_result,
    channels,
    from_arrays,
    get_result,
    metadata,
    persons,
    resample,
    results,
    time_span,
    validate_session,
)
from concordlab.simulate import Cohort, simulate_cohort, simulate_dyad

# Heavy names, imported on first use: name -> module that defines it (a module itself
# when the name is the module's last part).
_LAZY: dict[str, str] = {
    "CohortResult": "concordlab.cohort",
    "LazyCohort": "concordlab.cohort",
    "compute_cohort": "concordlab.cohort",
    "open_cohort": "concordlab.cohort",
    "stats": "concordlab.stats",
    "compare_groups": "concordlab.stats",
    "compare_paired": "concordlab.stats",
    "compare_real_pseudo": "concordlab.stats",
    "correlate": "concordlab.stats",
    "explore": "concordlab.widgets.explorer",
}

if TYPE_CHECKING:
    from concordlab import stats
    from concordlab.cohort import CohortResult, LazyCohort, compute_cohort, open_cohort
    from concordlab.stats import compare_groups, compare_paired, compare_real_pseudo, correlate
    from concordlab.widgets.explorer import explore


def __getattr__(name: str) -> Any:
    """Import a heavy public name on first use (PEP 562) and keep it in the namespace."""
    try:
        module_name = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'concordlab' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if module_name == f"{__name__}.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [
    "DEFAULT_PERSONS",
    "Cohort",
    "CohortResult",
    "ConcordlabError",
    "DataNotFoundError",
    "FileFormatError",
    "LazyCohort",
    "SegmentError",
    "ValidationError",
    "add_channel",
    "add_moments",
    "add_result",
    "add_segment",
    "by_segment",
    "channels",
    "circular_shift",
    "compare_groups",
    "compare_paired",
    "compare_real_pseudo",
    "compute_cohort",
    "concordance",
    "concordance_index",
    "correlate",
    "example_cohort",
    "example_session",
    "explore",
    "from_arrays",
    "get_result",
    "load",
    "metadata",
    "moments",
    "open_cohort",
    "persons",
    "preprocess",
    "pseudo_dyads",
    "read_bids_physio",
    "read_csv",
    "read_e4",
    "read_events_tsv",
    "remove_segment",
    "resample",
    "results",
    "rmea_psychotherapy",
    "save",
    "segment_shuffle",
    "segments",
    "set_segments",
    "simulate_cohort",
    "simulate_dyad",
    "stats",
    "surrogate_test",
    "time_span",
    "validate_session",
    "wlcc",
    "wlcc_peaks",
    "wlcc_summary",
    "write_events_tsv",
]
