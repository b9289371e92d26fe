"""Tests for the §7.4-§7.6 widgets: ChannelsView, PoolingExplorer, FeatureMapBrowser,
ReceptiveFieldView.

Every number a widget saves for the page is checked against PyTorch
(F.conv2d, F.max_pool2d / F.avg_pool2d, a manual forward pass, gradients).
Where the page computes by itself (pooling, receptive-field windows), the
JavaScript functions are run in Node (when it is installed) on the same
inputs as the Python mirror. Then: bad arguments, state size, and that the
.js files never put data into innerHTML.
"""
import json
import pathlib
import re

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import d2lmini as d2l
from d2lmini.widgets.channels import ChannelsView
from d2lmini.models.lenet import LeNet
from d2lmini.widgets.feature_maps import FeatureMapBrowser
from d2lmini.widgets.pooling import PoolingExplorer, shift_invariance, stripe_image
from d2lmini.widgets.receptive_field import ReceptiveFieldView, lenet_stack
from doubles import assert_close, dims, facts
from widgetjs import FAKE_PAGE, NODE, needs_node, run_js

WIDGETS = pathlib.Path(d2l.__file__).parent / "widgets"
MAX_STATE = 2_000_000


def state_size(widget):
    return len(json.dumps(widget.get_state(), default=str))


def t64(x):
    return torch.tensor(x, dtype=torch.float64)


def randn(seed, *shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.fixture(scope="module")
def pooling_default():
    return PoolingExplorer()  # the real first Fashion-MNIST validation image


# ============================================================ ChannelsView

def test_channels_default_is_d2l_example():
    w = ChannelsView()
    X = t64(w.X)
    assert X.shape == (2, 3, 3) and w.stacked
    assert w.outputs()[0].tolist() == [[56, 72], [104, 120]]
    K = torch.tensor([[[0, 1], [2, 3]], [[1, 2], [3, 4]]], dtype=torch.float64)
    K3 = torch.stack((K, K + 1, K + 2))
    assert torch.equal(t64(w.K), K3)
    assert torch.equal(w.outputs(), F.conv2d(X[None], K3)[0])
    assert torch.equal(w.outputs(), d2l.corr2d_multi_in_out(X, K3))
    # the per-channel partial results add up to the output, channel by channel
    assert torch.equal(t64(w.partials).sum(1), w.outputs())
    assert re.search(facts("ChannelsView", "'multi_in'", "X", "2×3×3", "K", "3×2×2×2", "Y", "3×2×2"),
                     repr(w))


def test_channels_user_tensors_match_conv2d():
    X, K = randn(0, 3, 5, 6), randn(1, 4, 3, 2, 3)
    w = ChannelsView(X, K, mode="multi_out")
    assert not w.stacked and t64(w.K).shape == (4, 3, 2, 3)
    # X and K are kept to 3 decimals, and everything shown is computed from those values
    assert_close(t64(w.X), X, atol=5e-4 + 1e-12)
    assert_close(t64(w.K), K, atol=5e-4 + 1e-12)
    X, K = t64(w.X), t64(w.K)
    assert_close(w.outputs(), F.conv2d(X[None], K)[0], atol=5e-4 + 1e-9, rtol=0)
    assert_close(w.outputs(), d2l.corr2d_multi_in_out(X, K), atol=5e-4 + 1e-9, rtol=0)
    for o in range(4):
        for c in range(3):
            expected = F.conv2d(X[None, c:c + 1], K[None, o, c:c + 1])[0, 0]
            assert_close(t64(w.partials[o][c]), expected, atol=5e-4 + 1e-9)
    # integer tensors and nested lists are accepted; a 3-D K is stacked as K, K+1, K+2
    w = ChannelsView(torch.arange(18).reshape(2, 3, 3), [[[1, 0], [0, 1]]] * 2)
    assert t64(w.K).shape == (3, 2, 2, 2) and w.stacked


def test_channels_1x1_is_a_matrix_product():
    w = ChannelsView(randn(2, 3, 4, 4), randn(4, 3, 2, 2), kernel_1x1=randn(3, 2, 3), mode="1x1")
    X, M = t64(w.X), t64(w.kernel_1x1)  # the values kept (3 decimals), which the page shows
    assert_close(M, randn(3, 2, 3), atol=5e-4 + 1e-12)
    expected = F.conv2d(X[None], M.reshape(2, 3, 1, 1))[0]
    assert_close(w.outputs_1x1(), expected, atol=5e-4 + 1e-9, rtol=0)
    assert_close(w.outputs_1x1(), d2l.corr2d_multi_in_out_1x1(X, M.reshape(2, 3, 1, 1)),
                 atol=5e-4 + 1e-9, rtol=0)
    x, Mw, y = w.pointwise(1, 2)
    assert_close(Mw @ x, y, atol=5e-4 + 1e-9, rtol=0)
    assert_close(y, expected[:, 1, 2], atol=5e-4 + 1e-9, rtol=0)
    # the default 1x1 matrix: sum, difference, mean of the channels
    d = ChannelsView(mode="1x1")
    x, M, y = d.pointwise(1, 1)
    assert x.tolist() == [4, 5] and M.tolist() == [[1, 1], [1, -1], [0.5, 0.5]]
    assert y.tolist() == [9, -1, 4.5]


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(X=torch.ones(5)), ValueError, ["X", "3-D", "(5,)"]),
    (dict(X=torch.ones(3, 3)), ValueError, ["X", "3-D", "(3, 3)"]),
    (dict(X="abc"), TypeError, ["X", "torch.Tensor", "'abc'"]),
    (dict(X=[[[1, 2], [3]]]), TypeError, ["X", "equal-length rows", "[[[1, 2], [3]]]"]),
    (dict(X=torch.full((2, 3, 3), float("nan"))), ValueError, ["X", "NaN", "nan_to_num"]),
    (dict(X=torch.ones(3, 3, 3)), ValueError, ["X", "3 input channels", "K", "2", "equal"]),
    (dict(K=torch.ones(2, 3, 2, 2)), ValueError,
     ["X", "2 input channels", "K", "3", "K.shape[-3]", "equal"]),
    (dict(K=torch.ones(2, 4, 4)), ValueError, ["kernel", "4×4", "larger", "3×3", "X", "smaller"]),
    (dict(K=torch.ones(2, 2)), ValueError, ["K", "3-D or 4-D", "(2, 2)"]),
    (dict(X=torch.ones(9, 3, 3), K=torch.ones(9, 2, 2)), ValueError,
     ["X", "9 channels", "at most 8", "smaller example"]),
    (dict(X=torch.ones(1, 40, 40), K=torch.ones(1, 2, 2)), ValueError,
     ["X", "40 rows/columns", "at most 16", "smaller example"]),
    (dict(X=torch.ones(2, 3, 3, dtype=torch.complex64)), TypeError,
     ["X", "real numbers", "torch.complex64", "X.float()"]),
    (dict(mode="1×1"), ValueError, ["mode", "'1x1'", "'1×1'"]),
    (dict(out_channel=3), ValueError, ["out_channel", "at most 2", "3"]),
    (dict(out_channel=1.0), TypeError, ["out_channel", "int", "1.0"]),
    (dict(kernel_1x1=torch.ones(2, 3)), ValueError,
     ["X", "2 input channels", "kernel_1x1", "3", "equal"]),
    (dict(kernel_1x1=torch.ones(2, 2, 2, 2)), ValueError, ["kernel_1x1", "1×1", "(2, 2, 2, 2)", "K"]),
])
def test_channels_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=facts("ChannelsView", *words)):
        ChannelsView(**kwargs)


