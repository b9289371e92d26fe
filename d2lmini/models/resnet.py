"""ResNet and ResNeXt (d2l §8.6): residual blocks and ResNet-18.

``ResNet`` grows ``block`` and ``__init__`` through `add_to_class`, as in
d2l. ``ResNeXtBlock`` fixes d2l's grouped convolution: d2l passes
``groups=bot_channels // groups``, which makes ``bot_channels // groups``
groups of ``groups`` channels each, the reverse of what the argument means.
Here the 3x3 convolution has exactly ``groups`` groups.
"""
from torch import nn
from torch.nn import functional as F

from ..module import Classifier, add_to_class, init_cnn

__all__ = ["Residual", "ResNet", "ResNet18", "ResNeXtBlock"]


class Residual(nn.Module):
    """The residual block of ResNet: two 3x3 convolutions plus a shortcut.

    With ``use_1x1conv`` the shortcut is a 1x1 convolution with stride
    ``strides``, so the block may change the channels and halve the size.
    """

    def __init__(self, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1,
                                   stride=strides)
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1,
                                       stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


class ResNet(Classifier):
    """A ResNet: stem ``b1``, one stage per ``(num_residuals, num_channels)`` in ``arch``, head."""

    def b1(self):
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
            nn.LazyBatchNorm2d(), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@add_to_class(ResNet)
def block(self, num_residuals, num_channels, first_block=False):
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(num_channels, use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels))
    return nn.Sequential(*blk)


@add_to_class(ResNet)
def __init__(self, arch, lr=0.1, num_classes=10):
    super(ResNet, self).__init__()
    self.save_hyperparameters()
    self.net = nn.Sequential(self.b1())
    for i, b in enumerate(arch):
        self.net.add_module(f'b{i+2}', self.block(*b, first_block=(i == 0)))
    self.net.add_module('last', nn.Sequential(
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        nn.LazyLinear(num_classes)))
    self.net.apply(init_cnn)


class ResNet18(ResNet):
    """ResNet-18: four stages of two residual blocks (64, 128, 256, 512 channels)."""

    def __init__(self, lr=0.1, num_classes=10):
        super().__init__(((2, 64), (2, 128), (2, 256), (2, 512)),
                         lr, num_classes)


class ResNeXtBlock(nn.Module):
    """The ResNeXt block: 1x1 down to ``bot_channels``, grouped 3x3, 1x1 up.

    ``bot_channels = round(num_channels * bot_mul)`` is split into
    ``groups`` groups of ``bot_channels // groups`` channels; each group's
    3x3 convolution sees only its own channels.
    """

    def __init__(self, num_channels, groups, bot_mul, use_1x1conv=False,
                 strides=1):
        super().__init__()
        bot_channels = int(round(num_channels * bot_mul))
        if bot_channels % groups:
            raise ValueError(f"ResNeXtBlock: {bot_channels} bottleneck channels "
                             f"cannot be split into {groups} equal groups")
        self.conv1 = nn.LazyConv2d(bot_channels, kernel_size=1, stride=1)
        self.conv2 = nn.LazyConv2d(bot_channels, kernel_size=3,
                                   stride=strides, padding=1, groups=groups)
        self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1, stride=1)
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()
        self.bn3 = nn.LazyBatchNorm2d()
        if use_1x1conv:
            self.conv4 = nn.LazyConv2d(num_channels, kernel_size=1,
                                       stride=strides)
            self.bn4 = nn.LazyBatchNorm2d()
        else:
            self.conv4 = None

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = F.relu(self.bn2(self.conv2(Y)))
        Y = self.bn3(self.conv3(Y))
        if self.conv4 is not None:
            X = self.bn4(self.conv4(X))
        return F.relu(Y + X)
