"""Cut one clip out of a video file, frame-accurately, with PyAV (the ``video`` extra).

Three paths, all writing an mp4 whose timestamps start at 0 and whose first and last
presented frames are the first frame at or after ``start`` and the last frame before
``end`` (video time, seconds):

- **Smart cut** (h264 in mp4, see :mod:`concordlab.review._smart`): the packets between
  the first and the last IDR keyframe in the clip copied, the frames before and after
  them encoded again; timestamps from 0 without an edit list, exact in every player.
  A source it cannot splice safely takes the stream copy below.
- **Stream copy with edit lists** (h264, hevc and mpeg4 video; aac or mp3 audio): the
  packets are copied, without decoding, from the keyframe at or before ``start`` to the
  last packet the clip's frames need; the frames before ``start`` (needed to decode it)
  and the references past ``end`` (needed by trailing B-frames) stay in the file, hidden
  by the mp4 edit list: the muxer starts it at ``start``, :mod:`concordlab.review._mp4`
  ends it at ``end``. Players that honour mp4 edit lists (FFmpeg's demuxer: PyAV, mpv,
  ffplay; checked by decoding in the tests) present exactly the clip; support elsewhere
  varies, and a player that ignores them shows up to one keyframe interval before the
  clip and a few frames after it.
- **Re-encoding** (any other codec, a video without keyframe flags, or when asked): the
  frames in the span are decoded and encoded again (h264 with libx264 when available,
  else mpeg4; aac audio). Much slower, but every player shows exactly the clip.

Nothing of the source's metadata is copied (no title, comment, creation time or encoder
tag: the muxer runs with ``fflags=+bitexact``).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

from concordlab._extras import optional_module
from concordlab.errors import FileFormatError, ValidationError
from concordlab.review._mp4 import set_presented_duration
from concordlab.review._smart import smart_cut

COPY_VIDEO = frozenset({"h264", "hevc", "mpeg4"})
"""Video codecs cut by stream copy (their mp4 edit lists are honoured by FFmpeg)."""
COPY_AUDIO = frozenset({"aac", "mp3"})
"""Audio codecs copied as they are beside a stream-copied video."""
CUTS = ("smart", "copy", "reencode")
"""How clips are cut: a smart cut (h264), stream copy with edit lists, re-encoding."""
_MUXER = {"fflags": "+bitexact", "use_editlist": "1"}
_EPS = 1e-6  # seconds: float times of the key vs. exact frame times


def _av() -> Any:
    return optional_module("av", "video", "Cutting video clips")


def cut_clip(source: Path, target: Path, start: float, end: float, *, audio: bool, cut: str) -> str:
    """Write the frames of ``source`` in ``[start, end)`` (s) to the mp4 ``target``.

    ``cut`` is ``"smart"``, ``"copy"`` or ``"reencode"`` (see :data:`CUTS`); returns the
    path taken: ``"smart"``, ``"copy"`` or ``"reencode"``.

    Examples
    --------
    >>> import tempfile, pathlib, av
    >>> from concordlab.video import _demo_video
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> file = _demo_video(folder / "room.mp4")  # grey level 8 x frame number, 10 fps
    >>> cut_clip(file, folder / "clip.mp4", 1.0, 2.0, audio=True, cut="copy")
    'copy'
    >>> with av.open(str(folder / "clip.mp4")) as container:
    ...     grey = [round(f.to_ndarray(format="gray").mean()) for f in container.decode(video=0)]
    >>> grey[0] // 8, grey[-1] // 8, len(grey)
    (10, 19, 10)
    """
    av = _av()
    try:
        container = av.open(str(source))
    except Exception as error:
        raise FileFormatError(
            f"'{source}' could not be opened as a video ({type(error).__name__}: {error})."
        ) from None
    with container:
        if not container.streams.video:
            raise FileFormatError(f"'{source}' has no video stream.")
        if cut != "reencode" and _copyable(container, audio):
            taken = _copy(container, target, start, end, audio, smart=cut == "smart")
            if taken is not None:
                return taken
        container.seek(0)
        _reencode(av, container, target, start, end, audio)
        return "reencode"


def _copyable(container: Any, audio: bool) -> bool:
    video = container.streams.video[0]
    if video.codec_context.name not in COPY_VIDEO or video.time_base is None:
        return False
    sound = container.streams.audio
    return not (audio and sound and sound[0].codec_context.name not in COPY_AUDIO)


def _empty(start: float, end: float, source: Any) -> ValidationError:
    return ValidationError(
        f"No frame of the video '{source}' lies in {start:.3f}-{end:.3f} s (video time); "
        "check the video's offset (concordlab.set_video_offset) and the segments."
    )


def _demux(container: Any, sound: Any, start: float, end: float) -> tuple[list, list] | None:
    """The video packets from the keyframe at or before ``start`` to the first keyframe at
    or after ``end`` (excluded), and the audio packets in about ``[start - 1, end)``."""
    video = container.streams.video[0]
    container.seek(
        max(0, math.floor(start / video.time_base)), stream=video, backward=True, any_frame=False
    )
    seconds = {video.index: float(video.time_base)}
    if sound is not None:
        seconds[sound.index] = float(sound.time_base)
    packets, sounds, video_done, heard = [], [], False, -math.inf
    for packet in container.demux(*([video] if sound is None else [video, sound])):
        if packet.dts is None or packet.pts is None:
            continue
        time = packet.pts * seconds[packet.stream_index]
        if packet.stream_index == video.index:
            if not packets and not packet.is_keyframe:
                return None  # no keyframe to start from
            video_done = video_done or (packet.is_keyframe and bool(packets) and time >= end)
            if not video_done:
                packets.append(packet)
        else:
            heard = max(heard, time)
            if start - 1 <= time < end:
                sounds.append(packet)
        if video_done and (sound is None or heard >= end):
            break
    return packets, sounds


def _copy(
    container: Any, target: Path, start: float, end: float, audio: bool, smart: bool
) -> str | None:
    """Smart cut (when ``smart`` and the source allows) or stream copy hidden by edit
    lists: the path taken, or None (nothing written) when neither can be done."""
    video = container.streams.video[0]
    sound = container.streams.audio[0] if audio and container.streams.audio else None
    found = _demux(container, sound, start, end)
    if found is None:
        return None
    packets, sounds = found
    tb, seconds = video.time_base, float(video.time_base)
    shown = [p.pts for p in packets if start - _EPS <= p.pts * seconds < end - _EPS]
    if not shown:
        raise _empty(start, end, container.name)
    first, last = min(shown), max(shown)
    if packets[0].pts > max(first, video.start_time or 0) and packets[0].pts * seconds > start:
        return None  # the seek did not land at or before the start
    frame = Fraction(1) / Fraction(video.average_rate or video.guessed_rate or 25)
    step = max(p.duration or 0 for p in packets if p.pts == last) * tb or frame
    duration = (last - first) * tb + step
    origin = first * tb  # the first presented frame becomes time 0
    if sounds:
        low, high = origin / sounds[0].time_base, (origin + duration) / sounds[0].time_base
        sounds = [p for p in sounds if low <= p.pts < high]
    made = smart_cut(packets, video, first, last) if smart else None
    if made is not None:
        _mux_copy(target, video, sound, made[0], sounds, origin, extradata=made[1])
        return "smart"
    keep = max(i for i, p in enumerate(packets) if first <= p.pts <= last) + 1
    _mux_copy(target, video, sound, packets[:keep], sounds, origin)
    set_presented_duration(target, {0: float(duration)})
    return "copy"


def _mux_copy(
    target: Path,
    video: Any,
    sound: Any,
    packets: list,
    sounds: list,
    origin: Fraction,
    extradata: bytes | None = None,
) -> None:
    """Mux ``packets`` and ``sounds`` shifted by ``origin`` (s); with ``extradata`` (a
    smart cut: timestamps from 0), the video's new ``avcC`` and no edit list."""
    av = _av()
    options = _MUXER if extradata is None else {**_MUXER, "use_editlist": "0"}
    with av.open(str(target), "w", format="mp4", options=options) as output:
        out_video = output.add_stream_from_template(video)
        if extradata is not None:
            out_video.codec_context.extradata = extradata
        streams = [(out_video, packets, round(origin / video.time_base))]
        if sounds:
            out_sound = output.add_stream_from_template(sound)
            streams.append((out_sound, sounds, round(origin / sound.time_base)))
        items = []
        for stream, group, shift in streams:
            scale = float(group[0].time_base)
            for packet in group:
                packet.pts -= shift
                packet.dts -= shift
                packet.stream = stream
                items.append((packet.dts * scale, packet))
        items.sort(key=lambda item: item[0])
        for _, packet in items:
            output.mux(packet)


