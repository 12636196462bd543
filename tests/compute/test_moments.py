"""Moments of high/low concordance and concordance per segment group.

Checked against plain-loop implementations written here (brute-force moment search, group
statistics with numpy formulas), a simulation in which the true Cohen's d is known, and
simulated dyads in which the therapist's talk lowers the coupling.
"""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import concordlab
from concordlab import ValidationError
from concordlab.compute.moments import add_moments, by_segment, moments

COLUMNS = ["start", "end", "label", "person", "note", "score", "rank"]

# --------------------------------------------------------------------------- helpers


def series(values, window=15.0, step=1.0, start=0.0, name="r", centres=None):
    """A concordance series like concordlab.concordance returns (windows from ``start``)."""
    values = np.asarray(values, dtype=float)
    if centres is None:
        centres = start + window / 2 + step * np.arange(values.size)
    centres = np.asarray(centres, dtype=float)
    return xr.DataArray(
        values,
        dims="time",
        name=name,
        coords={
            "time": centres,
            "window_start": ("time", centres - window / 2),
            "window_end": ("time", centres + window / 2),
        },
        attrs={"measure": "concordance", "method": "slope", "window": window, "step": step},
    )


def bumps(centres, spec, width=4.0):
    """Gaussian bumps (centre, height) on a zero baseline."""
    return sum(h * np.exp(-(((centres - c) / width) ** 2)) for c, h in spec)


def session_for(duration, rate=1.0):
    return concordlab.from_arrays({"eda": np.ones((2, round(duration * rate)))}, rate)


def brute_scores(result, duration):
    """Per window centre: the clipped span centred on it and the mean of the windows inside."""
    t = result["time"].values
    v = result.values
    first = result["window_start"].values.min()
    last = result["window_end"].values.max()
    rows = []
    for centre in t:
        inside = [
            value
            for time, value in zip(t, v, strict=True)
            if abs(time - centre) <= duration / 2 + 1e-9 and np.isfinite(value)
        ]
        score = sum(inside) / len(inside) if inside else math.nan
        rows.append((max(centre - duration / 2, first), min(centre + duration / 2, last), score))
    return rows


def brute_moments(result, kind, n, duration, min_gap):
    """Plain-loop greedy: best score first (earlier on ties), skip spans too close to a pick."""
    rows = brute_scores(result, duration)
    sign = 1.0 if kind == "high" else -1.0
    candidates = sorted(
        (i for i, row in enumerate(rows) if not math.isnan(row[2])),
        key=lambda i: (-sign * rows[i][2], i),
    )
    picked = []
    for i in candidates:
        start, end, _ = rows[i]
        if all(max(start - rows[j][1], rows[j][0] - end) >= min_gap - 1e-9 for j in picked):
            picked.append(i)
        if len(picked) == n:
            break
    return [rows[i] for i in picked]


def gaps(table):
    """Gaps between all pairs of moments (negative if they overlap)."""
    spans = list(zip(table["start"], table["end"], strict=True))
    return [max(b[0] - a[1], a[0] - b[1]) for i, a in enumerate(spans) for b in spans[i + 1 :]]


# --------------------------------------------------------------------------- moments


def test_finds_bumps_in_order_and_troughs():
    centres = 8.0 + np.arange(585.0)  # 16-s windows every second
    values = bumps(centres, [(100, 0.9), (300, 0.7), (200, 0.5), (450, -0.8), (520, -0.6)])
    result = series(values, window=16.0)
    high = moments(result, n=3)
    assert list(high.columns) == COLUMNS
    midpoints = ((high["start"] + high["end"]) / 2).tolist()
    assert midpoints == [100.0, 300.0, 200.0]
    assert (high["end"] - high["start"] == 16.0).all()  # default: one window
    assert high["rank"].tolist() == [1, 2, 3]
    assert high["score"].is_monotonic_decreasing
    assert (high["label"] == "high concordance").all() and (high["person"] == "both").all()
    assert high.loc[0, "note"] == f"mean r = {high.loc[0, 'score']:.2f}, rank 1"
    low = moments(result, kind="low", n=2)
    assert ((low["start"] + low["end"]) / 2).tolist() == [450.0, 520.0]
    assert low["score"].is_monotonic_increasing and (low["score"] < 0).all()
    assert (low["label"] == "low concordance").all()
    assert moments(result, n=1, label="peak")["label"].tolist() == ["peak"]


