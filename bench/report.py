"""Turn the newest bench/results/*.json into the book page chapters/benchmarks.md.

    python bench/report.py                 # newest result -> chapters/benchmarks.md
    python bench/report.py RESULT.json [GPU.json]   # given ones (GPU: bench/results/gpu/)
    python bench/report.py --print         # only print the text table

Needs only the standard library. ``text(result)`` is also what bench.py
prints at the end of a run.
"""
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PAGE = os.path.join(REPO, "chapters", "benchmarks.md")
RERUN = "bash bench/run.sh"
# What bench_gpu.py measures per model, in this order (it imports this list).
GPU_VARIANTS = ("host data", "device data", "channels_last", "bf16 autocast", "torch.compile",
                "bare epoch", "Trainer.fit")


# --- formatting helpers ---------------------------------------------------------


def secs(s):
    if s is None:
        return "–"
    if s >= 100:
        return f"{s:.0f} s"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} µs"


def ratio(r):
    """0.27 -> '0.27× (3.7× faster)'."""
    if r is None:
        return "–"
    if abs(r - 1) < 0.05:
        return f"{r:.2f}× (about the same)"
    if r < 1:
        return f"{r:.2f}× ({1 / r:.1f}× faster)"
    return f"{r:.2f}× ({r:.1f}× slower)"


def times(r):
    if r >= 100:
        return f"{r:,.0f}×"
    return f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


def interval(ci, digits=2):
    """A 95% interval of a median as text, or why there is none (``ci`` is None)."""
    if ci is None:
        return "too few samples for a 95% interval"
    return f"95% interval {ci[0]:.{digits}f}×–{ci[1]:.{digits}f}×"


def verdict(t):
    """PASS or FAIL; a target measured with a 95% interval of its median (``ci95``) passes
    or fails only where the whole interval lies on one side of its limit, else UNCLEAR."""
    if "ci95" not in t:
        return "PASS" if t["pass"] else "FAIL"
    ci = t["ci95"]
    if ci is not None and ci[1] <= t["limit"]:
        return "PASS"
    if ci is not None and ci[0] > t["limit"]:
        return "FAIL"
    return f"UNCLEAR: {interval(ci, digits=3)}"   # enough digits to show it straddle the limit


def table(header, rows, markdown):
    rows = [[str(c) for c in row] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*header), fmt.format(*("-" * w for w in widths))]
                     + [fmt.format(*row) for row in rows])


# --- content ------------------------------------------------------------------------


def machine_line(m):
    env = m.get("bench_env", {})
    course = m.get("course_env", {}) or {}
    load = m.get("loadavg_start")
    return (f"{m.get('cpu_model')}, {m.get('cores')} cores ({m.get('usable_cores')} usable), "
            f"{m.get('memory_gib')} GiB; Python {m.get('python')}; "
            f"bench env: torch {env.get('torch')}, torchvision {env.get('torchvision')}, "
            f"d2l {env.get('d2l')}; course env: torch {course.get('torch') or '–'}; "
            f"{m.get('torch_threads')} torch threads; load average at start "
            + (" / ".join(f"{x:.1f}" for x in load) if load else "–"))


def all_targets(result):
    out = []
    for name in ("trainer", "firstfit", "notebooks"):
        part = result.get("parts", {}).get(name, {})
        out += part.get("targets", [])
    return out


