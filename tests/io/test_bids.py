"""BIDS physio and events readers/writer: a two-subject dataset written here, the inheritance
principle on the specification's examples, and real bids-examples datasets read against pandas."""

import gzip
import json
import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import concordlab
from concordlab import ConcordlabError, FileFormatError, SegmentError, ValidationError

EVENTS = (
    "onset\tduration\ttrial_type\tperson\tnote\tresponse_time\n"
    "0.0\t60.0\tintro\tn/a\tgreeting\tn/a\n"
    "62.5\t0\tbutton\tpatient\tn/a\t0.4\n"
    "75.25\t24.75\ttherapist talks\ttherapist\tn/a\tn/a\n"
    "100.0\tn/a\tmarker\tn/a\tn/a\tn/a\n"
    "110.0\t8.0\tsilence\tboth\tlong pause, eyes down\tn/a\n"
)

SUPPRESS = [HealthCheck.function_scoped_fixture]


def physio(folder: Path, stem: str, rate, start, columns, values, units=None, header=False):
    """Write ``<stem>_physio.tsv.gz`` and its sidecar; ``values`` is (n_samples, n_columns)."""
    folder.mkdir(parents=True, exist_ok=True)
    sidecar = {"SamplingFrequency": rate, "StartTime": start, "Columns": columns}
    for column, unit in (units or {}).items():
        sidecar[column] = {"Units": unit, "Description": f"{column} of {stem[:6]}"}
    (folder / f"{stem}_physio.json").write_text(json.dumps(sidecar, indent=2))
    lines = ["\t".join(columns)] if header else []
    lines += ["\t".join("n/a" if np.isnan(v) else repr(float(v)) for v in row) for row in values]
    path = folder / f"{stem}_physio.tsv.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return path


def subject(root: Path, sub: str, start: float, seconds: float, seed: int) -> dict:
    """One person: EDA at 16 Hz and cardiac/respiratory/trigger at 128 Hz, as BIDS physio."""
    rng = np.random.default_rng(seed)
    folder = root / f"sub-{sub}" / "beh"
    n16, n128 = int(seconds * 16), int(seconds * 128)
    eda = np.round(2.0 + 0.5 * np.sin(np.arange(n16) / 200) + 0.01 * rng.standard_normal(n16), 5)
    t = np.arange(n128) / 128
    cardiac = np.round(np.sin(2 * np.pi * 1.1 * t) ** 15 + 0.02 * rng.standard_normal(n128), 5)
    resp = np.round(np.sin(2 * np.pi * 0.25 * t), 5)
    trigger = (np.arange(n128) % 1280 == 0).astype(float)
    cardiac[300:310] = np.nan  # electrode contact lost: n/a in the file
    prefix = f"sub-{sub}_task-therapy"
    files = [
        physio(folder, f"{prefix}_recording-eda", 16, start, ["EDA"], eda[:, None], {"EDA": "uS"}),
        physio(
            folder,
            f"{prefix}_recording-cardiac",
            128.0,
            start,
            ["cardiac", "respiratory", "trigger"],
            np.column_stack([cardiac, resp, trigger]),
            {"cardiac": "mV"},
        ),
    ]
    return {"files": files, "eda": eda, "cardiac": cardiac, "respiratory": resp, "trigger": trigger}


@pytest.fixture
def dataset(tmp_path):
    """Patient (sub-01) from -2.0 s for 150 s, therapist (sub-02) from -1.5 s for 149 s."""
    patient = subject(tmp_path, "01", -2.0, 150, seed=1)
    therapist = subject(tmp_path, "02", -1.5, 149, seed=2)
    events = tmp_path / "sub-01" / "beh" / "sub-01_task-therapy_events.tsv"
    events.write_text(EVENTS)
    return patient, therapist, events


def test_values_units_and_alignment(dataset):
    patient, therapist, _ = dataset
    s = concordlab.read_bids_physio(patient["files"], therapist["files"], events=False)
    concordlab.validate_session(s)
    assert concordlab.channels(s) == ["eda", "cardiac", "respiratory", "trigger"]
    assert s.attrs["session_id"] == "sub-01_task-therapy+sub-02_task-therapy"
    assert s.attrs["start_time"] == ""
    eda = s["eda"]
    assert eda["time"].values[0] == -2.0  # time zero is the events' zero
    assert eda["eda"].attrs["units"] == "uS" and eda["eda"].attrs["sampling_rate"] == 16.0
    assert eda["eda"].attrs["long_name"] == "EDA of sub-01"
    # The therapist starts 0.5 s (8 samples at 16 Hz) later and ends 0.5 s earlier.
    assert eda.sizes["time"] == 150 * 16
    np.testing.assert_array_equal(eda["eda"].values[0], patient["eda"])
    assert np.isnan(eda["eda"].values[1, :8]).all() and np.isnan(eda["eda"].values[1, -8:]).all()
    np.testing.assert_array_equal(eda["eda"].values[1, 8:-8], therapist["eda"])
    cardiac = s["cardiac"]["cardiac"]
    assert cardiac.attrs["units"] == "mV" and cardiac.attrs["sampling_rate"] == 128.0
    np.testing.assert_array_equal(cardiac.values[0], patient["cardiac"])  # n/a -> NaN
    np.testing.assert_array_equal(cardiac.values[1, 64 : 64 + 149 * 128], therapist["cardiac"])
    assert np.isnan(cardiac.values[0, 300:310]).all()
    np.testing.assert_array_equal(s["trigger"]["trigger"].values[1, 64:-64], therapist["trigger"])
    assert s["respiratory"]["respiratory"].attrs["units"] == ""
    assert concordlab.time_span(s) == (-2.0, 148.0)
    assert len(concordlab.segments(s)) == 0
    meta = concordlab.metadata(s)
    assert meta["reader"] == "read_bids_physio" and meta["events"] is None
    assert meta["source"]["therapist"]["paths"] == [str(p) for p in therapist["files"]]
    assert meta["source"]["therapist"]["format"] == "bids-physio"


