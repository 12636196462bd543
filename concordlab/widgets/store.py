"""The explorer's safety net: segments written to a sidecar file at every change.

The sidecar is a BIDS-style ``events.tsv`` that people may also edit by hand. Every write
is atomic (a complete temporary file renamed over the old one) and *merges*: under a lock,
the store re-reads the file, applies only the changes this explorer made since it last
read or wrote it (segments added, segments removed) and writes the result, so that two
explorers on one session (a re-run cell beside the old widget, two notebooks) never drop
each other's segments.

The offsets of the session's videos chosen in the explorer are kept beside it, in a small
``<name>.videos.tsv`` (:func:`videos_sidecar`; columns ``video``, ``offset``, ``path``),
written the same way; a sidecar written before videos existed simply has none.
"""

from __future__ import annotations

import contextlib
import csv
import glob
import os
import re
import shutil
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import xarray as xr

from concordlab.errors import ConcordlabError, ValidationError
from concordlab.io._common import PathLike, replace_file
from concordlab.io.bids import read_events_tsv, write_events_tsv
from concordlab.io.digest import content_id
from concordlab.segments import SEGMENT_COLUMNS, segments, set_segments

__all__ = ["SegmentStore", "default_sidecar", "videos_sidecar"]

SUFFIX = ".segments.tsv"
VIDEOS_SUFFIX = ".videos.tsv"
_VIDEO_HEADER = ("video", "offset", "path")
# Seconds are compared to the microsecond: the file keeps 12 significant digits.
_DECIMALS = 6
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(text: str) -> str:
    """``text`` as a file name that stays in its folder on every system.

    Examples
    --------
    >>> _safe_name("..\\\\..\\\\x"), _safe_name("dyad 01/ses 2")
    ('x', 'dyad_01_ses_2')
    """
    name = _UNSAFE.sub("_", text).strip("._")
    return name[:80] or "session"


def default_sidecar(session: xr.DataTree, source: PathLike | None = None) -> Path:
    """Where a session's segments are kept: next to its file, else in the working folder.

    A session without a file gets a name made of its ``session_id`` and an id derived from
    its recorded signals, so two different sessions never share a sidecar even when their
    ids are the same (every in-memory session is called ``"session"`` unless named).

    Examples
    --------
    >>> import concordlab
    >>> default_sidecar(concordlab.example_session(), "data/dyad.nc").as_posix()
    'data/dyad.nc.segments.tsv'
    >>> default_sidecar(concordlab.example_session()).name  # doctest: +ELLIPSIS
    'example-dyad-....segments.tsv'
    """
    if source is not None:
        return Path(str(source) + SUFFIX)
    name = _safe_name(str(session.attrs.get("session_id") or "session"))
    return Path.cwd() / f"{name}-{content_id(session)}{SUFFIX}"


