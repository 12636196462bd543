"""CRQA (recurrence_rate, determinism, mean_line, recurrence_profile): a naive version,
multiSyncPy, closed forms, properties and simulated truth."""

import math

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import concordlab
from concordlab import preprocess
from concordlab.datasets import rmea_files

SCALARS = ("recurrence_rate", "determinism", "mean_line")


# ----------------------------------------------------------------------------- naive


def naive_window(x, y, *, embedding, delay, radius, min_line, min_count, lags):
    """RR, DET, L and the diagonal profile of one window, with plain loops.

    Written from the definitions (crqa: z-score with n - 1, forward embedding, Euclidean
    distance <= radius, lines on every diagonal), not from the module under test.
    """
    n = len(x)
    present = [not (math.isnan(x[i]) or math.isnan(y[i])) for i in range(n)]
    nan = float("nan")
    if sum(present) < min_count:
        return (nan, nan, nan), {lag: nan for lag in lags}

    def zscore(v):
        values = [v[i] for i in range(n) if present[i]]
        mean = sum(values) / len(values)
        sd = math.sqrt(sum((u - mean) ** 2 for u in values) / (len(values) - 1))
        if sd == 0:
            return None
        return [(v[i] - mean) / sd if present[i] else nan for i in range(n)]

    zx, zy = zscore(x), zscore(y)
    if zx is None or zy is None:
        return (nan, nan, nan), {lag: nan for lag in lags}
    m = n - (embedding - 1) * delay
    ex = [[zx[i + k * delay] for k in range(embedding)] for i in range(m)]
    ey = [[zy[i + k * delay] for k in range(embedding)] for i in range(m)]
    valid_x = [not any(math.isnan(c) for c in s) for s in ex]
    valid_y = [not any(math.isnan(c) for c in s) for s in ey]
    rec = [[False] * m for _ in range(m)]
    for i in range(m):
        for j in range(m):
            if valid_x[i] and valid_y[j]:
                d = math.sqrt(sum((ex[i][k] - ey[j][k]) ** 2 for k in range(embedding)))
                rec[i][j] = d <= radius
    points = sum(sum(row) for row in rec)
    cells = sum(valid_x) * sum(valid_y)
    lengths = []
    for offset in range(-(m - 1), m):
        run = 0
        for i in range(m):
            j = i + offset
            if 0 <= j < m:
                if rec[i][j]:
                    run += 1
                elif run:
                    lengths.append(run)
                    run = 0
        if run:
            lengths.append(run)
    long = [length for length in lengths if length >= min_line]
    rr = points / cells if cells else nan
    det = sum(long) / points if points else nan
    mean_line = sum(long) / len(long) if long else nan
    profile = {}
    for lag in lags:
        hits = total = 0
        for i in range(m):
            j = i + lag
            if 0 <= j < m and valid_x[i] and valid_y[j]:
                total += 1
                hits += rec[i][j]
        profile[lag] = hits / total if total else nan
    return (rr, det, mean_line), profile


def naive(session, channel, *, window, step, embedding, delay, radius, min_line, min_valid, lags):
    values = np.asarray(session[channel][channel].values, dtype=float)
    rate = float(session[channel][channel].attrs["sampling_rate"])
    w, s, d = round(window * rate), round(step * rate), round(delay * rate)
    starts = range(0, values.shape[1] - w + 1, s)
    scalars, profiles = [], []
    for start in starts:
        x = values[0, start : start + w].tolist()
        y = values[1, start : start + w].tolist()
        three, profile = naive_window(
            x,
            y,
            embedding=embedding,
            delay=d,
            radius=radius,
            min_line=min_line,
            min_count=max(2.0, min_valid * w),
            lags=lags,
        )
        scalars.append(three)
        profiles.append([profile[lag] for lag in lags])
    return np.array(scalars), np.array(profiles)


def ours(session, channel, lags, rate, **params):
    """Our three scalar measures (columns) and the profile at ``lags`` (samples)."""
    rest = {k: v for k, v in params.items() if k != "min_line"}
    out = np.stack(
        [
            concordlab.concordance(session, channel, method="recurrence_rate", **rest).values,
            concordlab.concordance(session, channel, method="determinism", **params).values,
            concordlab.concordance(session, channel, method="mean_line", **params).values,
        ],
        axis=1,
    )
    profile = concordlab.concordance(
        session, channel, method="recurrence_profile", max_lag=max(lags) / rate, **rest
    )
    return out, profile


