"""Fixtures of the fuzz suite; puts this folder on ``sys.path`` so tests can ``import cases``.

pytest runs with ``--import-mode=importlib``, which does not add test folders to
``sys.path``; the shared generators live in ``cases.py`` next to this file.
"""

import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture
def scratch() -> Iterator[Callable[[], Path]]:
    """A fresh folder per call of the generator (hypothesis runs many examples per test)."""

    def make() -> Path:
        return Path(tempfile.mkdtemp(dir=root))

    with tempfile.TemporaryDirectory(prefix="concordlab-fuzz-") as root:
        yield make
