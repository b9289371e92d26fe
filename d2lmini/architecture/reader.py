"""`graph`: run the model once and read every level of it, from the model down to its layers."""
import contextlib
import inspect
import io
from collections import deque

import torch
from torch import nn

from ..checks import check_int, check_shape
from ..module import device_of, eval_mode, is_uninitialized
from ..stats import MacCounter
from .calls import call_level
from .labels import describe
from .stages import annotate, split_stages, summary
from .trace import CannotTrace, has_children, single_layer, trace_level

__all__ = ["graph", "MAX_DEPTH", "MAX_NODES"]

#: How many levels of blocks inside blocks are read (the model itself is level 0).
MAX_DEPTH = 4
#: At most this many nodes over all levels (the graph is saved into the page).
MAX_NODES = 3000


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
    their shapes; the mode of every submodule is restored afterwards, and
    the random stream is left as it was).
    Returns a dict::

        {"title": "GoogleNet",        # the model's class
         "start": "net",              # the block drawn as the model ("" = the model)
         "input_shape": [1, 1, 96, 96],
         "params": 5977530,           # over the top level's nodes
         "macs": 276066304,           # per image
         "graphs": {"": level, "b1": level, "b3": level, "b3.0": level, ...},
         "stages": [...],             # the top level split into stages (stages.py)
         "summary": "dense head: 0.2 % of parameters, 0.0 % of MACs"}

    Every ``level`` (key: the block's module path from ``start``, its first
    part named after the method that built it where d2l's ``b1()`` ...
    ``b5()`` did, so GoogLeNet's ``net[2][0]`` is ``'b3.0'``; ``path``
    holds ``'2.0'``) is ``{"name", "path", "type", "label", "parent",
    "mode", "note", "params", "macs", "nodes", "edges"}``; ``mode`` is
    ``"fx"`` or ``"calls"`` (the fallback, explained in ``note``);
    ``edges`` are ``[from, to]`` indices into ``nodes``. Each node has
    ``id``, ``kind`` (input, module, function, attr, output), ``name``,
    ``label``, ``shape`` (with the batch dimension; a list of shapes for a
    tuple), ``params``, ``macs``, ``row`` (the `layer_summary` line); an
    activation or dropout has ``elementwise``; a block that opens has
    ``block`` (the key of its level), ``contents`` ('2 Residual blocks, 128
    channels') and ``skips`` (its residual connections).

    Raises TypeError/ValueError naming the argument for a ``module`` that is
    not an ``nn.Module`` or a bad ``X_shape``, and a ValueError naming the
    layer when the model cannot take an input of that shape.
    """
    shape = _check(module, X_shape, fn, max_depth, max_nodes)
    params = [p for p in module.parameters() if not is_uninitialized(p)]
    dtype = next((p.dtype for p in params if p.is_floating_point()), torch.get_default_dtype())
    X = torch.zeros(*shape, device=device_of(module), dtype=dtype)
    # lazy layers draw their first weights here: from a fork, so the notebook's random
    # stream is the same with or without a figure of the model
    devices = [X.device] if X.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices), eval_mode(module), torch.no_grad():
        _first_run(module, X, fn)  # what forward prints, it prints once, here
        with MacCounter(module) as counter, contextlib.redirect_stdout(io.StringIO()):
            data = _read(module, X, counter, max_depth, max_nodes)
    data["stages"] = split_stages(data["graphs"])
    data["summary"] = summary(data["graphs"], data["stages"])
    return data


def _start(model, args, counter, batch):
    """(module drawn as the model, its path, its args): a forward that only hands the input
    to one block (d2l's ``return self.net(X)``) is drawn from that block."""
    start, path, kwargs = model, "", {}
    while has_children(start):
        try:
            level, children = trace_level(start, args, kwargs, counter, batch)
        except CannotTrace:
            break
        if len(level["nodes"]) != 3 or len(children) != 1 or level["nodes"][1]["kind"] != "module":
            break
        _, name, start, args, kwargs, _ = children[0]
        path = f"{path}.{name}" if path else name
    return start, path, args, kwargs


def _structure(module):
    """What a module is made of, the same before and after its lazy layers ran."""
    return [((getattr(type(m), "cls_to_become", None) or type(m)).__name__,
             *(getattr(m, a, None) for a in ("out_channels", "kernel_size", "stride",
                                              "out_features")))
            for m in module.modules()]


def stage_names(model, start):
    """{child name: method name} for the children of ``start`` that a method ``b1()``,
    ``b2()``, ... of the model built, as d2l builds GoogLeNet:
    ``self.net = nn.Sequential(self.b1(), self.b2(), ...)`` makes ``net[2]`` its ``b3``.
    A child counts as built by ``bK()`` (K its position + 1) when calling ``bK()`` again
    gives a module of the same structure (the random stream is left as it was)."""
    names = {}
    for position, (name, child) in enumerate(start.named_children()):
        method = getattr(model, f"b{position + 1}", None)
        if not name.isdigit() or not inspect.ismethod(method) or \
                any(p.default is p.empty for p in inspect.signature(method).parameters.values()):
            continue
        with torch.random.fork_rng(devices=[]):
            built = method()
        if isinstance(built, nn.Module) and _structure(built) == _structure(child):
            names[name] = method.__name__
    return names


def _read(model, X, counter, max_depth, max_nodes):
    batch = X.shape[0]
    start, start_path, args, kwargs = _start(model, (X,), counter, batch)
    names = stage_names(model, start)
    graphs, modules, total = {}, {}, 0
    queue = deque([(start, "", "", args, kwargs, 0, None, None)])
    while queue:
        module, key, path, args, kwargs, depth, parent, owner = queue.popleft()
        if parent is not None and total >= max_nodes:
            owner.pop("block", None)
            owner["closed"] = "too many blocks to keep them all in the page"
            continue
        if has_children(module):
            try:
                level, children = trace_level(module, args, kwargs, counter, batch)
            except CannotTrace as reason:
                level, children = call_level(module, args, kwargs, counter, batch, str(reason))
        else:
            before = counter.total
            output = module(*args, **kwargs)
            level, children = single_layer(module, args, output,
                                           (counter.total - before) // batch), []
        if not key:  # the top level's blocks carry the names of the methods that built them
            for entry in level["nodes"]:
                entry["name"] = names.get(entry["name"], entry["name"])
        graphs[key] = {"name": key, "path": path, "type": type(module).__name__,
                       "label": type(model).__name__ if not key else f"{key}: {describe(module)}",
                       "parent": parent, "params": sum(n["params"] for n in level["nodes"]),
                       "macs": sum(n["macs"] for n in level["nodes"]), **level}
        modules[key] = module
        total += len(level["nodes"])
        for entry, name, sub, sub_args, sub_kwargs, first in children:
            if depth + 1 > max_depth:
                entry["closed"] = f"deeper than max_depth={max_depth}"
                continue
            child_key = f"{key}.{entry['name']}" if key else entry["name"]
            entry["block"] = child_key
            if first:
                queue.append((sub, child_key, f"{path}.{name}" if path else name, sub_args,
                              sub_kwargs, depth + 1, key, entry))
    # a later call of a block whose level was dropped must not point to it
    for level in graphs.values():
        for n in level["nodes"]:
            if "block" in n and n["block"] not in graphs:
                del n["block"]
                n["closed"] = "too many blocks to keep them all in the page"
    annotate(graphs, modules)
    root = graphs[""]
    return {"title": type(model).__name__, "start": start_path,
            "input_shape": list(X.shape), "params": root["params"], "macs": root["macs"],
            "graphs": graphs}
