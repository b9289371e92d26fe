"""`LocalityView`: a dense layer vs a convolution on the same image (d2l §7.1).

The dense layer is ``nn.Linear(h*w, h*w, bias=False)`` with PyTorch's default
initialisation from a fixed seed; the convolution one odd-sized kernel (3×3 by
default) with "same" padding ``kernel // 2`` and no bias. The page shows, for a
selected unit, which pixels it depends on and with which weights (locality and
weight sharing), and, for a shift of the input, whether each output moves with
it (translation equivariance). It computes everything itself from the saved
state (the book has no kernel); `d2lmini.equivariance` computes the same in
Python, and the tests check both against ``nn.Linear`` / ``F.conv2d``.

The dense weights are saved 8 bits each (`_codec`, about 51 KB for 14×14); the
page and `LocalityView.dense_weight` both use these de-quantized values, within
half a step (``(max - min) / 510``) of the seeded ``nn.Linear``'s. The status
text is written once, here (`TEXTS`): the page fills it with its own numbers.
"""
import numpy as np
import torch
import traitlets
from torch.nn import functional as F

from .. import equivariance as eqv
from ..checks import check_cell, check_choice, check_image, check_pair, check_str
from . import _codec, presets
from ._base import MAX_IMAGE_SIDE, CourseWidget, as_rows, validation_images
from ._text import fill

__all__ = ["LocalityView", "TEXTS"]

WIDGET = "LocalityView"
MAX_SIDE = 16          # (h*w)^2 dense weights go into the page: 65,536 at 16×16
MIN_SIDE = 2
MAX_KERNEL_SIDE = 7
MAX_SHIFT = 3

#: The status lines: the counts, then what the shift did (no shift / some units away
#: from the border / none). Python fills them in `LocalityView.status`, the page with
#: the numbers it computes (d2lFill); see `_text.fill` for the two rules.
TEXTS = {
    "counts": "dense: {dense_weights:weight}, every output sees all {dense_sees:pixel}; "
              "convolution: {conv_weights:weight} shared by all {outputs:output}, each sees "
              "{conv_sees:pixel}",
    "no_shift": "no shift: set a shift to move the input and compare the outputs",
    "shift": "shift ({dy}, {dx}): the convolution's output moves with the input: at "
             "{conv_equal} of the {interior} units away from the border ({conv_equal_all} of "
             "all {units}) it equals the unshifted output moved by ({dy}, {dx}); the dense "
             "output does so at {dense_equal} of {interior} ({dense_equal_all} of {units})",
    "no_interior": "shift ({dy}, {dx}): no unit is away from the border at this shift; the "
                   "convolution's output equals the unshifted output moved by ({dy}, {dx}) at "
                   "{conv_equal_all} of {units} units, the dense output at {dense_equal_all} "
                   "of {units}",
}


# ---------------------------------------------------------------- the widget

def _check_image(value, state):
    rows = check_image(value, "image", fn=WIDGET, max_side=MAX_IMAGE_SIDE, min_side=MIN_SIDE)
    h, w = len(rows), len(rows[0])
    if h > MAX_SIDE or w > MAX_SIDE:
        step = -(-max(h, w) // MAX_SIDE)
        raise ValueError(
            f"{WIDGET}: image is {h}×{w}, but at most {MAX_SIDE}×{MAX_SIDE} fits: the dense "
            f"layer has one weight per (output, pixel) pair, {(h * w) ** 2:,} here, and all "
            f"of them are saved into the page; downsample it first, e.g. "
            f"F.avg_pool2d(image[None], {step})[0] or image[::{step}, ::{step}]")
    # Rounded here, so the page and Python compute from exactly the same numbers.
    return as_rows(rows, 3)


def _check_label(value, state):
    return check_str(value, "image_label", fn=WIDGET)


def _check_kernel(value, state):
    """A preset's name or a 2-D kernel with odd sides ≤ 7, as rows."""
    presets = state["presets"]
    if isinstance(value, str):
        value = presets[check_choice(value, "kernel", list(presets), fn=WIDGET)]["kernel"]
    rows = check_image(value, "kernel", fn=WIDGET)  # sides within its tag's limits
    kh, kw = len(rows), len(rows[0])
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"{WIDGET}: kernel must have odd sides, so that padding "
                         f"kernel // 2 keeps the output the image's size and the window is "
                         f"centred on its unit; got {kh}×{kw}")
    return rows


