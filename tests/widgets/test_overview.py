"""The overview strip: Python side (traitlets, view arithmetic, content) and its packaging.

The browser side (drawing, dragging, keys, playback) is covered by the real-browser tests;
here the ES module is only checked as text.
"""

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import concordlab
from concordlab.errors import ValidationError
from concordlab.plots import PERSON_COLOURS
from concordlab.widgets.overview import MAX_POINTS, Overview

ROOT = Path(__file__).resolve().parents[2]
WIDGETS = ROOT / "widgets"
ASSETS = ("overview.js", "overview.css")
# Not part of a build: version control, virtual environments, caches, earlier builds.
UNBUILT = (".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".*cache")
UNBUILT += (".hypothesis", ".ipynb_checkpoints", "node_modules")


# -- traitlets -----------------------------------------------------------------------------


def test_defaults():
    overview = Overview()
    assert overview.duration == 60.0
    assert (overview.view_start, overview.view_end) == (0.0, 60.0)
    assert overview.playing is False
    assert overview.speed == 10.0
    assert overview.step_fraction == 0.5
    assert overview.times == overview.first == overview.second == []
    assert overview.segments == []
    assert overview.persons == list(concordlab.DEFAULT_PERSONS)
    assert overview.colours == list(PERSON_COLOURS)


def test_the_default_view_is_the_whole_session():
    overview = Overview(duration=600)
    assert (overview.view_start, overview.view_end) == (0.0, 600.0)


def test_constructor_view_is_clamped():
    overview = Overview(duration=100, view_start=90, view_end=120)
    assert (overview.view_start, overview.view_end) == (70.0, 100.0)


def test_traitlets_are_synced():
    synced = set(Overview().keys)
    expected = {"duration", "view_start", "view_end", "playing", "speed", "step_fraction"}
    expected |= {"times", "first", "second", "segments", "persons", "colours", "_esm", "_css"}
    assert expected <= synced


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("duration", 0, "positive"),
        ("duration", -5.0, "positive"),
        ("duration", float("nan"), "finite"),
        ("duration", "ten", "number"),
        ("duration", True, "number"),
        ("speed", 0, "positive"),
        ("speed", float("inf"), "finite"),
        ("step_fraction", 0, r"\(0, 1\]"),
        ("step_fraction", 1.5, r"\(0, 1\]"),
        ("view_start", float("nan"), "finite"),
        ("view_end", None, "number"),
        ("playing", "yes", "True or False"),
    ],
)
def test_invalid_traitlets_are_refused(name, value, match):
    overview = Overview(duration=100, view_start=10, view_end=20)
    before = overview.get_state()
    with pytest.raises(ValidationError, match=match):
        setattr(overview, name, value)
    assert overview.get_state() == before


def test_invalid_constructor_argument():
    with pytest.raises(ValidationError, match="duration"):
        Overview(duration=-1)


def test_one_end_alone_cannot_cross_the_other():
    overview = Overview(duration=100, view_start=10, view_end=20)
    with pytest.raises(ValidationError, match="set_view"):
        overview.view_start = 30
    with pytest.raises(ValidationError, match="set_view"):
        overview.view_end = 5
    assert (overview.view_start, overview.view_end) == (10.0, 20.0)


def test_one_end_alone_is_clamped_to_the_session():
    overview = Overview(duration=100, view_start=10, view_end=20)
    overview.view_end = 250
    overview.view_start = -4
    assert (overview.view_start, overview.view_end) == (0.0, 100.0)


def test_an_update_from_the_browser_is_validated_as_a_whole():
    # The browser sends both ends in one message; ipywidgets applies it in one batch.
    overview = Overview(duration=100, view_start=10, view_end=20)
    overview.set_state({"view_start": 50.0, "view_end": 60.0})
    assert (overview.view_start, overview.view_end) == (50.0, 60.0)
    with pytest.raises(ValidationError):
        overview.set_state({"view_start": 70.0, "view_end": 65.0})
    assert (overview.view_start, overview.view_end) == (50.0, 60.0)


