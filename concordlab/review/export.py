"""Blinded clips for observers: one clip per chosen moment, random codes, a sheet and a key.

Marci et al. (2007) edited the session videotapes to the moments of highest and lowest
physiological concordance; independent observers, blind to the study's goals, rated the
emotions expressed in randomly presented clips. :func:`export_review` writes such a
review: the clips named by random codes in a seeded random order, the observers' rating
sheet and instructions in one folder, and the key (code -> session, segment, kind,
times) in a file kept apart from it. The file formats are those of
:mod:`concordlab.review._format`.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from concordlab._checks import FLAG, SECONDS, Choice, FilePath, Integer, Text, check_seed
from concordlab._deprecate import REMOVED_IN
from concordlab._docs import fill_doc
from concordlab.errors import ValidationError
from concordlab.review._cut import CUTS
from concordlab.review._format import (
    CLIP,
    DEFAULT_EMOTION_SCALE,
    DEFAULT_EMOTIONS,
    DEFAULT_VALENCE_SCALE,
    KEY_COLUMNS,
    OBSERVER,
    SHEET_NAME,
    VALENCE,
    rating_column,
)
from concordlab.review._sources import (
    MOMENTS,
    check_labels,
    chosen_rows,
    clip_rows,
    iter_sessions,
    pick_video,
)

__all__ = ["ReviewExport", "export_review"]

INSTRUCTIONS_NAME = "instructions.txt"
"""File name of the observers' instructions in the review folder."""
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
"""Letters and digits of the clips' codes: none that reads as another (0/O, 1/I/L, 2/Z ...)."""
CODE_LENGTH = 6
_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}\.mp4$")
_FOLDER = FilePath("folder", "'review'")
_KEY = FilePath("CSV file", "'review-key.csv'")
_NAME = Text(non_empty=True, max_length=40, example="'positive'")
_SCALE_END = Integer(low=-100, high=100, example="1")
_VIDEO = Text(non_empty=True, example="'room'")
_CUT = Choice(CUTS)


@dataclass(frozen=True, eq=False)
class ReviewExport:
    """What :func:`export_review` wrote.

    Attributes
    ----------
    folder : pathlib.Path
        The review folder for the observers (clips, rating sheet, instructions).
    sheet : pathlib.Path
        The rating sheet, in the folder.
    key : pathlib.Path
        The key, outside the folder.
    clips : tuple of pathlib.Path
        The clips in the sheet's order.
    table : pandas.DataFrame
        The key: one row per clip in the sheet's order, the columns of
        ``concordlab.review._format.KEY_COLUMNS``.
    """

    folder: Path
    sheet: Path
    key: Path
    clips: tuple[Path, ...]
    table: pd.DataFrame = field(repr=False)

    def __repr__(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in self.table["kind"].value_counts().items())
        return (
            f"ReviewExport({len(self.clips)} clips ({kinds}) in '{self.folder}', "
            f"sheet '{self.sheet.name}', key '{self.key}')"
        )


def _scale(value: Any, name: str) -> tuple[int, int]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 2:
        raise ValidationError(
            f"{name} must be a pair (low, high) of whole numbers; e.g. (1, 7). Got {value!r}."
        )
    low, high = (_SCALE_END.check(end, name) for end in value)
    if low >= high:
        raise ValidationError(f"{name} must have low < high; e.g. (1, 7). Got {value!r}.")
    return low, high


def _emotions(emotions: Any) -> tuple[str, ...]:
    if isinstance(emotions, str):
        emotions = (emotions,)
    if not isinstance(emotions, Sequence) or isinstance(emotions, bytes):
        raise ValidationError(
            f"emotions must be a list of emotion names; e.g. emotions={list(DEFAULT_EMOTIONS)}. "
            f"Got {emotions!r}."
        )
    names = tuple(_NAME.check(name, "emotions").strip() for name in emotions)
    if not names:
        raise ValidationError(
            f"emotions must name at least one emotion; e.g. emotions={list(DEFAULT_EMOTIONS)}."
        )
    bad = [n for n in names if "(" in n or ")" in n or "," in n or n in (CLIP, OBSERVER, VALENCE)]
    if bad or len(set(names)) != len(names):
        raise ValidationError(
            f"emotions must be distinct names without brackets or commas, other than "
            f"{[CLIP, OBSERVER, VALENCE]}; got {list(emotions)!r}."
        )
    return names


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _check_targets(folder: Path, key: Path, overwrite: bool) -> list[Path]:
    """Check that ``folder`` and ``key`` may be written; the files of a previous review
    there (to remove, with ``overwrite``)."""
    if _inside(key, folder):
        raise ValidationError(
            f"key '{key}' is inside the observers' folder '{folder}'; keep it apart, e.g. "
            f"key='{folder.parent / (folder.name + '-key.csv')}'."
        )
    if folder.exists() and not folder.is_dir():
        raise ValidationError(f"out_dir '{folder}' is a file; give a folder.")
    if key.is_dir():
        raise ValidationError(f"key '{key}' is a folder; give a CSV file.")
    entries = sorted(folder.iterdir()) if folder.is_dir() else []
    if not overwrite:
        if entries:
            raise ValidationError(
                f"out_dir '{folder}' is not empty; give a new folder, or overwrite=True to "
                "replace a previous review there."
            )
        if key.exists():
            raise ValidationError(f"key '{key}' exists; give another, or overwrite=True.")
        return []
    ours = {SHEET_NAME, INSTRUCTIONS_NAME}
    others = [e.name for e in entries if not (e.name in ours or _CODE.match(e.name))]
    if others:
        raise ValidationError(
            f"out_dir '{folder}' holds files that are not a review's ({others[:5]}); "
            "overwrite=True only replaces a previous review: give another folder."
        )
    return entries


