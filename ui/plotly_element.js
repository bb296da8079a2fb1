// The playground's in-place Plotly chart: a Streamlit component module (ui/plotly_element.py).

let plotlyLoading = null;

// plotly.js, from the URL the loader unpacked it to (window.pgPlotly, ui/plotly_element.py),
// or else from ``src``; a failed unpacked copy falls back to ``src``.
function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(cacheArrayAttributes(window.Plotly));
  plotlyLoading ??= Promise.resolve(window.pgPlotly ?? src)
    .then((url) => addScript(url).catch((error) => {
      if (url === src) throw error;
      return addScript(src);
    }))
    .then(() => cacheArrayAttributes(window.Plotly))
    .catch((error) => {
      plotlyLoading = null;  // the next render tries again, from the plain file
      window.pgPlotly = src;
      throw error;
    });
  return plotlyLoading;
}

function addScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = () => {
      if (url.startsWith("blob:")) URL.revokeObjectURL(url);
      resolve();
    };
    script.onerror = () => {
      script.remove();
      reject(new Error("could not load " + url));
    };
    document.head.appendChild(script);
  });
}

const isPlain = (v) =>
  v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;

// Where a trace holds arrays: its paths ("x", "marker.color", "dims[0].values"), a key for
// what plotly's PlotSchema.findArrayAttributes finds in it.
function arrayPaths(container, prefix, paths) {
  for (const [name, value] of Object.entries(container)) {
    if (name.startsWith("_")) continue;  // plotly's own bookkeeping (_input, _module, …)
    if (Array.isArray(value) || ArrayBuffer.isView(value)) {
      paths.push(prefix + name);
      if (!Array.isArray(value)) continue;
      const at = prefix + name;
      value.forEach((item, i) => isPlain(item) && arrayPaths(item, `${at}[${i}].`, paths));
    } else if (isPlain(value)) {
      arrayPaths(value, `${prefix}${name}.`, paths);
    }
  }
  return paths;
}

// Plotly.react recomputes every trace when any changed, and for each one walks the whole
// attribute schema of its type (PlotSchema.findArrayAttributes): 40 % of a redraw of the
// default race's 21 traces. What it finds depends only on the trace's type and on which
// of its attributes hold arrays, so it is remembered by those.
function cacheArrayAttributes(Plotly) {
  const schema = Plotly.PlotSchema;
  const find = schema?.findArrayAttributes;
  if (typeof find !== "function" || find.uncached) return Plotly;
  const found = new Map();
  const cached = (trace) => {
    const key = `${trace.type}|${arrayPaths(trace, "", []).join(",")}`;
    let paths = found.get(key);
    if (!paths) {
      if (found.size >= 256) found.clear();
      paths = find(trace);
      found.set(key, paths);
    }
    return paths.slice();
  };
  cached.uncached = find;
  schema.findArrayAttributes = cached;
  return Plotly;
}

const TYPED = { f4: Float32Array, f8: Float64Array, i4: Int32Array, u1: Uint8Array };

// A plotly typed-array spec ({dtype, bdata}: little-endian bytes in base64) as its array.
function untyped(spec) {
  if (Array.isArray(spec) || ArrayBuffer.isView(spec)) return spec;
  return new TYPED[spec.dtype](fromBase64(spec.bdata).buffer);
}

// Base64 as bytes. A plain loop where Uint8Array.fromBase64 is missing: Uint8Array.from
// with a function per character took ~3 ms of every move's ~60 kB of runs.
function fromBase64(text) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
  const chars = atob(text);
  const bytes = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i += 1) bytes[i] = chars.charCodeAt(i);
  return bytes;
}

// At most `most` of the indices lo … hi, evenly spread, hi kept (ui.figures.player.thin_indices).
function thinIndices(lo, hi, most) {
  const n = hi - lo + 1;
  if (n <= most) return Array.from({ length: n }, (_, i) => lo + i);
  return Array.from({ length: most }, (_, i) => lo + Math.floor((i * (n - 1)) / (most - 1)));
}

// The animation frames of a figure's `motion`, the arrays they are cut from: a seventh of
// the bytes of the frames themselves (ui.figures.player.motion_frames builds the same in Python).
// ``frame``: the figure's motionFrame (made once: it decodes every run's arrays).
function buildFrames(figure, frame) {
  if (!figure.motion) return figure.frames ?? [];
  return figure.motion.steps.map((step, k) => frame(k));
}

// The maker of the frame at a motion's k-th step, from a figure with a `motion`.
function motionFrame(figure) {
  const motion = figure.motion;
  const runs = motion.runs.map(({ symbol, ...arrays }, r) => {
    const path = figure.data[motion.paths[r]];
    const run = Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, untyped(v)]));
    return { ...run, symbol, px: untyped(path.x), py: untyped(path.y) };
  });
  return (k) => {
    const trails = [], markers = [], losses = [];
    for (const run of runs) {
      const stop = run.stop[k];
      const kept = thinIndices(run.since[k], stop, motion.trailPoints);
      trails.push({ x: kept.map((i) => run.px[i]), y: kept.map((i) => run.py[i]) });
      markers.push({
        x: [run.x[k]], y: [run.y[k]], marker: { symbol: run.crossed[k] ? "x" : run.symbol },
      });
      losses.push({ x: [stop], y: [run.loss[k]] });
    }
    const name = String(motion.steps[k]);
    return { name, data: [...trails, ...markers, ...losses], traces: motion.traces };
  };
}

// ``figure`` (with a `motion`) as at its last frame not after ``step``: its trails, markers
// and loss markers moved there, so that a new figure shows at the step the learner is at
// instead of at step 0 until the player's frames are built. ``frameAt``: its motionFrame.
function atStep(figure, step, frameAt) {
  const steps = figure.motion?.steps ?? [];
  let k = 0;
  while (k + 1 < steps.length && steps[k + 1] <= step) k += 1;
  if (k === 0) return;
  const frame = frameAt(k);
  frame.traces.forEach((index, j) => {
    const trace = figure.data[index];
    const { marker, ...points } = frame.data[j];
    Object.assign(trace, points);
    if (marker) trace.marker = { ...trace.marker, ...marker };
  });
}

// What a slider move changes in a trace of the race: its points and the η in its labels.
const MOVED = ["x", "y", "name", "hovertemplate"];

