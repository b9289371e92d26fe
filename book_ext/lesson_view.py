"""A Sphinx extension that shows the lesson of each notebook, not its scaffolding.

The notebooks carry cells a reader of the HTML book does not need: the
set-up cell (installs d2lmini in Colab), cells that only check what the page
claims (``assert``, ``d2l.check_accuracy``, ``d2l.record_run``) and nbval's
``# NBVAL_...`` comments. They must stay in the notebooks, which run top to
bottom in Jupyter and Colab, so this reader hides them while the book is
built, from one rule here instead of tags set by hand in every notebook:

* the set-up cell (the one that calls ``d2l.setup_notebook()``): its input is
  collapsed (``hide-input``); its output, the device and budget, stays;
* a cell whose every statement checks (an ``assert``, a call to
  ``check_accuracy``, ``record_run`` or an ``assert_*`` function, or a
  ``for``/``with`` block of only those): removed (``remove-cell``) when it
  printed nothing, collapsed (``hide-cell``) when it printed something;
* ``# NBVAL_...`` comment lines: dropped from the displayed source.

myst-nb reads every ``.ipynb`` of the book through `read_lesson`
(``nb_custom_formats``); the downloaded and Colab notebooks are the files
as committed.
"""
import ast
import re

import nbformat

#: Calls that only check or record: a cell of nothing else is scaffolding.
CHECK_CALLS = {"check_accuracy", "record_run"}
SETUP_CALL = "setup_notebook"
MARKER_LINE = re.compile(r"^[ \t]*# ?NBVAL_[A-Z_]+[ \t]*\n?", re.MULTILINE)


def _called(node):
    """The name a call statement calls (``d2l.record_run(...)`` -> ``record_run``), or None."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return None
    func = node.value.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _checks(node):
    if isinstance(node, ast.Assert):
        return True
    name = _called(node)
    if name is not None:
        return name in CHECK_CALLS or name.startswith("assert_")
    if isinstance(node, (ast.For, ast.With)):
        return all(map(_checks, node.body)) and not getattr(node, "orelse", None)
    return False


def _statements(source):
    try:
        return ast.parse(source).body
    except SyntaxError:  # IPython magics: never scaffolding
        return []


def only_checks(source):
    """True when every statement of ``source`` checks (see the module docstring)."""
    statements = _statements(source)
    return bool(statements) and all(map(_checks, statements))


def is_setup(source):
    """True for the set-up cell: it calls ``setup_notebook()``."""
    return any(_called(node) == SETUP_CALL for node in _statements(source))


def without_markers(source):
    """``source`` without its ``# NBVAL_...`` comment lines."""
    return MARKER_LINE.sub("", source)


def lesson_tags(cell):
    """The tags the book adds to a code cell (empty when it is shown as it is)."""
    if is_setup(cell.source):
        return ["hide-input"]
    if only_checks(cell.source):
        return ["hide-cell"] if cell.get("outputs") else ["remove-cell"]
    return []


def show_the_lesson(nb):
    """Tag and clean the code cells of a notebook (in place); returns it."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        added = [tag for tag in lesson_tags(cell) if tag not in tags]
        if added:
            cell.metadata["tags"] = tags + added
        cell.source = without_markers(cell.source)
    return nb


def read_lesson(text):
    """myst-nb's notebook reader for the book: the notebook with its scaffolding hidden."""
    return show_the_lesson(nbformat.reads(text, as_version=4))


def _use_the_reader(app, config):
    config.nb_custom_formats = {**config.nb_custom_formats,
                                ".ipynb": f"{__name__}.read_lesson"}


def setup(app):
    app.connect("config-inited", _use_the_reader, priority=400)  # before myst-nb reads it
    return {"parallel_read_safe": True, "parallel_write_safe": True}
