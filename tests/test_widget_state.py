"""One state per widget, however it is reached, for every widget in ``d2lmini.widgets.__all__``
(and the widget of CONTRIBUTING.md's example).

Each widget declares, next to its traits, which ones the reader may set
(``check``) and a few ``valid`` and ``invalid`` sample values. For every
sample, the constructor, an assignment and a message from the page
(``set_state`` with the JSON the page would send) must give the same
state, or the same error (type and text) with nothing changed; Python code
cannot set the other traits; the page may send a derived trait only as
Python computes it; after any assignments the state is the one a fresh
constructor makes from the same settable values. Tags the state machine
would misread are a TypeError when the class is made.

The page half runs each widget's real JavaScript in Node on a small fake
DOM: every control has a data-testid and a name; every number box commits
on Enter as on ``change`` and keeps what the reader is typing through a
redraw; every control changes the state the way Python does (the book has
no kernel to correct it); and whatever a student types in a number box
("", "-", "abc", a negative, huge or fractional number, one past each
bound), the page sends only messages Python accepts and ends in Python's
state. A new widget in ``__all__`` is covered with no new test code.
"""
import functools
import json

import anywidget
import numpy as np
import pytest
import torch
import traitlets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from d2lmini import widgets
from d2lmini.widgets._base import CourseWidget
from d2lmini.widgets.kernel import PRESETS, KernelPlayground, preset_of
from doubles import facts
from widgetjs import FAKE_PAGE, example_widget, needs_node, run_js

__all__ = ["FAKE_PAGE"]  # tests of single widgets import it from here (now in widgetjs)

WIDGETS = [getattr(widgets, name) for name in widgets.__all__] + [example_widget()]


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


def page_message(cls, name, value):
    """What a correct page sends to set ``name`` to ``value``: the value, with every trait
    whose value follows from it (as Python computes them)."""
    before = state(cls._example())
    try:
        after = state(assigned(cls, name, value))
    except (TypeError, ValueError):
        return {name: value}  # refused anyway: by the check of name
    return {name: value, **{k: as_json(v) for k, v in after.items()
                            if k != name and v != before[k]}}


def from_page(cls, name, value):
    widget = cls._example()
    widget.set_state(page_message(cls, name, value))
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
def test_only_the_page_sends_traits_without_check_and_only_as_python_has_them(cls):
    """Fixed traits and ``limits``: refused from Python and the page. Derived traits:
    refused from Python; the page may send one only as Python computes it."""
    widget = cls._example()
    before = state(widget)
    for name, tag in traits(cls, False).items():
        with pytest.raises(traitlets.TraitError, match=facts(cls.__name__, name, "set")
                           if "follows" in tag else facts(cls.__name__, name)):
            setattr(widget, name, before[name])
        if "follows" not in tag:
            with pytest.raises(traitlets.TraitError, match=facts(cls.__name__, name)):
                widget.set_state({name: before[name]})
            continue
        widget.set_state({name: json.loads(json.dumps(before[name]))})  # as Python has it
        with pytest.raises(traitlets.TraitError, match=facts(
                cls.__name__, name, "computed from", "page sent", "not what Python computes")):
            widget.set_state({name: "not what Python computes"})
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


@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_the_page_gets_the_limits_of_the_tags(cls):
    if "limits" in cls._fixed:
        pytest.xfail(f"{cls.__name__} passes its own limits trait: tag its traits with "
                     "limits=(lo, hi) instead (#17.4)")
    tagged = {name: list(tag["limits"]) for name, tag in traits(cls, True).items()
              if "limits" in tag}
    assert cls._example().limits == tagged


def test_limits_bound_an_int_each_int_of_a_pair_and_the_sides_of_a_grid():
    cls = make_widget(n={**SETTABLE, "limits": (1, 3)})
    widget = cls()
    for value in (2, [1, 3], [[0.5] * 3] * 2):
        widget.n = value
        assert widget.n == value
    for value, fact in ((4, "at most 3, got 4"), ([1, 0], "at least 1, got 0"),
                        ([[0.5] * 4] * 2, "at most 3×3")):
        with pytest.raises(ValueError, match=facts("Probe", "n", fact)):
            widget.n = value
        with pytest.raises(ValueError, match=facts("Probe", "n", fact)):
            cls(n=value)
    assert widget.n == [[0.5] * 3] * 2


# ---------------------------------------------------------------- tags, when the class is made

def make_widget(**tags):
    """A CourseWidget subclass with one synced trait per tag dict (in this order)."""
    body = {name: traitlets.Any(1).tag(sync=True, **tag) for name, tag in tags.items()}
    return type("Probe", (CourseWidget,), body)


