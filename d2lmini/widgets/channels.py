"""`ChannelsView`: multiple input and output channels, and 1x1 convolutions (d2l §7.4).

Three views of the same small tensors, all computed here in Python with
`d2lmini.corr2d_multi_in_out` and saved in the widget state, so the page
stays interactive without a kernel:

* ``multi_in``  - each input channel cross-correlated with its own kernel
  slice; the per-channel results are summed into ONE output channel;
* ``multi_out`` - one such stack of kernels per output channel (d2l stacks
  ``K``, ``K + 1`` and ``K + 2``), giving three output channels;
* ``1x1``       - a 1x1 convolution is the same (c_o, c_i) matrix applied to
  the channel vector of every pixel: click a pixel to see the product.
"""
import torch
import traitlets

from .. import ops
from ._base import CourseWidget, check_choice, check_int

__all__ = ["ChannelsView"]

WIDGET = "ChannelsView"
MODES = ("multi_in", "multi_out", "1x1")
MAX_CHANNELS = 8   # input and output channels: every one is drawn as a grid
MAX_SIDE = 16      # grids show a number in every cell

#: d2l §7.4's example input (2 channels of 3x3) and kernel (2 channels of 2x2).
X_D2L = [[[0, 1, 2], [3, 4, 5], [6, 7, 8]],
         [[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
K_D2L = [[[0, 1], [2, 3]],
         [[1, 2], [3, 4]]]


def _rounded(t):
    """A tensor as nested lists of floats rounded to 3 decimals (JSON for the page)."""
    if t.dim() == 0:
        return round(float(t), 3) + 0.0  # + 0.0 turns -0.0 into 0.0
    return [_rounded(s) for s in t]


def _as_tensor(x, name, dims, layout):
    """``x`` (tensor, numpy array or nested list of numbers) as a float64 tensor.

    ``dims`` is the tuple of allowed numbers of dimensions; ``layout`` says
    in words what they mean (for the error message).
    """
    if isinstance(x, (str, bytes, bool)) or x is None:
        raise TypeError(f"{WIDGET}: {name} must be a torch.Tensor, numpy array or nested list "
                        f"of numbers {layout}, got {type(x).__name__} {x!r:.60}")
    if isinstance(x, torch.Tensor):
        if x.is_complex() or x.dtype == torch.bool:
            raise TypeError(f"{WIDGET}: {name} must hold real numbers, got dtype {x.dtype}; "
                            f"convert it with {name}.float()")
        t = x.detach().cpu().to(torch.float64)
    else:
        try:
            t = torch.as_tensor(x, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"{WIDGET}: {name} must be a nested list of numbers {layout} with "
                            f"equal-length rows, got {x!r:.80}") from None
    if t.dim() not in dims:
        allowed = " or ".join(f"{d}-D" for d in dims)
        raise ValueError(f"{WIDGET}: {name} must be {allowed} {layout}, "
                         f"got shape {tuple(t.shape)}")
    ops.check_values(WIDGET, name, t, f"replace them first, e.g. torch.nan_to_num({name})")
    return t


def _check_limits(name, what, value, maximum):
    if value > maximum:
        raise ValueError(f"{WIDGET}: {name} has {value} {what}, but this widget draws at "
                         f"most {maximum} (every value is shown as a number); use a smaller "
                         f"example")


def _default_1x1(c_i):
    """A (3, c_i) mixing matrix that is easy to read: sum, difference, mean."""
    total = [1.0] * c_i
    diff = [1.0, -1.0] + [0.0] * (c_i - 2) if c_i > 1 else [2.0]
    mean = [round(1.0 / c_i, 3)] * c_i
    return torch.tensor([total, diff, mean], dtype=torch.float64).reshape(3, c_i, 1, 1)


class ChannelsView(CourseWidget):
    """Multi-channel cross-correlation, step by step (d2l §7.4).

    ``ChannelsView()`` shows d2l's example: the 2-channel 3x3 ``X`` and the
    2-channel 2x2 ``K`` give ``[[56, 72], [104, 120]]``; in ``multi_out``
    mode ``K``, ``K + 1`` and ``K + 2`` are stacked into three output
    channels. Pass your own ``X`` (c_i, h, w) and ``K`` (c_o, c_i, kh, kw),
    or (c_i, kh, kw) for one output channel (then ``multi_out`` stacks
    ``K, K + 1, K + 2`` as d2l does). ``kernel_1x1`` (c_o, c_i, 1, 1) or
    (c_o, c_i) is the matrix of the ``1x1`` mode (default: rows that sum the
    channels, subtract channel 1 from channel 0, and average them).
    ``mode`` is ``"multi_in"``, ``"multi_out"`` or ``"1x1"``.

    Click an output cell to see its sum written out; in ``1x1`` mode click a
    pixel to see its channel vector multiplied by the matrix.
    """

    _esm_file = "channels.js"
    testid = "channels-view"

    mode = traitlets.Unicode("multi_in").tag(sync=True)
    X = traitlets.List().tag(sync=True)            # (c_i, h, w)
    K = traitlets.List().tag(sync=True)            # (c_o, c_i, kh, kw)
    stacked = traitlets.Bool(False).tag(sync=True)  # K was built as K, K+1, K+2
    partials = traitlets.List().tag(sync=True)     # (c_o, c_i, oh, ow): X[c] ⋆ K[o, c]
    Y = traitlets.List().tag(sync=True)            # (c_o, oh, ow)
    K1 = traitlets.List().tag(sync=True)           # (c_o1, c_i) matrix of the 1x1 mode
    Y1 = traitlets.List().tag(sync=True)           # (c_o1, h, w)
    out_channel = traitlets.Int(0).tag(sync=True)  # shown in multi_in mode
    cell = traitlets.List([0, 0]).tag(sync=True)   # selected output cell (i, j)
    pixel = traitlets.List([0, 0]).tag(sync=True)  # selected pixel of the 1x1 mode

    def __init__(self, X=None, K=None, *, kernel_1x1=None, mode="multi_in", out_channel=0):
        check_choice(mode, "mode", MODES, widget=WIDGET)
        X = _as_tensor(X_D2L if X is None else X, "X", (3,), "(channels, height, width)")
        c_i, h, w = X.shape
        _check_limits("X", "channels", c_i, MAX_CHANNELS)
        _check_limits("X", "rows/columns", max(h, w), MAX_SIDE)
        K = _as_tensor(K_D2L if K is None else K, "K", (3, 4),
                       "(in channels, kh, kw) or (out channels, in channels, kh, kw)")
        stacked = K.dim() == 3
        in_k = K.shape[0] if stacked else K.shape[1]
        if in_k != c_i:
            where = "K.shape[0]" if stacked else "K.shape[1]"
            raise ValueError(f"{WIDGET}: X has {c_i} input channels but K has {in_k} "
                             f"({where}, K shape {tuple(K.shape)}); they must be equal, "
                             f"one kernel per input channel")
        if stacked:  # d2l: K = torch.stack((K, K + 1, K + 2), 0)
            K = torch.stack((K, K + 1, K + 2), 0)
        _check_limits("K", "output channels", K.shape[0], MAX_CHANNELS)
        kh, kw = K.shape[2:]
        if kh > h or kw > w:
            raise ValueError(f"{WIDGET}: kernel {kh}×{kw} is larger than the {h}×{w} input X; "
                             f"use a smaller kernel or a larger X")
        if kernel_1x1 is None:
            K1 = _default_1x1(c_i)
        else:
            K1 = _as_tensor(kernel_1x1, "kernel_1x1", (2, 4),
                            "(out channels, in channels[, 1, 1])")
            if K1.dim() == 4 and K1.shape[2:] != (1, 1):
                raise ValueError(f"{WIDGET}: kernel_1x1 must hold 1×1 kernels, got shape "
                                 f"{tuple(K1.shape)}; use K for larger kernels")
            K1 = K1.reshape(K1.shape[0], K1.shape[1], 1, 1)
            if K1.shape[1] != c_i:
                raise ValueError(f"{WIDGET}: X has {c_i} input channels but kernel_1x1 has "
                                 f"{K1.shape[1]} (kernel_1x1.shape[1]); they must be equal")
            _check_limits("kernel_1x1", "output channels", K1.shape[0], MAX_CHANNELS)
        out_channel = check_int(out_channel, "out_channel", widget=WIDGET,
                                minimum=0, maximum=K.shape[0] - 1)

        Y = ops.corr2d_multi_in_out(X, K)
        partials = torch.stack([torch.stack([ops.corr2d(x, k) for x, k in zip(X, ks)])
                                for ks in K])
        Y1 = ops.corr2d_multi_in_out_1x1(X, K1)
        super().__init__(mode=mode, X=_rounded(X), K=_rounded(K), stacked=stacked,
                         partials=_rounded(partials), Y=_rounded(Y),
                         K1=_rounded(K1.reshape(K1.shape[0], c_i)), Y1=_rounded(Y1),
                         out_channel=out_channel, cell=[0, 0], pixel=[0, 0])

    # ------------------------------------------------------ Python mirror

    def outputs(self):
        """The (c_o, oh, ow) output the page shows, as a float64 tensor."""
        return torch.tensor(self.Y, dtype=torch.float64)

    def outputs_1x1(self):
        """The (c_o, h, w) output of the 1x1 mode, as a float64 tensor."""
        return torch.tensor(self.Y1, dtype=torch.float64)

    def pointwise(self, i, j):
        """(x, M, y) at pixel (i, j) in 1x1 mode: y = M @ x, as the page writes it."""
        X = torch.tensor(self.X, dtype=torch.float64)
        h, w = X.shape[1:]
        i = check_int(i, "i", widget=WIDGET, minimum=0, maximum=h - 1)
        j = check_int(j, "j", widget=WIDGET, minimum=0, maximum=w - 1)
        M = torch.tensor(self.K1, dtype=torch.float64)
        return X[:, i, j], M, torch.tensor(self.Y1, dtype=torch.float64)[:, i, j]

    @traitlets.validate("mode")
    def _valid_mode(self, proposal):
        return check_choice(proposal["value"], "mode", MODES, widget=WIDGET)

    @traitlets.validate("out_channel")
    def _valid_out_channel(self, proposal):
        return check_int(proposal["value"], "out_channel", widget=WIDGET, minimum=0,
                         maximum=max(len(self.K) - 1, 0) if self.K else None)

    def _repr_state(self):
        c_i, h, w = len(self.X), len(self.X[0]), len(self.X[0][0])
        c_o, kh, kw = len(self.K), len(self.K[0][0]), len(self.K[0][0][0])
        oh, ow = len(self.Y[0]), len(self.Y[0][0])
        return (f"mode={self.mode!r}, X {c_i}×{h}×{w}, K {c_o}×{c_i}×{kh}×{kw} "
                f"→ Y {c_o}×{oh}×{ow}, 1×1 matrix {len(self.K1)}×{c_i}")
