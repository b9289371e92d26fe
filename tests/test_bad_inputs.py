"""Bad inputs across d2lmini's public API: every one must explain itself.

Each case calls the API the wrong way and expects a ValueError / TypeError
(or the package's DataError, FloatingPointError, ...) whose message names the
function or argument AND shows the offending value, never a deep PyTorch
error, a hang, or a silently wrong result. The regexes check both.
"""
import errno
import re

import pytest
import torch
from torch import nn

import d2lmini as d2l
from doubles import ListData, fake_files, quiet_trainer, sha256, write_files
from d2lmini import data as data_module
from d2lmini import datafiles
from d2lmini import settings

NAN, INF = float("nan"), float("inf")


def t(*shape, dtype=torch.float32):
    return torch.ones(*shape, dtype=dtype)


def nan_tensor(*shape):
    return torch.full(shape, NAN)


# --------------------------------------------------------------- the ops (d2lmini.ops)

OPS = [
    # wrong rank
    ("corr2d-X-1d", lambda: d2l.corr2d(t(5), t(2, 2)),
     ValueError, r"corr2d: X must be a 2-D tensor .*got shape \(5,\)"),
    ("corr2d-K-3d", lambda: d2l.corr2d(t(5, 5), t(1, 2, 2)),
     ValueError, r"corr2d: K must be a 2-D tensor .*got shape \(1, 2, 2\)"),
    ("corr2d_vectorized-X-4d", lambda: d2l.corr2d_vectorized(t(1, 1, 5, 5), t(2, 2)),
     ValueError, r"corr2d_vectorized: X must be a 2-D .*\(1, 1, 5, 5\).*squeeze"),
    ("corr2d_multi_in-X-2d", lambda: d2l.corr2d_multi_in(t(5, 5), t(1, 2, 2)),
     ValueError, r"corr2d_multi_in: X must be a 3-D tensor \(channels, height, width\).*\(5, 5\)"),
    ("corr2d_multi_in_out-K-3d", lambda: d2l.corr2d_multi_in_out(t(2, 5, 5), t(2, 2, 2)),
     ValueError, r"corr2d_multi_in_out: K must be a 4-D .*\(2, 2, 2\)"),
    ("pool2d-X-3d", lambda: d2l.pool2d(t(1, 4, 4), 2),
     ValueError, r"pool2d: X must be a 2-D .*\(1, 4, 4\).*MaxPool2d"),
    ("comp_conv2d-X-3d", lambda: d2l.comp_conv2d(nn.Conv2d(1, 1, 3), t(1, 8, 8)),
     ValueError, r"comp_conv2d: X must be a 2-D .*\(1, 8, 8\)"),
    # dtypes and non-tensors
    ("corr2d-X-int", lambda: d2l.corr2d(t(3, 3, dtype=torch.int64), t(2, 2)),
     TypeError, r"corr2d: X must hold floating-point numbers, got dtype torch\.int64.*X\.float\(\)"),
    ("corr2d-K-bool", lambda: d2l.corr2d(t(3, 3), t(2, 2, dtype=torch.bool)),
     TypeError, r"corr2d: K must hold floating-point .*torch\.bool"),
    ("corr2d-X-list", lambda: d2l.corr2d([[1.0, 2.0], [3.0, 4.0]], t(1, 1)),
     TypeError, r"corr2d: X must be a torch\.Tensor, got list"),
    ("corr2d-mixed-dtypes", lambda: d2l.corr2d(t(3, 3), t(2, 2, dtype=torch.float64)),
     TypeError, r"corr2d: X is torch\.float32 .* K is torch\.float64.*K\.to\(X\)"),
    # empty, NaN, inf
    ("corr2d-X-empty", lambda: d2l.corr2d(t(0, 5), t(2, 2)),
     ValueError, r"corr2d: X is empty \(shape \(0, 5\)\)"),
    ("corr2d-K-empty", lambda: d2l.corr2d(t(5, 5), t(2, 0)),
     ValueError, r"corr2d: K is empty \(shape \(2, 0\)\)"),
    ("corr2d-X-nan", lambda: d2l.corr2d(nan_tensor(3, 3), t(2, 2)),
     ValueError, r"corr2d: X contains NaN or inf"),
    ("pool2d-X-inf", lambda: d2l.pool2d(torch.tensor([[1.0, INF], [0.0, 1.0]]), 1),
     ValueError, r"pool2d: X contains NaN or inf"),
    # kernel larger than the (padded) input
    ("corr2d-kernel-too-big", lambda: d2l.corr2d(t(3, 3), t(4, 4)),
     ValueError, r"corr2d: kernel 4x4 is larger than the 3x3 input"),
    ("corr2d_multi_in-kernel-too-big", lambda: d2l.corr2d_multi_in(t(2, 3, 3), t(2, 3, 5)),
     ValueError, r"corr2d_multi_in: kernel 3x5 is larger than the 3x3 input"),
    ("conv_output_shape-kernel-too-big-after-padding",
     lambda: d2l.conv_output_shape(4, 7, padding=1),
     ValueError, r"conv_output_shape: kernel 7x7 is larger than the 6x6 input \(after padding\)"),
    ("conv_output_size-dilated-kernel-too-big", lambda: d2l.conv_output_size(6, 3, d=3),
     ValueError, r"conv_output_size: kernel 7 \(after dilation\) is larger than the 6 input"),
    ("pool2d-window-too-big", lambda: d2l.pool2d(t(4, 4), (5, 2)),
     ValueError, r"pool2d: kernel 5x2 is larger than the 4x4 input"),
    # stride, padding, dilation
    ("conv_output_shape-stride-0", lambda: d2l.conv_output_shape(8, 3, stride=0),
     ValueError, r"conv_output_shape: stride must be at least 1, got 0"),
    ("conv_output_shape-stride-negative", lambda: d2l.conv_output_shape(8, 3, stride=(1, -2)),
     ValueError, r"conv_output_shape: stride must be at least 1, got -2"),
    ("conv_output_shape-padding-negative", lambda: d2l.conv_output_shape(8, 3, padding=-1),
     ValueError, r"conv_output_shape: padding must be at least 0, got -1"),
    ("conv_output_shape-dilation-0", lambda: d2l.conv_output_shape(8, 3, dilation=0),
     ValueError, r"conv_output_shape: dilation must be at least 1, got 0"),
    ("conv_output_shape-stride-float", lambda: d2l.conv_output_shape(8, 3, stride=1.5),
     TypeError, r"conv_output_shape: stride must be an int, got 1\.5"),
    ("conv_output_shape-kernel-triple", lambda: d2l.conv_output_shape(8, (3, 3, 3)),
     TypeError, r"conv_output_shape: kernel_size must be an int or a \(height, width\) pair, "
                r"got \(3, 3, 3\)"),
    ("conv_output_size-n-0", lambda: d2l.conv_output_size(0, 3),
     ValueError, r"conv_output_size: n must be at least 1, got 0"),
    # non-square pool windows with a bad stride / padding / mode
    ("pool2d-nonsquare-stride-0", lambda: d2l.pool2d(t(4, 4), (2, 3), stride=(1, 0)),
     ValueError, r"pool2d: stride must be at least 1, got 0"),
    ("pool2d-nonsquare-stride-float", lambda: d2l.pool2d(t(4, 4), (2, 3), stride=(1, 1.5)),
     TypeError, r"pool2d: stride must be an int, got 1\.5"),
    ("pool2d-padding-over-half", lambda: d2l.pool2d(t(4, 4), (2, 3), padding=(1, 2)),
     ValueError, r"pool2d: padding \(1, 2\) is more than half the 2x3 window"),
    ("pool2d-mode", lambda: d2l.pool2d(t(4, 4), 2, mode="min"),
     ValueError, r"pool2d: mode must be 'max' or 'avg', got 'min'"),
    # channel mismatches between X and K
    ("corr2d_multi_in-channels", lambda: d2l.corr2d_multi_in(t(2, 4, 4), t(3, 2, 2)),
     ValueError, r"corr2d_multi_in: X has 2 input channels but K has 3"),
    ("corr2d_multi_in_out-channels", lambda: d2l.corr2d_multi_in_out(t(3, 4, 4), t(2, 2, 2, 2)),
     ValueError, r"corr2d_multi_in_out: X has 3 input channels but K has 2 \(K\.shape\[1\]\)"),
    ("corr2d_multi_in_out_1x1-channels", lambda: d2l.corr2d_multi_in_out_1x1(t(3, 4, 4), t(2, 2, 1, 1)),
     ValueError, r"corr2d_multi_in_out_1x1: X has 3 input channels but K has 2"),
    ("corr2d_multi_in_out_1x1-not-1x1", lambda: d2l.corr2d_multi_in_out_1x1(t(2, 4, 4), t(2, 2, 3, 3)),
     ValueError, r"corr2d_multi_in_out_1x1: K must hold 1x1 kernels, got 3x3"),
    # layers given to the shape helpers
    ("comp_conv2d-not-a-layer", lambda: d2l.comp_conv2d("conv", t(8, 8)),
     TypeError, r"comp_conv2d: conv2d must be a layer .*got str"),
    ("comp_conv2d-two-channels", lambda: d2l.comp_conv2d(nn.Conv2d(1, 2, 3), t(8, 8)),
     ValueError, r"comp_conv2d: .*shape \(1, 2, 6, 6\).*out_channels=1"),
    ("receptive_fields-unsupported-layer", lambda: d2l.receptive_fields([nn.Linear(3, 3)]),
     TypeError, r"receptive_fields: layers\[0\] must be an nn\.Conv2d.*got Linear"),
    ("receptive_fields-too-deep-for-input",
     lambda: d2l.receptive_fields([(3, 1)] * 5, input_size=8),
     ValueError, r"receptive_fields: layers\[3\] spans 3 pixels but gets only 2 .*input_size=8"),
]


