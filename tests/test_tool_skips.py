"""Under scripts/test.sh (D2LMINI_TOOLS_REQUIRED=1) a skip for a missing tool fails;
other skips (no GPU here) stay skips. The hook is in conftest.py."""
import os
import pathlib
import subprocess
import sys

SKIPPING = '''
import pytest

@pytest.mark.skipif(True, reason="Node.js is not installed")
def test_needs_node():
    pass

@pytest.mark.skipif(True, reason="needs a GPU")
def test_needs_a_gpu():
    pass
'''


def _run(tmp_path, required):
    test_file = tmp_path / "test_skipping.py"
    test_file.write_text(SKIPPING)
    (tmp_path / "conftest.py").write_text(
        (pathlib.Path(__file__).parent / "conftest.py").read_text())
    env = {**os.environ, "D2LMINI_TOOLS_REQUIRED": "1" if required else "0",
           "PYTHONPATH": str(pathlib.Path(__file__).parent)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
                           str(test_file)], cwd=tmp_path, env=env, capture_output=True, text=True)


def test_a_missing_tool_fails_only_when_tools_are_required(tmp_path):
    strict = _run(tmp_path, required=True)
    assert strict.returncode == 1, strict.stdout
    assert "test_needs_node skipped because a tool is missing" in strict.stdout
    assert "1 skipped" in strict.stdout and "needs a GPU" in strict.stdout
    relaxed = _run(tmp_path, required=False)
    assert relaxed.returncode == 0 and "2 skipped" in relaxed.stdout, relaxed.stdout


def test_tests_of_the_built_book_run_after_the_build():
    """scripts/test.sh builds the book after its first pytest run: a test module that
    reads _build/ must be left out of that run (it would skip, and so fail)."""
    tests = pathlib.Path(__file__).parent
    script = (tests.parent / "scripts" / "test.sh").read_text()
    first_run = script.split("run_pytest -p no:cacheprovider -n 2 tests", 1)[1].split("|| status", 1)[0]
    after_build = script.split("jupyter-book build", 1)[1]
    readers = [module for module in sorted(tests.glob("test_*.py"))
               if module.name != pathlib.Path(__file__).name
               and 'ROOT / "_build" / "html"' in module.read_text()]
    assert len(readers) >= 2, readers                     # test_book_html, test_browser
    for module in readers:
        assert f"--ignore=tests/{module.name}" in first_run, module.name
        assert f"tests/{module.name}" in after_build, module.name
