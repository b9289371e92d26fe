"""`setup_notebook`: the one call at the top of every chapter notebook.

It seeds the random number generators (so printed tensors are the same on
every run), turns on Colab's custom widget manager when running in Colab
(third-party widgets stay blank there otherwise), and prints which device
and training budget this run uses, so every page says what ran.
"""
import contextlib
import random
import sys

import torch

from .budget import describe_budget
from .device import choose_device, describe_device

__all__ = ["setup_notebook", "seed_everything", "expect_error"]


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


@contextlib.contextmanager
def expect_error(*kinds):
    """Run a block that is meant to fail, print its error in one line, and go on.

    ``with d2l.expect_error(ValueError): ...`` shows what a mistake looks like
    without stopping the notebook: Colab's "Run all" stops at any uncaught
    error (it ignores the ``raises-exception`` tag), and a 40-line traceback
    with the machine's paths says less than the message. A block that does
    not fail is an error too.
    """
    kinds = kinds or (Exception,)
    try:
        yield
    except kinds as error:
        lines = str(error).strip().splitlines()
        print(f"{type(error).__name__}: {lines[0] if lines else ''}")
    else:
        raise AssertionError(f"expect_error: expected {' or '.join(k.__name__ for k in kinds)}, "
                             f"but the block ran without one")
