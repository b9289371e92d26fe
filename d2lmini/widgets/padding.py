"""`PaddingStrideExplorer`: padding, stride and dilation vs. the output shape (d2l §7.3)."""
import numpy as np
import torch
import traitlets

from ..checks import check_pair
from ._base import CourseWidget

__all__ = ["PaddingStrideExplorer", "LIMITS"]

#: (minimum, maximum) of each argument, per axis; the page's number inputs use the same.
LIMITS = {
    "input_size": (1, 32),
    "kernel_size": (1, 11),
    "padding": (0, 10),
    "stride": (1, 8),
    "dilation": (1, 5),
}


def _pair_trait(name, valid, invalid):
    """A settable (h, w) pair within ``LIMITS[name]``; an int means the same on both axes."""
    def check(value, state):
        return list(check_pair(value, name, fn="PaddingStrideExplorer"))

    return traitlets.Any().tag(sync=True, check=check, limits=LIMITS[name], valid=valid,
                               invalid=invalid)


class PaddingStrideExplorer(CourseWidget):
    """Slide a (padded, strided, dilated) window over an input and count outputs.

    Each argument is an int or an (h, w) pair, meaning what it means to
    ``nn.Conv2d`` (``padding`` is added on EACH side). The page shows the
    padded input with the window at one output position (play it, or step
    with ‹ ›), the output shape from the floor formula, rows/columns the
    window never reaches, and the equivalent ``nn.Conv2d`` / ``nn.MaxPool2d``.
    A kernel larger than the padded input is a setting too: the page says
    why neither layer accepts it, and `output_shape` raises that error.
    """

    _esm_file = "padding.js"
    testid = "padding-stride-explorer"

    input_size = _pair_trait("input_size", valid=(5, (4, 6), np.array([3, 3])),
                             invalid=(0, 33, "8", (8, 8, 3)))
    kernel_size = _pair_trait("kernel_size", valid=(1, [11, 2], torch.tensor([2, 3])),
                              invalid=(2.5, 12, torch.tensor([1.5, 2.0])))
    padding = _pair_trait("padding", valid=(0, (2, 0)), invalid=(-1, (1, -1)))
    stride = _pair_trait("stride", valid=(3, (1, 4)), invalid=(0, (2, 0), True))
    dilation = _pair_trait("dilation", valid=(2, (1, 5)), invalid=(6, [1]))

    def __init__(self, input_size=(8, 8), kernel_size=(3, 3), padding=(1, 1), stride=(2, 2),
                 dilation=(1, 1)):
        super().__init__(input_size=input_size, kernel_size=kernel_size, padding=padding,
                         stride=stride, dilation=dilation)

    def _args(self):
        return {key: tuple(getattr(self, key)) for key in
                ("input_size", "kernel_size", "padding", "stride", "dilation")}

    @property
    def output_shape(self):
        """(height, width) of the output, ``d2l.conv_output_shape`` of the current settings."""
        from ..ops import conv_output_shape

        return conv_output_shape(**self._args())

    def conv2d(self):
        """The ``nn.Conv2d(1, 1, ...)`` layer with the current settings."""
        from torch import nn

        args = self._args()
        del args["input_size"]
        return nn.Conv2d(1, 1, **args)

    def max_pool2d(self):
        """The ``nn.MaxPool2d`` layer with the current settings."""
        from torch import nn

        args = self._args()
        del args["input_size"]
        return nn.MaxPool2d(**args)

    def _repr_state(self):
        args = ", ".join(f"{key}={value}" for key, value in self._args().items())
        try:
            shape = "output {}×{}".format(*self.output_shape)
        except ValueError:
            shape = "no output"
        return f"{args}: {shape}"
