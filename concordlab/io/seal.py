"""A whole-file checksum for ``.nc`` sessions, in the HDF5 file's user block.

HDF5 lets a file begin with a *user block*, bytes the library skips (the HDF5 data start
after it, and netCDF-4 readers look for them there). :func:`concordlab.save` reserves
:data:`USER_BLOCK` bytes and writes into them a checksum of every byte after them, the
file's length and the name of the hash. :func:`concordlab.load` checks them before the
HDF5 library reads a byte: a damaged HDF5 structure can make that library fail obscurely
or loop forever, and a damaged file must get a clear error instead.

What the seal guards against: *accidental* damage, a file torn by a crash or a full
disk, cut short or extended by a copy, bits rotted on a disk or a card, a file edited by
another tool (h5py, netCDF4, ncatted) and so changed anywhere. What it does not guard
against: deliberate tampering. Whoever changes a file on purpose can write a new seal;
the hash is not a signature, and nothing in the file says who saved it.

The checksum is a hash tree: the bytes after the block are cut into :data:`PIECE`-byte
pieces, each hashed, and the checksum is the hash of those digests in order. The pieces
are read in parallel threads where there are threads (not in Pyodide), each hashed as it
arrives, straight into the one buffer the session is then parsed from, so the file is
read once. The hash is XXH3-128 (:data:`ALGORITHM`; the ``xxhash`` package), tens of GB/s
per core: checking is not what a load waits for. Accidental damage slips through it
with a chance of about 2**-128, as through a cryptographic hash of that size; it is only
not built to resist an adversary who crafts a change, which the seal is not for (above).

Files sealed by earlier releases carry a SHA-256 hash tree (``sha256 tree``) or the
SHA-256 of the bytes as one stream (``sha256``); the seal names its hash, and each is
checked as it was written.
"""

from __future__ import annotations

import hashlib
import importlib.util
import mmap
import os
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from concordlab.errors import FileFormatError
from concordlab.io._threads import parallel_map

__all__ = [
    "ALGORITHM",
    "HAS_XXHASH",
    "PIECE",
    "USER_BLOCK",
    "can_check",
    "file_digest",
    "hash_function",
    "hdf5_offset",
    "read_file",
    "read_sealed",
    "seal",
]

USER_BLOCK = 512
"""Bytes reserved at the start of a ``.nc`` session for its checksum (HDF5's smallest)."""

PIECE = 1 << 22
"""Bytes per piece of the hash tree (4 MiB)."""

HAS_XXHASH = importlib.util.find_spec("xxhash") is not None
"""Whether this Python has ``xxhash`` (a core dependency, except in the browser: the class
site's Pyodide has no wheel of it)."""

ALGORITHM = "xxh3-128" if HAS_XXHASH else "sha256"
"""The hash :func:`seal` writes: XXH3-128, or SHA-256 where there is no ``xxhash`` (the
class site), so that a file saved there can be checked there. Files sealed with either
load wherever they can be checked."""

_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# Sealed by the first release with seals: SHA-256 of the bytes as one stream.
_STREAM = re.compile(
    rf"concordlab session file\nsha256 ([0-9a-f]{{64}}) of bytes {USER_BLOCK} to (\d+)\n".encode()
)
# Sealed since: a hash tree, the hash named (sha256 before XXH3-128).
_TREE = re.compile(
    rf"concordlab session file\n(sha256|xxh3-128) tree ([0-9a-f]+) of (\d+)-byte pieces of "
    rf"bytes {USER_BLOCK} to (\d+)\n".encode()
)
_SHOWN = {"sha256": "SHA-256", "xxh3-128": "XXH3-128"}
_RESTORE = (
    "Restore it from a backup, or load(path, verify=False) to try reading it unchecked "
    "(a damaged file can then fail or hang inside the HDF5 library)."
)


def hash_function(algorithm: str) -> Callable[..., Any]:
    """The constructor of ``algorithm``'s hash objects (``update``, ``digest``, ``hexdigest``).

    Examples
    --------
    >>> hash_function("sha256")(b"abc").hexdigest()[:12]
    'ba7816bf8f01'
    """
    if algorithm == "sha256":
        return hashlib.sha256
    import xxhash  # a core dependency; imported on first use (import concordlab stays light)

    return xxhash.xxh3_128


