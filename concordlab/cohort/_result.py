"""The result of a measure over a cohort: values with a session dim, a tidy table, failures."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from concordlab.compute._common import PAIR_JOIN
from concordlab.errors import ValidationError


@dataclass(frozen=True)
class CohortResult:
    """A measure computed over a cohort.

    Attributes
    ----------
    values : xarray.DataArray
        The measure with a leading ``session`` dimension (failed sessions left out) and
        the cohort's metadata and ratings as ``session`` coordinates.
    table : pandas.DataFrame
        The cohort table (metadata and ratings) of the sessions computed.
    errors : pandas.DataFrame
        One row per failed session: ``error`` (type and message) and ``detail`` (the
        traceback).
    measure : str
        The measure's name; ``params`` its parameters; ``seconds`` the wall time.
    """

    values: xr.DataArray
    table: pd.DataFrame
    errors: pd.DataFrame
    measure: str
    params: dict = field(default_factory=dict)
    seconds: float = math.nan

    def to_frame(self) -> pd.DataFrame:
        """The values as a tidy table: one row per session (and time, lag), with metadata.

        Examples
        --------
        >>> import concordlab
        >>> cohort = concordlab.open_cohort(concordlab.simulate_cohort(3, duration=120))
        >>> frame = cohort.compute("index", progress=False).to_frame()
        >>> frame.columns.tolist()[:3]
        ['session', 'index', 'dyad']
        >>> len(frame)
        3
        """
        values = self.values.reset_coords(drop=True)
        frame = values.to_dataframe(name=self.measure).reset_index()
        # A metadata column named like one of the measure's dimensions gets a prefix.
        table = self.table.rename(
            columns={column: f"session_{column}" for column in self.table if column in frame}
        )
        return frame.merge(table, left_on="session", right_index=True, how="left")

    def __repr__(self) -> str:
        failed = f", {len(self.errors)} failed" if len(self.errors) else ""
        return (
            f"<CohortResult {self.measure!r}: {self.values.sizes.get('session', 0)} "
            f"session(s){failed}, dims {dict(self.values.sizes)}>"
        )


def _stack(done: list[tuple[str, Any]], name: str) -> xr.DataArray:
    keys = [key for key, _ in done]
    first = done[0][1]
    if isinstance(first, float):
        return xr.DataArray(
            np.array([value for _, value in done], dtype=float),
            dims="session",
            coords={"session": keys},
            name=name,
        )
    arrays = []
    # Sessions of groups give a pair dim: a dyad's result is then its one pair (not
    # broadcast over the groups' pairs).
    paired = any(isinstance(value, xr.DataArray) and "pair" in value.dims for _, value in done)
    for key, value in done:
        if isinstance(value, xr.Dataset):
            raise ValidationError(
                "The measure returned a Dataset; return one DataArray or number per session."
            )
        if not isinstance(value, xr.DataArray):
            raise ValidationError(
                f"Session '{key}' gave {type(value).__name__} where the others gave arrays."
            )
        # Scalar labels (channel, parameters) would clash across sessions; coordinates
        # along the measure's dimensions (window_start, window_end) are kept.
        plain = value.drop_vars([name for name, coord in value.coords.items() if coord.ndim == 0])
        if paired:  # first and second come back from the labels after the stacking
            plain = (plain if "pair" in plain.dims else _as_one_pair(plain)).drop_vars(
                ["first", "second"], errors="ignore"
            )
        arrays.append(plain.expand_dims(session=[key]))
    stacked = xr.concat(arrays, dim="session", join="outer", combine_attrs="drop_conflicts")
    stacked.name = name
    if paired:
        labels = [str(label).split(PAIR_JOIN, 1) for label in stacked["pair"].values]
        stacked = stacked.assign_coords(
            first=("pair", [first for first, _ in labels]),
            second=("pair", [second for _, second in labels]),
        )
    return stacked


def _as_one_pair(value: xr.DataArray) -> xr.DataArray:
    """A two-person result as a result over its one pair (``pair`` = "first~second")."""
    persons = [str(p) for p in np.atleast_1d(value.attrs.get("persons", ["0", "1"]))]
    if len(persons) != 2:
        raise ValidationError(
            "Some sessions gave results over pairs and this one neither a pair dim nor two "
            f"persons (it has {persons}); compute a group measure or pairs for every session."
        )
    first, second = persons
    return value.expand_dims(pair=[f"{first}{PAIR_JOIN}{second}"]).assign_coords(
        first=("pair", [first]), second=("pair", [second])
    )
