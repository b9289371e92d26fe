"""Training budgets: d2l's settings on a GPU, a quick version on a CPU.

d2l trains every chapter-8 model for 10 epochs at up to 224x224 pixels, which
takes hours per model on a laptop CPU. Each notebook therefore describes two
settings and `pick` chooses one:

* ``full``  - d2l's own settings (default when a CUDA GPU is present);
* ``quick`` - fewer images, epochs or pixels, still on real Fashion-MNIST
  (default otherwise, and in CI).

Set ``D2LMINI_BUDGET=quick`` or ``full`` to override the default.
"""
import os

import torch

__all__ = ["BUDGETS", "budget_name", "pick", "describe_budget"]

BUDGETS = ("quick", "full")
ENV_VAR = "D2LMINI_BUDGET"


def budget_name():
    """``'quick'`` or ``'full'``, from ``$D2LMINI_BUDGET`` or the hardware."""
    chosen = os.environ.get(ENV_VAR, "").strip()
    if not chosen:
        return "full" if torch.cuda.is_available() else "quick"
    if chosen not in BUDGETS:
        raise ValueError(
            f"{ENV_VAR}={chosen!r} is not a budget; use one of {', '.join(BUDGETS)} "
            f"or unset it to choose by hardware")
    return chosen


def pick(quick, full):
    """Return ``quick`` or ``full`` according to the current budget."""
    return quick if budget_name() == "quick" else full


def describe_budget():
    """One line for the top of a notebook saying which budget runs and why."""
    name = budget_name()
    if os.environ.get(ENV_VAR, "").strip():
        reason = f"set by {ENV_VAR}"
    elif name == "full":
        reason = "a CUDA GPU is present"
    else:
        reason = f"no CUDA GPU; set {ENV_VAR}=full for d2l's settings"
    return f"budget: {name} ({reason})"
