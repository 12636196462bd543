"""The session model: construction, validation, channels at several rates, resampling."""

import json

import numpy as np
import pytest
import xarray as xr
from scipy import signal

import concordlab
from concordlab import ValidationError


def make(**kwargs):
    rng = np.random.default_rng(0)
    data = {"eda": rng.random((2, 400)) + 2, "hr": 70 + rng.random((2, 100))}
    return concordlab.from_arrays(data, {"eda": 4, "hr": 1}, **kwargs)


def test_layout_and_attrs():
    session = make(session_id="d1", start_time="2026-01-31 10:00", metadata={"site": "Zürich"})
    assert isinstance(session, xr.DataTree)
    assert concordlab.channels(session) == ["eda", "hr"]
    assert concordlab.persons(session) == ("patient", "therapist")
    eda = session["eda"]["eda"]
    assert eda.dims == ("person", "time")
    # a unit is never guessed from the name: unknown until the file or the user says
    assert eda.attrs == {"units": "", "long_name": "skin conductance", "sampling_rate": 4.0}
    assert session["eda"]["time"].attrs["units"] == "s"
    assert session["eda"]["time"].dtype == np.float64
    np.testing.assert_allclose(session["hr"]["time"].values, np.arange(100.0))
    assert session.attrs["session_id"] == "d1"
    assert session.attrs["start_time"] == "2026-01-31T10:00:00"
    assert concordlab.metadata(session) == {"site": "Zürich"}
    assert json.loads(session.attrs["metadata"]) == {"site": "Zürich"}
    assert concordlab.time_span(session) == (0.0, 100.0)
    assert len(concordlab.segments(session)) == 0


def test_any_two_person_labels_and_pair_of_rows():
    session = concordlab.from_arrays(
        {"motion": ([1, 2, 3], [4, 5, 6])}, 25, persons=("mother", "infant")
    )
    assert concordlab.persons(session) == ("mother", "infant")
    np.testing.assert_array_equal(session["motion"]["motion"].sel(person="infant"), [4, 5, 6])


def test_time_offset_places_channel():
    session = concordlab.from_arrays(
        {"eda": np.ones((2, 8)), "hr": np.ones((2, 2))},
        {"eda": 4, "hr": 1},
        time_offset={"hr": 10.0},
    )
    assert session["hr"]["time"].values.tolist() == [10.0, 11.0]
    assert concordlab.time_span(session) == (0.0, 12.0)