@pytest.mark.parametrize("call, error, match", [c[1:] for c in OPS], ids=[c[0] for c in OPS])
def test_ops_reject_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --------------------------------------------------------------- layer_summary

class RaisesValueError(nn.Module):
    """A custom layer that checks its input with a ValueError of its own."""

    def forward(self, X):
        if X.dim() != 4:
            raise ValueError(f"RaisesValueError wants 4-D input, got {X.dim()}-D")
        return X


class PicksChannel5(nn.Module):
    def forward(self, X):
        return X[:, 5]  # IndexError with fewer than 6 channels


class Net(d2l.Classifier):
    def __init__(self, net):
        super().__init__()
        self.net = net


LAYER_SUMMARY = [
    ("linear-after-flatten",
     lambda: d2l.layer_summary(nn.Sequential(nn.Conv2d(1, 6, 5), nn.Flatten(), nn.Linear(10, 10)),
                               (1, 1, 28, 28)),
     r"layer 2 \(Linear\(in_features=10.*shape \(1, 3456\)"),
    ("classifier-method",
     lambda: Net(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(3, 2))).layer_summary(
         (1, 1, 8, 8)),
     r"layer 2 \(Linear\(in_features=3.*shape \(1, 72\)"),
    ("nested-sequential-names-inner-layer",
     lambda: d2l.layer_summary(
         nn.Sequential(nn.Conv2d(1, 2, 3),
                       nn.Sequential(nn.Conv2d(2, 4, 3), nn.Conv2d(3, 4, 1))), (1, 1, 8, 8)),
     r"layer 1\.1 \(Conv2d\(3, 4.*shape \(1, 4, 4, 4\).*expected input\[1, 4, 4, 4\] to have 3 "
     r"channels"),
    ("custom-layer-valueerror",
     lambda: d2l.layer_summary(nn.Sequential(nn.Flatten(), RaisesValueError()), (1, 1, 4, 4)),
     r"layer 1 \(RaisesValueError\(\)\) .*shape \(1, 16\): ValueError: .*got 2-D"),
    ("custom-layer-indexerror",
     lambda: d2l.layer_summary(nn.Sequential(nn.ReLU(), PicksChannel5()), (1, 3, 4, 4)),
     r"layer 1 \(PicksChannel5\(\)\) .*shape \(1, 3, 4, 4\): IndexError: index 5"),
    ("conv-gets-5d", lambda: d2l.layer_summary(nn.Sequential(nn.Conv2d(1, 6, 5)), (1, 1, 28, 28, 3)),
     r"layer 0 \(Conv2d\(1, 6.*shape \(1, 1, 28, 28, 3\)"),
    ("wrong-channels", lambda: d2l.layer_summary(nn.Sequential(nn.Conv2d(1, 6, 5)), (1, 3, 28, 28)),
     r"layer 0 .*shape \(1, 3, 28, 28\).*3 channels"),
    ("image-too-small",
     lambda: d2l.layer_summary(nn.Sequential(nn.Conv2d(1, 6, 5), nn.MaxPool2d(2), nn.Conv2d(6, 6, 5)),
                               (1, 1, 8, 8)),
     r"layer 2 .*shape \(1, 6, 2, 2\).*Kernel size can't be greater"),
    ("X_shape-int", lambda: d2l.layer_summary(nn.Sequential(nn.ReLU()), 28),
     r"X_shape must be a tuple of positive ints .*got 28"),
    ("X_shape-float", lambda: d2l.layer_summary(nn.Sequential(nn.ReLU()), (1, 1, 28.0, 28)),
     r"X_shape must be a tuple of positive ints .*got \(1, 1, 28\.0, 28\)"),
]


