"""Part 3: wall time of the notebook suite (nbval) and of the book build.

Both run in the *course's* environment (``.venv`` made by scripts/setup.sh,
or ``--course-python``), exactly as ``scripts/test.sh`` runs them:

* nbval: ``pytest --nbval`` with the repo's sanitize file and the quick
  budget, once per notebook (so each notebook's wall time, kernel start
  included, is measured on its own and a run cut short by ``--timeout``
  still reports the notebooks it finished);
* the book: ``jupyter-book build -W -n --keep-going`` into a scratch folder
  (``bench/.work/book``), once from nothing and once more with nothing
  changed (the incremental case). The notebooks are saved with outputs and
  the book does not execute them, so this is the "no re-execution" build.
"""
import glob
import os
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET

from common import REPO, log


def _env():
    """The environment scripts/test.sh gives nbval, whatever this process set for itself."""
    env = dict(os.environ)
    env["D2LMINI_PROGRESS"] = "0"
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    env["IPYTHONDIR"] = os.path.join(REPO, "tests", "ipython")  # kernels without network
    env.pop("D2LMINI_BUDGET", None)  # quick on a CPU, as CI runs it
    # The trainer part sets Agg for its own process; kernels must pick their
    # inline backend as under test.sh, or pyplot figures go missing from the outputs.
    env.pop("MPLBACKEND", None)
    return env


def notebooks():
    return sorted(glob.glob(os.path.join(REPO, "chapters", "ch*", "*.ipynb")))


def _run_group(cmd, timeout):
    """Run ``cmd``; past ``timeout`` kill its whole process group (pytest AND its kernel)."""
    proc = subprocess.Popen(cmd, cwd=REPO, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "timeout"


def nbval(python, workdir, timeout):
    """One ``pytest --nbval`` per notebook, in book order, within ``timeout`` seconds.

    Per-notebook runs give each notebook's wall time (kernel start included)
    and survive a run cut short: once the budget is spent the remaining
    notebooks are listed as not run. Cell counts come from JUnit XML.
    """
    junit = os.path.join(workdir, "nbval-junit.xml")
    base = [python, "-m", "pytest", "--nbval", "--nbval-sanitize-with",
            "tests/nbval_sanitize.cfg", "--nbval-cell-timeout=300", "-p", "no:cacheprovider",
            "-q", f"--junitxml={junit}"]
    per, not_run = {}, []
    paths = notebooks()
    start = time.perf_counter()
    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        left = timeout - (time.perf_counter() - start)
        if left <= 0:
            not_run.append(name)
            continue
        log(f"notebooks: nbval {os.path.relpath(path, REPO)}")
        if os.path.exists(junit):
            os.remove(junit)
        t0 = time.perf_counter()
        rc = _run_group(base + [os.path.relpath(path, REPO)], left)
        entry = {"seconds": time.perf_counter() - t0, "returncode": rc,
                 "cells": 0, "failed": 0, "skipped": 0}
        if os.path.exists(junit):
            for case in ET.parse(junit).getroot().iter("testcase"):
                entry["cells"] += 1
                if case.find("failure") is not None or case.find("error") is not None:
                    entry["failed"] += 1
                if case.find("skipped") is not None:
                    entry["skipped"] += 1
        per[name] = entry
        log(f"notebooks: {name}: {entry['seconds']:.1f} s, {entry['cells']} cells, "
            f"{entry['failed']} failed, rc {rc}")
    wall = time.perf_counter() - start
    return {"command": "pytest " + " ".join(base[3:-1]) + " chapters/<each notebook>",
            "wall_s": wall, "returncode": 0 if all(e["returncode"] == 0 for e in per.values())
            and not not_run else 1, "per_notebook": per, "not_run": not_run,
            "budget_s": timeout, "notebooks_found": sorted(
                os.path.splitext(os.path.basename(p))[0] for p in paths)}


def book(python, workdir, timeout):
    out = os.path.join(workdir, "book")
    shutil.rmtree(out, ignore_errors=True)
    jb = os.path.join(os.path.dirname(python), "jupyter-book")
    cmd = [jb if os.path.exists(jb) else "jupyter-book", "build", "-W", "-n", "--keep-going",
           "--path-output", out, "."]
    result = {"command": "jupyter-book build -W -n --keep-going .", "builds": []}
    for kind in ("from scratch", "again, nothing changed"):
        log(f"notebooks: book build ({kind})")
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=REPO, env=_env(), capture_output=True, text=True,
                                  timeout=timeout)
            rc, tail = proc.returncode, (proc.stdout + proc.stderr)[-1500:]
        except subprocess.TimeoutExpired as err:
            rc, tail = "timeout", str(err)
        result["builds"].append({"kind": kind, "wall_s": time.perf_counter() - start,
                                 "returncode": rc, "output_tail": tail})
    return result


def run(python, workdir, timeout=1800, parts=("nbval", "book")):
    os.makedirs(workdir, exist_ok=True)
    out = {"python": python, "budget": "quick"}
    # The book first: it is quick, and the nbval part may run out of budget.
    if "book" in parts:
        out["book"] = book(python, workdir, timeout)
    if "nbval" in parts:
        out["nbval"] = nbval(python, workdir, timeout)
    targets = []
    if "nbval" in out:
        wall = out["nbval"]["wall_s"]
        n = len(out["nbval"]["per_notebook"])
        targets.append({"name": "nbval over all twelve notebooks < 12 min in quick mode",
                        "value": wall, "limit": 720,
                        "pass": wall < 720 and n >= 12 and not out["nbval"]["not_run"]})
    if "book" in out:
        incremental = out["book"]["builds"][-1]["wall_s"]
        full = out["book"]["builds"][0]["wall_s"]
        targets.append({"name": "book build (no re-execution, from scratch) < 1 min",
                        "value": full, "limit": 60, "pass": full < 60})
        targets.append({"name": "book build (incremental, nothing changed) < 1 min",
                        "value": incremental, "limit": 60, "pass": incremental < 60})
    out["targets"] = targets
    return out
