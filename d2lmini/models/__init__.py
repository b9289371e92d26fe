"""The models the book builds, kept so later sections (and benchmarks) can import them.

Each file holds what one section teaches, in cells marked
``# saved in d2lmini.models.<file>`` (tests/test_saved_cells.py checks that the
notebook and the file hold the same code).

* ``lenet``     - LeNet (§7.6)
* ``alexnet``   - AlexNet (§8.1)
* ``vgg``       - ``vgg_block``, VGG (§8.2)
* ``nin``       - ``nin_block``, NiN (§8.3)
* ``googlenet`` - ``Inception``, GoogleNet (§8.4)
* ``batchnorm`` - ``batch_norm``, ``BatchNorm``, BN-LeNet from scratch and concise (§8.5)
* ``resnet``    - ``Residual``, ResNet, ResNet-18, ``ResNeXtBlock`` (§8.6)
"""
from .alexnet import AlexNet
from .batchnorm import BatchNorm, BNLeNet, BNLeNetScratch, batch_norm
from .googlenet import GoogleNet, Inception
from .lenet import LeNet
from .nin import NiN, nin_block
from .resnet import Residual, ResNet, ResNet18, ResNeXtBlock
from .vgg import VGG, vgg_block

__all__ = ["LeNet", "AlexNet", "vgg_block", "VGG", "nin_block", "NiN", "Inception", "GoogleNet",
           "batch_norm", "BatchNorm", "BNLeNetScratch", "BNLeNet", "Residual", "ResNet",
           "ResNet18", "ResNeXtBlock"]
