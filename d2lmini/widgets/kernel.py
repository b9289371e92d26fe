"""`KernelPlayground`: a kernel sliding over an image, cross-correlation live (d2l §7.2)."""
import numpy as np
import torch
import traitlets

from ..checks import check_choice, check_image, check_str
from ._base import MAX_IMAGE_SIDE, CourseWidget, validation_images

__all__ = ["KernelPlayground", "PRESETS", "preset_of"]

WIDGET = "KernelPlayground"

#: Built-in kernels: name -> (label shown in the menu, kernel rows).
PRESETS = {
    "vertical_edge": ("vertical edge", [[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]]),
    "horizontal_edge": ("horizontal edge", [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -1.0, -1.0]]),
    "blur": ("blur (3×3 box)", [[1 / 9] * 3 for _ in range(3)]),
    "sharpen": ("sharpen", [[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
    "identity": ("identity", [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
    "diff": ("[1, -1] (d2l §7.2.3)", [[1.0, -1.0]]),
}

#: Largest kernel side the grid of number inputs shows.
MAX_KERNEL_SIDE = 9


def preset_of(kernel):
    """The name of the preset whose kernel is ``kernel`` (rows), else ``"custom"``."""
    return next((key for key, (_, rows) in PRESETS.items() if rows == kernel), "custom")


def _check_image(value, state):
    return check_image(value, "image", fn=WIDGET, max_side=MAX_IMAGE_SIDE)


def _check_label(value, state):
    return check_str(value, "image_label", fn=WIDGET)


def _check_kernel(value, state):
    """A preset's name or a 2-D kernel, as rows that fit inside the image."""
    if isinstance(value, str):
        value = PRESETS[check_choice(value, "kernel", list(PRESETS), fn=WIDGET)][1]
    rows = check_image(value, "kernel", fn=WIDGET, max_side=MAX_KERNEL_SIDE)
    h, w = len(state["image"]), len(state["image"][0])
    kh, kw = len(rows), len(rows[0])
    if kh > h or kw > w:
        preset = preset_of(rows)
        raise ValueError(f"{WIDGET}: kernel {kh}×{kw}"
                         f"{f' (preset {preset!r})' if preset != 'custom' else ''} is larger "
                         f"than the {h}×{w} image; use a smaller kernel or a larger image")
    return rows


class KernelPlayground(CourseWidget):
    """Edit a kernel and watch its cross-correlation with an image (``d2l.corr2d``).

    ``image``: a 2-D tensor, numpy array or list of lists (at most 128×128);
    by default a Fashion-MNIST image. ``kernel``: the name of a preset
    (``"vertical_edge"``, ``"horizontal_edge"``, ``"blur"``, ``"sharpen"``,
    ``"identity"``, ``"diff"`` = ``[[1, -1]]``) or a 2-D tensor, e.g. a
    learned one; `preset` names the preset it equals (else ``"custom"``).
    A new ``image`` resets ``image_label`` to ``"input"``. Hover an output
    cell to see the window it came from and its sum of products. The
    JavaScript computes the output itself, so it works without a kernel
    (in the HTML book); edits made in the page sync back: `kernel_tensor`
    and `output` use them.
    """

    _esm_file = "kernel.js"
    testid = "kernel-playground"

    image = traitlets.Any().tag(
        sync=True, check=_check_image,
        valid=(torch.rand(6, 7, generator=torch.Generator().manual_seed(0)), np.eye(4),
               [[0, 1, 0, 1]] * 3),
        invalid=(torch.zeros(2, 2), torch.zeros(8), torch.zeros(500, 500), "cat"))
    image_label = traitlets.Any("input").tag(
        sync=True, check=_check_label, follows=("image",),
        valid=("a cat",), invalid=(3, ["a cat"]))
    kernel = traitlets.Any().tag(
        sync=True, check=_check_kernel,
        valid=("blur", torch.tensor([[0.5, -0.5]]), [[1, 2], [3, 4]], np.eye(3)),
        invalid=("edge", torch.ones(3), torch.ones(10, 10), torch.ones(2, 2, 2)))
    presets = traitlets.Dict().tag(sync=True)
    max_kernel_side = traitlets.Int(MAX_KERNEL_SIDE).tag(sync=True)

    def __init__(self, image=None, kernel="vertical_edge", *, image_label=None):
        if image is None:  # the first Fashion-MNIST validation image, in float32
            boot = validation_images(1)
            image = boot.images[0].float()
            if image_label is None:
                image_label = f"Fashion-MNIST validation image 0 ({boot.names[0]})"
        presets = {key: {"label": text, "kernel": rows} for key, (text, rows) in PRESETS.items()}
        super().__init__(image=image, image_label=image_label, kernel=kernel, presets=presets,
                         max_kernel_side=MAX_KERNEL_SIDE)

    @property
    def preset(self):
        """The preset the kernel equals, or ``"custom"``; set it to load that preset's kernel."""
        return preset_of(self.kernel)

    @preset.setter
    def preset(self, name):
        self.kernel = name

    def image_tensor(self):
        """The image as a float32 tensor (h, w)."""
        return torch.tensor(self.image, dtype=torch.float32)

    def kernel_tensor(self):
        """The current kernel (edited in the page or not) as a float32 tensor."""
        return torch.tensor(self.kernel, dtype=torch.float32)

    def output(self):
        """``d2l.corr2d(image, kernel)``: what the widget shows as its output."""
        from ..ops import corr2d

        return corr2d(self.image_tensor(), self.kernel_tensor())

    def _repr_state(self):
        h, w = len(self.image), len(self.image[0])
        kh, kw = len(self.kernel), len(self.kernel[0])
        return (f"image {h}×{w}, kernel {self.preset!r} {kh}×{kw}, "
                f"output {h - kh + 1}×{w - kw + 1}")
