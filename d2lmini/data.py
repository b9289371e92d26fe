"""Fashion-MNIST for the book: find or fetch the files, load them, batch them.

The four IDX files are looked up in a fixed order (see `fashion_mnist_dir`),
checked against Zalando's SHA-256 digests, read once per process and served
from memory by `TensorLoader`, which converts and resizes a whole batch at a
time instead of one image at a time.
"""
import copy
import errno
import gzip
import hashlib
import math
import os
import shutil
import struct
import tempfile
import urllib.request
import zlib
from http.client import HTTPException
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .hyper import HyperParameters

__all__ = [
    "DataError",
    "DataModule",
    "FashionMNIST",
    "ImageDataset",
    "TensorLoader",
    "fashion_mnist_dir",
    "read_idx",
]

# SHA-256 of each *decompressed* file. Debian re-gzipped the originals, so
# the .gz bytes differ between sources while the content does not.
SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

# Tried in order; each file is fetched as URL + name + ".gz".
URLS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
ENV_VAR = "D2LMINI_DATA"
TIMEOUT = 60  # seconds a download may stall before it counts as failed

_SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "val": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_MAGIC_NDIM = {0x00000803: 3, 0x00000801: 1}  # unsigned-byte images / labels
_GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)
_FETCH_ERRORS = (OSError, HTTPException)  # urllib's errors are OSErrors
_INSTALL = "sudo apt install dataset-fashion-mnist"
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)  # no space left / disk quota exceeded

# Per-process caches keyed by (path, size, mtime): a changed file is a new key.
_digests = {}
_loaded = {}
# Decompressing takes longer than hashing, so the bytes read to verify a file
# are kept until `read_idx` takes them: each file is decompressed once.
_verified_bytes = {}


class DataError(RuntimeError):
    """The data files are missing, damaged or cannot be fetched.

    The message names the file or places involved and says how to fix it.
    """


# --- Reading IDX files ---------------------------------------------------


def read_idx(path):
    """Read an IDX file (gzipped or raw) into a uint8 tensor.

    Images (magic 0x00000803) come back as (n, rows, cols), labels
    (magic 0x00000801) as (n,). Damage raises `DataError`.
    """
    path = Path(path)
    raw = _verified_bytes.pop(_file_key(path), None) if path.is_file() else None
    if raw is None:
        raw = _read_bytes(path)
    if len(raw) < 4:
        _damaged(path, f"truncated: expected a 4-byte magic number, got {len(raw)} bytes")
    magic = int.from_bytes(raw[:4], "big")
    if magic not in _MAGIC_NDIM:
        _damaged(path, f"bad magic number 0x{magic:08x}; expected 0x00000803 "
                       "(images) or 0x00000801 (labels), so this is not an IDX file")
    ndim = _MAGIC_NDIM[magic]
    header = 4 + 4 * ndim
    if len(raw) < header:
        _damaged(path, f"truncated: expected a {header}-byte header, got {len(raw)} bytes")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = header + math.prod(dims)
    if len(raw) < expected:
        _damaged(path, f"truncated: header says {dims} so expected {expected} bytes, "
                       f"got {len(raw)}")
    if len(raw) > expected:
        _damaged(path, f"header/payload mismatch: header says {dims} so expected "
                       f"{expected} bytes, got {len(raw)}")
    array = np.frombuffer(raw, dtype=np.uint8, count=expected - header, offset=header)
    # Copy: the bytes object is read-only and torch wants writable memory.
    return torch.from_numpy(array.reshape(dims).copy())


def _is_gz(path):
    return path.suffix == ".gz"


def _open(path, compressed):
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def _read_bytes(path):
    """The file's (decompressed) content; missing or corrupt gzip is a DataError."""
    try:
        with _open(path, _is_gz(path)) as f:
            return f.read()
    except FileNotFoundError:
        _damaged(path, "file does not exist")
    except _GZIP_ERRORS as err:
        _damaged(path, f"corrupt gzip data ({err})")


def _damaged(path, problem):
    raise DataError(f"{path}: {problem}. {_fix_for(path)}")


