"""Preprocessing: each function against an independent reference (closed forms, naive loops)."""

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

import concordlab
from concordlab import ValidationError
from concordlab.preprocess import (
    EDA_MAX_JUMP,
    EDA_VALID_RANGE,
    detrend,
    downsample,
    eda_components,
    lowpass,
    mask_artefacts,
    rmea_scale,
    rmea_smooth,
    smooth,
    standardise,
)


def values(session, name="eda"):
    return session[name][name].values


def history(session, name="eda"):
    return session[name][name].attrs.get("history")


def dyad(seed=0, *, gaps=True):
    """EDA at 32 Hz (a random walk around 5 µS, with NaN gaps) and HR at 4 Hz, 60 s."""
    rng = np.random.default_rng(seed)
    eda = 5 + 0.05 * rng.standard_normal((2, 1920)).cumsum(axis=1)
    if gaps:
        eda[0, 100:140] = np.nan
        eda[1, rng.choice(1920, 60, replace=False)] = np.nan
    hr = 70 + rng.standard_normal((2, 240))
    return concordlab.from_arrays(
        {"eda": eda, "hr": hr}, {"eda": 32, "hr": 4}, units={"eda": "uS", "hr": "bpm"}
    )


@pytest.fixture(scope="module")
def resting_eda(data_dir):
    """NeuroKit2's 8-minute resting EDA (100 Hz, µS) for both persons."""
    path = data_dir / "eda-single" / "neurokit" / "bio_resting_8min_100hz.csv"
    return concordlab.read_csv(
        [path, path], sampling_rate=100, channel="eda", columns="EDA", units="uS"
    )


# --------------------------------------------------------------------------- downsample


