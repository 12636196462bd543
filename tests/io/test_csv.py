"""read_csv on real third-party files and on every kind of bad input."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import concordlab
import concordlab.io.csv as csv_module
from concordlab import ConcordlabError, FileFormatError, ValidationError


@pytest.fixture(autouse=True, params=["pyarrow", "pandas"])
def engine(request, monkeypatch):
    """Every test runs with both CSV engines: the same results and the same errors."""
    monkeypatch.setattr(csv_module, "ENGINE", request.param)
    return request.param


def parse_whitespace_pairs(path: Path) -> tuple[list[str], np.ndarray]:
    """An independent, plain-Python reading of an rMEA file."""
    lines = path.read_text().splitlines()
    header = [h.strip('"') for h in lines[0].split()]
    rows = [[float(x) for x in line.split()] for line in lines[1:] if line.strip()]
    return header, np.array(rows).T


def test_reads_all_twenty_rmea_dyads(rmea_paths):
    for path in rmea_paths:
        session = concordlab.read_csv(path, sampling_rate=25, channel="motion")
        header, expected = parse_whitespace_pairs(path)
        assert header == ["pat", "th"]
        motion = session["motion"]["motion"]
        assert motion.dims == ("person", "time")
        assert motion.sizes["time"] == 15000
        np.testing.assert_array_equal(motion.sel(person="patient").values, expected[0])
        np.testing.assert_array_equal(motion.sel(person="therapist").values, expected[1])
        time = session["motion"]["time"].values
        assert time[0] == 0.0 and math.isclose(time[-1], 14999 / 25)
        assert motion.attrs["sampling_rate"] == 25.0
        assert concordlab.time_span(session) == (0.0, 600.0)
        assert session.attrs["session_id"] == path.stem
        assert (motion.values >= 0).all() and not np.isnan(motion.values).any()


def test_neurokit_pseudo_dyad_trimmed_to_common_time(data_dir):
    resting = data_dir / "eda-single/neurokit/bio_resting_8min_100hz.csv"
    event = data_dir / "eda-single/neurokit/bio_eventrelated_100hz.csv"
    with pytest.raises(FileFormatError, match="align='trim'"):
        concordlab.read_csv([resting, event], sampling_rate=100, channel="eda", columns="EDA")
    session = concordlab.read_csv(
        [resting, event], sampling_rate=100, channel="eda", columns="EDA", align="trim", units="uS"
    )
    with open(resting) as handle:
        resting_eda = [float(row["EDA"]) for row in csv.DictReader(handle)]
    with open(event) as handle:
        event_eda = [float(row["EDA"]) for row in csv.DictReader(handle)]
    eda = session["eda"]["eda"]
    assert eda.sizes["time"] == min(len(resting_eda), len(event_eda)) == 15000
    np.testing.assert_array_equal(eda.values[0], resting_eda[:15000])
    np.testing.assert_array_equal(eda.values[1], event_eda)
    assert eda.attrs["units"] == "uS"
    assert 0.5 < np.nanmean(eda.values) < 40  # microsiemens

    padded = concordlab.read_csv(
        [resting, event], sampling_rate=100, channel="eda", columns="EDA", align="pad"
    )["eda"]["eda"]
    assert padded.sizes["time"] == len(resting_eda)
    assert np.isnan(padded.values[1, 15000:]).all()
    assert not np.isnan(padded.values[0]).any()


def test_neurokit_several_channels_from_two_files(data_dir):
    resting = data_dir / "eda-single/neurokit/bio_resting_8min_100hz.csv"
    event = data_dir / "eda-single/neurokit/bio_eventrelated_100hz.csv"
    session = concordlab.read_csv(
        [resting, event],
        sampling_rate=100,
        columns={"eda": "EDA", "ecg": "ECG", "resp": "RSP"},
        align="trim",
        persons=("person A", "person B"),
    )
    assert concordlab.channels(session) == ["eda", "ecg", "resp"]
    assert concordlab.persons(session) == ("person A", "person B")
    with open(event) as handle:
        ecg = [float(row["ECG"]) for row in csv.DictReader(handle)]
    np.testing.assert_array_equal(session["ecg"]["ecg"].values[1], ecg)


def test_biosppy_file_with_comment_header_and_no_column_names(data_dir):
    path = data_dir / "eda-single/biosppy/eda.txt"
    expected = [float(x) for x in path.read_text().splitlines() if not x.startswith("#")]
    session = concordlab.read_csv([path, path], sampling_rate=1000, channel="eda", units="ADC")
    eda = session["eda"]["eda"]
    assert eda.sizes["time"] == len(expected) == 150000
    np.testing.assert_array_equal(eda.values[0], expected)
    assert concordlab.time_span(session) == (0.0, 150.0)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [("a,b\n1,2\n3,4\n", ","), ("a\tb\n1\t2\n3\t4\n", "\t"), ("a b\n1 2\n3  4\n", " ")],
)
def test_delimiters(tmp_path, text, delimiter):
    session = concordlab.read_csv(write(tmp_path / "x.txt", text), sampling_rate=2)
    np.testing.assert_array_equal(session["signal"]["signal"].values, [[1, 3], [2, 4]])


def test_time_column_in_seconds_sets_rate_offset_and_gaps(tmp_path):
    text = "t,p,q\n10.0,1,5\n10.5,2,6\n11.5,4,8\n12.0,5,9\n"
    session = concordlab.read_csv(write(tmp_path / "x.csv", text), time_column="t")
    signal = session["signal"]
    assert signal["signal"].attrs["sampling_rate"] == 2.0
    np.testing.assert_array_equal(signal["time"].values, [10.0, 10.5, 11.0, 11.5, 12.0])
    np.testing.assert_array_equal(signal["signal"].values[0], [1, 2, np.nan, 4, 5])


def test_iso_time_column_sets_start_time(tmp_path):
    text = "time,p,q\n2024-03-01T09:00:00,1,2\n2024-03-01T09:00:01,3,4\n2024-03-01T09:00:02,5,6\n"
    session = concordlab.read_csv(write(tmp_path / "x.csv", text), time_column="time")
    assert session.attrs["start_time"] == "2024-03-01T09:00:00"
    assert session["signal"]["signal"].attrs["sampling_rate"] == 1.0


def test_time_columns_of_two_files_are_aligned(tmp_path):
    a = write(tmp_path / "a.csv", "t,x\n0,1\n1,2\n2,3\n3,4\n")
    b = write(tmp_path / "b.csv", "t,x\n2,7\n3,8\n4,9\n")
    session = concordlab.read_csv([a, b], time_column="t", align="pad")
    values = session["signal"]["signal"].values
    np.testing.assert_array_equal(values[0], [1, 2, 3, 4, np.nan])
    np.testing.assert_array_equal(values[1], [np.nan, np.nan, 7, 8, 9])
    trimmed = concordlab.read_csv([a, b], time_column="t", align="trim")
    np.testing.assert_array_equal(trimmed["signal"]["time"].values, [2.0, 3.0])
    np.testing.assert_array_equal(trimmed["signal"]["signal"].values, [[3, 4], [7, 8]])


def test_empty_cells_and_na_become_nan(tmp_path):
    session = concordlab.read_csv(
        write(tmp_path / "x.csv", "a,b\n1,\nNA,4\n5,6\n"), sampling_rate=1
    )
    np.testing.assert_array_equal(
        session["signal"]["signal"].values, [[1, np.nan, 5], [np.nan, 4, 6]]
    )


BAD_FILES = {
    "empty": ("", "empty"),
    "header only": ("a,b\n", "no data rows"),
    "text in numbers": ("a,b\n1,2\n3,oops\n", r"column 'b', data row 2: 'oops' is not a number"),
    "one column": ("a\n1\n2\n", "expected two columns"),
    "three columns": ("a,b,c\n1,2,3\n4,5,6\n", "say which to use"),
    "infinite": ("a,b\n1,2\ninf,3\n", "infinite"),
    "binary": (None, "not text in UTF-8"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_name_the_file_and_the_problem(tmp_path, case):
    text, message = BAD_FILES[case]
    path = tmp_path / "bad.csv"
    if text is None:
        path.write_bytes(b"\xff\xfe\x00\x81garbage\x00")
    else:
        write(path, text)
    with pytest.raises(FileFormatError, match=message) as info:
        concordlab.read_csv(path, sampling_rate=4)
    assert "bad.csv" in str(info.value) or case in ("three columns",)


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("t,a,b\n0,1,2\n0,3,4\n", {"time_column": "t"}, "repeats"),
        ("t,a,b\n0,1,2\n1,3,4\n0.5,5,6\n", {"time_column": "t"}, "goes back in time"),
        (
            "t,a,b\n0,1,2\n1,3,4\n2,5,6\n",
            {"time_column": "t", "sampling_rate": 4},
            "sampling_rate=4 Hz was given",
        ),
        ("t,a,b\n0,1,2\n1,3,4\n", {"time_column": "x"}, "no column 'x'"),
        ("t,a,b\n0,1,2\n,3,4\n", {"time_column": "t"}, "time is missing"),
        ("a,b\n1,2\n3,4\n", {"columns": ["a", "zz"], "sampling_rate": 1}, "no column 'zz'"),
        ("t,a,b\n0,1,2\n1,3,4\n1.4,5,6\n2,1,1\n", {"time_column": "t"}, "too irregular"),
    ],
)
def test_bad_time_and_columns(tmp_path, text, kwargs, message):
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(FileFormatError, match=message) as info:
        concordlab.read_csv(path, **kwargs)
    assert "bad.csv" in str(info.value)


def test_mismatched_lengths_and_missing_file(tmp_path):
    a = write(tmp_path / "a.csv", "x\n1\n2\n3\n")
    b = write(tmp_path / "b.csv", "x\n1\n2\n")
    with pytest.raises(FileFormatError, match="3 and 2 samples"):
        concordlab.read_csv([a, b], sampling_rate=1)
    with pytest.raises(FileFormatError, match="does not exist"):
        concordlab.read_csv(tmp_path / "missing.csv", sampling_rate=1)
    with pytest.raises(ValidationError, match=r"sampling_rate=\.\.\."):
        concordlab.read_csv(a)
    with pytest.raises(ValidationError, match="align"):
        concordlab.read_csv([a, b], sampling_rate=1, align="stretch")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.text(alphabet=st.sampled_from("0123456789.,;\t -e\nabNA#\"'"), max_size=300),
    ),
    time_column=st.sampled_from([None, 0, "t", "a"]),
)
def test_garbage_raises_only_concordlab_errors(tmp_path, content, time_column):
    path = tmp_path / "garbage.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    try:
        session = concordlab.read_csv(
            path, sampling_rate=None if time_column is not None else 2.0, time_column=time_column
        )
    except ConcordlabError:
        return
    concordlab.validate_session(session)


# --------------------------------------------------------------------------- strict input


def test_two_files_at_different_rates_are_refused(tmp_path):
    a = write(tmp_path / "a.csv", "t,x\n" + "".join(f"{i / 4},{i}\n" for i in range(8)))
    b = write(tmp_path / "b.csv", "t,x\n" + "".join(f"{i / 2},{i}\n" for i in range(4)))
    with pytest.raises(FileFormatError, match="sampled at 4 Hz but") as info:
        concordlab.read_csv([a, b], time_column="t")
    assert "a.csv" in str(info.value) and "b.csv" in str(info.value)
    assert "2 Hz" in str(info.value)


@pytest.mark.parametrize("rate", [0, -4, [4], complex(4), 1e308, "4", True, math.nan, math.inf])
def test_bad_sampling_rate_is_a_validation_error(tmp_path, rate):
    path = write(tmp_path / "x.csv", "a,b\n1,2\n3,4\n")
    with pytest.raises(ValidationError, match="sampling_rate must be a real number"):
        concordlab.read_csv(path, sampling_rate=rate)


def test_fs_is_the_old_name_of_sampling_rate(tmp_path):
    path = write(tmp_path / "x.csv", "a,b\n1,2\n3,4\n")
    with pytest.warns(FutureWarning, match=r"read_csv\(sampling_rate=\.\.\.\)"):
        session = concordlab.read_csv(path, fs=2)
    assert session["signal"]["signal"].attrs["sampling_rate"] == 2.0
    with pytest.raises(ValidationError, match="Give sampling_rate only"):
        concordlab.read_csv(path, fs=2, sampling_rate=2)


def test_irregular_time_stamps_are_refused(tmp_path):
    path = write(tmp_path / "x.csv", "t,a,b\n0,1,2\n1,3,4\n2.2,5,6\n3,1,1\n4,2,2\n")
    with pytest.raises(FileFormatError, match=r"data row 3: the time 2.2 s is off the regular"):
        concordlab.read_csv(path, time_column="t")


def test_rounded_time_stamps_give_the_true_rate(tmp_path):
    # 256 Hz written to whole milliseconds: every stamp is off by up to 0.13 samples.
    times = np.round(np.arange(600) / 256, 3)
    text = "t,a,b\n" + "".join(f"{t:.3f},{i},{i}\n" for i, t in enumerate(times))
    session = concordlab.read_csv(write(tmp_path / "x.csv", text), time_column="t")
    assert session["signal"]["signal"].attrs["sampling_rate"] == 256.0
    assert session["signal"].sizes["time"] == 600


def test_duplicate_header_names_are_refused(tmp_path):
    path = write(tmp_path / "x.csv", "x,y,x\n1,2,3\n4,5,6\n")
    with pytest.raises(FileFormatError, match=r"\['x'\] appear more than once"):
        concordlab.read_csv(path, sampling_rate=1, columns=["x", "y"])


def test_duplicate_check_is_linear_in_the_number_of_columns(tmp_path):
    import time

    names = [f"c{i}" for i in range(20_000)] + ["c7"]
    path = write(tmp_path / "wide.csv", ",".join(names) + "\n" + ",".join(["1"] * 20_001) + "\n")
    started = time.perf_counter()
    with pytest.raises(FileFormatError, match=r"\['c7'\]"):
        concordlab.read_csv(path, sampling_rate=1)
    assert time.perf_counter() - started < 5


def test_an_outlier_time_stamp_is_not_filled_with_nan(tmp_path):
    text = "t,a,b\n" + "".join(f"{i},{i},{i}\n" for i in range(100)) + "10000000,1,1\n"
    with pytest.raises(FileFormatError, match=r"data row 101: the time jumps from 99 s") as info:
        concordlab.read_csv(write(tmp_path / "x.csv", text), time_column="t")
    assert "gap of" in str(info.value) and "remove that time stamp" in str(info.value)


def test_a_short_gap_is_still_filled_with_nan(tmp_path):
    text = "t,a,b\n" + "".join(f"{i},{i},{i}\n" for i in range(10) if i not in (4, 5))
    values = concordlab.read_csv(write(tmp_path / "x.csv", text), time_column="t")
    assert np.isnan(values["signal"]["signal"].values[0, 4:6]).all()


def test_byte_order_mark_and_crlf_are_read(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xef\xbb\xbft,pat,th\r\n0,1,2\r\n0.5,3,4\r\n1.0,5,6\r\n")
    session = concordlab.read_csv(path, time_column="t", columns=["pat", "th"])
    np.testing.assert_array_equal(session["signal"]["signal"].values, [[1, 3, 5], [2, 4, 6]])


@pytest.mark.parametrize("path", [None, 4, b"x.csv", ["a.csv", None], [], ""])
def test_a_path_is_needed(path):
    with pytest.raises(ValidationError, match="path|one file"):
        concordlab.read_csv(path, sampling_rate=4)


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(FileFormatError, match="is a folder"):
        concordlab.read_csv(tmp_path, sampling_rate=4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,2,3\n4,5,6\n", "more cells than the header"),
        ("a,b\n1,2\n4,5,6\n", "not a valid table"),
        ("a,b\n1,2\n", "at least 2 samples"),
        ("a,b\n1,1e999\n2,3\n", "infinite"),
        ("a,b\n1,\x01\n2,3\n", "not a number"),
    ],
)
def test_more_hostile_files(tmp_path, text, message):
    with pytest.raises(FileFormatError, match=message) as info:
        concordlab.read_csv(write(tmp_path / "bad.csv", text), sampling_rate=2)
    assert "bad.csv" in str(info.value)


def test_a_very_long_header_line_is_read(tmp_path):
    names = [f"column_with_a_long_name_{i}" for i in range(5000)]
    text = ",".join(names) + "\n" + ",".join(["1"] * 5000) + "\n" + ",".join(["2"] * 5000) + "\n"
    session = concordlab.read_csv(
        write(tmp_path / "x.csv", text), sampling_rate=1, columns=[names[0], names[-1]]
    )
    assert session["signal"]["signal"].values.tolist() == [[1, 2], [1, 2]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"align": "stretch"}, "align must be one of"),
        ({"metadata": ["x"]}, "metadata must be a mapping"),
        ({"columns": 3.5}, "columns must be"),
        ({"columns": {}}, "empty mapping"),
        ({"units": 5}, "units must be"),
        ({"units": {"eda": "uS"}}, r"units names channel\(s\) \['eda'\]"),
        ({"session_id": 5}, "session_id must be"),
        ({"time_column": 1.5, "sampling_rate": None}, "time_column must be"),
    ],
)
def test_bad_arguments_are_validation_errors(tmp_path, kwargs, message):
    path = write(tmp_path / "x.csv", "a,b\n1,2\n3,4\n")
    with pytest.raises(ValidationError, match=message):
        concordlab.read_csv(path, **{"sampling_rate": 2, **kwargs})


# --------------------------------------------------------------------------- the two engines


def _outcome(path, **kwargs):
    """The session read, or the error's type and message."""
    try:
        return concordlab.read_csv(path, **kwargs)
    except ConcordlabError as error:
        return type(error).__name__, str(error)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.one_of(
        st.binary(max_size=200),
        st.text(alphabet=st.sampled_from("0123456789.,;\t -e\nabNA#\"'\r"), max_size=200),
        st.lists(
            st.lists(
                st.one_of(
                    st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.integers(-(2**70), 2**70).map(str),
                    st.sampled_from(["", "NA", "nan", "None", "<NA>", " 1", "1 ", '"2"', "x"]),
                ),
                min_size=3,
                max_size=3,
            ),
            min_size=0,
            max_size=6,
        ).map(lambda rows: "t,a,b\n" + "".join(",".join(row) + "\n" for row in rows)),
    ),
    time_column=st.sampled_from([None, 0, "t"]),
)
def test_pyarrow_and_pandas_engines_agree_on_any_input(tmp_path, engine, content, time_column):
    path = tmp_path / "any.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    kwargs = {"sampling_rate": None if time_column is not None else 2.0}
    outcomes = {}
    for name in ("pyarrow", "pandas"):
        csv_module.ENGINE = name
        outcomes[name] = _outcome(path, time_column=time_column, **kwargs)
    csv_module.ENGINE = engine
    if isinstance(outcomes["pandas"], tuple):
        assert outcomes["pyarrow"] == outcomes["pandas"]
    else:
        assert not isinstance(outcomes["pyarrow"], tuple), outcomes["pyarrow"]
        assert outcomes["pyarrow"].identical(outcomes["pandas"])


