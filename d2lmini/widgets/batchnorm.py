"""`BatchNormView`: what each batch-norm layer sees and makes, per channel (d2l §8.5).

For every batch-norm layer of a model, for every batch size n (the first n
images) and for both modes, Python runs the model once and keeps the
per-channel mean and (biased) variance of the layer's input and output:

* ``"train"``: the batch-norm layers normalise with the batch's own
  statistics, so the output means sit at β and the variances at
  γ²·var/(var+eps) ≈ γ², whatever the batch, but the statistics
  themselves (the input's) are noisier the smaller the batch;
* ``"eval"``: they normalise with the running averages kept during
  training, the same for every batch.

Only the batch-norm layers change mode: everything else runs in eval mode,
so dropout adds no noise of its own. The model is left exactly as it was
(running statistics, ``num_batches_tracked``, training flags): the buffers
are put back in place, not copied, so a model with a trainer attached needs
no deep copy. The page picks a layer, mode, batch size and channel and
draws the numbers; it only derives the normalised values' moments from the
output's (x̂ = (y - β) / γ), ranges and differences, as `BatchNormView.stats` does.
"""
import json

import numpy as np
import torch
import traitlets
from torch import nn

from ..checks import check_choice, check_images, check_int
from ..models.batchnorm import BNLeNet
from ..module import device_of, eval_mode, is_uninitialized
from ._base import CourseWidget, untrained, validation_images

__all__ = ["BatchNormView", "batch_norm_layers"]

WIDGET = "BatchNormView"
MODES = ("train", "eval")
MAX_BATCH_SIZES = 8
MAX_CHANNELS = 512
MAX_STATE_BYTES = 1_000_000
DEFAULT_IMAGES = 128


def _is_batch_norm(module):
    # PyTorch's (BatchNorm1d/2d/3d, their lazy and sync forms) and d2l's from-scratch
    # BatchNorm, also one a notebook defines itself: it is known by its attributes.
    return isinstance(module, nn.modules.batchnorm._BatchNorm) or all(
        hasattr(module, a) for a in ("gamma", "beta", "moving_mean", "moving_var"))


def batch_norm_layers(model):
    """(qualified name, module) of every batch-norm layer of ``model``, in definition order."""
    return [(name, m) for name, m in model.named_modules() if _is_batch_norm(m)]


def _flat(t, count):
    """A parameter or buffer as ``count`` floats (None stays None: not affine / not tracked)."""
    return None if t is None else t.detach().double().reshape(-1).cpu()[:count]


def _affine(module):
    """(gamma, beta, running mean, running var, eps) of a batch-norm layer, flat, on the CPU."""
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        c = module.num_features
        gamma = module.weight if module.weight is not None else torch.ones(c)
        beta = module.bias if module.bias is not None else torch.zeros(c)
        running = (module.running_mean, module.running_var)
    else:
        gamma, beta = module.gamma, module.beta
        running = (module.moving_mean, module.moving_var)
        c = gamma.numel()
    return (*(_flat(t, c) for t in (gamma, beta, *running)), float(getattr(module, "eps", 1e-5)))


def _round(t):
    """4 significant digits: plenty for bars and two-decimal text, and a small state."""
    return None if t is None else [float(f"{v:.4g}") + 0.0 for v in t.tolist()]


def _moments(x):
    """Per-channel mean and biased variance (channels on dim 1, as batch norm counts them)."""
    x = x.detach().double()
    dims = [d for d in range(x.dim()) if d != 1]
    return x.mean(dims).cpu(), x.var(dims, correction=0).cpu()


