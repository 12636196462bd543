"""Surrogate data: pseudo-dyads, within-dyad surrogates and the surrogate test.

Is the concordance of a dyad more than two people who happen to be recorded at the
same time would show? Surrogates answer by destroying the one thing under test, the
moment-to-moment alignment of the two persons, while keeping each person's own signal:

- :func:`pseudo_dyads` pairs people who never met (Marci et al. 2007's "hypothetical
  dyads"; rMEA's pseudo-synchrony): the first person of dyad *i* with the second person
  of dyad *j*.
- :func:`pseudo_groups` does the same for groups: one person from each of N different
  sessions, people who never met (the baseline of a family or group session).
- :func:`circular_shift` rotates the second person's signal by a random number of
  seconds: its autocorrelation is kept, its alignment with the first person is gone (but
  its end is joined to its start, which is why it does not hold its level as a test on
  drifting signals).
- :func:`segment_shuffle` cuts the second person's signal into consecutive segments
  and shuffles their order: the structure within each segment is kept.
- :func:`surrogate_test` compares a statistic of the real data with its distribution
  over many surrogates and returns the observed value, the null distribution, a
  p-value and an effect size, labelled in one :class:`xarray.Dataset`. Its default,
  Harris's linear shift test, compares the central stretch of the session with the
  second person's signal shifted, without wrapping, up to a quarter of the session
  either way: it holds its level whenever that signal is stationary.

The package has one module per concern: ``_dyad`` (within-dyad surrogates), ``_pool``
(pseudo-dyads and re-pairings of a cohort), ``_significance`` (the test, one strategy per
method), ``_inference`` (p-value and effect size) and ``_common`` (seeds, channels).

Every surrogate is an ordinary session (an :class:`xarray.DataTree`), so any measure
that works on a session works on a surrogate; its metadata say how it was made
(:func:`concordlab.metadata`). Randomness comes from :func:`numpy.random.default_rng`
seeded explicitly: the same seed gives the same surrogate.

References
----------
Marci, C. D., Ham, J., Moran, E., & Orr, S. P. (2007). Physiologic correlates of
perceived therapist empathy and social-emotional process during psychotherapy.
*J Nerv Ment Dis*, 195(2), 103-111.

Moulder, R. G., Boker, S. M., Ramseyer, F., & Tschacher, W. (2018). Determining
synchrony between behavioral time series: An application of surrogate data generation
for establishing falsifiable null-hypotheses. *Psychological Methods*, 23(4), 757-773.

Harris, K. D. (2021). A shift test for independence in generic time series.
arXiv:2012.06862.

Phipson, B., & Smyth, G. K. (2010). Permutation p-values should never be zero.
*Statistical Applications in Genetics and Molecular Biology*, 9(1), Article 39.
"""

# Names importable from here that are not in __all__ (shared with concordlab.stats) are
# re-exported with "as".
from concordlab.compute.surrogates._common import ALTERNATIVE as ALTERNATIVE
from concordlab.compute.surrogates._common import ALTERNATIVES as ALTERNATIVES
from concordlab.compute.surrogates._dyad import (
    DEFAULT_MIN_SHIFT,
    circular_shift,
    segment_shuffle,
)
from concordlab.compute.surrogates._dyad import (
    DEFAULT_MIN_SHIFT_FRACTION as DEFAULT_MIN_SHIFT_FRACTION,
)
from concordlab.compute.surrogates._pool import count_derangements as count_derangements
from concordlab.compute.surrogates._pool import pseudo_dyads, pseudo_groups
from concordlab.compute.surrogates._significance import METHOD as METHOD
from concordlab.compute.surrogates._significance import METHODS, surrogate_test

__all__ = [
    "DEFAULT_MIN_SHIFT",
    "METHODS",
    "circular_shift",
    "pseudo_dyads",
    "pseudo_groups",
    "segment_shuffle",
    "surrogate_test",
]
