"""d2lmini: the parts of ``d2l.torch`` that D2L's CNN chapters (7-8) use.

``import d2lmini as d2l`` runs the d2l.ai code of these chapters without
torchvision and without pinned versions. One module per topic:

* ``ops``     - convolution and pooling reference ops, shape arithmetic
* ``datafiles`` - Fashion-MNIST's files: found, verified, fetched, read
* ``data``    - Fashion-MNIST in memory, in batches (``FashionMNIST``)
* ``checks``  - the argument checks every module uses, one message style
* ``module``  - ``Module``, ``Classifier``, ``add_to_class``, ``init_cnn``, ``init_kaiming``,
  ``device_of``, ``eval_mode``
* ``train``   - ``Trainer`` and its callbacks, ``History``
* ``callbacks`` - what a Trainer shows: progress line, metric lines, curves
* ``progress`` - the training log: one block that updates in place
* ``device``  - CUDA, then Apple MPS, then CPU
* ``budget``  - quick (CPU) vs full (GPU, d2l's settings) training budgets,
  ``print_budget`` and ``check_accuracy`` for pages tested under both
* ``settings`` - every environment variable d2lmini reads
* ``plot``    - training curves and image grids as PNG
* ``stats``   - parameter and multiply-accumulate counts
* ``equivariance`` - a dense layer vs a convolution: locality, shifts (for ``LocalityView``)
* ``architecture`` - a model's layers as a graph, from its own code (for ``ArchitectureView``)
* ``notebook`` - the set-up call of every page, ``expect_error``
* ``results`` - recording training runs for the results page
* ``book``    - the book's sections (from _toc.yml), recorded runs and quoted numbers,
  for its scripts and tests; ``models.BOOK`` is the registry of each section's models
* ``recorded`` - runs a page quotes but cannot repeat (a GPU run, a long CPU run), as files
* ``compat``  - d2l's small framework aliases
* ``models``  - the models the chapters build (``d2lmini.models``)
* ``widgets`` - interactive figures (``d2lmini.widgets``, imported on demand)
"""
import torch
from torch import nn
from torch.nn import functional as F

from .budget import budget_name, capped, check_accuracy, describe_budget, pick, print_budget
from .compat import *  # noqa: F401,F403 - d2l's framework aliases, compat.__all__
from .data import DataError, DataModule, FashionMNIST, read_idx
from .device import choose_device, cpu, describe_device, gpu, num_gpus, try_gpu
from .hyper import HyperParameters
from .notebook import expect_error, seed_everything, setup_notebook
from .module import (Classifier, Module, add_to_class, device_of, eval_mode, init_cnn,
                     init_kaiming, layer_summary)
from .ops import (comp_conv2d, conv_output_shape, conv_output_size, corr2d,
                  corr2d_multi_in, corr2d_multi_in_out, corr2d_multi_in_out_1x1,
                  corr2d_vectorized, pool2d, receptive_fields)
from .models import LeNet, Residual, ResNeXtBlock
from .plot import plot_history, set_figsize, show_images
from .recorded import recorded_run
from .results import record_run
from .stats import count_macs, num_params
from .train import Callback, History, Trainer, default_callbacks

__version__ = "0.2.0"


def __getattr__(name):
    # d2l code uses ``d2l.plt``; importing pyplot only on first use keeps
    # ``import d2lmini`` fast.
    if name == "plt":
        import matplotlib.pyplot as plt
        return plt
    raise AttributeError(f"module 'd2lmini' has no attribute {name!r}")
