"""Explorer benchmark: how fast the explorer answers and what it sends, measured in Python.

For simulated 60-minute sessions at 1 kHz and at 32 Hz, each row prints the median of
``--repeat`` timings, judged against its target, and the best of them; the bytes
sent to the browser (every comm message of the figure, the overview strip and the
controls: JSON text plus binary buffers, see ``concordlab.widgets.wire``) where it
matters, and the target of issue 14. Every timed change uses parameter values not seen
before, so the explorer's cache of results never answers in its place:

- 1 kHz, ``set_params(window=...)`` to the figure updated (target < 100 ms);
- 1 kHz, switching the method to ``wlcc_peak``: time, bytes sent, peak memory traced
  (targets < 1 s and < 2 MB);
- 32 Hz, switching to ``wlcc_peak`` (target < 200 ms) and a window change (< 100 ms);
- 1 kHz, the first draw (``explore``; target < 1 s) and a zoom redraw (``set_view``,
  the slowest of four views; target < 200 ms).

With ``--groups``, only the group rows (issue 16): a slider-driven recompute
(``set_params(window=...)``, slope) on a simulated 60-minute 32 Hz session of 2 persons
and of 5 persons (10 pairs: the line of the chosen pair and the pair x time heatmap of
all), with the bytes sent, and choosing another pair (computed already: nothing but the
redraw). The 2-person session is the same explorer as without groups.

The reviewer's figures before this work (issue 14, not measured in this run) are printed
beside them. The end-to-end time in a browser (slider to new plot painted) is
``bench_explorer_browser.py``'s.

Run: ``python benchmarks/bench_explorer.py [--repeat 7] [--groups]``
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from _timing import best_of, peak_memory_mb

import concordlab
from concordlab.widgets.wire import record_messages

ROW = "{label:<50} {value:>25}  target {target:<9} {verdict:<18} before: {before}"


def widgets_of(explorer: Any) -> list[Any]:
    """Every widget of the explorer that talks to the browser on a change."""
    return [
        explorer.figure,
        explorer.overview,
        explorer.analysis_note,
        explorer.status,
        *explorer.controls.values(),
    ]


def sent(explorer: Any, action: Callable[[], object]) -> tuple[float, int]:
    """Seconds ``action`` takes and the bytes it sends to the browser."""
    with ExitStack() as stack:
        logs = [stack.enter_context(record_messages(w)) for w in widgets_of(explorer)]
        start = time.perf_counter()
        action()
        seconds = time.perf_counter() - start
    return seconds, sum(log.nbytes for log in logs)


def row(label: str, value: str, target: str, ok: bool, before: str) -> None:
    verdict = "ok" if ok else "SLOWER THAN TARGET"
    print(ROW.format(label=label, value=value, target=target, verdict=verdict, before=before))


def timed(label: str, seconds: list[float], limit: float, before: str) -> None:
    """A row of times: the median (judged against ``limit`` seconds) and the best."""
    median = statistics.median(seconds)
    value = f"{median * 1e3:.1f} ms (best {min(seconds) * 1e3:.1f})"
    row(label, value, f"< {limit * 1e3:g} ms", median < limit, before)


def times(repeat: int, action: Callable[[], object]) -> list[float]:
    """``repeat`` wall-clock timings of ``action``, in seconds."""
    return [best_of(1, action) for _ in range(repeat)]


def switch_to_wlcc_peak(explorer: Any, windows: Any) -> tuple[float, int]:
    """Slope at a new window, then time the switch to wlcc_peak (nothing cached)."""
    explorer.set_params(method="slope", window=next(windows))
    result = sent(explorer, lambda: explorer.set_params(method="wlcc_peak"))
    explorer.set_params(method="slope")
    return result


def groups(repeat: int, fresh: Any) -> None:
    """A slider-driven recompute on a 5-person session against a 2-person one (32 Hz)."""
    print(f"60-minute simulated 32 Hz sessions; median of {repeat} runs (and the best)")
    for n in (2, 5):
        session = concordlab.simulate_group(n, 3600, sampling_rate=32, seed=1)
        explorer = concordlab.explore(session, sidecar=False)
        label = f"{n} persons ({n * (n - 1) // 2} pair{'s' if n > 2 else ''})"
        runs = [
            sent(explorer, lambda e=explorer: e.set_params(window=next(fresh)))
            for _ in range(repeat)
        ]
        timed(f"32 Hz, {label}: set_params(window=...)", [t for t, _ in runs], 0.1, "-")
        nbytes = max(b for _, b in runs)
        row(f"32 Hz, {label}: bytes sent", f"{nbytes / 1e6:.3f} MB", "-", True, "-")
        if n > 2:
            choices = itertools.cycle(explorer.pairs[1:] + explorer.pairs[:1])
            seconds = times(repeat, lambda e=explorer, c=choices: e.set_params(pair=next(c)))
            timed(f"32 Hz, {label}: choose another pair", seconds, 0.1, "-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--groups", action="store_true", help="only the group rows")
    args = parser.parse_args()
    repeat = args.repeat
    fresh = (15.0 + 0.5 * i for i in itertools.count(1))  # never the same window twice
    if args.groups:
        groups(repeat, fresh)
        return

    fast = concordlab.simulate_dyad(3600, sampling_rate=1000, seed=1, channels=["eda"], turns=False)
    hour = concordlab.simulate_dyad(3600, sampling_rate=32, seed=1, channels=["eda"])
    print(f"60-minute simulated sessions; median of {repeat} runs (and the best); bytes: largest")

    big = concordlab.explore(fast, sidecar=False)
    print(f"  {big.analysis}")
    seconds = times(repeat, lambda: big.set_params(window=next(fresh)))
    timed("1 kHz: set_params(window=...) to figure updated", seconds, 0.1, "527 ms")

    runs = [switch_to_wlcc_peak(big, fresh) for _ in range(repeat)]
    timed("1 kHz: switch method to wlcc_peak, time", [t for t, _ in runs], 1.0, "74.5 s")
    nbytes = max(b for _, b in runs)
    row(
        "1 kHz: switch method to wlcc_peak, bytes sent",
        f"{nbytes / 1e6:.3f} MB",
        "< 2 MB",
        nbytes < 2e6,
        "730 MB",
    )
    big.set_params(method="slope", window=next(fresh))
    memory = peak_memory_mb(lambda: big.set_params(method="wlcc_peak"))
    row("1 kHz: switch to wlcc_peak, peak memory traced", f"{memory:.0f} MB", "-", True, "5.4 GB")
    print(f"  {big.analysis}")

    small = concordlab.explore(hour, sidecar=False)
    runs = [switch_to_wlcc_peak(small, fresh) for _ in range(repeat)]
    timed("32 Hz: switch method to wlcc_peak, time", [t for t, _ in runs], 0.2, "2.05 s")
    nbytes = max(b for _, b in runs)
    row("32 Hz: switch to wlcc_peak, bytes sent", f"{nbytes / 1e6:.3f} MB", "-", True, "23.5 MB")
    seconds = times(repeat, lambda: small.set_params(window=next(fresh)))
    timed("32 Hz: set_params(window=...) to figure updated", seconds, 0.1, "-")

    seconds = times(max(3, repeat // 2), lambda: concordlab.explore(fast, sidecar=False))
    timed("1 kHz: first draw (explore)", seconds, 1.0, "-")
    views = [(0, 3600), (600, 900), (1200, 1230), (100, 2000)]
    # Each view is reached from a different one (an unchanged range redraws nothing);
    # the slowest view's median is reported, so no view hides behind another.
    for method in ("slope", "wlcc_peak"):
        big.set_params(method=method)
        timings: dict[tuple[int, int], list[float]] = {view: [] for view in views}
        for _ in range(repeat):
            for view in views:
                timings[view].append(best_of(1, lambda view=view: big.set_view(*view)))
        slowest = max(timings.values(), key=statistics.median)
        timed(f"1 kHz: zoom redraw ({method}), slowest view", slowest, 0.2, "-")


if __name__ == "__main__":
    main()
