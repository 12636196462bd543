"""The explorer driven from Python: parameters, zoom, selection, segments, the sidecar."""

import base64
from unittest.mock import ANY

import numpy as np
import pytest
from plotly.callbacks import BoxSelector, Points

import concordlab
from concordlab.widgets.store import SegmentStore


@pytest.fixture
def session():
    return concordlab.example_session()


@pytest.fixture
def explorer(session, tmp_path):
    return concordlab.explore(session, sidecar=tmp_path / "dyad.segments.tsv")


def test_parameters_update_figure_and_index(explorer, session):
    explorer.set_params(method="pearson", window=30, step=2)
    expected = concordlab.concordance(session, method="pearson", window=30, step=2)
    # A 32 Hz session is computed at its own rate: the result is concordance's.
    np.testing.assert_array_equal(explorer.result.values, expected.values)
    # The trace holds the windows in view (and one beyond each end), no more.
    trace = explorer.figure.data[4]
    x, y = np.asarray(trace.x), np.asarray(trace.y, dtype=float)
    start, end = explorer.figure.layout.xaxis.range
    time = expected["time"].values
    inside = np.flatnonzero((time >= start) & (time <= end))
    assert x.min() <= time[inside[0]] and x.max() >= time[inside[-1]]
    assert len(x) <= inside.size + 8 < expected.sizes["time"]
    where = np.searchsorted(time, x)
    np.testing.assert_array_equal(time[where], x)
    np.testing.assert_allclose(y, expected.values[where], equal_nan=True)
    index = float(concordlab.concordance_index(expected))
    assert explorer.index == pytest.approx(index)
    assert f"{index:.3f}" in explorer.figure.layout.title.text
    assert "at the signal's 32 Hz" in explorer.figure.layout.title.text
    assert explorer.controls["window"].value == 30  # controls follow set_params


def test_controls_call_set_params_and_bad_values_change_nothing(explorer):
    explorer.controls["window"].value = 20.0
    assert explorer.params["window"] == 20.0
    before = (dict(explorer.params), explorer.index)
    with pytest.raises(concordlab.ValidationError):
        explorer.set_params(window=-3)
    with pytest.raises(concordlab.ValidationError, match="Unknown parameter"):
        explorer.set_params(colour="red")
    assert (explorer.params, explorer.index) == before
    explorer.controls["preprocess"].value = "smooth 1 s"
    assert explorer.params["preprocess"] == "smooth 1 s"


def test_wlcc_peak_shows_heatmap_and_layout_toggle(explorer):
    layout = explorer.figure.layout
    assert layout.yaxis4.domain == (0.0, 0.001) and not explorer.figure.data[5].visible
    height = layout.height
    explorer.set_params(method="wlcc_peak", window=30, step=10, max_lag=4)
    heat = explorer.figure.data[5]
    assert heat.type == "heatmap" and heat.visible
    assert layout.yaxis4.domain[1] - layout.yaxis4.domain[0] > 0.1 and layout.height > height
    assert layout.xaxis4.showticklabels and not layout.xaxis3.showticklabels
    assert explorer.controls["window"].continuous_update is False
    explorer.set_params(layout="overlay")
    assert explorer.figure.data[1].yaxis == "y" and layout.yaxis2.visible is False
    explorer.set_params(layout="stacked", method="slope")
    assert explorer.figure.data[1].yaxis == "y2" and not heat.visible
    assert layout.yaxis4.domain == (0.0, 0.001) and layout.height == height
    assert layout.xaxis3.showticklabels


def test_zoom_redraws_visible_range_at_full_detail(explorer, session):
    explorer.set_view(100, 110)
    line = explorer.figure.data[0]
    x = np.asarray(line.x)
    assert x.min() >= 100 - 1 and x.max() <= 110 + 1
    time = session["eda"]["time"].values
    inside = (time >= 100) & (time <= 110)
    assert len(x) >= inside.sum()  # 10 s at 32 Hz: every sample drawn
    explorer.set_view(0, 600)
    assert len(explorer.figure.data[0].x) <= explorer.max_points
    assert explorer.figure.layout.xaxis.range == (0.0, 600.0)
    explorer.step_view(1)
    assert explorer.figure.layout.xaxis.range == (0.0, 600.0)  # clamped to the session


def test_box_selection_becomes_a_segment_saved_in_the_sidecar(explorer, session, tmp_path):
    catcher = explorer.figure.data[2]
    catcher._dispatch_on_selection(
        Points(
            point_inds=[3, 4, 5],
            xs=[12.5, 13.0, 20.25],
            ys=[1, 1, 1],
            trace_name="c",
            trace_index=2,
        ),
        BoxSelector(xrange=[12.5, 20.25], yrange=[0, 10]),
    )
    explorer.add_selected_segment("rupture", person="therapist", note="looked away")
    table = concordlab.segments(explorer.session)
    row = table[table["label"] == "rupture"].iloc[0]
    assert (row["start"], row["end"], row["person"]) == (12.5, 20.25, "therapist")
    assert any(shape.x0 == 12.5 for shape in explorer.figure.layout.shapes)
    sidecar = tmp_path / "dyad.segments.tsv"
    assert "rupture" in sidecar.read_text()
    # A new explorer on the same session (e.g. after the kernel died) restores it.
    again = concordlab.explore(session, sidecar=sidecar)
    assert "rupture" in set(concordlab.segments(again.session)["label"])
    with pytest.raises(concordlab.ValidationError, match="Nothing is selected"):
        again.add_selected_segment("x")