def test_the_pyarrow_engine_reads_numeric_files_itself(tmp_path, engine, monkeypatch):
    """Not a silent fallback: with pyarrow, pandas' parser is not called for plain numbers."""
    if engine != "pyarrow":
        pytest.skip("the pyarrow engine only")

    def refuse(*args, **kwargs):
        raise AssertionError("pandas parsed a file pyarrow should have read")

    monkeypatch.setattr(csv_module, "_read_with_pandas", refuse)
    path = write(tmp_path / "x.csv", "# a comment\nt;p;q\n0;1.5;\n0.5;NA;4e-3\n1.0;-2;5\n")
    session = concordlab.read_csv(path, time_column="t")
    values = session["signal"]["signal"].values
    np.testing.assert_array_equal(values, [[1.5, np.nan, -2.0], [np.nan, 4e-3, 5.0]])
    # A text cell is pandas' to read (and refuse, naming the row).
    bad = write(tmp_path / "bad.csv", "t,p,q\n0,1,2\n1,oops,3\n")
    with pytest.raises(FileFormatError, match="pandas parsed"):
        concordlab.read_csv(bad, time_column="t")


def test_without_pyarrow_the_pandas_engine_reads(tmp_path, engine, monkeypatch):
    """Python in the browser has no pyarrow: 'auto' falls back to pandas, 'pyarrow' says so."""
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)
    monkeypatch.setitem(__import__("sys").modules, "pyarrow.csv", None)
    path = write(tmp_path / "x.csv", "a,b\n1,2\n3,4\n")
    monkeypatch.setattr(csv_module, "ENGINE", "auto")
    assert csv_module._engine() == "pandas"
    session = concordlab.read_csv(path, sampling_rate=2)
    np.testing.assert_array_equal(session["signal"]["signal"].values, [[1, 3], [2, 4]])
    monkeypatch.setattr(csv_module, "ENGINE", "pyarrow")
    with pytest.raises(ValidationError, match="pyarrow is not installed"):
        concordlab.read_csv(path, sampling_rate=2)


