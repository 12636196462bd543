"""OpenSignals (BITalino, biosignalsplux) text exports, against an independent parse."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import concordlab
from concordlab.io import find_format, pair_recordings, read, read_recording
from concordlab.io.opensignals import read_opensignals, read_opensignals_recording

DATA = Path(__file__).parent.parent / "data" / "opensignals"
BITALINO_EDA = DATA / "eda_hot_surface.txt"  # BITalino (r)evolution, EDA on A3, 10 bits
PLUX_EDA = DATA / "eda_slow_signal.txt"  # biosignalsplux hub ("channeller"), EDA, 16 bits
PLUX_ECG = DATA / "ecg_sample.txt"  # biosignalsplux, ECG on CH1, 16 bits
TWO_DEVICES = DATA / "sync_cable_acoustic.txt"  # two biosignalsplux side by side


def independent(path):
    """The header's JSON and the rows, parsed with json and pandas (not concordlab)."""
    with open(path, encoding="utf-8") as handle:
        handle.readline()
        header = json.loads(handle.readline()[1:])
    rows = pd.read_csv(path, comment="#", sep="\t", header=None)
    return header, rows


@pytest.mark.parametrize("path", [BITALINO_EDA, PLUX_EDA, PLUX_ECG])
def test_raw_values_rate_and_start_equal_an_independent_parse(path):
    header, rows = independent(path)
    (device,) = header.values()
    recording = read_opensignals_recording(path)
    columns = device["column"]
    assert list(recording.channel_names) == [c.lower() for c in columns[1:]]
    assert len(rows) == recording.channels[columns[1].lower()].n_samples  # no row lost
    for i, column in enumerate(columns[1:], start=1):
        channel = recording.channels[column.lower()]
        np.testing.assert_array_equal(channel.values, rows[i].to_numpy(dtype=float))
        assert channel.sampling_rate == device["sampling rate"]
        assert channel.units == ""  # raw ADC counts: the unit is unknown until converted
    assert rows[len(columns)].isna().all()  # the trailing tab's empty cell, nothing more
    year, month, day = map(int, device["date"].split("-"))
    clock, millis = device["time"].split(".")
    hour, minute, second = map(int, clock.split(":"))
    expected = pd.Timestamp(year, month, day, hour, minute, second) + pd.Timedelta(
        milliseconds=int(millis)
    )
    assert pd.Timestamp(recording.start_time) == expected
    assert recording.markers == ()


def test_bitalino_eda_in_microsiemens_through_the_datasheet_formula():
    header, rows = independent(BITALINO_EDA)
    (device,) = header.values()
    bits = device["resolution"][device["column"].index("A3")]
    assert bits == 10 and device["device"] == "bitalino_rev"
    # BITalino (r)evolution EDA: EDA[uS] = ((ADC / 2^n) * VCC) / 0.132, VCC 3.3 V (PLUX's
    # raw_to_phy; the BITalino EDA manual's range, 0-25 uS at 3.3 V, is this full scale)
    expected = rows[5].to_numpy(dtype=float) / 2**bits * 3.3 / 0.132
    recording = read_opensignals_recording(
        BITALINO_EDA, channels={"eda": "A3"}, sensors={"A3": "eda"}
    )
    np.testing.assert_allclose(recording.channels["eda"].values, expected, rtol=1e-12)
    assert recording.channels["eda"].units == "uS"
    assert recording.source["converted"] == {"eda": "eda"}


def test_biosignalsplux_eda_and_ecg_through_their_formulas():
    _, rows = independent(PLUX_EDA)
    # biosignalsplux EDA (PLUX's raw_to_phy): EDA[uS] = (ADC / 2^n * VCC) / 0.12, VCC 3 V
    expected = rows[2].to_numpy(dtype=float) / 65536 * 3.0 / 0.12
    eda = read_opensignals_recording(PLUX_EDA, sensors={"port3_chn1": "EDA"})
    np.testing.assert_allclose(eda.channels["port3_chn1"].values, expected, rtol=1e-12)
    _, rows = independent(PLUX_ECG)
    # biosignalsplux ECG (PLUX's raw_to_phy): ECG[mV] = (ADC / 2^n - 1/2) * VCC / 1019 * 1000
    expected = (rows[2].to_numpy(dtype=float) / 65536 - 0.5) * 3.0 / 1019 * 1000
    ecg = read_opensignals_recording(PLUX_ECG, channels={"ecg": "CH1"}, sensors={"CH1": "ecg"})
    np.testing.assert_allclose(ecg.channels["ecg"].values, expected, rtol=1e-12)
    assert ecg.channels["ecg"].units == "mV"


def test_two_devices_one_file_each_read_as_a_person():
    header, rows = independent(TWO_DEVICES)
    with pytest.raises(concordlab.ValidationError, match="holds 2 devices"):
        read_opensignals_recording(TWO_DEVICES)
    first, second = header  # in the order of their "position"
    a = read_opensignals_recording(TWO_DEVICES, device=first, channels=["ch1"])
    b = read_opensignals_recording(TWO_DEVICES, device=second, channels=["ch1"], person="b")
    np.testing.assert_array_equal(a.channels["ch1"].values, rows[2].to_numpy(dtype=float))
    np.testing.assert_array_equal(b.channels["ch1"].values, rows[5].to_numpy(dtype=float))
    session = pair_recordings([a, b])
    concordlab.validate_session(session)
    assert concordlab.metadata(session)["source"]["therapist"]["device"] == second