@pytest.fixture(scope="module")
def rmea_excerpts():
    """Three real rMEA dyads' motion energy, 25 Hz decimated to 5 Hz, first 2 minutes."""
    sessions = []
    for path in rmea_files("all")[:3]:
        session = concordlab.read_csv(path, sampling_rate=25, channel="motion")
        motion = session["motion"]["motion"].values[:, : 25 * 120 : 5]
        sessions.append(concordlab.from_arrays({"motion": motion}, sampling_rate=5))
    return sessions


@pytest.fixture(scope="module")
def real_eda(data_dir):
    """Two real, unrelated people's skin conductance (NeuroKit2's examples), at 4 Hz."""
    folder = data_dir / "eda-single" / "neurokit"
    session = concordlab.read_csv(
        [folder / "bio_resting_8min_100hz.csv", folder / "bio_eventrelated_100hz.csv"],
        sampling_rate=100,
        channel="eda",
        columns="EDA",
        align="trim",
    )
    eda = session["eda"]["eda"].values[:, : 100 * 150 : 25]
    return concordlab.from_arrays({"eda": eda}, sampling_rate=4)


@pytest.mark.parametrize("dyad", [0, 1, 2])
@pytest.mark.parametrize(
    ("embedding", "delay", "radius", "min_line"),
    [(3, 0.2, 0.5, 2), (1, 0.2, 0.2, 3), (2, 0.6, 0.8, 2)],
)
def test_equals_the_naive_version_on_real_motion(
    rmea_excerpts, dyad, embedding, delay, radius, min_line
):
    session = rmea_excerpts[dyad]
    params = dict(
        window=12.0,
        step=9.0,
        embedding=embedding,
        delay=delay,
        radius=radius,
        min_line=min_line,
        min_valid=0.5,
    )
    lags = list(range(-10, 11))
    expected, expected_profile = naive(session, "motion", lags=lags, **params)
    got, profile = ours(session, "motion", lags, 5.0, **params)
    assert np.isfinite(expected).mean() > 0.5  # real windows, not all NaN
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(profile.values, expected_profile)
    np.testing.assert_array_equal(profile["lag"].values, np.array(lags) / 5.0)


def test_equals_the_naive_version_on_real_eda_with_gaps(real_eda):
    eda = real_eda["eda"]["eda"].values.copy()
    eda[0, 50:58] = np.nan  # a short gap: windows keep their other states
    eda[1, 300:400] = np.nan  # a long one: windows below min_valid are NaN
    session = concordlab.from_arrays({"eda": eda}, sampling_rate=4)
    params = dict(
        window=20.0,
        step=7.5,
        embedding=3,
        delay=0.5,
        radius=0.3,
        min_line=2,
        min_valid=0.6,
    )
    lags = list(range(-8, 9))
    expected, expected_profile = naive(session, "eda", lags=lags, **params)
    got, profile = ours(session, "eda", lags, 4.0, **params)
    assert np.isnan(expected[:, 0]).any() and np.isfinite(expected[:, 0]).sum() >= 5
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(profile.values, expected_profile)


# ----------------------------------------------------------------------------- peer


def _multisyncpy_window(msp, x, y, *, embedding, delay, radius, min_line):
    """RR, DET and mean line length of x against y from multiSyncPy's own functions.

    multiSyncPy has auto-recurrence only (``recurrence_matrix``, ``rqa_metrics`` over
    the upper triangle). Both windows are z-scored as crqa does (n - 1; multiSyncPy's
    own ``normalise`` divides by n) and concatenated: the block of its recurrence matrix
    with first-person rows and second-person columns is the cross-recurrence plot. Put
    alone above the diagonal of a zero matrix of twice its size, its diagonals are those
    of the upper triangle, so ``rqa_metrics`` counts its lines.
    """
    zx = (x - x.mean()) / x.std(ddof=1)
    zy = (y - y.mean()) / y.std(ddof=1)
    n = x.size
    m = n - (embedding - 1) * delay
    full = msp.recurrence_matrix(
        np.concatenate([zx, zy])[None, :],
        radius,
        normalise=False,
        embedding_dimension=embedding,
        embedding_delay=delay,
    )
    cross = full[:m, n : n + m]
    big = np.zeros((2 * m, 2 * m), dtype=bool)
    big[:m, m:] = cross
    rec, det, mean_length, _ = msp.rqa_metrics(big, min_length=min_line)
    rr = rec * (2 * m * (2 * m - 1) / 2) / (m * m)
    return rr, det, mean_length, cross


