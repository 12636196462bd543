"""Pairing two persons' recordings: messages give absolute times as dates."""

import pytest

import concordlab
from concordlab.io import Channel, Recording, pair_recordings

T0 = "2023-04-05T10:20:00+00:00"


def recording(path: str, start: str, n: int) -> Recording:
    channel = Channel([1.0 + 0.01 * i for i in range(n)], 4, units="uS")
    return Recording({"eda": channel}, start_time=start, source={"path": path, "format": "csv"})


def test_recordings_on_a_clock_that_cover_different_times_are_named_by_date():
    a = recording("a.csv", T0, 40)
    b = recording("b.csv", "2023-04-05T10:20:02+00:00", 40)
    with pytest.raises(concordlab.FileFormatError) as error:
        pair_recordings([a, b], align="error")
    message = str(error.value)
    assert "2023-04-05T10:20:00+00:00" in message and "2023-04-05T10:20:02+00:00" in message
    assert "e+09" not in message
