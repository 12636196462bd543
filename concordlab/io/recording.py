"""One person's recording, as a reader returns it before persons are paired into a session.

A :class:`Recording` holds what a device or a file says about one person: channels, each at
its native sampling rate with its own first-sample time, the absolute time of the
recording's time zero (when the file says it), markers (events, button presses) and where it
came from. :func:`concordlab.io.pairing.pair_recordings` turns two of them into a session.

Times inside a recording (``Channel.offset``, ``Marker.onset``) are seconds since the
recording's own time zero; ``start_time`` is that zero as an absolute ISO 8601 time, or
None when the file does not say.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from concordlab._checks import MAX_SECONDS, SAMPLING_RATE
from concordlab.errors import ValidationError
from concordlab.session import CHANNEL_NAME

__all__ = ["Channel", "Marker", "Recording"]


@dataclass(frozen=True)
class Channel:
    """One channel of one person: samples at a regular rate from ``offset`` seconds.

    Examples
    --------
    >>> c = Channel([1.0, 2.0, 3.0], sampling_rate=4, units="uS")
    >>> c.n_samples, c.end
    (3, 0.75)
    """

    values: Any
    sampling_rate: float
    units: str = ""
    long_name: str = ""
    offset: float = 0.0

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=np.float64)
        if values.ndim != 1:
            raise ValidationError(
                f"A channel's values must be one series (1-D), got shape {values.shape}; give "
                "one Channel per series."
            )
        if not isinstance(self.units, str) or not isinstance(self.long_name, str):
            raise ValidationError("A channel's units and long_name must be text (str).")
        rate = SAMPLING_RATE.check(self.sampling_rate, "sampling_rate")
        if not (isinstance(self.offset, int | float) and math.isfinite(self.offset)):
            raise ValidationError(f"A channel's offset must be seconds, got {self.offset!r}.")
        if abs(self.offset) + values.size / rate > MAX_SECONDS:
            raise ValidationError(
                f"A channel of {values.size} samples at {rate:g} Hz from {self.offset:g} s spans "
                f"beyond {MAX_SECONDS:g} s; check the sampling rate (Hz) and the offset (s)."
            )
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "sampling_rate", rate)
        object.__setattr__(self, "offset", float(self.offset))

    @property
    def n_samples(self) -> int:
        """The number of samples."""
        return int(self.values.size)

    @property
    def end(self) -> float:
        """The time just after the last sample (seconds since the recording's zero)."""
        return self.offset + self.n_samples / self.sampling_rate


@dataclass(frozen=True)
class Marker:
    """An event of one recording: ``onset`` and ``duration`` in seconds, a label and a note.

    Examples
    --------
    >>> Marker(12.5, 1.0, "tag").label
    'tag'
    """

    onset: float
    duration: float
    label: str
    note: str = ""

    def __post_init__(self) -> None:
        for name in ("onset", "duration"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValidationError(f"A marker's {name} must be seconds, got {value!r}.")
            if not math.isfinite(value) or (name == "duration" and value < 0):
                raise ValidationError(
                    f"A marker's {name} must be a finite{' non-negative' * (name == 'duration')}"
                    f" number of seconds, got {value!r}."
                )
        if not isinstance(self.label, str) or not isinstance(self.note, str):
            raise ValidationError("A marker's label and note must be text (str).")
        object.__setattr__(self, "onset", float(self.onset))
        object.__setattr__(self, "duration", float(self.duration))


@dataclass(frozen=True)
class Recording:
    """One person's recording: channels at native rates, absolute start, markers and source.

    Parameters
    ----------
    channels : mapping of str to Channel
        At least one channel, by name (``"eda"``, ``"hr"`` ...).
    start_time : str, optional
        The recording's time zero as an ISO 8601 time; None when the file does not say.
    markers : sequence of Marker, default ()
        Events, in seconds since the recording's time zero.
    source : mapping, optional
        Where it came from: ``path`` and ``format`` at least (readers set both), plus
        what the format knows (device, files read ...).
    person : str, optional
        The person's label, if known before pairing.

    Raises
    ------
    ValidationError
        Naming the file and the channel: no channels, a channel that is not a
        :class:`Channel` or has a reserved name, a start time that is not ISO 8601.

    Examples
    --------
    >>> r = Recording({"eda": Channel([1.0, 1.1, 1.2, 1.3], 4, units="uS")},
    ...               start_time="2024-03-01T09:00:00", source={"path": "a.csv", "format": "csv"})
    >>> r.channel_names, r.span
    (('eda',), (0.0, 1.0))
    >>> try:
    ...     Recording({}, source={"path": "a.csv", "format": "csv"})
    ... except ValidationError as error:
    ...     print(error)
    Recording of 'a.csv' has no channels; a recording needs at least one.
    """

    channels: Mapping[str, Channel]
    start_time: str | None = None
    markers: tuple[Marker, ...] = ()
    source: Mapping[str, Any] = field(default_factory=dict)
    person: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.source, Mapping):
            raise ValidationError(f"source must be a mapping, got {type(self.source).__name__}.")
        where = f"Recording of '{self.source.get('path', '?')}'"
        if not isinstance(self.channels, Mapping) or not self.channels:
            raise ValidationError(f"{where} has no channels; a recording needs at least one.")
        for name, channel in self.channels.items():
            CHANNEL_NAME.check(name, f"{where}: a channel name")
            if not isinstance(channel, Channel):
                raise ValidationError(
                    f"{where}, channel '{name}': expected a Channel, got {type(channel).__name__}."
                )
        if self.start_time is not None:
            try:
                pd.Timestamp(self.start_time)
            except (TypeError, ValueError):
                raise ValidationError(
                    f"{where}: start_time {self.start_time!r} is not an ISO 8601 time (such as "
                    "'2024-03-01T09:00:00+00:00'); give one or None."
                ) from None
        markers = tuple(self.markers)
        if not all(isinstance(m, Marker) for m in markers):
            raise ValidationError(f"{where}: markers must be Marker objects.")
        if self.person is not None and (not isinstance(self.person, str) or not self.person):
            raise ValidationError(f"{where}: person must be a non-empty label or None.")
        object.__setattr__(self, "channels", MappingProxyType(dict(self.channels)))
        object.__setattr__(self, "markers", markers)
        object.__setattr__(self, "source", MappingProxyType(dict(self.source)))

    @property
    def channel_names(self) -> tuple[str, ...]:
        """The channels' names, in order."""
        return tuple(self.channels)

    @property
    def span(self) -> tuple[float, float]:
        """The first sample and the end of the last one, over all channels (seconds)."""
        return (
            min(c.offset for c in self.channels.values()),
            max(c.end for c in self.channels.values()),
        )

    @property
    def path(self) -> str:
        """The source path, for messages."""
        return str(self.source.get("path", "?"))

    def with_person(self, person: str) -> Recording:
        """A copy labelled ``person``.

        Examples
        --------
        >>> Recording({"x": Channel([1.0, 2.0], 1)}).with_person("patient").person
        'patient'
        """
        return Recording(self.channels, self.start_time, self.markers, self.source, person)