// A figure as text, in the parts a move is compared by: its layout (layoutPrint) and each
// trace.
function fingerprint(figure) {
  return {
    ...layoutPrint(figure.layout),
    traces: figure.data.map((trace) => JSON.stringify(trace)),
  };
}

// A layout as text but for its pictures' sources and its axes' ranges, and those apart: a
// landscape's κ or θ changes the contour's source, which is swapped in place (swapPictures),
// and a move that takes the loss a decade further (β from 0, κ) the loss axis' range.
function layoutPrint(layout) {
  const images = layout.images ?? [];
  const axes = Object.keys(layout).filter((key) => /^[xy]axis\d*$/.test(key));
  const ranges = Object.fromEntries(axes.map((axis) => [axis, JSON.stringify(layout[axis].range)]));
  const bare = { ...layout, images: images.map(({ source, ...rest }) => rest) };
  for (const axis of axes) bare[axis] = { ...layout[axis], range: null };
  return {
    layout: JSON.stringify(bare),
    sources: images.map((image) => image.source),
    ranges,
  };
}

// The update from the figure drawn (its fingerprint) to ``figure`` (fingerprint ``now``)
// when only some traces' points and labels, the pictures' sources and the axes' ranges
// changed: the traces' as Plotly.animate takes them, the pictures' new sources
// (``[index, source]``) and the new ranges (``{"yaxis2.range": [lo, hi]}``); else null.
// (A change of the rest of the layout takes a full redraw.)
function movedOnly(drawn, now, figure) {
  if (!drawn || drawn.layout !== now.layout || drawn.traces.length !== now.traces.length) {
    return null;
  }
  const rest = (trace) => JSON.stringify(trace, (k, v) => (MOVED.includes(k) ? 0 : v));
  const traces = [], data = [];
  for (let i = 0; i < now.traces.length; i++) {
    if (drawn.traces[i] === now.traces[i]) continue;
    const trace = figure.data[i];
    if (rest(JSON.parse(drawn.traces[i])) !== rest(trace)) return null;
    traces.push(i);
    data.push(Object.fromEntries(MOVED.filter((k) => k in trace).map((k) => [
      k, k === "x" || k === "y" ? untyped(trace[k]) : trace[k],
    ])));
  }
  const pictures = now.sources.flatMap((source, i) =>
    (source === drawn.sources[i] ? [] : [[i, source]]));
  const ranges = Object.fromEntries(Object.entries(now.ranges)
    .filter(([axis, range]) => range !== drawn.ranges[axis])
    .map(([axis]) => [`${axis}.range`, figure.layout[axis].range]));
  return { data, traces, pictures, ranges };
}

const XLINK = "http://www.w3.org/1999/xlink";

// The layout's pictures (``[index, source]`` pairs) given their new sources in place, as
// Plotly's own drawing of a picture does it: Plotly.relayout would first recompute every
// trace's defaults (~10 ms). False if a picture's node is not found: relayout then.
function swapPictures(gd, pictures) {
  const images = Array.from(gd.querySelectorAll(".imagelayer image"));
  // A node is bound to the layout's picture it drew; a later redraw that left the pictures
  // alone (a refit's) made new layout objects: then it is the node showing that source.
  const shows = (image, full) => image.__data__ === full || image._imgSrc === full.source;
  const swaps = pictures.map(([index, source]) => {
    const full = gd._fullLayout.images?.[index];
    return { index, full, source, node: full && images.find((image) => shows(image, full)) };
  });
  if (swaps.some(({ full, node }) => !full || !node)) return false;
  for (const { index, full, node, source } of swaps) {
    gd.layout.images[index].source = full.source = source;
    node.setAttributeNS(XLINK, "href", source);  // as d3 sets "xlink:href" for Plotly
    node._imgSrc = source;  // Plotly's record of what the node shows
  }
  return true;
}

// Plotly.animate draws the traces it updates after the others (it appends their groups to
// the layer): put every trace back in its place, so the paths stay under the markers.
function keepTraceOrder(gd) {
  const index = (group) => group.__data__?.[0]?.trace?.index ?? -1;
  for (const layer of gd.querySelectorAll(".scatterlayer")) {
    const groups = Array.from(layer.children);
    const sorted = groups.slice().sort((a, b) => index(a) - index(b));
    if (sorted.some((group, i) => group !== groups[i])) layer.append(...sorted);
  }
}


// --- Fitting the race to the screen ------------------------------------------------------------
// The page around the map (the playground's keys: stage, stage_map, stage_design, design,
// landscape_card) and the element's own narrow-screen and presentation looks. Injected once
// by the module, so a slider move's rerun does not carry it.
const PAGE_CSS = `
.st-key-stage { flex-direction: row; flex-wrap: wrap; align-items: flex-start; gap: 1rem; }
.st-key-stage > div:has(> .st-key-stage_map) { flex: 1 1 36rem; min-width: 0; }
.st-key-stage > div:has(> .st-key-stage_design) { flex: 0 1 27rem; min-width: 0; }
.st-key-design { flex-direction: row; flex-wrap: wrap; gap: 0.5rem; }
.st-key-design > div { flex: 1 1 12.5rem; min-width: 0; }
.st-key-design [data-testid="stMarkdownContainer"] p { margin: 0; }
.st-key-design [class*="st-key-design_"], .st-key-landscape_card {
  gap: 0.2rem; padding: 0.6rem 0.9rem;
}
@media (max-width: 1199.98px) {
  .st-key-stage > div { flex: 1 1 100% !important; }
}
.stMainBlockContainer:has(.st-key-stage) { padding: 3.5rem 1.5rem 6rem; }
@media (max-width: 640px) {
  .stMainBlockContainer:has(.st-key-stage) { padding-left: 0.5rem; padding-right: 0.5rem; }
}
.stMainBlockContainer:has(.st-key-stage) h1 { font-size: 1.75rem; padding: 0.25rem 0; }
.pg-root { max-width: 100%; }
.pg-root .pg-legend, .pg-root .pg-player { padding-left: var(--pg-left, 50px); }
.pg-below { overflow-x: auto; }
.pg-below .pg-table { min-width: 28rem; }
.pg-fold > summary { cursor: pointer; font-weight: 600; font-size: 1.1rem; padding: 0.4rem 0; }
.pg-fold .pg-table caption { display: none; }
@media (max-width: 640px) {
  .pg-root .pg-player { flex-wrap: wrap; gap: 0.4rem 0.6rem; }
  .pg-root .pg-player .pg-step { order: 3; flex: 1 1 100%; max-width: none; }
  .pg-root .pg-player .pg-readout { min-width: 0; }
}
@media (pointer: coarse) {
  .pg-root .pg-player .pg-step { height: 2rem; touch-action: none; }
  .pg-root .pg-player button, .pg-root .pg-player select { min-height: 2.75rem; }
}
body.pg-presenting [data-testid="stSidebar"],
body.pg-presenting [data-testid="stSidebarCollapsedControl"],
body.pg-presenting [data-testid="stHeader"],
body.pg-presenting .st-key-head { display: none; }
body.pg-presenting .stMainBlockContainer { padding: 0.5rem 1rem; max-width: none; }
body.pg-presenting .st-key-stage > div { flex: 1 1 100% !important; }
.pg-root.pg-present .pg-legend { font-size: 22px; gap: 0.3rem 1.5rem; min-height: 2.4rem; }
.pg-root.pg-present .pg-legend .pg-glyph { font-size: 24px; }
.pg-root.pg-present .pg-player { font-size: 22px; }
.pg-root.pg-present .pg-player .pg-readout { min-width: 18rem; }
`;

