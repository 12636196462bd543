"""The compiled (numba) and the pure-numpy paths of the kernel give the same numbers.

Both paths run in every CI run: the compiled one where numba is installed (the ``test``
extra installs it), the numpy one by switching ``kernel.use_numba`` off, as Pyodide (no
numba) runs it. The naive loop of ``test_kernel.py`` checks each path against an
independent implementation; here they are checked against each other to 1e-12.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import concordlab
from concordlab.compute import kernel, slopes, windowed_moments

numba = pytest.importorskip("numba")


def naive_wlcc(x, y, window, step, lags, min_count):
    """rMEA's rule as loops (independent of the kernel): window i at i*step, pairs
    (x[u], y[u+L]), numpy's corrcoef of the present pairs."""
    max_lag = max(abs(lag) for lag in lags)
    count = max(int(np.ceil((len(x) - window - max_lag + 1) / step)), 0)
    out = np.full((count, len(lags)), np.nan)
    for i in range(count):
        for j, lag in enumerate(lags):
            u = i * step + max(0, -lag)
            a, b = x[u : u + window], y[u + lag : u + lag + window]
            ok = ~np.isnan(a) & ~np.isnan(b)
            if ok.sum() >= max(min_count, 2) and np.ptp(a[ok]) > 0 and np.ptp(b[ok]) > 0:
                out[i, j] = np.corrcoef(a[ok], b[ok])[0, 1]
    return out


def both_paths(function):
    """``function()`` on the compiled path, then on the numpy path."""
    saved = kernel.use_numba
    try:
        kernel.use_numba = True
        assert kernel.compiled_available()
        compiled = function()
        kernel.use_numba = False
        assert not kernel.compiled_available()
        plain = function()
    finally:
        kernel.use_numba = saved
    return compiled, plain


def assert_same(compiled, plain, atol=1e-12):
    compiled, plain = np.asarray(compiled), np.asarray(plain)
    np.testing.assert_array_equal(np.isnan(compiled), np.isnan(plain))
    np.testing.assert_allclose(compiled, plain, rtol=0, atol=atol, equal_nan=True)


def test_wlcc_on_the_real_rmea_dyads(rmea_paths):
    """Real movement data: most cells agree to 1e-12; a few cells, where a window that
    hardly moves sits next to a burst of movement within its lagged span, are known to
    both paths only to ~1e-11 (both are within 2e-11 and 5e-11 of a long-double
    computation, measured over all 20 dyads), as the sums about one reference per span
    lose that much there. rMEA's own numbers are matched to 1e-9 (test_wlcc_rmea.py)."""
    for path in rmea_paths[::4]:
        session = concordlab.read_csv(path, sampling_rate=25, channel="motion")
        compiled, plain = both_paths(
            lambda session=session: concordlab.wlcc(session, window=30, step=10, max_lag=5)
        )
        assert compiled.attrs == plain.attrs
        assert_same(compiled.values, plain.values, atol=1e-10)
        close = np.abs(compiled.values - plain.values) <= 1e-12
        assert close[np.isfinite(compiled.values)].mean() > 0.99
        assert np.isfinite(compiled.values).mean() > 0.9


def smooth(n, seed, offset=0.0):
    """Two coupled, smooth, slowly drifting series on a large offset (well conditioned:
    no window varies far less than its lagged span)."""
    rng = np.random.default_rng(seed)
    noise = np.convolve(rng.normal(size=n + 20), np.ones(20) / 20, mode="valid")[:n]
    x = offset + noise + np.linspace(0, 0.5, n)
    y = offset + np.roll(noise, 7) + 0.2 * rng.normal(size=n)
    return x, y


