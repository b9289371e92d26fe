"""The architecture graph (d2lmini.architecture) and the one MAC counter (d2lmini.stats).

Every number the graph holds is compared with what d2lmini already computes
another way: the shapes with ``layer_summary``'s lines, the parameters with
``num_params`` (per node and per level), the MACs with ``count_macs`` and
with hand computations, the branch outputs with a real forward pass. Then:
the structure of the book's blocks (Inception's four branches, the residual
skip with and without the 1×1 convolution, NiN and VGG blocks), the names
of GoogLeNet's stages, a student's own modules (a loop over a ModuleList;
control flow torch.fx cannot trace), bad arguments. The figure drawn from
the graph (stages, comparison, the page): tests/test_architecture_view.py.
"""
import contextlib
import io
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import d2lmini as d2l
from d2lmini import models
from d2lmini.architecture import describe, graph, stage_names, summary_row, units
from d2lmini.widgets.architecture import ArchitectureView

NARROW_VGG = ((1, 16), (1, 32), (2, 64), (2, 128), (2, 128))

# Every model a section trains, at d2l's input size (the registry), and the VGG-11 that 8.2's
# and 8.3's figures draw (d2l trains VGG-11 with a quarter of the channels: "VGG-11/4").
BOOK = {**{m.name: (m.make, m.size) for m in models.BOOK},
        "VGG-11": (lambda: models.VGG(arch=models.VGG11_ARCH), 224)}


def seeded(make):
    state = torch.random.get_rng_state()
    torch.manual_seed(0)
    try:
        return make()
    finally:
        torch.random.set_rng_state(state)


@pytest.fixture(scope="module")
def book():
    """name -> (model, X_shape, graph), each model read once."""
    out = {}
    for name, (make, size) in BOOK.items():
        model = seeded(make)
        shape = (1, 1, size, size)
        out[name] = (model, shape, graph(model, shape))
    return out


def printed_summary(net, shape):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        d2l.layer_summary(net, shape)
    return buffer.getvalue().splitlines()


