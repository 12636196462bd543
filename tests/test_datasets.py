"""Bundled examples and the rMEA loader (local copy, download with hash check)."""

import shutil

import numpy as np
import pytest

import concordlab
from concordlab import DataNotFoundError, datasets


def test_rmea_sessions_from_local_copy():
    sessions = concordlab.rmea_psychotherapy()
    assert len(sessions) == 20
    assert sum(key.startswith("normal/") for key in sessions) == 10
    session = sessions["normal/203_01"]
    assert concordlab.channels(session) == ["motion"]
    assert session["motion"]["motion"].attrs["sampling_rate"] == 25.0
    meta = concordlab.metadata(session)
    assert meta["outcome"] == "normal" and "Kleinbub" in meta["citation"]
    with pytest.raises(concordlab.ValidationError, match="group"):
        concordlab.rmea_psychotherapy("everyone")


@pytest.fixture
def mirror(tmp_path, data_dir, monkeypatch):
    """A local 'server' (file:// URL) holding the rMEA files, and an empty download folder."""
    served = tmp_path / "served"
    shutil.copytree(data_dir / "rmea-psychotherapy", served)
    target = tmp_path / "download"
    monkeypatch.setattr(datasets, "_candidate_folders", lambda path: [target])
    return served.as_uri() + "/", target


def test_download_checks_hashes(mirror):
    base_url, target = mirror
    with pytest.raises(DataNotFoundError, match="download=True"):
        datasets.rmea_files("dropout", path=target)
    files = datasets.rmea_files("dropout", path=target, download=True, base_url=base_url)
    assert len(files) == 10 and all(f.is_file() and f.parent.parent == target for f in files)
    original = (datasets.Path(base_url[7:]) / "dropout/100_01.txt").read_bytes()
    assert files[0].read_bytes() == original


def test_download_refuses_tampered_and_unreachable_files(mirror):
    base_url, target = mirror
    served = datasets.Path(base_url[7:])
    (served / "normal/200_01.txt").write_text('"pat" "th"\n1 2\n')
    with pytest.raises(DataNotFoundError, match="SHA-256"):
        datasets.rmea_files("normal", path=target, download=True, base_url=base_url)
    assert not (target / "normal/200_01.txt").exists()
    with pytest.raises(DataNotFoundError, match="failed"):
        datasets.rmea_files(
            "normal", path=target, download=True, base_url=(served / "nowhere").as_uri() + "/"
        )


def test_example_session_is_deterministic_and_valid():
    session = concordlab.example_session()
    concordlab.validate_session(session)
    assert session.identical(concordlab.example_session())
    assert len(concordlab.segments(session)) > 0
    eda = session["eda"]["eda"].values
    assert np.nanmin(eda) > 0
    # The copy handed out is independent of the cached one.
    changed = concordlab.add_segment(session, 1, 2, "mine")
    assert len(concordlab.segments(changed)) == len(concordlab.segments(session)) + 1
    assert concordlab.example_session().identical(session)


def test_example_cohort():
    cohort = concordlab.example_cohort()
    assert len(cohort) == 20
    assert cohort.ratings.attrs["simulated"] is True
    assert cohort.ratings["true_coupling"].nunique() == 20


def test_rmea_found_from_the_working_folder_of_a_clone(tmp_path, data_dir, monkeypatch):
    # A clone whose package is installed elsewhere (not editable), opened in a sub-folder.
    clone = tmp_path / "clone"
    shutil.copytree(data_dir / "rmea-psychotherapy", clone / "tests/data/rmea-psychotherapy")
    (clone / "notebooks").mkdir()
    monkeypatch.setattr(datasets, "__file__", str(tmp_path / "site-packages/concordlab/x.py"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CONCORDLAB_RMEA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataNotFoundError):
        datasets.rmea_files("normal")
    monkeypatch.chdir(clone / "notebooks")
    files = datasets.rmea_files("normal")
    assert files[0] == (clone / "tests/data/rmea-psychotherapy/normal/200_01.txt").resolve()
