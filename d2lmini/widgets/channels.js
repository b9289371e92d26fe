// ChannelsView (d2l §7.4): multi-input / multi-output channels and 1x1 convolutions.
// All numbers come from the Python side (the synced state); this file only draws
// them and writes out the sums. Helpers d2l* come from _base.js (prepended).

const CH_MODES = [
  ["multi_in", "multiple input channels → one output"],
  ["multi_out", "multiple output channels"],
  ["1x1", "1×1 convolution"],
];

/** "a·b + c·d" for two equal-length lists of numbers. */
function chTerms(xs, ks) {
  return xs.map((x, t) => `${d2lFmt(x)}·${d2lFmt(ks[t])}`).join(" + ");
}

/** The window of X[c] under output cell (i, j) and the kernel, both flattened. */
function chWindow(Xc, Kc, i, j) {
  const xs = [], ks = [];
  for (let a = 0; a < Kc.length; a++) {
    for (let b = 0; b < Kc[0].length; b++) { xs.push(Xc[i + a][j + b]); ks.push(Kc[a][b]); }
  }
  return [xs, ks];
}

function render({ model, el }) {
  const [root, controls] = d2lFrame(el, "channels-view");
  const modeSel = d2lSelect(controls, "view", "channels-mode", "view", CH_MODES);
  const outSel = d2lSelect(controls, "output channel", "channels-out-channel", "output channel");
  const outWrap = outSel.parentNode;
  // the keyboard's way to what a click on a cell selects: the output cell, or the pixel in 1×1 mode
  const prev = d2lEl(controls, "button", { text: "‹", attrs: { type: "button",
    "data-testid": "channels-prev", "aria-label": "previous output cell (pixel in 1×1 mode)" } });
  const next = d2lEl(controls, "button", { text: "›", attrs: { type: "button",
    "data-testid": "channels-next", "aria-label": "next output cell (pixel in 1×1 mode)" } });
  const status = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "channels-status" } });
  const expr = d2lEl(root, "div", { cls: "d2l-code", attrs: { "data-testid": "channels-expression" } });
  const board = d2lEl(root, "div", { cls: "d2l-col" });
  const caption = d2lEl(root, "div", { cls: "d2l-caption" });

  /** A titled grid of numbers; onClick(i, j) makes its cells clickable. */
  function grid(parent, title, data, highlight, onClick, testid) {
    const panel = d2lPanel(parent, testid, title);
    d2lLabel(panel, title, data.map((row) => row.map((v) => d2lFmt(v)).join(" ")).join("; "));
    const canvas = panel.canvas;
    const maxAbs = d2lMaxAbs(data) || 1;
    // numbers on every cell: the ink that contrasts most with it, haloed (d2lDrawGrid)
    const info = d2lDrawGrid(canvas, data, {
      cell: 34, numbers: true, fontPx: 13, highlight,
      color: (v) => d2lDiverging(v, maxAbs * 1.6),
    });
    if (onClick) {
      canvas.style.cursor = "pointer";
      canvas.addEventListener("click", (event) => {
        const hit = d2lCellAt(canvas, event, info.cell, data.length, data[0].length);
        if (hit) onClick(hit.i, hit.j);
      });
    }
    return canvas;
  }

  function op(parent, text) {
    d2lEl(parent, "div", { text, style: { alignSelf: "center", fontSize: "20px", padding: "0 0.2em" } });
  }

  function drawMultiIn(X, K, Y, partials, i, j) {
    const o = Math.min(model.get("out_channel"), K.length - 1);
    const kh = K[0][0].length, kw = K[0][0][0].length;
    const win = { i, j, h: kh, w: kw };
    const onCell = (a, b) => d2lSave(model, { cell: [a, b] });
    const sums = [];
    X.forEach((Xc, c) => {
      const row = d2lEl(board, "div", { cls: "d2l-row" });
      grid(row, `X[${c}]`, Xc, win);
      op(row, "⋆");
      grid(row, `K[${o}, ${c}]`, K[o][c], { i: 0, j: 0, h: kh, w: kw, color: "#888" });
      op(row, "=");
      grid(row, `X[${c}] ⋆ K[${o}, ${c}]`, partials[o][c], { i, j, h: 1, w: 1 }, onCell,
        `channels-partial-${c}`);
      const [xs, ks] = chWindow(Xc, K[o][c], i, j);
      sums.push([`(${chTerms(xs, ks)})`, partials[o][c][i][j]]);
    });
    const row = d2lEl(board, "div", { cls: "d2l-row" });
    op(row, "sum over the input channels =");
    grid(row, `Y[${o}]`, Y[o], { i, j, h: 1, w: 1 }, onCell, "channels-output");
    expr.textContent = `Y[${o}, ${i}, ${j}] = ${sums.map((s) => s[0]).join("\n     + ")}\n` +
      `           = ${sums.map((s) => d2lFmt(s[1])).join(" + ")} = ${d2lFmt(Y[o][i][j])}`;
    status.textContent = `multiple input channels: X ${X.length}×${X[0].length}×${X[0][0].length}` +
      ` ⋆ K[${o}] ${X.length}×${kh}×${kw} → output ${Y[o].length}×${Y[o][0].length}; ` +
      `Y[${o}, ${i}, ${j}] = ${d2lFmt(Y[o][i][j])}`;
    root.dataset.output = JSON.stringify(Y[o]);
    caption.textContent = "Each input channel is cross-correlated with its own kernel slice; " +
      "the results are added, so the input channels give a single output channel. " +
      "Click an output cell to see its sum.";
  }

  function drawMultiOut(X, K, Y, i, j) {
    const kh = K[0][0].length, kw = K[0][0][0].length;
    const onCell = (a, b) => d2lSave(model, { cell: [a, b] });
    const top = d2lEl(board, "div", { cls: "d2l-row" });
    X.forEach((Xc, c) => grid(top, `X[${c}]`, Xc, { i, j, h: kh, w: kw }));
    K.forEach((Ko, o) => {
      const row = d2lEl(board, "div", { cls: "d2l-row" });
      Ko.forEach((Koc, c) => {
        if (c > 0) op(row, ",");
        grid(row, `K[${o}, ${c}]`, Koc, null);
      });
      op(row, "→");
      grid(row, `Y[${o}]`, Y[o], { i, j, h: 1, w: 1 }, onCell, `channels-output-${o}`);
    });
    const column = Y.map((Yo) => Yo[i][j]);
    expr.textContent = K.map((Ko, o) => {
      const parts = X.map((Xc, c) => { const [xs, ks] = chWindow(Xc, Ko[c], i, j); return `(${chTerms(xs, ks)})`; });
      return `Y[${o}, ${i}, ${j}] = ${parts.join(" + ")} = ${d2lFmt(Y[o][i][j])}`;
    }).join("\n");
    status.textContent = `multiple output channels: K ${K.length}×${X.length}×${kh}×${kw} → ` +
      `Y ${Y.length}×${Y[0].length}×${Y[0][0].length}; Y[:, ${i}, ${j}] = ` +
      `[${column.map((v) => d2lFmt(v)).join(", ")}]`;
    root.dataset.output = JSON.stringify(Y);
    caption.textContent = (model.get("stacked") ? "The kernels are K, K + 1 and K + 2 stacked (as in d2l). " : "") +
      "Each output channel has its own stack of kernels, one per input channel, " +
      "and its own output. Click an output cell to see its sums.";
  }

  function draw1x1(X, M, Y1, i, j) {
    const onPixel = (a, b) => d2lSave(model, { pixel: [a, b] });
    const pix = { i, j, h: 1, w: 1 };
    const top = d2lEl(board, "div", { cls: "d2l-row" });
    X.forEach((Xc, c) => grid(top, `X[${c}]`, Xc, pix, onPixel, `channels-input-${c}`));
    const x = X.map((Xc) => Xc[i][j]);
    const y = Y1.map((Yo) => Yo[i][j]);
    const row = d2lEl(board, "div", { cls: "d2l-row" });
    grid(row, `K (${M.length}×${X.length})`, M, null);
    op(row, "×");
    grid(row, `X[:, ${i}, ${j}]`, x.map((v) => [v]), null);
    op(row, "=");
    grid(row, `Y[:, ${i}, ${j}]`, y.map((v) => [v]), null, null, "channels-pixel-output");
    const bottom = d2lEl(board, "div", { cls: "d2l-row" });
    Y1.forEach((Yo, o) => grid(bottom, `Y[${o}]`, Yo, pix, onPixel, `channels-output-${o}`));
    expr.textContent = M.map((row_, o) => `Y[${o}, ${i}, ${j}] = ${chTerms(row_, x)} = ${d2lFmt(y[o])}`).join("\n");
    status.textContent = `1×1 convolution at pixel (${i}, ${j}): x = [${x.map((v) => d2lFmt(v)).join(", ")}]` +
      ` → y = K x = [${y.map((v) => d2lFmt(v)).join(", ")}]`;
    root.dataset.output = JSON.stringify(Y1);
    root.dataset.pixelOutput = JSON.stringify(y);
    caption.textContent = "A 1×1 convolution mixes the channels of each pixel on its own: " +
      "every pixel's channel vector is multiplied by the same (output × input channels) matrix. " +
      "Click a pixel.";
  }

  function draw() {
    const mode = model.get("mode");
    const X = model.get("X"), K = model.get("K"), Y = model.get("Y");
    modeSel.value = mode;
    d2lOptions(outSel, K.map((_, o) => [String(o), String(o)]), String(model.get("out_channel")));
    outWrap.classList.toggle("d2l-hidden", mode !== "multi_in");
    board.replaceChildren();
    delete root.dataset.pixelOutput;
    root.dataset.mode = mode;
    if (mode === "1x1") {
      const [pi, pj] = model.get("pixel");
      const i = Math.min(Math.max(pi, 0), X[0].length - 1), j = Math.min(Math.max(pj, 0), X[0][0].length - 1);
      draw1x1(X, model.get("kernel_1x1"), model.get("Y1"), i, j);
    } else {
      const [ci, cj] = model.get("cell");
      const i = Math.min(Math.max(ci, 0), Y[0].length - 1), j = Math.min(Math.max(cj, 0), Y[0][0].length - 1);
      if (mode === "multi_out") drawMultiOut(X, K, Y, i, j);
      else drawMultiIn(X, K, Y, model.get("partials"), i, j);
    }
  }

  /** Select the cell (or pixel) `delta` steps on, row by row, wrapping around. */
  function step(delta) {
    const pixels = model.get("mode") === "1x1";
    const grid = pixels ? model.get("X")[0] : model.get("Y")[0];
    const rows = grid.length, cols = grid[0].length, [i, j] = model.get(pixels ? "pixel" : "cell");
    const k = (((i * cols + j + delta) % (rows * cols)) + rows * cols) % (rows * cols);
    d2lSave(model, { [pixels ? "pixel" : "cell"]: [Math.floor(k / cols), k % cols] });
  }
  prev.addEventListener("click", () => step(-1));
  next.addEventListener("click", () => step(1));
  modeSel.addEventListener("change", () => d2lSave(model, { mode: modeSel.value }));
  outSel.addEventListener("change", () => d2lSave(model, { out_channel: Number(outSel.value) }));
  const names = ["mode", "X", "K", "Y", "partials", "kernel_1x1", "Y1", "out_channel", "cell", "pixel", "stacked"];
  const handlers = {};
  for (const n of names) handlers[`change:${n}`] = draw;
  const stop = d2lListen(model, handlers);
  draw();
  return stop;
}

export default { render };
