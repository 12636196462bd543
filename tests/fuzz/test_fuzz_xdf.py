"""Fuzz read_xdf and read_xdf_recording: damaged real XDF files and garbage.

Each case passes when the reader returns a session (or recording) whose values agree with
pyxdf's own read of the same bytes, or raises ConcordlabError; pyxdf raises many kinds of
errors on damaged files, and the reader must turn every one into a FileFormatError.
"""

from pathlib import Path

import cases
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import concordlab

pyxdf = pytest.importorskip("pyxdf")

DATA = Path(__file__).parent.parent / "data" / "xdf"
SOURCES = {name: (DATA / name).read_bytes() for name in ("dyad_eda.xdf", "minimal.xdf")}
PERSONS = {"patient": "EDA_P1", "therapist": "EDA_P2"}
BREAKS = {"jitter_break_threshold_seconds": 0, "jitter_break_threshold_samples": 1.5}


def _damaged(chooser: cases.Chooser) -> tuple[bytes, str, str]:
    """A real file with one to three damages, or bytes that only start like XDF."""
    kind = chooser.choice(["damaged file", "magic and garbage", "chunk of another file"])
    name = chooser.choice(sorted(SOURCES))
    data = SOURCES[name]
    if kind == "magic and garbage":
        rng = np.random.default_rng(chooser.seed())
        garbage = rng.integers(0, 256, chooser.integer(0, 600), np.uint8).tobytes()
        return b"XDF:" + garbage, kind, name
    if kind == "chunk of another file":
        at = chooser.integer(0, len(data) - 1)
        return data[:at] + SOURCES["minimal.xdf"][4:], f"{name} cut at {at} + minimal", name
    labels = [name]
    for _ in range(chooser.integer(1, 3)):
        data, label = cases.damage_bytes(chooser, data)
        labels.append(label)
    return data, ", ".join(labels), name


def _pyxdf_values(path: Path, name: str) -> np.ndarray:
    streams, _ = pyxdf.load_xdf(str(path), **BREAKS)
    (stream,) = [s for s in streams if s["info"]["name"][0] == name]
    return np.asarray(stream["time_series"], dtype=float)


def _within(values: np.ndarray, reference: np.ndarray, what: str) -> None:
    """Interpolated values lie between the smallest and largest of pyxdf's samples."""
    kept = values[~np.isnan(values)]
    cases.check(kept.size > 0, f"{what}: every value is NaN")
    low, high = float(np.min(reference)), float(np.max(reference))
    slack = 1e-9 * max(1.0, abs(low), abs(high))
    cases.check(
        bool(((kept >= low - slack) & (kept <= high + slack)).all()),
        f"{what}: values outside pyxdf's [{low}, {high}]",
    )


def xdf_case(chooser: cases.Chooser, folder: Path) -> cases.Case:
    data, label, name = _damaged(chooser)
    path = folder / "fuzz.xdf"
    path.write_bytes(data)
    if chooser.flag():

        def verify_session(session):
            cases.check_session(session)
            for row, name in enumerate(PERSONS.values()):
                _within(session["eda"]["eda"].values[row], _pyxdf_values(path, name), name)

        return cases.Case(
            "read_xdf",
            f"{label}: {cases.short(data)}",
            lambda: concordlab.io.read_xdf(path, persons=PERSONS),
            verify_session,
        )

    stream = "EDA_P1" if name == "dyad_eda.xdf" else None

    def verify_recording(recording):
        cases.check(isinstance(recording, concordlab.io.Recording), "not a Recording")
        (name,) = recording.source["streams"]
        reference = _pyxdf_values(path, name)
        for column, channel in enumerate(recording.channels.values()):
            _within(channel.values, reference[:, column], f"{name} channel {column}")

    return cases.Case(
        "read_xdf_recording",
        f"{label}: {cases.short(data)}",
        lambda: concordlab.io.read_xdf_recording(path, stream=stream),
        verify_recording,
    )


@cases.FUZZ_SETTINGS
@given(data=st.data())
def test_read_xdf_fuzz(data, scratch):
    """Damaged real XDF files and garbage after the magic code."""
    cases.assert_ok(xdf_case(cases.Chooser(draw=data.draw), scratch()))


@pytest.mark.parametrize("seed", range(40))
def test_read_xdf_seeded(seed, scratch):
    """The same generator from fixed seeds (reproducible without hypothesis)."""
    cases.assert_ok(xdf_case(cases.Chooser(seed=seed), scratch()))
