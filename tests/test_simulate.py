"""Tests of the simulated dyads and cohorts (concordlab.simulate).

The concordance checks here are written independently of concordlab's measures, with
plain numpy: EDA block-averaged to 4 Hz, first-differenced (so slow drift does not
dominate), person 2 shifted back by the lag, Pearson correlation.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import signal, stats

import concordlab
from concordlab.simulate import Cohort, bateman_kernel, simulate_cohort, simulate_dyad

RATE = 4  # Hz, rate of the differenced EDA used for the correlation checks


def eda_differences(session, rate: int = RATE) -> np.ndarray:
    """EDA of both persons block-averaged to ``rate`` Hz, then first-differenced."""
    eda = session["eda"]["eda"]
    block = int(eda.attrs["sampling_rate"]) // rate
    values = eda.values
    m = values.shape[1] // block
    return np.diff(values[:, : m * block].reshape(2, m, block).mean(axis=-1), axis=1)


def lagged_correlation(x: np.ndarray, y: np.ndarray, k: int) -> float:
    """Pearson r of x(t) and y(t + k samples): positive k = y follows x."""
    if k > 0:
        x, y = x[:-k], y[k:]
    elif k < 0:
        x, y = x[-k:], y[:k]
    return float(np.corrcoef(x, y)[0, 1])


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_sessions():
    a = simulate_dyad(60, seed=7)
    b = simulate_dyad(60, seed=7)
    assert a.identical(b)


def test_different_seeds_differ():
    a = simulate_dyad(60, seed=7)
    b = simulate_dyad(60, seed=8)
    assert not np.allclose(a["eda"]["eda"].values, b["eda"]["eda"].values)
    assert not np.allclose(a["hr"]["hr"].values, b["hr"]["hr"].values)


def test_seed_none_is_stored_and_regenerates_the_session():
    s = simulate_dyad(30)
    seed = s["truth"].attrs["seed"]
    assert isinstance(seed, int)
    assert simulate_dyad(30, seed=seed).identical(s)


def test_streams_are_independent_of_unrelated_parameters():
    full = simulate_dyad(60, seed=3)
    eda_only = simulate_dyad(60, seed=3, channels=("eda",))
    np.testing.assert_array_equal(full["eda"]["eda"].values, eda_only["eda"]["eda"].values)
    assert concordlab.channels(eda_only) == ["eda"]
    hr_only = simulate_dyad(60, seed=3, channels="hr")
    np.testing.assert_array_equal(full["hr"]["hr"].values, hr_only["hr"]["hr"].values)
    # Another coupling reuses the same talk turns and baselines.
    other = simulate_dyad(60, seed=3, coupling=0.1)
    pd.testing.assert_frame_equal(concordlab.segments(full), concordlab.segments(other))
    np.testing.assert_array_equal(
        full["truth"]["eda_baseline"].values, other["truth"]["eda_baseline"].values
    )


# --------------------------------------------------------------------------- structure


def test_session_structure_truth_and_metadata():
    s = simulate_dyad(120, coupling=0.7, lag=1.5, talk_coupling=0.3, seed=2, session_id="d1")
    assert concordlab.validate_session(s) is s
    assert concordlab.channels(s) == ["eda", "hr"]
    assert concordlab.persons(s) == ("patient", "therapist")
    assert s.attrs["session_id"] == "d1"
    assert s["eda"]["eda"].attrs["sampling_rate"] == 32.0
    assert s["hr"]["hr"].attrs["sampling_rate"] == 4.0
    assert s["eda"]["eda"].attrs["units"] == "uS" and s["hr"]["hr"].attrs["units"] == "bpm"
    assert concordlab.time_span(s) == (0.0, 120.0)
    meta = concordlab.metadata(s)
    assert meta["simulated"] is True
    assert meta["parameters"]["coupling"] == 0.7 and meta["parameters"]["seed"] == 2
    truth = s["truth"]
    assert truth.attrs["coupling"] == 0.7
    assert truth.attrs["lag"] == 1.5
    assert truth.attrs["talk_coupling"] == 0.3
    assert truth.attrs["seed"] == 2
    assert "simulate_dyad" in truth.attrs["generator"]
    assert json.loads(truth.attrs["parameters"])["lag"] == 1.5
    coupling = truth["coupling"]
    assert coupling.dims == ("time",)
    assert coupling["time"].attrs["units"] == "s"
    assert coupling.sizes["time"] == s["eda"].sizes["time"]
    assert truth["arousal"].dims == ("person", "time")


def test_attrs_are_netcdf_storable():
    s = simulate_dyad(30, seed=1)
    for node in s.subtree:
        for value in node.attrs.values():
            assert isinstance(value, str | int | float) and not isinstance(value, bool)


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_save_load_round_trip(tmp_path, suffix):
    s = simulate_dyad(60, seed=4)
    loaded = concordlab.load(concordlab.save(s, tmp_path / f"dyad{suffix}"))
    assert loaded.identical(s)


def test_talk_turns_alternate_cover_the_session_and_set_coupling():
    s = simulate_dyad(300, coupling=0.8, talk_coupling=0.25, mean_turn=15, seed=5)
    table = concordlab.segments(s)
    assert len(table) > 5
    assert set(table["label"]) == {"talk"}
    assert set(table["person"]) == {"patient", "therapist"}
    assert (table["person"].to_numpy()[1:] != table["person"].to_numpy()[:-1]).all()
    assert table["start"].iloc[0] == 0.0 and table["end"].iloc[-1] == pytest.approx(300.0)
    np.testing.assert_allclose(table["start"].to_numpy()[1:], table["end"].to_numpy()[:-1])
    assert 5 < (table["end"] - table["start"]).mean() < 30
    coupling = s["truth"]["coupling"]
    for row in table.itertuples():
        inner = coupling.sel(time=slice(row.start + 1, row.end - 1))
        if inner.size == 0:
            continue
        expected = 0.8 * 0.25 if row.person == "therapist" else 0.8
        np.testing.assert_allclose(inner.values, expected)


def test_without_turns_coupling_is_constant_and_no_segments():
    s = simulate_dyad(60, coupling=0.4, turns=False, seed=1)
    assert len(concordlab.segments(s)) == 0
    np.testing.assert_array_equal(s["truth"]["coupling"].values, 0.4)


def test_full_coupling_without_lag_gives_identical_arousal():
    s = simulate_dyad(60, coupling=1.0, lag=0.0, turns=False, seed=1)
    arousal = s["truth"]["arousal"].values
    np.testing.assert_allclose(arousal[0], arousal[1])


def test_lag_delays_the_second_persons_shared_arousal():
    s = simulate_dyad(60, coupling=1.0, lag=2.5, turns=False, seed=1)
    arousal = s["truth"]["arousal"].values
    k = 80  # 2.5 s at 32 Hz
    np.testing.assert_allclose(arousal[1, k:], arousal[0, :-k])
    s = simulate_dyad(60, coupling=1.0, lag=-2.5, turns=False, seed=1)
    arousal = s["truth"]["arousal"].values
    np.testing.assert_allclose(arousal[0, k:], arousal[1, :-k])


def test_custom_persons_and_rates():
    s = simulate_dyad(20, persons=("A", "B"), sampling_rate=8, hr_sampling_rate=2, seed=0)
    assert concordlab.persons(s) == ("A", "B")
    assert s["eda"].sizes["time"] == 160 and s["hr"].sizes["time"] == 40
    assert set(concordlab.segments(s)["person"]) <= {"A", "B"}


def test_old_fs_name_warns_and_gives_the_same_session():
    # A new user's first script: simulate_dyad(fs=32).
    with pytest.warns(FutureWarning, match=r"simulate_dyad\(fs=\.\.\.\) is renamed"):
        old = simulate_dyad(20, fs=8, seed=3)
    assert old.identical(simulate_dyad(20, sampling_rate=8, seed=3))
    with pytest.raises(concordlab.ValidationError, match="Give sampling_rate only"):
        simulate_dyad(20, fs=8, sampling_rate=8, seed=3)
    with pytest.warns(FutureWarning, match=r"simulate_dyad\(hr_sampling_rate=\.\.\.\)"):
        old = simulate_dyad(20, hr_rate=2, seed=3)
    assert old.identical(simulate_dyad(20, hr_sampling_rate=2, seed=3))
    assert json.loads(old["truth"].attrs["parameters"])["hr_sampling_rate"] == 2.0


def test_cohort_old_fs_name_warns_and_gives_the_same_cohort():
    with pytest.warns(FutureWarning, match=r"simulate_cohort\(sampling_rate=\.\.\.\)"):
        old = simulate_cohort(2, duration=10, fs=4, channels="eda", seed=1)
    new = simulate_cohort(2, duration=10, sampling_rate=4, channels="eda", seed=1)
    assert old.sessions.keys() == new.sessions.keys()
    assert all(old.sessions[k].identical(new.sessions[k]) for k in new.sessions)
    pd.testing.assert_frame_equal(old.ratings, new.ratings)
    with pytest.warns(FutureWarning, match="hr_sampling_rate"):
        old = simulate_cohort(2, duration=10, hr_rate=2, channels="hr", seed=1)
    new = simulate_cohort(2, duration=10, hr_sampling_rate=2, channels="hr", seed=1)
    assert all(old.sessions[k].identical(new.sessions[k]) for k in new.sessions)


# --------------------------------------------------------------------------- plausibility


def test_values_are_physiologically_plausible():
    for seed in range(10):
        s = simulate_dyad(600, seed=seed)
        eda = s["eda"]["eda"].values
        hr = s["hr"]["hr"].values
        assert np.isfinite(eda).all() and np.isfinite(hr).all()
        assert eda.min() > 0.5 and eda.max() < 40, (seed, eda.min(), eda.max())
        assert hr.min() > 40 and hr.max() < 140, (seed, hr.min(), hr.max())


def test_bateman_kernel_shape():
    kernel = bateman_kernel(32.0)
    t_peak = kernel.argmax() / 32.0
    assert kernel.max() == pytest.approx(1.0, abs=1e-3)
    assert 0.5 < t_peak < 3.0
    assert kernel[0] == pytest.approx(0.0)
    # Decays to below a third of the peak within 10 s after the peak.
    assert kernel[int((t_peak + 10) * 32)] < 1 / 3
    with pytest.raises(concordlab.ValidationError, match="tau_rise"):
        bateman_kernel(32.0, tau_rise=3.0, tau_decay=2.0)


def test_observed_scr_rise_times_and_amplitudes_are_plausible():
    """Find SCRs in the simulated EDA (trough to peak) and measure them."""
    rises, amplitudes, counts = [], [], []
    for seed in range(5):
        s = simulate_dyad(300, seed=seed, channels=("eda",), turns=False, coupling=0.0)
        fs = s["eda"]["eda"].attrs["sampling_rate"]
        low_pass = signal.butter(2, 1.0, fs=fs, output="sos")
        for row in s["eda"]["eda"].values:
            smooth = signal.sosfiltfilt(low_pass, row)  # removes measurement noise
            peaks, _ = signal.find_peaks(smooth, prominence=0.05, distance=int(2 * fs))
            counts.append(len(peaks))
            slope = np.diff(smooth)
            for peak in peaks:
                start = peak - 1
                while start > 0 and slope[start - 1] > 0:
                    start -= 1
                rises.append((peak - start) / fs)
                amplitudes.append(smooth[peak] - smooth[start])
    rate_per_minute = np.mean(counts) / 5
    assert 1 < rate_per_minute < 12, rate_per_minute
    assert 0.5 < np.median(rises) < 3.0, np.median(rises)
    assert 0.05 < np.median(amplitudes) < 1.0, np.median(amplitudes)


# --------------------------------------------------------------------------- concordance


def test_coupled_dyads_are_more_concordant_than_uncoupled():
    lag = 2.0
    k = int(lag * RATE)
    coupled, uncoupled = [], []
    for seed in range(30):
        for coupling, out in ((0.6, coupled), (0.0, uncoupled)):
            s = simulate_dyad(
                180, coupling=coupling, lag=lag, turns=False, seed=seed, channels=("eda",)
            )
            d = eda_differences(s)
            out.append(lagged_correlation(d[0], d[1], k))
    coupled, uncoupled = np.array(coupled), np.array(uncoupled)
    assert abs(uncoupled.mean()) < 0.06
    assert coupled.mean() - uncoupled.mean() > 0.15
    assert stats.ttest_rel(coupled, uncoupled, alternative="greater").pvalue < 1e-4


def test_concordance_grows_with_coupling():
    means = []
    for coupling in (0.0, 0.45, 0.9):
        r = [
            lagged_correlation(
                *eda_differences(
                    simulate_dyad(
                        180, coupling=coupling, lag=0.0, turns=False, seed=seed, channels=("eda",)
                    )
                ),
                0,
            )
            for seed in range(15)
        ]
        means.append(np.mean(r))
    assert means[0] < means[1] < means[2]


@pytest.mark.parametrize("lag", [3.0, -2.0])
def test_cross_correlation_peaks_near_the_true_lag(lag):
    lags = np.arange(-10 * RATE, 10 * RATE + 1)
    curves = []
    for seed in range(30):
        s = simulate_dyad(180, coupling=0.6, lag=lag, turns=False, seed=seed, channels=("eda",))
        d = eda_differences(s)
        curves.append([lagged_correlation(d[0], d[1], int(k)) for k in lags])
    mean_curve = np.mean(curves, axis=0)
    peak = lags[np.argmax(mean_curve)] / RATE
    assert abs(peak - lag) <= 1.0, (peak, lag)


def test_concordance_is_lower_while_the_therapist_talks():
    lag = 2.0
    k = int(lag * RATE)
    talking, listening = [], []
    for seed in range(30):
        s = simulate_dyad(
            480, coupling=0.8, lag=lag, talk_coupling=0.2, seed=seed, channels=("eda",)
        )
        d = eda_differences(s)
        x, y = d[0, :-k], d[1, k:]
        t = (np.arange(x.size) + 1) / RATE  # time of each difference, in seconds
        table = concordlab.segments(s)
        therapist = np.zeros(x.size, dtype=bool)
        for row in table[table["person"] == "therapist"].itertuples():
            therapist |= (t >= row.start) & (t < row.end)
        talking.append(np.corrcoef(x[therapist], y[therapist])[0, 1])
        listening.append(np.corrcoef(x[~therapist], y[~therapist])[0, 1])
    talking, listening = np.array(talking), np.array(listening)
    assert listening.mean() - talking.mean() > 0.1
    assert (listening > talking).mean() > 0.8


# --------------------------------------------------------------------------- cohort


def test_cohort_structure():
    cohort = simulate_cohort(5, duration=30, seed=2, talk_coupling=0.5)
    assert isinstance(cohort, Cohort)
    assert len(cohort) == 5
    ids = [f"dyad-0{i}" for i in range(1, 6)]
    assert list(cohort) == ids == list(cohort.sessions)
    assert [k for k, _ in cohort.items()] == ids
    assert cohort["dyad-03"] is cohort.sessions["dyad-03"]
    ratings = cohort.ratings
    assert ratings.shape == (5, 4)
    assert list(ratings.index) == ids
    assert {"simulated_empathy", "true_coupling", "true_lag"} <= set(ratings.columns)
    assert ratings.attrs["simulated"] is True
    assert "SIMULATED" in ratings.attrs["description"]
    assert "not real" in ratings.attrs["description"]
    assert ratings["true_coupling"].between(0.1, 0.9).all()
    assert (ratings["true_lag"] == 2.0).all()
    for session_id, session in cohort.items():
        concordlab.validate_session(session)
        assert session.attrs["session_id"] == session_id
        truth = session["truth"].attrs
        assert truth["coupling"] == ratings.loc[session_id, "true_coupling"]
        assert truth["talk_coupling"] == 0.5
    text = repr(cohort)
    assert "SIMULATED" in text and "dyad-01" in text and "5" in text
    with pytest.raises(KeyError, match="dyad-01"):
        cohort["dyad-99"]


def test_cohort_is_deterministic_and_dyads_regenerate_alone():
    a = simulate_cohort(3, duration=20, seed=11)
    b = simulate_cohort(3, duration=20, seed=11)
    pd.testing.assert_frame_equal(a.ratings, b.ratings)
    assert all(a[k].identical(b[k]) for k in a)
    row = a.ratings.loc["dyad-02"]
    alone = simulate_dyad(
        20, coupling=row["true_coupling"], seed=int(row["seed"]), session_id="dyad-02"
    )
    assert alone.identical(a["dyad-02"])
    c = simulate_cohort(3, duration=20, seed=12)
    assert not np.allclose(a.ratings["true_coupling"], c.ratings["true_coupling"])


def test_cohort_lag_range_and_ids_width():
    cohort = simulate_cohort(
        12, duration=10, lag_range=(1.0, 3.0), seed=0, channels=("hr",), turns=False
    )
    assert list(cohort) == [f"dyad-{i:02d}" for i in range(1, 13)]
    assert cohort.ratings["true_lag"].between(1.0, 3.0).all()
    assert cohort.ratings["true_lag"].nunique() == 12
    big = simulate_cohort(100, duration=5, seed=0, channels=("hr",), turns=False)
    assert next(iter(big)) == "dyad-001" and "dyad-100" in big.sessions


@pytest.mark.parametrize("rho", [0.5, -0.3])
def test_simulated_empathy_correlates_with_true_coupling(rho):
    cohort = simulate_cohort(
        200, duration=5, rating_correlation=rho, seed=1, channels=("hr",), turns=False
    )
    ratings = cohort.ratings
    r = np.corrcoef(ratings["simulated_empathy"], ratings["true_coupling"])[0, 1]
    assert abs(r - rho) < 0.15, r
    assert np.sign(r) == np.sign(rho)
    assert 45 < ratings["simulated_empathy"].mean() < 55
    assert 8 < ratings["simulated_empathy"].std() < 12


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"coupling": 1.5}, "coupling must be a real number, at least 0 and at most 1"),
        ({"coupling": -0.1}, "coupling"),
        ({"coupling": "high"}, "coupling must be a real number \\(not str\\)"),
        ({"talk_coupling": 2}, "talk_coupling"),
        ({"duration": -5}, "duration must be a real number, in seconds, above 0"),
        ({"duration": 0}, "duration"),
        ({"duration": float("nan")}, "duration must be a real number \\(finite\\)"),
        ({"duration": 10, "lag": 12}, "lag=12 s is not shorter than the session"),
        ({"duration": 10, "lag": -10}, "lag"),
        ({"sampling_rate": 0}, "sampling_rate"),
        ({"sampling_rate": 0.5}, "at least 1 Hz"),
        ({"hr_sampling_rate": -1}, "hr_sampling_rate"),
        ({"mean_turn": 0}, "mean_turn"),
        ({"channels": ("eda", "bvp")}, "channels"),
        ({"channels": ()}, "channels"),
        ({"channels": ("eda", "eda")}, "channels"),
        ({"persons": ("a", "a")}, "persons"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"turns": "yes"}, "turns"),
        ({"duration": 0.1}, "at least"),
        ({"session_id": ""}, "session_id"),
    ],
)
def test_simulate_dyad_validation(kwargs, match):
    kwargs = {"duration": 30, **kwargs}
    with pytest.raises(concordlab.ValidationError, match=match):
        simulate_dyad(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, "n must be a whole number, at least 1"),
        ({"n": 2.5}, "n must be"),
        ({"coupling_range": (0.5, 1.2)}, "coupling_range"),
        ({"coupling_range": (0.8, 0.2)}, "low <= high"),
        ({"coupling_range": 0.5}, "pair"),
        ({"rating_correlation": 1.5}, "rating_correlation"),
        ({"coupling": 0.5}, "coupling_range"),
        ({"session_id": "x"}, "set per dyad"),
        ({"lag": 1.0, "lag_range": (0, 2)}, "not both"),
        ({"lag_range": (3, 1)}, "lag_range"),
        ({"duration": -1}, "duration"),
        ({"couplings": 0.5}, "no parameter"),
    ],
)
def test_simulate_cohort_validation(kwargs, match):
    kwargs = {"n": 2, "duration": 10, **kwargs}
    with pytest.raises(concordlab.ValidationError, match=match):
        simulate_cohort(**kwargs)


# --------------------------------------------------------------------------- groups


def test_simulate_group_labels_truth_and_reproducibility():
    family = concordlab.simulate_group(4, duration=120, coupling=0.7, lag=1.5, seed=3)
    assert concordlab.persons(family) == ("therapist", "mother", "father", "child")
    assert concordlab.channels(family) == ["eda"]
    assert family["eda"]["eda"].shape == (4, 3840)
    assert family["eda"]["eda"].attrs["units"] == "uS"
    assert concordlab.validate_session(family) is family
    truth = family["truth"]
    np.testing.assert_array_equal(truth["coupling"].values, 0.7)
    assert truth["lag"].values.tolist() == [0.0, 1.5, 1.5, 1.5]
    assert truth.attrs["leader"] == "therapist" and truth.attrs["seed"] == 3
    assert concordlab.metadata(family)["simulated"] is True
    again = concordlab.simulate_group(4, duration=120, coupling=0.7, lag=1.5, seed=3)
    assert again.identical(family)
    five = concordlab.simulate_group(5, duration=30, seed=1, leader="person 3")
    assert concordlab.persons(five) == tuple(f"person {i}" for i in range(1, 6))
    assert five["truth"]["lag"].values.tolist() == [2.0, 2.0, 0.0, 2.0, 2.0]


def test_simulate_group_follows_the_leader_and_couples_as_told():
    # The shared driver reaches the followers `lag` seconds after the leader: a
    # follower's arousal, shifted back by the lag, matches the leader's best when
    # everyone is fully coupled; with no coupling the persons are unrelated.
    group = concordlab.simulate_group(
        3, duration=300, coupling=[1.0, 1.0, 0.0], lag=[0, 2.0, 2.0], seed=8
    )
    arousal = group["truth"]["arousal"].values
    shift = 64  # 2 s at 32 Hz
    np.testing.assert_allclose(arousal[1, shift:], arousal[0, :-shift], atol=1e-12)
    assert abs(np.corrcoef(arousal[0], arousal[2])[0, 1]) < 0.3


def test_simulate_group_refuses_bad_parameters():
    for kwargs, message in (
        ({"n_persons": 1}, "n_persons"),
        ({"coupling": 1.5}, "coupling"),
        ({"coupling": [0.5, 0.5]}, "one per person"),
        ({"lag": -1.0}, "lag"),
        ({"leader": "nobody"}, "leader must be one of"),
        ({"persons": ("a", "b")}, "one label per person"),
        ({"persons": ("a", "b", "c~d", "e")}, "'~'"),
        ({"sampling_rate": 0.5}, "at least 1 Hz"),
    ):
        with pytest.raises(concordlab.ValidationError, match=message):
            concordlab.simulate_group(**{"n_persons": 4, "duration": 60, "seed": 1, **kwargs})
    with pytest.raises(concordlab.ValidationError, match="two distinct"):
        concordlab.simulate_dyad(60, persons=("a", "b", "c"), seed=1)
