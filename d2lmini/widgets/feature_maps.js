// FeatureMapBrowser: a network's activations, layer × channel × image, without a kernel.
// Python stores each 2-D map quantized to 8 bits between its min and max (widgets/_codec.py,
// decoded by d2lBytes), and vectors (e.g. logits) as rounded floats; this file draws them.
// Helpers d2l* come from _base.js (prepended).

/** Map number `index` (h×w bytes each) of `bytes`, de-quantized into [lo, hi], as rows. */
export function fmMap(bytes, index, h, w, lo, hi) {
  const rows = [];
  const base = index * h * w;
  for (let i = 0; i < h; i++) {
    const row = new Array(w);
    for (let j = 0; j < w; j++) row[j] = lo + (bytes[base + i * w + j] / 255) * (hi - lo);
    rows.push(row);
  }
  return rows;
}

function render({ model, el }) {
  const [root, controls] = d2lFrame(el, "feature-map-browser");
  const layerSel = d2lSelect(controls, "layer", "fm-layer", "layer");
  const chanWrap = d2lEl(controls, "span", { cls: "d2l-controls", style: { margin: "0" } });
  const prevBtn = d2lEl(chanWrap, "button", { text: "◀", attrs: { "aria-label": "previous channel", "data-testid": "fm-prev" } });
  const chanIn = d2lNumberInput(chanWrap, "channel",
    { min: 0, step: 1, "data-testid": "fm-channel", "aria-label": "channel" }, (text) => {
      const entry = model.get("layers")[model.get("layer")];
      const channel = d2lInt(text, 0, (entry.channels || 1) - 1, model.get("channel"));
      set("channel", channel);
      return channel;
    });
  const nextBtn = d2lEl(chanWrap, "button", { text: "▶", attrs: { "aria-label": "next channel", "data-testid": "fm-next" } });
  const status = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "fm-status" } });
  const thumbs = d2lEl(root, "div", { cls: "d2l-row", attrs: { "data-testid": "fm-images" } });
  const main = d2lEl(root, "div", { cls: "d2l-row" });
  const inP = d2lPanel(main, "fm-input", "input image");
  const mapP = d2lPanel(main, "fm-map", "feature map");
  const mapCanvas = mapP.canvas;
  const mapRange = d2lEl(mapP.box, "div", { cls: "d2l-caption" });
  const bars = d2lEl(main, "div", { cls: "d2l-col", attrs: { "data-testid": "fm-bars" } });
  const strip = d2lEl(root, "div", { cls: "d2l-row", attrs: { "data-testid": "fm-channels" } });
  d2lEl(root, "div", { cls: "d2l-caption", text:
    "Pick a layer, a channel and an image: each map is drawn from its own minimum (black) to " +
    "its maximum (white); the maps of a layer whose channels are named (such as class maps) share " +
    "one scale and show their means. Layers that output vectors (such as the final scores) are " +
    "drawn as bars." });

  let cache = new Map();  // layer index -> decoded bytes

  function bytesOf(index) {
    if (!cache.has(index)) cache.set(index, d2lBytes(model.get("layers")[index].data));
    return cache.get(index);
  }
  let inputBytes = null;

  function inputImage(n) {
    const inp = model.get("inputs");
    const [, c, h, w] = inp.shape;
    if (!inputBytes) inputBytes = d2lBytes(inp.data);
    const [lo, hi] = inp.ranges[n];
    return { c, h, w, planes: Array.from({ length: Math.min(c, 3) }, (_, k) => fmMap(inputBytes, n * c + k, h, w, lo, hi)), lo, hi };
  }

  function drawImage(canvas, img, side) {
    const cell = Math.max(1, Math.floor(side / Math.max(img.h, img.w)));
    const grey = (v) => d2lGrey(v, img.lo, img.hi);
    if (img.planes.length === 3) {
      const color = (_, i, j) => {
        const ch = img.planes.map((p) => Math.round(255 * (img.hi > img.lo ? (p[i][j] - img.lo) / (img.hi - img.lo) : 0.5)));
        return `rgb(${ch[0]},${ch[1]},${ch[2]})`;
      };
      return d2lDrawGrid(canvas, img.planes[0], { cell, color, gridLines: false });
    }
    return d2lDrawGrid(canvas, img.planes[0], { cell, color: grey, gridLines: false });
  }

  function labelOf(k) {
    const labels = model.get("labels");
    return labels.length ? labels[k] : String(k);
  }

  function set(name, value) { d2lSave(model, { [name]: value }); }

  function drawThumbs() {
    thumbs.replaceChildren();
    const n = model.get("inputs").shape[0];
    const preds = model.get("predictions"), targets = model.get("targets");
    for (let k = 0; k < n; k++) {
      // a button: Tab reaches every image, Enter or Space picks it
      const said = preds.length ? `, predicted ${labelOf(preds[k])}` +
        (targets.length ? `, true ${labelOf(targets[k])}` : "") : "";
      const box = d2lEl(thumbs, "button", { cls: "d2l-col", attrs: { type: "button", "data-image": k,
        "data-testid": `fm-image-${k}`, "aria-label": `image ${k + 1}${said}`,
        "aria-pressed": String(k === model.get("image")) },
        style: { alignItems: "center", padding: "2px", background: "none", border: "none",
          outline: k === model.get("image") ? "3px solid #ff9800" : "none" } });
      const canvas = d2lEl(box, "canvas", { attrs: { "aria-hidden": "true" } });
      drawImage(canvas, inputImage(k), 48);
      if (preds.length) {
        const wrong = targets.length && targets[k] !== preds[k];
        d2lEl(box, "span", { cls: "d2l-caption", text: labelOf(preds[k]),
          style: { color: wrong ? "#a00" : "#555" } });
      }
      box.addEventListener("click", () => set("image", k));
    }
  }

  function drawBars(values, isScores) {
    const maxAbs = Math.max(...values.map(Math.abs)) || 1;
    const best = values.indexOf(Math.max(...values));
    const shown = values.slice(0, 64);
    for (let k = 0; k < shown.length; k++) {
      const line = d2lEl(bars, "div", { style: { display: "flex", alignItems: "center", gap: "0.4em", fontSize: "12px" } });
      d2lEl(line, "span", { text: isScores ? labelOf(k) : String(k), style: { width: "6em", textAlign: "right" } });
      const track = d2lEl(line, "span", { style: { width: "160px", height: "10px", background: "#eee", position: "relative" } });
      d2lEl(track, "span", { style: {
        position: "absolute", top: "0", height: "10px",
        left: shown[k] >= 0 ? "80px" : `${80 - (80 * -shown[k]) / maxAbs}px`,
        width: `${(80 * Math.abs(shown[k])) / maxAbs}px`,
        background: isScores && k === best ? "#ff9800" : shown[k] >= 0 ? "#b2182b" : "#2166ac" } });
      d2lEl(line, "span", { text: d2lFmt(shown[k]) });
    }
    if (values.length > shown.length) d2lEl(bars, "div", { cls: "d2l-caption", text: `first ${shown.length} of ${values.length} values` });
  }

  function draw() {
    const layers = model.get("layers");
    const inp = model.get("inputs");
    const n = inp.shape[0];
    const l = Math.min(Math.max(model.get("layer"), 0), layers.length - 1);
    const im = Math.min(Math.max(model.get("image"), 0), n - 1);
    d2lOptions(layerSel, layers.map((entry, idx) => [String(idx), `${entry.name} (${entry.shape.join("×")})`]),
      String(l));
    drawThumbs();
    const preds = model.get("predictions"), targets = model.get("targets");
    d2lLabel(inP, "input", `image ${im + 1} of ${n}` + (targets.length ? `, a ${labelOf(targets[im])}` : ""));
    drawImage(inP.canvas, inputImage(im), 196);
    bars.replaceChildren();
    strip.replaceChildren();
    let tail = "";
    if (preds.length) tail += `; predicted: ${labelOf(preds[im])}`;
    if (targets.length) tail += `, true: ${labelOf(targets[im])}`;
    if (!layers.length) { status.textContent = `no layer outputs to show${tail}`; return; }
    const entry = layers[l];
    if (entry.kind === "vector") {
      chanWrap.classList.add("d2l-hidden");
      mapCanvas.classList.add("d2l-hidden");
      const values = entry.values[im];
      const isScores = l === layers.length - 1 && preds.length > 0 && values.length === entry.length &&
        model.get("labels").length === values.length;
      d2lLabel(mapP, `${entry.name}: ${entry.shape.join("×")} values`, "drawn as bars below");
      drawBars(values, isScores);
      const lo = Math.min(...values), hi = Math.max(...values);
      mapRange.textContent = "";
      status.textContent = `layer ${entry.name} (${entry.shape.join("×")}), image ${im + 1} of ${n}: ` +
        `min ${d2lFmt(lo)}, max ${d2lFmt(hi)}${tail}`;
      root.dataset.range = JSON.stringify([lo, hi]);
      root.dataset.map = JSON.stringify(values);
      root.dataset.channelLabel = "";
    } else {
      chanWrap.classList.remove("d2l-hidden");
      mapCanvas.classList.remove("d2l-hidden");
      const kept = entry.channels;
      const ch = Math.min(Math.max(model.get("channel"), 0), kept - 1);
      chanIn.max = String(kept - 1);
      d2lShowNumber(chanIn, ch);
      const [c, h, w] = entry.shape;
      const bytes = bytesOf(l);
      const [lo, hi] = entry.ranges[im * kept + ch];
      const map = fmMap(bytes, im * kept + ch, h, w, lo, hi);
      // Named channels (e.g. one class map per class) are comparable: one grey scale for all of
      // this image's maps, and each map's mean, which global average pooling makes its score.
      const names = entry.channel_labels || [];
      const own = entry.ranges.slice(im * kept, (im + 1) * kept);
      const shared = names.length ? [Math.min(...own.map((r) => r[0])), Math.max(...own.map((r) => r[1]))] : null;
      const scale = (k) => shared || entry.ranges[im * kept + k];
      const maps = Array.from({ length: kept }, (_, k) => fmMap(bytes, im * kept + k, h, w, ...entry.ranges[im * kept + k]));
      const means = maps.map((m) => m.flat().reduce((a, b) => a + b, 0) / (h * w));
      d2lDrawGrid(mapCanvas, map, { cell: Math.max(1, Math.floor(196 / Math.max(h, w))),
        color: (v) => d2lGrey(v, ...scale(ch)), gridLines: false });
      const named = (k) => (names[k] === undefined ? "" : ` (${names[k]})`);
      const marks = (k) => [preds.length && names[k] === labelOf(preds[im]) ? "predicted" : "",
        targets.length && names[k] === labelOf(targets[im]) ? "true" : ""].filter(Boolean);
      d2lLabel(mapP, `${entry.name}, channel ${ch}${named(ch)}: ${h}×${w}`, shared
        ? `one scale for all ${kept} channels: black ${d2lFmt(shared[0])}, white ${d2lFmt(shared[1])}; ` +
          `its mean is ${d2lFmt(means[ch])}`
        : `black is its minimum ${d2lFmt(lo)}, white its maximum ${d2lFmt(hi)}`);
      mapRange.textContent = `min ${d2lFmt(lo)}, max ${d2lFmt(hi)}`;
      for (let k = 0; k < kept; k++) {
        const marked = marks(k);
        // one line each: the channel, its mean (named maps), which class it is for this image
        const lines = [names[k] === undefined ? String(k) : `${k} ${names[k]}`,
          shared ? `mean ${d2lFmt(means[k], 2)}` : "", marked.join(", ")].filter(Boolean);
        // the name says what the box shows, in the same words (a screen reader's user says them)
        const box = d2lEl(strip, "button", { cls: "d2l-col", attrs: { type: "button", "data-channel": k,
          "data-testid": `fm-channel-${k}`, "aria-pressed": String(k === ch),
          "aria-label": `channel ${lines.join(" ")}` },
          style: { alignItems: "center", padding: "2px", background: "none", border: "none",
            outline: k === ch ? "3px solid #ff9800" : "none" } });
        const canvas = d2lEl(box, "canvas", { attrs: { "aria-hidden": "true" } });
        d2lDrawGrid(canvas, maps[k], { cell: Math.max(1, Math.floor(48 / Math.max(h, w))),
          color: (v) => d2lGrey(v, ...scale(k)), gridLines: false });
        d2lEl(box, "span", { cls: "d2l-caption", text: lines.join("\n"),
          style: { whiteSpace: "pre-line", fontWeight: marked.length ? "bold" : "normal" } });
        box.addEventListener("click", () => set("channel", k));
      }
      const more = c > kept ? ` (first ${kept} of ${c} kept)` : "";
      status.textContent = `layer ${entry.name} (${c}×${h}×${w}), channel ${ch} of ${c}${named(ch)}${more}, ` +
        `image ${im + 1} of ${n}: min ${d2lFmt(lo)}, max ${d2lFmt(hi)}${tail}`;
      root.dataset.channelLabel = names[ch] === undefined ? "" : names[ch];
      root.dataset.channelMeans = JSON.stringify(means);
      root.dataset.range = JSON.stringify([lo, hi]);
      root.dataset.map = JSON.stringify(map);
    }
    root.dataset.layer = entry.name;
    root.dataset.prediction = preds.length ? labelOf(preds[im]) : "";
  }

  const step = (delta) => {
    const entry = model.get("layers")[model.get("layer")];
    if (!entry || entry.kind !== "maps") return;
    set("channel", (model.get("channel") + delta + entry.channels) % entry.channels);
  };
  prevBtn.addEventListener("click", () => step(-1));
  nextBtn.addEventListener("click", () => step(1));
  // As in Python, a new layer starts at its channel 0.
  layerSel.addEventListener("change", () => d2lSave(model, { layer: Number(layerSel.value), channel: 0 }));
  const reset = () => { cache = new Map(); inputBytes = null; draw(); };
  const stop = d2lListen(model, {
    "change:layers": reset, "change:inputs": reset, "change:labels": draw,
    "change:predictions": draw, "change:targets": draw,
    "change:layer": draw, "change:channel": draw, "change:image": draw,
  });
  draw();
  return stop;
}

export default { render };