def test_relabel_delete_jump_moments_export(explorer, tmp_path):
    n = len(concordlab.segments(explorer.session))
    explorer.add_segment(50, 60, "mark")
    index = int(np.flatnonzero(concordlab.segments(explorer.session)["label"] == "mark")[0])
    explorer.relabel_segment(index, "repair", note="checked")
    assert "repair" in set(concordlab.segments(explorer.session)["label"])
    explorer.jump_to(index)
    view = explorer.figure.layout.xaxis.range
    assert view[0] <= 50 and view[1] >= 60
    explorer.remove_segment(index)
    assert len(concordlab.segments(explorer.session)) == n
    explorer.add_moments(n=2)
    labels = concordlab.segments(explorer.session)["label"]
    assert (labels == "high concordance").sum() == 2 and (labels == "low concordance").sum() == 2
    events = explorer.export_events(tmp_path / "events.tsv")
    assert "high concordance" in events.read_text()
    restored = SegmentStore(tmp_path / "dyad.segments.tsv").restore(concordlab.example_session())
    assert (concordlab.segments(restored)["label"] == "high concordance").sum() == 2


def test_buttons_report_errors_in_the_widget_instead_of_raising(explorer):
    explorer.label_box.value = ""
    explorer.buttons["Add segment"].click()
    assert "Nothing is selected" in explorer.status.value
    explorer.buttons["Delete"].click()
    assert "Choose a segment" in explorer.status.value


