"""Simulated dyads with known ground truth, for teaching and for testing measures.

The generative model, in a few lines:

1. **Arousal.** Each person has a latent arousal (unitless, mean 0, SD 1) that mixes a
   *shared* driver and a *private* one, both smooth random processes (time scale about
   5 s): ``arousal = sqrt(c(t)) * shared + sqrt(1 - c(t)) * private``. The coupling
   ``c(t)`` runs from 0 (two strangers) to 1 (one shared arousal). The second person
   sees the shared driver ``lag`` seconds later than the first: **positive lag = the
   second person follows the first**.
2. **Talk turns.** The two people take turns to talk (durations drawn around
   ``mean_turn`` seconds). While the second person (the therapist) talks, the coupling
   drops to ``coupling * talk_coupling``, as Marci et al. (2007) observed (changes are
   smoothed over 1 s).
3. **Skin conductance (EDA, µS).** A slow tonic level (a personal baseline of 2–12 µS
   that drifts slowly and rises by about 20 % per SD of sustained arousal, following it
   through two first-order low-pass stages of 30 s each, so it lags arousal smoothly by
   about a minute; always positive) plus phasic skin conductance responses (SCRs):
   events whose rate grows with arousal (about 3 per minute on average, of which a
   detector counting rises of at least 0.05 µS finds about 2.6). A share ``c(t)`` of
   them are *shared moments* that evoke a response in both people (the second person's
   ``lag`` seconds later); the rest are private. Each SCR is shaped like a Bateman
   function ``exp(-t/3.75 s) - exp(-t/1 s)``, the default response shape of Ledalab's
   continuous decomposition analysis (Benedek & Kaernbach 2010): it peaks 1.8 s after
   its onset and recovers to half its amplitude 3.7 s after the peak. Amplitudes are
   log-normal around 0.2 µS. White measurement noise of SD 0.0013 µS is added.
4. **Heart rate (bpm, 4 Hz).** A personal baseline (65–85 bpm) plus 4 bpm per unit of
   arousal, respiratory sinus arrhythmia, slow drift and noise.

Because every simulated session stores its generating parameters and the effective
coupling over time in its ``truth`` node, a measure of concordance can be checked
against what was put in. Each part of the model (arousal, turns, EDA, heart rate) draws
from its own random stream, so changing one parameter with the same ``seed`` changes
only what that parameter governs.

How realistic the EDA is
------------------------
The SCR shape, rate and noise are fitted to published SCR figures and to two real
recordings bundled with NeuroKit2 (Makowski et al. 2021; 100 Hz, resampled to 32 Hz):
an 8-minute resting recording and a 150 s event-related one. One small SCR detector
(1 Hz low-pass; onset where the slope rises through 0.01 µS/s; peak where it next
falls to 0; amplitude at least 0.05 µS) measures both, in
``tests/test_simulate_physiology.py``:

- rise time, onset to peak (median): 1.6 s real, 2.2 s simulated (2.3 s and 2.2 s for
  responses that start on a flat baseline);
- half recovery time, peak to half amplitude (median, responses on a flat baseline):
  4.1 s real, 3.7 s simulated;
- SCRs of at least 0.05 µS per minute: 0.1 (rest) and 4.6 (events) real, 2.6
  simulated;
- noise, the robust SD of the sample-to-sample change of the part above 1 Hz:
  0.0017 and 0.0020 µS real, 0.0019 µS simulated.

The tonic level follows arousal slowly and smoothly, so that, as in the real
recordings, its rises are too slow to be counted as SCRs or to hide their recovery.

Dawson, Schell & Filion (2007, Table 7.1) give as typical values a rise time of 1-3 s,
a half recovery time of 2-10 s, 1-3 non-specific SCRs per minute at rest and a
minimum amplitude of 0.01-0.05 µS for counting a response.

References
----------
Marci, C. D., Ham, J., Moran, E., & Orr, S. P. (2007). Physiologic correlates of
perceived therapist empathy and social-emotional process during psychotherapy.
*J Nerv Ment Dis*, 195(2), 103-111.

Benedek, M., & Kaernbach, C. (2010). A continuous measure of phasic electrodermal
activity. *J Neurosci Methods*, 190(1), 80-91. (Its reference implementation, Ledalab,
uses ``tau = [1, 3.75]`` s as the default Bateman time constants.)

Dawson, M. E., Schell, A. M., & Filion, D. L. (2007). The electrodermal system. In
J. T. Cacioppo, L. G. Tassinary, & G. G. Berntson (Eds.), *Handbook of
Psychophysiology* (3rd ed., pp. 159-181). Cambridge University Press.

Makowski, D., Pham, T., Lau, Z. J., Brammer, J. C., Lespinasse, F., Pham, H.,
Schölzel, C., & Chen, S. H. A. (2021). NeuroKit2: A Python toolbox for
neurophysiological signal processing. *Behav Res Methods*, 53(4), 1689-1696.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy import ndimage, signal

from concordlab._checks import (
    FLAG,
    MAX_SECONDS,
    PAIR_PERSONS,
    PERSONS,
    SAMPLING_RATE,
    UNIT_INTERVAL,
    Bounds,
    Channels,
    Integer,
    Real,
    Text,
    check_seed,
    check_unit_interval,
)
from concordlab._deprecate import renamed
from concordlab.errors import ValidationError
from concordlab.segments import set_segments
from concordlab.session import DEFAULT_PERSONS, from_arrays

__all__ = ["Cohort", "bateman_kernel", "simulate_cohort", "simulate_dyad", "simulate_group"]

GENERATOR = "concordlab.simulate.simulate_dyad"
GROUP_GENERATOR = "concordlab.simulate.simulate_group"
FAMILY = ("therapist", "mother", "father", "child")
"""The default persons of a simulated group of four (a family session)."""
SUPPORTED_CHANNELS = ("eda", "hr")
SIMULATED_UNITS = {"eda": "uS", "hr": "bpm"}
"""The unit of each simulated channel (skin conductance in µS, heart rate in beats/min)."""

# Fixed constants of the generative model (documented in the module docstring). The EDA
# constants are fitted to real resting and event-related recordings and to published SCR
# figures; tests/test_simulate_physiology.py measures both with one SCR detector.
AROUSAL_TIMESCALE = 5.0  # s, SD of the Gaussian smoothing of the arousal drivers
DRIFT_TIMESCALE = 60.0  # s, slow drift of the tonic level and of the heart rate
TAU_RISE = 1.0  # s, Bateman onset time constant (Ledalab's CDA default, Benedek & Kaernbach 2010)
TAU_DECAY = 3.75  # s, Bateman recovery time constant (idem): peak 1.8 s, half recovery 3.7 s
TONIC_TAU = 30.0  # s, time constant of each stage of the low-pass the tonic level follows
TONIC_STAGES = 2  # arousal through (two first-order stages: a smooth lag of ~1 min)
TONIC_AROUSAL_GAIN = 0.20  # relative rise of the tonic level per SD of sustained arousal
TONIC_DRIFT_GAIN = 0.08  # relative SD of the slow tonic drift
EDA_BASELINE_RANGE = (2.0, 12.0)  # µS, uniform
SCR_BASE_RATE = 1.5 / 60.0  # events per second at arousal 0
SCR_AROUSAL_GAIN = 1.2  # log-rate increase per SD of arousal (mean rate ~3 per minute)
SCR_MEDIAN_AMPLITUDE = 0.2  # µS
SCR_AMPLITUDE_SIGMA = 0.6  # log-normal sigma
EDA_NOISE = 0.0013  # µS, SD of white measurement noise
HR_BASELINE_RANGE = (65.0, 85.0)  # bpm, uniform
HR_AROUSAL_GAIN = 4.0  # bpm per SD of arousal
HR_RSA_AMPLITUDE = 2.0  # bpm, respiratory sinus arrhythmia
HR_RESP_RANGE = (0.2, 0.33)  # Hz, breathing rate
HR_DRIFT = 1.5  # bpm, SD of the slow drift
HR_NOISE = 1.0  # bpm, SD of white noise
COUPLING_RAMP = 1.0  # s, coupling changes at turn boundaries are smoothed over this span

_STREAMS = ("arousal", "turns", "eda", "hr")


# --------------------------------------------------------------------------- validation


_CHANNELS = Channels(none=False, example="('eda', 'hr')")
"""The channels simulated, among :data:`SUPPORTED_CHANNELS`."""


# --------------------------------------------------------------------------- building blocks


def _smooth_noise(
    rng: np.random.Generator, rows: int, n: int, dt: float, scale: float
) -> np.ndarray:
    """Stationary Gaussian process, mean 0, SD 1, Gaussian autocorrelation of width ~scale s.

    White noise is convolved with a Gaussian kernel normalised to unit energy (so the
    variance is exactly 1) on a grid coarse enough to be cheap (scale / 8), then linearly
    interpolated to ``n`` samples spaced ``dt`` seconds apart.
    """
    step = max(dt, scale / 8.0)
    ratio = step / dt
    n_coarse = math.ceil((n - 1) / ratio) + 2
    half = math.ceil(4.0 * scale / step)
    kernel = signal.windows.gaussian(2 * half + 1, scale / step)
    kernel /= np.sqrt(np.sum(kernel**2))
    white = rng.standard_normal((rows, n_coarse + 2 * half))
    coarse = signal.fftconvolve(white, kernel[None, :], mode="valid", axes=-1)
    if ratio == 1.0:
        return coarse[:, :n]
    fine = np.arange(n) / ratio
    return np.stack([np.interp(fine, np.arange(n_coarse), row) for row in coarse])


# The most samples a simulated series (or response kernel) may have: 2**26 (512 MiB of
# float64; 24 days at 32 Hz), so a huge duration is refused instead of exhausting memory.
MAX_SAMPLES = 2**26
_DURATION = Real(low=0.0, low_open=True, high=MAX_SECONDS, unit="seconds", example="600")
_LAG = Real(low=-MAX_SECONDS, high=MAX_SECONDS, unit="seconds", example="2.0")
_TIME_CONSTANT = Real(low=0.0, low_open=True, high=3600.0, unit="seconds", example="2.0")
# Shorter mean turns would make the turn sampler draw without end.
_MEAN_TURN = Real(low=0.1, high=MAX_SECONDS, unit="seconds", example="20")
_DYADS = Integer(low=1, high=10_000, example="20")
_COUPLING_RANGE = Bounds(UNIT_INTERVAL, example="(0.1, 0.9)")
_LAG_RANGE = Bounds(_LAG, example="(0, 3)")
_RATING_CORRELATION = Real(low=-1.0, high=1.0, example="0.5")


def bateman_kernel(
    sampling_rate: float, tau_rise: float = TAU_RISE, tau_decay: float = TAU_DECAY
) -> np.ndarray:
    """The shape of one skin conductance response, peak 1, sampled at ``sampling_rate``.

    ``exp(-t / tau_decay) - exp(-t / tau_rise)`` for ``t >= 0`` (Benedek & Kaernbach
    2010), scaled so that its maximum is 1 and truncated after ``10 * tau_decay``.

    Parameters
    ----------
    sampling_rate : float
        Samples per second (Hz).
    tau_rise, tau_decay : float, default 1.0 and 3.75
        Onset and decay time constants in seconds; ``tau_rise < tau_decay``. The
        defaults are Ledalab's (Benedek & Kaernbach 2010): the response peaks 1.8 s
        after its onset and falls to half its peak 3.7 s later.

    Returns
    -------
    numpy.ndarray
        The kernel, starting at ``t = 0``.

    Examples
    --------
    >>> k = bateman_kernel(32.0)
    >>> round(float(k.max()), 3), float(k.argmax() / 32.0)  # peak 1.80 s after onset
    (1.0, 1.8125)
    >>> peak = int(k.argmax())
    >>> float((peak + np.argmax(k[peak:] <= 0.5)) / 32.0)  # half its peak 3.70 s later
    5.5
    """
    sampling_rate = SAMPLING_RATE.check(sampling_rate, "sampling_rate")
    tau_rise = _TIME_CONSTANT.check(tau_rise, "tau_rise")
    tau_decay = _TIME_CONSTANT.check(tau_decay, "tau_decay")
    if not tau_rise < tau_decay:
        raise ValidationError(
            f"tau_rise ({tau_rise:g} s) must be shorter than tau_decay ({tau_decay:g} s)."
        )
    if 10.0 * tau_decay * sampling_rate > MAX_SAMPLES:
        raise ValidationError(
            f"tau_decay={tau_decay:g} s at {sampling_rate:g} Hz asks for a kernel of more than "
            f"{MAX_SAMPLES:,} samples (10 time constants); use a shorter tau_decay or a lower "
            "sampling_rate."
        )
    t = np.arange(math.ceil(10.0 * tau_decay * sampling_rate) + 1) / sampling_rate
    kernel = np.exp(-t / tau_decay) - np.exp(-t / tau_rise)
    t_peak = math.log(tau_decay / tau_rise) * tau_rise * tau_decay / (tau_decay - tau_rise)
    return kernel / (math.exp(-t_peak / tau_decay) - math.exp(-t_peak / tau_rise))


def _talk_turns(
    rng: np.random.Generator, duration: float, mean_turn: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Alternating turns covering [0, duration]: starts, ends and speaker index (0 or 1).

    Durations are gamma distributed (shape 2, so very short turns are rare) with mean
    ``mean_turn``; the first speaker is drawn at random.
    """
    first = int(rng.integers(2))
    lengths: list[np.ndarray] = []
    total = 0.0
    while total < duration:
        chunk = rng.gamma(2.0, mean_turn / 2.0, size=64)
        lengths.append(chunk)
        total += float(chunk.sum())
    ends = np.cumsum(np.concatenate(lengths))
    count = int(np.searchsorted(ends, duration)) + 1
    ends = np.minimum(ends[:count], duration)
    starts = np.concatenate([[0.0], ends[:-1]])
    speaker = (first + np.arange(count)) % 2
    keep = ends > starts
    return starts[keep], ends[keep], speaker[keep]


