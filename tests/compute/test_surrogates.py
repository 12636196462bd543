"""Surrogate data: pseudo-dyads, segment shuffle, circular shift and the surrogate test."""

import inspect
import itertools
import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import concordlab
from concordlab.compute import surrogates
from concordlab.compute.surrogates import (
    _pool,
    _significance,
    circular_shift,
    pseudo_dyads,
    segment_shuffle,
    surrogate_test,
)
from concordlab.errors import ValidationError

# circular_shift warns, as a test, that it may not hold its level; tests of that warning
# catch it with pytest.warns.
pytestmark = pytest.mark.filterwarnings("ignore:circular_shift may not hold:UserWarning")


def values(session, channel="eda"):
    return session[channel][channel].values


def source_of(session):
    meta = concordlab.metadata(session)["surrogate"]
    return [(p["session"], p["source_person"]) for p in meta["sources"]]


def random_session(n, rate=4.0, seed=0, **kwargs):
    data = np.random.default_rng(seed).normal(size=(2, n))
    return concordlab.from_arrays({"eda": data}, sampling_rate=rate, **kwargs)


@pytest.fixture(scope="module")
def cohort():
    return concordlab.simulate_cohort(10, duration=40, channels="eda", seed=5)


# --------------------------------------------------------------------------- pseudo_dyads


def test_pseudo_dyads_keep_roles_all_pairs_of_different_dyads(cohort):
    pseudo = pseudo_dyads(cohort)
    assert len(pseudo) == 90
    pairs = [tuple(source_of(s)) for s in pseudo.values()]
    assert len(set(pairs)) == 90
    for (first, first_role), (second, second_role) in pairs:
        assert first != second  # no real pair
        assert (first_role, second_role) == ("patient", "therapist")
    expected = {(a, b) for a, b in itertools.permutations(cohort, 2)}
    assert {(a[0], b[0]) for a, b in pairs} == expected


def test_pseudo_dyads_hold_the_source_persons_data(cohort):
    for key, session in pseudo_dyads(cohort).items():
        (a, _), (b, _) = source_of(session)
        assert key == session.attrs["session_id"] == f"{a}:patient+{b}:therapist"
        np.testing.assert_array_equal(values(session)[0], values(cohort[a])[0])
        np.testing.assert_array_equal(values(session)[1], values(cohort[b])[1])
        assert concordlab.persons(session) == ("patient", "therapist")
        np.testing.assert_array_equal(session["eda"]["time"], cohort[a]["eda"]["time"])


def test_pseudo_dyads_metadata_and_no_segments(cohort):
    real = concordlab.add_segment(cohort["dyad-01"], 1, 5, "talk", person="therapist")
    sessions = {"a": real, "b": cohort["dyad-02"]}
    session = pseudo_dyads(sessions)["a:patient+b:therapist"]
    meta = concordlab.metadata(session)
    assert meta["pseudo_dyad"] is True
    assert meta["surrogate"]["method"] == "pseudo_dyads"
    assert meta["surrogate"]["keep_roles"] is True
    assert "segments not carried over" in meta["surrogate"]["segments"]
    assert meta["surrogate"]["trimmed"] == {}
    assert len(concordlab.segments(session)) == 0
    assert "truth" not in session.children
    concordlab.validate_session(session)
    assert session["eda"]["eda"].attrs["units"] == "uS"


def test_pseudo_dyads_any_roles(cohort):
    pseudo = pseudo_dyads(cohort, keep_roles=False)
    assert len(pseudo) == 4 * 45 == 180
    people = [frozenset(source_of(s)) for s in pseudo.values()]
    assert len(set(people)) == 180
    assert all(len({dyad for dyad, _ in pair}) == 2 for pair in people)
    roles = {tuple(role for _, role in source_of(s)) for s in pseudo.values()}
    assert roles == set(itertools.product(("patient", "therapist"), repeat=2))
    two_patients = pseudo["dyad-01:patient+dyad-02:patient"]
    assert concordlab.persons(two_patients) == ("patient (dyad-01)", "patient (dyad-02)")
    np.testing.assert_array_equal(values(two_patients)[1], values(cohort["dyad-02"])[0])


def test_pseudo_dyads_random_subset_is_reproducible(cohort):
    subset = pseudo_dyads(cohort, n_surrogates=7, seed=3)
    assert len(subset) == 7
    assert list(subset) == list(pseudo_dyads(cohort, n_surrogates=7, seed=3))
    assert set(subset) <= set(pseudo_dyads(cohort))
    assert list(subset) != list(pseudo_dyads(cohort, n_surrogates=7, seed=4))
    with pytest.raises(ValidationError, match="at most 90"):
        pseudo_dyads(cohort, n_surrogates=91)


def test_pseudo_dyads_trim_to_the_shorter_series():
    sessions = [
        random_session(40, seed=1, session_id="long"),
        random_session(30, seed=2, session_id="short"),
    ]
    with pytest.warns(UserWarning, match="2 of 2 pseudo-dyads .* trimmed .* 2.5 s"):
        pseudo = pseudo_dyads(sessions)
    session = pseudo["long:patient+short:therapist"]
    assert session["eda"].sizes["time"] == 30
    np.testing.assert_array_equal(values(session)[0], values(sessions[0])[0, :30])
    np.testing.assert_array_equal(values(session)[1], values(sessions[1])[1])
    trimmed = concordlab.metadata(session)["surrogate"]["trimmed"]["eda"]
    assert trimmed == {"kept": 7.5, "dropped": [2.5, 0.0]}


def test_pseudo_dyads_ids_from_a_list_and_several_channels():
    cohort = concordlab.simulate_cohort(3, duration=20, seed=2)
    same_ids = [concordlab.from_arrays({"eda": values(s)}, 32) for s in cohort.sessions.values()]
    assert next(iter(pseudo_dyads(same_ids))) == "#01:patient+#02:therapist"
    pseudo = pseudo_dyads(list(cohort.sessions.values()))
    assert next(iter(pseudo)) == "dyad-01:patient+dyad-02:therapist"
    assert concordlab.channels(pseudo["dyad-01:patient+dyad-02:therapist"]) == ["eda", "hr"]
    only_hr = pseudo_dyads(cohort, channels="hr")["dyad-03:patient+dyad-01:therapist"]
    assert concordlab.channels(only_hr) == ["hr"]
    np.testing.assert_array_equal(values(only_hr, "hr")[1], values(cohort["dyad-01"], "hr")[1])


