"""OpenSignals (PLUX: BITalino, biosignalsplux) text exports into a recording.

An OpenSignals text file starts with three ``#`` lines: ``# OpenSignals Text File Format``,
``# {...}`` (a JSON object with one entry per device, keyed by its MAC address) and
``# EndOfHeader``; then one tab-separated row per sample, each row ending in a tab. A
device's entry gives its ``sampling rate`` (Hz), ``date`` and ``time`` of the first sample
(the recording computer's clock), ``column`` (the columns of its rows: ``nSeq``, the sample
counter, then digital and analog channels), ``label`` (the analog channels), ``sensor``
(what the user said each analog channel records), ``resolution`` (bits) and ``device`` (the
device kind, which decides the sensors' transfer functions). Several devices recorded
together share the rows, their columns side by side in the order of their ``position``.

The analog values are raw ADC counts (0 to 2**bits - 1), not physical units: a channel
reads in its unit only when the user names its sensor (``sensors={"a3": "eda"}``), and is
then converted with the device's documented transfer function.
"""

from __future__ import annotations

import csv
import io
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from concordlab._checks import PERSONS, Text
from concordlab.errors import FileFormatError, ValidationError
from concordlab.io._common import (
    PathLike,
    check_path,
    numeric_column,
    place_on_grid,
    reading,
    text_lines,
)
from concordlab.io._labels import plan_channels
from concordlab.io.pairing import pair_recordings
from concordlab.io.recording import Channel, Recording
from concordlab.session import DEFAULT_PERSONS

__all__ = ["SENSORS", "is_opensignals_text", "read_opensignals", "read_opensignals_recording"]

_WHAT = "OpenSignals text file"
_MAGIC = "# OpenSignals Text File Format"
_END = "# EndOfHeader"
# A gap in the sample counter may add at most this many times the rows read (plus the
# slack) as missing samples; beyond, the counter is damaged, not a dropout.
_MAX_GROWTH = 10
_SLACK = 1000

# Transfer functions: (VCC in volts, offset as a fraction of full scale, gain), giving
# (ADC / 2**n - offset) * VCC / gain in the sensor's unit. Each device kind of the header's
# "device" field belongs to a family. Source: PLUX's own conversion code
# (biosignalsnotebooks, conversion.raw_to_phy, MIT licence, PLUX Wireless Biosignals),
# checked against PLUX's BITalino ECG sensor datasheet (ECG[V] = (ADC/2**n - 1/2) * VCC /
# 1100, VCC 3.3 V: in mV the gain is 1.1) and PLUX's 2014 BITalino note for the original
# board's EDA (1 / (1 - ADC/2**n) uS).
_PLUX = ("bioplux", "bioplux_exp", "biosignalsplux", "rachimeter", "channeller", "swifter")
_FAMILIES = {
    "bitalino_rev": "bitalino (r)evolution",
    "bitalino_riot": "bitalino (r)evolution",
    "bitalino": "bitalino (original board)",
    **{name: "biosignalsplux" for name in _PLUX},
    "biosignalspluxsolo": "biosignalsplux",
    "ddme_openbanplux": "biosignalsplux",
}
SENSORS: dict[str, tuple[str, str, dict[str, tuple[float, float, float] | None]]] = {
    "eda": (
        "uS",
        "skin conductance (electrodermal activity)",
        {
            "bitalino (r)evolution": (3.3, 0.0, 0.132),
            "bitalino (original board)": None,  # 1 / (1 - ADC / 2**n): a resistance divider
            "biosignalsplux": (3.0, 0.0, 0.12),
        },
    ),
    "ecg": (
        "mV",
        "electrocardiogram",
        {
            "bitalino (r)evolution": (3.3, 0.5, 1.1),
            "bitalino (original board)": (3.3, 0.5, 1.1),
            "biosignalsplux": (3.0, 0.5, 1.019),
        },
    ),
}
"""Sensors whose transfer function concordlab applies: name -> (unit, long name, the
(VCC, offset, gain) of each device family; None for the original BITalino EDA formula)."""


def is_opensignals_text(path: Path) -> bool:
    """Whether ``path`` is an OpenSignals text file (its first line says so).

    Examples
    --------
    >>> is_opensignals_text(Path("tests/data/opensignals/ecg_sample.txt"))
    True
    >>> is_opensignals_text(Path("tests/data/eda-single/biosppy/eda.txt"))
    False
    """
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(_MAGIC) + 3)
    except OSError:
        return False
    return head.removeprefix(b"\xef\xbb\xbf").startswith(_MAGIC.encode())


