"""The book's structure: table of contents, titles, set-up cells, Colab, and the registry of
sections and models (d2lmini.book, d2lmini.models.BOOK) that README, intro and the notebooks
agree with."""
import json
import pathlib
import re
import subprocess
import sys
import types

import pytest
from doubles import facts, load_script

from d2lmini import book
from d2lmini.models import BOOK

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIG = (ROOT / "_config.yml").read_text()
TOC = (ROOT / "_toc.yml").read_text()
TOC_FILES = book.toc_files(ROOT)
NOTEBOOKS = book.notebooks(ROOT)
SECTIONS = book.sections(ROOT)      # "chapters/ch8/8_4_googlenet" is section 8.4
nbtemplate = load_script(ROOT / "scripts" / "nbtemplate.py")


def repository_url():
    return re.search(r"^repository:\s*\n\s+url:\s*(\S+)", CONFIG, re.MULTILINE).group(1)


def load(path):
    return json.loads(path.read_text())


def test_toc_lists_the_sections_in_order_under_their_titles():
    assert "caption: 7 Convolutional Neural Networks" in TOC
    assert "caption: 8 Modern Convolutional Neural Networks" in TOC
    titles = [load(path)["cells"][0]["source"] for path in NOTEBOOKS]
    numbers = [re.match(r"# (\d\.\d) ", "".join(t)).group(1) for t in titles]
    assert numbers == SECTIONS
    as_pairs = [tuple(map(int, n.split("."))) for n in SECTIONS]
    assert as_pairs == sorted(as_pairs) and len(set(as_pairs)) == len(as_pairs)
    assert {"7.1", "7.6", "8.1", "8.6"} <= set(SECTIONS)


def test_every_chapter_notebook_is_in_the_toc():
    on_disk = {p.relative_to(ROOT).with_suffix("").as_posix()
               for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}
    assert on_disk - set(TOC_FILES) == set()


def test_colab_launch_button_is_configured():
    assert re.search(r"colab_url:\s*\"https://colab.research.google.com\"", CONFIG)
    assert repository_url().startswith("https://github.com/")


@pytest.mark.parametrize("path", nbtemplate.notebooks(), ids=lambda p: p.stem)
def test_first_code_cell_is_the_current_set_up_cell(path):
    cells = load(path)["cells"]
    setup = next("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert setup == nbtemplate.setup_source(), "run python scripts/nbtemplate.py"
    assert f"'d2lmini @ git+{repository_url()}'" in setup
    assert "torch==" not in setup and "numpy==" not in setup  # never downgrade Colab


def run_set_up(version, pip_returncode=0, pip_says=""):
    """Run the set-up cell's install part with a stand-in d2lmini of `version` (None: it does
    not import) and a stand-in for pip; return the pip commands it ran."""
    install = nbtemplate.setup_source().split("import torch")[0]
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, pip_returncode, "", pip_says)

    saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "d2lmini"}
    stand_in = None if version is None else types.SimpleNamespace(__version__=version)
    original_run, subprocess.run = subprocess.run, fake_run
    sys.modules["d2lmini"] = stand_in     # None makes `import d2lmini` fail
    try:
        exec(install, {})
        if calls:   # after a successful install the old module is gone, to be imported anew
            assert "d2lmini" not in sys.modules
    finally:
        subprocess.run = original_run
        sys.modules.pop("d2lmini", None)
        sys.modules.update(saved)
    return calls


def test_set_up_installs_a_missing_or_older_d2lmini_and_keeps_a_current_one():
    import d2lmini
    major, minor = map(int, d2lmini.__version__.split(".")[:2])
    assert run_set_up(d2lmini.__version__) == []
    assert run_set_up(f"{major}.{minor + 1}.0") == []
    for missing_or_older in (None, f"{major}.{minor - 1}.9" if minor else f"{major - 1}.99.0"):
        (command,) = run_set_up(missing_or_older)
        assert command[-3:-1] == ["-q", "--upgrade"] and command[-1].startswith("d2lmini @ git+")


def test_set_up_shows_pips_own_error():
    with pytest.raises(RuntimeError, match=r"installing d2lmini failed; pip says:\n"
                                           r"ERROR: Could not find a version"):
        run_set_up(None, pip_returncode=1, pip_says="ERROR: Could not find a version\n")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_outputs_are_saved(path):
    # The book is built from saved outputs; nbval checks they are current.
    cells = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in cells), "run scripts/execute.py on it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_stops_colabs_run_all(path):
    # Colab runs past no error, whatever the cell's tags: deliberate errors use d2l.expect_error.
    tagged = [i for i, c in enumerate(load(path)["cells"])
              if "raises-exception" in c.get("metadata", {}).get("tags", [])]
    assert tagged == [], f"cells {tagged}: wrap the failing line in d2l.expect_error(...)"


def test_readme_and_intro_name_the_sections_of_the_table_of_contents():
    # "sections 7.1–7.6 and 8.1–8.6", "... to LeNet, ..., batch normalization and ResNet":
    # made from _toc.yml and BOOK by scripts/make_results.py.
    for name, (before, after), make in book.SCOPE_SENTENCES:
        text = (ROOT / name).read_text()
        assert book.scope_text(text, before, after, make(ROOT)) == text, (
            f"{name} names other sections than _toc.yml and d2lmini.models.BOOK "
            f"({make(ROOT)!r}): run scripts/make_results.py")


def test_scope_text_replaces_only_its_sentence_and_names_a_missing_one():
    text = "sections 7.1–7.5\nand 8.1 of [Dive"
    assert book.scope_text(text, "sections ", " of [Dive", "7.1–7.6") == \
        "sections 7.1–7.6 of [Dive"
    assert book.scope_text("sections 7.1–7.6\n of [Dive", "sections ", " of [Dive", "7.1–7.6") \
        == "sections 7.1–7.6\n of [Dive"                        # only the line breaks differ
    with pytest.raises(ValueError, match=facts("scope_text", "'sections '", "SCOPE_SENTENCES")):
        book.scope_text("no such sentence", "sections ", " of [Dive", "7.1–7.6")


def test_section_ranges_span_each_chapter_and_topics_name_each_section_once(tmp_path):
    files = ["chapters/ch7/7_1_a", "chapters/ch7/7_2_b", "chapters/ch7/7_3_c",
             "chapters/ch8/8_1_d", "chapters/ch9/9_1_e", "chapters/ch9/9_2_f", "chapters/widgets"]
    (tmp_path / "_toc.yml").write_text("".join(f"  - file: {name}\n" for name in files))
    assert book.section_ranges(tmp_path) == "7.1–7.3, 8.1 and 9.1–9.2"
    named = re.split(r", | and ", book.topics(ROOT))
    assert named == list(dict.fromkeys(model.topic for model in BOOK))   # 8.5's two models: one


def test_every_training_notebook_records_the_models_the_registry_lists():
    # record_run("8.4", "GoogLeNet", ...) in the notebooks, BOOK in d2lmini.models: one list.
    recorded = set()
    for path in NOTEBOOKS:
        for cell in load(path)["cells"]:
            source = "".join(cell["source"])
            recorded |= set(re.findall(r"record_run\(['\"]([\d.]+)['\"], ['\"]([^'\"]+)['\"]",
                                       source))
    assert recorded == {(model.section, model.name) for model in BOOK}
    assert {model.section for model in BOOK} <= set(SECTIONS)
