"""Budget choice and device choice. Their errors are in test_bad_inputs.py (BUDGET)."""
import pytest
import torch

import d2lmini as d2l
from d2lmini import device
from doubles import facts


def test_budget_defaults_by_hardware(monkeypatch):
    monkeypatch.delenv("D2LMINI_BUDGET", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert d2l.budget_name() == "quick"
    assert d2l.pick(quick=1, full=2) == 1
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert d2l.budget_name() == "full"
    assert "CUDA GPU is present" in d2l.describe_budget()


def test_budget_from_environment(monkeypatch):
    monkeypatch.setenv("D2LMINI_BUDGET", "full")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert d2l.pick(quick="q", full="f") == "f"
    assert "set by D2LMINI_BUDGET" in d2l.describe_budget()


def test_device_order_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert device.choose_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(device, "mps_available", lambda: True)
    assert device.choose_device().type == "mps"
    monkeypatch.setattr(device, "mps_available", lambda: False)
    assert device.choose_device().type == "cpu"
    assert "no CUDA or Apple MPS" in device.describe_device("cpu")


def test_trainer_num_gpus_zero_means_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert d2l.Trainer(max_epochs=1, num_gpus=0).device.type == "cpu"
    assert d2l.Trainer(max_epochs=1, num_gpus=1).device.type == "cuda"


def test_print_budget_tags_the_line(monkeypatch, capsys):
    monkeypatch.setenv("D2LMINI_BUDGET", "full")
    d2l.print_budget("VGG", {"lr": 0.01})
    assert capsys.readouterr().out == "[full] VGG {'lr': 0.01}\n"


@pytest.mark.parametrize("budget, value, above, below, fails", [
    ("quick", 0.7, 0.6, None, False), ("quick", 0.5, 0.6, None, True),
    ("full", 0.7, 0.8, None, True), ("full", 0.3, None, 0.4, False),
    ("full", 0.5, None, 0.4, True), ("quick", -0.2, -0.3, None, False),
])
def test_check_accuracy_uses_the_bars_it_is_given(monkeypatch, budget, value, above, below, fails):
    monkeypatch.setenv("D2LMINI_BUDGET", budget)
    monkeypatch.delenv("D2LMINI_CAP", raising=False)
    history = d2l.History()
    for epoch_value in (0.1, value):
        history.append("val_acc", epoch_value)
        history.append("seconds", 1.0)
    side, bar = ("above", above) if above is not None else ("below", below)
    for measured in (value, history):
        if fails:
            with pytest.raises(AssertionError, match=facts("check_accuracy", f"{value:.3f}", side,
                                                           str(bar), budget)):
                d2l.check_accuracy(measured, above=above, below=below)
        else:
            d2l.check_accuracy(measured, above=above, below=below)


def test_check_accuracy_under_the_cap_checks_only_the_range(monkeypatch):
    # A capped run learns nothing, so the bar that fails an uncapped run is not applied;
    # test_bad_inputs.py (BUDGET) gives a capped run non-accuracies.
    monkeypatch.delenv("D2LMINI_CAP", raising=False)
    with pytest.raises(AssertionError, match=facts("check_accuracy", "0.100", "above", "0.9")):
        d2l.check_accuracy(0.1, above=0.9)
    monkeypatch.setenv("D2LMINI_CAP", "1x8")
    d2l.check_accuracy(0.1, above=0.9)


def test_the_cap_shrinks_every_loader_but_not_the_data(monkeypatch):
    monkeypatch.setenv("D2LMINI_CAP", "2x8")
    data = d2l.FashionMNIST(batch_size=128, n_train=1000, n_val=500, resize=40)
    assert len(data.train) == 1000
    for loader in (data.train_dataloader(), data.val_dataloader()):
        batches = list(loader)
        assert len(loader) == len(batches) == 2
        assert [tuple(X.shape) for X, _ in batches] == [(8, 1, 40, 40)] * 2
    monkeypatch.setenv("D2LMINI_CAP", "100x500")       # more than there is: all of it
    assert sum(len(y) for _, y in data.val_dataloader()) == 500


def test_expect_error_prints_the_first_line_and_goes_on(capsys):
    with d2l.expect_error(ValueError):
        raise ValueError("kernel 3x3 is larger than the 2x2 input\nsecond line")
    assert capsys.readouterr().out == "ValueError: kernel 3x3 is larger than the 2x2 input\n"
    with pytest.raises(AssertionError, match=facts("expect_error", "ValueError", "TypeError", "without")):
        with d2l.expect_error(ValueError, TypeError):
            pass
    with pytest.raises(KeyError):                 # another kind of error is not swallowed
        with d2l.expect_error(ValueError):
            raise KeyError("x")