function injectPageCss() {
  if (document.getElementById("pg-page-css")) return;
  const style = document.createElement("style");
  style.id = "pg-page-css";
  style.textContent = PAGE_CSS;
  document.head.appendChild(style);
}

// Presentation mode's look of the page around the map: a class on the body while a map on
// the page presents, set by each render and by the cleanup a render resolves to (which
// Streamlit calls when the element leaves the page, or at once when a newer render came
// while it drew). Not a :has(.pg-present) on the body: at every node Plotly adds under the
// body to measure a label, Chromium searched the whole page for .pg-present (~1 ms a label).
function markPresenting() {
  const on = Boolean(document.querySelector(".pg-root.pg-present"));
  document.body.classList.toggle("pg-presenting", on);
}

const WIDE = 1200;  // px of viewport from which the loss panel sits beside the map
const PHONE = 640;  // px of viewport below which the axes' labels go inside the panels
const BARS = 108;  // px kept for the legend (a row or two), the player and the sentence under
// it: fixed, so a move's new legend text never resizes the map
const LAND_ROW = 44;  // px of the landscape's controls above the legend (drawLandscape), if any

// The layout that fits the race's figure (map on xaxis/yaxis, loss on xaxis2/yaxis2) to the
// element's width and the screen: the map a square, as large as the screen allows; the loss
// panel beside it on a wide screen, under it on a narrow one. Numbers are rounded, so a
// figure on an unchanged screen gets the same layout and a slider move stays an animation.
function fitLayout(width, top, present, landRow) {
  const vw = window.innerWidth, vh = window.innerHeight;
  if (present || vw >= WIDE) {
    const m = present ? { l: 85, r: 30, t: 12, b: 70 } : { l: 55, r: 20, t: 10, b: 45 };
    const gap = present ? 120 : 80;  // the loss panel's tick labels and title
    const bars = BARS + (landRow && !present ? LAND_ROW : 0);  // present: under the player
    const tall = vh - (present ? 0 : top) - (present ? 1.4 : 1) * bars - m.t - m.b - 8;
    const room = width - m.l - m.r - gap;
    const side = Math.floor(Math.max(40, Math.min(Math.max(Math.ceil(0.6 * vh), tall), room / 1.45)));
    const span = width - m.l - m.r;
    return {
      width, height: side + m.t + m.b, margin: m,
      "xaxis.domain": [0, round(side / span)], "yaxis.domain": [0, 1],
      "xaxis2.domain": [round((side + gap) / span), 1], "yaxis2.domain": [0, 1],
    };
  }
  const phone = vw < PHONE;
  const m = phone ? { l: 6, r: 14, t: 8, b: 36 } : { l: 55, r: 20, t: 10, b: 45 };
  const side = Math.floor(Math.max(40, Math.min(width - m.l - m.r, Math.max(0.6 * vh, vh - 160))));
  const loss = Math.round(Math.min(300, Math.max(170, 0.45 * side)));
  const gap = phone ? 34 : 60;  // the map's x tick labels and title
  const total = side + gap + loss;
  const patch = {
    width, height: total + m.t + m.b, margin: m,
    "xaxis.domain": [0, round(side / (width - m.l - m.r))], "xaxis2.domain": [0, 1],
    "yaxis.domain": [round((gap + loss) / total), 1], "yaxis2.domain": [0, round(loss / total)],
  };
  if (phone) {
    Object.assign(patch, {
      "yaxis.ticklabelposition": "inside", "yaxis2.ticklabelposition": "inside",
      "xaxis.title.text": "", "yaxis.title.text": "", "yaxis2.title.text": "",
    });
  }
  return patch;
}

const round = (x) => Math.round(x * 1e4) / 1e4;

// ``patch`` (Plotly.relayout's form, "a.b": value) applied to a copy of ``layout``.
function patched(layout, patch) {
  const out = structuredClone(layout);
  for (const [path, value] of Object.entries(patch)) {
    const keys = path.split(".");
    let at = out;
    for (const key of keys.slice(0, -1)) at = at[key] ??= {};
    at[keys.at(-1)] = value;
  }
  return out;
}

// On a phone the loss panel's y title joins its x title: there is no room beside it.
function phoneTitles(layout, patch) {
  if (patch["yaxis2.title.text"] === "") {
    const y = layout.yaxis2?.title?.text;
    patch["xaxis2.title.text"] = y ? `${y} by step` : "step";
  }
  return patch;
}

// The figure's layout fitted to the screen now; remembers the fit on ``root``.
function fitted(root, layout, present) {
  // Where the element starts on the page, measured once: a move never shifts the map. Its
  // width is measured when it changes (watchSize): a measure on every move would make the
  // browser lay the page out anew, in the middle of a redraw (~7 ms).
  root.fitTop ??= root.getBoundingClientRect().top + window.scrollY;
  root.fitWidth ??= root.clientWidth;
  const patch = phoneTitles(layout, fitLayout(root.fitWidth, root.fitTop, present, root.landRow));
  if (window.matchMedia("(pointer: coarse)").matches) patch.dragmode = false;  // a finger scrolls
  root.style.setProperty("--pg-left", `${patch.margin.l}px`);
  root.fitText = JSON.stringify(patch);
  return patched(layout, patch);
}

