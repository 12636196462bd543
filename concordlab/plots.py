"""Pure plotting functions: a session in, a plotly Figure out (no widget state)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import xarray as xr
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from concordlab.errors import ValidationError
from concordlab.segments import segments
from concordlab.session import _labels, channels
from concordlab.session import validate_session as _validate

__all__ = [
    "minmax_decimate",
    "plot_concordance",
    "plot_session",
    "plot_wlcc",
    "segment_colours",
]

PERSON_COLOURS = ("#1f77b4", "#d62728")  # patient blue, therapist red
MAX_POINTS = 4000


def minmax_decimate(
    time: np.ndarray, values: np.ndarray, max_points: int = MAX_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """Reduce a series to at most ``max_points`` points that keep every peak and trough.

    The series is cut into at most ``max_points // 2`` equal bins; each bin contributes
    its minimum and maximum in time order, so the drawn envelope looks like the
    full-resolution trace. NaN gaps stay gaps. Series already short enough are returned unchanged.

    Parameters
    ----------
    time, values : numpy.ndarray
        1-D arrays of equal length.
    max_points : int, default 4000
        Upper bound on the returned length; at least 4.

    Returns
    -------
    (time, values) : tuple of numpy.ndarray

    Examples
    --------
    >>> t = np.arange(10.0)
    >>> v = np.array([0, 5, 1, 1, -3, 1, 1, 1, 9, 1.0])
    >>> minmax_decimate(t, v, max_points=4)  # two bins of five samples
    (array([1., 4., 5., 8.]), array([ 5., -3.,  1.,  9.]))
    """
    if max_points < 4:
        raise ValidationError(f"max_points must be at least 4, got {max_points}.")
    n = len(values)
    if n <= max_points:
        return time, values
    size = math.ceil(n / (max_points // 2))
    n_bins = math.ceil(n / size)
    # The last bin is padded with NaN, which neither argmin nor argmax can pick.
    blocks = np.full(n_bins * size, np.nan)
    blocks[:n] = values
    blocks = blocks.reshape(n_bins, size)
    low = np.argmin(np.where(np.isnan(blocks), np.inf, blocks), axis=1)
    high = np.argmax(np.where(np.isnan(blocks), -np.inf, blocks), axis=1)
    offsets = np.arange(n_bins) * size
    # Sorted and unique: flat bins give one point, not two; a bin that is all NaN gives
    # its first sample, which is NaN, so gaps stay gaps.
    index = np.unique(np.concatenate([offsets + low, offsets + high]))
    return time[index], values[index]


def plot_session(
    session: xr.DataTree,
    names: Sequence[str] | None = None,
    *,
    show_segments: bool = True,
    max_points: int = MAX_POINTS,
) -> go.Figure:
    """Both persons' signals, one panel per channel, with segments shaded.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    names : sequence of str, optional
        Channels to draw; default all.
    show_segments : bool, default True
        Shade each segment, coloured by label, in every panel.
    max_points : int, default 4000
        Traces longer than this are min/max-decimated (peaks and troughs kept).

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.plots import plot_session
    >>> fig = plot_session(concordlab.example_session())
    >>> [trace.name for trace in fig.data][:2]
    ['patient', 'therapist']
    """
    _validate(session)
    names = channels(session) if names is None else list(names)
    labels = _labels(session)
    figure = make_subplots(
        rows=len(names),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        subplot_titles=[_title(session, name) for name in names],
    )
    for row, name in enumerate(names, start=1):
        variable = session[name].dataset[name]
        time = session[name].dataset["time"].values
        for person, colour in zip(labels, PERSON_COLOURS, strict=True):
            t, v = minmax_decimate(time, variable.sel(person=person).values, max_points)
            figure.add_trace(
                go.Scattergl(
                    x=t,
                    y=v,
                    name=person,
                    legendgroup=person,
                    showlegend=row == 1,
                    mode="lines",
                    line={"color": colour, "width": 1},
                ),
                row=row,
                col=1,
            )
        figure.update_yaxes(title_text=variable.attrs.get("units", ""), row=row, col=1)
    if show_segments:
        _shade_segments(figure, session)
    figure.update_xaxes(title_text="time (s)", row=len(names), col=1)
    figure.update_layout(
        title=f"Session {session.attrs.get('session_id', '')}",
        height=220 * len(names) + 120,
        template="plotly_white",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
    )
    return figure


def segment_colours(table: pd.DataFrame) -> dict[tuple[str, str], str]:
    """One pastel colour per (label, person) of a segment table, in order of appearance.

    Every view of a session (static plots, the explorer, its overview strip) colours
    segments with this, so a kind of segment looks the same everywhere.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``label`` and, optionally, ``person`` (default ``"both"``), as
        :func:`concordlab.segments` returns.

    Returns
    -------
    dict
        ``{(label, person): CSS colour}``.

    Examples
    --------
    >>> import pandas as pd
    >>> from concordlab.plots import segment_colours
    >>> table = pd.DataFrame({"label": ["talk", "talk", "silence"],
    ...                       "person": ["therapist", "patient", "both"]})
    >>> colours = segment_colours(table)
    >>> list(colours)
    [('talk', 'therapist'), ('talk', 'patient'), ('silence', 'both')]
    >>> len(set(colours.values()))
    3
    """
    people = table["person"] if "person" in table else pd.Series("both", index=table.index)
    kinds = dict.fromkeys(zip(table["label"].astype(str), people.astype(str), strict=True))
    return {kind: qualitative.Pastel[i % len(qualitative.Pastel)] for i, kind in enumerate(kinds)}


def _shade_segments(figure: go.Figure, session: xr.DataTree, rows: str | int = "all") -> None:
    """Shade every segment of ``session``, one colour per (label, person), with a legend."""
    table = segments(session)
    palette = segment_colours(table)
    for segment in table.itertuples():
        figure.add_vrect(
            x0=segment.start,
            x1=segment.end,
            fillcolor=palette[(segment.label, segment.person)],
            opacity=0.3,
            line_width=0,
            layer="below",
            row=rows,
            col=1,
        )
    for (label, person), colour in palette.items():
        # Shapes have no legend entry: a marker-less trace stands in for each kind.
        figure.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=f"{label} ({person})",
                marker={"symbol": "square", "size": 12, "color": colour},
            ),
            row=1,
            col=1,
        )


def plot_concordance(result: xr.DataArray, session: xr.DataTree | None = None) -> go.Figure:
    """A concordance series over time, with the session's segments shaded.

    Parameters
    ----------
    result : xarray.DataArray
        The result of :func:`concordlab.concordance` (dim ``time``).
    session : xarray.DataTree, optional
        Shade this session's segments behind the curve.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.plots import plot_concordance
    >>> s = concordlab.example_session()
    >>> fig = plot_concordance(concordlab.concordance(s), s)
    >>> fig.data[0].name
    'concordance'
    """
    if not isinstance(result, xr.DataArray) or result.dims != ("time",):
        raise ValidationError("Expected a concordance series: a DataArray with dim 'time'.")
    figure = make_subplots(rows=1, cols=1)
    figure.add_trace(
        go.Scatter(
            x=result["time"].values,
            y=result.values,
            mode="lines",
            name="concordance",
            line={"color": "#444", "width": 1.5},
        ),
        row=1,
        col=1,
    )
    figure.add_hline(y=0, line_width=1, line_color="#bbb")
    if session is not None:
        _shade_segments(figure, session, rows=1)
    method = result.attrs.get("method", "")
    figure.update_layout(
        title=f"Concordance ({method}, {result.attrs.get('window', '?')} s windows)",
        xaxis_title="time (s)",
        yaxis_title="r",
        yaxis_range=[-1.05, 1.05],
        height=320,
        template="plotly_white",
    )
    return figure


def plot_wlcc(result: xr.DataArray) -> go.Figure:
    """Windowed lagged cross-correlation as a heat map: time across, lag up.

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.plots import plot_wlcc
    >>> r = concordlab.wlcc(concordlab.example_session(), window=30, step=5, max_lag=5)
    >>> plot_wlcc(r).data[0].type
    'heatmap'
    """
    if not isinstance(result, xr.DataArray) or set(result.dims) != {"time", "lag"}:
        raise ValidationError("Expected the result of concordlab.wlcc (dims time, lag).")
    result = result.transpose("lag", "time")
    limit = 1.0 if result.name == "r" else float(np.nanmax(np.abs(result.values)) or 1.0)
    figure = go.Figure(
        go.Heatmap(
            x=result["time"].values,
            y=result["lag"].values,
            z=result.values,
            colorscale="RdBu_r",
            zmin=-limit,
            zmax=limit,
            colorbar={"title": str(result.name)},
        )
    )
    figure.update_layout(
        title=result.attrs.get("lag_convention", "windowed lagged cross-correlation"),
        xaxis_title="window centre (s)",
        yaxis_title="lag (s)",
        height=360,
        template="plotly_white",
    )
    return figure


def _title(session: xr.DataTree, name: str) -> str:
    attrs = session[name].dataset[name].attrs
    return f"{attrs.get('long_name', name)} ({attrs['sampling_rate']:g} Hz)"
