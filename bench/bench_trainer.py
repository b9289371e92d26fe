"""Part 1: d2lmini's Trainer + FashionMNIST against the real d2l 1.0.3.

Both contenders run in this one process, under the same torch build (the one
in bench/.venv-d2l), on the same Fashion-MNIST files, with the same model
code, SGD, learning rate and batch size, for one epoch (training plus the
validation pass, as ``Trainer.fit`` does it). The epoch is timed around
``trainer.fit``; building the data module and initialising the model are
not part of it. Accuracy is then measured for both models by one shared
function on the same validation images, so "same work" can be checked.

Notebook emulation: in a notebook d2l's ProgressBoard renders an SVG at
every redraw and d2lmini's LivePlot a PNG once per epoch. A plain script
would skip both (IPython's ``display`` just prints a repr without a shell),
so we start an ``InteractiveShell`` first: then ``display`` really formats
the figures, as the kernel does (only the browser's work is left out).
"""
import gzip
import os
import shutil

from common import bare_epoch, compared, interleave, log, quiet, timed, torch_threads

# Agg before anything imports pyplot (d2l imports it at import time).
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("D2LMINI_PROGRESS", "1")

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


# --- set-up ---------------------------------------------------------------


def prepare_d2l_root(workdir):
    """Lay out ``workdir/data/FashionMNIST/raw`` and chdir to ``workdir/run``.

    d2l's FashionMNIST has the fixed root ``../data``; torchvision skips its
    download when the four *decompressed* IDX files are in ``raw/``.
    """
    import d2lmini.data
    source = d2lmini.data.fashion_mnist_dir(download=False)
    raw = os.path.join(workdir, "data", "FashionMNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for name in FILES:
        target = os.path.join(raw, name)
        if os.path.exists(target):
            continue
        gz, plain = os.path.join(source, name + ".gz"), os.path.join(source, name)
        if os.path.exists(gz):
            with gzip.open(gz, "rb") as src, open(target + ".part", "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.replace(target + ".part", target)
        else:
            shutil.copyfile(plain, target)
    run = os.path.join(workdir, "run")
    os.makedirs(run, exist_ok=True)
    os.chdir(run)
    return str(source)


def start_notebook_shell():
    """Make IPython's display() format figures as a kernel would."""
    from IPython.core.interactiveshell import InteractiveShell
    # d2lmini's LivePlot draws only inside a kernel, which it knows by the
    # shell's ``kernel`` attribute: pretend this shell has one.
    InteractiveShell.instance().kernel = None


# --- models (identical code on both libraries' base classes) ---------------


def lenet_classes():
    """d2l's LeNet and d2lmini's: the same code (d2l §7.6) on each library's Classifier."""
    from d2l import torch as d2l
    from d2lmini.models.lenet import LeNet as MiniLeNet
    return d2l.LeNet, MiniLeNet


class _Residual(nn.Module):
    """d2l's Residual block (§8.6), the same code as d2l.Residual."""

    def __init__(self, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        self.conv3 = (nn.LazyConv2d(num_channels, kernel_size=1, stride=strides)
                      if use_1x1conv else None)
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


def _resnet18_on(Classifier, Residual, init_cnn):
    """d2l §8.6's ResNet18 (not in the d2l package), built on ``Classifier``."""
    class ResNet18(Classifier):
        def __init__(self, lr=0.01, num_classes=10):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(nn.Sequential(
                nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
                nn.LazyBatchNorm2d(), nn.ReLU(),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1)))
            for i, (num_residuals, channels) in enumerate(((2, 64), (2, 128), (2, 256), (2, 512))):
                blk = [Residual(channels, use_1x1conv=True, strides=2)
                       if j == 0 and i > 0 else Residual(channels)
                       for j in range(num_residuals)]
                self.net.add_module(f"b{i + 2}", nn.Sequential(*blk))
            self.net.add_module("last", nn.Sequential(
                nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LazyLinear(num_classes)))
            self.net.apply(init_cnn)
    return ResNet18


def resnet_classes():
    from d2l import torch as d2l
    import d2lmini
    return (_resnet18_on(d2l.Classifier, d2l.Residual, d2l.init_cnn),
            _resnet18_on(d2lmini.Classifier, _Residual, d2lmini.init_cnn))


# --- one epoch -----------------------------------------------------------------


@torch.no_grad()
def accuracy(model, X, y, batch=500):
    model.eval()
    correct = sum(int((model(X[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
                  for i in range(0, len(y), batch))
    return correct / len(y)


def _init(model, init_fn, size):
    torch.manual_seed(0)
    with torch.no_grad():
        model.apply_init([torch.rand(2, 1, size, size)], init_fn)
    return model


def d2l_epoch(Model, data, lr, size, val, num_workers=4, draw=True, threads=None):
    from d2l import torch as d2l
    import matplotlib.pyplot as plt
    data.num_workers = num_workers
    torch.manual_seed(0)
    model = _init(Model(lr=lr), d2l.init_cnn, size)
    if not draw:
        model.board.display = False  # d2l's own switch: points are kept, nothing drawn
    trainer = d2l.Trainer(max_epochs=1)
    torch.manual_seed(1)
    with torch_threads(threads), quiet() as out:
        seconds, _ = timed(trainer.fit, model, data)
    plt.close("all")
    return {"seconds": seconds, "val_acc": accuracy(model, *val),
            "redraws": out.getvalue().count("<Figure")}


def mini_epoch(Model, data, lr, size, val, threads=None):
    import d2lmini
    import matplotlib.pyplot as plt
    torch.manual_seed(0)
    model = _init(Model(lr=lr), d2lmini.init_cnn, size)
    trainer = d2lmini.Trainer(max_epochs=1, num_gpus=0)  # default callbacks, as shipped
    torch.manual_seed(1)
    with torch_threads(threads), quiet():
        seconds, history = timed(trainer.fit, model, data)
    plt.close("all")
    return {"seconds": seconds, "val_acc": accuracy(model, *val),
            "history_val_acc": history.val_acc[-1]}


def floor_epoch(Model, batches, lr, size, val):
    """The same epoch as a bare PyTorch loop: the floor any library can reach.

    ``batches`` = (training batches, validation batches), cut once before
    any clock starts; no Trainer, no loader, no metrics, no figure: only
    forward, backward and SGD step (and the forward passes of the
    validation set). If d2lmini's epoch is close to this, what is left is
    the model's own arithmetic.
    """
    import d2lmini
    torch.manual_seed(0)
    model = _init(Model(lr=lr), d2lmini.init_cnn, size)
    optim = torch.optim.SGD(model.parameters(), lr=lr)
    train, valid = batches

    torch.manual_seed(1)
    seconds, _ = timed(bare_epoch, model, optim, train, valid)
    return {"seconds": seconds, "val_acc": accuracy(model, *val)}


def data_pass(loader_fn):
    def run():
        loader = loader_fn()
        seconds, n = timed(lambda: sum(len(y) for _, y in loader))
        return {"seconds": seconds, "images": n}
    return run


def d2l_loader(data, num_workers):
    def make():
        data.num_workers = num_workers
        return data.train_dataloader()
    return make


# --- the benchmark ---------------------------------------------------------------


def _val_tensors(data):
    Xs, ys = zip(*data.get_dataloader(False))
    return torch.cat(Xs), torch.cat(ys)


def _d2l_subset(data, n_train, n_val):
    if n_train:
        data.train = torch.utils.data.Subset(data.train, range(n_train))
    if n_val:
        data.val = torch.utils.data.Subset(data.val, range(n_val))
    return data


def run(workdir, **settings):
    """Part 1; d2l reads ``../data``, so it runs in ``workdir/run`` and the old cwd comes back."""
    cwd = os.getcwd()
    try:
        return _run(workdir, **settings)
    finally:
        os.chdir(cwd)


def _run(workdir, repeats=3, lenet_lr=0.9, resnet_n_train=2000, resnet_n_val=500,
        lenet_n_train=None, lenet_n_val=None, batch_size=128, emulate_notebook=True, parts=("data", "lenet", "resnet")):
    from d2l import torch as d2l
    import d2lmini

    source = prepare_d2l_root(workdir)
    if emulate_notebook:
        start_notebook_shell()
    log(f"trainer: data from {source}; d2l root {os.path.abspath('../data')}")
    out = {"settings": {
        "batch_size": batch_size, "optimizer": "SGD (Module.configure_optimizers of each library)",
        "lenet": {"lr": lenet_lr, "size": 28, "n_train": lenet_n_train or 60000,
                  "n_val": lenet_n_val or 10000},
        "resnet18": {"lr": 0.01, "size": 96, "n_train": resnet_n_train, "n_val": resnet_n_val},
        "repeats": repeats, "notebook_emulation": emulate_notebook,
        "d2l_default_num_workers": d2l.DataModule.__init__.__defaults__[1],
    }}

    # Data modules: built once, outside every timing (loading is reported on its own).
    load_d2l, d2l28 = timed(d2l.FashionMNIST, batch_size=batch_size)
    load_mini, mini28 = timed(d2lmini.FashionMNIST, batch_size=batch_size,
                              n_train=lenet_n_train, n_val=lenet_n_val)
    _d2l_subset(d2l28, lenet_n_train, lenet_n_val)
    out["load_seconds"] = {"d2l": load_d2l, "d2lmini": load_mini}
    val28 = _val_tensors(mini28)

    if "data" in parts:
        log("trainer: data only (one pass over the training loader, no model)")
        d2l96 = _d2l_subset(d2l.FashionMNIST(batch_size=batch_size, resize=(96, 96)),
                            lenet_n_train, None)
        mini96 = d2lmini.FashionMNIST(batch_size=batch_size, resize=96, n_train=lenet_n_train)
        runs = interleave({
            "d2l 28px nw4": data_pass(d2l_loader(d2l28, 4)),
            "d2l 28px nw0": data_pass(d2l_loader(d2l28, 0)),
            "d2lmini 28px": data_pass(mini28.train_dataloader),
            "d2l 96px nw4": data_pass(d2l_loader(d2l96, 4)),
            "d2lmini 96px": data_pass(mini96.train_dataloader),
        }, repeats, "data")
        out["data_only"] = compared(runs, {
            "d2lmini / d2l nw4 (28px)": ("d2lmini 28px", "d2l 28px nw4"),
            "d2lmini / d2l nw0 (28px)": ("d2lmini 28px", "d2l 28px nw0"),
            "d2lmini / d2l nw4 (96px)": ("d2lmini 96px", "d2l 96px nw4"),
        })
        del d2l96, mini96

    if "lenet" in parts:
        log(f"trainer: LeNet, one epoch on {lenet_n_train or 60000} images at 28 px")
        D2lLeNet, MiniLeNet = lenet_classes()
        args = (lenet_lr, 28, val28)
        batches28 = (list(mini28.train_dataloader()), list(mini28.val_dataloader()))
        runs = interleave({
            "d2l (shipped, nw=4)": lambda: d2l_epoch(D2lLeNet, d2l28, *args, num_workers=4),
            "d2l (nw=4, no drawing)": lambda: d2l_epoch(D2lLeNet, d2l28, *args, num_workers=4, draw=False),
            "d2l (nw=0)": lambda: d2l_epoch(D2lLeNet, d2l28, *args, num_workers=0),
            "d2lmini": lambda: mini_epoch(MiniLeNet, mini28, *args),
            "d2lmini (1 thread)": lambda: mini_epoch(MiniLeNet, mini28, *args, threads=1),
            "PyTorch loop (floor)": lambda: floor_epoch(MiniLeNet, batches28, *args),
            "d2l (shipped, nw=4, 1 thread)": lambda: d2l_epoch(D2lLeNet, d2l28, *args, num_workers=4,
                                                               threads=1),
        }, repeats, "lenet")
        out["lenet"] = compared(runs, {
            "d2lmini / d2l shipped (nw=4)": ("d2lmini", "d2l (shipped, nw=4)"),
            "d2lmini / d2l (nw=0)": ("d2lmini", "d2l (nw=0)"),
            "d2lmini / PyTorch floor": ("d2lmini", "PyTorch loop (floor)"),
            "PyTorch floor / d2l shipped (nw=4)": ("PyTorch loop (floor)", "d2l (shipped, nw=4)"),
            "d2l no drawing / d2l shipped": ("d2l (nw=4, no drawing)", "d2l (shipped, nw=4)"),
            "d2lmini 1 thread / d2lmini default": ("d2lmini (1 thread)", "d2lmini"),
            "d2lmini / d2l shipped, both 1 thread": ("d2lmini (1 thread)", "d2l (shipped, nw=4, 1 thread)"),
        })

    if "resnet" in parts:
        log(f"trainer: ResNet-18, one epoch on {resnet_n_train} images at 96 px")
        d2l_r = _d2l_subset(d2l.FashionMNIST(batch_size=batch_size, resize=(96, 96)),
                            resnet_n_train, resnet_n_val)
        mini_r = d2lmini.FashionMNIST(batch_size=batch_size, resize=96,
                                      n_train=resnet_n_train, n_val=resnet_n_val)
        val96 = _val_tensors(mini_r)
        D2lRes, MiniRes = resnet_classes()
        args = (0.01, 96, val96)
        runs = interleave({
            "d2l (shipped, nw=4)": lambda: d2l_epoch(D2lRes, d2l_r, *args, num_workers=4),
            "d2lmini": lambda: mini_epoch(MiniRes, mini_r, *args),
        }, max(1, min(repeats, 2)), "resnet18")
        out["resnet18"] = compared(runs, {"d2lmini / d2l shipped (nw=4)": ("d2lmini", "d2l (shipped, nw=4)")})

    if "lenet" in out:
        r = out["lenet"]["ratios"]
        out["targets"] = [
            {"name": "LeNet epoch: d2lmini ≤ 1/4 of d2l as shipped (num_workers=4)",
             "value": r["d2lmini / d2l shipped (nw=4)"], "limit": 0.25,
             "pass": r["d2lmini / d2l shipped (nw=4)"] <= 0.25},
            {"name": "LeNet epoch: d2lmini ≤ 1/2 of d2l with num_workers=0",
             "value": r["d2lmini / d2l (nw=0)"], "limit": 0.5,
             "pass": r["d2lmini / d2l (nw=0)"] <= 0.5},
        ]
    return out
