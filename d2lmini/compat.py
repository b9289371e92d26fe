"""The small aliases of ``d2l.torch`` that d2l.ai code for chapters 7-8 calls.

d2l wraps framework functions under common names so one text serves
PyTorch, MXNet, JAX and TensorFlow. Only the ones these chapters use are here.
"""
import torch

__all__ = ["numpy", "reshape", "argmax", "astype", "reduce_sum", "size",
           "zeros", "ones", "tensor", "arange", "float32", "int32", "concat", "stack"]

zeros = torch.zeros
ones = torch.ones
tensor = torch.tensor
arange = torch.arange
float32 = torch.float32
int32 = torch.int32
concat = torch.cat
stack = torch.stack


def numpy(x):
    """A detached CPU NumPy copy of ``x``."""
    return x.detach().cpu().numpy()


def reshape(x, *shape):
    return x.reshape(*shape)


def argmax(x, *args, **kwargs):
    return x.argmax(*args, **kwargs)


def astype(x, dtype):
    return x.type(dtype)


def reduce_sum(x, *args, **kwargs):
    return x.sum(*args, **kwargs)


def size(x):
    return x.numel()
