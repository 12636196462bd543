"""Per-beat files into heart rate: values against a naive conversion written here, on real files.

Fixtures (tests/data/beats/, licences beside them): a real Empatica E4 IBI.csv (MIT) and a
real 15-minute resting RR series in milliseconds from the ``hrv`` package (BSD-3).
"""

import itertools
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import concordlab
from concordlab.io import find_format, read, read_beats_recording, read_recording
from concordlab.io.beats import beats_to_heart_rate
from concordlab.preprocess import heart_rate

from .test_reader_contract import DATA

E4_IBI = DATA / "beats/e4/IBI.csv"
REST_RRI = DATA / "beats/hrv/rest_rri.txt"
RESTING = DATA / "eda-single/neurokit/bio_resting_8min_100hz.csv"


def naive_heart_rate(times, intervals, rate, max_gap=3.0, low=20.0, high=250.0):
    """Grid times and heart rate, one grid point at a time, written without concordlab."""
    pairs = zip(times, intervals, strict=True)
    beats = [(t, 60.0 / d) for t, d in pairs if d == d and low <= 60.0 / d <= high]
    first = int(np.ceil(beats[0][0] * rate - 1e-9))
    last = int(np.floor(beats[-1][0] * rate + 1e-9))
    grid, values = [], []
    for k in range(first, last + 1):
        t = k / rate
        value = float("nan")
        for (t0, h0), (t1, h1) in itertools.pairwise(beats):
            if t == t0:
                value = h0
                break
            if t == t1:
                value = h1
                break
            if t0 < t < t1:
                if t1 - t0 <= max_gap:
                    value = h0 + (h1 - h0) * (t - t0) / (t1 - t0)
                break
        grid.append(t)
        values.append(value)
    return np.array(grid), np.array(values)


def e4_parse(path):
    """Start (Unix s), beat times and intervals of an E4 IBI.csv, parsed with pandas."""
    start = float(path.read_text().splitlines()[0].split(",")[0])
    table = pd.read_csv(path, skiprows=1, header=None)
    return start, table[0].to_numpy(float), table[1].to_numpy(float)


def times_of(channel):
    return channel.offset + np.arange(channel.n_samples) / channel.sampling_rate


def test_e4_ibi_against_a_naive_conversion():
    start, times, intervals = e4_parse(E4_IBI)
    recording = read_beats_recording(E4_IBI)
    hr = recording.channels["hr"]
    grid, expected = naive_heart_rate(times, intervals, 4.0)
    assert recording.start_time == pd.Timestamp(start, unit="s", tz="UTC").isoformat()
    assert (hr.units, hr.sampling_rate, hr.long_name) == ("bpm", 4.0, "heart rate")
    np.testing.assert_allclose(times_of(hr), grid, rtol=0, atol=1e-9)
    np.testing.assert_allclose(hr.values, expected, rtol=1e-12, equal_nan=True)
    assert recording.source["format"] == "beats" and recording.source["kind"] == "e4"
    assert recording.source["n_beats"] == times.size == 570


def test_e4_gaps_are_nan_and_nothing_else():
    _, times, _ = e4_parse(E4_IBI)
    hr = read_beats_recording(E4_IBI).channels["hr"]
    t = times_of(hr)
    after = np.searchsorted(times, t, side="left")
    on_beat = times[np.minimum(after, times.size - 1)] == t
    inside_gap = ~on_beat & (times[after] - times[after - 1] > 3.0)
    assert inside_gap.any() and (~inside_gap).any()
    assert np.isnan(hr.values[inside_gap]).all()
    assert np.isfinite(hr.values[~inside_gap]).all()
    gaps = np.diff(times) > 3.0
    assert read_beats_recording(E4_IBI).source["n_gaps"] == int(gaps.sum())
    # A longer max_gap bridges the shorter gaps only.
    wide = read_beats_recording(E4_IBI, max_gap=10.0).channels["hr"]
    assert np.isnan(wide.values).sum() < np.isnan(hr.values).sum()


def test_rr_intervals_in_ms_against_a_naive_conversion():
    intervals = pd.read_csv(REST_RRI, header=None)[0].to_numpy(float) / 1000
    times = np.cumsum(intervals)
    for rate in (4.0, 2.0, 10.0):
        recording = read_beats_recording(REST_RRI, time_unit="ms", sampling_rate=rate)
        hr = recording.channels["hr"]
        grid, expected = naive_heart_rate(times, intervals, rate)
        np.testing.assert_allclose(times_of(hr), grid, rtol=0, atol=1e-9)
        np.testing.assert_allclose(hr.values, expected, rtol=1e-12)
        assert not np.isnan(hr.values).any()  # a clean resting series: no gap
    assert recording.start_time is None and recording.source["time_unit"] == "ms"


