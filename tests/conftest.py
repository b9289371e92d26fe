"""Shared test set-up: no test may reach the network.

A download that a test triggers by accident must fail loudly rather than
quietly fetch Fashion-MNIST; see network_guard.py. The browser test serves
the book on 127.0.0.1, which stays allowed.
"""
import pathlib
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
