"""A whole-file checksum for ``.nc`` sessions, in the HDF5 file's user block.

HDF5 lets a file begin with a *user block*, bytes the library skips (the HDF5 data start
after it, and netCDF-4 readers look for them there). :func:`concordlab.save` reserves
:data:`USER_BLOCK` bytes and writes into them the SHA-256 of every byte after them and the
file's length. :func:`concordlab.load` checks both before the HDF5 library reads a byte:
a damaged HDF5 structure can make that library fail obscurely or loop forever, and a
damaged file must get a clear error instead.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from concordlab.errors import FileFormatError

__all__ = ["USER_BLOCK", "check_seal", "hdf5_offset", "seal"]

USER_BLOCK = 512
"""Bytes reserved at the start of a ``.nc`` session for its checksum (HDF5's smallest)."""

_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_HEADER = re.compile(
    rf"concordlab session file\nsha256 ([0-9a-f]{{64}}) of bytes {USER_BLOCK} to (\d+)\n".encode()
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


def _digest(path: Path) -> str:
    with path.open("rb") as stream:
        stream.seek(USER_BLOCK)
        return hashlib.file_digest(stream, "sha256").hexdigest()


def seal(path: Path) -> None:
    """Write the checksum of a just-written HDF5 file with a user block into that block.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.nc"
    >>> _ = path.write_bytes(bytes(512) + b"\\x89HDF\\r\\n\\x1a\\n" + bytes(100))
    >>> seal(path)
    >>> check_seal(path, path)
    True
    """
    if hdf5_offset(path) != USER_BLOCK:
        raise FileFormatError(f"'{path}' has no {USER_BLOCK}-byte user block to seal.")
    size = path.stat().st_size
    header = f"concordlab session file\nsha256 {_digest(path)} of bytes {USER_BLOCK} to {size}\n"
    with path.open("r+b") as stream:
        stream.write(header.encode("ascii").ljust(USER_BLOCK, b" "))


def check_seal(path: Path, shown: Path) -> bool:
    """True if ``path`` is sealed and intact, False if it has no seal (an older file).

    Raises
    ------
    FileFormatError
        If the seal or the bytes it covers are damaged, or the file was cut short or
        extended.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.nc"
    >>> _ = path.write_bytes(b"\\x89HDF\\r\\n\\x1a\\n" + bytes(100))
    >>> check_seal(path, path)
    False
    """
    offset = hdf5_offset(path)
    with path.open("rb") as stream:
        block = stream.read(USER_BLOCK)
    found = _HEADER.match(block)
    if found is None and offset in (0, None):
        return False  # an older session, or not HDF5 at all
    if found is None:
        raise FileFormatError(
            f"'{shown}' is damaged: its first {USER_BLOCK} bytes, where concordlab keeps the "
            f"file's checksum, are not what save wrote. {_RESTORE}"
        )
    size = path.stat().st_size
    if int(found.group(2)) != size:
        change = "cut short" if size < int(found.group(2)) else "extended"
        raise FileFormatError(
            f"'{shown}' is damaged: it was {change} after saving ({size} bytes, saved as "
            f"{int(found.group(2))}). {_RESTORE}"
        )
    if offset != USER_BLOCK or _digest(path) != found.group(1).decode("ascii"):
        raise FileFormatError(
            f"'{shown}' is damaged: its bytes no longer match the SHA-256 checksum save "
            f"wrote (changed on disk, or by another program). {_RESTORE}"
        )
    return True
