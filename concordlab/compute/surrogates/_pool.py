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

from concordlab._checks import FLAG
from concordlab._deprecate import renamed
from concordlab.compute._common import DRAWS, optional
from concordlab.compute.surrogates._common import CHANNELS, rng_of
from concordlab.errors import ValidationError
from concordlab.session import channels as session_channels
from concordlab.session import from_arrays, validate_session
from concordlab.simulate import Cohort

__all__ = ["count_derangements", "pseudo_dyads"]

_SEGMENTS_NOTE = (
    "segments not carried over: they mark events on one session's timeline (talk turns, "
    "interventions) that involve both persons, and the two persons of a pseudo-dyad come "
    "from different sessions; read them from the source sessions"
)


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
        for c in self.channels:  # the sources' units, already checked when they were built
            session[c][c].attrs["units"] = str(a.attrs[c].get("units", ""))
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
