"""A model's architecture as a graph, read from the model's own code (d2l §7.6-§8.6).

``graph(model, X_shape)`` runs ``model`` once on zeros of shape ``X_shape``
and returns plain JSON-able data: for the model and for every block inside
it, the blocks and functions its ``forward`` calls, how data flows between
them, and each one's output shape, parameters and multiply-accumulates.
`d2lmini.widgets.ArchitectureView` draws it; nothing here needs a widget.

How one level is read
---------------------
A module's ``forward`` is traced with ``torch.fx`` ONE level deep: every
submodule it calls is a leaf (a node), so an ``nn.Sequential`` gives the
chain of its layers, d2l's ``Inception`` its four branches and
``torch.cat``, d2l's ``Residual`` its convolutions plus the skip into an
``add``. The traced graph then runs on the real input (``fx.Interpreter``),
which gives every node's output shape and, with hooks on the convolution
and linear layers, its multiply-accumulates. Values that are not tensors
(``x.shape[0]`` and the like) are left out; the edges go through them.

When ``torch.fx`` cannot trace a ``forward`` (control flow that depends on
the data, ``range(x.shape[0])``, ...), the level falls back to the order in
which its submodules are called (forward hooks), drawn as a chain, and the
level's ``note`` says so. Every submodule that has submodules of its own is
read the same way, with the input it really got, down to ``max_depth``
levels, so a page can open and close blocks with no kernel.

A model whose ``forward`` only calls one block (d2l's ``Classifier``:
``return self.net(X)``) is drawn from that block (``start`` says which).

What is counted
---------------
* ``params``: the trainable parameters of a node's module (or of a
  parameter used directly, a ``get_attr`` node) that no earlier node of the
  same level has counted, so a level's nodes add up to
  ``d2lmini.num_params`` of its module (when the forward uses all of them).
* ``macs``: multiply-accumulates of the convolution and linear layers run
  inside the node, per image, counted as `d2lmini.count_macs` does.
* ``row``: the line ``d2lmini.layer_summary`` prints for the node,
  ``"Conv2d output shape:\\t torch.Size([1, 6, 28, 28])"``.
"""
import contextlib
import io
import operator
from collections import deque

import torch
from torch import fx, nn

from .checks import check_int, check_shape
from .module import device_of, is_uninitialized

__all__ = ["graph", "describe", "MAX_DEPTH", "MAX_NODES"]

#: How many levels of blocks inside blocks are read (the model itself is level 0).
MAX_DEPTH = 4
#: At most this many nodes over all levels (the graph is saved into the page).
MAX_NODES = 3000
_CONTAINERS = (nn.ModuleList, nn.ModuleDict)
_OPERATORS = {operator.add: "add", operator.iadd: "add", operator.sub: "sub",
              operator.mul: "mul", operator.imul: "mul", operator.truediv: "div",
              operator.matmul: "matmul", operator.getitem: "getitem", operator.neg: "neg"}


# ---------------------------------------------------------------- labels

def _dims(value):
    """3 -> '3×3', (3, 5) -> '3×5', (2,) -> '2'."""
    if isinstance(value, (tuple, list)):
        return "×".join(str(v) for v in value) if len(set(value)) > 1 or len(value) == 1 \
            else f"{value[0]}×{value[0]}"
    return f"{value}×{value}"


def _nonzero(value, zero):
    values = value if isinstance(value, (tuple, list)) else (value,)
    return any(v != zero for v in values)


def _short(value):
    """Stride or padding as d2l writes it: 2, or (2, 1) when they differ."""
    if isinstance(value, (tuple, list)):
        return str(value[0]) if len(set(value)) == 1 else "(" + ", ".join(map(str, value)) + ")"
    return str(value)


