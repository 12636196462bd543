"""Observers' ratings back in: :func:`read_ratings` joins filled rating sheets to the key.

The sheets and the key have the formats of :mod:`concordlab.review._format`. Everything
is checked before anything is joined, and nothing is dropped: a code that is not in the
key, a key code a sheet lacks, a rating off its scale, a blank rating, an observer or a
clip given twice, sheets with different rating columns are all errors that name them.
"""

from __future__ import annotations

import difflib
import numbers
import os
import pathlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from concordlab._checks import FLAG, Choice, FilePath
from concordlab.errors import FileFormatError, ValidationError
from concordlab.review._format import CLIP, KEY_COLUMNS, OBSERVER, parse_rating_column

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from concordlab.stats.results import PairedComparison

__all__ = ["Ratings", "read_ratings"]

Source = str | os.PathLike | pd.DataFrame
KEY_NEEDED = (CLIP, "session", "kind")
"""The key's columns a join needs; the others of :data:`KEY_COLUMNS` are kept if there."""
_KEY_NUMBERS = ("order", "segment", "start", "end", "clip_start", "clip_end")
_KEY_NUMBERS += ("video_start", "video_end")
_SHOWN = 8  # items listed per problem in a message
_FIX = {
    "extra": "correct the code to the key's, or remove the row if that clip was not shown",
    "missing": "add the clip's row (with blank ratings and allow_missing=True if it was "
    "not rated), or check that the sheet belongs to this key",
}


