"""Strict parameters at every boundary of concordlab.compute: only ConcordlabError escapes."""

import math

import numpy as np
import pytest
import xarray as xr

import concordlab
from concordlab import ConcordlabError, ValidationError
from concordlab.compute import slopes, surrogates

WRONG = ["15", True, None, [15], 15j, math.nan, math.inf, -math.inf, 1e308, -1.0, 10**30]


@pytest.fixture(scope="module")
def eda():
    return concordlab.simulate_dyad(duration=60, seed=1, channels="eda", turns=False)


@pytest.fixture(scope="module")
def talk():
    return concordlab.simulate_dyad(duration=60, seed=1)


@pytest.fixture(scope="module")
def series(eda):
    return concordlab.concordance(eda)


@pytest.fixture(scope="module")
def cross(eda):
    return concordlab.wlcc(eda, window=10, step=5, max_lag=2)


@pytest.fixture(scope="module")
def cohort():
    return concordlab.simulate_cohort(3, duration=60, channels="eda", seed=1)


def _constant(session):
    return 1.0 if "surrogate" in concordlab.metadata(session) else 2.0


CALLS = {
    "concordance": (
        lambda f, **k: concordlab.concordance(f["eda"], **k),
        ["window", "step", "slope_window", "max_lag", "lag_step", "min_valid", "method"],
    ),
    "concordance_wlcc_peak": (
        lambda f, **k: concordlab.concordance(f["eda"], method="wlcc_peak", **k),
        ["window", "step", "max_lag", "lag_step", "peak_search", "channel"],
    ),
    "concordance_determinism": (
        lambda f, **k: concordlab.concordance(f["eda"], method="determinism", **k),
        ["window", "step", "embedding", "delay", "radius", "min_line", "min_valid"],
    ),
    "concordance_recurrence_profile": (
        lambda f, **k: concordlab.concordance(f["eda"], method="recurrence_profile", **k),
        ["max_lag", "lag_step", "embedding", "delay", "radius"],
    ),
    "wlcc": (
        lambda f, **k: concordlab.wlcc(f["eda"], **{"window": 10, "step": 5, "max_lag": 2, **k}),
        ["window", "step", "max_lag", "lag_step", "fisher_z", "absolute", "min_valid"],
    ),
    "wlcc_peaks": (
        lambda f, **k: concordlab.wlcc_peaks(f["cross"], **k),
        ["search", "neighbourhood", "smooth"],
    ),
    "moments": (
        lambda f, **k: concordlab.moments(f["series"], **k),
        ["kind", "n", "duration", "min_gap", "label"],
    ),
    "add_moments": (
        lambda f, **k: concordlab.add_moments(f["eda"], f["series"], **k),
        ["kind", "n", "duration", "min_gap", "label"],
    ),
    "by_segment": (
        lambda f, **k: concordlab.by_segment(f["talk"], concordlab.concordance(f["talk"]), **k),
        ["n_boot", "confidence", "seed"],
    ),
    "slopes": (
        lambda f, **k: slopes(
            **{"values": np.arange(20.0), "sampling_rate": 2.0, "window": 5, **k}
        ),
        ["values", "sampling_rate", "window", "min_valid"],
    ),
    "circular_shift": (
        lambda f, **k: concordlab.circular_shift(f["eda"], **k),
        ["seed", "min_shift", "channels", "person"],
    ),
    "segment_shuffle": (
        lambda f, **k: concordlab.segment_shuffle(f["eda"], **{"segment_length": 10, **k}),
        ["segment_length", "seed", "channels", "person"],
    ),
    "pseudo_dyads": (
        lambda f, **k: concordlab.pseudo_dyads(f["cohort"], **k),
        ["keep_roles", "channels", "n_surrogates", "seed"],
    ),
    "surrogate_test": (
        lambda f, **k: concordlab.surrogate_test(f["eda"], _constant, **{"n_surrogates": 3, **k}),
        ["n_surrogates", "seed", "alternative", "progress", "method", "min_shift"],
    ),
}
# Values that are valid for a parameter (None is a default for many).
VALID = [
    ("lag_step", None),
    ("delay", None),
    ("peak_search", None),
    ("duration", None),
    ("label", None),
    ("label", "15"),
    ("seed", None),
    ("min_shift", None),
    ("channel", None),
    ("channels", None),
    ("person", None),
    ("n", None),
    ("n_surrogates", None),
    ("progress", None),
    ("progress", True),
    ("fisher_z", True),
    ("absolute", True),
    ("search", None),
    ("neighbourhood", None),
    ("keep_roles", True),
    ("seed", 10**30),
    ("values", [15]),
]