@dataclass
class _Device:
    """One device's entry in the header, checked, and where its columns sit in the rows."""

    key: str
    name: str
    kind: str
    rate: float
    columns: list[str]
    labels: list[str]
    sensors: list[str]
    bits: list[int | None]  # per column
    first: int  # the row position of its first column (nSeq)
    start_time: str | None
    converted: bool


def read_opensignals_recording(
    path: PathLike,
    *,
    channels: str | Sequence[str] | Mapping[str, str | int] | None = None,
    sensors: Mapping[str, str] | None = None,
    device: str | None = None,
    person: str | None = None,
) -> Recording:
    """Read one person's OpenSignals (BITalino, biosignalsplux) text export.

    Each column of the device's rows but the sample counter ``nSeq`` becomes a channel
    named by its column label lower-cased (``A3`` -> ``"a3"``, ``CH1`` -> ``"ch1"``; the
    digital inputs and outputs ``I1``, ``I2``, ``O1``, ``O2`` or ``DI`` too), at the
    header's ``sampling rate``. A trailing tab on each row is the format's; it neither adds
    a column nor moves the data.

    **Units.** The analog values are raw ADC counts of the device (0 to 2**bits - 1), not
    physical units, and the file does not say what the counts measure in physical terms:
    their unit is unknown (``units=""``), and the long name says "raw ADC counts" and the
    sensor the header names. Name a channel's sensor with ``sensors`` to convert it with
    the device's documented transfer function (``n`` = the channel's resolution in bits
    from the header):

    - ``"eda"`` to µS (``"uS"``): BITalino (r)evolution ``ADC / 2**n * 3.3 / 0.132``;
      original BITalino ``1 / (1 - ADC / 2**n)``; biosignalsplux ``ADC / 2**n * 3 / 0.12``;
    - ``"ecg"`` to mV: BITalino ``(ADC / 2**n - 0.5) * 3.3 / 1.1``; biosignalsplux
      ``(ADC / 2**n - 0.5) * 3 / 1.019``.

    Source: PLUX's own conversion code, ``biosignalsnotebooks.conversion.raw_to_phy``
    (PLUX Wireless Biosignals, MIT licence), for every function above; checked against
    PLUX's BITalino ECG sensor datasheet (VCC 3.3 V, gain 1100 in volts), the BITalino EDA
    user manual's range (0-25 µS at VCC 3.3 V: full scale 3.3 / 0.132 = 25) and, for the
    original BITalino EDA, PLUX's 2014 note "Converting BITalino's output values into their
    real units" (``R[MOhm] = 1 - ADC / 2**n``, ``EDA[uS] = 1 / R``). The device kind is
    the header's ``device`` field; a device or sensor without a documented function is
    refused, not guessed. A file whose header says its values are already converted
    (``"convertedValues": 1``) is read as it is, in unknown units.

    **Time.** ``start_time`` is the header's ``date`` and ``time`` of the first sample, on
    the recording computer's clock, without a time zone (OpenSignals writes none; the
    fraction after the seconds is milliseconds, written without leading zeros: ``.73`` is
    73 ms). The counter ``nSeq`` numbers the samples: where it skips (samples lost over
    Bluetooth), the lost samples are NaN and later samples keep their times. BITalino's
    counter runs 0-15, so a loss of 16 samples or more in one stretch cannot be seen.
    OpenSignals text files hold no event markers; triggers recorded on a digital input
    stay that channel.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.txt`` file.
    channels : str, sequence of str or mapping, optional
        Channels to read, by lower-cased column label; or ``{channel: label or 0-based
        position among the device's channels}`` to read and rename. Default: every column
        but ``nSeq``.
    sensors : mapping of str to str, optional
        ``{label: sensor}``: the sensor on an analog channel (``"eda"`` or ``"ecg"``), whose
        transfer function converts it. Labels as in the file or lower-cased.
    device : str, optional
        Which device of a file holding several: its MAC address (the header's key) or its
        ``device name``. Default: the file's only device.
    person : str, optional
        The person's label, kept on the recording.

    Returns
    -------
    Recording
        ``source`` holds ``path``, ``format`` (``"opensignals"``), ``name`` (the file name
        without extension), ``device`` (MAC address), ``device_name``, ``device_kind``,
        ``labels`` (each channel's column label), ``sensors`` (each channel's sensor as the
        header names it), ``resolution_bits``, ``converted`` (the channels converted, with
        their sensor) and ``lost_samples``.

    Raises
    ------
    FileFormatError
        Naming the file, the row and the fix: a header that is not OpenSignals', rows that
        do not fit the header's columns, a value that is not a number, a counter that
        goes back.
    ValidationError
        For a bad argument: an unknown channel, device or sensor, a sensor without a
        documented transfer function for the device.

    Examples
    --------
    >>> r = read_opensignals_recording("tests/data/opensignals/eda_hot_surface.txt",
    ...                                channels={"eda": "A3"}, sensors={"A3": "eda"})
    >>> r.start_time, r.channels["eda"].sampling_rate, r.channels["eda"].units
    ('2019-09-03T15:18:36.344000', 1000.0, 'uS')
    >>> round(float(r.channels["eda"].values[0]), 4)  # 461 counts of 10 bits
    11.2549
    """
    file = check_path(path, "path", "OpenSignals text file")
    if person is not None:
        person = Text(non_empty=True).check(person, "person")
    with reading(file, _WHAT):
        devices, body, width = _header(file.read_bytes(), file)
        chosen = _choose(devices, device, file)
        where = f"{_WHAT} '{file}' (device {chosen.key})"
        readable = list(range(1, len(chosen.columns)))  # every column but nSeq
        plan = plan_channels([chosen.columns[i] for i in readable], channels, where)
        conversions = _conversions(sensors, chosen, plan, readable, where)
        table = _rows(body, width, file)
        counter = _numbers(table[chosen.first], file, f"{chosen.key} nSeq")
        positions, lost = _positions(counter, chosen, file)
        out = {}
        for name, at in plan.items():
            column = readable[at]
            label = chosen.columns[column]
            values = _numbers(table[chosen.first + column], file, label)
            units, long_name = "", _raw_name(chosen, column)
            if name in conversions:
                units, long_name, values = _convert(conversions[name], chosen, column, values)
            out[name] = Channel(place_on_grid(values, positions), chosen.rate, units, long_name)
    source = {
        "path": str(file),
        "format": "opensignals",
        "name": file.stem,
        "device": chosen.key,
        "device_name": chosen.name,
        "device_kind": chosen.kind,
        "labels": {name: chosen.columns[readable[at]] for name, at in plan.items()},
        "sensors": {name: _header_sensor(chosen, readable[at]) for name, at in plan.items()},
        "resolution_bits": {name: chosen.bits[readable[at]] for name, at in plan.items()},
        "converted": dict(conversions),
        "lost_samples": lost,
    }
    return Recording(out, chosen.start_time, (), source, person)