def headline(result, markdown):
    parts = result.get("parts", {})
    lines = []
    tr = parts.get("trainer", {})
    if "lenet" in tr:
        r = tr["lenet"]["ratios"]
        threads = result.get("machine_of", {}).get("trainer", result.get("machine", {})).get(
            "torch_threads")
        # (the ratios a line quotes, the line); older result files lack the later ones
        for keys, text in [
            (["d2lmini / d2l shipped (nw=4)"],
             "LeNet epoch, d2lmini vs d2l as shipped (num_workers=4): {}"),
            (["d2lmini / d2l (nw=0)"], "LeNet epoch, d2lmini vs d2l with num_workers=0: {}"),
            (["d2lmini / PyTorch floor", "PyTorch floor / d2l shipped (nw=4)"],
             "LeNet epoch, d2lmini vs a bare PyTorch loop over ready-made batches "
             "(the floor): {}; that floor vs d2l as shipped: {}"),
            (["d2lmini / d2l shipped, both 1 thread"],
             "LeNet epoch, both under torch.set_num_threads(1): d2lmini vs d2l as shipped {}"),
            (["d2lmini 1 thread / d2lmini default"],
             f"LeNet epoch, d2lmini with 1 torch thread vs the default ({threads}): {{}}"),
        ]:
            if all(key in r for key in keys):
                lines.append(text.format(*(ratio(r[key]) for key in keys)))
    if "resnet18" in tr:
        r = tr["resnet18"]["ratios"]["d2lmini / d2l shipped (nw=4)"]
        n = tr["settings"]["resnet18"]["n_train"]
        lines.append(f"ResNet-18 epoch (96 px, {n:,} images), d2lmini vs d2l: {ratio(r)}")
    if "data_only" in tr:
        r = tr["data_only"]["ratios"]
        n = tr["settings"]["lenet"]["n_train"]
        lines.append(f"Data only, {n:,} images at 28 px: d2lmini vs d2l (num_workers=4) "
                     f"{ratio(r['d2lmini / d2l nw4 (28px)'])}; at 96 px "
                     f"{ratio(r['d2lmini / d2l nw4 (96px)'])}")
    conv = parts.get("conv", {})
    for row in conv.get("rows", []):
        if row["op"] == "corr2d" and row["input"] == "224×224":
            loop = row["ratio_vs_baseline"]["loop (d2lmini.corr2d)"]
            vec = row["ratio_vs_baseline"]["vectorized (d2lmini.corr2d_vectorized)"]
            lines.append(f"corr2d on 224×224 (3×3): Python loops take {times(loop)} "
                         f"the time of F.conv2d, unfold+einsum {times(vec)}")
    ff = parts.get("firstfit", {})
    if "median" in ff:
        m = ff["median"]["first"]
        lines.append(f"First Trainer.fit in a fresh kernel, one LeNet epoch: "
                     f"{ratio(m['ratio'])} the bare loop ({m['extra_s']:+.2f} s), "
                     f"{m['vs_goal']:.3f}× its goal "
                     f"({interval(ff['targets'][0]['ci95'], digits=3)}); "
                     f"warm: {ratio(ff['median']['warm']['ratio'])}")
    nb = parts.get("notebooks", {})
    if "nbval" in nb:
        lines.append(f"All notebooks under nbval (quick budget): {secs(nb['nbval']['wall_s'])}")
    if "book" in nb:
        b = nb["book"]["builds"]
        lines.append(f"Book build: {secs(b[0]['wall_s'])} from scratch, "
                     f"{secs(b[-1]['wall_s'])} with nothing changed")
    bullet = "* " if markdown else "  "
    return "\n".join(bullet + line for line in lines)


def floor_note(tr):
    """What the floor contender says about the LeNet targets, or ''."""
    r = tr.get("lenet", {}).get("ratios", {})
    if "d2lmini / PyTorch floor" not in r:
        return ""
    mini, floor = r["d2lmini / PyTorch floor"], r["PyTorch floor / d2l shipped (nw=4)"]
    note = (f"What is left: d2lmini's epoch takes {mini:.2f}× the time of the bare loop, so "
            f"its loader, metrics, checks and figure cost {max(mini - 1, 0) * 100:.0f}% on "
            f"top of the model's own forward and backward passes (ratios below ~1.05 are "
            f"within this machine's noise). The bare loop itself takes {floor:.2f}× the time "
            f"of d2l as shipped")
    if floor > 0.25:
        note += (", so on this machine the ≤ 1/4 target is out of reach for any library "
                 "that runs the same model in the same float32 arithmetic: what d2lmini "
                 "could still remove is the gap to the floor, not more.")
    else:
        note += "."
    return note


def targets_table(result, markdown):
    rows = []
    for t in all_targets(result):
        # older result files have no unit: their ratio limits are below 1, the others minutes
        is_ratio = t.get("unit", "ratio" if t["limit"] < 1 else "minutes") == "ratio"
        value = f"{t['value']:.2f}×" if is_ratio else secs(t["value"])
        limit = f"≤ {t['limit']:.2f}×" if is_ratio else f"< {t['limit'] / 60:g} min"
        rows.append([t["name"], value, limit, verdict(t)])
    return table(["target", "measured", "limit", "result"], rows, markdown) if rows else ""


