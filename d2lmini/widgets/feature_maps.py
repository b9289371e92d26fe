"""`FeatureMapBrowser`: every layer's activations of a network, browsable without a kernel.

One forward pass (eval mode, no gradients, the model's mode restored
afterwards) with a forward hook on every *unit* of the model: the children
of ``nn.Sequential`` / ``nn.ModuleList`` containers, recursively, and every
other child module as a whole (a residual block is one unit). Hooks fire
in the order the forward pass really runs, so a model whose ``forward`` is
not a Sequential works too; a module called twice appears twice.

4-D outputs (images, channels, h, w) are stored as one small 2-D map per
image and channel (at most ``max_channels`` channels per layer), each
quantized to 8 bits between its own min and max (`_codec`); other outputs
(e.g. the logits) are stored per image as vectors of floats rounded to 3
decimals. The page decodes and draws them; nothing needs a kernel. A layer
whose channels mean something, such as NiN's last block (one map per class),
can have them named (``channel_labels``).
"""
import json

import numpy as np
import torch
import traitlets
from torch import nn

from .. import architecture
from ..checks import check_images, check_int, check_labels
from ..models.lenet import LeNet
from ..module import eval_mode
from . import _codec
from ._base import CourseWidget, as_rows, untrained, validation_images

__all__ = ["FeatureMapBrowser"]

WIDGET = "FeatureMapBrowser"
MAX_IMAGES = 8
MAX_SIDE = 224
MAX_CHANNELS = 64
MAX_VECTOR = 256          # entries of a vector layer stored per image
MAX_STATE_BYTES = 2_000_000
_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)


def _units(model):
    """(qualified name, module) of every unit that gets a hook (see the module docstring)."""
    # A model that is a single layer has no children: it is its own unit.
    units = architecture.units(model, containers=_CONTAINERS) or [("", model)]
    # d2l's models keep everything in self.net: show "0", not "net.0".
    while all("." in n for n, _ in units):
        head = units[0][0].split(".", 1)[0]
        if not all(n.split(".", 1)[0] == head for n, _ in units):
            break
        units = [(n.split(".", 1)[1], m) for n, m in units]
    return units


def _channels(state):
    """How many channels the page can show for the selected layer (1 for a vector)."""
    entry = state["layers"][state["layer"]] if state["layers"] else {}
    return entry.get("channels", 1)


