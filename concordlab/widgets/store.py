"""The explorer's safety net: segments written to a sidecar file at every change."""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from pathlib import Path

import xarray as xr

from concordlab.errors import ConcordlabError
from concordlab.io._common import PathLike
from concordlab.io.bids import read_events_tsv, write_events_tsv

__all__ = ["SegmentStore", "default_sidecar"]

SUFFIX = ".segments.tsv"


def default_sidecar(session: xr.DataTree, source: PathLike | None = None) -> Path:
    """Where a session's segments are kept: next to its file, else in the working folder.

    Examples
    --------
    >>> import concordlab
    >>> default_sidecar(concordlab.example_session(), "data/dyad.nc").as_posix()
    'data/dyad.nc.segments.tsv'
    >>> default_sidecar(concordlab.example_session()).name
    'example-dyad.segments.tsv'
    """
    if source is not None:
        return Path(str(source) + SUFFIX)
    name = str(session.attrs.get("session_id") or "session").replace("/", "_")
    return Path.cwd() / f"{name}{SUFFIX}"


class SegmentStore:
    """Keeps a session's segments in a BIDS-style ``events.tsv`` sidecar file.

    Every :meth:`save` writes a complete new file next to the old one, flushes it to
    disk and renames it over the old one, so the file is always either the previous or
    the new version, never half written, even if the kernel dies.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import concordlab
    >>> store = SegmentStore(pathlib.Path(tempfile.mkdtemp()) / "dyad.segments.tsv")
    >>> s = concordlab.add_segment(concordlab.example_session(), 10, 20, "rupture")
    >>> store.save(s)
    True
    >>> restored = store.restore(concordlab.example_session())
    >>> "rupture" in set(concordlab.segments(restored)["label"])
    True
    """

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        self.last_error: str = ""

    def restore(self, session: xr.DataTree) -> xr.DataTree:
        """The session with the sidecar's segments, or unchanged if there is no sidecar.

        An unreadable sidecar is moved aside (never overwritten) with a warning naming
        both files, and the session is returned unchanged.
        """
        if not self.path.is_file():
            return session
        try:
            return read_events_tsv(session, self.path, replace=True)
        except ConcordlabError as error:
            kept = self.path.with_name(
                f"{self.path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}"
            )
            os.replace(self.path, kept)
            warnings.warn(
                f"The saved segments in '{self.path}' could not be read ({error}); the file "
                f"was kept as '{kept}' and the explorer starts from the session's own segments.",
                stacklevel=2,
            )
            return session

    def save(self, session: xr.DataTree) -> bool:
        """Write the session's segments atomically; False (and ``last_error``) on failure."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
            )
            os.close(handle)
            try:
                write_events_tsv(session, temporary)
                with open(temporary, "rb+") as written:
                    os.fsync(written.fileno())
                os.replace(temporary, self.path)
            finally:
                if os.path.exists(temporary):
                    os.unlink(temporary)
        except (OSError, ConcordlabError) as error:
            self.last_error = f"Could not save segments to '{self.path}': {error}"
            return False
        self.last_error = ""
        return True