def read_opensignals(
    path_or_paths: PathLike | Sequence[PathLike],
    *,
    devices: Sequence[str | None] | None = None,
    persons: Sequence[str] = DEFAULT_PERSONS,
    channels: str | Sequence[str] | Mapping[str, str | int] | None = None,
    sensors: Mapping[str, str] | None = None,
    align: str = "pad",
    session_id: str | None = None,
) -> xr.DataTree:
    """Read a dyad from OpenSignals text: one file of two devices (one per person, recorded
    together by OpenSignals), or two files of one device each.

    Each person's device is read with :func:`read_opensignals_recording` (``channels`` and
    ``sensors`` apply to both) and the two are paired with
    :func:`~concordlab.io.pairing.pair_recordings` on the header's start times (the same
    computer clock when one file holds both devices).

    Parameters
    ----------
    path_or_paths : path, or pair of paths
        One file holding two devices, or each person's file.
    devices : pair of str or None, optional
        Each person's device (MAC address or device name), in ``persons`` order. Default:
        the file's two devices in the order of their ``position``, or each file's only one.
    persons : pair of str, default ("patient", "therapist")
        Person labels.
    channels, sensors
        As in :func:`read_opensignals_recording`, for both persons.
    align : {"pad", "trim", "error", "start"}, default "pad"
        As in :func:`~concordlab.io.pairing.pair_recordings`.
    session_id : str, optional
        Default: from the file names.

    Returns
    -------
    xarray.DataTree
        The session.

    Raises
    ------
    FileFormatError
        As :func:`read_opensignals_recording`.
    ValidationError
        For a bad argument, or one file that does not hold two devices.

    Examples
    --------
    >>> s = read_opensignals("tests/data/opensignals/sync_cable_acoustic.txt", channels="ch1")
    >>> import concordlab
    >>> concordlab.persons(s), concordlab.channels(s)
    (('patient', 'therapist'), ['ch1'])
    """
    persons = PERSONS.check(persons, "persons")
    one_file = not isinstance(path_or_paths, Sequence) or isinstance(path_or_paths, str | bytes)
    if one_file:
        file = check_path(path_or_paths, "path_or_paths", "OpenSignals text file")
        paths = [file, file]
        if devices is None:
            with reading(file, _WHAT):
                found, _, _ = _header(file.read_bytes(), file)
            if len(found) != 2:
                raise ValidationError(
                    f"{_WHAT} '{file}' holds {len(found)} device(s); one file is a dyad when "
                    "it holds two (one per person). Give two files, one per person."
                )
            devices = [d.key for d in found]
    else:
        paths = [
            check_path(p, "each of path_or_paths", "OpenSignals text file") for p in path_or_paths
        ]
        if len(paths) != 2:
            raise ValidationError(
                f"path_or_paths: give one file of two devices, or two files; got {len(paths)}."
            )
    usable = devices is None or (isinstance(devices, Sequence) and not isinstance(devices, str))
    chosen = [None, None] if devices is None else list(devices) if usable else []
    if len(chosen) != 2:
        raise ValidationError(f"devices must name two devices (one per person), got {devices!r}.")
    recordings = [
        read_opensignals_recording(path, channels=channels, sensors=sensors, device=device)
        for path, device in zip(paths, chosen, strict=True)
    ]
    return pair_recordings(
        recordings,
        persons=persons,
        align=align,
        session_id=session_id,
        reader="read_opensignals",
    )