def test_monotone_cubic_matches_neurokit2_interpolation():
    nk = pytest.importorskip("neurokit2")
    intervals = pd.read_csv(REST_RRI, header=None)[0].to_numpy(float) / 1000
    times = np.cumsum(intervals)
    hr = read_beats_recording(REST_RRI, time_unit="ms", method="monotone_cubic").channels["hr"]
    expected = nk.signal_interpolate(times, 60 / intervals, times_of(hr), method="monotone_cubic")
    np.testing.assert_allclose(hr.values, expected, rtol=1e-9)


def test_the_unit_comes_from_the_header_or_the_user_never_a_guess(tmp_path):
    milliseconds = pd.read_csv(REST_RRI, header=None)[0]
    reference = read_beats_recording(REST_RRI, time_unit="ms").channels["hr"].values
    for header, scale in (("RR (ms)", 1), ("RR-interval [ms]", 1), ("rri_s", 1e-3)):
        path = tmp_path / "rr.csv"
        pd.DataFrame({header: milliseconds * scale}).to_csv(path, index=False)
        values = read_beats_recording(path).channels["hr"].values
        np.testing.assert_allclose(values, reference, rtol=1e-12)
    with pytest.raises(concordlab.FileFormatError, match="says its intervals are in s"):
        read_beats_recording(path, time_unit="ms")
    with pytest.raises(concordlab.ValidationError, match="does not say the unit"):
        read_beats_recording(REST_RRI)
    pd.DataFrame({"rri": milliseconds}).to_csv(path, index=False)
    with pytest.raises(concordlab.ValidationError, match="time_unit='ms'"):
        read_beats_recording(path)
    with pytest.raises(concordlab.FileFormatError, match="E4: seconds"):
        read_beats_recording(E4_IBI, time_unit="ms")


def test_a_wrong_unit_is_reported_not_read(tmp_path):
    with pytest.raises(concordlab.FileFormatError, match="median heart rate of 0.056"):
        read_beats_recording(REST_RRI, time_unit="s")
    # Beat times read as intervals give implausible rates too.
    path = tmp_path / "times.csv"
    seconds = np.cumsum(pd.read_csv(REST_RRI, header=None)[0].to_numpy(float)) / 1000
    pd.DataFrame({"beat [s]": seconds}).to_csv(path, index=False)
    with pytest.raises(concordlab.FileFormatError, match="kind='times'"):
        read_beats_recording(path)


def test_beat_times_give_the_same_heart_rate_as_intervals(tmp_path):
    milliseconds = pd.read_csv(REST_RRI, header=None)[0].to_numpy(float)
    beats = np.concatenate(([0.0], np.cumsum(milliseconds)))
    path = tmp_path / "beats.csv"
    pd.DataFrame({"R peak (ms)": beats}).to_csv(path, index=False)
    by_times = read_beats_recording(path, kind="times").channels["hr"]
    by_intervals = read_beats_recording(REST_RRI, time_unit="ms").channels["hr"]
    assert by_times.offset == by_intervals.offset
    np.testing.assert_allclose(by_times.values, by_intervals.values, rtol=1e-9)
    # Unix times set the absolute start.
    unix = 1_700_000_000.25 + beats / 1000
    pd.DataFrame({"time": unix}).to_csv(path, index=False, float_format="%.6f")
    recording = read_beats_recording(path, kind="times", time_unit="s")
    assert recording.start_time == "2023-11-14T22:13:20+00:00"
    assert recording.channels["hr"].offset == pytest.approx(by_times.offset + 0.25, abs=0.25)


