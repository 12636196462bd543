"""concordlab: explore physiological concordance between two people recorded together.

Examples
--------
>>> import concordlab
>>> session = concordlab.example_session()
>>> concordlab.persons(session)
('patient', 'therapist')
"""

from concordlab import preprocess, stats
from concordlab.cohort import CohortResult, LazyCohort, compute_cohort, open_cohort
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
from concordlab.stats import compare_groups, compare_paired, compare_real_pseudo, correlate
from concordlab.widgets import explore

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
