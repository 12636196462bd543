"""Concordance over time by any registered measure, and Marci's session concordance index."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from concordlab._docs import fill_doc
from concordlab.compute._common import pair_from
from concordlab.compute.measures.slope import slopes
from concordlab.compute.registry import get_measure
from concordlab.errors import ValidationError

__all__ = ["concordance", "concordance_index", "slopes"]


@fill_doc
def concordance(  # noqa: D417 (fill_doc writes the shared entries)
    session: xr.DataTree | xr.DataArray,
    channel: str | None = None,
    *,
    method: str = "slope",
    **params: Any,
) -> xr.DataArray:
    """Concordance of the two persons over windows, by any registered measure.

    ``method`` names a measure of the registry (:mod:`concordlab.compute.registry`);
    ``params`` are that measure's parameters, each checked, and a parameter the measure
    does not take is refused with a message naming the measures that take it. Built in:

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
    ``"susy"``
        Tschacher & Meier's Surrogate Synchrony per segment: the session is cut into
        segments of ``segment_length`` seconds; each segment's Fisher z of the
        cross-correlation, averaged over lags ``-max_lag .. max_lag`` (absolute values
        with ``absolute``), minus the mean of the same over the segment paired with
        every other segment of the second person (its surrogates); ``real_z`` and
        ``surrogate_z`` as coordinates. The session's SUSY effect size:
        :func:`susy`. Parameters: ``segment_length``, ``max_lag``, ``absolute``.
    ``"granger"``
        Per window, the Granger ssr F test in each direction, dims ``(time,
        direction)``: does one person's past ``order`` samples improve the prediction
        of the other's beyond its own past (``first->second``: the second follows the
        first, positive lag)? The p-values as the coordinate ``p_value``; side by side
        with the wlcc peaks: :func:`leader_follower`. Parameters: ``window``, ``step``,
        ``order``, ``min_valid``.
    ``"granger_lead"``
        Per window, Geweke's measure of linear feedback ``ln(SSR_restricted /
        SSR_unrestricted)`` of the ``granger`` test first->second minus second->first:
        positive when the first person leads (the second follows, positive lag); the
        two p-values as coordinates. Parameters: ``window``, ``step``, ``order``,
        ``min_valid``.

    Parameters
    ----------
    %(session)s
    %(channel)s
    method : str, default "slope"
        The measure; see above and :func:`concordlab.compute.registry.measure_names`.
    %(window)s
    %(step)s
    %(slope_window)s
    %(max_lag)s
    %(lag_step)s
    %(peak_search)s
    %(fisher_z)s
    %(absolute)s
    %(min_valid)s
    %(segment_length)s
    %(order)s
    **params
        The chosen method's parameters, of those above.

    Returns
    -------
    xarray.DataArray
        Dims as the measure declares: ``time`` (window centres in seconds, with
        ``window_start``/``window_end``), and ``lag`` (seconds) for lagged measures. In
        ``attrs``: the measure, every parameter as used, the lag convention, the
        channel, the session id, the channel's preprocessing history and the concordlab
        version; ``concordance(session, **concordlab.compute.result.reproduce(result))``
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
    """
    measure = get_measure(method)
    checked = measure.check(params, where=f"concordance(method={method!r})")
    return measure.function(pair_from(session, channel), **checked)


def concordance_index(result: xr.DataArray) -> xr.DataArray:
    """Marci's session concordance index: ``ln(sum of positive r / |sum of negative r|)``.

    Positive when windows of concordance outweigh windows of discordance. Computed over
    the finite values of a concordance series (or any array of correlations). When no
    value is negative the index is ``+inf``; when none is positive, ``-inf``; when there
    are neither (all zero or NaN), NaN. The sums and counts are in ``attrs``.

    Examples
    --------
    >>> import xarray as xr
    >>> import concordlab
    >>> r = xr.DataArray([0.5, 0.3, -0.2, float("nan")], dims="time")
    >>> round(float(concordlab.concordance_index(r)), 6)   # ln(0.8 / 0.2)
    1.386294
    >>> float(concordlab.concordance_index(xr.DataArray([0.5, 0.1], dims="time")))
    inf
    """
    if not isinstance(result, xr.DataArray) or result.dtype.kind not in "iuf":
        what = type(result).__name__
        if isinstance(result, xr.DataArray):
            what = f"a DataArray of dtype {result.dtype}"
        raise ValidationError(
            f"Expected a concordance result (an xarray.DataArray of real numbers), got {what}."
        )
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
