"""KernelPlayground and PaddingStrideExplorer and the checks the widgets use.

KernelPlayground's page (its JavaScript in Node) is checked on d2l's 3×3 ⋆ 2×2
example here; the built book in Chromium in tests/test_browser.py.
"""
import json
import re

import numpy as np
import pytest
import torch
from torch.nn import functional as F

import d2lmini as d2l
from d2lmini import checks
from d2lmini.widgets import _base
from d2lmini.widgets.kernel import PRESETS, KernelPlayground
from d2lmini.widgets.padding import LIMITS, PaddingStrideExplorer
from doubles import dims, facts
from widgetjs import FAKE_PAGE, needs_node, run_js

STRIPES = torch.ones((6, 8))
STRIPES[:, 2:6] = 0  # d2l §7.2.3's image


# ---------------------------------------------------------------- d2lmini.checks

def test_check_image_accepts_tensors_arrays_and_lists():
    expected = [[1.0, 2.0], [3.0, 4.0]]
    for x in (torch.tensor([[1, 2], [3, 4]]), np.array([[1.0, 2.0], [3.0, 4.0]]),
              [[1, 2], [3, 4]], ((1, 2), (3, 4))):
        assert checks.check_image(x, "image") == expected


@pytest.mark.parametrize("bad, error, words", [
    (torch.zeros(5), ValueError, ["2-D", "(5,)", "reshape(1, -1)"]),
    (torch.zeros(1, 1, 4, 4), ValueError, ["2-D", "(1, 1, 4, 4)", "reshape(4, 4)"]),
    (torch.zeros(500, 500), ValueError, ["500×500", "128×128", "image[::4, ::4]",
                                         "F.interpolate"]),
    (torch.zeros(0, 3), ValueError, ["empty", "(0, 3)"]),
    (torch.tensor([[1.0, float("nan")]]), ValueError, ["NaN", "nan_to_num"]),
    ([["a", "b"]], TypeError, ["numbers", "[['a', 'b']]"]),
    ([[1, 2], [3]], TypeError, ["same length", "[[1, 2], [3]]"]),
    ("stripes", TypeError, ["torch.Tensor", "str", "'stripes'"]),
    (None, TypeError, ["torch.Tensor", "None"]),
    (torch.ones(2, 2, dtype=torch.bool), TypeError, ["real numbers", "torch.bool", "image.float()"]),
])
def test_check_image_rejects_bad_input_naming_the_argument(bad, error, words):
    with pytest.raises(error, match=facts("W", "image", *words)):
        checks.check_image(bad, "image", fn="W", max_side=_base.MAX_IMAGE_SIDE)


def test_int_checks_name_the_argument():
    assert checks.check_int(3, "n", minimum=1, maximum=5) == 3
    # a 0-d tensor or array holding an int counts as that int; a pair may be a tensor or array
    assert checks.check_int(torch.tensor(3), "n") == 3 and checks.check_int(np.array(4), "n") == 4
    with pytest.raises(TypeError, match=facts("n", "int", "2.5", "float")):
        checks.check_int(2.5, "n")
    with pytest.raises(TypeError, match=facts("n", "int", "True", "bool")):
        checks.check_int(True, "n")
    with pytest.raises(TypeError, match=facts("W", "n", "int", "2.5", "float")):
        checks.check_int(torch.tensor(2.5), "n", fn="W")
    with pytest.raises(ValueError, match=facts("n", "at least 1", "0")):
        checks.check_int(0, "n", minimum=1)
    with pytest.raises(ValueError, match=facts("n", "at most 5", "6")):
        checks.check_int(6, "n", maximum=5)
    assert checks.check_pair(3, "k", minimum=1) == (3, 3)
    assert checks.check_pair((2, 4), "k", minimum=1) == (2, 4)
    assert checks.check_pair(torch.tensor([2, 4]), "k") == checks.check_pair(np.array([2, 4]), "k")
    with pytest.raises(TypeError, match=facts("k", "int", "(height, width) pair", "(1, 2, 3)")):
        checks.check_pair((1, 2, 3), "k")
    assert checks.check_cell(torch.tensor([1, 2]), "unit", (3, 3)) == [1, 2]
    with pytest.raises(ValueError, match=facts("W", "unit", "column", "at most 2", "3")):
        checks.check_cell((1, 3), "unit", (3, 3), fn="W")
    with pytest.raises(ValueError, match=facts("mode", "'a', 'b'", "'c'")):
        checks.check_choice("c", "mode", ["a", "b"])
    with pytest.raises(TypeError, match=facts("labels", "strings", "['a', 1]")):
        checks.check_labels(["a", 1], "labels")
    with pytest.raises(TypeError, match=facts("W", "image_label", "string", "int", "3")):
        checks.check_str(3, "image_label", fn="W")


