"""phase_sync / phase_sync_nk / instantaneous_phase: NeuroKit2 parity on real data, closed
forms, properties, gaps and simulated truth."""

import math

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal, special

import concordlab
from concordlab import ValidationError
from concordlab.compute import kernel
from concordlab.compute.result import reproduce

nk = pytest.importorskip("neurokit2")


# --------------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def rmea():
    """The 20 rMEA psychotherapy dyads (motion energy, 25 Hz)."""
    return [
        concordlab.read_csv(path, sampling_rate=25, channel="motion")
        for path in concordlab.datasets.rmea_files("all")
    ]


def values(session, channel=None):
    channel = channel or concordlab.channels(session)[0]
    return np.asarray(session[channel][channel].values, dtype=float)


def sinusoids(shift, *, frequency=0.25, rate=10.0, cycles=40):
    """Two sinusoids, the second lagging by ``shift`` rad, over whole cycles (so the FFT
    Hilbert transform is exact: the analytic signal of cos is exp(i .))."""
    t = np.arange(round(cycles / frequency * rate)) / rate
    first = np.cos(2 * np.pi * frequency * t)
    second = np.cos(2 * np.pi * frequency * t - shift)
    return concordlab.from_arrays({"eda": [first, second]}, sampling_rate=rate)


def nk_form(phase_first, phase_second):
    """NeuroKit2's per-sample expression, applied to given phases."""
    return 1 - np.sin(np.abs(phase_first - phase_second) / 2)


def window_rows(result, rate):
    """Sample index ranges of a result's windows, from its coordinates."""
    starts = np.rint(result["window_start"].values * rate).astype(int)
    ends = np.rint(result["window_end"].values * rate).astype(int)
    return list(zip(starts, ends, strict=True))


# --------------------------------------------------------------------------- NeuroKit2 parity


def test_phases_equal_neurokit_on_the_rmea_dyads(rmea):
    worst = 0.0
    for session in rmea:
        x, y = values(session)
        phase = concordlab.instantaneous_phase(session).values
        # NeuroKit2 on the centred series (we centre; NeuroKit2 does not: below)
        theirs = nk.signal_synchrony(x - x.mean(), y - y.mean(), method="hilbert")
        worst = max(worst, np.abs(nk_form(phase[0], phase[1]) - theirs).max())
        # |phase| alone: against a constant, whose Hilbert phase is 0
        theirs = nk.signal_synchrony(x - x.mean(), np.ones_like(x), method="hilbert")
        worst = max(worst, np.abs(nk_form(phase[0], 0.0) - theirs).max())
    assert worst <= 1e-9


def test_neurokit_without_centring_differs_on_raw_motion_energy(rmea):
    """The documented difference: NeuroKit2 takes the phase of the raw series, whose level
    (motion energy is >= 0) biases every phase towards 0."""
    x, y = values(rmea[0])
    phase = concordlab.instantaneous_phase(rmea[0]).values
    raw = nk.signal_synchrony(x, y, method="hilbert")
    assert np.abs(nk_form(phase[0], phase[1]) - raw).max() > 0.1
    # and the raw phases are biased towards 0: NeuroKit2's raw synchrony is higher
    assert raw.mean() > nk_form(phase[0], phase[1]).mean()


def test_phases_equal_neurokit_on_the_real_eda(real_eda):
    x, y = values(real_eda)
    phase = concordlab.instantaneous_phase(real_eda).values
    theirs = nk.signal_synchrony(x - x.mean(), y - y.mean(), method="hilbert")
    np.testing.assert_allclose(nk_form(phase[0], phase[1]), theirs, rtol=0, atol=1e-9)


@pytest.mark.parametrize("band", [(0.05, 1.0), (0.05, None), (None, 1.0)])
def test_band_passed_phases_equal_neurokit_filter_then_synchrony(real_eda, band):
    """Our band-pass is NeuroKit2's signal_filter(method="butterworth", order=2)."""
    low, high = band
    x, y = values(real_eda)
    phase = concordlab.instantaneous_phase(real_eda, low_frequency=low, high_frequency=high)
    filtered = [
        nk.signal_filter(v - v.mean(), 100, lowcut=low, highcut=high, method="butterworth", order=2)
        for v in (x, y)
    ]
    theirs = nk.signal_synchrony(*filtered, method="hilbert")
    np.testing.assert_allclose(nk_form(*phase.values), theirs, rtol=0, atol=1e-9)
    assert phase.attrs["low_frequency"] == ("" if low is None else low)


@pytest.fixture(params=["compiled", "numpy"])
def engine(request, monkeypatch):
    """The moments kernel's compiled (numba) and numpy paths."""
    if request.param == "compiled":
        pytest.importorskip("numba")
    monkeypatch.setattr(kernel, "use_numba", request.param == "compiled")
    assert kernel.compiled_available() == (request.param == "compiled")


