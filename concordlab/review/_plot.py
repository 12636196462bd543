"""The figure of :meth:`concordlab.review.Ratings.plot`: sessions' and observers' means."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from concordlab.plots import plot_paired
from concordlab.stats.results import PairedComparison

__all__ = ["plot_ratings"]


def plot_ratings(
    result: PairedComparison,
    means: pd.Series,
    rating: str,
    scale: tuple[int, int],
    kinds: tuple[str, str],
) -> go.Figure:
    """Left: :func:`concordlab.plots.plot_paired` of ``result`` over sessions; right: each
    observer's mean of the two ``kinds`` (``means`` indexed by (kind, observer)).

    Examples
    --------
    >>> from concordlab.stats import compare_paired
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     result = compare_paired(pd.Series([1, 2, 2.5], ["a", "b", "c"], name="low"),
    ...                             pd.Series([3, 3, 4.0], ["a", "b", "c"], name="high"),
    ...                             n_boot=0, seed=0)
    >>> means = pd.Series([1.5, 3.5], pd.MultiIndex.from_tuples([("low", "ana"),
    ...                                                          ("high", "ana")]))
    >>> [t.name for t in plot_ratings(result, means, "valence", (1, 7), ("low", "high")).data]
    ['sessions', 'mean', 'ana']
    """
    paired = plot_paired(result)
    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        shared_yaxes=True,
        subplot_titles=("sessions (mean of observers and clips)", "observers (mean of clips)"),
    )
    for trace in paired.data:
        if trace.name == "dyads":
            trace.name = "sessions"
        figure.add_trace(trace, row=1, col=1)
    observers = list(dict.fromkeys(means.index.get_level_values(1)))
    palette = qualitative.Dark2
    for i, observer in enumerate(observers):
        values = [means.get((kind, observer), float("nan")) for kind in kinds]
        figure.add_trace(
            go.Scatter(
                x=list(kinds),
                y=[float(v) for v in values],
                mode="lines+markers",
                name=str(observer),
                line={"color": palette[i % len(palette)]},
                hovertemplate=f"{observer}: %{{y:.3g}}<extra>%{{x}}</extra>",
            ),
            row=1,
            col=2,
        )
    title = paired.layout.title.text.replace("dyads", "sessions").replace("dyad", "session")
    pad = 0.05 * (scale[1] - scale[0])
    figure.update_layout(
        title=f"{rating}: {title}",
        height=paired.layout.height,
        margin=paired.layout.margin,
        template="plotly_white",
        legend={"orientation": "h", "y": -0.15},
    )
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=list(kinds))
    figure.update_yaxes(range=[scale[0] - pad, scale[1] + pad], title_text=rating, col=1)
    return figure
