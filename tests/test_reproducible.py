"""What nbval relies on: the notebooks' compared outputs are reproducible,
the notebook kernels cannot reach the network, and checkpoints load safely.

* Seeds: a chapter notebook run twice gives the same text for every output
  that nbval compares (cells not marked ``# NBVAL_IGNORE_OUTPUT``, after the
  regexes of tests/nbval_sanitize.cfg).
* Network: nbval runs each notebook in its own kernel process, which
  tests/conftest.py cannot reach; scripts/test.sh therefore sets
  ``IPYTHONDIR=tests/ipython`` for the nbval run, whose start-up file blocks
  every non-loopback connection. A kernel started the same way proves it.
* ``torch.load`` unpickles arbitrary objects unless ``weights_only=True``.
"""
import configparser
import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
from nbval.plugin import find_comment_markers, find_metadata_tags  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
IPYTHONDIR = ROOT / "tests" / "ipython"
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
# A short notebook with deterministic printed tensors, an error cell and widgets.
NOTEBOOK = ROOT / "chapters" / "ch7" / "7_4_channels.ipynb"
# What nbval leaves out of the comparison (nbval.plugin.IPyNbFile.skip_compare).
SKIP = {"metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
        "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg"}


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
    nbval_line = next(line for line in code if "--nbval " in line)
    assert nbval_line.startswith('IPYTHONDIR="$PWD/tests/ipython" run_pytest --nbval ')
    # Only the nbval kernels get it: exported for the whole script it would
    # also apply to anything else that starts IPython.
    assert [line for line in code if "IPYTHONDIR" in line] == [nbval_line]
    assert (IPYTHONDIR / "profile_default" / "startup" / "00-no-network.py").is_file()


# ---------------------------------------------------------------- reproducible outputs

def sanitizer():
    config = configparser.ConfigParser()
    config.read(SANITIZE)
    patterns = [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]

    def sanitize(value):
        if isinstance(value, list):
            value = "".join(value)
        if not isinstance(value, str):
            return value
        for regex, replace in patterns:
            value = regex.sub(replace, value)
        return value
    return sanitize


def compared_outputs(nb):
    """{cell index: {key: [sanitized values]}} for every cell whose output nbval checks."""
    sanitize = sanitizer()
    result = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        options = dict(find_comment_markers(cell.source))
        options.update(find_metadata_tags(cell.metadata))
        if options.get("skip") or options.get("check") is False:
            continue
        values = defaultdict(list)
        for output in cell.outputs:
            for key, value in output.items():
                if key == "data":
                    for mime, content in value.items():
                        if mime not in SKIP:
                            values[mime].append(sanitize(content))
                elif key == "text":  # a stream: compared under its name
                    values[output.name].append(sanitize(value))
                elif key not in SKIP:
                    values[key].append(sanitize(value))
        result[index] = {key: "".join(v) if key in ("stdout", "stderr") else v
                         for key, v in values.items()}
    return result


@pytest.mark.skipif(not NOTEBOOK.is_file(), reason=f"{NOTEBOOK.name} is missing")
def test_a_chapter_notebook_gives_the_same_compared_outputs_twice():
    runs = [compared_outputs(execute(nbformat.read(NOTEBOOK, as_version=4), NOTEBOOK.parent))
            for _ in range(2)]
    assert sum(bool(cell) for cell in runs[0].values()) >= 10, "too few outputs to compare"
    for index in runs[0]:
        assert runs[0][index] == runs[1][index], f"{NOTEBOOK.name} cell {index} differs"


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
