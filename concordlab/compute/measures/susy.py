"""``susy``: Tschacher & Meier's Surrogate Synchrony (SUSY), per segment and per session.

SUSY (Tschacher, Rees & Ramseyer 2014; Tschacher & Meier 2020; the R package ``SUSY``
0.1.0 by W. Tschacher, whose ``susy()`` this module follows) cuts the session into
consecutive, non-overlapping segments of ``segment_length`` seconds from its first sample
(the remainder at the end is left out). In each segment it computes the cross-correlation
of the two persons at every lag from ``-max_lag`` to ``+max_lag`` (R's ``ccf``: segment
means and standard deviations over the whole segment, sums over the overlapping samples
divided by the segment length), Fisher z-transforms each value (``atanh``; here clipped
to ±10, rMEA's limit, so that r = ±1 gives a number) and, with ``absolute=True``, takes
its absolute value. Averaging over segments gives the real synchrony per lag; the
surrogates are every non-matching pair of segments (the first person's segment *i* with
the second person's segment *h*, *h* != *i*; *n(n-1)* of them), averaged the same way.
SUSY's session readouts are then

- ``z``: the real z averaged over lags (SUSY's ``Z``, or ``Z(noAbs)``);
- ``surrogate_z``: the surrogates' z averaged over lags (``Z-Pseudo``);
- ``effect_size``: ``(z - surrogate_z) / sd``, where ``sd`` is the standard deviation
  over the lags of the surrogates' per-lag mean z (``SD(Z-Pseudo)``, as SUSY's code
  computes it: across lags, not across surrogates; undefined with a single lag);
- the same for the lags where the first person leads (lag > 0, SUSY's ``lead1``) and
  where the second leads (lag < 0, ``lead2``), and the share of lags where the real z
  exceeds the surrogate z (``%>Pseudo``).

Lag convention: **positive lag = the second person follows the first** (R's ``ccf``
counts the other way; its negative lags are SUSY's ``lead1``, the first person leading).

Differences from the R package, all documented: SUSY drops every sample where either
person is missing and closes the gap before cutting segments (moving later samples to
other segments); concordlab keeps the clock and leaves out a segment with any missing
sample in either person (its value is NaN), and a person's segment with a missing
sample takes no part in the surrogates (the other person's segment still does). A constant segment
(no correlation defined) is left out too, where SUSY adds zero for it but still divides
by the number of segments. Fisher z is clipped to ±10 (SUSY: ±inf at r = ±1).
``segment_length`` and ``max_lag`` are rounded to whole samples (SUSY: whole seconds).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from concordlab._docs import fill_doc
from concordlab.compute._common import Pair, check_cells, pair_from, samples
from concordlab.compute.grid import WindowGrid
from concordlab.compute.parameters import ABSOLUTE, MAX_LAG, SEGMENT_LENGTH
from concordlab.compute.registry import Measure
from concordlab.compute.result import build_result
from concordlab.compute.wlcc import FISHER_Z_LIMIT
from concordlab.errors import ValidationError

__all__ = ["SUSY", "susy"]

SUSY_MAX_LAG = 3.0
"""SUSY's default largest lag in seconds (the R package's ``maxlag = 3``)."""

# Elements of one block of the segment-pair cross-correlations (float64): 32 MiB.
_BLOCK = 2**22


def _grid(pair: Pair, segment_length: float, max_lag: float) -> tuple[WindowGrid, np.ndarray]:
    """The segments (a grid of windows with step = length) and the lags in samples."""
    n = pair.first.size
    length = samples(segment_length, pair.rate, "segment_length", minimum=2, length=n)
    lag = samples(max_lag, pair.rate, "max_lag", minimum=0, length=n)
    if 2 * lag > length:
        raise ValidationError(
            f"segment_length={segment_length:g} s is shorter than twice max_lag="
            f"{max_lag:g} s (SUSY's rule); use a longer segment_length or a smaller max_lag."
        )
    if 2 * length > n:
        raise ValidationError(
            f"segment_length={segment_length:g} s leaves fewer than two segments in the "
            f"'{pair.channel}' series ({n / pair.rate:g} s), so there are no surrogates; use a "
            f"segment_length of at most {n / pair.rate / 2:g} s."
        )
    grid = WindowGrid.from_seconds(
        pair, window=length / pair.rate, step=length / pair.rate, min_valid=1.0
    )
    check_cells(grid.starts.size**2, 2 * lag + 1, "use a longer segment_length")
    return grid, np.arange(-lag, lag + 1)


def _standardised(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows centred and divided by their population sd; which rows are usable."""
    usable = np.isfinite(rows).all(axis=1)
    centred = np.where(usable[:, None], rows, 0.0)
    centred = centred - centred.mean(axis=1, keepdims=True)
    sd = np.sqrt((centred**2).mean(axis=1))
    usable &= sd > 0
    scaled = np.divide(centred, sd[:, None], out=np.zeros_like(centred), where=usable[:, None])
    return scaled, usable


