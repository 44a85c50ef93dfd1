#!/usr/bin/env bash
# Set up (if needed), lint and run the test suite, then the app's browser tests (they need
# Debian's chromium at /usr/bin/chromium; E2E=0 skips them). The browser tests run in a
# process of their own: Playwright's sync API refuses to start where an event loop of an
# earlier test (Streamlit's AppTest) is still registered.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/mypy
.venv/bin/python -m pytest -m "not e2e" "$@"
if [ "${E2E:-1}" != "0" ]; then
  .venv/bin/python -m pytest -m e2e tests/e2e "$@"
fi
