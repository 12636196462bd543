"""read_ratings and Ratings: the join, every error, agreement, the comparison and its plot."""

from __future__ import annotations

import re
import sys
import warnings

import krippendorff
import numpy as np
import pandas as pd
import pingouin
import pytest

import concordlab
from concordlab import ConcordlabError, FileFormatError, ValidationError
from concordlab.review._format import KEY_COLUMNS
from concordlab.stats import compare_paired

CODES = ["k3f9", "a7q2", "m1x8", "z5t4", "b2w6", "q8r1"]


def make_key(sessions: int = 3, per_kind: int = 1) -> pd.DataFrame:
    """A key with every column of the format: each session has ``per_kind`` high and low."""
    rows = []
    for s in range(sessions):
        for kind in ("high", "low"):
            for i in range(per_kind):
                segment = len([r for r in rows if r["session"] == f"s{s}"])
                start = 100.0 * s + 10.0 * segment
                rows.append(
                    {
                        "clip": f"c{s}{kind[0]}{i}",
                        "session": f"s{s}",
                        "segment": segment,
                        "kind": kind,
                        "label": f"{kind} concordance",
                        "person": "both",
                        "start": start,
                        "end": start + 5.0,
                        "clip_start": start - 1.0,
                        "clip_end": start + 6.0,
                        "video": "room",
                        "video_start": start + 1.5,
                        "video_end": start + 8.5,
                    }
                )
    key = pd.DataFrame(rows)
    key.insert(1, "order", np.random.default_rng(0).permutation(len(key)) + 1)
    return key[list(KEY_COLUMNS)]


def small() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A key of 6 clips (3 sessions) and two observers' sheets, shuffled."""
    key = make_key().assign(clip=CODES)
    value = {code: i for i, code in enumerate(CODES)}
    sheets = []
    for observer, shift in (("ana", 0), ("bo", 1)):
        codes = list(reversed(CODES)) if shift else CODES
        sheets.append(
            pd.DataFrame(
                {
                    "clip": codes,
                    "observer": observer,
                    "positive (0-4)": [(value[c] + shift) % 5 for c in codes],
                    "valence (1-7)": [1 + (value[c] + shift) % 7 for c in codes],
                }
            )
        )
    return key, sheets


def message(info: pytest.ExceptionInfo) -> str:
    return str(info.value)


# --------------------------------------------------------------------------- the join


def test_each_rating_lands_on_its_clips_session_segment_and_kind():
    key, sheets = small()
    table = concordlab.read_ratings(sheets, key).table
    assert len(table) == 12
    by_code = key.set_index("clip")
    for row in table.itertuples():
        truth = by_code.loc[row.clip]
        assert (row.session, row.segment, row.kind, row.start) == (
            truth.session,
            truth.segment,
            truth.kind,
            truth.start,
        )
        shift = {"ana": 0, "bo": 1}[row.observer]
        assert row.positive == (CODES.index(row.clip) + shift) % 5
        assert row.valence == 1 + (CODES.index(row.clip) + shift) % 7
    assert table.columns.tolist() == ["observer", *KEY_COLUMNS, "positive", "valence"]
    # rows: per observer, in the sheet's presentation order
    assert table["order"].tolist() == sorted(key["order"]) * 2


def test_properties_and_repr():
    key, sheets = small()
    ratings = concordlab.read_ratings(sheets, key)
    assert ratings.observers == ("ana", "bo")
    assert ratings.ratings == ("positive", "valence")
    assert ratings.scales == {"positive": (0, 4), "valence": (1, 7)}
    assert ratings.kinds == ("high", "low")
    assert ratings.sessions == ("s0", "s1", "s2")
    text = repr(ratings)
    assert "2 observers (ana, bo) x 6 clips of 3 sessions (high 3, low 3)" in text
    assert "24 values, 0 missing" in text


def test_one_long_frame_of_every_observer_equals_the_separate_sheets():
    key, sheets = small()
    separate = concordlab.read_ratings(sheets, key).table
    together = concordlab.read_ratings(pd.concat(sheets, ignore_index=True), key).table
    pd.testing.assert_frame_equal(separate, together)


def test_csv_round_trip_and_an_observer_named_after_the_file(tmp_path):
    key, sheets = small()
    key.to_csv(tmp_path / "key.csv", index=False)
    sheets[0].to_csv(tmp_path / "first.csv", index=False)
    sheets[1].assign(observer="").to_csv(tmp_path / "bo.csv", index=False)
    from_files = concordlab.read_ratings(
        [tmp_path / "first.csv", str(tmp_path / "bo.csv")], tmp_path / "key.csv"
    ).table
    from_frames = concordlab.read_ratings(sheets, key).table
    pd.testing.assert_frame_equal(from_files, from_frames, check_dtype=False)


