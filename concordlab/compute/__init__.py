"""The concordance engine: one windowed kernel, one window grid, measures in a registry.

Examples
--------
>>> from concordlab.compute import windowed_moments, wlcc
"""

from concordlab.compute.concordance import concordance, concordance_index, slopes
from concordlab.compute.grid import WindowGrid, windowed_apply
from concordlab.compute.kernel import WindowedMoments, window_starts, windowed_moments
from concordlab.compute.measures.granger import leader_follower
from concordlab.compute.measures.phase import instantaneous_phase
from concordlab.compute.measures.susy import susy
from concordlab.compute.moments import add_moments, by_segment, moments
from concordlab.compute.registry import Measure, Parameter, get_measure, measure_names, register
from concordlab.compute.surrogates import (
    circular_shift,
    pseudo_dyads,
    pseudo_groups,
    segment_shuffle,
    surrogate_test,
)
from concordlab.compute.wlcc import wlcc, wlcc_peaks, wlcc_summary

__all__ = [
    "Measure",
    "Parameter",
    "WindowGrid",
    "WindowedMoments",
    "add_moments",
    "by_segment",
    "circular_shift",
    "concordance",
    "concordance_index",
    "get_measure",
    "instantaneous_phase",
    "leader_follower",
    "measure_names",
    "moments",
    "pseudo_dyads",
    "pseudo_groups",
    "register",
    "segment_shuffle",
    "slopes",
    "surrogate_test",
    "susy",
    "window_starts",
    "windowed_apply",
    "windowed_moments",
    "wlcc",
    "wlcc_peaks",
    "wlcc_summary",
]
