"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable


def best_of(repeat: int, action: Callable[[], object]) -> float:
    """The fastest of ``repeat`` wall-clock timings of ``action``, in seconds."""
    return min(timings(repeat, action))


def median_of(repeat: int, action: Callable[[], object]) -> float:
    """The median of ``repeat`` wall-clock timings of ``action``, in seconds."""
    return statistics.median(timings(repeat, action))


def timings(repeat: int, action: Callable[[], object]) -> list[float]:
    """``repeat`` wall-clock timings of ``action``, in seconds."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        out.append(time.perf_counter() - start)
    return out


def peak_memory_mb(action: Callable[[], object]) -> float:
    """Peak memory traced by Python while ``action`` runs, in MB (numpy's arrays included:
    numpy reports its allocations to tracemalloc)."""
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6
