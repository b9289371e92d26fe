"""Trainer: learns on real Fashion-MNIST, records history, defers its checks on a GPU.

Its errors are in test_bad_inputs.py (TRAIN).
"""
import io
import re

import pytest
import torch
from torch import nn

import d2lmini as d2l
from d2lmini.callbacks import LivePlot, PrintMetrics, ProgressBar
from doubles import ListData, facts, quiet_trainer


class SmallCNN(d2l.Classifier):
    def __init__(self, lr=0.1):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(8, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.LazyLinear(10))


def test_trainer_learns_real_fashion_mnist_in_seconds():
    torch.manual_seed(0)
    data = d2l.FashionMNIST(batch_size=64, n_train=4000, n_val=1000)
    model = SmallCNN(lr=0.1)
    history = quiet_trainer(max_epochs=2).fit(model, data)
    assert len(history) == 2
    assert history.train_loss[-1] < history.train_loss[0] < 2.3
    assert history.val_acc[-1] > 0.6  # chance is 0.1
    assert 0 <= history.train_acc[-1] <= 1
    assert sorted(history.last()) == ["seconds", "train_acc", "train_loss", "val_acc", "val_loss"]


class MeanOfBatch(d2l.Module):
    """Its loss is the mean of the batch's inputs, and it learns nothing (lr 0)."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(()))
        self.lr = 0.0

    def training_step(self, batch):
        loss = self.w * 0 + batch[0].float().mean()
        self.plot("loss", loss, train=True)
        return loss

    def validation_step(self, batch):
        pass


def test_epoch_means_are_weighted_by_batch_size():
    # Two batches of sizes 3 and 1: the epoch loss is the mean over 4 examples.
    batches = [(torch.full((3,), 1.0), torch.zeros(3)), (torch.full((1,), 5.0), torch.zeros(1))]
    history = quiet_trainer(max_epochs=1).fit(MeanOfBatch(), ListData(batches, []))
    assert history.train_loss == [pytest.approx((3 * 1 + 5) / 4)]


class PlotsEveryExample(MeanOfBatch):
    def training_step(self, batch):
        self.plot("acc", batch[0].float(), train=True)   # forgot to average
        return super().training_step(batch)


def test_a_recorded_value_must_be_one_number_per_batch():
    batches = [(torch.full((3,), 1.0), torch.zeros(3))]
    with pytest.raises(ValueError, match=facts("Trainer.record", "train_acc", "(3,)", "average")):
        quiet_trainer(max_epochs=1).fit(PlotsEveryExample(), ListData(batches, []))


def test_callbacks_are_called_in_order():
    calls = []

    class Spy(d2l.Callback):
        def on_fit_start(self, trainer):
            calls.append("start")

        def on_epoch_end(self, trainer):
            calls.append(f"epoch{trainer.epoch}")

        def on_fit_end(self, trainer):
            calls.append("end")

    X, y = torch.randn(8, 1, 6, 6), torch.randint(0, 10, (8,))
    d2l.Trainer(max_epochs=2, num_gpus=0, callbacks=[Spy()]).fit(
        SmallCNN(), ListData([(X, y)], [(X, y)]))
    assert calls == ["start", "epoch0", "epoch1", "end"]


class LinearClassifier(d2l.Classifier):
    """No lazy layers: its parameters exist before the first step."""

    def __init__(self, lr=0.1):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(36, 10))


def test_on_step_end_follows_every_update():
    events, seen = [], []

    class Spy(d2l.Callback):
        def on_fit_start(self, trainer):
            step = trainer.optim.step
            trainer.optim.step = lambda *a, **k: events.append("update") or step(*a, **k)
            self.before = [p.detach().clone() for p in trainer.model.parameters()]

        def on_step_end(self, trainer, loss):
            events.append("on_step_end")
            now = [p.detach().clone() for p in trainer.model.parameters()]
            changed = any(not torch.equal(a, b) for a, b in zip(self.before, now))
            seen.append((trainer.epoch, trainer.epoch_step, changed, loss.item()))
            self.before = now

        def on_validation_start(self, trainer):
            events.append("validation")

    torch.manual_seed(0)
    batches = [(torch.randn(4, 1, 6, 6), torch.randint(0, 10, (4,))) for _ in range(3)]
    history = d2l.Trainer(max_epochs=2, num_gpus=0, callbacks=[Spy()]).fit(
        LinearClassifier(), ListData(batches, batches[:1]))
    assert events == (["update", "on_step_end"] * 3 + ["validation"]) * 2
    assert [(epoch, step) for epoch, step, _, _ in seen] == [(e, s) for e in (0, 1) for s in (1, 2, 3)]
    assert all(changed for _, _, changed, _ in seen), "on_step_end ran before the update"
    # the loss it gets is the step's: their mean is the epoch's training loss
    assert sum(loss for epoch, _, _, loss in seen if epoch == 0) / 3 == pytest.approx(
        history.train_loss[0])


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _fit_two_epochs(callbacks):
    X, y = torch.randn(8, 1, 6, 6), torch.randint(0, 10, (8,))
    d2l.Trainer(max_epochs=2, num_gpus=0, callbacks=callbacks).fit(
        SmallCNN(), ListData([(X, y)] * 3, [(X, y)]))


def test_print_metrics_prints_one_line_per_epoch(capsys):
    _fit_two_epochs([PrintMetrics()])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "training on cpu (no CUDA or Apple MPS device found)"
    assert re.fullmatch(r"epoch 1/2: train_acc \d\.\d{3}, train_loss \d\.\d{3}, "
                        r"val_acc \d\.\d{3}, val_loss \d\.\d{3} \(\d+\.\d s\)", lines[1])
    assert lines[2].startswith("epoch 2/2: train_acc") and len(lines) == 3


def test_progress_line_in_a_terminal(monkeypatch, capsys):
    monkeypatch.delenv("D2LMINI_PROGRESS", raising=False)
    monkeypatch.setattr("sys.stderr", Terminal())
    _fit_two_epochs([ProgressBar(), PrintMetrics()])
    err = __import__("sys").stderr.getvalue()
    # redrawn in place on stderr, erased before each printed line, the last one kept
    assert re.match(r"\repoch 1/2: 1/3 batches, \d+ s", err)
    assert "\repoch 2/2: 3/3 batches, validating" in err
    assert re.search(r"\rdone: 2 epochs of 3 batches in \d+\.\d s *\n$", err)
    assert capsys.readouterr().out.count("\n") == 3     # the metric lines, on stdout
    monkeypatch.setattr("sys.stderr", io.StringIO())  # not a terminal (a log file): no progress
    _fit_two_epochs([ProgressBar(), PrintMetrics()])
    assert __import__("sys").stderr.getvalue() == ""


def test_d2lmini_progress_0_shows_no_progress(monkeypatch, capsys, kernel):
    monkeypatch.setenv("D2LMINI_PROGRESS", "0")
    monkeypatch.setattr("sys.stderr", Terminal())
    _fit_two_epochs([ProgressBar()])
    assert __import__("sys").stderr.getvalue() == "" and kernel.outputs == []
    _fit_two_epochs([ProgressBar(), PrintMetrics()])   # the metric lines stay
    assert "batches" not in kernel.outputs[-1]["data"]["text/plain"]
    assert kernel.outputs[-1]["data"]["text/plain"].count("epoch") == 2


@pytest.fixture
def kernel():
    """A fake Jupyter kernel: IPython's shell with a ``kernel``; its display messages."""
    from IPython.core.displaypub import CapturingDisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.kernel = object()
    shell.display_pub = CapturingDisplayPublisher()
    yield shell.display_pub
    InteractiveShell.clear_instance()


