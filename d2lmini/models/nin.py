"""Network in Network as d2l builds it (d2l §8.3).

A NiN block is one ordinary convolution followed by two 1x1 convolutions,
each with a ReLU: a small per-pixel MLP across channels. The network ends
with a NiN block that has one channel per class and global average
pooling, so it has no dense layers at all.
"""
from torch import nn

from ..module import Classifier, init_cnn

__all__ = ["nin_block", "NiN"]


def nin_block(out_channels, kernel_size, strides, padding):
    """A convolution, then two 1x1 convolutions, each followed by a ReLU."""
    return nn.Sequential(
        nn.LazyConv2d(out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU())


class NiN(Classifier):
    """The NiN model: four NiN blocks, max pooling, dropout, global average pooling."""

    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nin_block(96, kernel_size=11, strides=4, padding=0),
            nn.MaxPool2d(3, stride=2),
            nin_block(256, kernel_size=5, strides=1, padding=2),
            nn.MaxPool2d(3, stride=2),
            nin_block(384, kernel_size=3, strides=1, padding=1),
            nn.MaxPool2d(3, stride=2),
            nn.Dropout(0.5),
            nin_block(num_classes, kernel_size=3, strides=1, padding=1),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten())
        self.apply(init_cnn)
