"""Set the presented duration of an mp4 file's tracks (its edit lists), in place.

A clip cut by stream copy may have to carry a few frames past its end that earlier frames
need for decoding (the reference of a trailing B-frame). FFmpeg's mp4 muxer ends each
track's edit list at the last sample; this module shortens the edit list (and the track
and movie durations) so that players and decoders (FFmpeg's mov demuxer marks samples
outside the edit as discarded) present exactly the clip. Only the sizes of existing
fields change: the boxes keep their lengths.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from concordlab.errors import FileFormatError

_CONTAINERS = frozenset({"moov", "trak", "edts", "mdia"})


def _boxes(data: bytearray, start: int, end: int, path: tuple[str, ...] = ()) -> Iterator:
    """``(path, body offset, version)`` of every box under ``_CONTAINERS`` (ISO 14496-12)."""
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            size = struct.unpack_from(">Q", data, offset + 8)[0]
            header = 16
        elif size == 0:
            size = end - offset
        if size < header:
            raise FileFormatError("A clip's mp4 boxes are damaged; export it with cut='reencode'.")
        name = kind.decode("latin-1")
        yield (*path, name), offset + header, data[offset + header]
        if name in _CONTAINERS:
            yield from _boxes(data, offset + header, offset + size, (*path, name))
        offset += size


def _put(data: bytearray, offset: int, wide: bool, value: int) -> None:
    struct.pack_into(">Q" if wide else ">I", data, offset, value)


def set_presented_duration(path: Path, seconds: dict[int, float]) -> None:
    """Present track ``i`` (0-based, file order) for ``seconds[i]`` seconds from its start.

    Each given track must have a one-entry edit list (what FFmpeg's muxer writes for a
    stream that starts at time 0); its duration, the track's and the movie's (the
    longest) are rewritten.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from concordlab.video import _demo_video
    >>> file = _demo_video(pathlib.Path(tempfile.mkdtemp()) / "a.mp4")  # 3 s
    >>> set_presented_duration(file, {0: 1.5})
    >>> import av
    >>> with av.open(str(file)) as container:
    ...     len(list(container.decode(video=0)))
    15
    """
    with open(path, "r+b") as handle:
        where, data = _moov(handle)
        _patch(data, seconds, path)
        handle.seek(where)
        handle.write(data)


def _moov(handle: Any) -> tuple[int, bytearray]:
    """The offset and the bytes of the file's ``moov`` box (FFmpeg writes it last)."""
    size_of_file = handle.seek(0, os.SEEK_END)
    offset = 0
    while offset + 8 <= size_of_file:
        handle.seek(offset)
        header = handle.read(16)
        size, kind = struct.unpack_from(">I4s", header)
        if size == 1:
            size = struct.unpack_from(">Q", header, 8)[0]
        elif size == 0:
            size = size_of_file - offset
        if kind == b"moov":
            handle.seek(offset)
            return offset, bytearray(handle.read(size))
        if size < 8:
            break
        offset += size
    raise FileFormatError("A clip has no moov box; export it with cut='reencode'.")


def _patch(data: bytearray, seconds: dict[int, float], path: Path) -> None:
    scale, track, mvhd = 0, -1, None
    done: set[int] = set()
    for where, body, version in _boxes(data, 0, len(data)):
        wide = version == 1
        if where == ("moov", "mvhd"):
            scale = struct.unpack_from(">I", data, body + (20 if wide else 12))[0]
            mvhd = (body + (24 if wide else 16), wide)
        elif where == ("moov", "trak"):
            track += 1
        elif track in seconds and where[-1] in ("tkhd", "elst"):
            ticks = round(seconds[track] * scale)
            if where[-1] == "tkhd":
                _put(data, body + (28 if wide else 20), wide, ticks)
                continue
            if struct.unpack_from(">I", data, body + 4)[0] != 1:
                raise FileFormatError(
                    "A clip's edit list is not the one expected; export with cut='reencode'."
                )
            _put(data, body + 8, wide, ticks)
            done.add(track)
    if mvhd is None or done != set(seconds):
        raise FileFormatError(
            f"The clip '{path}' lacks the edit list of track(s) {sorted(set(seconds) - done)}; "
            "export with cut='reencode'."
        )
    _put(data, mvhd[0], mvhd[1], round(max(seconds.values()) * scale))
