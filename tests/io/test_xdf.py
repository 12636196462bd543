"""read_xdf / read_xdf_recording against pyxdf itself, on real and writer-made XDF files."""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import concordlab
from concordlab.errors import ConcordlabError, FileFormatError, ValidationError
from concordlab.io import find_format, read, read_recording, read_xdf, read_xdf_recording

pyxdf = pytest.importorskip("pyxdf")

DATA = Path(__file__).parent.parent / "data" / "xdf"
MINIMAL = DATA / "minimal.xdf"  # xdf-modules/example-files
EMPTY = DATA / "empty_streams.xdf"  # xdf-modules/example-files
RESETS = DATA / "clock_resets_excerpt.xdf"  # xdf-modules/example-files, first 698664 bytes
DYAD = DATA / "dyad_eda.xdf"  # LabRecorder's XDFWriter, NeuroKit2's real EDA
PERSONS = {"patient": "EDA_P1", "therapist": "EDA_P2"}


BREAKS = {"jitter_break_threshold_seconds": 0, "jitter_break_threshold_samples": 1.5}


def load(path, **options):
    """pyxdf's own read (clocks synchronised, dejittered with breaks at gaps of 1.5 nominal
    periods, as read_xdf documents), streams by name."""
    streams, header = pyxdf.load_xdf(str(path), **{**BREAKS, **options})
    return {s["info"]["name"][0]: s for s in streams}, header


def zero_of(streams):
    return min(s["time_stamps"][0] for s in streams.values() if len(s["time_stamps"]))


def expected_on_grid(stream, zero, grid, column=0, max_gap=None):
    """pyxdf's samples interpolated at the grid times; NaN between stamps a dropout apart."""
    stamps = stream["time_stamps"] - zero
    values = np.asarray(stream["time_series"], dtype=float)[:, column]
    near = np.clip(grid, stamps[0], stamps[-1])  # a grid point on an end stamp, rounded
    out = np.where(np.abs(near - grid) < 1e-6, np.interp(near, stamps, values), np.nan)
    gap = max_gap if max_gap is not None else 1.5 / float(stream["info"]["nominal_srate"][0])
    for i in np.flatnonzero(np.diff(stamps) > gap):
        out[(grid > stamps[i]) & (grid < stamps[i + 1])] = np.nan
    return out


def test_dyad_values_equal_pyxdf_at_the_grid_points():
    session = read_xdf(DYAD, persons=PERSONS)
    concordlab.validate_session(session)
    streams, _ = load(DYAD)
    zero = zero_of(streams)
    time = session["eda"]["time"].values
    values = session["eda"]["eda"].values
    for row, name in enumerate(PERSONS.values()):
        expected = expected_on_grid(streams[name], zero, time)
        read_nan, pyxdf_nan = np.isnan(values[row]), np.isnan(expected)
        # NaN exactly where pyxdf has no samples (before, after, inside the dropout)
        np.testing.assert_array_equal(read_nan, pyxdf_nan)
        # the values: pyxdf's interpolated within what the two clock fits differ by
        np.testing.assert_allclose(values[row][~read_nan], expected[~pyxdf_nan], atol=2e-3)
        np.testing.assert_allclose(values[row][~read_nan], expected[~pyxdf_nan], rtol=1e-4)


def test_dyad_dropout_is_nan_and_reported():
    session = read_xdf(DYAD, persons=PERSONS)
    meta = concordlab.metadata(session)
    streams = meta["source"]["therapist"]["streams"]
    (dropout,) = streams["EDA_P2"]["dropouts"]
    assert meta["source"]["patient"]["streams"]["EDA_P1"]["dropouts"] == []
    # pyxdf's own stamps around the gap (the writer left out 30.0-31.5 s of person 2)
    stamps = load(DYAD)[0]["EDA_P2"]["time_stamps"] - zero_of(load(DYAD)[0])
    at = int(np.argmax(np.diff(stamps)))
    assert dropout == pytest.approx([stamps[at], stamps[at + 1]], abs=1e-3)
    time = session["eda"]["time"].values
    therapist = session["eda"]["eda"].values[1]
    inside = (time > dropout[0]) & (time < dropout[1])
    assert inside.sum() in (30, 31) and np.isnan(therapist[inside]).all()
    covered = (time >= stamps[0]) & (time <= stamps[-1]) & ~inside
    assert not np.isnan(therapist[covered]).any()


