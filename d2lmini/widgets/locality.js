// LocalityView (d2lmini/widgets/locality.py): a dense layer and a convolution on the
// same image. Everything shown is computed here from the saved state (the book has
// no kernel); d2lmini/equivariance.py has a Python mirror of each exported function,
// and the status sentences come from Python (the state's texts), filled here.
// Uses the d2l* helpers of _base.js (prepended by _base.py).

/** Two outputs count as equal within this relative tolerance (equivariance.RTOL). */
const LV_RTOL = 1e-9;

/** X moved dy rows down and dx columns right; zeros come in, nothing wraps (shift_image). */
export function lvShift(X, dy, dx) {
  const h = X.length, w = X[0].length;
  return X.map((row, i) => row.map((_, j) => {
    const r = i - dy, c = j - dx;
    return r >= 0 && r < h && c >= 0 && c < w ? X[r][c] : 0;
  }));
}

/** The dense weights as saved (_codec.encode): {rows, cols, W (Float64Array, row-major), maxAbs}. */
export function lvDecode(stored) {
  const [rows, cols] = stored.shape, [[lo, hi]] = stored.ranges;
  const bytes = d2lBytes(stored.data);
  const W = new Float64Array(rows * cols);
  let maxAbs = 0;
  for (let k = 0; k < W.length; k++) {
    W[k] = lo + bytes[k] / 255 * (hi - lo);
    maxAbs = Math.max(maxAbs, Math.abs(W[k]));
  }
  return { rows, cols, W, maxAbs };
}

/** The dense layer's output map: W @ X.flatten(), reshaped to X's (h, w) (dense_forward). */
export function lvDense(dense, X) {
  const h = X.length, w = X[0].length, x = X.flat(), n = x.length;
  const out = [];
  for (let i = 0; i < h; i++) {
    const row = [];
    for (let j = 0; j < w; j++) {
      const base = (i * w + j) * n;
      let s = 0;
      for (let k = 0; k < n; k++) s += dense.W[base + k] * x[k];
      row.push(s);
    }
    out.push(row);
  }
  return out;
}

/** Cross-correlation with zero padding (kh // 2, kw // 2): same shape as X (conv_same). */
export function lvConv(X, K) {
  const h = X.length, w = X[0].length, kh = K.length, kw = K[0].length;
  const ph = Math.floor(kh / 2), pw = Math.floor(kw / 2);
  return X.map((row, i) => row.map((_, j) => {
    let s = 0;
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const r = i + a - ph, c = j + b - pw;
        // padding is zero; add 0·k like the padded tensor does, so the sums agree exactly
        s += (r >= 0 && r < h && c >= 0 && c < w ? X[r][c] : 0) * K[a][b];
      }
    }
    return s;
  }));
}

/** [[first row, end row), [first column, end column)] of the units away from the border (away_from_border). */
export function lvAway(shape, kernelShape, shift) {
  return [0, 1].map((a) => {
    const n = shape[a], p = Math.floor(kernelShape[a] / 2), s = shift[a];
    return [Math.max(p, p + s), Math.min(n - p, n - p + s)];
  });
}

function lvSame(a, b) { return Math.abs(a - b) <= LV_RTOL * (1 + Math.abs(a) + Math.abs(b)); }

/** What a shift does to both layers (equivariance): counts, outputs and which units are equal. */
export function lvEquivariance(X, dense, K, shift) {
  const h = X.length, w = X[0].length;
  const Xs = lvShift(X, shift[0], shift[1]);
  const [[r0, r1], [c0, c1]] = lvAway([h, w], [K.length, K[0].length], shift);
  const out = { units: h * w, interior: Math.max(0, r1 - r0) * Math.max(0, c1 - c0) };
  const layers = { conv: (x) => lvConv(x, K), dense: (x) => lvDense(dense, x) };
  const maps = { shifted: Xs };
  for (const [name, layer] of Object.entries(layers)) {
    const now = layer(Xs), moved = lvShift(layer(X), shift[0], shift[1]);
    const same = now.map((row, i) => row.map((v, j) => lvSame(v, moved[i][j])));
    let all = 0, inside = 0;
    same.forEach((row, i) => row.forEach((ok, j) => {
      if (!ok) return;
      all += 1;
      if (i >= r0 && i < r1 && j >= c0 && j < c1) inside += 1;
    }));
    out[`${name}_equal_all`] = all;
    out[`${name}_equal`] = inside;
    maps[name] = now;
    maps[`${name}_unshifted`] = layer(X);
    maps[`${name}_same`] = same;
  }
  return { counts: out, maps, away: [[r0, r1], [c0, c1]] };
}

