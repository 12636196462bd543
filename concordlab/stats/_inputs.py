"""Input coercion for :mod:`concordlab.stats`: one value per session, matched on ids.

Series, dicts and 1-D DataArrays are matched on their ids, plain array-likes by
position (:func:`_align`); values become float64 with NaN for anything missing or not
finite (:func:`_numbers`); sessions left out are reported once (:func:`_report`).
Pseudo-dyad values, with their pairs when known, are read by :func:`_read_pseudo`.
"""

from __future__ import annotations

import numbers
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from concordlab.errors import ValidationError

_PAIR_ID = re.compile(
    r"^(?P<first>.+):(?P<first_role>[^:+]+)\+(?P<second>.+):(?P<second_role>[^:+]+)$"
)


@dataclass(frozen=True)
class _Input:
    series: pd.Series
    labelled: bool  # indexed by ids (matched on ids) rather than by position
    name: str


def _as_input(value: Any, role: str, function: str) -> _Input:
    what = (
        "one value per session: a pandas Series indexed by session id, a dict of id to "
        "value, a 1-D xarray.DataArray or a 1-D array-like"
    )
    if isinstance(value, xr.DataArray):
        if value.ndim != 1:
            raise ValidationError(
                f"{function}: {role} must be {what}; got a DataArray with dims {value.dims}."
            )
        labelled = value.dims[0] in value.coords
        series = value.to_series()
    elif isinstance(value, pd.DataFrame):
        if value.shape[1] != 1:
            raise ValidationError(
                f"{function}: {role} must be {what}; got a DataFrame with columns "
                f"{list(value.columns)[:6]}. Pick one, e.g. table[{str(value.columns[0])!r}]."
            )
        series, labelled = value.iloc[:, 0], True
    elif isinstance(value, pd.Series):
        series, labelled = value, True
    elif isinstance(value, Mapping):
        series, labelled = pd.Series(dict(value), dtype=None if value else float), True
    elif isinstance(value, str | bytes) or np.ndim(value) != 1:
        raise ValidationError(f"{function}: {role} must be {what}; got {type(value).__name__}.")
    else:
        series, labelled = pd.Series(list(value)), False
    name = series.name
    name = role if name is None or (isinstance(name, str) and not name.strip()) else str(name)
    return _Input(series=series, labelled=labelled, name=name)


def _check_unique(part: _Input, role: str, function: str) -> None:
    index = part.series.index
    if part.labelled and index.has_duplicates:
        repeated = list(index[index.duplicated()].unique()[:5])
        raise ValidationError(
            f"{function}: {role} has repeated ids {repeated}; give one value per session "
            f"id (e.g. average the repeats with {role}.groupby(level=0).mean())."
        )


def _align(inputs: dict[str, Any], function: str) -> tuple[pd.DataFrame, dict[str, str], int]:
    """The inputs side by side (one column per role, index = ids), their names and the
    number of ids found in only some of them."""
    parts = {role: _as_input(value, role, function) for role, value in inputs.items()}
    roles = list(parts)
    for role, part in parts.items():
        _check_unique(part, role, function)
    names = {role: part.name for role, part in parts.items()}
    if all(part.labelled for part in parts.values()):
        common = parts[roles[0]].series.index
        for role in roles[1:]:
            common = common[common.isin(parts[role].series.index)]
        every = set()
        for part in parts.values():
            every.update(part.series.index)
        if len(common) == 0:
            examples = "; ".join(
                f"{role} has ids like {list(part.series.index[:3])}" for role, part in parts.items()
            )
            raise ValidationError(
                f"{function}: {' and '.join(roles)} share no session ids ({examples}). Index "
                "them by the same ids, or pass plain arrays (e.g. "
                f"{roles[0]}.to_numpy()) to match them by position."
            )
        frame = pd.DataFrame(
            {role: part.series.reindex(common).to_numpy() for role, part in parts.items()},
            index=common,
        )
        return frame, names, len(every) - len(common)
    lengths = {role: len(part.series) for role, part in parts.items()}
    if len(set(lengths.values())) > 1:
        raise ValidationError(
            f"{function}: {' and '.join(roles)} have different lengths {lengths}; without ids "
            "to match on they must hold one value per session each, in the same order. Give "
            "pandas Series indexed by session id to match them on ids."
        )
    labelled = [part for part in parts.values() if part.labelled]
    n = next(iter(lengths.values()))
    index = labelled[0].series.index if labelled else pd.RangeIndex(n)
    frame = pd.DataFrame(
        {role: part.series.to_numpy() for role, part in parts.items()}, index=index
    )
    return frame, names, 0


