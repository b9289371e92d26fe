"""AlexNet as d2l builds it (d2l §8.1), scaled to one-channel Fashion-MNIST.

Five convolutions (11x11 stride 4, 5x5, then three 3x3), three max-pooling
layers and a head of two 4096-unit dense layers with dropout. The layers are
lazy; ``self.net.apply(init_cnn)`` in ``__init__`` gives them Xavier weights
when they first see data (d2l's own ``init_cnn`` silently skips lazy layers,
see ``d2lmini.module.init_cnn``). At d2l's 224x224 input the last pooling
layer leaves 256 x 5 x 5 = 6400 features for the head.
"""
from torch import nn

from ..module import Classifier, init_cnn

__all__ = ["AlexNet"]


class AlexNet(Classifier):
    """The AlexNet model (ReLU activations, max pooling, dropout in the head)."""

    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(96, kernel_size=11, stride=4, padding=1),
            nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
            nn.LazyConv2d(256, kernel_size=5, padding=2), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.LazyConv2d(384, kernel_size=3, padding=1), nn.ReLU(),
            nn.LazyConv2d(384, kernel_size=3, padding=1), nn.ReLU(),
            nn.LazyConv2d(256, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2), nn.Flatten(),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(p=0.5),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(p=0.5),
            nn.LazyLinear(num_classes))
        self.net.apply(init_cnn)
