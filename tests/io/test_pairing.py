"""Pairing two persons' recordings: messages give absolute times as dates."""

import numpy as np
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


def test_three_recordings_on_a_clock_make_a_group_session():
    a = recording("mother.csv", T0, 40)
    b = recording("father.csv", "2023-04-05T10:20:01+00:00", 40)
    c = recording("child.csv", "2023-04-05T10:20:02+00:00", 36)
    session = pair_recordings([a, b, c], persons=("mother", "father", "child"))
    assert concordlab.persons(session) == ("mother", "father", "child")
    values = session["eda"]["eda"].values
    assert values.shape == (3, 44)  # 0 s to 11 s at 4 Hz: the union of the three
    assert np.isnan(values[1, :4]).all() and values[1, 4] == 1.0
    assert np.isnan(values[2, :8]).all() and not np.isnan(values[2, 8:]).any()
    assert np.isnan(values[0, 40:]).all() and not np.isnan(values[0, :40]).any()
    assert set(concordlab.metadata(session)["source"]) == {"mother", "father", "child"}
    trimmed = pair_recordings([a, b, c], persons=("mother", "father", "child"), align="trim")
    assert trimmed["eda"]["eda"].values.shape == (3, 32)  # 2 s to 10 s: what all three cover
    assert not np.isnan(trimmed["eda"]["eda"].values).any()
    with pytest.raises(concordlab.FileFormatError, match="'mother.csv' and 'father.csv'"):
        pair_recordings([a, b, c], persons=("mother", "father", "child"), align="error")


def test_unnamed_group_persons_are_numbered_and_labels_must_fit():
    items = [recording(f"{i}.csv", T0, 20) for i in range(4)]
    assert concordlab.persons(pair_recordings(items)) == (
        "person 1",
        "person 2",
        "person 3",
        "person 4",
    )
    assert concordlab.persons(pair_recordings(items[:2])) == ("patient", "therapist")
    with pytest.raises(concordlab.ValidationError, match="persons has 2 labels for 4"):
        pair_recordings(items, persons=("a", "b"))
    with pytest.raises(concordlab.ValidationError, match="two or more recordings.*got 1"):
        pair_recordings(items[:1])


def test_a_group_channel_at_another_rate_names_that_file():
    items = [recording(f"{i}.csv", T0, 20) for i in range(2)]
    odd = Recording(
        {"eda": Channel([1.0] * 40, 8, units="uS")},
        start_time=T0,
        source={"path": "odd.csv", "format": "csv"},
    )
    with pytest.raises(concordlab.FileFormatError, match="4 Hz but 8 Hz in 'odd.csv'"):
        pair_recordings([*items, odd])
