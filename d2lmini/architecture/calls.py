"""A level that torch.fx cannot trace, read as the order in which its submodules are called.

Control flow that depends on the data (``if x.mean() > 0``, ``range(x.shape[0])``)
stops torch.fx. Forward hooks still see which submodules run, in what order,
on what input: the level is drawn as that chain, and its ``note`` says why.
"""
from torch import nn

from .labels import io_node
from .trace import has_children, module_node, new_params

__all__ = ["units", "call_level"]

_CONTAINERS = (nn.ModuleList, nn.ModuleDict)


def units(module, containers=_CONTAINERS, prefix=""):
    """(name, submodule) of the modules a forward can call: the children, with the entries
    of every container of the types ``containers`` (default ModuleList and ModuleDict) in
    place of the container, named as ``named_modules`` names them ('blocks.0')."""
    found = []
    for name, child in module.named_children():
        if isinstance(child, containers):
            found.extend(units(child, containers, f"{prefix}{name}."))
        else:
            found.append((f"{prefix}{name}", child))
    return found


def _clip(text, limit=160):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _record_calls(module, args, kwargs, counter):
    """(records of every submodule call in order, the module's output)."""
    records, handles, owner = [], [], {}

    def pre_hook_for(name):
        def pre_hook(mod, a, kw):
            records.append({"name": name, "module": mod, "args": a, "kwargs": kw,
                            "before": counter.total})
        return pre_hook

    def hook_for(name):
        def hook(mod, a, kw, out):
            record = next(r for r in reversed(records) if r["name"] == name and "out" not in r)
            record.update(out=out, macs=counter.total - record["before"])
        return hook

    for name, unit in units(module):
        owner.setdefault(id(unit), name)
    try:
        for name, unit in units(module):
            if owner[id(unit)] != name:
                continue  # the same module under two names: hook it once
            handles.append(unit.register_forward_pre_hook(pre_hook_for(name), with_kwargs=True))
            handles.append(unit.register_forward_hook(hook_for(name), with_kwargs=True))
        output = module(*args, **kwargs)
    finally:
        for handle in handles:
            handle.remove()
    return records, output


def call_level(module, args, kwargs, counter, batch, reason):
    """The level as the chain of its submodules in the order they are called (same
    return value as `trace.trace_level`)."""
    records, output = _record_calls(module, args, kwargs, counter)
    nodes = [io_node("input", args[0] if args else None)]
    edges, children, seen_params, calls = [], [], set(), {}
    for record in records:
        name, sub = record["name"], record["module"]
        calls[name] = calls.get(name, 0) + 1
        node_id = name if calls[name] == 1 else f"{name}#{calls[name]}"
        entry = module_node(node_id, name, sub, record["out"], new_params(sub, seen_params),
                            record["macs"] // batch)
        if calls[name] > 1:
            entry["call"] = calls[name]
        edges.append([len(nodes) - 1, len(nodes)])
        nodes.append(entry)
        if has_children(sub):
            children.append((entry, name, sub, record["args"], record["kwargs"], calls[name] == 1))
    edges.append([len(nodes) - 1, len(nodes)])
    nodes.append(io_node("output", output))
    note = (f"torch.fx cannot trace {type(module).__name__}.forward ({_clip(reason)}); "
            f"drawn as the chain of its layers in the order they were called")
    return {"mode": "calls", "note": note, "nodes": nodes, "edges": edges}, children
