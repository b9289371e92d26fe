"""``import d2lmini as d2l`` offers d2l.torch's framework aliases and the names chapters 7-8 call.

The real d2l package is not imported here (it pins an old NumPy): each alias
is compared with the torch expression d2l 1.0.3 defines it as.
"""
import numpy as np
import pytest
import torch
from torch import nn

import d2lmini as d2l

# Copied from the alias block at the end of d2l 1.0.3's d2l/torch.py, in order
# (``nn_Module`` is the "Alias defined in config.ini" just above it).
D2L_ALIASES = [
    "nn_Module",
    "ones_like", "ones", "zeros_like", "zeros", "tensor", "arange", "meshgrid",
    "sin", "sinh", "cos", "cosh", "tanh", "linspace", "exp", "log", "normal",
    "rand", "randn", "matmul", "int32", "int64", "float32", "concat", "stack",
    "abs", "eye", "sigmoid", "batch_matmul",
    "numpy", "size", "reshape", "to", "reduce_sum", "argmax", "astype",
    "transpose", "reduce_mean", "expand_dims", "swapaxes", "repeat",
]

# The ``name = torch.name`` half of that block: d2l binds the torch object itself.
D2L_TORCH_OBJECTS = {
    "nn_Module": nn.Module,
    "ones_like": torch.ones_like, "ones": torch.ones, "zeros_like": torch.zeros_like,
    "zeros": torch.zeros, "tensor": torch.tensor, "arange": torch.arange,
    "meshgrid": torch.meshgrid, "sin": torch.sin, "sinh": torch.sinh, "cos": torch.cos,
    "cosh": torch.cosh, "tanh": torch.tanh, "linspace": torch.linspace, "exp": torch.exp,
    "log": torch.log, "normal": torch.normal, "rand": torch.rand, "randn": torch.randn,
    "matmul": torch.matmul, "int32": torch.int32, "int64": torch.int64,
    "float32": torch.float32, "concat": torch.cat, "stack": torch.stack, "abs": torch.abs,
    "eye": torch.eye, "sigmoid": torch.sigmoid, "batch_matmul": torch.bmm,
}

# d2l.torch names, other than aliases, that the PyTorch code of d2l.ai's
# sections 7.1-7.6 and 8.1-8.6 calls, directly or through the classes it uses.
CHAPTER_NAMES = [
    "corr2d", "init_cnn", "add_to_class",                       # 7.2, 7.6, 8.x
    "HyperParameters", "Module", "Classifier", "DataModule",    # save_hyperparameters, apply_init
    "Trainer", "FashionMNIST",
    "LeNet", "Residual", "ResNeXtBlock",                        # the models 7.6 and 8.6 save
    # Not in these sections' PyTorch code (try_gpu is in the TensorFlow tab),
    # but d2l's Trainer and FashionMNIST use them and readers call them.
    "cpu", "gpu", "num_gpus", "try_gpu", "plt", "set_figsize", "show_images",
]
# Methods of those classes that the chapters' code calls.
CHAPTER_METHODS = [
    ("HyperParameters", "save_hyperparameters"), ("Module", "apply_init"),
    ("Classifier", "layer_summary"), ("DataModule", "get_dataloader"),
    ("FashionMNIST", "get_dataloader"), ("Trainer", "fit"),
]


def small():
    """A small float tensor, fresh for each call so no row shares state."""
    return torch.arange(6, dtype=torch.float32).reshape(2, 3)


def seeded(make):
    torch.manual_seed(0)
    return make()