def node(level, **match):
    found = [n for n in level["nodes"] if all(n.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, [n["id"] for n in level["nodes"]])
    return found[0]


def paths(level, source, target):
    """Every path (list of node indices) from node ``source`` to node ``target``."""
    succs = {}
    for a, b in level["edges"]:
        succs.setdefault(a, []).append(b)
    found = []

    def walk(v, trail):
        if v == target:
            found.append(trail)
            return
        for w in succs.get(v, []):
            walk(w, trail + [w])

    walk(source, [source])
    return found


def index_of(level, **match):
    return level["nodes"].index(node(level, **match))


def submodule(model, g, key):
    """The module of level ``key`` (its module path is the level's ``path``)."""
    start = model.get_submodule(g["start"]) if g["start"] else model
    path = g["graphs"][key]["path"]
    return start.get_submodule(path) if path else start


def level_inputs(model, g):
    """key -> the input shape of every level, from forward pre-hooks (an independent reading)."""
    shapes, handles = {}, []
    for key in g["graphs"]:
        module = submodule(model, g, key)

        def hook(mod, args, key=key):
            shapes.setdefault(key, tuple(args[0].shape))
        handles.append(module.register_forward_pre_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(*g["input_shape"]))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return shapes


# ============================================================ the book's blocks

def test_inception_has_four_branches_with_d2ls_channels(book):
    model, _, g = book["GoogLeNet"]
    level = g["graphs"]["b3.0"]  # b3's first Inception(64, (96, 128), (16, 32), 32)
    assert level["path"] == "2.0"
    assert level["type"] == "Inception" and level["mode"] == "fx"
    x, cat = index_of(level, kind="input"), index_of(level, name="cat")
    routes = paths(level, x, cat)
    assert len(routes) == 4
    labels = [[level["nodes"][i]["label"] for i in r if level["nodes"][i]["kind"] == "module"]
              for r in routes]
    assert sorted(labels) == sorted([["Conv2d 64, 1×1"],
                                     ["Conv2d 96, 1×1", "Conv2d 128, 3×3, pad 1"],
                                     ["Conv2d 16, 1×1", "Conv2d 32, 5×5, pad 2"],
                                     ["MaxPool2d 3×3, stride 1, pad 1", "Conv2d 32, 1×1"]])
    # what reaches the cat, in the order of torch.cat((b1, b2, b3, b4))
    into_cat = [level["nodes"][a]["shape"][1] for a, b in level["edges"] if b == cat]
    assert into_cat == [64, 128, 32, 32]
    inception = submodule(model, g, "b3.0")
    with torch.no_grad():
        out = inception.eval()(torch.zeros(1, 192, 12, 12))
    assert level["nodes"][cat]["shape"] == list(out.shape) == [1, 256, 12, 12]
    assert node(level, kind="output")["shape"] == [1, 256, 12, 12]
    assert level["nodes"][cat]["label"] == "cat, dim 1"
    # every Inception of GoogLeNet has four paths, and its cat's channels add up
    inceptions = [lvl for lvl in g["graphs"].values() if lvl["type"] == "Inception"]
    assert len(inceptions) == 9
    for lvl in inceptions:
        x, cat = index_of(lvl, kind="input"), index_of(lvl, name="cat")
        assert len(paths(lvl, x, cat)) == 4
        channels = sum(lvl["nodes"][a]["shape"][1] for a, b in lvl["edges"] if b == cat)
        assert channels == lvl["nodes"][cat]["shape"][1]


@pytest.mark.parametrize("use_1x1conv", [True, False])
def test_residual_skip_with_and_without_the_1x1_conv(use_1x1conv):
    block = seeded(lambda: models.Residual(8, use_1x1conv=use_1x1conv,
                                           strides=2 if use_1x1conv else 1))
    shape = (1, 3 if use_1x1conv else 8, 6, 6)
    g = graph(block, shape)
    level = g["graphs"][""]
    assert g["start"] == "" and level["mode"] == "fx" and list(g["graphs"]) == [""]
    x, add = index_of(level, kind="input"), index_of(level, name="add")
    routes = paths(level, x, add)
    assert len(routes) == 2
    names = sorted([level["nodes"][i]["name"] for i in r[1:-1]] for r in routes)
    main = ["conv1", "bn1", "relu", "conv2", "bn2"]
    if use_1x1conv:
        assert names == sorted([main, ["conv3"]])
        assert node(level, name="conv3")["label"] == "Conv2d 8, 1×1, stride 2"
        assert node(level, name="conv1")["label"] == "Conv2d 8, 3×3, stride 2, pad 1"
    else:
        assert names == sorted([main, []])  # the skip goes straight from X to the add
        assert [x, add] in level["edges"]
        assert not [n for n in level["nodes"] if n["name"] == "conv3"]
    with torch.no_grad():
        out = block.eval()(torch.zeros(shape))
    assert node(level, kind="output")["shape"] == list(out.shape)
    # the add, then F.relu
    relu = level["nodes"][add + 1]
    assert relu["label"] == "relu" and [add, add + 1] in level["edges"]


def test_resnet18_stages_open_into_residual_blocks(book):
    model, _, g = book["ResNet-18"]
    top = g["graphs"][""]
    assert [n["name"] for n in top["nodes"] if n["kind"] == "module"] == \
        ["b1", "b2", "b3", "b4", "b5", "last"]  # d2l adds b1 as net[0], built by self.b1()
    assert g["graphs"]["b1"]["path"] == "0" and g["graphs"]["b3.0"]["path"] == "b3.0"
    for stage in ("b3", "b4", "b5"):  # the first block of a later stage halves and has conv3
        first, second = g["graphs"][f"{stage}.0"], g["graphs"][f"{stage}.1"]
        assert first["type"] == second["type"] == "Residual"
        assert [n for n in first["nodes"] if n["name"] == "conv3"]
        assert not [n for n in second["nodes"] if n["name"] == "conv3"]
        x, add = index_of(second, kind="input"), index_of(second, name="add")
        assert [x, add] in second["edges"]
    assert not [n for n in g["graphs"]["b2.0"]["nodes"] if n["name"] == "conv3"]


def test_nin_and_vgg_blocks_open_into_their_layers(book):
    _, _, g = book["NiN"]
    top = g["graphs"][""]
    blocks = [n for n in top["nodes"] if "block" in n]
    assert [n["name"] for n in blocks] == ["0", "2", "4", "7"]
    assert all(n["label"] == "Sequential, 6 layers" for n in blocks)
    first = g["graphs"]["0"]
    assert [n["label"] for n in first["nodes"] if n["kind"] == "module"] == [
        "Conv2d 96, 11×11, stride 4", "ReLU", "Conv2d 96, 1×1", "ReLU", "Conv2d 96, 1×1", "ReLU"]
    assert [n["label"] for n in g["graphs"]["7"]["nodes"] if n["kind"] == "module"][0] == \
        "Conv2d 10, 3×3, pad 1"
    for name in ("VGG-11/4", "VGG-11"):
        _, _, g = book[name]
        arch = NARROW_VGG if name == "VGG-11/4" else models.vgg.VGG11_ARCH
        blocks = [n for n in g["graphs"][""]["nodes"] if "block" in n]
        assert len(blocks) == len(arch)
        for n, (num_convs, channels) in zip(blocks, arch):
            inside = [m["label"] for m in g["graphs"][n["block"]]["nodes"] if m["kind"] == "module"]
            assert inside == [f"Conv2d {channels}, 3×3, pad 1", "ReLU"] * num_convs + \
                ["MaxPool2d 2×2"]
            assert n["shape"][1] == channels


# ============================================================ numbers vs. d2lmini

@pytest.mark.parametrize("name", BOOK)
def test_shapes_are_what_layer_summary_prints(book, name):
    model, shape, g = book[name]
    assert g["start"] == "net" and g["title"] == type(model).__name__
    top = g["graphs"][""]
    rows = [n["row"] for n in top["nodes"] if n["kind"] == "module"]
    assert rows == printed_summary(model.net, shape)
    # inside: every nn.Sequential level prints what layer_summary prints for it
    inputs = level_inputs(model, g)
    for key, level in g["graphs"].items():
        module = submodule(model, g, key)
        assert node(level, kind="input")["shape"] == list(inputs[key])
        if isinstance(module, nn.Sequential):
            assert [n["row"] for n in level["nodes"] if n["kind"] == "module"] == \
                printed_summary(module, inputs[key]), key


@pytest.mark.parametrize("name", BOOK)
def test_parameters_and_macs_add_up_to_num_params_and_count_macs(book, name):
    model, shape, g = book[name]
    assert g["params"] == d2l.num_params(model)
    assert g["macs"] == d2l.count_macs(model, shape)
    inputs = level_inputs(model, g)
    for key, level in g["graphs"].items():
        module = submodule(model, g, key)
        assert level["params"] == sum(n["params"] for n in level["nodes"]) == \
            d2l.num_params(module), key
        assert level["macs"] == d2l.count_macs(module, inputs[key]), key
        for n in level["nodes"]:
            if n["kind"] == "module":
                # a block's name may be the method that built it (GoogLeNet's b3): its path
                sub = submodule(model, g, n["block"]) if "block" in n else \
                    module.get_submodule(n["name"])
                assert n["params"] == d2l.num_params(sub), (key, n["name"])
                assert n["label"] == describe(sub)
            elif n["kind"] != "attr":
                assert n["params"] == n["macs"] == 0
            if "block" in n:
                assert n["macs"] == g["graphs"][n["block"]]["macs"]


def test_graph_leaves_the_model_and_the_random_stream_as_they_were():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    graph(models.LeNet(), (1, 1, 28, 28))  # its lazy layers draw their weights
    assert torch.equal(torch.rand(3), expected)
    model = seeded(models.BNLeNet)
    model.train()
    graph(model, (1, 1, 28, 28))  # batch of one: fine in eval mode
    assert all(m.training for m in model.modules())
    bn = model.net[1]
    mean = bn.running_mean.clone()
    model.net[4].eval()
    graph(model, (2, 1, 28, 28))
    assert torch.equal(bn.running_mean, mean) and int(bn.num_batches_tracked) == 0
    assert [m.training for m in model.net] == [i != 4 for i in range(len(model.net))]


# ============================================================ a student's own modules

class LoopNet(nn.Module):
    """A stem, three residual blocks in a ModuleList (a Python loop), a head."""

    def __init__(self):
        super().__init__()
        self.stem = nn.LazyConv2d(8, 3, padding=1)
        self.blocks = nn.ModuleList(
            [nn.Sequential(nn.LazyConv2d(8, 3, padding=1), nn.ReLU()) for _ in range(3)])
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.LazyLinear(10))

    def forward(self, x):
        x = self.stem(x)
        for blk in self.blocks:
            x = x + blk(x)
        return self.head(x.reshape(x.shape[0], 8, x.shape[2], x.shape[3]))


