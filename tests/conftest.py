"""Shared test set-up: no test may reach the network, and under scripts/test.sh
no test may skip for a tool that scripts/test.sh installs.

A download that a test triggers by accident must fail loudly rather than
quietly fetch Fashion-MNIST; see network_guard.py. The browser test serves
the book on 127.0.0.1, which stays allowed.

A plain ``pytest tests`` on a laptop without Node or Chromium skips the
tests that need them. scripts/test.sh sets ``D2LMINI_TOOLS_REQUIRED=1``
after installing every tool: there such a skip is a failure, so a broken
installation cannot silently drop the page tests.
"""
import os
import pathlib
import re
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import network_guard  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _block_network():
    uninstall = network_guard.install()
    yield
    uninstall()


def pytest_configure(config):
    config.addinivalue_line("markers", "live_kernel: drives the widgets in JupyterLab with a "
                                       "live kernel (tests/test_live_kernel.py)")


#: Skip reasons that mean "a tool scripts/test.sh installs is missing".
MISSING_TOOL = re.compile(r"Node\.js is not installed|Chromium is missing|no built book|"
                          r"dataset-fashion-mnist package is not installed|could not import",
                          re.IGNORECASE)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and os.environ.get("D2LMINI_TOOLS_REQUIRED") == "1"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if MISSING_TOOL.search(reason):
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} skipped because a tool is missing ({reason}), but "
                           f"scripts/test.sh installs every tool: fix the installation")
