#!/usr/bin/env bash
# The course's benchmark, in one command:
#
#   bash bench/run.sh                       # everything (trainer, conv, notebooks)
#   bash bench/run.sh --only trainer,conv   # skip the notebook suite
#   bash bench/run.sh --repeats 1           # fewer rounds on a busy machine
#
# Creates bench/.venv-d2l once (torch, torchvision, the real d2l 1.0.3 and
# d2lmini; several GB from pip), runs the benchmark in it, writes
# bench/results/<machine>-<date>.json, prints the table and regenerates the
# book page chapters/benchmarks.md from the newest result.
# The notebook part uses the course's own .venv (scripts/setup.sh makes it)
# or $BENCH_COURSE_PYTHON. Not part of the test suite.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/setup_d2l_env.sh"
# The notebook part needs the course's env; make it unless told where one is
# (or the notebooks are not asked for).
args=" $* "
if [ -z "${BENCH_COURSE_PYTHON:-}" ] && { [[ "$args" != *" --only"* ]] || [[ "$args" == *notebooks* ]]; }; then
    bash "$(dirname "$here")/scripts/setup.sh"
fi
"$here/.venv-d2l/bin/python" "$here/bench.py" "$@"
"$here/.venv-d2l/bin/python" "$here/report.py"