// A new width (a turned phone, the sidebar opened or closed): the same figure, fitted anew.
function watchSize(root, gd) {
  const refit = () => {
    if (!root.serverLayout || !gd.data) return;
    const before = root.fitText;
    if (window.innerHeight !== root.fitHeight) root.fitTop = undefined;
    root.fitHeight = window.innerHeight;
    root.fitWidth = root.clientWidth;
    const layout = fitted(root, root.serverLayout, root.present);
    if (root.fitText === before) return;
    // The figure on screen, at this size: a move from it is still drawn in place.
    if (root.drawn) root.drawn = { ...root.drawn, ...layoutPrint(layout) };
    window.Plotly.react(gd, gd.data, layout);
  };
  new ResizeObserver(refit).observe(root);
  window.addEventListener("resize", refit);
}

const SPEEDS = [["0.25", "¼×"], ["0.5", "½×"], ["1", "1×"], ["2", "2×"], ["4", "4×"]];

// Play / Pause, speed and a step slider under the chart, driving its frames (named by step)
// with Plotly.animate. Plotly's own slider and buttons cost every redraw a third of its time.
function makePlayer(root, gd, frameMs) {
  const bar = document.createElement("div");
  bar.className = "pg-player";
  bar.innerHTML = `
    <button type="button" class="pg-play" aria-label="Play the race">▶ Play</button>
    <select class="pg-speed" aria-label="Speed" title="Speed">
      ${SPEEDS.map(([v, t]) => `<option value="${v}">${t}</option>`).join("")}
    </select>
    <input class="pg-step" type="range" min="0" max="0" step="1" value="0" aria-label="Step">
    <span class="pg-readout" aria-live="off"></span>`;
  root.appendChild(bar);
  // Who leads at the step on screen, in words: the map's text alternative (see describe).
  const leader = document.createElement("p");
  leader.className = "pg-leader";
  leader.id = `pg-leader-${++leaderCount}`;
  leader.hidden = true;
  root.appendChild(leader);
  const button = bar.querySelector(".pg-play");
  const speed = bar.querySelector(".pg-speed");
  const slider = bar.querySelector(".pg-step");
  const readout = bar.querySelector(".pg-readout");
  const player = { frames: [], index: 0, playing: false, hint: "" };
  const stepOf = (index) => player.frames[index]?.name ?? "0";  // frames are named by step
  player.step = () => Number(stepOf(player.index));
  // Plotly rejects an animation that a newer one interrupts: that is how pausing works.
  const animate = (frames, options) => window.Plotly.animate(gd, frames, options).catch(() => {});

  const show = () => {
    const last = stepOf(player.frames.length - 1);
    slider.max = String(Math.max(0, player.frames.length - 1));
    slider.value = String(player.index);
    readout.textContent = player.hint || `step ${stepOf(player.index)} of ${last}`;
    button.textContent = player.playing ? "❚❚ Pause" : "▶ Play";
    button.setAttribute("aria-label", player.playing ? "Pause the race" : "Play the race");
    const sentence = player.ready ? describe(root.standings, player.index) : "";
    if (leader.textContent !== sentence) leader.textContent = sentence;
    leader.hidden = !sentence;
    // Read out when the learner stops on a step, not at every frame of a playing race.
    leader.setAttribute("aria-live", player.playing ? "off" : "polite");
    // The frames of the figure on screen, at their last step: what waits for the end shows.
    if (player.ready && player.frames.length && player.index >= player.frames.length - 1) {
      root.endSeen = true;
      showEnd(root);
    }
  };
  speed.value = "1";
  const still = {
    frame: { duration: 0, redraw: false }, transition: { duration: 0 }, mode: "immediate",
  };
  player.goTo = (index) => {
    player.index = Math.max(0, Math.min(index, player.frames.length - 1));
    show();
    if (player.frames.length) animate([player.frames[player.index]], still);
  };
  player.pause = () => {
    if (!player.playing) return;
    player.playing = false;
    animate([null], still);
    show();
  };
  player.play = () => {
    if (!player.frames.length) return;
    if (player.index >= player.frames.length - 1) player.index = 0;
    player.playing = true;
    player.next = player.index;  // the frame the next "animatingframe" event is about
    show();
    const duration = frameMs / Number(speed.value);
    animate(player.frames.slice(player.index), {
      frame: { duration, redraw: false }, transition: { duration: 0 }, mode: "immediate",
    });
  };
  // A new figure: keep the step the learner was at (and keep playing if it was playing).
  // The frames stay here, not in the chart: Plotly.react would check and store 150 of them
  // on every redraw, and Plotly.animate plays frame objects as well as names.
  player.load = (frames) => {
    const step = player.step();
    player.frames = frames;
    let index = 0;
    while (index + 1 < frames.length && Number(frames[index + 1].name) <= step) index += 1;
    player.index = index;
    show();
  };
  player.setHint = (text) => { player.hint = text; show(); };

  button.addEventListener("click", () => (player.playing ? player.pause() : player.play()));
  speed.addEventListener("change", () => {
    if (player.playing) { player.pause(); player.play(); }
  });
  slider.addEventListener("input", () => { player.pause(); player.goTo(Number(slider.value)); });
  // A finger on the step slider: the step follows it, from where it touches the track.
  const follow = (event) => {
    const box = slider.getBoundingClientRect();
    const at = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    player.pause();
    player.goTo(Math.round(at * (player.frames.length - 1)));
  };
  slider.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse") return;
    event.preventDefault();
    try {
      slider.setPointerCapture(event.pointerId);  // the finger may leave the track's height
    } catch {}  // a pointer that is no longer down: the step still goes where it touched
    follow(event);
  });
  slider.addEventListener("pointermove", (event) => {
    if (slider.hasPointerCapture(event.pointerId)) follow(event);
  });
  document.addEventListener("keydown", (event) => presentKeys(root, player, speed, event));
  // Frames played as objects come without their names: they play in order, so count them.
  gd.on("plotly_animatingframe", () => {
    if (!player.playing) return;
    player.index = Math.min(player.next, player.frames.length - 1);
    player.next += 1;
    show();
  });
  gd.on("plotly_animated", () => {
    if (player.playing && player.index >= player.frames.length - 1) {
      player.playing = false;
      show();
    }
  });
  return player;
}

let leaderCount = 0;

