"""The explorer's video player on the Python side: traits, cursor, follow, seeks, offsets kept.

The browser side (playing, range requests) is tested in
``tests/browser/test_video_browser.py``.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from plotly.callbacks import Points

import concordlab
from concordlab.video import _demo_video
from concordlab.widgets import video as video_module
from concordlab.widgets.store import SegmentStore, videos_sidecar
from concordlab.widgets.video import VideoPlayer, outside_root_message, server_root, video_player

pytest.importorskip("av")

DURATION = 600.0  # s: the example session's length


@pytest.fixture(scope="module")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A video as long as the example session (one frame per second, 64x48)."""
    folder = tmp_path_factory.mktemp("video")
    return _demo_video(folder / "room.mp4", seconds=DURATION, frame_rate=1)


@pytest.fixture
def session(long_video: Path) -> concordlab.DataTree:
    return concordlab.attach_video(concordlab.example_session(), long_video, offset=2.0)


def cursor(explorer: concordlab.widgets.Explorer) -> float:
    shape = explorer.figure.layout.shapes[-1]
    assert shape.name == "video" and shape.x0 == shape.x1
    assert (shape.yref, shape.y0, shape.y1) == ("paper", 0, 1)  # across every panel
    return shape.x0


# ---------------------------------------------------------------- the player alone


def test_player_times_follow_the_offset_convention() -> None:
    player = VideoPlayer(path="/x/a.mp4", offset=12.5, duration=100.0)
    player.seek(20.0)
    assert player.video_time == 20.0
    assert player.session_time == 7.5  # session_time = video_time - offset
    player.offset = -3.0
    assert player.session_time == 23.0


def test_player_seek_stays_in_the_video_and_sends_a_message(monkeypatch) -> None:
    player = VideoPlayer(duration=10.0)
    sent = []
    monkeypatch.setattr(player, "send", lambda content, buffers=None: sent.append(content))
    player.seek(-4)
    player.seek(40)
    player.seek(40)  # the same time again still reaches the browser
    assert player.video_time == 10.0
    assert sent == [{"seek": 0.0}, {"seek": 10.0}, {"seek": 10.0}]
    with pytest.raises(concordlab.ValidationError, match="video_time"):
        player.seek(float("nan"))


def test_player_traits_refuse_bad_values() -> None:
    player = VideoPlayer()
    with pytest.raises(concordlab.ValidationError, match="playing"):
        player.playing = "yes"
    with pytest.raises(concordlab.ValidationError, match="offset"):
        player.offset = float("inf")


def test_video_player_picks_the_room_video(long_video: Path) -> None:
    s = concordlab.attach_video(concordlab.example_session(), long_video, person="therapist")
    s = concordlab.attach_video(s, long_video, offset=4.0)  # the room's, attached second
    player = video_player(s)
    assert (player.offset, player.path) == (4.0, long_video.resolve().as_posix())
    assert video_player(s, "therapist").offset == 0.0
    with pytest.raises(concordlab.ValidationError, match="video"):
        video_player(s, "kitchen")
    assert video_player(concordlab.example_session()) is None


# ---------------------------------------------------------------- served folder


def test_server_root_reads_the_servers_runtime_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    assert server_root() is None
    (tmp_path / f"jpserver-{os.getppid()}.json").write_text(json.dumps({"root_dir": "/srv/lab"}))
    assert server_root() == Path("/srv/lab").resolve()


