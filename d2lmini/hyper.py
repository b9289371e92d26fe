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
        if isinstance(ignore, str) or not all(isinstance(name, str) for name in ignore):
            raise TypeError(f"save_hyperparameters: ignore must be a list of argument names, "
                            f"got {ignore!r}; write ignore=[{ignore!r}]")
        frame = inspect.currentframe().f_back
        code = frame.f_code
        # Only the arguments: locals defined before the call are not hyperparameters.
        names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        if code.co_name != "__init__" or not names or frame.f_locals.get(names[0]) is not self:
            raise TypeError(f"save_hyperparameters: call it as self.save_hyperparameters() "
                            f"inside {type(self).__name__}.__init__, not from {code.co_name}")
        unknown = sorted(set(ignore) - set(names))
        if unknown:
            raise ValueError(f"save_hyperparameters: ignore names {unknown}, which are not "
                             f"arguments of {code.co_name}; its arguments are {list(names[1:])}")
        skip = set(ignore) | {"self"}
        self.hparams = {
            name: frame.f_locals[name]
            for name in names
            if name not in skip and not name.startswith("_")
        }
        for name, value in self.hparams.items():
            setattr(self, name, value)
