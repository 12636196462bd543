"""The result classes of :mod:`concordlab.stats`: frozen, with a ``repr``, ``to_frame()``
and ``plot()``.

A leaf module: it imports no other concordlab module, so :mod:`concordlab.plots` can
import these classes without importing the statistics (and ``plot()`` imports the plots
only when called).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "CorrelationEstimate",
    "CorrelationResult",
    "GroupComparison",
    "PairedComparison",
    "RealPseudoComparison",
]


def _fmt(value: float) -> str:
    return "nan" if not math.isfinite(value) else f"{value:.3g}"


def _fmt_ci(ci: tuple[float, float], confidence: float, reliable: bool = True) -> str:
    if not all(math.isfinite(v) for v in ci):
        return "(no CI)"
    return f"{confidence:.0%} CI{'' if reliable else '*'} [{_fmt(ci[0])}, {_fmt(ci[1])}]"


def _fmt_note(reliable: bool, note: str) -> str:
    """The closing line(s) of a repr whose intervals are marked ``*``: why they are not
    reliable (see ``ci_note``); nothing if they are."""
    if reliable:
        return ""
    return "\n" + textwrap.fill(
        note,
        width=92,
        initial_indent="  * CI not reliable: ",
        subsequent_indent="    ",
        break_on_hyphens=False,
    )


def _fmt_dropped(dropped: dict[str, int]) -> str:
    words = {
        "unmatched": "id(s) in only one input",
        "missing": "missing",
        "other_groups": "in other groups",
        "pseudo_missing": "pseudo-dyad(s) missing",
    }
    parts = [f"{count} {words[key]}" for key, count in dropped.items() if count]
    return f"\n  left out: {', '.join(parts)}" if parts else ""


# --------------------------------------------------------------------------- correlate


@dataclass(frozen=True, eq=False)
class CorrelationEstimate:
    """One correlation coefficient with its confidence interval and p-value.

    Attributes
    ----------
    method : {"pearson", "spearman"}
        Pearson's r or Spearman's rho (Pearson's r of average ranks).
    estimate : float
        The coefficient.
    ci : (float, float)
        BCa bootstrap confidence interval (NaN with ``n_boot=0``).
    p_value : float
        Permutation p-value (see :func:`correlate`).
    n_boot_valid : int
        Bootstrap resamples in which the coefficient was defined.
    ci_reliable : bool
        False when the interval cannot be trusted next to the p-value: fewer than 10
        sessions, a test that cannot reach the interval's level, or an interval that
        excludes 0 while the test does not reject; the repr marks it
        ``CI*``. True without an interval.
    ci_note : str
        Why not, in a few words ("" when reliable).

    Examples
    --------
    >>> from concordlab.stats import correlate
    >>> correlate([1, 2, 3, 4], [1, 3, 2, 5], n_boot=0).pearson.method
    'pearson'
    """

    method: str
    estimate: float
    ci: tuple[float, float]
    p_value: float
    n_boot_valid: int
    ci_reliable: bool
    ci_note: str

    def __repr__(self) -> str:
        symbol = "r" if self.method == "pearson" else "ρ"
        return (
            f"{self.method:<9} {symbol} = {_fmt(self.estimate)}  "
            f"CI{'' if self.ci_reliable else '*'} [{_fmt(self.ci[0])}, "
            f"{_fmt(self.ci[1])}]  p = {_fmt(self.p_value)}"
        )


@dataclass(frozen=True, eq=False)
class CorrelationResult:
    """Pearson and Spearman correlations of two session-level measures.

    Attributes
    ----------
    pearson, spearman : CorrelationEstimate
        Each coefficient with its interval and p-value.
    n : int
        Sessions used.
    x, y : numpy.ndarray
        The values used (read-only), in session order.
    ids : numpy.ndarray
        Their session ids (positions for plain arrays).
    x_name, y_name : str
        What x and y are (the Series names, else "x" and "y").
    confidence, n_boot, n_permutations, alternative, seed
        The parameters (the seed actually used).
    exact : bool
        Whether the p-values enumerate all ``n!`` permutations.
    ci_method, p_method : str
        How the intervals and p-values were computed.
    dropped : dict
        Sessions left out: ``{"unmatched": ids in only one input, "missing": missing value}``.
    ci_reliable : bool
        Whether both intervals can be trusted next to their p-values (each estimate
        carries its own flag); see :func:`correlate`. True without intervals.
    ci_note : str
        Why not ("" when reliable); the repr prints it under the intervals, marked ``CI*``.

    Examples
    --------
    >>> from concordlab.stats import correlate
    >>> result = correlate([1.0, 2, 3, 4, 5], [2.0, 1, 4, 3, 5], n_boot=0)
    >>> round(result.pearson.estimate, 2), result.n, result.exact
    (0.8, 5, True)
    """

    pearson: CorrelationEstimate
    spearman: CorrelationEstimate
    n: int
    x: np.ndarray
    y: np.ndarray
    ids: np.ndarray
    x_name: str
    y_name: str
    confidence: float
    n_boot: int
    n_permutations: int
    exact: bool
    alternative: str
    seed: int
    ci_method: str
    p_method: str
    dropped: dict[str, int]
    ci_reliable: bool
    ci_note: str

    def __repr__(self) -> str:
        return (
            f"CorrelationResult: {self.y_name} vs {self.x_name}, n = {self.n} sessions\n"
            f"  {self.pearson!r}\n  {self.spearman!r}\n"
            f"  CI: {self.confidence:.0%} {self.ci_method}, n_boot = {self.n_boot}\n"
            f"  p: {self.p_method}; seed = {self.seed}{_fmt_dropped(self.dropped)}"
            + _fmt_note(self.ci_reliable, self.ci_note)
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per method: ``method``, ``estimate``, ``ci_low``, ``ci_high``,
        ``p_value``, ``n``, ``confidence``, ``x``, ``y``, ``ci_reliable``, ``ci_note``.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> from concordlab.stats import correlate
        >>> correlate([1, 2, 3, 4], [1, 3, 2, 5], n_boot=0).to_frame()["method"].tolist()
        ['pearson', 'spearman']
        """
        rows = [
            {
                "method": e.method,
                "estimate": e.estimate,
                "ci_low": e.ci[0],
                "ci_high": e.ci[1],
                "p_value": e.p_value,
                "n": self.n,
                "confidence": self.confidence,
                "x": self.x_name,
                "y": self.y_name,
                "ci_reliable": e.ci_reliable,
                "ci_note": e.ci_note,
            }
            for e in (self.pearson, self.spearman)
        ]
        return pd.DataFrame(rows)

    def plot(self) -> go.Figure:
        """Scatter plot, regression line and band: :func:`concordlab.plots.plot_correlation`.

        Returns
        -------
        plotly.graph_objects.Figure

        Examples
        --------
        >>> from concordlab.stats import correlate
        >>> [t.name for t in correlate([1, 2, 3, 4], [1, 3, 2, 5], n_boot=0).plot().data]
        ['95% band (OLS)', 'OLS fit', 'sessions']
        """
        from concordlab.plots import plot_correlation

        return plot_correlation(self)


# --------------------------------------------------------------------------- two groups


@dataclass(frozen=True, eq=False)
class GroupComparison:
    """Two groups of sessions compared: means, Cohen's d and Hedges' g, a permutation p.

    Attributes
    ----------
    groups : (label, label)
        The two groups, in the order of the comparison (differences are first - second).
    n, mean, sd : (int, int), (float, float), (float, float)
        Per group: sessions, mean and standard deviation (ddof=1).
    mean_diff, mean_diff_ci : float, (float, float)
        Difference of the means (first - second) and its BCa interval.
    d, d_ci : float, (float, float)
        Cohen's d with the pooled SD and its BCa interval.
    g, g_ci : float, (float, float)
        Hedges' g = J * d, J the exact small-sample correction, and its interval.
    p_value : float
        Permutation p-value (group labels shuffled).
    values, labels, ids : numpy.ndarray
        The values used, the group of each and the session ids.
    name : str
        What the values are.
    confidence, n_boot, n_permutations, alternative, seed
        The parameters (the seed actually used).
    n_boot_valid : int
        Resamples in which d was defined.
    exact : bool
        Whether the p-value enumerates every split of the sessions into the two groups.
    ci_method, p_method : str
        How the intervals and the p-value were computed.
    dropped : dict
        Sessions left out: ``unmatched`` ids, ``missing`` values, ``other_groups``.
    ci_reliable : bool
        False when the intervals cannot be trusted next to the p-value: fewer than 10
        sessions in the smaller group, a test that cannot reach the intervals' level, or an
        interval that excludes 0 while the test does not reject; see
        :func:`compare_groups`. The repr marks them ``CI*``. True without intervals.
    ci_note : str
        Why not, in a few words ("" when reliable).

    Examples
    --------
    >>> from concordlab.stats import compare_groups
    >>> result = compare_groups([1.0, 2, 3, 4, 5, 6], ["a", "a", "a", "b", "b", "b"], n_boot=0)
    >>> result.groups, result.mean
    (('a', 'b'), (2.0, 5.0))
    """

    groups: tuple[Any, Any]
    n: tuple[int, int]
    mean: tuple[float, float]
    sd: tuple[float, float]
    mean_diff: float
    mean_diff_ci: tuple[float, float]
    d: float
    d_ci: tuple[float, float]
    g: float
    g_ci: tuple[float, float]
    p_value: float
    values: np.ndarray
    labels: np.ndarray
    ids: np.ndarray
    name: str
    confidence: float
    n_boot: int
    n_boot_valid: int
    n_permutations: int
    exact: bool
    alternative: str
    seed: int
    ci_method: str
    p_method: str
    dropped: dict[str, int]
    ci_reliable: bool
    ci_note: str

    def __repr__(self) -> str:
        a, b = self.groups
        lines = [f"GroupComparison: {self.name}, {a!s} vs {b!s}"]
        for k in range(2):
            lines.append(
                f"  {self.groups[k]!s}: n = {self.n[k]}, mean = {_fmt(self.mean[k])}, "
                f"sd = {_fmt(self.sd[k])}"
            )
        reliable = self.ci_reliable
        lines += [
            f"  mean difference = {_fmt(self.mean_diff)}  "
            f"{_fmt_ci(self.mean_diff_ci, self.confidence, reliable)}",
            f"  Cohen's d = {_fmt(self.d)}  {_fmt_ci(self.d_ci, self.confidence, reliable)}  "
            f"(Hedges' g = {_fmt(self.g)})",
            f"  p = {_fmt(self.p_value)}: {self.p_method}; seed = {self.seed}",
        ]
        return (
            "\n".join(lines)
            + _fmt_dropped(self.dropped)
            + _fmt_note(self.ci_reliable, self.ci_note)
        )

    def to_frame(self) -> pd.DataFrame:
        """One row: the groups, per-group ``n``/``mean``/``sd`` (suffixes ``_a``, ``_b``),
        the effects with ``_low``/``_high`` bounds, ``p_value``, ``confidence``, ``value``,
        ``ci_reliable``, ``ci_note``.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> from concordlab.stats import compare_groups
        >>> table = compare_groups([1.0, 2, 3, 4, 5, 6], list("aaabbb"), n_boot=0).to_frame()
        >>> table[["group_a", "group_b", "n_a", "n_b"]].values.tolist()
        [['a', 'b', 3, 3]]
        """
        return pd.DataFrame(
            [
                {
                    "group_a": self.groups[0],
                    "group_b": self.groups[1],
                    "n_a": self.n[0],
                    "n_b": self.n[1],
                    "mean_a": self.mean[0],
                    "mean_b": self.mean[1],
                    "sd_a": self.sd[0],
                    "sd_b": self.sd[1],
                    "mean_diff": self.mean_diff,
                    "mean_diff_low": self.mean_diff_ci[0],
                    "mean_diff_high": self.mean_diff_ci[1],
                    "d": self.d,
                    "d_low": self.d_ci[0],
                    "d_high": self.d_ci[1],
                    "g": self.g,
                    "g_low": self.g_ci[0],
                    "g_high": self.g_ci[1],
                    "p_value": self.p_value,
                    "confidence": self.confidence,
                    "value": self.name,
                    "ci_reliable": self.ci_reliable,
                    "ci_note": self.ci_note,
                }
            ]
        )

    def plot(self) -> go.Figure:
        """Both groups' distributions: :func:`concordlab.plots.plot_groups`.

        Returns
        -------
        plotly.graph_objects.Figure

        Examples
        --------
        >>> from concordlab.stats import compare_groups
        >>> len(compare_groups([1.0, 2, 3, 4, 5, 6], list("aaabbb"), n_boot=0).plot().data)
        2
        """
        from concordlab.plots import plot_groups

        return plot_groups(self)


# --------------------------------------------------------------------------- paired


@dataclass(frozen=True, eq=False)
class PairedComparison:
    """Before vs after on the same dyads: mean change, Cohen's d_z and a sign-flip p.

    Attributes
    ----------
    n : int
        Dyads with both values.
    mean_before, mean_after : float
        Means of the two measurements.
    mean_diff, mean_diff_ci : float, (float, float)
        Mean of the differences (after - before) and its BCa interval.
    sd_diff : float
        Standard deviation of the differences (ddof=1).
    d, d_ci : float, (float, float)
        Cohen's d_z = mean_diff / sd_diff and its BCa interval.
    g, g_ci : float, (float, float)
        Hedges-corrected d_z (J with df = n - 1) and its interval.
    p_value : float
        Sign-flip permutation p-value.
    before, after, ids : numpy.ndarray
        The values used and the dyad ids.
    before_name, after_name : str
        What the two measurements are.
    confidence, n_boot, n_permutations, alternative, seed
        The parameters (the seed actually used).
    n_boot_valid : int
        Resamples in which d_z was defined.
    exact : bool
        Whether the p-value enumerates all 2**n sign flips.
    ci_method, p_method : str
        How the intervals and the p-value were computed.
    dropped : dict
        Dyads left out: ``unmatched`` ids, ``missing`` values.
    ci_reliable : bool
        False when the intervals cannot be trusted next to the p-value: fewer than 10
        dyads, a sign-flip test that cannot reach the intervals' level (n <= 5 at 95 %), or
        an interval that excludes 0 while the test does not reject; see
        :func:`compare_paired`. The repr marks them ``CI*``. True without intervals.
    ci_note : str
        Why not, in a few words ("" when reliable).

    Examples
    --------
    >>> from concordlab.stats import compare_paired
    >>> result = compare_paired([1.0, 2, 3, 4], [2.0, 4, 6, 7], n_boot=0)
    >>> result.mean_diff, result.exact
    (2.25, True)
    """

    n: int
    mean_before: float
    mean_after: float
    mean_diff: float
    mean_diff_ci: tuple[float, float]
    sd_diff: float
    d: float
    d_ci: tuple[float, float]
    g: float
    g_ci: tuple[float, float]
    p_value: float
    before: np.ndarray
    after: np.ndarray
    ids: np.ndarray
    before_name: str
    after_name: str
    confidence: float
    n_boot: int
    n_boot_valid: int
    n_permutations: int
    exact: bool
    alternative: str
    seed: int
    ci_method: str
    p_method: str
    dropped: dict[str, int]
    ci_reliable: bool
    ci_note: str

    def __repr__(self) -> str:
        reliable = self.ci_reliable
        return (
            f"PairedComparison: {self.before_name} -> {self.after_name}, n = {self.n} dyads\n"
            f"  mean before = {_fmt(self.mean_before)}, after = {_fmt(self.mean_after)}\n"
            f"  mean difference (after - before) = {_fmt(self.mean_diff)}  "
            f"{_fmt_ci(self.mean_diff_ci, self.confidence, reliable)}, "
            f"sd = {_fmt(self.sd_diff)}\n"
            f"  Cohen's d_z = {_fmt(self.d)}  {_fmt_ci(self.d_ci, self.confidence, reliable)}  "
            f"(Hedges-corrected {_fmt(self.g)})\n"
            f"  p = {_fmt(self.p_value)}: {self.p_method}; seed = {self.seed}"
            + _fmt_dropped(self.dropped)
            + _fmt_note(self.ci_reliable, self.ci_note)
        )

    def to_frame(self) -> pd.DataFrame:
        """One row: ``n``, the means, ``mean_diff``, ``sd_diff``, ``d`` (d_z), ``g``, their
        ``_low``/``_high`` bounds, ``p_value``, ``confidence``, ``before``, ``after``,
        ``ci_reliable``, ``ci_note``.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> from concordlab.stats import compare_paired
        >>> compare_paired([1.0, 2, 3, 4], [2.0, 4, 6, 7], n_boot=0).to_frame()["n"].item()
        4
        """
        return pd.DataFrame(
            [
                {
                    "n": self.n,
                    "mean_before": self.mean_before,
                    "mean_after": self.mean_after,
                    "mean_diff": self.mean_diff,
                    "mean_diff_low": self.mean_diff_ci[0],
                    "mean_diff_high": self.mean_diff_ci[1],
                    "sd_diff": self.sd_diff,
                    "d": self.d,
                    "d_low": self.d_ci[0],
                    "d_high": self.d_ci[1],
                    "g": self.g,
                    "g_low": self.g_ci[0],
                    "g_high": self.g_ci[1],
                    "p_value": self.p_value,
                    "confidence": self.confidence,
                    "before": self.before_name,
                    "after": self.after_name,
                    "ci_reliable": self.ci_reliable,
                    "ci_note": self.ci_note,
                }
            ]
        )

    def plot(self) -> go.Figure:
        """The slopegraph, before to after per dyad: :func:`concordlab.plots.plot_paired`.

        Returns
        -------
        plotly.graph_objects.Figure

        Examples
        --------
        >>> from concordlab.stats import compare_paired
        >>> [t.name for t in compare_paired([1.0, 2, 3], [2.0, 4, 4], n_boot=0).plot().data]
        ['dyads', 'mean']
        """
        from concordlab.plots import plot_paired

        return plot_paired(self)


# --------------------------------------------------------------------------- real vs pseudo


@dataclass(frozen=True, eq=False)
class RealPseudoComparison:
    """Real dyads against pseudo-dyads: mean difference, d, a re-pairing p-value.

    Attributes
    ----------
    n_real, n_pseudo : int
        Real dyads and pseudo-dyads used.
    mean_real, sd_real, mean_pseudo, sd_pseudo : float
        Means and standard deviations (ddof=1) of the two sets of values.
    mean_diff : float
        ``mean_real - mean_pseudo``.
    d : float
        Cohen's d of real vs pseudo values (pooled SD), descriptive.
    z : float
        ``(mean_real - mean(null)) / sd(null)``: the real mean in SDs of the null.
    above_median, above_p95 : float
        Fraction of real dyads above the median / the 95th percentile of the pseudo values.
    p_value : float
        The p-value of the real mean against ``null``.
    null : numpy.ndarray
        The mean of each random re-paired cohort (or subset), the null distribution.
    null_method : {"re-pairing", "subsets"}
        How ``null`` was drawn (see :func:`compare_real_pseudo`).
    real, real_ids, pseudo, pseudo_ids : numpy.ndarray
        The values used and their ids (pseudo ids ``"<first>+<second>"`` for pairs).
    name : str
        What the values are.
    n_permutations, alternative, seed
        The parameters (the seed actually used).
    exact : bool
        Whether ``null`` enumerates every re-pairing (or subset).
    p_method : str
        How the p-value was computed.
    dropped : dict
        Left out: ``unmatched`` real ids, ``missing`` real values, ``pseudo_missing``.

    Examples
    --------
    >>> from concordlab.stats import compare_real_pseudo
    >>> result = compare_real_pseudo([0.5, 0.6, 0.4], [0.1, 0.2, 0.3, 0.0, 0.25, 0.15])
    >>> result.null_method, result.n_real, result.n_pseudo
    ('subsets', 3, 6)
    """

    n_real: int
    n_pseudo: int
    mean_real: float
    sd_real: float
    mean_pseudo: float
    sd_pseudo: float
    mean_diff: float
    d: float
    z: float
    above_median: float
    above_p95: float
    p_value: float
    null: np.ndarray
    null_method: str
    real: np.ndarray
    real_ids: np.ndarray
    pseudo: np.ndarray
    pseudo_ids: np.ndarray
    name: str
    n_permutations: int
    exact: bool
    alternative: str
    seed: int
    p_method: str
    dropped: dict[str, int]

    def __repr__(self) -> str:
        return (
            f"RealPseudoComparison: {self.name}, {self.n_real} real vs {self.n_pseudo} "
            "pseudo-dyads\n"
            f"  mean real = {_fmt(self.mean_real)} (sd {_fmt(self.sd_real)}), pseudo = "
            f"{_fmt(self.mean_pseudo)} (sd {_fmt(self.sd_pseudo)})\n"
            f"  mean difference = {_fmt(self.mean_diff)}, Cohen's d = {_fmt(self.d)}, "
            f"z vs null = {_fmt(self.z)}\n"
            f"  real dyads above the pseudo median: {self.above_median:.0%}, above the pseudo "
            f"95th percentile: {self.above_p95:.0%}\n"
            f"  p = {_fmt(self.p_value)}: {self.p_method}; seed = {self.seed}"
            + _fmt_dropped(self.dropped)
        )

    def to_frame(self) -> pd.DataFrame:
        """One row: counts, means, SDs, ``mean_diff``, ``d``, ``z``, ``above_median``,
        ``above_p95``, ``p_value``, ``null_method``, ``alternative``, ``value``.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> from concordlab.stats import compare_real_pseudo
        >>> table = compare_real_pseudo([0.5, 0.6, 0.4], [0.1, 0.2, 0.3, 0.0, 0.25]).to_frame()
        >>> table[["n_real", "n_pseudo"]].values.tolist()
        [[3, 5]]
        """
        return pd.DataFrame(
            [
                {
                    "n_real": self.n_real,
                    "n_pseudo": self.n_pseudo,
                    "mean_real": self.mean_real,
                    "sd_real": self.sd_real,
                    "mean_pseudo": self.mean_pseudo,
                    "sd_pseudo": self.sd_pseudo,
                    "mean_diff": self.mean_diff,
                    "d": self.d,
                    "z": self.z,
                    "above_median": self.above_median,
                    "above_p95": self.above_p95,
                    "p_value": self.p_value,
                    "null_method": self.null_method,
                    "alternative": self.alternative,
                    "value": self.name,
                }
            ]
        )

    def plot(self) -> go.Figure:
        """Real against pseudo values and the null: :func:`concordlab.plots.plot_real_pseudo`.

        Returns
        -------
        plotly.graph_objects.Figure

        Examples
        --------
        >>> from concordlab.stats import compare_real_pseudo
        >>> figure = compare_real_pseudo([0.5, 0.6, 0.4], [0.1, 0.2, 0.3, 0.0, 0.25]).plot()
        >>> [t.name.split(" (")[0] for t in figure.data]
        ['pseudo-dyads', 'real dyads', 'null']
        """
        from concordlab.plots import plot_real_pseudo

        return plot_real_pseudo(self)
