"""Groups: sessions of N >= 2 persons, dyadic measures over pairs, group measures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import concordlab
from concordlab import ValidationError
from concordlab.compute._common import group_from, pair_from
from concordlab.compute.registry import get_measure
from concordlab.compute.result import reproduce

FAMILY5 = ("therapist", "mother", "father", "child", "grandmother")


@pytest.fixture(scope="module")
def family():
    """A simulated group of five, with a gap in one person's signal."""
    session = concordlab.simulate_group(5, duration=180, persons=FAMILY5, seed=11)
    values = session["eda"]["eda"].values.copy()
    values[3, 1000:3000] = np.nan  # the child's sensor drops out for 62.5 s
    return concordlab.from_arrays(
        {"eda": values}, 32.0, persons=FAMILY5, units={"eda": "uS"}, session_id="family"
    )


def _as_dyad(session, first, second):
    """Persons ``first`` and ``second`` of a group session as their own two-person session."""
    eda = session["eda"]["eda"]
    return concordlab.from_arrays(
        {"eda": eda.sel(person=[first, second]).values},
        float(eda.attrs["sampling_rate"]),
        persons=(first, second),
        units={"eda": eda.attrs["units"]},
        session_id=session.attrs["session_id"],
    )


# --------------------------------------------------------------------------- pairs


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("pearson", {"window": 10}),
        ("slope", {}),
        ("wlcc_peak", {"window": 20, "step": 2, "max_lag": 3}),
        ("wlcc", {"window": 30, "step": 5, "max_lag": 2}),
    ],
)
def test_each_pair_equals_the_pair_as_its_own_dyad(family, method, params):
    result = concordlab.concordance(family, method=method, **params)
    n = len(FAMILY5)
    assert result.dims[0] == "pair" and result.sizes["pair"] == n * (n - 1) // 2
    expected_pairs = [f"{a}~{b}" for i, a in enumerate(FAMILY5) for b in FAMILY5[i + 1 :]]
    assert result["pair"].values.tolist() == expected_pairs
    assert result.attrs["persons"] == list(FAMILY5)
    assert result.attrs["pairs"] == expected_pairs
    for label in expected_pairs:
        first, second = label.split("~")
        alone = concordlab.concordance(_as_dyad(family, first, second), method=method, **params)
        one = result.sel(pair=label)
        assert (str(one["first"].values), str(one["second"].values)) == (first, second)
        np.testing.assert_array_equal(one.values, alone.values)
        for name, coord in alone.coords.items():
            np.testing.assert_array_equal(one[name].values, coord.values)
        assert alone.attrs["lag_convention"] == f"positive lag: {second} follows {first}"
    # The child's gap: NaN in, NaN out, only in the child's pairs.
    child = result.sel(pair=[p for p in expected_pairs if "child" in p.split("~")])
    others = result.sel(pair=[p for p in expected_pairs if "child" not in p.split("~")])
    gap = (result["window_start"] >= 1000 / 32) & (result["window_end"] <= 3000 / 32)
    assert gap.any()
    assert bool(np.isnan(child.sel(time=gap)).all())
    if method != "wlcc_peak":  # (a window without a peak is NaN too)
        assert not bool(np.isnan(others.sel(time=gap)).any())


def test_two_person_sessions_are_unchanged():
    session = concordlab.example_session()
    for method in ("pearson", "slope", "wlcc", "wlcc_peak"):
        result = concordlab.concordance(session, method=method, window=20, step=5)
        direct = get_measure(method)(pair_from(session), window=20, step=5)
        assert "pair" not in result.dims
        assert result.identical(direct)


def test_chosen_pairs_in_either_notation_and_order(family):
    result = concordlab.concordance(
        family, method="pearson", pairs=[("child", "mother"), "father~therapist"]
    )
    assert result["pair"].values.tolist() == ["child~mother", "father~therapist"]
    assert result["first"].values.tolist() == ["child", "father"]
    assert result.attrs["persons"] == ["therapist", "mother", "father", "child"]
    swapped = concordlab.concordance(_as_dyad(family, "child", "mother"), method="pearson")
    np.testing.assert_array_equal(result.sel(pair="child~mother").values, swapped.values)
    one = concordlab.concordance(family, method="pearson", pairs="mother~child")
    assert one.dims == ("pair", "time") and one.sizes["pair"] == 1
    # A two-person session with pairs given gets the pair dim too.
    dyad = concordlab.example_session()
    both = concordlab.concordance(dyad, method="pearson", pairs=["therapist~patient"])
    assert both["pair"].values.tolist() == ["therapist~patient"]


