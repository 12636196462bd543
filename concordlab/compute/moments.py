"""Moments of high and low concordance, and concordance per segment group.

Two questions Marci et al. (2007) asked of a session's concordance series:

- *Where* is concordance highest or lowest? :func:`moments` finds the ``n`` best
  non-overlapping spans (for video review); :func:`add_moments` stores them in the
  session as segments.
- *When* is it higher or lower? :func:`by_segment` summarises the series per group of
  segments (e.g. while the therapist talks, while the patient talks) with the mean
  difference to all other windows, Cohen's d and a moving-block bootstrap confidence
  interval for d.

Both take a concordance series as returned by :func:`concordlab.concordance`: one value
per window along dim ``time`` (window centres in seconds since session start) with the
coordinates ``window_start`` and ``window_end`` (seconds). Non-finite values count as
missing.

References
----------
Marci, C. D., Ham, J., Moran, E., & Orr, S. P. (2007). Physiologic correlates of
perceived therapist empathy and social-emotional process during psychotherapy.
*J Nerv Ment Dis*, 195(2), 103-111.

Künsch, H. R. (1989). The jackknife and the bootstrap for general stationary
observations. *Ann Stat*, 17(3), 1217-1241.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from concordlab._checks import SECONDS, Integer, Text, check_seed
from concordlab._deprecate import REMOVED_IN
from concordlab._inference import cohen_d
from concordlab._segments_schema import ALL, BOTH, JOIN
from concordlab.compute._common import CONFIDENCE, MAX_DRAWS, POSITIVE_SECONDS, as_attr
from concordlab.errors import ValidationError
from concordlab.segments import SEGMENT_COLUMNS, segments, set_segments
from concordlab.session import get_result, persons, time_span, validate_session

__all__ = ["KINDS", "add_moments", "by_segment", "moments"]

KINDS = ("high", "low")
MOMENT_COLUMNS = (*SEGMENT_COLUMNS, "score", "rank")
# Bootstrap draws are expanded to window indices in chunks of about this many cells.
_CHUNK_CELLS = 500_000
D_FORMULA = (
    "d = (mean_in - mean_out) / s_pooled, "
    "s_pooled = sqrt(((n_in - 1) sd_in^2 + (n_out - 1) sd_out^2) / (n_in + n_out - 2)), "
    "sd with ddof=1"
)


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class _Series:
    """A concordance series, sorted by window centre, with what the functions need."""

    time: np.ndarray  # window centres (s), strictly increasing
    values: np.ndarray  # float64, NaN where missing or not finite
    first: float  # earliest window start (s)
    last: float  # latest window end (s)
    window: float  # window length (s), median of window_end - window_start
    step: float  # median spacing of the centres (s); NaN for a single window
    name: str  # what the values are, e.g. "r"
    attrs: dict[str, Any]


def _series(result: Any, function: str) -> _Series:
    what = (
        "a concordance series: an xarray.DataArray with dim 'time' and coordinates "
        "'window_start'/'window_end', as concordlab.concordance returns"
    )
    if not isinstance(result, xr.DataArray):
        raise ValidationError(f"{function} expects {what}; got {type(result).__name__}.")
    if result.dims != ("time",):
        if "lag" in result.dims:
            hint = (
                "pick one lag, e.g. result.sel(lag=0), or use "
                "concordlab.concordance(session, method='wlcc_peak')"
            )
        else:
            hint = "select or average over the other dims first"
        raise ValidationError(
            f"{function} expects a series along 'time' only, got dims {result.dims}; {hint}."
        )
    missing = [c for c in ("window_start", "window_end") if c not in result.coords]
    if missing:
        raise ValidationError(
            f"{function}: the series lacks the coordinate(s) {missing}. Give each window's "
            "edges in seconds along 'time', e.g. result.assign_coords(window_start=('time', "
            "starts), window_end=('time', ends)), or use the output of concordlab.concordance."
        )
    if result.sizes["time"] == 0:
        raise ValidationError(
            f"{function}: the series has no windows; compute it over a longer recording or "
            "with a shorter window."
        )
    arrays = {}
    for name in ("time", "window_start", "window_end"):
        coordinate = result.coords[name]
        if coordinate.dims != ("time",):
            raise ValidationError(
                f"{function}: coordinate '{name}' must lie along 'time', got dims "
                f"{coordinate.dims}."
            )
        try:
            array = np.asarray(coordinate.values, dtype=np.float64)
        except (TypeError, ValueError):
            array = np.array([np.nan])
        if not np.isfinite(array).all():
            raise ValidationError(
                f"{function}: coordinate '{name}' must hold finite numbers of seconds since "
                "session start."
            )
        arrays[name] = array
    try:
        values = np.array(result.values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(
            f"{function}: the series' values must be numbers (NaN for missing), got dtype "
            f"{result.dtype}."
        ) from None
    time, start, end = arrays["time"], arrays["window_start"], arrays["window_end"]
    if not (end > start).all():
        raise ValidationError(
            f"{function}: every window_end must be after its window_start; check the "
            "series' coordinates."
        )
    order = np.argsort(time, kind="stable")
    time, values, start, end = time[order], values[order], start[order], end[order]
    if (np.diff(time) == 0).any():
        raise ValidationError(
            f"{function}: the series has repeated window centres along 'time'; drop the "
            "duplicates, e.g. result.drop_duplicates('time')."
        )
    values[~np.isfinite(values)] = np.nan
    return _Series(
        time=time,
        values=values,
        first=float(start.min()),
        last=float(end.max()),
        window=float(np.median(end - start)),
        step=float(np.median(np.diff(time))) if time.size > 1 else math.nan,
        name=str(result.name) if result.name not in (None, "") else "concordance",
        attrs=dict(result.attrs),
    )


# How many moments one call may ask for (far more than any series has windows of).
_MOMENTS = Integer(low=1, high=MAX_DRAWS, example="5")
_N_BOOT = Integer(low=0, high=MAX_DRAWS, example="2000")
_LABEL = Text(non_empty=True)


def _kind(kind: Any) -> str:
    if kind not in KINDS:
        raise ValidationError(
            f"kind must be 'high' (moments of highest concordance) or 'low' (lowest), got {kind!r}."
        )
    return str(kind)


def _span_scores(time: np.ndarray, values: np.ndarray, duration: float) -> np.ndarray:
    """Mean of the valid values whose centre lies within ``duration / 2`` of each centre.

    Cumulative sums over the (sorted) centres and two binary searches: O(n log n) for any
    grid, a uniform filter of odd width on a regular one. NaN where no valid value is in
    the span.
    """
    tolerance = 1e-9 * max(1.0, float(np.abs(time).max()))
    valid = ~np.isnan(values)
    reference = float(values[valid].mean()) if valid.any() else 0.0
    sums = np.concatenate([[0.0], np.cumsum(np.where(valid, values - reference, 0.0))])
    counts = np.concatenate([[0], np.cumsum(valid)])
    low = np.searchsorted(time, time - duration / 2 - tolerance, side="left")
    high = np.searchsorted(time, time + duration / 2 + tolerance, side="right")
    count = counts[high] - counts[low]
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = (sums[high] - sums[low]) / count + reference
    scores[count == 0] = np.nan
    return scores


def _greedy(
    key: np.ndarray, starts: np.ndarray, ends: np.ndarray, n: int, min_gap: float
) -> list[int]:
    """Indices of up to ``n`` spans, largest ``key`` first, pairwise at least ``min_gap`` apart.

    Ties go to the earlier span. A span is available while its key is finite and its gap to
    every chosen span (start of the later minus end of the earlier; negative if they
    overlap) is at least ``min_gap``.
    """
    tolerance = 1e-9 * max(1.0, float(np.abs(ends).max()))
    available = np.isfinite(key)
    if available.any():
        # Scores equal but for cumulative-sum rounding count as ties (the earlier wins).
        scale = float(np.abs(key[available]).max())
        if scale > 0:
            key = np.round(key / scale * 1e12)
    masked = np.where(available, key, -np.inf)
    chosen: list[int] = []
    while len(chosen) < n and available.any():
        best = int(np.argmax(masked))
        chosen.append(best)
        gap = np.maximum(starts - ends[best], starts[best] - ends)
        available &= gap >= min_gap - tolerance
        masked[~available] = -np.inf
    return chosen


def _find_moments(
    result: Any,
    kind: Any,
    n: Any,
    duration: Any,
    min_gap: Any,
    label: Any,
    function: str,
) -> tuple[pd.DataFrame, str]:
    """The moments table and, if fewer than ``n`` were found, the warning to give."""
    series = _series(result, function)
    kind = _kind(kind)
    n = _MOMENTS.check(n, "n")
    if duration is None:
        duration = series.window
    else:
        duration = POSITIVE_SECONDS.check(duration, "duration")
    min_gap = SECONDS.check(min_gap, "min_gap")
    label = f"{kind} concordance" if label is None else _LABEL.check(label, "label")
    scores = _span_scores(series.time, series.values, duration)
    starts = np.maximum(series.time - duration / 2, series.first)
    ends = np.minimum(series.time + duration / 2, series.last)
    chosen = _greedy(scores if kind == "high" else -scores, starts, ends, n, min_gap)
    ranks = np.arange(1, len(chosen) + 1)
    table = pd.DataFrame(
        {
            "start": starts[chosen],
            "end": ends[chosen],
            "label": pd.Series([label] * len(chosen), dtype=object),
            "person": pd.Series([_concerned(result)] * len(chosen), dtype=object),
            "note": pd.Series(
                [
                    f"mean {series.name} = {scores[i]:.2f}, rank {rank}"
                    for i, rank in zip(chosen, ranks, strict=True)
                ],
                dtype=object,
            ),
            "score": scores[chosen],
            "rank": ranks,
        }
    )
    message = ""
    if len(chosen) < n:
        message = (
            f"Only {len(chosen)} of the {n} requested {kind}-concordance moments fit "
            f"(duration {duration:g} s, min_gap {min_gap:g} s, "
            f"{int((~np.isnan(series.values)).sum())} valid windows over "
            f"{series.first:g}-{series.last:g} s); returning {len(chosen)}. Ask for fewer, "
            "or use a shorter duration or min_gap."
        )
    return table, message


def moments(
    result: xr.DataArray,
    kind: str = "high",
    n: int = 5,
    duration: float | None = None,
    min_gap: float = 0.0,
    label: str | None = None,
) -> pd.DataFrame:
    """The ``n`` non-overlapping moments of highest (or lowest) concordance in a series.

    Candidate moments are spans of ``duration`` seconds centred on each window centre
    of the series, clipped to the span the series covers (from its first
    ``window_start`` to its last ``window_end``), so moments never leave the recording.
    A moment's **score** is the mean of the valid (finite) values of the windows whose
    centres lie in the span, ends included; the score does not depend on the clipping,
    since no centre lies in a clipped part. Spans without a valid window are never
    chosen. Scores of all candidates come from one cumulative sum (a uniform filter over
    the window grid).

    Selection is greedy, best first: the best-scoring candidate is taken (ties go to
    the earlier one), every candidate that overlaps it or comes closer to it than
    ``min_gap`` seconds (end of the earlier to start of the later) is dropped, and so on
    until ``n`` moments are chosen or none is left.

    Parameters
    ----------
    result : xarray.DataArray
        A concordance series: dim ``time`` (window centres, s) with coordinates
        ``window_start`` and ``window_end``, e.g. from :func:`concordlab.concordance`.
    kind : {"high", "low"}, default "high"
        Find the highest-scoring moments (concordance) or the lowest (discordance).
    n : int, default 5
        How many moments to find, at least 1.
    duration : float, optional
        Length of a moment in seconds; default one window (``window_end -
        window_start``). A moment of one window's length averages the windows whose
        centres lie within half a window of its centre.
    min_gap : float, default 0.0
        Least time in seconds between two moments; 0 allows moments that touch.
    label : str, optional
        Segment label of the moments; default ``"high concordance"`` or
        ``"low concordance"``.

    Returns
    -------
    pandas.DataFrame
        One row per moment, best first, with the segment columns ``start``, ``end``
        (s), ``label``, ``person`` (``"both"``) and ``note`` (e.g. ``"mean r = 0.83,
        rank 1"``) plus ``score`` (the mean concordance) and ``rank`` (1 = best).
        :func:`concordlab.set_segments` reads only the segment columns and ignores the
        rest, so ``set_segments(session, pd.concat([segments(session), table]))`` adds
        the moments to a session; :func:`add_moments` does it in one call.

    Warns
    -----
    UserWarning
        If fewer than ``n`` moments fit (too few valid windows, or ``min_gap`` too
        large); the moments that exist are returned.

    Raises
    ------
    ValidationError
        If ``result`` is not a concordance series, ``kind`` is not ``"high"``/``"low"``,
        ``n < 1``, ``duration`` is not positive or ``min_gap`` is negative.

    See Also
    --------
    add_moments : Store the moments as segments of a session.
    by_segment : Concordance per segment group.

    Examples
    --------
    A series of 4-s windows every second with a bump at 30 s and a dip at 60 s:

    >>> import numpy as np, xarray as xr
    >>> from concordlab.compute.moments import moments
    >>> centre = np.arange(2.0, 99.0)
    >>> r = 0.9 * np.exp(-(((centre - 30) / 4) ** 2)) - 0.6 * np.exp(-(((centre - 60) / 4) ** 2))
    >>> series = xr.DataArray(r, dims="time", name="r", coords={
    ...     "time": centre, "window_start": ("time", centre - 2),
    ...     "window_end": ("time", centre + 2)})
    >>> moments(series, n=1)
       start   end             label person                   note     score  rank
    0   28.0  32.0  high concordance   both  mean r = 0.80, rank 1  0.798557     1
    >>> moments(series, kind="low", n=1)[["start", "end", "score"]].round(2)
       start   end  score
    0   58.0  62.0  -0.53

    On a simulated session:

    >>> import concordlab
    >>> s = concordlab.simulate_dyad(180, channels=("eda",), seed=7)
    >>> c = concordlab.concordance(s, method="slope")
    >>> table = moments(c, n=3, duration=20, min_gap=5)
    >>> table["rank"].tolist(), bool((table["end"] - table["start"] <= 20).all())
    ([1, 2, 3], True)
    """
    table, message = _find_moments(result, kind, n, duration, min_gap, label, "moments")
    if message:
        warnings.warn(message, UserWarning, stacklevel=2)
    return table


def _concerned(result: xr.DataArray) -> str:
    """Whom a series' moments concern, as a segment's ``person``: the pair of a series
    selected from a result over pairs (``"mother+child"``), everyone of a group measure
    (``"all"``), or ``"both"`` of a dyad."""
    first, second = result.coords.get("first"), result.coords.get("second")
    if first is not None and second is not None and first.ndim == second.ndim == 0:
        return JOIN.join((str(first.item()), str(second.item())))
    involved = np.atleast_1d(result.attrs.get("persons", ()))
    return ALL if involved.size > 2 else BOTH


def add_moments(
    session: xr.DataTree,
    result: xr.DataArray | str,
    *,
    kind: str = "high",
    n: int = 5,
    duration: float | None = None,
    min_gap: float = 0.0,
    label: str | None = None,
) -> xr.DataTree:
    """Return a copy of ``session`` with the moments found by :func:`moments` as segments.

    The moments are clipped to the session's time span and added to its segments with
    their ``start``, ``end``, ``label``, ``person`` (``"both"``) and ``note`` (which keeps
    the score and rank as text); the existing segments stay.

    Parameters
    ----------
    session : xarray.DataTree
        The session the series was computed from.
    result : xarray.DataArray or str
        A concordance series, or the name of one stored in the session (see
        :func:`concordlab.add_result`).
    kind, n, duration, min_gap, label
        As in :func:`moments`.

    Returns
    -------
    xarray.DataTree
        A new session.

    Warns
    -----
    UserWarning
        If fewer than ``n`` moments fit.

    Raises
    ------
    ValidationError
        As :func:`moments`, or if the moments do not lie in the session (a series of
        another session).

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.compute.moments import add_moments
    >>> s = concordlab.simulate_dyad(180, channels=("eda",), turns=False, seed=7)
    >>> c = concordlab.concordance(s, method="slope")
    >>> s = add_moments(s, c, kind="low", n=2, min_gap=10)
    >>> table = concordlab.segments(s)
    >>> table[["start", "end", "label"]]
       start   end            label
    0   26.0  41.0  low concordance
    1   55.0  70.0  low concordance
    >>> table["note"].str.split(", ").str[1].tolist()  # segments are sorted by start
    ['rank 2', 'rank 1']
    """
    validate_session(session)
    if isinstance(result, str):
        result = get_result(session, result)
    table, message = _find_moments(result, kind, n, duration, min_gap, label, "add_moments")
    if message:
        warnings.warn(message, UserWarning, stacklevel=2)
    labels = persons(session)
    if set(str(table["person"].iloc[0]).split(JOIN)) == set(labels) if len(table) else False:
        table["person"] = BOTH if len(labels) == 2 else ALL  # a pair that is everyone
    first, last = time_span(session)
    table["start"] = table["start"].clip(lower=first)
    table["end"] = table["end"].clip(upper=last)
    outside = table["end"] <= table["start"]
    if outside.any():
        raise ValidationError(
            f"{int(outside.sum())} moment(s) lie outside the session ({first:g}-{last:g} s); "
            "was the series computed from another session?"
        )
    existing = segments(session)
    new = table[list(SEGMENT_COLUMNS)]
    combined = new if existing.empty else pd.concat([existing, new], ignore_index=True)
    return set_segments(session, combined)


# --------------------------------------------------------------------------- by segment


@dataclass(frozen=True)
class _Group:
    name: str
    label: str
    person: str
    starts: np.ndarray
    ends: np.ndarray


def _groups(table: pd.DataFrame, people: tuple[str, ...], labels: Any) -> list[_Group]:
    """Segment groups: one per label, split by person unless it is "both" or "all"."""
    order = {BOTH: 0, ALL: 0, **{person: i + 1 for i, person in enumerate(people)}}
    keys = sorted(
        {(str(lab), str(per)) for lab, per in zip(table["label"], table["person"], strict=True)},
        key=lambda key: (key[0], order.get(key[1], 3), key[1]),
    )
    names = [lab if per in (BOTH, ALL) else f"{lab} ({per})" for lab, per in keys]
    if labels is not None:
        if isinstance(labels, str):
            labels = [labels]
        if not isinstance(labels, Sequence) or not labels:
            raise ValidationError(
                f"labels must be a segment label or a non-empty list of them, e.g. "
                f"labels=['talk']; got {labels!r}."
            )
        known = {lab for lab, _ in keys}
        unknown = [lab for lab in labels if lab not in known and lab not in names]
        if unknown:
            raise ValidationError(
                f"Unknown segment label(s) {unknown}: the session's segments have the labels "
                f"{sorted(known)}, grouped as {names}. Use one of those."
            )
        selected: list[int] = []
        for wanted in labels:
            for i, ((lab, _), name) in enumerate(zip(keys, names, strict=True)):
                if wanted in (lab, name) and i not in selected:
                    selected.append(i)
    else:
        selected = list(range(len(keys)))
    groups = []
    for i in selected:
        lab, per = keys[i]
        rows = (table["label"] == lab) & (table["person"] == per)
        groups.append(
            _Group(
                name=names[i],
                label=lab,
                person=per,
                starts=np.sort(table.loc[rows, "start"].to_numpy(dtype=np.float64)),
                ends=np.sort(table.loc[rows, "end"].to_numpy(dtype=np.float64)),
            )
        )
    return groups


def _inside(time: np.ndarray, group: _Group) -> np.ndarray:
    """Whether each time lies in ``[start, end)`` of at least one of the group's segments.

    The number of segments containing ``t`` is the number started by ``t`` minus the
    number ended by ``t`` (every segment has ``end > start``), so overlapping segments
    need no merging.
    """
    started = np.searchsorted(group.starts, time, side="right")
    ended = np.searchsorted(group.ends, time, side="right")
    return started - ended > 0


def _two_groups(x: np.ndarray, inside: np.ndarray, outside: np.ndarray) -> tuple[np.ndarray, ...]:
    """Counts, means, SDs (ddof=1) and Cohen's d of ``x`` inside vs outside, along the last axis.

    ``x`` broadcasts against the masks; the leading axes are a batch (groups or bootstrap
    draws). Undefined values are NaN.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        n_in = inside.sum(-1)
        n_out = outside.sum(-1)
        mean_in = np.where(inside, x, 0.0).sum(-1) / n_in
        mean_out = np.where(outside, x, 0.0).sum(-1) / n_out
        sd_in = np.sqrt(np.where(inside, (x - mean_in[..., None]) ** 2, 0.0).sum(-1) / (n_in - 1))
        sd_out = np.sqrt(
            np.where(outside, (x - mean_out[..., None]) ** 2, 0.0).sum(-1) / (n_out - 1)
        )
    _, d = cohen_d(x, x, where_a=inside, where_b=outside)
    mean_in = np.where(n_in >= 1, mean_in, np.nan)
    mean_out = np.where(n_out >= 1, mean_out, np.nan)
    sd_in = np.where(n_in >= 2, sd_in, np.nan)
    sd_out = np.where(n_out >= 2, sd_out, np.nan)
    return n_in, mean_in, sd_in, n_out, mean_out, sd_out, d


def _block_bootstrap_d(
    values: np.ndarray,
    members: np.ndarray,
    block: int,
    n_boot: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Cohen's d of each group in ``n_boot`` moving-block bootstrap resamples of the series.

    ``values`` (n,) has NaN for missing windows; ``members`` (groups, n) says which
    windows belong to each group. Each resample is ``ceil(n / block)`` blocks of
    ``block`` consecutive windows, each block starting at a uniformly drawn window
    (``0 .. n - block``), concatenated and cut to ``n`` windows; windows carry their value
    and their group membership. Returns shape (groups, n_boot), NaN where d is undefined.
    """
    n = values.size
    block = max(1, min(block, n))
    n_blocks = math.ceil(n / block)
    # All block starts first, so the draws do not depend on the chunking below.
    block_starts = rng.integers(0, n - block + 1, size=(n_boot, n_blocks))
    valid = ~np.isnan(values)
    filled = np.where(valid, values, 0.0)
    out = np.full((members.shape[0], n_boot), np.nan)
    chunk = max(1, _CHUNK_CELLS // n)
    for first in range(0, n_boot, chunk):
        starts = block_starts[first : first + chunk]
        index = (starts[:, :, None] + np.arange(block)).reshape(starts.shape[0], -1)[:, :n]
        x = filled[index]
        present = valid[index]
        for g, member in enumerate(members):
            inside = member[index]
            d = _two_groups(x, inside & present, ~inside & present)[-1]
            out[g, first : first + starts.shape[0]] = d
    return out


def by_segment(
    session: xr.DataTree,
    result: xr.DataArray,
    labels: str | Sequence[str] | None = None,
    *,
    n_boot: int = 2000,
    seed: int | None = None,
    confidence: float = 0.95,
) -> xr.Dataset:
    """Concordance per group of segments, compared with all other windows.

    **Groups.** One group per segment label; segments that concern one person are
    grouped per person and named ``"label (person)"`` (e.g. ``"talk (therapist)"``,
    ``"talk (patient)"``), segments of ``"both"`` keep the bare label. A window belongs
    to a group if its **centre** lies in ``[start, end)`` of one of the group's segments
    (half-open, so a centre on a turn boundary belongs to the turn that starts there).
    A window may belong to several groups if segments overlap. Windows with a missing
    (non-finite) value are left out everywhere.

    **Comparison.** Each group is compared with all valid windows *outside* it (the rest
    of the session, whichever groups they belong to): ``mean_diff = mean - mean_outside``
    and Cohen's d with the pooled standard deviation::

        d = (mean_in - mean_out) / s_pooled
        s_pooled = sqrt(((n_in - 1) sd_in² + (n_out - 1) sd_out²) / (n_in + n_out - 2))

    with sample SDs (``ddof=1``). Negative d: concordance is lower in the group.

    **Confidence interval.** Sliding windows overlap (``step < window``), so neighbouring
    values are strongly correlated and resampling single windows would understate the
    uncertainty. The interval is a percentile interval of d over ``n_boot`` resamples of a
    **moving-block bootstrap** (Künsch 1989): each resample concatenates randomly placed
    blocks of consecutive windows, each carrying its value and its group membership, cut
    to the series' length. The block length is the number of windows per window length,
    ``round(window / step)`` (at least 1): windows further apart than that share no
    samples. Resamples in which a group has fewer than 2 windows inside or outside give
    no d and are left out (counted in ``n_boot_valid``).

    Parameters
    ----------
    session : xarray.DataTree
        The session whose segments define the groups (the session comes first, as in
        every function; the old order ``by_segment(result, session)`` still works for
        one release with a ``FutureWarning``).
    result : xarray.DataArray
        A concordance series: dim ``time`` (window centres, s) with coordinates
        ``window_start`` and ``window_end``, e.g. from :func:`concordlab.concordance`.
    labels : str or sequence of str, optional
        Restrict to these segment labels (all of a label's groups, e.g. ``"talk"``) or
        group names (e.g. ``"talk (therapist)"``); default all groups. The comparison is
        always with all windows outside the group.
    n_boot : int, default 2000
        Bootstrap resamples; 0 skips the interval (``d_ci`` is NaN).
    seed : int, optional
        Seed of the bootstrap; the same seed gives the same interval. With None a fresh
        seed is drawn and stored in ``attrs["seed"]``.
    confidence : float, default 0.95
        Coverage of the interval, between 0 and 1.

    Returns
    -------
    xarray.Dataset
        Dim ``condition``, one per group of segments (coordinates ``condition``, the
        group's name, ``label`` and ``person``; sorted by label, ``"both"`` before the
        two persons in session order, or in the order of ``labels`` when given; not
        ``group``, which names a cohort's group column) with ``n_windows``, ``mean``,
        ``sd`` (in the group), ``n_outside``, ``mean_outside``, ``sd_outside``,
        ``mean_diff``, ``d``, ``d_ci`` (dims ``condition``, ``bound``; ``bound`` =
        ``["low", "high"]``: the interval of d), ``n_boot_valid`` and ``note`` (why a
        value is NaN, or ""). ``d_low`` and ``d_high`` repeat ``d_ci``'s bounds for one
        release (deprecated: use ``d_ci.sel(bound="low")``). Groups with fewer than 2
        windows (or fewer than 2 outside) get NaN SDs and d. The attrs hold the
        parameters (``n_boot``, ``seed``, ``confidence``, ``labels`` as JSON text,
        ``block_length`` in windows, ``block_seconds``, the membership rule and the d
        formula) and the series' own attrs (method, window ...).

    Warns
    -----
    UserWarning
        If d is undefined for some group (see ``note``).
    FutureWarning
        If called in the old order, ``by_segment(result, session)``.

    Raises
    ------
    ValidationError
        If ``result`` is not a concordance series, the session has no segments, a label is
        unknown, or ``n_boot``, ``seed`` or ``confidence`` is out of range.

    See Also
    --------
    moments : Moments of highest or lowest concordance.

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.compute.moments import by_segment
    >>> s = concordlab.simulate_dyad(300, coupling=0.7, talk_coupling=0.1, seed=2,
    ...                              channels=("eda",))
    >>> c = concordlab.concordance(s, method="slope")
    >>> table = by_segment(s, c, "talk", n_boot=200, seed=0)
    >>> table["condition"].values.tolist()
    ['talk (patient)', 'talk (therapist)']
    >>> bool(table["d"].sel(condition="talk (therapist)") < 0)  # lower while the therapist talks
    True
    >>> low, high = table["d_ci"].sel(condition="talk (therapist)").values
    >>> bool(low <= table["d"].sel(condition="talk (therapist)") <= high)
    True
    >>> table.attrs["block_length"], table.attrs["seed"]
    (15, 0)
    """
    session, result = _session_first(session, result)
    series = _series(result, "by_segment")
    validate_session(session)
    n_boot = _N_BOOT.check(n_boot, "n_boot")
    seed = check_seed(seed)
    confidence = CONFIDENCE.check(confidence, "confidence")
    table = segments(session)
    if table.empty:
        raise ValidationError(
            "The session has no segments to group windows by; add some with "
            "concordlab.add_segment or concordlab.set_segments."
        )
    requested = [labels] if isinstance(labels, str) else labels
    groups = _groups(table, persons(session), requested)
    members = np.stack([_inside(series.time, group) for group in groups])
    valid = ~np.isnan(series.values)
    stats = _two_groups(series.values[None, :], members & valid, ~members & valid)
    block = 1
    if math.isfinite(series.step) and series.step > 0:
        block = max(1, round(series.window / series.step))
    block = min(block, series.time.size)
    d_ci, n_valid = _d_interval(series, members, stats[-1], block, n_boot, seed, confidence)
    notes = _notes(stats, n_valid, n_boot)
    undefined = [g.name for g, value in zip(groups, stats[-1], strict=True) if np.isnan(value)]
    if undefined:
        warnings.warn(
            f"Cohen's d is undefined for the group(s) {undefined}; see the 'note' variable.",
            UserWarning,
            stacklevel=2,
        )
    dataset = _by_segment_dataset(series, groups, stats, d_ci, n_valid, notes, confidence)
    dataset.attrs.update(
        {
            # JSON text: a one-element list attribute would come back from netCDF as a string.
            "labels": json.dumps(None if labels is None else list(requested)),
            "membership": "a window belongs to a group if its centre lies in [start, end) of "
            "one of the group's segments; 'outside' = all other valid windows",
            "effect_size": D_FORMULA,
            "ci_method": "percentile interval of d over a moving-block bootstrap of the "
            "window series (blocks of block_length consecutive windows carrying their "
            "group membership)",
            "n_boot": n_boot,
            "seed": seed,
            "confidence": confidence,
            "block_length": int(block),
            "block_seconds": float(block * series.step) if math.isfinite(series.step) else 0.0,
        }
    )
    return dataset


def _session_first(session: Any, result: Any) -> tuple[Any, Any]:
    """``(session, result)``; the old order ``(result, session)`` swapped, with a warning."""
    if isinstance(session, xr.DataArray | xr.Dataset) and isinstance(result, xr.DataTree):
        warnings.warn(
            "by_segment(result, session, ...) is now by_segment(session, result, ...): the "
            "session comes first, as in every function; the old order stops working in "
            f"concordlab {REMOVED_IN}.",
            FutureWarning,
            stacklevel=3,
        )
        return result, session
    if isinstance(session, xr.DataArray | xr.Dataset):
        raise ValidationError(
            "by_segment takes the session first, then the concordance series: "
            f"by_segment(session, result, ...); got a {type(session).__name__} and a "
            f"{type(result).__name__}."
        )
    return session, result


def _d_interval(
    series: _Series,
    members: np.ndarray,
    d: np.ndarray,
    block: int,
    n_boot: int,
    seed: int,
    confidence: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The bootstrap interval of each group's d, shape (groups, 2), and the valid draws."""
    interval = np.full((members.shape[0], 2), np.nan)
    n_valid = np.zeros(members.shape[0], dtype=np.int64)
    if not n_boot:
        return interval, n_valid
    boot = _block_bootstrap_d(series.values, members, block, n_boot, np.random.default_rng(seed))
    alpha = (1.0 - confidence) / 2.0
    for g in range(members.shape[0]):
        draws = boot[g][np.isfinite(boot[g])]
        n_valid[g] = draws.size
        if draws.size and np.isfinite(d[g]):
            interval[g] = np.quantile(draws, [alpha, 1.0 - alpha])
    return interval, n_valid


def _notes(stats: tuple[np.ndarray, ...], n_valid: np.ndarray, n_boot: int) -> list[str]:
    """Why a group's values are missing (or its interval rests on fewer resamples), or ""."""
    n_in, _, _, n_out, _, _, d = stats
    notes = []
    for g in range(d.size):
        note = []
        if n_in[g] < 2:
            note.append(f"{int(n_in[g])} valid window(s) in the group: sd and d need 2")
        if n_out[g] < 2:
            note.append(f"{int(n_out[g])} valid window(s) outside the group: d needs 2")
        if n_in[g] >= 2 and n_out[g] >= 2 and not np.isfinite(d[g]):
            note.append("no spread in the values: d is undefined")
        if n_boot and np.isfinite(d[g]) and n_valid[g] < n_boot:
            note.append(
                f"d undefined in {n_boot - int(n_valid[g])} of {n_boot} bootstrap resamples "
                "(too few windows of the group in them); interval from the rest"
            )
        notes.append("; ".join(note))
    return notes


def _by_segment_dataset(
    series: _Series,
    groups: list[_Group],
    stats: tuple[np.ndarray, ...],
    d_ci: np.ndarray,
    n_valid: np.ndarray,
    notes: list[str],
    confidence: float,
) -> xr.Dataset:
    """The result of :func:`by_segment` along ``condition``, with the series' own attrs."""
    n_in, mean_in, sd_in, n_out, mean_out, sd_out, d = stats
    name = series.name

    def variable(values: np.ndarray, long_name: str, **attrs: str) -> tuple[str, np.ndarray, dict]:
        return ("condition", values, {"long_name": long_name, **attrs})

    old = f"deprecated: use d_ci (dims condition, bound); removed in concordlab {REMOVED_IN}"
    inherited = {
        k: as_attr(v) for k, v in series.attrs.items() if k not in ("measure", "long_name")
    }
    return xr.Dataset(
        {
            "n_windows": variable(
                n_in.astype(np.int64), "valid windows whose centre lies in the group"
            ),
            "mean": variable(mean_in, f"mean {name} in the group"),
            "sd": variable(sd_in, f"standard deviation (ddof=1) of {name} in the group"),
            "n_outside": variable(n_out.astype(np.int64), "valid windows outside the group"),
            "mean_outside": variable(mean_out, f"mean {name} outside the group"),
            "sd_outside": variable(sd_out, f"standard deviation (ddof=1) of {name} outside"),
            "mean_diff": variable(mean_in - mean_out, "mean in the group minus mean outside"),
            "d": variable(d, "Cohen's d, group vs outside (pooled SD)"),
            "d_ci": (
                ("condition", "bound"),
                d_ci,
                {"long_name": f"{confidence:g} bootstrap interval of d (low, high)"},
            ),
            "d_low": variable(
                d_ci[:, 0], f"lower bound of the {confidence:g} interval of d", deprecated=old
            ),
            "d_high": variable(
                d_ci[:, 1], f"upper bound of the {confidence:g} interval of d", deprecated=old
            ),
            "n_boot_valid": variable(n_valid, "bootstrap resamples in which d is defined"),
            "note": variable(np.array(notes, dtype=object), "why a value is missing"),
        },
        coords={
            "condition": [group.name for group in groups],
            "bound": ["low", "high"],
            "label": ("condition", np.array([group.label for group in groups], dtype=object)),
            "person": ("condition", np.array([group.person for group in groups], dtype=object)),
        },
        attrs={
            **inherited,
            "measure": "concordance by segment",
            "long_name": f"{name} per segment group vs the rest of the session",
            "source_measure": as_attr(series.attrs.get("measure")),
        },
    )
