"""One result builder for every measure: the values on the grid, and a fixed attrs schema.

Every measure's result carries, in ``attrs``: ``measure`` and ``method`` (the registered
name), every parameter as used (window and lags rounded to whole samples, in seconds),
``lag_convention``, ``channel``, ``persons``, ``session_id``, ``history`` (the channel's
preprocessing steps), ``sampling_rate``, ``units`` of the input and ``concordlab_version``.
:func:`reproduce` reads them back, so ``concordance(session, **reproduce(result))`` gives
the same result again.

Examples
--------
>>> import concordlab
>>> r = concordlab.concordance(concordlab.example_session(), method="pearson", window=20)
>>> sorted(reproduce(r).items())
[('channel', 'eda'), ('method', 'pearson'), ('min_valid', 0.5), ('step', 1.0), ('window', 20.0)]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from xarray.indexes import PandasIndex

from concordlab._version import __version__
from concordlab.compute._common import Group, Pair, as_attr
from concordlab.compute.grid import WindowGrid
from concordlab.errors import ValidationError

__all__ = ["ATTRS", "build_result", "labelled", "reproduce"]

ATTRS = (
    "measure",
    "method",
    "long_name",
    "channel",
    "persons",
    "session_id",
    "history",
    "lag_convention",
    "sampling_rate",
    "units",
    "concordlab_version",
)
"""The attrs every result has, besides its parameters (listed in ``attrs["parameters"]``)."""


def build_result(
    values: np.ndarray,
    grid: WindowGrid,
    pair: Pair | Group,
    *,
    measure: Any,
    params: dict[str, Any],
    long_name: str,
    name: str = "r",
    coords: dict[str, Any] | None = None,
) -> xr.DataArray:
    """``values`` (``(windows,)``, ``(windows, lags)`` or ``(windows, frequencies)``) as a
    result with the fixed schema.

    Parameters
    ----------
    values : numpy.ndarray
        One value per window, or per window and lag when the measure is lagged, or per
        window and value of its second dim (whose coordinate comes in ``coords``).
    grid : WindowGrid
        The grid the values were computed on (its coordinates are used).
    pair : Pair or Group
        The series they came from (channel, persons, session, history): two persons',
        or a group measure's N (``attrs["persons"]`` is then the group).
    measure : Measure
        The registered measure (its name and dims).
    params : dict
        Every parameter as used, keyed by the measure's parameter names.
    long_name : str
        What the values are, in words.
    name : str, default "r"
        The DataArray's name.
    coords : dict, optional
        Extra coordinates along ``time`` (e.g. a peak's lag), and the coordinate of a
        second dim other than ``lag`` (e.g. ``frequency``).

    Returns
    -------
    xarray.DataArray
    """
    lagged = measure.lagged
    # One value per window, or a second dim (lag, or another the measure declares).
    data = values if len(measure.dims) > 1 else np.asarray(values).reshape(-1)
    all_coords = grid.coords(pair, lagged=lagged)
    all_coords.update(coords or {})
    attrs = {
        "measure": measure.name,
        "method": measure.name,
        "long_name": long_name,
        "channel": pair.channel,
        "persons": list(pair.persons),
        "session_id": pair.session_id,
        "history": pair.history,
        "lag_convention": grid.lag_convention,
        "sampling_rate": pair.rate,
        "units": pair.units,
        "concordlab_version": __version__,
        "parameters": list(params),
        **{key: as_attr(value) for key, value in params.items()},
    }
    if coords and not all(isinstance(v, tuple) and len(v) == 3 for v in coords.values()):
        # any form xarray takes; (dim, values, attrs) tuples take the fast path below
        return xr.DataArray(data, dims=measure.dims, coords=all_coords, name=name, attrs=attrs)
    return labelled(data, measure.dims, all_coords, name=name, attrs=attrs)


def labelled(
    data: np.ndarray,
    dims: tuple[str, ...],
    coords: dict[str, tuple],
    *,
    name: str,
    attrs: dict[str, Any],
) -> xr.DataArray:
    """``xr.DataArray(data, dims=dims, coords=coords, name=name, attrs=attrs)``, built fast.

    ``coords`` maps names to ``(dim, values, attrs)`` tuples along one dim each (or a
    tuple of dims); the
    coordinates named like a dim get their index. The result is identical to xarray's own
    construction (a test checks it) at about a third of its cost, which is most of a
    short computation's fixed cost.

    Examples
    --------
    >>> r = labelled(np.zeros(2), ("time",), {"time": ("time", [0.5, 1.5], {"units": "s"})},
    ...              name="r", attrs={"measure": "pearson"})
    >>> r.identical(xr.DataArray(np.zeros(2), dims=("time",), name="r",
    ...     coords={"time": ("time", [0.5, 1.5], {"units": "s"})}, attrs={"measure": "pearson"}))
    True
    """
    variables: dict[str, xr.Variable] = {}
    indexes: dict[str, Any] = {}
    for key, (dim, values, coord_attrs) in coords.items():
        variable = _variable(dim if isinstance(dim, tuple) else (dim,), values, coord_attrs)
        if key == dim:
            array = variable.values
            if array.dtype.kind == "f":  # xarray's own checks skipped: a float index as is
                index = PandasIndex(
                    pd.Index(array, name=key, copy=False), key, array.dtype, fastpath=True
                )
            else:
                index = PandasIndex(pd.Index(array, name=key), key)
            variable = index.create_variables({key: variable})[key]
            indexes[key] = index
        variables[key] = variable
    data_variable = _variable(dims, data, attrs)
    return xr.DataArray(data_variable, coords=variables, name=name, indexes=indexes, fastpath=True)


def _variable(dims: tuple[str, ...], values: Any, attrs: dict[str, Any]) -> xr.Variable:
    """``xr.Variable(dims, values, dict(attrs))``; a numpy array of numbers is taken as it
    is (xarray's fastpath: the conversions it skips would leave such an array unchanged)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf" and values.ndim == len(dims):
        return xr.Variable(dims, values, dict(attrs), fastpath=True)
    return xr.Variable(dims, values, dict(attrs))


def reproduce(result: xr.DataArray | xr.Dataset) -> dict[str, Any]:
    """The arguments of :func:`concordlab.concordance` that computed ``result``.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.example_session()
    >>> r = concordlab.concordance(s, method="wlcc", window=30, step=10, max_lag=2)
    >>> again = concordlab.concordance(s, **reproduce(r))
    >>> bool(again.equals(r))
    True
    """
    attrs = getattr(result, "attrs", None)
    if not isinstance(attrs, dict) or "parameters" not in attrs or "method" not in attrs:
        raise ValidationError(
            "This is not a result of concordlab.concordance (its attrs name no method and "
            "parameters); only results computed by concordlab can be reproduced."
        )
    from concordlab.compute.registry import get_measure

    measure = get_measure(attrs["method"])
    names = np.atleast_1d(attrs["parameters"]).tolist()
    params: dict[str, Any] = {"method": measure.name, "channel": attrs["channel"]}
    if "pairs" in attrs:  # a result over pairs of a group session
        params["pairs"] = [str(pair) for pair in np.atleast_1d(attrs["pairs"]).tolist()]
    for name in names:
        value = attrs[name]
        parameter = measure.parameter(name)
        if parameter.optional and isinstance(value, str) and value == "":
            value = None
        elif isinstance(parameter.default, bool):  # stored as 0/1 (netCDF has no bool)
            value = bool(value)
        params[name] = value
    return params
