"""Surrogate data: pseudo-dyads, within-dyad surrogates and the surrogate test.

Is the concordance of a dyad more than two people who happen to be recorded at the
same time would show? Surrogates answer by destroying the one thing under test, the
moment-to-moment alignment of the two persons, while keeping each person's own signal:

- :func:`pseudo_dyads` pairs people who never met (Marci et al. 2007's "hypothetical
  dyads"; rMEA's pseudo-synchrony): the first person of dyad *i* with the second person
  of dyad *j*.
- :func:`circular_shift` rotates the second person's signal by a random number of
  seconds: its autocorrelation is kept exactly, its alignment with the first person is
  gone.
- :func:`segment_shuffle` cuts the second person's signal into consecutive segments
  and shuffles their order: the structure within each segment is kept.
- :func:`surrogate_test` compares a statistic of the real data with its distribution
  over many surrogates and returns the observed value, the null distribution, a
  Monte Carlo p-value and an effect size, labelled in one :class:`xarray.Dataset`.

Every surrogate is an ordinary session (an :class:`xarray.DataTree`), so any measure
that works on a session works on a surrogate; its metadata say how it was made
(:func:`concordlab.metadata`). Randomness comes from :func:`numpy.random.default_rng`
seeded explicitly: the same seed gives the same surrogate.

References
----------
Marci, C. D., Ham, J., Moran, E., & Orr, S. P. (2007). Physiologic correlates of
perceived therapist empathy and social-emotional process during psychotherapy.
*J Nerv Ment Dis*, 195(2), 103-111.

Moulder, R. G., Boker, S. M., Ramseyer, F., & Tschacher, W. (2018). Determining
synchrony between behavioral time series: An application of surrogate data generation
for establishing falsifiable null-hypotheses. *Psychological Methods*, 23(4), 757-773.

Phipson, B., & Smyth, G. K. (2010). Permutation p-values should never be zero.
*Statistical Applications in Genetics and Molecular Biology*, 9(1), Article 39.
"""

from __future__ import annotations

import itertools
import json
import math
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from concordlab._checks import FLAG, SECONDS, Choice, check_seed
from concordlab.compute._common import (
    DRAWS,
    POSITIVE_SECONDS,
    as_attr,
    optional,
    samples,
)
from concordlab.errors import ValidationError
from concordlab.session import channels as session_channels
from concordlab.session import from_arrays, validate_session
from concordlab.session import metadata as session_metadata
from concordlab.simulate import Cohort

__all__ = [
    "DEFAULT_MIN_SHIFT",
    "METHODS",
    "circular_shift",
    "pseudo_dyads",
    "segment_shuffle",
    "surrogate_test",
]

METHODS = ("circular_shift", "segment_shuffle", "pseudo_dyads")
ALTERNATIVES = ("greater", "less", "two-sided")
METHOD = Choice(METHODS)
ALTERNATIVE = Choice(ALTERNATIVES)
"""The direction of a test (shared with :mod:`concordlab.stats`)."""

#: Floor of the default ``min_shift`` of :func:`circular_shift`, in seconds: twice the
#: default concordance window (15 s), so no window of a surrogate sees its partner's
#: own window, and well beyond the seconds-long memory of skin conductance responses.
DEFAULT_MIN_SHIFT = 30.0
#: Fraction of the (shortest channel's) duration that the default ``min_shift`` reaches.
DEFAULT_MIN_SHIFT_FRACTION = 0.1

# Null values within this relative distance of the observed value count as ties (as
# extreme as the observed), so floating-point noise cannot turn an equal value into a
# smaller one (the same rule as scipy.stats.permutation_test).
_TIE_TOLERANCE = 1e-12
# With progress=None a bar is shown when the draws are expected to take longer than this.
_PROGRESS_AFTER = 2.0  # s

_SEGMENTS_NOTE = (
    "segments not carried over: they mark events on one session's timeline (talk turns, "
    "interventions) that involve both persons, and the two persons of a pseudo-dyad come "
    "from different sessions; read them from the source sessions"
)


# --------------------------------------------------------------------------- validation


def _rng(seed: Any) -> tuple[np.random.Generator, int | None]:
    """A generator and the seed to record (None for a generator passed in)."""
    if isinstance(seed, np.random.Generator):
        return seed, None
    record = check_seed(seed)
    return np.random.default_rng(record), record


def _select_channels(available: Sequence[str], channel: Any, where: str) -> list[str]:
    if channel is None:
        return list(available)
    wanted = [channel] if isinstance(channel, str) else channel
    try:
        wanted = list(wanted)
    except TypeError:
        wanted = [channel]
    if not wanted or not all(isinstance(c, str) for c in wanted) or len(set(wanted)) < len(wanted):
        raise ValidationError(
            f"channel must be None (all channels), a channel name such as 'eda' or a list of "
            f"distinct names; got {channel!r}."
        )
    unknown = [c for c in wanted if c not in available]
    if unknown:
        raise ValidationError(f"Unknown channel(s) {unknown}; {where} has {list(available)}.")
    return wanted


def _person_row(persons: tuple[str, str], person: Any) -> int:
    if person is None:
        return 1
    if person not in persons:
        raise ValidationError(
            f"person must be one of the session's persons {list(persons)} (default: the "
            f"second, {persons[1]!r}), got {person!r}."
        )
    return persons.index(person)


# --------------------------------------------------------------------------- within-dyad