# --------------------------------------------------------------------------- time units, framing

SYNCPY = Path(__file__).parent.parent / "data/syncpy/2Persons_Monovariate_Continuous_data.csv"
POLAR = Path(__file__).parent.parent / "data/polar-h10/polar_h10_ecg_60s.csv"


def test_syncpy_time_in_milliseconds_loads_at_5_hz():
    """SyncPy's two-person example, header 'Time (ms),x1,x2': 5 Hz, 200 s, not 0.005 Hz."""
    import pandas as pd

    expected = pd.read_csv(SYNCPY)
    session = concordlab.read_csv(SYNCPY, time_column="Time (ms)")
    signal = session["signal"]
    assert signal["signal"].attrs["sampling_rate"] == 5.0
    np.testing.assert_allclose(signal["time"].values, expected["Time (ms)"] / 1000, atol=1e-12)
    np.testing.assert_array_equal(signal["signal"].values, expected[["x1", "x2"]].to_numpy().T)
    meta = concordlab.metadata(session)["source"]["patient"]
    assert meta["time_unit"] == "ms"
    same = concordlab.read_csv(SYNCPY, time_column="Time (ms)", time_unit="ms")
    np.testing.assert_array_equal(same["signal"]["signal"].values, signal["signal"].values)
    with pytest.raises(FileFormatError, match="its name says the unit is 'ms' but time_unit='s'"):
        concordlab.read_csv(SYNCPY, time_column="Time (ms)", time_unit="s")


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("Time (ms)", "ms"),
        ("time_ms", "ms"),
        ("Timestamp [s]", "s"),
        ("sensor timestamp [ns]", "ns"),
        ("t (µs)", "us"),
        ("Time (seconds)", "s"),
        ("unix_time_ms", "unix_ms"),
        ("Epoch (s)", "unix_s"),
        ("time", None),
        ("ecg [uV]", None),
        ("times", None),
    ],
)
def test_the_unit_a_column_name_states(name, unit):
    assert csv_module.time_unit_of(name) == unit


