"""Segments: add, remove, list; refused segments leave the session untouched."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import concordlab
from concordlab import SegmentError


@pytest.fixture
def session():
    return concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)  # 0-100 s


def test_add_list_remove(session):
    s = concordlab.add_segment(session, 30, 40, "therapist talks", person="therapist")
    s = concordlab.add_segment(s, 5, 10, "greeting", note="both say hello")
    table = concordlab.segments(s)
    assert list(table.columns) == ["start", "end", "label", "person", "note"]
    assert table["label"].tolist() == ["greeting", "therapist talks"]  # sorted by start
    assert table["person"].tolist() == ["both", "therapist"]
    assert table.loc[0, "note"] == "both say hello"
    assert len(concordlab.segments(session)) == 0  # input untouched
    assert concordlab.segments(concordlab.remove_segment(s, 1))["label"].tolist() == ["greeting"]
    assert len(concordlab.segments(concordlab.remove_segment(s, [0, 1]))) == 0
    only = concordlab.remove_segment(s, label="greeting")
    assert concordlab.segments(only)["label"].tolist() == ["therapist talks"]


def test_whole_session_and_overlaps_are_allowed(session):
    s = concordlab.add_segment(session, 0, 100, "session")
    s = concordlab.add_segment(s, 10, 20, "a")
    s = concordlab.add_segment(s, 15, 25, "b", person="patient")
    assert len(concordlab.segments(s)) == 3


@pytest.mark.parametrize(
    ("start", "end", "person", "message"),
    [
        (10, 10, "both", "end must be after start"),
        (20, 10, "both", "end must be after start"),
        (-1, 10, "both", "outside the session"),
        (90, 100.5, "both", "outside the session"),
        (1, 2, "supervisor", "person 'supervisor' is unknown"),
        (np.nan, 2, "both", "finite time"),
        (1, 2, "both\x00", "NUL character"),
        (1, 2, "\ud83d", "not valid Unicode"),
    ],
)
def test_bad_segments_are_refused_and_nothing_is_lost(session, start, end, person, message):
    s = concordlab.add_segment(session, 1, 2, "keep me")
    with pytest.raises(SegmentError, match=message):
        concordlab.add_segment(s, start, end, "bad", person=person)
    assert concordlab.segments(s)["label"].tolist() == ["keep me"]


def test_remove_errors(session):
    s = concordlab.add_segment(session, 1, 2, "x")
    with pytest.raises(SegmentError, match="do not exist"):
        concordlab.remove_segment(s, 3)
    with pytest.raises(SegmentError, match="label=.y.: no segment is labelled"):
        concordlab.remove_segment(s, label="y")
    with pytest.raises(SegmentError, match="either index"):
        concordlab.remove_segment(s)


def test_set_segments_checks_every_row_first(session):
    table = pd.DataFrame({"start": [1, 5], "end": [2, 4], "label": ["ok", "reversed"]})
    with pytest.raises(SegmentError, match="Segment 1 .'reversed'"):
        concordlab.set_segments(session, table)
    with pytest.raises(SegmentError, match="lacks the column"):
        concordlab.set_segments(session, pd.DataFrame({"onset": [1]}))


def test_segments_respect_channel_offsets():
    s = concordlab.from_arrays({"eda": np.ones((2, 40))}, 4, time_offset=-5.0)  # -5 to 5 s
    s = concordlab.add_segment(s, -5, -1, "baseline")
    with pytest.raises(SegmentError, match="spans -5-5 s"):
        concordlab.add_segment(s, -6, -1, "too early")


@pytest.mark.parametrize("thing", [None, {"segments": 1}, "session", xr.Dataset()])
def test_segment_functions_refuse_what_is_not_a_session(thing):
    with pytest.raises(concordlab.ValidationError, match="concordlab session"):
        concordlab.add_segment(thing, 0, 1, "talk")
    with pytest.raises(concordlab.ValidationError, match="concordlab session"):
        concordlab.segments(thing)


def test_set_segments_needs_a_table(session):
    with pytest.raises(SegmentError, match="must be a pandas DataFrame"):
        concordlab.set_segments(session, [(0, 1)])


def test_remove_segment_refuses_bools_and_odd_indexes(session):
    s = concordlab.add_segment(concordlab.add_segment(session, 0, 1, "a"), 2, 3, "b")
    for index in (True, 1.0, "0", [0, None]):
        with pytest.raises(SegmentError, match="do not exist"):
            concordlab.remove_segment(s, index)


@pytest.mark.parametrize(("start", "end"), [("5", 10), (5, "10"), (True, 10)])
def test_segment_times_must_be_numbers(session, start, end):
    with pytest.raises(SegmentError, match="give a finite time in seconds"):
        concordlab.add_segment(session, start, end, "talk")


def test_schema_keeps_its_old_import_paths():
    # The schema moved to a leaf module (no session <-> segments cycle); old paths still work.
    import importlib

    schema = importlib.import_module("concordlab._segments_schema")
    # Not "from concordlab import segments": the package attribute is the function.
    segments_module = importlib.import_module("concordlab.segments")
    session_module = importlib.import_module("concordlab.session")

    for name in ("BOTH", "SEGMENT_COLUMNS", "segments_dataset", "check_segment_rows"):
        assert getattr(segments_module, name) is getattr(schema, name)
    assert segments_module.check_segments_node is schema.check_segments_node
    assert session_module.check_storable_text is schema.check_storable_text
    assert session_module.BOTH is schema.BOTH


def test_a_stored_node_is_checked_by_the_schema(session):
    from concordlab._segments_schema import check_segments_node, segments_dataset

    node = segments_dataset([1.0], [2.0], ["talk"], ["nobody"], [""])
    with pytest.raises(SegmentError, match="person 'nobody' is unknown"):
        check_segments_node(node, ("patient", "therapist", "both"))
    with pytest.raises(SegmentError, match="lack the variable"):
        check_segments_node(node.drop_vars("note"), ("both",))