def naive_block_means(series, factor):
    out = []
    for k in range(len(series) // factor):
        block = series[k * factor : (k + 1) * factor]
        good = block[~np.isnan(block)]
        out.append(good.mean() if 2 * len(good) >= factor else np.nan)
    return np.array(out)


def test_downsample_matches_loop_of_block_means():
    rng = np.random.default_rng(1)
    data = rng.random((2, 43))
    data[0, 0:2] = np.nan  # half of block 0 missing: still a mean
    data[0, 4:7] = np.nan  # three quarters of block 1 missing: NaN
    data[1, 8:12] = np.nan  # a whole block missing
    session = concordlab.from_arrays({"eda": data}, sampling_rate=8, time_offset=10.0)
    result = downsample(session, 4)
    expected = np.vstack([naive_block_means(row, 4) for row in data])
    np.testing.assert_allclose(values(result), expected, rtol=1e-12)
    assert np.isfinite(values(result)[0, 0]) and np.isnan(values(result)[0, 1])
    # Time = start of each block; grid as time_axis builds it; last partial block dropped.
    np.testing.assert_allclose(result["eda"]["time"].values, 10.0 + 0.5 * np.arange(10))
    assert result["eda"]["eda"].attrs["sampling_rate"] == 2.0
    assert result["eda"]["time"].attrs["units"] == "s"
    assert history(result) == "downsample(factor=4)"
    assert concordlab.time_span(result)[0] == concordlab.time_span(session)[0]
    # The same through sampling_rate=.
    assert downsample(session, sampling_rate=2).identical(result)


def test_downsample_old_rate_name_warns_and_gives_the_same():
    session = concordlab.simulate_dyad(30, seed=4)
    with pytest.warns(FutureWarning, match=r"downsample\(sampling_rate=\.\.\.\)"):
        old = downsample(session, rate=4)
    assert old.identical(downsample(session, sampling_rate=4))
    with pytest.raises(ValidationError, match="Give sampling_rate only"):
        downsample(session, rate=4, sampling_rate=4)


def test_downsample_rate_per_channel_and_segments_stay_valid():
    session = concordlab.simulate_dyad(60, seed=2)  # eda 32 Hz, hr 4 Hz, talk segments from 0 s
    result = downsample(session, sampling_rate=4)
    assert result["eda"]["eda"].attrs["sampling_rate"] == 4.0
    assert result["hr"]["hr"].attrs["sampling_rate"] == 4.0
    assert history(result, "eda") == "downsample(factor=8)"
    assert history(result, "hr") == "downsample(factor=1)"
    np.testing.assert_array_equal(values(result, "hr"), values(session, "hr"))
    np.testing.assert_allclose(result["eda"]["time"].values, result["hr"]["time"].values)
    assert concordlab.time_span(result) == concordlab.time_span(session)
    concordlab.add_segment(result, 0, 1, "still fits")  # re-validates all segments
    only = downsample(session, 2, channels="hr")
    assert only["eda"].identical(session["eda"])
    assert only["hr"]["hr"].attrs["sampling_rate"] == 2.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "either factor"),
        ({"factor": 2, "sampling_rate": 16}, "either factor"),
        ({"sampling_rate": 5}, "does not divide"),
        ({"sampling_rate": 64}, "cannot raise"),
        ({"factor": 0}, "whole number, at least 1"),
        ({"factor": 2.5}, "whole number, at least 1"),
        ({"factor": 1000}, "too few"),
        ({"factor": 2, "channels": "ecg"}, "unknown channel"),
    ],
)
def test_downsample_refuses(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        downsample(dyad(), **kwargs)


# --------------------------------------------------------------------------- lowpass


def test_lowpass_removes_5hz_keeps_0p1hz_and_leaves_nan_alone():
    fs = 32.0
    t = np.arange(0, 120, 1 / fs)
    slow = np.sin(2 * np.pi * 0.1 * t)
    data = np.vstack([5 + slow + 0.5 * np.sin(2 * np.pi * 5 * t), 5 + slow])
    data[0, 1600:1700] = np.nan  # a gap: both sides are filtered separately
    data[1, 3000:3010] = np.nan
    data[1, 3015:3020] = np.nan  # leaves a 5-sample run: too short to filter
    session = concordlab.from_arrays({"eda": data, "hr": np.ones((2, 480))}, {"eda": fs, "hr": 4})
    result = lowpass(session, 1.0, channels="eda")
    out = values(result)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(data))
    # Away from edges (10 s): the 5 Hz part is gone, the 0.1 Hz part intact.
    inner = np.zeros(t.size, dtype=bool)
    inner[320:-320] = True
    inner[1600 - 320 : 1700 + 320] = False
    assert np.abs(out[0, inner] - (5 + slow[inner])).max() < 0.01
    inner[3000 - 320 : 3020 + 320] = False
    assert np.abs(out[1, inner] - (5 + slow[inner])).max() < 0.01
    np.testing.assert_array_equal(out[1, 3010:3015], data[1, 3010:3015])
    assert result["hr"].identical(session["hr"])
    assert history(result) == "lowpass(cutoff=1.0, order=4)"
    # Each run on its own is exactly scipy's filtfilt of that run.
    sos = signal.butter(4, 1.0, fs=fs, output="sos")
    np.testing.assert_allclose(out[0, :1600], signal.sosfiltfilt(sos, data[0, :1600]))


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((16.0,), {}, "Nyquist"),
        ((3.0,), {}, r"channel 'hr' \(2 Hz"),  # hr at 4 Hz
        ((0.0,), {}, "above 0"),
        (("1",), {}, "number"),
        ((1.0,), {"order": 0}, "whole number, at least 1"),
    ],
)
def test_lowpass_refuses(args, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        lowpass(dyad(), *args, **kwargs)


# --------------------------------------------------------------------------- detrend, standardise


def test_detrend_removes_a_line_exactly():
    t = np.arange(200) / 4
    data = np.vstack([3 + 0.5 * t, -2 - 0.1 * t])
    data[1, 50:60] = np.nan
    session = concordlab.from_arrays({"eda": data}, 4, time_offset=7.0)
    out = values(detrend(session))
    np.testing.assert_array_equal(np.isnan(out), np.isnan(data))
    assert np.nanmax(np.abs(out)) < 1e-10


def test_detrend_matches_polyfit_on_valid_samples():
    rng = np.random.default_rng(3)
    data = rng.standard_normal((2, 300)).cumsum(axis=1)
    data[0, rng.choice(300, 40, replace=False)] = np.nan
    session = concordlab.from_arrays({"eda": data}, 10)
    time = session["eda"]["time"].values
    linear, constant = values(detrend(session)), values(detrend(session, kind="constant"))
    for row in range(2):
        good = ~np.isnan(data[row])
        slope, intercept = np.polyfit(time[good], data[row, good], 1)
        np.testing.assert_allclose(
            linear[row, good], data[row, good] - intercept - slope * time[good], atol=1e-9
        )
        np.testing.assert_allclose(constant[row, good], data[row, good] - data[row, good].mean())
    assert history(detrend(session, kind="constant")) == "detrend(kind='constant')"
    with pytest.raises(ValidationError, match="'linear' or 'constant'"):
        detrend(session, kind="quadratic")


def test_standardise_mean_0_sd_1_ignoring_nan():
    session = dyad(4)
    result = standardise(session, channels="eda")
    out = values(result)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(values(session)))
    np.testing.assert_allclose(np.nanmean(out, axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(np.nanstd(out, axis=1), 1, rtol=1e-12)
    assert result["eda"]["eda"].attrs["units"] == "z"
    assert result["hr"].identical(session["hr"])
    flat = concordlab.from_arrays({"eda": [[2.0, 2.0, np.nan, 2.0], [1.0, 2, 3, 4]]}, 1)
    assert values(standardise(flat))[0].tolist()[:2] == [0.0, 0.0]


# --------------------------------------------------------------------------- smooth


def naive_smooth(series, size):
    half = size // 2
    out = np.full(series.shape, np.nan)
    for i in range(len(series)):
        if np.isnan(series[i]):
            continue
        window = series[max(0, i - half) : i + half + 1]
        good = window[~np.isnan(window)]
        if 2 * len(good) >= size:
            out[i] = good.mean()
    return out


@pytest.mark.parametrize(("window", "size"), [(0.3, 3), (0.4, 5), (2.0, 21), (0.2, 3)])
def test_smooth_matches_naive_centred_means(window, size):
    rng = np.random.default_rng(5)
    data = rng.standard_normal((2, 500))
    data[0, rng.choice(500, 150, replace=False)] = np.nan
    data[1, 200:230] = np.nan
    session = concordlab.from_arrays({"eda": data}, 10)
    out = values(smooth(session, window))
    expected = np.vstack([naive_smooth(row, size) for row in data])
    np.testing.assert_array_equal(np.isnan(out), np.isnan(expected))
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("window", "message"),
    [(0.05, "shorter than 2 samples"), (100.0, "longer than"), (-1, "above 0")],
)
def test_smooth_refuses(window, message):
    with pytest.raises(ValidationError, match=message):
        smooth(dyad(), window, channels="eda")


# --------------------------------------------------------------------------- rMEA's steps


def naive_rmea_smooth(series, samples):
    """rMEA 1.3.0 ``sasFiltB`` (R/rMea_filter.R) followed by ``MEAsmooth``'s NA restore,
    as a plain loop over R's 1-based positions: ``a[i1:i2]`` summed and divided by n."""
    n_time = len(series)
    out = []
    for t in range(1, n_time + 1):
        i1 = t - (samples - 1) / 2
        if i1 < 1:
            i1 = 1
        i2 = t + (samples - 1) / 2
        picked, position = [], i1
        while position <= i2 + 1e-7:  # R's from:to, steps of 1 up to `to` (with its fuzz)
            index = int(position)  # R truncates a fractional index
            picked.append(series[index - 1] if index <= n_time else np.nan)  # past end: NA
            position += 1
        total = sum(picked) / samples
        out.append(0.0 if np.isnan(total) else total)  # res[is.na(res)] = 0
    out = np.array(out)
    out[np.isnan(series)] = np.nan  # MEAsmooth: x[[1]][na1] = NA
    return out


def naive_rmea_scale(series, scale="sd", center=False):
    """R's ``base::scale(x, scale = sd(na.omit(x)), center = center)`` as a loop."""
    good = [v for v in series if not np.isnan(v)]
    mean = sum(good) / len(good)
    divisor = scale
    if scale == "sd":
        divisor = np.sqrt(sum((v - mean) ** 2 for v in good) / (len(good) - 1))
    return np.array([((v - mean) if center else v) / divisor for v in series])


@pytest.fixture(scope="module")
def rmea_sessions():
    return concordlab.rmea_psychotherapy()


def test_rmea_smooth_matches_rmea_rule_on_rmea_data(rmea_sessions):
    assert len(rmea_sessions) == 20
    worst = 0.0
    for session in rmea_sessions.values():
        raw = values(session, "motion")
        assert session["motion"]["motion"].attrs["sampling_rate"] == 25
        smoothed = rmea_smooth(session)  # rMEA's default: 0.5 s at 25 Hz, n = 12.5
        got = values(smoothed, "motion")
        for person in range(2):
            expected = naive_rmea_smooth(raw[person], 12.5)
            np.testing.assert_allclose(got[person], expected, rtol=0, atol=1e-12)
            worst = max(worst, np.nanmax(np.abs(got[person] - expected)))
            # the rule as read: 6 back, 5 forward, / 12.5; the last 5 samples are 0
            assert got[person][100] == pytest.approx(raw[person][94:106].sum() / 12.5, abs=1e-12)
            assert got[person][2] == pytest.approx(raw[person][:8].sum() / 12.5, abs=1e-12)
            assert (got[person][-5:] == 0).all()
            last = raw[person][-12:].sum() / 12.5  # the last full window
            assert got[person][-6] == pytest.approx(last, abs=1e-12)
        assert history(smoothed, "motion") == "rmea_smooth(window=0.5)"
    assert worst <= 1e-12


def test_rmea_readme_pipeline_matches_rmea_rule(rmea_sessions):
    # rMEA's README: MEAscale(MEAsmooth(mea_all)) with the defaults, then MEAccf
    for key in ("normal/200_01", "dropout/105_01"):
        session = rmea_sessions[key]
        got = values(rmea_scale(rmea_smooth(session)), "motion")
        for person in range(2):
            smoothed = naive_rmea_smooth(values(session, "motion")[person], 12.5)
            expected = naive_rmea_scale(smoothed)
            np.testing.assert_allclose(got[person], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("scale", ["sd", 0.7, 3])
@pytest.mark.parametrize("center", [False, True])
def test_rmea_scale_matches_rmea_rule(rmea_sessions, scale, center):
    session = rmea_sessions["normal/203_01"]
    raw = values(session, "motion").copy()
    raw[0, 50:80] = np.nan
    session = concordlab.from_arrays({"motion": raw}, 25)
    scaled = rmea_scale(session, scale, center=center)
    for person in range(2):
        expected = naive_rmea_scale(raw[person], scale, center)
        np.testing.assert_allclose(values(scaled, "motion")[person], expected, rtol=1e-13)
    units = scaled["motion"]["motion"].attrs.get("units")
    assert (units == "SD") == (scale == "sd")
    assert history(scaled, "motion") == f"rmea_scale(scale={scale!r}, center={center})".replace(
        "scale=3,", "scale=3.0,"
    )


def test_rmea_smooth_nan_short_series_and_other_windows():
    rng = np.random.default_rng(3)
    series = rng.gamma(2.0, size=(2, 40))
    series[0, [3, 17, 18]] = np.nan
    series[1, 39] = np.nan
    for window, rate in [(0.5, 25), (1.0, 8), (0.75, 8), (3.0, 1), (1.0, 1), (0.4, 10)]:
        session = concordlab.from_arrays({"motion": series}, rate)
        got = values(rmea_smooth(session, window), "motion")
        for person in range(2):
            expected = naive_rmea_smooth(series[person], window * rate)
            np.testing.assert_allclose(got[person], expected, rtol=0, atol=1e-12)
        assert np.array_equal(np.isnan(got), np.isnan(series))  # NaN stays, nothing new
    # a series exactly as long as the window: only its first samples reach no further
    short = concordlab.from_arrays({"motion": series[:, :12]}, 25)
    got = values(rmea_smooth(short, 12 / 25), "motion")
    np.testing.assert_allclose(got[1], naive_rmea_smooth(series[1, :12], 12), atol=1e-12)
    with pytest.raises(ValidationError, match="window=0.5 s is longer than channel"):
        rmea_smooth(short)
    # a constant series is rescaled by 1 (SD 0: rMEA would divide by 0)
    flat = concordlab.from_arrays({"motion": np.full((2, 10), 4.0)}, 1)
    assert (values(rmea_scale(flat), "motion") == 4.0).all()
    assert (values(rmea_scale(flat, center=True), "motion") == 0.0).all()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda s: rmea_smooth(s, 0.01), "window=0.01 s is shorter than 1 sample"),
        (lambda s: rmea_smooth(s, -1.0), "window must be"),
        (lambda s: rmea_smooth(s, "0.5"), "window must be"),
        (lambda s: rmea_smooth(s, 1e9), "window"),
        (lambda s: rmea_smooth(s, channels="ecg"), "channel"),
        (lambda s: rmea_scale(s, "mad"), "scale must be 'sd' or a positive number"),
        (lambda s: rmea_scale(s, 0), "scale must be"),
        (lambda s: rmea_scale(s, np.nan), "scale must be"),
        (lambda s: rmea_scale(s, True), "scale must be"),
        (lambda s: rmea_scale(s, center="yes"), "center"),
        (lambda s: rmea_scale(s, center=2), "center"),
    ],
)
def test_rmea_steps_refuse(call, message):
    with pytest.raises(ValidationError, match=message):
        call(dyad())


