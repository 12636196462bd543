"""dtw / dtw_lag: parity with dtaidistance on real data, closed forms, properties, truth.

The peer: dtaidistance (Meert et al.), ``dtw.distance_fast`` (C) for the distance and
``dtw.warping_path`` (C, and its pure-Python form) for the path, on the same windows,
z-scored here with numpy when the measure standardizes. dtaidistance's ``window`` counts
the diagonal, so our band of ``B`` samples is ``window=B + 1``.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import concordlab
from concordlab.compute import kernel
from concordlab.compute.measures.dtw import dtw_windows
from concordlab.datasets import rmea_files

dtaidistance = pytest.importorskip("dtaidistance")
from dtaidistance import dtw as peer  # noqa: E402

RATE = 5.0  # rMEA's 25 Hz motion energy, every fifth sample


@pytest.fixture(params=["compiled", "numpy"])
def path(request):
    """Both paths: compiled (numba) where installed, and the numpy one (Pyodide)."""
    if request.param == "compiled" and not kernel.compiled_available():
        pytest.skip("numba not installed")
    saved = kernel.use_numba
    kernel.use_numba = request.param == "compiled"
    yield request.param
    kernel.use_numba = saved


@pytest.fixture(scope="module")
def rmea_5hz():
    """Four real rMEA dyads (motion energy), decimated to 5 Hz by taking every 5th sample."""
    sessions = []
    for file in rmea_files("all")[:4]:
        full = concordlab.read_csv(file, sampling_rate=25, channel="motion")
        motion = full["motion"]["motion"].values[:, ::5]
        sessions.append(concordlab.from_arrays({"motion": motion}, RATE))
    return sessions


@pytest.fixture(scope="module")
def real_eda(data_dir):
    """Two real, unrelated people's skin conductance (NeuroKit2 examples), at 10 Hz."""
    folder = data_dir / "eda-single" / "neurokit"
    full = concordlab.read_csv(
        [folder / "bio_resting_8min_100hz.csv", folder / "bio_eventrelated_100hz.csv"],
        sampling_rate=100,
        channel="eda",
        columns="EDA",
        align="trim",
    )
    return concordlab.from_arrays({"eda": full["eda"]["eda"].values[:, ::10]}, 10.0)


def starts_of(n, window, step, band):
    """rMEA's window starts (written here, not read from the code under test)."""
    return np.arange(math.ceil((n - window - band + 1) / step)) * step


def zscore(values):
    return (values - values.mean()) / values.std()


def trimmed_mean_lag(route, window, trim):
    """Mean of j - i over a path's pairs with both indices in [trim, window - trim)."""
    route = np.asarray(route)
    inside = ((route >= trim) & (route < window - trim)).all(axis=1)
    return (route[inside, 1] - route[inside, 0]).mean() if inside.any() else math.nan