def test_a_peak_lag_is_kept_per_pair(family):
    result = concordlab.concordance(family, method="wlcc_peak", pairs=["mother~child"])
    assert result["peak_lag"].dims == ("pair", "time")


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (["mother~nobody"], r"unknown person\(s\) \['nobody'\].*'therapist', 'mother'"),
        ([("mother", "mother")], "two different persons"),
        (["mother~child", "child~mother"], "twice"),
        (["mother"], "must name two persons"),
        ([("a", "b", "c")], "must name two persons"),
        ([], "non-empty list"),
        (5, "non-empty list"),
    ],
)
def test_bad_pairs_are_refused_with_the_labels_that_exist(family, pairs, message):
    with pytest.raises(ValidationError, match=message):
        concordlab.concordance(family, method="pearson", pairs=pairs)


def test_results_over_pairs_reproduce(family, tmp_path):
    for kwargs in ({}, {"pairs": ["child~mother", "therapist~father"]}):
        result = concordlab.concordance(family, method="wlcc_peak", window=20, **kwargs)
        again = concordlab.concordance(family, **reproduce(result))
        assert again.identical(result)
        stored = concordlab.add_result(family, "r", result)
        back = concordlab.load(concordlab.save(stored, tmp_path / "family.nc"))
        loaded = concordlab.get_result(back, "r")
        assert concordlab.concordance(family, **reproduce(loaded)).equals(result)


def test_pair_from_and_group_from_select_persons(family):
    pair = pair_from(family, persons=("child", "mother"))
    assert pair.persons == ("child", "mother")
    np.testing.assert_array_equal(pair.first, family["eda"]["eda"].sel(person="child").values)
    with pytest.raises(ValidationError, match="5 persons.*choose two"):
        pair_from(family)
    group = group_from(family, persons=["mother", "child", "father"])
    assert group.persons == ("mother", "child", "father") and group.series.shape[0] == 3
    for persons, message in (
        (["mother"], "two or more"),
        (["mother", "x"], "unknown"),
        ("m", "list of two or more"),
    ):
        with pytest.raises(ValidationError, match=message):
            group_from(family, persons=persons)


def test_a_cohort_passes_the_pair_dim_through(family):
    dyads = concordlab.simulate_cohort(2, duration=180, channels="eda", seed=3)
    groups = {"family-1": family, "family-2": concordlab.simulate_group(5, 180, persons=FAMILY5)}
    cohort = concordlab.open_cohort(groups)
    result = concordlab.compute_cohort(
        cohort, "concordance", method="pearson", window=20, progress=False, scheduler="synchronous"
    )
    assert result.values.dims == ("session", "pair", "time")
    alone = concordlab.concordance(family, method="pearson", window=20)
    np.testing.assert_array_equal(result.values.sel(session="family-1").values, alone.values)
    frame = result.to_frame()
    assert "pair" in frame.columns and len(frame) == 2 * 10 * result.values.sizes["time"]
    chosen = concordlab.compute_cohort(
        cohort, "pearson", pairs=["mother~child"], progress=False, scheduler="synchronous"
    )
    assert chosen.values.sizes["pair"] == 1
    index = concordlab.compute_cohort(
        cohort, "index", method="pearson", window=20, progress=False, scheduler="synchronous"
    )
    assert index.values.dims == ("session", "pair")
    one = alone.sel(pair="mother~child")
    expected = float(concordlab.concordance_index(one))
    assert float(index.values.sel(session="family-1", pair="mother~child")) == expected
    mixed = concordlab.open_cohort({**dict(dyads.items()), "family-1": family})
    both = concordlab.compute_cohort(
        mixed, "concordance", method="pearson", window=20, progress=False, scheduler="synchronous"
    )
    assert both.values.sizes["session"] == 3
    # A dyad is its one pair, NaN at the family's pairs (not broadcast over them).
    dyad = both.values.sel(session="dyad-01")
    alone = concordlab.concordance(dyads["dyad-01"], method="pearson", window=20)
    np.testing.assert_array_equal(dyad.sel(pair="patient~therapist").values, alone.values)
    assert bool(dyad.sel(pair="mother~child").isnull().all())


# --------------------------------------------------------------------------- group measures

ms = pytest.importorskip("multiSyncPy.synchrony_metrics")
signal = pytest.importorskip("scipy.signal")