def test_pseudo_dyads_errors(cohort):
    with pytest.raises(ValidationError, match="at least 2 sessions"):
        pseudo_dyads({"only": cohort["dyad-01"]})
    with pytest.raises(ValidationError, match="single session"):
        pseudo_dyads(cohort["dyad-01"])
    with pytest.raises(ValidationError, match="list of sessions"):
        pseudo_dyads(42)
    fast = concordlab.resample(cohort["dyad-02"], 16)
    with pytest.raises(ValidationError, match=r"16 Hz in 'b'.*concordlab.resample"):
        pseudo_dyads({"a": cohort["dyad-01"], "b": fast})
    hr_only = concordlab.from_arrays({"hr": np.ones((2, 10))}, 1)
    with pytest.raises(ValidationError, match="share no channel"):
        pseudo_dyads([cohort["dyad-01"], hr_only])
    with pytest.raises(ValidationError, match="unknown channel"):
        pseudo_dyads(cohort, channels="hr")
    with pytest.raises(ValidationError, match="keep_roles"):
        pseudo_dyads(cohort, keep_roles="yes")
    with pytest.raises(ValidationError, match="Session 'x'"):
        pseudo_dyads({"x": concordlab.example_session().to_dataset(), "y": cohort["dyad-01"]})


# --------------------------------------------------------------------------- segment_shuffle


def pieces(series, size):
    return [series[k : k + size] for k in range(0, series.size, size)]


def test_segment_shuffle_is_a_permutation_of_intact_segments():
    session = random_session(1010, rate=4.0, seed=1)  # 252.5 s: 25 pieces of 10 s + 2.5 s
    shuffled = segment_shuffle(session, 10, seed=7)
    original, new = values(session)[1], values(shuffled)[1]
    assert new.shape == original.shape
    np.testing.assert_array_equal(np.sort(new), np.sort(original))  # same multiset
    parts = pieces(original, 40)
    assert len(parts) == 26 and parts[-1].size == 10
    position = 0
    seen = []
    while position < new.size:  # walk the output: each piece appears intact
        (match,) = [k for k, p in enumerate(parts) if p[0] == new[position]]
        np.testing.assert_array_equal(new[position : position + parts[match].size], parts[match])
        seen.append(match)
        position += parts[match].size
    assert sorted(seen) == list(range(26))
    assert seen != list(range(26))
    meta = concordlab.metadata(shuffled)["surrogate"]
    assert meta["order"]["eda"] == seen
    assert meta["remainder_samples"] == {"eda": 10}
    assert meta["seed"] == 7
    np.testing.assert_array_equal(values(shuffled)[0], values(session)[0])  # first untouched


def test_segment_shuffle_is_reproducible():
    session = random_session(400, seed=2)
    a = segment_shuffle(session, 5, seed=11)
    b = segment_shuffle(session, 5, seed=11)
    c = segment_shuffle(session, 5, seed=12)
    np.testing.assert_array_equal(values(a), values(b))
    assert not np.array_equal(values(a), values(c))
    generator = segment_shuffle(session, 5, seed=np.random.default_rng(11))
    np.testing.assert_array_equal(values(generator), values(a))
    assert concordlab.metadata(generator)["surrogate"]["seed"] is None
    fresh = concordlab.metadata(segment_shuffle(session, 5))["surrogate"]["seed"]
    assert isinstance(fresh, int)


def test_segment_shuffle_moves_nan_with_its_segment():
    session = random_session(100, rate=1.0, seed=3)
    data = values(session).copy()
    data[1, [21, 25]] = np.nan  # both in piece 2 (samples 20-29)
    session = concordlab.from_arrays({"eda": data}, 1.0)
    shuffled = segment_shuffle(session, 10, seed=5)
    order = concordlab.metadata(shuffled)["surrogate"]["order"]["eda"]
    where = order.index(2) * 10
    assert np.flatnonzero(np.isnan(values(shuffled)[1])).tolist() == [where + 1, where + 5]
    assert not np.isnan(values(shuffled)[0]).any()


def test_segment_shuffle_other_person_and_channels():
    eda = np.random.default_rng(4).normal(size=(2, 120))
    hr = np.random.default_rng(5).normal(size=(2, 30))
    session = concordlab.from_arrays({"eda": eda, "hr": hr}, {"eda": 4, "hr": 1})
    shuffled = segment_shuffle(session, 5, seed=1, person="patient")
    np.testing.assert_array_equal(values(shuffled)[1], eda[1])
    np.testing.assert_array_equal(values(shuffled, "hr")[1], hr[1])
    order = concordlab.metadata(shuffled)["surrogate"]["order"]
    assert order["eda"] == order["hr"]  # one permutation for all channels
    for name, data, size in (("eda", eda, 20), ("hr", hr, 5)):
        expected = np.concatenate([pieces(data[0], size)[k] for k in order[name]])
        np.testing.assert_array_equal(values(shuffled, name)[0], expected)
    only = segment_shuffle(session, 5, seed=1, channels="hr")
    assert concordlab.channels(only) == ["hr"]


def test_segment_shuffle_keeps_segments_and_drops_truth():
    session = concordlab.simulate_dyad(60, turns=True, mean_turn=10, channels="eda", seed=1)
    shuffled = segment_shuffle(session, 10, seed=0)
    pd.testing.assert_frame_equal(concordlab.segments(shuffled), concordlab.segments(session))
    assert "truth" not in shuffled.children
    assert shuffled.attrs["session_id"] == session.attrs["session_id"] + "~segment_shuffle"
    assert concordlab.metadata(shuffled)["simulated"] is True
    concordlab.validate_session(shuffled)
    assert session["eda"]["eda"].attrs == shuffled["eda"]["eda"].attrs


def test_segment_shuffle_errors():
    session = random_session(40, rate=4.0)  # 10 s
    with pytest.raises(ValidationError, match="not shorter than the 'eda' signal"):
        segment_shuffle(session, 10)
    with pytest.raises(ValidationError, match="not shorter"):
        segment_shuffle(session, 60)
    with pytest.raises(ValidationError, match="at least 1e-06"):
        segment_shuffle(session, 0)
    with pytest.raises(ValidationError, match="segment_length"):
        segment_shuffle(session, "long")
    with pytest.raises(ValidationError, match="persons"):
        segment_shuffle(session, 2, person="nurse")
    with pytest.raises(ValidationError, match="unknown channel"):
        segment_shuffle(session, 2, channels="hr")
    with pytest.raises(ValidationError, match="seed"):
        segment_shuffle(session, 2, seed=-1)
    with pytest.raises(ValidationError, match=r"\(40 samples at 4 Hz\)"):
        segment_shuffle(session, 9.9)  # rounds to the whole signal
    shuffled = segment_shuffle(session, 9.75, seed=0)  # 39 samples + a remainder of 1
    assert concordlab.metadata(shuffled)["surrogate"]["remainder_samples"] == {"eda": 1}
    assert np.array_equal(np.sort(values(shuffled)[1]), np.sort(values(session)[1]))


