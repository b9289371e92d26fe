// ArchitectureView (d2l §7.6-§8.6): a model's blocks as a layered graph, read from its code.
// Python saves every level (the model, and each block inside it): nodes with their output
// shapes, parameters, MACs and layer_summary rows, and the edges between them. Here each
// level is laid out top to bottom (layer = longest path from the input; an edge that skips
// layers gets a slot in each, so parallel branches stay in their own columns), hovering or
// focusing a box shows its numbers, and clicking a block with ▸ opens its level.
// Helpers d2l* come from _base.js.

const SVG_NS = "http" + "://www.w3.org/2000/svg";  // a name for createElementNS, never fetched
let archCount = 0;  // unique marker ids when a page holds several figures

/** "1,992,166" */
export function archComma(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** 1234 -> "1.2K", 770560000 -> "770.6M", 7547232256 -> "7.55G" (as Python's _human). */
export function archHuman(n) {
  if (n >= 1e9) {
    const q = Math.floor((n + 5e6) / 1e7);
    return `${Math.floor(q / 100)}.${String(q % 100).padStart(2, "0")}G`;
  }
  for (const [unit, size] of [["M", 1e6], ["K", 1e3]]) {
    if (n >= size) {
      const q = Math.floor((n + size / 20) / (size / 10));
      return `${Math.floor(q / 10)}.${q % 10}${unit}`;
    }
  }
  return String(n);
}

/** An output shape without the batch size: [1, 64, 56, 56] -> "64×56×56"; tuples joined. */
export function archShape(shape) {
  if (!Array.isArray(shape) || !shape.length) return "";
  if (Array.isArray(shape[0])) return shape.map((s) => `(${archShape(s)})`).join(", ");
  const rest = shape.slice(1);
  return rest.length ? rest.join("×") : "scalar";
}

/** The status line for level `block` of `graphs` (the same text as Python's status_text). */
export function archStatus(title, graphs, block) {
  const level = graphs[block];
  const modules = level.nodes.filter((n) => n.kind === "module");
  const word = modules.some((n) => n.block !== undefined) ? "block" : "layer";
  const head = block === "" ? title : `${title} › ${block} (${level.type})`;
  let text = `${head}: ${modules.length} ${word}${modules.length === 1 ? "" : "s"}, ` +
    `${archComma(level.params)} parameters, ${archHuman(level.macs)} MACs per image`;
  if (level.note) text += `\n${level.note}`;
  return text;
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
  for (let i = 0; i < n; i++) if (!order.includes(i)) order.push(i);  // never: no cycles
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
 * A long plain chain (LeNet, AlexNet, VGG: one layer after another) in side-by-side columns
 * of at most maxRows boxes, read top to bottom, then the next column; the edge from the
 * bottom of a column runs below it, across, and into the top of the next one.
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

/** The keys of the levels from the model down to `block`: ["", "2", "2.0"]. */
export function archTrail(graphs, block) {
  const trail = [];
  for (let key = block; key !== null && key !== undefined && graphs[key]; key = graphs[key].parent) {
    trail.unshift(key);
    if (key === "") break;
  }
  return trail;
}

/** The detail line for a node: where it is, its layer_summary row, parameters, MACs. */
export function archDetail(level, node) {
  const where = node.kind === "module" && node.name !== ""
    ? `${level.name ? `${level.name}.` : ""}${node.name} (${node.label})` : node.label;
  const numbers = [];
  if (node.kind === "module" || node.kind === "attr") {
    numbers.push(`${archComma(node.params)} parameters` + (node.call ? " (counted at its first call)" : ""));
    numbers.push(`${archComma(node.macs)} MACs`);
  }
  if (node.block !== undefined) numbers.push("click or press Enter to open it");
  if (node.closed) numbers.push(`not opened: ${node.closed}`);
  return [`${where}${node.call ? `, call ${node.call}` : ""}`, node.row, numbers.join(" · ")]
    .filter((line) => line).join("\n");
}

const STYLE = {
  input: { fill: "#eeeeee", stroke: "#888888", rx: 6 },
  output: { fill: "#eeeeee", stroke: "#888888", rx: 6 },
  module: { fill: "#e8f0fe", stroke: "#6b8fd6", rx: 4 },
  block: { fill: "#cfe0fc", stroke: "#1a56c4", rx: 4 },
  function: { fill: "#fff1dc", stroke: "#d48a1a", rx: 16 },
  attr: { fill: "#e7f5e7", stroke: "#4a9a4a", rx: 4 },
};

function svgEl(parent, tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  if (parent) parent.appendChild(node);
  return node;
}

function clip(text, chars) {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

function render({ model, el }) {
  const root = d2lRoot(el, "architecture-view");
  const controls = d2lEl(root, "div", { cls: "d2l-controls" });
  const trailBox = d2lEl(controls, "div", { cls: "d2l-controls", attrs: { "data-testid": "arch-path", "aria-label": "blocks opened" } });
  const blockSel = d2lLabelled(controls, "show", "select", { "data-testid": "arch-block", "aria-label": "block shown" });
  const status = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "arch-status" } });
  const detail = d2lEl(root, "div", { cls: "d2l-code", attrs: { "data-testid": "arch-detail", "aria-live": "polite" },
    // three lines, always: the figure below must not move while the pointer is on it
    style: { whiteSpace: "pre-wrap", tabSize: "2", height: "4.2em", overflowY: "auto" } });
  const figure = d2lEl(root, "div", { style: { overflowX: "auto", maxWidth: "100%" } });
  const caption = d2lEl(root, "div", { cls: "d2l-caption" });
  const marker = `d2l-arch-arrow-${++archCount}`;
  const HINT = "Hover over a box, or Tab to it, for its layer_summary row, parameters and MACs.\n" +
    "Click a ▸ block, or press Enter on it, to open it.";

  let level = null;       // the level shown
  let boxes = new Map();  // node index -> <g>
  let focusFirst = false;

  function currentBlock() {
    const graphs = model.get("graphs"), block = model.get("block");
    return graphs[block] ? block : "";
  }

  function open(block) {
    d2lSave(model, { block });
  }

  function show(index) {
    for (const [i, g] of boxes) {
      const rect = g.firstChild, on = i === index;
      rect.setAttribute("stroke-width", on ? 3 : (g.dataset.open ? 2 : 1));
      rect.setAttribute("stroke", on ? "#e65100" : rect.dataset.stroke);
    }
    if (index === null || !level) {
      detail.textContent = HINT;
      root.dataset.hover = "";
      return;
    }
    detail.textContent = archDetail(level, level.nodes[index]);
    root.dataset.hover = level.nodes[index].id;
  }

  function drawTrail(graphs, block) {
    trailBox.replaceChildren();
    const trail = archTrail(graphs, block);
    trail.forEach((key, i) => {
      if (i) d2lEl(trailBox, "span", { text: "›", attrs: { "aria-hidden": "true" } });
      const text = key === "" ? model.get("title") : graphs[key].label;
      if (i === trail.length - 1) {
        d2lEl(trailBox, "strong", { text, attrs: { "aria-current": "true", "data-testid": `arch-crumb-${i}` } });
      } else {
        const button = d2lEl(trailBox, "button", { text, attrs: { type: "button", "data-testid": `arch-crumb-${i}` } });
        button.addEventListener("click", () => open(key));
      }
    });
  }

  function drawChoices(graphs, block) {
    blockSel.replaceChildren();
    for (const key of Object.keys(graphs)) {
      const depth = archTrail(graphs, key).length - 1;
      const text = key === "" ? `${model.get("title")} (the whole model)` : graphs[key].label;
      d2lEl(blockSel, "option", { text: `${"· ".repeat(depth)}${text}`, attrs: { value: key } });
    }
    blockSel.value = block;
  }

  function draw() {
    const graphs = model.get("graphs"), block = currentBlock();
    level = graphs[block];
    drawTrail(graphs, block);
    drawChoices(graphs, block);
    status.textContent = archStatus(model.get("title"), graphs, block);
    const start = model.get("start");
    caption.textContent = "Boxes: the layers, blocks and functions the forward calls, each with its " +
      "output shape (channels×height×width, batch left out); arrows: the data flow." +
      (start ? ` The model's forward only calls self.${start}, so that is drawn.` : "");

    // boxes as wide as the longest label needs (about 6.4 px a character), within limits
    const longest = Math.max(...level.nodes.map((n) => n.label.length + (n.block !== undefined ? 2 : 0)));
    const boxWidth = Math.round(Math.min(240, Math.max(110, 6.4 * longest + 16)));
    const lay = archLayout(level, { boxWidth });
    const chars = Math.floor((boxWidth - 12) / 6.4);
    figure.replaceChildren();
    const svg = svgEl(figure, "svg", {
      width: lay.width, height: lay.height, viewBox: `0 0 ${lay.width} ${lay.height}`,
      role: "group", "aria-label": `${level.label}: ${level.nodes.length} boxes`,
      "data-testid": "arch-svg", style: "max-width: 100%; height: auto; font-size: 11px;",
    });
    const defs = svgEl(svg, "defs");
    const arrow = svgEl(defs, "marker", { id: marker, viewBox: "0 0 10 10", refX: 10, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    svgEl(arrow, "path", { d: "M0,0 L10,5 L0,10 z", fill: "#666" });
    for (const edge of lay.edges) {
      svgEl(svg, "polyline", { points: edge.points.map((p) => p.join(",")).join(" "), fill: "none",
        stroke: "#777", "stroke-width": 1.3, "marker-end": `url(#${marker})`,
        "data-edge": `${level.nodes[edge.from].id}->${level.nodes[edge.to].id}` });
    }
    boxes = new Map();
    level.nodes.forEach((node, i) => {
      const box = lay.nodes[i];
      const opens = node.block !== undefined;
      const style = STYLE[opens ? "block" : node.kind] || STYLE.module;
      const g = svgEl(svg, "g", {
        transform: `translate(${box.x},${box.y})`, tabindex: 0, role: opens ? "button" : "img",
        "data-node": node.id, "aria-label": `${node.label}, output ${archShape(node.shape) || "none"}` +
          (opens ? ", opens" : ""),
      });
      if (opens) g.dataset.open = node.block;
      g.style.cursor = opens ? "pointer" : "default";
      g.style.outline = "none";
      const rect = svgEl(g, "rect", { width: box.w, height: box.h, rx: style.rx, fill: style.fill,
        stroke: style.stroke, "stroke-width": opens ? 2 : 1 });
      rect.dataset.stroke = style.stroke;
      const label = (opens ? "▸ " : "") + node.label;
      svgEl(g, "text", { x: box.w / 2, y: 15, "text-anchor": "middle", "font-weight": opens ? "bold" : "normal" },
        clip(label, chars));
      svgEl(g, "text", { x: box.w / 2, y: 30, "text-anchor": "middle", fill: "#555" },
        clip(archShape(node.shape), chars));
      svgEl(g, "title", {}, node.row);
      boxes.set(i, g);
    });
    root.dataset.block = block;
    root.dataset.nodes = JSON.stringify(level.nodes.map((n) => n.id));
    root.dataset.layout = JSON.stringify(lay.nodes.map((b) => [b.layer, b.slot]));
    show(null);
    if (focusFirst) {
      focusFirst = false;
      const first = boxes.get(0);
      if (first && first.focus) first.focus();
    }
  }

  function nodeOf(event) {
    const g = event.target && event.target.closest ? event.target.closest("[data-node]") : null;
    if (!g || !level) return null;
    const index = level.nodes.findIndex((n) => n.id === g.dataset.node);
    return index < 0 ? null : index;
  }

  blockSel.addEventListener("change", () => open(blockSel.value));
  figure.addEventListener("mouseover", (event) => { const i = nodeOf(event); if (i !== null) show(i); });
  figure.addEventListener("mouseleave", () => {
    // back to the focused box, if the keyboard is on one, else to the hint
    const focused = root.ownerDocument.activeElement;
    show(focused && figure.contains(focused) ? nodeOf({ target: focused }) : null);
  });
  figure.addEventListener("focusin", (event) => { const i = nodeOf(event); if (i !== null) show(i); });
  figure.addEventListener("focusout", () => show(null));
  figure.addEventListener("click", (event) => {
    const i = nodeOf(event);
    if (i !== null && level.nodes[i].block !== undefined) open(level.nodes[i].block);
  });
  figure.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    const i = nodeOf(event);
    if (i === null) return;
    event.preventDefault();
    event.stopPropagation();  // the notebook must not run the cell
    if (level.nodes[i].block !== undefined) {
      focusFirst = true;
      open(level.nodes[i].block);
    }
  });

  const stop = d2lListen(model, { "change:graphs": draw, "change:block": draw, "change:title": draw,
    "change:start": draw });
  draw();
  return stop;
}

export default { render };