def _peer_phases(values):
    """multiSyncPy's ``extract_phase`` (its Envision example): z-score, Hilbert, angle."""
    z = (values - values.mean(axis=1, keepdims=True)) / values.std(axis=1, keepdims=True)
    return np.angle(signal.hilbert(z))


def _peer(values, window, step):
    """multiSyncPy's rho and the Kuramoto order parameter on the same windows.

    rho: ``rho(phases)[1]`` through multiSyncPy's ``apply_windowed``. Kuramoto: the mean
    over the window of ``|mean_k exp(i theta_k)|``, the ``kuramoto_r`` of multiSyncPy's
    ``kuramoto_weak_null`` (its test statistic is checked against the same r below)."""
    theta = _peer_phases(values)
    rho = ms.apply_windowed(theta, lambda x: ms.rho(x)[1], window, step)
    r = ms.apply_windowed(theta, lambda x: np.abs(np.exp(1j * x).mean(axis=0)).mean(), window, step)
    return theta, rho, r


def test_kuramoto_and_rho_equal_multisyncpy_on_the_rmea_dyads(rmea_paths):
    worst = {"rho": 0.0, "kuramoto": 0.0}
    for path in rmea_paths:
        session = concordlab.read_csv(path, sampling_rate=25, channel="motion")
        values = session["motion"]["motion"].values
        _, rho, r = _peer(values, 750, 125)
        ours_rho = concordlab.concordance(session, method="rho", window=30, step=5)
        ours_r = concordlab.concordance(session, method="kuramoto", window=30, step=5)
        assert ours_rho.sizes["time"] == rho.size
        np.testing.assert_allclose(ours_rho["window_start"].values, np.arange(rho.size) * 5.0)
        worst["rho"] = max(worst["rho"], float(np.max(np.abs(ours_rho.values - rho))))
        worst["kuramoto"] = max(worst["kuramoto"], float(np.max(np.abs(ours_r.values - r))))
    assert worst["rho"] < 1e-9 and worst["kuramoto"] < 1e-9, worst


def test_the_kuramoto_r_is_multisyncpys():
    """The r of the parity test is the one multiSyncPy's weak-null test is built on: its
    t statistic, recomputed from the windows' mean r**2, is the same."""
    family = concordlab.simulate_group(5, duration=120, seed=4)
    theta = _peer_phases(family["eda"]["eda"].values)
    windows = [theta[:, s : s + 320] for s in range(0, theta.shape[1] - 320 + 1, 160)]
    _, t, df = ms.kuramoto_weak_null(windows)
    y = np.array([(np.abs(np.exp(1j * w).mean(axis=0)) ** 2).mean() for w in windows])
    expected = (y.mean() - 1 / 5) / (y.std() / np.sqrt(len(windows)))
    assert t == pytest.approx(expected, rel=1e-12) and df == len(windows) - 1


def test_kuramoto_and_rho_equal_multisyncpy_on_a_simulated_group_of_five():
    family = concordlab.simulate_group(5, duration=300, coupling=0.7, seed=5)
    _, rho, r = _peer(family["eda"]["eda"].values, 480, 32)
    ours_rho = concordlab.concordance(family, method="rho", window=15, step=1)
    ours_r = concordlab.concordance(family, method="kuramoto", window=15, step=1)
    np.testing.assert_allclose(ours_rho.values, rho, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours_r.values, r, rtol=0, atol=1e-9)
    assert ours_r.attrs["persons"] == list(concordlab.persons(family))


def _sines(phase_offsets, n=2000, rate=20.0, freq=0.5):
    t = np.arange(n) / rate
    rows = [np.sin(2 * np.pi * freq * t + offset) for offset in phase_offsets]
    return concordlab.from_arrays(
        {"x": np.vstack(rows)}, rate, persons=[f"p{i}" for i in range(len(rows))]
    )


@pytest.mark.parametrize("delta", [0.0, 0.5, 1.0, 2.0])
def test_closed_forms_for_phase_shifted_sines(delta):
    # Two sines a constant phase apart: r(t) = |cos(delta / 2)| and rho = 1 (a constant
    # relative phase). Edges of the Hilbert transform are left out (the middle windows).
    session = _sines([0.0, delta])
    r = concordlab.concordance(session, method="kuramoto", window=10, step=5)
    rho = concordlab.concordance(session, method="rho", window=10, step=5)
    middle = slice(2, -2)
    np.testing.assert_allclose(r.values[middle], abs(np.cos(delta / 2)), atol=1e-3)
    np.testing.assert_allclose(rho.values[middle], 1.0, atol=1e-3)


