"""The HTML book shows the lesson, not the scaffolding (book_ext/lesson_view.py).

The rule on its own cells first, then the built pages (``_build/html``,
made by ``jupyter-book build .``; scripts/test.sh builds it first):

* no page shows an nbval marker (``# NBVAL_IGNORE_OUTPUT``...);
* every notebook page has its set-up cell's input collapsed and its output
  (device and budget) shown;
* no cell that only checks (``assert``, ``d2l.check_accuracy``,
  ``d2l.record_run``) is shown;
* the notebooks carry no hand-set hiding tags: the rule lives in the reader.

tests/test_browser.py checks the same pages in Chromium (what is visible,
accessibility, widths).
"""
import json
import pathlib
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
sys.path.insert(0, str(ROOT / "book_ext"))

import lesson_view  # noqa: E402
from d2lmini.book import toc_files, toc_root  # noqa: E402

HIDING_TAGS = {"hide-input", "hide-output", "hide-cell", "remove-input", "remove-output",
               "remove-cell", "remove_cell", "remove_input", "remove_output"}


def code(source, outputs=()):
    return nbformat.v4.new_code_cell(source, outputs=list(outputs))


@pytest.mark.parametrize("source", [
    "assert x == 1",
    "assert x == 1  # why\n# a comment\nassert y",
    "d2l.check_accuracy(history, above=d2l.pick(quick=0.6, full=0.85))\n"
    "d2l.record_run('8.6', 'ResNet-18', model, trainer, data)",
    "for mode in ('max', 'avg'):\n    assert pool(X, mode).shape == (2, 2)",
    "with torch.no_grad():\n    torch.testing.assert_close(a, b)",
])
def test_cells_that_only_check_are_removed(source):
    assert lesson_view.lesson_tags(code(source)) == ["remove-cell"]


@pytest.mark.parametrize("source", [
    "assert x == 1\nprint('x is 1')",                 # prints what it checked: a lesson
    "ratio = a / b\nassert ratio > 10",               # computes a name later cells may use
    "for layer in net:\n    layer.reset()\n    assert layer.ok",
    "d2l.record_run('7.6', 'LeNet', model, trainer, data)\nhistory.val_acc[-1]",
    "x = 1",
    "%timeit f()",                                    # IPython, not Python: left as it is
    "",
])
def test_cells_that_teach_are_shown(source):
    assert lesson_view.lesson_tags(code(source)) == []


def test_a_check_that_printed_something_is_collapsed_not_removed():
    printed = nbformat.v4.new_output("stream", name="stdout", text="a warning\n")
    assert lesson_view.lesson_tags(code("assert f()", [printed])) == ["hide-cell"]


def test_the_setup_cell_keeps_its_output_and_hides_its_input():
    setup = "import d2lmini as d2l\n\nd2l.setup_notebook()"
    assert lesson_view.lesson_tags(code(setup)) == ["hide-input"]
    assert lesson_view.lesson_tags(code("d2l.setup_notebook  # not called")) == []


def test_nbval_markers_leave_the_displayed_source_and_nothing_else_does():
    source = "# NBVAL_IGNORE_OUTPUT\nx = 1  # NBVAL_SKIP stays: not a whole line\n    #NBVAL_SKIP\ny = 2\n"
    assert lesson_view.without_markers(source) == "x = 1  # NBVAL_SKIP stays: not a whole line\ny = 2\n"


def test_reading_a_notebook_tags_and_cleans_only_its_code_cells():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# NBVAL_IGNORE_OUTPUT is prose here"),
        code("d2l.setup_notebook()"),
        code("# NBVAL_IGNORE_OUTPUT\nhistory = fit()"),
        code("assert history"),
    ])
    nb.cells[1].metadata["tags"] = ["hide-input"]  # an author's tag is kept, not doubled
    read = lesson_view.read_lesson(nbformat.writes(nb))
    assert [c.source for c in read.cells] == ["# NBVAL_IGNORE_OUTPUT is prose here",
                                             "d2l.setup_notebook()", "history = fit()",
                                             "assert history"]
    assert [c.metadata.get("tags") for c in read.cells] == [
        None, ["hide-input"], None, ["remove-cell"]]