STEP = FAKE_PAGE + r"""
const { model, el } = page(payload.state);
const byId = (id) => [...el.walk()].find((n) => n.attributes["data-testid"] === id);
const seen = [];
for (const [id, times] of payload.clicks) {
  for (let t = 0; t < times; t++) byId(id).dispatchEvent(new Event("click"));
  seen.push(byId(payload.status).textContent);
}
return { sent: model.sent, seen };
"""


@needs_node
@pytest.mark.parametrize("mode", ["multi_in", "1x1"])
def test_channels_buttons_step_through_cells_as_a_click_would(mode):
    w = ChannelsView(mode=mode)
    state = json.loads(json.dumps(w.get_state(), default=str))
    out = run_js(w, STEP, {"state": state, "status": "channels-status",
                           "clicks": [["channels-next", 4], ["channels-prev", 1]]})
    name = "pixel" if mode == "1x1" else "cell"
    cols = 3 if mode == "1x1" else 2  # pixels of X (3×3) or cells of Y (2×2)
    cells = [[k // cols, k % cols] for k in (1, 2, 3, 4 % (cols * cols))]
    assert out["sent"] == [{name: c} for c in cells + [cells[2]]]
    for message in out["sent"]:
        w.set_state(message)
    assert getattr(w, name) == cells[2]
    if mode == "multi_in":  # d2l's example: Y[0, 1, 1] = 120
        assert out["seen"][-1].endswith("Y[0, 1, 1] = 120")


@needs_node
def test_pooling_buttons_show_each_output_window():
    w = PoolingExplorer(torch.arange(16.0).reshape(4, 4))
    state = json.loads(json.dumps(w.get_state(), default=str))
    out = run_js(w, STEP, {"state": state, "status": "pooling-status",
                           "clicks": [["pooling-next", 1], ["pooling-next", 1], ["pooling-prev", 2]]})
    assert out["sent"] == []  # what is shown, not state
    assert out["seen"][0].endswith("cell (0, 0) = 5, window rows 0..1, columns 0..1")
    assert out["seen"][1].endswith("cell (0, 1) = 7, window rows 0..1, columns 2..3")
    assert out["seen"][2].endswith("cell (1, 1) = 15, window rows 2..3, columns 2..3")
    assert w.pooled().tolist() == [[5, 7], [13, 15]]


def test_channels_traits_are_validated():
    w = ChannelsView()
    with pytest.raises(ValueError, match=facts("ChannelsView", "mode", "'nope'")):
        w.mode = "nope"
    with pytest.raises(ValueError, match=facts("ChannelsView", "out_channel", "at most 2", "7")):
        w.out_channel = 7


# ============================================================ PoolingExplorer

POOL_SETTINGS = [(k, s, p, mode) for k in (1, 2, 3, 4) for s in (1, 2, 3)
                 for p in range(k // 2 + 1) for mode in ("max", "avg")]


def torch_pool(X, k, s, p, mode):
    X = X[None, None]
    if mode == "max":
        return F.max_pool2d(X, k, s, p)[0, 0]
    return F.avg_pool2d(X, k, s, p, count_include_pad=True)[0, 0]


def test_pooling_default_image_is_fashion_mnist(pooling_default):
    w = pooling_default
    data = d2l.FashionMNIST(batch_size=1).val
    expected = data.data[0].double() / 255
    assert_close(t64(w.image), expected, atol=5e-4, rtol=0)
    assert (w.pool_size, w.stride, w.padding, w.mode) == (2, 2, 0, "max")
    assert_close(t64(w.edges), d2l.corr2d(t64(w.image), t64([[1, -1]])), atol=1e-9, rtol=0)
    assert w.pooled().shape == (14, 14)
    assert_close(w.pooled(), torch_pool(t64(w.image), 2, 2, 0, "max"))
    assert re.search(facts("PoolingExplorer", "28×28", "'image'", "'max'", "pool_size=2", "stride=2",
                           "padding=0", "shift=1"), repr(w))


def test_pooling_mirror_matches_torch():
    w = PoolingExplorer(randn(5, 7, 9))
    for source in ("image", "edges"):
        X = t64(w.image if source == "image" else w.edges)
        for k, s, p, mode in POOL_SETTINGS:
            assert_close(w.pooled(source, mode, k, s, p), torch_pool(X, k, s, p, mode),
                                       msg=f"{source} {k} {s} {p} {mode}")


@needs_node
def test_pooling_javascript_matches_torch():
    w = PoolingExplorer(randn(6, 7, 9))
    cases = [dict(source=src, k=k, s=s, p=p, mode=mode)
             for src in ("image", "edges") for k, s, p, mode in POOL_SETTINGS]
    payload = dict(image=w.image, cases=cases)
    out = run_js(w, """
        const edges = m.edgeGrid(payload.image);
        return {
          pooled: payload.cases.map((c) => m.poolGrid(
            c.source === 'image' ? payload.image : edges, c.k, c.s, c.p, c.mode)),
          edges,
          shifts: [-2, -1, 0, 1, 2].map((s) => m.shiftInvariance(s)),
          tooBig: m.poolGrid([[1, 2]], 4, 1, 1, 'max'),
        };""", payload)
    assert_close(t64(out["edges"]), t64(w.edges), atol=1e-9, rtol=0)
    for case, got in zip(cases, out["pooled"]):
        X = t64(w.image if case["source"] == "image" else w.edges)
        assert_close(t64(got), torch_pool(X, case["k"], case["s"], case["p"], case["mode"]),
                                   msg=str(case))
    for shift, got in zip(range(-2, 3), out["shifts"]):  # the page's §7.5 table
        expected = shift_invariance(shift)
        assert got.pop("changed") == expected.pop("changed")
        assert got.keys() == expected.keys()
        for key, grid in got.items():
            assert t64(grid).equal(expected[key]), (shift, key)
    assert out["tooBig"] is None


def test_pooling_traits_are_validated():
    w = PoolingExplorer(torch.rand(8, 8), pool_size=4, stride=1, padding=2)
    w.pool_size = 3  # a new window: stride and padding take their defaults, as in the constructor
    assert (w.stride, w.padding) == (3, 0)
    assert w.get_state() == PoolingExplorer(w.image, pool_size=3).get_state() | {
        "layout": w.get_state()["layout"]}
    assert_close(w.pooled(), torch_pool(t64(w.image), 3, 3, 0, "max"))
    with pytest.raises(ValueError, match=facts("PoolingExplorer", "mode", "'min'")):
        w.mode = "min"
    with pytest.raises(ValueError, match=facts("PoolingExplorer", "stride", "at least 1", "0")):
        w.stride = 0
    with pytest.raises(ValueError, match=facts("PoolingExplorer", "padding", "half",
                                               "pool_size // 2 = 1", "2")):
        w.set_state({"pool_size": 2, "padding": 2})
    assert (w.pool_size, w.padding) == (3, 0)  # a refused message changes nothing


def chapter_stripe(shift):
    """§7.5's stripe(shift), written as the chapter writes it."""
    X = torch.ones((6, 8), dtype=torch.float64)
    X[:, 2 + shift:6 + shift] = 0
    return X


@pytest.mark.parametrize("shift", [-2, -1, 0, 1, 2])
def test_shift_invariance_against_torch(shift):
    edge = lambda Z: F.conv2d(Z[None, None], t64([[[[1, -1]]]]))[0, 0].abs()  # noqa: E731
    X, Xs = chapter_stripe(0), chapter_stripe(shift)
    demo = shift_invariance(shift)
    assert demo["X"].equal(X) and demo["X_shifted"].equal(Xs) and stripe_image(shift).equal(Xs)
    assert demo["edges"].equal(edge(X)) and demo["edges_shifted"].equal(edge(Xs))
    counts = {"edges": int((edge(X) != edge(Xs)).sum())}
    for s in (1, 2):
        a, b = (F.max_pool2d(edge(Z)[None, None], 2, s)[0, 0] for Z in (X, Xs))
        assert demo[f"pooled_s{s}"].equal(a) and demo[f"pooled_s{s}_shifted"].equal(b)
        counts[f"s{s}"] = int((a != b).sum())
    assert demo["changed"] == counts


def test_pooling_counts_what_the_chapter_table_prints():
    """7.5's table, its widget (Python and, with Node, the page) give the same counts."""
    nb = json.loads((WIDGETS.parent.parent / "chapters/ch7/7_5_pooling.ipynb").read_text())
    cell = next(c for c in nb["cells"] if "shift_invariance" in "".join(c["source"]))
    printed = "".join("".join(o["text"]) for o in cell["outputs"] if "text" in o)
    table = {int(m[0]): tuple(map(int, m[1:])) for m in re.findall(
        r"shift ([+-]\d): edge map (\d+)/(\d+) changed, pooled stride 1: (\d+)/(\d+), "
        r"pooled stride 2: (\d+)/(\d+)", printed)}
    assert table == {-1: (24, 42, 15, 30, 0, 9), 1: (24, 42, 15, 30, 9, 9)}
    w = PoolingExplorer(torch.zeros(4, 4))
    for shift, row in table.items():
        w.shift = shift
        demo = w.shift_demo()
        assert demo["changed"] == shift_invariance(shift)["changed"]
        assert row == tuple(n for key in ("edges", "pooled_s1", "pooled_s2")
                            for n in (demo["changed"][key.replace("pooled_", "")],
                                      demo[key].numel()))
    if NODE is not None:
        assert run_js(w, "return [-1, 1].map((s) => m.shiftInvariance(s).changed);", {}) == [
            shift_invariance(s)["changed"] for s in (-1, 1)]


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(image=torch.ones(500, 500)), ValueError, ["image", "500×500", "64×64", "downsample"]),
    (dict(image=torch.ones(10)), ValueError, ["image", "2-D", "(10,)", "reshape"]),
    (dict(image=torch.ones(1, 1)), ValueError, ["image", "at least 2×2", "1×1"]),
    (dict(image="cat"), TypeError, ["image", "torch.Tensor", "'cat'"]),
    (dict(image=torch.full((4, 4), float("inf"))), ValueError, ["image", "inf", "nan_to_num"]),
    (dict(stride=0), ValueError, ["stride", "at least 1", "0"]),
    (dict(pool_size=0), ValueError, ["pool_size", "at least 1", "0"]),
    (dict(pool_size=2.5), TypeError, ["pool_size", "int", "2.5"]),
    (dict(padding=2), ValueError, ["padding", "half", "pool_size // 2 = 1", "2", "pool_size"]),
    (dict(mode="min"), ValueError, ["mode", "'max', 'avg'", "'min'"]),
    (dict(source="both"), ValueError, ["source", "'image', 'edges'", "'both'"]),
    (dict(shift=5), ValueError, ["shift", "at most 2", "5"]),
])
def test_pooling_bad_arguments(kwargs, error, words):
    kwargs.setdefault("image", torch.zeros(8, 8))
    with pytest.raises(error, match=facts("PoolingExplorer", *words)):
        PoolingExplorer(**kwargs)


def test_a_window_larger_than_the_image_is_a_setting_without_output():
    # The page shows it ("the window does not fit"), so Python keeps it too.
    w = PoolingExplorer(torch.ones(5, 5), pool_size=7)
    with pytest.raises(ValueError, match=facts("pool2d", "kernel", dims(7, 7), "larger", dims(5, 5),
                                               "input")):
        w.pooled()


# ============================================================ FeatureMapBrowser

def assert_maps_match(widget, layer, expected):
    """Every stored map of ``layer`` is within one quantization step of ``expected`` (n, c, h, w)."""
    entry = widget.layers[layer]
    assert entry["shape"] == list(expected.shape[1:])
    for image in range(expected.shape[0]):
        for channel in range(entry["channels"]):
            real = expected[image, channel].double()
            tol = (real.max() - real.min()).item() / 510 + 1e-5
            assert_close(widget.activation(layer, image, channel), real, atol=tol, rtol=0)


def test_feature_maps_sequential_model():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 20, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Dropout(0.5), nn.Flatten(), nn.Linear(20 * 6 * 6, 3))
    net.train()
    images = torch.rand(3, 1, 12, 12)
    labels = ["cat", "dog", "<b>bird</b>"]
    w = FeatureMapBrowser(net, images, labels, max_channels=4, targets=[0, 1, 2])
    assert net.training and all(m.training for m in net.modules())  # mode restored
    assert not any(p.grad is not None for p in net.parameters())
    assert w.layer_names() == ["0 Conv2d", "1 ReLU", "2 MaxPool2d", "3 Dropout", "4 Flatten",
                               "5 Linear"]
    net.eval()
    with torch.no_grad():
        outs, x = [], images
        for layer in net:
            x = layer(x)
            outs.append(x)
    for i in range(4):
        assert w.layers[i]["kind"] == "maps" and w.layers[i]["channels"] == 4
        assert_maps_match(w, i, outs[i])  # dropout is off: eval mode
    assert w.layers[4]["kind"] == "vector" and w.layers[4]["length"] == 256  # capped
    for image in range(3):
        assert_close(w.activation(5, image), outs[5][image].double(), atol=5e-4, rtol=0)
        assert_close(w.activation(4, image), outs[4][image, :256].double(), atol=5e-4, rtol=0)
    assert w.predictions == outs[5].argmax(1).tolist()
    assert w.predicted_label(2) == labels[w.predictions[2]]
    assert w.labels == labels and w.targets == [0, 1, 2]
    assert repr(w) == "FeatureMapBrowser(6 layers, 3 images 1×12×12)"


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)) + x)


