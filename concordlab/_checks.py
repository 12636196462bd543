"""Checks of plain parameters shared by every module (one home for each rule).

A parameter's rule is a *constraint object*: a small frozen description of what a value may
be (:class:`Real`, :class:`Integer`, :class:`Choice`, :class:`Text`, :class:`Flag`,
:class:`Seed`, :class:`Bounds`, :class:`FilePath`, :class:`Channels`, :class:`Persons`). Its
:meth:`check` returns the value in canonical form or raises a
:class:`~concordlab.errors.ValidationError` that names the parameter, the rule and an example,
in one format: ``"<name> must be <rule>; e.g. <example>. Got <value>."`` (the value may be
followed by what is wrong with it, in brackets); :meth:`describe` says the rule in words for
docstrings and slider ranges. Shared rules (a sampling rate, a number of seconds,
a seed) are declared once here as module constants; every public function checks its
parameters with them, so that no bad value is accepted and no exception other than
:class:`~concordlab.errors.ConcordlabError` escapes on bad input.

Examples
--------
>>> SAMPLING_RATE.check(32, "sampling_rate")
32.0
>>> try:
...     SAMPLING_RATE.check("4", "sampling_rate")
... except ValidationError as error:
...     print(error)
sampling_rate must be a real number (not str), in Hz, at least 1e-09 and at most 1e+06;
e.g. 32. Got '4'.
"""

from __future__ import annotations

import math
import numbers
import os
import pathlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from concordlab.errors import ValidationError

__all__ = [
    "COLUMN",
    "FLAG",
    "MAX_SECONDS",
    "METADATA",
    "MIN_SECONDS",
    "PAIR_PERSONS",
    "PERSONS",
    "SAMPLING_RATE",
    "SECONDS",
    "SEED",
    "UNIT_INTERVAL",
    "Bounds",
    "Channels",
    "Choice",
    "Column",
    "FilePath",
    "Flag",
    "Integer",
    "Metadata",
    "Persons",
    "Real",
    "Seed",
    "Text",
    "check_choice",
    "check_number",
    "check_positive",
    "check_seed",
    "check_storable_text",
    "check_table_columns",
    "check_unit_interval",
]

# The longest span any time parameter may have: about 31.7 years, far beyond any recording,
# and small enough that seconds times a sampling rate stays exact in float64.
MAX_SECONDS = 1e9

MIN_SECONDS = 1e-6
"""The shortest span worth a name: one sample at the highest sampling rate (1 MHz)."""


def _failure(name: str, rule: str, example: str, value: Any, why: str = "") -> ValidationError:
    """The one message format: ``<name> must be <rule>; e.g. <example>. Got <value> (<why>).``"""
    example = f"; e.g. {example}" if example else ""
    why = f" ({why})" if why else ""
    return ValidationError(f"{name} must be {rule}{example}. Got {value!r}{why}.")


def _bound_text(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'above' if low_open else 'at least'} {low:g}")
    if high is not None:
        parts.append(f"{'below' if high_open else 'at most'} {high:g}")
    return " and ".join(parts)


