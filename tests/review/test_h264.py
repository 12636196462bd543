"""The H.264 helpers against what libx264 and FFmpeg's mp4 muxer write."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from concordlab.review import _h264 as h

av = pytest.importorskip("av")


def _frames(n: int = 5):
    for index in range(n):
        image = np.full((32, 64, 3), 20 * index, np.uint8)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = index
        yield frame


@pytest.mark.parametrize("ident", [0, 3, 17])
def test_the_ids_are_those_x264_was_told(ident):
    encoder = av.CodecContext.create("libx264", "w")
    encoder.width, encoder.height, encoder.pix_fmt = 64, 32, "yuv420p"
    encoder.framerate, encoder.time_base = 10, Fraction(1, 10)
    encoder.options = {"x264-params": f"sps-id={ident}", "preset": "ultrafast"}
    packets = [p for f in _frames() for p in encoder.encode(f)] + encoder.encode(None)
    units = h.annex_b(bytes(packets[0]))
    (sps,) = [u for u in units if h.nal_type(u) == h.SPS]
    (pps,) = [u for u in units if h.nal_type(u) == h.PPS]
    assert h.sps_id(sps) == ident and h.pps_ids(pps) == (ident, ident)
    assert any(h.nal_type(u) == h.IDR for u in units)
    assert h.length_prefixed(h.to_sample(units)) == units


def test_avcc_round_trips_the_muxers_record(tmp_path):
    """The record FFmpeg's mp4 muxer writes reads and writes back byte for byte, and its
    samples split into the NAL units the encoder wrote."""
    path = tmp_path / "a.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 32, "yuv420p"
        for frame in _frames():
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with av.open(str(path)) as container:
        extradata = container.streams.video[0].codec_context.extradata
        first = next(p for p in container.demux(video=0) if p.size)
        sample = bytes(first)
    config = h.AvcConfig.parse(extradata)
    assert config is not None and config.build() == extradata
    assert config.length_size == 4 and len(config.sps) == len(config.pps) == 1
    assert h.sps_id(config.sps[0]) == 0 and h.pps_ids(config.pps[0]) == (0, 0)
    units = h.length_prefixed(sample, config.length_size)
    assert h.to_sample(units) == sample and h.IDR in [h.nal_type(u) for u in units]
    assert h.AvcConfig.parse(b"\x00\x00\x00\x01" + config.sps[0]) is None  # Annex B
