"""Shared base for the course's interactive figures (anywidget).

Every widget of ``d2lmini.widgets`` is a `CourseWidget`: an
``anywidget.AnyWidget`` whose drawing and logic live in a plain JavaScript
ES module next to the Python file (``kernel.py`` + ``kernel.js``). Python
prepares the data and checks the arguments (with `d2lmini.checks`, passing
the widget's name as ``fn``); the JavaScript draws and computes by itself,
so a page of the static HTML book stays interactive with no kernel at all
(the executed notebook saves each widget's state,
``application/vnd.jupyter.widget-state+json``, and the page replays it).

How to write one (the Python tag rules, the JavaScript conventions the
tests check, the four files to touch): CONTRIBUTING.md, "Add a widget".
"""
import json
import pathlib
import sys
from typing import NamedTuple

import anywidget
import torch
import traitlets

from ..checks import check_image, check_int, is_int

__all__ = ["CourseWidget", "read_js", "MAX_IMAGE_SIDE", "Examples", "validation_images",
           "untrained", "as_rows"]

HERE = pathlib.Path(__file__).resolve().parent

#: Largest image side a widget accepts (the state goes into the page).
MAX_IMAGE_SIDE = 128

#: The style every widget shares (a light card, also in dark themes), saved with its state.
CSS = (HERE / "_base.css").read_text(encoding="utf-8")


def read_js(name, folder=HERE):
    """The text of ``folder/<name>`` (by default in ``d2lmini/widgets``) after the shared
    helpers of ``_base.js``."""
    own = (pathlib.Path(folder) / name).read_text(encoding="utf-8")
    prelude = (HERE / "_base.js").read_text(encoding="utf-8")
    return f"{prelude}\n// ---- {name}\n{own}"