# --------------------------------------------------------------------------- circular_shift


def find_roll(original, rolled):
    ks = [k for k in range(original.size) if np.array_equal(np.roll(original, k), rolled)]
    assert len(ks) == 1
    return ks[0]


@pytest.mark.parametrize("seed", range(5))
def test_circular_shift_is_a_roll_by_at_least_min_shift(seed):
    session = random_session(2400, rate=4.0, seed=seed)  # 600 s
    shifted = circular_shift(session, seed=seed)
    k = find_roll(values(session)[1], values(shifted)[1])
    assert 60.0 <= k / 4.0 <= 600.0 - 60.0  # default: 10 % of 600 s
    np.testing.assert_array_equal(values(shifted)[0], values(session)[0])
    meta = concordlab.metadata(shifted)["surrogate"]
    assert meta["shift_samples"] == {"eda": k}
    assert meta["shift"] == k / 4.0
    assert meta["min_shift"] == 60.0
    assert meta["person"] == "therapist"


def test_circular_shift_min_shift_rules():
    session = random_session(480, rate=4.0)  # 120 s: default min_shift 30 s
    assert concordlab.metadata(circular_shift(session, seed=0))["surrogate"]["min_shift"] == 30
    shifts = [
        concordlab.metadata(circular_shift(session, seed=s, min_shift=50))["surrogate"]["shift"]
        for s in range(200)
    ]
    assert min(shifts) >= 50 and max(shifts) <= 70
    half = circular_shift(session, seed=1, min_shift=60)  # one admissible shift: 60 s
    assert concordlab.metadata(half)["surrogate"]["shift"] == 60.0
    with pytest.raises(ValidationError, match="at most 60 s"):
        circular_shift(session, min_shift=60.1)
    with pytest.raises(ValidationError, match="min_shift"):
        circular_shift(session, min_shift=-1)
    with pytest.raises(ValidationError, match="at most 10 s"):
        circular_shift(random_session(80, rate=4.0))  # 20 s: the default 30 s is too long


def test_circular_shift_is_reproducible_and_moves_nan():
    data = np.random.default_rng(0).normal(size=(2, 800))
    data[1, 100:110] = np.nan
    session = concordlab.from_arrays({"eda": data}, 4.0)
    a, b = circular_shift(session, seed=3), circular_shift(session, seed=3)
    np.testing.assert_array_equal(values(a), values(b))
    assert not np.array_equal(values(a), values(circular_shift(session, seed=4)), equal_nan=True)
    k = concordlab.metadata(a)["surrogate"]["shift_samples"]["eda"]
    np.testing.assert_array_equal(values(a)[1], np.roll(data[1], k))
    expected = (np.arange(100, 110) + k) % 800
    assert np.flatnonzero(np.isnan(values(a)[1])).tolist() == sorted(expected.tolist())


def test_circular_shift_same_seconds_for_every_channel():
    session = concordlab.simulate_dyad(120, turns=False, seed=4)  # eda 32 Hz, hr 4 Hz
    shifted = circular_shift(session, seed=2, person="patient")
    meta = concordlab.metadata(shifted)["surrogate"]
    assert meta["shift_samples"]["eda"] == round(meta["shift"] * 32)
    assert meta["shift_samples"]["hr"] == round(meta["shift"] * 4)
    for name in ("eda", "hr"):
        k = meta["shift_samples"][name]
        np.testing.assert_array_equal(
            values(shifted, name)[0], np.roll(values(session, name)[0], k)
        )
        np.testing.assert_array_equal(values(shifted, name)[1], values(session, name)[1])


# --------------------------------------------------------------------------- surrogate_test


def first_of_second(session):
    """Hand-made statistic: the second person's first sample."""
    return float(values(session)[1, 0])


@pytest.fixture(scope="module")
def ramp():
    """The second person holds 0, 1, ..., 399 rotated so that its first sample is 200."""
    data = np.stack([np.zeros(400), np.roll(np.arange(400.0), -200)])
    return concordlab.from_arrays({"eda": data}, sampling_rate=4.0)


def test_surrogate_test_null_values_and_p_value_formula(ramp):
    result = surrogate_test(
        ramp, first_of_second, n_surrogates=99, seed=8, min_shift=5, method="circular_shift"
    )
    # An independent prediction: draw d rotates by the shift of circular_shift(seed=child d).
    children = np.random.SeedSequence(8).spawn(99)
    predicted = [
        first_of_second(circular_shift(ramp, seed=np.random.default_rng(c), min_shift=5))
        for c in children
    ]
    np.testing.assert_array_equal(result["null"].values, predicted)
    np.testing.assert_array_equal(result["null"].values, (200 - result["shift"].values * 4) % 400)
    assert float(result["observed"]) == 200.0
    k_greater = sum(value >= 200 for value in predicted)
    k_less = sum(value <= 200 for value in predicted)
    assert 0 < k_greater < 99
    assert float(result["p_value"]) == pytest.approx((k_greater + 1) / 100)
    less = surrogate_test(
        ramp,
        first_of_second,
        n_surrogates=99,
        seed=8,
        alternative="less",
        min_shift=5,
        method="circular_shift",
    )
    assert float(less["p_value"]) == pytest.approx((k_less + 1) / 100)
    both = surrogate_test(
        ramp,
        first_of_second,
        n_surrogates=99,
        seed=8,
        alternative="two-sided",
        min_shift=5,
        method="circular_shift",
    )
    expected = min(1.0, 2 * min(k_greater + 1, k_less + 1) / 100)
    assert float(both["p_value"]) == pytest.approx(expected)
    null = np.asarray(predicted)
    z = (200 - null.mean()) / null.std(ddof=1)
    assert float(result["effect_size"]) == pytest.approx(z)
    assert int(result["n_valid"]) == 99
    assert result.attrs["min_shift"] == 5.0
    assert result.attrs["statistic"] == "first_of_second"


