"""save/load never lose a session: load detaches from the file, saves are atomic and
verified, stored checksums catch damage, and a killed save is recovered."""

import json
import os
import shutil

import h5py
import numpy as np
import pytest
import xarray as xr

import concordlab
from concordlab import ConcordlabError, FileFormatError, ValidationError
from concordlab.io.digest import tree_digests
from concordlab.io.store import CHECKSUMS, SHARED

FORMATS = [".nc", ".zarr"]


def _session(seed: int = 0) -> xr.DataTree:
    session = concordlab.simulate_dyad(duration=120, seed=seed)
    return concordlab.add_segment(session, 10, 20, "talk", person="therapist")


def _samples(session: xr.DataTree) -> dict[str, np.ndarray]:
    """Every channel's samples, copied out (independent of the file)."""
    return {
        name: np.array(session[name].to_dataset(inherit=False)[name].values)
        for name in concordlab.channels(session)
    }


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


@pytest.mark.parametrize("suffix", FORMATS)
def test_load_edit_save_to_the_same_file_keeps_every_sample(tmp_path, suffix):
    """The reviewer's case: load -> add_segment -> save over the same file."""
    path = tmp_path / f"dyad{suffix}"
    original = _session()
    concordlab.save(original, path)
    loaded = concordlab.load(path)
    edited = concordlab.add_segment(loaded, 30, 40, "rupture")
    concordlab.save(edited, path)
    again = concordlab.load(path)
    for name, values in _samples(original).items():
        np.testing.assert_array_equal(_samples(again)[name], values)
        assert not np.isnan(_samples(again)[name]).all()
    labels = list(concordlab.segments(again)["label"])
    assert sorted(labels) == sorted([*concordlab.segments(original)["label"], "rupture"])
    assert again.identical(edited)
    # ... and once more from the reloaded session: still file-independent.
    concordlab.save(concordlab.add_segment(again, 50, 60, "repair"), path)
    assert len(concordlab.segments(concordlab.load(path))) == len(labels) + 1
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_loaded_session_survives_its_file_being_deleted(tmp_path, suffix):
    path = tmp_path / f"dyad{suffix}"
    concordlab.save(_session(), path)
    loaded = concordlab.load(path)
    shutil.rmtree(path) if path.is_dir() else path.unlink()
    np.testing.assert_array_equal(_samples(loaded)["eda"], _samples(_session())["eda"])


@pytest.mark.parametrize("suffix", FORMATS)
def test_explore_a_file_then_save_back(tmp_path, suffix):
    path = tmp_path / f"dyad{suffix}"
    concordlab.save(_session(), path)
    explorer = concordlab.explore(path, sidecar=False)
    explorer.add_segment(70, 80, "laughter")
    concordlab.save(explorer.session, path)
    np.testing.assert_array_equal(
        _samples(concordlab.load(path))["eda"], _samples(_session())["eda"]
    )


@pytest.mark.parametrize("suffix", FORMATS)
def test_bad_content_is_refused_before_anything_is_written(tmp_path, suffix):
    """A label with an embedded NUL used to delete the old file before failing."""
    path = tmp_path / f"dyad{suffix}"
    concordlab.save(_session(), path)
    bad = _session()
    table = concordlab.segments(bad)
    table.loc[0, "label"] = "bad\x00label"
    bad["segments"] = xr.DataTree(_segments_node(table))
    with pytest.raises(ValidationError, match="NUL"):
        concordlab.save(bad, path)
    assert concordlab.load(path).identical(_session())
    assert _leftovers(tmp_path) == []


def _segments_node(table):
    from concordlab.segments import SEGMENT_COLUMNS, segments_dataset

    return segments_dataset(*(table[c].tolist() for c in SEGMENT_COLUMNS))


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, suffix, monkeypatch):
    path = tmp_path / f"dyad{suffix}"
    concordlab.save(_session(), path)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xr.DataTree, "to_zarr" if suffix == ".zarr" else "to_netcdf", broken)
    with pytest.raises(ConcordlabError, match="unchanged"):
        concordlab.save(_session(seed=1), path)
    monkeypatch.undo()
    assert concordlab.load(path).identical(_session())
    assert _leftovers(tmp_path) == []