def _fix_for(path):
    """How to repair a bad file: the package's files are reinstalled, ours refetched."""
    if Path(path).parent.resolve() == Path(DEBIAN_DIR).resolve():
        return "Reinstall it with: sudo apt install --reinstall dataset-fashion-mnist"
    return f"Delete {path} so that it is downloaded again."


# --- Verifying ------------------------------------------------------------


def _file_key(path):
    stat = path.stat()
    return str(path.resolve()), stat.st_size, stat.st_mtime_ns


def _sha256(path, compressed):
    """SHA-256 of the (decompressed) content, streamed so 47 MB never sit in memory."""
    digest = hashlib.sha256()
    with _open(path, compressed) as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _verify(path, name):
    """Raise DataError unless `path` holds the original `name`; hash once per process."""
    key = _file_key(path)
    if key not in _digests:
        raw = _read_bytes(path)
        _digests[key] = hashlib.sha256(raw).hexdigest()
        if _digests[key] == SHA256[name]:
            _verified_bytes[key] = raw
    if _digests[key] != SHA256[name]:
        _damaged(path, f"SHA-256 of the decompressed data is {_digests[key]}, "
                       f"expected {SHA256[name]} (damaged or not the original {name})")


# --- Finding and fetching -------------------------------------------------


def _cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "d2lmini" / "fashion-mnist"


def _candidates(root):
    """(description, directory or None) in search order."""
    env = os.environ.get(ENV_VAR)
    return [
        ("root argument", None if root is None else Path(root).expanduser()),
        (f"${ENV_VAR}", Path(env).expanduser() if env else None),
        ("user cache", _cache_dir()),
        ("package dataset-fashion-mnist", Path(DEBIAN_DIR)),
    ]


def _locate(directory, name):
    """`name.gz` or plain `name` inside `directory`, or None."""
    for path in (directory / f"{name}.gz", directory / name):
        if path.is_file():
            return path
    return None


def _missing(directory):
    return [name for name in SHA256 if _locate(directory, name) is None]


def _describe(label, directory):
    """One line of the 'searched here' list: why this place did not count."""
    if directory is None:
        return f"  {label}: not set"
    if not directory.is_dir():
        return f"  {label}: {directory} (no such directory)"
    return f"  {label}: {directory} (missing {', '.join(_missing(directory))})"


def fashion_mnist_dir(root=None, download=True):
    """The directory holding all four verified Fashion-MNIST files.

    Searched in order: `root`, ``$D2LMINI_DATA``, the user cache
    (``$XDG_CACHE_HOME/d2lmini/fashion-mnist``, default ``~/.cache/...``) and
    the Debian package's ``/usr/share/datasets/fashion-mnist``. A directory
    counts only if it has all four files (each ``name.gz`` or ``name``); the
    first that does is verified and returned. If none does and `download` is
    true, the missing files are fetched into `root` (or the user cache).
    """
    searched = []
    for label, directory in _candidates(root):
        if directory is not None and directory.is_dir() and not _missing(directory):
            return _verified(directory)
        searched.append(_describe(label, directory))
    if not download:
        raise DataError(_not_found(searched, "downloading is off (download=False)"))
    target = Path(root).expanduser() if root is not None else _cache_dir()
    _make_writable(target)
    try:
        for name in _missing(target):
            _download(name, target)
    except DataError as err:
        if isinstance(err.__cause__, OSError) and err.__cause__.errno in _DISK_FULL:
            raise  # going online again would not help
        raise DataError(_not_found(searched, f"downloading into {target} failed:\n{err}")) from err
    return _verified(target)


def _verified(directory):
    for name in SHA256:
        _verify(_locate(directory, name), name)
    return directory


def _not_found(searched, download_note):
    return (
        "Fashion-MNIST not found. Looked for " + ", ".join(SHA256)
        + " (each as NAME.gz or NAME) in:\n" + "\n".join(searched)
        + f"\nand {download_note}.\nFix one of:\n"
        f"  - install the files: {_INSTALL}\n"
        f"  - point at a copy: export {ENV_VAR}=/path/with/the/files\n"
        "  - connect to the internet and run again to download them"
    )