# ---------------------------------------------------------------- KernelPlayground

def test_default_image_is_the_first_fashion_mnist_validation_image():
    widget = KernelPlayground()
    data = d2l.FashionMNIST(batch_size=1, n_train=1, n_val=1)
    torch.testing.assert_close(widget.image_tensor(), data.val.data[0].float() / 255)
    assert widget.preset == "vertical_edge"
    assert "ankle boot" in widget.image_label


@pytest.mark.parametrize("preset", list(PRESETS))
def test_output_is_corr2d_and_matches_f_conv2d(preset):
    image = torch.rand(12, 10, generator=torch.Generator().manual_seed(0))
    widget = KernelPlayground(image, kernel=preset)
    K = torch.tensor(PRESETS[preset][1])
    torch.testing.assert_close(widget.kernel_tensor(), K)
    expected = F.conv2d(image[None, None], K[None, None])[0, 0]
    torch.testing.assert_close(widget.output(), expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(widget.output(), d2l.corr2d(image, K))


def test_a_learned_kernel_and_the_d2l_stripes():
    learned = torch.tensor([[0.98, -1.02]])
    widget = KernelPlayground(STRIPES, kernel=learned)
    assert widget.preset == "custom" and list(widget.presets) == list(PRESETS)
    torch.testing.assert_close(widget.kernel_tensor(), learned)
    torch.testing.assert_close(widget.output(), d2l.corr2d(STRIPES, learned))
    # a kernel equal to a preset's is that preset, however it is given
    assert KernelPlayground(STRIPES, kernel=torch.tensor([[1, -1]])).preset == "diff"
    diff = KernelPlayground(STRIPES, kernel="diff").output()  # d2l's K = [[1, -1]]
    assert diff[:, 1].eq(1).all() and diff[:, 5].eq(-1).all() and diff.abs().sum() == 12


def test_edits_from_the_page_reach_python():
    widget = KernelPlayground(STRIPES)
    widget.set_state({"kernel": [[0.0, 1.0], [2.0, 0.5]]})  # what the JS sends after an edit
    torch.testing.assert_close(widget.kernel_tensor(), torch.tensor([[0.0, 1.0], [2.0, 0.5]]))
    torch.testing.assert_close(widget.output(), d2l.corr2d(STRIPES, widget.kernel_tensor()))
    assert widget.preset == "custom"


def test_setting_the_preset_loads_its_kernel():
    widget = KernelPlayground(STRIPES)
    widget.preset = "blur"
    assert widget.kernel == PRESETS["blur"][1] and widget.preset == "blur"
    widget.kernel = "diff"  # a preset's name works as a kernel, as in the constructor
    assert widget.kernel == [[1.0, -1.0]] and widget.preset == "diff"
    with pytest.raises(ValueError, match=facts("KernelPlayground", "kernel", "'blur'", "'edge'")):
        widget.preset = "edge"
    assert widget.preset == "diff"


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(image=torch.zeros(8)), ValueError, ["image", "2-D", "(8,)", "reshape"]),
    (dict(image=torch.zeros(500, 500)), ValueError, ["image", "500×500", "downsample"]),
    (dict(image=torch.zeros(2, 2), kernel="blur"), ValueError,
     ["kernel", "3×3", "'blur'", "larger", "2×2", "image", "smaller kernel"]),
    (dict(image=STRIPES, kernel=torch.ones(7, 7)), ValueError, ["kernel", "7×7", "6×8", "image"]),
    (dict(image=STRIPES, kernel="edge"), ValueError, ["kernel", "'blur'", "'edge'"]),
    (dict(image=STRIPES, kernel=torch.ones(3)), ValueError, ["kernel", "2-D", "(3,)", "reshape"]),
    (dict(image="cat"), TypeError, ["image", "torch.Tensor", "'cat'"]),
    (dict(image=[["x"]]), TypeError, ["image", "numbers", "[['x']]"]),
])
def test_kernel_playground_rejects_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=facts("KernelPlayground", *words)):
        KernelPlayground(**kwargs)


X_D2L = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])  # d2l §7.2.1
K_D2L = torch.tensor([[0.0, 1.0], [2.0, 3.0]])


