// BatchNormView: per-channel means and variances before and after a batch-norm layer.
// Python precomputed them for every layer, mode and batch size; this file picks, draws and
// words them. Helpers d2l* come from _base.js (prepended).

const BN_MODES = { train: "training mode", eval: "evaluation mode" };

/** [min, max] of the finite numbers in xs ([NaN, NaN] if none). */
export function bnRange(xs) {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? [Math.min(...ok), Math.max(...ok)] : [NaN, NaN];
}

/** Largest |a[k] - b[k]|. */
export function bnMaxDiff(a, b) {
  return Math.max(0, ...a.map((v, k) => Math.abs(v - b[k])).filter(Number.isFinite));
}

/** The normalised values x̂ = (y - β) / γ: out = γ x̂ + β, so their moments follow from the output's. */
export function bnNormalised(numbers, layer) {
  const g = layer.gamma, b = layer.beta;
  return {
    mean: numbers.out_mean.map((m, k) => (g[k] !== 0 ? (m - b[k]) / g[k] : NaN)),
    var: numbers.out_var.map((v, k) => (g[k] !== 0 ? v / (g[k] * g[k]) : NaN)),
  };
}

/** 3 significant digits, -0 as 0 ("n/a" for a missing number). */
function bnSig(x) {
  if (!Number.isFinite(x)) return "n/a";
  const r = Number(x.toPrecision(3));
  return String(Object.is(r, -0) ? 0 : r);
}

/** A mean: 3 significant digits, float32 noise below 5e-5 shown as 0 (means can be any size). */
const bnMean = (x) => bnSig(Number.isFinite(x) ? Number(x.toFixed(4)) : x);

/** A variance in words: 2 decimals, but a tiny one keeps 2 significant digits (not "0"). */
const bnVar = (x) => (Number.isFinite(x) && x !== 0 && Math.abs(x) < 0.01
  ? String(Number(x.toPrecision(2))) : d2lFmt(x, 2));

/** A range in words: "-0.12..0.3", or "all 0" when both ends read the same. */
const bnSpan = ([lo, hi], fmt) => (fmt(lo) === fmt(hi) ? `all ${fmt(lo)}` : `${fmt(lo)}..${fmt(hi)}`);

/** "means lie in -0.12..0.3" or "means are all 0". */
const bnAmong = (name, range, fmt) => {
  const text = bnSpan(range, fmt);
  return text.startsWith("all ") ? `${name} are ${text}` : `${name} lie in ${text}`;
};

/** Round axis values between lo and hi (3 to 6 of them: steps of 1, 2 or 5 times a power of 10). */
export function bnTicks(lo, hi) {
  const span = hi - lo > 1e-12 ? hi - lo : 1;
  const power = 10 ** Math.floor(Math.log10(span / 4));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => span / s <= 5);
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Number(t.toFixed(12)) + 0);
  }
  return { ticks, decimals: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}

/** The status text for one layer, mode, batch (index b) and channel. */
export function bnStatus(layer, mode, sizes, b, channel) {
  const numbers = layer[mode][b];
  const norm = bnNormalised(numbers, layer);
  const more = layer.shown < layer.channels ? `, first ${layer.shown} shown` : "";
  const lines = [`${layer.name} (${layer.channels} channels${more}), ${BN_MODES[mode]}, ` +
    `batch ${sizes[b]}: after normalisation the channel ` +
    `${bnAmong("means", bnRange(norm.mean), (x) => d2lFmt(x, 2))}, the ` +
    `${bnAmong("variances", bnRange(norm.var), bnVar)}`];
  const last = sizes.length - 1;
  if (mode === "train" && b < last) {
    const all = layer.train[last];
    lines.push(`normalised with this batch's own statistics, which differ from those of the ` +
      `batch of ${sizes[last]} by up to ${bnMean(bnMaxDiff(numbers.in_mean, all.in_mean))} (means) ` +
      `and ${bnSig(bnMaxDiff(numbers.in_var, all.in_var))} (variances)`);
  } else if (mode === "train") {
    lines.push("normalised with this batch's own statistics");
  } else if (layer.running_mean) {
    lines.push(`normalised with the running averages from training, the same for every batch; ` +
      `this batch's statistics differ from them by up to ` +
      `${bnMean(bnMaxDiff(numbers.in_mean, layer.running_mean))} (means) and ` +
      `${bnSig(bnMaxDiff(numbers.in_var, layer.running_var))} (variances)`);
  } else {
    lines.push("this layer keeps no running averages: it normalises with the batch's own " +
      "statistics in both modes");
  }
  const k = channel;
  lines.push(`channel ${k}: before BN mean ${bnMean(numbers.in_mean[k])}, variance ` +
    `${bnSig(numbers.in_var[k])}; normalised mean ${d2lFmt(norm.mean[k], 2)}, variance ` +
    `${bnVar(norm.var[k])}; γ ${bnSig(layer.gamma[k])}, β ${bnMean(layer.beta[k])}: after BN ` +
    `mean ${bnMean(numbers.out_mean[k])}, variance ${bnSig(numbers.out_var[k])}`);
  return lines.join("\n");
}