def _reencode(av: Any, container: Any, target: Path, start: float, end: float, audio: bool) -> None:
    """Decode the span and encode it again (h264 or mpeg4, aac)."""
    video = container.streams.video[0]
    sound = container.streams.audio[0] if audio and container.streams.audio else None
    rate = video.average_rate or video.guessed_rate or Fraction(25)
    with av.open(str(target), "w", format="mp4", options=_MUXER) as output:
        codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
        out_video = output.add_stream(codec, rate=rate)
        out_video.width, out_video.height = video.codec_context.width, video.codec_context.height
        out_video.pix_fmt = "yuv420p"
        if codec == "libx264":
            out_video.options = {"preset": "superfast", "crf": "18"}
        out_sound = None
        if sound is not None:
            out_sound = output.add_stream("aac", rate=sound.codec_context.sample_rate)
        container.seek(max(0, math.floor(start / video.time_base)), stream=video, backward=True)
        origin, packets = None, []
        for frame in container.decode(video):
            time = float(frame.time)
            if time >= end - _EPS:
                break
            if time < start - _EPS:
                continue
            origin = time if origin is None else origin
            frame.pts = round((time - origin) * rate)
            frame.time_base = Fraction(1) / rate
            packets += out_video.encode(frame)
        if origin is None:
            raise _empty(start, end, container.name)
        packets += out_video.encode()
        if out_sound is not None:
            packets += _reencode_audio(av, container, out_sound, origin, end)
        packets.sort(key=lambda packet: packet.dts * packet.time_base)
        output.mux(packets)


def _reencode_audio(av: Any, container: Any, out_sound: Any, origin: float, end: float) -> list:
    """The aac packets of the audio in ``[origin, end)`` (s), trimmed to the sample."""
    sound = container.streams.audio[0]
    rate = sound.codec_context.sample_rate
    planar = av.AudioResampler(format="fltp", layout=sound.codec_context.layout, rate=rate)
    container.seek(max(0, math.floor((origin - 1) / sound.time_base)), stream=sound)
    packets = []
    for decoded in container.decode(sound):
        for frame in planar.resample(decoded):
            when = decoded.time if frame.time is None else frame.time
            first = round((float(when) - origin) * rate)
            samples = frame.to_ndarray()
            low = max(0, -first)
            high = min(samples.shape[-1], round((end - origin) * rate) - first)
            if first >= round((end - origin) * rate):
                return packets + out_sound.encode()
            if high <= low:
                continue
            chunk = av.AudioFrame.from_ndarray(
                samples[:, low:high].copy(), format="fltp", layout=frame.layout.name
            )
            chunk.sample_rate, chunk.pts = rate, first + low
            chunk.time_base = Fraction(1, rate)
            packets += out_sound.encode(chunk)
    return packets + out_sound.encode()
