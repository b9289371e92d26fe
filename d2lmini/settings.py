"""Every environment variable d2lmini reads, in one place.

Each is read when it is needed (not at import), so a notebook or a test can
set one and see the effect at once.

* ``D2LMINI_BUDGET``     - ``quick`` or ``full``; unset: full on a CUDA GPU
* ``D2LMINI_CAP``        - ``NxB``: every Fashion-MNIST loader yields at most
  N batches of at most B images. For tests that walk a budget's code path
  on tiny data; a capped run learns nothing and is never recorded.
* ``D2LMINI_PROGRESS``   - ``0`` turns the training progress line off
* ``D2LMINI_RECORD_DIR`` - where ``record_run`` writes training runs
* ``D2LMINI_DATA``       - a directory holding the Fashion-MNIST files
"""
import os
import re
from pathlib import Path

__all__ = ["BUDGET", "CAP", "PROGRESS", "RECORD_DIR", "DATA",
           "budget_override", "data_cap", "progress_shown", "record_dir", "data_dir"]

BUDGET = "D2LMINI_BUDGET"
CAP = "D2LMINI_CAP"
PROGRESS = "D2LMINI_PROGRESS"
RECORD_DIR = "D2LMINI_RECORD_DIR"
DATA = "D2LMINI_DATA"


def _read(name):
    return os.environ.get(name, "").strip()


def budget_override():
    """The budget named by ``$D2LMINI_BUDGET``, or ``''`` when unset."""
    return _read(BUDGET)


def data_cap():
    """``(batches, batch_size)`` from ``$D2LMINI_CAP``, or None when unset."""
    text = _read(CAP)
    if not text:
        return None
    match = re.fullmatch(r"([1-9][0-9]*)x([1-9][0-9]*)", text)
    if match is None:
        raise ValueError(f"{CAP}={text!r} is not a cap; write it as BATCHESxBATCH_SIZE, "
                         f"e.g. {CAP}=1x8, or unset it")
    return int(match[1]), int(match[2])


def progress_shown():
    """False when ``$D2LMINI_PROGRESS`` is ``0``."""
    return _read(PROGRESS) != "0"


def record_dir():
    """The directory ``$D2LMINI_RECORD_DIR`` names, or None."""
    text = _read(RECORD_DIR)
    return Path(text) if text else None


def data_dir():
    """The directory ``$D2LMINI_DATA`` names, or None."""
    text = _read(DATA)
    return Path(text).expanduser() if text else None
