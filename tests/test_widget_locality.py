"""LocalityView (§7.1) and d2lmini.equivariance: a dense layer vs a convolution, locality,
weight sharing, translation.

The Python mirrors (shift, both layers, the weight maps, the counts, the
equivariance check) are checked against PyTorch (``nn.Linear``,
``F.conv2d``, autograd for "which pixels a unit depends on"), and the
JavaScript (run in Node) against the mirrors on the same inputs, both as
plain functions and as the rendered page, which works from the saved
state alone (no kernel); the status sentences are Python's, filled by the
page with its own numbers. The generic state tests are in test_widget_state.py.
"""
import json
import re

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from d2lmini.equivariance import (away_from_border, conv_same, dense_forward, dense_init,
                                  equivariance, layer_counts, shift_image)
from d2lmini.widgets._text import fill
from d2lmini.widgets.locality import TEXTS, LocalityView
from doubles import assert_close
from widgetjs import FAKE_PAGE, needs_node, run_js

SHIFTS = [(0, 0), (0, 2), (2, 0), (-3, 1), (3, -3), (-1, -2), (3, 3)]


def rand(seed, *shape):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def page_state(widget):
    return json.loads(json.dumps(widget.get_state(), default=str))


@pytest.fixture(scope="module")
def default():
    return LocalityView()


@pytest.fixture(scope="module")
def small():
    """A 5×7 image (not square) with a 3×3 random kernel: rows and columns cannot be mixed up."""
    return LocalityView(rand(0, 5, 7), "random", unit=(1, 5), shift=(1, -2), seed=3)


# ---------------------------------------------------------------- the default and the layers

def test_default_is_fashion_mnist_averaged_to_14x14(default):
    from d2lmini import FashionMNIST

    data = FashionMNIST(batch_size=1, n_train=1, n_val=1)
    expected = F.avg_pool2d(data.val.data[0].double()[None] / 255, 2)[0]
    assert_close(default.image_tensor(), expected, atol=5e-4 + 1e-12)
    assert "ankle boot" in default.image_label and "14×14" in default.image_label
    assert default.unit == [7, 7] and default.shift == [0, 0] and default.preset == "vertical_edge"
    assert default.kernel == [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]  # §7.1's edge
    assert repr(default) == ("LocalityView(image 14×14, kernel 'vertical_edge' 3×3, unit (7, 7), "
                             "shift (0, 0): dense 38,416 weights, convolution 9)")


def test_dense_weights_are_nn_linear_default_init_within_half_a_quantization_step(default):
    torch.manual_seed(0)
    linear = nn.Linear(196, 196)
    W = default.dense_weight()
    [[lo, hi]] = default.dense["ranges"]
    assert W.shape == (196, 196) and default.dense["shape"] == [196, 196]
    for stored, real in ((lo, linear.weight.min().item()), (hi, linear.weight.max().item())):
        assert abs(stored - real) <= 5e-6 * abs(real)  # kept to 6 significant digits
    assert_close(W, linear.weight.detach().double(), atol=(hi - lo) / 510 + 1e-6 * hi)
    assert hi <= 1 / 14 and lo >= -1 / 14  # kaiming-uniform bound 1 / sqrt(fan_in)
    assert len(set(W.flatten().tolist())) > 200  # really 8-bit, not a handful of values


def test_making_the_widget_leaves_the_global_random_state_alone():
    before = torch.get_rng_state()
    LocalityView(rand(1, 4, 4), "random", seed=5)
    assert torch.equal(torch.get_rng_state(), before)
    assert torch.equal(dense_init(16, 16, 5), dense_init(16, 16, 5))
    assert not torch.equal(dense_init(16, 16, 5), dense_init(16, 16, 6))


def test_random_kernel_is_conv2d_default_init():
    w = LocalityView(rand(1, 4, 4), "random", seed=2)
    torch.manual_seed(2)
    conv = nn.Conv2d(1, 1, 3)
    assert_close(w.kernel_tensor(), conv.weight.detach()[0, 0].double(), atol=5e-5 + 1e-12)
    assert w.preset == "random" and "seed 2" in w.presets["random"]["label"]