def test_a_shorter_session_pulls_the_view_inside():
    overview = Overview(duration=600, view_start=500, view_end=560)
    overview.duration = 300
    assert (overview.view_start, overview.view_end) == (240.0, 300.0)
    overview.duration = 30
    assert (overview.view_start, overview.view_end) == (0.0, 30.0)


# -- set_view and step -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (10, 30, (10.0, 30.0)),
        (-5, 15, (0.0, 20.0)),
        (90, 130, (60.0, 100.0)),
        (-50, 150, (0.0, 100.0)),
        (0, 100, (0.0, 100.0)),
        (99.5, 100.5, (99.0, 100.0)),
    ],
)
def test_set_view_clamps_and_keeps_the_width(start, end, expected):
    overview = Overview(duration=100)
    overview.set_view(start, end)
    assert (overview.view_start, overview.view_end) == pytest.approx(expected)


@pytest.mark.parametrize(("start", "end"), [(20, 20), (30, 10), (float("nan"), 5), ("a", 5)])
def test_set_view_refuses_an_empty_or_unreadable_view(start, end):
    overview = Overview(duration=100, view_start=10, view_end=20)
    with pytest.raises(ValidationError):
        overview.set_view(start, end)
    assert (overview.view_start, overview.view_end) == (10.0, 20.0)


def test_step_moves_by_the_step_fraction_of_the_width():
    overview = Overview(duration=100, view_start=40, view_end=60, step_fraction=0.25)
    overview.step(1)
    assert (overview.view_start, overview.view_end) == (45.0, 65.0)
    overview.step(-1)
    overview.step(-1)
    assert (overview.view_start, overview.view_end) == (35.0, 55.0)
    overview.step_fraction = 1.0
    overview.step()
    assert (overview.view_start, overview.view_end) == (55.0, 75.0)


def test_step_stops_at_the_ends_keeping_the_width():
    overview = Overview(duration=100, view_start=70, view_end=90)
    overview.step(1)
    assert (overview.view_start, overview.view_end) == (80.0, 100.0)
    overview.step(1)
    assert (overview.view_start, overview.view_end) == (80.0, 100.0)
    overview.set_view(5, 25)
    overview.step(-1)
    assert (overview.view_start, overview.view_end) == (0.0, 20.0)


def test_step_refuses_a_direction_that_is_not_a_number():
    with pytest.raises(ValidationError, match="direction"):
        Overview().step("forward")


def test_observers_see_both_ends_once_per_move():
    overview = Overview(duration=100, view_start=0, view_end=10)
    seen = []

    def handler(change):
        seen.append((change["name"], overview.view_start, overview.view_end))

    overview.observe(handler, names=["view_start", "view_end"])
    overview.set_view(20, 40)
    # Each handler call already sees the final view: no half-moved state is observable.
    assert sorted(seen) == [("view_end", 20.0, 40.0), ("view_start", 20.0, 40.0)]
    seen.clear()
    overview.step(1)
    assert {name for name, *_ in seen} == {"view_start", "view_end"}
    assert all((start, end) == (30.0, 50.0) for _, start, end in seen)
    seen.clear()
    overview.set_view(30, 50)  # no change, no notification
    assert seen == []


# -- set_signals -------------------------------------------------------------------------


def test_set_signals_decimates_and_keeps_both_envelopes():
    rng = np.random.default_rng(3)
    time = np.arange(20_000) / 32.0
    first = rng.normal(size=time.size).cumsum()
    second = rng.normal(size=time.size)
    second[12_345] = 50.0  # one spike must survive
    overview = Overview(duration=time[-1])
    overview.set_signals(time, first, second)
    assert len(overview.times) == len(overview.first) == len(overview.second)
    assert len(overview.times) <= MAX_POINTS
    assert np.all(np.diff(overview.times) > 0)
    assert min(overview.first) == first.min() and max(overview.first) == first.max()
    assert min(overview.second) == second.min() and max(overview.second) == 50.0
    assert overview.times[0] <= time[200] and overview.times[-1] >= time[-200]


