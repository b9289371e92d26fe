"""The models the book builds, and the registry of what each section trains.

Each file holds what one section teaches, in cells marked
``# saved in d2lmini.models.<file>`` (tests/test_saved_cells.py checks that the
notebook and the file hold the same code).

``BOOK`` lists every model a section trains: its class, the input size d2l
trains it at, and the Fashion-MNIST test accuracies d2l published for it with
the settings they came from. The results page, the benchmarks, the tests and
the prose checks read it (``d2lmini.book`` adds the sections from ``_toc.yml``).
A new section adds its import, its ``__all__`` names and its ``BookModel`` here.
"""
from dataclasses import dataclass, field

from .alexnet import AlexNet
from .batchnorm import BatchNorm, BNLeNet, BNLeNetScratch, batch_norm
from .googlenet import GoogleNet, Inception
from .lenet import LeNet
from .nin import NiN, nin_block
from .resnet import Residual, ResNet, ResNet18, ResNeXtBlock
from .vgg import VGG, VGG11_ARCH, vgg_block

__all__ = ["LeNet", "AlexNet", "vgg_block", "VGG", "nin_block", "NiN", "Inception", "GoogleNet",
           "batch_norm", "BatchNorm", "BNLeNetScratch", "BNLeNet", "Residual", "ResNet",
           "ResNet18", "ResNeXtBlock", "Published", "BookModel", "BOOK"]


@dataclass(frozen=True)
class Published:
    """A Fashion-MNIST test accuracy a d2l release published, and how it trained."""
    release: str                 # "0.17.5" printed its accuracies; "1.0.3" only plots them
    accuracy: float
    lr: float
    batch_size: int
    url: str                     # the release's training code
    read_off_plot: bool = False  # where d2l 1.0.3's curves end: approximate
    examples_per_s: int | None = None   # what d2l 0.17.5 printed (one GPU), for bench/


@dataclass(frozen=True)
class BookModel:
    """One model a section trains; the full budget trains it with d2l 1.0.3's settings."""
    section: str                 # "8.4", as _toc.yml's file name numbers it
    name: str                    # as record_run, the results page and the bench call it
    cls: type
    size: int                    # the input side d2l trains it at (pixels)
    topic: str                   # how the intro names the section
    published: tuple = ()
    kwargs: dict = field(default_factory=dict)
    epochs: int = 10             # every d2l run of chapters 7-8
    changes: str = ""            # what the full budget changes in d2l 1.0.3's recipe

    def make(self, **hyper):
        """A new model, e.g. ``make(lr=0.01)``."""
        return self.cls(**self.kwargs, **hyper)

    def release(self, name):
        """What d2l release `name` ("0.17.5" or "1.0.3") published for this model, or None."""
        return next((p for p in self.published if p.release == name), None)


def _code(release, path, line):
    return f"https://github.com/d2l-ai/d2l-en/blob/v{release}/{path}.md#L{line}"


_CNN, _MODERN = "chapter_convolutional-neural-networks", "chapter_convolutional-modern"
NARROW_VGG = ((1, 16), (1, 32), (2, 64), (2, 128), (2, 128))   # VGG-11 with channels / 4

BOOK = (
    BookModel("7.6", "LeNet", LeNet, 28, "LeNet", (
        Published("0.17.5", 0.789, 0.9, 256, _code("0.17.5", f"{_CNN}/lenet", 418),
                  examples_per_s=72_322),
        Published("1.0.3", 0.73, 0.1, 128, _code("1.0.3", f"{_CNN}/lenet", 321), True))),
    BookModel("8.1", "AlexNet", AlexNet, 224, "AlexNet", (
        Published("0.17.5", 0.882, 0.01, 128, _code("0.17.5", f"{_MODERN}/alexnet", 456),
                  examples_per_s=4_171),
        Published("1.0.3", 0.83, 0.01, 128, _code("1.0.3", f"{_MODERN}/alexnet", 451), True))),
    BookModel("8.2", "VGG-11/4", VGG, 224, "VGG", (
        Published("0.17.5", 0.922, 0.05, 128, _code("0.17.5", f"{_MODERN}/vgg", 258),
                  examples_per_s=2_551),
        Published("1.0.3", 0.90, 0.01, 128, _code("1.0.3", f"{_MODERN}/vgg", 276), True)),
        kwargs={"arch": NARROW_VGG}),
    BookModel("8.3", "NiN", NiN, 224, "NiN", (
        Published("0.17.5", 0.785, 0.1, 128, _code("0.17.5", f"{_MODERN}/nin", 201),
                  examples_per_s=3_201),
        Published("1.0.3", 0.87, 0.05, 128, _code("1.0.3", f"{_MODERN}/nin", 232), True)),
        changes="He's initialization instead of Xavier's"),
    BookModel("8.4", "GoogLeNet", GoogleNet, 96, "GoogLeNet", (
        Published("0.17.5", 0.883, 0.1, 128, _code("0.17.5", f"{_MODERN}/googlenet", 402),
                  examples_per_s=3_568),
        Published("1.0.3", 0.80, 0.01, 128, _code("1.0.3", f"{_MODERN}/googlenet", 469), True))),
    BookModel("8.5", "BN-LeNet (scratch)", BNLeNetScratch, 28, "batch normalization", (
        Published("0.17.5", 0.838, 1.0, 256, _code("0.17.5", f"{_MODERN}/batch-norm", 513)),
        Published("1.0.3", 0.87, 0.1, 128, _code("1.0.3", f"{_MODERN}/batch-norm", 669), True))),
    BookModel("8.5", "BN-LeNet (concise)", BNLeNet, 28, "batch normalization", (
        Published("0.17.5", 0.836, 1.0, 256, _code("0.17.5", f"{_MODERN}/batch-norm", 613)),
        Published("1.0.3", 0.88, 0.1, 128, _code("1.0.3", f"{_MODERN}/batch-norm", 802), True))),
    BookModel("8.6", "ResNet-18", ResNet18, 96, "ResNet", (
        Published("0.17.5", 0.918, 0.05, 256, _code("0.17.5", f"{_MODERN}/resnet", 406),
                  examples_per_s=4_672),
        Published("1.0.3", 0.90, 0.01, 128, _code("1.0.3", f"{_MODERN}/resnet", 487), True))),
)
