"""BIDS physiological recordings and events files into a session, and events back out.

BIDS (the Brain Imaging Data Structure) stores continuous physiology as headerless,
tab-separated, usually gzipped files (``*_physio.tsv.gz``), each with a JSON sidecar
(``*_physio.json``) holding ``SamplingFrequency``, ``StartTime`` and ``Columns``, and
annotations as ``*_events.tsv`` tables (``onset``, ``duration``, ``trial_type`` ...).
An events table has the same information as the session's segments, so segments are
written to and read from it directly.

Time zero of a session read from BIDS is the events' time zero: a channel's first sample
lies at its sidecar's ``StartTime``, which may be negative.

Metadata follows the specification's inheritance principle: the sidecars (and the events
table) that apply to a data file may lie in any folder from the dataset root down to the
file's, named with a subset of the file's entities (``task-rest_physio.json`` at the root
applies to every rest recording); JSON files merge from the root down, the most specific
last (:func:`bids_metadata_files`, :func:`read_bids_sidecar`). The readers take file paths,
or a dataset folder with the entities that choose the files (``subject``, ``session``,
``task``, ``run``, ``acquisition``, ``recording``).
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from concordlab._checks import (
    FLAG,
    MAX_SECONDS,
    PERSONS,
    SAMPLING_RATE,
    Channels,
    Integer,
    Real,
    Text,
)
from concordlab.errors import FileFormatError, SegmentError, ValidationError
from concordlab.io._common import (
    PathLike,
    check_path,
    describe_time,
    numeric_column,
    reading,
    refuse_short_rows,
)
from concordlab.io.pairing import pair_recordings
from concordlab.io.recording import Channel, Recording
from concordlab.segments import segments, set_segments
from concordlab.session import (
    BOTH,
    CHANNEL_NAME,
    DEFAULT_PERSONS,
    _labels,
    time_span,
    validate_session,
)

__all__ = [
    "bids_metadata_files",
    "is_bids_dataset",
    "read_bids_physio",
    "read_bids_recording",
    "read_bids_sidecar",
    "read_events_tsv",
    "write_events_tsv",
]

NA = "n/a"
EVENT_COLUMNS = ("onset", "duration", "trial_type", "person", "note")
# Names a channel cannot take: the session's own nodes and the coordinates of a channel.
_START_TIME = Real(low=-MAX_SECONDS, high=MAX_SECONDS, unit="seconds", example="0")


# --------------------------------------------------------------------------- events.tsv


def write_events_tsv(session: xr.DataTree, path: PathLike) -> Path:
    """Write the session's segments as a BIDS ``events.tsv`` file.

    The columns are ``onset`` and ``duration`` (seconds since session start),
    ``trial_type`` (the segment's label), ``person`` and ``note``; empty text becomes
    ``n/a``, as BIDS asks for missing values. The file is UTF-8, tab-separated, with one
    header row; text holding tabs, line breaks or double quotes is quoted (``"..."``,
    line breaks written as ``\n``). :func:`read_events_tsv` reads it back.

    Parameters
    ----------
    session : xarray.DataTree
        The session whose segments to write.
    path : str or os.PathLike
        The file to write, by BIDS convention named ``<prefix>_events.tsv``. Its folder
        must exist; an existing file is replaced.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    FileFormatError
        If the folder does not exist or the file cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    >>> s = concordlab.add_segment(s, 10, 25, "therapist talks", person="therapist")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sub-01_task-therapy_events.tsv"
    >>> print(concordlab.write_events_tsv(s, path).read_text(), end="")
    onset	duration	trial_type	person	note
    10.0	15.0	therapist talks	therapist	n/a
    """
    validate_session(session)
    path = check_path(path, "path", "events file")
    table = segments(session)
    starts = table["start"].to_numpy(dtype=np.float64)
    durations = table["end"].to_numpy(dtype=np.float64) - starts
    # Durations to 12 significant digits: 15.0, not 14.999999999999998. The onset is exact.
    durations = np.array([float(f"{d:.12g}") for d in durations], dtype=np.float64)
    out = pd.DataFrame(
        {
            "onset": starts,
            "duration": durations,
            "trial_type": table["label"].to_numpy(),
            "person": table["person"].to_numpy(),
            "note": table["note"].to_numpy(),
        },
        columns=list(EVENT_COLUMNS),
    )
    for column in ("trial_type", "person", "note"):
        text = [str(v).replace("\r\n", "\n").replace("\r", "\n") for v in out[column]]
        out[column] = [t if t else NA for t in text]
    if not path.parent.is_dir():
        raise FileFormatError(
            f"Cannot write events file '{path}': the folder '{path.parent}' does not exist; "
            "create it first."
        )
    with reading(path, "events file"):
        out.to_csv(path, sep="\t", index=False, encoding="utf-8", lineterminator="\n")
    return path


def read_events_tsv(
    session: xr.DataTree,
    path: PathLike,
    *,
    drop_instant: bool = False,
    replace: bool = True,
) -> xr.DataTree:
    """Read a BIDS ``events.tsv`` file into the session's segments.

    Each row becomes one segment from ``onset`` to ``onset + duration`` (seconds since
    session start: the file's time zero must be the session's). The label is the row's
    ``trial_type`` (where that is missing, its ``value``; else empty), the person its
    ``person`` cell (default ``"both"``), the note its ``note`` cell. ``n/a`` and empty
    cells are missing values. Other columns are ignored.

    Parameters
    ----------
    session : xarray.DataTree
        The session to annotate.
    path : str or os.PathLike
        A tab-separated events file with a header row holding at least ``onset`` and
        ``duration``.
    drop_instant : bool, default False
        Events with a duration of 0 or ``n/a`` mark an instant, which a segment (a span)
        cannot hold. By default they are an error; with True they are skipped with a
        ``UserWarning`` saying how many were dropped.
    replace : bool, default True
        Replace the session's segments with the file's rows; with False, add the rows to
        the segments already there.

    Returns
    -------
    xarray.DataTree
        A new session; the input is unchanged.

    Raises
    ------
    FileFormatError
        If the file is missing, empty, lacks ``onset``/``duration`` or holds text where a
        number belongs; the message names the file, the column and the data row.
    SegmentError
        If a row is an instant event (without ``drop_instant=True``), lies outside the
        session or names an unknown person; the message names the file and the data row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> import concordlab
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sub-01_task-therapy_events.tsv"
    >>> _ = path.write_text(
    ...     "onset\\tduration\\ttrial_type\\tperson\\n"
    ...     "0\\t30\\tintro\\tn/a\\n"
    ...     "42.5\\t0\\tbutton\\tpatient\\n"
    ...     "60\\t20.5\\ttherapist talks\\ttherapist\\n"
    ... )
    >>> s = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     s = concordlab.read_events_tsv(s, path, drop_instant=True)
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    '...events.tsv': dropped 1 instant event(s) (duration 0 or n/a) ...
    >>> concordlab.segments(s)
       start   end            label     person note
    0    0.0  30.0            intro       both
    1   60.0  80.5  therapist talks  therapist
    """
    validate_session(session)
    path = check_path(path, "path", "events file")
    drop_instant = FLAG.check(drop_instant, "drop_instant")
    replace = FLAG.check(replace, "replace")
    with reading(path, "events file"):
        table = _read_events_table(path)
        onsets = numeric_column(table["onset"], path, "onset")
        durations = numeric_column(table["duration"], path, "duration")
    labels = _text_column(table, "trial_type")
    if "value" in table.columns:
        values = _text_column(table, "value")
        labels = [label or value for label, value in zip(labels, values, strict=True)]
    people = [p or BOTH for p in _text_column(table, "person")]
    notes = _text_column(table, "note")

    def where(row: int) -> str:
        return f"'{path}', data row {row + 1} (onset {onsets[row]:g} s, trial_type {labels[row]!r})"

    missing = np.flatnonzero(np.isnan(onsets))
    if missing.size:
        row = int(missing[0])
        raise FileFormatError(
            f"'{path}', column 'onset', data row {row + 1}: the onset is missing; every event "
            "needs an onset in seconds."
        )
    negative = np.flatnonzero(durations < 0)
    if negative.size:
        row = int(negative[0])
        raise SegmentError(
            f"{where(row)}: the duration {durations[row]:g} s is negative; give the duration "
            "as a positive number of seconds."
        )
    instant = np.isnan(durations) | (durations == 0)
    if instant.any():
        if not drop_instant:
            row = int(np.flatnonzero(instant)[0])
            more = int(instant.sum()) - 1
            raise SegmentError(
                f"{where(row)}: the duration is {table['duration'].iloc[row] or NA!r}, an instant "
                f"event{f' (and {more} more)' if more else ''}; a segment needs a span. Pass "
                "drop_instant=True to skip instant events, or give them a duration in the file."
            )
        warnings.warn(
            f"'{path}': dropped {int(instant.sum())} instant event(s) (duration 0 or n/a) "
            "that a segment cannot hold; give them a duration in the file to keep them.",
            UserWarning,
            stacklevel=2,
        )
    keep = np.flatnonzero(~instant)
    starts = onsets[keep]
    with np.errstate(over="ignore"):  # an end beyond float range is refused below, by row
        ends = onsets[keep] + durations[keep]
    first, last = time_span(session)
    tolerance = 1e-9 * max(1.0, abs(first), abs(last))
    allowed = (*_labels(session), BOTH)
    for position, row in enumerate(keep):
        if starts[position] < first - tolerance:
            raise SegmentError(
                f"{where(row)}: the event starts before the session, which spans "
                f"{first:g}-{last:g} s; remove the event or clip it to the recording in the file."
            )
        if ends[position] > last + tolerance:
            raise SegmentError(
                f"{where(row)}: the event ends at {ends[position]:g} s, outside the session, "
                f"which spans {first:g}-{last:g} s; remove the event or shorten it in the file."
            )
        if people[row] not in allowed:
            raise SegmentError(
                f"{where(row)}, column 'person': {people[row]!r} is not a person of this "
                f"session; use one of {list(allowed)} (or n/a for both)."
            )
    rows = pd.DataFrame(
        {
            "start": starts,
            "end": ends,
            "label": [labels[i] for i in keep],
            "person": [people[i] for i in keep],
            "note": [notes[i] for i in keep],
        }
    )
    if not replace:
        rows = pd.concat([segments(session), rows], ignore_index=True)
    try:
        return set_segments(session, rows)
    except SegmentError as error:
        raise SegmentError(f"'{path}': {error}") from None


def _read_events_table(path: Path) -> pd.DataFrame:
    with open(path, encoding="utf-8-sig") as handle:  # -sig: tolerate a byte-order mark
        text = handle.read()
    if not text.strip():
        raise FileFormatError(
            f"'{path}' is empty; a BIDS events file needs a header row "
            "(onset<TAB>duration<TAB>trial_type ...) and one row per event."
        )
    try:
        # header=None: a row longer than the header is an error, not a silent index column.
        table = pd.read_csv(
            path,
            sep="\t",
            header=None,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            encoding="utf-8-sig",
            engine="c",
        )
    except pd.errors.ParserError as error:
        raise FileFormatError(
            f"'{path}' is not a valid tab-separated table ({error}); every row must hold as "
            "many tab-separated cells as the header."
        ) from None
    refuse_short_rows(path, "\t", 0, True, table.shape[1])  # pandas fills them silently
    header = ["" if pd.isna(c) else str(c).strip() for c in table.iloc[0]]
    table = table.iloc[1:].reset_index(drop=True)
    table.columns = header
    repeated = sorted(name for name, count in Counter(header).items() if count > 1)
    if repeated:
        raise FileFormatError(
            f"'{path}': the column name(s) {repeated} appear more than once in the header; "
            "give each column its own name."
        )
    missing = [c for c in ("onset", "duration") if c not in table.columns]
    if missing:
        hint = ""
        if len(table.columns) == 1 and ("," in table.columns[0] or ";" in table.columns[0]):
            hint = " It looks comma- or semicolon-separated; BIDS events files use tabs."
        raise FileFormatError(
            f"'{path}' lacks the column(s) {missing}; its header holds {list(table.columns)}. "
            f"A BIDS events file needs 'onset' and 'duration' (seconds).{hint}"
        )
    return table


def _text_column(table: pd.DataFrame, column: str) -> list[str]:
    """A text column with ``n/a`` and empty cells as ``""``; all ``""`` when absent."""
    if column not in table.columns:
        return [""] * len(table)
    cells = table[column].tolist()
    return ["" if pd.isna(c) or str(c).strip() in ("", NA) else str(c) for c in cells]


# --------------------------------------------------------------------------- BIDS names


@dataclass(frozen=True)
class _Name:
    """A BIDS file name: ``<key>-<label>_..._<suffix><extension>``."""

    entities: dict[str, str]
    suffix: str
    extension: str


def _bids_name(filename: str) -> _Name:
    """Parse a file name as the BIDS validator does (its ``readEntities``).

    The extension is everything from the first dot; the suffix is the last ``_`` part when
    there are several parts (or the only part, when it is alphanumeric); every other part
    is an entity ``key-label``.

    Examples
    --------
    >>> _bids_name("sub-01_task-rest_recording-cardiac_physio.tsv.gz")
    _Name(entities={'sub': '01', 'task': 'rest', 'recording': 'cardiac'}, suffix='physio', \
extension='.tsv.gz')
    >>> _bids_name("physio.json")
    _Name(entities={}, suffix='physio', extension='.json')
    """
    stem, dot, rest = filename.partition(".")
    parts = stem.split("_")
    suffix = ""
    if len(parts) > 1 or re.fullmatch(r"[A-Za-z0-9]+", parts[-1]):
        suffix = parts.pop()
    entities: dict[str, str] = {}
    for part in parts:
        key, _, label = part.partition("-")
        entities[key] = label or "NOENTITY"  # as the validator: an entity without a label
    return _Name(entities, suffix, dot + rest)


def _dataset_root(path: Path) -> Path | None:
    """The nearest folder above ``path`` holding ``dataset_description.json``, or None."""
    for folder in path.absolute().parents:
        if (folder / "dataset_description.json").is_file():
            return folder
    return None


def _levels(path: Path, root: Path | None) -> list[Path]:
    """The folders from ``root`` down to ``path``'s own (only its own when root is None)."""
    folder = path.absolute().parent
    if root is None:
        return [folder]
    root = root.absolute()
    levels = [folder]
    while folder != root:
        if folder.parent == folder:
            raise ValidationError(f"'{path}' is not inside the dataset folder '{root}'.")
        folder = folder.parent
        levels.append(folder)
    return levels[::-1]


class _Listing:
    """The files of each folder, listed once per read (several files share folders)."""

    def __init__(self) -> None:
        self._files: dict[Path, list[tuple[str, _Name]]] = {}

    def __call__(self, folder: Path) -> list[tuple[str, _Name]]:
        if folder not in self._files:
            with reading(folder, "folder"):
                try:
                    names = sorted(e.name for e in os.scandir(folder) if e.is_file())
                except FileNotFoundError:
                    names = []  # the data file's folder need not exist to resolve metadata
            self._files[folder] = [(name, _bids_name(name)) for name in names]
        return self._files[folder]


def _applicable(
    path: Path, root: Path | None, suffix: str, extension: str, listing: _Listing
) -> list[Path]:
    """The metadata files applicable to ``path`` by the inheritance principle, root first."""
    data = _bids_name(path.name).entities
    found = []
    for level in _levels(path, root):
        candidates = [
            level / name
            for name, parsed in listing(level)
            if parsed.extension == extension
            and parsed.suffix == suffix
            and all(data.get(key) == label for key, label in parsed.entities.items())
            and name != path.name
        ]
        if len(candidates) > 1:
            raise FileFormatError(
                f"{len(candidates)} files in one folder apply to '{path}' by the BIDS "
                f"inheritance principle: {[str(c) for c in candidates]}. BIDS allows at most "
                "one applicable file per folder (rule 4), so which one wins is not defined; "
                "merge them, or move the more general one a folder up."
            )
        found.extend(candidates)
    return found


def bids_metadata_files(
    path: PathLike,
    *,
    root: PathLike | None = None,
    suffix: str | None = None,
    extension: str = ".json",
) -> list[Path]:
    """The metadata files that apply to a BIDS data file, most general first.

    Follows the BIDS specification's inheritance principle: a metadata file applies to a
    data file when it lies in the data file's folder or a folder above it, up to the
    dataset root; has the same suffix (``physio``, ``events`` ...) and the wanted
    extension; and has no entity (``sub-01``, ``task-rest``, ``run-1`` ...) that the data
    file does not have with the same label. At most one file may apply per folder. JSON
    files are merged in the order returned (see :func:`read_bids_sidecar`); of tables
    (``events.tsv``), only the last, most specific, counts.

    Parameters
    ----------
    path : str or os.PathLike
        The data file (such as ``sub-01/func/sub-01_task-rest_physio.tsv.gz``); it need
        not exist.
    root : str or os.PathLike, optional
        The dataset root. Default: the nearest folder above ``path`` holding
        ``dataset_description.json``; without one, only ``path``'s own folder is searched.
    suffix : str, optional
        The metadata files' suffix; default the data file's (``events`` finds the events
        table that applies to a physio file).
    extension : str, default ".json"
        The metadata files' extension, with its dot (``".tsv"`` for events tables).

    Returns
    -------
    list of pathlib.Path
        From the dataset root down to the data file's folder.

    Raises
    ------
    FileFormatError
        If several files in one folder apply (the specification forbids it), or a folder
        cannot be listed.
    ValidationError
        If ``path`` is not inside ``root``, or an argument has the wrong type.

    Examples
    --------
    The specification's first example: ``task-rest_bold.json`` at the root applies to every
    rest run; ``..._acq-longtr_bold.json`` only to the run with ``acq-longtr``.

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> func = root / "sub-01" / "func"
    >>> func.mkdir(parents=True)
    >>> for name in ("dataset_description.json", "task-rest_bold.json",
    ...              "sub-01/func/sub-01_task-rest_acq-longtr_bold.json"):
    ...     _ = (root / name).write_text("{}")
    >>> def names(data):
    ...     files = bids_metadata_files(func / data)
    ...     return [p.relative_to(root).as_posix() for p in files]
    >>> names("sub-01_task-rest_acq-default_bold.nii.gz")
    ['task-rest_bold.json']
    >>> names("sub-01_task-rest_acq-longtr_bold.nii.gz")
    ['task-rest_bold.json', 'sub-01/func/sub-01_task-rest_acq-longtr_bold.json']
    """
    path = check_path(path, "path", "BIDS data file")
    if root is not None:
        root = check_path(root, "root", "dataset folder")
    else:
        root = _dataset_root(path)
    if suffix is not None:
        suffix = Text(non_empty=True, example="'events'").check(suffix, "suffix")
    extension = Text(non_empty=True, example="'.json'").check(extension, "extension")
    suffix = _bids_name(path.name).suffix if suffix is None else suffix
    return _applicable(path, root, suffix, extension, _Listing())


def read_bids_sidecar(path: PathLike, *, root: PathLike | None = None) -> dict[str, Any]:
    """The JSON metadata of a BIDS data file, merged along the inheritance principle.

    The JSON files of :func:`bids_metadata_files` are read from the dataset root down to
    the data file's folder; a key of a lower (more specific) file replaces the same key of
    a higher one, whole (a column's ``{"Units": ...}`` entry is replaced, not merged); a
    key a lower file does not have is kept.

    Parameters
    ----------
    path : str or os.PathLike
        The data file.
    root : str or os.PathLike, optional
        The dataset root; default the nearest folder above ``path`` holding
        ``dataset_description.json`` (without one, only ``path``'s folder is searched).

    Returns
    -------
    dict
        The merged key-values; empty when no sidecar applies.

    Raises
    ------
    FileFormatError
        If a sidecar is not a valid JSON object, or several apply in one folder.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "sub-01" / "func").mkdir(parents=True)
    >>> _ = (root / "dataset_description.json").write_text("{}")
    >>> _ = (root / "task-rest_physio.json").write_text(json.dumps(
    ...     {"SamplingFrequency": 100, "StartTime": 0, "Columns": ["cardiac"]}))
    >>> _ = (root / "sub-01" / "sub-01_task-rest_physio.json").write_text(json.dumps(
    ...     {"StartTime": -1.5}))
    >>> read_bids_sidecar(root / "sub-01" / "func" / "sub-01_task-rest_physio.tsv.gz")
    {'SamplingFrequency': 100, 'StartTime': -1.5, 'Columns': ['cardiac']}
    """
    return _merged_sidecar(bids_metadata_files(path, root=root))[0]


def _merged_sidecar(files: list[Path]) -> tuple[dict[str, Any], dict[str, Path]]:
    """The key-values of ``files`` merged in order, and the file each key came from."""
    merged: dict[str, Any] = {}
    origin: dict[str, Path] = {}
    for file in files:
        info = _load_json_object(file)
        merged.update(info)
        origin.update(dict.fromkeys(info, file))
    return merged, origin


def _load_json_object(sidecar: Path) -> dict[str, Any]:
    with reading(sidecar, "JSON sidecar"):
        try:
            info = json.loads(sidecar.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise FileFormatError(
                f"'{sidecar}' is not valid JSON ({error.msg} at line {error.lineno}, column "
                f"{error.colno}); fix the file."
            ) from None
    if not isinstance(info, dict):
        raise FileFormatError(
            f"'{sidecar}' must hold a JSON object ({{...}}) with SamplingFrequency, StartTime "
            f"and Columns, not a {type(info).__name__}."
        )
    return info


# --------------------------------------------------------------------------- dataset queries

# The entities a physio file is chosen by: parameter name -> BIDS key.
_ENTITIES = {
    "subject": "sub",
    "session": "ses",
    "task": "task",
    "acquisition": "acq",
    "run": "run",
    "recording": "recording",
}
_PARAMETER = {key: name for name, key in _ENTITIES.items()}
_LABEL = re.compile(r"[A-Za-z0-9+]+")


def is_bids_dataset(path: Path) -> bool:
    """Whether ``path`` is a BIDS dataset's root folder (it holds ``dataset_description.json``).

    Examples
    --------
    >>> is_bids_dataset(Path("tests/data/bids-examples/ds210"))
    True
    """
    return path.is_dir() and (path / "dataset_description.json").is_file()


def _entity_label(value: Any, name: str) -> str | None:
    """An entity's label from a parameter: ``"01"``, ``"sub-01"`` or (run) ``1``."""
    if value is None:
        return None
    key = _ENTITIES[name]
    if name == "run" and not isinstance(value, str):
        return str(Integer(low=0, example="1").check(value, name))
    text = Text(non_empty=True, example="'01'").check(value, name).strip()
    if text.startswith(f"{key}-"):
        text = text[len(key) + 1 :]
    if not _LABEL.fullmatch(text):
        raise ValidationError(
            f"{name} must be a BIDS label (letters and digits, as in '{key}-<label>' of the "
            f"file names; give it with or without '{key}-'), got {value!r}."
        )
    return text


def _same_label(key: str, have: str | None, want: str) -> bool:
    if have is None:
        return False
    if key == "run" and have.isdigit() and want.isdigit():
        return int(have) == int(want)  # an index: run-01 is run 1
    return have == want


def _query_text(query: dict[str, str]) -> str:
    return ", ".join(f"{_PARAMETER[key]}={label!r}" for key, label in query.items())


def _find_physio(root: Path, query: dict[str, str]) -> list[Path]:
    """The physio files of one subject matching ``query`` (BIDS key -> label).

    Files that differ only in their ``recording-<label>`` are one person's recording at
    several rates and are all returned; files that differ in anything else are an error.
    """
    subject = query["sub"]
    folder = root / f"sub-{subject}"
    if not folder.is_dir():
        present = sorted(p.name[4:] for p in root.glob("sub-*") if p.is_dir())
        raise FileFormatError(
            f"The BIDS dataset '{root}' has no subject '{subject}' (no folder "
            f"'sub-{subject}'); its subjects are {present}."
        )
    with reading(folder, "subject folder"):
        files = sorted(
            p
            for p in folder.rglob("*_physio.tsv*")
            if p.name.endswith(("_physio.tsv.gz", "_physio.tsv")) and p.is_file()
        )
    named = [(p, _bids_name(p.name).entities) for p in files]
    chosen = [
        (p, e)
        for p, e in named
        if all(_same_label(key, e.get(key), label) for key, label in query.items())
    ]
    where = f"BIDS dataset '{root}'"
    if not chosen:
        listed = [p.relative_to(root).as_posix() for p, _ in named]
        more = f" (and {len(listed) - 20} more)" if len(listed) > 20 else ""
        raise FileFormatError(
            f"No physio file of the {where} matches {_query_text(query)}; subject "
            f"'{subject}' has {listed[:20]}{more}. Change the entities to those of one of them."
        )
    groups: dict[tuple[tuple[str, str], ...], list[Path]] = {}
    for path, entities in chosen:
        rest = tuple(sorted((k, v) for k, v in entities.items() if k != "recording"))
        groups.setdefault(rest, []).append(path)
    return _single_group(root, query, groups)


def _single_group(
    root: Path, query: dict[str, str], groups: dict[tuple[tuple[str, str], ...], list[Path]]
) -> list[Path]:
    if len(groups) == 1:
        return next(iter(groups.values()))
    pairs = [set(group) for group in groups]
    differing = sorted({k for pair in pairs for k, _ in pair - set.intersection(*pairs)})
    listed = [p.relative_to(root).as_posix() for paths in groups.values() for p in paths]
    named = [f"{_PARAMETER[k]}=..." for k in differing if k in _PARAMETER]
    other = [k for k in differing if k not in _PARAMETER]
    fix = f"give {', '.join(named)} to choose one" if named else ""
    if other:
        fix += (" and " if fix else "") + (
            f"they differ in {other}, which cannot be chosen by parameter: give the file's "
            "path instead"
        )
    raise FileFormatError(
        f"{_query_text(query)} matches {len(listed)} physio files of the BIDS dataset "
        f"'{root}' that are not one recording (they differ in {differing}): {listed}; {fix}."
    )


# --------------------------------------------------------------------------- physio.tsv.gz


@dataclass
class _PhysioFile:
    """One ``*_physio.tsv.gz`` file's merged sidecar, and its data once read."""

    path: Path
    sidecar: Path  # the sidecar that gave Columns
    rate: float
    start: float
    columns: list[str]
    units: dict[str, str]
    descriptions: dict[str, str]
    recording: str
    sidecars: list[Path] = field(default_factory=list)  # all that apply, root first
    rate_source: Path | None = None  # the sidecar that gave SamplingFrequency
    root: Path | None = None  # the dataset root, if the file lies in a BIDS dataset
    names: list[str] = field(default_factory=list)
    column_of: dict[str, str] = field(default_factory=dict)  # channel name -> column
    data: dict[str, np.ndarray] = field(default_factory=dict)


def read_bids_recording(
    path: PathLike | Sequence[PathLike],
    *,
    subject: str | None = None,
    session: str | None = None,
    task: str | None = None,
    run: int | str | None = None,
    acquisition: str | None = None,
    recording: str | None = None,
    channels: str | Sequence[str] | None = None,
    person: str | None = None,
) -> Recording:
    """Read one person's BIDS physiological recording (``*_physio.tsv.gz`` + JSON sidecars).

    The file's metadata is the JSON sidecars that apply to it by the BIDS inheritance
    principle (see :func:`read_bids_sidecar`), merged from the dataset root down: it gives
    ``SamplingFrequency``, ``StartTime`` (the channel's ``offset``: seconds of the first
    sample relative to the events' time zero, the recording's zero) and ``Columns``; each
    column becomes a channel named by the lower-cased column name, with the ``Units`` and
    ``Description`` of the sidecar's ``"<column>"`` entry (no ``Units``: unknown, ``""``).
    The absolute start comes from a ``*_scans.tsv`` ``acq_time``, as in
    :func:`read_bids_physio`. Markers are not read here: BIDS keeps them in the
    ``events.tsv`` of the session.

    Parameters
    ----------
    path : path or sequence of paths
        The person's ``*_physio.tsv.gz`` (or ``.tsv``) file, or several
        ``_recording-<label>_physio`` files of that person; or the BIDS dataset's root
        folder (holding ``dataset_description.json``), with ``subject`` and, as needed,
        the other entities to choose the files.
    subject, session, task, acquisition, recording : str, optional
        Entity labels (``"01"`` or ``"sub-01"`` ...) choosing the physio file in a dataset
        folder; ``subject`` is required there. Without ``recording``, every
        ``_recording-<label>`` file of the choice is read (one channel set per rate).
    run : int or str, optional
        The run (an index: ``1`` matches ``run-1`` and ``run-01``).
    channels : str or sequence of str, optional
        Channels to read (lower-case names); default all.
    person : str, optional
        The person's label, kept on the recording.

    Returns
    -------
    Recording
        ``source`` holds ``path`` (the first file), ``format`` (``"bids-physio"``),
        ``name`` (the BIDS prefix), ``paths`` (all files), ``files`` (each channel's) and
        ``sidecars`` (each file's applicable sidecars, most general first).

    Raises
    ------
    FileFormatError
        Naming the file and what to fix (see :func:`read_bids_physio`); for a dataset
        folder, also when the entities match no file, or several files that are not one
        recording (they are listed).
    ValidationError
        For a bad argument, or entities given with a file path.

    Examples
    --------
    >>> import gzip, json, tempfile, pathlib
    >>> stem = pathlib.Path(tempfile.mkdtemp()) / "sub-01_task-rest_physio"
    >>> _ = stem.with_suffix(".json").write_text(json.dumps(
    ...     {"SamplingFrequency": 4, "StartTime": -0.5, "Columns": ["EDA"]}))
    >>> _ = pathlib.Path(f"{stem}.tsv.gz").write_bytes(gzip.compress(b"2.0\\n2.1\\n2.2\\n"))
    >>> r = read_bids_recording(f"{stem}.tsv.gz")
    >>> r.channel_names, r.channels["eda"].offset, r.source["format"]
    (('eda',), -0.5, 'bids-physio')

    From a dataset folder, with the sidecar inherited from the subject's folder:

    >>> r = read_bids_recording("tests/data/bids-examples/ds210", subject="01", task="rest")
    >>> r.channel_names, r.channels["cardiac"].sampling_rate, r.channels["cardiac"].units
    (('cardiac', 'respiratory'), 50.0, '')
    >>> r.source["sidecars"][r.path]
    ['.../ds210/sub-01/sub-01_task-rest_physio.json']
    """
    label = "path" if person is None else Text(non_empty=True).check(person, "person")
    entities = {
        "subject": subject,
        "session": session,
        "task": task,
        "run": run,
        "acquisition": acquisition,
        "recording": recording,
    }
    paths, root = _physio_paths(path, "path", _labels_of(entities))
    listing = _Listing()
    files = [_read_sidecar(p, root, listing) for p in paths]
    _name_channels(files)
    selected = _select_channels([files, files], channels, (label, label))
    return _recording(files, selected, _scans_start_time(files[0]) or None, person)


def _labels_of(entities: dict[str, Any]) -> dict[str, str]:
    """The given entity parameters as BIDS key -> label."""
    labels = {name: _entity_label(value, name) for name, value in entities.items()}
    return {_ENTITIES[name]: label for name, label in labels.items() if label is not None}


def _physio_paths(
    argument: Any, name: str, query: dict[str, str]
) -> tuple[list[Path], Path | None]:
    """The physio files an argument names: paths, or a dataset folder queried by entities."""
    if isinstance(argument, str | os.PathLike) and Path(argument).is_dir():
        root = check_path(argument, name, "BIDS dataset folder")
        if not is_bids_dataset(root):
            raise FileFormatError(
                f"'{root}' is a folder but not the root of a BIDS dataset (it holds no "
                "dataset_description.json); give the dataset's root folder, or the "
                "*_physio.tsv.gz file's path."
            )
        if "sub" not in query:
            raise ValidationError(
                f"{name} is the BIDS dataset folder '{root}': give subject=... (and, as "
                "needed, session, task, run, acquisition, recording) to choose the physio file."
            )
        return _find_physio(root, query), root
    if query:
        given = [_PARAMETER[key] for key in query]
        raise ValidationError(
            f"{given} choose files in a BIDS dataset folder, but {name} is not one "
            f"({argument!r}); give the dataset's root folder as {name}, or leave them out."
        )
    return _as_paths(argument, name), None


def _recording(
    files: list[_PhysioFile], selected: list[str], start_time: str | None, person: str | None
) -> Recording:
    channels = {}
    for name in selected:
        item = _file_with(files, name)
        _read_data(item)
        column = _column_of(item, name)
        channels[name] = Channel(
            item.data[name],
            item.rate,
            units=item.units.get(column, ""),
            long_name=item.descriptions.get(column, ""),
            offset=item.start,
        )
    source = {
        "path": str(files[0].path),
        "format": "bids-physio",
        "name": _bids_prefix(files[0].path),
        "paths": [str(item.path) for item in files],
        "files": {name: str(_file_with(files, name).path) for name in selected},
        "sidecars": {str(item.path): [str(s) for s in item.sidecars] for item in files},
        "rate_field": "SamplingFrequency",
    }
    return Recording(channels, start_time, (), source, person)


def read_bids_physio(
    person1: PathLike | Sequence[PathLike],
    person2: PathLike | Sequence[PathLike] | None = None,
    *,
    subjects: Sequence[str] | None = None,
    session: str | None = None,
    task: str | None = None,
    run: int | str | None = None,
    acquisition: str | None = None,
    recording: str | None = None,
    persons: Sequence[str] = DEFAULT_PERSONS,
    channels: str | Sequence[str] | None = None,
    events: PathLike | bool | None = None,
    drop_instant: bool = False,
    session_id: str | None = None,
    start_time: str | None = None,
) -> xr.DataTree:
    """Read a dyad from BIDS physiological recordings (``*_physio.tsv.gz`` + JSON sidecars).

    Give each person's files, or the dataset folder with the two ``subjects`` and the
    entities that choose their recordings (``task``, ``session``, ``run`` ...).

    Each data file is headerless and tab-separated (gzipped when it ends in ``.gz``). Its
    metadata is the JSON sidecars that apply to it by the BIDS inheritance principle (see
    :func:`read_bids_sidecar`): ``<name>.json`` next to it, and ``*_physio.json`` files
    whose entities are a subset of the file's in the folders above it up to the dataset
    root (the nearest folder holding ``dataset_description.json``), merged from the root
    down, the most specific last. They give ``SamplingFrequency`` (Hz), ``StartTime``
    (seconds of the first sample relative to the events' time zero, may be negative) and
    ``Columns``. Every column becomes a channel named by the lower-cased column name
    (``cardiac``, ``respiratory``, ``eda``, ``trigger`` ...), with the units of the
    sidecar's ``"<column>": {"Units": ...}`` entry (none: unknown, ``""``) and its
    ``Description`` as long name. ``n/a`` cells are missing (NaN). ``channels.tsv`` and
    ``events.json`` are not read: BIDS does not associate a ``channels.tsv`` with physio
    files, and ``events.json`` only describes the events table's columns.

    Session time zero is the events' time zero, so each channel's ``time`` starts at its
    ``StartTime``. Both persons' files are taken to share that zero (as in a hyperscanning
    recording). Where the persons' ``StartTime`` differ, both are placed on one grid per
    channel with NaN where one person was not recording.

    Parameters
    ----------
    person1 : path or sequence of paths
        The first person's ``*_physio.tsv.gz`` (or ``.tsv``) file, or a list of them: BIDS
        keeps recordings at different rates in separate ``_recording-<label>_physio``
        files. A column name found in several of one person's files is suffixed with the
        file's recording label (``trigger_cardiac``, ``trigger_resp``). Or the BIDS
        dataset's root folder, with ``subjects``.
    person2 : path or sequence of paths, optional
        The second person's file(s); not given with a dataset folder.
    subjects : pair of str, optional
        With a dataset folder: the two subjects' labels (``("01", "02")``, with or
        without ``sub-``), in the order of ``persons``.
    session, task, acquisition, recording : str, optional
        With a dataset folder: the entity labels both subjects' files must have. Without
        ``recording``, every ``_recording-<label>`` file of the choice is read.
    run : int or str, optional
        With a dataset folder: the run (an index: ``1`` matches ``run-1`` and ``run-01``).
    persons : pair of str, default ("patient", "therapist")
        Person labels, in argument order.
    channels : str or sequence of str, optional
        Channels to read (lower-case names). Default: all; then both persons must have
        the same channels.
    events : path, bool or None, default None
        An ``events.tsv`` file to read into segments (with :func:`read_events_tsv`). None
        reads the events table that applies to person1's first file by the inheritance
        principle, if there is one: the most specific ``*_events.tsv`` whose entities are
        a subset of that file's, next to it or in a folder above it up to the dataset
        root; True requires one; False reads no events.
    drop_instant : bool, default False
        Passed to :func:`read_events_tsv`: skip events of duration 0 or ``n/a``.
    session_id : str, optional
        Default: the BIDS prefix of person1's file (``sub-01_task-therapy``), joined to
        person2's with ``+`` when they differ.
    start_time : str, optional
        Absolute time of time zero (ISO 8601). Default: from the ``acq_time`` of a
        ``*_scans.tsv`` file in the folder of person1's file or the one above it, if
        it lists the physio file or a file of the same prefix; else left empty. Give
        ``""`` to skip the search.

    Returns
    -------
    xarray.DataTree
        The session.

    Raises
    ------
    FileFormatError
        Naming the file and what to fix: a missing file or sidecar, sidecars without
        ``SamplingFrequency``/``StartTime``/``Columns`` (or whose ``SamplingFrequency``
        is not a rate above 0 and at most 1e6 Hz, or whose ``StartTime`` is not a finite
        number of seconds), several sidecars or events tables applying from one folder
        (BIDS forbids it), invalid JSON, a truncated or damaged gzip file, a column count
        that disagrees with ``Columns``, a header row, text in the data, channels only one
        person has, rates that differ between persons, start times not a whole number of
        samples apart, recordings that do not overlap in time; with a dataset folder,
        entities that match no file, or several files that are not one recording (listed).
    ValidationError
        For a bad argument: a path that is not a str or path, channels or events of the
        wrong type, a missing ``person2`` or ``subjects``, entities given with file paths.
    SegmentError
        If the events file holds events the session cannot take.

    Examples
    --------
    >>> import gzip, json, tempfile, pathlib
    >>> import concordlab
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> def physio(subject, start, values):
    ...     stem = folder / f"sub-{subject}_task-therapy_physio"
    ...     sidecar = {"SamplingFrequency": 4, "StartTime": start, "Columns": ["eda"],
    ...                "eda": {"Units": "uS"}}
    ...     _ = stem.with_suffix(".json").write_text(json.dumps(sidecar))
    ...     text = "".join(f"{v}\\n" for v in values)
    ...     _ = pathlib.Path(f"{stem}.tsv.gz").write_bytes(gzip.compress(text.encode()))
    ...     return f"{stem}.tsv.gz"
    >>> s = concordlab.read_bids_physio(physio("01", -0.5, [2.0, 2.1, 2.2, 2.3]),
    ...                                 physio("02", 0.0, [5.0, 5.1, 5.2]))
    >>> s["eda"]["time"].values.tolist()
    [-0.5, -0.25, 0.0, 0.25, 0.5]
    >>> s["eda"]["eda"].values.tolist()
    [[2.0, 2.1, 2.2, 2.3, nan], [nan, nan, 5.0, 5.1, 5.2]]
    >>> s["eda"]["eda"].attrs["units"], s.attrs["session_id"]
    ('uS', 'sub-01_task-therapy+sub-02_task-therapy')

    From a dataset folder (the sidecar ``task-nback_physio.json`` and the events table
    ``task-nback_events.tsv`` are inherited from the dataset root):

    >>> s = concordlab.read_bids_physio("tests/data/bids-examples/synthetic",
    ...                                 subjects=("01", "02"), session="01", task="nback",
    ...                                 run=1)
    >>> concordlab.channels(s), s["cardiac"]["cardiac"].attrs["sampling_rate"]
    (['respiratory', 'cardiac'], 10.0)
    >>> s.attrs["session_id"], s.attrs["start_time"]
    ('sub-01_ses-01_task-nback_run-01+sub-02_ses-01_task-nback_run-01', '1880-01-10T05:22:54')
    >>> concordlab.segments(s)["label"].iloc[0]
    'scene_nontarget_nbackparam'
    """
    persons = PERSONS.check(persons, "persons")
    drop_instant = FLAG.check(drop_instant, "drop_instant")
    if session_id is not None:
        session_id = Text(non_empty=True).check(session_id, "session_id")
    if start_time is not None:
        start_time = Text().check(start_time, "start_time")
    if not (events is None or isinstance(events, bool | str | os.PathLike)):
        raise ValidationError(
            f"events must be the path of an events.tsv file, True, False or None; got {events!r}."
        )
    query = _labels_of(
        {
            "session": session,
            "task": task,
            "run": run,
            "acquisition": acquisition,
            "recording": recording,
        }
    )
    listing = _Listing()
    if isinstance(person1, str | os.PathLike) and Path(person1).is_dir():
        if person2 is not None:
            raise ValidationError(
                f"person1 is a folder ('{person1}'), so person2 must not be given: choose both "
                "persons' recordings in the BIDS dataset with subjects=('01', '02'), or give "
                "each person's *_physio.tsv.gz file."
            )
        labels = _subject_pair(subjects)
        found = [_physio_paths(person1, "person1", {"sub": s, **query}) for s in labels]
        groups = [paths for paths, _ in found]
        roots = [root for _, root in found]
    else:
        if subjects is not None:
            raise ValidationError(
                "subjects choose files in a BIDS dataset folder, but person1 is not one "
                f"({person1!r}); give the dataset's root folder as person1, or leave "
                "subjects out."
            )
        if person2 is None:
            raise ValidationError(
                "person2 must be the path of the second person's *_physio.tsv.gz file (or a "
                "list of them); or give the dataset folder as person1 with "
                "subjects=('01', '02'). Got None."
            )
        found = [_physio_paths(person1, "person1", query), _physio_paths(person2, "person2", {})]
        groups = [paths for paths, _ in found]
        roots = [root for _, root in found]
    files = [
        [_read_sidecar(path, root, listing) for path in group]
        for group, root in zip(groups, roots, strict=True)
    ]
    for person_files in files:
        _name_channels(person_files)
    selected = _select_channels(files, channels, persons)
    # Both persons share the events' time zero: no per-recording clock (start_time None).
    recordings = [
        _recording(person_files, selected, None, person)
        for person_files, person in zip(files, persons, strict=True)
    ]
    if start_time is None:
        start_time = _scans_start_time(files[0][0])
    events_path = _events_path(events, files[0][0], listing)
    session = pair_recordings(
        recordings,
        persons=persons,
        align="pad",
        session_id=session_id,
        start_time=start_time,
        metadata={"events": None if events_path is None else str(events_path)},
        reader="read_bids_physio",
    )
    if events_path is None:
        return session
    try:
        return read_events_tsv(session, events_path, drop_instant=drop_instant)
    except SegmentError as error:
        raise SegmentError(
            f"{error} (To read the recordings without their events, pass events=False.)"
        ) from None


def _subject_pair(subjects: Any) -> tuple[str, str]:
    if isinstance(subjects, str | bytes) or not isinstance(subjects, Sequence):
        raise ValidationError(
            "subjects must be the two subjects' labels when person1 is a BIDS dataset folder, "
            f"e.g. subjects=('01', '02'); got {subjects!r}."
        )
    labels = [_entity_label(s, "subject") for s in subjects]
    if len(labels) != 2 or labels[0] == labels[1]:
        raise ValidationError(
            f"subjects must be two different subjects' labels, e.g. subjects=('01', '02'); "
            f"got {tuple(subjects)!r}."
        )
    return labels[0], labels[1]  # type: ignore[return-value]


def _as_paths(argument: Any, name: str) -> list[Path]:
    if isinstance(argument, str | bytes | os.PathLike) or not isinstance(argument, Sequence):
        return [check_path(argument, name, "*_physio.tsv.gz file (or a list of them)")]
    paths = list(argument)
    if not paths:
        raise ValidationError(f"{name} is an empty list; give at least one *_physio.tsv.gz file.")
    return [p for a in paths for p in _as_paths(a, name)]


def _strip_extension(path: Path) -> str | None:
    name = path.name
    for suffix in (".tsv.gz", ".tsv"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return None


def _bids_prefix(path: Path) -> str:
    """The file name without extension, suffix (``_physio``) and ``_recording-`` entity.

    Examples
    --------
    >>> _bids_prefix(Path("sub-01_task-rest_recording-cardiac_physio.tsv.gz"))
    'sub-01_task-rest'
    """
    stem = _strip_extension(path) or path.name.split(".")[0]
    parts = stem.split("_")
    if len(parts) > 1 and "-" not in parts[-1]:
        parts = parts[:-1]
    return "_".join(p for p in parts if not p.startswith("recording-")) or stem


def _read_sidecar(path: Path, root: Path | None, listing: _Listing) -> _PhysioFile:
    """The physio file's sidecars that apply by the inheritance principle, merged and checked.

    ``root`` is the dataset root; None looks for the nearest folder above the file holding
    ``dataset_description.json`` (without one, only the file's own folder is searched).
    """
    stem = _strip_extension(path)
    if stem is None:
        raise FileFormatError(
            f"'{path}' is not a BIDS physiological recording: its name must end in "
            "'_physio.tsv.gz' (or '.tsv'), with a '.json' sidecar of the same name."
        )
    with reading(path, "physio file"):
        if not path.exists():
            raise FileNotFoundError(path)
        if path.is_dir():
            raise IsADirectoryError(path)
    if root is None:
        root = _dataset_root(path)
    name = _bids_name(path.name)
    sidecars = _applicable(path, root, name.suffix, ".json", listing)
    if not sidecars:
        if root is None:
            where = (
                "No folder above it holds a dataset_description.json, so it is not read as "
                "part of a BIDS dataset and no inherited sidecar (such as "
                f"task-<label>_{name.suffix}.json at the dataset root) was searched: add "
                "dataset_description.json at the dataset's root, or put the sidecar next to "
                "the file."
            )
        else:
            where = (
                f"No *_{name.suffix}.json whose entities are all among the file's "
                f"({_entities_text(name.entities)}) lies in its folder or a folder above it "
                f"up to the dataset root '{root}' (the BIDS inheritance principle)."
            )
        raise FileFormatError(
            f"'{path}' has no JSON sidecar: expected '{path.with_name(stem + '.json')}' "
            f"holding SamplingFrequency, StartTime and Columns. {where}"
        )
    info, origin = _merged_sidecar(sidecars)
    rate = _sidecar_number(
        info, origin, sidecars, "SamplingFrequency", SAMPLING_RATE, 'e.g. "SamplingFrequency": 100'
    )
    start = _sidecar_number(
        info,
        origin,
        sidecars,
        "StartTime",
        _START_TIME,
        "the time of the first sample in seconds relative to the events' zero, "
        'e.g. "StartTime": 0',
    )
    columns = info.get("Columns")
    sidecar = origin.get("Columns", sidecars[-1])
    if (
        not isinstance(columns, list)
        or not columns
        or not all(isinstance(c, str) and c.strip() for c in columns)
    ):
        raise FileFormatError(
            f"'{sidecar}': Columns must be a list of the data columns' names, e.g. "
            f'"Columns": ["cardiac", "respiratory"], got {columns!r}.'
        )
    repeated = sorted(name for name, count in Counter(_lowered(columns)).items() if count > 1)
    if repeated:
        raise FileFormatError(
            f"'{sidecar}': Columns names {repeated} more than once (case is ignored); give "
            "each column its own name."
        )
    units: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    for column in columns:
        entry = info.get(column)
        if isinstance(entry, dict):
            if isinstance(entry.get("Units"), str):
                units[column] = entry["Units"]
            if isinstance(entry.get("Description"), str):
                descriptions[column] = entry["Description"]
    return _PhysioFile(
        path=path,
        sidecar=sidecar,
        rate=rate,
        start=start,
        columns=list(columns),
        units=units,
        descriptions=descriptions,
        recording=name.entities.get("recording", ""),
        sidecars=sidecars,
        rate_source=origin["SamplingFrequency"],
        root=root,
    )


def _entities_text(entities: dict[str, str]) -> str:
    return "_".join(f"{key}-{label}" for key, label in entities.items()) or "none"


def _sidecar_number(
    info: dict[str, Any],
    origin: dict[str, Path],
    sidecars: list[Path],
    key: str,
    rule: Real,
    example: str,
) -> float:
    if key not in info:
        if len(sidecars) == 1:
            where = f"'{sidecars[0]}' lacks"
        else:
            listed = ", ".join(f"'{s}'" for s in sidecars)
            where = f"None of the sidecars that apply by BIDS inheritance ({listed}) has; all lack"
        raise FileFormatError(f"{where} {key}; add it: {example}.")
    value = info[key]
    try:
        return rule.check(value, key)
    except ValidationError:
        hint = ""
        if (
            key == "StartTime"
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and MAX_SECONDS <= abs(value) < 1e10
        ):  # seconds since 1970 of a date in 2001-2286: say the date
            hint = (
                f" (as seconds since 1970, the date {describe_time(float(value))}; StartTime is "
                "relative to the events' time zero, not an absolute time)"
            )
        raise FileFormatError(
            f"'{origin[key]}': {key} must be {rule.describe()} (a finite JSON number), got "
            f"{value!r}{hint}; {example}."
        ) from None


def _name_channels(person_files: list[_PhysioFile]) -> None:
    """Set each file's channel names; suffix names that several files share."""
    counts: dict[str, int] = {}
    for item in person_files:
        for column in item.columns:
            counts[column.strip().lower()] = counts.get(column.strip().lower(), 0) + 1
    lowered = [set(_lowered(f.columns)) for f in person_files]
    for item in person_files:
        item.names = []
        for column in item.columns:
            name = column.strip().lower()
            if counts[name] > 1:
                holders = [
                    str(f.path) for f, s in zip(person_files, lowered, strict=True) if name in s
                ]
                labels = [
                    f.recording for f, s in zip(person_files, lowered, strict=True) if name in s
                ]
                if not all(labels) or len(set(labels)) != len(labels):
                    raise FileFormatError(
                        f"Column '{column}' appears in several files of one person ({holders}) "
                        "that have no distinct _recording-<label>; read them separately or "
                        "rename the column in one sidecar's Columns."
                    )
                name = f"{name}_{item.recording.lower()}"
            item.names.append(name)
        item.column_of = dict(zip(item.names, item.columns, strict=True))


def _lowered(columns: list[str]) -> list[str]:
    return [c.strip().lower() for c in columns]


_CHANNELS = Channels(fold_case=True)
"""The channels to read (names in any case); each file is then checked for them."""


def _select_channels(
    files: list[list[_PhysioFile]], channels: str | Sequence[str] | None, persons: tuple[str, str]
) -> list[str]:
    names = [[n for item in person_files for n in item.names] for person_files in files]
    known = [set(n) for n in names]
    where = [", ".join(f"'{item.sidecar}'" for item in person_files) for person_files in files]
    shared = [n for n in names[0] if n in known[1]]
    if channels is None:
        only = [
            [n for n in names[0] if n not in known[1]],
            [n for n in names[1] if n not in known[0]],
        ]
        if only[0] or only[1]:
            parts = [
                f"only {person} ({where[i]}) has {only[i]}"
                for i, person in enumerate(persons)
                if only[i]
            ]
            raise FileFormatError(
                f"The two persons' recordings hold different channels: {'; '.join(parts)}. "
                f"Pass channels=[...] to read those both have: {shared}."
            )
        selected = names[0]
    else:
        # A name neither recording has is the parameter's problem; one only one person's
        # recording has is the files' (they disagree).
        either = names[0] + [n for n in names[1] if n not in known[0]]
        where_either = "the channels of the persons' recordings"
        selected = list(_CHANNELS.check(channels, "channels", available=either, where=where_either))
        for name in selected:
            for i, person in enumerate(persons):
                if name not in known[i]:
                    raise FileFormatError(
                        f"Channel '{name}' is not in {person}'s recording ({where[i]}), whose "
                        f"channels are {names[i]}; channels both persons have: {shared}."
                    )
    for name in selected:
        why = CHANNEL_NAME.problem(name)
        if why:
            item = _file_with(files[0], name)
            raise FileFormatError(
                f"'{item.sidecar}': the column name {name!r} cannot name a channel ({why}; a "
                f"channel name must be {CHANNEL_NAME.describe()}); rename it in Columns, or "
                "leave it out with channels=[...]."
            )
    return selected


def _file_with(person_files: list[_PhysioFile], name: str) -> _PhysioFile:
    return next(item for item in person_files if name in item.column_of)


def _column_of(item: _PhysioFile, name: str) -> str:
    return item.column_of[name]


def _read_data(item: _PhysioFile) -> None:
    """Read the file's data columns into ``item.data`` (once)."""
    if item.data:
        return
    path = item.path
    with reading(path, "physio file"):
        try:
            table = pd.read_csv(
                path,
                sep="\t",
                header=None,
                compression="infer",
                na_values=[NA],
                keep_default_na=True,
                skip_blank_lines=True,
                engine="c",
            )
        except pd.errors.EmptyDataError:
            raise FileFormatError(
                f"'{path}' is empty; it needs one row per sample, with the columns "
                f"{item.columns} named in '{item.sidecar}'."
            ) from None
        except pd.errors.ParserError as error:
            raise FileFormatError(
                f"'{path}' is not a valid tab-separated table ({error}); every row must hold "
                f"{len(item.columns)} tab-separated value(s), the Columns of '{item.sidecar}'."
            ) from None
        if table.shape[1] == len(item.columns) + 1 and table.iloc[:, -1].isna().all():
            table = table.iloc[:, :-1]  # a tab at the end of every row
        if table.shape[1] != len(item.columns):
            raise FileFormatError(
                f"'{path}' has {table.shape[1]} column(s) but its sidecar '{item.sidecar}' "
                f"lists {len(item.columns)} Columns {item.columns}; make them agree."
            )
        first = [str(v).strip().lower() for v in table.iloc[0].tolist()]
        if first == _lowered(item.columns):
            raise FileFormatError(
                f"'{path}' starts with a header row {table.iloc[0].tolist()}; BIDS physio "
                f"files have none (the names belong in the sidecar's Columns). Delete the "
                "first line."
            )
        if len(table) < 2:
            raise FileFormatError(f"'{path}' holds {len(table)} sample(s); at least 2 are needed.")
        if not abs(item.start) + len(table) / item.rate <= MAX_SECONDS:
            raise FileFormatError(
                f"'{item.rate_source}': SamplingFrequency {item.rate:g} Hz makes the "
                f"{len(table)} samples of '{path}' span {len(table) / item.rate:.3g} s from "
                f"StartTime {describe_time(item.start)}, beyond {MAX_SECONDS:g} s; give "
                "SamplingFrequency in Hz (samples per second) and StartTime in seconds."
            )
        for index, (column, name) in enumerate(zip(item.columns, item.names, strict=True)):
            item.data[name] = numeric_column(table.iloc[:, index], path, column)


def _events_path(
    events: PathLike | bool | None, first: _PhysioFile, listing: _Listing
) -> Path | None:
    """The events table to read: given, or the one that applies to ``first`` by inheritance."""
    if events is False:
        return None
    if events is None or events is True:
        try:
            found = _applicable(first.path, first.root, "events", ".tsv", listing)
        except FileFormatError as error:
            raise FileFormatError(
                f"{error} Or choose the events file with events=<path>, or pass events=False "
                "to read none."
            ) from None
        if found:
            return found[-1]  # a table: only the most specific one counts
        if events is True:
            above = (
                "no dataset_description.json above it marks a dataset root to search up to"
                if first.root is None
                else f"nor does one apply from a folder up to the dataset root '{first.root}'"
            )
            raise FileFormatError(
                f"No events file applies to '{first.path}': expected "
                f"'{first.path.with_name(_bids_prefix(first.path) + '_events.tsv')}' next to "
                f"it; {above}. Give its path with events=..."
            )
        return None
    return check_path(events, "events", "events.tsv file")


def _scans_start_time(item: _PhysioFile) -> str:
    """Absolute time of time zero from a ``*_scans.tsv`` ``acq_time``, or ``""``."""
    path = item.path
    prefix = _bids_prefix(path)
    for folder in (path.parent, path.parent.parent):
        for scans in sorted(folder.glob("*_scans.tsv")):
            with reading(scans, "scans file"):
                table = pd.read_csv(scans, sep="\t", dtype=str, keep_default_na=False)
            if not {"filename", "acq_time"} <= set(table.columns):
                continue
            try:
                relative = path.resolve().relative_to(scans.parent.resolve()).as_posix()
            except ValueError:
                continue
            folder_part = relative.rpartition("/")[0]
            for filename, acq in zip(table["filename"], table["acq_time"], strict=True):
                filename = str(filename).strip()
                acq = str(acq).strip()
                if acq in ("", NA):
                    continue
                same_file = filename == relative
                same_run = filename.rpartition("/")[0] == folder_part and Path(
                    filename
                ).name.startswith(prefix + "_")
                if not (same_file or same_run):
                    continue
                try:
                    stamp = pd.Timestamp(acq)
                    if same_file:
                        # The physio file's own first sample: time zero is StartTime earlier.
                        stamp = stamp - pd.Timedelta(seconds=item.start)
                except (TypeError, ValueError, OverflowError):
                    raise FileFormatError(
                        f"'{scans}': acq_time {acq!r} of {filename!r} is not an ISO 8601 date "
                        "and time; fix it, or pass start_time='' to read without it."
                    ) from None
                return stamp.isoformat()
    return ""