def test_codes_are_text_in_files(tmp_path):
    """A code of digits keeps its leading zero (read as text, not a number)."""
    key = make_key(sessions=1).assign(clip=["0042", "0007"])
    key.to_csv(tmp_path / "key.csv", index=False)
    sheet = pd.DataFrame({"clip": ["0007", "0042"], "observer": "ana", "valence (1-7)": [2, 6]})
    sheet.to_csv(tmp_path / "sheet.csv", index=False)
    table = concordlab.read_ratings(tmp_path / "sheet.csv", tmp_path / "key.csv").table
    assert dict(zip(table["clip"], table["valence"], strict=True)) == {"0042": 6.0, "0007": 2.0}


# --------------------------------------------------------------------------- errors


def test_missing_extra_and_misspelt_codes_are_named_with_a_suggestion():
    key, sheets = small()
    ana = sheets[0].copy()
    ana.loc[0, "clip"] = "k3f8"  # misspelt k3f9
    ana.loc[1, "clip"] = "zzzz"  # extra, like no code
    with pytest.raises(ValidationError) as info:
        concordlab.read_ratings([ana, sheets[1]], key)
    text = message(info)
    assert "observer 'ana': code(s) not in the key: 'k3f8' (did you mean 'k3f9'?), 'zzzz'" in text
    assert "observer 'ana': key code(s) missing from the sheet: 'k3f9', 'a7q2'" in text
    assert "'bo'" not in text


def test_a_clip_twice_for_one_observer_is_named():
    key, sheets = small()
    ana = pd.concat([sheets[0], sheets[0].iloc[[2]]], ignore_index=True)
    with pytest.raises(ValidationError, match=r"observer 'ana' rated the clip\(s\) m1x8 more"):
        concordlab.read_ratings([ana, sheets[1]], key)


def test_the_same_observer_in_two_sheets_is_named():
    key, sheets = small()
    with pytest.raises(ValidationError, match="The observer 'ana' is in the sheet 0 .* sheet 1"):
        concordlab.read_ratings([sheets[0], sheets[1].assign(observer="ana")], key)


@pytest.mark.parametrize("bad", [5, -1, 2.5, "abc", "3 stars", True])
def test_a_rating_off_its_scale_names_observer_clip_column_and_value(bad):
    key, sheets = small()
    bo = sheets[1].astype({"positive (0-4)": object})
    bo.loc[3, "positive (0-4)"] = bad
    with pytest.raises(ValidationError) as info:
        concordlab.read_ratings([sheets[0], bo], key)
    text = message(info)
    assert "1 rating(s) not a whole number on the column's scale" in text
    assert f"observer 'bo', clip {bo.loc[3, 'clip']!r}, 'positive': {bad!r}" in text


def test_whole_numbers_written_as_text_or_floats_are_ratings():
    key, sheets = small()
    ana = sheets[0].astype({"positive (0-4)": object})
    ana["positive (0-4)"] = [" 3 ", "4.0", 2.0, np.int64(1), "0", 4]
    table = concordlab.read_ratings([ana, sheets[1]], key).table.set_index(["observer", "clip"])
    found = [table.loc[("ana", code), "positive"] for code in CODES]
    assert found == [3, 4, 2, 1, 0, 4]


def test_a_blank_rating_is_an_error_unless_missing_is_allowed(tmp_path):
    key, sheets = small()
    ana = sheets[0].astype({"valence (1-7)": object})
    ana.loc[2, "valence (1-7)"] = None
    ana.loc[4, "valence (1-7)"] = "  "
    with pytest.raises(ValidationError) as info:
        concordlab.read_ratings([ana, sheets[1]], key)
    text = message(info)
    assert "2 blank rating(s): observer 'ana', clip 'm1x8', 'valence'" in text
    assert "clip 'b2w6', 'valence'" in text and "allow_missing=True" in text
    ratings = concordlab.read_ratings([ana, sheets[1]], key, allow_missing=True)
    table = ratings.table.set_index(["observer", "clip"])
    assert np.isnan(table.loc[("ana", "m1x8"), "valence"])
    assert np.isnan(table.loc[("ana", "b2w6"), "valence"])
    assert table["valence"].notna().sum() == 10
    assert "24 values, 2 missing" in repr(ratings)
    # the same through a file: a blank cell
    ana.to_csv(tmp_path / "ana.csv", index=False)
    with pytest.raises(ValidationError, match="2 blank rating"):
        concordlab.read_ratings([tmp_path / "ana.csv", sheets[1]], key)


