"""Shared base for the course's interactive figures (anywidget).

Every widget of ``d2lmini.widgets`` is a `CourseWidget`: an
``anywidget.AnyWidget`` whose drawing and logic live in a plain JavaScript
ES module next to the Python file (``kernel.py`` + ``kernel.js``). Python
prepares the data and checks the arguments; the JavaScript draws and
computes by itself, so a page of the static HTML book stays interactive
with no kernel at all (the executed notebook saves each widget's state,
``application/vnd.jupyter.widget-state+json``, and the page replays it).

How to write one (the Python tag rules, the JavaScript conventions the
tests check, the four files to touch): CONTRIBUTING.md, "Add a widget".
"""
import math
import pathlib
from numbers import Integral

import anywidget
import numpy as np
import torch
import traitlets

__all__ = ["CourseWidget", "as_image", "as_pair", "check_int", "check_cell", "check_choice",
           "check_labels", "read_js"]

HERE = pathlib.Path(__file__).resolve().parent

#: Largest image side a widget accepts (the state goes into the page).
MAX_IMAGE_SIDE = 128

CSS = """
.d2l-widget { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  font-size: 14px; line-height: 1.4; color: #222; margin: 0.5em 0; }
.d2l-widget .d2l-row { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
.d2l-widget .d2l-col { display: flex; flex-direction: column; gap: 0.3em; }
.d2l-widget .d2l-controls { display: flex; flex-wrap: wrap; gap: 0.5em 1em;
  align-items: center; margin: 0.4em 0; }
.d2l-widget .d2l-controls label { display: inline-flex; gap: 0.3em; align-items: center; }
.d2l-widget input[type=number] { width: 4.5em; font: inherit; }
.d2l-widget select, .d2l-widget button { font: inherit; }
.d2l-widget button { padding: 0.1em 0.6em; cursor: pointer; }
.d2l-widget canvas { image-rendering: pixelated; border: 1px solid #bbb; }
.d2l-widget .d2l-caption { font-size: 12px; color: #555; }
.d2l-widget .d2l-status { font-family: ui-monospace, Menlo, Consolas, monospace;
  font-size: 13px; margin: 0.3em 0; white-space: pre-wrap; }
.d2l-widget .d2l-code { font-family: ui-monospace, Menlo, Consolas, monospace;
  font-size: 12.5px; background: #f6f8fa; padding: 0.4em 0.6em; border-radius: 4px;
  white-space: pre; overflow-x: auto; }
.d2l-widget .d2l-error { color: #a00; background: #fff0f0; border: 1px solid #e0b4b4;
  padding: 0.4em 0.6em; border-radius: 4px; }
.d2l-widget .d2l-hidden { display: none; }
"""


def read_js(name):
    """The text of ``d2lmini/widgets/<name>`` after the shared helpers of ``_base.js``."""
    own = (HERE / name).read_text(encoding="utf-8")
    prelude = (HERE / "_base.js").read_text(encoding="utf-8")
    return f"{prelude}\n// ---- {name}\n{own}"


class CourseWidget(anywidget.AnyWidget):
    """Base class: loads ``_esm`` from ``_esm_file``, adds the shared CSS, and
    keeps one state however it is set (see the module docstring).

    Subclasses set ``_esm_file`` (a file next to their module, read when
    the class is created) and ``testid``, tag their synced traits with
    ``check``/``default``/``follows``, and pass the fixed traits and the
    reader's arguments (None: the default) to ``CourseWidget.__init__``.
    """

    _esm_file = None
    testid = "course-widget"
    _css = CSS
    _rules = {}       # settable and derived trait -> its tag, in declaration order
    _fixed = ()       # traits fixed when the widget is made
    _writing = False  # True while the widget writes a state it has settled itself

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("_esm_file")
        if name:
            cls._esm = read_js(name)
        if not any(_is_state(name, trait) for name, trait in vars(cls).items()):
            return  # e.g. the subclass anywidget makes to add _esm: it inherits the rules
        traits = {name: trait for klass in reversed(cls.__mro__)
                  if issubclass(klass, CourseWidget) and klass is not CourseWidget
                  for name, trait in vars(klass).items() if _is_state(name, trait)}
        cls._rules = {name: trait.metadata for name, trait in traits.items()
                      if "check" in trait.metadata or "default" in trait.metadata}
        cls._fixed = tuple(name for name in traits if name not in cls._rules)
        for name, rule in cls._rules.items():
            if "check" not in rule and not rule.get("follows"):
                raise TypeError(f"{cls.__name__}.{name}: a derived trait needs follows=(...)")
        settable = [name for name, rule in cls._rules.items() if "check" in rule]
        handlers = {"_validate_write": traitlets.validate(*traits)(CourseWidget._validate_write),
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
        constructor, or when a trait it follows changed) its default.
        Raises the check's error if the result is not a state the
        constructor could make.
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
            state[name] = rule["check"](value, state) if "check" in rule else value
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
        """A message from the page: checked as a whole, so a refused one changes nothing."""
        ours = {name: v for name, v in sync_data.items()
                if name in self._fixed or name in self._rules}
        self._refuse_read_only(ours)
        self._settled(ours, self._current())
        super().set_state(sync_data)

    def _repr_state(self):
        """A short deterministic summary for ``repr`` (override per widget)."""
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self._repr_state()})"


def _is_state(name, trait):
    """Whether a class attribute is a synced trait of the widget's own state."""
    return isinstance(trait, traitlets.TraitType) and trait.metadata.get("sync") \
        and not name.startswith("_")


# ---------------------------------------------------------------- checks

def _where(widget, name):
    return f"{widget}: {name}" if widget else name


