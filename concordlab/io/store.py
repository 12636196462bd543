"""Save and load whole sessions: netCDF4 (``.nc``, via h5netcdf) and Zarr (``.zarr``).

Where h5py is missing (Python in the browser), ``.nc`` files are netCDF3 written by scipy,
with the tree flattened into one dataset; :func:`load` tells the two apart by their first
bytes.

A large dimension coordinate that repeats one stored in an earlier node, bit for bit with
the same attrs (the ``time`` axis of channels recorded at one rate and start), is stored
once: the later node keeps the dimension and names the node holding the values in its
attr :data:`SHARED` (JSON, ``{"time": "/eda"}``); :func:`load` puts the coordinate back.
Files written before this are read as they are.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from concordlab._checks import FLAG, FilePath
from concordlab.errors import ConcordlabError, FileFormatError, ValidationError
from concordlab.io._common import PathLike, reading, replace_file
from concordlab.io._threads import CAN_THREAD
from concordlab.io.digest import (
    ALGORITHM,
    NODE_ATTRS,
    attrs_digest,
    same_digest,
    same_values,
    stored_algorithm,
    tree_digests,
)
from concordlab.io.seal import USER_BLOCK, can_check, read_sealed, seal
from concordlab.segments import SEGMENT_COLUMNS, segments_dataset
from concordlab.session import check_storable_text, validate_session
from concordlab.video import NODE as VIDEOS
from concordlab.video import canonical_videos, paths_absolute, paths_relative

__all__ = ["load", "save"]

_FORMATS = {".nc": "h5netcdf", ".nc4": "h5netcdf", ".h5": "h5netcdf", ".zarr": "zarr"}
# The packages each engine imports (h5netcdf imports h5py).
_ENGINE_MODULES = {"h5netcdf": ("h5netcdf", "h5py"), "zarr": ("zarr",)}
# Without h5py (Python in the browser), '.nc' files are netCDF3 written by scipy: one flat
# dataset, with the tree's layout (node paths, names, dtypes, attrs) as JSON in this attr.
_NETCDF3_LAYOUT = "concordlab_layout"
_NETCDF3_FORMAT = "concordlab-session-netcdf3/1"
# Root attr of a stored session: the digest of every node's attrs and variables (JSON).
CHECKSUMS = "concordlab_checksums"
# Node attr of a stored node whose large dimension coordinates are stored in another node.
SHARED = "concordlab_shared_coords"
# Dimension coordinates at least this large are stored once when repeated.
_SHARE_BYTES = 1 << 16


def _missing(engine: str) -> list[str]:
    return [name for name in _ENGINE_MODULES[engine] if importlib.util.find_spec(name) is None]


def _engine(path: Path) -> str:
    """The engine for ``path``: ``h5netcdf``, ``zarr``, or ``netcdf3`` (no h5py here)."""
    engine = _FORMATS.get(path.suffix.lower())
    if engine is None:
        raise ValidationError(
            f"Cannot tell the format of '{path}' from its extension; use '.nc' (netCDF) or "
            "'.zarr' (Zarr)."
        )
    missing = _missing(engine)
    if missing and engine == "h5netcdf":
        return "netcdf3"
    if missing:
        where = (
            "In the JupyterLite class site (Python in the browser) numcodecs, which zarr "
            "needs, has no Pyodide build; save to '.nc' instead."
            if sys.platform == "emscripten"
            else f"Install it (pip install {' '.join(missing)}) or save to '.nc'."
        )
        raise ConcordlabError(
            f"Saving and loading '{path.suffix}' stores needs {' and '.join(missing)}, which "
            f"this Python lacks. {where}"
        )
    return engine


_STORE_PATH = FilePath("netCDF (.nc) or Zarr (.zarr) file", example="'dyad.nc'")


def _as_path(path: Any) -> Path:
    return _STORE_PATH.check(path, "path")


def save(session: xr.DataTree, path: PathLike, *, overwrite: bool = True) -> Path:
    """Write a whole session (channels, segments, results, attrs) to one file, atomically.

    The paths of the session's videos (:func:`concordlab.attach_video`) are stored
    relative to the folder of ``path``, so that a folder holding the session file and its
    videos can be moved; the video files themselves are not copied.

    The session is written to a temporary file (or folder, for Zarr) beside ``path`` with
    the digest (XXH3-128) of every array, flushed to disk, and only then put in place of
    ``path`` (one rename). If anything fails (bad content, a full disk, a killed process)
    the file that was at ``path`` is untouched; what a killed save leaves behind is
    cleaned up by the next :func:`save` or :func:`load` of the same path.

    A ``.nc`` file is then sealed: the hash tree (XXH3-128) of its bytes as written is put
    in its first 512 bytes, hashed where those bytes are in memory (the pages just written,
    mapped, not read back or copied), and :func:`load` checks it before parsing a byte.
    Earlier releases read the file back, parsed it and compared it with the session
    before sealing. That read came from the same memory (the system's cache, not the
    disk), so it never checked the disk; what it caught was a writer that does not
    round-trip a value (an encoding bug in the storage libraries), at every save. That is
    now left to the round-trip tests (every kind of value a session holds, each format);
    a torn write or a damaged disk, which the read-back could not see either, is what the
    seal finds, at the next load. Zarr stores and netCDF3 files (no seal) are still read
    back and compared.

    What the checksums guard against is accidental damage (a torn or cut-short write,
    bit rot, a file changed by another tool), not deliberate tampering: whoever edits a
    file on purpose can write new checksums.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    path : str or os.PathLike
        Ending in ``.nc`` (netCDF4/HDF5) or ``.zarr`` (a Zarr store, a folder). Missing
        parent folders are created. Where h5py is missing (Python in the browser, the
        JupyterLite class site), ``.nc`` files are written as netCDF3 instead, which
        :func:`load` reads everywhere.
    overwrite : bool, default True
        Replace an existing file; with False an existing file is an error.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValidationError
        If the session cannot be stored (e.g. text with a NUL character); nothing is
        written.
    ConcordlabError
        If writing fails; the previous file is kept as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import concordlab
    >>> s = concordlab.example_session()
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "dyad.nc"
    >>> concordlab.load(concordlab.save(s, path)).identical(s)
    True
    """
    validate_session(session)
    path = _as_path(path)
    overwrite = FLAG.check(overwrite, "overwrite")
    engine = _engine(path)
    check_storable(session)
    # Videos are stored by their path relative to the session file's folder.
    session = paths_relative(session, path.parent.resolve())
    stored = session.copy() if engine == "netcdf3" else _share_coords(session)
    if engine == "h5netcdf":
        # Hashed in a thread while the file is written (in order where there are no
        # threads); stored in it right after.
        pending = _in_background(lambda: json.dumps(tree_digests(session)))
        checksums = ""
    else:
        checksums = json.dumps(tree_digests(session))
        stored.attrs = {**session.attrs, CHECKSUMS: checksums}
    # Built before anything is written: a session netCDF3 cannot hold is refused here.
    flat = _netcdf3_dataset(stored) if engine == "netcdf3" else None
    path.parent.mkdir(parents=True, exist_ok=True)
    _recover(path)
    if path.exists() and not overwrite:
        raise ValidationError(f"'{path}' exists; pass overwrite=True to replace it.")
    temporary = _sibling(path, "tmp")
    try:
        if engine == "zarr":
            # Zarr format 2 has a stable encoding for variable-length text; 3 does not yet.
            stored.to_zarr(temporary, mode="w", zarr_format=2, consolidated=True)
        elif flat is not None:
            flat.to_netcdf(temporary, engine="scipy", format="NETCDF3_64BIT")
        else:
            _write_unsealed(stored, temporary)
            _add_root_attr(temporary, CHECKSUMS, pending.result())
        if engine == "h5netcdf":
            seal(temporary)  # the bytes as written, hashed in memory; then one flush
            _flush(temporary)
        else:
            # Flush to disk while the copy is read back and checked.
            flushed = _in_background(lambda: _flush(temporary))
            try:
                _verify_written(temporary, engine, session, checksums)
            finally:
                flushed.result()
        _put_in_place(temporary, path)
    except BaseException as error:
        _remove(temporary)
        if isinstance(error, ConcordlabError | KeyboardInterrupt | SystemExit):
            raise
        raise ConcordlabError(
            f"Could not save the session to '{path}' ({type(error).__name__}: {error}); "
            f"{'the file there is unchanged' if path.exists() else 'nothing was written'}."
        ) from error
    return path


def _in_background(work: Callable[[], Any]) -> Future:
    """``work()`` in a thread, or at once where this Python has no threads (Pyodide)."""
    if CAN_THREAD:
        from concurrent.futures import ThreadPoolExecutor

        executor = ThreadPoolExecutor(1)
        future = executor.submit(work)
        executor.shutdown(wait=False)
        return future
    done: Future = Future()
    try:
        done.set_result(work())
    except BaseException as error:  # handed to the caller by result(), as a thread would
        done.set_exception(error)
    return done


def load(path: PathLike, *, verify: bool = True) -> xr.DataTree:
    """Read a session written by :func:`save` fully into memory, and check it.

    The file is closed when this returns, so the session can be edited and saved back to
    the same path. A ``.nc`` file is read once, into memory, its seal (a hash tree of
    every byte, XXH3-128, or SHA-256 in files of earlier releases) checked in parallel
    threads as it is read and before HDF5 parses a byte; its arrays are then views of that
    one copy. Arrays of a Zarr store, or of a ``.nc`` file written before seals, are
    checked against the digest :func:`save` stored with each (XXH3-128, or SHA-256 in
    stores of earlier releases). The session (segments and metadata too) is validated as
    a reader's would be. The checks find accidental damage (a torn or cut-short write, bit
    rot, a file changed by another tool), not deliberate tampering. The relative paths of
    the session's videos are resolved against the file's folder; a missing video does not
    stop the load (:func:`concordlab.video_path` says where it was expected).

    Parameters
    ----------
    path : str or os.PathLike
        A ``.nc`` file (netCDF4, or netCDF3 as written where h5py is missing) or a
        ``.zarr`` store.
    verify : bool, default True
        Check the stored checksums. Pass False only to rescue what is readable from a
        file known to be damaged, or one changed on purpose with another tool.

    Returns
    -------
    xarray.DataTree
        The session, identical to the one saved.

    Raises
    ------
    FileFormatError
        If the file is missing, unreadable, damaged (naming the damaged variable) or not
        a concordlab session.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import concordlab
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "dyad.zarr"
    >>> s = concordlab.example_session()
    >>> concordlab.load(concordlab.save(s, path)).identical(s)
    True
    """
    path = _as_path(path)
    verify = FLAG.check(verify, "verify")
    engine = _engine(path)
    if not path.exists():
        _recover(path)
    return _read(path, engine, verify=verify, shown=path)


def _write_unsealed(stored: xr.DataTree, path: Path) -> None:
    """Write netCDF4 after a user block that :func:`~concordlab.io.seal.seal` fills."""
    import h5netcdf

    with h5netcdf.File(path, "w", userblock_size=USER_BLOCK):
        pass
    stored.to_netcdf(path, engine="h5netcdf", mode="a")


def _add_root_attr(path: Path, name: str, value: str) -> None:
    """Add a text attr to the root group of a netCDF-4 file (as h5netcdf writes text)."""
    import h5py

    with h5py.File(path, "r+") as root:
        root.attrs[name] = value


def _verify_written(path: Path, engine: str, session: xr.DataTree, checksums: str) -> None:
    """Read a just-written Zarr store or netCDF3 file back once and check it holds
    ``session`` exactly.

    The session read is compared with the one saved, value by value and bit for bit:
    what the per-array checksums stored with it would find, at the speed of a memory
    comparison instead of hashing every array again.
    """
    with reading(path, "session file"):
        if engine == "zarr":
            with xr.open_datatree(path, engine="zarr") as opened:
                nodes = _detached(opened)
        else:
            nodes = _from_netcdf3(path)
    tree = _canonical(_unshare_coords(nodes, path), path)
    found = tree.attrs.pop(CHECKSUMS, None)
    difference = "the checksum record" if found != checksums else _difference(tree, session)
    if difference:
        raise ConcordlabError(
            f"Could not save the session to '{path}': read back, {difference} differs from "
            "the session saved (a failing disk or file system?)."
        )


def _difference(tree: xr.DataTree, session: xr.DataTree) -> str | None:
    """What differs between two sessions as their digests would see it, or None."""
    mine = {node.path: node for node in session.subtree}
    theirs = {node.path: node for node in tree.subtree}
    if set(mine) != set(theirs):
        return f"the set of nodes ({sorted(set(mine) ^ set(theirs))})"
    for node_path, node in mine.items():
        other = theirs[node_path]
        if attrs_digest(node.attrs) != attrs_digest(other.attrs):
            return f"the attributes of node {node_path}"
        ours = node.to_dataset(inherit=False).variables
        back = other.to_dataset(inherit=False).variables
        if set(ours) != set(back):
            return f"the variables of node {node_path}"
        for name, variable in ours.items():
            if not same_digest(variable, back[name]):
                return f"variable '{name}' of node {node_path}"
    return None


def _netcdf4_nodes(data: Any, path: Path) -> dict[str, xr.Dataset]:
    """The nodes of the netCDF-4 file whose bytes are ``data``; big arrays are views."""
    from concordlab.io._netcdf4 import Unsupported, read_nodes

    try:
        return read_nodes(data)
    except Unsupported:
        with xr.open_datatree(path, engine="h5netcdf") as opened:
            return _detached(opened)


def _share_coords(session: xr.DataTree) -> xr.DataTree:
    """A shallow copy of ``session`` storing each repeated large dimension coordinate once."""
    stored = session.copy()
    seen: dict[str, list[tuple[str, xr.Variable]]] = {}
    for node in stored.subtree:
        dataset = node.to_dataset(inherit=False)
        shared = {}
        for name in dataset.dims:
            if name not in dataset.coords or dataset[name].nbytes < _SHARE_BYTES:
                continue
            variable = dataset[name].variable
            for where, other in seen.get(str(name), []):
                if dict(variable.attrs) == dict(other.attrs) and same_values(
                    np.asarray(variable.values), np.asarray(other.values)
                ):
                    shared[str(name)] = where
                    break
            else:
                seen.setdefault(str(name), []).append((node.path, variable))
        if shared:
            node.dataset = dataset.drop_vars(list(shared)).assign_attrs(
                {SHARED: json.dumps(shared)}
            )
    return stored


def _unshare_coords(nodes: dict[str, xr.Dataset], path: Path) -> xr.DataTree:
    """The tree of ``nodes`` with the coordinates :func:`_share_coords` stored once put back."""
    for node_path, dataset in nodes.items():
        if SHARED not in dataset.attrs:
            continue
        attrs = dict(dataset.attrs)
        try:
            shared = json.loads(attrs.pop(SHARED))
            coords = {
                name: nodes[where].variables[name].to_base_variable()
                for name, where in shared.items()
            }
            restored = dataset.assign_coords(coords)
            restored.attrs = attrs
            nodes[node_path] = restored
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            raise FileFormatError(
                f"'{path}' is damaged: node {node_path} refers to coordinates stored "
                f"elsewhere in the file that are missing ({type(error).__name__}: {error}). "
                "Restore it from a backup."
            ) from None
    return xr.DataTree.from_dict(nodes)


def _read(path: Path, engine: str, *, verify: bool, shown: Path | None = None) -> xr.DataTree:
    """Read, detach from the file, canonicalise, verify and validate a stored session.

    A ``.nc`` file is read into memory once, its seal checked on those bytes before HDF5
    parses them, and its arrays are views of them. A sealed file whose seal holds is
    byte for byte what save verified, so its arrays are not hashed again.
    """
    shown = shown or path
    sealed = False
    with reading(shown, "session file"):
        if not path.exists():
            raise FileNotFoundError(path)
        try:
            if _is_netcdf3(path):
                nodes = _from_netcdf3(path)
            elif engine == "netcdf3":
                raise ConcordlabError(_no_h5py(shown))
            elif engine == "h5netcdf" and path.is_file():
                data, sealed = read_sealed(path, shown, verify=verify)
                if hdf5_offset(data) is None:
                    raise FileFormatError(
                        f"'{shown}' is neither a netCDF4 (HDF5) nor a netCDF3 file (its first "
                        "bytes are not a netCDF signature); it is damaged or not a session "
                        "saved by concordlab. Restore it from a backup."
                    )
                nodes = _netcdf4_nodes(data, path)
            else:
                with xr.open_datatree(path, engine=engine) as opened:
                    nodes = _detached(opened)
            tree = _unshare_coords(nodes, shown)
        except ConcordlabError:
            raise
        except Exception as error:
            raise FileFormatError(
                f"'{shown}' is damaged or not a session saved by concordlab: it could not be "
                f"read ({type(error).__name__}: {error}). Restore it from a backup."
            ) from error
    tree = _canonical(tree, shown)
    expected = tree.attrs.pop(CHECKSUMS, None)
    if verify and expected is not None and not sealed:
        _verify(tree, expected, shown)
    tree = paths_absolute(tree, path.parent.resolve())
    try:
        return validate_session(tree)
    except ValidationError as error:
        raise FileFormatError(f"'{shown}' is not a valid concordlab session: {error}") from None


def _no_h5py(path: Path) -> str:
    where = (
        " (Python in the browser has no h5py). Files saved in the browser are netCDF3, "
        "which it reads."
        if sys.platform == "emscripten"
        else ": pip install h5netcdf h5py."
    )
    return (
        f"'{path}' is a netCDF4 (HDF5) file; reading it needs h5netcdf and h5py, which this "
        f"Python lacks{where}"
    )


def _detached(opened: xr.DataTree) -> dict[str, xr.Dataset]:
    """The nodes of an opened tree with every array in memory (the file can be closed).

    ``DataTree.load`` keeps file-backed wrappers with this xarray, which re-read the file
    later: saving over the same file would then read from the file being replaced. Each
    array is read once, into a new array (``values`` of a lazily read variable).
    """
    nodes = {}
    for node in opened.subtree:
        dataset = node.to_dataset(inherit=False)
        variables = {
            name: xr.Variable(v.dims, np.asarray(v.values), dict(v.attrs))
            for name, v in dataset.variables.items()
        }
        coords = {name: variables.pop(name) for name in dataset.coords}
        nodes[node.path] = xr.Dataset(variables, coords=coords, attrs=dict(node.attrs))
    return nodes


def _verify(tree: xr.DataTree, expected: Any, path: Path) -> None:
    """Compare the stored checksums with the data read; name what differs."""
    try:
        stored = json.loads(expected)
        if not isinstance(stored, dict):
            raise TypeError
    except (TypeError, ValueError):
        raise FileFormatError(
            f"'{path}' is damaged: its checksum record is unreadable. Restore it from a "
            "backup, or load(path, verify=False) to read it unchecked."
        ) from None
    # Each file's checksums in the hash it was saved with (SHA-256 before XXH3-128).
    algorithms = {
        stored_algorithm(digest)
        for variables in stored.values()
        if isinstance(variables, dict)
        for digest in variables.values()
    }
    algorithm = algorithms.pop() if len(algorithms) == 1 else ALGORITHM
    if not can_check(algorithm, path):
        return
    found = tree_digests(tree, algorithm)
    advice = (
        "The file was changed or corrupted after it was saved. Restore it from a backup, "
        "or load(path, verify=False) to read what is left, unchecked."
    )
    for node_path, variables in stored.items():
        if node_path not in found:
            raise FileFormatError(f"'{path}' is damaged: node {node_path} is missing. {advice}")
        for name, digest in variables.items():
            if found[node_path].get(name) != digest:
                what = "its attributes" if name == NODE_ATTRS else f"variable '{name}'"
                raise FileFormatError(
                    f"'{path}' is damaged: {what} of node {node_path} does not match the "
                    f"checksum stored when it was saved. {advice}"
                )
    extra = sorted(set(found) - set(stored))
    if extra:
        raise FileFormatError(f"'{path}' holds nodes it was not saved with: {extra}. {advice}")


def check_storable(session: xr.DataTree) -> None:
    """Refuse, before anything is written, text that no file can store.

    Examples
    --------
    >>> import concordlab
    >>> check_storable(concordlab.example_session())
    """
    for node in session.subtree:
        for key, value in node.attrs.items():
            if isinstance(value, str):
                check_storable_text(value, f"Attribute '{key}' of node {node.path}")
        for name, variable in node.to_dataset(inherit=False).variables.items():
            if variable.dtype.kind in "OU":
                for text in variable.values.ravel():
                    if isinstance(text, str):
                        check_storable_text(text, f"A value of '{name}' in node {node.path}")
            for key, value in variable.attrs.items():
                if isinstance(value, str):
                    check_storable_text(value, f"Attribute '{key}' of '{name}' in {node.path}")


# --------------------------------------------------------------------------- atomic files

_SIBLING = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)-[0-9a-f]+$")


def _sibling(path: Path, kind: str) -> Path:
    """A hidden name beside ``path`` for a temporary (``tmp``) or a replaced (``old``) copy."""
    return path.with_name(f".{path.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}")


def _siblings(path: Path) -> list[tuple[Path, str, int]]:
    found = []
    if path.parent.is_dir():
        for entry in path.parent.iterdir():
            match = _SIBLING.match(entry.name)
            if match and match["name"] == path.name:
                found.append((entry, match["kind"], int(match["pid"])))
    return found


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, AttributeError):
        return True
    return True


def _recover(path: Path) -> None:
    """Finish or undo what a killed :func:`save` of ``path`` left behind.

    A save that was killed between moving the old store aside and moving the new one in
    leaves no ``path`` but an ``old`` copy: it is moved back. Temporaries and old copies of
    processes that are gone are removed.
    """
    leftovers = _siblings(path)
    if not path.exists():
        old = [entry for entry, kind, _ in leftovers if kind == "old"]
        if old:
            newest = max(old, key=lambda entry: entry.stat().st_mtime)
            os.replace(newest, path)
            leftovers = _siblings(path)
    for entry, _, pid in leftovers:
        if not _alive(pid):
            _remove(entry)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _fsync(path: Path, directory: bool = False) -> None:
    try:
        descriptor = os.open(
            path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
        )
    except OSError:  # e.g. folders cannot be opened on Windows; nothing to flush there
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _flush(path: Path) -> None:
    """Flush a written file, or every file and folder of a written store, to disk."""
    if path.is_dir():
        for folder, _, files in os.walk(path):
            for name in files:
                _fsync(Path(folder) / name)
            _fsync(Path(folder), directory=True)
    else:
        _fsync(path)


def _put_in_place(temporary: Path, path: Path) -> None:
    """Move a complete, verified ``temporary`` to ``path`` in one step where possible."""
    if (path.is_file() and temporary.is_file()) or not path.exists():
        replace_file(temporary, path)
    else:
        # A folder cannot be replaced in one step: set the old aside, move the new in,
        # then delete the old. A kill in between is undone by _recover.
        old = _sibling(path, "old")
        os.replace(path, old)
        os.replace(temporary, path)
        _fsync(path.parent, directory=True)
        _remove(old)
    _fsync(path.parent, directory=True)


def _plain(value: Any) -> Any:
    """numpy scalars (as the backends return attrs) back to Python scalars."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _canonical(tree: xr.DataTree, path: Path) -> xr.DataTree:
    """Undo what the storage backends change: attr scalar types, text dtypes, empty tables."""
    for node in tree.subtree:
        node.attrs = {k: _plain(v) for k, v in node.attrs.items()}
        for variable in node.variables.values():
            variable.attrs = {k: _plain(v) for k, v in variable.attrs.items()}
            variable.encoding = {}
    if "segments" in tree.children:
        table = tree["segments"].to_dataset(inherit=False)
        attrs = table.attrs
        if not set(SEGMENT_COLUMNS) <= set(table.variables):
            raise FileFormatError(f"'{path}': the 'segments' node lacks segment columns.")
        canonical = segments_dataset(*(table[c].values for c in SEGMENT_COLUMNS))
        tree["segments"] = xr.DataTree(canonical.assign_attrs(attrs))
    if VIDEOS in tree.children:
        tree[VIDEOS] = xr.DataTree(
            canonical_videos(tree[VIDEOS].to_dataset(inherit=False), str(path))
        )
    return tree


