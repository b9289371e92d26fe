"""LeNet-5 as d2l builds it (d2l §7.6), for the feature-map browser, the
benchmarks and chapter 8 (which compares its modern networks with it).

Two convolutional blocks (5x5 convolution, sigmoid, 2x2 average pooling)
and three fully connected layers. The layers are lazy: they learn their
input sizes from the first batch, so call ``model.apply_init`` (or run any
forward pass) before counting parameters.
"""
from torch import nn

from ..module import Classifier

__all__ = ["LeNet"]


class LeNet(Classifier):
    """The LeNet-5 model (sigmoid activations, average pooling)."""

    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.LazyLinear(120), nn.Sigmoid(),
            nn.LazyLinear(84), nn.Sigmoid(),
            nn.LazyLinear(num_classes))
