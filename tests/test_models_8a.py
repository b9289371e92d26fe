"""AlexNet, VGG and NiN (d2l §8.1-8.3): shapes, sizes and initialization.

The expected shapes are the ones d2l prints for ``layer_summary`` at
224x224; the expected parameter counts are computed here from the layer
sizes, independently of the models' code.
"""
import contextlib
import io

import pytest
import torch
from torch import nn

import d2lmini as d2l
from d2lmini.models.alexnet import AlexNet
from d2lmini.models.nin import NiN, nin_block
from d2lmini.models.vgg import VGG, VGG11_ARCH, vgg_block
from doubles import facts

# What d2l 1.0.3 prints for Model().layer_summary((1, 1, 224, 224)), one line per layer
# ("Conv2d output shape:\t torch.Size([1, 96, 54, 54])"), as (layer, output shape).
# AlexNet and VGG end in the same dense block.
DENSE_HEAD = [("Linear", (1, 4096)), ("ReLU", (1, 4096)), ("Dropout", (1, 4096))] * 2 + [
    ("Linear", (1, 10))]
D2L_SUMMARIES_224 = [
    pytest.param(AlexNet, [
        ("Conv2d", (1, 96, 54, 54)), ("ReLU", (1, 96, 54, 54)), ("MaxPool2d", (1, 96, 26, 26)),
        ("Conv2d", (1, 256, 26, 26)), ("ReLU", (1, 256, 26, 26)), ("MaxPool2d", (1, 256, 12, 12)),
        ("Conv2d", (1, 384, 12, 12)), ("ReLU", (1, 384, 12, 12)),
        ("Conv2d", (1, 384, 12, 12)), ("ReLU", (1, 384, 12, 12)),
        ("Conv2d", (1, 256, 12, 12)), ("ReLU", (1, 256, 12, 12)), ("MaxPool2d", (1, 256, 5, 5)),
        ("Flatten", (1, 6400))] + DENSE_HEAD, id="AlexNet"),
    pytest.param(lambda: VGG(arch=VGG11_ARCH), [
        ("Sequential", (1, 64, 112, 112)), ("Sequential", (1, 128, 56, 56)),
        ("Sequential", (1, 256, 28, 28)), ("Sequential", (1, 512, 14, 14)),
        ("Sequential", (1, 512, 7, 7)), ("Flatten", (1, 25088))] + DENSE_HEAD, id="VGG-11"),
    pytest.param(NiN, [
        ("Sequential", (1, 96, 54, 54)), ("MaxPool2d", (1, 96, 26, 26)),
        ("Sequential", (1, 256, 26, 26)), ("MaxPool2d", (1, 256, 12, 12)),
        ("Sequential", (1, 384, 12, 12)), ("MaxPool2d", (1, 384, 5, 5)),
        ("Dropout", (1, 384, 5, 5)), ("Sequential", (1, 10, 5, 5)),
        ("AdaptiveAvgPool2d", (1, 10, 1, 1)), ("Flatten", (1, 10))], id="NiN"),
]


def conv(c_in, c_out, k):
    return c_out * (c_in * k * k + 1)


def dense(n_in, n_out):
    return n_out * (n_in + 1)


def summary_lines(model, shape):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        model.layer_summary(shape)
    return out.getvalue().splitlines()


def expected_lines(table):
    return [f"{name} output shape:\t {torch.Size(shape)}" for name, shape in table]


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


@pytest.mark.parametrize("make, d2l_table", D2L_SUMMARIES_224)
def test_layer_summary_matches_d2l_at_224(make, d2l_table):
    assert summary_lines(make(), (1, 1, 224, 224)) == expected_lines(d2l_table)


def test_alexnet_parameter_count():
    model = AlexNet()
    model(torch.zeros(1, 1, 224, 224))  # its lazy layers get their shapes
    expected = (conv(1, 96, 11) + conv(96, 256, 5) + conv(256, 384, 3) + conv(384, 384, 3)
                + conv(384, 256, 3) + dense(6400, 4096) + dense(4096, 4096) + dense(4096, 10))
    assert d2l.num_params(model) == expected == 46_764_746


