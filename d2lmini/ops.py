"""Convolution and pooling written out by hand, and their shape arithmetic.

d2l chapter 7 builds a CNN from the bottom up: first the cross-correlation
as two Python loops (§7.2), then padding and stride (§7.3), channels (§7.4)
and pooling (§7.5). The functions here are those reference versions. They
are slow on purpose: every output element is one visible line of code, and
the tests check each one against PyTorch's fast kernels.

Every public function checks its arguments before it computes anything, and
a bad argument gets an error that names it, shows the value and says how to
fix it, instead of a shape error from deep inside PyTorch.
"""
import math
from typing import NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from .checks import check_finite, check_int, check_pair

__all__ = ["corr2d", "corr2d_vectorized", "corr2d_multi_in", "corr2d_multi_in_out",
           "corr2d_multi_in_out_1x1", "pool2d", "comp_conv2d", "conv_output_size",
           "conv_output_shape", "ReceptiveField", "receptive_fields", "layer_geometry"]


# ---------------------------------------------------------------- §7.2

def corr2d(X, K):
    """2-D cross-correlation of ``X`` (h, w) with kernel ``K`` (kh, kw) (d2l §7.2).

    Slides ``K`` over every position where it fits inside ``X`` and sums the
    element-wise products, giving an (h - kh + 1, w - kw + 1) tensor.
    Gradients flow to both ``X`` and ``K``, so a layer built on it can
    learn its kernel. The result has ``X``'s dtype and device.
    """
    _check_pair_of_tensors("corr2d", X, ("height", "width"),
                           K, ("kernel height", "kernel width"))
    _check_fits("corr2d", K.shape, X.shape)
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype, device=X.device)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def corr2d_vectorized(X, K):
    """`corr2d` without a Python loop over positions (d2l §7.2).

    ``unfold`` gathers every kh x kw window of ``X`` at once (as a view, so
    nothing is copied), and one ``einsum`` multiplies each window by ``K``
    and sums it. Same answer as `corr2d`, but the looping happens in C++:
    this is why frameworks never run the loop version.
    """
    _check_pair_of_tensors("corr2d_vectorized", X, ("height", "width"),
                           K, ("kernel height", "kernel width"))
    _check_fits("corr2d_vectorized", K.shape, X.shape)
    h, w = K.shape
    windows = X.unfold(0, h, 1).unfold(1, w, 1)  # (out_h, out_w, h, w)
    return torch.einsum("ijkl,kl->ij", windows, K)


# ---------------------------------------------------------------- §7.3

def comp_conv2d(conv2d, X):
    """Apply a 2-D layer to a single (h, w) image and return (h', w') (d2l §7.3).

    Layers want (batch, channels, height, width), so the image becomes a
    batch of one single-channel example and those two dims are dropped
    again afterwards. Meant for layers with one output channel.
    """
    if not callable(conv2d):
        raise TypeError(
            f"comp_conv2d: conv2d must be a layer such as nn.LazyConv2d(1, kernel_size=3), "
            f"got {type(conv2d).__name__}")
    _check_tensor("comp_conv2d", "X", X, ("height", "width"), layer="the layer itself")
    X = X.reshape((1, 1) + X.shape)
    Y = conv2d(X)
    if Y.dim() != 4 or Y.shape[:2] != (1, 1):
        raise ValueError(
            f"comp_conv2d: the layer turned a (1, 1, h, w) input into shape {tuple(Y.shape)}, "
            f"but comp_conv2d shows a single channel; build it with out_channels=1")
    return Y.reshape(Y.shape[2:])


def conv_output_size(n, k, p=0, s=1, d=1):
    """Output length along one axis, with ``p`` the TOTAL padding (d2l §7.3).

    d2l's formula floor((n - k + p + s) / s), extended by PyTorch's dilation
    ``d``: a dilated kernel spans k + (k - 1)(d - 1) input pixels. A last
    window that would stick out past the padded input is dropped (floor).
    """
    fn = "conv_output_size"
    n, k, p, s, d = (check_int(v, name, fn=fn, minimum=0 if name == "p" else 1)
                     for v, name in ((n, "n"), (k, "k"), (p, "p"), (s, "s"), (d, "d")))
    _check_fits(fn, (k + (k - 1) * (d - 1),), (n + p,), padded=p > 0, dilated=d > 1)
    return (n - k - (k - 1) * (d - 1) + p + s) // s


