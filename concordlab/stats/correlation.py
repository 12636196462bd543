"""Correlation of two per-session measures: :func:`correlate`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats as scipy_stats

from concordlab._inference import p_value as _p_value
from concordlab.errors import ValidationError
from concordlab.stats._inputs import _flat, _frozen, _matched_values, _report
from concordlab.stats._resampling import (
    _MAX_EXACT_ITEMS,
    ALTERNATIVE,
    CI_METHOD,
    CONFIDENCE,
    PERMUTATIONS,
    _check_n_boot,
    _ci_reliability,
    _describe_p,
    _interval,
    _intervals,
    _judged_intervals,
    _pearson,
    _permutations,
    _spearman,
    _streams,
)
from concordlab.stats.results import CorrelationEstimate, CorrelationResult

__all__ = ["correlate"]


def correlate(
    x: Any,
    y: Any,
    *,
    n_boot: int = 5000,
    n_permutations: int = 10000,
    confidence: float = 0.95,
    alternative: str = "two-sided",
    seed: int | None = None,
) -> CorrelationResult:
    """Pearson and Spearman correlation of two per-session measures, with CIs and p-values.

    Marci et al. (2007)'s question: across dyads, does a session's concordance index
    track the patient's rating of therapist empathy?

    - **Estimates**: Pearson's r and Spearman's rho (Pearson's r of average ranks, so
      ties are handled as :func:`scipy.stats.spearmanr` does).
    - **Confidence intervals**: BCa bootstrap over sessions: each resample draws ``n``
      sessions with replacement, keeping each session's (x, y) pair.
    - **p-values**: permutation test of "x and y are unrelated" (the pairing of x with y
      is exchangeable): y is permuted against x, ``n_permutations`` times at random, or
      over all ``n!`` permutations when ``n!`` is at most ``n_permutations`` (n <= 7 by
      default). It assumes neither normality nor linearity, unlike the t-test of
      :func:`scipy.stats.pearsonr`, which it approaches for bivariate normal data. With
      ``n`` sessions no data can give a two-sided p below ``2 / n!`` (exact): 0.33 for 3
      sessions, 0.083 for 4.
    - **Small samples**: an interval is flagged (``ci_reliable`` False on the estimate and
      the result, a ``UserWarning``, ``CI*`` in the repr, the note ``ci_note``) when there
      are fewer than 10 sessions, when the permutation test cannot reach the interval's
      level (``1 - confidence``, half that one-sided), or when the interval excludes 0 while
      the test does not reject. The numbers stay as computed:
      the flag says not to read them as a confident interval. With a handful of sessions the
      bootstrap of r is close to degenerate (resamples that repeat two or three sessions
      give r = +/-1), so its bounds jump between data sets (the rule and its sources:
      :func:`concordlab.stats._resampling._ci_reliability`).

    Parameters
    ----------
    x, y : pandas.Series, dict, xarray.DataArray or array-like
        One value per session, e.g. the concordance index and the rating. Series (and
        dicts, DataArrays) are matched on their ids; array-likes by position. NaN and
        +/-inf count as missing; sessions missing a value or found in only one input are
        left out (with a ``UserWarning``).
    n_boot : int, default 5000
        Bootstrap resamples for the intervals; 0 skips them. At least 100, and enough for 5
        resamples in each tail (200 for a 95 % interval).
    n_permutations : int, default 10000
        Random permutations for the p-values (at least 100), unless all can be enumerated.
    confidence : float, default 0.95
        Coverage of the intervals, strictly between 0 and 1.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative hypothesis: any correlation, a positive one, a negative one.
    seed : int, optional
        Seed of the bootstrap and the permutations (two independent streams); None draws
        a fresh one, recorded in ``result.seed``.

    Returns
    -------
    CorrelationResult
        ``result.pearson`` and ``result.spearman`` (``estimate``, ``ci``, ``p_value``),
        ``n``, the values used and the parameters; ``result.to_frame()`` is a table,
        ``result.plot()`` a scatter plot with the regression line.

    Raises
    ------
    ValidationError
        If fewer than 3 sessions remain, x or y is constant or not numeric, the inputs
        share no ids (or have different lengths without ids), or a parameter is out of
        range.

    Warns
    -----
    UserWarning
        If sessions were left out (missing values, ids in only one input), or an interval
        is not reliable (``result.ci_note`` says why).

    See Also
    --------
    concordlab.plots.plot_correlation : The figure.

    Examples
    --------
    Simulated dyads whose simulated empathy rating correlates (rho = 0.5) with the
    true coupling:

    >>> import concordlab
    >>> from concordlab.stats import correlate
    >>> ratings = concordlab.simulate_cohort(20, duration=10, channels="eda", seed=3).ratings
    >>> result = correlate(ratings["true_coupling"], ratings["simulated_empathy"],
    ...                    n_boot=1000, n_permutations=1000, seed=0)
    >>> result.n, result.x_name
    (20, 'true_coupling')
    >>> bool(result.pearson.ci[0] < result.pearson.estimate < result.pearson.ci[1])
    True
    >>> result.to_frame()[["method", "n"]].values.tolist()
    [['pearson', 20], ['spearman', 20]]
    """
    function = "correlate"
    confidence = CONFIDENCE.check(confidence, "confidence")
    n_boot = _check_n_boot(n_boot, confidence)
    n_permutations = PERMUTATIONS.check(n_permutations, "n_permutations")
    alternative = ALTERNATIVE.check(alternative, "alternative")
    seed, boot_rng, permutation_rng = _streams(seed)
    xs, ys, ids, names, dropped = _matched_values({"x": x, "y": y}, function, "sessions")
    n = xs.size
    for role, values in (("x", xs), ("y", ys)):
        if _flat(values):
            raise ValidationError(
                f"{function}: {names[role]!r} ({role}) has the same value {values[0]:g} for "
                "every session, so a correlation is undefined; it needs values that vary."
            )
    _report(function, dropped, n, "x and y", stacklevel=2)

    def statistic(index: np.ndarray, sizes: tuple[int, ...]) -> np.ndarray:
        a, b = xs[index], ys[index]
        return np.stack([_pearson(a, b), _spearman(a, b)])

    estimates = statistic(np.arange(n)[None, :], (n,))[:, 0]
    ci, valid = _intervals(statistic, (n,), estimates, n_boot, boot_rng, confidence)
    exact = n <= _MAX_EXACT_ITEMS and math.factorial(n) <= n_permutations
    p_values = _permutation_p_values(xs, ys, n_permutations, permutation_rng, alternative, exact)
    count = math.factorial(n) if exact else n_permutations
    labels = ("r", "ρ")
    design = {
        "n": n,
        "unit": "sessions",
        "count": count,
        "exact": exact,
        "confidence": confidence,
        "alternative": alternative,
    }
    results = []
    for k, method in enumerate(("pearson", "spearman")):
        reliable, note = _ci_reliability([(labels[k], _interval(ci, k), p_values[k])], **design)
        results.append(
            CorrelationEstimate(
                method=method,
                estimate=float(estimates[k]),
                ci=_interval(ci, k),
                p_value=p_values[k],
                n_boot_valid=int(valid[k]),
                ci_reliable=reliable,
                ci_note=note,
            )
        )
    ci_reliable, ci_note = _judged_intervals(
        function, [(labels[k], _interval(ci, k), p_values[k]) for k in range(2)], **design
    )
    return CorrelationResult(
        pearson=results[0],
        spearman=results[1],
        n=n,
        x=_frozen(xs),
        y=_frozen(ys),
        ids=_frozen(ids, dtype=object),
        x_name=names["x"],
        y_name=names["y"],
        confidence=confidence,
        n_boot=n_boot,
        n_permutations=n_permutations,
        exact=exact,
        alternative=alternative,
        seed=seed,
        ci_method=CI_METHOD + ", resampling sessions",
        p_method=_describe_p(exact, count, "permutations of y against x", alternative),
        dropped=dropped,
        ci_reliable=ci_reliable,
        ci_note=ci_note,
    )


def _standardise(values: np.ndarray) -> np.ndarray:
    centred = values - values.mean()
    return centred / np.sqrt((centred * centred).sum())


def _permutation_p_values(
    xs: np.ndarray,
    ys: np.ndarray,
    n_permutations: int,
    rng: np.random.Generator,
    alternative: str,
    exact: bool,
) -> list[float]:
    """Permutation p-values of Pearson's r and Spearman's rho (y permuted against x).

    r is the dot product of the standardised variables, whose sums do not change when y
    is permuted.
    """
    n = xs.size
    pairs = [
        (_standardise(xs), _standardise(ys)),
        (_standardise(scipy_stats.rankdata(xs)), _standardise(scipy_stats.rankdata(ys))),
    ]
    nulls: list[list[np.ndarray]] = [[], []]
    for chunk in _permutations(n, n_permutations, rng, exact):
        for k, (zx, zy) in enumerate(pairs):
            nulls[k].append((zx * zy[chunk]).sum(-1))
    identity = np.arange(n)[None, :]
    return [
        _p_value(
            float((zx * zy[identity]).sum(-1)[0]),
            np.concatenate(null),
            alternative,
            exact=exact,
        ).p
        for (zx, zy), null in zip(pairs, nulls, strict=True)
    ]
