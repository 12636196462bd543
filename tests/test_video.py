"""Video in the session: attach_video reads the file, save/load keep it, a moved file is named.

The videos are generated here with PyAV: 64x48 pixels, 10 frames per second, 3 s, the grey
level of each frame its frame number times 8 (so a frame can be told from its pixels).
"""

from __future__ import annotations

import math
import shutil
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import concordlab
from concordlab import ConcordlabError, FileFormatError, ValidationError

av = pytest.importorskip("av")

WIDTH, HEIGHT, RATE, SECONDS = 64, 48, 10, 3
N_FRAMES = RATE * SECONDS


def make_video(path: Path, codec: str = "mpeg4", audio: bool = False) -> Path:
    """A small video whose frame ``i`` has grey level ``8 * i``; with a 3 s tone if ``audio``."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=RATE)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        sound = None
        if audio:
            sound = container.add_stream("libopus" if path.suffix == ".webm" else "aac", rate=48000)
        for index in range(N_FRAMES):
            image = np.full((HEIGHT, WIDTH, 3), 8 * index, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        if sound is not None:
            size = sound.codec_context.frame_size or 1024
            n = 48000 * SECONDS // size
            for index in range(n):
                t = (np.arange(size) + index * size) / 48000
                samples = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
                chunk = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
                chunk.sample_rate = 48000
                chunk.pts = index * size
                chunk.time_base = Fraction(1, 48000)
                container.mux(sound.encode(chunk))
            container.mux(sound.encode())
    return path


def grey_levels(path: Path) -> list[int]:
    """The mean grey level of each decoded frame, rounded."""
    with av.open(str(path)) as container:
        return [round(float(f.to_ndarray(format="gray").mean())) for f in container.decode(video=0)]


@pytest.fixture(scope="module")
def session():
    return concordlab.simulate_dyad(60, seed=1)


@pytest.fixture
def mp4(tmp_path):
    return make_video(tmp_path / "room.mp4", "libx264", audio=True)


CASES = [
    ("room.mp4", "libx264", True, "h264"),
    ("room.mp4", "mpeg4", False, "mpeg4"),
    ("room.webm", "libvpx-vp9", True, "vp9"),
    ("room.mkv", "libvpx", False, "vp8"),
]


@pytest.mark.parametrize(("name", "codec", "audio", "read_codec"), CASES)
def test_metadata_read_equals_what_was_written(tmp_path, session, name, codec, audio, read_codec):
    file = make_video(tmp_path / name, codec, audio)
    assert grey_levels(file)[:3] == [0, 8, 16]  # the content is what the tests think it is
    row = concordlab.videos(concordlab.attach_video(session, file)).loc["room"]
    assert row["frame_rate"] == RATE
    assert abs(row["duration"] - SECONDS) <= 1 / RATE
    assert row["n_frames"] is pd.NA or row["n_frames"] == N_FRAMES
    assert (row["width"], row["height"]) == (WIDTH, HEIGHT)
    assert row["codec"] == read_codec
    assert bool(row["has_audio"]) is audio
    assert row["person"] is None and row["path"] == str(file.resolve())


def test_mp4_knows_its_frame_count(tmp_path, session):
    file = make_video(tmp_path / "a.mp4", "libx264")
    assert concordlab.videos(concordlab.attach_video(session, file))["n_frames"].iloc[0] == N_FRAMES


def test_offset_convention_session_time_is_video_time_minus_offset(mp4, session):
    s = concordlab.attach_video(session, mp4, offset=12.5)
    table = concordlab.videos(s)
    assert table["offset"].iloc[0] == 12.5
    # the documented convention, stored with the data
    assert s["videos"]["offset"].attrs["convention"] == "session_time = video_time - offset"
    assert s["videos"]["offset"].attrs["units"] == "s"
    moved = concordlab.set_video_offset(s, -2.0)
    assert concordlab.videos(moved)["offset"].iloc[0] == -2.0
    assert concordlab.videos(s)["offset"].iloc[0] == 12.5  # the input is unchanged


def test_one_video_per_person_and_the_room(tmp_path, session, mp4):
    other = make_video(tmp_path / "patient.mp4", "mpeg4")
    s = concordlab.attach_video(session, mp4)
    s = concordlab.attach_video(s, other, offset=1.0, person="patient")
    table = concordlab.videos(s)
    assert table.index.tolist() == ["room", "patient"]
    assert table["person"].tolist() == [None, "patient"]
    with pytest.raises(ValidationError, match="say which"):
        concordlab.video_path(s)
    assert concordlab.video_path(s, video="patient") == other.resolve()
    s = concordlab.set_video_offset(s, 3.0, video="patient")
    assert concordlab.videos(s)["offset"].tolist() == [0.0, 3.0]
    left = concordlab.detach_video(s, video="room")
    assert concordlab.videos(left).index.tolist() == ["patient"]
    relinked = concordlab.relink_video(s, mp4, video="patient")
    assert concordlab.videos(relinked).index.tolist() == ["room", "patient"]
    assert concordlab.videos(relinked)["offset"].tolist() == [0.0, 3.0]
    assert concordlab.video_path(relinked, video="patient") == mp4.resolve()
    none = concordlab.detach_video(left, video="patient")
    assert "videos" not in none.children and len(concordlab.videos(none)) == 0
    assert concordlab.channels(s) == concordlab.channels(session)  # videos are not channels
    with pytest.raises(ValidationError, match="already has a video named 'room'"):
        concordlab.attach_video(s, mp4)


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_save_load_round_trip_and_move_together(tmp_path, session, suffix):
    folder = tmp_path / "study"
    (folder / "video").mkdir(parents=True)
    room = make_video(folder / "video" / "room.mp4", "libx264", audio=True)
    s = concordlab.attach_video(session, room, offset=4.25)
    s = concordlab.attach_video(
        s, make_video(folder / "therapist.webm", "libvpx-vp9"), person="therapist"
    )
    saved = concordlab.save(s, folder / f"session{suffix}")
    loaded = concordlab.load(saved)
    assert loaded.identical(s)
    # stored relative to the session file's folder
    with xr.open_datatree(saved, engine="zarr" if suffix == ".zarr" else "h5netcdf") as raw:
        assert sorted(raw["videos"]["path"].values.tolist()) == ["therapist.webm", "video/room.mp4"]
    # move the whole folder: the videos are found again
    moved = shutil.move(folder, tmp_path / "elsewhere")
    again = concordlab.load(Path(moved) / f"session{suffix}")
    assert concordlab.video_path(again, video="room") == (Path(moved) / "video/room.mp4").resolve()
    expected = concordlab.videos(s).drop(columns="path")
    assert concordlab.videos(again).drop(columns="path").equals(expected)
    assert grey_levels(concordlab.video_path(again, video="room"))[5] == 40


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_a_missing_video_is_named_and_does_not_block_the_signals(tmp_path, session, suffix):
    room = make_video(tmp_path / "room.mp4", "mpeg4")
    saved = concordlab.save(
        concordlab.attach_video(session, room, offset=1.5), tmp_path / f"s{suffix}"
    )
    room.rename(tmp_path / "renamed.mp4")
    loaded = concordlab.load(saved)  # the signals load
    assert concordlab.concordance(loaded).notnull().any()
    with pytest.raises(FileFormatError) as error:
        concordlab.video_path(loaded)
    message = str(error.value)
    assert str(room.resolve()) in message and "relink_video" in message
    assert "attach_video" in message and "offset=1.5" in message
    fixed = concordlab.relink_video(loaded, tmp_path / "renamed.mp4")
    assert concordlab.video_path(fixed).name == "renamed.mp4"
    assert concordlab.videos(fixed)["offset"].iloc[0] == 1.5


def test_bad_input_is_a_concordlab_error(tmp_path, session, mp4):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    with pytest.raises(FileFormatError, match="could not be opened as a video"):
        concordlab.attach_video(session, text)
    with pytest.raises(FileFormatError, match="does not exist"):
        concordlab.attach_video(session, tmp_path / "absent.mp4")
    with pytest.raises(ValidationError, match="person 'client'"):
        concordlab.attach_video(session, mp4, person="client")
    for offset in (math.nan, math.inf, "2", True):
        with pytest.raises(ValidationError, match="offset"):
            concordlab.attach_video(session, mp4, offset=offset)
    s = concordlab.attach_video(session, mp4)
    with pytest.raises(ValidationError, match="offset"):
        concordlab.set_video_offset(s, -math.inf)
    for call in (concordlab.detach_video, concordlab.video_path):
        with pytest.raises(ValidationError, match="'patient' is not in the session"):
            call(s, video="patient")
    with pytest.raises(ValidationError, match="no video"):
        concordlab.video_path(session)
    with pytest.raises(ValidationError, match="concordlab session"):
        concordlab.videos("session")


def test_missing_extra_names_it(monkeypatch, session, mp4):
    attached = concordlab.attach_video(session, mp4)
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(ConcordlabError, match=r"concordlab\[video\]"):
        concordlab.attach_video(session, mp4)
    # listing, offsets, paths, saving and loading need no PyAV
    moved = concordlab.set_video_offset(attached, 2.0)
    assert concordlab.videos(moved)["offset"].iloc[0] == 2.0
    assert concordlab.video_path(moved) == mp4.resolve()
    assert concordlab.load(concordlab.save(moved, mp4.parent / "s.nc")).identical(moved)


def test_a_damaged_videos_node_is_refused(session, mp4):
    s = concordlab.attach_video(session, mp4)
    table = s["videos"].to_dataset(inherit=False)
    bad = s.copy()
    bad["videos"] = xr.DataTree(table.assign(person=("video", np.array(["client"], object))))
    with pytest.raises(ValidationError, match="'client', who is not a person"):
        concordlab.validate_session(bad)
    bad["videos"] = xr.DataTree(table.assign(offset=("video", [np.nan])))
    with pytest.raises(ValidationError, match="set_video_offset"):
        concordlab.validate_session(bad)
    bad["videos"] = xr.DataTree(table.drop_vars("codec"))
    with pytest.raises(ValidationError, match="codec"):
        concordlab.validate_session(bad)


def test_netcdf3_without_h5py_keeps_the_videos(tmp_path, session, mp4, monkeypatch):
    # what the classroom's browser (Pyodide, no h5py) writes
    s = concordlab.attach_video(session, mp4, offset=0.5)
    monkeypatch.setitem(sys.modules, "h5py", None)
    path = concordlab.save(s, tmp_path / "browser.nc")
    assert path.read_bytes()[:3] == b"CDF"
    monkeypatch.undo()
    assert concordlab.load(path).identical(s)