def _netcdf3_dataset(session: xr.DataTree) -> xr.Dataset:
    """The session as one flat dataset netCDF3 can hold, its tree layout in a JSON attr.

    Variables and dimensions get neutral names (``v0``, ``d0``, ...): netCDF3 has no
    groups, and the layout maps them back to node paths, names, dtypes and attrs.
    """
    flat: dict[str, xr.Variable] = {}
    dims: dict[tuple[str, str], str] = {}
    nodes = []
    for node in session.subtree:
        node_data = node.to_dataset(inherit=False)
        variables = []
        for name, variable in node_data.variables.items():
            key = f"v{len(flat)}" if variable.size else None
            variables.append(
                {
                    "name": name,
                    "key": key,
                    "dims": list(variable.dims),
                    "shape": list(variable.shape),
                    "dtype": variable.dtype.str if variable.dtype != object else "object",
                    "coord": name in node_data.coords,
                    "attrs": variable.attrs,
                }
            )
            if key is not None:
                flat_dims = [
                    dims.setdefault((node.path, d), f"d{len(dims)}") for d in variable.dims
                ]
                flat[key] = xr.Variable(flat_dims, _netcdf3_values(variable, node.path, name))
        nodes.append({"path": node.path, "attrs": node.attrs, "variables": variables})
    layout = {"format": _NETCDF3_FORMAT, "nodes": nodes}
    try:
        text = json.dumps(layout, default=_json_value, allow_nan=True)
    except TypeError as error:
        raise ValidationError(f"Cannot save the session's attributes as netCDF3: {error}") from None
    return xr.Dataset(flat, attrs={_NETCDF3_LAYOUT: text})