def test_independent_noise_is_not_synchronous():
    rng = np.random.default_rng(0)
    session = concordlab.from_arrays(
        {"x": rng.standard_normal((6, 20_000))}, 10.0, persons=[f"p{i}" for i in range(6)]
    )
    r = concordlab.concordance(session, method="kuramoto", window=60, step=60)
    # E|mean of 6 random unit vectors| is about sqrt(pi / (4 * 6)) = 0.36.
    assert 0.3 < float(r.mean()) < 0.42
    identical = concordlab.from_arrays(
        {"x": np.tile(rng.standard_normal(2000), (4, 1))}, 10.0, persons=("a", "b", "c", "d")
    )
    for method in ("kuramoto", "rho"):
        same = concordlab.concordance(identical, method=method, window=20)
        np.testing.assert_allclose(same.values, 1.0, atol=1e-12)


def test_invariances_and_missing_data():
    family = concordlab.simulate_group(4, duration=120, seed=2)
    values = family["eda"]["eda"].values
    persons = concordlab.persons(family)
    rescaled = concordlab.from_arrays(
        {"eda": values * np.array([[2.0], [0.5], [10.0], [3.0]]) + 7.0}, 32.0, persons=persons
    )
    reordered = concordlab.from_arrays({"eda": values[::-1]}, 32.0, persons=persons[::-1])
    flipped = concordlab.from_arrays({"eda": -values}, 32.0, persons=persons)
    # A common half-cycle shift of everyone's phase (every sign flipped) changes neither.
    for method in ("kuramoto", "rho"):
        base = concordlab.concordance(family, method=method)
        for other in (rescaled, reordered, flipped):
            np.testing.assert_allclose(
                concordlab.concordance(other, method=method).values, base.values, atol=1e-9
            )
    gappy = values.copy()
    gappy[2, 1000:2500] = np.nan
    session = concordlab.from_arrays({"eda": gappy}, 32.0, persons=persons)
    for method in ("kuramoto", "rho", "mean_pairwise"):
        result = concordlab.concordance(session, method=method, window=15)
        inside = (result["window_start"] >= 1000 / 32) & (result["window_end"] <= 2500 / 32)
        assert inside.any()
        if method == "mean_pairwise":  # the pairs without the father still count
            assert (result["n_pairs"].sel(time=inside) == 3).all()
        else:
            assert bool(np.isnan(result.sel(time=inside)).all())
        outside = (result["window_end"] <= 1000 / 32 - 5) | (
            result["window_start"] >= 2500 / 32 + 5
        )
        assert not bool(np.isnan(result.sel(time=outside)).any())


def test_group_measures_work_on_two_persons_and_reproduce(tmp_path):
    dyad = concordlab.example_session()
    for method in ("kuramoto", "rho", "mean_pairwise"):
        result = concordlab.concordance(dyad, method=method, window=20)
        assert result.dims == ("time",)
        assert result.attrs["persons"] == ["patient", "therapist"]
        assert concordlab.concordance(dyad, **reproduce(result)).identical(result)
    with pytest.raises(ValidationError, match="group measure.*takes no pairs"):
        concordlab.concordance(dyad, method="kuramoto", pairs=["patient~therapist"])