def _make_writable(directory):
    """Create `directory` and prove a file can be written there, or explain."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=directory).close()
    except OSError as err:
        if err.errno in _DISK_FULL:
            raise DataError(_disk_full(directory, err)) from err
        raise DataError(
            f"Cannot download Fashion-MNIST into {directory}: {err}. Set "
            f"{ENV_VAR} to a directory that holds the four files (export "
            f"{ENV_VAR}=/path/with/the/files), pass a writable root=..., or "
            f"install them with: {_INSTALL}"
        ) from err


def _download(name, directory):
    """Fetch `name` from the first URL that serves the right bytes."""
    failures = []
    for base in URLS:
        url = f"{base}{name}.gz"
        try:
            _fetch(url, name, directory)
            return
        except (*_FETCH_ERRORS, DataError) as err:
            if isinstance(err, OSError) and err.errno in _DISK_FULL:
                # Another URL will not help: the bytes have nowhere to go.
                raise DataError(_disk_full(directory, err)) from err
            failures.append(f"  {url}: {err}")
    raise DataError("\n".join(failures))


def _disk_full(directory, err):
    return (f"Cannot download Fashion-MNIST into {directory}: the disk is full ({err}). "
            f"The four files need about 31 MB: free some space, or keep them elsewhere and "
            f"export {ENV_VAR}=/path/with/the/files (or pass root=...), or install them "
            f"with: {_INSTALL}")


def _fetch(url, name, directory):
    """Download `url` to directory/name.gz: verified and complete, or not at all.

    The bytes go to a uniquely named temporary file in the same directory and
    are renamed into place only once verified. The rename is atomic, so a
    reader (or a second process downloading the same file) sees either no
    file or a whole one.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            _stream(url, out)
        _check_download(Path(tmp), name)
        os.replace(tmp, directory / f"{name}.gz")
    except BaseException:
        # Network error, bad bytes or Ctrl-C alike: leave nothing half-written.
        Path(tmp).unlink(missing_ok=True)
        raise


def _stream(url, out):
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        announced = response.headers.get("Content-Length")
        shutil.copyfileobj(response, out)
    # urllib returns a short body silently when the server hangs up early.
    if announced is not None and out.tell() != int(announced):
        raise DataError(f"connection closed after {out.tell()} of {announced} bytes")


def _check_download(path, name):
    try:
        # The temporary name does not end in .gz, but the download always is gzip.
        digest = _sha256(path, compressed=True)
    except _GZIP_ERRORS as err:
        raise DataError(f"not valid gzip data ({err})") from err
    if digest != SHA256[name]:
        raise DataError(f"wrong content: SHA-256 of the decompressed data is "
                        f"{digest}, expected {SHA256[name]}")


# --- Loading once per process ---------------------------------------------


def _load(directory):
    """{"train"|"val": (uint8 images, int64 labels)}, read once per process."""
    paths = [_locate(directory, name) for name in SHA256]
    key = tuple(_file_key(path) for path in paths)
    if key not in _loaded:
        _loaded[key] = {split: _read_split(directory, *names) for split, names in _SPLITS.items()}
    return _loaded[key]


def _read_split(directory, images_name, labels_name):
    images_path, labels_path = _locate(directory, images_name), _locate(directory, labels_name)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.dim() != 3:
        _damaged(images_path, "holds labels (magic 0x00000801), expected images (0x00000803)")
    if labels.dim() != 1:
        _damaged(labels_path, "holds images (magic 0x00000803), expected labels (0x00000801)")
    if len(images) != len(labels):
        raise DataError(
            f"{images_path} has {len(images)} images but {labels_path} has "
            f"{len(labels)} labels; both files must come from the same release. "
            f"{_fix_for(images_path)} {_fix_for(labels_path)}"
        )
    return images, labels.long()


# --- Batching ---------------------------------------------------------------