// A loss as the sentence under the map gives it: two significant digits. Below zero too: f
// itself, where the landscape has no known minimum (a saddle), falls without bound.
function lossText(value) {
  if (!Number.isFinite(value)) return "not a number (diverged)";
  if (Math.abs(value) <= 1e-300) return "0";
  const size = Math.abs(value);
  return size < 1e-3 || size >= 1e4 ? value.toExponential(1) : String(Number(value.toPrecision(2)));
}

// The standings the sentence is read from: the race's names and what the loss is called,
// from the app (``leader``), each run's loss and last point per frame, from the motion.
function standingsOf(figure, leader) {
  const motion = figure.motion;
  if (!leader || !motion || motion.runs.length !== leader.names.length) return null;
  return {
    names: leader.names,
    quantity: leader.quantity,
    steps: motion.steps,
    losses: motion.runs.map((run) => untyped(run.loss)),
    stops: motion.runs.map((run) => untyped(run.stop)),
  };
}

// "Step 57 of 200: Adam leads with f − f* = 0.0012; then Momentum 0.0045, …": the runs by
// their loss at frame ``k`` (the lowest leads); a run that stopped (it diverged) says where.
function describe(standings, k) {
  if (!standings || k >= standings.steps.length) return "";
  const { names, quantity, steps, losses, stops } = standings;
  const step = steps[k];
  const runs = names.map((name, r) => ({ name, loss: losses[r][k], stop: stops[r][k] }));
  const said = (run) => lossText(run.loss) + (run.stop < step ? ` (stopped at step ${run.stop})` : "");
  const head = `Step ${step} of ${steps.at(-1)}: `;
  const finite = runs.filter((run) => Number.isFinite(run.loss));
  const level = finite.length === runs.length && runs.every(
    (run) => Math.abs(run.loss - runs[0].loss) <= 1e-12 * Math.max(1, Math.abs(runs[0].loss)));
  if (runs.length > 1 && level) return `${head}all level, ${quantity} = ${lossText(runs[0].loss)}.`;
  const order = [...finite.sort((a, b) => a.loss - b.loss), ...runs.filter((r) => !finite.includes(r))];
  const [first, ...rest] = order;
  const verb = runs.length > 1 ? "leads with" : "is at";
  const then = rest.length ? `; then ${rest.map((run) => `${run.name} ${said(run)}`).join(", ")}` : "";
  return `${head}${first.name} ${verb} ${quantity} = ${said(first)}${then}.`;
}

// Presentation mode's keys: space plays or pauses, ← → step, + − speed, f full screen. Not
// while a control has the keys (a slider takes its arrows), nor with a modifier held.
function presentKeys(root, player, speed, event) {
  if (!root.isConnected || !root.present || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest?.("input, select, textarea, [role='slider'], [contenteditable='true']")) return;
  const speeds = SPEEDS.map(([v]) => v);
  const at = speeds.indexOf(speed.value);
  const act = {
    " ": () => (player.playing ? player.pause() : player.play()),
    ArrowRight: () => { player.pause(); player.goTo(player.index + 1); },
    ArrowLeft: () => { player.pause(); player.goTo(player.index - 1); },
    "+": () => setSpeed(speeds[Math.min(at + 1, speeds.length - 1)]),
    "=": () => setSpeed(speeds[Math.min(at + 1, speeds.length - 1)]),
    "-": () => setSpeed(speeds[Math.max(at - 1, 0)]),
    f: () => (document.fullscreenElement
      ? document.exitFullscreen() : document.documentElement.requestFullscreen()).catch(() => {}),
  }[event.key];
  function setSpeed(value) {
    speed.value = value;
    speed.dispatchEvent(new Event("change"));
  }
  if (!act) return;
  event.preventDefault();  // space would scroll the page, a button would take it as a click
  act();
}

// The data coordinates of a pointer event over the x/y subplot, or null outside it.
function mapPoint(gd, event) {
  const layout = gd._fullLayout;
  const xa = layout && layout.xaxis, ya = layout && layout.yaxis;
  if (!xa || !ya) return null;
  const box = gd.getBoundingClientRect();
  const px = event.clientX - box.left - xa._offset, py = event.clientY - box.top - ya._offset;
  if (px < 0 || py < 0 || px > xa._length || py > ya._length) return null;
  return { x: xa.p2l(px), y: ya.p2l(py) };
}

// The legend as a row of HTML above the chart: Plotly lays its own legend out anew on every
// redraw. A click on an entry hides or shows its traces (its legend group), across redraws.
function drawLegend(root, gd, figure) {
  let bar = root.querySelector(":scope > .pg-legend");
  if (!bar) {
    bar = document.createElement("div");
    bar.className = "pg-legend";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Legend: click an entry to hide or show it");
    root.insertBefore(bar, root.firstChild);
    bar.addEventListener("click", (event) => {
      const entry = event.target.closest("button[data-group]");
      if (!entry) return;
      const group = entry.dataset.group;
      const hidden = root.hiddenGroups;
      hidden.has(group) ? hidden.delete(group) : hidden.add(group);
      entry.classList.toggle("pg-off", hidden.has(group));
      entry.setAttribute("aria-pressed", String(!hidden.has(group)));
      const traces = gd.data.flatMap((t, i) => ((t.legendgroup ?? t.name) === group ? [i] : []));
      window.Plotly.restyle(gd, { visible: hidden.has(group) ? "legendonly" : true }, traces);
    });
  }
  const seen = new Set();
  const entries = [];
  for (const trace of figure.data) {
    const group = trace.legendgroup ?? trace.name;
    if (trace.showlegend === false || !trace.name || seen.has(group)) continue;
    seen.add(group);
    const colour = trace.line?.color ?? trace.marker?.color ?? "#1b2733";
    const lines = (trace.mode ?? "lines").includes("lines");
    const swatch = lines
      ? `<svg width="26" height="10" aria-hidden="true"><line x1="1" y1="5" x2="25" y2="5"` +
        ` stroke="${escapeHtml(colour)}" stroke-width="2.5"/></svg>`
      : `<span class="pg-glyph" style="color:${escapeHtml(colour)}" aria-hidden="true">✕</span>`;
    const off = root.hiddenGroups.has(group);
    entries.push(
      `<button type="button" data-group="${escapeHtml(group)}" aria-pressed="${!off}"` +
      `${off ? ' class="pg-off"' : ""}>${swatch}${escapeHtml(trace.name)}</button>`,
    );
  }
  bar.innerHTML = entries.join("");
}