def test_linear_shift_draws_are_the_central_stretch_against_shifted_samples(ramp):
    # ramp's second person holds (i + 200) % 400 at sample i (4 Hz). max_shift 25 s = 100
    # samples, 5 shifts per side: steps of 20 samples (5 s), central stretch from 100.
    result = surrogate_test(ramp, first_of_second, n_surrogates=10, max_shift=25)
    assert result.attrs["method"] == "linear_shift"  # the default
    assert float(result["observed"]) == 300.0  # sample 100 of the second person
    steps = np.array([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(result["shift"].values, steps * 5.0)
    np.testing.assert_array_equal(result["null"].values, (300 + 20 * steps) % 400)
    # Harris's rule by hand: 4 shifts above 300 (320 ... 380), N = 5: (4 + 1) / (5 + 1).
    assert float(result["p_value"]) == pytest.approx(5 / 6)
    # 6 at or below (200 ... 280 and 0): (6 + 1) / 6, capped at 1.
    less = surrogate_test(ramp, first_of_second, n_surrogates=10, max_shift=25, alternative="less")
    assert float(less["p_value"]) == 1.0
    assert result.attrs["shift_step"] == 5.0 and result.attrs["trim"] == 25.0
    assert result.attrs["shifts_per_side"] == 5 and result.attrs["smallest_p"] == 1 / 6
    assert "stationary" in result.attrs["null_hypothesis"]


def test_linear_shift_sessions_hold_the_central_stretch_of_both_persons():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 240))
    session = concordlab.from_arrays({"eda": x}, sampling_rate=2.0)
    seen = []

    def record(s):
        seen.append((s["eda"]["eda"].values.copy(), s["eda"]["time"].values.copy()))
        return 0.0

    result = surrogate_test(session, record, n_surrogates=8, max_shift=20)  # 4 steps of 10 s
    assert result.attrs["trim"] == 20.0 and result["null"].sizes["draw"] == 8
    observed, *draws = seen
    np.testing.assert_array_equal(observed[0], x[:, 40:200])
    np.testing.assert_array_equal(observed[1], np.arange(40, 200) / 2.0)
    for (data, time), shift in zip(draws, result["shift"].values, strict=True):
        k = round(shift * 2.0)
        np.testing.assert_array_equal(data[0], x[0, 40:200])  # the first person untouched
        np.testing.assert_array_equal(data[1], x[1, 40 + k : 200 + k])  # nothing wrapped
        np.testing.assert_array_equal(time, observed[1])


def test_linear_shift_counts_undefined_draws_as_extreme(ramp):
    def undefined_above_320(session):
        value = first_of_second(session)
        return math.nan if value > 320 else value

    with pytest.warns(RuntimeWarning, match="counted as extreme"):
        result = surrogate_test(ramp, undefined_above_320, n_surrogates=10, max_shift=25)
    # 320 and the three NaN draws (340, 360, 380) are extreme: (4 + 1) / 6.
    assert float(result["p_value"]) == pytest.approx(5 / 6)
    assert int(result["n_valid"]) == 7


def test_linear_shift_errors_say_what_to_do(ramp):
    with pytest.raises(ValidationError, match="less than half the duration"):
        surrogate_test(ramp, first_of_second, max_shift=50)
    with pytest.raises(ValidationError, match="max_shift"):
        surrogate_test(ramp, first_of_second, max_shift=-1)
    with pytest.raises(ValidationError, match="min_shift belongs to method='circular_shift'"):
        surrogate_test(ramp, first_of_second, min_shift=5)
    # Fewer samples within max_shift than shifts asked for: one sample per step.
    few = surrogate_test(ramp, first_of_second, n_surrogates=40, max_shift=1)
    assert few.attrs["shifts_per_side"] == 4 and few["null"].sizes["draw"] == 8


def test_circular_shift_warns_as_a_test(ramp):
    with pytest.warns(UserWarning, match=r"circular_shift may not hold its level .* 10\.0 %") as w:
        surrogate_test(ramp, first_of_second, method="circular_shift", n_surrogates=5, seed=0)
    assert w[0].filename == __file__  # points at the call


def test_surrogate_test_ties_count_as_extreme(ramp):
    constant = surrogate_test(
        ramp, lambda s: 0.1 + 0.2, n_surrogates=9, seed=0, method="circular_shift"
    )
    assert float(constant["p_value"]) == 1.0
    less = surrogate_test(
        ramp,
        lambda s: 0.1 + 0.2,
        n_surrogates=9,
        seed=0,
        alternative="less",
        method="circular_shift",
    )
    assert float(less["p_value"]) == 1.0
    assert math.isnan(float(constant["effect_size"]))  # sd 0, difference 0


def test_surrogate_test_is_reproducible(ramp):
    a = surrogate_test(ramp, first_of_second, n_surrogates=30, seed=1, method="circular_shift")
    b = surrogate_test(ramp, first_of_second, n_surrogates=30, seed=1, method="circular_shift")
    c = surrogate_test(ramp, first_of_second, n_surrogates=30, seed=2, method="circular_shift")
    np.testing.assert_array_equal(a["null"], b["null"])
    assert a.identical(b)
    assert not np.array_equal(a["null"], c["null"])
    fresh = surrogate_test(ramp, first_of_second, n_surrogates=3, method="circular_shift")
    assert isinstance(fresh.attrs["seed"], int)
    again = surrogate_test(
        ramp, first_of_second, n_surrogates=3, seed=fresh.attrs["seed"], method="circular_shift"
    )
    np.testing.assert_array_equal(fresh["null"], again["null"])


def test_surrogate_test_segment_shuffle(ramp):
    with pytest.warns(UserWarning, match=r"may not hold its level .* 8\.5 %") as caught:
        result = surrogate_test(
            ramp,
            first_of_second,
            method="segment_shuffle",
            n_surrogates=50,
            seed=3,
            segment_length=10,
        )
    assert caught[0].filename == __file__  # points at the call
    # The first sample of a shuffled series is the first sample of some 10 s piece.
    starts = {float(values(ramp)[1, k]) for k in range(0, 400, 40)}
    assert set(result["null"].values.tolist()) <= starts
    assert result.attrs["segment_length"] == 10.0 and result.attrs["n_pieces"] == 10
    assert "shift" not in result.coords
    shuffled = segment_shuffle(
        ramp, 10, seed=np.random.default_rng(np.random.SeedSequence(3).spawn(50)[7])
    )
    assert float(result["null"][7]) == first_of_second(shuffled)