def _check_batch_sizes(batch_sizes, n):
    if isinstance(batch_sizes, torch.Tensor):
        batch_sizes = batch_sizes.tolist()
    if isinstance(batch_sizes, (str, bytes)) or not isinstance(batch_sizes, (list, tuple)):
        raise TypeError(f"{WIDGET}: batch_sizes must be a list or tuple of ints, e.g. "
                        f"(2, 8, 32, 128), got {batch_sizes!r:.60}")
    # At least 2: a batch-norm layer after a dense layer cannot take a batch of one in training.
    sizes = sorted({check_int(b, "batch_sizes entry", fn=WIDGET, minimum=2)
                    for b in batch_sizes})
    if not sizes or len(sizes) > MAX_BATCH_SIZES:
        raise ValueError(f"{WIDGET}: batch_sizes must hold 1 to {MAX_BATCH_SIZES} sizes "
                         f"(each is saved into the page), got {len(sizes)}")
    if n < 2:
        raise ValueError(f"{WIDGET}: images holds a single image; batch statistics need "
                         f"at least 2")
    if sizes[-1] > n:
        fit = tuple(b for b in sizes if b <= n) or (n,)
        raise ValueError(f"{WIDGET}: batch_sizes has {sizes[-1]}, but only {n} images were "
                         f"given; pass more images or batch_sizes={fit}")
    return sizes


def _names(model, layers, images):
    """'BN after conv 1', 'BN after dense 2', ...: what ran just before each layer."""
    order, handles = [], []
    watched = [m for m in model.modules() if isinstance(m, (nn.modules.conv._ConvNd, nn.Linear))]
    watched += [m for _, m in layers]
    try:
        for m in watched:
            handles.append(m.register_forward_hook(lambda mod, args, out: order.append(mod)))
        model(images)
    finally:
        for h in handles:
            h.remove()
    counts, names = {"conv": 0, "dense": 0}, {}
    last = None
    for m in order:
        if isinstance(m, nn.modules.conv._ConvNd):
            counts["conv"] += 1
            last = f"conv {counts['conv']}"
        elif isinstance(m, nn.Linear):
            counts["dense"] += 1
            last = f"dense {counts['dense']}"
        elif m not in names:  # a layer called twice is shown at its first call
            names[m] = f"BN after {last}" if last else f"BN layer {len(names) + 1}"
    return names


def _statistics(model, images, batch_sizes, max_channels):
    """Every layer's per-channel moments for each mode and batch size (see the module doc)."""
    layers = batch_norm_layers(model)
    if not layers:
        raise ValueError(f"{WIDGET}: the model has no batch-norm layer (nn.BatchNorm1d/2d or "
                         f"a BatchNorm with gamma, beta, moving_mean and moving_var); "
                         f"pass a model such as d2lmini.models.batchnorm.BNLeNet")
    if any(is_uninitialized(t) for t in (*model.parameters(), *model.buffers())):
        raise ValueError(f"{WIDGET}: the model has lazy layers that have not seen data yet; "
                         f"run a batch through it first, e.g. "
                         f"model.apply_init([images], d2l.init_cnn)")
    # Moved to the model's device and float type (a float64 batch for a float32 model works).
    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), images.dtype)
    images = images[:batch_sizes[-1]].to(device=device_of(model), dtype=dtype)
    # Buffers put back as the same objects (from-scratch BatchNorm replaces them in forward,
    # nn.BatchNorm updates them in place), with their values.
    buffers = [(m, name, t, t.clone()) for m in model.modules()
               for name, t in m.named_buffers(recurse=False)]
    attributes = [(m, a, getattr(m, a)) for _, m in layers if not isinstance(
        m, nn.modules.batchnorm._BatchNorm) for a in ("moving_mean", "moving_var")]
    seen, handles = {}, []

    def hook(module, args, out):
        if module not in seen:  # a layer called twice is shown at its first call
            seen[module] = (*_moments(args[0]), *_moments(out))

    def put_back():
        # After every pass, not just at the end: a training-mode pass moves the running
        # averages, and the evaluation-mode passes must use the model's own.
        for m, name, t, saved in buffers:
            m._buffers[name] = t
            t.copy_(saved)
        for m, a, value in attributes:
            setattr(m, a, value)

    try:
        with eval_mode(model), torch.no_grad():  # every module's mode comes back afterwards
            try:
                names = _names(model, layers, images[:2])
            except Exception as error:
                raise ValueError(f"{WIDGET}: model(images) failed for images of shape "
                                 f"{tuple(images.shape)}: {type(error).__name__}: {error}"
                                 ) from error
            for _, m in layers:
                handles.append(m.register_forward_hook(hook))
            runs = {}
            for mode in MODES:
                for _, m in layers:
                    m.train(mode == "train")
                for n in batch_sizes:
                    seen.clear()
                    model(images[:n])
                    put_back()
                    runs[mode, n] = dict(seen)
    finally:
        for h in handles:
            h.remove()
        with torch.no_grad():
            put_back()

    stored = []
    for path, m in layers:
        if m not in names or not all(m in run for run in runs.values()):
            continue  # defined but not called by every forward pass
        gamma, beta, mean, var, eps = _affine(m)
        shown = min(gamma.numel(), max_channels)
        entry = {"name": names[m], "path": path, "type": type(m).__name__,
                 "channels": gamma.numel(), "shown": shown, "eps": eps,
                 "gamma": _round(gamma[:shown]), "beta": _round(beta[:shown]),
                 "running_mean": _round(None if mean is None else mean[:shown]),
                 "running_var": _round(None if var is None else var[:shown])}
        for mode in MODES:
            entry[mode] = [dict(zip(("in_mean", "in_var", "out_mean", "out_var"),
                                    (_round(t[:shown]) for t in runs[mode, n][m])))
                           for n in batch_sizes]
        stored.append(entry)
    return stored