@pytest.mark.usefixtures("engine")
def test_phase_sync_nk_is_the_window_mean_of_neurokit(rmea):
    worst = 0.0
    for session in rmea[:5]:
        x, y = values(session)
        theirs = nk.signal_synchrony(x - x.mean(), y - y.mean(), method="hilbert")
        ours = concordlab.concordance(session, method="phase_sync_nk", window=30, step=10)
        means = [theirs[a:b].mean() for a, b in window_rows(ours, 25)]
        worst = max(worst, np.abs(ours.values - means).max())
    assert worst <= 1e-9


@pytest.mark.usefixtures("engine")
def test_plv_and_phase_difference_equal_a_direct_computation(rmea, real_eda):
    for session, rate, window in ((rmea[3], 25, 30), (real_eda, 100, 20)):
        x, y = values(session)
        dphi = np.angle(signal.hilbert(x - x.mean())) - np.angle(signal.hilbert(y - y.mean()))
        ours = concordlab.concordance(session, method="phase_sync", window=window, step=5)
        mean = np.array([np.exp(1j * dphi[a:b]).mean() for a, b in window_rows(ours, rate)])
        np.testing.assert_allclose(ours.values, np.abs(mean), rtol=0, atol=1e-9)
        np.testing.assert_allclose(
            np.exp(1j * ours["phase_difference"].values), mean / np.abs(mean), atol=1e-7
        )


# --------------------------------------------------------------------------- closed forms


@settings(max_examples=30, deadline=None)
@given(shift=st.floats(-3.1, 3.1), frequency=st.sampled_from([0.1, 0.25, 0.5, 1.0]))
def test_constant_phase_shift_gives_plv_one_and_the_shift(shift, frequency):
    session = sinusoids(shift, frequency=frequency)
    r = concordlab.concordance(session, method="phase_sync", window=20, step=5)
    np.testing.assert_allclose(r.values, 1.0, atol=1e-9)
    np.testing.assert_allclose(r["phase_difference"].values, shift, atol=1e-9)
    nk_mean = concordlab.concordance(session, method="phase_sync_nk", window=20, step=5)
    np.testing.assert_allclose(nk_mean.values, 1 - abs(math.sin(shift / 2)), atol=1e-9)


def test_pure_lag_gives_the_phase_of_the_lag():
    """The second person delayed by tau s at f Hz: phase difference +2 pi f tau."""
    tau, frequency = 0.8, 0.25
    session = sinusoids(2 * np.pi * frequency * tau, frequency=frequency)
    r = concordlab.concordance(session, method="phase_sync", window=20, step=5)
    np.testing.assert_allclose(r["phase_difference"].values, 2 * np.pi * 0.25 * 0.8, atol=1e-9)
    assert "follows" in r["phase_difference"].attrs["long_name"]


def test_identical_and_opposite_signals():
    rng = np.random.default_rng(4)
    x = rng.normal(size=3000)
    same = concordlab.from_arrays({"eda": [x, 3 * x + 7]}, sampling_rate=10)
    r = concordlab.concordance(same, method="phase_sync", window=15, step=5)
    np.testing.assert_allclose(r.values, 1.0, atol=1e-12)
    np.testing.assert_allclose(r["phase_difference"].values, 0.0, atol=1e-9)
    q = concordlab.concordance(same, method="phase_sync_nk", window=15, step=5)
    np.testing.assert_allclose(q.values, 1.0, atol=1e-12)
    opposite = concordlab.from_arrays({"eda": [x, -x]}, sampling_rate=10)
    r = concordlab.concordance(opposite, method="phase_sync", window=15, step=5)
    np.testing.assert_allclose(r.values, 1.0, atol=1e-12)
    np.testing.assert_allclose(np.abs(r["phase_difference"].values), np.pi, atol=1e-9)
    q = concordlab.concordance(opposite, method="phase_sync_nk", window=15, step=5)
    np.testing.assert_allclose(q.values, 0.0, atol=1e-9)


def expected_plv_of_independent_white_noise(n):
    """sqrt(pi / (4 n_eff)): the mean resultant length of n phase differences, with n_eff
    from the phases' correlation. The analytic signal of white noise is circular complex
    Gaussian with correlation 2 / (pi tau) at odd lags tau (the discrete Hilbert kernel),
    0 at even ones; for such z, E[exp(i (arg z_j - arg z_k))] has modulus
    g(r) = pi/4 r 2F1(1/2, 1/2; 2; r^2), and for independent persons the phase
    differences' correlation is g(r)^2."""
    tau = np.arange(1, n)
    r = np.where(tau % 2 == 1, 2 / (np.pi * tau), 0.0)
    g = np.pi / 4 * r * special.hyp2f1(0.5, 0.5, 2.0, r**2)
    n_eff = n**2 / (n + 2 * np.sum((n - tau) * g**2))
    return math.sqrt(math.pi / (4 * n_eff))