class GateNet(nn.Module):
    """Control flow on the data: torch.fx cannot trace it."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.a, self.b = nn.ReLU(), nn.Tanh()
        self.pool = nn.Sequential(nn.MaxPool2d(2), nn.Flatten())
        self.fc = nn.LazyLinear(2)

    def forward(self, x):
        x = self.conv(x)
        x = self.a(x) if x.mean() > -100 else self.b(x)
        return self.fc(self.pool(x))


class Shared(nn.Module):
    """One layer called twice, and a parameter used directly."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 3, padding=1)
        self.scale = nn.Parameter(torch.ones(1, 2, 1, 1))

    def forward(self, x):
        return self.conv(torch.relu(self.conv(x))) * self.scale


def test_a_loop_over_a_modulelist_is_traced():
    model = seeded(LoopNet)
    g = graph(model, (2, 1, 8, 8))
    top = g["graphs"][""]
    assert g["start"] == "" and top["mode"] == "fx"
    assert [n["name"] for n in top["nodes"] if n["kind"] == "module"] == \
        ["stem", "blocks.0", "blocks.1", "blocks.2", "head"]
    assert [n["label"] for n in top["nodes"] if n["kind"] == "function"] == ["add"] * 3 + ["reshape"]
    # each add reads its block's output and the block's input (the skip)
    for i in range(3):
        add = [n for n in top["nodes"] if n["kind"] == "function"][i]
        blk = index_of(top, name=f"blocks.{i}")
        into = sorted(a for a, b in top["edges"] if b == top["nodes"].index(add))
        assert blk in into and [a for a, b in top["edges"] if b == blk][0] in into
    assert set(g["graphs"]) == {"", "blocks.0", "blocks.1", "blocks.2", "head"}
    assert node(top, name="head")["block"] == "head"
    # x.shape[0] and the like are no boxes; the reshape is, fed by the last add only
    reshape = index_of(top, name="reshape")
    assert [top["nodes"][a]["id"] for a, b in top["edges"] if b == reshape] == ["add_2"]
    assert len(top["nodes"]) == 11  # input, stem, 3 × (block, add), reshape, head, output
    assert g["params"] == d2l.num_params(model) and g["macs"] == d2l.count_macs(model, (2, 1, 8, 8))
    w = ArchitectureView(model, (2, 1, 8, 8), block="blocks.1")
    assert w.status().startswith("LoopNet › blocks.1 (Sequential): 2 layers, 584 parameters")