def test_surrogate_test_non_finite_statistics(ramp):
    def sometimes_nan(session):
        value = first_of_second(session)
        return math.nan if value > 300 else value

    with pytest.warns(RuntimeWarning, match="are NaN and were left out"):
        result = surrogate_test(
            ramp, sometimes_nan, n_surrogates=49, seed=0, min_shift=1, method="circular_shift"
        )
    null = result["null"].values
    valid = null[~np.isnan(null)]
    assert int(result["n_valid"]) == valid.size < 49
    assert float(result["p_value"]) == pytest.approx(((valid >= 200).sum() + 1) / (valid.size + 1))
    assert float(result["null_mean"]) == pytest.approx(valid.mean())

    # NaN on the real data, inf anywhere, NaN on every draw: errors, never a p-value.
    with pytest.raises(ValidationError, match="returned nan on the real data"):
        surrogate_test(ramp, lambda s: math.nan, n_surrogates=5, seed=0, method="circular_shift")

    def infinite_when_real(session):
        return math.inf if "surrogate" not in concordlab.metadata(session) else 1.0

    with pytest.raises(ValidationError, match="returned inf on the real data"):
        surrogate_test(ramp, infinite_when_real, n_surrogates=19, seed=0, method="circular_shift")

    def infinite_surrogates(session):
        value = first_of_second(session)
        return math.inf if value > 300 else value

    with pytest.raises(ValidationError, match=r"returned inf on surrogate draw \d+ .*shift of"):
        surrogate_test(
            ramp, infinite_surrogates, n_surrogates=49, seed=0, min_shift=1, method="circular_shift"
        )

    def nan_surrogates(session):
        return 1.0 if "surrogate" not in concordlab.metadata(session) else math.nan

    with pytest.raises(ValidationError, match="NaN .undefined. on all 5 surrogates"):
        surrogate_test(ramp, nan_surrogates, n_surrogates=5, seed=0, method="circular_shift")


def test_surrogate_test_pseudo_dyads(cohort):
    def dyad_distance(session):
        """0 for a real dyad; |i - j| for a pseudo-dyad of dyads i and j."""
        meta = concordlab.metadata(session)
        if "surrogate" not in meta:
            return 0.0
        i, j = (int(p["session"].split("-")[1]) for p in meta["surrogate"]["sources"])
        return float(abs(i - j))

    result = surrogate_test(cohort, dyad_distance, method="pseudo_dyads", n_surrogates=30, seed=4)
    assert result["session"].values.tolist() == list(cohort)
    assert result["session_statistic"].values.tolist() == [0.0] * 10
    assert float(result["observed"]) == 0.0
    # A random pairing of 10 dyads keeps all of them only with probability 1 / 10!.
    assert (result["null"].values > 0).all()
    assert float(result["p_value"]) == 1.0
    less = surrogate_test(
        cohort, dyad_distance, method="pseudo_dyads", n_surrogates=30, seed=4, alternative="less"
    )
    assert float(less["p_value"]) == pytest.approx(1 / 31)
    np.testing.assert_array_equal(less["null"], result["null"])
    assert result.attrs["n_sessions"] == 10 and result.attrs["keep_roles"] == 1
    assert result.attrs["channels"] == "eda"
    assert result.attrs["n_pairings"] == math.factorial(10)
    assert result.attrs["smallest_p"] == pytest.approx(1 / 31)
    assert "who was recorded with whom" in result.attrs["null_hypothesis"]
    # The description: the mean over all 90 pseudo-dyads of different dyads, by hand.
    distances = [abs(i - j) for i in range(1, 11) for j in range(1, 11) if i != j]
    assert float(result["pseudo_mean"]) == pytest.approx(np.mean(distances))
    assert result["pseudo_mean"].attrs["n_pseudo"] == 90


@pytest.mark.parametrize("keep_roles", [True, False])
def test_random_pairings_use_every_person_once_and_are_uniform(cohort, keep_roles):
    pool = _pool._Pool.prepare(cohort, None, keep_roles)
    rng = np.random.default_rng(0)
    for _ in range(200):
        pairing = pool.random_pairing(rng)
        assert len(pairing) == 10
        people = [(i, p) for i, p, _, _ in pairing] + [(j, q) for _, _, j, q in pairing]
        assert len(set(people)) == 20  # each person exactly once
        if keep_roles:
            assert all((p, q) == (0, 1) for _, p, _, q in pairing)
        assert all(i != j or (p, q) == (0, 1) for i, p, j, q in pairing)
    # Uniform over the whole group, the real pairing included: 3 dyads have 3! = 6
    # permutations with roles kept, 5 * 3 * 1 = 15 perfect matchings of 6 people without.
    small = _pool._Pool.prepare({k: cohort[k] for k in list(cohort)[:3]}, None, keep_roles)
    count = 6 if keep_roles else 15
    assert small.count_pairings() == count
    every = [tuple(pairing) for pairing in small.all_pairings()]
    assert len(every) == len(set(every)) == count
    assert every[0] == ((0, 0, 0, 1), (1, 0, 1, 1), (2, 0, 2, 1))  # the real pairing first
    draws = 600 * count
    tally = {pairing: 0 for pairing in every}
    for _ in range(draws):
        tally[tuple(small.random_pairing(rng))] += 1
    frequencies = np.array(list(tally.values())) / draws
    # Each cell's binomial SD is sqrt(p (1 - p) / draws) < 0.0062: 5 SDs apart at most.
    assert np.abs(frequencies - 1 / count).max() < 5 * math.sqrt((1 / count) / draws)


def test_surrogate_test_pseudo_dyads_mean_of_finite_values(cohort):
    sessions = {k: cohort[k] for k in list(cohort)[:3]}

    def statistic(session):
        meta = concordlab.metadata(session)
        if "surrogate" not in meta:
            return {"dyad-01": 1.0, "dyad-02": math.nan, "dyad-03": 3.0}[
                session.attrs["session_id"]
            ]
        return 0.0

    result = surrogate_test(sessions, statistic, method="pseudo_dyads", n_surrogates=9, seed=0)
    assert float(result["observed"]) == 2.0  # mean of the per-dyad values that are not NaN
    assert result.attrs["n_nonfinite_observed"] == 1
    # 3 dyads have 3! = 6 pairings, all used once: the real one (mean of 1 and 3), the
    # three that keep one real dyad (1, NaN -> dropped, 3; the others 0) and the two
    # 3-cycles (0). A pairing keeping dyad 1 alone averages (1 + 0 + 0) / 3.
    assert sorted(result["null"].values.tolist()) == pytest.approx([0, 0, 0, 1 / 3, 1, 2])
    assert result.attrs["exact"] == 1
    assert float(result["p_value"]) == pytest.approx(1 / 6)  # k / m: only the real one


