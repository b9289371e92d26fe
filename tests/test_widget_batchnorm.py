"""Tests for `BatchNormView` (§8.5): batch-norm statistics per layer, mode and batch size.

Every stored number is checked against PyTorch: the layer's real input and
output caught by a hook on a copy of the model, the output's moments
against β and γ²·var/(var+eps) in training mode and against the running
averages (by hand and by the layer itself) in evaluation mode. Then: the
model is left exactly as it was, smaller batches are noisier, the page
(its real JavaScript in Node) shows the numbers of what is selected, bad
arguments, and the state size.
"""
import copy
import json
import re

import numpy as np
import pytest
import torch
from torch import nn

import d2lmini as d2l
from d2lmini.models.batchnorm import BatchNorm, BNLeNet, BNLeNetScratch
from d2lmini.widgets.batchnorm import BatchNormView, batch_norm_layers
from doubles import facts
from widgetjs import FAKE_PAGE, needs_node, run_js

SIG = 5e-4  # the state keeps 4 significant digits


def close(stored, expected, msg="", slack=1e-12):
    """``stored`` (4 significant digits) equals ``expected`` up to that rounding (+ slack)."""
    stored, expected = torch.as_tensor(stored, dtype=torch.float64), expected.double().cpu()
    assert stored.shape == expected.shape, (msg, stored.shape, expected.shape)
    excess = (stored - expected).abs() - SIG * expected.abs() - slack
    assert excess.max().item() <= 0, (msg, stored, expected)


def moments(x):
    dims = [d for d in range(x.dim()) if d != 1]
    x = x.double()
    return x.mean(dims), x.var(dims, unbiased=False)


def caught(model, images, mode):
    """(layer, input, output) of every batch-norm layer, from a hooked copy of the model."""
    model = copy.deepcopy(model).eval()
    found, handles = [], []
    for _, layer in batch_norm_layers(model):
        layer.train(mode == "train")
        handles.append(layer.register_forward_hook(
            lambda m, args, out: found.append((m, args[0].detach(), out.detach()))))
    with torch.no_grad():
        model(images)
    for h in handles:
        h.remove()
    return found


def gamma_beta(layer):
    if isinstance(layer, nn.modules.batchnorm._BatchNorm):
        return layer.weight.detach(), layer.bias.detach(), layer.running_mean, layer.running_var
    return tuple(t.detach().reshape(-1) for t in
                 (layer.gamma, layer.beta, layer.moving_mean, layer.moving_var))


