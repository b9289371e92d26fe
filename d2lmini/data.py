"""Fashion-MNIST in batches: `FashionMNIST`, `TensorLoader`, `DataModule`.

The files come from `d2lmini.datafiles` (found, verified, read once per
process). They stay in memory as uint8 tensors, and `TensorLoader` converts
and resizes several batches at a time (`CHUNK_BYTES`) instead of one image
at a time.
"""
import copy
import math

import numpy as np
import torch
import torch.nn.functional as F

from .checks import check_positive_int, check_seed, check_size
from .datafiles import DataError, fashion_mnist_dir, load_splits, read_idx
from .hyper import HyperParameters
from .settings import data_cap

__all__ = [
    "DataError",
    "DataModule",
    "FashionMNIST",
    "ImageDataset",
    "TensorLoader",
    "fashion_mnist_dir",
    "read_idx",
]


# --- Batching ---------------------------------------------------------------


_PIXEL_MAX = torch.tensor(255.0)   # float32
CHUNK_BYTES = 4 * 2**20   # float32 a TensorLoader cuts at once (ten 28×28 batches of 128)


def _to_float(images, size):
    """uint8 (B, h, w) -> float32 (B, 1, H, W) in [0, 1], resized as one batch.

    Bilinear with antialiasing is what torchvision's ``Resize`` (used by d2l)
    does, so shrinking averages pixels instead of skipping them. Enlarging
    (28 -> 96 or 224, as chapter 8 does) gives the same numbers without it,
    so it is asked for only when shrinking: older PyTorch releases have no
    antialiased kernel for Apple's MPS.
    """
    # one operation: uint8 / a float32 scalar is float32 (even under another default dtype)
    x = images.unsqueeze(1).div(_PIXEL_MAX)
    if tuple(x.shape[-2:]) != size:
        shrinking = size[0] < x.shape[-2] or size[1] < x.shape[-1]
        x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=shrinking)
        # Rounding can nudge a value a hair past 1; keep the documented range.
        x.clamp_(0, 1)
    return x


def _epoch_seed(seed, epoch):
    """A 64-bit seed for one epoch; SeedSequence keeps (seed, epoch) pairs apart."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1, np.uint64)[0])


class TensorLoader:
    """Batches of in-memory uint8 images, like a DataLoader without workers.

    Yields ``(X, y)``: X float32 in [0, 1] of shape (B, 1, H, W), resized to
    `resize` (an int or (h, w); None keeps the stored size), and y int64.
    The last batch may be smaller. With `shuffle`, every pass over the
    loader is a new epoch whose order depends only on (seed, epoch number),
    so two loaders made with the same seed give the same sequence of orders.
    ``loader.to(device)`` keeps the images on a GPU, so batches are cut,
    converted and resized there (the `Trainer` does this by itself).
    `max_batches` ends every pass after that many batches.
    """

    def __init__(self, images, labels, batch_size, shuffle=False, resize=None, seed=0,
                 max_batches=None):
        if images.dtype != torch.uint8 or images.dim() != 3:
            raise ValueError(f"images must be a uint8 tensor of shape (n, h, w), "
                             f"got {images.dtype} {tuple(images.shape)}")
        if labels.shape != (len(images),):
            raise ValueError(f"labels must have shape ({len(images)},) to match "
                             f"the images, got {tuple(labels.shape)}")
        self.images, self.labels = images, labels.long()
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.shuffle = shuffle
        self.size = tuple(images.shape[1:]) if resize is None else check_size(resize)
        self.seed = check_seed(seed)
        self.max_batches = None if max_batches is None else check_positive_int(max_batches,
                                                                               "max_batches")
        self.epoch = 0

    def __len__(self):
        batches = math.ceil(len(self.images) / self.batch_size)
        return batches if self.max_batches is None else min(batches, self.max_batches)

    def to(self, device):
        """A loader over the same images, held on ``device`` (same seed and epoch).

        Fashion-MNIST is 47 MB as uint8, so it fits on any GPU; then no batch
        is copied from the host and the resizing runs on the GPU too.
        """
        moved = copy.copy(self)
        moved.images, moved.labels = self.images.to(device), self.labels.to(device)
        return moved

    def __iter__(self):
        order = self._order().to(self.images.device)
        end = min(len(self.images), len(self) * self.batch_size)
        chunk = self.batch_size * self._batches_per_chunk()
        for start in range(0, end, chunk):
            index = order[start:min(start + chunk, end)]
            # index_select, not images[index]: a third of the time on a CPU
            X = _to_float(self.images.index_select(0, index), self.size)
            y = self.labels.index_select(0, index)
            for first in range(0, len(index), self.batch_size):
                yield X[first:first + self.batch_size], y[first:first + self.batch_size]

    def _batches_per_chunk(self):
        """How many batches to cut at once: as many as fit in `CHUNK_BYTES` of float32.

        Right after a training step the caches hold the model's work, and
        cutting one batch there takes about three times as long as cutting it
        back to back (on a 2-core CPU, ~250 µs against ~70 µs a 28×28 batch
        of 128). Cutting several batches at once pays that once per chunk.
        """
        batch_bytes = self.batch_size * self.size[0] * self.size[1] * 4
        return max(1, CHUNK_BYTES // batch_bytes)

    def _order(self):
        if not self.shuffle:
            return torch.arange(len(self.images))
        generator = torch.Generator().manual_seed(_epoch_seed(self.seed, self.epoch))
        self.epoch += 1
        return torch.randperm(len(self.images), generator=generator)


class ImageDataset:
    """Indexable images: ``dataset[i]`` is (float (1, H, W) in [0, 1], int label).

    ``data`` (uint8, (n, 28, 28)) and ``targets`` (int64) are the raw
    tensors, shared with every other dataset made from the same files, so
    treat them as read-only.
    """

    def __init__(self, data, targets, resize):
        self.data, self.targets, self.resize = data, targets, resize

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return _to_float(self.data[i].unsqueeze(0), self.resize)[0], int(self.targets[i])


# --- Selecting examples ------------------------------------------------------


def _first(name, n, images, labels):
    """The first `n` examples (all when n is None); file order is already mixed."""
    if n is None:
        return images, labels
    if n > len(images):
        raise ValueError(f"{name} must be between 1 and {len(images)} (the number "
                         f"of examples available) or None for all, got {n!r}")
    return images[:n], labels[:n]


# --- Data modules -------------------------------------------------------------


class DataModule(HyperParameters):
    """d2l's base class for data: subclasses implement `get_dataloader`."""

    def __init__(self, root=None, num_workers=0):
        self.save_hyperparameters()

    def get_dataloader(self, train):
        raise NotImplementedError(f"{type(self).__name__} must define get_dataloader(self, train) "
                                  f"returning the batches of the training or validation split")

    def train_dataloader(self):
        return self.get_dataloader(train=True)

    def val_dataloader(self):
        return self.get_dataloader(train=False)


