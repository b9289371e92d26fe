"""`PoolingExplorer`: max and average pooling, and how little a shift changes them (d2l §7.5).

The page pools in JavaScript for whatever window, stride, padding and mode
the reader picks (an image is at most 64×64, so that is instant); the
Python methods `PoolingExplorer.pooled` and `PoolingExplorer.shift_demo`
compute the same numbers with `d2lmini.pool2d`, and the tests check both
against ``F.max_pool2d`` / ``F.avg_pool2d``.
"""
import torch
import traitlets

from .. import ops
from ._base import CourseWidget, as_image, check_choice, check_int

__all__ = ["PoolingExplorer", "stripe_image", "EDGE_KERNEL"]

WIDGET = "PoolingExplorer"
MODES = ("max", "avg")
SOURCES = ("image", "edges")
MAX_SIDE = 64     # the page pools in JavaScript; keep that instant
MAX_WINDOW = 8
MAX_SHIFT = 2
#: §7.2's vertical-edge detector: +1 where a bright pixel has a dark right neighbour.
EDGE_KERNEL = torch.tensor([[1.0, -1.0]], dtype=torch.float64)


def stripe_image():
    """§7.2's 6×8 image: ones with a black stripe in columns 2..5."""
    X = torch.ones((6, 8), dtype=torch.float64)
    X[:, 2:6] = 0
    return X


def _shift(X, shift):
    """``X`` moved ``shift`` pixels to the right (left if negative); the border column repeats."""
    w = X.shape[1]
    cols = [min(max(j - shift, 0), w - 1) for j in range(w)]
    return X[:, cols]


def _rounded(t):
    return [[round(float(v), 3) + 0.0 for v in row] for row in t]


def _default_image():
    from ..data import FashionMNIST
    return FashionMNIST(batch_size=1).val.data[0].double() / 255