@dataclass
class _Dyad:
    """A session prepared for repeated within-dyad surrogates of one person's signal."""

    session_id: str
    persons: tuple[str, str]
    row: int
    channels: list[str]
    rates: dict[str, float]
    values: dict[str, np.ndarray]  # (2, n) per channel
    nodes: dict[str, xr.Dataset]  # the root, the channels and the segments
    meta: dict[str, Any]

    @classmethod
    def prepare(cls, session: Any, channel: Any, person: Any) -> _Dyad:
        session = validate_session(session)
        names = _select_channels(session_channels(session), channel, "the session")
        persons = tuple(str(p) for p in session[names[0]].dataset["person"].values)
        nodes = {"/": session.to_dataset(inherit=False)}
        values, rates = {}, {}
        for name in names:
            dataset = session[name].to_dataset(inherit=False)
            nodes[f"/{name}"] = dataset
            values[name] = dataset[name].values.astype(np.float64)
            rates[name] = float(dataset[name].attrs["sampling_rate"])
        nodes["/segments"] = session["segments"].to_dataset(inherit=False)
        return cls(
            session_id=str(session.attrs.get("session_id", "session")),
            persons=persons,  # type: ignore[arg-type]
            row=_person_row(persons, person),  # type: ignore[arg-type]
            channels=names,
            rates=rates,
            values=values,
            nodes=nodes,
            meta=session_metadata(session),
        )

    def durations(self) -> dict[str, float]:
        return {c: self.values[c].shape[1] / self.rates[c] for c in self.channels}

    def build(self, rows: Mapping[str, np.ndarray], info: dict[str, Any]) -> xr.DataTree:
        """A new session: the chosen person's rows replaced, everything else shared."""
        nodes = dict(self.nodes)
        nodes["/segments"] = self.nodes["/segments"].copy(deep=True)
        for name, row in rows.items():
            dataset = self.nodes[f"/{name}"]
            data = self.values[name].copy()
            data[self.row] = row
            nodes[f"/{name}"] = xr.Dataset(
                {name: dataset[name].variable.copy(data=data)},
                coords=dataset.coords,
                attrs=dataset.attrs,
            )
        meta = dict(self.meta)
        meta["surrogate"] = {
            "source_session": self.session_id,
            "person": self.persons[self.row],
            "channels": list(rows),
            **info,
            "segments": "kept from the source session (the untouched person still follows "
            "them; the surrogate person's data no longer do)",
        }
        root = nodes["/"].copy()
        root.attrs = {
            **root.attrs,
            "session_id": f"{self.session_id}~{info['method']}",
            "metadata": json.dumps(meta, ensure_ascii=False, sort_keys=True),
        }
        nodes["/"] = root
        return xr.DataTree.from_dict(nodes)

    # -- circular shift

    def shift_range(self, min_shift: Any) -> tuple[str, int, int, float]:
        """Reference channel (shortest) and the admissible shifts in its samples."""
        durations = self.durations()
        shortest = min(durations.values())
        if min_shift is None:
            min_shift = max(DEFAULT_MIN_SHIFT_FRACTION * shortest, DEFAULT_MIN_SHIFT)
        min_shift = SECONDS.check(min_shift, "min_shift")
        reference = min(self.channels, key=lambda c: durations[c])
        n = self.values[reference].shape[1]
        lowest = max(1, math.ceil(min_shift * self.rates[reference] - 1e-9))
        highest = n - lowest
        if highest < lowest:
            raise ValidationError(
                f"min_shift={min_shift:g} s leaves no admissible shift in the "
                f"{shortest:g} s '{reference}' signal: a shift must be at least min_shift away "
                f"from 0 and from the full length. Use min_shift of at most {shortest / 2:g} s "
                "(or a longer recording)."
            )
        return reference, lowest, highest, min_shift

    def circular(self, rng: np.random.Generator, min_shift: Any) -> tuple[xr.DataTree, float]:
        reference, lowest, highest, min_shift = self.shift_range(min_shift)
        k = int(rng.integers(lowest, highest, endpoint=True))
        shift = k / self.rates[reference]
        rows, by_channel = {}, {}
        for name in self.channels:
            series = self.values[name][self.row]
            k_c = round(shift * self.rates[name]) % series.size
            rows[name] = np.roll(series, k_c)
            by_channel[name] = k_c
        info = {
            "method": "circular_shift",
            "shift": shift,
            "shift_samples": by_channel,
            "min_shift": min_shift,
        }
        return self.build(rows, info), shift

    # -- segment shuffle

    def pieces(self, segment_length: Any) -> tuple[float, dict[str, int], dict[str, int]]:
        length = POSITIVE_SECONDS.check(segment_length, "segment_length")
        sizes, counts = {}, {}
        for name in self.channels:
            n = self.values[name].shape[1]
            rate = self.rates[name]
            size = samples(length, rate, "segment_length")
            count = math.ceil(n / size)
            if count < 2:
                raise ValidationError(
                    f"segment_length={length:g} s ({size} samples at {rate:g} Hz) is not "
                    f"shorter than the '{name}' signal ({n / rate:g} s, {n} samples), so there "
                    "is nothing to shuffle; use a shorter "
                    f"segment_length, e.g. {n / rate / 10:g} s (a tenth of the recording)."
                )
            sizes[name], counts[name] = size, count
        return length, sizes, counts

    def shuffle(self, rng: np.random.Generator, segment_length: Any) -> xr.DataTree:
        length, sizes, counts = self.pieces(segment_length)
        permutation = rng.permutation(max(counts.values()))
        rows, orders = {}, {}
        for name in self.channels:
            order = permutation[permutation < counts[name]]
            rows[name] = _reorder(self.values[name][self.row], sizes[name], order)
            orders[name] = order.tolist()
        info = {
            "method": "segment_shuffle",
            "segment_length": length,
            "segment_samples": sizes,
            "order": orders,
            "remainder_samples": {
                c: int(self.values[c].shape[1] % sizes[c]) for c in self.channels
            },
        }
        return self.build(rows, info)


def _reorder(series: np.ndarray, size: int, order: np.ndarray) -> np.ndarray:
    """Concatenate the pieces ``series[k*size:(k+1)*size]`` in ``order`` (vectorised)."""
    n = series.size
    starts = order * size
    lengths = np.minimum(size, n - starts)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    index = np.repeat(starts - offsets, lengths) + np.arange(n)
    return series[index]


def circular_shift(
    session: xr.DataTree,
    *,
    seed: int | np.random.Generator | None = None,
    min_shift: float | None = None,
    channel: str | Sequence[str] | None = None,
    person: str | None = None,
) -> xr.DataTree:
    """A surrogate session: one person's signal rotated in time by a random shift.

    The second person's series (or ``person``'s) becomes ``numpy.roll(series, k)``: it
    is delayed by ``k`` samples and the last ``k`` samples wrap round to the start. Its
    autocorrelation, distribution and missing samples (NaN moves with the samples it
    belongs to) are kept; its alignment with the other person is destroyed. The shift
    is drawn uniformly among whole samples between ``min_shift`` and ``duration -
    min_shift`` seconds (both inclusive), so the surrogate is never closer than
    ``min_shift`` to the real alignment in either direction. Every selected channel is
    rotated by the same shift in seconds, to the nearest sample of its own rate, and the
    admissible range is taken from the shortest channel.

    Parameters
    ----------
    session : xarray.DataTree
        The dyad session.
    seed : int or numpy.random.Generator, optional
        Seed of the random shift; the same seed gives the same surrogate. None draws a
        fresh one, recorded in the surrogate's metadata.
    min_shift : float, optional
        Smallest shift in seconds. Default: the larger of 10 % of the duration and 30 s
        (twice the default 15 s concordance window, so no window of the surrogate sees
        its partner's real window). It must be at most half the duration.
    channel : str or list of str, optional
        The channel(s) to rotate; default all. The surrogate holds only these channels:
        a channel left unrotated would still carry the real alignment.
    person : str, optional
        Whose signal to rotate; default the second person (e.g. the therapist). The
        other person is untouched.

    Returns
    -------
    xarray.DataTree
        A new session with id ``"<id>~circular_shift"``. Segments are kept (they describe
        the session timeline, which the untouched person still follows); ``truth`` and
        ``results`` are dropped (they describe the real data). ``metadata(s)
        ["surrogate"]`` holds the method, the shift in seconds and in samples per
        channel, ``min_shift``, the person and the seed.

    Raises
    ------
    ValidationError
        Unknown channel or person, a bad seed, or a ``min_shift`` that leaves no shift.

    See Also
    --------
    segment_shuffle, pseudo_dyads, surrogate_test

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> from concordlab.compute.surrogates import circular_shift
    >>> s = concordlab.simulate_dyad(120, turns=False, channels="eda", seed=1)
    >>> r = circular_shift(s, seed=0)
    >>> info = concordlab.metadata(r)["surrogate"]
    >>> info["method"], info["min_shift"], 30.0 <= info["shift"] <= 90.0
    ('circular_shift', 30.0, True)
    >>> k = info["shift_samples"]["eda"]
    >>> x, y = s["eda"]["eda"].values, r["eda"]["eda"].values
    >>> bool(np.array_equal(y[1], np.roll(x[1], k)) and np.array_equal(y[0], x[0]))
    True
    """
    rng, record = _rng(seed)
    dyad = _Dyad.prepare(session, channel, person)
    surrogate, _ = dyad.circular(rng, min_shift)
    return _with_seed(surrogate, record)