def test_d2l_example_opens_on_the_first_output():
    widget = KernelPlayground(X_D2L, K_D2L, image_label="X")
    expected = F.conv2d(X_D2L[None, None], K_D2L[None, None])[0, 0]
    assert expected.tolist() == [[19, 25], [37, 43]]
    assert torch.equal(widget.output(), expected) and widget.cell == [0, 0]
    for i in range(2):
        for j in range(2):
            assert (widget.window((i, j)) * K_D2L).sum() == expected[i, j]
    assert widget.window().tolist() == [[0, 1], [3, 4]]  # 0·0 + 1·1 + 3·2 + 4·3 = 19
    assert widget.preset == "custom"
    # a new kernel (or image) moves the selected entry back to (0, 0), as the constructor does
    widget.cell = (1, 1)
    widget.kernel = torch.ones(2, 2)
    assert widget.cell == [0, 0]


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(cell=(2, 0)), ValueError, ["cell", "row", "at most 1", "2"]),
    (dict(cell=3), TypeError, ["cell", "(row, column)", "3"]),
])
def test_kernel_playground_rejects_a_cell_outside_the_output(kwargs, error, words):
    with pytest.raises(error, match=facts("KernelPlayground", *words)):
        KernelPlayground(X_D2L, K_D2L, **kwargs)


STEP_THROUGH = FAKE_PAGE + r"""
const { model, el } = page(payload.state);
const root = el.children[0];
const byId = (id) => [...el.walk()].find((n) => n.attributes["data-testid"] === id);
const seen = () => ({ formula: byId("kernel-formula").textContent, cell: JSON.parse(root.dataset.cell),
  input: byId("kernel-input").attributes["aria-label"],
  output: byId("kernel-output").attributes["aria-label"] });
const first = JSON.parse(root.dataset.output);
const steps = [seen()];
for (let t = 0; t < 4; t++) { byId("kernel-next").dispatchEvent(new Event("click")); steps.push(seen()); }
byId("kernel-prev").dispatchEvent(new Event("click"));
steps.push(seen());
// clicking output (1, 0) selects it; a new weight moves the selection to (0, 0), as in Python
const click = Object.assign(new Event("click"), { clientX: 10, clientY: 60 });
byId("kernel-output").dispatchEvent(click);
steps.push(seen());
const weight = byId("kernel-cell-1-1");
weight.value = "-1";
weight.dispatchEvent(new Event("change"));
steps.push(seen());
return { steps, sent: model.sent, output: first, edited: JSON.parse(root.dataset.output),
         status: byId("kernel-status").textContent, preset: byId("kernel-preset").value };
"""


@needs_node
def test_the_page_steps_through_d2l_example_with_its_sums_of_products():
    widget = KernelPlayground(X_D2L, K_D2L, image_label="X")
    state = json.loads(json.dumps(widget.get_state(), default=str))
    out = run_js(widget, STEP_THROUGH, {"state": state})
    assert out["output"] == widget.output().tolist() == [[19, 25], [37, 43]]
    assert out["status"].startswith("input 3×3 ⋆ kernel 2×2 → output 2×2") and out["preset"] == "custom"
    steps = out["steps"]
    assert steps[0]["formula"] == "out[0, 0] = Σ 0·0 + 1·1 + 3·2 + 4·3 = 19"
    assert [s["cell"] for s in steps[:7]] == [[0, 0], [0, 1], [1, 0], [1, 1], [0, 0], [1, 1],
                                              [1, 0]]
    for s in steps[:7]:  # every sum of products is its output, as torch computes it
        i, j = s["cell"]
        terms = re.findall(r"(-?[\d.]+)·(-?[\d.]+)", s["formula"])
        window = widget.window((i, j))
        assert [float(x) for x, _ in terms] == window.flatten().tolist()
        assert [float(k) for _, k in terms] == K_D2L.flatten().tolist()
        assert float(s["formula"].rsplit("= ", 1)[1]) == widget.output()[i, j]
    assert "rows 1..2 and columns 0..1, is framed" in steps[6]["input"]
    assert "out[1, 0] = 37 is framed" in steps[6]["output"]
    # the page saved every selection, and the edited kernel with the entry it follows to
    assert out["sent"][-1] == {"kernel": [[0, 1], [2, -1]], "cell": [0, 0]}
    assert steps[7]["formula"] == "out[0, 0] = Σ 0·0 + 1·1 + 3·2 + 4·-1 = 3"
    for message in out["sent"]:
        widget.set_state(message)
    assert widget.cell == [0, 0] and widget.output().tolist() == out["edited"]
    assert out["edited"] == F.conv2d(X_D2L[None, None], widget.kernel_tensor()[None, None])[0, 0].tolist()


