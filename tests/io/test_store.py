"""save/load round-trips sessions exactly, in netCDF and Zarr."""

import string

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import concordlab
from concordlab import FileFormatError, ValidationError

FORMATS = [".nc", ".zarr", ".nc without h5py"]


@pytest.fixture
def storage(monkeypatch):
    """Turn a FORMATS entry into a file suffix; "without h5py" hides h5py as in Pyodide,
    where '.nc' files are netCDF3."""

    def suffix(name: str) -> str:
        if name.endswith("without h5py"):
            _hide_module(monkeypatch, "h5py")
        return name.split()[0]

    return suffix


def _hide_module(monkeypatch, hidden: str) -> None:
    import importlib.util

    find_spec = importlib.util.find_spec

    def without_hidden(name, *args):
        return None if name == hidden else find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_hidden)


labels = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() and s != "both")
# Person labels hold no "~" (it joins pair labels) nor "+" (it joins a segment's persons),
# and "both" and "all" are reserved.
person_labels = labels.filter(lambda s: s != "all" and "~" not in s and "+" not in s)
channel_names = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=8).filter(
    lambda s: s not in ("segments", "results", "truth", "time", "person")
)


@st.composite
def sessions(draw):
    persons = draw(st.lists(person_labels, min_size=2, max_size=5, unique=True))
    names = draw(st.lists(channel_names, min_size=1, max_size=3, unique=True))
    data, rates, offsets = {}, {}, {}
    for name in names:
        rate = draw(st.sampled_from([0.5, 1.0, 4.0, 25.0, 32.0, 100.0, 1000.0]))
        n = draw(st.integers(min_value=2, max_value=60))
        values = draw(
            st.lists(
                st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(np.nan)),
                min_size=len(persons) * n,
                max_size=len(persons) * n,
            )
        )
        data[name] = np.array(values).reshape(len(persons), n)
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
                person=draw(
                    st.sampled_from(
                        [*persons, "all", "+".join(persons[:2]), "+".join(persons[::-1])]
                        + (["both"] if len(persons) == 2 else [])
                    )
                ),
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
def test_round_trip_is_exact(tmp_path, storage, suffix, session):
    path = concordlab.save(session, tmp_path / f"session{storage(suffix)}")
    back = concordlab.load(path)
    assert back.identical(session)
    pd_equal = concordlab.segments(back).equals(concordlab.segments(session))
    assert pd_equal
    for name in concordlab.channels(session):
        assert back[name][name].dtype == np.float64
        np.testing.assert_array_equal(back[name][name].values, session[name][name].values)
    assert concordlab.metadata(back) == concordlab.metadata(session)


@pytest.mark.parametrize("suffix", FORMATS)
def test_round_trip_of_real_data_with_everything(tmp_path, storage, suffix, rmea_paths):
    session = concordlab.read_csv(rmea_paths[0], sampling_rate=25, channel="motion")
    session = concordlab.add_segment(session, 10, 20.5, "Therapeut spricht – ☺", "therapist")
    session = concordlab.add_result(
        session, "lag0", xr.DataArray([0.25], dims="window", name="r", attrs={"window_s": 30.0})
    )
    path = concordlab.save(session, tmp_path / f"real{storage(suffix)}")
    assert (path.is_file() and path.read_bytes()[:3] == b"CDF") == suffix.endswith("h5py")
    back = concordlab.load(path)
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
    ("platform", "hint"), [("linux", "pip install zarr"), ("emscripten", "JupyterLite")]
)
def test_zarr_without_zarr_says_so_and_keeps_the_store(tmp_path, monkeypatch, platform, hint):
    session = concordlab.example_session()
    path = concordlab.save(session, tmp_path / "kept.zarr")
    _hide_module(monkeypatch, "zarr")
    monkeypatch.setattr("sys.platform", platform)
    for attempt in (lambda: concordlab.save(session, path), lambda: concordlab.load(path)):
        with pytest.raises(concordlab.ConcordlabError, match="zarr") as raised:
            attempt()
        assert hint in str(raised.value) and "'.nc'" in str(raised.value)
    monkeypatch.undo()
    assert concordlab.load(path).identical(session)


@pytest.mark.parametrize(
    ("platform", "hint"), [("linux", "pip install"), ("emscripten", "browser")]
)
def test_netcdf4_file_without_h5py_says_what_reads_it(tmp_path, monkeypatch, platform, hint):
    path = concordlab.save(concordlab.example_session(), tmp_path / "hdf5.nc")
    assert path.read_bytes()[512:516] == b"\x89HDF"  # after the checksum's user block
    _hide_module(monkeypatch, "h5py")
    monkeypatch.setattr("sys.platform", platform)
    with pytest.raises(concordlab.ConcordlabError, match="netCDF4 .HDF5. file") as raised:
        concordlab.load(path)
    assert hint in str(raised.value)


