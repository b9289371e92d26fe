"""Part ``firstfit``: the first ``Trainer.fit`` in a fresh kernel against a bare PyTorch loop.

A student runs one training cell in a new kernel: the first epoch there pays
for everything done once (imports, the first figure), a second fit does not.
Each round starts two fresh processes of the course's Python (``.venv``), one
that trains the fit first and one that trains the bare loop first; both have
imported torch and d2lmini, loaded the data and taken one SGD step on a
throw-away model before any clock starts (the loop's own one-time work).
Each process then runs the other contender and one more of each, in the
other order (fit loop loop fit, loop fit fit loop): the warm epochs. A
process acts as a Jupyter kernel (an IPython shell with a ``kernel`` whose
displays are kept, not printed), so the fit shows its log
and draws its curves as it does in a notebook.

Reported per round, and as medians over rounds: first fit / first loop
(measured in two processes started one after the other), the first fit's
seconds over the loop's, and warm fit / warm loop (within one process).

Then one more process times, interleaved, the warm epochs of the steps between
the loop and the fit (the loop over batches cut as it goes, the fit without
callbacks): where the fit's extra goes.

    python bench/bench_first_fit.py --child fit N_TRAIN   # one process; prints JSON
    python bench/bench_first_fit.py --breakdown N_TRAIN ROUNDS
"""
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GOAL = {"factor": 1.05, "seconds": 0.2}  # first fit <= 1.05 x first loop + 0.2 s


def _kernel_process(n_train):
    """What each child does before any clock starts; returns its shell and the contenders.

    It acts as a kernel, imports torch and d2lmini, loads the data and takes one SGD
    step on a throw-away model (the bare loop's one-time work, done for all).
    """
    from IPython.core.displaypub import CapturingDisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    # a kernel, before anything is imported in it (d2lmini shows its log and curves
    # only in a kernel, and starts importing matplotlib when a kernel imports it)
    shell = InteractiveShell.instance()
    shell.kernel = object()
    shell.display_pub = CapturingDisplayPublisher()
    import torch
    from torch.nn import functional as F

    import d2lmini as d2l
    from common import bare_epoch
    data = d2l.FashionMNIST(batch_size=128, n_train=n_train)
    train, val = list(data.train_dataloader()), list(data.val_dataloader())

    def model():
        torch.manual_seed(0)
        net = d2l.LeNet(lr=0.9)
        net.apply_init([train[0][0]], d2l.init_cnn)
        return net

    def loop(train=train, val=val):
        net = model()
        bare_epoch(net, torch.optim.SGD(net.parameters(), lr=0.9), train, val)

    net = model()
    X, y = train[0]
    F.cross_entropy(net(X), y).backward()
    torch.optim.SGD(net.parameters(), lr=0.1).step()
    contenders = {
        "loop": loop,
        # the same loop, its batches cut and converted as it goes, as the fit's are
        "loop over the loader": lambda: loop(data.train_dataloader(), data.val_dataloader()),
        "fit without callbacks": lambda: d2l.Trainer(max_epochs=1, num_gpus=0,
                                                     callbacks=[]).fit(model(), data),
        "fit": lambda: d2l.Trainer(max_epochs=1, num_gpus=0).fit(model(), data),
    }
    return shell, contenders, torch


def child(first, n_train):
    """One fresh process: ``first`` ('fit' or 'loop') first, then warm epochs of both."""
    shell, contenders, torch = _kernel_process(n_train)

    def timed(epoch):
        """Wall seconds and the process's CPU seconds (all threads: less moved by other
        processes on a shared machine, which delay an epoch without adding to its work)."""
        wall, cpu = time.perf_counter(), time.process_time()
        epoch()
        return time.perf_counter() - wall, time.process_time() - cpu

    second = "loop" if first == "fit" else "fit"
    # the warm pair in the other order, so that each contender's warm epoch comes third
    # in one process of a round and last in the other
    order = [first, second, second, first]
    seconds, cpu = zip(*(timed(contenders[name]) for name in order))
    displays = {out["transient"]["display_id"] for out in shell.display_pub.outputs}
    return {"first": first, "order": order, "seconds": seconds, "cpu_seconds": cpu,
            "displays": len(displays), "torch_threads": torch.get_num_threads()}


