"""Compute benchmark: each concordlab operation against a named peer, in the same run.

Rows (medians of ``--repeat`` timings; every ratio is concordlab's time over the peer's,
both measured in this run, so < 1 means concordlab is faster; an operation and its peers
are timed in turn, round after round, so a shared machine's drifting load falls on both):

1. ``wlcc(window=30, step=10, max_lag=5)`` (rMEA's parameters, 251 lags) on the 20 real
   rMEA dyads at 25 Hz, against: the plain numpy loop (sliding windows per lag), a batched
   numpy version (all lags of a window at once, ~40 lines, below), and rMEA 1.3.0's
   ``MEAccf`` (~401 ms a dyad, NOT measured here: R is not installed; quoted from issue 14).
   concordlab is timed on its compiled (numba) path and on its pure-numpy path; the
   compiled time is also shown against issue 14's target of 1.2 ms a dyad.
2. Windowed Pearson at every sample (30 s windows, step one sample), the 20 dyads, against
   pandas' ``rolling(...).corr``.
3. ``concordance(method="pearson", window=30, step=10)`` at 25 Hz, one call, against numpy
   sliding windows; and the per-call overhead (the call minus its kernel and correlation).
4. ``concordance(method="slope")`` on 60 min at 32 Hz, against pandas' rolling correlation
   of the same two slope series (the correlation only; concordlab also computes the slopes).
5. numba: ``import numba`` and the first wlcc call in a fresh process with an empty
   cache (compiles) and again with the cache the first one wrote (``cache=True``).

Run: ``python benchmarks/bench_compute.py [--repeat 7] [--markdown]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from _timing import median_of, peak_memory_mb
from numpy.lib.stride_tricks import sliding_window_view

import concordlab
from concordlab.compute import kernel, slopes, windowed_moments
from concordlab.datasets import rmea_files

RMEA_MS_PER_DYAD = 401.0  # rMEA 1.3.0 MEAccf, issue 14's figure; R is not installed here
WLCC_TARGET_MS = 1.2  # issue 14: within 3x of the arithmetic floor (~0.2-0.4 ms a dyad)


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


def batched_numpy_wlcc(
    x: np.ndarray, y: np.ndarray, window: int, step: int, max_lag: int
) -> np.ndarray:
    """All lags of every window at once: one einsum of each window with its lagged span.

    Per direction (x fixed and y moving for lags >= 0, the reverse for lags < 0): the fixed
    window centred on its mean; the moving span centred on its mean, its window sums and
    sums of squares per shift from running sums; the cross products by einsum over a
    (windows, shifts, window) view of the spans (no copy).
    """
    count = int(np.ceil((x.size - window - max_lag + 1) / step))
    starts = np.arange(count) * step
    span = window + max_lag

    def one_direction(fixed: np.ndarray, moving: np.ndarray) -> np.ndarray:
        f = sliding_window_view(fixed, window)[starts]
        f = f - f.mean(axis=1, keepdims=True)
        m = sliding_window_view(moving, span)[starts]
        m = m - m.mean(axis=1, keepdims=True)
        running = np.zeros((count, span + 1))
        np.cumsum(m, axis=1, out=running[:, 1:])
        m1 = running[:, window:] - running[:, : max_lag + 1]
        np.cumsum(m * m, axis=1, out=running[:, 1:])
        m2 = running[:, window:] - running[:, : max_lag + 1]
        lagged = sliding_window_view(m, window, axis=1)  # (windows, shifts, window)
        cross = np.einsum("wt,wkt->wk", f, lagged)
        var_f = (f * f).sum(axis=1, keepdims=True)
        var_m = m2 - m1 * m1 / window
        return cross / np.sqrt(var_f * var_m)

    forward = one_direction(x, y)  # lags 0..max_lag
    backward = one_direction(y, x)  # lags 0..-max_lag
    return np.concatenate([backward[:, :0:-1], forward], axis=1)


def numpy_windows_pearson(x: np.ndarray, y: np.ndarray, window: int, step: int) -> np.ndarray:
    """Windowed Pearson at lag 0 the numpy way: sliding views, centre, sum."""
    a = sliding_window_view(x, window)[::step]
    b = sliding_window_view(y, window)[::step]
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    return (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))


def interleaved_medians(repeat: int, *actions: Callable[[], object]) -> list[float]:
    """The median time of each action (seconds) over ``repeat`` rounds, each round timing
    every action once in turn: on a shared machine whose load drifts, each operation and
    its peer see the same conditions, so their ratio is fair."""
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for action, spent in zip(actions, times, strict=True):
            start = time.perf_counter()
            action()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def on_path(compiled: bool, action: Callable[[], object]) -> Callable[[], object]:
    """``action`` run with the kernel's compiled path on or off."""

    def run() -> object:
        saved = kernel.use_numba
        kernel.use_numba = compiled
        try:
            return action()
        finally:
            kernel.use_numba = saved

    return run


