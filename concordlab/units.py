"""A channel's physical unit: how it is written, how it is shown, and whether values fit it.

A unit is what the file or the user says; where neither says, it is unknown (``""``) and
plots say "unit unknown". concordlab never fills one in from a channel's name. Values
labelled microsiemens that cannot be skin conductance (negative, or whole numbers in the
hundreds as raw ADC counts are) give a :class:`~concordlab.errors.UnitWarning` that says
how to convert them.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

from concordlab.errors import UnitWarning

__all__ = ["UNKNOWN", "axis_title", "is_microsiemens", "warn_if_not_microsiemens"]

UNKNOWN = "unit unknown"
"""How plots label a channel whose unit neither the file nor the user gave."""

MICROSIEMENS = frozenset(
    {"us", "µs", "μs", "microsiemens", "microsiemen", "micro siemens", "micro-siemens"}
)
"""Spellings of microsiemens (compared in lower case, without surrounding spaces)."""

# Whole numbers from this value on, under a microsiemens label, are raw device counts:
# skin conductance rarely exceeds 60 µS, and exported µS values carry decimals.
_COUNTS_FROM = 100.0
_SAMPLED = 20_000  # values inspected for whole numbers (a strided sample of long series)


_PACKAGE = str(Path(__file__).resolve().parent)


def _caller_level() -> int:
    """The stacklevel of the first caller outside concordlab (readers call through layers)."""
    frame, level = sys._getframe(2), 2
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def axis_title(units: str) -> str:
    """The title of a value axis: the unit, or :data:`UNKNOWN` when none is known.

    Examples
    --------
    >>> axis_title("uS"), axis_title("")
    ('uS', 'unit unknown')
    """
    return units.strip() or UNKNOWN


def is_microsiemens(units: object) -> bool:
    """Whether ``units`` spells microsiemens (``uS``, ``µS``, ``microsiemens`` ...).

    Examples
    --------
    >>> is_microsiemens("µS"), is_microsiemens(" Microsiemens "), is_microsiemens("mS")
    (True, True, False)
    """
    return isinstance(units, str) and units.strip().lower() in MICROSIEMENS


def warn_if_not_microsiemens(values: np.ndarray, units: str, channel: str) -> None:
    """Warn when values labelled microsiemens cannot be skin conductance.

    Skin conductance is positive, and exported microsiemens carry decimals; negative
    values, or whole numbers from 100 on, are raw device values (ADC counts) or a signal
    already centred, labelled ``uS`` by mistake.

    Parameters
    ----------
    values : numpy.ndarray
        The channel's samples (NaN for missing ones).
    units : str
        The channel's unit; nothing is checked unless it spells microsiemens.
    channel : str
        The channel's name, for the message.

    Warns
    -----
    UnitWarning
        Saying what the values look like and how to convert them.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_if_not_microsiemens(np.array([512.0, 530.0, 611.0]), "uS", "eda")
    >>> "ADC counts" in str(caught[0].message)
    True
    >>> warn_if_not_microsiemens(np.array([2.31, 2.35]), "uS", "eda")  # plausible: silent
    """
    if not is_microsiemens(units) or values.size == 0:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN channels
        low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if not np.isfinite(low):
        return
    if low < 0:
        problem = f"some are negative (down to {low:.6g})"
    else:
        sample = values.ravel()[:: max(1, values.size // _SAMPLED)]
        sample = sample[np.isfinite(sample)]
        if high < _COUNTS_FROM or not np.array_equal(sample, np.rint(sample)):
            return
        problem = f"they are whole numbers up to {high:.6g}, as raw ADC counts are"
    warnings.warn(
        f"Channel '{channel}' is labelled {units!r} (microsiemens) but {problem}; skin "
        "conductance is positive and rarely above 60 µS. Convert raw values with the sensor's "
        "transfer function (its datasheet gives it), or label the channel with the unit it "
        "has (units='' when unknown).",
        UnitWarning,
        stacklevel=_caller_level(),
    )