def test_default_events_file_and_instant_events(dataset):
    patient, therapist, events = dataset
    with pytest.raises(SegmentError, match="drop_instant=True") as info:
        concordlab.read_bids_physio(patient["files"], therapist["files"])
    message = str(info.value)
    assert events.name in message and "data row 2" in message and "1 more" in message
    assert "events=False" in message
    with pytest.warns(UserWarning, match=r"dropped 2 instant event\(s\)"):
        s = concordlab.read_bids_physio(patient["files"], therapist["files"], drop_instant=True)
    assert concordlab.metadata(s)["events"] == str(events)
    table = concordlab.segments(s)
    assert table.values.tolist() == [
        [0.0, 60.0, "intro", "both", "greeting"],
        [75.25, 100.0, "therapist talks", "therapist", ""],
        [110.0, 118.0, "silence", "both", "long pause, eyes down"],
    ]


def test_channel_selection_and_channels_of_one_person(dataset, tmp_path):
    patient, therapist, _ = dataset
    with pytest.raises(FileFormatError, match=r"only patient .* has \['cardiac'") as info:
        concordlab.read_bids_physio(patient["files"], therapist["files"][0], events=False)
    assert "channels=[...]" in str(info.value) and "['eda']" in str(info.value)
    s = concordlab.read_bids_physio(
        patient["files"],
        therapist["files"][0],
        channels="EDA",
        persons=("client", "coach"),
        events=False,
    )
    assert concordlab.channels(s) == ["eda"] and concordlab.persons(s) == ("client", "coach")
    assert s.attrs["session_id"] == "sub-01_task-therapy+sub-02_task-therapy"
    with pytest.raises(FileFormatError, match="Channel 'cardiac' is not in therapist's"):
        concordlab.read_bids_physio(
            patient["files"], therapist["files"][0], channels=["cardiac"], events=False
        )


def test_same_column_in_two_recordings_is_suffixed(tmp_path):
    stems = ("sub-01_task-x_recording-fast", "sub-01_task-x_recording-slow")
    for stem, rate in zip(stems, (10, 2), strict=True):
        physio(tmp_path, stem, rate, 0, ["trigger"], np.zeros((rate * 4, 1)))
    files = sorted(tmp_path.glob("*.tsv.gz"))
    s = concordlab.read_bids_physio(files, files)
    assert concordlab.channels(s) == ["trigger_fast", "trigger_slow"]
    assert s["trigger_slow"]["trigger_slow"].attrs["sampling_rate"] == 2.0


def test_start_time_from_scans_tsv(dataset):
    patient, therapist, _ = dataset
    scans = patient["files"][0].parents[1] / "sub-01_scans.tsv"
    scans.write_text(
        "filename\tacq_time\nbeh/sub-01_task-therapy_recording-eda_physio.tsv.gz\t"
        "2024-05-02T10:00:00\n"
    )
    s = concordlab.read_bids_physio(patient["files"], therapist["files"], events=False)
    # The physio file's first sample is at acq_time; it lies at StartTime = -2 s.
    assert s.attrs["start_time"] == "2024-05-02T10:00:02"
    scans.write_text("filename\tacq_time\nbeh/sub-01_task-therapy_beh.tsv\t2024-05-02T09:59:00\n")
    s = concordlab.read_bids_physio(patient["files"], therapist["files"], events=False)
    assert s.attrs["start_time"] == "2024-05-02T09:59:00"
    s = concordlab.read_bids_physio(
        patient["files"], therapist["files"], events=False, start_time=""
    )
    assert s.attrs["start_time"] == ""
    scans.write_text("filename\tacq_time\nbeh/sub-01_task-therapy_beh.tsv\tyesterday\n")
    with pytest.raises(FileFormatError, match="start_time=''") as info:
        concordlab.read_bids_physio(patient["files"], therapist["files"], events=False)
    assert "sub-01_scans.tsv" in str(info.value)


def test_write_events_tsv_file_content(tmp_path):
    s = concordlab.from_arrays({"eda": np.ones((2, 800))}, sampling_rate=4)
    s = concordlab.add_segment(s, 10, 25.5, "therapist talks", person="therapist")
    # An unlabelled segment (add_segment needs a label; a table may leave it empty).
    unlabelled = pd.DataFrame(
        {"start": [0.1], "end": [0.3], "label": [""], "note": ['a\ttab and "quotes"']}
    )
    s = concordlab.set_segments(s, pd.concat([concordlab.segments(s), unlabelled]))
    path = concordlab.write_events_tsv(s, tmp_path / "sub-01_events.tsv")
    assert path == tmp_path / "sub-01_events.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["onset", "duration", "trial_type", "person", "note"]
    assert lines[1] == '0.1\t0.2\tn/a\tboth\t"a\ttab and ""quotes"""'
    assert lines[2].split("\t") == ["10.0", "15.5", "therapist talks", "therapist", "n/a"]
    back = concordlab.read_events_tsv(s, path)
    assert back["segments"].dataset.equals(s["segments"].dataset) or np.allclose(
        concordlab.segments(back)[["start", "end"]], concordlab.segments(s)[["start", "end"]]
    )
    assert concordlab.segments(back)["note"].tolist() == ['a\ttab and "quotes"', ""]
    with pytest.raises(FileFormatError, match="does not exist; create it"):
        concordlab.write_events_tsv(s, tmp_path / "no" / "events.tsv")


