"""Argument checks shared by every module, so each rule and its message live once.

Each ``check_*(value, name, *, fn="")`` returns the value in the form the
caller uses, or raises TypeError (wrong kind of value) or ValueError (right
kind, impossible value). The message starts with ``fn: name`` (just ``name``
when ``fn`` is empty), shows the bad value and says what would work.
`check_int`, `check_pair` and `check_cell` also take a 0-d tensor or array
holding an int as that int, and a pair as a tensor or array (a widget gets
such values from the reader's PyTorch and numpy code).
"""
import math
from numbers import Integral

import numpy as np
import torch

__all__ = ["where", "is_int", "check_int", "check_pair", "check_cell", "check_positive_int",
           "check_size", "check_seed", "check_shape", "check_choice", "check_str",
           "check_labels", "check_finite", "check_real", "check_image", "check_images"]


def where(fn, name):
    """``'fn: name'``, or ``name`` alone when ``fn`` is empty."""
    return f"{fn}: {name}" if fn else name


def is_int(value):
    # bool is an int subclass, but resize=True is surely a mistake.
    return isinstance(value, Integral) and not isinstance(value, bool)


def _plain(value):
    """A tensor or array as Python numbers: a 0-d one as its number, else as (nested) lists."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return value.item() if value.ndim == 0 else value.tolist()
    return value


# ---------------------------------------------------------------- numbers

def check_int(value, name, *, fn="", minimum=None, maximum=None):
    """``value`` as an int in [minimum, maximum]."""
    if isinstance(value, (torch.Tensor, np.ndarray)) and value.ndim == 0:
        value = value.item()  # a 0-d tensor or array holding an int counts as that int
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
    value = _plain(value)
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2:
        raise TypeError(f"{where(fn, name)} must be an int or a (height, width) pair, "
                        f"got {value!r}")
    return tuple(check_int(v, name, fn=fn, minimum=minimum, maximum=maximum) for v in pair)


def check_cell(value, name, shape, *, fn=""):
    """A (row, column) pair of ints inside a ``shape`` grid, as a list."""
    value = _plain(value)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{where(fn, name)} must be a (row, column) pair of ints, "
                        f"got {value!r:.60}")
    return [check_int(v, f"{name} {axis}", fn=fn, minimum=0, maximum=n - 1)
            for v, axis, n in zip(value, ("row", "column"), shape)]


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


# ---------------------------------------------------------------- words

def check_choice(value, name, choices, *, fn=""):
    """``value`` must be one of ``choices`` (a string option)."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{where(fn, name)} must be one of {options}; got {value!r}")
    return value


def check_str(value, name, *, fn=""):
    """``value`` must be a string (a caption, shown as text)."""
    if not isinstance(value, str):
        raise TypeError(f"{where(fn, name)} must be a string, got "
                        f"{type(value).__name__} {value!r:.60}")
    return value


def check_labels(labels, name, *, fn="", count=None):
    """A list of strings (shown as text), optionally exactly ``count`` long."""
    if isinstance(labels, str) or not isinstance(labels, (list, tuple)):
        raise TypeError(f"{where(fn, name)} must be a list of strings, "
                        f"got {type(labels).__name__}")
    if not all(isinstance(s, str) for s in labels):
        raise TypeError(f"{where(fn, name)} must hold strings only, got {list(labels)!r:.80}")
    if count is not None and len(labels) != count:
        raise ValueError(f"{where(fn, name)} must have {count} entries, got {len(labels)}")
    return list(labels)


# ---------------------------------------------------------------- tensors and images

def check_finite(t, name, *, fn="", fix):
    """A tensor ``t`` must have elements, all finite; ``fix`` says what to do about NaN/inf."""
    if t.numel() == 0:
        raise ValueError(f"{where(fn, name)} is empty (shape {tuple(t.shape)}); "
                         f"every dimension needs at least one element")
    if not torch.isfinite(t).all():
        raise ValueError(f"{where(fn, name)} contains NaN or inf; {fix}")
    return t


def check_real(t, name, *, fn=""):
    """A tensor must hold real numbers (not complex, not bool)."""
    if t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"{where(fn, name)} must hold real numbers, got dtype {t.dtype}; "
                        f"convert it with {name}.float()")
    return t


