"""Level and power of :meth:`concordlab.Ratings.compare` on simulated ratings.

Each run makes a key of ``--sessions`` sessions with ``--clips`` high and as many low
clips (no video needed), fills it with :func:`concordlab.simulate_ratings` (3 observers,
``agreement=0.7``, a fresh seed per run), reads it back with :func:`concordlab.read_ratings`
and tests high vs low over sessions for the rating ``positive``. With ``effect=0`` every
rejection at ``alpha`` is a false positive: the test holds its level when the rate is at
most ``alpha`` (as in ``bench_calibration.py``: the Wilson 95 % interval's centre at most
5.5 % and its upper bound below 10 %). With ``effect=1`` (high moments one SD more
positive) the rate is the power.

Run: ``python benchmarks/bench_ratings_level.py [--runs 1000] [--sessions 10] [--clips 3]
[--effects 0 1]`` (about a minute with the defaults).
"""

from __future__ import annotations

import argparse
import time
import warnings

import pandas as pd
from bench_calibration import ALPHA, report

import concordlab


def key(sessions: int, clips: int) -> pd.DataFrame:
    """A key of ``sessions`` sessions, each with ``clips`` high and ``clips`` low clips."""
    rows = [
        {"clip": f"c{s:02d}{kind[0]}{i}", "session": f"s{s:02d}", "kind": kind}
        for s in range(sessions)
        for kind in ("high", "low")
        for i in range(clips)
    ]
    return pd.DataFrame(rows)


def p_values(runs: int, sessions: int, clips: int, effect: float, seed: int) -> list[float]:
    table = key(sessions, clips)
    found = []
    for run in range(runs):
        sheets = concordlab.simulate_ratings(table, effect=effect, seed=seed * 1_000_003 + run)
        ratings = concordlab.read_ratings(sheets, table)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no intervals (n_boot=0): only the p-value
            result = ratings.compare("positive", n_boot=0, seed=run)
        found.append(result.p_value)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--clips", type=int, default=3)
    parser.add_argument("--effects", type=float, nargs="+", default=[0.0, 1.0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"Ratings.compare('positive') at alpha {ALPHA}: {args.sessions} sessions x "
        f"{args.clips} high + {args.clips} low clips, 3 observers, agreement 0.7"
    )
    for effect in args.effects:
        started = time.perf_counter()
        found = p_values(args.runs, args.sessions, args.clips, effect, args.seed)
        report(f"effect={effect:g}", found, power=effect != 0)
        print(f"{'':52} ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