def conv_output_shape(input_size, kernel_size, padding=0, stride=1, dilation=1):
    """Output (height, width) of ``nn.Conv2d`` / ``nn.MaxPool2d`` with these arguments.

    Arguments mean what they mean to PyTorch: each is an int or an (h, w)
    pair, and ``padding`` rows/columns are added on EACH side (so the total
    padding of d2l's formula is ``2 * padding``). ``stride`` defaults to 1
    as in ``nn.Conv2d``; for a pooling layer pass its stride explicitly.
    """
    fn = "conv_output_shape"
    n = check_pair(input_size, "input_size", fn=fn, minimum=1)
    k = check_pair(kernel_size, "kernel_size", fn=fn, minimum=1)
    p = check_pair(padding, "padding", fn=fn, minimum=0)
    s = check_pair(stride, "stride", fn=fn, minimum=1)
    d = check_pair(dilation, "dilation", fn=fn, minimum=1)
    _check_fits(fn, [ki + (ki - 1) * (di - 1) for ki, di in zip(k, d)],
                [ni + 2 * pi for ni, pi in zip(n, p)],
                padded=any(p), dilated=any(di > 1 for di in d))
    return tuple(conv_output_size(*axis) for axis in zip(n, k, [2 * pi for pi in p], s, d))


# ---------------------------------------------------------------- §7.4

def corr2d_multi_in(X, K):
    """Cross-correlate ``X`` (c, h, w) with ``K`` (c, kh, kw) (d2l §7.4).

    Each input channel gets its own 2-D kernel; the per-channel results are
    added, so several input channels give one output channel.
    """
    _check_pair_of_tensors("corr2d_multi_in", X, ("channels", "height", "width"),
                           K, ("channels", "kernel height", "kernel width"))
    _check_channels("corr2d_multi_in", X.shape[0], K.shape[0], "K.shape[0]")
    _check_fits("corr2d_multi_in", K.shape[1:], X.shape[1:])
    return sum(corr2d(x, k) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K):
    """Cross-correlate ``X`` (c_i, h, w) with ``K`` (c_o, c_i, kh, kw) (d2l §7.4).

    Every output channel is `corr2d_multi_in` with its own stack of kernels;
    stacking them gives a (c_o, out_h, out_w) tensor.
    """
    _check_pair_of_tensors(
        "corr2d_multi_in_out", X, ("channels", "height", "width"),
        K, ("output channels", "input channels", "kernel height", "kernel width"))
    _check_channels("corr2d_multi_in_out", X.shape[0], K.shape[1], "K.shape[1]")
    _check_fits("corr2d_multi_in_out", K.shape[2:], X.shape[1:])
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)


def corr2d_multi_in_out_1x1(X, K):
    """A 1x1 convolution as one matrix product (d2l §7.4).

    With 1x1 kernels each pixel is handled on its own: its c_i channel
    values are mixed into c_o new ones by the same (c_o, c_i) matrix. So
    lay the pixels out as columns and multiply once.
    """
    _check_pair_of_tensors(
        "corr2d_multi_in_out_1x1", X, ("channels", "height", "width"),
        K, ("output channels", "input channels", "1", "1"))
    _check_channels("corr2d_multi_in_out_1x1", X.shape[0], K.shape[1], "K.shape[1]")
    if K.shape[2:] != (1, 1):
        raise ValueError(
            f"corr2d_multi_in_out_1x1: K must hold 1x1 kernels, got "
            f"{K.shape[2]}x{K.shape[3]} (K shape {tuple(K.shape)}); "
            f"use corr2d_multi_in_out for larger kernels")
    c_i, h, w = X.shape
    c_o = K.shape[0]
    Y = torch.matmul(K.reshape(c_o, c_i), X.reshape(c_i, h * w))
    return Y.reshape(c_o, h, w)


# ---------------------------------------------------------------- §7.5

