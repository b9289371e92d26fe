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
import numpy as np
import torch
import traitlets

from .. import ops
from ..checks import check_cell, check_choice, check_finite, check_int, check_real
from ._base import CourseWidget, as_rows

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


def _as_tensor(x, name, dims, layout):
    """``x`` (tensor, numpy array or nested list of numbers) as a float64 tensor.

    ``dims`` is the tuple of allowed numbers of dimensions; ``layout`` says
    in words what they mean (for the error message).
    """
    if isinstance(x, (str, bytes, bool)) or x is None:
        raise TypeError(f"{WIDGET}: {name} must be a torch.Tensor, numpy array or nested list "
                        f"of numbers {layout}, got {type(x).__name__} {x!r:.60}")
    if isinstance(x, torch.Tensor):
        t = check_real(x, name, fn=WIDGET).detach().cpu().to(torch.float64)
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
    return check_finite(t, name, fn=WIDGET,
                        fix=f"replace them first, e.g. torch.nan_to_num({name})")


def _check_limits(name, what, value, maximum):
    if value > maximum:
        raise ValueError(f"{WIDGET}: {name} has {value} {what}, but this widget draws at "
                         f"most {maximum} (every value is shown as a number); use a smaller "
                         f"example")


def _check_X(value, state):
    X = _as_tensor(value, "X", (3,), "(channels, height, width)")
    c_i, h, w = X.shape
    _check_limits("X", "channels", c_i, MAX_CHANNELS)
    _check_limits("X", "rows/columns", max(h, w), MAX_SIDE)
    return as_rows(X)


def _check_K(value, state):
    """(c_o, c_i, kh, kw), or (c_i, kh, kw) stacked as K, K + 1, K + 2 (as d2l does)."""
    K = _as_tensor(value, "K", (3, 4),
                   "(in channels, kh, kw) or (out channels, in channels, kh, kw)")
    c_i, h, w = _shape(state["X"])
    in_k = K.shape[-3]  # also after stacking: the same words for a new X and a new K
    if in_k != c_i:
        raise ValueError(f"{WIDGET}: X has {c_i} input channels but K has {in_k} "
                         f"(K.shape[-3]); they must be equal, one kernel per input channel")
    K = torch.tensor(as_rows(K), dtype=torch.float64)  # rounded first: K + 1 stays exact
    if K.dim() == 3:
        K = torch.stack((K, K + 1, K + 2), 0)
    _check_limits("K", "output channels", K.shape[0], MAX_CHANNELS)
    kh, kw = K.shape[2:]
    if kh > h or kw > w:
        raise ValueError(f"{WIDGET}: kernel {kh}×{kw} is larger than the {h}×{w} input X; "
                         f"use a smaller kernel or a larger X")
    return K.tolist()


def _check_kernel_1x1(value, state):
    c_i = len(state["X"])
    K1 = _as_tensor(value, "kernel_1x1", (2, 4), "(out channels, in channels[, 1, 1])")
    if K1.dim() == 4 and K1.shape[2:] != (1, 1):
        raise ValueError(f"{WIDGET}: kernel_1x1 must hold 1×1 kernels, got shape "
                         f"{tuple(K1.shape)}; use K for larger kernels")
    if K1.shape[1] != c_i:
        raise ValueError(f"{WIDGET}: X has {c_i} input channels but kernel_1x1 has "
                         f"{K1.shape[1]} (kernel_1x1.shape[1]); they must be equal")
    _check_limits("kernel_1x1", "output channels", K1.shape[0], MAX_CHANNELS)
    return as_rows(K1.reshape(K1.shape[0], c_i))


def _default_1x1(state):
    """A (3, c_i) mixing matrix that is easy to read: sum, difference, mean."""
    c_i = len(state["X"])
    total = [1.0] * c_i
    diff = [1.0, -1.0] + [0.0] * (c_i - 2) if c_i > 1 else [2.0]
    mean = [round(1.0 / c_i, 3)] * c_i
    return [total, diff, mean]


def _shape(rows):
    """The shape of a nested list (as the page sees it)."""
    shape = []
    while isinstance(rows, list):
        shape.append(len(rows))
        rows = rows[0]
    return tuple(shape)


def _out_shape(state):
    """(oh, ow) of the outputs, from the shapes of X and K."""
    _, h, w = _shape(state["X"])
    kh, kw = _shape(state["K"])[2:]
    return h - kh + 1, w - kw + 1


def _t64(state, name):
    return torch.tensor(state[name], dtype=torch.float64)


def _is_stacked(state):
    K = _t64(state, "K")
    return len(K) == 3 and torch.equal(K[1], K[0] + 1) and torch.equal(K[2], K[0] + 2)


def _partials(state):
    """(c_o, c_i, oh, ow): each input channel cross-correlated with its kernel slice."""
    X, K = _t64(state, "X"), _t64(state, "K")
    return as_rows(torch.stack([torch.stack([ops.corr2d(x, k) for x, k in zip(X, ks)])
                                for ks in K]))


def _outputs(state):
    return as_rows(ops.corr2d_multi_in_out(_t64(state, "X"), _t64(state, "K")))


