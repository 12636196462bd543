"""Biopac AcqKnowledge .acq files: read_acq_recording against bioread's own read."""

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import concordlab
from concordlab.io import find_format, pair_recordings, read, read_recording
from concordlab.io.acq import read_acq_recording

bioread = pytest.importorskip("bioread")

DATA = Path(__file__).parent.parent / "data" / "biopac"
THREE_RATES = DATA / "nojournal-5.0.1-c.acq"  # AcqKnowledge 5.0.1, compressed, 3 rates
SEGMENTS = DATA / "r42_test.acq"  # file revision 42, two appended segments
TWIN_NAMES = DATA / "r35_test.acq"  # two channels both named 'Analog input', 7 markers


@pytest.mark.parametrize("path", [THREE_RATES, SEGMENTS])
def test_values_rates_units_and_names_equal_bioreads_own_read(path):
    expected = bioread.read(str(path))
    recording = read_acq_recording(path)
    assert len(recording.channels) == len(expected.channels)
    for (name, channel), theirs in zip(recording.channels.items(), expected.channels, strict=True):
        assert name == theirs.name.strip().lower()
        assert channel.long_name == theirs.name
        assert channel.units == theirs.units
        assert channel.sampling_rate == theirs.samples_per_second
        assert channel.offset == 0.0
        np.testing.assert_array_equal(channel.values, np.asarray(theirs.data, dtype=float))
    assert recording.source["format"] == "acq" and recording.source["path"] == str(path)


def test_channels_keep_their_own_rates():
    recording = read_acq_recording(THREE_RATES)
    rates = {name: c.sampling_rate for name, c in recording.channels.items()}
    assert rates == {"ekg - ers100c": 1000.0, "resp - rsp100c": 3.90625, "eda - gsr100c": 2000.0}
    spans = [c.end for c in recording.channels.values()]
    assert max(spans) - min(spans) < 1 / 3.90625  # the same recording, one coarse sample apart


def test_start_time_is_the_append_marker_at_sample_zero():
    expected = bioread.read(str(THREE_RATES))
    first = expected.event_markers[0]
    assert first.type_code == "apnd" and first.sample_index == 0
    recording = read_acq_recording(THREE_RATES)
    assert recording.start_time == first.date_created_utc.isoformat()
    assert recording.markers[0].label == "Segment 1" and recording.markers[0].onset == 0.0
    assert recording.markers[0].duration == 1.0
    assert read_acq_recording(THREE_RATES, marker_duration=None).markers == ()
    with pytest.raises(concordlab.ValidationError, match="marker_duration"):
        read_acq_recording(THREE_RATES, marker_duration=0)


def test_a_file_without_a_dated_start_has_no_start_time_and_keeps_segments():
    recording = read_acq_recording(SEGMENTS)
    assert recording.start_time is None
    expected = bioread.read(str(SEGMENTS))
    onsets = [m.sample_index / expected.samples_per_second for m in expected.event_markers]
    assert [m.onset for m in recording.markers] == onsets
    assert [m.label for m in recording.markers] == ["Segment 1", "Segment 2"]


def test_twin_names_are_refused_until_renamed_and_markers_are_read():
    with pytest.raises(concordlab.FileFormatError, match=r"several series.*positions: \[0, 1\]"):
        read_acq_recording(TWIN_NAMES)
    recording = read_acq_recording(TWIN_NAMES, channels={"left": 0, "right": 1})
    expected = bioread.read(str(TWIN_NAMES))
    np.testing.assert_array_equal(recording.channels["right"].values, expected.channels[1].data)
    texts = [m.text.strip() or "marker" for m in expected.event_markers]
    assert [m.label for m in recording.markers] == texts
    assert recording.markers[1].onset == expected.event_markers[1].sample_index / 100.0


def test_channels_selects_and_renames():
    recording = read_acq_recording(THREE_RATES, channels={"eda": "EDA - GSR100C"})
    assert recording.channel_names == ("eda",)
    assert recording.channels["eda"].units == "microsiemens"
    assert read_acq_recording(THREE_RATES, channels="eda - gsr100c").channel_names == (
        "eda - gsr100c",
    )
    with pytest.raises(concordlab.ValidationError, match="unknown channel"):
        read_acq_recording(THREE_RATES, channels=["eda"])


def test_misread_markers_are_not_read_and_said(monkeypatch, tmp_path):
    """bioread misplaces markers of some compressed files (sample index beyond the data)."""
    real = bioread.read

    def shifted(path, channel_indexes=None):
        datafile = real(path, channel_indexes)
        marker = datafile.event_markers[0]
        datafile.event_markers = [
            marker,
            SimpleNamespace(**{**vars(marker), "sample_index": 2**32 - 5}),
        ]
        return datafile

    monkeypatch.setattr(bioread, "read", shifted)
    with pytest.warns(UserWarning, match="markers were misread; none of its 2 markers"):
        recording = read_acq_recording(THREE_RATES)
    assert recording.markers == () and recording.start_time is None
    assert len(recording.source["markers_not_read"]) == 2


def test_the_registry_reads_acq_and_pairs_two_people():
    assert find_format(THREE_RATES).name == "acq"
    recording = read_recording(THREE_RATES, channels={"eda": "eda - gsr100c"}, person="a")
    assert recording.person == "a" and recording.source["format"] == "acq"
    other = read_recording(SEGMENTS, channels={"eda": "eda (0 - 35 hz)"})
    with pytest.raises(concordlab.FileFormatError, match="2000 Hz but 1000 Hz"):
        pair_recordings([recording, other], align="start")
    session = pair_recordings([recording, recording.with_person("b")])
    concordlab.validate_session(session)
    both = read([THREE_RATES, THREE_RATES], channels=["eda - gsr100c"])
    concordlab.validate_session(both)


def test_garbage_and_missing_files_give_a_file_format_error(tmp_path):
    for data in (b"", b"\x00" * 64, bytes(range(256)) * 4, THREE_RATES.read_bytes()[:3000]):
        path = tmp_path / "bad.acq"
        path.write_bytes(data)
        with pytest.raises(concordlab.FileFormatError, match="AcqKnowledge file"):
            read_acq_recording(path)
    with pytest.raises(concordlab.FileFormatError, match="does not exist"):
        read_acq_recording(tmp_path / "missing.acq")
    with pytest.raises(concordlab.FileFormatError, match="folder"):
        read_acq_recording(tmp_path)


def test_without_bioread_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "bioread", None)
    with pytest.raises(concordlab.ConcordlabError, match=r'pip install "concordlab\[acq\]"'):
        read_acq_recording(THREE_RATES)
