"""The made-up video of a session: its frames follow each person's signal."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import concordlab
from concordlab import ConcordlabError, ValidationError

av = pytest.importorskip("av")

CALM, AROUSED = np.array([60.0, 110.0, 210.0]), np.array([225.0, 55.0, 45.0])


@pytest.fixture(scope="module")
def session():
    return concordlab.simulate_dyad(30, channels=("eda",), seed=3)


def decoded(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
        rate = float(stream.average_rate)
    return np.array(frames), rate


def expected_levels(session, times):
    """Each person's signal scaled to 0-1 over its 2nd-98th percentiles, written here."""
    eda = session["eda"]["eda"]
    levels = []
    for person in eda["person"].values:
        series = eda.sel(person=person).values
        low, high = np.percentile(series, [2, 98])
        scaled = np.clip((series - low) / (high - low), 0, 1)
        levels.append(np.interp(times, eda["time"].values, scaled))
    return np.array(levels)


def face_level(frame, centre_x, centre_y):
    """Where a face's colour lies between calm and aroused (0-1), from its pixels."""
    patch = frame[centre_y - 3 : centre_y + 4, centre_x - 12 : centre_x - 6].reshape(-1, 3)
    colour = patch.astype(float).mean(axis=0)
    direction = AROUSED - CALM
    return float((colour - CALM) @ direction / (direction @ direction))


def test_faces_follow_each_persons_signal(session, tmp_path):
    path = concordlab.simulate_video(session, tmp_path / "room.mp4", frame_rate=5.0)
    frames, rate = decoded(path)
    assert rate == 5.0
    assert frames.shape[1:] == (180, 320, 3)
    _, end = concordlab.time_span(session)
    assert len(frames) == int(np.ceil(end * 5.0))
    times = np.arange(len(frames)) / 5.0
    truth = expected_levels(session, times)
    seen = np.array(
        [[face_level(frame, x, 75) for frame in frames] for x in (80, 240)]  # 2 faces
    )
    assert np.abs(seen - truth).max() < 0.08
    assert np.corrcoef(seen[0], truth[0])[0, 1] > 0.99


def test_offset_puts_grey_faces_before_the_session(session, tmp_path):
    path = concordlab.simulate_video(
        session, tmp_path / "room.webm", offset=2.0, width=160, height=90
    )
    frames, rate = decoded(path)
    _, end = concordlab.time_span(session)
    assert len(frames) == int(np.ceil((end + 2.0) * rate))
    face = frames[5, 35:42, 25:35].reshape(-1, 3).astype(float).mean(axis=0)  # 1 s: no signal
    assert np.abs(face - 110).max() < 12
    attached = concordlab.attach_video(session, path, offset=2.0)
    assert concordlab.videos(attached)["offset"].iloc[0] == 2.0


def test_a_group_gets_one_face_each(tmp_path):
    family = concordlab.simulate_group(3, duration=10, seed=2)
    frames, _ = decoded(concordlab.simulate_video(family, tmp_path / "family.mp4", channel="eda"))
    row = frames[len(frames) // 2, 75].astype(float)
    background = np.abs(row - [34, 34, 40]).max(axis=1) < 12
    changes = np.flatnonzero(np.diff(background.astype(int)))
    assert len(changes) == 6  # three faces cross the middle row


def test_bad_input_is_refused(session, tmp_path):
    with pytest.raises(ValidationError, match=r"\.mp4, \.mkv or \.webm"):
        concordlab.simulate_video(session, tmp_path / "room.avi")
    with pytest.raises(ValidationError, match="even"):
        concordlab.simulate_video(session, tmp_path / "room.mp4", width=321)
    with pytest.raises(ValidationError, match="Unknown channel"):
        concordlab.simulate_video(session, tmp_path / "room.mp4", channel="hr")


def test_missing_extra_names_it(session, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(ConcordlabError, match="video"):
        concordlab.simulate_video(session, tmp_path / "room.mp4")
