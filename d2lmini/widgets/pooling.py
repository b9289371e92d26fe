"""`PoolingExplorer`: max and average pooling, and how little a shift changes them (d2l §7.5).

The page pools in JavaScript for whatever window, stride, padding and mode
the reader picks (an image is at most 64×64, so that is instant); the
Python method `PoolingExplorer.pooled` computes the same numbers with
`d2lmini.pool2d`, and the tests check both against ``F.max_pool2d`` /
``F.avg_pool2d``. `shift_invariance` counts what a shift of §7.5's stripe
changes, for the chapter's table and for the widget (whose JavaScript
mirrors it).
"""
import numpy as np
import torch
import traitlets

from .. import ops
from ..checks import check_choice, check_image, check_int
from ._base import CourseWidget, as_rows, validation_images

__all__ = ["PoolingExplorer", "stripe_image", "shift_invariance", "EDGE_KERNEL"]

WIDGET = "PoolingExplorer"
MODES = ("max", "avg")
SOURCES = ("image", "edges")
MAX_SIDE = 64     # the page pools in JavaScript; keep that instant
MAX_WINDOW = 8
MAX_SHIFT = 2     # the stripe (columns 2..5 of 8) stays inside the image
#: §7.2's vertical-edge detector: +1 where a bright pixel has a dark right neighbour.
EDGE_KERNEL = torch.tensor([[1.0, -1.0]], dtype=torch.float64)


def stripe_image(shift=0):
    """§7.5's ``stripe(shift)``: 6×8 ones with a dark stripe in columns 2 + shift .. 5 + shift."""
    shift = check_int(shift, "shift", fn="stripe_image", minimum=-MAX_SHIFT, maximum=MAX_SHIFT)
    X = torch.ones((6, 8), dtype=torch.float64)
    X[:, 2 + shift:6 + shift] = 0
    return X


def shift_invariance(shift):
    """What moving the stripe ``shift`` pixels right (left if negative) changes: §7.5's table.

    As the chapter does: the stripe is drawn again at its new place (no
    border column repeats), its edge strength ``|X ⋆ [[1, -1]]|`` is taken
    (max pooling the signed map would drop every -1 edge), and that is
    max-pooled 2×2 with stride 1 and with stride 2. Returns a dict of the
    tensors ``X``, ``edges``, ``pooled_s1``, ``pooled_s2`` and their
    ``*_shifted`` versions, and ``changed``: how many values differ in
    ``"edges"``, ``"s1"`` and ``"s2"`` (24, 15 and 9 for a shift of 1).
    """
    out = {"X": stripe_image(0), "X_shifted": stripe_image(shift)}
    changed = {}
    for key in ("", "_shifted"):
        out[f"edges{key}"] = ops.corr2d(out[f"X{key}"], EDGE_KERNEL).abs()
        for s in (1, 2):
            out[f"pooled_s{s}{key}"] = ops.pool2d(out[f"edges{key}"], 2, "max", stride=s)
    for name, key in (("edges", "edges"), ("s1", "pooled_s1"), ("s2", "pooled_s2")):
        changed[name] = int((out[key] != out[f"{key}_shifted"]).sum())
    out["changed"] = changed
    return out


def _check_image(value, state):
    # Rounded here, so the edge map is exactly what the page would compute from the image.
    return as_rows(check_image(value, "image", fn=WIDGET, max_side=MAX_SIDE, min_side=2))


def _edges(state):
    return as_rows(ops.corr2d(torch.tensor(state["image"], dtype=torch.float64), EDGE_KERNEL))


def _check_window(value, state, name):
    return check_int(value, name, fn=WIDGET)  # within its tag's limits


def _check_padding(value, state):
    padding = check_int(value, "padding", fn=WIDGET, minimum=0)
    half = state["pool_size"] // 2
    if padding > half:
        raise ValueError(f"{WIDGET}: padding must be at most half the window "
                         f"(pool_size // 2 = {half}, as PyTorch requires), got {padding}; "
                         f"lower the padding or enlarge pool_size")
    return padding


