"""Save and load whole sessions: netCDF4 (``.nc``, via h5netcdf) and Zarr (``.zarr``)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from concordlab.errors import ConcordlabError, FileFormatError, ValidationError
from concordlab.io._common import PathLike, reading
from concordlab.segments import SEGMENT_COLUMNS, segments_dataset
from concordlab.session import validate_session

__all__ = ["load", "save"]

_FORMATS = {".nc": "h5netcdf", ".nc4": "h5netcdf", ".h5": "h5netcdf", ".zarr": "zarr"}
# The packages each engine imports (h5netcdf imports h5py).
_ENGINE_MODULES = {"h5netcdf": ("h5netcdf", "h5py"), "zarr": ("zarr",)}


def _engine(path: Path) -> str:
    engine = _FORMATS.get(path.suffix.lower())
    if engine is None:
        raise ValidationError(
            f"Cannot tell the format of '{path}' from its extension; use '.nc' (netCDF) or "
            "'.zarr' (Zarr)."
        )
    missing = [name for name in _ENGINE_MODULES[engine] if importlib.util.find_spec(name) is None]
    if missing:
        where = (
            "In the JupyterLite class site (Python in the browser) no file format is "
            "available, because h5py and numcodecs have no Pyodide build there; segments you "
            "mark in the explorer are still kept in its .segments.tsv. Save sessions on Binder "
            "or a local install."
            if sys.platform == "emscripten"
            else f"Install it: pip install {' '.join(missing)}."
        )
        raise ConcordlabError(
            f"Saving and loading '{path.suffix}' files needs {' and '.join(missing)}, which "
            f"this Python lacks. {where}"
        )
    return engine


def save(session: xr.DataTree, path: PathLike, *, overwrite: bool = True) -> Path:
    """Write a whole session (channels, segments, results, attrs) to one file.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    path : str or os.PathLike
        Ending in ``.nc`` (netCDF4/HDF5) or ``.zarr`` (a Zarr store, a folder). Missing
        parent folders are created.
    overwrite : bool, default True
        Replace an existing file; with False an existing file is an error.

    Returns
    -------
    pathlib.Path
        The path written.

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
    path = Path(path)
    engine = _engine(path)
    if path.exists():
        if not overwrite:
            raise ValidationError(f"'{path}' exists; pass overwrite=True to replace it.")
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    if engine == "zarr":
        # Zarr format 2 has a stable encoding for variable-length text; format 3 does not yet.
        session.to_zarr(path, mode="w", zarr_format=2, consolidated=True)
    else:
        session.to_netcdf(path, engine=engine, mode="w")
    return path


def load(path: PathLike) -> xr.DataTree:
    """Read a session written by :func:`save`, fully into memory.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.nc`` file or ``.zarr`` store.

    Returns
    -------
    xarray.DataTree
        The session, identical to the one saved.

    Raises
    ------
    FileFormatError
        If the file is missing, unreadable or not a concordlab session.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import concordlab
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "dyad.zarr"
    >>> s = concordlab.example_session()
    >>> concordlab.load(concordlab.save(s, path)).identical(s)
    True
    """
    path = Path(path)
    with reading(path, "session file"):
        engine = _engine(path)
        if not path.exists():
            raise FileNotFoundError(path)
        with xr.open_datatree(path, engine=engine) as opened:
            tree = opened.load()
    tree = _canonical(tree)
    try:
        return validate_session(tree)
    except ValidationError as error:
        raise FileFormatError(f"'{path}' is not a valid concordlab session: {error}") from None


def _plain(value: Any) -> Any:
    """numpy scalars (as the backends return attrs) back to Python scalars."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _canonical(tree: xr.DataTree) -> xr.DataTree:
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
            raise FileFormatError("The file's 'segments' node lacks segment columns.")
        canonical = segments_dataset(*(table[c].values for c in SEGMENT_COLUMNS))
        tree["segments"] = xr.DataTree(canonical.assign_attrs(attrs))
    return tree
