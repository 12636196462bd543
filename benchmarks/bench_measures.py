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


def bench_dtw(dyads: Dyads, repeat: int) -> list[Row]:
    """DTW on the 20 dyads (25 Hz, 30 s windows every 10 s, band 5 s = 125 samples) against
    dtaidistance's C library on the same windows (rMEA's placement, as ours): its
    ``distance_fast`` (the distance only) and, for the path's mean lag that ours also
    gives, ``distance_fast`` + ``warping_path``. Raw values (``standardize=False``), so
    both time the same DTW work; ours compiled (numba) and numpy (Pyodide's path)."""
    from dtaidistance import dtw as peer

    from concordlab.compute import kernel

    window, step, band = 750, 250, 125
    params = {"method": "dtw", "window": 30.0, "step": 10.0, "max_lag": 5.0}
    spans = []
    for values in dyads.arrays:
        count = int(np.ceil((values.shape[1] - window - band + 1) / step))
        spans += [
            (np.ascontiguousarray(values[0, s : s + window]), values[1, s : s + window].copy())
            for s in np.arange(count) * step
        ]

    def ours() -> None:
        for session in dyads.sessions:
            concordlab.concordance(session, standardize=False, **params)

    def distance() -> None:
        for first, second in spans:
            peer.distance_fast(first, second, window=band + 1)

    def with_path() -> None:
        for first, second in spans:
            peer.distance_fast(first, second, window=band + 1)
            peer.warping_path(first, second, window=band + 1, use_c=True)

    ours()  # compile once
    rows = []
    label = "dtw distance + mean_lag (numba)"
    ours_s, peer_s = alternate(repeat, ours, distance)
    rows.append((label, ours_s, "dtaidistance distance_fast (C)", peer_s))
    ours_s, peer_s = alternate(repeat, ours, with_path)
    rows.append((label, ours_s, "dtaidistance distance_fast + warping_path", peer_s))
    saved = kernel.use_numba
    kernel.use_numba = False
    try:
        ours_s, peer_s = alternate(max(1, repeat // 2), ours, distance)
    finally:
        kernel.use_numba = saved
    rows.append(
        (
            "dtw distance + mean_lag (numpy, Pyodide)",
            ours_s,
            "dtaidistance distance_fast (C)",
            peer_s,
        )
    )
    return rows


ONLY: dict[str, Callable[[Dyads, int], Row | list[Row]]] = {"dtw": bench_dtw}
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
