"""Execute chapter notebooks in place, saving outputs and widget state.

    python scripts/execute.py chapters/ch7/7_2_conv_layer.ipynb [...]
    python scripts/execute.py --all

The book is built from these saved outputs (execution is off in
_config.yml), and nbval re-runs every notebook in the tests to prove they
are what the code prints now. Widget state is saved so the HTML book's
widgets work without a kernel. The training progress line is off, so a
training cell's saved log holds the device and metric lines and nothing
that only says how long it took.
"""
import argparse
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

from nbtemplate import kernelspec

ROOT = pathlib.Path(__file__).resolve().parent.parent


def execute(path, timeout):
    notebook = nbformat.read(path, as_version=4)
    # nbclient keeps the kernelspec the file had; write the one JupyterLab would
    notebook.metadata["kernelspec"] = kernelspec()
    client = NotebookClient(notebook, timeout=timeout, kernel_name=kernelspec()["name"],
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=True)
    start = time.perf_counter()
    client.execute()
    for cell in notebook.cells:  # timestamps would change every file on every run
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    parser.add_argument("--all", action="store_true", help="every notebook under chapters/")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args()
    paths = sorted((ROOT / "chapters").rglob("*.ipynb")) if args.all else args.notebooks
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    if not paths:
        parser.error("name notebooks or pass --all")
    os.environ["D2LMINI_PROGRESS"] = "0"
    # Training cells record their runs here for the results page.
    os.environ.setdefault("D2LMINI_RECORD_DIR", str(ROOT / "results" / "runs"))
    for path in paths:
        seconds = execute(path.resolve(), args.timeout)
        print(f"{seconds:6.1f} s  {path}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
