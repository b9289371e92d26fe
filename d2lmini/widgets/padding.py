"""`PaddingStrideExplorer`: padding, stride and dilation vs. the output shape (d2l §7.3)."""
import traitlets

from ._base import CourseWidget, as_pair

__all__ = ["PaddingStrideExplorer", "LIMITS"]

#: (minimum, maximum) of each argument, per axis; the page's number inputs use the same.
LIMITS = {
    "input_size": (1, 32),
    "kernel_size": (1, 11),
    "padding": (0, 10),
    "stride": (1, 8),
    "dilation": (1, 5),
}


def _pair_trait():
    return traitlets.List(traitlets.Int(), minlen=2, maxlen=2).tag(sync=True)


class PaddingStrideExplorer(CourseWidget):
    """Slide a (padded, strided, dilated) window over an input and count outputs.

    Each argument is an int or an (h, w) pair, meaning what it means to
    ``nn.Conv2d`` (``padding`` is added on EACH side). The page shows the
    padded input with the window at one output position (play it, or step
    with ‹ ›), the output shape from the floor formula, rows/columns the
    window never reaches, and the equivalent ``nn.Conv2d`` / ``nn.MaxPool2d``.
    """

    _esm_file = "padding.js"
    testid = "padding-stride-explorer"

    input_size = _pair_trait()
    kernel_size = _pair_trait()
    padding = _pair_trait()
    stride = _pair_trait()
    dilation = _pair_trait()
    limits = traitlets.Dict(LIMITS).tag(sync=True)

    def __init__(self, input_size=(8, 8), kernel_size=(3, 3), padding=(1, 1), stride=(2, 2),
                 dilation=(1, 1)):
        name = type(self).__name__
        args = dict(input_size=input_size, kernel_size=kernel_size, padding=padding,
                    stride=stride, dilation=dilation)
        pairs = {key: list(as_pair(value, key, widget=name, minimum=LIMITS[key][0],
                                   maximum=LIMITS[key][1]))
                 for key, value in args.items()}
        for axis, label in enumerate(("height", "width")):
            n, k, p, d = (pairs[key][axis] for key in
                          ("input_size", "kernel_size", "padding", "dilation"))
            span = d * (k - 1) + 1
            if span > n + 2 * p:
                dilated = f" (dilated to {span})" if d > 1 else ""
                raise ValueError(
                    f"{name}: kernel_size {k}{dilated} is larger than the padded input "
                    f"{n} + 2·{p} = {n + 2 * p} along the {label}; use a smaller kernel or "
                    f"dilation, or more padding")
        super().__init__(**pairs)

    @traitlets.validate("input_size", "kernel_size", "padding", "stride", "dilation")
    def _valid_pair(self, proposal):
        key = proposal["trait"].name
        low, high = LIMITS[key]
        return list(as_pair(proposal["value"], key, widget=type(self).__name__,
                            minimum=low, maximum=high))

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
