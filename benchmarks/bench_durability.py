"""Durability benchmark: the long version of the fuzz suite in tests/fuzz.

Generates ``--cases`` inputs (default 500) per reader (read_csv, read_bids_physio, read_e4,
read_events_tsv), for load on damaged stores and for compute_cohort, runs every case of the
parameter fuzz, all with the same assertions as tests/fuzz (returns a sound result or
raises ConcordlabError, within a time limit), and prints the counts by outcome, e.g.

    read_csv: 500 cases: 312 read, 188 ConcordlabError, 0 other exceptions, 0 hangs,
    0 wrong results

followed by the distinct failures. ``kill_counts()`` runs the kill harness of
tests/fuzz/kill.py when it exists.

Run from the repository root: ``python benchmarks/bench_durability.py [--cases 500]``
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

import cases  # noqa: E402  (the generators of tests/fuzz)

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


# ---- kill harness: tests/fuzz/kill.py is written by another engineer --------------------
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
        details = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
        print(f"kill {kind}: {sum(counts.values())} kills: {details}")
    return out


def main() -> None:
    """Run every generator and the parameter fuzz; print counts and distinct failures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500, help="cases per generator")
    parser.add_argument("--only", nargs="*", default=None, help="generators to run")
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
    kill_counts()
    if failures:
        print(f"\n{len(failures)} distinct failures:")
        for key, example in failures.items():
            print(f"- {key}\n    {example}")


if __name__ == "__main__":
    main()
