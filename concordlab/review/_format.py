"""The files of a review: the observers' rating sheet and the key kept apart from it.

One home for their names and columns, written by :func:`concordlab.export_review` and
read by :func:`concordlab.read_ratings`.

- **Rating sheet** (``rating_sheet.csv`` in the review folder given to observers): one
  row per clip in presentation order, columns ``clip`` (the clip's random code, also its
  file name ``<code>.mp4``), ``observer`` (left blank for the observer's name or
  initials) and one blank column per rating, headed with its scale, e.g.
  ``positive (0-4)`` and ``valence (1-7)``. It reveals nothing of the condition: no
  session, time or kind.
- **Key** (a CSV kept apart from the review folder): one row per clip, the columns of
  :data:`KEY_COLUMNS`. Times are in seconds: ``start``/``end`` the segment on the
  session's time axis, ``clip_start``/``clip_end`` the clip (the segment widened by the
  padding, clipped to the video) on the session's axis, ``video_start``/``video_end`` the
  same on the video's own axis (``video_time = session_time + offset``).
"""

from __future__ import annotations

import re

__all__ = [
    "CLIP",
    "DEFAULT_EMOTIONS",
    "DEFAULT_EMOTION_SCALE",
    "DEFAULT_VALENCE_SCALE",
    "KEY_COLUMNS",
    "OBSERVER",
    "SHEET_NAME",
    "VALENCE",
    "parse_rating_column",
    "rating_column",
]

SHEET_NAME = "rating_sheet.csv"
"""File name of the observers' rating sheet in the review folder."""

CLIP = "clip"
"""Column of the clip's random code, in the sheet and in the key."""

OBSERVER = "observer"
"""Sheet column the observer fills with their name or initials."""

VALENCE = "valence"
"""Name of the valence rating."""

DEFAULT_EMOTIONS = ("positive", "negative", "neutral")
"""Emotion categories rated by default, each on :data:`DEFAULT_EMOTION_SCALE`."""

DEFAULT_EMOTION_SCALE = (0, 4)
"""How strongly an emotion is expressed: 0 not at all ... 4 very strongly."""

DEFAULT_VALENCE_SCALE = (1, 7)
"""Valence of the clip: 1 very negative ... 4 neutral ... 7 very positive."""

KEY_COLUMNS = (
    CLIP,
    "order",
    "session",
    "segment",
    "kind",
    "label",
    "person",
    "start",
    "end",
    "clip_start",
    "clip_end",
    "video",
    "video_start",
    "video_end",
)
"""Columns of the key: ``order`` is the clip's 1-based position on the sheet, ``segment``
its row in the session's segment table (:func:`concordlab.segments`), ``kind`` ``"high"``,
``"low"`` or the segment's label for other segments, ``video`` the video's name in the
session (:func:`concordlab.videos`)."""

_RATING = re.compile(r"^\s*(?P<name>.+?)\s*\(\s*(?P<low>-?\d+)\s*-\s*(?P<high>-?\d+)\s*\)\s*$")


def rating_column(name: str, low: int, high: int) -> str:
    """The sheet's header of a rating: its name and its scale.

    Examples
    --------
    >>> rating_column("valence", 1, 7)
    'valence (1-7)'
    """
    return f"{name} ({low}-{high})"


def parse_rating_column(column: str) -> tuple[str, int, int] | None:
    """The name and scale of a sheet header written by :func:`rating_column`, else None.

    Examples
    --------
    >>> parse_rating_column("valence (1-7)")
    ('valence', 1, 7)
    >>> parse_rating_column("observer") is None
    True
    """
    match = _RATING.match(str(column))
    if match is None:
        return None
    return match["name"], int(match["low"]), int(match["high"])
