"""The session explorer in a real browser: JupyterLab driven by headless Chromium.

A notebook running ``concordlab.explore(concordlab.example_session(), sidecar=...)`` is
opened in JupyterLab and used with the mouse and keyboard: the plot is drawn, a slider
recomputes the concordance, a box selection becomes a labelled segment band saved to the
sidecar, and the band is still there after the kernel dies and the notebook is reopened.
Along the way the explorer's output is photographed; with ``CONCORDLAB_UPDATE_SCREENSHOT=1``
the picture replaces ``docs/images/explorer.png`` (the README's), else it goes to a
temporary folder and the working tree stays clean.

The tests share one JupyterLab server and one browser tab and run in file order; each one
only needs the fixtures it names (``marked`` adds the segment if no test did yet).
"""

from __future__ import annotations

import csv
import math
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _lab
import pytest
from playwright.sync_api import Locator, Page, expect

import concordlab

pytestmark = pytest.mark.slow

NOTEBOOK = "explore.ipynb"
SIDECAR = "segments.tsv"
SOURCE = (
    "import concordlab\n"
    f'explorer = concordlab.explore(concordlab.example_session(), sidecar="{SIDECAR}")\n'
    "explorer"
)
LABEL = "rupture"
SELECTED = (40.0, 100.0)  # seconds: wide enough (10 % of the view) to be labelled in place
README_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "explorer.png"
INDEX = re.compile(r"session index (-?\d+\.\d+)")


@dataclass
class Marked:
    """The segment added through the browser: bands drawn before, selection message."""

    bands_before: int
    status: str


def title(output: Locator) -> str:
    """The text of the explorer's plot title."""
    return _lab.main_plot(output).locator(".gtitle").text_content() or ""


def bands(output: Locator) -> Locator:
    """The segment bands (layout shapes) of the explorer's plot."""
    return _lab.main_plot(output).locator(".shapelayer path")


def band_label(output: Locator) -> Locator:
    """The label of the segment added in the browser, drawn on its band."""
    return _lab.main_plot(output).locator(".shape-label-text", has_text=LABEL)


def slider(output: Locator, name: str) -> Locator:
    """The ipywidgets slider whose description is ``name``."""
    label = output.page.locator("label.widget-label", has_text=re.compile(f"^{name}$"))
    return output.locator(".widget-slider").filter(has=label)


def python_index(**params: Any) -> str:
    """The session index the explorer shows for ``params``, computed in this process."""
    explorer = concordlab.explore(concordlab.example_session(), sidecar=False, **params)
    return f"{explorer.index:.3f}"


def sidecar_rows(lab: _lab.Lab) -> list[dict[str, str]]:
    """The rows of the explorer's sidecar (a BIDS-style events.tsv)."""
    with (lab.root / SIDECAR).open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def drag_box(page: Page, output: Locator, start: float, end: float) -> None:
    """Drag a box over the top signal panel from time ``start`` to ``end`` (seconds).

    The drag starts just above the panel's bottom edge and ends above its top edge (the
    legend sits there): plotly clips the box to the panel, so it spans all its values.
    """
    # Data to page pixels with plotly's own axis mapping (l2p) and plot-area offsets.
    box = _lab.main_plot(output).evaluate(
        """(gd, [start, end]) => {
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
            const rect = gd.getBoundingClientRect();
            return {x0: rect.left + xa._offset + xa.l2p(start),
                    x1: rect.left + xa._offset + xa.l2p(end),
                    bottom: rect.top + ya._offset + ya._length - 3,
                    above: rect.top + ya._offset - 30};
        }""",
        [start, end],
    )
    page.mouse.move(box["x0"], box["bottom"])
    page.mouse.down()
    page.mouse.move(box["x1"], box["above"], steps=12)
    page.mouse.up()


