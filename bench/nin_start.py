"""NiN at d2l's full settings: does it leave chance level, with d2l's init and with He's?

    python bench/nin_start.py [--seeds 0,1,2] [--epochs 10] [--device cuda]

For each seed and each initialization (``d2l.init_cnn``, Xavier's, as d2l;
``d2l.init_kaiming``, He's, as the book's full budget) it trains NiN on all of
Fashion-MNIST at 224x224, batch 128, and prints one JSON line: the loss on a
fixed batch of 128 validation images before training and after every 20
steps of the first epoch (a `Callback`'s ``on_step_end``), with the share of
its class scores that are exactly zero (the final ReLU's dead units), and the
validation accuracy after each epoch. Needs a GPU for the full 10
epochs (about 4 minutes each on an H200); ``--epochs 1`` shows the start.
Not part of the tests.
"""
import argparse
import json

import torch

import d2lmini as d2l
from d2lmini.models.nin import NiN


class StartLog(d2l.Callback):
    """Before training and after every `every` steps of the first epoch: the probe
    batch's loss and the share of its class scores that are exactly zero."""

    def __init__(self, probe, every=20):
        (self.X, self.y), self.every, self.steps = probe, every, []

    def on_fit_start(self, trainer):
        self._probe(trainer.model, step=0)

    def on_step_end(self, trainer, loss):
        if trainer.epoch == 0 and trainer.epoch_step % self.every == 0:
            self._probe(trainer.model, step=trainer.epoch_step)

    def _probe(self, model, step):
        device = d2l.device_of(model)
        with torch.no_grad(), d2l.eval_mode(model):
            scores = model(self.X.to(device))
            loss = torch.nn.functional.cross_entropy(scores, self.y.to(device))
        self.steps.append({"step": step, "zero_scores": (scores == 0).float().mean().item(),
                           "probe_loss": round(loss.item(), 4)})


INITS = {"xavier (d2l)": d2l.init_cnn, "kaiming": d2l.init_kaiming}


def run(seed, init, epochs, device):
    data = d2l.FashionMNIST(batch_size=128, resize=(224, 224))
    probe = next(iter(data.val_dataloader()))
    torch.manual_seed(seed)
    model = NiN(lr=0.05)
    model.apply_init([next(iter(data.get_dataloader(True)))[0]], INITS[init])
    log = StartLog(probe)
    trainer = d2l.Trainer(max_epochs=epochs, device=device, callbacks=[log])
    history = trainer.fit(model, data)
    return {"seed": seed, "init": init, "val_acc": history.val_acc,
            "train_loss": history.train_loss, "first_epoch": log.steps}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    for seed in map(int, args.seeds.split(",")):
        for init in INITS:
            print(json.dumps(run(seed, init, args.epochs, args.device)), flush=True)


if __name__ == "__main__":
    main()
