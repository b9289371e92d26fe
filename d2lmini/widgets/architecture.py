"""`ArchitectureView`: a model's architecture drawn from its own code (d2l §7.6-§8.6).

Python reads the model with `d2lmini.architecture.graph` (torch.fx, one
level at a time, on a real input) and saves every level: the model and
each block inside it, with output shapes, parameters, MACs and the
``layer_summary`` row of every node, the whole model's stages, and every
sentence the page writes (the status line and caption of each level, the
option of the block menu). The page lays the figure out and draws it: a
whole model as stage bands (two models side by side, stage beside stage,
on one scale), a block as a layered graph; it shows a box's numbers on
hover or focus, opens a block on click or Enter, and switches the bars
between parameters and MACs, all without a kernel.
"""
import json
from numbers import Integral

import torch
import traitlets
from torch import nn

from ..architecture import MAX_DEPTH, comma, graph, human
from ..checks import check_choice
from ._base import CourseWidget

__all__ = ["ArchitectureView", "status_text"]

WIDGET = "ArchitectureView"
MAX_STATE_BYTES = 2_000_000
SIZE_BY = ("params", "macs")


def status_text(title, graphs, block):
    """The status line for level ``block`` of one model."""
    level = graphs[block]
    modules = [n for n in level["nodes"] if n["kind"] == "module"]
    word = "block" if any("block" in n for n in modules) else "layer"
    head = title if block == "" else f"{title} › {block} ({level['type']})"
    text = (f"{head}: {len(modules)} {word}{'' if len(modules) == 1 else 's'}, "
            f"{comma(level['params'])} parameters, {human(level['macs'])} MACs per image")
    if level["note"]:
        text += "\n" + level["note"]
    return text


def _compare_status(left, right):
    return (f"{left['title']} vs {right['title']}: {comma(left['params'])} vs "
            f"{comma(right['params'])} parameters, {human(left['macs'])} vs "
            f"{human(right['macs'])} MACs per image")


_BARS = ("A box's bar is its parameters or its MACs per image (the menu above), on one "
         "scale for the whole figure; its numbers are written on it.")


def _caption(data, block):
    """What the figure of level ``block`` shows, in words (under the figure)."""
    level = data["graphs"][block]
    if block == "" and data["stages"]:
        drawn = (f"the layers and blocks of self.{data['start']} (the model's forward only "
                 f"calls self.{data['start']})" if data["start"] else "the layers and blocks "
                 f"the model's forward calls")
        return (f"Each band is a stage, the head last; each box one of {drawn}, with its output "
                f"shape (channels×height×width, batch left out); an activation or dropout is "
                f"written in the box of the layer before it. {_BARS}")
    return (f"Boxes: the layers, blocks and functions {level['type']}.forward calls, each with "
            f"its output shape (channels×height×width, batch left out); arrows: the data "
            f"flow. {_BARS}")


def _order(graphs):
    """The keys of the levels, the whole model first, each block right after the level it
    is in, in the order of the code (depth first)."""
    order = []

    def visit(key):
        order.append(key)
        for n in graphs[key]["nodes"]:
            child = n.get("block")
            if child in graphs and graphs[child]["parent"] == key and child not in order:
                visit(child)

    visit("")
    return order


def _views(data):
    """[key, menu option, status line, caption] of every level, in `_order`."""
    graphs = data["graphs"]
    return [[key, f"{data['title']} (the whole model)" if key == "" else
             "· " * (key.count(".") + 1) + graphs[key]["label"],
             status_text(data["title"], graphs, key), _caption(data, key)]
            for key in _order(graphs)]


def _check_block(value, state):
    """The level shown: '' (the model) or a block's key such as 'b3.0' (its module path
    '2.0', or an int 3 for '3', names the same block)."""
    models, keys = state["models"], [key for key, *_ in state["views"]]
    if isinstance(value, Integral) and not isinstance(value, bool):
        value = str(int(value))
    if not isinstance(value, str):
        raise TypeError(f"{WIDGET}: block must be a module path such as '2.0' (or '' for the "
                        f"whole model), got {value!r} ({type(value).__name__})")
    graphs = models[0]["graphs"]
    value = next((key for key in keys if graphs[key]["path"] == value), value)
    if value not in keys:
        choices = keys[1:]
        shown = ", ".join(repr(k) for k in choices[:12]) + (", ..." if len(choices) > 12 else "")
        leaf = next((n for level in graphs.values() for n in level["nodes"]
                     if n["kind"] == "module" and _path(level, n) == value), None)
        why = (f"{value!r} is a {leaf['type']} with no layers inside" if leaf
               else f"there is no block {value!r}")
        if len(models) > 1:
            why += "; a comparison shows the two whole models: draw one model to open its blocks"
        raise ValueError(f"{WIDGET}: block must be '' (the whole model) or a block that opens: "
                         f"{shown or 'none'}; {why}")
    return value


def _path(level, node):
    return f"{level['name']}.{node['name']}" if level["name"] else node["name"]


def _check_size_by(value, state):
    return check_choice(value, "size_by", SIZE_BY, fn=WIDGET)


def _read(model, X_shape, max_depth, which=""):
    data = graph(model, X_shape, max_depth=max_depth, fn=WIDGET)
    if which and not data["stages"]:
        raise ValueError(f"{WIDGET}: the {which} model, {data['title']}, cannot be compared "
                         f"stage by stage: its forward does not run its layers and blocks one "
                         f"after another; draw it alone with {WIDGET}(model, X_shape)")
    return data


