"""What nbval relies on: the notebooks' compared outputs are reproducible,
the notebook kernels cannot reach the network, and checkpoints load safely.

* Seeds: nbval itself re-runs every notebook and compares the outputs with
  the saved ones, so an output that is not reproducible fails there.
* Network: nbval runs each notebook in its own kernel process, which
  tests/conftest.py cannot reach; scripts/test.sh therefore sets
  ``IPYTHONDIR=tests/ipython`` for the nbval run, whose start-up file blocks
  every non-loopback connection. A kernel started the same way proves it.
* ``torch.load`` unpickles arbitrary objects unless ``weights_only=True``.
"""
import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
IPYTHONDIR = ROOT / "tests" / "ipython"


def kernel_env(**extra):
    """The environment scripts/test.sh gives the nbval kernels."""
    return {**os.environ, "IPYTHONDIR": str(IPYTHONDIR), "D2LMINI_PROGRESS": "0",
            "OMP_NUM_THREADS": "1", **extra}


def execute(nb, cwd, timeout=120):
    """Run ``nb`` in a fresh kernel started like nbval's; return it with outputs."""
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    return client.execute(env=kernel_env())  # passed on to the kernel process


# ---------------------------------------------------------------- the network guard

def test_notebook_kernels_cannot_reach_the_network(tmp_path):
    cells = [
        "import urllib.request\n"
        "for url in ('http://example.com', 'http://93.184.215.14/'):\n"
        "    try:\n"
        "        urllib.request.urlopen(url, timeout=5)\n"
        "    except Exception as error:\n"
        "        print(type(error).__name__, error)\n"
        "    else:\n"
        "        print('REACHED', url)",
        # The kernel itself talks over loopback: that must keep working.
        "import socket\n"
        "server = socket.create_server(('127.0.0.1', 0))\n"
        "socket.create_connection(server.getsockname()).close()\n"
        "print('loopback ok')",
        "print(sorted(n for n in dir() if not n.startswith('_') and n not in "
        "('In', 'Out', 'exit', 'quit', 'get_ipython', 'open')))",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    outputs = ["".join(o.get("text", "") for o in cell.outputs)
               for cell in execute(nb, tmp_path, timeout=60).cells]
    blocked = outputs[0].splitlines()
    assert len(blocked) == 2 and "REACHED" not in outputs[0], outputs[0]
    for line in blocked:
        assert line.startswith("NetworkBlocked code under test may not reach the network"), line
        assert "network_guard.py" in line
    assert "'example.com'" in blocked[0] and "93.184.215.14" in blocked[1]
    assert outputs[1] == "loopback ok\n"
    # The guard leaves no names of its own in the notebook's namespace.
    assert outputs[2] == "['server', 'socket', 'url', 'urllib']\n"


def test_test_script_uses_the_guard_for_nbval_only():
    script = (ROOT / "scripts" / "test.sh").read_text()
    code = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    nbval_lines = [line for line in code if "run_pytest --nbval" in line]
    assert len(nbval_lines) == 2   # the quick budget, then the full budget's path
    for line in nbval_lines:
        assert 'IPYTHONDIR="$PWD/tests/ipython" run_pytest --nbval' in line
    # Only the nbval kernels get it: exported for the whole script it would
    # also apply to anything else that starts IPython.
    assert [line for line in code if "IPYTHONDIR" in line] == nbval_lines
    assert (IPYTHONDIR / "profile_default" / "startup" / "00-no-network.py").is_file()


# ---------------------------------------------------------------- checkpoints

def sources():
    """(where, text) of every notebook code cell and every d2lmini module."""
    for path in sorted((ROOT / "chapters").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "code":
                yield f"{path.relative_to(ROOT)} cell {index}", cell.source
    for path in sorted((ROOT / "d2lmini").rglob("*.py")):
        yield str(path.relative_to(ROOT)), path.read_text()


def unsafe_loads(text):
    """Each ``torch.load(...)`` call (up to its closing parenthesis) without weights_only=True."""
    found = []
    for match in re.finditer(r"torch\.load\(", text):
        depth, end = 1, match.end()
        while depth and end < len(text):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            end += 1
        call = text[match.start():end]
        if not re.search(r"weights_only\s*=\s*True", call):
            found.append(call)
    return found


def test_unsafe_loads_are_detected():
    assert unsafe_loads("m = torch.load(path)\nx = torch.load(f(a), map_location='cpu')") == [
        "torch.load(path)", "torch.load(f(a), map_location='cpu')"]
    assert unsafe_loads("torch.load(path, weights_only=True)") == []
    assert unsafe_loads("torch.load(p, weights_only=False)") == ["torch.load(p, weights_only=False)"]


def test_checkpoints_load_with_weights_only():
    unsafe = [f"{where}: {call}" for where, text in sources() for call in unsafe_loads(text)]
    assert unsafe == [], "torch.load must pass weights_only=True:\n" + "\n".join(unsafe)
