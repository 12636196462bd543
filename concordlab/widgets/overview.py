"""The overview strip: the whole session at a glance, with the current view as a window.

A thin anywidget (front end: ``widgets/overview.js`` and ``widgets/overview.css`` at the
top of the repository, shipped in the wheel as ``concordlab._static``). It draws a
min/max sparkline of one signal per person, the session's segments, and a translucent
window over the part of the session currently in view. In the browser the window can be
dragged (scrub), a click elsewhere centres it there, buttons and the arrow keys step it,
and Space plays it through the session. Every move is written back to ``view_start`` and
``view_end``, so Python code follows with the usual
``overview.observe(handler, names=["view_start", "view_end"])``.
"""

from __future__ import annotations

import math
import pathlib
from collections.abc import Sequence
from importlib import resources
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import traitlets
import xarray as xr

from concordlab._checks import check_number, check_series
from concordlab.errors import ValidationError
from concordlab.plots import PERSON_COLOURS, minmax_decimate, segment_colours
from concordlab.segments import segments as session_segments
from concordlab.session import DEFAULT_PERSONS

__all__ = ["MAX_POINTS", "Overview"]

MAX_POINTS = 400
"""Upper bound on the points per person sent to the strip by :meth:`Overview.set_signals`."""

_STATIC_PACKAGE = "concordlab._static"
_REPOSITORY_WIDGETS = pathlib.Path(__file__).resolve().parents[2] / "widgets"


def _asset(name: str) -> pathlib.Path | str:
    """A front-end file of the widgets: a path when it is on disk, else its text.

    Installed (wheel or editable), the files are the resources of ``concordlab._static``;
    a checkout used without installing falls back to the top-level ``widgets/`` folder.
    anywidget reads a :class:`pathlib.Path` itself (and live-reloads it with
    ``ANYWIDGET_HMR=1`` outside site-packages); text is used as is.
    """
    try:
        resource = resources.files(_STATIC_PACKAGE) / name
    except ModuleNotFoundError:
        resource = None
    if resource is not None and resource.is_file():
        if isinstance(resource, pathlib.Path):
            return resource
        return resource.read_text(encoding="utf-8")  # e.g. a zipped install
    fallback = _REPOSITORY_WIDGETS / name
    if fallback.is_file():
        return fallback
    raise FileNotFoundError(
        f"The widget front end {name!r} is missing: neither the package {_STATIC_PACKAGE} nor "
        f"{fallback} holds it. Reinstall concordlab (pip install -e . in a checkout)."
    )


class _InvalidValue(ValidationError, traitlets.TraitError):
    """A ValidationError that traitlets also treats as its own, so a refused update made
    together with others (``hold_trait_notifications``, a message from the browser) is
    rolled back as a whole."""


class _Seconds(traitlets.Float):
    """A finite float; anything else is refused with a ValidationError naming the trait."""

    def validate(self, obj: Any, value: Any) -> float:
        try:
            return check_number(value, self.name, self.help or "give a number")
        except ValidationError as error:
            raise _InvalidValue(str(error)) from None


class _Flag(traitlets.Bool):
    """True or False; anything else is refused with a ValidationError."""

    def validate(self, obj: Any, value: Any) -> bool:
        if isinstance(value, bool | np.bool_):
            return bool(value)
        raise _InvalidValue(f"{self.name} must be True or False, got {value!r}.")


