"""What a widget sends to the browser: messages and bytes, as the tests and benchmarks see them.

:func:`record_messages` wraps a widget's ``_send`` (every ipywidgets comm message goes
through it) and writes down each message: the state keys it carries and its size, the
JSON text plus the binary buffers. Plotly's ``FigureWidget`` sends a change by setting
one ``_py2js_*`` property and then resetting it to None, and keeps two edit counters
(``_last_trace_edit_id``, ``_last_layout_edit_id``) in step with the browser; the resets
carry no data and the counters only bookkeeping, so :attr:`MessageLog.updates` leaves
them out (:attr:`MessageLog.nbytes` counts everything).

Examples
--------
>>> import ipywidgets as ipw
>>> slider = ipw.FloatSlider()
>>> with record_messages(slider) as log:
...     slider.value = 3.0
>>> len(log.updates), log.updates[0].keys
(1, ('value',))
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BOOKKEEPING", "Message", "MessageLog", "record_messages"]

BOOKKEEPING = frozenset({"_last_trace_edit_id", "_last_layout_edit_id"})
"""Plotly's edit counters, sent beside each change (a few dozen bytes each)."""


@dataclass(frozen=True)
class Message:
    """One comm message: the state keys it sets and its size in bytes."""

    keys: tuple[str, ...]
    nbytes: int
    empty: bool


@dataclass
class MessageLog:
    """The messages a widget sent while recorded."""

    messages: list[Message] = field(default_factory=list)

    @property
    def updates(self) -> list[Message]:
        """The messages that carry data: not plotly's resets nor its edit counters."""
        return [
            message
            for message in self.messages
            if not message.empty and not set(message.keys) <= BOOKKEEPING
        ]

    @property
    def nbytes(self) -> int:
        """Bytes sent in all: JSON text and binary buffers."""
        return sum(message.nbytes for message in self.messages)


def _size(msg: Any, buffers: Any) -> int:
    text = json.dumps(msg, default=str, separators=(",", ":"))
    return len(text.encode()) + sum(memoryview(b).nbytes for b in buffers or ())


@contextmanager
def record_messages(widget: Any) -> Iterator[MessageLog]:
    """Record what ``widget`` sends to the browser inside the ``with`` block.

    Parameters
    ----------
    widget : ipywidgets.Widget
        Any widget, e.g. a plotly ``FigureWidget``.

    Yields
    ------
    MessageLog

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> figure = go.FigureWidget(go.Scatter(x=[0, 1], y=[0, 1]))
    >>> with record_messages(figure) as log, figure.batch_update():
    ...     figure.data[0].y = [1, 0]
    ...     figure.layout.title = "one message"
    >>> [message.keys for message in log.updates]
    [('_py2js_update',)]
    """
    log = MessageLog()
    original = widget._send

    def send(msg: Any, buffers: Any = None) -> None:
        state = msg.get("state", {}) if isinstance(msg, dict) else {}
        empty = bool(state) and all(value is None for value in state.values())
        log.messages.append(Message(tuple(state), _size(msg, buffers), empty))
        original(msg, buffers=buffers)

    widget._send = send
    try:
        yield log
    finally:
        del widget._send