@pytest.mark.parametrize(
    ("data", "rate", "kwargs", "message"),
    [
        ({"eda": np.ones((3, 10))}, 4, {}, r"shape \(2, n_samples\)"),
        ({"eda": np.ones((10, 2))}, 4, {}, "Transpose"),
        ({"eda": [[1, 2, 3], [1, 2]]}, 4, {}, "differ in length"),
        ({"eda": [["a", "b"], ["c", "d"]]}, 4, {}, "must be numbers"),
        ({"eda": [[1, np.inf], [1, 2]]}, 4, {}, "infinite"),
        ({"eda": np.ones((2, 10))}, 0, {}, "sampling_rate"),
        ({"eda": np.ones((2, 10))}, "fast", {}, "sampling_rate"),
        ({"eda": np.ones((2, 10))}, 4, {"persons": ("a", "a")}, "repeated: .a."),
        ({"eda": np.ones((2, 10))}, 4, {"persons": ("a", "both")}, "reserved"),
        ({"eda": np.ones((2, 10))}, 4, {"persons": ("a",)}, "two distinct, non-empty person"),
        ({"segments": np.ones((2, 10))}, 4, {}, "reserved"),
        ({"a/b": np.ones((2, 10))}, 4, {}, "without '/'"),
        ({"time": np.ones((2, 10))}, 4, {}, "name of a dimension"),
        ({"eda": np.ones((2, 10))}, 4, {"persons": ("a\ud800", "b")}, "not valid Unicode"),
        ({"eda": np.ones((2, 10))}, 4, {"session_id": "x\x00"}, "NUL"),
        ({"eda": np.ones((2, 10))}, 4, {"metadata": {"k": "\udfff"}}, "not valid Unicode"),
        ({}, 4, {}, "non-empty mapping"),
        ({"eda": np.ones((2, 10))}, 4, {"start_time": "yesterday-ish"}, "ISO 8601"),
        ({"eda": np.ones((2, 10))}, 4, {"metadata": {"f": object()}}, "JSON"),
    ],
)
def test_bad_arrays_are_refused_clearly(data, rate, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        concordlab.from_arrays(data, rate, **kwargs)


def test_add_channel_returns_new_session_and_checks():
    session = make()
    bigger = concordlab.add_channel(session, "resp", np.zeros((2, 50)), 0.5, units="a.u.")
    assert concordlab.channels(session) == ["eda", "hr"]
    assert concordlab.channels(bigger) == ["eda", "hr", "resp"]
    with pytest.raises(ValidationError, match="already in the session"):
        concordlab.add_channel(session, "eda", np.zeros((2, 5)), 1)
    with pytest.raises(ValidationError, match="same labels"):
        concordlab.add_channel(session, "x", np.zeros((2, 5)), 1, persons=("a", "b"))


def test_validate_session_rejects_foreign_objects():
    with pytest.raises(ValidationError, match="xarray.DataTree"):
        concordlab.validate_session(xr.Dataset())
    with pytest.raises(ValidationError, match="not a concordlab session"):
        concordlab.validate_session(xr.DataTree())


def test_resample_downsamples_without_aliasing_and_keeps_gaps():
    rate, seconds = 100.0, 60
    t = np.arange(int(rate * seconds)) / rate
    slow = np.sin(2 * np.pi * 0.2 * t)
    fast = 0.5 * np.sin(2 * np.pi * 45 * t)  # above the new Nyquist (5 Hz): must vanish
    data = np.vstack([slow + fast, slow])
    data[1, 1000:1200] = np.nan  # 10 s to 12 s missing
    session = concordlab.from_arrays({"eda": data}, rate)
    session = concordlab.add_segment(session, 1, 2, "kept")
    out = concordlab.resample(session, 10)
    eda = out["eda"]["eda"]
    assert eda.attrs["sampling_rate"] == 10.0
    assert eda.sizes["time"] == 600
    new_t = out["eda"]["time"].values
    interior = (new_t > 2) & (new_t < 58)
    # Independent reference: the slow sine sampled at the new times.
    expected = np.sin(2 * np.pi * 0.2 * new_t)
    np.testing.assert_allclose(eda.values[0][interior], expected[interior], atol=0.02)
    gap = (new_t >= 10) & (new_t < 12)
    assert np.isnan(eda.values[1][gap]).all()
    outside = (np.abs(new_t - 11) > 1.5) & interior
    assert not np.isnan(eda.values[1][outside]).any()
    np.testing.assert_allclose(eda.values[1][outside], expected[outside], atol=0.02)
    assert concordlab.segments(out).equals(concordlab.segments(session))


def test_resample_upsamples_to_common_rate():
    session = make()
    out = concordlab.resample(session, 4)
    assert out["hr"]["hr"].attrs["sampling_rate"] == 4.0
    np.testing.assert_array_equal(out["hr"]["time"].values, out["eda"]["time"].values)
    # Rational resampling matches scipy's polyphase filter on the same data.
    reference = signal.resample_poly(session["hr"]["hr"].values[0], 4, 1, padtype="line")
    np.testing.assert_allclose(out["hr"]["hr"].values[0], reference)
    with pytest.raises(ValidationError, match="unknown channel"):
        concordlab.resample(session, 4, ["bvp"])


def test_resample_selects_channels_by_the_channels_parameter():
    session = make()
    only = concordlab.resample(session, 4, channels="hr")
    assert only["eda"].identical(session["eda"])
    assert only["hr"]["hr"].attrs["sampling_rate"] == 4.0
    assert concordlab.resample(session, 4, channels=["hr"]).identical(only)
    with pytest.raises(ValidationError, match="channels must be None .*one channel name"):
        concordlab.resample(session, 4, channels=4)


def test_resample_old_names_parameter_warns_and_gives_the_same():
    session = make()
    with pytest.warns(FutureWarning, match=r"resample\(names=\.\.\.\) is renamed"):
        old = concordlab.resample(session, 4, names=["hr"])
    assert old.identical(concordlab.resample(session, 4, channels=["hr"]))
    with pytest.raises(ValidationError, match="Give channels only"):
        concordlab.resample(session, 4, names=["hr"], channels=["hr"])


def test_add_channel_old_name_parameter_warns_and_gives_the_same():
    session = make()
    hr = np.full((2, 5), 70.0)
    new = concordlab.add_channel(session, channel="temp", data=hr, sampling_rate=1)
    with pytest.warns(FutureWarning, match=r"add_channel\(channel=\.\.\.\)"):
        old = concordlab.add_channel(session, name="temp", data=hr, sampling_rate=1)
    assert old.identical(new)


def test_results_are_stored_with_parameters():
    session = make()
    result = xr.DataArray(
        np.array([[0.1, 0.2], [0.3, 0.4]]),
        dims=("time", "lag"),
        coords={"time": [15.0, 25.0], "lag": [-1.0, 1.0]},
        name="r",
        attrs={"window": 30.0, "method": "pearson"},
    )
    stored = concordlab.add_result(session, "ccf", result)
    assert concordlab.results(session) == []
    assert concordlab.results(stored) == ["ccf"]
    back = concordlab.get_result(stored, "ccf")
    xr.testing.assert_identical(back, result)
    with pytest.raises(ValidationError, match="name=.missing.: no result named"):
        concordlab.get_result(stored, "missing")


# --------------------------------------------------------------------------- strict input


def test_rate_mapping_must_cover_every_channel():
    data = {"eda": np.ones((2, 8)), "hr": np.ones((2, 2))}
    with pytest.raises(ValidationError, match=r"no value for channel\(s\) \['hr'\]"):
        concordlab.from_arrays(data, {"eda": 4})
    with pytest.raises(ValidationError, match=r"sampling_rate names channel\(s\) \['bvp'\]"):
        concordlab.from_arrays(data, {"eda": 4, "hr": 1, "bvp": 64})
    with pytest.raises(ValidationError, match=r"time_offset names channel\(s\) \['HR'\]"):
        concordlab.from_arrays(data, {"eda": 4, "hr": 1}, time_offset={"HR": 10})
    with pytest.raises(ValidationError, match=r"units names channel\(s\) \['temp'\]"):
        concordlab.from_arrays(data, {"eda": 4, "hr": 1}, units={"temp": "degC"})


@pytest.mark.parametrize("rate", [True, "4", [4], complex(4), 1e7, -1, np.nan])
def test_rates_are_checked_by_the_shared_rule(rate):
    message = r"sampling rate of channel 'eda' \(sampling_rate\) must be a real"
    with pytest.raises(ValidationError, match=message):
        concordlab.from_arrays({"eda": np.ones((2, 8))}, rate)


def test_a_rate_so_low_the_time_axis_overflows_is_refused():
    with pytest.raises(ValidationError, match="would span"):
        concordlab.from_arrays({"eda": np.ones((2, 8))}, 1.1e-9)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_offset": "3"}, "time_offset must be a real number"),
        ({"time_offset": True}, "time_offset must be a real number"),
        ({"units": {"eda": 5}}, "units must be a string"),
        ({"long_names": {"eda": None}}, None),
        ({"sampling_rate": 4, "long_names": "x"}, "long_names must be a mapping"),
    ],
)
def test_per_channel_arguments_are_checked(kwargs, message):
    kwargs = {"sampling_rate": 4, **kwargs}
    if message is None:
        concordlab.from_arrays({"eda": np.ones((2, 8))}, **kwargs)
        return
    with pytest.raises(ValidationError, match=message):
        concordlab.from_arrays({"eda": np.ones((2, 8))}, **kwargs)


