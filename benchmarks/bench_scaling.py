"""Scale curves: time and peak memory of the compute functions and the explorer, by length.

For sessions of 1 minute to 6 hours at 32 Hz and at 1 kHz (two coupled AR(1) series, like
skin conductance; built directly, no simulation cost), prints per operation and size the
median time, the peak memory traced while it runs (tracemalloc; numpy reports its arrays
to it) in MB and in series-length float64 arrays beyond the input (one array = samples x
8 bytes; the input itself, two such arrays, is not counted), and per operation the fitted
exponent ``b`` of time ~ samples^b (least squares on log-log over the sizes measured; 1 is
linear). Operations:

- ``wlcc``: ``wlcc(window=30, step=10, max_lag=5, lag_step=0.1)`` (101 lags at any rate);
- ``slope``: ``concordance(method="slope")`` with its defaults (5 s slopes, 15 s windows,
  1 s step);
- ``pearson``: ``concordance(method="pearson")`` with its defaults;
- ``explorer``: the explorer's public API as it is: ``explore(session, sidecar=False)``
  once (not timed), then ``set_params(window=...)`` (a parameter change) timed.

Sizes default to 1, 10, 60 and 360 minutes at 32 Hz, 1, 10 and 60 minutes at 1 kHz (6 h at
1 kHz, 21.6 million samples a person, with ``--full``); the explorer stops at 60 minutes
unless ``--explorer-max`` says otherwise. Target for the compute functions: at most ~4
series-length arrays beyond the input.

tracemalloc sees numpy's arrays, not the arrays numba's compiled loops allocate
themselves; those are result-sized (windows x lags: the sums of :mod:`concordlab.compute.
_compiled`), never series-sized (slopes are written into their numpy output), so the
figures below miss at most a few result-sized arrays. With ``CONCORDLAB_NUMBA=0`` every
array is seen.

Run: ``python benchmarks/bench_scaling.py [--repeat 3] [--full] [--rates 32 1000]
[--minutes 1 10 60 360] [--ops wlcc slope pearson explorer] [--explorer-max 60]``
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable

import numpy as np
from _timing import median_of, peak_memory_mb
from scipy import signal

import concordlab

OPERATIONS = ("wlcc", "slope", "pearson", "explorer")


def dyad(minutes: float, rate: float, seed: int = 0):
    """A session of two coupled AR(1) series (skin-conductance-like, slow drift)."""
    n = round(minutes * 60 * rate)
    rng = np.random.default_rng(seed)
    pole = np.exp(-1.0 / (20.0 * rate))  # 20 s memory
    shared = signal.lfilter([1.0], [1.0, -pole], rng.normal(size=n))
    own = signal.lfilter([1.0], [1.0, -pole], rng.normal(size=(2, n)), axis=1)
    data = 5.0 + 0.05 * (shared + own)
    return concordlab.from_arrays({"eda": data}, rate)


def compute(name: str) -> Callable:
    if name == "wlcc":
        return lambda s: concordlab.wlcc(s, window=30, step=10, max_lag=5, lag_step=0.1)
    if name == "slope":
        return lambda s: concordlab.concordance(s, method="slope")
    if name == "pearson":
        return lambda s: concordlab.concordance(s, method="pearson")
    raise ValueError(name)


def explorer_change(session) -> tuple[Callable[[], object], float]:
    """A parameter change on a live explorer, and the seconds ``explore`` took to open."""
    start = time.perf_counter()
    explorer = concordlab.explore(session, sidecar=False)
    opened = time.perf_counter() - start
    windows = itertools.cycle([10.0, 15.0, 20.0, 30.0])
    return (lambda: explorer.set_params(window=next(windows))), opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rates", type=float, nargs="+", default=[32.0, 1000.0])
    parser.add_argument("--minutes", type=float, nargs="+", default=None)
    parser.add_argument("--full", action="store_true", help="also 6 h at 1 kHz")
    parser.add_argument("--ops", nargs="+", choices=OPERATIONS, default=list(OPERATIONS))
    parser.add_argument("--explorer-max", type=float, default=60.0, help="minutes")
    args = parser.parse_args()

    print(
        "operation  rate(Hz)  minutes  samples/person   median time  peak MB  arrays beyond input"
    )
    fits: dict[tuple[str, float], list[tuple[int, float]]] = {}
    for rate in args.rates:
        if args.minutes:
            sizes = args.minutes
        elif rate <= 100 or args.full:
            sizes = [1, 10, 60, 360]
        else:
            sizes = [1, 10, 60]
        for minutes in sizes:
            session = dyad(minutes, rate)
            n = session["eda"].sizes["time"]
            array_mb = n * 8 / 1e6
            for op in args.ops:
                if op == "explorer":
                    if minutes > args.explorer_max:
                        continue
                    action, opened = explorer_change(session)
                    action()  # the first change may fill caches; time the next ones
                    note = f"  (explore opened in {opened:.2f} s)"
                else:
                    function = compute(op)
                    action = lambda function=function, session=session: function(session)  # noqa: E731
                    action()
                    note = ""
                seconds = median_of(args.repeat, action)
                peak = peak_memory_mb(action)
                fits.setdefault((op, rate), []).append((n, seconds))
                print(
                    f"{op:9s}  {rate:8g}  {minutes:7g}  {n:14,d}  {seconds * 1e3:10.1f} ms  "
                    f"{peak:7.1f}  {peak / array_mb:8.2f}{note}",
                    flush=True,
                )
    print()
    print("fitted exponent b of time ~ samples^b (1 = linear):")
    for (op, rate), points in fits.items():
        if len(points) < 2:
            continue
        n, t = np.array(points, dtype=float).T
        b = np.polyfit(np.log(n), np.log(t), 1)[0]
        print(f"  {op:9s} at {rate:g} Hz: b = {b:.2f}  (over {len(points)} sizes)")


if __name__ == "__main__":
    main()