def test_clock_offsets_are_applied():
    raw, _ = load(DYAD, synchronize_clocks=False, dejitter_timestamps=False)
    synced, _ = load(DYAD)
    # the two devices' own clocks are 4000 s apart; on the recorder's clock, 0.7 s
    assert raw["EDA_P2"]["time_stamps"][0] - raw["EDA_P1"]["time_stamps"][0] > 3900
    apart = synced["EDA_P2"]["time_stamps"][0] - synced["EDA_P1"]["time_stamps"][0]
    assert apart == pytest.approx(0.7, abs=0.01)
    session = read_xdf(DYAD, persons=PERSONS)
    values = session["eda"]["eda"].values
    time = session["eda"]["time"].values
    first = [time[np.flatnonzero(~np.isnan(v))[0]] for v in values]
    assert first[1] - first[0] == pytest.approx(apart, abs=0.05 + 1e-9)
    # the fitted clock rates: each device's drift, measured on the recorder's clock
    meta = concordlab.metadata(session)["source"]
    for person, name in PERSONS.items():
        stream = meta[person]["streams"][name]
        assert stream["clock_offsets"] == 30 and stream["clock_segments"] == 1
        effective = synced[name]["info"]["effective_srate"]
        assert stream["clock_rate"] == pytest.approx(effective, rel=1e-5)


def test_markers_become_segments_of_their_person_or_both():
    session = read_xdf(DYAD, persons={"patient": "EDA_P1", "therapist": "*_P2"})
    table = concordlab.segments(session)
    streams, _ = load(DYAD)
    zero = zero_of(streams)
    buttons = table[table["label"] == "button"]
    assert (buttons["person"] == "therapist").all()
    np.testing.assert_allclose(buttons["start"], streams["Buttons_P2"]["time_stamps"] - zero)
    shared = table[table["note"].str.contains("SessionMarkers")]
    assert shared["label"].tolist() == [s[0] for s in streams["SessionMarkers"]["time_series"]]
    assert (shared["person"] == "both").all()
    np.testing.assert_allclose(shared["start"], streams["SessionMarkers"]["time_stamps"] - zero)
    np.testing.assert_allclose(shared["end"] - shared["start"], 1.0)
    meta = concordlab.metadata(session)
    assert meta["streams_not_read"] == ["RR_P1"]
    quiet = read_xdf(DYAD, persons=PERSONS, marker_duration=None)
    assert concordlab.segments(quiet).empty  # one clock: no "unpaired" segments either


def test_units_from_the_file_else_unknown_else_given():
    session = read_xdf(DYAD, persons=PERSONS)
    assert session["eda"]["eda"].attrs["units"] == "microsiemens"
    recording = read_xdf_recording(MINIMAL, "SendDataC")
    assert {c.units for c in recording.channels.values()} == {""}
    given = read_xdf_recording(MINIMAL, "SendDataC", units={"eeg_1": "uV"})
    assert given.channels["eeg_1"].units == "uV" and given.channels["eeg_2"].units == ""
    with pytest.raises(FileFormatError, match="the file says its unit is 'microsiemens'"):
        read_xdf_recording(DYAD, "EDA_P1", units="uS")


def test_minimal_file_values_and_markers_equal_pyxdf():
    recording = read_xdf_recording(MINIMAL, "SendDataC", person="patient")
    streams, _ = load(MINIMAL)
    zero = zero_of(streams)
    assert recording.person == "patient" and recording.start_time is None
    assert recording.channel_names == ("eeg_1", "eeg_2", "eeg_3")
    for column, channel in enumerate(recording.channels.values()):
        assert channel.sampling_rate == 10.0
        grid = channel.offset + np.arange(channel.n_samples) / channel.sampling_rate
        expected = expected_on_grid(streams["SendDataC"], zero, grid, column)
        np.testing.assert_allclose(channel.values, expected, atol=1e-9)
    marks = streams["SendDataString"]
    assert [m.label for m in recording.markers] == [s[0] for s in marks["time_series"]]
    np.testing.assert_allclose([m.onset for m in recording.markers], marks["time_stamps"] - zero)