def segment_shuffle(
    session: xr.DataTree,
    segment_length: float,
    *,
    seed: int | np.random.Generator | None = None,
    channel: str | Sequence[str] | None = None,
    person: str | None = None,
) -> xr.DataTree:
    """A surrogate session: one person's signal cut into segments, shuffled in order.

    The second person's series (or ``person``'s) is cut into consecutive pieces of
    ``segment_length`` seconds (rounded to whole samples) from its first sample, and the
    pieces are put back in a random order (a uniform random permutation, which may by
    chance leave some pieces in place). Each piece stays intact, NaN included, so the
    shuffled series holds exactly the original samples. Structure shorter than a
    segment is kept; alignment with the other person, and slow structure across
    segments, is destroyed.

    **Remainder rule.** When the length is not a multiple of the segment, the last piece
    is shorter; it is shuffled with the others (never dropped, never an error). With
    several channels the same permutation of pieces is used for all (restricted to the
    pieces a channel has, if a channel has fewer), so one person's channels stay
    aligned with one another.

    Parameters
    ----------
    session : xarray.DataTree
        The dyad session.
    segment_length : float
        Length of the pieces in seconds. Shorter than the recording; long enough to keep
        the structure a measure needs (e.g. at least the concordance window, 15 s).
    seed : int or numpy.random.Generator, optional
        Seed of the permutation; the same seed gives the same surrogate. None draws a
        fresh one, recorded in the surrogate's metadata.
    channel : str or list of str, optional
        The channel(s) to shuffle; default all. The surrogate holds only these channels.
    person : str, optional
        Whose signal to shuffle; default the second person. The other is untouched.

    Returns
    -------
    xarray.DataTree
        A new session with id ``"<id>~segment_shuffle"``; segments kept, ``truth`` and
        ``results`` dropped (as in :func:`circular_shift`). ``metadata(s)["surrogate"]``
        holds the order of the pieces per channel (``order[i]`` is the original index of
        the piece now in position ``i``), their length in samples, the remainder and the
        seed.

    Raises
    ------
    ValidationError
        If ``segment_length`` is not positive or not shorter than a channel, or a
        channel, person or seed is not usable.

    See Also
    --------
    circular_shift, pseudo_dyads, surrogate_test

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> from concordlab.compute.surrogates import segment_shuffle
    >>> s = concordlab.from_arrays({"eda": np.arange(20.0).reshape(2, 10)}, sampling_rate=1)
    >>> r = segment_shuffle(s, 3, seed=3)
    >>> r["eda"]["eda"].values[1].tolist()      # pieces [10 11 12] [13 14 15] [16 17 18] [19]
    [19.0, 16.0, 17.0, 18.0, 13.0, 14.0, 15.0, 10.0, 11.0, 12.0]
    >>> concordlab.metadata(r)["surrogate"]["order"]
    {'eda': [3, 2, 1, 0]}
    >>> r["eda"]["eda"].values[0].tolist() == s["eda"]["eda"].values[0].tolist()
    True
    """
    rng, record = _rng(seed)
    dyad = _Dyad.prepare(session, channel, person)
    return _with_seed(dyad.shuffle(rng, segment_length), record)


def _with_seed(session: xr.DataTree, seed: int | None) -> xr.DataTree:
    meta = json.loads(session.attrs["metadata"])
    meta["surrogate"]["seed"] = seed
    session.attrs["metadata"] = json.dumps(meta, ensure_ascii=False, sort_keys=True)
    return session


# --------------------------------------------------------------------------- pseudo-dyads


@dataclass
class _Source:
    id: str
    persons: tuple[str, str]
    start_time: str
    values: dict[str, np.ndarray]  # (2, n) per channel
    offsets: dict[str, float]
    attrs: dict[str, dict[str, Any]]


