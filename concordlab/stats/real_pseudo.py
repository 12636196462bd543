"""Real dyads against pseudo-dyads (people who never met): :func:`compare_real_pseudo`."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from concordlab._inference import cohen_d as _cohen_d
from concordlab._inference import p_value as _p_value
from concordlab.errors import ValidationError
from concordlab.stats._inputs import (
    _as_input,
    _check_unique,
    _flat,
    _frozen,
    _Input,
    _numbers,
    _Pseudo,
    _read_pseudo,
    _report,
)
from concordlab.stats._resampling import (
    _MAX_EXACT_ITEMS,
    ALTERNATIVE,
    PERMUTATIONS,
    _permutations,
    _row_chunks,
    _streams,
)
from concordlab.stats.results import RealPseudoComparison

__all__ = ["compare_real_pseudo"]

# The null of a comparison: the mean of each drawn cohort, how it was drawn ("re-pairing"
# or "subsets"), how many draws there could be, whether all were enumerated, and a
# description of the draws.
_Null = tuple[np.ndarray, str, int, bool, str]


def compare_real_pseudo(
    real: Any,
    pseudo: Any,
    *,
    n_permutations: int = 10000,
    alternative: str = "greater",
    seed: int | None = None,
) -> RealPseudoComparison:
    """Real dyads against pseudo-dyads (people who never met): is concordance real?

    ``real`` holds a measure (e.g. the concordance index) of each real dyad, ``pseudo``
    the same measure of pseudo-dyads, e.g. all cross pairs with roles kept: the first
    person (patient) of dyad *i* with the second person (therapist) of dyad *j != i*, as
    :func:`concordlab.pseudo_dyads` builds them (20 real dyads give 380 pseudo-dyads).

    **Null hypothesis (re-pairing): who was recorded with whom makes no difference**,
    i.e. the mean over the real dyads has the same distribution as the mean over any
    other pairing of the same people. **Pseudo-dyads are not independent**: each person
    appears in ``N - 1`` of them, so a test that treats the 380 values as 380 independent
    observations overstates the evidence. The p-value therefore compares the **mean over
    the real dyads** with the means of cohorts built like the real one (rMEA's approach):

    - **re-pairing** (when the pairs are known, see ``pseudo``): each draw pairs the same
      ``N`` people at random, each person once (the first persons with a uniformly random
      permutation of the second persons), and takes the mean over its ``N`` dyads, read
      from the values already computed (a pair that is a real dyad takes the real
      value): the null of :func:`concordlab.surrogate_test` with
      ``method="pseudo_dyads"``. The real pairing is one of the ``N!`` pairings, so the
      real cohort is exchangeable with the draws and the test holds its level exactly
      (a null of re-pairings that never keep a real dyad, as in earlier versions,
      rejected 9.5 % of uncoupled cohorts of 5 at 0.05). Every draw shares the real
      cohort's people and their individual levels, so person effects cancel. All
      ``N!`` pairings are enumerated when at most ``n_permutations`` (N <= 7 by
      default): ``p = k / N!``, the **smallest attainable p** ``1 / N!`` (0.5 for 2
      dyads, 1/6 for 3, 1/24 for 4).
    - **matching** (pairs of people known, roles not kept: ``pseudo`` keyed like
      :func:`concordlab.pseudo_dyads` with ``keep_roles=False``, every pair of people
      from different dyads): each draw is a uniformly random perfect matching of the
      real dyads' ``2N`` people, the real matching among the ``(2N - 1)!!``, so this
      too holds its level exactly; enumerated when at most ``n_permutations`` (N <= 5
      by default; smallest p 1/3 for 2 dyads, 1/15 for 3, 1/105 for 4). Measured on
      uncoupled Gaussian person-effect cohorts of 5 dyads: 22 of 400 rejected at 0.05
      (5.5 %, the exact ceiling 47/945 = 5.0 %).
    - **subsets** (plain values; null hypothesis: the real values are exchangeable with
      the pseudo values): the real and pseudo values are pooled, and each draw is the
      mean of ``n_real`` of them drawn without replacement (the real set is one of the
      ``C(n_real + n_pseudo, n_real)`` subsets); all subsets when at most
      ``n_permutations`` (``p = k / m``, smallest ``1 / m``). Prefer the re-pairing
      null where the pairs are known: plain pseudo values share people, so they are
      exchangeable with the real ones only approximately.

    Random draws give ``p = (1 + k) / (1 + m)`` (the real cohort counted as one more
    member of the null; smallest ``1 / (n_permutations + 1)``); enumeration gives
    ``p = k / m`` with the real cohort among the ``m``. ``k`` counts the draws at least
    as extreme as the real mean; one-sided (real dyads more concordant) by default. NaN
    pseudo values are left out of each draw's mean, as :func:`concordlab.surrogate_test`
    does.

    **Description, not the test** (no interval; the pseudo values are not independent):
    the real dyads against the strangers, Marci et al. (2007)'s check: the difference
    of means ``mean_real - mean_pseudo`` over all pseudo values used, Cohen's d with the
    pooled SD of real and pseudo values, ``z`` (the real mean in SDs of the null), and
    the fraction of real dyads above the median and the 95th percentile of the pseudo
    values.

    Calibration (``benchmarks/bench_calibration.py --runs 200``, uncoupled simulated
    skin conductance dyads, mean windowed Pearson): false positives at 0.05 with the
    re-pairing null 5.0 %, 4.0 % and 3.0 % for cohorts of 5, 10 and 20 dyads; with the
    subsets null 4.0 %, 4.0 % and 2.5 %; power at coupling 0.5 (10-minute dyads) 100 %.

    Parameters
    ----------
    real : pandas.Series, dict, xarray.DataArray or array-like
        One value per real dyad, indexed by dyad (session) id to match the pairs of
        ``pseudo``. NaN and +/-inf count as missing and are left out (with a
        ``UserWarning``).
    pseudo : pandas.DataFrame, pandas.Series or array-like
        The pseudo-dyad values, with their pairs when known: a square DataFrame with
        the same dyad ids as rows (the first person's dyad) and columns (the second
        person's dyad), diagonal ignored; a Series with a two-level MultiIndex (first
        person's dyad, second person's dyad); or a Series keyed like
        :func:`concordlab.pseudo_dyads` (``"dyad-01:patient+dyad-02:therapist"``). Any
        other Series or array-like is taken as plain values (the subsets null). When
        ``real`` is indexed by ids, the re-pairing uses the dyads of ``real`` (which
        must all be in ``pseudo``); otherwise ``real`` must have one value per dyad of
        ``pseudo``, in its order.
    n_permutations : int, default 10000
        Random re-pairings (or subsets) for the null (at least 100), unless all can be
        enumerated.
    alternative : {"greater", "less", "two-sided"}, default "greater"
        The alternative: real dyads more concordant than pseudo-dyads, less, or either
        (two-sided: ``min(1, 2 * min(p_greater, p_less))``).
    seed : int, optional
        Seed of the random draws; None draws a fresh one, recorded in ``result.seed``.

    Returns
    -------
    RealPseudoComparison
        ``mean_diff``, ``d``, ``z``, ``above_median``, ``above_p95``, ``p_value``,
        ``null`` and ``null_method``; ``result.to_frame()`` is a one-row table,
        ``result.plot()`` the figure.

    Raises
    ------
    ValidationError
        If fewer than 2 real dyads or 2 pseudo values remain, there are not more pseudo
        values than real ones (subsets), real ids are not dyads of ``pseudo``, nothing
        varies, the values are not numeric, or a parameter is out of range.

    Warns
    -----
    UserWarning
        If real dyads or pseudo-dyads were left out (missing values, ids not matched).

    See Also
    --------
    concordlab.pseudo_dyads : Build the pseudo-dyad sessions.
    concordlab.surrogate_test : The same re-pairing null, computing each draw anew.
    concordlab.plots.plot_real_pseudo : The figure.

    Examples
    --------
    Eight dyads: the pseudo-dyads' matrix (rows: the patient's dyad, columns: the
    therapist's) and the real dyads, more concordant:

    >>> import numpy as np
    >>> import pandas as pd
    >>> from concordlab.stats import compare_real_pseudo
    >>> rng = np.random.default_rng(0)
    >>> ids = [f"dyad-{i}" for i in range(1, 9)]
    >>> pseudo = pd.DataFrame(rng.normal(0.0, 0.1, (8, 8)), index=ids, columns=ids)
    >>> real = pd.Series(rng.normal(0.25, 0.1, 8), index=ids, name="concordance")
    >>> result = compare_real_pseudo(real, pseudo, seed=0)
    >>> result.null_method, result.n_real, result.n_pseudo
    ('re-pairing', 8, 56)
    >>> bool(result.p_value < 0.001), result.above_median
    (True, 1.0)
    """
    function = "compare_real_pseudo"
    n_permutations = PERMUTATIONS.check(n_permutations, "n_permutations")
    alternative = ALTERNATIVE.check(alternative, "alternative")
    seed, _, rng = _streams(seed)
    structure = _read_pseudo(pseudo, function)
    part, real_values, real_ids, dropped = _read_real(real, function)
    name = part.name if part.name != "real" else (structure.name or "value")
    if structure.matrix is not None:
        real_ids, pseudo_values, pseudo_ids, null = _repairing_null(
            structure, part, real_values, real_ids, dropped, n_permutations, rng, function
        )
    elif structure.people is not None:
        real_ids, pseudo_values, pseudo_ids, null = _matching_null(
            structure, part, real_values, real_ids, dropped, n_permutations, rng, function
        )
    else:
        pseudo_values, pseudo_ids, null = _subsets_null(
            structure, real_values, dropped, n_permutations, rng, function
        )
    null_values, null_method, count, exact, what = null
    if pseudo_values.size < 2:
        raise ValidationError(
            f"{function} needs at least 2 pseudo-dyad values, got {pseudo_values.size}."
        )
    if _flat(np.concatenate([real_values, pseudo_values])):
        raise ValidationError(
            f"{function}: every real and pseudo value is {real_values[0]:g}, so they cannot "
            "be compared; the values need to vary."
        )
    _report(function, dropped, real_values.size, "real and pseudo", stacklevel=2)
    observed = float(real_values.mean())
    p_value = _p_value(observed, null_values, alternative, exact=exact).p
    mean_diff, d = (float(v) for v in _cohen_d(real_values, pseudo_values))
    median, p95 = np.quantile(pseudo_values, [0.5, 0.95])
    count_used = count if exact else n_permutations
    p_method = (
        f"{'one-sided (' + alternative + ')' if alternative != 'two-sided' else 'two-sided'} "
        f"test of the real mean against {'all' if exact else 'random'} {count_used} {what}, "
        + ("p = k / m" if exact else "p = (k + 1) / (m + 1)")
    )
    return RealPseudoComparison(
        n_real=int(real_values.size),
        n_pseudo=int(pseudo_values.size),
        mean_real=observed,
        sd_real=float(real_values.std(ddof=1)),
        mean_pseudo=float(pseudo_values.mean()),
        sd_pseudo=float(pseudo_values.std(ddof=1)),
        mean_diff=mean_diff,
        d=d,
        z=_null_z(observed, null_values),
        above_median=float((real_values > median).mean()),
        above_p95=float((real_values > p95).mean()),
        p_value=p_value,
        null=_frozen(null_values),
        null_method=null_method,
        real=_frozen(real_values),
        real_ids=_frozen(real_ids, dtype=object),
        pseudo=_frozen(pseudo_values),
        pseudo_ids=_frozen(pseudo_ids, dtype=object),
        name=name,
        n_permutations=n_permutations,
        exact=exact,
        alternative=alternative,
        seed=seed,
        p_method=p_method,
        dropped=dropped,
    )


def _read_real(real: Any, function: str) -> tuple[_Input, np.ndarray, np.ndarray, dict[str, int]]:
    """The real dyads' input, their finite values and ids, and the counts left out so far."""
    part = _as_input(real, "real", function)
    _check_unique(part, "real", function)
    values = _numbers(part.series, "real", function)
    finite = np.isfinite(values)
    dropped = {"unmatched": 0, "missing": int((~finite).sum()), "pseudo_missing": 0}
    ids = (
        part.series.index.to_numpy(dtype=object)
        if part.labelled
        else np.arange(values.size, dtype=object)
    )
    return part, values[finite], ids[finite], dropped


def _null_z(observed: float, null: np.ndarray) -> float:
    """The observed mean in standard deviations of the null, from its mean."""
    finite_null = null[np.isfinite(null)]
    null_sd = float(finite_null.std(ddof=1)) if finite_null.size > 1 else math.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (observed - float(finite_null.mean())) / null_sd if finite_null.size else math.nan
    return float(z)


def _repairing_null(
    structure: _Pseudo,
    part: _Input,
    real_values: np.ndarray,
    real_ids: np.ndarray,
    dropped: dict[str, int],
    n_permutations: int,
    rng: np.random.Generator,
    function: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Null]:
    """Re-pairing null (pairs known): the real ids, the pseudo values and ids among the
    real dyads, and the null; fills ``dropped``'s ``unmatched`` and ``pseudo_missing``."""
    dyads = structure.dyads
    assert dyads is not None and structure.matrix is not None
    if part.labelled:
        unknown = [key for key in real_ids if key not in set(dyads)]
        if unknown:
            raise ValidationError(
                f"{function}: real dyad(s) {unknown[:5]} are not among the dyads of "
                f"pseudo ({dyads[:3]} ...); index real by the same dyad ids as pseudo's "
                "pairs."
            )
        chosen = [dyads.index(key) for key in real_ids]
        dropped["unmatched"] = len(dyads) - len(chosen)
    else:
        if real_values.size != len(dyads) or dropped["missing"]:
            raise ValidationError(
                f"{function}: real has {part.series.size} values without ids but pseudo "
                f"pairs {len(dyads)} dyads; give real as a Series indexed by the dyad ids "
                f"of pseudo (e.g. {dyads[:2]}) so they can be matched."
            )
        chosen = list(range(len(dyads)))
        real_ids = np.array(dyads, dtype=object)
    matrix = structure.matrix[np.ix_(chosen, chosen)]
    size = len(chosen)
    if size < 2:
        raise ValidationError(f"{function} needs at least 2 real dyads with a value, got {size}.")
    off = ~np.eye(size, dtype=bool)
    cells = matrix[off]
    present = np.isfinite(cells)
    dropped["pseudo_missing"] = int((~present).sum())
    row, col = np.nonzero(off)
    chosen_ids = np.asarray(real_ids, dtype=object)
    pseudo_values = cells[present]
    pseudo_ids = np.array(
        [f"{chosen_ids[i]}+{chosen_ids[j]}" for i, j in zip(row, col, strict=True)],
        dtype=object,
    )[present]
    matrix = matrix.copy()
    matrix[np.diag_indices(size)] = real_values  # a pairing may keep a real dyad
    count = math.factorial(size)
    exact = size <= _MAX_EXACT_ITEMS and count <= n_permutations
    null = _repairing_means(matrix, n_permutations, rng, exact)
    what = "pairings (permutations of the second persons, the real one among them)"
    return real_ids, pseudo_values, pseudo_ids, (null, "re-pairing", count, exact, what)


def _repairing_means(
    matrix: np.ndarray, n_permutations: int, rng: np.random.Generator, exact: bool
) -> np.ndarray:
    """The mean value of each pairing (a permutation of the second persons; ``matrix``'s
    diagonal holds the real dyads): all of them, the identity first, or
    ``n_permutations`` random ones; NaN cells left out of each mean."""
    rows = np.arange(matrix.shape[0])
    filled = np.where(np.isfinite(matrix), matrix, 0.0)
    counted = np.isfinite(matrix).astype(np.float64)
    pieces = []
    for partners in _permutations(matrix.shape[0], n_permutations, rng, exact):
        with np.errstate(invalid="ignore", divide="ignore"):
            pieces.append(filled[rows, partners].sum(-1) / counted[rows, partners].sum(-1))
    return np.concatenate(pieces)


def _chosen_dyads(
    dyads: list[Any],
    part: _Input,
    real_values: np.ndarray,
    real_ids: np.ndarray,
    dropped: dict[str, int],
    function: str,
) -> tuple[list[int], np.ndarray]:
    """Positions in ``dyads`` of the real dyads, and their ids; fills ``unmatched``."""
    if part.labelled:
        unknown = [key for key in real_ids if key not in set(dyads)]
        if unknown:
            raise ValidationError(
                f"{function}: real dyad(s) {unknown[:5]} are not among the dyads of "
                f"pseudo ({dyads[:3]} ...); index real by the same dyad ids as pseudo's "
                "pairs."
            )
        dropped["unmatched"] = len(dyads) - len(real_ids)
        return [dyads.index(key) for key in real_ids], real_ids
    if real_values.size != len(dyads) or dropped["missing"]:
        raise ValidationError(
            f"{function}: real has {part.series.size} values without ids but pseudo "
            f"pairs {len(dyads)} dyads; give real as a Series indexed by the dyad ids "
            f"of pseudo (e.g. {dyads[:2]}) so they can be matched."
        )
    return list(range(len(dyads))), np.array(dyads, dtype=object)


def _matching_null(
    structure: _Pseudo,
    part: _Input,
    real_values: np.ndarray,
    real_ids: np.ndarray,
    dropped: dict[str, int],
    n_permutations: int,
    rng: np.random.Generator,
    function: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Null]:
    """Matching null (pairs of people known, roles not kept): the mean of each perfect
    matching of the real dyads' 2N people, the real matching among them."""
    assert structure.people is not None and structure.persons is not None
    assert structure.dyads is not None
    chosen, real_ids = _chosen_dyads(
        structure.dyads, part, real_values, real_ids, dropped, function
    )
    size = len(chosen)
    if size < 2:
        raise ValidationError(f"{function} needs at least 2 real dyads with a value, got {size}.")
    rows = np.array([2 * k + r for k in chosen for r in (0, 1)], dtype=np.intp)
    matrix = structure.people[np.ix_(rows, rows)].copy()
    upper = np.triu(np.ones_like(matrix, dtype=bool), 1)
    upper[np.arange(0, 2 * size, 2), np.arange(1, 2 * size, 2)] = False  # the real dyads
    cells = matrix[upper]
    present = np.isfinite(cells)
    dropped["pseudo_missing"] = int((~present).sum())
    persons = [structure.persons[k] for k in rows]
    label = [f"{dyad}:{role}" for dyad, role in persons]
    i, j = np.nonzero(upper)
    pseudo_ids = np.array([f"{label[a]}+{label[b]}" for a, b in zip(i, j, strict=True)])
    pseudo_ids = pseudo_ids.astype(object)[present]
    real_rows = np.arange(0, 2 * size, 2)
    matrix[real_rows, real_rows + 1] = matrix[real_rows + 1, real_rows] = real_values
    count = math.prod(range(2 * size - 1, 0, -2))
    exact = size <= _MAX_EXACT_ITEMS and count <= n_permutations
    matchings = np.array(list(_all_matchings(2 * size)), dtype=np.intp) if exact else None
    pieces = []
    for start, stop in _row_chunks(count if exact else n_permutations, 2 * size):
        if matchings is not None:
            order = matchings[start:stop]
        else:
            order = np.argsort(rng.random((stop - start, 2 * size)), axis=1)
        pairs = order.reshape(stop - start, size, 2)
        values = matrix[pairs[..., 0], pairs[..., 1]]
        with np.errstate(invalid="ignore", divide="ignore"):
            pieces.append(np.nansum(values, -1) / np.isfinite(values).sum(-1))
    what = "perfect matchings of the real dyads' people (the real one among them)"
    null = (np.concatenate(pieces), "matching", count, exact, what)
    return real_ids, cells[present], pseudo_ids, null


def _all_matchings(n: int) -> list[list[int]]:
    """Every perfect matching of ``0 .. n-1`` as a flat list read in twos, the identity
    pairing ``(0, 1), (2, 3), ...`` first."""
    if n == 0:
        return [[]]
    out = []
    for k in range(1, n):
        rest = [m for m in range(1, n) if m != k]
        for tail in _all_matchings(n - 2):
            out.append([0, k, *(rest[t] for t in tail)])
    return out


def _subsets_null(
    structure: _Pseudo,
    real_values: np.ndarray,
    dropped: dict[str, int],
    n_permutations: int,
    rng: np.random.Generator,
    function: str,
) -> tuple[np.ndarray, np.ndarray, _Null]:
    """Subsets null (plain pseudo values): the pseudo values and ids used, and the means
    of subsets of ``n_real`` of them; fills ``dropped["pseudo_missing"]``."""
    keep = np.isfinite(structure.values)
    dropped["pseudo_missing"] = int((~keep).sum())
    pseudo_values, pseudo_ids = structure.values[keep], structure.ids[keep]
    n_real = real_values.size
    if n_real < 2:
        raise ValidationError(f"{function} needs at least 2 real dyads with a value, got {n_real}.")
    if pseudo_values.size <= n_real:
        raise ValidationError(
            f"{function}: the null draws subsets of {n_real} pseudo values, so it needs "
            f"more pseudo values than real ones; got {pseudo_values.size}."
        )
    pooled = np.concatenate([real_values, pseudo_values])  # the real subset is one of them
    total = pooled.size
    count = math.comb(total, n_real)
    exact = count <= n_permutations
    if exact:
        subsets = np.array(list(itertools.combinations(range(total), n_real)), dtype=np.intp)
        null = pooled[subsets].mean(-1)
    else:
        pieces = []
        for start, stop in _row_chunks(n_permutations, total):
            keys = rng.random((stop - start, total))
            subset = np.argpartition(keys, n_real - 1, axis=1)[:, :n_real]
            pieces.append(pooled[subset].mean(-1))
        null = np.concatenate(pieces)
    what = f"subsets of {n_real} of the pooled real and pseudo values"
    return pseudo_values, pseudo_ids, (null, "subsets", count, exact, what)
