"""A channel's unit is what the file or the user says, never guessed; implausible µS warn."""

import warnings

import numpy as np
import pytest

import concordlab
from concordlab.plots import plot_session
from concordlab.units import UNKNOWN


@pytest.fixture
def no_unit_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", concordlab.UnitWarning)
        yield


def test_a_file_that_states_no_unit_gives_an_unknown_unit_and_the_plot_says_so(data_dir):
    path = data_dir / "eda-single/neurokit/bio_eventrelated_100hz.csv"
    session = concordlab.read_csv([path, path], sampling_rate=100, channel="eda", columns="EDA")
    assert session["eda"]["eda"].attrs["units"] == ""
    figure = plot_session(session)
    assert figure.layout.yaxis.title.text == UNKNOWN == "unit unknown"


def test_the_user_names_the_unit(data_dir, no_unit_warning):
    path = data_dir / "eda-single/neurokit/bio_eventrelated_100hz.csv"
    session = concordlab.read_csv(
        [path, path], sampling_rate=100, channel="eda", columns="EDA", units="uS"
    )
    assert session["eda"]["eda"].attrs["units"] == "uS"
    assert plot_session(session).layout.yaxis.title.text == "uS"


def test_raw_adc_counts_labelled_microsiemens_warn_how_to_convert(data_dir):
    path = data_dir / "eda-single/biosppy/eda.txt"  # real 12-bit ADC values, 2600-2700
    with pytest.warns(concordlab.UnitWarning, match="whole numbers up to .* ADC counts") as w:
        session = concordlab.read_csv([path, path], sampling_rate=1000, channel="eda", units="uS")
    assert "transfer function" in str(w[0].message)
    assert session["eda"]["eda"].attrs["units"] == "uS"  # kept as given, only warned


@pytest.mark.parametrize("units", ["uS", "µS", "microsiemens"])
def test_negative_values_labelled_microsiemens_warn(units):
    eda = np.array([[2.0, 2.1, -0.4, 2.2], [3.0, 3.1, 3.2, 3.3]])
    with pytest.warns(concordlab.UnitWarning, match="negative \\(down to -0.4\\)"):
        concordlab.from_arrays({"eda": eda}, 4, units={"eda": units})


def test_plausible_or_other_units_are_silent(no_unit_warning):
    counts = np.full((2, 8), 512.0)
    concordlab.from_arrays({"eda": counts}, 4, units={"eda": "ADC"})  # truthfully labelled
    concordlab.from_arrays({"eda": counts}, 4)  # unknown unit: nothing to check
    concordlab.from_arrays({"eda": np.full((2, 8), 12.0)}, 4, units={"eda": "uS"})  # whole, small
    concordlab.from_arrays({"eda": np.full((2, 8), np.nan)}, 4, units={"eda": "uS"})
    concordlab.simulate_dyad(duration=60, seed=3)


def test_simulated_channels_state_their_units():
    session = concordlab.simulate_dyad(duration=60, seed=3)
    assert session["eda"]["eda"].attrs["units"] == "uS"
    assert session["hr"]["hr"].attrs["units"] == "bpm"


def test_derived_sessions_keep_units_without_warning_again(no_unit_warning):
    rng = np.random.default_rng(0)
    sessions = [
        concordlab.from_arrays(
            {"eda": 5 + rng.standard_normal((2, 400)).cumsum(axis=1) * 0.01},
            4,
            units={"eda": "uS"},
            session_id=f"d{i}",
        )
        for i in range(3)
    ]
    detrended = [concordlab.preprocess.detrend(s) for s in sessions]  # negative, still µS
    pseudo = concordlab.pseudo_dyads(detrended)
    assert {p["eda"]["eda"].attrs["units"] for p in pseudo.values()} == {"uS"}