text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"),
    max_size=12,
).filter(lambda t: t.strip() not in ("n/a",) and t == t.strip())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.floats(0, 199, allow_nan=False),
            st.floats(0.001, 50, allow_nan=False),
            text,
            st.sampled_from(["patient", "therapist", "both"]),
            text,
        ),
        max_size=8,
    )
)
def test_events_round_trip(tmp_path, rows):
    s = concordlab.from_arrays({"eda": np.ones((2, 800))}, sampling_rate=4)
    table = pd.DataFrame(
        {
            "start": [r[0] for r in rows],
            "end": [min(r[0] + r[1], 200.0) for r in rows],
            "label": [r[2] for r in rows],
            "person": [r[3] for r in rows],
            "note": [r[4] for r in rows],
        }
    )
    table = table[table["end"] > table["start"]]
    s = concordlab.set_segments(s, table)
    path = concordlab.write_events_tsv(s, tmp_path / "events.tsv")
    back = concordlab.segments(concordlab.read_events_tsv(s, path))
    expected = concordlab.segments(s)
    assert len(back) == len(expected)
    np.testing.assert_allclose(back["start"], expected["start"], rtol=0, atol=0)
    np.testing.assert_allclose(back["end"], expected["end"], rtol=1e-11, atol=1e-9)
    for column in ("label", "person", "note"):
        assert back[column].tolist() == expected[column].tolist()


def test_read_events_columns_value_fallback_and_append(tmp_path):
    s = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    s = concordlab.add_segment(s, 1, 2, "existing")
    path = tmp_path / "events.tsv"
    path.write_text("onset\tduration\tvalue\ttrial_type\n5\t1\t17\tn/a\n7.5\t2.5\t18\tgo\n")
    table = concordlab.segments(concordlab.read_events_tsv(s, path))
    assert table.values.tolist() == [[5.0, 6.0, "17", "both", ""], [7.5, 10.0, "go", "both", ""]]
    appended = concordlab.segments(concordlab.read_events_tsv(s, path, replace=False))
    assert appended["label"].tolist() == ["existing", "17", "go"]
    path.write_text("onset\tduration\n3\t4\n")
    assert concordlab.segments(concordlab.read_events_tsv(s, path))["label"].tolist() == [""]


EVENT_ERRORS = {
    "empty": ("", FileFormatError, "is empty"),
    "no duration": (
        "onset\ttrial_type\n1\ta\n",
        FileFormatError,
        r"lacks the column\(s\) \['duration'\]",
    ),
    "commas": ("onset,duration\n1,2\n", FileFormatError, "comma- or semicolon-separated"),
    "text onset": ("onset\tduration\n1\t2\nten\t2\n", FileFormatError, "data row 2: 'ten'"),
    "missing onset": ("onset\tduration\nn/a\t2\n", FileFormatError, "data row 1: the onset is"),
    "negative": ("onset\tduration\n1\t-2\n", SegmentError, "data row 1 .* is negative"),
    "instant": ("onset\tduration\n1\t2\n3\t0\n", SegmentError, "data row 2 .* drop_instant=True"),
    "outside": ("onset\tduration\n90\t20\n", SegmentError, "ends at 110 s, outside the session"),
    "before": ("onset\tduration\n-5\t2\n", SegmentError, "starts before the session"),
    "person": (
        "onset\tduration\tperson\n1\t2\tdoctor\n",
        SegmentError,
        r"'doctor' is not a person of this session; use one of \['patient', 'therapist', 'both'\]",
    ),
    "ragged": ("onset\tduration\n1\t2\t3\t4\n", FileFormatError, "tab-separated"),
    "repeated": ("onset\tduration\tonset\n1\t2\t3\n", FileFormatError, "more than once"),
    "binary": (b"\xff\xfe\x00\x81", FileFormatError, "not text in UTF-8"),
}


@pytest.mark.parametrize("case", EVENT_ERRORS)
def test_read_events_errors_name_the_file(tmp_path, case):
    content, error, message = EVENT_ERRORS[case]
    s = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    path = tmp_path / "sub-07_events.tsv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(error, match=message) as info:
        concordlab.read_events_tsv(s, path)
    assert "sub-07_events.tsv" in str(info.value)
    with pytest.raises(FileFormatError, match="does not exist"):
        concordlab.read_events_tsv(s, tmp_path / "missing_events.tsv")


def small_pair(tmp_path: Path, start2: float = 0.25, rate2: float = 4.0):
    a = physio(tmp_path / "a", "sub-01_task-x", 4.0, 0.0, ["eda"], np.ones((40, 1)), {"eda": "uS"})
    b = physio(tmp_path / "b", "sub-02_task-x", rate2, start2, ["eda"], np.ones((40, 1)))
    return a, b


def json_of(path: Path) -> Path:
    return path.with_name(path.name.replace(".tsv.gz", ".json"))


def edit_json(path: Path, **changes) -> None:
    sidecar = json.loads(json_of(path).read_text())
    for key, value in changes.items():
        if value is None:
            sidecar.pop(key, None)
        else:
            sidecar[key] = value
    json_of(path).write_text(json.dumps(sidecar))


def gz(path: Path, text: str) -> None:
    path.write_bytes(gzip.compress(text.encode()))


PHYSIO_ERRORS = {
    "no sidecar": (lambda b: json_of(b).unlink(), "has no JSON sidecar"),
    "bad json": (lambda b: json_of(b).write_text("{'a': 1"), "not valid JSON"),
    "json list": (lambda b: json_of(b).write_text("[1, 2]"), "must hold a JSON object"),
    "no StartTime": (lambda b: edit_json(b, StartTime=None), "lacks StartTime"),
    "text rate": (lambda b: edit_json(b, SamplingFrequency="4 Hz"), "SamplingFrequency must be"),
    "zero rate": (
        lambda b: edit_json(b, SamplingFrequency=0),
        "SamplingFrequency must be a real number, in Hz, at least 1e-09",
    ),
    "no Columns": (lambda b: edit_json(b, Columns=None), "Columns must be a list"),
    "two Columns": (
        lambda b: [edit_json(p, Columns=["eda", "ppg"]) for p in b.parent.parent.glob("*/*.gz")],
        r"1 column\(s\) but its sidecar .* lists 2 Columns",
    ),
    "repeated Columns": (lambda b: edit_json(b, Columns=["EDA", "eda"]), "more than once"),
    "header row": (lambda b: gz(b, "eda\n1\n2\n"), "header row"),
    "text data": (lambda b: gz(b, "1\n2\nerror\n"), r"column 'eda', data row 3: 'error'"),
    "empty": (lambda b: gz(b, ""), "is empty"),
    "one sample": (lambda b: gz(b, "1\n"), "at least 2"),
    "not gzip": (lambda b: b.write_text("1\n2\n"), "Cannot read physio file"),
    "rate differs": (lambda b: edit_json(b, SamplingFrequency=8), "SamplingFrequency 4 Hz"),
    "units differ": (lambda b: edit_json(b, eda={"Units": "mS"}), "convert one recording"),
    "half sample": (lambda b: edit_json(b, StartTime=0.3), "not a whole number"),
    "no overlap": (lambda b: edit_json(b, StartTime=100), "do not overlap in time"),
    "reserved name": (
        lambda b: [edit_json(p, Columns=["time"]) for p in b.parent.parent.glob("*/*.tsv.gz")],
        "cannot name a channel",
    ),
}


