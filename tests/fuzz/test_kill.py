"""SIGKILL at random moments during save and during segment edits: the old or the new
version is always intact on disk (the kill harness is tests/fuzz/kill.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).with_name("kill.py")
KILLS = int(os.environ.get("CONCORDLAB_KILLS", "50"))


@pytest.mark.slow
def test_killed_saves_and_segment_edits_leave_the_old_or_the_new_version():
    # The three kinds run at once, each in its own interpreter, to keep CI short.
    running = {
        kind: subprocess.Popen(
            [sys.executable, str(HARNESS), "--kind", kind, "--n", str(KILLS), "--seed", "7"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for kind in ("nc", "zarr", "segments")
    }
    for kind, process in running.items():
        out, err = process.communicate(timeout=900)
        assert process.returncode == 0, err
        counts = json.loads(out.strip().splitlines()[-1])
        intact = counts.get("last complete save", 0) + counts.get("save in progress, complete", 0)
        assert intact == KILLS, (kind, counts)  # nothing unreadable, missing or wrong
        assert counts["hidden files left"] == 0, (kind, counts)
        assert counts["saves completed before the kills"] > 0, (kind, counts)
