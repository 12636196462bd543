"""Save and load whole sessions: netCDF4 (``.nc``, via h5netcdf) and Zarr (``.zarr``).

Where h5py is missing (Python in the browser), ``.nc`` files are netCDF3 written by scipy,
with the tree flattened into one dataset; :func:`load` tells the two apart by their first
bytes.
"""

from __future__ import annotations

import importlib.util
import json
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
# Without h5py (Python in the browser), '.nc' files are netCDF3 written by scipy: one flat
# dataset, with the tree's layout (node paths, names, dtypes, attrs) as JSON in this attr.
_NETCDF3_LAYOUT = "concordlab_layout"
_NETCDF3_FORMAT = "concordlab-session-netcdf3/1"


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


def save(session: xr.DataTree, path: PathLike, *, overwrite: bool = True) -> Path:
    """Write a whole session (channels, segments, results, attrs) to one file.

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
    # Built before anything is deleted: a session netCDF3 cannot hold leaves the old file.
    flat = _netcdf3_dataset(session) if engine == "netcdf3" else None
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
    elif flat is not None:
        flat.to_netcdf(path, engine="scipy", format="NETCDF3_64BIT")
    else:
        session.to_netcdf(path, engine=engine, mode="w")
    return path


def load(path: PathLike) -> xr.DataTree:
    """Read a session written by :func:`save`, fully into memory.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.nc`` file (netCDF4, or netCDF3 as written where h5py is missing) or a
        ``.zarr`` store.

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
        if _is_netcdf3(path):
            tree = _from_netcdf3(path)
        else:
            if engine == "netcdf3":
                raise ConcordlabError(
                    f"'{path}' is a netCDF4 (HDF5) file; reading it needs h5netcdf and h5py, "
                    "which this Python lacks"
                    + (
                        " (Python in the browser has no h5py). Files saved in the browser "
                        "are netCDF3, which it reads."
                        if sys.platform == "emscripten"
                        else ": pip install h5netcdf h5py."
                    )
                )
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


def _is_netcdf3(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as stream:
        return stream.read(3) == b"CDF"


def _from_netcdf3(path: Path) -> xr.DataTree:
    """Rebuild the tree :func:`_netcdf3_dataset` flattened."""
    with xr.open_dataset(path, engine="scipy") as opened:
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
    return xr.DataTree.from_dict(nodes)
