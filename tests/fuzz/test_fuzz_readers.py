"""Fuzz every reader: read_csv, read_bids_physio, read_e4 and read_events_tsv.

Each case passes when the reader returns a session whose time axis, sampling rate and
values agree with an independent parse of the bytes written, or raises ConcordlabError.
"""

import gzip
import json

import cases
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import concordlab


@pytest.mark.parametrize("kind", ["read_csv", "read_bids_physio", "read_e4", "read_events_tsv"])
@cases.FUZZ_SETTINGS
@given(data=st.data())
def test_reader_fuzz(kind, data, scratch):
    """Generated content (nasty cells, damage, odd rates) read by each reader."""
    case = cases.GENERATORS[kind](cases.Chooser(draw=data.draw), scratch())
    cases.assert_ok(case)


@pytest.mark.parametrize(
    ("kind", "seed"),
    [
        ("read_e4", 31),  # a blank sample row: a missing sample, later samples keep their times
        ("read_e4", 185),
        ("read_events_tsv", 233),  # a row of 3 cells under a header of 5: refused
    ],
)
def test_reader_fuzz_findings(kind, seed, scratch):
    """Cases the fuzzer once found wrong (2026-12-07), replayed from their seeds."""
    case = cases.GENERATORS[kind](cases.Chooser(seed=seed), scratch())
    cases.assert_ok(case)


ROWS = "".join(f"{i / 4:.2f},{1 + i % 7 * 0.1:.1f},{2 + i % 5 * 0.1:.1f}\n" for i in range(240))
NASTY_CSV = {
    "empty": b"",
    "only BOM": b"\xef\xbb\xbf",
    "binary garbage": bytes(range(256)) * 8,
    "gzip bytes": gzip.compress(b"a,b\n1,2\n3,4\n"),
    "truncated gzip": gzip.compress(b"a,b\n1,2\n3,4\n")[:12],
    "latin-1": "a,b\n1,\xe9\n3,4\n".encode("latin-1"),
    "BOM + CRLF": ("\ufefft,a,b\r\n" + ROWS.replace("\n", "\r\n")).encode(),
    "CR only": ("t,a,b\r" + ROWS.replace("\n", "\r")).encode(),
    "NaN text inf": b"t,a,b\n0,nan,1\n0.25,inf,2\n0.5,text,3\n",
    "1e308 and 1e400": b"t,a,b\n0,1e308,1\n0.25,1e400,2\n0.5,-1e308,3\n0.75,1,1\n",
    "control characters": b"t,a,b\n0,1\x07,2\n0.25,\x0c3,4\n0.5,5,6\x1e\n0.75,1,1\n",
    "NUL inside number": b"t,a,b\n0,1\x002,3\n0.25,4,5\n0.5,6,7\n",
    "vertical tab row": b"t,a,b\n0,1,2\x0b0.25,3,4\n0.5,5,6\n0.75,1,1\n",
    "unicode line separator": "t,a,b\n0,1,2\u20280.25,3,4\n0.5,5,6\n".encode(),
    "very long line": ("t,a,b\n0,1,2\n0.25," + "1" * 300_000 + ",3\n0.5,5,6\n").encode(),
    "very long header": ("t," + "a" * 100_000 + ",b\n" + ROWS).encode(),
    "duplicate headers": ("t,a,a\n" + ROWS).encode(),
    "duplicate time header": ("t,t,b\n" + ROWS).encode(),
    "decreasing stamps": b"t,a,b\n0,1,2\n0.5,1,2\n0.25,1,2\n0.75,1,2\n",
    "duplicate stamps": b"t,a,b\n0,1,2\n0.25,1,2\n0.25,1,2\n0.5,1,2\n",
    "irregular stamps": b"t,a,b\n0,1,2\n0.1,1,2\n0.7,1,2\n0.75,1,2\n2.0,1,2\n",
    "huge stamp": b"t,a,b\n0,1,2\n0.25,1,2\n1e308,1,2\n",
    "stamps near 1e308": b"t,a,b\n1e308,1,2\n1.0000000000000001e308,1,2\n1.1e308,1,2\n",
    "tiny steps": b"t,a,b\n0,1,2\n1e-300,1,2\n2e-300,1,2\n",
    "ragged short row": ("t,a,b\n" + ROWS + "60,1\n").encode(),
    "ragged long row": ("t,a,b\n" + ROWS + "60,1,2,3\n").encode(),
    "quote unclosed": ('t,a,b\n0,"1,2\n' + ROWS).encode(),
    "header only": b"t,a,b\n",
    "one row": b"t,a,b\n0,1,2\n",
    "blank lines": ("t,a,b\n\n\n" + ROWS + "\n\n").encode(),
    "whitespace only lines": ("t,a,b\n   \n" + ROWS).encode(),
    "semicolon decimal comma": ("t;a;b\n" + ROWS.replace(",", ";").replace(".", ",")).encode(),
    "comment lines only": b"# a\n# b\n",
    "true false": b"t,a,b\n0,true,false\n0.25,false,true\n0.5,true,true\n",
}


