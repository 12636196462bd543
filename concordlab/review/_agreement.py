"""Inter-rater agreement of the observers: Krippendorff's alpha and the ICC(2,1)/ICC(2,k).

Krippendorff's alpha comes from the ``krippendorff`` package (the ``review`` extra); the
intraclass correlations are Shrout & Fleiss's (1979) two-way random-effects forms, from
the mean squares of a two-way ANOVA without replication.
"""

from __future__ import annotations

import math

import numpy as np

from concordlab._extras import optional_module

__all__ = ["icc2", "krippendorff_alpha"]


def krippendorff_alpha(matrix: np.ndarray, level: str, scale: tuple[int, int]) -> float:
    """Krippendorff's alpha of an (observers, clips) matrix (NaN: not rated).

    NaN when it is undefined: no clip rated by two observers, or every rating the same.

    Examples
    --------
    >>> m = np.array([[1, 2, 3, 3], [1, 2, 3, 4.0]])
    >>> round(krippendorff_alpha(m, "interval", (1, 4)), 3)
    0.889
    """
    krippendorff = optional_module(
        "krippendorff", "review", "Krippendorff's alpha of the observers' ratings"
    )
    pairable = matrix[:, (~np.isnan(matrix)).sum(axis=0) >= 2]
    values = pairable[~np.isnan(pairable)]
    if values.size == 0 or np.ptp(values) == 0:
        return math.nan
    domain = np.arange(scale[0], scale[1] + 1, dtype=float)
    return float(
        krippendorff.alpha(
            reliability_data=pairable, level_of_measurement=level, value_domain=domain
        )
    )


def icc2(matrix: np.ndarray) -> tuple[float, float, int]:
    """ICC(2,1) and ICC(2,k) of an (observers, clips) matrix, over the clips every
    observer rated; also the number of those clips.

    Shrout & Fleiss (1979), with ``n`` clips (targets) and ``k`` observers (judges):
    ``ICC(2,1) = (BMS - EMS) / (BMS + (k-1) EMS + k (JMS - EMS) / n)`` and
    ``ICC(2,k) = (BMS - EMS) / (BMS + (JMS - EMS) / n)``, from the mean squares between
    clips (BMS), between observers (JMS) and the residual (EMS). NaN with fewer than 2
    such clips or 2 observers, or when the ratings do not vary at all.

    Examples
    --------
    >>> icc2(np.array([[1, 2, 3, 4], [1, 2, 3, 4.0]]))
    (1.0, 1.0, 4)
    """
    complete = matrix[:, ~np.isnan(matrix).any(axis=0)].T  # (clips, observers)
    n, k = complete.shape
    if n < 2 or k < 2:
        return math.nan, math.nan, n
    grand = complete.mean()
    bms = k * ((complete.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    jms = n * ((complete.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    total = ((complete - grand) ** 2).sum()
    ems = (total - bms * (n - 1) - jms * (k - 1)) / ((n - 1) * (k - 1))
    single = bms + (k - 1) * ems + k * (jms - ems) / n
    average = bms + (jms - ems) / n
    if single <= 0 or average <= 0:
        return math.nan, math.nan, n
    return float((bms - ems) / single), float((bms - ems) / average), n