# (name, d2lmini call, what d2l's definition gives). Arguments go both
# positionally and by keyword, since d2l passes on both.
ROWS = [
    ("nn_Module", lambda: d2l.nn_Module, nn.Module),
    ("ones_like", lambda: d2l.ones_like(small()), torch.ones(2, 3)),
    ("ones", lambda: d2l.ones((2, 3), dtype=d2l.int64), torch.ones(2, 3, dtype=torch.int64)),
    ("zeros_like", lambda: d2l.zeros_like(small()), torch.zeros(2, 3)),
    ("zeros", lambda: d2l.zeros(2, 3), torch.zeros(2, 3)),
    ("tensor", lambda: d2l.tensor([[1.0, -1.0]]), torch.tensor([[1.0, -1.0]])),
    ("arange", lambda: d2l.arange(16, dtype=d2l.float32), torch.arange(16.0)),
    ("meshgrid", lambda: d2l.meshgrid(torch.arange(2), torch.arange(3), indexing="ij"),
     torch.meshgrid(torch.arange(2), torch.arange(3), indexing="ij")),
    ("sin", lambda: d2l.sin(small()), torch.sin(small())),
    ("sinh", lambda: d2l.sinh(small()), torch.sinh(small())),
    ("cos", lambda: d2l.cos(small()), torch.cos(small())),
    ("cosh", lambda: d2l.cosh(small()), torch.cosh(small())),
    ("tanh", lambda: d2l.tanh(small()), torch.tanh(small())),
    ("linspace", lambda: d2l.linspace(0, 1, steps=5), torch.linspace(0, 1, 5)),
    ("exp", lambda: d2l.exp(small()), torch.exp(small())),
    ("log", lambda: d2l.log(small() + 1), torch.log(small() + 1)),
    ("normal", lambda: seeded(lambda: d2l.normal(0, 1, (3, 3, 3))),
     seeded(lambda: torch.normal(0, 1, (3, 3, 3)))),
    ("rand", lambda: seeded(lambda: d2l.rand(2, 3)), seeded(lambda: torch.rand(2, 3))),
    ("randn", lambda: seeded(lambda: d2l.randn(4, 3, 6, 6)),
     seeded(lambda: torch.randn(4, 3, 6, 6))),
    ("matmul", lambda: d2l.matmul(small(), small().T), small() @ small().T),
    ("int32", lambda: d2l.int32, torch.int32),
    ("int64", lambda: d2l.int64, torch.int64),
    ("float32", lambda: d2l.float32, torch.float32),
    ("concat", lambda: d2l.concat((small(), small() + 1), 1), torch.cat((small(), small() + 1), 1)),
    ("stack", lambda: d2l.stack([small(), small()], 0), torch.stack([small(), small()], 0)),
    ("abs", lambda: d2l.abs(-small()), small()),
    ("eye", lambda: d2l.eye(3), torch.eye(3)),
    ("sigmoid", lambda: d2l.sigmoid(small()), torch.sigmoid(small())),
    ("batch_matmul", lambda: d2l.batch_matmul(small()[None], small().T[None]), (small() @ small().T)[None]),
    # d2l: numpy = lambda x, *args, **kwargs: x.detach().numpy(*args, **kwargs)
    ("numpy", lambda: d2l.numpy(small().requires_grad_()), small().detach().numpy()),
    ("size", lambda: d2l.size(small()), 6),
    ("reshape", lambda: d2l.reshape(small(), (3, 2)), small().reshape(3, 2)),
    ("reshape", lambda: d2l.reshape(small(), 3, 2), small().reshape(3, 2)),
    ("reshape", lambda: d2l.reshape(small(), shape=(-1,)), small().reshape(-1)),
    ("to", lambda: d2l.to(small(), torch.float64), small().to(torch.float64)),
    ("to", lambda: d2l.to(small(), dtype=torch.int32), small().to(dtype=torch.int32)),
    ("reduce_sum", lambda: d2l.reduce_sum(small()), small().sum()),
    ("reduce_sum", lambda: d2l.reduce_sum(small(), 0), small().sum(0)),
    ("reduce_sum", lambda: d2l.reduce_sum(small(), dim=1, keepdim=True), small().sum(dim=1, keepdim=True)),
    ("argmax", lambda: d2l.argmax(small()), small().argmax()),
    ("argmax", lambda: d2l.argmax(small(), axis=1), small().argmax(axis=1)),
    ("astype", lambda: d2l.astype(small(), d2l.int32), small().type(torch.int32)),
    ("astype", lambda: d2l.astype(small(), dtype=torch.float64), small().type(dtype=torch.float64)),
    ("astype", lambda: d2l.astype(small()), small().type()),    # no dtype: the type's name
    ("transpose", lambda: d2l.transpose(small()), small().t()),
    ("reduce_mean", lambda: d2l.reduce_mean(small(), dim=0), small().mean(dim=0)),
    ("expand_dims", lambda: d2l.expand_dims(small(), 0), small().unsqueeze(0)),
    ("expand_dims", lambda: d2l.expand_dims(small(), dim=-1), small().unsqueeze(dim=-1)),
    ("swapaxes", lambda: d2l.swapaxes(small(), 0, 1), small().swapaxes(0, 1)),
    ("repeat", lambda: d2l.repeat(small(), 2, 1), small().repeat(2, 1)),
    ("repeat", lambda: d2l.repeat(small(), (1, 2)), small().repeat((1, 2))),
]


