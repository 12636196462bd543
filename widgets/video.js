// concordlab video player: an HTML5 <video> that the browser fetches itself from the Jupyter
// server (GET /files/<path relative to the server root>, with HTTP range requests), never
// through the kernel. Front end of concordlab.widgets.video.VideoPlayer.
//
// Plain ES module, no build step and no dependencies: anywidget loads it as is.
// Model traitlets:
//   path (absolute POSIX path of the file), served_path (its path relative to the folder the
//   server serves, when the kernel could tell; else computed here from the page config's
//   serverRoot), video_time (s in the video), offset (s;
//   session_time = video_time - offset), playing, frame_rate, problem (written here when the
//   video cannot be shown: outside the served folder, or a load error), data (the file's
//   bytes, sent by the kernel only for a small file outside the served folder: played from
//   a Blob URL).
// While playing, video_time is committed at most SAVE_INTERVAL_MS apart (and at once on
// pause and after a seek), so the kernel is not flooded. A video_time set by the kernel, or
// a {"seek": seconds} message, seeks the element.

const SAVE_INTERVAL_MS = 250; // 4 Hz while playing
const TYPES = { mp4: "video/mp4", m4v: "video/mp4", webm: "video/webm", mkv: "video/x-matroska" };

/** The Jupyter page config (base URL, server root), or null outside a Jupyter page. */
function pageConfig() {
  const node = document.getElementById("jupyter-config-data");
  if (!node) return null;
  try {
    return JSON.parse(node.textContent || "{}");
  } catch (error) {
    return null;
  }
}

/** The path of `file` relative to `root` (both POSIX), or null when it is outside. */
export function relativePath(file, root) {
  const base = String(root || "").replace(/\/+$/, "");
  const path = String(file || "");
  if (!base) return path.startsWith("/") ? path.slice(1) : path;
  if (!path.startsWith(base + "/")) return null;
  return path.slice(base.length + 1);
}

/** The URL of a file of the server root: <baseUrl>files/<each part encoded>. */
export function filesUrl(baseUrl, relative) {
  const base = String(baseUrl || "/").replace(/\/?$/, "/");
  return base + "files/" + relative.split("/").map(encodeURIComponent).join("/");
}

/** "m:ss.s" (or "h:mm:ss.s"), with a minus sign before the session start. */
export function clock(seconds) {
  if (!Number.isFinite(seconds)) return "--:--";
  const sign = seconds < 0 ? "-" : "";
  const tenths = Math.round(Math.abs(seconds) * 10);
  const s = (tenths % 600) / 10;
  const m = Math.floor(tenths / 600);
  const ss = s.toFixed(1).padStart(4, "0");
  if (m < 60) return `${sign}${m}:${ss}`;
  return `${sign}${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}:${ss}`;
}

function element(name, className, parent, text = "") {
  const node = document.createElement(name);
  node.className = className;
  if (text) node.textContent = text;
  parent.appendChild(node);
  return node;
}

