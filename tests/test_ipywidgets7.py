"""Every widget renders under ipywidgets 7.7, the version Colab ships, as under 8.

scripts/setup.sh installs ipywidgets 7.7 (and what it needs beside the
venv's packages) into ``.venv/ipywidgets7``; a child Python with that folder
first on its path builds each widget of ``d2lmini.widgets.__all__`` (and the
widget of CONTRIBUTING.md's example) and prints its display bundle and state,
and what ``set_state`` does with the page's messages, which must match what
ipywidgets 8 gives here.
"""
import json
import os
import pathlib
import subprocess
import sys

import pytest

import d2lmini.widgets as widgets

ROOT = pathlib.Path(__file__).resolve().parent.parent
IPYWIDGETS7 = pathlib.Path(sys.prefix) / "ipywidgets7"

CHILD = """
import json, sys
import ipywidgets
import d2lmini.widgets as widgets
from test_ipywidgets7 import EXAMPLE, describe, pages_say
print(json.dumps({"version": ipywidgets.__version__,
                  "widgets": {name: describe(name) for name in [*widgets.__all__, EXAMPLE]},
                  "pages": pages_say()}))
"""

#: The name describe() gives the widget of CONTRIBUTING.md's example.
EXAMPLE = "CONTRIBUTING.md's example"

#: Messages a page may send CONTRIBUTING's example (12 inputs, kernel 3, dilation 1): the
#: derived output as Python computes it, left out, wrong; a dilation outside the tag's limits.
MESSAGES = {"derived as Python computes it": {"dilation": 3, "output": 6},
            "derived left out": {"dilation": 3},
            "derived wrong": {"dilation": 3, "output": 7},
            "outside the limits": {"dilation": 6, "output": 2}}


def widget_class(name):
    if name == EXAMPLE:
        from widgetjs import example_widget
        return example_widget()
    return getattr(widgets, name)


def own_state(widget):
    """The state of the widget's own traits (not the base widget's, whose layout ids
    and keys differ between ipywidgets 7 and 8)."""
    import anywidget
    own = set(type(widget).class_trait_names(sync=True)) \
        - set(anywidget.AnyWidget.class_trait_names(sync=True))
    return json.loads(json.dumps(widget.get_state(sorted(own)), default=str))


def describe(name):
    """A widget's display bundle and own state."""
    widget = widget_class(name)._example()
    bundle = widget._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    return {"mimes": sorted(data), "text": data["text/plain"], "state": own_state(widget)}


def pages_say():
    """For each of `MESSAGES`: the example's state after ``set_state``, or its error."""
    cls = widget_class(EXAMPLE)
    out = {}
    for label, message in MESSAGES.items():
        widget = cls()
        try:
            widget.set_state(message)
            out[label] = own_state(widget)
        except Exception as error:  # noqa: BLE001 - the error is what is compared
            out[label] = [type(error).__name__, str(error), own_state(widget)]
    return out


@pytest.fixture(scope="module")
def under_ipywidgets7():
    assert (IPYWIDGETS7 / "ipywidgets").is_dir(), \
        f"{IPYWIDGETS7} is missing: run bash scripts/setup.sh"
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(IPYWIDGETS7), str(ROOT), str(ROOT / "tests")]),
           "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["version"].startswith("7.7."), result["version"]
    return result


@pytest.mark.parametrize("name", [*widgets.__all__, EXAMPLE])
def test_widget_renders_the_same_under_ipywidgets_7(under_ipywidgets7, name):
    ours = describe(name)
    theirs = under_ipywidgets7["widgets"][name]
    assert "application/vnd.jupyter.widget-view+json" in theirs["mimes"]
    assert theirs == ours


def test_the_page_contract_holds_under_ipywidgets_7(under_ipywidgets7):
    ours = pages_say()
    made = own_state(widget_class(EXAMPLE)(dilation=3))
    untouched = own_state(widget_class(EXAMPLE)())
    assert ours["derived as Python computes it"] == made
    for label in ("derived left out", "derived wrong", "outside the limits"):
        assert isinstance(ours[label], list) and ours[label][2] == untouched, (label, ours[label])
    assert under_ipywidgets7["pages"] == ours