@dataclass
class _Pool:
    """Several sessions, checked once, from which pseudo-dyads are built."""

    sources: list[_Source]
    sessions: list[xr.DataTree]
    channels: list[str]
    rates: dict[str, float]
    keep_roles: bool
    cache: dict[tuple[int, int, int, int], xr.DataTree] = field(default_factory=dict)

    @classmethod
    def prepare(cls, sessions: Any, channel: Any, keep_roles: Any) -> _Pool:
        keep_roles = FLAG.check(keep_roles, "keep_roles")
        items = _session_items(sessions)
        available = [
            c
            for c in session_channels(items[0][1])
            if all(c in session_channels(s) for _, s in items)
        ]
        if not available:
            raise ValidationError(
                "The sessions share no channel, so no pseudo-dyad can be built; give sessions "
                "that record the same channel (e.g. 'eda') under the same name."
            )
        names = _select_channels(available, channel, "every session")
        rates: dict[str, float] = {}
        sources = []
        for session_id, session in items:
            values, offsets, attrs = {}, {}, {}
            for name in names:
                dataset = session[name].dataset
                rate = float(dataset[name].attrs["sampling_rate"])
                first_id = items[0][0]
                if name in rates and not math.isclose(rate, rates[name], rel_tol=1e-9):
                    raise ValidationError(
                        f"Channel '{name}' is sampled at {rates[name]:g} Hz in session "
                        f"'{first_id}' but at {rate:g} Hz in '{session_id}'; a pseudo-dyad "
                        "needs one rate: bring every session to the same rate first, e.g. "
                        f"concordlab.resample(session, {rates[name]:g})."
                    )
                rates.setdefault(name, rate)
                values[name] = dataset[name].values.astype(np.float64)
                offsets[name] = float(dataset["time"].values[0])
                attrs[name] = dict(dataset[name].attrs)
            persons = tuple(str(p) for p in session[names[0]].dataset["person"].values)
            sources.append(
                _Source(
                    id=session_id,
                    persons=persons,  # type: ignore[arg-type]
                    start_time=str(session.attrs.get("start_time", "")),
                    values=values,
                    offsets=offsets,
                    attrs=attrs,
                )
            )
        for name in names:
            units = {s.attrs[name].get("units", "") for s in sources} - {""}
            if len(units) > 1:
                raise ValidationError(
                    f"Channel '{name}' has different units across sessions ({sorted(units)}); "
                    "convert them to one unit before pairing people from different sessions."
                )
        return cls(
            sources=sources,
            sessions=[session for _, session in items],
            channels=names,
            rates=rates,
            keep_roles=bool(keep_roles),
        )

    def pairs(self) -> list[tuple[int, int, int, int]]:
        """All pseudo-dyads as (dyad i, person p, dyad j, person q), in a fixed order."""
        n = len(self.sources)
        if self.keep_roles:
            return [(i, 0, j, 1) for i in range(n) for j in range(n) if i != j]
        return [
            (i, p, j, q) for i in range(n) for j in range(i + 1, n) for p in (0, 1) for q in (0, 1)
        ]

    def lengths_differ(self, pair: tuple[int, int, int, int]) -> float:
        """Seconds dropped from the longer series by trimming (largest over channels)."""
        i, _, j, _ = pair
        dropped = 0.0
        for name in self.channels:
            a, b = self.sources[i].values[name].shape[1], self.sources[j].values[name].shape[1]
            dropped = max(dropped, abs(a - b) / self.rates[name])
        return dropped

    def pair_id(self, pair: tuple[int, int, int, int]) -> str:
        i, p, j, q = pair
        a, b = self.sources[i], self.sources[j]
        return f"{a.id}:{a.persons[p]}+{b.id}:{b.persons[q]}"

    def build(self, pair: tuple[int, int, int, int]) -> xr.DataTree:
        if pair in self.cache:
            return self.cache[pair]
        i, p, j, q = pair
        a, b = self.sources[i], self.sources[j]
        labels = (a.persons[p], b.persons[q])
        if labels[0] == labels[1]:
            labels = (f"{labels[0]} ({a.id})", f"{labels[1]} ({b.id})")
        data, offsets, trimmed = {}, {}, {}
        for name in self.channels:
            first, second = a.values[name][p], b.values[name][q]
            m = min(first.size, second.size)
            data[name] = np.stack([first[:m], second[:m]])
            offsets[name] = a.offsets[name]
            if first.size != second.size:
                trimmed[name] = {
                    "kept": m / self.rates[name],
                    "dropped": [
                        (first.size - m) / self.rates[name],
                        (second.size - m) / self.rates[name],
                    ],
                }
        sources = [
            {
                "person": labels[k],
                "session": source.id,
                "source_person": source.persons[role],
                "start_time": source.start_time,
            }
            for k, (source, role) in enumerate(((a, p), (b, q)))
        ]
        session = from_arrays(
            data,
            self.rates,
            persons=labels,
            units={c: str(a.attrs[c].get("units", "")) for c in self.channels},
            long_names={c: str(a.attrs[c].get("long_name", c)) for c in self.channels},
            time_offset=offsets,
            session_id=self.pair_id(pair),
            metadata={
                "pseudo_dyad": True,
                "surrogate": {
                    "method": "pseudo_dyads",
                    "keep_roles": self.keep_roles,
                    "sources": sources,
                    "trimmed": trimmed,
                    "alignment": "both series start at their first sample; the time axis "
                    "is the first person's; the longer series is trimmed at the end",
                    "segments": _SEGMENTS_NOTE,
                },
            },
        )
        self.cache[pair] = session
        return session

    def warn_trimming(self, pairs: Iterable[tuple[int, int, int, int]], stacklevel: int) -> None:
        dropped = [self.lengths_differ(pair) for pair in pairs]
        trimmed = [d for d in dropped if d > 0]
        if trimmed:
            warnings.warn(
                f"{len(trimmed)} of {len(dropped)} pseudo-dyads pair series of different "
                f"lengths; each was trimmed at the end to the shorter one (up to "
                f"{max(trimmed):g} s dropped). metadata(s)['surrogate']['trimmed'] lists what "
                "was kept.",
                UserWarning,
                stacklevel=stacklevel,
            )

    def count_pairings(self) -> int:
        """How many distinct re-pairings :meth:`random_pairing` draws from.

        keep_roles: the derangements of N, D(N). Otherwise: the perfect matchings of 2N
        people with none of the N real pairs, sum_k (-1)^k C(N, k) (2N - 2k - 1)!!.
        """
        n = len(self.sources)
        if self.keep_roles:
            return count_derangements(n)
        return sum(
            (-1) ** k * math.comb(n, k) * math.prod(range(2 * (n - k) - 1, 0, -2))
            for k in range(n + 1)
        )

    def all_pairings(self) -> list[list[tuple[int, int, int, int]]]:
        """Every re-pairing :meth:`random_pairing` can draw, in a fixed order."""
        n = len(self.sources)
        if self.keep_roles:
            return [
                [(i, 0, int(partner[i]), 1) for i in range(n)]
                for partner in itertools.permutations(range(n))
                if all(partner[i] != i for i in range(n))
            ]
        matchings: list[list[tuple[int, int, int, int]]] = []

        def extend(left: list[tuple[int, int]], pairs: list[tuple[int, int, int, int]]) -> None:
            if not left:
                matchings.append(sorted(pairs))
                return
            (i, p), rest = left[0], left[1:]
            for index, (j, q) in enumerate(rest):
                if i != j:
                    extend(rest[:index] + rest[index + 1 :], [*pairs, (i, p, j, q)])

        extend([(i, role) for i in range(n) for role in (0, 1)], [])
        return matchings

    def random_pairing(self, rng: np.random.Generator) -> list[tuple[int, int, int, int]]:
        """One random re-pairing of the cohort's people, each person used once, no real pair.

        keep_roles: the first persons are matched with a random derangement of the second
        persons. Otherwise: a random perfect matching of all 2N people with no real pair.
        Both by rejection sampling (accepted with probability about 1/e and 1/sqrt(e)).
        """
        n = len(self.sources)
        if self.keep_roles:
            while True:
                partner = rng.permutation(n)
                if not np.any(partner == np.arange(n)):
                    return [(i, 0, int(partner[i]), 1) for i in range(n)]
        while True:
            order = rng.permutation(2 * n).reshape(n, 2)
            dyad, role = order // 2, order % 2
            if not np.any(dyad[:, 0] == dyad[:, 1]):
                pairs = []
                for (i, j), (p, q) in zip(dyad.tolist(), role.tolist(), strict=True):
                    pairs.append((i, p, j, q) if i < j else (j, q, i, p))
                return pairs


