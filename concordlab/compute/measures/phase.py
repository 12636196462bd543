"""``phase_sync``: windowed phase-locking value of the two persons' Hilbert phases.

Each person's **instantaneous phase** (:func:`instantaneous_phase`) is the angle of the
analytic signal of the whole series (:func:`scipy.signal.hilbert`'s, computed here from
real FFTs: equal to it to rounding), after

1. centring: the mean of each run of valid samples is subtracted, so that the phase does
   not depend on the signal's level (a skin conductance of 5 µS oscillating by 0.1 µS
   would otherwise have a phase near 0 all the time);
2. an optional zero-phase Butterworth band-pass between ``low_frequency`` and
   ``high_frequency`` (Hz): second-order sections of order 2 per edge
   (:func:`scipy.signal.butter`), run forward and backward
   (:func:`scipy.signal.sosfiltfilt`, odd-extension padding), so the effective roll-off
   is of order 4 per edge and nothing is shifted in time. Only ``low_frequency``: a
   high-pass; only ``high_frequency``: a low-pass; neither: no filter.

**Gaps:** centring, filter and Hilbert transform run on each run of valid (non-NaN)
samples on its own, so values on one side of a gap never reach the other. A run too
short to filter (no longer than the filter's padding, ``3 * (2 * sections + 1)``
samples), shorter than 2 samples, or constant (no phase exists) has NaN phases, as has
a sample where the analytic signal is exactly 0; NaN in stays NaN out. Near the ends
of each run (the recording's and every gap's edges) the Hilbert transform and the filter
have edge effects, as everywhere.

Then, per window of the shared :class:`~concordlab.compute.grid.WindowGrid` (``window``,
``step``, windows placed as rMEA's), with ``dphi = phase[first] - phase[second]`` at each
sample where both phases exist:

- ``phase_sync``: the phase-locking value (PLV), ``|mean(exp(i * dphi))|``, between 0
  (no consistent phase relation) and 1 (a constant phase difference), and the circular
  mean phase difference ``angle(mean(exp(i * dphi)))`` (radians, in (-pi, pi]) as the
  coordinate ``phase_difference``. **Positive phase difference: the first person's phase
  is ahead, i.e. the second person follows the first** (as positive lag everywhere in
  concordlab: a second person delayed by ``tau`` s at frequency ``f`` Hz gives
  ``2 * pi * f * tau``).
- ``phase_sync_nk``: the window mean of NeuroKit2's per-sample Hilbert synchrony
  ``1 - sin(|dphi| / 2)`` (:func:`neurokit2.signal_synchrony` with ``method="hilbert"``;
  equal to ``1 - |sin(dphi / 2)|`` for phases in (-pi, pi]): 1 in phase, 0 in anti-phase.
  Unlike the PLV it rewards only a zero phase difference; a constant shift of pi/2 gives
  about 0.29, not 1. Its ``phase_difference`` coordinate is the PLV's.

A window with fewer than ``min_valid`` of its samples carrying both phases is NaN. The
windowed sums come from the one moments kernel
(:func:`~concordlab.compute.kernel.windowed_moments`), so no window is looped over.

Where the definitions coincide (no gap) the phases are NeuroKit2's
(``numpy.angle(scipy.signal.hilbert(x))``) of the centred series, and with a band those
of ``neurokit2.signal_filter(x, method="butterworth", order=2, lowcut=low_frequency,
highcut=high_frequency)`` of it (the tests check both to 1e-9 on real data). NeuroKit2
does not centre, so on raw data with a level far from 0 its values differ (its phases
are then biased towards 0).

References: Lachaux, Rodriguez, Martinerie & Varela (1999), Hum Brain Mapp 8:194-208
(the phase-locking value); Pikovsky, Rosenblum & Kurths (2001), *Synchronization*;
NeuroKit2 ``signal_synchrony`` (Makowski et al. 2021, Behav Res Methods 53:1689-1696).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from scipy import fft, signal

from concordlab._docs import fill_doc
from concordlab.compute._common import Pair, as_attr, pair_from
from concordlab.compute.grid import WindowGrid
from concordlab.compute.parameters import (
    HIGH_FREQUENCY,
    LOW_FREQUENCY,
    MIN_VALID,
    STEP,
    WINDOW,
)
from concordlab.compute.registry import Measure
from concordlab.compute.result import build_result, labelled
from concordlab.errors import ValidationError
from concordlab.preprocess import _apply_runs, _sosfiltfilt_padlen
from concordlab.session import time_axis

__all__ = ["FILTER_ORDER", "PHASE_SYNC", "PHASE_SYNC_NK", "instantaneous_phase"]

FILTER_ORDER = 2
"""Order of the Butterworth filter per band edge (doubled by the forward-backward pass)."""


def _band_filter(
    rate: float, low_frequency: float | None, high_frequency: float | None, channel: str
) -> np.ndarray | None:
    """The band-pass (or high- or low-pass) as second-order sections; None: no filter."""
    nyquist = rate / 2
    for name, value in (("low_frequency", low_frequency), ("high_frequency", high_frequency)):
        if value is not None and not value < nyquist:
            raise ValidationError(
                f"{name}={value:g} Hz is not below the Nyquist frequency of channel "
                f"'{channel}' ({nyquist:g} Hz at {rate:g} Hz sampling); choose a {name} below "
                f"{nyquist:g} Hz, or None for no limit."
            )
    if low_frequency is not None and high_frequency is not None:
        if not low_frequency < high_frequency:
            raise ValidationError(
                f"low_frequency={low_frequency:g} Hz must be below high_frequency="
                f"{high_frequency:g} Hz (the band-pass keeps the frequencies between them)."
            )
        band, kind = [low_frequency, high_frequency], "bandpass"
    elif low_frequency is not None:
        band, kind = low_frequency, "highpass"
    elif high_frequency is not None:
        band, kind = high_frequency, "lowpass"
    else:
        return None
    return signal.butter(FILTER_ORDER, band, btype=kind, fs=rate, output="sos")


def _analytic(values: np.ndarray, sos: np.ndarray | None) -> np.ndarray:
    """The analytic signal of each row of ``values``, run by run (NaN where no phase)."""

    def transform(block: np.ndarray) -> np.ndarray:
        mean = block.mean(axis=-1, keepdims=True)
        filtered = None if sos is None else signal.sosfiltfilt(sos, block - mean, axis=-1)
        source = block if filtered is None else filtered
        # scipy.signal.hilbert's analytic signal, from real FFTs (half the work): the
        # imaginary part is the Hilbert transform, -i sign(f) X(f), DC and Nyquist dropped
        # (so the mean, dropped with the DC, need not be subtracted before it).
        n = block.shape[-1]
        spectrum = fft.rfft(source, axis=-1)
        spectrum[..., 0] = 0.0
        if n % 2 == 0:
            spectrum[..., -1] = 0.0
        spectrum *= -1j
        analytic = np.empty(block.shape, dtype=np.complex128)
        if filtered is None:
            np.subtract(block, mean, out=analytic.real)
        else:
            analytic.real = filtered
        analytic.imag = fft.irfft(spectrum, n, axis=-1, overwrite_x=True)
        analytic[np.ptp(block, axis=-1) == 0] = np.nan  # a constant run has no phase
        return analytic

    min_length = 2 if sos is None else _sosfiltfilt_padlen(sos) + 1
    return _apply_runs(values, transform, min_length, short="nan", dtype=np.complex128)


def _unit_difference(
    pair: Pair, low_frequency: float | None, high_frequency: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """``cos(dphi)`` and ``sin(dphi)``, ``dphi = phase[first] - phase[second]``, at every
    sample (NaN where either phase is missing), without computing the angles."""
    sos = _band_filter(pair.rate, low_frequency, high_frequency, pair.channel)
    analytic = _analytic(np.stack([pair.first, pair.second]), sos)
    product = np.multiply(analytic[0], np.conjugate(analytic[1], out=analytic[1]), out=analytic[0])
    modulus = np.abs(product)
    with np.errstate(invalid="ignore"):  # no amplitude (0 / 0): no phase, NaN
        cos = np.divide(product.real, modulus)
        return cos, np.divide(product.imag, modulus, out=modulus)


def _window_means(
    grid: WindowGrid, first: np.ndarray, second: np.ndarray, *, square: bool = False
) -> tuple[np.ndarray, ...]:
    """Per window: the means of ``first`` and of ``second`` (and with ``square`` of
    ``(first - 1)**2``) over the samples where both are present, from the moments kernel;
    NaN where fewer than ``grid.min_count`` are."""
    moments = grid.moments(first, second)
    count = moments.count[:, 0]
    enough = count >= grid.min_count
    n = np.where(enough, count, np.nan)
    ref_first = moments.ref_x[:, 0]
    means = [moments.sum_x[:, 0] / n + ref_first, moments.sum_y[:, 0] / n + moments.ref_y[:, 0]]
    if square:  # sum((f - 1)^2) = sum((f - ref)^2) + 2 (ref - 1) sum(f - ref) + n (ref - 1)^2
        shift = ref_first - 1.0
        means.append((moments.sum_xx[:, 0] + 2 * shift * moments.sum_x[:, 0]) / n + shift**2)
    return tuple(means)


def _windowed(
    pair: Pair,
    *,
    nk: bool,
    window: float,
    step: float,
    low_frequency: float | None,
    high_frequency: float | None,
    min_valid: float,
) -> xr.DataArray:
    """``phase_sync`` (the PLV) or, with ``nk``, ``phase_sync_nk``, on the shared grid."""
    grid = WindowGrid.from_seconds(pair, window=window, step=step, min_valid=min_valid)
    cos, sin = _unit_difference(pair, low_frequency, high_frequency)
    if nk:
        # |sin(dphi / 2)| = sqrt((1 - cos(dphi)) / 2); and in the same kernel pass
        # cos(dphi) = 1 - 2 sin(dphi / 2)^2 = 1 - 2 (synchrony - 1)^2
        synchrony = 1.0 - np.sqrt(np.maximum(1.0 - cos, 0.0) / 2)
        values, mean_sin, mean_square = _window_means(grid, synchrony, sin, square=True)
        mean_cos = 1.0 - 2.0 * mean_square
        measure, name = PHASE_SYNC_NK, "synchrony"
        long_name = "window mean of NeuroKit2's Hilbert synchrony 1 - |sin(dphi / 2)|"
    else:
        mean_cos, mean_sin = _window_means(grid, cos, sin)
        values = np.hypot(mean_cos, mean_sin)
        measure, name = PHASE_SYNC, "plv"
        long_name = "windowed phase-locking value |mean(exp(i dphi))| of Hilbert phases"
    used = {
        "window": grid.seconds["window"],
        "step": grid.seconds["step"],
        "low_frequency": low_frequency,
        "high_frequency": high_frequency,
        "min_valid": min_valid,
    }
    difference = (
        "time",
        np.arctan2(mean_sin, mean_cos),
        {
            "units": "rad",
            "long_name": "circular mean phase difference (first - second; positive: "
            f"the first person's phase is ahead; {grid.lag_convention})",
        },
    )
    return build_result(
        values,
        grid,
        pair,
        measure=measure,
        params=used,
        long_name=long_name,
        name=name,
        coords={"phase_difference": difference},
    )


def _phase_sync(pair: Pair, **params: Any) -> xr.DataArray:
    """Windowed phase-locking value, with the mean phase difference as a coordinate.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.simulate_dyad(300, coupling=0.9, lag=2.0, turns=False, seed=1)
    >>> r = concordlab.concordance(s, method="phase_sync", window=30, step=5,
    ...                            low_frequency=0.02, high_frequency=0.2)
    >>> r.dims, r.name, r.attrs["low_frequency"]
    (('time',), 'plv', 0.02)
    >>> bool(r.mean() > 0.5), bool(r["phase_difference"].median() > 0)  # therapist follows
    (True, True)
    """
    return _windowed(pair, nk=False, **params)


def _phase_sync_nk(pair: Pair, **params: Any) -> xr.DataArray:
    """Window mean of NeuroKit2's per-sample Hilbert synchrony ``1 - |sin(dphi / 2)|``.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> t = np.arange(0, 120, 1 / 10)   # the second lags a quarter period behind the first
    >>> s = concordlab.from_arrays({"eda": [np.sin(t), np.sin(t - np.pi / 2)]}, sampling_rate=10)
    >>> nk = concordlab.concordance(s, method="phase_sync_nk", window=30, step=10)
    >>> plv = concordlab.concordance(s, method="phase_sync", window=30, step=10)
    >>> nk.name, round(float(nk.median()), 3), round(float(plv.median()), 3)  # 1 - sin(pi/4)
    ('synchrony', 0.293, 1.0)
    """
    return _windowed(pair, nk=True, **params)


_PARAMETERS = (WINDOW, STEP, LOW_FREQUENCY, HIGH_FREQUENCY, MIN_VALID)

PHASE_SYNC = Measure(
    name="phase_sync",
    function=_phase_sync,
    parameters=_PARAMETERS,
    dims=("time",),
    summary="windowed phase-locking value of Hilbert phases; mean phase difference as "
    "phase_difference",
)

PHASE_SYNC_NK = Measure(
    name="phase_sync_nk",
    function=_phase_sync_nk,
    parameters=_PARAMETERS,
    dims=("time",),
    summary="window mean of NeuroKit2's Hilbert synchrony 1 - |sin(dphi/2)| (in-phase only)",
)

MEASURES = (PHASE_SYNC, PHASE_SYNC_NK)
"""The measures this module declares (the registry reads them)."""


@fill_doc
def instantaneous_phase(  # noqa: D417 (fill_doc writes the shared entries)
    session: xr.DataTree | xr.DataArray,
    channel: str | None = None,
    *,
    low_frequency: float | None = LOW_FREQUENCY.default,
    high_frequency: float | None = HIGH_FREQUENCY.default,
) -> xr.DataArray:
    """Each person's instantaneous phase: the angle of the Hilbert analytic signal.

    Each run of valid samples is centred (its mean subtracted), optionally band-passed
    (zero-phase Butterworth of order 2 per edge, run forward and backward, between
    ``low_frequency`` and ``high_frequency``; one of them alone: a high- or low-pass),
    then Hilbert transformed (:func:`scipy.signal.hilbert`); the phase is the angle of
    the analytic signal, in radians in (-pi, pi]. Runs too short to filter, shorter
    than 2 samples or constant are NaN. These are the phases of
    ``concordance(method="phase_sync")``, whose ``phase_difference`` is the first
    person's minus the second's (positive: the second person follows the first, as a
    positive lag). Without filter and gaps they are NeuroKit2's
    (``signal_synchrony(method="hilbert")``) phases of the centred series.

    Parameters
    ----------
    %(session)s
    %(channel)s
    %(low_frequency)s
    %(high_frequency)s

    Returns
    -------
    xarray.DataArray
        Dims ``(person, time)``, name ``phase``, units ``rad``; the filter's band in
        ``attrs``.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> t = np.arange(0, 60, 1 / 10)
    >>> s = concordlab.from_arrays(
    ...     {"eda": [5 + np.cos(2 * np.pi * 0.5 * t), 5 + np.cos(2 * np.pi * 0.5 * t - 1)]},
    ...     sampling_rate=10)
    >>> phase = concordlab.instantaneous_phase(s)
    >>> phase.dims, phase.attrs["units"]
    (('person', 'time'), 'rad')
    >>> difference = np.angle(np.exp(1j * (phase[0] - phase[1])))  # the second lags by 1 rad
    >>> round(float(np.median(difference)), 6)
    1.0
    """
    low_frequency = LOW_FREQUENCY.check(low_frequency)
    high_frequency = HIGH_FREQUENCY.check(high_frequency)
    pair = pair_from(session, channel)
    sos = _band_filter(pair.rate, low_frequency, high_frequency, pair.channel)
    analytic = _analytic(np.stack([pair.first, pair.second]), sos)
    phases = np.where(analytic == 0, np.nan, np.angle(analytic))  # no amplitude, no phase
    n = phases.shape[1]
    coords = {
        "person": ("person", np.array(pair.persons), {}),
        "time": ("time", time_axis(n, pair.rate, pair.offset), {"units": "s"}),
    }
    attrs = {
        "long_name": "instantaneous phase (angle of the Hilbert analytic signal)",
        "units": "rad",
        "channel": pair.channel,
        "session_id": pair.session_id,
        "history": pair.history,
        "sampling_rate": pair.rate,
        "low_frequency": as_attr(low_frequency),
        "high_frequency": as_attr(high_frequency),
        "filter": "none"
        if sos is None
        else f"zero-phase Butterworth, order {FILTER_ORDER} per edge, forward and backward",
    }
    return labelled(phases, ("person", "time"), coords, name="phase", attrs=attrs)