@pytest.mark.parametrize("call, match", [c[1:] for c in LAYER_SUMMARY],
                         ids=[c[0] for c in LAYER_SUMMARY])
def test_layer_summary_names_layer_and_shape(call, match, capsys):
    with pytest.raises(ValueError, match="layer_summary: " + match):
        call()


def test_layer_summary_needs_a_sequential_and_a_net():
    with pytest.raises(TypeError, match=r"layer_summary: net must be an nn\.Sequential, got Linear"):
        d2l.layer_summary(nn.Linear(2, 2), (1, 2))
    with pytest.raises(AttributeError, match=r"Classifier\.layer_summary: the model has no self\.net"):
        d2l.Classifier().layer_summary((1, 1, 28, 28))


# --------------------------------------------------------------- Module and Classifier

LOSS_ACCURACY = [
    ("loss-float-labels", "loss", t(4, 10), torch.zeros(4),
     TypeError, r"Classifier\.loss: labels Y must be integer class indices, got dtype "
                r"torch\.float32; convert them with Y\.long\(\)"),
    ("accuracy-float-labels", "accuracy", t(4, 10), torch.zeros(4),
     TypeError, r"Classifier\.accuracy: labels Y .*torch\.float32.*Y\.long\(\)"),
    ("loss-bool-labels", "loss", t(4, 10), torch.zeros(4, dtype=torch.bool),
     TypeError, r"Classifier\.loss: labels Y .*torch\.bool"),
    ("loss-batch-mismatch", "loss", t(4, 10), torch.zeros(3, dtype=torch.long),
     ValueError, r"Classifier\.loss: Y_hat of shape \(4, 10\) holds 4 predictions but Y of shape "
                 r"\(3,\) holds 3 labels"),
    ("accuracy-batch-mismatch", "accuracy", t(4, 10), torch.zeros(3, dtype=torch.long),
     ValueError, r"Classifier\.accuracy: Y_hat of shape \(4, 10\) .* Y of shape \(3,\)"),
    ("accuracy-one-hot-labels", "accuracy", t(4, 10), torch.zeros(4, 10, dtype=torch.long),
     ValueError, r"Classifier\.accuracy: .* Y of shape \(4, 10\) holds 40 labels"),
    ("loss-label-out-of-range", "loss", t(4, 10), torch.tensor([0, 1, 10, -1]),
     ValueError, r"Classifier\.loss: labels Y must be in 0\.\.9 .*got \[-1, 10\]"),
    ("accuracy-0d-scores", "accuracy", torch.tensor(1.0), torch.zeros(1, dtype=torch.long),
     ValueError, r"Classifier\.accuracy: Y_hat must have a last dimension .*got shape \(\)"),
    ("loss-numpy-labels", "loss", t(4, 10), [0, 1, 2, 3],
     TypeError, r"Classifier\.loss: Y must be a torch\.Tensor, got list"),
]


