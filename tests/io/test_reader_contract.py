"""The reader contract: every reader gives a valid session with one metadata schema."""

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

import concordlab
from concordlab.io import (
    FORMATS,
    Recording,
    find_format,
    pair_recordings,
    read,
    read_bids_physio,
    read_csv,
    read_e4,
    read_recording,
    read_xdf,
)

DATA = Path(__file__).parent.parent / "data"
RMEA = DATA / "rmea-psychotherapy/normal/200_01.txt"
RESTING = DATA / "eda-single/neurokit/bio_resting_8min_100hz.csv"
EVENT = DATA / "eda-single/neurokit/bio_eventrelated_100hz.csv"
BIDS_DATASET = DATA / "bids-examples/synthetic"
ACQ = DATA / "biopac/nojournal-5.0.1-c.acq"
OPENSIGNALS = DATA / "opensignals/eda_slow_signal.txt"
OPENSIGNALS_PAIR = DATA / "opensignals/sync_cable_acoustic.txt"
E4_IBI = DATA / "beats/e4/IBI.csv"
RR_MS = DATA / "beats/hrv/rest_rri.txt"
XDF = DATA / "xdf/dyad_eda.xdf"
SYNCPY = DATA / "syncpy/2Persons_Monovariate_Continuous_data.csv"
POLAR = DATA / "polar-h10/polar_h10_ecg_60s.csv"
T0 = 1495437325


def e4_export(folder: Path, start: float, seconds: int) -> Path:
    folder.mkdir(parents=True)
    rows = "".join(f"{0.5 + 0.01 * (i % 7):.3f}\n" for i in range(4 * seconds))
    (folder / "EDA.csv").write_text(f"{start}\n4.0\n{rows}")
    (folder / "HR.csv").write_text(f"{start + 10}\n1.0\n" + "70\n" * (seconds - 10))
    (folder / "tags.csv").write_text(f"{start + 20}\n")
    return folder


