"""export_review: frame-accurate blinded clips, a sheet and a key that agree, nothing leaked.

The videos are generated here with PyAV: 96x32 pixels at 10 frames per second, the frame
number written into each frame as a 12-bit bar code (bar ``b`` white when bit ``b`` is
set), readable back after lossy coding. The source file carries a title and a comment
naming the session and the kind, which must not reach the clips.
"""

from __future__ import annotations

import itertools
import math
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import concordlab
from concordlab import ConcordlabError, FileFormatError, ValidationError
from concordlab.review._cut import cut_clip
from concordlab.review._format import KEY_COLUMNS, SHEET_NAME, parse_rating_column

av = pytest.importorskip("av")

RATE, BITS, BAR, HEIGHT = 10, 12, 8, 32
WIDTH = BITS * BAR
SECONDS = 64
OFFSET = 2.0  # the video started 2 s before the signals
SECRET = "sim-1 high concordance 12.5 s"


def make_video(
    path: Path, codec: str, gop: int, audio: bool = False, bframes: int = 3, open_gop: bool = False
) -> Path:
    """``SECONDS`` s of bar-coded frames, a keyframe every ``gop`` frames, maybe a tone;
    h264 with ``bframes`` B-frames in a fixed pattern (libx264 would choose none for
    such frames), closed GOPs (IDR keyframes) unless ``open_gop``."""
    with av.open(str(path), "w") as container:
        container.metadata.update({"title": SECRET, "comment": SECRET})
        stream = container.add_stream(codec, rate=RATE)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.metadata["title"] = SECRET
        if codec == "libx264":
            params = f"bframes={bframes}:b-adapt=0:open-gop={int(open_gop)}"
            stream.options = {
                "g": str(gop), "keyint_min": str(gop), "sc_threshold": "0", "x264-params": params
            }  # fmt: skip
        elif codec == "libx265":  # B-frames too; closed GOPs, quiet
            params = f"keyint={gop}:min-keyint={gop}:scenecut=0:open-gop=0:log-level=error"
            stream.options = {"x265-params": params}
        else:
            stream.codec_context.gop_size = gop
        sound = container.add_stream("aac", rate=16000) if audio else None
        for index in range(SECONDS * RATE):
            image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
            for bit in range(BITS):
                if index >> bit & 1:
                    image[:, bit * BAR : (bit + 1) * BAR] = 255
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        if sound is not None:
            tone = (0.1 * np.sin(2 * np.pi * 440 * np.arange(16000 * SECONDS) / 16000)).astype(
                np.float32
            )
            for start in range(0, tone.size, 1024):
                chunk = av.AudioFrame.from_ndarray(
                    tone[None, start : start + 1024], format="fltp", layout="mono"
                )
                chunk.sample_rate, chunk.pts = 16000, start
                chunk.time_base = Fraction(1, 16000)
                container.mux(sound.encode(chunk))
            container.mux(sound.encode())
    return path


def frame_numbers(path: Path, ignore_editlist: bool = False) -> list[int]:
    """The frame number read back from each decoded frame's bar code (with the mp4 edit
    lists honoured, as FFmpeg-based players do, or ignored, as some other players do)."""
    numbers = []
    options = {"ignore_editlist": "1"} if ignore_editlist else {}
    with av.open(str(path), options=options) as container:
        for frame in container.decode(video=0):
            grey = frame.to_ndarray(format="gray")
            bars = [grey[:, b * BAR + 2 : (b + 1) * BAR - 2].mean() > 128 for b in range(BITS)]
            numbers.append(sum(1 << b for b, on in enumerate(bars) if on))
    return numbers


def first_time(path: Path, ignore_editlist: bool = False) -> float:
    options = {"ignore_editlist": "1"} if ignore_editlist else {}
    with av.open(str(path), options=options) as container:
        return float(next(container.decode(video=0)).time)


