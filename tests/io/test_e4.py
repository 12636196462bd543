"""read_e4 on realistic Empatica E4 exports written here, and on every kind of bad input."""

import math
import shutil
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import concordlab
from concordlab import ConcordlabError, FileFormatError, ValidationError

T0 = 1_495_437_325  # 2017-05-22T07:15:25Z, the start of a real E4 export's name
RATES = {"EDA": 4.0, "HR": 1.0, "TEMP": 4.0, "BVP": 64.0, "ACC": 32.0}

SUPPRESS = [HealthCheck.function_scoped_fixture]


def e4_export(folder: Path, start: float, seconds: int, seed: int, tags=()) -> dict:
    """Write an E4 export as E4 connect does; return the values written, per channel.

    HR starts 10 s after the other files, as in real exports; all end at start + seconds.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    t4 = np.arange(seconds * 4) / 4
    written = {
        "eda": np.round(0.8 + 0.3 * np.sin(t4 / 40) + 0.02 * rng.standard_normal(t4.size), 6),
        "temp": np.round(33.1 + 0.002 * t4 + 0.01 * rng.standard_normal(t4.size), 2),
        "hr": np.round(72 + 5 * np.sin(np.arange(seconds - 10) / 15), 2),
        "bvp": np.round(60 * np.sin(2 * np.pi * 1.2 * np.arange(seconds * 64) / 64), 2),
        "acc": rng.integers(-64, 64, size=(seconds * 32, 3)),
    }
    stamp = f"{start:.6f}"
    for name, key in (("EDA", "eda"), ("TEMP", "temp"), ("BVP", "bvp")):
        rows = "".join(f"{v:.6f}\n" for v in written[key])
        (folder / f"{name}.csv").write_text(f"{stamp}\n{RATES[name]:.6f}\n{rows}")
    hr_rows = "".join(f"{v:.2f}\n" for v in written["hr"])
    (folder / "HR.csv").write_text(f"{start + 10:.6f}\n1.000000\n{hr_rows}")
    acc_rows = "".join(f"{x},{y},{z}\n" for x, y, z in written["acc"])
    (folder / "ACC.csv").write_text(
        f"{stamp}, {stamp}, {stamp}\n32.000000, 32.000000, 32.000000\n{acc_rows}"
    )
    ibi = "".join(f"{t:.6f},{0.8 + 0.01 * (i % 5):.6f}\n" for i, t in enumerate(range(12, 40, 1)))
    (folder / "IBI.csv").write_text(f"{stamp}, IBI\n{ibi}")
    (folder / "tags.csv").write_text("".join(f"{start + t:.2f}\n" for t in tags))
    (folder / "info.txt").write_text("E4 data export\n")
    return written


@pytest.fixture
def dyad(tmp_path):
    """Patient's device from T0 for 300 s; therapist's 35 s later for 280 s (ends 15 s later)."""
    patient = e4_export(tmp_path / "1495437325_A01F12", T0, 300, seed=1, tags=[120.5])
    therapist = e4_export(tmp_path / "1495437360_A02B34", T0 + 35, 280, seed=2, tags=[10, 250])
    return tmp_path / "1495437325_A01F12", tmp_path / "1495437360_A02B34", patient, therapist


def test_values_alignment_and_unpaired_segments(dyad):
    a, b, patient, therapist = dyad
    s = concordlab.read_e4(a, b)
    concordlab.validate_session(s)
    assert concordlab.channels(s) == ["eda", "hr", "temp", "bvp", "acc_x", "acc_y", "acc_z"]
    assert s.attrs["start_time"] == "2017-05-22T07:15:25+00:00"
    assert s.attrs["session_id"] == "1495437325_A01F12+1495437360_A02B34"

    eda = s["eda"]["eda"]
    assert eda.attrs["units"] == "uS" and eda.attrs["sampling_rate"] == 4.0
    # Patient 0-300 s, therapist 35-315 s: one grid of 315 s at 4 Hz.
    assert eda.sizes["time"] == 315 * 4
    np.testing.assert_array_equal(eda.values[0, : 300 * 4], patient["eda"])
    assert np.isnan(eda.values[0, 300 * 4 :]).all()
    assert np.isnan(eda.values[1, : 35 * 4]).all()
    np.testing.assert_array_equal(eda.values[1, 35 * 4 :], therapist["eda"])
    assert s["eda"]["time"].values[0] == 0.0

    hr = s["hr"]
    assert hr["time"].values[0] == 10.0  # HR starts 10 s after the others
    assert hr["hr"].attrs["units"] == "bpm"
    np.testing.assert_array_equal(hr["hr"].values[0, :290], patient["hr"])
    np.testing.assert_array_equal(hr["hr"].values[1, 35:], therapist["hr"])

    bvp = s["bvp"]["bvp"]
    assert bvp.sizes["time"] == 315 * 64
    np.testing.assert_array_equal(bvp.values[1, 35 * 64 :], therapist["bvp"])
    np.testing.assert_array_equal(s["temp"]["temp"].values[0, :1200], patient["temp"])
    for axis, name in enumerate(("acc_x", "acc_y", "acc_z")):
        acc = s[name][name]
        assert acc.attrs["units"] == "g" and acc.attrs["sampling_rate"] == 32.0
        np.testing.assert_array_equal(acc.values[0, : 300 * 32], patient["acc"][:, axis] / 64)
    assert concordlab.time_span(s) == (0.0, 315.0)

    table = concordlab.segments(s)
    unpaired = table[table["label"] == "unpaired"]
    assert unpaired[["start", "end", "person"]].values.tolist() == [
        [0.0, 35.0, "patient"],
        [300.0, 315.0, "therapist"],
    ]
    assert all("only" in note and "device was recording" in note for note in unpaired["note"])
    assert "patient" in unpaired["note"].iloc[0] and "therapist" in unpaired["note"].iloc[1]

    tags = table[table["label"] == "tag"]
    assert tags[["start", "end", "person"]].values.tolist() == [
        [45.0, 46.0, "therapist"],
        [120.5, 121.5, "patient"],
        [285.0, 286.0, "therapist"],
    ]
    assert "2017-05-22T07:16:10" in tags["note"].iloc[0]

    meta = concordlab.metadata(s)
    assert meta["reader"] == "read_e4" and meta["not_read"] == ["IBI.csv"]
    assert meta["device_start"] == {
        "patient": "2017-05-22T07:15:25+00:00",
        "therapist": "2017-05-22T07:16:00+00:00",
    }
    assert "grid_shift_s" not in meta


def test_zip_exports_read_like_folders(dyad, tmp_path):
    a, b, _, _ = dyad
    archive = tmp_path / "therapist.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(b.iterdir()):  # inside a subfolder, as some zips are
            handle.write(path, f"1495437360_A02B34/{path.name}")
    from_folder = concordlab.read_e4(a, b)
    from_zip = concordlab.read_e4(a, archive)
    for name in concordlab.channels(from_folder):
        assert from_zip[name].dataset.identical(from_folder[name].dataset)
    assert concordlab.segments(from_zip).equals(concordlab.segments(from_folder))
    assert from_zip.attrs["session_id"] == "1495437325_A01F12+therapist"


def test_start_not_a_whole_sample_apart_is_rounded_and_recorded(tmp_path):
    e4_export(tmp_path / "a", T0, 60, seed=3)
    written = e4_export(tmp_path / "b", T0 + 5.01, 60, seed=4)
    s = concordlab.read_e4(tmp_path / "a", tmp_path / "b", channels=["eda", "bvp"])
    shifts = concordlab.metadata(s)["grid_shift_s"]
    # EDA: 5.01 s = 20.04 samples -> 20, moved 0.01 s earlier; BVP: 320.64 -> 321 samples.
    assert shifts["eda"]["therapist"] == pytest.approx(-0.01, abs=1e-6)
    assert shifts["bvp"]["therapist"] == pytest.approx(321 / 64 - 5.01, abs=1e-6)
    assert "patient" not in shifts["eda"]
    np.testing.assert_array_equal(s["eda"]["eda"].values[1, 20:], written["eda"])
    assert np.isnan(s["eda"]["eda"].values[1, :20]).all()
    np.testing.assert_array_equal(s["bvp"]["bvp"].values[1, 321:], written["bvp"])


def test_channel_selection_and_missing_files(dyad):
    a, b, _, _ = dyad
    s = concordlab.read_e4(a, b, channels="acc", persons=("client", "counsellor"))
    assert concordlab.channels(s) == ["acc_x", "acc_y", "acc_z"]
    assert concordlab.persons(s) == ("client", "counsellor")
    (b / "TEMP.csv").unlink()
    s = concordlab.read_e4(a, b, tag_duration=None)
    assert "temp" not in concordlab.channels(s) and "eda" in concordlab.channels(s)
    assert concordlab.metadata(s)["not_read"] == ["TEMP.csv", "IBI.csv"]
    assert set(concordlab.segments(s)["label"]) == {"unpaired"}
    with pytest.raises(FileFormatError, match=r"no TEMP\.csv.*channel 'temp'") as info:
        concordlab.read_e4(a, b, channels=["eda", "temp"])
    assert str(b) in str(info.value)
    with pytest.raises(ValidationError, match=r"unknown E4 channel\(s\): 'gsr'"):
        concordlab.read_e4(a, b, channels=["gsr"])


def test_non_overlapping_exports_need_align_start(tmp_path):
    e4_export(tmp_path / "monday", T0, 60, seed=5)
    written = e4_export(tmp_path / "friday", T0 + 4 * 86400 + 3, 50, seed=6, tags=[20])
    with pytest.raises(FileFormatError, match="align='start'") as info:
        concordlab.read_e4(tmp_path / "monday", tmp_path / "friday")
    assert "do not overlap" in str(info.value)
    s = concordlab.read_e4(tmp_path / "monday", tmp_path / "friday", align="start")
    np.testing.assert_array_equal(s["eda"]["eda"].values[1, :200], written["eda"])
    assert np.isnan(s["eda"]["eda"].values[1, 200:]).all()
    meta = concordlab.metadata(s)
    assert meta["person2_shift_s"] == -(4 * 86400 + 3)
    assert meta["device_start"]["therapist"].startswith("2017-05-26T07:15:28")
    table = concordlab.segments(s)
    assert table[table["label"] == "unpaired"][["start", "end", "person"]].values.tolist() == [
        [50.0, 60.0, "patient"]
    ]
    assert table[table["label"] == "tag"][["start", "person"]].values.tolist() == [
        [20.0, "therapist"]
    ]


def test_tags_outside_the_recording_warn(dyad):
    a, b, _, _ = dyad
    (a / "tags.csv").write_text(f"{T0 - 100}\n{T0 + 20}\n")
    with pytest.warns(UserWarning, match=r"1 button press\(es\) lie outside"):
        s = concordlab.read_e4(a, b)
    assert (concordlab.segments(s)["label"] == "tag").sum() == 3


def replace_lines(path: Path, first: str | None = None, second: str | None = None) -> None:
    lines = path.read_text().splitlines()
    if first is not None:
        lines[0] = first
    if second is not None:
        lines[1] = second
    path.write_text("\n".join(lines) + "\n")


def replace_row(path: Path, index: int, text: str) -> None:
    lines = path.read_text().splitlines()
    lines[index] = text
    path.write_text("\n".join(lines) + "\n")


BAD = {
    "empty EDA": ("EDA.csv", lambda p: p.write_text(""), "is empty"),
    "blank EDA": ("EDA.csv", lambda p: p.write_text("\n\n  \n"), "is empty"),
    "header row": (
        "EDA.csv",
        lambda p: p.write_text("EDA\n" + p.read_text()),
        r"row 1: 'EDA' is text.*no header row",
    ),
    "rate not a number": (
        "EDA.csv",
        lambda p: replace_lines(p, second="4.0Hz"),
        r"row 2: '4.0Hz' is text, not the sampling rate",
    ),
    "rate empty": ("EDA.csv", lambda p: replace_lines(p, second="?"), r"row 2: '\?' is not a"),
    "rate zero": (
        "TEMP.csv",
        lambda p: replace_lines(p, second="0.0"),
        "must be a real number, in Hz, at least 1e-09",
    ),
    "rate differs": ("EDA.csv", lambda p: replace_lines(p, second="8.000000"), "8 Hz in"),
    "start in ms": (
        "HR.csv",
        lambda p: replace_lines(p, first="1495437370000"),
        "not a Unix time in seconds",
    ),
    "only header rows": ("HR.csv", lambda p: p.write_text("1495437370\n1.0\n"), "0 sample"),
    "no rate row": ("BVP.csv", lambda p: p.write_text("1495437360\n"), "ends after row 1"),
    "text sample": (
        "TEMP.csv",
        lambda p: replace_row(p, 2 + 41, "33.1 C"),
        r"column 'TEMP', data row 42: '33.1 C' is not a number",
    ),
    "acc starts differ": (
        "ACC.csv",
        lambda p: replace_lines(p, first="1495437360, 1495437361, 1495437360"),
        "different values",
    ),
    "acc two columns": (
        "ACC.csv",
        lambda p: replace_lines(p, first="1495437360, 1495437360"),
        "expected 3 value",
    ),
    "acc ragged": (
        "ACC.csv",
        lambda p: p.write_text(p.read_text() + "1,2,3,4\n"),
        "3 comma-separated",
    ),
    "eda two columns": (
        "EDA.csv",
        lambda p: replace_lines(p, first="1495437360,1495437360"),
        "expected 1 value",
    ),
    "binary": ("BVP.csv", lambda p: p.write_bytes(b"\xff\xfe\x00\x81\x00"), "not text in UTF-8"),
    "infinite": ("EDA.csv", lambda p: p.write_text(p.read_text() + "inf\n"), "infinite"),
    "tags": ("tags.csv", lambda p: p.write_text("button\n"), r"row 1: 'button' is not a Unix"),
    "mixed exports": (
        "HR.csv",
        lambda p: replace_lines(p, first="1595437370"),
        "do not overlap in time; are they from the same E4 export",
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_files_name_the_file_and_the_fix(dyad, case):
    a, b, _, _ = dyad
    name, damage, message = BAD[case]
    damage(b / name)
    with pytest.raises(FileFormatError, match=message) as info:
        concordlab.read_e4(a, b)
    assert name in str(info.value) and str(b) in str(info.value)


def test_missing_export_or_eda(dyad, tmp_path):
    a, b, _, _ = dyad
    with pytest.raises(FileFormatError, match="does not exist") as info:
        concordlab.read_e4(a, tmp_path / "no-such-export")
    assert "no-such-export" in str(info.value)
    (b / "EDA.csv").unlink()
    with pytest.raises(FileFormatError, match=r"has no EDA\.csv") as info:
        concordlab.read_e4(a, b)
    assert str(b) in str(info.value)
    s = concordlab.read_e4(a, b, channels=["hr"])  # fine without EDA when not asked for
    assert concordlab.channels(s) == ["hr"]
    not_zip = tmp_path / "export.csv"
    not_zip.write_text("1,2\n")
    with pytest.raises(FileFormatError, match="neither a folder nor a .zip"):
        concordlab.read_e4(a, not_zip)
    with pytest.raises(ValidationError, match="align"):
        concordlab.read_e4(a, b, align="end")


GARBAGE_FILES = ["EDA.csv", "HR.csv", "TEMP.csv", "BVP.csv", "ACC.csv", "IBI.csv", "tags.csv"]


@pytest.fixture(scope="module")
def small_dyad(tmp_path_factory):
    root = tmp_path_factory.mktemp("e4-garbage")
    e4_export(root / "a", T0, 20, seed=7, tags=[5])
    e4_export(root / "b", T0 + 3, 20, seed=8, tags=[7])
    return root / "a", root / "b"


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(GARBAGE_FILES),
    content=st.one_of(
        st.binary(max_size=200),
        st.text(alphabet=st.sampled_from("0123456789.,-e \n\tinfaNHz"), max_size=200),
        st.lists(
            st.sampled_from(["1495437328", "4.0", "32, 32, 32", "0.5", "", "x"]), max_size=8
        ).map("\n".join),
    ),
)
def test_garbage_raises_only_concordlab_errors(small_dyad, name, content):
    a, b = small_dyad
    path = b / name
    original = path.read_bytes()
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            session = concordlab.read_e4(a, b)
    except ConcordlabError:
        return
    finally:
        path.write_bytes(original)
    concordlab.validate_session(session)


def test_garbage_zip_raises_file_format_error(small_dyad, tmp_path):
    a, _ = small_dyad
    bad = tmp_path / "export.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FileFormatError, match="export.zip"):
        concordlab.read_e4(a, bad)
    copy = tmp_path / "copy"
    shutil.copytree(a, copy)
    assert pd.Timestamp(concordlab.read_e4(a, copy).attrs["start_time"]).timestamp() == T0


# --------------------------------------------------------------------------- strict input


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("1e7", "at most 1e\\+06"),
        ("1e-300", "at least 1e-09"),
        ("1e-8", "would span more than"),
        ("-4", "at least 1e-09"),
    ],
)
def test_rate_row_uses_the_shared_rule(dyad, rate, message):
    a, b, _, _ = dyad
    replace_lines(b / "EDA.csv", second=rate)
    with pytest.raises(FileFormatError, match=message) as info:
        concordlab.read_e4(a, b)
    assert "EDA.csv" in str(info.value) and "row 2" in str(info.value)


def test_truncated_zip_is_said_in_plain_words(small_dyad, tmp_path):
    a, b = small_dyad
    archive = tmp_path / "b.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(b.iterdir()):
            out.write(path, path.name)
    data = archive.read_bytes()
    start = data.index(b"EDA.csv") + 7
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(data[:start] + bytes(200) + data[start + 200 :])
    with pytest.raises(FileFormatError, match="the zip file is truncated or damaged") as info:
        concordlab.read_e4(a, damaged)
    assert "damaged.zip" in str(info.value)


def test_byte_order_mark_is_dropped(small_dyad, tmp_path):
    a, b = small_dyad
    copy = tmp_path / "copy"
    shutil.copytree(b, copy)
    (copy / "EDA.csv").write_bytes(b"\xef\xbb\xbf" + (copy / "EDA.csv").read_bytes())
    assert "eda" in concordlab.channels(concordlab.read_e4(a, copy))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"person2": None}, "person2 must be the path"),
        ({"person1": 5}, "person1 must be the path"),
        ({"tag_duration": "1"}, "tag_duration must be a real number"),
        ({"tag_duration": 0}, "tag_duration must be a real number"),
        ({"tag_duration": math.inf}, "tag_duration must be a real number"),
        ({"channels": 5}, "channels must be None .*one E4 channel name"),
        ({"channels": ["eda", None]}, "channels must be None .*one E4 channel name"),
        ({"session_id": 7}, "session_id must be"),
        ({"align": None}, "align must be one of"),
    ],
)
def test_bad_arguments_are_validation_errors(small_dyad, kwargs, message):
    a, b = small_dyad
    arguments = {"person1": a, "person2": b, **kwargs}
    with pytest.raises(ValidationError, match=message):
        concordlab.read_e4(arguments.pop("person1"), arguments.pop("person2"), **arguments)
