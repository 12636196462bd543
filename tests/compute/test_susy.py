"""SUSY (Tschacher & Meier 2020): a line-by-line transliteration of the R package's loops
on the real rMEA dyads, closed-form cases, properties and simulated truth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import concordlab
from concordlab.datasets import rmea_files

DYADS = 3  # real rMEA dyads checked against the naive implementation


def naive_susy(a: np.ndarray, b: np.ndarray, length: int, max_lag: int, absolute: bool) -> dict:
    """SUSY 0.1.0's ``susy()`` (all surrogates), written after its R loops.

    R's ``ccf(a, b)`` at lag k is the mean over the overlap of
    ``(a[t + k] - mean a)(b[t] - mean b)`` divided by the segment length and both
    population sds; its index 1..maxlag (negative R lags) is SUSY's ``lead1``. Constant
    segments are left out, as concordlab documents (SUSY adds zero for them).
    """
    n = round(a.size / length - 0.499999)
    segments_a = [a[i * length : (i + 1) * length] for i in range(n)]
    segments_b = [b[i * length : (i + 1) * length] for i in range(n)]

    def ccf(x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
        x, y = x - x.mean(), y - y.mean()
        scale = math.sqrt((x * x).mean() * (y * y).mean())
        if scale == 0:
            return None
        out = []
        for k in range(-max_lag, max_lag + 1):
            if k >= 0:
                total = float(np.dot(x[k:], y[: length - k]))
            else:
                total = float(np.dot(x[: length + k], y[-k:]))
            out.append(total / length / scale)
        return np.array(out)

    real, pseudo = np.zeros(2 * max_lag + 1), np.zeros(2 * max_lag + 1)
    n_real = n_pseudo = 0
    for i in range(n):
        for h in range(n):
            r = ccf(segments_a[i], segments_b[h])
            if r is None:
                continue
            z = np.clip(np.arctanh(np.clip(r, -1, 1)), -10, 10)
            z = np.abs(z) if absolute else z
            if i == h:
                real += z
                n_real += 1
            else:
                pseudo += z
                n_pseudo += 1
    real, pseudo = real / n_real, pseudo / n_pseudo

    def es(chosen: slice) -> float:
        return (real[chosen].mean() - pseudo[chosen].mean()) / np.std(pseudo[chosen], ddof=1)

    lead1, lead2 = slice(0, max_lag), slice(max_lag + 1, 2 * max_lag + 1)
    return {
        "z": real.mean(),
        "surrogate_z": pseudo.mean(),
        "effect_size": es(slice(None)),
        "effect_size_first_leads": es(lead1),
        "effect_size_second_leads": es(lead2),
        "percent_above": 100.0 * np.mean(real > pseudo),
        "n_segments": n_real,
        "n_surrogates": n_pseudo,
        # R's lags run -max_lag..max_lag as cor(a[t + k], b[t]): concordlab's lag is -k.
        "real_z_lag": real[::-1],
        "surrogate_z_lag": pseudo[::-1],
    }


@pytest.fixture(scope="module")
def dyads():
    return [
        concordlab.read_csv(path, sampling_rate=25, channel="motion")
        for path in rmea_files("all")[:DYADS]
    ]


@pytest.mark.parametrize("absolute", [False, True])
def test_equals_the_r_loops_on_real_rmea_dyads(dyads, absolute):
    worst = 0.0
    for session in dyads:
        values = session["motion"]["motion"].values
        expected = naive_susy(values[0], values[1], 30 * 25, 3 * 25, absolute)
        result = concordlab.susy(session, segment_length=30, max_lag=3, absolute=absolute)
        for name, value in expected.items():
            got = result[name].values
            assert got.shape == np.shape(value), name
            worst = max(worst, float(np.max(np.abs(got - value))))
            np.testing.assert_allclose(got, value, rtol=1e-9, atol=1e-9, err_msg=name)
    assert worst < 1e-9


def test_per_segment_values_average_to_the_session_values(dyads):
    session = dyads[0]
    per_segment = concordlab.concordance(session, method="susy", max_lag=3)
    result = concordlab.susy(session, max_lag=3)
    # Every segment is usable here: the per-segment means average to the session's.
    assert int(result["n_segments"]) == per_segment.sizes["time"]
    np.testing.assert_allclose(float(per_segment["real_z"].mean()), float(result["z"]))
    np.testing.assert_allclose(
        float(per_segment["surrogate_z"].mean()), float(result["surrogate_z"]), rtol=1e-12
    )
    np.testing.assert_allclose(
        per_segment.values, per_segment["real_z"] - per_segment["surrogate_z"]
    )
    again = concordlab.concordance(session, **concordlab.compute.result.reproduce(per_segment))
    assert again.identical(per_segment)


def _dyad(first: np.ndarray, second: np.ndarray, rate: float = 10.0):
    return concordlab.from_arrays({"signal": np.stack([first, second])}, sampling_rate=rate)


def test_identical_signals_give_clipped_z_at_lag_zero():
    x = np.random.default_rng(0).standard_normal(3000)
    result = concordlab.susy(_dyad(x, x), segment_length=20, max_lag=1)
    assert float(result["real_z_lag"].sel(lag=0.0)) == 10.0
    assert abs(float(result["surrogate_z_lag"].sel(lag=0.0))) < 0.1
    assert float(result["effect_size"]) > 10


def test_a_pure_lag_peaks_at_that_lag_with_the_right_sign():
    x = np.random.default_rng(1).standard_normal(3000)
    follower = np.roll(x, 5)  # the second person follows by 5 samples = 0.5 s
    result = concordlab.susy(_dyad(x, follower), segment_length=20, max_lag=1)
    assert float(result["real_z_lag"].idxmax("lag")) == 0.5
    assert float(result["effect_size_first_leads"]) > float(result["effect_size_second_leads"])


def test_independent_noise_has_no_synchrony():
    rng = np.random.default_rng(2)
    result = concordlab.susy(
        _dyad(rng.standard_normal(6000), rng.standard_normal(6000)), segment_length=20
    )
    # 30 segments of 200 samples: the mean z of 30 segments x 61 lags is near 0.
    assert abs(float(result["z"])) < 0.05
    assert abs(float(result["surrogate_z"])) < 0.05


def test_invariant_to_offset_and_scale_and_mirrored_by_swapping_persons():
    session = concordlab.simulate_dyad(300, coupling=0.8, turns=False, seed=5, channels=("eda",))
    values = session["eda"]["eda"].values
    base = concordlab.susy(session, segment_length=30)
    moved = concordlab.susy(_dyad(3 * values[0] + 7, 0.5 * values[1] - 2, 32.0), segment_length=30)
    for name in ("z", "surrogate_z", "effect_size", "real_z_lag"):
        np.testing.assert_allclose(moved[name].values, base[name].values, rtol=1e-9, atol=1e-12)
    swapped = concordlab.susy(_dyad(values[1], values[0], 32.0), segment_length=30)
    np.testing.assert_allclose(swapped["real_z_lag"].values, base["real_z_lag"].values[::-1])
    np.testing.assert_allclose(float(swapped["z"]), float(base["z"]))
    np.testing.assert_allclose(
        float(swapped["effect_size_first_leads"]), float(base["effect_size_second_leads"])
    )


def test_a_segment_with_missing_data_is_nan_and_left_out():
    session = concordlab.simulate_dyad(300, coupling=0.8, turns=False, seed=6, channels=("eda",))
    values = session["eda"]["eda"].values.copy()
    values[1, 32 * 65] = np.nan  # inside the third 30 s segment
    gappy = _dyad(values[0], values[1], 32.0)
    per_segment = concordlab.concordance(gappy, method="susy")
    assert np.isnan(per_segment.values[2]) and np.isfinite(np.delete(per_segment.values, 2)).all()
    result = concordlab.susy(gappy)
    # 9 complete segment pairs; surrogates: 10 first-person segments x 9 complete
    # second-person segments, less the 9 matching pairs.
    assert int(result["n_segments"]) == 9 and int(result["n_surrogates"]) == 10 * 9 - 9
    assert np.isfinite(float(result["effect_size"]))


def test_parameters_that_do_not_fit_are_refused():
    session = concordlab.simulate_dyad(100, seed=1, channels=("eda",))
    with pytest.raises(concordlab.ValidationError, match="twice max_lag"):
        concordlab.susy(session, segment_length=10, max_lag=6)
    with pytest.raises(concordlab.ValidationError, match="fewer than two segments"):
        concordlab.susy(session, segment_length=60)


def test_ranks_coupled_above_uncoupled_and_finds_the_leader():
    coupled, alone, leads = [], [], 0
    for seed in range(12):
        session = concordlab.simulate_dyad(
            600, coupling=0.5, lag=2.0, turns=False, seed=seed, channels=("eda",)
        )
        strangers = concordlab.simulate_dyad(
            600, coupling=0.0, turns=False, seed=seed + 100, channels=("eda",)
        )
        real = concordlab.susy(session, max_lag=4)
        coupled.append(float(real["effect_size"]))
        alone.append(float(concordlab.susy(strangers, max_lag=4)["effect_size"]))
        # The first person leads by 2 s: SUSY's Z(lead1) (lags > 0) above Z(lead2).
        leads += float(real["z_first_leads"]) > float(real["z_second_leads"])
    # The probability that a coupled dyad's effect size beats an uncoupled one's (AUC).
    auc = np.mean(np.array(coupled)[:, None] > np.array(alone)[None, :])
    assert auc >= 0.85
    assert leads >= 11


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    scale=st.tuples(st.floats(0.01, 100), st.floats(0.01, 100)),
    offset=st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)),
)
def test_any_positive_rescaling_leaves_susy_unchanged(seed, scale, offset):
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.standard_normal((2, 600)), axis=1)
    base = concordlab.susy(_dyad(x[0], x[1]), segment_length=10, max_lag=1)
    moved = concordlab.susy(
        _dyad(scale[0] * x[0] + offset[0], scale[1] * x[1] + offset[1]),
        segment_length=10,
        max_lag=1,
    )
    for name in ("z", "surrogate_z", "real_z_lag", "segment_z"):
        np.testing.assert_allclose(moved[name].values, base[name].values, rtol=1e-6, atol=1e-9)
