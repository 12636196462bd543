"""Pseudo-dyads: people from different real dyads, who never met, paired into sessions.

A :class:`_Pool` checks several sessions once and builds pseudo-dyads from them on demand
(each at most once); it also enumerates or draws whole pairings of a cohort's people (the
permutation group, the real pairing among them), the null of
:func:`~concordlab.compute.surrogates.surrogate_test` with ``method="pseudo_dyads"``.

Examples
--------
>>> import concordlab
>>> from concordlab.compute.surrogates import pseudo_dyads
>>> cohort = concordlab.simulate_cohort(3, duration=60, channels="eda", seed=1)
>>> len(pseudo_dyads(cohort))
6
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from concordlab._checks import FLAG, Integer
from concordlab._deprecate import renamed
from concordlab.compute._common import DRAWS, optional
from concordlab.compute.surrogates._common import CHANNELS, rng_of
from concordlab.errors import ValidationError
from concordlab.session import channels as session_channels
from concordlab.session import from_arrays, validate_session
from concordlab.simulate import Cohort

__all__ = ["count_derangements", "pseudo_dyads", "pseudo_groups"]

_SEGMENTS_NOTE = (
    "segments not carried over: they mark events on one session's timeline (talk turns, "
    "interventions) that involve its persons, and the persons of a pseudo-dyad (or "
    "pseudo-group) come from different sessions; read them from the source sessions"
)


@dataclass
class _Source:
    id: str
    persons: tuple[str, ...]
    start_time: str
    values: dict[str, np.ndarray]  # (persons, n) per channel
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
    def prepare(cls, sessions: Any, channels: Any, keep_roles: Any) -> _Pool:
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
        names = CHANNELS.check(
            channels, "channels", available=available, where="the channels every session has"
        )
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
                    persons=persons,
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
        if pair not in self.cache:
            i, p, j, q = pair
            self.cache[pair] = self.assemble(((i, p), (j, q)), self.pair_id(pair))
        return self.cache[pair]

    def group_id(self, members: tuple[tuple[int, int], ...]) -> str:
        return "+".join(f"{self.sources[i].id}:{self.sources[i].persons[p]}" for i, p in members)

    def assemble(self, members: tuple[tuple[int, int], ...], session_id: str) -> xr.DataTree:
        """A session of person ``p`` of source ``i`` for each ``(i, p)`` of ``members``.

        Every series starts at its first sample, on the first member's time axis, and
        the longer ones are trimmed at the end to the shortest. A label met twice gets
        its session id appended (``"patient (dyad-01)"``).
        """
        group = len(members) > 2
        chosen = [(self.sources[i], p) for i, p in members]
        labels = [source.persons[p] for source, p in chosen]
        labels = [
            f"{label} ({source.id})" if labels.count(label) > 1 else label
            for label, (source, _) in zip(labels, chosen, strict=True)
        ]
        first = chosen[0][0]
        data, offsets, trimmed = {}, {}, {}
        for name in self.channels:
            series = [source.values[name][p] for source, p in chosen]
            m = min(x.size for x in series)
            data[name] = np.stack([x[:m] for x in series])
            offsets[name] = first.offsets[name]
            if any(x.size != m for x in series):
                trimmed[name] = {
                    "kept": m / self.rates[name],
                    "dropped": [(x.size - m) / self.rates[name] for x in series],
                }
        sources = [
            {
                "person": labels[k],
                "session": source.id,
                "source_person": source.persons[role],
                "start_time": source.start_time,
            }
            for k, (source, role) in enumerate(chosen)
        ]
        alignment = (
            "every series starts at its first sample; the time axis is the first person's; "
            "the longer series are trimmed at the end to the shortest"
            if group
            else "both series start at their first sample; the time axis is the first "
            "person's; the longer series is trimmed at the end"
        )
        surrogate = {
            "method": "pseudo_groups" if group else "pseudo_dyads",
            **({} if group else {"keep_roles": self.keep_roles}),
            "sources": sources,
            "trimmed": trimmed,
            "alignment": alignment,
            "segments": _SEGMENTS_NOTE,
        }
        session = from_arrays(
            data,
            self.rates,
            persons=labels,
            long_names={c: str(first.attrs[c].get("long_name", c)) for c in self.channels},
            time_offset=offsets,
            session_id=session_id,
            metadata={"pseudo_group" if group else "pseudo_dyad": True, "surrogate": surrogate},
        )
        for c in self.channels:  # the sources' units, already checked when they were built
            session[c][c].attrs["units"] = str(first.attrs[c].get("units", ""))
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
        """How many pairings of the cohort's people :meth:`random_pairing` draws from.

        The real pairing is one of them, and a pairing may keep some real dyads.
        keep_roles: the permutations of the second persons, N!. Otherwise: the perfect
        matchings of the 2N people, (2N - 1)!! = (2N - 1)(2N - 3)...1.
        """
        n = len(self.sources)
        if self.keep_roles:
            return math.factorial(n)
        return math.prod(range(2 * n - 1, 0, -2))

    def all_pairings(self) -> Iterator[list[tuple[int, int, int, int]]]:
        """Every pairing :meth:`random_pairing` can draw, the real one first.

        A pair ``(i, p, i, q)`` is the real dyad ``i``.
        """
        n = len(self.sources)
        if self.keep_roles:
            for partner in itertools.permutations(range(n)):
                yield [(i, 0, int(partner[i]), 1) for i in range(n)]
            return

        def extend(
            left: list[tuple[int, int]], pairs: list[tuple[int, int, int, int]]
        ) -> Iterator[list[tuple[int, int, int, int]]]:
            if not left:
                yield sorted(pairs)
                return
            (i, p), rest = left[0], left[1:]
            for index, (j, q) in enumerate(rest):
                yield from extend(rest[:index] + rest[index + 1 :], [*pairs, (i, p, j, q)])

        yield from extend([(i, role) for i in range(n) for role in (0, 1)], [])

    def random_pairing(self, rng: np.random.Generator) -> list[tuple[int, int, int, int]]:
        """One uniformly random pairing of the cohort's people, each person used once.

        keep_roles: the first persons with a random permutation of the second persons.
        Otherwise: a random perfect matching of all 2N people (a random order, read in
        twos). Real dyads may be kept by chance, as the permutation group requires.
        """
        n = len(self.sources)
        if self.keep_roles:
            partner = rng.permutation(n)
            return [(i, 0, int(partner[i]), 1) for i in range(n)]
        order = rng.permutation(2 * n).reshape(n, 2)
        dyad, role = order // 2, order % 2
        pairs = []
        for (i, j), (p, q) in zip(dyad.tolist(), role.tolist(), strict=True):
            pairs.append((i, p, j, q) if (i, p) < (j, q) else (j, q, i, p))
        return sorted(pairs)


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


@renamed(channel="channels", n="n_surrogates")
def pseudo_dyads(
    sessions: Cohort | Mapping[str, xr.DataTree] | Sequence[xr.DataTree],
    *,
    keep_roles: bool = True,
    channels: str | Sequence[str] | None = None,
    n_surrogates: int | None = None,
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
    channels : str or list of str, optional
        Channel(s) to include; default every channel all sessions share. (Formerly
        ``channel``, which still works for one release with a ``FutureWarning``.)
    n_surrogates : int, optional
        Return a random subset of ``n_surrogates`` pseudo-dyads (without repetition, in
        the order of the full listing) instead of all of them. (Formerly ``n``, which
        still works for one release with a ``FutureWarning``.)
    seed : int, optional
        Seed of the random subset (only with ``n_surrogates``); None draws a fresh one.

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
        (resample with :func:`concordlab.resample`), or ``n_surrogates`` larger than the
        number of pseudo-dyads.

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
    >>> len(pseudo_dyads(cohort, n_surrogates=4, seed=0))
    4
    """
    n = optional(DRAWS, n_surrogates, "n_surrogates")
    rng, _ = rng_of(seed)
    pool = _Pool.prepare(sessions, channels, keep_roles)
    pairs = pool.pairs()
    if n is not None:
        if n > len(pairs):
            raise ValidationError(
                f"n_surrogates={n} is more than the {len(pairs)} pseudo-dyads these "
                f"{len(pool.sources)} sessions give; ask for at most {len(pairs)} (or "
                "n_surrogates=None)."
            )
        pairs = [pairs[k] for k in np.sort(rng.choice(len(pairs), size=n, replace=False))]
    pool.warn_trimming(pairs, stacklevel=4)  # warn_trimming, pseudo_dyads, renamed, caller
    return {pool.pair_id(pair): pool.build(pair) for pair in pairs}


