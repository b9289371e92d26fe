"""One level of a model read with ``torch.fx``: what its ``forward`` calls, and how data flows.

The ``forward`` is traced ONE level deep: every submodule it calls is a
leaf (a node), so an ``nn.Sequential`` gives the chain of its layers,
d2l's ``Inception`` its four branches and ``torch.cat``, d2l's
``Residual`` its convolutions plus the skip into an ``add``. The traced
graph then runs on the real input (``fx.Interpreter``), which gives every
node's output shape and, with `d2lmini.stats.MacCounter`'s hooks, its
multiply-accumulates. Values that are not tensors (``x.shape[0]`` and the
like) are left out; the edges go through them.
"""
import contextlib
import io
import operator

import torch
from torch import fx, nn

from .labels import (describe, function_label, function_name, io_node, is_elementwise,
                     shape_of, summary_row)

__all__ = ["CannotTrace", "trace_level", "single_layer", "new_params", "has_children",
           "module_node"]

_OPERATORS = {operator.add: "add", operator.iadd: "add", operator.sub: "sub",
              operator.mul: "mul", operator.imul: "mul", operator.truediv: "div",
              operator.matmul: "matmul", operator.getitem: "getitem", operator.neg: "neg"}


class CannotTrace(Exception):
    """torch.fx cannot read this forward (the message says why)."""


def has_children(module):
    return next(module.children(), None) is not None


def new_params(module, seen):
    """Trainable parameters of ``module`` not in ``seen`` (which then holds them)."""
    count = 0
    params = module.parameters() if isinstance(module, nn.Module) else [module]
    for p in params:
        if isinstance(p, nn.Parameter) and p.requires_grad and id(p) not in seen:
            seen.add(id(p))
            count += p.numel()
    return count


def _light(value):
    """``value`` with every tensor replaced by an empty one of its shape (no data kept)."""
    if isinstance(value, torch.Tensor):
        return torch.empty(value.shape, device="meta")
    if isinstance(value, (tuple, list)) and value and \
            all(isinstance(v, torch.Tensor) for v in value):
        return tuple(_light(v) for v in value)
    return value


def module_node(node_id, name, module, output, params, macs):
    """The node of a call of ``module`` (named ``name`` in its level) that gave ``output``."""
    entry = {"id": node_id, "kind": "module", "name": name, "label": describe(module),
             "type": type(module).__name__, "shape": shape_of(output), "params": params,
             "macs": macs, "row": summary_row(type(module).__name__, output)}
    if is_elementwise(module):
        entry["elementwise"] = True
    return entry


class _OneLevel(fx.Tracer):
    """Every submodule the traced forward calls is a leaf: one level at a time."""

    def is_leaf_module(self, module, qualified_name):
        return True


class _Recorder(fx.Interpreter):
    """Runs a traced level and keeps what the graph needs of every node."""

    def __init__(self, gm, counter):
        super().__init__(gm)
        self.counter = counter
        self.values = {}    # node name -> its value, tensors emptied (_light)
        self.macs = {}      # node name -> multiply-accumulates of the call
        self.inputs = {}    # node name -> (args, kwargs) of a module call
        self._node = None

    def run_node(self, n):
        self._node = n
        result = super().run_node(n)
        self.values[n.name] = _light(result)
        return result

    def call_module(self, target, args, kwargs):
        before = self.counter.total
        out = super().call_module(target, args, kwargs)
        self.macs[self._node.name] = self.counter.total - before
        self.inputs[self._node.name] = (args, kwargs)
        return out


def _traced(module, args, kwargs, counter):
    """(GraphModule, recorder that has run it on ``args``), or CannotTrace."""
    if kwargs:
        raise CannotTrace("it is called with keyword arguments")
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # a print() in forward shows Proxy(...)
            traced = _OneLevel().trace(module)
        gm = fx.GraphModule(module, traced)
    except Exception as error:  # TraceError, or anything the forward does with a Proxy
        raise CannotTrace(f"{type(error).__name__}: {error}") from None
    recorder = _Recorder(gm, counter)
    try:
        recorder.run(*args)
    except Exception as error:
        raise CannotTrace(f"the traced graph fails ({type(error).__name__}: {error})") from None
    return gm, recorder


def trace_level(module, args, kwargs, counter, batch):
    """(level dict, [(node dict, name, child module, args, kwargs, first call)]) read with
    torch.fx; raises CannotTrace when it cannot."""
    gm, recorder = _traced(module, args, kwargs, counter)
    kept, index = [], {}
    for n in gm.graph.nodes:
        if n.op in ("placeholder", "output", "call_module") or \
                shape_of(recorder.values.get(n.name)) is not None:
            index[n.name] = len(kept)
            kept.append(n)

    def sources(n, seen):
        """The kept nodes ``n`` reads, looking through the ones left out."""
        found = []
        for m in n.all_input_nodes:
            if m.name in seen:
                continue
            seen.add(m.name)
            found.extend([index[m.name]] if m.name in index else sources(m, seen))
        return found

    nodes, edges, children, seen_params, calls = [], [], [], set(), {}
    for n in kept:
        value = recorder.values.get(n.name)
        if n.op == "placeholder":
            entry = io_node("input", value, n.name)
            entry["name"] = str(n.target).lstrip("*")
        elif n.op == "output":
            entry = io_node("output", value, n.name)
        elif n.op == "call_module":
            sub = gm.get_submodule(n.target)
            calls[n.target] = calls.get(n.target, 0) + 1
            entry = module_node(n.name, n.target, sub, value, new_params(sub, seen_params),
                                recorder.macs.get(n.name, 0) // batch)
            if calls[n.target] > 1:
                entry["call"] = calls[n.target]
            if has_children(sub):
                args_, kwargs_ = recorder.inputs[n.name]
                children.append((entry, n.target, sub, args_, kwargs_, calls[n.target] == 1))
        elif n.op == "get_attr":
            attr = _fetch(gm, n.target)
            is_parameter = isinstance(attr, nn.Parameter)
            entry = {"id": n.name, "kind": "attr", "name": n.target, "label": f"self.{n.target}",
                     "type": "parameter" if is_parameter else "tensor",
                     "shape": shape_of(value), "macs": 0, "row": summary_row(n.target, value),
                     "params": new_params(attr, seen_params) if is_parameter else 0}
        else:
            name = function_name(n, _OPERATORS)
            entry = {"id": n.name, "kind": "function", "name": name,
                     "label": function_label(n, name), "type": name, "shape": shape_of(value),
                     "params": 0, "macs": 0, "row": summary_row(name, value)}
            if is_elementwise(name):
                entry["elementwise"] = True
        edges.extend([s, index[n.name]] for s in sources(n, set()))
        nodes.append(entry)
    return {"mode": "fx", "note": "", "nodes": nodes, "edges": edges}, children


def _fetch(gm, target):
    obj = gm
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj


def single_layer(module, args, output, macs):
    """The graph of a module without submodules: input → the module → output."""
    first = args[0] if args else None
    nodes = [io_node("input", first),
             module_node("self", "", module, output, new_params(module, set()), macs),
             io_node("output", output)]
    return {"mode": "fx", "note": "", "nodes": nodes, "edges": [[0, 1], [1, 2]]}