def test_control_flow_fx_cannot_trace_falls_back_to_the_call_order():
    model = seeded(GateNet)
    g = graph(model, (2, 1, 8, 8))
    top = g["graphs"][""]
    assert top["mode"] == "calls"
    assert "torch.fx cannot trace GateNet.forward" in top["note"]
    assert "control flow" in top["note"] and "order they were called" in top["note"]
    assert [n["name"] for n in top["nodes"]] == ["input", "conv", "a", "pool", "fc", "output"]
    assert top["edges"] == [[i, i + 1] for i in range(5)]
    assert [n["shape"] for n in top["nodes"]] == [[2, 1, 8, 8], [2, 4, 6, 6], [2, 4, 6, 6],
                                                   [2, 36], [2, 2], [2, 2]]
    assert g["params"] == d2l.num_params(model)
    assert g["graphs"]["pool"]["mode"] == "fx"  # the blocks inside are traced as usual
    w = ArchitectureView(model, (2, 1, 8, 8))
    assert "drawn as the chain of its layers" in w.status()
    assert repr(w).endswith("(drawn in call order: torch.fx cannot trace it))")


def test_a_layer_called_twice_and_a_parameter_used_directly():
    model = seeded(Shared)
    g = graph(model, (1, 2, 5, 5))
    top = g["graphs"][""]
    convs = [n for n in top["nodes"] if n["name"] == "conv"]
    assert [n["params"] for n in convs] == [38, 0] and convs[1]["call"] == 2
    assert [n["macs"] for n in convs] == [2 * 25 * 18] * 2
    scale = node(top, kind="attr")
    assert scale["params"] == 2 and scale["shape"] == [1, 2, 1, 1]
    assert g["params"] == d2l.num_params(model) == 40
    assert g["macs"] == d2l.count_macs(model, (1, 2, 5, 5))
    mul = node(top, name="mul")
    assert sorted(top["nodes"][a]["id"] for a, b in top["edges"]
                  if b == top["nodes"].index(mul)) == sorted([convs[1]["id"], scale["id"]])


