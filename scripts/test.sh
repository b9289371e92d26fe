#!/usr/bin/env bash
# Runs every test: d2lmini's unit tests, every notebook under nbval, the
# book build with -W. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
export D2LMINI_PROGRESS=0
status=0
# pytest exits 5 when it collected nothing: for this suite that is a failure.
run_pytest() {
    local rc=0
    python -m pytest "$@" || rc=$?
    if [ "$rc" = 5 ]; then echo "pytest collected no tests from: $*" >&2; fi
    return "$rc"
}
run_pytest tests "$@" || status=1
# nbval: re-execute each notebook, compare its outputs with the saved ones.
run_pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
    --nbval-cell-timeout=600 -p no:cacheprovider chapters "$@" || status=1
jupyter-book build -W -n --keep-going . || status=1
exit $status