@pytest.mark.parametrize("case", PHYSIO_ERRORS)
def test_physio_errors_name_the_file(tmp_path, case):
    a, b = small_pair(tmp_path)
    damage, message = PHYSIO_ERRORS[case]
    damage(b)
    with pytest.raises(FileFormatError, match=message) as info:
        concordlab.read_bids_physio(a, b)
    assert "_task-x_physio" in str(info.value)


def test_physio_paths(tmp_path):
    a, b = small_pair(tmp_path)
    with pytest.raises(FileFormatError, match="does not exist"):
        concordlab.read_bids_physio(a, tmp_path / "sub-03_physio.tsv.gz")
    with pytest.raises(FileFormatError, match="must end in '_physio.tsv.gz'"):
        concordlab.read_bids_physio(a, tmp_path / "sub-03_physio.csv")
    with pytest.raises(ValidationError, match="empty list"):
        concordlab.read_bids_physio(a, [])
    with pytest.raises(FileFormatError, match="does not exist"):
        concordlab.read_bids_physio(a, b, events=tmp_path / "none_events.tsv")
    plain = tmp_path / "b" / "sub-02_task-y_physio.tsv"
    plain.write_text("1\n2\n3\n")
    json_of(b).rename(plain.with_name("sub-02_task-y_physio.json"))
    s = concordlab.read_bids_physio(a, plain)
    np.testing.assert_array_equal(s["eda"]["eda"].values[1], [np.nan, 1, 2, 3] + [np.nan] * 36)
    assert concordlab.time_span(s) == (0.0, 10.0)


GARBAGE_TARGETS = ["physio", "sidecar", "events", "scans"]


@pytest.fixture(scope="module")
def garbage_pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("bids-garbage")
    a = physio(root / "sub-01", "sub-01_task-x", 4.0, 0.0, ["eda", "ppg"], np.ones((40, 2)))
    b = physio(root / "sub-02", "sub-02_task-x", 4.0, -0.5, ["eda", "ppg"], np.ones((40, 2)))
    (root / "sub-01" / "sub-01_task-x_events.tsv").write_text("onset\tduration\n1\t2\n")
    (root / "sub-01" / "sub-01_scans.tsv").write_text("filename\tacq_time\n")
    return a, b


@settings(max_examples=200, deadline=None)
@given(
    target=st.sampled_from(GARBAGE_TARGETS),
    content=st.one_of(
        st.binary(max_size=200),
        st.text(alphabet=st.sampled_from('0123456789.-e \n\t{}[]":,n/aSTCx'), max_size=200),
        st.sampled_from(['{"SamplingFrequency": 4, "StartTime": 0, "Columns": ["time"]}']),
    ),
    compress=st.booleans(),
)
def test_garbage_raises_only_concordlab_errors(garbage_pair, target, content, compress):
    a, b = garbage_pair
    path = {
        "physio": b,
        "sidecar": json_of(b),
        "events": a.with_name("sub-01_task-x_events.tsv"),
        "scans": a.with_name("sub-01_scans.tsv"),
    }[target]
    data = content if isinstance(content, bytes) else content.encode()
    original = path.read_bytes()
    path.write_bytes(gzip.compress(data) if compress and target == "physio" else data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            session = concordlab.read_bids_physio(a, b, drop_instant=True)
    except ConcordlabError:
        return
    finally:
        path.write_bytes(original)
    concordlab.validate_session(session)


# --------------------------------------------------------------------------- strict input


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"SamplingFrequency": 1e-308}, "SamplingFrequency"),
        ({"SamplingFrequency": 1e7}, "SamplingFrequency"),
        ({"SamplingFrequency": True}, "SamplingFrequency"),
        ({"SamplingFrequency": "4"}, "SamplingFrequency"),
        ({"SamplingFrequency": 10**400}, "SamplingFrequency"),
        ({"StartTime": math.nan}, "StartTime"),
        ({"StartTime": math.inf}, "StartTime"),
        ({"StartTime": 1e300}, "StartTime"),
    ],
)
def test_sidecar_rate_and_start_must_be_usable(tmp_path, changes, key):
    a, b = small_pair(tmp_path)
    for path in (a, b):  # both, so that the rates still agree
        sidecar = json.loads(json_of(path).read_text())
        sidecar.update(changes)
        json_of(path).write_text(json.dumps(sidecar))  # NaN and Infinity as Python writes them
    with pytest.raises(FileFormatError, match=key) as info:
        concordlab.read_bids_physio(a, b)
    assert "sub-01_task-x_physio.json" in str(info.value)


def test_truncated_gzip_is_said_in_plain_words(tmp_path):
    a, b = small_pair(tmp_path)
    b.write_bytes(b.read_bytes()[:-12])
    with pytest.raises(FileFormatError, match="gzip file is truncated or damaged") as info:
        concordlab.read_bids_physio(a, b)
    assert "re-download" in str(info.value) and "EOFError" not in str(info.value)


def test_events_duplicate_check_is_linear(tmp_path):
    import time

    s = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    names = ["onset", "duration"] + [f"c{i}" for i in range(20_000)] + ["c5"]
    path = tmp_path / "wide_events.tsv"
    path.write_text("\t".join(names) + "\n" + "\t".join(["1"] * len(names)) + "\n")
    started = time.perf_counter()
    with pytest.raises(FileFormatError, match=r"\['c5'\] appear more than once"):
        concordlab.read_events_tsv(s, path)
    assert time.perf_counter() - started < 5