def expected_frames(video_start: float, video_end: float) -> tuple[int, int]:
    """Closed form: the first frame at or after the start, the last one before the end."""
    start, end = Fraction(str(round(video_start, 9))), Fraction(str(round(video_end, 9)))
    return math.ceil(start * RATE), math.ceil(end * RATE) - 1


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("videos")


@pytest.fixture(scope="module")
def h264(folder):
    return make_video(folder / "h264.mp4", "libx264", gop=12, audio=True)


@pytest.fixture(scope="module")
def h264_plain(folder):
    """h264 without B-frames."""
    return make_video(folder / "h264-plain.mp4", "libx264", gop=12, bframes=0)


@pytest.fixture(scope="module")
def mpeg4(folder):
    return make_video(folder / "mpeg4.mp4", "mpeg4", gop=10)


@pytest.fixture(scope="module")
def hevc(folder):
    return make_video(folder / "hevc.mp4", "libx265", gop=12)


@pytest.fixture(scope="module")
def moments_session(h264):
    s = concordlab.simulate_dyad(60, seed=1)
    c = concordlab.concordance(s)
    s = concordlab.add_moments(s, c, kind="high", n=3)
    s = concordlab.add_moments(s, c, kind="low", n=3)
    return concordlab.attach_video(s, h264, offset=OFFSET)


def spans_session(video: Path, spans: list[tuple[float, float]]):
    s = concordlab.attach_video(concordlab.simulate_dyad(60, seed=1), video, offset=OFFSET)
    for number, (start, end) in enumerate(spans):
        s = concordlab.add_segment(s, start, end, f"cut{number}")
    return s


# session times; video time = session time + 2: starts on a keyframe (2.4 s, frame 24 of
# GOPs of 12; 4.0 s, frame 40 of GOPs of 10) and between (3.35, 7.37), ends on a frame
# (5.0 s: last 49) and between (5.05, 11.93), a one-frame clip, a clip at the video's end
SPANS = [(0.4, 3.0), (1.35, 3.05), (2.0, 5.0), (5.37, 9.93), (0.0, 0.01), (55.0, 60.0)]


@pytest.mark.parametrize(
    ("codec", "cut"),
    [("h264", "smart"), ("h264_plain", "smart"), ("h264", "copy"), ("h264", "reencode"),
     ("mpeg4", "smart"), ("mpeg4", "reencode"), ("hevc", "smart")],
)  # fmt: skip
def test_clips_start_and_end_on_the_right_frames(tmp_path, request, codec, cut):
    video = request.getfixturevalue(codec)
    s = spans_session(video, SPANS)
    labels = [f"cut{i}" for i in range(len(SPANS))]
    review = concordlab.export_review(
        s, tmp_path / "review", segments=labels, pad=0.0, seed=3, cut=cut, progress=False
    )
    table = review.table
    assert sorted(table["label"]) == labels
    # exact in players that ignore edit lists too: h264 smart cuts and re-encoded clips
    everywhere = cut == "reencode" or (cut == "smart" and codec.startswith("h264"))
    for row in table.itertuples():
        clip = tmp_path / "review" / f"{row.clip}.mp4"
        first, last = expected_frames(row.video_start, row.video_end)
        for ignore in (False, True) if everywhere else (False,):
            numbers = frame_numbers(clip, ignore)
            assert abs(numbers[0] - first) <= 1 and abs(numbers[-1] - last) <= 1, (row, numbers)
            assert numbers == list(range(numbers[0], numbers[-1] + 1))  # none lost or repeated
            assert (numbers[0], numbers[-1]) == (first, last)  # in fact exact
            # the smart cut needs no edit list (re-encoded clips start later without it)
            assert first_time(clip, ignore) == 0.0 or (ignore and cut == "reencode")