@pytest.mark.parametrize("use_time", [False, True], ids=["sampling_rate", "time_column"])
@pytest.mark.parametrize("name", list(NASTY_CSV))
def test_read_csv_nasty(tmp_path, name, use_time):
    """The nastiest single files; values must equal an independent parse when read."""
    data = NASTY_CSV[name]
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    sampling_rate = None if use_time else 4.0
    options = {"time_column": "t"} if use_time else {}
    options["columns"] = ["a", "b"]

    def verify(session):
        cases.check_session(session)
        table = cases.parse_table(data, ";" if "semicolon" in name else ",")
        cases.check(not isinstance(table, str), f"read a file the parse refuses: {table}")
        cases.check(table.header is not None, "a header was expected")
        columns = {}
        for column in ("t", "a", "b"):
            index = table.header.index(column) if column in table.header else None
            cases.check(index is not None, f"read without column {column!r}")
            values = cases.numeric([row[index] for row in table.rows], column)
            if column != "t" or use_time:
                cases.check(not isinstance(values, str), f"read although {values}")
            columns[column] = values
        time, values, attrs = cases.channel_data(session, "signal")
        rate = float(attrs["sampling_rate"])
        if use_time:
            stamps = columns["t"]
            cases.check(bool((np.diff(stamps) > 0).all()), "accepted non-increasing stamps")
        else:
            cases.check(rate == 4.0, f"sampling_rate {rate} but sampling_rate=4 was given")
            stamps = np.arange(len(table.rows)) / 4.0
        for person, column in enumerate(("a", "b")):
            cases.check_placed(time, values[person], stamps, columns[column], rate, column)

    case = cases.Case(
        "read_csv",
        f"{name}: {cases.short(data)} (sampling_rate={sampling_rate}, {options})",
        lambda: concordlab.read_csv(path, sampling_rate, **options),
        verify,
    )
    cases.assert_ok(case)


def _physio(folder, stem, sidecar_text, data):
    path = folder / f"{stem}_physio.tsv.gz"
    path.write_bytes(data)
    (folder / f"{stem}_physio.json").write_text(sidecar_text)
    return path