def segment_z(
    pair: Pair, grid: WindowGrid, lags: np.ndarray, absolute: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fisher z of every (first segment, second segment, lag); which segments are usable.

    ``z[i, h, k]`` is the z of the first person's segment ``i`` with the second person's
    segment ``h`` at ``lags[k]`` samples (positive: the second follows the first).

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.compute._common import pair_from
    >>> pair = pair_from(concordlab.example_session())
    >>> grid, lags = _grid(pair, 60.0, 1.0)
    >>> z, first, second = segment_z(pair, grid, lags, absolute=False)
    >>> z.shape
    (10, 10, 65)
    """
    first, usable_first = _standardised(grid.spans(pair.first))
    second, usable_second = _standardised(grid.spans(pair.second))
    n, length = first.shape
    max_lag = int(lags.max())
    size = 1 << int(np.ceil(np.log2(length + max_lag)))
    spectrum_first = np.conj(np.fft.rfft(first, size, axis=1))
    spectrum_second = np.fft.rfft(second, size, axis=1)
    # c[L] = sum_t first[t] * second[t + L]; negative L wrap to the end.
    columns = lags % size
    z = np.empty((n, n, lags.size))
    chunk = max(1, _BLOCK // (n * size))
    for start in range(0, n, chunk):
        block = spectrum_first[start : start + chunk, None, :] * spectrum_second[None, :, :]
        z[start : start + chunk] = np.fft.irfft(block, size, axis=2)[:, :, columns]
    z /= length
    np.clip(z, -1.0, 1.0, out=z)
    with np.errstate(divide="ignore"):
        np.arctanh(z, out=z)
    np.clip(z, -FISHER_Z_LIMIT, FISHER_Z_LIMIT, out=z)
    if absolute:
        np.abs(z, out=z)
    return z, usable_first, usable_second


def _readouts(
    z: np.ndarray, usable_first: np.ndarray, usable_second: np.ndarray
) -> dict[str, np.ndarray]:
    """Per segment and per lag: real and surrogate mean z (NaN where nothing is usable)."""
    n = z.shape[0]
    real_ok = usable_first & usable_second
    pairs = usable_first[:, None] & usable_second[None, :] & ~np.eye(n, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        diagonal = z[np.arange(n), np.arange(n)]  # (n, lags)
        real_segment = np.where(real_ok, diagonal.mean(axis=1), np.nan)
        weights = pairs[:, :, None].astype(np.float64)
        by_first = (z * weights).sum(axis=1)  # (n, lags): sum over partners h
        partners = pairs.sum(axis=1)
        surrogate_segment = np.where(
            real_ok & (partners > 0), by_first.mean(axis=1) / np.maximum(partners, 1), np.nan
        )
        real_lag = diagonal[real_ok].sum(axis=0) / real_ok.sum()
        surrogate_lag = by_first.sum(axis=0) / pairs.sum()
    return {
        "real_segment": real_segment,
        "surrogate_segment": surrogate_segment,
        "real_lag": real_lag,
        "surrogate_lag": surrogate_lag,
        "n_segments": np.int64(real_ok.sum()),
        "n_surrogates": np.int64(pairs.sum()),
    }


def _compute(
    pair: Pair, segment_length: float, max_lag: float, absolute: bool
) -> tuple[np.ndarray, dict[str, np.ndarray], xr.DataArray]:
    """The lags (samples), the readouts and the per-segment result, computed once."""
    grid, lags = _grid(pair, segment_length, max_lag)
    readouts = _readouts(*segment_z(pair, grid, lags, absolute))
    real, surrogate = readouts["real_segment"], readouts["surrogate_segment"]
    kind = "|z|" if absolute else "z"
    used = {
        "segment_length": grid.window / pair.rate,
        "max_lag": int(lags.max()) / pair.rate,
        "absolute": absolute,
    }
    per_segment = build_result(
        real - surrogate,
        grid,
        pair,
        measure=SUSY,
        params=used,
        long_name=f"segment's mean Fisher {kind} over lags minus its surrogates' (SUSY)",
        name="z",
        coords={
            "real_z": ("time", real, {"long_name": f"segment's mean Fisher {kind} over lags"}),
            "surrogate_z": (
                "time",
                surrogate,
                {"long_name": f"mean Fisher {kind} of the segment with every other segment"},
            ),
        },
    )
    return lags, readouts, per_segment


def _susy(pair: Pair, *, segment_length: float, max_lag: float, absolute: bool) -> xr.DataArray:
    """Per segment: its real z minus its surrogates' mean z (SUSY, ``time`` = segment centre).

    Examples
    --------
    >>> import concordlab
    >>> r = concordlab.concordance(concordlab.example_session(), method="susy")
    >>> r.dims, sorted(set(r.coords) - {"time"})
    (('time',), ['real_z', 'surrogate_z', 'window_end', 'window_start'])
    """
    return _compute(pair, segment_length, max_lag, absolute)[2]


SUSY = Measure(
    name="susy",
    function=_susy,
    parameters=(SEGMENT_LENGTH, MAX_LAG, ABSOLUTE),
    dims=("time",),
    summary="surrogate synchrony (Tschacher & Meier 2020): per segment, z minus surrogate z",
    fast=False,
)

MEASURES = (SUSY,)
"""The measures this module declares (the registry reads them)."""


@fill_doc
def susy(  # noqa: D417 (fill_doc writes the shared entries)
    session: xr.DataTree | xr.DataArray,
    channel: str | None = None,
    *,
    segment_length: float = SEGMENT_LENGTH.default,
    max_lag: float = SUSY_MAX_LAG,
    absolute: bool = ABSOLUTE.default,
) -> xr.Dataset:
    """Surrogate Synchrony (SUSY, Tschacher & Meier 2020) of the two persons, per session.

    The session is cut into segments of ``segment_length`` seconds; in each, the
    cross-correlation at lags ``-max_lag .. +max_lag`` is Fisher z-transformed (and made
    absolute with ``absolute=True``); real synchrony is the mean over segments, surrogate
    synchrony the mean over every non-matching pair of segments (the first person's
    segment *i* with the second person's segment *h* != *i*), and the effect size is
    SUSY's ``(z - surrogate_z) / sd`` with ``sd`` the standard deviation over lags of the
    surrogates' per-lag mean z. **Positive lag: the second person follows the first.**
    The definition and its documented differences from the R package ``SUSY`` are in
    :mod:`concordlab.compute.measures.susy`; ``concordance(session, method="susy")``
    gives the per-segment values (it shares ``max_lag``'s default of
    :func:`concordance`, 5 s; here the default is SUSY's 3 s).

    Parameters
    ----------
    %(session)s
    %(channel)s
    %(segment_length)s
    max_lag : float, default 3.0
        Largest lag in seconds, in both directions (positive lag: the second person
        follows the first); SUSY's default of 3 s. At most half of ``segment_length``.
    absolute : bool, default False
        Average absolute z values (SUSY's ``Z``/``ES``) instead of signed ones (SUSY's
        ``Z(noAbs)``/``ES(noAbs)``).

    Returns
    -------
    xarray.Dataset
        Scalars ``z``, ``surrogate_z``, ``sd_surrogate_z``, ``effect_size``,
        ``effect_size_first_leads`` (lags > 0), ``effect_size_second_leads`` (lags < 0),
        ``z_first_leads``/``z_second_leads`` (SUSY's ``Z(lead1)``/``Z(lead2)``: the real
        z over lags > 0 / < 0), ``percent_above`` (lags whose real z exceeds the
        surrogate z), ``n_segments`` and ``n_surrogates``; along ``lag`` (seconds)
        ``real_z_lag`` and ``surrogate_z_lag``; along ``time`` (segment centres) ``segment_z`` and
        ``segment_surrogate_z``. ``attrs`` as every result's (``reproduce`` gives the
        ``concordance`` call of the per-segment values).

    Examples
    --------
    >>> import concordlab
    >>> coupled = concordlab.simulate_dyad(600, coupling=0.9, turns=False, seed=2)
    >>> strangers = concordlab.simulate_dyad(600, coupling=0.0, turns=False, seed=2)
    >>> result = concordlab.susy(coupled, "eda", segment_length=30)
    >>> int(result["n_segments"]), int(result["n_surrogates"])
    (20, 380)
    >>> float(result["z"]) > float(concordlab.susy(strangers, "eda")["z"])
    True
    """
    pair = pair_from(session, channel)
    lags, readouts, per_segment = _compute(
        pair,
        SEGMENT_LENGTH.check(segment_length),
        MAX_LAG.check(max_lag),
        ABSOLUTE.check(absolute),
    )
    real, surrogate = readouts["real_lag"], readouts["surrogate_lag"]
    with np.errstate(invalid="ignore", divide="ignore"):
        effect = {}
        for key, chosen in (
            ("", lags == lags),
            ("_first_leads", lags > 0),
            ("_second_leads", lags < 0),
        ):
            spread = np.std(surrogate[chosen], ddof=1) if chosen.sum() > 1 else np.nan
            effect[key] = (np.mean(real[chosen]) - np.mean(surrogate[chosen])) / spread
        sd = np.std(surrogate, ddof=1) if lags.size > 1 else np.nan
    lag_coord = (
        "lag",
        lags / pair.rate,
        {"units": "s", "long_name": f"lag ({per_segment.attrs['lag_convention']})"},
    )
    data = {
        "z": ((), np.mean(real), {"long_name": "mean Fisher z over segments and lags (SUSY Z)"}),
        "surrogate_z": ((), np.mean(surrogate), {"long_name": "surrogates' mean Fisher z"}),
        "sd_surrogate_z": ((), sd, {"long_name": "sd over lags of the surrogates' mean z"}),
        "effect_size": ((), effect[""], {"long_name": "SUSY effect size (z - surrogate) / sd"}),
        "effect_size_first_leads": ((), effect["_first_leads"], {"long_name": "ES, lags > 0"}),
        "effect_size_second_leads": ((), effect["_second_leads"], {"long_name": "ES, lags < 0"}),
        "z_first_leads": ((), np.mean(real[lags > 0]), {"long_name": "mean z, lags > 0"}),
        "z_second_leads": ((), np.mean(real[lags < 0]), {"long_name": "mean z, lags < 0"}),
        "percent_above": ((), 100.0 * np.mean(real > surrogate), {"units": "%"}),
        "n_segments": ((), readouts["n_segments"]),
        "n_surrogates": ((), readouts["n_surrogates"]),
        "real_z_lag": ("lag", real),
        "surrogate_z_lag": ("lag", surrogate),
        "segment_z": per_segment["real_z"].variable,
        "segment_surrogate_z": per_segment["surrogate_z"].variable,
    }
    coords = {name: per_segment[name].variable for name in ("time", "window_start", "window_end")}
    coords["lag"] = lag_coord
    return xr.Dataset(data, coords=coords, attrs=dict(per_segment.attrs, long_name="SUSY"))
