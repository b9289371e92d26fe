"""Part 4 (only with ``--gpu``): training examples per second per chapter-8 model.

Not measured yet; the structure is here so a session with a CUDA GPU can
fill it in: for each model at d2l's full settings (size, batch 128), time
``steps`` SGD steps on one fixed batch after ``warmup`` steps, synchronising
the device, and report examples/s next to the published numbers in
shared/reference/anchors.md.
"""
import time

import torch

# (module, class, input size) at d2l's full settings (anchors.md table).
MODELS = [
    ("d2lmini.models.lenet", "LeNet", 28),
    ("d2lmini.models.alexnet", "AlexNet", 224),
    ("d2lmini.models.vgg", "VGG", 224),
    ("d2lmini.models.nin", "NiN", 224),
    ("d2lmini.models.googlenet", "GoogleNet", 96),
    ("d2lmini.models.batchnorm", "BNLeNet", 28),
    ("d2lmini.models.resnet", "ResNet18", 96),
]


def examples_per_second(model, size, device, batch=128, warmup=3, steps=10):
    X = torch.rand(batch, 1, size, size, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    model.to(device)
    with torch.no_grad():
        model(X[:2])  # materialise lazy layers
    optim = torch.optim.SGD(model.parameters(), lr=0.01)
    for i in range(warmup + steps):
        if i == warmup:
            torch.cuda.synchronize(device)
            start = time.perf_counter()
        loss = model.loss(model(X), y)
        optim.zero_grad()
        loss.backward()
        optim.step()
    torch.cuda.synchronize(device)
    return batch * steps / (time.perf_counter() - start)


def run():
    if not torch.cuda.is_available():
        return {"skipped": "no CUDA GPU on this machine"}
    import importlib
    device = torch.device("cuda")
    rows = []
    for module, name, size in MODELS:
        cls = getattr(importlib.import_module(module), name)
        if name == "VGG":  # VGG-11 with channels / 4, as d2l trains it
            model = cls(arch=((1, 16), (1, 32), (2, 64), (2, 128), (2, 128)), lr=0.01)
        else:
            model = cls(lr=0.01)
        rows.append({"model": name, "size": size,
                     "examples_per_s": examples_per_second(model, size, device)})
    return {"device": torch.cuda.get_device_name(device), "rows": rows}