@pytest.mark.parametrize("codec", ["h264", "mpeg4", "hevc"])
def test_the_stream_copy_copies_and_reencode_encodes(tmp_path, request, codec):
    """A long cut is not decoded: its packets are the source's bytes (unless re-encoded)."""
    video = request.getfixturevalue(codec)
    s = spans_session(video, [(10.0, 50.0)])
    with av.open(str(video)) as source:
        source_bytes = {bytes(p) for p in source.demux(video=0) if p.size}
    for cut in ("copy", "reencode"):
        review = concordlab.export_review(
            s, tmp_path / cut, segments="cut0", pad=0, cut=cut, progress=False
        )
        with av.open(str(review.clips[0])) as clip:
            copied = [bytes(p) in source_bytes for p in clip.demux(video=0) if p.size]
        assert all(copied) if cut == "copy" else not any(copied[1:])


def _source_packets(video: Path) -> list[tuple[int, bytes]]:
    """Each video packet's frame number and bytes, in decode order."""
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        return [
            (round(p.pts * stream.time_base * RATE), bytes(p))
            for p in container.demux(stream)
            if p.size
        ]


# video times: from and to keyframes (every 12 frames: 1.2 s), between them, within one
# keyframe interval, from the video's start, to its end
SMART_SPANS = [(12.0, 52.0), (12.35, 40.05), (3.3, 3.4), (0.0, 5.05), (7.15, 8.4), (60.05, 64.0)]


@pytest.mark.parametrize("codec", ["h264", "h264_plain"])
def test_the_smart_cut_copies_from_idr_to_idr_and_encodes_the_rest(tmp_path, request, codec):
    video = request.getfixturevalue(codec)
    source = _source_packets(video)
    av.logging.set_level(av.logging.WARNING)
    try:
        for start, end in SMART_SPANS:
            clip = tmp_path / f"{start}.mp4"
            taken = cut_clip(video, clip, start, end, audio=True, cut="smart")
            first, last = expected_frames(start, end)
            with av.logging.Capture() as logs:  # FFmpeg decodes the clip without a word
                for ignore in (False, True):
                    assert frame_numbers(clip, ignore) == list(range(first, last + 1)), start
            assert taken == "smart"
            assert not [entry for entry in logs if entry[0] <= av.logging.WARNING], logs
            with av.open(str(clip)) as container:
                packets = [p for p in container.demux(video=0) if p.size]
            assert packets[0].pts == packets[0].dts == 0
            assert all(p.dts <= p.pts for p in packets)
            assert all(a.dts < b.dts for a, b in itertools.pairwise(packets))
            idrs = [n for n in range(first, last + 1) if n % 12 == 0]  # closed GOPs of 12
            if not idrs:
                continue  # within one keyframe interval: encoded whole
            head = idrs[0] - first
            at = [n for n, _ in source].index(idrs[0])
            middle = [b for n, b in source[at:] if n < idrs[-1]][: idrs[-1] - idrs[0]]
            clip_bytes = [bytes(p) for p in packets]
            assert clip_bytes[head : head + len(middle)] == middle  # byte for byte
            by_frame = dict(source)
            assert all(clip_bytes[i] != by_frame[first + i] for i in range(head))  # encoded
            if codec == "h264_plain":  # no B-frames: the tail is copied too
                assert clip_bytes[head:] == [by_frame[n] for n in range(idrs[0], last + 1)]
    finally:
        av.logging.set_level(None)


def test_a_source_the_smart_cut_cannot_splice_takes_the_stream_copy(tmp_path, hevc):
    """Open GOPs (keyframes that are not IDR pictures) and hevc: cut by stream copy."""
    opened = make_video(tmp_path / "open.mp4", "libx264", gop=12, open_gop=True)
    for video in (opened, hevc):
        clip = tmp_path / f"clip-{video.stem}.mp4"
        assert cut_clip(video, clip, 12.35, 20.05, audio=True, cut="smart") == "copy"
        first, last = expected_frames(12.35, 20.05)
        assert frame_numbers(clip) == list(range(first, last + 1))


