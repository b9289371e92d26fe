#!/usr/bin/env bash
# Runs every test: d2lmini's unit tests, every notebook under nbval (at the
# quick budget, then along the full budget's code path on tiny data), the
# book build with -W, then the built book in Chromium (tests/test_browser.py),
# then the widgets in JupyterLab with a live kernel (tests/test_live_kernel.py).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
export D2LMINI_PROGRESS=0
# setup.sh installed every tool the tests use (Node, Chromium, the data): here a
# test that skips for a missing tool fails instead (tests/conftest.py).
export D2LMINI_TOOLS_REQUIRED=1
# OpenMP threads that spin while waiting slow torch down many times over when
# another process shares the cores; sleeping costs little when they don't.
export OMP_WAIT_POLICY=PASSIVE
status=0
# pytest exits 5 when it collected nothing: for this suite that is a failure.
run_pytest() {
    local rc=0
    python -m pytest -rs "$@" || rc=$?   # -rs: every skip is listed with its reason
    if [ "$rc" = 5 ]; then echo "pytest collected no tests from: $*" >&2; fi
    return "$rc"
}
# Two workers: about twice as fast on 2 cores (test ids are the same in both).
# The tests of the built book (test_book_html, test_browser) run after the build below.
run_pytest -p no:cacheprovider -n 2 tests --ignore=tests/test_book_html.py \
    --ignore=tests/test_browser.py --ignore=tests/test_live_kernel.py "$@" || status=1
# nbval: re-execute each notebook, compare its outputs with the saved ones.
# Its kernels read tests/ipython, whose start-up file blocks the network
# (conftest.py only guards pytest's own process). A cell that hangs fails
# after 300 s, naming the cell; the slowest training cell needs ~90 s on a CPU.
IPYTHONDIR="$PWD/tests/ipython" run_pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
    --nbval-cell-timeout=300 -p no:cacheprovider chapters "$@" || status=1
# The same saved notebooks along the full budget's code path (d2l's settings,
# 224-px models, the lines printed per budget), which a CUDA GPU takes: every
# Fashion-MNIST loader is capped at 1 batch of 8 images, so the whole book
# runs in about a minute and learns nothing; d2l.check_accuracy then checks
# only what holds for any run. Two notebooks at a time, each in one worker.
D2LMINI_BUDGET=full D2LMINI_CAP=1x8 IPYTHONDIR="$PWD/tests/ipython" run_pytest --nbval \
    --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=300 -p no:cacheprovider \
    -n 2 --dist loadfile chapters "$@" || status=1
jupyter-book build -W -n --keep-going . || status=1
# The built pages: what each shows and hides (test_book_html), and in a browser the
# widgets drawn once, working, no request off 127.0.0.1 (test_browser).
run_pytest -p no:cacheprovider tests/test_book_html.py tests/test_browser.py "$@" || status=1
# JupyterLab on 127.0.0.1, one notebook with every widget: Enter in each number
# box, a select or button, and assignments from Python keep page and kernel in step.
run_pytest -p no:cacheprovider tests/test_live_kernel.py "$@" || status=1
exit $status
