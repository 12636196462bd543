"""The format registry: which reader reads a path, and the readers that dispatch on it.

Each format is one :class:`Format` in :data:`FORMATS`: a name, how to recognise a path
(suffixes, or a ``sniff`` function for folders and shapes), the one-person reader and,
optionally, a dyad reader that reads both persons with the format's own options. Readers
are named by ``"module:function"`` and imported only when used, so a format with an
optional library costs nothing until it is read. A new format is one module (its
``read_<format>_recording`` returning a :class:`~concordlab.io.recording.Recording`)
plus one line in :data:`FORMATS`.
"""

from __future__ import annotations

import importlib
import inspect
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xarray as xr

from concordlab.errors import FileFormatError, ValidationError
from concordlab.io._common import PathLike, check_path
from concordlab.io.pairing import pair_recordings
from concordlab.io.recording import Recording

__all__ = ["FORMATS", "SESSION_SUFFIXES", "Format", "find_format", "read", "read_recording"]

SESSION_SUFFIXES = (".nc", ".nc4", ".h5", ".zarr")
"""Suffixes of saved sessions (read with :func:`concordlab.io.store.load`)."""


@dataclass(frozen=True)
class Format:
    """One readable format: its name, how a path is recognised, and its readers.

    Examples
    --------
    >>> find_format("tests/data/eda-single/biosppy/eda.txt").name
    'csv'
    """

    name: str
    recording: str  # "module:function" reading one person -> Recording
    suffixes: tuple[str, ...] = ()
    sniff: str | None = None  # "module:function", path -> bool, tried before the suffixes
    dyad: str | None = None  # "module:function" reading two persons: (a, b, **options)
    both_persons: bool = False  # whether one file can hold both persons (then dyad(path))
    description: str = ""

    def matches(self, path: Path) -> bool:
        """Whether ``path`` is of this format."""
        if self.sniff is not None and _load(self.sniff)(path):
            return True
        return path.is_file() and path.name.lower().endswith(self.suffixes)