# --------------------------------------------------------------------------- eda_components


def high_frequency_power(series, fs, above=0.5):
    freqs, power = signal.welch(series, fs=fs, nperseg=4096)
    return power[freqs > above].sum()


def test_eda_components_on_real_eda(resting_eda):
    result = eda_components(resting_eda)
    assert concordlab.channels(result) == ["eda", "eda_tonic", "eda_phasic"]
    eda, tonic, phasic = (values(result, c)[0] for c in concordlab.channels(result))
    np.testing.assert_allclose(tonic + phasic, eda, rtol=0, atol=1e-12)
    assert tonic.min() > 0  # a level of skin conductance
    assert high_frequency_power(tonic, 100) < 1e-3 * high_frequency_power(eda, 100)
    assert abs(phasic.mean()) < 0.01  # µS; the signal is 4.6-14.9 µS
    assert phasic.std() < 0.05 * eda.std()
    attrs = result["eda_phasic"]["eda_phasic"].attrs
    assert attrs["units"] == "uS" and attrs["sampling_rate"] == 100.0
    assert attrs["long_name"].startswith("phasic")
    assert attrs["history"] == "eda_components(method='lowpass', cutoff=0.05)"
    concordlab.validate_session(result)


def test_eda_components_median_and_gaps(resting_eda):
    data = values(resting_eda).copy()
    data[1, 10_000:10_500] = np.nan
    session = concordlab.from_arrays({"eda": data}, 100)
    for method in ("lowpass", "median"):
        result = eda_components(session, method=method)
        tonic, phasic = values(result, "eda_tonic"), values(result, "eda_phasic")
        np.testing.assert_allclose(tonic + phasic, data, atol=1e-12)
        assert np.isnan(tonic[1, 10_000:10_500]).all()
        assert np.isnan(phasic[1, 10_000:10_500]).all()
        assert abs(np.nanmean(phasic)) < 0.05
    median = eda_components(session, method="median", window=4.0)
    # The median tonic is the centred 401-sample running median.
    i = 20_000
    assert values(median, "eda_tonic")[0, i] == np.median(data[0, i - 200 : i + 201])
    again = eda_components(median)  # replaces the two channels
    assert concordlab.channels(again) == ["eda", "eda_tonic", "eda_phasic"]
    with pytest.raises(ValidationError, match="'lowpass' or 'median'"):
        eda_components(session, method="cvx")
    with pytest.raises(ValidationError, match="unknown channel"):
        eda_components(session, channel="scl")
    with pytest.raises(ValidationError, match="Nyquist"):
        eda_components(session, cutoff=60)


