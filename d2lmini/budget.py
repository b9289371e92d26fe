"""Training budgets: d2l's settings on a GPU, a quick version on a CPU.

d2l trains every chapter-8 model for 10 epochs at up to 224x224 pixels, which
takes hours per model on a laptop CPU. Each notebook therefore describes two
settings and `pick` chooses one:

* ``full``  - d2l's own settings (default when a CUDA GPU is present);
* ``quick`` - fewer images, epochs or pixels, still on real Fashion-MNIST
  (default otherwise, and in CI).

Set ``D2LMINI_BUDGET=quick`` or ``full`` to override the default.

The notebooks are saved from a quick run and tested under both budgets, so
a printed line that depends on the budget goes through `print_budget`, which
tags it (the tests compare such lines only up to the tag), and an accuracy
goes through `check_accuracy`, which states the bar of each budget.
"""
import math

import torch

from . import settings

__all__ = ["BUDGETS", "budget_name", "pick", "describe_budget", "print_budget",
           "check_accuracy", "capped"]

BUDGETS = ("quick", "full")


def budget_name():
    """``'quick'`` or ``'full'``, from ``$D2LMINI_BUDGET`` or the hardware."""
    chosen = settings.budget_override()
    if not chosen:
        return "full" if torch.cuda.is_available() else "quick"
    if chosen not in BUDGETS:
        raise ValueError(
            f"{settings.BUDGET}={chosen!r} is not a budget; use one of {', '.join(BUDGETS)} "
            f"or unset it to choose by hardware")
    return chosen


def pick(quick, full):
    """Return ``quick`` or ``full`` according to the current budget."""
    return quick if budget_name() == "quick" else full


def describe_budget():
    """One line for the top of a notebook saying which budget runs and why."""
    name = budget_name()
    if settings.budget_override():
        reason = f"set by {settings.BUDGET}"
    elif name == "full":
        reason = "a CUDA GPU is present"
    else:
        reason = f"no CUDA GPU; set {settings.BUDGET}=full for d2l's settings"
    return f"budget: {name} ({reason})"


def print_budget(*values):
    """Print a line that depends on the budget, tagged ``[quick]`` or ``[full]``."""
    print(f"[{budget_name()}]", *values)


def capped():
    """True when ``$D2LMINI_CAP`` shrinks every epoch to a few batches."""
    return settings.data_cap() is not None


def check_accuracy(accuracy, above=None, below=None):
    """Assert that an accuracy (or a gap between two) lies past this budget's bars.

    `accuracy` is a number or a `History` (its last validation accuracy).
    `above` and `below` are the bars, usually ``pick(quick=..., full=...)``
    set from recorded runs. A run under ``$D2LMINI_CAP`` trains on a few
    batches and learns nothing, so there only what holds for any run is
    checked: a number between -1 and 1 (and, for a History, one per epoch).
    """
    metrics = getattr(accuracy, "metrics", None)   # a History (budgets need no trainer)
    if isinstance(metrics, dict):
        values, epochs = metrics.get("val_acc", []), len(accuracy)
        if len(values) != epochs or not values:
            raise AssertionError(f"check_accuracy: the history has {len(values)} validation "
                                 f"accuracies for {epochs} epochs")
    else:
        values = [accuracy]
    for value in values:
        if not (isinstance(value, (int, float)) and math.isfinite(value) and -1 <= value <= 1):
            raise AssertionError(f"check_accuracy: {value!r} is not an accuracy (a number in "
                                 f"0..1, or a difference of two in -1..1)")
    if capped():
        return
    value, name = values[-1], budget_name()
    if above is not None and not value > above:
        raise AssertionError(f"check_accuracy: {value:.3f} is not above {above} "
                             f"(the {name} budget's bar); all epochs: {values}")
    if below is not None and not value < below:
        raise AssertionError(f"check_accuracy: {value:.3f} is not below {below} "
                             f"(the {name} budget's bar); all epochs: {values}")