@pytest.mark.parametrize("pair_method", ["pearson", "slope", "wlcc_peak"])
def test_mean_pairwise_is_the_mean_over_pairs(family, pair_method):
    params = {"window": 20, "step": 2}
    result = concordlab.concordance(
        family, method="mean_pairwise", pair_method=pair_method, **params
    )
    pairs = concordlab.concordance(family, method=pair_method, **params)
    expected = pairs.mean("pair", skipna=True)
    np.testing.assert_allclose(result.values, expected.values, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(result["n_pairs"], pairs.notnull().sum("pair"))
    np.testing.assert_array_equal(result["time"], pairs["time"])
    again = concordlab.concordance(family, **reproduce(result))
    assert again.identical(result)


def _changes(session):
    """A session of the EDA's sample-to-sample changes (the level's drift left out)."""
    values = np.diff(session["eda"]["eda"].values, axis=1)
    return concordlab.from_arrays({"eda": values}, 32.0, persons=concordlab.persons(session))


def test_group_measures_rank_coupled_groups_above_uncoupled():
    # rho on the EDA level hardly separates them (its Hilbert phase follows the slow tonic
    # level: about 8 of 10 seeds at 600 s); on the changes of the signal it does.
    wins = {"kuramoto": 0, "rho": 0, "mean_pairwise": 0}
    seeds = range(8)
    for seed in seeds:
        coupled = concordlab.simulate_group(4, duration=300, coupling=0.8, seed=seed)
        strangers = concordlab.simulate_group(4, duration=300, coupling=0.0, seed=seed)
        for method in wins:
            pair = (coupled, strangers)
            if method == "rho":
                pair = (_changes(coupled), _changes(strangers))
            ours, theirs = (
                float(concordlab.concordance(s, method=method, window=30).mean()) for s in pair
            )
            wins[method] += ours > theirs
    assert all(count == len(seeds) for count in wins.values()), wins


def test_the_simulated_leader_is_found_from_the_pairs():
    for seed, coupling in zip(range(6), (0.5, 0.6, 0.7, 0.8, 0.9, 1.0), strict=True):
        group = concordlab.simulate_group(
            4, duration=300, coupling=coupling, lag=2.0, leader="father", seed=seed
        )
        peaks = concordlab.concordance(group, method="wlcc_peak", window=30, step=5, max_lag=5)
        # In each pair first~second, a positive lag means the second follows the first.
        lead = {person: 0.0 for person in concordlab.persons(group)}
        for label in peaks["pair"].values:
            first, second = label.split("~")
            lag = float(np.nanmedian(peaks["peak_lag"].sel(pair=label)))
            lead[first] += lag
            lead[second] -= lag
        assert max(lead, key=lead.get) == "father", (seed, lead)


def test_the_cli_writes_one_row_per_pair(family, tmp_path):
    import pandas as pd

    from concordlab.cli import main

    folder = tmp_path / "groups"
    for key in ("family-1", "family-2"):
        concordlab.save(family, folder / f"{key}.nc")
    out = tmp_path / "index.csv"
    common = ["batch", str(folder), "--method", "pearson", "--window", "20", "--quiet"]
    assert main([*common, "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert len(table) == 2 * 10 and set(table["pair"]) == {
        f"{a}~{b}" for i, a in enumerate(FAMILY5) for b in FAMILY5[i + 1 :]
    }
    alone = concordlab.concordance(family, method="pearson", window=20, pairs=["mother~child"])
    row = table[(table["session"] == "family-1") & (table["pair"] == "mother~child")]
    index = concordlab.concordance_index(alone)  # one per pair
    assert index.dims == ("pair",) and index["pair"].values.tolist() == ["mother~child"]
    assert float(row["index"].iloc[0]) == pytest.approx(float(index[0]))
    chosen = tmp_path / "chosen.csv"
    assert main([*common, "--pairs", "mother~child", "--out", str(chosen)]) == 0
    assert pd.read_csv(chosen)["pair"].tolist() == ["mother~child"] * 2
    group = tmp_path / "kuramoto.csv"
    kuramoto = ["batch", str(folder), "--method", "kuramoto", "--quiet"]
    assert main([*kuramoto, "--out", str(group)]) == 0
    assert len(pd.read_csv(group)) == 2


@settings(max_examples=25, deadline=None)
@given(
    n_persons=st.integers(2, 5),
    seed=st.integers(0, 2**16),
    order_seed=st.integers(0, 2**16),
)
def test_properties_over_random_groups(n_persons, seed, order_seed):
    """Kuramoto and rho do not depend on the persons' order nor on each person's offset
    and (positive) scale; a pair's Pearson series is the same in either order."""
    rng = np.random.default_rng(seed)
    values = np.cumsum(rng.standard_normal((n_persons, 600)), axis=1)
    labels = tuple(f"p{i}" for i in range(n_persons))
    base = concordlab.from_arrays({"x": values}, 10.0, persons=labels)
    order = np.random.default_rng(order_seed).permutation(n_persons)
    scale = rng.uniform(0.1, 10.0, (n_persons, 1))
    moved = concordlab.from_arrays(
        {"x": values[order] * scale[order] + rng.normal(0, 100, (n_persons, 1))},
        10.0,
        persons=[labels[i] for i in order],
    )
    for method in ("kuramoto", "rho"):
        ours = concordlab.concordance(base, method=method, window=10, step=5)
        theirs = concordlab.concordance(moved, method=method, window=10, step=5)
        np.testing.assert_allclose(theirs.values, ours.values, atol=1e-9)
        assert bool(((ours >= 0) & (ours <= 1 + 1e-12)).all())
    forward = concordlab.concordance(base, method="pearson", window=10, pairs=["p0~p1"])
    backward = concordlab.concordance(base, method="pearson", window=10, pairs=["p1~p0"])
    np.testing.assert_allclose(forward.values, backward.values, atol=1e-12)
