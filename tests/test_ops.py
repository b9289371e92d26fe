"""Tests for d2lmini.ops: the book's examples, then PyTorch as the reference.

Like micrograd's tests, each hand-written op is run next to the PyTorch
function it explains (F.conv2d, F.max_pool2d, ...) on random inputs, and
the two must agree in value and in gradient. The ops' errors are in
test_bad_inputs.py (OPS).
"""
import pytest
import torch
from hypothesis import assume, given, settings, strategies as st
from torch import nn
from torch.nn import functional as F

from d2lmini import ops
from d2lmini.widgets import PaddingStrideExplorer
from doubles import facts

PROPERTY = settings(max_examples=60, deadline=None)
seeds = st.integers(0, 2**31 - 1)


def randn(seed, *shape):
    """A reproducible float64 tensor (float64 so comparisons can be tight)."""
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def t(rows):
    return torch.tensor(rows, dtype=torch.float32)


# ------------------------------------------------------ the book's examples

X3 = t([[0, 1, 2], [3, 4, 5], [6, 7, 8]])


@pytest.mark.parametrize("corr", [ops.corr2d, ops.corr2d_vectorized])
def test_corr2d_textbook_example(corr):
    assert torch.equal(corr(X3, t([[0, 1], [2, 3]])), t([[19, 25], [37, 43]]))


@pytest.mark.parametrize("corr", [ops.corr2d, ops.corr2d_vectorized])
def test_edge_detection_finds_vertical_edges_only(corr):
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    K = t([[1, -1]])
    expected = torch.zeros((6, 7))
    expected[:, 1], expected[:, 5] = 1, -1
    assert torch.equal(corr(X, K), expected)
    assert torch.equal(corr(X.t(), K), torch.zeros((8, 5)))


def test_conv2d_layer_built_on_corr2d_learns_the_edge_kernel():
    # d2l §7.2.2-7.2.4: a layer whose forward is corr2d, trained by hand.
    class Conv2D(nn.Module):
        def __init__(self, kernel_size):
            super().__init__()
            self.weight = nn.Parameter(torch.rand(kernel_size, generator=torch.Generator().manual_seed(0)))

        def forward(self, x):
            return ops.corr2d(x, self.weight)

    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    Y = ops.corr2d(X, t([[1, -1]]))
    layer = Conv2D((1, 2))
    for _ in range(30):
        loss = ((layer(X) - Y) ** 2).sum()
        layer.zero_grad()
        loss.backward()
        layer.weight.data -= 3e-2 * layer.weight.grad
    assert torch.allclose(layer.weight.data, t([[1, -1]]), atol=0.05)


XC = t([[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]])
KC = t([[[0, 1], [2, 3]], [[1, 2], [3, 4]]])


def test_corr2d_multi_in_textbook_example():
    assert torch.equal(ops.corr2d_multi_in(XC, KC), t([[56, 72], [104, 120]]))


def test_corr2d_multi_in_out_textbook_example():
    Y = ops.corr2d_multi_in_out(XC, torch.stack((KC, KC + 1, KC + 2), 0))
    assert Y.shape == (3, 2, 2)
    assert torch.equal(Y[0], t([[56, 72], [104, 120]]))


def test_1x1_as_matrix_product_equals_the_loop_version():
    X, K = randn(0, 3, 3, 3), randn(1, 2, 3, 1, 1)
    Y1 = ops.corr2d_multi_in_out_1x1(X, K)
    assert Y1.shape == (2, 3, 3)
    assert torch.allclose(Y1, ops.corr2d_multi_in_out(X, K))


def test_pool2d_textbook_example():
    assert torch.equal(ops.pool2d(X3, (2, 2)), t([[4, 5], [7, 8]]))
    assert torch.equal(ops.pool2d(X3, (2, 2), "avg"), t([[2, 3], [5, 6]]))


@pytest.mark.parametrize("args, kwargs, expected", [
    ((3,), {}, [[10]]),
    ((3,), {"padding": 1, "stride": 2}, [[5, 7], [13, 15]]),
    (((2, 3),), {"stride": (2, 3), "padding": (0, 1)}, [[5, 7], [13, 15]]),
])
def test_pool2d_agrees_with_maxpool2d_textbook_settings(args, kwargs, expected):
    X = torch.arange(16, dtype=torch.float32).reshape((1, 1, 4, 4))
    assert torch.equal(nn.MaxPool2d(*args, **kwargs)(X)[0, 0], t(expected))
    # nn.MaxPool2d's stride defaults to the window; pool2d's to 1, so pass it.
    kwargs = {"stride": args[0], **kwargs}
    assert torch.equal(ops.pool2d(X[0, 0], *args, **kwargs), t(expected))


