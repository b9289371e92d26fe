"""Bad inputs across d2lmini's public API: one table per d2lmini module.

A row is a call, the exception type it must raise, and the key facts its
message must give, in order (`doubles.facts`): the function or class, the
argument, the bad value, and the word that names the fix where there is one.
The wording around them is free to change. A bad input is tested once, here;
cases that need files on disk or a server (damaged IDX files, failed
downloads, a full disk) are in test_data.py, and the errors the Trainer
defers on a GPU in test_train.py.
"""
import os
import re
import tempfile
from pathlib import Path
from unittest import mock

import pytest
import torch
from torch import nn

import d2lmini as d2l
from doubles import ListData, facts, fake_files, quiet_trainer, sha256, write_files
from d2lmini import data as data_module
from d2lmini import datafiles, ops
from d2lmini import widgets

NAN, INF = float("nan"), float("inf")


def t(*shape, dtype=torch.float32):
    return torch.ones(*shape, dtype=dtype)


def nan_tensor(*shape):
    return torch.full(shape, NAN)


def with_env(call, **values):
    """call, run with these environment variables set (None: unset)."""
    def run():
        with mock.patch.dict(os.environ):
            for name, value in values.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            return call()
    return run


# --------------------------------------------------------------- ops (d2lmini.ops)

X34, K22 = t(3, 4), t(2, 2)
X234 = t(2, 3, 4)

