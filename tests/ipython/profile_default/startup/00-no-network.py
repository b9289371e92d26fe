"""IPython start-up file for the kernels that nbval starts: no network.

nbval runs each notebook in a separate kernel process, which tests/conftest.py
cannot reach; scripts/test.sh points the nbval run at this directory
(IPYTHONDIR=tests/ipython), so every kernel runs this file first and installs
the guard of tests/network_guard.py.
"""


def _install_network_guard():
    # Everything lives in here, so the notebook's namespace gains no names.
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).resolve().parents[3] / "network_guard.py"
    spec = importlib.util.spec_from_file_location("network_guard", path)
    guard = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(guard)
    guard.install()


_install_network_guard()
del _install_network_guard