def test_min_gap_and_no_overlap():
    centres = 8.0 + np.arange(585.0)
    # Two peaks 20 s apart: with min_gap=30 the second is too close and a third one wins.
    values = bumps(centres, [(100, 0.9), (120, 0.8), (400, 0.5)], width=3.0)
    result = series(values, window=16.0)
    close = moments(result, n=2, duration=10)
    assert ((close["start"] + close["end"]) / 2).tolist() == [100.0, 120.0]
    spaced = moments(result, n=2, duration=10, min_gap=30)
    assert ((spaced["start"] + spaced["end"]) / 2).tolist() == [100.0, 400.0]
    many = moments(result, n=12, duration=25, min_gap=7.5)
    assert len(many) == 12
    assert min(gaps(many)) >= 7.5 - 1e-9
    touching = moments(result, n=15, duration=25)
    assert len(touching) == 15
    assert min(gaps(touching)) >= -1e-9  # never overlapping, may touch


@pytest.mark.parametrize(
    ("kind", "n", "duration", "min_gap", "drop"),
    [
        ("high", 1, 15.0, 0.0, False),
        ("low", 1, 40.0, 0.0, False),
        ("high", 6, 15.0, 0.0, False),
        ("low", 8, 12.3, 4.0, False),
        ("high", 3, 60.0, 20.0, True),
        ("high", 10, 0.5, 0.0, True),
    ],
)
def test_matches_brute_force(kind, n, duration, min_gap, drop):
    rng = np.random.default_rng(n + int(duration))
    raw = np.convolve(rng.standard_normal(320), np.ones(9) / 3, mode="valid")
    raw[rng.choice(raw.size, 25, replace=False)] = np.nan
    raw[100:130] = np.nan  # a gap longer than a window
    result = series(np.tanh(raw), window=15.0, step=1.0, start=3.0)
    if drop:  # an irregular grid: missing windows removed
        result = result.dropna("time")
    table = moments(result, kind=kind, n=n, duration=duration, min_gap=min_gap)
    expected = brute_moments(result, kind, n, duration, min_gap)
    assert len(table) == len(expected) == n
    np.testing.assert_allclose(table["start"], [row[0] for row in expected], atol=1e-12)
    np.testing.assert_allclose(table["end"], [row[1] for row in expected], atol=1e-12)
    np.testing.assert_allclose(table["score"], [row[2] for row in expected], rtol=1e-10)
    if n == 1:  # exhaustive: the best of all window positions
        scores = [row[2] for row in brute_scores(result, duration) if not math.isnan(row[2])]
        best = max(scores) if kind == "high" else min(scores)
        assert table["score"].iloc[0] == pytest.approx(best, rel=1e-10)


def test_moments_are_clipped_to_the_series():
    centres = 7.5 + np.arange(186.0)  # windows cover 0-200 s
    result = series(bumps(centres, [(7.5, 0.9), (192.5, 0.8)], width=6.0))
    table = moments(result, n=2, duration=40)
    assert table["start"].min() == 0.0 and table["end"].max() == 200.0
    assert (table["end"] - table["start"] < 40).all()


def test_no_valid_window_is_never_chosen_and_shortfall_warns():
    values = np.full(100, np.nan)
    values[10] = 0.5
    values[60:63] = [-0.2, 0.1, -0.3]
    result = series(values)
    with pytest.warns(UserWarning, match="Only 2 of the 5 requested high-concordance moments"):
        table = moments(result, n=5, duration=10, min_gap=20)
    # The second: a span holding windows 60 and 61 only (-0.05) beats all three (-0.13).
    assert table["score"].tolist() == pytest.approx([0.5, (-0.2 + 0.1) / 2])
    with pytest.warns(UserWarning, match="Only 0 of the 1"):
        empty = moments(series(np.full(20, np.nan)), n=1)
    assert empty.empty
    assert list(empty.columns) == COLUMNS


