"""The window grid every measure shares, and the generic windowed apply.

A :class:`WindowGrid` turns seconds into samples once (window, step, largest lag, lag
step), places the windows by rMEA's rule (window ``i`` starts at ``i * step``; only
windows with room for the largest lag), knows how many present samples a window needs
(``min_valid``), and writes the coordinates (``time`` = window centre, ``window_start``,
``window_end``, ``lag``, all in seconds). The moments kernel
(:func:`~concordlab.compute.kernel.windowed_moments`) is the fast path for the correlation
family; :func:`windowed_apply` serves every other measure, as xarray's
``rolling(...).construct()`` followed by a reduction.

Lag convention: **positive lag, the second person follows the first**. At lag ``L >= 0``
window ``s`` pairs ``first[s : s+window]`` with ``second[s+L : s+L+window]``; at ``L < 0``
``first[s+|L| : ...]`` with ``second[s : ...]``.

Examples
--------
>>> import concordlab
>>> from concordlab.compute._common import pair_from
>>> pair = pair_from(concordlab.example_session())
>>> grid = WindowGrid.from_seconds(pair, window=30, step=10, max_lag=5)
>>> grid.window, grid.step, grid.lags.size, grid.starts[:3].tolist()
(960, 320, 321, [0, 320, 640])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from concordlab.compute._common import Group, Pair, check_cells, samples, window_coords
from concordlab.compute.kernel import WindowedMoments, window_starts, windowed_moments
from concordlab.errors import ValidationError

__all__ = ["WindowGrid", "windowed_apply"]


@dataclass(frozen=True)
class WindowGrid:
    """Windows and lags over one pair of series, in samples, with their coordinates.

    Build one with :meth:`from_seconds`. ``starts`` are window start samples, ``lags``
    lags in samples (positive: the second person follows the first).
    """

    rate: float
    offset: float
    n_samples: int
    window: int
    step: int
    lags: np.ndarray
    starts: np.ndarray
    min_valid: float
    lag_convention: str

    @classmethod
    def from_seconds(
        cls,
        pair: Pair | Group,
        *,
        window: float,
        step: float,
        max_lag: float = 0.0,
        lag_step: float | None = None,
        min_valid: float = 0.5,
    ) -> WindowGrid:
        """The grid of ``window``/``step``/``max_lag``/``lag_step`` seconds over ``pair``.

        The errors say which parameter does not fit and what would.

        Examples
        --------
        >>> import concordlab
        >>> from concordlab.compute._common import pair_from
        >>> pair = pair_from(concordlab.example_session())
        >>> WindowGrid.from_seconds(pair, window=15, step=1).lags.tolist()
        [0]
        """
        n = pair.first.size
        window_n = samples(window, pair.rate, "window", minimum=2, length=n)
        step_n = samples(step, pair.rate, "step", length=n)
        max_lag_n = samples(max_lag, pair.rate, "max_lag", minimum=0, length=n)
        lag_step_n = 1 if lag_step is None else samples(lag_step, pair.rate, "lag_step", length=n)
        if window_n + max_lag_n > n:
            raise ValidationError(
                f"The '{pair.channel}' series ({n / pair.rate:g} s) is shorter than one window "
                f"plus the largest lag ({(window_n + max_lag_n) / pair.rate:g} s); use a "
                f"shorter window or max_lag (window + max_lag at most {n / pair.rate:g} s)."
            )
        starts = window_starts(n, window_n, step_n, max_lag_n)
        if starts.size == 0:
            raise ValidationError(
                f"The '{pair.channel}' series ({n / pair.rate:g} s) is shorter than one "
                f"window ({window_n / pair.rate:g} s); use a shorter window."
            )
        positive = np.arange(0, max_lag_n + 1, lag_step_n)
        lags = np.concatenate([-positive[:0:-1], positive])
        check_cells(starts.size, lags.size, "use a larger step or lag_step, or a smaller max_lag")
        if len(pair.persons) == 2:
            first, second = pair.persons
            convention = f"positive lag: {second} follows {first}"
        else:  # a group measure's grid
            convention = "positive lag: the second person of a pair follows the first"
        return cls(
            rate=pair.rate,
            offset=pair.offset,
            n_samples=n,
            window=window_n,
            step=step_n,
            lags=lags,
            starts=starts,
            min_valid=float(min_valid),
            lag_convention=convention,
        )

    @property
    def min_count(self) -> float:
        """Present pairs a window needs (``min_valid`` of the window, at least 2)."""
        return max(2.0, self.min_valid * self.window)

    @property
    def seconds(self) -> dict[str, float]:
        """The grid's parameters as used (rounded to whole samples), in seconds."""
        lag_step = float(np.diff(self.lags[-2:])[0]) if self.lags.size > 1 else 1.0
        return {
            "window": self.window / self.rate,
            "step": self.step / self.rate,
            "max_lag": float(np.abs(self.lags).max()) / self.rate,
            "lag_step": lag_step / self.rate,
        }

    def coords(self, pair: Pair | Group, *, lagged: bool = False) -> dict[str, Any]:
        """``time``/``window_start``/``window_end`` (and ``lag``) coordinates in seconds."""
        coords = window_coords(self.starts, self.window, pair)
        if lagged:
            coords["lag"] = (
                "lag",
                self.lags / self.rate,
                {"units": "s", "long_name": f"lag ({self.lag_convention})"},
            )
        return coords

    def moments(self, first: np.ndarray, second: np.ndarray) -> WindowedMoments:
        """The kernel's windowed sums of ``first`` and ``second`` on this grid."""
        return windowed_moments(first, second, self.window, self.step, self.lags, self.starts)

    def spans(self, series: np.ndarray, shift: int = 0) -> np.ndarray:
        """``series[s + shift : s + shift + window]`` for every window start, as rows.

        A read-only view (no copy); every row lies inside the series.

        Examples
        --------
        >>> import concordlab
        >>> from concordlab.compute._common import pair_from
        >>> pair = pair_from(concordlab.example_session())
        >>> grid = WindowGrid.from_seconds(pair, window=30, step=10)
        >>> grid.spans(pair.first).shape
        (58, 960)
        """
        views = sliding_window_view(series, self.window)
        return views[self.starts + shift]