def _nested(x, name, fn):
    """Any tensor / array / nested list as (nested Python list of floats, shape)."""
    if isinstance(x, (str, bytes, bool)) or x is None:
        raise TypeError(f"{where(fn, name)} must be a 2-D torch.Tensor, numpy array or list of "
                        f"lists of numbers, got {type(x).__name__} {x!r:.60}")
    if isinstance(x, torch.Tensor):
        check_real(x, name, fn=fn)
        return x.detach().cpu().double().tolist(), tuple(x.shape)
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "iuf":
            raise TypeError(f"{where(fn, name)} must hold real numbers, got numpy dtype {x.dtype}")
        return x.astype(float).tolist(), x.shape
    if isinstance(x, (list, tuple)):
        try:
            arr = np.array(x, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{where(fn, name)} must be a list of lists of numbers (all rows the "
                            f"same length), got {x!r:.80}") from None
        if any(isinstance(v, (str, bytes, bool)) for v in _flatten(x)):
            raise TypeError(f"{where(fn, name)} must hold numbers only, got {x!r:.80}")
        return arr.tolist(), arr.shape
    raise TypeError(f"{where(fn, name)} must be a 2-D torch.Tensor, numpy array or list of "
                    f"lists of numbers, got {type(x).__name__}")


def _flatten(x):
    if isinstance(x, (list, tuple)):
        for item in x:
            yield from _flatten(item)
    else:
        yield x


def check_image(x, name="image", *, fn="", max_side=None, min_side=1):
    """``x`` (2-D tensor, numpy array or list of lists) as a list of lists of floats.

    Raises TypeError for non-numbers, ValueError for the wrong number of
    dims, an empty image, one with a side below ``min_side`` or (for a
    widget, which saves it into the page) above ``max_side``, or NaN/inf;
    each error shows the shape and says what is allowed.
    """
    rows, shape = _nested(x, name, fn)
    if len(shape) != 2:
        extra = ""
        if len(shape) > 2 and sum(n != 1 for n in shape[:-2]) == 0:
            extra = f"; drop the leading size-1 dims with {name}.reshape({shape[-2]}, {shape[-1]})"
        elif len(shape) > 2:
            extra = f"; pick one image and one channel, e.g. {name}[0, 0]"
        elif len(shape) == 1:
            extra = f"; make it a single row with {name}.reshape(1, -1)"
        raise ValueError(f"{where(fn, name)} must be 2-D (height, width), got shape "
                         f"{tuple(shape)}{extra}")
    h, w = shape
    if h == 0 or w == 0:
        raise ValueError(f"{where(fn, name)} is empty (shape {tuple(shape)}); it needs at least "
                         f"one row and one column")
    if h < min_side or w < min_side:
        raise ValueError(f"{where(fn, name)} must be at least {min_side}×{min_side}, got {h}×{w}")
    if max_side is not None and (h > max_side or w > max_side):
        step = math.ceil(max(h, w) / max_side)
        raise ValueError(
            f"{where(fn, name)} is {h}×{w}, but this widget shows at most {max_side}×{max_side} "
            f"(its data is saved into the page); downsample it first, e.g. "
            f"{name}[::{step}, ::{step}] or F.interpolate({name}[None, None], "
            f"size=({min(h, max_side)}, {min(w, max_side)}))[0, 0]")
    if not all(math.isfinite(v) for row in rows for v in row):
        raise ValueError(f"{where(fn, name)} contains NaN or inf; replace them first, e.g. "
                         f"torch.nan_to_num({name})")
    return [[float(v) for v in row] for row in rows]


def check_images(images, name="images", *, fn="", single="use images[None]", max_images=None,
                 max_side=None):
    """A batch of images: a floating tensor (n, h, w) or (n, channels, h, w), returned 4-D.

    ``single`` is the fix suggested for one 2-D image; ``max_images`` and
    ``max_side`` are what a widget can save into the page.
    """
    layouts = "(n, h, w) or (n, channels, h, w)"
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{where(fn, name)} must be a torch.Tensor of shape {layouts}, "
                        f"got {type(images).__name__}")
    if not images.is_floating_point():
        raise TypeError(f"{where(fn, name)} must hold floating-point numbers, got dtype "
                        f"{images.dtype}; for 0..255 pixels use {name}.float() / 255")
    if images.dim() == 3:
        images = images.unsqueeze(1)
    elif images.dim() == 2:
        raise ValueError(f"{where(fn, name)} must be a batch, shape {layouts}, got a single 2-D "
                         f"image of shape {tuple(images.shape)}; {single}")
    elif images.dim() != 4:
        raise ValueError(f"{where(fn, name)} must have shape {layouts}, "
                         f"got shape {tuple(images.shape)}")
    n, _, h, w = images.shape
    if images.numel() == 0:
        raise ValueError(f"{where(fn, name)} is empty (shape {tuple(images.shape)})")
    if max_images is not None and n > max_images:
        raise ValueError(f"{fn + ': ' if fn else ''}got {n} {name}, at most {max_images} fit on "
                         f"the page; pass {name}[:{max_images}]")
    if max_side is not None and (h > max_side or w > max_side):
        raise ValueError(f"{where(fn, name)} are {h}×{w}, at most {max_side}×{max_side} are "
                         f"allowed (every activation is saved into the page)")
    if not torch.isfinite(images).all():
        raise ValueError(f"{where(fn, name)} contain NaN or inf")
    return images
