"""Part 4 (only with ``--gpu``): training examples per second per chapter-8 model.

For each model at d2l's full settings (its input size, batch 128, SGD lr
0.01, real Fashion-MNIST) it times ``steps`` training steps after
``warmup`` steps, synchronising the device around the clock, in these
variants, each one change away from the baseline so every speed-up is
measured on and off:

* ``host data``      - batches cut and resized on the CPU, copied per step
                       (what any DataLoader-based loop does; the baseline);
* ``device data``    - the uint8 images kept on the GPU and resized there
                       (what ``d2lmini.Trainer`` does with ``FashionMNIST``);
* ``channels_last``  - device data, model and batches in NHWC layout;
* ``bf16 autocast``  - device data, forward and loss under bfloat16 autocast;
* ``torch.compile``  - device data, the model compiled (compile time is
                       reported apart, not in examples/s);
* ``bare epoch``     - a bare PyTorch loop doing ``Trainer.fit``'s work: one
                       epoch over device data from a fresh model, then the
                       validation pass (loss and accuracy), nothing else;
* ``Trainer.fit``    - the course's own ``Trainer`` for one epoch on
                       ``trainer_images`` images (with its validation pass and
                       checks), as a student runs it. Its ratio to ``bare
                       epoch`` is what the Trainer itself costs (goal: >= 0.9).

Published: what d2l 0.17.5 printed on its GPU (shared/reference/anchors.md).
``run(device="cpu", ...)`` runs the same code on the CPU with small sizes,
which is how this file is smoke-tested without a GPU.
"""
import contextlib
import importlib
import time

import torch
from torch.nn import functional as F

from report import GPU_VARIANTS

# (label, module, class, constructor kwargs, d2l's input size, d2l 0.17.5 examples/s)
MODELS = [
    ("LeNet", "d2lmini.models.lenet", "LeNet", {}, 28, 72_322),
    ("AlexNet", "d2lmini.models.alexnet", "AlexNet", {}, 224, 4_171),
    ("VGG-11/4", "d2lmini.models.vgg", "VGG",
     {"arch": ((1, 16), (1, 32), (2, 64), (2, 128), (2, 128))}, 224, 2_551),
    ("NiN", "d2lmini.models.nin", "NiN", {}, 224, 3_201),
    ("GoogLeNet", "d2lmini.models.googlenet", "GoogleNet", {}, 96, 3_568),
    ("BN-LeNet", "d2lmini.models.batchnorm", "BNLeNet", {}, 28, None),
    ("ResNet-18", "d2lmini.models.resnet", "ResNet18", {}, 96, 4_672),
]
VARIANTS = GPU_VARIANTS  # listed in report.py, which renders them in this order


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def _model(module, name, kwargs, device, sample):
    import d2lmini
    torch.manual_seed(0)
    model = getattr(importlib.import_module(module), name)(lr=0.01, **kwargs)
    model.apply_init([sample], d2lmini.init_cnn)  # lazy layers learn their shapes on the CPU
    return model.to(device)


def _batches(loader, device, on_device, channels_last):
    """Endless batches: from a device-resident loader, or copied from the host per step."""
    if on_device:
        loader = loader.to(device)
    while True:
        for X, y in loader:
            if not on_device:
                X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
            if channels_last:
                X = X.contiguous(memory_format=torch.channels_last)
            yield X, y


def steps_per_second(spec, data, device, variant, warmup, steps):
    """{"examples_per_s", "compile_s"} for one model and one variant."""
    _, module, name, kwargs, _, _ = spec
    sample = next(iter(data.train_dataloader()))[0][:2]
    model = _model(module, name, kwargs, device, sample)
    channels_last = variant == "channels_last"
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    optim = torch.optim.SGD(model.parameters(), lr=0.01)
    forward = torch.compile(model) if variant == "torch.compile" else model
    autocast = (torch.autocast(device.type, dtype=torch.bfloat16)
                if variant == "bf16 autocast" else contextlib.nullcontext())
    batches = _batches(data.train_dataloader(), device, variant != "host data", channels_last)
    compile_s = None
    start = time.perf_counter()
    for i in range(warmup + steps):
        if i == 1 and variant == "torch.compile":
            _sync(device)
            compile_s = time.perf_counter() - start  # the first step compiles
        if i == warmup:
            _sync(device)
            start = time.perf_counter()
        X, y = next(batches)
        with autocast:
            loss = F.cross_entropy(forward(X), y)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
    _sync(device)
    return {"examples_per_s": data.batch_size * steps / (time.perf_counter() - start),
            "compile_s": compile_s}


def bare_epoch_rate(spec, data, device):
    """Examples/s of one epoch of a bare loop with Trainer.fit's work (training images / epoch)."""
    _, module, name, kwargs, _, _ = spec
    sample = next(iter(data.train_dataloader()))[0][:2]
    model = _model(module, name, kwargs, device, sample)
    optim = torch.optim.SGD(model.parameters(), lr=0.01)
    train, val = data.train_dataloader().to(device), data.val_dataloader().to(device)
    _sync(device)
    start = time.perf_counter()
    model.train()
    for X, y in train:
        loss = F.cross_entropy(model(X), y)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
    model.eval()
    total_loss, correct = torch.zeros((), device=device), torch.zeros((), device=device)
    with torch.no_grad():
        for X, y in val:
            Y_hat = model(X)
            total_loss += F.cross_entropy(Y_hat, y, reduction="sum")
            correct += (Y_hat.argmax(dim=1) == y).sum()
    (total_loss / len(data.val)).item(), (correct / len(data.val)).item()
    return {"examples_per_s": len(data.train) / (time.perf_counter() - start), "compile_s": None}


def trainer_rate(spec, data, device):
    """Examples/s of one ``Trainer.fit`` epoch (training images / whole epoch)."""
    import d2lmini
    _, module, name, kwargs, _, _ = spec
    sample = next(iter(data.train_dataloader()))[0][:2]
    model = _model(module, name, kwargs, torch.device("cpu"), sample)
    trainer = d2lmini.Trainer(max_epochs=1, device=device, callbacks=[])
    history = trainer.fit(model, data)
    return {"examples_per_s": len(data.train) / history.seconds[-1], "compile_s": None}


def run(device=None, models=None, size=None, warmup=5, steps=30, trainer_images=10_000,
        variants=VARIANTS):
    """Measure every model in every variant; ``size`` overrides d2l's (for CPU smoke runs)."""
    import d2lmini
    if device is None:
        if not torch.cuda.is_available():
            return {"skipped": "no CUDA GPU on this machine"}
        device = "cuda"
    device = torch.device(device)
    rows = []
    for spec in MODELS:
        label, _, _, _, d2l_size, published = spec
        if models and label not in models:
            continue
        side = size or d2l_size
        data = d2lmini.FashionMNIST(batch_size=128, resize=side, n_train=trainer_images,
                                    n_val=min(trainer_images, 10_000))
        row = {"model": label, "size": side, "published_examples_per_s": published,
               "variants": {}}
        for variant in variants:
            if variant == "Trainer.fit":
                measured = trainer_rate(spec, data, device)
            elif variant == "bare epoch":
                measured = bare_epoch_rate(spec, data, device)
            else:
                measured = steps_per_second(spec, data, device, variant, warmup, steps)
            row["variants"][variant] = measured
        rows.append(row)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else device.type
    return {"device": name, "torch": torch.__version__, "batch_size": 128, "steps": steps,
            "warmup": warmup, "rows": rows}
