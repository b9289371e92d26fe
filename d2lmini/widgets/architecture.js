// ArchitectureView (d2l §7.6-§8.6): a model's blocks as a figure, read from its code.
// Python saves every level (the model and each block in it: nodes with shapes, parameters,
// MACs, layer_summary rows), the whole model's stages and every sentence the figure writes;
// this file lays out and draws. A whole model: stage bands (two models side by side, stage
// beside stage); a block: a layered graph (parallel branches side by side, a skip beside its
// block). Every box has a bar: its parameters or MACs ("bars show") on one scale. d2l*: _base.js.

const SVG_NS = "http" + "://www.w3.org/2000/svg";  // a name for createElementNS, never fetched
const METRICS = { params: "parameters", macs: "MACs" };
let archCount = 0;  // unique marker ids when a page holds several figures

/** An output shape without the batch size: [1, 64, 56, 56] -> "64×56×56"; tuples joined. */
export function archShape(shape) {
  if (!Array.isArray(shape) || !shape.length) return "";
  if (Array.isArray(shape[0])) return shape.map((s) => `(${archShape(s)})`).join(", ");
  const rest = shape.slice(1);
  return rest.length ? rest.join("×") : "scalar";
}

/** The two lines a box shows: what it is (with the activations drawn in it), and its
 * output shape with its numbers. A block starts with its name: "b3: 2 Inception blocks". */
export function archBoxText(node, folded = []) {
  const what = node.contents || node.label;
  const title = [node.block !== undefined ? `${node.name}: ${what}` : what,
    ...folded.map((f) => f.label)].join(" · ");
  return [title, [archShape(node.shape), node.numbers].filter((t) => t).join(" · ")];
}

/**
 * Lay out one level top to bottom. Returns {width, height, nodes: [{x, y, w, h, layer,
 * slot}], edges: [{from, to, points: [[x, y], ...]}]} with x, y the top left of a box.
 * A node's layer is the longest path to it from a node without inputs; a node without
 * inputs that is not an input (a parameter) sits just above its first reader. An edge
 * that spans several layers takes a slot in each layer between (drawn as a vertical
 * line there), and every layer orders its slots by the mean position of what feeds
 * them (ties: the order of the code), so branches keep their columns. A plain chain of
 * more than opts.maxRows (12) boxes is wrapped into columns instead (archChainLayout).
 */