@pytest.mark.parametrize(
    ("text", "unit", "rate", "times"),
    [
        ("t,a,b\n0,1,2\n250,3,4\n500,5,6\n", "ms", 4.0, [0.0, 0.25, 0.5]),
        ("t,a,b\n0,1,2\n250000,3,4\n500000,5,6\n", "us", 4.0, [0.0, 0.25, 0.5]),
        ("t,a,b\n10,1,2\n12,3,4\n14,5,6\n", "s", 0.5, [10.0, 12.0, 14.0]),
    ],
)
def test_time_unit_given(tmp_path, text, unit, rate, times):
    session = concordlab.read_csv(write(tmp_path / "x.csv", text), time_column="t", time_unit=unit)
    assert session["signal"]["signal"].attrs["sampling_rate"] == rate
    np.testing.assert_allclose(session["signal"]["time"].values, times)


def test_an_unstated_unit_that_may_be_milliseconds_is_refused_or_reported(tmp_path):
    path = write(tmp_path / "x.csv", "t,a,b\n0,1,2\n200,3,4\n400,5,6\n")
    with pytest.raises(FileFormatError, match=r"does not say its unit.*time_unit='ms'"):
        concordlab.read_csv(path, time_column="t")
    one = write(tmp_path / "one.csv", "t,a,b\n0,1,2\n1,3,4\n2,5,6\n")
    with pytest.warns(UserWarning, match=r"read as seconds \(1 Hz\)"):
        session = concordlab.read_csv(one, time_column="t")
    assert session["signal"]["signal"].attrs["sampling_rate"] == 1.0


