// KernelPlayground (d2lmini/widgets/kernel.py): cross-correlation of an image
// with an editable kernel, computed here so the page needs no Python kernel.
// Uses the d2l* helpers of _base.js (prepended by _base.py).

/** d2l.corr2d: out[i][j] = sum_{a,b} X[i+a][j+b] * K[a][b] (valid positions only). */
export function corr2d(X, K) {
  const h = X.length, w = X[0].length, kh = K.length, kw = K[0].length;
  const out = [];
  for (let i = 0; i + kh <= h; i++) {
    const row = [];
    for (let j = 0; j + kw <= w; j++) {
      let s = 0;
      for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) s += X[i + a][j + b] * K[a][b];
      row.push(s);
    }
    out.push(row);
  }
  return out;
}

/** "out[i, j] = Σ x·k + ... = s" for one output cell (long sums abbreviated). */
export function sumOfProducts(X, K, i, j) {
  const terms = [];
  let s = 0;
  for (let a = 0; a < K.length; a++) {
    for (let b = 0; b < K[0].length; b++) {
      const x = X[i + a][j + b], k = K[a][b];
      s += x * k;
      terms.push(`${d2lFmt(x, 2)}·${d2lFmt(k, 2)}`);
    }
  }
  const shown = terms.length <= 9 ? terms.join(" + ")
    : `${terms.slice(0, 4).join(" + ")} + … (${terms.length} terms)`;
  return `out[${i}, ${j}] = Σ ${shown} = ${d2lFmt(s, 4)}`;
}

// The preset menu names the kernel as Python's presets.preset_of does (one helper, in _base.js).
export { d2lPresetOf as presetOf };

/** K cut or padded with zeros to rows × cols. */
function resized(K, rows, cols) {
  const out = [];
  for (let a = 0; a < rows; a++) {
    const row = [];
    for (let b = 0; b < cols; b++) row.push(a < K.length && b < K[0].length ? K[a][b] : 0);
    out.push(row);
  }
  return out;
}