def _to_float(images, size):
    """uint8 (B, h, w) -> float32 (B, 1, H, W) in [0, 1], resized as one batch.

    Bilinear with antialiasing is what torchvision's ``Resize`` (used by d2l)
    does, so shrinking averages pixels instead of skipping them. Enlarging
    (28 -> 96 or 224, as chapter 8 does) gives the same numbers without it,
    so it is asked for only when shrinking: Apple's MPS had no antialiased
    kernel before PyTorch 2.7.
    """
    x = images.unsqueeze(1).to(torch.float32).div_(255)
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
    """

    def __init__(self, images, labels, batch_size, shuffle=False, resize=None, seed=0):
        if images.dtype != torch.uint8 or images.dim() != 3:
            raise ValueError(f"images must be a uint8 tensor of shape (n, h, w), "
                             f"got {images.dtype} {tuple(images.shape)}")
        if labels.shape != (len(images),):
            raise ValueError(f"labels must have shape ({len(images)},) to match "
                             f"the images, got {tuple(labels.shape)}")
        self.images, self.labels = images, labels.long()
        self.batch_size = _positive_int("batch_size", batch_size)
        self.shuffle = shuffle
        self.size = tuple(images.shape[1:]) if resize is None else _check_size(resize)
        self.seed = _seed(seed)
        self.epoch = 0

    def __len__(self):
        return math.ceil(len(self.images) / self.batch_size)

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
        for start in range(0, len(order), self.batch_size):
            index = order[start:start + self.batch_size]
            yield _to_float(self.images[index], self.size), self.labels[index]

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


# --- Argument checks ---------------------------------------------------------


def _is_int(value):
    # bool is an int subclass, but resize=True is surely a mistake.
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_int(name, value):
    if not _is_int(value):
        raise TypeError(f"{name} must be a positive int, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def _check_size(value):
    """`resize` as an (h, w) tuple; an int n means (n, n)."""
    pair = (value, value) if _is_int(value) else value
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(map(_is_int, pair))):
        raise TypeError(f"resize must be an int or an (h, w) pair of ints, got {value!r}")
    if min(pair) < 1:
        raise ValueError(f"resize must hold positive sizes, got {value!r}")
    return tuple(pair)


def _seed(value):
    if not _is_int(value) or value < 0:
        raise ValueError(f"seed must be a non-negative int, got {value!r}")
    return value


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
    files came from (see `fashion_mnist_dir` for where it looks).
    """

    num_classes = 10
    LABELS = ("t-shirt", "trouser", "pullover", "dress", "coat",
              "sandal", "shirt", "sneaker", "bag", "ankle boot")

    def __init__(self, batch_size=64, resize=(28, 28), root=None, n_train=None,
                 n_val=None, seed=0, download=True):
        # Check everything before touching the disk, so typos fail fast.
        batch_size = _positive_int("batch_size", batch_size)
        resize = _check_size(resize)
        n_train = n_train if n_train is None else _positive_int("n_train", n_train)
        n_val = n_val if n_val is None else _positive_int("n_val", n_val)
        seed = _seed(seed)
        super().__init__(root=root)
        self.save_hyperparameters()
        self.source = fashion_mnist_dir(root, download)
        splits = _load(self.source)
        self.train = ImageDataset(*_first("n_train", n_train, *splits["train"]), resize)
        self.val = ImageDataset(*_first("n_val", n_val, *splits["val"]), resize)

    def get_dataloader(self, train):
        """A fresh loader: shuffled for training, in file order for validation."""
        data = self.train if train else self.val
        return TensorLoader(data.data, data.targets, self.batch_size,
                            shuffle=train, resize=self.resize, seed=self.seed)

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
        # Imported here: pyplot picks a display backend, which loading data never needs.
        import matplotlib.pyplot as plt

        X, y = batch
        images = X.detach().cpu().reshape(-1, *X.shape[-2:])
        titles = list(labels) or self.text_labels(y)
        scale = 1.5
        _, axes = plt.subplots(nrows, ncols, figsize=(ncols * scale, nrows * scale),
                               squeeze=False)
        axes = axes.ravel()
        for i, (ax, image) in enumerate(zip(axes, images)):
            ax.imshow(image.numpy(), cmap="gray")
            if i < len(titles):
                ax.set_title(titles[i])
        for ax in axes:
            ax.set_axis_off()
        return axes
