"""The concordance engine: one windowed kernel, measures built on it.

Examples
--------
>>> from concordlab.compute import windowed_moments, wlcc
"""

from concordlab.compute.concordance import concordance, concordance_index, slopes
from concordlab.compute.kernel import WindowedMoments, window_starts, windowed_moments
from concordlab.compute.wlcc import wlcc, wlcc_peaks, wlcc_summary

__all__ = [
    "WindowedMoments",
    "concordance",
    "concordance_index",
    "slopes",
    "window_starts",
    "windowed_moments",
    "wlcc",
    "wlcc_peaks",
    "wlcc_summary",
]
