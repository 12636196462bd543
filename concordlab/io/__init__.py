"""Readers and writers: every format becomes the same session model.

One person's recording is read by :func:`read_recording` (any format) into a
:class:`Recording`; :func:`pair_recordings` pairs recordings into a session; :func:`read`
reads a saved session, a file of both persons or one path per person. The format registry
is :data:`concordlab.io.dispatch.FORMATS`.

Examples
--------
>>> from concordlab.io import read, read_recording, pair_recordings, save, load
"""

from concordlab.io.acq import read_acq_recording
from concordlab.io.beats import beats_to_heart_rate, read_beats_recording
from concordlab.io.bids import (
    bids_metadata_files,
    read_bids_physio,
    read_bids_recording,
    read_bids_sidecar,
    read_events_tsv,
    write_events_tsv,
)
from concordlab.io.clock import Regularized, regularize
from concordlab.io.csv import read_csv, read_csv_recording
from concordlab.io.dispatch import FORMATS, Format, find_format, read, read_recording
from concordlab.io.e4 import read_e4, read_e4_recording
from concordlab.io.opensignals import read_opensignals, read_opensignals_recording
from concordlab.io.pairing import ALIGN, pair_recordings
from concordlab.io.recording import Channel, Marker, Recording
from concordlab.io.store import load, save
from concordlab.io.xdf import read_xdf, read_xdf_recording

__all__ = [
    "ALIGN",
    "FORMATS",
    "Channel",
    "Format",
    "Marker",
    "Recording",
    "Regularized",
    "beats_to_heart_rate",
    "bids_metadata_files",
    "find_format",
    "load",
    "pair_recordings",
    "read",
    "read_acq_recording",
    "read_beats_recording",
    "read_bids_physio",
    "read_bids_recording",
    "read_bids_sidecar",
    "read_csv",
    "read_csv_recording",
    "read_e4",
    "read_e4_recording",
    "read_events_tsv",
    "read_opensignals",
    "read_opensignals_recording",
    "read_recording",
    "read_xdf",
    "read_xdf_recording",
    "regularize",
    "save",
    "write_events_tsv",
]