def test_one_file_of_two_devices_is_a_dyad():
    header, rows = independent(TWO_DEVICES)
    first, second = header
    session = read(TWO_DEVICES, channels=["ch1"])  # one path: the file holds both persons
    concordlab.validate_session(session)
    values = session["ch1"]["ch1"].values
    np.testing.assert_array_equal(values[0], rows[2].to_numpy(dtype=float))
    np.testing.assert_array_equal(values[1], rows[5].to_numpy(dtype=float))
    meta = concordlab.metadata(session)
    assert meta["reader"] == "read_opensignals" and meta["unpaired"] == {}
    assert [meta["source"][p]["device"] for p in ("patient", "therapist")] == [first, second]
    swapped = read_opensignals(TWO_DEVICES, devices=[second, first], channels="ch1")
    np.testing.assert_array_equal(swapped["ch1"]["ch1"].values[0], values[1])
    with pytest.raises(concordlab.ValidationError, match="holds 1 device"):
        read(PLUX_EDA)  # one file of one device is one person


def _write(path, header, rows):
    lines = ["# OpenSignals Text File Format", "# " + json.dumps(header), "# EndOfHeader"]
    path.write_text("\n".join(lines + ["\t".join(map(str, r)) + "\t" for r in rows]) + "\n")
    return path


def _bitalino_header():
    text = BITALINO_EDA.read_text().splitlines()[1]
    return json.loads(text[1:])


def test_lost_samples_are_nan_and_later_samples_keep_their_times(tmp_path):
    header = _bitalino_header()
    counters = [0, 1, 2, 5, 6, 15, 0, 3]  # lost: 3, 4 and 1, 2 (after the wrap at 15)
    rows = [[n, 0, 0, 0, 0, 400 + i] for i, n in enumerate(counters)]
    recording = read_opensignals_recording(_write(tmp_path / "x.txt", header, rows))
    values = recording.channels["a3"].values
    expected = [400, 401, 402, nan, nan, 403, 404] + [nan] * 8 + [405, 406, nan, nan, 407]
    np.testing.assert_array_equal(values, np.array(expected, dtype=float))
    assert recording.source["lost_samples"] == 12


nan = float("nan")


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([[0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 2]], "row 2: holds 5 cells, fewer"),
        ([[0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 2, 7]], "row 2: holds 7 cells, more"),
        ([[0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, "x"]], "'A3', data row 2: 'x' is not a number"),
    ],
)
def test_rows_that_do_not_fit_the_header_are_refused(tmp_path, rows, match):
    with pytest.raises(concordlab.FileFormatError, match=match):
        read_opensignals_recording(_write(tmp_path / "x.txt", _bitalino_header(), rows))


def test_a_row_without_its_trailing_tab_is_still_read(tmp_path):
    path = _write(tmp_path / "x.txt", _bitalino_header(), [[0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 2]])
    path.write_text(path.read_text().replace("2\t\n", "2\n"))
    np.testing.assert_array_equal(read_opensignals_recording(path).channels["a3"].values, [1, 2])


def test_sensors_without_a_documented_function_are_refused(tmp_path):
    with pytest.raises(concordlab.ValidationError, match="converts"):
        read_opensignals_recording(BITALINO_EDA, sensors={"A3": "emg"})
    with pytest.raises(concordlab.ValidationError, match="not a channel read"):
        read_opensignals_recording(BITALINO_EDA, sensors={"A1": "eda"})
    with pytest.raises(concordlab.ValidationError, match="'I1' is a digital channel"):
        read_opensignals_recording(BITALINO_EDA, sensors={"I1": "eda"})
    with pytest.warns(UserWarning, match="header says channel 'CH1' records 'ECG'"):
        read_opensignals_recording(PLUX_ECG, sensors={"CH1": "eda"})
    header = _bitalino_header()
    (entry,) = header.values()
    entry["device"] = "mystery"
    path = _write(tmp_path / "x.txt", header, [[0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 2]])
    with pytest.raises(concordlab.ValidationError, match="no documented EDA transfer function"):
        read_opensignals_recording(path, sensors={"A3": "eda"})
    entry["device"], entry["convertedValues"] = "bitalino_rev", 1
    path = _write(tmp_path / "y.txt", header, [[0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 2]])
    with pytest.raises(concordlab.ValidationError, match="already converted"):
        read_opensignals_recording(path, sensors={"A3": "eda"})
    assert "converted by OpenSignals" in read_opensignals_recording(path).channels["a3"].long_name


def test_the_registry_sniffs_opensignals_before_csv_and_pairs_two_people(tmp_path):
    assert find_format(BITALINO_EDA).name == "opensignals"
    renamed = tmp_path / "export.csv"
    renamed.write_bytes(PLUX_EDA.read_bytes())
    assert find_format(renamed).name == "opensignals"  # by its first line, whatever the suffix
    a = read_recording(PLUX_EDA, channels={"eda": "PORT3_CHN1"}, sensors={"eda": "eda"})
    assert a.source["format"] == "opensignals" and a.channels["eda"].units == "uS"
    session = read([PLUX_EDA, PLUX_EDA], channels=["port3_chn1"], align="start")
    concordlab.validate_session(session)


def test_bad_headers_give_a_file_format_error(tmp_path):
    path = tmp_path / "x.txt"
    good = BITALINO_EDA.read_text().splitlines()
    for lines, match in [
        (["# OpenSignals Text File Format", "# {", "# EndOfHeader", "0\t1\t"], "not valid JSON"),
        (good[:2] + good[3:], "no '# EndOfHeader'"),
        (good[:3], "no data rows"),
        (["# OpenSignals Text File Format", "# {}", "# EndOfHeader", "0\t"], "an object"),
        (["# Other", good[1], good[2], "0\t"], "not an OpenSignals"),
    ]:
        path.write_text("\n".join(lines) + "\n")
        with pytest.raises(concordlab.FileFormatError, match=match):
            read_opensignals_recording(path)