def assert_same(got, expected):
    assert type(got) is type(expected)
    if isinstance(expected, torch.Tensor):
        assert got.dtype == expected.dtype and torch.equal(got, expected)
    elif isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype and np.array_equal(got, expected)
    elif isinstance(expected, (tuple, list)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e)
    else:
        assert got == expected


@pytest.mark.parametrize("name, call, expected", ROWS, ids=[row[0] for row in ROWS])
def test_alias_behaves_as_d2l_defines_it(name, call, expected):
    assert name in D2L_ALIASES
    assert_same(call(), expected)


def test_every_d2l_alias_is_in_d2lmini_and_in_the_table():
    assert [name for name in D2L_ALIASES if not hasattr(d2l, name)] == []
    assert set(D2L_ALIASES) == {row[0] for row in ROWS}
    assert set(D2L_ALIASES) == set(d2l.compat.__all__)


@pytest.mark.parametrize("name", sorted(D2L_TORCH_OBJECTS))
def test_direct_alias_is_the_torch_object(name):
    assert getattr(d2l, name) is D2L_TORCH_OBJECTS[name]


def test_tensor_method_aliases_pass_errors_through_as_d2l_does():
    # d2l's transpose is Tensor.t(): 3-D input is an error, not a swap of two axes.
    with pytest.raises(RuntimeError):
        d2l.transpose(torch.zeros(2, 3, 4))
    with pytest.raises(TypeError):
        d2l.size(small(), 0)     # Tensor.numel() takes no arguments


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_chapter_name_is_a_class_or_function(name):
    found = getattr(d2l, name)      # an AttributeError names what is missing
    if name == "plt":
        import matplotlib.pyplot
        assert found is matplotlib.pyplot
    else:
        assert isinstance(found, type) or callable(found), f"d2l.{name} is {found!r}"


@pytest.mark.parametrize("cls, method", CHAPTER_METHODS)
def test_chapter_method_exists(cls, method):
    assert callable(getattr(getattr(d2l, cls), method))


def test_d2l_ai_alias_code_runs_unchanged():
    # §7.2: the kernel [1, -1] finds no edge in the transposed image.
    X = d2l.ones((6, 8))
    X[:, 2:6] = 0
    K = d2l.tensor([[1.0, -1.0]])
    assert float(d2l.reduce_sum(d2l.abs(d2l.corr2d(d2l.transpose(X), K)))) == 0

    # §7.4: a 1x1 convolution is a matrix multiplication.
    def corr2d_multi_in_out_1x1(X, K):
        c_i, h, w = X.shape
        c_o = K.shape[0]
        X = d2l.reshape(X, (c_i, h * w))
        K = d2l.reshape(K, (c_o, c_i))
        Y = d2l.matmul(K, X)
        return d2l.reshape(Y, (c_o, h, w))

    torch.manual_seed(0)
    X = d2l.normal(0, 1, (3, 3, 3))
    K = d2l.normal(0, 1, (2, 3, 1, 1))
    Y1 = corr2d_multi_in_out_1x1(X, K)
    Y2 = d2l.corr2d_multi_in_out(X, K)
    assert float(d2l.reduce_sum(d2l.abs(Y1 - Y2))) < 1e-6

    # §7.5: pooling input built from aliases.
    X = d2l.reshape(d2l.arange(16, dtype=d2l.float32), (1, 1, 4, 4))
    assert d2l.concat((X, X + 1), 1).shape == (1, 2, 4, 4)
