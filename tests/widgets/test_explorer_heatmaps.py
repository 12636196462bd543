"""The explorer draws any 2-D measure ``(time, X)`` as a heatmap with ``X`` up, and its line
is a 1-D readout named so (the mean across ``X``)."""

import numpy as np
import pytest
import xarray as xr

import concordlab
from concordlab.compute import registry
from concordlab.compute.parameters import MIN_VALID, STEP, WINDOW
from concordlab.widgets.analysis import from_typed_array
from concordlab.widgets.explorer import explorer_methods

FREQUENCIES = np.array([0.05, 0.1, 0.2, 0.4])
WEIGHTS = np.array([1.0, 0.5, 0.25, -0.75])  # mean 0.25


def _toy_spectrum(pair, *, window, step, min_valid):
    """A made-up (time, frequency) measure: each window's Pearson r times fixed weights."""
    r = registry.get_measure("pearson").function(
        pair, window=window, step=step, min_valid=min_valid
    )
    along_time = {name: coord for name, coord in r.coords.items() if coord.dims == ("time",)}
    return xr.DataArray(
        r.values[:, None] * WEIGHTS,
        dims=("time", "frequency"),
        coords={**along_time, "frequency": ("frequency", FREQUENCIES, {"units": "Hz"})},
        name="toy",
        attrs={**r.attrs, "measure": "toy_spectrum", "method": "toy_spectrum"},
    )


TOY = registry.Measure(
    name="toy_spectrum",
    function=_toy_spectrum,
    parameters=(WINDOW, STEP, MIN_VALID),
    dims=("time", "frequency"),
    summary="a test measure with a frequency axis",
)


@pytest.fixture
def toy():
    registry.register(TOY)
    yield TOY
    registry._REGISTRY.pop(TOY.name, None)


def test_a_time_frequency_measure_is_offered_and_drawn_as_a_heatmap(toy):
    assert "toy_spectrum" in explorer_methods()
    session = concordlab.example_session()
    explorer = concordlab.explore(session, sidecar=False)
    assert not explorer.figure.data[5].visible
    explorer.set_params(method="toy_spectrum", window=30, step=5)
    heat = explorer.figure.data[5]
    assert heat.visible and heat.type == "heatmap"
    assert explorer.figure.layout.yaxis4.title.text == "frequency (Hz)"
    assert heat.colorbar.title.text == "toy" and "frequency" in heat.hovertemplate
    # The heatmap: frequency up, the values of the pearson windows times the weights.
    r = concordlab.concordance(session, method="pearson", window=30, step=5)
    np.testing.assert_array_equal(np.asarray(heat.y), FREQUENCIES)
    x = np.asarray(heat.x)
    z = from_typed_array(heat.z)
    assert z.shape == (FREQUENCIES.size, x.size)
    column = r.sel(time=x).values
    np.testing.assert_allclose(z, WEIGHTS[:, None] * column[None, :], rtol=1e-6, atol=1e-7)
    # The line: the mean across frequency (0.25 r), named so.
    np.testing.assert_allclose(explorer.result.values, 0.25 * r.values, rtol=1e-12)
    assert explorer.result.attrs["long_name"].endswith("mean across frequency")
    assert "mean across frequency" in explorer.analysis_note.value
    # Back to a 1-D measure: no heatmap; to the lag profile: lag up, in seconds.
    explorer.set_params(method="slope")
    assert not heat.visible
    explorer.set_params(method="wlcc_peak", max_lag=4)
    assert explorer.figure.layout.yaxis4.title.text == "lag (s)"
    assert heat.colorbar.title.text == "r"


def test_the_lagged_2d_measure_keeps_the_lag_budget_and_reads_out_its_mean():
    session = concordlab.example_session()
    explorer = concordlab.explore(session, sidecar=False)
    explorer.set_params(method="wlcc", window=30, step=10, max_lag=4)
    lags = explorer.lagged["lag"].values
    assert lags.size <= 2 * 20 + 1 and explorer.figure.layout.yaxis4.title.text == "lag (s)"
    expected = explorer.lagged.mean("lag")  # no NaN in this session's windows
    np.testing.assert_allclose(explorer.result.values, expected.values, rtol=1e-12)


def test_a_window_whose_cells_are_all_missing_stays_missing(toy):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(2, 4 * 300))
    data[:, 400:700] = np.nan  # 75 s of nothing: several whole windows
    session = concordlab.from_arrays({"eda": data}, 4)
    explorer = concordlab.explore(session, sidecar=False, method="toy_spectrum", window=20)
    values = explorer.result.values
    assert np.isnan(values).any() and np.isfinite(values).any()
    assert np.array_equal(np.isnan(values), np.isnan(explorer.lagged.values).all(axis=1))
