// PaddingStrideExplorer (d2lmini/widgets/padding.py): a window sliding over a
// padded input with stride and dilation; output shape by PyTorch's floor formula.
// Uses the d2l* helpers of _base.js (prepended by _base.py).

const AXES = ["input_size", "kernel_size", "padding", "stride", "dilation"];
const NAMES = { input_size: "input", kernel_size: "kernel", padding: "padding",
                stride: "stride", dilation: "dilation" };

/** Output length along one axis, as nn.Conv2d / nn.MaxPool2d (ceil_mode=False) compute it. */
function outputLength(n, k, p, s, d) {
  const span = d * (k - 1) + 1;
  if (span > n + 2 * p) return 0;
  return Math.floor((n + 2 * p - span) / s) + 1;
}

/** Everything the picture needs for one setting {input_size: [h, w], ...}. */
function geometry(cfg) {
  const axes = [0, 1].map((a) => {
    const n = cfg.input_size[a], k = cfg.kernel_size[a], p = cfg.padding[a];
    const s = cfg.stride[a], d = cfg.dilation[a];
    const span = d * (k - 1) + 1;
    const out = outputLength(n, k, p, s, d);
    const touched = new Array(n + 2 * p).fill(false);
    for (let o = 0; o < out; o++) for (let t = 0; t < k; t++) touched[o * s + t * d] = true;
    return { n, k, p, s, d, span, out, padded: n + 2 * p, touched };
  });
  const convValid = axes.every((g) => g.out > 0);
  const poolValid = convValid && axes.every((g) => 2 * g.p <= g.k);
  return { axes, convValid, poolValid, shape: [axes[0].out, axes[1].out] };
}

function pairText(v) { return `(${v[0]}, ${v[1]})`; }