def _valid(parameter, value):
    return any(p == parameter and type(v) is type(value) and v == value for p, v in VALID)


def _cases():
    for function, (_, parameters) in CALLS.items():
        for parameter in parameters:
            for value in WRONG:
                if not _valid(parameter, value):
                    yield pytest.param(function, parameter, value, id=f"{function}-{parameter}")


@pytest.mark.parametrize(("function", "parameter", "value"), list(_cases()))
def test_bad_parameters_raise_only_concordlab_errors(
    eda, talk, series, cross, cohort, function, parameter, value
):
    fixtures = {"eda": eda, "talk": talk, "series": series, "cross": cross, "cohort": cohort}
    call, _ = CALLS[function]
    with pytest.raises(ConcordlabError):
        call(fixtures, **{parameter: value})


NOT_SESSIONS = [None, {}, xr.Dataset(), xr.DataTree(), "session.nc", 1]


@pytest.mark.parametrize("value", NOT_SESSIONS, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize(
    "call",
    [
        lambda s: concordlab.concordance(s),
        lambda s: concordlab.wlcc(s, window=10, step=5, max_lag=2),
        lambda s: concordlab.circular_shift(s, seed=0),
        lambda s: concordlab.segment_shuffle(s, 10, seed=0),
        lambda s: concordlab.surrogate_test(s, _constant, n_surrogates=2, seed=0),
        lambda s: concordlab.add_moments(s, xr.DataArray([0.1], dims="time")),
    ],
    ids=["concordance", "wlcc", "circular_shift", "segment_shuffle", "surrogate_test", "moments"],
)
def test_not_a_session_is_a_validation_error(call, value):
    with pytest.raises(ValidationError):
        call(value)


def test_by_segment_needs_a_session(series):
    for value in NOT_SESSIONS:
        with pytest.raises(ValidationError):
            concordlab.by_segment(value, series)


def test_huge_window_states_the_session_length(eda):
    # Was an OverflowError (case 1).
    with pytest.raises(ValidationError, match=r"window must be a real number.*at most 1e\+09"):
        concordlab.concordance(eda, window=1e308)
    with pytest.raises(ValidationError, match=r"longer than the series \(60 s.*at most 60 s"):
        concordlab.concordance(eda, window=1e6)
    with pytest.raises(ValidationError, match=r"step=0 s is shorter than 1 sample"):
        concordlab.concordance(eda, step=0)
    with pytest.raises(ValidationError, match=r"longer than the series \(60 s"):
        concordlab.concordance(eda, step=61)
    with pytest.raises(ValidationError, match=r"slope_window=.*longer than the series"):
        concordlab.concordance(eda, slope_window=600)


def test_huge_lag_is_refused_before_allocating(eda):
    # Was a 29.8 GiB allocation (MemoryError) at max_lag=1e9 (case 2).
    with pytest.raises(ValidationError, match=r"max_lag=1e\+09 s is longer than the series"):
        concordlab.wlcc(eda, window=10, step=5, max_lag=1e9)
    with pytest.raises(ValidationError, match=r"window \+ max_lag at most 60 s"):
        concordlab.wlcc(eda, window=30, step=5, max_lag=40)
    with pytest.raises(ValidationError, match=r"more than the 16,777,216 one result may hold"):
        concordlab.wlcc(
            concordlab.simulate_dyad(duration=1800, seed=1, channels="eda", turns=False),
            window=60,
            step=0.03125,
            max_lag=300,
        )


def test_peak_widths_must_fit_the_lag_range(cross):
    with pytest.raises(ValidationError, match="wider than the result's lag range"):
        concordlab.wlcc_peaks(cross, smooth=1e6)
    with pytest.raises(ValidationError, match="wider than the result's lag range"):
        concordlab.wlcc_peaks(cross, neighbourhood=100)


def test_a_failing_statistic_names_the_draw_and_the_surrogate(eda, cohort):
    def fails_on_surrogates(session):
        if "surrogate" in concordlab.metadata(session):
            raise ZeroDivisionError("boom")
        return 1.0

    with pytest.raises(ValidationError, match=r"surrogate draw 0 .*linear shift of -15 s") as info:
        concordlab.surrogate_test(eda, fails_on_surrogates, n_surrogates=3, seed=0)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert "ZeroDivisionError: boom" in str(info.value)
    with (
        pytest.warns(UserWarning, match="circular_shift may not hold"),
        pytest.raises(ValidationError, match=r"surrogate draw 0 .*circular shift of"),
    ):
        concordlab.surrogate_test(
            eda, fails_on_surrogates, method="circular_shift", n_surrogates=3, seed=0
        )

    with pytest.raises(ValidationError, match=r"surrogate draw 0 .*segment order"):
        concordlab.surrogate_test(
            eda,
            fails_on_surrogates,
            method="segment_shuffle",
            segment_length=10,
            n_surrogates=3,
            seed=0,
        )
    with pytest.raises(ValidationError, match=r"surrogate draw [1-9]\d* .*pseudo-dyad 'dyad-0"):
        concordlab.surrogate_test(
            cohort, fails_on_surrogates, method="pseudo_dyads", n_surrogates=3, seed=0
        )
    with pytest.raises(ValidationError, match="on the real data") as info:
        concordlab.surrogate_test(eda, lambda s: 1 / 0, n_surrogates=3, seed=0)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    with pytest.raises(ValidationError, match="on the real dyad 'dyad-01'"):
        concordlab.surrogate_test(cohort, lambda s: 1 / 0, method="pseudo_dyads", n_surrogates=3)


def test_infinite_statistics_never_give_a_p_value(eda, cohort):
    # An infinite statistic used to give p = 1 / (n + 1) (case 4).
    with pytest.raises(ValidationError, match="returned inf on the real data"):
        concordlab.surrogate_test(eda, lambda s: math.inf, n_surrogates=3, seed=0)

    def infinite_pseudo(session):
        return math.inf if "surrogate" in concordlab.metadata(session) else 1.0

    with pytest.raises(
        ValidationError, match=r"returned inf on surrogate draw [1-9]\d* .*pseudo-dyad"
    ):
        concordlab.surrogate_test(
            cohort, infinite_pseudo, method="pseudo_dyads", n_surrogates=3, seed=0
        )
    with pytest.raises(ValidationError, match="NaN .undefined. on every one of the 3 real"):
        concordlab.surrogate_test(cohort, lambda s: math.nan, method="pseudo_dyads", n_surrogates=3)
    with pytest.raises(ValidationError, match="must return one number"):
        concordlab.surrogate_test(eda, lambda s: 1 + 2j, n_surrogates=3, seed=0)


def test_data_array_input_is_checked():
    text = xr.DataArray(np.full((2, 10), "a"), dims=("person", "time"))
    with pytest.raises(ValidationError, match="real numbers"):
        concordlab.concordance(text)
    odd = xr.DataArray(np.zeros((2, 10)), dims=("person", "time"), attrs={"sampling_rate": -1})
    with pytest.raises(ValidationError, match="sampling_rate"):
        concordlab.concordance(odd)


def test_valid_input_is_unchanged(eda):
    # The stricter checks must not change numbers for valid input.
    r = concordlab.wlcc(eda, window=10, step=5, max_lag=2, lag_step=0.5)
    assert r.sizes["lag"] == 9 and r.attrs["max_lag"] == 2.0
    assert surrogates.DEFAULT_MIN_SHIFT == 30.0