def bids_physio(folder: Path, subject: str, start: float, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"sub-{subject}_task-x_physio"
    sidecar = {"SamplingFrequency": 16, "StartTime": start, "Columns": ["EDA"]}
    stem.with_suffix(".json").write_text(json.dumps(sidecar))
    text = "".join(f"{2 + 0.01 * i}\n" for i in range(n))
    path = Path(f"{stem}.tsv.gz")
    path.write_bytes(gzip.compress(text.encode()))
    return path


@pytest.fixture
def sessions(tmp_path):
    a = e4_export(tmp_path / "e4a", T0, 60)
    b = e4_export(tmp_path / "e4b", T0 + 5, 60)
    p = bids_physio(tmp_path / "bids", "01", 0.0, 320)
    q = bids_physio(tmp_path / "bids", "02", 0.5, 300)
    text = tmp_path / "one.csv"
    text.write_text("EDA\n" + "".join(f"{1 + 0.01 * i}\n" for i in range(200)))
    return {
        "csv one file": read_csv(RMEA, sampling_rate=25, channel="motion"),
        "csv two files": read_csv([RESTING, EVENT], sampling_rate=100, columns="EDA", align="trim"),
        "csv time in ms": read_csv(SYNCPY, time_column="Time (ms)"),
        "csv regularized": read_csv(
            [POLAR, POLAR], 130, time_column="time", time_unit="unix_ns", regularize=True
        ),
        "e4": read_e4(a, b),
        "e4 start": read_e4(a, b, align="start"),
        "bids": read_bids_physio(p, q),
        "bids dataset": read_bids_physio(
            BIDS_DATASET, subjects=("01", "02"), session="01", task="nback", run=1
        ),
        "read csv": read(RMEA, sampling_rate=25, channel="motion"),
        "read e4 pair": read([a, b]),
        "read mixed": read([text, a], sampling_rate=4, columns={"eda": "EDA"}, channels=["eda"]),
        "pair": pair_recordings([read_recording(a), read_recording(b)]),
        "read acq pair": read([ACQ, ACQ], channels=["eda - gsr100c"]),
        "read opensignals pair": read(
            [OPENSIGNALS, OPENSIGNALS], channels=["port3_chn1"], sensors={"port3_chn1": "eda"}
        ),
        "read opensignals one file": read(OPENSIGNALS_PAIR, channels="ch1"),
        "opensignals devices": pair_recordings(
            [
                read_recording(OPENSIGNALS_PAIR, device=device, channels=["ch1"])
                for device in ("00:07:80:4D:2E:AD", "00:07:80:3B:46:58")
            ]
        ),
        "read beats pair": read([E4_IBI, E4_IBI]),
        "beats pseudo-dyad": pair_recordings(
            [read_recording(E4_IBI), read_recording(RR_MS, format="beats", time_unit="ms")],
            align="start",
        ),
        "xdf": read_xdf(XDF, persons={"patient": "EDA_P1", "therapist": "EDA_P2"}),
        "read xdf": read(XDF, persons={"patient": "EDA_P1", "therapist": "*_P2"}),
    }


def test_every_reader_gives_a_valid_session_with_one_metadata_schema(sessions):
    for name, session in sessions.items():
        concordlab.validate_session(session)
        meta = concordlab.metadata(session)
        assert {"reader", "align", "source", "unpaired"} <= set(meta), name
        assert meta["align"] in concordlab.io.ALIGN, name
        persons = concordlab.persons(session)
        assert set(meta["source"]) == set(persons), name
        for person in persons:
            source = meta["source"][person]
            assert isinstance(source, dict), name
            assert isinstance(source["path"], str) and source["format"], name
        assert set(meta["unpaired"]) <= set(persons), name


def test_read_recording_returns_a_recording_for_each_format(tmp_path):
    paths = {
        "csv": (EVENT, {"sampling_rate": 100, "columns": "EDA", "channel": "eda"}),
        "e4": (e4_export(tmp_path / "e4", T0, 30), {}),
        "bids-physio": (bids_physio(tmp_path / "bids", "01", -1.0, 64), {}),
        "acq": (ACQ, {"channels": {"eda": "eda - gsr100c"}}),
        "opensignals": (OPENSIGNALS, {"sensors": {"port3_chn1": "eda"}}),
        "beats": (E4_IBI, {}),
        "xdf": (XDF, {"stream": "EDA_P1"}),
    }
    assert {f.name for f in FORMATS} == set(paths)
    for name, (path, options) in paths.items():
        assert find_format(path).name == name
        recording = read_recording(path, **options)
        assert isinstance(recording, Recording)
        assert recording.source["format"] == name and recording.source["path"] == str(path)
        for channel in recording.channels.values():
            assert channel.values.ndim == 1 and channel.sampling_rate > 0
    # A BIDS dataset folder: the path read is the physio file the entities choose.
    assert find_format(BIDS_DATASET).name == "bids-physio"
    recording = read_recording(BIDS_DATASET, subject="01", task="rest")
    assert isinstance(recording, Recording) and recording.source["format"] == "bids-physio"
    assert recording.source["path"].endswith("sub-01_ses-01_task-rest_physio.tsv.gz")


def test_unpaired_stretch_on_a_clock_is_nan_and_marked(tmp_path):
    a = e4_export(tmp_path / "a", T0, 60)
    b = e4_export(tmp_path / "b", T0 + 5, 60)
    s = read_e4(a, b)
    assert concordlab.metadata(s)["unpaired"] == {
        "patient": [[0.0, 5.0]],
        "therapist": [[60.0, 65.0]],
    }
    assert np.isnan(s["eda"]["eda"].values[1, :20]).all()
    trimmed = read_e4(a, b, align="trim")
    assert concordlab.metadata(trimmed)["unpaired"] == {}
    assert not np.isnan(trimmed["eda"]["eda"].values).any()


def test_a_one_person_path_alone_is_refused(tmp_path):
    with pytest.raises(concordlab.FileFormatError, match="holds one person"):
        read(e4_export(tmp_path / "a", T0, 30))
    with pytest.raises(concordlab.FileFormatError, match="no format concordlab recognises"):
        read_recording(tmp_path)
    with pytest.raises(concordlab.ValidationError, match="Unknown format"):
        read_recording(RMEA, format="no-such-format")