def test_unwritable_sidecar_keeps_segments_in_memory(session, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    explorer = concordlab.explore(session, sidecar=blocker / "x.segments.tsv")
    with pytest.raises(concordlab.ConcordlabError, match="Could not save.*kept in memory"):
        explorer.add_segment(5, 6, "kept")
    assert "kept" in set(concordlab.segments(explorer.session)["label"])
    assert "Could not save" in explorer.status.value
    explorer.select(7, 8)
    explorer.label_box.value = "by button"
    explorer.buttons["Add segment"].click()  # the button shows the failure, not a traceback
    assert "by button" in set(concordlab.segments(explorer.session)["label"])
    assert "kept in memory" in explorer.status.value


def test_unreadable_sidecar_is_kept_aside_not_overwritten(session, tmp_path):
    sidecar = tmp_path / "dyad.segments.tsv"
    sidecar.write_text("onset\tduration\n1\toops\n")
    with pytest.warns(UserWarning, match="could not be read"):
        explorer = concordlab.explore(session, sidecar=sidecar)
    kept = list(tmp_path.glob("dyad.segments.tsv.unreadable-*"))
    assert len(kept) == 1 and "oops" in kept[0].read_text()
    assert len(concordlab.segments(explorer.session)) == len(concordlab.segments(session))


def test_explore_a_saved_file_puts_the_sidecar_next_to_it(session, tmp_path):
    path = concordlab.save(session, tmp_path / "dyad.nc")
    explorer = concordlab.explore(path)
    explorer.add_segment(1, 2, "here")
    assert (tmp_path / "dyad.nc.segments.tsv").is_file()
    assert explorer.widget is explorer.widget  # built once


def test_overview_and_figure_follow_each_other(explorer, monkeypatch):
    explorer.set_view(60, 90)
    assert (explorer.overview.view_start, explorer.overview.view_end) == (60.0, 90.0)
    # A zoom in the browser arrives as a new x range on the figure.
    explorer.figure.layout.xaxis.range = (200, 230)
    assert (explorer.overview.view_start, explorer.overview.view_end) == (200.0, 230.0)
    draws = []
    original = explorer._draw_signals
    monkeypatch.setattr(explorer, "_draw_signals", lambda: draws.append(1) or original())
    # Dragging the strip in the browser writes both ends at once, as set_view does.
    explorer.overview.set_view(300, 330)
    assert explorer.figure.layout.xaxis.range == (300.0, 330.0)
    x = np.asarray(explorer.figure.data[0].x)
    assert x.min() >= 300 - 2 and x.max() <= 330 + 2
    assert len(draws) == 1  # one redraw per move: no echo between strip and figure
    explorer.overview.step(1)
    assert explorer.figure.layout.xaxis.range == (315.0, 345.0)


def test_overview_shows_signals_and_segments(explorer, session):
    time = session["eda"].dataset["time"].values
    assert 0 < len(explorer.overview.times) <= 400
    assert max(explorer.overview.first) == pytest.approx(
        float(np.nanmax(session["eda"].dataset["eda"].values[0])), rel=1e-12
    )
    assert explorer.overview.duration == pytest.approx(time[-1] - time[0] + time[1] - time[0])
    before = len(explorer.overview.segments)
    explorer.add_segment(30, 40, "rupture", "therapist")
    strip = explorer.overview.segments
    assert len(strip) == before + 1  # the whole session on the strip
    # On the plot, the bands in the view (0-120 s) or within 5 % of its width of it.
    near = [s for s in strip if s["end"] >= 0 - 6 and s["start"] <= 120 + 6]
    assert 0 < len(near) < len(strip)
    assert len(explorer.figure.layout.shapes) == len(near)
    added = [s for s in strip if s["label"] == "rupture"]
    assert added == [
        {"start": 30.0, "end": 40.0, "label": "rupture", "person": "therapist", "colour": ANY}
    ]
    band = [s for s in explorer.figure.layout.shapes if s.x0 == 30 and s.x1 == 40]
    assert band[0].fillcolor == added[0]["colour"]  # the same kind looks the same everywhere


def test_heatmap_follows_view(explorer):
    explorer.set_params(method="wlcc_peak", window=30, step=10, max_lag=4)
    explorer.set_view(120, 240)
    assert explorer.figure.layout.xaxis4.range == (120.0, 240.0)
    x = np.asarray(explorer.figure.data[5].x)
    time = explorer.lagged["time"].values
    inside = time[(time >= 120) & (time <= 240)]
    # The windows in view and one beyond each end: every one of them, nothing more.
    assert x.tolist() == time[(time >= inside[0] - 10) & (time <= inside[-1] + 10)].tolist()
    spec = explorer.figure.data[5].z  # float32 bytes, plotly's typed array spec
    assert spec["dtype"] == "f4" and spec["shape"] == f"{explorer.lagged.sizes['lag']},{len(x)}"
    z = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f4").reshape(-1, len(x))
    column = int(np.flatnonzero(x == inside[0])[0])
    expected = explorer.lagged.sel(time=inside[0]).values
    np.testing.assert_allclose(z[:, column], expected, rtol=1e-6, atol=1e-7)


def test_overview_counts_from_the_first_sample():
    rng = np.random.default_rng(3)
    late = concordlab.from_arrays({"eda": rng.normal(size=(2, 4 * 600))}, 4, time_offset=100.0)
    explorer = concordlab.explore(late, sidecar=False)
    assert explorer.overview.duration == pytest.approx(600.0)
    explorer.overview.set_view(0, 60)  # the strip's start is the first sample, at 100 s
    assert explorer.figure.layout.xaxis.range == (100.0, 160.0)
    explorer.add_segment(130, 140, "talk")
    assert [(s["start"], s["end"]) for s in explorer.overview.segments] == [(30.0, 40.0)]


def test_every_shared_axis_follows_the_view(explorer):
    # Every panel's x axis matches the first; all must agree.
    explorer.set_view(60, 90)
    layout = explorer.figure.layout
    assert layout.xaxis.range == layout.xaxis2.range == layout.xaxis3.range == (60.0, 90.0)
    assert layout.xaxis4.range == (60.0, 90.0)
    explorer.figure.layout.xaxis2.range = (400, 460)  # a zoom on the therapist's panel
    assert explorer.figure.layout.xaxis3.range == (400.0, 460.0)
    assert (explorer.overview.view_start, explorer.overview.view_end) == (400.0, 460.0)


def test_bands_are_labelled_when_wide_enough_and_listed_once_per_kind(explorer):
    explorer.add_segment(100, 130, "rupture")
    explorer.add_segment(300, 301, "rupture")
    explorer.set_view(80, 380)  # the 30 s band spans 10% of the view, the 1 s band 0.3%
    shapes = {(s.x0, s.x1): s for s in explorer.figure.layout.shapes}
    assert shapes[(100, 130)].label.text == "rupture"
    assert shapes[(300, 301)].label.text == ""
    ruptures = [s for s in explorer.figure.layout.shapes if s.name == "rupture"]
    assert [s.showlegend for s in ruptures] == [True, False]
    explorer.set_view(295, 305)  # zoomed in, the short band has room for its label
    shapes = {(s.x0, s.x1): s for s in explorer.figure.layout.shapes}
    assert shapes[(300, 301)].label.text == "rupture"


def test_plots_follow_the_width_the_browser_gives_the_strip():
    explorer = concordlab.explore(concordlab.example_session(), sidecar=False)
    assert explorer.figure.layout.width is None  # plotly's own until the browser reports
    explorer.overview.width = 968  # as the browser reports it
    assert explorer.figure.layout.width == 968
    explorer.overview.width = 120  # a collapsed output: keep the last usable width
    assert explorer.figure.layout.width == 968