def test_unix_milliseconds_set_the_start_time_and_messages_say_dates(tmp_path):
    t0 = 1680690000000  # 2023-04-05T10:20:00 UTC
    rows = "".join(f"{t0 + 250 * i},{i},{-i}\n" for i in range(8))
    session = concordlab.read_csv(
        write(tmp_path / "x.csv", "t,a,b\n" + rows), time_column="t", time_unit="unix_ms"
    )
    assert session.attrs["start_time"] == "2023-04-05T10:20:00+00:00"
    assert session["signal"]["signal"].attrs["sampling_rate"] == 4.0
    np.testing.assert_array_equal(session["signal"]["signal"].values[0], np.arange(8))
    back = "t,a,b\n" + rows + f"{t0},1,1\n"
    with pytest.raises(FileFormatError, match=r"data row 9: the time goes back in time \(2023-04"):
        concordlab.read_csv(write(tmp_path / "y.csv", back), time_column="t", time_unit="unix_ms")


def test_iso_time_unit_refuses_numbers(tmp_path):
    path = write(tmp_path / "x.csv", "t,a,b\n0.0,1,2\n0.5,3,4\n")
    with pytest.raises(FileFormatError, match="time_unit='iso' but the times are not ISO 8601"):
        concordlab.read_csv(path, time_column="t", time_unit="iso")