def test_sheets_with_different_rating_columns_are_refused():
    key, sheets = small()
    other = sheets[1].rename(columns={"valence (1-7)": "valence (1-9)"})
    with pytest.raises(ValidationError, match=r"'valence \(1-9\)'.*'valence \(1-7\)'.*headers"):
        concordlab.read_ratings([sheets[0], other], key)
    fewer = sheets[1].drop(columns="valence (1-7)")
    with pytest.raises(ValidationError, match="same ratings on the same scales"):
        concordlab.read_ratings([sheets[0], fewer], key)


def test_observer_names_a_frame_must_give_and_a_file_may_leave_blank(tmp_path):
    key, sheets = small()
    with pytest.raises(ValidationError, match=r"no observer name in rows 0, 1, 2"):
        concordlab.read_ratings(sheets[0].assign(observer=""), key)
    with pytest.raises(ValidationError, match="no observer name in rows"):
        concordlab.read_ratings(sheets[0].drop(columns="observer"), key)
    partly = sheets[0].copy()
    partly.loc[1:, "observer"] = ""
    partly.to_csv(tmp_path / "partly.csv", index=False)
    with pytest.raises(ValidationError, match=r"no observer name in lines 3, 4, 5, 6, 7"):
        concordlab.read_ratings(tmp_path / "partly.csv", key)


def test_columns_that_are_not_ratings_are_refused():
    key, sheets = small()
    with pytest.raises(ValidationError, match="column 'comments' that is not a rating"):
        concordlab.read_ratings(sheets[0].assign(comments="hm"), key)
    with pytest.raises(ValidationError, match="no 'clip' column"):
        concordlab.read_ratings(sheets[0].drop(columns="clip"), key)
    with pytest.raises(ValidationError, match="no rating column"):
        concordlab.read_ratings(sheets[0][["clip", "observer"]], key)


def test_keys_and_files_that_cannot_be_used(tmp_path):
    key, sheets = small()
    with pytest.raises(ValidationError, match=r"lacks the column\(s\) \['kind'\]"):
        concordlab.read_ratings(sheets, key.drop(columns="kind"))
    with pytest.raises(ValidationError, match="no kind in rows 1"):
        concordlab.read_ratings(sheets, key.assign(kind=["high", None, "low", "", "high", "low"]))
    doubled = key.assign(clip=[*CODES[:5], CODES[0]])
    with pytest.raises(ValidationError, match="k3f9 appear more than once"):
        concordlab.read_ratings(sheets, doubled)
    with pytest.raises(FileFormatError, match="nothing.csv"):
        concordlab.read_ratings(tmp_path / "nothing.csv", key)
    with pytest.raises(ValidationError, match="sheets must be"):
        concordlab.read_ratings([], key)
    with pytest.raises(ValidationError, match="allow_missing"):
        concordlab.read_ratings(sheets, key, allow_missing="yes")


# --------------------------------------------------------------------------- by kind


def test_by_kind_is_each_observers_mean_per_kind():
    key, sheets = small()
    ratings = concordlab.read_ratings(sheets, key)
    by_kind = ratings.by_kind()
    table = pd.concat(sheets).merge(key, on="clip")
    for kind in ("high", "low"):
        for observer in ("ana", "bo"):
            rows = table[(table["kind"] == kind) & (table["observer"] == observer)]
            assert by_kind.loc[(kind, observer), "valence"] == rows["valence (1-7)"].mean()
            assert by_kind.loc[(kind, observer), "clips"] == len(rows)
    assert list(by_kind.index) == [("high", "ana"), ("high", "bo"), ("low", "ana"), ("low", "bo")]


# --------------------------------------------------------------------------- agreement


def test_alpha_equals_the_krippendorff_package_on_the_same_matrix():
    key = make_key(sessions=10, per_kind=2)
    sheets = concordlab.simulate_ratings(key, n_observers=4, seed=5)
    agreement = concordlab.read_ratings(sheets, key).agreement()
    for column, name in (("valence (1-7)", "valence"), ("negative (0-4)", "negative")):
        matrix = sheets.pivot(index="observer", columns="clip", values=column).to_numpy(float)
        for level in ("interval", "ordinal"):
            expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
            assert agreement.loc[name, f"alpha_{level}"] == pytest.approx(expected, abs=1e-12)
    assert agreement["observers"].tolist() == [4] * 4
    assert agreement["clips"].tolist() == [40] * 4


