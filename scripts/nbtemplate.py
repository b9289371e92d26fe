"""Helpers for writing chapter notebooks from Python (used by authors, not the book).

    from nbtemplate import notebook, md, code
    nb = notebook("7.2 Convolutions for Images", "In this section ...", [md("..."), code("...")])
    nbformat.write(nb, "chapters/ch7/7_2_conv_layer.ipynb")

    python scripts/nbtemplate.py    # rewrite every notebook's set-up cell from setup_source()

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


def package_version():
    """d2lmini's ``__version__`` (read from its source, without importing it)."""
    text = (ROOT / "d2lmini" / "__init__.py").read_text()
    return re.search(r'^__version__ = "(\d+)\.(\d+)\.\d+"', text, re.MULTILINE).groups()


def setup_source():
    """The first code cell of every notebook.

    In Colab (or anywhere the d2lmini that imports is missing or older than
    the pages need; an importable source tree counts, installed or not) it
    installs d2lmini from the repository named in _config.yml and drops the
    old one from ``sys.modules``; when pip fails, the error shows pip's own
    message instead of a bare CalledProcessError followed by an ImportError
    in every later cell.
    """
    major, minor = package_version()
    return (
        f"# Set-up: install d2lmini {major}.{minor} or newer if it is missing or older (as in Colab);\n"
        "# torch and numpy stay as they are.\n"
        "import subprocess, sys\n"
        "try:\n"
        "    import d2lmini\n"
        "    have = tuple(map(int, d2lmini.__version__.split('.')[:2]))\n"
        "except ImportError:\n"
        "    have = None\n"
        f"if have is None or have < ({major}, {minor}):\n"
        "    pip = subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--upgrade',\n"
        f"                          'd2lmini @ git+{repository_url()}'],\n"
        "                         capture_output=True, text=True)\n"
        "    if pip.returncode != 0:\n"
        "        raise RuntimeError(f'installing d2lmini failed; pip says:\\n{pip.stdout}{pip.stderr}')\n"
        "    for name in [m for m in sys.modules if m.split('.')[0] == 'd2lmini']:\n"
        "        del sys.modules[name]   # the import below loads the new version\n"
        "import torch\n"
        "from torch import nn\n"
        "from torch.nn import functional as F\n"
        "import d2lmini as d2l\n"
        "\n"
        "d2l.setup_notebook()"
    )


def kernelspec():
    """The notebooks' kernelspec: what ``python -m ipykernel install`` installs.

    JupyterLab writes the running kernel's spec into a notebook it opens; a
    notebook saved with the same spec is not marked changed by just opening it.
    """
    from ipykernel.kernelspec import KERNEL_NAME, get_kernel_dict

    spec = get_kernel_dict()
    return {"display_name": spec["display_name"], "language": spec["language"],
            "name": KERNEL_NAME}


def md(text):
    return nbformat.v4.new_markdown_cell(text.strip("\n"))


def code(source, tags=()):
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def notebook(title, summary, cells):
    """A notebook: '# title', a summary paragraph, the set-up cell, then ``cells``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = kernelspec()
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [md(f"# {title}\n\n{summary}"), code(setup_source()), *cells]
    return nb


def notebooks():
    """Every notebook of the book, in the order of _toc.yml."""
    toc = (ROOT / "_toc.yml").read_text()
    names = re.findall(r"^\s*- file: (\S+)", toc, re.MULTILINE)
    return [ROOT / f"{name}.ipynb" for name in names if (ROOT / f"{name}.ipynb").exists()]


def main():
    """Give every notebook the current set-up cell (its outputs stay as they are)."""
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        setup = next(cell for cell in nb.cells if cell.cell_type == "code")
        if setup.source != setup_source():
            setup.source = setup_source()
            nbformat.write(nb, path)
            print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
