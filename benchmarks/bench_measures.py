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


def bench_coherence(dyads: Dyads, repeat: int) -> Row:
    """Welch coherence per window (30 s windows, 1 s step, 5 s segments) on the 20 dyads,
    against a loop of ``scipy.signal.coherence`` over the same windows."""
    from scipy import signal

    params = {"window": 30.0, "step": 1.0, "segment": 5.0}
    rate = dyads.sampling_rate
    window, step, segment = (round(params[k] * rate) for k in ("window", "step", "segment"))

    def ours() -> None:
        for session in dyads.sessions:
            concordlab.concordance(session, method="coherence", **params)

    def peer() -> None:
        for values in dyads.arrays:
            for start in range(0, values.shape[1] - window + 1, step):
                signal.coherence(
                    values[0, start : start + window],
                    values[1, start : start + window],
                    rate,
                    nperseg=segment,
                    noverlap=segment // 2,
                )

    ours_s, peer_s = alternate(repeat, ours, peer)
    return (
        "coherence (30 s windows, 1 s step, 5 s segments)",
        ours_s,
        "scipy.signal.coherence per window",
        peer_s,
    )


def bench_wavelet_coherence(dyads: Dyads, repeat: int) -> Row:
    """Wavelet coherence of each whole dyad (12 scales per octave, all scales; ours
    reported every 1 s), against ``pycwt.wct`` (sig=False, the same scales)."""
    import pycwt

    def ours() -> None:
        for session in dyads.sessions:
            concordlab.concordance(session, method="wavelet_coherence", step=1.0)

    def peer() -> None:
        for values in dyads.arrays:
            pycwt.wct(values[0], values[1], 1 / dyads.sampling_rate, dj=1 / 12, sig=False)

    ours_s, peer_s = alternate(repeat, ours, peer)
    return ("wavelet_coherence (whole dyad, 12 scales/octave)", ours_s, "pycwt.wct", peer_s)


ONLY: dict[str, Callable[[Dyads, int], Row | list[Row]]] = {
    "coherence": bench_coherence,
    "wavelet_coherence": bench_wavelet_coherence,
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
