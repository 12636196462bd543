"""The video player: a session's video in the browser, fetched by the browser itself.

A thin anywidget (front end: ``widgets/video.js`` and ``widgets/video.css``, shipped as
``concordlab._static``). The browser plays the file from the Jupyter server's
``/files/<path>`` handler (tornado's ``StaticFileHandler``, behind Jupyter's login: it
answers HTTP range requests, so a video of hundreds of MB starts at once and seeks without
being downloaded whole); no byte of the video goes through the kernel. The URL is built in
the browser from the page's base URL and the file's path relative to the folder the server
serves (its root), so the video must be under that folder: when it is not, the player says
so (and :func:`video_player` warns when the kernel can tell). A small file (at most
:data:`SMALL_FILE` bytes) outside that folder is sent through the kernel instead, when the
kernel can tell it is outside.

Times: :attr:`VideoPlayer.video_time` is the time in the video;
:attr:`VideoPlayer.session_time` is ``video_time - offset`` (the convention of
:mod:`concordlab.video`).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import anywidget
import traitlets
import xarray as xr

from concordlab._checks import check_choice, check_number
from concordlab.errors import FileFormatError
from concordlab.video import video_path, videos
from concordlab.widgets.overview import _asset, _Flag, _Seconds

__all__ = ["SMALL_FILE", "VideoPlayer", "outside_root_message", "server_root", "video_player"]

SMALL_FILE = 50 * 1024 * 1024
"""Bytes: a video outside the served folder up to this size is sent through the kernel."""


def server_root() -> Path | None:
    """The folder served by the Jupyter server that started this kernel, if it can be told.

    Read from the server's runtime file (``jpserver-<pid>.json`` in Jupyter's runtime
    folder, written by ``jupyter_server``), the server being the kernel's parent process.
    None outside a Jupyter server's kernel (a script, Pyodide, a kernel started elsewhere).

    Examples
    --------
    >>> root = server_root()  # None here: pytest is not a kernel of a Jupyter server
    >>> root is None or root.is_dir()
    True
    """
    try:
        from jupyter_core.paths import jupyter_runtime_dir
    except ImportError:  # Pyodide, or a kernel without Jupyter installed
        return None
    info = Path(jupyter_runtime_dir()) / f"jpserver-{os.getppid()}.json"
    try:
        root = json.loads(info.read_text(encoding="utf-8")).get("root_dir")
    except (OSError, ValueError, AttributeError):
        return None
    return Path(root).expanduser().resolve() if root else None


def outside_root_message(path: Path | str, root: Path | str) -> str:
    """What to do when the video ``path`` is outside the served folder ``root``.

    The player's front end says the same in the browser.

    Examples
    --------
    >>> print(outside_root_message("/data/s1.mp4", "/home/me/study"))  # doctest: +ELLIPSIS
    The video /data/s1.mp4 is outside the folder Jupyter serves (/home/me/study), ...
    """
    return (
        f"The video {Path(path).as_posix()} is outside the folder Jupyter serves "
        f"({Path(root).as_posix()}), so the browser cannot fetch it (and it is too large, over "
        f"{SMALL_FILE // 1024 // 1024} MB, to go through the kernel). Put the video under the "
        "folder Jupyter was started from, or start Jupyter from a folder that contains it."
    )


class VideoPlayer(anywidget.AnyWidget):
    """An HTML5 video player whose time, play state and offset are synced with Python.

    Parameters
    ----------
    **kwargs
        Initial values of the traitlets below and ``ipywidgets`` layout options.

    Attributes
    ----------
    path : str
        The video file, an absolute POSIX path; the browser fetches it from the Jupyter
        server (it must lie under the server's root folder).
    served_path : str
        The file's path relative to the server's root folder, POSIX, when the kernel can
        tell (symbolic links resolved); "" lets the browser work it out from the page's
        ``serverRoot`` and :attr:`path`.
    video_time : float
        Seconds into the video. Written by the browser while playing (at most 4 times a
        second, and at once on pause and after a seek); setting it seeks the video.
    offset : float
        The video's time at session time 0: ``session_time = video_time - offset``.
    playing : bool
        Whether the video plays; setting it plays or pauses it.
    frame_rate, duration : float
        Frames per second and length (s) of the video (0: not known).
    problem : str
        Why the video cannot be shown ("" when it can): written by the browser (outside
        the served folder, a load error), or by :func:`video_player` when the kernel can
        tell the file is missing or outside the served folder.
    data : bytes
        The file itself, sent through the kernel: only for a small file outside the
        served folder (see :func:`video_player`); empty otherwise.

    Examples
    --------
    >>> player = VideoPlayer(path="/data/s1.mp4", offset=2.0, duration=60.0)
    >>> player.seek(12.5).session_time
    10.5
    >>> player.play().playing, player.pause().playing
    (True, False)
    """

    _esm = _asset("video.js")
    _css = _asset("video.css")

    path = traitlets.Unicode("").tag(sync=True)
    served_path = traitlets.Unicode("").tag(sync=True)
    video_time = _Seconds(0.0, help="give seconds into the video").tag(sync=True)
    offset = _Seconds(0.0, help="give the video's time at session time 0").tag(sync=True)
    playing = _Flag(False).tag(sync=True)
    frame_rate = _Seconds(25.0, help="give frames per second").tag(sync=True)
    duration = _Seconds(0.0, help="give the video's length in seconds").tag(sync=True)
    problem = traitlets.Unicode("").tag(sync=True)
    data = traitlets.Bytes(b"").tag(sync=True)

    @property
    def session_time(self) -> float:
        """The session time shown: ``video_time - offset`` (s)."""
        return self.video_time - self.offset

    def seek(self, video_time: float) -> VideoPlayer:
        """Show the video at ``video_time`` seconds (kept within the video), playing or not.

        Examples
        --------
        >>> VideoPlayer(duration=3.0).seek(5).video_time
        3.0
        """
        seconds = check_number(video_time, "video_time", "give seconds into the video")
        seconds = max(seconds, 0.0)
        if self.duration > 0:
            seconds = min(seconds, self.duration)
        self.video_time = seconds
        # Also a message: seeking again to the same time still moves the video back to it.
        self.send({"seek": seconds})
        return self

    def play(self) -> VideoPlayer:
        """Play the video from where it is."""
        self.playing = True
        return self

    def pause(self) -> VideoPlayer:
        """Pause the video."""
        self.playing = False
        return self


def video_player(session: xr.DataTree, video: str | None = None) -> VideoPlayer | None:
    """A player of one of the session's videos (the room's, else the first), or None.

    The browser fetches the file from the Jupyter server. When the kernel runs under a
    Jupyter server and the file is outside the folder it serves, a file of at most
    :data:`SMALL_FILE` bytes is sent through the kernel instead (:attr:`VideoPlayer.data`);
    a larger one is not: that, or a missing file, warns and sets
    :attr:`VideoPlayer.problem` to what to do.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    video : str, optional
        The video's name; default the room's video, else the first one.

    Returns
    -------
    VideoPlayer or None
        None when the session has no video.

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.video import _demo_video
    >>> s = concordlab.attach_video(concordlab.example_session(), _demo_video(), offset=1.0)
    >>> player = video_player(s)
    >>> player.offset, player.frame_rate, player.duration
    (1.0, 10.0, 3.0)
    >>> video_player(concordlab.example_session()) is None
    True
    """
    table = videos(session)
    if table.empty:
        return None
    if video is not None:
        check_choice(video, "video", [str(name) for name in table.index])
    else:
        rooms = [name for name, person in table["person"].items() if person is None]
        video = rooms[0] if rooms else str(table.index[0])
    row = table.loc[video]
    path = Path(str(row["path"]))
    player = VideoPlayer(
        path=path.as_posix(),
        offset=float(row["offset"]),
        frame_rate=float(row["frame_rate"]),
        duration=float(row["duration"]),
    )
    try:
        video_path(session, video)
    except FileFormatError as error:
        player.problem = str(error)
    root = server_root()
    if not player.problem and root is not None:
        if path.resolve().is_relative_to(root):
            player.served_path = path.resolve().relative_to(root).as_posix()
        elif path.stat().st_size <= SMALL_FILE:
            player.data = path.read_bytes()
        else:
            player.problem = outside_root_message(path, root)
    if player.problem:
        warnings.warn(player.problem, stacklevel=2)
    return player
