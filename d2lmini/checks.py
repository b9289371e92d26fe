"""Argument checks shared by every module, so each rule and its message live once.

Each ``check_*(value, name, *, fn="")`` returns the value in the form the
caller uses, or raises TypeError (wrong kind of value) or ValueError (right
kind, impossible value). The message starts with ``fn: name`` (just ``name``
when ``fn`` is empty), shows the bad value and says what would work.
"""
from numbers import Integral

__all__ = ["where", "is_int", "check_int", "check_pair", "check_positive_int", "check_size",
           "check_seed", "check_shape"]


def where(fn, name):
    """``'fn: name'``, or ``name`` alone when ``fn`` is empty."""
    return f"{fn}: {name}" if fn else name


def is_int(value):
    # bool is an int subclass, but resize=True is surely a mistake.
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_int(value, name, *, fn="", minimum=None, maximum=None):
    """``value`` as an int in [minimum, maximum]."""
    if not is_int(value):
        raise TypeError(f"{where(fn, name)} must be an int, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{where(fn, name)} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{where(fn, name)} must be at most {maximum}, got {value}")
    return value


def check_pair(value, name, *, fn="", minimum=None, maximum=None):
    """An int or a (height, width) pair of ints, as a tuple, like PyTorch's layer arguments."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2:
        raise TypeError(f"{where(fn, name)} must be an int or a (height, width) pair, "
                        f"got {value!r}")
    return tuple(check_int(v, name, fn=fn, minimum=minimum, maximum=maximum) for v in pair)


def check_positive_int(value, name, *, fn=""):
    """``value`` as an int of at least 1 (a size or a count)."""
    if not is_int(value):
        raise TypeError(f"{where(fn, name)} must be a positive int, got {value!r}")
    if value < 1:
        raise ValueError(f"{where(fn, name)} must be a positive int, got {value!r}")
    return int(value)


def check_size(value, name="resize", *, fn=""):
    """An image size as an (h, w) tuple; an int n means (n, n)."""
    pair = (value, value) if is_int(value) else value
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(map(is_int, pair))):
        raise TypeError(f"{where(fn, name)} must be an int or an (h, w) pair of ints, "
                        f"got {value!r}")
    if min(pair) < 1:
        raise ValueError(f"{where(fn, name)} must hold positive sizes, got {value!r}")
    return tuple(int(n) for n in pair)


def check_seed(value, name="seed", *, fn=""):
    """A random seed: an int of at least 0."""
    if not is_int(value) or value < 0:
        raise ValueError(f"{where(fn, name)} must be a non-negative int, got {value!r}")
    return int(value)


def check_shape(value, name="X_shape", *, fn=""):
    """A tensor shape as a tuple of positive ints (batch size first)."""
    try:
        shape = tuple(value)
    except TypeError:
        shape = ()
    if not shape or not all(is_int(n) and n > 0 for n in shape):
        raise ValueError(f"{where(fn, name)} must be a tuple of positive ints such as "
                         f"(1, 1, 28, 28), got {value!r}")
    return tuple(int(n) for n in shape)