def _header(raw: bytes, file: Path) -> tuple[list[_Device], bytes, int]:
    """The devices of the header, the bytes of the data rows and the row width."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    end = raw.find(_END.encode())
    lines = text_lines((raw[: end + len(_END)] if end >= 0 else raw[:100_000]).decode("utf-8"))
    if not lines or not lines[0].startswith(_MAGIC):
        raise FileFormatError(
            f"'{file}' is not an OpenSignals text file: its first line is not "
            f"'{_MAGIC}'. Export it again from OpenSignals as text, or read it as CSV."
        )
    if end < 0 or lines[-1] != _END:
        raise FileFormatError(
            f"{_WHAT} '{file}' has no '{_END}' line; the header is cut off. Export it again."
        )
    found = [line for line in lines[1:-1] if line.startswith("# {")]
    if len(found) != 1:
        raise FileFormatError(
            f"{_WHAT} '{file}': the header must hold one JSON line ('# {{...}}') describing "
            f"the devices, found {len(found)}. Export the file again from OpenSignals."
        )
    info = json.loads(found[0][2:])
    if not isinstance(info, dict) or not info:
        raise FileFormatError(
            f"{_WHAT} '{file}': the header's JSON must be an object with one entry per device."
        )
    devices = [_device(key, entry, file) for key, entry in info.items()]
    devices.sort(key=lambda d: _position(info[d.key]))
    first = 0
    for item in devices:
        item.first = first
        first += len(item.columns)
    body = raw[end + len(_END) :]
    if body[:1] not in (b"", b"\r", b"\n"):
        raise FileFormatError(f"{_WHAT} '{file}': text follows '{_END}' on its line.")
    body = body[2:] if body.startswith(b"\r\n") else body[1:]  # line 1 is data row 1
    return devices, body, first


def _position(entry: Mapping[str, Any]) -> float:
    value = entry.get("position", 0)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _device(key: str, entry: Any, file: Path) -> _Device:
    where = f"{_WHAT} '{file}', device {key!r}"

    def need(field: str, kind: type | tuple[type, ...], example: str) -> Any:
        value = entry.get(field) if isinstance(entry, dict) else None
        if not isinstance(value, kind) or isinstance(value, bool):
            raise FileFormatError(
                f"{where}: the header's {field!r} must be {example}, got {value!r}; export the "
                "file again from OpenSignals."
            )
        return value

    need("column", list, "a list of column labels")
    columns = [str(c) for c in entry["column"]]
    if not columns or not all(isinstance(c, str) and c for c in entry["column"]):
        raise FileFormatError(f"{where}: the header's 'column' must list the column labels.")
    if columns[0] != "nSeq":
        raise FileFormatError(
            f"{where}: the first column must be the sample counter 'nSeq', the header says "
            f"{columns[0]!r}."
        )
    rate = float(need("sampling rate", int | float, "a number of samples per second"))
    if not (math.isfinite(rate) and 0 < rate <= 1e6):
        raise FileFormatError(f"{where}: the sampling rate {rate!r} Hz is not usable.")
    labels = (
        [str(x) for x in entry.get("label", [])] if isinstance(entry.get("label"), list) else []
    )
    sensors = entry.get("sensor") if isinstance(entry.get("sensor"), list) else []
    resolution = entry.get("resolution") if isinstance(entry.get("resolution"), list) else []
    bits: list[int | None] = [None] * len(columns)
    usable = [
        r if isinstance(r, int) and not isinstance(r, bool) and 0 < r <= 32 else None
        for r in resolution
    ]
    if len(usable) == len(columns):  # BITalino: one per column
        bits = usable
    elif len(usable) == len(labels):  # biosignalsplux: one per analog channel
        for label, value in zip(labels, usable, strict=True):
            if label in columns:
                bits[columns.index(label)] = value
    converted = entry.get("convertedValues") not in (None, 0, False)
    return _Device(
        key=str(key),
        name=str(entry.get("device name", key)),
        kind=str(entry.get("device", "")),
        rate=rate,
        columns=columns,
        labels=labels,
        sensors=[str(s) for s in sensors],
        bits=bits,
        first=0,
        start_time=_start_time(entry.get("date"), entry.get("time"), where),
        converted=converted,
    )


def _listed(entry: Mapping[str, Any], field: str) -> list[Any]:
    value = entry.get(field)
    return value if isinstance(value, list) else []


def _start_time(date: Any, time: Any, where: str) -> str | None:
    """The header's date ("2019-9-3") and time ("15:1:32.73", the fraction in milliseconds
    without leading zeros) as ISO 8601, or None when the header gives neither."""
    if date is None and time is None:
        return None
    try:
        year, month, day = (int(x) for x in str(date).split("-"))
        clock, _, millis = str(time).partition(".")
        hour, minute, second = (int(x) for x in clock.split(":"))
        milliseconds = int(millis) if millis else 0
        if not 0 <= milliseconds < 1000:
            raise ValueError(millis)
        stamp = pd.Timestamp(year, month, day, hour, minute, second, milliseconds * 1000)
    except (TypeError, ValueError, OverflowError):
        raise FileFormatError(
            f"{where}: the header's date {date!r} and time {time!r} are not a date "
            "(year-month-day) and a time (hours:minutes:seconds.milliseconds)."
        ) from None
    return stamp.isoformat()


def _choose(devices: list[_Device], device: Any, file: Path) -> _Device:
    if device is None:
        if len(devices) > 1:
            listed = ", ".join(f"{d.key!r} ({d.name})" for d in devices)
            raise ValidationError(
                f"{_WHAT} '{file}' holds {len(devices)} devices ({listed}); say which this "
                "person wore with device=..."
            )
        return devices[0]
    if not isinstance(device, str):
        raise ValidationError(f"device must be a MAC address or device name, got {device!r}.")
    for item in devices:
        if device.strip().lower() in (item.key.lower(), item.name.lower()):
            return item
    raise ValidationError(
        f"device={device!r} is not in {_WHAT} '{file}'; its devices are "
        f"{[d.key for d in devices]} (names {[d.name for d in devices]})."
    )


def _conversions(
    sensors: Any, chosen: _Device, plan: Mapping[str, int], readable: list[int], where: str
) -> dict[str, str]:
    """Channel name -> sensor to convert, checked against the device and its header."""
    if sensors is None:
        return {}
    if not isinstance(sensors, Mapping):
        raise ValidationError(
            f"sensors must map channel labels to sensors, e.g. sensors={{'A3': 'eda'}}; got "
            f"{sensors!r}."
        )
    by_label = {chosen.columns[readable[at]].lower(): name for name, at in plan.items()}
    by_label.update({name.lower(): name for name in plan})
    out = {}
    for label, sensor in sensors.items():
        if not isinstance(label, str) or label.strip().lower() not in by_label:
            raise ValidationError(
                f"sensors names {label!r}, not a channel read from {where}; the channels are "
                f"{sorted(plan)} (labels {[chosen.columns[readable[a]] for a in plan.values()]})."
            )
        kind = sensor.strip().lower() if isinstance(sensor, str) else sensor
        if kind not in SENSORS:
            raise ValidationError(
                f"sensors[{label!r}] = {sensor!r}: concordlab converts {sorted(SENSORS)}; leave "
                "other channels out of sensors (they stay raw ADC counts)."
            )
        if chosen.converted:
            raise ValidationError(
                f"{where}: the header says its values are already converted "
                "('convertedValues'); they cannot be converted again. Drop sensors=."
            )
        family = _FAMILIES.get(chosen.kind)
        if family is None or family not in SENSORS[kind][2]:
            raise ValidationError(
                f"{where}: no documented {kind.upper()} transfer function for a device of kind "
                f"{chosen.kind!r} (known: {sorted(_FAMILIES)}); convert the raw counts yourself."
            )
        name = by_label[label.strip().lower()]
        column = readable[plan[name]]
        said = _header_sensor(chosen, column)
        if said == "digital":
            raise ValidationError(
                f"{where}: {chosen.columns[column]!r} is a digital channel, not an analog "
                f"sensor's; the analog channels are {chosen.labels}."
            )
        if chosen.bits[column] is None:
            raise FileFormatError(
                f"{where}: the header gives no resolution (bits) for channel "
                f"{chosen.columns[column]!r}, which the conversion needs."
            )
        other = [k for k in SENSORS if k != kind and said.lower().startswith(k)]
        if other:
            warnings.warn(
                f"{where}: the header says channel {chosen.columns[column]!r} records "
                f"{said!r}, but sensors= names it {kind!r}; converted as {kind!r}, as asked.",
                UserWarning,
                stacklevel=3,
            )
        out[name] = kind
    return out


def _convert(
    sensor: str, chosen: _Device, column: int, values: np.ndarray
) -> tuple[str, str, np.ndarray]:
    """The unit, long name and values of a raw channel through the sensor's transfer function."""
    unit, long_name, functions = SENSORS[sensor]
    family = _FAMILIES[chosen.kind]
    bits = chosen.bits[column]
    assert bits is not None  # checked in _conversions
    fraction = values / 2.0**bits
    constants = functions[family]
    if constants is None:  # the original BITalino EDA: a resistance in MOhm, inverted
        with np.errstate(divide="ignore"):
            converted = 1.0 / (1.0 - fraction)
        converted[~np.isfinite(converted)] = np.nan
    else:
        vcc, offset, gain = constants
        converted = (fraction - offset) * vcc / gain
    label = chosen.columns[column]
    return unit, f"{long_name} ({label}, {family} transfer function)", converted


