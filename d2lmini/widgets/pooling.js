// PoolingExplorer (d2l §7.5): max / average pooling computed here, in the page,
// for the current window, stride and padding (so it works without a kernel).
// Python mirrors every number (PoolingExplorer.pooled, and pooling.py's
// shift_invariance for §7.5's table). Helpers d2l* come from _base.js (prepended).

/**
 * Pool a 2-D grid like PyTorch: k×k window, stride s, p rows/columns of padding
 * on each side; max ignores padding (-inf), avg counts it as 0 (count_include_pad).
 * Returns null when the window does not fit the padded input.
 */
export function poolGrid(X, k, s, p, mode) {
  const h = X.length, w = X[0].length;
  const oh = Math.floor((h + 2 * p - k) / s) + 1, ow = Math.floor((w + 2 * p - k) / s) + 1;
  if (k > h + 2 * p || k > w + 2 * p || oh < 1 || ow < 1) return null;
  const Y = [];
  for (let i = 0; i < oh; i++) {
    const row = [];
    for (let j = 0; j < ow; j++) {
      let acc = mode === "max" ? -Infinity : 0;
      for (let a = 0; a < k; a++) {
        const r = i * s + a - p;
        for (let b = 0; b < k; b++) {
          const c = j * s + b - p;
          const inside = r >= 0 && r < h && c >= 0 && c < w;
          if (mode === "max") { if (inside && X[r][c] > acc) acc = X[r][c]; }
          else if (inside) acc += X[r][c];
        }
      }
      row.push(mode === "max" ? acc : acc / (k * k));
    }
    Y.push(row);
  }
  return Y;
}

/** §7.2's edge map: X cross-correlated with [[1, -1]]. */
export function edgeGrid(X) {
  return X.map((row) => row.slice(0, -1).map((v, j) => v - row[j + 1]));
}

/** §7.5's stripe(shift): 6×8 ones with a dark stripe in columns 2 + shift .. 5 + shift. */
export function stripeGrid(shift) {
  return Array.from({ length: 6 }, () =>
    Array.from({ length: 8 }, (_, j) => (j >= 2 + shift && j < 6 + shift ? 0 : 1)));
}

/** The (i, j) cells where A and B differ. */
export function changedCells(A, B) {
  const cells = [];
  A.forEach((row, i) => row.forEach((v, j) => { if (v !== B[i][j]) cells.push({ i, j }); }));
  return cells;
}

/**
 * pooling.py's shift_invariance, §7.5's table: the stripe moved `shift` pixels, the edge
 * strength |X ⋆ [[1, -1]]| of both, its 2×2 max pools (stride 1 and 2), and in `changed`
 * how many values differ ({edges, s1, s2}).
 */
export function shiftInvariance(shift) {
  const out = { X: stripeGrid(0), X_shifted: stripeGrid(shift), changed: {} };
  for (const key of ["", "_shifted"]) {
    out[`edges${key}`] = edgeGrid(out[`X${key}`]).map((row) => row.map(Math.abs));
    for (const s of [1, 2]) out[`pooled_s${s}${key}`] = poolGrid(out[`edges${key}`], 2, s, 0, "max");
  }
  for (const [name, key] of [["edges", "edges"], ["s1", "pooled_s1"], ["s2", "pooled_s2"]]) {
    out.changed[name] = changedCells(out[key], out[`${key}_shifted`]).length;
  }
  return out;
}

