"""Block means of sampled series: the one home of the arithmetic behind
:func:`concordlab.preprocess.downsample` and the explorer's analysis rate.

Examples
--------
>>> import numpy as np
>>> block_mean(np.arange(6.0), 3)
array([1., 4.])
"""

from __future__ import annotations

import numpy as np

from concordlab.errors import ValidationError

__all__ = ["block_mean"]


def block_mean(values: np.ndarray, factor: int, min_valid: float = 0.5) -> np.ndarray:
    """Means of blocks of ``factor`` samples along the last axis; an incomplete last block
    is dropped.

    A block with fewer than ``min_valid`` of its samples present is NaN; the others are
    the mean of their present samples.

    Parameters
    ----------
    values : numpy.ndarray
        Real numbers, time along the last axis; NaN marks missing samples.
    factor : int
        Samples per block (1: a copy of ``values`` as float64).
    min_valid : float, default 0.5
        Fraction of a block's samples that must be present.

    Returns
    -------
    numpy.ndarray
        ``values.shape[:-1] + (values.shape[-1] // factor,)``.

    Examples
    --------
    >>> block_mean(np.array([1.0, 3, 5, np.nan, np.nan, np.nan, 7]), 2)
    array([ 2.,  5., nan])
    """
    values = np.asarray(values, dtype=np.float64)
    if factor < 1:
        raise ValidationError(f"factor must be a whole number >= 1, got {factor}.")
    if factor == 1:
        return values.copy()
    n_blocks = values.shape[-1] // factor
    blocks = values[..., : n_blocks * factor].reshape(*values.shape[:-1], n_blocks, factor)
    if not np.isnan(blocks).any():
        return blocks.mean(axis=-1)
    present = ~np.isnan(blocks)
    count = present.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, blocks, 0.0).sum(axis=-1) / count
    mean[count < max(1.0, min_valid * factor)] = np.nan
    return mean