class FashionMNIST(DataModule):
    """Fashion-MNIST: 60,000 training and 10,000 validation 28x28 images.

    `resize` (int or (h, w)) rescales every image bilinearly. `n_train` and
    `n_val` keep only the first n examples, for quick experiments. `seed`
    fixes the shuffling of the training loader. `source` is the directory the
    files came from (see `fashion_mnist_dir` for where it looks). Under
    ``$D2LMINI_CAP=NxB`` every loader yields at most N batches of at most B
    images (``len(data.train)`` is unchanged): the tests use it to walk the
    full budget's code on a CPU.
    """

    num_classes = 10
    LABELS = ("t-shirt", "trouser", "pullover", "dress", "coat",
              "sandal", "shirt", "sneaker", "bag", "ankle boot")

    def __init__(self, batch_size=64, resize=(28, 28), root=None, n_train=None,
                 n_val=None, seed=0, download=True):
        # Check everything before touching the disk, so typos fail fast.
        batch_size = check_positive_int(batch_size, "batch_size")
        resize = check_size(resize)
        n_train = n_train if n_train is None else check_positive_int(n_train, "n_train")
        n_val = n_val if n_val is None else check_positive_int(n_val, "n_val")
        seed = check_seed(seed)
        super().__init__(root=root)
        self.save_hyperparameters()
        self.source = fashion_mnist_dir(root, download)
        splits = load_splits(self.source)
        self.train = ImageDataset(*_first("n_train", n_train, *splits["train"]), resize)
        self.val = ImageDataset(*_first("n_val", n_val, *splits["val"]), resize)

    def get_dataloader(self, train):
        """A fresh loader: shuffled for training, in file order for validation."""
        data = self.train if train else self.val
        batch_size, max_batches = self.batch_size, None
        cap = data_cap()
        if cap is not None:
            max_batches, batch_size = cap[0], min(batch_size, cap[1])
        return TensorLoader(data.data, data.targets, batch_size, shuffle=train,
                            resize=self.resize, seed=self.seed, max_batches=max_batches)

    def text_labels(self, indices):
        """Class names for label indices (a tensor or a list of ints)."""
        indices = torch.as_tensor(indices).reshape(-1).tolist()
        bad = [i for i in indices if not 0 <= i < self.num_classes]
        if bad:
            raise ValueError(f"labels must be in 0..{self.num_classes - 1}, got {bad}")
        return [self.LABELS[i] for i in indices]

    def visualize(self, batch, nrows=1, ncols=8, labels=()):
        """Show the first nrows*ncols images of `batch` = (X, y) in a grid.

        Titles are `labels` if given, else the class names of y. Returns the
        flat array of matplotlib axes.
        """
        from .plot import show_images
        X, y = batch
        return show_images(X.detach().cpu().reshape(-1, *X.shape[-2:]), nrows, ncols,
                           titles=list(labels) or self.text_labels(y))