class Chatty(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)

    def forward(self, x):
        print("forward got", tuple(x.shape))
        return self.conv(x)


def test_a_print_in_forward_shows_once_with_real_shapes(capsys):
    graph(Chatty(), (1, 1, 5, 5))
    assert capsys.readouterr().out == "forward got (1, 1, 5, 5)\n"  # not Proxy(...), not twice


def test_a_single_layer_and_a_depth_limit():
    g = graph(nn.Conv2d(1, 3, 3), (1, 1, 5, 5))
    assert [n["kind"] for n in g["graphs"][""]["nodes"]] == ["input", "module", "output"]
    assert g["params"] == 30 and g["macs"] == 3 * 9 * 9
    model = seeded(models.GoogleNet)
    g = graph(model, (1, 1, 96, 96), max_depth=1)
    assert set(g["graphs"]) == {"", "b1", "b2", "b3", "b4", "b5"}
    inception = node(g["graphs"]["b3"], name="0")
    assert "block" not in inception and "max_depth=1" in inception["closed"]
    small = graph(model, (1, 1, 96, 96), max_nodes=30)
    assert sum(len(lvl["nodes"]) for lvl in small["graphs"].values()) < 60
    for lvl in small["graphs"].values():
        assert all(n["block"] in small["graphs"] for n in lvl["nodes"] if "block" in n)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(["conv", "conv_s2", "pool", "relu", "bn"]), min_size=1,
                max_size=6), st.integers(8, 20))
def test_a_random_chain_has_the_shapes_of_its_forward(kinds, size):
    make = {"conv": lambda: nn.LazyConv2d(3, 3, padding=1),
            "conv_s2": lambda: nn.LazyConv2d(2, 3, 2, padding=1),
            "pool": lambda: nn.MaxPool2d(2, ceil_mode=True), "relu": nn.ReLU,
            "bn": nn.LazyBatchNorm2d}
    net = seeded(lambda: nn.Sequential(*(make[k]() for k in kinds), nn.Flatten(),
                                       nn.LazyLinear(4)))
    side = size
    for i, k in enumerate(kinds):  # a 1×1 map cannot be pooled: use a ReLU there
        if k == "pool" and side < 2:
            net[i] = nn.ReLU()
        side = (side + 1) // 2 if k in ("pool", "conv_s2") and side >= 2 else side
    g = graph(net, (1, 2, size, size))
    shapes, x = [], torch.zeros(1, 2, size, size)
    with torch.no_grad():
        for layer in net.eval():
            x = layer(x)
            shapes.append(list(x.shape))
    level = g["graphs"][""]
    assert [n["shape"] for n in level["nodes"] if n["kind"] == "module"] == shapes
    assert g["params"] == d2l.num_params(net)


