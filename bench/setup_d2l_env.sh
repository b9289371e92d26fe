#!/usr/bin/env bash
# Creates bench/.venv-d2l: torch + torchvision (the versions the real d2l
# imports with here), d2l==1.0.3 without its pins, d2lmini (editable), and
# the tools for timing the notebooks. Both contenders of the Trainer
# benchmark then run under the same torch build, in the same process.
# Idempotent: does nothing once bench/.venv-d2l/.ready exists.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
venv="$here/.venv-d2l"
PY="${PYTHON:-python3}"
if [ -f "$venv/.ready" ]; then exit 0; fi
echo "bench: creating $venv (torch + torchvision + d2l; several GB, once)" >&2
"$PY" -m venv "$venv"
pip="$venv/bin/python -m pip"
$pip install -q --upgrade pip
$pip install -q "torch==2.14.1" "torchvision==0.29.1"
# d2l 1.0.3 pins numpy/pandas/scipy/matplotlib to versions that do not
# install (or plot) on current Python: install it alone, then its imports.
$pip install -q --no-deps "d2l==1.0.3"
$pip install -q ipython matplotlib-inline pandas scipy requests pillow matplotlib \
    numpy tqdm anywidget
$pip install -q --no-deps -e "$repo"
"$venv/bin/python" -c "import torch, torchvision; from d2l import torch as d2l; import d2lmini; print('bench env ok: torch', torch.__version__, 'torchvision', torchvision.__version__)"
touch "$venv/.ready"