def test_reencode_true_still_works_with_a_future_warning(tmp_path, h264):
    s = spans_session(h264, [(1.35, 3.05)])
    with av.open(str(h264)) as source:
        source_bytes = {bytes(p) for p in source.demux(video=0) if p.size}
    for reencode in (True, False):
        with pytest.warns(FutureWarning, match=r"cut='reencode'" if reencode else "cut='copy'"):
            review = concordlab.export_review(
                s, tmp_path / str(reencode), segments="cut0", pad=0, reencode=reencode,
                progress=False,
            )  # fmt: skip
        with av.open(str(review.clips[0])) as clip:
            copied = [bytes(p) in source_bytes for p in clip.demux(video=0) if p.size]
        assert all(copied) if not reencode else not any(copied)
    with pytest.raises(ValidationError, match="cut must be one of"):
        concordlab.export_review(s, tmp_path / "x", segments="cut0", cut="fast")


def test_a_codec_mp4_cannot_copy_is_reencoded(tmp_path):
    webm = make_video(tmp_path / "room.webm", "libvpx", gop=10)
    s = spans_session(webm, [(1.35, 3.05), (20.0, 21.0)])
    review = concordlab.export_review(s, tmp_path / "r", segments=["cut0", "cut1"], progress=False)
    for row in review.table.itertuples():
        numbers = frame_numbers(review.folder / f"{row.clip}.mp4")
        first, last = expected_frames(row.video_start, row.video_end)
        assert numbers == list(range(first, last + 1))
        with av.open(str(review.folder / f"{row.clip}.mp4")) as container:
            assert container.streams.video[0].codec_context.name in ("h264", "mpeg4")


def test_sheet_and_key_agree_with_the_session(tmp_path, moments_session):
    review = concordlab.export_review(
        moments_session, tmp_path / "review", pad=2.0, seed=7, progress=False
    )
    assert review.key == tmp_path / "review-key.csv"  # beside the folder, not in it
    key = pd.read_csv(review.key, keep_default_na=False)
    sheet = pd.read_csv(review.sheet, dtype=str, keep_default_na=False)
    assert key.columns.tolist() == list(KEY_COLUMNS)
    assert sheet["clip"].tolist() == key["clip"].tolist() == review.table["clip"].tolist()
    assert key["order"].tolist() == list(range(1, 7))
    assert [p.name for p in review.clips] == [f"{c}.mp4" for c in key["clip"]]
    names = sorted(p.name for p in review.folder.iterdir())
    assert names == sorted([*(f"{c}.mp4" for c in key["clip"]), SHEET_NAME, "instructions.txt"])
    segments = concordlab.segments(moments_session)
    duration = SECONDS
    for row in key.itertuples():
        segment = segments.iloc[row.segment]
        assert (row.start, row.end, row.label) == (
            segment["start"],
            segment["end"],
            segment["label"],
        )
        assert row.kind == segment["label"].split()[0] and row.person == segment["person"]
        assert row.session == "sim-1" and row.video == "room"
        assert row.clip_start == pytest.approx(max(segment["start"] - 2.0, -OFFSET))
        assert row.clip_end == pytest.approx(min(segment["end"] + 2.0, duration - OFFSET))
        assert row.video_start == pytest.approx(row.clip_start + OFFSET)
        assert row.video_end == pytest.approx(row.clip_end + OFFSET)
    assert sorted(key["kind"]) == ["high"] * 3 + ["low"] * 3
    assert key["video_start"].min() == 0.0  # a moment at the session's start: padding clipped
    for row in key.itertuples():
        numbers = frame_numbers(review.folder / f"{row.clip}.mp4")
        assert (numbers[0], numbers[-1]) == expected_frames(row.video_start, row.video_end)
    # the rating columns: the default emotions on 0-4 and valence on 1-7
    ratings = [parse_rating_column(c) for c in sheet.columns[2:]]
    assert ratings == [("positive", 0, 4), ("negative", 0, 4), ("neutral", 0, 4), ("valence", 1, 7)]