def test_set_signals_max_points():
    time = np.arange(5000.0)
    overview = Overview(duration=5000)
    overview.set_signals(time, np.sin(time), np.cos(time), max_points=40)
    assert len(overview.times) <= 40
    with pytest.raises(ValidationError, match="max_points"):
        overview.set_signals(time, time, time, max_points=4)


def test_short_signals_are_sent_whole_and_nan_becomes_a_gap():
    time = np.arange(10.0)
    first = np.arange(10.0)
    first[3] = np.nan
    overview = Overview(duration=10)
    overview.set_signals(time, first, -time)
    assert overview.times == time.tolist()
    assert overview.first[3] is None
    assert overview.first[4] == 4.0
    assert overview.second == (-time).tolist()


def test_set_signals_accepts_session_data():
    session = concordlab.example_session()
    eda = session["eda"].dataset
    overview = Overview(duration=concordlab.time_span(session)[1])
    overview.set_signals(
        eda["time"], eda["eda"].sel(person="patient"), eda["eda"].sel(person="therapist")
    )
    assert 0 < len(overview.times) <= MAX_POINTS


@pytest.mark.parametrize(
    ("times", "first", "second", "match"),
    [
        ([0, 1, 2], [1, 2], [1, 2, 3], "first has 2 values"),
        ([0, 1, 2], [1, 2, 3], [1, 2], "second has 2 values"),
        ([[0, 1]], [[1, 2]], [[1, 2]], "1-D"),
        ([0, 2, 1], [1, 2, 3], [1, 2, 3], "sorted"),
        ([0, np.nan, 2], [1, 2, 3], [1, 2, 3], "finite"),
        (["a", "b"], [1, 2], [1, 2], "numbers"),
    ],
)
def test_set_signals_refuses_bad_arrays(times, first, second, match):
    with pytest.raises(ValidationError, match=match):
        Overview().set_signals(times, first, second)


# -- set_segments ----------------------------------------------------------------------------


def test_set_segments_serialises_a_segments_table():
    session = concordlab.from_arrays({"eda": np.ones((2, 400))}, sampling_rate=4)
    session = concordlab.add_segment(session, 10, 25, "talk", person="therapist")
    session = concordlab.add_segment(session, 30, 40, "talk", person="patient")
    session = concordlab.add_segment(session, 50, 60, "talk", person="therapist")
    session = concordlab.add_segment(session, 70, 80, "silence")
    overview = Overview(duration=100)
    overview.set_segments(concordlab.segments(session))
    rows = overview.segments
    assert [(row["start"], row["end"]) for row in rows] == [(10, 25), (30, 40), (50, 60), (70, 80)]
    assert [row["person"] for row in rows] == ["therapist", "patient", "therapist", "both"]
    assert [row["label"] for row in rows] == ["talk", "talk", "talk", "silence"]
    colours = [row["colour"] for row in rows]
    assert colours[0] == colours[2]  # same (label, person), same colour
    assert len(set(colours)) == 3
    assert all(type(value) in (float, str) for row in rows for value in row.values())


def test_set_segments_from_a_session_and_clearing():
    session = concordlab.example_session()
    overview = Overview(duration=600)
    overview.set_segments(session)
    assert len(overview.segments) == len(concordlab.segments(session))
    overview.set_segments(None)
    assert overview.segments == []
    overview.set_segments(concordlab.segments(session).iloc[:0])
    assert overview.segments == []


def test_set_segments_uses_a_colour_column_and_defaults_the_person():
    table = pd.DataFrame(
        {"start": [1.0, 5.0], "end": [2.0, 9.0], "label": ["a", "b"], "colour": ["red", None]}
    )
    overview = Overview(duration=10)
    overview.set_segments(table)
    assert overview.segments[0]["colour"] == "red"
    assert overview.segments[1]["colour"].startswith("rgb")
    assert {row["person"] for row in overview.segments} == {"both"}


