"""``coherence``: windowed Welch coherence; ``wavelet_coherence``: Morlet wavelet coherence.

Both values are symmetric in the two persons: they say *at which frequencies* the two
signals move together, not who leads. Who leads is in the coordinate ``phase`` (time,
frequency; radians), the phase of the cross-spectrum ``angle(X Y*)``: **positive when
the second person follows the first**, by ``phase / (2 pi frequency)`` seconds (read
within half a period). Both results have dims ``(time, frequency)``, ``frequency`` in
Hz, ascending.

``coherence``
    Per window of the shared window grid (rMEA's placement: window ``i`` starts at
    ``i * step``), the magnitude-squared coherence by Welch's method,
    ``|mean Pxy|^2 / (mean Pxx * mean Pyy)`` over segments of ``segment`` seconds that
    overlap by half (``noverlap = nperseg // 2``), each with its mean removed and a Hann
    taper: for a window without gaps the values equal
    ``scipy.signal.coherence(x_window, y_window, sampling_rate, nperseg=nperseg,
    noverlap=nperseg // 2)``. All segments of all windows are transformed in one batch
    (each distinct segment once, shared by the overlapping windows). ``phase`` is that of
    the averaged cross-spectrum. **Gaps**: a segment with a missing sample (in either
    person) is left out of its window's averages; a window is NaN when fewer than
    ``min_valid`` of its samples or of its segments are complete. A window holding a
    single segment gives coherence 1 at every frequency (one segment cannot tell
    coherence from chance): use a segment well shorter than the window.
``wavelet_coherence``
    Wavelet coherence (Torrence & Compo 1998; Grinsted, Moore & Jevrejeva 2004) with the
    Morlet wavelet (``omega0 = 6``), as ``pycwt.wct`` computes it: both signals
    standardised over the whole session, their continuous wavelet transforms (scales
    ``s0 * 2**(j / scales_per_octave)``, ``s0 = 2 / (sampling_rate * flambda)``, the
    series zero-padded to the next power of two), each of ``W1 W2*/s``, ``|W1|^2/s``,
    ``|W2|^2/s`` smoothed in time by a Gaussian of the scale's width and across scales by
    a 0.6-octave boxcar, then ``|S(W1 W2*/s)|^2 / (S(|W1|^2/s) S(|W2|^2/s))``. Computed
    at every sample, reported every ``step`` seconds (the full per-sample matrix of an
    hour at 32 Hz would not fit in memory); ``window_start`` = ``window_end`` = ``time``
    (a coefficient belongs to an instant; its reach grows with the scale). The cone of
    influence: the coordinate ``coi_period`` (along ``time``: the longest period, in
    seconds, free of edge effects, as pycwt's ``coi``) and the boolean coordinate
    ``inside_coi`` (along ``time`` and ``frequency``: ``1/frequency <= coi_period``);
    values outside it are kept, not masked. ``phase`` is that of the smoothed
    cross-spectrum ``S(W1 W2*/s)`` (pycwt's ``aWCT`` is the unsmoothed
    ``angle(W1 W2*)``). A cell where either person's smoothed wavelet power is below
    1e-8 of its largest at that frequency in the result (the person is flat there, e.g.
    sits motionless) is NaN: coherence is undefined there and the ratio would be
    rounding noise. **Gaps** are refused: the transform runs over the whole session, so
    fill or cut them first. A constant signal gives NaN.

Examples
--------
>>> import concordlab
>>> s = concordlab.simulate_dyad(120, coupling=0.9, turns=False, seed=1)
>>> c = concordlab.concordance(s, method="coherence", window=30, step=10, welch_segment=5)
>>> c.dims, c["frequency"].attrs["units"]
(('time', 'frequency'), 'Hz')
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft, signal

from concordlab.compute._common import Pair, samples
from concordlab.compute.grid import WindowGrid
from concordlab.compute.parameters import (
    HIGH_FREQUENCY,
    LOW_FREQUENCY,
    MIN_VALID,
    SCALES_PER_OCTAVE,
    STEP,
    WELCH_SEGMENT,
    WINDOW,
)
from concordlab.compute.registry import Measure
from concordlab.compute.result import build_result
from concordlab.errors import ValidationError

__all__ = ["COHERENCE", "WAVELET_COHERENCE", "morlet_scales"]

# Values one batch of FFTs may hold (complex128: 16 MiB), so that memory stays bounded
# however long the session and however fine the grid.
_BATCH = 2**20

# The Morlet wavelet of Torrence & Compo (1998) and pycwt: omega0 = 6, its Fourier
# wavelength factor, its e-folding time (cone of influence) and its scale-decorrelation
# length (0.6 octave, the width of the smoothing across scales).
_OMEGA0 = 6.0
_FLAMBDA = 4 * math.pi / (_OMEGA0 + math.sqrt(2 + _OMEGA0**2))
_E_FOLDING = 1 / math.sqrt(2)
_DELTA_J0 = 0.6
# A person whose local wavelet power at a scale is below this fraction of its largest in
# the result is flat there: the ratio would be rounding noise (two exact implementations
# differ by 1e-3 there), so the cell is NaN.
_FLAT = 1e-8


def _band(frequencies: np.ndarray, low: float | None, high: float | None, what: str) -> np.ndarray:
    """Indices of ``frequencies`` within ``low..high`` Hz, or an error saying what is there."""
    keep = np.ones(frequencies.size, dtype=bool)
    if low is not None:
        keep &= frequencies >= low
    if high is not None:
        keep &= frequencies <= high
    if not keep.any():
        raise ValidationError(
            f"No frequency of the {what} lies within low_frequency={low} .. "
            f"high_frequency={high} Hz (its frequencies run from {frequencies.min():g} to "
            f"{frequencies.max():g} Hz); widen the band."
        )
    return np.flatnonzero(keep)


def _frequency_coord(frequencies: np.ndarray) -> tuple:
    return ("frequency", frequencies, {"units": "Hz", "long_name": "frequency"})


def _phase_coord(phase: np.ndarray) -> tuple:
    return (
        ("time", "frequency"),
        phase,
        {
            "units": "rad",
            "long_name": "phase of the cross-spectrum, angle(X Y*) (positive: the second "
            "person follows the first, by phase / (2 pi frequency) seconds)",
        },
    )


# --------------------------------------------------------------------------- Welch


def _coherence(
    pair: Pair,
    *,
    window: float,
    step: float,
    welch_segment: float,
    low_frequency: float | None,
    high_frequency: float | None,
    min_valid: float,
) -> xr.DataArray:
    """Windowed magnitude-squared coherence by Welch's method (see the module docstring).

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.simulate_dyad(120, turns=False, seed=1)
    >>> c = concordlab.concordance(s, method="coherence", window=30, step=10, high_frequency=1)
    >>> float(c["frequency"].max()), c.attrs["welch_segment"]
    (1.0, 5.0)
    """
    grid = WindowGrid.from_seconds(pair, window=window, step=step, min_valid=min_valid)
    nperseg = samples(welch_segment, pair.rate, "welch_segment", minimum=2)
    if nperseg > grid.window:
        raise ValidationError(
            f"welch_segment={welch_segment:g} s is longer than the window "
            f"({grid.window / pair.rate:g} s); "
            f"choose a segment of at most the window, better a quarter of it or less "
            f"(e.g. welch_segment={grid.window / pair.rate / 4:g})."
        )
    hop = nperseg - nperseg // 2
    offsets = np.arange((grid.window - nperseg) // hop + 1) * hop
    frequencies = fft.rfftfreq(nperseg, 1 / pair.rate)
    band = _band(frequencies, low_frequency, high_frequency, f"{nperseg}-sample segments")
    # Every distinct segment is transformed once; windows share their overlapping ones.
    starts, which = np.unique(grid.starts[:, None] + offsets, return_inverse=True)
    which = which.reshape(grid.starts.size, offsets.size)
    cross, power_first, power_second, complete = _segment_spectra(
        pair, starts, nperseg, band[0], band[-1] + 1
    )
    sums = [np.zeros((grid.starts.size, band.size), dtype=s.dtype) for s in (cross, power_first)]
    sums.append(np.zeros((grid.starts.size, band.size)))
    n_complete = np.zeros(grid.starts.size)
    for column in range(offsets.size):  # a loop over a window's few segments, not windows
        rows = which[:, column]
        for total, spectra in zip(sums, (cross, power_first, power_second), strict=True):
            total += spectra[rows]
        n_complete += complete[rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.abs(sums[0]) ** 2 / (sums[1] * sums[2])
    present = _present_counts(pair, grid)
    bad = (present < grid.min_count) | (n_complete < max(1.0, min_valid * offsets.size))
    values[bad] = np.nan
    phase = np.where(bad[:, None], np.nan, -np.angle(sums[0]))  # sums[0]: sum of conj(X) Y
    used = {
        "window": grid.seconds["window"],
        "step": grid.seconds["step"],
        "welch_segment": nperseg / pair.rate,
        "low_frequency": low_frequency,
        "high_frequency": high_frequency,
        "min_valid": min_valid,
    }
    return build_result(
        values,
        grid,
        pair,
        measure=COHERENCE,
        params=used,
        long_name="windowed magnitude-squared coherence (Welch)",
        name="coherence",
        coords={
            "frequency": _frequency_coord(frequencies[band]),
            "phase": _phase_coord(phase),
        },
    )


def _segment_spectra(
    pair: Pair, starts: np.ndarray, nperseg: int, first_bin: int, end_bin: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per segment start: ``conj(X) Y``, ``|X|^2``, ``|Y|^2`` in the band (zero for a
    segment with a missing sample) and whether the segment is complete."""
    taper = signal.get_window("hann", nperseg)
    n_bins = end_bin - first_bin
    cross = np.zeros((starts.size, n_bins), dtype=complex)
    power_first = np.zeros((starts.size, n_bins))
    power_second = np.zeros((starts.size, n_bins))
    complete = np.ones(starts.size, dtype=bool)
    views = [sliding_window_view(series, nperseg) for series in (pair.first, pair.second)]
    batch = max(1, _BATCH // nperseg)
    for begin in range(0, starts.size, batch):
        rows = slice(begin, begin + batch)
        spectra = []
        for view in views:
            segments = view[starts[rows]]
            segments = (segments - segments.mean(axis=1, keepdims=True)) * taper
            spectra.append(fft.rfft(segments, axis=1)[:, first_bin:end_bin])
        ok = np.isfinite(spectra[0]).all(axis=1) & np.isfinite(spectra[1]).all(axis=1)
        first, second = (np.where(ok[:, None], s, 0.0) for s in spectra)
        cross[rows] = first.conj() * second
        power_first[rows] = first.real**2 + first.imag**2
        power_second[rows] = second.real**2 + second.imag**2
        complete[rows] = ok
    return cross, power_first, power_second, complete


def _present_counts(pair: Pair, grid: WindowGrid) -> np.ndarray:
    """Samples present in both series, per window of the grid."""
    present = ~(np.isnan(pair.first) | np.isnan(pair.second))
    cumulative = np.concatenate([[0], np.cumsum(present)])
    return cumulative[grid.starts + grid.window] - cumulative[grid.starts]


COHERENCE = Measure(
    name="coherence",
    function=_coherence,
    parameters=(WINDOW, STEP, WELCH_SEGMENT, LOW_FREQUENCY, HIGH_FREQUENCY, MIN_VALID),
    dims=("time", "frequency"),
    summary="windowed magnitude-squared coherence by Welch's method (time x frequency)",
)


# --------------------------------------------------------------------------- wavelet


def morlet_scales(
    n_samples: int, sampling_rate: float, scales_per_octave: int = 12
) -> tuple[np.ndarray, np.ndarray]:
    """The Morlet wavelet scales (s) and their Fourier frequencies (Hz), as pycwt's defaults.

    Scales ``s0 * 2**(j / scales_per_octave)``, ``j = 0 .. J``, from ``s0`` = two
    samples' Fourier period to about the series' length: ``s0 = 2 / (sampling_rate *
    flambda)``, ``J = round(scales_per_octave * log2(n_samples / (sampling_rate * s0)))``,
    with ``flambda = 4 pi / (6 + sqrt(38))`` the Morlet wavelet's period per unit scale
    (Torrence & Compo 1998, Table 1). Frequency ``1 / (flambda * scale)``, decreasing.

    Parameters
    ----------
    n_samples : int
        The series' length in samples.
    sampling_rate : float
        Samples per second.
    scales_per_octave : int, default 12
        Scales per doubling of the scale.

    Returns
    -------
    scales, frequencies : numpy.ndarray

    Examples
    --------
    >>> scales, frequencies = morlet_scales(1024, 32.0, 4)
    >>> scales.size, round(float(frequencies[0]), 6)   # the first: the Nyquist frequency
    (37, 16.0)
    """
    dt = 1.0 / sampling_rate
    s0 = 2 * dt / _FLAMBDA
    dj = 1.0 / scales_per_octave
    n_scales = int(np.round(np.log2(n_samples * dt / s0) / dj)) + 1
    scales = s0 * 2 ** (np.arange(n_scales) * dj)
    return scales, 1 / (_FLAMBDA * scales)


def _wavelet_coherence(
    pair: Pair,
    *,
    step: float,
    scales_per_octave: int,
    low_frequency: float | None,
    high_frequency: float | None,
) -> xr.DataArray:
    """Morlet wavelet coherence over time and frequency (see the module docstring).

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.simulate_dyad(120, turns=False, seed=1)
    >>> c = concordlab.concordance(s, method="wavelet_coherence", step=5, low_frequency=0.05)
    >>> c.dims, c["inside_coi"].dims
    (('time', 'frequency'), ('time', 'frequency'))
    """
    n = pair.first.size
    missing = int(np.count_nonzero(np.isnan(pair.first) | np.isnan(pair.second)))
    if missing:
        raise ValidationError(
            f"wavelet_coherence transforms the whole '{pair.channel}' series, which has "
            f"{missing} missing sample(s); fill or interpolate the gaps first, or cut the "
            "session to a span without gaps (coherence by windows, method='coherence', "
            "leaves out the windows with gaps instead)."
        )
    step_n = samples(step, pair.rate, "step", length=n)
    scales, frequencies = morlet_scales(n, pair.rate, scales_per_octave)
    band = _band(frequencies, low_frequency, high_frequency, "wavelet scales")
    width = int(np.round(_DELTA_J0 * scales_per_octave * 2))  # pycwt's boxcar over scales
    # The boxcar reaches width // 2 scales below and (width - 1) // 2 above each scale.
    first = max(0, band[0] - width // 2)
    last = min(scales.size - 1, band[-1] + (width - 1) // 2)
    times = np.arange(0, n, step_n)
    smoothed = _smoothed_spectra(pair, scales[first : last + 1], times)
    boxcar = np.ones(width)
    boxcar[0] = boxcar[-1] = 0.5
    boxcar /= boxcar.sum()
    # Zero padding beyond the first and last scale, as pycwt; the rows computed beyond
    # the band only feed the band's rows.
    cross, power_first, power_second = (
        signal.convolve2d(part, boxcar[:, None], mode="same") for part in smoothed
    )
    keep = band - first
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.abs(cross[keep]) ** 2 / (power_first[keep] * power_second[keep])
        flat = np.zeros(values.shape, dtype=bool)
        for power in (power_first[keep], power_second[keep]):
            flat |= ~(power >= _FLAT * power.max(axis=1, keepdims=True))
    values[flat] = np.nan
    phase = np.where(flat, np.nan, np.angle(cross[keep]))  # cross: S(W1 W2*/s)
    # Ascending frequency: the scales reversed.
    values = values[::-1].T.copy()
    phase = phase[::-1].T.copy()
    band_frequencies = frequencies[band][::-1]
    coi = _FLAMBDA * _E_FOLDING / pair.rate * (n / 2 - np.abs(times - (n - 1) / 2))
    grid = WindowGrid(
        rate=pair.rate,
        offset=pair.offset,
        n_samples=n,
        window=0,
        step=step_n,
        lags=np.zeros(1, dtype=int),
        starts=times,
        min_valid=1.0,
        lag_convention=f"positive lag: {pair.persons[1]} follows {pair.persons[0]}",
    )
    used = {
        "step": step_n / pair.rate,
        "scales_per_octave": scales_per_octave,
        "low_frequency": low_frequency,
        "high_frequency": high_frequency,
    }
    return build_result(
        values,
        grid,
        pair,
        measure=WAVELET_COHERENCE,
        params=used,
        long_name="wavelet coherence (Morlet; Torrence & Compo 1998, Grinsted et al. 2004)",
        name="coherence",
        coords={
            "frequency": _frequency_coord(band_frequencies),
            "phase": _phase_coord(phase),
            "coi_period": (
                "time",
                coi,
                {"units": "s", "long_name": "longest period free of edge effects"},
            ),
            "inside_coi": (
                ("time", "frequency"),
                (1 / band_frequencies)[None, :] <= coi[:, None],
                {"long_name": "inside the cone of influence (free of edge effects)"},
            ),
        },
    )


def _smoothed_spectra(
    pair: Pair, scales: np.ndarray, times: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``S(W1 W2*/s)``, ``S(|W1|^2/s)``, ``S(|W2|^2/s)`` at ``times``, smoothed in time.

    ``(scales, times)`` arrays. The transforms are those of pycwt's ``cwt`` (Morlet,
    zero-padding to the next power of two, no Heaviside step in the wavelet's spectrum);
    the Gaussian smoothing in time is its ``Morlet.smooth`` (on the transform cut to the
    series' length and zero-padded again). Scales go in batches, so memory stays bounded.
    """
    n = pair.first.size
    padded = 1 << max(0, (n - 1).bit_length())
    dt = 1.0 / pair.rate
    standardised = []
    for series in (pair.first, pair.second):
        with np.errstate(invalid="ignore", divide="ignore"):
            standardised.append((series - series.mean()) / series.std())
    spectra = [fft.fft(series, padded) for series in standardised]
    omega = 2 * np.pi * fft.fftfreq(padded, dt)
    k_squared = (2 * np.pi * fft.fftfreq(padded)) ** 2
    out = [
        np.empty((scales.size, times.size), dtype=complex),
        *(np.empty((scales.size, times.size)) for _ in range(2)),
    ]
    batch = max(1, _BATCH // padded)
    for begin in range(0, scales.size, batch):
        block = scales[begin : begin + batch, None]
        wavelet = (block * omega[1] * padded) ** 0.5 * (
            np.pi**-0.25 * np.exp(-0.5 * (block * omega - _OMEGA0) ** 2)
        )
        first, second = (fft.ifft(s * wavelet, axis=1)[:, :n] for s in spectra)
        gaussian = np.exp(-0.5 * (block / dt) ** 2 * k_squared)
        cross = first * second.conj() / block
        # Both powers are real and the Gaussian is real and even: one complex transform
        # smooths the two at once (real part the first, imaginary part the second).
        powers = (first.real**2 + first.imag**2 + 1j * (second.real**2 + second.imag**2)) / block
        rows = slice(begin, begin + block.shape[0])
        for target, values in ((0, cross), (1, powers)):
            smooth = fft.ifft(gaussian * fft.fft(values, padded, axis=1), axis=1)[:, times]
            if target == 0:
                out[0][rows] = smooth
            else:
                out[1][rows] = smooth.real
                out[2][rows] = smooth.imag
    return out[0], out[1], out[2]


WAVELET_COHERENCE = Measure(
    name="wavelet_coherence",
    function=_wavelet_coherence,
    parameters=(STEP, SCALES_PER_OCTAVE, LOW_FREQUENCY, HIGH_FREQUENCY),
    dims=("time", "frequency"),
    summary="Morlet wavelet coherence over time and frequency, with its cone of influence",
    fast=False,
)

MEASURES = (COHERENCE, WAVELET_COHERENCE)
"""The measures this module declares (the registry reads them)."""