def windowed_apply(
    pair: Pair,
    grid: WindowGrid,
    function: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    complete: bool = False,
) -> np.ndarray:
    """Apply ``function`` to every window (and lag) of the grid: the generic measure path.

    ``function(first_rows, second_rows)`` gets two ``(n_windows, window)`` arrays, the
    windows of both persons at one lag, and returns one value per row. Windows with fewer
    present pairs than ``grid.min_count`` are NaN without calling ``function`` on them;
    the missing samples of the other windows are NaN in the rows (``complete=True``
    leaves out every window with a missing pair instead, for functions that cannot take
    NaN).

    Returns
    -------
    numpy.ndarray
        ``(n_windows, n_lags)``.

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.compute._common import pair_from
    >>> pair = pair_from(concordlab.example_session())
    >>> grid = WindowGrid.from_seconds(pair, window=30, step=10, max_lag=1, lag_step=1)
    >>> def mean_product(a, b):
    ...     return np.nanmean(a * b, axis=1)
    >>> windowed_apply(pair, grid, mean_product).shape
    (57, 3)
    """
    out = np.full((grid.starts.size, grid.lags.size), np.nan)
    for column, lag in enumerate(grid.lags):
        shift_first, shift_second = (0, int(lag)) if lag >= 0 else (int(-lag), 0)
        first = grid.spans(pair.first, shift_first)
        second = grid.spans(pair.second, shift_second)
        present = ~(np.isnan(first) | np.isnan(second))
        count = present.sum(axis=1)
        keep = count == grid.window if complete else count >= grid.min_count
        if keep.any():
            out[keep, column] = np.asarray(function(first[keep], second[keep]), dtype=float)
    return out