@pytest.mark.parametrize("dyad", range(4))
def test_equals_multisyncpy_on_real_motion(dyad):
    """RR and DET equal multiSyncPy's; its mean line counts lines of every length, which
    ours does with min_line=1 (with min_line=2, crqa's L, it differs: asserted)."""
    msp = pytest.importorskip("multiSyncPy.synchrony_metrics")
    path = rmea_files("all")[dyad * 5]
    session = concordlab.read_csv(path, sampling_rate=25, channel="motion")
    motion = session["motion"]["motion"].values[:, 25 * 60 : 25 * 120 : 2]
    excerpt = concordlab.from_arrays({"motion": motion}, sampling_rate=12.5)
    common = dict(window=16.0, step=11.0, embedding=3, delay=0.16, radius=0.4)
    results = {
        (name, line): concordlab.concordance(excerpt, method=name, min_line=line, **common)
        for name in ("determinism", "mean_line")
        for line in (1, 2)
    }
    rr = concordlab.concordance(excerpt, method="recurrence_rate", **common)
    w = 200
    differs = 0
    for index, start in enumerate(range(0, motion.shape[1] - w + 1, round(11 * 12.5))):
        x, y = motion[0, start : start + w], motion[1, start : start + w]
        if x.std() == 0 or y.std() == 0:
            assert np.isnan(rr.values[index])
            continue
        for line in (1, 2):
            theirs = _multisyncpy_window(msp, x, y, embedding=3, delay=2, radius=0.4, min_line=line)
            assert abs(rr.values[index] - theirs[0]) < 1e-12
            assert abs(results["determinism", line].values[index] - theirs[1]) < 1e-12
            if line == 1:
                assert abs(results["mean_line", 1].values[index] - theirs[2]) < 1e-12
            elif np.isnan(results["mean_line", 2].values[index]):  # no line of 2 or more
                assert results["determinism", 2].values[index] == theirs[1] == 0
            else:  # lines of one cell shorten multiSyncPy's mean: never above ours
                assert results["mean_line", 2].values[index] >= theirs[2]
                differs += results["mean_line", 2].values[index] > theirs[2] + 1e-9
    assert differs > 0


def test_identical_signals_give_the_auto_recurrence(real_eda):
    """x against itself: the main diagonal is fully recurrent, and RR is the
    auto-recurrence rate (multiSyncPy's upper triangle, mirrored, plus the diagonal)."""
    msp = pytest.importorskip("multiSyncPy.synchrony_metrics")
    x = real_eda["eda"]["eda"].values[0]
    same = concordlab.from_arrays({"eda": np.stack([x, x])}, sampling_rate=4)
    params = dict(window=25.0, step=20.0, embedding=2, delay=0.5, radius=0.2)
    rr = concordlab.concordance(same, method="recurrence_rate", **params)
    profile = concordlab.concordance(same, method="recurrence_profile", max_lag=2, **params)
    assert (profile.sel(lag=0.0).values == 1.0).all()
    w, m = 100, 100 - 2
    for index, start in enumerate(range(0, x.size - w + 1, 80)):
        z = x[start : start + w]
        z = (z - z.mean()) / z.std(ddof=1)
        auto = msp.recurrence_matrix(z[None, :], 0.2, False, 2, 2)
        upper = msp.rqa_metrics(auto, min_length=2)[0] * (m * (m - 1) / 2)
        assert abs(rr.values[index] - (2 * upper + m) / (m * m)) < 1e-12


# ----------------------------------------------------------------------------- closed forms


def test_a_pure_lag_peaks_at_the_lag_and_its_sign_says_who_follows():
    """A periodic pattern and its copy 8 samples later: every window has the same
    z-scores, so the diagonal at the lag is fully recurrent and the profile peaks there."""
    pattern = np.random.default_rng(3).normal(size=40)
    x = np.tile(pattern, 30)
    y = np.roll(x, 8)  # y[t] = x[t - 8]: the second person follows by 8 samples = 2 s
    for first, second, lag in ((x, y, 2.0), (y, x, -2.0)):
        session = concordlab.from_arrays({"eda": np.stack([first, second])}, sampling_rate=4)
        profile = concordlab.concordance(
            session, method="recurrence_profile", window=40, step=10, max_lag=4, radius=0.2
        )
        assert (profile.sel(lag=lag).values == 1.0).all()
        assert (profile.idxmax("lag").values == lag).all()
        assert (profile.drop_sel(lag=lag).max("lag").values < 1.0).all()