def test_netcdf3_files_written_without_h5py_are_read_everywhere(tmp_path, monkeypatch):
    session = concordlab.add_segment(concordlab.example_session(), 5, 9, "Lächeln ☺", "both")
    session = concordlab.add_result(session, "x", concordlab.concordance(session, window=15))
    _hide_module(monkeypatch, "h5py")
    path = concordlab.save(session, tmp_path / "browser.nc")
    assert path.read_bytes()[:3] == b"CDF"  # netCDF3, what scipy writes
    monkeypatch.undo()
    assert concordlab.load(path).identical(session)  # read here, where h5py exists
    xr.Dataset({"a": ("x", [1.0])}).to_netcdf(tmp_path / "foreign.nc", engine="scipy")
    with pytest.raises(FileFormatError, match="not a concordlab session"):
        concordlab.load(tmp_path / "foreign.nc")


def test_netcdf3_refuses_what_it_cannot_hold_and_keeps_the_old_file(tmp_path, monkeypatch):
    session = concordlab.example_session()
    _hide_module(monkeypatch, "h5py")
    path = concordlab.save(session, tmp_path / "kept.nc")
    complex_result = xr.DataArray(np.array([1 + 2j]), dims="window", name="z")
    bad = concordlab.add_result(session, "z", complex_result)
    with pytest.raises(ValidationError, match="'z' of /results/z .complex128. as netCDF3"):
        concordlab.save(bad, path)
    huge = concordlab.add_result(session, "n", xr.DataArray(np.array([2**60]), dims="w", name="n"))
    with pytest.raises(ValidationError, match="within"):
        concordlab.save(huge, path)
    assert concordlab.load(path).identical(session)


def test_save_and_load_without_threads(tmp_path, monkeypatch):
    """Pyodide (the class site) cannot start threads, nor map files: save and load work in
    order there, the seal hashed from the file read."""
    import mmap
    import threading

    from concordlab.io import _threads, store

    def refuse(self):
        raise RuntimeError("can't start new thread")

    def cannot_map(*args, **kwargs):
        raise OSError(19, "No such device")

    monkeypatch.setattr(mmap, "mmap", cannot_map)
    monkeypatch.setattr(threading.Thread, "start", refuse)
    monkeypatch.setattr(_threads, "CAN_THREAD", False)
    monkeypatch.setattr(store, "CAN_THREAD", False)
    monkeypatch.setattr(_threads.os, "cpu_count", lambda: 8)  # threads would be chosen
    session = concordlab.example_session()
    path = concordlab.save(session, tmp_path / "s.nc")
    assert path.read_bytes()[24:38] == b"xxh3-128 tree "
    assert concordlab.load(path).identical(session)
    # What the browser writes (no h5py: netCDF3). Not Zarr: it has no build there, and
    # zarr starts its own I/O thread.
    _hide_module(monkeypatch, "h5py")
    path = concordlab.save(session, tmp_path / "flat.nc")
    assert path.read_bytes()[:3] == b"CDF"
    assert concordlab.load(path).identical(session)


_WITHOUT_XXHASH = """
import sys, warnings
sys.modules["xxhash"] = None  # as in the class site's Pyodide, which has no wheel of it
import concordlab
from concordlab import FileFormatError

folder, desktop = sys.argv[1], sys.argv[2]
session = concordlab.example_session()
path = concordlab.save(session, folder + "/here.nc")
assert path.read_bytes()[24:36] == b"sha256 tree ", path.read_bytes()[:40]
assert concordlab.load(path).identical(session)
data = bytearray(path.read_bytes())
data[-100] ^= 1
damaged = path.with_name("damaged.nc")
damaged.write_bytes(bytes(data))
try:
    concordlab.load(damaged)
except FileFormatError as error:
    assert "SHA-256" in str(error), error
else:
    raise AssertionError("damage not found")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert concordlab.load(desktop).identical(session)
assert any("read UNCHECKED" in str(w.message) for w in caught), [str(w.message) for w in caught]
print("ok")
"""


def test_without_xxhash_saves_are_sealed_with_sha256_and_xxh3_files_load_with_a_warning(
    tmp_path,
):
    """Where there is no xxhash (the class site), a save is sealed with SHA-256 and its
    damage is found; a file sealed elsewhere with XXH3-128 loads, saying it is unchecked."""
    import subprocess
    import sys

    session = concordlab.example_session()
    desktop = concordlab.save(session, tmp_path / "desktop.nc")
    assert desktop.read_bytes()[24:38] == b"xxh3-128 tree "
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_XXHASH, str(tmp_path), str(desktop)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
