"""The surrogate test, one small strategy per method.

A strategy prepares one method's surrogates once (checking its parameters and computing
the observed value) and then gives one null value per draw; :func:`surrogate_test` checks
the common parameters, picks the strategy, runs the draws and builds the result.

Examples
--------
>>> sorted(STRATEGIES) == sorted(METHODS)
True
>>> STRATEGIES["segment_shuffle"].takes
('segment_length', 'channels', 'person')
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from concordlab._checks import FLAG, Choice, check_seed
from concordlab._deprecate import renamed
from concordlab.compute._common import DRAWS, as_attr, optional
from concordlab.compute.surrogates._common import ALTERNATIVE
from concordlab.compute.surrogates._dyad import _Dyad
from concordlab.compute.surrogates._inference import cohort_mean, evaluate, null_variables
from concordlab.compute.surrogates._pool import _Pool
from concordlab.errors import ValidationError
from concordlab.session import metadata as session_metadata
from concordlab.simulate import Cohort

__all__ = ["METHOD", "METHODS", "STRATEGIES", "surrogate_test"]

# With progress=None a bar is shown when the draws are expected to take longer than this.
_PROGRESS_AFTER = 2.0  # s
# Frames between a strategy's warnings and the user's call: the warning, the strategy's
# __init__, surrogate_test, the renamed() wrapper, the caller.
_CALLER = 5

Pair = tuple[int, int, int, int]


# --------------------------------------------------------------------------- strategies


class _Strategy:
    """One method's null: prepared once (``observed``, ``n``), then one value per draw.

    ``n`` is the number of draws to make (fewer than asked when a method enumerates every
    surrogate it can make); :meth:`describe` gives, after the draws, the method's own
    coordinates, variables and attrs of the result.
    """

    method: ClassVar[str]
    takes: ClassVar[tuple[str, ...]]  # the method kwargs it accepts
    observed: float
    n: int
    exact: bool = False  # whether the draws enumerate a permutation group, the real among them
    rule: str = "monte_carlo"  # the p-value rule (concordlab._inference.P_RULES)
    default_draws: ClassVar[int] = 199  # n_surrogates when not given

    def draw(self, rng: np.random.Generator, index: int) -> float:
        raise NotImplementedError

    def describe(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        raise NotImplementedError

    def where(self, index: int) -> str:
        return f"surrogate draw {index} (draws are numbered 0 to {self.n - 1})"


class _WithinDyad(_Strategy):
    """Surrogates of one session: the second person's (or ``person``'s) signal changed."""

    def __init__(self, data: Any, statistic: Callable, n: int, options: Mapping[str, Any]) -> None:
        if not isinstance(data, xr.DataTree):
            raise ValidationError(
                f"method '{self.method}' makes surrogates of one session; got "
                f"{type(data).__name__}. For several sessions use method='pseudo_dyads', "
                "or test each session on its own."
            )
        self.statistic, self.n, self.options = statistic, n, options
        self.dyad = _Dyad.prepare(data, options.get("channels"), options.get("person"))
        self.attrs = self.check()
        self.attrs.update(
            session_id=self.dyad.session_id,
            person=self.dyad.persons[self.dyad.row],
            channels=",".join(self.dyad.channels),
        )
        self.observed = self.observe(data)

    def observe(self, data: xr.DataTree) -> float:
        """The statistic of the real data."""
        return evaluate(self.statistic, data, "the real data", nan_ok=False)

    def check(self) -> dict[str, Any]:
        """The method's own parameters, checked, as attrs of the result."""
        raise NotImplementedError

    def describe(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        return {}, {}, self.attrs


class _CircularShift(_WithinDyad):
    method = "circular_shift"
    takes = ("min_shift", "channels", "person")

    def check(self) -> dict[str, Any]:
        _, _, _, min_shift = self.dyad.shift_range(self.options.get("min_shift"))
        warnings.warn(CIRCULAR_SHIFT_LEVEL, UserWarning, stacklevel=_CALLER)
        self.shifts = np.full(self.n, np.nan)
        return {"min_shift": min_shift}

    def draw(self, rng: np.random.Generator, index: int) -> float:
        surrogate, shift = self.dyad.circular(rng, self.options.get("min_shift"))
        where = f"{self.where(index)}, circular shift of {shift:g} s"
        value = evaluate(self.statistic, surrogate, where, nan_ok=True)
        self.shifts[index] = shift
        return value

    def describe(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        shift = ("draw", self.shifts, {"units": "s", "long_name": "circular shift"})
        return {"shift": shift}, {}, self.attrs


class _LinearShift(_WithinDyad):
    """Harris's linear shift test: the central stretch against its shifts, nothing wrapped.

    ``n`` draws are the shifts ``-N … -1, 1 … N`` (``N = n // 2`` steps of one size,
    fewer when ``max_shift`` holds fewer samples) of the person's signal against the
    other's central stretch; the observed is shift 0 on that stretch.
    """

    method = "linear_shift"
    takes = ("max_shift", "channels", "person")
    rule = "shift"
    default_draws = 40  # 20 shifts per side: smallest p 1 / 21, steps of duration / 80

    def check(self) -> dict[str, Any]:
        reference, per_side, step, max_shift = self.dyad.shift_grid(
            self.options.get("max_shift"), self.n // 2
        )
        rate = self.dyad.rates[reference]
        self.step = step / rate
        self.trim = per_side * step / rate
        steps = np.arange(1, per_side + 1)
        self.shifts = np.concatenate([-steps[::-1], steps]) * self.step
        self.n = self.shifts.size
        return {
            "max_shift": max_shift,
            "shift_step": self.step,
            "trim": self.trim,
            "shifts_per_side": per_side,
            "smallest_p": 1 / (per_side + 1),
            "null_hypothesis": _SHIFT_NULL_HYPOTHESIS,
            "observed_rule": f"the statistic on the central stretch, {self.trim:g} s in from "
            "each end (the same stretch for every shift)",
        }

    def observe(self, data: xr.DataTree) -> float:
        central = self.dyad.linear(0.0, self.trim)
        return evaluate(self.statistic, central, "the real data (central stretch)", nan_ok=False)

    def draw(self, rng: np.random.Generator, index: int) -> float:
        shift = float(self.shifts[index])
        surrogate = self.dyad.linear(shift, self.trim)
        where = f"{self.where(index)}, linear shift of {shift:g} s"
        return evaluate(self.statistic, surrogate, where, nan_ok=True)

    def describe(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        shift = ("draw", self.shifts, {"units": "s", "long_name": "linear shift"})
        return {"shift": shift}, {}, self.attrs


class _SegmentShuffle(_WithinDyad):
    method = "segment_shuffle"
    takes = ("segment_length", "channels", "person")

    def check(self) -> dict[str, Any]:
        if "segment_length" not in self.options:
            raise ValidationError(
                "method 'segment_shuffle' needs segment_length=<seconds>, e.g. "
                "segment_length=60 (at least the concordance window)."
            )
        length, _, counts = self.dyad.pieces(self.options["segment_length"])
        warnings.warn(SEGMENT_SHUFFLE_LEVEL, UserWarning, stacklevel=_CALLER)
        return {"segment_length": length, "n_pieces": max(counts.values())}

    def draw(self, rng: np.random.Generator, index: int) -> float:
        surrogate = self.dyad.shuffle(rng, self.options["segment_length"])
        order = session_metadata(surrogate)["surrogate"]["order"]
        where = f"{self.where(index)}, segment order {order}"
        return evaluate(self.statistic, surrogate, where, nan_ok=True)


class _PseudoDyads(_Strategy):
    """Pairings of a cohort's people: each draw the mean statistic over its ``N`` dyads.

    The null is the permutation group of the pairings (the real one among them), so the
    observed cohort is exchangeable with the draws; when there are at most ``n`` pairings
    every one is used once (``exact``, ``p = k / m``). Each pseudo-dyad's statistic is
    computed once and reused; a pair that is a real dyad uses that dyad's value.
    """

    method = "pseudo_dyads"
    takes = ("keep_roles", "channels")

    def __init__(self, data: Any, statistic: Callable, n: int, options: Mapping[str, Any]) -> None:
        pool = _Pool.prepare(data, options.get("channels"), options.get("keep_roles", True))
        pool.warn_trimming(pool.pairs(), stacklevel=_CALLER)
        self.pool, self.statistic = pool, statistic
        self.ids = [source.id for source in pool.sources]
        self.per_session = [
            evaluate(statistic, session, f"the real dyad '{key}'", nan_ok=True)
            for key, session in zip(self.ids, pool.sessions, strict=True)
        ]
        self.observed, left_out = cohort_mean(self.per_session)
        if math.isnan(self.observed):
            raise ValidationError(
                f"The statistic is NaN (undefined) on every one of the {len(self.ids)} real "
                "dyads, so there is nothing to test; check the data for missing samples or use "
                "another statistic."
            )
        self.count = pool.count_pairings()
        self.exact = self.count <= n
        self.rule = "exact" if self.exact else "monte_carlo"
        self.n = self.count if self.exact else n
        self.pairings: Iterator[list[Pair]] | None = pool.all_pairings() if self.exact else None
        self.statistic_of: dict[Pair, float] = {}  # each pseudo-dyad once
        self.nonfinite_in_draws = 0
        self.left_out = left_out

    def value_of(self, pair: Pair, where: str) -> float:
        """The statistic of one pair: a real dyad's own value, or a pseudo-dyad's (once)."""
        i, _, j, _ = pair
        if i == j:
            return self.per_session[i]
        if pair not in self.statistic_of:
            where = f"{where}, pseudo-dyad '{self.pool.pair_id(pair)}'"
            self.statistic_of[pair] = evaluate(
                self.statistic, self.pool.build(pair), where, nan_ok=True
            )
        return self.statistic_of[pair]

    def draw(self, rng: np.random.Generator, index: int) -> float:
        pool = self.pool
        pairing = next(self.pairings) if self.pairings is not None else pool.random_pairing(rng)
        values = [self.value_of(pair, self.where(index)) for pair in pairing]
        mean, dropped = cohort_mean(values)
        self.nonfinite_in_draws += dropped
        return mean

    def describe(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        every = [self.value_of(pair, "a pseudo-dyad") for pair in self.pool.pairs()]
        pseudo_mean, pseudo_left_out = cohort_mean(every)
        coords = {"session": ("session", self.ids)}
        variables = {
            "session_statistic": (
                "session",
                np.asarray(self.per_session),
                {"long_name": "statistic of each real dyad"},
            ),
            "pseudo_mean": (
                (),
                pseudo_mean,
                {
                    "long_name": "mean statistic over every pseudo-dyad (description)",
                    "description": "real dyads vs strangers (Marci et al. 2007's check): "
                    f"the mean over all {len(every)} pairs of people from different dyads; "
                    "a description, not the test (the pseudo-dyads share people, so they are "
                    "not independent; the p-value comes from the pairings null)",
                    "n_pseudo": len(every),
                    "n_nonfinite": pseudo_left_out,
                },
            ),
        }
        attrs = {
            "null_hypothesis": _NULL_HYPOTHESIS,
            "observed_rule": "mean of the statistic over the real dyads (finite values only)",
            "null_rule": (
                "mean of the statistic over the N dyads of a uniformly random pairing of the "
                "same people, each person once (keep_roles: a permutation of the second "
                "persons; else a perfect matching of everyone); the real pairing is one of "
                "them, and a pair that is a real dyad uses that dyad's value"
            ),
            "n_sessions": len(self.ids),
            "keep_roles": self.pool.keep_roles,
            "channels": ",".join(self.pool.channels),
            "n_nonfinite_observed": self.left_out,
            "exact": self.exact,
            "n_pairings": self.count,
            "smallest_p": 1 / self.count if self.exact else 1 / (self.n + 1),
            "n_nonfinite_in_draws": self.nonfinite_in_draws,
        }
        return coords, variables, attrs


SEGMENT_SHUFFLE_LEVEL = (
    "segment_shuffle may not hold its level as a test: shuffling pieces destroys the "
    "signals' structure slower than a piece, so on signals that drift (as skin conductance "
    "does) the null is too narrow. On uncoupled simulated 5-minute skin conductance dyads "
    "it rejected {eda30} (30 s pieces) and {eda60} (60 s pieces) at alpha 0.05; on "
    "short-memory noise {ar30} and {ar60} (benchmarks/bench_calibration.py). On the first "
    "differences of the same skin conductance dyads it held ({diff30} and {diff60}): test a "
    "statistic of the differences, or for a cohort use method='pseudo_dyads', which holds "
    "its level exactly; otherwise read this p-value as a description."
).format(eda30="8.5 %", eda60="7.0 %", ar30="7.0 %", ar60="4.0 %", diff30="4.0 %", diff60="4.0 %")

CIRCULAR_SHIFT_LEVEL = (
    "circular_shift may not hold its level as a test: a rotated signal is joined end to "
    "start, which a slowly drifting signal (as skin conductance is) never does, so the "
    "rotations are not exchangeable with the real alignment. On uncoupled simulated "
    "5-minute skin conductance dyads it rejected {eda} at alpha 0.05, on short-memory noise "
    "{ar1} and on slow noise {slow} (benchmarks/bench_calibration.py; 29 % with the "
    "whole-recording correlation of slow noise, tests/compute/test_surrogates.py). "
    "method='linear_shift' (the default) holds its level whenever one signal is "
    "stationary; for a cohort, method='pseudo_dyads' holds it exactly."
).format(eda="10.0 %", ar1="5.5 %", slow="6.5 %")

_SHIFT_NULL_HYPOTHESIS = (
    "the two persons' signals are independent and the shifted person's signal is "
    "stationary: its statistic against the other's central stretch has the same "
    "distribution at every shift"
)

_NULL_HYPOTHESIS = (
    "who was recorded with whom makes no difference: the statistic of the cohort has the "
    "same distribution under every pairing of its people (the people are exchangeable "
    "across dyads)"
)


STRATEGIES: dict[str, type[_Strategy]] = {
    strategy.method: strategy
    for strategy in (_LinearShift, _CircularShift, _SegmentShuffle, _PseudoDyads)
}
"""The strategy of each method, by name."""
METHODS = tuple(STRATEGIES)
METHOD = Choice(METHODS)


# --------------------------------------------------------------------------- the test


def _check_options(method: str, options: Mapping[str, Any]) -> None:
    takes = STRATEGIES[method].takes
    unknown = sorted(set(options) - set(takes))
    if unknown:
        owners = [
            f"{name} belongs to "
            + " or ".join(f"method='{m}'" for m, s in STRATEGIES.items() if name in s.takes)
            for name in unknown
            if any(name in s.takes for s in STRATEGIES.values())
        ]
        raise ValidationError(
            f"method '{method}' takes no parameter(s) {unknown}; it takes {list(takes)}."
            + (f" ({'; '.join(owners)}.)" if owners else "")
        )


def _draws(
    strategy: _Strategy, children: Sequence[np.random.SeedSequence], progress: bool | None
) -> np.ndarray:
    """One null value per seed child; a tqdm bar if asked, or if the draws look slow."""
    n, label = len(children), f"surrogates ({strategy.method})"
    null = np.full(n, np.nan)
    from tqdm.auto import tqdm  # in a kernel tqdm.auto imports ipywidgets: only when used

    bar = tqdm(total=n, desc=label, unit="draw") if progress else None
    try:
        started = time.perf_counter()
        for index, child in enumerate(children):
            null[index] = strategy.draw(np.random.default_rng(child), index)
            if bar is not None:
                bar.update(1)
            elif index == 0 and progress is None:
                if (n - 1) * (time.perf_counter() - started) > _PROGRESS_AFTER:
                    bar = tqdm(total=n, initial=1, desc=label, unit="draw")
    finally:
        if bar is not None:
            bar.close()
    return null


@renamed(n="n_surrogates", channel="channels")
def surrogate_test(
    data: xr.DataTree | Cohort | Mapping[str, xr.DataTree] | Sequence[xr.DataTree],
    statistic: Callable[[xr.DataTree], float],
    *,
    method: str = "linear_shift",
    n_surrogates: int | None = None,
    seed: int | None = None,
    alternative: str = "greater",
    progress: bool | None = None,
    **method_kwargs: Any,
) -> xr.Dataset:
    """Test a statistic of real dyads against its distribution over surrogates.

    The null hypothesis: the two persons' alignment in time carries nothing beyond what
    each person's own signal carries. The statistic of the real data (``observed``) is
    compared with its values on ``n_surrogates`` surrogates in which that alignment is
    destroyed.

    Methods
    -------
    ``"linear_shift"`` (one session; the default)
        Harris's shift test (Harris 2021, "A shift test for independence in generic time
        series", arXiv 2012.06862). **Null hypothesis: the two persons' signals are
        independent, and the shifted person's signal is stationary** (its statistics do
        not change over the session; the other person's may). The statistic is taken on
        the **central stretch** of the session, ``trim`` seconds in from each end; the
        ``2N`` draws (``N = n_surrogates // 2`` per side) pair the first person's central
        stretch with the second person's (or ``person``'s) signal from ``j * step``
        seconds later (``j = -N … -1, 1 … N``, ``step = max_shift / N`` rounded down to
        whole samples, ``trim = N * step``): their own samples, nothing wrapped round,
        every draw the same length. ``p = min(1, (k + 1) / (N + 1))`` with ``k`` the
        draws at least as extreme as the observed (NaN draws count as extreme), which
        holds ``P(p <= alpha) <= alpha`` by Harris's theorem whatever the signals'
        memory; it is conservative (about half the power of the rank among ``2N + 1``).
        The **smallest attainable p** is ``1 / (N + 1)`` (``attrs["smallest_p"]``): a
        test at 0.05 needs ``n_surrogates >= 38``. Method kwargs: ``max_shift`` (s,
        default a quarter of the shortest channel's duration, so the statistic sees the
        central half; less than half the duration), ``channels``, ``person``. Each
        shift is in seconds, rounded to each channel's own samples (exact steps in the
        shortest channel). Power grows with the recording: shifts closer than the
        signals' memory give values close to the observed.
    ``"circular_shift"`` (one session)
        Each draw is :func:`circular_shift` of ``data`` (method kwargs ``min_shift``,
        ``channels``, ``person``). The observed value is ``statistic(data)``. **It does
        not hold its level on signals whose memory is long compared with the
        recording** (drifting skin conductance): a rotation joins the end of the signal
        to its start, a jump the real signal never makes, so the rotations are not
        exchangeable with the real alignment (see the table under Notes). It warns
        (``UserWarning``) each time it is used as a test.
    ``"segment_shuffle"`` (one session)
        Each draw is :func:`segment_shuffle` of ``data`` (``segment_length`` required;
        ``channels``, ``person``). **It does not hold its level on signals with
        structure slower than a piece**, and no choice of piece length fixes that: the
        shuffle destroys the slow structure (drift, tonic level) along with the
        alignment, so the null is narrower than the statistic's spread without
        coupling. Measured (``benchmarks/bench_calibration.py``, uncoupled dyads, mean
        windowed Pearson 30 s / 5 s, ``n_surrogates=99``, alpha 0.05): see the table
        under Notes. It warns (``UserWarning``) each time it is used as a test; prefer
        ``"linear_shift"``.
    ``"pseudo_dyads"`` (a cohort: several sessions)
        **Null hypothesis: who was recorded with whom makes no difference**; the
        cohort's statistic has the same distribution under every pairing of its people.
        The observed value is the **mean statistic over the real dyads**. Each draw pairs
        the same people at random, each person once: the first persons with a uniformly
        random permutation of the second persons (``keep_roles=True``, default), or a
        uniformly random perfect matching of everyone (``keep_roles=False``); the draw
        is the mean statistic over those ``N`` dyads (see :func:`pseudo_dyads` for how
        pseudo-dyads are built, trimmed and labelled). The real pairing is one of the
        pairings and a draw may keep some real dyads (a pair that is a real dyad uses
        that dyad's own value): the observed cohort is exchangeable with the draws, so
        the test holds its level exactly, ``P(p <= alpha) <= alpha``. (A null of
        re-pairings that never keep a real dyad, as in earlier versions, rejected 9.5 %
        of uncoupled cohorts of 5 at alpha 0.05.) There are ``N!`` pairings with roles
        kept (2, 6, 24, 120, 720 for 2 to 6 sessions) and ``(2N - 1)!!`` without (3,
        15, 105, 945): when there are at most ``n_surrogates`` every one is used once
        (``attrs["exact"]``; the ``draw`` dimension then has that length, the real
        pairing first) and ``p = k / m``, so the **smallest attainable p** is
        ``1 / N!`` (``1 / (2N - 1)!!``); with more, ``n_surrogates`` random pairings
        and ``p = (k + 1) / (m + 1)``, smallest ``1 / (n_surrogates + 1)``
        (``attrs["smallest_p"]``). Two sessions can never reach p < 0.5, three never
        below 1/6: a test at 0.05 needs at least 4 dyads (roles kept). Each
        pseudo-dyad's statistic is computed once and reused. **Description, not the
        test**: ``pseudo_mean`` is the mean statistic over every pseudo-dyad (all pairs
        of people from different dyads, Marci et al. 2007's "real vs strangers" check),
        reported next to the observed mean; the pseudo-dyads share people, so their
        spread says nothing about significance.

    Rules
    -----
    p-value
        ``p = (k + 1) / (m + 1)`` (Phipson & Smyth 2010; never 0), with ``m`` the number
        of null values that are not NaN and ``k`` the number of them ``>=`` the observed
        value (``alternative="greater"``) or ``<=`` it (``"less"``); ``p = k / m`` when
        the null enumerates every pairing (``"pseudo_dyads"``, ``attrs["exact"]``, the
        real pairing among the ``m``); ``p = min(1, (k + 1) / (N + 1))`` for
        ``"linear_shift"`` (above). Null values within a relative 1e-12 of the
        observed count as ties, i.e. as extreme. ``"two-sided"``:
        ``min(1, 2 * min(p_greater, p_less))``. The same routine scores every test of
        :mod:`concordlab.stats`.
    Effect size
        ``z = (observed - mean(null)) / sd(null)``, mean and sample SD (ddof=1) over the
        finite null values: how many null SDs the observed value lies above the null mean.
    Non-finite statistics
        A p-value needs finite numbers. ``+inf``/``-inf`` anywhere (e.g. a concordance
        index with no negative windows) is an error naming the data it came from; prefer
        a bounded statistic (mean concordance). NaN means "undefined" (e.g. too much
        missing data): on the real data it is an error; on a surrogate draw the draw is
        left out of ``m``, of ``k`` and of the effect size (``n_valid`` counts those
        kept, and a warning says how many were left out; ``"linear_shift"`` instead
        counts them in ``k``, as extreme); if every draw is NaN it is an error. For
        ``"pseudo_dyads"``, each cohort mean (observed and draws) is taken over the dyads
        whose statistic is not NaN, the number left out is in ``attrs``, and it is an
        error only when every real dyad is NaN.
    Errors in the statistic
        An exception raised by ``statistic`` becomes a :class:`ValidationError` that says
        where it happened (the real data, the real dyad, or the draw number with its
        shift, segment order or pseudo-dyad), with the original exception chained as
        ``__cause__``.

    Parameters
    ----------
    data : xarray.DataTree, or Cohort / dict / list of sessions
        One session for the within-dyad methods; several for ``"pseudo_dyads"``.
    statistic : callable
        ``statistic(session) -> float`` (a 0-d DataArray is fine), e.g.
        ``lambda s: float(concordance(s).mean())``. Larger should mean more concordance
        for ``alternative="greater"``.
    method : {"linear_shift", "circular_shift", "segment_shuffle", "pseudo_dyads"}, \
default "linear_shift"
        How surrogates are made (see above). (The default was ``"circular_shift"``
        before 0.2, which does not hold its level on drifting signals.)
    n_surrogates : int, optional
        Number of surrogate draws; ``1 / (n_surrogates + 1)`` is the smallest possible
        p-value. Default 199; for ``"linear_shift"`` 40: ``n_surrogates // 2`` shifts
        per side, smallest p ``1 / (n_surrogates // 2 + 1)`` (1/21), and more shifts
        only make them closer together (steps of ``max_shift / N``), which costs power
        (measured: 30 % at 20 per side, 24 % at 50, see Notes). (Formerly ``n``, which
        still works for one release with a ``FutureWarning``.)
    seed : int, optional
        Seed of all draws: draw ``d`` uses ``numpy.random.default_rng`` of the ``d``-th
        child of ``numpy.random.SeedSequence(seed).spawn(n_surrogates)``, so the same seed gives the
        same result and the draws do not depend on one another. None draws a fresh seed,
        recorded in ``attrs["seed"]``.
    alternative : {"greater", "less", "two-sided"}, default "greater"
        Direction of the test; "greater": more concordance than the surrogates.
    progress : bool, optional
        Show a tqdm progress bar. None (default): show one when the draws are expected
        to take more than about 2 s (estimated from the first draw); False: never.
    **method_kwargs
        Passed to the surrogate method: ``max_shift``, ``channels``, ``person``
        (linear_shift); ``min_shift``, ``channels``, ``person`` (circular_shift);
        ``segment_length``, ``channels``, ``person`` (segment_shuffle); ``keep_roles``,
        ``channels`` (pseudo_dyads). The old name
        ``channel`` still works for one release with a ``FutureWarning``.

    Returns
    -------
    xarray.Dataset
        ``observed`` (scalar), ``null`` (dim ``draw``, ``n_surrogates`` values), ``p_value``,
        ``effect_size`` (the z above), ``null_mean``, ``null_sd``, ``n_valid``; for
        ``"linear_shift"`` and ``"circular_shift"`` the coordinate ``shift`` (s) along
        ``draw`` (``"linear_shift"``: ``attrs`` also ``max_shift``, ``shift_step``,
        ``trim``, ``shifts_per_side``, ``smallest_p``, ``null_hypothesis``); for
        ``"pseudo_dyads"`` ``session_statistic`` (dim ``session``: each real dyad's
        value) and ``pseudo_mean`` (the mean over every pseudo-dyad, a description).
        ``attrs`` hold the method, its parameters, ``n_surrogates`` (also as ``n``, its
        old name, for one release), ``seed``, ``alternative``, the statistic's name and
        the rules above in words; for ``"pseudo_dyads"`` also ``null_hypothesis``,
        ``n_pairings`` and ``smallest_p``.

    Raises
    ------
    ValidationError
        Unknown method or alternative, ``n_surrogates`` not a whole number from 1 to 1,000,000,
        method kwargs that the method does not take, a single session for
        ``"pseudo_dyads"`` or several for a within-dyad method; a statistic that fails,
        does not return a real number, or returns a non-finite one (see above).

    See Also
    --------
    circular_shift, segment_shuffle, pseudo_dyads

    Notes
    -----
    Calibration (``python benchmarks/bench_calibration.py --runs 200 --power-runs 50``):
    false positives at alpha 0.05 on uncoupled dyads, with Wilson 95 % intervals; the
    statistic is the mean windowed Pearson correlation (30 s windows, 5 s step);
    ``linear_shift`` with its defaults (40 shifts, ``max_shift`` a quarter of the
    duration), ``n_surrogates=99`` for the other within-dyad tests and 199 for
    pseudo-dyads. ``ar1``: independent stationary AR(1) noise (lag-one autocorrelation
    0.9, short memory), 5 min at 4 Hz; ``ar1-slow``: the same with 0.995 (a memory of
    about 50 s); ``eda``: :func:`concordlab.simulate_dyad` skin conductance with
    ``coupling=0``, 5 min at 4 Hz (slow drift); ``eda-diff``: the first differences of
    the same ``eda`` dyads.

    ======================  ================  ================  ==================  ===============
    test                    ar1               ar1-slow          eda                 eda-diff
    ======================  ================  ================  ==================  ===============
    linear_shift (default)  2.5 % (1.1-5.7)   3.5 % (1.7-7.0)   2.0 % (0.8-5.0)     2.5 % (1.1-5.7)
    circular_shift          5.5 % (3.1-9.6)   6.5 % (3.8-10.8)  10.0 % (6.6-14.9)   3.5 % (1.7-7.0)
    segment_shuffle 30 s    7.0 % (4.2-11.4)  5.5 % (3.1-9.6)   8.5 % (5.4-13.2)    4.0 % (2.0-7.7)
    segment_shuffle 60 s    4.0 % (2.0-7.7)   3.5 % (1.7-7.0)   7.0 % (4.2-11.4)    4.0 % (2.0-7.7)
    pseudo_dyads 5/10/20                                        5.0 / 4.0 / 2.5 %
    same, keep_roles=False                                      3.5 / 3.5 % (5/10)
    ======================  ================  ================  ==================  ===============

    The pseudo-dyad test holds its level by construction (5 dyads: exactly 6 / 120 = 5 %
    at most), and so does the linear shift test whenever the shifted signal is
    stationary (Harris's bound; conservative: 2.0-3.5 % above, 1.5 % (3 of 200) with
    Marci's slope concordance on 10-minute ``eda`` dyads, 3 % (6 of 200) with the
    whole-recording correlation of strongly autocorrelated noise where circular shifts
    rejected 29 %, ``tests/compute/test_surrogates.py``). ``segment_shuffle`` destroys
    the slow structure, and ``circular_shift`` joins the end of a signal to its start:
    on drifting signals both reject too often (10.0 % and 8.5 % of the 5-minute ``eda``
    dyads; circular shifts 8-9 % of 10-minute ones whatever ``min_shift``), and both warn.
    On the first differences of the drifting dyads (``np.diff`` along time) all held.
    Power at coupling 0.5 (10-minute ``eda`` dyads, 50 runs): linear_shift 30 %
    (19-44 %; 52 % with the slope concordance, 21 of 40; 100 % at coupling 0.9 over
    20 minutes, 100 of 100), circular_shift 78 %, segment_shuffle 86 % (30 s) and 76 %
    (60 s), pseudo_dyads 100 % at every cohort size. The linear shift test pays for its
    level with power: half the recording is left out of the statistic and the nearest
    shifts, closer than the signals' memory, look like the real alignment. Longer
    recordings help (a 50-minute session has shifts 37.5 s apart); with a cohort, prefer
    the pseudo-dyad test.

    Examples
    --------
    A strongly coupled 10-minute dyad, the linear shift test (the default): its central
    five minutes against the therapist's signal shifted by 7.5 s, 15 s, ... 150 s:

    >>> import concordlab
    >>> from concordlab.compute.surrogates import surrogate_test
    >>> s = concordlab.simulate_dyad(600, coupling=0.9, turns=False, channels="eda", seed=2)
    >>> mean_r = lambda s: float(concordlab.concordance(s).mean())
    >>> result = surrogate_test(s, mean_r)
    >>> round(float(result["p_value"]), 4), bool(result["effect_size"] > 2)  # 1 / 21
    (0.0476, True)
    >>> result["null"].sizes["draw"], result.attrs["method"], result.attrs["shift_step"]
    (40, 'linear_shift', 7.5)

    Circular shifts warn that they may not hold their level:

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     rotated = surrogate_test(s, mean_r, method="circular_shift", n_surrogates=19, seed=0)
    >>> "may not hold its level" in str(caught[0].message), rotated["null"].sizes["draw"]
    (True, 19)

    A cohort against pseudo-dyads (each draw: the same people, randomly re-paired):

    >>> cohort = concordlab.simulate_cohort(4, duration=60, channels="eda", seed=1)
    >>> test = surrogate_test(cohort, mean_r, method="pseudo_dyads", n_surrogates=9, seed=0)
    >>> test["session_statistic"].sizes["session"], test["null"].sizes["draw"]
    (4, 9)
    >>> exact = surrogate_test(cohort, mean_r, method="pseudo_dyads", n_surrogates=99, seed=0)
    >>> exact.attrs["exact"], exact["null"].sizes["draw"], exact.attrs["smallest_p"]  # 4!
    (1, 24, 0.041666666666666664)
    """

    METHOD.check(method, "method")
    if not callable(statistic):
        raise ValidationError(
            "statistic must be a function of a session returning a number, e.g. "
            f"lambda s: float(concordance(s).mean()); got {type(statistic).__name__}."
        )
    if n_surrogates is None:
        n_surrogates = STRATEGIES[method].default_draws
    n_surrogates = DRAWS.check(n_surrogates, "n_surrogates")
    ALTERNATIVE.check(alternative, "alternative")
    progress = optional(FLAG, progress, "progress")
    _check_options(method, method_kwargs)
    seed = check_seed(seed)
    children = np.random.SeedSequence(seed).spawn(n_surrogates)

    strategy = STRATEGIES[method](data, statistic, n_surrogates, method_kwargs)
    null = _draws(strategy, children[: strategy.n], progress)
    coords, variables, attrs = strategy.describe()
    name = getattr(statistic, "__qualname__", None) or type(statistic).__name__
    return xr.Dataset(
        {
            **null_variables(
                strategy.observed, null, alternative, rule=strategy.rule, stacklevel=3
            ),
            **variables,
        },
        coords={"draw": ("draw", np.arange(strategy.n)), **coords},
        attrs={
            "test": "surrogate_test",
            "method": method,
            "n_surrogates": strategy.n,
            "n": strategy.n,  # the old name, kept for one release
            "seed": seed,
            "alternative": alternative,
            "statistic": str(name),
            **{key: as_attr(value) for key, value in attrs.items()},
        },
    )