export function archLayout(level, opts = {}) {
  const boxW = opts.boxWidth || 176, boxH = opts.boxHeight || 38;
  const gapX = opts.gapX || 14, gapY = opts.gapY || 24, pad = opts.pad || 8;
  const nodes = level.nodes, n = nodes.length;
  const maxRows = opts.maxRows || 12;
  const chain = level.edges.length === n - 1 && level.edges.every(([a, b], i) => a === i && b === i + 1);
  if (chain && n > maxRows) return archChainLayout(n, { boxW, boxH, gapX, gapY, pad, maxRows });
  const preds = nodes.map(() => []), succs = nodes.map(() => []);
  for (const [a, b] of level.edges) { preds[b].push(a); succs[a].push(b); }

  // topological order (Kahn, smallest index first: the order of the code)
  const indeg = preds.map((p) => p.length), order = [], ready = [];
  for (let i = 0; i < n; i++) if (!indeg[i]) ready.push(i);
  while (ready.length) {
    ready.sort((a, b) => a - b);
    const v = ready.shift();
    order.push(v);
    for (const w of succs[v]) if (--indeg[w] === 0) ready.push(w);
  }
  const layer = new Array(n).fill(0);
  for (const v of order) for (const w of succs[v]) layer[w] = Math.max(layer[w], layer[v] + 1);
  for (const v of order.slice().reverse()) {
    if (!preds[v].length && nodes[v].kind !== "input" && succs[v].length) {
      layer[v] = Math.max(0, Math.min(...succs[v].map((w) => layer[w])) - 1);
    }
  }

  // slots: one per node, one per layer an edge passes through
  const depth = n ? Math.max(...layer) + 1 : 0;
  const slots = [];
  const byLayer = Array.from({ length: depth }, () => []);
  const addSlot = (s) => { s.id = slots.length; slots.push(s); byLayer[s.layer].push(s); return s; };
  const nodeSlot = nodes.map((_, i) => addSlot({ node: i, layer: layer[i], key: i, up: [] }));
  const routes = level.edges.map(([a, b], e) => {
    let prev = nodeSlot[a];
    const path = [prev];
    for (let l = layer[a] + 1; l < layer[b]; l++) {
      const d = addSlot({ node: -1, layer: l, key: b - 0.5 + e / (level.edges.length + 1), up: [prev.id] });
      path.push(d);
      prev = d;
    }
    nodeSlot[b].up.push(prev.id);
    path.push(nodeSlot[b]);
    return path;
  });

  // order each layer by the mean position of its inputs in the layer above
  const pos = new Array(slots.length).fill(0);
  for (let l = 0; l < depth; l++) {
    const row = byLayer[l];
    for (const s of row) {
      s.bary = s.up.length ? s.up.reduce((t, u) => t + pos[u], 0) / s.up.length : Infinity;
    }
    row.sort((p, q) => (p.bary - q.bary) || (p.key - q.key));
    row.forEach((s, i) => { pos[s.id] = i; });
  }

  const widest = Math.max(1, ...byLayer.map((row) => row.length));
  const width = 2 * pad + widest * boxW + (widest - 1) * gapX;
  const height = 2 * pad + depth * boxH + Math.max(0, depth - 1) * gapY;
  for (const row of byLayer) {
    const rowWidth = row.length * boxW + (row.length - 1) * gapX;
    const left = (width - rowWidth) / 2;
    row.forEach((s, i) => {
      s.x = left + i * (boxW + gapX);
      s.y = pad + s.layer * (boxH + gapY);
    });
  }
  const placed = nodeSlot.map((s) => ({ x: s.x, y: s.y, w: boxW, h: boxH, layer: s.layer, slot: pos[s.id] }));
  const edges = routes.map((path, e) => {
    const [a, b] = level.edges[e];
    const points = [[path[0].x + boxW / 2, path[0].y + boxH]];
    for (const d of path.slice(1, -1)) {
      points.push([d.x + boxW / 2, d.y]);
      points.push([d.x + boxW / 2, d.y + boxH]);
    }
    const end = path[path.length - 1];
    points.push([end.x + boxW / 2, end.y]);
    return { from: a, to: b, points };
  });
  return { width, height, nodes: placed, edges };
}

/**
 * A long plain chain (one layer after another) in side-by-side columns of at most maxRows
 * boxes, read top to bottom, then the next column; the edge from the bottom of a column
 * runs below it, across, and into the top of the next one.
 */
function archChainLayout(n, { boxW, boxH, gapX, gapY, pad, maxRows }) {
  const columns = Math.ceil(n / maxRows), rows = Math.ceil(n / columns);
  const gapC = 3 * gapX;  // room between columns for the connecting edge
  const width = 2 * pad + columns * boxW + (columns - 1) * gapC;
  const height = 2 * pad + rows * boxH + (rows - 1) * gapY + gapY;  // + the turn below a column
  const top = pad + gapY / 2;
  const nodes = [];
  for (let i = 0; i < n; i++) {
    const col = Math.floor(i / rows), row = i % rows;
    nodes.push({ x: pad + col * (boxW + gapC), y: top + row * (boxH + gapY), w: boxW, h: boxH,
      layer: i, slot: col });
  }
  const edges = [];
  for (let i = 0; i + 1 < n; i++) {
    const a = nodes[i], b = nodes[i + 1], ax = a.x + boxW / 2, bx = b.x + boxW / 2;
    const points = [[ax, a.y + boxH]];
    if (a.slot !== b.slot) {
      const below = a.y + boxH + gapY / 2, across = a.x + boxW + gapC / 2;
      points.push([ax, below], [across, below], [across, top - gapY / 2 + 2], [bx, top - gapY / 2 + 2]);
    }
    points.push([bx, b.y]);
    edges.push({ from: i, to: i + 1, points });
  }
  return { width, height, nodes, edges };
}

/**
 * Whole models as stage bands, one column per model: the input, then band k holds stage k
 * of every model (the head last, heads side by side), then the output. columns: [{level,
 * stages}]. Returns {width, height, bands: [{column, stage, x, y, w, h}], boxes: [{column,
 * node, folded, x, y, w, h}], edges: [{column, from, to, points}]}.
 */
