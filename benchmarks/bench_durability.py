"""Durability benchmark: the long version of the fuzz suite in tests/fuzz.

Generates ``--cases`` inputs (default 500) per reader (read_csv, read_bids_physio, read_e4,
read_events_tsv), for load on damaged stores and for compute_cohort, runs every case of the
parameter fuzz, all with the same assertions as tests/fuzz (returns a sound result or
raises ConcordlabError, within a time limit), and prints the counts by outcome, e.g.

    read_csv: 500 cases: 312 read, 188 ConcordlabError, 0 other exceptions, 0 hangs,
    0 wrong results

followed by the distinct failures, the outcomes of ``--kills`` SIGKILLs per kind during
``save`` (.nc, .zarr) and sidecar edits (tests/fuzz/kill.py), and what the safe save and
the checked load cost against xarray's plain ``to_netcdf``/``to_zarr`` and
``open_datatree(...).load()`` on the same 60-minute session, measured in the same run.

Run from the repository root:
``python benchmarks/bench_durability.py [--cases 500] [--kills 200] (the defaults)``
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

FUZZ = Path(__file__).resolve().parent.parent / "tests" / "fuzz"
sys.path.insert(0, str(FUZZ))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cases  # noqa: E402  (the generators of tests/fuzz)
from _timing import best_of  # noqa: E402

VERB = {
    "read_csv": "read",
    "read_bids_physio": "read",
    "read_e4": "read",
    "read_events_tsv": "read",
    "load": "loaded",
    "compute_cohort": "computed",
    "parameters": "returned",
}


def summary(kind: str, counts: collections.Counter) -> str:
    """One line of counts by outcome."""
    total = sum(counts.values())
    return (
        f"{kind}: {total} cases: {counts[cases.OK]} {VERB.get(kind, 'ok')}, "
        f"{counts[cases.ERROR]} ConcordlabError, {counts[cases.OTHER]} other exceptions, "
        f"{counts[cases.HANG]} hangs, {counts[cases.WRONG]} wrong results"
    )


def run_generator(kind: str, n: int, failures: dict[str, str]) -> collections.Counter:
    """``n`` generated cases of ``kind`` (seeds 0..n-1), counted by outcome."""
    counts: collections.Counter = collections.Counter()
    root = Path(tempfile.mkdtemp(prefix=f"durability-{kind}-"))
    try:
        for seed in range(n):
            folder = cases.fresh_folder(root, f"case-{seed}")
            result = cases.run(cases.GENERATORS[kind](cases.Chooser(seed=seed), folder))
            counts[result.outcome] += 1
            if result.outcome not in (cases.OK, cases.ERROR):
                key = f"{kind}: {result.outcome}: {result.detail[:160]}"
                failures.setdefault(key, f"seed {seed}: {result.case.label[:400]}")
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return counts


def run_parameters(failures: dict[str, str]) -> collections.Counter:
    """Every case of the parameter fuzz, counted by outcome."""
    counts: collections.Counter = collections.Counter()
    for case in cases.param_cases():
        result = cases.run(case)
        counts[result.outcome] += 1
        if result.outcome not in (cases.OK, cases.ERROR):
            failures.setdefault(f"{case.label[:200]}: {result.outcome}", result.detail[:300])
    return counts


# ---- kill harness: tests/fuzz/kill.py ---------------------------------------------------
KILL_KINDS = ("nc", "zarr", "segments")


def kill_counts(n: int = 50) -> dict[str, collections.Counter]:
    """Outcomes of tests/fuzz/kill.py's ``run_kills(kind, n)`` per kind, printed; empty and
    "kill harness not available" when that module does not exist (yet)."""
    path = FUZZ / "kill.py"
    if not path.exists():
        print("kill harness not available")
        return {}
    spec = importlib.util.spec_from_file_location("concordlab_fuzz_kill", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    kinds = getattr(module, "KINDS", KILL_KINDS)
    out = {}
    for kind in kinds:
        try:
            counts = collections.Counter(module.run_kills(kind, n))
        except Exception as error:  # the harness itself failed: say so, keep going
            print(f"kill {kind}: harness failed: {type(error).__name__}: {error}")
            continue
        out[kind] = counts
        per_save = counts.pop("seconds per save", None)  # a timing, not an outcome
        details = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
        timing = "" if per_save is None else f"; {per_save} s per save"
        print(f"kill {kind}: {sum(counts.values())} kills: {details}{timing}")
    return out


def save_costs(minutes: float = 60, rate: float = 256) -> None:
    """Print safe save and checked load against xarray's plain calls, as ratios."""
    import xarray as xr

    import concordlab

    session = concordlab.simulate_dyad(minutes * 60, sampling_rate=rate, seed=1)
    folder = Path(tempfile.mkdtemp())
    try:
        for suffix, engine in ((".nc", "h5netcdf"), (".zarr", "zarr")):
            ours, plain = folder / f"ours{suffix}", folder / f"plain{suffix}"

            def write_plain(plain=plain, engine=engine):
                shutil.rmtree(plain, ignore_errors=True)
                if engine == "zarr":
                    session.to_zarr(plain, mode="w", zarr_format=2, consolidated=True)
                else:
                    session.to_netcdf(plain, engine=engine, mode="w")

            save = best_of(5, lambda ours=ours: concordlab.save(session, ours))
            peer_save = best_of(5, write_plain)
            load = best_of(5, lambda ours=ours: concordlab.load(ours))
            peer_load = best_of(
                5, lambda plain=plain, engine=engine: xr.open_datatree(plain, engine=engine).load()
            )
            print(
                f"{suffix} {minutes:g} min at {rate:g} Hz: save {save:.3f} s vs xarray "
                f"{peer_save:.3f} s ({save / peer_save:.2f}x); load {load:.3f} s vs xarray "
                f"{peer_load:.3f} s ({load / peer_load:.2f}x)"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    """Run every generator and the parameter fuzz; print counts and distinct failures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500, help="cases per generator")
    parser.add_argument("--only", nargs="*", default=None, help="generators to run")
    parser.add_argument("--kills", type=int, default=200, help="SIGKILLs per kind")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    failures: dict[str, str] = {}
    for kind in args.only or list(cases.GENERATORS):
        start = time.perf_counter()
        n = args.cases if kind != "compute_cohort" else max(1, args.cases // 5)
        counts = run_generator(kind, n, failures)
        print(f"{summary(kind, counts)}   ({time.perf_counter() - start:.0f} s)", flush=True)
    if args.only is None or "parameters" in args.only:
        start = time.perf_counter()
        counts = run_parameters(failures)
        print(f"{summary('parameters', counts)}   ({time.perf_counter() - start:.0f} s)")
    kill_counts(args.kills)
    save_costs()
    if failures:
        print(f"\n{len(failures)} distinct failures:")
        for key, example in failures.items():
            print(f"- {key}\n    {example}")


if __name__ == "__main__":
    main()
