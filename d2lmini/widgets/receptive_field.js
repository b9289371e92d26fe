// ReceptiveFieldView (d2l §7.2.6): click a unit of a layer, see the input window it depends on.
// Python saves each layer's receptive field (size r, jump j, offset) per axis; the window of
// unit i is offset + i*j .. offset + i*j + r - 1, computed here. Helpers d2l* come from _base.js.

/** Unclipped [[first row, last row], [first col, last col]] of unit (i, j) of layer g. */
export function rfWindow(g, i, j) {
  return [i, j].map((u, axis) => {
    const first = g.offset[axis] + u * g.jump[axis];
    return [first, first + g.size[axis] - 1];
  });
}

/** The window clipped to an input of size [h, w]. */
export function rfClip(win, size) {
  return win.map(([a, b], axis) => [Math.max(a, 0), Math.min(b, size[axis] - 1)]);
}

/**
 * How layer l grew the field, per axis: r = r_below + (k − 1) · j_below, in words. Below the
 * first layer is the input (r = 1, j = 1). One sentence when both axes agree.
 */
export function rfGrowth(geometry, l) {
  const g = geometry[l], below = l > 0 ? geometry[l - 1] : { size: [1, 1], jump: [1, 1] };
  const axis = (a) => {
    const r = below.size[a], j = below.jump[a], k = (g.size[a] - r) / j + 1;
    const spaced = j > 1 && k > 1 ? `: the units below are ${j} input pixels apart (their ` +
      `jump), so each of the ${k - 1} extra taps adds ${j} pixels, not 1` : "";
    return `${g.size[a]} = ${r} + (${k} − 1) × ${j}${spaced}`;
  };
  const [rows, cols] = [axis(0), axis(1)];
  return rows === cols ? `receptive field ${rows}` : `receptive field rows ${rows}; columns ${cols}`;
}

/** Index range [lo, hi] per axis that every layer's windows can reach (padding included). */
function rfExtent(geometry, size) {
  return [0, 1].map((axis) => {
    let lo = 0, hi = size[axis] - 1;
    for (const g of geometry) {
      lo = Math.min(lo, g.offset[axis]);
      hi = Math.max(hi, g.offset[axis] + (g.out[axis] - 1) * g.jump[axis] + g.size[axis] - 1);
    }
    return [lo, hi];
  });
}