/**
 * One bar per channel from 0 to values[k]; marks[k] (if given) as a dark tick across the bar;
 * a value axis with round numbers on the left and the channel numbers below (when they fit).
 * The axis spans 0, the values, the marks and ±scale: means are drawn against their data's
 * standard deviation, so float32 noise around β = 0 stays flat instead of filling the chart.
 * Returns {bar, left}: a click at x is on channel floor((x - left) / bar).
 */
function bnBars(canvas, values, marks, selected, scale = 0) {
  const count = values.length;
  const bar = Math.max(2, Math.min(28, Math.floor(300 / count)));
  const left = 48, top = 9, plot = 110, below = bar >= 12 ? 16 : 4;
  const width = left + count * bar + 6, height = top + plot + below;
  const [dlo, dhi] = bnRange([0, -scale, scale, ...values, ...(marks || [])]);
  const { ticks, decimals } = bnTicks(dlo, dhi);
  const lo = Math.min(dlo, ticks[0]), hi = Math.max(dhi, ticks[ticks.length - 1]);
  const span = hi - lo > 1e-12 ? hi - lo : 1;
  const y = (v) => top + ((hi - v) / span) * plot;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = width * dpr;
  canvas.height = height * dpr;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  ctx.textAlign = "right";
  for (const t of ticks) {  // value axis: grid line and label
    ctx.fillStyle = "rgba(0,0,0,0.12)";
    ctx.fillRect(left, Math.round(y(t)), count * bar, 1);
    ctx.fillStyle = "#333";
    ctx.fillText(t.toFixed(decimals).replace(/^-(0\.?0*)$/, "$1"), left - 5, y(t));
  }
  const gap = bar >= 6 ? 1 : 0;
  values.forEach((v, k) => {
    if (!Number.isFinite(v)) return;
    ctx.fillStyle = k === selected ? "#ff9800" : "#4a7ab5";
    ctx.fillRect(left + k * bar + gap, Math.min(y(v), y(0)), bar - 2 * gap, Math.max(1, Math.abs(y(v) - y(0))));
  });
  ctx.fillStyle = "#222";
  (marks || []).forEach((m, k) => { if (Number.isFinite(m)) ctx.fillRect(left + k * bar, y(m) - 1, bar, 2); });
  ctx.fillStyle = "rgba(0,0,0,0.55)";
  ctx.fillRect(left, y(0), count * bar, 1);
  ctx.fillRect(left - 1, top, 1, plot);
  if (below > 4) {  // channel numbers
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.fillStyle = "#333";
    values.forEach((_, k) => ctx.fillText(String(k), left + k * bar + bar / 2, top + plot + 3));
  }
  return { bar, left };
}