def test_a_large_video_outside_the_served_folder_is_explained(
    session: concordlab.DataTree, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(video_module, "server_root", lambda: tmp_path / "elsewhere")
    size = concordlab.video_path(session).stat().st_size
    monkeypatch.setattr(video_module, "SMALL_FILE", size - 1)  # one byte too large
    with pytest.warns(UserWarning, match="outside the folder Jupyter serves") as caught:
        explorer = concordlab.explore(session, sidecar=False)
    assert "start Jupyter from a folder that contains it" in str(caught[0].message)
    assert explorer.player.problem == str(caught[0].message)
    assert "outside the folder Jupyter serves" in explorer.status.value
    path = concordlab.video_path(session)
    assert explorer.player.problem == outside_root_message(path, tmp_path / "elsewhere")
    assert explorer.player.data == b""  # never the large file through the kernel


def test_a_small_video_outside_the_served_folder_goes_through_the_kernel(
    session: concordlab.DataTree, tmp_path: Path, monkeypatch, recwarn
) -> None:
    monkeypatch.setattr(video_module, "server_root", lambda: tmp_path / "elsewhere")
    path = concordlab.video_path(session)
    monkeypatch.setattr(video_module, "SMALL_FILE", path.stat().st_size)  # just small enough
    explorer = concordlab.explore(session, sidecar=False)
    assert explorer.player.data == path.read_bytes()
    assert explorer.player.problem == ""
    assert not [w for w in recwarn if "outside" in str(w.message)]


def test_a_missing_video_says_how_to_relink_it(long_video: Path, tmp_path: Path) -> None:
    moved = tmp_path / "moved.mp4"
    moved.write_bytes(long_video.read_bytes())
    s = concordlab.attach_video(concordlab.example_session(), moved)
    moved.unlink()
    with pytest.warns(UserWarning, match="relink_video"):
        explorer = concordlab.explore(s, sidecar=False)
    assert "is not where it is expected" in explorer.player.problem
    assert "relink_video" in explorer.status.value


def test_a_video_under_the_served_folder_is_fine(
    session: concordlab.DataTree, monkeypatch, recwarn
) -> None:
    folder = concordlab.video_path(session).parent
    monkeypatch.setattr(video_module, "server_root", lambda: folder)
    explorer = concordlab.explore(session, sidecar=False)
    assert explorer.player.problem == ""
    assert explorer.player.served_path == "room.mp4"
    assert not [w for w in recwarn if "outside" in str(w.message)]


def test_the_served_path_resolves_symbolic_links(session, tmp_path: Path, monkeypatch) -> None:
    link = tmp_path / "link"  # the server started from a link to the video's folder
    link.symlink_to(concordlab.video_path(session).parent, target_is_directory=True)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    info = tmp_path / f"jpserver-{os.getppid()}.json"
    info.write_text(json.dumps({"root_dir": str(link)}))
    assert video_player(session).served_path == "room.mp4"


# ---------------------------------------------------------------- the explorer


def test_without_a_video_the_explorer_is_as_before() -> None:
    explorer = concordlab.explore(concordlab.example_session(), sidecar=False)
    assert explorer.player is None
    assert all(shape.name != "video" for shape in explorer.figure.layout.shapes)
    assert "▶ Play" not in explorer.buttons
    assert len(explorer.widget.children) == 6  # parameters, overview, plot, note, marking, status
    for call in (explorer.play, lambda: explorer.seek(3), lambda: explorer.set_video_offset(1)):
        with pytest.raises(concordlab.ValidationError, match="attach_video"):
            call()


def test_the_widget_shows_the_player_and_the_offset_control(session) -> None:
    explorer = concordlab.explore(session, sidecar=False)
    assert explorer.player in explorer.widget.children[1].children
    assert explorer.offset_box.value == 2.0
    assert "▶ Play" in explorer.buttons


def test_cursor_is_at_the_session_time_of_the_video(session) -> None:
    explorer = concordlab.explore(session, sidecar=False)
    explorer.player.video_time = 32.0  # as the browser reports while playing
    assert cursor(explorer) == 30.0  # 32 s into the video, offset 2 s
    assert explorer.video_time == 30.0
    explorer.seek(50.0)
    assert explorer.player.video_time == 52.0
    assert cursor(explorer) == 50.0


def test_view_follows_the_cursor_page_by_page(session) -> None:
    explorer = concordlab.explore(session, sidecar=False).set_view(0, 60).play()
    for video_time in (10.0, 30.0, 55.0, 61.9):  # within the view: the view stays
        explorer.player.video_time = video_time
        assert explorer.figure.layout.xaxis.range == (0.0, 60.0)
    explorer.player.video_time = 62.5  # session time 60.5: past the view's end
    assert explorer.figure.layout.xaxis.range == (60.5, 120.5)  # a page on, cursor at left
    assert explorer.player.video_time == 62.5  # turning the page did not seek
    assert cursor(explorer) == 60.5


def test_moving_the_view_while_paused_seeks_to_its_start(session) -> None:
    explorer = concordlab.explore(session, sidecar=False)
    explorer.set_view(100, 160)
    assert explorer.video_time == 100.0
    explorer.overview.set_view(200, 260)  # dragging the overview strip
    assert explorer.video_time == 200.0
    explorer.play().set_view(300, 360)  # while playing the video goes on
    assert explorer.video_time == 200.0


def test_clicking_a_plot_seeks_the_video(session) -> None:
    explorer = concordlab.explore(session, sidecar=False).set_view(0, 120)
    trace = explorer.figure.data[4]  # the concordance line
    points = Points(point_inds=[7], xs=[42.5], ys=[0.3], trace_name=trace.name, trace_index=4)
    trace._dispatch_on_click(points, None)
    assert explorer.video_time == 42.5
    signal = explorer.figure.data[0]
    signal._dispatch_on_click(Points([1], [12.0], [0.0], signal.name, 0), None)
    assert explorer.player.video_time == 14.0


def test_a_segment_plays_from_its_start(session) -> None:
    explorer = concordlab.explore(session, sidecar=False)
    table = concordlab.segments(explorer.session)
    index = 3
    explorer.segment_list.value = index
    explorer.buttons["▶ Play"].click()
    assert explorer.video_time == pytest.approx(float(table["start"].iloc[index]))
    assert explorer.player.playing
    with pytest.raises(concordlab.ValidationError, match="No segment"):
        explorer.play_segment(len(table))


def test_offset_control_keeps_the_frame_and_moves_the_cursor(session) -> None:
    explorer = concordlab.explore(session, sidecar=False).seek(40.0)  # video 42 s
    explorer.offset_box.value = 3.5  # typed
    assert explorer.player.video_time == 42.0
    assert cursor(explorer) == 38.5
    frame = 1.0 / explorer.player.frame_rate
    explorer.offset_buttons["+1 frame"].click()
    assert explorer.player.offset == pytest.approx(3.5 + frame)
    assert concordlab.videos(explorer.session)["offset"].iloc[0] == explorer.player.offset
    with pytest.raises(concordlab.ValidationError, match="offset"):
        explorer.set_video_offset(float("nan"))


def test_offset_is_saved_and_restored(session, tmp_path: Path) -> None:
    sidecar = tmp_path / "dyad.segments.tsv"
    first = concordlab.explore(session, sidecar=sidecar)
    first.set_video_offset(-1.25).add_segment(20, 30, "clap")
    assert concordlab.videos(first.session)["offset"].tolist() == [-1.25]  # kept by segments
    with videos_sidecar(sidecar).open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert [(r["video"], float(r["offset"])) for r in rows] == [("room", -1.25)]
    again = concordlab.explore(session, sidecar=sidecar)
    assert again.player.offset == -1.25
    assert concordlab.videos(again.session)["offset"].tolist() == [-1.25]
    assert "clap" in set(concordlab.segments(again.session)["label"])


def test_a_sidecar_without_videos_still_restores(session, tmp_path: Path) -> None:
    sidecar = tmp_path / "old.segments.tsv"
    sidecar.write_text("onset\tduration\ttrial_type\tperson\tnote\n5\t2\tclap\tboth\t\n")
    explorer = concordlab.explore(session, sidecar=sidecar)
    assert explorer.player.offset == 2.0  # the session's own
    assert "clap" in set(concordlab.segments(explorer.session)["label"])


def test_a_bad_offsets_file_warns_and_keeps_the_sessions(session, tmp_path: Path) -> None:
    store = SegmentStore(tmp_path / "x.segments.tsv")
    store.videos_path.write_text("video\toffset\nroom\tsoon\nkitchen\t1\n")
    with pytest.warns(UserWarning, match="'room': offset 'soon'.*'kitchen': the session has no"):
        restored = store.restore(session)
    assert concordlab.videos(restored)["offset"].tolist() == [2.0]