/** Weights and connections of both layers (layer_counts). */
export function lvCounts(shape, kernelShape) {
  const pixels = shape[0] * shape[1], taps = kernelShape[0] * kernelShape[1];
  return { pixels, outputs: pixels, dense_weights: pixels * pixels, dense_sees: pixels,
           conv_weights: taps, conv_sees: taps };
}

/** The status lines (LocalityView.status): Python's sentences (texts) with these counts. */
export function lvStatus(texts, counts, shift, eq) {
  const [dy, dx] = shift;
  if (dy === 0 && dx === 0) return [d2lFill(texts.counts, counts), texts.no_shift];
  const line = eq.interior ? texts.shift : texts.no_interior;
  return [d2lFill(texts.counts, counts), d2lFill(line, { ...eq, dy, dx })];
}

/** The weights unit (i, j) gives each pixel: [dense map, conv map] (LocalityView.unit_weights). */
export function lvUnitWeights(dense, K, h, w, i, j) {
  const base = (i * w + j) * h * w;
  const denseMap = [], convMap = [];
  const kh = K.length, kw = K[0].length, ph = Math.floor(kh / 2), pw = Math.floor(kw / 2);
  for (let r = 0; r < h; r++) {
    const drow = [], crow = [];
    for (let c = 0; c < w; c++) {
      drow.push(dense.W[base + r * w + c]);
      const a = r - i + ph, b = c - j + pw;
      crow.push(a >= 0 && a < kh && b >= 0 && b < kw ? K[a][b] : 0);
    }
    denseMap.push(drow);
    convMap.push(crow);
  }
  return [denseMap, convMap];
}

