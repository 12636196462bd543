"""Strict parameters in stats, preprocess, simulate and plots: only ConcordlabError escapes."""

import math

import numpy as np
import pytest

import concordlab
from concordlab import ConcordlabError, plots, preprocess, stats
from concordlab.simulate import bateman_kernel

WRONG = ["4", True, None, [4], 4j, math.nan, math.inf, -math.inf, 1e308, -1.0, 10**30]
X = np.arange(20.0)
Y = X + np.random.default_rng(0).normal(size=20)
FEW = {"n_boot": 200, "n_permutations": 200}

CALLS = {
    "correlate": (
        lambda s, **k: stats.correlate(X, Y, **{**FEW, **k}),
        ["n_boot", "n_permutations", "confidence", "alternative"],
    ),
    "compare_paired": (
        lambda s, **k: stats.compare_paired(X, Y, **{**FEW, **k}),
        ["n_boot", "n_permutations", "confidence", "alternative"],
    ),
    "compare_groups": (
        lambda s, **k: stats.compare_groups(X, ["a"] * 10 + ["b"] * 10, **{**FEW, **k}),
        ["n_boot", "n_permutations", "confidence", "alternative"],
    ),
    "downsample": (lambda s, **k: preprocess.downsample(s, **k), ["factor", "sampling_rate"]),
    "lowpass": (
        lambda s, **k: preprocess.lowpass(s, **{"cutoff": 1, **k}),
        ["cutoff", "order"],
    ),
    "smooth": (lambda s, **k: preprocess.smooth(s, **{"window": 2, **k}), ["window"]),
    "eda_components": (lambda s, **k: preprocess.eda_components(s, **k), ["cutoff", "window"]),
    "mask_artefacts": (lambda s, **k: preprocess.mask_artefacts(s, **k), ["pad"]),
    "bateman_kernel": (
        lambda s, **k: bateman_kernel(**{"sampling_rate": 4, **k}),
        ["sampling_rate", "tau_rise", "tau_decay"],
    ),
    "simulate_dyad": (
        lambda s, **k: concordlab.simulate_dyad(**{"duration": 30, "seed": 1, **k}),
        ["duration", "lag", "sampling_rate", "mean_turn", "hr_sampling_rate", "persons"],
    ),
    "simulate_cohort": (
        lambda s, **k: concordlab.simulate_cohort(**{"n": 2, "duration": 30, **k}),
        ["n", "duration"],
    ),
    "minmax_decimate": (
        lambda s, **k: plots.minmax_decimate(
            **{"time": np.arange(10.0), "values": np.arange(10.0), **k}
        ),
        ["values", "max_points"],
    ),
    "plot_session": (
        lambda s, **k: plots.plot_session(s, **k),
        ["channels", "show_segments", "max_points"],
    ),
}
VALID = [("channels", None), ("show_segments", True), ("values", [4]), ("lag", -1.0)]


def _valid(parameter, value):
    return any(p == parameter and type(v) is type(value) and v == value for p, v in VALID)


def _cases():
    for function, (_, parameters) in CALLS.items():
        for parameter in parameters:
            for value in WRONG:
                if not _valid(parameter, value):
                    yield pytest.param(function, parameter, value, id=f"{function}-{parameter}")


@pytest.fixture(scope="module")
def session():
    return concordlab.simulate_dyad(duration=60, seed=1)


@pytest.mark.parametrize(("function", "parameter", "value"), list(_cases()))
def test_bad_parameters_raise_only_concordlab_errors(session, function, parameter, value):
    call, _ = CALLS[function]
    with pytest.raises(ConcordlabError):
        call(session, **{parameter: value})


def test_huge_counts_are_refused_not_run():
    # n_boot=10**30 used to run without end; a huge duration exhausted memory.
    with pytest.raises(concordlab.ValidationError, match="at most 1e\\+06"):
        stats.correlate(X, Y, n_boot=10**12)
    with pytest.raises(concordlab.ValidationError, match="more than the 67,108,864"):
        concordlab.simulate_dyad(duration=1e8)
    with pytest.raises(concordlab.ValidationError, match="mean_turn"):
        concordlab.simulate_dyad(duration=30, mean_turn=1e-300)


@pytest.mark.parametrize("value", [None, {}, "session"], ids=lambda v: type(v).__name__)
def test_not_a_session(value):
    for call in (preprocess.standardise, preprocess.detrend, plots.plot_session):
        with pytest.raises(concordlab.ValidationError):
            call(value)