def test_order_and_codes_are_the_seeds(tmp_path, moments_session):
    def key(seed, name):
        out = concordlab.export_review(
            moments_session, tmp_path / name, seed=seed, pad=0, progress=False
        )
        return out.table

    a, b, c = key(11, "a"), key(11, "b"), key(12, "c")
    assert a.equals(b)
    assert set(a["clip"]).isdisjoint(c["clip"])
    assert a["segment"].tolist() != c["segment"].tolist()
    # random-looking over seeds: the earliest moment is not always shown first, the kinds
    # are not always grouped (a sort by time or kind would make these constant)
    firsts, grouped = set(), 0
    for seed in range(8):
        table = key(seed, f"s{seed}")
        firsts.add(int(table["start"].idxmin()))
        kinds = table["kind"].tolist()
        grouped += sum(x != y for x, y in itertools.pairwise(kinds)) == 1
    assert len(firsts) >= 3 and grouped < 4
    assert all(re.fullmatch(r"[A-Z0-9]{6}", code) for code in a["clip"])


def test_nothing_leaks(tmp_path, moments_session):
    review = concordlab.export_review(moments_session, tmp_path / "r", seed=1, progress=False)
    sheet = pd.read_csv(review.sheet, dtype=str, keep_default_na=False)
    assert (sheet.drop(columns="clip") == "").all().all()  # blank but for the codes
    text = review.sheet.read_text() + (review.folder / "instructions.txt").read_text()
    names = " ".join(p.name for p in review.folder.iterdir())
    for word in ("sim-1", "high", "low", "concordance", "moment", "session", "talk"):
        assert word not in text.lower().replace("session id", "") and word not in names
    for clip in review.clips:
        with av.open(str(clip)) as container:
            tags = dict(container.metadata)
            for stream in container.streams:
                tags.update({f"stream {k}": v for k, v in stream.metadata.items()})
        assert not {"title", "comment", "creation_time", "encoder"} & set(tags), tags
        values = " ".join(tags.values())
        assert "sim" not in values and "concordance" not in values and "12.5" not in values


def test_audio_kept_or_dropped(tmp_path, h264, mpeg4):
    s = spans_session(h264, [(10.0, 14.0)])
    for audio in (True, False):
        review = concordlab.export_review(
            s, tmp_path / str(audio), segments="cut0", pad=0, audio=audio, progress=False
        )
        with av.open(str(review.clips[0])) as container:
            assert len(container.streams.audio) == int(audio)
            if audio:
                samples = sum(f.samples for f in container.decode(audio=0))
                assert abs(samples / 16000 - 4.0) < 0.1
    # a video without sound gives clips without sound
    review = concordlab.export_review(
        spans_session(mpeg4, [(10.0, 14.0)]), tmp_path / "m", segments="cut0", progress=False
    )
    with av.open(str(review.clips[0])) as container:
        assert not container.streams.audio


def test_several_sessions_and_a_saved_one(tmp_path, moments_session, mpeg4):
    other = concordlab.attach_video(
        concordlab.add_segment(concordlab.simulate_dyad(60, seed=2), 5.0, 9.0, "high concordance"),
        mpeg4,
    )
    other.attrs["session_id"] = "sim-2"
    saved = concordlab.save(other, tmp_path / "sim-2.nc")
    for source in ([moments_session, saved], concordlab.open_cohort([moments_session, other])):
        out = tmp_path / f"r{len(list(tmp_path.iterdir()))}"
        review = concordlab.export_review(source, out, seed=1, progress=False)
        assert review.table["session"].value_counts().to_dict() == {"sim-1": 6, "sim-2": 1}
        row = review.table[review.table["session"] == "sim-2"].iloc[0]
        numbers = frame_numbers(review.folder / f"{row['clip']}.mp4")
        assert (numbers[0], numbers[-1]) == expected_frames(row["video_start"], row["video_end"])
    with pytest.raises(ValidationError, match="same session id 'sim-1'"):
        concordlab.export_review([moments_session, moments_session], tmp_path / "x", progress=False)