def test_overwrite_false_refuses_and_keeps_the_file(tmp_path):
    path = concordlab.save(_session(), tmp_path / "dyad.nc")
    with pytest.raises(ValidationError, match="overwrite=True"):
        concordlab.save(_session(seed=1), path, overwrite=False)
    assert concordlab.load(path).identical(_session())


@pytest.mark.parametrize("bad", [None, 3, b"dyad.nc", ["dyad.nc"]])
def test_load_and_save_refuse_a_path_that_is_not_one(bad):
    with pytest.raises(ValidationError, match="path must be the path of a netCDF"):
        concordlab.load(bad)
    with pytest.raises(ValidationError, match="path must be the path of a netCDF"):
        concordlab.save(_session(), bad)


def test_checksums_are_stored_and_not_part_of_the_loaded_session(tmp_path):
    path = concordlab.save(_session(), tmp_path / "dyad.nc")
    with h5py.File(path, "r") as raw:
        assert CHECKSUMS in raw.attrs
    assert CHECKSUMS not in concordlab.load(path).attrs


def test_a_changed_value_in_a_netcdf_file_is_refused_before_hdf5_reads_it(tmp_path):
    path = concordlab.save(_session(), tmp_path / "dyad.nc")
    with h5py.File(path, "r+") as raw:
        raw["eda/eda"][0, 100] += 0.001  # a flipped bit would do the same, less readably
    with pytest.raises(FileFormatError, match="no longer match the XXH3-128 checksum"):
        concordlab.load(path)
    rescued = concordlab.load(path, verify=False)
    assert rescued["eda"]["eda"].values[0, 100] != _session()["eda"]["eda"].values[0, 100]


def test_a_changed_attribute_in_a_netcdf_file_is_refused(tmp_path):
    path = concordlab.save(_session(), tmp_path / "dyad.nc")
    with h5py.File(path, "r+") as raw:
        raw["eda/eda"].attrs["sampling_rate"] = 16.0
    with pytest.raises(FileFormatError, match="no longer match"):
        concordlab.load(path)


def _unsealed(session, path):
    """A .nc file as the release before seals wrote it: SHA-256 checksums, no user block."""
    stored = session.copy()
    stored.attrs = {**session.attrs, CHECKSUMS: json.dumps(tree_digests(session, "sha256"))}
    stored.to_netcdf(path, engine="h5netcdf")
    return path


def test_an_unsealed_file_still_names_the_changed_variable(tmp_path):
    path = _unsealed(_session(), tmp_path / "dyad.nc")
    assert concordlab.load(path).identical(_session())
    with h5py.File(path, "r+") as raw:
        raw["eda/eda"].attrs["sampling_rate"] = 16.0
    with pytest.raises(FileFormatError, match="variable 'eda' of node /eda"):
        concordlab.load(path)


def test_a_changed_zarr_attribute_is_named(tmp_path):
    path = concordlab.save(_session(), tmp_path / "dyad.zarr")
    for name in (".zmetadata", "eda/eda/.zattrs"):  # the consolidated copy and the original
        stored = json.loads((path / name).read_text())
        attributes = stored["metadata"]["eda/eda/.zattrs"] if name == ".zmetadata" else stored
        attributes["sampling_rate"] = 16.0
        (path / name).write_text(json.dumps(stored))
    with pytest.raises(FileFormatError, match="variable 'eda' of node /eda"):
        concordlab.load(path)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data + b"\x00" * 10, "extended after saving"),
        (lambda data: data[:-10], "cut short after saving"),
        (lambda data: bytes(40) + data[40:], "first 512 bytes"),
        (lambda data: data[:512] + bytes(8) + data[520:], "no longer match"),
    ],
    ids=["extended", "cut short", "seal zeroed", "signature zeroed"],
)
def test_the_seal_catches_damage_anywhere(tmp_path, damage, message):
    path = concordlab.save(_session(), tmp_path / "dyad.nc")
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(FileFormatError, match=message):
        concordlab.load(path)