@pytest.mark.parametrize("method, Y_hat, Y, error, match", [c[1:] for c in LOSS_ACCURACY],
                         ids=[c[0] for c in LOSS_ACCURACY])
def test_classifier_loss_and_accuracy_check_labels(method, Y_hat, Y, error, match):
    with pytest.raises(error, match=match):
        getattr(d2l.Classifier(), method)(Y_hat, Y)


def test_classifier_loss_accepts_any_integer_labels():
    Y_hat = torch.randn(4, 3)
    expected = nn.functional.cross_entropy(Y_hat, torch.tensor([0, 1, 2, 1]))
    for dtype in (torch.int32, torch.uint8, torch.int64):
        Y = torch.tensor([0, 1, 2, 1], dtype=dtype)
        assert torch.allclose(d2l.Classifier().loss(Y_hat, Y), expected)


def test_add_to_class_rejects_non_classes():
    with pytest.raises(TypeError, match=r"add_to_class: Class must be a class .*got 3 \(int\)"):
        d2l.add_to_class(3)
    # An instance would get a plain function attribute that is never bound to self.
    with pytest.raises(TypeError, match=r"add_to_class: .*got ReLU\(\) \(ReLU\); pass the class"):
        d2l.add_to_class(nn.ReLU())
    with pytest.raises(TypeError, match=r"add_to_class\(ReLU\): decorate a function .*got 3"):
        d2l.add_to_class(nn.ReLU)(3)