def _outputs_1x1(state):
    K1 = _t64(state, "kernel_1x1")
    return as_rows(ops.corr2d_multi_in_out_1x1(_t64(state, "X"), K1[:, :, None, None]))


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
    ``mode`` is ``"multi_in"``, ``"multi_out"`` or ``"1x1"``. ``out_channel``
    is the output channel ``multi_in`` shows, ``cell`` the selected output
    cell and ``pixel`` the selected pixel of ``1x1``. Values are rounded to
    3 decimals, and every output is computed from the rounded values.
    A new ``X`` resets ``kernel_1x1``, ``cell`` and ``pixel``, a new ``K``
    resets ``out_channel`` and ``cell``, to their defaults.

    Click an output cell to see its sum written out; in ``1x1`` mode click a
    pixel to see its channel vector multiplied by the matrix.
    """

    _esm_file = "channels.js"
    testid = "channels-view"

    mode = traitlets.Any("multi_in").tag(
        sync=True, check=lambda value, state: check_choice(value, "mode", MODES, fn=WIDGET),
        valid=("1x1", "multi_out"), invalid=("1×1", 1))
    X = traitlets.Any().tag(                          # (c_i, h, w)
        sync=True, check=_check_X,
        valid=(torch.arange(32.0).reshape(2, 4, 4), np.ones((2, 3, 5)), [[[1, 2]] * 2] * 2),
        invalid=(torch.ones(3, 3, 3), torch.ones(5), "abc", [[[1, 2], [3]]],
                 torch.full((2, 3, 3), float("nan")), torch.ones(1, 40, 40)))
    K = traitlets.Any().tag(                          # (c_o, c_i, kh, kw)
        sync=True, check=_check_K,
        valid=(torch.ones(2, 2, 2), torch.arange(8.0).reshape(4, 2, 1, 1)),
        invalid=(torch.ones(2, 3, 2, 2), torch.ones(2, 4, 4), torch.ones(2, 2),
                 torch.ones(9, 2, 1, 1), torch.ones(2, 2, 2, 2, dtype=torch.complex64)))
    kernel_1x1 = traitlets.Any().tag(                 # (c_o1, c_i)
        sync=True, check=_check_kernel_1x1, default=_default_1x1, follows=("X",),
        valid=([[1, 2]], torch.ones(4, 2, 1, 1)),
        invalid=(torch.ones(2, 3), torch.ones(2, 2, 2, 2)))
    out_channel = traitlets.Any(0).tag(               # shown in multi_in mode
        sync=True, follows=("K",),
        check=lambda value, state: check_int(value, "out_channel", fn=WIDGET, minimum=0,
                                             maximum=len(state["K"]) - 1),
        valid=(2, np.int64(1)), invalid=(3, -1, 1.0))
    cell = traitlets.Any([0, 0]).tag(                 # selected output cell (i, j)
        sync=True, follows=("X", "K"),
        check=lambda value, state: check_cell(value, "cell", _out_shape(state), fn=WIDGET),
        valid=((1, 1), [0, 1]), invalid=((2, 0), 1, (0, 0, 0)))
    pixel = traitlets.Any([0, 0]).tag(                # selected pixel of the 1x1 mode
        sync=True, follows=("X",),
        check=lambda value, state: check_cell(value, "pixel", _shape(state["X"])[1:], fn=WIDGET),
        valid=((2, 2), torch.tensor([1, 0])), invalid=((3, 0), "00"))
    stacked = traitlets.Bool(False).tag(sync=True, default=_is_stacked, follows=("K",))
    partials = traitlets.List().tag(sync=True, default=_partials, follows=("X", "K"))
    Y = traitlets.List().tag(sync=True, default=_outputs, follows=("X", "K"))
    Y1 = traitlets.List().tag(sync=True, default=_outputs_1x1, follows=("X", "kernel_1x1"))

    def __init__(self, X=None, K=None, *, kernel_1x1=None, mode="multi_in", out_channel=0,
                 cell=(0, 0), pixel=(0, 0)):
        super().__init__(mode=mode, X=X_D2L if X is None else X, K=K_D2L if K is None else K,
                         kernel_1x1=kernel_1x1, out_channel=out_channel, cell=cell, pixel=pixel)

    # ------------------------------------------------------ Python mirror

    def outputs(self):
        """The (c_o, oh, ow) output the page shows, as a float64 tensor."""
        return torch.tensor(self.Y, dtype=torch.float64)

    def outputs_1x1(self):
        """The (c_o, h, w) output of the 1x1 mode, as a float64 tensor."""
        return torch.tensor(self.Y1, dtype=torch.float64)

    def pointwise(self, i, j):
        """(x, M, y) at pixel (i, j) in 1x1 mode: y = M @ x, as the page writes it."""
        i, j = check_cell((i, j), "pixel", _shape(self.X)[1:], fn=WIDGET)
        X = torch.tensor(self.X, dtype=torch.float64)
        M = torch.tensor(self.kernel_1x1, dtype=torch.float64)
        return X[:, i, j], M, torch.tensor(self.Y1, dtype=torch.float64)[:, i, j]

    def _repr_state(self):
        c_i, h, w = len(self.X), len(self.X[0]), len(self.X[0][0])
        c_o, kh, kw = len(self.K), len(self.K[0][0]), len(self.K[0][0][0])
        oh, ow = len(self.Y[0]), len(self.Y[0][0])
        return (f"mode={self.mode!r}, X {c_i}×{h}×{w}, K {c_o}×{c_i}×{kh}×{kw} "
                f"→ Y {c_o}×{oh}×{ow}, 1×1 matrix {len(self.kernel_1x1)}×{c_i}")
