"""`Trainer`: the training loop, with callbacks for everything around it.

The loop itself is d2l's: ``fit`` -> ``fit_epoch`` -> ``model.training_step``
per batch, then ``model.validation_step`` over the validation set. The
numbers the model reports through ``self.plot`` are averaged per epoch into
a `History` a notebook can assert on (``history.val_acc[-1] > 0.7``).
The progress line, the metric lines and the curve figure are callbacks
(`d2lmini.callbacks`), so a test or a script can switch them off without
flags in the loop.
"""
import math
import time
from numbers import Real

import torch

from .callbacks import Callback, LivePlot, PrintMetrics, ProgressBar, default_callbacks
from .device import training_device
from .hyper import HyperParameters
from .progress import TrainingLog

__all__ = ["Trainer", "History", "DeferredChecks", "Callback", "ProgressBar", "PrintMetrics",
           "LivePlot", "default_callbacks"]


class History:
    """Per-epoch metrics: ``history.train_loss``, ``history.val_acc``, ...

    Each attribute is a list with one number per finished epoch; ``seconds``
    holds the wall time of each epoch (training and validation).
    ``points[name]`` holds the training metrics several times an epoch, as
    (epochs done, mean over the batches since the previous point): the
    curves of a short run need more than one point per epoch.
    """

    def __init__(self):
        self.metrics = {"seconds": []}
        self.points = {}

    def append(self, name, value):
        self.metrics.setdefault(name, []).append(value)

    def add_point(self, name, epochs_done, value):
        self.points.setdefault(name, []).append((epochs_done, value))

    def __getattr__(self, name):
        metrics = self.__dict__.get("metrics", {})
        if name in metrics:
            return metrics[name]
        raise AttributeError(
            f"History has no metric {name!r}; recorded: {', '.join(sorted(metrics)) or 'none yet'}")

    def __len__(self):
        return len(self.metrics["seconds"])

    def last(self):
        """The latest value of every metric, as a dict."""
        return {name: values[-1] for name, values in self.metrics.items() if values}

    def __repr__(self):
        return f"History({len(self)} epochs: {', '.join(sorted(self.metrics))})"


class DeferredChecks:
    """Checks whose outcome stays on the device until `raise_first` reads them all.

    ``check(failed, error)`` keeps a 0-d bool tensor and a function that makes
    the exception; `raise_first` copies every flag to the host at once (one
    wait for the device instead of one per check) and raises the first
    failed check's exception.
    """

    def __init__(self):
        self._pending = []

    def check(self, failed, error):
        self._pending.append((failed.reshape(()), error))

    def raise_first(self):
        pending, self._pending = self._pending, []
        if not pending:
            return
        flags = torch.stack([failed for failed, _ in pending]).tolist()
        for flag, (_, error) in zip(flags, pending):
            if flag:
                raise error()


