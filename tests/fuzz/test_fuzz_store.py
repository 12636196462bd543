"""Fuzz load on damaged session stores (.nc flipped/zeroed/truncated; .zarr chunks and
metadata deleted or corrupted): a store that loads must be identical to what was saved."""

import cases
import pytest
from hypothesis import given
from hypothesis import strategies as st

import concordlab


@cases.FUZZ_SETTINGS
@given(data=st.data())
def test_load_fuzz(data, scratch):
    """Random damage of a saved .nc or .zarr session."""
    cases.assert_ok(cases.load_case(cases.Chooser(draw=data.draw), scratch()))


def _damage_every(suffix):
    """Explicit damages of every file of a saved store (deleted, emptied, garbage)."""
    saved = cases.store_session(0)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"dyad{suffix}"
        concordlab.save(saved, path)
        names = [str(p.relative_to(path)) for p in cases.store_files(path)] if path.is_dir() else []
    return names


# Every top-level metadata file, then an even spread of the rest (about 25 in all).
_ALL = _damage_every(".zarr")
ZARR_FILES = sorted({*(n for n in _ALL if "/" not in n), *_ALL[:: max(1, len(_ALL) // 20)]})


def _case(path, damage, label):
    original = cases.store_session(0)
    concordlab.save(original, path)
    damage(path)

    def verify(loaded):
        cases.check(
            loaded.identical(original), "loaded a damaged store that differs from the saved"
        )

    isolate = path.suffix == ".nc"  # HDF5 may hang in C; zarr does not survive a fork
    return cases.Case("load", label, lambda: concordlab.load(path), verify, isolate=isolate)


@pytest.mark.parametrize("how", ["delete", "empty", "garbage"])
@pytest.mark.parametrize("name", ZARR_FILES)
def test_load_zarr_file_damaged(tmp_path, name, how):
    """Each file of a Zarr store deleted, emptied or replaced by garbage."""

    def damage(path):
        target = path / name
        if how == "delete":
            target.unlink()
        else:
            target.write_bytes(b"" if how == "empty" else b"\xff\x00garbage{")

    cases.assert_ok(_case(tmp_path / "dyad.zarr", damage, f"{name} of a .zarr store: {how}"))


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999])
def test_load_nc_truncated(tmp_path, fraction):
    """A .nc file cut at a fraction of its length."""

    def damage(path):
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * fraction)])

    cases.assert_ok(_case(tmp_path / "dyad.nc", damage, f".nc truncated to {fraction:.1%}"))


@pytest.mark.parametrize("at", [0, 8, 100, 512, 2048, 4096, 10_000, 20_000, 35_726, 50_000])
def test_load_nc_zeroed_block(tmp_path, at):
    """A .nc file with 199 bytes zeroed at a given offset (a bad disk sector)."""

    def damage(path):
        data = path.read_bytes()
        end = min(len(data), at + 199)
        path.write_bytes(data[:at] + b"\x00" * (end - at) + data[end:])

    cases.assert_ok(_case(tmp_path / "dyad.nc", damage, f".nc with 199 bytes zeroed at {at}"))


@pytest.mark.parametrize("at", [0, 4, 64, 300, 1000, 5000, 15_000, 30_000, 45_000, -1])
def test_load_nc_flipped_byte(tmp_path, at):
    """A .nc file with one byte inverted."""

    def damage(path):
        data = bytearray(path.read_bytes())
        data[at] ^= 0xFF
        path.write_bytes(bytes(data))

    cases.assert_ok(_case(tmp_path / "dyad.nc", damage, f".nc with byte {at} inverted"))
