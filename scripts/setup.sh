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
# torch first, so requirements.txt's unpinned "torch>=2.1" installs nothing more:
# a machine that ships a local CPU wheel (pip's find-links) gets it without an
# index; anywhere else pip picks the current release for that machine.
if ! "$PY" -c "import torch" 2>/dev/null; then
    "$PY" -m pip install -q --no-index torch==2.13.0 2>/dev/null \
        || "$PY" -m pip install -q torch
fi
"$PY" -m pip install -q -r requirements.txt
"$PY" -m pip install -q --no-deps -e .