def _to_nested(x, name, widget):
    """Any tensor / array / nested list as (nested python list, shape)."""
    where = _where(widget, name)
    if isinstance(x, (str, bytes, bool)) or x is None:
        raise TypeError(f"{where} must be a 2-D torch.Tensor, numpy array or list of lists "
                        f"of numbers, got {type(x).__name__} {x!r:.60}")
    if isinstance(x, torch.Tensor):
        if x.is_complex() or x.dtype == torch.bool:
            raise TypeError(f"{where} must hold real numbers, got dtype {x.dtype}; "
                            f"convert it with {name}.float()")
        return x.detach().cpu().double().tolist(), tuple(x.shape)
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "iuf":
            raise TypeError(f"{where} must hold real numbers, got numpy dtype {x.dtype}")
        return x.astype(float).tolist(), x.shape
    if isinstance(x, (list, tuple)):
        try:
            arr = np.array(x, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{where} must be a list of lists of numbers (all rows the "
                            f"same length), got {x!r:.80}") from None
        if any(isinstance(v, (str, bytes, bool)) for v in _flatten(x)):
            raise TypeError(f"{where} must hold numbers only, got {x!r:.80}")
        return arr.tolist(), arr.shape
    raise TypeError(f"{where} must be a 2-D torch.Tensor, numpy array or list of lists "
                    f"of numbers, got {type(x).__name__}")


def _flatten(x):
    if isinstance(x, (list, tuple)):
        for item in x:
            yield from _flatten(item)
    else:
        yield x


def as_image(x, name="image", *, widget="", max_side=MAX_IMAGE_SIDE, min_side=1):
    """``x`` (2-D tensor, numpy array or list of lists) as a list of lists of floats.

    Raises TypeError for non-numbers, ValueError for the wrong number of
    dims, an empty or too large image, or NaN/inf; each error names
    ``widget`` and ``name``, shows the shape and says what is allowed.
    """
    where = _where(widget, name)
    rows, shape = _to_nested(x, name, widget)
    if len(shape) != 2:
        extra = ""
        if len(shape) > 2 and sum(n != 1 for n in shape[:-2]) == 0:
            extra = f"; drop the leading size-1 dims with {name}.reshape({shape[-2]}, {shape[-1]})"
        elif len(shape) > 2:
            extra = f"; pick one image and one channel, e.g. {name}[0, 0]"
        elif len(shape) == 1:
            extra = f"; make it a single row with {name}.reshape(1, -1)"
        raise ValueError(f"{where} must be 2-D (height, width), got shape {tuple(shape)}{extra}")
    h, w = shape
    if h == 0 or w == 0:
        raise ValueError(f"{where} is empty (shape {tuple(shape)}); it needs at least one "
                         f"row and one column")
    if h < min_side or w < min_side:
        raise ValueError(f"{where} must be at least {min_side}×{min_side}, got {h}×{w}")
    if h > max_side or w > max_side:
        step = math.ceil(max(h, w) / max_side)
        raise ValueError(
            f"{where} is {h}×{w}, but this widget shows at most {max_side}×{max_side} "
            f"(its data is saved into the page); downsample it first, e.g. "
            f"{name}[::{step}, ::{step}] or F.interpolate({name}[None, None], "
            f"size=({min(h, max_side)}, {min(w, max_side)}))[0, 0]")
    flat = [v for row in rows for v in row]
    if not all(math.isfinite(v) for v in flat):
        raise ValueError(f"{where} contains NaN or inf; replace them first, e.g. "
                         f"torch.nan_to_num({name})")
    return [[float(v) for v in row] for row in rows]


def check_int(value, name, *, widget="", minimum=None, maximum=None):
    """``value`` as an int in [minimum, maximum]; TypeError/ValueError naming ``name``."""
    where = _where(widget, name)
    if isinstance(value, (torch.Tensor, np.ndarray)) and value.ndim == 0:
        value = value.item()  # a 0-d tensor or array holding an int counts as that int
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{where} must be an int, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{where} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{where} must be at most {maximum}, got {value}")
    return value


def as_pair(value, name, *, widget="", minimum=None, maximum=None):
    """An int or an (h, w) pair of ints (also a tensor or array), as a tuple, like
    PyTorch's layer arguments."""
    where = _where(widget, name)
    if isinstance(value, (torch.Tensor, np.ndarray)):
        value = value.tolist()
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2:
        raise TypeError(f"{where} must be an int or a (height, width) pair, got {value!r}")
    return tuple(check_int(v, name, widget=widget, minimum=minimum, maximum=maximum)
                 for v in pair)


def check_cell(value, name, shape, *, widget=""):
    """A (row, column) pair of ints (also a tensor or array) inside a ``shape`` grid, as a list."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        value = value.tolist()
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{_where(widget, name)} must be a (row, column) pair of ints, "
                        f"got {value!r:.60}")
    return [check_int(v, f"{name} {axis}", widget=widget, minimum=0, maximum=n - 1)
            for v, axis, n in zip(value, ("row", "column"), shape)]


def check_choice(value, name, choices, *, widget=""):
    """``value`` must be one of ``choices`` (a string option)."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{_where(widget, name)} must be one of {options}; got {value!r}")
    return value


def check_labels(labels, name, *, widget="", count=None):
    """A list of strings (shown with textContent), optionally exactly ``count`` long."""
    where = _where(widget, name)
    if isinstance(labels, str) or not isinstance(labels, (list, tuple)):
        raise TypeError(f"{where} must be a list of strings, got {type(labels).__name__}")
    if not all(isinstance(s, str) for s in labels):
        raise TypeError(f"{where} must hold strings only, got {list(labels)!r:.80}")
    if count is not None and len(labels) != count:
        raise ValueError(f"{where} must have {count} entries, got {len(labels)}")
    return list(labels)

