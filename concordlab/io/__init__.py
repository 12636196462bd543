"""Readers and writers: every format becomes the same session model.

Examples
--------
>>> from concordlab.io import read_csv, save, load
"""

from concordlab.io.bids import read_bids_physio, read_events_tsv, write_events_tsv
from concordlab.io.csv import read_csv
from concordlab.io.e4 import read_e4
from concordlab.io.store import load, save

__all__ = [
    "load",
    "read_bids_physio",
    "read_csv",
    "read_e4",
    "read_events_tsv",
    "save",
    "write_events_tsv",
]