class FeatureMapBrowser(CourseWidget):
    """Browse a network's feature maps: layer × channel × image, with its predictions.

    ``model`` is any ``nn.Module`` (required; `FeatureMapBrowser.lenet_demo`
    builds one with an untrained LeNet). ``images`` is a float tensor
    (n, h, w) or (n, channels, h, w) with n ≤ 8 and sides ≤ 224, on any
    device (it is moved to the model's). If omitted, the first 8 Fashion-MNIST
    validation images (28×28) are used and ``labels`` defaults to their class
    names. ``labels`` names the model's output classes (shown as text);
    ``targets`` (n ints) are the true classes, if known. ``max_channels``
    caps the channels kept per layer (1..64). ``layers`` optionally keeps
    only the layers with these names (as listed by `layer_names`) or indices.
    ``channel_labels`` names the channels of some layers: {layer name: one
    name per channel}, e.g. ``{"7.5 ReLU": labels}`` for NiN's last block,
    whose ten maps are the classes' (the page then also marks the image's
    predicted and true class among them). ``layer``, ``channel`` and
    ``image`` (indices) pick what is shown first; a new ``layer`` resets
    ``channel`` to 0.

    The model runs once in eval mode under ``torch.no_grad()``; its own
    train/eval mode is restored. The saved state is checked to stay under
    2 MB: use fewer images, fewer channels or ``layers=`` if it is not.
    """

    _esm_file = "feature_maps.js"
    testid = "feature-map-browser"

    inputs = traitlets.Dict().tag(sync=True)
    layers = traitlets.List().tag(sync=True)
    labels = traitlets.List().tag(sync=True)
    predictions = traitlets.List().tag(sync=True)
    targets = traitlets.List().tag(sync=True)
    # What the page shows (samples for the widget `_example` makes).
    layer = traitlets.Any(0).tag(
        sync=True, check=lambda value, state: check_int(
            value, "layer", fn=WIDGET, minimum=0, maximum=max(len(state["layers"]) - 1, 0)),
        valid=(1, 3), invalid=(4, -1, 1.0))
    channel = traitlets.Any(0).tag(
        sync=True, follows=("layer",),
        check=lambda value, state: check_int(value, "channel", fn=WIDGET, minimum=0,
                                             maximum=_channels(state) - 1),
        valid=(2, np.int64(1)), invalid=(3, "0"))
    image = traitlets.Any(0).tag(
        sync=True, check=lambda value, state: check_int(
            value, "image", fn=WIDGET, minimum=0, maximum=state["inputs"]["shape"][0] - 1),
        valid=(2,), invalid=(3, 0.0))

    def __init__(self, model=None, images=None, labels=None, max_channels=16, *,
                 targets=None, layers=None, channel_labels=None, layer=0, channel=0, image=0):
        if model is None:
            raise TypeError(f"{WIDGET}: pass a model (any nn.Module), e.g. "
                            f"FeatureMapBrowser(net, images); for an untrained LeNet on "
                            f"Fashion-MNIST use FeatureMapBrowser.lenet_demo()")
        if not isinstance(model, nn.Module):
            raise TypeError(f"{WIDGET}: model must be an nn.Module, got {type(model).__name__}")
        max_channels = check_int(max_channels, "max_channels", fn=WIDGET, minimum=1,
                                 maximum=MAX_CHANNELS)
        if images is None:
            from ..data import FashionMNIST

            first = validation_images(MAX_IMAGES)
            images = first.images.float().unsqueeze(1)
            if labels is None:
                labels = list(FashionMNIST.LABELS)
            if targets is None:
                targets = first.targets
        images = check_images(images, fn=WIDGET, max_images=MAX_IMAGES, max_side=MAX_SIDE)
        n = images.shape[0]
        if labels is not None:
            labels = check_labels(labels, "labels", fn=WIDGET)
        if targets is not None:
            targets = self._check_targets(targets, n, labels)

        records, output = self._forward(model, images)
        if layers is not None:
            records = self._select(records, layers)
        named = self._check_channel_labels(channel_labels, records)
        predictions = []
        if isinstance(output, torch.Tensor) and output.dim() == 2 and output.shape[0] == n:
            predictions = output.argmax(dim=1).tolist()
            if labels is not None and len(labels) != output.shape[1]:
                raise ValueError(f"{WIDGET}: labels has {len(labels)} names but the model "
                                 f"outputs {output.shape[1]} classes; give one name per class")
        elif labels is not None:
            raise ValueError(f"{WIDGET}: labels were given but the model's output has shape "
                             f"{tuple(getattr(output, 'shape', ()))}, not (images, classes); "
                             f"drop labels")

        estimate = sum(self._estimate(out, n, max_channels) for _, out in records)
        if estimate > MAX_STATE_BYTES:
            self._too_big(estimate, max_channels, records)
        stored = [self._encode(name, out, n, max_channels, named.get(name))
                  for name, out in records]
        stored = [s for s in stored if s is not None]
        data, ranges = _codec.encode(images.reshape(n, -1))
        inputs = {"shape": list(images.shape), "data": data, "ranges": ranges}
        size = len(json.dumps(inputs)) + len(json.dumps(stored))
        if size > MAX_STATE_BYTES:
            self._too_big(size, max_channels, records)
        super().__init__(inputs=inputs, layers=stored, labels=labels or [],
                         predictions=predictions, targets=targets or [],
                         layer=layer, channel=channel, image=image)

    @classmethod
    def _example(cls, **values):
        """A tiny browser (3 images, a seeded 3-channel conv net) for the tests' samples."""
        generator = torch.Generator().manual_seed(0)
        images = torch.rand(3, 1, 6, 6, generator=generator)
        net = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(48, 2))
        with torch.no_grad():
            for p in net.parameters():
                p.copy_(torch.rand(p.shape, generator=generator) - 0.5)
        return cls(net, images, **values)

    @classmethod
    def lenet_demo(cls, images=None, **kwargs):
        """An UNTRAINED LeNet (`d2lmini.models.lenet.LeNet`, seed 0) on ``images`` (default:
        the first 8 Fashion-MNIST validation images).

        Nothing is trained: its feature maps show what random 5×5 filters
        do. Section 7.6 passes its trained LeNet to `FeatureMapBrowser`.
        """
        return cls(untrained(LeNet, torch.zeros(1, 1, 28, 28)), images, **kwargs)

    # ------------------------------------------------------ the forward pass

    @staticmethod
    def _forward(model, images):
        units = _units(model)
        records, handles, calls = [], [], {}

        def hook_for(name):
            def hook(mod, args, out):
                # The class is read now: a lazy layer (nn.LazyConv2d) has just become
                # its concrete class (nn.Conv2d).
                label = f"{name} {type(mod).__name__}".strip()
                calls[label] = calls.get(label, 0) + 1
                shown = label if calls[label] == 1 else f"{label} (call {calls[label]})"
                records.append((shown, out))
            return hook

        tensors = list(model.parameters()) + list(model.buffers())
        device = tensors[0].device if tensors else images.device
        try:
            for name, module in units:
                handles.append(module.register_forward_hook(hook_for(name)))
            with eval_mode(model), torch.no_grad():
                try:
                    output = model(images.to(device))
                except Exception as error:
                    raise ValueError(f"{WIDGET}: model(images) failed for images of shape "
                                     f"{tuple(images.shape)}: {type(error).__name__}: {error}"
                                     ) from error
        finally:
            for handle in handles:
                handle.remove()
        return records, output

    @staticmethod
    def _select(records, layers):
        if isinstance(layers, (str, int)) or not isinstance(layers, (list, tuple)):
            raise TypeError(f"{WIDGET}: layers must be a list of layer names or indices, got "
                            f"{layers!r}")
        names = [name for name, _ in records]
        chosen = []
        for item in layers:
            if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(names):
                chosen.append(item)
            elif isinstance(item, str) and item in names:
                chosen.append(names.index(item))
            else:
                raise ValueError(f"{WIDGET}: layers entry {item!r} is neither a layer name nor "
                                 f"an index < {len(names)}; the layers are {names}")
        return [records[i] for i in sorted(set(chosen))]

    @staticmethod
    def _check_channel_labels(channel_labels, records):
        """{layer name: its channels' names}, each a layer of maps with one name per channel."""
        if channel_labels is None:
            return {}
        if not isinstance(channel_labels, dict):
            raise TypeError(f"{WIDGET}: channel_labels must be a dict {{layer name: one name "
                            f"per channel}}, got {type(channel_labels).__name__}")
        outputs = dict(records)
        named = {}
        for name, names in channel_labels.items():
            out = outputs.get(name)
            if out is None:
                raise ValueError(f"{WIDGET}: channel_labels names layer {name!r}, which is not "
                                 f"shown; the layers are {[n for n, _ in records]}")
            if not isinstance(out, torch.Tensor) or out.dim() != 4:
                raise ValueError(f"{WIDGET}: channel_labels names layer {name!r}, whose output "
                                 f"has shape {tuple(getattr(out, 'shape', ()))}, not (images, "
                                 f"channels, h, w); name the channels of a layer of maps")
            names = check_labels(names, f"channel_labels[{name!r}]", fn=WIDGET)
            if len(names) != out.shape[1]:
                raise ValueError(f"{WIDGET}: channel_labels[{name!r}] has {len(names)} names "
                                 f"but the layer has {out.shape[1]} channels; give one per "
                                 f"channel")
            named[name] = names
        return named

    @staticmethod
    def _check_targets(targets, n, labels):
        if isinstance(targets, torch.Tensor):
            targets = targets.reshape(-1).tolist()
        if not isinstance(targets, (list, tuple)) or not all(
                isinstance(t, int) and not isinstance(t, bool) for t in targets):
            raise TypeError(f"{WIDGET}: targets must be a list (or tensor) of ints, got "
                            f"{targets!r:.80}")
        if len(targets) != n:
            raise ValueError(f"{WIDGET}: targets has {len(targets)} entries for {n} images")
        top = len(labels) if labels is not None else None
        bad = [t for t in targets if t < 0 or (top is not None and t >= top)]
        if bad:
            raise ValueError(f"{WIDGET}: targets {bad} are not class indices 0..{(top or 1) - 1}")
        return list(targets)

    @staticmethod
    def _estimate(out, n, max_channels):
        """About how many bytes `_encode` will store for this output."""
        if not isinstance(out, torch.Tensor) or out.dim() < 1 or out.shape[0] != n:
            return 0
        if out.dim() == 4:
            return n * min(out.shape[1], max_channels) * out.shape[2] * out.shape[3] * 4 // 3
        return 7 * n * min(out[0].numel(), MAX_VECTOR)

    @staticmethod
    def _too_big(size, max_channels, records):
        raise ValueError(f"{WIDGET}: the activations take about {size / 1e6:.1f} MB, more "
                         f"than the {MAX_STATE_BYTES / 1e6:.0f} MB a page may hold; use fewer "
                         f"images, a smaller max_channels (now {max_channels}) or pick "
                         f"layers=[...] from {[name for name, _ in records]}")

    @staticmethod
    def _encode(name, out, n, max_channels, channel_labels=None):
        if not isinstance(out, torch.Tensor) or out.dim() < 1 or out.shape[0] != n:
            return None  # tuples, scalars, or outputs that are not per image
        out = out.detach().float().cpu()
        if not torch.isfinite(out).all():
            out = torch.nan_to_num(out)
        if out.dim() == 4:
            _, c, h, w = out.shape
            kept = min(c, max_channels)
            data, ranges = _codec.encode(out[:, :kept].reshape(n * kept, h, w))
            entry = {"name": name, "kind": "maps", "shape": [c, h, w], "channels": kept,
                     "data": data, "ranges": ranges}
            if channel_labels is not None:
                entry["channel_labels"] = channel_labels[:kept]
            return entry
        flat = out.reshape(n, -1)
        kept = min(flat.shape[1], MAX_VECTOR)
        values = as_rows(flat[:, :kept])
        return {"name": name, "kind": "vector", "shape": list(out.shape[1:]), "length": kept,
                "values": values}

    # ------------------------------------------------------ Python mirror

    def layer_names(self):
        """The names of the stored layers, in forward order ("0 Conv2d", "1 Sigmoid", ...)."""
        return [entry["name"] for entry in self.layers]

    def activation(self, layer, image=0, channel=0):
        """What the page shows: the de-quantized (h, w) map, or the vector of a vector layer.

        ``layer`` is an index or a name; the map is within (max - min) / 510
        of the real activation.
        """
        if isinstance(layer, str):
            names = self.layer_names()
            if layer not in names:
                raise ValueError(f"{WIDGET}: no layer {layer!r}; the layers are {names}")
            layer = names.index(layer)
        layer = check_int(layer, "layer", fn=WIDGET, minimum=0, maximum=len(self.layers) - 1)
        entry = self.layers[layer]
        n = self.inputs["shape"][0]
        image = check_int(image, "image", fn=WIDGET, minimum=0, maximum=n - 1)
        if entry["kind"] == "vector":
            return torch.tensor(entry["values"][image], dtype=torch.float64)
        channel = check_int(channel, "channel", fn=WIDGET, minimum=0,
                            maximum=entry["channels"] - 1)
        _, h, w = entry["shape"]
        maps = _codec.decode(entry["data"], entry["ranges"], (h, w))
        return maps[image * entry["channels"] + channel]

    def predicted_label(self, image=0):
        """The predicted class name (or index, as text) of an image, as the page writes it."""
        if not self.predictions:
            return ""
        k = self.predictions[image]
        return self.labels[k] if self.labels else str(k)

    def _repr_state(self):
        n, c, h, w = self.inputs["shape"]
        layers = len(self.layers)
        return f"{layers} layer{'' if layers == 1 else 's'}, {n} images {c}×{h}×{w}"
