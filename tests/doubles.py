"""Test doubles shared by several test files: tiny IDX data sets, a list-backed
DataModule, a quiet Trainer, `facts` for matching error messages, and
`load_script` for the repository's scripts that are not a package."""
import gzip
import hashlib
import importlib.util
import re
import struct

import torch

import d2lmini as d2l


def idx_bytes(array):
    """IDX encoding of a uint8 tensor of 1 (labels) or 3 (images) dimensions."""
    magic = {1: 0x801, 3: 0x803}[array.dim()]
    header = struct.pack(f">I{array.dim()}I", magic, *array.shape)
    return header + array.numpy().tobytes()


def fake_files(n_train=12, n_val=6, n_train_labels=None):
    """name -> raw IDX bytes; pixel [0, 0] of image i is i, its label i % 10."""
    def images(n):
        x = torch.zeros(n, 28, 28, dtype=torch.uint8)
        x[:, 0, 0] = torch.arange(n)
        x[:, 5:20, 5:20] = 200
        return x

    def labels(n):
        return (torch.arange(n) % 10).to(torch.uint8)

    return {
        "train-images-idx3-ubyte": idx_bytes(images(n_train)),
        "train-labels-idx1-ubyte": idx_bytes(labels(n_train_labels or n_train)),
        "t10k-images-idx3-ubyte": idx_bytes(images(n_val)),
        "t10k-labels-idx1-ubyte": idx_bytes(labels(n_val)),
    }


def sha256(raw):
    return hashlib.sha256(raw).hexdigest()


def write_files(directory, files, gz=True, names=None):
    directory.mkdir(parents=True, exist_ok=True)
    for name in names or files:
        if gz:
            (directory / f"{name}.gz").write_bytes(gzip.compress(files[name]))
        else:
            (directory / name).write_bytes(files[name])
    return directory


class ListData:
    """A DataModule double whose loaders are the given lists of (X, y) batches."""

    def __init__(self, train, val=()):
        self.train, self.val = train, val

    def train_dataloader(self):
        return self.train

    def val_dataloader(self):
        return self.val


def quiet_trainer(**kwargs):
    """A CPU Trainer with no progress bar, printing or figures (one epoch unless told)."""
    return d2l.Trainer(callbacks=[], num_gpus=0, **{"max_epochs": 1, **kwargs})


def facts(*parts):
    """A regex that finds each part, in this order, anywhere in an error message.

    Error tests check the facts a message must give (the function, the
    argument, the bad value, the word that names the fix), not its wording.
    A part is plain text; where it begins or ends with a letter, digit or _
    a word must begin or end there, so "X" does not match "MaxPool2d", nor
    "corr2d" "corr2d_multi_in". A compiled pattern is used as it is.
    """
    def one(part):
        if isinstance(part, re.Pattern):
            return f"(?:{part.pattern})"
        return ((r"\b" if re.match(r"\w", part) else "") + re.escape(part)
                + (r"\b" if re.match(r"\w", part[-1]) else ""))

    return "(?s)" + ".*".join(map(one, parts))


def dims(*sides):
    """A `facts` part for a size such as 7×7 or 2×3, written with × or the letter x."""
    return re.compile(r"\b" + "[×x]".join(map(str, sides)) + r"\b")


def assert_close(actual, expected, atol=1e-9, rtol=0, msg=None):
    """Like torch.testing.assert_close with an absolute tolerance, without its slow first
    import."""
    assert rtol == 0
    assert actual.shape == expected.shape, (msg, actual.shape, expected.shape)
    diff = (actual.double() - expected.double()).abs().max().item()
    assert diff <= atol, (msg, diff, atol)


def load_script(path):
    """The Python file at ``path`` (e.g. scripts/make_results.py) as a module named after it."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