@dataclass(frozen=True)
class Real:
    """A finite real number (not a bool, not a string), optionally bounded.

    Parameters
    ----------
    low, high : float, optional
        Bounds; ``low_open``/``high_open`` make them exclusive.
    unit : str
        The unit, said in the error ("in Hz", "in seconds").
    example : str
        A valid value, shown in the error.
    note : str
        Why the rule is what it is, said after it in brackets.

    Examples
    --------
    >>> Real(low=0, low_open=True, unit="s", example="30").check(30, "window")
    30.0
    >>> Real(low=0, high=1).describe()
    'a real number, at least 0 and at most 1'
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    unit: str = ""
    example: str = ""
    note: str = ""

    def describe(self) -> str:
        """The rule in words."""
        words = ["a real number"]
        if self.unit:
            words.append(f"in {self.unit}")
        bounds = _bound_text(self.low, self.high, self.low_open, self.high_open)
        if bounds:
            words.append(bounds)
        return ", ".join(words) + (f" ({self.note})" if self.note else "")

    def _fail(self, name: str, value: Any, kind: str = "") -> ValidationError:
        example = f"; e.g. {self.example}" if self.example else ""
        rule = self.describe().replace("a real number", f"a real number{kind}", 1)
        return ValidationError(f"{name} must be {rule}{example}. Got {value!r}.")

    def check(self, value: Any, name: str) -> float:
        """``value`` as a float, or a ValidationError naming ``name`` and the rule."""
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise self._fail(name, value, f" (not {type(value).__name__})")
        try:
            number = float(value)
        except (OverflowError, ValueError):  # an int too large for a float
            raise self._fail(name, value) from None
        if not math.isfinite(number):
            raise self._fail(name, value, " (finite)")
        if self.low is not None and (number <= self.low if self.low_open else number < self.low):
            raise self._fail(name, value)
        if self.high is not None and (
            number >= self.high if self.high_open else number > self.high
        ):
            raise self._fail(name, value)
        return number


@dataclass(frozen=True)
class Integer:
    """A whole number (an ``int`` or numpy integer, not a bool or a float), optionally bounded.

    Examples
    --------
    >>> Integer(low=1, example="1000").check(np.int64(5), "n_surrogates")
    5
    >>> Integer(low=1).describe()
    'a whole number, at least 1'
    """

    low: int | None = None
    high: int | None = None
    example: str = ""
    note: str = ""

    def describe(self) -> str:
        """The rule in words."""
        bounds = _bound_text(self.low, self.high, False, False)
        note = f" ({self.note})" if self.note else ""
        return "a whole number" + (f", {bounds}" if bounds else "") + note

    def check(self, value: Any, name: str) -> int:
        """``value`` as an int, or a ValidationError naming ``name`` and the rule."""
        bad = isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral)
        if not bad:
            value = int(value)
            bad = (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high
            )
        if bad:
            example = f"{name}={self.example}" if self.example else ""
            raise _failure(name, self.describe(), example, value)
        return value


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of strings.

    Examples
    --------
    >>> Choice(("two-sided", "greater", "less")).check("less", "alternative")
    'less'
    >>> try:
    ...     Choice(("two-sided", "greater", "less")).check("both", "alternative")
    ... except ValidationError as error:
    ...     print(error)
    alternative must be one of ['two-sided', 'greater', 'less']; e.g. alternative='two-sided'.
    Got 'both'.
    """

    choices: tuple[str, ...]

    def describe(self) -> str:
        """The rule in words."""
        return f"one of {list(self.choices)}"

    def check(self, value: Any, name: str) -> str:
        """``value``, or a ValidationError listing the choices."""
        if not isinstance(value, str) or value not in self.choices:
            example = f"{name}={self.choices[0]!r}" if self.choices else ""
            raise _failure(name, self.describe(), example, value)
        return value


@dataclass(frozen=True)
class Text:
    """A string that files can store (no NUL, valid Unicode), optionally non-empty.

    Examples
    --------
    >>> Text(non_empty=True).check("rupture", "label")
    'rupture'
    """

    non_empty: bool = False
    max_length: int = 10_000
    example: str = "'session-01'"

    def describe(self) -> str:
        """The rule in words."""
        return "a non-empty string" if self.non_empty else "a string"

    def check(self, value: Any, name: str) -> str:
        """``value``, or a ValidationError saying what is wrong with it."""
        example = f"{name}={self.example}" if self.example else ""
        if not isinstance(value, str):
            raise _failure(name, self.describe(), example, value)
        if self.non_empty and not value.strip():
            raise _failure(name, self.describe(), example, value)
        if len(value) > self.max_length:
            raise ValidationError(
                f"{name} is {len(value)} characters long; at most {self.max_length} are allowed."
            )
        return check_storable_text(value, name)


def check_table_columns(
    dataset: Any,
    columns: Collection[str],
    dim: str,
    what: str,
    fix: str,
    error: type[ValidationError] = ValidationError,
) -> None:
    """Check that a session's table node (segments, videos) has ``columns`` along ``dim``.

    Parameters
    ----------
    dataset : xarray.Dataset
        The node's content.
    columns : collection of str
        The variables it must hold.
    dim : str
        The one dimension they lie along (``"segment"``); also the table's name for a row.
    what : str
        The table's name in messages (``"segments"``).
    fix : str
        What to do, ending the message (``"rebuild them with concordlab.set_segments"``).
    error : type, default ValidationError
        The error raised.

    Examples
    --------
    >>> import xarray as xr
    >>> try:
    ...     check_table_columns(xr.Dataset({"start": ("row", [0.0])}), ("start", "end"),
    ...         "segment", "segments", "rebuild them")
    ... except ValidationError as error:
    ...     print(error)
    The session's segments lack the variable(s) ['end']; rebuild them.
    """
    missing = [c for c in columns if c not in dataset.variables]
    if missing:
        raise error(f"The session's {what} lack the variable(s) {missing}; {fix}.")
    wrong = [c for c in columns if dataset[c].dims != (dim,)]
    if wrong:
        raise error(
            f"The session's {dim} variable(s) {wrong} must lie along the '{dim}' dimension; {fix}."
        )