def _load(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def is_e4_export(path: Path) -> bool:
    """Whether ``path`` is an E4 export: a folder holding ``EDA.csv``/``HR.csv``..., or a zip.

    Examples
    --------
    >>> is_e4_export(Path("tests/data"))
    False
    """
    names = {"eda.csv", "hr.csv", "temp.csv", "bvp.csv", "acc.csv"}
    if path.is_dir():
        return any(p.name.lower() in names for p in path.iterdir())
    if path.is_file() and path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return any(n.rsplit("/", 1)[-1].lower() in names for n in archive.namelist())
    return False


FORMATS: tuple[Format, ...] = (
    Format(
        "e4",
        "concordlab.io.e4:read_e4_recording",
        sniff="concordlab.io.dispatch:is_e4_export",
        dyad="concordlab.io.e4:read_e4",
        description="Empatica E4 export (folder or .zip)",
    ),
    Format(
        "bids-physio",
        "concordlab.io.bids:read_bids_recording",
        suffixes=("_physio.tsv.gz", "_physio.tsv"),
        sniff="concordlab.io.bids:is_bids_dataset",
        dyad="concordlab.io.bids:read_bids_physio",
        description="BIDS physiological recording (*_physio.tsv.gz + .json sidecar, or dataset)",
    ),
    Format(
        "acq",
        "concordlab.io.acq:read_acq_recording",
        suffixes=(".acq",),
        description="Biopac AcqKnowledge file (.acq; the acq extra reads it)",
    ),
    Format(
        "opensignals",
        "concordlab.io.opensignals:read_opensignals_recording",
        sniff="concordlab.io.opensignals:is_opensignals_text",
        dyad="concordlab.io.opensignals:read_opensignals",
        both_persons=True,
        description="OpenSignals (BITalino, biosignalsplux) text export (.txt)",
    ),
    Format(
        "beats",
        "concordlab.io.beats:read_beats_recording",
        sniff="concordlab.io.beats:is_e4_ibi_file",
        description="per-beat series into heart rate: E4 IBI.csv, or RR intervals/beat times "
        "with format='beats'",
    ),
    Format(
        "xdf",
        "concordlab.io.xdf:read_xdf_recording",
        suffixes=(".xdf", ".xdfz"),
        dyad="concordlab.io.xdf:read_xdf",
        both_persons=True,
        description="LSL XDF recording (.xdf), streams of both persons",
    ),
    Format(
        "csv",
        "concordlab.io.csv:read_csv_recording",
        suffixes=(".csv", ".tsv", ".txt", ".dat", ".tab"),
        dyad="concordlab.io.csv:read_csv",
        both_persons=True,
        description="delimited text (CSV, TSV, whitespace-separated)",
    ),
)
"""Every format, in the order they are tried."""


def _by_name(name: Any) -> Format:
    for candidate in FORMATS:
        if candidate.name == name:
            return candidate
    raise ValidationError(f"Unknown format {name!r}; choose from {[f.name for f in FORMATS]}.")


def find_format(path: PathLike, format: str | None = None) -> Format:
    """The :class:`Format` of ``path``: the one named ``format``, else the first that matches.

    Raises
    ------
    FileFormatError
        If the path does not exist or no format recognises it.
    ValidationError
        If ``format`` is not a known format's name.

    Examples
    --------
    >>> find_format("x_physio.tsv.gz", format="bids-physio").name
    'bids-physio'
    """
    if format is not None:
        return _by_name(format)
    path = check_path(path, "path")
    if not path.exists():
        raise FileFormatError(
            f"'{path}' does not exist; check the path (a recording file, or an E4 export folder)."
        )
    for candidate in FORMATS:
        if candidate.matches(path):
            return candidate
    known = "; ".join(f"{f.name}: {f.description}" for f in FORMATS)
    raise FileFormatError(
        f"'{path}' is of no format concordlab recognises ({known}); rename it to a known "
        "suffix or say which it is with format=..."
    )


def read_recording(path: PathLike, *, format: str | None = None, **options: Any) -> Recording:
    """Read one person's recording, whatever its format.

    The format is recognised from the path (an E4 export folder or .zip, a BIDS
    ``*_physio.tsv.gz`` or dataset folder, an E4 ``IBI.csv``, a Biopac ``.acq``, an
    OpenSignals text export (by its first line), an LSL ``.xdf`` file, delimited text
    ``.csv``/``.tsv``/``.txt``)
    or named by ``format``; ``options`` go to that format's reader (``read_csv_recording``:
    ``sampling_rate``, ``time_column``, ``channel``, ``columns``, ``units``;
    ``read_e4_recording``: ``channels``, ``tag_duration``; ``read_bids_recording``:
    ``channels``, and for a BIDS dataset folder ``subject``, ``session``, ``task``, ``run``,
    ``acquisition``, ``recording``; ``read_beats_recording`` (RR intervals, beat times:
    ``format="beats"``): ``kind``, ``time_unit``, ``column``, ``sampling_rate``, ``method``,
    ``max_gap``, ``valid_range``, ``channel``; ``read_acq_recording``: ``channels``,
    ``marker_duration``; ``read_opensignals_recording``: ``channels``, ``sensors``,
    ``device``; ``read_xdf_recording``: ``stream``, ``sampling_rate``, ``channels``,
    ``units``, ``markers``, ``marker_duration``, ``max_gap``; all take ``person``).

    Parameters
    ----------
    path : str or os.PathLike
        The recording.
    format : {"e4", "bids-physio", "beats", "acq", "opensignals", "xdf", "csv"}, optional
        The format; default recognised from the path.
    **options
        The format reader's options.

    Returns
    -------
    Recording
        One person's channels, absolute start, markers and source.

    Raises
    ------
    FileFormatError
        If the path is missing or of no known format, or the reader cannot read it.
    ValidationError
        For an unknown format or an option the format's reader does not take.

    Examples
    --------
    >>> r = read_recording("tests/data/eda-single/neurokit/bio_eventrelated_100hz.csv",
    ...                    sampling_rate=100, columns={"eda": "EDA"}, units="uS")
    >>> r.channel_names, r.channels["eda"].n_samples, r.source["format"]
    (('eda',), 15000, 'csv')
    """
    chosen = find_format(path, format)
    reader = _load(chosen.recording)
    try:
        return reader(path, **options)
    except TypeError as error:
        if "unexpected keyword argument" not in str(error):
            raise
        raise ValidationError(
            f"Reading '{path}' as {chosen.name}: {error}; see {reader.__name__}'s parameters."
        ) from None


def read(path_or_paths: PathLike | Sequence[PathLike], **options: Any) -> xr.DataTree:
    """Read a session from a saved file, one file of both persons, or one path per person.

    - A saved session (``.nc``, ``.zarr`` ...): :func:`concordlab.io.store.load`.
    - One file holding both persons (delimited text): :func:`concordlab.io.csv.read_csv`.
    - Two paths, one per person, of the same format: that format's dyad reader
      (:func:`read_csv`, :func:`read_e4`, :func:`read_bids_physio`) with ``options``; of
      different formats: each read with :func:`read_recording`, then paired with
      :func:`~concordlab.io.pairing.pair_recordings` (``persons``, ``align``,
      ``channels``, ``session_id`` go to the pairing, the rest to each reader that takes
      them).
    - Three or more paths, one per person of a group (a family, a couple with their
      therapist): each read with :func:`read_recording`, then paired with
      :func:`~concordlab.io.pairing.pair_recordings`, as two paths of different formats.

    Parameters
    ----------
    path_or_paths : path or sequence of paths
        What to read: one path, or one path per person (two or more).
    **options
        The chosen reader's options.

    Returns
    -------
    xarray.DataTree
        The session.

    Raises
    ------
    FileFormatError
        If a path is missing or of no known format, or a single path holds one person.
    ValidationError
        For a bad argument.

    Examples
    --------
    >>> import concordlab
    >>> s = read("tests/data/rmea-psychotherapy/normal/200_01.txt", sampling_rate=25,
    ...          channel="motion")
    >>> concordlab.persons(s), concordlab.metadata(s)["source"]["patient"]["format"]
    (('patient', 'therapist'), 'csv')
    """
    if isinstance(path_or_paths, str | Path) or not isinstance(path_or_paths, Sequence):
        return _read_one(check_path(path_or_paths, "path"), options)
    paths = [check_path(p, "each path") for p in path_or_paths]
    if len(paths) < 2:
        raise ValidationError(f"Give one path, or two or more (one per person); got {len(paths)}.")
    named = options.pop("format", None)
    formats = [find_format(p, named) for p in paths]
    if len(paths) == 2 and formats[0] == formats[1] and formats[0].dyad is not None:
        reader = _load(formats[0].dyad)
        _check_taken(reader, options, f"{formats[0].name} files")
        return reader(*_dyad_arguments(formats[0], paths), **options)
    keys = ("persons", "align", "channels", "session_id")
    pairing = {k: options.pop(k) for k in keys if k in options}
    takes = [set(inspect.signature(_load(f.recording)).parameters) for f in formats]
    unused = sorted(set(options) - set.union(*takes))
    if unused:
        raise ValidationError(
            f"No reader of {[f.name for f in formats]} takes the option(s) {unused}."
        )
    recordings = [
        read_recording(p, format=f.name, **{k: v for k, v in options.items() if k in t})
        for p, f, t in zip(paths, formats, takes, strict=True)
    ]
    return pair_recordings(recordings, reader="read", **pairing)


def _dyad_arguments(chosen: Format, paths: list[Path]) -> tuple[Any, ...]:
    return (paths,) if chosen.both_persons else tuple(paths)


def _read_one(path: Path, options: dict[str, Any]) -> xr.DataTree:
    if path.name.lower().endswith(SESSION_SUFFIXES):
        from concordlab.io.store import load

        _check_taken(load, options, f"'{path}' (a saved session)")
        return load(path, **options)
    chosen = find_format(path, options.pop("format", None))
    if not chosen.both_persons or chosen.dyad is None:
        raise FileFormatError(
            f"'{path}' ({chosen.description}) holds one person; give two paths, one per "
            "person: concordlab.read([first, second])."
        )
    reader = _load(chosen.dyad)
    _check_taken(reader, options, f"'{path}' ({chosen.description})")
    return reader(path, **options)


def _check_taken(reader: Any, options: Mapping[str, Any], what: str) -> None:
    """Refuse options ``reader`` does not take, naming them (not a TypeError from the call)."""
    parameters = inspect.signature(reader).parameters
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return
    takes = [n for n, p in parameters.items() if p.kind is not p.VAR_POSITIONAL][1:]
    unknown = sorted(set(options) - set(takes) - set(getattr(reader, "__renamed__", {})))
    if unknown:
        raise ValidationError(
            f"Unknown option(s) {unknown} for reading {what} with {reader.__name__}; its "
            f"options are {sorted(takes)}."
        )