def test_banner_lines_are_skipped(tmp_path):
    import pandas as pd

    text = "Exported by SomeDevice v2.1\nSubject 07, 2024-03-01\nt,a,b\n0,1,2\n0.5,3,4\n1,5,6\n"
    path = write(tmp_path / "x.csv", text)
    expected = pd.read_csv(path, skiprows=2)
    session = concordlab.read_csv(path, time_column="t", skip_lines=2)
    np.testing.assert_array_equal(
        session["signal"]["signal"].values, expected[["a", "b"]].to_numpy().T
    )
    with pytest.raises(FileFormatError, match="skip_lines=9 skips every line"):
        concordlab.read_csv(path, time_column="t", skip_lines=9)


def test_tab_terminated_lines_keep_their_first_row(tmp_path):
    """An OpenSignals-like export: '#' header lines, then data lines ending with a tab."""
    import pandas as pd

    rows = "".join(f"{i}\t0\t{500 + i % 7}\t{480 + i % 5}\t\n" for i in range(40))
    text = '# OpenSignals Text File Format\n# {"sampling rate": 100}\n# EndOfHeader\n' + rows
    path = write(tmp_path / "opensignals.txt", text)
    expected = pd.read_csv(path, sep="\t", comment="#", header=None).dropna(axis=1, how="all")
    session = concordlab.read_csv(path, sampling_rate=100, columns=[2, 3])
    values = session["signal"]["signal"].values
    assert values.shape == (2, 40)  # the first data row is not taken for a header
    np.testing.assert_array_equal(values, expected[[2, 3]].to_numpy().T)
    named = write(
        tmp_path / "named.tsv", "t\ta\tb\t\n" + "".join(f"{i / 4}\t{i}\t{-i}\t\n" for i in range(8))
    )
    session = concordlab.read_csv(named, time_column="t")
    np.testing.assert_array_equal(session["signal"]["signal"].values[1], -np.arange(8))


def test_rounded_stamps_agree_with_the_declared_rate(tmp_path):
    """300 Hz stamps written to the millisecond step by 0.003 or 0.004 s: still 300 Hz."""
    rows = "".join(f"{i / 300:.3f},{i},{i}\n" for i in range(900))
    session = concordlab.read_csv(
        write(tmp_path / "x.csv", "t,a,b\n" + rows), time_column="t", sampling_rate=300
    )
    assert session["signal"]["signal"].attrs["sampling_rate"] == 300.0


def test_a_declared_rate_more_than_one_percent_off_is_refused(tmp_path):
    rows = "".join(f"{i / 4.1!r},{i},{i}\n" for i in range(80))
    path = write(tmp_path / "x.csv", "t,a,b\n" + rows)
    with pytest.raises(FileFormatError, match="sampling_rate=4 Hz was given, more than 1% apart"):
        concordlab.read_csv(path, time_column="t", sampling_rate=4)
    with pytest.raises(FileFormatError, match=r"more than 1% from sampling_rate=4 Hz"):
        concordlab.read_csv(path, time_column="t", sampling_rate=4, regularize=True)


# --------------------------------------------------------------------------- drifting clocks

T0_MS = 1680690000123


def drifting_file(path, true_rate, start_ms, seconds, dropouts, seed):
    """One person's ECG-like export: Unix-ms stamps of a device at ``true_rate``, jittered by
    up to 0.4 ms, written to 0.001 ms, with dropouts (start, length) in seconds."""
    rng = np.random.default_rng(seed)
    true = start_ms / 1000 + np.arange(int(seconds * true_rate)) / true_rate
    keep = np.ones(true.size, bool)
    for begin, length in dropouts:
        keep &= ~((true >= true[0] + begin) & (true < true[0] + begin + length))
    true = true[keep]
    stamps = np.round((true + rng.uniform(-4e-4, 4e-4, true.size)) * 1000, 3)
    values = slow_signal(true)
    path.write_text(
        "timestamp_unix_ms,ecg\n"
        + "".join(f"{t:.3f},{float(v)!r}\n" for t, v in zip(stamps, values, strict=True))
    )
    return path, true


def slow_signal(t):
    return np.sin(2 * np.pi * 0.2 * (t - T0_MS / 1000)) + 0.3 * np.cos(2 * np.pi * 0.04 * t)


