"""Import benchmark: ``import concordlab`` against ``import xarray``, each in a fresh interpreter.

Prints
- the wall-clock time of ``python -c "import concordlab"`` and of ``python -c "import
  xarray"`` (best of ``--repeat`` fresh subprocesses each, in the same run), and their
  ratio (concordlab needs xarray, so the ratio is at least about 1; the heavy parts,
  plotly, dask, ipywidgets and anywidget, are imported on first use);
- the time of the first use of ``concordlab.explore`` (imports plotly and ipywidgets) and
  of ``concordlab.open_cohort`` (imports dask), measured inside a fresh interpreter
  after ``import concordlab``;
- which of the heavy libraries ``import concordlab`` loaded (target: none).

Run: ``python benchmarks/bench_import.py [--repeat 5]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from _timing import best_of

HEAVY = ("plotly", "dask", "ipywidgets", "anywidget")

FIRST_USE = """
import time
import concordlab
start = time.perf_counter()
concordlab.{name}
print(time.perf_counter() - start)
"""

LOADED = """
import json, sys
import concordlab
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def run(code: str) -> str:
    outcome = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return outcome.stdout


def first_use(name: str, repeat: int) -> float:
    return min(float(run(FIRST_USE.format(name=name))) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    run("import concordlab")  # warm the file system cache and the bytecode
    startup = best_of(args.repeat, lambda: run("pass"))
    xarray = best_of(args.repeat, lambda: run("import xarray"))
    concordlab = best_of(args.repeat, lambda: run("import concordlab"))
    print(f"python -c pass                : {startup:6.3f} s  (interpreter start-up)")
    print(f"python -c 'import xarray'     : {xarray:6.3f} s")
    print(f"python -c 'import concordlab' : {concordlab:6.3f} s")
    print(f"ratio concordlab / xarray     : {concordlab / xarray:6.2f}x")
    print(f"ratio without start-up        : {(concordlab - startup) / (xarray - startup):6.2f}x")
    for name in ("explore", "open_cohort"):
        print(f"first use concordlab.{name:11s}: {first_use(name, args.repeat):6.3f} s")
    loaded = set(json.loads(run(LOADED)))
    heavy = [name for name in HEAVY if name in loaded]
    verdict = "ok" if not heavy else "LOADED EAGERLY"
    print(f"heavy libraries after import  : {heavy or 'none'} ({verdict})")


if __name__ == "__main__":
    main()