class TinyResNet(nn.Module):
    """A forward that is not a Sequential: a reused ReLU and a residual block."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.relu = nn.ReLU()
        self.block = Block(4)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5))

    def forward(self, x):
        x = self.relu(self.stem(x))
        x = self.relu(self.block(x))
        return self.head(x)


def test_feature_maps_non_sequential_model():
    torch.manual_seed(1)
    net = TinyResNet()
    net.block.bn.train()
    images = torch.rand(2, 3, 10, 10)
    w = FeatureMapBrowser(net, images)
    assert net.block.bn.training and net.training
    assert w.layer_names() == ["stem Conv2d", "relu ReLU", "block Block", "relu ReLU (call 2)",
                               "head.0 AdaptiveAvgPool2d", "head.1 Flatten", "head.2 Linear"]
    net.eval()
    with torch.no_grad():
        a = net.stem(images)
        b = net.relu(a)
        c = net.block(b)
        d = net.relu(c)
        e = net.head[0](d)
        logits = net(images)
    for layer, expected in enumerate([a, b, c, d, e]):
        assert_maps_match(w, layer, expected)
    assert_close(w.activation("head.2 Linear", 1), logits[1].double(), atol=5e-4, rtol=0)
    assert w.predictions == logits.argmax(1).tolist() and w.labels == []
    assert w.predicted_label(0) == str(w.predictions[0])
    assert w.inputs["shape"] == [2, 3, 10, 10]
    # layers= keeps only some; (n, h, w) images get a channel axis
    w = FeatureMapBrowser(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Tanh()), torch.rand(2, 9, 9),
                          layers=["1 Tanh"])
    assert w.layer_names() == ["1 Tanh"] and w.inputs["shape"] == [2, 1, 9, 9]
    assert repr(w) == "FeatureMapBrowser(1 layer, 2 images 1×9×9)"
    assert w.predictions == []


def test_feature_maps_d2l_classifier_names_layers_like_sequential():
    torch.manual_seed(2)
    net = LeNet()  # lazy layers, all inside net.net
    images = torch.rand(2, 1, 28, 28)
    w = FeatureMapBrowser(net, images, max_channels=2)
    assert w.layer_names()[:3] == ["0 Conv2d", "1 Sigmoid", "2 AvgPool2d"]
    assert w.layer_names()[-1] == "11 Linear" and net.training
    net.eval()
    with torch.no_grad():
        assert_maps_match(w, 0, net.net[0](images))
        assert w.predictions == net(images).argmax(1).tolist()


def test_feature_maps_lenet_demo_and_state_size():
    state = torch.random.get_rng_state()
    w = FeatureMapBrowser.lenet_demo()
    assert torch.equal(state, torch.random.get_rng_state())  # the notebook's RNG is left alone
    assert w.layer_names()[0] == "0 Conv2d" and len(w.layers) == 12
    assert w.labels == list(d2l.FashionMNIST.LABELS) and len(w.targets) == 8
    assert w.inputs["shape"] == [8, 1, 28, 28]
    assert state_size(w) < MAX_STATE
    torch.manual_seed(0)  # the book's LeNet, initialised as before training (d2l §7.6)
    net = LeNet()
    net.apply_init([torch.zeros(1, 1, 28, 28)], d2l.init_cnn)
    images = d2l.FashionMNIST(batch_size=1).val.data[:8].float().unsqueeze(1) / 255
    with torch.no_grad():
        assert_maps_match(w, 3, net.net[:4](images))
        assert w.predictions == net(images).argmax(1).tolist()


def test_feature_maps_too_much_state():
    net = nn.Conv2d(3, 64, 1)
    with pytest.raises(ValueError, match=facts("FeatureMapBrowser", re.compile(r"[\d.]+ MB"), "2 MB",
                                               "max_channels", "64", "layers=")):
        FeatureMapBrowser(net, torch.rand(8, 3, 64, 64), max_channels=64)


class TinyNiN(nn.Module):
    """NiN's head in small: a last block with one map per class, global average pooling."""

    def __init__(self, classes=3):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Sequential(nn.Conv2d(4, classes, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(classes, classes, 1), nn.ReLU()),
            nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())

    def forward(self, x):
        return self.net(x)