def test_two_drifting_devices_align_on_absolute_time(tmp_path):
    a, true_a = drifting_file(tmp_path / "a.csv", 198.95, T0_MS, 120, [(20, 0.2), (50, 2)], 1)
    b, true_b = drifting_file(tmp_path / "b.csv", 199.12, T0_MS + 371, 120, [(70, 0.7)], 2)
    with pytest.raises(FileFormatError, match="regularize=True"):
        concordlab.read_csv([a, b], time_column="timestamp_unix_ms", align="pad")
    session = concordlab.read_csv(
        [a, b],
        time_column="timestamp_unix_ms",
        sampling_rate=200,
        regularize=True,
        align="pad",
        channel="ecg",
    )
    meta = concordlab.metadata(session)
    assert meta["source"]["patient"]["time_unit"] == "unix_ms"
    assert abs(meta["source"]["patient"]["clock_rate"] / 198.95 - 1) < 2e-6
    assert abs(meta["source"]["therapist"]["clock_rate"] / 199.12 - 1) < 2e-6
    assert len(meta["source"]["patient"]["dropouts"]) == 2
    assert (
        "grid_shift_s" not in meta
        or max(abs(x) for person in meta["grid_shift_s"].values() for x in person.values()) < 1e-6
    )
    ecg = session["ecg"]
    absolute = (
        pd_timestamp(session.attrs["start_time"]) + ecg["time"].values
    )  # seconds since 1970 of each grid point
    assert np.allclose(absolute * 200, np.round(absolute * 200), atol=1e-3)  # k / 200 s
    for person, true in enumerate((true_a, true_b)):
        row = ecg["ecg"].values[person]
        inside = np.zeros(row.size, bool)
        pieces = np.split(true, np.flatnonzero(np.diff(true) > 0.0075) + 1)
        for piece in pieces:
            inside |= (absolute > piece[0] + 1e-4) & (absolute < piece[-1] - 1e-4)
        edge = np.zeros(row.size, bool)
        for piece in pieces:
            edge |= (np.abs(absolute - piece[0]) <= 1e-4) | (np.abs(absolute - piece[-1]) <= 1e-4)
        assert not np.isnan(row[inside]).any()  # nothing but the dropouts is NaN
        assert np.isnan(row[~inside & ~edge]).all()  # the dropouts (and beyond) are NaN
        ok = ~np.isnan(row)
        np.testing.assert_allclose(row[ok], slow_signal(absolute[ok]), atol=2e-4)


def pd_timestamp(text):
    import pandas as pd

    return pd.Timestamp(text).value / 1e9


def test_real_polar_h10_clock_is_fitted_against_an_independent_fit():
    """A real Polar H10 chest strap, nominally 130 Hz: its stamps say 130.17 Hz."""
    import pandas as pd

    table = pd.read_csv(POLAR)
    ns = table["time"].to_numpy()
    seconds = (ns - ns[0]) / 1e9
    slope, intercept = np.polyfit(np.arange(ns.size), seconds, 1)
    recording = csv_module.read_csv_recording(
        POLAR,
        130,
        time_column="time",
        time_unit="unix_ns",
        columns={"ecg": "ecg"},
        regularize=True,
    )
    assert recording.source["clock_rate"] == pytest.approx(1 / slope, rel=1e-9)
    assert abs(recording.source["clock_rate"] - 130) > 0.1  # the clock really drifts
    assert recording.source["dropouts"] == []
    assert recording.start_time == pd.Timestamp(int(ns[0]), unit="ns", tz="UTC").isoformat()
    channel = recording.channels["ecg"]
    grid = channel.offset + np.arange(channel.n_samples) / 130
    expected = np.interp(grid, intercept + slope * np.arange(ns.size), table["ecg"].to_numpy())
    np.testing.assert_allclose(channel.values, expected, atol=1e-9)
    absolute = ns[0] / 1e9 + channel.offset
    assert abs(absolute * 130 - round(absolute * 130)) < 1e-3  # on the k / 130 s grid
    with pytest.raises(FileFormatError, match="does not say its unit"):
        csv_module.read_csv_recording(POLAR, time_column="time", columns={"ecg": "ecg"})


def test_real_polar_h10_halves_pair_on_one_grid(tmp_path):
    """Two overlapping excerpts of the real file, as two persons: the same grid points."""
    import pandas as pd

    table = pd.read_csv(POLAR)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    table.iloc[:5200].to_csv(first, index=False)
    table.iloc[2600:].to_csv(second, index=False)
    session = concordlab.read_csv(
        [first, second],
        130,
        time_column="time",
        time_unit="unix_ns",
        columns="ecg",
        channel="ecg",
        regularize=True,
        align="trim",
    )
    values = session["ecg"]["ecg"].values
    assert values.shape[1] > 2500 and not np.isnan(values).any()
    assert np.max(np.abs(values[0] - values[1])) < 0.02  # mV: one device, two fits


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.text(alphabet=st.sampled_from("0123456789.,-e\n"), max_size=200),
    time_unit=st.sampled_from([None, "s", "ms", "unix_ms", "iso"]),
    regularize=st.booleans(),
    skip_lines=st.integers(0, 3),
)
def test_time_options_on_garbage_raise_only_concordlab_errors(
    tmp_path, content, time_unit, regularize, skip_lines
):
    path = tmp_path / "garbage.csv"
    path.write_text("t,a,b\n" + content)
    try:
        session = concordlab.read_csv(
            path,
            time_column="t",
            time_unit=time_unit,
            regularize=regularize,
            skip_lines=skip_lines,
            sampling_rate=4 if regularize else None,
        )
    except ConcordlabError:
        return
    concordlab.validate_session(session)


