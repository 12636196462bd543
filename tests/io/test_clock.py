"""Drifting clocks: regularize fits each device's clock and resamples on a shared grid."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concordlab.errors import ConcordlabError, FileFormatError, ValidationError
from concordlab.io.clock import Regularized, regularize

T0 = 1680690000.123  # 2023-04-05T10:20:00.123 UTC: stamps in Unix time
NOMINAL = 200.0


def signal(t):
    """The slow physiological signal both devices sample (a function of true time)."""
    return np.sin(2 * np.pi * 0.3 * (t - T0)) + 0.5 * np.cos(2 * np.pi * 0.05 * (t - T0))


def device(true_rate, start, seconds, dropouts, jitter, seed):
    """Stamps and samples of a device running at ``true_rate``, with dropouts (start, length)
    in seconds from its start, and uniform jitter of +-``jitter`` seconds on each stamp."""
    rng = np.random.default_rng(seed)
    index = np.arange(int(seconds * true_rate))
    true = start + index / true_rate
    keep = np.ones(index.size, bool)
    for begin, length in dropouts:
        keep &= ~((true >= start + begin) & (true < start + begin + length))
    true = true[keep]
    stamps = true + rng.uniform(-jitter, jitter, true.size)
    return true, stamps, signal(true)


DROPOUTS_A = [(31.3, 0.2), (95.05, 0.7), (180.2, 2.0), (300.0, 60.0), (450.5, 1.3)]
DROPOUTS_B = [(12.0, 0.25), (140.4, 1.1), (250.0, 2.0), (400.33, 0.5)]


@pytest.fixture(scope="module")
def pair():
    a = device(198.95, T0, 600, DROPOUTS_A, 0.5e-3, 1)
    b = device(199.12, T0 + 0.3712, 600, DROPOUTS_B, 0.5e-3, 2)
    return a, b


def true_gaps(true):
    """(last sample before, first sample after) of each real dropout, in true time."""
    steps = np.diff(true)
    at = np.flatnonzero(steps > 1.5 * np.median(steps))
    return [(true[i], true[i + 1]) for i in at]


@pytest.mark.parametrize(("which", "rate"), [(0, 198.95), (1, 199.12)])
def test_drifting_clock_is_recovered_and_dropouts_are_exactly_nan(pair, which, rate):
    true, stamps, values = pair[which]
    r = regularize(stamps, values, NOMINAL)
    assert isinstance(r, Regularized) and r.sampling_rate == NOMINAL
    assert abs(r.clock_rate - rate) / rate < 1e-6
    gaps = true_gaps(true)
    assert len(r.dropouts) == len(gaps)
    for (start, end), (true_start, true_end) in zip(r.dropouts, gaps, strict=True):
        assert abs(start - true_start) < 1e-4 and abs(end - true_end) < 1e-4
    grid = r.times
    in_gap = np.zeros(grid.size, bool)
    near_edge = np.zeros(grid.size, bool)
    for start, end in gaps:
        in_gap |= (grid > start) & (grid < end)
        near_edge |= (np.abs(grid - start) < 1e-4) | (np.abs(grid - end) < 1e-4)
    missing = np.isnan(r.values)
    assert not (missing != in_gap)[~near_edge].any()  # NaN exactly inside the dropouts
    assert missing[in_gap & ~near_edge].all()
    assert grid[0] >= true[0] - 1e-4 and grid[-1] <= true[-1] + 1e-4
    # The values follow the true signal at the grid's times: interpolation accuracy.
    ok = ~missing
    assert np.max(np.abs(r.values[ok] - signal(grid[ok]))) < 3e-4


def test_two_devices_on_one_clock_share_grid_points(pair):
    (_, sa, va), (_, sb, vb) = pair
    a = regularize(sa, va, NOMINAL)
    b = regularize(sb, vb, NOMINAL)
    shift = (b.offset - a.offset) * NOMINAL
    assert abs(shift - round(shift)) < 1e-4  # a Unix time in float64 is good to 2.4e-7 s
    assert abs(a.offset * NOMINAL - round(a.offset * NOMINAL)) < 1e-3  # origin 0: k / 200 s
    # Where both recorded, both follow the same signal on the same grid points.
    k = round(shift)
    n = min(a.n_samples - k, b.n_samples)
    both = ~np.isnan(a.values[k : k + n]) & ~np.isnan(b.values[:n])
    assert both.sum() > 100_000
    assert np.max(np.abs(a.values[k : k + n][both] - b.values[:n][both])) < 6e-4


def test_jitter_free_regular_stamps_are_kept_as_they_are():
    times = 10 + np.arange(1000) / 50
    values = np.arange(1000.0)
    r = regularize(times, values, 50)
    assert r.offset == pytest.approx(10.0) and r.clock_rate == pytest.approx(50, rel=1e-12)
    np.testing.assert_allclose(r.values, values, atol=1e-6)
    assert r.dropouts == ()


def test_several_channels_and_the_grid_origin():
    times = 0.013 + np.arange(400) / 99.0
    values = np.stack([times, -2 * times])
    r = regularize(times, values, 100, grid_origin=0.005)
    assert r.values.shape[0] == 2
    k = (r.offset - 0.005) * 100
    assert abs(k - round(k)) < 1e-9 and r.offset >= 0.013
    np.testing.assert_allclose(r.values[0], r.times, atol=1e-9)
    np.testing.assert_allclose(r.values[1], -2 * r.times, atol=1e-9)


def test_max_gap_bridges_jittery_stamps():
    """Stamped on arrival at a computer, five samples at a time: jitter, not dropouts."""
    rng = np.random.default_rng(3)
    index = np.arange(2000)
    times = (index // 5) * 0.05 + index * 1e-6 + rng.uniform(0, 0.003, 400).repeat(5)
    with pytest.raises(FileFormatError, match="^'x.csv': .* give max_gap|Give max_gap"):
        regularize(times, np.ones(2000), 100, where="'x.csv'")
    r = regularize(times, np.ones(2000), 100, max_gap=1.0)
    assert r.dropouts == () and not np.isnan(r.values).any()
    assert r.clock_rate == pytest.approx(100, rel=1e-3)


@pytest.mark.parametrize(
    ("times", "message"),
    [
        ([0.0], "at least two samples"),
        ([0.0, np.nan, 1.0], "data row 2: the time is missing"),
        ([0.0, 0.5, np.inf], "data row 3: the time is infinite"),
        ([0.0, 0.5, 0.5, 1.0], "data row 3: the time repeats"),
        ([T0, T0 + 1, T0 + 0.5], "data row 3: the time goes back in time .2023-04-05T10:20:01"),
        ([0.0, 1.0, 10.0, 20.0, 30.0, 1e7], "data row 6: the time jumps"),
    ],
)
def test_bad_stamps_name_the_row(times, message):
    with pytest.raises(FileFormatError, match=f"^'f.csv', time column 't'.*{message}"):
        regularize(times, np.zeros(len(times)), 1.0, where="'f.csv', time column 't'")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sampling_rate": 0}, "sampling_rate must be"),
        ({"max_gap": -1.0}, "max_gap must be"),
        ({"max_gap": "1"}, "max_gap must be"),
        ({"grid_origin": np.nan}, "grid_origin must be"),
        ({"values": np.zeros(3)}, "values must have the samples on their last axis"),
        ({"times": np.zeros((2, 2))}, "times must be one series"),
    ],
)
def test_bad_arguments_are_validation_errors(kwargs, message):
    arguments = {"times": [0.0, 1.0, 2.0, 3.0], "values": np.zeros(4), "sampling_rate": 1.0}
    with pytest.raises(ValidationError, match=message):
        regularize(**{**arguments, **kwargs})


@settings(max_examples=60, deadline=None)
@given(
    drift=st.floats(-0.02, 0.02),
    jitter=st.floats(0.0, 0.2),
    start=st.floats(-1e4, 2e9),
    gaps=st.lists(st.tuples(st.integers(50, 900), st.integers(2, 300)), max_size=4),
    slope=st.floats(-10, 10),
)
def test_property_linear_signal_through_any_drift_and_dropouts(drift, jitter, start, gaps, slope):
    """A straight-line signal comes back exactly on the grid: NaN only inside dropouts."""
    nominal = 50.0
    true_rate = nominal * (1 + drift)
    index = np.arange(1000)
    keep = np.ones(index.size, bool)
    for at, length in gaps:
        keep[at : at + length] = False
    keep[:2] = keep[-2:] = True
    index = index[keep]
    true = start + index / true_rate
    rng = np.random.default_rng(0)
    stamps = true + rng.uniform(-jitter, jitter, index.size) / true_rate
    values = slope * (true - start)
    r = regularize(stamps, values, nominal)
    assert abs(r.clock_rate / true_rate - 1) < 5e-3 * max(jitter, 1e-3)
    grid = r.times - start
    ok = ~np.isnan(r.values)
    tolerance = abs(slope) * (jitter / true_rate + 4e-15 * max(1.0, abs(start))) + 1e-9
    np.testing.assert_allclose(r.values[ok], slope * grid[ok], rtol=0, atol=tolerance)
    steps = np.diff(index)
    for i in np.flatnonzero(steps > 1):  # each real dropout: its inner grid points are NaN
        inner = (grid > (index[i] + 0.5) / true_rate) & (grid < (index[i + 1] - 0.5) / true_rate)
        assert np.isnan(r.values[inner]).all()
    assert len(r.dropouts) == int((steps > 1).sum())
    covered = np.zeros(grid.size, bool)
    pieces = np.split(index, np.flatnonzero(steps > 1) + 1)
    for piece in pieces:
        if piece.size >= 2:
            covered |= (grid > (piece[0] + 0.5) / true_rate) & (
                grid < (piece[-1] - 0.5) / true_rate
            )
    assert ok[covered].all()  # nothing else is NaN


@settings(max_examples=100, deadline=None)
@given(
    times=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=30),
    rate=st.floats(0.01, 1e4),
    max_gap=st.one_of(st.none(), st.floats(1e-6, 1e6)),
)
def test_property_only_concordlab_errors_on_garbage(times, rate, max_gap):
    try:
        r = regularize(times, np.arange(len(times), dtype=float), rate, max_gap=max_gap)
    except ConcordlabError:
        return
    assert r.values.shape == (r.n_samples,)
    assert np.isfinite(r.clock_rate) and r.clock_rate > 0


def test_many_pieces_and_few_pieces_resample_alike(pair, monkeypatch):
    """Grid points matched to pieces one piece at a time or all at once: the same values."""
    import concordlab.io.clock as clock

    _, stamps, values = pair[0]
    one_by_one = regularize(stamps, np.stack([values, -values]), NOMINAL)
    monkeypatch.setattr(clock, "_PIECES_ONE_BY_ONE", 0)
    at_once = regularize(stamps, np.stack([values, -values]), NOMINAL)
    np.testing.assert_array_equal(one_by_one.values, at_once.values)
    assert one_by_one.offset == at_once.offset and one_by_one.dropouts == at_once.dropouts