def _check_unit(value, state):
    image = state["image"]
    return check_cell(value, "unit", (len(image), len(image[0])), fn=WIDGET)


def _check_shift(value, state):
    return list(check_pair(value, "shift", fn=WIDGET))  # within its tag's limits


def _dense(state):
    """The seeded dense weights, 8 bits each: {"shape": [h*w, h*w], "data", "ranges"}."""
    n = len(state["image"]) * len(state["image"][0])
    data, ranges = _codec.encode(eqv.dense_init(n, n, state["seed"])[None])
    return {"shape": [n, n], "data": data, "ranges": ranges}


class LocalityView(presets.ImageAndKernel, CourseWidget):
    """A dense layer and a convolution side by side: locality, weight sharing, translation (§7.1).

    ``image``: a 2-D tensor, numpy array or list of lists, from 2×2 to
    16×16 (the dense layer has (h·w)² weights, all saved into the page),
    kept rounded to 3 decimals; by default Fashion-MNIST validation image 0
    averaged to 14×14. The dense layer is ``nn.Linear(h*w, h*w, bias=False)``
    initialised as PyTorch does after ``torch.manual_seed(seed)`` (fixed
    when the widget is made; a new image of another size gets new weights
    from the same seed). ``kernel``: the name of a preset with odd sides
    (`presets.PRESETS`: ``"vertical_edge"`` (Sobel), ``"horizontal_edge"``,
    ``"blur"``, ``"sharpen"``, ``"outline"``, ``"identity"``), ``"random"``
    (``nn.Conv2d(1, 1, 3)``'s init from ``seed``), or a 2-D tensor with odd
    sides up to 7, used with padding ``kernel // 2`` and no bias, so both
    outputs have the image's size. ``unit``: the (row, column) of the output
    unit whose weights are shown (default: the centre; a new image moves it
    there). ``shift``: (dy, dx) in -3..3 (an int: both), how far the input
    moves down and right; zeros come in at the border.

    Click an output unit in the page to select it. The status line (`TEXTS`)
    counts weights and connections, and for a shift how many outputs equal
    the unshifted output moved by the shift (`equivariance`).
    """

    _esm_file = "locality.js"
    testid = "locality-view"
    dtype = torch.float64   # as the page computes: JavaScript numbers are float64

    seed = traitlets.Int(0).tag(sync=True)
    presets = traitlets.Dict().tag(sync=True)
    texts = traitlets.Dict().tag(sync=True)
    image = traitlets.Any().tag(
        sync=True, check=_check_image,
        valid=(torch.rand(5, 7, generator=torch.Generator().manual_seed(0)), np.eye(2),
               [[0.12345, 1, 0], [2, 3, 4]]),
        invalid=(torch.ones(1, 4), torch.ones(17, 3), torch.ones(6), "cat",
                 torch.full((4, 4), float("nan"))))
    image_label = traitlets.Any("input").tag(
        sync=True, check=_check_label, follows=("image",),
        valid=("a boot",), invalid=(3, ["a boot"]))
    kernel = traitlets.Any().tag(
        sync=True, check=_check_kernel, limits=(1, MAX_KERNEL_SIDE),
        valid=("blur", "random", torch.tensor([[0.5]]), np.eye(3), [[1, 2, 3]], torch.ones(5, 5)),
        invalid=("edge", torch.ones(2, 2), torch.ones(9, 9), torch.ones(3), torch.ones(3, 3, 3)))
    unit = traitlets.Any().tag(
        sync=True, check=_check_unit, follows=("image",),
        default=lambda state: [len(state["image"]) // 2, len(state["image"][0]) // 2],
        valid=((0, 0), [13, 2], torch.tensor([1, 3])), invalid=((14, 0), 3, (0, 1.5)))
    shift = traitlets.Any((0, 0)).tag(
        sync=True, check=_check_shift, limits=(-MAX_SHIFT, MAX_SHIFT),
        valid=((0, 2), 1, [-3, 3], torch.tensor([2, -1]), np.array([0, -3])),
        invalid=((4, 0), (0.5, 0), "1", (1, 2, 3), (0, -4)))
    dense = traitlets.Dict().tag(sync=True, default=_dense, follows=("image",))

    def __init__(self, image=None, kernel="vertical_edge", *, unit=None, shift=(0, 0),
                 image_label=None, seed=0):
        if image is None:  # Fashion-MNIST validation image 0, averaged over 2×2 blocks
            boot = validation_images(1)
            image = F.avg_pool2d(boot.images[:1], 2)[0]
            if image_label is None:
                image_label = (f"Fashion-MNIST validation image 0 ({boot.names[0]}), "
                               f"28×28 averaged to 14×14")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"{WIDGET}: seed must be an int, got {seed!r} ({type(seed).__name__})")
        offered = {**presets.for_page(odd_only=True), "random": presets.random_kernel(seed)}
        super().__init__(seed=seed, presets=offered, texts=TEXTS, image=image, image_label=image_label, kernel=kernel, unit=unit,
                         shift=shift)

    # ------------------------------------------------------ what the page shows

    def dense_weight(self):
        """The dense weights the page uses (de-quantized), float64 (h*w outputs, h*w pixels)."""
        return _codec.decode(self.dense["data"], self.dense["ranges"], self.dense["shape"])[0]

    def dense_layer(self):
        """An ``nn.Linear(h*w, h*w, bias=False)`` holding `dense_weight` (float64)."""
        return eqv.dense_layer(self.dense_weight())

    def conv_layer(self):
        """An ``nn.Conv2d(1, 1, kernel, padding=kernel // 2, bias=False)`` holding the kernel."""
        return eqv.conv_layer(self.kernel_tensor())

    def _shift(self, shift):
        return self.shift if shift is None else _check_shift(shift, {})

    def shifted(self, shift=None):
        """The image moved by ``shift`` (default: the current one): the page's input panel."""
        return eqv.shift_image(self.image_tensor(), self._shift(shift))

    def dense_output(self, shift=None):
        """The dense layer's (h, w) output for the image moved by ``shift`` (default: current)."""
        return eqv.dense_forward(self.dense_weight(), self.shifted(shift))

    def conv_output(self, shift=None):
        """The convolution's (h, w) output for the image moved by ``shift`` (default: current)."""
        return eqv.conv_same(self.shifted(shift), self.kernel_tensor())

    def unit_weights(self, unit=None):
        """`equivariance.unit_weights` of ``unit`` (default: the selected one): its dense and
        convolution weight maps."""
        shape = (len(self.image), len(self.image[0]))
        unit = self.unit if unit is None else check_cell(unit, "unit", shape, fn=WIDGET)
        return eqv.unit_weights(self.dense_weight(), self.kernel_tensor(), shape, unit)

    def counts(self):
        """`layer_counts` for this image and kernel."""
        return eqv.layer_counts((len(self.image), len(self.image[0])),
                                (len(self.kernel), len(self.kernel[0])))

    def equivariance(self, shift=None):
        """`equivariance` for ``shift`` (default: the current one), with this widget's layers."""
        return eqv.equivariance(self.image_tensor(), self.dense_weight(), self.kernel_tensor(),
                                self._shift(shift))

    def status(self):
        """The lines of the page's status text for the current state (`TEXTS`, filled)."""
        dy, dx = self.shift
        if (dy, dx) == (0, 0):
            return [fill(TEXTS["counts"], self.counts()), TEXTS["no_shift"]]
        eq = self.equivariance()
        line = TEXTS["shift"] if eq["interior"] else TEXTS["no_interior"]
        return [fill(TEXTS["counts"], self.counts()), fill(line, {**eq, "dy": dy, "dx": dx})]

    def _repr_state(self):
        h, w = len(self.image), len(self.image[0])
        kh, kw = len(self.kernel), len(self.kernel[0])
        c = self.counts()
        return (f"image {h}×{w}, kernel {self.preset!r} {kh}×{kw}, unit {tuple(self.unit)}, "
                f"shift {tuple(self.shift)}: dense {c['dense_weights']:,} weights, "
                f"convolution {c['conv_weights']:,}")