def test_bids_arguments_are_checked(tmp_path):
    a, b = small_pair(tmp_path)
    s = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    events = tmp_path / "x_events.tsv"
    events.write_text("onset\tduration\n1\t2\n")
    calls = {
        "path must be": [
            lambda: concordlab.read_events_tsv(s, None),
            lambda: concordlab.write_events_tsv(s, 5),
        ],
        "person2 must be": [lambda: concordlab.read_bids_physio(a, None)],
        "person1 must be": [lambda: concordlab.read_bids_physio([a, None], b)],
        "drop_instant must be True or False": [
            lambda: concordlab.read_events_tsv(s, events, drop_instant="no"),
        ],
        "replace must be True or False": [
            lambda: concordlab.read_events_tsv(s, events, replace=None),
        ],
        "channels must be": [lambda: concordlab.read_bids_physio(a, b, channels=5)],
        "events must be": [lambda: concordlab.read_bids_physio(a, b, events=5)],
        "concordlab session": [lambda: concordlab.read_events_tsv(None, events)],
    }
    for message, functions in calls.items():
        for function in functions:
            with pytest.raises(ValidationError, match=message):
                function()


def test_events_table_with_a_row_too_long(tmp_path):
    s = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    path = tmp_path / "x_events.tsv"
    path.write_bytes(b"\xef\xbb\xbfonset\tduration\r\n1\t2\r\n3\t4\t5\r\n")
    with pytest.raises(FileFormatError, match="not a valid tab-separated table"):
        concordlab.read_events_tsv(s, path)
    path.write_bytes(b"\xef\xbb\xbfonset\tduration\r\n1\t2\r\n")
    assert concordlab.segments(concordlab.read_events_tsv(s, path))["end"].tolist() == [3.0]


# --------------------------------------------------------------------------- inheritance

EXAMPLES = Path(__file__).parent.parent / "data" / "bids-examples"
DS210 = EXAMPLES / "ds210"
SYNTHETIC = EXAMPLES / "synthetic"


