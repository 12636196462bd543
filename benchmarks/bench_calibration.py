"""Calibration of concordlab's surrogate and re-pairing tests: false positives and power.

Every dyad of a *null* row has no coupling at all, so every rejection at ``alpha`` is a
false positive; a test holds its level when the rate is at most ``alpha`` (issue 13's
target: the Wilson 95 % interval's centre at most 5.5 % and its upper bound below 10 %).
*Power* rows use dyads with coupling 0.5 (10-minute recordings) and print the share of
them the test detects.

Data:

- ``ar1``: two independent AR(1) series (lag-one autocorrelation 0.9 at 4 Hz, 5 min),
  short memory;
- ``ar1-slow``: the same with lag-one autocorrelation 0.995 (a memory of about 50 s, as
  slow as skin conductance's drift), still stationary;
- ``eda``: :func:`concordlab.simulate_dyad` skin conductance at 4 Hz without talk turns,
  with ``coupling=0`` (5 min) or ``coupling=0.5`` (10 min, power): slow tonic drift,
  arousal, phasic responses;
- ``eda-diff``: the ``eda`` dyads' first differences (the within-dyad tests only), the
  advice of :func:`concordlab.surrogate_test` for slowly drifting signals.

Tests: :func:`concordlab.surrogate_test` with each method (``linear_shift``, ``circular_shift``,
``segment_shuffle`` with 30 s and 60 s pieces, ``pseudo_dyads`` with and without roles kept,
at cohort sizes ``--sizes``), :func:`concordlab.stats.compare_real_pseudo` with the
re-pairing null (the pseudo-dyads' matrix) and the subsets null (plain values), and
:meth:`concordlab.LazyCohort.real_vs_pseudo` (cohorts of 5). The statistic is the mean
windowed Pearson correlation (30 s windows, 5 s step).

Run: ``python benchmarks/bench_calibration.py [--runs 200] [--sizes 5 10 20]
[--data ar1 ar1-slow eda eda-diff] [--power-runs 100]`` (``--sizes`` with no value or
``--power-runs 0`` skip those rows)
(about 40 minutes on 2 cores with the defaults; ``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

import concordlab
from concordlab.stats import compare_real_pseudo

SAMPLING_RATE = 4.0
NULL_DURATION = 300.0
POWER_DURATION = 600.0
POWER_COUPLING = 0.5
ALPHA = 0.05


def statistic(session) -> float:
    return float(concordlab.concordance(session, method="pearson", window=30, step=5).mean())


def cohort_statistic(session, channel) -> float:
    """The statistic as a cohort measure, ``f(session, channel)``."""
    return statistic(session)


def ar1_dyad(rng: np.random.Generator, name: str, rho: float = 0.9):
    """Two independent stationary AR(1) series (lag-one autocorrelation ``rho``)."""
    n = int(NULL_DURATION * SAMPLING_RATE)
    noise = rng.normal(size=(2, n))
    values = np.empty_like(noise)
    values[:, 0] = noise[:, 0] / math.sqrt(1.0 - rho * rho)  # drawn from the stationary law
    for i in range(1, n):
        values[:, i] = rho * values[:, i - 1] + noise[:, i]
    return concordlab.from_arrays({"eda": values}, SAMPLING_RATE, session_id=name)


def slow_ar1_dyad(rng: np.random.Generator, name: str):
    """Two independent AR(1) series with a memory of about 50 s (``rho = 0.995`` at 4 Hz)."""
    return ar1_dyad(rng, name, rho=0.995)


def eda_dyad(rng: np.random.Generator, name: str, coupling: float = 0.0, duration=None):
    """A simulated skin conductance dyad (no talk turns) with the given coupling."""
    return concordlab.simulate_dyad(
        duration or (POWER_DURATION if coupling else NULL_DURATION),
        coupling=coupling,
        turns=False,
        channels=("eda",),
        sampling_rate=SAMPLING_RATE,
        seed=int(rng.integers(2**31)),
        session_id=name,
    )


def eda_diff_dyad(rng: np.random.Generator, name: str, coupling: float = 0.0, duration=None):
    """The ``eda`` dyad's first differences: the drift removed before testing."""
    dyad = eda_dyad(rng, name, coupling, duration)
    values = np.diff(dyad["eda"]["eda"].values, axis=-1)
    return concordlab.from_arrays({"eda": values}, SAMPLING_RATE, session_id=name)


