// KernelPlayground (d2lmini/widgets/kernel.py): cross-correlation of an image
// with an editable kernel, computed here so the page needs no Python kernel.
// Uses the d2l* helpers of _base.js (prepended by _base.py).

/** d2l.corr2d: out[i][j] = sum_{a,b} X[i+a][j+b] * K[a][b] (valid positions only). */
function corr2d(X, K) {
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

/** The text "out[i, j] = x·k + ... = s" for one output cell (long sums abbreviated). */
function sumOfProducts(X, K, i, j) {
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

/** The key of the preset whose kernel is K, else "custom" (kernel.py's preset_of). */
export function presetOf(K, presets) {
  const same = (A, B) => A.length === B.length &&
    A.every((row, a) => row.length === B[a].length && row.every((v, b) => v === B[a][b]));
  const hit = Object.entries(presets).find(([, p]) => same(p.kernel, K));
  return hit ? hit[0] : "custom";
}

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
  const root = d2lRoot(el, "kernel-playground");

  // --- controls
  const controls = d2lEl(root, "div", { cls: "d2l-controls" });
  const presetSelect = d2lLabelled(controls, "kernel", "select",
    { "data-testid": "kernel-preset", "aria-label": "kernel preset" });
  const rowsInput = d2lNumberInput(controls, "rows",
    { min: 1, step: 1, "data-testid": "kernel-rows", "aria-label": "kernel rows" },
    (text) => resize(text, null));
  const colsInput = d2lNumberInput(controls, "columns",
    { min: 1, step: 1, "data-testid": "kernel-cols", "aria-label": "kernel columns" },
    (text) => resize(null, text));

  // --- the three panels: input, kernel, output
  const row = d2lEl(root, "div", { cls: "d2l-row" });
  const inPanel = d2lEl(row, "div", { cls: "d2l-col" });
  const inTitle = d2lEl(inPanel, "div", { cls: "d2l-caption" });
  const inCanvas = d2lEl(inPanel, "canvas", { attrs: { "data-testid": "kernel-input", role: "img" } });
  const kPanel = d2lEl(row, "div", { cls: "d2l-col" });
  d2lEl(kPanel, "div", { cls: "d2l-caption", text: "kernel (edit the numbers)" });
  const kTable = d2lEl(kPanel, "table", { attrs: { "data-testid": "kernel-grid" },
    style: { borderCollapse: "collapse" } });
  const outPanel = d2lEl(row, "div", { cls: "d2l-col" });
  const outTitle = d2lEl(outPanel, "div", { cls: "d2l-caption" });
  const outCanvas = d2lEl(outPanel, "canvas", { attrs: { "data-testid": "kernel-output", role: "img" } });
  const legend = d2lEl(outPanel, "div", { cls: "d2l-caption" });
  const legendBar = d2lEl(legend, "canvas", { style: { border: "none", verticalAlign: "middle" } });
  const legendText = d2lEl(legend, "span");

  const status = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "kernel-status" } });
  const formula = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "kernel-formula" },
    text: "Hover over (or click) an output cell to see its sum of products." });

  let hover = null;      // {i, j} of the highlighted output cell
  let output = [];
  let cellIn = 8, cellOut = 8;
  let cells = [];        // the kernel's number inputs, cells[a][b]

  function image() { return model.get("image"); }
  function kernel() { return model.get("kernel"); }

  // The preset shown follows from the kernel (as in Python), so only the kernel is saved.
  function setKernel(K) { d2lSave(model, { kernel: K }); }

  /** Resize the kernel to the rows or columns typed (the other stays); returns the size kept. */
  function resize(rowsText, colsText) {
    const X = image(), K = kernel(), maxSide = model.get("max_kernel_side");
    const size = (text, n, have) => (text === null ? have : d2lInt(text, 1, Math.min(n, maxSide), have));
    const r = size(rowsText, X.length, K.length), c = size(colsText, X[0].length, K[0].length);
    setKernel(resized(K, r, c));
    return rowsText === null ? c : r;
  }

  function fillPresets() {
    presetSelect.replaceChildren();
    const presets = model.get("presets");
    for (const [key, p] of Object.entries(presets)) {
      d2lEl(presetSelect, "option", { text: p.label, attrs: { value: key } });
    }
    d2lEl(presetSelect, "option", { text: "custom (edited)", attrs: { value: "custom", disabled: "" } });
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
            K2[a][b] = Number.isFinite(value) ? value : 0;
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
    presetSelect.value = presetOf(K, model.get("presets"));
    rowsInput.max = String(Math.min(h, model.get("max_kernel_side")));
    colsInput.max = String(Math.min(w, model.get("max_kernel_side")));
    d2lShowNumber(rowsInput, kh);
    d2lShowNumber(colsInput, kw);
    cellIn = Math.max(4, Math.min(24, Math.floor(230 / Math.max(h, w))));
    inTitle.textContent = `${model.get("image_label") || "input"} ${h}×${w}`;
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
    cellOut = cellIn;
    // captions wrap inside their picture's width, so the three panels sit side by side
    inPanel.style.maxWidth = `${Math.max(160, w * cellIn + 2)}px`;
    outPanel.style.maxWidth = `${Math.max(160, (w - kw + 1) * cellOut + 2)}px`;
    if (hover && (hover.i >= oh || hover.j >= ow)) hover = null;
    const [lo, hi] = d2lRange(X);
    d2lDrawGrid(inCanvas, X, {
      cell: cellIn, color: (v) => d2lGrey(v, Math.min(0, lo), Math.max(1, hi)), numbers: cellIn >= 24,
      highlight: hover ? { i: hover.i, j: hover.j, h: kh, w: kw } : null,
    });
    const [olo, ohi] = d2lRange(output);
    const maxAbs = Math.max(Math.abs(olo), Math.abs(ohi)) || 1;
    d2lDrawGrid(outCanvas, output, {
      cell: cellOut, color: (v) => d2lDiverging(v, maxAbs), numbers: cellOut >= 24,
      highlight: hover ? { i: hover.i, j: hover.j, h: 1, w: 1 } : null,
    });
    outTitle.textContent = `output ${oh}×${ow} (blue < 0 < red)`;
    drawLegend(maxAbs);
    root.dataset.output = JSON.stringify(output);
    status.textContent = `input ${h}×${w} ⋆ kernel ${kh}×${kw} → output ${oh}×${ow}` +
      `   (output range ${d2lFmt(olo, 3)} … ${d2lFmt(ohi, 3)})`;
    formula.textContent = hover ? sumOfProducts(X, K, hover.i, hover.j)
      : "Hover over (or click) an output cell to see its sum of products.";
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

  function onPointer(event) {
    if (!output.length) return;
    const cell = d2lCellAt(outCanvas, event, cellOut, output.length, output[0].length);
    if (cell && (!hover || cell.i !== hover.i || cell.j !== hover.j)) { hover = cell; draw(); }
  }
  outCanvas.addEventListener("mousemove", onPointer);
  outCanvas.addEventListener("click", onPointer);

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
    "change:image": draw,
    "change:image_label": draw,
    "change:presets": onPresets,
    "change:max_kernel_side": draw,
  });
}

export default { render };
