"""What every measure shares: parameter rules, the two (or N) series, seconds to samples,
labels.

The parameter rules here are constraint objects like those of :mod:`concordlab._checks`
(one per shared parameter), so that a measure's parameter declarations can point at them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from concordlab._checks import (
    MAX_SECONDS,
    MIN_SECONDS,
    SAMPLING_RATE,
    SECONDS,
    Integer,
    Real,
    Text,
)
from concordlab.errors import ValidationError
from concordlab.session import RESERVED_NODES
from concordlab.session import _check_tree as check_tree

# The most random draws (surrogates, bootstrap resamples, permutations) one call makes:
# enough for p-values down to 1e-6, few enough that the draws' bookkeeping fits in memory.
MAX_DRAWS = 1_000_000
# The most values (windows x lags) one windowed result may hold: 128 MiB of float64, and
# the kernel keeps a few arrays of that size while it works.
MAX_CELLS = 2**24

DRAWS = Integer(low=1, high=MAX_DRAWS, example="1000")
"""A number of random draws (``n_surrogates``, ``n_boot``, ``n_permutations``): at least 1."""

POSITIVE_SECONDS = Real(low=MIN_SECONDS, high=MAX_SECONDS, unit="seconds", example="15")
"""A duration that must be longer than zero, at least a microsecond (a window, a step, a
segment length)."""

CONFIDENCE = Real(low=0.0, high=1.0, low_open=True, high_open=True, example="0.95")
"""The coverage of a confidence interval: strictly between 0 and 1."""

FRACTION = Real(low=0.0, high=1.0, example="0.5")
"""A fraction between 0 and 1 (``min_valid``)."""

CHANNEL = Text(non_empty=True)
"""A channel name."""


def optional(rule: Any, value: Any, name: str) -> Any:
    """``None``, or ``value`` checked by ``rule``.

    Examples
    --------
    >>> optional(SECONDS, None, "lag_step") is None
    True
    """
    return None if value is None else rule.check(value, name)


@dataclass(frozen=True)
class Pair:
    """The two persons' series of one channel, ready for the kernel."""

    first: np.ndarray
    second: np.ndarray
    rate: float
    offset: float
    persons: tuple[str, str]
    channel: str
    units: str
    session_id: str = ""
    history: str = ""


@dataclass(frozen=True)
class Group:
    """The N persons' series of one channel (a group measure's input).

    ``series`` is ``(N, n_samples)``, one row per person in the order of ``persons``.
    """

    series: np.ndarray
    rate: float
    offset: float
    persons: tuple[str, ...]
    channel: str
    units: str
    session_id: str = ""
    history: str = ""

    @property
    def first(self) -> np.ndarray:
        """The first person's series (the window grid reads its length)."""
        return self.series[0]

    def pair(self, i: int, j: int) -> Pair:
        """Persons ``i`` and ``j`` as a :class:`Pair` (views of the series, no copies);
        ``i`` is the first of the lag convention (positive lag: ``j`` follows ``i``).

        Examples
        --------
        >>> import concordlab
        >>> group = group_from(concordlab.simulate_group(3, duration=30, seed=1))
        >>> group.pair(2, 0).persons
        ('person 3', 'person 1')
        """
        return Pair(
            first=self.series[i],
            second=self.series[j],
            rate=self.rate,
            offset=self.offset,
            persons=(self.persons[i], self.persons[j]),
            channel=self.channel,
            units=self.units,
            session_id=self.session_id,
            history=self.history,
        )


def pair_from(
    data: xr.DataTree | xr.DataArray,
    channel: str | None = None,
    persons: tuple[str, str] | None = None,
) -> Pair:
    """The two series of ``channel`` in a session, or of a (person, time) DataArray.

    With ``channel=None`` a session's only channel is used, or ``"eda"`` if it has several.
    ``persons`` chooses two persons of a group session (default the only two); the
    first of them is the "first" person of the lag convention (positive lag: the second
    follows the first). A session was validated where it was made (readers,
    constructors); here only what the computation reads is checked (the tree is a
    session, the channel's variable, its dims, dtype and sampling rate), so a call costs
    microseconds, not a whole validation. The series are views of the session's data,
    not copies.

    Examples
    --------
    >>> import concordlab
    >>> pair = pair_from(concordlab.example_session())
    >>> pair.channel, pair.rate, pair.persons
    ('eda', 32.0, ('patient', 'therapist'))
    >>> family = concordlab.simulate_group(4, duration=60, seed=1)
    >>> pair_from(family, persons=("child", "mother")).persons
    ('child', 'mother')
    """
    group = group_from(data, channel)
    if persons is None:
        if len(group.persons) != 2:
            raise ValidationError(
                f"The session has {len(group.persons)} persons {list(group.persons)}; choose "
                f"two, e.g. persons={group.persons[:2]!r}."
            )
        return group.pair(0, 1)
    return group.pair(*_pair_rows(persons, group.persons, "persons"))