@pytest.mark.parametrize("n", [50, 200])
def test_independent_noise_gives_the_small_sample_plv(n):
    rng = np.random.default_rng(n)
    plv = []
    for _ in range(10):
        noise = concordlab.from_arrays({"eda": rng.normal(size=(2, 20000))}, sampling_rate=10)
        r = concordlab.concordance(noise, method="phase_sync", window=n / 10, step=n / 10)
        plv.append(r.values)
    expected = expected_plv_of_independent_white_noise(n)
    assert abs(np.mean(plv) / expected - 1) < 0.05
    # much larger than the naive sqrt(pi / (4 n)): the Hilbert phases are correlated
    assert np.mean(plv) > 1.15 * math.sqrt(math.pi / (4 * n))


# --------------------------------------------------------------------------- properties


@settings(max_examples=20, deadline=None)
@given(
    offset=st.floats(-1e3, 1e3),
    scale=st.floats(1e-3, 1e3),
    low=st.sampled_from([None, 0.05]),
)
def test_invariant_to_offset_and_positive_scale(real_eda, offset, scale, low):
    x, y = values(real_eda)[:, :6000]
    base = concordlab.from_arrays({"eda": [x, y]}, sampling_rate=100)
    moved = concordlab.from_arrays({"eda": [x, offset + scale * y]}, sampling_rate=100)
    kwargs = dict(method="phase_sync", window=10, step=5, low_frequency=low)
    a, b = (concordlab.concordance(s, **kwargs) for s in (base, moved))
    np.testing.assert_allclose(a.values, b.values, rtol=0, atol=1e-7)
    np.testing.assert_allclose(a["phase_difference"], b["phase_difference"], rtol=0, atol=1e-6)


def test_swapping_persons_keeps_plv_and_negates_the_phase_difference(rmea):
    x, y = values(rmea[5])
    kwargs = dict(method="phase_sync", window=30, step=10, low_frequency=0.1, high_frequency=2)
    a = concordlab.concordance(concordlab.from_arrays({"m": [x, y]}, 25), **kwargs)
    b = concordlab.concordance(concordlab.from_arrays({"m": [y, x]}, 25), **kwargs)
    np.testing.assert_allclose(a.values, b.values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a["phase_difference"], -b["phase_difference"], atol=1e-12)
    c = concordlab.concordance(concordlab.from_arrays({"m": [x, -y]}, 25), **kwargs)
    np.testing.assert_allclose(a.values, c.values, rtol=0, atol=1e-12)  # shifted by pi
    turned = np.angle(np.exp(1j * (a["phase_difference"].values + np.pi)))
    np.testing.assert_allclose(np.cos(c["phase_difference"] - turned), 1.0, atol=1e-9)


def test_nan_windows_stay_nan_and_gaps_do_not_leak(real_eda):
    x, y = values(real_eda).copy()  # 150 s at 100 Hz
    x[10000:12000] = np.nan
    gappy = concordlab.from_arrays({"eda": [x, y]}, sampling_rate=100)
    r = concordlab.concordance(gappy, method="phase_sync", window=10, step=1, min_valid=0.5)
    present = np.array([np.isfinite(x[a:b]).sum() for a, b in window_rows(r, 100)])
    too_few = present < 500  # min_valid=0.5 of 1000 samples
    assert too_few.sum() == 19  # starts 96..114 s: more than 5 s of the 10 in the gap
    assert np.isnan(r.values[too_few]).all()
    assert np.isfinite(r.values[~too_few]).all()
    # no value crosses a gap: changing the data after it leaves the phases before it
    changed = x.copy()
    changed[12000:] = changed[12000:] * 3 + np.sin(np.arange(x.size - 12000))
    phase = concordlab.instantaneous_phase(gappy, low_frequency=0.05).values
    other = concordlab.instantaneous_phase(
        concordlab.from_arrays({"eda": [changed, y]}, sampling_rate=100), low_frequency=0.05
    ).values
    np.testing.assert_array_equal(phase[0, :10000], other[0, :10000])
    assert np.isnan(phase[0, 10000:12000]).all()


