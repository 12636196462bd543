"""coherence (Welch) and wavelet_coherence (Morlet): parity with scipy and pycwt on real
data, closed-form cases, properties, gaps, and simulated truth."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

import concordlab
from concordlab import ValidationError
from concordlab.compute.result import reproduce

pycwt = pytest.importorskip("pycwt")

RATE = 25.0


@pytest.fixture(scope="module")
def rmea(rmea_paths):
    """The 20 rMEA dyads (real motion energy, 25 Hz)."""
    return [concordlab.read_csv(p, sampling_rate=25, channel="motion") for p in rmea_paths]


def _values(session, channel):
    return np.asarray(session[channel][channel].values, dtype=float)


def _scipy_per_window(result, values, rate, nperseg):
    """scipy.signal.coherence on each window of ``result``, cut to its frequencies."""
    out = []
    starts, ends = result["window_start"].values, result["window_end"].values
    for start, end in zip(starts, ends, strict=True):
        i, j = round(start * rate), round(end * rate)
        frequencies, cxy = signal.coherence(
            values[0, i:j], values[1, i:j], rate, nperseg=nperseg, noverlap=nperseg // 2
        )
        keep = np.isin(np.round(frequencies, 9), np.round(result["frequency"].values, 9))
        out.append(cxy[keep])
    return np.array(out)


# --------------------------------------------------------------------------- Welch parity


def test_welch_equals_scipy_on_all_rmea_dyads(rmea):
    worst = 0.0
    for session in rmea:
        ours = concordlab.concordance(
            session, method="coherence", window=60, step=20, welch_segment=8
        )
        theirs = _scipy_per_window(ours, _values(session, "motion"), RATE, 200)
        assert ours.shape == theirs.shape == (28, 101)
        np.testing.assert_array_equal(np.isnan(ours.values), np.isnan(theirs))
        worst = max(worst, float(np.nanmax(np.abs(ours.values - theirs))))
    assert worst < 1e-12, worst


def test_welch_equals_scipy_with_defaults_and_a_band(rmea):
    session = rmea[3]
    ours = concordlab.concordance(
        session, method="coherence", low_frequency=0.2, high_frequency=2.0
    )
    assert ours.attrs["window"] == 15.0 and ours.attrs["welch_segment"] == 5.0
    assert ours["frequency"].values[0] == pytest.approx(0.2)
    assert ours["frequency"].values[-1] == pytest.approx(2.0)
    theirs = _scipy_per_window(ours, _values(session, "motion"), RATE, 125)
    np.testing.assert_allclose(ours.values, theirs, rtol=0, atol=1e-12)


def test_welch_equals_scipy_on_real_eda(real_eda):
    ours = concordlab.concordance(
        real_eda, method="coherence", window=30, step=2.5, welch_segment=7.5, high_frequency=5
    )
    theirs = _scipy_per_window(ours, _values(real_eda, "eda"), 100.0, 750)
    assert np.isfinite(theirs).all()
    np.testing.assert_allclose(ours.values, theirs, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- wavelet parity


def _pycwt_powers(first, second, dt, dj):
    """pycwt's own smoothed wavelet powers of the standardised signals (its wct's S1, S2)."""
    mother = pycwt.Morlet(6)
    powers = []
    for y in (first, second):
        w, scales, *_ = pycwt.cwt((y - y.mean()) / y.std(), dt, dj=dj, wavelet=mother)
        powers.append(mother.smooth(np.abs(w) ** 2 / scales[:, None], dt, dj, scales))
    return powers


def _compare_with_pycwt(first, second, rate, step_n, dj=1 / 12):
    session = concordlab.from_arrays({"x": np.stack([first, second])}, rate)
    ours = concordlab.concordance(
        session, method="wavelet_coherence", step=step_n / rate, scales_per_octave=round(1 / dj)
    )
    wct, _, coi, frequencies, _ = pycwt.wct(first, second, 1 / rate, dj=dj, sig=False)
    theirs = wct[::-1, ::step_n].T
    np.testing.assert_allclose(ours["frequency"].values, frequencies[::-1], rtol=1e-15)
    np.testing.assert_allclose(ours["coi_period"].values, coi[::step_n], rtol=1e-15)
    powers = _pycwt_powers(first, second, 1 / rate, dj)
    relative = np.minimum(*(p / p[:, ::step_n].max(axis=1, keepdims=True) for p in powers))
    relative = relative[::-1, ::step_n].T
    # Cells where a person is flat (power < 1e-8 of its peak) are NaN by design; the band
    # edge of the rule moves with rounding, so cells within a factor 2 of it may go
    # either way.
    finite = np.isfinite(ours.values)
    assert not finite[relative < 0.5e-8].any()
    assert finite[relative > 2e-8].all()
    difference = np.abs(ours.values - theirs)
    well_conditioned = relative >= 1e-6
    return (
        float(difference[finite].max()),
        float(difference[well_conditioned].max()),
        float(finite.mean()),
    )


def test_wavelet_equals_pycwt_on_rmea_dyads(rmea):
    worst_all, worst_well = 0.0, 0.0
    for session in rmea[:2]:
        values = _values(session, "motion")[:, :6000]  # 4 minutes: the CI budget
        all_cells, well, kept = _compare_with_pycwt(values[0], values[1], RATE, 25)
        worst_all, worst_well = max(worst_all, all_cells), max(worst_well, well)
        assert kept > 0.9
    # Where both persons move (power at least 1e-6 of its peak): pycwt's numbers to 1e-9.
    # Nearer the flat-person floor both implementations lose digits to rounding (their
    # FFTs differ: scipy.fftpack and scipy.fft); measured at most 3e-9 on 4 dyads,
    # 4e-4 with no floor (a person motionless for seconds).
    assert worst_well < 1e-9, worst_well
    assert worst_all < 1e-7, worst_all


def test_wavelet_equals_pycwt_on_real_eda(real_eda):
    values = _values(real_eda, "eda")[:, 10000:16000]  # one minute at 100 Hz
    all_cells, well, kept = _compare_with_pycwt(values[0], values[1], 100.0, 50, dj=1 / 8)
    assert kept == 1.0
    assert well < 1e-9 and all_cells < 1e-9


# --------------------------------------------------------------------------- closed form


def _session(first, second, rate=RATE):
    return concordlab.from_arrays({"x": np.stack([first, second])}, rate)


@pytest.fixture(scope="module")
def noise():
    rng = np.random.default_rng(7)
    return rng.standard_normal((3, 3000))


def test_identical_signals_give_one(noise):
    same = _session(noise[0], noise[0])
    welch = concordlab.concordance(same, method="coherence", window=20, step=5, welch_segment=4)
    np.testing.assert_allclose(welch.values, 1.0, rtol=0, atol=1e-12)
    wavelet = concordlab.concordance(same, method="wavelet_coherence", step=2)
    np.testing.assert_allclose(wavelet.values, 1.0, rtol=0, atol=1e-12)


def test_a_common_sinusoid_is_coherent_at_its_frequency_only(noise):
    t = np.arange(noise.shape[1]) / RATE
    tone = 3 * np.sin(2 * np.pi * 0.5 * t)
    session = _session(tone + noise[0], tone + noise[1])
    welch = concordlab.concordance(session, method="coherence", window=40, step=10, welch_segment=8)
    at_tone = welch.sel(frequency=0.5).values
    elsewhere = welch.where(np.abs(welch["frequency"] - 0.5) > 0.5).mean("frequency").values
    assert (at_tone > 0.9).all() and (elsewhere < 0.4).all()
    wavelet = concordlab.concordance(session, method="wavelet_coherence", step=1)
    inside = wavelet.where(wavelet["inside_coi"])
    near = inside.sel(frequency=0.5, method="nearest")
    far = inside.where(np.abs(np.log2(inside["frequency"] / 0.5)) > 1.5)
    assert float(near.mean()) > 0.9
    assert float(far.mean()) < 0.5


def test_independent_noise_is_incoherent(noise):
    session = _session(noise[0], noise[1])
    welch = concordlab.concordance(session, method="coherence", window=40, step=10, welch_segment=4)
    # 19 half-overlapping Hann segments: about 1/10 expected; far below 1.
    assert float(welch.mean()) < 0.2
    wavelet = concordlab.concordance(session, method="wavelet_coherence", step=1)
    assert float(wavelet.where(wavelet["inside_coi"]).mean()) < 0.5


# --------------------------------------------------------------------------- properties


@settings(max_examples=10, deadline=None)
@given(
    scale=st.floats(1e-3, 1e3),
    offset=st.floats(-1e3, 1e3),
    method=st.sampled_from(["coherence", "wavelet_coherence"]),
)
def test_symmetric_and_invariant_to_offset_and_scale(noise, scale, offset, method):
    params = {"step": 5.0}
    if method == "coherence":
        params.update(window=20.0, welch_segment=4.0)
    mixed = noise[0] + 0.5 * noise[1]
    base = concordlab.concordance(_session(noise[0], mixed), method=method, **params)
    swapped = concordlab.concordance(_session(mixed, noise[0]), method=method, **params)
    moved = concordlab.concordance(
        _session(noise[0], scale * mixed + offset), method=method, **params
    )
    np.testing.assert_allclose(swapped.values, base.values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(moved.values, base.values, rtol=0, atol=1e-9)


def test_welch_gap_windows_are_nan_and_others_unchanged(noise):
    first, second = noise[0].copy(), noise[0] + noise[1]
    clean = concordlab.concordance(
        _session(first, second), method="coherence", window=20, step=5, welch_segment=4
    )
    first[1000:1500] = np.nan  # 40 s to 60 s
    gappy = concordlab.concordance(
        _session(first, second), method="coherence", window=20, step=5, welch_segment=4
    )
    start, end = gappy["window_start"].values, gappy["window_end"].values
    inside = (start >= 40) & (end <= 60)
    apart = (end <= 40) | (start >= 60)
    assert inside.any() and np.isnan(gappy.values[inside]).all()
    np.testing.assert_array_equal(gappy.values[apart], clean.values[apart])


def test_welch_leaves_out_segments_with_a_missing_sample(noise):
    """A window with one incomplete segment: the mean over the other segments (a naive
    loop written here)."""
    first, second = noise[0].copy(), noise[0] + noise[1]
    first[130] = np.nan  # in the window 0..20 s (500 samples), segments of 100, hop 50
    ours = concordlab.concordance(
        _session(first, second), method="coherence", window=20, step=20, welch_segment=4
    )
    taper = signal.get_window("hann", 100)
    sums = [0, 0, 0]
    for begin in range(0, 401, 50):
        x, y = first[begin : begin + 100], second[begin : begin + 100]
        if np.isnan(x).any():
            continue
        fx = np.fft.rfft((x - x.mean()) * taper)
        fy = np.fft.rfft((y - y.mean()) * taper)
        sums = [sums[0] + np.conj(fx) * fy, sums[1] + abs(fx) ** 2, sums[2] + abs(fy) ** 2]
    expected = np.abs(sums[0]) ** 2 / (sums[1] * sums[2])
    np.testing.assert_allclose(ours.values[0], expected, rtol=0, atol=1e-12)
    # Of 9 segments, 7 complete: with min_valid=0.8 (7.2 needed) the window is NaN.
    strict = concordlab.concordance(
        _session(first, second),
        method="coherence",
        window=20,
        step=20,
        welch_segment=4,
        min_valid=0.8,
    )
    assert np.isnan(strict.values[0]).all() and np.isfinite(strict.values[1]).all()


def test_wavelet_refuses_gaps_saying_to_fill_them(noise):
    first = noise[0].copy()
    first[100] = np.nan
    with pytest.raises(ValidationError, match="fill or interpolate"):
        concordlab.concordance(_session(first, noise[1]), method="wavelet_coherence")


def test_a_constant_person_gives_nan(noise):
    session = _session(np.full(noise.shape[1], 2.0), noise[1])
    welch = concordlab.concordance(session, method="coherence", window=20, step=5, welch_segment=4)
    wavelet = concordlab.concordance(session, method="wavelet_coherence", step=5)
    assert np.isnan(welch.values).all() and np.isnan(wavelet.values).all()


def test_bad_parameters_say_what_to_do(noise):
    session = _session(noise[0], noise[1])
    with pytest.raises(ValidationError, match="welch_segment=30 s is longer than the window"):
        concordlab.concordance(session, method="coherence", window=20, welch_segment=30)
    with pytest.raises(ValidationError, match="widen the band"):
        concordlab.concordance(session, method="coherence", low_frequency=20.0)
    with pytest.raises(ValidationError, match="widen the band"):
        concordlab.concordance(
            session, method="wavelet_coherence", low_frequency=1, high_frequency=1.01
        )


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("coherence", {"window": 20, "step": 5, "welch_segment": 4, "high_frequency": 3.0}),
        ("wavelet_coherence", {"step": 2.5, "scales_per_octave": 6, "low_frequency": 0.1}),
    ],
)
def test_result_schema_and_reproduce(noise, method, params):
    session = _session(noise[0], noise[1])
    result = concordlab.concordance(session, method=method, **params)
    assert result.dims == ("time", "frequency")
    assert result["frequency"].attrs["units"] == "Hz"
    assert (np.diff(result["frequency"].values) > 0).all()
    assert {"window_start", "window_end"} <= set(result.coords)
    assert "positive lag" in result.attrs["lag_convention"]
    again = concordlab.concordance(session, **reproduce(result))
    xr.testing.assert_identical(again, result)


# --------------------------------------------------------------------------- simulated truth


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("coherence", {"window": 60, "step": 30, "welch_segment": 15, "high_frequency": 0.3}),
        ("wavelet_coherence", {"step": 5, "low_frequency": 0.02, "high_frequency": 0.3}),
    ],
)
def test_coupled_dyads_rank_above_uncoupled(method, params):
    """Simulated EDA (the shared arousal drives shared SCRs, 0.02-0.3 Hz): every coupled
    dyad (coupling 0.8) above every uncoupled one, over 6 seeds each."""

    def mean_coherence(coupling, seed):
        session = concordlab.simulate_dyad(
            600, coupling=coupling, lag=0.0, turns=False, channels=["eda"], seed=seed
        )
        result = concordlab.concordance(session, method=method, **params)
        if "inside_coi" in result.coords:
            result = result.where(result["inside_coi"])
        return float(result.mean())

    seeds = range(6)
    coupled = [mean_coherence(0.8, seed) for seed in seeds]
    uncoupled = [mean_coherence(0.0, seed + 100) for seed in seeds]
    assert min(coupled) > max(uncoupled), (coupled, uncoupled)


# --------------------------------------------------------------------------- phase: who leads


def _weighted_phase(result, low, high):
    """The coherence-weighted circular mean of ``phase`` within low..high Hz (inside the
    cone of influence for the wavelet form)."""
    result = result.sel(frequency=slice(low, high))
    if "inside_coi" in result.coords:
        result = result.where(result["inside_coi"])
    weights = np.nan_to_num(result.values)
    return float(np.angle((weights * np.exp(1j * np.nan_to_num(result["phase"].values))).sum()))


@pytest.mark.parametrize("method", ["coherence", "wavelet_coherence"])
def test_phase_of_a_pure_delay(noise, method):
    """The second person is the first 8 samples (0.32 s) later: phase = 2 pi f 0.32 s."""
    delay = 8
    first = noise[0]
    second = np.concatenate([noise[1][:delay], first[:-delay]])
    params = {"step": 5.0}
    if method == "coherence":
        params.update(window=40.0, welch_segment=8.0)
    result = concordlab.concordance(_session(first, second), method=method, **params)
    low = result.sel(frequency=slice(0.2, 1.0))
    if "inside_coi" in low.coords:
        low = low.where(low["inside_coi"])
    expected = 2 * np.pi * low["frequency"].values * delay / RATE
    weights = np.nan_to_num(low.values)
    turn = weights * np.exp(1j * np.nan_to_num(low["phase"].values - expected))
    error = np.abs(np.angle(turn.sum(axis=0)))  # per frequency, over time
    # Welch: within 0.08 rad (measured 0.057). The wavelet form's phase runs up to 6 %
    # below 2 pi f tau (measured: 0.11 rad of 2 rad at 1 Hz; the cause is not pinned
    # down: the smoothing over 0.6 octave and the wavelet's spread of frequencies blur
    # which frequency a cell stands for).
    assert float(error.max()) < (0.08 if method == "coherence" else 0.15), error
    swapped = concordlab.concordance(_session(second, first), method=method, **params)
    np.testing.assert_allclose(swapped["phase"].values, -result["phase"].values, atol=1e-9)


@pytest.mark.parametrize("coupling", [0.5, 0.9])
@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("coherence", {"window": 60, "step": 30, "welch_segment": 15, "high_frequency": 0.3}),
        ("wavelet_coherence", {"step": 5, "low_frequency": 0.02, "high_frequency": 0.3}),
    ],
)
def test_phase_finds_the_simulated_leader(method, params, coupling):
    """The therapist follows the patient by 2 s: the weighted phase is positive for
    every seed, and negative with the persons swapped."""
    for seed in range(3):
        session = concordlab.simulate_dyad(
            600, coupling=coupling, lag=2.0, turns=False, channels=["eda"], seed=seed
        )
        result = concordlab.concordance(session, method=method, **params)
        assert _weighted_phase(result, 0.02, 0.2) > 0, seed
        values = _values(session, "eda")[::-1]
        swapped = concordlab.concordance(
            concordlab.from_arrays({"eda": values}, 32.0), method=method, **params
        )
        assert _weighted_phase(swapped, 0.02, 0.2) < 0, seed
