"""Kill harness: SIGKILL a process at random moments while it saves a session or edits
segments, then check that what is on disk is the old or the new version, intact.

Run as a script, it does the killing itself and prints the outcome counts as JSON::

    python tests/fuzz/kill.py --kind zarr --n 200 --seed 1

``--kind`` is ``nc`` or ``zarr`` (:func:`concordlab.save` over an existing session) or
``segments`` (the explorer's sidecar, :class:`concordlab.widgets.store.SegmentStore`).
:func:`run_kills` runs that script in a fresh interpreter and returns the counts.

Every use of h5py and zarr happens in forked children, never in the process that forks:
zarr keeps an event-loop thread that a forked child would inherit dead.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# Exit codes of a checker child.
OUTCOMES = {0: "old intact", 1: "new complete", 2: "unreadable", 3: "missing", 4: "other"}


def run_kills(kind: str, n: int, seed: int = 0, timeout: float = 900.0) -> Counter:
    """Kill ``n`` saves (or segment edits) of ``kind`` in a fresh process; count outcomes."""
    done = subprocess.run(
        [sys.executable, __file__, "--kind", kind, "--n", str(n), "--seed", str(seed)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"kill harness failed ({done.returncode}):\n{done.stderr}")
    return Counter(json.loads(done.stdout.strip().splitlines()[-1]))


def _in_child(work, *args) -> int:
    """Run ``work(*args)`` in a forked child; its exit code (-signal if killed)."""
    pid = os.fork()
    if pid == 0:
        code = 4
        try:
            code = work(*args)
        except BaseException:
            code = 4
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _read_all(descriptor: int) -> bytes:
    chunks = []
    while chunk := os.read(descriptor, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _versions(kind: str):
    # Import the storage backends here, once: each forked writer would import them again.
    import h5netcdf  # noqa: F401
    import zarr  # noqa: F401

    import concordlab

    old = concordlab.simulate_dyad(duration=300, seed=1)
    if kind == "segments":
        new = concordlab.add_segment(old, 100, 120, "added by the killed writer")
    else:
        new = concordlab.add_segment(concordlab.simulate_dyad(duration=300, seed=2), 5, 9, "new")
    return old, new


def _save_forever(kind: str, path: Path, old, new, done: int) -> int:
    """Save new, old, new, ... until killed; one byte to ``done`` after each save."""
    import concordlab
    from concordlab.widgets.store import SegmentStore

    versions = [new, old]
    store = SegmentStore(path) if kind == "segments" else None
    current = store.restore(old) if store else None
    for k in range(10**9):
        if store is not None:
            target = concordlab.segments(versions[k % 2])
            current = store.save(concordlab.set_segments(current, target))
        else:
            concordlab.save(versions[k % 2], path)
        os.write(done, b".")
    return 0


def _check(kind: str, path: Path, old, new) -> int:
    import concordlab
    from concordlab.widgets.store import SegmentStore

    try:
        if kind == "segments":
            if not path.exists():
                return 3
            from concordlab.widgets.store import _keys

            got = sorted(_keys(concordlab.segments(SegmentStore(path).restore(old))))
            same = [got == sorted(_keys(concordlab.segments(v))) for v in (old, new)]
        else:
            got = concordlab.load(path)
            same = [got.identical(v) for v in (old, new)]
    except concordlab.ConcordlabError:
        return 3 if not path.exists() else 2
    return 0 if same[0] else 1 if same[1] else 2


def _timed_save(kind: str, path: Path, old, new) -> int:
    """Save once (so the kills find a file to replace); exit code 0."""
    import concordlab
    from concordlab.widgets.store import SegmentStore

    if kind == "segments":
        store = SegmentStore(path)
        store.save(store.restore(old))
    else:
        concordlab.save(old, path)
    return 0


def main(argv: list[str] | None = None) -> None:
    """Kill ``--n`` writers at random moments and print the outcome counts as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=["nc", "zarr", "segments"], required=True)
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    import warnings

    warnings.simplefilter("ignore")
    old, new = _versions(args.kind)
    draw = random.Random(args.seed)
    counts: Counter = Counter()
    with tempfile.TemporaryDirectory() as folder:
        name = {"nc": "dyad.nc", "zarr": "dyad.zarr", "segments": "dyad.segments.tsv"}
        path = Path(folder) / name[args.kind]
        if _in_child(_timed_save, args.kind, path, old, new) != 0:
            raise SystemExit("the first save failed")
        started = time.perf_counter()
        _in_child(_timed_save, args.kind, path, old, new)
        one_save = time.perf_counter() - started
        for _ in range(args.n):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                try:
                    os.close(read_end)
                    _save_forever(args.kind, path, old, new, write_end)
                finally:
                    os._exit(4)
            os.close(write_end)
            time.sleep(draw.uniform(0.0, 3.0 * one_save))
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            completed = len(_read_all(read_end))
            os.close(read_end)
            on_disk = OUTCOMES.get(_in_child(_check, args.kind, path, old, new), "other")
            # Saves go new, old, new ...: after c complete saves the file must hold the
            # last complete one or, if the kill came after its rename, the one in progress.
            last = "new complete" if completed % 2 else "old intact"
            if on_disk not in ("old intact", "new complete"):
                counts[on_disk] += 1
            else:
                counts[
                    "last complete save" if on_disk == last else "save in progress, complete"
                ] += 1
            counts["kills during the first save"] += completed == 0
            counts["saves completed before the kills"] += completed
        # What killed writers left is cleaned by the next save.
        if _in_child(_timed_save, args.kind, path, old, new) != 0:
            raise SystemExit("the save after the kills failed")
        leftovers = [p.name for p in Path(folder).iterdir() if p.name.startswith(".")]
        counts["hidden files left"] = len([p for p in leftovers if not p.endswith(".lock")])
    counts["seconds per save"] = round(one_save, 3)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
