"""Video in the session: the files that show the recorded people, aligned to the signals.

A session holds its videos in the reserved node ``/videos``, a table along a ``video``
dimension (named by the ``video`` coordinate: the person it shows, or ``"room"``):

- ``path``: the file. In memory an absolute path; in a saved file relative to the folder of
  the session file (:func:`concordlab.save` writes it relative, :func:`concordlab.load`
  resolves it against the file's folder), so a folder holding both can be moved.
- ``offset`` (s): the video's time at session time 0. **Convention, everywhere:**
  ``session_time = video_time - offset`` (``video_time = session_time + offset``); a video
  that started 12.5 s before the signals has ``offset=12.5``.
- ``person``: the person it shows, ``""`` for the room (``None`` in :func:`videos`).
- ``duration`` (s), ``frame_rate`` (frames per second), ``n_frames`` (-1 when the file does
  not say), ``width``, ``height`` (pixels), ``codec``, ``has_audio``: read from the file with
  PyAV (the ``video`` extra) when the video is attached.

PyAV is imported only when a file is read (:func:`attach_video`, :func:`relink_video`);
listing, offsets and paths work without it (and in Pyodide).
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from concordlab._checks import MAX_SECONDS, Real, check_storable_text, check_table_columns
from concordlab._docs import fill_doc
from concordlab._extras import optional_module
from concordlab.errors import FileFormatError, ValidationError

__all__ = [
    "attach_video",
    "detach_video",
    "relink_video",
    "set_video_offset",
    "video_path",
    "videos",
]

NODE = "videos"
"""The reserved node of a session that holds its videos."""
ROOM = "room"
"""The name of a video that shows the room (no one person)."""
VIDEO_COLUMNS = (
    "path",
    "offset",
    "person",
    "duration",
    "frame_rate",
    "n_frames",
    "width",
    "height",
    "codec",
    "has_audio",
)
"""The variables of the ``videos`` node, all along the ``video`` dimension."""
_TYPES = {
    "path": object,
    "offset": np.float64,
    "person": object,
    "duration": np.float64,
    "frame_rate": np.float64,
    "n_frames": np.int64,
    "width": np.int64,
    "height": np.int64,
    "codec": object,
    "has_audio": np.bool_,
}
_UNITS = {"offset": "s", "duration": "s", "frame_rate": "Hz"}
_CONVENTION = "session_time = video_time - offset"


def videos_dataset(names: Any, **columns: Any) -> xr.Dataset:
    """The canonical ``videos`` node content (fixed dtypes, units, the offset convention).

    Examples
    --------
    >>> ds = videos_dataset(["room"], path=["/data/s1.mp4"], offset=[2.0], person=[""],
    ...     duration=[3.0], frame_rate=[10.0], n_frames=[30], width=[64], height=[48],
    ...     codec=["h264"], has_audio=[False])
    >>> ds["offset"].attrs["convention"], ds.sizes["video"]
    ('session_time = video_time - offset', 1)
    """
    variables = {}
    for column in VIDEO_COLUMNS:
        kind = _TYPES[column]
        values = columns[column]
        if kind is object:
            array = np.array([str(v) for v in values], dtype=object)
        else:
            array = np.asarray(values, dtype=kind)
        attrs = {"units": _UNITS[column]} if column in _UNITS else {}
        if column == "offset":
            attrs["convention"] = _CONVENTION
        variables[column] = ("video", array, attrs)
    coords = {"video": ("video", np.array([str(n) for n in names], dtype=object))}
    return xr.Dataset(variables, coords=coords)


def _check_session(session: Any) -> xr.DataTree:
    from concordlab.session import _check_tree

    return _check_tree(session)


def _table(session: xr.DataTree) -> xr.Dataset | None:
    if NODE not in session.children:
        return None
    return session[NODE].to_dataset(inherit=False)


def _with_table(session: xr.DataTree, table: xr.Dataset | None) -> xr.DataTree:
    """A new session whose ``videos`` node is ``table`` (removed when it has no rows)."""
    new = session.copy()
    if NODE in new.children:
        del new[NODE]
    if table is not None and table.sizes.get("video", 0):
        new[NODE] = xr.DataTree(table)
    return new


_OFFSET = Real(
    low=-MAX_SECONDS,
    high=MAX_SECONDS,
    unit="seconds",
    example="12.5",
    note=f"the video's time at session time 0: {_CONVENTION}",
)


def check_offset(offset: Any) -> float:
    """A video's offset in seconds (``video_time = session_time + offset``), checked.

    Examples
    --------
    >>> check_offset(2)
    2.0
    """
    return _OFFSET.check(offset, "offset")


def _pick(session: xr.DataTree, video: str | None) -> tuple[xr.Dataset, str]:
    """The videos table and the name of the one video ``video`` (the only one when None)."""
    table = _table(session)
    names = [] if table is None else [str(n) for n in table["video"].values]
    if not names:
        raise ValidationError(
            "The session has no video; attach one with concordlab.attach_video(session, path)."
        )
    if video is None:
        if len(names) > 1:
            raise ValidationError(
                f"The session has {len(names)} videos {names}; say which with video=..."
            )
        return table, names[0]  # type: ignore[return-value]
    if not isinstance(video, str) or video not in names:
        raise ValidationError(f"video {video!r} is not in the session; its videos are {names}.")
    return table, video  # type: ignore[return-value]


def _probe(path: Path) -> dict[str, Any]:
    """Duration, frame rate, frame count, size, codec and audio of the video file ``path``."""
    av = optional_module("av", "video", "Reading video files")
    try:
        container = av.open(str(path))
    except Exception as error:
        raise FileFormatError(
            f"'{path}' could not be opened as a video ({type(error).__name__}: {error}); "
            "give an mp4, webm or mkv file."
        ) from None
    with container:
        streams = list(container.streams.video)
        if not streams:
            raise FileFormatError(f"'{path}' has no video stream; give an mp4, webm or mkv file.")
        stream = streams[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000  # av.time_base: microseconds
        else:
            duration = math.nan
        frame_rate = float(rate) if rate else math.nan
        if not (math.isfinite(duration) and duration > 0 and math.isfinite(frame_rate)):
            raise FileFormatError(
                f"'{path}' does not say its duration and frame rate; re-encode it as mp4 "
                "(e.g. ffmpeg -i in -c:v libx264 out.mp4)."
            )
        return {
            "duration": duration,
            "frame_rate": frame_rate,
            "n_frames": int(stream.frames) if stream.frames else -1,
            "width": int(stream.codec_context.width),
            "height": int(stream.codec_context.height),
            "codec": str(stream.codec_context.name),
            "has_audio": bool(container.streams.audio),
        }


def _file(path: Any) -> Path:
    if not isinstance(path, str | os.PathLike) or not str(path):
        raise ValidationError(f"path must be a path to a video file, got {path!r}.")
    file = Path(path).expanduser()
    if not file.is_file():
        raise FileFormatError(
            f"The video '{file}' does not exist (or is not a file); give the path of an "
            "mp4, webm or mkv file."
        )
    check_storable_text(str(file.resolve()), "The video's path", ValidationError)
    return file.resolve()


@fill_doc
def attach_video(  # noqa: D417 (fill_doc writes the shared entries)
    session: xr.DataTree,
    path: str | os.PathLike,
    offset: float = 0.0,
    person: str | None = None,
    *,
    name: str | None = None,
) -> xr.DataTree:
    """A new session with the video file ``path`` attached (the room's, or one person's).

    The file's duration, frame rate, frame count, size, codec and whether it has audio are
    read with PyAV (``pip install "concordlab[video]"``). The path is kept absolute in
    memory and saved relative to the session file's folder (see :mod:`concordlab.video`).

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    path : str or os.PathLike
        An mp4, webm or mkv file.
    %(offset)s
    person : str, optional
        The person the video shows (a person label of the session); None for the room.
    name : str, optional
        The video's name in the session; by default ``person``, or ``"room"``.

    Returns
    -------
    xarray.DataTree
        A new session; the input is unchanged.

    Raises
    ------
    FileFormatError
        When the file is missing or not a readable video.
    ValidationError
        For a non-finite offset, an unknown person, or a name already used.
    ConcordlabError
        When PyAV (the ``video`` extra) is not installed.

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.video import _demo_video
    >>> file = _demo_video()  # a 3 s video, 64x48 pixels, 10 frames per second
    >>> s = concordlab.attach_video(concordlab.simulate_dyad(60, seed=1), file, offset=2.5)
    >>> row = concordlab.videos(s).loc["room"]
    >>> print(row["offset"], row["frame_rate"], row["n_frames"], row["width"], row["person"])
    2.5 10.0 30 64 None
    """
    session = _check_session(session)
    file = _file(path)
    offset = check_offset(offset)
    if person is not None:
        from concordlab.session import persons

        labels = persons(session)
        if not isinstance(person, str) or person not in labels:
            raise ValidationError(
                f"person {person!r} is not a person of the session; use one of "
                f"{list(labels)}, or None for a video of the room."
            )
    name = (person or ROOM) if name is None else name
    if not isinstance(name, str) or not name:
        raise ValidationError(f"name must be a non-empty string, got {name!r}.")
    check_storable_text(name, "The video's name", ValidationError)
    table = _table(session)
    names = [] if table is None else [str(n) for n in table["video"].values]
    if name in names:
        raise ValidationError(
            f"The session already has a video named {name!r}; detach it first "
            f"(concordlab.detach_video(session, video={name!r})), relink it "
            "(concordlab.relink_video), or give another name=..."
        )
    row = videos_dataset(
        [name], path=[str(file)], offset=[offset], person=[person or ""],
        **{k: [v] for k, v in _probe(file).items()},
    )  # fmt: skip
    return _with_table(session, row if table is None else xr.concat([table, row], "video"))


def videos(session: xr.DataTree) -> pd.DataFrame:
    """The session's videos, one row per video (indexed by its name).

    Columns: ``path`` (absolute), ``offset`` (s; ``session_time = video_time - offset``),
    ``person`` (None for the room), ``duration`` (s), ``frame_rate``, ``n_frames`` (<NA>
    when unknown), ``width``, ``height``, ``codec``, ``has_audio``.

    Parameters
    ----------
    session : xarray.DataTree
        The session.

    Returns
    -------
    pandas.DataFrame
        Empty (with the columns) when the session has no video.

    Examples
    --------
    >>> import concordlab
    >>> concordlab.videos(concordlab.simulate_dyad(60, seed=1)).columns.tolist()[:3]
    ['path', 'offset', 'person']
    """
    session = _check_session(session)
    table = _table(session)
    if table is None:
        table = videos_dataset([], **{c: [] for c in VIDEO_COLUMNS})
    frame = pd.DataFrame(
        {c: table[c].values for c in VIDEO_COLUMNS},
        index=pd.Index([str(n) for n in table["video"].values], name="video", dtype=object),
    )
    frame["person"] = pd.Series(
        [p or None for p in frame["person"]], index=frame.index, dtype=object
    )
    frame["n_frames"] = pd.array([n if n >= 0 else pd.NA for n in frame["n_frames"]], dtype="Int64")
    return frame


@fill_doc
def set_video_offset(  # noqa: D417 (fill_doc writes the shared entries)
    session: xr.DataTree, offset: float, video: str | None = None
) -> xr.DataTree:
    """A new session with the offset of one video changed.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    %(offset)s
    %(video)s

    Returns
    -------
    xarray.DataTree
        A new session.

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.video import _demo_video
    >>> file = _demo_video()  # a 3 s video, 64x48 pixels, 10 frames per second
    >>> s = concordlab.attach_video(concordlab.simulate_dyad(60, seed=1), file)
    >>> concordlab.videos(concordlab.set_video_offset(s, -1.5))["offset"].tolist()
    [-1.5]
    """
    session = _check_session(session)
    offset = check_offset(offset)
    table, name = _pick(session, video)
    table = table.copy(deep=True)
    table["offset"].loc[{"video": name}] = offset
    return _with_table(session, table)


@fill_doc
def detach_video(  # noqa: D417 (fill_doc writes the shared entries)
    session: xr.DataTree, video: str | None = None
) -> xr.DataTree:
    """A new session without one of its videos (the file itself is untouched).

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    %(video)s

    Returns
    -------
    xarray.DataTree
        A new session.

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.video import _demo_video
    >>> file = _demo_video()  # a 3 s video, 64x48 pixels, 10 frames per second
    >>> s = concordlab.attach_video(concordlab.simulate_dyad(60, seed=1), file)
    >>> len(concordlab.videos(concordlab.detach_video(s, video="room")))
    0
    """
    session = _check_session(session)
    table, name = _pick(session, video)
    return _with_table(session, table.drop_sel(video=[name]))


@fill_doc
def relink_video(  # noqa: D417 (fill_doc writes the shared entries)
    session: xr.DataTree, path: str | os.PathLike, video: str | None = None
) -> xr.DataTree:
    """A new session whose video ``video`` points to the file ``path`` (moved or renamed).

    The offset and the person are kept; the file's properties are read again (PyAV).

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    path : str or os.PathLike
        The video file where it is now.
    %(video)s

    Returns
    -------
    xarray.DataTree
        A new session.

    Examples
    --------
    >>> import concordlab, tempfile, pathlib
    >>> from concordlab.video import _demo_video
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> s = concordlab.attach_video(concordlab.simulate_dyad(60, seed=1),
    ...     _demo_video(folder / "a.mp4"), offset=1.0)
    >>> s = concordlab.relink_video(s, _demo_video(folder / "b.mp4"))
    >>> concordlab.video_path(s).name, float(concordlab.videos(s)["offset"].iloc[0])
    ('b.mp4', 1.0)
    """
    session = _check_session(session)
    table, name = _pick(session, video)
    file = _file(path)
    row = table.sel(video=[name])
    columns = {c: row[c].values for c in VIDEO_COLUMNS}
    columns.update(path=[str(file)], **{k: [v] for k, v in _probe(file).items()})
    new = videos_dataset([name], **columns)
    order = table["video"].values
    joined = xr.concat([table.drop_sel(video=[name]), new], "video")
    return _with_table(session, joined.sel(video=order))  # in the order they were


@fill_doc
def video_path(  # noqa: D417 (fill_doc writes the shared entries)
    session: xr.DataTree, video: str | None = None
) -> Path:
    """The file of one of the session's videos, checked to exist.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    %(video)s

    Returns
    -------
    pathlib.Path
        The absolute path of the file.

    Raises
    ------
    FileFormatError
        When the file is not where it is expected, saying where and how to re-attach it
        (the signals are unaffected: :func:`concordlab.load` never needs the video).

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.video import _demo_video
    >>> file = _demo_video()  # a 3 s video, 64x48 pixels, 10 frames per second
    >>> s = concordlab.attach_video(concordlab.simulate_dyad(60, seed=1), file)
    >>> concordlab.video_path(s) == file.resolve()
    True
    >>> file.unlink()
    >>> try:
    ...     concordlab.video_path(s)
    ... except concordlab.FileFormatError as error:
    ...     print(str(error)[:60])
    The session's video 'room' is not where it is expected: ...
    """
    session = _check_session(session)
    table, name = _pick(session, video)
    file = Path(str(table["path"].sel(video=name).item()))
    if file.is_file():
        return file
    offset = float(table["offset"].sel(video=name).item())
    raise FileFormatError(
        f"The session's video {name!r} is not where it is expected: '{file}' does not exist "
        "(moved or deleted?). Keep the video beside the session file as when it was saved, "
        f"or point the session to it: session = concordlab.relink_video(session, new_path, "
        f"video={name!r}) (or concordlab.attach_video(concordlab.detach_video(session, "
        f"video={name!r}), new_path, offset={offset!r}, ...)); then save the session."
    )


# ---------------------------------------------------------------- saving and loading


def paths_relative(session: xr.DataTree, folder: Path) -> xr.DataTree:
    """The session with its videos' paths relative to ``folder`` (for :func:`concordlab.save`).

    A path that cannot be made relative (another drive) stays absolute.

    Examples
    --------
    >>> import concordlab, pathlib
    >>> s = concordlab.simulate_dyad(60, seed=1)
    >>> paths_relative(s, pathlib.Path("/tmp")) is s
    True
    """
    return _map_paths(session, lambda p: _relative(p, folder))


def paths_absolute(session: xr.DataTree, folder: Path) -> xr.DataTree:
    """The session with its videos' relative paths resolved against ``folder`` (load).

    Examples
    --------
    >>> import concordlab, pathlib
    >>> s = concordlab.simulate_dyad(60, seed=1)
    >>> paths_absolute(s, pathlib.Path("/tmp")) is s
    True
    """
    return _map_paths(
        session, lambda p: p if os.path.isabs(p) else os.path.normpath(os.path.join(folder, p))
    )


def _relative(path: str, folder: Path) -> str:
    try:
        return Path(os.path.relpath(path, folder)).as_posix()
    except ValueError:  # another drive (Windows)
        return path


def _map_paths(session: xr.DataTree, change: Any) -> xr.DataTree:
    table = _table(session)
    if table is None:
        return session
    folder_paths = [change(str(p)) for p in table["path"].values]
    table = table.assign(path=("video", np.array(folder_paths, dtype=object)))
    return _with_table(session, table)


def canonical_videos(dataset: xr.Dataset, where: str) -> xr.Dataset:
    """The ``videos`` node read from a file, with the dtypes :func:`videos_dataset` gives.

    Examples
    --------
    >>> ds = videos_dataset(["room"], path=["a.mp4"], offset=[0], person=[""], duration=[3],
    ...     frame_rate=[10], n_frames=[30], width=[64], height=[48], codec=["h264"],
    ...     has_audio=[0])
    >>> canonical_videos(ds, "x.nc").identical(ds)
    True
    """
    missing = [c for c in VIDEO_COLUMNS if c not in dataset.variables]
    if missing or "video" not in dataset.coords:
        raise FileFormatError(
            f"'{where}': the 'videos' node lacks the column(s) {missing or ['video']}; "
            "detach and re-attach the videos (concordlab.attach_video)."
        )
    canonical = videos_dataset(
        dataset["video"].values, **{c: dataset[c].values for c in VIDEO_COLUMNS}
    )
    return canonical.assign_attrs(dataset.attrs)


def check_videos_node(dataset: xr.Dataset, labels: tuple[str, ...]) -> None:
    """Check a session's ``videos`` node: its columns, finite offsets, known persons.

    The files themselves are not looked at (a missing video never blocks the signals).

    Examples
    --------
    >>> ds = videos_dataset(["room"], path=["a.mp4"], offset=[0], person=["client"],
    ...     duration=[3], frame_rate=[10], n_frames=[30], width=[64], height=[48],
    ...     codec=["h264"], has_audio=[0])
    >>> try:
    ...     check_videos_node(ds, ("patient", "therapist"))
    ... except ValidationError as error:
    ...     print(error)
    Video 'room' shows 'client', who is not a person of the session ('patient', 'therapist'); detach it (concordlab.detach_video) and attach it again.
    """  # noqa: E501
    fix = "detach and attach them again (concordlab.attach_video)"
    check_table_columns(dataset, (*VIDEO_COLUMNS, "video"), "video", "videos", fix)
    names = [str(n) for n in dataset["video"].values]
    if len(set(names)) != len(names):
        raise ValidationError(f"The session's videos have repeated names: {names}.")
    offsets = np.asarray(dataset["offset"].values, dtype=np.float64)
    for name, offset, person in zip(names, offsets, dataset["person"].values, strict=True):
        if not math.isfinite(offset):
            raise ValidationError(
                f"Video {name!r} has offset {offset!r}; set a finite one with "
                "concordlab.set_video_offset."
            )
        if person and person not in labels:
            raise ValidationError(
                f"Video {name!r} shows {person!r}, who is not a person of the session "
                f"{labels}; detach it (concordlab.detach_video) and attach it again."
            )


def _demo_video(path: Path | None = None, seconds: float = 3.0, frame_rate: int = 10) -> Path:
    """Write a small test video (64x48, grey level = 8 x frame number) for the examples.

    Written to ``path``, by default ``room.mp4`` in a new temporary folder.
    """
    av = optional_module("av", "video", "Writing video files")
    path = Path(tempfile.mkdtemp()) / "room.mp4" if path is None else Path(path)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=frame_rate)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(round(seconds * frame_rate)):
            image = np.full((48, 64, 3), index * 8 % 256, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path