def can_check(algorithm: str, shown: object) -> bool:
    """Whether this Python can compute ``algorithm``; if not, warn that ``shown`` is read
    unchecked and say where it can be checked (XXH3-128 where there is no ``xxhash``).

    Examples
    --------
    >>> can_check("sha256", "x.nc")
    True
    """
    if algorithm != "xxh3-128" or HAS_XXHASH:
        return True
    warnings.warn(
        f"'{shown}' was saved with an XXH3-128 checksum, which this Python cannot compute "
        "(no xxhash package: the class site's Python has none), so it is read UNCHECKED. "
        "Load it once where concordlab is installed with pip to check it, or save it again "
        "here (saves here are checked with SHA-256).",
        UserWarning,
        stacklevel=4,
    )
    return False


def hdf5_offset(path: Path) -> int | None:
    """Where the HDF5 signature is (0, 512, 1024, ... as HDF5 allows), or None.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.nc"
    >>> _ = path.write_bytes(b"\\x89HDF\\r\\n\\x1a\\n" + bytes(100))
    >>> hdf5_offset(path)
    0
    """
    size = path.stat().st_size
    with path.open("rb") as stream:
        offset = 0
        while offset + len(_SIGNATURE) <= size:
            stream.seek(offset)
            if stream.read(len(_SIGNATURE)) == _SIGNATURE:
                return offset
            offset = 512 if offset == 0 else offset * 2
    return None


def _pieces(size: int, piece: int) -> list[tuple[int, int]]:
    return [(start, min(start + piece, size)) for start in range(USER_BLOCK, size, piece)]


def _tree_digest(piece_digests: list[bytes], algorithm: str = ALGORITHM) -> str:
    return hash_function(algorithm)(b"".join(piece_digests)).hexdigest()


def read_file(
    path: Path, *, piece: int | None = PIECE, algorithm: str = ALGORITHM
) -> tuple[np.ndarray, str | None]:
    """The whole file as a writable byte array, and the hash tree (``algorithm``) of its
    bytes after the user block (None when ``piece`` is None: read only).

    The pieces are read (``os.preadv``) and hashed in parallel threads, into one buffer.

    Examples
    --------
    >>> import tempfile, pathlib, xxhash
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
    >>> _ = path.write_bytes(bytes(512) + b"abc")
    >>> data, digest = read_file(path)
    >>> bytes(data[512:]), digest == xxhash.xxh3_128(xxhash.xxh3_128(b"abc").digest()).hexdigest()
    (b'abc', True)
    """
    hasher = None if piece is None else hash_function(algorithm)
    with open(path, "rb", buffering=0) as stream:
        size = os.fstat(stream.fileno()).st_size
        data = np.empty(size, dtype=np.uint8)
        view = memoryview(data)
        descriptor = stream.fileno()

        def read(span: tuple[int, int]) -> bytes | None:
            start, end = span
            done = start
            while done < end:
                count = os.preadv(descriptor, [view[done:end]], done)
                if count == 0:
                    raise FileFormatError(f"'{path}' was cut short while it was read.")
                done += count
            return None if hasher is None else hasher(view[start:end]).digest()

        read((0, min(USER_BLOCK, size)))
        digests = parallel_map(read, _pieces(size, piece or PIECE))
    return data, None if piece is None else _tree_digest(digests, algorithm)


def file_digest(path: Path) -> tuple[str, int]:
    """The hash tree (:data:`ALGORITHM`, :data:`PIECE`) of a file's bytes after the user
    block, and the file's size, hashed where the bytes are: the file is mapped into memory
    (no copy; just written, its pages are in the system's cache), or read where it cannot
    be mapped (Python in the browser).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
    >>> _ = path.write_bytes(bytes(512) + b"abc")
    >>> file_digest(path) == (read_file(path)[1], 515)
    True
    """
    with open(path, "rb", buffering=0) as stream:
        size = os.fstat(stream.fileno()).st_size
        if size <= USER_BLOCK or sys.platform == "emscripten":
            mapped = None
        else:
            try:  # mapped in one step where the system can (Linux), not page by page
                mapped = mmap.mmap(
                    stream.fileno(),
                    0,
                    flags=mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0),
                    prot=mmap.PROT_READ,
                )
            except (OSError, ValueError, AttributeError):  # a system that cannot map files
                mapped = None
        if mapped is None:
            digest = read_file(path)[1]
            assert digest is not None
            return digest, size
        try:
            view = memoryview(mapped)
            try:
                hasher = hash_function(ALGORITHM)
                digests = [hasher(view[a:b]).digest() for a, b in _pieces(size, PIECE)]
            finally:
                view.release()
        finally:
            mapped.close()
    return _tree_digest(digests), size