def count_derangements(n: int) -> int:
    """The number of derangements of ``n`` items (permutations with no fixed point), D(n).

    The ways to re-pair ``n`` dyads' first persons with the other dyads' second persons.

    Examples
    --------
    >>> from concordlab.compute.surrogates import count_derangements
    >>> [count_derangements(n) for n in range(7)]
    [1, 0, 1, 2, 9, 44, 265]
    """
    previous, current = 1, 0  # D(0), D(1)
    if n == 0:
        return 1
    for k in range(2, n + 1):
        previous, current = current, (k - 1) * (current + previous)
    return current


def _session_items(sessions: Any) -> list[tuple[str, xr.DataTree]]:
    if isinstance(sessions, xr.DataTree):
        raise ValidationError(
            "Pseudo-dyads need several sessions (a list, a dict of id -> session or a "
            "Cohort), got a single session; for one session use method='circular_shift' "
            "or 'segment_shuffle'."
        )
    if isinstance(sessions, Cohort | Mapping):
        items = [(str(k), v) for k, v in sessions.items()]
    elif isinstance(sessions, Sequence) and not isinstance(sessions, str | bytes):
        items = [(str(getattr(s, "attrs", {}).get("session_id", "")), s) for s in sessions]
        ids = [k for k, _ in items]
        if len(set(ids)) < len(ids) or "" in ids:
            width = max(2, len(str(len(items))))
            items = [(f"#{i + 1:0{width}d}", s) for i, (_, s) in enumerate(items)]
    else:
        raise ValidationError(
            "sessions must be a list of sessions, a dict of id -> session or a Cohort, got "
            f"{type(sessions).__name__}."
        )
    if len(items) < 2:
        raise ValidationError(
            f"Pseudo-dyads pair people from different sessions, so at least 2 sessions are "
            f"needed; got {len(items)}."
        )
    for key, session in items:
        try:
            validate_session(session)
        except ValidationError as error:
            raise ValidationError(f"Session '{key}': {error}") from None
    return items


def pseudo_dyads(
    sessions: Cohort | Mapping[str, xr.DataTree] | Sequence[xr.DataTree],
    *,
    keep_roles: bool = True,
    channel: str | Sequence[str] | None = None,
    n: int | None = None,
    seed: int | None = None,
) -> dict[str, xr.DataTree]:
    """Pseudo-dyads: sessions that pair people from different real dyads, who never met.

    Marci et al. (2007) checked their concordance measure on such "hypothetical dyads";
    rMEA calls the idea pseudo-synchrony. Whatever concordance a pseudo-dyad shows comes
    from the shared setting (similar tasks, drifts, habituation), not from interaction.

    With ``keep_roles=True`` the first person (e.g. the patient) of dyad *i* is paired
    with the second person (the therapist) of every dyad *j != i*: ``N * (N - 1)``
    pseudo-dyads from ``N`` sessions. With ``keep_roles=False`` any two people from
    different dyads are paired, whatever their roles: ``4 * N * (N - 1) / 2`` pseudo-dyads,
    the person from the earlier session (in input order) first.

    **Lengths.** The two series are aligned at their first samples; when they differ in
    length the longer is trimmed at the end to the shorter (a ``UserWarning`` says how
    many pseudo-dyads were trimmed, by up to how much, and ``metadata(s)["surrogate"]
    ["trimmed"]`` records it). **Rates** must agree per channel across sessions.
    **Segments are not carried over**: they mark events on one session's timeline (talk
    turns, interventions) involving both persons, and the two persons of a pseudo-dyad
    come from different sessions; read them from the source sessions.

    Parameters
    ----------
    sessions : Cohort, dict of str to xarray.DataTree, or list of xarray.DataTree
        At least two dyad sessions. Ids are the dict (or cohort) keys; for a list, each
        session's ``session_id`` if they are distinct, else ``"#01"``, ``"#02"`` ...
        in list order.
    keep_roles : bool, default True
        Pair first persons with second persons only (True) or anyone with anyone from
        another dyad (False).
    channel : str or list of str, optional
        Channel(s) to include; default every channel all sessions share.
    n : int, optional
        Return a random subset of ``n`` pseudo-dyads (without repetition, in the order of
        the full listing) instead of all of them.
    seed : int, optional
        Seed of the random subset (only with ``n``); None draws a fresh one.

    Returns
    -------
    dict of str to xarray.DataTree
        Keyed ``"<id i>:<person>+<id j>:<person>"``, each an ordinary session with the
        session id as key, no segments, ``start_time`` empty (the persons started at
        different times), and ``metadata(s)`` with ``pseudo_dyad: True`` and under
        ``"surrogate"`` the source session, source person and start time of each person.
        Persons keep their labels; if both have the same label (possible with
        ``keep_roles=False``) each gets its session id appended, e.g.
        ``"patient (dyad-01)"``.

    Raises
    ------
    ValidationError
        Fewer than two sessions, no common channel, different sampling rates or units
        (resample with :func:`concordlab.resample`), or ``n`` larger than the number of
        pseudo-dyads.

    See Also
    --------
    surrogate_test : tests a cohort's concordance against pseudo-dyads.

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.compute.surrogates import pseudo_dyads
    >>> cohort = concordlab.simulate_cohort(3, duration=60, channels="eda", seed=1)
    >>> pseudo = pseudo_dyads(cohort)
    >>> list(pseudo)[:2]
    ['dyad-01:patient+dyad-02:therapist', 'dyad-01:patient+dyad-03:therapist']
    >>> len(pseudo), len(pseudo_dyads(cohort, keep_roles=False))
    (6, 12)
    >>> first = pseudo["dyad-01:patient+dyad-02:therapist"]
    >>> [p["session"] for p in concordlab.metadata(first)["surrogate"]["sources"]]
    ['dyad-01', 'dyad-02']
    >>> len(pseudo_dyads(cohort, n=4, seed=0))
    4
    """
    n = optional(DRAWS, n, "n")
    rng, _ = _rng(seed)
    pool = _Pool.prepare(sessions, channel, keep_roles)
    pairs = pool.pairs()
    if n is not None:
        if n > len(pairs):
            raise ValidationError(
                f"n={n} is more than the {len(pairs)} pseudo-dyads these "
                f"{len(pool.sources)} sessions give; ask for at most {len(pairs)} (or n=None)."
            )
        pairs = [pairs[k] for k in np.sort(rng.choice(len(pairs), size=n, replace=False))]
    pool.warn_trimming(pairs, stacklevel=3)
    return {pool.pair_id(pair): pool.build(pair) for pair in pairs}