# --------------------------------------------------------------------------- mask_artefacts


def artefact_session():
    """EDA at 4 Hz, 25 s: a spike, an over-range plateau, a slow drop below 0.05 µS."""
    eda = np.vstack([np.full(100, 5.0), np.linspace(3.0, 0.0, 100)])
    eda[0, 20] = 30.0  # spike: in range, but +100 µS/s
    eda[0, 50:53] = 70.0  # above 60 µS, reached by a jump
    eda[1, 10] = np.nan  # already missing: stays so, not reported
    hr = np.full((2, 25), 70.0)
    session = concordlab.from_arrays(
        {"eda": eda, "hr": hr}, {"eda": 4, "hr": 1}, units={"eda": "uS", "hr": "bpm"}
    )
    return concordlab.add_segment(session, 0, 5, "talk", person="patient")


def test_mask_artefacts_masks_exactly_and_reports():
    session = artefact_session()
    result, report = mask_artefacts(session)
    masked = np.isnan(values(result)) & ~np.isnan(values(session))
    expected = np.zeros((2, 100), dtype=bool)
    expected[0, 19:22] = True  # the spike and both neighbours
    expected[0, 49:54] = True  # the plateau and the samples on either side of its jumps
    expected[1, 98:100] = True  # below 0.05 µS; the drop is slow (0.12 µS/s), no jump
    np.testing.assert_array_equal(masked, expected)
    np.testing.assert_array_equal(values(result)[~expected], values(session)[~expected])
    table = pd.DataFrame(
        {
            "channel": ["eda", "eda", "eda"],
            "person": ["patient", "patient", "therapist"],
            "start": [4.75, 12.25, 24.5],
            "end": [5.5, 13.5, 25.0],
            "reason": ["jump", "out of range, jump", "out of range"],
            "n_samples": [3, 5, 2],
        }
    )
    table[["channel", "person", "reason"]] = table[["channel", "person", "reason"]].astype(object)
    pd.testing.assert_frame_equal(report, table)
    assert result["hr"].identical(session["hr"])  # no default rule for heart rate
    assert history(result) == "mask_artefacts(valid_range=(0.05, 60.0), max_jump=10.0)"
    assert (EDA_VALID_RANGE, EDA_MAX_JUMP) == ((0.05, 60.0), 10.0)
    assert concordlab.segments(result).equals(concordlab.segments(session))


