"""A dense layer vs a convolution on one image: locality, weight sharing and shifts (d2l §7.1).

Both layers map an h×w image to an h×w output. The dense layer gives every
output unit its own weight for every pixel (``W`` of shape (h·w, h·w)); the
convolution gives every unit the same small odd-sized kernel, applied with
zero padding ``kernel // 2`` to the pixels around it. `equivariance` counts
where each layer's output simply moves along when the input is shifted
(zeros come in at the border, nothing wraps around). `LocalityView` draws
all of this; its page computes the same numbers in JavaScript.
"""
import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["RTOL", "shift_image", "dense_init", "dense_forward", "conv_same", "dense_layer",
           "conv_layer", "unit_weights", "away_from_border", "equivariance", "layer_counts"]

#: Two outputs count as equal within this relative tolerance (the page uses the same).
RTOL = 1e-9


def shift_image(X, shift):
    """``X`` (h, w) moved ``dy`` rows down and ``dx`` columns right (negative: up, left).

    What leaves the image is dropped and zeros come in at the opposite
    border (nothing wraps around, unlike ``torch.roll``).
    """
    dy, dx = shift
    h, w = X.shape
    out = torch.zeros_like(X)
    if abs(dy) >= h or abs(dx) >= w:
        return out
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        X[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def dense_init(n_in, n_out, seed=0):
    """The weight (n_out, n_in) of ``nn.Linear(n_in, n_out)`` made right after
    ``torch.manual_seed(seed)`` (PyTorch's default init), without touching the global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Linear(n_in, n_out, bias=False).weight.detach().clone()


def dense_forward(W, X):
    """The dense layer's output map: ``W @ X.flatten()`` reshaped to ``X``'s (h, w)."""
    return (W.double() @ X.double().reshape(-1)).reshape(X.shape)


def conv_same(X, K):
    """Cross-correlation of ``X`` (h, w) with ``K`` (kh, kw), both sides odd, zero
    padding ``(kh // 2, kw // 2)``: the output has ``X``'s shape, as
    ``F.conv2d(X[None, None], K[None, None], padding=(kh // 2, kw // 2))``."""
    from . import ops

    kh, kw = K.shape
    padded = F.pad(X.double(), (kw // 2, kw // 2, kh // 2, kh // 2))
    return ops.corr2d(padded, K.double())


def dense_layer(W):
    """An ``nn.Linear(n_in, n_out, bias=False)`` holding ``W`` (n_out, n_in), in float64."""
    layer = nn.Linear(W.shape[1], W.shape[0], bias=False).double()
    with torch.no_grad():
        layer.weight.copy_(W)
    return layer


def conv_layer(K):
    """An ``nn.Conv2d(1, 1, K.shape, padding=kernel // 2, bias=False)`` holding ``K``, in
    float64: `conv_same` as a layer."""
    kh, kw = K.shape
    layer = nn.Conv2d(1, 1, (kh, kw), padding=(kh // 2, kw // 2), bias=False).double()
    with torch.no_grad():
        layer.weight.copy_(K[None, None])
    return layer


def unit_weights(W, K, shape, unit):
    """The weight output ``unit`` (row, column) gives each pixel in both layers: two (h, w) maps.

    The dense map is the unit's row of ``W``, every pixel its own weight. The
    convolution's map is the same layer written as a dense one (§7.1.2): the
    kernel placed around the unit, zero elsewhere.
    """
    (h, w), (i, j) = shape, unit
    kh, kw = K.shape
    conv = torch.zeros(h, w, dtype=torch.float64)
    for a in range(kh):
        for b in range(kw):
            r, c = i + a - kh // 2, j + b - kw // 2
            if 0 <= r < h and 0 <= c < w:
                conv[r, c] = K[a, b]
    return W[i * w + j].reshape(h, w).double(), conv


def away_from_border(shape, kernel_shape, shift):
    """(rows, columns) ranges of the units "away from the border" for ``shift``.

    Unit (i, j) is away from the border when its kernel window lies inside
    the image both where it is and where it was before the shift, (i - dy,
    j - dx): there a convolution sees exactly the pixels it saw before, so
    its output must equal the unshifted output moved by the shift. The
    ranges may be empty (a large shift or kernel on a small image).
    """
    ranges = []
    for n, k, s in zip(shape, kernel_shape, shift):
        p = k // 2
        ranges.append(range(max(p, p + s), min(n - p, n - p + s)))
    return tuple(ranges)


def _same(a, b):
    return (a - b).abs() <= RTOL * (1 + a.abs() + b.abs())


def equivariance(X, W, K, shift):
    """What shifting the image by ``shift`` does to both layers.

    Compares each layer's output for the shifted image with its output for
    the original image moved by the same shift (zeros brought in), unit by
    unit (equal within a relative `RTOL`). Returns a dict: ``interior``
    (how many units are away from the border, `away_from_border`), ``units``
    (all of them), ``conv_equal`` / ``dense_equal`` (equal units away from
    the border), ``conv_equal_all`` / ``dense_equal_all`` (equal units
    anywhere), and the tensors ``shifted``, ``conv``, ``dense`` (outputs
    for the shifted image) and ``conv_moved``, ``dense_moved``.
    """
    X = X.double()
    Xs = shift_image(X, shift)
    rows, cols = away_from_border(X.shape, K.shape, shift)
    out = {"shifted": Xs, "units": X.numel(), "interior": len(rows) * len(cols)}
    layers = {"conv": lambda x: conv_same(x, K), "dense": lambda x: dense_forward(W, x)}
    for name, layer in layers.items():
        new, moved = layer(Xs), shift_image(layer(X), shift)
        same = _same(new, moved)
        out[name], out[f"{name}_moved"] = new, moved
        out[f"{name}_equal_all"] = int(same.sum())
        out[f"{name}_equal"] = int(same[rows.start:rows.stop, cols.start:cols.stop].sum()) \
            if len(rows) and len(cols) else 0
    return out


def layer_counts(shape, kernel_shape):
    """Weights and connections of both layers for an image of ``shape`` (biases left out)."""
    pixels = shape[0] * shape[1]
    taps = kernel_shape[0] * kernel_shape[1]
    return {"pixels": pixels, "outputs": pixels, "dense_weights": pixels * pixels,
            "dense_sees": pixels, "conv_weights": taps, "conv_sees": taps}