DATA: dict[str, Callable] = {
    "ar1": ar1_dyad,
    "ar1-slow": slow_ar1_dyad,
    "eda": eda_dyad,
    "eda-diff": eda_diff_dyad,
}


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion."""
    if total == 0:
        return (math.nan, math.nan)
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return (centre - half, centre + half)


ROWS: list[dict] = []


def report(label: str, p_values: list[float], *, power: bool = False) -> None:
    rejected = sum(p <= ALPHA for p in p_values)
    low, high = wilson(rejected, len(p_values))
    rate = rejected / len(p_values)
    if power:
        verdict = "power"
    else:
        verdict = "holds" if high < 0.10 and (low + high) / 2 <= 0.055 else "DOES NOT HOLD"
    ROWS.append(
        {"test": label, "rejected": rejected, "runs": len(p_values), "rate": rate, "low": low}
        | {"high": high, "verdict": verdict}
    )
    print(
        f"{label:<52} {rejected:>4}/{len(p_values):<4} = {100 * rate:5.1f} %  "
        f"(95 % CI {100 * low:4.1f}-{100 * high:4.1f})  {verdict}",
        flush=True,
    )


class Recorded:
    """The statistic, remembering each real dyad's and each pseudo-dyad's value."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], float] = {}

    def __call__(self, session) -> float:
        value = statistic(session)
        meta = concordlab.metadata(session)
        if "surrogate" in meta:
            first, second = meta["surrogate"]["sources"]
            key = (
                f"{first['session']}:{first['source_person']}",
                f"{second['session']}:{second['source_person']}",
            )
        else:
            key = (session.attrs["session_id"], session.attrs["session_id"])
        self.values[key] = value
        return value

    def matrix(self, ids: list[str]) -> tuple[pd.Series, pd.DataFrame]:
        """The real values and the matrix of pseudo-dyads with roles kept."""
        real = pd.Series([self.values[(i, i)] for i in ids], index=ids)
        cells = [
            [math.nan if i == j else self.values[(f"{i}:patient", f"{j}:therapist")] for j in ids]
            for i in ids
        ]
        return real, pd.DataFrame(cells, index=ids, columns=ids)