def test_a_sealed_file_is_standard_netcdf4(tmp_path):
    """The netCDF-C library (through netCDF4) reads a file with the checksum's user block."""
    import netCDF4  # in the test extra: the format's own library

    path = concordlab.save(_session(), tmp_path / "dyad.nc")
    with netCDF4.Dataset(path) as opened:
        assert opened.data_model == "NETCDF4"
        values = opened["eda"]["eda"][:]
    assert np.array_equal(np.asarray(values), _session()["eda"]["eda"].values, equal_nan=True)


def test_a_missing_zarr_chunk_is_an_error_not_fill_values(tmp_path):
    path = concordlab.save(_session(), tmp_path / "dyad.zarr")
    chunks = [p for p in (path / "eda" / "eda").iterdir() if not p.name.startswith(".")]
    assert chunks
    chunks[0].unlink()
    with pytest.raises(FileFormatError, match="variable 'eda' of node /eda"):
        concordlab.load(path)


def test_a_corrupted_zarr_chunk_is_an_error(tmp_path):
    path = concordlab.save(_session(), tmp_path / "dyad.zarr")
    chunk = next(p for p in (path / "eda" / "eda").iterdir() if not p.name.startswith("."))
    data = bytearray(chunk.read_bytes())
    data[len(data) // 2] ^= 0xFF
    chunk.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match="damaged"):
        concordlab.load(path)


def test_a_truncated_netcdf_file_says_it_is_damaged(tmp_path):
    path = concordlab.save(_session(), tmp_path / "dyad.nc")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(FileFormatError, match="damaged"):
        concordlab.load(path)


def test_a_file_that_is_not_netcdf_says_so(tmp_path):
    path = tmp_path / "dyad.nc"
    path.write_bytes(b"PK\x03\x04 this is a zip file")
    with pytest.raises(FileFormatError, match="neither a netCDF4"):
        concordlab.load(path)


def test_files_saved_before_checksums_still_load(tmp_path):
    session = _session()
    path = tmp_path / "old.nc"
    session.to_netcdf(path, engine="h5netcdf")
    assert concordlab.load(path).identical(session)


def test_a_save_killed_between_the_two_renames_is_recovered(tmp_path):
    """A Zarr store is replaced in two renames; a kill between them leaves only the old
    copy beside the path, which the next load moves back."""
    path = concordlab.save(_session(), tmp_path / "dyad.zarr")
    dead_pid = 2**22 + 12345  # above Linux's pid_max default: no such process
    os.replace(path, tmp_path / f".dyad.zarr.old-{dead_pid}-abcd1234")
    assert concordlab.load(path).identical(_session())
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", FORMATS)
def test_temporaries_of_a_dead_process_are_removed_by_the_next_save(tmp_path, suffix):
    path = concordlab.save(_session(), tmp_path / f"dyad{suffix}")
    dead_pid = 2**22 + 12345
    stale = tmp_path / f".dyad{suffix}.tmp-{dead_pid}-deadbeef"
    stale.mkdir() if suffix == ".zarr" else stale.write_bytes(b"half a file")
    concordlab.save(_session(seed=1), path)
    assert _leftovers(tmp_path) == []
    assert concordlab.load(path).identical(_session(seed=1))


# --------------------------------------------------------------------------- the file layout


def _one_rate_session(n: int = 50_000) -> xr.DataTree:
    """Three channels on one time axis, as recorded by one device (the benchmark's case)."""
    rng = np.random.default_rng(3)
    data = {name: rng.normal(5, 1, (2, n)) for name in ("eda", "ecg", "resp")}
    return concordlab.from_arrays(data, 1000, session_id="one-rate")