function render({ model, el }) {
  const [root, controls] = d2lFrame(el, "locality-view");
  const kernelSelect = d2lSelect(controls, "kernel", "locality-kernel-preset", "convolution kernel");
  const unitInputs = [0, 1].map((a) => d2lNumberInput(controls, a ? "column" : "unit row",
    { min: 0, step: 1, "data-testid": `locality-unit-${a ? "col" : "row"}`,
      "aria-label": `selected unit ${a ? "column" : "row"}` },
    (text) => {
      const X = model.get("image"), unit = model.get("unit").slice();
      const n = a ? X[0].length : X.length;
      unit[a] = d2lInt(text, 0, n - 1, unit[a]);
      d2lSave(model, { unit });
      return unit[a];
    }));
  const shiftInputs = [0, 1].map((a) => d2lNumberInput(controls, a ? "right" : "shift down",
    { limits: d2lLimits(model, "shift"), step: 1, "data-testid": `locality-shift-${a ? "dx" : "dy"}`,
      "aria-label": `shift the input ${a ? "right (columns)" : "down (rows)"}` },
    (typed) => {  // an int within the limits (d2lNumberInput clamps what was typed)
      const shift = model.get("shift").slice();
      shift[a] = typed;
      d2lSave(model, { shift });
      return typed;
    }));
  const noShift = d2lEl(controls, "button", { text: "no shift",
    attrs: { type: "button", "data-testid": "locality-no-shift" } });
  noShift.addEventListener("click", () => d2lSave(model, { shift: [0, 0] }));

  const status = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "locality-status" } });
  const shiftStatus = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "locality-shift" } });

  // --- first row: the input and both outputs; second row: the selected unit's weights
  const top = d2lEl(root, "div", { cls: "d2l-row" });
  const inP = d2lPanel(top, "locality-input", "input image");
  const denseP = d2lPanel(top, "locality-dense-output", "dense layer's output");
  const convP = d2lPanel(top, "locality-conv-output", "convolution's output");
  const bottom = d2lEl(root, "div", { cls: "d2l-row" });
  const denseW = d2lPanel(bottom, "locality-dense-weights", "dense weights of the selected unit");
  const convW = d2lPanel(bottom, "locality-conv-weights", "convolution weights of the selected unit");
  const kernelP = d2lPanel(bottom, "locality-kernel", "the kernel");
  const unitLine = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "locality-unit" } });
  d2lEl(root, "div", { cls: "d2l-caption", text: "Colours: blue < 0 < red (input: black = 0). " +
    "Orange: the selected unit and the pixels its convolution sees; click an output to select " +
    "another. With a shift, green frames the units away from the border and a dot marks a unit " +
    "that differs from the unshifted output moved by the shift." });

  let cell = 12, shape = [1, 1];
  let decoded = null, decodedFrom = null;

  function denseWeights() {
    const stored = model.get("dense");
    if (decodedFrom !== stored) { decoded = lvDecode(stored); decodedFrom = stored; }
    return decoded;
  }

  function fillPresets() {
    d2lOptions(kernelSelect, [
      ...Object.entries(model.get("presets")).map(([key, p]) => [key, p.label]),
      ["custom", "custom", true]]);
  }

  /** Dots on the units of a drawn output that differ from the moved unshifted output. */
  function markDifferences(canvas, same) {
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "rgba(0,0,0,0.75)";
    same.forEach((row, i) => row.forEach((ok, j) => {
      if (ok) return;
      ctx.beginPath();
      ctx.arc(j * cell + cell / 2, i * cell + cell / 2, Math.max(1.5, cell * 0.13), 0, 2 * Math.PI);
      ctx.fill();
    }));
  }

  function draw() {
    const X = model.get("image"), K = model.get("kernel");
    const unit = model.get("unit"), shift = model.get("shift");
    const h = X.length, w = X[0].length, kh = K.length, kw = K[0].length;
    const [ui, uj] = [Math.min(unit[0], h - 1), Math.min(unit[1], w - 1)];
    const dense = denseWeights();
    shape = [h, w];
    cell = Math.max(6, Math.min(24, Math.floor(170 / Math.max(h, w))));

    kernelSelect.value = d2lPresetOf(K, model.get("presets"));
    unitInputs[0].max = String(h - 1);
    unitInputs[1].max = String(w - 1);
    unitInputs.forEach((input, a) => d2lShowNumber(input, unit[a]));
    shiftInputs.forEach((input, a) => d2lShowNumber(input, shift[a]));

    const eq = lvEquivariance(X, dense, K, shift);
    const counts = lvCounts([h, w], [kh, kw]);
    const shifted = shift[0] !== 0 || shift[1] !== 0;
    const lines = lvStatus(model.get("texts"), counts, shift, eq.counts);
    status.textContent = lines[0];
    shiftStatus.textContent = lines[1];

    const win = { i: ui - Math.floor(kh / 2), j: uj - Math.floor(kw / 2), h: kh, w: kw };
    const one = { i: ui, j: uj, h: 1, w: 1 };
    const [[r0, r1], [c0, c1]] = eq.away;
    const away = shifted && r1 > r0 && c1 > c0
      ? { i: r0, j: c0, h: r1 - r0, w: c1 - c0, color: "#2e7d32", lineWidth: 2 } : null;

    const [lo, hi] = d2lRange(X);
    const label = model.get("image_label") || "input";
    const where = `unit (${ui}, ${uj})`;
    d2lLabel(inP, (label.includes(`${h}×${w}`) ? label : `${label} ${h}×${w}`) +
      (shifted ? `, shifted (${shift[0]}, ${shift[1]})` : ""),
      `black is 0; the ${kh}×${kw} window of ${where} is framed`);
    d2lDrawGrid(inP.canvas, eq.maps.shifted, { cell, highlight: win,
      color: (v) => d2lGrey(v, Math.min(0, lo), Math.max(1, hi)) });

    const n = d2lGroup(h * w);
    const outputs = [[denseP, "dense", `dense output (nn.Linear ${n} → ${n})`],
                     [convP, "conv", `convolution output (${kh}×${kw} kernel, padding ` +
                                     `${Math.floor(kh / 2)}${kw === kh ? "" : `×${Math.floor(kw / 2)}`})`]];
    for (const [p, name, caption] of outputs) {
      // one colour scale for both shifts: that of the unshifted output
      const maxAbs = d2lMaxAbs(eq.maps[`${name}_unshifted`]) || d2lMaxAbs(eq.maps[name]) || 1;
      const differ = eq.counts.units - eq.counts[`${name}_equal_all`];
      d2lLabel(p, caption, `blue below 0, red above; ${where} is framed` +
        (shifted ? `; ${differ} of ${eq.counts.units} units differ from the unshifted output moved along` : ""));
      d2lDrawGrid(p.canvas, eq.maps[name], { cell, color: (v) => d2lDiverging(v, maxAbs),
        highlight: [away, one] });
      if (shifted) markDifferences(p.canvas, eq.maps[`${name}_same`]);
    }

    const many = (count, word) => d2lFill(`{count:${word}}`, { count });
    const [dmap, cmap] = lvUnitWeights(dense, K, h, w, ui, uj);
    d2lLabel(denseW, `dense: ${where}'s ${n} weights, one per pixel (every unit has its own)`,
      "blue below 0, red above");
    d2lDrawGrid(denseW.canvas, dmap, { cell, color: (v) => d2lDiverging(v, dense.maxAbs || 1),
      highlight: one });
    d2lLabel(convW, `convolution as a dense layer: ${where}'s weights, the kernel around it, ` +
      "0 elsewhere", "blue below 0, red above, white 0");
    const kMax = d2lMaxAbs(K) || 1;
    d2lDrawGrid(convW.canvas, cmap, { cell, color: (v) => d2lDiverging(v, kMax), highlight: win });
    d2lLabel(kernelP, `the ${kh}×${kw} kernel: the same ${many(kh * kw, "weight")} at every unit`,
      `rows ${K.map((row) => row.map((v) => d2lFmt(v, 2)).join(" ")).join("; ")}`);
    d2lDrawGrid(kernelP.canvas, K, { cell: 30, numbers: true, color: (v) => d2lDiverging(v, kMax * 1.6) });
    for (const p of [inP, denseP, convP, denseW, convW]) p.box.style.maxWidth = `${Math.max(170, w * cell + 2)}px`;

    unitLine.textContent = `${where}: dense = Σ of ${many(h * w, "weight")} × ` +
      `${many(h * w, "pixel")} = ${d2lFmt(eq.maps.dense[ui][uj], 4)}; convolution = Σ of the kernel's ` +
      `${many(kh * kw, "weight")} × the pixels around it = ${d2lFmt(eq.maps.conv[ui][uj], 4)}`;

    Object.assign(root.dataset, {
      shifted: JSON.stringify(eq.maps.shifted),
      denseOutput: JSON.stringify(eq.maps.dense),
      convOutput: JSON.stringify(eq.maps.conv),
      denseWeights: JSON.stringify(dmap),
      convWeights: JSON.stringify(cmap),
      counts: JSON.stringify(counts),
      equivariance: JSON.stringify(eq.counts),
      unit: JSON.stringify([ui, uj]),
      shift: JSON.stringify(shift),
    });
  }

  function onPointer(event) {
    const hit = d2lCellAt(event.currentTarget || event.target, event, cell, shape[0], shape[1]);
    if (hit) d2lSave(model, { unit: [hit.i, hit.j] });
  }
  for (const p of [inP, denseP, convP]) {
    p.canvas.style.cursor = "pointer";
    p.canvas.addEventListener("click", onPointer);
  }

  kernelSelect.addEventListener("change", () => {
    const p = model.get("presets")[kernelSelect.value];
    if (p) d2lSave(model, { kernel: p.kernel.map((r) => r.slice()) });
  });

  const onPresets = () => { fillPresets(); draw(); };
  fillPresets();
  draw();
  return d2lListen(model, {
    "change:image": draw,
    "change:image_label": draw,
    "change:kernel": draw,
    "change:unit": draw,
    "change:shift": draw,
    "change:dense": draw,
    "change:presets": onPresets,
  });
}

export default { render };
