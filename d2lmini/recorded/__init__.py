"""Runs the pages quote but cannot repeat where they run: read with `recorded_run`.

A page may say what a run it does not train reached (d2l's recipe on a GPU,
a CPU run hours long) only by printing it from a file here. The files ship
with the package, so the same cell prints the same numbers in Colab, on a
laptop and in the tests. Each file says where the run happened and how to
repeat it (``machine``, ``source``).
"""
import json
from importlib import resources

__all__ = ["recorded_run", "recorded_runs"]


def recorded_runs():
    """The names ``recorded_run`` accepts."""
    return sorted(entry.name[:-len(".json")] for entry in resources.files(__name__).iterdir()
                  if entry.name.endswith(".json"))


def recorded_run(name):
    """The recorded run ``name`` (a dict), e.g. ``"8-3-nin-full-d2l-init-h200"``."""
    names = recorded_runs()
    if name not in names:
        raise ValueError(f"recorded_run: name must be one of {names}, got {name!r}")
    return json.loads(resources.files(__name__).joinpath(f"{name}.json").read_text())
