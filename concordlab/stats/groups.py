"""Two groups of sessions compared: :func:`compare_groups`."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from concordlab._inference import cohen_d as _cohen_d
from concordlab._inference import hedges_j as _hedges_j
from concordlab._inference import p_value as _p_value
from concordlab.errors import ValidationError
from concordlab.stats._inputs import _align, _flat, _frozen, _numbers, _report
from concordlab.stats._resampling import (
    ALTERNATIVE,
    CI_METHOD,
    CONFIDENCE,
    PERMUTATIONS,
    _check_n_boot,
    _describe_p,
    _interval,
    _intervals,
    _judged_intervals,
    _permutations,
    _streams,
)
from concordlab.stats.results import GroupComparison

__all__ = ["compare_groups"]


def compare_groups(
    values: Any,
    groups: Any,
    *,
    order: Any = None,
    n_boot: int = 5000,
    n_permutations: int = 10000,
    confidence: float = 0.95,
    alternative: str = "two-sided",
    seed: int | None = None,
) -> GroupComparison:
    """Compare a per-session measure between two groups: Cohen's d with CI, permutation p.

    E.g. the rMEA psychotherapy data: is concordance different in the sessions of
    patients who stayed in therapy ("normal") and of those who dropped out?

    - **Effect size**: Cohen's d with the pooled standard deviation (sample SDs,
      ``ddof=1``) — the same formula as :func:`concordlab.by_segment`::

          d = (mean_a - mean_b) / s_pooled
          s_pooled = sqrt(((n_a - 1) sd_a² + (n_b - 1) sd_b²) / (n_a + n_b - 2))

      and Hedges' g = J d with the exact correction ``J = Γ(df/2) / (sqrt(df/2)
      Γ((df-1)/2))``, ``df = n_a + n_b - 2`` (Hedges 1981), which removes d's
      small-sample bias (J ≈ 1 - 3 / (4 df - 1)). Positive d: the first group is higher.
    - **Confidence intervals**: BCa bootstrap, resampling sessions with replacement
      within each group (stratified, so group sizes stay fixed), for the mean
      difference, d and g (g's interval is d's times J).
    - **p-value**: permutation test of "the group labels are exchangeable": the labels
      are shuffled among the sessions ``n_permutations`` times at random, or over every
      split when there are at most ``n_permutations`` (e.g. 5 vs 5 sessions: 252). The
      statistic is the mean difference; under shuffling it orders the splits exactly as
      d and the pooled t statistic do, so the p-value is theirs too. With ``n_a`` and
      ``n_b`` sessions no data can give a two-sided p below ``2 / C(n_a + n_b, n_a)``
      (exact): 0.1 for 3 vs 3, 0.029 for 4 vs 4.
    - **Small samples**: the intervals are flagged (``result.ci_reliable`` False, a
      ``UserWarning``, ``CI*`` in the repr, the note ``result.ci_note``) when the smaller
      group has fewer than 10 sessions (each group is resampled on its own, so its size is
      what the bootstrap has to work with), when the permutation test cannot reach the
      intervals' level (``1 - confidence``, half that one-sided), or when an interval
      excludes 0 while the test does not reject. The numbers
      stay as computed: the flag says not to read them as a confident interval (the rule and
      its sources: :func:`concordlab.stats._resampling._ci_reliability`).

    Parameters
    ----------
    values : pandas.Series, dict, xarray.DataArray or array-like
        One value per session, e.g. the concordance index. Series (and dicts, DataArrays)
        are matched with ``groups`` on their ids; array-likes by position. NaN and +/-inf
        count as missing; such sessions are left out (with a ``UserWarning``).
    groups : pandas.Series, dict, xarray.DataArray or array-like
        The group label of each session (any hashable: text, numbers); missing labels
        are left out.
    order : (label, label), optional
        The two groups to compare, first minus second. Default: the two groups found,
        in sorted order (the category order for a categorical); required if there are
        more than two (the others are left out).
    n_boot : int, default 5000
        Bootstrap resamples for the intervals; 0 skips them. At least 100, and enough for 5
        resamples in each tail (200 for a 95 % interval).
    n_permutations : int, default 10000
        Random label shuffles for the p-value (at least 100), unless all splits can be
        enumerated.
    confidence : float, default 0.95
        Coverage of the intervals, strictly between 0 and 1.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative: any difference, first group higher, first group lower.
    seed : int, optional
        Seed of the bootstrap and the permutations (two independent streams); None draws
        a fresh one, recorded in ``result.seed``.

    Returns
    -------
    GroupComparison
        Per-group ``n``, ``mean``, ``sd``; ``mean_diff``, ``d``, ``g`` with intervals;
        ``p_value``; ``result.to_frame()`` is a one-row table, ``result.plot()`` the
        figure.

    Raises
    ------
    ValidationError
        If there are not exactly two groups (and no ``order``), a group has fewer than 2
        sessions, the values do not vary at all, the values are not numeric, or a
        parameter is out of range.

    Warns
    -----
    UserWarning
        If sessions were left out (missing values or labels, ids in only one input,
        groups not compared), or the intervals are not reliable (``result.ci_note`` says
        why).

    See Also
    --------
    concordlab.plots.plot_groups : The figure.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> from concordlab.stats import compare_groups
    >>> index = [f"s{i}" for i in range(10)]
    >>> concordance = pd.Series([.5, .6, .4, .7, .55, .2, .3, .25, .35, .1], index, name="r")
    >>> outcome = pd.Series(["normal"] * 5 + ["dropout"] * 5, index)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     result = compare_groups(concordance, outcome, order=["normal", "dropout"],
    ...                             n_boot=1000, seed=0)
    >>> result.n, round(result.mean_diff, 3), round(result.d, 2), round(result.g, 2)
    ((5, 5), 0.31, 2.97, 2.68)
    >>> result.exact, round(result.p_value, 4)   # all 252 splits; 2 * 1/252
    (True, 0.0079)

    Five sessions per group are too few for the BCa intervals to be trusted (the repr
    marks them ``CI*``; a ``UserWarning`` says so too):

    >>> result.ci_reliable, result.ci_note
    (False, '5 sessions in the smaller group < 10, too few for a BCa interval')
    >>> len(caught)
    1
    """
    function = "compare_groups"
    confidence = CONFIDENCE.check(confidence, "confidence")
    n_boot = _check_n_boot(n_boot, confidence)
    n_permutations = PERMUTATIONS.check(n_permutations, "n_permutations")
    alternative = ALTERNATIVE.check(alternative, "alternative")
    seed, boot_rng, permutation_rng = _streams(seed)
    (first, a), (second, b), ids, names, dropped = _select_groups(values, groups, order, function)
    n_a, n_b = a.size, b.size
    _report(function, dropped, n_a + n_b, "values and groups", stacklevel=2)
    pooled = np.concatenate([a, b])
    j = _hedges_j(n_a + n_b - 2)

    def statistic(index: np.ndarray, sizes: tuple[int, ...]) -> np.ndarray:
        diff, d = _cohen_d(pooled[index[:, : sizes[0]]], pooled[index[:, sizes[0] :]])
        return np.stack([diff, d])

    mean_diff, d = (float(v) for v in statistic(np.arange(n_a + n_b)[None, :], (n_a, n_b))[:, 0])
    ci, valid = _intervals(statistic, (n_a, n_b), (mean_diff, d), n_boot, boot_rng, confidence)
    p_value, exact, count = _split_p_value(
        pooled, n_a, n_permutations, permutation_rng, alternative
    )
    mean_diff_ci, d_ci = _interval(ci, 0), _interval(ci, 1)
    ci_reliable, ci_note = _judged_intervals(
        function,
        [("the mean difference", mean_diff_ci, p_value), ("d", d_ci, p_value)],
        n=min(n_a, n_b),
        unit="sessions in the smaller group",
        count=count if exact else n_permutations,
        exact=exact,
        confidence=confidence,
        alternative=alternative,
    )
    return GroupComparison(
        groups=(first, second),
        n=(n_a, n_b),
        mean=(float(a.mean()), float(b.mean())),
        sd=(float(a.std(ddof=1)), float(b.std(ddof=1))),
        mean_diff=mean_diff,
        mean_diff_ci=mean_diff_ci,
        d=d,
        d_ci=d_ci,
        g=j * d,
        g_ci=(j * ci[1, 0], j * ci[1, 1]),
        p_value=p_value,
        values=_frozen(pooled),
        labels=_frozen([first] * n_a + [second] * n_b, dtype=object),
        ids=_frozen(ids, dtype=object),
        name=names["values"],
        confidence=confidence,
        n_boot=n_boot,
        n_boot_valid=int(valid[1]),
        n_permutations=n_permutations,
        exact=exact,
        alternative=alternative,
        seed=seed,
        ci_method=CI_METHOD + ", resampling sessions within each group",
        p_method=_describe_p(
            exact, count if exact else n_permutations, "splits into the two groups", alternative
        ),
        dropped=dropped,
        ci_reliable=ci_reliable,
        ci_note=ci_note,
    )


def _select_groups(
    values: Any, groups: Any, order: Any, function: str
) -> tuple[
    tuple[Any, np.ndarray], tuple[Any, np.ndarray], np.ndarray, dict[str, str], dict[str, int]
]:
    """The first and second group (label, values), the ids (first group's, then the
    second's), the inputs' names and the counts of sessions left out."""
    frame, names, unmatched = _align({"values": values, "groups": groups}, function)
    numbers_ = _numbers(frame["values"], "values", function)
    labels = frame["groups"]
    if isinstance(groups, pd.Series) and isinstance(groups.dtype, pd.CategoricalDtype):
        labels = labels.astype(groups.dtype)
    has_label = labels.notna().to_numpy()
    first, second = _group_order(labels[np.isfinite(numbers_)], order, function)
    in_a = (labels == first).to_numpy() & has_label
    in_b = (labels == second).to_numpy() & has_label
    finite = np.isfinite(numbers_)
    dropped = {
        "unmatched": unmatched,
        "missing": int((~(finite & has_label)).sum()),
        "other_groups": int((finite & has_label & ~in_a & ~in_b).sum()),
    }
    in_a &= finite
    in_b &= finite
    a, b = numbers_[in_a], numbers_[in_b]
    for label, group in ((first, a), (second, b)):
        if group.size < 2:
            raise ValidationError(
                f"{function}: group {label!r} has {group.size} session(s) with a value; each "
                "group needs at least 2 (for its standard deviation)."
            )
    if _flat(np.concatenate([a, b])):
        raise ValidationError(
            f"{function}: every session has the same value {a[0]:g}, so the groups cannot be "
            "compared (d is undefined); the values need to vary."
        )
    ids = np.concatenate([frame.index.to_numpy()[in_a], frame.index.to_numpy()[in_b]])
    return (first, a), (second, b), ids, names, dropped


def _split_p_value(
    pooled: np.ndarray,
    n_a: int,
    n_permutations: int,
    rng: np.random.Generator,
    alternative: str,
) -> tuple[float, bool, int]:
    """Permutation p-value of the mean difference over splits of ``pooled`` into the first
    ``n_a`` sessions and the rest; whether every split was enumerated, and how many."""
    total = pooled.sum()
    size = pooled.size
    n_b = size - n_a
    count = math.comb(size, n_a)
    exact = count <= n_permutations

    def difference(members: np.ndarray) -> np.ndarray:
        sum_a = pooled[members].sum(-1)
        return sum_a / n_a - (total - sum_a) / n_b

    if exact:
        chunks: Iterator[np.ndarray] = iter(
            [np.array(list(itertools.combinations(range(size), n_a)), dtype=np.intp)]
        )
    else:
        chunks = (c[:, :n_a] for c in _permutations(size, n_permutations, rng, False))
    null = np.concatenate([difference(chunk) for chunk in chunks])
    observed = float(difference(np.arange(n_a)[None, :])[0])
    return _p_value(observed, null, alternative, exact=exact).p, exact, count


def _group_order(labels: pd.Series, order: Any, function: str) -> tuple[Any, Any]:
    present = labels[labels.notna()]
    if isinstance(present.dtype, pd.CategoricalDtype):
        found = [c for c in present.cat.categories if (present == c).any()]
    else:
        try:
            found = sorted(present.unique())
        except TypeError:  # labels of mixed types: order of first appearance
            found = list(present.unique())
    counts = {label: int((present == label).sum()) for label in found}
    if order is None:
        if len(found) != 2:
            raise ValidationError(
                f"{function} compares exactly two groups, found {len(found)}: {counts}. "
                + (
                    "Pick two with order=[first, second]."
                    if len(found) > 2
                    else "Give each session's group in groups."
                )
            )
        return found[0], found[1]
    if isinstance(order, str | bytes) or not hasattr(order, "__len__") or len(order) != 2:
        raise ValidationError(
            f"order must name the two groups to compare, first then second, e.g. "
            f"order={found[:2]!r}; got {order!r}."
        )
    first, second = order
    missing = [label for label in (first, second) if label not in counts]
    if missing or first == second:
        raise ValidationError(
            f"order={list(order)!r} must name two different groups among those found: {counts}."
        )
    return first, second
