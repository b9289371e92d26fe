"""GoogLeNet (d2l §8.4): the Inception block and the five-stage network.

Written the way d2l writes it: ``GoogleNet`` starts with the stem ``b1``
and grows ``b2`` ... ``b5`` and ``__init__`` through `add_to_class`, so the
notebook can teach one stage per cell and save the very same code here.
"""
import torch
from torch import nn
from torch.nn import functional as F

from ..module import Classifier, add_to_class, init_cnn

__all__ = ["Inception", "GoogleNet"]


class Inception(nn.Module):
    """Four parallel branches whose outputs are stacked along the channels.

    ``c1`` ... ``c4`` are the output channels of the branches (``c2`` and
    ``c3`` are pairs: the 1x1 reduction, then the 3x3 or 5x5 convolution).
    The block outputs ``c1 + c2[1] + c3[1] + c4`` channels at the input's
    height and width.
    """

    def __init__(self, c1, c2, c3, c4, **kwargs):
        super(Inception, self).__init__(**kwargs)
        # Branch 1: a 1x1 convolution
        self.b1_1 = nn.LazyConv2d(c1, kernel_size=1)
        # Branch 2: 1x1 to reduce the channels, then 3x3
        self.b2_1 = nn.LazyConv2d(c2[0], kernel_size=1)
        self.b2_2 = nn.LazyConv2d(c2[1], kernel_size=3, padding=1)
        # Branch 3: 1x1 to reduce the channels, then 5x5
        self.b3_1 = nn.LazyConv2d(c3[0], kernel_size=1)
        self.b3_2 = nn.LazyConv2d(c3[1], kernel_size=5, padding=2)
        # Branch 4: 3x3 max-pooling (stride 1 keeps the size), then 1x1
        self.b4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.b4_2 = nn.LazyConv2d(c4, kernel_size=1)

    def forward(self, x):
        b1 = F.relu(self.b1_1(x))
        b2 = F.relu(self.b2_2(F.relu(self.b2_1(x))))
        b3 = F.relu(self.b3_2(F.relu(self.b3_1(x))))
        b4 = F.relu(self.b4_2(self.b4_1(x)))
        return torch.cat((b1, b2, b3, b4), dim=1)


class GoogleNet(Classifier):
    """GoogLeNet for ``num_classes`` classes (d2l's version, 96x96 inputs)."""

    def b1(self):
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
            nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@add_to_class(GoogleNet)
def b2(self):
    return nn.Sequential(
        nn.LazyConv2d(64, kernel_size=1), nn.ReLU(),
        nn.LazyConv2d(192, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@add_to_class(GoogleNet)
def b3(self):
    return nn.Sequential(Inception(64, (96, 128), (16, 32), 32),
                         Inception(128, (128, 192), (32, 96), 64),
                         nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@add_to_class(GoogleNet)
def b4(self):
    return nn.Sequential(Inception(192, (96, 208), (16, 48), 64),
                         Inception(160, (112, 224), (24, 64), 64),
                         Inception(128, (128, 256), (24, 64), 64),
                         Inception(112, (144, 288), (32, 64), 64),
                         Inception(256, (160, 320), (32, 128), 128),
                         nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@add_to_class(GoogleNet)
def b5(self):
    return nn.Sequential(Inception(256, (160, 320), (32, 128), 128),
                         Inception(384, (192, 384), (48, 128), 128),
                         nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())


@add_to_class(GoogleNet)
def __init__(self, lr=0.1, num_classes=10):
    super(GoogleNet, self).__init__()
    self.save_hyperparameters()
    self.net = nn.Sequential(self.b1(), self.b2(), self.b3(), self.b4(),
                             self.b5(), nn.LazyLinear(num_classes))
    self.net.apply(init_cnn)
