"""Concordance over time by any registered measure, and Marci's session concordance index."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from concordlab._docs import fill_doc
from concordlab.compute._common import PAIR_JOIN, group_from, pairs_of
from concordlab.compute.measures.slope import slopes
from concordlab.compute.registry import get_measure
from concordlab.errors import ValidationError

__all__ = ["concordance", "concordance_index", "over_pairs", "slopes"]


@fill_doc
def concordance(  # noqa: D417 (fill_doc writes the shared entries)
    session: xr.DataTree | xr.DataArray,
    channel: str | None = None,
    *,
    method: str = "slope",
    pairs: Any = None,
    **params: Any,
) -> xr.DataArray:
    """Concordance of the persons over windows, by any registered measure.

    ``method`` names a measure of the registry (:mod:`concordlab.compute.registry`);
    ``params`` are that measure's parameters, each checked, and a parameter the measure
    does not take is refused with a message naming the measures that take it.

    A dyadic measure on a two-person session gives one series (no ``pair`` dim). On a
    group session (N > 2 persons), or with ``pairs`` given, it runs over pairs: the
    result gains a leading ``pair`` dim labelled ``"first~second"``, with coordinates
    ``first`` and ``second`` along it, and each pair's values are those of the pair
    as its own two-person session (positive lag: the second of the pair follows the
    first). A group measure (``"kuramoto"``, ``"rho"``, ``"mean_pairwise"``) gives one
    series for all the persons, two or more. Built in:

    ``"slope"`` (Marci et al. 2007, the default)
        Each person's signal is turned into its local slope: the least-squares slope
        (units per second) over a centred window of ``slope_window`` seconds (rounded
        up to an odd number of samples), computed at every sample. Then the Pearson
        correlation of the two slope series in each window. Marci et al. describe
        slopes over 5 s and correlations over 15 s running windows; the 1 s step is
        our assumption, as is evaluating slopes at every sample.
        Parameters: ``window``, ``step``, ``slope_window``, ``min_valid``.
    ``"pearson"``
        Pearson correlation of the two signals' levels in each window, at lag 0.
        Parameters: ``window``, ``step``, ``min_valid``.
    ``"wlcc_peak"``
        Per window, the peak of the windowed lagged cross-correlation nearest lag 0
        (:func:`wlcc` with ``max_lag``/``lag_step`` then :func:`wlcc_peaks` within
        ``peak_search``); the peak's lag is kept as the coordinate ``peak_lag``
        (positive: the second person follows the first).
        Parameters: ``window``, ``step``, ``max_lag``, ``lag_step``, ``peak_search``,
        ``min_valid``.
    ``"wlcc"``
        The whole windowed lagged cross-correlation, dims ``(time, lag)``, as
        :func:`wlcc` (rMEA's ``MEAccf``). Parameters: ``window``, ``step``, ``max_lag``,
        ``lag_step``, ``fisher_z``, ``absolute``, ``min_valid``.
    ``"kuramoto"`` (a group measure)
        The Kuramoto order parameter of all the persons, ``|mean_k exp(i theta_k(t))|``
        averaged over each window, with each person's phase the angle of the analytic
        signal (Hilbert) of the centred series, as multiSyncPy's examples extract it.
        Parameters: ``window``, ``step``, ``min_valid``.
    ``"rho"`` (a group measure)
        Richardson et al.'s (2012) cluster-phase synchrony rho in each window,
        multiSyncPy's ``rho`` on the same phases. Parameters: ``window``, ``step``,
        ``min_valid``.
    ``"mean_pairwise"`` (a group measure)
        The mean over every pair of persons of ``pair_method``'s value in each window
        (pairs without a value left out; their number is the coordinate ``n_pairs``),
        the pair method's other parameters at their defaults. Parameters:
        ``pair_method``, ``window``, ``step``, ``min_valid``.

    Parameters
    ----------
    %(session)s
    %(channel)s
    method : str, default "slope"
        The measure; see above and :func:`concordlab.compute.registry.measure_names`.
    pairs : list of (str, str) or str, optional
        The pairs a dyadic measure runs over, each ``("first", "second")`` or
        ``"first~second"``: known persons, two different ones, no pair twice. Default:
        none for two persons (no ``pair`` dim), every pair ``i < j`` in session order for
        more. Recorded in ``attrs["pairs"]``.
    %(window)s
    %(step)s
    %(slope_window)s
    %(max_lag)s
    %(lag_step)s
    %(peak_search)s
    %(fisher_z)s
    %(absolute)s
    %(min_valid)s
    %(pair_method)s
    **params
        The chosen method's parameters, of those above.

    Returns
    -------
    xarray.DataArray
        Dims as the measure declares: ``time`` (window centres in seconds, with
        ``window_start``/``window_end``), and ``lag`` (seconds) for lagged measures;
        over pairs, a leading ``pair`` dim. In ``attrs``: the measure, every parameter
        as used, the lag convention, the channel, the persons involved, the session
        id, the channel's preprocessing history and the concordlab version (and the
        ``pairs``); ``concordance(session, **concordlab.compute.result.reproduce(result))``
        computes it again.

    Examples
    --------
    >>> import concordlab
    >>> coupled = concordlab.simulate_dyad(600, coupling=0.9, lag=0.0, turns=False, seed=3)
    >>> strangers = concordlab.simulate_dyad(600, coupling=0.0, turns=False, seed=3)
    >>> c = concordlab.concordance(coupled, method="slope")
    >>> c.dims, c.attrs["slope_window"]
    (('time',), 5.03125)
    >>> float(c.mean()) > float(concordlab.concordance(strangers, method="slope").mean())
    True
    >>> family = concordlab.simulate_group(4, duration=120, seed=3)
    >>> r = concordlab.concordance(family, method="pearson", pairs=["mother~child"])
    >>> r.dims, r["pair"].values.tolist(), r["second"].values.tolist()
    (('pair', 'time'), ['mother~child'], ['child'])
    """
    measure = get_measure(method)
    checked = measure.check(params, where=f"concordance(method={method!r})")
    if measure.group:
        if pairs is not None:
            raise ValidationError(
                f"method {method!r} is a group measure (one value for all the persons); it "
                "takes no pairs. Leave pairs out, or choose a dyadic method."
            )
        return measure.function(group_from(session, channel), **checked)
    group = group_from(session, channel)
    if pairs is None and len(group.persons) == 2:
        return measure.function(group.pair(0, 1), **checked)
    rows = pairs_of(pairs, group.persons)
    results = [measure.function(group.pair(i, j), **checked) for i, j in rows]
    return over_pairs(results, group.persons)


def over_pairs(results: list[xr.DataArray], persons: tuple[str, ...]) -> xr.DataArray:
    """Per-pair results of one measure stacked along a leading ``pair`` dim.

    ``pair`` is labelled ``"first~second"`` with coordinates ``first`` and ``second``;
    coordinates that differ between pairs (a peak's lag) gain the ``pair`` dim. In
    ``attrs``: ``persons`` every person involved (in the session's order), ``pairs`` the
    labels, and the lag convention for pairs.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.example_session()
    >>> one = concordlab.concordance(s, method="pearson")
    >>> both = over_pairs([one, one], ("patient", "therapist"))
    >>> both.dims, both.attrs["pairs"]
    (('pair', 'time'), ['patient~therapist', 'patient~therapist'])
    """
    labels = [f"{r.attrs['persons'][0]}{PAIR_JOIN}{r.attrs['persons'][1]}" for r in results]
    first = [str(r.attrs["persons"][0]) for r in results]
    second = [str(r.attrs["persons"][1]) for r in results]
    involved = [p for p in persons if p in first or p in second]
    stripped = [r.copy(deep=False) for r in results]
    for r in stripped:
        r.attrs = {}
    if "lag" in results[0].dims:  # its long name names the pair's persons
        generic = {"units": "s", "long_name": "lag (positive lag: the second person follows)"}
        stripped = [r.assign_coords(lag=r["lag"].assign_attrs(generic)) for r in stripped]
    # Per-window quantities of each pair (a peak's lag) gain the pair dim, even for one pair.
    shared = {"window_start", "window_end"}
    own = [name for name in results[0].coords if name not in set(results[0].dims) | shared]
    stacked = xr.concat(
        stripped,
        dim="pair",
        coords=own,
        compat="equals",
        join="exact",
        combine_attrs="drop",
    )
    stacked = stacked.assign_coords(
        pair=("pair", labels, {"long_name": "pair of persons (first~second)"}),
        first=("pair", first),
        second=("pair", second),
    )
    stacked.attrs = {
        **results[0].attrs,
        "persons": involved,
        "pairs": labels,
        "lag_convention": "positive lag: the second person of each pair (after '~') "
        "follows the first",
    }
    stacked.name = results[0].name
    return stacked


def concordance_index(result: xr.DataArray) -> xr.DataArray:
    """Marci's session concordance index: ``ln(sum of positive r / |sum of negative r|)``.

    Positive when windows of concordance outweigh windows of discordance. Computed over
    the finite values of a concordance series (or any array of correlations). When no
    value is negative the index is ``+inf``; when none is positive, ``-inf``; when there
    are neither (all zero or NaN), NaN. The sums and counts are in ``attrs``. A result
    over pairs (a ``pair`` dim) gives one index per pair, along ``pair``, with the sums and
    counts as coordinates along it.

    Examples
    --------
    >>> import xarray as xr
    >>> import concordlab
    >>> r = xr.DataArray([0.5, 0.3, -0.2, float("nan")], dims="time")
    >>> round(float(concordlab.concordance_index(r)), 6)   # ln(0.8 / 0.2)
    1.386294
    >>> float(concordlab.concordance_index(xr.DataArray([0.5, 0.1], dims="time")))
    inf
    >>> pairs = xr.DataArray([[0.5, -0.2], [0.1, 0.3]], dims=("pair", "time"),
    ...                      coords={"pair": ["a~b", "a~c"]})
    >>> concordlab.concordance_index(pairs).round(6).values.tolist()
    [0.916291, inf]
    """
    if not isinstance(result, xr.DataArray) or result.dtype.kind not in "iuf":
        what = type(result).__name__
        if isinstance(result, xr.DataArray):
            what = f"a DataArray of dtype {result.dtype}"
        raise ValidationError(
            f"Expected a concordance result (an xarray.DataArray of real numbers), got {what}."
        )
    if "pair" in result.dims:
        return _index_per_pair(result)
    values = result.values[np.isfinite(result.values)]
    positive = float(values[values > 0].sum())
    negative = float(-values[values < 0].sum())
    if positive > 0 and negative > 0:
        index = math.log(positive / negative)
    elif positive > 0:
        index = math.inf
    elif negative > 0:
        index = -math.inf
    else:
        index = math.nan
    return xr.DataArray(
        index,
        name="concordance_index",
        attrs={
            **{k: v for k, v in result.attrs.items() if k != "long_name"},
            "long_name": "session concordance index ln(sum r+ / |sum r-|) (Marci et al. 2007)",
            "sum_positive": positive,
            "sum_negative": -negative,
            "n_positive": int((values > 0).sum()),
            "n_negative": int((values < 0).sum()),
        },
    )


def _index_per_pair(result: xr.DataArray) -> xr.DataArray:
    """:func:`concordance_index` of each pair, along ``pair`` (sums and counts as
    coordinates)."""
    indexes = [concordance_index(result.isel(pair=i)) for i in range(result.sizes["pair"])]
    counts = ("sum_positive", "sum_negative", "n_positive", "n_negative")
    coords = {name: ("pair", [index.attrs[name] for index in indexes]) for name in counts}
    for name, coord in result.coords.items():
        if coord.dims == ("pair",):
            coords[name] = coord
    attrs = {k: v for k, v in indexes[0].attrs.items() if k not in counts}
    return xr.DataArray(
        [float(index) for index in indexes],
        dims="pair",
        coords=coords,
        name="concordance_index",
        attrs=attrs,
    )
