"""Fashion-MNIST's four files: find them, check them, fetch them, read them.

The files are looked up in a fixed order (see `fashion_mnist_dir`), checked
against Zalando's SHA-256 digests of the decompressed bytes, downloaded only
when no copy is found (to a temporary file, verified, then renamed), and
read once per process by `load_splits`. `d2lmini.data` builds the batches.
"""
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

from . import settings

__all__ = ["DataError", "fashion_mnist_dir", "load_splits", "read_idx"]

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
        raise DataError(f"{path}: file does not exist; check the path, or call "
                        f"d2l.FashionMNIST() to find or download the files") from None
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
    return [
        ("root argument", None if root is None else Path(root).expanduser()),
        (f"${settings.DATA}", settings.data_dir()),
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
        f"  - point at a copy: export {settings.DATA}=/path/with/the/files\n"
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
            f"{settings.DATA} to a directory that holds the four files (export "
            f"{settings.DATA}=/path/with/the/files), pass a writable root=..., or "
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
            f"export {settings.DATA}=/path/with/the/files (or pass root=...), or install them "
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


def load_splits(directory):
    """{"train"|"val": (uint8 images, int64 labels)}, read once per process.

    ``directory`` is one `fashion_mnist_dir` returned; the tensors are shared
    by every caller, so treat them as read-only.
    """
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
