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
import traitlets
from torch import nn

from .. import ops
from ._base import CourseWidget, as_pair, check_int

__all__ = ["ReceptiveFieldView", "lenet_stack"]

WIDGET = "ReceptiveFieldView"
MAX_LAYERS = 16
MAX_INPUT = 128


def lenet_stack():
    """LeNet's convolution and pooling layers (d2l §7.6): conv 5×5 pad 2, pool 2, conv 5×5, pool 2."""
    return [nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.AvgPool2d(kernel_size=2, stride=2)]


def _pair_text(values):
    a, b = values
    return str(a) if a == b else f"{a}×{b}"


def _layer_name(layer, k, s, p):
    """A short readable name: 'Conv2d 5×5, pad 2', 'AvgPool2d 2×2, stride 2', 'k3 s1 p1'."""
    if isinstance(layer, nn.Module):
        name = type(layer).__name__
        if k == [1, 1] and s == [1, 1] and p == [0, 0]:
            return name
    else:
        name = "layer"
    name += f" {k[0]}×{k[1]}"
    if s != [1, 1]:
        name += f", stride {_pair_text(s)}"
    if p != [0, 0]:
        name += f", pad {_pair_text(p)}"
    return name


class ReceptiveFieldView(CourseWidget):
    """Click a unit of any layer and see the input window it depends on (d2l §7.2.6).

    ``layers`` is a list (or ``nn.Sequential``) of ``nn.Conv2d``,
    ``nn.MaxPool2d``, ``nn.AvgPool2d`` (element-wise layers such as
    ``nn.ReLU`` pass through) or ``(kernel_size, stride[, padding])`` int
    tuples; default: LeNet's conv/pool stack (`lenet_stack`). ``input_size``
    is an int or an (h, w) pair, at most 128. ``layer`` (index into
    ``layers``, default the last) and ``unit`` ((row, column), default its
    centre) pick the unit shown first.

    The window is where the unit's kernels reach; the page clips it to the
    input and shows the padding that the rest falls on. With dilation or a
    stride larger than the kernel the window has holes the unit does not see.
    """

    _esm_file = "receptive_field.js"
    testid = "receptive-field-view"

    input_size = traitlets.List([28, 28]).tag(sync=True)
    # One dict per layer: name, kernel, stride, padding, out ([h, w]),
    # size, jump, offset (each [along rows, along columns]).
    geometry = traitlets.List().tag(sync=True)
    layer = traitlets.Int(0).tag(sync=True)
    unit = traitlets.List([0, 0]).tag(sync=True)

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
        size = as_pair(input_size, "input_size", widget=WIDGET, minimum=1, maximum=MAX_INPUT)
        # ops labels its errors with the name it is given: they name this widget.
        per_axis = [ops._receptive_fields(WIDGET, layers, size[axis], axis) for axis in (0, 1)]
        geometry = []
        n = list(size)
        for i, layer_ in enumerate(layers):
            fields = [per_axis[0][i], per_axis[1][i]]
            # (kernel span, stride, padding) along rows and along columns
            k, s, p = (list(v) for v in zip(*(ops._layer_geometry(WIDGET, i, layer_, axis)
                                               for axis in (0, 1))))
            n = [(n_ + 2 * p_ - k_) // s_ + 1 for n_, k_, s_, p_ in zip(n, k, s, p)]
            geometry.append({"name": f"{i + 1}: {_layer_name(layer_, k, s, p)}",
                             "kernel": k, "stride": s, "padding": p, "out": list(n),
                             "size": [f.size for f in fields], "jump": [f.jump for f in fields],
                             "offset": [f.offset for f in fields]})
        layer = len(layers) - 1 if layer is None else layer
        layer = check_int(layer, "layer", widget=WIDGET, minimum=0, maximum=len(layers) - 1)
        out = geometry[layer]["out"]
        unit = [out[0] // 2, out[1] // 2] if unit is None else self._check_unit(unit, out)
        super().__init__(input_size=list(size), geometry=geometry, layer=layer, unit=unit)

    @staticmethod
    def _check_unit(unit, out):
        if isinstance(unit, (str, bytes)) or not isinstance(unit, (tuple, list)) or len(unit) != 2:
            raise TypeError(f"{WIDGET}: unit must be a (row, column) pair of ints, got {unit!r}")
        return [check_int(unit[0], "unit row", widget=WIDGET, minimum=0, maximum=out[0] - 1),
                check_int(unit[1], "unit column", widget=WIDGET, minimum=0, maximum=out[1] - 1)]

    # ------------------------------------------------------ Python mirror

    def window(self, layer=None, unit=None, *, clip=True):
        """((first row, last row), (first column, last column)) of the input, inclusive.

        For ``unit`` (default: the selected one) of ``layer`` (default: the
        selected one); ``clip=False`` keeps the parts that fall on padding
        (indices below 0 or past the input).
        """
        layer = self.layer if layer is None else check_int(
            layer, "layer", widget=WIDGET, minimum=0, maximum=len(self.geometry) - 1)
        g = self.geometry[layer]
        if unit is None:  # as the page does: clamp a unit left over from another layer
            unit = [min(max(u, 0), n - 1) for u, n in zip(self.unit, g["out"])]
        else:
            unit = self._check_unit(unit, g["out"])
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

    @traitlets.validate("layer")
    def _valid_layer(self, proposal):
        return check_int(proposal["value"], "layer", widget=WIDGET, minimum=0,
                         maximum=max(len(self.geometry) - 1, 0))

    def _repr_state(self):
        g = self.geometry[self.layer]
        (r0, r1), (c0, c1) = self.window()
        return (f"{len(self.geometry)} layers, input {self.input_size[0]}×{self.input_size[1]}; "
                f"layer {g['name']!r} unit ({self.unit[0]}, {self.unit[1]}) sees rows "
                f"{r0}..{r1}, columns {c0}..{c1}")