def _header_sensor(chosen: _Device, column: int) -> str:
    label = chosen.columns[column]
    if label in chosen.labels and len(chosen.sensors) == len(chosen.labels):
        return chosen.sensors[chosen.labels.index(label)]
    return "digital" if label not in chosen.labels else ""


def _raw_name(chosen: _Device, column: int) -> str:
    label = chosen.columns[column]
    sensor = _header_sensor(chosen, column)
    if sensor == "digital":
        return f"{label}: digital input/output"
    bits = chosen.bits[column]
    counts = f"raw {bits}-bit ADC counts" if bits else "raw ADC counts"
    said = f"{sensor} sensor, " if sensor else ""
    return f"{label}: {said}{counts}" + (" (converted by OpenSignals)" * chosen.converted)


def _numbers(cells: pd.Series, file: Path, column: str) -> np.ndarray:
    """A column as float64: integer columns (the usual: ADC counts) directly, any other
    through :func:`numeric_column`, which says what is wrong with a cell."""
    if pd.api.types.is_integer_dtype(cells.dtype):
        return cells.to_numpy(dtype=np.float64)
    return numeric_column(cells, file, column)


def _rows(data: bytes, width: int, file: Path) -> pd.DataFrame:
    """The data rows as a table of ``width`` columns (float where every cell is a number or
    empty, else text, which :func:`numeric_column` then says what is wrong with); the empty
    cell after the tab that ends OpenSignals' rows is dropped, a row of fewer or more cells
    than the header's columns refused."""
    if not data.strip():
        raise FileFormatError(f"{_WHAT} '{file}' has a header but no data rows.")
    options: dict[str, Any] = {
        "sep": "\t",
        "header": None,
        "names": list(range(width + 1)),
        "keep_default_na": False,
        "skip_blank_lines": True,
        "quoting": csv.QUOTE_NONE,  # OpenSignals quotes nothing: a '"' is a cell's text
        "engine": "c",
    }
    # The usual file holds numbers only: parsed in C to numbers; else as text, which
    # numeric_column reads (empty and NA cells missing) or says what is wrong with.
    try:
        table = pd.read_csv(io.BytesIO(data), na_filter=False, **options)
    except pd.errors.ParserError:  # a row of more cells than width + 1
        _check_cells(data, width, file)  # names the row
        raise
    # Every row holds ``width`` cells when none holds more (an extra cell would fill
    # column ``width``) and the cells of all rows add up: tabs + rows - trailing tabs.
    last = data.endswith(b"\t") or data.endswith(b"\t\r")  # a last row without "\n"
    trailing = data.count(b"\t\n") + data.count(b"\t\r\n") + last
    cells = data.count(b"\t") + len(table) - trailing
    if cells != width * len(table) or table[width].ne("").any():
        _check_cells(data, width, file)  # names the row
        raise FileFormatError(
            f"{_WHAT} '{file}': its rows do not all hold the header's {width} columns; fix "
            "or delete the rows that do not."
        )
    if not all(pd.api.types.is_numeric_dtype(table[i]) for i in range(width)):
        table = pd.read_csv(io.BytesIO(data), dtype=str, **options)
    return table  # column ``width`` (the trailing tab's empty cells) is never read


