"""Optional libraries (the package's extras), imported when first used.

The core runs where compiled extras do not exist (the classroom's browser, Pyodide), so a
reader or step that needs one imports it through :func:`optional_module`, which names the
extra to install when it is missing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from concordlab.errors import ConcordlabError

__all__ = ["optional_module"]


def optional_module(module: str, extra: str, needed_for: str, hint: str = "") -> ModuleType:
    """Import ``module`` of the extra ``extra``, or say how to install it.

    Parameters
    ----------
    module : str
        The module to import (``"pyxdf"``).
    extra : str
        The concordlab extra that installs it (``"xdf"``).
    needed_for : str
        What needs it, for the message (``"Reading XDF files"``).
    hint : str, default ""
        A sentence added to the message (an alternative that needs no extra).

    Returns
    -------
    types.ModuleType
        The module.

    Raises
    ------
    ConcordlabError
        When the module is not installed, naming the extra.

    Examples
    --------
    >>> optional_module("json", "none", "Reading JSON").__name__
    'json'
    >>> try:
    ...     optional_module("no_such_module", "demo", "Reading demo files")
    ... except ConcordlabError as error:
    ...     print(error)
    Reading demo files needs no_such_module, which is not installed: pip install "concordlab[demo]" (or pip install no_such_module).
    """  # noqa: E501
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConcordlabError(
            f"{needed_for} needs {module}, which is not installed: "
            f'pip install "concordlab[{extra}]" (or pip install {module}).'
            + (f" {hint}" if hint else "")
        ) from None