function render({ model, el }) {
  const root = d2lRoot(el, "padding-stride-explorer");

  // --- controls: one row per argument, (height, width) number inputs
  const controls = d2lEl(root, "div", { cls: "d2l-controls", style: { display: "grid",
    gridTemplateColumns: "max-content max-content max-content", gap: "0.2em 0.6em" } });
  d2lEl(controls, "span");
  d2lEl(controls, "span", { cls: "d2l-caption", text: "height" });
  d2lEl(controls, "span", { cls: "d2l-caption", text: "width" });
  const inputs = {};
  for (const key of AXES) {
    d2lEl(controls, "span", { text: NAMES[key] });
    // limits from Python's tags: the box gets min and max, onCommit an int within them
    inputs[key] = [0, 1].map((a) => d2lNumberInput(controls, null, {
      step: 1, limits: d2lLimits(model, key),
      "aria-label": `${NAMES[key]} ${a ? "width" : "height"}`,
      "data-testid": `ps-${NAMES[key]}-${a ? "w" : "h"}` }, (typed) => {
      const pair = model.get(key).slice();
      pair[a] = typed;
      position = 0;
      d2lSave(model, { [key]: pair });
      return typed;
    }));
  }

  // --- animation buttons
  const buttons = d2lEl(root, "div", { cls: "d2l-controls" });
  const prev = d2lEl(buttons, "button", { text: "‹", attrs: { "data-testid": "ps-prev", "aria-label": "previous position" } });
  const play = d2lEl(buttons, "button", { text: "▶ play", attrs: { "data-testid": "ps-play" } });
  const next = d2lEl(buttons, "button", { text: "›", attrs: { "data-testid": "ps-next", "aria-label": "next position" } });
  const where = d2lEl(buttons, "span", { cls: "d2l-caption" });

  const status = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "ps-status" } });
  const message = d2lEl(root, "div", { cls: "d2l-error d2l-hidden", attrs: { "data-testid": "ps-message" } });
  const row = d2lEl(root, "div", { cls: "d2l-row" });
  const inPanel = d2lEl(row, "div", { cls: "d2l-col" });
  const inCaption = d2lEl(inPanel, "div", { cls: "d2l-caption" });
  const canvas = d2lEl(inPanel, "canvas", { attrs: { role: "img", "data-testid": "ps-input",
    "aria-label": "the padded input and the window" } });
  const outPanel = d2lEl(row, "div", { cls: "d2l-col" });
  const outCaption = d2lEl(outPanel, "div", { cls: "d2l-caption" });
  const outCanvas = d2lEl(outPanel, "canvas", { attrs: { role: "img", "data-testid": "ps-output",
    "aria-label": "the output" } });
  const unreached = d2lEl(root, "div", { cls: "d2l-caption", attrs: { "data-testid": "ps-unreached" } });
  const code = d2lEl(root, "div", { cls: "d2l-code", attrs: { "data-testid": "ps-code" } });
  const legend = d2lEl(root, "div", { cls: "d2l-caption",
    text: "white: input · grey: zero padding · orange: window taps · hatched: never reached" });

  let position = 0;   // index of the current output cell, row-major
  let timer = null;

  function config() {
    const cfg = {};
    for (const key of AXES) cfg[key] = model.get(key);
    return cfg;
  }

  function drawHatch(ctx, x, y, w, h) {
    ctx.save();
    ctx.beginPath(); ctx.rect(x, y, w, h); ctx.clip();
    ctx.fillStyle = "rgba(120,120,120,0.25)"; ctx.fillRect(x, y, w, h);
    ctx.strokeStyle = "rgba(90,90,90,0.7)"; ctx.lineWidth = 1;
    for (let t = -h; t < w; t += 6) { ctx.moveTo(x + t, y + h); ctx.lineTo(x + t + h, y); }
    ctx.stroke(); ctx.restore();
  }

  function draw() {
    const cfg = config();
    for (const key of AXES) {
      d2lShowNumber(inputs[key][0], cfg[key][0]);
      d2lShowNumber(inputs[key][1], cfg[key][1]);
    }
    const g = geometry(cfg);
    const [gh, gw] = g.axes;
    root.dataset.outputShape = JSON.stringify(g.shape);
    root.dataset.convValid = String(g.convValid);
    root.dataset.poolValid = String(g.poolValid);
    const args = `kernel_size=${pairText(cfg.kernel_size)}, padding=${pairText(cfg.padding)}, ` +
      `stride=${pairText(cfg.stride)}, dilation=${pairText(cfg.dilation)}`;
    const convLine = `nn.Conv2d(1, 1, ${args})`;
    const poolLine = `nn.MaxPool2d(${args})`;
    const problems = [];
    if (!g.convValid) {
      for (const [a, label] of [[gh, "height"], [gw, "width"]]) {
        if (a.out <= 0) {
          problems.push(`The kernel${a.d > 1 ? ` (dilated to ${a.span})` : ""} is larger than ` +
            `the padded input along the ${label}: ${a.span} > ${a.n} + 2·${a.p} = ${a.padded}. ` +
            "Neither layer can be applied: use a smaller kernel or dilation, or more padding.");
        }
      }
    } else if (!g.poolValid) {
      problems.push(`nn.MaxPool2d refuses this padding: it must be at most kernel_size // 2 ` +
        `(= ${pairText(cfg.kernel_size.map((k) => Math.floor(k / 2)))}); nn.Conv2d is fine with it.`);
    }
    message.textContent = problems.join("\n");
    message.classList.toggle("d2l-hidden", problems.length === 0);
    code.textContent = `${convLine}\n${poolLine}${g.poolValid ? "" : "   # invalid for pooling"}` +
      `\n# input (1, 1, ${cfg.input_size[0]}, ${cfg.input_size[1]})` +
      (g.convValid ? ` -> output (1, 1, ${g.shape[0]}, ${g.shape[1]})` : " -> error");

    if (!g.convValid) {
      status.textContent = `input ${gh.n}×${gw.n}, padded ${gh.padded}×${gw.padded}: no output (kernel too large)`;
      canvas.style.display = outCanvas.style.display = "none";
      inCaption.textContent = outCaption.textContent = unreached.textContent = "";
      where.textContent = "";
      stop();
      return;
    }
    canvas.style.display = outCanvas.style.display = "";
    const total = g.shape[0] * g.shape[1];
    position = ((position % total) + total) % total;
    const oi = Math.floor(position / g.shape[1]), oj = position % g.shape[1];
    status.textContent = `output ${g.shape[0]}×${g.shape[1]}`;
    where.textContent = `output position (${oi}, ${oj}) of ${g.shape[0]}×${g.shape[1]}`;

    // padded input: padding cells grey, taps of the window orange, unreached hatched
    const cell = Math.max(10, Math.min(28, Math.floor(360 / Math.max(gh.padded, gw.padded))));
    const grid = [];
    for (let i = 0; i < gh.padded; i++) {
      const r = [];
      for (let j = 0; j < gw.padded; j++) {
        const inside = i >= gh.p && i < gh.p + gh.n && j >= gw.p && j < gw.p + gw.n;
        r.push(inside ? 1 : 0);
      }
      grid.push(r);
    }
    const taps = new Set();
    for (let a = 0; a < gh.k; a++) for (let b = 0; b < gw.k; b++) {
      taps.add(`${oi * gh.s + a * gh.d},${oj * gw.s + b * gw.d}`);
    }
    d2lDrawGrid(canvas, grid, {
      cell, color: (v, i, j) => (taps.has(`${i},${j}`) ? "rgb(255,183,77)" : v ? "rgb(255,255,255)" : "rgb(215,215,215)"),
      highlight: { i: oi * gh.s, j: oj * gw.s, h: gh.span, w: gw.span, color: "#e65100", lineWidth: 2 },
    });
    const ctx = canvas.getContext("2d");
    gh.touched.forEach((t, i) => { if (!t) drawHatch(ctx, 0, i * cell, gw.padded * cell, cell); });
    gw.touched.forEach((t, j) => { if (!t) drawHatch(ctx, j * cell, 0, cell, gh.padded * cell); });
    // the input's border inside the padding
    ctx.strokeStyle = "#1565c0"; ctx.lineWidth = 2;
    ctx.strokeRect(gw.p * cell + 1, gh.p * cell + 1, gw.n * cell - 2, gh.n * cell - 2);
    inCaption.textContent = `input ${gh.n}×${gw.n} padded to ${gh.padded}×${gw.padded}`;
    canvas.setAttribute("aria-label", `${inCaption.textContent}: the window of output (${oi}, ${oj}) ` +
      `covers padded rows ${oi * gh.s}..${oi * gh.s + gh.span - 1}, columns ${oj * gw.s}..` +
      `${oj * gw.s + gw.span - 1}; its taps are orange, padding grey, never-reached rows and ` +
      "columns hatched");

    const outGrid = Array.from({ length: g.shape[0] }, () => new Array(g.shape[1]).fill(0));
    d2lDrawGrid(outCanvas, outGrid, {
      cell: Math.max(10, Math.min(28, Math.floor(200 / Math.max(...g.shape)))),
      color: (v, i, j) => (i === oi && j === oj ? "rgb(255,183,77)" : "rgb(240,244,255)"),
    });
    outCaption.textContent = `output ${g.shape[0]}×${g.shape[1]}`;
    outCanvas.setAttribute("aria-label", `${outCaption.textContent}: position (${oi}, ${oj}) is orange`);

    const lost = [];
    for (const [a, label] of [[gh, "row"], [gw, "column"]]) {
      const idx = a.touched.map((t, i) => (t ? -1 : i)).filter((i) => i >= 0);
      if (idx.length) lost.push(`${label}${idx.length > 1 ? "s" : ""} ${idx.join(", ")}`);
    }
    unreached.textContent = lost.length
      ? `Never reached by the window (padded coordinates): ${lost.join("; ")}.`
      : "Every row and column of the padded input is used.";
  }

  function step(delta) {
    const g = geometry(config());
    if (!g.convValid) return;
    position += delta;
    draw();
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = "▶ play";
  }
  prev.addEventListener("click", () => { stop(); step(-1); });
  next.addEventListener("click", () => { stop(); step(1); });
  play.addEventListener("click", () => {
    if (timer !== null) { stop(); return; }
    play.textContent = "⏸ pause";
    timer = setInterval(() => step(1), 700);
  });

  draw();
  const handlers = {};
  for (const key of AXES) handlers[`change:${key}`] = draw;
  const unlisten = d2lListen(model, handlers);
  return () => { stop(); unlisten(); };
}

export default { render };