// The landscape's controls in a row above the legend (``spec``: ui.controls.landscape_spec):
// the picker, then a range input per parameter or the formula box. The row is built anew
// only when its shape changes (another landscape, another grid of values); a move updates
// its values in place, so the control in the learner's hand keeps its focus. A committed
// move (a range's "change": a key, or the end of a drag) sets the trigger "landscape".
function drawLandscape(root, spec, setTriggerValue) {
  let row = root.querySelector(":scope > .pg-land");
  root.landRow = Boolean(spec);
  if (!spec) return row?.remove();
  if (!row) {
    row = document.createElement("div");
    row.className = "pg-land";
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", "Landscape");
    const next = root.querySelector(":scope > .pg-legend") ?? root.querySelector(":scope > .pg-plot");
    root.insertBefore(row, next);
    row.addEventListener("input", (event) => {
      const range = event.target.closest("input[type=range]");
      if (range) showParam(range, row.params[range.dataset.param]);
    });
    row.addEventListener("change", (event) => {
      const target = event.target;
      // Until the app's run of this move comes back, a render of an earlier one (a second
      // key pressed meanwhile) does not put the control back (the formula box keeps the
      // learner's text by itself).
      if (!target.matches(".pg-land-formula")) {
        row.pending.set(target.dataset.id, { value: target.value, at: performance.now() });
      }
      if (target.matches(".pg-land-pick")) {
        setTriggerValue("landscape", { landscape: target.value });
      } else if (target.matches("input[type=range]")) {
        const param = row.params[target.dataset.param];
        setTriggerValue("landscape", { param: param.name, value: paramValue(target, param) });
      } else if (target.matches(".pg-land-formula")) {
        setTriggerValue("landscape", { formula: target.value });
      }
    });
    // A range in the learner's hand is not moved under it.
    row.addEventListener("pointerdown", (event) => {
      row.held = event.target.closest("input[type=range]");
    });
    window.addEventListener("pointerup", () => { row.held = null; }, true);
    window.addEventListener("pointercancel", () => { row.held = null; }, true);
    row.pending = new Map();
  }
  // Whether the control ``node`` may show the app's ``value``: not while held, nor while a
  // move of the learner's the app has not answered yet waits (for at most a few seconds).
  const settled = (node, value) => {
    const waiting = row.pending.get(node.dataset.id);
    if (waiting && waiting.value !== value && performance.now() - waiting.at < PENDING_MS) {
      return false;
    }
    row.pending.delete(node.dataset.id);
    return node !== row.held;
  };
  const shape = JSON.stringify([
    spec.name, spec.choices, Boolean(spec.formula),
    (spec.params ?? []).map(({ value, labels, ...grid }) => grid),
  ]);
  if (row.shape !== shape) {
    const focused = row.contains(document.activeElement) && document.activeElement.dataset.id;
    row.innerHTML = landscapeMarkup(spec);
    row.shape = shape;
    row.formulaText = undefined;
    if (focused) row.querySelector(`[data-id="${focused}"]`)?.focus();
  }
  row.params = Object.fromEntries((spec.params ?? []).map((param) => [param.name, param]));
  const pick = row.querySelector(".pg-land-pick");
  if (settled(pick, spec.name) && pick.value !== spec.name) pick.value = spec.name;
  for (const range of row.querySelectorAll("input[type=range]")) {
    const param = row.params[range.dataset.param];
    const value = param.values ? String(param.values.indexOf(param.value)) : String(param.value);
    if (settled(range, value) && range.value !== value) range.value = value;
    showParam(range, param);
  }
  const box = row.querySelector(".pg-land-formula");
  if (box) {
    // The learner's text stays while they type; the app's replaces it when the app's changed.
    if (row.formulaText !== spec.formula.text) box.value = spec.formula.text;
    row.formulaText = spec.formula.text;
    const error = row.querySelector(".pg-land-error");
    error.textContent = spec.formula.error ?? "";
    error.hidden = !spec.formula.error;
    box.setAttribute("aria-invalid", String(Boolean(spec.formula.error)));
  }
}

const PENDING_MS = 3000;

// The row's markup for ``spec``, its values set afterwards (drawLandscape).
function landscapeMarkup(spec) {
  const options = spec.choices.map(([name, title]) =>
    `<option value="${escapeHtml(name)}">${escapeHtml(title)}</option>`).join("");
  const parts = [
    `<label class="pg-land-item"><span>${escapeHtml(spec.label)}</span>` +
    `<select class="pg-land-pick" data-id="pick">${options}</select></label>`,
  ];
  for (const param of spec.params ?? []) {
    const bounds = param.values
      ? `min="0" max="${param.values.length - 1}" step="1"`
      : `min="${param.min}" max="${param.max}" step="${param.step}"`;
    parts.push(
      `<label class="pg-land-item" title="${escapeHtml(param.help)}">` +
      // A phone shows the symbol alone, so that two parameters share a line.
      `<span aria-hidden="true">${escapeHtml(param.symbol)}<span class="pg-land-name">` +
      `${escapeHtml(param.label.slice(param.symbol.length))}</span></span>` +
      `<input type="range" ${bounds} data-param="${escapeHtml(param.name)}" ` +
      `data-id="param-${escapeHtml(param.name)}" aria-label="${escapeHtml(param.label)}">` +
      `<output class="pg-land-value" aria-hidden="true"></output></label>`,
    );
  }
  if (spec.formula) {
    const { label, help, maxChars } = spec.formula;
    parts.push(
      `<label class="pg-land-item pg-land-wide"><span>${escapeHtml(label)}</span>` +
      `<input type="text" class="pg-land-formula" data-id="formula" maxlength="${maxChars}" ` +
      `spellcheck="false" autocomplete="off" aria-describedby="pg-land-help"></label>` +
      `<p class="pg-land-error" role="alert" hidden></p>` +
      `<p class="pg-land-help" id="pg-land-help">${escapeHtml(help)}</p>`,
    );
  }
  return parts.join("");
}

// What a parameter's range input stands for: a value of its grid, or its own value.
function paramValue(range, param) {
  return param.values ? param.values[Number(range.value)] : Number(range.value);
}