function render({ model, el }) {
  const [root, controls] = d2lFrame(el, "kernel-playground");
  const presetSelect = d2lSelect(controls, "kernel", "kernel-preset", "kernel preset");
  const rowsInput = d2lNumberInput(controls, "rows",
    { min: 1, step: 1, "data-testid": "kernel-rows", "aria-label": "kernel rows" },
    (text) => resize(text, null));
  const colsInput = d2lNumberInput(controls, "columns",
    { min: 1, step: 1, "data-testid": "kernel-cols", "aria-label": "kernel columns" },
    (text) => resize(null, text));
  const prev = d2lEl(controls, "button", { text: "‹",
    attrs: { type: "button", "data-testid": "kernel-prev", "aria-label": "previous output entry" } });
  const next = d2lEl(controls, "button", { text: "›",
    attrs: { type: "button", "data-testid": "kernel-next", "aria-label": "next output entry" } });

  // --- the three panels: input, kernel, output
  const row = d2lEl(root, "div", { cls: "d2l-row" });
  const inP = d2lPanel(row, "kernel-input", "input");
  const kPanel = d2lEl(row, "div", { cls: "d2l-col" });
  d2lEl(kPanel, "div", { cls: "d2l-caption", text: "kernel (edit the numbers)" });
  const kTable = d2lEl(kPanel, "table", { attrs: { "data-testid": "kernel-grid" },
    style: { borderCollapse: "collapse" } });
  const outP = d2lPanel(row, "kernel-output", "output");
  outP.canvas.style.cursor = "pointer";
  const legend = d2lEl(outP.box, "div", { cls: "d2l-caption" });
  const legendBar = d2lEl(legend, "canvas", { style: { border: "none", verticalAlign: "middle" },
    attrs: { "aria-hidden": "true" } });
  const legendText = d2lEl(legend, "span");

  const status = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "kernel-status" } });
  const formula = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "kernel-formula" } });

  let hover = null;      // {i, j} of an output cell under the pointer: shown, not saved
  let output = [];
  let cell = 8;
  let cells = [];        // the kernel's number inputs, cells[a][b]

  function image() { return model.get("image"); }
  function kernel() { return model.get("kernel"); }

  /** Save a new kernel; as in Python, the selected output entry goes back to (0, 0)
   *  (the preset shown follows from the kernel by itself). */
  function setKernel(K) { d2lSave(model, { kernel: K, cell: [0, 0] }); }

  /** Resize the kernel to the rows or columns typed (the other stays); returns the size kept. */
  function resize(rowsText, colsText) {
    const X = image(), K = kernel(), [, maxSide] = d2lLimits(model, "kernel");
    const size = (text, n, have) => (text === null ? have : d2lInt(text, 1, Math.min(n, maxSide), have));
    const r = size(rowsText, X.length, K.length), c = size(colsText, X[0].length, K[0].length);
    setKernel(resized(K, r, c));
    return rowsText === null ? c : r;
  }

  /** Select the output entry `delta` steps after the selected one, row by row (wrapping). */
  function step(delta) {
    if (!output.length) return;
    const oh = output.length, ow = output[0].length, [i, j] = model.get("cell");
    const k = (((i * ow + j + delta) % (oh * ow)) + oh * ow) % (oh * ow);
    hover = null;
    d2lSave(model, { cell: [Math.floor(k / ow), k % ow] });
  }

  /** The menu of presets; those larger than the image are shown but cannot be picked. */
  function fillPresets() {
    const X = image();
    const fits = (p) => p.kernel.length <= X.length && p.kernel[0].length <= X[0].length;
    d2lOptions(presetSelect, [
      ...Object.entries(model.get("presets")).map(([key, p]) => [key, p.label, !fits(p)]),
      ["custom", "custom (edited)", true]]);
  }

  /** One number input per weight; rebuilt only when the shape changes, so typing survives. */
  function showKernelInputs() {
    const K = kernel();
    if (cells.length !== K.length || cells[0].length !== K[0].length) {
      kTable.replaceChildren();
      cells = K.map((rowValues, a) => {
        const tr = d2lEl(kTable, "tr");
        return rowValues.map((_, b) => d2lNumberInput(d2lEl(tr, "td", { style: { padding: "1px" } }),
          null, { step: "0.1", "aria-label": `kernel row ${a} column ${b}`,
                  "data-testid": `kernel-cell-${a}-${b}` },
          (text) => {
            const value = Number(text);
            const K2 = kernel().map((r) => r.slice());
            K2[a][b] = String(text).trim() !== "" && Number.isFinite(value) ? value : K2[a][b];
            setKernel(K2);
            return d2lFmt(K2[a][b], 4);
          }));
      });
    }
    K.forEach((rowValues, a) => rowValues.forEach((v, b) => d2lShowNumber(cells[a][b], d2lFmt(v, 4))));
  }

  function draw() {
    const X = image(), K = kernel();
    const h = X.length, w = X[0].length, kh = K.length, kw = K[0].length;
    const [, maxSide] = d2lLimits(model, "kernel");
    presetSelect.value = d2lPresetOf(K, model.get("presets"));
    rowsInput.max = String(Math.min(h, maxSide));
    colsInput.max = String(Math.min(w, maxSide));
    d2lShowNumber(rowsInput, kh);
    d2lShowNumber(colsInput, kw);
    // small inputs (d2l's 3×3 example) get large cells with their numbers written in
    cell = Math.max(4, Math.min(48, Math.floor(230 / Math.max(h, w))));
    const numbers = cell >= 24;
    const fontPx = Math.max(12, Math.floor(cell * 0.36));
    const label = model.get("image_label") || "input";
    if (kh > h || kw > w) {
      output = [];
      root.dataset.output = "[]";
      status.textContent = `kernel ${kh}×${kw} is larger than the ${h}×${w} input: no output`;
      status.classList.add("d2l-error");
      return;
    }
    status.classList.remove("d2l-error");
    output = corr2d(X, K);
    const oh = output.length, ow = output[0].length;
    const [si, sj] = model.get("cell");
    // a hovered cell counts only while it exists: a new kernel can shrink the output under it
    if (hover && (hover.i >= oh || hover.j >= ow)) hover = null;
    const shown = hover || { i: Math.min(si, oh - 1), j: Math.min(sj, ow - 1) };
    const { i, j } = shown;
    // captions wrap inside their picture's width, so the three panels sit side by side
    inP.box.style.maxWidth = `${Math.max(160, w * cell + 2)}px`;
    outP.box.style.maxWidth = `${Math.max(160, ow * cell + 2)}px`;
    const [lo, hi] = d2lRange(X);
    d2lLabel(inP, `${label} ${h}×${w}`, `values ${d2lFmt(lo)} to ${d2lFmt(hi)}; the window of ` +
      `out[${i}, ${j}], rows ${i}..${i + kh - 1} and columns ${j}..${j + kw - 1}, is framed`);
    d2lDrawGrid(inP.canvas, X, {
      cell, color: (v) => d2lGrey(v, Math.min(0, lo), Math.max(1, hi)), numbers, fontPx,
      highlight: { i, j, h: kh, w: kw },
    });
    const [olo, ohi] = d2lRange(output);
    const maxAbs = Math.max(Math.abs(olo), Math.abs(ohi)) || 1;
    d2lLabel(outP, `output ${oh}×${ow} (blue < 0 < red)`, `values ${d2lFmt(olo, 3)} to ` +
      `${d2lFmt(ohi, 3)}; out[${i}, ${j}] = ${d2lFmt(output[i][j], 4)} is framed`);
    d2lDrawGrid(outP.canvas, output, {
      cell, color: (v) => d2lDiverging(v, maxAbs), numbers, fontPx,
      highlight: { i, j, h: 1, w: 1 },
    });
    drawLegend(maxAbs);
    root.dataset.output = JSON.stringify(output);
    root.dataset.cell = JSON.stringify([i, j]);
    status.textContent = `input ${h}×${w} ⋆ kernel ${kh}×${kw} → output ${oh}×${ow}` +
      `   (output range ${d2lFmt(olo, 3)} … ${d2lFmt(ohi, 3)})`;
    formula.textContent = sumOfProducts(X, K, i, j);
  }

  function drawLegend(maxAbs) {
    const width = 72, height = 10;
    legendBar.width = width; legendBar.height = height;
    legendBar.style.width = `${width}px`; legendBar.style.height = `${height}px`;
    const ctx = legendBar.getContext("2d");
    for (let x = 0; x < width; x++) {
      ctx.fillStyle = d2lDiverging(((x + 0.5) / width * 2 - 1) * maxAbs, maxAbs);
      ctx.fillRect(x, 0, 1, height);
    }
    legendText.textContent = ` ${d2lFmt(-maxAbs, 2)} … 0 … ${d2lFmt(maxAbs, 2)}`;
  }

  /** The output cell under the pointer, or null. */
  function cellAt(event) {
    return output.length ? d2lCellAt(outP.canvas, event, cell, output.length, output[0].length) : null;
  }
  outP.canvas.addEventListener("mousemove", (event) => {
    const at = cellAt(event);
    if (at && (!hover || at.i !== hover.i || at.j !== hover.j)) { hover = at; draw(); }
  });
  outP.canvas.addEventListener("mouseleave", () => { if (hover) { hover = null; draw(); } });
  outP.canvas.addEventListener("click", (event) => {
    const at = cellAt(event);
    if (at) { hover = null; d2lSave(model, { cell: [at.i, at.j] }); }
  });
  prev.addEventListener("click", () => step(-1));
  next.addEventListener("click", () => step(1));

  presetSelect.addEventListener("change", () => {
    const p = model.get("presets")[presetSelect.value];
    if (p) setKernel(p.kernel.map((r) => r.slice()));
  });

  const onKernel = () => { showKernelInputs(); draw(); };
  const onPresets = () => { fillPresets(); draw(); };
  fillPresets();
  showKernelInputs();
  draw();
  return d2lListen(model, {
    "change:kernel": onKernel,
    "change:image": onPresets,
    "change:image_label": draw,
    "change:cell": draw,
    "change:presets": onPresets,
  });
}

export default { render };