def tree(root: Path, files: dict[str, object]) -> Path:
    """Write a BIDS tree: each path holds a JSON value, or b"" for a data file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "dataset_description.json").write_text('{"Name": "t", "BIDSVersion": "1.10.0"}')
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(json.dumps(content))
    return root


def relative(root: Path, paths) -> list[str]:
    return [Path(p).relative_to(root.absolute()).as_posix() for p in paths]


def test_spec_example_1_inheritance_and_override(tmp_path):
    """BIDS specification, The Inheritance Principle, Example 1 (with its file contents)."""
    root = tree(
        tmp_path,
        {
            "task-rest_bold.json": {"EchoTime": 0.040, "RepetitionTime": 1.0},
            "scans.json": {},
            "sub-01/sub-01_scans.tsv": b"",
            "sub-01/func/sub-01_task-rest_acq-default_bold.nii.gz": b"",
            "sub-01/func/sub-01_task-rest_acq-longtr_bold.nii.gz": b"",
            "sub-01/func/sub-01_task-rest_acq-longtr_bold.json": {"RepetitionTime": 3.0},
        },
    )
    func = root / "sub-01" / "func"
    default = func / "sub-01_task-rest_acq-default_bold.nii.gz"
    longtr = func / "sub-01_task-rest_acq-longtr_bold.nii.gz"
    # acq-longtr is absent from the default image's name (rule 2.c): only the root file.
    assert relative(root, concordlab.io.bids_metadata_files(default)) == ["task-rest_bold.json"]
    assert relative(root, concordlab.io.bids_metadata_files(longtr)) == [
        "task-rest_bold.json",
        "sub-01/func/sub-01_task-rest_acq-longtr_bold.json",
    ]
    # Rule 5.b: RepetitionTime overridden, EchoTime kept (not unset by its absence).
    assert concordlab.io.read_bids_sidecar(longtr) == {"EchoTime": 0.040, "RepetitionTime": 3.0}
    assert concordlab.io.read_bids_sidecar(default) == {"EchoTime": 0.040, "RepetitionTime": 1.0}
    # scans.json without entities applies to every subject's _scans.tsv.
    scans = root / "sub-01" / "sub-01_scans.tsv"
    assert relative(root, concordlab.io.bids_metadata_files(scans)) == ["scans.json"]


def test_spec_examples_2_to_5(tmp_path):
    func2 = "sub-01/ses-test/func/sub-01_ses-test_task-overtverbgeneration"

    def two_runs(folder: str, general: str) -> tuple[Path, Path, Path]:
        """Examples 2 and 3: two runs, a sidecar of run 2, and a general one at ``general``."""
        runs = {f"{func2}_run-{i}_bold.nii.gz": b"" for i in (1, 2)}
        root = tree(tmp_path / folder, {**runs, general: {}, f"{func2}_run-2_bold.json": {}})
        return root, *(root / name for name in runs)

    # Example 2 (impermissible): two applicable files in one folder for run 2 (rule 4).
    root, run1, run2 = two_runs("two", f"{func2}_bold.json")
    with pytest.raises(FileFormatError, match=r"2 files in one folder apply .*\(rule 4\)") as info:
        concordlab.io.bids_metadata_files(run2)
    assert "task-overtverbgeneration_bold.json" in str(info.value)
    assert "_run-2_bold.json" in str(info.value)
    assert relative(root, concordlab.io.bids_metadata_files(run1)) == [f"{func2}_bold.json"]
    # Example 3: the general file moved a folder up; both apply to run 2, general first.
    ses = "sub-01/ses-test/sub-01_ses-test_task-overtverbgeneration_bold.json"
    root, run1, run2 = two_runs("three", ses)
    assert relative(root, concordlab.io.bids_metadata_files(run2)) == [
        ses,
        f"{func2}_run-2_bold.json",
    ]
    assert relative(root, concordlab.io.bids_metadata_files(run1)) == [ses]
    # Example 4: one file for both runs; Example 5: bold.json at the root for every bold.
    func4 = "sub-01/func/sub-01_task-xyz_acq-test1"
    root = tree(
        tmp_path / "four",
        {
            f"{func4}_run-1_bold.nii.gz": b"",
            f"{func4}_run-2_bold.nii.gz": b"",
            f"{func4}_bold.json": {},
            "bold.json": {},
        },
    )
    for run in (1, 2):
        files = concordlab.io.bids_metadata_files(root / f"{func4}_run-{run}_bold.nii.gz")
        assert relative(root, files) == ["bold.json", f"{func4}_bold.json"]


def test_suffix_extension_and_validator_example(tmp_path):
    root = tree(
        tmp_path,
        {
            "T1w.json": {},
            "acq-MPRAGE_T1w.json": {},  # the BIDS validator's multiple-inheritance case
            "sub-01/anat/sub-01_acq-MPRAGE_T1w.nii.gz": b"",
            "task-bht_physio.json": {"SamplingFrequency": 100},
            "sub-01/task-bht_recording-cardiac_physio.json": {"Columns": ["cardiac"]},
            "sub-01/task-bht_recording-resp_physio.json": {"Columns": ["respiratory"]},
            "task-bht_events.tsv": b"onset\tduration\n",
            "task-bht_events.json": {},
            "task-bht_physioevents.json": {},
            "sub-01/func/sub-01_task-bht_recording-cardiac_physio.tsv.gz": b"",
            "sub-01/func/sub-01_task-bht_physio.tsv.gz": b"",
        },
    )
    with pytest.raises(FileFormatError, match="2 files in one folder"):
        concordlab.io.bids_metadata_files(root / "sub-01/anat/sub-01_acq-MPRAGE_T1w.nii.gz")
    cardiac = root / "sub-01/func/sub-01_task-bht_recording-cardiac_physio.tsv.gz"
    plain = root / "sub-01/func/sub-01_task-bht_physio.tsv.gz"
    # Same suffix only (not physioevents), entities a subset (recording-resp is not).
    assert concordlab.io.read_bids_sidecar(cardiac) == {
        "SamplingFrequency": 100,
        "Columns": ["cardiac"],
    }
    assert concordlab.io.read_bids_sidecar(plain) == {"SamplingFrequency": 100}
    events = concordlab.io.bids_metadata_files(cardiac, suffix="events", extension=".tsv")
    assert relative(root, events) == ["task-bht_events.tsv"]
    # Without a dataset root only the file's folder counts; with root=..., the tree does.
    (root / "dataset_description.json").unlink()
    assert concordlab.io.bids_metadata_files(cardiac) == []
    assert len(concordlab.io.bids_metadata_files(cardiac, root=root)) == 2
    with pytest.raises(ValidationError, match="not inside the dataset folder"):
        concordlab.io.bids_metadata_files(cardiac, root=tmp_path / "elsewhere")


def test_column_entries_are_replaced_whole(tmp_path):
    root = tree(
        tmp_path,
        {
            "physio.json": {"StartTime": 0, "cardiac": {"Units": "mV", "Description": "pulse"}},
            "sub-01/sub-01_physio.json": {"cardiac": {"Description": "ppg"}},
        },
    )
    merged = concordlab.io.read_bids_sidecar(root / "sub-01/func/sub-01_task-a_physio.tsv.gz")
    assert merged == {"StartTime": 0, "cardiac": {"Description": "ppg"}}


def read_table(path: Path) -> pd.DataFrame:
    """The independent parse: pandas on the headerless tsv.gz."""
    return pd.read_csv(path, sep="\t", header=None, compression="gzip")


def merge(*sidecars: Path) -> dict:
    """The inheritance chain resolved by hand in each test, merged root first."""
    merged: dict = {}
    for sidecar in sidecars:
        merged.update(json.loads(sidecar.read_text()))
    return merged


def test_ds210_real_physio_with_the_subjects_sidecar(tmp_path):
    """Real cardiac/respiratory recordings whose sidecar lies in the subject's folder."""
    s = concordlab.read_bids_physio(DS210, subjects=("01", "sub-02"), task="rest")
    concordlab.validate_session(s)
    for person, sub in enumerate(("01", "02")):
        data = DS210 / f"sub-{sub}/func/sub-{sub}_task-rest_run-01_physio.tsv.gz"
        meta = merge(DS210 / f"sub-{sub}/sub-{sub}_task-rest_physio.json")
        table = read_table(data)
        assert len(table) == 30600
        for index, column in enumerate(meta["Columns"]):
            values = s[column][column]
            assert values.attrs["sampling_rate"] == meta["SamplingFrequency"] == 50
            assert values.attrs["units"] == ""  # the sidecar gives no Units: unknown
            n = len(table)
            np.testing.assert_array_equal(values.values[person, :n], table[index].to_numpy())
            expected = meta["StartTime"] + np.arange(n) / meta["SamplingFrequency"]
            np.testing.assert_allclose(values["time"].values[:n], expected, rtol=0, atol=1e-9)
    assert concordlab.channels(s) == ["cardiac", "respiratory"]
    meta = concordlab.metadata(s)
    sidecars = meta["source"]["therapist"]["sidecars"]
    (only,) = sidecars.values()
    assert relative(DS210, only) == ["sub-02/sub-02_task-rest_physio.json"]
    # The same files by path give the same session (the dataset root found above them).
    paths = [DS210 / f"sub-{s}/func/sub-{s}_task-rest_run-01_physio.tsv.gz" for s in ("01", "02")]
    by_path = concordlab.read_bids_physio(*paths)
    np.testing.assert_array_equal(by_path["cardiac"]["cardiac"], s["cardiac"]["cardiac"])
    # A file-level sidecar overrides the subject's StartTime (a copy of the real files).
    copy = tmp_path / "ds210"
    shutil.copytree(DS210, copy)
    (copy / "sub-01/func/sub-01_task-rest_run-01_physio.json").write_text('{"StartTime": -2}')
    r = concordlab.io.read_bids_recording(copy, subject="01", task="rest", run=1)
    assert r.channels["cardiac"].offset == -2.0 and r.channels["cardiac"].sampling_rate == 50
    assert relative(copy, r.source["sidecars"][r.path]) == [
        "sub-01/sub-01_task-rest_physio.json",
        "sub-01/func/sub-01_task-rest_run-01_physio.json",
    ]


