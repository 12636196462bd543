"""The measure registry, the window grid and the result schema."""

import math

import numpy as np
import pytest
import xarray as xr

import concordlab
from concordlab._checks import SECONDS
from concordlab.compute import registry
from concordlab.compute._common import pair_from
from concordlab.compute.grid import WindowGrid, windowed_apply
from concordlab.compute.parameters import MIN_VALID, STEP, WINDOW
from concordlab.compute.registry import Measure, Parameter, get_measure, measures
from concordlab.compute.result import ATTRS, build_result, reproduce

SMALL = {"wlcc": {"max_lag": 2.0, "lag_step": 0.5}, "wlcc_peak": {"max_lag": 2.0}}


@pytest.fixture(scope="module")
def session():
    return concordlab.simulate_dyad(180, coupling=0.7, lag=1.0, seed=4)


def test_every_measure_is_declared_completely(session):
    assert {m.name for m in measures()} >= {"pearson", "slope", "wlcc", "wlcc_peak"}
    for measure in measures():
        assert measure.summary and measure.dims[0] == "time"
        for parameter in measure.parameters:
            assert parameter.doc and parameter.rule.describe()
            assert parameter.check(parameter.default) == parameter.default
            if parameter.slider is not None:
                low, high, step = parameter.slider
                assert low <= parameter.default <= high and step > 0
        result = concordlab.concordance(session, method=measure.name, **SMALL.get(measure.name, {}))
        assert result.dims == measure.dims


def test_results_carry_the_fixed_schema_and_reproduce(session):
    processed = concordlab.preprocess.lowpass(session, 1.0, channels="eda")
    for measure in measures():
        result = concordlab.concordance(
            processed, "eda", method=measure.name, **SMALL.get(measure.name, {})
        )
        assert set(ATTRS) <= set(result.attrs)
        assert result.attrs["measure"] == measure.name
        assert result.attrs["session_id"] == session.attrs["session_id"]
        assert "low-pass" in result.attrs["history"] or "lowpass" in result.attrs["history"]
        assert result.attrs["concordlab_version"] == concordlab.__version__
        assert result.attrs["lag_convention"] == "positive lag: therapist follows patient"
        assert list(result.attrs["parameters"]) == [p.name for p in measure.parameters]
        again = concordlab.concordance(processed, **reproduce(result))
        xr.testing.assert_identical(again, result)
    # Through a file too: attrs survive save/load and still reproduce.
    result = concordlab.concordance(session, method="wlcc", max_lag=1.0, fisher_z=True)
    stored = concordlab.add_result(session, "lagged", result)
    assert reproduce(concordlab.get_result(stored, "lagged"))["fisher_z"] is True


def test_a_parameter_the_method_does_not_take_is_refused(session):
    with pytest.raises(concordlab.ValidationError) as refused:
        concordlab.concordance(
            session, method="pearson", slope_window=-3, max_lag=-1, peak_search="x"
        )
    message = str(refused.value)
    assert "slope_window is a parameter of method 'slope'" in message
    owners = [m.name for m in measures() if "max_lag" in {p.name for p in m.parameters}]
    assert f"max_lag is a parameter of method {' or '.join(map(repr, owners))}" in message
    assert {"wlcc", "wlcc_peak"} <= set(owners)
    with pytest.raises(concordlab.ValidationError, match="no measure takes windw"):
        concordlab.concordance(session, windw=10)
    with pytest.raises(concordlab.ValidationError, match="method must be one of"):
        concordlab.concordance(session, method="no_such_measure")
    with pytest.raises(concordlab.ValidationError, match="slope_window must be a real number"):
        concordlab.concordance(session, method="slope", slope_window="5")


def test_the_grid_places_windows_by_rmeas_rule():
    # rMEA: 30 s windows every 10 s with 5 s lags over 10 min at 25 Hz: 57 windows.
    x = np.random.default_rng(0).normal(size=(2, 15000))
    pair = pair_from(concordlab.from_arrays({"motion": x}, sampling_rate=25))
    grid = WindowGrid.from_seconds(pair, window=30, step=10, max_lag=5, lag_step=0.2)
    assert grid.starts.size == math.ceil((15000 - 750 - 125 + 1) / 250) == 57
    assert grid.lags.tolist() == list(range(-125, 126, 5))
    coords = grid.coords(pair, lagged=True)
    assert coords["time"][1][0] == 15.0 and coords["lag"][1][-1] == 5.0
    assert grid.seconds == {"window": 30.0, "step": 10.0, "max_lag": 5.0, "lag_step": 0.2}
    with pytest.raises(concordlab.ValidationError, match="shorter than one window plus"):
        WindowGrid.from_seconds(pair, window=590, step=10, max_lag=20)


def _naive(first, second, window, step, lags, min_count, function):
    """Window by window, lag by lag, following rMEA's rule (written apart from the grid)."""
    n = first.size
    max_lag = max(abs(lag) for lag in lags)
    starts = range(0, n - window - max_lag + 1, step)
    out = np.full((len(starts), len(lags)), np.nan)
    for i, s in enumerate(starts):
        for j, lag in enumerate(lags):
            a = first[s + max(-lag, 0) : s + max(-lag, 0) + window]
            b = second[s + max(lag, 0) : s + max(lag, 0) + window]
            if np.sum(~np.isnan(a) & ~np.isnan(b)) >= min_count:
                out[i, j] = function(a[None, :], b[None, :])[0]
    return out