def trainer_tables(tr, markdown):
    out = []
    s = tr.get("settings", {})
    for key, title, base in (("lenet", "LeNet, 28 px, {n_train:,} training + {n_val:,} "
                              "validation images", "d2l (shipped, nw=4)"),
                             ("resnet18", "ResNet-18, 96 px, {n_train:,} training + {n_val:,} "
                              "validation images", "d2l (shipped, nw=4)")):
        if key not in tr:
            continue
        rows = []
        contenders = tr[key]["contenders"]
        for name, c in contenders.items():
            rel = c["median_s"] / contenders[base]["median_s"]
            rows.append([name, secs(c["median_s"]), f"{secs(c['min_s'])} – {secs(c['max_s'])}",
                         f"{c.get('val_acc', float('nan')):.3f}",
                         "1.00×" if name == base else f"{rel:.2f}×"])
        t = title.format(**s.get(key, {}))
        out.append(f"{t}; one epoch (train + validation), batch {s.get('batch_size')}, SGD lr "
                   f"{s.get(key, {}).get('lr')}:")
        out.append(table(["contender", "median", "min – max", "val acc",
                          "vs d2l shipped (medians)"], rows, markdown))
        out.append("Paired ratios (median over rounds of the ratio within a round): "
                   + "; ".join(f"{k} = {v:.2f}×" for k, v in tr[key]["ratios"].items()))
    if "data_only" in tr:
        rows = [[name, secs(c["median_s"]), f"{secs(c['min_s'])} – {secs(c['max_s'])}"]
                for name, c in tr["data_only"]["contenders"].items()]
        out.append(f"Data only: one pass over the {s.get('lenet', {}).get('n_train', 60000):,} "
                   "training images, no model "
                   "(nw = d2l's DataLoader num_workers):")
        out.append(table(["loader", "median", "min – max"], rows, markdown))
        out.append("Paired ratios: " + "; ".join(
            f"{k} = {v:.2f}×" for k, v in tr["data_only"]["ratios"].items()))
    if "load_seconds" in tr:
        ls = tr["load_seconds"]
        out.append(f"Building the data module (read the files, not timed above): d2l "
                   f"{secs(ls['d2l'])}, d2lmini {secs(ls['d2lmini'])}.")
    return out


def first_fit_tables(ff, markdown):
    s, goal, m = ff["settings"], ff["settings"]["goal"], ff["median"]

    def row(label, first, warm):
        return [label, secs(first["fit_s"]), secs(first["loop_s"]), f"{first['ratio']:.3f}×",
                f"{first['extra_s']:+.2f} s", f"{first['vs_goal']:.3f}×",
                f"{first['cpu_ratio']:.2f}×", f"{warm['ratio']:.3f}×"]
    rows = [row(str(r["round"]), r["first"], r["warm"]) for r in ff["rounds"]]
    rows.append(row("median", m["first"], m["warm"]))
    spread = f"{interval(ff['targets'][0]['ci95'], digits=3)} over its {len(ff['rounds'])} rounds"
    room = (goal["factor"] - 1) * m["first"]["loop_s"] + goal["seconds"]   # at the median loop

    def seconds_or_none(x):   # the loop has no loader and no epoch end
        return secs(x) if x else "–"
    parts = [[part, *(cell for when in ("first", "warm") for cell in (
                 secs(m[when]["parts"][part]["fit_s"]),
                 seconds_or_none(m[when]["parts"][part]["loop_s"]),
                 f"{m[when]['parts'][part]['extra_s']:+.3f} s"))]
             for part in m["first"]["parts"]]
    return [
        f"LeNet, 28 px, {s['n_train']:,} training + {s['n_val']:,} validation images, batch "
        f"{s['batch_size']}, SGD lr {s['lr']}, {s['torch_threads']} torch thread(s); goal: "
        f"first fit ≤ {goal['factor']}× the loop + {goal['seconds']} s. One fresh process "
        f"per round:",
        table(["round", "first fit", "loop beside it", "fit / loop", "fit − loop", "fit / goal",
               "CPU time fit / loop", "warm fit / loop"], rows, markdown),
        f"The median round's first fit is {m['first']['vs_goal']:.3f}× its goal; {spread}. "
        f"The goal's {goal['seconds']} s is fixed, so a slower machine leaves more room: at "
        f"the median loop ({secs(m['first']['loop_s'])}) it allows the fit {room:+.2f} s over "
        f"the loop, and the median first fit took {m['first']['extra_s']:+.2f} s.",
        "Where the fit's extra time goes, part by part against the loop's same part (medians "
        "over rounds; *fit − loop* is the median of the differences within each round). "
        "The loop's batches were cut and converted before the clock, so the fit's loader "
        "has nothing to set against:",
        table(["part", "first fit", "loop", "fit − loop", "warm fit", "loop", "fit − loop"],
              parts, markdown),
    ]