function render({ model, el }) {
  const [root, controls] = d2lFrame(el, "receptive-field-view");
  const layerSel = d2lSelect(controls, "layer", "rf-layer", "layer");
  const rowIn = d2lNumberInput(controls, "unit row",
    { min: 0, step: 1, "data-testid": "rf-row", "aria-label": "unit row" }, (text) => saveUnit(0, text));
  const colIn = d2lNumberInput(controls, "column",
    { min: 0, step: 1, "data-testid": "rf-col", "aria-label": "unit column" }, (text) => saveUnit(1, text));
  const status = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "rf-status" } });
  const growth = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "rf-growth" } });
  const row = d2lEl(root, "div", { cls: "d2l-row" });
  const inP = d2lPanel(row, "rf-input", "input");
  const outP = d2lPanel(row, "rf-output", "the layer's units");
  const inCanvas = inP.canvas, outCanvas = outP.canvas;
  outCanvas.style.cursor = "pointer";
  const table = d2lEl(root, "table", { attrs: { "data-testid": "rf-table" },
    style: { borderCollapse: "collapse", margin: "0.5em 0", fontSize: "13px" } });
  d2lEl(root, "div", { cls: "d2l-caption", text:
    "Left: the input (white), with the padding around it (purple); orange cells can affect the " +
    "selected unit. Right: the units of the chosen layer; click one. The table lists each layer's " +
    "receptive field r = r_below + (k − 1)·j_below and jump j = j_below · stride." });

  let outInfo = null;

  function current() {
    const geometry = model.get("geometry");
    const l = Math.min(Math.max(model.get("layer"), 0), geometry.length - 1);
    const g = geometry[l];
    const [ui, uj] = model.get("unit");
    return { geometry, l, g,
      i: Math.min(Math.max(ui, 0), g.out[0] - 1), j: Math.min(Math.max(uj, 0), g.out[1] - 1) };
  }

  function setUnit(i, j) { d2lSave(model, { unit: [i, j] }); }

  /** Save the row (axis 0) or column (axis 1) typed for the unit, clamped; returns it. */
  function saveUnit(axis, text) {
    const { g, i, j } = current();
    const unit = [i, j];
    unit[axis] = d2lInt(text, 0, g.out[axis] - 1, unit[axis]);
    setUnit(unit[0], unit[1]);
    return unit[axis];
  }

  /** Show layer idx, with the unit at the centre of its output (as Python does). */
  function selectLayer(idx) {
    const g = model.get("geometry")[idx];
    d2lSave(model, { layer: idx, unit: [Math.floor(g.out[0] / 2), Math.floor(g.out[1] / 2)] });
  }

  function drawTable(geometry, l) {
    table.replaceChildren();
    const head = d2lEl(table, "tr");
    for (const t of ["layer", "kernel", "stride", "padding", "output", "receptive field r", "jump j"]) {
      d2lEl(head, "th", { text: t, style: { textAlign: "left", padding: "0.1em 0.6em", borderBottom: "1px solid #999" } });
    }
    const pair = ([a, b], sep = "×") => (a === b && sep !== "×" ? String(a) : `${a}${sep}${b}`);
    const input = model.get("input_size");
    const first = d2lEl(table, "tr");
    for (const t of ["input", "", "", "", pair(input), "1", "1"]) d2lEl(first, "td", { text: t, style: { padding: "0.1em 0.6em" } });
    geometry.forEach((g, idx) => {
      const tr = d2lEl(table, "tr", { attrs: { "data-layer": idx } });
      if (idx === l) tr.style.background = "#fff3e0";
      const cells = [g.name, pair(g.kernel), pair(g.stride, ", "), pair(g.padding, ", "), pair(g.out),
        pair(g.size, ", "), pair(g.jump, ", ")];
      for (const t of cells) d2lEl(tr, "td", { text: t, style: { padding: "0.1em 0.6em", fontWeight: idx === l ? "bold" : "normal" } });
      tr.style.cursor = "pointer";
      tr.addEventListener("click", () => selectLayer(idx));
    });
  }

  function draw() {
    const { geometry, l, g, i, j } = current();
    const size = model.get("input_size");
    d2lOptions(layerSel, geometry.map((gg, idx) => [String(idx), `${gg.name} → ${gg.out[0]}×${gg.out[1]}`]),
      String(l));
    rowIn.max = String(g.out[0] - 1); colIn.max = String(g.out[1] - 1);
    d2lShowNumber(rowIn, i); d2lShowNumber(colIn, j);

    const win = rfWindow(g, i, j);
    const clipped = rfClip(win, size);
    // the padding drawn: as far as the windows of this layer and those below it reach
    const [[lo0, hi0], [lo1, hi1]] = rfExtent(geometry.slice(0, l + 1), size);
    const grid = [];
    for (let r = lo0; r <= hi0; r++) {
      const line = [];
      for (let c = lo1; c <= hi1; c++) {
        const inside = r >= 0 && r < size[0] && c >= 0 && c < size[1];
        const seen = r >= win[0][0] && r <= win[0][1] && c >= win[1][0] && c <= win[1][1];
        line.push((inside ? 0 : 2) + (seen ? 1 : 0));
      }
      grid.push(line);
    }
    const colors = ["#ffffff", "#ff9800", "rgb(225,205,235)", "#c77d3a"];
    const cell = Math.max(3, Math.min(28, Math.floor(380 / Math.max(grid.length, grid[0].length))));
    d2lDrawGrid(inCanvas, grid, {
      cell, color: (v) => colors[v], gridLines: cell >= 8,
      highlight: [{ i: -lo0, j: -lo1, h: size[0], w: size[1], color: "#555", lineWidth: 1 },
        { i: win[0][0] - lo0, j: win[1][0] - lo1, h: g.size[0], w: g.size[1], color: "#e65100", lineWidth: 2 }],
    });
    d2lLabel(inP, `input ${size[0]}×${size[1]}` + (lo0 < 0 || lo1 < 0 ? " with padding" : ""),
      `the ${g.size[0]}×${g.size[1]} window of unit (${i}, ${j}) is orange: input rows ` +
      `${clipped[0][0]}..${clipped[0][1]}, columns ${clipped[1][0]}..${clipped[1][1]}` +
      (lo0 < 0 || lo1 < 0 ? "; padding is purple" : ""));

    const outGrid = Array.from({ length: g.out[0] }, () => new Array(g.out[1]).fill(0));
    outGrid[i][j] = 1;
    const outCell = Math.max(4, Math.min(28, Math.floor(280 / Math.max(g.out[0], g.out[1]))));
    outInfo = d2lDrawGrid(outCanvas, outGrid, { cell: outCell, color: (v) => (v ? "#ff9800" : "#e8eef7") });
    d2lLabel(outP, `output of ${g.name}: ${g.out[0]}×${g.out[1]}`,
      `unit (${i}, ${j}) is orange; click a unit to select it`);

    let text = `layer ${g.name} (output ${g.out[0]}×${g.out[1]}), unit (${i}, ${j}) sees input ` +
      `rows ${clipped[0][0]}..${clipped[0][1]}, columns ${clipped[1][0]}..${clipped[1][1]} ` +
      `(receptive field ${g.size[0]}×${g.size[1]}, jump ${g.jump[0]}×${g.jump[1]})`;
    if (JSON.stringify(win) !== JSON.stringify(clipped)) {
      text += `\nthe full window, rows ${win[0][0]}..${win[0][1]}, columns ${win[1][0]}..${win[1][1]}, ` +
        "reaches into the padding";
    }
    status.textContent = text;
    growth.textContent = rfGrowth(geometry, l);
    root.dataset.window = JSON.stringify(clipped);
    root.dataset.windowFull = JSON.stringify(win);
    drawTable(geometry, l);
  }

  outCanvas.addEventListener("click", (event) => {
    if (!outInfo) return;
    const { g } = current();
    const hit = d2lCellAt(outCanvas, event, outInfo.cell, g.out[0], g.out[1]);
    if (hit) setUnit(hit.i, hit.j);
  });
  layerSel.addEventListener("change", () => selectLayer(Number(layerSel.value)));
  const stop = d2lListen(model, {
    "change:geometry": draw, "change:layer": draw, "change:unit": draw, "change:input_size": draw,
  });
  draw();
  return stop;
}

export default { render };