def _pair_rows(pair: Any, labels: tuple[str, ...], name: str) -> tuple[int, int]:
    """The rows of two distinct, known persons named by ``pair`` (a 2-tuple or "a~b")."""
    if isinstance(pair, str) and PAIR_JOIN in pair:
        pair = tuple(pair.split(PAIR_JOIN))
    if (
        isinstance(pair, str | bytes)
        or not isinstance(pair, tuple | list)
        or len(pair) != 2
        or not all(isinstance(p, str) for p in pair)
    ):
        raise ValidationError(
            f"{name} must name two persons, as ('first', 'second') or 'first~second', e.g. "
            f"({labels[0]!r}, {labels[1]!r}) or '{labels[0]}{PAIR_JOIN}{labels[1]}'; got "
            f"{pair!r}."
        )
    unknown = [p for p in pair if p not in labels]
    if unknown:
        raise ValidationError(
            f"{name}: unknown person(s) {unknown}; the session's persons are {list(labels)}."
        )
    if pair[0] == pair[1]:
        raise ValidationError(
            f"{name}: a pair needs two different persons, got {pair[0]!r} twice; the "
            f"session's persons are {list(labels)}."
        )
    return labels.index(pair[0]), labels.index(pair[1])


PAIR_JOIN = "~"
"""Joins the two labels of a pair: ``"patient~therapist"``."""


def pairs_of(pairs: Any, labels: tuple[str, ...]) -> list[tuple[int, int]]:
    """The rows of each pair: every unordered pair in session order for ``pairs=None``
    (``i < j``), else the given pairs (``("a", "b")`` tuples or ``"a~b"`` strings), checked:
    known persons, two different ones, no pair twice (in either order).

    Examples
    --------
    >>> pairs_of(None, ("a", "b", "c"))
    [(0, 1), (0, 2), (1, 2)]
    >>> pairs_of(["c~a", ("b", "c")], ("a", "b", "c"))
    [(2, 0), (1, 2)]
    """
    if pairs is None:
        n = len(labels)
        return [(i, j) for i in range(n) for j in range(i + 1, n)]
    if isinstance(pairs, str) or (
        isinstance(pairs, tuple) and len(pairs) == 2 and all(isinstance(p, str) for p in pairs)
    ):
        pairs = [pairs]
    if not isinstance(pairs, list | tuple) or not pairs:
        raise ValidationError(
            f"pairs must be a non-empty list of pairs, each ('first', 'second') or "
            f"'first~second', e.g. pairs=['{labels[0]}~{labels[1]}']; got {pairs!r}."
        )
    rows = [_pair_rows(pair, labels, f"pairs[{i}]") for i, pair in enumerate(pairs)]
    seen: set[frozenset[int]] = set()
    for (i, j), pair in zip(rows, pairs, strict=True):
        key = frozenset((i, j))
        if key in seen:
            raise ValidationError(
                f"pairs lists {labels[i]}{PAIR_JOIN}{labels[j]} twice (as {pair!r} and before); "
                "give each pair once."
            )
        seen.add(key)
    return rows


