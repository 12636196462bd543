"""A true smart cut of H.264 in mp4: exact in every player, edit lists or not.

The clip's frames are split at the source's IDR pictures, the only places where a
decoder forgets everything before: the **head** (the frames from the clip's first frame
up to the first IDR picture in the clip) is decoded and encoded again with libx264
(no B-frames, one IDR picture first), the **middle** (from that IDR picture up to the
last IDR picture in the clip) is copied byte for byte, and the **tail** (from that last
IDR picture to the clip's last frame) is copied when a prefix of its packets in decode
order holds exactly its frames (a source without B-frames, or a clip ending where a
GOP ends), else encoded again. A clip without a keyframe (shorter than a GOP) is encoded
whole. A keyframe in the clip that is not an IDR picture, or an IDR picture followed in
decode order by a frame shown before it (open GOPs), refuses the smart cut (the caller
falls back to the stream copy with edit lists).

The encoder's parameter sets (SPS and PPS) get ids the source does not use, and all of
them go in the track's ``avcC`` (which may hold several), so one track decodes the
source's and the encoder's pictures alike; the encoder's Annex B output becomes
length-prefixed NAL units without its in-band parameter sets and SEI. Timestamps start
at 0 with no edit list: the presentation times are the source's (less the clip's
start), the decode times a strictly increasing sequence no later than any presentation
time still to come.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from concordlab._extras import optional_module
from concordlab.review._h264 import (
    AUD,
    IDR,
    PPS,
    SEI,
    SPS,
    AvcConfig,
    annex_b,
    length_prefixed,
    nal_type,
    pps_ids,
    sps_id,
    to_sample,
)

PROFILES = {66: "baseline", 77: "main", 100: "high"}
"""The source's H.264 profile (``profile_idc``) -> the encoder's ``profile``."""


def _av() -> Any:
    return optional_module("av", "video", "Smart-cutting video clips")


class _Refused(Exception):
    """The source cannot be smart-cut safely (the caller falls back)."""


def _is_idr(packet: Any) -> bool:
    units = length_prefixed(bytes(packet))
    return bool(units) and all(u for u in units) and any(nal_type(u) == IDR for u in units)


def _config(video: Any) -> AvcConfig:
    ctx = video.codec_context
    config = AvcConfig.parse(ctx.extradata or b"")
    if (
        ctx.name != "h264"
        or config is None
        or config.length_size != 4
        or ctx.pix_fmt != "yuv420p"
        or config.profile not in PROFILES
        or not config.sps
        or not config.pps
    ):
        raise _Refused
    return config


def _free_ids(config: AvcConfig, packets: list, n: int) -> list[int]:
    """``n`` parameter set ids that neither the ``avcC`` nor ``packets`` (in-band) use."""
    units = [*config.sps, *config.pps]
    for packet in packets:
        units += [u for u in length_prefixed(bytes(packet)) if u and nal_type(u) in (SPS, PPS)]
    used = {sps_id(u) for u in units if nal_type(u) == SPS}
    used |= {i for u in units if nal_type(u) == PPS for i in pps_ids(u)}
    free = [i for i in range(1, 32) if i not in used]
    if len(free) < n:
        raise _Refused
    return free[:n]


def _plan(packets: list, first: int, last: int) -> tuple[list, list, list, list, int, int]:
    """Split ``packets`` (decode order, from a keyframe) into the head's frames (pts to
    encode, decoded from the packets before number ``k1``), the middle's packets, the
    tail's packets to copy and the tail's frames to encode (decoded from number
    ``k2``); returns ``(head, middle, tail_copy, tail, k1, k2)``."""
    idrs = []
    for index, packet in enumerate(packets):
        if first <= packet.pts <= last and packet.is_keyframe:
            if not _is_idr(packet) or any(p.pts < packet.pts for p in packets[index + 1 :]):
                raise _Refused  # a recovery point or leading pictures: no clean splice
            idrs.append(index)
    shown = sorted(p.pts for p in packets if first <= p.pts <= last)
    if not idrs:
        return shown, [], [], [], len(packets), len(packets)
    k1, k2 = idrs[0], idrs[-1]
    at1, at2 = packets[k1].pts, packets[k2].pts
    middle = packets[k1:k2]
    if any(not at1 <= p.pts < at2 for p in middle):
        raise _Refused
    head = [t for t in shown if t < at1]
    wanted = {t for t in shown if t >= at2}
    seen: set[int] = set()
    for count, packet in enumerate(packets[k2:], start=1):
        seen.add(packet.pts)
        if seen == wanted:
            return head, middle, packets[k2 : k2 + count], [], k1, k2
        if not seen <= wanted:
            break
    return head, middle, [], sorted(wanted), k1, k2


def _decode(config: AvcConfig, packets: list, wanted: list) -> list:
    """The frames of ``packets`` whose pts are ``wanted``, in presentation order."""
    av = _av()
    decoder = av.CodecContext.create("h264", "r")
    decoder.extradata = config.build()
    frames = {}
    for packet in [*packets, None]:
        for frame in decoder.decode(packet):
            if frame.interlaced_frame:
                raise _Refused
            if frame.pts in wanted:
                frames[frame.pts] = frame
    if sorted(frames) != sorted(wanted):
        raise _Refused
    return [frames[t] for t in sorted(frames)]


def _encode(video: Any, config: AvcConfig, frames: list, ident: int) -> tuple[list, bytes, bytes]:
    """``frames`` encoded by libx264 with SPS and PPS id ``ident``: ``(pts, sample,
    keyframe)`` per frame, the SPS and the PPS."""
    av = _av()
    encoder = av.CodecContext.create("libx264", "w")
    encoder.width, encoder.height, encoder.pix_fmt = frames[0].width, frames[0].height, "yuv420p"
    encoder.time_base = video.time_base
    encoder.framerate = video.average_rate or video.guessed_rate or Fraction(25)
    params = f"sps-id={ident}:bframes=0:keyint={len(frames) + 1}:scenecut=0:open-gop=0"
    encoder.options = {
        "preset": "ultrafast",
        "crf": "18",
        "profile": PROFILES[config.profile],
        "x264-params": params,
    }
    encoded = []
    for frame in frames:
        frame.pict_type = av.video.frame.PictureType.NONE
        encoded += encoder.encode(frame)
    encoded += encoder.encode(None)
    samples, sps, pps = [], None, None
    for packet in encoded:
        units = annex_b(bytes(packet))
        sps = next((u for u in units if nal_type(u) == SPS), sps)
        pps = next((u for u in units if nal_type(u) == PPS), pps)
        kept = [u for u in units if nal_type(u) not in (SPS, PPS, SEI, AUD)]
        samples.append((packet.pts, to_sample(kept), packet.is_keyframe))
    if sps is None or pps is None or sps_id(sps) != ident or pps_ids(pps) != (ident, ident):
        raise _Refused
    if [s[0] for s in samples] != [f.pts for f in frames] or not samples[0][2]:
        raise _Refused
    return samples, sps, pps


def decode_times(pts: list[int]) -> list[int]:
    """Strictly increasing decode times, each at most every later presentation time.

    Walking back from the last sample: its own presentation time, then one tick before
    the next sample's decode time or the smallest presentation time from there on,
    whichever is earlier.

    Examples
    --------
    >>> decode_times([0, 30, 10, 20, 60, 40, 50])  # I P B B P B B, 10 ticks a frame
    [0, 9, 10, 20, 39, 40, 50]
    """
    out, bound = [0] * len(pts), None
    for index in range(len(pts) - 1, -1, -1):
        bound = pts[index] if bound is None else min(bound, pts[index])
        out[index] = bound if index == len(pts) - 1 else min(bound, out[index + 1] - 1)
    return out


def smart_cut(packets: list, video: Any, first: int, last: int) -> tuple[list, bytes] | None:
    """The video packets and the ``avcC`` of the clip of the frames with pts in
    ``[first, last]`` (stream ticks) of ``packets`` (decode order, from a keyframe), or
    None when the source cannot be smart-cut safely.

    The packets keep the source's presentation times; their decode times are those of
    :func:`decode_times` counted from ``first``.
    """
    av = _av()
    try:
        config = _config(video)
        head, middle, tail_copy, tail, k1, k2 = _plan(packets, first, last)
        ids = _free_ids(config, packets, 2)
        samples = [(p.pts, bytes(p), p.is_keyframe) for p in middle + tail_copy]
        sps, pps = list(config.sps), list(config.pps)
        if head:
            encoded, *sets = _encode(video, config, _decode(config, packets[:k1], head), ids[0])
            samples = encoded + samples
            sps.append(sets[0])
            pps.append(sets[1])
        if tail:
            encoded, *sets = _encode(video, config, _decode(config, packets[k2:], tail), ids[1])
            samples += encoded
            sps.append(sets[0])
            pps.append(sets[1])
        dts = decode_times([s[0] - first for s in samples])
        if dts[0] < 0:
            raise _Refused
    except _Refused:
        return None
    step = round(1 / ((video.average_rate or video.guessed_rate or 25) * video.time_base))
    out = []
    for (pts, payload, key), when in zip(samples, dts, strict=True):
        packet = av.Packet(payload)
        packet.pts, packet.dts, packet.duration = pts, when + first, step
        packet.time_base, packet.is_keyframe = video.time_base, key
        out.append(packet)
    avcc = AvcConfig(
        config.profile, config.compatibility, config.level, 4, tuple(sps), tuple(pps), config.tail
    )
    return out, avcc.build()
