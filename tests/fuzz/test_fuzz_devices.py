"""Fuzz the device readers: read_opensignals_recording and read_acq_recording.

Each case passes when the reader returns a recording whose rate, start and values agree with
an independent parse of the bytes written (json and str.split for OpenSignals text; bioread
itself for .acq files), or raises ConcordlabError.
"""

import json
import math
from pathlib import Path

import cases
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from concordlab.io.acq import read_acq_recording
from concordlab.io.opensignals import read_opensignals_recording

DATA = Path(__file__).parent.parent / "data"
ACQ_FILES = sorted((DATA / "biopac").glob("*.acq"))
MAGIC = "# OpenSignals Text File Format"
RATES = (1000, 100, 10, 1, 0, -5, "100", None, 1e308, float("nan"), True, [100])
WHEN = (
    ("2019-9-3", "15:18:36.344"),
    ("2018-7-4", "15:1:32.73"),
    ("2017-1-23", "13:28:43.0"),
    (None, None),
    ("2019-13-40", "15:18:36.344"),
    ("x", "y"),
    ("2019-9-3", "25:61:61.5000"),
    (20190903, [15]),
)


def opensignals_case(chooser: cases.Chooser, folder: Path) -> cases.Case:
    """A generated OpenSignals file: one device (BITalino or biosignalsplux), a header with
    odd fields, rows with nasty cells, counter gaps, trailing tabs or not, damage."""
    bitalino = chooser.flag()
    n_analog = chooser.integer(1, 3)
    if bitalino:
        labels = [f"A{i + 1}" for i in range(n_analog)]
        columns = ["nSeq", "I1", "I2", "O1", "O2", *labels]
        resolution = [4, 1, 1, 1, 1] + [10] * n_analog
    else:
        labels = [f"CH{i + 1}" for i in range(n_analog)]
        columns = ["nSeq", "DI", *labels]
        resolution = [16] * n_analog
    rate = chooser.choice([1000, 100, 10, 0.5]) if chooser.flag(0.85) else chooser.choice(RATES)
    date, time = chooser.choice(WHEN[:4]) if chooser.flag(0.85) else chooser.choice(WHEN)
    entry = {
        "sensor": ["RAW"] * n_analog,
        "device name": "dev",
        "column": columns,
        "time": time,
        "date": date,
        "sampling rate": rate,
        "label": labels,
        "resolution": resolution,
        "device": "bitalino_rev" if bitalino else "biosignalsplux",
    }
    if chooser.flag(0.1):
        entry[chooser.choice(["column", "label", "resolution"])] = chooser.choice(
            [None, "x", [], [1, 2], {"a": 1}]
        )
    rng = np.random.default_rng(chooser.seed())
    n = chooser.integer(2, 120)
    counter, value = [], 0
    for _ in range(n):
        counter.append(value % 16 if bitalino else value)
        value += 1 if chooser.flag(0.95) else chooser.integer(2, 5)
    if chooser.flag(0.05):
        counter[chooser.integer(0, n - 1)] = chooser.choice(["-1", "x", "", "1.5", "1e308"])
    trailing = chooser.flag(0.9)  # as OpenSignals writes; some rows of others have one
    nasty = chooser.integer(0, 2) if chooser.flag(0.25) else 0
    nasty_rows = {chooser.integer(0, n - 1) for _ in range(nasty)}
    ragged_row = chooser.integer(0, n - 1) if chooser.flag(0.05) else -1
    rows = []
    for index in range(n):
        cells = [str(counter[index])]
        cells += [str(int(v)) for v in rng.integers(0, 2, len(columns) - 1 - n_analog)]
        cells += [str(int(v)) for v in rng.integers(0, 1024, n_analog)]
        if index in nasty_rows:
            cells[chooser.integer(1, len(cells) - 1)] = chooser.choice(cases.NASTY_TOKENS)
        if index == ragged_row:
            cells = cells[: chooser.integer(1, len(cells))] + (["9"] * chooser.integer(0, 2))
        rows.append("\t".join(cells) + ("\t" if trailing or chooser.flag(0.05) else ""))
    header = json.dumps({"00:07:80:3B:46:61": entry}, allow_nan=True)
    ending = chooser.choice(["\n", "\r\n"])
    head = [chooser.choice([MAGIC, MAGIC + ". Version 1"]), f"# {header}", "# EndOfHeader"]
    text = ending.join(head + rows) + ending
    if chooser.flag(0.05):
        text = cases.BOM + text
    data = text.encode("utf-8")
    damage = "undamaged"
    if chooser.flag(0.15):
        data, damage = cases.damage_bytes(chooser, data)
    if chooser.flag(0.03):
        data, damage = chooser.choice(cases.GARBAGE), "garbage"
    path = folder / "opensignals.txt"
    path.write_bytes(data)
    label = f"OpenSignals file, {n} rows, {damage}: {cases.short(data, 400)}"
    return cases.Case(
        "read_opensignals_recording",
        label,
        lambda: read_opensignals_recording(path),
        lambda recording: _check_opensignals(recording, data),
    )


