"""`KernelPlayground`: a kernel sliding over an image, cross-correlation live (d2l §7.2)."""
import torch
import traitlets

from ._base import CourseWidget, as_image, check_choice, check_labels

__all__ = ["KernelPlayground", "PRESETS"]

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


def default_image():
    """The first Fashion-MNIST validation image (an ankle boot), 28×28 in [0, 1]."""
    from ..data import FashionMNIST  # imported late: reading the files takes a moment

    data = FashionMNIST(batch_size=1, n_train=1, n_val=1)
    label = data.text_labels([int(data.val.targets[0])])[0]
    return data.val.data[0].to(torch.float32) / 255, f"Fashion-MNIST validation image 0 ({label})"


class KernelPlayground(CourseWidget):
    """Edit a kernel and watch its cross-correlation with an image (``d2l.corr2d``).

    ``image``: a 2-D tensor, numpy array or list of lists (at most 128×128);
    by default a Fashion-MNIST image. ``kernel``: the name of a preset
    (``"vertical_edge"``, ``"horizontal_edge"``, ``"blur"``, ``"sharpen"``,
    ``"identity"``, ``"diff"`` = ``[[1, -1]]``) or a 2-D tensor, e.g. a
    learned one (shown as preset "learned"). Hover an output cell to see the
    window it came from and its sum of products. The JavaScript computes
    the output itself, so it works without a kernel (in the HTML book);
    edits made in the page sync back: `kernel_tensor` and `output` use them.
    """

    _esm_file = "kernel.js"
    testid = "kernel-playground"

    image = traitlets.List().tag(sync=True)
    image_label = traitlets.Unicode("").tag(sync=True)
    kernel = traitlets.List().tag(sync=True)
    preset = traitlets.Unicode("custom").tag(sync=True)
    presets = traitlets.Dict().tag(sync=True)
    max_kernel_side = traitlets.Int(MAX_KERNEL_SIDE).tag(sync=True)

    def __init__(self, image=None, kernel="vertical_edge", *, image_label=None):
        name = type(self).__name__
        if image is None:
            image, label = default_image()
        else:
            label = "input"
        rows = as_image(image, "image", widget=name)
        if image_label is not None:
            label = check_labels([image_label], "image_label", widget=name)[0]
        presets = {key: {"label": text, "kernel": k} for key, (text, k) in PRESETS.items()}
        self._image_rows = rows
        if isinstance(kernel, str):
            check_choice(kernel, "kernel", list(PRESETS), widget=name)
            preset = kernel
            weights = self._check_kernel(PRESETS[kernel][1], preset)
        else:
            preset = "learned"
            weights = self._check_kernel(kernel, preset)
            presets["learned"] = {"label": "learned", "kernel": weights}
        super().__init__(image=rows, image_label=label, kernel=weights, preset=preset,
                         presets=presets)

    def _check_kernel(self, weights, preset):
        name = type(self).__name__
        weights = as_image(weights, "kernel", widget=name, max_side=MAX_KERNEL_SIDE)
        h, w = len(self._image_rows), len(self._image_rows[0])
        kh, kw = len(weights), len(weights[0])
        if kh > h or kw > w:
            raise ValueError(f"{name}: kernel {kh}×{kw}"
                             f"{f' (preset {preset!r})' if preset != 'custom' else ''} is larger "
                             f"than the {h}×{w} image; use a smaller kernel or a larger image")
        return weights

    @traitlets.validate("kernel")
    def _valid_kernel(self, proposal):
        return self._check_kernel(proposal["value"], "custom")

    @traitlets.observe("kernel")
    def _kernel_changed(self, change):
        preset = self.presets.get(self.preset)
        if preset is not None and preset["kernel"] != change["new"]:
            self.preset = "custom"

    @traitlets.validate("image")
    def _valid_image(self, proposal):
        rows = as_image(proposal["value"], "image", widget=type(self).__name__)
        self._image_rows = rows
        return rows

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
