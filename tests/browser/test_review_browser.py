"""Blinded clips in a real browser: Debian's headless Chromium plays them frame-exactly.

Clips of the bar-coded h264 video of ``tests/review/test_export.py`` (B-frames, a
keyframe every 12 frames) are cut with the smart cut and with the stream copy, served
from a local HTTP server (a canvas reads pixels only from its own origin), and played in
a ``<video>``: at each presented frame (``requestVideoFrameCallback``) the
frame is drawn on a canvas and its bar code read back. Every frame from the first asked
to the last must be shown once, in order, and nothing else.
"""

from __future__ import annotations

import functools
import http.server
import math
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

pytest.importorskip("av")
sys.path.insert(0, str(Path(__file__).parent.parent / "review"))
from test_export import BAR, BITS, HEIGHT, RATE, WIDTH, make_video

from concordlab.review._cut import cut_clip

pytestmark = pytest.mark.slow

# video times: on a keyframe (2.4 s), between keyframes with a copied middle (3.35 s),
# within one keyframe interval (1.25 s), from the start
SPANS = [(3.35, 5.05), (2.4, 5.0), (1.25, 1.95), (0.0, 2.45)]

PLAY = f"""async (name) => {{
  const video = document.createElement('video'), canvas = document.createElement('canvas');
  canvas.width = {WIDTH}; canvas.height = {HEIGHT};
  const context = canvas.getContext('2d', {{willReadFrequently: true}});
  video.muted = true;
  video.src = name;
  await new Promise((ok, fail) => {{
    video.onloadeddata = ok;
    video.onerror = () => fail(new Error(String(video.error && video.error.message)));
  }});
  const read = () => {{
    context.drawImage(video, 0, 0, {WIDTH}, {HEIGHT});
    const pixels = context.getImageData(0, 0, {WIDTH}, {HEIGHT}).data;
    let number = 0;
    for (let bit = 0; bit < {BITS}; bit++) {{
      let sum = 0;
      for (let x = bit * {BAR} + 2; x < (bit + 1) * {BAR} - 2; x++)
        for (let y = 4; y < {HEIGHT} - 4; y++) sum += pixels[(y * {WIDTH} + x) * 4];
      if (sum / (({BAR} - 4) * ({HEIGHT} - 8)) > 128) number |= 1 << bit;
    }}
    return number;
  }};
  const numbers = [read()];
  const step = () => {{
    numbers.push(read());
    if (!video.ended) video.requestVideoFrameCallback(step);
  }};
  video.requestVideoFrameCallback(step);
  await video.play();
  await new Promise(ok => {{ if (video.ended) ok(); else video.onended = ok; }});
  return {{duration: video.duration, numbers}};
}}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A folder served over HTTP on the loopback address, and its URL."""
    folder = tmp_path_factory.mktemp("served")
    (folder / "index.html").write_text("<html><body></body></html>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *args: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("cut", ["smart", "copy"])
def test_chromium_shows_exactly_the_clips_frames(browser: Browser, served, cut):
    url, folder = served
    source = folder / "source.mp4"
    if not source.exists():
        make_video(source, "libx264", gop=12)
    page = browser.new_page()
    try:
        page.goto(f"{url}/index.html")
        for start, end in SPANS:
            name = f"{cut}-{start}-{end}.mp4"
            assert cut_clip(source, folder / name, start, end, audio=False, cut=cut) == cut
            shown = page.evaluate(PLAY, name)
            numbers = shown["numbers"]
            distinct = [n for i, n in enumerate(numbers) if i == 0 or n != numbers[i - 1]]
            first, last = math.ceil(start * RATE - 1e-6), math.ceil(end * RATE - 1e-6) - 1
            assert distinct == list(range(first, last + 1)), (name, distinct)
            if cut == "smart":  # no hidden frames: the duration is the clip's
                assert shown["duration"] == pytest.approx((last - first + 1) / RATE)
    finally:
        page.close()