def test_pool2d_default_stride_is_one_like_d2l():
    X = torch.arange(16, dtype=torch.float32).reshape(4, 4)
    assert ops.pool2d(X, 3).shape == (2, 2)
    assert torch.equal(ops.pool2d(X, 3), F.max_pool2d(X[None, None], 3, stride=1)[0, 0])


@pytest.mark.parametrize("kwargs, shape", [
    ({"kernel_size": 3, "padding": 1}, (8, 8)),
    ({"kernel_size": (5, 3), "padding": (2, 1)}, (8, 8)),
    ({"kernel_size": 3, "padding": 1, "stride": 2}, (4, 4)),
    ({"kernel_size": (3, 5), "padding": (0, 1), "stride": (3, 4)}, (2, 2)),
])
def test_comp_conv2d_textbook_shapes(kwargs, shape):
    torch.manual_seed(0)
    assert ops.comp_conv2d(nn.LazyConv2d(1, **kwargs), torch.rand(size=(8, 8))).shape == shape
    assert ops.conv_output_shape(8, **kwargs) == shape


def test_conv_output_size_takes_total_padding_as_d2l_writes_it():
    # p = 3 total: one row on one side and two on the other, as d2l allows.
    X = torch.ones((1, 1, 7, 7))
    padded = F.pad(X, (1, 2, 1, 2))
    assert F.conv2d(padded, torch.ones((1, 1, 3, 3)), stride=2).shape[-1] == \
        ops.conv_output_size(7, 3, p=3, s=2)


# ------------------------------------------- properties, PyTorch as reference

@st.composite
def image_and_kernel(draw, max_side=8):
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    return h, w, draw(st.integers(1, h)), draw(st.integers(1, w)), draw(seeds)


@pytest.mark.parametrize("corr", [ops.corr2d, ops.corr2d_vectorized])
@PROPERTY
@given(image_and_kernel())
def test_corr2d_matches_conv2d(corr, case):
    h, w, kh, kw, seed = case
    X, K = randn(seed, h, w), randn(seed + 1, kh, kw)
    assert torch.allclose(corr(X, K), F.conv2d(X[None, None], K[None, None])[0, 0])


@pytest.mark.parametrize("corr", [ops.corr2d, ops.corr2d_vectorized])
@PROPERTY
@given(image_and_kernel(max_side=6))
def test_corr2d_gradient_matches_conv2d(corr, case):
    h, w, kh, kw, seed = case
    X, K = randn(seed, h, w).requires_grad_(), randn(seed + 1, kh, kw).requires_grad_()
    upstream = randn(seed + 2, h - kh + 1, w - kw + 1)
    mine = torch.autograd.grad((corr(X, K) * upstream).sum(), (X, K))
    ref = torch.autograd.grad((F.conv2d(X[None, None], K[None, None])[0, 0] * upstream).sum(), (X, K))
    assert all(torch.allclose(a, b) for a, b in zip(mine, ref))


@PROPERTY
@given(image_and_kernel(max_side=6), st.integers(1, 3), st.integers(1, 3))
def test_multi_channel_ops_match_conv2d(case, c_i, c_o):
    h, w, kh, kw, seed = case
    X, K = randn(seed, c_i, h, w), randn(seed + 1, c_o, c_i, kh, kw)
    ref = F.conv2d(X[None], K)[0]
    assert torch.allclose(ops.corr2d_multi_in(X, K[0]), ref[0])
    assert torch.allclose(ops.corr2d_multi_in_out(X, K), ref)
    K1 = K[:, :, :1, :1]
    assert torch.allclose(ops.corr2d_multi_in_out_1x1(X, K1), F.conv2d(X[None], K1)[0])


