"""Fuzz read_beats_recording: E4 IBI.csv and RR files with nasty cells, damage and garbage.

A case passes when the reader raises ConcordlabError, or returns a heart rate equal to a
naive conversion (written here, one grid point at a time) of an independent parse of the
bytes written.
"""

import itertools
import math

import cases
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from concordlab.io import read_beats_recording

E4_START = 1_680_686_620


def naive(times, intervals, rate, max_gap=3.0, low=20.0, high=250.0):
    """Grid start and heart rate of beats at ``times`` ending ``intervals`` (seconds)."""
    beats = [
        (t, 60 / d)
        for t, d in zip(times, intervals, strict=True)
        if not math.isnan(d) and low <= 60 / d <= high
    ]
    if len(beats) < 2:
        return None
    first, last = math.ceil(beats[0][0] * rate - 1e-9), math.floor(beats[-1][0] * rate + 1e-9)
    values = []
    for k in range(first, last + 1):
        t, value = k / rate, math.nan
        for (t0, h0), (t1, h1) in itertools.pairwise(beats):
            if t in (t0, t1):
                value = h0 if t == t0 else h1
                break
            if t0 < t < t1:
                value = h0 + (h1 - h0) * (t - t0) / (t1 - t0) if t1 - t0 <= max_gap else value
                break
        values.append(value)
    return first / rate, np.array(values)


def beats_case(chooser: cases.Chooser, folder) -> cases.Case:
    """An E4 IBI.csv or a one-column RR file (ms) of real-looking beats, then spoiled."""
    rng = np.random.default_rng(chooser.seed())
    e4 = chooser.flag(0.6)
    n = chooser.integer(2, 80)
    intervals = np.round(rng.uniform(0.4, 1.4, n) * 64) / 64  # E4: 1/64 s resolution
    if chooser.flag(0.2):
        intervals[chooser.integer(0, n - 1)] = chooser.choice([0.1, 4.0, 0.0, -0.5])
    times = 5 + np.cumsum(intervals) + np.cumsum(rng.random(n) < 0.1) * chooser.choice([2, 8])
    if e4:
        head = chooser.choice(
            [f"{E4_START}.000000, IBI", f"{E4_START}, IBI", "x, IBI", "1e300, IBI"]
        )
        rows = [f"{t:.6f},{d:.6f}" for t, d in zip(times, intervals, strict=True)]
    else:
        head = chooser.choice(["RR (ms)", "rri", "", "RR [s]"])
        rows = [f"{d * 1000:g}" for d in intervals]
    for _ in range(chooser.integer(0, 2) if chooser.flag(0.3) else 0):
        cells = rows[chooser.integer(0, len(rows) - 1)].split(",")
        cells[chooser.integer(0, len(cells) - 1)] = chooser.choice(cases.NASTY_TOKENS)
        rows[chooser.integer(0, len(rows) - 1)] = ",".join(cells)
    ending = chooser.choice(["\n", "\r\n"])
    text = ending.join([head, *rows] if head else rows) + ending
    data = (cases.BOM if chooser.flag(0.1) else "") + text
    raw = data.encode("utf-8")
    damage = "undamaged"
    if chooser.flag(0.15):
        raw, damage = cases.damage_bytes(chooser, raw)
    if chooser.flag(0.03):
        raw, damage = chooser.choice(cases.GARBAGE), "garbage"
    path = folder / ("IBI.csv" if e4 else "rr.txt")
    path.write_bytes(raw)
    options = {} if e4 else {"kind": "intervals", "time_unit": "ms"}
    rate = float(chooser.choice([4, 2, 10]))
    label = f"{'E4' if e4 else 'RR'} {n} beats, {damage}, rate {rate}: {cases.short(raw)}"

    def call():
        return read_beats_recording(path, sampling_rate=rate, **options)

    def verify(recording):
        table = cases.parse_table(raw, ",", min_rows=1 if e4 else 2)
        cases.check(not isinstance(table, str), f"read a file the parse refuses: {table}")
        hr = recording.channels["hr"]
        cases.check(hr.units == "bpm" and hr.sampling_rate == rate, "units or rate")
        if e4:
            cases.check(table.header is not None and len(table.header) == 2, "E4 first row")
            cases.check(table.header[1].strip() == "IBI", "E4 first row without IBI")
            start = cases.cell_value(table.header[0])
            cases.check(isinstance(start, float) and 0 < start < 1e11, f"start {start!r}")
            beat_times = cases.numeric([r[0] for r in table.rows], "time")
            beat_intervals = cases.numeric([r[1] for r in table.rows], "IBI")
            for column in (beat_times, beat_intervals):
                cases.check(not isinstance(column, str), f"read although {column}")
                cases.check(not np.isnan(column).any(), "read a missing cell")
        else:
            column = cases.numeric([r[0] for r in table.rows], "rr")
            cases.check(not isinstance(column, str), f"read although {column}")
            seconds = table.header is not None and "[s]" in table.header[0]
            cases.check(not seconds, f"read a file of header {table.header} as ms")
            beat_intervals = column * 1e-3  # time_unit="ms" given
            cases.check(bool((beat_intervals > 0).all()), "read a non-positive interval")
            beat_times = np.cumsum(beat_intervals)
        cases.check(bool((np.diff(beat_times) > 0).all()), "read non-increasing beat times")
        cases.check(bool((beat_intervals > 0).all()), "read a non-positive interval")
        expected = naive(beat_times, beat_intervals, rate)
        cases.check(expected is not None, "read fewer than two valid beats")
        offset, values = expected
        cases.check(abs(hr.offset - offset) < 1e-9, f"offset {hr.offset} not {offset}")
        cases.check(
            cases.same(hr.values, values)
            or np.allclose(hr.values, values, rtol=1e-9, equal_nan=True),
            f"values differ {cases.first_difference(hr.values, values)}",
        )

    return cases.Case("read_beats_recording", label, call, verify)


@cases.FUZZ_SETTINGS
@given(data=st.data())
def test_read_beats_fuzz(data, scratch):
    """Generated per-beat files (nasty cells, damage, garbage) read by read_beats_recording."""
    cases.assert_ok(beats_case(cases.Chooser(draw=data.draw), scratch()))


@pytest.mark.parametrize("seed", range(40))
def test_read_beats_seeds(seed, scratch):
    """The same generator from fixed seeds (runs without hypothesis' shrinking)."""
    cases.assert_ok(beats_case(cases.Chooser(seed=seed), scratch()))