@pytest.mark.parametrize("strategy", ["per_lag", "per_window"])
@pytest.mark.parametrize(
    ("window", "step", "lags"),
    [
        (150, 50, list(range(-20, 21))),  # blocks of 50, every lag
        (150, 40, list(range(-12, 13, 3))),  # blocks of 10, a lag step
        (120, 1, [0]),  # every sample, lag 0
        (64, 64, [5, -3, 0]),  # unsorted lags, one window per block
        (100, 25, [-9, -4]),  # negative lags only
        (100, 25, [2, 9]),  # positive lags only
    ],
)
def test_moments_agree_with_and_without_gaps(strategy, window, step, lags):
    x, y = smooth(3000, seed=window + step, offset=1000.0)
    for gaps in (False, True):
        if gaps:
            x[300:330] = np.nan
            y[900:1000] = np.nan
            x[1500] = np.nan
        compiled, plain = both_paths(
            lambda x=x, y=y: windowed_moments(x, y, window, step, lags, strategy=strategy)
        )
        assert_same(compiled.pearson(min_count=window // 2), plain.pearson(min_count=window // 2))
        assert_same(compiled.count, plain.count)


def test_explicit_irregular_starts_reaching_past_the_end():
    x, y = smooth(500, seed=3)
    starts = np.array([0, 7, 3, 200, 430, 480])
    for strategy in ("per_lag", "per_window"):
        compiled, plain = both_paths(
            lambda strategy=strategy: windowed_moments(
                x, y, 60, 10, [-4, 0, 4], starts=starts, strategy=strategy
            )
        )
        assert_same(compiled.pearson(), plain.pearson())
        assert_same(compiled.count, plain.count)


@pytest.mark.parametrize("method", ["pearson", "slope", "wlcc_peak"])
def test_concordance_measures_agree(method):
    session = concordlab.simulate_dyad(600, coupling=0.6, seed=4, channels=["eda"])
    compiled, plain = both_paths(lambda: concordlab.concordance(session, method=method))
    assert compiled.attrs == plain.attrs
    # The slopes themselves come from two computations (a sliding sum, an FFT filter)
    # that agree to ~3e-14 of their size; a few windows whose slopes barely vary turn
    # that into ~1e-12 of r. On the same slopes the paths agree to 1e-12 (below).
    assert_same(compiled.values, plain.values, atol=1e-11 if method == "slope" else 1e-12)


def test_slopes_and_their_correlation_agree():
    session = concordlab.simulate_dyad(600, coupling=0.6, seed=4, channels=["eda"])
    eda = session["eda"]["eda"].values
    compiled, plain = both_paths(lambda: [slopes(row, 32.0, 161) for row in eda])
    for a, b in zip(compiled, plain, strict=True):
        assert_same(a, b, atol=1e-13 * np.nanmax(np.abs(b)))
    first, second = plain
    compiled_r, plain_r = both_paths(
        lambda: windowed_moments(first, second, 480, 32, [0]).pearson(240)
    )
    assert_same(compiled_r, plain_r)
    # with a gap: the numpy filter on both paths, the kernel's gappy windows by FFT
    gappy = eda.copy()
    gappy[0, 5000:5100] = np.nan
    compiled, plain = both_paths(lambda: slopes(gappy[0], 32.0, 161))
    assert_same(compiled, plain, atol=0)
    assert np.isnan(compiled[5040:5060]).all() and np.isfinite(compiled[4900:4950]).all()


def test_every_sample_with_spikes_and_steps_against_the_loop():
    """Accuracy of each path against the plain loop where the data jump: a spike 5000
    standard deviations high, a step from 300 to 3 and back. The compiled sliding sums
    start again wherever their references fall far from a window's means, so they stay
    accurate to rounding beside the step; the numpy chunks lose up to ~1e-7 there."""
    rng = np.random.default_rng(11)
    x = 500 + 0.01 * rng.normal(size=4000)
    y = 0.6 * x + 0.01 * rng.normal(size=4000)
    x[1000] += 50.0
    y[2000:2300] = 3.0
    expected = naive_wlcc(x, y, 200, 1, [0, 3], 2)
    compiled, plain = both_paths(lambda: windowed_moments(x, y, 200, 1, [0, 3]).pearson())
    assert np.isnan(compiled[2000:2101, 0]).all() and np.isfinite(compiled[2101:2300, 0]).all()
    np.testing.assert_array_equal(np.isnan(compiled), np.isnan(expected))
    np.testing.assert_array_equal(np.isnan(plain), np.isnan(expected))
    spike = np.zeros(len(expected), dtype=bool)
    spike[800:1001] = True  # windows holding the spike: eps x (spike / sd)^2
    np.testing.assert_allclose(compiled[~spike], expected[~spike], atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(compiled[spike], expected[spike], atol=1e-10, equal_nan=True)
    np.testing.assert_allclose(plain, expected, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize(("length", "count"), [(50, 1), (50, 20), (50, 50), (20, 75), (7, 30)])
def test_span_sums_equal_plain_sums(length, count):
    """Every start's sums, also when the starts reach over several chunks (count >
    length), with NaN read as 0, against sums written out here."""
    from concordlab.compute import _compiled

    rng = np.random.default_rng(length + count)
    values = 3.0 + rng.normal(size=200)
    values[60] = np.nan
    lo, ref = 17, 2.5
    one, two = np.full(count, np.nan), np.full(count, np.nan)
    _compiled.span_sums(values, ref, lo, length, count, one, two)
    centred = np.nan_to_num(values) - ref
    expected_one = [centred[lo + i : lo + i + length].sum() for i in range(count)]
    expected_two = [(centred[lo + i : lo + i + length] ** 2).sum() for i in range(count)]
    np.testing.assert_allclose(one, expected_one, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(two, expected_two, rtol=1e-13, atol=1e-12)


def test_lagged_windows_beside_a_spike_stay_accurate():
    """The block strategy's lagged windows next to a spike 10^4 standard deviations high
    (inside some windows' lagged spans, not in their own pairs): each sum holds its own
    terms only, so these windows are as accurate as any (a sum that slid past the spike
    would keep ~eps x 10^8 of error there)."""
    rng = np.random.default_rng(5)
    x = 100 + 0.01 * rng.normal(size=3000)
    y = 0.5 * np.roll(x, 4) + 0.01 * rng.normal(size=3000)
    y[1210] += 100.0
    lags = list(range(-30, 31))
    expected = naive_wlcc(x, y, 200, 100, lags, 2)
    compiled, plain = both_paths(
        lambda: windowed_moments(x, y, 200, 100, lags, strategy="per_window").pearson()
    )
    np.testing.assert_allclose(compiled, expected, rtol=0, atol=1e-12, equal_nan=True)
    assert_same(compiled, plain)


def test_compiled_pearson_equals_numpy_on_the_same_sums():
    """The compiled Pearson does numpy's operations in numpy's order: the same r, bit for
    bit, from the same sums, also for empty cells, NaN sums, tiny and huge values and
    scales broadcast along either axis."""
    from concordlab.compute import WindowedMoments

    rng = np.random.default_rng(1)
    shape = (300, 7)
    for _ in range(20):
        sizes = rng.choice([1e-160, 1e-3, 1.0, 1e200], size=(5, *shape))
        sums = rng.normal(size=(5, *shape)) * sizes
        sums[2:4] = np.abs(sums[2:4])  # sums of squares
        sums[0, ::7] = np.nan
        count = rng.integers(0, 6, size=shape).astype(float)
        zeros = np.zeros(shape)
        moments = WindowedMoments(
            count, *sums, zeros, zeros,
            np.abs(rng.normal(size=(1, 7))), np.abs(rng.normal(size=(300, 1))),
        )  # fmt: skip
        with np.errstate(all="ignore"):
            compiled, plain = both_paths(lambda moments=moments: moments.pearson(min_count=3))
        np.testing.assert_array_equal(compiled, plain)
        assert np.isfinite(compiled).any() and np.isnan(compiled).any()


def test_switching_off_by_environment_and_without_numba():
    code = (
        "import sys, concordlab\n"
        "from concordlab.compute import kernel\n"
        "s = concordlab.simulate_dyad(120, seed=1, channels=['eda'])\n"
        "r = concordlab.wlcc(s, window=30, step=10, max_lag=2)\n"
        "print(kernel.compiled_available(), sys.modules.get('numba') is not None, r.shape)\n"
    )
    off = subprocess.run(
        [sys.executable, "-c", code],
        env={**_environ(), "CONCORDLAB_NUMBA": "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert off.stdout.split()[:2] == ["False", "False"]
    blocked = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['numba'] = None\n" + code],
        env=_environ(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert blocked.stdout == off.stdout


def test_import_does_not_import_numba():
    code = "import sys, concordlab; print('numba' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=_environ(), capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


def _environ():
    import os

    return {k: v for k, v in os.environ.items() if k != "CONCORDLAB_NUMBA"}
