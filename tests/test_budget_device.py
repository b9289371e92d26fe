"""Budget choice and device choice."""
import pytest
import torch

import d2lmini as d2l
from d2lmini import budget, device


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


def test_unknown_budget_is_rejected(monkeypatch):
    monkeypatch.setenv("D2LMINI_BUDGET", "fast")
    with pytest.raises(ValueError, match=r"D2LMINI_BUDGET='fast'.*quick, full"):
        budget.budget_name()


def test_device_order_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert device.choose_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(device, "_mps_available", lambda: True)
    assert device.choose_device().type == "mps"
    monkeypatch.setattr(device, "_mps_available", lambda: False)
    assert device.choose_device().type == "cpu"
    assert "no CUDA or Apple MPS" in device.describe_device("cpu")


def test_trainer_num_gpus_zero_means_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert d2l.Trainer(max_epochs=1, num_gpus=0).device.type == "cpu"
    assert d2l.Trainer(max_epochs=1, num_gpus=1).device.type == "cuda"
