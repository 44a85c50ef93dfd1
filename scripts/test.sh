#!/usr/bin/env bash
# Set up (if needed), lint and run the test suite, the app's browser tests included
# (they need Debian's chromium at /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