def test_init_cnn_on_odd_modules():
    with pytest.raises(TypeError, match=r"init_cnn: module must be an nn\.Module, got str"):
        d2l.init_cnn("conv")
    # Modules it does not initialize are left alone, not broken.
    for module in (nn.Linear(3, 3, bias=False), nn.Conv1d(2, 2, 3), nn.ReLU(), nn.Sequential()):
        before = [p.clone() for p in module.parameters()]
        d2l.init_cnn(module)
        if isinstance(module, nn.Conv1d):
            assert all(torch.equal(a, b) for a, b in zip(before, module.parameters()))
    lazy = nn.LazyConv2d(3, 3)
    d2l.init_cnn(lazy)  # initialized once it sees data
    lazy(torch.zeros(1, 2, 5, 5))
    assert lazy.weight.shape == (3, 2, 3, 3)


def test_module_without_lr_says_how_to_add_it():
    class NoLr(d2l.Classifier):
        def __init__(self):
            super().__init__()
            self.net = nn.LazyLinear(10)

    with pytest.raises(AttributeError, match=r"NoLr\.configure_optimizers: the model has no "
                                             r"self\.lr.*save_hyperparameters"):
        NoLr().configure_optimizers()


# --------------------------------------------------------------- HyperParameters

def test_save_hyperparameters_misuse():
    class IgnoreString(d2l.HyperParameters):
        def __init__(self, lr=0.1):
            self.save_hyperparameters(ignore="lr")  # would silently ignore 'l' and 'r'

    class IgnoreTypo(d2l.HyperParameters):
        def __init__(self, lr=0.1, net=None):
            self.save_hyperparameters(ignore=["nett"])

    class Elsewhere(d2l.HyperParameters):
        def configure(self):
            helper(self)

    def helper(model):
        model.save_hyperparameters()

    with pytest.raises(TypeError, match=r"save_hyperparameters: ignore must be a list .*got 'lr'; "
                                        r"write ignore=\['lr'\]"):
        IgnoreString()
    with pytest.raises(ValueError, match=r"save_hyperparameters: ignore names \['nett'\], which are "
                                         r"not arguments of __init__; its arguments are \['lr', 'net'\]"):
        IgnoreTypo()
    with pytest.raises(TypeError, match=r"save_hyperparameters: call it as "
                                        r"self\.save_hyperparameters\(\) inside Elsewhere\.__init__, "
                                        r"not from helper"):
        Elsewhere().configure()


# --------------------------------------------------------------- stats

def test_count_macs_and_num_params_on_bad_models():
    lazy = nn.Sequential(nn.LazyLinear(3))
    with pytest.raises(ValueError, match=r"num_params: the model has lazy layers that have not "
                                         r"seen data yet"):
        d2l.num_params(lazy)
    with pytest.raises(TypeError, match=r"num_params: model must be an nn\.Module, got str"):
        d2l.num_params("lenet")
    with pytest.raises(TypeError, match=r"count_macs: model must be an nn\.Module, got str"):
        d2l.count_macs("lenet", (1, 1, 28, 28))
    with pytest.raises(ValueError, match=r"count_macs: X_shape must be a tuple .*got 28"):
        d2l.count_macs(nn.Linear(3, 3), 28)
    with pytest.raises(ValueError, match=r"count_macs: X_shape must start with a batch size.*\(3,\)"):
        d2l.count_macs(nn.Linear(3, 3), (3,))
    with pytest.raises(ValueError, match=r"count_macs: the model cannot take an input of shape "
                                         r"\(1, 4\): RuntimeError: mat1 and mat2"):
        d2l.count_macs(nn.Linear(3, 3), (1, 4))
    # A lazy model is counted correctly (its first forward pass sets its shapes),
    # and a model without parameters costs nothing instead of crashing.
    assert d2l.count_macs(lazy, (2, 4)) == 4 * 3
    assert d2l.num_params(lazy) == 4 * 3 + 3
    assert d2l.count_macs(nn.Sequential(nn.ReLU()), (1, 4)) == 0


