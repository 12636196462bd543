"""What every surrogate method shares: the seed, the channel selection, the seed record.

Examples
--------
>>> from concordlab.compute.surrogates._common import CHANNELS
>>> CHANNELS.check("eda", "channels", available=["eda", "hr"])
('eda',)
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import xarray as xr

from concordlab._checks import Channels, Choice, check_seed

__all__ = ["ALTERNATIVE", "ALTERNATIVES", "CHANNELS", "rng_of", "with_seed"]

ALTERNATIVES = ("greater", "less", "two-sided")
ALTERNATIVE = Choice(ALTERNATIVES)
"""The direction of a test (shared with :mod:`concordlab.stats`)."""
CHANNELS = Channels()
"""The channels a surrogate method draws from (None: all of them)."""


def rng_of(seed: Any) -> tuple[np.random.Generator, int | None]:
    """A generator and the seed to record (None for a generator passed in).

    Examples
    --------
    >>> rng, record = rng_of(3)
    >>> record, int(rng.integers(10)) == int(np.random.default_rng(3).integers(10))
    (3, True)
    """
    if isinstance(seed, np.random.Generator):
        return seed, None
    record = check_seed(seed)
    return np.random.default_rng(record), record


def with_seed(session: xr.DataTree, seed: int | None) -> xr.DataTree:
    """``session`` with ``seed`` recorded in ``metadata(session)["surrogate"]["seed"]``."""
    meta = json.loads(session.attrs["metadata"])
    meta["surrogate"]["seed"] = seed
    session.attrs["metadata"] = json.dumps(meta, ensure_ascii=False, sort_keys=True)
    return session
