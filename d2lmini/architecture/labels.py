"""How the architecture figure names things: layers, functions, shapes, numbers.

One formatter per kind of text: `describe` (a layer's label, "Conv2d 64,
3×3, pad 1"), `brief` (the same in a few words, for a block's contents,
"conv 3×3"), `summary_row` (the line ``d2lmini.layer_summary`` prints),
`human` and `comma` (numbers), `percent`.
"""
import torch
from torch import nn
from torch.nn.modules import activation, dropout

__all__ = ["describe", "brief", "function_name", "function_label", "shape_of", "summary_row",
           "io_node", "is_elementwise", "human", "comma", "percent"]

_POOLS = (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd)
_ADAPTIVE = (nn.modules.pooling._AdaptiveAvgPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd)
#: Layers and functions that act on each value alone and learn nothing: drawn folded into
#: the box before them in a whole-model view ("Conv2d 96, 11×11 · ReLU").
_ELEMENTWISE_MODULES = {module.__name__ for module in (activation, dropout)}
_ELEMENTWISE_FUNCTIONS = {value.__name__.lower() for source in (activation, dropout)
                          for value in vars(source).values()
                          if isinstance(value, type) and value.__module__ == source.__name__}


def _class_name(module):
    """A module's class name; a lazy layer not yet run is named as what it becomes."""
    become = getattr(type(module), "cls_to_become", None)
    return (become or type(module)).__name__


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
    name = _class_name(module)
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
    if isinstance(module, _POOLS):
        parts = [f"{name} {_dims(module.kernel_size)}"]
        if module.stride is not None and module.stride != module.kernel_size:
            parts.append(f"stride {_short(module.stride)}")
        if _nonzero(module.padding, 0):
            parts.append(f"pad {_short(module.padding)}")
        return ", ".join(parts)
    if isinstance(module, _ADAPTIVE):
        return f"{name} {_dims(module.output_size)}"
    if isinstance(module, nn.modules.batchnorm._NormBase):
        return f"{name} {module.num_features}"
    if isinstance(module, nn.modules.dropout._DropoutNd):
        return f"{name} {module.p}"
    if isinstance(module, (nn.Sequential, nn.ModuleList)):
        n = len(module)
        return f"{name}, {n} layer{'s' * (n != 1)}"
    return name


def brief(module, shape=None):
    """A module in a few words, for the list of what a block holds: 'conv 3×3',
    'max-pool 2×2', 'global avg-pool' (``shape``, its output, all ones in space),
    'dense 10', 'batch norm'; a custom block: its class name."""
    if isinstance(module, nn.modules.conv._ConvNd):
        return f"conv {_dims(module.kernel_size)}"
    if isinstance(module, _POOLS + _ADAPTIVE):
        kind = "max-pool" if "Max" in type(module).__name__ else "avg-pool"
        if isinstance(module, _ADAPTIVE) and shape and all(s == 1 for s in shape[2:]):
            return f"global {kind}"
        size = module.output_size if isinstance(module, _ADAPTIVE) else module.kernel_size
        return f"{kind} {_dims(size)}"
    if isinstance(module, nn.Linear):
        return f"dense {module.out_features}"
    if isinstance(module, nn.modules.batchnorm._NormBase):
        return "batch norm"
    return _class_name(module)


def is_elementwise(module_or_name):
    """Whether a module without parameters (or a function's name such as 'relu') is an
    activation or dropout."""
    if isinstance(module_or_name, nn.Module):
        return type(module_or_name).__module__ in _ELEMENTWISE_MODULES and \
            next(module_or_name.parameters(), None) is None
    return str(module_or_name).rstrip("_").replace("_", "").lower() in _ELEMENTWISE_FUNCTIONS


def function_name(node, operators):
    """The name of the function an fx node calls (``operators`` names Python's operators)."""
    target = node.target
    if node.op == "call_method":
        return str(target)
    if target in operators:
        return operators[target]
    return getattr(target, "__name__", str(target))


def function_label(node, name):
    """'cat, dim 1', 'getitem [0]', or the name."""
    dim = node.kwargs.get("dim")
    if dim is None and name in ("cat", "stack", "concat") and len(node.args) > 1:
        dim = node.args[1]
    if isinstance(dim, int):
        return f"{name}, dim {dim}"
    if name == "getitem" and len(node.args) > 1 and isinstance(node.args[1], int):
        return f"getitem [{node.args[1]}]"
    return name


def shape_of(value):
    """A tensor's shape as a list, a tuple of tensors' as a list of lists, else None."""
    if isinstance(value, torch.Tensor):
        return list(value.shape)
    if isinstance(value, (tuple, list)) and value and \
            all(isinstance(v, torch.Tensor) for v in value):
        return [list(v.shape) for v in value]
    return None


def summary_row(name, value, what="output"):
    """The line ``layer_summary`` prints for a layer ``name`` that returned ``value``:
    ``'Conv2d output shape:\\t torch.Size([1, 6, 28, 28])'``; for a tuple of tensors
    ``'... output shapes:\\t ...'``. ``what=''`` gives the input's and output's own
    rows (``'input shape:\\t ...'``)."""
    head = f"{name} {what}".rstrip()
    if isinstance(value, torch.Tensor):
        return f"{head} shape:\t {value.shape}"
    shape = shape_of(value)
    if shape is not None:
        return f"{head} shapes:\t " + ", ".join(str(torch.Size(s)) for s in shape)
    return f"{head}:\t {type(value).__name__}"


def io_node(kind, value, node_id=None):
    """The node of a level's input or output (``kind``), which got or gave ``value``."""
    return {"id": node_id or kind, "kind": kind, "name": kind, "label": kind,
            "shape": shape_of(value), "params": 0, "macs": 0,
            "row": kind if value is None else summary_row(kind, value, what="")}


def comma(n):
    """1992166 -> '1,992,166'."""
    return f"{n:,}"


def human(n):
    """1234 -> '1.2K', 770_560_000 -> '770.6M', 7_547_232_256 -> '7.55G'."""
    if n >= 10 ** 9:
        q = (n + 5 * 10 ** 6) // 10 ** 7
        return f"{q // 100}.{q % 100:02d}G"
    for unit, size in (("M", 10 ** 6), ("K", 10 ** 3)):
        if n >= size:
            q = (n + size // 20) // (size // 10)
            return f"{q // 10}.{q % 10}{unit}"
    return str(n)


def percent(part, whole):
    """'92.0 %' (one decimal; '0.0 %' of nothing)."""
    return f"{100 * part / whole if whole else 0:.1f} %"
