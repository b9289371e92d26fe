"""Rules every widget of ``widgets.__all__`` follows: the JavaScript conventions of
CONTRIBUTING.md, and the notebooks saving the current JavaScript (refreshed by
``scripts/refresh_widget_js.py`` without re-running anything)."""
import json
import pathlib
import re
import subprocess
import sys

import pytest

import d2lmini.widgets as widgets_package
from d2lmini.widgets import _base

ROOT = pathlib.Path(__file__).resolve().parent.parent
WIDGETS = pathlib.Path(_base.__file__).parent
REFRESH = ROOT / "scripts" / "refresh_widget_js.py"
CLASSES = [getattr(widgets_package, name) for name in widgets_package.__all__]


def _uncommented(js):
    return re.sub(r"//[^\n]*", "", js)


def test_every_js_file_belongs_to_a_widget_of_all():
    # The rules below cover the widgets of widgets.__all__: a .js file outside it is unchecked.
    owned = {cls._esm_file for cls in CLASSES}
    assert sorted(p.name for p in WIDGETS.glob("*.js")) == sorted(owned | {"_base.js"})


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_javascript_follows_the_conventions(cls):
    """CONTRIBUTING.md, "JavaScript side": the rules on the module the page runs (``_esm``,
    the helpers of _base.js included) and on the widget's own file."""
    code = _uncommented((WIDGETS / cls._esm_file).read_text(encoding="utf-8"))
    assert cls._esm == _base.read_js(cls._esm_file)  # _base.js's helpers, then the widget's file
    # Text from data goes in with textContent: no HTML parsing at all, not even in a comment.
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", cls._esm)
    # No imports, no network: no build step, no CDN, no request off the book's own server.
    assert not re.search(r"\bimport\b|\brequire\(|https?:", _uncommented(cls._esm))
    assert re.search(r"^export default \{ render \};?$", code, re.M)
    # the root the browser tests find (d2lFrame makes it and the first row of controls)
    assert re.search(rf'd2l(Root|Frame)\(el, "{cls.testid}"\)', code)
    assert "d2l-status" in code  # a status line in words
    # Listeners only through d2lListen, and render returns its cleanup (or a function
    # calling it): views are created and destroyed often.
    assert "model.on(" not in code and "d2lListen(model" in code
    render = code[code.index("function render("):code.index("export default")]
    last = re.findall(r"^  return (.+)$", render, re.M)[-1]
    cleanups = re.findall(r"const (\w+) = d2lListen\(model", render)
    assert last.startswith("d2lListen(model") or any(re.search(rf"\b{name}\b", last)
                                                    for name in cleanups), last
    # Number boxes come from d2lNumberInput, which commits on change AND Enter;
    # d2lShowNumber keeps what is being typed.
    assert not re.search(r"""type["']?\s*[:=,]\s*["']number["']""", code), \
        "make number inputs with d2lNumberInput"
    base = (WIDGETS / "_base.js").read_text(encoding="utf-8")
    helper = base[base.index("function d2lNumberInput"):base.index("function d2lShowNumber")]
    assert '"change"' in helper and '"Enter"' in helper


# ---------------------------------------------------------------- saved notebooks

def _saved_models():
    """(notebook path, saved state) of every widget model saved in chapters/."""
    for path in sorted((ROOT / "chapters").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        widgets = json.loads(path.read_text()).get("metadata", {}).get("widgets", {})
        state = widgets.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        for model in state.values():
            yield path.relative_to(ROOT).as_posix(), model["state"]


def _widget_id(cls):
    return f"{cls.__module__}.{cls.__name__}"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_notebooks_save_the_current_javascript(cls):
    # The book page runs the JavaScript (and CSS) saved in the notebook, not the .js file.
    saved = [(path, state) for path, state in _saved_models()
             if state.get("_anywidget_id") == _widget_id(cls)]
    assert "chapters/widgets.ipynb" in {path for path, _ in saved}, \
        f"the gallery chapters/widgets.ipynb shows every widget: add {cls.__name__} and run " \
        "scripts/execute.py chapters/widgets.ipynb"
    stale = sorted({path for path, state in saved
                    if (state.get("_esm"), state.get("_css")) != (cls._esm, cls._css)})
    assert stale == [], f"run python scripts/refresh_widget_js.py (stale: {' '.join(stale)})"


def test_every_saved_state_has_every_trait_its_javascript_reads():
    """A state saved before a trait was added cannot be fixed by refreshing its JavaScript."""
    sys.path.insert(0, str(REFRESH.parent))
    import refresh_widget_js
    import nbformat
    missing = {}
    for path in sorted((ROOT / "chapters").rglob("*.ipynb")):
        found = refresh_widget_js.missing_traits(nbformat.read(path, as_version=4))
        if found:
            missing[str(path.relative_to(ROOT))] = found
    assert missing == {}, f"re-execute these notebooks (scripts/execute.py): {missing}"


def test_refresh_refuses_a_state_saved_before_a_trait_existed(tmp_path):
    source = ROOT / "chapters" / "ch7" / "7_3_padding_and_strides.ipynb"
    notebook = json.loads(source.read_text(encoding="utf-8"))
    states = notebook["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    (model,) = [m for m in states.values() if "_esm" in m["state"]]
    del model["state"]["limits"]
    old = tmp_path / source.name
    old.write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    before = old.read_text(encoding="utf-8")
    run = subprocess.run([sys.executable, str(REFRESH), str(old)], capture_output=True, text=True)
    assert run.returncode != 0 and "PaddingStrideExplorer: limits" in run.stderr, run.stderr
    assert "scripts/execute.py" in run.stderr
    assert old.read_text(encoding="utf-8") == before


def test_refresh_rewrites_only_the_saved_javascript(tmp_path):
    """Stale copies of the JavaScript and CSS are made current; every other byte stays."""
    source = ROOT / "chapters" / "ch7" / "7_3_padding_and_strides.ipynb"
    original = source.read_text(encoding="utf-8")
    notebook = json.loads(original)
    states = notebook["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    (model,) = [m for m in states.values() if "_esm" in m["state"]]
    model["state"]["_esm"] = "// an older version\n"
    model["state"]["_css"] = ".old {}"
    stale = tmp_path / "chapters" / source.name
    stale.parent.mkdir()
    stale.write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                     encoding="utf-8")

    def refresh(*args):
        return subprocess.run([sys.executable, str(REFRESH), *args, str(stale)],
                              capture_output=True, text=True)

    check = refresh("--check")
    assert check.returncode == 1 and "1 widget states stale" in check.stdout, check.stdout
    assert refresh().returncode == 0
    assert stale.read_text(encoding="utf-8") == original
    assert refresh("--check").returncode == 0