def describe(module):
    """A short label for a module: ``'Conv2d 64, 3×3, pad 1'``, ``'Linear 10'``,
    ``'MaxPool2d 3×3, stride 2'``, ``'Sequential, 6 layers'``, ``'Inception'``."""
    name = type(module).__name__
    if isinstance(module, nn.modules.conv._ConvNd):
        parts = [f"{name} {module.out_channels}", _dims(module.kernel_size)]
        if _nonzero(module.stride, 1):
            parts.append(f"stride {_short(module.stride)}")
        if isinstance(module.padding, str):
            parts.append(f"pad {module.padding}")
        elif _nonzero(module.padding, 0):
            parts.append(f"pad {_short(module.padding)}")
        if _nonzero(module.dilation, 1):
            parts.append(f"dilation {_short(module.dilation)}")
        if module.groups != 1:
            parts.append(f"groups {module.groups}")
        return ", ".join(parts)
    if isinstance(module, nn.Linear):
        return f"{name} {module.out_features}"
    if isinstance(module, (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd)):
        parts = [f"{name} {_dims(module.kernel_size)}"]
        if module.stride is not None and module.stride != module.kernel_size:
            parts.append(f"stride {_short(module.stride)}")
        if _nonzero(module.padding, 0):
            parts.append(f"pad {_short(module.padding)}")
        return ", ".join(parts)
    if isinstance(module, (nn.modules.pooling._AdaptiveAvgPoolNd,
                           nn.modules.pooling._AdaptiveMaxPoolNd)):
        return f"{name} {_dims(module.output_size)}"
    if isinstance(module, nn.modules.batchnorm._NormBase):
        return f"{name} {module.num_features}"
    if isinstance(module, nn.modules.dropout._DropoutNd):
        return f"{name} {module.p}"
    if isinstance(module, (nn.Sequential, nn.ModuleList)):
        n = len(module)
        return f"{name}, {n} layer{'s' * (n != 1)}"
    return name


def _function_name(node):
    target = node.target
    if node.op == "call_method":
        return str(target)
    if target in _OPERATORS:
        return _OPERATORS[target]
    return getattr(target, "__name__", str(target))


def _function_label(node, name):
    dim = node.kwargs.get("dim")
    if dim is None and name in ("cat", "stack", "concat") and len(node.args) > 1:
        dim = node.args[1]
    if isinstance(dim, int):
        return f"{name}, dim {dim}"
    if name == "getitem" and len(node.args) > 1 and isinstance(node.args[1], int):
        return f"getitem [{node.args[1]}]"
    return name


# ---------------------------------------------------------------- values

def _shape_of(value):
    """A tensor's shape as a list, a tuple of tensors' as a list of lists, else None."""
    if isinstance(value, torch.Tensor):
        return list(value.shape)
    if isinstance(value, (tuple, list)) and value and \
            all(isinstance(v, torch.Tensor) for v in value):
        return [list(v.shape) for v in value]
    return None


def _row(kind_name, value):
    """The line d2l's ``layer_summary`` prints for an output ``value`` (the input's and
    the output's own shape for ``kind_name`` "input" and "output")."""
    if kind_name in ("input", "output"):
        if isinstance(value, torch.Tensor):
            return f"{kind_name} shape:\t {value.shape}"
        return _row(kind_name.upper(), value).replace(kind_name.upper() + " output", kind_name)
    if isinstance(value, torch.Tensor):
        return f"{kind_name} output shape:\t {value.shape}"
    shape = _shape_of(value)
    if shape is not None:
        return f"{kind_name} output shapes:\t " + ", ".join(
            str(torch.Size(s)) for s in shape)
    return f"{kind_name} output:\t {type(value).__name__}"


def _new_params(module, seen):
    """Trainable parameters of ``module`` not in ``seen`` (which then holds them)."""
    count = 0
    params = module.parameters() if isinstance(module, nn.Module) else [module]
    for p in params:
        if isinstance(p, nn.Parameter) and p.requires_grad and id(p) not in seen:
            seen.add(id(p))
            count += p.numel()
    return count


def _has_children(module):
    return next(module.children(), None) is not None