SETTABLE = {"check": lambda value, state: value}
BAD_TAGS = [
    ({"a": {**SETTABLE, "follows": ("b",)}, "b": SETTABLE}, ("Probe.a", "follows", "b", "above")),
    ({"a": SETTABLE, "b": {"follows": ("a",)}}, ("Probe.b", "derived", "default")),
    ({"a": SETTABLE, "b": {"default": lambda s: 1}}, ("Probe.b", "derived", "follows")),
    ({"a": {"limits": (1, 8)}}, ("Probe.a", "limits", "check")),
    ({"a": {**SETTABLE, "limits": (8, 1)}}, ("Probe.a", "limits", "lo <= hi", "(8, 1)")),
    ({"a": {**SETTABLE, "limits": [1, 8]}}, ("Probe.a", "limits", "tuple", "[1, 8]")),
    ({"a": {**SETTABLE, "limits": (1, 8)}, "limits": {}}, ("Probe", "limits", "drop")),
]


@pytest.mark.parametrize("tags, expected", BAD_TAGS, ids=[e[-1] + "-" + e[0] for _, e in BAD_TAGS])
def test_tags_the_state_machine_would_misread_are_refused_when_the_class_is_made(tags, expected):
    with pytest.raises(TypeError, match=facts(*expected)):
        make_widget(**tags)


def test_a_widget_with_good_tags_is_made():
    cls = make_widget(a={**SETTABLE, "limits": (1, 8)},
                      b={"default": lambda s: s["a"] + 1, "follows": ("a",)})
    assert cls._limits == {"a": [1, 8]} and cls._fixed == ()


# ---------------------------------------------------------------- the page

#: What the driver types into every number box, then one past each bound it shows.
TYPED = ["", "-", "abc", "-3", "1e9", "2.5"]

DRIVE = FAKE_PAGE + r"""
const first = page(payload.state);
const unnamed = first.controls.filter((c) => !c.attributes["data-testid"] || !nameOf(c))
  .map((c) => ({ tag: c.tagName, testid: c.attributes["data-testid"] || null, name: nameOf(c),
                 near: (c.parentNode && c.parentNode.textContent.slice(0, 40)) || "" }));
const ids = first.controls.map((c) => c.attributes["data-testid"]).filter(Boolean);

/** Use one control as the reader does: type value in a box (a redraw comes in between, then
 *  Enter), pick value in a drop-down, or click a button. */
function act(pg, testid, value) {
  const control = find(pg.el, testid);
  const report = { testid, tag: control ? control.tagName : null, value };
  if (!control || (control.tagName !== "BUTTON" && value === undefined)) return report;
  const before = pg.model.sent.length;
  if (control.tagName === "BUTTON") {
    control.dispatchEvent(new Event("click"));
  } else if (control.tagName === "SELECT") {
    control.value = value;
    control.dispatchEvent(new Event("change"));
  } else {
    control.value = value;
    control.dispatchEvent(new Event("input"));          // typing, not committed
    for (const fs of Object.values(pg.model.listeners)) for (const f of fs) f();  // a redraw
    report.keptWhileTyping = control.value === value;
    report.sentWhileTyping = pg.model.sent.length - before;
    const enter = key("Enter");
    control.dispatchEvent(enter);
    report.enterHandled = enter.defaultPrevented;
    report.shown = control.value;
  }
  report.sent = pg.model.sent.slice(before);
  report.state = JSON.parse(JSON.stringify(pg.model.state));
  return report;
}

// 1. Every control once in page order, then once backwards, on one page: so each control
//    also acts on a state the others changed (a follower away from its default).
const pg = page(payload.state);
const sequence = [...ids, ...ids.slice().reverse()].map((testid) => {
  const control = find(pg.el, testid);
  return act(pg, testid, control && control.tagName !== "BUTTON" ? another(control) : undefined);
});
// 2. What students type, in each number box of a fresh page.
const typed = ids.filter((testid) => find(first.el, testid).tagName === "INPUT").map((testid) => {
  const fresh = page(payload.state);
  const box = find(fresh.el, testid);
  const texts = [...payload.typed];
  const min = bound(box, "min"), max = bound(box, "max");
  if (min !== null) texts.push(String(min - 1));
  if (max !== null) texts.push(String(max + 1));
  return { testid, steps: texts.map((text) => act(fresh, testid, text)) };
});
return { unnamed, sequence, typed };
"""


def page_json(widget):
    return json.loads(json.dumps(widget.get_state(), default=str))


def drive(cls, esm=None):
    """What the page (``cls``'s JavaScript, or ``esm``) does in Node (`DRIVE`) for
    ``cls._example()``."""
    widget = cls._example()
    page = widget if esm is None else type("Page", (), {"_esm": esm})()
    return run_js(page, DRIVE, {"state": page_json(widget), "typed": TYPED})