@pytest.mark.parametrize(("embedding", "radius"), [(1, 0.5), (3, 1.0)])
def test_independent_noise_recurs_as_the_chi_distribution_says(embedding, radius):
    """Independent white noise: a difference of two states is normal with variance 2 per
    component, so RR = P(chi2_m <= r^2 / 2); with m = 1 the cells along a diagonal are
    independent, so DET (lines >= 2) = 1 - (1 - RR)^2."""
    x = np.random.default_rng(11).normal(size=(2, 2400))
    session = concordlab.from_arrays({"eda": x}, sampling_rate=4)
    params = dict(window=300, step=150, embedding=embedding, delay=0.25, radius=radius)
    rr = float(concordlab.concordance(session, method="recurrence_rate", **params).mean())
    expected = stats.chi2.cdf(radius**2 / 2, embedding)
    assert abs(rr - expected) < 0.01
    if embedding == 1:
        det = float(concordlab.concordance(session, method="determinism", **params).mean())
        assert abs(det - (1 - (1 - rr) ** 2)) < 0.01


# ----------------------------------------------------------------------------- properties


@pytest.fixture(scope="module")
def coupled():
    s = concordlab.simulate_dyad(200, coupling=0.7, lag=1.5, turns=False, seed=5, sampling_rate=8)
    return s


PROFILE = dict(window=20.0, step=10.0, max_lag=3.0, embedding=3, delay=0.25, radius=0.4)


def _swapped(session):
    eda = session["eda"]["eda"].values
    return concordlab.from_arrays({"eda": eda[::-1].copy()}, sampling_rate=8)


def test_swapping_persons_mirrors_the_profile_and_keeps_the_rest(coupled):
    plain = concordlab.from_arrays({"eda": coupled["eda"]["eda"].values}, sampling_rate=8)
    swapped = _swapped(coupled)
    forward = concordlab.concordance(plain, method="recurrence_profile", **PROFILE)
    backward = concordlab.concordance(swapped, method="recurrence_profile", **PROFILE)
    np.testing.assert_array_equal(forward.values, backward.values[:, ::-1])
    scalar = {k: v for k, v in PROFILE.items() if k != "max_lag"}
    for name in SCALARS:
        a = concordlab.concordance(plain, method=name, **scalar)
        b = concordlab.concordance(swapped, method=name, **scalar)
        np.testing.assert_array_equal(a.values, b.values)


@settings(max_examples=15, deadline=None)
@given(
    scale=st.tuples(st.floats(0.01, 100.0), st.floats(0.01, 100.0)),
    offset=st.tuples(st.floats(-1000.0, 1000.0), st.floats(-1000.0, 1000.0)),
)
def test_rr_is_invariant_to_offset_and_scale(scale, offset):
    x = np.random.default_rng(8).normal(size=(2, 240)).cumsum(axis=1)
    base = concordlab.from_arrays({"eda": x}, sampling_rate=4)
    moved = np.array(scale)[:, None] * x + np.array(offset)[:, None]
    other = concordlab.from_arrays({"eda": moved}, sampling_rate=4)
    params = dict(window=15.0, step=5.0, radius=0.3)
    a = concordlab.concordance(base, method="recurrence_rate", **params).values
    b = concordlab.concordance(other, method="recurrence_rate", **params).values
    # z-scores of a scaled series differ in the last bits; a cell can flip at the radius
    np.testing.assert_allclose(a, b, rtol=0, atol=3 / 58**2)


