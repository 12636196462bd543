"""The session explorer: both persons' signals, concordance under them, segments marked inline.

``concordlab.explore(session)`` returns an :class:`Explorer`; displaying it in JupyterLab
shows the controls and a plotly ``FigureWidget``. Everything the controls do goes
through public methods (:meth:`Explorer.set_params`, :meth:`Explorer.set_view`,
:meth:`Explorer.add_segment` ...), so notebooks and tests drive it the same way.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as ipw
import numpy as np
import plotly.graph_objects as go
import xarray as xr
from plotly.subplots import make_subplots

import concordlab.preprocess as preprocess
from concordlab._checks import Integer, check_choice
from concordlab._segments_schema import ALL
from concordlab.compute._common import PAIR_JOIN
from concordlab.compute.concordance import concordance, concordance_index
from concordlab.compute.moments import add_moments
from concordlab.compute.registry import Parameter, get_measure, measures
from concordlab.errors import ConcordlabError, ValidationError
from concordlab.io.bids import write_events_tsv
from concordlab.io.store import load
from concordlab.plots import minmax_decimate, person_colours, segment_colours
from concordlab.segments import BOTH, remove_segment, segments, set_segments
from concordlab.segments import add_segment as add_session_segment
from concordlab.session import _labels, channels, time_span, validate_session
from concordlab.units import axis_title
from concordlab.widgets.analysis import (
    ANALYSIS_RATE,
    LAGGED_ANALYSIS_RATE,
    LAGS_EACH_SIDE,
    MAX_HEATMAP_COLUMNS,
    analysis_signal,
    check_analysis_rate,
    heat_axis_title,
    heat_dim,
    heat_readout,
    heatmap_cells,
    lag_step_for,
)
from concordlab.widgets.explorer_video import ExplorerVideo
from concordlab.widgets.overview import Overview
from concordlab.widgets.store import SegmentStore, default_sidecar

__all__ = [
    "PREPROCESSING",
    "Explorer",
    "explore",
    "explorer_defaults",
    "explorer_methods",
    "explorer_sliders",
]

# Preprocessing choices offered by the explorer: label -> function of (session, channel).
PREPROCESSING: dict[str, Callable[[xr.DataTree, str], xr.DataTree]] = {
    "none": lambda s, c: s,
    "low-pass 1 Hz": lambda s, c: preprocess.lowpass(s, 1.0, channels=c),
    "smooth 1 s": lambda s, c: preprocess.smooth(s, 1.0, channels=c),
    "detrend": lambda s, c: preprocess.detrend(s, channels=c),
    "standardise": lambda s, c: preprocess.standardise(s, channels=c),
}


def _offered(dims: tuple[str, ...]) -> bool:
    """One value per window ``(time,)``, or a 2-D result ``(time, X)`` drawn as a heatmap."""
    return dims == ("time",) or (len(dims) == 2 and dims[0] == "time")


def explorer_methods() -> tuple[str, ...]:
    """The registered measures the explorer offers: one value per window, or ``(time, X)``.

    A measure with one value per window is drawn as a line; a 2-D one ``(time, X)``
    (``X`` = ``lag``, ``frequency`` ...) as a heatmap with ``X`` up, its line being the
    mean across ``X`` (:func:`~concordlab.widgets.analysis.heat_readout`). Read from the
    registry when an explorer opens, so a measure registered later is offered too.

    Examples
    --------
    >>> {"pearson", "slope", "wlcc", "wlcc_peak"} <= set(explorer_methods())
    True
    """
    return tuple(m.name for m in measures() if _offered(m.dims))


def explorer_sliders() -> dict[str, Parameter]:
    """The sliders: every parameter with a slider range of the offered measures.

    Examples
    --------
    >>> {"window", "step", "slope_window", "max_lag"} <= set(explorer_sliders())
    True
    """
    found: dict[str, Parameter] = {}
    offered = explorer_methods()
    for measure in measures():
        if measure.name in offered:
            for parameter in measure.parameters:
                if parameter.slider is not None:
                    found.setdefault(parameter.name, parameter)
    return found


def explorer_defaults() -> dict[str, Any]:
    """The explorer's starting parameters: the measures' defaults and the view's.

    Examples
    --------
    >>> explorer_defaults()["method"], explorer_defaults()["window"]
    ('slope', 15.0)
    """
    return {
        "method": "slope",
        **{name: parameter.default for name, parameter in explorer_sliders().items()},
        "preprocess": "none",
        "layout": "stacked",
    }


def __getattr__(name: str) -> Any:
    # The former constants, now read from the registry each time.
    derived = {
        "METHODS": explorer_methods,
        "SLIDERS": explorer_sliders,
        "DEFAULTS": explorer_defaults,
    }
    if name in derived:
        return derived[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


MIN_WIDTH = 300  # px: below this the plots keep plotly's own width
MAX_POINTS = Integer(low=10, high=10**7, example="2000")
"""Points drawn per trace: enough for a line, few enough for the browser."""
LABEL_ROOM = 0.08  # a band is labelled in place when it spans this fraction of the view
SHAPE_REACH = 0.05  # bands this fraction of the view's width beyond it are sent too
X_RANGES = ("xaxis.range", "xaxis2.range", "xaxis3.range", "xaxis4.range")
SIGNAL_ROWS = (1, 2)
CONCORDANCE_ROW = 3
HEATMAP_ROW = 4
CONCORDANCE_TRACE = 4
HEATMAP_TRACE = 5
# Heights in pixels of the rows (signals, signals, concordance, heatmap), the gap between
# rows and the margins; the heatmap row takes no room while no lag profile is shown.
ROW_HEIGHTS = (180, 180, 180, 220)
ROW_GAP = 30
MARGIN = {"l": 60, "r": 20, "t": 40, "b": 40}
# The hidden heatmap row: not zero high, for plotly.js then attributes a box selection
# anywhere on the plot to that empty subplot (no points reach Python).
HIDDEN_DOMAIN = (0.0, 0.001)
CATCHER_POINTS = 100  # invisible markers per signal panel that catch a box selection
DEFAULT_WIDTH = 1000  # px: the plot's width until the browser reports it
CACHED_RESULTS = 16  # parameter sets whose results are kept (moving back is instant)
HEAT_NAMES = {"lag": "lag profile", "frequency": "spectrum", "pair": "pairs"}
"""What the note under the plot calls the heatmap, by its second dim (else the dim)."""


def _ordinal(n: int) -> str:
    """``2nd``, ``3rd``, ``4th``, ``11th``, ``21st`` ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def explore(
    session: xr.DataTree | str | Path,
    channel: str | None = None,
    *,
    sidecar: str | Path | bool | None = None,
    max_points: int = 2000,
    analysis_rate: float | None = ANALYSIS_RATE,
    lagged_analysis_rate: float | None = LAGGED_ANALYSIS_RATE,
    **params: Any,
) -> Explorer:
    """Open the interactive explorer on a session (or a saved session file).

    The explorer is a live view: it computes and sends no more than the screen shows,
    and says what it did under the plot and in the title. The concordance is computed
    on the signal averaged over blocks of samples down to at most ``analysis_rate``
    (``lagged_analysis_rate`` for a measure read from a lag profile, ``wlcc_peak``,
    whose lag profile is computed at no more than 20 lags on each side of 0); a
    session at or below that rate is used as it is, and the values shown are then
    exactly :func:`concordlab.concordance`'s. Traces and the window x lag heatmap are
    sent for the visible time range only, at most one point (two for min/max
    decimation) per pixel, and recomputed on zoom. See
    :mod:`concordlab.widgets.analysis`.

    A measure whose result is 2-D, ``(time, X)`` (``X`` a lag or a frequency), is drawn as
    a heatmap with ``X`` up under its line, the mean across ``X`` (named so).

    **Groups.** A session of more than two persons shows every person's signal in the
    first row (one line and legend entry each; the chosen pair's drawn bold), a **pair**
    picker (``set_params(pair="mother~child")``; default the first pair) choosing whose
    concordance the line and the index show (positive lag: the second of the pair
    follows the first), and the pair x time heatmap of the measure over every pair. The
    overview strip shows the chosen pair. A group measure (``kuramoto``, ``rho``,
    ``mean_pairwise``) is one line for everyone. A two-person session is drawn as always.

    **Video.** A session with a video (:func:`concordlab.attach_video`) shows it above the
    plots (the room's video, else the first; a picker when there are several). The browser
    fetches the file from the Jupyter server itself (range requests: a long file starts at
    once and nothing goes through the kernel), so it must lie under the folder Jupyter
    serves; if it does not, the explorer says so. Playing moves a red cursor on every panel
    and turns the view page by page; moving the view while paused, clicking a plot, and
    the segment table's **▶ Play** button seek the video. The offset control (one frame
    and 0.1 s steps) aligns video and signals by eye; the offset is applied to
    :attr:`Explorer.session` and saved beside the segments (``<name>.videos.tsv``), so
    it is restored next time. The same from Python: :meth:`Explorer.seek`,
    :meth:`Explorer.play`, :meth:`Explorer.pause`, :meth:`Explorer.play_segment`,
    :meth:`Explorer.set_video_offset`, :attr:`Explorer.video_time` (session time). No
    video: no player.

    Parameters
    ----------
    session : xarray.DataTree or path
        The session, or a ``.nc``/``.zarr`` file written by :func:`concordlab.save`.
    channel : str, optional
        The channel shown; default ``"eda"`` or the only one.
    sidecar : path, bool or None
        Where marked segments are saved at every change. Default (None or True): next to
        the session file (``<file>.segments.tsv``), or for a session without a file
        ``<session_id>-<content id>.segments.tsv`` in the working folder, the id derived
        from the recorded signals (see :func:`~concordlab.widgets.store.default_sidecar`).
        False keeps segments in memory only. Opening the explorer again on the same
        session restores them; explorers open on one session at once merge their changes.
        If the sidecar cannot be written, the change is kept in memory and the call raises
        a :class:`~concordlab.ConcordlabError` saying so.
    max_points : int, default 2000
        Points drawn per trace (min/max decimation of the visible range).
    analysis_rate : float or None, default 32.0
        Hz: the rate at most at which measures without lags (``slope``, ``pearson``) are
        computed; the signal is averaged over blocks of whole samples to get there (1
        kHz: blocks of 32 samples, 31.25 Hz). None: the signal's own rate.
    lagged_analysis_rate : float or None, default 8.0
        Hz: the same for measures read from a lag profile (``wlcc_peak``), whose cost
        grows with samples x lags. None: the signal's own rate.
    **params
        Initial concordance parameters, as for :meth:`Explorer.set_params` (and, for a
        group, the ``pair`` shown).

    Returns
    -------
    Explorer

    Examples
    --------
    >>> import concordlab
    >>> session = concordlab.example_session()   # 32 Hz: computed at its own rate
    >>> explorer = concordlab.explore(session, sidecar=False, window=20)
    >>> explorer.params["window"], explorer.index == float(
    ...     concordlab.concordance_index(concordlab.concordance(session, window=20)))
    (20.0, True)
    >>> explorer.set_params(method="wlcc_peak").analysis_rate   # 32 Hz in blocks of 4
    8.0
    >>> family = concordlab.simulate_group(3, duration=120, seed=1)
    >>> group = concordlab.explore(family, sidecar=False, pair="person 2~person 3")
    >>> group.pairs, group.lagged.dims
    (('person 1~person 2', 'person 1~person 3', 'person 2~person 3'), ('time', 'pair'))
    """
    source = None
    if isinstance(session, str | Path):
        source = Path(session)
        session = load(source)
    if sidecar is None or sidecar is True:
        sidecar = default_sidecar(session, source)
    return Explorer(
        session,
        channel,
        sidecar=None if sidecar is False else sidecar,
        max_points=max_points,
        analysis_rate=analysis_rate,
        lagged_analysis_rate=lagged_analysis_rate,
        **params,
    )


