"""Which device to train on: CUDA, then Apple's MPS, then the CPU.

d2l only knows CUDA and silently uses the CPU otherwise; here the choice is
made in one place and `describe_device` says in words what was picked.
"""
import torch

__all__ = ["choose_device", "training_device", "describe_device", "mps_available", "cpu", "gpu",
           "num_gpus", "try_gpu"]


def mps_available():
    """True where Apple's Metal GPU (MPS) can run PyTorch."""
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


def choose_device():
    """The best available device: ``cuda``, else ``mps``, else ``cpu``."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def training_device(device=None, num_gpus=None):
    """The device a `Trainer` trains on: ``device`` when named (it must exist
    here), the CPU for ``num_gpus=0`` (d2l's way to say so), else `choose_device`."""
    if device is None:
        return torch.device("cpu") if num_gpus == 0 else choose_device()
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"Trainer: device must name a device such as 'cpu', 'cuda' or "
                         f"'mps', got {device!r}") from error
    if (chosen.type == "cuda" and not torch.cuda.is_available()
            or chosen.type == "mps" and not mps_available()):
        raise ValueError(f"Trainer: device={device!r} is not available on this machine; "
                         f"leave device out to use the best one there is "
                         f"({choose_device().type} here)")
    return chosen


def describe_device(device):
    """A sentence naming ``device``, e.g. for the top of a training cell."""
    device = torch.device(device)
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "mps (Apple GPU)"
    return "cpu (no CUDA or Apple MPS device found)"


def cpu():
    """d2l's ``d2l.cpu()``."""
    return torch.device("cpu")


def gpu(i=0):
    """d2l's ``d2l.gpu(i)``: the i-th CUDA device."""
    return torch.device(f"cuda:{i}")


def num_gpus():
    """d2l's ``d2l.num_gpus()``: how many CUDA devices there are."""
    return torch.cuda.device_count()


def try_gpu(i=0):
    """d2l's ``d2l.try_gpu(i)``, extended to Apple's MPS for ``i == 0``."""
    if num_gpus() >= i + 1:
        return gpu(i)
    if i == 0 and mps_available():
        return torch.device("mps")
    return cpu()
