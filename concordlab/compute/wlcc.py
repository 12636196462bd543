"""Windowed lagged cross-correlation; its home is :mod:`concordlab.compute.measures.wlcc`.

Examples
--------
>>> from concordlab.compute.wlcc import wlcc, wlcc_peaks, wlcc_summary
"""

from concordlab.compute.measures.wlcc import FISHER_Z_LIMIT, wlcc, wlcc_peaks, wlcc_summary

__all__ = ["FISHER_Z_LIMIT", "wlcc", "wlcc_peaks", "wlcc_summary"]