// A parameter's value beside its range input, and as the range's spoken value.
function showParam(range, param) {
  const text = param.values
    ? param.labels[Number(range.value)]
    : Number(range.value).toFixed(param.decimals);
  range.setAttribute("aria-valuetext", text);
  const output = range.nextElementSibling;
  if (output.textContent !== text) output.textContent = text;
}

// The app's markup above the legend, replaced only when it changed. A click on one of its
// buttons sets the trigger "action" to the button's data-action.
function drawAbove(root, markup, setTriggerValue) {
  let above = root.querySelector(":scope > .pg-above");
  if (!markup) return above?.remove();
  if (!above) {
    above = document.createElement("div");
    above.className = "pg-above";
    root.insertBefore(above, root.firstChild);
    above.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (button) setTriggerValue("action", button.dataset.action);
    });
  }
  if (above.markup !== markup) {
    above.innerHTML = markup;
    above.markup = markup;
  }
}

// What waits for the player's last step (endHtml) is shown once the player has been there.
function showEnd(root) {
  const end = root.querySelector(":scope > .pg-below > .pg-at-end");
  if (end) end.hidden = !root.endSeen;
}

// Where the design's sliders go under the map (a phone, a tablet), a fitted race's table
// folds under its caption: the sliders then come right after the map and its player.
// (The caption is the app's markup.)
function folded(markup, fit) {
  if (!fit || !markup || window.innerWidth >= WIDE) return markup;
  const caption = /<caption>(.*?)<\/caption>/s.exec(markup)?.[1] ?? "The results";
  return `<details class="pg-fold"><summary>${caption}</summary>${markup}</details>`;
}

// The app's markup under the chart (after the player), replaced only when it changed.
function drawBelow(root, markup) {
  let below = root.querySelector(":scope > .pg-below");
  if (!markup) return below?.remove();
  if (!below) {
    below = document.createElement("div");
    below.className = "pg-below";
    root.appendChild(below);
  }
  if (below.markup !== markup) {
    below.innerHTML = markup;
    below.markup = markup;
  }
  // A table wider than a narrow screen scrolls in its box: the keyboard must reach it too.
  requestAnimationFrame(() => {
    if (below.scrollWidth > below.clientWidth) below.setAttribute("tabindex", "0");
    else below.removeAttribute("tabindex");
  });
}

// Streamlit's own query parameters, which say how the page is embedded: kept as they are.
const EMBED_PARAMS = ["embed", "embed_options"];

// The app's query string in the address bar, without a new history entry. Only in a page
// of its own: in a frame the address bar is the host's, which only Streamlit reaches.
// Returns whether it does. Written after the next frame: history.replaceState takes a few
// milliseconds, which the redraw need not wait for; the latest query wins.
let queryToWrite = null;

function keepUrl(query) {
  if (query == null || window.top !== window) return false;
  if (queryToWrite === null) {
    requestAnimationFrame(() => setTimeout(() => {
      writeQuery(queryToWrite);
      queryToWrite = null;
    }));
  }
  queryToWrite = query;
  return true;
}

function writeQuery(query) {
  const params = new URLSearchParams(query);
  for (const [name, value] of new URLSearchParams(window.location.search)) {
    if (EMBED_PARAMS.includes(name)) params.append(name, value);
  }
  const search = params.toString() ? `?${params}` : "";
  if (search !== window.location.search) {
    const { pathname, hash } = window.location;
    window.history.replaceState(window.history.state, "", pathname + search + hash);
  }
}

// A query without Streamlit's embed options, in one spelling: two that name the same
// scene compare equal.
function appQuery(query) {
  const params = new URLSearchParams(query);
  for (const name of EMBED_PARAMS) params.delete(name);
  return params.toString();
}

// The page came back on a new server session (the server restarted, a replica died) and
// the scene it is given is not the one it showed: Streamlit's frontend sends the link the
// page was opened with again (and puts it in the address bar), not the query this element
// kept since. The learner's scene is the one shown last: hand its query to the app (trigger
// "restore"), which reads it as a link. Returns whether it did: the address bar waits.
function restoreScene(root, data, setTriggerValue) {
  const returned = root.session != null && data.session != null && data.session !== root.session;
  root.session = data.session;
  const shown = root.shownQuery;
  if (data.urlQuery != null) root.shownQuery = appQuery(data.urlQuery);
  if (!returned || !shown || data.urlQuery == null || shown === root.shownQuery) return false;
  root.shownQuery = shown;  // until the app shows it again
  setTriggerValue("restore", shown);
  return true;
}