def test_short_and_constant_runs_have_no_phase():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(2, 2000))
    x[500:510] = np.nan  # leaves a 6-sample run between two gaps
    x[516:530] = np.nan
    y[1000:1300] = 2.0  # constant, between gaps
    y[999] = y[1300] = np.nan
    s = concordlab.from_arrays({"eda": [x, y]}, sampling_rate=10)
    plain = concordlab.instantaneous_phase(s).values
    assert np.isfinite(plain[0, 510:516]).all()  # no filter: any run of >= 2 samples
    assert np.isnan(plain[1, 1000:1300]).all()
    filtered = concordlab.instantaneous_phase(s, low_frequency=0.1, high_frequency=1).values
    assert np.isnan(filtered[0, 510:516]).all()  # too short to filter: NaN, not raw
    assert np.isfinite(filtered[0, :500]).all() and np.isfinite(filtered[0, 530:]).all()


def test_a_person_without_data_gives_nan_not_a_crash():
    x = np.random.default_rng(2).normal(size=1000)
    s = concordlab.from_arrays({"eda": [x, np.full(1000, np.nan)]}, sampling_rate=10)
    r = concordlab.concordance(s, method="phase_sync", window=10, step=5)
    assert np.isnan(r.values).all() and np.isnan(r["phase_difference"].values).all()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"low_frequency": 1.0, "high_frequency": 0.5}, "must be below high_frequency"),
        ({"high_frequency": 5.0}, "Nyquist"),
        ({"low_frequency": 5.0}, "Nyquist"),
        ({"low_frequency": -1.0}, "low_frequency"),
    ],
)
def test_bad_bands_are_refused_with_what_to_do(kwargs, words):
    s = sinusoids(0.5)
    with pytest.raises(ValidationError, match=words):
        concordlab.concordance(s, method="phase_sync", window=20, **kwargs)
    with pytest.raises(ValidationError, match=words):
        concordlab.instantaneous_phase(s, **kwargs)


def test_result_schema_and_reproduce():
    s = concordlab.simulate_dyad(200, seed=2, turns=False)
    r = concordlab.concordance(
        s, method="phase_sync", window=20, step=2, low_frequency=0.05, high_frequency=0.5
    )
    assert r.dims == ("time",) and r.name == "plv"
    assert r["phase_difference"].attrs["units"] == "rad"
    assert r.attrs["low_frequency"] == 0.05 and r.attrs["high_frequency"] == 0.5
    assert r.attrs["lag_convention"] == "positive lag: therapist follows patient"
    again = concordlab.concordance(s, **reproduce(r))
    xr.testing.assert_identical(again, r)
    q = concordlab.concordance(s, method="phase_sync_nk", window=20, step=2)
    assert concordlab.concordance(s, **reproduce(q)).identical(q)
    phase = concordlab.instantaneous_phase(s, "eda")
    assert phase.dims == ("person", "time")
    assert phase["person"].values.tolist() == ["patient", "therapist"]
    np.testing.assert_array_equal(phase["time"].values, s["eda"]["time"].values)
    assert np.nanmax(np.abs(phase.values)) <= np.pi


# --------------------------------------------------------------------------- simulated truth

BAND = {"low_frequency": 0.05, "high_frequency": 0.2}


def simulated(coupling, lag, seed):
    session = concordlab.simulate_dyad(
        300, coupling=coupling, lag=lag, turns=False, seed=seed, channels=["eda"]
    )
    return concordlab.concordance(session, method="phase_sync", window=30, step=5, **BAND)


def test_coupled_dyads_rank_above_uncoupled_ones():
    seeds = range(20)
    coupled = np.array([float(simulated(0.9, 2.0, seed).mean()) for seed in seeds])
    strangers = np.array([float(simulated(0.0, 2.0, seed).mean()) for seed in seeds])
    assert (coupled > strangers).mean() >= 0.9
    assert coupled.mean() > strangers.mean() + 0.1


@pytest.mark.parametrize("coupling", [0.5, 0.9])
def test_phase_difference_finds_the_leader(coupling):
    """The circular mean phase difference over the session is positive when the second
    person follows (lag +2 s) and negative when the second leads (lag -2 s)."""
    for lag, sign in ((2.0, 1), (-2.0, -1)):
        found = [
            np.sign(
                np.angle(np.exp(1j * simulated(coupling, lag, seed)["phase_difference"]).mean())
            )
            for seed in range(20)
        ]
        assert np.mean(np.array(found) == sign) >= 0.9


def test_phase_sync_nk_keeps_the_plvs_phase_difference(rmea):
    """phase_sync_nk reads cos(dphi) back from its synchrony (1 - 2 (s - 1)^2)."""
    kwargs = dict(window=20, step=3, low_frequency=0.1, high_frequency=2.0)
    plv = concordlab.concordance(rmea[7], method="phase_sync", **kwargs)
    nk_mean = concordlab.concordance(rmea[7], method="phase_sync_nk", **kwargs)
    difference = plv["phase_difference"].values - nk_mean["phase_difference"].values
    np.testing.assert_allclose(np.cos(difference), 1.0, atol=1e-12)
