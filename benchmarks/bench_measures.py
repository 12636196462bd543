"""Measures benchmark: each registered measure against its peer implementation, same run.

Every row times one concordlab measure on the 20 real rMEA dyads (motion energy at 25 Hz,
read with ``concordlab.read_csv``) and the named peer on the same windows of the same
data, round after round, and prints the medians and concordlab's time over the peer's
(< 1: concordlab is faster). The issue's target: no slower than the peer.

Rows are added by the module of each measure: a function ``bench_<name>(dyads, repeat)``
returning ``(label, ours_seconds, peer_label, peer_seconds)`` (or a list of such rows),
listed in :data:`ONLY`.

Run: ``python benchmarks/bench_measures.py [--repeat 5] [--only NAME ...] [--markdown]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import concordlab
from concordlab.datasets import rmea_files

Row = tuple[str, float, str, float]


@dataclass(frozen=True)
class Dyads:
    """The 20 rMEA dyads: the sessions and their (2, n) arrays."""

    sessions: list
    arrays: list[np.ndarray]
    sampling_rate: float = 25.0


def load_dyads() -> Dyads:
    """The 20 rMEA psychotherapy dyads as sessions and as plain (2, n) float arrays."""
    sessions = [
        concordlab.read_csv(path, sampling_rate=25, channel="motion") for path in rmea_files("all")
    ]
    arrays = [np.asarray(s["motion"]["motion"].values, dtype=np.float64) for s in sessions]
    return Dyads(sessions, arrays)


def alternate(repeat: int, ours: Callable[[], object], peer: Callable[[], object]) -> tuple:
    """Median seconds of ``ours`` and of ``peer``, timed in turn, round after round."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for timings, action in zip(times, (ours, peer), strict=True):
            start = time.perf_counter()
            action()
            timings.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def bench_susy(dyads: Dyads, repeat: int) -> Row:
    """SUSY (30 s segments, lags to 3 s, all surrogates) against a naive implementation.

    The R package SUSY cannot run here (no R); its peer is ``naive_susy`` of
    ``tests/compute/test_susy.py``, the package's loops written out in numpy (one dot
    product per segment pair and lag), which the tests check concordlab against.
    """
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "compute"))
    from test_susy import naive_susy

    rate = int(dyads.sampling_rate)

    def ours() -> None:
        for session in dyads.sessions:
            concordlab.susy(session, segment_length=30, max_lag=3)

    def peer() -> None:
        for values in dyads.arrays:
            naive_susy(values[0], values[1], 30 * rate, 3 * rate, absolute=False)

    return (
        "susy (30 s segments, 3 s lags)",
        *_pair(alternate(repeat, ours, peer), "naive SUSY loops"),
    )


def bench_granger(dyads: Dyads, repeat: int) -> Row:
    """Granger ssr F test in both directions per window (motion decimated to 5 Hz, 30 s
    windows every 10 s, order 3) against statsmodels' grangercausalitytests per window."""
    import warnings

    from statsmodels.tools.sm_exceptions import InfeasibleTestError
    from statsmodels.tsa.stattools import grangercausalitytests

    sessions, windows = [], []
    for values in dyads.arrays:
        decimated = values[:, ::5]
        sessions.append(concordlab.from_arrays({"motion": decimated}, sampling_rate=5.0))
        starts = range(0, decimated.shape[1] - 150 + 1, 50)
        windows.append([decimated[:, s : s + 150] for s in starts])

    def ours() -> None:
        for session in sessions:
            concordlab.concordance(session, method="granger", window=30, step=10, order=3)

    def peer() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for dyad in windows:
                for window in dyad:
                    for columns in (window[::-1].T, window.T):
                        try:
                            grangercausalitytests(columns, maxlag=[3])
                        except InfeasibleTestError:
                            pass

    return (
        "granger (5 Hz, 30 s windows, order 3, both ways)",
        *_pair(alternate(repeat, ours, peer), "statsmodels grangercausalitytests"),
    )


def _pair(times: tuple[float, float], peer_label: str) -> tuple[float, str, float]:
    """``(ours, peer_label, peer)`` from :func:`alternate`'s two medians."""
    return times[0], peer_label, times[1]


ONLY: dict[str, Callable[[Dyads, int], Row | list[Row]]] = {
    "susy": bench_susy,
    "granger": bench_granger,
}
"""Row name -> the function timing it (each measure's module adds its own)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", choices=sorted(ONLY), help="rows to run")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    dyads = load_dyads()
    rows: list[Row] = []
    for name in args.only or sorted(ONLY):
        result = ONLY[name](dyads, args.repeat)
        rows.extend(result if isinstance(result, list) else [result])
    if args.markdown:
        print("| measure (20 rMEA dyads) | concordlab | peer | peer time | ratio |")
        print("| --- | ---: | --- | ---: | ---: |")
        for label, ours, peer_label, peer in rows:
            print(
                f"| {label} | {ours * 1e3:.1f} ms | {peer_label} | {peer * 1e3:.1f} ms "
                f"| {ours / peer:.2f} |"
            )
    else:
        for label, ours, peer_label, peer in rows:
            print(
                f"{label:<48} {ours * 1e3:9.1f} ms   {peer_label:<40} {peer * 1e3:9.1f} ms"
                f"   ratio {ours / peer:.2f}"
            )


if __name__ == "__main__":
    main()