@pytest.mark.parametrize("keep_roles", [True, False])
def test_few_dyads_enumerate_every_pairing_once(cohort, keep_roles):
    """4 dyads: 4! = 24 pairings with roles kept, 7 * 5 * 3 = 105 perfect matchings of 8
    people without, the real pairing among them; the null is their means, checked by
    enumerating them here."""
    sessions = {k: cohort[k] for k in list(cohort)[:4]}
    real = {"dyad-01": 0.9, "dyad-02": 0.1, "dyad-03": 0.5, "dyad-04": 0.7}
    calls = []

    def statistic(session):
        calls.append(session.attrs.get("session_id"))
        meta = concordlab.metadata(session)
        if "surrogate" not in meta:
            return real[session.attrs["session_id"]]
        sources = meta["surrogate"]["sources"]
        i, j = (int(p["session"].split("-")[1]) for p in sources)
        roles = [p["source_person"] for p in sources]
        return i / 10 + j / 100 + (roles == ["therapist", "patient"]) / 1000

    def value(a, b):
        """The statistic of the dyad of persons a and b, (dyad, role), a first."""
        if a[0] == b[0]:
            return real[f"dyad-0{a[0]}"]
        return a[0] / 10 + b[0] / 100 + ((a[1], b[1]) == ("therapist", "patient")) / 1000

    result = surrogate_test(
        sessions, statistic, method="pseudo_dyads", n_surrogates=199, seed=0, keep_roles=keep_roles
    )
    people = [(i, role) for i in range(1, 5) for role in ("patient", "therapist")]
    expected = []
    if keep_roles:
        for partner in itertools.permutations(range(1, 5)):
            pairs = [
                ((i, "patient"), (j, "therapist"))
                for i, j in zip(range(1, 5), partner, strict=True)
            ]
            expected.append(np.mean([value(a, b) for a, b in pairs]))
    else:
        matchings = {}
        for order in itertools.permutations(people):
            pairs = [tuple(sorted(order[k : k + 2])) for k in range(0, 8, 2)]
            key = frozenset(pairs)
            matchings[key] = np.mean([value(a, b) for a, b in pairs])
        expected = list(matchings.values())
    assert result.attrs["exact"] == 1
    assert result["null"].sizes["draw"] == len(expected) == (24 if keep_roles else 105)
    assert sorted(result["null"].values) == pytest.approx(sorted(expected))
    observed = np.mean(list(real.values()))
    assert float(result["null"][0]) == pytest.approx(observed)  # the real pairing first
    k = sum(value >= observed - 1e-12 for value in expected)
    assert float(result["p_value"]) == pytest.approx(k / len(expected))
    assert result.attrs["smallest_p"] == pytest.approx(1 / len(expected))
    # Each real dyad and each pseudo-dyad was measured once.
    assert len(calls) == len(set(calls)) == 4 + (12 if keep_roles else 24)


def test_many_dyads_draw_at_random_with_each_pseudo_dyad_measured_once(cohort):
    calls = []

    def statistic(session):
        calls.append(session.attrs.get("session_id"))
        return 0.0

    result = surrogate_test(cohort, statistic, method="pseudo_dyads", n_surrogates=40, seed=1)
    assert result.attrs["exact"] == 0 and result["null"].sizes["draw"] == 40
    # The 10 real dyads, then the 90 pseudo-dyads (the draws' and the description's).
    assert len(calls) == len(set(calls)) == 10 + 90


def test_surrogate_test_progress(ramp, capsys, monkeypatch):
    surrogate_test(
        ramp, first_of_second, n_surrogates=5, seed=0, progress=False, method="circular_shift"
    )
    assert capsys.readouterr().err == ""
    surrogate_test(
        ramp, first_of_second, n_surrogates=5, seed=0, method="circular_shift"
    )  # fast: no bar by default
    assert capsys.readouterr().err == ""
    surrogate_test(
        ramp, first_of_second, n_surrogates=5, seed=0, progress=True, method="circular_shift"
    )
    assert "surrogates (circular_shift)" in capsys.readouterr().err
    monkeypatch.setattr(_significance, "_PROGRESS_AFTER", 0.0)  # as if each draw were slow
    surrogate_test(ramp, first_of_second, n_surrogates=5, seed=0, method="circular_shift")
    assert "5/5" in capsys.readouterr().err


def test_surrogate_test_result_is_labelled(ramp):
    result = surrogate_test(
        ramp, first_of_second, n_surrogates=9, seed=0, channels="eda", method="circular_shift"
    )
    assert set(result.data_vars) == {
        "observed",
        "null",
        "p_value",
        "effect_size",
        "null_mean",
        "null_sd",
        "n_valid",
    }
    assert result["null"].dims == ("draw",)
    assert result["shift"].attrs["units"] == "s"
    assert result.attrs["method"] == "circular_shift" and result.attrs["n_surrogates"] == 9
    assert result.attrs["n"] == 9  # the old name, kept for one release
    assert result.attrs["alternative"] == "greater" and result.attrs["channels"] == "eda"
    assert "sd(null)" in result["effect_size"].attrs["long_name"]
    assert result.attrs["person"] == "therapist" and result.attrs["session_id"] == "session"


def test_surrogate_test_errors(cohort, ramp):
    stat = first_of_second
    with pytest.raises(ValidationError, match="method must be one of"):
        surrogate_test(ramp, stat, method="phase_randomise")
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValidationError, match="n_surrogates must be a whole number"):
            surrogate_test(ramp, stat, n_surrogates=bad, method="circular_shift")
    with pytest.raises(ValidationError, match="alternative"):
        surrogate_test(ramp, stat, alternative="bigger", method="circular_shift")
    with pytest.raises(ValidationError, match=r"takes no parameter\(s\) \['segment_length'\]"):
        surrogate_test(ramp, stat, segment_length=10, method="circular_shift")
    with pytest.raises(ValidationError, match="needs segment_length"):
        surrogate_test(ramp, stat, method="segment_shuffle")
    with pytest.raises(ValidationError, match="not shorter than the 'eda' signal"):
        surrogate_test(ramp, stat, method="segment_shuffle", segment_length=200)
    with pytest.raises(ValidationError, match="method='pseudo_dyads'"):
        surrogate_test(cohort, stat)
    with pytest.raises(ValidationError, match="single session"):
        surrogate_test(ramp, stat, method="pseudo_dyads")
    with pytest.raises(ValidationError, match="at least 2 sessions"):
        surrogate_test({"a": ramp}, stat, method="pseudo_dyads")
    with pytest.raises(ValidationError, match="statistic must be a function"):
        surrogate_test(ramp, 3.0, method="circular_shift")
    with pytest.raises(ValidationError, match="statistic must return one number"):
        surrogate_test(ramp, lambda s: "high", n_surrogates=3, method="circular_shift")
    with pytest.raises(ValidationError, match="progress"):
        surrogate_test(ramp, stat, progress="yes", method="circular_shift")
    with pytest.raises(ValidationError, match="seed"):
        surrogate_test(ramp, stat, seed=1.5, method="circular_shift")
    with pytest.raises(ValidationError, match="min_shift"):
        surrogate_test(ramp, stat, min_shift=60, method="circular_shift")


