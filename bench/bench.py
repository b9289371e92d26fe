"""The course's benchmark: run with ``bash bench/run.sh`` (see bench/README.md).

Parts (``--only`` picks some, comma-separated):

* ``trainer``   - d2lmini's Trainer + FashionMNIST against the real d2l 1.0.3
                  (LeNet 28 px, ResNet-18 96 px on a subset, data-only passes);
* ``conv``      - loop / vectorized / PyTorch convolution and pooling;
* ``notebooks`` - nbval over every notebook, and the book build;
* ``firstfit``  - the first ``Trainer.fit`` in a fresh kernel against a bare PyTorch
                  loop (fresh processes of the course's Python), and warm ones;
* ``gpu``       - examples/s per chapter-8 model (only with ``--gpu``).

Results go to ``bench/results/<machine>-<date>.json``; a later run on the
same machine and day replaces the parts it ran and keeps the others, so the
parts can be run one at a time. The table is printed at the end.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import HERE, REPO, RESULTS, describe_machine, loadavg, log, now, today  # noqa: E402

PARTS = ("trainer", "conv", "notebooks", "firstfit")


def default_course_python():
    for candidate in (os.environ.get("BENCH_COURSE_PYTHON"),
                      os.path.join(REPO, ".venv", "bin", "python")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--only", default=",".join(PARTS),
                   help="comma-separated parts: trainer,conv,notebooks,firstfit,gpu "
                        "(sub-parts: trainer.data, trainer.lenet, trainer.resnet, "
                        "notebooks.nbval, notebooks.book)")
    p.add_argument("--gpu", action="store_true", help="also measure examples/s on a CUDA GPU")
    p.add_argument("--repeats", type=int, default=3,
                   help="interleaved rounds per comparison (medians are reported)")
    p.add_argument("--lenet-lr", type=float, default=0.9,
                   help="LeNet's learning rate (0.9 learns in one epoch; 0.1, d2l's, stays at chance)")
    p.add_argument("--lenet-n-train", type=int, default=None,
                   help="LeNet/data-only training images (default all 60,000; smaller only for smoke tests)")
    p.add_argument("--lenet-n-val", type=int, default=None)
    p.add_argument("--firstfit-n-train", type=int, default=60000,
                   help="training images of the first-fit part's LeNet epochs")
    p.add_argument("--resnet-n-train", type=int, default=2000)
    p.add_argument("--resnet-n-val", type=int, default=500)
    p.add_argument("--conv-threads", type=int, default=1,
                   help="torch threads for the convolution part (0: leave the default)")
    p.add_argument("--no-notebook-emulation", action="store_true",
                   help="do not render the training figures as a Jupyter kernel would")
    p.add_argument("--course-python", default=default_course_python(),
                   help="Python of the course's env, for nbval and jupyter-book "
                        "(default: $BENCH_COURSE_PYTHON or .venv/bin/python)")
    p.add_argument("--timeout", type=int, default=1800,
                   help="seconds for the whole nbval part (notebooks not started by then "
                        "are listed as not run) and for each book build")
    p.add_argument("--out", help="JSON file to write (default bench/results/<machine>-<date>.json)")
    return p.parse_args(argv)


def selected(only, gpu):
    chosen = {part.strip() for part in only.split(",") if part.strip()}
    if gpu:
        chosen.add("gpu")
    unknown = {c.split(".")[0] for c in chosen} - set(PARTS) - {"gpu"}
    if unknown:
        raise SystemExit(f"bench: unknown part(s) {', '.join(sorted(unknown))}; "
                         f"choose from {', '.join(PARTS + ('gpu',))}")
    return chosen


def subparts(chosen, part, all_subparts):
    """('data', 'lenet', ...) of ``part`` that ``chosen`` asks for."""
    if part in chosen:
        return all_subparts
    return tuple(s for s in all_subparts if f"{part}.{s}" in chosen)


def main(argv=None):
    args = parse(argv)
    chosen = selected(args.only, args.gpu)
    workdir = os.path.join(HERE, ".work")
    os.makedirs(workdir, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    machine = describe_machine(args.course_python)
    path = args.out or os.path.join(RESULTS, f"{machine['slug']}-{today()}.json")
    result = {}
    if os.path.exists(path):
        with open(path) as f:
            result = json.load(f)
    result.setdefault("schema", 1)
    result.setdefault("parts", {})
    result["machine"] = machine
    ran = []

    trainer_parts = subparts(chosen, "trainer", ("data", "lenet", "resnet"))
    if trainer_parts:
        import bench_trainer
        part = bench_trainer.run(workdir, repeats=args.repeats, lenet_lr=args.lenet_lr,
                                 resnet_n_train=args.resnet_n_train,
                                 resnet_n_val=args.resnet_n_val,
                                 lenet_n_train=args.lenet_n_train,
                                 lenet_n_val=args.lenet_n_val,
                                 emulate_notebook=not args.no_notebook_emulation,
                                 parts=trainer_parts)
        _store(result, "trainer", part, ran)
    if "conv" in chosen:
        import bench_conv
        _store(result, "conv", bench_conv.run(repeats=max(3, args.repeats),
                                              threads=args.conv_threads), ran)
    nb_parts = subparts(chosen, "notebooks", ("nbval", "book"))
    if nb_parts:
        if not args.course_python:
            log("notebooks: no course env (.venv); run `bash scripts/setup.sh` or pass "
                "--course-python; skipping")
        else:
            import bench_notebooks
            _store(result, "notebooks",
                   bench_notebooks.run(args.course_python, workdir, args.timeout, nb_parts),
                   ran)
    if "firstfit" in chosen:
        if not args.course_python:
            log("firstfit: no course env (.venv); skipping")
        else:
            import bench_first_fit
            _store(result, "firstfit", bench_first_fit.run(
                args.course_python, repeats=args.repeats, n_train=args.firstfit_n_train,
                log=log), ran)
    if "gpu" in chosen:
        import bench_gpu
        _store(result, "gpu", bench_gpu.run(), ran)

    # Another run (e.g. --only notebooks in parallel) may have written the
    # file meanwhile: merge into what is there now, replacing only our parts.
    if os.path.exists(path):
        with open(path) as f:
            latest = json.load(f)
        latest.setdefault("parts", {}).update({k: result["parts"][k] for k in ran})
        latest["machine"] = machine
        result = latest
    import report
    report.write_whole(path, json.dumps(result, indent=1, ensure_ascii=False))
    log(f"wrote {os.path.relpath(path, REPO)}")
    print(report.text(result))
    return 0


def _store(result, name, part, ran):
    """Replace part ``name`` (merging sub-parts run now into the stored ones); note it in ``ran``."""
    old = result["parts"].get(name, {})
    merged = {**old, **part} if isinstance(old, dict) else part
    merged["measured"] = now()
    merged["loadavg_end"] = loadavg()
    result["parts"][name] = merged
    ran.append(name)
    # Targets are recomputed by the part from what it ran; keep old ones it did not touch.
    if "targets" in old and "targets" in part:
        names = {t["name"] for t in part["targets"]}
        merged["targets"] = part["targets"] + [t for t in old["targets"] if t["name"] not in names]


if __name__ == "__main__":
    sys.exit(main())
