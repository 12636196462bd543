"""The explorer on a group session: every person's signal, a pair picker, a pair x time
heatmap; a two-person session keeps today's explorer."""

import numpy as np
import pytest

import concordlab
from concordlab.widgets.analysis import from_typed_array


@pytest.fixture(scope="module")
def family():
    # 32 Hz: at the analysis rate, so the explorer's values are concordance's exactly.
    return concordlab.simulate_group(
        4, duration=240, persons=("mother", "father", "son", "daughter"), seed=4
    )


@pytest.fixture
def explorer(family):
    return concordlab.explore(family, sidecar=False, method="pearson", window=20, step=2)


def test_every_person_is_drawn_in_the_first_row_with_a_legend_entry(explorer, family):
    figure = explorer.figure
    lines = [t for t in figure.data if t.type == "scatter" and t.name in explorer.persons]
    assert [t.name for t in lines] == ["mother", "father", "son", "daughter"]
    assert {t.yaxis for t in lines} == {"y"} and all(t.showlegend is not False for t in lines)
    assert len({t.line.color for t in lines}) == 4
    assert figure.layout.yaxis2.visible is False and figure.layout.yaxis2.domain == (0.0, 0.001)
    assert explorer.controls["layout"].disabled
    # The chosen pair (default the first) stands out; the others stay visible, faded.
    assert [t.line.width for t in lines] == [2, 2, 1, 1]
    time = family["eda"]["time"].values
    start, end = figure.layout.xaxis.range
    margin = 0.05 * (end - start)  # the view and 5 % on each side are sent
    inside = (time >= start - margin) & (time <= end + margin)
    for trace, person in zip(lines, explorer.persons, strict=True):
        series = family["eda"].dataset["eda"].sel(person=person).values
        assert np.nanmax(np.asarray(trace.y, dtype=float)) == np.nanmax(series[inside])


def test_the_picker_chooses_the_pair_whose_line_is_shown(explorer, family):
    picker = explorer.controls["pair"]
    assert [value for _, value in picker.options] == [
        "mother~father",
        "mother~son",
        "mother~daughter",
        "father~son",
        "father~daughter",
        "son~daughter",
    ]
    assert picker.value == explorer.pair == "mother~father"
    every = concordlab.concordance(family, method="pearson", window=20, step=2)
    np.testing.assert_array_equal(explorer.result.values, every.sel(pair="mother~father").values)
    picker.value = "son~daughter"  # as a click does
    assert explorer.pair == "son~daughter"
    np.testing.assert_array_equal(explorer.result.values, every.sel(pair="son~daughter").values)
    assert explorer.index == pytest.approx(
        float(concordlab.concordance_index(every.sel(pair="son~daughter")))
    )
    assert explorer.overview.persons == ["son", "daughter"]
    lines = {t.name: t for t in explorer.figure.data if t.name in explorer.persons}
    assert (lines["son"].line.width, lines["mother"].line.width) == (2, 1)
    before = (explorer.pair, dict(explorer.params))
    with pytest.raises(concordlab.ValidationError, match="pair must be one of"):
        explorer.set_params(pair="son~uncle")
    assert (explorer.pair, explorer.params) == before
    explorer.set_params(pair=("mother", "son"))
    assert explorer.pair == "mother~son"


def test_the_heatmap_shows_every_pair_over_time(explorer, family):
    heat = explorer.figure.data[5]
    assert heat.visible and explorer.figure.layout.yaxis4.title.text == "pair"
    every = concordlab.concordance(family, method="pearson", window=20, step=2)
    assert list(heat.y) == list(every["pair"].values)
    x = np.asarray(heat.x)
    np.testing.assert_allclose(
        from_typed_array(heat.z), every.sel(time=x).values, rtol=1e-6, atol=1e-7
    )
    explorer.set_view(100, 160)  # the heatmap follows the view
    x = np.asarray(explorer.figure.data[5].x)
    assert x.min() < 100 <= 160 < x.max() and x.max() - x.min() < 80


def test_a_lagged_measure_over_pairs_reads_out_each_pairs_mean_across_lag(family):
    explorer = concordlab.explore(family, sidecar=False)
    explorer.set_params(method="wlcc", window=30, step=10, max_lag=4)
    assert explorer.lagged.dims == ("time", "pair") and explorer.lagged.sizes["pair"] == 6
    signal = explorer._analysed_signal(True)
    lag_step = explorer.lagged.attrs["lag_step"]
    expected = concordlab.concordance(
        signal, "eda", method="wlcc", window=30, step=10, max_lag=4, lag_step=lag_step
    ).mean("lag")
    np.testing.assert_allclose(
        explorer.result.values, expected.sel(pair="mother~father").values, rtol=1e-12
    )
    assert "mean across lag" in explorer.analysis_note.value


def test_segments_of_a_group_are_for_all_or_one_person(explorer):
    assert explorer.person_box.options[0] == "all"
    explorer.add_segment(30, 40, "family meal", "all")
    explorer.add_segment(50, 60, "son talks", "son")
    table = concordlab.segments(explorer.session)
    assert table[["label", "person"]].values.tolist()[-2:] == [
        ["family meal", "all"],
        ["son talks", "son"],
    ]


def test_a_two_person_session_has_no_picker_and_today_s_traces():
    explorer = concordlab.explore(concordlab.example_session(), sidecar=False)
    assert "pair" not in explorer.controls and not explorer.group
    assert len(explorer.figure.data) == 6
    assert [t.name for t in explorer.figure.data[:2]] == ["patient", "therapist"]
    assert explorer.figure.data[1].yaxis == "y2" and explorer.result.dims == ("time",)


def test_a_group_measure_is_one_line_for_everyone_and_no_heatmap(explorer, family):
    explorer.set_params(method="kuramoto")
    expected = concordlab.concordance(family, method="kuramoto", window=20, step=2)
    np.testing.assert_array_equal(explorer.result.values, expected.values)
    assert not explorer.figure.data[5].visible and explorer.controls["pair"].disabled
    assert "group measure" in explorer.analysis_note.value
    explorer.set_params(method="pearson")
    assert explorer.figure.data[5].visible and not explorer.controls["pair"].disabled


@pytest.mark.parametrize("group", [False, True])
def test_no_update_renames_traces(monkeypatch, family, group):
    # A trace's name restyled in a batch with other traces' changes reaches plotly.js as
    # null names for those others, which the legend then shows as "trace 0" ...
    session = family if group else concordlab.example_session()
    explorer = concordlab.explore(session, sidecar=False)
    sent = []
    for kind in ("_send_update_msg", "_send_restyle_msg"):
        original = getattr(explorer.figure, kind)

        def record(*args, _original=original, **kwargs):
            sent.append(kwargs.get("restyle_data") or (args[0] if args else {}))
            return _original(*args, **kwargs)

        monkeypatch.setattr(explorer.figure, kind, record)
    for method in ("wlcc_peak", "wlcc", "pearson", "slope"):
        explorer.set_params(method=method, window=21)
    explorer.set_view(30, 90)
    assert sent and not [data for data in sent if "name" in (data or {})]