# --------------------------------------------------------------------------- structure, old names


def test_one_strategy_per_method():
    assert tuple(_significance.STRATEGIES) == surrogates.METHODS
    assert {m: s.takes for m, s in _significance.STRATEGIES.items()} == {
        "linear_shift": ("max_shift", "channels", "person"),
        "circular_shift": ("min_shift", "channels", "person"),
        "segment_shuffle": ("segment_length", "channels", "person"),
        "pseudo_dyads": ("keep_roles", "channels"),
    }
    # The names other modules import from here are still there.
    for name in ("ALTERNATIVE", "ALTERNATIVES", "METHOD", "count_derangements"):
        assert hasattr(surrogates, name)
    for name in surrogates.__all__:
        assert getattr(concordlab.compute, name, None) is getattr(surrogates, name) or (
            name.isupper()
        )


def test_new_names_in_the_signatures():
    assert "n_surrogates" in inspect.signature(surrogate_test).parameters
    assert {"n_surrogates", "channels"} <= set(inspect.signature(pseudo_dyads).parameters)
    for function in (circular_shift, segment_shuffle):
        assert "channels" in inspect.signature(function).parameters
        assert "channel" not in inspect.signature(function).parameters


def renamed_message(function, old, new):
    return rf"{function}\({old}=\.\.\.\) is renamed {function}\({new}=\.\.\.\)"


def test_old_names_still_work_with_a_future_warning(ramp, cohort):
    new = surrogate_test(
        ramp, first_of_second, n_surrogates=9, seed=0, channels="eda", method="circular_shift"
    )
    assert new.attrs["n_surrogates"] == new.attrs["n"] == 9
    with pytest.warns(FutureWarning, match=renamed_message("surrogate_test", "n", "n_surrogates")):
        old = surrogate_test(
            ramp, first_of_second, n=9, seed=0, channels="eda", method="circular_shift"
        )
    xr.testing.assert_identical(old, new)
    with pytest.warns(
        FutureWarning, match=renamed_message("surrogate_test", "channel", "channels")
    ):
        old = surrogate_test(
            ramp, first_of_second, n_surrogates=9, seed=0, channel="eda", method="circular_shift"
        )
    xr.testing.assert_identical(old, new)
    with pytest.warns(FutureWarning, match=renamed_message("pseudo_dyads", "n", "n_surrogates")):
        assert list(pseudo_dyads(cohort, n=7, seed=3)) == list(
            pseudo_dyads(cohort, n_surrogates=7, seed=3)
        )
    with pytest.warns(FutureWarning, match=renamed_message("pseudo_dyads", "channel", "channels")):
        assert list(pseudo_dyads(cohort, channel="eda")) == list(pseudo_dyads(cohort))
    for function, args in ((circular_shift, ()), (segment_shuffle, (5,))):
        with pytest.warns(
            FutureWarning, match=renamed_message(function.__name__, "channel", "channels")
        ):
            old = function(ramp, *args, seed=1, channel="eda")
        xr.testing.assert_identical(old, function(ramp, *args, seed=1, channels="eda"))
    with pytest.raises(ValidationError, match="Give n_surrogates only"):
        surrogate_test(ramp, first_of_second, n=9, n_surrogates=9, method="circular_shift")


def test_warnings_point_at_the_caller(ramp):
    sessions = [
        random_session(40, seed=1, session_id="long"),
        random_session(30, seed=2, session_id="short"),
    ]
    with pytest.warns(UserWarning, match="trimmed") as caught:
        pseudo_dyads(sessions)
    with pytest.warns(UserWarning, match="trimmed") as also:
        surrogate_test(sessions, lambda s: 0.0, method="pseudo_dyads", n_surrogates=3, seed=0)

    def sometimes_nan(session):
        return math.nan if values(session)[1, 0] < 100 else 1.0

    with pytest.warns(RuntimeWarning, match="left out") as nan:
        surrogate_test(
            ramp, sometimes_nan, n_surrogates=19, seed=0, min_shift=1, method="circular_shift"
        )
    assert {w.filename for w in [*caught, *also, *nan]} == {__file__}


# --------------------------------------------------------------------------- calibration


def stationary_ar1(rng, n, rho):
    """Two independent stationary AR(1) series (drawn from the stationary law at t = 0)."""
    noise = rng.normal(size=(2, n))
    x = np.empty_like(noise)
    x[:, 0] = noise[:, 0] / math.sqrt(1 - rho * rho)
    for i in range(1, n):
        x[:, i] = rho * x[:, i - 1] + noise[:, i]
    return x


def whole_correlation(session):
    """Pearson's r of the two persons over the whole (or central) stretch, by hand."""
    return float(np.corrcoef(values(session))[0, 1])


def test_calibration_fast_linear_shift_holds_where_circular_shift_does_not():
    """200 uncoupled dyads of slow AR(1) noise (rho 0.99, 100 s at 4 Hz): memory long
    compared with the recording, as drifting skin conductance's is.

    Measured: linear_shift rejects 6 of 200 (3 %), circular_shift 58 of 200 (29 %).
    A valid test at 0.05 rejects more than 16 of 200 with probability 1.3 %.
    """
    rng = np.random.default_rng(0)
    linear = circular = 0
    for i in range(200):
        session = concordlab.from_arrays({"eda": stationary_ar1(rng, 400, 0.99)}, 4.0)
        test = surrogate_test(session, whole_correlation, n_surrogates=40, seed=i)
        linear += float(test["p_value"]) <= 0.05
        rotated = surrogate_test(
            session, whole_correlation, method="circular_shift", n_surrogates=39, seed=i
        )
        circular += float(rotated["p_value"]) <= 0.05
    assert linear <= 16, linear
    assert circular >= 30, circular  # the reason circular_shift warns


def mean_concordance(session):
    """The calibrated statistic: mean Marci slope concordance over the session's windows."""
    return float(concordlab.concordance(session, method="slope").mean())


def rejection_rate(coupling, simulations, first_seed, **simulate):
    rejected = 0
    for i in range(simulations):
        session = concordlab.simulate_dyad(
            coupling=coupling, turns=False, channels="eda", seed=first_seed + i, **simulate
        )
        result = surrogate_test(session, mean_concordance, seed=i, progress=False)
        rejected += float(result["p_value"]) <= 0.05
    return rejected / simulations


