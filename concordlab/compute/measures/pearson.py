"""``pearson``: the Pearson correlation of the two signals' levels in each window, at lag 0."""

from __future__ import annotations

import xarray as xr

from concordlab.compute._common import Pair
from concordlab.compute.grid import WindowGrid
from concordlab.compute.parameters import MIN_VALID, STEP, WINDOW
from concordlab.compute.registry import Measure
from concordlab.compute.result import build_result

__all__ = ["PEARSON"]


def _pearson(pair: Pair, *, window: float, step: float, min_valid: float) -> xr.DataArray:
    """Windowed Pearson correlation of the levels (the kernel's fast path).

    Examples
    --------
    >>> import concordlab
    >>> r = concordlab.concordance(concordlab.example_session(), method="pearson")
    >>> r.attrs["long_name"]
    'windowed Pearson correlation at lag 0'
    """
    grid = WindowGrid.from_seconds(pair, window=window, step=step, min_valid=min_valid)
    values = grid.moments(pair.first, pair.second).pearson(min_count=grid.min_count)[:, 0]
    seconds = grid.seconds
    used = {"window": seconds["window"], "step": seconds["step"], "min_valid": min_valid}
    return build_result(
        values,
        grid,
        pair,
        measure=PEARSON,
        params=used,
        long_name="windowed Pearson correlation at lag 0",
    )


PEARSON = Measure(
    name="pearson",
    function=_pearson,
    parameters=(WINDOW, STEP, MIN_VALID),
    dims=("time",),
    summary="windowed Pearson correlation of the levels at lag 0",
)

MEASURES = (PEARSON,)
"""The measures this module declares (the registry reads them)."""
