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


def bench_kuramoto(dyads: Dyads, repeat: int) -> list[Row]:
    """The group measures kuramoto and rho (15 s windows, 1 s step) against multiSyncPy:
    phases as its examples extract them (z-score, ``scipy.signal.hilbert``, angle), cut by
    its ``apply_windowed``; per window its ``rho(phases)[1]``, and for Kuramoto the mean of
    ``|mean_k exp(i theta_k)|`` (the r its ``kuramoto_weak_null`` is built on; multiSyncPy
    has no public function returning it)."""
    from multiSyncPy import synchrony_metrics as sm
    from scipy import signal

    window, step = round(15 * dyads.sampling_rate), round(1 * dyads.sampling_rate)

    def phases(values: np.ndarray) -> np.ndarray:
        z = (values - values.mean(axis=1, keepdims=True)) / values.std(axis=1, keepdims=True)
        return np.angle(signal.hilbert(z))

    def order(theta: np.ndarray) -> float:
        return float(np.abs(np.exp(1j * theta).mean(axis=0)).mean())

    def rho(theta: np.ndarray) -> float:
        return sm.rho(theta)[1]

    rows = []
    for method, function in (("kuramoto", order), ("rho", rho)):

        def ours(method: str = method) -> None:
            for session in dyads.sessions:
                concordlab.concordance(session, method=method, window=15, step=1)

        def peer(function: Callable = function) -> None:
            for values in dyads.arrays:
                sm.apply_windowed(phases(values), function, window, step)

        ours_s, peer_s = alternate(repeat, ours, peer)
        label = f"{method} (15 s windows, 1 s step)"
        rows.append((label, ours_s, f"multiSyncPy apply_windowed ({method})", peer_s))
    return rows


def bench_phase(dyads: Dyads, repeat: int) -> list[Row]:
    """phase_sync and phase_sync_nk (30 s windows, 1 s step, no filter) against NeuroKit2's
    per-sample ``signal_synchrony(method="hilbert")`` of the centred series, averaged over
    the same windows with numpy cumulative sums (the peer has no windowed form; its
    window means are phase_sync_nk's values to 1e-9)."""
    import neurokit2 as nk

    window, step = 30.0, 1.0
    rate = dyads.sampling_rate
    w, k = round(window * rate), round(step * rate)

    def ours(method: str) -> Callable[[], object]:
        return lambda: [
            concordlab.concordance(s, method=method, window=window, step=step)
            for s in dyads.sessions
        ]

    def peer() -> list[np.ndarray]:
        out = []
        for x, y in dyads.arrays:
            synchrony = nk.signal_synchrony(x - x.mean(), y - y.mean(), method="hilbert")
            sums = np.concatenate([[0.0], np.cumsum(synchrony)])
            starts = np.arange(0, x.size - w + 1, k)
            out.append((sums[starts + w] - sums[starts]) / w)
        return out

    for check, theirs in zip(ours("phase_sync_nk")(), peer(), strict=True):
        assert np.abs(check.values - theirs).max() < 1e-9
    label = "NeuroKit2 signal_synchrony + window mean"
    rows = []
    for method in ("phase_sync_nk", "phase_sync"):
        ours_s, peer_s = alternate(repeat, ours(method), peer)
        rows.append((f"{method} (30 s windows, 1 s step)", ours_s, label, peer_s))
    return rows


def bench_coherence(dyads: Dyads, repeat: int) -> Row:
    """Welch coherence per window (30 s windows, 1 s step, 5 s segments) on the 20 dyads,
    against a loop of ``scipy.signal.coherence`` over the same windows."""
    from scipy import signal

    params = {"window": 30.0, "step": 1.0, "welch_segment": 5.0}
    rate = dyads.sampling_rate
    window, step, segment = (round(params[k] * rate) for k in ("window", "step", "welch_segment"))

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


def _zscored_windows(values: np.ndarray, window: int, step: int):
    """Each window of both persons, z-scored as crqa does (n - 1), or None if constant."""
    for start in range(0, values.shape[1] - window + 1, step):
        x, y = values[0, start : start + window], values[1, start : start + window]
        sx, sy = x.std(ddof=1), y.std(ddof=1)
        yield None if sx == 0 or sy == 0 else ((x - x.mean()) / sx, (y - y.mean()) / sy)


def _embedded(z: np.ndarray, embedding: int, delay: int) -> np.ndarray:
    n = z.size - (embedding - 1) * delay
    return np.stack([z[k * delay : k * delay + n] for k in range(embedding)], axis=1)