def gpu_table(g, markdown):
    present = {v for r in g["rows"] for v in r["variants"]}
    variants = [v for v in GPU_VARIANTS if v in present] + sorted(present - set(GPU_VARIANTS))
    trainer_vs_bare = {"Trainer.fit", "bare epoch"} <= present
    rows = []
    for r in g["rows"]:
        base = r["variants"].get("host data", {}).get("examples_per_s")
        cells = []
        for v in variants:
            m = r["variants"].get(v)
            if m is None:
                cells.append("–")
                continue
            cell = f"{m['examples_per_s']:,.0f}"
            if base and v != "host data":
                cell += f" ({m['examples_per_s'] / base:.2f}×)"
            if m.get("compile_s"):
                cell += f", compile {secs(m['compile_s'])}"
            cells.append(cell)
        if trainer_vs_bare:
            fit, bare = (r["variants"].get(v, {}).get("examples_per_s") for v in
                         ("Trainer.fit", "bare epoch"))
            cells.append(f"{fit / bare:.2f}×" if fit and bare else "–")
        published = r.get("published_examples_per_s")
        rows.append([r["model"], f"{r['size']} px", *cells,
                     f"{published:,}" if published else "–"])
    extra = ["Trainer.fit / bare epoch"] if trainer_vs_bare else []
    return table(["model", "input", *variants, *extra, "d2l 0.17.5"], rows, markdown)


def conv_table(conv, markdown):
    rows = []
    for row in conv["rows"]:
        for impl, s in row["seconds_per_call"].items():
            rows.append([row["op"], row["input"], row["kernel"], impl, secs(s),
                         times(row["ratio_vs_baseline"][impl])])
    return table(["op", "input", "window", "implementation", "per call",
                  "vs PyTorch"], rows, markdown)


def notebook_tables(nb, markdown):
    out = []
    if "nbval" in nb:
        v = nb["nbval"]
        rows = [[name, secs(e["seconds"]), e["cells"], e["failed"],
                 e.get("returncode", "–")]
                for name, e in v["per_notebook"].items()]
        rows.append(["**total (wall)**" if markdown else "total (wall)", secs(v["wall_s"]),
                     sum(e["cells"] for e in v["per_notebook"].values()),
                     sum(e["failed"] for e in v["per_notebook"].values()), ""])
        missing = sorted(set(v.get("notebooks_found", [])) - set(v["per_notebook"]))
        out.append(f"nbval (`{v['command']}`), exit code {v['returncode']}:")
        out.append(table(["notebook", "time", "cells", "failed cells", "exit code"], rows,
                         markdown))
        if missing:
            out.append(f"Not run (the {secs(v.get('budget_s'))} budget of --timeout was spent): "
                       + ", ".join(missing))
    if "book" in nb:
        rows = [[b["kind"], secs(b["wall_s"]), b["returncode"]] for b in nb["book"]["builds"]]
        out.append(f"Book build (`{nb['book']['command']}`, into a scratch folder):")
        out.append(table(["build", "time", "exit code"], rows, markdown))
    return out


def text(result):
    parts = result.get("parts", {})
    out = ["", "Benchmarks: " + machine_line(result.get("machine", {})), "",
           "HEADLINE (ratios measured side by side, interleaved, medians)",
           headline(result, False), ""]
    t = targets_table(result, False)
    if t:
        out += ["TARGETS", t, ""]
    if "trainer" in parts:
        out += ["1. TRAINER vs d2l 1.0.3"] + trainer_tables(parts["trainer"], False) + [""]
    if "conv" in parts:
        out += ["2. CONVOLUTION AND POOLING (per call)", conv_table(parts["conv"], False), ""]
    if "notebooks" in parts:
        out += ["3. NOTEBOOKS AND BOOK"] + notebook_tables(parts["notebooks"], False) + [""]
    if "firstfit" in parts:
        out += ["5. THE FIRST FIT IN A FRESH KERNEL"] + first_fit_tables(parts["firstfit"], False)
    if "gpu" in parts:
        g = parts["gpu"]
        out += ["4. GPU (examples/s)", gpu_table(g, False) if "rows" in g else g.get("skipped"), ""]
    return "\n".join(x for x in out if x is not None)


