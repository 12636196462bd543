"""Plots: decimation keeps every extreme; the session figure shows what is in the session."""

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import concordlab
from concordlab.plots import minmax_decimate, plot_session


@given(
    values=arrays(
        np.float64,
        st.integers(1, 3000),
        elements=st.one_of(st.floats(-1e3, 1e3), st.just(np.nan)),
    ),
    max_points=st.integers(4, 500),
)
def test_minmax_decimate_keeps_extremes(values, max_points):
    time = np.arange(len(values)) * 0.01
    t, v = minmax_decimate(time, values, max_points)
    assert len(t) == len(v) <= max_points
    assert np.all(np.diff(t) > 0)  # strictly increasing: no duplicates, in time order
    index = np.rint(t / 0.01).astype(int)
    np.testing.assert_array_equal(v, values[index])  # every point is an input point
    if len(values) > max_points:
        # No stretch of the series goes unrepresented: consecutive points are at most two
        # bins apart, and the first and last bins are drawn.
        size = -(-len(values) // (max_points // 2))
        assert index[0] < size and index[-1] >= len(values) - size
        assert np.diff(index).max() < 2 * size
    if not np.isnan(values).all():
        assert np.nanmax(v) == np.nanmax(values)
        assert np.nanmin(v) == np.nanmin(values)


def test_session_figure():
    session = concordlab.example_session()
    session = concordlab.resample(session, 32)
    figure = plot_session(session, max_points=1000)
    assert isinstance(figure, go.Figure)
    lines = [trace for trace in figure.data if trace.mode == "lines"]
    assert len(lines) == 2 * len(concordlab.channels(session))
    assert {trace.name for trace in lines} == {"patient", "therapist"}
    assert all(len(trace.x) <= 1000 for trace in lines)
    n_panels = len(concordlab.channels(session))
    assert len(figure.layout.shapes) == len(concordlab.segments(session)) * n_panels
    bare = plot_session(session, channels=["eda"], show_segments=False)
    assert len(bare.data) == 2 and len(bare.layout.shapes) == 0


def test_concordance_and_wlcc_figures():
    from concordlab.plots import plot_concordance, plot_wlcc

    session = concordlab.example_session()
    result = concordlab.concordance(session, method="slope")
    figure = plot_concordance(result, session)
    np.testing.assert_array_equal(figure.data[0].y, result.values)
    assert len(figure.layout.shapes) == len(concordlab.segments(session)) + 1  # + zero line
    heat = plot_wlcc(concordlab.wlcc(session, window=30, step=10, max_lag=4))
    assert heat.data[0].z.shape[0] == 2 * 4 * 32 + 1  # lags of +-4 s at 32 Hz
    with pytest.raises(concordlab.ValidationError, match="dim 'time'"):
        plot_concordance(session["eda"]["eda"])


def test_plot_session_selects_channels_and_its_old_name_still_works():
    session = concordlab.example_session()
    figure = plot_session(session, channels=["eda"], show_segments=False)
    assert [trace.name for trace in figure.data] == ["patient", "therapist"]
    assert plot_session(session, "eda", show_segments=False).data[0].y.tolist() == list(
        figure.data[0].y
    )
    with pytest.warns(FutureWarning, match=r"plot_session\(channels=\.\.\.\)"):
        old = plot_session(session, names=["eda"], show_segments=False)
    np.testing.assert_array_equal(old.data[0].y, figure.data[0].y)
    with pytest.raises(concordlab.ValidationError, match="Give channels only"):
        plot_session(session, names=["eda"], channels=["eda"])
    with pytest.raises(concordlab.ValidationError, match="channels must be None"):
        plot_session(session, channels=["heart"])


def _over_pairs(n_pairs: int = 3, n_windows: int = 40) -> "concordlab.DataTree":
    import xarray as xr

    rng = np.random.default_rng(5)
    values = np.tanh(rng.normal(size=(n_pairs, n_windows)))
    values[1, 5:9] = np.nan  # missing windows of one pair
    labels = [f"p{i}~q{i}" for i in range(n_pairs)]
    return xr.DataArray(
        values,
        dims=("pair", "time"),
        coords={"pair": labels, "time": 7.5 + np.arange(n_windows, dtype=float)},
        name="r",
        attrs={"method": "pearson", "window": 15.0},
    )


def test_pairs_heatmap_has_one_row_per_pair_and_keeps_gaps():
    from concordlab.plots import plot_pairs

    result = _over_pairs()
    figure = plot_pairs(result)
    heat = figure.data[0]
    assert heat.type == "heatmap" and list(heat.y) == ["p0~q0", "p1~q1", "p2~q2"]
    np.testing.assert_array_equal(np.asarray(heat.z), result.values)  # NaN stays NaN
    np.testing.assert_array_equal(np.asarray(heat.x), result["time"].values)
    assert (heat.zmin, heat.zmax) == (-1, 1)
    transposed = plot_pairs(result.transpose("time", "pair")).data[0].z
    np.testing.assert_array_equal(np.asarray(transposed), np.asarray(heat.z))
    with pytest.raises(concordlab.ValidationError, match="dims 'pair' and 'time'"):
        plot_pairs(result.isel(pair=0))
    with pytest.raises(concordlab.ValidationError, match="dims 'pair' and 'time'"):
        plot_pairs(result.values)


def test_concordance_over_pairs_is_one_line_per_pair_and_other_shapes_are_refused():
    from concordlab.plots import plot_concordance

    result = _over_pairs()
    figure = plot_concordance(result)
    assert [trace.name for trace in figure.data] == ["p0~q0", "p1~q1", "p2~q2"]
    for trace, row in zip(figure.data, result.values, strict=True):
        np.testing.assert_array_equal(np.asarray(trace.y, dtype=float), row)
    assert len({trace.line.color for trace in figure.data}) == 3
    cross = concordlab.wlcc(concordlab.example_session(), window=30, step=10, max_lag=2)
    with pytest.raises(concordlab.ValidationError, match="plot_wlcc"):
        plot_concordance(cross)


def test_person_colours_keep_the_dyads_and_differ_within_a_group():
    from concordlab.plots import PERSON_COLOURS, person_colours

    assert person_colours(2) == PERSON_COLOURS
    assert len(set(person_colours(10))) == 10
    assert person_colours(12)[10] == person_colours(12)[0]  # repeats beyond ten


def test_session_figure_of_a_group_has_one_line_per_person():
    family = concordlab.simulate_group(4, duration=60, sampling_rate=8, seed=2)
    figure = plot_session(family, show_segments=False)
    persons = concordlab.persons(family)
    assert [trace.name for trace in figure.data] == list(persons)
    assert len({trace.line.color for trace in figure.data}) == 4
    for trace, person in zip(figure.data, persons, strict=True):
        series = family["eda"].dataset["eda"].sel(person=person).values
        np.testing.assert_array_equal(np.asarray(trace.y), series)  # 480 samples: not decimated


def test_pairs_of_a_real_group_result_are_drawn_in_their_order():
    from concordlab.plots import plot_pairs

    family = concordlab.simulate_group(3, duration=90, sampling_rate=8, seed=3)
    result = concordlab.concordance(family, method="pearson", window=20)
    heat = plot_pairs(result).data[0]
    assert list(heat.y) == list(result["pair"].values)
    np.testing.assert_array_equal(np.asarray(heat.z), result.values)