def seeded(model, seed=0, steps=3):
    """``model`` with random γ, β and running averages moved by a few training batches."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        model(torch.rand(4, 1, 28, 28, generator=generator))  # lazy layers get their shapes
        for name, p in model.named_parameters():
            if any(k in name for k in ("gamma", "beta")) or p.dim() == 1:
                p.copy_(torch.rand(p.shape, generator=generator) * 1.5 + 0.25)
        model.train()
        for _ in range(steps):
            model(torch.rand(16, 1, 28, 28, generator=generator))
    return model


@pytest.fixture(scope="module")
def images():
    return torch.rand(32, 1, 28, 28, generator=torch.Generator().manual_seed(1))


@pytest.fixture(scope="module", params=["nn.BatchNorm", "from scratch"])
def model(request):
    torch.manual_seed(0)
    return seeded(BNLeNet() if request.param == "nn.BatchNorm" else BNLeNetScratch())


@pytest.fixture(scope="module")
def default():
    return BatchNormView()


# ============================================================ the numbers

def test_training_mode_normalises_with_the_batch(model, images):
    w = BatchNormView(model, images, batch_sizes=(4, 32))
    assert w.layer_names() == ["BN after conv 1", "BN after conv 2", "BN after dense 1",
                               "BN after dense 2"]
    for n in (4, 32):
        for index, (layer, x, y) in enumerate(caught(model, images[:n], "train")):
            s = w.stats(layer=index, mode="train", batch_size=n)
            gamma, beta, _, _ = gamma_beta(layer)
            mean, var = moments(x)
            close(s["in_mean"], mean), close(s["in_var"], var)
            close(s["out_mean"], moments(y)[0]), close(s["out_var"], moments(y)[1])
            close(s["gamma"], gamma), close(s["beta"], beta)
            # Batch norm's promise: the output means are β, the variances γ²·var/(var+eps).
            # (float32 arithmetic: 1e-4 of slack; the stored numbers are rounded, not these)
            close(s["out_mean"], beta, "mean = beta", slack=1e-4)
            close(s["out_var"], gamma ** 2 * var / (var + 1e-5), "var = gamma²", slack=1e-4)


def test_evaluation_mode_normalises_with_the_running_averages(model, images):
    w = BatchNormView(model, images, batch_sizes=(4, 32))
    for n in (4, 32):
        for index, (layer, x, y) in enumerate(caught(model, images[:n], "eval")):
            gamma, beta, running_mean, running_var = gamma_beta(layer)
            shape = (1, -1) + (1,) * (x.dim() - 2)
            by_hand = ((x - running_mean.reshape(shape)) / torch.sqrt(running_var.reshape(shape)
                       + 1e-5) * gamma.reshape(shape) + beta.reshape(shape))
            torch.testing.assert_close(y, by_hand)  # the layer itself in eval mode
            s = w.stats(layer=index, mode="eval", batch_size=n)
            close(s["in_mean"], moments(x)[0]), close(s["in_var"], moments(x)[1])
            close(s["out_mean"], moments(y)[0]), close(s["out_var"], moments(y)[1])
            close(w.layers[index]["running_mean"], running_mean)
            close(w.layers[index]["running_var"], running_var)
            # Not the batch's statistics: after a few batches the averages are still far off.
            assert not torch.allclose(s["out_mean"], beta.double(), atol=1e-2)


def test_the_model_is_left_exactly_as_it_was(model, images):
    model.train()
    model.net[1].eval()  # mixed flags survive too
    before = {k: v.clone() for k, v in model.state_dict().items()}
    objects = dict(model.named_buffers())
    flags = [m.training for m in model.modules()]
    generator_state = torch.random.get_rng_state()
    BatchNormView(model, images, batch_sizes=(2, 8, 32))
    after = model.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before), \
        [k for k in before if not torch.equal(before[k], after[k])]
    assert all(objects[k] is t for k, t in model.named_buffers())  # the same tensors, not copies
    assert [m.training for m in model.modules()] == flags
    assert torch.equal(torch.random.get_rng_state(), generator_state)
    model.train()


def test_smaller_batches_have_noisier_statistics(default):
    # Training mode: each batch's own input statistics, off from the largest batch's by
    # more the smaller the batch; the normalised output is 0 and 1 at every size.
    sizes = default.batch_sizes
    assert sizes == [2, 8, 32, 128]
    noise = []
    for n in sizes[:-1]:
        mean_off, var_off = [], []
        for index in range(len(default.layers)):
            s, ref = (default.stats(index, "train", size) for size in (n, sizes[-1]))
            mean_off.append((s["in_mean"] - ref["in_mean"]).abs() / ref["in_var"].sqrt())
            var_off.append((s["in_var"] - ref["in_var"]).abs() / ref["in_var"])
            assert s["norm_mean"].abs().max() < 1e-3
            if n >= 8:  # with 2 values per unit a dense layer's var is at times near eps
                assert (s["norm_var"] - 1).abs().max() < 0.01
        noise.append((torch.cat(mean_off).mean().item(), torch.cat(var_off).mean().item()))
    assert noise[0][0] > noise[1][0] > noise[2][0] > 0.02, noise
    assert noise[0][1] > noise[1][1] > noise[2][1] > 0.02, noise


def test_default_is_an_untrained_bn_lenet_on_fashion_mnist(default):
    assert re.search(facts("BatchNormView", "4 BN layers", "6, 16, 120, 84", "2/8/32/128"),
                     repr(default))
    assert (default.layer, default.mode, default.batch_size, default.channel) == (0, "train",
                                                                                  128, 0)
    assert [entry["type"] for entry in default.layers] == ["BatchNorm2d"] * 2 + ["BatchNorm1d"] * 2
    # Untrained: running averages 0 and 1, so evaluation mode passes the input through.
    for index, entry in enumerate(default.layers):
        assert set(entry["running_mean"]) == {0.0} and set(entry["running_var"]) == {1.0}
        s = default.stats(index, "eval", 32)
        close(s["out_mean"], s["in_mean"] / (1 + 1e-5) ** 0.5)
    # The same images and seed give the same numbers; the notebook's random stream is kept.
    torch.manual_seed(1234)
    generator_state = torch.random.get_rng_state()
    data = d2l.FashionMNIST(batch_size=1).val.data[:128].float() / 255
    again = BatchNormView(None, data.unsqueeze(1), batch_sizes=(2, 8, 32, 128))
    assert again.layers == default.layers
    assert torch.equal(torch.random.get_rng_state(), generator_state)


def test_state_is_small_and_channels_are_capped(default, images):
    assert len(json.dumps(default.get_state(), default=str)) < 150_000
    torch.manual_seed(0)
    w = BatchNormView(seeded(BNLeNet()), images, batch_sizes=(2, 32), max_channels=10)
    assert [(e["channels"], e["shown"], len(e["gamma"]), len(e["train"][0]["in_mean"]))
            for e in w.layers] == [(6, 6, 6, 6), (16, 10, 10, 10), (120, 10, 10, 10),
                                   (84, 10, 10, 10)]


def test_any_batch_norm_layer_in_any_model():
    # Not a Sequential, a BatchNorm1d without affine, one without running averages,
    # the from-scratch BatchNorm, and a float64 batch for a float32 model.
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 3, 3)
            self.norm = BatchNorm(3, num_dims=4)
            self.fc = nn.Linear(3, 5)
            self.plain = nn.BatchNorm1d(5, affine=False)
            self.free = nn.BatchNorm1d(5, track_running_stats=False)

        def forward(self, x):
            x = self.norm(self.conv(x)).mean((2, 3))
            return self.free(self.plain(self.fc(x)))

    net = Net()
    w = BatchNormView(net, torch.rand(6, 2, 5, 5, dtype=torch.float64), batch_sizes=(3, 6))
    assert w.layer_names() == ["BN after conv 1", "BN after dense 1", "BN after dense 1"]
    assert [e["path"] for e in w.layers] == ["norm", "plain", "free"]
    assert w.layers[1]["gamma"] == [1.0] * 5 and w.layers[1]["beta"] == [0.0] * 5
    assert w.layers[2]["running_mean"] is None
    # No running averages: evaluation mode normalises with the batch, as training mode.
    for n in (3, 6):
        s = w.stats(2, "eval", n)
        close(s["out_mean"], torch.zeros(5), slack=1e-5)
        close(s["out_var"], s["in_var"] / (s["in_var"] + 1e-5), slack=1e-4)
        assert w.stats(1, "eval", n)["out_mean"].abs().max() > 1e-2  # running averages


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_a_model_on_the_gpu_gets_the_same_numbers(images):
    torch.manual_seed(0)
    model = seeded(BNLeNet())
    on_cpu = BatchNormView(model, images, batch_sizes=(4, 32))
    model.cuda()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    on_gpu = BatchNormView(model, images, batch_sizes=(4, 32))  # images stay on the CPU
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    for index in range(4):
        for mode in ("train", "eval"):
            for n in (4, 32):
                a, b = on_cpu.stats(index, mode, n), on_gpu.stats(index, mode, n)
                for key in ("in_mean", "in_var", "out_mean", "out_var"):
                    assert torch.allclose(a[key], b[key], rtol=1e-2, atol=1e-4), (index, key)


# ============================================================ the page

def page_state(widget, **changes):
    state = json.loads(json.dumps(widget.get_state(), default=str))
    state.update(changes)
    return state


def two(x):
    """2 decimals, no trailing zeros (d2lFmt)."""
    return f"{round(x, 2) + 0.0:g}"


def tiny(x):
    """A variance as the page words it: 2 significant digits below 0.01 (as JS writes them)."""
    if not 0 < abs(x) < 0.01:
        return two(x)
    v = float(f"{x:.2g}")
    return np.format_float_positional(v, trim="-") if abs(v) >= 1e-6 else \
        f"{v:.1e}".replace(".0e", "e").replace("e-0", "e-")


def among(name, values, fmt):
    """How the page words a range: "means lie in -0.1..0.2", or "means are all 0" when both
    ends read the same (never "0..0")."""
    lo, hi = fmt(min(values)), fmt(max(values))
    return f"{name} are all {lo}" if lo == hi else f"{name} lie in {lo}..{hi}"


@needs_node
@pytest.mark.parametrize("layer, mode, batch_size, channel", [
    (0, "train", 2, 1), (1, "eval", 4, 3), (1, "train", 8, 0)])
def test_the_page_shows_the_selected_numbers(layer, mode, batch_size, channel):
    w = BatchNormView._example(layer=layer, mode=mode, batch_size=batch_size, channel=channel)
    out = run_js(w, FAKE_PAGE + r"""
        const { el } = page(payload.state);
        const root = el.children[0];
        const status = [...el.walk()].find((n) => n.attributes["data-testid"] === "bn-status");
        return { data: root.dataset, testid: root.dataset.testid,
                 widget: root.classList.contains("d2l-widget"), status: status.textContent };
        """, {"state": page_state(w)})
    assert out["testid"] == "batchnorm-view" and out["widget"]
    s = w.stats()
    data = out["data"]
    assert (data["layer"], data["mode"], data["batch"], data["channel"]) == (
        w.layer_names()[layer], mode, str(batch_size), str(channel))
    for key, name in (("inMean", "in_mean"), ("inVar", "in_var"), ("outMean", "out_mean"),
                      ("outVar", "out_var"), ("gamma", "gamma"), ("beta", "beta")):
        assert json.loads(data[key]) == s[name].tolist(), key
    for key, name in (("normMean", "norm_mean"), ("normVar", "norm_var")):
        assert torch.allclose(torch.tensor(json.loads(data[key]), dtype=torch.float64), s[name])
    words = "training mode" if mode == "train" else "evaluation mode"
    channels = len(s["gamma"])
    assert out["status"].startswith(
        f"{w.layer_names()[layer]} ({channels} channels), {words}, batch {batch_size}: "
        f"after normalisation the channel {among('means', s['norm_mean'].tolist(), two)}, "
        f"the {among('variances', s['norm_var'].tolist(), tiny)}\n")
    if mode == "train":  # normalised by the batch itself: the means are 0 to 2 decimals
        assert "the channel means are all 0, the variances " in out["status"]
    assert f"\nchannel {channel}: before BN mean " in out["status"]
    if mode == "train" and batch_size < 8:
        assert "differ from those of the batch of 8 by up to" in out["status"]
    if mode == "eval":
        assert "normalised with the running averages" in out["status"]


@needs_node
def test_the_page_words_an_untrained_model_in_evaluation_mode(default):
    # Running averages 0 and 1: nothing is normalised, the tiny variances are not "0".
    state = page_state(default, layer=2, mode="eval", batch_size=8)
    out = run_js(default, FAKE_PAGE + r"""
        const { el } = page(payload.state);
        return [...el.walk()].find((n) => n.attributes["data-testid"] === "bn-status").textContent;
        """, {"state": state})
    s = default.stats(layer=2, mode="eval", batch_size=8)
    assert s["norm_var"].max() < 0.01
    assert out.startswith(
        f"BN after dense 1 (120 channels), evaluation mode, batch 8: after normalisation the "
        f"channel {among('means', s['norm_mean'].tolist(), two)}, the "
        f"{among('variances', s['norm_var'].tolist(), tiny)}\nnormalised with the running averages")


@needs_node
def test_the_page_controls_change_layer_mode_batch_and_channel():
    w = BatchNormView._example(channel=2)
    out = run_js(w, FAKE_PAGE + r"""
        const { model, el } = page(payload.state);
        const byId = (id) => [...el.walk()].find((n) => n.attributes["data-testid"] === id);
        const root = el.children[0];
        const seen = [];
        const choose = (id, value) => {
          const control = byId(id);
          control.value = value;
          control.dispatchEvent(new Event("change"));
          seen.push({ sent: model.sent.at(-1), mode: root.dataset.mode, batch: root.dataset.batch,
                      layer: root.dataset.layer, channel: root.dataset.channel,
                      outMean: JSON.parse(root.dataset.outMean) });
        };
        choose("bn-mode", "eval");
        choose("bn-batch", "2");
        choose("bn-layer", "1");
        const bars = byId("bn-out-var");  // 4 channels: 28 px bars after a 48 px axis
        bars.dispatchEvent(Object.assign(new Event("click"), { clientX: 48 + 2 * 28 + 5, clientY: 10 }));
        seen.push({ sent: model.sent.at(-1), channel: root.dataset.channel });
        return seen;
        """, {"state": page_state(w)})
    assert [step["sent"] for step in out] == [{"mode": "eval"}, {"batch_size": 2},
                                              {"layer": 1, "channel": 0}, {"channel": 2}]
    assert out[2]["layer"] == "BN after dense 1" and out[2]["channel"] == "0"
    assert out[2]["outMean"] == w.stats(layer=1, mode="eval", batch_size=2)["out_mean"].tolist()
    assert out[3]["channel"] == "2"
    for step in out:
        w.set_state(step["sent"])
    assert (w.mode, w.batch_size, w.layer, w.channel) == ("eval", 2, 1, 2)


# ============================================================ bad arguments

def small():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(72, 3))


@pytest.mark.parametrize("args, kwargs, error, words", [
    (("net",), {}, TypeError, ["model", "nn.Module", "batch-norm", "str"]),
    ((nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()),), {}, ValueError,
     ["no batch-norm layer", "BNLeNet"]),
    ((BNLeNet(),), {}, ValueError, ["lazy", "run a batch", "apply_init"]),
    ((nn.Sequential(nn.LazyBatchNorm2d(affine=False)),), {}, ValueError,  # lazy buffers only
     ["lazy", "run a batch", "apply_init"]),
    ((None, torch.rand(8, 8)), {}, ValueError, ["images", "batch", "2-D", "(8, 8)"]),
    ((None, torch.rand(2, 1, 1, 8, 8)), {}, ValueError,
     ["images", "(n, channels, h, w)", "(2, 1, 1, 8, 8)"]),
    ((None, torch.rand(4, 3, 8, 8)), dict(batch_sizes=(2, 4)), ValueError,
     ["model(images)", "failed", "(4, 3, 8, 8)", "RuntimeError"]),
    ((None, torch.randint(0, 255, (4, 1, 8, 8), dtype=torch.uint8)), {}, TypeError,
     ["images", "torch.uint8", "/ 255"]),
    ((None, torch.full((4, 1, 8, 8), float("nan"))), {}, ValueError, ["images", "NaN"]),
    ((None, torch.rand(10, 1, 8, 8)), dict(batch_sizes=(2, 8, 32)), ValueError,
     ["batch_sizes", "32", "10 images", "more images", "batch_sizes=(2, 8)"]),
    ((None, torch.rand(1, 1, 8, 8)), dict(batch_sizes=(2,)), ValueError,
     ["images", "single image", "at least 2"]),
    ((None, torch.rand(4, 1, 8, 8)), dict(batch_sizes=(1, 4)), ValueError,
     ["batch_sizes", "at least 2", "1"]),
    ((None, torch.rand(4, 1, 8, 8)), dict(batch_sizes=4), TypeError,
     ["batch_sizes", "list or tuple of ints", "4"]),
    ((None, torch.rand(20, 1, 8, 8)), dict(batch_sizes=range(2, 12)), TypeError,
     ["batch_sizes", "list or tuple", "range(2, 12)"]),
    ((None, torch.rand(20, 1, 8, 8)), dict(batch_sizes=tuple(range(2, 12))), ValueError,
     ["batch_sizes", "1 to 8 sizes", "10"]),
    ((None, torch.rand(4, 1, 8, 8)), dict(batch_sizes=(2, 4), batch_size=3), ValueError,
     ["batch_size", "2, 4", "3", "batch_sizes"]),
    ((None, torch.rand(4, 1, 8, 8)), dict(batch_sizes=(2, 4), mode="test"), ValueError,
     ["mode", "'train', 'eval'", "'test'"]),
    ((None, torch.rand(4, 1, 8, 8)), dict(batch_sizes=(2, 4), max_channels=0), ValueError,
     ["max_channels", "at least 1", "0"]),
    ((nn.Sequential(*[nn.BatchNorm2d(512) for _ in range(10)]), torch.randn(16, 512, 1, 1)),
     dict(batch_sizes=(2, 4, 8, 16), max_channels=512), ValueError,
     [re.compile(r"[\d.]+ MB"), "1 MB", "fewer batch_sizes", "max_channels", "512"]),
])
def test_bad_arguments(args, kwargs, error, words):
    if len(args) > 1 and args[0] is None:
        args = (small(),) + args[1:]
    with pytest.raises(error, match=facts("BatchNormView", *words)):
        BatchNormView(*args, **kwargs)
