"""Batch normalization from scratch and LeNet with batch normalization (d2l §8.5).

Two changes from d2l's ``BatchNorm``, both so that it behaves like
``nn.BatchNorm2d``/``nn.BatchNorm1d``:

* the moving statistics are *buffers* (``register_buffer``): ``.to()`` moves
  them with the parameters and ``state_dict()`` saves them; d2l keeps them as
  plain tensor attributes, so a saved model loses them;
* the mode follows ``module.train()``/``module.eval()`` (``self.training``);
  d2l decides by ``torch.is_grad_enabled()``, so a model in eval mode still
  normalizes with batch statistics (and updates its averages) whenever
  gradients are on.

The moving variance averages the *unbiased* batch variance, as PyTorch and
the batch-normalization paper do; the normalization itself uses the biased
one, as everywhere.
"""
import torch
from torch import nn

from ..module import Classifier

__all__ = ["batch_norm", "BatchNorm", "BNLeNetScratch", "BNLeNet"]


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum,
               training=None):
    """Normalize ``X``, then scale by ``gamma`` and shift by ``beta``.

    Returns ``(Y, moving_mean, moving_var)`` with the moving statistics
    updated (training) or unchanged (prediction). ``training=None`` picks the
    mode as d2l does: training exactly when gradients are enabled.
    """
    if training is None:
        training = torch.is_grad_enabled()
    if not training:
        # Prediction: use the statistics averaged during training
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        if X.dim() not in (2, 4):
            raise ValueError(f"batch_norm: X must be 2-D (fully connected) or 4-D "
                             f"(convolutional), got shape {tuple(X.shape)}")
        # Statistics per feature (2-D) or per channel over all pixels (4-D)
        dims = (0,) if X.dim() == 2 else (0, 2, 3)
        n = X.numel() // X.shape[1]
        if n < 2:
            raise ValueError("batch_norm: training needs more than one value per channel")
        mean = X.mean(dim=dims, keepdim=True)
        var = ((X - mean) ** 2).mean(dim=dims, keepdim=True)
        X_hat = (X - mean) / torch.sqrt(var + eps)
        # Update the moving averages (no gradient flows into them)
        with torch.no_grad():
            moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
            moving_var = (1.0 - momentum) * moving_var + momentum * var * n / (n - 1)
    Y = gamma * X_hat + beta  # scale and shift
    return Y, moving_mean, moving_var


class BatchNorm(nn.Module):
    """Batch normalization for ``num_features`` features or channels.

    ``num_dims`` is 2 after a fully connected layer, 4 after a convolution.
    """

    def __init__(self, num_features, num_dims):
        super().__init__()
        if num_dims == 2:
            shape = (1, num_features)
        elif num_dims == 4:
            shape = (1, num_features, 1, 1)
        else:
            raise ValueError(f"BatchNorm: num_dims must be 2 or 4, got {num_dims!r}")
        # Learned scale and shift
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        # Moving statistics: state, not parameters, so buffers
        self.register_buffer('moving_mean', torch.zeros(shape))
        self.register_buffer('moving_var', torch.ones(shape))

    def forward(self, X):
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean, self.moving_var,
            eps=1e-5, momentum=0.1, training=self.training)
        return Y


class BNLeNetScratch(Classifier):
    """LeNet with the from-scratch `BatchNorm` after every conv and linear layer."""

    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5), BatchNorm(6, num_dims=4),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), BatchNorm(16, num_dims=4),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(), nn.LazyLinear(120), BatchNorm(120, num_dims=2),
            nn.Sigmoid(), nn.LazyLinear(84), BatchNorm(84, num_dims=2),
            nn.Sigmoid(), nn.LazyLinear(num_classes))


class BNLeNet(Classifier):
    """The same network with PyTorch's ``nn.LazyBatchNorm2d``/``nn.LazyBatchNorm1d``."""

    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5), nn.LazyBatchNorm2d(),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.LazyBatchNorm2d(),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(), nn.LazyLinear(120), nn.LazyBatchNorm1d(),
            nn.Sigmoid(), nn.LazyLinear(84), nn.LazyBatchNorm1d(),
            nn.Sigmoid(), nn.LazyLinear(num_classes))