def test_moments_become_segments_and_round_trip(tmp_path):
    s = concordlab.simulate_dyad(240, channels=("eda",), seed=5)
    c = concordlab.concordance(s, method="slope")
    high = moments(c, n=3, min_gap=10)
    low = moments(c, kind="low", n=3, min_gap=10)
    # set_segments reads the segment columns and ignores score and rank.
    by_hand = concordlab.set_segments(s, pd.concat([concordlab.segments(s), high, low]))
    s2 = add_moments(add_moments(s, c, n=3, min_gap=10), c, kind="low", n=3, min_gap=10)
    assert s2.identical(by_hand)
    table = concordlab.segments(s2)
    assert len(table) == len(concordlab.segments(s)) + 6
    for kind, found in (("high", high), ("low", low)):
        rows = table[table["label"] == f"{kind} concordance"].sort_values("start")
        expected = found.sort_values("start")
        np.testing.assert_array_equal(rows["start"], expected["start"])
        np.testing.assert_array_equal(rows["end"], expected["end"])
        assert rows["note"].tolist() == expected["note"].tolist()
    for name in ("dyad.nc", "dyad.zarr"):
        loaded = concordlab.load(concordlab.save(s2, tmp_path / name))
        pd.testing.assert_frame_equal(concordlab.segments(loaded), table)
    # A stored result can be named instead of passed.
    stored = concordlab.add_result(s, "concordance", c)
    named = add_moments(stored, "concordance", n=2)
    assert concordlab.segments(named)["label"].tolist().count("high concordance") == 2


def test_add_moments_refuses_a_series_of_another_session():
    s = session_for(100)
    far = series(np.linspace(0, 1, 50), start=500.0)
    with pytest.raises(ValidationError, match="outside the session"):
        add_moments(s, far, n=1)


# --------------------------------------------------------------------------- by_segment