def test_state_is_small(default):
    size = len(json.dumps(default.get_state(), default=str))
    assert size < 150_000, size  # 38,416 weights as base64 bytes, plus the JS
    big = LocalityView(rand(0, 16, 16))
    assert len(json.dumps(big.get_state(), default=str)) < 300_000


@pytest.mark.parametrize("shift", SHIFTS)
def test_outputs_match_nn_linear_and_conv2d(small, shift):
    X = small.image_tensor()
    Xs = small.shifted(shift)
    assert_close(small.dense_output(shift), small.dense_layer()(Xs.reshape(-1)).reshape(5, 7),
                 atol=1e-12)
    assert_close(small.dense_output(shift), F.linear(Xs.reshape(-1), small.dense_weight())
                 .reshape(5, 7), atol=1e-12)
    K = small.kernel_tensor()
    expected = F.conv2d(Xs[None, None], K[None, None], padding=1)[0, 0]
    assert_close(small.conv_output(shift), expected, atol=1e-12)
    with torch.no_grad():
        assert_close(small.conv_output(shift), small.conv_layer()(Xs[None, None])[0, 0],
                     atol=1e-12)
    assert small.conv_output(shift).shape == X.shape == small.dense_output(shift).shape


@pytest.mark.parametrize("kernel", [[[0.5]], [[1, 2, 3]], torch.arange(15.0).reshape(5, 3),
                                    torch.ones(7, 7)])