function render({ model, el }) {
  const root = element("div", "concordlab-video", el);
  const video = element("video", "concordlab-video-element", root);
  video.preload = "metadata";
  video.playsInline = true;
  const bar = element("div", "concordlab-video-bar", root);
  const play = element("button", "concordlab-video-play", bar, "▶");
  play.type = "button";
  play.title = "Play";
  const readout = element("span", "concordlab-video-time", bar);
  const message = element("div", "concordlab-video-message", root);

  let lastSave = 0;
  let blobUrl = null; // the URL of the bytes sent by the kernel, revoked when replaced
  let writing = false; // our own model.set calls: not a request from the kernel

  const offset = () => Number(model.get("offset")) || 0;
  const showTime = () => {
    const t = video.currentTime;
    readout.textContent = `session ${clock(t - offset())}  (video ${clock(t)})`;
    readout.title = "session time = video time - offset";
  };
  const commit = (values) => {
    writing = true;
    try {
      for (const [name, value] of Object.entries(values)) model.set(name, value);
      model.save_changes();
    } finally {
      writing = false;
    }
  };
  const showProblem = () => {
    const text = model.get("problem") || "";
    message.textContent = text;
    message.style.display = text ? "" : "none";
  };
  // Only problems are written here; the kernel clears them (a new video, a new problem).
  const report = (text) => {
    if (model.get("problem") !== text) commit({ problem: text });
    showProblem();
  };

  const load = () => {
    const file = model.get("path");
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    blobUrl = null;
    // No file, or the kernel already said why it cannot be shown (missing, too large).
    if (!file || model.get("problem")) return video.removeAttribute("src");
    const data = model.get("data");
    if (data && data.byteLength > 0) {
      const type = TYPES[file.split(".").pop().toLowerCase()] || "";
      blobUrl = URL.createObjectURL(new Blob([data], { type }));
      video.src = blobUrl;
      return seekTo(Number(model.get("video_time")) || 0);
    }
    const config = pageConfig();
    if (!config) {
      return report(
        `The video ${file} can only be played in a page served by Jupyter (JupyterLab, ` +
          "Notebook); this page has no Jupyter configuration."
      );
    }
    const relative = model.get("served_path") || relativePath(file, config.serverRoot);
    if (relative === null) {
      return report(
        `The video ${file} is outside the folder Jupyter serves (${config.serverRoot}), ` +
          "so the browser cannot fetch it. Put the video under the folder Jupyter was " +
          "started from, or start Jupyter from a folder that contains it."
      );
    }
    video.src = filesUrl(config.baseUrl, relative);
    seekTo(Number(model.get("video_time")) || 0);
  };

  const seekTo = (seconds) => {
    const target = Math.max(0, Number(seconds) || 0);
    const frame = 0.5 / (Number(model.get("frame_rate")) || 25);
    if (Math.abs(video.currentTime - target) > frame) video.currentTime = target;
    showTime();
  };

  video.addEventListener("timeupdate", () => {
    showTime();
    const now = performance.now();
    if (!video.paused && now - lastSave >= SAVE_INTERVAL_MS) {
      lastSave = now;
      commit({ video_time: video.currentTime });
    }
  });
  video.addEventListener("seeked", () => commit({ video_time: video.currentTime }));
  video.addEventListener("play", () => {
    play.textContent = "❚❚"; // U+275A: in common fonts, unlike U+23F8
    play.title = "Pause";
    if (!model.get("playing")) commit({ playing: true });
  });
  video.addEventListener("pause", () => {
    play.textContent = "▶";
    play.title = "Play";
    commit({ video_time: video.currentTime, playing: false });
  });
  video.addEventListener("loadedmetadata", showTime);
  video.addEventListener("error", () => {
    const code = video.error ? video.error.code : 0;
    const why = { 2: "a network error", 3: "a decoding error", 4: "a format the browser cannot play" };
    report(
      `The browser could not play ${model.get("path")} (${why[code] || "an error"}); ` +
        "re-encode it as H.264 mp4 or VP9 webm, or check that the Jupyter server serves it."
    );
  });

  const start = () => {
    const promise = video.play();
    if (promise && promise.catch) {
      promise.catch((error) => {
        commit({ playing: false });
        message.textContent = `The browser refused to play: ${error.message}`;
        message.style.display = "";
      });
    }
  };
  play.addEventListener("click", () => (video.paused ? start() : video.pause()));

  const handlers = [
    ["change:path", load],
    ["change:data", load],
    ["change:served_path", load],
    ["change:problem", showProblem],
    ["change:offset", showTime],
    [
      "change:video_time",
      () => {
        if (!writing) seekTo(model.get("video_time"));
      },
    ],
    [
      "change:playing",
      () => {
        if (writing) return;
        if (model.get("playing") && video.paused) start();
        if (!model.get("playing") && !video.paused) video.pause();
      },
    ],
    [
      "msg:custom",
      (content) => {
        if (content && typeof content.seek === "number") seekTo(content.seek);
      },
    ],
  ];
  for (const [name, handler] of handlers) model.on(name, handler);
  showProblem();
  load();
  if (model.get("playing")) start();
  return () => {
    for (const [name, handler] of handlers) model.off(name, handler);
    video.pause();
    video.removeAttribute("src");
    video.load(); // drops the connection to the server
    if (blobUrl) URL.revokeObjectURL(blobUrl);
  };
}

export default { render };