def test_notebook_log_is_one_display_updated_in_place_with_the_curve_below(
        monkeypatch, capsys, kernel):
    monkeypatch.delenv("D2LMINI_PROGRESS", raising=False)
    _fit_two_epochs(d2l.default_callbacks())
    assert capsys.readouterr() == ("", "")               # nothing printed: all in displays
    ids = [out["transient"]["display_id"] for out in kernel.outputs]
    log_id = ids[0]
    curve_id = next(i for i in ids if i != log_id)
    assert set(ids) == {log_id, curve_id}                 # two displays, updated in place
    new = [out for out in kernel.outputs if not out["update"]]
    assert [out["transient"]["display_id"] for out in new] == [log_id, curve_id]  # log first
    assert "image/png" in new[1]["data"]
    log = [out["data"] for out in kernel.outputs if out["transient"]["display_id"] == log_id]
    lines = log[-1]["text/plain"].splitlines()
    assert lines[0] == "training on cpu (no CUDA or Apple MPS device found)"
    assert lines[1].startswith("epoch 1/2: train_acc") and lines[2].startswith("epoch 2/2: train_acc")
    assert re.fullmatch(r"done: 2 epochs of 3 batches in \d+\.\d s", lines[3]) and len(lines) == 4
    assert any(re.search(r"^epoch 2/2: 1/3 batches, \d+ s$", d["text/plain"], re.M) for d in log)
    # HTML for the pages: the same text, escaped, wrapping instead of being cut off
    html = log[-1]["text/html"]
    assert "white-space: pre-wrap" in html and lines[1] in html and "<widget" not in html
    assert all(set(d) == {"text/plain", "text/html"} for d in log)
    assert all("application/vnd.jupyter.widget-view+json" not in out["data"]
               for out in kernel.outputs)


