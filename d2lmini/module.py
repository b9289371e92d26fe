"""Models the d2l way: `Module`, `Classifier`, `add_to_class`, `init_cnn`.

A d2l model is an ``nn.Module`` that also knows its loss, its optimizer and
what to record during training. The `Trainer` (see ``train.py``) calls
``training_step`` and ``validation_step``; those report numbers through
``self.plot(key, value, train)``, exactly the call d2l's code makes, so
d2l.ai code runs unchanged. Here ``plot`` only records: the trainer averages
the numbers over each epoch and draws one figure per epoch.
"""
import contextlib

import torch
from torch import nn
from torch.nn import functional as F

from .checks import check_shape
from .hyper import HyperParameters

__all__ = ["Module", "Classifier", "add_to_class", "init_cnn", "init_kaiming", "layer_summary",
           "device_of", "is_uninitialized", "eval_mode"]


def add_to_class(Class):
    """Decorator that adds the decorated function to ``Class`` as a method.

    d2l uses it to grow a class cell by cell. Unlike d2l's version this one
    returns the function, so the name in the notebook stays bound to it
    instead of to ``None``.
    """
    if not isinstance(Class, type):
        raise TypeError(f"add_to_class: Class must be a class such as LeNet, got "
                        f"{Class!r:.80} ({type(Class).__name__}); pass the class, not an instance")

    def register(function):
        if not callable(function) or not hasattr(function, "__name__"):
            raise TypeError(f"add_to_class({Class.__name__}): decorate a function (def ...), "
                            f"got {function!r:.80}")
        setattr(Class, function.__name__, function)
        return function
    return register


class Module(nn.Module, HyperParameters):
    """Base class of the book's models (d2l's ``d2l.Module``).

    Subclasses set ``self.net`` (or override ``forward``) and ``loss``.
    The two ``plot_*_per_epoch`` arguments exist so d2l code that passes them
    still runs; curves are drawn once per epoch regardless.
    """

    def __init__(self, plot_train_per_epoch=2, plot_valid_per_epoch=1):
        super().__init__()
        self.trainer = None

    def loss(self, y_hat, y):
        raise NotImplementedError("a Module subclass must define loss(y_hat, y)")

    def forward(self, X):
        if not hasattr(self, "net"):
            raise NotImplementedError(
                f"{type(self).__name__} has no self.net; set it in __init__ or define forward")
        return self.net(X)

    def plot(self, key, value, train):
        """Record ``value`` (a batch mean) under ``key`` for the current epoch.

        Called outside ``Trainer.fit`` it does nothing, so a step can be run
        by hand while exploring.
        """
        if self.trainer is not None:
            self.trainer.record(key, value, train)

    def training_step(self, batch):
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", loss, train=True)
        return loss

    def validation_step(self, batch):
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", loss, train=False)

    def configure_optimizers(self):
        if not hasattr(self, "lr"):
            raise AttributeError(
                f"{type(self).__name__}.configure_optimizers: the model has no self.lr; give "
                f"__init__ an lr argument and call self.save_hyperparameters() in it")
        return torch.optim.SGD(self.parameters(), lr=self.lr)

    def apply_init(self, inputs, init=None):
        """Run one forward pass (so lazy layers learn their shapes), then init.

        ``inputs`` is a list of example inputs, e.g. ``[next(iter(loader))[0]]``.
        """
        with torch.no_grad():
            self.forward(*inputs)
        if init is not None:
            self.net.apply(init)