@pytest.mark.slow
def test_calibration_uncoupled_dyads_are_rejected_at_most_at_the_level():
    """200 uncoupled 10-min skin conductance dyads, the default test (linear_shift).

    Harris's bound makes the test conservative: at most 5 % by construction. A true 5 %
    gives more than 18 of 200 with probability < 1 %. Measured: 3 of 200 (1.5 %).
    """
    rate = rejection_rate(0.0, 200, 1000, duration=600)
    assert rate <= 18 / 200, rate


@pytest.mark.slow
def test_calibration_coupled_dyads_are_detected():
    """100 dyads with coupling 0.9 over 20 min: detected by the default test.

    Measured: 100 of 100; with coupling 0.5 over 10 min, 21 of 40 (52 %).
    """
    rate = rejection_rate(0.9, 100, 2000, duration=1200)
    assert rate >= 0.5, rate


# --------------------------------------------------------------------------- pseudo-groups


def group_session(n_persons, n, seed, session_id, rate=4.0):
    data = np.random.default_rng(seed).normal(size=(n_persons, n))
    persons = [f"member {i + 1}" for i in range(n_persons)]
    return concordlab.from_arrays(
        {"eda": data}, sampling_rate=rate, persons=persons, session_id=session_id
    )


@pytest.fixture(scope="module")
def families():
    return [group_session(4, 200, seed, f"family-{seed}") for seed in range(5)]


def test_pseudo_groups_never_hold_two_people_of_one_session(families):
    groups = concordlab.pseudo_groups(families, n_groups=30, seed=1)
    assert len(groups) == 30
    members = []
    for key, group in groups.items():
        sources = source_of(group)
        assert len(sources) == 4 == len(concordlab.persons(group))  # n_persons: the families'
        assert len({session for session, _ in sources}) == 4  # four different sessions
        assert group.attrs["session_id"] == key
        assert concordlab.metadata(group)["pseudo_group"] is True
        assert len(concordlab.segments(group)) == 0
        members.append(frozenset(sources))
    assert len(set(members)) == 30  # no group drawn twice


def test_pseudo_groups_hold_the_source_persons_data(families):
    by_id = {s.attrs["session_id"]: s for s in families}
    for group in concordlab.pseudo_groups(families, n_persons=3, n_groups=5, seed=2).values():
        for row, (session, person) in zip(values(group), source_of(group), strict=True):
            source = by_id[session]["eda"].dataset["eda"].sel(person=person).values
            np.testing.assert_array_equal(row, source)


def test_pseudo_groups_are_reproducible_by_seed(families):
    first = concordlab.pseudo_groups(families, n_persons=3, n_groups=10, seed=7)
    again = concordlab.pseudo_groups(families, n_persons=3, n_groups=10, seed=7)
    other = concordlab.pseudo_groups(families, n_persons=3, n_groups=10, seed=8)
    assert list(first) == list(again) and list(first) != list(other)
    for key in first:
        np.testing.assert_array_equal(values(first[key]), values(again[key]))
    generator = concordlab.pseudo_groups(
        families, n_persons=3, n_groups=10, seed=np.random.default_rng(7)
    )
    assert list(generator) == list(first)  # a Generator seeded alike draws alike


def test_asking_for_every_pseudo_group_gives_each_possible_one_once():
    sizes = (2, 3, 2, 4)
    sessions = [group_session(k, 40, j, f"s{j}") for j, k in enumerate(sizes)]
    # Groups of three from three different sessions, by brute force over every person.
    people = [(f"s{j}", f"member {i + 1}") for j, k in enumerate(sizes) for i in range(k)]
    expected = {
        frozenset(trio)
        for trio in itertools.combinations(people, 3)
        if len({session for session, _ in trio}) == 3
    }
    assert len(expected) == 2 * 3 * 2 + 2 * 3 * 4 + 2 * 2 * 4 + 3 * 2 * 4  # 76
    everything = concordlab.pseudo_groups(sessions, n_persons=3, n_groups=76, seed=0)
    assert {frozenset(source_of(g)) for g in everything.values()} == expected
    with pytest.raises(ValidationError, match="n_groups=77 is more than the 76"):
        concordlab.pseudo_groups(sessions, n_persons=3, n_groups=77, seed=0)
    with pytest.raises(ValidationError, match="different numbers of persons.*n_persons"):
        concordlab.pseudo_groups(sessions)
    with pytest.raises(ValidationError, match="n_persons=5 needs 5 sessions"):
        concordlab.pseudo_groups(sessions, n_persons=5)


def test_pseudo_groups_drawn_from_too_many_to_list_are_distinct_and_from_different_sessions():
    sessions = [group_session(4, 20, seed, f"g{seed:02d}") for seed in range(12)]
    assert _pool._count_groups([4] * 12, 6) > _pool.ENUMERATE_UP_TO  # the drawing path
    groups = concordlab.pseudo_groups(sessions, n_persons=6, n_groups=200, seed=3)
    members = [frozenset(source_of(g)) for g in groups.values()]
    assert len(set(members)) == 200
    assert all(len({s for s, _ in m}) == 6 for m in members)
    # Uniform over groups: every session is a member about equally often (6/12 of groups).
    counts = pd.Series([s for m in members for s, _ in m]).value_counts()
    assert counts.min() > 0.5 * 100 and counts.max() < 1.5 * 100
    again = concordlab.pseudo_groups(sessions, n_persons=6, n_groups=200, seed=3)
    assert list(again) == list(groups)


def test_pseudo_groups_of_dyads_trim_and_label_repeated_roles():
    dyads = [random_session(n, seed=n, session_id=f"d{n}") for n in (40, 44, 48)]
    with pytest.warns(UserWarning, match="trimmed at the end to the shortest"):
        groups = concordlab.pseudo_groups(dyads, n_persons=3, n_groups=8, seed=0)
    assert len(groups) == 8  # 2 * 2 * 2 groups of three from three dyads
    for group in groups.values():
        assert values(group).shape == (3, 40)
        labels = concordlab.persons(group)
        assert len(set(labels)) == 3  # a role met twice carries its session id
        trimmed = concordlab.metadata(group)["surrogate"]["trimmed"]["eda"]
        assert trimmed["kept"] == 10.0 and trimmed["dropped"] == [0.0, 1.0, 2.0]
    with pytest.raises(ValidationError, match="sampled at 4 Hz"):
        concordlab.pseudo_groups([*dyads, random_session(40, rate=8.0)], n_persons=3)
