// Shared helpers for the course widgets (prepended to every widget's ES module
// by d2lmini/widgets/_base.py). No imports, no network, text via textContent only.

/** Make el's root: <div class="d2l-widget" data-testid=testid>, replacing el's content. */
function d2lRoot(el, testid) {
  el.replaceChildren();
  const root = document.createElement("div");
  root.className = "d2l-widget";
  root.dataset.testid = testid;
  el.appendChild(root);
  return root;
}

/** Append a new <tag> to parent. opts: cls, text (textContent), attrs {name: value}, style {}. */
function d2lEl(parent, tag, opts = {}) {
  const node = document.createElement(tag);
  if (opts.cls) node.className = opts.cls;
  if (opts.text !== undefined) node.textContent = String(opts.text);
  for (const [k, v] of Object.entries(opts.attrs || {})) node.setAttribute(k, String(v));
  Object.assign(node.style, opts.style || {});
  if (parent) parent.appendChild(node);
  return node;
}

/** A labelled control: <label>text <input ...></label>; returns the input/select. */
function d2lLabelled(parent, text, tag, attrs = {}) {
  const label = d2lEl(parent, "label");
  d2lEl(label, "span", { text });
  return d2lEl(label, tag, { attrs });
}

/** Number formatting that drops trailing zeros: 1.25, -0.5, 3. */
function d2lFmt(x, digits = 3) {
  if (!Number.isFinite(x)) return String(x);
  const r = Number(x.toFixed(digits));
  return String(Object.is(r, -0) ? 0 : r);
}

/** Greyscale for v in [lo, hi] (white = lo, black = hi when invert, else black = lo). */
function d2lGrey(v, lo, hi, invert = false) {
  const t = hi > lo ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 0.5;
  const g = Math.round(255 * (invert ? 1 - t : t));
  return `rgb(${g},${g},${g})`;
}

/** Diverging blue-white-red for v in [-maxAbs, maxAbs]. */
function d2lDiverging(v, maxAbs) {
  const t = maxAbs > 0 ? Math.max(-1, Math.min(1, v / maxAbs)) : 0;
  const a = Math.abs(t);
  // white -> red (positive) or white -> blue (negative)
  const [r, g, b] = t >= 0 ? [178, 24, 43] : [33, 102, 172];
  const mix = (c) => Math.round(255 + (c - 255) * a);
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`;
}

/** Min and max of a list of lists. */
function d2lRange(grid) {
  let lo = Infinity, hi = -Infinity;
  for (const row of grid) for (const v of row) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return [lo, hi];
}

/**
 * Draw a grid of values on a canvas, one square cell per value.
 * opts: cell (px), color(v, i, j) -> css colour, numbers (bool: write values),
 * gridLines (bool), highlight: {i, j, h, w, color} rectangle(s) (array allowed).
 * Returns {cell, width, height} for hit-testing.
 */
function d2lDrawGrid(canvas, grid, opts = {}) {
  const rows = grid.length, cols = rows ? grid[0].length : 0;
  const cell = opts.cell || 16;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, cols * cell * dpr);
  canvas.height = Math.max(1, rows * cell * dpr);
  canvas.style.width = `${cols * cell}px`;
  canvas.style.height = `${rows * cell}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cols * cell, rows * cell);
  const color = opts.color || ((v) => d2lGrey(v, 0, 1));
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      ctx.fillStyle = color(grid[i][j], i, j);
      ctx.fillRect(j * cell, i * cell, cell, cell);
    }
  }
  if (opts.gridLines !== false && cell >= 8) {
    ctx.strokeStyle = "rgba(0,0,0,0.15)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i <= rows; i++) { ctx.moveTo(0, i * cell + 0.5); ctx.lineTo(cols * cell, i * cell + 0.5); }
    for (let j = 0; j <= cols; j++) { ctx.moveTo(j * cell + 0.5, 0); ctx.lineTo(j * cell + 0.5, rows * cell); }
    ctx.stroke();
  }
  if (opts.numbers && cell >= 18) {
    ctx.font = `${Math.max(8, Math.floor(cell * 0.36))}px ui-monospace, monospace`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const bg = color(grid[i][j], i, j);
        const m = /rgb\((\d+),(\d+),(\d+)\)/.exec(bg);
        const lum = m ? 0.299 * m[1] + 0.587 * m[2] + 0.114 * m[3] : 255;
        ctx.fillStyle = lum < 128 ? "#fff" : "#000";
        ctx.fillText(d2lFmt(grid[i][j], cell >= 30 ? 2 : 1), j * cell + cell / 2, i * cell + cell / 2);
      }
    }
  }
  const boxes = opts.highlight ? [].concat(opts.highlight) : [];
  for (const box of boxes) {
    if (!box) continue;
    ctx.strokeStyle = box.color || "#ff9800";
    ctx.lineWidth = box.lineWidth || 3;
    ctx.strokeRect(box.j * cell + 1.5, box.i * cell + 1.5, box.w * cell - 3, box.h * cell - 3);
  }
  return { cell, width: cols * cell, height: rows * cell };
}

/** The (i, j) cell under a mouse event on a canvas drawn with d2lDrawGrid, or null. */
function d2lCellAt(canvas, event, cell, rows, cols) {
  const rect = canvas.getBoundingClientRect();
  const j = Math.floor((event.clientX - rect.left) / cell);
  const i = Math.floor((event.clientY - rect.top) / cell);
  return i >= 0 && j >= 0 && i < rows && j < cols ? { i, j } : null;
}

/** Register model listeners and return one cleanup function that removes them all. */
function d2lListen(model, handlers) {
  for (const [name, fn] of Object.entries(handlers)) model.on(name, fn);
  return () => { for (const [name, fn] of Object.entries(handlers)) model.off(name, fn); };
}

/** Set every name -> value of changes on the model, then sync them to Python in one message. */
function d2lSave(model, changes) {
  for (const [name, value] of Object.entries(changes)) model.set(name, value);
  model.save_changes();
}

/** Number inputs holding digits the reader typed but has not committed yet. */
const d2lTyping = new WeakSet();

/**
 * A number <input> in parent, inside a <label> with text when text is given, that calls
 * onCommit(input.value) on `change` AND on Enter: JupyterLab and Colab take Enter for
 * themselves, so without this only Tab would commit. onCommit returns the value it kept
 * (clamped, rounded), which the box then shows. Redraw it with d2lShowNumber.
 */
function d2lNumberInput(parent, text, attrs, onCommit) {
  const all = { ...attrs, type: "number" };
  const input = text ? d2lLabelled(parent, text, "input", all) : d2lEl(parent, "input", { attrs: all });
  const commit = () => {
    d2lTyping.delete(input);
    const kept = onCommit(input.value);
    if (kept !== undefined) input.value = String(kept);
  };
  input.addEventListener("input", () => d2lTyping.add(input));
  input.addEventListener("change", commit);
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    event.stopPropagation();  // the notebook must not run the cell or leave the box
    commit();
  });
  return input;
}

/** Show value in a number input, unless the reader is typing there: a redraw keeps their digits. */
function d2lShowNumber(input, value) {
  if (!d2lTyping.has(input)) input.value = String(value);
}

/** The int typed in text, clamped to [lo, hi]; fallback when text is not a number. */
function d2lInt(text, lo, hi, fallback) {
  const v = Math.round(Number(text));
  return String(text).trim() === "" || !Number.isFinite(v) ? fallback : Math.min(Math.max(v, lo), hi);
}