def test_a_time_axis_shared_by_channels_is_stored_once(tmp_path):
    """The redundant bytes: each channel stored its own copy of the same time axis."""
    import netCDF4

    session = _one_rate_session()
    path = concordlab.save(session, tmp_path / "dyad.nc")
    with h5py.File(path, "r") as raw:
        stored = [name for name in ("eda", "ecg", "resp") if "time" in raw[name]]
        time_values = {
            name: raw[name]["time"].id.get_offset() is not None
            and raw[name]["time"].attrs.get("CLASS") == b"DIMENSION_SCALE"
            and b"not a netCDF variable" not in raw[name]["time"].attrs.get("NAME", b"")
            for name in stored
        }
        assert time_values == {"eda": True, "ecg": False, "resp": False}
        assert json.loads(raw["ecg"].attrs[SHARED]) == {"time": "/eda"}
    # The data alone (3 channels x 2 persons) plus one time axis, plus metadata.
    data_bytes = 6 * 50_000 * 8
    assert data_bytes + 50_000 * 8 < path.stat().st_size < data_bytes + 2 * 50_000 * 8
    # Standard netCDF-4 still: the netCDF-C library reads every channel and the one axis.
    with netCDF4.Dataset(path) as opened:
        np.testing.assert_array_equal(opened["ecg"]["ecg"][:], session["ecg"]["ecg"].values)
        np.testing.assert_array_equal(opened["eda"]["time"][:], session["eda"]["time"].values)
    back = concordlab.load(path)
    assert back.identical(session)
    assert SHARED not in back["ecg"].attrs
    np.testing.assert_array_equal(back["resp"]["time"].values, session["resp"]["time"].values)


def test_different_time_axes_are_each_stored(tmp_path):
    rng = np.random.default_rng(4)
    data = {"eda": rng.normal(size=(2, 40_000)), "ecg": rng.normal(size=(2, 40_000))}
    session = concordlab.from_arrays(data, 1000, time_offset={"eda": 0.0, "ecg": 0.5})
    path = concordlab.save(session, tmp_path / "dyad.nc")
    with h5py.File(path, "r") as raw:
        assert SHARED not in raw["ecg"].attrs
    assert concordlab.load(path).identical(session)


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_shared_axis_pointing_nowhere_is_damage(tmp_path, suffix):
    path = concordlab.save(_one_rate_session(), tmp_path / f"dyad{suffix}")
    if suffix == ".nc":
        with h5py.File(path, "r+") as raw:
            raw["ecg"].attrs[SHARED] = json.dumps({"time": "/nowhere"})
        load = lambda: concordlab.load(path, verify=False)  # noqa: E731 (past the seal)
    else:
        stored = json.loads((path / ".zmetadata").read_text())
        stored["metadata"]["ecg/.zattrs"][SHARED] = json.dumps({"time": "/nowhere"})
        (path / ".zmetadata").write_text(json.dumps(stored))
        load = lambda: concordlab.load(path)  # noqa: E731
    with pytest.raises(FileFormatError, match="node /ecg refers to coordinates"):
        load()


def _sealed_as_before(session, path):
    """A .nc file as the previous release wrote it: a user block sealed with the SHA-256
    of the bytes as one stream, every channel with its own time axis."""
    import hashlib

    import h5netcdf

    stored = session.copy()
    stored.attrs = {**session.attrs, CHECKSUMS: json.dumps(tree_digests(session, "sha256"))}
    with h5netcdf.File(path, "w", userblock_size=512):
        pass
    stored.to_netcdf(path, engine="h5netcdf", mode="a")
    data = path.read_bytes()
    digest = hashlib.sha256(data[512:]).hexdigest()
    header = f"concordlab session file\nsha256 {digest} of bytes 512 to {len(data)}\n"
    path.write_bytes(header.encode("ascii").ljust(512, b" ") + data[512:])
    return path


def test_files_sealed_by_the_previous_release_load_and_their_damage_is_found(tmp_path):
    session = _one_rate_session()
    path = _sealed_as_before(session, tmp_path / "old.nc")
    assert concordlab.load(path).identical(session)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match="no longer match the SHA-256 checksum"):
        concordlab.load(path)


