"""Checks of plain parameters shared by every module (one home for each rule)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection
from typing import Any

import numpy as np

from concordlab.errors import ValidationError


def check_choice(value: Any, name: str, choices: Collection[str]) -> str:
    """One of the allowed ``choices``, or a ValidationError listing them.

    Examples
    --------
    >>> check_choice("less", "alternative", ("two-sided", "greater", "less"))
    'less'
    """
    if not isinstance(value, str) or value not in choices:
        raise ValidationError(f"{name} must be one of {list(choices)}, got {value!r}.")
    return value


def check_number(value: Any, name: str, hint: str) -> float:
    """A finite real number, or a ValidationError naming the parameter and the fix.

    Examples
    --------
    >>> check_number(2, "lag", "give seconds")
    2.0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValidationError(f"{name} must be a number; {hint}. Got {value!r}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValidationError(f"{name} must be finite; {hint}. Got {value!r}.")
    return value


def check_positive(value: Any, name: str, hint: str) -> float:
    """A finite number above zero.

    Examples
    --------
    >>> check_positive(0.5, "window", "give seconds")
    0.5
    """
    value = check_number(value, name, hint)
    if value <= 0:
        raise ValidationError(f"{name} must be positive; {hint}. Got {value!r}.")
    return value


def check_unit_interval(value: Any, name: str) -> float:
    """A number in [0, 1].

    Examples
    --------
    >>> check_unit_interval(0.5, "min_valid")
    0.5
    """
    hint = "give a value between 0 and 1"
    value = check_number(value, name, hint)
    if not 0.0 <= value <= 1.0:
        raise ValidationError(f"{name} must lie in [0, 1]; {hint}. Got {value!r}.")
    return value


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
