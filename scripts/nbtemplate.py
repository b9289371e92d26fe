"""Helpers for writing chapter notebooks from Python (used by authors, not the book).

    from nbtemplate import notebook, md, code
    nb = notebook("7.2 Convolutions for Images", "In this section ...", [md("..."), code("...")])
    nbformat.write(nb, "chapters/ch7/7_2_conv_layer.ipynb")

Every notebook starts with the same set-up cell, which installs d2lmini from
the repository named in _config.yml when it is missing (as in Colab).
"""
import pathlib
import re

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent


def repository_url():
    """``repository.url`` from _config.yml (read without a YAML dependency)."""
    text = (ROOT / "_config.yml").read_text()
    match = re.search(r"^repository:\s*\n\s+url:\s*(\S+)", text, re.MULTILINE)
    if not match:
        raise ValueError("_config.yml has no repository.url")
    return match.group(1)


def setup_source(extra_imports=""):
    """The first code cell of every notebook."""
    return (
        "# Set-up: install d2lmini if it is missing (in Colab); torch and numpy stay as they are.\n"
        "import importlib.util, subprocess, sys\n"
        "if importlib.util.find_spec('d2lmini') is None:\n"
        "    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q',\n"
        f"                    'd2lmini @ git+{repository_url()}'], check=True)\n"
        "import torch\n"
        "from torch import nn\n"
        "from torch.nn import functional as F\n"
        "import d2lmini as d2l\n"
        + extra_imports +
        "\n"
        "d2l.setup_notebook()"
    )


def md(text):
    return nbformat.v4.new_markdown_cell(text.strip("\n"))


def code(source, tags=()):
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def notebook(title, summary, cells, extra_imports=""):
    """A notebook: '# title', a summary paragraph, the set-up cell, then ``cells``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [md(f"# {title}\n\n{summary}"), code(setup_source(extra_imports)), *cells]
    return nb
