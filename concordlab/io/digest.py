"""Content digests of sessions: the checksums :func:`~concordlab.save` stores and
:func:`~concordlab.load` verifies, and the content-derived id of an in-memory session.

A digest is a SHA-256 over what a variable *means*, not how a backend lays it out: its
dims, shape, kind of values, attrs and values (numbers as little-endian bytes, text as
UTF-8), so that it is the same before saving and after loading from netCDF4, netCDF3 or
Zarr, and differs when any value, attribute or shape does.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
import xarray as xr

__all__ = ["content_id", "tree_digests", "variable_digest"]

# Key under which a node's own attrs are digested, beside its variables' names.
NODE_ATTRS = ".attrs"


def _plain(value: Any) -> Any:
    """Attribute values in the one form every backend gives back."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()] if value.ndim else _plain(value.item())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _attrs_bytes(attrs: dict[str, Any]) -> bytes:
    plain = {str(k): _plain(v) for k, v in attrs.items()}
    return json.dumps(plain, sort_keys=True, default=repr, allow_nan=True).encode("utf-8")


def _values_bytes(values: np.ndarray) -> tuple[str, bytes]:
    kind = values.dtype.kind
    if kind in "OUS":
        texts = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values.ravel()]
        encoded = [t.encode("utf-8") for t in texts]
        lengths = np.array([len(e) for e in encoded], dtype="<i8").tobytes()
        return "text", lengths + b"".join(encoded)
    if kind in "mM":
        values = values.view(np.int64)
        kind = "i"
    if kind == "b":
        return "bool", np.ascontiguousarray(values, dtype=np.uint8).tobytes()
    little = values.astype(values.dtype.newbyteorder("<"), copy=False)
    return f"{kind}{values.dtype.itemsize}", np.ascontiguousarray(little).tobytes()


def variable_digest(variable: xr.Variable) -> str:
    """SHA-256 (hex) of one variable's dims, shape, kind of values, attrs and values.

    Examples
    --------
    >>> a = xr.Variable("x", np.array([1.0, 2.0]), {"units": "uS"})
    >>> b = xr.Variable("x", np.array([1.0, 2.0]).astype(">f8"), {"units": "uS"})
    >>> variable_digest(a) == variable_digest(b)
    True
    >>> variable_digest(a) == variable_digest(a.copy(data=np.array([1.0, 2.5])))
    False
    """
    kind, data = _values_bytes(np.asarray(variable.values))
    digest = hashlib.sha256()
    header = {"dims": list(variable.dims), "shape": list(variable.shape), "kind": kind}
    digest.update(json.dumps(header, sort_keys=True).encode("utf-8"))
    digest.update(_attrs_bytes(dict(variable.attrs)))
    digest.update(data)
    return digest.hexdigest()


def tree_digests(tree: xr.DataTree) -> dict[str, dict[str, str]]:
    """Digests of every node's attrs and variables, by node path then variable name.

    Examples
    --------
    >>> import concordlab
    >>> digests = tree_digests(concordlab.example_session())
    >>> sorted(digests["/eda"])
    ['.attrs', 'eda', 'person', 'time']
    """
    digests: dict[str, dict[str, str]] = {}
    for node in tree.subtree:
        dataset = node.to_dataset(inherit=False)
        entry = {NODE_ATTRS: hashlib.sha256(_attrs_bytes(dict(node.attrs))).hexdigest()}
        entry.update({str(name): variable_digest(v) for name, v in dataset.variables.items()})
        digests[node.path] = entry
    return digests


def content_id(session: xr.DataTree, length: int = 12) -> str:
    """A short id derived from a session's recorded signals (not its segments or results).

    Two sessions with the same channels, persons and samples get the same id; any other
    difference in the recording gives another. Used to name the explorer's sidecar of a
    session that has no file.

    Examples
    --------
    >>> import concordlab
    >>> a = concordlab.example_session()
    >>> b = concordlab.add_segment(a, 10, 20, "talk")
    >>> content_id(a) == content_id(b), len(content_id(a))
    (True, 12)
    """
    from concordlab.session import channels

    digest = hashlib.sha256()
    digest.update(str(session.attrs.get("session_id", "")).encode("utf-8"))
    for name in channels(session):
        variable = session[name].to_dataset(inherit=False)[name].variable
        digest.update(name.encode("utf-8"))
        digest.update(variable_digest(variable).encode("ascii"))
        digest.update(variable_digest(session[name].dataset["time"].variable).encode("ascii"))
    return digest.hexdigest()[:length]