class Classifier(Module):
    """A `Module` for classification: cross-entropy loss and accuracy.

    Unlike d2l, it records accuracy on the training batches too, so the
    curves show the gap between training and validation accuracy.
    """

    def training_step(self, batch):
        Y_hat = self(*batch[:-1])
        loss = self.loss(Y_hat, batch[-1])
        self.plot("loss", loss, train=True)
        self.plot("acc", self.accuracy(Y_hat, batch[-1]), train=True)   # argmax carries no gradient
        return loss

    def validation_step(self, batch):
        Y_hat = self(*batch[:-1])
        self.plot("loss", self.loss(Y_hat, batch[-1]), train=False)
        self.plot("acc", self.accuracy(Y_hat, batch[-1]), train=False)

    def accuracy(self, Y_hat, Y, averaged=True):
        """Fraction (or per-example 0/1) of predictions equal to the labels."""
        _check_targets("Classifier.accuracy", Y_hat, Y)
        correct = _rows(Y_hat).argmax(dim=1) == _flat(Y)
        # the mean of the booleans in float32: the same number as .float().mean(), one operation less
        return correct.mean(dtype=torch.float32) if averaged else correct.float()

    def loss(self, Y_hat, Y, averaged=True):
        _check_targets("Classifier.loss", Y_hat, Y)
        classes, labels = Y_hat.shape[-1], _flat(Y)
        reduction = "mean" if averaged else "none"
        deferred = getattr(self.trainer, "deferred_checks", None)
        if deferred is not None:
            # On a GPU a label out of range is an opaque device-side assert in
            # cross_entropy, so it is clamped and the Trainer raises the clear
            # error when it reads the flag, at the end of the epoch.
            checked = labels.detach()
            deferred.check(_out_of_range(checked, classes).any(),
                           lambda: _label_range_error("Classifier.loss", checked, classes))
            labels = labels.clamp(0, classes - 1)
        elif labels.device.type == "cpu":
            return _cross_entropy_on_cpu(Y_hat, labels, reduction)
        elif _out_of_range(labels, classes).any():   # outside a fit, on a GPU: checked first
            raise _label_range_error("Classifier.loss", labels, classes)
        return F.cross_entropy(_rows(Y_hat), _long(labels), reduction=reduction)

    def layer_summary(self, X_shape):
        """Print each top-level layer of ``self.net`` and its output shape."""
        if not hasattr(self, "net"):
            raise AttributeError(f"{type(self).__name__}.layer_summary: the model has no self.net "
                                 f"to summarize; set it in __init__")
        layer_summary(self.net, X_shape)


# cross_entropy's ignore_index that no label takes, on the CPU (elsewhere labels are
# checked or clamped first, and the default stays)
_NO_LABEL = torch.iinfo(torch.int64).min


# Every batch goes through these; a reshape that changes nothing still costs a
# tensor operation (microseconds each, hundreds of batches an epoch), so they
# reshape only what needs it.
def _rows(Y_hat):
    """Scores as (rows, classes)."""
    return Y_hat if Y_hat.dim() == 2 else Y_hat.reshape((-1, Y_hat.shape[-1]))


def _flat(Y):
    """Labels as one row."""
    return Y if Y.dim() == 1 else Y.reshape(-1)