OPS = [
    # wrong rank
    ("corr2d-X-1d", lambda: d2l.corr2d(t(5), K22),
     ValueError, facts("corr2d", "X", "(5,)", "reshape")),
    ("corr2d-X-3d", lambda: d2l.corr2d(t(1, 6, 8), K22),
     ValueError, facts("corr2d", "X", "(1, 6, 8)", "nn.Conv2d", "squeeze")),
    ("corr2d-K-3d", lambda: d2l.corr2d(t(5, 5), t(1, 2, 2)),
     ValueError, facts("corr2d", "K", "(1, 2, 2)", "squeeze")),
    ("corr2d_vectorized-X-4d", lambda: d2l.corr2d_vectorized(t(1, 1, 5, 5), K22),
     ValueError, facts("corr2d_vectorized", "X", "(1, 1, 5, 5)", "squeeze")),
    ("corr2d_vectorized-K-1d", lambda: d2l.corr2d_vectorized(X34, t(3)),
     ValueError, facts("corr2d_vectorized", "K", "(3,)", "reshape")),
    ("corr2d_multi_in-X-2d", lambda: d2l.corr2d_multi_in(t(5, 5), t(1, 2, 2)),
     ValueError, facts("corr2d_multi_in", "X", "(channels, height, width)", "(5, 5)", "reshape")),
    ("corr2d_multi_in_out-K-3d", lambda: d2l.corr2d_multi_in_out(t(2, 5, 5), t(2, 2, 2)),
     ValueError, facts("corr2d_multi_in_out", "K", "4-D", "(2, 2, 2)", "reshape")),
    ("pool2d-X-3d", lambda: d2l.pool2d(t(1, 4, 4), 2),
     ValueError, facts("pool2d", "X", "(1, 4, 4)", "nn.MaxPool2d", "nn.AvgPool2d", "squeeze")),
    ("comp_conv2d-X-3d", lambda: d2l.comp_conv2d(nn.Conv2d(1, 1, 3), t(1, 8, 8)),
     ValueError, facts("comp_conv2d", "X", "(1, 8, 8)", "squeeze")),
    # dtypes and non-tensors
    ("corr2d-X-int64", lambda: d2l.corr2d(t(3, 3, dtype=torch.int64), K22),
     TypeError, facts("corr2d", "X", "torch.int64", "X.float()")),
    ("corr2d-K-int32", lambda: d2l.corr2d(X34, t(2, 2, dtype=torch.int32)),
     TypeError, facts("corr2d", "K", "torch.int32", "K.float()")),
    ("corr2d-K-bool", lambda: d2l.corr2d(t(3, 3), t(2, 2, dtype=torch.bool)),
     TypeError, facts("corr2d", "K", "torch.bool", "K.float()")),
    ("corr2d-X-list", lambda: d2l.corr2d([[1.0, 2.0], [3.0, 4.0]], t(1, 1)),
     TypeError, facts("corr2d", "X", "torch.Tensor", "list", "torch.tensor(")),
    ("corr2d-mixed-dtypes", lambda: d2l.corr2d(t(3, 3), t(2, 2, dtype=torch.float64)),
     TypeError, facts("corr2d", "X", "torch.float32", "K", "torch.float64", "K.to(X)")),
    # empty, NaN, inf
    ("corr2d-X-empty", lambda: d2l.corr2d(t(0, 5), K22),
     ValueError, facts("corr2d", "X", "empty", "(0, 5)")),
    ("corr2d-K-empty", lambda: d2l.corr2d(t(5, 5), t(2, 0)),
     ValueError, facts("corr2d", "K", "empty", "(2, 0)")),
    ("corr2d-X-nan", lambda: d2l.corr2d(nan_tensor(3, 3), K22),
     ValueError, facts("corr2d", "X", "NaN or inf", "isfinite(X)")),
    ("corr2d_vectorized-K-inf", lambda: d2l.corr2d_vectorized(X34, torch.tensor([[INF]])),
     ValueError, facts("corr2d_vectorized", "K", "NaN or inf", "isfinite(K)")),
    ("pool2d-X-inf", lambda: d2l.pool2d(torch.tensor([[1.0, INF], [0.0, 1.0]]), 1),
     ValueError, facts("pool2d", "X", "NaN or inf")),
    # kernel larger than the (padded, dilated) input
    ("corr2d-kernel-too-big", lambda: d2l.corr2d(t(3, 3), t(4, 4)),
     ValueError, facts("corr2d", "kernel 4x4", "3x3 input", "pad")),
    ("corr2d_vectorized-kernel-too-big", lambda: d2l.corr2d_vectorized(X34, t(1, 5)),
     ValueError, facts("corr2d_vectorized", "kernel 1x5", "3x4 input", "pad")),
    ("corr2d_multi_in-kernel-too-big", lambda: d2l.corr2d_multi_in(t(2, 3, 3), t(2, 3, 5)),
     ValueError, facts("corr2d_multi_in", "kernel 3x5", "3x3 input", "pad")),
    ("conv_output_shape-kernel-too-big-after-padding", lambda: d2l.conv_output_shape(4, 7, padding=1),
     ValueError, facts("conv_output_shape", "kernel 7x7", "6x6 input", "after padding")),
    ("conv_output_shape-kernel-too-big-after-dilation",
     lambda: d2l.conv_output_shape(4, 3, dilation=2),
     ValueError, facts("conv_output_shape", "kernel 5x5", "after dilation", "4x4 input")),
    ("conv_output_size-kernel-too-big-after-padding", lambda: d2l.conv_output_size(3, 5, p=1),
     ValueError, facts("conv_output_size", "kernel 5", "4 input", "after padding")),
    ("conv_output_size-kernel-too-big-after-dilation", lambda: d2l.conv_output_size(6, 3, d=3),
     ValueError, facts("conv_output_size", "kernel 7", "after dilation", "6 input")),
    ("pool2d-window-too-big", lambda: d2l.pool2d(t(4, 4), (5, 2)),
     ValueError, facts("pool2d", "kernel 5x2", "4x4 input", "pad")),
    ("pool2d-window-too-big-after-padding", lambda: d2l.pool2d(t(1, 1), 5, padding=1),
     ValueError, facts("pool2d", "kernel 5x5", "3x3 input", "after padding")),
    # sizes, stride, padding, dilation
    ("conv_output_shape-input_size-0", lambda: d2l.conv_output_shape((0, 8), 3),
     ValueError, facts("conv_output_shape", "input_size", "at least 1", "0")),
    ("conv_output_shape-stride-0", lambda: d2l.conv_output_shape(8, 3, stride=0),
     ValueError, facts("conv_output_shape", "stride", "at least 1", "0")),
    ("conv_output_shape-stride-negative", lambda: d2l.conv_output_shape(8, 3, stride=-2),
     ValueError, facts("conv_output_shape", "stride", "at least 1", "-2")),
    ("conv_output_shape-stride-pair-negative", lambda: d2l.conv_output_shape(8, 3, stride=(1, -2)),
     ValueError, facts("conv_output_shape", "stride", "at least 1", "-2")),
    ("conv_output_shape-padding-negative", lambda: d2l.conv_output_shape(8, 3, padding=-1),
     ValueError, facts("conv_output_shape", "padding", "at least 0", "-1")),
    ("conv_output_shape-dilation-0", lambda: d2l.conv_output_shape(8, 3, dilation=0),
     ValueError, facts("conv_output_shape", "dilation", "at least 1", "0")),
    ("conv_output_shape-stride-float", lambda: d2l.conv_output_shape(8, 3, stride=1.5),
     TypeError, facts("conv_output_shape", "stride", "int", "1.5")),
    ("conv_output_shape-kernel-float-in-pair", lambda: d2l.conv_output_shape(8, (3, 2.0)),
     TypeError, facts("conv_output_shape", "kernel_size", "int", "2.0")),
    ("conv_output_shape-kernel-triple", lambda: d2l.conv_output_shape(8, (3, 3, 3)),
     TypeError, facts("conv_output_shape", "kernel_size", "(height, width) pair", "(3, 3, 3)")),
    ("conv_output_size-n-0", lambda: d2l.conv_output_size(0, 3),
     ValueError, facts("conv_output_size", "n", "at least 1", "0")),
    ("conv_output_size-s-0", lambda: d2l.conv_output_size(8, 3, s=0),
     ValueError, facts("conv_output_size", "s", "at least 1", "0")),
    ("conv_output_size-d-0", lambda: d2l.conv_output_size(8, 3, d=0),
     ValueError, facts("conv_output_size", "d", "at least 1", "0")),
    ("conv_output_size-k-bool", lambda: d2l.conv_output_size(8, True),
     TypeError, facts("conv_output_size", "k", "int", "True (bool)")),
    # pooling windows with a bad size, stride, padding or mode
    ("pool2d-pool_size-0", lambda: d2l.pool2d(X34, (0, 2)),
     ValueError, facts("pool2d", "pool_size", "at least 1", "0")),
    ("pool2d-pool_size-float", lambda: d2l.pool2d(X34, 1.5),
     TypeError, facts("pool2d", "pool_size", "int", "1.5")),
    ("pool2d-pool_size-triple", lambda: d2l.pool2d(X34, (2, 2, 2)),
     TypeError, facts("pool2d", "pool_size", "(height, width) pair", "(2, 2, 2)")),
    ("pool2d-stride-0", lambda: d2l.pool2d(X34, 2, stride=0),
     ValueError, facts("pool2d", "stride", "at least 1", "0")),
    ("pool2d-nonsquare-stride-pair-0", lambda: d2l.pool2d(t(4, 4), (2, 3), stride=(1, 0)),
     ValueError, facts("pool2d", "stride", "at least 1", "0")),
    ("pool2d-stride-bool", lambda: d2l.pool2d(X34, 2, stride=True),
     TypeError, facts("pool2d", "stride", "int", "True (bool)")),
    ("pool2d-nonsquare-stride-float", lambda: d2l.pool2d(t(4, 4), (2, 3), stride=(1, 1.5)),
     TypeError, facts("pool2d", "stride", "int", "1.5")),
    ("pool2d-padding-negative", lambda: d2l.pool2d(X34, 2, padding=-1),
     ValueError, facts("pool2d", "padding", "at least 0", "-1")),
    ("pool2d-padding-over-half", lambda: d2l.pool2d(X34, 2, padding=2),
     ValueError, facts("pool2d", "padding 2", "half", "2x2 window", "padding", "pool_size")),
    ("pool2d-nonsquare-padding-over-half", lambda: d2l.pool2d(t(4, 4), (2, 3), padding=(1, 2)),
     ValueError, facts("pool2d", "padding (1, 2)", "half", "2x3 window", "padding", "pool_size")),
    ("pool2d-mode", lambda: d2l.pool2d(t(4, 4), 2, mode="min"),
     ValueError, facts("pool2d", "mode", "'max'", "'avg'", "'min'")),
    # channel mismatches between X and K
    ("corr2d_multi_in-channels", lambda: d2l.corr2d_multi_in(t(2, 4, 4), t(3, 2, 2)),
     ValueError, facts("corr2d_multi_in", "X", "2 input channels", "K", "3", "K.shape[0]")),
    ("corr2d_multi_in_out-channels", lambda: d2l.corr2d_multi_in_out(t(3, 4, 4), t(2, 2, 2, 2)),
     ValueError, facts("corr2d_multi_in_out", "X", "3 input channels", "K", "2", "K.shape[1]")),
    ("corr2d_multi_in_out_1x1-channels",
     lambda: d2l.corr2d_multi_in_out_1x1(t(3, 4, 4), t(2, 2, 1, 1)),
     ValueError, facts("corr2d_multi_in_out_1x1", "X", "3 input channels", "K", "2")),
    ("corr2d_multi_in_out_1x1-not-1x1", lambda: d2l.corr2d_multi_in_out_1x1(t(2, 4, 4), t(2, 2, 3, 3)),
     ValueError, facts("corr2d_multi_in_out_1x1", "K", "1x1", "3x3", "corr2d_multi_in_out")),
    # layers given to the shape helpers
    ("comp_conv2d-not-a-layer", lambda: d2l.comp_conv2d("conv", t(8, 8)),
     TypeError, facts("comp_conv2d", "conv2d", "layer", "str")),
    ("comp_conv2d-two-channels", lambda: d2l.comp_conv2d(nn.Conv2d(1, 2, 3), t(8, 8)),
     ValueError, facts("comp_conv2d", "(1, 2, 6, 6)", "out_channels=1")),
    ("receptive_fields-not-a-sequence", lambda: d2l.receptive_fields(nn.Conv2d(1, 1, 3)),
     TypeError, facts("receptive_fields", "layers", "sequence", "Conv2d", "list")),
    ("receptive_fields-unsupported-layer", lambda: d2l.receptive_fields([nn.Linear(3, 3)]),
     TypeError, facts("receptive_fields", "layers[0]", "nn.Conv2d", "Linear")),
    ("receptive_fields-stride-0", lambda: d2l.receptive_fields([(3, 1), (3, 0)]),
     ValueError, facts("receptive_fields", "layers[1]", "stride", "at least 1", "0")),
    ("receptive_fields-axis-2", lambda: d2l.receptive_fields([(3, 1)], axis=2),
     ValueError, facts("receptive_fields", "axis", "0", "1", "2")),
    ("receptive_fields-too-deep-for-input", lambda: d2l.receptive_fields([(3, 1)] * 5, input_size=8),
     ValueError, facts("receptive_fields", "layers[3]", "3 pixels", "only 2", "input_size=8")),
]


