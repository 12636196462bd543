"""The explorer's video in a real browser: JupyterLab driven by Debian's headless Chromium.

A session with a short H.264 video (written here with PyAV; Debian's Chromium plays H.264,
VP8 and VP9, not MPEG-4 part 2) is saved beside a notebook that opens the explorer on it.
The browser fetches the video from the Jupyter server itself (a range request gets 206);
playing it moves the cursor; clicking the plot seeks it; an offset typed in the offset
control is kept in the sidecar and found again after the kernel is gone and the notebook
is reopened.

The tests share one JupyterLab server and one browser tab and run in file order.
"""

from __future__ import annotations

import csv
from pathlib import Path

import _lab
import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect

import concordlab

av = pytest.importorskip("av")

pytestmark = pytest.mark.slow

NOTEBOOK = "video.ipynb"
SESSION = "dyad.nc"
VIDEO = "room.mp4"
SECONDS, FRAME_RATE = 20, 10
SOURCE = f'import concordlab\nexplorer = concordlab.explore("{SESSION}")\nexplorer'
OFFSET = 1.5


def write_h264(path: Path) -> Path:
    """A 320x240 H.264 video of SECONDS s at FRAME_RATE (grey level = frame number)."""
    with av.open(str(path), "w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=FRAME_RATE)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for index in range(SECONDS * FRAME_RATE):
            image = np.full((240, 320, 3), index % 256, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


@pytest.fixture(scope="module")
def explorer(page: Page, lab: _lab.Lab) -> Locator:
    """The explorer on a saved session with a video, drawn in JupyterLab."""
    video = write_h264(lab.root / VIDEO)
    session = concordlab.attach_video(concordlab.example_session(), video)
    concordlab.save(session, lab.root / SESSION)
    output = _lab.run_explorer_notebook(page, lab, NOTEBOOK, SOURCE)
    player(output).wait_for(state="attached")
    return output


def player(output: Locator) -> Locator:
    return output.locator("video.concordlab-video-element")


def cursor_x(output: Locator) -> float:
    """The cursor's time in the browser's copy of the figure (the shape named "video")."""
    return _lab.main_plot(output).evaluate(
        "gd => gd.layout.shapes.find(shape => shape.name === 'video').x0"
    )


def wait_until(output: Locator, script: str, arg: object = None) -> None:
    """Wait until ``script(video, arg)`` is true in the browser."""
    output.page.wait_for_function(
        f"([video, arg]) => ({script})(video, arg)",
        arg=[player(output).element_handle(), arg],
        timeout=_lab.RENDER_TIMEOUT_MS,
    )


def test_the_browser_fetches_the_video_from_the_server(explorer):
    video = player(explorer)
    assert video.evaluate("v => v.canPlayType('video/mp4; codecs=\"avc1.42E01E\"')")
    wait_until(explorer, "v => v.readyState >= 1")  # its metadata arrived
    source = video.evaluate("v => v.currentSrc")
    assert source.endswith(f"/files/{VIDEO}"), source
    assert video.evaluate("v => v.duration") == pytest.approx(SECONDS, abs=0.2)
    expect(explorer.locator(".concordlab-video-message")).to_be_hidden()


def test_the_served_video_answers_range_requests(explorer):
    answer = player(explorer).evaluate(
        """async v => {
            const r = await fetch(v.currentSrc, {headers: {Range: "bytes=100-1099"}});
            const body = await r.arrayBuffer();
            return [r.status, r.headers.get("Content-Range"), body.byteLength];
        }"""
    )
    status, content_range, length = answer
    assert status == 206, answer
    assert content_range.startswith("bytes 100-1099/"), answer
    assert length == 1000


def test_playing_moves_the_cursor(explorer):
    before = cursor_x(explorer)
    explorer.locator("button.concordlab-video-play").click()
    wait_until(explorer, "v => !v.paused && v.currentTime > 1")
    _lab.main_plot(explorer).page.wait_for_function(
        "([gd, x]) => gd.layout.shapes.find(s => s.name === 'video').x0 > x + 0.5",
        arg=[_lab.main_plot(explorer).element_handle(), before],
        timeout=_lab.RENDER_TIMEOUT_MS,
    )
    explorer.locator("button.concordlab-video-play").click()  # pause
    wait_until(explorer, "v => v.paused")
    assert cursor_x(explorer) > before


def test_clicking_the_plot_seeks_the_video(page, explorer):
    plot = _lab.main_plot(explorer)
    target = 12.0  # s: inside the 20 s video, inside the first view
    point = plot.evaluate(
        """(gd, t) => {
            const trace = gd._fullData[0], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
            let best = 0;
            for (let i = 0; i < trace.x.length; i++)
                if (Math.abs(trace.x[i] - t) < Math.abs(trace.x[best] - t)) best = i;
            const rect = gd.getBoundingClientRect();
            return {t: trace.x[best], x: rect.left + xa._offset + xa.l2p(trace.x[best]),
                    y: rect.top + ya._offset + ya.l2p(trace.y[best])};
        }""",
        target,
    )
    page.mouse.move(point["x"], point["y"])
    page.wait_for_timeout(200)  # plotly's hover (the click needs it)
    page.mouse.click(point["x"], point["y"])
    wait_until(explorer, "(v, t) => Math.abs(v.currentTime - t) < 0.15", point["t"])
    assert cursor_x(explorer) == pytest.approx(point["t"], abs=0.15)


def test_the_offset_is_kept_after_reopening(lab, page, explorer):
    box = explorer.locator(".widget-text").filter(has_text="offset (s)").locator("input")
    box.fill(str(OFFSET))
    box.press("Enter")
    sidecar = lab.root / f"{SESSION}.videos.tsv"
    status = explorer.locator(".widget-html", has_text="Video offset")
    expect(status).to_contain_text(f"{OFFSET:g} s")
    with sidecar.open(newline="") as handle:
        (row,) = csv.DictReader(handle, delimiter="\t")
    assert (row["video"], float(row["offset"])) == ("room", OFFSET)
    _lab.close_notebook(page)
    for kernel in lab.kernels():  # no kernel left: the offset must come from the file
        lab.api("DELETE", f"kernels/{kernel['id']}")
    _lab.reopen_notebook(page, NOTEBOOK)
    _lab.run_all_cells(page)
    output = _lab.explorer_output(page)
    box = output.locator(".widget-text").filter(has_text="offset (s)").locator("input")
    expect(box).to_have_value(str(OFFSET))
    wait_until(output, "v => v.readyState >= 1")
    readout = output.locator(".concordlab-video-time")
    expect(readout).to_contain_text("(video")
    # The explorer opens on the session's start: the video at 0 + offset.
    wait_until(output, "(v, t) => Math.abs(v.currentTime - t) < 0.15", OFFSET)


def test_a_small_video_outside_the_served_folder_goes_through_the_kernel(
    lab, page, tmp_path_factory
):
    folder = tmp_path_factory.mktemp("outside")  # not under the Lab's root
    video = write_h264(folder / "outside.mp4")
    session = concordlab.attach_video(concordlab.example_session(), video)
    concordlab.save(session, lab.root / "outside.nc")
    output = _lab.run_explorer_notebook(
        page,
        lab,
        "outside.ipynb",
        'import concordlab\nconcordlab.explore("outside.nc", sidecar=False)',
    )
    # The kernel found the server's root (its runtime file) and sent the small file.
    wait_until(output, "v => v.readyState >= 1 && v.currentSrc.startsWith('blob:')")
    assert player(output).evaluate("v => v.duration") == pytest.approx(SECONDS, abs=0.2)
    expect(output.locator(".concordlab-video-message")).to_be_hidden()