def _sealed_with_a_sha256_tree(session, path):
    """A .nc file as the release before XXH3-128 wrote it: a SHA-256 hash tree of 4 MiB
    pieces in the user block, SHA-256 checksums of the arrays (hashlib, not concordlab)."""
    import hashlib

    concordlab.save(session, path)
    with h5py.File(path, "r+") as raw:
        raw.attrs[CHECKSUMS] = json.dumps(tree_digests(session, "sha256"))
    data = path.read_bytes()
    piece = 1 << 22
    pieces = [hashlib.sha256(data[i : i + piece]).digest() for i in range(512, len(data), piece)]
    digest = hashlib.sha256(b"".join(pieces)).hexdigest()
    header = (
        f"concordlab session file\nsha256 tree {digest} of {piece}-byte pieces of bytes 512 "
        f"to {len(data)}\n"
    )
    path.write_bytes(header.encode("ascii").ljust(512, b" ") + data[512:])
    return path


def test_files_sealed_with_a_sha256_tree_load_and_their_damage_is_found(tmp_path):
    session = _one_rate_session(1_200_000)  # several 4 MiB pieces
    path = _sealed_with_a_sha256_tree(session, tmp_path / "old.nc")
    assert concordlab.load(path).identical(session)
    data = bytearray(path.read_bytes())
    data[len(data) - 5_000_000] ^= 0x01  # one bit, in a middle piece
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match="no longer match the SHA-256 checksum"):
        concordlab.load(path)


def test_files_saved_before_seals_are_checked_with_their_sha256_digests(tmp_path):
    session = _one_rate_session()
    path = _unsealed(session, tmp_path / "old.nc")
    digests = json.loads(h5py.File(path, "r").attrs[CHECKSUMS])
    assert len(digests["/eda"]["eda"]) == 64  # SHA-256, bare hex, as that release stored it
    assert concordlab.load(path).identical(session)
    with h5py.File(path, "r+") as raw:
        raw["ecg/ecg"][1, 7] = 0.5
    with pytest.raises(FileFormatError, match="variable 'ecg' of node /ecg does not match"):
        concordlab.load(path)


def test_the_seal_is_an_xxh3_hash_tree_of_the_bytes(tmp_path):
    """Checked independently of concordlab's reader: xxhash over the file's pieces."""
    import re

    import xxhash

    path = concordlab.save(_one_rate_session(200_000), tmp_path / "dyad.nc")
    data = path.read_bytes()
    found = re.match(
        rb"concordlab session file\nxxh3-128 tree ([0-9a-f]{32}) of (\d+)-byte pieces of bytes "
        rb"512 to (\d+)\n",
        data[:512],
    )
    assert found is not None and int(found[3]) == len(data)
    piece = int(found[2])
    assert len(data) > 2 * piece  # several pieces
    pieces = [xxhash.xxh3_128(data[i : i + piece]).digest() for i in range(512, len(data), piece)]
    assert xxhash.xxh3_128(b"".join(pieces)).hexdigest() == found[1].decode()


def test_stored_checksums_are_xxh3_of_what_each_variable_means(tmp_path):
    """Each array's stored checksum, recomputed with xxhash from the saved session."""
    import xxhash

    from concordlab.io.digest import _prefix

    session = _one_rate_session()
    path = concordlab.save(session, tmp_path / "dyad.zarr")
    stored = json.loads(xr.open_datatree(path, engine="zarr").attrs[CHECKSUMS])
    variable = session["ecg"].to_dataset(inherit=False)["ecg"].variable
    expected = xxhash.xxh3_128(_prefix(variable, "f8") + variable.values.astype("<f8").tobytes())
    assert stored["/ecg"]["ecg"] == f"xxh3-128:{expected.hexdigest()}"
    zarr_path = _zarr_with_sha256_digests(session, tmp_path / "old.zarr")
    assert concordlab.load(zarr_path).identical(session)


