"""The explorer as a live view: it sends and computes no more than the screen shows.

- the window x lag heatmap sent holds at most one column per pixel, whatever the session's
  length;
- every update reaches the browser as one message;
- what it computes at its analysis rate agrees with ``concordlab.concordance`` computed
  directly at the full rate, and it says what it did.
"""

import numpy as np
import pytest

import concordlab
import concordlab.widgets.explorer as explorer_module
from concordlab.widgets.wire import record_messages

SENDS = (
    "_send_update_msg",
    "_send_restyle_msg",
    "_send_relayout_msg",
    "_send_addTraces_msg",
    "_send_deleteTraces_msg",
    "_send_moveTraces_msg",
    "_send_animate_msg",
)


def random_walks(hours: float, rate: float, seed: int = 0) -> "concordlab.DataTree":
    """Two correlated random walks: a long session built in no time."""
    rng = np.random.default_rng(seed)
    n = int(hours * 3600 * rate)
    shared = np.cumsum(rng.normal(size=n))
    data = np.stack([shared + np.cumsum(rng.normal(size=n)) for _ in range(2)])
    return concordlab.from_arrays({"eda": data}, rate)


def count_sends(monkeypatch, figure) -> list[str]:
    """Record every plotly ``_send_*`` call of ``figure``."""
    calls: list[str] = []
    for name in SENDS:
        original = getattr(figure, name)

        def send(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(figure, name, send)
    return calls


@pytest.mark.parametrize("hours", [1, 6])
def test_heatmap_sends_at_most_one_column_per_pixel_whatever_the_length(hours):
    session = random_walks(hours, rate=4.0, seed=hours)
    explorer = concordlab.explore(session, sidecar=False, method="wlcc_peak", max_lag=5)
    explorer.overview.width = 968  # as the browser reports it
    windows = explorer.lagged.sizes["time"]
    assert windows > 3000  # a window every second
    with record_messages(explorer.figure) as log:
        explorer.set_view(0, hours * 3600)  # the whole session in view
    heat = explorer.figure.data[5]
    columns = len(heat.x)
    assert columns <= 968 - 80  # the plot area's pixels
    assert heat.z["shape"] == f"{len(heat.y)},{columns}"
    assert len(heat.y) <= 41  # at most 20 lags each side of 0
    assert log.nbytes < 2e6
    stride = round(windows / columns + 0.5)
    assert f"Heatmap: every {stride}" in explorer.analysis_note.value
    # The columns are windows of the lag profile, every k-th one.
    time = explorer.lagged["time"].values
    x = np.asarray(heat.x)
    assert np.isin(x, time).all() and len(np.unique(np.diff(np.searchsorted(time, x)))) == 1
    # Zoomed in, every window in view is sent (and one beyond each end).
    explorer.set_view(600, 900)
    x = np.asarray(explorer.figure.data[5].x)
    assert x.tolist() == time[(time >= 600 - 1) & (time <= 900 + 1)].tolist()


def test_every_update_is_one_message(monkeypatch):
    explorer = concordlab.explore(concordlab.example_session(), sidecar=False)
    sends = count_sends(monkeypatch, explorer.figure)
    actions = [
        lambda: explorer.set_params(window=20),
        lambda: explorer.set_params(method="wlcc_peak"),
        lambda: explorer.set_params(max_lag=3),
        lambda: explorer.set_view(100, 200),
        lambda: explorer.step_view(1),
        lambda: explorer.set_params(method="slope", preprocess="smooth 1 s"),
        lambda: explorer.set_params(layout="overlay"),
    ]
    for action in actions:
        sends.clear()
        with record_messages(explorer.figure) as log:
            action()
        assert sends == ["_send_update_msg"]
        assert [message.keys for message in log.updates] == [("_py2js_update",)]


def test_high_rate_is_computed_at_the_analysis_rate_and_agrees_with_the_full_rate():
    session = concordlab.simulate_dyad(
        600, sampling_rate=256, seed=2, channels=["eda"], turns=False
    )
    explorer = concordlab.explore(session, sidecar=False)
    for method in ("slope", "pearson", "wlcc_peak"):
        explorer.set_params(method=method)
        rate = 8.0 if method == "wlcc_peak" else 32.0
        assert explorer.analysis_rate == rate
        assert f"(computed at {rate:g} Hz)" in explorer.figure.layout.title.text
        note = explorer.analysis_note.value
        assert f"blocks of {256 / rate:g} samples of the 256 Hz signal" in note
        assert "block means" in explorer.result.attrs["history"]
        extra = {}
        if method == "wlcc_peak":
            lag_step = explorer.lagged.attrs["lag_step"]
            assert lag_step == 0.25 and f"every {lag_step:g} s" in note
            extra = {"lag_step": lag_step}
        # The same measure computed directly on the 256 Hz signal.
        direct = concordlab.concordance(session, method=method, **extra)
        time = explorer.result["time"].values
        nearest = np.abs(direct["time"].values[:, None] - time).argmin(axis=1)
        assert np.abs(time[nearest] - direct["time"].values).max() < 0.1  # the same windows
        shown = explorer.result.values[nearest]
        both = np.isfinite(shown) & np.isfinite(direct.values)
        assert (np.isfinite(shown) == np.isfinite(direct.values)).mean() > 0.9, method
        assert both.sum() > 100
        assert np.abs(shown - direct.values)[both].max() < 0.1, method
        assert np.corrcoef(shown[both], direct.values[both])[0, 1] > 0.99, method
        index = float(concordlab.concordance_index(direct))
        assert explorer.index == pytest.approx(index, abs=0.01), method


def test_the_result_is_concordance_of_the_block_means():
    session = concordlab.simulate_dyad(300, sampling_rate=100, seed=4, channels=["eda"])
    explorer = concordlab.explore(session, sidecar=False, method="pearson", window=20)
    # Independently: means of blocks of 4 samples (100 Hz to 25 Hz), at their mean time.
    values = session["eda"].dataset["eda"].values
    blocks = values[:, : values.shape[1] // 4 * 4].reshape(2, -1, 4).mean(axis=2)
    slow = concordlab.from_arrays({"eda": blocks}, 25.0, time_offset=1.5 / 100)
    expected = concordlab.concordance(slow, method="pearson", window=20)
    assert explorer.analysis_rate == 25.0
    np.testing.assert_allclose(explorer.result.values, expected.values, rtol=1e-12)
    np.testing.assert_allclose(explorer.result["time"], expected["time"], rtol=1e-12)


def test_full_rate_on_request_and_bad_rates_refused():
    session = concordlab.simulate_dyad(120, sampling_rate=64, seed=5, channels=["eda"])
    explorer = concordlab.explore(session, sidecar=False, analysis_rate=None)
    assert explorer.analysis_rate == 64.0
    np.testing.assert_array_equal(explorer.result.values, concordlab.concordance(session).values)
    assert "signal's own 64 Hz" in explorer.analysis
    for bad in (1.0, -3, "fast"):
        with pytest.raises(concordlab.ValidationError, match="analysis_rate"):
            concordlab.explore(session, sidecar=False, analysis_rate=bad)
        with pytest.raises(concordlab.ValidationError, match="lagged_analysis_rate"):
            concordlab.explore(session, sidecar=False, lagged_analysis_rate=bad)


def test_results_are_kept_and_the_signal_is_prepared_once(monkeypatch):
    calls, prepared = [], []
    real_concordance, real_signal = explorer_module.concordance, explorer_module.analysis_signal
    monkeypatch.setattr(
        explorer_module,
        "concordance",
        lambda *a, **k: calls.append(k["method"]) or real_concordance(*a, **k),
    )
    monkeypatch.setattr(
        explorer_module,
        "analysis_signal",
        lambda *a, **k: prepared.append(a[1]) or real_signal(*a, **k),
    )
    session = concordlab.simulate_dyad(300, sampling_rate=128, seed=6, channels=["eda"])
    explorer = concordlab.explore(session, sidecar=False)
    for window in (20, 30, 20, 15):  # back to seen values: nothing computed again
        explorer.set_params(window=window)
    assert calls == ["slope"] * 3
    explorer.set_params(method="wlcc_peak")
    explorer.set_params(method="slope")
    assert calls == ["slope"] * 3 + ["wlcc"]  # the peaks are read from the profile
    assert prepared == [32.0, 8.0]  # the block means, once per rate


def test_missing_samples_stay_missing_at_the_analysis_rate():
    session = random_walks(0.25, rate=64.0, seed=7)  # 15 minutes
    values = session["eda"].dataset["eda"].values
    values[:, 64 * 300 : 64 * 360] = np.nan  # a minute lost, 300-360 s
    values[1, 64 * 600 : 64 * 600 + 10] = np.nan  # 10 samples: less than a window's half
    explorer = concordlab.explore(session, sidecar=False, method="pearson", window=20)
    direct = concordlab.concordance(session, method="pearson", window=20)
    assert explorer.analysis_rate == 32.0
    # NaN in, NaN out: the same windows are missing as at the full rate.
    np.testing.assert_array_equal(np.isnan(explorer.result.values), np.isnan(direct.values))
    assert np.isnan(explorer.result.sel(time=330, method="nearest"))
    both = np.isfinite(direct.values)
    assert np.abs(explorer.result.values[both] - direct.values[both]).max() < 0.05
