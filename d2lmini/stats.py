"""Model size and cost: parameters and multiply-accumulates per image.

Chapter 8 compares architectures by what they cost, not only by accuracy.
Counting with forward hooks works for any model, Sequential or not.
`MacCounter` is the one place the book counts multiply-accumulates:
`count_macs` and `d2lmini.architecture` both use it.
"""
import math

import torch
from torch import nn

from .checks import check_shape
from .module import device_of, eval_mode, is_uninitialized

__all__ = ["num_params", "count_macs", "layer_macs", "MacCounter"]

_CONV = nn.modules.conv._ConvNd
_TRANSPOSED = nn.modules.conv._ConvTransposeNd


def num_params(model):
    """Number of trainable parameters (lazy layers must have seen data)."""
    _check_model("num_params", model)
    params = [p for p in model.parameters() if p.requires_grad]
    if any(is_uninitialized(p) for p in params):
        raise ValueError("num_params: the model has lazy layers that have not seen data yet; "
                         "run one forward pass first (e.g. model.layer_summary(shape))")
    return sum(p.numel() for p in params)


def layer_macs(layer, inputs, output):
    """Multiply-accumulates of one call of a convolution (any ``_ConvNd``: 1-D, 2-D, 3-D,
    transposed) or linear layer that read ``inputs`` and returned ``output``; 0 otherwise.

    A convolution's output value takes (in_channels / groups) × kernel multiply-adds; a
    transposed convolution spreads each INPUT value over (out_channels / groups) × kernel
    outputs; a linear layer's output value takes in_features. Batch included.
    """
    if not isinstance(output, torch.Tensor):
        return 0
    if isinstance(layer, _TRANSPOSED):
        kernel = math.prod(layer.kernel_size)
        return inputs[0].numel() * (layer.out_channels // layer.groups) * kernel
    if isinstance(layer, _CONV):
        kernel = math.prod(layer.kernel_size)
        return output.numel() * (layer.in_channels // layer.groups) * kernel
    if isinstance(layer, nn.Linear):
        return output.numel() * layer.in_features
    return 0


class MacCounter:
    """Adds up `layer_macs` of every convolution and linear layer of ``model`` as they run.

    ``with MacCounter(model) as counter: model(X)`` then ``counter.total`` (for the
    whole batch); the hooks are removed when the block ends.
    """

    def __init__(self, model):
        self.total = 0
        self._handles = [m.register_forward_hook(self._hook) for m in model.modules()
                         if isinstance(m, (_CONV, nn.Linear))]

    def _hook(self, layer, inputs, output):
        self.total += layer_macs(layer, inputs, output)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        self._handles = []


def count_macs(model, X_shape):
    """Multiply-accumulates of convolution and linear layers for one input.

    ``X_shape`` includes the batch dimension, e.g. ``(1, 1, 224, 224)``; the
    count is divided by the batch size so it is per image. Pooling,
    activations and normalization are not counted: they are a small share.
    """
    _check_model("count_macs", model)
    X_shape = check_shape(X_shape, fn="count_macs")
    if len(X_shape) < 2:
        raise ValueError(f"count_macs: X_shape must start with a batch size, e.g. (1, 1, 28, 28), "
                         f"got {X_shape!r}")
    with MacCounter(model) as counter, eval_mode(model), torch.no_grad():
        try:
            model(torch.zeros(*X_shape, device=device_of(model)))
        except Exception as error:  # PyTorch's shape errors, or a custom layer's
            raise ValueError(
                f"count_macs: the model cannot take an input of shape {X_shape}: "
                f"{type(error).__name__}: {error}; layer_summary(X_shape) shows "
                f"which layer fails") from error
    return counter.total // X_shape[0]


def _check_model(fn, model):
    if not isinstance(model, nn.Module):
        raise TypeError(f"{fn}: model must be an nn.Module, got {type(model).__name__}")
