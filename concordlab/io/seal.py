"""A whole-file checksum for ``.nc`` sessions, in the HDF5 file's user block.

HDF5 lets a file begin with a *user block*, bytes the library skips (the HDF5 data start
after it, and netCDF-4 readers look for them there). :func:`concordlab.save` reserves
:data:`USER_BLOCK` bytes and writes into them a SHA-256 checksum of every byte after them
and the file's length. :func:`concordlab.load` checks both before the HDF5 library reads a
byte: a damaged HDF5 structure can make that library fail obscurely or loop forever, and a
damaged file must get a clear error instead.

The checksum is a SHA-256 hash tree: the bytes after the block are cut into
:data:`PIECE`-byte pieces, each hashed with SHA-256, and the checksum is the SHA-256 of
those digests in order. The pieces are read and hashed in parallel threads (hashlib
releases the GIL), straight into the one buffer the session is then parsed from, so the
file is read once. Files sealed by earlier releases carry the SHA-256 of the bytes as one
stream; they are checked as such.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np

from concordlab.errors import FileFormatError
from concordlab.io._threads import parallel_map

__all__ = ["PIECE", "USER_BLOCK", "hdf5_offset", "read_file", "read_sealed", "seal"]

USER_BLOCK = 512
"""Bytes reserved at the start of a ``.nc`` session for its checksum (HDF5's smallest)."""

PIECE = 1 << 22
"""Bytes per piece of the SHA-256 hash tree (4 MiB)."""

_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# Sealed by earlier releases: SHA-256 of the bytes as one stream.
_HEADER = re.compile(
    rf"concordlab session file\nsha256 ([0-9a-f]{{64}}) of bytes {USER_BLOCK} to (\d+)\n".encode()
)
_TREE = re.compile(
    rf"concordlab session file\nsha256 tree ([0-9a-f]{{64}}) of (\d+)-byte pieces of bytes "
    rf"{USER_BLOCK} to (\d+)\n".encode()
)
_RESTORE = (
    "Restore it from a backup, or load(path, verify=False) to try reading it unchecked "
    "(a damaged file can then fail or hang inside the HDF5 library)."
)


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


def _tree_digest(piece_digests: list[bytes]) -> str:
    return hashlib.sha256(b"".join(piece_digests)).hexdigest()


def read_file(path: Path, *, piece: int | None = PIECE) -> tuple[np.ndarray, str | None]:
    """The whole file as a writable byte array, and the hash tree of its bytes after the
    user block (None when ``piece`` is None: read only).

    The pieces are read (``os.preadv``) and hashed in parallel threads, into one buffer.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
    >>> _ = path.write_bytes(bytes(512) + b"abc")
    >>> data, digest = read_file(path)
    >>> bytes(data[512:]), digest == _tree_digest([hashlib.sha256(b"abc").digest()])
    (b'abc', True)
    """
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
            return None if piece is None else hashlib.sha256(view[start:end]).digest()

        read((0, min(USER_BLOCK, size)))
        digests = parallel_map(read, _pieces(size, piece or PIECE))
    return data, None if piece is None else _tree_digest(digests)


def seal(path: Path, data: np.ndarray | None = None, digest: str | None = None) -> None:
    """Write the checksum of a just-written HDF5 file with a user block into that block.

    ``data`` and ``digest`` are the file's bytes and hash tree as :func:`read_file` gave
    them, when the caller has them already (the file is then not read again).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.nc"
    >>> _ = path.write_bytes(bytes(512) + b"\\x89HDF\\r\\n\\x1a\\n" + bytes(100))
    >>> seal(path)
    >>> read_sealed(path, path)[1]
    True
    """
    if data is None or digest is None:
        data, digest = read_file(path)
    if bytes(data[USER_BLOCK : USER_BLOCK + len(_SIGNATURE)]) != _SIGNATURE:
        raise FileFormatError(f"'{path}' has no {USER_BLOCK}-byte user block to seal.")
    header = (
        f"concordlab session file\nsha256 tree {digest} of {PIECE}-byte pieces of bytes "
        f"{USER_BLOCK} to {data.size}\n"
    ).encode("ascii")
    with path.open("r+b") as stream:
        stream.write(header.ljust(USER_BLOCK, b" "))


def read_sealed(path: Path, shown: Path, *, verify: bool = True) -> tuple[np.ndarray, bool]:
    """Read a ``.nc`` file whole and check its seal, before any HDF5 parsing.

    Returns the file's bytes and whether it was sealed (False: an older file, or not
    HDF5 at all; the caller decides). With ``verify`` False the bytes are read unchecked.

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
    found = tree or _HEADER.match(block)
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
    if tree is not None and int(tree.group(2)) > 0:
        data, digest = read_file(path, piece=int(tree.group(2)))
    elif tree is not None:
        data, digest = read_file(path, piece=None)[0], ""
    else:
        data = read_file(path, piece=None)[0]
        digest = hashlib.sha256(memoryview(data)[USER_BLOCK:]).hexdigest()
    if (
        data.size != saved
        or _signature_at(data) != USER_BLOCK
        or digest != found.group(1).decode("ascii")
    ):
        raise FileFormatError(
            f"'{shown}' is damaged: its bytes no longer match the SHA-256 checksum save "
            f"wrote (changed on disk, or by another program). {_RESTORE}"
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
