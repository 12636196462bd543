"""Interactive widgets for JupyterLab: the session explorer and its parts.

Examples
--------
>>> from concordlab.widgets import explore
"""

from concordlab.widgets.explorer import Explorer, explore
from concordlab.widgets.store import SegmentStore

__all__ = ["Explorer", "SegmentStore", "explore"]