def clear_hover(page: Page, output: Locator) -> None:
    """Leave the plot with the mouse so that plotly removes its hover label.

    Plotly hides the label on the drag layer's ``mouseout``; a mouse that jumps from one
    point outside the plot to another never sends one, so pass over the plot first, and
    send the event if the label is still there.
    """
    plot = _lab.main_plot(output)
    box = plot.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(1, 1, steps=5)
    plot.evaluate(
        """gd => gd.querySelectorAll('.nsewdrag').forEach(layer =>
            layer.dispatchEvent(new MouseEvent('mouseout', {bubbles: true})))"""
    )


@pytest.fixture(scope="module")
def explorer(page: Page, lab: _lab.Lab) -> Locator:
    """The explorer's output element, drawn by running the notebook in JupyterLab."""
    return _lab.run_explorer_notebook(page, lab, NOTEBOOK, SOURCE)


@pytest.fixture(scope="module")
def marked(page: Page, explorer: Locator) -> Marked:
    """Box-select 40-100 s on the plot, type a label, press "Add segment"."""
    before = bands(explorer).count()
    _lab.main_plot(explorer).locator(
        '.modebar-btn[data-attr="dragmode"][data-val="select"]'
    ).click()
    drag_box(page, explorer, *SELECTED)
    # The selection reached Python: the status line reports it.
    status = explorer.locator(".widget-html", has_text="Selected")
    expect(status).to_be_visible()
    message = status.inner_text()
    explorer.locator('input[placeholder="label"]').fill(LABEL)
    explorer.locator("button", has_text="Add segment").click()
    expect(bands(explorer)).to_have_count(before + 1)
    return Marked(bands_before=before, status=message)


def test_plot_renders_with_the_session_index(explorer):
    plot = _lab.main_plot(explorer)
    expect(plot).to_have_count(1)
    # Signals and concordance are SVG lines with data (no WebGL canvas to redraw).
    lines = plot.locator(".scatterlayer .trace path.js-line")
    for n in range(3):
        expect(lines.nth(n)).to_have_attribute("d", re.compile(r"^M.*L.*L"))
    expect(plot.locator("canvas.gl-canvas")).to_have_count(0)
    text = title(explorer)
    assert text.startswith("eda: concordance (slope, 15 s windows)"), text
    # The plot is sized to the output's width (reported by the overview strip).
    expect(plot.locator(".main-svg").first).to_have_attribute(
        "width", str(round(explorer.bounding_box()["width"]))
    )
    assert INDEX.search(text).group(1) == python_index(), text


