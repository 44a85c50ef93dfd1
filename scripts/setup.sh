#!/usr/bin/env bash
# Create .venv and install buitengebied with its locked dependencies (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv>=0.5"
fi
# requirements.lock pins every package (made with: uv pip compile pyproject.toml --extra app --extra test)
.venv/bin/uv pip install --quiet --python .venv/bin/python --compile-bytecode -r requirements.lock
.venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -e .
# The environment may set PYTHONDONTWRITEBYTECODE; compiled once, every command starts faster.
.venv/bin/python -m compileall -q src
