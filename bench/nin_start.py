"""NiN at d2l's full settings: does it leave chance level, with d2l's init and with He's?

    python bench/nin_start.py [--seeds 0,1,2] [--epochs 10] [--device cuda]

For each seed and each initialization (``d2l.init_cnn``, Xavier's, as d2l;
``d2l.init_kaiming``, He's, as the book's full budget) it trains NiN on all of
Fashion-MNIST at 224x224, batch 128, and prints one JSON line: the training
loss on a fixed batch of 128 validation images every 20 steps of the first
epoch, with the share of its class scores that are exactly zero (the final
ReLU's dead units),
and the validation accuracy after each epoch. Needs a GPU for the full 10
epochs (about 4 minutes each on an H200); ``--epochs 1`` shows the start.
Not part of the tests.
"""
import argparse
import json

import torch

import d2lmini as d2l
from d2lmini.models.nin import NiN


class StartLog(d2l.Callback):
    """Every `every` training steps of the first epoch: the loss and the zero-score share."""

    def __init__(self, probe, every=20):
        (self.X, self.y), self.every, self.steps = probe, every, []

    def on_batches(self, trainer, batches, train):
        if not train or trainer.epoch > 0:
            return batches
        return self._watch(trainer, batches)

    def _watch(self, trainer, batches):
        for step, batch in enumerate(batches):
            if step % self.every == 0:
                model = trainer.model
                with torch.no_grad():
                    was_training = model.training
                    model.eval()
                    device = d2l.device_of(model)
                    scores = model(self.X.to(device))
                    model.train(was_training)
                    loss = torch.nn.functional.cross_entropy(scores, self.y.to(device))
                self.steps.append({"step": step, "zero_scores": (scores == 0).float().mean().item(),
                                   "probe_loss": round(loss.item(), 4)})
            yield batch


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