def _expected_opensignals(data: bytes) -> dict | str:
    """What the file says by the format's rules, parsed with json and str.split."""
    try:
        text = data.decode("utf-8").removeprefix(cases.BOM)
    except UnicodeDecodeError:
        return "not UTF-8"
    lines = cases.split_lines(text)
    if not lines or not lines[0].startswith(MAGIC) or "# EndOfHeader" not in lines:
        return "not an OpenSignals header"
    end = lines.index("# EndOfHeader")
    found = [line for line in lines[1:end] if line.startswith("# {")]
    if len(found) != 1:
        return "no single JSON line"
    try:
        info = json.loads(found[0][2:])
    except ValueError:
        return "bad JSON"
    if not isinstance(info, dict) or len(info) != 1:
        return "not one device"
    (entry,) = info.values()
    if not isinstance(entry, dict):
        return "device entry not an object"
    columns, rate = entry.get("column"), entry.get("sampling rate")
    if not isinstance(columns, list) or not columns or columns[0] != "nSeq":
        return "bad columns"
    if isinstance(rate, bool) or not isinstance(rate, int | float):
        return "bad rate"
    if not (math.isfinite(rate) and 0 < rate <= 1e6):
        return "unusable rate"
    rows = []
    for line in lines[end + 1 :]:
        if not line.strip():
            continue
        cells = line.split("\t")
        if line.endswith("\t"):
            cells = cells[:-1]
        if len(cells) != len(columns):
            return f"a row of {len(cells)} cells"
        rows.append(cells)
    if not rows:
        return "no rows"
    values = {}
    for index, column in enumerate(columns):
        parsed = cases.numeric([row[index] for row in rows], column)
        if isinstance(parsed, str):
            return parsed
        values[column] = parsed
    counter = values["nSeq"]
    if np.isnan(counter).any() or (counter != np.round(counter)).any():
        return "counter not whole"
    steps = np.diff(counter)
    resolution = entry.get("resolution")
    if isinstance(resolution, list) and len(resolution) == len(columns) and resolution[0] == 4:
        steps = np.mod(steps - 1, 16) + 1
    elif (steps <= 0).any():
        return "counter goes back"
    grid = np.concatenate([[0.0], np.cumsum(steps)])
    if grid[-1] + 1 > 10 * len(rows) + 1000:
        return "counter damaged"
    positions = grid.astype(int)
    start = None
    if entry.get("date") is not None or entry.get("time") is not None:
        try:
            year, month, day = map(int, str(entry["date"]).split("-"))
            clock, _, millis = str(entry["time"]).partition(".")
            hour, minute, second = map(int, clock.split(":"))
            if millis and not 0 <= int(millis) < 1000:
                return "bad milliseconds"
            start = pd.Timestamp(year, month, day, hour, minute, second) + pd.Timedelta(
                milliseconds=int(millis or 0)
            )
        except (KeyError, TypeError, ValueError, OverflowError):
            return "bad date or time"
    return {
        "rate": float(rate),
        "columns": columns,
        "values": values,
        "positions": positions,
        "start": start,
    }