def _whole(data):
    """The model with only its top level (what a comparison draws)."""
    return {**data, "graphs": {"": data["graphs"][""]}}


class ArchitectureView(CourseWidget):
    """Draw ``model`` on an input of shape ``X_shape`` as an interactive block diagram.

    ``model`` is any ``nn.Module`` (one of the book's, or your own);
    ``X_shape`` is an input shape with the batch size first, e.g.
    ``(1, 1, 96, 96)``. A whole model whose layers and blocks run one
    after another is drawn as stages (each ends with a pooling layer or is a
    block; the head starts at Flatten, global pooling or the first dense
    layer), named as the code names them (GoogLeNet's ``b1`` ... ``b5``:
    its methods that built them). Every box shows its output shape
    (channels × height × width), its parameters and MACs per image, and a
    bar for one of them (``size_by``: ``'params'`` or ``'macs'``, also a
    menu on the page). Hovering or focusing a box shows its
    ``layer_summary`` row; a block with ``▸`` opens on click or Enter.
    ``block`` picks the level shown first: ``''`` for the model, or a block
    such as ``'b3.0'``: GoogLeNet's first Inception block (its module path
    ``'2.0'`` names it too), or ResNet-18's first residual block of stage b3.

    ``compare=(other_model, other_X_shape)`` draws ``other_model`` beside
    ``model``, stage beside stage and head beside head, both on one scale
    (d2l's Figs 8.1.2, 8.2.1, 8.3.1). ``max_depth`` limits how many levels
    of blocks are saved (default 4).

    Each model runs once on zeros in eval mode without gradients (lazy
    layers get their shapes; the train/eval mode is restored). A model
    whose ``forward`` only calls ``self.net`` is drawn from ``net``; a
    ``forward`` that torch.fx cannot trace is drawn as its layers in the
    order they were called, and the status line says so.
    """

    _esm_file = "architecture.js"
    testid = "architecture-view"

    models = traitlets.List().tag(sync=True)
    views = traitlets.List().tag(sync=True)
    block = traitlets.Any("").tag(sync=True, check=_check_block,
                                  valid=("0", 0, ""), invalid=("2", "nope", 2.5, ["0"]))
    size_by = traitlets.Any("params").tag(sync=True, check=_check_size_by,
                                          valid=("macs", "params"), invalid=("flops", 1))

    def __init__(self, model, X_shape=None, block="", *, size_by=None, compare=None,
                 max_depth=MAX_DEPTH):
        if X_shape is None:
            raise TypeError(f"{WIDGET}: pass the input shape too, batch size first, e.g. "
                            f"{WIDGET}(model, (1, 1, 28, 28)) for Fashion-MNIST images")
        if compare is None:
            data = _read(model, X_shape, max_depth)
            models, views = [data], _views(data)
        else:
            if not isinstance(compare, (tuple, list)) or len(compare) != 2:
                raise TypeError(f"{WIDGET}: compare must be (model, X_shape), e.g. "
                                f"compare=(AlexNet(), (1, 1, 224, 224)), got {compare!r:.80}")
            left = _whole(_read(model, X_shape, max_depth, "first"))
            right = _whole(_read(*compare, max_depth, "second"))
            models = [left, right]
            views = [["", f"{left['title']} vs {right['title']}", _compare_status(left, right),
                      f"{left['title']} (left) and {right['title']} (right), stage beside stage "
                      f"and head beside head: a stage ends with a pooling layer or is a block; "
                      f"the head starts at Flatten, global pooling or the first dense layer. "
                      f"Each box is a layer or block with its output shape; an activation or "
                      f"dropout is written in the box of the layer before it. {_BARS}"]]
        size = len(json.dumps(models))
        if size > MAX_STATE_BYTES:
            raise ValueError(f"{WIDGET}: the graph takes {size / 1e6:.1f} MB, more than the "
                             f"{MAX_STATE_BYTES / 1e6:.0f} MB a page may hold; pass a smaller "
                             f"max_depth (now {max_depth})")
        super().__init__(models=models, views=views, block=block, size_by=size_by)

    @classmethod
    def _example(cls, **values):
        """A tiny model (a block, Flatten, Linear) for the tests' samples of ``block``."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            net = nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU()),
                                nn.Flatten(), nn.Linear(32, 3))
        return cls(net, (1, 1, 4, 4), **values)

    # ------------------------------------------------------ Python mirror

    @property
    def title(self):
        """The model's name ('LeNet vs AlexNet' for a comparison)."""
        return " vs ".join(m["title"] for m in self.models)

    def status(self):
        """The status line the page shows for the current ``block``."""
        return self._view()[2]

    def caption(self):
        """The caption the page shows under the figure for the current ``block``."""
        return self._view()[3]

    def level(self, block=None):
        """The saved level (dict of nodes and edges) of ``block`` (default: the one shown)."""
        key = _check_block(self.block if block is None else block,
                           {"models": self.models, "views": self.views})
        return self.models[0]["graphs"][key]

    def _view(self):
        return next(view for view in self.views if view[0] == self.block)

    def _repr_state(self):
        first = self.status().split("\n", 1)[0]
        fallback = self.level()["mode"] == "calls"
        return first + (" (drawn in call order: torch.fx cannot trace it)" if fallback else "")
