"""The book's structure: table of contents, titles, set-up cells, Colab."""
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIG = (ROOT / "_config.yml").read_text()
TOC = (ROOT / "_toc.yml").read_text()
TOC_FILES = re.findall(r"^\s*- file: (\S+)", TOC, re.MULTILINE)
NOTEBOOKS = [ROOT / f"{name}.ipynb" for name in TOC_FILES if name.startswith("chapters/ch")]
SECTIONS = [f"{c}.{s}" for c in (7, 8) for s in range(1, 7)]


def repository_url():
    return re.search(r"^repository:\s*\n\s+url:\s*(\S+)", CONFIG, re.MULTILINE).group(1)


def load(path):
    return json.loads(path.read_text())


def test_toc_has_both_parts_and_all_twelve_sections_in_order():
    assert "caption: 7 Convolutional Neural Networks" in TOC
    assert "caption: 8 Modern Convolutional Neural Networks" in TOC
    titles = [load(path)["cells"][0]["source"] for path in NOTEBOOKS]
    numbers = [re.match(r"# (\d\.\d) ", "".join(t)).group(1) for t in titles]
    assert numbers == SECTIONS


def test_every_chapter_notebook_is_in_the_toc():
    on_disk = {p.relative_to(ROOT).with_suffix("").as_posix()
               for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}
    assert on_disk - set(TOC_FILES) == set()


def test_colab_launch_button_is_configured():
    assert re.search(r"colab_url:\s*\"https://colab.research.google.com\"", CONFIG)
    assert repository_url().startswith("https://github.com/")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_installs_d2lmini_from_the_repository(path):
    cells = load(path)["cells"]
    setup = next("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert f"'d2lmini @ git+{repository_url()}'" in setup
    assert "find_spec('d2lmini') is None" in setup  # only when missing
    assert "torch==" not in setup and "numpy==" not in setup  # never downgrade Colab
    assert "d2l.setup_notebook()" in setup


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_outputs_are_saved(path):
    # The book is built from saved outputs; nbval checks they are current.
    cells = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in cells), "run scripts/execute.py on it"