def pool2d(X, pool_size, mode="max", *, stride=None, padding=0):
    """Max or average pooling of a 2-D ``X`` by explicit loops (d2l §7.5).

    ``pool_size``, ``stride`` and ``padding`` are each an int or an (h, w)
    pair. ``stride=None`` means stride 1, as in d2l's ``pool2d(X, pool_size,
    mode)``; note that ``nn.MaxPool2d`` and ``nn.AvgPool2d`` instead default
    the stride to the window size. ``padding`` rows/columns are added on each
    side and, as PyTorch requires, may be at most half the window.

    Padding never wins a max (it is -inf) but counts in an average (it is 0
    and the sum is divided by the full window size), which is what PyTorch's
    pooling layers do by default (``count_include_pad=True``).
    """
    fn = "pool2d"
    _check_tensor(fn, "X", X, ("height", "width"), layer="nn.MaxPool2d or nn.AvgPool2d")
    if mode not in ("max", "avg"):
        raise ValueError(f"{fn}: mode must be 'max' or 'avg', got {mode!r}")
    p_h, p_w = check_pair(pool_size, "pool_size", fn=fn, minimum=1)
    s_h, s_w = check_pair(1 if stride is None else stride, "stride", fn=fn, minimum=1)
    pad_h, pad_w = check_pair(padding, "padding", fn=fn, minimum=0)
    if pad_h > p_h // 2 or pad_w > p_w // 2:
        raise ValueError(
            f"{fn}: padding {padding!r} is more than half the {p_h}x{p_w} window; "
            f"PyTorch allows at most {p_h // 2} rows and {p_w // 2} columns, "
            f"so lower the padding or enlarge pool_size")
    _check_fits(fn, (p_h, p_w), (X.shape[0] + 2 * pad_h, X.shape[1] + 2 * pad_w),
                padded=pad_h > 0 or pad_w > 0)
    X = F.pad(X, (pad_w, pad_w, pad_h, pad_h), value=-math.inf if mode == "max" else 0.0)
    Y = torch.zeros(((X.shape[0] - p_h) // s_h + 1, (X.shape[1] - p_w) // s_w + 1),
                    dtype=X.dtype, device=X.device)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i * s_h:i * s_h + p_h, j * s_w:j * s_w + p_w]
            Y[i, j] = window.max() if mode == "max" else window.mean()
    return Y


# ---------------------------------------------------------------- §7.2.6

class ReceptiveField(NamedTuple):
    """What the units of one layer see of the input, along one axis.

    size:   how many input pixels one unit's window spans
    jump:   input pixels between the windows of neighbouring units
    offset: input index of the first pixel that unit 0 sees; negative when
            padding puts part of the window outside the input
    """
    size: int
    jump: int
    offset: int


def receptive_fields(layers, input_size=None, *, axis=0, fn="receptive_fields"):
    """The `ReceptiveField` after each of ``layers``, along one axis (d2l §7.2.6).

    ``layers`` is a sequence (an ``nn.Sequential`` works) of ``nn.Conv2d``,
    ``nn.MaxPool2d`` or ``nn.AvgPool2d`` modules, or of ``(kernel_size,
    stride)`` / ``(kernel_size, stride, padding)`` int tuples. Element-wise
    layers (activations, batch norm, dropout) pass the field through
    unchanged. ``axis`` 0 reads the layers' heights, 1 their widths.
    Given ``input_size`` (an int, along ``axis``), it also checks that every
    layer still has an input large enough for its window.

    A layer with stride s, padding p and a kernel spanning k units of the
    layer below (k = d(kernel_size - 1) + 1 with dilation d) updates it as
        size   += (k - 1) * jump    its k inputs are ``jump`` pixels apart
        offset -= p * jump          padding shifts unit 0 left by p inputs
        jump   *= s                 neighbouring units are s inputs apart
    (``offset`` uses the old ``jump``: padding is counted in the layer's inputs).
    Errors start with ``fn`` (a caller such as a widget names itself).
    """
    if check_int(axis, "axis", fn=fn, minimum=0) > 1:
        raise ValueError(f"{fn}: axis must be 0 (height) or 1 (width), got {axis!r}")
    try:
        layers = list(layers)
    except TypeError:
        raise TypeError(f"{fn}: layers must be a sequence of layers, got "
                        f"{type(layers).__name__}; wrap a single layer in a list") from None
    n = None if input_size is None else check_int(input_size, "input_size", fn=fn, minimum=1)
    field, fields = ReceptiveField(1, 1, 0), []
    for i, layer in enumerate(layers):
        k, s, p = layer_geometry(layer, f"layers[{i}]", fn=fn, axis=axis)
        if n is not None:
            if k > n + 2 * p:
                raise ValueError(
                    f"{fn}: layers[{i}] spans {k} pixels but gets only {n} (+{2 * p} padding) "
                    f"from input_size={input_size}; use a larger input or fewer layers")
            n = (n + 2 * p - k) // s + 1
        field = ReceptiveField(size=field.size + (k - 1) * field.jump,
                               jump=field.jump * s,
                               offset=field.offset - p * field.jump)
        fields.append(field)
    return fields


