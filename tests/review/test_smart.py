"""The smart cut's choices that the end-to-end tests of test_export.py do not reach."""

from __future__ import annotations

import itertools

from concordlab.review import _h264 as h
from concordlab.review import _smart

SPS0 = bytes([0x67, 100, 0, 30, 0b10000000])  # ue(v) '1': id 0
PPS0 = bytes([0x68, 0b11000000])  # '1' '1': PPS 0 of SPS 0
SPS1 = bytes([0x67, 100, 0, 30, 0b01000000])  # '010': id 1
PPS2 = bytes([0x68, 0b01110000])  # '011' '1': PPS 2 of SPS 0


def test_new_parameter_set_ids_avoid_those_of_avcc_and_in_band():
    config = h.AvcConfig(100, 0, 30, 4, (SPS0,), (PPS0,))
    assert _smart._free_ids(config, [], 2) == [1, 2]
    in_band = h.to_sample([SPS1, PPS2, bytes([0x65, 0x88])])  # an IDR with its own sets
    assert _smart._free_ids(config, [in_band], 2) == [3, 4]


def test_decode_times_increase_and_precede_every_later_presentation():
    """B-frame patterns: each decode time at most every presentation time from there."""
    for pts in ([0, 3, 1, 2, 6, 4, 5], [0, 4, 2, 1, 3, 8, 6, 5, 7], [0, 1, 2], [5, 9, 6, 7, 8]):
        ticks = [512 * t for t in pts]
        dts = _smart.decode_times(ticks)
        assert all(a < b for a, b in itertools.pairwise(dts))
        assert all(d <= min(ticks[i:]) for i, d in enumerate(dts))
        assert dts[-1] == ticks[-1]
