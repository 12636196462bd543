"""save/load round-trips sessions exactly, in netCDF and Zarr."""

import string

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import concordlab
from concordlab import FileFormatError, ValidationError

FORMATS = [".nc", ".zarr"]

labels = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() and s != "both")
channel_names = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=8).filter(
    lambda s: s not in ("segments", "results", "truth")
)


@st.composite
def sessions(draw):
    persons = draw(st.lists(labels, min_size=2, max_size=2, unique=True))
    names = draw(st.lists(channel_names, min_size=1, max_size=3, unique=True))
    data, rates, offsets = {}, {}, {}
    for name in names:
        rate = draw(st.sampled_from([0.5, 1.0, 4.0, 25.0, 32.0, 100.0, 1000.0]))
        n = draw(st.integers(min_value=2, max_value=60))
        values = draw(
            st.lists(
                st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(np.nan)),
                min_size=2 * n,
                max_size=2 * n,
            )
        )
        data[name] = np.array(values).reshape(2, n)
        rates[name] = rate
        offsets[name] = draw(st.floats(-100, 100, allow_nan=False))
    session = concordlab.from_arrays(
        data,
        rates,
        persons=persons,
        time_offset=offsets,
        session_id=draw(labels),
        start_time=draw(st.sampled_from([None, "2026-11-22T09:30:00+01:00"])),
        metadata={"note": draw(labels), "n": draw(st.integers(-5, 5))},
    )
    first, last = concordlab.time_span(session)
    for _ in range(draw(st.integers(0, 4))):
        a, b = sorted(draw(st.lists(st.floats(first, last), min_size=2, max_size=2)))
        if b > a:
            session = concordlab.add_segment(
                session,
                a,
                b,
                draw(labels),
                person=draw(st.sampled_from([*persons, "both"])),
                note=draw(
                    st.text(
                        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                        max_size=20,
                    )
                ),
            )
    if draw(st.booleans()):
        result = xr.DataArray(
            np.arange(6.0).reshape(2, 3),
            dims=("time", "lag"),
            coords={"time": [1.0, 2.0], "lag": [-0.5, 0.0, 0.5]},
            name="r",
            attrs={"window": 30.0, "method": draw(labels)},
        )
        session = concordlab.add_result(session, "ccf", result)
    return session


@pytest.mark.parametrize("suffix", FORMATS)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(session=sessions())
def test_round_trip_is_exact(tmp_path, suffix, session):
    path = concordlab.save(session, tmp_path / f"session{suffix}")
    back = concordlab.load(path)
    assert back.identical(session)
    pd_equal = concordlab.segments(back).equals(concordlab.segments(session))
    assert pd_equal
    for name in concordlab.channels(session):
        assert back[name][name].dtype == np.float64
        np.testing.assert_array_equal(back[name][name].values, session[name][name].values)
    assert concordlab.metadata(back) == concordlab.metadata(session)


@pytest.mark.parametrize("suffix", FORMATS)
def test_round_trip_of_real_data_with_everything(tmp_path, suffix, rmea_paths):
    session = concordlab.read_csv(rmea_paths[0], fs=25, channel="motion")
    session = concordlab.add_segment(session, 10, 20.5, "Therapeut spricht – ☺", "therapist")
    session = concordlab.add_result(
        session, "lag0", xr.DataArray([0.25], dims="window", name="r", attrs={"window_s": 30.0})
    )
    back = concordlab.load(concordlab.save(session, tmp_path / f"real{suffix}"))
    assert back.identical(session)
    assert concordlab.get_result(back, "lag0").attrs["window_s"] == 30.0


def test_bad_paths_and_files(tmp_path):
    session = concordlab.from_arrays({"eda": np.ones((2, 8))}, 4)
    with pytest.raises(ValidationError, match="'.nc'"):
        concordlab.save(session, tmp_path / "x.csv")
    concordlab.save(session, tmp_path / "x.nc")
    with pytest.raises(ValidationError, match="overwrite"):
        concordlab.save(session, tmp_path / "x.nc", overwrite=False)
    with pytest.raises(FileFormatError, match="does not exist"):
        concordlab.load(tmp_path / "missing.nc")
    (tmp_path / "junk.nc").write_bytes(b"not a netCDF file")
    with pytest.raises(FileFormatError, match="junk.nc"):
        concordlab.load(tmp_path / "junk.nc")
    xr.DataTree(xr.Dataset({"a": ("x", [1.0])})).to_netcdf(
        tmp_path / "foreign.nc", engine="h5netcdf"
    )
    with pytest.raises(FileFormatError, match="not a valid concordlab session"):
        concordlab.load(tmp_path / "foreign.nc")


@pytest.mark.parametrize(
    ("suffix", "hidden", "platform", "hint"),
    [
        (".nc", "h5py", "linux", "pip install h5py"),
        (".zarr", "zarr", "linux", "pip install zarr"),
        (".nc", "h5netcdf", "emscripten", "JupyterLite"),
    ],
)
def test_missing_storage_package_is_named_and_nothing_is_lost(
    tmp_path, monkeypatch, suffix, hidden, platform, hint
):
    """Without the package a format needs (as in Pyodide), save and load say what is missing,
    and an existing file survives an attempt to overwrite it."""
    import importlib.util

    session = concordlab.example_session()
    path = concordlab.save(session, tmp_path / f"kept{suffix}")
    find_spec = importlib.util.find_spec

    def without_hidden(name, *args):
        return None if name == hidden else find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_hidden)
    monkeypatch.setattr("sys.platform", platform)
    for attempt in (lambda: concordlab.save(session, path), lambda: concordlab.load(path)):
        with pytest.raises(concordlab.ConcordlabError, match=hidden) as raised:
            attempt()
        assert hint in str(raised.value)
    monkeypatch.undo()
    assert concordlab.load(path).identical(session)