class Table:
    """Rows of (operation, concordlab, peer, peer's figure, ratio) printed as text or markdown."""

    def __init__(self, markdown: bool) -> None:
        self.markdown = markdown
        self.rows: list[tuple[str, ...]] = []

    def add(self, operation: str, ours: str, peer: str, theirs: str, ratio: str) -> None:
        self.rows.append((operation, ours, peer, theirs, ratio))

    def show(self) -> None:
        header = ("operation", "concordlab", "peer", "peer's time", "concordlab / peer")
        if self.markdown:
            print("| " + " | ".join(header) + " |")
            print("|" + " --- |" * len(header))
            for row in self.rows:
                print("| " + " | ".join(row) + " |")
            return
        widths = [max(len(r[i]) for r in [header, *self.rows]) for i in range(len(header))]
        for row in [header, *self.rows]:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def ms(seconds: float, per: int = 1, unit: str = "") -> str:
    return f"{seconds / per * 1e3:.3g} ms{unit}"


def numba_costs() -> dict[str, float]:
    """``import numba`` and the first wlcc call, in fresh processes (empty, then warm cache)."""
    probe = (
        "import time, sys\n"
        "t = time.perf_counter(); import numba; imported = time.perf_counter() - t\n"
        "import concordlab\n"
        "s = concordlab.simulate_dyad(120, seed=1, channels=['eda'])\n"
        "t = time.perf_counter(); concordlab.wlcc(s, window=30, step=10, max_lag=5)\n"
        "first = time.perf_counter() - t\n"
        "t = time.perf_counter(); concordlab.wlcc(s, window=30, step=10, max_lag=5)\n"
        "second = time.perf_counter() - t\n"
        "t = time.perf_counter(); concordlab.concordance(s, method='pearson', step=1/32)\n"
        "first_pearson = time.perf_counter() - t\n"
        "print(imported, first, second, first_pearson)\n"
    )
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        env.pop("CONCORDLAB_NUMBA", None)
        plain = subprocess.run(
            [sys.executable, "-c", probe.replace("import numba", "import math")],
            env={**env, "CONCORDLAB_NUMBA": "0"},
            capture_output=True,
            text=True,
            check=True,
        )
        _, first, second, first_pearson = map(float, plain.stdout.split())
        out["first wlcc call (numpy path, no numba)"] = first
        out["first per-sample pearson call (numpy path)"] = first_pearson
        for label in ("cold", "warm"):
            done = subprocess.run(
                [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
            )
            imported, first, second, first_pearson = map(float, done.stdout.split())
            out[f"import numba ({label} cache)"] = imported
            out[f"first wlcc call ({label} cache)"] = first
            out[f"first per-sample pearson call ({label} cache)"] = first_pearson
            out[f"second wlcc call ({label} cache)"] = second
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args()
    repeat = args.repeat
    table = Table(args.markdown)

    sessions = [
        concordlab.read_csv(path, sampling_rate=25, channel="motion") for path in rmea_files("all")
    ]
    pairs = [s["motion"]["motion"].values for s in sessions]
    n = len(sessions)

    # 1. wlcc on the rMEA dyads
    def ours() -> list:
        return [concordlab.wlcc(s, window=30, step=10, max_lag=5) for s in sessions]

    def plain() -> list:
        return [numpy_wlcc(p[0], p[1], 750, 250, 125) for p in pairs]

    def batched() -> list:
        return [batched_numpy_wlcc(p[0], p[1], 750, 250, 125) for p in pairs]

    compiled_path, numpy_path = on_path(True, ours), on_path(False, ours)
    compiled_path()  # compile (or load the cache) before timing
    reference = plain()
    worst = {
        name: max(
            float(np.nanmax(np.abs(np.asarray(getattr(a, "values", a)) - b)))
            for a, b in zip(run(), reference, strict=True)
        )
        for name, run in (("compiled", compiled_path), ("numpy", numpy_path), ("batched", batched))
    }
    t_compiled, t_numpy, t_batched = interleaved_medians(repeat, compiled_path, numpy_path, batched)
    t_plain = median_of(max(3, repeat // 2), plain)
    operation = "wlcc(30, 10, 5), 20 rMEA dyads, 251 lags"
    for label, t in (("compiled", t_compiled), ("numpy path", t_numpy)):
        rmea_ratio = t / n * 1e3 / RMEA_MS_PER_DYAD
        for peer, peer_time, ratio in (
            (
                "plain numpy loop",
                ms(t_plain, n, "/dyad"),
                f"{t / t_plain:.3f} ({t_plain / t:.0f}x faster)",
            ),
            ("batched numpy (40 lines)", ms(t_batched, n, "/dyad"), f"{t / t_batched:.2f}"),
            (
                "rMEA 1.3.0 MEAccf (NOT measured here: quoted)",
                f"~{RMEA_MS_PER_DYAD:.0f} ms/dyad",
                f"{rmea_ratio:.4f} (~{1 / rmea_ratio:.0f}x faster)",
            ),
        ):
            table.add(f"{operation} [{label}]", ms(t, n, "/dyad"), peer, peer_time, ratio)
    table.add(
        "  compiled wlcc against issue 14's target (3x the arithmetic floor)",
        ms(t_compiled, n, "/dyad"),
        "target",
        f"{WLCC_TARGET_MS:g} ms/dyad",
        f"{t_compiled / n * 1e3 / WLCC_TARGET_MS:.2f}",
    )

    # 2. Pearson at every sample (30 s windows), the 20 dyads, against pandas
    def ours_every() -> list:
        return [
            concordlab.concordance(s, method="pearson", window=30, step=1 / 25) for s in sessions
        ]

    def pandas_every() -> list:
        return [pd.Series(p[0]).rolling(750).corr(pd.Series(p[1])).to_numpy()[749:] for p in pairs]

    on_path(True, ours_every)()
    every_diff = max(
        float(np.nanmax(np.abs(a.values - b)))
        for a, b in zip(ours_every(), pandas_every(), strict=True)
    )
    t_every, t_pandas = interleaved_medians(repeat, on_path(True, ours_every), pandas_every)
    t_every_numpy = median_of(max(3, repeat // 2), on_path(False, ours_every))
    for label, t in (("compiled", t_every), ("numpy path", t_every_numpy)):
        table.add(
            f"Pearson at every sample, 30 s, 20 dyads [{label}]",
            ms(t),
            "pandas rolling().corr",
            ms(t_pandas),
            f"{t / t_pandas:.2f}",
        )

    # 3. concordance(pearson, 30, 10): one call, and its fixed cost
    session, pair = sessions[0], pairs[0]
    grid_starts = kernel.window_starts(pair.shape[1], 750, 250)

    def ours_call() -> object:
        return concordlab.concordance(session, method="pearson", window=30, step=10)

    def kernel_only() -> object:
        return windowed_moments(pair[0], pair[1], 750, 250, [0], grid_starts).pearson(375)

    def numpy_windows() -> object:
        return numpy_windows_pearson(pair[0], pair[1], 750, 250)

    ours_call()
    t_call, t_kernel, t_windows, t_call_numpy = interleaved_medians(
        repeat * 30, ours_call, kernel_only, numpy_windows, on_path(False, ours_call)
    )
    for label, t in (("compiled", t_call), ("numpy path", t_call_numpy)):
        table.add(
            f"concordance(pearson, 30, 10), 25 Hz, one dyad [{label}]",
            ms(t, 1, "/call"),
            "numpy sliding windows",
            ms(t_windows, 1, "/call"),
            f"{t / t_windows:.2f}",
        )
    table.add(
        "  of which fixed cost (call - kernel and correlation)",
        ms(t_call - t_kernel, 1, "/call"),
        "target",
        "0.2 ms",
        f"{(t_call - t_kernel) / 0.0002:.2f}",
    )

    # 4. slope concordance on an hour at 32 Hz
    hour = concordlab.simulate_dyad(3600, coupling=0.6, sampling_rate=32, seed=0, channels=["eda"])
    eda = hour["eda"]["eda"].values
    slope_a, slope_b = (slopes(row, 32.0, 161) for row in eda)

    def ours_slope() -> object:
        return concordlab.concordance(hour, method="slope", window=15, step=1, slope_window=5)

    def pandas_slope() -> object:
        return pd.Series(slope_a).rolling(480).corr(pd.Series(slope_b)).to_numpy()[479::32]

    ours_slope()
    t_slope, t_slope_numpy, t_pandas_slope = interleaved_medians(
        repeat * 3, ours_slope, on_path(False, ours_slope), pandas_slope
    )
    for label, t in (("compiled", t_slope), ("numpy path", t_slope_numpy)):
        table.add(
            f"slope concordance, 60 min at 32 Hz (slopes + correlation) [{label}]",
            ms(t),
            "pandas rolling corr of the slopes (correlation only)",
            ms(t_pandas_slope),
            f"{t / t_pandas_slope:.2f}",
        )
    table.show()
    print()
    print(
        "largest difference from the plain numpy loop (wlcc): "
        + ", ".join(f"{name} {value:.1e}" for name, value in worst.items())
        + f"; from pandas (every sample): {every_diff:.1e}"
    )
    print(
        f"peak memory (tracemalloc), wlcc on 20 dyads: compiled "
        f"{peak_memory_mb(compiled_path):.1f} MB, numpy path {peak_memory_mb(numpy_path):.1f} "
        f"MB, plain loop {peak_memory_mb(plain):.1f} MB, batched {peak_memory_mb(batched):.1f} MB"
    )
    print("numba (fresh processes; 'cold' = empty NUMBA_CACHE_DIR, 'warm' = the cache it wrote):")
    for name, seconds in numba_costs().items():
        print(f"  {name:48s} {seconds * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