export function archStageLayout(columns, opts = {}) {
  const boxW = opts.boxWidth || 240, boxH = opts.boxHeight || 38, pad = opts.pad || 8;
  const gapRow = 10, gapBand = 12, bandTop = 18, inset = 8, right = 16, gapCol = opts.gapCol || 28;
  const colW = inset + boxW + right;  // room on the right for the arcs of residual connections
  const body = columns.map((c) => c.stages.filter((s) => !s.head));
  const heads = columns.map((c) => c.stages.find((s) => s.head));
  const bandsOf = Array.from({ length: Math.max(...body.map((b) => b.length)) }, (_, k) => body.map((b) => b[k]));
  if (heads.some((h) => h)) bandsOf.push(heads);
  const boxes = [], bands = [], edges = [];
  const chains = columns.map(() => []);
  const left = (column) => pad + column * (colW + gapCol);
  const place = (column, node, folded, y) => {
    const box = { column, node, folded, x: left(column) + inset, y, w: boxW, h: boxH };
    boxes.push(box);
    chains[column].push(box);
  };
  let y = pad;
  columns.forEach((c, column) => place(column, 0, [], y));
  y += boxH + gapBand;
  for (const row of bandsOf) {
    const rows = Math.max(...row.map((s) => (s ? s.boxes.length : 0)));
    const h = bandTop + rows * boxH + (rows - 1) * gapRow + inset;
    row.forEach((stage, column) => {
      if (!stage) return;
      bands.push({ column, stage, x: left(column), y, w: colW, h });
      stage.boxes.forEach(([node, folded], r) => place(column, node, folded, y + bandTop + r * (boxH + gapRow)));
    });
    y += h + gapBand;
  }
  columns.forEach((c, column) => place(column, c.level.nodes.length - 1, [], y));
  y += boxH + pad;
  for (const chain of chains) {
    for (let i = 0; i + 1 < chain.length; i++) {
      const a = chain[i], b = chain[i + 1], x = a.x + a.w / 2;
      edges.push({ column: a.column, from: a.node, to: b.node, points: [[x, a.y + a.h], [x, b.y]] });
    }
  }
  return { width: 2 * pad + columns.length * colW + (columns.length - 1) * gapCol, height: y, bands, boxes, edges };
}

/** The keys of the levels from the model down to `block`: ["", "b3", "b3.0"]. */
export function archTrail(graphs, block) {
  const trail = [];
  for (let key = block; key !== null && key !== undefined && graphs[key]; key = graphs[key].parent) {
    trail.unshift(key);
    if (key === "") break;
  }
  return trail;
}

/** The detail line for a node: where it is, its layer_summary row, parameters, MACs. */
export function archDetail(level, node, opens) {
  const where = node.kind === "module" && node.name !== ""
    ? `${level.name ? `${level.name}.` : ""}${node.name} (${node.label})` : node.label;
  const numbers = [];
  if (node.kind === "module" || node.kind === "attr") {
    numbers.push(`${d2lGroup(node.params)} parameters` + (node.call ? " (counted at its first call)" : ""));
    numbers.push(`${d2lGroup(node.macs)} MACs`);
  }
  if (node.skips) numbers.push(`${node.skips} skip connection${node.skips === 1 ? "" : "s"}`);
  if (opens) numbers.push("click or press Enter to open it");
  if (node.closed) numbers.push(`not opened: ${node.closed}`);
  return [`${where}${node.call ? `, call ${node.call}` : ""}`, node.row, numbers.join(" · ")]
    .filter((line) => line).join("\n");
}

const STYLE = {
  input: { fill: "#f2f2f2", stroke: "#888888", rx: 6 }, output: { fill: "#f2f2f2", stroke: "#888888", rx: 6 },
  module: { fill: "#ffffff", stroke: "#6b8fd6", rx: 4 }, block: { fill: "#ffffff", stroke: "#1a56c4", rx: 4 },
  function: { fill: "#fff8ec", stroke: "#d48a1a", rx: 14 }, attr: { fill: "#f1faf1", stroke: "#4a9a4a", rx: 4 },
};
const BAR = { params: "#b9cdf3", macs: "#f6c9a0" };

function svgEl(parent, tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  if (parent) parent.appendChild(node);
  return node;
}

/** An SVG text line that is never cut: one longer than `width` px (at about `perChar` px a
 * character) is squeezed into it, so what is seen is always what the box's name says. */
