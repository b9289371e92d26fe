#!/usr/bin/env bash
# Creates .venv (if missing) and installs everything the book and its tests
# need. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
# pip's output minus the machine's notes on index folders it skips.
pip_install() {
    "$PY" -m pip install -q "$@" 2>&1 | { grep -v "^WARNING: Location '.*' is ignored" || true; }
}
# torch first, so requirements.txt's unpinned "torch>=2.1" installs nothing more.
# A machine that ships a local CPU wheel of torch 2.13.0 (in pip's find-links)
# gets that one; anywhere else pip picks the current release for the machine.
if ! "$PY" -c "import torch" 2>/dev/null; then
    if "$PY" -m pip install -q --no-index --no-deps torch==2.13.0 >/dev/null 2>&1; then
        pip_install torch==2.13.0   # now its dependencies
    else
        pip_install torch
    fi
fi
pip_install -r requirements.txt
pip_install --no-deps -e .
# Colab ships ipywidgets 7.7: tests/test_ipywidgets7.py renders every widget with it
# too, from this folder put first on a child Python's path (the venv keeps 8).
if [ ! -d "$VENV/ipywidgets7/ipywidgets" ]; then
    pip_install --no-deps --target "$VENV/ipywidgets7" "ipywidgets==7.7.*" \
        "widgetsnbextension~=3.6" "jupyterlab_widgets>=1,<2" ipython_genutils
fi
# The HTML book serves its own JavaScript (widgets, MathJax): fetch it once.
"$PY" scripts/fetch_widget_js.py