def seal(path: Path, digest: str | None = None, size: int | None = None) -> None:
    """Write the checksum of a just-written HDF5 file with a user block into that block.

    ``digest`` and ``size`` are the file's hash tree and length as :func:`file_digest`
    gives them, when the caller has them already.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.nc"
    >>> _ = path.write_bytes(bytes(512) + b"\\x89HDF\\r\\n\\x1a\\n" + bytes(100))
    >>> seal(path)
    >>> read_sealed(path, path)[1]
    True
    >>> path.read_bytes()[24:38]
    b'xxh3-128 tree '
    """
    with path.open("r+b") as stream:
        stream.seek(USER_BLOCK)
        if stream.read(len(_SIGNATURE)) != _SIGNATURE:
            raise FileFormatError(f"'{path}' has no {USER_BLOCK}-byte user block to seal.")
    if digest is None or size is None:
        digest, size = file_digest(path)
    header = (
        f"concordlab session file\n{ALGORITHM} tree {digest} of {PIECE}-byte pieces of bytes "
        f"{USER_BLOCK} to {size}\n"
    ).encode("ascii")
    with path.open("r+b") as stream:
        stream.write(header.ljust(USER_BLOCK, b" "))


def read_sealed(path: Path, shown: Path, *, verify: bool = True) -> tuple[np.ndarray, bool]:
    """Read a ``.nc`` file whole and check its seal, before any HDF5 parsing.

    Returns the file's bytes and whether it was sealed (False: an older file, or not
    HDF5 at all; the caller decides). With ``verify`` False the bytes are read unchecked.
    Seals of every release are checked: XXH3-128 or SHA-256 hash trees, and the SHA-256
    of the bytes as one stream.

    Raises
    ------
    FileFormatError
        If the seal or the bytes it covers are damaged, or the file was cut short or
        extended.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.nc"
    >>> _ = path.write_bytes(bytes(512) + b"\\x89HDF\\r\\n\\x1a\\n" + bytes(100))
    >>> seal(path)
    >>> data, sealed = read_sealed(path, path)
    >>> sealed, data.size
    (True, 620)
    """
    with path.open("rb") as stream:
        block = stream.read(USER_BLOCK)
    tree = _TREE.match(block)
    found = tree or _STREAM.match(block)
    if not verify:
        return read_file(path, piece=None)[0], False
    if found is None:
        data = read_file(path, piece=None)[0]
        if _signature_at(data) in (0, None):
            return data, False  # an older session, or not HDF5 at all
        raise FileFormatError(
            f"'{shown}' is damaged: its first {USER_BLOCK} bytes, where concordlab keeps the "
            f"file's checksum, are not what save wrote. {_RESTORE}"
        )
    saved = int(found.group(found.lastindex or 0))
    size = path.stat().st_size
    if saved != size:
        change = "cut short" if size < saved else "extended"
        raise FileFormatError(
            f"'{shown}' is damaged: it was {change} after saving ({size} bytes, saved as "
            f"{saved}). {_RESTORE}"
        )
    if tree is not None:
        algorithm, expected, piece = tree.group(1).decode(), tree.group(2), int(tree.group(3))
        if not can_check(algorithm, shown):
            return read_file(path, piece=None)[0], True
        if piece > 0:
            data, digest = read_file(path, piece=piece, algorithm=algorithm)
        else:
            data, digest = read_file(path, piece=None)[0], ""
    else:
        algorithm, expected = "sha256", found.group(1)
        data = read_file(path, piece=None)[0]
        digest = hashlib.sha256(memoryview(data)[USER_BLOCK:]).hexdigest()
    if (
        data.size != saved
        or _signature_at(data) != USER_BLOCK
        or digest != expected.decode("ascii")
    ):
        raise FileFormatError(
            f"'{shown}' is damaged: its bytes no longer match the {_SHOWN[algorithm]} checksum "
            f"save wrote (changed on disk, or by another program). {_RESTORE}"
        )
    return data, True


def _signature_at(data: np.ndarray) -> int | None:
    """Where the HDF5 signature is in the file's bytes (as :func:`hdf5_offset`)."""
    offset = 0
    while offset + len(_SIGNATURE) <= data.size:
        if bytes(data[offset : offset + len(_SIGNATURE)]) == _SIGNATURE:
            return offset
        offset = 512 if offset == 0 else offset * 2
    return None