# --------------------------------------------------- module (d2lmini.module, d2lmini.hyper)

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


class NoLr(d2l.Classifier):
    def __init__(self):
        super().__init__()
        self.net = nn.LazyLinear(10)


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


def summary(*layers, shape):
    return d2l.layer_summary(nn.Sequential(*layers), shape)


def classifier(method, Y_hat, Y):
    return lambda: getattr(d2l.Classifier(), method)(Y_hat, Y)


MODULE = [
    # layer_summary names the failing layer, its input shape, and PyTorch's reason
    ("layer_summary-linear-after-flatten",
     lambda: summary(nn.Conv2d(1, 6, 5), nn.Flatten(), nn.Linear(10, 10), shape=(1, 1, 28, 28)),
     ValueError, facts("layer_summary", "layer 2", "Linear(in_features=10", "(1, 3456)")),
    ("layer_summary-classifier-method",
     lambda: Net(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(3, 2))).layer_summary(
         (1, 1, 8, 8)),
     ValueError, facts("layer_summary", "layer 2", "Linear(in_features=3", "(1, 72)")),
    ("layer_summary-nested-sequential-names-inner-layer",
     lambda: summary(nn.Conv2d(1, 2, 3), nn.Sequential(nn.Conv2d(2, 4, 3), nn.Conv2d(3, 4, 1)),
                     shape=(1, 1, 8, 8)),
     ValueError, facts("layer_summary", "layer 1.1", "Conv2d(3, 4", "(1, 4, 4, 4)", "3 channels")),
    ("layer_summary-custom-layer-valueerror",
     lambda: summary(nn.Flatten(), RaisesValueError(), shape=(1, 1, 4, 4)),
     ValueError, facts("layer_summary", "layer 1", "RaisesValueError()", "(1, 16)", "ValueError",
                       "2-D")),
    ("layer_summary-custom-layer-indexerror",
     lambda: summary(nn.ReLU(), PicksChannel5(), shape=(1, 3, 4, 4)),
     ValueError, facts("layer_summary", "layer 1", "PicksChannel5()", "(1, 3, 4, 4)", "IndexError",
                       "index 5")),
    ("layer_summary-conv-gets-5d", lambda: summary(nn.Conv2d(1, 6, 5), shape=(1, 1, 28, 28, 3)),
     ValueError, facts("layer_summary", "layer 0", "Conv2d(1, 6", "(1, 1, 28, 28, 3)")),
    ("layer_summary-wrong-channels", lambda: summary(nn.Conv2d(1, 6, 5), shape=(1, 3, 28, 28)),
     ValueError, facts("layer_summary", "layer 0", "Conv2d(1, 6", "(1, 3, 28, 28)", "3 channels")),
    ("layer_summary-image-too-small",
     lambda: summary(nn.Conv2d(1, 6, 5), nn.MaxPool2d(2), nn.Conv2d(6, 6, 5), shape=(1, 1, 8, 8)),
     ValueError, facts("layer_summary", "layer 2", "Conv2d(6, 6", "(1, 6, 2, 2)", "Kernel size")),
    ("layer_summary-X_shape-int", lambda: summary(nn.ReLU(), shape=28),
     ValueError, facts("layer_summary", "X_shape", "28")),
    ("layer_summary-X_shape-empty", lambda: summary(nn.ReLU(), shape=()),
     ValueError, facts("layer_summary", "X_shape", "()")),
    ("layer_summary-X_shape-zero", lambda: summary(nn.ReLU(), shape=(1, 0, 28, 28)),
     ValueError, facts("layer_summary", "X_shape", "positive", "(1, 0, 28, 28)")),
    ("layer_summary-X_shape-float", lambda: summary(nn.ReLU(), shape=(1, 1, 28.0, 28)),
     ValueError, facts("layer_summary", "X_shape", "ints", "(1, 1, 28.0, 28)")),
    ("layer_summary-X_shape-bool", lambda: summary(nn.ReLU(), shape=(1, True, 2, 2)),
     ValueError, facts("layer_summary", "X_shape", "ints", "(1, True, 2, 2)")),
    ("layer_summary-net-not-sequential", lambda: d2l.layer_summary(nn.Linear(2, 2), (1, 2)),
     TypeError, facts("layer_summary", "net", "nn.Sequential", "Linear")),
    ("Classifier.layer_summary-no-net", lambda: d2l.Classifier().layer_summary((1, 1, 28, 28)),
     AttributeError, facts("Classifier.layer_summary", "self.net", "__init__")),
    # Classifier.loss and .accuracy check the labels
    ("loss-float-labels", classifier("loss", t(4, 10), torch.zeros(4)),
     TypeError, facts("Classifier.loss", "Y", "torch.float32", "Y.long()")),
    ("accuracy-float-labels", classifier("accuracy", t(4, 10), torch.zeros(4)),
     TypeError, facts("Classifier.accuracy", "Y", "torch.float32", "Y.long()")),
    ("loss-bool-labels", classifier("loss", t(4, 10), torch.zeros(4, dtype=torch.bool)),
     TypeError, facts("Classifier.loss", "Y", "torch.bool", "Y.long()")),
    ("loss-batch-mismatch", classifier("loss", t(4, 10), torch.zeros(3, dtype=torch.long)),
     ValueError, facts("Classifier.loss", "Y_hat", "(4, 10)", "4 predictions", "Y", "(3,)",
                       "3 labels")),
    ("accuracy-batch-mismatch", classifier("accuracy", t(4, 10), torch.zeros(3, dtype=torch.long)),
     ValueError, facts("Classifier.accuracy", "Y_hat", "(4, 10)", "Y", "(3,)")),
    ("accuracy-one-hot-labels", classifier("accuracy", t(4, 10), torch.zeros(4, 10, dtype=torch.long)),
     ValueError, facts("Classifier.accuracy", "Y", "(4, 10)", "40 labels")),
    ("loss-label-out-of-range", classifier("loss", t(4, 10), torch.tensor([0, 1, 10, -1])),
     ValueError, facts("Classifier.loss", "Y", "0..9", "[-1, 10]")),
    # -100 is cross_entropy's default ignore_index: it must not be skipped silently
    ("loss-label-minus-100", classifier("loss", t(2, 3, 10), torch.tensor([[0, -100, 2]] * 2)),
     ValueError, facts("Classifier.loss", "Y", "0..9", "[-100]")),
    ("loss-per-example-label-out-of-range",
     lambda: d2l.Classifier().loss(t(4, 10), torch.tensor([0, 12, 1, 2], dtype=torch.int32),
                                   averaged=False),
     ValueError, facts("Classifier.loss", "Y", "0..9", "[12]")),
    ("accuracy-0d-scores", classifier("accuracy", torch.tensor(1.0), torch.zeros(1, dtype=torch.long)),
     ValueError, facts("Classifier.accuracy", "Y_hat", "last dimension", "()")),
    ("loss-list-labels", classifier("loss", t(4, 10), [0, 1, 2, 3]),
     TypeError, facts("Classifier.loss", "Y", "torch.Tensor", "list")),
    # the rest of Module, add_to_class, init_cnn, save_hyperparameters
    ("Module-without-net", lambda: d2l.Module()(torch.zeros(1)),
     NotImplementedError, facts("Module", "self.net", "forward")),
    ("configure_optimizers-without-lr", lambda: NoLr().configure_optimizers(),
     AttributeError, facts("NoLr.configure_optimizers", "self.lr", "save_hyperparameters")),
    ("add_to_class-int", lambda: d2l.add_to_class(3),
     TypeError, facts("add_to_class", "Class", "3 (int)")),
    # An instance would get a plain function attribute that is never bound to self.
    ("add_to_class-instance", lambda: d2l.add_to_class(nn.ReLU()),
     TypeError, facts("add_to_class", "Class", "ReLU() (ReLU)", "pass the class")),
    ("add_to_class-decorates-int", lambda: d2l.add_to_class(nn.ReLU)(3),
     TypeError, facts("add_to_class(ReLU)", "function", "3")),
    ("init_cnn-str", lambda: d2l.init_cnn("conv"),
     TypeError, facts("init_cnn", "module", "nn.Module", "str", "net.apply(init_cnn)")),
    ("save_hyperparameters-ignore-str", IgnoreString,
     TypeError, facts("save_hyperparameters", "ignore", "'lr'", "ignore=['lr']")),
    ("save_hyperparameters-ignore-typo", IgnoreTypo,
     ValueError, facts("save_hyperparameters", "ignore", "['nett']", "__init__", "['lr', 'net']")),
    ("save_hyperparameters-outside-init", lambda: Elsewhere().configure(),
     TypeError, facts("save_hyperparameters", "Elsewhere.__init__", "helper")),
]