GOOD_TSV = gzip.compress("".join(f"{1 + i % 9 * 0.1:.1f}\n" for i in range(480)).encode())
GOOD_SIDECAR = {"SamplingFrequency": 8.0, "StartTime": 0.0, "Columns": ["EDA"]}
NASTY_SIDECARS = {
    "empty": "",
    "truncated": json.dumps(GOOD_SIDECAR)[:20],
    "array": '[8, 0, ["EDA"]]',
    "BOM": "\ufeff" + json.dumps(GOOD_SIDECAR),
    "rate string": json.dumps({**GOOD_SIDECAR, "SamplingFrequency": "8"}),
    "rate bool": json.dumps({**GOOD_SIDECAR, "SamplingFrequency": True}),
    "rate null": json.dumps({**GOOD_SIDECAR, "SamplingFrequency": None}),
    "rate list": json.dumps({**GOOD_SIDECAR, "SamplingFrequency": [8]}),
    "rate NaN": json.dumps({**GOOD_SIDECAR, "SamplingFrequency": float("nan")}),
    "rate Infinity": json.dumps({**GOOD_SIDECAR, "SamplingFrequency": float("inf")}),
    "rate 0": json.dumps({**GOOD_SIDECAR, "SamplingFrequency": 0}),
    "rate negative": json.dumps({**GOOD_SIDECAR, "SamplingFrequency": -8}),
    "rate 1e308": json.dumps({**GOOD_SIDECAR, "SamplingFrequency": 1e308}),
    "rate 10**400": '{"SamplingFrequency": 1' + "0" * 400 + ', "StartTime": 0, "Columns": ["EDA"]}',
    "rate 1e-300": json.dumps({**GOOD_SIDECAR, "SamplingFrequency": 1e-300}),
    "start string": json.dumps({**GOOD_SIDECAR, "StartTime": "0"}),
    "start NaN": json.dumps({**GOOD_SIDECAR, "StartTime": float("nan")}),
    "start 1e308": json.dumps({**GOOD_SIDECAR, "StartTime": 1e308}),
    "start -1e308": json.dumps({**GOOD_SIDECAR, "StartTime": -1e308}),
    "start 10**400": '{"SamplingFrequency": 8, "StartTime": 1'
    + "0" * 400
    + ', "Columns": ["EDA"]}',
    "columns string": json.dumps({**GOOD_SIDECAR, "Columns": "EDA"}),
    "columns numbers": json.dumps({**GOOD_SIDECAR, "Columns": [1]}),
    "columns too many": json.dumps({**GOOD_SIDECAR, "Columns": ["EDA", "x"]}),
    "columns empty": json.dumps({**GOOD_SIDECAR, "Columns": []}),
    "columns control chars": json.dumps({**GOOD_SIDECAR, "Columns": ["E\x00DA"]}),
    "units not a dict": json.dumps({**GOOD_SIDECAR, "EDA": 5}),
    "units number": json.dumps({**GOOD_SIDECAR, "EDA": {"Units": 5, "Description": []}}),
    "missing rate": json.dumps({"StartTime": 0, "Columns": ["EDA"]}),
    "nested deep": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("name", list(NASTY_SIDECARS))
def test_read_bids_physio_nasty_sidecar(tmp_path, name):
    """Bad JSON and wrong types in person2's sidecar; person1's files are fine."""
    first = _physio(tmp_path, "sub-01_task-x", json.dumps(GOOD_SIDECAR), GOOD_TSV)
    second = _physio(tmp_path, "sub-02_task-x", NASTY_SIDECARS[name], GOOD_TSV)

    def verify(session):
        cases.check_session(session)
        meta = cases._expected_sidecar(NASTY_SIDECARS[name], 1)
        cases.check(not isinstance(meta, str), f"read although {meta}")
        _, _, attrs = cases.channel_data(session, "eda")
        cases.check(attrs["sampling_rate"] == 8.0, f"sampling_rate {attrs['sampling_rate']}")

    case = cases.Case(
        "read_bids_physio",
        f"sidecar {name}: {cases.short(NASTY_SIDECARS[name])}",
        lambda: concordlab.read_bids_physio(first, second, events=False, start_time=""),
        verify,
    )
    cases.assert_ok(case)


NASTY_TSV = {
    "empty": b"",
    "empty gzip": gzip.compress(b""),
    "truncated gzip": GOOD_TSV[: len(GOOD_TSV) // 2],
    "gzip header only": GOOD_TSV[:10],
    "not gzip": b"1.0\n2.0\n",
    "garbage": bytes(range(256)),
    "text": gzip.compress(b"1.0\noops\n2.0\n"),
    "inf": gzip.compress(b"1.0\ninf\n2.0\n"),
    "1e400": gzip.compress(b"1.0\n1e400\n2.0\n"),
    "CRLF": gzip.compress(b"1.0\r\n2.0\r\n3.0\r\n"),
    "BOM": gzip.compress("\ufeff1.0\n2.0\n3.0\n".encode()),
    "two columns": gzip.compress(b"1.0\t2.0\n3.0\t4.0\n"),
    "header row": gzip.compress(b"EDA\n1.0\n2.0\n"),
    "long line": gzip.compress(b"1" * 500_000 + b"\n2.0\n"),
    "gzip bomb-ish": gzip.compress(b"1.0\n" * 250_000),
}


@pytest.mark.parametrize("name", list(NASTY_TSV))
def test_read_bids_physio_nasty_data(tmp_path, name):
    """Damaged or odd data files of person2 with a valid sidecar."""
    first = _physio(tmp_path, "sub-01_task-x", json.dumps(GOOD_SIDECAR), GOOD_TSV)
    second = _physio(tmp_path, "sub-02_task-x", json.dumps(GOOD_SIDECAR), NASTY_TSV[name])

    def verify(session):
        cases.check_session(session)
        try:
            raw = gzip.decompress(NASTY_TSV[name])
        except Exception as error:
            raise cases.Wrong(f"read a file gzip refuses ({error})") from None
        table = cases.parse_table(raw, "\t")
        cases.check(not isinstance(table, str), f"read although {table}")
        cases.check(table.header is None, "read a header row as data or skipped it")
        cases.check(len(table.rows[0]) == 1, "read a file with more columns than Columns")
        column = cases.numeric([r[0] for r in table.rows], "EDA")
        cases.check(not isinstance(column, str), f"read although {column}")
        time, values, _ = cases.channel_data(session, "eda")
        cases.check_placed(time, values[1], np.arange(column.size) / 8.0, column, 8.0, "eda")

    case = cases.Case(
        "read_bids_physio",
        f"data {name}: {cases.short(NASTY_TSV[name])}",
        lambda: concordlab.read_bids_physio(first, second, events=False, start_time=""),
        verify,
    )
    cases.assert_ok(case, timeout=cases.TIMEOUT * 2)


def _e4(folder, eda_bytes, start=1_495_437_325.0):
    folder.mkdir()
    (folder / "EDA.csv").write_bytes(eda_bytes)
    (folder / "tags.csv").write_text("")
    return folder


GOOD_EDA = ("1495437325.000000\n4.000000\n" + "0.5\n" * 480).encode()
NASTY_E4 = {
    "empty": b"",
    "only start": b"1495437325\n",
    "start text": b"start\n4.0\n0.5\n0.5\n",
    "rate text": b"1495437325\nfour\n0.5\n0.5\n",
    "rate 0": b"1495437325\n0\n0.5\n0.5\n",
    "rate negative": b"1495437325\n-4\n0.5\n0.5\n",
    "rate nan": b"1495437325\nnan\n0.5\n0.5\n",
    "rate 1e308": b"1495437325\n1e308\n0.5\n0.5\n",
    "start 1e308": b"1e308\n4\n0.5\n0.5\n",
    "start inf": b"inf\n4\n0.5\n0.5\n",
    "start nan": b"nan\n4\n0.5\n0.5\n",
    "start negative": b"-1495437325\n4\n" + b"0.5\n" * 480,
    "BOM CRLF": b"\xef\xbb\xbf1495437325.0\r\n4.0\r\n" + b"0.5\r\n" * 480,
    "samples text": b"1495437325\n4\n0.5\noops\n0.5\n",
    "samples inf": b"1495437325\n4\n0.5\ninf\n0.5\n",
    "samples 1e400": b"1495437325\n4\n0.5\n1e400\n0.5\n",
    "garbage": bytes(range(256)) * 4,
    "long line": b"1495437325\n4\n" + b"1" * 300_000 + b"\n0.5\n",
    "two rates": b"1495437325, 1495437325\n4.0, 8.0\n0.5, 0.5\n0.5, 0.5\n",
    "different rate": ("1495437325.000000\n8.000000\n" + "0.5\n" * 960).encode(),
    "form feed in a sample": b"1495437325\n4\n" + b"0.5\n" * 5 + b"\x0c0.6\n" + b"0.5\n" * 400,
    "vertical tab in a sample": b"1495437325\n4\n" + b"0.5\n" * 5 + b"0.6\x0b\n" + b"0.5\n" * 400,
    "fractional start": ("1495437325.100000\n4.000000\n" + "0.5\n" * 480).encode(),
}


@pytest.mark.parametrize("name", list(NASTY_E4))
def test_read_e4_nasty(tmp_path, name):
    """Bad EDA.csv of person2's export; a read must keep person2's samples and rate."""
    first = _e4(tmp_path / "1495437325_A", GOOD_EDA)
    second = _e4(tmp_path / "1495437325_B", NASTY_E4[name])

    def verify(session):
        cases.check_session(session)
        table = cases.parse_table(NASTY_E4[name], ",")
        cases.check(not isinstance(table, str), f"read although {table}")
        lines = [table.header, *table.rows] if table.header else table.rows
        cases.check(all(len(r) == 1 for r in lines), "read a multi-column EDA.csv")
        rate = cases.cell_value(lines[1][0])
        time, values, attrs = cases.channel_data(session, "eda")
        cases.check(attrs["sampling_rate"] == 4.0 == rate, f"rates 4.0 and {rate!r} accepted")
        column = cases.numeric([r[0] for r in lines[2:]], "EDA")
        cases.check(not isinstance(column, str), f"read although {column}")
        start = cases.cell_value(lines[0][0]) - 1_495_437_325.0
        stamps = time[0] + start + np.arange(column.size) / 4.0
        cases.check_placed(time, values[1], stamps, column, 4.0, "eda person 2")

    case = cases.Case(
        "read_e4",
        f"EDA.csv {name}: {cases.short(NASTY_E4[name])}",
        lambda: concordlab.read_e4(first, second, channels="eda"),
        verify,
    )
    cases.assert_ok(case)


NASTY_EVENTS = {
    "empty": b"",
    "header only": b"onset\tduration\n",
    "no onset": b"duration\ttrial_type\n1\ttalk\n",
    "duplicate onset header": b"onset\tonset\tduration\n1\t2\t3\n",
    "nan onset": b"onset\tduration\nnan\t3\n",
    "inf duration": b"onset\tduration\n1\tinf\n",
    "1e308": b"onset\tduration\n1e308\t1e308\n",
    "1e400": b"onset\tduration\n1\t1e400\n",
    "negative": b"onset\tduration\n-5\t3\n",
    "negative duration": b"onset\tduration\n5\t-3\n",
    "text": b"onset\tduration\nfive\t3\n",
    "beyond session": b"onset\tduration\n59\t10\n",
    "BOM CRLF": b"\xef\xbb\xbfonset\tduration\ttrial_type\r\n1\t2\ttalk\r\n",
    "control chars label": b"onset\tduration\ttrial_type\n1\t2\ta\x07\x00b\n",
    "unknown person": b"onset\tduration\tperson\n1\t2\tstranger\n",
    "ragged": b"onset\tduration\ttrial_type\n1\t2\n3\t4\ttalk\textra\n",
    "garbage": bytes(range(256)),
    "long label": b"onset\tduration\ttrial_type\n1\t2\t" + b"x" * 300_000 + b"\n",
}


@pytest.mark.parametrize("name", list(NASTY_EVENTS))
def test_read_events_tsv_nasty(tmp_path, name):
    """Bad events files on a 60 s session; the segments read must be the file's rows."""
    path = tmp_path / "events.tsv"
    data = NASTY_EVENTS[name]
    path.write_bytes(data)
    session = cases.small_session()

    def verify(result):
        cases.check_session(result)
        table = cases.parse_table(data, "\t", min_rows=0, allow_nul=True)
        cases.check(not isinstance(table, str), f"read although {table}")
        segments = concordlab.segments(result)
        cases.check(len(segments) == len(table.rows), f"{len(segments)} segments from file")
        for (_, segment), row in zip(segments.iterrows(), table.rows, strict=False):
            cells = dict(zip(table.header, row, strict=False))
            onset = cases.cell_value(cells["onset"])
            duration = cases.cell_value(cells["duration"])
            cases.check(not isinstance(onset, str) and not isinstance(duration, str), str(row))
            cases.check(
                np.isclose(segment["start"], onset)
                and np.isclose(segment["end"], onset + duration),
                f"segment {segment['start']}-{segment['end']} from row {row}",
            )

    case = cases.Case(
        "read_events_tsv",
        f"{name}: {cases.short(data)}",
        lambda: concordlab.read_events_tsv(session, path),
        verify,
    )
    cases.assert_ok(case)