# ============================================================ bad arguments

@pytest.mark.parametrize("args, error, words", [
    (([1, 2], (1, 1, 28, 28)), TypeError, "graph: module must be an nn.Module, got list"),
    ((models.LeNet, (1, 1, 28, 28)), TypeError, "got the class LeNet; make one first, e.g. LeNet()"),
    ((nn.ReLU(), torch.zeros(1, 1, 4, 4)), TypeError, "got a tensor of shape (1, 1, 4, 4); pass X.shape"),
    ((nn.ReLU(), 28), TypeError, "such as (1, 1, 28, 28)"),
    ((nn.ReLU(), (1, 0, 28, 28)), ValueError, "X_shape must be a tuple of positive ints"),
    ((nn.ReLU(), "28x28"), ValueError, "X_shape must be a tuple of positive ints"),
    ((nn.ReLU(), (28,)), ValueError, "X_shape must start with a batch size"),
])
def test_bad_arguments_name_the_argument_and_the_fix(args, error, words):
    with pytest.raises(error, match=re.escape(words)):
        graph(*args)


def test_a_model_that_fails_on_the_shape_names_the_layer():
    model = seeded(models.LeNet)
    graph(model, (1, 1, 28, 28))  # its lazy layers now expect 28×28 images
    with pytest.raises(ValueError, match=re.escape(
            "ArchitectureView: layer net.7 (Linear(in_features=400, out_features=120, "
            "bias=True)) cannot take an input of shape (1, 576)")) as info:
        ArchitectureView(model, (1, 1, 32, 32))
    assert "check X_shape=(1, 1, 32, 32)" in str(info.value)
    block = models.Residual(8)
    with pytest.raises(ValueError, match=re.escape(
            "graph: Residual.forward itself (not one of its layers) cannot take an input of "
            "shape (1, 3, 6, 6): RuntimeError")):
        graph(block, (1, 3, 6, 6))
    nested = nn.Sequential(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv2d(5, 4, 3)))
    with pytest.raises(ValueError, match=re.escape("layer 0.1 (Conv2d(5, 4, kernel_size=(3, 3)")):
        graph(nested, (1, 3, 8, 8))


# ============================================================ one MAC counter

def test_count_macs_and_the_graph_count_a_conv1d_model_alike():
    # the review's example: count_macs used to count only Conv2d (48), the graph every conv
    net = nn.Sequential(nn.Conv1d(1, 4, 3), nn.Flatten(), nn.Linear(24, 2))
    conv = 4 * 6 * 1 * 3   # 4 channels × 6 positions, each 1 channel × 3 taps
    dense = 2 * 24          # 2 outputs, each 24 inputs
    assert (conv, dense) == (72, 48)
    assert d2l.count_macs(net, (1, 1, 8)) == graph(net, (1, 1, 8))["macs"] == 120
    level = graph(net, (1, 1, 8))["graphs"][""]
    assert [n["macs"] for n in level["nodes"] if n["kind"] == "module"] == [72, 0, 48]


def pytorch_macs(module, shape):
    """Multiply-accumulates per input as PyTorch's own FLOP counter sees them (2 FLOPs each)."""
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        module(torch.zeros(shape))
    return counter.get_total_flops() // 2 // shape[0]


