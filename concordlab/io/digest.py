"""Content digests of sessions: the checksums :func:`~concordlab.save` stores and
:func:`~concordlab.load` verifies, and the content-derived id of an in-memory session.

A digest is a hash over what a variable *means*, not how a backend lays it out: its
dims, shape, kind of values, attrs and values (numbers as little-endian bytes, text as
UTF-8), so that it is the same before saving and after loading from netCDF4, netCDF3 or
Zarr, and differs when any value, attribute or shape does.

The checksums stored in a file (:func:`tree_digests`) guard against accidental damage
(a torn or truncated write, bit rot, a file edited by another tool), not deliberate
tampering: whoever edits a file on purpose can store new checksums. They are XXH3-128
(:data:`ALGORITHM`), written ``xxh3-128:<hex>``; a bare 64-digit value is the SHA-256
that earlier releases stored, and is verified as such. :func:`content_id` names files
across sessions and releases (the explorer's sidecars) and stays SHA-256, so the names
it gave stay the same.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
import xarray as xr

from concordlab.io._threads import parallel_map
from concordlab.io.seal import ALGORITHM, hash_function  # the one home of the hash choice

__all__ = [
    "ALGORITHM",
    "attrs_digest",
    "content_id",
    "same_digest",
    "same_values",
    "stored_algorithm",
    "tree_digests",
    "variable_digest",
]

# Key under which a node's own attrs are digested, beside its variables' names.
NODE_ATTRS = ".attrs"

# How each hash's digests are written: a prefix naming it (none for SHA-256, as before).
_TAGS = {"sha256": "", "xxh3-128": "xxh3-128:"}


def _hasher(algorithm: str) -> Any:
    if algorithm not in _TAGS:
        raise ValueError(f"unknown digest algorithm {algorithm!r}; one of {sorted(_TAGS)}")
    return hash_function(algorithm)


def stored_algorithm(digest: str) -> str:
    """The hash a stored digest was made with, from its form.

    Examples
    --------
    >>> stored_algorithm("xxh3-128:0123"), stored_algorithm("ab" * 32)
    ('xxh3-128', 'sha256')
    """
    for algorithm, tag in _TAGS.items():
        if tag and str(digest).startswith(tag):
            return algorithm
    return "sha256"


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


def _values_bytes(values: np.ndarray) -> tuple[str, bytes | np.ndarray]:
    """The kind of values and their bytes as hashed: numbers as a little-endian contiguous
    array (hashed through the buffer protocol, no copy when already so), text as UTF-8."""
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
        return "bool", np.ascontiguousarray(values, dtype=np.uint8)
    little = values.astype(values.dtype.newbyteorder("<"), copy=False)
    return f"{kind}{values.dtype.itemsize}", np.ascontiguousarray(little).reshape(-1)


def same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays hold the same values bit for bit (NaN equal to the same NaN).

    Examples
    --------
    >>> same_values(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
    True
    >>> same_values(np.array([0.0]), np.array([-0.0]))
    False
    """
    if a is b:
        return True
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind not in "fiucbmM":
        return bool(np.array_equal(a, b))
    a, b = np.ascontiguousarray(a).reshape(-1), np.ascontiguousarray(b).reshape(-1)
    if np.shares_memory(a, b) and a.__array_interface__ == b.__array_interface__:
        return True
    view = np.int64 if a.nbytes % 8 == 0 else np.uint8
    return bool(np.array_equal(a.view(np.uint8).view(view), b.view(np.uint8).view(view)))


def variable_digest(variable: xr.Variable, algorithm: str = ALGORITHM) -> str:
    """The digest of one variable's dims, shape, kind of values, attrs and values.

    ``algorithm`` is ``"xxh3-128"`` (written ``xxh3-128:<hex>``) or ``"sha256"`` (the
    bare hex, as earlier releases stored it).

    Examples
    --------
    >>> a = xr.Variable("x", np.array([1.0, 2.0]), {"units": "uS"})
    >>> b = xr.Variable("x", np.array([1.0, 2.0]).astype(">f8"), {"units": "uS"})
    >>> variable_digest(a) == variable_digest(b)
    True
    >>> variable_digest(a) == variable_digest(a.copy(data=np.array([1.0, 2.5])))
    False
    >>> variable_digest(a, "sha256") == hashlib.sha256(
    ...     _prefix(a, "f8") + np.array([1.0, 2.0], "<f8").tobytes()).hexdigest()
    True
    """
    kind, data = _values_bytes(np.asarray(variable.values))
    digest = _hasher(algorithm)(_prefix(variable, kind))
    digest.update(data)  # hashlib releases the GIL while hashing large buffers
    return _TAGS[algorithm] + digest.hexdigest()


