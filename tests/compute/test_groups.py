"""Groups: sessions of N >= 2 persons, dyadic measures over pairs, group measures."""

from __future__ import annotations

import numpy as np
import pytest

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