# --------------------------------------------------------------- stats (d2lmini.stats)

STATS = [
    ("num_params-lazy", lambda: d2l.num_params(nn.Sequential(nn.LazyLinear(3))),
     ValueError, facts("num_params", "lazy", "forward pass")),
    ("num_params-str", lambda: d2l.num_params("lenet"),
     TypeError, facts("num_params", "model", "nn.Module", "str")),
    ("count_macs-str", lambda: d2l.count_macs("lenet", (1, 1, 28, 28)),
     TypeError, facts("count_macs", "model", "nn.Module", "str")),
    ("count_macs-X_shape-int", lambda: d2l.count_macs(nn.Linear(3, 3), 28),
     ValueError, facts("count_macs", "X_shape", "28")),
    ("count_macs-X_shape-no-batch", lambda: d2l.count_macs(nn.Linear(3, 3), (3,)),
     ValueError, facts("count_macs", "X_shape", "batch size", "(3,)")),
    ("count_macs-wrong-input", lambda: d2l.count_macs(nn.Linear(3, 3), (1, 4)),
     ValueError, facts("count_macs", "(1, 4)", "RuntimeError", "layer_summary")),
]


# --------------------------------------------------------------- train (d2lmini.train)

class Tiny(d2l.Classifier):
    def __init__(self, lr=0.1, output=None):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))

    def forward(self, X):
        Y = self.net(X)
        return Y if self.output is None else Y * self.output


