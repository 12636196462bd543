// concordlab overview strip: the whole session at a glance, with the current view as a
// window that can be dragged, stepped and played. Front end of concordlab.widgets.Overview.
//
// Plain ES module, no build step and no dependencies: anywidget loads it as is.
// Model traitlets (all times in seconds since session start):
//   duration, view_start, view_end, playing, speed (session seconds per wall-clock second),
//   step_fraction, times, first, second (null = gap), segments, persons, colours.
// While dragging or playing, the view is drawn every frame from a local copy (`shown`) and
// committed to the model (model.set + save_changes) at most SAVE_INTERVAL_MS apart, and once
// more when the gesture or playback ends. Committing only what is sent keeps the model equal
// to the kernel's echo of it, so echoes never pull the drawn view back.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 1000; // viewBox units along time; the SVG stretches to the strip's width
const HEIGHT = 100; // viewBox units across; the CSS sets the strip's height in pixels
const PAD = 6; // viewBox units kept free above and below the sparklines
const SAVE_INTERVAL_MS = 100; // 10 Hz: enough for the kernel, cheap on the comm
const MIN_WINDOW = 3; // viewBox units: a tiny view stays visible and grabbable

function svgElement(name, attributes = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

function htmlElement(name, className, parent, text = "") {
  const node = document.createElement(name);
  node.className = className;
  if (text) node.textContent = text;
  parent.appendChild(node);
  return node;
}

/** "mm:ss" (or "h:mm:ss" when the session lasts an hour or more). */
export function clock(seconds, long = false) {
  const total = Math.max(0, Math.floor(seconds + 1e-6));
  const s = String(total % 60).padStart(2, "0");
  const m = Math.floor(total / 60);
  if (!long) return `${String(m).padStart(2, "0")}:${s}`;
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}:${s}`;
}

/** Shift [start, start + width] into [0, duration], keeping its width. */
export function clampView(start, width, duration) {
  if (!(width > 0) || width >= duration) return [0, duration];
  const clamped = Math.min(Math.max(start, 0), duration - width);
  // Exactly `duration` at the end, so the kernel's own clamping never changes the value.
  return [clamped, Math.min(clamped + width, duration)];
}

/** SVG path of one sparkline, each person scaled to its own range; gaps break the line. */
function sparklinePath(times, values, duration) {
  const n = Math.min(times.length, values.length);
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== null && Number.isFinite(v)) {
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
  }
  if (!(duration > 0) || low === Infinity) return "";
  const span = high > low ? high - low : 1;
  const parts = [];
  let drawing = false;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || !Number.isFinite(v) || !Number.isFinite(times[i])) {
      drawing = false;
      continue;
    }
    const x = (times[i] / duration) * WIDTH;
    const y = HEIGHT - PAD - ((v - low) / span) * (HEIGHT - 2 * PAD);
    parts.push(`${drawing ? "L" : "M"}${x.toFixed(2)} ${y.toFixed(2)}`);
    drawing = true;
  }
  return parts.join("");
}

function render({ model, el }) {
  const root = htmlElement("div", "concordlab-overview", el);
  root.tabIndex = 0;
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "Session overview");
  root.setAttribute("aria-keyshortcuts", "ArrowLeft ArrowRight Space Home End");
  // JupyterLab ignores its own keyboard shortcuts inside this element.
  root.setAttribute("data-lm-suppress-shortcuts", "true");

  const controls = htmlElement("div", "concordlab-overview-controls", root);
  const button = (name, text) =>
    htmlElement("button", `concordlab-overview-button concordlab-overview-${name}`, controls, text);
  const back = button("back", "\u25C0\u25C0");
  const play = button("play", "\u25B6");
  const forward = button("forward", "\u25B6\u25B6");
  for (const node of [back, play, forward]) node.type = "button";
  back.title = "Step back (\u2190)";
  forward.title = "Step forward (\u2192)";
  back.setAttribute("aria-label", "Step back");
  forward.setAttribute("aria-label", "Step forward");
  const readout = htmlElement("span", "concordlab-overview-readout", controls);
  readout.setAttribute("aria-live", "off");

  const track = htmlElement("div", "concordlab-overview-track", root);
  const svg = svgElement("svg", {
    class: "concordlab-overview-svg",
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    preserveAspectRatio: "none",
    role: "img",
  }, track);
  const segmentLayer = svgElement("g", { class: "concordlab-overview-segments" }, svg);
  const lines = [0, 1].map((i) =>
    svgElement("path", { class: `concordlab-overview-line concordlab-overview-line-${i + 1}` }, svg),
  );
  const shadeBefore = svgElement("rect", { class: "concordlab-overview-shade", y: 0, height: HEIGHT }, svg);
  const shadeAfter = svgElement("rect", { class: "concordlab-overview-shade", y: 0, height: HEIGHT }, svg);
  const windowRect = svgElement("rect", { class: "concordlab-overview-window", y: 0.5, height: HEIGHT - 1 }, svg);

  // ---- state helpers -------------------------------------------------------------------
  const duration = () => Math.max(Number(model.get("duration")) || 0, 0);
  const modelView = () => [model.get("view_start"), model.get("view_end")];

  let shown = modelView(); // the view as drawn; ahead of the model while dragging or playing
  let dirty = false; // shown differs from what was last committed
  let writing = false; // our own model.set calls: not an outside change
  let lastSave = -Infinity;
  let anchor = null; // playback: { start, time } where and when the motion was last anchored

  function commit(force) {
    if (!dirty) return;
    const now = performance.now();
    if (!force && now - lastSave < SAVE_INTERVAL_MS) return;
    lastSave = now;
    dirty = false;
    writing = true;
    try {
      model.set("view_start", shown[0]);
      model.set("view_end", shown[1]);
    } finally {
      writing = false;
    }
    model.save_changes();
  }

  /** Show [start, end] (shifted inside the session), commit now or at the next save slot. */
  function moveTo(start, end, force, fromPlayback = false) {
    if (!fromPlayback) anchor = null; // playback carries on from wherever the view went
    const next = clampView(start, end - start, duration());
    if (next[0] !== shown[0] || next[1] !== shown[1]) {
      shown = next;
      dirty = true;
      drawWindow();
    }
    commit(force);
  }

  function step(direction) {
    const [start, end] = shown;
    const shift = direction * Number(model.get("step_fraction")) * (end - start);
    moveTo(start + shift, end + shift, true);
  }

  // ---- drawing -------------------------------------------------------------------------
  function drawWindow() {
    const d = duration();
    const [start, end] = shown;
    const x0 = d > 0 ? (start / d) * WIDTH : 0;
    const x1 = d > 0 ? (end / d) * WIDTH : WIDTH;
    const width = Math.max(x1 - x0, MIN_WINDOW);
    const x = Math.min(Math.max(x0 - (width - (x1 - x0)) / 2, 0), WIDTH - width);
    windowRect.setAttribute("x", x);
    windowRect.setAttribute("width", width);
    shadeBefore.setAttribute("x", 0);
    shadeBefore.setAttribute("width", Math.max(x, 0));
    shadeAfter.setAttribute("x", x + width);
    shadeAfter.setAttribute("width", Math.max(WIDTH - x - width, 0));
    const long = d >= 3600;
    readout.textContent = `${clock(start, long)} \u2013 ${clock(end, long)}`;
    root.setAttribute("aria-valuetext", readout.textContent);
  }

  function drawSignals() {
    const times = model.get("times") || [];
    const colours = model.get("colours") || [];
    const persons = model.get("persons") || [];
    ["first", "second"].forEach((name, i) => {
      lines[i].setAttribute("d", sparklinePath(times, model.get(name) || [], duration()));
      if (colours[i]) lines[i].style.stroke = colours[i];
      lines[i].replaceChildren();
      if (persons[i]) svgElement("title", {}, lines[i]).textContent = persons[i];
    });
  }

  function drawSegments() {
    const d = duration();
    const persons = model.get("persons") || [];
    const long = d >= 3600;
    segmentLayer.replaceChildren();
    if (!(d > 0)) return;
    for (const segment of model.get("segments") || []) {
      const x0 = (Math.max(segment.start, 0) / d) * WIDTH;
      const x1 = (Math.min(segment.end, d) / d) * WIDTH;
      if (!(x1 > x0)) continue;
      // A person's own segments fill their half of the strip; "both" fills all of it.
      const row = persons.indexOf(segment.person);
      const y = row === 1 ? HEIGHT / 2 : 0;
      const height = row === -1 ? HEIGHT : HEIGHT / 2;
      const rect = svgElement("rect", {
        class: "concordlab-overview-segment",
        x: x0,
        width: x1 - x0,
        y,
        height,
      }, segmentLayer);
      if (segment.colour) rect.style.fill = segment.colour;
      const who = segment.person ? ` (${segment.person})` : "";
      svgElement("title", {}, rect).textContent =
        `${segment.label ?? ""}${who} ${clock(segment.start, long)}\u2013${clock(segment.end, long)}`;
    }
  }

  function drawPlaying() {
    const playing = Boolean(model.get("playing"));
    play.textContent = playing ? "\u275A\u275A" : "\u25B6";
    play.title = `${playing ? "Pause" : "Play"} (Space) at ${model.get("speed")} s per second`;
    play.setAttribute("aria-label", playing ? "Pause" : "Play");
    play.setAttribute("aria-pressed", String(playing));
    root.classList.toggle("concordlab-overview-is-playing", playing);
  }

  // ---- playback --------------------------------------------------------------------------
  // The position follows an anchor (where and when the motion last started or was moved), so
  // the speed is exact whatever the frame rate; a drag, a step, a speed change or a view
  // moved from outside (Python, another view of the same model) re-anchors it.
  let frame = null;

  function stopLoop() {
    if (frame !== null) cancelAnimationFrame(frame);
    frame = null;
    anchor = null;
    commit(true); // paused between two save slots: the kernel gets where the view stopped
  }

  function tick(now) {
    frame = null;
    if (!model.get("playing")) return stopLoop();
    const [start, end] = shown;
    const width = end - start;
    const d = duration();
    if (anchor === null) anchor = { start, time: now };
    const speed = Math.max(Number(model.get("speed")) || 0, 0);
    const next = anchor.start + (speed * (now - anchor.time)) / 1000;
    if (next + width >= d) {
      moveTo(d - width, d, true, true);
      model.set("playing", false);
      model.save_changes();
      return stopLoop();
    }
    moveTo(next, next + width, false, true);
    frame = requestAnimationFrame(tick);
  }

  function startLoop() {
    if (frame !== null) return;
    const [start, end] = shown;
    // Pressing play at the end starts over, like a media player.
    if (end >= duration() - 1e-9) moveTo(0, end - start, true);
    anchor = null;
    frame = requestAnimationFrame(tick);
  }

  function togglePlaying() {
    model.set("playing", !model.get("playing"));
    model.save_changes();
  }

  // ---- pointer: drag the window, click elsewhere to centre it ---------------------------
  let drag = null; // { pointerId, offset } in seconds

  function timeAt(event) {
    const box = svg.getBoundingClientRect();
    const fraction = box.width > 0 ? (event.clientX - box.left) / box.width : 0;
    return Math.min(Math.max(fraction, 0), 1) * duration();
  }

  function onPointerDown(event) {
    if (event.button !== 0) return;
    root.focus({ preventScroll: true });
    const t = timeAt(event);
    const [start, end] = shown;
    const width = end - start;
    // Grab tolerance: the window as drawn (at least MIN_WINDOW units wide).
    const slack = (duration() * MIN_WINDOW) / WIDTH;
    let offset;
    if (t >= start - slack && t <= end + slack) {
      offset = Math.min(Math.max(t - start, 0), width);
    } else {
      offset = width / 2;
      moveTo(t - offset, t - offset + width, false);
    }
    drag = { pointerId: event.pointerId, offset };
    svg.setPointerCapture(event.pointerId);
    root.classList.add("concordlab-overview-is-dragging");
    event.preventDefault();
  }

  function onPointerMove(event) {
    if (drag === null || event.pointerId !== drag.pointerId) return;
    const [start, end] = shown;
    const next = timeAt(event) - drag.offset;
    moveTo(next, next + (end - start), false);
  }

  function onPointerUp(event) {
    if (drag === null || event.pointerId !== drag.pointerId) return;
    drag = null;
    if (svg.hasPointerCapture(event.pointerId)) svg.releasePointerCapture(event.pointerId);
    root.classList.remove("concordlab-overview-is-dragging");
    commit(true);
  }

  // ---- keyboard ------------------------------------------------------------------------
  function onKeyDown(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const onButton = event.target instanceof HTMLButtonElement;
    const [start, end] = shown;
    switch (event.key) {
      case "ArrowLeft":
        step(-1);
        break;
      case "ArrowRight":
        step(1);
        break;
      case "Home":
        moveTo(0, end - start, true);
        break;
      case "End":
        moveTo(duration() - (end - start), duration(), true);
        break;
      case " ":
      case "Spacebar":
        if (onButton) return; // the focused button's own click does the job
        togglePlaying();
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  // ---- wiring ----------------------------------------------------------------------------
  back.addEventListener("click", () => step(-1));
  forward.addEventListener("click", () => step(1));
  play.addEventListener("click", togglePlaying);
  svg.addEventListener("pointerdown", onPointerDown);
  svg.addEventListener("pointermove", onPointerMove);
  svg.addEventListener("pointerup", onPointerUp);
  svg.addEventListener("pointercancel", onPointerUp);
  root.addEventListener("keydown", onKeyDown);

  const onPlaying = () => {
    drawPlaying();
    if (model.get("playing")) startLoop();
    else stopLoop();
  };
  const onSpeed = () => {
    anchor = null; // re-anchor so a new speed applies from now on
    drawPlaying();
  };
  const onView = () => {
    if (writing) return;
    // Moved from outside (Python, another view): that wins over any uncommitted local move.
    shown = modelView();
    dirty = false;
    anchor = null;
    drawWindow();
  };
  const onDuration = () => {
    drawSignals();
    drawSegments();
    drawWindow();
  };
  const handlers = [
    ["change:view_start", onView],
    ["change:view_end", onView],
    ["change:duration", onDuration],
    ["change:times", drawSignals],
    ["change:first", drawSignals],
    ["change:second", drawSignals],
    ["change:colours", drawSignals],
    ["change:persons", onDuration],
    ["change:segments", drawSegments],
    ["change:playing", onPlaying],
    ["change:speed", onSpeed],
  ];
  for (const [name, handler] of handlers) model.on(name, handler);

  drawSignals();
  drawSegments();
  drawWindow();
  onPlaying();

  // Report the width the strip is given (the output area's), so that Python can size the
  // plots beside it: plotly's widget keeps its first width (700 px) otherwise.
  let reported = -1;
  const resize = new ResizeObserver(() => {
    const width = Math.round(root.getBoundingClientRect().width);
    if (width > 0 && Math.abs(width - reported) >= 8) {
      reported = width;
      model.set("width", width);
      model.save_changes();
    }
  });
  resize.observe(root);

  return () => {
    resize.disconnect();
    stopLoop();
    for (const [name, handler] of handlers) model.off(name, handler);
  };
}

export default { render };
