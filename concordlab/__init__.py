"""concordlab: explore physiological concordance between two people recorded together.

Only the session model (sessions, segments, errors) is imported with the package; every
other public name is imported on first use (PEP 562): the readers, compute, preprocess
and simulation (scipy), the statistics, the cohorts (dask) and the explorer (plotly,
ipywidgets, anywidget). So ``import concordlab`` costs little more than ``import
xarray``, which matters in a browser classroom. ``dir(concordlab)`` lists every name and
``concordlab.<submodule>`` (e.g. ``concordlab.plots``) is imported on first use too.

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

# Eager: light (numpy, xarray), and ``segments`` must be bound to the function before any
# import of the submodule concordlab.segments could bind that name to the module.
from concordlab._version import __version__ as __version__
from concordlab.errors import (
    ConcordlabError,
    DataNotFoundError,
    FileFormatError,
    SegmentError,
    UnitWarning,
    ValidationError,
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

# Imported on first use: the module that defines each public name.
_HOMES: dict[str, tuple[str, ...]] = {
    "concordlab.cohort": ("CohortResult", "LazyCohort", "compute_cohort", "open_cohort"),
    "concordlab.compute": (
        "add_moments",
        "by_segment",
        "circular_shift",
        "concordance",
        "concordance_index",
        "instantaneous_phase",
        "leader_follower",
        "moments",
        "pseudo_dyads",
        "pseudo_groups",
        "segment_shuffle",
        "surrogate_test",
        "susy",
        "wlcc",
        "wlcc_peaks",
        "wlcc_summary",
    ),
    "concordlab.datasets": ("example_cohort", "example_session", "rmea_psychotherapy"),
    "concordlab.io": (
        "Recording",
        "load",
        "pair_recordings",
        "read",
        "read_bids_physio",
        "read_csv",
        "read_e4",
        "read_events_tsv",
        "read_opensignals",
        "read_recording",
        "read_xdf",
        "save",
        "write_events_tsv",
    ),
    "concordlab.review": (
        "Ratings",
        "ReviewExport",
        "export_review",
        "read_ratings",
        "simulate_ratings",
    ),
    "concordlab.simulate": ("Cohort", "simulate_cohort", "simulate_dyad", "simulate_group"),
    "concordlab.stats": ("compare_groups", "compare_paired", "compare_real_pseudo", "correlate"),
    "concordlab.video": (
        "attach_video",
        "detach_video",
        "relink_video",
        "set_video_offset",
        "video_path",
        "videos",
    ),
    "concordlab.video_synth": ("simulate_video",),
    "concordlab.widgets.explorer": ("explore",),
}
_LAZY: dict[str, str] = {name: module for module, names in _HOMES.items() for name in names}
# Submodules reachable as attributes of the package (``concordlab.stats``), on first use.
_SUBMODULES = frozenset(
    {
        "cli",
        "cohort",
        "compute",
        "datasets",
        "io",
        "lite",
        "plots",
        "preprocess",
        "review",
        "session",
        "simulate",
        "stats",
        "video",
        "widgets",
    }
)

if TYPE_CHECKING:
    from concordlab import preprocess, stats
    from concordlab.cohort import CohortResult, LazyCohort, compute_cohort, open_cohort
    from concordlab.compute import (
        add_moments,
        by_segment,
        circular_shift,
        concordance,
        concordance_index,
        instantaneous_phase,
        leader_follower,
        moments,
        pseudo_dyads,
        pseudo_groups,
        segment_shuffle,
        surrogate_test,
        susy,
        wlcc,
        wlcc_peaks,
        wlcc_summary,
    )
    from concordlab.datasets import example_cohort, example_session, rmea_psychotherapy
    from concordlab.io import (
        Recording,
        load,
        pair_recordings,
        read,
        read_bids_physio,
        read_csv,
        read_e4,
        read_events_tsv,
        read_opensignals,
        read_recording,
        read_xdf,
        save,
        write_events_tsv,
    )
    from concordlab.review import (
        Ratings,
        ReviewExport,
        export_review,
        read_ratings,
        simulate_ratings,
    )
    from concordlab.simulate import Cohort, simulate_cohort, simulate_dyad, simulate_group
    from concordlab.stats import compare_groups, compare_paired, compare_real_pseudo, correlate
    from concordlab.video import (
        attach_video,
        detach_video,
        relink_video,
        set_video_offset,
        video_path,
        videos,
    )
    from concordlab.video_synth import simulate_video
    from concordlab.widgets.explorer import explore


def __getattr__(name: str) -> Any:
    """Import a public name or a submodule on first use (PEP 562); keep it in the namespace."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)


__all__ = [
    "DEFAULT_PERSONS",
    "Cohort",
    "CohortResult",
    "ConcordlabError",
    "DataNotFoundError",
    "FileFormatError",
    "LazyCohort",
    "Ratings",
    "Recording",
    "ReviewExport",
    "SegmentError",
    "UnitWarning",
    "ValidationError",
    "add_channel",
    "add_moments",
    "add_result",
    "add_segment",
    "attach_video",
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
    "detach_video",
    "example_cohort",
    "example_session",
    "explore",
    "export_review",
    "from_arrays",
    "get_result",
    "instantaneous_phase",
    "leader_follower",
    "load",
    "metadata",
    "moments",
    "open_cohort",
    "pair_recordings",
    "persons",
    "preprocess",
    "pseudo_dyads",
    "pseudo_groups",
    "read",
    "read_bids_physio",
    "read_csv",
    "read_e4",
    "read_events_tsv",
    "read_opensignals",
    "read_ratings",
    "read_recording",
    "read_xdf",
    "relink_video",
    "remove_segment",
    "resample",
    "results",
    "rmea_psychotherapy",
    "save",
    "segment_shuffle",
    "segments",
    "set_segments",
    "set_video_offset",
    "simulate_cohort",
    "simulate_dyad",
    "simulate_group",
    "simulate_ratings",
    "simulate_video",
    "stats",
    "surrogate_test",
    "susy",
    "time_span",
    "validate_session",
    "video_path",
    "videos",
    "wlcc",
    "wlcc_peaks",
    "wlcc_summary",
    "write_events_tsv",
]