def _netcdf3_values(variable: xr.Variable, node: str, name: str) -> np.ndarray:
    """Values in a type netCDF3 has (no 64-bit integers, no text other than bytes)."""
    values = variable.values
    kind = values.dtype.kind
    if kind in "fb" and values.dtype.itemsize <= 8:
        return values.astype(np.int8) if kind == "b" else values
    if kind in "iu":
        if values.min() >= np.iinfo(np.int32).min and values.max() <= np.iinfo(np.int32).max:
            return values.astype(np.int32)
        if np.abs(values).max() <= 2**53:
            return values.astype(np.float64)
    elif kind in "UO":
        texts = values.ravel().tolist()
        if all(isinstance(text, str) for text in texts):
            encoded = [text.encode("utf-8") for text in texts]
            return np.array(encoded, dtype=f"S{max(1, *map(len, encoded))}").reshape(values.shape)
    raise ValidationError(
        f"Cannot save '{name}' of {node} ({values.dtype}) as netCDF3, the format '.nc' files "
        "have where h5py is missing: only numbers within ±2**53, booleans and text fit."
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} attribute {value!r} has no JSON form")


def hdf5_offset(data: Any) -> int | None:
    """Where the HDF5 signature is in a file's bytes (0, 512, 1024, ...), or None."""
    from concordlab.io.seal import _signature_at

    return _signature_at(data)


