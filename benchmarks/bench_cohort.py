"""Cohort benchmark: 1000 simulated 60-minute sessions at 4 Hz stored on disk.

Prints, for the session concordance index (Marci slopes, 15 s windows) over the cohort:
- wall time of a plain Python loop (load, compute, keep the number; the peer);
- wall time of ``compute_cohort`` with its default scheduler (what a user gets), dask
  threads, dask processes and a ``dask.distributed`` LocalCluster of 2 worker processes,
  each as a ratio to the loop;
- peak resident memory of each run (the process and its workers, sampled every 20 ms),
  next to the baseline (a process that imports concordlab and measures one session) and
  to what all sessions would take in memory at once: it must stay bounded.

Each variant runs in its own Python process so peaks do not carry over. The sessions are
written once to ``--folder`` (default: a folder in the system's temp dir) and reused.

Run: ``python benchmarks/bench_cohort.py [--sessions 1000] [--minutes 60]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

RATE = 4.0
VARIANTS = ("baseline", "loop", "default", "threads", "processes", "cluster")


def write_cohort(folder: Path, n: int, minutes: float) -> list[Path]:
    from tqdm.auto import tqdm

    import concordlab

    done = folder / f"complete-{n}-{minutes:g}"
    paths = [folder / "sessions" / f"dyad-{i + 1:04d}.nc" for i in range(n)]
    if done.exists():
        return paths
    rng_seeds = range(1000, 1000 + n)
    for path, seed in tqdm(
        list(zip(paths, rng_seeds, strict=False)), desc="writing sessions", unit="session"
    ):
        session = concordlab.simulate_dyad(
            minutes * 60,
            sampling_rate=RATE,
            channels="eda",
            coupling=0.5,
            seed=seed,
            session_id=path.stem,
        )
        # Real recordings have no ground truth: store what a study would store.
        concordlab.save(session.drop_nodes("truth"), path)
    done.touch()
    return paths


def run_variant(variant: str, folder: Path) -> dict:
    """Runs in a child process: one variant, timed, returning the values' checksum."""
    import numpy as np

    import concordlab

    paths = sorted((folder / "sessions").glob("*.nc"))
    start = time.perf_counter()
    if variant == "baseline":  # the libraries and one session: the floor of every peak
        values = np.array(
            [float(concordlab.concordance_index(concordlab.concordance(concordlab.load(paths[0]))))]
        )
    elif variant == "loop":
        values = []
        for path in paths:
            session = concordlab.load(path)
            values.append(float(concordlab.concordance_index(concordlab.concordance(session))))
        values = np.array(values)
    else:
        cohort = concordlab.open_cohort(folder / "sessions")
        if variant == "cluster":
            from distributed import Client, LocalCluster

            with (
                LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
                ) as cluster,
                Client(cluster),
            ):
                start = time.perf_counter()  # cluster start-up is not part of the work
                values = cohort.compute("index", progress=False).values.values
        else:
            scheduler = None if variant == "default" else variant  # default: what users get
            values = cohort.compute("index", scheduler=scheduler, progress=False).values.values
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "sum": float(np.nansum(values)), "n": len(values)}


def measure(variant: str, folder: Path) -> dict:
    """Run a variant in a child process, sampling the memory of its process tree."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--run", variant, "--folder", str(folder)],
        stdout=subprocess.PIPE,
        text=True,
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        process = psutil.Process(child.pid)
        while not stop.is_set():
            try:
                tree = [process, *process.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = child.communicate()
    stop.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"variant {variant} failed (exit {child.returncode})")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_mb"] = peak / 1e6
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--run", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_variant(args.run, args.folder)))
        return
    folder = args.folder or Path(tempfile.gettempdir()) / (
        f"concordlab-bench-cohort-{args.sessions}-{args.minutes:g}"
    )
    paths = write_cohort(folder, args.sessions, args.minutes)
    on_disk = sum(p.stat().st_size for p in paths) / 1e6

    import concordlab

    one = concordlab.load(paths[0])
    in_memory = one.nbytes * len(paths) / 1e6 if hasattr(one, "nbytes") else float("nan")
    print(
        f"{len(paths)} sessions x {args.minutes:g} min at {RATE:g} Hz: {on_disk:.0f} MB on disk, "
        f"~{in_memory:.0f} MB if all were in memory at once"
    )
    results = {variant: measure(variant, folder) for variant in VARIANTS}
    baseline = results.pop("baseline")["peak_mb"]
    print(f"  baseline: importing concordlab and measuring one session peaks at {baseline:.0f} MB")
    loop = results["loop"]["seconds"]
    for variant, result in results.items():
        agrees = abs(result["sum"] - results["loop"]["sum"]) < 1e-9 * max(1, abs(loop))
        print(
            f"{variant:>10}: {result['seconds']:7.1f} s  ({loop / result['seconds']:4.2f}x the "
            f"plain loop)  peak memory {result['peak_mb']:6.0f} MB  "
            f"values {'agree' if agrees else 'DIFFER'} ({result['n']} sessions)"
        )


if __name__ == "__main__":
    main()