def add_older_parts(result, path):
    """Parts this run did not measure, taken from the newest older result that has them.

    Returns [(part, file, when measured)] for the page to say what is older.
    """
    older = []
    for other in reversed(by_date("results")):
        if os.path.abspath(other) == os.path.abspath(path):
            continue
        other_result = load(other)
        for name, part in other_result.get("parts", {}).items():
            if name not in result["parts"]:
                result["parts"][name] = part
                result.setdefault("machine_of", {})[name] = other_result.get("machine", {})
                older.append((name, os.path.relpath(other, REPO), part.get("measured", "?")))
    return older


def markdown(result, source, gpu=None, gpu_source=None, older=()):
    parts = result.get("parts", {})
    m = result.get("machine", {})
    s = parts.get("trainer", {}).get("settings", {})
    repeats = s.get("repeats", "several")
    out = [
        "# Benchmarks",
        "",
        "How fast is the book's helper package `d2lmini` compared with the real `d2l` "
        "package (release 1.0.3) that d2l.ai's code imports, and how slow are the "
        "hand-written convolutions of chapter 7 next to PyTorch's? The numbers below are "
        "generated by `bench/report.py` from the newest file in `bench/results/` "
        f"(`{source}`); do not edit this page by hand.",
        "",
        "## The machine",
        "",
        machine_line(m) + ".",
        "",
    ]
    for name, other in sorted(result.get("machine_of", {}).items()):
        out += [f"Part `{name}` (an older run): {machine_line(other)}.", ""]
    out += [
        "Such machines are often shared, so absolute times drift from minute to minute. "
        "Every comparison therefore runs its contenders interleaved in the same rounds "
        f"({repeats} rounds, the order rotating each round) and reports medians; the "
        "headline numbers are **ratios** measured side by side, which survive a busy "
        "machine far better than seconds do.",
        "",
    ]
    if older:
        out += ["```{note}",
                "Not re-measured in this run: "
                + "; ".join(f"part `{name}` is from `{where}` (measured {when})"
                            for name, where, when in older)
                + ". Those numbers come from the code as it was then.",
                "```", ""]
    load = (m.get("loadavg_start") or [0])[0]
    if load > (m.get("cores") or 1):
        out += [
            "```{warning}",
            f"This run was made on an oversubscribed machine (load average {load:.0f} on "
            f"{m.get('cores')} cores). Then every PyTorch operation that uses more than one "
            "thread waits for its other threads to be scheduled (OpenMP threads spin while "
            "they wait), so times with the default thread count are several times longer "
            "than with `torch.set_num_threads(1)`, and the rows run with one thread are the "
            "fairer comparison of the code itself.",
            "```",
            "",
        ]
    out += [
        "## Headline",
        "",
        headline(result, True),
        "",
    ]
    t = targets_table(result, True)
    if t:
        out += ["## Targets", "", t, ""]
    if "trainer" in parts:
        tr = parts["trainer"]
        emu = s.get("notebook_emulation")
        out += [
            "## 1. `d2lmini.Trainer` against `d2l.Trainer`",
            "",
            "Both libraries train the same model code (d2l's `LeNet`; d2l §8.6's ResNet-18, "
            "which the d2l package does not ship, on each library's `Classifier`) with their "
            "own `Trainer` and `FashionMNIST`, the same SGD learning rate and batch size, for "
            "one epoch: training plus the validation pass, timed around `trainer.fit`. Both "
            "run in one process under the same torch build. Validation accuracy is measured "
            "afterwards by one shared function on the same images, to show both did the same "
            "work. LeNet uses learning rate "
            f"{s.get('lenet', {}).get('lr')} so one epoch learns something (d2l's 0.1 stays "
            "at chance after one epoch; the time does not depend on it).",
            "",
            "*d2l as shipped*: `FashionMNIST` is torchvision's dataset with per-image PIL "
            "resizing behind a `DataLoader` with `num_workers=4`; the `ProgressBoard` redraws "
            "its SVG figure during training. "
            + ("As in a notebook, the figures are really rendered (an IPython shell formats "
               "them; only the browser's part is missing); d2lmini's once-per-epoch PNG is "
               "rendered the same way. " if emu else "")
            + "*No drawing* sets `model.board.display = False` (d2l's own switch). "
            "*nw=0* sets the loader's `num_workers` to 0. *1 thread* runs the epoch under "
            "`torch.set_num_threads(1)` (DataLoader workers always use one thread each). "
            "*PyTorch loop (floor)* is the same epoch written as a bare loop over batches "
            "cut before the clock starts: forward, loss, backward and SGD step, then the "
            "validation forward passes; no trainer, loader, metrics or figure. No library "
            "can train this model faster on this machine without changing its arithmetic.",
            "",
        ]
        floor = floor_note(tr)
        if floor:
            out += [floor, ""]
        reduced = []
        if s.get("lenet", {}).get("n_train", 60000) != 60000:
            reduced.append(f"LeNet on {s['lenet']['n_train']:,} training and "
                           f"{s['lenet']['n_val']:,} validation images instead of all 70,000")
        if s.get("resnet18", {}).get("n_train", 2000) != 2000:
            reduced.append(f"ResNet-18 on {s['resnet18']['n_train']:,} training images "
                           "instead of 2,000")
        if reduced:
            out += ["```{note}",
                    "This run was made smaller to fit a busy machine: " + "; ".join(reduced)
                    + ". d2l's fixed costs (starting four loader workers per loader) then "
                    "weigh more than in a full epoch, so its ratios favour d2lmini somewhat.",
                    "```", ""]
        out += [x + "\n" for x in trainer_tables(tr, True)]
    if "conv" in parts:
        out += [
            "## 2. Convolution and pooling by hand",
            "",
            "Median time per call of chapter 7's reference implementations and PyTorch's "
            "kernels on one single-channel image (all agree to 1e-4 first). `pool2d` uses "
            "stride 1 as d2l's does, and so do the PyTorch calls it is compared with.",
            "",
            conv_table(parts["conv"], True),
            "",
        ]
    if "notebooks" in parts:
        out += ["## 3. The notebooks and the book", "",
                "The notebook suite as `scripts/test.sh` runs it (nbval, quick budget), here "
                "one notebook at a time so each gets its own wall time, kernel start "
                "included; and the book build, which does not execute the notebooks.", ""]
        out += [x + "\n" for x in notebook_tables(parts["notebooks"], True)]
    g, where = (parts["gpu"], "this run") if "gpu" in parts else (gpu, gpu_source)
    out += ["## 4. GPU", ""]
    if g is None:
        out += ["Not measured yet: part 4 needs a CUDA GPU (`bash bench/run.sh --gpu`). "
                "It times each chapter-8 model at d2l's input size with each speed-up on and "
                "off (data kept on the GPU, channels_last, bf16 autocast, `torch.compile`) and "
                "one epoch of `Trainer.fit`, next to the examples/s d2l 0.17.5 printed.", ""]
    elif "rows" in g:
        if where != "this run":
            out += [f"Measured apart from the parts above, by `bench/bench_gpu.py` "
                    f"(`{where}`). A dash marks a variant that run did not measure.", ""]
        out += [f"Training examples per second on {g['device']} (torch {g.get('torch')}), "
                f"batch {g.get('batch_size')}, {g.get('steps')} timed steps after "
                f"{g.get('warmup')} warm-up steps, each model at d2l's input size. Each "
                "variant changes one thing against *host data* (batches prepared on the "
                "CPU and copied each step); the ratio to it is in parentheses. "
                + ("*bare epoch* is a plain PyTorch loop doing one epoch of training and the "
                   "validation pass; *Trainer.fit* is one epoch of the course's `Trainer` doing "
                   "the same work (goal: at least 0.9× the bare epoch). "
                   if any("bare epoch" in r["variants"] for r in g["rows"]) else
                   "*Trainer.fit* is one epoch of the course's `Trainer` (validation included); "
                   "this run has no *bare epoch* to set it against. ")
                + "*d2l 0.17.5* is what d2l printed on its GPU.", "",
                gpu_table(g, True), ""]
    else:
        out += [g.get("skipped", "not measured"), ""]
    if "firstfit" in parts:
        out += [
            "## 5. The first fit in a fresh kernel", "",
            "A student's first training cell in a new kernel pays for everything the fit "
            "does once (its imports, the first figure). Each round starts one fresh process "
            "of the course's Python, which acts as a Jupyter kernel, so the fit shows its log "
            "and draws its curves as in a notebook (in a kernel, `import d2lmini` starts "
            "importing matplotlib in the background, as the set-up cell of every page does "
            "long before its first training cell). Before any clock starts, it has imported "
            "torch and d2lmini, loaded the data, and taken an SGD step and a validation pass "
            "over every batch shape of the epoch (the loop's own one-time work). Then it trains "
            "one epoch with `d2l.Trainer(max_epochs=1).fit`, its first, and a bare PyTorch "
            "loop beside it on the same batches with its own copy of the model (both models "
            "are built before the clock starts): a callback "
            "takes one step of the loop (forward, loss, backward, SGD step) after each of the "
            "fit's odd-numbered steps, and before each even-numbered one (once the fit's "
            "loader has cut its batch), so each contender runs second, finding the other's "
            "code and memory warm, half the time; when the fit's validation begins, it runs "
            "the loop's (the forward passes). The loop's pieces are timed and taken off the "
            "fit's wall time. A "
            "second fit in the same process, beside the loop the same way, gives the warm "
            "ratio. This "
            "machine's speed drifts by ±20% from one minute to the next, so two epochs run "
            "one after the other do not see the same machine; steps a few milliseconds apart "
            "do. The verdict takes the whole distribution-free 95% interval of the median "
            "over rounds: PASS only where all of it is under the goal. *CPU time* is the "
            "process's CPU seconds (all threads) in each contender's pieces.", ""]
        out += [x + "\n" for x in first_fit_tables(parts["firstfit"], True)]
    out += [
        "## Re-running",
        "",
        "From the repository root:",
        "",
        "```bash",
        f"{RERUN}                        # everything; writes bench/results/<machine>-<date>.json",
        f"{RERUN} --only trainer,conv    # skip the notebook suite",
        f"{RERUN} --repeats 5            # more rounds on a noisy machine",
        f"{RERUN} --gpu                  # also examples/s per chapter-8 model on a CUDA GPU",
        "```",
        "",
        "The first run creates `bench/.venv-d2l` (torch, torchvision, `d2l==1.0.3` installed "
        "without its outdated pins, and `d2lmini`; several GB) and prepares d2l's `../data` "
        "folder from the local Fashion-MNIST files, so nothing is downloaded from the "
        "dataset's servers. The run ends by regenerating this page "
        "(`python bench/report.py`). The benchmark is not part of the test suite.",
        "",
    ]
    return "\n".join(out)


