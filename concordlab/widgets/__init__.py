"""Interactive widgets for JupyterLab: the session explorer and its parts.

The explorer needs plotly and ipywidgets, its overview anywidget: they are imported on
first use of a name (PEP 562), so ``import concordlab.widgets`` alone stays quick.

Examples
--------
>>> from concordlab.widgets import explore
>>> import concordlab.widgets
>>> sorted(concordlab.widgets.__all__)
['Explorer', 'SegmentStore', 'explore']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["Explorer", "SegmentStore", "explore"]

# Public name -> the module that defines it, imported on first use.
_LAZY: dict[str, str] = {
    "Explorer": "concordlab.widgets.explorer",
    "SegmentStore": "concordlab.widgets.store",
    "explore": "concordlab.widgets.explorer",
}

if TYPE_CHECKING:
    from concordlab.widgets.explorer import Explorer, explore
    from concordlab.widgets.store import SegmentStore


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562) and keep it in the namespace."""
    try:
        module_name = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'concordlab.widgets' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
