"""Module, Classifier, add_to_class, init_cnn, layer_summary, HyperParameters.

Their errors are in test_bad_inputs.py (MODULE).
"""
import pytest
import torch
from torch import nn

import d2lmini as d2l
from d2lmini.module import is_uninitialized


def test_save_hyperparameters_keeps_arguments_only():
    class Model(d2l.HyperParameters):
        def __init__(self, lr=0.1, num_classes=10, _private=1, skip=2):
            local_before_save = "not a hyperparameter"  # noqa: F841
            self.save_hyperparameters(ignore=["skip"])

    model = Model(lr=0.5)
    assert model.hparams == {"lr": 0.5, "num_classes": 10}
    assert model.lr == 0.5 and model.num_classes == 10
    assert not hasattr(model, "skip") and not hasattr(model, "local_before_save")


def test_add_to_class_adds_method_and_returns_function():
    class A:
        pass

    @d2l.add_to_class(A)
    def double(self, x):
        return 2 * x

    assert A().double(3) == 6
    assert double(None, 4) == 8  # the name is still the function, not None


def lenet():
    """A fresh (lazy) LeNet body, as d2l builds it in §7.6."""
    return d2l.LeNet().net


def test_layer_summary_prints_d2l_lenet_shapes(capsys):
    d2l.layer_summary(lenet(), (1, 1, 28, 28))
    lines = capsys.readouterr().out.strip().splitlines()
    shapes = [line.split("torch.Size(")[1].rstrip(")") for line in lines]
    assert lines[0].startswith("Conv2d output shape:")
    assert shapes == ["[1, 6, 28, 28]", "[1, 6, 28, 28]", "[1, 6, 14, 14]",
                      "[1, 16, 10, 10]", "[1, 16, 10, 10]", "[1, 16, 5, 5]", "[1, 400]",
                      "[1, 120]", "[1, 120]", "[1, 84]", "[1, 84]", "[1, 10]"]


def test_layer_summary_leaves_batchnorm_statistics_alone():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    before = net[1].running_mean.clone()
    d2l.layer_summary(net, (2, 1, 8, 8))
    assert torch.equal(net[1].running_mean, before)
    assert net.training


def test_layer_summary_gives_every_submodule_back_its_own_mode():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout(0.5))
    net[1].eval()  # a frozen batch-norm layer inside a model that trains
    d2l.layer_summary(net, (2, 1, 8, 8))
    assert [m.training for m in net.modules()] == [True, True, False, True]


def test_eval_mode_restores_modes_even_after_an_error():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    net[0].eval()
    with pytest.raises(RuntimeError, match="inside"):
        with d2l.eval_mode(net) as same:
            assert same is net and not any(m.training for m in net.modules())
            raise RuntimeError("inside")
    assert [m.training for m in net.modules()] == [True, False, True]


def _is_xavier_uniform(weight):
    fan_out, fan_in = weight.shape[0], weight[0].numel()
    receptive = weight[0, 0].numel() if weight.dim() > 2 else 1
    bound = (6 / (fan_in + fan_out * receptive)) ** 0.5
    return weight.abs().max().item() <= bound + 1e-6 and weight.abs().max().item() > 0.5 * bound


@pytest.mark.parametrize("layer, X, lazy", [
    (nn.LazyLinear(3), torch.zeros(2, 4), ["weight", "bias"]),
    (nn.LazyConv2d(2, 3, bias=False), torch.zeros(1, 1, 5, 5), ["weight"]),
    (nn.LazyBatchNorm2d(), torch.zeros(2, 3, 4, 4),
     ["weight", "bias", "running_mean", "running_var"]),
    (nn.LazyBatchNorm2d(affine=False), torch.zeros(2, 3, 4, 4),  # lazy buffers only
     ["running_mean", "running_var"]),
])
def test_is_uninitialized_finds_lazy_parameters_and_buffers_until_the_first_forward(layer, X, lazy):
    tensors = dict(layer.named_parameters()) | dict(layer.named_buffers())
    assert sorted(n for n, t in tensors.items() if is_uninitialized(t)) == sorted(lazy)
    layer(X)
    tensors = dict(layer.named_parameters()) | dict(layer.named_buffers())
    assert not any(is_uninitialized(t) for t in tensors.values())


def test_init_cnn_initializes_lazy_layers_before_their_first_forward():
    torch.manual_seed(0)
    net = nn.Sequential(nn.LazyConv2d(64, kernel_size=3), nn.Flatten(), nn.LazyLinear(512))
    net.apply(d2l.init_cnn)  # d2l's version silently does nothing here
    net(torch.zeros(1, 1, 8, 8))
    conv, linear = net[0], net[2]
    for layer in (conv, linear):
        assert _is_xavier_uniform(layer.weight.detach())
    # PyTorch's default (kaiming-uniform, a=sqrt(5)) for this conv is a much
    # smaller bound, 1/sqrt(fan_in) = 1/3; xavier's is sqrt(6/(9+576)) = 0.101.
    assert conv.weight.abs().max() < 0.102


def test_init_cnn_changes_initialized_layers_and_skips_others():
    torch.manual_seed(0)
    linear, norm = nn.Linear(100, 100), nn.BatchNorm1d(100)
    nn.init.uniform_(norm.weight)                      # any layer but Linear/Conv2d is left alone
    before, norm_before = linear.weight.detach().clone(), norm.weight.detach().clone()
    d2l.init_cnn(linear)
    d2l.init_cnn(norm)
    assert not torch.equal(before, linear.weight)
    assert _is_xavier_uniform(linear.weight.detach())
    assert torch.equal(norm.weight, norm_before)


def test_apply_init_runs_forward_then_init():
    class Net(d2l.Classifier):
        def __init__(self):
            super().__init__()
            self.net = lenet()

    model = Net()
    model.apply_init([torch.zeros(2, 1, 28, 28)], d2l.init_cnn)
    assert model.net[0].weight.shape == (6, 1, 5, 5)
    assert _is_xavier_uniform(model.net[0].weight.detach())


def test_classifier_accuracy_and_loss_match_torch():
    model = d2l.Classifier()
    Y_hat = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0], [0.0, 1.0]])
    Y = torch.tensor([0, 1, 1, 1])
    assert model.accuracy(Y_hat, Y).item() == 0.75
    assert model.accuracy(Y_hat, Y, averaged=False).tolist() == [1, 1, 0, 1]
    expected = nn.functional.cross_entropy(Y_hat, Y)
    assert torch.allclose(model.loss(Y_hat, Y), expected)


def test_init_kaiming_keeps_a_deep_relu_networks_signal():
    # He's std sqrt(2 / fan_in), lazy layers included, and what it is for: through
    # twelve conv + ReLU layers Xavier's init lets the signal fade, He's keeps it.
    torch.manual_seed(0)
    conv = nn.LazyConv2d(64, kernel_size=3)
    conv.apply(d2l.init_kaiming)
    conv(torch.zeros(1, 32, 8, 8))
    assert abs(conv.weight.std().item() / (2 / (32 * 9)) ** 0.5 - 1) < 0.05
    X = torch.randn(8, 16, 16, 16)
    spread = {}
    for init in (d2l.init_cnn, d2l.init_kaiming):
        torch.manual_seed(0)
        net = nn.Sequential(*[layer for _ in range(12)
                              for layer in (nn.Conv2d(16, 16, 3, padding=1), nn.ReLU())])
        net.apply(init)
        with torch.no_grad():
            spread[init.__name__] = net(X).std().item()
    assert spread["init_cnn"] < 0.1 < 0.3 < spread["init_kaiming"], spread
