"""Read a netCDF-4 session from its bytes in memory, with h5py, into a DataTree.

:func:`concordlab.load` reads a ``.nc`` file once, into one buffer, checking its seal as it
reads; this module parses the HDF5 structure from that buffer and makes every large
contiguous array a view of it (no second read, no copy). Decoding (fill values, text,
coordinates) is xarray's own, as :func:`xarray.open_datatree` would do it. What this
reader does not handle (chunked or compressed arrays are read by h5py; unlabeled
dimensions, unlimited dimensions or types outside netCDF-4's) raises :class:`Unsupported`,
and the caller falls back to :func:`xarray.open_datatree`.
"""

from __future__ import annotations

import io
import sys
from typing import Any

import numpy as np
import xarray as xr

__all__ = ["Unsupported", "read_nodes"]

_NOT_A_VARIABLE = b"This is a netCDF dimension but not a netCDF variable"
_NON_COORD = "_nc4_non_coord_"


class Unsupported(Exception):
    """A file this reader does not parse; use xarray's reader instead."""


class _Buffer(io.RawIOBase):
    """A read-only file over a byte array, for h5py's file-object driver."""

    def __init__(self, data: np.ndarray) -> None:
        self._view = memoryview(data)
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self._view)}
        self._position = base[whence] + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def readinto(self, buffer: Any) -> int:
        chunk = self._view[self._position : self._position + len(buffer)]
        memoryview(buffer).cast("B")[: len(chunk)] = chunk
        self._position += len(chunk)
        return len(chunk)


def read_nodes(data: np.ndarray) -> dict[str, xr.Dataset]:
    """The nodes (path to dataset) in the netCDF-4 bytes ``data``; arrays stored contiguous
    are views of ``data``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import concordlab
    >>> from concordlab.io.seal import read_file
    >>> s = concordlab.example_session()
    >>> path = concordlab.save(s, pathlib.Path(tempfile.mkdtemp()) / "dyad.nc")
    >>> nodes = read_nodes(read_file(path, piece=None)[0])
    >>> sorted(nodes)
    ['/', '/eda', '/hr', '/segments', '/truth']
    """
    import h5py

    nodes: dict[str, xr.Dataset] = {}
    with h5py.File(_Buffer(data), "r") as root:
        groups = [("/", root)]
        while groups:
            path, group = groups.pop(0)
            nodes[path] = _node(group, data, h5py)
            for name, item in group.items():
                if isinstance(item, h5py.Group):
                    groups.append((f"{path.rstrip('/')}/{name}", item))
                elif not isinstance(item, h5py.Dataset):
                    raise Unsupported(f"{name}: {type(item).__name__}")
    return nodes


def _attrs(item: Any, h5py: Any) -> dict[str, Any]:
    """Attributes as h5netcdf and xarray's h5netcdf backend give them."""
    from h5netcdf.attrs import Attributes

    attrs = {}
    for key, value in Attributes(item.attrs, None, h5py).items():
        if key not in ("_FillValue", "missing_value") and isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                raise Unsupported(f"attribute {key!r} is not UTF-8") from None
        attrs[key] = value
    return attrs


def _node(group: Any, data: np.ndarray, h5py: Any) -> xr.Dataset:
    variables: dict[str, xr.Variable] = {}
    for name, item in group.items():
        if not isinstance(item, h5py.Dataset):
            continue
        kind = item.attrs.get("CLASS")
        label = item.attrs.get("NAME", b"")
        if isinstance(label, str):
            label = label.encode("utf-8")
        if kind == b"DIMENSION_SCALE" and _NOT_A_VARIABLE in label:
            continue  # a dimension without coordinate values
        if name.startswith(_NON_COORD):
            name = name[len(_NON_COORD) :]
        if kind == b"DIMENSION_SCALE":
            dims: tuple[str, ...] = (name,)
        elif item.ndim == 0:
            dims = ()
        elif "DIMENSION_LIST" in item.attrs:
            dims = tuple(
                group.file[refs[0]].name.rsplit("/", 1)[-1] for refs in item.attrs["DIMENSION_LIST"]
            )
        else:
            raise Unsupported(f"{name}: dimensions without names")
        variables[name] = xr.Variable(dims, _values(item, data, h5py), _attrs(item, h5py))
    attrs = _attrs(group, h5py)
    decoded, attrs, coord_names = xr.conventions.decode_cf_variables(variables, attrs)
    plain = {
        name: xr.Variable(v.dims, np.asarray(v.values), v.attrs) for name, v in decoded.items()
    }
    coords = {name: plain.pop(name) for name in list(plain) if name in coord_names}
    coords.update({name: plain.pop(name) for name in list(plain) if name in plain[name].dims})
    try:
        return xr.Dataset(plain, coords=coords, attrs=attrs)
    except ValueError as error:  # e.g. an unlimited dimension longer than a variable
        raise Unsupported(str(error)) from None


def _values(item: Any, data: np.ndarray, h5py: Any) -> np.ndarray:
    """The dataset's values: a view of ``data`` where stored contiguous and plain."""
    dtype = item.dtype
    string = h5py.check_string_dtype(dtype)
    if string is not None and string.length is None:
        values = item.asstr()[()]
        return np.array(values, dtype=object) if item.ndim == 0 else values
    if dtype.kind not in "biufc" or dtype.names is not None or dtype.metadata:
        raise Unsupported(f"{item.name}: type {dtype}")
    offset = item.id.get_offset() if item.chunks is None and not item.is_virtual else None
    native = dtype.byteorder in "=|" or (dtype.byteorder == "<") == (sys.byteorder == "little")
    if (
        offset is None
        or not native
        or item.external
        or item.size == 0
        or offset + item.size * dtype.itemsize > data.size
    ):
        return item[()] if item.ndim else np.asarray(item[()])
    return np.frombuffer(data, dtype=dtype, count=item.size, offset=offset).reshape(item.shape)
