"""Rewrite the JavaScript and CSS saved in the notebooks' widget states from the current files.

    python scripts/refresh_widget_js.py            # every notebook under chapters/
    python scripts/refresh_widget_js.py --check    # exit 1 if any saved copy is stale

The HTML book runs the JavaScript saved with each widget's state, not the
``.js`` file, and that text (``_esm``: ``_base.js`` followed by the widget's
own file; ``_css``: the shared style) depends on nothing the notebook
computes. So after editing a widget's ``.js`` or ``_base.js`` this rewrites
those two fields only, instead of re-executing notebooks (which would
re-train seven models). Every other byte of each notebook stays as it was:
the script checks that, and refuses to write a notebook whose format would
change on a plain read and write, or whose saved states lack a trait that the
class now syncs (the new JavaScript would read it as undefined: that notebook
must be re-executed instead).
"""
import argparse
import copy
import pathlib
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the d2lmini of this tree, installed or not

from d2lmini import widgets  # noqa: E402

STATE_KEY = "application/vnd.jupyter.widget-state+json"
#: The saved fields that are pure functions of the widget's class.
ASSETS = ("_esm", "_css")


def course_widgets():
    """``_anywidget_id`` (module.Class) -> the class, for every widget of ``widgets.__all__``."""
    classes = (getattr(widgets, name) for name in widgets.__all__)
    return {f"{cls.__module__}.{cls.__name__}": cls for cls in classes}


def current_assets():
    """``_anywidget_id`` (module.Class) -> the saved fields it should carry now."""
    return {key: {field: getattr(cls, field) for field in ASSETS}
            for key, cls in course_widgets().items()}


def missing_traits(notebook):
    """``(class name, sorted trait names)`` for each saved course-widget state that lacks
    a trait its class syncs today: saved before the trait existed."""
    found, classes = [], course_widgets()
    for state in widget_states(notebook):
        cls = classes.get(state.get("_anywidget_id"))
        if cls is not None:
            missing = set(cls.class_traits(sync=True)) - set(state)
            if missing:
                found.append((cls.__name__, sorted(missing)))
    return found


def widget_states(notebook):
    """The saved state dicts of every widget model in ``notebook``."""
    saved = notebook.metadata.get("widgets", {}).get(STATE_KEY, {}).get("state", {})
    return [model["state"] for model in saved.values()]


def refreshed(notebook, assets):
    """A copy of ``notebook`` with every course widget's saved assets made current,
    and how many states changed."""
    notebook = copy.deepcopy(notebook)
    changed = 0
    for state in widget_states(notebook):
        want = assets.get(state.get("_anywidget_id"))
        if want is None:
            continue  # not a course widget (e.g. a plain ipywidget)
        if any(state.get(field) != text for field, text in want.items()):
            state.update(want)
            changed += 1
    return notebook, changed


def without_assets(notebook):
    notebook = copy.deepcopy(notebook)
    for state in widget_states(notebook):
        for field in ASSETS:
            state.pop(field, None)
    return nbformat.writes(notebook)


def refresh(path, assets, write=True):
    """Refresh one notebook; returns the number of widget states that were stale."""
    raw = path.read_text(encoding="utf-8")
    notebook = nbformat.reads(raw, as_version=4)
    if nbformat.writes(notebook) + "\n" != raw:
        raise SystemExit(f"{path}: not in the format scripts/execute.py writes "
                         "(re-save it with nbformat first); nothing written")
    missing = missing_traits(notebook)
    if missing:
        names = "; ".join(f"{cls}: {', '.join(traits)}" for cls, traits in missing)
        raise SystemExit(f"{path}: saved widget states lack traits their classes sync now "
                         f"({names}); the current JavaScript would read them as undefined. "
                         f"Re-execute it: python scripts/execute.py {path}")
    new, changed = refreshed(notebook, assets)
    assert without_assets(new) == without_assets(notebook), path  # only the assets moved
    if changed and write:
        path.write_text(nbformat.writes(new) + "\n", encoding="utf-8")
    return changed


def notebooks():
    return sorted(p for p in (ROOT / "chapters").rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="default: every notebook under chapters/")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a saved copy is stale")
    args = parser.parse_args()
    assets = current_assets()
    stale = 0
    for path in args.notebooks or notebooks():
        changed = refresh(path.resolve(), assets, write=not args.check)
        if changed:
            verb = "stale in" if args.check else "refreshed in"
            print(f"{changed:3d} widget states {verb} {path}")
        stale += changed
    if not stale:
        print("every saved widget carries the current JavaScript and CSS")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