class _Counter:
    """Multiply-accumulates of every Conv/Linear layer of a model, added up as they run."""

    def __init__(self, model):
        self.total = 0
        self.handles = [m.register_forward_hook(self._hook) for m in model.modules()
                        if isinstance(m, (nn.modules.conv._ConvNd, nn.Linear))]

    def _hook(self, layer, inputs, output):
        if not isinstance(output, torch.Tensor):
            return
        if isinstance(layer, nn.modules.conv._ConvNd):
            kernel = 1
            for k in layer.kernel_size:
                kernel *= k
            self.total += output.numel() * (layer.in_channels // layer.groups) * kernel
        else:
            self.total += output.numel() * layer.in_features

    def remove(self):
        for handle in self.handles:
            handle.remove()


# ---------------------------------------------------------------- one level

class _OneLevel(fx.Tracer):
    """Every submodule the traced forward calls is a leaf: one level at a time."""

    def is_leaf_module(self, module, qualified_name):
        return True


class _Recorder(fx.Interpreter):
    """Runs a traced level and keeps what the graph needs of every node."""

    def __init__(self, gm, counter):
        super().__init__(gm)
        self.counter = counter
        self.values = {}    # node name -> _Summary (the value itself for input and output)
        self.macs = {}      # node name -> multiply-accumulates of the call
        self.inputs = {}    # node name -> (args, kwargs) of a module call
        self._node = None

    def run_node(self, n):
        self._node = n
        result = super().run_node(n)
        self.values[n.name] = result if n.op in ("placeholder", "output") else _Summary(result)
        return result

    def call_module(self, target, args, kwargs):
        before = self.counter.total
        out = super().call_module(target, args, kwargs)
        self.macs[self._node.name] = self.counter.total - before
        self.inputs[self._node.name] = (args, kwargs)
        return out


class _Summary:
    """Shape and type of a value, without keeping the tensor."""

    def __init__(self, value):
        self.shape = _shape_of(value)
        self.is_tensor = self.shape is not None
        self.type = type(value).__name__
        self.tensor_shape = value.shape if isinstance(value, torch.Tensor) else None

    def row(self, name):
        if self.tensor_shape is not None:
            return f"{name} output shape:\t {self.tensor_shape}"
        if self.shape is not None:
            return f"{name} output shapes:\t " + ", ".join(str(torch.Size(s)) for s in self.shape)
        return f"{name} output:\t {self.type}"


def _trace_level(module, args, kwargs, counter, batch):
    """(level dict, [(node dict, child module, args, kwargs)]) read with torch.fx."""
    if kwargs:
        raise _CannotTrace("it is called with keyword arguments")
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # a print() in forward shows Proxy(...)
            traced = _OneLevel().trace(module)
        gm = fx.GraphModule(module, traced)
    except Exception as error:  # TraceError, or anything the forward does with a Proxy
        raise _CannotTrace(f"{type(error).__name__}: {error}") from None
    recorder = _Recorder(gm, counter)
    try:
        recorder.run(*args)
    except Exception as error:
        raise _CannotTrace(f"the traced graph fails ({type(error).__name__}: {error})") from None

    graph_nodes = list(gm.graph.nodes)
    kept, index = [], {}
    for n in graph_nodes:
        if n.op in ("placeholder", "output", "call_module"):
            keep = True
        else:
            summary = recorder.values.get(n.name)
            keep = summary is not None and summary.is_tensor
        if keep:
            index[n.name] = len(kept)
            kept.append(n)

    def sources(n, seen):
        """The kept nodes ``n`` reads, looking through the ones left out."""
        found = []
        for m in n.all_input_nodes:
            if m.name in seen:
                continue
            seen.add(m.name)
            if m.name in index:
                found.append(index[m.name])
            else:
                found.extend(sources(m, seen))
        return found

    nodes, edges, children, seen_params, calls = [], [], [], set(), {}
    for n in kept:
        entry = {"id": n.name}
        if n.op == "placeholder":
            value = recorder.values.get(n.name)
            entry.update(kind="input", name=str(n.target).lstrip("*"), label="input",
                         shape=_shape_of(value), params=0, macs=0,
                         row=_row("input", value) if value is not None else "input")
        elif n.op == "output":
            value = recorder.values.get(n.name)
            entry.update(kind="output", name="output", label="output", shape=_shape_of(value),
                         params=0, macs=0, row=_row("output", value))
        elif n.op == "call_module":
            sub = gm.get_submodule(n.target)
            summary = recorder.values[n.name]
            calls[n.target] = calls.get(n.target, 0) + 1
            entry.update(kind="module", name=n.target, label=describe(sub), type=type(sub).__name__,
                         shape=summary.shape, params=_new_params(sub, seen_params),
                         macs=recorder.macs.get(n.name, 0) // batch,
                         row=summary.row(type(sub).__name__))
            if calls[n.target] > 1:
                entry["call"] = calls[n.target]
            if _has_children(sub):
                args_, kwargs_ = recorder.inputs[n.name]
                children.append((entry, n.target, sub, args_, kwargs_, calls[n.target] == 1))
        elif n.op == "get_attr":
            attr = _fetch(gm, n.target)
            summary = recorder.values[n.name]
            entry.update(kind="attr", name=n.target, label=f"self.{n.target}", type="parameter"
                         if isinstance(attr, nn.Parameter) else "tensor", shape=summary.shape,
                         params=_new_params(attr, seen_params) if isinstance(attr, nn.Parameter)
                         else 0, macs=0, row=summary.row(n.target))
        else:
            name = _function_name(n)
            summary = recorder.values[n.name]
            entry.update(kind="function", name=name, label=_function_label(n, name),
                         type=name, shape=summary.shape, params=0, macs=0,
                         row=summary.row(name))
        for s in sources(n, set()):
            edges.append([s, index[n.name]])
        nodes.append(entry)
    return {"mode": "fx", "note": "", "nodes": nodes, "edges": edges}, children


def _fetch(gm, target):
    obj = gm
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj


class _CannotTrace(Exception):
    pass


def _units(module, prefix=""):
    """(name, submodule) of the modules a forward can call: children, with the
    entries of ModuleList/ModuleDict containers in place of the container."""
    units = []
    for name, child in module.named_children():
        if isinstance(child, _CONTAINERS):
            units.extend(_units(child, f"{prefix}{name}."))
        else:
            units.append((f"{prefix}{name}", child))
    return units


def _call_level(module, args, kwargs, counter, batch, reason):
    """The level as the chain of its submodules in the order they are called."""
    records, handles = [], []
    owner = {}

    def pre_hook_for(name):
        def pre_hook(mod, a, kw):
            records.append({"name": name, "module": mod, "args": a, "kwargs": kw,
                            "before": counter.total, "open": True})
        return pre_hook

    def hook_for(name):
        def hook(mod, a, kw, out):
            for record in reversed(records):
                if record["name"] == name and record["open"]:
                    record.update(open=False, out=_Summary(out),
                                  macs=counter.total - record["before"])
                    break
        return hook

    for name, unit in _units(module):
        owner.setdefault(id(unit), name)
    try:
        for name, unit in _units(module):
            if owner[id(unit)] != name:
                continue  # the same module under two names: hook it once
            handles.append(unit.register_forward_pre_hook(pre_hook_for(name), with_kwargs=True))
            handles.append(unit.register_forward_hook(hook_for(name), with_kwargs=True))
        output = module(*args, **kwargs)
    finally:
        for handle in handles:
            handle.remove()

    first = args[0] if args else None
    nodes = [{"id": "input", "kind": "input", "name": "input", "label": "input",
              "shape": _shape_of(first), "params": 0, "macs": 0,
              "row": _row("input", first) if first is not None else "input"}]
    edges, children, seen_params, calls = [], [], set(), {}
    for record in records:
        if record["open"]:
            continue  # cannot happen after a successful forward; be safe
        name, sub = record["name"], record["module"]
        calls[name] = calls.get(name, 0) + 1
        entry = {"id": name if calls[name] == 1 else f"{name}#{calls[name]}", "kind": "module",
                 "name": name, "label": describe(sub), "type": type(sub).__name__,
                 "shape": record["out"].shape, "params": _new_params(sub, seen_params),
                 "macs": record["macs"] // batch, "row": record["out"].row(type(sub).__name__)}
        if calls[name] > 1:
            entry["call"] = calls[name]
        edges.append([len(nodes) - 1, len(nodes)])
        nodes.append(entry)
        if _has_children(sub):
            children.append((entry, name, sub, record["args"], record["kwargs"], calls[name] == 1))
    edges.append([len(nodes) - 1, len(nodes)])
    nodes.append({"id": "output", "kind": "output", "name": "output", "label": "output",
                  "shape": _shape_of(output), "params": 0, "macs": 0,
                  "row": _row("output", output)})
    note = (f"torch.fx cannot trace {type(module).__name__}.forward ({_clip(reason)}); "
            f"drawn as the chain of its layers in the order they were called")
    return {"mode": "calls", "note": note, "nodes": nodes, "edges": edges}, children


def _clip(text, limit=160):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _single_layer(module, args, kwargs, output, counter_total, batch):
    """The graph of a module without submodules: input → the module → output."""
    first = args[0] if args else None
    nodes = [{"id": "input", "kind": "input", "name": "input", "label": "input",
              "shape": _shape_of(first), "params": 0, "macs": 0,
              "row": _row("input", first) if first is not None else "input"},
             {"id": "self", "kind": "module", "name": "", "label": describe(module),
              "type": type(module).__name__, "shape": _shape_of(output),
              "params": _new_params(module, set()), "macs": counter_total // batch,
              "row": _row(type(module).__name__, output)},
             {"id": "output", "kind": "output", "name": "output", "label": "output",
              "shape": _shape_of(output), "params": 0, "macs": 0,
              "row": _row("output", output)}]
    return {"mode": "fx", "note": "", "nodes": nodes, "edges": [[0, 1], [1, 2]]}


def _read_level(module, args, kwargs, counter, batch):
    try:
        return _trace_level(module, args, kwargs, counter, batch)
    except _CannotTrace as reason:
        return _call_level(module, args, kwargs, counter, batch, str(reason))


# ---------------------------------------------------------------- the model

def _check(module, X_shape, fn, max_depth, max_nodes):
    if isinstance(module, type) and issubclass(module, nn.Module):
        raise TypeError(f"{fn}: module must be a model (an nn.Module instance), got the class "
                        f"{module.__name__}; make one first, e.g. {module.__name__}()")
    if not isinstance(module, nn.Module):
        raise TypeError(f"{fn}: module must be an nn.Module, got {type(module).__name__}")
    if isinstance(X_shape, torch.Tensor):
        raise TypeError(f"{fn}: X_shape must be a shape such as (1, 1, 28, 28), got a tensor "
                        f"of shape {tuple(X_shape.shape)}; pass X.shape")
    if isinstance(X_shape, int) and not isinstance(X_shape, bool):
        raise TypeError(f"{fn}: X_shape must be a whole input shape, batch size first, such as "
                        f"(1, 1, {X_shape}, {X_shape}), got {X_shape!r}")
    shape = check_shape(X_shape, fn=fn)
    if len(shape) < 2:
        raise ValueError(f"{fn}: X_shape must start with a batch size, e.g. (1, 1, 28, 28), "
                         f"got {X_shape!r}")
    check_int(max_depth, "max_depth", fn=fn, minimum=0, maximum=8)
    check_int(max_nodes, "max_nodes", fn=fn, minimum=10)
    return shape


def _first_run(model, X, fn):
    """Run the model once (lazy layers learn their shapes); on failure name the layer."""
    names = {id(m): name for name, m in model.named_modules()}
    stack, handles = [], []

    def pre_hook(mod, args):
        shape = next((tuple(a.shape) for a in args if isinstance(a, torch.Tensor)), None)
        stack.append((mod, shape))

    def hook(mod, args, out):
        if stack and stack[-1][0] is mod:
            stack.pop()

    for m in model.modules():
        handles.append(m.register_forward_pre_hook(pre_hook, prepend=True))
        handles.append(m.register_forward_hook(hook))
    try:
        return model(X)
    except Exception as error:  # PyTorch's shape errors, or a custom layer's
        if len(stack) > 1:
            mod, shape = stack[-1]
            text = repr(mod)
            culprit = text if "\n" not in text else type(mod).__name__
            where = f"layer {names.get(id(mod), '?')} ({culprit})"
        else:
            shape = tuple(X.shape)
            where = f"{type(model).__name__}.forward itself (not one of its layers)"
        raise ValueError(
            f"{fn}: {where} cannot take an input of shape {shape}: {type(error).__name__}: "
            f"{error}; check X_shape={tuple(X.shape)} (batch, channels, height, width): "
            f"is it the input size this model is built for?") from error
    finally:
        for handle in handles:
            handle.remove()


def graph(module, X_shape, *, max_depth=MAX_DEPTH, max_nodes=MAX_NODES, fn="graph"):
    """The architecture of ``module`` on an input of shape ``X_shape``, as plain data.

    ``X_shape`` includes the batch size, e.g. ``(1, 1, 28, 28)``. The model
    runs on zeros in eval mode under ``torch.no_grad()`` (lazy layers get
    their shapes; the mode of every submodule is restored afterwards).
    Returns a dict::

        {"title": "GoogleNet",        # the model's class
         "start": "net",              # the block drawn as the model ("" = the model)
         "input_shape": [1, 1, 96, 96],
         "params": 5977530,           # over the top level's nodes
         "macs": 1530402816,          # per image
         "graphs": {"": level, "0": level, "2": level, "2.0": level, ...}}

    Every ``level`` (key: the block's module path from ``start``, as in
    ``named_modules``) is ``{"name", "type", "label", "parent", "mode",
    "note", "params", "macs", "nodes", "edges"}``; ``mode`` is ``"fx"`` or
    ``"calls"`` (the fallback, explained in ``note``); ``edges`` are
    ``[from, to]`` indices into ``nodes``. Each node has ``id``, ``kind``
    (input, module, function, attr, output), ``name``, ``label``, ``shape``
    (with the batch dimension; a list of shapes for a tuple), ``params``,
    ``macs``, ``row`` (the `layer_summary` line) and, for a block that
    opens, ``block``: the key of its level in ``graphs``.

    Raises TypeError/ValueError naming the argument for a ``module`` that is
    not an ``nn.Module`` or a bad ``X_shape``, and a ValueError naming the
    layer when the model cannot take an input of that shape.
    """
    shape = _check(module, X_shape, fn, max_depth, max_nodes)
    params = [p for p in module.parameters() if not is_uninitialized(p)]
    dtype = next((p.dtype for p in params if p.is_floating_point()), torch.get_default_dtype())
    X = torch.zeros(*shape, device=device_of(module), dtype=dtype)
    batch = shape[0]
    modes = [(m, m.training) for m in module.modules()]
    counter = None
    try:
        module.eval()
        with torch.no_grad():
            _first_run(module, X, fn)  # what forward prints, it prints once, here
            counter = _Counter(module)
            with contextlib.redirect_stdout(io.StringIO()):
                return _read(module, X, batch, counter, max_depth, max_nodes)
    finally:
        if counter is not None:
            counter.remove()
        for m, training in modes:
            m.training = training


def _read(model, X, batch, counter, max_depth, max_nodes):
    start, start_path, args, kwargs = model, "", (X,), {}
    # A forward that only hands the input to one block (d2l's `return self.net(X)`):
    # draw that block as the model.
    while True:
        if not _has_children(start):
            break
        try:
            level, children = _trace_level(start, args, kwargs, counter, batch)
        except _CannotTrace:
            break
        inner = [n for n in level["nodes"] if n["kind"] not in ("input", "output")]
        if len(inner) != 1 or inner[0]["kind"] != "module" or len(children) != 1 \
                or len(level["nodes"]) != 3:
            break
        _, name, sub, args, kwargs, _ = children[0]
        start = sub
        start_path = f"{start_path}.{name}" if start_path else name

    graphs, total = {}, 0
    queue = deque([(start, "", args, kwargs, 0, None, None)])
    while queue:
        module, path, args, kwargs, depth, parent, owner = queue.popleft()
        if parent is not None and (path in graphs or total >= max_nodes):
            if path not in graphs:
                owner.pop("block", None)
                owner["closed"] = "too many blocks to keep them all in the page"
            continue
        if _has_children(module):
            level, children = _read_level(module, args, kwargs, counter, batch)
        else:
            before = counter.total
            output = module(*args, **kwargs)
            level, children = _single_layer(module, args, kwargs, output,
                                            counter.total - before, batch), []
        level = {"name": path, "type": type(module).__name__,
                 "label": type(model).__name__ if not path else f"{path}: {describe(module)}",
                 "parent": parent,
                 "params": sum(n["params"] for n in level["nodes"]),
                 "macs": sum(n["macs"] for n in level["nodes"]), **level}
        graphs[path] = level
        total += len(level["nodes"])
        for entry, name, sub, sub_args, sub_kwargs, first in children:
            child_path = f"{path}.{name}" if path else name
            if depth + 1 > max_depth:
                entry["closed"] = f"deeper than max_depth={max_depth}"
                continue
            entry["block"] = child_path
            if first:
                queue.append((sub, child_path, sub_args, sub_kwargs, depth + 1, path, entry))
    # a later call of a block whose level was dropped must not point to it
    for level in graphs.values():
        for n in level["nodes"]:
            if "block" in n and n["block"] not in graphs:
                del n["block"]
                n["closed"] = "too many blocks to keep them all in the page"
    root = graphs[""]
    return {"title": type(model).__name__, "start": start_path,
            "input_shape": list(X.shape), "params": root["params"], "macs": root["macs"],
            "graphs": graphs}
