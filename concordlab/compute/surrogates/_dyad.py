"""Within-dyad surrogates: one person's signal rotated (circular shift) or cut and shuffled.

Both keep each person's own signal and destroy the moment-to-moment alignment of the two:
:func:`circular_shift` keeps the autocorrelation exactly, :func:`segment_shuffle` keeps
the structure within each segment.

Examples
--------
>>> import concordlab
>>> from concordlab.compute.surrogates import circular_shift
>>> s = concordlab.simulate_dyad(120, turns=False, channels="eda", seed=1)
>>> concordlab.metadata(circular_shift(s, seed=0))["surrogate"]["method"]
'circular_shift'
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from concordlab._checks import SECONDS
from concordlab._deprecate import renamed
from concordlab.compute._common import POSITIVE_SECONDS, samples
from concordlab.compute.surrogates._common import CHANNELS, rng_of, with_seed
from concordlab.errors import ValidationError
from concordlab.session import channels as session_channels
from concordlab.session import metadata as session_metadata
from concordlab.session import validate_session

__all__ = [
    "DEFAULT_MAX_SHIFT_FRACTION",
    "DEFAULT_MIN_SHIFT",
    "DEFAULT_MIN_SHIFT_FRACTION",
    "circular_shift",
    "segment_shuffle",
]

#: Floor of the default ``min_shift`` of :func:`circular_shift`, in seconds: twice the
#: default concordance window (15 s), so no window of a surrogate sees its partner's
#: own window, and well beyond the seconds-long memory of skin conductance responses.
DEFAULT_MIN_SHIFT = 30.0
#: Fraction of the (shortest channel's) duration that the default ``min_shift`` reaches.
DEFAULT_MIN_SHIFT_FRACTION = 0.1
#: Fraction of the (shortest channel's) duration that the default ``max_shift`` of the
#: linear shift test reaches: its statistic sees the central half of the recording.
DEFAULT_MAX_SHIFT_FRACTION = 0.25


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
    def prepare(cls, session: Any, channels: Any, person: Any) -> _Dyad:
        session = validate_session(session)
        available = session_channels(session)
        where = "the session's channels"
        names = list(CHANNELS.check(channels, "channels", available=available, where=where))
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

    def build(
        self,
        rows: Mapping[str, np.ndarray],
        info: dict[str, Any] | None,
        spans: Mapping[str, slice] | None = None,
    ) -> xr.DataTree:
        """A new session: the chosen person's rows replaced, everything else shared.

        ``info``: how the surrogate was made (its metadata), or None for the real data.
        ``spans``: per channel, the stretch of time kept (the rows then have its length).
        """
        nodes = dict(self.nodes)
        nodes["/segments"] = self.nodes["/segments"].copy(deep=True)
        for name, row in rows.items():
            dataset = self.nodes[f"/{name}"]
            data = self.values[name].copy()
            if spans is not None:
                dataset = dataset.isel(time=spans[name])
                data = data[:, spans[name]].copy()
            data[self.row] = row
            nodes[f"/{name}"] = xr.Dataset(
                {name: dataset[name].variable.copy(data=data)},
                coords=dataset.coords,
                attrs=dataset.attrs,
            )
        meta = dict(self.meta)
        if info is None:  # the real data (only trimmed to ``spans``)
            session_id = self.session_id
        else:
            meta["surrogate"] = {
                "source_session": self.session_id,
                "person": self.persons[self.row],
                "channels": list(rows),
                **info,
                "segments": "kept from the source session (the untouched person still "
                "follows them; the surrogate person's data no longer do)",
            }
            session_id = f"{self.session_id}~{info['method']}"
        root = nodes["/"].copy()
        root.attrs = {
            **root.attrs,
            "session_id": session_id,
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

    # -- linear shift (Harris 2021)

    def shift_grid(self, max_shift: Any, per_side: int) -> tuple[str, int, int, float]:
        """Reference channel (shortest), shifts per side, step in its samples, max_shift.

        The shifts are ``j * step`` samples of the reference channel, ``j`` from
        ``-per_side`` to ``per_side`` (fewer per side when ``max_shift`` holds fewer
        samples); the statistic sees the central stretch, ``per_side * step`` samples in
        from each end.
        """
        durations = self.durations()
        shortest = min(durations.values())
        reference = min(self.channels, key=lambda c: durations[c])
        if max_shift is None:
            max_shift = DEFAULT_MAX_SHIFT_FRACTION * shortest
        max_shift = POSITIVE_SECONDS.check(max_shift, "max_shift")
        if not max_shift < shortest / 2:
            raise ValidationError(
                f"max_shift={max_shift:g} s leaves no central stretch of the {shortest:g} s "
                f"'{reference}' signal to compare: it must be less than half the duration; "
                f"use e.g. max_shift={DEFAULT_MAX_SHIFT_FRACTION * shortest:g} (a quarter)."
            )
        reach = math.floor(max_shift * self.rates[reference] + 1e-9)
        per_side = min(per_side, reach)
        if per_side < 1:
            raise ValidationError(
                f"max_shift={max_shift:g} s is shorter than one sample of '{reference}' "
                f"({1 / self.rates[reference]:g} s); use a larger max_shift."
            )
        return reference, per_side, reach // per_side, max_shift

    def linear(self, shift: float, trim: float) -> xr.DataTree:
        """The central stretch (``trim`` s in from each end), the person ``shift`` s later.

        The shifted person's samples come from ``shift`` seconds later in their own
        recording (earlier for a negative shift): nothing wraps round. Shift 0 is the
        real data on the central stretch: no surrogate in its metadata, and its own id.
        """
        rows, spans, by_channel = {}, {}, {}
        for name in self.channels:
            rate, n = self.rates[name], self.values[name].shape[1]
            cut, k = round(trim * rate), round(shift * rate)
            spans[name] = slice(cut, n - cut)
            rows[name] = self.values[name][self.row, cut + k : n - cut + k]
            by_channel[name] = k
        info = None
        if shift != 0:
            info = {"method": "linear_shift", "shift": shift, "shift_samples": by_channel}
            info["trim"] = trim
        return self.build(rows, info, spans)

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


@renamed(channel="channels")
def circular_shift(
    session: xr.DataTree,
    *,
    seed: int | np.random.Generator | None = None,
    min_shift: float | None = None,
    channels: str | Sequence[str] | None = None,
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

    As a test (:func:`surrogate_test`, which warns) it held its level on short-memory
    signals and on first differences of skin conductance (3.5 % at alpha 0.05), but not
    on the levels of slowly drifting skin conductance (10 %) nor on slow stationary noise:
    a rotation joins the end of the signal to its start, a jump a drifting signal never
    makes. The linear shift test (``surrogate_test(method="linear_shift")``, the
    default) never wraps and holds its level: see the calibration table in
    :func:`surrogate_test`.

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
    channels : str or list of str, optional
        The channel(s) to rotate; default all. The surrogate holds only these channels:
        a channel left unrotated would still carry the real alignment. (Formerly
        ``channel``, which still works for one release with a ``FutureWarning``.)
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
    rng, record = rng_of(seed)
    dyad = _Dyad.prepare(session, channels, person)
    surrogate, _ = dyad.circular(rng, min_shift)
    return with_seed(surrogate, record)


@renamed(channel="channels")
def segment_shuffle(
    session: xr.DataTree,
    segment_length: float,
    *,
    seed: int | np.random.Generator | None = None,
    channels: str | Sequence[str] | None = None,
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

    **As the null of a test it is too narrow on drifting signals**: because the slow
    structure goes with the alignment, uncoupled skin conductance dyads look coupled
    more often than ``alpha`` says (see :func:`surrogate_test`, which warns); on
    short-memory signals it holds. :func:`circular_shift` keeps each signal whole.

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
    channels : str or list of str, optional
        The channel(s) to shuffle; default all. The surrogate holds only these channels.
        (Formerly ``channel``, which still works for one release with a ``FutureWarning``.)
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
    rng, record = rng_of(seed)
    dyad = _Dyad.prepare(session, channels, person)
    return with_seed(dyad.shuffle(rng, segment_length), record)