def test_implausible_beats_are_left_out_with_a_warning(tmp_path):
    milliseconds = pd.read_csv(REST_RRI, header=None)[0].to_numpy(float)
    milliseconds[100] = 5000.0  # 12 bpm: a long pause, or two missed beats
    milliseconds[200] = 150.0  # 400 bpm: a false detection
    path = tmp_path / "rr.txt"
    pd.Series(milliseconds).to_csv(path, index=False, header=False)
    with pytest.warns(UserWarning, match="2 of 910 beats give a heart rate outside 20-250"):
        recording = read_beats_recording(path, time_unit="ms")
    hr = recording.channels["hr"]
    times = np.cumsum(milliseconds) / 1000
    _, expected = naive_heart_rate(times, milliseconds / 1000, 4.0)
    np.testing.assert_allclose(hr.values, expected, rtol=1e-12, equal_nan=True)
    assert recording.source["n_rejected"] == 2
    assert np.isnan(hr.values).sum() == np.isnan(expected).sum() > 0


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("1680686620.000000, IBI\n", "holds no beats"),
        ("1680686620.000000, IBI\n263.45,0.56\n262.0,0.5\n", "does not come after"),
        ("1680686620.000000, IBI\n263.45,0.56\n264.0,oops\n", "not a number"),
        ("1680686620.000000, IBI\n263.45,0.56\n264.0,-0.5\n", "must be positive"),
        ("1680686620.000000, IBI\n263.45,0.56\n264.0\n", "missing"),
        ("1680686620.000000, IBI\n263.45,0.56,1\n264.0,0.5,1\n", "expected 2"),
        ("1e300, IBI\n263.45,0.56\n264.0,0.5\n", "not a Unix time"),
        ("1680686620.000000, IBI\n263.45,0.56\n", "at least 2"),
    ],
)
def test_damaged_e4_files_are_refused_with_the_row(tmp_path, content, match):
    path = tmp_path / "IBI.csv"
    path.write_text(content)
    with pytest.raises(concordlab.ConcordlabError, match=match):
        read_beats_recording(path)


def test_bad_rr_files_are_refused(tmp_path):
    path = tmp_path / "rr.txt"
    path.write_text("800\n810\n\n820\n")
    assert read_beats_recording(path, time_unit="ms").source["n_beats"] == 3  # blank lines
    path.write_text("rr\n800\nNaN\n820\n")
    with pytest.raises(concordlab.FileFormatError, match="data row 2: the interval is missing"):
        read_beats_recording(path, time_unit="ms")
    path.write_text("a,b\n800,1\n810,2\n")
    with pytest.raises(concordlab.ValidationError, match="column="):
        read_beats_recording(path, time_unit="ms")
    assert read_beats_recording(path, time_unit="ms", column="a").source["n_beats"] == 2
    with pytest.raises(concordlab.ValidationError, match="method"):
        read_beats_recording(REST_RRI, time_unit="ms", method="cubic")
    with pytest.raises(concordlab.ValidationError, match="time_unit"):
        read_beats_recording(REST_RRI, time_unit="min")


def test_the_registry_reads_e4_ibi_and_leaves_ordinary_text_to_csv():
    assert find_format(E4_IBI).name == "beats"
    assert find_format(REST_RRI).name == "csv"  # an ordinary text file stays csv
    assert find_format(RESTING).name == "csv"
    recording = read_recording(REST_RRI, format="beats", time_unit="ms")
    assert recording.source["format"] == "beats" and recording.channel_names == ("hr",)
    session = read([E4_IBI, E4_IBI])
    assert concordlab.channels(session) == ["hr"]
    assert session["hr"]["hr"].attrs["units"] == "bpm"


def test_beats_to_heart_rate_checks_its_arguments():
    with pytest.raises(concordlab.ValidationError, match="strictly increase"):
        beats_to_heart_rate([0.0, 1.0, 1.0, 2.0])
    with pytest.raises(concordlab.ValidationError, match="one interval per beat"):
        beats_to_heart_rate([0.0, 1.0, 2.0], [1.0, 1.0])
    with pytest.raises(concordlab.ValidationError, match="valid_range"):
        beats_to_heart_rate([0.0, 1.0, 2.0], valid_range=(100, 20))


# --------------------------------------------------------------------------- NeuroKit2


def _resting_session(ecg):
    return concordlab.from_arrays({"ecg": [ecg, ecg[::-1].copy()]}, sampling_rate=100)


def test_heart_rate_from_ecg_against_neurokit2_beats_converted_here():
    nk = pytest.importorskip("neurokit2")
    ecg = pd.read_csv(RESTING)["ECG"].to_numpy()
    session = heart_rate(_resting_session(ecg), "ecg")
    hr = session["hr"]["hr"]
    assert hr.attrs["units"] == "bpm" and hr.attrs["sampling_rate"] == 4.0
    assert hr.attrs["history"].startswith("heart_rate(channel='ecg', kind='ecg'")
    time = session["hr"]["time"].values
    for person, signal in enumerate((ecg, ecg[::-1].copy())):
        peaks = nk.ecg_peaks(nk.ecg_clean(signal, sampling_rate=100), sampling_rate=100)[1]
        times = np.asarray(peaks["ECG_R_Peaks"], dtype=float) / 100
        grid, expected = naive_heart_rate(times, np.r_[np.nan, np.diff(times)], 4.0)
        row = hr.values[person]
        at = np.searchsorted(time, grid[0])
        np.testing.assert_allclose(time[at : at + grid.size], grid, atol=1e-9)
        np.testing.assert_allclose(row[at : at + grid.size], expected, rtol=1e-12, equal_nan=True)
        assert np.isnan(row[:at]).all() and np.isnan(row[at + grid.size :]).all()
    # And close to NeuroKit2's own heart rate (which interpolates the period, not the rate).
    rate = nk.ecg_process(ecg, sampling_rate=100)[0]["ECG_Rate"].to_numpy()
    ours = hr.values[0]
    keep = np.isfinite(ours)
    difference = np.abs(ours[keep] - rate[np.rint(time[keep] * 100).astype(int)])
    assert np.median(difference) < 0.5 and np.percentile(difference, 95) < 2.0


