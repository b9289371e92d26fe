"""Helpers for the tests that run a widget's JavaScript in Node: `run_js`, the fake DOM
`FAKE_PAGE`, and `example_widget`, the widget of CONTRIBUTING.md's "Add a widget" example.

`needs_node` skips a test when Node is missing; under scripts/test.sh (which installs
Node) tests/conftest.py turns that skip into a failure.
"""
import atexit
import functools
import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def run_js(widget, body, payload):
    """Import ``widget``'s ES module in Node and run ``body`` (which sees ``m`` and
    ``payload`` and returns a JSON-able value)."""
    script = (
        "const fs = await import('fs');\n"
        "const src = fs.readFileSync(process.env.D2L_WIDGET_ESM, 'utf8');\n"
        "const m = await import('data:text/javascript,' + encodeURIComponent(src));\n"
        "const payload = JSON.parse(fs.readFileSync(0, 'utf8'));\n"
        f"const result = (() => {{ {body} }})();\n"
        "process.stdout.write(JSON.stringify(result));\n")
    with tempfile.TemporaryDirectory() as tmp:
        esm = pathlib.Path(tmp) / "widget.mjs"
        esm.write_text(widget._esm, encoding="utf-8")
        done = subprocess.run([NODE, "--input-type=module", "-e", script],
                              input=json.dumps(payload), capture_output=True, text=True,
                              timeout=60, env={**os.environ, "D2L_WIDGET_ESM": str(esm)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# A fake DOM, just enough for render(): elements are EventTargets in a tree. Timers never
# fire (a "play" button must not keep Node running): a test drives each step itself.
FAKE_PAGE = r"""
class FakeNode extends EventTarget {
  constructor(tag) {
    super();
    this.tagName = tag.toUpperCase(); this.children = []; this.attributes = {};
    this.style = {}; this.dataset = {}; this.text = ""; this.value = ""; this.parentNode = null;
    const names = new Set();
    this.classList = {
      add: (...c) => c.forEach((n) => names.add(n)),
      remove: (...c) => c.forEach((n) => names.delete(n)),
      toggle: (n, on = !names.has(n)) => { if (on) names.add(n); else names.delete(n); return on; },
      contains: (n) => names.has(n),
    };
  }
  set className(v) { this.classList.add(...String(v).split(" ")); }
  set textContent(v) { this.text = String(v); this.children = []; }
  get textContent() { return this.text + this.children.map((c) => c.textContent).join(""); }
  get firstChild() { return this.children[0] || null; }
  appendChild(c) { this.children.push(c); c.parentNode = this; return c; }
  replaceChildren(...c) { this.children = []; c.forEach((n) => this.appendChild(n)); }
  setAttribute(k, v) {
    this.attributes[k] = String(v);
    if (k === "value") this.value = String(v);
    const camel = k.slice(5).replace(/-(.)/g, (_, x) => x.toUpperCase());
    if (k.startsWith("data-")) this.dataset[camel] = String(v);
  }
  getContext() { return new Proxy({}, { get: (t, k) => (k in t ? t[k] : () => {}) }); }
  getBoundingClientRect() { return { left: 0, top: 0, width: 100, height: 100 }; }
  focus() {}
  *walk() { yield this; for (const c of this.children) yield* c.walk(); }
}
globalThis.document = { createElement: (tag) => new FakeNode(tag),
                        createElementNS: (ns, tag) => new FakeNode(tag) };
globalThis.window = { devicePixelRatio: 1 };
globalThis.setInterval = () => 0;
globalThis.clearInterval = () => {};

/** A model like anywidget's: set() fires change:name at once, save_changes() sends. */
function fakeModel(state) {
  const listeners = {}, sent = [];
  let pending = {};
  return {
    state, sent, listeners,
    get: (k) => state[k],
    set(k, v) {
      const changed = JSON.stringify(state[k]) !== JSON.stringify(v);
      state[k] = v; pending[k] = v;
      if (changed) for (const f of listeners[`change:${k}`] || []) f();
    },
    save_changes() { sent.push(pending); pending = {}; },
    on(name, f) { (listeners[name] = listeners[name] || []).push(f); },
    off(name, f) { listeners[name] = (listeners[name] || []).filter((g) => g !== f); },
  };
}

/** A control the reader uses: a number box, a drop-down or a button. */
const isControl = (n) => n.tagName === "SELECT" || n.tagName === "BUTTON" ||
  (n.tagName === "INPUT" && n.attributes.type === "number");

/** The page drawn from state: its model, root element and controls in page order. */
function page(initial) {
  const model = fakeModel(JSON.parse(JSON.stringify(initial)));
  const el = new FakeNode("div");
  m.default.render({ model, el });
  return { model, el, controls: [...el.walk()].filter(isControl) };
}

/** The control's name for a screen reader: aria-label, its <label>'s text, a button's text. */
function nameOf(control) {
  if (control.attributes["aria-label"]) return control.attributes["aria-label"].trim();
  for (let p = control.parentNode; p; p = p.parentNode) {
    if (p.tagName === "LABEL") return p.textContent.trim();
  }
  return control.tagName === "BUTTON" ? control.textContent.trim() : "";
}

const find = (el, testid) => [...el.walk()].find((n) => n.attributes["data-testid"] === testid);

const key = (k) => Object.assign(new Event("keydown", { cancelable: true }), { key: k });

/** A number box's bound ("min" or "max") as a number, or null when it has none. */
function bound(control, which) {
  const v = control[which] ?? control.attributes[which];
  return v === undefined || v === "" ? null : Number(v);
}

/** Another value for a control: a different option, or the number one step up (or down). */
function another(control) {
  if (control.tagName === "SELECT") {
    const options = control.children.filter((o) => !("disabled" in o.attributes));
    return options.map((o) => o.attributes.value).find((v) => v !== control.value);
  }
  const v = Number(control.value);
  const max = bound(control, "max") ?? Infinity, min = bound(control, "min") ?? -Infinity;
  return String(v + 1 <= max ? v + 1 : Math.max(v - 1, min));
}
"""


# ---------------------------------------------------------------- CONTRIBUTING's example

CONTRIBUTING = ROOT / "CONTRIBUTING.md"
SECTION = "## Recipe: add a widget"


def contributing_blocks():
    """The fenced code blocks of CONTRIBUTING.md's "Add a widget" section: {language: [text]}."""
    text = CONTRIBUTING.read_text(encoding="utf-8")
    assert SECTION in text, f"CONTRIBUTING.md has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = {}
    for language, code in re.findall(r"^```(\w*)\n(.*?)^```", section, re.S | re.M):
        blocks.setdefault(language, []).append(code)
    return blocks


@functools.cache
def example_widget():
    """The class CONTRIBUTING.md's example defines: its ```python block saved as a module
    next to its ```js block (the ``_esm_file`` the class names), and imported."""
    blocks = contributing_blocks()
    assert len(blocks.get("python", ())) == 1 and len(blocks.get("js", ())) == 1, \
        f"CONTRIBUTING.md's {SECTION!r} should hold one python and one js example, " \
        f"has {({k: len(v) for k, v in blocks.items()})}"
    (python,), (js,) = blocks["python"], blocks["js"]
    esm_file = re.search(r"""_esm_file = ["']([\w.]+)["']""", python)
    assert esm_file, "CONTRIBUTING.md's python example sets no _esm_file"
    folder = pathlib.Path(tempfile.mkdtemp(prefix="d2l-contributing-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    (folder / esm_file.group(1)).write_text(js, encoding="utf-8")
    (folder / "contributing_example.py").write_text(python, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("contributing_example",
                                                  folder / "contributing_example.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # CourseWidget finds _esm_file next to the module
    spec.loader.exec_module(module)
    from d2lmini.widgets._base import CourseWidget

    classes = [c for c in vars(module).values() if isinstance(c, type)
               and issubclass(c, CourseWidget) and c.__module__ == spec.name]
    assert len(classes) == 1, f"CONTRIBUTING.md's example defines {classes}, not one widget"
    return classes[0]