def test_mask_artefacts_as_segments_keeps_existing():
    session = artefact_session()
    result, report = mask_artefacts(session, as_segments=True)
    table = concordlab.segments(result)
    assert table["label"].tolist() == ["talk", "artefact", "artefact", "artefact"]
    artefacts = table[table["label"] == "artefact"].reset_index(drop=True)
    np.testing.assert_allclose(artefacts["start"], report["start"])
    np.testing.assert_allclose(artefacts["end"], report["end"])
    assert artefacts["person"].tolist() == report["person"].tolist()
    assert artefacts["note"].tolist()[0] == "eda: jump"


def test_mask_artefacts_pad_rules_and_channels():
    session = artefact_session()
    _, report = mask_artefacts(session, pad=0.5, valid_range={"eda": None})
    assert report["reason"].tolist() == ["jump, near artefact"] * 2
    assert report["n_samples"].tolist() == [3 + 4, 5 + 4]
    # Explicit rules for heart rate; jumps across a NaN sample are not jumps.
    hr = np.full((2, 25), 70.0)
    hr[0, 5] = 250.0
    hr[1, 10] = np.nan
    hr[1, 11:] = 120.0
    session = concordlab.add_channel(session, "bpm", hr, 1)
    result, report = mask_artefacts(session, channels="bpm", valid_range=(30, 220), max_jump=None)
    assert report[["person", "start", "end", "reason"]].values.tolist() == [
        ["patient", 5.0, 6.0, "out of range"]
    ]
    assert result["eda"].identical(session["eda"])
    _, report = mask_artefacts(session, channels="bpm", max_jump=20)
    assert report["start"].tolist() == [4.0]  # samples 4-6 on the patient's side only
    with pytest.raises(ValidationError, match="No artefact rule"):
        mask_artefacts(session, channels="hr")
    with pytest.raises(ValidationError, match="No artefact rule"):
        mask_artefacts(standardise(session), channels="eda")  # no longer in µS
    with pytest.raises(ValidationError, match="low < high"):
        mask_artefacts(session, valid_range=(5, 1))
    with pytest.raises(ValidationError, match="pair"):
        mask_artefacts(session, valid_range=5)
    with pytest.raises(ValidationError, match="pad"):
        mask_artefacts(session, pad=-1)


