"""`KernelPlayground`: a kernel sliding over an image, cross-correlation live (d2l §7.2)."""
import numpy as np
import torch
import traitlets

from ..checks import check_cell, check_choice, check_image, check_str
from ._base import MAX_IMAGE_SIDE, CourseWidget, validation_images
from .presets import PRESETS, ImageAndKernel, for_page, preset_of

__all__ = ["KernelPlayground", "PRESETS", "preset_of"]

WIDGET = "KernelPlayground"

#: Largest kernel side the grid of number inputs shows.
MAX_KERNEL_SIDE = 9


def _check_image(value, state):
    return check_image(value, "image", fn=WIDGET, max_side=MAX_IMAGE_SIDE)


def _check_label(value, state):
    return check_str(value, "image_label", fn=WIDGET)


def _check_kernel(value, state):
    """A preset's name or a 2-D kernel, as rows that fit inside the image."""
    if isinstance(value, str):
        presets = state["presets"]
        value = presets[check_choice(value, "kernel", list(presets), fn=WIDGET)]["kernel"]
    rows = check_image(value, "kernel", fn=WIDGET)  # sides within its tag's limits
    h, w = len(state["image"]), len(state["image"][0])
    kh, kw = len(rows), len(rows[0])
    if kh > h or kw > w:
        preset = preset_of(rows, state["presets"])
        raise ValueError(f"{WIDGET}: kernel {kh}×{kw}"
                         f"{f' (preset {preset!r})' if preset != 'custom' else ''} is larger "
                         f"than the {h}×{w} image; use a smaller kernel or a larger image")
    return rows


def _output_shape(state):
    (h, w), (kh, kw) = (
        (len(state[name]), len(state[name][0])) for name in ("image", "kernel"))
    return h - kh + 1, w - kw + 1


def _check_cell(value, state):
    return check_cell(value, "cell", _output_shape(state), fn=WIDGET)


class KernelPlayground(ImageAndKernel, CourseWidget):
    """Edit a kernel and watch its cross-correlation with an image (``d2l.corr2d``).

    ``image``: a 2-D tensor, numpy array or list of lists (at most 128×128);
    by default a Fashion-MNIST image. ``kernel``: the name of a preset
    (`presets.PRESETS`: ``"vertical_edge"`` and ``"horizontal_edge"``
    (Sobel), ``"blur"``, ``"sharpen"``, ``"outline"``, ``"identity"``,
    ``"diff"`` = ``[[1, -1]]``) or a 2-D tensor, e.g. a learned one;
    `preset` names the preset it equals (else ``"custom"``). ``cell``: the
    (row, column) of the output entry whose window and sum of products are
    shown (default (0, 0); a new image or kernel moves it there). A new
    ``image`` resets ``image_label`` to ``"input"``.

    Small inputs get their numbers written in the cells: ``KernelPlayground(X, K)``
    with d2l's 3×3 ``X`` and 2×2 ``K`` shows out[0, 0] = 0·0 + 1·1 + 3·2 + 4·3 = 19;
    step through the outputs with ‹ ›, click one, or hover it. The JavaScript
    computes the output itself, so it works without a kernel (in the HTML
    book); edits made in the page sync back: `kernel_tensor` and `output` use
    them.
    """

    _esm_file = "kernel.js"
    testid = "kernel-playground"

    image = traitlets.Any().tag(
        sync=True, check=_check_image,
        valid=(torch.rand(6, 7, generator=torch.Generator().manual_seed(0)), np.eye(4),
               [[0, 1, 0, 1]] * 3),
        invalid=(torch.zeros(2, 2), torch.zeros(8), torch.zeros(500, 500), "cat"))
    presets = traitlets.Dict().tag(sync=True)
    image_label = traitlets.Any("input").tag(
        sync=True, check=_check_label, follows=("image",),
        valid=("a cat",), invalid=(3, ["a cat"]))
    kernel = traitlets.Any().tag(
        sync=True, check=_check_kernel, limits=(1, MAX_KERNEL_SIDE),
        valid=("blur", torch.tensor([[0.5, -0.5]]), [[1, 2], [3, 4]], np.eye(3)),
        invalid=("edge", torch.ones(3), torch.ones(10, 10), torch.ones(2, 2, 2)))
    cell = traitlets.Any([0, 0]).tag(
        sync=True, check=_check_cell, follows=("image", "kernel"),
        valid=((1, 2), [25, 0], torch.tensor([3, 3])), invalid=((26, 0), 3, (0, 1.5)))

    def __init__(self, image=None, kernel="vertical_edge", *, cell=(0, 0), image_label=None):
        if image is None:  # the first Fashion-MNIST validation image, in float32
            boot = validation_images(1)
            image = boot.images[0].float()
            if image_label is None:
                image_label = f"Fashion-MNIST validation image 0 ({boot.names[0]})"
        super().__init__(image=image, image_label=image_label, kernel=kernel, cell=cell,
                         presets=for_page())

    def output(self):
        """``d2l.corr2d(image, kernel)``: what the widget shows as its output."""
        from ..ops import corr2d

        return corr2d(self.image_tensor(), self.kernel_tensor())

    def window(self, cell=None):
        """The input window under output ``cell`` (default: the selected one), a float32
        tensor like the kernel: ``(window * kernel).sum()`` is that output."""
        i, j = self.cell if cell is None else check_cell(cell, "cell", _output_shape(
            {"image": self.image, "kernel": self.kernel}), fn=WIDGET)
        kh, kw = len(self.kernel), len(self.kernel[0])
        return self.image_tensor()[i:i + kh, j:j + kw]

    def _repr_state(self):
        h, w = len(self.image), len(self.image[0])
        kh, kw = len(self.kernel), len(self.kernel[0])
        return (f"image {h}×{w}, kernel {self.preset!r} {kh}×{kw}, "
                f"output {h - kh + 1}×{w - kw + 1}")
