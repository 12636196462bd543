"""The concordance engine: one windowed kernel, measures built on it.

Examples
--------
>>> from concordlab.compute import windowed_moments, wlcc
"""

from concordlab.compute.concordance import concordance, concordance_index, slopes
from concordlab.compute.kernel import WindowedMoments, window_starts, windowed_moments
from concordlab.compute.moments import add_moments, by_segment, moments
from concordlab.compute.surrogates import (
    circular_shift,
    pseudo_dyads,
    segment_shuffle,
    surrogate_test,
)
from concordlab.compute.wlcc import wlcc, wlcc_peaks, wlcc_summary

__all__ = [
    "WindowedMoments",
    "add_moments",
    "by_segment",
    "circular_shift",
    "concordance",
    "concordance_index",
    "moments",
    "pseudo_dyads",
    "segment_shuffle",
    "slopes",
    "surrogate_test",
    "window_starts",
    "windowed_moments",
    "wlcc",
    "wlcc_peaks",
    "wlcc_summary",
]
