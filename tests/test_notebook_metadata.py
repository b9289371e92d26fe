"""Every chapter notebook is saved with the kernelspec ipykernel installs.

JupyterLab writes the running kernel's spec into a notebook it opens
("Python 3 (ipykernel)"); a notebook saved with another one ("Python 3") is
marked changed as soon as a student opens it. scripts/execute.py writes the
right one; this fails until a notebook is re-executed with it.
"""
import pathlib

import nbformat
import pytest
from doubles import load_script

ROOT = pathlib.Path(__file__).resolve().parent.parent
nbtemplate = load_script(ROOT / "scripts" / "nbtemplate.py")

NOTEBOOKS = sorted(p for p in (ROOT / "chapters").rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)


def test_the_kernelspec_is_what_ipykernel_installs():
    from jupyter_client.kernelspec import KernelSpecManager

    installed = KernelSpecManager().get_kernel_spec("python3")  # the venv's, from ipykernel
    assert nbtemplate.kernelspec() == {"display_name": installed.display_name,
                                       "language": installed.language, "name": "python3"}
    assert nbtemplate.kernelspec()["display_name"] == "Python 3 (ipykernel)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_saved_with_that_kernelspec(path):
    assert len(NOTEBOOKS) >= 13
    metadata = nbformat.read(path, as_version=4).metadata
    assert metadata.get("kernelspec") == nbtemplate.kernelspec(), \
        f"re-run python scripts/execute.py {path.relative_to(ROOT)}"