class CourseWidget(anywidget.AnyWidget):
    """Base class: loads ``_esm`` from ``_esm_file``, adds the shared CSS, and
    keeps one state however it is set (see the module docstring).

    Subclasses set ``_esm_file`` (a file next to their module, read when
    the class is created) and ``testid``, tag their synced traits with
    ``check``/``default``/``follows``/``limits``, and pass the fixed traits and
    the reader's arguments (None: the default) to ``CourseWidget.__init__``.
    The tags are checked when the class is created (TypeError).
    """

    _esm_file = None
    testid = "course-widget"
    _css = CSS
    _rules = {}       # settable and derived trait -> its tag, in declaration order
    _fixed = ()       # traits fixed when the widget is made
    _limits = {}      # settable trait -> [lo, hi] from its tag's limits=(lo, hi)
    _writing = False  # True while the widget writes a state it has settled itself
    #: The tags' limits for the page's number boxes (``d2lLimits``), read-only.
    limits = traitlets.Dict().tag(sync=True)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("_esm_file")
        if name:  # next to the module that defines the class
            cls._esm = read_js(name, pathlib.Path(sys.modules[cls.__module__].__file__).parent)
        if not any(_is_state(name, trait) for name, trait in vars(cls).items()):
            return  # e.g. the subclass anywidget makes to add _esm: it inherits the rules
        traits = {name: trait for klass in reversed(cls.__mro__)
                  if issubclass(klass, CourseWidget) and klass is not CourseWidget
                  for name, trait in vars(klass).items() if _is_state(name, trait)}
        cls._rules = {name: trait.metadata for name, trait in traits.items()
                      if RULE_TAGS & trait.metadata.keys()}
        cls._fixed = tuple(name for name in traits if name not in cls._rules)
        cls._limits = {name: list(rule["limits"]) for name, rule in cls._rules.items()
                       if "limits" in rule}
        _check_tags(cls.__name__, {name: trait.metadata for name, trait in traits.items()})
        if cls._limits and "limits" in traits:
            raise TypeError(f"{cls.__name__}: declares a limits trait and limits=(lo, hi) tags; "
                            "drop the trait: CourseWidget publishes the tags' limits")
        settable = [name for name, rule in cls._rules.items() if "check" in rule]
        written = {*traits, "limits"}  # every synced trait of the widget: none is free
        handlers = {"_validate_write": traitlets.validate(*written)(CourseWidget._validate_write),
                    "_follow": traitlets.observe(*settable)(CourseWidget._follow)}
        for attr, handler in handlers.items():
            setattr(cls, attr, handler)
            handler.class_init(cls, attr)

    def __init__(self, **values):
        """``values``: every fixed trait, and the settable ones (None: the default)."""
        unknown = [name for name in values if name not in self._fixed
                   and "check" not in self._rules.get(name, {})]
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected arguments {unknown}")
        given = {name: v for name, v in values.items() if name in self._rules and v is not None}
        state = self._settled(given, {name: values[name] for name in self._fixed})
        if "limits" not in self._fixed:  # else the widget passes its own (to be converted)
            state["limits"] = {name: list(pair) for name, pair in self._limits.items()}
        self._writing = True
        try:
            super().__init__(**state)
        finally:
            self._writing = False

    @classmethod
    def _settled(cls, given, current):
        """The whole state after setting ``given`` on ``current`` (name -> value).

        Traits are settled in declaration order, each check seeing the ones
        above it: a given value, else the current one, else (in the
        constructor, or when a trait it follows changed) its default; a
        derived trait's given value is kept as given (`_from_page` compares
        it). Raises the check's error, or the limits' (`_within`), if the
        result is not a state the constructor could make.
        """
        state = {name: current[name] for name in cls._fixed}
        changed = set(given)
        for name, rule in cls._rules.items():
            if name in given:
                value = given[name]
            elif name in current and not changed.intersection(rule.get("follows", ())):
                value = current[name]
            else:  # in the constructor, or after what it follows changed
                changed.add(name)
                if "default" in rule:
                    value = rule["default"](state)
                else:
                    value = getattr(cls, name).default_value
            if "check" in rule:
                value = rule["check"](value, state)
            if "limits" in rule:
                value = _within(value, rule["limits"], name, cls.__name__)
            state[name] = value
        return state

    @classmethod
    def _example(cls, **values):
        """The widget made with ``values`` (and defaults) that the tests try samples on."""
        return cls(**values)

    def _current(self):
        return {name: getattr(self, name) for name in (*self._fixed, *self._rules)}

    def _refuse_read_only(self, names):
        widget = type(self).__name__
        for name in names:
            if name in self._fixed:
                raise traitlets.TraitError(f"{widget}: {name} is fixed when the widget is made; "
                                           f"make a new {widget} instead")
            if name == "limits":
                raise traitlets.TraitError(f"{widget}: limits is read from the traits' tags "
                                           f"(limits=(lo, hi)); change the tags instead")
            if "check" not in self._rules[name]:
                sources = " and ".join(self._rules[name]["follows"])
                raise traitlets.TraitError(f"{widget}: {name} is computed from {sources}; "
                                           f"set {sources} instead")

    def _validate_write(self, proposal):
        """A write from outside (assignment or page) must give a state the constructor could."""
        name = proposal["trait"].name
        if self._writing:
            return proposal["value"]
        self._refuse_read_only([name])
        return self._settled({name: proposal["value"]}, self._current())[name]

    def _follow(self, change):
        """After a settable trait changed from outside: recompute what follows it."""
        if self._writing:
            return
        state = self._settled({change["name"]: change["new"]}, self._current())
        self._writing = True
        try:
            with self.hold_sync():
                for name in self._rules:
                    setattr(self, name, state[name])
        finally:
            self._writing = False

    def set_state(self, sync_data):
        """A message from the page: checked as a whole (`_from_page`), so a refused one
        changes nothing, and an accepted one leaves Python in the page's state."""
        ours = {name: v for name, v in sync_data.items()
                if name in self._fixed or name in self._rules or name == "limits"}
        checked = self._from_page(ours)
        self._writing = True
        try:
            super().set_state({**sync_data, **checked})
        finally:
            self._writing = False

    def _from_page(self, message):
        """The checked values of ``message``, the traits a page sends.

        The page saves what it changes with everything that `follows` it,
        derived traits included, computed in JavaScript as Python computes
        them; what it leaves out it keeps. So every trait the message leaves
        out must keep its value in Python too, and every derived value it
        sends must equal Python's: else TraitError, and nothing changes.
        """
        widget = type(self).__name__
        self._refuse_read_only([name for name in message if name not in self._rules])
        current = self._current()
        settable = {name: v for name, v in message.items() if "check" in self._rules[name]}
        state = self._settled(settable, current)
        for name, rule in self._rules.items():
            sources = " and ".join(rule.get("follows", ()))
            if name in settable or not sources:
                continue
            if name in message and _as_json(message[name]) != _as_json(state[name]):
                raise traitlets.TraitError(
                    f"{widget}: {name} is computed from {sources}: the page sent "
                    f"{message[name]!r:.80}, Python computes {state[name]!r:.80}; compute it in "
                    f"the page as Python does")
            if name not in message and state[name] != current[name]:
                raise traitlets.TraitError(
                    f"{widget}: {name} follows {sources}, which the page changed, but the page "
                    f"did not send it (Python makes it {state[name]!r:.80}, the page keeps "
                    f"{current[name]!r:.80}); save {name} with what it follows: "
                    f"d2lSave(model, {{...changes, {name}}})")
        return {name: state[name] for name in message}

    def _repr_state(self):
        """A short deterministic summary for ``repr`` (override per widget)."""
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self._repr_state()})"