# Layers that act on each pixel by itself: they leave the field unchanged.
_POINTWISE = (nn.ReLU, nn.Sigmoid, nn.Tanh, nn.BatchNorm2d, nn.LazyBatchNorm2d,
              nn.Dropout, nn.Dropout2d, nn.Identity)


def layer_geometry(layer, name="layer", *, fn="layer_geometry", axis=0):
    """(span of the kernel, stride, padding on each side) of one layer, along ``axis``.

    ``layer`` is one of what `receptive_fields` takes; an element-wise
    layer is (1, 1, 0). A dilated kernel spans d(kernel_size - 1) + 1 pixels.
    """
    if isinstance(layer, _POINTWISE):
        return 1, 1, 0
    if isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
        k = _along(layer.kernel_size, axis)
        s = _along(layer.stride, axis)
        d = _along(getattr(layer, "dilation", 1), axis)  # AvgPool2d has none
        p = layer.padding
        if isinstance(p, str):
            # Conv2d's 'same' pads d(k - 1) in total, the smaller half first.
            p = 0 if p == "valid" else d * (k - 1) // 2
        return d * (k - 1) + 1, s, _along(p, axis)
    if isinstance(layer, (tuple, list)) and len(layer) in (2, 3):
        k = check_int(layer[0], f"{name} kernel_size", fn=fn, minimum=1)
        s = check_int(layer[1], f"{name} stride", fn=fn, minimum=1)
        p = check_int(layer[2], f"{name} padding", fn=fn, minimum=0) if len(layer) == 3 else 0
        return k, s, p
    raise TypeError(
        f"{fn}: {name} must be an nn.Conv2d, nn.MaxPool2d or nn.AvgPool2d, or a "
        f"(kernel_size, stride[, padding]) tuple of ints, got {layer!r}")


def _along(value, axis):
    return value[axis] if isinstance(value, (tuple, list)) else value


# ---------------------------------------------------------------- checks
# Shared by every function above, so each rule and its message live once.

def _check_tensor(fn, name, t, axes, layer="nn.Conv2d"):
    """``t`` must be a finite, non-empty, floating tensor with one dim per axis."""
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{fn}: {name} must be a torch.Tensor, got {type(t).__name__}; "
                        f"make one with torch.tensor(...)")
    layout = ", ".join(axes)
    if t.dim() != len(axes):
        fix = (f"for a batch use {layer} or squeeze the extra dims" if t.dim() > len(axes)
               else f"reshape it to ({layout})")
        raise ValueError(f"{fn}: {name} must be a {len(axes)}-D tensor ({layout}), "
                         f"got shape {tuple(t.shape)}; {fix}")
    if not t.is_floating_point():
        raise TypeError(f"{fn}: {name} must hold floating-point numbers, got dtype {t.dtype}; "
                        f"convert it with {name}.float()")
    check_finite(t, name, fn=fn, fix=f"find where with torch.nonzero(~torch.isfinite({name}))")


def _check_pair_of_tensors(fn, X, x_axes, K, k_axes):
    """Check ``X`` and kernel ``K`` each, then that they can be combined."""
    _check_tensor(fn, "X", X, x_axes)
    _check_tensor(fn, "K", K, k_axes)
    # PyTorch refuses to mix them, and the loop version would silently
    # round K's products to X's dtype.
    if X.dtype != K.dtype or X.device != K.device:
        raise TypeError(f"{fn}: X is {X.dtype} on {X.device} but K is {K.dtype} on {K.device}; "
                        f"make them match, e.g. K = K.to(X)")


def _check_channels(fn, x_channels, k_channels, where):
    if x_channels != k_channels:
        raise ValueError(f"{fn}: X has {x_channels} input channels but K has {k_channels} "
                         f"({where}); they must be equal, one kernel per input channel")


def _check_fits(fn, kernel, size, padded=False, dilated=False):
    """The kernel (one extent per axis) must fit inside the input."""
    if any(k > n for k, n in zip(kernel, size)):
        kernel_note = " (after dilation)" if dilated else ""
        size_note = " (after padding)" if padded else ""
        raise ValueError(
            f"{fn}: kernel {_dims(kernel)}{kernel_note} is larger than the {_dims(size)} "
            f"input{size_note}; use a smaller kernel or pad the input")


def _dims(sizes):
    return "x".join(str(n) for n in sizes)
