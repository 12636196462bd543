"""What every surrogate method shares: the seed, the channel selection, the seed record.

Examples
--------
>>> from concordlab.compute.surrogates._common import select_channels
>>> select_channels(["eda", "hr"], "eda", "the session")
['eda']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from concordlab._checks import Choice, check_seed
from concordlab.errors import ValidationError

__all__ = ["ALTERNATIVE", "ALTERNATIVES", "rng_of", "select_channels", "with_seed"]

ALTERNATIVES = ("greater", "less", "two-sided")
ALTERNATIVE = Choice(ALTERNATIVES)
"""The direction of a test (shared with :mod:`concordlab.stats`)."""


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


def select_channels(available: Sequence[str], channels: Any, where: str) -> list[str]:
    """The ``channels`` asked for (one name, several, or None for all) among ``available``.

    Examples
    --------
    >>> select_channels(["eda", "hr"], None, "the session")
    ['eda', 'hr']
    >>> select_channels(["eda", "hr"], ["hr"], "the session")
    ['hr']
    """
    if channels is None:
        return list(available)
    wanted = [channels] if isinstance(channels, str) else channels
    try:
        wanted = list(wanted)
    except TypeError:
        wanted = [channels]
    if not wanted or not all(isinstance(c, str) for c in wanted) or len(set(wanted)) < len(wanted):
        raise ValidationError(
            f"channels must be None (all channels), a channel name such as 'eda' or a list of "
            f"distinct names; got {channels!r}."
        )
    unknown = [c for c in wanted if c not in available]
    if unknown:
        raise ValidationError(f"Unknown channel(s) {unknown}; {where} has {list(available)}.")
    return wanted


def with_seed(session: xr.DataTree, seed: int | None) -> xr.DataTree:
    """``session`` with ``seed`` recorded in ``metadata(session)["surrogate"]["seed"]``."""
    meta = json.loads(session.attrs["metadata"])
    meta["surrogate"]["seed"] = seed
    session.attrs["metadata"] = json.dumps(meta, ensure_ascii=False, sort_keys=True)
    return session
