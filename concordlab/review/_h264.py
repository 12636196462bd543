"""The few H.264 bitstream facts a smart cut needs (ITU-T H.264 and ISO 14496-15).

An mp4 track of H.264 holds its parameter sets (SPS, PPS) in the ``avcC`` box of its
sample description, and its samples as NAL units each prefixed by its length (1, 2 or 4
bytes, said by ``avcC``); an encoder writes Annex B instead (NAL units after start codes
``00 00 01``, the parameter sets in the stream). This module reads and writes ``avcC``,
splits both framings into NAL units, and reads the ids of parameter sets, which a
decoder keys them by: one ``avcC`` may hold several SPS and PPS, each sample naming its
PPS (and so its SPS) by id.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

IDR, SEI, SPS, PPS, AUD = 5, 6, 7, 8, 9
"""NAL unit types: an IDR picture's slice, SEI, SPS, PPS, access unit delimiter."""
_START = re.compile(b"\x00\x00\x01")


@dataclass(frozen=True)
class AvcConfig:
    """An ``avcC`` record: profile, compatibility and level bytes, NAL length size, the
    SPS and PPS NAL units, and the bytes after them (chroma format ... of High profiles)."""

    profile: int
    compatibility: int
    level: int
    length_size: int
    sps: tuple[bytes, ...]
    pps: tuple[bytes, ...]
    tail: bytes = b""

    @classmethod
    def parse(cls, data: bytes) -> AvcConfig | None:
        """The record in ``data``, or None when it is not an ``avcC`` (e.g. Annex B).

        Examples
        --------
        >>> sps, pps = bytes([0x67, 100, 0, 30, 0xAC]), bytes([0x68, 0xEE])
        >>> record = AvcConfig(100, 0, 30, 4, (sps,), (pps,)).build()
        >>> AvcConfig.parse(record).sps == (sps,), AvcConfig.parse(b"\\x00\\x00\\x01g")
        (True, None)
        """
        if len(data) < 7 or data[0] != 1:
            return None
        offset, lists = 6, []
        count = data[5] & 0x1F
        try:
            for _ in range(2):
                units = []
                for _ in range(count):
                    (size,) = struct.unpack_from(">H", data, offset)
                    units.append(bytes(data[offset + 2 : offset + 2 + size]))
                    offset += 2 + size
                lists.append(tuple(units))
                if len(lists) == 1:
                    count, offset = data[offset], offset + 1
        except (struct.error, IndexError):
            return None
        return cls(data[1], data[2], data[3], (data[4] & 3) + 1, *lists, bytes(data[offset:]))

    def build(self) -> bytes:
        """The record's bytes."""
        out = bytearray([1, self.profile, self.compatibility, self.level])
        out += bytes([0xFC | (self.length_size - 1), 0xE0 | len(self.sps)])
        for unit in self.sps:
            out += struct.pack(">H", len(unit)) + unit
        out.append(len(self.pps))
        for unit in self.pps:
            out += struct.pack(">H", len(unit)) + unit
        return bytes(out + self.tail)


def length_prefixed(data: bytes, length_size: int = 4) -> list[bytes]:
    """The NAL units of a sample whose units are prefixed by their length.

    Examples
    --------
    >>> length_prefixed(b"\\x00\\x00\\x00\\x02ab\\x00\\x00\\x00\\x01c")
    [b'ab', b'c']
    """
    units, offset = [], 0
    while offset + length_size <= len(data):
        size = int.from_bytes(data[offset : offset + length_size], "big")
        units.append(bytes(data[offset + length_size : offset + length_size + size]))
        offset += length_size + size
    return units


def annex_b(data: bytes) -> list[bytes]:
    """The NAL units of Annex B bytes (start codes ``00 00 01`` or ``00 00 00 01``).

    Examples
    --------
    >>> annex_b(b"\\x00\\x00\\x00\\x01ab\\x00\\x00\\x01c")
    [b'ab', b'c']
    """
    starts = [m.end() for m in _START.finditer(data)]
    units = []
    for number, begin in enumerate(starts):
        stop = starts[number + 1] - 3 if number + 1 < len(starts) else len(data)
        units.append(bytes(data[begin:stop]).rstrip(b"\x00") if stop > begin else b"")
    return [unit for unit in units if unit]


def to_sample(units: list[bytes]) -> bytes:
    """NAL units as an mp4 sample with 4-byte lengths.

    Examples
    --------
    >>> to_sample([b"ab", b"c"])
    b'\\x00\\x00\\x00\\x02ab\\x00\\x00\\x00\\x01c'
    """
    return b"".join(struct.pack(">I", len(unit)) + unit for unit in units)


def nal_type(unit: bytes) -> int:
    """The type of a NAL unit (its header's low five bits)."""
    return unit[0] & 0x1F


def _ue(data: bytes, bit: int) -> tuple[int, int]:
    """An unsigned Exp-Golomb code at ``bit``: its value and the bit after it."""
    zeros = 0
    while not data[(bit + zeros) >> 3] >> (7 - (bit + zeros) & 7) & 1:
        zeros += 1
    bit += zeros + 1
    value = 0
    for _ in range(zeros):
        value = value << 1 | data[bit >> 3] >> (7 - bit & 7) & 1
        bit += 1
    return (1 << zeros) - 1 + value, bit


def _payload(unit: bytes) -> bytes:
    """The first bytes of a NAL unit without its header and emulation prevention bytes."""
    return unit[1:40].replace(b"\x00\x00\x03", b"\x00\x00")


def sps_id(unit: bytes) -> int:
    """The id of an SPS NAL unit (after profile, constraint flags and level).

    Examples
    --------
    >>> sps_id(bytes([0x67, 100, 0, 30, 0b00101000]))  # ue(v) '00101' = 4
    4
    """
    return _ue(_payload(unit), 24)[0]


def pps_ids(unit: bytes) -> tuple[int, int]:
    """The ids of a PPS NAL unit and of the SPS it refers to.

    Examples
    --------
    >>> pps_ids(bytes([0x68, 0b01010000]))  # '010' = 1, '1' = 0
    (1, 0)
    """
    pps, bit = _ue(_payload(unit), 0)
    return pps, _ue(_payload(unit), bit)[0]
