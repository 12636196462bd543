"""simulate_ratings: the sheet's layout, the effect's direction, the observers' agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import concordlab
from concordlab import ValidationError
from concordlab.review._format import parse_rating_column

SCALES = {"positive": (0, 4), "negative": (0, 4), "neutral": (0, 4), "valence": (1, 7)}


def make_key(clips: int = 200) -> pd.DataFrame:
    kinds = ["high", "low"] * (clips // 2)
    return pd.DataFrame(
        {
            "clip": [f"c{i:03d}" for i in range(clips)],
            "order": np.arange(clips)[::-1] + 1,  # presented in reverse
            "session": [f"s{i // 10}" for i in range(clips)],
            "kind": kinds,
        }
    )


def test_layout_of_a_filled_sheet(tmp_path):
    key = make_key(10)
    sheets = concordlab.simulate_ratings(key, n_observers=2, seed=0)
    assert sheets.columns.tolist()[:2] == ["clip", "observer"]
    assert {parse_rating_column(c)[0]: parse_rating_column(c)[1:] for c in sheets.columns[2:]} == (
        SCALES
    )
    assert len(sheets) == 20
    assert sheets["clip"].tolist()[:10] == key["clip"].tolist()[::-1]  # in presentation order
    assert sheets["observer"].tolist() == ["observer-1"] * 10 + ["observer-2"] * 10
    for column in sheets.columns[2:]:
        _, low, high = parse_rating_column(column)
        assert sheets[column].dtype.kind == "i"
        assert sheets[column].between(low, high).all()
    assert "no observer rated" in sheets.attrs["simulated"]
    assert sheets.attrs["seed"] == 0 and sheets.attrs["effect"] == 1.0
    key.to_csv(tmp_path / "key.csv", index=False)
    from_file = concordlab.simulate_ratings(tmp_path / "key.csv", n_observers=2, seed=0)
    pd.testing.assert_frame_equal(from_file, sheets)


def test_a_seed_repeats_and_a_fresh_one_is_recorded():
    key = make_key(20)
    first = concordlab.simulate_ratings(key, seed=4)
    pd.testing.assert_frame_equal(first, concordlab.simulate_ratings(key, seed=4))
    assert not first.equals(concordlab.simulate_ratings(key, seed=5))
    fresh = concordlab.simulate_ratings(key)
    again = concordlab.simulate_ratings(key, seed=fresh.attrs["seed"])
    pd.testing.assert_frame_equal(fresh, again)


def kind_difference(sheets: pd.DataFrame, key: pd.DataFrame, column: str) -> float:
    kinds = dict(zip(key["clip"], key["kind"], strict=True))
    kind = sheets["clip"].map(kinds)
    return sheets.loc[kind == "high", column].mean() - sheets.loc[kind == "low", column].mean()


def test_the_effect_moves_each_rating_its_way_and_zero_is_the_null():
    key = make_key(400)
    sheets = concordlab.simulate_ratings(key, effect=1.0, seed=1)
    # one SD of the latent rating is a quarter of the scale: about 1 point of 0-4, 1.5 of 1-7
    assert 0.7 < kind_difference(sheets, key, "positive (0-4)") < 1.2
    assert -1.2 < kind_difference(sheets, key, "negative (0-4)") < -0.7
    assert abs(kind_difference(sheets, key, "neutral (0-4)")) < 0.25
    assert 1.1 < kind_difference(sheets, key, "valence (1-7)") < 1.8
    null = concordlab.simulate_ratings(key, effect=0.0, seed=1)
    for column in null.columns[2:]:
        assert abs(kind_difference(null, key, column)) < 0.25


def test_agreement_is_the_share_the_observers_have_in_common():
    key = make_key(400)
    same = concordlab.simulate_ratings(key, agreement=1.0, effect=0.0, seed=2)
    by_observer = same.pivot(index="clip", columns="observer", values="valence (1-7)")
    assert (by_observer.nunique(axis=1) == 1).all()

    def observer_correlation(agreement: float) -> float:
        sheets = concordlab.simulate_ratings(key, agreement=agreement, effect=0.0, seed=3)
        wide = sheets.pivot(index="clip", columns="observer", values="valence (1-7)")
        return float(np.corrcoef(wide["observer-1"], wide["observer-2"])[0, 1])

    # the correlation of two observers is the shared share, a little less after rounding
    assert 0.55 < observer_correlation(0.7) < 0.75
    assert abs(observer_correlation(0.0)) < 0.15


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("n_observers", 0),
        ("n_observers", 2.0),
        ("effect", 50.0),
        ("effect", float("nan")),
        ("agreement", 1.5),
        ("seed", -1),
    ],
)
def test_bad_parameters_are_named(parameter, value):
    with pytest.raises(ValidationError, match=parameter):
        concordlab.simulate_ratings(make_key(4), **{parameter: value})


def test_a_key_without_kinds_is_refused():
    with pytest.raises(ValidationError, match="kind"):
        concordlab.simulate_ratings(make_key(4).drop(columns="kind"))
