"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable


def best_of(repeat: int, action: Callable[[], object]) -> float:
    """The fastest of ``repeat`` wall-clock timings of ``action``, in seconds."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def peak_memory_mb(action: Callable[[], object]) -> float:
    """Peak memory traced by Python while ``action`` runs, in MB."""
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6