def test_nan_windows_stay_nan_and_the_others_are_untouched(coupled):
    eda = coupled["eda"]["eda"].values.copy()
    clean = concordlab.from_arrays({"eda": eda.copy()}, sampling_rate=8)
    eda[1, 8 * 50 : 8 * 65] = np.nan
    gappy = concordlab.from_arrays({"eda": eda}, sampling_rate=8)
    scalar = {k: v for k, v in PROFILE.items() if k != "max_lag"}
    for name, params in [(n, scalar) for n in SCALARS] + [("recurrence_profile", PROFILE)]:
        a = concordlab.concordance(clean, method=name, **params)
        b = concordlab.concordance(gappy, method=name, **params)
        touched = (b["window_end"] > 50) & (b["window_start"] < 65)
        mostly_gone = (b["window_start"] >= 50 - 5) & (b["window_end"] <= 65 + 5)
        assert bool(np.isnan(b.where(mostly_gone, drop=True)).all())
        untouched = b.where(~touched, drop=True)
        xr.testing.assert_equal(untouched, a.where(~touched, drop=True))


def test_a_constant_window_is_nan_and_bad_parameters_are_refused():
    x = np.random.default_rng(0).normal(size=(2, 400))
    x[0, :100] = 3.0
    session = concordlab.from_arrays({"eda": x}, sampling_rate=4)
    rr = concordlab.concordance(session, method="recurrence_rate", window=20, step=20)
    assert np.isnan(rr.values[:1]).all() and np.isfinite(rr.values[2:]).all()
    with pytest.raises(concordlab.ValidationError, match="embedding must be a whole number"):
        concordlab.concordance(session, method="recurrence_rate", embedding=2.5)
    with pytest.raises(concordlab.ValidationError, match="embedded state"):
        concordlab.concordance(session, method="determinism", window=2, embedding=5, delay=1)
    with pytest.raises(concordlab.ValidationError, match="max_lag=30 s is longer"):
        concordlab.concordance(session, method="recurrence_profile", window=20, max_lag=30)
    with pytest.raises(concordlab.ValidationError, match="radius must be"):
        concordlab.concordance(session, method="recurrence_rate", radius=0)
    long = concordlab.from_arrays({"eda": np.ones((2, 5000))}, sampling_rate=1)
    with pytest.raises(concordlab.ValidationError, match="use a shorter window .at most 4096 s"):
        concordlab.concordance(long, method="determinism", window=4100)


def test_results_reproduce_and_carry_the_parameters_as_used(coupled):
    result = concordlab.concordance(
        coupled, "eda", method="determinism", window=10, delay=0.3, min_line=3
    )
    assert result.attrs["delay"] == 0.25  # 0.3 s at 8 Hz: 2 samples
    assert result.attrs["min_line"] == 3 and result.attrs["radius"] == 0.1
    again = concordlab.concordance(coupled, **concordlab.compute.result.reproduce(result))
    xr.testing.assert_identical(again, result)


# ----------------------------------------------------------------------------- simulated truth

TRUTH = dict(window=30.0, step=10.0, embedding=3, delay=0.5, radius=0.5)


def _phasic(coupling, lag, seed):
    session = concordlab.simulate_dyad(
        300,
        coupling=coupling,
        lag=lag,
        turns=False,
        seed=seed,
        sampling_rate=8,
        channels=("eda",),
    )
    return preprocess.eda_components(session)


def test_coupled_dyads_recur_more_than_uncoupled_ones():
    """On the phasic EDA (levels drift, and z-scored drifts recur whatever the coupling):
    the mean recurrence rate ranks a coupled dyad above the uncoupled one of the same seed
    in at least 9 of 10 seeds."""
    wins = 0
    for seed in range(10):
        rates = [
            float(
                concordlab.concordance(
                    _phasic(c, 2.0, seed), "eda_phasic", method="recurrence_rate", **TRUTH
                ).mean()
            )
            for c in (0.0, 0.9)
        ]
        wins += rates[1] > rates[0]
    assert wins >= 9


@pytest.mark.parametrize("coupling", [0.5, 0.9])
def test_the_profile_finds_the_leader(coupling):
    """The sign of the time-averaged profile's peak lag says who follows (positive: the
    second person), in at least 8 of 10 seeds each way, and the peak is near 2 s."""
    right, near = 0, []
    for seed in range(10):
        for lag in (2.0, -2.0):
            profile = concordlab.concordance(
                _phasic(coupling, lag, seed),
                "eda_phasic",
                method="recurrence_profile",
                max_lag=5,
                **TRUTH,
            )
            peak = float(profile.mean("time").idxmax("lag"))
            right += np.sign(peak) == np.sign(lag)
            near.append(abs(peak - lag))
    assert right >= 16
    assert np.median(near) <= 0.5