class NanInEval(Tiny):
    def forward(self, X):
        Y = super().forward(X)
        return Y if self.training else Y * NAN


class PerExample(Tiny):
    def training_step(self, batch):
        return self.loss(self(*batch[:-1]), batch[-1], averaged=False)


def batches(n=2, nan=False, float_labels=False):
    g = torch.Generator().manual_seed(0)
    out = [(torch.randn(4, 1, 2, 2, generator=g), torch.randint(0, 3, (4,), generator=g))
           for _ in range(n)]
    if nan:
        out[0][0][0, 0, 0, 0] = NAN
    return [(X, y.float()) for X, y in out] if float_labels else out


def fit(model, data, **kwargs):
    return lambda: quiet_trainer(**kwargs).fit(model, data)


TRAIN = [
    ("Trainer-max_epochs-0", lambda: quiet_trainer(max_epochs=0),
     ValueError, facts("Trainer", "max_epochs", "positive int", "0")),
    ("Trainer-max_epochs-negative", lambda: quiet_trainer(max_epochs=-3),
     ValueError, facts("Trainer", "max_epochs", "positive int", "-3")),
    ("Trainer-max_epochs-float", lambda: quiet_trainer(max_epochs=2.5),
     ValueError, facts("Trainer", "max_epochs", "positive int", "2.5")),
    ("Trainer-max_epochs-str", lambda: quiet_trainer(max_epochs="10"),
     ValueError, facts("Trainer", "max_epochs", "positive int", "'10'")),
    ("Trainer-clip-negative", lambda: quiet_trainer(gradient_clip_val=-1),
     ValueError, facts("Trainer", "gradient_clip_val", ">= 0", "-1")),
    ("Trainer-clip-str", lambda: quiet_trainer(gradient_clip_val="1"),
     ValueError, facts("Trainer", "gradient_clip_val", ">= 0", "'1'")),
    ("Trainer-clip-nan", lambda: quiet_trainer(gradient_clip_val=NAN),
     ValueError, facts("Trainer", "gradient_clip_val", ">= 0", "nan")),
    ("Trainer-device-name", lambda: quiet_trainer(device="gpu0"),
     ValueError, facts("Trainer", "device", "'cpu'", "'gpu0'")),
    ("Trainer-device-missing", lambda: quiet_trainer(device="cuda"),
     ValueError, facts("Trainer", "device='cuda'", "not available", "leave device out"),
     pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available")),
    ("fit-empty-data", fit(Tiny(), ListData([], [])),
     ValueError, facts("Trainer.fit", "training data", "empty", "0 batches", "batch_size")),
    ("fit-model-not-a-Module", fit(nn.Linear(4, 3), ListData(batches())),
     TypeError, facts("Trainer.fit", "model", "d2l Module", "Linear")),
    ("fit-data-a-list", fit(Tiny(), batches()),
     TypeError, facts("Trainer.fit", "data", "DataModule", "list")),
    ("fit-DataModule-without-loader", fit(Tiny(), d2l.DataModule()),
     NotImplementedError, facts("DataModule", "get_dataloader")),
    ("fit-forward-returns-nan", fit(Tiny(output=NAN), ListData(batches())),
     FloatingPointError, facts("Trainer.fit", "nan", "epoch 1", "before any update", "forward")),
    ("fit-nan-in-data", fit(Tiny(), ListData(batches(nan=True))),
     FloatingPointError, facts("Trainer.fit", "nan", "epoch 1", "before any update",
                               "torch.isfinite(X)")),
    ("fit-diverges", fit(Tiny(lr=1e38), ListData(batches(4)), max_epochs=5),
     FloatingPointError, facts("Trainer.fit", re.compile("nan|inf"), re.compile(r"after \d+ update"),
                               "lower the learning rate")),
    ("fit-nan-only-in-validation", fit(NanInEval(), ListData(batches(), batches(1))),
     FloatingPointError, facts("Trainer.fit", "val_loss", "nan", "epoch 1")),
    ("fit-training_step-not-scalar", fit(PerExample(), ListData(batches())),
     ValueError, facts("training_step", "single-number", "(4,)", "averaged=True")),
    ("fit-float-labels", fit(Tiny(), ListData(batches(float_labels=True))),
     TypeError, facts("Classifier.loss", "Y", "torch.float32", "Y.long()")),
    ("init_kaiming-not-a-module", lambda: d2l.init_kaiming("conv"),
     TypeError, facts("init_kaiming", "module", "nn.Module", "str")),
    ("History-missing-metric", lambda: d2l.History().val_acc,
     AttributeError, facts("History", "'val_acc'")),
]


# --------------------------------------------------------------- results (d2lmini.results)

def recording(call, **env):
    """call, run with $D2LMINI_RECORD_DIR an empty directory that must stay empty."""
    def run():
        with tempfile.TemporaryDirectory() as directory:
            try:
                return with_env(call, D2LMINI_RECORD_DIR=directory, **env)()
            finally:
                assert os.listdir(directory) == [], "record_run wrote a file"
    return run


def record_fitted_run():
    model, trainer = Tiny(), quiet_trainer()
    trainer.fit(model, ListData(batches()))
    return d2l.record_run("7.6", "Tiny", model, trainer, ListData(batches()))


UNFITTED = facts("record_run", "trainer", "trainer.fit(model, data)", "<d2lmini.train.Trainer object")

RESULTS = [
    # Refused whether or not recording is on, so the mistake shows everywhere.
    ("record_run-unfitted-trainer-not-recording",
     with_env(lambda: d2l.record_run("7.6", "LeNet", Tiny(), quiet_trainer(), ListData([])),
              D2LMINI_RECORD_DIR=None),
     ValueError, UNFITTED),
    ("record_run-unfitted-trainer-recording",
     recording(lambda: d2l.record_run("7.6", "LeNet", Tiny(), quiet_trainer(), ListData([]))),
     ValueError, UNFITTED),
    ("record_run-no-trainer", recording(lambda: d2l.record_run("7.6", "LeNet", Tiny(), None, None)),
     ValueError, facts("record_run", "trainer", "trainer.fit(model, data)", "None")),
    # A capped run is no result.
    ("record_run-capped", recording(record_fitted_run, D2LMINI_CAP="1x8"),
     ValueError, facts("record_run", "$D2LMINI_CAP", "unset D2LMINI_CAP")),
    ("recorded_run-unknown-name", lambda: d2l.recorded_run("nin"),
     ValueError, facts("recorded_run", "name", "8-3-nin-full-d2l-init-h200", "'nin'")),
]


# --------------------------------------------------------------- data (d2lmini.data, .datafiles)

def before_loading(**kwargs):
    """FashionMNIST(**kwargs), failing the test if it looks for files first."""
    def no_disk(*args, **kw):
        raise AssertionError("the arguments should be refused before looking for files")

    def run():
        with mock.patch.object(data_module, "fashion_mnist_dir", no_disk):
            return d2l.FashionMNIST(**kwargs)
    return run


def tiny_fashion_mnist(**kwargs):
    """FashionMNIST(**kwargs) of 5 training and 3 validation images, SHA256 patched to match."""
    files = fake_files(n_train=5, n_val=3)
    digests = {name: sha256(raw) for name, raw in files.items()}
    with tempfile.TemporaryDirectory() as root, mock.patch.object(datafiles, "SHA256", digests), \
            mock.patch.object(datafiles, "URLS", ()):
        return d2l.FashionMNIST(root=write_files(Path(root), files), **kwargs)


DATA = [
    ("FashionMNIST-resize-0", before_loading(resize=0),
     ValueError, facts("resize", "positive", "0")),
    ("FashionMNIST-resize-negative", before_loading(resize=-3),
     ValueError, facts("resize", "positive", "-3")),
    ("FashionMNIST-resize-pair-negative", before_loading(resize=(28, -1)),
     ValueError, facts("resize", "positive", "(28, -1)")),
    ("FashionMNIST-resize-pair-0", before_loading(resize=(28, 0)),
     ValueError, facts("resize", "positive", "(28, 0)")),
    ("FashionMNIST-resize-float", before_loading(resize=2.5),
     TypeError, facts("resize", "(h, w) pair", "2.5")),
    ("FashionMNIST-resize-bool", before_loading(resize=True),
     TypeError, facts("resize", "(h, w) pair", "True")),
    ("FashionMNIST-resize-1-tuple", before_loading(resize=(28,)),
     TypeError, facts("resize", "(h, w) pair", "(28,)")),
    ("FashionMNIST-resize-pair-str", before_loading(resize=(28, "a")),
     TypeError, facts("resize", "(h, w) pair", "(28, 'a')")),
    ("FashionMNIST-resize-str", before_loading(resize="28"),
     TypeError, facts("resize", "(h, w) pair", "'28'")),
    ("FashionMNIST-batch_size-0", before_loading(batch_size=0),
     ValueError, facts("batch_size", "positive int", "0")),
    ("FashionMNIST-batch_size-1.0", before_loading(batch_size=1.0),
     TypeError, facts("batch_size", "positive int", "1.0")),
    ("FashionMNIST-batch_size-2.0", before_loading(batch_size=2.0),
     TypeError, facts("batch_size", "positive int", "2.0")),
    ("FashionMNIST-n_train-0", before_loading(n_train=0),
     ValueError, facts("n_train", "positive int", "0")),
    ("FashionMNIST-n_val-negative", before_loading(n_val=-1),
     ValueError, facts("n_val", "positive int", "-1")),
    ("FashionMNIST-seed-negative", before_loading(seed=-1),
     ValueError, facts("seed", "non-negative int", "-1")),
    ("FashionMNIST-seed-str", before_loading(seed="x"),
     ValueError, facts("seed", "non-negative int", "'x'")),
    ("FashionMNIST-n_train-more-than-there-are", lambda: tiny_fashion_mnist(n_train=6),
     ValueError, facts("n_train", "between 1 and 5", "examples available", "6")),
    ("FashionMNIST-n_val-more-than-there-are", lambda: tiny_fashion_mnist(n_val=10_000),
     ValueError, facts("n_val", "between 1 and 3", "10000")),
    ("text_labels-out-of-range", lambda: tiny_fashion_mnist().text_labels([3, 10, -1]),
     ValueError, facts("labels", "0..9", "[10, -1]")),
    ("TensorLoader-labels-mismatch",
     lambda: data_module.TensorLoader(torch.zeros(5, 28, 28, dtype=torch.uint8), torch.zeros(4), 2),
     ValueError, facts("labels", "(5,)", "images", "(4,)")),
]


# --------------------------------------------------------------- budget (d2lmini.budget, .settings)

def history_without_val_acc():
    history = d2l.History()
    history.append("seconds", 1.0)
    return history


def capped(call):
    return with_env(call, D2LMINI_CAP="1x8")


UNKNOWN_BUDGET = facts("D2LMINI_BUDGET", "'fast'", "quick, full")

BUDGET = [
    ("budget_name-unknown-budget", with_env(d2l.budget_name, D2LMINI_BUDGET="fast"),
     ValueError, UNKNOWN_BUDGET),
    ("pick-unknown-budget", with_env(lambda: d2l.pick(1, 2), D2LMINI_BUDGET="fast"),
     ValueError, UNKNOWN_BUDGET),
    ("describe_budget-unknown-budget", with_env(d2l.describe_budget, D2LMINI_BUDGET="fast"),
     ValueError, UNKNOWN_BUDGET),
    *((f"capped-malformed-cap-{text}", with_env(d2l.capped, D2LMINI_CAP=text),
       ValueError, facts("D2LMINI_CAP", f"'{text}'", "BATCHESxBATCH_SIZE"))
      for text in ["8", "0x8", "2x", "2*8", "x8"]),
    # Under the cap accuracies are not compared with the bars, but they must still be accuracies.
    *((f"check_accuracy-capped-not-an-accuracy-{name}",
       capped(lambda bad=bad: d2l.check_accuracy(bad, above=0.5)),
       AssertionError, facts("check_accuracy", repr(bad), "accuracy"))
      for name, bad in [("1.5", 1.5), ("nan", NAN), ("str", "0.9")]),
    ("check_accuracy-capped-history-without-val_acc",
     capped(lambda: d2l.check_accuracy(history_without_val_acc(), above=0.5)),
     AssertionError, facts("check_accuracy", "0 validation accuracies", "1 epochs")),
]


# --------------------------------------------------------------- widgets (d2lmini.widgets)

def widget(name, **kwargs):
    return lambda: getattr(widgets, name)(**kwargs)


WIDGETS = [
    ("KernelPlayground-image-1d", widget("KernelPlayground", image=torch.zeros(5)),
     ValueError, facts("KernelPlayground", "image", "2-D", "(5,)", "reshape")),
    ("KernelPlayground-image-too-big", widget("KernelPlayground", image=torch.rand(500, 500)),
     ValueError, facts("KernelPlayground", "image", "500×500", "128×128", "downsample")),
    ("KernelPlayground-kernel-name", widget("KernelPlayground", kernel="nope"),
     ValueError, facts("KernelPlayground", "kernel", "'vertical_edge'", "'nope'")),
    ("KernelPlayground-kernel-3d", widget("KernelPlayground", kernel=torch.zeros(2, 2, 2)),
     ValueError, facts("KernelPlayground", "kernel", "2-D", "(2, 2, 2)")),
    ("KernelPlayground-kernel-too-big",
     widget("KernelPlayground", image=torch.rand(4, 4), kernel=torch.zeros(6, 6)),
     ValueError, facts("KernelPlayground", "kernel 6×6", "4×4 image")),
    ("PaddingStrideExplorer-stride-0", widget("PaddingStrideExplorer", stride=0),
     ValueError, facts("PaddingStrideExplorer", "stride", "at least 1", "0")),
    ("PaddingStrideExplorer-padding-negative", widget("PaddingStrideExplorer", padding=-1),
     ValueError, facts("PaddingStrideExplorer", "padding", "at least 0", "-1")),
    ("PoolingExplorer-stride-0", widget("PoolingExplorer", stride=0),
     ValueError, facts("PoolingExplorer", "stride", "at least 1", "0")),
    ("ChannelsView-channels", widget("ChannelsView", X=torch.rand(2, 4, 4), K=torch.rand(3, 2, 2)),
     ValueError, facts("ChannelsView", "X", "2 input channels", "K", "3")),
    ("FeatureMapBrowser-model-str", widget("FeatureMapBrowser", model="lenet",
                                           images=torch.rand(2, 28, 28)),
     TypeError, facts("FeatureMapBrowser", "model", "nn.Module", "str")),
    ("ReceptiveFieldView-unsupported-layer", widget("ReceptiveFieldView", layers=[nn.Linear(3, 3)]),
     TypeError, facts("ReceptiveFieldView", "layers[0]", "nn.Conv2d", "Linear")),
]


# --------------------------------------------------------------- one test for every table

TABLES = {"ops": OPS, "module": MODULE, "stats": STATS, "train": TRAIN, "results": RESULTS,
          "data": DATA, "budget": BUDGET, "widgets": WIDGETS}
CASES = [pytest.param(call, error, match, id=f"{module}-{name}", marks=marks)
         for module, table in TABLES.items() for name, call, error, match, *marks in table]
assert len({case.id for case in CASES}) == len(CASES), "two cases share an id"


@pytest.mark.parametrize("call, error, match", CASES)
def test_bad_input_raises_with_its_key_facts(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --------------------------------------------------------------- odd inputs that must work

def test_classifier_loss_accepts_any_integer_labels():
    Y_hat = torch.randn(4, 3)
    expected = nn.functional.cross_entropy(Y_hat, torch.tensor([0, 1, 2, 1]))
    for dtype in (torch.int32, torch.uint8, torch.int64):
        Y = torch.tensor([0, 1, 2, 1], dtype=dtype)
        assert torch.allclose(d2l.Classifier().loss(Y_hat, Y), expected)


def test_init_cnn_leaves_other_modules_alone():
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


def test_count_macs_and_num_params_on_lazy_and_parameterless_models():
    # A lazy model is counted correctly (its first forward pass sets its shapes),
    # and a model without parameters costs nothing instead of crashing.
    lazy = nn.Sequential(nn.LazyLinear(3))
    assert d2l.count_macs(lazy, (2, 4)) == 4 * 3
    assert d2l.num_params(lazy) == 4 * 3 + 3
    assert d2l.count_macs(nn.Sequential(nn.ReLU()), (1, 4)) == 0
