#!/usr/bin/env bash
# Lint and type checks (settings in pyproject.toml): ruff's rules and its formatter on every
# Python file, mypy on trainer/. `scripts/lint.sh --fix` lets ruff rewrite what it can.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
bin=.venv/bin
if [ "${1:-}" = --fix ]; then
    "$bin/ruff" check --fix .
    "$bin/ruff" format .
fi
"$bin/ruff" check .
"$bin/ruff" format --check .
"$bin/mypy"