# --------------------------------------------------------------- budget

def test_unknown_budget(monkeypatch):
    monkeypatch.setenv("D2LMINI_BUDGET", "fast")
    for call in (d2l.budget_name, lambda: d2l.pick(1, 2), d2l.describe_budget):
        with pytest.raises(ValueError, match=r"D2LMINI_BUDGET='fast' is not a budget; use one of "
                                             r"quick, full"):
            call()


# --------------------------------------------------------------- Trainer

class Tiny(d2l.Classifier):
    def __init__(self, lr=0.1, output=None):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))

    def forward(self, X):
        Y = self.net(X)
        return Y if self.output is None else Y * self.output


def batches(n=2):
    g = torch.Generator().manual_seed(0)
    return [(torch.randn(4, 1, 2, 2, generator=g), torch.randint(0, 3, (4,), generator=g))
            for _ in range(n)]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"max_epochs": 0}, ValueError, r"Trainer: max_epochs must be a positive int, got 0"),
    ({"max_epochs": -3}, ValueError, r"Trainer: max_epochs must be a positive int, got -3"),
    ({"max_epochs": "10"}, ValueError, r"Trainer: max_epochs must be a positive int, got '10'"),
    ({"gradient_clip_val": "1"}, ValueError, r"Trainer: gradient_clip_val must be a number >= 0 .*got '1'"),
    ({"gradient_clip_val": NAN}, ValueError, r"Trainer: gradient_clip_val must be a number >= 0 .*got nan"),
    ({"device": "gpu0"}, ValueError, r"Trainer: device must name a device .*got 'gpu0'"),
    pytest.param({"device": "cuda"}, ValueError,
                 r"Trainer: device='cuda' is not available on this machine",
                 marks=pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available")),
], ids=["max_epochs-0", "max_epochs-negative", "max_epochs-str", "clip-str", "clip-nan",
        "device-name", "device-missing"])
def test_trainer_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        quiet_trainer(**kwargs)


def test_trainer_with_empty_dataset():
    with pytest.raises(ValueError, match=r"Trainer\.fit: the training data is empty \(0 batches\)"):
        quiet_trainer().fit(Tiny(), ListData([]))


def test_trainer_with_wrong_model_or_data():
    with pytest.raises(TypeError, match=r"Trainer\.fit: model must be a d2l Module .*got Linear"):
        quiet_trainer().fit(nn.Linear(4, 3), ListData(batches()))
    with pytest.raises(TypeError, match=r"Trainer\.fit: data must be a DataModule .*got list"):
        quiet_trainer().fit(Tiny(), batches())
    with pytest.raises(NotImplementedError, match=r"DataModule must define get_dataloader"):
        quiet_trainer().fit(Tiny(), d2l.DataModule())


def test_model_whose_forward_returns_nan():
    with pytest.raises(FloatingPointError, match=r"Trainer\.fit: training loss became nan in epoch "
                                                 r"1, before any update.*forward"):
        quiet_trainer().fit(Tiny(output=NAN), ListData(batches()))


def test_diverging_training_names_the_learning_rate():
    with pytest.raises(FloatingPointError, match=r"training loss became (nan|inf) in epoch \d+, "
                                                 r"after \d+ updates?, .*lower the learning rate"):
        quiet_trainer(max_epochs=5).fit(Tiny(lr=1e38), ListData(batches(4)))


def test_nan_only_in_validation_is_reported():
    class NanInEval(Tiny):
        def forward(self, X):
            Y = super().forward(X)
            return Y if self.training else Y * NAN

    with pytest.raises(FloatingPointError, match=r"Trainer\.fit: val_loss is nan in epoch 1"):
        quiet_trainer().fit(NanInEval(), ListData(batches(), batches(1)))


