"""`ArchitectureView`: a model's architecture drawn from its own code (d2l §7.6-§8.6).

Python reads the model with `d2lmini.architecture.graph` (torch.fx, one
level at a time, on a real input) and saves every level: the model and
each block inside it, with output shapes, parameters, MACs and the
``layer_summary`` row of every node. The page lays each level out as a
layered graph (layer = longest path from the input, so parallel branches
such as Inception's four sit side by side and a residual skip runs beside
its block), shows a node's numbers on hover or focus, and opens a block on
click or Enter, all without a kernel.
"""
import json
from numbers import Integral

import torch
import traitlets
from torch import nn

from ..architecture import MAX_DEPTH, graph
from ._base import CourseWidget

__all__ = ["ArchitectureView", "status_text"]

WIDGET = "ArchitectureView"
MAX_STATE_BYTES = 2_000_000


def _comma(n):
    return f"{n:,}"


def _human(n):
    """1234 -> '1.2K', 770_560_000 -> '770.6M', 7_547_232_256 -> '7.55G' (as the page writes)."""
    if n >= 10 ** 9:
        q = (n + 5 * 10 ** 6) // 10 ** 7
        return f"{q // 100}.{q % 100:02d}G"
    for unit, size in (("M", 10 ** 6), ("K", 10 ** 3)):
        if n >= size:
            q = (n + size // 20) // (size // 10)
            return f"{q // 10}.{q % 10}{unit}"
    return str(n)


def status_text(title, graphs, block):
    """The page's status line for level ``block`` (the same text, computed in Python)."""
    level = graphs[block]
    modules = [n for n in level["nodes"] if n["kind"] == "module"]
    word = "block" if any("block" in n for n in modules) else "layer"
    head = title if block == "" else f"{title} › {block} ({level['type']})"
    text = (f"{head}: {len(modules)} {word}{'' if len(modules) == 1 else 's'}, "
            f"{_comma(level['params'])} parameters, {_human(level['macs'])} MACs per image")
    if level["note"]:
        text += "\n" + level["note"]
    return text


def _check_block(value, state):
    """The level shown: '' (the model) or a block's module path such as '2.0' (int: '3')."""
    graphs = state["graphs"]
    if isinstance(value, Integral) and not isinstance(value, bool):
        value = str(int(value))
    if not isinstance(value, str):
        raise TypeError(f"{WIDGET}: block must be a module path such as '2.0' (or '' for the "
                        f"whole model), got {value!r} ({type(value).__name__})")
    if value not in graphs:
        choices = [key for key in graphs if key]
        shown = ", ".join(repr(k) for k in choices[:12]) + (", ..." if len(choices) > 12 else "")
        leaf = next((n for level in graphs.values() for n in level["nodes"]
                     if n["kind"] == "module" and _path(level, n) == value), None)
        why = (f"{value!r} is a {leaf['type']} with no layers inside" if leaf
               else f"there is no block {value!r}")
        raise ValueError(f"{WIDGET}: block must be '' (the whole model) or a block that opens: "
                         f"{shown or 'none'}; {why}")
    return value


def _path(level, node):
    return f"{level['name']}.{node['name']}" if level["name"] else node["name"]


class ArchitectureView(CourseWidget):
    """Draw ``model`` on an input of shape ``X_shape`` as an interactive block diagram.

    ``model`` is any ``nn.Module`` (one of the book's, or your own);
    ``X_shape`` is an input shape with the batch size first, e.g.
    ``(1, 1, 96, 96)``. Each box is a layer, block or function the
    ``forward`` calls, with its output shape (channels × height × width);
    hovering or focusing a box shows its ``layer_summary`` row, parameters
    and multiply-accumulates; a block with ``▸`` opens on click or Enter
    (the path above the figure goes back up). ``block`` picks the level
    shown first: ``''`` for the model, or a module path such as ``'2.0'``
    (``GoogleNet``'s first Inception block) or ``'b3.0'`` (ResNet-18).
    ``max_depth`` limits how many levels of blocks are saved (default 4).

    The model runs once on zeros in eval mode without gradients (lazy
    layers get their shapes; the train/eval mode is restored). A model
    whose ``forward`` only calls ``self.net`` is drawn from ``net``; a
    ``forward`` that torch.fx cannot trace is drawn as its layers in the
    order they were called, and the status line says so.
    """

    _esm_file = "architecture.js"
    testid = "architecture-view"

    title = traitlets.Unicode().tag(sync=True)
    start = traitlets.Unicode().tag(sync=True)
    graphs = traitlets.Dict().tag(sync=True)
    block = traitlets.Any("").tag(sync=True, check=_check_block,
                                  valid=("0", 0, ""), invalid=("2", "nope", 2.5, ["0"]))

    def __init__(self, model, X_shape=None, block="", *, max_depth=MAX_DEPTH):
        if X_shape is None:
            raise TypeError(f"{WIDGET}: pass the input shape too, batch size first, e.g. "
                            f"{WIDGET}(model, (1, 1, 28, 28)) for Fashion-MNIST images")
        data = graph(model, X_shape, max_depth=max_depth, fn=WIDGET)
        size = len(json.dumps(data["graphs"]))
        if size > MAX_STATE_BYTES:
            raise ValueError(f"{WIDGET}: the graph takes {size / 1e6:.1f} MB, more than the "
                             f"{MAX_STATE_BYTES / 1e6:.0f} MB a page may hold; pass a smaller "
                             f"max_depth (now {max_depth})")
        super().__init__(title=data["title"], start=data["start"], graphs=data["graphs"],
                         block=block)

    @classmethod
    def _example(cls, **values):
        """A tiny model (a block, Flatten, Linear) for the tests' samples of ``block``."""
        generator_state = torch.random.get_rng_state()
        try:
            torch.manual_seed(0)
            net = nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU()),
                                nn.Flatten(), nn.Linear(32, 3))
        finally:
            torch.random.set_rng_state(generator_state)
        return cls(net, (1, 1, 4, 4), **values)

    # ------------------------------------------------------ Python mirror

    def status(self):
        """The status line the page shows for the current ``block``."""
        return status_text(self.title, self.graphs, self.block)

    def level(self, block=None):
        """The saved level (dict of nodes and edges) of ``block`` (default: the one shown)."""
        return self.graphs[_check_block(self.block if block is None else block,
                                        {"graphs": self.graphs})]

    def _repr_state(self):
        first = self.status().split("\n", 1)[0]
        fallback = self.level()["mode"] == "calls"
        return first + (" (drawn in call order: torch.fx cannot trace it)" if fallback else "")