def _codes(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct random codes."""
    codes: list[str] = []
    while len(codes) < n:
        letters = rng.choice(list(CODE_ALPHABET), size=CODE_LENGTH)
        code = "".join(letters)
        if code not in codes:
            codes.append(code)
    return codes


def _gather(source: Any, wanted: Any, video: str | None, pad: float) -> pd.DataFrame:
    """The key's rows of every chosen segment of every session (session order)."""
    tables, seen = [], {}
    for number, session in enumerate(iter_sessions(source)):
        rows = chosen_rows(session, wanted)
        sid = str(session.attrs.get("session_id", ""))
        if sid in seen:
            raise ValidationError(
                f"Sources {seen[sid]} and {number} have the same session id {sid!r}; give "
                "each session its own (session.attrs['session_id'] = ...)."
            )
        seen[sid] = number
        if len(rows):
            tables.append(clip_rows(session, rows, pick_video(session, video), pad))
    if not tables:
        if wanted == MOMENTS:
            raise ValidationError(
                "No moment to export: no segment labelled 'high concordance' or 'low "
                "concordance'. Add them first: c = concordlab.concordance(session); session "
                "= concordlab.add_moments(session, c, kind='high', n=5); session = "
                "concordlab.add_moments(session, c, kind='low', n=5)."
            )
        raise ValidationError(
            f"No segment labelled {list(wanted) if isinstance(wanted, tuple) else wanted!r} "
            "in the sources; give segments= labels of concordlab.segments(session)."
        )
    return pd.concat(tables, ignore_index=True)


def _write_sheet(path: Path, codes: list[str], emotions: tuple[str, ...], scales: Any) -> None:
    emotion_scale, valence_scale = scales
    columns = [CLIP, OBSERVER]
    columns += [rating_column(name, *emotion_scale) for name in emotions]
    columns.append(rating_column(VALENCE, *valence_scale))
    sheet = pd.DataFrame({column: [""] * len(codes) for column in columns})
    sheet[CLIP] = codes
    sheet.to_csv(path, index=False)


def _instructions(emotions: tuple[str, ...], scales: Any, n: int) -> str:
    (low, high), (v_low, v_high) = scales
    middle = (v_low + v_high) / 2
    ratings = "\n".join(
        f"  - {name}: {low} (not at all) to {high} (very strongly)" for name in emotions
    )
    return (
        f"Rating the clips\n\nThis folder holds {n} short video clips, each named by a code, "
        f"and the rating sheet {SHEET_NAME}.\n\n"
        "1. Watch the clips in the order of the rows of the sheet (the column 'clip' names "
        "each clip's file, <code>.mp4). Watch each clip as often as you like.\n"
        "2. Write your name or initials in the column 'observer' of every row.\n"
        "3. For each clip, rate how strongly each of these emotions is expressed, with a "
        f"whole number:\n{ratings}\n"
        f"4. Rate the clip's overall emotional tone ('{VALENCE}'): {v_low} (very negative), "
        f"{middle:g} (neutral), {v_high} (very positive).\n\n"
        "Rate each clip on its own, leave no cell empty, and do not rename the clips or "
        "change the codes. Save the sheet as CSV and return it.\n"
    )


@fill_doc
def export_review(  # noqa: D417 (fill_doc writes the shared entries)
    source: Any,
    out_dir: str | os.PathLike,
    *,
    segments: str | Sequence[str] = "moments",
    pad: float = 2.0,
    seed: int | None = None,
    key: str | os.PathLike | None = None,
    audio: bool = True,
    emotions: Sequence[str] = DEFAULT_EMOTIONS,
    emotion_scale: tuple[int, int] = DEFAULT_EMOTION_SCALE,
    valence_scale: tuple[int, int] = DEFAULT_VALENCE_SCALE,
    video: str | None = None,
    cut: str = "smart",
    overwrite: bool = False,
    progress: bool = True,
    reencode: bool | None = None,
) -> ReviewExport:
    """Write blinded clips of chosen segments, a rating sheet for observers and a key.

    One clip per chosen segment, widened by ``pad`` seconds on each side (clipped to the
    video), is cut from the session's video and named ``<code>.mp4`` with a random code;
    the rating sheet (``rating_sheet.csv``) lists the codes in a seeded random order with
    blank rating columns, beside short instructions (``instructions.txt``). The key (code
    -> session, segment, kind, label, person, times) is written apart from that folder.
    Nothing the observers get reveals the session, the time or the kind: the clips carry
    no metadata of the source (title, comment, creation time, encoder) and their
    timestamps start at 0.

    **Frame accuracy and speed.** Each clip starts at the first frame at or after its
    start and ends at the last frame before its end (video time). ``cut`` chooses how:

    - ``"smart"`` (default): for h264 in mp4 (progressive 8-bit 4:2:0, Baseline, Main
      or High profile, 4-byte NAL lengths), the packets from the first IDR keyframe in
      the clip to the last one are copied byte for byte, the frames before the first
      (the head) are encoded again with libx264, and so are the frames from the last
      IDR keyframe to the clip's end unless its packets can be copied (a source
      without B-frames, or a clip that ends where a keyframe interval ends); a clip
      without a keyframe (shorter than a keyframe interval) is encoded whole.
      Timestamps from 0 and no edit list: exact in every player, about 0.3 s per
      one-minute 720p clip in the benchmark (about 4x ``ffmpeg -c copy``). Splices
      are made only at IDR keyframes after which no frame is shown earlier: a clip holding
      another keyframe (open GOPs), any other source (hevc, mpeg4, interlaced,
      10-bit or 4:2:2 h264, other profiles or NAL length sizes) or audio other than
      aac or mp3 takes the ``"copy"`` path below when it can, else ``"reencode"``.
    - ``"copy"``: h264, hevc and mpeg4 videos (with aac or mp3 audio) are cut by
      stream copy, without decoding: the packets from the keyframe before the start
      are copied and the mp4 edit list hides the frames outside the clip: exact in
      players that honour edit lists (FFmpeg-based ones: PyAV, mpv, ffplay, and
      Chromium, which reports a duration a frame or two longer); a player that
      ignores them shows up to one keyframe interval before the clip and a few
      frames after it. Other codecs are re-encoded.
    - ``"reencode"``: every clip decoded and encoded again (h264, or mpeg4 without
      libx264; aac): much slower (15-20 s per minute of 720p in the benchmark),
      exact in every player.

    Parameters
    ----------
    source : xarray.DataTree, path, sequence of them, or cohort
        A session with a video attached (:func:`concordlab.attach_video`), the path of a
        saved session (``.nc``/``.zarr``), a list of sessions or paths, or a cohort
        (:func:`concordlab.open_cohort`, :func:`concordlab.simulate_cohort`; sessions are
        read one at a time). Session ids must be unique.
    out_dir : str or os.PathLike
        The observers' folder; created, and must be empty unless ``overwrite``.
    segments : str or sequence of str, default "moments"
        ``"moments"``: the segments :func:`concordlab.add_moments` wrote (kind ``high`` or
        ``low``); a label or a list of labels of the sessions' segments (kind: the
        label); or ``"all"``.
    pad : float, default 2.0
        Seconds added before and after each segment.
    %(seed)s The same seed gives the same codes and order.
    key : str or os.PathLike, optional
        The key's CSV file; default ``<out_dir>-key.csv`` beside the folder. Never inside
        ``out_dir``.
    audio : bool, default True
        Keep the sound; False for clips without an audio stream (rating faces only).
    emotions : sequence of str, default ("positive", "negative", "neutral")
        The emotions rated, each on ``emotion_scale``.
    emotion_scale, valence_scale : (int, int), default (0, 4) and (1, 7)
        The lowest and highest rating.
    video : str, optional
        The video to cut when a session has several; default its only video, else the
        room's (person None).
    cut : {"smart", "copy", "reencode"}, default "smart"
        How clips are cut (see above).
    overwrite : bool, default False
        Replace a previous review in ``out_dir`` (and its key).
    progress : bool, default True
        A progress bar over the clips.
    reencode : bool, optional
        Deprecated (a ``FutureWarning``): ``reencode=True`` is ``cut="reencode"``,
        ``reencode=False`` is ``cut="copy"``.

    Returns
    -------
    ReviewExport
        The paths written, and the key as a DataFrame.

    Raises
    ------
    ValidationError
        No video attached, no matching segment (run :func:`concordlab.add_moments`),
        repeated session ids, ``out_dir`` not empty, ``key`` inside it, a bad parameter.
    FileFormatError
        The video file is missing (how to relink it) or unreadable.

    Examples
    --------
    >>> import concordlab, tempfile, pathlib
    >>> from concordlab.video import _demo_video
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> s = concordlab.simulate_dyad(60, seed=1)
    >>> s = concordlab.attach_video(s, _demo_video(folder / "room.mp4"), offset=-10.0)
    >>> s = concordlab.add_segment(s, 10.5, 11.5, "laugh")
    >>> s = concordlab.add_segment(s, 11.5, 12.5, "sigh")
    >>> review = concordlab.export_review(s, folder / "review", segments=["laugh", "sigh"],
    ...     pad=0.5, seed=1, progress=False)
    >>> review.table[["order", "kind", "clip_start", "clip_end"]]
       order   kind  clip_start  clip_end
    0      1  laugh        10.0      12.0
    1      2   sigh        11.0      13.0
    >>> sorted(p.name for p in review.folder.iterdir())[-2:]
    ['instructions.txt', 'rating_sheet.csv']
    """
    wanted, pad, seed = check_labels(segments), SECONDS.check(pad, "pad"), check_seed(seed)
    emotions = _emotions(emotions)
    scales = (_scale(emotion_scale, "emotion_scale"), _scale(valence_scale, "valence_scale"))
    audio, overwrite = FLAG.check(audio, "audio"), FLAG.check(overwrite, "overwrite")
    cut = _CUT.check(cut if reencode is None else _old_reencode(reencode), "cut")
    progress = FLAG.check(progress, "progress")
    video = None if video is None else _VIDEO.check(video, "video")
    folder = _FOLDER.check(out_dir, "out_dir").expanduser()
    if key is None:
        key = folder.parent / f"{folder.name}-key.csv"
    key = _KEY.check(key, "key").expanduser()
    previous = _check_targets(folder, key, overwrite)
    rows = _shuffled(_gather(source, wanted, video, pad), seed)
    for entry in previous:
        entry.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    clips = _cut_all(rows, folder, audio=audio, cut=cut, progress=progress)
    sheet = folder / SHEET_NAME
    _write_sheet(sheet, rows[CLIP].tolist(), emotions, scales)
    instructions = _instructions(emotions, scales, len(rows))
    (folder / INSTRUCTIONS_NAME).write_text(instructions, encoding="utf-8")
    table = rows[list(KEY_COLUMNS)]
    key.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(key, index=False)
    return ReviewExport(folder=folder, sheet=sheet, key=key, clips=clips, table=table)


def _old_reencode(reencode: Any) -> str:
    """The ``cut`` meant by the deprecated ``reencode`` flag (with a FutureWarning)."""
    reencode = FLAG.check(reencode, "reencode")
    new = "reencode" if reencode else "copy"
    warnings.warn(
        f"export_review(reencode={reencode}) is deprecated; use export_review(cut={new!r}) "
        f"(the default is cut='smart'). reencode stops working in concordlab {REMOVED_IN}.",
        FutureWarning,
        stacklevel=3,
    )
    return new


def _shuffled(rows: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The rows in the seed's random order, with their codes and 1-based ``order``."""
    rng = np.random.default_rng(seed)
    rows = rows.iloc[rng.permutation(len(rows))].reset_index(drop=True)
    rows.insert(0, CLIP, _codes(rng, len(rows)))
    rows.insert(1, "order", np.arange(1, len(rows) + 1))
    return rows


def _cut_all(
    rows: pd.DataFrame, folder: Path, *, audio: bool, cut: str, progress: bool
) -> tuple[Path, ...]:
    """Cut every row's clip into ``folder`` as ``<code>.mp4``, with a progress bar."""
    from tqdm.auto import tqdm  # in a kernel tqdm.auto imports ipywidgets: only when used

    from concordlab.review._cut import cut_clip

    clips = []
    bar = tqdm(rows.itertuples(), total=len(rows), desc="clips", unit="clip", disable=not progress)
    for row in bar:
        target = folder / f"{row.clip}.mp4"
        cut_clip(Path(row.path), target, row.video_start, row.video_end, audio=audio, cut=cut)
        clips.append(target)
    return tuple(clips)