def test_heart_rate_leaves_gaps_in_the_ecg_nan():
    pytest.importorskip("neurokit2")
    ecg = pd.read_csv(RESTING)["ECG"].to_numpy()[: 100 * 120].copy()
    ecg[100 * 50 : 100 * 70] = np.nan  # 20 s without signal
    session = heart_rate(_resting_session(ecg), "ecg")
    time = session["hr"]["time"].values
    row = session["hr"]["hr"].values[0]
    assert np.isnan(row[(time > 51.5) & (time < 68.5)]).all()
    assert np.isfinite(row[(time > 5) & (time < 45)]).all()
    assert np.isfinite(row[(time > 75) & (time < 115)]).all()


def test_heart_rate_from_ppg_runs():
    pytest.importorskip("neurokit2")
    import neurokit2 as nk

    ppg = nk.ppg_simulate(duration=60, sampling_rate=100, heart_rate=70, random_state=1)
    session = concordlab.from_arrays({"bvp": [ppg, ppg]}, sampling_rate=100)
    hr = heart_rate(session, "bvp", kind="ppg")["hr"]["hr"].values
    assert abs(np.nanmedian(hr) - 70) < 5


def test_heart_rate_refuses_an_existing_channel_and_bad_options():
    pytest.importorskip("neurokit2")
    session = concordlab.from_arrays({"ecg": np.zeros((2, 1000)), "hr": np.zeros((2, 10))}, 100)
    with pytest.raises(concordlab.ValidationError, match="already in the session"):
        heart_rate(session, "ecg")
    with pytest.raises(concordlab.ValidationError, match="kind"):
        heart_rate(session, "ecg", kind="eeg", new_channel="hr2")


def test_heart_rate_without_neurokit_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "neurokit2", None)
    session = concordlab.from_arrays({"ecg": np.zeros((2, 1000))}, 100)
    with pytest.raises(concordlab.ConcordlabError, match=r"concordlab\[neurokit\]"):
        heart_rate(session, "ecg")
    # Files of beats need no extra.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_beats_recording(E4_IBI).channel_names == ("hr",)


def test_two_rr_files_and_a_polar_style_table_through_read(tmp_path):
    milliseconds = pd.read_csv(REST_RRI, header=None)[0]
    polar = tmp_path / "polar_RR.txt"
    stamps = pd.Timestamp("2024-03-01T09:00:00") + pd.to_timedelta(milliseconds.cumsum(), "ms")
    table = pd.DataFrame({"Phone timestamp": stamps.dt.strftime("%Y-%m-%dT%H:%M:%S.%f")})
    table["RR-interval [ms]"] = milliseconds
    table.to_csv(polar, sep=";", index=False)
    first = read_recording(polar, format="beats", column="RR-interval [ms]")
    second = read_recording(REST_RRI, format="beats", time_unit="ms")
    np.testing.assert_array_equal(first.channels["hr"].values, second.channels["hr"].values)
    session = read([REST_RRI, REST_RRI], format="beats", time_unit="ms")
    assert concordlab.channels(session) == ["hr"] and session["hr"].sizes["time"] > 3000


def test_the_e4_export_hook_gives_the_same_channel():
    from concordlab.io.beats import parse_e4_ibi

    start, times, intervals = parse_e4_ibi(E4_IBI.read_text(), str(E4_IBI))
    zero = start - 10.0  # an export whose other files started 10 s earlier
    on_export_clock = beats_to_heart_rate(times + (start - zero), intervals)
    alone = read_beats_recording(E4_IBI).channels["hr"]
    assert on_export_clock.offset == alone.offset + 10.0
    np.testing.assert_array_equal(on_export_clock.values, alone.values)


def test_an_interval_too_short_to_move_the_beat_time_is_refused_by_row(tmp_path):
    """Found by the fuzzer (2026-12-07): 1e-320 ms is positive, but adds nothing to the sum."""
    path = tmp_path / "rr.txt"
    path.write_text("rri\n500\n1000\n1e-320\n800\n")
    with pytest.raises(concordlab.FileFormatError, match="data row 3: the interval .* too short"):
        read_beats_recording(path, kind="intervals", time_unit="ms")