def _prefix(variable: xr.Variable, kind: str) -> bytes:
    """What a variable's digest hashes before its values: dims, shape, kind and attrs."""
    header = {"dims": list(variable.dims), "shape": list(variable.shape), "kind": kind}
    return json.dumps(header, sort_keys=True).encode("utf-8") + _attrs_bytes(dict(variable.attrs))


# Arrays at least this large are hashed in worker threads (and compared for repeats).
_LARGE = 1 << 16


def tree_digests(tree: xr.DataTree, algorithm: str = ALGORITHM) -> dict[str, dict[str, str]]:
    """Digests (``algorithm``) of every node's attrs and variables, by node path then
    variable name.

    Examples
    --------
    >>> import concordlab
    >>> digests = tree_digests(concordlab.example_session())
    >>> sorted(digests["/eda"])
    ['.attrs', 'eda', 'person', 'time']
    """
    digests: dict[str, dict[str, str]] = {}
    large: list[tuple[dict[str, str], str, xr.Variable]] = []
    for node in tree.subtree:
        entry = {NODE_ATTRS: attrs_digest(node.attrs, algorithm)}
        for name, variable in node.to_dataset(inherit=False).variables.items():
            if variable.nbytes >= _LARGE:
                entry[str(name)] = ""  # keeps the order; filled below
                large.append((entry, str(name), variable))
            else:
                entry[str(name)] = variable_digest(variable, algorithm)
        digests[node.path] = entry
    # The same values under the same dims and attrs (e.g. the time axis of channels
    # recorded at one rate) have the same digest: hash each once, the rest in threads.
    unique: list[xr.Variable] = []
    which: list[int] = []
    for _, _, variable in large:
        for index, other in enumerate(unique):
            if _same_variable(variable, other):
                which.append(index)
                break
        else:
            which.append(len(unique))
            unique.append(variable)
    found = parallel_map(lambda variable: variable_digest(variable, algorithm), unique)
    for (entry, name, _), index in zip(large, which, strict=True):
        entry[name] = found[index]
    return digests


def _same_variable(a: xr.Variable, b: xr.Variable) -> bool:
    if a.dims != b.dims or a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind not in "fiucbmM" or _attrs_bytes(dict(a.attrs)) != _attrs_bytes(dict(b.attrs)):
        return False
    return same_values(np.asarray(a.values), np.asarray(b.values))


def same_digest(a: xr.Variable, b: xr.Variable) -> bool:
    """Whether ``variable_digest(a) == variable_digest(b)``, decided without hashing.

    Compares what the digest hashes (dims, shape, kind, attrs, then the values bit for
    bit), at the speed of a memory comparison.

    Examples
    --------
    >>> a = xr.Variable("x", np.array([1.0, np.nan]), {"units": "uS"})
    >>> same_digest(a, a.copy(deep=True)), same_digest(a, a.copy(data=np.array([1.0, 2.0])))
    (True, False)
    """
    kind_a, values_a = _values_bytes(np.asarray(a.values))
    kind_b, values_b = _values_bytes(np.asarray(b.values))
    if _prefix(a, kind_a) != _prefix(b, kind_b):
        return False
    if isinstance(values_a, bytes) or isinstance(values_b, bytes):
        return bytes(values_a) == bytes(values_b)
    return same_values(values_a, values_b)


def attrs_digest(attrs: dict[str, Any], algorithm: str = ALGORITHM) -> str:
    """The digest of a node's own attrs (stored under :data:`NODE_ATTRS`).

    Examples
    --------
    >>> attrs_digest({"a": np.float64(1.0)}) == attrs_digest({"a": 1.0})
    True
    """
    return _TAGS[algorithm] + _hasher(algorithm)(_attrs_bytes(dict(attrs))).hexdigest()


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
        # SHA-256 as in every release: the id names files, which must keep their names.
        digest.update(variable_digest(variable, "sha256").encode("ascii"))
        time = session[name].dataset["time"].variable
        digest.update(variable_digest(time, "sha256").encode("ascii"))
    return digest.hexdigest()[:length]
