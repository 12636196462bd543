"""Simulated rating sheets, for teaching and tests: :func:`simulate_ratings`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from concordlab._checks import SEED, UNIT_INTERVAL, Integer, Real
from concordlab._docs import fill_doc
from concordlab.review._format import (
    CLIP,
    DEFAULT_EMOTION_SCALE,
    DEFAULT_EMOTIONS,
    DEFAULT_VALENCE_SCALE,
    OBSERVER,
    VALENCE,
    rating_column,
)
from concordlab.review.ratings import read_key

__all__ = ["simulate_ratings"]

N_OBSERVERS = Integer(low=1, high=1000, example="3")
EFFECT = Real(low=-10.0, high=10.0, unit="SDs of the rating", example="1.0")
DIRECTIONS = {"positive": 1.0, "negative": -1.0, "neutral": 0.0, VALENCE: 1.0}
"""How each default rating moves with the effect: towards positive emotion and valence,
away from negative emotion; neutral does not move."""
SHIFTS = {"high": 0.5, "low": -0.5}
"""Each kind's share of the effect (other kinds: none): high - low = effect."""


@fill_doc
def simulate_ratings(  # noqa: D417 (fill_doc writes the shared entries)
    key: Any,
    *,
    n_observers: int = 3,
    effect: float = 1.0,
    agreement: float = 0.7,
    seed: int | None = None,
) -> pd.DataFrame:
    """Filled rating sheets made up by a random model: SIMULATED, no observer rated them.

    For teaching and tests: the sheets that observers would return for the clips of
    ``key``, from a model whose truth is known. Each observer ``o`` rates each clip
    ``c`` on each default rating (positive, negative, neutral emotion on 0-4, valence on
    1-7; :mod:`concordlab.review._format`) with the latent value

    ``direction * shift(kind) * effect + sqrt(agreement) * z_c + sqrt(1 - agreement) * e_oc``

    where ``z_c`` (the clip's, shared by every observer) and ``e_oc`` (the observer's
    own noise) are independent standard normal draws, ``shift`` is +1/2 for ``high``
    clips, -1/2 for ``low`` and 0 for other kinds, and ``direction`` is +1 for positive
    emotion and valence, -1 for negative emotion, 0 for neutral. The latent value is put
    on the scale (its mid-point plus the value times a quarter of the scale's range),
    rounded to a whole number and clipped to the scale; ratings are independent across
    rating columns.

    Parameters
    ----------
    key : str, os.PathLike or pandas.DataFrame
        The key of the clips (:func:`concordlab.export_review`), or a table with at least
        ``clip``, ``session`` and ``kind``.
    n_observers : int, default 3
        How many observers; named ``observer-1``, ``observer-2``, ...
    effect : float, default 1.0
        High minus low moments, in SDs of the latent rating (before rounding and
        clipping, which shrink it a little); positive towards positive emotion and
        valence. ``effect=0`` is the null: the kinds do not differ.
    agreement : float, default 0.7
        The share of the latent variance the observers share (the clip's part), in
        [0, 1]: about the ICC of the ratings within a kind; 1 every observer gives the
        same rating, 0 they share nothing.
    %(seed)s

    Returns
    -------
    pandas.DataFrame
        One long sheet in the rating sheet's layout: ``clip``, ``observer`` and the
        rating columns (``positive (0-4)`` ...), one row per observer x clip in the key's
        order. ``attrs`` hold ``simulated`` (a sentence saying so) and the parameters,
        the seed included.

    Examples
    --------
    >>> import pandas as pd
    >>> from concordlab.review import simulate_ratings
    >>> key = pd.DataFrame({"clip": ["a", "b"], "session": ["s1", "s1"],
    ...                     "kind": ["high", "low"]})
    >>> sheets = simulate_ratings(key, n_observers=2, seed=0)
    >>> sheets.columns.tolist()
    ['clip', 'observer', 'positive (0-4)', 'negative (0-4)', 'neutral (0-4)', 'valence (1-7)']
    >>> sheets[["clip", "observer"]].values.tolist()
    [['a', 'observer-1'], ['b', 'observer-1'], ['a', 'observer-2'], ['b', 'observer-2']]
    >>> sheets.attrs["simulated"]
    'simulated ratings: made up by concordlab.simulate_ratings, no observer rated these clips'
    """
    n_observers = N_OBSERVERS.check(n_observers, "n_observers")
    effect = EFFECT.check(effect, "effect")
    agreement = UNIT_INTERVAL.check(agreement, "agreement")
    seed = SEED.check(seed, "seed")
    table = read_key(key)
    if "order" in table:
        table = table.sort_values("order", kind="stable")
    rng = np.random.default_rng(seed)
    n_clips = len(table)
    shift = table["kind"].astype(str).map(SHIFTS).fillna(0.0).to_numpy()
    scales = {name: DEFAULT_EMOTION_SCALE for name in DEFAULT_EMOTIONS}
    scales[VALENCE] = DEFAULT_VALENCE_SCALE
    sheet = pd.DataFrame(
        {
            CLIP: np.tile(table[CLIP].to_numpy(dtype=object), n_observers),
            OBSERVER: np.repeat([f"observer-{i + 1}" for i in range(n_observers)], n_clips),
        }
    )
    for name, (low, high) in scales.items():
        shared = rng.standard_normal(n_clips)
        own = rng.standard_normal((n_observers, n_clips))
        latent = DIRECTIONS[name] * shift * effect + math.sqrt(agreement) * shared
        latent = latent + math.sqrt(1.0 - agreement) * own
        values = np.rint((low + high) / 2 + latent * (high - low) / 4)
        sheet[rating_column(name, low, high)] = np.clip(values, low, high).astype(int).ravel()
    sheet.attrs = {
        "simulated": "simulated ratings: made up by concordlab.simulate_ratings, no observer "
        "rated these clips",
        "n_observers": n_observers,
        "effect": effect,
        "agreement": agreement,
        "seed": seed,
    }
    return sheet