def _check_opensignals(recording, data: bytes) -> None:
    expected = _expected_opensignals(data)
    cases.check(not isinstance(expected, str), f"read a file the parse refuses: {expected}")
    columns = expected["columns"]
    cases.check(
        list(recording.channel_names) == [c.lower() for c in columns[1:]],
        f"channels {recording.channel_names} for columns {columns}",
    )
    start = expected["start"]
    got = None if recording.start_time is None else pd.Timestamp(recording.start_time)
    cases.check(got == start, f"start_time {recording.start_time} but the header says {start}")
    positions = expected["positions"]
    for column in columns[1:]:
        channel = recording.channels[column.lower()]
        cases.check(channel.sampling_rate == expected["rate"], f"{column}: rate")
        cases.check(channel.units == "", f"{column}: raw counts labelled {channel.units!r}")
        wanted = np.full(positions[-1] + 1, np.nan)
        wanted[positions] = expected["values"][column]
        cases.check(
            cases.same(channel.values, wanted),
            f"{column}: values differ {cases.first_difference(channel.values, wanted)}",
        )


def acq_case(chooser: cases.Chooser, folder: Path) -> cases.Case:
    """A real .acq fixture with its bytes damaged (truncated, flipped, NUL, junk) or garbage."""
    source = chooser.choice(ACQ_FILES)
    data = source.read_bytes()
    damage = "undamaged"
    for _ in range(chooser.integer(1, 3)):
        data, what = cases.damage_bytes(chooser, data)
        damage = what if damage == "undamaged" else f"{damage}, {what}"
    if chooser.flag(0.05):
        data, damage = chooser.choice(cases.GARBAGE), "garbage"
    path = folder / "damaged.acq"
    path.write_bytes(data)
    channels = {"a": 0, "b": 1} if source.name == "r35_test.acq" else None
    label = f"{source.name}, {damage} ({len(data)} bytes)"

    def verify(recording) -> None:
        import bioread

        expected = bioread.read(str(path))
        for (name, channel), theirs in zip(
            recording.channels.items(), expected.channels, strict=False
        ):
            wanted = np.asarray(theirs.data, dtype=float)
            cases.check(cases.same(channel.values, wanted), f"{name}: values differ from bioread")
            cases.check(channel.sampling_rate == theirs.samples_per_second, f"{name}: rate")

    return cases.Case(
        "read_acq_recording",
        label,
        lambda: read_acq_recording(path, channels=channels),
        verify,
    )


@cases.FUZZ_SETTINGS
@given(data=st.data())
def test_read_opensignals_fuzz(data, scratch):
    """Generated OpenSignals text (odd headers, nasty cells, gaps, damage)."""
    cases.assert_ok(opensignals_case(cases.Chooser(draw=data.draw), scratch()))


@cases.FUZZ_SETTINGS
@given(data=st.data())
def test_read_acq_fuzz(data, scratch):
    """Real .acq files with damaged bytes: bioread's failures become FileFormatError."""
    pytest.importorskip("bioread")
    # bioread scans a damaged file's headers at 4096 offsets before it gives up: seconds,
    # not a hang; the limit allows for that.
    cases.assert_ok(acq_case(cases.Chooser(draw=data.draw), scratch()), timeout=cases.TIMEOUT * 3)


@pytest.mark.parametrize("seed", range(40))
def test_read_opensignals_seeded(seed, scratch):
    """More generated files from fixed seeds (no hypothesis), so each run covers them."""
    cases.assert_ok(opensignals_case(cases.Chooser(seed=seed), scratch()))