def _numpy_crqa(values, window, step, embedding, delay, radius, min_line):
    """The per-window reference: scipy's cdist, then each diagonal's runs with numpy."""
    from scipy.spatial.distance import cdist

    out = []
    for pair in _zscored_windows(values, window, step):
        if pair is None:
            out.append((np.nan, np.nan, np.nan))
            continue
        recurrent = cdist(*(_embedded(z, embedding, delay) for z in pair)) <= radius
        n = recurrent.shape[0]
        lengths = []
        for offset in range(-(n - 1), n):
            edges = np.diff(np.concatenate([[0], np.diagonal(recurrent, offset), [0]]).astype(int))
            lengths.append(np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1))
        lengths = np.concatenate(lengths)
        long = lengths[lengths >= min_line]
        points = recurrent.sum()
        out.append((points / n**2, long.sum() / points, long.mean() if long.size else np.nan))
    return out


def _multisyncpy_crqa(values, window, step, embedding, delay, radius, min_line):
    """multiSyncPy's recurrence_matrix and rqa_metrics (it has auto-recurrence only: the
    two z-scored windows are concatenated, and the cross block is scanned above the
    diagonal of a zero matrix twice its size)."""
    from multiSyncPy import synchrony_metrics as msp

    out = []
    for pair in _zscored_windows(values, window, step):
        if pair is None:
            out.append((np.nan, np.nan, np.nan))
            continue
        m = window - (embedding - 1) * delay
        full = msp.recurrence_matrix(np.concatenate(pair)[None, :], radius, False, embedding, delay)
        big = np.zeros((2 * m, 2 * m), dtype=bool)
        big[:m, m:] = full[:m, window : window + m]
        out.append(msp.rqa_metrics(big, min_length=min_line)[:3])
    return out


def bench_crqa(dyads: Dyads, repeat: int) -> list[Row]:
    """CRQA (15 s windows, embedding 3, delay 1 sample, radius 0.1, lines >= 2): ours
    against a per-window numpy/scipy reference (every 5 s: 2360 windows) and multiSyncPy
    (every 60 s: 200 windows; its line scan is a Python loop over cells)."""
    rate = dyads.sampling_rate
    params = dict(window=15.0, embedding=3, delay=1 / rate, radius=0.1)

    def determinism(step: float) -> Callable[[], None]:
        def run() -> None:
            for session in dyads.sessions:
                concordlab.concordance(session, method="determinism", step=step, **params)

        return run

    def all_three(step: float) -> Callable[[], None]:
        def run() -> None:
            for session in dyads.sessions:
                concordlab.concordance(session, method="recurrence_rate", step=step, **params)
                for method in ("determinism", "mean_line"):
                    concordlab.concordance(session, method=method, step=step, **params)

        return run

    def peer(step: float, function: Callable) -> Callable[[], None]:
        def run() -> None:
            with np.errstate(invalid="ignore", divide="ignore"):
                for values in dyads.arrays:
                    function(values, round(15 * rate), round(step * rate), 3, 1, 0.1, 2)

        return run

    numpy_label, msp_label = "numpy/scipy per window (cdist)", "multiSyncPy 0.1.2 per window"
    rows = []
    for label, ours, peer_label, theirs in (
        ("crqa determinism, step 5 s", determinism(5.0), numpy_label, peer(5.0, _numpy_crqa)),
        ("crqa RR + DET + L (3 calls), step 5 s", all_three(5.0), numpy_label, None),
        (
            "crqa determinism, step 60 s",
            determinism(60.0),
            msp_label,
            peer(60.0, _multisyncpy_crqa),
        ),
    ):
        theirs = theirs or peer(5.0, _numpy_crqa)
        ours_s, peer_s = alternate(repeat, ours, theirs)
        rows.append((label, ours_s, peer_label, peer_s))
    return rows


def _numpy_profile(values, window, step, embedding, delay, radius, max_lag):
    """The per-window reference profile: cdist, then each diagonal's mean."""
    from scipy.spatial.distance import cdist

    out = []
    for pair in _zscored_windows(values, window, step):
        if pair is None:
            continue  # NaN in ours
        recurrent = cdist(*(_embedded(z, embedding, delay) for z in pair)) <= radius
        out.append([np.diagonal(recurrent, k).mean() for k in range(-max_lag, max_lag + 1)])
    return out


def bench_crqa_profile(dyads: Dyads, repeat: int) -> Row:
    """The diagonal recurrence profile (15 s windows every 5 s, lags up to 5 s)."""
    rate = dyads.sampling_rate

    def ours() -> None:
        for session in dyads.sessions:
            concordlab.concordance(
                session, method="recurrence_profile", window=15, step=5, max_lag=5, radius=0.1
            )

    def peer() -> None:
        for values in dyads.arrays:
            _numpy_profile(values, round(15 * rate), round(5 * rate), 3, 1, 0.1, round(5 * rate))

    ours_s, peer_s = alternate(repeat, ours, peer)
    return ("recurrence_profile, step 5 s, lags +-5 s", ours_s, "numpy/scipy per window", peer_s)


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
    "coherence": bench_coherence,
    "crqa": bench_crqa,
    "crqa_profile": bench_crqa_profile,
    "dtw": bench_dtw,
    "granger": bench_granger,
    "kuramoto": bench_kuramoto,
    "phase": bench_phase,
    "susy": bench_susy,
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