def breakdown(n_train, repeats):
    """Where a warm fit's time beyond the loop goes: one process, its warm epochs interleaved.

    Between the loop and the fit stand the batches cut as they go (the loop gets
    them cut before the clock), the Trainer's own work, and its callbacks (log,
    progress, the figure); each step is one more contender.
    """
    from common import compared, interleave, timed
    _, contenders, _ = _kernel_process(n_train)
    for epoch in contenders.values():   # each one's first run in this process is not timed
        epoch()
    runs = interleave({name: lambda epoch=epoch: timed(epoch)[0]
                       for name, epoch in contenders.items()}, repeats, "firstfit breakdown")
    return compared(runs, {name: (name, "loop") for name in contenders if name != "loop"})


def _spawn(python, *args):
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("D2LMINI_PROGRESS", None)   # as a student's kernel: progress shown
    out = subprocess.run([python, os.path.abspath(__file__), *map(str, args)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(course_python, repeats=3, n_train=60000, log=print):
    rounds = []
    for r in range(repeats):
        kinds = ("fit", "loop") if r % 2 == 0 else ("loop", "fit")
        runs = {kind: _spawn(course_python, "--child", kind, n_train) for kind in kinds}
        rounds.append(_round(runs["fit"], runs["loop"]))
        one = rounds[-1]
        log(f"firstfit round {r + 1}/{repeats}: first fit {one['first_fit_s']:.2f} s, "
            f"first loop {one['first_loop_s']:.2f} s, warm {one['warm_fit_s']:.2f} / "
            f"{one['warm_loop_s']:.2f} s")
    median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    log(f"firstfit breakdown: {repeats} rounds of 4 warm epochs in one process")
    parts = _spawn(course_python, "--breakdown", n_train, repeats)
    return {
        "settings": {"model": "LeNet", "size": 28, "n_train": n_train, "n_val": 10000,
                     "batch_size": 128, "lr": 0.9, "repeats": repeats, "python": course_python,
                     "torch_threads": runs["fit"]["torch_threads"], "goal": GOAL},
        "rounds": rounds, "median": median, "breakdown": parts,
        "targets": [{"name": f"first fit in a fresh kernel ≤ {GOAL['factor']}× the bare loop "
                             f"+ {GOAL['seconds']} s (first fit / that)",
                     "value": median["first_vs_goal"], "limit": 1.0, "unit": "ratio",
                     "pass": median["first_vs_goal"] <= 1,
                     # a machine whose rounds fall on both sides of the limit cannot tell
                     "spread": [min(r["first_vs_goal"] for r in rounds),
                                max(r["first_vs_goal"] for r in rounds)]}],
    }


def _round(fit, loop):
    """The numbers of one round: ``fit`` and ``loop`` are the two processes' results."""
    def warm(key, name):
        """The mean over both processes of ``name``'s warm epoch (its run after the first two)."""
        return statistics.mean([p[key][2 + p["order"][2:].index(name)] for p in (fit, loop)])
    one = {"first_fit_s": fit["seconds"][0], "first_loop_s": loop["seconds"][0],
           "warm_fit_s": warm("seconds", "fit"), "warm_loop_s": warm("seconds", "loop"),
           "first_fit_cpu_s": fit["cpu_seconds"][0], "first_loop_cpu_s": loop["cpu_seconds"][0],
           "warm_fit_cpu_s": warm("cpu_seconds", "fit"),
           "warm_loop_cpu_s": warm("cpu_seconds", "loop")}
    one["first_ratio"] = one["first_fit_s"] / one["first_loop_s"]
    one["first_extra_s"] = one["first_fit_s"] - one["first_loop_s"]
    one["warm_ratio"] = one["warm_fit_s"] / one["warm_loop_s"]
    one["first_vs_goal"] = one["first_fit_s"] / (GOAL["factor"] * one["first_loop_s"]
                                                 + GOAL["seconds"])
    one["first_cpu_ratio"] = one["first_fit_cpu_s"] / one["first_loop_cpu_s"]
    one["warm_cpu_ratio"] = one["warm_fit_cpu_s"] / one["warm_loop_cpu_s"]
    return one


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], int(sys.argv[3]))))
    elif len(sys.argv) == 4 and sys.argv[1] == "--breakdown":
        print(json.dumps(breakdown(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        sys.exit(f"usage: {sys.argv[0]} --child fit|loop N_TRAIN | --breakdown N_TRAIN ROUNDS "
                 f"(bench.py runs the part)")
