"""Renamed parameters keep working for one release, with a ``FutureWarning`` naming the new one.

One home for every rename of the vocabulary (``fs`` -> ``sampling_rate``, ``n`` ->
``n_surrogates`` ...): a function declares its old names with :func:`renamed`, and a call
that uses one is translated, warned about and checked like any other.

Examples
--------
>>> import warnings
>>> @renamed(fs="sampling_rate")
... def read(path, *, sampling_rate=None):
...     return sampling_rate
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     read("x.csv", fs=32)
32
>>> print(caught[0].message)
read(fs=...) is renamed read(sampling_rate=...); the old name stops working in concordlab 0.3.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from concordlab.errors import ValidationError

__all__ = ["REMOVED_IN", "renamed", "warn_renamed"]

REMOVED_IN = "0.3"
"""The release in which the old names stop working."""

F = TypeVar("F", bound=Callable[..., Any])


def warn_renamed(function: str, old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``function``'s ``old`` is now ``new`` (a ``FutureWarning``).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_renamed("downsample", "rate", "sampling_rate")
    >>> caught[0].category.__name__
    'FutureWarning'
    """
    warnings.warn(
        f"{function}({old}=...) is renamed {function}({new}=...); the old name stops working "
        f"in concordlab {REMOVED_IN}.",
        FutureWarning,
        stacklevel=stacklevel,
    )


def renamed(**old_to_new: str) -> Callable[[F], F]:
    """Decorate a function whose keyword parameters ``old`` were renamed ``new``.

    A call with an old name warns (``FutureWarning``) and passes the value under the new
    name; a call that gives both names is refused with a
    :class:`~concordlab.errors.ValidationError`. ``inspect.signature`` shows the new
    signature only.

    Examples
    --------
    >>> @renamed(n="n_surrogates")
    ... def test(session, *, n_surrogates=199):
    ...     return n_surrogates
    >>> test(None, n_surrogates=99)
    99
    >>> try:
    ...     test(None, n=9, n_surrogates=99)
    ... except ValidationError as error:
    ...     print(error)
    Give n_surrogates only: n is its old name (test(n=...) is renamed test(n_surrogates=...)).
    """

    def decorate(function: F) -> F:
        name = function.__name__

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise ValidationError(
                        f"Give {new} only: {old} is its old name ({name}({old}=...) is "
                        f"renamed {name}({new}=...))."
                    )
                warn_renamed(name, old, new)
                kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        wrapper.__renamed__ = dict(old_to_new)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