def _nan_pearson(a, b):
    keep = ~(np.isnan(a) | np.isnan(b))
    out = []
    for row_a, row_b, row in zip(a, b, keep, strict=True):
        out.append(np.corrcoef(row_a[row], row_b[row])[0, 1])
    return np.array(out)


def test_windowed_apply_equals_a_naive_loop_and_the_kernel():
    rng = np.random.default_rng(7)
    x = np.cumsum(rng.normal(size=(2, 2000)), axis=1)
    x[0, 300:340] = np.nan
    x[1, 900:1300] = np.nan
    pair = pair_from(concordlab.from_arrays({"eda": x}, sampling_rate=10))
    grid = WindowGrid.from_seconds(pair, window=20, step=7, max_lag=3, lag_step=0.5)
    lags = grid.lags.tolist()

    def mean_product(a, b):
        return np.nanmean(a * b, axis=1)

    found = windowed_apply(pair, grid, mean_product)
    expected = _naive(pair.first, pair.second, 200, 70, lags, grid.min_count, mean_product)
    np.testing.assert_allclose(found, expected, rtol=1e-12, equal_nan=True)
    assert np.isnan(found).any() and np.isfinite(found).any()
    # The generic path and the moments kernel agree on Pearson's r.
    generic = windowed_apply(pair, grid, _nan_pearson)
    fast = grid.moments(pair.first, pair.second).pearson(min_count=grid.min_count)
    np.testing.assert_allclose(generic, fast, atol=1e-9, equal_nan=True)
    complete = windowed_apply(pair, grid, mean_product, complete=True)
    assert np.isnan(complete).sum() > np.isnan(found).sum()


def _mean_product(pair, *, window, step, scale, min_valid):
    grid = WindowGrid.from_seconds(pair, window=window, step=step, min_valid=min_valid)
    values = windowed_apply(pair, grid, lambda a, b: scale * np.nanmean(a * b, axis=1))
    used = {**{k: grid.seconds[k] for k in ("window", "step")}, "scale": scale}
    used["min_valid"] = min_valid
    return build_result(
        values, grid, pair, measure=MEAN_PRODUCT, params=used, long_name="mean product"
    )


SCALE = Parameter("scale", SECONDS, 1.0, "A factor.", slider=(0.0, 10.0, 0.5))
MEAN_PRODUCT = Measure(
    name="mean_product",
    function=_mean_product,
    parameters=(WINDOW, STEP, SCALE, MIN_VALID),
    dims=("time",),
    summary="mean product of the two signals per window (a test measure)",
)


@pytest.fixture
def registered():
    registry.register(MEAN_PRODUCT)
    yield MEAN_PRODUCT
    registry._REGISTRY.pop(MEAN_PRODUCT.name)


def test_a_registered_measure_appears_everywhere(registered, session, tmp_path, capsys):
    from concordlab.cli import main
    from concordlab.widgets.explorer import explore

    result = concordlab.concordance(session, method="mean_product", scale=2.0)
    assert result.attrs["scale"] == 2.0 and result.dims == ("time",)
    cohort = concordlab.open_cohort({"a": session, "b": session})
    values = concordlab.compute_cohort(cohort, "mean_product", scale=2.0, progress=False)
    assert values.values.dims == ("session", "time")
    index = concordlab.compute_cohort(cohort, "index", method="mean_product", progress=False)
    assert index.values.dims == ("session",)
    explorer = explore(session, sidecar=False, method="mean_product", scale=3.0)
    assert "scale" in explorer.controls and explorer.params["scale"] == 3.0
    assert explorer.controls["slope_window"].disabled
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    assert "--scale" in capsys.readouterr().out
    assert get_measure("mean_product") is MEAN_PRODUCT


def test_a_name_cannot_be_registered_twice():
    clash = Measure("slope", _mean_product, (WINDOW,), ("time",), "another slope")
    with pytest.raises(concordlab.ValidationError, match="registered already"):
        registry.register(clash)


def test_a_measure_read_from_its_profile_equals_the_direct_computation(session):
    from concordlab.widgets.explorer import explore

    peak = get_measure("wlcc_peak")
    params = {"window": 20.0, "step": 2.0, "max_lag": 3.0}
    direct = concordlab.concordance(session, method="wlcc_peak", **params)
    cross = concordlab.concordance(session, method="wlcc", **params)
    xr.testing.assert_identical(peak.from_profile(cross, peak_search=None), direct)
    # The explorer computes a lag profile at <= 20 lags each side (its lag budget); at the
    # signal's own rate its result is the direct computation with that lag step.
    explorer = explore(
        session, sidecar=False, method="wlcc_peak", lagged_analysis_rate=None, **params
    )
    lag_step = explorer.result.attrs["lag_step"]
    assert lag_step == 5 / 32  # max_lag / 20 in whole samples at 32 Hz
    stepped = {**params, "lag_step": lag_step}
    xr.testing.assert_identical(
        explorer.result, concordlab.concordance(session, method="wlcc_peak", **stepped)
    )
    xr.testing.assert_identical(
        explorer.lagged, concordlab.concordance(session, method="wlcc", **stepped)
    )
