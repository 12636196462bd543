"""The measures a cohort computes by name: the summaries and every registered measure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import xarray as xr

from concordlab.compute import concordance, concordance_index, wlcc_summary
from concordlab.compute.registry import get_measure, measure_names
from concordlab.errors import ValidationError


def _index(session: xr.DataTree, channel: str | None, **params: Any) -> float | xr.DataArray:
    index = concordance_index(concordance(session, channel, **params))
    if "pair" in index.dims:  # one index per pair of a group session
        return xr.DataArray(
            index.values, dims="pair", coords={k: index[k] for k in _PAIR_COORDS}, name="index"
        )
    return float(index)


def _mean_concordance(
    session: xr.DataTree, channel: str | None, **params: Any
) -> float | xr.DataArray:
    result = concordance(session, channel, **params)
    if "pair" in result.dims:  # one mean per pair of a group session
        means = result.mean([dim for dim in result.dims if dim != "pair"])
        return xr.DataArray(
            means.values,
            dims="pair",
            coords={k: result[k] for k in _PAIR_COORDS},
            name="mean_concordance",
        )
    return float(result.mean())


_PAIR_COORDS = ("pair", "first", "second")


def _series(session: xr.DataTree, channel: str | None, **params: Any) -> xr.DataArray:
    return concordance(session, channel, **params)


def _lagged(session: xr.DataTree, channel: str | None, **params: Any) -> xr.DataArray:
    return concordance(session, channel, **_wlcc_params(params))


def _grand_mean(session: xr.DataTree, channel: str | None, **params: Any) -> float:
    lagged = concordance(session, channel, **_wlcc_params(params))
    return float(wlcc_summary(lagged)["grand_mean"])


def _wlcc_params(params: dict[str, Any]) -> dict[str, Any]:
    method = params.get("method", "wlcc")
    if method != "wlcc":
        raise ValidationError(
            f"The wlcc measures compute method 'wlcc' only, got method={method!r}; use "
            "measure='concordance' or 'index' for other methods."
        )
    return {**params, "method": "wlcc"}


MEASURES: dict[str, Callable[..., Any]] = {
    "index": _index,
    "mean_concordance": _mean_concordance,
    "concordance": _series,
    "wlcc": _lagged,
    "wlcc_grand_mean": _grand_mean,
}
"""Measures :func:`compute_cohort` knows by name, each a function of (session, channel,
**params), with the parameters of :func:`concordlab.concordance` (``method`` and the
chosen method's parameters): ``"index"`` (the session concordance index),
``"mean_concordance"`` (the mean of the series), ``"concordance"`` (the whole result of
any registered method) and, for method ``"wlcc"``, ``"wlcc"`` (time x lag) and
``"wlcc_grand_mean"`` (rMEA's session mean of the lagged cross-correlations, from
:func:`concordlab.wlcc_summary`). Every registered measure's name (see
:func:`concordlab.compute.registry.measure_names`) is a measure too: its whole result."""
SCALAR_MEASURES = ("index", "mean_concordance", "wlcc_grand_mean")
"""The measures of :data:`MEASURES` that give one number per session."""


def cohort_measures() -> list[str]:
    """Every name :func:`compute_cohort` takes: :data:`MEASURES` and the registry's.

    Examples
    --------
    >>> cohort_measures()  # doctest: +NORMALIZE_WHITESPACE
    ['concordance', 'index', 'kuramoto', 'mean_concordance', 'mean_pairwise', 'pearson',
     'rho', 'slope', 'wlcc', 'wlcc_grand_mean', 'wlcc_peak']
    """
    return sorted(set(MEASURES) | set(measure_names()))


def _resolve(measure: Any, params: dict[str, Any]) -> tuple[str, Callable[..., Any], dict]:
    """The measure's name and function, and its parameters checked once, up front."""
    if callable(measure) and not isinstance(measure, str):
        return getattr(measure, "__name__", "measure"), measure, params
    if not isinstance(measure, str) or measure not in cohort_measures():
        raise ValidationError(
            f"Unknown measure {measure!r}; choose from {cohort_measures()} or pass a "
            "function f(session, channel, **params)."
        )
    if measure in MEASURES:
        name, function = measure, MEASURES[measure]
        if measure in ("wlcc", "wlcc_grand_mean"):
            params = _wlcc_params(params)
    else:
        if params.get("method", measure) != measure:
            raise ValidationError(
                f"measure={measure!r} is a method itself; give no other method, got "
                f"method={params['method']!r}."
            )
        name, function, params = measure, _series, {**params, "method": measure}
    method = params.get("method", "slope")
    # pairs are checked per session (each has its own persons)
    rest = {key: value for key, value in params.items() if key not in ("method", "pairs")}
    get_measure(method).check(rest, where=f"compute_cohort({name!r}, method={method!r})")
    return name, function, params