def test_training_step_must_return_a_scalar():
    class PerExample(Tiny):
        def training_step(self, batch):
            return self.loss(self(*batch[:-1]), batch[-1], averaged=False)

    with pytest.raises(ValueError, match=r"training_step must return the loss as a single-number "
                                         r"tensor, got \(4,\)"):
        quiet_trainer().fit(PerExample(), ListData(batches()))


def test_float_labels_in_training_name_the_fix():
    data = ListData([(X, y.float()) for X, y in batches()])
    with pytest.raises(TypeError, match=r"labels Y must be integer .*torch\.float32.*\.long\(\)"):
        quiet_trainer().fit(Tiny(), data)


def test_record_run_before_training(monkeypatch, tmp_path):
    # Refused whether or not recording is on, so the mistake shows everywhere.
    monkeypatch.delenv("D2LMINI_RECORD_DIR", raising=False)
    for _ in range(2):
        with pytest.raises(ValueError, match=r"record_run: trainer must have finished "
                                             r"trainer\.fit\(model, data\) first, got <d2lmini"):
            d2l.record_run("7.6", "LeNet", Tiny(), quiet_trainer(), ListData([]))
        monkeypatch.setenv("D2LMINI_RECORD_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=r"record_run: trainer must have finished .* got None"):
        d2l.record_run("7.6", "LeNet", Tiny(), None, ListData([]))
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------- data

@pytest.mark.parametrize("kwargs, error, match", [
    ({"resize": 0}, ValueError, r"resize must hold positive sizes, got 0"),
    ({"resize": (28, -1)}, ValueError, r"resize must hold positive sizes, got \(28, -1\)"),
    ({"resize": 2.5}, TypeError, r"resize must be an int or an \(h, w\) pair of ints, got 2\.5"),
    ({"resize": True}, TypeError, r"resize must be an int or an \(h, w\) pair of ints, got True"),
    ({"batch_size": 0}, ValueError, r"batch_size must be a positive int, got 0"),
    ({"batch_size": 1.0}, TypeError, r"batch_size must be a positive int, got 1\.0"),
    ({"n_train": 0}, ValueError, r"n_train must be a positive int, got 0"),
    ({"seed": -1}, ValueError, r"seed must be a non-negative int, got -1"),
], ids=["resize-0", "resize-negative", "resize-float", "resize-bool", "batch_size-0",
        "batch_size-float", "n_train-0", "seed-negative"])
def test_fashion_mnist_arguments_fail_before_loading(kwargs, error, match, monkeypatch):
    def no_disk(*args):
        raise AssertionError("the arguments should be refused before looking for files")

    monkeypatch.setattr(data_module, "fashion_mnist_dir", no_disk)
    with pytest.raises(error, match=match):
        d2l.FashionMNIST(**kwargs)


@pytest.fixture
def tiny_fashion_mnist(tmp_path, monkeypatch):
    """5 training and 3 validation images, with SHA256 patched to match."""
    files = fake_files(n_train=5, n_val=3)
    root = write_files(tmp_path / "tiny", files)
    monkeypatch.setattr(datafiles, "SHA256", {name: sha256(raw) for name, raw in files.items()})
    monkeypatch.setattr(datafiles, "URLS", ())
    return root


@pytest.mark.parametrize("kwargs, match", [
    ({"n_train": 6}, r"n_train must be between 1 and 5 \(the number of examples available\).*got 6"),
    ({"n_val": 10_000}, r"n_val must be between 1 and 3 .*got 10000"),
])
def test_more_examples_than_there_are(tiny_fashion_mnist, kwargs, match):
    with pytest.raises(ValueError, match=match):
        d2l.FashionMNIST(root=tiny_fashion_mnist, **kwargs)


def test_text_labels_out_of_range(tiny_fashion_mnist):
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.9, got \[10, -1\]"):
        d2l.FashionMNIST(root=tiny_fashion_mnist).text_labels([3, 10, -1])


def test_full_disk_while_downloading(tmp_path, monkeypatch):
    """ENOSPC half-way through a download: a clear DataError, no partial file."""
    monkeypatch.delenv(settings.DATA, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(datafiles, "DEBIAN_DIR", tmp_path / "debian")
    monkeypatch.setattr(datafiles, "URLS", ("http://127.0.0.1:9/a/", "http://127.0.0.1:9/b/"))
    attempts = []

    def copy_until_full(source, out, *args):
        attempts.append(source)
        out.write(b"\x1f\x8b" + b"x" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device")

    class Response:
        headers = {}

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(datafiles.urllib.request, "urlopen", lambda url, timeout: Response())
    monkeypatch.setattr(datafiles.shutil, "copyfileobj", copy_until_full)
    with pytest.raises(data_module.DataError) as info:
        d2l.FashionMNIST()
    message = str(info.value)
    cache = tmp_path / "xdg" / "d2lmini" / "fashion-mnist"
    assert re.search(rf"^Cannot download Fashion-MNIST into {re.escape(str(cache))}: the disk is "
                     r"full \(\[Errno 28\] No space left on device\)", message), message
    assert "export D2LMINI_DATA=/path/with/the/files" in message
    assert "sudo apt install dataset-fashion-mnist" in message
    assert len(attempts) == 1  # a second URL cannot help a full disk
    assert list(cache.iterdir()) == []  # no partial file left behind


def test_full_disk_before_downloading(tmp_path, monkeypatch):
    monkeypatch.delenv(settings.DATA, raising=False)
    monkeypatch.setattr(datafiles, "DEBIAN_DIR", tmp_path / "debian")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(datafiles.tempfile, "TemporaryFile", full)
    with pytest.raises(data_module.DataError, match=r"Cannot download Fashion-MNIST into .*/root: "
                                                    r"the disk is full .*export D2LMINI_DATA="):
        data_module.fashion_mnist_dir(tmp_path / "root")


# --------------------------------------------------------------- widgets

from d2lmini import widgets  # noqa: E402  (a widget that does not import must fail here)


def widget(name):
    return getattr(widgets, name)


WIDGET_CASES = [
    ("KernelPlayground", {"image": torch.zeros(5)}, ValueError,
     r"KernelPlayground: image must be 2-D \(height, width\), got shape \(5,\)"),
    ("KernelPlayground", {"image": torch.rand(500, 500)}, ValueError,
     r"KernelPlayground: image is 500×500, but this widget shows at most"),
    ("KernelPlayground", {"kernel": "nope"}, ValueError,
     r"KernelPlayground: kernel must be one of .*'vertical_edge'.*got 'nope'"),
    ("KernelPlayground", {"kernel": torch.zeros(2, 2, 2)}, ValueError,
     r"KernelPlayground: kernel must be 2-D .*got shape \(2, 2, 2\)"),
    ("KernelPlayground", {"image": torch.rand(4, 4), "kernel": torch.zeros(6, 6)}, ValueError,
     r"KernelPlayground: kernel 6×6 .*larger than the 4×4 image"),
    ("PaddingStrideExplorer", {"stride": 0}, ValueError,
     r"PaddingStrideExplorer: stride must be at least 1, got 0"),
    ("PaddingStrideExplorer", {"padding": -1}, ValueError,
     r"PaddingStrideExplorer: padding must be at least 0, got -1"),
    ("PoolingExplorer", {"stride": 0}, ValueError, r"PoolingExplorer: stride must be at least 1, got 0"),
    ("ChannelsView", {"X": torch.rand(2, 4, 4), "K": torch.rand(3, 2, 2)}, ValueError,
     r"ChannelsView: X has 2 input channels but K has 3"),
    ("FeatureMapBrowser", {"model": "lenet", "images": torch.rand(2, 28, 28)}, TypeError,
     r"FeatureMapBrowser: model must be an nn\.Module, got str"),
    ("ReceptiveFieldView", {"layers": [nn.Linear(3, 3)]}, TypeError,
     r"ReceptiveFieldView: layers\[0\] must be an nn\.Conv2d.*got Linear"),
]


@pytest.mark.parametrize("name, kwargs, error, match", WIDGET_CASES,
                         ids=[f"{c[0]}-{'-'.join(c[1])}-{i}" for i, c in enumerate(WIDGET_CASES)])
def test_widgets_reject_bad_inputs(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        widget(name)(**kwargs)