def _check_cells(data: bytes, width: int, file: Path) -> None:
    """Refuse a row of other than ``width`` cells, not counting the empty cell after a tab
    that ends the row; blank lines are skipped (as the table's parser skips them)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    if raw.size and raw[-1] != 10:
        ends = np.append(ends, raw.size)
    starts = np.concatenate([[0], ends[:-1] + 1])
    stops = ends - ((ends > starts) & (raw[np.maximum(ends - 1, 0)] == 13))  # CRLF
    filled = stops > starts
    starts, stops = starts[filled], stops[filled]
    if not starts.size:
        return
    at = np.flatnonzero(raw == 9)  # the tabs' positions, in order
    tabs = np.searchsorted(at, stops) - np.searchsorted(at, starts)
    cells = tabs + 1 - (raw[stops - 1] == 9)
    wrong = np.flatnonzero(cells != width)
    if wrong.size:
        row = int(wrong[0])
        what = "fewer" if cells[row] < width else "more"
        raise FileFormatError(
            f"{_WHAT} '{file}', data row {row + 1}: holds {cells[row]} cells, {what} than the "
            f"header's {width} columns; the file may be cut off or damaged. Fix or delete that "
            "row."
        )


def _positions(counter: np.ndarray, chosen: _Device, file: Path) -> tuple[np.ndarray, int]:
    """Each row's sample position from the counter nSeq; the number of samples lost."""
    where = f"{_WHAT} '{file}', device {chosen.key}, column nSeq"
    if np.isnan(counter).any() or (counter != np.round(counter)).any():
        row = int(np.flatnonzero(np.isnan(counter) | (counter != np.round(counter)))[0]) + 1
        raise FileFormatError(f"{where}, data row {row}: the sample counter is not a whole number.")
    steps = np.diff(counter)
    bits = chosen.bits[0]
    if bits is not None and bits < 32:  # BITalino: a counter of `bits` bits that wraps
        steps = np.mod(steps - 1, 2.0**bits) + 1
    elif (steps <= 0).any():
        row = int(np.flatnonzero(steps <= 0)[0]) + 2
        raise FileFormatError(
            f"{where}, data row {row}: the sample counter goes from {counter[row - 2]:.0f} to "
            f"{counter[row - 1]:.0f}; it must increase. The rows are out of order or the file "
            "is damaged."
        )
    grid = np.concatenate([[0.0], np.cumsum(steps)])
    if grid[-1] + 1 > _MAX_GROWTH * counter.size + _SLACK:
        raise FileFormatError(
            f"{where}: the sample counter skips {grid[-1] + 1 - counter.size:.6g} samples over "
            f"{counter.size} rows, more than a dropout; the counter is damaged."
        )
    positions = grid.astype(np.int64)
    n_grid = int(positions[-1]) + 1
    return positions, n_grid - int(counter.size)
