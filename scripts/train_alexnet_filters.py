"""Train AlexNet longer than a notebook can, on the CPU, and keep its first-layer kernels.

    python scripts/train_alexnet_filters.py --epochs 4

Section 8.1 shows what AlexNet's first layer learns. The quick run inside
the notebook (10,000 images, 2 epochs) leaves kernels that still look like
noise; d2l's full run needs a GPU. This script trains the quick budget's
recipe (72×72 inputs, batch 64, SGD with momentum 0.9, lr 0.01) on all
60,000 training images for ``--epochs`` epochs, the most a 2-core CPU does
in tens of minutes, and writes ``d2lmini/recorded/8-1-alexnet-cpu-filters.json``
(read with ``d2l.recorded_run``; it ships with the package, so Colab has it too):
the settings, the accuracy reached, the machine and the 96 kernels of
11×11 weights. The notebook draws them from that file and says where they
came from. The file is written to a temporary name and renamed, so an
interrupted run leaves no half-written record.
"""
import argparse
import json
import os
import pathlib
import sys
import time

import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import d2lmini as d2l  # noqa: E402
from d2lmini.models.alexnet import AlexNet  # noqa: E402
from d2lmini.results import machine_description  # noqa: E402
from d2lmini.train import PrintMetrics  # noqa: E402

OUT = ROOT / "d2lmini" / "recorded" / "8-1-alexnet-cpu-filters.json"


class AlexNetMomentum(AlexNet):
    """AlexNet trained by SGD with momentum 0.9 (8.1's quick budget)."""

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--resize", type=int, default=72)
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args()
    os.environ.setdefault("D2LMINI_PROGRESS", "0")
    torch.manual_seed(0)
    data = d2l.FashionMNIST(batch_size=64, resize=(args.resize, args.resize))
    model = AlexNetMomentum(lr=0.01)
    trainer = d2l.Trainer(max_epochs=args.epochs, num_gpus=0, callbacks=[PrintMetrics()])
    start = time.perf_counter()
    history = trainer.fit(model, data)
    kernels = model.net[0].weight.detach().cpu()[:, 0]          # (96, 11, 11)
    record = {
        "section": "8.1",
        "model": "AlexNet",
        "what": "first-layer kernels after a longer CPU run of the quick budget's recipe",
        "resolution": [args.resize, args.resize],
        "train_images": len(data.train),
        "val_images": len(data.val),
        "epochs": len(history),
        "batch_size": data.batch_size,
        "optimizer": "SGD lr 0.01 momentum 0.9",
        "val_acc": round(history.val_acc[-1], 4),
        "train_acc": round(history.train_acc[-1], 4),
        "minutes": round((time.perf_counter() - start) / 60, 1),
        "machine": machine_description(trainer.device),
        "source": f"python scripts/train_alexnet_filters.py --epochs {args.epochs} "
                  f"--resize {args.resize}",
        "kernels": [[[round(v, 5) for v in row] for row in k] for k in kernels.tolist()],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_suffix(".part")
    partial.write_text(json.dumps(record) + "\n")
    partial.replace(args.out)
    print(f"wrote {args.out} (val_acc {record['val_acc']}, {record['minutes']} min)")


if __name__ == "__main__":
    main()