class PoolingExplorer(CourseWidget):
    """Max vs average pooling of an image and of its edge map (d2l §7.5).

    ``image`` is a 2-D tensor (or list of lists), at most 64×64 and at least
    2×2; by default the first Fashion-MNIST validation image (an ankle boot,
    28×28, values in [0, 1]). Its edge map is the cross-correlation with
    ``[[1, -1]]`` (§7.2). ``mode`` is ``"max"`` or ``"avg"``; ``pool_size``,
    ``stride`` (default: ``pool_size``, as in ``nn.MaxPool2d``) and
    ``padding`` (at most half the window, as PyTorch requires) are ints.
    ``source`` picks what is pooled first: ``"image"`` or ``"edges"``.

    Below the explorer, §7.2's stripe image and its edge map are shifted by
    ``shift`` pixels (default 1, to the right) and pooled with a 2×2 max
    pool at stride 1 and at stride 2, counting the output cells that change.
    """

    _esm_file = "pooling.js"
    testid = "pooling-explorer"

    image = traitlets.List().tag(sync=True)
    edges = traitlets.List().tag(sync=True)
    source = traitlets.Unicode("image").tag(sync=True)
    mode = traitlets.Unicode("max").tag(sync=True)
    pool_size = traitlets.Int(2).tag(sync=True)
    stride = traitlets.Int(2).tag(sync=True)
    padding = traitlets.Int(0).tag(sync=True)
    stripe = traitlets.List().tag(sync=True)
    shift = traitlets.Int(1).tag(sync=True)

    def __init__(self, image=None, mode="max", pool_size=2, stride=None, padding=0, *,
                 source="image", shift=1):
        check_choice(mode, "mode", MODES, widget=WIDGET)
        check_choice(source, "source", SOURCES, widget=WIDGET)
        pool_size = check_int(pool_size, "pool_size", widget=WIDGET, minimum=1,
                              maximum=MAX_WINDOW)
        stride = pool_size if stride is None else stride
        stride = check_int(stride, "stride", widget=WIDGET, minimum=1, maximum=MAX_WINDOW)
        padding = check_int(padding, "padding", widget=WIDGET, minimum=0)
        if padding > pool_size // 2:
            raise ValueError(f"{WIDGET}: padding must be at most half the window "
                             f"(pool_size // 2 = {pool_size // 2}, as PyTorch requires), "
                             f"got {padding}; lower the padding or enlarge pool_size")
        shift = check_int(shift, "shift", widget=WIDGET, minimum=-MAX_SHIFT, maximum=MAX_SHIFT)
        grid = as_image(_default_image() if image is None else image, "image",
                        widget=WIDGET, max_side=MAX_SIDE, min_side=2)
        # Round first, so the edge map is exactly what the page computes from the image.
        image = _rounded(grid)
        X = torch.tensor(image, dtype=torch.float64)
        edges = ops.corr2d(X, EDGE_KERNEL)
        h, w = (X if source == "image" else edges).shape
        if pool_size > min(h, w) + 2 * padding:
            raise ValueError(f"{WIDGET}: the {pool_size}×{pool_size} window is larger than "
                             f"the {h}×{w} {source} (+{padding} padding on each side); use a "
                             f"smaller pool_size or a larger image")
        super().__init__(image=image, edges=_rounded(edges), source=source, mode=mode,
                         pool_size=pool_size, stride=stride, padding=padding,
                         stripe=_rounded(stripe_image()), shift=shift)

    # ------------------------------------------------------ Python mirror

    def pooled(self, source=None, mode=None, pool_size=None, stride=None, padding=None):
        """What the page shows for these settings (default: the current ones), via `d2lmini.pool2d`.

        The page computes it in JavaScript with the same rules as PyTorch:
        padding is -inf for max and 0 (counted in the window) for average.
        """
        source = check_choice(self.source if source is None else source, "source", SOURCES,
                              widget=WIDGET)
        X = torch.tensor(self.image if source == "image" else self.edges, dtype=torch.float64)
        return ops.pool2d(X, self.pool_size if pool_size is None else pool_size,
                          self.mode if mode is None else mode,
                          stride=self.stride if stride is None else stride,
                          padding=self.padding if padding is None else padding)

    def shift_demo(self, shift=None):
        """The stripe experiment for ``shift`` (default: the current one), as a dict.

        Keys: ``X``, ``X_shifted``, ``edges``, ``edges_shifted`` and, for
        stride 1 and 2, ``pooled_s1`` / ``pooled_s1_shifted`` etc. (2×2 max
        pooling of the edge maps); ``changed`` maps ``"edges"``, ``"s1"`` and
        ``"s2"`` to how many cells differ between original and shifted.
        """
        shift = check_int(self.shift if shift is None else shift, "shift", widget=WIDGET,
                          minimum=-MAX_SHIFT, maximum=MAX_SHIFT)
        X = torch.tensor(self.stripe, dtype=torch.float64)
        out = {"X": X, "X_shifted": _shift(X, shift)}
        out["edges"] = ops.corr2d(out["X"], EDGE_KERNEL)
        out["edges_shifted"] = ops.corr2d(out["X_shifted"], EDGE_KERNEL)
        changed = {"edges": int((out["edges"] != out["edges_shifted"]).sum())}
        for s in (1, 2):
            for key in ("", "_shifted"):
                out[f"pooled_s{s}{key}"] = ops.pool2d(out[f"edges{key}"], 2, "max", stride=s)
            changed[f"s{s}"] = int((out[f"pooled_s{s}"] != out[f"pooled_s{s}_shifted"]).sum())
        out["changed"] = changed
        return out

    @traitlets.validate("mode")
    def _valid_mode(self, proposal):
        return check_choice(proposal["value"], "mode", MODES, widget=WIDGET)

    @traitlets.validate("source")
    def _valid_source(self, proposal):
        return check_choice(proposal["value"], "source", SOURCES, widget=WIDGET)

    @traitlets.validate("pool_size", "stride")
    def _valid_window(self, proposal):
        name = proposal["trait"].name
        return check_int(proposal["value"], name, widget=WIDGET, minimum=1, maximum=MAX_WINDOW)

    @traitlets.validate("padding")
    def _valid_padding(self, proposal):
        return check_int(proposal["value"], "padding", widget=WIDGET, minimum=0,
                         maximum=MAX_WINDOW // 2)

    @traitlets.observe("pool_size")
    def _clamp_padding(self, change):
        # PyTorch allows at most half the window of padding (the page clamps it too).
        if self.padding > change["new"] // 2:
            self.padding = change["new"] // 2

    @traitlets.validate("shift")
    def _valid_shift(self, proposal):
        return check_int(proposal["value"], "shift", widget=WIDGET, minimum=-MAX_SHIFT,
                         maximum=MAX_SHIFT)

    def _repr_state(self):
        h, w = len(self.image), len(self.image[0])
        return (f"image {h}×{w}, source={self.source!r}, mode={self.mode!r}, "
                f"pool_size={self.pool_size}, stride={self.stride}, padding={self.padding}, "
                f"shift={self.shift}")