def _check_batch_size(value, state):
    value = check_int(value, "batch_size", fn=WIDGET)
    sizes = state["batch_sizes"]
    if value not in sizes:
        raise ValueError(f"{WIDGET}: batch_size must be one of the precomputed sizes "
                         f"{', '.join(map(str, sizes))}; got {value} (add it to batch_sizes)")
    return value


class BatchNormView(CourseWidget):
    """Per-channel means and variances before and after each batch-norm layer (d2l §8.5).

    ``model`` is a network with batch-norm layers (``nn.BatchNorm1d/2d`` or
    d2l's from-scratch ``BatchNorm``), all of them already initialised;
    by default d2l's BN-LeNet, UNTRAINED (seed 0): its running averages are
    still 0 and 1, so evaluation mode does not normalise at all. Section 8.5
    passes its trained BN-LeNet. ``images`` is a float tensor (n, h, w) or
    (n, channels, h, w) on any device (default: the first 128 Fashion-MNIST
    validation images). ``batch_sizes`` (1 to 8 sizes, each ≥ 2 and ≤ n)
    are the batches the page offers: the first n images. ``max_channels``
    caps the channels kept per layer.

    ``layer`` (index), ``mode`` (``"train"`` or ``"eval"``), ``batch_size``
    (one of ``batch_sizes``, default the largest) and ``channel`` (reset to
    0 by a new layer) pick what is shown. The model is not changed (see the
    module docstring). `stats` returns what the page shows, as tensors.
    """

    _esm_file = "batchnorm.js"
    testid = "batchnorm-view"

    layers = traitlets.List().tag(sync=True)
    batch_sizes = traitlets.List().tag(sync=True)
    layer = traitlets.Any(0).tag(
        sync=True, check=lambda value, state: check_int(
            value, "layer", fn=WIDGET, minimum=0, maximum=len(state["layers"]) - 1),
        valid=(1,), invalid=(2, -1, 1.0))
    channel = traitlets.Any(0).tag(
        sync=True, follows=("layer",),
        check=lambda value, state: check_int(
            value, "channel", fn=WIDGET, minimum=0,
            maximum=state["layers"][state["layer"]]["shown"] - 1),
        valid=(2, np.int64(1)), invalid=(3, "0"))
    mode = traitlets.Any("train").tag(
        sync=True, check=lambda value, state: check_choice(value, "mode", MODES, fn=WIDGET),
        valid=("eval",), invalid=("training", 0))
    batch_size = traitlets.Any().tag(
        sync=True, check=_check_batch_size, default=lambda state: state["batch_sizes"][-1],
        valid=(2, np.int64(4)), invalid=(3, 16, 4.0, "8"))

    def __init__(self, model=None, images=None, batch_sizes=(2, 8, 32, 128), max_channels=256,
                 *, layer=0, channel=0, mode="train", batch_size=None):
        if model is not None and not isinstance(model, nn.Module):
            raise TypeError(f"{WIDGET}: model must be an nn.Module with batch-norm layers, "
                            f"got {type(model).__name__}")
        max_channels = check_int(max_channels, "max_channels", fn=WIDGET, minimum=1,
                                 maximum=MAX_CHANNELS)
        if images is None:
            images = validation_images(DEFAULT_IMAGES).images.float()
        images = check_images(images, fn=WIDGET, single="batch statistics need many images")
        batch_sizes = _check_batch_sizes(batch_sizes, images.shape[0])
        if model is None:  # d2l's BN-LeNet, UNTRAINED (seed 0)
            model = untrained(BNLeNet, images[:2])
        layers = _statistics(model, images, batch_sizes, max_channels)
        size = len(json.dumps(layers))
        if size > MAX_STATE_BYTES:
            raise ValueError(f"{WIDGET}: the statistics take {size / 1e6:.1f} MB, more than "
                             f"the {MAX_STATE_BYTES / 1e6:.0f} MB a page may hold; use fewer "
                             f"batch_sizes or a smaller max_channels (now {max_channels})")
        super().__init__(layers=layers, batch_sizes=batch_sizes, layer=layer, channel=channel,
                         mode=mode, batch_size=batch_size)

    @classmethod
    def _example(cls, **values):
        """A tiny seeded conv net with one BatchNorm2d and one BatchNorm1d (tests' samples)."""
        generator = torch.Generator().manual_seed(0)
        net = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                            nn.Linear(48, 4), nn.BatchNorm1d(4))
        with torch.no_grad():
            for p in net.parameters():
                p.copy_(torch.rand(p.shape, generator=generator) - 0.5)
            for m in (net[1], net[5]):  # running averages away from 0 and 1
                m.running_mean.copy_(torch.rand(m.num_features, generator=generator) - 0.5)
                m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
        images = torch.rand(8, 1, 6, 6, generator=generator)
        return cls(net, images, batch_sizes=(2, 4, 8), **values)

    def stats(self, layer=None, mode=None, batch_size=None):
        """What the page shows (default: what it shows now) as float64 tensors.

        Keys: ``in_mean``, ``in_var``, ``out_mean``, ``out_var`` (per channel,
        biased variance, 4 significant digits), ``gamma``, ``beta`` and
        ``norm_mean``, ``norm_var``: the normalised values x̂ = (y - β) / γ,
        as the page computes them from the output's.
        """
        state = self._settled({k: v for k, v in (("layer", layer), ("mode", mode),
                                                 ("batch_size", batch_size)) if v is not None},
                              self._current())
        entry = self.layers[state["layer"]]
        numbers = entry[state["mode"]][self.batch_sizes.index(state["batch_size"])]
        out = {k: torch.tensor(v, dtype=torch.float64) for k, v in numbers.items()}
        gamma, beta = (torch.tensor(entry[k], dtype=torch.float64) for k in ("gamma", "beta"))
        out.update(gamma=gamma, beta=beta, norm_mean=(out["out_mean"] - beta) / gamma,
                   norm_var=out["out_var"] / gamma ** 2)
        return out

    def layer_names(self):
        """The layers as the page lists them: 'BN after conv 1', ..."""
        return [entry["name"] for entry in self.layers]

    def _repr_state(self):
        channels = ", ".join(str(entry["channels"]) for entry in self.layers)
        return (f"{len(self.layers)} BN layers ({channels} channels), batch sizes "
                f"{'/'.join(map(str, self.batch_sizes))}")
