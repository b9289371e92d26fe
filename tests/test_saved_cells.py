"""Code the book "saves" is the same code as in d2lmini.

A notebook cell whose first line is ``# saved in d2lmini.<module>`` teaches
functions or classes that later sections import from ``d2lmini``. This test
compares each definition in such a cell with the one in the module (as
syntax trees, so formatting and docstrings may differ; ``d2l.name`` in the
notebook matches a plain ``name`` in the module).

``d2lmini.ops`` is the exception: its functions check their arguments and
say what is wrong, which the chapters' short versions leave out. There the
test runs the chapter's function and the library's on the same inputs and
compares the results.
"""
import ast
import importlib
import inspect
import json
import pathlib
import re

import pytest
import torch
from torch import nn

import d2lmini as d2l

ROOT = pathlib.Path(__file__).resolve().parent.parent
MARK = re.compile(r"^# saved in (d2lmini(?:\.\w+)+)\s*$")


def saved_cells():
    for path in sorted((ROOT / "chapters").rglob("*.ipynb")):
        for index, cell in enumerate(json.loads(path.read_text())["cells"]):
            source = "".join(cell["source"])
            match = MARK.match(source.splitlines()[0]) if cell["cell_type"] == "code" and source else None
            if match:
                yield pytest.param(match.group(1), source, id=f"{path.stem}-cell{index}")


class _Normalize(ast.NodeTransformer):
    def visit_Attribute(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id == "d2l":
            return ast.copy_location(ast.Name(id=node.attr, ctx=node.ctx), node)
        return node

    def _drop_docstring(self, node):
        self.generic_visit(node)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
        return node

    visit_FunctionDef = visit_ClassDef = _drop_docstring


def definitions(tree):
    return {node.name: ast.dump(_Normalize().visit(node))
            for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


CELLS = list(saved_cells())


def _ops_inputs(name, generator):
    """Arguments for an op of chapter 7, a few shapes each."""
    def rand(*shape):
        return torch.rand(*shape, generator=generator)
    cases = {
        "corr2d": [(rand(5, 6), rand(2, 3)), (rand(3, 3), rand(3, 3)), (rand(4, 1), rand(1, 1))],
        "corr2d_multi_in": [(rand(2, 4, 5), rand(2, 2, 2)), (rand(3, 3, 3), rand(3, 3, 1))],
        "corr2d_multi_in_out": [(rand(2, 4, 5), rand(3, 2, 2, 2)), (rand(1, 3, 3), rand(2, 1, 3, 3))],
        "corr2d_multi_in_out_1x1": [(rand(3, 4, 5), rand(2, 3, 1, 1))],
        "comp_conv2d": [(nn.Conv2d(1, 1, kernel_size=3, padding=1), rand(8, 8)),
                        (nn.Conv2d(1, 1, kernel_size=(5, 3), padding=(2, 1), stride=2),
                         rand(7, 9))],
        "pool2d": [(rand(4, 5), (2, 2)), (rand(4, 5), (2, 3), "avg"), (rand(3, 3), (3, 3), "max")],
    }
    return cases[name]


@pytest.mark.parametrize("module_name, source", CELLS)
def test_saved_cell_matches_library(module_name, source):
    module = importlib.import_module(module_name)
    if module_name == "d2lmini.ops":
        # The library's functions stand in for those an earlier cell of the chapter defined.
        namespace = {"torch": torch, "nn": nn, "d2l": d2l,
                     **{name: getattr(module, name) for name in module.__all__}}
        exec(source, namespace)
        names = list(definitions(ast.parse(source)))
        assert names, "a '# saved in' cell must define at least one function or class"
        for name in names:
            for args in _ops_inputs(name, torch.Generator().manual_seed(0)):
                ours, theirs = namespace[name](*args), getattr(module, name)(*args)
                shapes = tuple(getattr(a, "shape", a) for a in args)
                torch.testing.assert_close(ours, theirs, msg=f"{name}{shapes}")
        return
    in_cell = definitions(ast.parse(source))
    assert in_cell, "a '# saved in' cell must define at least one function or class"
    in_module = definitions(ast.parse(inspect.getsource(module)))
    for name, tree in in_cell.items():
        assert name in in_module, f"{name} is taught as saved in {module_name} but is not there"
        assert tree == in_module[name], f"{name} differs between the notebook and {module_name}"


def test_normalization_detects_a_changed_definition():
    a = definitions(ast.parse("def f(x):\n    'doc'\n    return d2l.corr2d(x, 1)"))
    b = definitions(ast.parse("def f(x):\n    return corr2d(x, 1)"))
    c = definitions(ast.parse("def f(x):\n    return corr2d(x, 2)"))
    assert a == b and a != c