function render({ model, el }) {
  const [root, controls] = d2lFrame(el, "pooling-explorer");
  const sourceSel = d2lSelect(controls, "pool the", "pooling-source", "source",
    [["image", "image"], ["edges", "edge map ([[1, -1]])"]]);
  const modeSel = d2lSelect(controls, "mode", "pooling-mode", "mode", [["max", "max"], ["avg", "average"]]);
  // The boxes' limits come from Python's tags (d2lLimits): onCommit gets an int within them.
  // As in Python, a new window resets the stride (to the window, like nn.MaxPool2d) and padding.
  const sizeIn = d2lNumberInput(controls, "window",
    { limits: d2lLimits(model, "pool_size"), step: 1,
      "data-testid": "pooling-size", "aria-label": "window size" }, (k) => {
      if (k !== model.get("pool_size")) d2lSave(model, { pool_size: k, stride: k, padding: 0 });
      return k;
    });
  const strideIn = d2lNumberInput(controls, "stride",
    { limits: d2lLimits(model, "stride"), step: 1,
      "data-testid": "pooling-stride", "aria-label": "stride" }, (s) => save("stride", s));
  // padding's highest, half the window, moves with the window (PyTorch's rule): clamped here
  const padIn = d2lNumberInput(controls, "padding",
    { min: 0, step: 1, "data-testid": "pooling-padding", "aria-label": "padding" },
    (text) => save("padding", d2lInt(text, 0, Math.floor(model.get("pool_size") / 2),
                                     model.get("padding"))));
  // the keyboard's way to what a click on an output cell shows: its window
  const prevCell = d2lEl(controls, "button", { text: "‹", attrs: { type: "button",
    "data-testid": "pooling-prev", "aria-label": "previous output cell" } });
  const nextCell = d2lEl(controls, "button", { text: "›", attrs: { type: "button",
    "data-testid": "pooling-next", "aria-label": "next output cell" } });
  const status = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "pooling-status" } });
  const row = d2lEl(root, "div", { cls: "d2l-row" });
  const inP = d2lPanel(row, "pooling-input", "input");
  const outP = d2lPanel(row, "pooling-output", "pooled output");
  const outCanvas = outP.canvas;
  d2lEl(root, "div", { cls: "d2l-caption", text:
    "Pooling summarises every window by its maximum or its average. Padding (purple) never wins " +
    "a max but counts as 0 in an average, as in PyTorch. Click an output cell to see its window." });

  // ---- the shift-by-one-pixel demonstration
  d2lEl(root, "h4", { text: "Shift the stripe image by a pixel", style: { margin: "0.8em 0 0.2em" } });
  const shiftControls = d2lEl(root, "div", { cls: "d2l-controls" });
  const shiftIn = d2lNumberInput(shiftControls, "shift right by",
    { limits: d2lLimits(model, "shift"), step: 1,
      "data-testid": "pooling-shift", "aria-label": "shift the stripe right by" },
    (v) => save("shift", v));
  const shiftStatus = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "pooling-shift-status" } });
  const shiftBoard = d2lEl(root, "div", { cls: "d2l-col" });
  d2lEl(root, "div", { cls: "d2l-caption", text:
    "§7.5's stripe image, its edge strength |X ⋆ [1, −1]| (max pooling the signed edge map would " +
    "drop the −1 edges) and its 2×2 max pools with stride 1 and stride 2, before (left) and after " +
    "(right) moving the stripe, as in §7.5's table; orange frames mark the cells that changed." });

  let selected = null;  // output cell picked by a click: {i, j}
  let outInfo = null, outShape = [0, 0];

  /** Save an int the page kept within its limits; returns it for the box to show. */
  function save(name, value) {
    d2lSave(model, { [name]: value });
    return value;
  }

  function drawMain() {
    const source = model.get("source"), mode = model.get("mode");
    const k = model.get("pool_size"), s = model.get("stride");
    const p = model.get("padding");
    sourceSel.value = source; modeSel.value = mode;
    d2lShowNumber(sizeIn, k); d2lShowNumber(strideIn, s); d2lShowNumber(padIn, p);
    padIn.max = String(Math.floor(k / 2));
    const X = model.get(source === "image" ? "image" : "edges");
    const h = X.length, w = X[0].length;
    const lo = d2lRange(X)[0], hi = d2lRange(X)[1];
    const signed = source === "edges";
    const maxAbs = d2lMaxAbs(X) || 1;
    const color = (v) => (signed ? d2lDiverging(v, maxAbs) : d2lGrey(v, Math.min(lo, 0), Math.max(hi, 1)));
    const cell = Math.max(6, Math.min(24, Math.floor(300 / Math.max(h + 2 * p, w + 2 * p))));
    const Y = poolGrid(X, k, s, p, mode);
    const name = `${mode === "max" ? "max" : "average"} pooling ${k}×${k}, stride ${s}, padding ${p}`;
    const what = source === "image" ? "the image" : "the edge map";
    const inCaption = `${source === "image" ? "image" : "edge map"} ${h}×${w}` + (p ? ` (+ padding ${p})` : "");
    const values = signed ? "blue below 0, red above" : "black is the smallest value, white the largest";
    if (!Y) {
      status.textContent = `${name} of ${what}: the window does not fit the ${h}×${w} input`;
      delete root.dataset.output;
      outCanvas.classList.add("d2l-hidden");
      selected = null;
      outShape = [0, 0];
      d2lLabel(inP, inCaption, values);
      d2lDrawGrid(inP.canvas, padded(X, p), { cell, color: padColor(color) });
      return;
    }
    outCanvas.classList.remove("d2l-hidden");
    outShape = [Y.length, Y[0].length];
    if (selected && (selected.i >= outShape[0] || selected.j >= outShape[1])) selected = null;
    const win = selected ? { i: selected.i * s, j: selected.j * s, h: k, w: k } : null;
    d2lLabel(inP, inCaption, values + (selected ? `; the window of output cell (${selected.i}, ` +
      `${selected.j}) is framed` : "") + (p ? "; padding is purple" : ""));
    d2lDrawGrid(inP.canvas, padded(X, p), { cell, color: padColor(color), highlight: win });
    d2lLabel(outP, `${mode === "max" ? "max" : "average"}-pooled ${Y.length}×${Y[0].length}`, values +
      (selected ? `; cell (${selected.i}, ${selected.j}) is framed` : "; click a cell to see its window"));
    const yMaxAbs = d2lMaxAbs(Y) || 1;
    outInfo = d2lDrawGrid(outCanvas, Y, {
      cell: Math.max(cell, 6),
      color: (v) => (signed ? d2lDiverging(v, yMaxAbs) : d2lGrey(v, Math.min(lo, 0), Math.max(hi, 1))),
      highlight: selected ? { i: selected.i, j: selected.j, h: 1, w: 1 } : null,
    });
    const flat = Y.flat();
    const mean = flat.reduce((a, b) => a + b, 0) / flat.length;
    let text = `${name} of ${what}: ${h}×${w} → ${Y.length}×${Y[0].length}; ` +
      `mean ${d2lFmt(mean)}, max ${d2lFmt(Math.max(...flat))}`;
    if (selected) {
      const r0 = selected.i * s - p, c0 = selected.j * s - p;
      text += `\ncell (${selected.i}, ${selected.j}) = ${d2lFmt(Y[selected.i][selected.j])}, ` +
        `window rows ${r0}..${r0 + k - 1}, columns ${c0}..${c0 + k - 1}`;
    }
    status.textContent = text;
    root.dataset.output = JSON.stringify(Y);
    root.dataset.shape = JSON.stringify(outShape);
  }

  /** X with p cells of padding (NaN) around it, for drawing. */
  function padded(X, p) {
    if (!p) return X;
    const w = X[0].length + 2 * p;
    const blank = () => new Array(w).fill(NaN);
    const rows = [];
    for (let t = 0; t < p; t++) rows.push(blank());
    for (const r of X) rows.push([...new Array(p).fill(NaN), ...r, ...new Array(p).fill(NaN)]);
    for (let t = 0; t < p; t++) rows.push(blank());
    return rows;
  }

  function padColor(color) {
    return (v) => (Number.isNaN(v) ? "rgb(225,205,235)" : color(v));
  }

  function drawShift() {
    const shift = model.get("shift");
    d2lShowNumber(shiftIn, shift);
    const d = shiftInvariance(shift);
    shiftBoard.replaceChildren();
    // two lines of two before/after pairs; 12 px digits, and thin frames at the cells' edges
    // (clear of the digits) on what changed
    const lines = [
      [["image X", d.X, d.X_shifted, false], ["edge strength", d.edges, d.edges_shifted, true]],
      [["2×2 max pool, stride 1", d.pooled_s1, d.pooled_s1_shifted, true],
       ["2×2 max pool, stride 2", d.pooled_s2, d.pooled_s2_shifted, true]],
    ];
    const color = (v) => d2lDiverging(v, 1.6);
    for (const pairs of lines) {
      const line = d2lEl(shiftBoard, "div", { cls: "d2l-row" });
      for (const [title, A, B, showChanges] of pairs) {
        const changed = changedCells(A, B);
        const frames = showChanges ? changed.map((c) => ({ ...c, h: 1, w: 1, lineWidth: 2, color: "#e65100" })) : [];
        for (const [label, G] of [[title, A], [`${title}, shifted by ${shift}`, B]]) {
          const panel = d2lPanel(line, null, label);
          d2lLabel(panel, label, `${G.length}×${G[0].length}, the values written in the cells` +
            (showChanges ? `; ${changed.length} cells change with the shift (framed)` : ""));
          d2lDrawGrid(panel.canvas, G, { cell: 22, numbers: true, fontPx: 12, color, highlight: frames });
        }
      }
    }
    const size = (G) => G.length * G[0].length;
    shiftStatus.textContent = `shift ${shift}: edge map ${d.changed.edges} of ${size(d.edges)} cells change; ` +
      `after 2×2 max pooling with stride 1: ${d.changed.s1} of ${size(d.pooled_s1)}; ` +
      `with stride 2: ${d.changed.s2} of ${size(d.pooled_s2)}`;
    root.dataset.shiftChanged = JSON.stringify(d.changed);
  }

  outCanvas.addEventListener("click", (event) => {
    if (!outInfo) return;
    const hit = d2lCellAt(outCanvas, event, outInfo.cell, outShape[0], outShape[1]);
    if (hit) { selected = hit; drawMain(); }
  });
  /** Show the window of the output cell `delta` steps on, row by row (none selected: the first). */
  function step(delta) {
    if (!outShape[0]) return;
    const total = outShape[0] * outShape[1];
    const k = selected ? (((selected.i * outShape[1] + selected.j + delta) % total) + total) % total : 0;
    selected = { i: Math.floor(k / outShape[1]), j: k % outShape[1] };
    drawMain();
  }
  prevCell.addEventListener("click", () => step(-1));
  nextCell.addEventListener("click", () => step(1));
  sourceSel.addEventListener("change", () => d2lSave(model, { source: sourceSel.value }));
  modeSel.addEventListener("change", () => d2lSave(model, { mode: modeSel.value }));

  const stop = d2lListen(model, {
    "change:source": drawMain, "change:mode": drawMain, "change:pool_size": drawMain,
    "change:stride": drawMain, "change:padding": drawMain, "change:image": drawMain,
    "change:edges": drawMain, "change:shift": drawShift,
  });
  drawMain();
  drawShift();
  return stop;
}

export default { render };