def _zarr_with_sha256_digests(session, path):
    """A Zarr store as the releases before XXH3-128 wrote it (SHA-256 checksums)."""
    stored = session.copy()
    stored.attrs = {**session.attrs, CHECKSUMS: json.dumps(tree_digests(session, "sha256"))}
    stored.to_zarr(path, mode="w", zarr_format=2, consolidated=True)
    return path


def test_a_zarr_store_with_sha256_digests_still_finds_damage(tmp_path):
    path = _zarr_with_sha256_digests(_session(), tmp_path / "old.zarr")
    stored = json.loads((path / ".zmetadata").read_text())
    stored["metadata"]["eda/eda/.zattrs"]["sampling_rate"] = 16.0
    (path / ".zmetadata").write_text(json.dumps(stored))
    with pytest.raises(FileFormatError, match="variable 'eda' of node /eda"):
        concordlab.load(path)


def test_loaded_channels_are_not_tied_to_the_file(tmp_path):
    """Loaded arrays are views of one in-memory copy of the file, never of the file."""
    session = _one_rate_session()
    path = concordlab.save(session, tmp_path / "dyad.nc")
    loaded = concordlab.load(path)
    path.write_bytes(bytes(path.stat().st_size))  # overwrite the file in place
    np.testing.assert_array_equal(loaded["ecg"]["ecg"].values, session["ecg"]["ecg"].values)
    loaded["ecg"]["ecg"].values[0, 0] = -1.0  # and they are writable, as before
    assert loaded["ecg"]["ecg"].values[0, 0] == -1.0


@pytest.mark.parametrize("suffix", [".zarr"])  # .nc files are sealed, not read back
def test_a_save_whose_read_back_differs_is_refused_and_keeps_the_old_file(
    tmp_path, suffix, monkeypatch
):
    """The read-back check is a real comparison: a changed value fails the save."""
    from concordlab.io import store

    path = concordlab.save(_session(), tmp_path / f"dyad{suffix}")
    real = store._canonical

    def tampered(tree, shown):
        tree = real(tree, shown)
        if ".tmp-" in str(shown):
            values = tree["eda"].to_dataset(inherit=False)["eda"].values.copy()
            values[0, 5] += 1.0
            tree["eda"] = (
                tree["eda"]
                .to_dataset(inherit=False)
                .assign(eda=(("person", "time"), values, tree["eda"]["eda"].attrs))
            )
        return tree

    monkeypatch.setattr(store, "_canonical", tampered)
    with pytest.raises(ConcordlabError, match="variable 'eda' of node /eda differs"):
        concordlab.save(_session(seed=1), path)
    monkeypatch.undo()
    assert concordlab.load(path).identical(_session())
    assert _leftovers(tmp_path) == []


def test_a_save_that_fails_while_sealing_keeps_the_old_file(tmp_path, monkeypatch):
    from concordlab.io import store

    path = concordlab.save(_session(), tmp_path / "dyad.nc")

    def broken(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(store, "seal", broken)
    with pytest.raises(ConcordlabError, match="unchanged"):
        concordlab.save(_session(seed=1), path)
    monkeypatch.undo()
    assert concordlab.load(path).identical(_session())
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("bad", [0.5, np.nan], ids=["off the grid", "NaN"])
@pytest.mark.parametrize("index", [3, 40_000])  # in the first block of the check, and later
def test_a_time_axis_off_the_grid_is_not_a_session(tmp_path, bad, index):
    """validate_session on load: a time stamp moved (or NaN) anywhere in a long axis."""
    path = concordlab.save(_one_rate_session(), tmp_path / "dyad.nc")
    with h5py.File(path, "r+") as raw:
        raw["eda/time"][index] = bad if np.isnan(bad) else raw["eda/time"][index] + bad / 1000
    with pytest.raises(FileFormatError, match="'eda': time does not step by 1/sampling_rate"):
        concordlab.load(path, verify=False)
    shifted = index / 1000 + 0.009 / 1000  # within 1 % of a sample: still on the grid
    with h5py.File(path, "r+") as raw:
        raw["eda/time"][index] = shifted
    assert concordlab.load(path, verify=False)["ecg"]["time"].values[index] == shifted