class Overview(anywidget.AnyWidget):
    """The whole session as a thin strip, with the current view as a draggable window.

    Times are seconds since session start. The view is always inside ``[0, duration]``
    and never empty; moves that would pass an end stop there and keep the view's width.

    Parameters
    ----------
    duration : float, default 60
        Length of the session in seconds; positive.
    view_start, view_end : float, optional
        The view, in seconds; default the whole session. Clamped as by :meth:`set_view`.
    **kwargs
        Initial values of the other traitlets below (``speed``, ``step_fraction``,
        ``persons``, ``colours``, ``playing`` …) and ``ipywidgets`` layout options.

    Attributes
    ----------
    duration : float
        Length of the session (s).
    view_start, view_end : float
        The part of the session in view (s), ``0 <= view_start < view_end <= duration``.
        Written by the browser while dragging, stepping or playing (about 10 times a
        second, and once more at the end of the gesture); observe these two.
    playing : bool
        Whether the browser is advancing the view. Playback stops by itself at the end of
        the session; pressing play there starts over from the beginning.
    speed : float, default 10
        Playback speed in **seconds of session per second of wall-clock time** (1 = real
        time, 10 = ten times faster), whatever the view's width.
    step_fraction : float, default 0.5
        A step (buttons, arrow keys, :meth:`step`) moves the view by this fraction of its
        width, in (0, 1].
    times, first, second : list of float
        The sparklines: sample times (s) and one value per time for each person, ``None``
        for a gap; set them with :meth:`set_signals`. Each person is scaled to their own
        range.
    segments : list of dict
        Spans shaded in the strip, each ``{"start", "end", "label", "person", "colour"}``;
        set them with :meth:`set_segments`. A person's own segments fill their half of the
        strip (first person on top), ``"both"`` the full height.
    persons : list of str
        The two persons' labels, in the order of ``first`` and ``second``.
    colours : list of str
        CSS colours of the two sparklines.
    width : int
        The strip's width in pixels as laid out in the browser (0 until it is shown),
        written by the browser when it changes; the explorer sizes its plots to it.

    See Also
    --------
    concordlab.plots.minmax_decimate : the decimation that keeps peaks and troughs.

    Examples
    --------
    >>> from concordlab.widgets.overview import Overview
    >>> overview = Overview(duration=600, view_start=0, view_end=60)
    >>> overview.step(+1)  # half a view width forward
    >>> overview.view_start, overview.view_end
    (30.0, 90.0)
    >>> overview.set_view(570, 660)  # past the end: stops there, keeps the width
    >>> overview.view_start, overview.view_end
    (510.0, 600.0)
    >>> seen = []
    >>> overview.observe(lambda change: seen.append(change["name"]), names=["view_start"])
    >>> overview.set_view(0, 90)
    >>> seen
    ['view_start']
    """

    _esm = _asset("overview.js")
    _css = _asset("overview.css")

    duration = _Seconds(60.0, help="give the session's length in seconds").tag(sync=True)
    view_start = _Seconds(0.0, help="give seconds since session start").tag(sync=True)
    view_end = _Seconds(60.0, help="give seconds since session start").tag(sync=True)
    playing = _Flag(False).tag(sync=True)
    speed = _Seconds(10.0, help="give seconds of session per second").tag(sync=True)
    step_fraction = _Seconds(0.5, help="give a fraction of the view width").tag(sync=True)
    times = traitlets.List(traitlets.Float()).tag(sync=True)
    first = traitlets.List(traitlets.Float(allow_none=True)).tag(sync=True)
    second = traitlets.List(traitlets.Float(allow_none=True)).tag(sync=True)
    segments = traitlets.List(traitlets.Dict()).tag(sync=True)
    persons = traitlets.List(traitlets.Unicode(), default_value=list(DEFAULT_PERSONS)).tag(
        sync=True
    )
    colours = traitlets.List(traitlets.Unicode(), default_value=list(PERSON_COLOURS)).tag(sync=True)
    width = traitlets.Int(0, help="the strip's width in pixels, reported by the browser").tag(
        sync=True
    )

    def __init__(
        self,
        duration: float = 60.0,
        view_start: float = 0.0,
        view_end: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(duration=duration, **kwargs)
        self.set_view(view_start, self.duration if view_end is None else view_end)

    # -- validation ----------------------------------------------------------------------
    # traitlets runs these after the type check, and only once per batch of changes made
    # together (set_view, a message from the browser), with the batch's final values.

    @traitlets.validate("duration")
    def _check_duration(self, proposal: traitlets.Bunch) -> float:
        value = proposal["value"]
        if value <= 0:
            raise _InvalidValue(
                f"duration must be positive; give the session's length in seconds. Got {value!r}."
            )
        return value

    @traitlets.validate("speed")
    def _check_speed(self, proposal: traitlets.Bunch) -> float:
        value = proposal["value"]
        if value <= 0:
            raise _InvalidValue(
                f"speed must be positive; give seconds of session per second. Got {value!r}."
            )
        return value

    @traitlets.validate("step_fraction")
    def _check_step_fraction(self, proposal: traitlets.Bunch) -> float:
        value = proposal["value"]
        if not 0 < value <= 1:
            raise _InvalidValue(
                f"step_fraction must lie in (0, 1]; give a fraction of the view width. "
                f"Got {value!r}."
            )
        return value

    @traitlets.validate("view_start")
    def _check_view_start(self, proposal: traitlets.Bunch) -> float:
        value = min(max(proposal["value"], 0.0), self.duration)
        if value >= self.view_end:
            raise _InvalidValue(
                f"view_start ({value!r}) must be before view_end ({self.view_end!r}); "
                "move both ends at once with set_view(start, end)."
            )
        return value

    @traitlets.validate("view_end")
    def _check_view_end(self, proposal: traitlets.Bunch) -> float:
        value = min(max(proposal["value"], 0.0), self.duration)
        if value <= self.view_start:
            raise _InvalidValue(
                f"view_end ({value!r}) must be after view_start ({self.view_start!r}); "
                "move both ends at once with set_view(start, end)."
            )
        return value

    @traitlets.observe("duration")
    def _fit_view(self, change: traitlets.Bunch) -> None:
        self.set_view(self.view_start, self.view_end)

    # -- the view ------------------------------------------------------------------------

    def set_view(self, start: float, end: float) -> None:
        """Show ``[start, end]`` (seconds), shifted or cut to fit inside the session.

        A view that passes one end of the session is shifted back inside with its width
        kept; a view wider than the session becomes the whole session. Both traitlets
        change together: observers see the final values.

        Parameters
        ----------
        start, end : float
            The view's ends in seconds since session start, ``start < end``.

        Raises
        ------
        ValidationError
            If an end is not a finite number or ``end <= start``.

        Examples
        --------
        >>> from concordlab.widgets.overview import Overview
        >>> overview = Overview(duration=100)
        >>> overview.set_view(-5, 15)
        >>> overview.view_start, overview.view_end
        (0.0, 20.0)
        >>> overview.set_view(50, 500)
        >>> overview.view_start, overview.view_end
        (0.0, 100.0)
        """
        start = check_number(start, "start", "give seconds since session start")
        end = check_number(end, "end", "give seconds since session start")
        if end <= start:
            raise ValidationError(
                f"The view must end after it starts; got start={start!r}, end={end!r} (s)."
            )
        start, end = _clamp_view(start, end, self.duration)
        with self.hold_trait_notifications():
            self.view_start = start
            self.view_end = end

    def step(self, direction: float = 1) -> None:
        """Move the view by ``step_fraction`` of its width, as the step buttons do.

        The view stops at either end of the session, keeping its width.

        Parameters
        ----------
        direction : float, default 1
            ``1`` steps forward, ``-1`` back; other numbers step that many times as far.

        Examples
        --------
        >>> from concordlab.widgets.overview import Overview
        >>> overview = Overview(duration=100, view_start=40, view_end=60, step_fraction=0.25)
        >>> overview.step(-1)
        >>> overview.view_start, overview.view_end
        (35.0, 55.0)
        """
        direction = check_number(direction, "direction", "give 1 (forward) or -1 (back)")
        shift = direction * self.step_fraction * (self.view_end - self.view_start)
        self.set_view(self.view_start + shift, self.view_end + shift)

    # -- content ---------------------------------------------------------------------------

    def set_signals(
        self,
        times: Sequence[float] | np.ndarray,
        first: Sequence[float] | np.ndarray,
        second: Sequence[float] | np.ndarray,
        *,
        max_points: int = MAX_POINTS,
    ) -> None:
        """Draw one signal per person, min/max-decimated to at most ``max_points`` samples.

        Each person's series is decimated with :func:`concordlab.plots.minmax_decimate`
        (half the budget each, on the same bins), and the union of the kept samples is
        sent, so both persons' peaks and troughs survive. NaN values become gaps.

        Parameters
        ----------
        times : array-like of float
            Sample times in seconds since session start, finite and non-decreasing.
        first, second : array-like of float
            The two persons' values at ``times`` (NaN for missing samples).
        max_points : int, default 400
            Upper bound on the samples sent to the browser; at least 8.

        Raises
        ------
        ValidationError
            If the arrays are not 1-D of one length, or the times are not finite and sorted.

        Examples
        --------
        >>> import numpy as np
        >>> from concordlab.widgets.overview import Overview
        >>> t = np.arange(0, 600, 0.25)
        >>> overview = Overview(duration=600)
        >>> first, second = np.sin(t), np.cos(t)
        >>> overview.set_signals(t, first, second)
        >>> len(overview.times) <= 400
        True
        >>> bool(max(overview.first) == first.max() and min(overview.second) == second.min())
        True
        """
        if isinstance(max_points, bool) or not isinstance(max_points, int | np.integer):
            raise ValidationError(f"max_points must be an integer, got {max_points!r}.")
        if max_points < 8:
            raise ValidationError(f"max_points must be at least 8, got {max_points}.")
        time = check_series(times, "times")
        values = [check_series(first, "first"), check_series(second, "second")]
        for name, series in zip(("first", "second"), values, strict=True):
            if len(series) != len(time):
                raise ValidationError(
                    f"{name} has {len(series)} values but times has {len(time)}; "
                    "give one value per time."
                )
        if not np.all(np.isfinite(time)):
            raise ValidationError("times must be finite; drop the samples without a time.")
        if np.any(np.diff(time) < 0):
            raise ValidationError("times must be sorted (non-decreasing).")
        if len(time) > max_points:
            # Decimate sample positions, not times: the union keeps both persons' extremes.
            position = np.arange(len(time))
            kept = [minmax_decimate(position, series, max_points // 2)[0] for series in values]
            index = np.union1d(*kept)
            time = time[index]
            values = [series[index] for series in values]
        with self.hold_trait_notifications():
            self.times = time.tolist()
            self.first = _json_values(values[0])
            self.second = _json_values(values[1])

    def set_segments(self, table: pd.DataFrame | xr.DataTree | None) -> None:
        """Shade segments in the strip, from a table like :func:`concordlab.segments`.

        Colours follow :func:`concordlab.plots.plot_session`: one pastel colour per
        (label, person) in order of first appearance, unless the table has a ``colour``
        column.

        Parameters
        ----------
        table : pandas.DataFrame, xarray.DataTree or None
            Columns ``start``, ``end`` (s) and ``label``, optionally ``person`` and
            ``colour``; a session (its segments are used); ``None`` clears the strip.

        Raises
        ------
        ValidationError
            If a column is missing or a start or end is not a finite number.

        Examples
        --------
        >>> import concordlab
        >>> from concordlab.widgets.overview import Overview
        >>> session = concordlab.example_session()
        >>> overview = Overview(duration=concordlab.time_span(session)[1])
        >>> overview.set_segments(concordlab.segments(session))
        >>> sorted(overview.segments[0])
        ['colour', 'end', 'label', 'person', 'start']
        """
        if table is None:
            self.segments = []
            return
        if isinstance(table, xr.DataTree):
            table = session_segments(table)
        if not isinstance(table, pd.DataFrame):
            raise ValidationError(
                f"set_segments needs a DataFrame such as concordlab.segments(session), "
                f"got {type(table).__name__}."
            )
        missing = [column for column in ("start", "end", "label") if column not in table]
        if missing:
            raise ValidationError(
                f"The segments table lacks the column(s) {missing}; give start, end and label "
                "(as concordlab.segments(session) does)."
            )
        people = table["person"] if "person" in table else pd.Series("both", index=table.index)
        palette = segment_colours(table)
        rows = []
        for i, (start, end, label, person) in enumerate(
            zip(table["start"], table["end"], table["label"], people, strict=True)
        ):
            start = check_number(start, f"start of segment {i}", "give seconds")
            end = check_number(end, f"end of segment {i}", "give seconds")
            label, person = str(label), str(person)
            colour = table["colour"].iloc[i] if "colour" in table else None
            if colour is None or (isinstance(colour, float) and math.isnan(colour)):
                colour = palette[(label, person)]
            rows.append(
                {"start": start, "end": end, "label": label, "person": person, "colour": colour}
            )
        self.segments = rows


def _clamp_view(start: float, end: float, duration: float) -> tuple[float, float]:
    """Shift ``[start, end]`` inside ``[0, duration]`` keeping its width, or fill it."""
    width = end - start
    if width >= duration:
        return 0.0, float(duration)
    start = min(max(start, 0.0), duration - width)
    return start, start + width


def _json_values(values: np.ndarray) -> list[float | None]:
    """Plain floats for JSON, with None where the value is missing (NaN is not JSON)."""
    return [float(v) if math.isfinite(v) else None for v in values]