@functools.cache
def driven(cls):
    return drive(cls)


def replay(cls, widget, steps):
    """Send each step's messages to the Python ``widget``: the first problem, as a line naming
    the widget, the control, what was typed, the message and Python's answer; else None."""
    shared = [*traits(cls, True), *traits(cls, False)]
    for step in steps:
        if not step.get("tag") or "sent" not in step:
            continue  # gone from the page, or a drop-down with a single option
        where = f"{cls.__name__} {step['tag']} {step['testid']}"
        if step["tag"] == "INPUT":
            where += f" typed {step['value']!r}"
            if not step["keptWhileTyping"]:
                return f"{where}: a redraw overwrote the digits being typed"
            if step["sentWhileTyping"]:
                return f"{where}: committed before Enter"
            if not step["enterHandled"]:
                return f"{where}: Enter did not commit"
            if step["shown"] in ("", "-", "abc"):
                return f"{where}: the box shows {step['shown']!r}: onCommit must return the " \
                       "value it kept"
        for message in step["sent"]:
            try:
                widget.set_state(message)
            except Exception as error:  # noqa: BLE001 - reported, with the message
                return f"{where}: sent {json.dumps(message)[:200]}: Python refused it: " \
                       f"{type(error).__name__}: {error}"
        python, page = page_json(widget), step["state"]
        differ = [k for k in shared if python[k] != page[k]]
        if differ:
            return f"{where}: page and Python differ in " + ", ".join(
                f"{k} (page {json.dumps(page[k])[:60]}, Python {json.dumps(python[k])[:60]})"
                for k in differ)
    return None


@needs_node
@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_every_control_has_a_testid_and_a_name(cls):
    """CONTRIBUTING: each control has a data-testid (the tests find it) and a <label>,
    an aria-label or (a button) its text (a screen reader says it)."""
    unnamed = driven(cls)["unnamed"]
    assert not unnamed, f"{cls.__name__}: controls without a data-testid or a label: " + "; ".join(
        f"<{c['tag'].lower()}> testid={c['testid']!r} label={c['name']!r} near {c['near']!r}"
        for c in unnamed)


@needs_node
@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_every_control_of_the_page_reaches_the_state_python_reaches(cls):
    sequence = driven(cls)["sequence"]
    assert sequence, f"{cls.__name__}'s page has no control (number box, drop-down or button) " \
                     "with a data-testid: nothing checks that the page and Python agree"
    assert any(step.get("sent") for step in sequence), \
        f"{cls.__name__}: no control of the page sent a change: nothing checks that the page " \
        "and Python agree"
    for step in sequence:
        if step.get("tag") in ("INPUT", "SELECT") and step.get("value") is not None:
            assert step["sent"], f"{cls.__name__} {step['tag']} {step['testid']}: " \
                                 f"{step['value']!r} was not saved"
    problem = replay(cls, cls._example(), sequence)
    assert problem is None, problem


@needs_node
@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_what_students_type_in_a_number_box_is_a_state_python_accepts(cls):
    boxes = driven(cls)["typed"]
    problems = [replay(cls, cls._example(), box["steps"]) for box in boxes]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def edited(js, *replacements):
    """``js`` with each (old, new) replaced; each old text must be there (else the test
    would pass on a page it never changed)."""
    for old, new in replacements:
        assert old in js, old
        js = js.replace(old, new)
    return js


@needs_node
def test_the_driver_finds_a_page_that_sends_what_python_refuses():
    # The JavaScript of CONTRIBUTING.md before #17, which the trial of 2026-12-02 followed:
    # the typed text rounded, never clamped (d2lInt), the kept value not returned.
    cls = example_widget()
    unsafe = edited(cls._esm, ("{ limits: d2lLimits(model, name), ", "{ "),
                    ("(value) => {", "(text) => { const value = Math.round(Number(text));"),
                    ("return value;", ""))
    problems = [replay(cls, cls._example(), box["steps"]) for box in drive(cls, unsafe)["typed"]]
    assert len(problems) == 3 and all(problems), problems
    assert all(problem.startswith(f"DilationExplorer INPUT dilation-{name} typed ''")
               for problem, name in zip(problems, ("input_size", "kernel_size", "dilation")))


@needs_node
def test_the_driver_names_a_control_without_a_testid_or_a_label():
    cls = example_widget()
    unnamed = drive(cls, edited(
        cls._esm, ("d2lNumberInput(controls, name.replace(\"_\", \" \"),", "d2lNumberInput(controls, null,"),
        ('"data-testid": `dilation-${name}`', '"data-testid": ""')))["unnamed"]
    assert [(c["tag"], c["testid"], c["name"]) for c in unnamed] == [("INPUT", None, "")] * 3


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