CLASS_MAPS = FAKE_PAGE + r"""
const { model, el } = page(payload.state);
const root = el.children[0];
const byId = (id) => [...el.walk()].find((n) => n.attributes["data-testid"] === id);
const seen = [];
for (const k of [0, 1, 2]) {
  byId(`fm-channel-${k}`).dispatchEvent(new Event("click"));
  seen.push({ status: byId("fm-status").textContent, label: root.dataset.channelLabel,
              map: JSON.parse(root.dataset.map), means: JSON.parse(root.dataset.channelMeans),
              buttons: [0, 1, 2].map((c) => byId(`fm-channel-${c}`).attributes["aria-label"]) });
}
return { seen, sent: model.sent, images: [0, 1].map((i) => byId(`fm-image-${i}`).attributes["aria-label"]) };
"""


def test_feature_maps_name_class_maps_as_nin_does():
    torch.manual_seed(3)
    net = TinyNiN()
    images = torch.rand(2, 1, 8, 8)
    classes = ["cat", "dog", "bird"]
    w = FeatureMapBrowser(net, images, classes, targets=[2, 0], layers=["3.3 ReLU"],
                          channel_labels={"3.3 ReLU": classes})
    entry = w.layers[0]
    assert entry["name"] == "3.3 ReLU" and entry["channel_labels"] == classes
    with torch.no_grad():
        maps = net.net[:4](images)
        logits = net(images)
    assert_maps_match(w, 0, maps)
    # global average pooling of the class maps is the logits: the class map says where
    assert torch.allclose(maps.mean((2, 3)), logits)
    assert w.predictions == logits.argmax(1).tolist()
    if NODE is None:
        return
    out = run_js(w, CLASS_MAPS, {"state": json.loads(json.dumps(w.get_state(), default=str))})
    predicted = classes[w.predictions[0]]
    for k, step in enumerate(out["seen"]):
        assert f"channel {k} of 3 ({classes[k]})" in step["status"] and step["label"] == classes[k]
        assert f"predicted: {predicted}, true: bird" in step["status"]
        tol = (maps[0, k].max() - maps[0, k].min()).item() / 510 + 1e-5
        assert_close(t64(step["map"]), maps[0, k].double(), atol=tol)
    # each class map's mean, shown under it, is that class's score (within a quantization step)
    steps = (maps[0].amax((1, 2)) - maps[0].amin((1, 2))) / 510 + 1e-5
    assert ((t64(out["seen"][0]["means"]) - logits[0].double()).abs() <= steps).all()
    buttons = out["seen"][0]["buttons"]
    assert buttons[2].startswith("channel 2 bird mean ") and buttons[2].endswith("true")
    assert "predicted" in buttons[classes.index(predicted)]
    assert out["sent"] == [{"channel": 0}, {"channel": 1}, {"channel": 2}]
    assert out["images"][0] == f"image 1, predicted {predicted}, true bird"


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(channel_labels=["a"]), TypeError, ["channel_labels", "dict", "list"]),
    (dict(channel_labels={"9 Conv2d": ["a"]}), ValueError, ["channel_labels", "'9 Conv2d'",
                                                            "the layers are"]),
    (dict(channel_labels={"3 Linear": ["a", "b"]}), ValueError, ["channel_labels", "'3 Linear'",
                                                                 "(3, 2)", "maps"]),
    (dict(channel_labels={"0 Conv2d": ["a", "b"]}), ValueError, ["channel_labels['0 Conv2d']",
                                                                 "2 names", "3 channels"]),
    (dict(channel_labels={"0 Conv2d": ["a", 1, "c"]}), TypeError, ["channel_labels['0 Conv2d']",
                                                                   "strings"]),
])
def test_feature_maps_bad_channel_labels(kwargs, error, words):
    with pytest.raises(error, match=facts("FeatureMapBrowser", *words)):
        FeatureMapBrowser._example(**kwargs)