def peer_windows(values, rate, window, step, band, standardize=True):
    """dtaidistance's distance and C warping path's trimmed mean lag (s), window by window."""
    w, s, b = round(window * rate), round(step * rate), round(band * rate)
    distance, lag = [], []
    for start in starts_of(values.shape[1], w, s, b):
        first, second = values[0, start : start + w], values[1, start : start + w]
        keep = ~(np.isnan(first) | np.isnan(second))
        first, second = first[keep], second[keep]
        if standardize:
            first, second = zscore(first), zscore(second)
        distance.append(peer.distance_fast(first, second, window=b + 1))
        route = np.asarray(peer.warping_path(first, second, window=b + 1, use_c=True))
        where = np.flatnonzero(keep)[route]  # positions in the window
        lag.append(trimmed_mean_lag(where, w, min(b, w // 4)) / rate)
    return np.array(distance), np.array(lag)


@pytest.mark.parametrize("standardize", [True, False])
def test_distance_and_path_equal_dtaidistance_on_rmea(rmea_5hz, path, standardize):
    for session in rmea_5hz:
        ours = concordlab.concordance(
            session, method="dtw", window=30, step=10, max_lag=5, standardize=standardize
        )
        values = session["motion"]["motion"].values
        distance, lag = peer_windows(values, RATE, 30, 10, 5, standardize)
        assert ours.sizes["time"] == distance.size > 20
        np.testing.assert_allclose(ours.values, distance, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(ours["mean_lag"].values, lag, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(
            ours["window_start"].values, starts_of(values.shape[1], 150, 50, 25) / RATE
        )


def test_equal_dtaidistance_on_real_eda_with_gaps(real_eda, path):
    values = real_eda["eda"]["eda"].values.copy()
    values[0, 400:520] = np.nan  # 12 s gone from one person
    values[1, 1500:1530] = np.nan
    gappy = concordlab.from_arrays({"eda": values}, 10.0)
    ours = concordlab.concordance(gappy, method="dtw", window=30, step=5, max_lag=5)
    distance, lag = peer_windows(values, 10.0, 30, 5, 5)
    assert np.isnan(ours.values).sum() == 0  # every window keeps >= half its pairs
    assert ours.sizes["time"] == distance.size > 20
    np.testing.assert_allclose(ours.values, distance, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(ours["mean_lag"].values, lag, rtol=0, atol=1e-9)


def test_path_against_pure_python_warping_path(rmea_5hz):
    """dtaidistance's Python best_path breaks ties between (i-1, j) and (i, j-1) the other
    way than its C code (which we follow): the paths then differ, their costs do not."""
    values = rmea_5hz[0]["motion"]["motion"].values
    ours = concordlab.concordance(rmea_5hz[0], method="dtw", window=30, step=10, max_lag=5)
    same = 0
    for row, start in enumerate(starts_of(values.shape[1], 150, 50, 25)[:12]):
        first = zscore(values[0, start : start + 150])
        second = zscore(values[1, start : start + 150])
        route = np.asarray(peer.warping_path(first, second, window=26, use_c=False))
        cost = np.sum((first[route[:, 0]] - second[route[:, 1]]) ** 2)
        assert math.sqrt(cost) == pytest.approx(float(ours[row]), rel=1e-12)
        assert np.abs(route[:, 0] - route[:, 1]).max() <= 25
        lag = trimmed_mean_lag(route, 150, 25) / RATE
        same += abs(lag - float(ours["mean_lag"][row])) < 1e-9
    assert same >= 10  # ties are rare on real data


def test_band_zero_is_the_euclidean_distance(rmea_5hz, path):
    values = rmea_5hz[1]["motion"]["motion"].values
    ours = concordlab.concordance(
        rmea_5hz[1], method="dtw", window=20, step=20, max_lag=0, standardize=False
    )
    for row, start in enumerate(starts_of(values.shape[1], 100, 100, 0)):
        first, second = values[:, start : start + 100]
        # dtaidistance's window=1 (no warping); its C pruning returns inf there (2.5.1),
        # so its Python form is the reference.
        assert float(ours[row]) == pytest.approx(peer.distance(first, second, window=1))
        assert float(ours[row]) == pytest.approx(np.linalg.norm(first - second), rel=1e-12)
    assert np.all(ours["mean_lag"].values == 0)


# --- closed forms --------------------------------------------------------------------


def smooth_noise(n, seed):
    rng = np.random.default_rng(seed)
    return np.convolve(rng.normal(size=n + 20), np.hanning(9), mode="valid")[:n]


@pytest.mark.parametrize("standardize", [True, False])
def test_identical_signals_distance_zero_lag_zero(path, standardize):
    z = smooth_noise(2000, 1)
    session = concordlab.from_arrays({"eda": np.vstack([z, z])}, 10.0)
    r = concordlab.concordance(session, method="dtw", window=20, step=5, standardize=standardize)
    assert np.all(r.values == 0.0)
    assert np.all(r["mean_lag"].values == 0.0)


@pytest.mark.parametrize("shift", [-7, -3, 1, 4, 8])
def test_pure_shift_reads_its_lag(path, shift):
    """second[t] = first[t - shift]: the second follows by shift samples (10 Hz)."""
    n = 3000
    z = smooth_noise(n + 20, 5)
    first = z[10 : 10 + n]
    second = z[10 - shift : 10 - shift + n]
    session = concordlab.from_arrays({"eda": np.vstack([first, second])}, 10.0)
    r = concordlab.concordance(session, method="dtw_lag", window=20, step=5, max_lag=2.0)
    # The optimal path may leave the delay's diagonal for a few samples inside the trimmed
    # part (where that lowers the cost of reaching its fixed ends), so a window's mean lag
    # is the delay up to a fraction of a sample; many windows read it exactly.
    for result, expected in ((r, shift / 10.0), (back := _swapped(first, second), -shift / 10.0)):
        error = np.abs(result.values - expected) * 10.0  # in samples
        if abs(shift) <= 5:  # a quarter of the band or less
            assert np.all(error < 0.1) and np.mean(error == 0) > 0.6
        else:  # nearer the band's edge the detours grow (measured: up to 2.3 samples)
            assert np.all(error < 3) and np.mean(error) < 0.15 and np.mean(error == 0) > 0.3
    assert np.all(np.sign(back.values) == -np.sign(shift))


def _swapped(first, second):
    session = concordlab.from_arrays({"eda": np.vstack([second, first])}, 10.0)
    return concordlab.concordance(session, method="dtw_lag", window=20, step=5, max_lag=2.0)


def test_pure_shift_without_trim_is_pulled_to_zero():
    """Why the ends are trimmed: over the whole path a delay reads smaller."""
    z = smooth_noise(400, 2)
    first, second = z[None, 20:220], z[None, 15:215]  # second follows by 5 samples
    _, whole = dtw_windows(first, second, band=10, trim=0)
    _, inner = dtw_windows(first, second, band=10, trim=10)
    assert inner[0] == 5.0
    assert 0 < whole[0] < 5.0


# --- properties ----------------------------------------------------------------------


def test_swapping_persons_keeps_distance_flips_lag(rmea_5hz, path):
    session = rmea_5hz[2]
    values = session["motion"]["motion"].values
    swapped = concordlab.from_arrays({"motion": values[::-1]}, RATE)
    a = concordlab.concordance(session, method="dtw", window=30, step=10, max_lag=5)
    b = concordlab.concordance(swapped, method="dtw", window=30, step=10, max_lag=5)
    np.testing.assert_allclose(a.values, b.values, rtol=1e-12)
    flipped = np.isclose(a["mean_lag"].values, -b["mean_lag"].values, rtol=0, atol=1e-12)
    assert flipped.mean() > 0.9  # ties may pick mirrored paths that are not transposes


@settings(max_examples=25, deadline=None)
@given(
    scale=st.tuples(st.floats(0.01, 100), st.floats(0.01, 100)),
    offset=st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)),
    seed=st.integers(0, 1000),
)
def test_standardized_invariant_to_offset_and_scale(scale, offset, seed):
    values = np.vstack([smooth_noise(600, seed), smooth_noise(600, seed + 1)])
    moved = values * np.array(scale)[:, None] + np.array(offset)[:, None]
    a = concordlab.concordance(
        concordlab.from_arrays({"eda": values}, 4.0), method="dtw", window=30, step=10
    )
    b = concordlab.concordance(
        concordlab.from_arrays({"eda": moved}, 4.0), method="dtw", window=30, step=10
    )
    np.testing.assert_allclose(a.values, b.values, rtol=1e-7, atol=1e-7)


def test_nan_windows_stay_nan_and_the_rest_unchanged(path):
    values = np.vstack([smooth_noise(3000, 8), smooth_noise(3000, 9)])
    clean = concordlab.concordance(
        concordlab.from_arrays({"eda": values}, 10.0), method="dtw", window=20, step=5
    )
    values[1, 1000:1200] = np.nan  # 20 s: every window overlapping it by > 10 s is NaN
    gappy = concordlab.concordance(
        concordlab.from_arrays({"eda": values}, 10.0), method="dtw", window=20, step=5
    )
    start, end = gappy["window_start"].values, gappy["window_end"].values
    missing = np.minimum(end, 120.0) - np.maximum(start, 100.0)
    assert np.all(np.isnan(gappy.values[missing > 10.0]))
    assert np.all(np.isnan(gappy["mean_lag"].values[missing > 10.0]))
    untouched = missing <= 0
    assert untouched.sum() > 20
    np.testing.assert_array_equal(gappy.values[untouched], clean.values[untouched])
    constant = values.copy()
    constant[0, :400] = 3.0  # a flat person has no z-scores
    flat = concordlab.concordance(
        concordlab.from_arrays({"eda": constant}, 10.0), method="dtw", window=20, step=5
    )
    assert np.isnan(flat.values[0]) and np.isfinite(flat.values[-1])


def test_numpy_and_compiled_paths_agree():
    if not kernel.compiled_available():
        pytest.skip("numba not installed")
    rng = np.random.default_rng(4)
    first, second = rng.normal(size=(2, 7, 40)).cumsum(axis=2)
    lengths = np.array([40, 39, 30, 12, 2, 1, 40])
    positions = np.sort(rng.permutation(60)[:40])[None, :].repeat(7, axis=0)
    runs = []
    for compiled in (True, False):
        kernel.use_numba = compiled
        try:
            runs.append(dtw_windows(first, second, 6, lengths=lengths, positions=positions, trim=6))
        finally:
            kernel.use_numba = True
    for ours, theirs in zip(*runs, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    for row, m in enumerate(lengths):
        expected = peer.distance(first[row, :m], second[row, :m], window=7)
        assert runs[1][0][row] == pytest.approx(expected, rel=1e-12)


def test_reproduce_and_bad_input():
    from concordlab.compute.result import reproduce

    s = concordlab.simulate_dyad(120, coupling=0.5, turns=False, seed=1, channels="eda")
    r = concordlab.concordance(s, method="dtw", window=20, step=5, max_lag=2, standardize=False)
    assert concordlab.concordance(s, **reproduce(r)).identical(r)
    with pytest.raises(concordlab.ValidationError, match="standardize"):
        concordlab.concordance(s, method="dtw", standardize="yes")
    with pytest.raises(concordlab.ValidationError, match="window"):
        concordlab.concordance(s, method="dtw", window=200)
    with pytest.raises(concordlab.ValidationError, match="same shape"):
        dtw_windows(np.zeros((2, 5)), np.zeros((2, 4)), 1)


# --- simulated truth -----------------------------------------------------------------


def simulated(seed, coupling):
    lag = 2.0 if seed % 2 else -2.0  # odd seeds: the therapist follows by 2 s
    session = concordlab.simulate_dyad(
        300, coupling=coupling, lag=lag, turns=False, seed=seed, channels="eda"
    )
    return session, lag


@pytest.mark.parametrize("derivative", [False, True])
def test_ranks_coupled_above_uncoupled(derivative):
    ordered = 0
    for seed in range(12):
        mean = {}
        for coupling in (0.0, 0.5, 0.9):
            s, _ = simulated(seed, coupling)
            r = concordlab.concordance(
                s, method="dtw", window=30, step=10, max_lag=4, derivative=derivative
            )
            mean[coupling] = float(r.mean())
        assert mean[0.9] < mean[0.0]
        ordered += mean[0.9] < mean[0.5] < mean[0.0]
    assert ordered >= (12 if derivative else 10)


def test_derivative_lag_finds_the_leader():
    found = {0.5: 0, 0.9: 0}
    for seed in range(12):
        for coupling in found:
            s, lag = simulated(seed, coupling)
            r = concordlab.concordance(
                s, method="dtw_lag", window=30, step=10, max_lag=4, derivative=True
            )
            found[coupling] += np.sign(float(r.mean())) == np.sign(lag)
    assert found[0.5] >= 11 and found[0.9] >= 11


def test_derivative_equals_dtaidistance_on_central_differences(rmea_5hz, path):
    session = rmea_5hz[3]
    values = session["motion"]["motion"].values
    ours = concordlab.concordance(
        session, method="dtw", window=30, step=10, max_lag=5, derivative=True
    )
    slope = np.full_like(values, np.nan)
    slope[:, 1:-1] = (values[:, 2:] - values[:, :-2]) / 2 * RATE
    distance, lag = peer_windows(slope, RATE, 30, 10, 5)
    np.testing.assert_allclose(ours.values, distance, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ours["mean_lag"].values, lag, rtol=0, atol=1e-9)
