"""One state per widget, however it is reached, for every widget in ``d2lmini.widgets.__all__``.

Each widget declares, next to its traits, which ones the reader may set
(``check``) and a few ``valid`` and ``invalid`` sample values. For every
sample, the constructor, an assignment and a message from the page
(``set_state`` with the JSON the page would send) must give the same
state, or the same error (type and text) with nothing changed; traits
without ``check`` are read-only from outside; after any assignments the
state is the one a fresh constructor makes from the same settable values.

The page half runs each widget's real JavaScript in Node on a small fake
DOM: every number box commits on Enter as on ``change``, keeps what the
reader is typing through a redraw, and every control changes the state the
way Python does (the book has no kernel to correct it). A new widget in
``__all__`` is covered with no new test code.
"""
import json

import anywidget
import numpy as np
import pytest
import torch
import traitlets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from d2lmini import widgets
from d2lmini.widgets.kernel import PRESETS, KernelPlayground, preset_of
from test_widgets_views import needs_node, run_js

WIDGETS = [getattr(widgets, name) for name in widgets.__all__]


def traits(cls, settable):
    """name -> tag of the widget's own synced traits the reader may (not) set."""
    inherited = anywidget.AnyWidget.class_traits()
    return {name: trait.metadata for name, trait in cls.class_traits(sync=True).items()
            if not name.startswith("_") and name not in inherited
            and ("check" in trait.metadata) == settable}


def state(widget):
    """The widget's state, without the id of its layout model."""
    return {k: v for k, v in widget.get_state().items() if k != "layout"}


def as_json(value):
    """What the page would send for ``value``, or None if it has no JSON form."""
    if isinstance(value, (torch.Tensor, np.ndarray, np.generic)):
        value = value.tolist()
    if isinstance(value, (tuple, list)):
        value = [as_json(v) for v in value]
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return None


def outcome(make):
    """The state of the widget ``make()`` returns, or (error type, message)."""
    try:
        return state(make())
    except Exception as error:  # noqa: BLE001 - which error is what is compared
        return type(error), str(error)


def assigned(cls, name, value):
    widget = cls._example()
    setattr(widget, name, value)
    return widget


def from_page(cls, name, value):
    widget = cls._example()
    widget.set_state({name: value})
    return widget


def fresh(cls, widget):
    """A new widget made by the constructor from ``widget``'s settable traits."""
    return cls._example(**{name: getattr(widget, name) for name in traits(cls, True)})


SAMPLES = [(cls, name, kind, i, value) for cls in WIDGETS
           for name, meta in traits(cls, True).items()
           for kind in ("valid", "invalid") for i, value in enumerate(meta.get(kind, ()))]


@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_every_widget_declares_settable_traits_with_samples(cls):
    settable = traits(cls, True)
    assert settable, f"{cls.__name__} declares no settable trait (tag one with check=...)"
    for name, meta in settable.items():
        assert meta.get("valid") and meta.get("invalid"), \
            f"{cls.__name__}.{name}: declare valid=(...) and invalid=(...) samples"


@pytest.mark.parametrize("cls, name, kind, i, value", SAMPLES,
                         ids=[f"{c.__name__}-{n}-{k}{i}" for c, n, k, i, _ in SAMPLES])
def test_constructor_assignment_and_page_agree(cls, name, kind, i, value):
    by_constructor = outcome(lambda: cls._example(**{name: value}))
    assert isinstance(by_constructor, dict) == (kind == "valid"), by_constructor
    assert outcome(lambda: assigned(cls, name, value)) == by_constructor
    if kind == "invalid":  # refused before anything changed
        widget = cls._example()
        with pytest.raises(by_constructor[0]):
            setattr(widget, name, value)
        assert state(widget) == state(cls._example())
    else:  # derived traits and followers are what a fresh constructor computes
        widget = assigned(cls, name, value)
        assert state(fresh(cls, widget)) == state(widget)
    sent = as_json(value)
    if sent is None:
        return
    by_page = outcome(lambda: from_page(cls, name, sent))
    assert by_page == outcome(lambda: cls._example(**{name: sent}))
    assert by_page == outcome(lambda: assigned(cls, name, sent))
    if kind == "valid":  # the same conversions everywhere: JSON, tensors, arrays, an int for a pair
        assert by_page == by_constructor
    else:  # a refused message changes nothing
        widget = cls._example()
        with pytest.raises(by_page[0]):
            widget.set_state({name: sent})
        assert state(widget) == state(cls._example())


@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_traits_without_check_are_read_only(cls):
    widget = cls._example()
    before = state(widget)
    for name in traits(cls, False):
        with pytest.raises(traitlets.TraitError, match=f"{cls.__name__}: {name} is "):
            setattr(widget, name, getattr(widget, name))
        with pytest.raises(traitlets.TraitError, match=f"{cls.__name__}: {name} is "):
            widget.set_state({name: before[name]})
    assert state(widget) == before


@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_any_assignments_leave_the_state_a_fresh_constructor_makes(cls):
    moves = [(name, value) for name, meta in traits(cls, True).items()
             for value in meta["valid"] + meta["invalid"]]

    @settings(max_examples=20, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.sampled_from(moves), max_size=4))
    def check(sequence):
        widget = cls._example()
        for name, value in sequence:
            before = state(widget)
            try:
                setattr(widget, name, value)
            except (TypeError, ValueError):
                assert state(widget) == before
        assert state(fresh(cls, widget)) == state(widget)

    check()


# ---------------------------------------------------------------- the page