def videos_sidecar(path: PathLike) -> Path:
    """The file that keeps the video offsets beside the segment sidecar ``path``.

    Examples
    --------
    >>> videos_sidecar("data/dyad.nc.segments.tsv").as_posix()
    'data/dyad.nc.videos.tsv'
    >>> videos_sidecar("marks.tsv").as_posix(), videos_sidecar("marks").as_posix()
    ('marks.videos.tsv', 'marks.videos.tsv')
    """
    path = Path(path)
    name = path.name
    for suffix in (SUFFIX, ".tsv"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return path.with_name(name[: -len(suffix)] + VIDEOS_SUFFIX)
    return path.with_name(name + VIDEOS_SUFFIX)


def _keys(table: pd.DataFrame) -> list[tuple]:
    return [
        (
            round(float(r.start), _DECIMALS),
            round(float(r.end), _DECIMALS),
            r.label,
            r.person,
            r.note,
        )
        for r in table.itertuples(index=False)
    ]


def _merge(theirs: pd.DataFrame, base: pd.DataFrame, ours: pd.DataFrame) -> pd.DataFrame:
    """``theirs`` with the rows ``ours`` added to and removed from ``base`` (multisets)."""
    base_keys, our_keys = Counter(_keys(base)), Counter(_keys(ours))
    removed = base_keys - our_keys
    added = our_keys - base_keys
    keep = []
    for key in _keys(theirs):
        if removed[key]:
            removed[key] -= 1
            keep.append(False)
        else:
            keep.append(True)
    new_rows = []
    for row, key in zip(ours.itertuples(index=False), _keys(ours), strict=True):
        if added[key]:
            added[key] -= 1
            new_rows.append(row._asdict())
    kept = theirs[keep]
    merged = pd.concat([kept, pd.DataFrame(new_rows, columns=list(SEGMENT_COLUMNS))])
    return merged.reset_index(drop=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock between processes on ``path``'s sidecar (where the OS has one)."""
    lock = path.with_name(f".{path.name}.lock")
    try:
        from fcntl import LOCK_EX, flock
    except ImportError:  # Windows, or Pyodide (its fcntl lacks flock): one process anyway
        yield
        return
    try:
        handle = open(lock, "a+")  # held open for the duration of the lock
    except OSError:  # no folder yet, or a read-only one: there is nothing to write either
        yield
        return
    try:
        with contextlib.suppress(OSError):  # a file system without locks (Pyodide's)
            flock(handle.fileno(), LOCK_EX)
        yield
    finally:
        handle.close()  # releases the lock


class SegmentStore:
    """Keeps a session's segments in a BIDS-style ``events.tsv`` sidecar file.

    Every :meth:`save` re-reads the file under a lock, merges this store's changes into
    it, writes a complete new file next to the old one, flushes it to disk and renames it
    over the old one: the file is always either the previous or the new version, never
    half written, even if the kernel dies, and segments written by another explorer are
    kept.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import concordlab
    >>> store = SegmentStore(pathlib.Path(tempfile.mkdtemp()) / "dyad.segments.tsv")
    >>> s = store.restore(concordlab.example_session())
    >>> s = store.save(concordlab.add_segment(s, 10, 20, "rupture"))
    >>> restored = SegmentStore(store.path).restore(concordlab.example_session())
    >>> "rupture" in set(concordlab.segments(restored)["label"])
    True
    """

    def __init__(self, path: PathLike) -> None:
        if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
            raise ValidationError(f"sidecar must be a file path, got {path!r}.")
        if not str(path).strip() or Path(path).name in ("", ".", ".."):
            raise ValidationError(
                f"sidecar must name a file, such as 'dyad.segments.tsv', got {str(path)!r}."
            )
        self.path = Path(path)
        self._base: pd.DataFrame | None = None

    def restore(self, session: xr.DataTree) -> xr.DataTree:
        """The session with the sidecar's segments, or unchanged if there is no sidecar.

        Rows that cannot be read are skipped with a warning naming them; the file as it
        was is first copied aside (``<sidecar>.unreadable-<time>``), so a hand edit is never
        lost, and every readable row is restored.
        """
        with _locked(self.path):
            self._remove_stale_temporaries()
            restored, skipped = self._read(session)
            if skipped:  # the original is kept aside: from now on the file holds good rows
                with contextlib.suppress(OSError, ConcordlabError):
                    self._write(restored)
        self._base = segments(restored).copy(deep=True)
        with _locked(self.videos_path):
            return self._restore_offsets(restored)

    def save(self, session: xr.DataTree) -> xr.DataTree:
        """Merge the session's segment changes into the sidecar; return the merged session.

        Raises
        ------
        ConcordlabError
            If the sidecar cannot be written; the message names the file and the cause.
        """
        ours = segments(session)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _locked(self.path):
                self._remove_stale_temporaries()
                theirs = segments(self._read(session)[0]) if self.path.is_file() else None
                base = self._base if self._base is not None else ours.iloc[:0]
                merged = ours if theirs is None else _merge(theirs, base, ours)
                session = set_segments(session, merged)
                self._write(session)
        except (OSError, ConcordlabError) as error:
            raise ConcordlabError(f"Could not save segments to '{self.path}': {error}") from error
        self._base = segments(session).copy(deep=True)
        return session

    def _read(self, session: xr.DataTree) -> tuple[xr.DataTree, bool]:
        """The session with the sidecar's readable rows, and whether any row was skipped."""
        if not self.path.is_file():
            return session, False
        try:
            return read_events_tsv(session, self.path, replace=True), False
        except ConcordlabError as error:
            problem = error
        good, bad = self._readable_rows(session)
        kept = self.path.with_name(f"{self.path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
        shutil.copy2(self.path, kept)
        rows = ", ".join(str(row) for row, _ in bad[:10]) + (" ..." if len(bad) > 10 else "")
        first = bad[0][1] if bad else str(problem)
        warnings.warn(
            f"Some saved segments in '{self.path}' could not be read (data row(s) {rows}; "
            f"the first: {first}); they were skipped, {len(good)} row(s) were restored "
            f"{'' if good else '(the explorer starts from the session own segments) '}and "
            f"the file as it was is kept as '{kept}'. Fix those rows there and read them "
            "with concordlab.read_events_tsv.",
            stacklevel=4,
        )
        if not good:  # nothing readable: start from the session's own segments
            return session, True
        return set_segments(session, pd.concat(good, ignore_index=True)), True

    def _readable_rows(
        self, session: xr.DataTree
    ) -> tuple[list[pd.DataFrame], list[tuple[int, str]]]:
        """Each data row read on its own: the readable ones and (row, reason) of the rest."""
        lines = self.path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
        good, bad = [], []
        if not lines:
            return good, bad
        with tempfile.TemporaryDirectory() as folder:
            single = Path(folder) / "row_events.tsv"
            for row, line in enumerate(lines[1:], start=1):
                if not line.strip():
                    continue
                single.write_text(f"{lines[0]}\n{line}\n", encoding="utf-8")
                try:
                    good.append(segments(read_events_tsv(session, single, replace=True)))
                except ConcordlabError as error:
                    bad.append((row, str(error).replace(str(single), "the row")))
        if not bad:  # the header itself is the problem
            bad.append((0, "the header row"))
        return good, bad

    def _write(self, session: xr.DataTree) -> None:
        _write_atomic(self.path, lambda temporary: write_events_tsv(session, temporary))

    # -------------------------------------------------------------- video offsets

    @property
    def videos_path(self) -> Path:
        """The file of the video offsets (:func:`videos_sidecar` of :attr:`path`)."""
        return videos_sidecar(self.path)

    def save_video_offsets(self, session: xr.DataTree) -> None:
        """Write the offsets of the session's videos to :attr:`videos_path`.

        Rows of other videos already in the file are kept; this session's replace theirs.

        Raises
        ------
        ConcordlabError
            If the file cannot be written; the message names the file and the cause.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> import concordlab
        >>> from concordlab.video import _demo_video
        >>> store = SegmentStore(pathlib.Path(tempfile.mkdtemp()) / "dyad.segments.tsv")
        >>> s = concordlab.attach_video(concordlab.example_session(), _demo_video())
        >>> store.save_video_offsets(concordlab.set_video_offset(s, 2.5))
        >>> concordlab.videos(SegmentStore(store.path).restore(s))["offset"].tolist()
        [2.5]
        """
        from concordlab.video import videos

        table = videos(session)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _locked(self.videos_path):
                rows = self._read_offsets()
                for name, row in table.iterrows():
                    rows[str(name)] = {
                        "video": str(name),
                        "offset": repr(float(row["offset"])),
                        "path": str(row["path"]),
                    }
                _write_atomic(self.videos_path, lambda temporary: _write_rows(temporary, rows))
        except OSError as error:
            raise ConcordlabError(
                f"Could not save the video offsets to '{self.videos_path}': {error}"
            ) from error

    def _read_offsets(self) -> dict[str, dict[str, str]]:
        """The rows of the video offsets file by video name (none when there is no file)."""
        if not self.videos_path.is_file():
            return {}
        with open(self.videos_path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            if reader.fieldnames is None or not {"video", "offset"} <= set(reader.fieldnames):
                warnings.warn(
                    f"'{self.videos_path}' is not a video offsets file (it needs the columns "
                    f"video and offset, it has {reader.fieldnames}); the videos keep the "
                    "session's own offsets and the file will be rewritten.",
                    stacklevel=4,
                )
                return {}
            return {row["video"]: row for row in reader if row.get("video")}

    def _restore_offsets(self, session: xr.DataTree) -> xr.DataTree:
        """The session with the offsets kept in :attr:`videos_path` for its videos."""
        from concordlab.video import set_video_offset, videos

        rows = self._read_offsets()
        names = list(videos(session).index)
        problems = []
        for name, row in rows.items():
            if name not in names:
                problems.append(f"{name!r}: the session has no such video (it has {names})")
                continue
            try:
                session = set_video_offset(session, float(row["offset"]), video=name)
            except (TypeError, ValueError, ConcordlabError) as error:
                problems.append(f"{name!r}: offset {row['offset']!r} ({error})")
        if problems:
            warnings.warn(
                f"Some video offsets in '{self.videos_path}' were not applied: "
                f"{'; '.join(problems)}. Set them again in the explorer "
                "(explorer.set_video_offset).",
                stacklevel=4,
            )
        return session

    def _remove_stale_temporaries(self) -> None:
        """Remove what writers killed mid-write left; called under the lock, so no live
        writer of this sidecar is writing."""
        folder = self.path.parent
        if not folder.is_dir():
            return
        for entry in folder.glob(f".{glob.escape(self.path.name)}.*.tmp"):
            with contextlib.suppress(OSError):
                entry.unlink()


def _write_atomic(path: Path, write: Callable[[str], None]) -> None:
    """Write ``path`` whole or not at all: ``write`` fills a temporary file beside it,
    which is flushed to disk and renamed over ``path``."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(temporary)
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        replace_file(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _write_rows(path: str, rows: dict[str, dict[str, str]]) -> None:
    """The video offsets file: a header and one row per video."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=_VIDEO_HEADER, delimiter="\t", extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows.values())