@pytest.mark.parametrize(
    "call",
    [
        lambda: concordlab.channels(None),
        lambda: concordlab.persons({"eda": 1}),
        lambda: concordlab.metadata("session"),
        lambda: concordlab.time_span(xr.Dataset()),
        lambda: concordlab.results(5),
        lambda: concordlab.add_channel({}, "hr", np.ones((2, 4)), 1),
    ],
)
def test_session_helpers_refuse_what_is_not_a_session(call):
    with pytest.raises(ValidationError, match="concordlab session"):
        call()


def _with_segments(session, **columns):
    table = concordlab.segments(session)
    dataset = session["segments"].to_dataset()
    for name, values in columns.items():
        dataset[name] = ("segment", np.asarray(values, dtype=dataset[name].dtype))
    broken = session.copy()
    broken["segments"] = xr.DataTree(dataset)
    assert len(table) == len(values)
    return broken


def test_validate_session_checks_the_stored_segments():
    session = make()
    for start in (10, 20, 30):
        session = concordlab.add_segment(session, start, start + 5, f"s{start}")
    concordlab.validate_session(session)
    cases = [
        ({"end": [15.0, 19.0, 35.0]}, r"Segment 1 \('s20', 20-19 s\): end must be after start"),
        ({"start": [10.0, np.nan, 30.0]}, "Segment 1: start is nan"),
        ({"person": ["both", "both", "nobody"]}, "Segment 2.*person 'nobody' is unknown"),
        ({"note": ["", "a\x00b", ""]}, "Segment 1: the note contains a NUL"),
        ({"label": ["a", 5, "c"]}, "Segment 1: the label is 5, not text"),
    ]
    for columns, message in cases:
        with pytest.raises(ValidationError, match=message) as info:
            concordlab.validate_session(_with_segments(session, **columns))
        assert "The session's segments" in str(info.value)


