"""The measures' parameters, each declared once: rule, default, unit, documentation, slider.

A measure module lists the ones it takes; :func:`concordlab.concordance`, the CLI's flags,
the explorer's sliders and the docstrings (through :data:`concordlab._docs.DOCS`) all
come from these declarations.

Examples
--------
>>> WINDOW.default, WINDOW.unit, WINDOW.slider
(15.0, 's', (2.0, 120.0, 0.5))
>>> MAX_LAG.check(5)
5.0
"""

from __future__ import annotations

from concordlab._checks import FLAG, SECONDS, Choice, Integer, Real
from concordlab._docs import DOCS
from concordlab.compute._common import FRACTION
from concordlab.compute.registry import Parameter

__all__ = [
    "ABSOLUTE",
    "DELAY",
    "DERIVATIVE",
    "EMBEDDING",
    "FISHER_Z",
    "HIGH_FREQUENCY",
    "LAG_STEP",
    "LOW_FREQUENCY",
    "MAX_LAG",
    "MIN_LINE",
    "MIN_VALID",
    "ORDER",
    "PAIR_METHOD",
    "PEAK_SEARCH",
    "RADIUS",
    "SCALES_PER_OCTAVE",
    "SEGMENT_LENGTH",
    "SLOPE_WINDOW",
    "STANDARDIZE",
    "STEP",
    "WELCH_SEGMENT",
    "WINDOW",
]

WINDOW = Parameter(
    "window",
    SECONDS,
    15.0,
    "Window length in seconds (rounded to whole samples).",
    unit="s",
    slider=(2.0, 120.0, 0.5),
)
STEP = Parameter(
    "step",
    SECONDS,
    1.0,
    "Seconds between window starts (rounded to whole samples).",
    unit="s",
    slider=(0.25, 30.0, 0.25),
)
SLOPE_WINDOW = Parameter(
    "slope_window",
    SECONDS,
    5.0,
    "Seconds over which each local slope is fitted (rounded up to an odd number of samples).",
    unit="s",
    slider=(1.0, 20.0, 0.5),
)
MAX_LAG = Parameter(
    "max_lag",
    SECONDS,
    5.0,
    "Largest lag in seconds, in both directions (positive lag: the second person "
    "follows the first).",
    unit="s",
    slider=(0.0, 20.0, 0.25),
)
LAG_STEP = Parameter(
    "lag_step",
    SECONDS,
    None,
    "Seconds between lags; default one sample.",
    unit="s",
    optional=True,
)
PEAK_SEARCH = Parameter(
    "peak_search",
    SECONDS,
    None,
    "Largest absolute lag searched for each window's peak, in seconds; default all lags.",
    unit="s",
    optional=True,
)
MIN_VALID = Parameter(
    "min_valid",
    FRACTION,
    0.5,
    "Fraction of a window's samples (and of a slope window's) that must be present; "
    "otherwise the value is NaN.",
)
FISHER_Z = Parameter(
    "fisher_z", FLAG, False, "Return Fisher's z = atanh(r), clipped to ±10 (rMEA's r2Z)."
)
ABSOLUTE = Parameter(
    "absolute", FLAG, False, "Return absolute values (rMEA's ABS), after fisher_z."
)

for _parameter in (
    WINDOW,
    STEP,
    SLOPE_WINDOW,
    MAX_LAG,
    LAG_STEP,
    PEAK_SEARCH,
    MIN_VALID,
    FISHER_Z,
    ABSOLUTE,
):
    DOCS.add_parameter(_parameter)

FREQUENCY = Real(low=0.0, low_open=True, high=1e6, unit="Hz", example="0.5")
"""A frequency in Hz: more than zero."""

LOW_FREQUENCY = Parameter(
    "low_frequency",
    FREQUENCY,
    None,
    "Lowest frequency kept, in Hz (a band-pass's lower edge, or a spectrum's lowest "
    "frequency shown); default no lower limit.",
    unit="Hz",
    optional=True,
)
HIGH_FREQUENCY = Parameter(
    "high_frequency",
    FREQUENCY,
    None,
    "Highest frequency kept, in Hz (a band-pass's upper edge, or a spectrum's highest "
    "frequency shown); default no upper limit (the Nyquist frequency).",
    unit="Hz",
    optional=True,
)

for _parameter in (LOW_FREQUENCY, HIGH_FREQUENCY):
    DOCS.add_parameter(_parameter)