def _coupling_curve(
    time: np.ndarray,
    fs: float,
    coupling: float,
    talk_coupling: float,
    turns: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
) -> np.ndarray:
    """The effective coupling c(t) on the time grid."""
    if turns is None:
        return np.full(time.shape, coupling)
    starts, _, speaker = turns
    turn = np.clip(np.searchsorted(starts, time, side="right") - 1, 0, len(starts) - 1)
    talking = (speaker[turn] == 1).astype(np.float64)  # 1 while the second person talks
    width = max(1, round(COUPLING_RAMP * fs))
    if width > 1:
        talking = ndimage.uniform_filter1d(talking, width, mode="nearest")
    low = coupling * talk_coupling
    # Exact plateaus (coupling, coupling * talk_coupling), linear ramps between them.
    ramp = np.clip(coupling + talking * (low - coupling), min(low, coupling), coupling)
    return np.where(talking <= 1e-12, coupling, np.where(talking >= 1 - 1e-12, low, ramp))


def _arousal(
    rng: np.random.Generator,
    offsets: Sequence[int],
    c_all: np.ndarray,
    n_all: int,
    dt: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each person's latent arousal ``sqrt(c) * shared + sqrt(1 - c) * private``.

    Person ``i`` sees the shared driver from sample ``offsets[i]`` of its clock on (a
    smaller offset: later, i.e. following); ``c_all`` is the coupling over time (one
    row for all, or one row per person). Returns the arousal ``(persons, n_all)``, the
    shared driver and the private drivers.
    """
    shared = _smooth_noise(rng, 1, n_all + max(offsets), dt, AROUSAL_TIMESCALE)[0]
    private = _smooth_noise(rng, len(offsets), n_all, dt, AROUSAL_TIMESCALE)
    shared_each = np.stack([shared[o : o + n_all] for o in offsets])
    return np.sqrt(c_all) * shared_each + np.sqrt(1.0 - c_all) * private, shared, private


def _eda(
    rng: np.random.Generator,
    arousal: np.ndarray,
    shared: np.ndarray,
    private: np.ndarray,
    offsets: Sequence[int],
    c_shared: np.ndarray,
    c_all: np.ndarray,
    n_pre: int,
    n: int,
    fs: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Each person's skin conductance (µS, ``(persons, n)``) and drawn baseline.

    A tonic level following arousal through the low-pass stages, plus SCRs: with
    probability c a shared moment (on the shared driver's clock, ``c_shared``: one row
    for all or one per person) evokes a response in each person, at the person's
    ``offsets`` into that clock; private responses fill in at rate (1 - c), so the mean
    rate does not depend on the coupling.
    """
    rows, n_all = arousal.shape
    dt = 1.0 / fs
    eda_baseline = rng.uniform(*EDA_BASELINE_RANGE, size=rows)
    drift = _smooth_noise(rng, rows, n_all, dt, DRIFT_TIMESCALE)
    a = math.exp(-dt / TONIC_TAU)
    slow_arousal = arousal
    for _ in range(TONIC_STAGES):
        slow_arousal = signal.lfilter(
            [1.0 - a], [1.0, -a], slow_arousal, axis=-1, zi=a * slow_arousal[:, :1]
        )[0]
    tonic = eda_baseline[:, None] * np.exp(
        TONIC_DRIFT_GAIN * drift + TONIC_AROUSAL_GAIN * slow_arousal
    )
    shared_rate = SCR_BASE_RATE * np.exp(SCR_AROUSAL_GAIN * shared)
    shared_events = rng.random(shared.size) < np.minimum(shared_rate * dt, 1.0) * c_shared
    if shared_events.ndim == 1:
        kept = np.stack([shared_events[o : o + n_all] for o in offsets])
    else:
        kept = np.stack([shared_events[i, o : o + n_all] for i, o in enumerate(offsets)])
    private_rate = SCR_BASE_RATE * np.exp(SCR_AROUSAL_GAIN * private) * (1.0 - c_all)
    onsets = kept | (rng.random((rows, n_all)) < np.minimum(private_rate * dt, 1.0))
    amplitudes = rng.lognormal(math.log(SCR_MEDIAN_AMPLITUDE), SCR_AMPLITUDE_SIGMA, (rows, n_all))
    kernel = bateman_kernel(fs)
    phasic = signal.fftconvolve(onsets * amplitudes, kernel[None, :], axes=-1)[:, :n_all]
    noise = EDA_NOISE * rng.standard_normal((rows, n))
    return np.maximum(tonic[:, n_pre:] + phasic[:, n_pre:] + noise, 0.01), eda_baseline


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """One random stream per part of the model (arousal, turns, EDA, heart rate)."""
    seeds = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return dict(zip(_STREAMS, (np.random.default_rng(s) for s in seeds), strict=True))


def _eda_rate(sampling_rate: Any) -> float:
    """The EDA sampling rate, at least 1 Hz (to resolve skin conductance responses)."""
    fs = SAMPLING_RATE.check(sampling_rate, "sampling_rate")
    if fs < 1.0:
        raise ValidationError(
            f"sampling_rate must be at least 1 Hz to resolve skin conductance responses "
            f"(4-32 Hz is typical), got {fs!r}."
        )
    return fs


def _truth_attrs(parameters: dict[str, Any]) -> dict[str, Any]:
    """The attrs of a ``truth`` node every simulation writes: duration, rate, seed, the
    parameters and the model's constants."""
    return {
        "duration": parameters["duration"],
        "sampling_rate": parameters["sampling_rate"],
        "seed": parameters["seed"],
        "parameters": json.dumps(parameters, sort_keys=True),
        "constants": json.dumps(_constants(), sort_keys=True),
    }


# --------------------------------------------------------------------------- the dyad


@renamed(fs="sampling_rate", hr_rate="hr_sampling_rate")
def simulate_dyad(
    duration: float = 600.0,
    *,
    coupling: float = 0.6,
    lag: float = 2.0,
    sampling_rate: float = 32.0,
    turns: bool = True,
    talk_coupling: float = 0.2,
    mean_turn: float = 20.0,
    channels: Sequence[str] = SUPPORTED_CHANNELS,
    hr_sampling_rate: float = 4.0,
    persons: Sequence[str] = DEFAULT_PERSONS,
    seed: int | None = None,
    session_id: str | None = None,
) -> xr.DataTree:
    """Simulate one dyad session with known physiological coupling.

    See the module docstring for the generative model. Everything random is drawn from
    ``numpy.random.default_rng`` streams derived from ``seed``: the same seed gives an
    identical session.

    Parameters
    ----------
    duration : float, default 600.0
        Length of the session in seconds.
    coupling : float, default 0.6
        Share of arousal the two people have in common while the first person talks (or
        all the time when ``turns=False``), between 0 (independent) and 1 (identical,
        up to the lag).
    lag : float, default 2.0
        Delay in seconds of the second person's shared arousal behind the first's.
        **Positive lag = the second person follows the first**; negative = the second
        leads. Rounded to the nearest sample; ``abs(lag)`` must be shorter than the session.
    sampling_rate : float, default 32.0
        Rate of the EDA channel in Hz (and of the ``truth`` node), at least 1 Hz. Its old
        name ``fs`` still works until concordlab 0.3, with a ``FutureWarning``.
    turns : bool, default True
        Simulate alternating talk turns, stored as segments labelled ``"talk"`` with
        ``person`` = the speaker. With False the coupling is constant.
    talk_coupling : float, default 0.2
        Factor in [0, 1] applied to the coupling while the second person (the
        therapist) talks: the coupling is then ``coupling * talk_coupling``.
    mean_turn : float, default 20.0
        Mean duration of a talk turn in seconds.
    channels : sequence of str, default ("eda", "hr")
        Which channels to produce: ``"eda"`` (skin conductance, µS, at
        ``sampling_rate``) and/or ``"hr"`` (heart rate, bpm, at ``hr_sampling_rate``).
    hr_sampling_rate : float, default 4.0
        Rate of the heart-rate channel in Hz. Its old name ``hr_rate`` still works until
        concordlab 0.3, with a ``FutureWarning``.
    persons : pair of str, default ("patient", "therapist")
        Labels of the two people; the second one follows by ``lag`` and is the one
        whose talking lowers the coupling.
    seed : int, optional
        Seed of the random streams. With None a fresh seed is drawn and stored in
        ``truth.attrs["seed"]`` so the session can be regenerated.
    session_id : str, optional
        Name of the session; default ``"sim-<seed>"``.

    Returns
    -------
    xarray.DataTree
        A concordlab session: one node per channel, ``segments`` (the talk turns) and a
        ``truth`` node holding the effective ``coupling`` over time (dim ``time``, at
        ``sampling_rate``), each person's latent ``arousal`` and drawn baselines, with
        the generating parameters in its attrs. The root metadata says
        ``"simulated": true``.

    Raises
    ------
    ValidationError
        If a parameter is out of range; the message says what to change.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.simulate_dyad(120, coupling=0.8, lag=1.5, seed=1)
    >>> concordlab.channels(s), concordlab.persons(s)
    (['eda', 'hr'], ('patient', 'therapist'))
    >>> s["eda"]["eda"].attrs["units"], s["eda"].sizes["time"], s["hr"].sizes["time"]
    ('uS', 3840, 480)
    >>> concordlab.metadata(s)["simulated"], s["truth"].attrs["lag"]
    (True, 1.5)
    >>> sorted(set(concordlab.segments(s)["person"]))
    ['patient', 'therapist']
    >>> float(s["truth"]["coupling"].max())  # while the patient talks
    0.8
    """
    duration = _DURATION.check(duration, "duration")
    coupling = check_unit_interval(coupling, "coupling")
    talk_coupling = check_unit_interval(talk_coupling, "talk_coupling")
    lag = _LAG.check(lag, "lag")
    fs = _eda_rate(sampling_rate)
    hr_rate = SAMPLING_RATE.check(hr_sampling_rate, "hr_sampling_rate")
    mean_turn = _MEAN_TURN.check(mean_turn, "mean_turn")
    turns = FLAG.check(turns, "turns")
    wanted = _CHANNELS.check(
        channels, "channels", available=SUPPORTED_CHANNELS, where="the simulated channels"
    )
    persons = PAIR_PERSONS.check(persons, "persons")
    seed = check_seed(seed)
    if session_id is None:
        session_id = f"sim-{seed}"
    session_id = Text(non_empty=True, example="'sim-1'").check(session_id, "session_id")
    n = round(duration * fs)
    n_hr = round(duration * hr_rate)
    for name, count, rate in (("eda", n, fs), ("hr", n_hr, hr_rate)):
        if name in wanted and count > MAX_SAMPLES:
            raise ValidationError(
                f"duration={duration:g} s at {rate:g} Hz gives {count:,} samples of '{name}', "
                f"more than the {MAX_SAMPLES:,} a simulated series may have; use a duration of "
                f"at most {MAX_SAMPLES / rate:g} s at that rate."
            )
    for name, count, rate in (("eda", n, fs), ("hr", n_hr, hr_rate)):
        if name in wanted and count < 2:
            raise ValidationError(
                f"duration={duration:g} s gives {count} sample(s) of '{name}' at {rate:g} Hz; "
                f"make it at least {2 / rate:g} s."
            )
    if abs(lag) >= duration:
        raise ValidationError(
            f"lag={lag:g} s is not shorter than the session ({duration:g} s); "
            "use a lag of a few seconds, e.g. 2.0."
        )

    streams = _streams(seed)
    dt = 1.0 / fs
    n = max(n, 2)
    time = np.arange(n) * dt
    kernel = bateman_kernel(fs)
    # A warm-up period before t = 0, so SCRs (one kernel) and the tonic level (three time
    # constants per low-pass stage) settle.
    n_pre = max(len(kernel), math.ceil(3.0 * TONIC_STAGES * TONIC_TAU * fs))
    n_all = n_pre + n

    # 1. Coupling over time, from the talk turns.
    turn_table = _talk_turns(streams["turns"], duration, mean_turn) if turns else None
    c = _coupling_curve(time, fs, coupling, talk_coupling, turn_table)
    c_all = np.concatenate([np.full(n_pre, c[0]), c])

    # 2. Arousal: shared driver (person 2 delayed by lag) and private drivers.
    k = round(lag * fs)
    first = max(k, 0)
    offsets = (first, first - k)  # where each person's view of the shared driver starts
    arousal, shared, private = _arousal(streams["arousal"], offsets, c_all, n_all, dt)

    data: dict[str, np.ndarray] = {}
    rates: dict[str, float] = {}

    # 3. Skin conductance (drawn even when not requested, so streams stay aligned).
    c_shared = np.pad(c_all, (first, abs(k) - first), mode="edge")  # c on the shared clock
    eda, eda_baseline = _eda(
        streams["eda"], arousal, shared, private, offsets, c_shared, c_all, n_pre, n, fs
    )
    if "eda" in wanted:
        data["eda"] = eda
        rates["eda"] = fs

    # 4. Heart rate at hr_sampling_rate, driven by the same arousal.
    rng = streams["hr"]
    hr_baseline = rng.uniform(*HR_BASELINE_RANGE, size=2)
    breathing = rng.uniform(*HR_RESP_RANGE, size=2)
    phase = rng.uniform(0.0, 2.0 * math.pi, size=2)
    n_hr = max(n_hr, 2)
    hr_time = np.arange(n_hr) / hr_rate
    hr_drift = _smooth_noise(rng, 2, n_hr, 1.0 / hr_rate, DRIFT_TIMESCALE)
    hr_noise = rng.standard_normal((2, n_hr))
    if "hr" in wanted:
        arousal_hr = np.stack([np.interp(hr_time, time, row[n_pre:]) for row in arousal])
        rsa = HR_RSA_AMPLITUDE * np.sin(2 * math.pi * breathing[:, None] * hr_time + phase[:, None])
        data["hr"] = (
            hr_baseline[:, None]
            + HR_AROUSAL_GAIN * arousal_hr
            + rsa
            + HR_DRIFT * hr_drift
            + HR_NOISE * hr_noise
        )
        rates["hr"] = hr_rate

    parameters = {
        "duration": duration,
        "coupling": coupling,
        "lag": lag,
        "sampling_rate": fs,
        "turns": bool(turns),
        "talk_coupling": talk_coupling,
        "mean_turn": mean_turn,
        "channels": list(wanted),
        "hr_sampling_rate": hr_rate,
        "seed": seed,
    }
    session = from_arrays(
        {name: data[name] for name in wanted},
        rates,
        persons=persons,
        units={name: SIMULATED_UNITS[name] for name in wanted},
        session_id=session_id,
        metadata={"simulated": True, "generator": GENERATOR, "parameters": parameters},
    )
    if turn_table is not None:
        end = min(duration, n / fs if "eda" in wanted else n_hr / hr_rate)
        starts, ends, speaker = turn_table
        ends = np.minimum(ends, end)
        keep = ends > starts
        table = pd.DataFrame(
            {
                "start": starts[keep],
                "end": ends[keep],
                "label": "talk",
                "person": [persons[i] for i in speaker[keep]],
                "note": "simulated",
            }
        )
        session = set_segments(session, table)

    truth = xr.Dataset(
        {
            "coupling": (
                "time",
                c,
                {"long_name": "effective coupling c(t)", "units": "1"},
            ),
            "arousal": (
                ("person", "time"),
                arousal[:, n_pre:],
                {"long_name": "latent arousal (mean 0, SD 1)", "units": "1"},
            ),
            "eda_baseline": ("person", eda_baseline, {"units": "uS"}),
            "hr_baseline": ("person", hr_baseline, {"units": "bpm"}),
        },
        coords={
            "person": list(persons),
            "time": ("time", time, {"units": "s", "long_name": "time since session start"}),
        },
        attrs={
            "generator": GENERATOR,
            "description": (
                "SIMULATED dyad. arousal_i = sqrt(c(t)) * shared + sqrt(1 - c(t)) * private_i; "
                "the second person's shared driver is delayed by lag seconds (positive lag = "
                "the second person follows the first); c(t) = coupling, or coupling * "
                "talk_coupling while the second person talks. EDA = tonic level + Bateman "
                "SCRs at an arousal-driven rate + noise; HR = baseline + gain * arousal + "
                "RSA + drift + noise."
            ),
            "coupling": coupling,
            "lag": lag,
            "lag_samples": int(k),
            "talk_coupling": talk_coupling,
            "mean_turn": mean_turn,
            "turns": int(bool(turns)),
            **_truth_attrs(parameters),
        },
    )
    new = session.copy()
    new["truth"] = xr.DataTree(truth)
    return new


# --------------------------------------------------------------------------- the group

_GROUP_SIZE = Integer(low=2, high=100, example="4")


def _per_person(value: Any, rule: Any, name: str, n_persons: int) -> np.ndarray:
    """One value for everyone, or one per person, each checked by ``rule``."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        return np.full(n_persons, rule(value, name) if callable(rule) else rule.check(value, name))
    values = list(value)
    if len(values) != n_persons:
        raise ValidationError(
            f"{name} must be one number for everyone or one per person ({n_persons}), got "
            f"{len(values)} values."
        )
    check = rule if callable(rule) else rule.check
    return np.array([check(v, f"{name}[{i}]") for i, v in enumerate(values)], dtype=float)


def simulate_group(
    n_persons: int = 4,
    duration: float = 600.0,
    *,
    coupling: float | Sequence[float] = 0.6,
    lag: float | Sequence[float] = 2.0,
    leader: str | None = None,
    sampling_rate: float = 32.0,
    persons: Sequence[str] | None = None,
    seed: int | None = None,
    session_id: str | None = None,
) -> xr.DataTree:
    """Simulate a group session (a family, a couple with a therapist) with known coupling.

    The dyad model of :func:`simulate_dyad` (same arousal, tonic level and SCRs), for N
    persons sharing one driver: person ``i``'s arousal is ``sqrt(c_i) * shared(t - L_i)
    + sqrt(1 - c_i) * private_i``, and a shared moment evokes an SCR in person ``i``
    with probability ``c_i``, ``L_i`` seconds after it reaches the leader. The leader
    sees the shared driver first (``L = 0``); every other person follows by ``lag``
    seconds (**positive lag: the follower follows the leader**, so in a pair
    ``leader~other`` the second person follows the first). No talk turns; EDA only.

    Parameters
    ----------
    n_persons : int, default 4
        How many persons, at least 2.
    duration : float, default 600.0
        Length of the session in seconds.
    coupling : float or sequence of float, default 0.6
        Each person's share of the shared driver, between 0 (independent) and 1; one for
        everyone or one per person.
    lag : float or sequence of float, default 2.0
        Seconds each person follows the leader by (at least 0); one for every follower,
        or one per person (the leader's is then ignored: 0).
    leader : str, optional
        The person who sees the shared driver first; default the first person.
    sampling_rate : float, default 32.0
        Rate of the EDA channel in Hz, at least 1 Hz.
    persons : sequence of str, optional
        Labels, one per person; default ``("therapist", "mother", "father", "child")``
        for four, else ``("person 1", "person 2", ...)``.
    seed : int, optional
        Seed of the random streams (a fresh one, stored in ``truth.attrs["seed"]``, with
        None).
    session_id : str, optional
        Name of the session; default ``"group-<seed>"``.

    Returns
    -------
    xarray.DataTree
        A concordlab session with an ``eda`` channel (µS) of N persons and a ``truth``
        node: each person's ``coupling``, ``lag`` (seconds behind the leader) and latent
        ``arousal``, the leader and the generating parameters in its attrs.

    Raises
    ------
    ValidationError
        If a parameter is out of range; the message says what to change.

    Examples
    --------
    >>> import concordlab
    >>> family = concordlab.simulate_group(4, duration=120, coupling=0.8, seed=1)
    >>> concordlab.persons(family)
    ('therapist', 'mother', 'father', 'child')
    >>> family["eda"]["eda"].shape, family["truth"].attrs["leader"]
    ((4, 3840), 'therapist')
    >>> family["truth"]["lag"].values.tolist()
    [0.0, 2.0, 2.0, 2.0]
    """
    n_persons = _GROUP_SIZE.check(n_persons, "n_persons")
    duration = _DURATION.check(duration, "duration")
    fs = _eda_rate(sampling_rate)
    if persons is None:
        persons = FAMILY if n_persons == 4 else tuple(f"person {i + 1}" for i in range(n_persons))
    persons = PERSONS.check(persons, "persons")
    if len(persons) != n_persons:
        raise ValidationError(
            f"persons gives {len(persons)} labels for n_persons={n_persons}; give one label "
            "per person."
        )
    if leader is None:
        leader = persons[0]
    if not isinstance(leader, str) or leader not in persons:
        raise ValidationError(f"leader must be one of the persons {list(persons)}, got {leader!r}.")
    couplings = _per_person(coupling, check_unit_interval, "coupling", n_persons)
    lags = _per_person(lag, _GROUP_LAG, "lag", n_persons)
    lead = persons.index(leader)
    lags[lead] = 0.0
    seed = check_seed(seed)
    if session_id is None:
        session_id = f"group-{seed}"
    session_id = Text(non_empty=True, example="'group-1'").check(session_id, "session_id")
    n = round(duration * fs)
    if n > MAX_SAMPLES or n < 2:
        raise ValidationError(
            f"duration={duration:g} s at {fs:g} Hz gives {n:,} samples; give between "
            f"{2 / fs:g} s and {MAX_SAMPLES / fs:g} s."
        )
    if lags.max() >= duration:
        raise ValidationError(
            f"lag={lags.max():g} s is not shorter than the session ({duration:g} s); "
            "use a lag of a few seconds, e.g. 2.0."
        )
    streams = _streams(seed)
    n_pre = max(len(bateman_kernel(fs)), math.ceil(3.0 * TONIC_STAGES * TONIC_TAU * fs))
    n_all = n_pre + n
    shifts = np.round(lags * fs).astype(int)
    offsets = tuple(int(v) for v in shifts.max() - shifts)  # followers see it later
    c_each = couplings[:, None]
    arousal, shared, private = _arousal(streams["arousal"], offsets, c_each, n_all, 1.0 / fs)
    eda, eda_baseline = _eda(
        streams["eda"], arousal, shared, private, offsets, c_each, c_each, n_pre, n, fs
    )
    parameters = {
        "n_persons": n_persons,
        "duration": duration,
        "coupling": couplings.tolist(),
        "lag": lags.tolist(),
        "leader": leader,
        "sampling_rate": fs,
        "seed": seed,
    }
    session = from_arrays(
        {"eda": eda},
        fs,
        persons=persons,
        units={"eda": SIMULATED_UNITS["eda"]},
        session_id=session_id,
        metadata={"simulated": True, "generator": GROUP_GENERATOR, "parameters": parameters},
    )
    truth = xr.Dataset(
        {
            "coupling": ("person", couplings, {"long_name": "share of the shared driver"}),
            "lag": ("person", shifts / fs, {"units": "s", "long_name": "delay behind leader"}),
            "arousal": (
                ("person", "time"),
                arousal[:, n_pre:],
                {"long_name": "latent arousal (mean 0, SD 1)", "units": "1"},
            ),
            "eda_baseline": ("person", eda_baseline, {"units": "uS"}),
        },
        coords={
            "person": list(persons),
            "time": (
                "time",
                np.arange(n) / fs,
                {"units": "s", "long_name": "time since session start"},
            ),
        },
        attrs={
            "generator": GROUP_GENERATOR,
            "description": (
                "SIMULATED group. arousal_i = sqrt(c_i) * shared(t - lag_i) + sqrt(1 - c_i) * "
                "private_i; the leader sees the shared driver first (lag 0), the others "
                "lag_i seconds later (positive lag = follows the leader). EDA = tonic level "
                "+ Bateman SCRs at an arousal-driven rate (shared moments with probability "
                "c_i) + noise."
            ),
            "leader": leader,
            **_truth_attrs(parameters),
        },
    )
    new = session.copy()
    new["truth"] = xr.DataTree(truth)
    return new


_GROUP_LAG = Real(low=0.0, high=MAX_SECONDS, unit="seconds", example="2.0")


def _constants() -> dict[str, Any]:
    return {
        "arousal_timescale_s": AROUSAL_TIMESCALE,
        "drift_timescale_s": DRIFT_TIMESCALE,
        "tau_rise_s": TAU_RISE,
        "tau_decay_s": TAU_DECAY,
        "tonic_tau_s": TONIC_TAU,
        "tonic_stages": TONIC_STAGES,
        "tonic_arousal_gain": TONIC_AROUSAL_GAIN,
        "tonic_drift_gain": TONIC_DRIFT_GAIN,
        "eda_baseline_range_uS": list(EDA_BASELINE_RANGE),
        "scr_base_rate_per_s": SCR_BASE_RATE,
        "scr_arousal_gain": SCR_AROUSAL_GAIN,
        "scr_median_amplitude_uS": SCR_MEDIAN_AMPLITUDE,
        "scr_amplitude_sigma": SCR_AMPLITUDE_SIGMA,
        "eda_noise_uS": EDA_NOISE,
        "hr_baseline_range_bpm": list(HR_BASELINE_RANGE),
        "hr_arousal_gain_bpm": HR_AROUSAL_GAIN,
        "hr_rsa_amplitude_bpm": HR_RSA_AMPLITUDE,
        "hr_resp_range_hz": list(HR_RESP_RANGE),
        "hr_drift_bpm": HR_DRIFT,
        "hr_noise_bpm": HR_NOISE,
        "coupling_ramp_s": COUPLING_RAMP,
    }


# --------------------------------------------------------------------------- the cohort


@dataclass(frozen=True, eq=False)
class Cohort:
    """Simulated dyads and their SIMULATED patient-rated therapist empathy.

    Iterating over a cohort yields session ids, like a dict; ``cohort[id]`` is that
    session and ``cohort.items()`` yields ``(id, session)`` pairs.

    Attributes
    ----------
    sessions : dict of str to xarray.DataTree
        The dyad sessions, keyed ``"dyad-01"``, ``"dyad-02"`` ...
    ratings : pandas.DataFrame
        One row per session id, columns ``simulated_empathy`` (T-score scale: mean 50,
        SD 10), ``true_coupling``, ``true_lag`` (s) and ``seed``;
        ``ratings.attrs["simulated"]`` is True and ``ratings.attrs["description"]`` says
        the scores are simulated.

    Examples
    --------
    >>> import concordlab
    >>> cohort = concordlab.simulate_cohort(3, duration=30, seed=1)
    >>> len(cohort), list(cohort)
    (3, ['dyad-01', 'dyad-02', 'dyad-03'])
    >>> concordlab.channels(cohort["dyad-02"])
    ['eda', 'hr']
    """

    sessions: dict[str, xr.DataTree]
    ratings: pd.DataFrame

    def __len__(self) -> int:
        return len(self.sessions)

    def __iter__(self) -> Iterator[str]:
        return iter(self.sessions)

    def __getitem__(self, session_id: str) -> xr.DataTree:
        try:
            return self.sessions[session_id]
        except KeyError:
            raise KeyError(
                f"No session {session_id!r} in the cohort; ids run from "
                f"{next(iter(self.sessions), None)!r} to {next(reversed(self.sessions), None)!r}."
            ) from None

    def items(self) -> Iterator[tuple[str, xr.DataTree]]:
        """Pairs of (session id, session), in order.

        Examples
        --------
        >>> import concordlab
        >>> cohort = concordlab.simulate_cohort(2, duration=20, seed=0)
        >>> [(k, concordlab.persons(s)[0]) for k, s in cohort.items()]
        [('dyad-01', 'patient'), ('dyad-02', 'patient')]
        """
        return iter(self.sessions.items())

    def __repr__(self) -> str:
        ids = list(self.sessions)
        shown = ", ".join(ids) if len(ids) <= 4 else f"{ids[0]}, {ids[1]}, …, {ids[-1]}"
        r = self.ratings.attrs.get("rating_correlation")
        lines = [
            f"<Cohort: {len(ids)} SIMULATED dyad session(s): {shown}>",
            f"  ratings: {list(self.ratings.columns)} (simulated_empathy is SIMULATED, "
            "not a real rating)",
        ]
        if len(ids):
            couplings = self.ratings["true_coupling"]
            lines.append(
                f"  true_coupling {couplings.min():.2f}-{couplings.max():.2f}"
                + (f", population r(empathy, coupling) = {r:g}" if r is not None else "")
            )
        return "\n".join(lines)


@renamed(fs="sampling_rate", hr_rate="hr_sampling_rate")
def simulate_cohort(
    n: int = 20,
    *,
    coupling_range: tuple[float, float] = (0.1, 0.9),
    rating_correlation: float = 0.5,
    duration: float = 600.0,
    lag_range: tuple[float, float] | None = None,
    seed: int | None = 0,
    **dyad_kwargs: Any,
) -> Cohort:
    """Simulate a cohort of dyads whose coupling varies, with simulated empathy scores.

    Dyad ``i`` gets a coupling drawn uniformly from ``coupling_range`` and its own seed
    (from ``numpy.random.SeedSequence(seed).spawn``), so ``simulate_dyad(...,
    seed=cohort.ratings.loc[id, "seed"])`` regenerates it alone.

    The SIMULATED "patient-rated therapist empathy" is, in closed form,

    ``simulated_empathy = 50 + 10 * (rho * z + sqrt(1 - rho**2) * e)``

    with ``z = (coupling - mean) / sd`` the dyad's coupling standardised by the mean and
    standard deviation of the uniform distribution it was drawn from
    (``(low + high) / 2`` and ``(high - low) / sqrt(12)``), ``e`` standard normal noise
    and ``rho = rating_correlation``. The score has mean 50 and SD 10 and its population
    correlation with the true coupling is exactly ``rho`` (Marci et al. 2007 observed
    r = 0.47 between concordance and rated empathy). When ``low == high`` the score is
    pure noise.

    Parameters
    ----------
    n : int, default 20
        Number of dyads (Marci et al. 2007 had 20).
    coupling_range : (float, float), default (0.1, 0.9)
        Range in [0, 1] of the dyads' couplings (see :func:`simulate_dyad`).
    rating_correlation : float, default 0.5
        Population correlation in [-1, 1] between simulated empathy and coupling.
    duration : float, default 600.0
        Length of each session in seconds.
    lag_range : (float, float), optional
        Draw each dyad's lag uniformly from this range (seconds; positive = the second
        person follows the first). Default: every dyad uses ``lag`` from
        ``dyad_kwargs`` (or :func:`simulate_dyad`'s default, 2 s).
    seed : int, optional, default 0
        Seed of the whole cohort; None draws a fresh one.
    **dyad_kwargs
        Further arguments of :func:`simulate_dyad` (``talk_coupling``, ``channels``,
        ``sampling_rate`` ...), the same for every dyad. The old names ``fs`` and
        ``hr_rate`` (of ``sampling_rate`` and ``hr_sampling_rate``) still work until
        concordlab 0.3, with a ``FutureWarning``.

    Returns
    -------
    Cohort
        ``sessions`` keyed ``"dyad-01"`` ... and the ``ratings`` table indexed by them.

    Raises
    ------
    ValidationError
        If a parameter is out of range or a per-dyad argument is passed in ``dyad_kwargs``.

    Examples
    --------
    >>> import concordlab
    >>> cohort = concordlab.simulate_cohort(4, duration=30, seed=3)
    >>> cohort.ratings.columns.tolist()
    ['simulated_empathy', 'true_coupling', 'true_lag', 'seed']
    >>> cohort.ratings.attrs["simulated"]
    True
    >>> bool(cohort.ratings["true_coupling"].between(0.1, 0.9).all())
    True
    """
    n = _DYADS.check(n, "n")
    low, high = _COUPLING_RANGE.check(coupling_range, "coupling_range")
    rho = _RATING_CORRELATION.check(rating_correlation, "rating_correlation")
    allowed = set(inspect.signature(simulate_dyad).parameters) - {"duration"}
    unknown = sorted(set(dyad_kwargs) - allowed)
    if unknown:
        raise ValidationError(
            f"simulate_dyad has no parameter(s) {unknown}; choose from {sorted(allowed)}."
        )
    per_dyad = sorted({"coupling", "seed", "session_id"} & set(dyad_kwargs))
    if per_dyad:
        raise ValidationError(
            f"{per_dyad} are set per dyad by simulate_cohort; use coupling_range and seed instead."
        )
    if lag_range is not None and "lag" in dyad_kwargs:
        raise ValidationError("Give either lag (the same for all dyads) or lag_range, not both.")
    lags = None
    if lag_range is not None:
        lag_low, lag_high = _LAG_RANGE.check(lag_range, "lag_range")
    seed = check_seed(seed)

    root = np.random.SeedSequence(seed)
    children = root.spawn(n)
    rng = np.random.default_rng(root)
    couplings = rng.uniform(low, high, size=n)
    noise = rng.standard_normal(n)
    if lag_range is not None:
        lags = rng.uniform(lag_low, lag_high, size=n)
    mean, sd = (low + high) / 2.0, (high - low) / math.sqrt(12.0)
    z = (couplings - mean) / sd if sd > 0 else np.zeros(n)
    empathy = 50.0 + 10.0 * (rho * z + math.sqrt(1.0 - rho**2) * noise)

    width = max(2, len(str(n)))
    ids = [f"dyad-{i + 1:0{width}d}" for i in range(n)]
    seeds = [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]
    sessions: dict[str, xr.DataTree] = {}
    true_lags = []
    for i, session_id in enumerate(ids):
        kwargs = dict(dyad_kwargs)
        if lags is not None:
            kwargs["lag"] = float(lags[i])
        session = simulate_dyad(
            duration,
            coupling=float(couplings[i]),
            seed=seeds[i],
            session_id=session_id,
            **kwargs,
        )
        sessions[session_id] = session
        true_lags.append(float(session["truth"].attrs["lag"]))

    ratings = pd.DataFrame(
        {
            "simulated_empathy": empathy,
            "true_coupling": couplings,
            "true_lag": true_lags,
            "seed": seeds,
        },
        index=pd.Index(ids, name="session"),
    )
    ratings.attrs.update(
        {
            "simulated": True,
            "description": (
                "SIMULATED data, not real ratings: simulated_empathy is a made-up "
                "'patient-rated therapist empathy' score (mean 50, SD 10) = 50 + 10 * "
                "(rho * z + sqrt(1 - rho^2) * noise), z the standardised true coupling, "
                f"rho = {rho:g}."
            ),
            "rating_correlation": rho,
            "coupling_range": (low, high),
            "seed": seed,
        }
    )
    return Cohort(sessions=sessions, ratings=ratings)