def test_validate_session_checks_the_metadata_is_a_json_object():
    session = make()
    for text, message in [("not json", "not valid JSON"), ("[1, 2]", "JSON list, not an object")]:
        broken = session.copy()
        broken.attrs["metadata"] = text
        with pytest.raises(ValidationError, match=message):
            concordlab.validate_session(broken)
        with pytest.raises(ValidationError, match=message):
            concordlab.metadata(broken)


def test_validate_session_stays_cheap_with_many_segments():
    import time

    session = concordlab.from_arrays({"eda": np.ones((2, 40_000))}, 4)
    import pandas as pd

    starts = np.arange(5000) * 2.0
    table = pd.DataFrame({"start": starts, "end": starts + 1, "label": "talk", "note": "n"})
    session = concordlab.set_segments(session, table)
    started = time.perf_counter()
    for _ in range(10):
        concordlab.validate_session(session)
    assert time.perf_counter() - started < 5


def test_load_refuses_a_file_whose_segment_ends_before_it_starts(tmp_path):
    session = concordlab.add_segment(make(), 10, 20, "talk")
    broken = _with_segments(session, end=[5.0])
    path = tmp_path / "broken.nc"
    broken.to_netcdf(path, engine="h5netcdf")  # bypasses concordlab.save's validation
    with pytest.raises(concordlab.FileFormatError, match=r"Segment 0 \('talk', 10-5 s\)"):
        concordlab.load(path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"persons": "ab"}, "two distinct, non-empty person labels"),
        ({"persons": 5}, "two distinct, non-empty person labels"),
        ({"start_time": 5}, "ISO 8601"),
        ({"start_time": 1.7e9}, "ISO 8601"),
        ({"start_time": "now"}, "ISO 8601"),
        ({"start_time": "NaT"}, "ISO 8601"),
    ],
)
def test_persons_and_start_time_are_not_guessed(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        concordlab.from_arrays({"eda": np.ones((2, 8))}, 4, **kwargs)


# --------------------------------------------------------------------------- groups (N > 2)

FAMILY = ("therapist", "mother", "father", "child", "grandmother")


def make_group(**kwargs):
    rng = np.random.default_rng(1)
    data = {"eda": rng.random((5, 400)) + 2, "hr": 70 + rng.random((5, 100))}
    return concordlab.from_arrays(data, {"eda": 4, "hr": 1}, persons=FAMILY, **kwargs)


def test_a_session_holds_any_number_of_persons():
    session = make_group(session_id="family")
    assert concordlab.persons(session) == FAMILY
    assert session["eda"]["eda"].dims == ("person", "time")
    assert session["eda"]["eda"].sizes["person"] == 5
    assert concordlab.validate_session(session) is session
    rows = [np.arange(4.0) + i for i in range(3)]  # a sequence of N series
    three = concordlab.from_arrays({"motion": rows}, 25, persons=("a", "b", "c"))
    np.testing.assert_array_equal(three["motion"]["motion"].sel(person="c"), rows[2])
    bigger = concordlab.add_channel(session, "resp", np.zeros((5, 50)), 0.5)
    assert concordlab.persons(bigger) == FAMILY
    assert bigger["resp"]["resp"].sizes["person"] == 5
    out = concordlab.resample(session, 2)
    assert out["eda"]["eda"].shape == (5, 200) and concordlab.persons(out) == FAMILY


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        ({"eda": np.ones((3, 10))}, {}, r"3 rows, but no person labels.*persons=\("),
        ({"eda": np.ones((3, 10))}, {"persons": ("a", "b")}, r"shape \(2, n_samples\)"),
        ({"eda": np.ones((2, 10))}, {"persons": ("a", "b", "c")}, r"shape \(3, n_samples\)"),
        ({"eda": [[1, 2], [1, 2], [1]]}, {"persons": ("a", "b", "c")}, "differ in length"),
        ({"eda": np.ones((3, 10))}, {"persons": ("a", "b~c", "d")}, "holding '~' or '\\+'"),
        ({"eda": np.ones((3, 10))}, {"persons": ("a", "b+c", "d")}, "holding '~' or '\\+'"),
        ({"eda": np.ones((3, 10))}, {"persons": ("a", "all", "d")}, "reserved: 'all'"),
        ({"eda": np.ones((3, 10))}, {"persons": ("a", "b", "a")}, "repeated: 'a'"),
    ],
)
def test_group_labels_are_checked(data, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        concordlab.from_arrays(data, 4, **kwargs)


def test_a_channel_of_a_group_needs_a_row_per_person():
    with pytest.raises(ValidationError, match=r"shape \(5, n_samples\)"):
        concordlab.add_channel(make_group(), "resp", np.zeros((2, 50)), 0.5)


def test_group_segments_take_a_person_everyone_or_a_subset():
    session = make_group()
    session = concordlab.add_segment(session, 0, 10, "family talk")  # default: everyone
    session = concordlab.add_segment(session, 10, 20, "dyad work", person="mother+child")
    session = concordlab.add_segment(session, 20, 30, "alone", person="child")
    assert concordlab.segments(session)["person"].tolist() == ["all", "mother+child", "child"]
    from concordlab.segments import segment_members

    assert segment_members("child+mother", FAMILY) == ("mother", "child")
    assert segment_members("all", FAMILY) == FAMILY
    for person, why in (
        ("both", "unknown"),  # "both" is for two persons
        ("mother+nobody", "unknown"),
        ("mother+mother", "unknown"),
        ("mother+", "unknown"),
    ):
        with pytest.raises(concordlab.SegmentError, match=why):
            concordlab.add_segment(session, 0, 5, "x", person=person)
    # Two-person sessions keep "both" as everyone, and take "all" too.
    dyad = concordlab.add_segment(make(), 0, 10, "talk")
    dyad = concordlab.add_segment(dyad, 10, 20, "talk", person="all")
    assert concordlab.segments(dyad)["person"].tolist() == ["both", "all"]


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_a_five_person_session_round_trips(tmp_path, suffix):
    session = make_group(session_id="family", start_time="2026-01-31 10:00")
    session = concordlab.add_segment(session, 0, 10, "family talk")
    session = concordlab.add_segment(session, 5, 25, "repair", person="mother+child")
    r = concordlab.concordance(session, "eda", method="pearson", window=20)
    session = concordlab.add_result(session, "pairs", r)
    back = concordlab.load(concordlab.save(session, tmp_path / f"family{suffix}"))
    assert back.identical(session)
    assert concordlab.persons(back) == FAMILY
    stored = concordlab.get_result(back, "pairs")
    assert stored.sizes["pair"] == 10
    np.testing.assert_array_equal(stored.values, r.values)
