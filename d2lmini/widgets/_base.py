"""Shared base for the course's interactive figures (anywidget).

Every widget of ``d2lmini.widgets`` is a `CourseWidget`: an
``anywidget.AnyWidget`` whose drawing and logic live in a plain JavaScript
ES module next to the Python file (``kernel.py`` + ``kernel.js``). Python
prepares the data and checks the arguments; the JavaScript draws and
computes by itself, so a page of the static HTML book stays interactive
with no kernel at all (the executed notebook saves each widget's state,
``application/vnd.jupyter.widget-state+json``, and the page replays it).

Writing a widget (Python side)
------------------------------
::

    class PoolingExplorer(CourseWidget):
        _esm_file = "pooling.js"            # sibling file, read once at import
        testid = "pooling-explorer"         # data-testid of the root element
        image = traitlets.List().tag(sync=True)

        def __init__(self, image=None, pool_size=2):
            image = as_image(image, "image", widget="PoolingExplorer", max_side=64)
            check_int(pool_size, "pool_size", widget="PoolingExplorer", minimum=1, maximum=8)
            super().__init__(image=image, pool_size=pool_size)

        def _repr_state(self):              # short, deterministic text/plain
            return f"pool {self.pool_size}"  # nbval compares it

* Validate every argument in ``__init__`` with the helpers below; errors
  name the widget and the argument, show the bad value and say what works.
* Synced traits hold plain JSON: numbers, strings, lists of lists of floats
  (`as_image` gives those). Keep them small: the state is saved into the
  notebook and the book page (images ≤ 128×128, per-cell grids ≤ 64×64).
* ``repr(widget)`` is the ``text/plain`` output that nbval compares, so it
  must not depend on model ids or random numbers: override `_repr_state`.

Writing a widget (JavaScript side)
----------------------------------
The ``.js`` file is an ES module with NO imports (no build step, no CDN:
the book makes zero requests off its own server). At import time the
shared helpers of ``_base.js`` are prepended to it (set
``_esm_shared = False`` to opt out), so the module can use the functions
named ``d2l*`` there (``d2lRoot``, ``d2lEl``, ``d2lDiverging``, ...)::

    function render({ model, el }) {
      const root = d2lRoot(el, "pooling-explorer");      // div.d2l-widget[data-testid]
      const status = d2lEl(root, "div", { cls: "d2l-status" });
      function draw() {
        const size = model.get("pool_size");             // read synced state
        status.textContent = `output ${h}×${w}`;          // text ONLY via textContent
        root.dataset.output = JSON.stringify(values);     // values tests compare
      }
      input.addEventListener("change", () => {
        model.set("pool_size", Number(input.value));     // write ...
        model.save_changes();                             // ... and sync to Python
      });
      model.on("change:pool_size", draw);                 // listen
      draw();
      return () => model.off("change:pool_size", draw);  // cleanup
    }
    export default { render };

Conventions, checked by the tests:

* ``render({model, el})`` builds everything inside ``el``; the root element
  has the CSS class ``d2l-widget`` and ``data-testid="<testid>"`` (the
  browser test finds it exactly once per widget: never drawn twice).
* All text that comes from data (labels, class names, layer names, numbers)
  is set with ``textContent`` or ``document.createTextNode``; never assign
  ``innerHTML`` anything but a string literal.
* A visible status line (class ``d2l-status``) states the key result in
  words the tests read, e.g. ``output 4×4``.
* Values a test compares with PyTorch go into ``data-*`` attributes of the
  root as JSON (e.g. ``data-output``).
* Listen with ``model.on("change:x", f)`` and return a function that calls
  ``model.off`` for each listener (views are created and destroyed often).
* Controls are real ``<input>``/``<select>``/``<button>`` elements with a
  ``<label>`` or ``aria-label`` and a ``data-testid`` (tests drive them).
"""
import math
import pathlib
from numbers import Integral

import anywidget
import numpy as np
import torch

__all__ = ["CourseWidget", "as_image", "as_pair", "check_int", "check_choice",
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


def read_js(name, *, shared=True):
    """The text of ``d2lmini/widgets/<name>``, after ``_base.js`` if ``shared``."""
    own = (HERE / name).read_text(encoding="utf-8")
    if not shared:
        return own
    prelude = (HERE / "_base.js").read_text(encoding="utf-8")
    return f"{prelude}\n// ---- {name}\n{own}"


class CourseWidget(anywidget.AnyWidget):
    """Base class: loads ``_esm`` from ``_esm_file`` and adds the shared CSS.

    Subclasses set ``_esm_file`` (a file next to their module, read when
    the class is created) and ``testid``; see the module docstring.
    """

    _esm_file = None
    _esm_shared = True
    testid = "course-widget"
    _css = CSS

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("_esm_file")
        if name:
            cls._esm = read_js(name, shared=cls._esm_shared)

    def _repr_state(self):
        """A short deterministic summary for ``repr`` (override per widget)."""
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self._repr_state()})"


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
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{where} must be an int, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{where} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{where} must be at most {maximum}, got {value}")
    return value


def as_pair(value, name, *, widget="", minimum=None, maximum=None):
    """An int or an (h, w) pair of ints, as a tuple, like PyTorch's layer arguments."""
    where = _where(widget, name)
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2:
        raise TypeError(f"{where} must be an int or a (height, width) pair, got {value!r}")
    return tuple(check_int(v, name, widget=widget, minimum=minimum, maximum=maximum)
                 for v in pair)


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

