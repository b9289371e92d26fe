"""Model size and cost: parameters and multiply-accumulates per image.

Chapter 8 compares architectures by what they cost, not only by accuracy.
Counting with forward hooks works for any model, Sequential or not.
"""
import torch
from torch import nn

from .checks import check_shape
from .module import device_of, is_uninitialized

__all__ = ["num_params", "count_macs"]


def num_params(model):
    """Number of trainable parameters (lazy layers must have seen data)."""
    _check_model("num_params", model)
    params = [p for p in model.parameters() if p.requires_grad]
    if any(is_uninitialized(p) for p in params):
        raise ValueError("num_params: the model has lazy layers that have not seen data yet; "
                         "run one forward pass first (e.g. model.layer_summary(shape))")
    return sum(p.numel() for p in params)


def _conv_macs(layer, output):
    # Each output value takes (in_channels / groups) * kh * kw multiply-adds.
    kh, kw = layer.kernel_size
    return output.numel() * (layer.in_channels // layer.groups) * kh * kw


def _linear_macs(layer, output):
    return output.numel() * layer.in_features


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
    total = 0

    def hook(layer, inputs, output):
        nonlocal total
        if isinstance(layer, nn.Conv2d):
            total += _conv_macs(layer, output)
        elif isinstance(layer, nn.Linear):
            total += _linear_macs(layer, output)

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            try:
                model(torch.zeros(*X_shape, device=device_of(model)))
            except Exception as error:  # PyTorch's shape errors, or a custom layer's
                raise ValueError(
                    f"count_macs: the model cannot take an input of shape {X_shape}: "
                    f"{type(error).__name__}: {error}; layer_summary(X_shape) shows "
                    f"which layer fails") from error
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return total // X_shape[0]


def _check_model(fn, model):
    if not isinstance(model, nn.Module):
        raise TypeError(f"{fn}: model must be an nn.Module, got {type(model).__name__}")
