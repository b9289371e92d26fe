#!/usr/bin/env bash
# Builds the HTML book into _build/html (warnings are errors).
# The notebooks are committed with their outputs, so nothing re-executes
# here; `scripts/test.sh` re-runs every notebook and compares the outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
jupyter-book build -W -n --keep-going .
echo "built: $(pwd)/_build/html/index.html"