def test_mask_artefacts_clean_data_reports_nothing(resting_eda):
    result, report = mask_artefacts(resting_eda)
    assert report.empty
    assert list(report.columns) == ["channel", "person", "start", "end", "reason", "n_samples"]
    np.testing.assert_array_equal(values(result), values(resting_eda))


# --------------------------------------------------------------------------- all steps


STEPS = {
    "downsample": lambda s: downsample(s, sampling_rate=2),  # block 7 (3.5 s) lies in the gap
    "lowpass": lambda s: lowpass(s, 0.5),
    "detrend": detrend,
    "standardise": standardise,
    "smooth": lambda s: smooth(s, 2.0),
    "eda_components": eda_components,
    "mask_artefacts": lambda s: mask_artefacts(s, as_segments=True, pad=1.0)[0],
}


@pytest.mark.parametrize("name", STEPS)
def test_input_unchanged_valid_and_round_trips(name, tmp_path):
    session = dyad(6)
    eda = values(session)
    eda[0, 300] = 80.0  # something for mask_artefacts to find
    session = concordlab.add_segment(session, 0, 10, "talk")
    before = session.copy(deep=True)
    result = STEPS[name](session)
    assert session.identical(before)
    assert concordlab.validate_session(result) is result
    loaded = concordlab.load(concordlab.save(result, tmp_path / "session.nc"))
    assert loaded.identical(result)
    channel = "eda_phasic" if name == "eda_components" else "eda"
    assert history(loaded, channel).split("(")[0] == name
    gap = result[channel][channel].sel(person="patient", time=slice(3.125, 4.34))
    assert gap.size and np.isnan(gap).all()  # the gap (samples 100-139) stays missing