class Explorer(ExplorerVideo):
    """Interactive view of one session; see :func:`explore`.

    Attributes
    ----------
    session : xarray.DataTree
        The session with every segment marked so far.
    params : dict
        The current parameters (method, window, step, max_lag, slope_window, preprocess,
        layout).
    methods, sliders : tuple and dict
        The measures offered and the parameters with a slider, read from the measure
        registry when the explorer opened.
    result : xarray.DataArray
        The concordance series currently shown.
    index : float
        Its session concordance index.
    lagged : xarray.DataArray or None
        The 2-D result drawn as the heatmap: the lag profile (``wlcc``) behind a measure
        read from one, or a 2-D measure's own result ``(time, X)`` (``X`` = ``lag``,
        ``frequency`` ...), whose mean across ``X`` is then :attr:`result`.
    analysis_rate : float
        Hz: the rate the result shown was computed at (see :func:`explore`).
    analysis : str
        What was computed and what is shown, in words (also shown under the plot).
    figure : plotly.graph_objects.FigureWidget
        Signals (rows 1-2), concordance (row 3) and, for a measure read from a lag
        profile or with a 2-D result, the window x lag (x frequency ...) heatmap
        (row 4). Every update reaches the browser as one message.
    group : bool
        More than two persons: every pair's concordance, the line the chosen pair's.
    pairs : tuple of str
        The session's pairs, ``"first~second"`` in session order; :attr:`pair` is the one
        shown.
    overview : concordlab.widgets.overview.Overview
        The whole session as a strip with the view as a draggable window; its step
        buttons, the arrow keys and Space (play) move the view, at ``overview.speed``
        seconds of session per second while playing.
    player : concordlab.widgets.video.VideoPlayer or None
        The session's video (see :func:`explore`), None when it has none.
    video : str or None
        The name of the video shown (an index of :func:`concordlab.videos`).
    """

    def __init__(
        self,
        session: xr.DataTree,
        channel: str | None = None,
        *,
        sidecar: str | Path | None = None,
        max_points: int = 2000,
        analysis_rate: float | None = ANALYSIS_RATE,
        lagged_analysis_rate: float | None = LAGGED_ANALYSIS_RATE,
        **params: Any,
    ) -> None:
        validate_session(session)
        self.max_points = MAX_POINTS.check(max_points, "max_points")
        self._rates = {
            False: check_analysis_rate(analysis_rate, "analysis_rate"),
            True: check_analysis_rate(lagged_analysis_rate, "lagged_analysis_rate"),
        }
        self._analysed: dict[tuple[str, str, float | None], xr.DataArray] = {}
        self._results: dict[tuple, tuple[xr.DataArray, xr.DataArray | None, str]] = {}
        self.analysis = ""
        names = channels(session)
        if channel is None:
            channel = "eda" if "eda" in names else names[0]
        if channel not in names:
            raise ValidationError(f"Unknown channel '{channel}'; the session has {names}.")
        self.store = SegmentStore(sidecar) if sidecar is not None else None
        self._session = self.store.restore(session) if self.store else session
        self.channel = channel
        self.sliders = explorer_sliders()
        self.methods = explorer_methods()
        self.params: dict[str, Any] = explorer_defaults()
        self._updating_controls = False
        self._selection: tuple[float, float] | None = None
        self._processed: dict[tuple[str, str], xr.DataTree] = {}
        span = time_span(self._session)
        self._origin = span[0]  # the overview strip counts seconds from the first sample
        self._view: tuple[float, float] | None = None
        self._drawn_signal: tuple[str, str, str] | None = None
        self._heatmap_shown = False
        self._heat_labels: tuple[str, str, str] | None = None
        labels = self.persons
        self.group = len(labels) > 2
        self.pairs = tuple(
            f"{a}{PAIR_JOIN}{b}" for i, a in enumerate(labels) for b in labels[i + 1 :]
        )
        self.pair = self.pairs[0]
        self._group_results: dict[tuple, tuple[xr.DataArray, str]] = {}
        self.figure = self._build_figure()
        self.overview = Overview(duration=span[1] - span[0], persons=list(self._pair_persons()))
        self.overview.observe(self._on_overview, names=["view_start", "view_end"])
        self.overview.observe(self._fit_width, names=["width"])
        self._init_video()
        self._build_controls()
        self.set_params(**params)
        self.set_view(span[0], min(span[1], span[0] + max(120.0, (span[1] - span[0]) / 5)))
        self._refresh_segments()

    # ------------------------------------------------------------------ state

    @property
    def session(self) -> xr.DataTree:
        """The session with its current segments."""
        return self._session

    @property
    def persons(self) -> tuple[str, ...]:
        """The person labels: two for a dyad, N for a group."""
        return _labels(self._session)

    def _pair_persons(self) -> tuple[str, str]:
        """The two persons of the chosen pair (the dyad's two persons)."""
        first, second = self.pair.split(PAIR_JOIN)
        return first, second

    def _processed_session(self) -> xr.DataTree:
        key = (self.channel, self.params["preprocess"])
        if key not in self._processed:
            self._processed[key] = PREPROCESSING[key[1]](self._session, self.channel)
        return self._processed[key]

    def _signal(self) -> tuple[np.ndarray, np.ndarray]:
        node = self._processed_session()[self.channel]
        return node["time"].values, node.dataset[self.channel].values

    # ------------------------------------------------------------------ parameters

    def set_params(self, **params: Any) -> Explorer:
        """Change parameters and redraw, exactly as the controls do.

        Accepted: ``channel``, ``method`` (one of :func:`explorer_methods`, the
        registered measures with one value per window), the measures' parameters that
        have a slider (:func:`explorer_sliders`: ``window``, ``step``, ``max_lag``,
        ``slope_window`` in seconds, and the others' as declared), ``preprocess`` (one of
        :data:`PREPROCESSING`), ``layout`` ("stacked" or "overlay") and, for a group
        session, ``pair`` (one of :attr:`pairs`, ``"first~second"`` or
        ``(first, second)``). Each value is checked by its
        parameter's declaration; invalid values raise
        :class:`~concordlab.ValidationError` and change nothing. Every slider's value is
        kept; only those the method takes are used.

        Examples
        --------
        >>> import concordlab
        >>> explorer = concordlab.explore(concordlab.example_session(), sidecar=False)
        >>> explorer.set_params(method="pearson", window=30).params["method"]
        'pearson'
        """
        unknown = sorted(set(params) - set(self.params) - {"channel", "pair"})
        if unknown:
            raise ValidationError(
                f"Unknown parameter(s) {unknown}; use {sorted([*self.params, 'channel', 'pair'])}."
            )
        new = {**self.params, **{k: v for k, v in params.items() if k not in ("channel", "pair")}}
        channel = params.get("channel", self.channel)
        pair = self._check_pair(params.get("pair", self.pair))
        if channel not in channels(self._session):
            raise ValidationError(
                f"Unknown channel '{channel}'; the session has {channels(self._session)}."
            )
        check_choice(new["method"], "method", self.methods)
        check_choice(new["preprocess"], "preprocess", PREPROCESSING)
        check_choice(new["layout"], "layout", ("stacked", "overlay"))
        for name, parameter in self.sliders.items():
            new[name] = parameter.check(new[name])
        old_params, old_channel, old_pair = self.params, self.channel, self.pair
        self.params, self.channel, self.pair = new, channel, pair
        try:
            result, lagged, analysis = (
                self._compute_group() if self.group else self._compute_shown()
            )
        except ConcordlabError:
            self.params, self.channel, self.pair = old_params, old_channel, old_pair
            raise
        self.result, self.lagged, self.analysis = result, lagged, analysis
        self.analysis_rate = float(result.attrs.get("sampling_rate", np.nan))
        self.index = float(concordance_index(result))
        # One message to the browser: everything the change touches, in one batch.
        with self.figure.batch_update():
            if (channel, new["preprocess"], pair) != self._drawn_signal:
                self._draw_signals()
                self._draw_overview()
                self._drawn_signal = (channel, new["preprocess"], pair)
            self._apply_layout()
            self._draw_concordance()
            self._draw_heatmap()
        self._sync_controls()
        return self

    def _analysed_signal(self, lagged: bool) -> xr.DataArray:
        """The channel at the analysis rate (block means), cached per preprocessing."""
        rate = self._rates[lagged]
        key = (self.channel, self.params["preprocess"], rate)
        if key not in self._analysed:
            array = self._processed_session()[self.channel].dataset[self.channel]
            self._analysed[key] = analysis_signal(array, rate)
        return self._analysed[key]

    def _check_pair(self, pair: Any) -> str:
        """A pair of the session, ``"first~second"`` or ``(first, second)``."""
        if isinstance(pair, tuple | list) and len(pair) == 2:
            pair = f"{pair[0]}{PAIR_JOIN}{pair[1]}"
        if pair not in self.pairs:
            raise ValidationError(
                f"pair must be one of the session's pairs {list(self.pairs)} (first~second, "
                f"in session order), got {pair!r}."
            )
        return str(pair)

    def _compute_group(self) -> tuple[xr.DataArray, xr.DataArray | None, str]:
        """A group session: the measure over every pair, the chosen pair's line.

        A dyadic measure runs over all pairs (``pair`` x ``time``, the heatmap); a 2-D one
        is read out first (its mean across its second dim, per pair); the line is the
        chosen pair's. A group measure gives one line for everyone and no heatmap. Kept
        per parameter set, so choosing another pair computes nothing.
        """
        measure = get_measure(self.params["method"])
        taken = self._taken(measure)
        key = (self.channel, self.params["preprocess"], measure.name, *sorted(taken.items()))
        if key in self._group_results:
            self._group_results[key] = self._group_results.pop(key)
        else:
            lag_budget = measure.lag_profile is not None or measure.lagged
            signal = self._analysed_signal(lag_budget)
            rate = float(signal.attrs["sampling_rate"])
            budget = {}
            if "max_lag" in taken and "lag_step" in measure.defaults:
                budget = {"lag_step": lag_step_for(taken["max_lag"], rate)}
            full = concordance(signal, self.channel, method=measure.name, **taken, **budget)
            full.attrs["session_id"] = str(self._session.attrs.get("session_id", ""))
            others = [d for d in full.dims if d not in ("pair", "time")]
            line = "."
            if others:  # (pair, time, X): per pair, its mean across X
                dim = others[0]
                name = str(full.attrs.get("long_name", full.name or "value"))
                attrs = {**full.attrs, "long_name": f"{name}, mean across {dim}"}
                full = full.mean(dim, skipna=True, keep_attrs=False).assign_attrs(attrs)
                full.name = f"mean across {dim}"
                line = f"; the line is the {full.name}."
            text = self._describe(signal, None, lag_budget)
            if "pair" in full.dims:
                text += (
                    f" {full.sizes['pair']} pairs of {len(self.persons)} persons: the heatmap "
                    f"shows every pair, the line the chosen pair{line}"
                )
            else:
                text += f" A group measure: one value per window for all {len(self.persons)}."
            self._group_results[key] = (full, text)
            while len(self._group_results) > CACHED_RESULTS:
                self._group_results.pop(next(iter(self._group_results)))
        full, text = self._group_results[key]
        if "pair" not in full.dims:
            return full, None, text
        result = full.sel(pair=self.pair, drop=True).assign_attrs(
            full.attrs, persons=list(self._pair_persons())
        )
        return result, full.transpose("time", "pair"), text

    def _taken(self, measure: Any) -> dict[str, Any]:
        return {p.name: self.params[p.name] for p in measure.parameters if p.name in self.sliders}

    def _compute_shown(self) -> tuple[xr.DataArray, xr.DataArray | None, str]:
        """The chosen measure's result, its lag profile if it has one, and what was done.

        Computed on the signal at the analysis rate (:mod:`concordlab.widgets.analysis`);
        a measure read from its profile (``from_profile``) is derived from the profile
        computed once, at no more than :data:`LAGS_EACH_SIDE` lags on each side of 0.
        Results are kept per parameter set: moving a slider back costs nothing.
        """
        measure = get_measure(self.params["method"])
        taken = self._taken(measure)
        key = (self.channel, self.params["preprocess"], measure.name, *sorted(taken.items()))
        if key in self._results:
            self._results[key] = self._results.pop(key)  # most recently used last
            return self._results[key]
        profile_name = measure.lag_profile
        lag_budget = profile_name is not None or measure.lagged
        signal = self._analysed_signal(lag_budget)
        rate = float(signal.attrs["sampling_rate"])
        if profile_name is None:
            budget = {}
            if measure.lagged and "max_lag" in taken and "lag_step" in measure.defaults:
                budget = {"lag_step": lag_step_for(taken["max_lag"], rate)}
            result = concordance(signal, self.channel, method=measure.name, **taken, **budget)
            lagged = None
            if result.ndim == 2:  # (time, X): the heatmap, and its mean across X as line
                lagged, result = result, heat_readout(result)
        else:
            profile = get_measure(profile_name)
            names = {p.name for p in profile.parameters}
            lag_step = lag_step_for(self.params["max_lag"], rate)
            lagged = concordance(
                signal,
                self.channel,
                method=profile_name,
                **{k: v for k, v in taken.items() if k in names},
                lag_step=lag_step,
            )
            if measure.from_profile is None:
                result = concordance(
                    signal, self.channel, method=measure.name, **taken, lag_step=lag_step
                )
            else:
                checked = measure.check({**taken, "lag_step": lag_step})
                rest = {k: v for k, v in checked.items() if k not in names}
                result = measure.from_profile(lagged, **rest)
        session_id = str(self._session.attrs.get("session_id", ""))
        for array in (result, lagged):
            if array is not None:
                array.attrs["session_id"] = session_id
        shown = (result, lagged, self._describe(signal, lagged, lag_budget))
        self._results[key] = shown
        while len(self._results) > CACHED_RESULTS:
            self._results.pop(next(iter(self._results)))
        return shown

    def _describe(self, signal: xr.DataArray, heat: xr.DataArray | None, lag_budget: bool) -> str:
        """What was computed, in words: the rate, the lags of a lag profile, the line."""
        native_rate = self._native_rate()
        rate = float(signal.attrs["sampling_rate"])
        if rate == native_rate:
            text = f"Concordance computed at the signal's own {rate:g} Hz."
        else:
            factor = round(native_rate / rate)
            option = "lagged_analysis_rate" if lag_budget else "analysis_rate"
            text = (
                f"Concordance computed at {rate:g} Hz: means of blocks of {factor} samples "
                f"of the {native_rate:g} Hz signal (explore(..., {option}=None) for the "
                "full rate)."
            )
        if heat is not None and "lag" in heat.dims:
            lags = heat["lag"].values
            step = float(heat.attrs.get("lag_step", np.nan))
            text += (
                f" Lag profile at {lags.size} lags, every {step:g} s up to "
                f"{float(np.abs(lags).max()):g} s (at most {LAGS_EACH_SIDE} on each side); "
                f"{heat.attrs.get('lag_convention', '')}."
            )
        elif heat is not None:
            dim = heat_dim(heat)
            text += f" Heatmap: {heat_axis_title(heat)} up, at {heat.sizes[dim]} values."
        if heat is not None and heat.attrs.get("method") == self.params["method"]:
            text += f" The line is the mean across {heat_dim(heat)}."
        return text

    # ------------------------------------------------------------------ figure

    def _build_figure(self) -> go.FigureWidget:
        figure = go.FigureWidget(make_subplots(rows=4, cols=1))
        labels = self.persons
        colours = person_colours(len(labels))
        # SVG traces: a few thousand points at most (min/max decimation) draw faster in SVG
        # than in WebGL, whose whole canvas is drawn again on every update.
        for row, (person, colour) in enumerate(zip(labels[:2], colours[:2], strict=True), 1):
            figure.add_trace(
                go.Scatter(
                    x=[], y=[], mode="lines", name=person, line={"color": colour, "width": 1}
                ),
                row=row,
                col=1,
            )
        for row in SIGNAL_ROWS:
            # Lines send nothing on box-select: invisible markers catch the selection
            # (a few hundred: a box's own edges give the range). plotly.js selects from
            # the trace's data, not from the markers drawn, so none is drawn (at most
            # one, ``maxdisplayed``): drawing them cost 15-23 % of a Plotly.update.
            figure.add_trace(
                go.Scatter(
                    x=[],
                    y=[],
                    mode="markers",
                    marker={"size": 6, "opacity": 0, "maxdisplayed": 1},
                    selected={"marker": {"opacity": 0}},
                    unselected={"marker": {"opacity": 0}},
                    hoverinfo="skip",
                    showlegend=False,
                    name=f"selection catcher {row}",
                ),
                row=row,
                col=1,
            )
        figure.add_trace(
            go.Scatter(x=[], y=[], mode="lines", name="concordance", line={"color": "#444"}),
            row=CONCORDANCE_ROW,
            col=1,
        )
        figure.add_trace(
            go.Heatmap(
                x=[],
                y=[],
                z=[],
                colorscale="RdBu_r",
                zmin=-1,
                zmax=1,
                name="heatmap",
                showlegend=False,
                visible=False,
                hovertemplate="%{x:.1f} s, lag %{y:g} s: r = %{z:.2f}<extra></extra>",
            ),
            row=HEATMAP_ROW,
            col=1,
        )
        figure.update_yaxes(range=[-1.05, 1.05], title_text="r", row=CONCORDANCE_ROW, col=1)
        figure.update_yaxes(title_text="lag (s)", row=HEATMAP_ROW, col=1)
        # Every panel shows the same time range: any zoom reaches Python as any x range.
        figure.update_xaxes(matches="x")
        figure.layout.xaxis.matches = None
        figure.update_layout(
            template="plotly_white",
            dragmode="zoom",
            margin=MARGIN,
            legend={"orientation": "h", "y": 1.04, "x": 1, "xanchor": "right"},
        )
        self._arrange_rows(figure, heatmap=False)
        # A group: every other person's line after the fixed traces, all in the first row.
        for person, colour in zip(labels[2:], colours[2:], strict=True):
            figure.add_trace(
                go.Scatter(
                    x=[], y=[], mode="lines", name=person, line={"color": colour, "width": 1}
                ),
                row=1,
                col=1,
            )
        for trace in figure.data[2:4]:
            trace.on_selection(self._on_selection)
        for trace in figure.data:  # a click on any plot seeks the video (if there is one)
            trace.on_click(self._on_click)
        figure.layout.on_change(self._on_range, *X_RANGES)
        return figure

    def _person_trace(self, index: int) -> Any:
        """The line of person ``index`` (0, 1: the first traces; the others after the heatmap)."""
        return self.figure.data[index if index < 2 else HEATMAP_TRACE + index - 1]

    def _arrange_rows(self, figure: go.FigureWidget, *, heatmap: bool) -> None:
        """Stack the rows (the heatmap's only when shown); size the figure to hold them.

        A group's persons share the first row (the second takes no room)."""
        group = getattr(self, "group", False)
        heights = [
            ROW_HEIGHTS[0] + (ROW_HEIGHTS[1] if group else 0),
            0 if group else ROW_HEIGHTS[1],
            ROW_HEIGHTS[2],
            ROW_HEIGHTS[3] if heatmap else 0,
        ]
        shown = [h for h in heights if h]
        area = sum(shown) + ROW_GAP * (len(shown) - 1)
        top = 1.0
        bottom_row = HEATMAP_ROW if heatmap else CONCORDANCE_ROW
        for row, height in enumerate(heights, 1):
            suffix = "" if row == 1 else str(row)
            yaxis = figure.layout[f"yaxis{suffix}"]
            xaxis = figure.layout[f"xaxis{suffix}"]
            if height:
                low = max(top - height / area, 0.0)
                yaxis.domain = (low, top)
                top = low - ROW_GAP / area
            else:
                yaxis.domain = HIDDEN_DOMAIN
            if row == HEATMAP_ROW or (row == 2 and group):  # rows 1-3 are always there
                yaxis.visible = xaxis.visible = bool(height)  # (overlay hides y2)
            xaxis.showticklabels = row == bottom_row
            xaxis.title.text = "time (s)" if row == bottom_row else None
        low, high = figure.layout.yaxis4.domain
        figure.data[HEATMAP_TRACE].colorbar = {
            "y": (low + high) / 2,
            "len": max(high - low, 0.01),
            "title": {"text": figure.data[HEATMAP_TRACE].colorbar.title.text or "r"},
        }
        figure.layout.height = area + MARGIN["t"] + MARGIN["b"]

    def _fit_width(self, change: Any) -> None:
        """Size the plot to the width the browser gives the overview strip above it."""
        width = int(change["new"])
        if width >= MIN_WIDTH:
            self.figure.layout.width = width

    def _visible(self) -> tuple[float, float]:
        """The time range in view; one source of truth for figure, strip and heatmap."""
        return self._view if self._view is not None else time_span(self._session)

    def _columns(self) -> int:
        """Heatmap columns sent: one per pixel of the plot area, never more than 2000."""
        width = self.figure.layout.width or DEFAULT_WIDTH
        return int(min(max(width - MARGIN["l"] - MARGIN["r"], 10), MAX_HEATMAP_COLUMNS))

    def _draw_signals(self) -> None:
        time, values = self._signal()
        start, end = self._visible()
        margin = 0.05 * (end - start)
        first = int(np.searchsorted(time, start - margin))
        last = int(np.searchsorted(time, end + margin, side="right"))
        units = axis_title(self._session[self.channel].dataset[self.channel].attrs.get("units", ""))
        chosen = [self.persons.index(p) for p in self._pair_persons()] if self.group else []
        with self.figure.batch_update():
            for index, series in enumerate(values):
                t, v = minmax_decimate(time[first:last], series[first:last], self.max_points)
                line = self._person_trace(index)
                line.x, line.y = t, v
                if self.group:  # the chosen pair stands out; everyone stays in view
                    line.line.width = 2 if index in chosen else 1
                    line.opacity = 1.0 if index in chosen else 0.35
                if index < 2 and not (self.group and index == 1):
                    catcher = self.figure.data[index + 2]
                    every = max(1, -(-len(t) // CATCHER_POINTS))
                    catcher.x, catcher.y = t[::every], v[::every]
            for row in SIGNAL_ROWS:
                self.figure.update_yaxes(title_text=units, row=row, col=1)

    def _apply_layout(self) -> None:
        # A group's persons always share the first row (one line each, legend by person).
        overlay = self.params["layout"] == "overlay" or self.group
        second_line, second_catcher = self.figure.data[1], self.figure.data[3]
        second_line.yaxis = second_catcher.yaxis = "y" if overlay else "y2"
        self.figure.layout.yaxis2.visible = not overlay

    def _draw_concordance(self) -> None:
        """The concordance in view (min/max decimated to ``max_points``) and the title."""
        time = np.asarray(self.result["time"].values, dtype=np.float64)
        values = np.asarray(self.result.values, dtype=np.float64)
        start, end = self._visible()
        margin = 0.05 * (end - start)
        first = max(int(np.searchsorted(time, start - margin)) - 1, 0)
        last = int(np.searchsorted(time, end + margin, side="right")) + 1
        t, v = minmax_decimate(time[first:last], values[first:last], self.max_points)
        trace = self.figure.data[CONCORDANCE_TRACE]
        trace.x, trace.y = t, v
        method = self.params["method"]
        if self.analysis_rate == self._native_rate():
            rate = f"at the signal's {self.analysis_rate:g} Hz"
        else:
            rate = f"computed at {self.analysis_rate:g} Hz"
        self.figure.layout.title = (
            f"{self.channel}: concordance ({method}, {self.params['window']:g} s windows) - "
            f"session index {self.index:.3f} ({rate})"
        )
        self._note()

    def _note(self, heatmap: str = "") -> None:
        """Say under the plot what was computed (and what the heatmap shows)."""
        if hasattr(self, "analysis_note"):
            text = f"{self.analysis} {heatmap}" if heatmap else self.analysis
            self.analysis_note.value = html.escape(text)

    def _native_rate(self) -> float:
        node = self._processed_session()[self.channel].dataset[self.channel]
        return float(node.attrs.get("sampling_rate", np.nan))

    def _draw_heatmap(self) -> None:
        """The 2-D result's heatmap of the view (window x lag, x frequency ...): at most
        one column per pixel, the second dim up."""
        heat = self.figure.data[HEATMAP_TRACE]
        if self.lagged is None:
            if self._heatmap_shown:  # nothing to send on every slider move otherwise
                heat.x, heat.y, heat.z, heat.visible = [], [], [], False
                self._arrange_rows(self.figure, heatmap=False)
                self._heatmap_shown = False
                self._heat_labels = None
            return
        x, y, z, stride = heatmap_cells(self.lagged, self._visible(), self._columns())
        heat.x, heat.y, heat.z = x, y, z
        every = "every window" if stride == 1 else f"every {_ordinal(stride)} window"
        # Its name is not restyled: restyling one trace's name in a batch with other
        # traces' changes sends null names for those, and plotly.js then names them
        # "trace 0" ... in the legend. What the heatmap shows is said under the plot.
        dim = heat_dim(self.lagged)
        shown = HEAT_NAMES.get(dim, dim)
        self._note(f"Heatmap: {every} in view ({len(x)} columns of the {shown}).")
        if not self._heatmap_shown:
            heat.visible = True
            self._arrange_rows(self.figure, heatmap=True)
            self._heatmap_shown = True
        self._label_heatmap()

    def _label_heatmap(self) -> None:
        """The heatmap's axis title, hover text, colour range and colour bar title."""
        heat, array = self.figure.data[HEATMAP_TRACE], self.lagged
        dim, title = heat_dim(array), heat_axis_title(array)
        name = str(array.name or "value")
        if (dim, title, name) == self._heat_labels:
            return
        self._heat_labels = (dim, title, name)
        self.figure.update_yaxes(title_text=title, row=HEATMAP_ROW, col=1)
        unit = title[len(dim) :].strip(" ()")
        where = "%{y}" if unit == "" else f"%{{y:g}} {unit}"
        heat.hovertemplate = f"%{{x:.1f}} s, {dim} {where}: {name} = %{{z:.2f}}<extra></extra>"
        finite = np.asarray(array.values, dtype=np.float64)
        finite = finite[np.isfinite(finite)]
        limit = (
            1.0 if finite.size == 0 or np.abs(finite).max() <= 1 else float(np.abs(finite).max())
        )
        heat.zmin, heat.zmax = -limit, limit
        heat.colorbar.title.text = name

    def _draw_overview(self) -> None:
        """The strip shows the dyad, or a group's chosen pair."""
        time, values = self._signal()
        first, second = (self.persons.index(p) for p in self._pair_persons())
        self.overview.persons = list(self._pair_persons())
        self.overview.set_signals(time - self._origin, values[first], values[second])

    def _on_range(self, layout: Any, *ranges: Any) -> None:
        """An x range of the figure changed: a zoom or pan in the browser, or an echo."""
        for x_range in ranges:
            if x_range is not None and len(x_range) == 2:
                new = (float(x_range[0]), float(x_range[1]))
                if new != self._view:
                    self.set_view(*new)
                    return

    def _on_overview(self, change: Any) -> None:
        """The overview's window moved (dragged, stepped, playing in the browser)."""
        start = self.overview.view_start + self._origin
        end = self.overview.view_end + self._origin
        if (start, end) != self._view:
            self.set_view(start, end)

    def set_view(self, start: float, end: float) -> Explorer:
        """Show the time range [start, end] (seconds), redrawing at full detail.

        Examples
        --------
        >>> import concordlab
        >>> explorer = concordlab.explore(concordlab.example_session(), sidecar=False)
        >>> explorer.set_view(60, 90).figure.layout.xaxis.range
        (60.0, 90.0)
        """
        first, last = time_span(self._session)
        width = min(max(float(end) - float(start), 1e-6), last - first)
        start = min(max(float(start), first), last - width)
        view = (start, start + width)
        if view == self._view:
            return self
        self._view = view  # set first: the echoes below find nothing new and stop
        with self.figure.batch_update():  # one message to the browser
            self.figure.update_xaxes(range=view)
            self._draw_signals()
            if hasattr(self, "result"):
                self._draw_concordance()
                self._draw_heatmap()
            self._label_segments()
        self.overview.set_view(start - self._origin, start + width - self._origin)
        self._view_moved(start)
        return self

    def step_view(self, direction: int = 1, fraction: float = 0.5) -> Explorer:
        """Move the view forward (1) or back (-1) by a fraction of its width.

        Examples
        --------
        >>> import concordlab
        >>> explorer = concordlab.explore(concordlab.example_session(), sidecar=False)
        >>> explorer.set_view(60, 90).step_view(1).figure.layout.xaxis.range
        (75.0, 105.0)
        >>> explorer.overview.view_start, explorer.overview.view_end
        (75.0, 105.0)
        """
        start, end = self._visible()
        shift = direction * fraction * (end - start)
        return self.set_view(start + shift, end + shift)

    # ------------------------------------------------------------------ segments

    def _on_selection(self, trace: Any, points: Any, selector: Any) -> None:
        # A box's own edges when there is a box (the catchers' points are sparse); the
        # points selected otherwise (a lasso).
        xs = list(getattr(selector, "xrange", None) or ()) if selector is not None else []
        if not xs:
            xs = list(points.xs)
        if not xs:
            return
        self._selection = (float(min(xs)), float(max(xs)))
        self._status(
            f"Selected {self._selection[0]:.2f}-{self._selection[1]:.2f} s: type a label and "
            "press 'Add segment'."
        )

    def select(self, start: float, end: float) -> Explorer:
        """Set the pending selection, as a box selection on the plot does."""
        self._selection = (float(min(start, end)), float(max(start, end)))
        return self

    def add_selected_segment(self, label: str, person: str = BOTH, note: str = "") -> Explorer:
        """Turn the pending selection into a segment."""
        if self._selection is None:
            raise ValidationError("Nothing is selected: box-select a time range first.")
        start, end = self._selection
        self.add_segment(start, end, label, person, note)
        self._selection = None
        self._status(f"Added {label!r} at {start:.2f}-{end:.2f} s.")
        self._clear_selection_box()
        return self

    def _clear_selection_box(self) -> None:
        """Remove the dashed box of a box selection, now drawn as a band.

        The browser does not report its selections to Python, so the figure here holds
        none and setting none would send nothing: set a placeholder first, then none.
        """
        self.figure.layout.selections = [{"x0": 0, "x1": 0, "y0": 0, "y1": 0, "opacity": 0}]
        self.figure.layout.selections = ()
        for trace in self.figure.data[2:4]:
            trace.selectedpoints = None

    def _commit(self, session: xr.DataTree) -> None:
        """Keep the change in memory, then in the sidecar (merged with other writers')."""
        failure = None
        if self.store is not None:
            try:
                session = self.store.save(session)
            except ConcordlabError as error:
                failure = ConcordlabError(
                    f"{error} The change is kept in memory only: export the segments "
                    "(export_events) or fix the sidecar's folder before the kernel stops."
                )
        self._session = session
        self._processed = {
            key: set_segments(s, segments(session)) for key, s in self._processed.items()
        }
        self._refresh_segments()
        if failure is not None:
            self._status(str(failure), error=True)
            raise failure

    def add_segment(
        self, start: float, end: float, label: str, person: str = BOTH, note: str = ""
    ) -> Explorer:
        """Add a segment, draw it and save it to the sidecar at once.

        Examples
        --------
        >>> import concordlab
        >>> explorer = concordlab.explore(concordlab.example_session(), sidecar=False)
        >>> n = len(concordlab.segments(explorer.session))
        >>> len(concordlab.segments(explorer.add_segment(30, 40, "rupture").session)) - n
        1
        """
        if not str(label).strip():
            raise ValidationError("Give the segment a label, e.g. 'rupture'.")
        self._commit(add_session_segment(self._session, start, end, str(label), person, note))
        return self

    def remove_segment(self, index: int) -> Explorer:
        """Delete the segment in row ``index`` of the segment table."""
        self._commit(remove_segment(self._session, index))
        return self

    def relabel_segment(
        self, index: int, label: str, person: str | None = None, note: str | None = None
    ) -> Explorer:
        """Change the label (and optionally person and note) of segment ``index``."""
        table = segments(self._session)
        if not 0 <= index < len(table):
            raise ValidationError(f"No segment {index}; there are {len(table)}.")
        table.loc[index, "label"] = label
        if person is not None:
            table.loc[index, "person"] = person
        if note is not None:
            table.loc[index, "note"] = note
        self._commit(set_segments(self._session, table))
        return self

    def jump_to(self, index: int) -> Explorer:
        """Centre the view on segment ``index``."""
        row = segments(self._session).iloc[index]
        start, end = self._visible()
        width = max(end - start, (row["end"] - row["start"]) * 1.5)
        centre = (row["start"] + row["end"]) / 2
        return self.set_view(centre - width / 2, centre + width / 2)

    def add_moments(self, n: int = 3) -> Explorer:
        """Add the ``n`` moments of highest and of lowest concordance as segments."""
        session = self._session
        for kind in ("high", "low"):
            session = add_moments(session, self.result, kind=kind, n=n)
        self._commit(session)
        return self

    def export_events(self, path: str | Path) -> Path:
        """Write the segments to a BIDS-style ``events.tsv``."""
        return write_events_tsv(self._session, path)

    def _refresh_segments(self) -> None:
        """Redraw the segments everywhere after a change to them."""
        table = segments(self._session)
        self._segment_table = table
        self._label_segments()
        self.overview.set_segments(
            table.assign(start=table["start"] - self._origin, end=table["end"] - self._origin)
        )
        if hasattr(self, "segment_list"):
            self.segment_list.options = [
                (f"{i}: {r.start:.1f}-{r.end:.1f} s  {r.label} ({r.person}) {r.note}", i)
                for i, r in enumerate(table.itertuples())
            ]

    def _label_segments(self) -> None:
        """Bands on every panel, one colour and legend entry per kind; a band is labelled
        in place when it is wide enough in the current view to hold its label.

        Only the bands in or near the view are sent (plotly draws every shape it has on
        every update, in view or not): those within 5 % of its width (as the signals).
        """
        table = getattr(self, "_segment_table", None)
        if table is None:
            return
        palette = segment_colours(table)
        start, end = self._visible()
        room = LABEL_ROOM * (end - start)
        reach = SHAPE_REACH * (end - start)
        shapes, named = [], set()
        for row in table.itertuples():
            if row.end < start - reach or row.start > end + reach:
                continue
            kind = (row.label, row.person)
            text = row.label if row.person == BOTH else f"{row.label} ({row.person})"
            visible = min(row.end, end) - max(row.start, start)
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "paper",
                    "x0": row.start,
                    "x1": row.end,
                    "y0": 0,
                    "y1": 1,
                    "fillcolor": palette[kind],
                    "opacity": 0.3,
                    "line": {"width": 0},
                    "layer": "below",
                    "name": text,
                    "showlegend": kind not in named,
                    "legendgroup": text,
                    "label": {
                        "text": text if visible >= room else "",
                        "textposition": "top left",
                        "font": {"size": 10},
                    },
                }
            )
            named.add(kind)
        if self.player is not None:
            shapes.append(self._cursor_shape())
        self.figure.layout.shapes = shapes

    # ------------------------------------------------------------------ controls

    def _build_controls(self) -> None:
        def slider(parameter: Parameter) -> ipw.FloatSlider | ipw.IntSlider:
            low, high, step = parameter.slider or (0.0, 1.0, 0.1)
            # A whole-number parameter (embedding, order ...) refuses floats: an IntSlider.
            kind = ipw.IntSlider if isinstance(parameter.rule, Integer) else ipw.FloatSlider
            return kind(
                value=parameter.default,
                min=low,
                max=high,
                step=step,
                description=parameter.name,
                tooltip=parameter.doc,
                continuous_update=True,
                style={"description_width": "90px"},
            )

        self.controls = {
            "channel": ipw.Dropdown(
                options=channels(self._session), value=self.channel, description="channel"
            ),
            "layout": ipw.ToggleButtons(options=["stacked", "overlay"], value="stacked"),
            "method": ipw.Dropdown(options=list(self.methods), description="method"),
            **{name: slider(parameter) for name, parameter in self.sliders.items()},
            "preprocess": ipw.Dropdown(options=list(PREPROCESSING), description="preprocess"),
        }
        if self.group:  # the person picker: whose concordance the line shows
            self.controls["pair"] = ipw.Dropdown(
                options=[(label.replace(PAIR_JOIN, " ~ "), label) for label in self.pairs],
                value=self.pair,
                description="pair",
                tooltip="the pair whose concordance the line shows (the heatmap shows all)",
            )
        for name, control in self.controls.items():
            control.observe(self._control_changed(name), names="value")
        self.status = ipw.HTML()
        # What was computed and what is drawn (the analysis rate, the lags): never silent.
        self.analysis_note = ipw.HTML(html.escape(self.analysis))
        self.label_box = ipw.Combobox(placeholder="label", options=["talk", "rupture", "repair"])
        self.person_box = ipw.Dropdown(
            options=[ALL if self.group else BOTH, *self.persons],
            value=ALL if self.group else BOTH,
        )
        self.note_box = ipw.Text(placeholder="note")
        self.segment_list = ipw.Select(options=[], rows=6, layout={"width": "100%"})
        buttons = {
            "Add segment": lambda: self.add_selected_segment(
                self.label_box.value, self.person_box.value, self.note_box.value
            ),
            "Relabel": lambda: self.relabel_segment(
                self._chosen(), self.label_box.value, self.person_box.value, self.note_box.value
            ),
            "Delete": lambda: self.remove_segment(self._chosen()),
            "Jump to": lambda: self.jump_to(self._chosen()),
            "Add high/low moments": lambda: self.add_moments(),
        }
        if self.player is not None:
            buttons["▶ Play"] = lambda: self.play_segment(self._chosen())
        self.buttons = {}
        for text, action in buttons.items():
            button = ipw.Button(description=text, layout={"width": "auto"})
            button.on_click(self._guarded(action))
            self.buttons[text] = button
        self.video_box = self._video_controls()

    def _chosen(self) -> int:
        if self.segment_list.value is None:
            raise ValidationError("Choose a segment in the list first.")
        return int(self.segment_list.value)

    def _guarded(self, action: Callable[[], Any]) -> Callable[[Any], None]:
        def run(_: Any) -> None:
            try:
                action()
            except ConcordlabError as error:
                self._status(str(error), error=True)

        return run

    def _control_changed(self, name: str) -> Callable[[dict], None]:
        def changed(change: dict) -> None:
            if self._updating_controls:
                return
            try:
                self.set_params(**{name: change["new"]})
            except ConcordlabError as error:
                self._status(str(error), error=True)
                self._sync_controls()

        return changed

    def _sync_controls(self) -> None:
        if not hasattr(self, "controls"):
            return
        self._updating_controls = True
        try:
            own = {"channel": self.channel, "pair": self.pair}
            for name, control in self.controls.items():
                value = own[name] if name in own else self.params[name]
                if control.value != value:
                    control.value = value
            measure = get_measure(self.params["method"])
            taken = {p.name for p in measure.parameters}
            for name in self.sliders:
                self.controls[name].continuous_update = measure.fast
                self.controls[name].disabled = name not in taken
            self.controls["layout"].disabled = self.group
            if "pair" in self.controls:  # a group measure has no pairs to choose from
                self.controls["pair"].disabled = bool(getattr(measure, "group", False))
        finally:
            self._updating_controls = False

    def _status(self, text: str, *, error: bool = False) -> None:
        """Show plain ``text`` (escaped: labels and messages are never HTML)."""
        shown = html.escape(text)
        self.status.value = f"<span style='color:#b00'>{shown}</span>" if error else shown

    @property
    def widget(self) -> ipw.Widget:
        """The whole explorer as one ipywidgets box."""
        if not hasattr(self, "_widget"):
            c, b = self.controls, self.buttons
            parameters = ipw.VBox(
                [
                    ipw.HBox(
                        [c["channel"], c["method"], c["preprocess"]]
                        + ([c["pair"]] if "pair" in c else [])
                    ),
                    c["layout"],
                    *(
                        ipw.HBox([c[name] for name in list(self.sliders)[i : i + 2]])
                        for i in range(0, len(self.sliders), 2)
                    ),
                ]
            )
            marking = ipw.VBox(
                [
                    ipw.HBox([self.label_box, self.person_box, self.note_box, b["Add segment"]]),
                    self.segment_list,
                    ipw.HBox(
                        [b["Relabel"], b["Delete"], b["Jump to"], b["Add high/low moments"]]
                        + ([b["▶ Play"]] if "▶ Play" in b else [])
                    ),
                ]
            )
            self._widget = ipw.VBox(
                [
                    parameters,
                    *([self.video_box] if self.video_box is not None else []),
                    self.overview,
                    self.figure,
                    self.analysis_note,
                    marking,
                    self.status,
                ]
            )
        return self._widget

    def _repr_mimebundle_(self, **kwargs: Any) -> dict | None:
        return self.widget._repr_mimebundle_(**kwargs)