def test_live_plot_draws_nothing_outside_a_notebook(capsys):
    _fit_two_epochs([LivePlot()])
    assert capsys.readouterr() == ("", "")


def test_gradient_clipping_bounds_the_gradient_norm():
    norms = []

    class RecordNorm(d2l.Callback):
        def on_epoch_end(self, trainer):
            grads = [p.grad for p in trainer.model.parameters()]
            norms.append(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])).item())

    X, y = 100 * torch.randn(16, 1, 6, 6), torch.randint(0, 10, (16,))
    d2l.Trainer(max_epochs=1, num_gpus=0, gradient_clip_val=0.5,
                callbacks=[RecordNorm()]).fit(SmallCNN(lr=0.0), ListData([(X, y)], []))
    assert norms[0] <= 0.5 + 1e-5


def test_fashion_mnist_moves_to_the_training_device_once():
    data = d2l.FashionMNIST(batch_size=32, n_train=100, n_val=50)
    trainer = quiet_trainer(max_epochs=1)
    trainer.prepare_data(data)  # on the CPU nothing is copied
    assert trainer.train_dataloader.images.data_ptr() == data.train.data.data_ptr()
    # No GPU here: "meta" stands in for one (shapes without data).
    trainer.device = torch.device("meta")
    trainer.prepare_data(data)
    for loader in (trainer.train_dataloader, trainer.val_dataloader):
        assert loader.images.device.type == "meta" and loader.labels.device.type == "meta"
    assert data.train.data.device.type == "cpu"  # the data module itself is left alone
    X, y = next(iter(trainer.train_dataloader))
    assert X.device.type == "meta" and X.shape == (32, 1, 28, 28)


def test_other_loaders_are_left_to_prepare_batch():
    batches = [(torch.zeros(2, 1, 28, 28), torch.zeros(2, dtype=torch.long))]
    trainer = quiet_trainer(max_epochs=1)
    trainer.device = torch.device("meta")
    trainer.prepare_data(ListData(batches, batches))
    assert trainer.train_dataloader is batches
    X, y = trainer.prepare_batch(batches[0])
    assert X.device.type == "meta" and y.device.type == "meta"


class DeferringTrainer(d2l.Trainer):
    """Checks loss and labels the way it does on a GPU, here on the CPU."""

    def __init__(self, **kwargs):
        super().__init__(callbacks=[], num_gpus=0, **kwargs)

    def _defers_checks(self):
        return True


def test_deferred_checks_read_the_device_once_per_epoch(monkeypatch):
    # On a GPU every bool(tensor) or .item() in the loop makes the host wait for the device.
    reads = []
    for name in ("__bool__", "item", "tolist"):
        original = getattr(torch.Tensor, name)
        monkeypatch.setattr(torch.Tensor, name,
                            lambda self, *a, _f=original, _n=name: reads.append(_n) or _f(self, *a))
    X, y = torch.randn(8, 1, 6, 6), torch.randint(0, 10, (8,))
    history = DeferringTrainer(max_epochs=2).fit(SmallCNN(), ListData([(X, y)] * 5, [(X, y)] * 3))
    # per epoch: the check flags, the 4 epoch metrics, and each curve point, each read at once
    points_per_epoch = len(history.points["train_loss"]) // 2
    assert points_per_epoch == 4
    assert reads == ["tolist"] * 2 * (2 + points_per_epoch)