def test_group_statistics_match_numpy():
    rng = np.random.default_rng(3)
    centres = 7.5 + np.arange(186.0)  # 0-200 s
    values = rng.normal(0.2, 0.3, centres.size)
    values[(centres >= 40) & (centres < 80)] -= 0.5
    values[(centres >= 120) & (centres < 150)] += 0.4
    values[17] = np.nan
    result = series(values)
    s = session_for(200)
    segs = pd.DataFrame(
        {
            "start": [40.0, 100.0, 120.0, 10.0, 60.0],
            "end": [80.0, 110.0, 150.0, 20.0, 70.0],
            "label": ["talk", "talk", "talk", "silence", "silence"],
            "person": ["therapist", "therapist", "patient", "both", "both"],
        }
    )
    s = concordlab.set_segments(s, segs)
    out = by_segment(s, result, n_boot=0, seed=1)
    assert out["condition"].values.tolist() == ["silence", "talk (patient)", "talk (therapist)"]
    assert out["label"].values.tolist() == ["silence", "talk", "talk"]
    assert out["person"].values.tolist() == ["both", "patient", "therapist"]
    valid = np.isfinite(values)
    for group, rows in (
        ("silence", [3, 4]),
        ("talk (patient)", [2]),
        ("talk (therapist)", [0, 1]),
    ):
        member = np.zeros(centres.size, dtype=bool)
        for row in rows:
            member |= (centres >= segs.start[row]) & (centres < segs.end[row])
        a, b = values[member & valid], values[~member & valid]
        pooled = np.sqrt(
            ((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / (a.size + b.size - 2)
        )
        got = out.sel(condition=group)
        assert int(got["n_windows"]) == a.size and int(got["n_outside"]) == b.size
        assert float(got["mean"]) == pytest.approx(a.mean(), rel=1e-12)
        assert float(got["sd"]) == pytest.approx(a.std(ddof=1), rel=1e-12)
        assert float(got["mean_outside"]) == pytest.approx(b.mean(), rel=1e-12)
        assert float(got["sd_outside"]) == pytest.approx(b.std(ddof=1), rel=1e-12)
        assert float(got["mean_diff"]) == pytest.approx(a.mean() - b.mean(), rel=1e-12)
        assert float(got["d"]) == pytest.approx((a.mean() - b.mean()) / pooled, rel=1e-12)
        assert np.isnan(got["d_ci"].values).all() and str(got["note"].values) == ""
    assert int(out.sel(condition="talk (therapist)")["n_windows"]) == 40 + 10
    # Restricting by label or by group name.
    assert by_segment(s, result, "talk", n_boot=0)["condition"].values.tolist() == [
        "talk (patient)",
        "talk (therapist)",
    ]
    only = by_segment(s, result, ["talk (therapist)", "silence"], n_boot=0)
    assert only["condition"].values.tolist() == ["talk (therapist)", "silence"]
    np.testing.assert_array_equal(
        only["d"].values, out["d"].sel(condition=only["condition"]).values
    )


def test_centre_on_a_boundary_belongs_to_the_segment_starting_there():
    result = series(np.arange(37.0), window=4.0, start=0.0)  # centres 2, 3, ..., 38 s
    s = concordlab.set_segments(
        session_for(40),
        pd.DataFrame(
            {"start": [10.0, 20.0], "end": [20.0, 30.0], "label": ["a", "b"]},
        ),
    )
    out = by_segment(s, result, n_boot=0)
    assert out["n_windows"].values.tolist() == [10, 10]  # 10..19 and 20..29
    assert out["mean"].values.tolist() == [np.mean(np.arange(8, 18)), np.mean(np.arange(18, 28))]


def test_attrs_and_seeded_reproducibility(tmp_path):
    s = concordlab.simulate_dyad(300, coupling=0.7, talk_coupling=0.1, seed=4, channels=("eda",))
    c = concordlab.concordance(s, method="slope", window=20, step=2)
    first = by_segment(s, c, "talk", n_boot=300, seed=11)
    again = by_segment(s, c, "talk", n_boot=300, seed=11)
    other = by_segment(s, c, "talk", n_boot=300, seed=12)
    assert first.identical(again)
    assert not np.array_equal(first["d_ci"].values, other["d_ci"].values)
    np.testing.assert_array_equal(first["d"].values, other["d"].values)
    low, high = first["d_ci"].sel(bound="low"), first["d_ci"].sel(bound="high")
    assert (low <= first["d"]).all() and (first["d"] <= high).all()
    attrs = first.attrs
    assert attrs["block_length"] == 10 and attrs["block_seconds"] == 20.0  # window / step
    assert (attrs["n_boot"], attrs["seed"], attrs["confidence"]) == (300, 11, 0.95)
    assert attrs["method"] == "slope" and attrs["window"] == 20.0
    assert attrs["labels"] == '["talk"]'
    assert "s_pooled" in attrs["effect_size"] and "[start, end)" in attrs["membership"]
    fresh = by_segment(s, c, n_boot=50)
    assert isinstance(fresh.attrs["seed"], int)
    assert fresh.identical(by_segment(s, c, n_boot=50, seed=fresh.attrs["seed"]))
    # Storable: a saved session keeps the result exactly.
    stored = concordlab.add_result(s, "by_segment", first)
    loaded = concordlab.load(concordlab.save(stored, tmp_path / "s.nc"))
    assert concordlab.get_result(loaded, "by_segment").identical(first)


def _known_d_replicate(rng, delta, window=15, n=585):
    """Window series with known d: MA(window) noise of SD 1 plus delta while B talks."""
    centres = np.arange(n) + window / 2
    noise = np.convolve(rng.standard_normal(n + window - 1), np.ones(window), "valid")
    noise /= np.sqrt(window)
    ends = np.cumsum(rng.gamma(2.0, 10.0, size=100))
    edges = np.concatenate([[0.0], ends[ends < n + window], [n + window]])
    speaker = (np.arange(edges.size - 1) + rng.integers(2)) % 2
    table = pd.DataFrame(
        {
            "start": edges[:-1],
            "end": edges[1:],
            "label": "talk",
            "person": np.where(speaker == 1, "therapist", "patient"),
        }
    )
    turn = np.searchsorted(edges, centres, side="right") - 1
    member = speaker[turn] == 1
    return series(noise + delta * member, window=window), table, member


def _iid_bootstrap_interval(values, member, rng, n_boot=300):
    """What resampling single windows would give (the understated interval)."""
    index = rng.integers(0, values.size, size=(n_boot, values.size))
    draws = []
    for row in index:
        a, b = values[row][member[row]], values[row][~member[row]]
        pooled = np.sqrt(
            ((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / (a.size + b.size - 2)
        )
        draws.append((a.mean() - b.mean()) / pooled)
    return np.quantile(draws, [0.025, 0.975])


def test_block_bootstrap_interval_covers_the_true_d():
    delta = 0.5  # noise SD is 1 in each group, so the true d is 0.5
    rng = np.random.default_rng(0)
    base = session_for(600)
    reps, covered, covered_iid = 40, 0, 0
    for rep in range(reps):
        result, table, member = _known_d_replicate(rng, delta)
        out = by_segment(
            concordlab.set_segments(base, table), result, "talk (therapist)", n_boot=300, seed=rep
        )
        assert out.attrs["block_length"] == 15
        covered += float(out["d_ci"][0, 0]) <= delta <= float(out["d_ci"][0, 1])
        low, high = _iid_bootstrap_interval(result.values, member, rng)
        covered_iid += low <= delta <= high
    assert covered / reps >= 0.8
    assert covered_iid / reps < covered / reps - 0.2  # single-window resampling undercovers


def test_therapist_talk_lowers_concordance_in_simulated_dyads():
    therapist, patient, d = [], [], []
    for seed in range(5):
        s = concordlab.simulate_dyad(600, coupling=0.7, talk_coupling=0.1, seed=seed)
        out = by_segment(s, concordlab.concordance(s, method="slope"), "talk", n_boot=200, seed=0)
        therapist.append(float(out["mean"].sel(condition="talk (therapist)")))
        patient.append(float(out["mean"].sel(condition="talk (patient)")))
        d.append(float(out["d"].sel(condition="talk (therapist)")))
    assert np.mean(therapist) < np.mean(patient)
    # The refitted simulator passes talk-turn coupling to skin conductance mostly through
    # shared responses: over 30 seeds the effect is negative in 73 % of dyads (mean d -0.26).
    assert np.mean(d) < 0 and sum(value < 0 for value in d) >= 3


def test_old_argument_order_and_interval_names_still_work():
    s = concordlab.simulate_dyad(300, coupling=0.7, talk_coupling=0.1, seed=4, channels=("eda",))
    c = concordlab.concordance(s, method="slope", window=20, step=2)
    new = by_segment(s, c, "talk", n_boot=100, seed=3)
    with pytest.warns(FutureWarning, match=r"by_segment\(session, result, \.\.\.\)") as caught:
        old = by_segment(c, s, "talk", n_boot=100, seed=3)
    assert caught[0].filename == __file__
    assert old.identical(new)
    assert "group" not in new.dims and new["d_ci"].dims == ("condition", "bound")
    assert new["bound"].values.tolist() == ["low", "high"]
    assert new["label"].dims == new["person"].dims == ("condition",)
    # d_low / d_high: the same bounds for one release, marked deprecated.
    np.testing.assert_array_equal(new["d_low"], new["d_ci"].sel(bound="low"))
    np.testing.assert_array_equal(new["d_high"], new["d_ci"].sel(bound="high"))
    assert "deprecated: use d_ci" in new["d_low"].attrs["deprecated"]
    assert "deprecated: use d_ci" in new["d_high"].attrs["deprecated"]


def test_small_groups_give_nan_with_a_note():
    result = series(np.linspace(-0.5, 0.5, 86))  # centres 7.5 ... 92.5
    s = session_for(100)
    s = concordlab.add_segment(s, 20.0, 20.8, "cough", person="patient")  # one centre (20.5)
    s = concordlab.add_segment(s, 30.6, 31.2, "sigh")  # no centre
    s = concordlab.add_segment(s, 0.0, 100.0, "session")  # nothing outside
    s = concordlab.add_segment(s, 40.0, 60.0, "talk", person="therapist")
    with pytest.warns(UserWarning, match="undefined for the group"):
        out = by_segment(s, result, n_boot=100, seed=0)
    cough = out.sel(condition="cough (patient)")
    assert int(cough["n_windows"]) == 1 and float(cough["mean"]) == pytest.approx(
        result.sel(time=20.5).item()
    )
    assert math.isnan(float(cough["sd"])) and math.isnan(float(cough["d"]))
    assert "1 valid window(s) in the group" in str(cough["note"].values)
    sigh = out.sel(condition="sigh")
    assert int(sigh["n_windows"]) == 0 and math.isnan(float(sigh["mean"]))
    whole = out.sel(condition="session")
    assert int(whole["n_outside"]) == 0 and "outside the group" in str(whole["note"].values)
    assert np.isfinite(float(out["d"].sel(condition="talk (therapist)")))
    assert np.isnan(cough["d_ci"].values).all()


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("make", "kwargs", "message"),
    [
        (lambda r: r.values, {}, "expects a concordance series"),
        (lambda r: r.expand_dims(lag=[0.0]), {}, r"pick one lag"),
        (lambda r: r.drop_vars("window_end"), {}, r"lacks the coordinate\(s\) \['window_end'\]"),
        (lambda r: r.isel(time=slice(0, 0)), {}, "has no windows"),
        (lambda r: r.assign_coords(time=np.zeros(r.sizes["time"])), {}, "repeated window"),
        (
            lambda r: r.assign_coords(window_end=("time", r["window_start"].values)),
            {},
            "window_end must be after",
        ),
        (lambda r: r, {"kind": "medium"}, "kind must be 'high'"),
        (lambda r: r, {"n": 0}, "n must be a whole number, at least 1"),
        (lambda r: r, {"n": 2.5}, "n must be a whole number"),
        (lambda r: r, {"min_gap": -1}, "min_gap must be a real number, in seconds, at least 0"),
        (
            lambda r: r,
            {"duration": 0},
            "duration must be a real number, in seconds, at least 1e-06",
        ),
        (lambda r: r, {"duration": "long"}, "duration must be a real number .not str."),
        (lambda r: r, {"label": ""}, "label must be a non-empty string"),
    ],
)
def test_moments_errors(make, kwargs, message):
    result = series(np.linspace(0, 1, 50))
    with pytest.raises(ValidationError, match=message):
        moments(make(result), **kwargs)


def test_by_segment_errors():
    result = series(np.linspace(0, 1, 86))
    bare = session_for(100)
    with pytest.raises(ValidationError, match="no segments"):
        by_segment(bare, result)
    s = concordlab.add_segment(bare, 10, 40, "talk", person="therapist")
    with pytest.raises(ValidationError, match=r"Unknown segment label\(s\) \['laugh'\]"):
        by_segment(s, result, ["talk", "laugh"])
    with pytest.raises(ValidationError, match="labels must be"):
        by_segment(s, result, [])
    with pytest.raises(
        ValidationError, match="confidence must be a real number, above 0 and below 1"
    ):
        by_segment(s, result, confidence=1.5)
    with pytest.raises(ValidationError, match="n_boot must be a whole number, at least 0"):
        by_segment(s, result, n_boot=-1)
    with pytest.raises(ValidationError, match="seed must be None or"):
        by_segment(s, result, seed=-3)
    with pytest.raises(ValidationError, match="pick one lag"):
        by_segment(s, result.expand_dims(lag=[0.0]))
    with pytest.raises(ValidationError):
        by_segment("not a session", result)
    with pytest.raises(ValidationError, match=r"takes the session first"):
        by_segment(result, "not a session")


def test_wlcc_result_is_refused_with_a_hint():
    s = concordlab.simulate_dyad(120, channels=("eda",), turns=False, seed=1)
    cross = concordlab.wlcc(s, window=15, step=5, max_lag=2)
    with pytest.raises(ValidationError, match=r"result.sel\(lag=0\)"):
        moments(cross)
    assert len(moments(cross.sel(lag=0.0), n=2)) == 2


def test_no_warnings_in_the_plain_case():
    result = series(np.sin(np.arange(200) / 10))
    s = concordlab.add_segment(session_for(220), 0, 100, "a")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        moments(result, n=3)
        by_segment(s, result, n_boot=50, seed=0)


def test_moments_of_a_group_name_whom_they_concern():
    """A pair's moments concern that pair, a group measure's everyone, a dyad's both."""
    family = concordlab.simulate_group(4, 300, seed=1)
    over_pairs = concordlab.concordance(family, method="slope", pairs=["mother~child"])
    pair = concordlab.add_moments(family, over_pairs.sel(pair="mother~child"), n=2)
    assert concordlab.segments(pair)["person"].tolist() == ["mother+child"] * 2
    group = concordlab.add_moments(family, concordlab.concordance(family, method="kuramoto"), n=2)
    assert concordlab.segments(group)["person"].tolist() == ["all"] * 2
    dyad = concordlab.simulate_dyad(180, channels=("eda",), turns=False, seed=7)
    named = concordlab.concordance(dyad, pairs=["patient~therapist"]).isel(pair=0)
    table = concordlab.segments(concordlab.add_moments(dyad, named, n=1))
    assert table["person"].tolist() == ["both"]