#: The tags that make a trait settable (check) or derived (default and follows).
RULE_TAGS = {"check", "default", "follows"}


def _check_tags(widget, tags):
    """Refuse, when the class is made, tags the state machine would misread (name -> tag)."""
    above = []
    for name, tag in tags.items():
        where = f"{widget}.{name}"
        later = [f for f in tag.get("follows", ()) if f not in above]
        if later:
            raise TypeError(f"{where} follows {later}, which are not traits declared above it; "
                            f"declare what a trait follows before it")
        if "check" not in tag and RULE_TAGS & tag.keys() and not {"default", "follows"} <= tag.keys():
            raise TypeError(f"{where}: a derived trait (no check) needs default=g(state) and "
                            f"follows=(...); a trait the reader sets needs check=f(value, state)")
        if "limits" in tag:
            limits = tag["limits"]
            if "check" not in tag:
                raise TypeError(f"{where}: limits=... on a trait the reader cannot set; "
                                f"only a trait with check=... has limits")
            if not (isinstance(limits, tuple) and len(limits) == 2 and all(map(is_int, limits))
                    and limits[0] <= limits[1]):
                raise TypeError(f"{where}: limits must be a (lo, hi) tuple of ints with lo <= hi, "
                                f"got {limits!r}")
        above.append(name)


def _within(value, limits, name, widget):
    """``value`` after a check, inside its tag's ``limits=(lo, hi)``: an int, each int of a
    pair or list, or the rows and columns of a grid (list of lists)."""
    lo, hi = limits
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        check_image(value, name, fn=widget, min_side=lo, max_side=hi)
    else:
        for v in value if isinstance(value, (list, tuple)) else [value]:
            check_int(v, name, fn=widget, minimum=lo, maximum=hi)
    return value


def _as_json(value):
    """``value`` as the page holds it (tuples as lists)."""
    return json.loads(json.dumps(value))


def _is_state(name, trait):
    """Whether a class attribute is a synced trait of the widget's own state."""
    return isinstance(trait, traitlets.TraitType) and trait.metadata.get("sync") \
        and not name.startswith("_")


# ---------------------------------------------------------------- shared data

class Examples(NamedTuple):
    """Images with their classes: float64 ``images`` (n, 28, 28) in [0, 1], ``targets``
    (class indices) and ``names`` (class names), both lists."""
    images: torch.Tensor
    targets: list
    names: list


def validation_images(n=1):
    """The first ``n`` Fashion-MNIST validation images, the widgets' default input.

    Image 0 is an ankle boot. Convert the float64 images to what the widget
    shows (``.float()`` gives exactly ``uint8 / 255`` in float32).
    """
    from ..data import FashionMNIST  # imported late: reading the files takes a moment

    val = FashionMNIST(batch_size=1, n_train=1, n_val=n).val
    targets = val.targets.tolist()
    return Examples(val.data.double() / 255, targets, [FashionMNIST.LABELS[t] for t in targets])


def untrained(model_class, X, seed=0):
    """``model_class()`` as the book initialises it before training, UNTRAINED.

    Seeded with ``seed``; in eval mode (so the shape-finding pass on the
    batch ``X`` leaves batch-norm running averages at 0 and 1); lazy layers
    made concrete and initialised with d2l's ``init_cnn`` (Xavier). The
    notebook's random stream stays as it was.
    """
    from ..module import init_cnn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_class()
        model.eval()
        model.apply_init([X], init_cnn)
    return model


def as_rows(x, digits=3):
    """A tensor (any number of dims) or nested lists of numbers as nested lists of floats
    rounded to ``digits`` decimals, -0.0 written 0.0: what the page reads."""
    if isinstance(x, torch.Tensor):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return [as_rows(v, digits) for v in x]
    return round(float(x), digits) + 0.0