def test_bad_input_is_a_clear_concordlab_error(tmp_path, moments_session, h264):
    plain = concordlab.simulate_dyad(60, seed=1)
    c = concordlab.concordance(plain)
    with pytest.raises(ValidationError, match="attach_video"):
        concordlab.export_review(concordlab.add_moments(plain, c, n=2), tmp_path / "a")
    with pytest.raises(ValidationError, match=r"add_moments\(session, c, kind='high'.*'low'"):
        concordlab.export_review(concordlab.attach_video(plain, h264), tmp_path / "b")
    with pytest.raises(ValidationError, match="No segment labelled"):
        concordlab.export_review(moments_session, tmp_path / "b", segments="laugh")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(ValidationError, match="not empty"):
        concordlab.export_review(moments_session, busy, progress=False)
    with pytest.raises(ValidationError, match="not a review's"):
        concordlab.export_review(moments_session, busy, overwrite=True, progress=False)
    with pytest.raises(ValidationError, match="inside the observers' folder"):
        concordlab.export_review(moments_session, tmp_path / "c", key=tmp_path / "c" / "k.csv")
    for bad in ({"pad": -1.0}, {"seed": "x"}, {"audio": 1}, {"valence_scale": (7, 1)},
                {"emotions": ["joy", "joy"]}, {"segments": []}, {"video": "patient"}):  # fmt: skip
        with pytest.raises(
            ValidationError, match=next(iter(bad)) if "video" not in bad else "no such video"
        ):
            concordlab.export_review(moments_session, tmp_path / "d", progress=False, **bad)
    assert not (tmp_path / "d").exists()
    # a moved video: the video_path error, which says how to relink it
    moved = tmp_path / "moved.mp4"
    moved.write_bytes(h264.read_bytes())
    s = concordlab.attach_video(concordlab.detach_video(moments_session), moved, offset=OFFSET)
    moved.unlink()
    with pytest.raises(FileFormatError, match="relink_video"):
        concordlab.export_review(s, tmp_path / "e", progress=False)
    late = concordlab.set_video_offset(moments_session, -40.0)  # video from session time 40 s
    with pytest.raises(ValidationError, match="is not in its video 'room'"):
        concordlab.export_review(late, tmp_path / "g", progress=False)
    (tmp_path / "h-key.csv").write_text("an older key")
    with pytest.raises(ValidationError, match="exists"):
        concordlab.export_review(moments_session, tmp_path / "h", progress=False)
    assert (tmp_path / "h-key.csv").read_text() == "an older key"
    with pytest.raises(ConcordlabError, match="source must be"):
        concordlab.export_review(42, tmp_path / "f")


def test_overwrite_replaces_a_previous_review(tmp_path, moments_session):
    first = concordlab.export_review(moments_session, tmp_path / "r", seed=1, progress=False)
    second = concordlab.export_review(
        moments_session, tmp_path / "r", seed=2, overwrite=True, progress=False
    )
    names = {p.name for p in (tmp_path / "r").iterdir()}
    assert names == {p.name for p in second.clips} | {SHEET_NAME, "instructions.txt"}
    assert not names & {p.name for p in first.clips}
    assert "6 clips (3 high, 3 low)" in repr(second)


def test_filled_sheets_read_back_with_read_ratings(tmp_path, moments_session):
    """The sheet and the key are what read_ratings expects: observers fill the sheet as is."""
    review = concordlab.export_review(moments_session, tmp_path / "r", seed=4, progress=False)
    sheets = []
    for number, observer in enumerate(("ann", "bo")):
        sheet = pd.read_csv(review.sheet, dtype=str, keep_default_na=False)
        sheet["observer"] = observer
        for column in sheet.columns[2:]:
            _, low, high = parse_rating_column(column)
            sheet[column] = [low + (i + number) % (high - low + 1) for i in range(len(sheet))]
        path = tmp_path / f"{observer}.csv"
        sheet.to_csv(path, index=False)
        sheets.append(path)
    ratings = concordlab.read_ratings(sheets, review.key)
    table = ratings.table
    assert len(table) == 2 * len(review.clips)
    assert set(table["clip"]) == {p.stem for p in review.clips}
    kinds = dict(zip(review.table["clip"], review.table["kind"], strict=True))
    assert all(kinds[c] == k for c, k in zip(table["clip"], table["kind"], strict=True))
