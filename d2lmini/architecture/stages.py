"""What a whole model is made of: its stages, its head, what each block holds.

d2l draws its networks as stages: LeNet's two convolution blocks and its
dense head (Fig 7.6.1), AlexNet beside LeNet (Fig 8.1.2), VGG's blocks
beside AlexNet's layers (Fig 8.2.1), NiN beside VGG (Fig 8.3.1),
GoogLeNet's ``b1`` ... ``b5`` (Fig 8.4.2), ResNet's stages (Fig 8.6.4).
`split_stages` finds them in the top level of a `graph` whose layers run
one after another:

* the **head** starts at the first Flatten, global pooling or dense layer
  (or a block that starts with one, such as ResNet's ``last``);
* before it, a **stage** ends after each pooling layer, and a block is a
  stage of its own unless a pooling layer follows it (NiN: block, pool);
* an activation or dropout never starts a stage or a box: it is drawn in
  the box of the layer before it ("Conv2d 96, 11×11, stride 4 · ReLU").

`annotate` adds to every block what it holds ('2 Residual blocks, 128
channels') and its residual connections; `summary` says where the
parameters and the MACs are ('dense head: 92.0 % of parameters, 4.6 % of
MACs').
"""
from torch import nn

from .labels import brief, human, percent

__all__ = ["split_stages", "summary", "annotate"]

_METRICS = {"params": "parameters", "macs": "MACs"}
_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)


# ---------------------------------------------------------------- blocks

def _numbers(node):
    return f"{human(node['params'])} params · {human(node['macs'])} MACs"


def _has_skip(level):
    """Whether the level adds its input (or its input through one layer, a 1×1 conv) to the
    output of a longer path: a residual connection."""
    inputs = [i for i, n in enumerate(level["nodes"]) if n["kind"] == "input"]
    feeds = {}
    for a, b in level["edges"]:
        feeds.setdefault(b, []).append(a)
    near = set(inputs) | {b for b, sources in feeds.items()
                          if sources and all(a in inputs for a in sources)
                          and level["nodes"][b]["kind"] == "module"}
    return any(n["kind"] == "function" and n["name"] == "add" and len(set(feeds.get(i, ()))) > 1
               and any(a in near for a in feeds[i]) and any(a not in inputs for a in feeds[i])
               for i, n in enumerate(level["nodes"]))


def _contents(level, module):
    """'2× conv 3×3, max-pool 2×2, 256 channels', '2 Residual blocks, 128 channels'."""
    runs = []  # [text, count, is a block of the model's own class]
    for n in level["nodes"]:
        if n["kind"] != "module" or n.get("elementwise") or n["type"] == "Flatten":
            continue
        sub = module.get_submodule(n["name"]) if n["name"] else module
        text, own = brief(sub, n["shape"]), not type(sub).__module__.startswith("torch.")
        if runs and runs[-1][0] == text:
            runs[-1][1] += 1
        else:
            runs.append([text, 1, own])
    parts = [f"{k} {text} block{'s' * (k != 1)}" if own else (f"{k}× {text}" if k > 1 else text)
             for text, k, own in runs]
    out = next((n["shape"] for n in level["nodes"] if n["kind"] == "output"), None)
    if out and not isinstance(out[0], list) and len(out) >= 3:
        parts.append(f"{out[1]} channels")
    return ", ".join(parts)


def annotate(graphs, modules):
    """Add ``numbers`` ('11.7K params · 105.4M MACs') to every node that has any; to every
    block that opens, ``skips`` (its residual connections) and, for a container such as
    ``nn.Sequential`` (a custom block's class name says what it is), ``contents``, which
    also names its level ('b3: 2 Inception blocks, max-pool 3×3, 480 channels').
    ``modules``: key -> the module of each level."""
    for level in graphs.values():
        for n in level["nodes"]:
            if n["params"] or n["macs"]:
                n["numbers"] = _numbers(n)
            if "block" not in n:
                continue
            key, inner = n["block"], graphs[n["block"]]
            if isinstance(modules[key], _CONTAINERS):
                n["contents"] = _contents(inner, modules[key])
                inner["label"] = f"{key}: {n['contents']}"
            n["skips"] = 1 if _has_skip(inner) else sum(
                _has_skip(graphs[m["block"]]) for m in inner["nodes"] if "block" in m)