def krippendorff_2011() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", sections C and E:
    4 observers x 12 units, values 1-5, with missing values; published alpha_interval
    0.849 (and ordinal 0.815 in the krippendorff package's own tests)."""
    n = None
    data = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        "C": [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    }
    codes = [f"u{u + 1:02d}" for u in range(12)]
    key = pd.DataFrame({"clip": codes, "session": "s1", "kind": "high"})
    sheets = [
        pd.DataFrame({"clip": codes, "observer": name, "rating (1-5)": values})
        for name, values in data.items()
    ]
    return key, sheets


def test_alpha_on_krippendorffs_published_example():
    key, sheets = krippendorff_2011()
    agreement = concordlab.read_ratings(sheets, key, allow_missing=True).agreement()
    assert round(agreement.loc["rating", "alpha_interval"], 3) == 0.849
    assert round(agreement.loc["rating", "alpha_ordinal"], 3) == 0.815
    assert agreement.loc["rating", "clips"] == 11  # unit 12 has one value: not pairable
    assert agreement.loc["rating", "icc_clips"] == 8  # units 2-9 are rated by all four


def pingouin_icc(sheets: pd.DataFrame, column: str) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pingouin's own pandas deprecations
        found = pingouin.intraclass_corr(sheets, targets="clip", raters="observer", ratings=column)
    found = found.set_index("Type")["ICC"]
    single = found["ICC2"] if "ICC2" in found else found["ICC(A,1)"]
    average = found["ICC2k"] if "ICC2k" in found else found["ICC(A,k)"]
    return float(single), float(average)


def test_icc_equals_pingouin():
    key = make_key(sessions=8, per_kind=2)
    sheets = concordlab.simulate_ratings(key, n_observers=3, agreement=0.5, seed=11)
    agreement = concordlab.read_ratings(sheets, key).agreement()
    for column in ("positive (0-4)", "valence (1-7)"):
        single, average = pingouin_icc(sheets, column)
        name = column.split(" ")[0]
        assert agreement.loc[name, "icc2_1"] == pytest.approx(single, abs=1e-10)
        assert agreement.loc[name, "icc2_k"] == pytest.approx(average, abs=1e-10)


def test_icc_on_complete_clips_only_equals_pingouin_on_those():
    key, sheets = krippendorff_2011()
    agreement = concordlab.read_ratings(sheets, key, allow_missing=True).agreement()
    long = pd.concat(sheets).dropna()
    complete = long.groupby("clip").filter(lambda group: len(group) == 4)
    single, average = pingouin_icc(complete, "rating (1-5)")
    assert agreement.loc["rating", "icc2_1"] == pytest.approx(single, abs=1e-10)
    assert agreement.loc["rating", "icc2_k"] == pytest.approx(average, abs=1e-10)


def test_perfect_agreement_is_one_and_constant_ratings_are_undefined():
    key = make_key(sessions=3)
    sheets = concordlab.simulate_ratings(key, n_observers=3, agreement=1.0, effect=2.0, seed=0)
    agreement = concordlab.read_ratings(sheets, key).agreement()
    assert agreement.loc["valence", ["alpha_interval", "icc2_1", "icc2_k"]].tolist() == [1.0] * 3
    flat = sheets.assign(**{"neutral (0-4)": 2})
    assert concordlab.read_ratings(flat, key).agreement().loc["neutral"].isna()[:4].all()


def test_agreement_needs_two_observers_and_the_review_extra(monkeypatch):
    key, sheets = small()
    with pytest.raises(ValidationError, match="needs at least two"):
        concordlab.read_ratings(sheets[0], key).agreement()
    monkeypatch.setitem(sys.modules, "krippendorff", None)
    with pytest.raises(ConcordlabError, match=re.escape('pip install "concordlab[review]"')):
        concordlab.read_ratings(sheets, key).agreement()


# --------------------------------------------------------------------------- compare


def naive_means(sheets: pd.DataFrame, key: pd.DataFrame, column: str, kind: str) -> pd.Series:
    sums: dict[str, list[float]] = {}
    kinds = dict(zip(key["clip"], key["kind"], strict=True))
    sessions = dict(zip(key["clip"], key["session"], strict=True))
    for clip, value in zip(sheets["clip"], sheets[column], strict=True):
        if kinds[clip] == kind:
            sums.setdefault(sessions[clip], []).append(float(value))
    return pd.Series({s: sum(v) / len(v) for s, v in sums.items()}, name=kind)


def test_compare_is_compare_paired_on_per_session_means():
    key = make_key(sessions=7, per_kind=3)
    sheets = concordlab.simulate_ratings(key, effect=1.0, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 7 sessions: the CIs are flagged
        result = concordlab.read_ratings(sheets, key).compare("valence", n_boot=500, seed=4)
        expected = compare_paired(
            naive_means(sheets, key, "valence (1-7)", "low"),
            naive_means(sheets, key, "valence (1-7)", "high"),
            n_boot=500,
            seed=4,
        )
    assert result.n == 7
    assert result.ids.tolist() == expected.ids.tolist()
    assert result.before == pytest.approx(expected.before)
    assert result.after == pytest.approx(expected.after)
    for field in ("mean_diff", "d", "g", "p_value"):
        assert getattr(result, field) == pytest.approx(getattr(expected, field))
    assert result.d_ci == pytest.approx(expected.d_ci)


def test_compare_refuses_too_few_sessions_and_bad_choices():
    key, sheets = small()
    pair = key[key["session"] != "s2"]
    sheets = [s[s["clip"].isin(pair["clip"])] for s in sheets]
    ratings = concordlab.read_ratings(sheets, pair)
    with pytest.raises(ValidationError) as info:
        ratings.compare("valence")
    text = message(info)
    assert "at least 3 sessions" in text and "got 2 (s0, s1)" in text
    assert "paired over sessions" in text
    with pytest.raises(ValidationError, match="rating must be one of"):
        ratings.compare("joy")
    with pytest.raises(ValidationError, match="high must be one of"):
        ratings.compare("valence", high="peak")
    with pytest.raises(ValidationError, match="two kinds"):
        ratings.compare("valence", high="low")


def test_compare_holds_its_level_and_has_power():
    """The fast version of benchmarks/bench_ratings_level.py: a broken level (say 15 %
    false positives) fails it; so does a test that cannot see a 1-SD effect."""
    key = make_key(sessions=10, per_kind=3)

    def rejected(effect: float, runs: int) -> float:
        count = 0
        for run in range(runs):
            sheets = concordlab.simulate_ratings(key, effect=effect, seed=10_000 + run)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = concordlab.read_ratings(sheets, key).compare(n_boot=0, seed=run)
            count += result.p_value <= 0.05
        return count / runs

    assert rejected(0.0, 200) <= 0.09
    assert rejected(1.0, 40) >= 0.8


# --------------------------------------------------------------------------- plot


def test_plot_draws_each_session_and_each_observer():
    key = make_key(sessions=6, per_kind=2)
    sheets = concordlab.simulate_ratings(key, effect=1.0, seed=8)
    ratings = concordlab.read_ratings(sheets, key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figure = ratings.plot("positive", n_boot=200, seed=0)
        result = ratings.compare("positive", n_boot=200, seed=0)
    names = [trace.name for trace in figure.data]
    assert names == ["sessions", "mean", "observer-1", "observer-2", "observer-3"]
    low = naive_means(sheets, key, "positive (0-4)", "low")
    high = naive_means(sheets, key, "positive (0-4)", "high")
    sessions = figure.data[0]
    points = [(x, y) for x, y in zip(sessions.x, sessions.y, strict=True) if y is not None]
    assert sorted(result.ids) == sorted(low.index)
    expected = [p for s in result.ids for p in (("low", low[s]), ("high", high[s]))]
    assert [x for x, _ in points] == [x for x, _ in expected]
    assert [y for _, y in points] == pytest.approx([y for _, y in expected])
    assert list(figure.data[1].y) == pytest.approx([low.mean(), high.mean()])
    table = sheets.merge(key, on="clip")
    for trace in figure.data[2:]:
        rows = table[table["observer"] == trace.name]
        means = [rows.loc[rows["kind"] == k, "positive (0-4)"].mean() for k in ("low", "high")]
        assert list(trace.x) == ["low", "high"]
        assert list(trace.y) == pytest.approx(means)
    title = figure.layout.title.text
    assert title.startswith("positive: low → high (n = 6 sessions)")
    assert f"{result.d:.2f}" in title and "dyad" not in title