def test_kernel_playground_repr_is_short_and_deterministic():
    assert repr(KernelPlayground(STRIPES, kernel="diff")) == \
        "KernelPlayground(image 6×8, kernel 'diff' 1×2, output 6×7)"


# ---------------------------------------------------------------- PaddingStrideExplorer

# conv_output_shape, the explorer's output_shape, its layers and its "no output" repr
# are compared with PyTorch over random settings by the property tests of test_ops.py.


def test_defaults_are_the_d2l_example():
    widget = PaddingStrideExplorer()
    assert widget.output_shape == (4, 4)
    assert re.search(facts("PaddingStrideExplorer", "output", "4×4"), repr(widget))


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(stride=0), ValueError, ["stride", "at least 1", "0"]),
    (dict(stride=(2, 0)), ValueError, ["stride", "at least 1", "0"]),
    (dict(padding=-1), ValueError, ["padding", "at least 0", "-1"]),
    (dict(kernel_size=2.5), TypeError, ["kernel_size", "int", "2.5"]),
    (dict(input_size="8"), TypeError, ["input_size", "int", "'8'"]),
    (dict(dilation=(1, 2, 3)), TypeError, ["dilation", "(height, width) pair", "(1, 2, 3)"]),
    (dict(input_size=(100, 8)), ValueError,
     ["input_size", f"at most {LIMITS['input_size'][1]}", "100"]),
])
def test_padding_stride_explorer_rejects_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=facts("PaddingStrideExplorer", *words)):
        PaddingStrideExplorer(**kwargs)


@pytest.mark.parametrize("kwargs, words", [
    (dict(input_size=(4, 4), kernel_size=(7, 7), padding=(0, 0)),
     ["kernel", dims(7, 7), "larger", dims(4, 4), "input"]),
    (dict(input_size=(5, 5), kernel_size=(3, 3), padding=(0, 0), dilation=(3, 3)),
     ["kernel", dims(7, 7), "dilation", "larger", dims(5, 5), "input"]),
])
def test_a_kernel_larger_than_the_padded_input_is_a_setting_without_output(kwargs, words):
    # The page shows such a setting and says why neither layer takes it, so Python keeps it too.
    widget = PaddingStrideExplorer(**kwargs)
    with pytest.raises(ValueError, match=facts("conv_output_shape", *words, "smaller kernel")):
        widget.output_shape  # noqa: B018 - a property
    assert "no output" in repr(widget)


def test_settings_from_the_page_update_output_shape():
    widget = PaddingStrideExplorer()
    widget.set_state({"stride": [3, 3]})  # what the JS sends
    assert widget.output_shape == (3, 3)
    widget.set_state({"kernel_size": [11, 11]})
    with pytest.raises(ValueError, match=facts("kernel", dims(11, 11), "larger", dims(10, 10))):
        widget.output_shape  # noqa: B018 - a property
    assert "no output" in repr(widget)


HOVER_THEN_SHRINK = FAKE_PAGE + r"""
const { el } = page(payload.state);
const root = el.children[0];
const byId = (id) => [...el.walk()].find((n) => n.attributes["data-testid"] === id);
const hover = Object.assign(new Event("mousemove"), { clientX: 60, clientY: 60 });
byId("kernel-output").dispatchEvent(hover);          // the pointer rests on output (1, 1)
const hovered = byId("kernel-formula").textContent;
const menu = byId("kernel-preset");
menu.value = "blur";                                  // picked from the keyboard: no mouseleave
menu.dispatchEvent(new Event("change"));
return { hovered, formula: byId("kernel-formula").textContent, output: JSON.parse(root.dataset.output) };
"""


@needs_node
def test_a_new_kernel_that_shrinks_the_output_under_the_pointer_is_drawn():
    # The 3×3 example with the pointer on output (1, 1); a 3×3 blur leaves one output.
    widget = KernelPlayground(X_D2L, K_D2L, image_label="X")
    state = json.loads(json.dumps(widget.get_state(), default=str))
    out = run_js(widget, HOVER_THEN_SHRINK, {"state": state})
    assert out["hovered"].startswith("out[1, 1]") and out["hovered"].endswith("= 43")
    assert out["formula"].startswith("out[0, 0]") and out["output"] == [[4.0]]
