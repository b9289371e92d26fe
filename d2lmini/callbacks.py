"""What a `Trainer` shows while it trains, as callbacks.

A plain ``d2l.Trainer(max_epochs)`` shows, in a notebook, one block of
text that updates in place (`progress.TrainingLog`):

    training on cpu (no CUDA or Apple MPS device found)
    epoch 1/4: train_acc 0.167, train_loss 2.153, val_acc 0.555, val_loss 1.186 (8.8 s)
    epoch 2/4: 312/469 batches, 18 s

and below it one figure of the curves, redrawn after every epoch (in a
kernel, importing d2lmini starts importing matplotlib in the background, so
the first fit does not wait for it). When the fit ends, the last line says
``done: 4 epochs of 469 batches in 37.6 s``.
A test or a script passes ``callbacks=[]`` (or its own) to show nothing.
"""
import math
import threading
import time

from .device import describe_device
from .progress import in_notebook
from .settings import progress_shown

__all__ = ["Callback", "ProgressBar", "PrintMetrics", "LivePlot", "default_callbacks"]


class Callback:
    """Hooks the `Trainer` calls, in this order; override the ones you need.

    ``on_fit_start``; per epoch: ``on_step_end`` after every optimizer step
    (the parameters are updated; ``loss`` is the step's loss tensor, still on
    the device), ``on_validation_start``, ``on_epoch_end`` (the epoch's
    metrics are in ``trainer.history``); ``on_fit_end``.
    """

    def on_fit_start(self, trainer):
        pass

    def on_step_end(self, trainer, loss):
        pass

    def on_validation_start(self, trainer):
        pass

    def on_epoch_end(self, trainer):
        pass

    def on_fit_end(self, trainer):
        pass


class ProgressBar(Callback):
    """The running epoch as the last line of the log: ``epoch 2/4: 312/469 batches, 18 s``.

    Redrawn at most every ``every`` seconds; the finished fit leaves
    ``done: 4 epochs of 469 batches in 37.6 s``. Nothing at all when
    ``$D2LMINI_PROGRESS`` is ``0``.
    """

    every = 0.5

    def on_fit_start(self, trainer):
        self.shown = progress_shown()
        self.started, self.drawn = time.perf_counter(), -math.inf

    def on_step_end(self, trainer, loss):
        now = time.perf_counter()
        step, steps = trainer.epoch_step, trainer.num_train_batches
        if self.shown and (step in (1, steps) or now - self.drawn >= self.every):
            self.drawn = now
            self._show(trainer, f"{step}/{steps} batches, {now - trainer.epoch_started:.0f} s")

    def on_validation_start(self, trainer):
        if self.shown:
            self._show(trainer, f"{trainer.num_train_batches}/{trainer.num_train_batches} "
                                f"batches, validating")

    def on_fit_end(self, trainer):
        if self.shown:
            epochs = f"{trainer.max_epochs} epoch{'s' if trainer.max_epochs > 1 else ''}"
            trainer.training_log.progress(
                f"done: {epochs} of {trainer.num_train_batches} batches in "
                f"{time.perf_counter() - self.started:.1f} s")

    @staticmethod
    def _show(trainer, text):
        trainer.training_log.progress(f"epoch {trainer.epoch + 1}/{trainer.max_epochs}: {text}")


class PrintMetrics(Callback):
    """The device once, then one line of metrics per epoch."""

    def on_fit_start(self, trainer):
        trainer.training_log.line(f"training on {describe_device(trainer.device)}")

    def on_epoch_end(self, trainer):
        last = trainer.history.last()
        numbers = ", ".join(f"{name} {last[name]:.3f}" for name in sorted(last) if name != "seconds")
        trainer.training_log.line(
            f"epoch {len(trainer.history)}/{trainer.max_epochs}: {numbers} ({last['seconds']:.1f} s)")


class LivePlot(Callback):
    """The loss/accuracy curves as one PNG below the log, redrawn after every epoch.

    Only inside a Jupyter kernel; the figure replaces itself in place, so a
    saved notebook holds exactly one image per training cell.
    """

    def on_fit_start(self, trainer):
        self.handle = None
        self.imports = import_plotting_in_background() if in_notebook() else None

    def on_epoch_end(self, trainer):
        if self.imports is None:
            return
        self.imports.join()   # the main thread then imports nothing another thread holds
        from IPython.display import Image, display

        from .plot import figure_to_png, plot_history
        image = Image(data=figure_to_png(plot_history(trainer.history)))
        if self.handle is None:
            self.handle = display(image, display_id=True)
        else:
            self.handle.update(image)


_plotting_imports = None   # the thread importing matplotlib, once one was started


def import_plotting_in_background():
    """Start importing what `LivePlot` draws with, once per process; returns the thread.

    matplotlib takes a few tenths of a second to import (seconds on a busy
    machine). A kernel starts this when it imports d2lmini, so the first fit
    finds it done; elsewhere a fit starts it, to overlap its first epoch.
    """
    global _plotting_imports
    if _plotting_imports is None:
        _plotting_imports = threading.Thread(target=_import_plotting, daemon=True,
                                             name="d2lmini-imports-matplotlib")
        _plotting_imports.start()
    return _plotting_imports


def _import_plotting():
    import matplotlib.figure  # noqa: F401
    import matplotlib.ticker  # noqa: F401


if in_notebook():
    import_plotting_in_background()


def default_callbacks():
    """What a plain ``Trainer(max_epochs)`` shows: progress, metric lines, curves."""
    return [ProgressBar(), PrintMetrics(), LivePlot()]