# ---------------------------------------------------------------- the notebooks

NOTEBOOKS = [ROOT / f"{name}.ipynb" for name in toc_files(ROOT)
             if (ROOT / f"{name}.ipynb").is_file()]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_carry_no_hand_set_hiding_tags(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [(i, sorted(HIDING_TAGS & set(c.metadata.get("tags", [])))) for i, c in enumerate(nb.cells)
              if HIDING_TAGS & set(c.metadata.get("tags", []))]
    assert tagged == [], f"{path.name}: cells with hiding tags (book_ext/lesson_view.py hides " \
                         f"cells by one rule; drop the tags): {tagged}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_has_one_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    setup = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and lesson_view.is_setup(c.source)]
    assert len(setup) == 1, f"{path.name}: set-up cells (calling setup_notebook()) at {setup}"


# ---------------------------------------------------------------- the built pages

built = pytest.mark.skipif(not (HTML / "index.html").is_file(),
                           reason="no built book: run `jupyter-book build .` (scripts/test.sh does) "
                                  "before tests/test_book_html.py")


def _soup(html):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")


def _page(path):
    """The built page of the notebook at ``path``."""
    return _soup(HTML / path.relative_to(ROOT).with_suffix(".html"))


def _source(cell_input):
    """The code a ``div.cell_input`` displays."""
    return cell_input.find("pre").get_text()


def _collapsed(element):
    return element.find_parent("details", class_="hide") is not None


def _pages():
    return sorted(p for p in HTML.rglob("*.html")
                  if not {"_static", "_sources", "_images"} & set(p.relative_to(HTML).parts))


@built
def test_no_page_shows_an_nbval_marker():
    shown = [p.relative_to(HTML).as_posix() for p in _pages() if "NBVAL" in p.read_text(encoding="utf-8")]
    assert shown == [], f"pages with an nbval marker: {shown}"


@built
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_setup_input_is_collapsed_and_its_output_shown(path):
    cells = [c for c in _page(path).select("div.cell")
             if c.select_one("div.cell_input") and "setup_notebook()" in _source(c.select_one("div.cell_input"))]
    assert len(cells) == 1, f"{path.stem}: {len(cells)} set-up cells on the page"
    cell_input, output = cells[0].select_one("div.cell_input"), cells[0].select_one("div.cell_output")
    assert _collapsed(cell_input), f"{path.stem}: the set-up cell's input is not collapsed"
    assert output is not None and not _collapsed(output), f"{path.stem}: the set-up output is hidden"
    assert "device:" in output.get_text() and "budget:" in output.get_text()


@built
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_that_only_checks_is_shown(path):
    shown = [_source(c) for c in _page(path).select("div.cell_input")
             if not _collapsed(c) and lesson_view.only_checks(_source(c))]
    assert shown == [], f"{path.stem}: cells that only check, shown: {json.dumps(shown, indent=1)}"


@built
def test_every_page_names_an_icon_the_book_serves():
    """A page without ``<link rel="icon">`` makes the browser ask for /favicon.ico, a 404 here.
    ``index.html`` (book_ext/index_page.py) names the empty ``data:,`` icon, which asks for
    nothing: its redirect aborted the request for a real one (CI caught both)."""
    missing = []
    for path in _pages():
        icon = _soup(path).select_one('link[rel~="icon"]')
        if icon is None or not (icon["href"] == "data:," or (path.parent / icon["href"]).is_file()):
            missing.append(f"{path.relative_to(HTML).as_posix()}: {icon}")
    assert missing == [], f"pages whose icon is missing: {missing}"


@built
def test_index_redirects_to_the_root_of_the_toc():
    index = _soup(HTML / "index.html")
    first = toc_root() + ".html"
    assert index.select_one('meta[http-equiv="Refresh"]')["content"] == f"0; url={first}"
    assert index.select_one("a")["href"] == first and index.html["lang"] and index.title.get_text()