@pytest.mark.parametrize("make, X_shape, count", [
    (AlexNet, (1, 1, 67, 67), 8),   # the smallest input AlexNet takes: cheap
    (lambda: VGG(arch=((1, 16), (1, 32))), (2, 1, 32, 32), 5),
], ids=["AlexNet", "VGG"])
def test_lazy_layers_get_xavier_init(make, X_shape, count):
    # d2l's init_cnn skips lazy layers; d2lmini's initializes them on first use.
    model = make()
    model(torch.zeros(X_shape))
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(layers) == count
    for layer in layers:
        w = layer.weight
        fan_in, fan_out = w[0].numel(), w.shape[0] * w[0, 0].numel()
        xavier = (2 / (fan_in + fan_out)) ** 0.5
        default = (1 / (3 * fan_in)) ** 0.5  # PyTorch's kaiming_uniform(a=sqrt(5))
        # The std of n uniform weights is off by about 0.45 / sqrt(n) of itself: allow 4 times
        # that, which tells Xavier's std from the default's in every layer here.
        tolerance = 4 * 0.45 / w.numel() ** 0.5
        assert abs(default / xavier - 1) > 2 * tolerance, layer
        assert abs(w.std().item() / xavier - 1) < tolerance, layer


def test_alexnet_rejects_too_small_inputs_with_a_clear_error():
    with pytest.raises(ValueError, match=facts("layer_summary", "layer 5", "MaxPool2d",
                                               "(1, 256, 2, 2)")):
        AlexNet().layer_summary((1, 1, 32, 32))


def test_vgg_block_shapes_and_layers():
    block = vgg_block(2, 16)
    assert block(torch.zeros(1, 3, 8, 8)).shape == (1, 16, 4, 4)
    assert [type(m).__name__ for m in block] == ["Conv2d", "ReLU", "Conv2d", "ReLU", "MaxPool2d"]
    assert all(m.kernel_size == (3, 3) and m.padding == (1, 1)
               for m in block if isinstance(m, nn.Conv2d))


def vgg_params(arch, size, num_classes=10):
    params, c = 0, 1
    for num_convs, out in arch:
        for _ in range(num_convs):
            params += conv(c, out, 3)
            c = out
        size //= 2
    return params + dense(c * size * size, 4096) + dense(4096, 4096) + dense(4096, num_classes)


@pytest.mark.parametrize("size", [32, 64])
def test_narrow_vgg11_parameter_count(size):
    arch = tuple((n, c // 4) for n, c in VGG11_ARCH)
    model = VGG(arch=arch)
    model(torch.zeros(1, 1, size, size))
    assert d2l.num_params(model) == vgg_params(arch, size)


def test_vgg11_parameter_count_at_224_by_formula():
    assert vgg_params(VGG11_ARCH, 224) == 128_806_154


def test_nin_block_is_conv_then_two_1x1():
    block = nin_block(8, kernel_size=3, strides=2, padding=1)
    assert block(torch.zeros(1, 3, 9, 9)).shape == (1, 8, 5, 5)
    convs = [m for m in block if isinstance(m, nn.Conv2d)]
    assert [c.kernel_size for c in convs] == [(3, 3), (1, 1), (1, 1)]


def test_nin_parameter_count_is_independent_of_input_size():
    expected = sum(conv(a, b, k) + conv(b, b, 1) * 2
                   for a, b, k in [(1, 96, 11), (96, 256, 5), (256, 384, 3), (384, 10, 3)])
    for size in (67, 96):
        model = NiN()
        model(torch.zeros(1, 1, size, size))
        assert d2l.num_params(model) == expected == 1_992_166


def test_macs_per_image_at_224():
    # Conv layers: output values x (in_channels * kh * kw); dense layers: in x out.
    alexnet = (54 * 54 * 96 * 121 + 26 * 26 * 256 * 96 * 25 + 12 * 12 * 384 * 256 * 9
               + 12 * 12 * 384 * 384 * 9 + 12 * 12 * 256 * 384 * 9
               + 6400 * 4096 + 4096 * 4096 + 4096 * 10)
    assert d2l.count_macs(AlexNet(), (1, 1, 224, 224)) == alexnet == 938_146_176
    nin = (54 * 54 * 96 * (121 + 96 * 2) + 26 * 26 * 256 * (96 * 25 + 256 * 2)
           + 12 * 12 * 384 * (256 * 9 + 384 * 2) + 5 * 5 * 10 * (384 * 9 + 10 * 2))
    assert d2l.count_macs(NiN(), (1, 1, 224, 224)) == nin == 762_297_352