def group_from(
    data: xr.DataTree | xr.DataArray,
    channel: str | None = None,
    persons: Any = None,
) -> Group:
    """The N series of ``channel`` in a session (or a (person, time) DataArray) as a Group.

    ``channel=None`` picks as :func:`pair_from` does; ``persons`` (a sequence of labels,
    two or more) chooses some of the persons, in the order given; default all of them.
    The series are views of the session's data when all persons are taken.

    Examples
    --------
    >>> import concordlab
    >>> group = group_from(concordlab.simulate_group(4, duration=60, seed=1))
    >>> group.persons, group.series.shape
    (('therapist', 'mother', 'father', 'child'), (4, 1920))
    >>> group_from(concordlab.example_session()).persons
    ('patient', 'therapist')
    """
    if channel is not None:
        channel = CHANNEL.check(channel, "channel")
    session_id = ""
    if isinstance(data, xr.DataTree):
        check_tree(data)
        names = [name for name in data.children if name not in RESERVED_NODES]
        if channel is None:
            if len(names) == 1:
                channel = names[0]
            elif "eda" in names:
                channel = "eda"
            elif not names:
                raise ValidationError("The session has no channels; add one with add_channel.")
            else:
                raise ValidationError(
                    f"The session has several channels {names}; say which, e.g. "
                    f"channel='{names[0]}'."
                )
        if channel not in names:
            raise ValidationError(f"Unknown channel '{channel}'; the session has {names}.")
        variables = data.children[channel].variables  # Variables: no DataArrays built
        if channel not in variables:
            raise ValidationError(
                f"Node '{channel}' holds no variable '{channel}': this is not a concordlab "
                "session; build one with concordlab.from_arrays or a reader."
            )
        session_id = str(data.attrs.get("session_id", ""))
    elif isinstance(data, xr.DataArray):
        channel = str(data.name or channel or "signal")
        variables = {channel: data.variable, **{k: v.variable for k, v in data.coords.items()}}
    else:
        raise ValidationError(
            f"Expected a session (xarray.DataTree) or a (person, time) DataArray, got "
            f"{type(data).__name__}."
        )
    variable = variables[channel]
    sizes = dict(zip(variable.dims, variable.shape, strict=True))
    if set(variable.dims) != {"person", "time"} or sizes["person"] < 2:
        raise ValidationError(
            f"'{channel}' must have dims (person, time) with two or more persons, got {sizes}."
        )
    if variable.dtype.kind not in "iuf":
        raise ValidationError(
            f"'{channel}' must hold real numbers (NaN for missing), got dtype {variable.dtype}."
        )
    if variable.dims != ("person", "time"):
        variable = variable.transpose("person", "time")
    offset, labels = _labels(variables.get("time"), variables.get("person"), sizes["person"])
    rate = variable.attrs.get("sampling_rate")
    if rate is None:
        time = np.asarray(variables["time"].values if "time" in variables else [])
        steps = np.diff(time.astype(np.float64))
        if steps.size == 0 or not np.allclose(steps, steps[0]) or not steps[0] > 0:
            raise ValidationError(
                f"'{channel}' has no sampling_rate attr and an irregular time axis; resample it."
            )
        rate = 1.0 / float(steps[0])
    rate = SAMPLING_RATE.check(rate, f"the sampling_rate of '{channel}'")
    values = np.asarray(variable.values).astype(np.float64, copy=False)
    if persons is not None:
        chosen = _chosen_persons(persons, labels)
        if chosen != labels:
            rows = [labels.index(p) for p in chosen]
            values, labels = values[rows], chosen
    return Group(
        series=values,
        rate=float(rate),
        offset=offset,
        persons=labels,
        channel=channel,
        units=str(variable.attrs.get("units", "")),
        session_id=session_id,
        history=str(variable.attrs.get("history", "") or ""),
    )


def _chosen_persons(persons: Any, labels: tuple[str, ...]) -> tuple[str, ...]:
    """``persons`` checked as two or more distinct labels of the session."""
    if isinstance(persons, str | bytes) or not isinstance(persons, tuple | list):
        raise ValidationError(
            f"persons must be a list of two or more of the session's persons {list(labels)}, "
            f"e.g. persons={list(labels[:2])!r}; got {persons!r}."
        )
    chosen = tuple(persons)
    unknown = [p for p in chosen if p not in labels]
    if unknown:
        raise ValidationError(
            f"persons: unknown person(s) {unknown}; the session's persons are {list(labels)}."
        )
    if len(chosen) < 2 or len(set(chosen)) != len(chosen):
        raise ValidationError(
            f"persons must name two or more different persons of {list(labels)}, got "
            f"{list(chosen)}."
        )
    return chosen


