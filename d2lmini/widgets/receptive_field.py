"""`ReceptiveFieldView`: which input pixels can affect a unit of a deep layer (d2l §7.2.6).

Along each axis a layer with kernel k, stride s and padding p turns the
receptive field (size r, jump j between neighbouring units, offset of unit
0) of the layer below into

    r_out = r_in + (k - 1) * j_in,   j_out = j_in * s,   offset_out = offset_in - p * j_in

(Distill, "Computing Receptive Fields of Convolutional Neural Networks").
`d2lmini.receptive_fields` computes these per layer; this widget saves them
in its state, and the page finds the window of any clicked unit by itself:
rows ``offset + i * j`` to ``offset + i * j + r - 1`` (and the same for columns).
"""
import numpy as np
import torch
import traitlets
from torch import nn

from .. import ops
from ..checks import check_cell, check_int, check_pair
from ..models.lenet import LeNet
from ._base import CourseWidget, untrained

__all__ = ["ReceptiveFieldView", "lenet_stack"]

WIDGET = "ReceptiveFieldView"
MAX_LAYERS = 16
MAX_INPUT = 128


def lenet_stack():
    """The convolution and pooling layers of `d2lmini.models.lenet.LeNet` (d2l §7.6), untrained:
    conv 5×5 pad 2, pool 2, conv 5×5, pool 2 (its sigmoids leave every field as it is)."""
    net = untrained(LeNet, torch.zeros(1, 1, 28, 28)).net
    return [layer for layer in net if isinstance(layer, (nn.Conv2d, nn.AvgPool2d))]


def _pair_text(values):
    a, b = values
    return str(a) if a == b else f"{a}×{b}"


#: What a layer is called in the page's table: 'conv 3×3, pad 1', 'max pool 2×2, stride 2'.
_KINDS = ((nn.Conv2d, "conv"), (nn.MaxPool2d, "max pool"), (nn.AvgPool2d, "avg pool"))


def _layer_name(layer, k, s, p):
    """A short name: 'conv 5×5, pad 2', 'avg pool 2×2, stride 2', 'ReLU', 'window 3×3'.

    ``k``, ``s``, ``p``: the kernel's span, the stride and the padding per axis
    (`ops.layer_geometry`); a dilated convolution is named by its kernel size
    and dilation. A ``(kernel_size, stride[, padding])`` tuple does not say
    what it is: its name is 'window'.
    """
    kind = next((name for cls, name in _KINDS if isinstance(layer, cls)), None)
    if kind is None and isinstance(layer, nn.Module):  # element-wise: the field stays
        return type(layer).__name__
    name, extra = kind or "window", ""
    dilation = getattr(layer, "dilation", 1)
    if _pair(dilation) != [1, 1]:
        k = _pair(layer.kernel_size)
        extra = f", dilation {_pair_text(_pair(dilation))}"
    name += f" {k[0]}×{k[1]}"
    if s != [1, 1]:
        name += f", stride {_pair_text(s)}"
    if p != [0, 0]:
        name += f", pad {_pair_text(p)}"
    return name + extra


def _pair(value):
    return list(value) if isinstance(value, (tuple, list)) else [value, value]


def _check_layer(value, state):
    return check_int(value, "layer", fn=WIDGET, minimum=0,
                     maximum=len(state["geometry"]) - 1)


def _layer_output(state):
    return state["geometry"][state["layer"]]["out"]


def _deepest_that_fits(state):
    """The deepest layer whose units see no more than the input: where a picture of the
    field shows it inside the image (else the first layer)."""
    size = state["input_size"]
    fits = [i for i, g in enumerate(state["geometry"])
            if g["size"][0] <= size[0] and g["size"][1] <= size[1]]
    return fits[-1] if fits else 0


