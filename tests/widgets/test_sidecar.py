"""The explorer's sidecar never loses a segment: writers merge, sessions never share a
sidecar by accident, bad rows are skipped not fatal, failures are loud."""

import os
import warnings

import numpy as np
import pytest

import concordlab
from concordlab.widgets.store import SegmentStore, default_sidecar


def _labels(session) -> list[str]:
    return sorted(concordlab.segments(session)["label"])


@pytest.fixture
def session():
    return concordlab.simulate_dyad(duration=120, seed=3)


def test_two_explorers_on_one_session_keep_each_others_segments(session, tmp_path):
    """The reviewer's case: a re-run cell while the old widget is still shown."""
    sidecar = tmp_path / "dyad.segments.tsv"
    first = concordlab.explore(session, sidecar=sidecar)
    second = concordlab.explore(session, sidecar=sidecar)
    first.add_segment(10, 20, "from first")
    second.add_segment(30, 40, "from second")
    first.add_segment(50, 60, "first again")
    restored = concordlab.explore(session, sidecar=sidecar).session
    own = _labels(session)
    assert _labels(restored) == sorted([*own, "from first", "from second", "first again"])
    # Each explorer sees the other's segments after its next change.
    assert "from second" in _labels(first.session)


def test_a_removal_by_one_explorer_is_not_undone_by_another(session, tmp_path):
    sidecar = tmp_path / "dyad.segments.tsv"
    first = concordlab.explore(session, sidecar=sidecar)
    first.add_segment(10, 20, "mistake")
    second = concordlab.explore(session, sidecar=sidecar)  # sees "mistake"
    index = int(np.flatnonzero(concordlab.segments(first.session)["label"] == "mistake")[0])
    first.remove_segment(index)
    second.add_segment(30, 40, "kept")
    labels = _labels(SegmentStore(sidecar).restore(session))
    assert "mistake" not in labels and "kept" in labels


def test_relabel_merges_as_remove_plus_add(session, tmp_path):
    sidecar = tmp_path / "dyad.segments.tsv"
    first = concordlab.explore(session, sidecar=sidecar)
    second = concordlab.explore(session, sidecar=sidecar)
    first.add_segment(10, 20, "draft")
    index = int(np.flatnonzero(concordlab.segments(first.session)["label"] == "draft")[0])
    first.relabel_segment(index, "final")
    second.add_segment(30, 40, "other")
    labels = _labels(SegmentStore(sidecar).restore(session))
    assert "final" in labels and "other" in labels and "draft" not in labels
    assert "draft" not in _labels(session)  # the input session is never changed


def test_sessions_with_the_same_id_do_not_share_a_sidecar(tmp_path, monkeypatch):
    """Every in-memory session is called "session" unless named: the sidecar name also
    holds an id derived from the recorded signals."""
    monkeypatch.chdir(tmp_path)
    a = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    b = concordlab.from_arrays({"eda": np.zeros((2, 400))}, sampling_rate=4)
    assert a.attrs["session_id"] == b.attrs["session_id"] == "session"
    assert default_sidecar(a) != default_sidecar(b)
    assert default_sidecar(a) == default_sidecar(concordlab.add_segment(a, 1, 2, "x"))
    concordlab.explore(a).add_segment(10, 20, "dyad A")
    explorer_b = concordlab.explore(b)
    assert "dyad A" not in _labels(explorer_b.session)
    explorer_b.add_segment(30, 40, "dyad B")
    assert "dyad A" in _labels(concordlab.explore(a).session)


@pytest.mark.parametrize("session_id", ["..\\..\\x", "../../x", "a/b", "C:\\x", ".hidden", ""])
def test_the_sidecar_name_stays_in_the_working_folder(tmp_path, monkeypatch, session_id):
    monkeypatch.chdir(tmp_path)
    s = concordlab.from_arrays({"eda": np.ones((2, 8))}, 4)
    s.attrs["session_id"] = session_id  # as a hand-edited or foreign file may hold it
    path = default_sidecar(s)
    assert path.parent == tmp_path
    assert not path.name.startswith(".")
    assert all(c.isalnum() or c in "._-" for c in path.name)


def test_a_bad_row_is_skipped_and_reported_and_the_good_ones_kept(session, tmp_path):
    sidecar = tmp_path / "dyad.segments.tsv"
    first = concordlab.explore(session, sidecar=sidecar)
    first.add_segment(10, 20, "good one")
    first.add_segment(30, 40, "good two")
    text = sidecar.read_text().splitlines()
    text.insert(3, "12\toops\thand edit\tn/a\tn/a")
    sidecar.write_text("\n".join(text) + "\n")
    with pytest.warns(UserWarning, match=r"data row\(s\) 3.*skipped") as caught:
        second = concordlab.explore(session, sidecar=sidecar)
    labels = _labels(second.session)
    assert "good one" in labels and "good two" in labels and "hand edit" not in labels
    kept = list(tmp_path.glob("dyad.segments.tsv.unreadable-*"))
    assert len(kept) == 1 and "hand edit" in kept[0].read_text()
    assert str(kept[0]) in str(caught[0].message)
    second.add_segment(50, 60, "new")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the bad row was reported once, not at every add
        labels = _labels(concordlab.explore(session, sidecar=sidecar).session)
    assert {"good one", "good two", "new"} <= set(labels)


def test_leftover_temporaries_of_killed_writers_are_removed(session, tmp_path):
    sidecar = tmp_path / "dyad.segments.tsv"
    stale = tmp_path / ".dyad.segments.tsv.abc123.tmp"
    stale.write_text("onset\tduration\n")
    concordlab.explore(session, sidecar=sidecar)
    assert not stale.exists()


def test_status_line_shows_labels_as_text_not_html(session, tmp_path):
    explorer = concordlab.explore(session, sidecar=False)
    explorer.select(10, 20)
    explorer.add_selected_segment("<img src=x onerror=alert(1)>")
    assert "<img" not in explorer.status.value
    assert "&lt;img" in explorer.status.value


def test_writers_in_two_processes_merge_under_the_lock(session, tmp_path):
    """Two processes adding segments at the same time: every one of them is kept."""
    sidecar = tmp_path / "dyad.segments.tsv"
    per_process = 15
    children = []
    for who in range(2):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 0
            try:
                store = SegmentStore(sidecar)
                mine = store.restore(session)
                for k in range(per_process):
                    start = 1 + who * 50 + k * 3
                    mine = store.save(concordlab.add_segment(mine, start, start + 1, f"p{who}"))
            except BaseException:
                code = 1
            os._exit(code)
        children.append(pid)
    for pid in children:
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    labels = concordlab.segments(SegmentStore(sidecar).restore(session))["label"]
    assert (labels == "p0").sum() == per_process and (labels == "p1").sum() == per_process


def test_a_fcntl_without_flock_is_no_lock_not_an_error(session, tmp_path, monkeypatch):
    """Pyodide (the JupyterLite class site) has a fcntl module without flock."""
    import sys
    import types

    monkeypatch.setitem(sys.modules, "fcntl", types.ModuleType("fcntl"))
    sidecar = tmp_path / "dyad.segments.tsv"
    explorer = concordlab.explore(session, sidecar=sidecar)
    explorer.add_segment(10, 20, "in the browser")
    assert "in the browser" in _labels(concordlab.explore(session, sidecar=sidecar).session)