def test_history_accumulates_in_order(tmp_path):
    result = smooth(lowpass(dyad(), 1.0, channels="eda"), 2.0, channels="eda")
    assert history(result) == "lowpass(cutoff=1.0, order=4); smooth(window=2.0)"
    assert history(result, "hr") is None


@pytest.mark.parametrize("channels", [[], 3, ["eda", "ecg"]])
def test_channel_selection_refused(channels):
    with pytest.raises(ValidationError, match="channel"):
        smooth(dyad(), 1.0, channels=channels)


def test_an_hour_at_32_hz_is_fast():
    rng = np.random.default_rng(7)
    eda = 5 + 0.01 * rng.standard_normal((2, 32 * 3600)).cumsum(axis=1)
    eda[:, rng.choice(eda.shape[1], 200)] = np.nan
    session = concordlab.from_arrays({"eda": eda}, 32, units={"eda": "uS"})
    for step in STEPS.values():
        started = time.perf_counter()
        step(session)
        assert time.perf_counter() - started < 1.0  # per-sample Python loops take far longer


# --------------------------------------------------------------------------- properties

finite = st.floats(-1e3, 1e3, allow_nan=False)


def series(min_size=8, max_size=80):
    return st.lists(st.one_of(finite, st.just(np.nan)), min_size=min_size, max_size=max_size).map(
        np.array
    )


@settings(max_examples=40, deadline=None)
@given(level=finite, nan_at=st.lists(st.integers(0, 59), max_size=20), window=st.floats(0.2, 3))
def test_smooth_of_a_constant_is_that_constant(level, nan_at, window):
    data = np.full((2, 60), level)
    data[0, nan_at] = np.nan
    out = values(smooth(concordlab.from_arrays({"eda": data}, 10), window))
    assert np.isnan(out[np.isnan(data)]).all()  # never filled in
    np.testing.assert_allclose(out[1], level, rtol=1e-9, atol=1e-9)
    good = ~np.isnan(out)
    np.testing.assert_allclose(out[good], level, rtol=1e-9, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(first=series(40, 200), cutoff=st.floats(0.05, 4.9))
def test_lowpass_keeps_nan_exactly_where_it_was(first, cutoff):
    data = np.vstack([first, np.zeros(first.size)])
    out = values(lowpass(concordlab.from_arrays({"eda": data}, 10), cutoff))
    np.testing.assert_array_equal(np.isnan(out), np.isnan(data))


@settings(max_examples=40, deadline=None)
@given(first=series(), factor=st.integers(1, 4), level=finite)
def test_downsample_of_a_constant_and_nan_rule(first, factor, level):
    data = np.vstack([first, np.full(first.size, level)])
    out = values(downsample(concordlab.from_arrays({"eda": data}, 8), factor))
    np.testing.assert_allclose(out[1], level, rtol=1e-12)
    np.testing.assert_allclose(out[0], naive_block_means(first, factor), rtol=1e-9, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(first=series(), scale=st.floats(0.1, 100), shift=finite)
def test_standardise_ignores_units_and_offset(first, scale, shift):
    if np.isfinite(first).sum() < 2 or np.nanstd(first) < 1e-3:
        return
    data = np.vstack([first, first * scale + shift])
    out = values(standardise(concordlab.from_arrays({"eda": data}, 4)))
    np.testing.assert_allclose(out[0], out[1], atol=1e-6)
