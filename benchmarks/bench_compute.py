"""Compute benchmark: wlcc on the 20 real rMEA dyads, and Marci's slope concordance on an hour.

Prints, all measured in this run:
- ``wlcc(window=30, step=10, max_lag=5)`` (rMEA's parameters, 251 lags) on all 20 rMEA
  dyads, as a speed ratio against a straightforward vectorised numpy implementation
  (sliding windows per lag; target: at least 20x faster). rMEA itself takes about 0.6 s
  a dyad on these machines (R, not run here);
- ``concordance(method="slope")`` on a 60-minute session at 32 Hz (target: under 20 ms),
  and the ratio against pandas' rolling correlation of the same two slope series;
- peak memory (tracemalloc) of each.

Run: ``python benchmarks/bench_compute.py [--repeat 5]``
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from _timing import best_of, peak_memory_mb
from numpy.lib.stride_tricks import sliding_window_view

import concordlab
from concordlab.compute import slopes
from concordlab.datasets import rmea_files


def numpy_wlcc(x: np.ndarray, y: np.ndarray, window: int, step: int, max_lag: int) -> np.ndarray:
    """The straightforward vectorised way: per lag, all windows at once via sliding views."""
    count = int(np.ceil((x.size - window - max_lag + 1) / step))
    out = np.empty((count, 2 * max_lag + 1))
    for column, lag in enumerate(range(-max_lag, max_lag + 1)):
        u = max(0, -lag)
        a = sliding_window_view(x[u:], window)[: count * step : step]
        b = sliding_window_view(y[u + lag :], window)[: count * step : step]
        a = a - a.mean(axis=1, keepdims=True)
        b = b - b.mean(axis=1, keepdims=True)
        out[:, column] = (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    sessions = [
        concordlab.read_csv(path, sampling_rate=25, channel="motion") for path in rmea_files("all")
    ]
    pairs = [s["motion"]["motion"].values for s in sessions]

    def ours() -> list:
        return [concordlab.wlcc(s, window=30, step=10, max_lag=5) for s in sessions]

    def plain() -> list:
        return [numpy_wlcc(p[0], p[1], 750, 250, 125) for p in pairs]

    worst = max(
        float(np.nanmax(np.abs(a.values - b))) for a, b in zip(ours(), plain(), strict=True)
    )
    ours_s = best_of(args.repeat, ours)
    plain_s = best_of(args.repeat, plain)
    print("wlcc on 20 rMEA dyads (30 s windows, 10 s step, +-5 s lags = 251 lags, 25 Hz)")
    print(f"  concordlab.wlcc        : {ours_s:7.3f} s  ({ours_s / 20 * 1e3:6.1f} ms a dyad)")
    print(f"  vectorised numpy       : {plain_s:7.3f} s  ({plain_s / 20 * 1e3:6.1f} ms a dyad)")
    verdict = "ok" if plain_s / ours_s >= 20 else "BELOW TARGET"
    print(f"  speed-up               : {plain_s / ours_s:7.1f}x  (target >= 20x: {verdict})")
    print(f"  largest difference     : {worst:.1e}")
    print(
        f"  peak memory            : {peak_memory_mb(ours):7.1f} MB (numpy way: "
        f"{peak_memory_mb(plain):.1f} MB)"
    )

    hour = concordlab.simulate_dyad(3600, coupling=0.6, sampling_rate=32, seed=0, channels=["eda"])
    eda = hour["eda"]["eda"].values
    slope_a, slope_b = (slopes(row, 32.0, 161) for row in eda)

    def ours_slope() -> object:
        return concordlab.concordance(hour, method="slope", window=15, step=1, slope_window=5)

    def pandas_corr() -> object:
        return pd.Series(slope_a).rolling(480).corr(pd.Series(slope_b)).to_numpy()[479::32]

    ours_slope_s = best_of(args.repeat * 4, ours_slope)
    pandas_s = best_of(args.repeat * 4, pandas_corr)
    print("concordance(method='slope') on 60 min at 32 Hz (5 s slopes, 15 s windows, 1 s step)")
    verdict = "ok" if ours_slope_s < 0.020 else "SLOWER THAN TARGET"
    print(
        f"  concordlab (slopes + correlation): {ours_slope_s * 1e3:6.1f} ms  "
        f"(target < 20 ms: {verdict})"
    )
    print(f"  pandas rolling corr of the slopes: {pandas_s * 1e3:6.1f} ms  (correlation only)")
    print(f"  ratio concordlab / pandas        : {ours_slope_s / pandas_s:6.2f}")
    print(f"  peak memory                      : {peak_memory_mb(ours_slope):6.1f} MB")


if __name__ == "__main__":
    main()
