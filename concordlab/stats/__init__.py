"""Cohort statistics: concordance against ratings, groups, pre/post and pseudo-dyads.

The cohort questions of psychotherapy and empathy research, each answered with an effect
size, a confidence interval and a permutation p-value:

- :func:`correlate`: does a session's concordance index track a rating? (Marci et al.
  2007: r = 0.47 between the index and patient-rated therapist empathy over 20 dyads.)
- :func:`compare_groups`: do two groups of sessions differ? (The rMEA data: patients who
  stayed in therapy vs those who dropped out.)
- :func:`compare_paired`: does concordance change from before to after, on the same
  dyads? (Empathy-training studies.)
- :func:`compare_real_pseudo`: are real dyads more concordant than pseudo-dyads, people
  who never met? (Marci's "hypothetical dyads", rMEA's pseudo-synchrony.)

Each returns a frozen result with a readable ``repr``, ``to_frame()`` (a tidy
:class:`pandas.DataFrame`) and ``plot()`` (a plotly figure, see :mod:`concordlab.plots`).

Conventions shared by all four
------------------------------
**Inputs.** One value per session: a :class:`pandas.Series` indexed by session (or dyad)
id, a dict of id to value or a 1-D :class:`xarray.DataArray`; these are matched on their
ids. Plain array-likes are matched by position and must have equal lengths. NaN and
+/-inf count as missing (a concordance index is +inf when no window is negative).
Sessions whose id is in only one input, or that miss a value, are left out: a
``UserWarning`` says how many, and ``result.dropped`` counts them.

**Confidence intervals** are bias-corrected and accelerated (BCa) bootstrap intervals
(Efron 1987; Efron & Tibshirani 1993, ch. 14 and 22) over ``n_boot`` resamples of the
sessions with replacement (within each group for :func:`compare_groups`), with the
acceleration from the jackknife (the multi-sample formula for two groups, as
:func:`scipy.stats.bootstrap` uses). Resamples in which a statistic is undefined (no
spread) are left out and counted in ``n_boot_valid``. ``n_boot=0`` skips the intervals.

**Intervals that cannot be trusted say so.** Every result with intervals carries
``ci_reliable`` (a bool) and ``ci_note`` (why not, in a few words): False when there are
fewer than 10 sessions (dyads; sessions in the smaller group), when the permutation test's
smallest attainable p is above the intervals' level ``1 - confidence`` (4 dyads: 2/16 =
0.125), or when an interval excludes 0 while the test does not reject.
A ``UserWarning`` says so, the repr marks the intervals ``CI*`` and prints the
note, ``to_frame()`` has both columns, the figures' titles repeat the note. The numbers are
left as computed; the permutation p-value is the result that holds its level at any n.
One rule decides, for every analysis: :func:`concordlab.stats._resampling._ci_reliability`
(its docstring gives the sources and the coverage measured below 10).

**p-values** come from permutation tests of the null hypothesis named in each function.
Two-sided: ``p = min(1, 2 * min(p_greater, p_less))``, the rule of
:func:`scipy.stats.permutation_test` and :func:`concordlab.surrogate_test`. When the
number of distinct rearrangements is at most ``n_permutations`` they are all enumerated
and p is exact, ``k / m`` with the observed arrangement among the ``m``; otherwise
``n_permutations`` random rearrangements give the Monte Carlo p-value
``(k + 1) / (n_permutations + 1)``, which is never zero (Phipson & Smyth 2010). Values
within a relative ``1e-12`` of the observed statistic count as ties (as extreme).

**Seeds.** ``seed`` seeds two independent streams (:meth:`numpy.random.SeedSequence.spawn`):
one for the bootstrap, one for the permutations, so the same seed gives the same result
and changing ``n_boot`` leaves the p-value unchanged. None draws a fresh seed, stored
in ``result.seed``.

References
----------
Efron, B. (1987). Better bootstrap confidence intervals. *JASA*, 82(397), 171-185.

DiCiccio, T. J., & Efron, B. (1996). Bootstrap confidence intervals. *Stat Sci*, 11(3),
189-228.

Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.

Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and
related estimators. *J Educ Stat*, 6(2), 107-128.

Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative
science: a practical primer for t-tests and ANOVAs. *Front Psychol*, 4, 863.

Marci, C. D., Ham, J., Moran, E., & Orr, S. P. (2007). Physiologic correlates of
perceived therapist empathy and social-emotional process during psychotherapy.
*J Nerv Ment Dis*, 195(2), 103-111.

Phipson, B., & Smyth, G. K. (2010). Permutation p-values should never be zero.
*Stat Appl Genet Mol Biol*, 9(1), Article 39.

Hesterberg, T. C. (2015). What teachers should know about the bootstrap: resampling in
the undergraduate statistics curriculum. *Am Stat*, 69(4), 371-386.

Kleinbub, J. R., & Ramseyer, F. T. (2021). rMEA: An R package to assess nonverbal
synchronization in motion energy analysis time-series. *Psychother Res*, 31(6), 817-830.

Layout
------
:mod:`concordlab.stats.results` holds the result classes (a leaf module, imported by
:mod:`concordlab.plots`); one module per analysis (``correlation``, ``groups``,
``paired``, ``real_pseudo``) builds on the input coercion (``_inputs``) and the resampling
engine (``_resampling``). Importing :mod:`concordlab.stats` does not import plotly:
``result.plot()`` imports :mod:`concordlab.plots` when called.
"""

from concordlab.compute.surrogates import ALTERNATIVES

# Module constants of the former concordlab/stats.py, still importable from here.
from concordlab.stats._resampling import CI_METHOD, D_FORMULA, RESAMPLES  # noqa: F401
from concordlab.stats.correlation import correlate
from concordlab.stats.groups import compare_groups
from concordlab.stats.paired import compare_paired
from concordlab.stats.real_pseudo import compare_real_pseudo
from concordlab.stats.results import (
    CorrelationEstimate,
    CorrelationResult,
    GroupComparison,
    PairedComparison,
    RealPseudoComparison,
)

__all__ = [
    "ALTERNATIVES",
    "CorrelationEstimate",
    "CorrelationResult",
    "GroupComparison",
    "PairedComparison",
    "RealPseudoComparison",
    "compare_groups",
    "compare_paired",
    "compare_real_pseudo",
    "correlate",
]