def _is_netcdf3(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as stream:
        return stream.read(3) == b"CDF"


def _from_netcdf3(path: Path) -> dict[str, xr.Dataset]:
    """Rebuild the tree :func:`_netcdf3_dataset` flattened."""
    # No mmap: the browser's file system (JupyterLite) cannot map files.
    with xr.open_dataset(path, engine="scipy", mmap=False) as opened:
        flat = opened.load()
    layout = json.loads(flat.attrs.get(_NETCDF3_LAYOUT, "{}"))
    if layout.get("format") != _NETCDF3_FORMAT:
        raise FileFormatError(
            f"'{path}' is a netCDF3 file but not a concordlab session (no session layout)."
        )
    nodes = {}
    for node in layout["nodes"]:
        data_vars, coords = {}, {}
        for item in node["variables"]:
            dtype = np.dtype(object if item["dtype"] == "object" else item["dtype"])
            if item["key"] is None:
                values = np.empty(item["shape"], dtype=dtype)
            else:
                values = flat[item["key"]].values
                if values.dtype.kind == "S":
                    values = np.vectorize(lambda b: b.decode("utf-8"), otypes=[object])(values)
                values = values.astype(dtype)
            variable = xr.Variable(item["dims"], values, attrs=item["attrs"])
            (coords if item["coord"] else data_vars)[item["name"]] = variable
        nodes[node["path"]] = xr.Dataset(data_vars, coords=coords, attrs=node["attrs"])
    return nodes