@pytest.mark.parametrize("args, kwargs, error, words", [
    ((), {}, TypeError, ["model", "nn.Module", "lenet_demo()"]),
    (("net",), {}, TypeError, ["model", "nn.Module", "str"]),
    ((None, torch.rand(9, 1, 8, 8)), {}, ValueError, ["9 images", "at most 8", "images[:8]"]),
    ((None, torch.randint(0, 255, (2, 1, 8, 8), dtype=torch.uint8)), {}, TypeError,
     ["images", "torch.uint8", "/ 255"]),
    ((None, torch.rand(8, 8)), {}, ValueError, ["images", "batch", "(8, 8)", "images[None]"]),
    ((None, torch.rand(2, 1, 1, 8, 8)), {}, ValueError,
     ["images", "(n, channels, h, w)", "(2, 1, 1, 8, 8)"]),
    ((None, torch.rand(1, 1, 300, 300)), {}, ValueError, ["images", "300×300", "224×224"]),
    ((None, torch.rand(2, 3, 8, 8)), {}, ValueError,
     ["model(images)", "failed", "(2, 3, 8, 8)", "RuntimeError"]),
    ((None, torch.rand(2, 1, 8, 8), ["a", "b"]), {}, ValueError, ["labels", "2 names", "3 classes"]),
    ((None, torch.rand(2, 1, 8, 8), "abc"), {}, TypeError, ["labels", "list of strings", "str"]),
    ((None, torch.rand(2, 1, 8, 8)), dict(max_channels=0), ValueError,
     ["max_channels", "at least 1", "0"]),
    ((None, torch.rand(2, 1, 8, 8)), dict(targets=[1]), ValueError,
     ["targets", "1 entries", "2 images"]),
    ((None, torch.rand(2, 1, 8, 8)), dict(layers=["nope"]), ValueError,
     ["layers", "'nope'", "'0 Conv2d'"]),
])
def test_feature_maps_bad_arguments(args, kwargs, error, words):
    small = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.LazyLinear(3))
    if args and args[0] is None:
        args = (small,) + args[1:]
    with pytest.raises(error, match=facts("FeatureMapBrowser", *words)):
        FeatureMapBrowser(*args, **kwargs)