# --------------------------------------------------------------------------- the test

_METHOD_KWARGS = {
    "circular_shift": ("min_shift", "channel", "person"),
    "segment_shuffle": ("segment_length", "channel", "person"),
    "pseudo_dyads": ("keep_roles", "channel"),
}


def _evaluate(
    statistic: Callable[[xr.DataTree], Any], session: xr.DataTree, where: str, *, nan_ok: bool
) -> float:
    """``statistic(session)`` as a float; every failure a ValidationError saying ``where``.

    An infinite value is always an error; NaN only where ``nan_ok`` is False (the real data).
    """
    try:
        value = statistic(session)
    except Exception as error:  # the user's own code: any failure, told with its context
        raise ValidationError(
            f"The statistic failed on {where}: {type(error).__name__}: {error}"
        ) from error
    if isinstance(value, complex | np.complexfloating) or (
        isinstance(value, np.ndarray | xr.DataArray) and value.dtype.kind not in "iufb"
    ):
        number = None
    else:
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            number = None
    if number is None:
        raise ValidationError(
            f"The statistic must return one number (a real float or a 0-d array), got "
            f"{type(value).__name__} on {where}; e.g. lambda s: float(concordance(s).mean())."
        )
    if math.isinf(number) or (math.isnan(number) and not nan_ok):
        raise ValidationError(
            f"The statistic returned {number} on {where}; a p-value needs a finite number. "
            + (
                "Use a bounded statistic, e.g. the mean concordance rather than the "
                "concordance index (infinite when a session has no negative windows)."
                if math.isinf(number)
                else "NaN means undefined (e.g. too much missing data): check the data, or "
                "use a statistic that is defined on it."
            )
        )
    return number


def _cohort_mean(values: Sequence[float]) -> tuple[float, int]:
    """Mean of the finite values and the number left out."""
    array = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(array)
    mean = float(array[finite].mean()) if finite.any() else math.nan
    return mean, int((~finite).sum())


def _p_value(observed: float, null: np.ndarray, alternative: str) -> tuple[float, int, int]:
    """Monte Carlo p-value, and the counts k (greater, less) over the non-NaN null values."""
    valid = null[~np.isnan(null)]
    if math.isnan(observed) or valid.size == 0:
        return math.nan, 0, 0
    tolerance = _TIE_TOLERANCE * abs(observed) if math.isfinite(observed) else 0.0
    above = int(np.count_nonzero(valid >= observed - tolerance))
    below = int(np.count_nonzero(valid <= observed + tolerance))
    m = valid.size
    p_greater, p_less = (above + 1) / (m + 1), (below + 1) / (m + 1)
    if alternative == "greater":
        p = p_greater
    elif alternative == "less":
        p = p_less
    else:
        p = min(1.0, 2.0 * min(p_greater, p_less))
    return p, above, below


def _effect_size(observed: float, null: np.ndarray) -> tuple[float, float, float]:
    finite = null[np.isfinite(null)]
    mean = float(finite.mean()) if finite.size else math.nan
    sd = float(finite.std(ddof=1)) if finite.size > 1 else math.nan
    if math.isnan(observed) or math.isnan(mean):
        return math.nan, mean, sd
    if math.isinf(observed):
        return observed, mean, sd
    with np.errstate(divide="ignore", invalid="ignore"):
        z = float(np.float64(observed - mean) / np.float64(sd))
    return z, mean, sd