def check_storable_text(
    text: str, where: str, error: type[ValidationError] = ValidationError
) -> str:
    """Refuse text that no file can store: NUL characters and lone surrogates.

    Parameters
    ----------
    text : str
        The text to check.
    where : str
        What the text is, to start the message (e.g. ``"session_id"``).
    error : type of ValidationError, default ValidationError
        The exception raised.

    Returns
    -------
    str
        ``text``, unchanged.

    Examples
    --------
    >>> check_storable_text("Zürich ☺", "site")
    'Zürich ☺'
    """
    if "\x00" in text:
        raise error(f"{where} contains a NUL character (\\x00), which files cannot store.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as problem:
        raise error(
            f"{where} is not valid Unicode ({problem.reason} at position {problem.start}); "
            "re-type or re-decode that text."
        ) from None
    return text


SAMPLING_RATE = Real(low=1 / MAX_SECONDS, high=1 / MIN_SECONDS, unit="Hz", example="32")
"""Samples per second: at least one per 1e9 s and at most 1 MHz."""

SECONDS = Real(low=0.0, high=MAX_SECONDS, unit="seconds", example="30")
"""A non-negative duration in seconds (a window, a step, a lag, a pad)."""

DURATION = Real(low=0.0, low_open=True, high=MAX_SECONDS, unit="seconds", example="1")
"""A positive duration in seconds: a marker's span (``marker_duration``, E4's
``tag_duration``) or the longest step of time stamps that is not a dropout (``max_gap``)."""


def check_choice(value: Any, name: str, choices: Collection[str]) -> str:
    """One of the allowed ``choices``, or a ValidationError listing them.

    Examples
    --------
    >>> check_choice("less", "alternative", ("two-sided", "greater", "less"))
    'less'
    """
    return Choice(tuple(choices)).check(value, name)


def _with_hint(rule: Real | Integer, value: Any, name: str, hint: str) -> Any:
    try:
        return rule.check(value, name)
    except ValidationError as error:
        rule = str(error).rsplit(". Got", 1)[0]
        raise ValidationError(f"{rule}; {hint}. Got {value!r}.") from None


def check_number(value: Any, name: str, hint: str) -> float:
    """A finite real number, or a ValidationError naming the parameter and the fix.

    Examples
    --------
    >>> check_number(2, "lag", "give seconds")
    2.0
    """
    return _with_hint(Real(), value, name, hint)


def check_positive(value: Any, name: str, hint: str) -> float:
    """A finite number above zero.

    Examples
    --------
    >>> check_positive(0.5, "window", "give seconds")
    0.5
    """
    return _with_hint(Real(low=0.0, low_open=True), value, name, hint)


def check_unit_interval(value: Any, name: str) -> float:
    """A number in [0, 1].

    Examples
    --------
    >>> check_unit_interval(0.5, "min_valid")
    0.5
    """
    return _with_hint(Real(low=0.0, high=1.0), value, name, "give a value between 0 and 1")


def check_series(values: Any, name: str, *, finite: bool = False) -> np.ndarray:
    """One series of numbers as a 1-D float64 array, or a ValidationError naming it.

    Parameters
    ----------
    values : array-like
        The series.
    name : str
        The argument's name, for the message.
    finite : bool, default False
        Whether NaN and infinite values are refused too.

    Examples
    --------
    >>> check_series([1, 2.5], "times").tolist()
    [1.0, 2.5]
    >>> try:
    ...     check_series([[1, 2]], "times")
    ... except ValidationError as error:
    ...     print(error)
    times must be one series of numbers (1-D), got shape (1, 2).
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must be numbers, got {type(values).__name__}.") from None
    if array.ndim != 1:
        raise ValidationError(
            f"{name} must be one series of numbers (1-D), got shape {array.shape}."
        )
    if finite and not np.isfinite(array).all():
        raise ValidationError(f"{name} must be finite numbers; NaN or inf found.")
    return array


UNIT_INTERVAL = Real(low=0.0, high=1.0, example="0.5")
"""A fraction or a probability, in [0, 1] (``coupling``, ``min_valid`` ...)."""


@dataclass(frozen=True)
class Seed:
    """A random seed: None or a non-negative integer. None draws a fresh seed, to be
    recorded with the result so that it can be reproduced exactly.

    Examples
    --------
    >>> SEED.check(42, "seed")
    42
    >>> isinstance(SEED.check(None, "seed"), int)
    True
    >>> try:
    ...     SEED.check(-1, "seed")
    ... except ValidationError as error:
    ...     print(error)
    seed must be None or a non-negative integer (None draws a fresh seed, recorded with
    the result); e.g. seed=42. Got -1.
    """

    def describe(self) -> str:
        """The rule in words."""
        return "None or a non-negative integer (None draws a fresh seed, recorded with the result)"

    def check(self, value: Any, name: str = "seed") -> int:
        """``value`` as an int (a fresh one for None), or a ValidationError naming ``name``."""
        if value is None:
            return int(np.random.SeedSequence().generate_state(1, dtype=np.uint32)[0])
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
            raise _failure(name, self.describe(), f"{name}=42", value)
        if value < 0:
            raise _failure(name, self.describe(), f"{name}=42", value)
        return int(value)


SEED = Seed()
"""The ``seed`` of every function that draws random numbers."""


def check_seed(seed: Any, name: str = "seed") -> int:
    """A seed as a non-negative int; None draws a fresh one (see :class:`Seed`).

    Examples
    --------
    >>> check_seed(42)
    42
    """
    return SEED.check(seed, name)


@dataclass(frozen=True)
class Flag:
    """True or False (a Python or numpy bool; not 0/1, not a string).

    Examples
    --------
    >>> FLAG.check(np.True_, "fisher_z")
    True
    """

    def describe(self) -> str:
        """The rule in words."""
        return "True or False"

    def check(self, value: Any, name: str) -> bool:
        """``value`` as a bool, or a ValidationError naming ``name``."""
        if not isinstance(value, bool | np.bool_):
            raise _failure(name, self.describe(), f"{name}=True", value)
        return bool(value)


FLAG = Flag()
"""A switch (``fisher_z``, ``absolute``, ``keep_roles`` ...)."""


@dataclass(frozen=True)
class Metadata:
    """Free information: None (nothing) or a mapping (a dict) with string keys.

    Examples
    --------
    >>> METADATA.check(None, "metadata")
    {}
    >>> try:
    ...     METADATA.check(["x"], "metadata")
    ... except ValidationError as error:
    ...     print(error)
    metadata must be a mapping (a dict) with string keys, or None; e.g. metadata={'site':
    'Boston'}. Got ['x'].
    """

    def describe(self) -> str:
        """The rule in words."""
        return "a mapping (a dict) with string keys, or None"

    def check(self, value: Any, name: str) -> dict[str, Any]:
        """``value`` as a dict ({} for None), or a ValidationError naming ``name``."""
        if value is None:
            return {}
        example = f"{name}={{'site': 'Boston'}}"
        if not isinstance(value, Mapping):
            raise _failure(name, self.describe(), example, value)
        keys = [key for key in value if not isinstance(key, str)]
        if keys:
            raise _failure(name, self.describe(), example, value, f"not a string: {_names(keys)}")
        return dict(value)


METADATA = Metadata()
"""The ``metadata`` of readers and constructors."""


@dataclass(frozen=True)
class Bounds:
    """A pair ``(low, high)`` of numbers, each obeying ``each``, in order.

    Parameters
    ----------
    each : Real
        The rule of each end.
    strict : bool
        ``low < high`` (else ``low <= high``).
    open_ends : bool
        An end may be None (or an infinity) for no limit; it is returned as None.
    example : str
        A valid pair, shown in the error.

    Examples
    --------
    >>> Bounds(UNIT_INTERVAL, example="(0.1, 0.9)").check([0.1, 0.9], "coupling_range")
    (0.1, 0.9)
    >>> Bounds(strict=True, open_ends=True).check((None, 60), "valid_range")
    (None, 60.0)
    >>> try:
    ...     Bounds(strict=True, example="(0.05, 60)").check((5, 1), "valid_range")
    ... except ValidationError as error:
    ...     print(error)
    valid_range must be a pair (low, high) of real numbers with low < high; e.g. (0.05, 60).
    Got (5, 1).
    """

    each: Real = Real()
    strict: bool = False
    open_ends: bool = False
    example: str = "(0, 1)"

    def describe(self) -> str:
        """The rule in words."""
        each = self.each.describe().replace("a real number", "real numbers", 1)
        rule = f"a pair (low, high) of {each} with low {'<' if self.strict else '<='} high"
        return rule + (", None for no limit at that end" if self.open_ends else "")

    def check(self, value: Any, name: str) -> tuple[float | None, float | None]:
        """``(low, high)`` as floats (None for an open end), or a ValidationError."""
        if isinstance(value, str | bytes | Mapping) or np.ndim(value) != 1 or len(value) != 2:
            raise _failure(name, self.describe(), self.example, value, "not a pair")
        ends: list[float | None] = []
        for end, item in zip(("low", "high"), value, strict=True):
            if self.open_ends and (item is None or (isinstance(item, float) and math.isinf(item))):
                ends.append(None)
                continue
            try:
                ends.append(self.each.check(item, f"{name} {end} end"))
            except ValidationError:
                raise _failure(name, self.describe(), self.example, value, f"{end} end") from None
        low, high = ends
        if low is not None and high is not None and (low >= high if self.strict else low > high):
            raise _failure(name, self.describe(), self.example, value)
        return low, high


@dataclass(frozen=True)
class FilePath:
    """The path of a file or folder: a non-empty ``str`` or :class:`os.PathLike`.

    Examples
    --------
    >>> FilePath("CSV file").check("data/a.csv", "path").name
    'a.csv'
    >>> try:
    ...     FilePath("CSV file").check(None, "path")
    ... except ValidationError as error:
    ...     print(error)
    path must be the path of a CSV file (a str or pathlib.Path); e.g. path='recording.csv'.
    Got None.
    """

    what: str = "file"
    example: str = "'recording.csv'"

    def describe(self) -> str:
        """The rule in words."""
        return f"the path of a {self.what} (a str or pathlib.Path)"

    def check(self, value: Any, name: str) -> pathlib.Path:
        """``value`` as a :class:`pathlib.Path`, or a ValidationError naming ``name``."""
        example = f"{name}={self.example}"
        if not isinstance(value, str | os.PathLike):
            raise _failure(name, self.describe(), example, value)
        text = os.fspath(value)
        if not isinstance(text, str) or not text.strip():
            raise _failure(name, self.describe(), example, value, "empty")
        if "\x00" in text:
            why = "it holds a NUL character; no file has that name"
            raise _failure(name, self.describe(), example, value, why)
        return pathlib.Path(text)


@dataclass(frozen=True)
class Column:
    """A column of a table: a name (a non-empty string) or a 0-based position.

    Whether the file has that column is the reader's check, naming the file.

    Examples
    --------
    >>> COLUMN.check("t", "time_column"), COLUMN.check(np.int64(0), "time_column")
    ('t', 0)
    >>> try:
    ...     COLUMN.check(1.5, "time_column")
    ... except ValidationError as error:
    ...     print(error)
    time_column must be a column name (a non-empty string) or a 0-based position (a whole
    number, at least 0); e.g. time_column='time'. Got 1.5.
    """

    example: str = "'time'"

    def describe(self) -> str:
        """The rule in words."""
        return (
            "a column name (a non-empty string) or a 0-based position (a whole number, at least 0)"
        )

    def check(self, value: Any, name: str) -> str | int:
        """``value`` (an int for a position), or a ValidationError naming ``name``."""
        if isinstance(value, str):
            if value.strip():
                return check_storable_text(value, name)
        elif isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
            if value >= 0:
                return int(value)
        raise _failure(name, self.describe(), f"{name}={self.example}", value)


COLUMN = Column()
"""A column of a delimited-text file (``time_column``, ``columns``)."""


def _names(items: Collection[Any]) -> str:
    return ", ".join(repr(item) for item in items)


@dataclass(frozen=True)
class Channels:
    """A selection of channels: None (the default: all available, or a given default), one
    name, or a non-empty list of distinct names, each among those available.

    Parameters
    ----------
    what : str
        What a channel is called in the message (``"channel"``, ``"E4 channel"``).
    order : {"given", "available"}
        Return the names in the order given, or in the order of ``available``.
    fold_case : bool
        Compare names stripped and lower-cased (formats whose channel names are lower-case).
    aliases : tuple of (str, tuple of str)
        Names that stand for several channels (``("acc", ("acc_x", "acc_y", "acc_z"))``);
        overlaps between them and the names they stand for are merged.
    none : bool
        None selects the default (else None is refused: the caller's default is a list).
    example : str
        A valid selection, shown in the error.

    Examples
    --------
    >>> CHANNELS = Channels()
    >>> CHANNELS.check(None, "channels", available=["eda", "hr"])
    ('eda', 'hr')
    >>> CHANNELS.check("hr", "channels", available=["eda", "hr"])
    ('hr',)
    >>> Channels(order="available").check(["hr", "eda"], "channels", available=["eda", "hr"])
    ('eda', 'hr')
    >>> try:
    ...     CHANNELS.check(["bvp"], "channels", available=["eda", "hr"],
    ...                    where="the session's channels")
    ... except ValidationError as error:
    ...     print(error)
    channels must be None (every channel), one channel name or a non-empty list of distinct
    names from the session's channels ['eda', 'hr']; e.g. channels=['eda']. Got ['bvp'] (unknown
    channel(s): 'bvp').
    """

    what: str = "channel"
    order: str = "given"
    fold_case: bool = False
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    none: bool = True
    example: str = "['eda']"

    def describe(self, available: Collection[str] | None = None, where: str = "") -> str:
        """The rule in words (with the names available, if given)."""
        what = self.what
        rule = f"one {what} name or a non-empty list of distinct names"
        if self.none:
            rule = f"None (every {what}), {rule}"
        if available is not None:
            rule += f" from {where or 'those available:'} {list(available)}"
            if self.aliases:
                rule += f" (or {_names(alias for alias, _ in self.aliases)})"
        return rule

    def check(
        self,
        value: Any,
        name: str = "channels",
        *,
        available: Collection[str] | None = None,
        default: Collection[str] | None = None,
        where: str = "",
    ) -> tuple[str, ...] | None:
        """The selected names, or a ValidationError naming ``name`` and what is wrong.

        ``None`` selects ``default`` if given, else every name of ``available`` (else it
        returns None: the caller knows the default). Without ``available`` only the shape is
        checked (a reader checks each file for the names).
        """
        rule = self.describe(available, where)
        example = f"{name}={self.example}"

        def fail(why: str = "") -> ValidationError:
            return _failure(name, rule, example, value, why)

        if value is None and self.none:
            chosen = default if default is not None else available
            return None if chosen is None else tuple(chosen)
        if isinstance(value, str):
            items: list[Any] = [value]
        elif isinstance(value, Collection) and not isinstance(value, bytes | Mapping):
            items = list(value)
        else:
            raise fail()
        if not items:
            raise fail("empty")
        not_text = [item for item in items if not isinstance(item, str)]
        if not_text:
            raise fail(f"not a name: {_names(not_text)}")
        wanted = [str(item).strip().lower() if self.fold_case else str(item) for item in items]
        repeated = list(dict.fromkeys(n for i, n in enumerate(wanted) if n in wanted[:i]))
        if repeated:
            raise fail(f"repeated: {_names(repeated)}")
        expand = dict(self.aliases)
        selected = list(dict.fromkeys(c for n in wanted for c in expand.get(n, (n,))))
        if available is not None:
            unknown = [n for n in wanted if n not in expand and n not in available]
            if unknown:
                raise fail(f"unknown {self.what}(s): {_names(unknown)}")
            if self.order == "available":
                selected = [n for n in available if n in selected]
        return tuple(selected)


@dataclass(frozen=True)
class Persons:
    """Person labels: distinct, non-empty strings that files can store, none of them reserved.

    Parameters
    ----------
    low, high : int
        How many labels (``high=None``: no upper limit).
    reserved : tuple of str
        Labels with another meaning (``"both"``: a segment that concerns every person).
    example : str
        A valid value, shown in the error.

    Examples
    --------
    >>> PERSONS.check(["patient", "therapist"], "persons")
    ('patient', 'therapist')
    >>> try:
    ...     PERSONS.check(("a", "a"), "persons")
    ... except ValidationError as error:
    ...     print(error)
    persons must be at least two distinct, non-empty person labels (strings), not 'both' or
    'all' (reserved for segments that concern every person), without '~' or '+' (they join
    labels: pairs 'a~b', segment subsets 'a+b'); e.g. persons=('patient', 'therapist').
    Got ('a', 'a') (repeated: 'a').
    >>> PAIR_PERSONS.describe().split(" (")[0]
    'two distinct, non-empty person labels'
    """

    low: int = 2
    high: int | None = None
    reserved: tuple[str, ...] = ("both", "all")
    joiners: tuple[str, ...] = ("~", "+")
    example: str = "('patient', 'therapist')"

    def describe(self) -> str:
        """The rule in words."""
        words = {2: "two", 3: "three", 4: "four"}
        if self.low == self.high:
            count = words.get(self.low, str(self.low))
        elif self.high is None:
            count = f"at least {words.get(self.low, str(self.low))}"
        else:
            count = f"{self.low} to {self.high}"
        rule = f"{count} distinct, non-empty person labels (strings)"
        if self.reserved:
            rule += (
                f", not {' or '.join(repr(r) for r in self.reserved)} (reserved for segments "
                "that concern every person)"
            )
        if self.joiners:
            rule += (
                f", without {' or '.join(repr(j) for j in self.joiners)} (they join labels: "
                "pairs 'a~b', segment subsets 'a+b')"
            )
        return rule

    def check(self, value: Any, name: str = "persons") -> tuple[str, ...]:
        """``value`` as a tuple of labels, or a ValidationError naming ``name``."""
        rule, example = self.describe(), f"{name}={self.example}"

        def fail(why: str = "") -> ValidationError:
            return _failure(name, rule, example, value, why)

        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Collection):
            raise fail()
        labels = tuple(value)
        if len(labels) < self.low or (self.high is not None and len(labels) > self.high):
            raise fail(f"{len(labels)} label(s)")
        bad = [label for label in labels if not isinstance(label, str) or not label.strip()]
        if bad:
            raise fail(f"not a non-empty string: {_names(bad)}")
        for label in labels:
            check_storable_text(label, f"{name}: the person label {label!r}")
        repeated = list(dict.fromkeys(p for i, p in enumerate(labels) if p in labels[:i]))
        if repeated:
            raise fail(f"repeated: {_names(repeated)}")
        reserved = [label for label in labels if label in self.reserved]
        if reserved:
            raise fail(f"reserved: {_names(reserved)}")
        joined = [label for label in labels if any(j in label for j in self.joiners)]
        if joined:
            raise fail(f"holding {' or '.join(repr(j) for j in self.joiners)}: {_names(joined)}")
        return labels


PERSONS = Persons()
"""The person labels of a session (``persons``): two or more."""

PAIR_PERSONS = Persons(high=2)
"""The two person labels of a dyad (``persons`` where exactly two people are recorded)."""


@dataclass(frozen=True)
class ChannelName:
    """The name of a channel: a non-empty string without '/', not starting with '.', and not
    one of the ``reserved`` names (each with the reason, said in the error).

    Examples
    --------
    >>> rule = ChannelName(reserved=(("time", "the name of a dimension"),))
    >>> rule.check("eda", "channel")
    'eda'
    >>> rule.problem("a/b"), rule.problem("time")
    ("it holds '/'", 'the name of a dimension')
    >>> try:
    ...     rule.check("time", "channel")
    ... except ValidationError as error:
    ...     print(error)
    channel must be a non-empty name without '/', not starting with '.', not 'time'; e.g.
    channel='eda'. Got 'time' (the name of a dimension).
    """

    reserved: tuple[tuple[str, str], ...] = ()
    example: str = "'eda'"

    def describe(self) -> str:
        """The rule in words."""
        rule = "a non-empty name without '/', not starting with '.'"
        if self.reserved:
            rule += f", not {_names(name for name, _ in self.reserved)}"
        return rule

    def problem(self, value: Any) -> str:
        """What is wrong with ``value`` as a channel name ("" if nothing), for readers that
        raise their own error naming the file."""
        if not isinstance(value, str) or not value:
            return "not a non-empty string"
        if "/" in value:
            return "it holds '/'"
        if value.startswith("."):
            return "it starts with '.'"
        return dict(self.reserved).get(value, "")

    def check(self, value: Any, name: str) -> str:
        """``value``, or a ValidationError naming ``name`` and what is wrong."""
        why = self.problem(value)
        if why:
            raise _failure(name, self.describe(), f"{name}={self.example}", value, why)
        return value