def test_conv_same_matches_conv2d_for_odd_kernels(kernel):
    X, K = rand(2, 6, 8), torch.as_tensor(kernel, dtype=torch.float64)
    kh, kw = K.shape
    expected = F.conv2d(X[None, None], K[None, None], padding=(kh // 2, kw // 2))[0, 0]
    assert_close(conv_same(X, K), expected, atol=1e-9)
    w = LocalityView(X, kernel)
    with torch.no_grad():
        assert_close(w.conv_output(), w.conv_layer()(w.image_tensor()[None, None])[0, 0],
                     atol=1e-9)


@pytest.mark.parametrize("shift", SHIFTS + [(5, 0), (0, -8)])
def test_shift_brings_in_zeros_and_does_not_wrap(shift):
    X = rand(4, 5, 7) + 1  # no zeros of its own
    dy, dx = shift
    out = shift_image(X, shift)
    for i in range(5):
        for j in range(7):
            inside = 0 <= i - dy < 5 and 0 <= j - dx < 7
            assert out[i, j] == (X[i - dy, j - dx] if inside else 0)
    if dy >= 0 and dx >= 0 and dy < 5 and dx < 7:  # §7.1's own shift helper
        ref = torch.zeros_like(X)
        ref[dy:, dx:] = X[:5 - dy, :7 - dx]
        assert torch.equal(out, ref)


# ---------------------------------------------------------------- locality and weight sharing

def jacobian_map(f, X, unit):
    """d f(X)[unit] / d X: the weight each pixel gets from that output unit."""
    J = torch.autograd.functional.jacobian(f, X)
    return J[unit[0], unit[1]]


@pytest.mark.parametrize("unit", [(0, 0), (2, 3), (4, 6), (1, 5)])
def test_unit_weights_are_what_the_unit_depends_on(small, unit):
    dense_map, conv_map = small.unit_weights(unit)
    X = small.image_tensor()
    assert_close(dense_map, jacobian_map(lambda x: dense_forward(small.dense_weight(), x), X, unit),
                 atol=1e-12)
    K = small.kernel_tensor()
    assert_close(conv_map, jacobian_map(
        lambda x: F.conv2d(x[None, None], K[None, None], padding=1)[0, 0], X, unit), atol=1e-12)
    # locality: only the 3×3 window around the unit (clipped at the border)
    rows = range(max(unit[0] - 1, 0), min(unit[0] + 2, 5))
    cols = range(max(unit[1] - 1, 0), min(unit[1] + 2, 7))
    outside = torch.ones(5, 7, dtype=torch.bool)
    outside[rows.start:rows.stop, cols.start:cols.stop] = False
    assert (conv_map[outside] == 0).all()
    assert (dense_map != 0).sum() > 30  # the dense unit uses (nearly) every pixel


def test_weight_sharing_same_kernel_at_every_unit_different_dense_rows(default):
    K = default.kernel_tensor()
    seen = set()
    for unit in [(3, 3), (7, 7), (10, 4), (12, 12)]:
        dense_map, conv_map = default.unit_weights(unit)
        i, j = unit
        assert torch.equal(conv_map[i - 1:i + 2, j - 1:j + 2], K)
        seen.add(tuple(dense_map.flatten().tolist()))
    assert len(seen) == 4


def test_counts_are_the_parameters_of_the_torch_layers(default, small):
    for w in (default, small):
        c = w.counts()
        h, wd = len(w.image), len(w.image[0])
        assert c["dense_weights"] == w.dense_layer().weight.numel() == (h * wd) ** 2
        assert c["conv_weights"] == w.conv_layer().weight.numel() == 9
        assert c["pixels"] == c["outputs"] == c["dense_sees"] == h * wd
    assert layer_counts((14, 14), (5, 3)) == {
        "pixels": 196, "outputs": 196, "dense_weights": 38416, "dense_sees": 196,
        "conv_weights": 15, "conv_sees": 15}
    assert default.status()[0] == ("dense: 38,416 weights, every output sees all 196 pixels; "
                                   "convolution: 9 weights shared by all 196 outputs, each sees "
                                   "9 pixels")
    one = fill(TEXTS["counts"], layer_counts((1, 2), (1, 1)))
    assert one == ("dense: 4 weights, every output sees all 2 pixels; convolution: 1 weight "
                   "shared by all 2 outputs, each sees 1 pixel")


# ---------------------------------------------------------------- translation

@pytest.mark.parametrize("shift", SHIFTS[1:])
def test_convolution_is_equivariant_away_from_the_border_dense_is_not(default, shift):
    X, K, W = default.image_tensor(), default.kernel_tensor(), default.dense_weight()
    conv = lambda x: F.conv2d(x[None, None], K[None, None], padding=1)[0, 0]  # noqa: E731
    rows, cols = away_from_border(X.shape, K.shape, shift)
    moved = shift_image(conv(X), shift)
    new = conv(shift_image(X, shift))
    assert_close(new[rows.start:rows.stop, cols.start:cols.stop],
                 moved[rows.start:rows.stop, cols.start:cols.stop], atol=1e-9)
    eq = default.equivariance(shift)
    dy, dx = shift
    assert eq["interior"] == (12 - abs(dy)) * (12 - abs(dx)) == len(rows) * len(cols)
    assert eq["conv_equal"] == eq["interior"]
    assert eq["dense_equal"] == 0
    assert eq["conv_equal_all"] == int(torch.isclose(new, moved, rtol=0, atol=1e-9).sum())
    # the boot sits on black, so most border units agree too (all but 15 for (0, 2))
    assert eq["interior"] <= eq["conv_equal_all"] <= eq["units"] == 196
    if shift == (0, 2):
        assert eq["conv_equal_all"] == 181
    # the widget's numbers are the torch ones
    assert_close(eq["conv"], new, atol=1e-9)
    assert_close(eq["dense"], F.linear(shift_image(X, shift).reshape(-1), W).reshape(14, 14),
                 atol=1e-12)
    line = default.__class__(default.image, shift=shift).status()[1]
    n = eq["interior"]
    assert line.startswith(f"shift ({dy}, {dx}): the convolution's output moves with the input: "
                           f"at {n} of the {n} units away from the border")
    assert f"the dense output does so at 0 of {eq['interior']}" in line


def test_away_from_the_border_on_a_random_image():
    # Inside the region the convolution always agrees; at the border where pixels left the
    # image (or zeros came in under a window) a random image and kernel make it differ.
    X, K, W = rand(5, 8, 9) + 0.1, rand(6, 3, 3) + 0.1, dense_init(72, 72)
    for shift in [(1, 2), (-2, 0), (0, -1), (3, -3)]:
        eq = equivariance(X, W, K, shift)
        rows, cols = away_from_border(X.shape, K.shape, shift)
        assert eq["conv_equal"] == eq["interior"] == len(rows) * len(cols) > 0
        assert eq["interior"] <= eq["conv_equal_all"] < eq["units"] == 72
        assert eq["dense_equal"] == 0
    eq = equivariance(X, W, K, (0, 0))
    assert eq["conv_equal_all"] == eq["dense_equal_all"] == 72 and eq["interior"] == 6 * 7


def test_no_unit_away_from_the_border():
    w = LocalityView(rand(7, 3, 3), shift=(2, 0))
    eq = w.equivariance()
    assert eq["interior"] == eq["conv_equal"] == eq["dense_equal"] == 0
    assert w.status()[1].startswith("shift (2, 0): no unit is away from the border at this shift")


# ---------------------------------------------------------------- bad arguments

@pytest.mark.parametrize("kwargs, error, words", [
    ({"image": torch.zeros(28, 28)}, ValueError, ["image is 28×28", "16×16", "614,656",
                                                  "F.avg_pool2d(image[None], 2)[0]"]),
    ({"image": torch.zeros(300, 300)}, ValueError, ["image", "300×300"]),
    ({"image": torch.zeros(1, 1, 8, 8)}, ValueError, ["image", "2-D", "reshape(8, 8)"]),
    ({"image": torch.zeros(1, 5)}, ValueError, ["image", "at least 2×2"]),
    ({"image": "boot"}, TypeError, ["image", "str"]),
    ({"image": torch.zeros(4, 4), "kernel": torch.ones(2, 2)}, ValueError,
     ["kernel", "odd", "2×2"]),
    ({"image": torch.zeros(4, 4), "kernel": torch.ones(9, 9)}, ValueError, ["kernel", "7×7"]),
    ({"image": torch.zeros(4, 4), "kernel": "sobel"}, ValueError, ["kernel", "'vertical_edge'",
                                                                   "'random'"]),
    ({"image": torch.zeros(4, 4), "unit": (4, 0)}, ValueError, ["unit row", "at most 3"]),
    ({"image": torch.zeros(4, 4), "unit": 2}, TypeError, ["unit", "(row, column)"]),
    ({"image": torch.zeros(4, 4), "shift": (0, 4)}, ValueError, ["shift", "at most 3"]),
    ({"image": torch.zeros(4, 4), "shift": (0.5, 1)}, TypeError, ["shift", "int"]),
    ({"image": torch.zeros(4, 4), "seed": True}, TypeError, ["seed", "int"]),
])
def test_bad_arguments_name_the_widget_and_say_what_works(kwargs, error, words):
    with pytest.raises(error) as info:
        LocalityView(**kwargs)
    message = str(info.value)
    assert message.startswith("LocalityView: "), message
    for word in words:
        assert word in message, (word, message)


def test_new_image_recentres_the_unit_and_gets_new_weights_of_its_size():
    w = LocalityView(rand(0, 6, 6), unit=(5, 5), shift=(1, 1), image_label="six")
    w.image = rand(1, 4, 8)
    assert w.unit == [2, 4] and w.shift == [1, 1] and w.image_label == "input"
    assert w.dense["shape"] == [32, 32]
    torch.manual_seed(0)
    assert_close(w.dense_weight(), nn.Linear(32, 32).weight.detach().double(),
                 atol=(w.dense["ranges"][0][1] - w.dense["ranges"][0][0]) / 510 + 1e-6)


# ---------------------------------------------------------------- the JavaScript

JS_FUNCTIONS = r"""
const out = [];
for (const c of payload.cases) {
  const dense = m.lvDecode(c.dense);
  const eq = m.lvEquivariance(c.X, dense, c.K, c.shift);
  const [dmap, cmap] = m.lvUnitWeights(dense, c.K, c.X.length, c.X[0].length, c.unit[0], c.unit[1]);
  const counts = m.lvCounts([c.X.length, c.X[0].length], [c.K.length, c.K[0].length]);
  out.push({ W: Array.from(dense.W), shifted: eq.maps.shifted, dense: eq.maps.dense,
             conv: eq.maps.conv, counts: eq.counts, away: eq.away, dmap, cmap, allCounts: counts,
             status: m.lvStatus(c.texts, counts, c.shift, eq.counts) });
}
return out;
"""


@needs_node
def test_javascript_functions_match_the_python_mirrors(default, small):
    cases, expected = [], []
    odd = LocalityView(rand(9, 6, 5), [[1, -2, 0.5, 3, -1]], unit=(5, 0))
    for w, shifts in ((default, SHIFTS), (small, [(1, -2), (0, 3), (-3, -3)]),
                      (odd, [(0, 0), (2, 1), (-1, 3)])):
        for shift in shifts:
            cases.append({"X": w.image, "K": w.kernel, "dense": w.dense, "shift": list(shift),
                          "unit": w.unit, "texts": w.texts})
            expected.append((w, shift))
    results = run_js(default, JS_FUNCTIONS, {"cases": cases})
    for (w, shift), js in zip(expected, results):
        where = (repr(w), shift)
        W = w.dense_weight()
        assert torch.equal(torch.tensor(js["W"], dtype=torch.float64).reshape(W.shape), W), where
        eq = w.equivariance(shift)
        assert torch.equal(torch.tensor(js["shifted"], dtype=torch.float64), eq["shifted"]), where
        assert_close(torch.tensor(js["dense"], dtype=torch.float64), w.dense_output(shift),
                     atol=1e-12, msg=where)
        assert_close(torch.tensor(js["conv"], dtype=torch.float64), w.conv_output(shift),
                     atol=1e-12, msg=where)
        assert js["counts"] == {k: eq[k] for k in js["counts"]}, where
        assert set(js["counts"]) == {"units", "interior", "conv_equal", "conv_equal_all",
                                     "dense_equal", "dense_equal_all"}
        rows, cols = away_from_border((len(w.image), len(w.image[0])),
                                      (len(w.kernel), len(w.kernel[0])), shift)
        assert js["away"] == [[rows.start, rows.stop], [cols.start, cols.stop]], where
        dmap, cmap = w.unit_weights()
        assert torch.equal(torch.tensor(js["dmap"], dtype=torch.float64), dmap), where
        assert torch.equal(torch.tensor(js["cmap"], dtype=torch.float64), cmap), where
        assert js["allCounts"] == w.counts(), where
        moved = LocalityView(w.image, w.kernel, shift=shift, seed=w.seed)
        assert js["status"] == moved.status(), where


RENDER = FAKE_PAGE + r"""
const { model, el } = page(payload.state);
const root = el.children[0];
const byId = (id) => [...el.walk()].find((n) =>
  n.attributes["data-testid"] === id || n.dataset.testid === id);
const snap = () => ({
  cls: root.classList.contains("d2l-widget"), testid: root.dataset.testid,
  data: Object.fromEntries(Object.entries(root.dataset).map(([k, v]) =>
    [k, k === "testid" ? v : JSON.parse(v)])),
  status: byId("locality-status").textContent, shift: byId("locality-shift").textContent,
  unitLine: byId("locality-unit").textContent,
  preset: byId("locality-kernel-preset").value,
});
const first = snap();
// click an output unit: it becomes the selected unit and is saved
const canvas = byId("locality-conv-output");
const click = Object.assign(new Event("click"), { clientX: 12 * 3 + 2, clientY: 12 * 5 + 2 });
canvas.dispatchEvent(click);
const clicked = { sent: model.sent.slice(), unit: JSON.parse(root.dataset.unit) };
// the "no shift" button
byId("locality-no-shift").dispatchEvent(new Event("click"));
return { first, clicked, noShift: { sent: model.sent.slice(-1), after: snap() } };
"""


@needs_node
@pytest.mark.parametrize("shift", [(0, 2), (-3, 1), (0, 0)])
def test_the_page_draws_what_python_computes_from_the_saved_state(default, shift):
    w = LocalityView(default.image, shift=shift, unit=(4, 9), image_label=default.image_label)
    out = run_js(w, RENDER, {"state": page_state(w)})
    first = out["first"]
    assert first["cls"] and first["testid"] == "locality-view"
    data = first["data"]
    assert torch.equal(torch.tensor(data["shifted"], dtype=torch.float64), w.shifted())
    assert_close(torch.tensor(data["denseOutput"], dtype=torch.float64), w.dense_output(),
                 atol=1e-12)
    assert_close(torch.tensor(data["convOutput"], dtype=torch.float64), w.conv_output(), atol=1e-12)
    dmap, cmap = w.unit_weights()
    assert torch.equal(torch.tensor(data["denseWeights"], dtype=torch.float64), dmap)
    assert torch.equal(torch.tensor(data["convWeights"], dtype=torch.float64), cmap)
    assert data["counts"] == w.counts() and data["unit"] == [4, 9] and data["shift"] == list(shift)
    eq = w.equivariance()
    assert data["equivariance"] == {k: eq[k] for k in data["equivariance"]}
    lines = w.status()
    assert [first["status"], first["shift"]] == lines
    assert first["status"] == ("dense: 38,416 weights, every output sees all 196 pixels; "
                               "convolution: 9 weights shared by all 196 outputs, each sees "
                               "9 pixels")
    if shift != (0, 0):
        numbers = re.search(r"at (\d+) of the (\d+) units away from the border \((\d+) of all 196\)"
                            r".*the dense output does so at (\d+) of (\d+)", first["shift"])
        conv_equal, interior, conv_all, dense_equal, interior2 = map(int, numbers.groups())
        assert conv_equal == interior == interior2 == eq["interior"] and dense_equal == 0
        assert conv_all == eq["conv_equal_all"]
    assert first["unitLine"].startswith("unit (4, 9): dense = Σ of 196 weights")
    assert first["preset"] == "vertical_edge"
    # the click selected unit (5, 3), as Python accepts it
    assert out["clicked"]["sent"] == [{"unit": [5, 3]}] and out["clicked"]["unit"] == [5, 3]
    w.set_state(out["clicked"]["sent"][0])
    assert w.unit == [5, 3]
    # "no shift" sends (0, 0) and the second line says so
    assert out["noShift"]["sent"] == [{"shift": [0, 0]}]
    assert out["noShift"]["after"]["shift"].startswith("no shift")
    assert out["noShift"]["after"]["data"]["equivariance"]["conv_equal_all"] == 196


@needs_node
def test_the_kernel_menu_loads_a_preset_as_python_does(small):
    out = run_js(small, FAKE_PAGE + r"""
        const { model, el } = page(payload.state);
        const select = [...el.walk()].find((n) =>
          n.attributes["data-testid"] === "locality-kernel-preset");
        const shown = select.value;
        select.value = "blur";
        select.dispatchEvent(new Event("change"));
        return { shown, sent: model.sent };
        """, {"state": page_state(small)})
    assert out["shown"] == "random"
    w = LocalityView(small.image, "random", seed=3)
    w.set_state(out["sent"][0])
    assert w.preset == "blur" and w.kernel == [[1 / 9] * 3] * 3