def test_deferred_checks_raise_the_same_errors():
    X, y = torch.randn(8, 1, 6, 6), torch.randint(0, 10, (8,))
    bad_labels = y.clone()
    bad_labels[:2] = torch.tensor([10, -1])
    with pytest.raises(ValueError, match=facts("Classifier.loss", "Y", "0..9", "[-1, 10]")):
        DeferringTrainer(max_epochs=1).fit(SmallCNN(), ListData([(X, y), (X, bad_labels)], []))
    nan_X = X.clone()
    nan_X[0] = float("nan")
    with pytest.raises(FloatingPointError, match=facts("Trainer.fit", "nan", "epoch 1", "after 1 update",
                                                       "lower the learning rate")):
        DeferringTrainer(max_epochs=1).fit(SmallCNN(), ListData([(X, y), (nan_X, y)], []))
    with pytest.raises(FloatingPointError, match=facts("Trainer.fit", "nan", "epoch 1",
                                                       "before any update")):
        DeferringTrainer(max_epochs=1).fit(SmallCNN(), ListData([(nan_X, y), (X, y)], []))


def test_checks_are_deferred_only_while_fit_runs():
    X, y = torch.randn(8, 1, 6, 6), torch.randint(0, 10, (8,))
    model = SmallCNN()
    trainer = DeferringTrainer(max_epochs=1)
    trainer.fit(model, ListData([(X, y)], []))
    assert trainer.deferred_checks is None
    with pytest.raises(ValueError, match=facts("Classifier.loss", "Y", "0..9", "[10]")):
        model.loss(model(X), torch.full((8,), 10))


def test_training_curves_get_several_points_per_epoch():
    # Two batches of 3 examples (loss 1) then two of 1 (loss 5): the points are
    # the means since the previous point, the epoch metric the mean of the epoch.
    big, small = (torch.full((3,), 1.0), torch.zeros(3)), (torch.full((1,), 5.0), torch.zeros(1))
    history = quiet_trainer(max_epochs=4).fit(MeanOfBatch(), ListData([big, big, small, small], []))
    # 4 epochs: d2l's 2 points an epoch
    assert history.points["train_loss"][:2] == [(0.5, pytest.approx(1.0)), (1.0, pytest.approx(5.0))]
    assert [x for x, _ in history.points["train_loss"]] == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
    assert history.train_loss[0] == pytest.approx((3 + 3 + 5 + 5) / 8)
    one_epoch = quiet_trainer(max_epochs=1).fit(MeanOfBatch(), ListData([big] * 20, []))
    assert len(one_epoch.points["train_loss"]) == 8          # a short run: 8 points


def test_points_and_epoch_means_are_float32_sums_in_the_order_of_the_batches():
    # Sums where the order matters in float32 (1 is lost next to 1e8): the epoch's
    # mean and each point's are what adding each batch in turn gives.
    values = [1e8, 1.0, -1e8, 3.0, 1.0, 1e8, 2.0, -1e8]
    batches = [(torch.full((2,), v), torch.zeros(2)) for v in values]
    history = quiet_trainer(max_epochs=4).fit(MeanOfBatch(), ListData(batches, []))

    def mean_in_order(part):
        total = 0.0
        for v in part:
            total = total + torch.tensor(v) * 2
        return (total / (2 * len(part))).item()

    assert history.points["train_loss"][:2] == [(0.5, mean_in_order(values[:4])),
                                                 (1.0, mean_in_order(values[4:]))]
    assert history.train_loss[0] == mean_in_order(values)
    assert mean_in_order(values) != sum(values) / len(values)   # the order did matter


def test_a_model_records_nothing_once_its_fit_has_ended():
    batches = [(torch.full((2,), 1.0), torch.zeros(2))]
    model = MeanOfBatch()
    history = quiet_trainer(max_epochs=1).fit(model, ListData(batches, []))
    before = (dict(history.metrics), dict(history.points))
    for _ in range(3):   # a step taken by hand after the fit, as when exploring
        model.training_step((torch.full((2,), 9.0), torch.zeros(2)))
    assert (history.metrics, history.points) == before and model.trainer._unsummed is None