# Person coordinates read by _labels and their labels (the most recent few): a session
# computed on again and again (a slider, a cohort's measures) reads its labels once. A
# coordinate with an index cannot change in place (xarray refuses), so the same object means
# the same labels; only these (short) person coordinates are kept, never a (long) time axis.
_PERSONS: dict[int, tuple[xr.Variable, tuple[str, ...]]] = {}
_MAX_PERSONS = 64


def _labels(
    time: xr.Variable | None, person: xr.Variable | None, n_persons: int = 2
) -> tuple[float, tuple[str, ...]]:
    """The first time (s; 0.0 without a time coordinate) and the person labels (``"0"``,
    ``"1"`` ... without a person coordinate), read through the coordinates' indexes (no
    copy of a long time axis)."""
    if time is None or time.size == 0:
        offset = 0.0
    elif isinstance(time, xr.IndexVariable):
        offset = float(time.to_index()[0])
    else:
        offset = float(np.asarray(time[:1].values)[0])
    if person is None:
        return offset, tuple(str(i) for i in range(n_persons))
    known = _PERSONS.get(id(person))
    if known is not None and known[0] is person:
        return offset, known[1]
    persons = tuple(str(label) for label in person.values)
    if isinstance(person, xr.IndexVariable):
        if len(_PERSONS) >= _MAX_PERSONS:
            del _PERSONS[next(iter(_PERSONS))]  # the oldest
        _PERSONS[id(person)] = (person, persons)
    return offset, persons


def samples(
    seconds: Any, rate: float, name: str, minimum: int = 1, *, length: int | None = None
) -> int:
    """A duration in seconds as a whole number of samples (rounded), at least ``minimum``.

    ``seconds`` must pass :data:`~concordlab._checks.SECONDS` (finite, 0 to 1e9 s); with
    ``length`` (the series' samples) the duration must also fit in the series, and the
    error says how long the series is.

    Examples
    --------
    >>> samples(30, 25.0, "window")
    750
    >>> try:
    ...     samples(90, 25.0, "window", length=1500)
    ... except ValidationError as error:
    ...     print(str(error).split(";")[1])
     choose a window of at most 60 s.
    """
    value = SECONDS.check(seconds, name)
    count = round(value * rate)
    if count < minimum:
        raise ValidationError(
            f"{name}={value:g} s is shorter than {minimum} sample(s) at {rate:g} Hz; "
            f"use at least {minimum / rate:g} s."
        )
    if length is not None and count > length:
        raise ValidationError(
            f"{name}={value:g} s is longer than the series ({length / rate:g} s, {length} "
            f"samples at {rate:g} Hz); choose a {name} of at most {length / rate:g} s."
        )
    return count


def check_cells(n_windows: int, n_lags: int, fix: str) -> None:
    """Refuse a result of more than :data:`MAX_CELLS` values, before it is allocated.

    Examples
    --------
    >>> check_cells(3600, 321, "use a larger step")
    """
    if n_windows * n_lags > MAX_CELLS:
        raise ValidationError(
            f"These parameters ask for {n_windows} windows x {n_lags} lags = "
            f"{n_windows * n_lags:,} values, more than the {MAX_CELLS:,} one result may hold; "
            f"{fix}."
        )


def window_coords(starts: np.ndarray, window: int, pair: Pair | Group) -> dict[str, Any]:
    """Coordinates along ``time`` for windows starting at ``starts`` (samples).

    ``time`` is the centre of the lag-0 window, ``window_start``/``window_end`` its edges,
    all in seconds since session start.

    Examples
    --------
    >>> import concordlab
    >>> pair = pair_from(concordlab.example_session())
    >>> coords = window_coords(np.array([0, 32]), 64, pair)
    >>> coords["time"][1].tolist(), coords["window_end"][1].tolist()
    ([1.0, 2.0], [2.0, 3.0])
    """
    start = pair.offset + starts / pair.rate
    end = start + window / pair.rate
    return {
        "time": ("time", (start + end) / 2, {"units": "s", "long_name": "window centre"}),
        "window_start": ("time", start, {"units": "s"}),
        "window_end": ("time", end, {"units": "s"}),
    }


def as_attr(value: Any) -> Any:
    """A parameter value as a netCDF-storable attribute (bools as 0/1, None as "")."""
    if isinstance(value, bool):
        return int(value)
    if value is None:
        return ""
    return value
