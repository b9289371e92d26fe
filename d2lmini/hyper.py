"""`HyperParameters`: keep a constructor's arguments as attributes.

d2l's classes call ``self.save_hyperparameters()`` as the first line of
``__init__``; that reads the caller's arguments from its frame, so a model
written as ``def __init__(self, lr=0.1, num_classes=10)`` ends up with
``self.lr`` and ``self.num_classes`` without repeating every name.
"""
import inspect

__all__ = ["HyperParameters"]


class HyperParameters:
    """Mixin whose ``save_hyperparameters`` stores ``__init__``'s arguments."""

    def save_hyperparameters(self, ignore=()):
        """Set every argument of the calling ``__init__`` as an attribute.

        ``ignore`` names arguments to leave out. The stored values are also
        kept in ``self.hparams`` (a dict) so they can be printed or logged.
        """
        frame = inspect.currentframe().f_back
        code = frame.f_code
        # Only the arguments: locals defined before the call are not hyperparameters.
        names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        skip = set(ignore) | {"self"}
        self.hparams = {
            name: frame.f_locals[name]
            for name in names
            if name not in skip and not name.startswith("_")
        }
        for name, value in self.hparams.items():
            setattr(self, name, value)
