"""A made-up video of a session, for teaching the review workflow without filming anyone.

:func:`simulate_video` draws one face per person whose colour follows that person's
signal (calm blue at the low end of their range, aroused red at the high end) and a bar
under it at the same height, so that the moments concordlab finds in the signals can be
seen in the clips it cuts. Nothing in it is a real expression: ratings of such clips
are simulated too (:func:`concordlab.simulate_ratings`).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import xarray as xr

from concordlab._checks import FilePath, Integer, Real
from concordlab._extras import optional_module
from concordlab.compute._common import group_from
from concordlab.errors import ValidationError
from concordlab.session import time_span
from concordlab.video import check_offset

__all__ = ["simulate_video"]

_FRAME_RATE = Real(low=1.0, high=60.0, unit="frames per second", example="10")
_SIZE = Integer(low=16, high=3840, example="320")
_PATH = FilePath("video file", "'room.mp4'")
_CALM = np.array([60.0, 110.0, 210.0])
_AROUSED = np.array([225.0, 55.0, 45.0])
_NO_SIGNAL = np.array([110.0, 110.0, 110.0])
_BACKGROUND = np.array([34, 34, 40], dtype=np.uint8)
_CODECS = {
    ".mp4": ("libx264", "yuv420p"),
    ".mkv": ("libx264", "yuv420p"),
    ".webm": ("libvpx-vp9", "yuv420p"),
}


def _levels(session: xr.DataTree, channel: str | None, times: np.ndarray) -> np.ndarray:
    """Each person's signal at ``times`` (session seconds), scaled to 0-1 over their own
    2nd-98th percentiles; NaN where there is no signal."""
    group = group_from(session, channel)
    sample_times = group.offset + np.arange(group.series.shape[1]) / group.rate
    levels = np.full((len(group.persons), len(times)), np.nan)
    for row, series in enumerate(group.series):
        low, high = np.nanpercentile(series, [2, 98])
        scaled = np.clip((series - low) / (high - low or 1.0), 0.0, 1.0)
        inside = (times >= sample_times[0]) & (times <= sample_times[-1])
        levels[row, inside] = np.interp(times[inside], sample_times, scaled)
    return levels


def _faces(n: int, width: int, height: int) -> list[dict[str, np.ndarray]]:
    """Pixel masks of each person's face, eyes, mouth and bar, side by side."""
    rows, columns = np.mgrid[0:height, 0:width]
    radius = min(width / (2.6 * n), height * 0.3)
    parts = []
    for index in range(n):
        x, y = width * (index + 0.5) / n, height * 0.42
        eyes = np.zeros((height, width), dtype=bool)
        for side in (-1, 1):
            eyes |= (columns - x - side * radius * 0.38) ** 2 + (rows - y + radius * 0.25) ** 2 <= (
                radius * 0.12
            ) ** 2
        mouth = (np.abs(rows - y - radius * 0.42) <= max(1.0, radius * 0.06)) & (
            np.abs(columns - x) <= radius * 0.4
        )
        bar_top, bar_bottom = height * 0.8, height * 0.92
        parts.append(
            {
                "face": (columns - x) ** 2 + (rows - y) ** 2 <= radius**2,
                "features": eyes | mouth,
                "bar": (rows >= bar_top) & (rows < bar_bottom) & (np.abs(columns - x) <= radius),
                "bar_columns": columns,
                "left": np.array(x - radius),
                "span": np.array(2 * radius),
            }
        )
    return parts


def _frame(
    parts: list[dict[str, np.ndarray]], levels: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    image = np.empty((*shape, 3), dtype=np.uint8)
    image[:] = _BACKGROUND
    for part, level in zip(parts, levels, strict=True):
        if math.isnan(level):
            colour, filled = _NO_SIGNAL, 0.0
        else:
            colour, filled = _CALM + level * (_AROUSED - _CALM), level
        image[part["face"]] = colour.astype(np.uint8)
        image[part["face"] & part["features"]] = 20
        image[part["bar"]] = 70
        lit = part["bar"] & (part["bar_columns"] <= part["left"] + filled * part["span"])
        image[lit] = colour.astype(np.uint8)
    return image


def simulate_video(
    session: xr.DataTree,
    path: str | Path,
    *,
    channel: str | None = None,
    frame_rate: float = 10.0,
    width: int = 320,
    height: int = 180,
    offset: float = 0.0,
) -> Path:
    """Write a made-up video of ``session``: one face per person coloured by their signal.

    Each person of the session is a face, side by side in the order of
    :func:`concordlab.persons`, and a bar under it. Both take a colour from calm blue to
    aroused red, and the bar fills from left to right, as the person's signal moves over
    their own range (2nd to 98th percentile of the channel), so that moments of
    concordance look alike on the faces. Where there is no signal (before the session
    starts, after it ends) the faces are grey. It is a teaching prop: the faces express
    nothing and any rating of them is simulated.

    The video covers the session on the video's own time axis with the offset
    convention of :func:`concordlab.attach_video`: ``video_time = session_time +
    offset`` (a camera started ``offset`` seconds before the signals). Attach it with
    ``concordlab.attach_video(session, path, offset=offset)``.

    Parameters
    ----------
    session : xarray.DataTree
        The session (two or more persons).
    path : str or Path
        The file to write: ``.mp4`` or ``.mkv`` (H.264) or ``.webm`` (VP9), as browsers
        play them.
    channel : str, optional
        The channel drawn; default ``"eda"`` or the only one.
    frame_rate : float, default 10.0
        Frames per second.
    width, height : int, default 320, 180
        Size in pixels (even numbers).
    offset : float, default 0.0
        Seconds of video before the session's time 0 (negative: the video starts after
        it).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ConcordlabError
        If PyAV (the ``video`` extra) is missing, or for a bad argument.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import concordlab
    >>> session = concordlab.simulate_dyad(20, channels=("eda",), seed=1)
    >>> path = concordlab.simulate_video(session, Path(tempfile.mkdtemp()) / "room.mp4")
    >>> session = concordlab.attach_video(session, path)
    >>> concordlab.videos(session)[["frame_rate", "width", "height"]].iloc[0].tolist()
    [10.0, 320.0, 180.0]
    """
    av = optional_module("av", "video", "Writing a video")
    frame_rate = _FRAME_RATE.check(frame_rate, "frame_rate")
    width, height = _SIZE.check(width, "width"), _SIZE.check(height, "height")
    offset = check_offset(offset)
    if width % 2 or height % 2:
        raise ValidationError(f"width and height must be even numbers, not {width}x{height}.")
    path = _PATH.check(path, "path")
    if path.suffix.lower() not in _CODECS:
        raise ValidationError(
            f"path must name an .mp4, .mkv or .webm file to write; got '{path.name}'."
        )
    _, end = time_span(session)
    n_frames = max(1, math.ceil((end + offset) * frame_rate))
    session_times = np.arange(n_frames) / frame_rate - offset
    levels = _levels(session, channel, session_times)
    parts = _faces(levels.shape[0], width, height)
    codec, pixels = _CODECS[path.suffix.lower()]
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=Fraction(frame_rate).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = width, height, pixels
        for index in range(n_frames):
            image = _frame(parts, levels[:, index], (height, width))
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode())
    return path
