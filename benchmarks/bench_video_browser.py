"""The explorer's video with a long file, in a real browser: first frame, seeks, memory.

Runs JupyterLab and Debian's headless Chromium (as the browser tests do, through
``tests/browser/_lab.py``) on the folder of a video file given on the command line, e.g. a
60-minute 720p H.264 made with the ``ffmpeg`` of the ``imageio-ffmpeg`` wheel::

    ffmpeg -f lavfi -i testsrc2=size=1280x720:rate=25 -t 3600 -c:v libx264 \\
        -preset ultrafast -b:v 1200k -g 75 -pix_fmt yuv420p -movflags +faststart long.mp4

A simulated session as long as the video, with the video attached, is saved beside it and
shown with ``concordlab.explore``. Measured in the page: from the explorer drawn to the
video's first frame (``readyState >= 2``) and, cold, for a new element on the same URL,
from the play button to the ``playing`` event,
from setting ``currentTime`` to minute 50 to the ``seeked`` event and to the video
playing there, and from a click on the overview strip at minute 25 (paused) to the video
showing the frame at the new view's start (the explorer's own path through the kernel);
the answers of the server to the browser's video requests (status codes, Content-Range);
and the kernel's resident memory after the explorer is drawn and after playing and seeking,
next to the file's size (the file must not go through the kernel).

Run: ``python benchmarks/bench_video_browser.py /tmp/long.mp4``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
import _lab

import concordlab

NOTEBOOK = "bench_video.ipynb"
SESSION = "bench_video.nc"
MB = 1024 * 1024


def wait(page, script: str, arg: object = None, timeout: float = 120_000) -> float:
    """Seconds until ``script(video, arg)`` is true (polled each animation frame)."""
    start = time.perf_counter()
    page.wait_for_function(
        f"([arg]) => {{ const v = document.querySelector('video.concordlab-video-element');"
        f" return v && ({script})(v, arg); }}",
        arg=[arg],
        timeout=timeout,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--seek-to", type=float, default=3000.0, help="seconds (minute 50)")
    args = parser.parse_args()
    video = args.video.resolve()
    root = video.parent
    session = concordlab.attach_video(concordlab.simulate_dyad(3600, seed=1), video)
    duration = float(concordlab.videos(session)["duration"].iloc[0])
    print(f"video: {video.name}, {video.stat().st_size / MB:.0f} MB, {duration / 60:.1f} min")
    concordlab.save(session, root / SESSION)
    source = (
        f'import concordlab\nexplorer = concordlab.explore("{SESSION}", sidecar=False)\nexplorer'
    )
    with tempfile.TemporaryDirectory() as state, sync_playwright() as playwright:
        lab = _lab.start_lab(root, Path(state))
        browser = _lab.launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            answers: list[tuple[int, str, str]] = []
            page.on(
                "response",
                lambda r: (
                    answers.append(
                        (
                            r.status,
                            r.headers.get("content-range", ""),
                            r.headers.get("content-length", ""),
                        )
                    )
                    if "/files/" in r.url
                    else None
                ),
            )
            _lab.run_explorer_notebook(page, lab, NOTEBOOK, source)
            drawn = time.perf_counter()
            wait(page, "v => v.readyState >= 2")
            first_frame = time.perf_counter() - drawn
            # Cold: a new element on the same URL with a query (no cache), timed in the page.
            reload_frame = page.evaluate(
                """() => new Promise(done => {
                    const v = document.querySelector('video.concordlab-video-element');
                    const cold = document.createElement('video');
                    cold.preload = 'auto';
                    const start = performance.now();
                    cold.addEventListener('loadeddata', () => {
                        done((performance.now() - start) / 1000);
                        cold.removeAttribute('src');
                        cold.load();
                    });
                    cold.src = v.currentSrc + '?cold=' + Date.now();
                })"""
            )
            (kernel,) = lab.kernels()
            process = lab.kernel_process(kernel["id"])
            before = process.memory_info().rss
            page.locator("button.concordlab-video-play").click()
            started = wait(page, "v => !v.paused && v.currentTime > 0.2")
            page.wait_for_timeout(3000)  # play a few seconds (the cursor moves)
            page.evaluate(
                "t => { const v = document.querySelector('video.concordlab-video-element');"
                " window.seekedAt = null; v.addEventListener('seeked', () => "
                "{ window.seekedAt = performance.now(); }, {once: true});"
                " window.seekStart = performance.now(); v.currentTime = t; }",
                args.seek_to,
            )
            wait(page, "v => window.seekedAt !== null")
            seek = page.evaluate("() => (window.seekedAt - window.seekStart) / 1000")
            playing_there = wait(
                page, "(v, t) => !v.paused && v.currentTime > t + 0.5", args.seek_to
            )
            page.wait_for_timeout(2000)
            cursor = page.evaluate(
                "() => { const gd = [...document.querySelectorAll('.js-plotly-plot')]"
                ".find(g => g.layout && g.layout.shapes);"
                " return gd.layout.shapes.find(s => s.name === 'video').x0; }"
            )
            # Through the explorer: pause, click the overview strip at minute 25; the view
            # moves there (kernel), which seeks the video to the view's start (browser).
            page.locator("button.concordlab-video-play").click()
            wait(page, "v => v.paused")
            track = page.locator(".concordlab-overview-track svg").first.bounding_box()
            page.mouse.click(track["x"] + track["width"] * 1500 / 3600, track["y"] + 10)
            explorer_seek = wait(
                page, "v => Math.abs(v.currentTime - 1500) < 600 && !v.seeking && v.readyState >= 2"
            )
            where = page.evaluate(
                "() => document.querySelector('video.concordlab-video-element').currentTime"
            )
            after = process.memory_info().rss
        finally:
            browser.close()
            lab.stop()
    print(f"first frame after the explorer is drawn: {first_frame:.2f} s; "
          f"cold, a new element on the URL: {reload_frame:.2f} s")  # fmt: skip
    print(f"play button to playing: {started:.2f} s")
    print(f"seek to {args.seek_to:g} s: seeked after {seek:.2f} s, playing there after "
          f"{seek + playing_there:.2f} s; cursor at {cursor:.1f} s")  # fmt: skip
    print(f"overview click at minute 25 to the video's frame there (kernel round trip): "
          f"{explorer_seek:.2f} s (video at {where:.1f} s, the view's start)")  # fmt: skip
    size = video.stat().st_size / MB
    print(f"kernel memory: {before / MB:.0f} MB drawn, {after / MB:.0f} MB after play and seek "
          f"(+{(after - before) / MB:.0f} MB; file {size:.0f} MB)")  # fmt: skip
    statuses = sorted({status for status, _, _ in answers})
    print(f"video requests: {len(answers)}, statuses {statuses} (status, Content-Range):")
    for status, content_range, _ in answers[:8]:
        print(f"   {status} {content_range}")


if __name__ == "__main__":
    main()
