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

/** The widget's root and its first row of controls: every render starts with these two. */
function d2lFrame(el, testid) {
  const root = d2lRoot(el, testid);
  return [root, d2lEl(root, "div", { cls: "d2l-controls" })];
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

/** A labelled <select> with the options [[value, text], ...]; ariaLabel names what it picks.
 * Its <label> is `select.parentNode` (to hide the two together). */
function d2lSelect(parent, text, testid, ariaLabel, options = []) {
  const select = d2lLabelled(parent, text, "select", { "data-testid": testid, "aria-label": ariaLabel });
  d2lOptions(select, options);
  return select;
}

/** Replace the options of `select` with [[value, text], ...], the value then `selected`.
 * An option [value, text, true] is shown but cannot be picked (disabled). */
function d2lOptions(select, options, selected) {
  select.replaceChildren();
  for (const [value, text, disabled] of options) {
    d2lEl(select, "option", { text, attrs: disabled ? { value, disabled: "" } : { value } });
  }
  if (selected !== undefined) select.value = selected;
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
    // opts.fontPx: the digits' size (default about a third of a cell)
    ctx.font = `${opts.fontPx || Math.max(8, Math.floor(cell * 0.36))}px ui-monospace, monospace`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        // the ink that contrasts most with the cell, with a halo of the other: legible on any colour
        const ink = d2lInk(color(grid[i][j], i, j));
        const text = d2lFmt(grid[i][j], cell >= 30 ? 2 : 1), x = j * cell + cell / 2, y = i * cell + cell / 2;
        ctx.strokeStyle = ink === "#000" ? "rgba(255,255,255,0.85)" : "rgba(0,0,0,0.6)";
        ctx.lineWidth = 3;
        ctx.strokeText(text, x, y);
        ctx.fillStyle = ink;
        ctx.fillText(text, x, y);
      }
    }
  }
  const boxes = opts.highlight ? [].concat(opts.highlight) : [];
  for (const box of boxes) {
    if (!box) continue;
    // drawn inside the box's edge, so a thin frame stays clear of the digits in its cells
    const width = box.lineWidth || 3;
    ctx.strokeStyle = box.color || "#ff9800";
    ctx.lineWidth = width;
    ctx.strokeRect(box.j * cell + width / 2, box.i * cell + width / 2, box.w * cell - width, box.h * cell - width);
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
/** The value each number input stands for (the state's, given to d2lShowNumber). */
const d2lHeld = new WeakMap();

/** [lo, hi] of the trait `name`, from its Python tag limits=(lo, hi) (CourseWidget's `limits`). */
function d2lLimits(model, name) {
  const range = (model.get("limits") || {})[name];
  if (!range) throw new Error(`d2lLimits: ${name} has no limits=(lo, hi) in its Python tag`);
  return range;
}

/**
 * A number <input> in parent, inside a <label> with text when text is given, that calls
 * onCommit(input.value) on `change` AND on Enter: JupyterLab and Colab take Enter for
 * themselves, so without this only Tab would commit. onCommit returns the value it kept
 * (clamped, rounded), which the box then shows. Redraw it with d2lShowNumber.
 * With attrs.limits = [lo, hi] (d2lLimits) the box gets min and max, and onCommit gets
 * the int typed, clamped by d2lInt (text that is no number: the value the box stands for).
 */
function d2lNumberInput(parent, text, attrs, onCommit) {
  const { limits, ...rest } = attrs;
  const all = { ...rest, type: "number", ...(limits && { min: limits[0], max: limits[1] }) };
  const input = text ? d2lLabelled(parent, text, "input", all) : d2lEl(parent, "input", { attrs: all });
  const commit = () => {
    d2lTyping.delete(input);
    const typed = limits ? d2lInt(input.value, limits[0], limits[1], d2lHeld.get(input)) : input.value;
    const kept = onCommit(typed);
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
  d2lHeld.set(input, value);
  if (!d2lTyping.has(input)) input.value = String(value);
}

/** The int typed in text, clamped to [lo, hi]; fallback when text is not a number. */
function d2lInt(text, lo, hi, fallback) {
  const v = Math.round(Number(text));
  return String(text).trim() === "" || !Number.isFinite(v) ? fallback : Math.min(Math.max(v, lo), hi);
}

// ---- helpers shared by several widgets (one copy each)

/** "#000" or "#fff", whichever contrasts more with a css colour rgb(r,g,b) or #rrggbb (WCAG). */
function d2lInk(css) {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css) || /^#(..)(..)(..)$/.exec(css);
  if (!m) return "#000";
  const channel = (text) => {
    const c = (css.startsWith("#") ? parseInt(text, 16) : Number(text)) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * channel(m[1]) + 0.7152 * channel(m[2]) + 0.0722 * channel(m[3]);
  return (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) ? "#000" : "#fff";
}

/** The key of the preset whose kernel equals K entry for entry, else "custom" (presets.preset_of). */
function d2lPresetOf(K, presets) {
  const same = (A, B) => A.length === B.length &&
    A.every((row, a) => row.length === B[a].length && row.every((v, b) => v === B[a][b]));
  const hit = Object.entries(presets).find(([, p]) => same(p.kernel, K));
  return hit ? hit[0] : "custom";
}

/** Largest |value| of a list of lists (0 when there is none). */
function d2lMaxAbs(grid) {
  let m = 0;
  for (const row of grid) for (const v of row) m = Math.max(m, Math.abs(v));
  return m;
}

/** The bytes of base64 text, as widgets/_codec.py's encode stores them. */
function d2lBytes(b64) {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let t = 0; t < text.length; t++) bytes[t] = text.charCodeAt(t);
  return bytes;
}

/** An integer with thousands separators: 38416 -> "38,416" (Python's f"{n:,}"). */
function d2lGroup(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }

/**
 * A sentence written in Python (widgets/_text.py's fill does the same): "{name}" is
 * values[name], an integer with thousands separators; "{name:word}" is "1 word" or "n words".
 */
function d2lFill(template, values) {
  return template.replace(/\{(\w+)(?::(\w+))?\}/g, (_, name, word) => {
    const v = values[name];
    const text = Number.isInteger(v) ? d2lGroup(v) : String(v);
    return word === undefined ? text : `${text} ${word}${v === 1 ? "" : "s"}`;
  });
}

/** A picture in parent: {box, caption, canvas}, the canvas an image (role="img") named by label. */
function d2lPanel(parent, testid, label) {
  const box = d2lEl(parent, "div", { cls: "d2l-col" });
  const caption = d2lEl(box, "div", { cls: "d2l-caption" });
  const attrs = { role: "img", "aria-label": label };
  if (testid) attrs["data-testid"] = testid;
  const canvas = d2lEl(box, "canvas", { attrs });
  return { box, caption, canvas };
}

/** Set a panel's caption; its canvas says the same, and what it shows, to a screen reader. */
function d2lLabel(panel, caption, shows = "") {
  panel.caption.textContent = caption;
  panel.canvas.setAttribute("aria-label", shows ? `${caption}: ${shows}` : caption);
}
