"""CONTRIBUTING.md's "Add a widget" example runs, and shows the widget contract.

`widgetjs.example_widget` saves the section's python and js blocks as a module
and its ES module, and imports it; tests/test_widget_state.py runs every
generic test on it too. Here: its numbers against ``nn.Conv1d``, the page it
draws in Node, its limits, and the derived-trait contract (the trap the
DilationExplorer trial of 2026-12-02 fell into): a derived trait that follows
what the page sets is sent by the page as Python computes it, and a page that
leaves it out is refused, so constructor, assignment and page reach one state.
"""
import json

import pytest
import torch
import traitlets
from torch import nn

from doubles import facts
from widgetjs import FAKE_PAGE, example_widget, needs_node, run_js

Example = example_widget()

#: Type text in the box with data-testid payload.testid, press Enter: what the page sent.
TYPE = FAKE_PAGE + r"""
const { model, el } = page(payload.state);
const box = find(el, payload.testid);
box.value = payload.text;
box.dispatchEvent(new Event("input"));
box.dispatchEvent(key("Enter"));
return { sent: model.sent, shown: box.value, min: box.attributes.min, max: box.attributes.max,
         status: [...el.walk()].find((n) => n.classList.contains("d2l-status")).textContent,
         output: el.firstChild.dataset.output };
"""


def state(widget):
    return {k: v for k, v in widget.get_state().items() if k != "layout"}


def typed(widget, testid, text, esm=None):
    """What the page of ``widget`` (its JavaScript, or ``esm``) does when ``text`` is typed."""
    page_state = json.loads(json.dumps(widget.get_state(), default=str))
    runner = widget if esm is None else type("Page", (), {"_esm": esm})()
    return run_js(runner, TYPE, {"state": page_state, "testid": testid, "text": text})


@pytest.mark.parametrize("n, k, d", [(12, 3, 1), (12, 3, 2), (7, 4, 2), (32, 8, 4), (5, 5, 1)])
def test_the_example_computes_what_nn_conv1d_does(n, k, d):
    w = Example(n, k, d)
    length = nn.Conv1d(1, 1, k, dilation=d)(torch.zeros(1, 1, n)).shape[-1]
    assert w.output == length
    assert repr(w) == f"DilationExplorer(input {n}, kernel {k}, dilation {d}: output {length})"


def test_a_kernel_wider_than_the_input_has_no_output_as_in_pytorch():
    w = Example(5, 3, 3)
    assert w.output == 0
    with pytest.raises(RuntimeError):
        nn.Conv1d(1, 1, 3, dilation=3)(torch.zeros(1, 1, 5))


def test_limits_come_from_the_tags_and_python_refuses_what_they_exclude():
    # The example's checks give no range: only the tags' limits=(lo, hi) do.
    w = Example()
    assert w.limits == {"input_size": [1, 32], "kernel_size": [1, 8], "dilation": [1, 5]}
    for bad, fact in ((6, "at most 5"), (0, "at least 1")):
        with pytest.raises(ValueError, match=facts("DilationExplorer", "dilation", fact, str(bad))):
            w.dilation = bad
        with pytest.raises(ValueError, match=facts("DilationExplorer", "dilation", fact)):
            w.set_state({"dilation": bad, "output": 0})
    with pytest.raises(traitlets.TraitError, match=facts("DilationExplorer", "limits", "tags")):
        w.limits = {"dilation": [1, 9]}
    assert state(w) == state(Example())


@needs_node
@pytest.mark.parametrize("text, kept", [("99", 5), ("0", 1), ("2.5", 3), ("abc", 1), ("", 1),
                                        ("-", 1), ("1e9", 5), ("4", 4)])
def test_the_page_keeps_an_int_within_the_limits_whatever_is_typed(text, kept):
    w = Example()
    out = typed(w, "dilation-dilation", text)
    assert (out["min"], out["max"]) == ("1", "5")  # from the tag, through d2lLimits
    assert out["shown"] == str(kept)
    for message in out["sent"]:
        w.set_state(message)  # accepted
    assert w.dilation == kept and out["output"] == str(w.output)


@needs_node
def test_constructor_assignment_and_page_reach_one_state_with_a_derived_trait():
    by_constructor = state(Example(dilation=3))
    w = Example()
    w.dilation = 3
    assert state(w) == by_constructor
    w = Example()
    out = typed(w, "dilation-dilation", "3")
    assert out["sent"] == [{"dilation": 3, "output": 6}]  # the derived trait, as Python has it
    w.set_state(out["sent"][0])
    assert state(w) == by_constructor
    assert out["status"] == "output length 6"


@needs_node
def test_a_page_that_leaves_out_the_derived_trait_is_refused():
    # The trap's second variant: the page saves dilation alone, so it keeps output 10 while
    # Python would compute 6. Refused, with what to do; nothing changes.
    sends = "d2lSave(model, { [name]: value, output: outputLength(s.input_size, s.kernel_size, " \
            "s.dilation) });"
    assert sends in Example._esm
    forgetful = Example._esm.replace(sends, "d2lSave(model, { [name]: value });")
    w = Example()
    out = typed(w, "dilation-dilation", "3", esm=forgetful)
    assert out["sent"] == [{"dilation": 3}]
    with pytest.raises(traitlets.TraitError, match=facts(
            "DilationExplorer", "output", "follows", "dilation", "6", "10", "d2lSave")):
        w.set_state(out["sent"][0])
    assert state(w) == state(Example())


def test_a_derived_value_python_does_not_compute_is_refused():
    # The trap's first variant was refused even when right; now only a wrong value is.
    w = Example()
    with pytest.raises(traitlets.TraitError, match=facts(
            "DilationExplorer", "output", "computed from", "dilation", "page sent", "7",
            "Python computes", "6")):
        w.set_state({"dilation": 3, "output": 7})
    assert state(w) == state(Example())
    w.set_state({"dilation": 3, "output": 6})
    assert state(w) == state(Example(dilation=3))
    with pytest.raises(traitlets.TraitError, match=facts("DilationExplorer", "output", "set")):
        w.output = 6  # Python code sets what it follows instead
