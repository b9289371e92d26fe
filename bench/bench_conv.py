"""Part 2: the book's hand-written convolution and pooling against PyTorch.

``d2lmini.corr2d`` (two Python loops, d2l §7.2), ``d2lmini.corr2d_vectorized``
(unfold + einsum) and ``F.conv2d`` on the sizes the book uses: the 6x8
edge-detection image (1x2 and 3x3 kernels), a 28x28 Fashion-MNIST image and
a 224x224 ImageNet-sized one (3x3). Pooling: ``d2lmini.pool2d`` (loops,
stride 1 as d2l's version) against ``F.max_pool2d`` / ``F.avg_pool2d`` with
the same 2x2 window and stride 1. Every pair is checked to agree first.

Each implementation is timed as the median per-call time over interleaved
rounds; a round calls it enough times to last a few milliseconds.

Timed with ONE torch thread by default: these are single small images, and
on a busy machine a multi-threaded PyTorch kernel waits for its second
thread to be scheduled at every call (measured here under load: a 28x28
F.conv2d took ~10 ms with 2 threads, ~0.2 ms with OMP_WAIT_POLICY=PASSIVE,
5 us with 1 thread), which would measure the scheduler, not the code.
"""
import time

import torch
from torch.nn import functional as F

from common import interleave, log, median_seconds, torch_threads

CASES = [((6, 8), (1, 2)), ((6, 8), (3, 3)), ((28, 28), (3, 3)), ((224, 224), (3, 3))]
POOL_SIZES = [(6, 8), (28, 28), (224, 224)]


def _calls_for(fn, target=0.02):
    """How many calls make one timing sample last about ``target`` seconds."""
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    return max(1, min(10_000, int(target / max(once, 1e-7))))


def per_call(contenders, repeats):
    """{name: median seconds per call}, contenders interleaved and rotated."""
    def calls(fn, n):
        def sample():
            start = time.perf_counter()
            for _ in range(n):
                fn()
            return (time.perf_counter() - start) / n
        return sample
    runs = interleave({name: calls(fn, _calls_for(fn)) for name, fn in contenders.items()},
                      repeats, "conv")
    return {name: median_seconds(samples) for name, samples in runs.items()}


def run(repeats=5, threads=1):
    """``threads``: torch threads while timing (default 1, see the module doc)."""
    import d2lmini
    with torch_threads(threads):
        return _run(d2lmini, repeats)


def _run(d2lmini, repeats):
    torch.manual_seed(0)
    rows = []
    with torch.no_grad():
        for (h, w), (kh, kw) in CASES:
            X, K = torch.rand(h, w), torch.rand(kh, kw)
            ref = F.conv2d(X[None, None], K[None, None])[0, 0]
            for fn in (d2lmini.corr2d, d2lmini.corr2d_vectorized):
                torch.testing.assert_close(fn(X, K), ref, rtol=1e-4, atol=1e-4)
            times = per_call({
                "loop (d2lmini.corr2d)": lambda: d2lmini.corr2d(X, K),
                "vectorized (d2lmini.corr2d_vectorized)": lambda: d2lmini.corr2d_vectorized(X, K),
                "F.conv2d": lambda: F.conv2d(X[None, None], K[None, None]),
            }, repeats)
            rows.append(_row("corr2d", f"{h}×{w}", f"{kh}×{kw}", times, "F.conv2d"))
            log(f"conv {h}x{w} k{kh}x{kw}: " + ", ".join(f"{k} {v * 1e6:.0f} µs" for k, v in times.items()))
        for h, w in POOL_SIZES:
            X = torch.rand(h, w)
            for mode, fast in (("max", F.max_pool2d), ("avg", F.avg_pool2d)):
                ref = fast(X[None, None], 2, stride=1)[0, 0]
                torch.testing.assert_close(d2lmini.pool2d(X, 2, mode), ref)
                times = per_call({
                    f"loop (d2lmini.pool2d '{mode}')":
                        lambda: d2lmini.pool2d(X, 2, mode),
                    f"F.{mode}_pool2d":
                        lambda: fast(X[None, None], 2, stride=1),
                }, repeats)
                rows.append(_row(f"pool2d {mode}", f"{h}×{w}", "2×2, stride 1", times,
                                 f"F.{mode}_pool2d"))
                log(f"pool {mode} {h}x{w}: " + ", ".join(f"{k} {v * 1e6:.0f} µs" for k, v in times.items()))
    return {"repeats": repeats, "threads": torch.get_num_threads(), "rows": rows}


def _row(op, size, kernel, times, baseline):
    return {"op": op, "input": size, "kernel": kernel, "seconds_per_call": times,
            "baseline": baseline,
            "ratio_vs_baseline": {k: v / times[baseline] for k, v in times.items()}}
