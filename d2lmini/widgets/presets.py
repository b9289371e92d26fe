"""The named kernels of the widgets, in one table: a name means one kernel everywhere.

`KernelPlayground` (§7.2) offers all of them, `LocalityView` (§7.1) those with
odd sides (it pads ``kernel // 2`` to keep the image's size). The edge and
blur kernels are the ones §7.1's code and Figure 7.2.3 use: Sobel's edge
kernels, positive where brightness grows to the right ("vertical edge") or
downwards ("horizontal edge").
"""

import torch
from torch import nn

__all__ = ["PRESETS", "for_page", "preset_of", "random_kernel", "ImageAndKernel"]

#: name -> (label shown in the menu, kernel rows).
PRESETS = {
    "vertical_edge": ("vertical edge (Sobel)",
                      [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "horizontal_edge": ("horizontal edge (Sobel)",
                        [[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "blur": ("blur (3×3 box)", [[1 / 9] * 3 for _ in range(3)]),
    "sharpen": ("sharpen", [[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
    "outline": ("outline (Laplacian)", [[-1.0, -1.0, -1.0], [-1.0, 8.0, -1.0], [-1.0, -1.0, -1.0]]),
    "identity": ("identity", [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
    "diff": ("[1, −1] (§7.2.3)", [[1.0, -1.0]]),
}


def for_page(odd_only=False):
    """The presets as a widget saves them for its page: {name: {"label", "kernel"}}.

    ``odd_only`` keeps the kernels whose sides are both odd.
    """
    return {name: {"label": label, "kernel": [list(row) for row in rows]}
            for name, (label, rows) in PRESETS.items()
            if not odd_only or (len(rows) % 2 and len(rows[0]) % 2)}


def random_kernel(seed=0):
    """The preset "random" of a widget made with ``seed``: {"label", "kernel"}, the kernel
    ``nn.Conv2d(1, 1, 3)``'s weight right after ``torch.manual_seed(seed)``, to 4 decimals
    (the global random state is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        K = nn.Conv2d(1, 1, 3, bias=False).weight.detach()[0, 0]
    return {"label": f"random (nn.Conv2d init, seed {seed})",
            "kernel": [[round(v, 4) + 0.0 for v in row] for row in K.tolist()]}


def preset_of(kernel, presets=None):
    """The name of the preset whose kernel equals ``kernel`` (rows) entry for entry, else
    ``"custom"``. ``presets``: a widget's saved presets (default: all of `for_page`)."""
    presets = for_page() if presets is None else presets
    return next((name for name, p in presets.items() if p["kernel"] == kernel), "custom")


class ImageAndKernel:
    """What a widget with an ``image``, a ``kernel`` and its ``presets`` offers Python:
    the preset the kernel equals, and both as tensors of the class's ``dtype``."""

    dtype = torch.float32

    @property
    def preset(self):
        """The preset the kernel equals, or ``"custom"``; set it to load that preset's kernel."""
        return preset_of(self.kernel, self.presets)

    @preset.setter
    def preset(self, name):
        self.kernel = name

    def image_tensor(self):
        """The image (as the widget holds it, unshifted) as a tensor (h, w)."""
        return torch.tensor(self.image, dtype=self.dtype)

    def kernel_tensor(self):
        """The current kernel (edited in the page or not) as a tensor (kh, kw)."""
        return torch.tensor(self.kernel, dtype=self.dtype)
