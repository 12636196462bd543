"""Calibration of the surrogate tests: false-positive rates on data with no coupling at all.

Every dyad here is two independent series, so every rejection at ``alpha`` is a false
positive. For each test the script prints the rejection rate over ``--runs`` simulations
with its Wilson 95 % interval; a test holds its level when the rate is at most ``alpha``
(issue 13's target: the interval's centre at most 5.5 % and its upper bound below 10 %).

- ``pseudo_dyads``: :func:`concordlab.surrogate_test` with ``method="pseudo_dyads"`` on
  cohorts of independent Gaussian dyads (AR(1) noise, so windows are not independent),
  every re-pairing enumerated, at each cohort size of ``--sizes``;
- ``circular_shift`` and ``segment_shuffle`` (30 s pieces): one uncoupled dyad per run.

The statistic is the mean windowed Pearson correlation (30 s windows, 5 s step).

Run: ``python benchmarks/bench_calibration.py [--runs 200] [--sizes 5 10 20]``
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import concordlab

SAMPLING_RATE = 4.0
DURATION = 300.0
ALPHA = 0.05


def statistic(session) -> float:
    return float(concordlab.concordance(session, method="pearson", window=30, step=5).mean())


def independent_dyad(rng: np.random.Generator, name: str, rho: float = 0.9):
    """Two independent AR(1) series (lag-one autocorrelation ``rho``), no coupling."""
    n = int(DURATION * SAMPLING_RATE)
    noise = rng.normal(size=(2, n))
    values = np.empty_like(noise)
    values[:, 0] = noise[:, 0]
    for i in range(1, n):
        values[:, i] = rho * values[:, i - 1] + noise[:, i]
    return concordlab.from_arrays({"eda": values}, SAMPLING_RATE, session_id=name)


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion."""
    if total == 0:
        return (math.nan, math.nan)
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return (centre - half, centre + half)


def report(label: str, p_values: list[float]) -> None:
    rejected = sum(p <= ALPHA for p in p_values)
    low, high = wilson(rejected, len(p_values))
    rate = rejected / len(p_values)
    verdict = "holds" if high < 0.10 and rate <= 0.055 else "DOES NOT HOLD"
    print(
        f"{label:<34} {rejected:>4}/{len(p_values):<4} = {100 * rate:5.1f} %  "
        f"(95 % CI {100 * low:4.1f}-{100 * high:4.1f})  {verdict}"
    )


def pseudo_dyads(runs: int, size: int, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    p_values = []
    for run in range(runs):
        cohort = {f"d{k}": independent_dyad(rng, f"d{k}") for k in range(size)}
        result = concordlab.surrogate_test(
            cohort, statistic, method="pseudo_dyads", n_surrogates=199, seed=run, progress=False
        )
        p_values.append(float(result["p_value"]))
    return p_values


# segment_shuffle needs a piece length; 30 s, as in issue 13's measurement.
OPTIONS = {"circular_shift": {}, "segment_shuffle": {"segment_length": 30.0}}


def within_dyad(runs: int, method: str, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    p_values = []
    for run in range(runs):
        dyad = independent_dyad(rng, "dyad")
        result = concordlab.surrogate_test(
            dyad,
            statistic,
            method=method,
            n_surrogates=99,
            seed=run,
            progress=False,
            **OPTIONS[method],
        )
        p_values.append(float(result["p_value"]))
    return p_values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"false positives at alpha {ALPHA} on uncoupled data, {args.runs} runs each")
    for size in args.sizes:
        started = time.perf_counter()
        report(f"pseudo_dyads, cohorts of {size}", pseudo_dyads(args.runs, size, args.seed))
        print(f"{'':34} ({time.perf_counter() - started:.0f} s)")
    for method in ("circular_shift", "segment_shuffle"):
        started = time.perf_counter()
        report(method, within_dyad(args.runs, method, args.seed))
        print(f"{'':34} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