@pytest.mark.parametrize("layer, shape", [
    (nn.Conv1d(1, 4, 3), (1, 1, 8)),
    (nn.Conv2d(4, 6, 3, stride=2, groups=2), (2, 4, 7, 7)),
    (nn.Conv3d(2, 3, (2, 3, 3), padding=1), (1, 2, 4, 5, 5)),
    (nn.ConvTranspose1d(4, 2, 3, groups=2), (1, 4, 6)),
    (nn.ConvTranspose2d(2, 3, 3, stride=2), (3, 2, 4, 4)),
    (nn.Linear(5, 3), (2, 7, 5)),
], ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else str(v))
def test_every_conv_and_linear_layer_counts_what_pytorch_counts(layer, shape):
    expected = pytorch_macs(layer, shape)
    assert expected > 0
    assert d2l.count_macs(layer, shape) == expected
    assert graph(layer, shape)["macs"] == expected
    wrapped = nn.Sequential(nn.Identity(), layer)  # through a level of the graph, too
    assert graph(wrapped, shape)["graphs"][""]["nodes"][2]["macs"] == expected


@pytest.mark.parametrize("name", ["LeNet", "AlexNet", "NiN", "GoogLeNet", "ResNet-18"])
def test_the_book_models_count_what_pytorch_counts(book, name):
    model, shape, g = book[name]
    assert g["macs"] == d2l.count_macs(model, shape) == pytorch_macs(model.eval(), shape)


# ============================================================ names and helpers

def test_googlenet_stages_are_named_after_the_methods_that_built_them(book):
    model, _, g = book["GoogLeNet"]
    assert stage_names(model, model.net) == {str(i): f"b{i + 1}" for i in range(5)}
    top = g["graphs"][""]
    assert [n["name"] for n in top["nodes"] if n["kind"] == "module"] == \
        ["b1", "b2", "b3", "b4", "b5", "5"]  # the dense layer was not built by a method
    assert [g["graphs"][k]["path"] for k in ("b3", "b3.0", "b4.4")] == ["2", "2.0", "3.4"]
    assert g["graphs"]["b3.0"]["parent"] == "b3" and g["graphs"]["b3"]["parent"] == ""
    # no method of the same structure, no name: VGG's blocks keep their indices
    _, _, vgg = book["VGG-11"]
    assert [n["name"] for n in vgg["graphs"][""]["nodes"][1:6]] == ["0", "1", "2", "3", "4"]


def test_a_method_that_builds_something_else_does_not_name_a_stage():
    class Named(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Sequential(nn.ReLU()))

        def b1(self):
            return nn.Sequential(nn.Conv2d(1, 2, 3))   # not net[0]

        def b2(self):
            return nn.Sequential(nn.ReLU())              # net[1], rebuilt

        def forward(self, x):
            return self.net(x)

    model = Named()
    state = torch.random.get_rng_state()
    assert stage_names(model, model.net) == {"1": "b2"}
    assert torch.equal(state, torch.random.get_rng_state())  # the probe drew no numbers


def test_the_rows_are_layer_summarys_lines():
    x = torch.zeros(1, 6, 28, 28)
    assert summary_row("Conv2d", x) == "Conv2d output shape:\t torch.Size([1, 6, 28, 28])"
    assert summary_row("input", x, what="") == "input shape:\t torch.Size([1, 6, 28, 28])"
    assert summary_row("split", (x, x[:, :2])) == (
        "split output shapes:\t torch.Size([1, 6, 28, 28]), torch.Size([1, 2, 28, 28])")
    assert summary_row("size", 3) == "size output:\t int"


def test_units_name_the_modules_a_forward_can_call():
    model = LoopNet()
    assert [name for name, _ in units(model)] == ["stem", "blocks.0", "blocks.1", "blocks.2",
                                                  "head"]
    deep = units(model, containers=(nn.Sequential, nn.ModuleList))
    assert [name for name, _ in deep] == ["stem", "blocks.0.0", "blocks.0.1", "blocks.1.0",
                                          "blocks.1.1", "blocks.2.0", "blocks.2.1", "head.0",
                                          "head.1", "head.2"]
    assert all(module is model.get_submodule(name) for name, module in deep)