class Trainer(HyperParameters):
    """Fits a `Module` to a `DataModule` (d2l's ``d2l.Trainer``).

    ``num_gpus`` is kept for d2l's code: ``0`` trains on the CPU, anything
    else (or leaving it out) picks CUDA, then Apple MPS, then the CPU; only
    one device is used. ``device`` names one explicitly. A
    ``gradient_clip_val`` above 0 clips the gradient norm.
    """

    def __init__(self, max_epochs, num_gpus=None, gradient_clip_val=0, device=None,
                 callbacks=None):
        if isinstance(max_epochs, bool) or not isinstance(max_epochs, int) or max_epochs < 1:
            raise ValueError(f"Trainer: max_epochs must be a positive int, got {max_epochs!r}")
        if (not isinstance(gradient_clip_val, Real) or isinstance(gradient_clip_val, bool)
                or not math.isfinite(gradient_clip_val) or gradient_clip_val < 0):
            raise ValueError(
                f"Trainer: gradient_clip_val must be a number >= 0 (0 means no clipping), "
                f"got {gradient_clip_val!r}")
        self.save_hyperparameters(ignore=["device", "callbacks"])
        self.device = training_device(device, num_gpus)
        self.callbacks = default_callbacks() if callbacks is None else list(callbacks)
        self.history = History()
        self.deferred_checks = None   # a DeferredChecks while fit runs on an accelerator
        self.batch_size_now = 1       # examples in the batch being trained or validated
        self._unsummed = None         # while an epoch runs, what `record` got since the last sum

    def _defers_checks(self):
        return self.device.type != "cpu"

    def prepare_data(self, data):
        if not hasattr(data, "train_dataloader"):
            raise TypeError(f"Trainer.fit: data must be a DataModule such as "
                            f"d2l.FashionMNIST(...), got {type(data).__name__}")
        self.train_dataloader = self._on_device(data.train_dataloader())
        self.val_dataloader = self._on_device(data.val_dataloader())
        self.num_train_batches = len(self.train_dataloader)
        self.num_val_batches = len(self.val_dataloader) if self.val_dataloader is not None else 0
        if self.num_train_batches == 0:
            raise ValueError("Trainer.fit: the training data is empty (0 batches); "
                             "check the dataset size and batch_size")

    def _on_device(self, loader):
        """On a GPU, a loader that can move (``loader.to(device)``, as Fashion-MNIST's
        can) moves there once per fit; the others' batches move one by one."""
        if self.device.type != "cpu" and callable(getattr(loader, "to", None)):
            return loader.to(self.device)
        return loader

    def prepare_model(self, model):
        if not (isinstance(model, torch.nn.Module) and hasattr(model, "training_step")):
            raise TypeError(f"Trainer.fit: model must be a d2l Module (e.g. a d2l.Classifier "
                            f"subclass), got {type(model).__name__}")
        model.trainer = self
        model.to(self.device)
        self.model = model

    def prepare_batch(self, batch):
        non_blocking = self.device.type == "cuda"
        return [a.to(self.device, non_blocking=non_blocking) for a in batch]

    def fit(self, model, data):
        """Train for ``max_epochs``; returns (and keeps) the `History`."""
        self.prepare_data(data)
        self.prepare_model(model)
        self.optim = model.configure_optimizers()
        self.history = History()
        self.epoch = 0
        self.train_batch_idx = 0
        self.val_batch_idx = 0
        self.training_log = TrainingLog()   # where the callbacks' lines go: one block
        self._run("on_fit_start")
        # On a GPU, checking each batch's loss and labels at once would make
        # the host wait for the device every step; there they are checked
        # on the device and read back once per epoch.
        self.deferred_checks = DeferredChecks() if self._defers_checks() else None
        try:
            for self.epoch in range(self.max_epochs):
                self.fit_epoch()
            self._run("on_fit_end")
        finally:
            self.deferred_checks = None
            self._unsummed = None
            self.training_log.close()
        return self.history

    def fit_epoch(self):
        """One pass over the training data, then validation; the means go into the history."""
        self.epoch_started = time.perf_counter()
        self._sums, self._since_point, self._unsummed = {}, {}, []
        point_after = self._point_steps()
        self.model.train()
        for self.epoch_step, batch in enumerate(self.train_dataloader, 1):
            loss = self.fit_batch(batch)
            self._run("on_step_end", loss)
            if self.epoch_step in point_after:
                self._add_points()
        self.validate()
        if self.deferred_checks is not None:
            self.deferred_checks.raise_first()
        self._sum_recorded()
        self._append_epoch_means()
        self._run("on_epoch_end")

    def fit_batch(self, batch):
        """One update on ``batch``; returns its loss (checked, still on the device)."""
        batch = self.prepare_batch(batch)
        self.batch_size_now = len(batch[-1])
        loss = self.model.training_step(batch)
        self._check_loss(loss)
        self.optim.zero_grad()
        loss.backward()
        if self.gradient_clip_val > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.gradient_clip_val)
        self.optim.step()
        self.train_batch_idx += 1
        return loss

    def validate(self):
        """``model.validation_step`` over the validation set, in eval mode, without gradients."""
        if self.val_dataloader is None:
            return
        self._run("on_validation_start")
        self.model.eval()
        with torch.no_grad():
            for batch in self.val_dataloader:
                batch = self.prepare_batch(batch)
                self.batch_size_now = len(batch[-1])
                self.model.validation_step(batch)
                self.val_batch_idx += 1

    def _point_steps(self):
        """The steps of an epoch after which the curves get a point.

        d2l plots the training loss twice an epoch; a run of one or two
        epochs gets more points, so that its curves still show a trend.
        """
        per_epoch = min(self.num_train_batches, max(2, math.ceil(8 / self.max_epochs)))
        return {round(self.num_train_batches * k / per_epoch) for k in range(1, per_epoch + 1)}

    def _add_points(self):
        """A point of each training curve: the mean since the previous point."""
        epochs_done = self.epoch + self.epoch_step / self.num_train_batches
        self._sum_recorded()
        for name, value in self._means(self._since_point).items():
            self.history.add_point(name, epochs_done, value)
        self._since_point = {}

    def _append_epoch_means(self):
        """The epoch's mean of every metric, and its wall time, into the history."""
        for name, value in self._means(self._sums).items():
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"Trainer.fit: {name} is {value} in epoch {self.epoch + 1}; the model gives "
                    f"NaN/inf on that data (check it with torch.isfinite(model(X)).all())")
            self.history.append(name, value)
        self.history.append("seconds", time.perf_counter() - self.epoch_started)

    def _check_loss(self, loss):
        """``training_step`` must return one finite number (a 0-d tensor)."""
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            got = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
            raise ValueError(
                f"Trainer.fit: training_step must return the loss as a single-number tensor, "
                f"got {got}; average it, e.g. loss(..., averaged=True)")
        if self.deferred_checks is not None:
            value, updates_before = loss.detach(), self.train_batch_idx
            self.deferred_checks.check(
                ~torch.isfinite(value),
                lambda: self._nonfinite_loss_error(value.item(), updates_before))
        else:
            value = loss.item()   # on the CPU one read is cheaper than isfinite and bool
            if not math.isfinite(value):
                raise self._nonfinite_loss_error(value, self.train_batch_idx)

    def _nonfinite_loss_error(self, value, updates_before):
        if updates_before == 0:
            cause = ("before any update, so the data or the model's forward already give "
                     "NaN/inf: check torch.isfinite(X).all() and the model's output; if it "
                     "only happens after some updates, lower the learning rate or set "
                     "gradient_clip_val")
        else:
            updates = f"{updates_before} update{'s' if updates_before > 1 else ''}"
            cause = (f"after {updates}, so training diverged: lower the learning rate or "
                     f"set gradient_clip_val (e.g. 1)")
        return FloatingPointError(
            f"Trainer.fit: training loss became {value} in epoch {self.epoch + 1}, {cause}")

    @staticmethod
    def _means(sums):
        """{name: total / count} as Python floats, read from the device at once."""
        names = sorted(sums)
        if not names:
            return {}
        means = torch.stack([torch.as_tensor(sums[n][0] / sums[n][1]) for n in names]).tolist()
        return dict(zip(names, means))

    def record(self, key, value, train, batch_size=None):
        """Add a batch-mean ``value`` to this epoch's ``train_``/``val_`` ``key``.

        Weighted by ``batch_size`` (by default the size of the batch being
        trained or validated, ``batch_size_now``) so the epoch mean is over
        examples; kept as a tensor on the device so recording does not force
        a GPU sync, and summed at the next point of the curves or at the
        epoch's end (`_sum_recorded`). Outside a fit it records nothing.
        """
        if self._unsummed is None:
            return
        name = f"{'train' if train else 'val'}_{key}"
        size = self.batch_size_now if batch_size is None else batch_size
        # conversions only where needed: each is a tensor operation on every batch
        if not (isinstance(value, torch.Tensor) and value.dtype == torch.float32):
            value = torch.as_tensor(value).float()
        if value.numel() != 1:
            raise ValueError(f"Trainer.record: {name} must be one number per batch (its mean), "
                             f"got a tensor of shape {tuple(value.shape)}; average it first")
        if value.requires_grad:
            value = value.detach()
        self._unsummed.append((name, value, size, train))

    def _sum_recorded(self):
        """Add the values recorded since the last call to the epoch's sums (and a
        training value to the sums since the last point), in the order they came.

        Summed here, back to back, and not as each batch records them: a tensor
        operation right after a training step finds the caches holding the
        model's work, and there it takes about twice as long (on a 2-core CPU,
        ~130 µs of summing a training step against ~55 µs).
        """
        for name, value, size, train in self._unsummed:
            weighted = (value.reshape(()) if value.dim() else value) * size
            for sums in (self._sums, self._since_point) if train else (self._sums,):
                total, count = sums.get(name, (0.0, 0))
                sums[name] = (total + weighted, count + size)
        self._unsummed = []

    def _run(self, hook, *args):
        for callback in self.callbacks:
            getattr(callback, hook)(self, *args)
