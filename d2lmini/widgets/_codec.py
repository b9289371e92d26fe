"""Float maps saved into the page as bytes: 8 bits per value, base64, one range per map.

Each map (one row of ``maps``) is quantized between its own minimum and maximum,
both kept to 6 significant digits (plenty for a picture); the bytes are computed
against those rounded values, so the page (``d2lBytes`` of _base.js, then
``lo + byte / 255 * (hi - lo)``) and `decode` read back exactly the same numbers,
each within half a step, ``(hi - lo) / 510``, of the original.
"""
import base64

import torch

__all__ = ["encode", "decode"]


def _six_digits(x):
    return float(f"{x:.6g}") + 0.0  # + 0.0 writes -0.0 as 0.0


def encode(maps):
    """(k, ...) float tensor -> (base64 text of its k·m uint8 values, [[lo, hi]] per map)."""
    flat = maps.detach().cpu().reshape(maps.shape[0], -1).double()
    ranges = [[_six_digits(lo), _six_digits(hi)]
              for lo, hi in zip(flat.min(1).values.tolist(), flat.max(1).values.tolist())]
    lo, hi = torch.tensor(ranges, dtype=torch.float64).unbind(1)
    scale = torch.where(hi > lo, hi - lo, torch.ones_like(hi))  # a constant map: all bytes 0
    q = torch.clamp(torch.round((flat - lo[:, None]) / scale[:, None] * 255), 0, 255)
    return base64.b64encode(q.to(torch.uint8).numpy().tobytes()).decode("ascii"), ranges


def decode(data, ranges, shape):
    """The float64 maps `encode` stored, as a (len(ranges), *shape) tensor."""
    raw = torch.frombuffer(bytearray(base64.b64decode(data)), dtype=torch.uint8).double()
    lo, hi = torch.tensor(ranges, dtype=torch.float64).reshape(-1, 2).unbind(1)
    maps = raw.reshape(len(ranges), -1)
    return (lo[:, None] + maps / 255 * (hi - lo)[:, None]).reshape(len(ranges), *shape)