# ---------------------------------------------------------------- stages

def _is_chain(level):
    n = len(level["nodes"])
    return n >= 3 and level["edges"] == [[i, i + 1] for i in range(n - 1)]


def _global(node):
    shape = node["shape"]
    return "Adaptive" in node["type"] and bool(shape) and not isinstance(shape[0], list) \
        and len(shape) > 2 and all(s == 1 for s in shape[2:])


def _starts_head(node, graphs):
    if node["kind"] != "module":
        return False
    if "block" in node:
        inner = [m for m in graphs[node["block"]]["nodes"]
                 if m["kind"] == "module" and not m.get("elementwise")]
        return bool(inner) and _starts_head(inner[0], graphs)
    return node["type"] in ("Flatten", "Linear") or _global(node)


def _is_pool(node):
    return node["kind"] == "module" and "Pool" in node["type"] and "block" not in node


def _is_block(node):
    return "block" in node or "closed" in node


def _stage(nodes, indices, name, head, level):
    boxes = []
    for i in indices:
        n = nodes[i]
        if boxes and n.get("elementwise") and n["shape"] == nodes[boxes[-1][0]]["shape"]:
            boxes[-1][1].append(i)
        else:
            boxes.append([i, []])
    totals = {m: sum(nodes[i][m] for i in indices) for m in _METRICS}
    return {"name": name, "head": head, "nodes": indices, "boxes": boxes, **totals,
            "labels": {m: f"{name} · {percent(totals[m], level[m])} of {word}"
                       for m, word in _METRICS.items()}}


def split_stages(graphs):
    """The stages of the top level ``graphs[""]`` when its nodes run one after another
    (else ``[]``): ``[{"name": "stage 1" or the block's name ("b3"), "head": False,
    "nodes": [indices], "boxes": [[index, [indices of the activations drawn in its box]],
    ...], "params", "macs", "labels": {"params": "stage 1 · 0.3 % of parameters", "macs":
    ...}}, ...]``, the head last (``"name": "head"``)."""
    level = graphs[""]
    if not _is_chain(level):
        return []
    nodes = level["nodes"]
    body = list(range(1, len(nodes) - 1))
    first_head = next((p for p, i in enumerate(body) if _starts_head(nodes[i], graphs)),
                      len(body))
    body, head = body[:first_head], body[first_head:]
    groups, current = [], []
    for p, i in enumerate(body):
        if nodes[i].get("elementwise") and not current and groups:
            groups[-1].append(i)  # an activation after a stage's last layer stays with it
            continue
        current.append(i)
        after = nodes[body[p + 1]] if p + 1 < len(body) else None
        if _is_pool(nodes[i]) or (_is_block(nodes[i]) and not (after and _is_pool(after))):
            groups.append(current)
            current = []
    if current:
        groups.append(current)

    def name(k, group):
        only = [nodes[i] for i in group if not nodes[i].get("elementwise")]
        named = len(only) == 1 and _is_block(only[0]) and not only[0]["name"].isdigit()
        return only[0]["name"] if named else f"stage {k}"

    stages = [_stage(nodes, group, name(k, group), False, level)
              for k, group in enumerate(groups, 1)]
    if head:
        stages.append(_stage(nodes, head, "head", True, level))
    return stages


def _holds(graphs, node, kind):
    """Whether ``node`` is, or holds at any depth, a module of type ``kind``."""
    if node.get("type") == kind:
        return True
    return "block" in node and any(_holds(graphs, m, kind)
                                   for m in graphs[node["block"]]["nodes"])


def summary(graphs, stages):
    """Where a model keeps its parameters and MACs: 'dense head: 92.0 % of parameters, 4.6 %
    of MACs' (AlexNet), 'head (no dense layer): 0.0 % ...' (NiN); '' without a head."""
    level = graphs[""]
    head = next((s for s in stages if s["head"]), None)
    if head is None:
        return ""
    dense = any(_holds(graphs, level["nodes"][i], nn.Linear.__name__) for i in head["nodes"])
    what = "dense head" if dense else "head (no dense layer)"
    return (f"{what}: {percent(head['params'], level['params'])} of parameters, "
            f"{percent(head['macs'], level['macs'])} of MACs")
