"""Shared fixtures: paths to the third-party data in tests/data, and sessions read from it."""

from pathlib import Path

import pytest

import concordlab

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def rmea_paths() -> list[Path]:
    paths = sorted((DATA / "rmea-psychotherapy").glob("*/*.txt"))
    assert len(paths) == 20
    return paths


@pytest.fixture(scope="session")
def real_eda():
    """Two real, unrelated people's skin conductance (NeuroKit2 examples, 100 Hz)."""

    folder = DATA / "eda-single" / "neurokit"
    return concordlab.read_csv(
        [folder / "bio_resting_8min_100hz.csv", folder / "bio_eventrelated_100hz.csv"],
        sampling_rate=100,
        channel="eda",
        columns="EDA",
        align="trim",
    )