def surrogate_test(
    data: xr.DataTree | Cohort | Mapping[str, xr.DataTree] | Sequence[xr.DataTree],
    statistic: Callable[[xr.DataTree], float],
    *,
    method: str = "circular_shift",
    n: int = 199,
    seed: int | None = None,
    alternative: str = "greater",
    progress: bool | None = None,
    **method_kwargs: Any,
) -> xr.Dataset:
    """Test a statistic of real dyads against its distribution over surrogates.

    The null hypothesis: the two persons' alignment in time carries nothing beyond what
    each person's own signal carries. The statistic of the real data (``observed``) is
    compared with its values on ``n`` surrogates in which that alignment is destroyed.

    Methods
    -------
    ``"circular_shift"`` (one session)
        Each draw is :func:`circular_shift` of ``data`` (method kwargs ``min_shift``,
        ``channel``, ``person``). The observed value is ``statistic(data)``.
    ``"segment_shuffle"`` (one session)
        Each draw is :func:`segment_shuffle` of ``data`` (``segment_length`` required;
        ``channel``, ``person``).
    ``"pseudo_dyads"`` (a cohort: several sessions)
        The observed value is the **mean statistic over the real dyads**. Each draw
        re-pairs the same people at random, each person used once and no real pair
        kept: the first persons with a random derangement of the second persons
        (``keep_roles=True``, default), or a random perfect matching of everyone with no
        real pair (``keep_roles=False``); the draw is the mean statistic over those
        ``N`` pseudo-dyads (see :func:`pseudo_dyads` for how they are built, trimmed
        and labelled). So a draw has the same size and the same people as the cohort.
        Each pseudo-dyad's statistic is computed once and reused. With few sessions
        there are few distinct re-pairings (with roles kept: 1 for 2 sessions, 2 for 3,
        9 for 4, 44 for 5, 265 for 6, 1854 for 7): when there are at most ``n``, all of
        them are used once each instead of ``n`` random draws (``attrs["exact"]``; the
        ``draw`` dimension then has that length), so the smallest p-value is
        ``1 / (count + 1)``, as the design allows.

    Rules
    -----
    p-value
        ``p = (k + 1) / (m + 1)`` (Phipson & Smyth 2010; never 0), with ``m`` the number
        of null values that are not NaN and ``k`` the number of them ``>=`` the observed
        value (``alternative="greater"``) or ``<=`` it (``"less"``). Null values within a
        relative 1e-12 of the observed count as ties, i.e. as extreme.
        ``"two-sided"``: ``min(1, 2 * min(p_greater, p_less))``.
    Effect size
        ``z = (observed - mean(null)) / sd(null)``, mean and sample SD (ddof=1) over the
        finite null values: how many null SDs the observed value lies above the null mean.
    Non-finite statistics
        A p-value needs finite numbers. ``+inf``/``-inf`` anywhere (e.g. a concordance
        index with no negative windows) is an error naming the data it came from; prefer
        a bounded statistic (mean concordance). NaN means "undefined" (e.g. too much
        missing data): on the real data it is an error; on a surrogate draw the draw is
        left out of ``m``, of ``k`` and of the effect size (``n_valid`` counts those
        kept, and a warning says how many were left out); if every draw is NaN it is an
        error. For ``"pseudo_dyads"``, each cohort mean (observed and draws) is taken over
        the dyads whose statistic is not NaN, the number left out is in ``attrs``, and it
        is an error only when every real dyad is NaN.
    Errors in the statistic
        An exception raised by ``statistic`` becomes a :class:`ValidationError` that says
        where it happened (the real data, the real dyad, or the draw number with its
        shift, segment order or pseudo-dyad), with the original exception chained as
        ``__cause__``.

    Parameters
    ----------
    data : xarray.DataTree, or Cohort / dict / list of sessions
        One session for the within-dyad methods; several for ``"pseudo_dyads"``.
    statistic : callable
        ``statistic(session) -> float`` (a 0-d DataArray is fine), e.g.
        ``lambda s: float(concordance(s).mean())``. Larger should mean more concordance
        for ``alternative="greater"``.
    method : {"circular_shift", "segment_shuffle", "pseudo_dyads"}, default "circular_shift"
        How surrogates are made (see above).
    n : int, default 199
        Number of surrogate draws; ``1 / (n + 1)`` is the smallest possible p-value.
    seed : int, optional
        Seed of all draws: draw ``d`` uses ``numpy.random.default_rng`` of the ``d``-th
        child of ``numpy.random.SeedSequence(seed).spawn(n)``, so the same seed gives the
        same result and the draws do not depend on one another. None draws a fresh seed,
        recorded in ``attrs["seed"]``.
    alternative : {"greater", "less", "two-sided"}, default "greater"
        Direction of the test; "greater": more concordance than the surrogates.
    progress : bool, optional
        Show a tqdm progress bar. None (default): show one when the draws are expected
        to take more than about 2 s (estimated from the first draw); False: never.
    **method_kwargs
        Passed to the surrogate method: ``min_shift``, ``channel``, ``person``
        (circular_shift); ``segment_length``, ``channel``, ``person``
        (segment_shuffle); ``keep_roles``, ``channel`` (pseudo_dyads).

    Returns
    -------
    xarray.Dataset
        ``observed`` (scalar), ``null`` (dim ``draw``, ``n`` values), ``p_value``,
        ``effect_size`` (the z above), ``null_mean``, ``null_sd``, ``n_valid``; for
        ``"circular_shift"`` the coordinate ``shift`` (s) along ``draw``; for
        ``"pseudo_dyads"`` ``session_statistic`` (dim ``session``: each real dyad's
        value). ``attrs`` hold the method, its parameters, ``n``, ``seed``,
        ``alternative``, the statistic's name and the rules above in words.

    Raises
    ------
    ValidationError
        Unknown method or alternative, ``n`` not a whole number from 1 to 1,000,000,
        method kwargs that the method does not take, a single session for
        ``"pseudo_dyads"`` or several for a within-dyad method; a statistic that fails,
        does not return a real number, or returns a non-finite one (see above).

    See Also
    --------
    circular_shift, segment_shuffle, pseudo_dyads

    Notes
    -----
    Calibration on simulated 10-minute skin conductance dyads
    (``simulate_dyad(600, turns=False)``, 32 Hz), statistic = mean slope concordance
    (``concordance(s, method="slope").mean()``), ``n=99``, alpha = 0.05: with the
    default ``"circular_shift"``, 36 of 600 uncoupled dyads were rejected (6.0 %;
    7.5 %, 5.5 % and 5.0 % in three blocks of 200) and 93 % of dyads with coupling 0.5
    (90.5 % and 95.5 % in two blocks of 200). ``"segment_shuffle"`` with 30 s segments:
    7.0 % and 95.5 %. The concordance index behaves alike (7.0 % uncoupled) but is
    ``±inf`` when a session has no negative (positive) windows; the mean is bounded.

    Examples
    --------
    A strongly coupled dyad against circularly shifted surrogates of itself:

    >>> import concordlab
    >>> from concordlab.compute.surrogates import surrogate_test
    >>> s = concordlab.simulate_dyad(180, coupling=0.9, turns=False, channels="eda", seed=2)
    >>> mean_r = lambda s: float(concordlab.concordance(s).mean())
    >>> result = surrogate_test(s, mean_r, n=19, seed=0)
    >>> float(result["p_value"]), bool(result["effect_size"] > 2)
    (0.05, True)
    >>> result["null"].sizes["draw"], result.attrs["method"]
    (19, 'circular_shift')

    A cohort against pseudo-dyads (each draw: the same people, randomly re-paired):

    >>> cohort = concordlab.simulate_cohort(4, duration=60, channels="eda", seed=1)
    >>> test = surrogate_test(cohort, mean_r, method="pseudo_dyads", n=9, seed=0)
    >>> test["session_statistic"].sizes["session"], test["null"].sizes["draw"]
    (4, 9)
    """
    METHOD.check(method, "method")
    if not callable(statistic):
        raise ValidationError(
            "statistic must be a function of a session returning a number, e.g. "
            f"lambda s: float(concordance(s).mean()); got {type(statistic).__name__}."
        )
    n = DRAWS.check(n, "n")
    ALTERNATIVE.check(alternative, "alternative")
    progress = optional(FLAG, progress, "progress")
    unknown = sorted(set(method_kwargs) - set(_METHOD_KWARGS[method]))
    if unknown:
        raise ValidationError(
            f"method '{method}' takes no parameter(s) {unknown}; it takes "
            f"{list(_METHOD_KWARGS[method])}."
        )
    seed = check_seed(seed)
    children = np.random.SeedSequence(seed).spawn(n)

    coords: dict[str, Any] = {"draw": ("draw", np.arange(n))}
    extra: dict[str, Any] = {}
    attrs: dict[str, Any] = {}
    if method == "pseudo_dyads":
        pool = _Pool.prepare(
            data, method_kwargs.get("channel"), method_kwargs.get("keep_roles", True)
        )
        pool.warn_trimming(pool.pairs(), stacklevel=3)
        ids = [source.id for source in pool.sources]
        per_session = [
            _evaluate(statistic, session, f"the real dyad '{key}'", nan_ok=True)
            for key, session in zip(ids, pool.sessions, strict=True)
        ]
        observed, left_out = _cohort_mean(per_session)
        if math.isnan(observed):
            raise ValidationError(
                f"The statistic is NaN (undefined) on every one of the {len(ids)} real dyads, "
                "so there is nothing to test; check the data for missing samples or use "
                "another statistic."
            )
        extra["session_statistic"] = (
            "session",
            np.asarray(per_session),
            {"long_name": "statistic of each real dyad"},
        )
        coords["session"] = ("session", ids)
        attrs.update(
            observed_rule="mean of the statistic over the real dyads (finite values only)",
            null_rule=(
                "mean of the statistic over N pseudo-dyads pairing the same people at random, "
                "each person once, no real pair (keep_roles: a derangement of the second "
                "persons; else a perfect matching)"
            ),
            n_sessions=len(ids),
            keep_roles=pool.keep_roles,
            channels=",".join(pool.channels),
            n_nonfinite_observed=left_out,
        )
        nonfinite_in_draws = 0
        # With few people there are few distinct re-pairings: drawing them at random,
        # with repeats, would let p = (k + 1) / (n + 1) fall below 1 / (count + 1), the
        # smallest p the design allows (too many rejections). Enumerate them instead.
        exact = pool.count_pairings() <= n
        pairings = iter(pool.all_pairings()) if exact else None
        if exact:
            n = pool.count_pairings()
            children = children[:n]
            coords["draw"] = ("draw", np.arange(n))
        attrs["exact"] = exact
        statistic_of: dict[tuple[int, int, int, int], float] = {}  # each pseudo-dyad once

        def draw(rng: np.random.Generator, index: int) -> tuple[float, float]:
            nonlocal nonfinite_in_draws
            pairing = next(pairings) if pairings is not None else pool.random_pairing(rng)
            for pair in pairing:
                if pair not in statistic_of:
                    where = (
                        f"surrogate draw {index} (draws are numbered 0 to {n - 1}), pseudo-dyad "
                        f"'{pool.pair_id(pair)}'"
                    )
                    statistic_of[pair] = _evaluate(statistic, pool.build(pair), where, nan_ok=True)
            mean, dropped = _cohort_mean([statistic_of[pair] for pair in pairing])
            nonfinite_in_draws += dropped
            return mean, math.nan

    else:
        if not isinstance(data, xr.DataTree):
            raise ValidationError(
                f"method '{method}' makes surrogates of one session; got "
                f"{type(data).__name__}. For several sessions use method='pseudo_dyads', "
                "or test each session on its own."
            )
        dyad = _Dyad.prepare(data, method_kwargs.get("channel"), method_kwargs.get("person"))
        if method == "circular_shift":
            _, _, _, min_shift = dyad.shift_range(method_kwargs.get("min_shift"))
            attrs["min_shift"] = min_shift
        else:
            if "segment_length" not in method_kwargs:
                raise ValidationError(
                    "method 'segment_shuffle' needs segment_length=<seconds>, e.g. "
                    "segment_length=60 (at least the concordance window)."
                )
            length, _, counts = dyad.pieces(method_kwargs["segment_length"])
            attrs.update(segment_length=length, n_pieces=max(counts.values()))
        attrs.update(
            session_id=dyad.session_id,
            person=dyad.persons[dyad.row],
            channels=",".join(dyad.channels),
        )
        observed = _evaluate(statistic, data, "the real data", nan_ok=False)

        def draw(rng: np.random.Generator, index: int) -> tuple[float, float]:
            where = f"surrogate draw {index} (draws are numbered 0 to {n - 1})"
            if method == "circular_shift":
                surrogate, shift = dyad.circular(rng, method_kwargs.get("min_shift"))
                where += f", circular shift of {shift:g} s"
                return _evaluate(statistic, surrogate, where, nan_ok=True), shift
            surrogate = dyad.shuffle(rng, method_kwargs["segment_length"])
            order = session_metadata(surrogate)["surrogate"]["order"]
            where += f", segment order {order}"
            return _evaluate(statistic, surrogate, where, nan_ok=True), 0.0

    null = np.full(n, np.nan)
    shifts = np.full(n, np.nan)
    bar = None
    try:
        if progress:
            bar = tqdm(total=n, desc=f"surrogates ({method})", unit="draw")
        started = time.perf_counter()
        for index, child in enumerate(children):
            null[index], shifts[index] = draw(np.random.default_rng(child), index)
            if bar is not None:
                bar.update(1)
            elif index == 0 and progress is None:
                if (n - 1) * (time.perf_counter() - started) > _PROGRESS_AFTER:
                    bar = tqdm(total=n, initial=1, desc=f"surrogates ({method})", unit="draw")
    finally:
        if bar is not None:
            bar.close()

    if method == "circular_shift":
        coords["shift"] = ("draw", shifts, {"units": "s", "long_name": "circular shift"})
    if method == "pseudo_dyads":
        attrs["n_nonfinite_in_draws"] = nonfinite_in_draws

    p_value, above, below = _p_value(observed, null, alternative)
    effect, null_mean, null_sd = _effect_size(observed, null)
    n_valid = int(np.count_nonzero(~np.isnan(null)))
    if n_valid == 0:
        raise ValidationError(
            f"The statistic is NaN (undefined) on all {n} surrogates, so there is no null "
            "distribution to compare with; check the data for missing samples, or choose "
            "surrogate parameters (min_shift, segment_length) or a statistic that keep it "
            "defined."
        )
    if n_valid < n:
        warnings.warn(
            f"{n - n_valid} of {n} surrogate statistics are NaN and were left out of the "
            f"p-value and effect size (n_valid={n_valid}).",
            RuntimeWarning,
            stacklevel=2,
        )

    name = getattr(statistic, "__qualname__", None) or type(statistic).__name__
    result = xr.Dataset(
        {
            "observed": ((), observed, {"long_name": "statistic of the real data"}),
            "null": ("draw", null, {"long_name": "statistic of each surrogate draw"}),
            "p_value": (
                (),
                p_value,
                {
                    "long_name": f"Monte Carlo p-value ({alternative})",
                    "rule": "(k + 1) / (n_valid + 1); two-sided: min(1, 2 * min(p_greater, "
                    "p_less))",
                    "k_greater": above,
                    "k_less": below,
                },
            ),
            "effect_size": (
                (),
                effect,
                {
                    "long_name": "z = (observed - mean(null)) / sd(null)",
                    "rule": "mean and SD (ddof=1) over the finite null values",
                },
            ),
            "null_mean": ((), null_mean, {"long_name": "mean of the finite null values"}),
            "null_sd": ((), null_sd, {"long_name": "SD (ddof=1) of the finite null values"}),
            "n_valid": ((), n_valid, {"long_name": "number of null values that are not NaN"}),
            **extra,
        },
        coords=coords,
        attrs={
            "test": "surrogate_test",
            "method": method,
            "n": n,
            "seed": seed,
            "alternative": alternative,
            "statistic": str(name),
            **{key: as_attr(value) for key, value in attrs.items()},
        },
    )
    return result
