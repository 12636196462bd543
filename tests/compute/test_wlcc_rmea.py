"""wlcc equals rMEA 1.3.0's MEAccf cell for cell on the 10 real normal dyads."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import concordlab
from concordlab.compute import kernel

REFERENCE = Path(__file__).parent.parent / "data" / "rmea-reference"
CELLS = REFERENCE / "A_raw_pearson_lag5_win30_inc10"
DYADS = [f"{n}_01" for n in range(200, 210)]


def reference_name(dyad: str) -> str:
    return f"normal_{dyad.split('_')[0]}_1"


@pytest.fixture(scope="module", params=["compiled", "numpy"])
def results(data_dir, request):
    """wlcc of every dyad, on the compiled (numba) and on the pure-numpy path."""
    if request.param == "compiled":
        pytest.importorskip("numba")
    saved = kernel.use_numba
    kernel.use_numba = request.param == "compiled"
    try:
        out = {}
        for dyad in DYADS:
            session = concordlab.read_csv(
                data_dir / "rmea-psychotherapy" / "normal" / f"{dyad}.txt",
                sampling_rate=25,
                channel="motion",
            )
            out[dyad] = concordlab.wlcc(session, window=30, step=10, max_lag=5)
    finally:
        kernel.use_numba = saved
    return out


@pytest.mark.parametrize("dyad", DYADS)
def test_every_cell_matches_rmea(results, dyad):
    expected = pd.read_csv(CELLS / f"{reference_name(dyad)}_ccf.csv", index_col=0)
    result = results[dyad]
    assert result.shape == expected.shape == (57, 251)
    lags = [float(c.removeprefix("lag")) for c in expected.columns]
    np.testing.assert_allclose(result["lag"].values, lags, atol=1e-12)
    np.testing.assert_array_equal(np.isnan(result.values), np.isnan(expected.values))
    np.testing.assert_allclose(result.values, expected.values, rtol=0, atol=1e-9, equal_nan=True)


def seconds(clock: pd.Series) -> np.ndarray:
    return pd.to_timedelta(clock).dt.total_seconds().to_numpy()


@pytest.mark.parametrize("dyad", DYADS)
def test_per_window_summaries_match_rmea(results, dyad):
    expected = pd.read_csv(CELLS / f"{reference_name(dyad)}_ccfRes_perwindow.csv")
    summary = concordlab.wlcc_summary(results[dyad])
    np.testing.assert_allclose(summary["window_start"].values, seconds(expected["start"]))
    np.testing.assert_allclose(summary["window_end"].values, seconds(expected["end"]))
    pairs = {
        "lag_zero": "lag_zero",
        "all_lags": "all_lags",
        "first_leads": "s1_lead",
        "second_leads": "s2_lead",
        "first_leads_0": "s1_lead_0",
        "second_leads_0": "s2_lead_0",
        "best_lag": "bestLag",
    }
    for ours, theirs in pairs.items():
        np.testing.assert_allclose(
            summary[ours].values,
            expected[theirs].values,
            rtol=0,
            atol=1e-9,
            equal_nan=True,
            err_msg=ours,
        )


def test_session_summaries_match_rmea(results):
    expected = pd.read_csv(REFERENCE / "A_raw_pearson_lag5_win30_inc10_summary.csv")
    for row in expected.itertuples():
        dyad = f"{row.dyad.split('_')[1]}_01"
        summary = concordlab.wlcc_summary(results[dyad])
        assert summary.sizes["time"] == row.n_win
        assert results[dyad].sizes["lag"] == row.n_lags
        assert float(summary["grand_mean"]) == pytest.approx(row.grandAver, abs=1e-9)
        assert float(summary["mean_lag_zero"]) == pytest.approx(row.mean_lag_zero, abs=1e-9)
        assert float(summary["all_lags"].mean()) == pytest.approx(row.mean_all_lags, abs=1e-9)


def test_fisher_z_and_absolute_follow_rmea_rules(results, data_dir):
    session = concordlab.read_csv(
        data_dir / "rmea-psychotherapy" / "normal" / "200_01.txt",
        sampling_rate=25,
        channel="motion",
    )
    r = results["200_01"]
    z = concordlab.wlcc(session, window=30, step=10, max_lag=5, fisher_z=True)
    absolute = concordlab.wlcc(session, window=30, step=10, max_lag=5, fisher_z=True, absolute=True)
    expected_z = np.clip(np.arctanh(r.values), -10, 10)
    np.testing.assert_allclose(z.values, expected_z, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(absolute.values, np.abs(expected_z), atol=1e-12, equal_nan=True)
    assert z.name == "z" and z.attrs["fisher_z"] == 1
