"""Pure plotting functions: a session in, a plotly Figure out (no widget state)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import xarray as xr
from plotly.colors import qualitative
from plotly.subplots import make_subplots
from scipy import stats as scipy_stats

from concordlab._checks import FLAG, Channels, Integer
from concordlab._deprecate import renamed
from concordlab.errors import ValidationError
from concordlab.segments import segments
from concordlab.session import _labels
from concordlab.session import channels as _channels
from concordlab.session import validate_session as _validate
from concordlab.stats.results import (
    CorrelationResult,
    GroupComparison,
    PairedComparison,
    RealPseudoComparison,
)
from concordlab.units import axis_title

__all__ = [
    "minmax_decimate",
    "person_colours",
    "plot_concordance",
    "plot_correlation",
    "plot_groups",
    "plot_paired",
    "plot_pairs",
    "plot_real_pseudo",
    "plot_session",
    "plot_wlcc",
    "segment_colours",
]

PERSON_COLOURS = ("#1f77b4", "#d62728")  # patient blue, therapist red


_N_PERSONS = Integer(low=0, high=100_000, example="4")


def person_colours(n: int) -> tuple[str, ...]:
    """One colour per person of a session of ``n`` persons, the same in every view.

    The first two are :data:`PERSON_COLOURS` (a dyad looks as it always did); the others
    follow plotly's D3 palette without those two, repeating beyond ten persons.

    Examples
    --------
    >>> person_colours(2)
    ('#1f77b4', '#d62728')
    >>> person_colours(4)
    ('#1f77b4', '#d62728', '#ff7f0e', '#2ca02c')
    """
    n = _N_PERSONS.check(n, "n")
    others = (c.lower() for c in qualitative.D3 if c.lower() not in PERSON_COLOURS)
    palette = (*PERSON_COLOURS, *others)
    return tuple(palette[i % len(palette)] for i in range(n))


MAX_POINTS = 4000


MAX_POINTS_RULE = Integer(low=4, high=10_000_000, example="4000")
"""Points per trace after decimation."""
_CHANNELS = Channels()
"""The channels :func:`plot_session` draws, in the order given (None: all)."""


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
    max_points = MAX_POINTS_RULE.check(max_points, "max_points")
    time, values = np.asarray(time), np.asarray(values)
    if (
        time.ndim != 1
        or time.shape != values.shape
        or time.dtype.kind not in "iuf"
        or values.dtype.kind not in "iuf"
    ):
        raise ValidationError(
            f"time and values must be 1-D arrays of real numbers of equal length, got shapes "
            f"{time.shape} and {values.shape} (dtypes {time.dtype}, {values.dtype})."
        )
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


@renamed(names="channels")
def plot_session(
    session: xr.DataTree,
    channels: str | Sequence[str] | None = None,
    *,
    show_segments: bool = True,
    max_points: int = MAX_POINTS,
) -> go.Figure:
    """Every person's signal (both of a dyad), one panel per channel, segments shaded.

    One trace per person in each panel, one colour and legend entry per person
    (:func:`person_colours`).

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    channels : str or sequence of str, optional
        Channels to draw; default all. (Formerly ``names``, which still works until
        concordlab 0.3, with a ``FutureWarning``.)
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
    >>> session = concordlab.example_session()
    >>> fig = plot_session(session)
    >>> [trace.name for trace in fig.data][:2]
    ['patient', 'therapist']
    >>> len(plot_session(session, channels=["eda"], show_segments=False).data)  # one panel
    2
    """
    _validate(session)
    names = _CHANNELS.check(
        channels, "channels", available=_channels(session), where="the session's channels"
    )
    FLAG.check(show_segments, "show_segments")
    max_points = MAX_POINTS_RULE.check(max_points, "max_points")
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
        for person, colour in zip(labels, person_colours(len(labels)), strict=True):
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
        figure.update_yaxes(title_text=axis_title(variable.attrs.get("units", "")), row=row, col=1)
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

    A result over pairs (dims ``pair``, ``time``: a group session, or ``pairs=`` given)
    is drawn as one line per pair, named by its label (``"mother~child"``);
    :func:`plot_pairs` shows the same as a pair x time heatmap.

    Parameters
    ----------
    result : xarray.DataArray
        The result of :func:`concordlab.concordance` (dim ``time``, or ``pair`` and
        ``time``).
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
    if not isinstance(result, xr.DataArray) or set(result.dims) not in ({"time"}, PAIR_DIMS):
        dims = result.dims if isinstance(result, xr.DataArray) else type(result).__name__
        raise ValidationError(
            "Expected a concordance series: a DataArray with dim 'time' (or dims 'pair' and "
            f"'time', one line per pair), got {dims}. For a 2-D result over lags use "
            "plot_wlcc; select one pair (result.sel(pair=...)) or reduce the other dims first."
        )
    figure = make_subplots(rows=1, cols=1)
    if "pair" in result.dims:
        result = result.transpose("pair", "time")
        labels = [str(label) for label in result["pair"].values]
        for label, colour, values in zip(
            labels, _pair_colours(len(labels)), result.values, strict=True
        ):
            figure.add_trace(
                go.Scatter(
                    x=result["time"].values,
                    y=values,
                    mode="lines",
                    name=label,
                    line={"color": colour, "width": 1.2},
                ),
                row=1,
                col=1,
            )
    else:
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


PAIR_DIMS = {"pair", "time"}


def _pair_colours(n: int) -> tuple[str, ...]:
    """One colour per pair (plotly's Dark24, repeating), distinct from the persons'."""
    palette = qualitative.Dark24
    return tuple(palette[i % len(palette)] for i in range(n))


def plot_pairs(result: xr.DataArray) -> go.Figure:
    """Concordance over pairs as a heat map: time across, one row per pair.

    Parameters
    ----------
    result : xarray.DataArray
        A result over pairs of :func:`concordlab.concordance`: dims ``pair`` and
        ``time`` (a group session of three or more persons, or ``pairs=`` given), the
        pairs labelled ``"first~second"``.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap trace; the colour scale is -1..1 for values within it (correlations),
        else symmetric about 0. Missing windows (NaN) are left blank.

    Examples
    --------
    >>> import numpy as np
    >>> import xarray as xr
    >>> from concordlab.plots import plot_pairs
    >>> r = xr.DataArray(
    ...     np.zeros((3, 5)), dims=("pair", "time"), name="r",
    ...     coords={"pair": ["a~b", "a~c", "b~c"], "time": np.arange(5.0)},
    ...     attrs={"method": "pearson", "window": 15.0})
    >>> fig = plot_pairs(r)
    >>> fig.data[0].type, list(fig.data[0].y)
    ('heatmap', ['a~b', 'a~c', 'b~c'])
    """
    if not isinstance(result, xr.DataArray) or set(result.dims) != PAIR_DIMS:
        dims = result.dims if isinstance(result, xr.DataArray) else type(result).__name__
        raise ValidationError(
            "plot_pairs expects a result over pairs: a DataArray with dims 'pair' and "
            f"'time' (concordlab.concordance of a group session, or with pairs=...), got "
            f"{dims}. A lagged result: pick one lag or use wlcc_peak first."
        )
    result = result.transpose("pair", "time")
    values = np.asarray(result.values, dtype=np.float64)
    finite = np.abs(values[np.isfinite(values)])
    limit = 1.0 if finite.size == 0 or finite.max() <= 1 else float(finite.max())
    name = str(result.name or "value")
    figure = go.Figure(
        go.Heatmap(
            x=result["time"].values,
            y=[str(label) for label in result["pair"].values],
            z=values,
            colorscale="RdBu_r",
            zmin=-limit,
            zmax=limit,
            colorbar={"title": name},
            hovertemplate="%{x:.1f} s, %{y}: " + name + " = %{z:.2f}<extra></extra>",
        )
    )
    method = result.attrs.get("method", "")
    n = result.sizes["pair"]
    figure.update_layout(
        title=f"Concordance of {n} pairs ({method}, {result.attrs.get('window', '?')} s windows)",
        xaxis_title="window centre (s)",
        yaxis_title="pair",
        yaxis_autorange="reversed",
        height=max(260, 120 + 28 * n),
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


# --------------------------------------------------------------------------- cohort statistics

GROUP_COLOURS = ("#2ca02c", "#9467bd")  # first and second group of a comparison
CHANGE_COLOURS = {"rise": "#2ca02c", "fall": "#d62728", "same": "#7f7f7f"}
REAL_COLOUR = "#ff7f0e"
PSEUDO_COLOUR = "#7f7f7f"
# Draw every pseudo-dyad as a point up to this many; beyond, only their distribution.
MAX_PSEUDO_POINTS = 2000


def _expect(result: object, kind: type, function: str, producer: str) -> None:
    # By name as well: a reloaded concordlab.stats (IPython autoreload, pytest's importlib
    # mode) makes new classes, and its results are just as good.
    if not isinstance(result, kind) and type(result).__qualname__ != kind.__qualname__:
        raise ValidationError(
            f"{function} expects the result of concordlab.stats.{producer} (a "
            f"{kind.__name__}), got {type(result).__name__}."
        )


def _num(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.3g}"


def _with_ci(
    value: float, ci: tuple[float, float], confidence: float, reliable: bool = True
) -> str:
    if not all(math.isfinite(v) for v in ci):
        return _num(value)
    mark = "" if reliable else "*"
    return f"{_num(value)} [{confidence:.0%} CI{mark} {_num(ci[0])}, {_num(ci[1])}]"


def _ci_note_lines(reliable: bool, note: str) -> list[str]:
    """The title lines of a result whose intervals are marked ``CI*``: why not reliable."""
    if reliable:
        return []
    return textwrap.wrap(f"* CI not reliable: {note}", width=100, break_on_hyphens=False)


def _p_text(p_value: float, alternative: str) -> str:
    side = "" if alternative == "two-sided" else f", {alternative}"
    return f"p = {_num(p_value)} (permutation{side})"


def plot_correlation(result: CorrelationResult) -> go.Figure:
    """Scatter of two per-session measures with the regression line and its band.

    One marker per session (hover: its id and both values); the ordinary least-squares
    line of y on x over the range of x; and the line's pointwise confidence band at the
    result's confidence, ``ŷ ± t(n - 2) s sqrt(1/n + (x - x̄)² / Sxx)`` (analytic, for
    normal residuals; ``s`` the residual SD). The title gives n, Pearson's r and
    Spearman's rho, each with its BCa bootstrap interval and permutation p-value; an
    interval that is not reliable (``result.ci_reliable``) is marked ``CI*`` and the
    title says why (``result.ci_note``).

    Parameters
    ----------
    result : CorrelationResult
        The result of :func:`concordlab.stats.correlate`.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces, in order: the band, ``"OLS fit"`` and ``"sessions"``.

    Raises
    ------
    ValidationError
        If ``result`` is not a :class:`~concordlab.stats.CorrelationResult`.

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.plots import plot_correlation
    >>> from concordlab.stats import correlate
    >>> ratings = concordlab.simulate_cohort(12, duration=10, channels="eda", seed=1).ratings
    >>> result = correlate(ratings["true_coupling"], ratings["simulated_empathy"],
    ...                    n_boot=500, n_permutations=500, seed=0)
    >>> figure = plot_correlation(result)
    >>> [trace.name for trace in figure.data]
    ['95% band (OLS)', 'OLS fit', 'sessions']
    >>> len(figure.data[2].x)
    12
    """
    _expect(result, CorrelationResult, "plot_correlation", "correlate")
    x, y, n = result.x, result.y, result.n
    slope, intercept = np.polyfit(x, y, 1)
    grid = np.linspace(x.min(), x.max(), 101)
    fit = intercept + slope * grid
    residual = y - (intercept + slope * x)
    s = math.sqrt(float((residual**2).sum()) / (n - 2))
    sxx = float(((x - x.mean()) ** 2).sum())
    t = scipy_stats.t.ppf((1 + result.confidence) / 2, n - 2)
    half = t * s * np.sqrt(1 / n + (grid - x.mean()) ** 2 / sxx)
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=np.concatenate([grid, grid[::-1]]),
            y=np.concatenate([fit + half, (fit - half)[::-1]]),
            fill="toself",
            fillcolor="rgba(68, 68, 68, 0.15)",
            line={"width": 0},
            hoverinfo="skip",
            name=f"{result.confidence:.0%} band (OLS)",
        )
    )
    figure.add_trace(
        go.Scatter(x=grid, y=fit, mode="lines", name="OLS fit", line={"color": "#444", "width": 2})
    )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="markers",
            name="sessions",
            text=[str(i) for i in result.ids],
            marker={"color": PERSON_COLOURS[0], "size": 9, "line": {"color": "white", "width": 1}},
            hovertemplate=(
                f"%{{text}}<br>{result.x_name}: %{{x:.4g}}<br>{result.y_name}: %{{y:.4g}}"
                "<extra></extra>"
            ),
        )
    )
    lines = []
    for label, estimate in (("Pearson r", result.pearson), ("Spearman ρ", result.spearman)):
        interval = _with_ci(estimate.estimate, estimate.ci, result.confidence, estimate.ci_reliable)
        lines.append(f"{label} = {interval}, {_p_text(estimate.p_value, result.alternative)}")
    lines += _ci_note_lines(result.ci_reliable, result.ci_note)
    figure.update_layout(
        title=f"{result.y_name} vs {result.x_name} (n = {n} sessions)<br><sup>"
        + "<br>".join(lines)
        + "</sup>",
        margin={"t": 110 + 18 * (len(lines) - 2)},  # 2 lines: the estimates
        xaxis_title=result.x_name,
        yaxis_title=result.y_name,
        height=440,
        template="plotly_white",
        legend={"orientation": "h", "y": -0.15},
    )
    return figure


def plot_groups(result: GroupComparison) -> go.Figure:
    """Both groups' distributions: a box per group with every session as a point.

    Each box shows the median, quartiles and (dashed) mean; every session is a point
    (hover: its session id). The title gives Cohen's d with its interval, Hedges' g and
    the permutation p-value; an interval that is not reliable (``result.ci_reliable``) is
    marked ``CI*`` and the title says why (``result.ci_note``).

    Parameters
    ----------
    result : GroupComparison
        The result of :func:`concordlab.stats.compare_groups`.

    Returns
    -------
    plotly.graph_objects.Figure
        One box trace per group, in the order of the comparison.

    Raises
    ------
    ValidationError
        If ``result`` is not a :class:`~concordlab.stats.GroupComparison`.

    Examples
    --------
    >>> import warnings
    >>> from concordlab.plots import plot_groups
    >>> from concordlab.stats import compare_groups
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", UserWarning)  # 4 per group: the CIs are flagged
    ...     result = compare_groups([.5, .6, .4, .7, .2, .3, .25, .35],
    ...                             ["normal"] * 4 + ["dropout"] * 4,
    ...                             order=["normal", "dropout"], n_boot=500, seed=0)
    >>> figure = plot_groups(result)
    >>> [trace.name for trace in figure.data]
    ['normal (n=4)', 'dropout (n=4)']
    >>> [len(trace.y) for trace in figure.data]
    [4, 4]
    """
    _expect(result, GroupComparison, "plot_groups", "compare_groups")
    figure = go.Figure()
    for k, label in enumerate(result.groups):
        mask = np.array([value == label for value in result.labels], dtype=bool)
        figure.add_trace(
            go.Box(
                y=result.values[mask],
                name=f"{label} (n={result.n[k]})",
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                boxmean=True,
                text=[str(i) for i in result.ids[mask]],
                marker={"color": GROUP_COLOURS[k], "size": 8},
                line={"color": GROUP_COLOURS[k]},
            )
        )
    first, second = result.groups
    lines = [
        f"Cohen's d = {_with_ci(result.d, result.d_ci, result.confidence, result.ci_reliable)}"
        f", Hedges' g = {_num(result.g)}, {_p_text(result.p_value, result.alternative)}",
        *_ci_note_lines(result.ci_reliable, result.ci_note),
    ]
    figure.update_layout(
        title=f"{result.name}: {first} vs {second}<br><sup>" + "<br>".join(lines) + "</sup>",
        yaxis_title=result.name,
        showlegend=False,
        height=440,
        template="plotly_white",
    )
    if len(lines) > 1:  # the note on unreliable intervals needs room
        figure.update_layout(margin={"t": 100 + 18 * (len(lines) - 1)})
    return figure


def plot_paired(result: PairedComparison) -> go.Figure:
    """A slopegraph: each dyad's line from before to after, and the mean.

    Dyads are drawn as one trace of line segments (hover: the dyad id), markers coloured
    by direction (green rise, red fall, grey unchanged); the mean before and after is a
    thick black line. The title gives the mean change and Cohen's d_z with their
    intervals and the sign-flip p-value; intervals that are not reliable
    (``result.ci_reliable``) are marked ``CI*`` and the title says why (``result.ci_note``).

    Parameters
    ----------
    result : PairedComparison
        The result of :func:`concordlab.stats.compare_paired`.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``"dyads"`` (two points per dyad, separated by gaps) and ``"mean"``.

    Raises
    ------
    ValidationError
        If ``result`` is not a :class:`~concordlab.stats.PairedComparison`.

    Examples
    --------
    >>> import warnings
    >>> from concordlab.plots import plot_paired
    >>> from concordlab.stats import compare_paired
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", UserWarning)  # 4 dyads: the CIs are flagged
    ...     result = compare_paired([.2, .3, .25, .4], [.3, .35, .2, .5], n_boot=500, seed=0)
    >>> figure = plot_paired(result)
    >>> [trace.name for trace in figure.data]
    ['dyads', 'mean']
    >>> sum(y is not None for y in figure.data[0].y)   # two points per dyad
    8
    >>> "CI not reliable: 4 dyads < 10" in figure.layout.title.text
    True
    """
    _expect(result, PairedComparison, "plot_paired", "compare_paired")
    if result.before_name != result.after_name:
        labels = (result.before_name, result.after_name)
    else:
        labels = ("before", "after")
    xs: list[str | None] = []
    ys: list[float | None] = []
    text: list[str] = []
    colours: list[str] = []
    for key, first, second in zip(result.ids, result.before, result.after, strict=True):
        colour = CHANGE_COLOURS["rise" if second > first else "fall" if second < first else "same"]
        xs += [labels[0], labels[1], None]
        ys += [float(first), float(second), None]
        text += [str(key)] * 3
        colours += [colour] * 3
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines+markers",
            name="dyads",
            text=text,
            line={"color": "rgba(120, 120, 120, 0.5)", "width": 1.5},
            marker={"color": colours, "size": 8},
            hovertemplate="%{text}: %{y:.4g}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=list(labels),
            y=[result.mean_before, result.mean_after],
            mode="lines+markers",
            name="mean",
            line={"color": "black", "width": 4},
            marker={"color": "black", "size": 12},
            hovertemplate="mean: %{y:.4g}<extra></extra>",
        )
    )
    reliable = result.ci_reliable
    lines = [
        f"mean change = "
        f"{_with_ci(result.mean_diff, result.mean_diff_ci, result.confidence, reliable)}, "
        f"d_z = {_with_ci(result.d, result.d_ci, result.confidence, reliable)}, "
        f"{_p_text(result.p_value, result.alternative).replace('permutation', 'sign flips')}",
        *_ci_note_lines(reliable, result.ci_note),
    ]
    figure.update_layout(
        title=f"{labels[0]} → {labels[1]} (n = {result.n} dyads)<br><sup>"
        + "<br>".join(lines)
        + "</sup>",
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": list(labels)},
        height=440,
        template="plotly_white",
        legend={"orientation": "h", "y": -0.12},
    )
    if len(lines) > 1:  # the note on unreliable intervals needs room
        figure.update_layout(margin={"t": 100 + 18 * (len(lines) - 1)})
    return figure


def plot_real_pseudo(result: RealPseudoComparison) -> go.Figure:
    """Real dyads against pseudo-dyads, and the real mean against its null distribution.

    Left: the pseudo-dyads' values as a violin (with their points when there are at most
    2000; hover: the pair) beside the real dyads as a box with every dyad as a point,
    and a dashed line at the pseudo 95th percentile. Right: the histogram of the null
    distribution (the mean of each re-paired cohort, or subset) with a line at the real
    mean. The title gives the difference of means, Cohen's d and the p-value.

    Parameters
    ----------
    result : RealPseudoComparison
        The result of :func:`concordlab.stats.compare_real_pseudo`.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``"pseudo-dyads (n=…)"``, ``"real dyads (n=…)"`` (left) and
        ``"null (…)"`` (right).

    Raises
    ------
    ValidationError
        If ``result`` is not a :class:`~concordlab.stats.RealPseudoComparison`.

    Examples
    --------
    >>> import numpy as np
    >>> from concordlab.plots import plot_real_pseudo
    >>> from concordlab.stats import compare_real_pseudo
    >>> rng = np.random.default_rng(0)
    >>> result = compare_real_pseudo(rng.normal(0.3, 0.1, 6), rng.normal(0, 0.1, 30),
    ...                              n_permutations=500, seed=0)
    >>> figure = plot_real_pseudo(result)
    >>> [trace.name for trace in figure.data]
    ['pseudo-dyads (n=30)', 'real dyads (n=6)', 'null (subsets, 500 draws)']
    """
    _expect(result, RealPseudoComparison, "plot_real_pseudo", "compare_real_pseudo")
    drawn = "re-paired " if result.null_method == "re-pairing" else "pseudo-"
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(
            f"{result.name} per dyad",
            f"Null: mean of {result.n_real} {drawn}dyads per draw",
        ),
    )
    points = "all" if result.n_pseudo <= MAX_PSEUDO_POINTS else False
    figure.add_trace(
        go.Violin(
            y=result.pseudo,
            name=f"pseudo-dyads (n={result.n_pseudo})",
            points=points,
            pointpos=0,
            jitter=0.4,
            box_visible=True,
            meanline_visible=True,
            text=[str(i) for i in result.pseudo_ids],
            line={"color": PSEUDO_COLOUR},
            marker={"color": PSEUDO_COLOUR, "size": 4, "opacity": 0.5},
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Box(
            y=result.real,
            name=f"real dyads (n={result.n_real})",
            boxpoints="all",
            jitter=0.4,
            pointpos=0,
            boxmean=True,
            text=[str(i) for i in result.real_ids],
            line={"color": REAL_COLOUR},
            marker={"color": REAL_COLOUR, "size": 8},
        ),
        row=1,
        col=1,
    )
    figure.add_hline(
        y=float(np.quantile(result.pseudo, 0.95)),
        line={"dash": "dash", "color": PSEUDO_COLOUR, "width": 1},
        annotation_text="pseudo 95th percentile",
        annotation_position="top left",
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Histogram(
            x=result.null,
            name=f"null ({result.null_method}, {result.null.size} draws)",
            marker={"color": PSEUDO_COLOUR},
            opacity=0.7,
        ),
        row=1,
        col=2,
    )
    figure.add_vline(
        x=result.mean_real,
        line={"color": REAL_COLOUR, "width": 3},
        annotation_text="real mean",
        annotation_position="top left",
        row=1,
        col=2,
    )
    figure.update_xaxes(title_text=f"mean {result.name}", row=1, col=2)
    figure.update_yaxes(title_text=result.name, row=1, col=1)
    figure.update_yaxes(title_text="draws", row=1, col=2)
    figure.update_layout(
        title=(
            f"Real vs pseudo-dyads: mean difference = {_num(result.mean_diff)}, "
            f"d = {_num(result.d)}, {_p_text(result.p_value, result.alternative)}"
            f"<br><sup>{result.above_p95:.0%} of real dyads above the pseudo 95th "
            f"percentile, {result.above_median:.0%} above the pseudo median</sup>"
        ),
        showlegend=False,
        height=460,
        template="plotly_white",
    )
    return figure