// The app draws the sidebar's controls only while the sidebar is open (``drawn``: whether
// this render's run drew them; null: the app does not ask). Tell it (the state value
// "sidebar") whenever the sidebar is open where they were not drawn, or collapsed where they
// were: on a learner's click, or at load if the page's sidebar is not as the app thought.
function watchSidebar(root, drawn, setStateValue) {
  root.sidebarDrawn = drawn;
  const check = () => {
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    if (!sidebar || root.sidebarDrawn == null) return;
    const open = sidebar.getAttribute("data-collapsed") === "false";
    if (open === root.sidebarDrawn || open === root.sidebarTold) return;
    root.sidebarTold = open;  // once: the app's next run draws accordingly
    setStateValue("sidebar", open);
  };
  if (drawn === root.sidebarTold) root.sidebarTold = undefined;  // the app has heard it
  if (!root.sidebarWatch && drawn != null) {
    root.sidebarWatch = new MutationObserver(check);
    root.sidebarWatch.observe(document.body, {
      subtree: true, attributes: true, attributeFilter: ["data-collapsed"],
    });
  }
  check();
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  let root = parentElement.querySelector(":scope > .pg-root");
  if (!root) {
    root = document.createElement("div");
    root.className = "pg-root";
    root.innerHTML = '<div class="pg-plot" style="width:100%"></div>';
    root.hiddenGroups = new Set();
    parentElement.appendChild(root);
  }
  const gd = root.querySelector(".pg-plot");
  const restoring = restoreScene(root, data, setTriggerValue);
  root.present = Boolean(data.present);
  root.classList.toggle("pg-present", root.present);
  markPresenting();
  if (data.fit) injectPageCss();
  const drawn = loadPlotly(data.src).then((Plotly) => {
    // The config only when it changed: Plotly.react given one rebuilds the chart's context
    // from plotly's defaults, finds it "changed" even when it is the same, and draws the
    // chart anew (Plotly.newPlot, then react again) instead of updating it.
    const configText = JSON.stringify(data.config);
    const config = root.configText === configText ? undefined : data.config;
    const figure = JSON.parse(data.figure);
    if (data.htmlLegend) {
      figure.layout.showlegend = false;
      for (const trace of figure.data) {
        if (root.hiddenGroups.has(trace.legendgroup ?? trace.name)) trace.visible = "legendonly";
      }
      drawLegend(root, gd, figure);
    }
    drawLandscape(root, data.landscape, setTriggerValue);
    if (data.fit) {
      root.serverLayout = figure.layout;
      figure.layout = fitted(root, figure.layout, root.present);
      parentElement.style.minHeight = "";  // the fitted figure's height holds from now on
      if (!root.fitWatched) watchSize(root, gd);
      root.fitWatched = true;
    }
    // A new playFrom: play from step 0, and keep what waits for the end hidden until then.
    const playFromStart = data.playFrom != null && data.playFrom !== root.playFrom;
    if (playFromStart) {
      root.playFrom = data.playFrom;
      root.endSeen = false;
    }
    if (!data.player) root.endSeen = true;  // no player: nothing to wait for
    if (root.player) {
      root.player.ready = false;  // its frames are the previous figure's until load
      if (playFromStart) root.player.index = 0;
    }
    const wasPlaying = root.player?.playing;
    root.player?.pause();
    // The frames' maker, made once for the step shown now and the player's frames later (the
    // paths it reads from are not among the traces atStep moves).
    let frameAt;
    const frames = () => buildFrames(figure, figure.motion && (frameAt ??= motionFrame(figure)));
    if (data.player && root.player && !playFromStart && figure.motion) {
      atStep(figure, root.player.step(), (frameAt ??= motionFrame(figure)));
    }
    const shown = { data: figure.data, layout: figure.layout, config };
    const react = () =>
      Plotly.react(gd, data.player ? shown : { ...shown, frames: frames() });
    // Plotly.react replots every trace when one changed (~12 ms for the race's 21); a move
    // of one optimizer's sliders changes its few traces, and one of a landscape's κ or θ the
    // paths and the contour's picture: Plotly.animate replots those traces alone, and the
    // picture is swapped in place. (An animation that a newer one interrupts is dropped: then
    // react draws the figure.)
    const now = data.player ? fingerprint(figure) : null;
    const moved = !config && now && movedOnly(root.drawn, now, figure);
    root.drawn = null;  // until this figure is drawn
    const animate = () => Plotly.animate(gd, { data: moved.data, traces: moved.traces }, {
      transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: "immediate",
    });
    const pictures = () => swapPictures(gd, moved.pictures) ? undefined : Plotly.relayout(
      gd, Object.fromEntries(moved.pictures.map(([i, source]) => [`images[${i}].source`, source])));
    // A new range alone redraws its axis and the traces over it, not the whole chart. It goes
    // first: Plotly.relayout draws at once, Plotly.animate at the next animation frame, so the
    // frame painted shows the new traces over the new range (the other way round, one frame
    // showed them over the old range).
    const ranges = () => Object.keys(moved.ranges).length && Plotly.relayout(gd, moved.ranges);
    const drawing = moved
      ? Promise.resolve(moved.pictures.length && pictures())
        .then(ranges)
        .then(animate)
        .then(() => keepTraceOrder(gd), react)
      : react();
    return drawing
      .then(() => {
        root.configText = configText;
        root.drawn = now;
        if (data.label) {  // the map's accessible name; the sentence under it describes it
          gd.setAttribute("role", "figure");
          gd.setAttribute("aria-label", data.label);
        }
        if (data.player) {
          const player = (root.player ??= makePlayer(root, gd, data.frameMs));
          if (data.label) gd.setAttribute("aria-describedby", root.querySelector(".pg-leader").id);
          const figureNo = (player.figureNo = (player.figureNo ?? 0) + 1);
          // The player's frames are built once the new chart is on screen: it shows sooner.
          requestAnimationFrame(() => setTimeout(() => {
            if (player.figureNo !== figureNo) return;  // a newer figure came meanwhile
            root.standings = standingsOf(figure, data.leader);
            player.ready = true;
            player.load(frames());
            if (wasPlaying || playFromStart) player.play();
            else if (player.index > 0) player.goTo(player.index);
          }));
        }
        const end = data.endHtml ? `<div class="pg-at-end" hidden>${data.endHtml}</div>` : "";
        drawBelow(root, folded(data.belowHtml ?? "", data.fit) + end);
        showEnd(root);
        drawAbove(root, data.aboveHtml, setTriggerValue);
        if (!restoring && keepUrl(data.urlQuery) && !data.urlKept) {
          setStateValue("url_kept", true);
        }
        watchSidebar(root, data.sidebarDrawn, setStateValue);
        root.clickAnywhere = data.clickAnywhere;
        if (gd.dataset.clicks) return;
        gd.dataset.clicks = "on";
        gd.on("plotly_click", (event) => {
          const point = event.points && event.points[0];
          if (data.clickable && point && point.data.meta === data.clickable) {
            setTriggerValue("click", { x: point.x, y: point.y });
          }
        });
        // A click (not a drag: Plotly zooms on drags) anywhere on the map.
        let down = null;
        gd.addEventListener("pointerdown", (event) => {
          down = [event.clientX, event.clientY];
        }, true);
        const still = (event) =>
          down && Math.hypot(event.clientX - down[0], event.clientY - down[1]) <= 8;
        gd.addEventListener("click", (event) => {
          if (event.pointerType && event.pointerType !== "mouse") return;  // a tap: pointerup
          const point = root.clickAnywhere && still(event) && mapPoint(gd, event);
          if (point) setTriggerValue("click", point);
        }, true);
        // A tap (a finger or a pen): Plotly's drag handling may swallow the click it makes.
        gd.addEventListener("pointerup", (event) => {
          if (event.pointerType === "mouse") return;
          const point = root.clickAnywhere && still(event) && mapPoint(gd, event);
          if (point) setTriggerValue("click", point);
        }, true);
        gd.addEventListener("pointermove", (event) => {
          const point = root.clickAnywhere && mapPoint(gd, event);
          root.player?.setHint(point
            ? `click to start at (${point.x.toFixed(2)}, ${point.y.toFixed(2)})` : "");
        });
        gd.addEventListener("pointerleave", () => root.player?.setHint(""));
      });
  });
  return drawn.then(() => markPresenting);
}
