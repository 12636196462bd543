"""Review export benchmark: concordlab.export_review against the ffmpeg command line.

Cuts 20 one-minute clips from a 60-minute 720p video (1280x720, 25 fps, h264 with a
keyframe every 3 s as a camera writes, B-frames, 3 Mbit/s, aac sound) and compares, in
the same run (ours and the peer's interleaved, the median of ``--repeat`` timings each):

- ours: :func:`concordlab.export_review` of a session whose 20 segments are the clips
  (``pad=0``), the sheet and the key written too, twice: ``cut="smart"`` (the default:
  the packets between the first and the last IDR keyframe of each clip copied, the
  frames before and after them encoded again, no edit list) and ``cut="copy"`` (stream
  copy, the frames outside each clip hidden by mp4 edit lists);
- the peer: the ``ffmpeg`` binary of the ``imageio-ffmpeg`` wheel, once per clip,
  ``ffmpeg -ss S -i in.mp4 -t D -c copy out.mp4`` (stream copy, no accuracy asked).

Then the frame accuracy of both: every clip's first and last decoded frame (PyAV, which
honours edit lists as players do) is found in the source by its pixels (the nearest of
the source's frames around the cut, on 160x90 grey thumbnails), and its distance in
frames to the frame asked for (the first at or after the start, the last before the end)
is reported, as played (edit lists honoured) and with the edit lists ignored (what the
files hold before the first asked frame: what a player that ignores edit lists shows).
``--reencode`` adds a row for ``export_review(..., cut="reencode")`` (the
fallback path, timed once on ``--reencode-clips`` clips).

The source is generated once with that ffmpeg (``testsrc2`` and a sine tone, libx264
ultrafast) into ``~/.cache/concordlab-bench/`` and reused.

Run: ``python benchmarks/bench_review.py [--repeat 3] [--clips 20] [--markdown FILE]``
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import concordlab

CACHE = Path.home() / ".cache" / "concordlab-bench"
MINUTES, RATE, GOP, SIZE = 60, 25, 75, "1280x720"
CLIP_SECONDS = 60.0
THUMB = (160, 90)


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def source_video() -> Path:
    """The 60-minute 720p h264 video, generated once."""
    path = CACHE / f"review-{MINUTES}min-720p-{RATE}fps-g{GOP}-bf3-3M.mp4"
    if path.is_file():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part.mp4")
    seconds = MINUTES * 60
    command = [
        ffmpeg(), "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={SIZE}:rate={RATE}:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-bf", "3",
        "-g", str(GOP), "-keyint_min", str(GOP),
        "-sc_threshold", "0", "-b:v", "3M", "-maxrate", "3M", "-bufsize", "6M",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k",
        str(partial),
    ]  # fmt: skip
    print(f"generating {path} (once) ...", flush=True)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    partial.rename(path)
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def clip_starts(n: int, seed: int = 0) -> np.ndarray:
    """``n`` clip starts (s) spread over the video, never on a keyframe."""
    rng = np.random.default_rng(seed)
    slots = np.linspace(30, MINUTES * 60 - CLIP_SECONDS - 30, n)
    return np.round(slots + rng.uniform(0.2, 2.8, n), 3)


def make_session(video: Path, starts: np.ndarray):
    session = concordlab.from_arrays(
        {"eda": np.ones((2, MINUTES * 60 * 4))}, sampling_rate=4, session_id="bench"
    )
    table = pd.DataFrame(
        {"start": starts, "end": starts + CLIP_SECONDS, "label": "clip", "person": "both"}
    )
    session = concordlab.set_segments(session, table)
    return concordlab.attach_video(session, video)


def ours(session, folder: Path, cut: str = "smart") -> concordlab.ReviewExport:
    return concordlab.export_review(
        session, folder, segments="clip", pad=0.0, seed=0, cut=cut,
        overwrite=True, progress=False,
    )  # fmt: skip


def peer(video: Path, starts: np.ndarray, folder: Path) -> list[Path]:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    paths = []
    for number, start in enumerate(starts):
        out = folder / f"{number:02d}.mp4"
        subprocess.run(
            [ffmpeg(), "-v", "error", "-y", "-ss", f"{start}", "-i", str(video),
             "-t", f"{CLIP_SECONDS}", "-c", "copy", str(out)],
            check=True,
        )  # fmt: skip
        paths.append(out)
    return paths


def _thumbs(path: Path, first: float, last: float) -> tuple[list[float], np.ndarray]:
    """Times and grey thumbnails of the frames of ``path`` in ``[first, last]`` (s)."""
    import av

    times, images = [], []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        container.seek(max(0, math.floor(first / stream.time_base)), stream=stream)
        for frame in container.decode(stream):
            if frame.time < first - 1e-6:
                continue
            if frame.time > last + 1e-6:
                break
            times.append(float(frame.time))
            images.append(frame.reformat(*THUMB, format="gray").to_ndarray().astype(np.float32))
    return times, np.array(images)


def _clip_ends(path: Path, ignore_editlist: bool) -> tuple[np.ndarray, np.ndarray]:
    """The first and the last decoded frame of a clip, as thumbnails."""
    import av

    options = {"ignore_editlist": "1"} if ignore_editlist else {}
    with av.open(str(path), options=options) as container:
        frames = [f.reformat(*THUMB, format="gray").to_ndarray() for f in container.decode(video=0)]
    return frames[0].astype(np.float32), frames[-1].astype(np.float32)


def _offset(image: np.ndarray, times: list[float], images: np.ndarray, asked: int) -> int:
    """How many frames the source frame that looks like ``image`` is from frame ``asked``."""
    best = int(np.argmin(((images - image) ** 2).mean(axis=(1, 2))))
    return round(times[best] * RATE) - asked


def accuracy(
    video: Path, clips: list[Path], starts: np.ndarray, ignore_editlist: bool = False
) -> tuple[list, list]:
    """Per clip: (first frame - asked first, last frame - asked last), in frames."""
    firsts, lasts = [], []
    for clip, start in zip(clips, starts, strict=True):
        head, tail = _clip_ends(clip, ignore_editlist)
        asked_first = math.ceil(start * RATE - 1e-6)
        asked_last = math.ceil((start + CLIP_SECONDS) * RATE - 1e-6) - 1
        span = GOP / RATE + 0.5
        times, images = _thumbs(video, start - span, start + span)
        firsts.append(_offset(head, times, images, asked_first))
        times, images = _thumbs(video, start + CLIP_SECONDS - span, start + CLIP_SECONDS + span)
        lasts.append(_offset(tail, times, images, asked_last))
    return firsts, lasts


def _describe(offsets: list[int]) -> str:
    worst = max(offsets, key=abs)
    exact = sum(o == 0 for o in offsets)
    return f"exact {exact}/{len(offsets)}, worst {worst:+d} frames ({worst / RATE:+.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--reencode", action="store_true", help='also time cut="reencode"')
    parser.add_argument("--reencode-clips", type=int, default=2)
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args()
    video = source_video()
    starts = clip_starts(args.clips)
    session = make_session(video, starts)
    print(
        f"source: {video.name}, {video.stat().st_size / 1e6:.0f} MB; {args.clips} clips of "
        f"{CLIP_SECONDS:g} s; ffmpeg {ffmpeg()}; medians of {args.repeat}, interleaved"
    )
    work = Path(tempfile.mkdtemp(prefix="bench-review-"))
    try:
        times: dict[str, list[float]] = {"smart": [], "copy": [], "peer": []}
        reviews = {}
        for _ in range(args.repeat):
            for cut in ("smart", "copy"):
                started = time.perf_counter()
                reviews[cut] = ours(session, work / cut, cut)
                times[cut].append(time.perf_counter() - started)
            started = time.perf_counter()
            peer_clips = peer(video, starts, work / "peer")
            times["peer"].append(time.perf_counter() - started)
        peer_s = statistics.median(times["peer"])
        rows = [
            ('export_review(cut="smart"), the default', statistics.median(times["smart"]), peer_s),
            ('export_review(cut="copy")', statistics.median(times["copy"]), peer_s),
        ]
        if args.reencode:
            few = session.copy()
            few = concordlab.set_segments(
                few, concordlab.segments(session).iloc[: args.reencode_clips]
            )
            started = time.perf_counter()
            ours(few, work / "reencoded", "reencode")
            seconds = (time.perf_counter() - started) * args.clips / args.reencode_clips
            name = (
                f'export_review(cut="reencode"), {args.reencode_clips} clips, '
                f"scaled to {args.clips}"
            )
            rows.append((name, seconds, peer_s))
        lines = [
            "| clips | concordlab (s) | ffmpeg -c copy (s) | ratio |",
            "| --- | --- | --- | --- |",
        ]
        lines += [f"| {name} | {a:.2f} | {b:.2f} | {a / b:.2f}x |" for name, a, b in rows]
        # sheet order -> the clip of each start
        ours_clips = {}
        for cut, review in reviews.items():
            by_start = review.table.sort_values("start")
            ours_clips[cut] = [review.folder / f"{code}.mp4" for code in by_start["clip"]]
        lines += [
            "",
            "| frame accuracy (first/last frame vs. asked, decoded with PyAV) | first frame "
            "| last frame |",
            "| --- | --- | --- |",
        ]
        for ignore in (False, True):
            how = "edit lists ignored (as a player that ignores them)" if ignore else "as played"
            named = [(f'concordlab cut="{cut}"', clips) for cut, clips in ours_clips.items()]
            for name, clips in (*named, ("ffmpeg -c copy", peer_clips)):
                first, last = accuracy(video, clips, starts, ignore)
                lines.append(f"| {name}, {how} | {_describe(first)} | {_describe(last)} |")
        text = "\n".join(lines)
        print(text)
        if args.markdown:
            Path(args.markdown).write_text(text + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
