"""d2l's framework aliases, so d2l.ai code that calls ``d2l.reshape`` or ``d2l.normal`` runs.

d2l wraps framework functions under common names so that one text serves
PyTorch, MXNet, JAX and TensorFlow. These are the PyTorch definitions from
the alias block at the end of d2l 1.0.3's ``torch.py``: the whole block,
not just the names chapters 7-8 call, so that any d2l.ai snippet finds them.
``tests/test_d2l_surface.py`` checks each against d2l's definition.
"""
import torch
from torch import nn

__all__ = [
    "nn_Module",
    "ones_like", "ones", "zeros_like", "zeros", "tensor", "arange", "meshgrid",
    "sin", "sinh", "cos", "cosh", "tanh", "linspace", "exp", "log", "normal",
    "rand", "randn", "matmul", "int32", "int64", "float32", "concat", "stack",
    "abs", "eye", "sigmoid", "batch_matmul",
    "numpy", "size", "reshape", "to", "reduce_sum", "argmax", "astype",
    "transpose", "reduce_mean", "expand_dims", "swapaxes", "repeat",
]

nn_Module = nn.Module

ones_like = torch.ones_like
ones = torch.ones
zeros_like = torch.zeros_like
zeros = torch.zeros
tensor = torch.tensor
arange = torch.arange
meshgrid = torch.meshgrid
sin = torch.sin
sinh = torch.sinh
cos = torch.cos
cosh = torch.cosh
tanh = torch.tanh
linspace = torch.linspace
exp = torch.exp
log = torch.log
normal = torch.normal
rand = torch.rand
randn = torch.randn
matmul = torch.matmul
int32 = torch.int32
int64 = torch.int64
float32 = torch.float32
concat = torch.cat
stack = torch.stack
abs = torch.abs  # shadows the builtin here and in d2lmini, as in d2l.torch
eye = torch.eye
sigmoid = torch.sigmoid
batch_matmul = torch.bmm


# d2l defines the rest as lambdas that pass every argument on to a tensor method.

def numpy(x, *args, **kwargs):
    # d2l's is x.detach().numpy(...); the added .cpu() changes nothing for CPU
    # tensors and lets a CUDA or MPS tensor convert where d2l's raises.
    return x.detach().cpu().numpy(*args, **kwargs)


def size(x, *args, **kwargs):
    return x.numel(*args, **kwargs)


def reshape(x, *args, **kwargs):
    return x.reshape(*args, **kwargs)


def to(x, *args, **kwargs):
    return x.to(*args, **kwargs)


def reduce_sum(x, *args, **kwargs):
    return x.sum(*args, **kwargs)


def argmax(x, *args, **kwargs):
    return x.argmax(*args, **kwargs)


def astype(x, *args, **kwargs):
    return x.type(*args, **kwargs)


def transpose(x, *args, **kwargs):
    # Tensor.t(): a 2-D transpose, not torch.transpose(x, dim0, dim1).
    return x.t(*args, **kwargs)


def reduce_mean(x, *args, **kwargs):
    return x.mean(*args, **kwargs)


def expand_dims(x, *args, **kwargs):
    return x.unsqueeze(*args, **kwargs)


def swapaxes(x, *args, **kwargs):
    return x.swapaxes(*args, **kwargs)


def repeat(x, *args, **kwargs):
    return x.repeat(*args, **kwargs)
