"""The sessions, segments and videos a review is cut from.

One row per chosen segment: its session, its row in the session's segment table, its
kind, its times and the video (file, offset, duration) it is cut from.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd
import xarray as xr

from concordlab._checks import FilePath, Text
from concordlab.errors import ValidationError

MOMENTS = "moments"
"""``segments=`` value choosing the high and low concordance moments (add_moments)."""
ALL_SEGMENTS = "all"
"""``segments=`` value choosing every segment."""
_LABEL = Text(non_empty=True, example="'therapist talks'")
_SESSION_FILE = FilePath("saved session (.nc or .zarr)", "'session.nc'")


def iter_sessions(source: Any) -> Iterator[xr.DataTree]:
    """The sessions of ``source``: a session, a saved session's path, a sequence of them,
    or a cohort (:func:`concordlab.open_cohort`, :func:`concordlab.simulate_cohort`).

    Examples
    --------
    >>> import concordlab
    >>> cohort = concordlab.simulate_cohort(2, duration=30, seed=1)
    >>> [s.attrs["session_id"] for s in iter_sessions(cohort)]
    ['dyad-01', 'dyad-02']
    """
    if isinstance(source, xr.DataTree):
        yield source
    elif isinstance(source, str | os.PathLike):
        from concordlab.io import load

        path = _SESSION_FILE.check(source, "source")
        if path.suffix.lower() not in (".nc", ".zarr"):
            raise ValidationError(
                f"source '{path}' is not a saved session; give a .nc or .zarr file written "
                "by concordlab.save, a session, a list of them or a cohort."
            )
        yield load(path)
    elif hasattr(source, "items") and callable(source.items) and hasattr(source, "__len__"):
        for _, session in source.items():  # LazyCohort and Cohort: read one at a time
            yield session
    elif isinstance(source, Sequence) and not isinstance(source, bytes) and len(source):
        for item in source:
            if isinstance(item, Sequence) and not isinstance(item, str):
                raise ValidationError("source: a list of sessions cannot hold lists.")
            yield from iter_sessions(item)
    else:
        raise ValidationError(
            "source must be a session (xarray.DataTree) with a video attached, the path of "
            "a saved session (.nc or .zarr), a non-empty list of them, or a cohort "
            f"(concordlab.open_cohort); got {type(source).__name__}."
        )


def check_labels(segments: Any) -> str | tuple[str, ...]:
    """``segments=`` as ``"moments"``, ``"all"`` or a tuple of labels.

    Examples
    --------
    >>> check_labels("moments"), check_labels(["talk", "laugh"])
    ('moments', ('talk', 'laugh'))
    """
    if isinstance(segments, str):
        return (
            segments
            if segments in (MOMENTS, ALL_SEGMENTS)
            else (_LABEL.check(segments, "segments"),)
        )
    if isinstance(segments, Sequence) and segments and not isinstance(segments, bytes):
        labels = tuple(_LABEL.check(label, "segments") for label in segments)
        if len(set(labels)) == len(labels):
            return labels
    raise ValidationError(
        f"segments must be 'moments', 'all', a segment label or a list of distinct labels; "
        f"e.g. segments='moments'. Got {segments!r}."
    )


def chosen_rows(session: xr.DataTree, wanted: str | tuple[str, ...]) -> pd.DataFrame:
    """The session's segments chosen by ``wanted``, with their ``segment`` row and ``kind``.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.add_segment(concordlab.simulate_dyad(60, seed=1), 10, 20, "laugh")
    >>> chosen_rows(s, ("laugh",))[["kind", "start", "end"]].values.tolist()
    [['laugh', 10.0, 20.0]]
    """
    from concordlab.segments import segments

    table = segments(session).rename_axis("segment").reset_index()
    if wanted == MOMENTS:
        from concordlab.compute.moments import KINDS  # imported here: compute loads scipy

        labels = {f"{kind} concordance": kind for kind in KINDS}  # add_moments' labels
        table = table[table["label"].isin(list(labels))]
        kinds = table["label"].map(labels)
    else:
        if wanted != ALL_SEGMENTS:
            table = table[table["label"].isin(list(wanted))]
        kinds = table["label"]
    return table.assign(kind=kinds.astype(object))


def pick_video(session: xr.DataTree, video: str | None) -> str:
    """The name of the video to cut: ``video``, else the only one, else the room's.

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.video import _demo_video
    >>> s = concordlab.attach_video(concordlab.simulate_dyad(60, seed=1), _demo_video())
    >>> pick_video(s, None)
    'room'
    """
    from concordlab.video import videos

    table = videos(session)
    sid = session.attrs.get("session_id")
    if table.empty:
        raise ValidationError(
            f"Session {sid!r} has no video; attach one first: session = "
            "concordlab.attach_video(session, 'video.mp4', offset=...)."
        )
    names = table.index.tolist()
    if video is not None:
        if video not in names:
            raise ValidationError(
                f"video={video!r}: session {sid!r} has no such video; its videos: {names}."
            )
        return video
    if len(names) == 1:
        return names[0]
    room = [name for name in names if table.loc[name, "person"] is None]
    if len(room) == 1:
        return room[0]
    raise ValidationError(
        f"Session {sid!r} has {len(names)} videos {names} and not one of the room; say "
        "which to cut with video=..."
    )


def clip_rows(session: xr.DataTree, rows: pd.DataFrame, video: str, pad: float) -> pd.DataFrame:
    """The key's columns of each chosen segment (padding clipped to the video's extent).

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.video import _demo_video
    >>> s = concordlab.attach_video(concordlab.simulate_dyad(60, seed=1), _demo_video(), 1.0)
    >>> s = concordlab.add_segment(s, 0.5, 1.0, "laugh")
    >>> row = clip_rows(s, chosen_rows(s, ("laugh",)), "room", 2.0).iloc[0]
    >>> [float(row[c]) for c in ("clip_start", "clip_end", "video_start", "video_end")]
    [-1.0, 2.0, 0.0, 3.0]
    """
    from concordlab.video import video_path, videos

    info = videos(session).loc[video]
    path = video_path(session, video)  # the file must be there (else: how to relink it)
    offset, duration = float(info["offset"]), float(info["duration"])
    video_start = (rows["start"] - pad + offset).clip(lower=0.0)
    video_end = (rows["end"] + pad + offset).clip(upper=duration)
    outside = video_end <= video_start
    if outside.any():
        first = rows[outside].iloc[0]
        raise ValidationError(
            f"Session {session.attrs.get('session_id')!r}: segment {int(first['segment'])} "
            f"({first['start']:g}-{first['end']:g} s) is not in its video {video!r} "
            f"(video time 0-{duration:g} s with offset {offset:g}: session_time = "
            "video_time - offset); check the offset (concordlab.set_video_offset)."
        )
    return pd.DataFrame(
        {
            "session": str(session.attrs.get("session_id", "")),
            "segment": rows["segment"].astype(int),
            "kind": rows["kind"],
            "label": rows["label"],
            "person": rows["person"],
            "start": rows["start"].astype(float),
            "end": rows["end"].astype(float),
            "clip_start": video_start - offset,
            "clip_end": video_end - offset,
            "video": video,
            "video_start": video_start,
            "video_end": video_end,
            "path": str(path),
        }
    )