GROUP_SIZE = Integer(low=2, high=1000, example="4")
"""Persons in a pseudo-group."""
DEFAULT_GROUPS = 20
"""Pseudo-groups drawn when ``n_groups`` is not given (or all, when there are fewer)."""
ENUMERATE_UP_TO = 100_000
"""Pseudo-groups are drawn from the full list when there are at most this many."""


def _count_groups(sizes: Sequence[int], k: int) -> int:
    """Groups of ``k`` people from ``k`` different sessions of ``sizes`` persons each.

    The elementary symmetric polynomial e_k(sizes), by the usual recurrence.

    Examples
    --------
    >>> _count_groups([2, 2, 2], 2), _count_groups([2, 3, 4], 3)
    (12, 24)
    """
    counts = [1] + [0] * k
    for size in sizes:
        for j in range(k, 0, -1):
            counts[j] += counts[j - 1] * size
    return counts[k]


def pseudo_groups(
    sessions: Cohort | Mapping[str, xr.DataTree] | Sequence[xr.DataTree],
    *,
    n_persons: int | None = None,
    n_groups: int | None = None,
    channels: str | Sequence[str] | None = None,
    seed: int | np.random.Generator | None = None,
) -> dict[str, xr.DataTree]:
    """Pseudo-groups: sessions of ``n_persons`` people from different sessions, who never met.

    The group form of :func:`pseudo_dyads` (Marci et al. 2007's "hypothetical dyads";
    rMEA's pseudo-synchrony): each pseudo-group takes one person from each of
    ``n_persons`` different sessions, so no two of its members were recorded together.
    Whatever concordance it shows comes from the shared setting (similar tasks, drifts,
    habituation), not from interaction: the baseline against which a real family or
    group is "more in sync than strangers".

    Groups are drawn at random, uniformly among all possible ones and without
    repetition (no two groups with the same members); the same ``seed`` gives the same
    groups. Lengths, rates and units are handled as by :func:`pseudo_dyads`: every
    series starts at its first sample, the longer ones are trimmed at the end to the
    shortest (a ``UserWarning`` says so; ``metadata(s)["surrogate"]["trimmed"]``
    records it); rates and units must agree per channel. Segments are not carried over.

    Parameters
    ----------
    sessions : Cohort, dict of str to xarray.DataTree, or list of xarray.DataTree
        At least ``n_persons`` sessions (dyads or groups, any number of persons each).
        Ids as for :func:`pseudo_dyads`.
    n_persons : int, optional
        Persons per pseudo-group, at least 2. Default: the number of persons of the
        sessions when they all have the same (families of four give pseudo-families of
        four); sessions of different sizes need it given.
    n_groups : int, optional
        How many pseudo-groups to draw; at most the number of possible groups. Default
        20, or every possible group when there are fewer.
    channels : str or list of str, optional
        Channel(s) to include; default every channel all sessions share.
    seed : int or numpy.random.Generator, optional
        Seed of the draw; None draws a fresh one.

    Returns
    -------
    dict of str to xarray.DataTree
        Keyed ``"<id>:<person>+<id>:<person>+..."`` (members in the order of the
        sessions), each an ordinary session with that key as its session id, no segments,
        and ``metadata(s)`` with ``pseudo_group: True`` (``pseudo_dyad: True`` for
        groups of two, as :func:`pseudo_dyads` builds them) and under ``"surrogate"``
        the source session, source person and start time of each member. A label met
        twice in a group gets its session id appended, e.g. ``"patient (dyad-01)"``.

    Raises
    ------
    ValidationError
        Fewer sessions than ``n_persons``, no common channel, different sampling rates or
        units, sessions of different sizes without ``n_persons``, or ``n_groups`` larger
        than the number of possible groups.

    See Also
    --------
    pseudo_dyads : the same for two people.

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.compute.surrogates import pseudo_groups
    >>> cohort = concordlab.simulate_cohort(4, duration=60, channels="eda", seed=1)
    >>> groups = pseudo_groups(cohort, n_persons=3, n_groups=5, seed=0)
    >>> len(groups)
    5
    >>> group = groups[sorted(groups)[0]]
    >>> [p["session"] for p in concordlab.metadata(group)["surrogate"]["sources"]]
    ['dyad-01', 'dyad-02', 'dyad-04']
    >>> list(pseudo_groups(cohort, n_persons=3, n_groups=5, seed=0)) == list(groups)
    True
    """
    count = optional(DRAWS, n_groups, "n_groups")
    rng, _ = rng_of(seed)
    pool = _Pool.prepare(sessions, channels, False)
    sizes = [len(source.persons) for source in pool.sources]
    if n_persons is None:
        if len(set(sizes)) > 1:
            raise ValidationError(
                f"The sessions hold different numbers of persons ({sorted(set(sizes))}); "
                "say how many persons a pseudo-group has, e.g. n_persons=4."
            )
        n_persons = sizes[0]
    k = GROUP_SIZE.check(n_persons, "n_persons")
    if k > len(sizes):
        raise ValidationError(
            f"n_persons={k} needs {k} sessions (no two members from one session), but "
            f"{len(sizes)} were given; give more sessions or ask for smaller groups."
        )
    possible = _count_groups(sizes, k)
    if count is None:
        count = min(DEFAULT_GROUPS, possible)
    if count > possible:
        raise ValidationError(
            f"n_groups={count} is more than the {possible} pseudo-groups of {k} these "
            f"{len(sizes)} sessions give; ask for at most {possible}."
        )
    n = len(sizes)
    if possible <= ENUMERATE_UP_TO:
        every = [
            tuple(zip(chosen, roles, strict=True))
            for chosen in itertools.combinations(range(n), k)
            for roles in itertools.product(*(range(sizes[i]) for i in chosen))
        ]
        picked = [every[index] for index in np.sort(rng.choice(possible, count, replace=False))]
    else:  # too many to list: draw (uniform over groups) and refuse repeats
        weights = np.asarray(sizes, dtype=np.float64)
        seen: set[tuple[tuple[int, int], ...]] = set()
        picked = []
        while len(picked) < count:
            # A uniform group: sessions with probability proportional to the product of
            # their sizes, by rejection from a uniform choice of k sessions.
            chosen = np.sort(rng.choice(n, k, replace=False))
            if rng.random() > np.prod(weights[chosen]) / np.prod(np.sort(weights)[-k:]):
                continue
            members = tuple((int(i), int(rng.integers(sizes[i]))) for i in chosen)
            if members not in seen:
                seen.add(members)
                picked.append(members)
    groups = {pool.group_id(members): members for members in picked}
    _warn_group_trimming(pool, list(groups.values()))
    return {key: pool.assemble(members, key) for key, members in groups.items()}


def _warn_group_trimming(pool: _Pool, groups: list[tuple[tuple[int, int], ...]]) -> None:
    dropped = []
    for members in groups:
        worst = 0.0
        for name in pool.channels:
            lengths = [pool.sources[i].values[name].shape[1] for i, _ in members]
            worst = max(worst, (max(lengths) - min(lengths)) / pool.rates[name])
        dropped.append(worst)
    trimmed = [d for d in dropped if d > 0]
    if trimmed:
        warnings.warn(
            f"{len(trimmed)} of {len(dropped)} pseudo-groups hold series of different "
            f"lengths; each was trimmed at the end to the shortest (up to {max(trimmed):g} s "
            "dropped). metadata(s)['surrogate']['trimmed'] lists what was kept.",
            UserWarning,
            stacklevel=3,
        )