def test_channel_labels_name_channels_and_header_datetime_is_kept():
    recording = read_xdf_recording(EMPTY)  # the only numeric stream with samples
    streams, header = load(EMPTY)
    assert recording.channel_names == ("ch:00",)
    channel = recording.channels["ch:00"]
    expected = np.asarray(streams["Data stream: test stream 0 counter"]["time_series"])[:, 0]
    # the device ran 0.8 ppm slow: its tenth sample lies just after the grid's tenth point
    assert channel.n_samples == 9
    np.testing.assert_allclose(channel.values, expected[:9], atol=1e-4)
    assert recording.source["file_datetime"] == "2025-01-31T00:21:17+00:00"
    assert header["info"]["datetime"] == ["2025-01-31T00:21:17+0000"]
    assert recording.start_time is None
    assert [m.label for m in recording.markers] == ['{"state": 2}']


def test_real_file_with_a_clock_reset_and_a_wrong_nominal_rate():
    with pytest.raises(FileFormatError, match=r"run at 9[23]\.\d+ Hz but the stream declares"):
        read_xdf_recording(RESETS, "BioSemi", max_gap=1.0)
    with pytest.raises(FileFormatError, match="max_gap=1.0"):
        read_xdf_recording(RESETS, "BioSemi", sampling_rate=100)
    recording = read_xdf_recording(RESETS, "BioSemi", sampling_rate=100, max_gap=1.0)
    streams, _ = load(RESETS, jitter_break_threshold_seconds=1.0, jitter_break_threshold_samples=0)
    stream = recording.source["streams"]["BioSemi"]
    assert stream["clock_segments"] == 2 and len(stream["dropouts"]) == 1
    assert stream["clock_rate"] == pytest.approx(streams["BioSemi"]["info"]["effective_srate"])
    zero = zero_of(streams)
    for column in (0, 7):
        channel = recording.channels[f"eeg_{column + 1}"]
        grid = channel.offset + np.arange(channel.n_samples) / 100.0
        expected = expected_on_grid(streams["BioSemi"], zero, grid, column, max_gap=1.0)
        np.testing.assert_array_equal(np.isnan(channel.values), np.isnan(expected))
        both = ~np.isnan(expected)
        np.testing.assert_allclose(channel.values[both], expected[both], atol=1e-5)


def test_persons_must_be_said_and_a_suggestion_is_offered():
    with pytest.raises(FileFormatError) as caught:
        read_xdf(DYAD)
    message = str(caught.value)
    assert "'EDA_P1' (EDA, 1 float32 channel(s), 20 Hz, 1200 samples)" in message
    assert "persons={'P1': 'EDA_P1', 'P2': 'EDA_P2'}" in message
    with pytest.raises(FileFormatError, match="no stream named 'EDA_P3'"):
        read_xdf(DYAD, persons={"patient": "EDA_P1", "therapist": "EDA_P3"})
    with pytest.raises(ValidationError, match="matches both"):
        read_xdf(DYAD, persons={"patient": "EDA_*", "therapist": "EDA_P2"})
    with pytest.raises(FileFormatError, match="hold only markers"):
        read_xdf(DYAD, persons={"patient": "EDA_P1", "therapist": "Buttons_P2"})
    with pytest.raises(ValidationError, match="persons must map"):
        read_xdf(DYAD, persons=["EDA_P1", "EDA_P2"])
    with pytest.raises(ValidationError, match="one XDF file holding both"):
        read_xdf([DYAD, DYAD], persons=PERSONS)


def test_irregular_numeric_and_empty_streams_are_refused():
    with pytest.raises(FileFormatError, match="irregular rate"):
        read_xdf(DYAD, persons={"patient": "*_P1", "therapist": "EDA_P2"})
    with pytest.raises(FileFormatError, match="holds 0 sample"):
        read_xdf_recording(EMPTY, "Empty data stream*")
    with pytest.raises(FileFormatError, match="holds text"):
        read_xdf_recording(MINIMAL, "SendDataString")
    with pytest.raises(FileFormatError, match="say which"):
        read_xdf_recording(DYAD)