def _numbers(column: pd.Series, role: str, function: str) -> np.ndarray:
    """Float64 values, NaN where missing or not finite; an error for anything else."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise ValidationError(
            f"{function}: {role} must hold numbers, got booleans; for groups use "
            "compare_groups(values, groups)."
        )
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        raw = column.to_numpy(dtype=object)
        for key, value in zip(column.index, raw, strict=True):
            if value is None or value is pd.NA:
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValidationError(
                    f"{function}: {role} must hold numbers (NaN for missing); found "
                    f"{value!r} ({type(value).__name__}) at id {key!r}. If these are numbers "
                    f"written as text, convert them first, e.g. pd.to_numeric({role})."
                )
        values = np.array(
            [np.nan if v is None or v is pd.NA else float(v) for v in raw], dtype=np.float64
        )
    values = values.copy()
    values[~np.isfinite(values)] = np.nan
    return values


def _report(function: str, dropped: dict[str, int], n: int, roles: str, stacklevel: int) -> None:
    parts = []
    if dropped.get("unmatched"):
        parts.append(f"{dropped['unmatched']} id(s) found in only some of {roles}")
    if dropped.get("missing"):
        parts.append(f"{dropped['missing']} with a missing (NaN or infinite) value")
    if dropped.get("other_groups"):
        parts.append(f"{dropped['other_groups']} in groups not compared")
    if dropped.get("pseudo_missing"):
        parts.append(f"{dropped['pseudo_missing']} pseudo-dyad(s) with a missing value")
    if parts:
        warnings.warn(
            f"{function}: left out {'; '.join(parts)}; {n} remain. result.dropped counts them.",
            UserWarning,
            stacklevel=stacklevel + 1,
        )


def _matched_values(
    inputs: dict[str, Any], function: str, unit: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, str], dict[str, int]]:
    """Two measures of the same sessions (or dyads), matched, with the missing left out.

    Returns the two value arrays, their ids, the inputs' names and the counts of what was
    left out (``unmatched``, ``missing``); fewer than 3 complete ``unit`` are refused.
    """
    first_role, second_role = inputs
    frame, names, unmatched = _align(inputs, function)
    a = _numbers(frame[first_role], first_role, function)
    b = _numbers(frame[second_role], second_role, function)
    keep = np.isfinite(a) & np.isfinite(b)
    dropped = {"unmatched": unmatched, "missing": int((~keep).sum())}
    a, b, ids = a[keep], b[keep], frame.index.to_numpy()[keep]
    if a.size < 3:
        raise ValidationError(
            f"{function} needs at least 3 {unit} with both values, got {a.size}"
            f"{' after leaving out missing values' if dropped['missing'] else ''}."
        )
    return a, b, ids, names, dropped


def _frozen(values: Any, dtype: Any = None) -> np.ndarray:
    array = np.array(values, dtype=dtype, copy=True)
    array.setflags(write=False)
    return array


def _flat(values: np.ndarray) -> bool:
    return bool(values.size == 0 or np.ptp(values) == 0)


# --------------------------------------------------------------------------- pseudo-dyads


@dataclass(frozen=True)
class _Pseudo:
    """Pseudo-dyad values: a dyads x dyads matrix (first person's dyad x second person's
    dyad, diagonal unused) when the pairs are known, else plain values."""

    matrix: np.ndarray | None
    dyads: list[Any] | None
    values: np.ndarray
    ids: np.ndarray
    name: str | None
    # Without roles kept: people x people values (symmetric, NaN where absent), the
    # people as (dyad, role) and each dyad's two people's rows.
    people: np.ndarray | None = None
    persons: list[tuple[Any, Any]] | None = None


def _pairs_to_matrix(
    firsts: list[Any], seconds: list[Any], values: np.ndarray, name: Any, function: str
) -> _Pseudo:
    keys = list(zip(firsts, seconds, strict=True))
    if len(set(keys)) < len(keys):
        repeated = [key for key in dict.fromkeys(keys) if keys.count(key) > 1][:3]
        raise ValidationError(
            f"{function}: pseudo lists the pair(s) {repeated} more than once; give one value "
            "per (first person's dyad, second person's dyad)."
        )
    dyads = list(dict.fromkeys([*firsts, *seconds]))
    position = {dyad: k for k, dyad in enumerate(dyads)}
    matrix = np.full((len(dyads), len(dyads)), np.nan)
    rows = np.array([position[f] for f in firsts], dtype=np.intp)
    cols = np.array([position[s] for s in seconds], dtype=np.intp)
    matrix[rows, cols] = values
    np.fill_diagonal(matrix, np.nan)
    return _Pseudo(matrix, dyads, values, np.array([], dtype=object), name)


def _cross_pairs(
    firsts: list, seconds: list, values: np.ndarray
) -> tuple[list, list, np.ndarray] | None:
    """The pairs of people from different dyads, or None if a dyad is paired with itself.

    Self pairs without a value (NaN) are dropped: they are the empty diagonal that a
    stacked pseudo-dyad matrix keeps (pandas 3 ``stack`` keeps NaN).
    """
    itself = np.array([f == s for f, s in zip(firsts, seconds, strict=True)], dtype=bool)
    if np.any(itself & ~np.isnan(values)):
        return None
    keep = ~itself
    return (
        [f for f, k in zip(firsts, keep, strict=True) if k],
        [s for s, k in zip(seconds, keep, strict=True) if k],
        values[keep],
    )


def _people_matrix(
    matches: list[re.Match], values: np.ndarray
) -> tuple[np.ndarray, list[Any], list[tuple[Any, Any]]] | None:
    """Pairs of people without roles kept: the symmetric people x people values, the
    dyads and the people ((dyad, role), two per dyad, in dyad order), or None unless
    every dyad has exactly two people and no pair is listed twice."""
    ends = [((m["first"], m["first_role"]), (m["second"], m["second_role"])) for m in matches]
    persons = sorted({person for pair in ends for person in pair}, key=str)
    dyads = list(dict.fromkeys(dyad for dyad, _ in persons))
    if len(persons) != 2 * len(dyads):
        return None
    persons = [person for dyad in dyads for person in persons if person[0] == dyad]
    row = {person: k for k, person in enumerate(persons)}
    matrix = np.full((len(persons), len(persons)), np.nan)
    for (a, b), value in zip(ends, values, strict=True):
        i, j = row[a], row[b]
        if i // 2 == j // 2 or np.isfinite(matrix[i, j]):
            return None
        matrix[i, j] = matrix[j, i] = value
    return matrix, dyads, persons


def _read_pseudo(pseudo: Any, function: str) -> _Pseudo:
    if isinstance(pseudo, pd.DataFrame) and pseudo.shape[1] > 1:
        rows, cols = list(pseudo.index), list(pseudo.columns)
        if pseudo.index.has_duplicates or pseudo.columns.has_duplicates or set(rows) != set(cols):
            raise ValidationError(
                f"{function}: a pseudo-dyad matrix needs the same dyad ids once each as rows "
                "(the dyad of the first person, e.g. the patient) and as columns (the dyad of "
                f"the second person); rows only: {sorted(map(str, set(rows) - set(cols)))[:5]}, "
                f"columns only: {sorted(map(str, set(cols) - set(rows)))[:5]}."
            )
        stacked = pseudo.loc[rows, rows].stack(future_stack=True)
        values = _numbers(stacked.reset_index(drop=True), "pseudo", function)
        firsts = list(stacked.index.get_level_values(0))
        seconds = list(stacked.index.get_level_values(1))
        off = np.array([f != s for f, s in zip(firsts, seconds, strict=True)])
        return _pairs_to_matrix(
            [f for f, o in zip(firsts, off, strict=True) if o],
            [s for s, o in zip(seconds, off, strict=True) if o],
            values[off],
            None,
            function,
        )
    part = _as_input(pseudo, "pseudo", function)
    series = part.series
    values = _numbers(series.reset_index(drop=True), "pseudo", function)
    name = part.name if part.name != "pseudo" else None
    if part.labelled and isinstance(series.index, pd.MultiIndex):
        if series.index.nlevels != 2:
            raise ValidationError(
                f"{function}: a pseudo Series with a MultiIndex needs two levels (the dyad of "
                f"the first person, the dyad of the second); got {series.index.nlevels}."
            )
        firsts = list(series.index.get_level_values(0))
        seconds = list(series.index.get_level_values(1))
        pairs = _cross_pairs(firsts, seconds, values)
        if pairs is None:
            raise ValidationError(
                f"{function}: pseudo holds a pair of a dyad with itself (a real dyad); "
                "give only pairs of people from different dyads."
            )
        return _pairs_to_matrix(*pairs, name, function)
    if part.labelled and len(series) and all(isinstance(key, str) for key in series.index):
        matches = [_PAIR_ID.match(key) for key in series.index]
        if all(matches):
            roles = {(m["first_role"], m["second_role"]) for m in matches if m}
            firsts = [m["first"] for m in matches if m]
            seconds = [m["second"] for m in matches if m]
            pairs = _cross_pairs(firsts, seconds, values)
            if len(roles) == 1 and pairs is not None:
                return _pairs_to_matrix(*pairs, name, function)
            if pairs is not None:
                people = _people_matrix(matches, values)
                if people is not None:
                    matrix, dyads, persons = people
                    ids = series.index.to_numpy(dtype=object)
                    return _Pseudo(None, dyads, values, ids, name, matrix, persons)
    ids = series.index.to_numpy(dtype=object) if part.labelled else np.arange(len(series))
    return _Pseudo(None, None, values, ids, name)