# ============================================================ ReceptiveFieldView

def gradient_window(layers, input_size, unit):
    """Input pixels with a nonzero gradient from one output unit: (rows, cols) ranges."""
    x = torch.ones(1, 1, *input_size, dtype=torch.float64, requires_grad=True)
    y = x
    for layer in layers:
        y = layer(y)
    y[0, 0, unit[0], unit[1]].backward()
    rows, cols = torch.nonzero(x.grad[0, 0], as_tuple=True)
    box = x.grad[0, 0, rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    assert box.ne(0).all()  # a full rectangle, no holes
    return (rows.min().item(), rows.max().item()), (cols.min().item(), cols.max().item())


def positive_stack(layers):
    """Copies of ``layers`` with one channel and all-positive weights (nothing cancels)."""
    out = []
    for layer in layers:
        if isinstance(layer, nn.Conv2d):
            conv = nn.Conv2d(1, 1, layer.kernel_size, layer.stride, layer.padding,
                             bias=False).double()
            nn.init.constant_(conv.weight, 0.5)
            out.append(conv)
        else:
            out.append(layer)
    return out


def test_receptive_field_default_is_lenet():
    w = ReceptiveFieldView()
    assert w.table() == [("1: conv 5×5, pad 2", 5, 1), ("2: avg pool 2×2, stride 2", 6, 2),
                         ("3: conv 5×5", 14, 2), ("4: avg pool 2×2, stride 2", 16, 4)]
    assert [g["out"] for g in w.geometry] == [[28, 28], [14, 14], [10, 10], [5, 5]]
    assert (w.layer, w.unit) == (3, [2, 2])
    assert w.window() == ((6, 21), (6, 21))
    assert w.window(0, (0, 0), clip=False) == ((-2, 2), (-2, 2))
    assert re.search(facts("ReceptiveFieldView", "4 layers", "28×28", "'4: avg pool 2×2, stride 2'",
                           "(2, 2)", "rows 6..21", "columns 6..21"), repr(w))


def vgg11_stack():
    """VGG-11's convolutions and poolings (8.2), as modules."""
    return [layer for num_convs in (1, 1, 2, 2, 2)
            for layer in [nn.Conv2d(1, 1, 3, padding=1)] * num_convs + [nn.MaxPool2d(2)]]


def test_receptive_field_opens_on_the_deepest_layer_that_fits_and_names_conv_and_pool():
    w = ReceptiveFieldView(vgg11_stack(), 64)
    sizes = [size for _, size, _ in w.table()]
    assert sizes == [3, 4, 8, 10, 18, 26, 30, 46, 62, 70, 102, 134, 150]
    assert sizes[w.layer] == 62 <= 64 < sizes[w.layer + 1]  # field fits the 64×64 input
    assert w.unit == [4, 4] and w.geometry[w.layer]["out"] == [8, 8]
    names = [name for name, _, _ in w.table()]
    assert names[:2] == ["1: conv 3×3, pad 1", "2: max pool 2×2, stride 2"]
    assert not any("layer" in name for name in names)
    assert ReceptiveFieldView(vgg11_stack(), 64, layer=6).layer == 6  # the reader's choice
    # nothing fits: the first layer; tuples are 'window', dilated convolutions say so
    assert ReceptiveFieldView([(5, 1, 2)], 4).layer == 0
    odd = ReceptiveFieldView([nn.Conv2d(1, 1, (3, 5), dilation=2), nn.ReLU(), (3, 2, 1),
                              nn.AvgPool2d(2)], 20)
    assert [name for name, _, _ in odd.table()] == [
        "1: conv 3×5, dilation 2", "2: ReLU", "3: window 3×3, stride 2, pad 1",
        "4: avg pool 2×2, stride 2"]


def test_receptive_field_window_equals_gradient_support():
    stack = positive_stack(lenet_stack())
    w = ReceptiveFieldView(stack, 28)
    for layer, g in enumerate(w.geometry):
        h = g["out"][0]
        for unit in {(0, 0), (h - 1, h - 1), (h // 2, 1), (1, h - 1)}:
            expected = gradient_window(stack[:layer + 1], (28, 28), unit)
            assert w.window(layer, unit) == expected, (layer, unit)


def test_receptive_field_tuples_and_rectangles():
    layers = [(3, 1, 1), (2, 2), (3, 2, 1), nn.ReLU(), nn.MaxPool2d((3, 2), stride=(1, 2))]
    w = ReceptiveFieldView(layers, (21, 17))
    torch_layers = [nn.Conv2d(1, 1, 3, 1, 1), nn.AvgPool2d(2, 2), nn.Conv2d(1, 1, 3, 2, 1),
                    nn.ReLU(), nn.AvgPool2d((3, 2), stride=(1, 2))]
    torch_layers = positive_stack(torch_layers)
    x = torch.zeros(1, 1, 21, 17, dtype=torch.float64)
    for layer, g in enumerate(w.geometry):
        x = torch_layers[layer](x)
        assert g["out"] == list(x.shape[2:])
        oh, ow = g["out"]
        for unit in {(0, 0), (oh - 1, ow - 1), (oh // 2, ow // 2)}:
            assert w.window(layer, unit) == gradient_window(torch_layers[:layer + 1], (21, 17), unit)
    for g, fields in zip(w.geometry, zip(d2l.receptive_fields(layers, 21, axis=0),
                                         d2l.receptive_fields(layers, 17, axis=1))):
        assert g["size"] == [f.size for f in fields] and g["jump"] == [f.jump for f in fields]
    assert w.geometry[3]["name"] == "4: ReLU"
    assert w.geometry[4]["name"] == "5: max pool 3×2, stride 1×2"
    # an nn.Sequential works as the list of its layers
    assert ReceptiveFieldView(nn.Sequential(*lenet_stack())).geometry == ReceptiveFieldView().geometry


@needs_node
def test_receptive_field_javascript_matches_python():
    w = ReceptiveFieldView([(5, 1, 2), (2, 2), (3, 1, 1), (2, 2)], (20, 24))
    cases = [(l, i, j) for l, g in enumerate(w.geometry)
             for i in range(g["out"][0]) for j in range(g["out"][1])]
    out = run_js(w, """
        return payload.cases.map(([l, i, j]) => {
          const win = m.rfWindow(payload.geometry[l], i, j);
          return [win, m.rfClip(win, payload.size)];
        });""", dict(cases=cases, geometry=w.geometry, size=w.input_size))
    for (layer, i, j), (full, clipped) in zip(cases, out):
        assert tuple(map(tuple, full)) == w.window(layer, (i, j), clip=False)
        assert tuple(map(tuple, clipped)) == w.window(layer, (i, j))


def test_pooling_grows_the_receptive_field_of_the_next_convolution():
    """7.5: conv → pool → conv sees 8×8 where conv → conv sees 5×5 (gradients agree)."""
    plain = [nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3)]
    pooled = [nn.Conv2d(1, 1, 3), nn.MaxPool2d(2), nn.Conv2d(1, 1, 3)]
    for layers, field in ((plain, 5), (pooled, 8)):
        w = ReceptiveFieldView(layers, 12)
        assert w.layer == len(layers) - 1 and w.table()[-1][1] == field
        (r0, r1), (c0, c1) = w.window()
        assert r1 - r0 + 1 == c1 - c0 + 1 == field
        # a max pool's gradient reaches only the winner: measure with the same window, averaged
        measured = [nn.AvgPool2d(2) if isinstance(m, nn.MaxPool2d) else m for m in layers]
        assert w.window() == gradient_window(positive_stack(measured), (12, 12), w.unit)


@needs_node
def test_receptive_field_growth_in_words_is_the_geometry():
    stacks = [ReceptiveFieldView(vgg11_stack(), 64),
              ReceptiveFieldView([(3, 1, 1), (2, 2), (5, 2, 2), nn.MaxPool2d((3, 2), stride=(1, 2))],
                                 (21, 17))]
    for w in stacks:
        lines = run_js(w, "return payload.geometry.map((g, l) => m.rfGrowth(payload.geometry, l));",
                       {"geometry": w.geometry})
        below = {"size": [1, 1], "jump": [1, 1]}
        for g, line in zip(w.geometry, lines):
            per_axis = re.findall(r"(\d+) = (\d+) \+ \((\d+) − 1\) × (\d+)", line)
            if g["size"][0] == g["size"][1] and g["kernel"][0] == g["kernel"][1] \
                    and below["jump"][0] == below["jump"][1]:
                per_axis *= 2  # one sentence for both axes
            assert [tuple(map(int, t)) for t in per_axis] == [
                (g["size"][a], below["size"][a], g["kernel"][a], below["jump"][a]) for a in (0, 1)]
            if below["jump"][0] > 1 and g["kernel"][0] > 1:
                assert f"each of the {g['kernel'][0] - 1} extra taps adds {below['jump'][0]} pixels" in line
            below = g


@pytest.mark.parametrize("args, kwargs, error, words", [
    (([],), {}, ValueError, ["layers", "empty", "nn.Conv2d"]),
    (("conv",), {}, TypeError, ["layers", "list", "str", "wrap"]),
    (([nn.Linear(3, 3)],), {}, TypeError, ["layers[0]", "nn.Conv2d", "Linear(in_features=3"]),
    (([(3, 0)],), {}, ValueError, ["layers[0]", "stride", "at least 1", "0"]),
    ((None, 4), {}, ValueError, ["layers[2]", "5 pixels", "2", "input_size=4", "larger input"]),
    ((None, 500), {}, ValueError, ["input_size", "at most 128", "500"]),
    ((None, (28, 28, 3)), {}, TypeError, ["input_size", "(height, width) pair", "(28, 28, 3)"]),
    ((), dict(layer=4), ValueError, ["layer", "at most 3", "4"]),
    ((), dict(unit=(5, 0)), ValueError, ["unit", "row", "at most 4", "5"]),
    ((), dict(unit=3), TypeError, ["unit", "(row, column) pair", "3"]),
    (([(3, 1)] * 17,), {}, ValueError, ["17 layers", "at most 16", "slice"]),
])
def test_receptive_field_bad_arguments(args, kwargs, error, words):
    with pytest.raises(error, match=facts("ReceptiveFieldView", *words)):
        ReceptiveFieldView(*args, **kwargs)


# ============================================================ all four

def test_default_state_is_small(pooling_default):
    for widget in (ChannelsView(), pooling_default, ReceptiveFieldView()):
        assert state_size(widget) < MAX_STATE
    assert state_size(ReceptiveFieldView([(3, 1, 1)] * 16, 128)) < MAX_STATE
    assert state_size(PoolingExplorer(torch.rand(64, 64))) < 200_000

