"""The windowed kernel against a plain loop, and its invariances."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import concordlab
from concordlab.compute import kernel, window_starts, windowed_moments

# Every test here runs on both paths of the kernel: compiled (numba, where installed) and
# pure numpy (as on Pyodide).
ENGINES = ["compiled", "numpy"]


@pytest.fixture(params=ENGINES, autouse=True)
def engine(request, monkeypatch):
    if request.param == "compiled":
        pytest.importorskip("numba")
    monkeypatch.setattr(kernel, "use_numba", request.param == "compiled")
    assert kernel.compiled_available() == (request.param == "compiled")
    return request.param


def naive_wlcc(x, y, window, step, lags, min_count):
    """rMEA's rule written as loops: window i at i*step, pairs (x[u], y[u+L])."""
    max_lag = max(abs(lag) for lag in lags)
    count = int(np.ceil((len(x) - window - max_lag + 1) / step))
    out = np.full((max(count, 0), len(lags)), np.nan)
    for i in range(max(count, 0)):
        s = i * step
        for j, lag in enumerate(lags):
            u = s + max(0, -lag)
            a, b = x[u : u + window], y[u + lag : u + lag + window]
            ok = ~np.isnan(a) & ~np.isnan(b)
            if ok.sum() < max(min_count, 2) or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
                continue
            out[i, j] = np.corrcoef(a[ok], b[ok])[0, 1]
    return out


@pytest.mark.parametrize("strategy", ["per_lag", "per_window"])
def test_both_strategies_equal_the_loop_with_gaps(strategy):
    rng = np.random.default_rng(7)
    x = np.cumsum(rng.normal(size=2000))
    y = np.roll(x, 5) + rng.normal(scale=3, size=2000)
    x[300:330] = np.nan
    y[900:1000] = np.nan  # a window here is more than half missing
    x[1500] = np.nan
    lags = list(range(-12, 13, 3))
    moments = windowed_moments(x, y, 150, 40, lags, strategy=strategy)
    ours = moments.pearson(min_count=75)
    expected = naive_wlcc(x, y, 150, 40, lags, 75)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    np.testing.assert_allclose(ours, expected, atol=1e-12, equal_nan=True)
    assert np.isnan(ours).any() and not np.isnan(ours).all()


def test_window_count_rule():
    assert window_starts(15000, 750, 250, 125).size == 57
    assert window_starts(10, 11, 1).size == 0
    assert window_starts(10, 10, 3).tolist() == [0]


def test_large_offset_gives_the_centred_correlations():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(2, 5000))
    y = 0.6 * x + 0.8 * y
    lags = np.arange(-20, 21)
    centred = windowed_moments(0.01 * x, 0.01 * y, 500, 100, lags).pearson()
    for strategy in ("per_lag", "per_window"):
        shifted = windowed_moments(
            1000 + 0.01 * x, 1000 + 0.01 * y, 500, 100, lags, strategy=strategy
        ).pearson()
        np.testing.assert_allclose(shifted, centred, atol=1e-9)


def as_session(x, y, sampling_rate=4.0):
    return concordlab.from_arrays({"eda": np.vstack([x, y])}, sampling_rate)


series = arrays(np.float64, 120, elements=st.floats(-50, 50, allow_nan=False, allow_infinity=False))


def conditioning(values, window):
    """Largest squared deviation over the smallest non-constant window variance."""
    spread = (values - values.mean()) ** 2
    variances = np.lib.stride_tricks.sliding_window_view(values, window).var(axis=1)
    varying = variances[variances > 1e-12 * spread.mean()]
    return float(spread.max() / varying.min()) if varying.size else 1.0


# Found by hypothesis: one step of 1.4e-143 (its variance near the underflow floor) was
# constant in one orientation and perfectly correlated in the other.
_TINY = np.r_[0.0, np.ones(119)]


@settings(max_examples=40, deadline=None)
@given(x=series, y=series, offset=st.floats(-1e3, 1e3), scale=st.floats(0.01, 100))
@example(x=_TINY, y=_TINY * 1.41212318e-143, offset=0.0, scale=1.0)
def test_symmetry_and_invariance(x, y, offset, scale):
    r = concordlab.wlcc(as_session(x, y), window=10, step=2.5, max_lag=2)
    swapped = concordlab.wlcc(as_session(y, x), window=10, step=2.5, max_lag=2)
    # Swapping the persons mirrors the lag axis.
    np.testing.assert_allclose(swapped.values, r.values[:, ::-1], atol=1e-9, equal_nan=True)
    transformed = concordlab.wlcc(
        as_session(offset + scale * x, y * scale), window=10, step=2.5, max_lag=2
    )
    finite = np.isfinite(r.values) & np.isfinite(transformed.values)
    # Sums over a window's lagged span carry rounding errors relative to the span's largest
    # squares, so a window that barely varies next to a large excursion (e.g. 6e-5 steps
    # beside a 1.1 spike) is known only to about eps times that ratio.
    ill_conditioned = 100 * np.finfo(float).eps * max(conditioning(x, 40), conditioning(y, 40))
    np.testing.assert_allclose(
        transformed.values[finite], r.values[finite], atol=max(1e-7, ill_conditioned)
    )
    assert np.all(np.abs(r.values[np.isfinite(r.values)]) <= 1)


def test_nan_windows_stay_nan_and_never_crash():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 400))
    x[100:200] = np.nan
    r = concordlab.wlcc(as_session(x, y), window=10, step=5, max_lag=1, min_valid=0.8)
    inside = (r["window_start"] >= 25) & (r["window_end"] <= 50)
    assert inside.any() and bool(r.where(inside, drop=True).isnull().all())
    assert bool(r.where(r["window_end"] < 24, drop=True).notnull().all())
    all_missing = concordlab.wlcc(as_session(np.full(400, np.nan), y), window=10, step=5, max_lag=1)
    assert bool(all_missing.isnull().all())
    summary = concordlab.wlcc_summary(all_missing)
    assert bool(summary["best_lag"].isnull().all())


def test_input_errors():
    s = as_session(np.arange(40.0), np.arange(40.0))
    with pytest.raises(concordlab.ValidationError, match="longer than the series"):
        concordlab.wlcc(s, window=20, step=1, max_lag=1)
    with pytest.raises(concordlab.ValidationError, match="min_valid"):
        concordlab.wlcc(s, window=2, step=1, max_lag=1, min_valid=2)
    with pytest.raises(concordlab.ValidationError, match="Unknown channel"):
        concordlab.wlcc(s, "hr", window=2, step=1, max_lag=1)
    with pytest.raises(concordlab.ValidationError, match="dims"):
        concordlab.wlcc(xr.DataArray(np.zeros(4), dims="time"), window=2, step=1, max_lag=1)
    with pytest.raises(concordlab.ValidationError, match="window"):
        concordlab.wlcc(s, window=-1, step=1, max_lag=1)