def test_a_chosen_rate_and_options():
    session = read_xdf(DYAD, persons=PERSONS, sampling_rate=4, align="trim", start_time="")
    assert session["eda"]["eda"].attrs["sampling_rate"] == 4.0
    streams, _ = load(DYAD)
    time = session["eda"]["time"].values
    expected = expected_on_grid(streams["EDA_P1"], zero_of(streams), time)
    np.testing.assert_allclose(session["eda"]["eda"].values[0], expected, atol=2e-3)
    given = read_xdf(DYAD, persons=PERSONS, start_time="2024-03-01T09:00:00+00:00")
    assert given.attrs["start_time"] == "2024-03-01T09:00:00+00:00"
    with pytest.raises(ValidationError, match="max_gap"):
        read_xdf(DYAD, persons=PERSONS, max_gap=0)
    with pytest.raises(ValidationError, match="marker_duration"):
        read_xdf(DYAD, persons=PERSONS, marker_duration=-1)
    with pytest.raises(ValidationError, match="sampling_rate"):
        read_xdf(DYAD, persons=PERSONS, sampling_rate="fast")


def test_marker_streams_and_channels_of_one_recording_are_chosen():
    recording = read_xdf_recording(DYAD, "EDA_P2", markers="Buttons_*", channels="eda")
    assert [m.label for m in recording.markers] == ["button", "button"]
    everything = read_xdf_recording(DYAD, "EDA_P2")
    assert len(everything.markers) == 5  # the session's three and the two buttons
    assert read_xdf_recording(DYAD, "EDA_P2", marker_duration=None).markers == ()
    with pytest.raises(FileFormatError, match="marker streams hold text"):
        read_xdf_recording(DYAD, "EDA_P2", markers="EDA_P1")
    with pytest.raises(ValidationError, match="channels"):
        read_xdf_recording(DYAD, "EDA_P2", channels="hr")


def test_a_session_read_from_xdf_saves_and_loads_unchanged(tmp_path):
    session = read_xdf(DYAD, persons={"patient": "EDA_P1", "therapist": "*_P2"})
    concordlab.save(session, tmp_path / "dyad.nc")
    assert concordlab.load(tmp_path / "dyad.nc").identical(session)


def test_through_the_format_registry():
    assert find_format(DYAD).name == "xdf"
    session = read(DYAD, persons=PERSONS)
    assert concordlab.metadata(session)["reader"] == "read_xdf"
    recording = read_recording(DYAD, stream="EDA_P2", person="therapist")
    assert recording.source["format"] == "xdf" and recording.channel_names == ("eda",)


def test_garbage_and_missing_files_are_file_format_errors(tmp_path):
    for data in (b"", b"XDF:", b"not an xdf file at all", b"XDF:" + bytes(range(256)) * 4):
        path = tmp_path / "bad.xdf"
        path.write_bytes(data)
        with pytest.raises(FileFormatError), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # what pyxdf skipped, said too
            read_xdf_recording(path)
    with pytest.raises(FileFormatError, match="missing"):
        read_xdf_recording(tmp_path / "none.xdf")
    truncated = tmp_path / "cut.xdf"
    truncated.write_bytes(DYAD.read_bytes()[:300])
    with pytest.raises(FileFormatError):
        read_xdf(truncated, persons=PERSONS)


def test_damage_pyxdf_skips_is_a_warning_and_a_clean_file_says_nothing(tmp_path):
    cut = tmp_path / "cut.xdf"
    cut.write_bytes(DYAD.read_bytes()[:20000])  # a recording that stopped mid-chunk
    with pytest.warns(UserWarning, match="cut.xdf': pyxdf reports found likely XDF file"):
        session = read_xdf(cut, persons=PERSONS)
    assert session["eda"].sizes["time"] < 1200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_xdf(DYAD, persons=PERSONS)
        read_xdf_recording(MINIMAL, "SendDataC")


def test_without_pyxdf_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyxdf", None)
    with pytest.raises(ConcordlabError, match=r'pip install "concordlab\[xdf\]"'):
        read_xdf(DYAD, persons=PERSONS)