def test_window_slider_changes_the_index_in_the_title(page, explorer):
    window = slider(explorer, "window")
    before = title(explorer)
    # Keyboard on the slider handle (noUiSlider): one step of 0.5 s.
    window.locator(".noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    expect(_lab.main_plot(explorer).locator(".gtitle")).to_contain_text("15.5 s windows")
    assert INDEX.search(title(explorer)).group(1) == python_index(window=15.5)
    # Typing a value into the slider's readout.
    readout = window.locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("40")
    page.keyboard.press("Enter")
    expect(_lab.main_plot(explorer).locator(".gtitle")).to_contain_text("40 s windows")
    after = title(explorer)
    assert INDEX.search(after).group(1) == python_index(window=40), after
    assert INDEX.search(after).group(1) != INDEX.search(before).group(1), (before, after)
    # Back to the default for the tests (and the screenshot) that follow.
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("15")
    page.keyboard.press("Enter")
    expect(_lab.main_plot(explorer).locator(".gtitle")).to_have_text(before)


def test_wlcc_peak_draws_the_heatmap_of_the_view(page, explorer):
    label = page.locator("label.widget-label", has_text=re.compile("^method$"))
    method = explorer.locator(".widget-dropdown").filter(has=label).locator("select")
    method.select_option("wlcc_peak")
    plot = _lab.main_plot(explorer)
    expect(plot.locator(".gtitle")).to_contain_text("(wlcc_peak, 15 s windows)")
    expect(plot.locator(".gtitle")).to_contain_text("(computed at 8 Hz)")
    assert INDEX.search(title(explorer)).group(1) == python_index(method="wlcc_peak")
    # The cells arrived as float32 bytes (plotly's typed array spec), drawn as one image.
    expect(plot.locator(".heatmaplayer image")).to_have_count(1)
    rows, columns, finite = plot.evaluate(
        """gd => {
            const z = gd.calcdata.find(trace => trace[0].trace.type === 'heatmap')[0].z;
            return [z.length, z[0].length, z.flat().filter(Number.isFinite).length];
        }"""
    )
    assert rows == 41 and 100 < columns < 200 and finite > rows * columns / 2
    note = explorer.locator(".widget-html", has_text="Lag profile at 41 lags")
    expect(note).to_contain_text("every 0.25 s up to 5 s")
    method.select_option("slope")
    expect(plot.locator(".gtitle")).to_contain_text("(slope, 15 s windows)")
    expect(plot.locator(".heatmaplayer image")).to_have_count(0)


def test_box_selection_becomes_a_labelled_band_saved_to_the_sidecar(lab, explorer, marked):
    start, end = (float(number) for number in re.findall(r"\d+\.?\d*", marked.status)[:2])
    assert (start, end) == pytest.approx(SELECTED, abs=2), marked.status
    expect(bands(explorer)).to_have_count(marked.bands_before + 1)
    expect(band_label(explorer)).to_have_count(1)
    expect(explorer.locator("select option", has_text=f"{LABEL} (both)")).to_have_count(1)
    (row,) = [row for row in sidecar_rows(lab) if row["trial_type"] == LABEL]
    onset, duration = float(row["onset"]), float(row["duration"])
    assert onset == pytest.approx(SELECTED[0], abs=2), row
    assert onset + duration == pytest.approx(SELECTED[1], abs=2), row
    assert row["person"] == "both"


def test_screenshot_of_the_explorer_for_the_readme(page, explorer, marked, tmp_path):
    update = os.environ.get("CONCORDLAB_UPDATE_SCREENSHOT") == "1"
    screenshot = README_SCREENSHOT if update else tmp_path / "explorer.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    explorer.scroll_into_view_if_needed()
    # The output is taller than the notebook area at 1100 px: grow the window for the
    # picture only, so that the whole output is on screen.
    box = explorer.bounding_box()
    viewport = page.viewport_size
    scroller = _lab.notebook_panel(page).locator(".jp-WindowedPanel-outer")  # JupyterLab 4
    if not scroller.count():
        scroller = _lab.notebook_panel(page).locator(".jp-Notebook")
    notebook = scroller.first.bounding_box()
    missing = max(0, math.ceil(box["y"] + box["height"] - notebook["y"] - notebook["height"]) + 8)
    page.set_viewport_size({"width": viewport["width"], "height": viewport["height"] + missing})
    try:
        explorer.scroll_into_view_if_needed()
        clear_hover(page, explorer)  # no hover label in the picture
        expect(_lab.main_plot(explorer).locator(".hoverlayer .hovertext")).to_have_count(0)
        expect(band_label(explorer)).to_be_visible()
        explorer.screenshot(path=screenshot, animations="disabled")
    finally:
        page.set_viewport_size(viewport)
    header = screenshot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert width > 800 and height > 800, (width, height)


def test_band_survives_a_dead_kernel_and_a_reopened_notebook(lab, page, explorer, marked):
    (kernel,) = lab.kernels()
    process = lab.kernel_process(kernel["id"])
    process.kill()  # SIGKILL: no chance to save anything on the way out
    process.wait(timeout=30)
    dialog = page.locator(".jp-Dialog", has_text="appears to have died")
    expect(dialog).to_be_visible(timeout=_lab.KERNEL_TIMEOUT_MS)
    dialog.locator("button", has_text="Ok").click()
    _lab.close_notebook(page)
    _lab.reopen_notebook(page, NOTEBOOK)
    _lab.run_all_cells(page)
    output = _lab.explorer_output(page)
    assert lab.kernel_process(kernel["id"]).pid != process.pid  # a new kernel process
    expect(band_label(output)).to_have_count(1)
    expect(bands(output)).to_have_count(marked.bands_before + 1)
    expect(output.locator("select option", has_text=f"{LABEL} (both)")).to_have_count(1)
