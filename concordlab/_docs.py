"""Shared parameter documentation: one text per parameter, filled into every docstring.

MNE-Python's ``docdict``/``fill_doc`` is the model. A docstring writes ``%(window)s`` where
the parameter's numpydoc entry goes, and :func:`fill_doc` replaces it with the one text in
:data:`DOCS`. A measure parameter's entry is written from its declaration (its type, rule,
default and sentence), so what the docstring says, what the check enforces and what the
explorer and the CLI offer cannot drift apart.

Examples
--------
>>> @fill_doc
... def f(session, channel=None):
...     '''Do something.
...
...     Parameters
...     ----------
...     %(session)s
...     '''
>>> print(f.__doc__.splitlines()[4].strip())
session : xarray.DataTree or xarray.DataArray
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["DOCS", "fill_doc"]

F = TypeVar("F", bound=Callable[..., Any])

_INDENT = "    "


class _DocDict(dict):
    """``name -> numpydoc entry`` (first line ``name : type``, then the indented text)."""

    def add(self, name: str, kind: str, text: str) -> None:
        body = textwrap.fill(" ".join(text.split()), width=84, initial_indent=_INDENT)
        body = body.replace("\n", "\n" + _INDENT)
        self[name] = f"{name} : {kind}\n{body}"

    def add_parameter(self, parameter: Any) -> None:
        """The entry of a :class:`~concordlab.compute.registry.Parameter`."""
        kind = type(parameter.default).__name__ if parameter.default is not None else "float"
        if parameter.optional:
            kind += ", optional"
        elif parameter.default is not None:
            kind += f", default {parameter.default!r}"
        self.add(parameter.name, kind, parameter.describe())


DOCS = _DocDict()
"""Every shared parameter's numpydoc entry."""

DOCS.add(
    "session",
    "xarray.DataTree or xarray.DataArray",
    "A session (from a reader, :func:`concordlab.from_arrays` or "
    ":func:`concordlab.simulate_dyad`), or a (person, time) DataArray with a "
    "``sampling_rate`` attr.",
)
DOCS.add(
    "channel",
    "str, optional",
    'Which channel; default the only one, or ``"eda"``.',
)
DOCS.add(
    "seed",
    "int or numpy.random.Generator, optional",
    "The random seed, for results that can be reproduced.",
)


DOCS.add(
    "video",
    "str, optional",
    'The video\'s name (see :func:`concordlab.videos`: the person it shows, or ``"room"``); '
    "may be left out when the session has one video.",
)
DOCS.add(
    "offset",
    "float",
    "The video's time (s) at session time 0: ``session_time = video_time - offset`` "
    "(a video started 12.5 s before the signals has ``offset=12.5``; one started after "
    "them a negative offset).",
)


def fill_doc(function: F) -> F:
    """Replace ``%(name)s`` in ``function``'s docstring with the entries of :data:`DOCS`.

    Each placeholder stands alone on its line, indented as the parameter list is; the
    entry is indented to match.

    Examples
    --------
    >>> @fill_doc
    ... def g():
    ...     '''%(seed)s'''
    >>> g.__doc__.startswith("seed : int")
    True
    """
    doc = function.__doc__
    if not doc:
        return function
    lines = []
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.startswith("%(") and stripped.endswith(")s"):
            name = stripped[2:-2]
            indent = line[: len(line) - len(line.lstrip())]
            lines.extend(indent + part for part in DOCS[name].splitlines())
        else:
            lines.append(line)
    function.__doc__ = "\n".join(lines)
    return function