@pytest.mark.parametrize(
    ("table", "match"),
    [
        (pd.DataFrame({"start": [1.0], "label": ["a"]}), "end"),
        (pd.DataFrame({"start": [np.nan], "end": [2.0], "label": ["a"]}), "start of segment 0"),
        ([{"start": 1, "end": 2, "label": "a"}], "DataFrame"),
    ],
)
def test_set_segments_refuses_bad_tables(table, match):
    with pytest.raises(ValidationError, match=match):
        Overview().set_segments(table)


# -- the front end -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ASSETS)
def test_the_widget_loads_its_front_end_files(name):
    overview = Overview()
    trait = "_esm" if name.endswith(".js") else "_css"
    assert getattr(overview, trait) == (WIDGETS / name).read_text(encoding="utf-8")


def test_the_es_module_exports_a_render_function():
    text = (WIDGETS / "overview.js").read_text(encoding="utf-8")
    assert text.strip()
    assert re.search(r"^export default \{[^}]*\brender\b[^}]*\};?\s*$", text, re.MULTILINE)
    assert re.search(r"^function render\(\{ model, el \}\)", text, re.MULTILINE)
    for name in ("view_start", "view_end", "playing", "speed", "step_fraction", "segments"):
        assert f'"{name}"' in text, name
    assert "save_changes" in text


@pytest.mark.parametrize("name", ASSETS)
def test_the_front_end_fetches_nothing(name):
    text = (WIDGETS / name).read_text(encoding="utf-8")
    # The only URL allowed is the SVG namespace, an identifier that is never fetched.
    urls = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'`)]*", text))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    assert not re.search(r"\bimport\s*\(|^\s*import\s|@import|\bfetch\(|XMLHttpRequest", text, re.M)


@pytest.mark.parametrize("name", ASSETS)
def test_css_classes_are_prefixed(name):
    text = (WIDGETS / name).read_text(encoding="utf-8")
    if name.endswith(".css"):
        classes = re.findall(
            r"\.([a-zA-Z][\w-]*)", re.sub(r"/\*.*?\*/|\d\.\d", "", text, flags=re.S)
        )
    else:
        classes = re.findall(r"[\"'`](concordlab[\w-]*)", text)  # names in string literals
    assert classes
    assert all(c.startswith("concordlab-overview") for c in classes), set(classes)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_es_module_parses_and_its_helpers_agree_with_python():
    script = """
    const m = await import(process.argv[1]);
    console.log(JSON.stringify([typeof m.default.render, m.clock(75), m.clock(3725, true),
        m.clampView(95, 10, 100), m.clampView(-3, 10, 100), m.clampView(5, 200, 100)]));
    """
    url = (WIDGETS / "overview.js").as_uri()
    outcome = subprocess.run(
        ["node", "--input-type=module", "-e", script, url], capture_output=True, text=True
    )
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stdout.strip() == '["function","01:15","1:02:05",[90,100],[0,10],[0,100]]'


# -- packaging -------------------------------------------------------------------------------


def test_every_package_folder_is_listed_in_pyproject():
    # pyproject lists the packages by name (widgets/ ships as concordlab._static), so a new
    # subpackage that is not listed would silently be left out of the wheel.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    listed = set(config["setuptools"]["packages"])
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "concordlab").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert folders <= listed, f"add {sorted(folders - listed)} to [tool.setuptools] packages"
    assert config["setuptools"]["package-dir"]["concordlab._static"] == "widgets"


@pytest.mark.slow
def test_the_wheel_ships_the_front_end(tmp_path):
    # Built from a copy, so the checkout gets no build/ folder whose stale files could leak
    # into later wheels. Build isolation fetches the build backend (setuptools) from the
    # package index: the test environment need not have a recent setuptools of its own.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*UNBUILT))
    outcome = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    (wheel,) = tmp_path.glob("concordlab-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in ASSETS:
            assert f"concordlab/_static/{name}" in names
            shipped = archive.read(f"concordlab/_static/{name}")
            assert shipped == (WIDGETS / name).read_bytes()
    assert "concordlab/widgets/overview.py" in names
    assert not any(name.startswith("widgets/") for name in names)  # no stray top level