def test_synthetic_root_sidecar_events_and_scans():
    """Sidecar and events table at the dataset root; acq_time from the session's scans."""
    s = concordlab.read_bids_physio(
        SYNTHETIC, subjects=("01", "02"), session="01", task="nback", run="01"
    )
    meta = merge(SYNTHETIC / "task-nback_physio.json")
    for person, sub in enumerate(("01", "02")):
        name = f"sub-{sub}/ses-01/func/sub-{sub}_ses-01_task-nback_run-01_physio.tsv.gz"
        table = read_table(SYNTHETIC / name)
        for index, column in enumerate(meta["Columns"]):
            values = s[column][column]
            assert values.attrs["sampling_rate"] == meta["SamplingFrequency"]
            np.testing.assert_array_equal(values.values[person], table[index].to_numpy())
            assert values["time"].values[0] == meta["StartTime"]
    assert s.attrs["start_time"] == "1880-01-10T05:22:54"  # the run's bold acq_time
    events = pd.read_csv(SYNTHETIC / "task-nback_events.tsv", sep="\t")
    table = concordlab.segments(s)
    np.testing.assert_allclose(table["start"], events["onset"])
    np.testing.assert_allclose(table["end"], events["onset"] + events["duration"])
    assert table["label"].tolist() == events["trial_type"].tolist()
    assert concordlab.metadata(s)["events"] == str((SYNTHETIC / "task-nback_events.tsv").absolute())
    # Run 2 is another file; run=2 and run="run-02" both choose it.
    two = concordlab.read_bids_physio(
        SYNTHETIC, subjects=("01", "02"), session="ses-01", task="nback", run=2, events=False
    )
    table = read_table(
        SYNTHETIC / "sub-01/ses-01/func/sub-01_ses-01_task-nback_run-02_physio.tsv.gz"
    )
    np.testing.assert_array_equal(two["cardiac"]["cardiac"].values[0], table[1].to_numpy())
    r = concordlab.io.read_bids_recording(SYNTHETIC, subject="02", task="nback", run="run-02")
    assert r.path.endswith("sub-02_ses-01_task-nback_run-02_physio.tsv.gz")


def test_stim_files_inherit_their_own_sidecar():
    path = SYNTHETIC / "sub-01/ses-01/func/sub-01_ses-01_task-nback_run-01_stim.tsv.gz"
    r = concordlab.io.read_bids_recording(path)
    meta = merge(SYNTHETIC / "task-nback_stim.json")
    table = read_table(path)
    assert r.channel_names == tuple(c.lower() for c in meta["Columns"])
    for index, name in enumerate(r.channel_names):
        assert r.channels[name].sampling_rate == meta["SamplingFrequency"] == 2.0
        np.testing.assert_array_equal(r.channels[name].values, table[index].to_numpy())


def test_read_recording_of_a_dataset_folder():
    r = concordlab.io.read_recording(SYNTHETIC, subject="01", task="rest", person="patient")
    assert r.source["format"] == "bids-physio" and r.person == "patient"
    assert r.path.endswith("sub-01_ses-01_task-rest_physio.tsv.gz")
    assert r.start_time == "1880-01-10T05:52:54"
    assert concordlab.io.find_format(DS210).name == "bids-physio"


DATASET_ERRORS = {
    "no run": (
        {"subjects": ("01", "02"), "task": "nback"},
        FileFormatError,
        r"matches 2 physio files .* differ in \['run'\].*run-01_physio.*run-02_physio.*give run=",
    ),
    "no task": (
        {"subjects": ("01", "02")},
        FileFormatError,
        r"matches 3 physio files .* differ in \['run', 'task'\].*give run=\.\.\., task=\.\.\.",
    ),
    "no such task": (
        {"subjects": ("01", "02"), "task": "stroop"},
        FileFormatError,
        r"No physio file .* matches subject='01', task='stroop'; subject '01' has \[.*nback",
    ),
    "no such subject": (
        {"subjects": ("01", "07"), "task": "rest"},
        FileFormatError,
        r"has no subject '07' \(no folder 'sub-07'\); its subjects are \['01', '02'\]",
    ),
    "no subjects": ({"task": "rest"}, ValidationError, "subjects must be the two subjects"),
    "one subject twice": (
        {"subjects": ("01", "sub-01"), "task": "rest"},
        ValidationError,
        "two different subjects",
    ),
    "bad label": (
        {"subjects": ("01", "02"), "task": "re st"},
        ValidationError,
        "task must be a BIDS label",
    ),
    "bad run": ({"subjects": ("01", "02"), "run": 1.5}, ValidationError, "run must be"),
}


@pytest.mark.parametrize("case", DATASET_ERRORS)
def test_dataset_queries_say_what_matched(case):
    options, error, message = DATASET_ERRORS[case]
    with pytest.raises(error, match=message):
        concordlab.read_bids_physio(SYNTHETIC, **options)


def test_dataset_and_path_arguments_are_checked(tmp_path):
    a, b = small_pair(tmp_path)
    with pytest.raises(ValidationError, match=r"\['task'\] choose files in a BIDS dataset folder"):
        concordlab.io.read_bids_recording(a, task="x")
    with pytest.raises(ValidationError, match="subjects choose files in a BIDS dataset"):
        concordlab.read_bids_physio(a, b, subjects=("01", "02"))
    with pytest.raises(ValidationError, match="so person2 must not be given"):
        concordlab.read_bids_physio(SYNTHETIC, b, subjects=("01", "02"))
    with pytest.raises(ValidationError, match="give subject=..."):
        concordlab.io.read_bids_recording(SYNTHETIC, task="rest")
    with pytest.raises(FileFormatError, match="not the root of a BIDS dataset"):
        concordlab.io.read_bids_recording(tmp_path, subject="01")
    with pytest.raises(ValidationError, match="person2 must be"):
        concordlab.read_bids_physio(a)