def _check_targets(fn, Y_hat, Y):
    """``Y_hat`` holds scores (..., classes), ``Y`` one integer label per row of it."""
    for name, t in (("Y_hat", Y_hat), ("Y", Y)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{fn}: {name} must be a torch.Tensor, got {type(t).__name__}")
    if Y_hat.dim() == 0 or Y_hat.shape[-1] == 0:
        raise ValueError(f"{fn}: Y_hat must have a last dimension of class scores, "
                         f"got shape {tuple(Y_hat.shape)}")
    if Y.is_floating_point() or Y.is_complex() or Y.dtype == torch.bool:
        raise TypeError(f"{fn}: labels Y must be integer class indices, got dtype {Y.dtype}; "
                        f"convert them with Y.long()")
    classes = Y_hat.shape[-1]
    rows = Y_hat.numel() // classes
    if Y.numel() != rows:
        raise ValueError(f"{fn}: Y_hat of shape {tuple(Y_hat.shape)} holds {rows} predictions "
                         f"but Y of shape {tuple(Y.shape)} holds {Y.numel()} labels; "
                         f"they need one label per prediction")


def _long(labels):
    return labels if labels.dtype == torch.int64 else labels.long()


def _cross_entropy_on_cpu(Y_hat, labels, reduction):
    """On the CPU cross_entropy checks every label itself (an IndexError naming one);
    reading the labels' min and max first would cost two operations on every batch."""
    try:
        # ignore_index: no label is skipped (-100, the default, would be)
        return F.cross_entropy(_rows(Y_hat), _long(labels), reduction=reduction,
                               ignore_index=_NO_LABEL)
    except IndexError:
        classes = Y_hat.shape[-1]
        if not _out_of_range(labels, classes).any():
            raise
        raise _label_range_error("Classifier.loss", labels, classes) from None


def _out_of_range(Y, classes):
    return (Y < 0) | (Y >= classes)


def _label_range_error(fn, Y, classes):
    bad = Y[_out_of_range(Y, classes)].unique()[:5].tolist()
    return ValueError(f"{fn}: labels Y must be in 0..{classes - 1} (Y_hat has {classes} "
                      f"classes), got {bad}")


def layer_summary(net, X_shape):
    """Push a random batch of shape ``X_shape`` through ``net`` layer by layer.

    Prints ``<LayerName> output shape:\\t torch.Size([...])`` as d2l does.
    Runs in eval mode without gradients, so batch-norm statistics are left
    alone, and restores the mode afterwards. A layer that cannot take its
    input raises a ValueError naming the layer and the shape it got.
    """
    if not isinstance(net, nn.Sequential):
        raise TypeError(f"layer_summary: net must be an nn.Sequential, got {type(net).__name__}")
    from .architecture.labels import summary_row  # the one way a layer's row is written

    shape = check_shape(X_shape, fn="layer_summary")
    X = torch.randn(*shape, device=device_of(net))
    with eval_mode(net), torch.no_grad():
        for index, layer in enumerate(net):
            try:
                Y = layer(X)
            except Exception as error:  # RuntimeError from PyTorch, anything from custom layers
                where, culprit, shape = _find_failure(str(index), layer, X)
                raise ValueError(
                    f"layer_summary: layer {where} ({culprit}) cannot take an input of shape "
                    f"{shape}: {type(error).__name__}: {error}") from error
            print(summary_row(type(layer).__name__, Y))
            X = Y


def _find_failure(where, layer, X):
    """(index path such as '1.0', short layer description, input shape) of the failing layer.

    Inside a nested ``nn.Sequential`` the culprit is the innermost layer that
    fails, e.g. layer 1.0 is the first layer of block 1.
    """
    if isinstance(layer, nn.Sequential):
        Y = X
        for index, inner in enumerate(layer):
            try:
                Y = inner(Y)
            except Exception:
                return _find_failure(f"{where}.{index}", inner, Y)
    text = repr(layer)
    return where, (text if "\n" not in text else type(layer).__name__), tuple(X.shape)


@contextlib.contextmanager
def eval_mode(model):
    """Run the body with ``model`` in eval mode, then give EVERY submodule back its own mode.

    ``model.train(was_training)`` would set all submodules to the top module's
    mode, so a model whose parts were in different modes (a frozen batch-norm
    layer in eval mode inside a training model) would come back changed.
    """
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, training in modes:
            module.training = training


def is_uninitialized(tensor):
    """True for a lazy layer's parameter or buffer that has no shape yet (before its first
    forward): ``nn.LazyLinear``'s weight, ``nn.LazyBatchNorm2d``'s running mean."""
    return isinstance(tensor, (nn.parameter.UninitializedParameter,
                               nn.parameter.UninitializedBuffer))


def device_of(model):
    """The device of the model's parameters (the CPU while all are still lazy).

    Feed a trained model tensors made there: ``torch.zeros(..., device=device_of(model))``.
    """
    return next((p.device for p in model.parameters() if not is_uninitialized(p)),
                torch.device("cpu"))


def init_cnn(module):
    """Xavier-uniform init for the weights of linear and conv layers (d2l §7.6).

    d2l's version tests ``type(module) == nn.Linear`` and so silently skips a
    lazy layer that has not seen data yet. Here a lazy layer is initialized
    right after it learns its shape, before its first real forward pass, so
    ``net.apply(init_cnn)`` works before or after the first batch.
    """
    _init_weights("init_cnn", module, nn.init.xavier_uniform_)


def init_kaiming(module):
    """He (Kaiming) normal init for the weights of linear and conv layers.

    Xavier's init keeps the signal's variance through layers without an
    activation; each ReLU halves it, so a deep ReLU network without
    normalization starts with vanishing activations and gradients. He's init
    doubles the variance to make up for the ReLU. Lazy layers as in `init_cnn`.
    """
    _init_weights("init_kaiming", module,
                  lambda weight: nn.init.kaiming_normal_(weight, nonlinearity="relu"))


def _init_weights(fn, module, init):
    if not isinstance(module, nn.Module):
        raise TypeError(f"{fn}: module must be an nn.Module, got {type(module).__name__}; "
                        f"use it as net.apply({fn})")
    if not isinstance(module, (nn.Linear, nn.Conv2d)):
        return
    if is_uninitialized(module.weight):
        # A lazy module materializes its parameters in a forward pre-hook that
        # it registered first; a pre-hook registered now runs right after it.
        def init_once(mod, args):
            handle.remove()
            init(mod.weight)

        handle = module.register_forward_pre_hook(init_once)
    else:
        init(module.weight)