class ReceptiveFieldView(CourseWidget):
    """Click a unit of any layer and see the input window it depends on (d2l §7.2.6).

    ``layers`` is a list (or ``nn.Sequential``) of ``nn.Conv2d``,
    ``nn.MaxPool2d``, ``nn.AvgPool2d`` (element-wise layers such as
    ``nn.ReLU`` pass through) or ``(kernel_size, stride[, padding])`` int
    tuples (named 'window' in the table: pass modules to see 'conv' and
    'max pool'); default: LeNet's conv/pool stack (`lenet_stack`).
    ``input_size`` is an int or an (h, w) pair, at most 128; both are fixed
    when the widget is made. ``layer`` (index into ``layers``; default the
    deepest layer whose receptive field fits inside the input) and ``unit``
    ((row, column), default the centre of the layer's output) pick the unit
    shown; a new ``layer`` moves ``unit`` to its centre.

    The window is where the unit's kernels reach; the page clips it to the
    input and shows the padding that the rest falls on, and says how the
    layer grew the field: r = r_below + (k − 1) · j_below. With dilation or
    a stride larger than the kernel the window has holes the unit does not see.
    """

    _esm_file = "receptive_field.js"
    testid = "receptive-field-view"

    input_size = traitlets.List().tag(sync=True)
    # One dict per layer: name, kernel, stride, padding, out ([h, w]),
    # size, jump, offset (each [along rows, along columns]).
    geometry = traitlets.List().tag(sync=True)
    layer = traitlets.Any().tag(
        sync=True, check=_check_layer, default=_deepest_that_fits,
        valid=(0, 2, np.int64(1)), invalid=(4, -1, "1"))
    unit = traitlets.Any().tag(
        sync=True, follows=("layer",),
        check=lambda value, state: check_cell(value, "unit", _layer_output(state), fn=WIDGET),
        default=lambda state: [n // 2 for n in _layer_output(state)],
        valid=((0, 0), [4, 4], torch.tensor([1, 3])), invalid=((5, 0), 3, (0, 1.5)))

    def __init__(self, layers=None, input_size=28, *, layer=None, unit=None):
        layers = lenet_stack() if layers is None else layers
        if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
            raise TypeError(f"{WIDGET}: layers must be a list of layers (nn.Conv2d, nn.MaxPool2d, "
                            f"nn.AvgPool2d or (kernel_size, stride[, padding]) tuples), got "
                            f"{type(layers).__name__}; wrap a single layer in a list")
        layers = list(layers)
        if not layers:
            raise ValueError(f"{WIDGET}: layers is empty; give at least one layer, "
                             f"e.g. [nn.Conv2d(1, 1, kernel_size=3)]")
        if len(layers) > MAX_LAYERS:
            raise ValueError(f"{WIDGET}: got {len(layers)} layers, at most {MAX_LAYERS} fit on "
                             f"the page; pass a slice of them")
        size = check_pair(input_size, "input_size", fn=WIDGET, minimum=1, maximum=MAX_INPUT)
        # ops labels its errors with the name it is given: they name this widget.
        per_axis = [ops.receptive_fields(layers, size[axis], axis=axis, fn=WIDGET)
                    for axis in (0, 1)]
        geometry = []
        n = list(size)
        for i, layer_ in enumerate(layers):
            fields = [per_axis[0][i], per_axis[1][i]]
            # (kernel span, stride, padding) along rows and along columns
            along = [ops.layer_geometry(layer_, f"layers[{i}]", fn=WIDGET, axis=axis)
                     for axis in (0, 1)]
            k, s, p = (list(v) for v in zip(*along))
            n = [(n_ + 2 * p_ - k_) // s_ + 1 for n_, k_, s_, p_ in zip(n, k, s, p)]
            geometry.append({"name": f"{i + 1}: {_layer_name(layer_, k, s, p)}",
                             "kernel": k, "stride": s, "padding": p, "out": list(n),
                             "size": [f.size for f in fields], "jump": [f.jump for f in fields],
                             "offset": [f.offset for f in fields]})
        super().__init__(input_size=list(size), geometry=geometry, layer=layer, unit=unit)

    # ------------------------------------------------------ Python mirror

    def window(self, layer=None, unit=None, *, clip=True):
        """((first row, last row), (first column, last column)) of the input, inclusive.

        For ``unit`` (default: the selected one) of ``layer`` (default: the
        selected one); ``clip=False`` keeps the parts that fall on padding
        (indices below 0 or past the input).
        """
        layer = self.layer if layer is None else _check_layer(layer, {"geometry": self.geometry})
        g = self.geometry[layer]
        if unit is None:  # the selected unit, clamped to the output of another layer
            unit = [min(u, n - 1) for u, n in zip(self.unit, g["out"])]
        else:
            unit = check_cell(unit, "unit", g["out"], fn=WIDGET)
        result = []
        for axis in (0, 1):
            first = g["offset"][axis] + unit[axis] * g["jump"][axis]
            last = first + g["size"][axis] - 1
            if clip:
                first, last = max(first, 0), min(last, self.input_size[axis] - 1)
            result.append((first, last))
        return tuple(result)

    def table(self):
        """(name, receptive field, jump) per layer, along rows: what the page's table lists."""
        return [(g["name"], g["size"][0], g["jump"][0]) for g in self.geometry]

    def _repr_state(self):
        g = self.geometry[self.layer]
        (r0, r1), (c0, c1) = self.window()
        return (f"{len(self.geometry)} layers, input {self.input_size[0]}×{self.input_size[1]}; "
                f"layer {g['name']!r} unit ({self.unit[0]}, {self.unit[1]}) sees rows "
                f"{r0}..{r1}, columns {c0}..{c1}")