def test_recording_files_of_one_choice_are_read_together(tmp_path):
    """Files differing only in recording-<label> are one person's recording at two rates."""
    root = tree(
        tmp_path,
        {
            "task-x_recording-fast_physio.json": {
                "SamplingFrequency": 10,
                "StartTime": 0,
                "Columns": ["cardiac"],
                "cardiac": {"Units": "mV"},
            },
            "task-x_recording-slow_physio.json": {
                "SamplingFrequency": 2,
                "StartTime": 0,
                "Columns": ["eda"],
            },
        },
    )
    for sub in ("01", "02"):
        folder = root / f"sub-{sub}" / "beh"
        folder.mkdir(parents=True)
        for label, n in (("fast", 40), ("slow", 8)):
            text = "".join(f"{i}\n" for i in range(n))
            gz(folder / f"sub-{sub}_task-x_recording-{label}_physio.tsv.gz", text)
    s = concordlab.read_bids_physio(root, subjects=("01", "02"), task="x")
    assert concordlab.channels(s) == ["cardiac", "eda"]
    assert s["cardiac"]["cardiac"].attrs["units"] == "mV"
    # No Units in the sidecar: unknown in the recording (the session may fill it in).
    r = concordlab.io.read_bids_recording(root, subject="01", task="x")
    assert r.channels["eda"].units == "" and r.channels["cardiac"].units == "mV"
    assert s["eda"]["eda"].attrs["sampling_rate"] == 2.0
    s = concordlab.read_bids_physio(root, subjects=("01", "02"), recording="slow")
    assert concordlab.channels(s) == ["eda"]


def test_inherited_sidecar_by_path_and_the_old_refusal(tmp_path):
    """The issue's case: a file whose sidecar lies at the dataset root."""
    root = tree(
        tmp_path,
        {"task-x_physio.json": {"SamplingFrequency": 4, "StartTime": 0, "Columns": ["eda"]}},
    )
    paths = []
    for sub in ("01", "02"):
        path = root / f"sub-{sub}" / "beh" / f"sub-{sub}_task-x_physio.tsv.gz"
        path.parent.mkdir(parents=True)
        gz(path, "1\n2\n3\n4\n")
        paths.append(path)
    s = concordlab.read_bids_physio(*paths)
    np.testing.assert_array_equal(s["eda"]["eda"].values, [[1, 2, 3, 4], [1, 2, 3, 4]])
    (root / "dataset_description.json").unlink()
    with pytest.raises(FileFormatError, match="has no JSON sidecar") as info:
        concordlab.read_bids_physio(*paths)
    assert "No folder above it holds a dataset_description.json" in str(info.value)
    (root / "dataset_description.json").write_text("{}")
    (root / "task-x_physio.json").rename(root / "task-y_physio.json")
    with pytest.raises(FileFormatError, match="has no JSON sidecar") as info:
        concordlab.read_bids_physio(*paths)
    assert "sub-01_task-x" in str(info.value) and "up to the dataset root" in str(info.value)


def test_merged_sidecars_name_the_file_at_fault(tmp_path):
    root = tree(
        tmp_path,
        {
            "task-x_physio.json": {"SamplingFrequency": 4, "Columns": ["eda"]},
            "sub-01/sub-01_task-x_physio.json": {"StartTime": "soon"},
            "sub-02/sub-02_task-x_physio.json": {"StartTime": 1_700_000_000},
        },
    )
    for sub in ("01", "02"):
        path = root / f"sub-{sub}" / "beh" / f"sub-{sub}_task-x_physio.tsv.gz"
        path.parent.mkdir(parents=True)
        gz(path, "1\n2\n3\n4\n")
    with pytest.raises(FileFormatError, match=r"sub-01_task-x_physio.json': StartTime must be"):
        concordlab.io.read_bids_recording(root, subject="01")
    with pytest.raises(FileFormatError, match="2023-11-14T22:13:20") as info:
        concordlab.io.read_bids_recording(root, subject="02")
    assert "1.7e+09" not in str(info.value)
    (root / "sub-01/sub-01_task-x_physio.json").write_text("{}")
    with pytest.raises(FileFormatError, match="None of the sidecars .* all lack StartTime"):
        concordlab.io.read_bids_recording(root, subject="01")


def test_inherited_events_and_their_conflicts(tmp_path):
    root = tree(
        tmp_path,
        {"task-x_physio.json": {"SamplingFrequency": 4, "StartTime": 0, "Columns": ["eda"]}},
    )
    for sub in ("01", "02"):
        path = root / f"sub-{sub}" / "beh" / f"sub-{sub}_task-x_physio.tsv.gz"
        path.parent.mkdir(parents=True)
        gz(path, "1\n" * 40)
    with pytest.raises(FileFormatError, match="No events file applies"):
        concordlab.read_bids_physio(root, subjects=("01", "02"), events=True)
    (root / "task-x_events.tsv").write_text("onset\tduration\ttrial_type\n1\t2\troot\n")
    s = concordlab.read_bids_physio(root, subjects=("01", "02"))
    assert concordlab.segments(s)["label"].tolist() == ["root"]
    # The most specific table wins: only it counts (rule 5.a).
    (root / "sub-01/sub-01_task-x_events.tsv").write_text(
        "onset\tduration\ttrial_type\n1\t2\tsub\n"
    )
    s = concordlab.read_bids_physio(root, subjects=("01", "02"))
    assert concordlab.segments(s)["label"].tolist() == ["sub"]
    (root / "sub-01/task-x_events.tsv").write_text("onset\tduration\n1\t2\n")
    with pytest.raises(FileFormatError, match="rule 4.*events=False"):
        concordlab.read_bids_physio(root, subjects=("01", "02"))
    s = concordlab.read_bids_physio(root, subjects=("01", "02"), events=False)
    assert len(concordlab.segments(s)) == 0
