"""Record a training run as JSON, for the book's results table.

``scripts/execute.py`` sets ``$D2LMINI_RECORD_DIR`` when it runs the chapter
notebooks; each training cell then calls `record_run`, which writes one JSON
file per model and budget. ``scripts/make_results.py`` turns those files into
the results page. Anywhere else (Colab, nbval, a laptop) nothing is written.
"""
import json
import os
import platform
import re

import torch

from .budget import budget_name, capped
from .settings import RECORD_DIR, record_dir
from .device import describe_device
from .stats import num_params

__all__ = ["record_run", "machine_description"]


def machine_description(device):
    """Where a run happened, e.g. 'cpu, 2 cores (x86_64), torch 2.13.0'."""
    device = torch.device(device)
    where = describe_device(device).split(" (")[0] if device.type == "cpu" else describe_device(device)
    return f"{where}, {os.cpu_count()} cores ({platform.machine()}), torch {torch.__version__.split('+')[0]}"


def record_run(section, model_name, model, trainer, data, notes=""):
    """Write this run's settings and final metrics to ``$D2LMINI_RECORD_DIR``.

    Returns nothing, so a notebook cell's output is the same whether
    recording is on or off (nbval compares it).
    """
    # Checked even when not recording, so a mistake shows wherever the notebook runs.
    history = getattr(trainer, "history", None)
    if history is None or len(history) == 0:
        raise ValueError(f"record_run: trainer must have finished trainer.fit(model, data) "
                         f"first, got {trainer!r:.80} with no finished epoch to record")
    directory = record_dir()
    if directory is None:
        return
    if capped():
        raise ValueError(f"record_run: this run is capped by $D2LMINI_CAP (a few batches per "
                         f"epoch), so it is no result; unset D2LMINI_CAP or {RECORD_DIR}")
    resize = getattr(data, "resize", (28, 28))
    optimizer = trainer.optim
    run = {
        "section": section,
        "model": model_name,
        "budget": budget_name(),
        "resolution": list(resize) if not isinstance(resize, int) else [resize, resize],
        "train_images": len(data.train),
        "val_images": len(data.val),
        "epochs": len(history),
        "batch_size": data.batch_size,
        "optimizer": f"{type(optimizer).__name__} lr {optimizer.param_groups[0]['lr']:g}",
        "params": num_params(model),
        "seconds_per_epoch": round(sum(history.seconds) / len(history), 2),
        "train_acc": round(history.train_acc[-1], 4),
        "val_acc": round(history.val_acc[-1], 4),
        "machine": machine_description(trainer.device),
        "notes": notes,
    }
    slug = re.sub(r"[^a-z0-9]+", "-", f"{section} {model_name} {run['budget']}".lower()).strip("-")
    path = directory / f"{slug}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run, indent=1) + "\n")