def test_iso_stamps_of_two_drifting_devices_share_grid_points(tmp_path):
    import pandas as pd

    paths = []
    for name, rate, start in (
        ("a", 49.9, "2024-03-01T09:00:00.013"),
        ("b", 50.1, "2024-03-01T09:00:00.458"),
    ):
        t0 = pd.Timestamp(start)
        stamps = [t0 + pd.Timedelta(seconds=i / rate) for i in range(1500)]
        rows = "".join(f"{s.isoformat()},{i % 17}\n" for i, s in enumerate(stamps))
        paths.append(write(tmp_path / f"{name}.csv", "time,x\n" + rows))
    session = concordlab.read_csv(paths, 50, time_column="time", regularize=True, align="trim")
    assert session.attrs["start_time"] == "2024-03-01T09:00:00.020000"  # a's first grid point
    assert session["signal"]["time"].values[0] == pytest.approx(0.44)  # trimmed to b's start
    assert "grid_shift_s" not in concordlab.metadata(session)
    start = pd.Timestamp(session.attrs["start_time"])
    assert (start.value // 1000) % 20_000 == 0  # on the k / 50 s grid of the clock
    assert not np.isnan(session["signal"]["signal"].values).any()


def test_an_unclosed_quote_in_the_first_row_is_refused_alike(tmp_path, engine):
    """Found by the engines-agree property (2026-12-07): pyarrow read past the quote."""
    path = tmp_path / "x.csv"
    path.write_bytes(b'",\r')
    with pytest.raises(FileFormatError, match="not a valid table"):
        concordlab.read_csv(path, 2.0)


def test_a_stretch_cut_from_the_real_polar_file_becomes_nan(tmp_path):
    """The real file with 1.5 s of rows removed: those grid points are NaN, the rest not."""
    import pandas as pd

    table = pd.read_csv(POLAR)
    cut = pd.concat([table.iloc[:2000], table.iloc[2200:]])
    path = tmp_path / "cut.csv"
    cut.to_csv(path, index=False)
    recording = csv_module.read_csv_recording(
        path, 130, time_column="time", time_unit="unix_ns", regularize=True
    )
    ns = table["time"].to_numpy()
    gap = ((ns[1999] - ns[0]) / 1e9, (ns[2200] - ns[0]) / 1e9)  # last before, first after
    [(start, end)] = recording.source["dropouts"]
    assert abs(start - gap[0]) < 1e-3 and abs(end - gap[1]) < 1e-3
    channel = recording.channels["signal"]
    grid = channel.offset + np.arange(channel.n_samples) / 130
    inside = (grid > gap[0] + 1e-3) & (grid < gap[1] - 1e-3)
    outside = (grid < gap[0] - 1e-3) | (grid > gap[1] + 1e-3)
    assert np.isnan(channel.values[inside]).all() and inside.sum() > 180
    assert not np.isnan(channel.values[outside]).any()


def test_one_file_with_a_column_per_person_of_a_group(tmp_path):
    path = tmp_path / "family.csv"
    path.write_text("t,mum,dad,kid\n0,1,2,3\n0.5,4,5,6\n1.0,7,8,\n")
    session = concordlab.read_csv(
        path,
        time_column="t",
        channel="eda",
        columns=["mum", "dad", "kid"],
        persons=("mother", "father", "child"),
    )
    assert concordlab.persons(session) == ("mother", "father", "child")
    np.testing.assert_array_equal(
        session["eda"]["eda"].values, [[1, 4, 7], [2, 5, 8], [3, 6, np.nan]]
    )
    with pytest.raises(ValidationError, match="3 persons' columns.*persons has 2 labels"):
        concordlab.read_csv(path, time_column="t", columns=["mum", "dad", "kid"])
    with pytest.raises(ValidationError, match="two or more columns"):
        concordlab.read_csv(path, time_column="t", columns=["mum"])
    two = concordlab.read_csv(path, time_column="t", columns=["mum", "dad"])  # a dyad as before
    assert concordlab.persons(two) == ("patient", "therapist")


def test_one_file_per_person_of_a_group(tmp_path):
    paths = []
    for i, name in enumerate(["a", "b", "c"]):
        path = tmp_path / f"{name}.csv"
        path.write_text(f"t,EDA\n0,{i}.0\n0.5,{i}.5\n1.0,{i}.25\n")
        paths.append(path)
    session = concordlab.read_csv(
        paths, time_column="t", channel="eda", columns="EDA", persons=("a", "b", "c")
    )
    np.testing.assert_array_equal(session["eda"]["eda"].values[:, 0], [0.0, 1.0, 2.0])
    read = concordlab.read(paths, time_column="t", channel="eda", persons=("a", "b", "c"))
    np.testing.assert_array_equal(read["eda"]["eda"].values, session["eda"]["eda"].values)
    with pytest.raises(ValidationError, match="one path, or two or more .one per person.; got 1"):
        concordlab.read([paths[0]], time_column="t")
    with pytest.raises(ValidationError, match="3 files, one per person, but 2 columns"):
        concordlab.read_csv(paths, time_column="t", columns=["EDA", "EDA"], persons=("a", "b", "c"))
