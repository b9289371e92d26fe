"""The book's structure, for its scripts and tests (a checkout of the repository).

* the sections, read from ``_toc.yml`` (the one list of them: a notebook's file
  name numbers its section, ``chapters/ch8/8_4_googlenet`` is 8.4);
* the models each section trains and what d2l published for them:
  ``d2lmini.models.BOOK``;
* the other numbers the chapters quote from papers and data sets: ``FACTS``;
* the training runs the notebooks recorded: ``runs``;
* the sentences of README.md and intro.md that name the sections, made from the above.
"""
import json
import pathlib
import re
from dataclasses import dataclass

from .models import BOOK

__all__ = ["Fact", "FACTS", "toc_root", "toc_files", "notebooks", "sections", "section_of",
           "models_of", "runs", "section_ranges", "topics", "SCOPE_SENTENCES", "scope_text"]

ROOT = pathlib.Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Fact:
    """A number a chapter quotes from a paper, a library or a data set."""
    value: float
    what: str
    source: str
    url: str
    sections: tuple = ()         # the sections that quote it; () for every section


_FASHION = ("Xiao, Rasul and Vollgraf, 2017", "https://arxiv.org/abs/1708.07747")
_ALEXNET = ("Krizhevsky, Sutskever and Hinton, 2012", "https://doi.org/10.1145/3065386")
_LENET = ("LeCun, Bottou, Bengio and Haffner, 1998", "https://doi.org/10.1109/5.726791")
_RESNET = ("He, Zhang, Ren and Sun, 2016, Table 1", "https://arxiv.org/abs/1512.03385")

FACTS = (
    Fact(60_000, "training images of Fashion-MNIST", *_FASHION),
    Fact(10_000, "test images of Fashion-MNIST", *_FASHION),
    Fact(10, "classes of Fashion-MNIST", *_FASHION),
    Fact(1.2e6, "training images of ImageNet (ILSVRC 2012)", *_ALEXNET, ("8.1",)),
    Fact(1000, "classes of ImageNet (ILSVRC 2012)", *_ALEXNET, ("8.1",)),
    Fact(0.262, "top-5 error of the best entry before AlexNet (ILSVRC 2012, second place)",
         *_ALEXNET, ("8.1",)),
    Fact(0.153, "AlexNet's top-5 error (ILSVRC 2012)", *_ALEXNET, ("8.1",)),
    Fact(3e9, "bytes of memory of each of AlexNet's two GTX 580 GPUs", *_ALEXNET, ("8.1",)),
    Fact(0.99, "LeNet-5's accuracy on MNIST (0.95 % test error)", *_LENET, ("7.6",)),
    Fact(0.0095, "LeNet-5's test error on MNIST", *_LENET, ("7.6",)),
    Fact(11.7e6, "parameters of ResNet-18 for ImageNet (11,689,512)", "torchvision's resnet18",
         "https://pytorch.org/vision/stable/models/generated/torchvision.models.resnet18.html",
         ("8.2",)),
    Fact(152, "layers of ResNet-152, the deepest ResNet trained on ImageNet", *_RESNET, ("8.6",)),
    Fact(19, "layers with weights of VGG-19, the deepest VGG", "Simonyan and Zisserman, 2015",
         "https://arxiv.org/abs/1409.1556", ("8.2", "8.6")),
    Fact(1.8e9, "multiply-adds of ResNet-18 for a 224×224 image", *_RESNET, ("8.2",)),
    Fact(0.99, "default momentum of Keras' BatchNormalization", "Keras documentation",
         "https://keras.io/api/layers/normalization_layers/batch_normalization/", ("8.5",)),
)


def toc_root(root=ROOT):
    """The ``root:`` page of ``_toc.yml``, the book's first page."""
    return re.search(r"^root: (\S+)", (pathlib.Path(root) / "_toc.yml").read_text(), re.M)[1]


def toc_files(root=ROOT):
    """Every ``- file:`` entry of ``_toc.yml``, in order."""
    return re.findall(r"^\s*- file: (\S+)", (pathlib.Path(root) / "_toc.yml").read_text(), re.M)


def notebooks(root=ROOT):
    """The chapter notebooks, in the order of the table of contents."""
    return [pathlib.Path(root) / f"{name}.ipynb" for name in toc_files(root)
            if re.match(r"chapters/ch\d+/", name)]


def section_of(path):
    """``.../8_4_googlenet.ipynb`` -> ``"8.4"``."""
    return ".".join(pathlib.Path(path).stem.split("_")[:2])


def sections(root=ROOT):
    """``["7.1", ..., "8.6"]``, from ``_toc.yml``."""
    return [section_of(path) for path in notebooks(root)]


def models_of(section):
    """The models `section` trains (``BookModel``s of ``d2lmini.models.BOOK``)."""
    return [model for model in BOOK if model.section == section]


def runs(root=ROOT):
    """The training runs the notebooks recorded (``results/runs/*.json``, see
    ``d2lmini.results.record_run``), in file-name order."""
    return [json.loads(path.read_text())
            for path in sorted((pathlib.Path(root) / "results" / "runs").glob("*.json"))]


def section_ranges(root=ROOT):
    """``"7.1–7.6 and 8.1–8.6"``: the sections of each chapter, first to last."""
    chapters = {}
    for section in sections(root):
        chapters.setdefault(section.split(".")[0], []).append(section)
    spans = [f"{found[0]}–{found[-1]}" if len(found) > 1 else found[0]
             for found in chapters.values()]
    return " and ".join([", ".join(spans[:-1]), spans[-1]] if len(spans) > 1 else spans)


def topics(root=ROOT):
    """``"LeNet, AlexNet, ..., batch normalization and ResNet"``: what the sections train."""
    names = list(dict.fromkeys(model.topic for model in BOOK))
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


# The sentences that name the sections: (file, the text around them, what goes in between,
# made from the root of the checkout).
SCOPE_SENTENCES = (
    ("README.md", ("neural networks: sections ", " of [Dive into Deep Learning]"), section_ranges),
    ("intro.md", ("with a 2×2 kernel to ", ". Every page is a notebook"), topics),
)


def scope_text(text, before, after, made):
    """`text` with `made` between `before` and `after` (kept as it is where only the line
    breaks differ); a clear error if the sentence is not there."""
    found = re.search(re.escape(before) + r"(.*?)" + re.escape(after), text, re.S)
    if not found:
        raise ValueError(f"scope_text: no sentence {before!r} ... {after!r} in the text; "
                         f"put it back or update book.SCOPE_SENTENCES")
    if " ".join(found.group(1).split()) == made:
        return text
    return text[:found.start(1)] + made + text[found.end(1):]
