"""Threads where this Python has them: the one home of the I/O's parallel work.

Pyodide (the JupyterLite class site) cannot start threads, so everything that hashes,
reads or flushes in parallel runs in order there.

Examples
--------
>>> parallel_map(len, ["a", "bb", "ccc"])
[1, 2, 3]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["CAN_THREAD", "parallel_map"]

T = TypeVar("T")

CAN_THREAD = sys.platform != "emscripten"
"""Whether this Python can start threads (False in Pyodide, in the browser)."""


def parallel_map(function: Callable[[Any], T], items: list[Any], *, most: int = 4) -> list[T]:
    """``[function(item) for item in items]``, in up to ``most`` threads where there are
    several items, several cores and threads at all.

    Parameters
    ----------
    function : callable
        Applied to each item; it must be safe to call from several threads.
    items : list
        The items, in order.
    most : int, default 4
        The most threads to use.

    Returns
    -------
    list
        The results, in the order of ``items``.

    Examples
    --------
    >>> parallel_map(lambda x: x * x, [1, 2, 3, 4], most=2)
    [1, 4, 9, 16]
    """
    workers = min(len(items), os.cpu_count() or 1, most) if CAN_THREAD else 1
    if workers < 2:
        return [function(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(function, items))
