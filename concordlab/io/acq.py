"""Biopac AcqKnowledge ``.acq`` files into a recording (through the ``bioread`` library).

An AcqKnowledge file holds one recording of one person: named channels with their units
(``"microsiemens"``, ``"mV"``, ``"BPM"`` ...), each sampled at the file's base rate divided by
its own frequency divider, and event markers (segment starts, flags, annotations) placed on
the base-rate sample index. The library ``bioread`` (the ``acq`` extra:
``pip install "concordlab[acq]"``) reads them; it is imported only when a file is read, so
concordlab runs without it (in the browser too).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from concordlab._checks import DURATION, Text
from concordlab._extras import optional_module
from concordlab.errors import ConcordlabError, FileFormatError
from concordlab.io._common import PathLike, check_path, reading
from concordlab.io._labels import plan_channels
from concordlab.io.recording import Channel, Marker, Recording

__all__ = ["read_acq_recording"]

_WHAT = "AcqKnowledge file"


def _bioread() -> ModuleType:
    """The ``bioread`` module, or an error saying which extra installs it."""
    return optional_module("bioread", "acq", "Reading Biopac AcqKnowledge .acq files")


def read_acq_recording(
    path: PathLike,
    *,
    channels: str | Sequence[str] | Mapping[str, str | int] | None = None,
    marker_duration: float | None = 1.0,
    person: str | None = None,
) -> Recording:
    """Read one person's Biopac AcqKnowledge ``.acq`` file.

    Each channel of the file becomes a channel named by its AcqKnowledge name lower-cased
    (``"EDA - GSR100C"`` -> ``"eda - gsr100c"``; rename with a mapping), at its own rate
    (the file's base rate divided by the channel's frequency divider), with the values
    AcqKnowledge shows (scaled, as ``bioread`` returns them) and the unit the file states,
    as written (``"microsiemens"``, ``"mV"``, ``"Volts"``; "" when the file states none).
    Every channel starts at the recording's zero (offset 0).

    Each event marker (a point in time) becomes a :class:`Marker` at its sample's time,
    ``marker_duration`` seconds long (a segment needs a length once paired),
    labelled by its text (or its type when it has no text); the note gives its type, its
    channel and when it was created. AcqKnowledge files recorded in *append* mode hold
    several segments, each starting with an ``"apnd"`` marker: the pause between segments is
    not in the file, so times after a segment start are the file's sample times, not clock
    times (the segment starts are in ``source["segment_starts"]``). A marker whose sample
    index lies outside the recording shows that the file's markers were misread (``bioread``
    misplaces the markers of some compressed files, the others by the same offset): then no
    marker of the file is read, a warning says so, and ``source["markers_not_read"]`` lists
    them all.

    ``start_time`` is the creation time (UTC) of the marker AcqKnowledge writes when the
    acquisition starts: an ``"apnd"`` (append) marker at sample 0 with a creation date
    (files of AcqKnowledge 4.4 and later). Without one the file does not say when it was
    recorded, and ``start_time`` is None; other markers' creation times are not used
    (they are when a marker was added, often during analysis).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.acq`` file.
    channels : str, sequence of str or mapping, optional
        Channels to read, by their lower-cased AcqKnowledge name; or ``{channel: name or
        0-based position}`` to read and rename (needed when two channels share a name).
        Default: every channel.
    marker_duration : float or None, default 1.0
        Seconds each event marker spans; None reads no markers.
    person : str, optional
        The person's label, kept on the recording.

    Returns
    -------
    Recording
        ``source`` holds ``path``, ``format`` (``"acq"``), ``name`` (the file name without
        extension), ``file_revision``, ``base_rate`` (Hz), ``acq_names`` (each channel's
        AcqKnowledge name), ``segment_starts`` (seconds) and ``markers_not_read``.

    Raises
    ------
    ConcordlabError
        If ``bioread`` is not installed (the error names the extra).
    FileFormatError
        If the file is missing or is not an AcqKnowledge file ``bioread`` can read, or its
        channel names cannot name channels (say ``channels={...}``).
    ValidationError
        For a bad argument.

    Examples
    --------
    >>> r = read_acq_recording("tests/data/biopac/nojournal-5.0.1-c.acq")
    >>> r.channel_names
    ('ekg - ers100c', 'resp - rsp100c', 'eda - gsr100c')
    >>> [(c.sampling_rate, c.units) for c in r.channels.values()]
    [(1000.0, 'mV'), (3.90625, 'Volts'), (2000.0, 'microsiemens')]
    >>> r.start_time
    '2016-02-02T16:30:56.276000+00:00'
    """
    file = check_path(path, "path", "AcqKnowledge .acq file")
    if person is not None:
        person = Text(non_empty=True).check(person, "person")
    if marker_duration is not None:
        marker_duration = DURATION.check(marker_duration, "marker_duration")
    bioread = _bioread()
    with reading(file, _WHAT):
        if not file.is_file():
            file.open("rb").close()  # the usual message for a missing file or a folder
        datafile = _read(bioread, file)
        if datafile is None or not datafile.channels:
            raise FileFormatError(
                f"{_WHAT} '{file}' holds no channels bioread can read; check that it is an "
                "AcqKnowledge file, or export it again."
            )
        names = [str(c.name) for c in datafile.channels]
        plan = plan_channels(names, channels, f"{_WHAT} '{file}'")
        base_rate = float(datafile.samples_per_second)
        recorded = datafile.channels
        out = {}
        for name, at in plan.items():
            channel = recorded[at]
            if channel.data is None:
                raise FileFormatError(f"{_WHAT} '{file}': channel {names[at]!r} holds no data.")
            values = np.asarray(channel.data, dtype=np.float64)
            if np.isinf(values).any():
                raise FileFormatError(
                    f"{_WHAT} '{file}', channel {names[at]!r}: holds infinite values; the file "
                    "may be damaged. Export it again from AcqKnowledge."
                )
            out[name] = Channel(
                values,
                float(channel.samples_per_second),
                units=str(channel.units or "").strip(),
                long_name=names[at],
            )
        n_base = max(c.point_count * c.frequency_divider for c in recorded)
        by_number = {c.order_num: str(c.name) for c in recorded}
        markers, not_read, segments, start = _markers(
            datafile.event_markers or [], base_rate, n_base, by_number, marker_duration or 0.0
        )
        if marker_duration is None:
            markers = []
    if not_read:
        warnings.warn(
            f"{_WHAT} '{file}': event markers lie outside the recording (sample index beyond "
            f"its {n_base} samples), so the file's markers were misread; none of its "
            f"{len(not_read)} markers was read (listed in source['markers_not_read']). Export "
            "the file uncompressed from AcqKnowledge to read them.",
            UserWarning,
            stacklevel=2,
        )
    source = {
        "path": str(file),
        "format": "acq",
        "name": file.stem,
        "file_revision": int(datafile.graph_header.file_revision),
        "base_rate": base_rate,
        "acq_names": {name: names[at] for name, at in plan.items()},
        "segment_starts": segments,
        "markers_not_read": not_read,
    }
    return Recording(out, start, tuple(markers), source, person)


def _read(bioread: ModuleType, file: Path) -> Any:
    """bioread's read of the whole file (one pass: bioread scans damaged headers slowly), its
    failures said as a FileFormatError."""
    try:
        return bioread.read(str(file))
    except (ConcordlabError, OSError, MemoryError):
        raise
    except Exception as error:
        raise FileFormatError(
            f"'{file}' is not an {_WHAT} bioread can read ({type(error).__name__}: {error}); "
            "check that it is an .acq file saved by AcqKnowledge and complete, or export it "
            "again."
        ) from None


def _markers(
    event_markers: Sequence[Any],
    base_rate: float,
    n_base: int,
    by_number: Mapping[Any, str],
    duration: float,
) -> tuple[list[Marker], list[str], list[float], str | None]:
    """The file's markers as Markers, those not read (described), segment starts and the
    acquisition's start time; ``by_number`` names each channel by its AcqKnowledge number."""
    if any(not 0 <= int(m.sample_index) <= n_base for m in event_markers):
        described = [
            f"{str(m.text or '').strip() or 'marker'} at sample {int(m.sample_index)}"
            for m in event_markers
        ]
        return [], described, [], None
    markers: list[Marker] = []
    segments: list[float] = []
    start = None
    for marker in event_markers:
        index = int(marker.sample_index)
        kind = str(marker.type or "") if marker.type_code is not None else ""
        text = str(marker.text or "").strip()
        created = marker.date_created_utc
        onset = index / base_rate
        if marker.type_code == "apnd":
            segments.append(onset)
            if index == 0 and created is not None and start is None:
                start = pd.Timestamp(created).isoformat()
        note = [f"type: {kind}"] if kind else []
        if marker.channel_number in by_number:
            note.append(f"channel: {by_number[marker.channel_number]}")
        if created is not None:
            note.append(f"created: {pd.Timestamp(created).isoformat()}")
        markers.append(Marker(onset, duration, text or kind or "marker", "; ".join(note)))
    return markers, [], segments, start
