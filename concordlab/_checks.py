"""Checks of plain parameters shared by every module (one home for each rule).

A parameter's rule is a *constraint object*: a small frozen description of what a value may
be (:class:`Real`, :class:`Integer`, :class:`Choice`, :class:`Text`). Its :meth:`check`
returns the value in canonical form or raises a :class:`~concordlab.errors.ValidationError`
that names the parameter, the rule and an example, and :meth:`describe` says the rule in
words for docstrings and slider ranges. Shared rules (a sampling rate, a number of seconds,
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
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np

from concordlab.errors import ValidationError

__all__ = [
    "FLAG",
    "MAX_SECONDS",
    "MIN_SECONDS",
    "SAMPLING_RATE",
    "SECONDS",
    "Choice",
    "Flag",
    "Integer",
    "Real",
    "Text",
    "check_choice",
    "check_number",
    "check_positive",
    "check_seed",
    "check_unit_interval",
]

# The longest span any time parameter may have: about 31.7 years, far beyond any recording,
# and small enough that seconds times a sampling rate stays exact in float64.
MAX_SECONDS = 1e9

MIN_SECONDS = 1e-6
"""The shortest span worth a name: one sample at the highest sampling rate (1 MHz)."""


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

    def describe(self) -> str:
        """The rule in words."""
        words = ["a real number"]
        if self.unit:
            words.append(f"in {self.unit}")
        bounds = _bound_text(self.low, self.high, self.low_open, self.high_open)
        if bounds:
            words.append(bounds)
        return ", ".join(words)

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

    def describe(self) -> str:
        """The rule in words."""
        bounds = _bound_text(self.low, self.high, False, False)
        return "a whole number" + (f", {bounds}" if bounds else "")

    def check(self, value: Any, name: str) -> int:
        """``value`` as an int, or a ValidationError naming ``name`` and the rule."""
        bad = isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral)
        if not bad:
            value = int(value)
            bad = (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high
            )
        if bad:
            example = f"; e.g. {name}={self.example}" if self.example else ""
            raise ValidationError(f"{name} must be {self.describe()}{example}. Got {value!r}.")
        return value


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of strings.

    Examples
    --------
    >>> Choice(("two-sided", "greater", "less")).check("less", "alternative")
    'less'
    """

    choices: tuple[str, ...]

    def describe(self) -> str:
        """The rule in words."""
        return f"one of {list(self.choices)}"

    def check(self, value: Any, name: str) -> str:
        """``value``, or a ValidationError listing the choices."""
        if not isinstance(value, str) or value not in self.choices:
            raise ValidationError(f"{name} must be {self.describe()}, got {value!r}.")
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

    def describe(self) -> str:
        """The rule in words."""
        return "a non-empty string" if self.non_empty else "a string"

    def check(self, value: Any, name: str) -> str:
        """``value``, or a ValidationError saying what is wrong with it."""
        if not isinstance(value, str):
            raise ValidationError(f"{name} must be {self.describe()}, got {value!r}.")
        if self.non_empty and not value.strip():
            raise ValidationError(f"{name} must be {self.describe()}, got {value!r}.")
        if len(value) > self.max_length:
            raise ValidationError(
                f"{name} is {len(value)} characters long; at most {self.max_length} are allowed."
            )
        if "\x00" in value:
            raise ValidationError(
                f"{name} contains a NUL character (\\x00), which files cannot store."
            )
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as problem:
            raise ValidationError(
                f"{name} is not valid Unicode ({problem.reason} at position {problem.start}); "
                "re-type or re-decode that text."
            ) from None
        return value


SAMPLING_RATE = Real(low=1 / MAX_SECONDS, high=1 / MIN_SECONDS, unit="Hz", example="32")
"""Samples per second: at least one per 1e9 s and at most 1 MHz."""

SECONDS = Real(low=0.0, high=MAX_SECONDS, unit="seconds", example="30")
"""A non-negative duration in seconds (a window, a step, a lag, a pad)."""


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


def check_seed(seed: Any, name: str = "seed") -> int:
    """A seed as a non-negative int; None draws a fresh one, to be recorded with the result
    so it can be reproduced exactly.

    Examples
    --------
    >>> check_seed(42)
    42
    """
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint32)[0])
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValidationError(
            f"{name} must be None or a non-negative integer such as 42, got {seed!r}."
        )
    return int(seed)


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
            raise ValidationError(f"{name} must be True or False, got {value!r}.")
        return bool(value)


FLAG = Flag()
"""A switch (``fisher_z``, ``absolute``, ``keep_roles`` ...)."""