def _listed(items: Sequence[Any]) -> str:
    shown = ", ".join(str(item) for item in items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


# --------------------------------------------------------------------------- reading


def _read_csv(path: pathlib.Path, what: str) -> pd.DataFrame:
    if not path.is_file():
        raise FileFormatError(f"The {what} {str(path)!r} does not exist; check the path.")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise FileFormatError(
            f"The {what} {str(path)!r} is not a readable CSV file ({error}); save it as CSV."
        ) from None


def read_key(key: Any) -> pd.DataFrame:
    """The key as a table: a CSV path or a DataFrame with at least ``clip``, ``session``
    and ``kind`` (the other :data:`~concordlab.review._format.KEY_COLUMNS` are kept).

    Examples
    --------
    >>> read_key(pd.DataFrame({"clip": ["a"], "session": ["s1"], "kind": ["high"]}))
      clip session  kind
    0    a      s1  high
    """
    if isinstance(key, pd.DataFrame):
        table, where = key.copy(), "The key"
    else:
        path = FilePath("key CSV file", "'review-key.csv'").check(key, "key")
        table, where = _read_csv(path, "key file"), f"The key {str(path)!r}"
        for column in _KEY_NUMBERS:
            if column in table:
                table[column] = pd.to_numeric(table[column], errors="coerce")
    missing = [c for c in KEY_NEEDED if c not in table.columns]
    if missing:
        raise ValidationError(
            f"{where} lacks the column(s) {missing}; pass the key written by "
            f"concordlab.export_review (columns {list(KEY_COLUMNS)})."
        )
    table[CLIP] = table[CLIP].map(_text)
    for column in ("session", "kind"):
        empty = table.index[table[column].map(_text) == ""].tolist()
        if empty:
            raise ValidationError(
                f"{where} has no {column} in rows {_listed(empty)}; every clip needs its "
                f"{column}: use the key written with the sheet."
            )
    blank = table.index[table[CLIP] == ""].tolist()
    doubled = table[CLIP][table[CLIP].duplicated() & (table[CLIP] != "")].unique().tolist()
    if blank or doubled:
        raise ValidationError(
            f"{where} is not a key: "
            + "; ".join(
                [f"rows {_listed(blank)} have no clip code"] * bool(blank)
                + [f"clip code(s) {_listed(doubled)} appear more than once"] * bool(doubled)
            )
            + ". Each clip has one row with its code; use the key written with the sheet."
        )
    return table.reset_index(drop=True)


def _text(value: Any) -> str:
    """A cell as text: blank ("") for NaN or None, else stripped."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def _sources(sheets: Any) -> list[Source]:
    if isinstance(sheets, str | os.PathLike | pd.DataFrame):
        return [sheets]
    if isinstance(sheets, list | tuple) and sheets:
        bad = [s for s in sheets if not isinstance(s, str | os.PathLike | pd.DataFrame)]
        if not bad:
            return list(sheets)
    raise ValidationError(
        "sheets must be a filled rating sheet or a non-empty list of them: CSV paths or "
        f"pandas DataFrames; e.g. sheets=['observer-a.csv', 'observer-b.csv']. Got {sheets!r}."
    )


def _load_sheet(sheet: Source, index: int) -> tuple[pd.DataFrame, str, str | None]:
    """The sheet's table (object columns), how messages call it, and a file's stem."""
    if isinstance(sheet, pd.DataFrame):
        return sheet.copy(), f"sheet {index} (a DataFrame)", None
    path = FilePath("rating sheet (CSV)", "'rating_sheet.csv'").check(sheet, "sheets")
    return _read_csv(path, "rating sheet"), f"sheet {str(path)!r}", path.stem


def _scales(frame: pd.DataFrame, where: str) -> dict[str, tuple[str, int, int]]:
    """``name -> (header, low, high)`` of the sheet's rating columns."""
    if CLIP not in frame.columns:
        raise ValidationError(f"The {where} has no '{CLIP}' column; use the sheet as written.")
    scales: dict[str, tuple[str, int, int]] = {}
    for column in frame.columns:
        if column in (CLIP, OBSERVER):
            continue
        parsed = parse_rating_column(column)
        if parsed is None or parsed[1] >= parsed[2]:
            raise ValidationError(
                f"The {where} has a column {column!r} that is not a rating headed "
                "'name (low-high)', e.g. 'valence (1-7)'; give it its scale, or remove it "
                f"(a sheet holds '{CLIP}', '{OBSERVER}' and ratings only)."
            )
        name, low, high = parsed
        if name in scales or name in KEY_COLUMNS or name == OBSERVER:
            raise ValidationError(
                f"The {where} has the rating name {name!r} twice or as a key column; "
                "give each rating its own name."
            )
        scales[name] = (column, low, high)
    if not scales:
        raise ValidationError(
            f"The {where} has no rating column (headed 'name (low-high)'); use the sheet "
            "as written by concordlab.export_review."
        )
    return scales


def _observers(frame: pd.DataFrame, where: str, stem: str | None) -> pd.Series:
    names = (
        frame[OBSERVER].map(_text)
        if OBSERVER in frame
        else pd.Series("", index=frame.index, dtype=object)
    )
    blank = names == ""
    if blank.all() and stem is not None:
        return pd.Series(stem, index=frame.index, dtype=object)
    if blank.any():
        rows = (frame.index[blank] + 2).tolist() if stem is not None else frame.index[blank]
        label = "lines" if stem is not None else "rows"
        raise ValidationError(
            f"The {where} has no observer name in {label} {_listed(list(rows))}; fill the "
            f"'{OBSERVER}' column on every row (a file whose '{OBSERVER}' column is all "
            "blank is named after the file)."
        )
    return names


def _collect(sources: list[Source]) -> tuple[pd.DataFrame, dict[str, tuple[int, int]]]:
    """Every sheet's rows (observer, clip, sheet, the raw ratings) and the shared scales."""
    frames, first, first_where, seen = [], None, "", {}
    for index, sheet in enumerate(sources):
        frame, where, stem = _load_sheet(sheet, index)
        scales = _scales(frame, where)
        if first is None:
            first, first_where = scales, where
        elif {n: s[1:] for n, s in scales.items()} != {n: s[1:] for n, s in first.items()}:
            raise ValidationError(
                f"The {where} has the rating columns {[s[0] for s in scales.values()]} but "
                f"the {first_where} has {[s[0] for s in first.values()]}; every observer "
                "rates the same ratings on the same scales: fix the headers."
            )
        observers = _observers(frame, where, stem)
        for name in observers.unique():
            if name in seen:
                raise ValidationError(
                    f"The observer {name!r} is in the {seen[name]} and in the {where}; "
                    "give each observer one sheet (or rename one of them)."
                )
            seen[name] = where
        rows = pd.DataFrame(
            {OBSERVER: observers, CLIP: frame[CLIP].map(_text), "sheet": where}
            | {name: frame[column] for name, (column, _, _) in scales.items()}
        )
        frames.append(rows)
    assert first is not None
    return pd.concat(frames, ignore_index=True), {n: s[1:] for n, s in first.items()}


def _code_problems(rows: pd.DataFrame, codes: list[str]) -> list[str]:
    problems = []
    blank = rows[rows[CLIP] == ""]
    for observer, group in blank.groupby(OBSERVER, sort=False):
        problems.append(
            f"observer {observer!r}: {len(group)} row(s) without a clip code; "
            "fill in the code or remove the row"
        )
    rows = rows[rows[CLIP] != ""]
    doubled = rows[rows.duplicated([OBSERVER, CLIP])]
    for observer, group in doubled.groupby(OBSERVER, sort=False):
        problems.append(
            f"observer {observer!r} rated the clip(s) {_listed(group[CLIP].unique().tolist())} "
            "more than once; keep one row per clip"
        )
    known = set(codes)
    for observer, group in rows.groupby(OBSERVER, sort=False):
        given = list(dict.fromkeys(group[CLIP]))
        extra = [c for c in given if c not in known]
        if extra:
            named = []
            for code in extra:
                close = difflib.get_close_matches(code, codes, n=1)
                named.append(f"{code!r} (did you mean {close[0]!r}?)" if close else repr(code))
            problems.append(
                f"observer {observer!r}: code(s) not in the key: {_listed(named)}; " + _FIX["extra"]
            )
        missing = [c for c in codes if c not in set(given)]
        if missing:
            problems.append(
                f"observer {observer!r}: key code(s) missing from the sheet: "
                f"{_listed([repr(c) for c in missing])}; " + _FIX["missing"]
            )
    return problems


def _number(value: Any) -> float | None:
    """A cell as a number: NaN for blank, None for what is not a number."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    text = _text(value)
    if text == "":
        return np.nan
    try:
        return float(text)
    except ValueError:
        return None


def _values(
    rows: pd.DataFrame, scales: dict[str, tuple[int, int]], allow_missing: bool
) -> tuple[pd.DataFrame, list[str]]:
    """The ratings as floats (NaN blank) and the problems of their values."""
    bad, blank = [], []
    observers, clips = rows[OBSERVER].to_numpy(), rows[CLIP].to_numpy()
    for name, (low, high) in scales.items():
        raw = rows[name].to_numpy(dtype=object)
        values = np.array([_number(v) for v in raw], dtype=object)  # NaN blank, None not a number
        numeric = np.array([np.nan if v is None else v for v in values], dtype=float)
        wrong = (values == None) | (  # noqa: E711 (elementwise: None marks a non-number)
            ~np.isnan(numeric) & ((numeric % 1 != 0) | (numeric < low) | (numeric > high))
        )
        for i in np.flatnonzero(wrong):
            bad.append(f"observer {observers[i]!r}, clip {clips[i]!r}, '{name}': {raw[i]!r}")
        for i in np.flatnonzero(np.isnan(numeric) & ~wrong):
            blank.append(f"observer {observers[i]!r}, clip {clips[i]!r}, '{name}'")
        rows[name] = numeric
    problems = []
    if bad:
        scale_text = ", ".join(f"{n} {lo}-{hi}" for n, (lo, hi) in scales.items())
        problems.append(
            f"{len(bad)} rating(s) not a whole number on the column's scale ({scale_text}): "
            f"{_listed(bad)}; correct them"
        )
    if blank and not allow_missing:
        problems.append(
            f"{len(blank)} blank rating(s): {_listed(blank)}; fill them in, or pass "
            "allow_missing=True to keep them as missing (NaN)"
        )
    return rows, problems


def read_ratings(
    sheets: Source | Sequence[Source], key: Source, *, allow_missing: bool = False
) -> Ratings:
    """Join the observers' filled rating sheets to the key of the clips.

    Parameters
    ----------
    sheets : str, os.PathLike, pandas.DataFrame or a list of them
        One filled rating sheet or several (one per observer): CSV files in the sheet's
        format (column ``clip``, column ``observer``, one column per rating headed
        ``name (low-high)``, see :mod:`concordlab.review._format`), DataFrames of that
        layout, or one long DataFrame holding every observer. The observer is the
        ``observer`` column; for a file whose ``observer`` column is blank (or absent),
        the file's name without its suffix; a DataFrame must fill it.
    key : str, os.PathLike or pandas.DataFrame
        The key written with the sheet (:func:`concordlab.export_review`), or a table with
        at least its columns ``clip``, ``session`` and ``kind``.
    allow_missing : bool, default False
        Keep blank ratings as missing (NaN); by default they are an error.

    Returns
    -------
    Ratings
        The joined ratings: ``.table``, ``.by_kind()``, ``.agreement()``, ``.compare()``,
        ``.plot()``.

    Raises
    ------
    ValidationError
        Naming every problem found: codes not in the key (a misspelt one with the closest
        key code), key codes a sheet lacks (per observer), ratings that are not whole
        numbers on their scale (observer, clip, column, value), blank ratings (unless
        ``allow_missing``), an observer in two sheets, a clip twice for one observer,
        sheets with different rating columns, a DataFrame without observer names, a key
        without its columns.
    FileFormatError
        If a file is missing or is not CSV.

    Examples
    --------
    >>> import pandas as pd
    >>> from concordlab.review import read_ratings
    >>> key = pd.DataFrame({"clip": ["k3f", "p9q"], "session": ["s1", "s1"],
    ...                     "kind": ["high", "low"]})
    >>> sheet = pd.DataFrame({"clip": ["p9q", "k3f"], "observer": ["ana", "ana"],
    ...                       "valence (1-7)": [3, 6]})
    >>> ratings = read_ratings(sheet, key)
    >>> ratings.table[["observer", "clip", "kind", "valence"]]
      observer clip  kind  valence
    0      ana  k3f  high      6.0
    1      ana  p9q   low      3.0

    A misspelt code is named, with the key's closest code:

    >>> typo = sheet.assign(clip=["p9q", "k3t"])
    >>> try:
    ...     read_ratings(typo, key)
    ... except ValidationError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    read_ratings found 2 problem(s) in the rating sheet(s):
    - observer 'ana': code(s) not in the key: 'k3t' (did you mean 'k3f'?); correct the code
      to the key's, or remove the row if that clip was not shown
    - observer 'ana': key code(s) missing from the sheet: 'k3f'; add the clip's row (with
      blank ratings and allow_missing=True if it was not rated), or check that the sheet
      belongs to this key
    """
    allow_missing = FLAG.check(allow_missing, "allow_missing")
    sources = _sources(sheets)
    table = read_key(key)
    rows, scales = _collect(sources)
    problems = _code_problems(rows, table[CLIP].tolist())
    rows, value_problems = _values(rows, scales, allow_missing)
    problems += value_problems
    if problems:
        raise ValidationError(
            f"read_ratings found {len(problems)} problem(s) in the rating sheet(s):\n"
            + "\n".join(f"- {p}" for p in problems)
        )
    joined = rows.drop(columns="sheet").merge(table, on=CLIP, how="left", validate="m:1")
    order = "order" if "order" in table else None
    position = joined[CLIP].map({c: i for i, c in enumerate(table[CLIP])})
    observer_rank = joined[OBSERVER].map({o: i for i, o in enumerate(rows[OBSERVER].unique())})
    joined = joined.assign(_o=observer_rank, _p=joined[order] if order else position)
    joined = joined.sort_values(["_o", "_p"], kind="stable").drop(columns=["_o", "_p"])
    columns = [OBSERVER, *table.columns, *scales]
    return Ratings(joined[columns].reset_index(drop=True), scales)


# --------------------------------------------------------------------------- the result


def _kind_order(kinds: Sequence[str]) -> list[str]:
    first = [k for k in ("high", "low") if k in kinds]
    return first + sorted(k for k in kinds if k not in first)


class Ratings:
    """Observers' ratings of clips joined to the key (made by :func:`read_ratings`).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per observer x clip: ``observer``, the key's columns, one column per
        rating (floats; NaN where missing).
    scales : dict
        ``rating -> (low, high)``.

    Attributes
    ----------
    table : pandas.DataFrame
        A copy of the joined table.
    ratings, observers, kinds, sessions : tuple of str
        The rating names (in the sheet's order), the observers, the kinds of moment
        (``high``, ``low`` first), the sessions.
    scales : dict
        ``rating -> (low, high)``.

    Examples
    --------
    >>> import concordlab
    >>> key = pd.DataFrame({"clip": ["a", "b", "c", "d"], "session": ["s1", "s1", "s2", "s2"],
    ...                     "kind": ["high", "low", "high", "low"]})
    >>> sheets = concordlab.simulate_ratings(key, n_observers=2, seed=1)
    >>> concordlab.read_ratings(sheets, key)
    Ratings: 2 observers (observer-1, observer-2) x 4 clips of 2 sessions (high 2, low 2);
    ratings positive (0-4), negative (0-4), neutral (0-4), valence (1-7); 32 values, 0 missing
    """

    def __init__(self, table: pd.DataFrame, scales: dict[str, tuple[int, int]]) -> None:
        self._table = table.copy()
        self._scales = dict(scales)

    @property
    def table(self) -> pd.DataFrame:
        """One row per observer x clip: ``observer``, the key's columns, the ratings."""
        return self._table.copy()

    @property
    def ratings(self) -> tuple[str, ...]:
        """The rating names, in the sheet's order."""
        return tuple(self._scales)

    @property
    def scales(self) -> dict[str, tuple[int, int]]:
        """Each rating's scale, ``(low, high)``."""
        return dict(self._scales)

    @property
    def observers(self) -> tuple[str, ...]:
        """The observers, in the order of the sheets."""
        return tuple(self._table[OBSERVER].unique())

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of moment rated (``high``, ``low`` first, then the others sorted)."""
        return tuple(_kind_order(self._table["kind"].astype(str).unique().tolist()))

    @property
    def sessions(self) -> tuple[Any, ...]:
        """The sessions the clips come from (sorted by their text)."""
        return tuple(sorted(self._table["session"].unique(), key=str))

    def __repr__(self) -> str:
        clips = self._table.drop_duplicates(CLIP)
        counts = clips["kind"].astype(str).value_counts()
        kinds = ", ".join(f"{k} {counts[k]}" for k in self.kinds)
        values = self._table[list(self.ratings)]
        scales = ", ".join(f"{n} ({lo}-{hi})" for n, (lo, hi) in self._scales.items())
        return (
            f"Ratings: {len(self.observers)} observers ({', '.join(self.observers)}) x "
            f"{len(clips)} clips of {len(self.sessions)} sessions ({kinds});\nratings "
            f"{scales}; {values.size} values, {int(values.isna().sum().sum())} missing"
        )

    def _rating(self, rating: Any) -> str:
        return Choice(self.ratings).check(rating, "rating")

    def by_kind(self) -> pd.DataFrame:
        """Each observer's mean of each rating, per kind of moment.

        Returns
        -------
        pandas.DataFrame
            Indexed by (``kind``, ``observer``): one column per rating (the mean over
            that kind's clips, missing ratings left out) and ``clips``, the number of
            clips of that kind the observer rated.

        Examples
        --------
        >>> import concordlab
        >>> key = pd.DataFrame({"clip": ["a", "b", "c", "d"], "session": ["s1"] * 4,
        ...                     "kind": ["high", "low", "high", "low"]})
        >>> sheet = pd.DataFrame({"clip": list("abcd"), "observer": "ana",
        ...                       "valence (1-7)": [6, 2, 5, 3]})
        >>> concordlab.read_ratings(sheet, key).by_kind()
                       valence  clips
        kind observer
        high ana           5.5      2
        low  ana           2.5      2
        """
        table = self._table.assign(kind=self._table["kind"].astype(str))
        grouped = table.groupby(["kind", OBSERVER], sort=False)
        means = grouped[list(self.ratings)].mean().assign(clips=grouped.size())
        index = pd.MultiIndex.from_product([self.kinds, self.observers], names=["kind", OBSERVER])
        return means.reindex([i for i in index if i in means.index])

    def agreement(self) -> pd.DataFrame:
        """Inter-rater agreement of the observers, per rating.

        - **Krippendorff's alpha** (Krippendorff 2011; the ``krippendorff`` package) at the
          interval level (the scales as numbers) and the ordinal level (only their
          order): 1 perfect agreement, 0 no more than chance; it uses every clip rated by
          at least two observers, missing ratings allowed.
        - **ICC(2,1)** and **ICC(2,k)** (Shrout & Fleiss 1979; two-way random effects,
          absolute agreement): the reliability of one observer's rating, and of the mean of
          the ``k`` observers' (the mean that :meth:`compare` uses); over the clips every
          observer rated.

        A value is NaN where it is undefined (no clip rated by two observers, ratings that
        never vary).

        Returns
        -------
        pandas.DataFrame
            Indexed by rating: ``alpha_interval``, ``alpha_ordinal``, ``icc2_1``,
            ``icc2_k``, ``clips`` (rated by at least two observers), ``icc_clips`` (rated by
            all), ``observers``.

        Raises
        ------
        ValidationError
            With a single observer: agreement needs two.
        ConcordlabError
            If the ``krippendorff`` package (the ``review`` extra) is not installed.

        Examples
        --------
        >>> import concordlab
        >>> key = pd.DataFrame({"clip": list("abcd"), "session": ["s1"] * 4,
        ...                     "kind": ["high", "low", "high", "low"]})
        >>> sheets = pd.DataFrame({"clip": list("abcd") * 2, "observer": ["ana"] * 4 + ["bo"] * 4,
        ...                        "valence (1-7)": [6, 2, 5, 3, 6, 2, 5, 3]})
        >>> agreement = concordlab.read_ratings(sheets, key).agreement()
        >>> agreement.columns.tolist()
        ['alpha_interval', 'alpha_ordinal', 'icc2_1', 'icc2_k', 'clips', 'icc_clips', 'observers']
        >>> agreement.loc["valence", ["alpha_interval", "icc2_1", "icc2_k"]].tolist()
        [1.0, 1.0, 1.0]
        """
        from concordlab.review._agreement import icc2, krippendorff_alpha

        if len(self.observers) < 2:
            raise ValidationError(
                f"Agreement between observers needs at least two; these ratings have one "
                f"({self.observers[0]!r}). Read the other observers' sheets too."
            )
        rows = {}
        for rating, scale in self._scales.items():
            wide = self._table.pivot(index=OBSERVER, columns=CLIP, values=rating)
            matrix = wide.loc[list(self.observers)].to_numpy(dtype=float)
            single, average, complete = icc2(matrix)
            rows[rating] = {
                "alpha_interval": krippendorff_alpha(matrix, "interval", scale),
                "alpha_ordinal": krippendorff_alpha(matrix, "ordinal", scale),
                "icc2_1": single,
                "icc2_k": average,
                "clips": int(((~np.isnan(matrix)).sum(axis=0) >= 2).sum()),
                "icc_clips": complete,
                "observers": matrix.shape[0],
            }
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("rating")

    def session_means(self, rating: str = "positive", kind: str = "high") -> pd.Series:
        """Each session's mean ``rating`` over the observers and its clips of ``kind``.

        Examples
        --------
        >>> key = pd.DataFrame({"clip": list("abcd"), "session": ["s1", "s1", "s2", "s2"],
        ...                     "kind": ["high", "low", "high", "low"]})
        >>> sheet = pd.DataFrame({"clip": list("abcd"), "observer": "ana",
        ...                       "valence (1-7)": [6, 2, 5, 3]})
        >>> read_ratings(sheet, key).session_means("valence", "low").to_dict()
        {'s1': 2.0, 's2': 3.0}
        """
        rating = self._rating(rating)
        kind = Choice(self.kinds).check(kind, "kind")
        chosen = self._table[self._table["kind"].astype(str) == kind]
        return chosen.groupby("session", sort=False)[rating].mean().rename(kind)

    def compare(
        self,
        rating: str = "positive",
        high: str = "high",
        low: str = "low",
        *,
        n_boot: int = 5000,
        n_permutations: int = 10000,
        confidence: float = 0.95,
        alternative: str = "two-sided",
        seed: int | None = None,
    ) -> PairedComparison:
        """High vs low moments over sessions: do high-concordance clips get higher ratings?

        Per session, the mean ``rating`` over the observers and the session's clips of
        kind ``high``, and of kind ``low`` (:meth:`session_means`); then
        :func:`concordlab.stats.compare_paired` with ``before=low, after=high``: the
        mean difference ``high - low``, Cohen's d_z and Hedges' g with BCa intervals over
        sessions, and the sign-flip p-value. The sessions are the sample: clips of one
        session are not independent, so they are averaged, not tested one by one.
        Sessions without both kinds are left out (with a ``UserWarning``).

        **Level.** At 0.05 the test rejected 5.1 % of 1000 null simulations (Wilson 95 %
        interval 3.9-6.6 %: the sign-flip test is exact, the excess is chance) with
        :func:`concordlab.simulate_ratings` ``effect=0``, 10 sessions of 3 high and 3 low
        clips, 3 observers, ``agreement=0.7``, rating ``positive``; with ``effect=1`` it
        detected the effect in 95.9 % of 1000 (``benchmarks/bench_ratings_level.py``).

        Parameters
        ----------
        rating : str, default "positive"
            The rating compared (one of :attr:`ratings`).
        high, low : str, default "high" and "low"
            The kinds compared (of :attr:`kinds`).
        n_boot, n_permutations, confidence, alternative, seed
            As in :func:`concordlab.stats.compare_paired`.

        Returns
        -------
        concordlab.stats.PairedComparison
            Its ``before`` are the low means, ``after`` the high means, ``ids`` the
            sessions.

        Raises
        ------
        ValidationError
            If fewer than 3 sessions have clips of both kinds rated, or an argument is
            not valid.

        Examples
        --------
        >>> import warnings
        >>> import concordlab
        >>> key = pd.DataFrame({"clip": [f"c{i}" for i in range(24)],
        ...                     "session": [f"s{i // 4}" for i in range(24)],
        ...                     "kind": ["high", "low"] * 12})
        >>> sheets = concordlab.simulate_ratings(key, effect=2.0, seed=3)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")  # 6 sessions: the CIs are flagged
        ...     result = concordlab.read_ratings(sheets, key).compare("positive", seed=0)
        >>> result.n, result.mean_after > result.mean_before, result.p_value
        (6, True, 0.03125)
        """
        from concordlab.stats.paired import compare_paired

        rating = self._rating(rating)
        high = Choice(self.kinds).check(high, "high")
        low = Choice(self.kinds).check(low, "low")
        if high == low:
            raise ValidationError(f"high and low must be two kinds; both are {high!r}.")
        before, after = self.session_means(rating, low), self.session_means(rating, high)
        both = sorted(set(before.dropna().index) & set(after.dropna().index), key=str)
        if len(both) < 3:
            raise ValidationError(
                f"compare needs at least 3 sessions with rated {high!r} and {low!r} clips; "
                f"got {len(both)} ({_listed(both) or 'none'}). The test is paired over "
                "sessions: each session's clips share its people and moments, so a "
                "session, not a clip, is one observation, and the sign-flip test over n "
                "sessions cannot give a two-sided p below 2 / 2**n (0.25 for 3, 0.0625 for "
                "5): rate clips of several sessions (6 or more to ever reach p < 0.05)."
            )
        return compare_paired(
            before,
            after,
            n_boot=n_boot,
            n_permutations=n_permutations,
            confidence=confidence,
            alternative=alternative,
            seed=seed,
        )

    def plot(
        self,
        rating: str = "positive",
        high: str = "high",
        low: str = "low",
        *,
        n_boot: int = 5000,
        n_permutations: int = 10000,
        seed: int | None = None,
    ) -> go.Figure:
        """The high-vs-low comparison of :meth:`compare`, drawn.

        Left: each session's mean ``rating`` of its ``low`` and ``high`` clips joined by a
        line (a slopegraph, :func:`concordlab.plots.plot_paired`), the means as a thick
        line, the mean change, d_z and p in the title. Right: each observer's mean of the
        two kinds (:meth:`by_kind`), one line per observer.

        Parameters
        ----------
        rating, high, low, n_boot, n_permutations, seed
            As in :meth:`compare`.

        Returns
        -------
        plotly.graph_objects.Figure
            Traces ``"sessions"``, ``"mean"`` (left) and one per observer (right).

        Examples
        --------
        >>> import warnings
        >>> import concordlab
        >>> key = pd.DataFrame({"clip": [f"c{i}" for i in range(24)],
        ...                     "session": [f"s{i // 4}" for i in range(24)],
        ...                     "kind": ["high", "low"] * 12})
        >>> ratings = concordlab.read_ratings(concordlab.simulate_ratings(key, seed=3), key)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")  # 6 sessions: the CIs are flagged
        ...     figure = ratings.plot("valence", n_boot=500, seed=0)
        >>> [trace.name for trace in figure.data]
        ['sessions', 'mean', 'observer-1', 'observer-2', 'observer-3']
        """
        from concordlab.review._plot import plot_ratings

        result = self.compare(
            rating, high, low, n_boot=n_boot, n_permutations=n_permutations, seed=seed
        )
        means = self.by_kind()[self._rating(rating)]
        return plot_ratings(result, means, rating, self._scales[rating], (low, high))