function render({ model, el }) {
  const [root, controls] = d2lFrame(el, "batchnorm-view");
  const layerSel = d2lSelect(controls, "layer", "bn-layer", "layer");
  const modeSel = d2lSelect(controls, "mode", "bn-mode", "mode", Object.entries(BN_MODES));
  const batchSel = d2lSelect(controls, "batch size", "bn-batch", "batch size");
  const chanIn = d2lNumberInput(controls, "channel",
    { min: 0, step: 1, "data-testid": "bn-channel", "aria-label": "channel" }, (text) => {
      const layer = model.get("layers")[model.get("layer")];
      const channel = d2lInt(text, 0, layer.shown - 1, model.get("channel"));
      d2lSave(model, { channel });
      return channel;
    });
  const status = d2lEl(root, "div", { cls: "d2l-status", attrs: { "data-testid": "bn-status" } });
  const charts = d2lEl(root, "div", { cls: "d2l-row" });
  const panels = {};
  for (const [side, title] of [["in", "before BN (its input)"], ["out", "after BN (its output)"]]) {
    const col = d2lEl(charts, "div", { cls: "d2l-col" });
    d2lEl(col, "div", { text: title, style: { fontWeight: "bold" } });
    for (const stat of ["mean", "var"]) {
      const caption = d2lEl(col, "div", { cls: "d2l-caption" });
      const canvas = d2lEl(col, "canvas", { attrs: { "data-testid": `bn-${side}-${stat}`, role: "img",
        "aria-label": `${title}: channel ${stat === "mean" ? "means" : "variances"}` },
        style: { cursor: "pointer" } });
      const panel = { caption, canvas, bar: 1, left: 0 };
      panels[`${side}_${stat}`] = panel;
      canvas.addEventListener("click", (event) => {
        const layer = model.get("layers")[model.get("layer")];
        const rect = canvas.getBoundingClientRect();
        const k = Math.floor((event.clientX - rect.left - panel.left) / panel.bar);
        if (k >= 0 && k < layer.shown) d2lSave(model, { channel: k });
      });
    }
  }
  const legend = d2lEl(root, "div", { cls: "d2l-caption" });

  function draw() {
    const layers = model.get("layers"), sizes = model.get("batch_sizes");
    const l = Math.min(Math.max(model.get("layer"), 0), layers.length - 1);
    const layer = layers[l];
    const mode = model.get("mode") === "eval" ? "eval" : "train";
    const b = Math.max(0, sizes.indexOf(model.get("batch_size")));
    const ch = Math.min(Math.max(model.get("channel"), 0), layer.shown - 1);
    const numbers = layer[mode][b];
    const norm = bnNormalised(numbers, layer);

    d2lOptions(layerSel, layers.map((entry, i) => [String(i), `${entry.name} (${entry.channels} channels)`]),
      String(l));
    modeSel.value = mode;
    d2lOptions(batchSel, sizes.map((n) => [String(n), String(n)]), String(sizes[b]));
    chanIn.max = String(layer.shown - 1);
    d2lShowNumber(chanIn, ch);

    // Ticks before BN: what this mode normalises against other than the batch itself.
    const last = sizes.length - 1;
    const ref = mode === "eval" && layer.running_mean
      ? { mean: layer.running_mean, var: layer.running_var, text: "running averages" }
      : { mean: layer.train[last].in_mean, var: layer.train[last].in_var, text: `batch of ${sizes[last]}` };
    const gamma2 = layer.gamma.map((g) => g * g);
    const spread = (vars) => Math.sqrt(Math.max(0, ...vars.filter(Number.isFinite)));
    const plots = {
      in_mean: [numbers.in_mean, ref.mean, `channel means (ticks: ${ref.text})`, bnMean,
        spread(numbers.in_var)],
      in_var: [numbers.in_var, ref.var, `channel variances (ticks: ${ref.text})`, bnSig, 0],
      out_mean: [numbers.out_mean, layer.beta, "channel means (ticks: β)", bnMean,
        spread(numbers.out_var)],
      out_var: [numbers.out_var, gamma2, "channel variances (ticks: γ²)", bnSig, 0],
    };
    for (const [key, [values, marks, text, fmt, scale]] of Object.entries(plots)) {
      const panel = panels[key];
      Object.assign(panel, bnBars(panel.canvas, values, marks, ch, scale));
      panel.caption.textContent = `${text}: ${bnSpan(bnRange(values), fmt)}`;
      panel.canvas.setAttribute("aria-label", `${key.startsWith("in") ? "before" : "after"} BN, ` +
        `${panel.caption.textContent}, one bar per channel; channel ${ch} (orange) is ${fmt(values[ch])}`);
    }
    legend.textContent = "One bar per channel (click one to read its numbers); the selected " +
      "channel is orange. In training mode each channel is normalised with the batch's own " +
      "mean and variance, so after BN its mean is β and its variance γ² (times var/(var+ε)); " +
      "in evaluation mode with the running averages, whatever the batch.";
    status.textContent = bnStatus(layer, mode, sizes, b, ch);

    const d = root.dataset;
    d.layer = layer.name;
    d.mode = mode;
    d.batch = String(sizes[b]);
    d.channel = String(ch);
    d.inMean = JSON.stringify(numbers.in_mean);
    d.inVar = JSON.stringify(numbers.in_var);
    d.outMean = JSON.stringify(numbers.out_mean);
    d.outVar = JSON.stringify(numbers.out_var);
    d.normMean = JSON.stringify(norm.mean);
    d.normVar = JSON.stringify(norm.var);
    d.gamma = JSON.stringify(layer.gamma);
    d.beta = JSON.stringify(layer.beta);
  }

  // As in Python, a new layer starts at its channel 0.
  layerSel.addEventListener("change", () => d2lSave(model, { layer: Number(layerSel.value), channel: 0 }));
  modeSel.addEventListener("change", () => d2lSave(model, { mode: modeSel.value }));
  batchSel.addEventListener("change", () => d2lSave(model, { batch_size: Number(batchSel.value) }));
  const stop = d2lListen(model, {
    "change:layers": draw, "change:batch_sizes": draw, "change:layer": draw,
    "change:channel": draw, "change:mode": draw, "change:batch_size": draw,
  });
  draw();
  return stop;
}

export default { render };
