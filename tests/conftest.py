"""Shared fixtures: paths to the third-party data in tests/data."""

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def rmea_paths() -> list[Path]:
    paths = sorted((DATA / "rmea-psychotherapy").glob("*/*.txt"))
    assert len(paths) == 20
    return paths