def cohort_tests(runs: int, size: int, seed: int, coupling: float) -> dict[str, list[float]]:
    """Each re-pairing test on the same ``runs`` cohorts of ``size`` dyads."""
    rng = np.random.default_rng([seed, size])
    p: dict[str, list[float]] = {}
    for run in range(runs):
        cohort = {f"d{k:02d}": eda_dyad(rng, f"d{k:02d}", coupling) for k in range(size)}
        recorded = Recorded()
        for keep_roles in (True, False):
            if not keep_roles and size > 10:
                continue  # (2N - 1)!! matchings of 20 dyads: 780 pseudo-dyads per cohort
            result = concordlab.surrogate_test(
                cohort,
                recorded if keep_roles else statistic,
                method="pseudo_dyads",
                keep_roles=keep_roles,
                n_surrogates=199,
                seed=run,
                progress=False,
            )
            key = f"surrogate_test(pseudo_dyads, keep_roles={keep_roles})"
            p.setdefault(key, []).append(float(result["p_value"]))
        real, matrix = recorded.matrix(list(cohort))
        repairing = compare_real_pseudo(real, matrix, n_permutations=1000, seed=run)
        p.setdefault("compare_real_pseudo(re-pairing)", []).append(repairing.p_value)
        pseudo = matrix.to_numpy()[~np.eye(size, dtype=bool)]
        subsets = compare_real_pseudo(real.to_numpy(), pseudo, seed=run)
        p.setdefault("compare_real_pseudo(subsets)", []).append(subsets.p_value)
        if size == 5 and run < max(runs // 2, 1):
            lazy = concordlab.open_cohort(cohort)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = lazy.real_vs_pseudo(
                    cohort_statistic,
                    n_permutations=1000,
                    seed=run,
                    progress=False,
                    scheduler="synchronous",
                )
            p.setdefault("LazyCohort.real_vs_pseudo", []).append(result.p_value)
    return p


WITHIN = {  # each within-dyad test with its options (linear_shift: its default 40 shifts)
    "linear_shift": ("linear_shift", {}),
    "circular_shift": ("circular_shift", {"n_surrogates": 99}),
    "segment_shuffle(30 s)": ("segment_shuffle", {"segment_length": 30.0, "n_surrogates": 99}),
    "segment_shuffle(60 s)": ("segment_shuffle", {"segment_length": 60.0, "n_surrogates": 99}),
}


def within_dyad(runs: int, label: str, data: str, seed: int, coupling: float) -> list[float]:
    method, options = WITHIN[label]
    rng = np.random.default_rng(seed)
    p_values = []
    for run in range(runs):
        make = DATA[data]
        dyad = make(rng, "dyad", coupling) if coupling else make(rng, "dyad")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # circular_shift, segment_shuffle: may not hold
            result = concordlab.surrogate_test(
                dyad, statistic, method=method, seed=run, progress=False, **options
            )
        p_values.append(float(result["p_value"]))
    return p_values


def timed(label: str, compute: Callable[[], list[float]], *, power: bool = False) -> None:
    started = time.perf_counter()
    report(label, compute(), power=power)
    print(f"{'':52} ({time.perf_counter() - started:.0f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--power-runs", type=int, default=100)
    parser.add_argument("--sizes", type=int, nargs="*", default=[5, 10, 20])
    parser.add_argument("--data", nargs="*", choices=list(DATA), default=list(DATA))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="10 runs of each, a smoke run")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args()
    runs, power_runs = (10, 5) if args.quick else (args.runs, args.power_runs)
    print(f"false positives at alpha {ALPHA} on uncoupled data, {runs} runs each")
    for data in args.data:
        for label in WITHIN:
            timed(
                f"{label}, {data}",
                lambda label=label, data=data: within_dyad(runs, label, data, args.seed, 0.0),
            )
    for size in args.sizes:
        started = time.perf_counter()
        for label, p_values in cohort_tests(runs, size, args.seed, 0.0).items():
            report(f"{label}, {size} dyads", p_values)
        print(f"{'':52} ({time.perf_counter() - started:.0f} s)", flush=True)
    if power_runs > 0:
        power(power_runs, args.sizes, args.seed)
    if args.markdown:
        write_markdown(args.markdown)


def power(power_runs: int, sizes: list[int], seed: int) -> None:
    print(f"\npower at coupling {POWER_COUPLING}, {POWER_DURATION / 60:g}-minute eda dyads")
    for label in WITHIN:
        timed(
            label,
            lambda label=label: within_dyad(power_runs, label, "eda", seed, POWER_COUPLING),
            power=True,
        )
    for size in sizes:
        for label, p_values in cohort_tests(power_runs, size, seed, POWER_COUPLING).items():
            report(f"{label}, {size} dyads", p_values, power=True)


def write_markdown(path: str) -> None:
    table = pd.DataFrame(ROWS)
    lines = ["| test | rejected | rate | 95 % CI | |", "| --- | --- | --- | --- | --- |"]
    for row in table.itertuples():
        lines.append(
            f"| {row.test} | {row.rejected}/{row.runs} | {100 * row.rate:.1f} % | "
            f"{100 * row.low:.1f}-{100 * row.high:.1f} % | {row.verdict} |"
        )
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
