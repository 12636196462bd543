"""Where the class site's kernel spends its CPU before the tour's first number, by package.

``bench_lite_site.py`` times the whole page in Chromium; this script splits the part after the
downloads (a second visit fetches nothing: it is all CPU) into what each Pyodide package and
each import of the tour's first cell costs. It runs the site's own Pyodide under Node.js
(the same V8 and WebAssembly engine as Chromium, without the page): starts the runtime, then
loads each package of the site's lock alone, in dependency order (unpacking the wheel and
compiling its shared libraries, as the kernel does at start), then runs the tour's first
cell step by step.

Numbers are seconds on this machine, for the ranking of costs (which package, which import),
not as a benchmark figure: the browser does the same work in one batch, and the machine's
load moves every figure. ``--repeat`` keeps the median of several runs.

Needs Node.js and a built site (``concordlab lite`` or ``bench_lite_site.py``'s build).

Run: ``python benchmarks/profile_lite_kernel.py class-site [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

# The tour's first cell (00-start-here.ipynb), one step at a time.
FIRST_CELL = (
    "import concordlab",
    "from concordlab.plots import plot_session",
    "session = concordlab.example_session()",
    "html = session._repr_html_()",
)
# The kernel's own wheels need the page (pyodide_kernel talks to JupyterLite): load them, but
# do not import them here.
_PAGE_ONLY = ("pyodide-kernel", "piplite", "ipykernel")

_SCRIPT = r"""
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [index, stepsFile] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(index + "pyodide.mjs").href);
const lock = JSON.parse(readFileSync(index + "pyodide-lock.json", "utf8")).packages;
const key = (name) => name.toLowerCase().replace(/[-_.]+/g, "-");
const seconds = (t) => (performance.now() - t) / 1000;
let t = performance.now();
const pyodide = await loadPyodide({ indexURL: index, messageCallback: () => {} });
const out = { runtime: seconds(t), packages: {}, imports: [] };
const order = [], seen = new Set();
const visit = (name) => {
  if (seen.has(name)) return;
  seen.add(name);
  for (const dep of lock[name].depends) visit(key(dep));
  order.push(name);
};
Object.keys(lock).sort().forEach(visit);
for (const name of order) {
  t = performance.now();
  await pyodide.loadPackage([name], { messageCallback: () => {} });
  out.packages[name] = seconds(t);
}
pyodide.globals.set("steps", JSON.parse(readFileSync(stepsFile, "utf8")));
out.imports = pyodide.runPython(`
import time
timed = []
for step in steps:
    start = time.perf_counter()
    exec(step, globals())
    timed.append([step, time.perf_counter() - start])
timed
`).toJs();
console.log(JSON.stringify(out));
"""


def profile(site: Path, node: str) -> dict:
    """One run: seconds for the runtime, each package and each step of the first cell."""
    index = site / "static" / "pyodide"
    if not (index / "pyodide-lock.json").exists():
        raise SystemExit(f"{site} is not a built class site (no static/pyodide/pyodide-lock.json)")
    with tempfile.TemporaryDirectory(prefix="profile-lite-") as folder:
        script = Path(folder) / "profile.mjs"
        script.write_text(_SCRIPT)
        steps = Path(folder) / "steps.json"
        steps.write_text(json.dumps(list(FIRST_CELL)))
        done = subprocess.run(
            [node, str(script), f"{index.resolve()}/", str(steps)],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"node failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="a built class site")
    parser.add_argument("--repeat", type=int, default=1, help="runs; medians are printed")
    parser.add_argument("--node", default="node", help="the Node.js command")
    args = parser.parse_args()
    node = shutil.which(args.node)
    if node is None:
        raise SystemExit(f"Node.js ({args.node!r}) was not found: apt-get install nodejs")
    runs = [profile(args.site, node) for _ in range(args.repeat)]
    lock = json.loads((args.site / "static" / "pyodide" / "pyodide-lock.json").read_text())
    sizes = {
        name: (args.site / "static" / "pyodide" / entry["file_name"]).stat().st_size / 1e6
        for name, entry in lock["packages"].items()
    }
    packages = {name: statistics.median(run["packages"][name] for run in runs) for name in sizes}
    steps = [
        (step, statistics.median(run["imports"][i][1] for run in runs))
        for i, (step, _) in enumerate(runs[0]["imports"])
    ]
    runtime = statistics.median(run["runtime"] for run in runs)
    loads = sum(packages.values())
    cell = sum(seconds for _, seconds in steps)
    print(f"medians of {args.repeat} run(s) under Node.js; seconds on this machine")
    print(f"Pyodide runtime start {runtime:6.2f} s")
    print(f"packages, one at a time {loads:6.2f} s (the kernel loads them in one batch)")
    print(f"the tour's first cell {cell:6.2f} s\n")
    print(f"{'package':28} {'load':>7} {'wheel':>9}")
    for name, seconds in sorted(packages.items(), key=lambda item: -item[1]):
        page = " (kernel; not imported here)" if name in _PAGE_ONLY else ""
        print(f"{name:28} {seconds:6.2f} s {sizes[name]:6.2f} MB{page}")
    print(f"\n{'first cell, step by step':44} {'time':>7}")
    for step, seconds in steps:
        print(f"{step:44} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