@st.composite
def pool_case(draw):
    ph, pw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    pad = (draw(st.integers(0, ph // 2)), draw(st.integers(0, pw // 2)))
    h = draw(st.integers(max(1, ph - 2 * pad[0]), 8))
    w = draw(st.integers(max(1, pw - 2 * pad[1]), 8))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return randn(draw(seeds), h, w), (ph, pw), stride, pad


@pytest.mark.parametrize("mode, reference", [("max", F.max_pool2d), ("avg", F.avg_pool2d)])
@PROPERTY
@given(pool_case())
def test_pool2d_matches_pytorch_in_value_and_gradient(mode, reference, case):
    X, size, stride, pad = case
    X.requires_grad_()
    mine = ops.pool2d(X, size, mode, stride=stride, padding=pad)
    ref = reference(X[None, None], size, stride=stride, padding=pad)[0, 0]
    assert torch.allclose(mine, ref)
    # Random float64 inputs have no ties, so max picks the same pixel in both.
    upstream = torch.rand_like(ref)
    grads = [torch.autograd.grad((Y * upstream).sum(), X)[0] for Y in (mine, ref)]
    assert torch.allclose(*grads)


@st.composite
def layer_settings(draw, pool=False):
    k = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    most = (k[0] // 2, k[1] // 2) if pool else (3, 3)  # PyTorch's pooling rule
    return dict(input_size=(draw(st.integers(1, 16)), draw(st.integers(1, 16))),
                kernel_size=k,
                padding=(draw(st.integers(0, most[0])), draw(st.integers(0, most[1]))),
                stride=(draw(st.integers(1, 4)), draw(st.integers(1, 4))),
                dilation=(draw(st.integers(1, 3)), draw(st.integers(1, 3))))


def check_shape_against(make_layer, widget_layer, s):
    """ops.conv_output_shape, and PaddingStrideExplorer, which shows it, against PyTorch.

    The widget must give the same output shape (or the same refusal) and build
    the layer with these settings (``widget_layer`` names its method).
    """
    X = torch.zeros((1, 1) + s["input_size"])
    widget = PaddingStrideExplorer(**s)
    layer_args = {key: value for key, value in s.items() if key != "input_size"}
    try:
        expected = tuple(make_layer(**layer_args)(X).shape[2:])
    except RuntimeError:  # PyTorch: the output would be empty
        for shape in (lambda: ops.conv_output_shape(**s), lambda: widget.output_shape):
            with pytest.raises(ValueError, match=facts("conv_output_shape", "kernel", "larger",
                                                       "input")):
                shape()
        assert "no output" in repr(widget)
        return
    assert ops.conv_output_shape(**s) == widget.output_shape == expected
    assert tuple(getattr(widget, widget_layer)()(X).shape[2:]) == expected


@PROPERTY
@given(layer_settings())
def test_conv_output_shape_matches_conv2d(s):
    check_shape_against(lambda **kw: nn.Conv2d(1, 1, bias=False, **kw), "conv2d", s)


@PROPERTY
@given(layer_settings(pool=True))
def test_conv_output_shape_matches_maxpool2d(s):
    check_shape_against(nn.MaxPool2d, "max_pool2d", s)


# -------------------------------------------------------- receptive fields

def test_receptive_field_textbook_values():
    # Two 3x3 convs see 5x5; a stride-2 layer below doubles the next growth.
    assert ops.receptive_fields([(3, 1), (3, 1)])[-1] == (5, 1, 0)
    assert ops.receptive_fields([(3, 2), (3, 1)]) == [(3, 2, 0), (7, 2, 0)]
    assert ops.receptive_fields([(3, 1, 1), (2, 2), (3, 1, 1)]) == [(3, 1, -1), (4, 2, -1), (8, 2, -3)]


def test_modules_give_the_same_fields_as_tuples():
    net = nn.Sequential(nn.Conv2d(1, 1, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                        nn.LazyConv2d(1, 3, padding=1), nn.LazyBatchNorm2d(), nn.AvgPool2d(2, stride=1))
    fields = ops.receptive_fields(net, input_size=28)
    # ReLU and batch norm work pixel by pixel: the field passes through.
    assert fields[1] == fields[0] and fields[4] == fields[3]
    assert [fields[i] for i in (0, 2, 3, 5)] == \
        ops.receptive_fields([(5, 1, 2), (2, 2), (3, 1, 1), (2, 1)])


def test_axis_reads_height_or_width():
    layers = [nn.Conv2d(1, 1, (3, 5), stride=(1, 2), padding=(0, 2), dilation=(2, 1))]
    assert ops.receptive_fields(layers, axis=0) == [(5, 1, 0)]
    assert ops.receptive_fields(layers, axis=1) == [(5, 2, -2)]


def gradient_support(net, size, unit, seed=None):
    """The (row, column) input pixels that output ``unit`` depends on.

    Weights are ones and the input is positive, so every path carries a
    positive gradient and nothing cancels: a pixel's gradient is nonzero
    exactly when the unit can see it.
    """
    for module in net.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.ones_(module.weight)
    X = torch.ones((1, 1) + size, dtype=torch.float64) if seed is None else \
        randn(seed, 1, 1, *size).abs() + 0.1
    X.requires_grad_()
    net(X)[(0, 0) + unit].backward()
    return set(map(tuple, (X.grad[0, 0] != 0).nonzero().tolist()))


def predicted_window(layers, index, axis):
    """First and last input index (inclusive, unclipped) seen by output unit `index`."""
    fields = ops.receptive_fields(layers, axis=axis)
    field = fields[-1] if fields else ops.ReceptiveField(1, 1, 0)
    first = field.offset + index * field.jump
    return first, first + field.size - 1


def clipped_window(layers, unit, size):
    """The pixels of the predicted window that lie inside the input."""
    (r0, r1), (c0, c1) = (predicted_window(layers, unit[a], a) for a in (0, 1))
    return {(r, c) for r in range(max(r0, 0), min(r1, size[0] - 1) + 1)
            for c in range(max(c0, 0), min(c1, size[1] - 1) + 1)}


def conv(k, s=1, p=0, d=1):
    return nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False, dtype=torch.float64)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("layers, size", [
    ([conv(3), conv(3)], (9, 9)),
    ([conv(3, p=1), nn.AvgPool2d(2), conv(3, p=1)], (8, 8)),
    ([conv((3, 5), s=(1, 2), p=(1, 2)), nn.AvgPool2d(3, stride=2, padding=1), conv(3, p=2)], (11, 9)),
    ([conv(4, p="same"), conv(2, p="same"), nn.AvgPool2d((2, 3), stride=(2, 3))], (8, 9)),
    # Padding wider than the kernel: border units see only padding, and
    # their windows say so by lying wholly outside the input.
    ([conv(5, s=3, p=4), conv(1, p=1), nn.AvgPool2d(2, stride=1, padding=1)], (9, 6)),
])
def test_window_is_exactly_what_gradients_reach(layers, size):
    # Sizes are chosen so no layer drops trailing pixels (see random_stack);
    # then the clipped window is exactly the set of pixels a unit depends on.
    net = nn.Sequential(*layers)
    out = net(torch.zeros((1, 1) + size, dtype=torch.float64)).shape[2:]
    for i in range(out[0]):
        for j in range(out[1]):
            assert gradient_support(net, size, (i, j)) == clipped_window(layers, (i, j), size)


@st.composite
def random_stack(draw):
    """Random conv/pool layers, an input size, and whether the window is exact.

    Max pooling, dilation's holes and strides longer than the kernel make a
    unit see only part of its window. So does padding that stands in for
    units that would have seen input pixels: padding as wide as the kernel
    (a unit then sees only padding), or padding after a layer that dropped
    trailing pixels. Without any of these, the clipped window is exact.
    """
    size = (draw(st.integers(4, 16)), draw(st.integers(4, 16)))
    # Half the stacks avoid max pooling and holes, so exact cases are common.
    plain = draw(st.booleans())
    n, layers, exact = list(size), [], True
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["conv", "avg"] if plain else ["conv", "avg", "max"]))
        k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
        s = tuple(draw(st.integers(1, ki if plain else 3)) for ki in k)
        most = (k[0] // 2, k[1] // 2) if kind != "conv" else (3, 3)  # PyTorch's pooling rule
        p = (draw(st.integers(0, most[0])), draw(st.integers(0, most[1])))
        # Only convs get dilation: a dilated max pool whose window falls wholly
        # in padding gives out-of-range indices, and its backward corrupts memory.
        d = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if kind == "conv" and not plain else (1, 1)
        if kind == "conv":
            layers.append(conv(k, s, p, d))
        elif kind == "avg":
            layers.append(nn.AvgPool2d(k, stride=s, padding=p))
        else:
            layers.append(nn.MaxPool2d(k, stride=s, padding=p))
        exact = exact and kind != "max"
        for a in (0, 1):
            span = d[a] * (k[a] - 1) + 1
            assume(span <= n[a] + 2 * p[a])  # the input is too small for this stack
            exact = (exact and d[a] == 1 and s[a] <= k[a] and p[a] < k[a]
                     and (n[a] + 2 * p[a] - span) % s[a] == 0)
            n[a] = (n[a] + 2 * p[a] - span) // s[a] + 1
    return layers, size, n, exact


@PROPERTY
@given(random_stack(), st.data())
def test_gradients_never_reach_outside_the_window(stack, data):
    layers, (h, w), out, exact = stack
    i, j = data.draw(st.integers(0, out[0] - 1)), data.draw(st.integers(0, out[1] - 1))
    seen = gradient_support(nn.Sequential(*layers), (h, w), (i, j), seed=data.draw(seeds))
    window = clipped_window(layers, (i, j), (h, w))
    assert seen <= window
    if exact:
        assert seen == window
