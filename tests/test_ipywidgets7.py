"""Every widget renders under ipywidgets 7.7, the version Colab ships, as under 8.

scripts/setup.sh installs ipywidgets 7.7 (and what it needs beside the
venv's packages) into ``.venv/ipywidgets7``; a child Python with that folder
first on its path builds each widget of ``d2lmini.widgets.__all__`` and
prints its display bundle and state, which must match what ipywidgets 8
gives here.
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
from test_ipywidgets7 import describe
print(json.dumps({"version": ipywidgets.__version__,
                  "widgets": {name: describe(name) for name in widgets.__all__}}))
"""


def describe(name):
    """A widget's display bundle and the state of its own traits (not the base
    widget's, whose layout ids and keys differ between ipywidgets 7 and 8)."""
    import anywidget
    cls = getattr(widgets, name)
    widget = cls._example()
    bundle = widget._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    own = set(cls.class_trait_names(sync=True)) - set(anywidget.AnyWidget.class_trait_names(sync=True))
    state = widget.get_state(sorted(own))
    return {"mimes": sorted(data), "text": data["text/plain"],
            "state": json.loads(json.dumps(state, default=str))}


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
    return result["widgets"]


@pytest.mark.parametrize("name", widgets.__all__)
def test_widget_renders_the_same_under_ipywidgets_7(under_ipywidgets7, name):
    ours = describe(name)
    theirs = under_ipywidgets7[name]
    assert "application/vnd.jupyter.widget-view+json" in theirs["mimes"]
    assert theirs == ours