# A fake DOM, just enough for render(): elements are EventTargets in a tree.
FAKE_PAGE = r"""
class FakeNode extends EventTarget {
  constructor(tag) {
    super();
    this.tagName = tag.toUpperCase(); this.children = []; this.attributes = {};
    this.style = {}; this.dataset = {}; this.text = ""; this.value = "";
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
  appendChild(c) { this.children.push(c); return c; }
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

function page(initial) {
  const model = fakeModel(JSON.parse(JSON.stringify(initial)));
  const el = new FakeNode("div");
  m.default.render({ model, el });
  const controls = [...el.walk()].filter((n) => n.tagName === "SELECT" ||
    (n.tagName === "INPUT" && n.attributes.type === "number"));
  return { model, el, controls };
}

const key = (k) => Object.assign(new Event("keydown", { cancelable: true }), { key: k });

/** Another value for a control: a different option, or the number one step up (or down). */
function another(control) {
  if (control.tagName === "SELECT") {
    const options = control.children.filter((o) => !("disabled" in o.attributes));
    return options.map((o) => o.attributes.value).find((v) => v !== control.value);
  }
  const v = Number(control.value);
  const max = Number(control.max ?? control.attributes.max ?? Infinity);
  const min = Number(control.min ?? control.attributes.min ?? -Infinity);
  return String(v + 1 <= max ? v + 1 : Math.max(v - 1, min));
}
"""

DRIVE_EVERY_CONTROL = FAKE_PAGE + r"""
// Every control once in page order, then once backwards: so each control also acts
// on a state the others changed (a follower away from its default).
const { model, el, controls } = page(payload.state);
const ids = controls.map((c) => c.attributes["data-testid"]);
return [...ids, ...ids.slice().reverse()].map((testid) => {
  const control = [...el.walk()].find((n) => n.attributes["data-testid"] === testid);
  const value = control && another(control);
  const report = { testid, tag: control && control.tagName, value };
  if (value === undefined) return report;
  const before = model.sent.length;
  control.value = value;
  if (control.tagName === "SELECT") {
    control.dispatchEvent(new Event("change"));
  } else {
    control.dispatchEvent(new Event("input"));          // typing, not committed
    for (const fs of Object.values(model.listeners)) for (const f of fs) f();  // a redraw
    report.keptWhileTyping = control.value === value;
    report.sentWhileTyping = model.sent.length - before;
    const enter = key("Enter");
    control.dispatchEvent(enter);
    report.enterHandled = enter.defaultPrevented;
  }
  report.sent = model.sent.slice(before);
  report.state = JSON.parse(JSON.stringify(model.state));
  return report;
});
"""


@needs_node
@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_every_control_of_the_page_reaches_the_state_python_reaches(cls):
    widget = cls._example()
    initial = json.loads(json.dumps(widget.get_state(), default=str))
    reports = run_js(widget, DRIVE_EVERY_CONTROL, {"state": initial})
    if not reports:
        pytest.skip(f"{cls.__name__} has no number input or drop-down")
    shared = [*traits(cls, True), *traits(cls, False)]
    for step, report in enumerate(reports):
        where = f"{cls.__name__} step {step}: {report['tag']} {report['testid']}"
        if report.get("value") is None:
            continue  # gone from the page, or a select with a single option
        if report["tag"] == "INPUT":
            assert report["keptWhileTyping"], f"{where}: a redraw overwrote the digits being typed"
            assert report["sentWhileTyping"] == 0, f"{where}: committed before Enter"
            assert report["enterHandled"], f"{where}: Enter did not commit"
        assert report["sent"], f"{where}: nothing was saved"
        for message in report["sent"]:
            widget.set_state(message)  # must be accepted: the page only sends valid states
        python = json.loads(json.dumps(widget.get_state(), default=str))
        assert {k: report["state"][k] for k in shared} == {k: python[k] for k in shared}, where


@needs_node
def test_number_input_commits_on_change_too_and_shows_what_it_kept():
    # The pooling window: typed 99 is clamped to 8 and the box says so; stride and
    # padding follow the new window in the page as in Python.
    w = widgets.PoolingExplorer(torch.rand(12, 12, generator=torch.Generator().manual_seed(0)))
    out = run_js(w, FAKE_PAGE + r"""
        const { model, controls } = page(payload.state);
        const size = controls.find((c) => c.attributes["data-testid"] === "pooling-size");
        size.value = "99";
        size.dispatchEvent(new Event("input"));
        size.dispatchEvent(new Event("change"));
        const other = key("a");
        size.dispatchEvent(other);
        return { shown: size.value, sent: model.sent, otherKey: other.defaultPrevented };
        """, {"state": json.loads(json.dumps(w.get_state(), default=str))})
    assert out["shown"] == "8" and not out["otherKey"]
    assert out["sent"] == [{"pool_size": 8, "stride": 8, "padding": 0}]
    w.set_state(out["sent"][0])
    assert (w.pool_size, w.stride, w.padding) == (8, 8, 0)


@needs_node
def test_the_page_names_the_preset_as_python_does():
    w = KernelPlayground(torch.rand(6, 6, generator=torch.Generator().manual_seed(0)))
    kernels = [rows for _, rows in PRESETS.values()] + [[[1.0, 0.0]], [[1 / 9] * 3] * 2]
    out = run_js(w, "return payload.kernels.map((K) => m.presetOf(K, payload.presets));",
                 {"kernels": kernels, "presets": w.presets})
    assert out == [preset_of(k) for k in kernels] == [*PRESETS, "custom", "custom"]
