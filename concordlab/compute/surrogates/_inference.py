"""The inference of a surrogate test: the statistic as a number, its p-value and effect size.

The p-value is :func:`concordlab._inference.p_value`, shared with :mod:`concordlab.stats`.

Examples
--------
>>> import numpy as np
>>> from concordlab.compute.surrogates._inference import effect_size
>>> effect_size(3.0, np.array([0.0, 1.0, 2.0]))  # (3 - 1) / 1
(2.0, 1.0, 1.0)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import xarray as xr

from concordlab._inference import P_RULES, p_value, shift_p_value
from concordlab.errors import ValidationError

__all__ = ["cohort_mean", "effect_size", "evaluate", "null_variables"]

P_NAMES = {"monte_carlo": "Monte Carlo", "exact": "exact", "shift": "linear shift test"}


def evaluate(
    statistic: Callable[[xr.DataTree], Any], session: xr.DataTree, where: str, *, nan_ok: bool
) -> float:
    """``statistic(session)`` as a float; every failure a ValidationError saying ``where``.

    An infinite value is always an error; NaN only where ``nan_ok`` is False (the real data).
    """
    try:
        value = statistic(session)
    except Exception as error:  # the user's own code: any failure, told with its context
        raise ValidationError(
            f"The statistic failed on {where}: {type(error).__name__}: {error}"
        ) from error
    if isinstance(value, complex | np.complexfloating) or (
        isinstance(value, np.ndarray | xr.DataArray) and value.dtype.kind not in "iufb"
    ):
        number = None
    else:
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            number = None
    if number is None:
        raise ValidationError(
            f"The statistic must return one number (a real float or a 0-d array), got "
            f"{type(value).__name__} on {where}; e.g. lambda s: float(concordance(s).mean())."
        )
    if math.isinf(number) or (math.isnan(number) and not nan_ok):
        raise ValidationError(
            f"The statistic returned {number} on {where}; a p-value needs a finite number. "
            + (
                "Use a bounded statistic, e.g. the mean concordance rather than the "
                "concordance index (infinite when a session has no negative windows)."
                if math.isinf(number)
                else "NaN means undefined (e.g. too much missing data): check the data, or "
                "use a statistic that is defined on it."
            )
        )
    return number


def cohort_mean(values: Sequence[float]) -> tuple[float, int]:
    """Mean of the finite values and the number left out."""
    array = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(array)
    mean = float(array[finite].mean()) if finite.any() else math.nan
    return mean, int((~finite).sum())


def effect_size(observed: float, null: np.ndarray) -> tuple[float, float, float]:
    finite = null[np.isfinite(null)]
    mean = float(finite.mean()) if finite.size else math.nan
    sd = float(finite.std(ddof=1)) if finite.size > 1 else math.nan
    if math.isnan(observed) or math.isnan(mean):
        return math.nan, mean, sd
    if math.isinf(observed):
        return observed, mean, sd
    with np.errstate(divide="ignore", invalid="ignore"):
        z = float(np.float64(observed - mean) / np.float64(sd))
    return z, mean, sd


def null_variables(
    observed: float,
    null: np.ndarray,
    alternative: str,
    *,
    stacklevel: int,
    rule: str = "monte_carlo",
) -> dict[str, tuple]:
    """The test's variables (observed, null, p-value, effect size ...) of one null.

    ``rule`` (a key of :data:`concordlab._inference.P_RULES`): ``"monte_carlo"``, the
    null is random draws (``p = (k + 1) / (m + 1)``); ``"exact"``, it enumerates a whole
    permutation group, the observed among it (``p = k / m``); ``"shift"``, it is the
    ``2N`` shifted values of the linear shift test (:func:`~concordlab._inference.shift_p_value`).

    An all-NaN null is an error; a null with some NaN draws warns (``RuntimeWarning`` at
    ``stacklevel``) that they were left out (of the effect size; the shift rule counts
    them as extreme).

    Examples
    --------
    >>> import numpy as np
    >>> out = null_variables(2.0, np.array([0.0, 1.0, 3.0]), "greater", stacklevel=2)
    >>> float(out["p_value"][1]), int(out["n_valid"][1])
    (0.5, 3)
    >>> out = null_variables(2.0, np.array([0.0, 1.0, 3.0, 0.5]), "greater", stacklevel=2,
    ...                      rule="shift")
    >>> float(out["p_value"][1])  # one of 2N = 4 shifts above: (1 + 1) / (2 + 1)
    0.6666666666666666
    """
    if rule == "shift":
        p, above, below, _ = shift_p_value(observed, null, alternative)
    else:
        p, above, below, _ = p_value(observed, null, alternative, exact=rule == "exact")
    effect, null_mean, null_sd = effect_size(observed, null)
    n = null.size
    n_valid = int(np.count_nonzero(~np.isnan(null)))
    if n_valid == 0:
        raise ValidationError(
            f"The statistic is NaN (undefined) on all {n} surrogates, so there is no null "
            "distribution to compare with; check the data for missing samples, or choose "
            "surrogate parameters (min_shift, segment_length) or a statistic that keep it "
            "defined."
        )
    if n_valid < n:
        warnings.warn(
            f"{n - n_valid} of {n} surrogate statistics are NaN and were left out of the "
            + (
                "effect size and counted as extreme in the p-value"
                if rule == "shift"
                else "p-value and effect size"
            )
            + f" (n_valid={n_valid}).",
            RuntimeWarning,
            stacklevel=stacklevel + 1,
        )
    return {
        "observed": ((), observed, {"long_name": "statistic of the real data"}),
        "null": ("draw", null, {"long_name": "statistic of each surrogate draw"}),
        "p_value": (
            (),
            p,
            {
                "long_name": f"{P_NAMES[rule]} p-value ({alternative})",
                "rule": P_RULES[rule] + "; two-sided: min(1, 2 * min(p_greater, p_less))",
                "k_greater": above,
                "k_less": below,
            },
        ),
        "effect_size": (
            (),
            effect,
            {
                "long_name": "z = (observed - mean(null)) / sd(null)",
                "rule": "mean and SD (ddof=1) over the finite null values",
            },
        ),
        "null_mean": ((), null_mean, {"long_name": "mean of the finite null values"}),
        "null_sd": ((), null_sd, {"long_name": "SD (ddof=1) of the finite null values"}),
        "n_valid": ((), n_valid, {"long_name": "number of null values that are not NaN"}),
    }