def by_date(folder):
    """The result files in ``bench/<folder>``, oldest first, by the date in their names
    (``<machine>-<date>.json``), not their mtimes: a fresh clone gives every file the
    same mtime, and the page must come out the same there."""
    return sorted(glob.glob(os.path.join(HERE, folder, "*.json")),
                  key=lambda f: (re.findall(r"\d{4}-\d{2}-\d{2}", os.path.basename(f)), f))


def newest(folder="results"):
    files = by_date(folder)
    if not files and folder == "results":
        raise SystemExit("report: no bench/results/*.json yet; run bash bench/run.sh first")
    return files[-1] if files else None


def write_whole(path, text):
    """Write ``text`` to ``path`` whole or not at all (through ``path.part``, then a rename)."""
    with open(path + ".part", "w") as f:
        f.write(text)
    os.replace(path + ".part", path)


def load(path):
    with open(path) as f:
        return json.load(f)


def main(argv):
    only_print = "--print" in argv
    paths = [a for a in argv if not a.startswith("--")]
    path = paths[0] if paths else newest()
    result = load(path)
    older = add_older_parts(result, path)
    if only_print:
        print(text(result))
        return 0
    # A run without a GPU part shows the newest GPU-only run (bench_gpu.py's result).
    gpu_path = paths[1] if len(paths) > 1 else newest(os.path.join("results", "gpu"))
    gpu = load(gpu_path) if gpu_path else None
    page = markdown(result, os.path.relpath(path, REPO), gpu,
                    gpu_path and os.path.relpath(gpu_path, REPO), older)
    write_whole(PAGE, page)   # a report that fails leaves the old page as it was
    print(f"report: wrote {os.path.relpath(PAGE, REPO)} from {os.path.relpath(path, REPO)}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
