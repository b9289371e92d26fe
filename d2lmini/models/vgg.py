"""VGG as d2l builds it (d2l §8.2): networks made of repeated blocks.

A VGG block is ``num_convs`` 3x3 convolutions (padding 1, so the resolution
is kept) each followed by a ReLU, then a 2x2 max-pooling layer that halves
height and width. ``VGG(arch)`` stacks one block per ``(num_convs,
out_channels)`` pair of ``arch`` and ends in AlexNet's dense head.
VGG-11 is ``((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))``; d2l trains
it with every channel count divided by 4.
"""
from torch import nn

from ..module import Classifier, init_cnn

__all__ = ["vgg_block", "VGG", "VGG11_ARCH"]

#: VGG-11's (number of convolutions, output channels) per block.
VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg_block(num_convs, out_channels):
    """``num_convs`` 3x3 convolutions with ReLU, then 2x2 max pooling."""
    layers = []
    for _ in range(num_convs):
        layers.append(nn.LazyConv2d(out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


class VGG(Classifier):
    """A VGG network: one `vgg_block` per ``(num_convs, out_channels)`` in ``arch``."""

    def __init__(self, arch, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        conv_blks = []
        for (num_convs, out_channels) in arch:
            conv_blks.append(vgg_block(num_convs, out_channels))
        self.net = nn.Sequential(
            *conv_blks, nn.Flatten(),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(0.5),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(0.5),
            nn.LazyLinear(num_classes))
        self.net.apply(init_cnn)
