"""`setup_notebook`: the one call at the top of every chapter notebook.

It seeds the random number generators (so printed tensors are the same on
every run), turns on Colab's custom widget manager when running in Colab
(third-party widgets stay blank there otherwise), and prints which device
and training budget this run uses, so every page says what ran.
"""
import random
import sys

import torch

from .budget import describe_budget
from .device import choose_device, describe_device

__all__ = ["setup_notebook", "seed_everything"]


def seed_everything(seed=0):
    """Seed Python's, NumPy's and PyTorch's generators."""
    random.seed(seed)
    torch.manual_seed(seed)
    try:
        import numpy as np
    except ImportError:
        return
    np.random.seed(seed)


def _enable_colab_widgets():
    if "google.colab" in sys.modules:
        from google.colab import output
        output.enable_custom_widget_manager()


def setup_notebook(seed=0):
    """Seed, enable widgets in Colab, and print the device and budget."""
    seed_everything(seed)
    _enable_colab_widgets()
    print(f"device: {describe_device(choose_device())}")
    print(describe_budget())