class PoolingExplorer(CourseWidget):
    """Max vs average pooling of an image and of its edge map (d2l §7.5).

    ``image`` is a 2-D tensor (or list of lists), at most 64×64 and at least
    2×2; by default the first Fashion-MNIST validation image (an ankle boot,
    28×28, values in [0, 1]); it is kept rounded to 3 decimals. Its edge
    map is the cross-correlation with ``[[1, -1]]`` (§7.2). ``mode`` is
    ``"max"`` or ``"avg"``; ``pool_size``, ``stride`` (default:
    ``pool_size``, as in ``nn.MaxPool2d``) and ``padding`` (at most half the
    window, as PyTorch requires) are ints; a new ``pool_size`` resets
    ``stride`` and ``padding`` to their defaults. ``source`` picks what is
    pooled first: ``"image"`` or ``"edges"``. A window larger than the
    (padded) input is allowed: the page says it does not fit.

    Below the explorer, §7.5's stripe experiment (`shift_invariance`) for
    ``shift`` pixels (default 1, to the right): how many values of the edge
    strength and of its 2×2 max pools (stride 1 and 2) change.
    """

    _esm_file = "pooling.js"
    testid = "pooling-explorer"

    image = traitlets.Any().tag(
        sync=True, check=_check_image,
        valid=(torch.rand(5, 7, generator=torch.Generator().manual_seed(0)), np.eye(2),
               [[0.12345, 1], [2, 3]]),
        invalid=(torch.ones(1, 1), torch.ones(65, 3), torch.ones(10), "cat",
                 torch.full((4, 4), float("inf"))))
    source = traitlets.Any("image").tag(
        sync=True, check=lambda value, state: check_choice(value, "source", SOURCES, fn=WIDGET),
        valid=("edges",), invalid=("both",))
    mode = traitlets.Any("max").tag(
        sync=True, check=lambda value, state: check_choice(value, "mode", MODES, fn=WIDGET),
        valid=("avg",), invalid=("min", 3))
    pool_size = traitlets.Any(2).tag(
        sync=True, check=lambda value, state: _check_window(value, state, "pool_size"),
        limits=(1, MAX_WINDOW),
        valid=(3, 1, np.int64(8), torch.tensor(4)), invalid=(0, 9, 2.5, True))
    stride = traitlets.Any().tag(
        sync=True, check=lambda value, state: _check_window(value, state, "stride"),
        limits=(1, MAX_WINDOW),
        default=lambda state: state["pool_size"], follows=("pool_size",),
        valid=(1, 5), invalid=(0, 9, "2"))
    padding = traitlets.Any(0).tag(
        sync=True, check=_check_padding, follows=("pool_size",),
        valid=(1,), invalid=(2, -1))
    shift = traitlets.Any(1).tag(
        sync=True, check=lambda value, state: check_int(value, "shift", fn=WIDGET),
        limits=(-MAX_SHIFT, MAX_SHIFT),
        valid=(-2, 0, 2), invalid=(3, -3, 0.5))
    edges = traitlets.List().tag(sync=True, default=_edges, follows=("image",))

    def __init__(self, image=None, mode="max", pool_size=2, stride=None, padding=0, *,
                 source="image", shift=1):
        if image is None:  # the first Fashion-MNIST validation image
            image = validation_images(1).images[0]
        super().__init__(image=image, source=source, mode=mode, pool_size=pool_size,
                         stride=stride, padding=padding, shift=shift)

    # ------------------------------------------------------ Python mirror

    def pooled(self, source=None, mode=None, pool_size=None, stride=None, padding=None):
        """What the page shows for these settings (default: the current ones), via `d2lmini.pool2d`.

        The page computes it in JavaScript with the same rules as PyTorch:
        padding is -inf for max and 0 (counted in the window) for average.
        """
        source = check_choice(self.source if source is None else source, "source", SOURCES,
                              fn=WIDGET)
        X = torch.tensor(self.image if source == "image" else self.edges, dtype=torch.float64)
        return ops.pool2d(X, self.pool_size if pool_size is None else pool_size,
                          self.mode if mode is None else mode,
                          stride=self.stride if stride is None else stride,
                          padding=self.padding if padding is None else padding)

    def shift_demo(self, shift=None):
        """`shift_invariance` for ``shift`` (default: the current one): what the page shows."""
        return shift_invariance(self.shift if shift is None else shift)

    def _repr_state(self):
        h, w = len(self.image), len(self.image[0])
        return (f"image {h}×{w}, source={self.source!r}, mode={self.mode!r}, "
                f"pool_size={self.pool_size}, stride={self.stride}, padding={self.padding}, "
                f"shift={self.shift}")
