"""Shared helpers of the benchmark: timing side by side, machine description.

The machines this course is developed on are small and shared, so absolute
seconds move a lot from minute to minute. Every comparison here therefore
runs its contenders *interleaved* (A B C, B C A, C A B, ...), repeats the
round, and reports the median of each contender; the headline numbers are
ratios of medians taken in the same rounds.
"""
import contextlib
import datetime as _dt
import io
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")


def log(*args):
    """Progress goes to stderr, so stdout stays the table."""
    print("bench:", *args, file=sys.stderr, flush=True)


def interleave(contenders, repeats, label=""):
    """Run every contender ``repeats`` times, rotating the order each round.

    ``contenders`` maps a name to a function returning either seconds or a
    dict with at least ``"seconds"``. Returns ``{name: [result dicts]}``.
    """
    names = list(contenders)
    runs = {name: [] for name in names}
    for r in range(repeats):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            result = contenders[name]()
            if not isinstance(result, dict):
                result = {"seconds": result}
            runs[name].append(result)
            log(f"{label} round {r + 1}/{repeats}: {name}: {result['seconds']:.4g} s")
    return runs


def paired_ratio(runs, num, den):
    """Median over rounds of num/den measured in the same round."""
    pairs = [a["seconds"] / b["seconds"] for a, b in zip(runs[num], runs[den])]
    return statistics.median(pairs)


def median_ci(values, level=0.95):
    """The distribution-free ``level`` confidence interval of the median of ``values``.

    The k-th smallest and k-th largest value, with the largest k for which a
    Binomial(n, 1/2) count falls below k with probability at most (1 - level) / 2:
    it needs no assumption on how the noise is distributed. None when n is too
    small for any such k (n < 6 at 95%).
    """
    n, below = len(values), 0.0   # below: P(count < k)
    k = 0
    while below + math.comb(n, k) / 2 ** n <= (1 - level) / 2:
        below += math.comb(n, k) / 2 ** n
        k += 1
    if k == 0:
        return None
    ordered = sorted(values)
    return [ordered[k - 1], ordered[n - k]]


def compared(runs, ratios):
    """The result of one comparison: each contender's summary, and each named ratio
    ``name -> (numerator, denominator)`` as a paired median."""
    return {"contenders": {k: summary(v) for k, v in runs.items()},
            "ratios": {name: paired_ratio(runs, num, den) for name, (num, den) in ratios.items()}}


def bare_epoch(model, optim, train, val):
    """One epoch of a plain PyTorch loop, the floor a trainer is held against: an SGD step
    per training batch, then a forward pass per validation batch without gradients."""
    model.train()
    for X, y in train:
        bare_step(model, optim, X, y)
    bare_validation(model, val)


def bare_step(model, optim, X, y):
    """One SGD step of the plain loop (the model in training mode)."""
    from torch.nn import functional as F

    loss = F.cross_entropy(model(X), y)
    optim.zero_grad()
    loss.backward()
    optim.step()


def bare_validation(model, val):
    """The plain loop's validation: a forward pass per batch, in eval mode, without gradients."""
    import torch

    model.eval()
    with torch.no_grad():
        for X, _ in val:
            model(X)


def median_seconds(results):
    return statistics.median(r["seconds"] for r in results)


def summary(results):
    """Median, min, max and every sample of a list of result dicts."""
    seconds = [r["seconds"] for r in results]
    out = {"median_s": statistics.median(seconds), "min_s": min(seconds),
           "max_s": max(seconds), "samples_s": seconds}
    extras = {k for r in results for k in r if k != "seconds"}
    for key in sorted(extras):
        values = [r[key] for r in results if key in r]
        if values and all(isinstance(v, (int, float)) for v in values):
            out[key] = statistics.median(values)
        elif values:
            out[key] = values[-1]
    return out


@contextlib.contextmanager
def torch_threads(n):
    """Run the block with ``n`` torch threads (None or 0: leave them), then restore."""
    import torch
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


@contextlib.contextmanager
def quiet():
    """Swallow what a contender prints (d2l prints a figure repr per redraw)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        return None


def loadavg():
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def machine_slug(model, cores):
    """A short file-name-safe machine name, e.g. ``amd-epyc-9b14-2c``."""
    words = re.sub(r"\(.*?\)|\bCPU\b|@.*|\bProcessor\b|\d+-Core", " ", model)
    slug = re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")
    slug = "-".join(slug.split("-")[:4]) or "machine"
    return f"{slug}-{cores}c"


def other_torch_version(python):
    """torch version of another interpreter (the course's env), or None."""
    if not python or not os.path.exists(python):
        return None
    try:
        out = subprocess.run([python, "-c", "import torch; print(torch.__version__)"],
                             capture_output=True, text=True, timeout=120)
        return out.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


def describe_machine(course_python=None):
    import torch
    cores = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    info = {
        "cpu_model": cpu_model(),
        "cores": cores,
        "usable_cores": usable,
        "memory_gib": memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch_threads": torch.get_num_threads(),
        "bench_env": {"python": sys.executable, "torch": torch.__version__},
        "course_env": {"python": course_python,
                       "torch": other_torch_version(course_python)},
        "loadavg_start": loadavg(),
        "gpu": None,
    }
    for pkg in ("torchvision", "d2l"):
        try:
            from importlib.metadata import version
            info["bench_env"][pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - a missing package is just "none"
            info["bench_env"][pkg] = None
    info["slug"] = machine_slug(info["cpu_model"], cores)
    return info


def today():
    return _dt.date.today().isoformat()


def now():
    return _dt.datetime.now().isoformat(timespec="seconds")