function svgLine(parent, attrs, text, width, perChar) {
  const squeeze = text.trimEnd().length * perChar > width ? { textLength: width, lengthAdjust: "spacingAndGlyphs" } : {};
  return svgEl(parent, "text", { ...attrs, ...squeeze }, text);
}

/** What a box of `level` counts under `metric`: its node and the activations drawn in it. */
function boxValue(level, box, metric) {
  return [box.node, ...box.folded].reduce((t, i) => t + level.nodes[i][metric], 0);
}

function render({ model, el }) {
  const [root, controls] = d2lFrame(el, "architecture-view");
  const trailBox = d2lEl(controls, "div", { cls: "d2l-controls", attrs: { "data-testid": "arch-path", "aria-label": "blocks opened" } });
  const blockSel = d2lSelect(controls, "show", "arch-block", "block shown");
  const blockLabel = blockSel.parentNode;  // hidden when there is only one thing to show
  const sizeSel = d2lSelect(controls, "bars show", "arch-size-by", "the bars show", Object.entries(METRICS));
  const [status, summary] = ["arch-status", "arch-summary"].map((testid) =>
    d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": testid } }));
  const detail = d2lEl(root, "div", { cls: "d2l-code", attrs: { "data-testid": "arch-detail", "aria-live": "polite" },
    // three lines, always: the figure below must not move while the pointer is on it
    style: { whiteSpace: "pre-wrap", tabSize: "2", height: "4.2em", overflowY: "auto" } });
  const figure = d2lEl(root, "div", { style: { overflowX: "auto", maxWidth: "100%" } });
  const caption = d2lEl(root, "div", { cls: "d2l-caption" });
  const marker = `d2l-arch-arrow-${++archCount}`;
  const HINT = "Hover over a box, or Tab to it, for its layer_summary row, parameters and MACs.";
  const OPEN = "\nClick a ▸ block, or press Enter on it, to open it.";

  let shown = [];         // [{level, graphs, node, folded, g}] of the boxes drawn
  let focusFirst = false;

  const views = () => model.get("views");
  const currentBlock = () => (views().some(([key]) => key === model.get("block")) ? model.get("block") : "");
  const open = (block) => d2lSave(model, { block });

  function show(index) {
    shown.forEach((box, i) => {
      const rect = box.g.firstChild, on = i === index;
      rect.setAttribute("stroke-width", on ? 3 : (box.opens ? 2 : 1));
      rect.setAttribute("stroke", on ? "#e65100" : rect.dataset.stroke);
    });
    const box = index === null ? null : shown[index];
    detail.textContent = box ? archDetail(box.level, box.level.nodes[box.node], box.opens)
      : HINT + (shown.some((b) => b.opens) ? OPEN : "");
    root.dataset.hover = box ? box.level.nodes[box.node].id : "";
  }

  function drawTrail(graphs, block, title) {
    trailBox.replaceChildren();
    const trail = graphs ? archTrail(graphs, block) : [""];
    trail.forEach((key, i) => {
      if (i) d2lEl(trailBox, "span", { text: "›", attrs: { "aria-hidden": "true" } });
      const text = key === "" ? title : graphs[key].label;
      if (i === trail.length - 1) {
        d2lEl(trailBox, "strong", { text, attrs: { "aria-current": "true", "data-testid": `arch-crumb-${i}` } });
      } else {
        const button = d2lEl(trailBox, "button", { text, attrs: { type: "button", "data-testid": `arch-crumb-${i}` } });
        button.addEventListener("click", () => open(key));
      }
    });
  }

  function drawBox(svg, spec, metric, scale) {
    const { level, graphs, node: index, folded, x, y, w, h } = spec;
    const node = level.nodes[index];
    const opens = node.block !== undefined && graphs[node.block] !== undefined;
    const style = STYLE[opens ? "block" : node.kind] || STYLE.module;
    const [title, numbers] = archBoxText(node, folded.map((i) => level.nodes[i]));
    const value = boxValue(level, spec, metric);
    const extra = [opens ? "opens" : "", node.skips ? `${node.skips} skip connection${node.skips === 1 ? "" : "s"}` : ""];
    const g = svgEl(svg, "g", {
      transform: `translate(${x},${y})`, tabindex: 0, role: opens ? "button" : "img", "data-node": node.id,
      "data-column": spec.column || 0,
      "aria-label": [title, numbers, ...extra].filter((t) => t).join(", "),
    });
    g.style.cursor = opens ? "pointer" : "default";
    g.style.outline = "none";
    const rect = svgEl(g, "rect", { width: w, height: h, rx: style.rx, fill: style.fill,
      stroke: style.stroke, "stroke-width": opens ? 2 : 1 });
    rect.dataset.stroke = style.stroke;
    const bar = value > 0 ? Math.max(2, (w - 2) * value / scale) : 0;
    if (bar) svgEl(g, "rect", { x: 1, y: 1, width: bar, height: h - 2, rx: Math.min(style.rx, 3), fill: BAR[metric], "data-bar": value / scale });
    const left = opens ? 16 : 6, room = w - left - 4;
    if (opens) svgEl(g, "path", { d: "M6,9 L12,13 L6,17 z", fill: style.stroke, "aria-hidden": "true" });
    // The trailing space is not drawn, but keeps the two lines apart as words in the text that
    // assistive technology (and axe) reads: it joins SVG text elements with nothing between.
    svgLine(g, { x: left, y: 15, "font-weight": opens ? "bold" : "normal" }, `${title} `, room, opens ? 7 : 6.2);
    svgLine(g, { x: left, y: 30, fill: "#444" }, numbers, room, 6.2);
    for (let j = 0; j < (node.skips || 0); j++) {  // each residual connection: an arc beside the box
      const top = 4 + (h - 8) * j / node.skips, bottom = 4 + (h - 8) * (j + 1) / node.skips;
      svgEl(g, "path", { d: `M${w},${top} C${w + 14},${top} ${w + 14},${bottom} ${w + 1},${bottom}`,
        fill: "none", stroke: "#1a56c4", "stroke-width": 1.5, "marker-end": `url(#${marker})`, "data-skip": j });
    }
    shown.push({ ...spec, opens, g });
  }

  function draw() {
    const models = model.get("models"), block = currentBlock(), metric = model.get("size_by");
    const view = views().find(([key]) => key === block);
    const graphs = models[0].graphs, level = graphs[block];
    drawTrail(models.length === 1 ? graphs : null, block, models.map((m) => m.title).join(" vs "));
    d2lOptions(blockSel, views().map(([key, text]) => [key, text]), block);  // not its sentence
    blockLabel.style.display = views().length < 2 ? "none" : "";
    sizeSel.value = metric;
    status.textContent = view[2];
    caption.textContent = view[3];
    // where the parameters and MACs of the whole model(s) are, under the whole-model view
    summary.textContent = block !== "" ? "" : models.filter((m) => m.summary).map((m) => `${m.title}: ${m.summary}`).join("\n");

    // the boxes: stage bands for whole models, else the level's graph
    const staged = block === "" && models.every((m) => m.stages.length);
    // boxes as wide as their longest line needs (about 6.2 px a character), within limits;
    // a longer line is squeezed into its box (svgLine), never cut
    const fit = (texts, most) => Math.round(Math.min(most, Math.max(150, 6.6 * Math.max(...texts.map((t) => t.length)) + 24)));
    let specs, lay;
    if (staged) {
      const texts = models.flatMap((m) => m.stages.flatMap((s) => s.boxes.flatMap(([i, f]) =>
        archBoxText(m.graphs[""].nodes[i], f.map((j) => m.graphs[""].nodes[j])))));
      lay = archStageLayout(models.map((m) => ({ level: m.graphs[""], stages: m.stages })), { boxWidth: fit(texts, models.length > 1 ? 340 : 480) });
      specs = lay.boxes.map((b) => ({ ...b, level: models[b.column].graphs[""], graphs: models[b.column].graphs }));
    } else {
      const skips = level.nodes.some((n) => n.skips);  // room on the right for their arcs
      lay = archLayout(level, { boxWidth: fit(level.nodes.flatMap((n) => archBoxText(n)), 400), pad: skips ? 20 : 8 });
      specs = lay.nodes.map((b, i) => ({ ...b, node: i, folded: [], level, graphs }));
    }
    const scale = Math.max(1, ...specs.map((s) => boxValue(s.level, s, metric)));
    figure.replaceChildren();
    const top = staged && models.length > 1 ? 22 : 0;  // room for the models' names
    const svg = svgEl(figure, "svg", {
      width: lay.width, height: lay.height + top, viewBox: `0 ${-top} ${lay.width} ${lay.height + top}`,
      role: "group", "aria-label": `${view[1]}: ${specs.length} boxes, bars show ${METRICS[metric]}`,
      "data-testid": "arch-svg", style: "max-width: 100%; height: auto; font-size: 11px;",
    });
    const arrow = svgEl(svgEl(svg, "defs"), "marker", { id: marker, viewBox: "0 0 10 10", refX: 10, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    svgEl(arrow, "path", { d: "M0,0 L10,5 L0,10 z", fill: "#666" });
    if (top) models.forEach((m, column) => svgEl(svg, "text", { x: lay.boxes[column].x - 8, y: -8,
      "font-weight": "bold", "font-size": "12px" }, `${m.title}, input ${archShape(m.input_shape)}`));
    const bandFill = (band) => (band.stage.head ? "#fbf3e6" : "#f3f6fb");
    for (const band of lay.bands || []) {
      svgEl(svg, "rect", { x: band.x, y: band.y, width: band.w, height: band.h, rx: 6,
        fill: bandFill(band), stroke: "#d5dbe5" });
    }
    for (const edge of lay.edges) {
      const { nodes } = staged ? models[edge.column].graphs[""] : level;
      svgEl(svg, "polyline", { points: edge.points.map((p) => p.join(",")).join(" "), fill: "none",
        stroke: "#777", "stroke-width": 1.3, "marker-end": `url(#${marker})`,
        "data-edge": `${nodes[edge.from].id}->${nodes[edge.to].id}` });
    }
    for (const band of lay.bands || []) {  // over the arrows, with a halo of the band's colour
      svgEl(svg, "text", { x: band.x + 6, y: band.y + 13, fill: "#333", "font-weight": "bold",
        stroke: bandFill(band), "stroke-width": 4, "paint-order": "stroke" }, band.stage.labels[metric]);
    }
    shown = [];
    for (const spec of specs) drawBox(svg, spec, metric, scale);

    root.dataset.block = block;
    root.dataset.sizeBy = metric;
    root.dataset.nodes = JSON.stringify(shown.map((b) => b.level.nodes[b.node].id));
    root.dataset.layout = JSON.stringify(staged ? [] : lay.nodes.map((b) => [b.layer, b.slot]));
    root.dataset.bars = JSON.stringify(shown.map((b) => boxValue(b.level, b, metric) / scale));
    root.dataset.stages = JSON.stringify(staged ? models.map((m, column) => (lay.bands || [])
      .filter((b) => b.column === column).map((b) => ({ name: b.stage.name,
        boxes: b.stage.boxes.map(([i, f]) => [m.graphs[""].nodes[i].id, f.map((j) => m.graphs[""].nodes[j].id)]) }))) : []);
    show(null);
    if (focusFirst) {
      focusFirst = false;
      if (shown[0] && shown[0].g.focus) shown[0].g.focus();
    }
  }

  function boxOf(event) {
    const g = event.target && event.target.closest ? event.target.closest("[data-node]") : null;
    const index = g ? shown.findIndex((b) => b.g === g) : -1;
    return index < 0 ? null : index;
  }

  blockSel.addEventListener("change", () => open(blockSel.value));
  sizeSel.addEventListener("change", () => d2lSave(model, { size_by: sizeSel.value }));
  figure.addEventListener("mouseover", (event) => { const i = boxOf(event); if (i !== null) show(i); });
  figure.addEventListener("mouseleave", () => {
    // back to the focused box, if the keyboard is on one, else to the hint
    const focused = root.ownerDocument.activeElement;
    show(focused && figure.contains(focused) ? boxOf({ target: focused }) : null);
  });
  figure.addEventListener("focusin", (event) => { const i = boxOf(event); if (i !== null) show(i); });
  figure.addEventListener("focusout", () => show(null));
  figure.addEventListener("click", (event) => {
    const i = boxOf(event);
    if (i !== null && shown[i].opens) open(shown[i].level.nodes[shown[i].node].block);
  });
  figure.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    const i = boxOf(event);
    if (i === null) return;
    event.preventDefault();
    event.stopPropagation();  // the notebook must not run the cell
    if (shown[i].opens) {
      focusFirst = true;
      open(shown[i].level.nodes[shown[i].node].block);
    }
  });

  const stop = d2lListen(model, { "change:models": draw, "change:views": draw, "change:block": draw,
    "change:size_by": draw });
  draw();
  return stop;
}

export default { render };