# --- groups (issue 16) ---

PAIR_METHODS = (
    "slope",
    "pearson",
    "wlcc_peak",
    "phase_sync",
    "phase_sync_nk",
    "dtw",
    "dtw_lag",
    "recurrence_rate",
    "determinism",
    "mean_line",
    "granger_lead",
)
"""The dyadic measures ``mean_pairwise`` averages over pairs: every registered dyadic measure
with one value per window that takes ``window``, ``step`` and ``min_valid`` (a test checks
the list against the registry)."""

PAIR_METHOD = Parameter(
    "pair_method",
    Choice(PAIR_METHODS),
    "slope",
    "The dyadic measure averaged over every pair of persons, on the same windows (its "
    "other parameters keep their defaults).",
)

for _parameter in (PAIR_METHOD,):
    DOCS.add_parameter(_parameter)


# --- coherence, wavelet_coherence (issue 16) ---

WELCH_SEGMENT = Parameter(
    "welch_segment",
    SECONDS,
    5.0,
    "Length in seconds of Welch's segments within each window (Hann-tapered, 50 % overlap, "
    "rounded to whole samples); the frequency resolution is 1/welch_segment Hz.",
    unit="s",
    slider=(1.0, 60.0, 0.5),
)
SCALES_PER_OCTAVE = Parameter(
    "scales_per_octave",
    Integer(low=1, high=64, example="12"),
    12,
    "Wavelet scales per octave (pycwt's 1/dj): more gives a finer frequency axis.",
    slider=(2, 32, 1),
)

for _parameter in (WELCH_SEGMENT, SCALES_PER_OCTAVE):
    DOCS.add_parameter(_parameter)


# --- dtw (issue 16) ---

STANDARDIZE = Parameter(
    "standardize",
    FLAG,
    True,
    "Z-score each person's series within each window (mean 0, population standard deviation "
    "1) before comparing them, so that the measure reads the shape of the two time courses, "
    "not their levels or amplitudes; a window where either series is constant is then NaN.",
)

DERIVATIVE = Parameter(
    "derivative",
    FLAG,
    False,
    "Compare the two persons' local slopes (the least-squares slope over 3 samples, a "
    "central difference) instead of their levels: derivative DTW (Keogh & Pazzani 2001), "
    "which aligns rises with rises and peaks with peaks rather than levels with levels.",
)

for _parameter in (STANDARDIZE, DERIVATIVE):
    DOCS.add_parameter(_parameter)


# --- recurrence (issue 16) ---
EMBEDDING = Parameter(
    "embedding",
    Integer(low=1, high=20, example="3"),
    3,
    "Embedding dimension: each state is this many samples of one person's z-scored signal, "
    "delay apart (time-delay embedding).",
)
DELAY = Parameter(
    "delay",
    SECONDS,
    None,
    "Seconds between the samples of an embedded state (rounded to whole samples); default "
    "one sample.",
    unit="s",
    optional=True,
)
RADIUS = Parameter(
    "radius",
    Real(low=0.0, low_open=True, high=1e3, example="0.1"),
    0.1,
    "Largest Euclidean distance between two embedded states (of signals z-scored in each "
    "window) that counts as a recurrence.",
    slider=(0.05, 2.0, 0.05),
)
MIN_LINE = Parameter(
    "min_line",
    Integer(low=1, high=1000, example="2"),
    2,
    "Shortest diagonal line of recurrences (in samples) that counts for determinism and "
    "mean line length.",
)

for _parameter in (EMBEDDING, DELAY, RADIUS, MIN_LINE):
    DOCS.add_parameter(_parameter)


# --- susy and granger (issue 16) ---

SEGMENT_LENGTH = Parameter(
    "segment_length",
    SECONDS,
    30.0,
    "Length in seconds of the consecutive, non-overlapping segments the session is cut "
    "into (rounded to whole samples; the remainder at the end is left out).",
    unit="s",
    slider=(5.0, 120.0, 1.0),
)
ORDER = Parameter(
    "order",
    Integer(low=1, high=1000, example="5"),
    5,
    "Number of past samples each regression uses (the model order), at the channel's "
    "sampling rate: resample first to reach further back in seconds.",
    slider=(1.0, 20.0, 1.0),
)

for _parameter in (SEGMENT_LENGTH, ORDER):
    DOCS.add_parameter(_parameter)
