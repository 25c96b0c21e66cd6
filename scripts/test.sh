#!/usr/bin/env bash
# The test command. `scripts/test.sh` (make test) runs every stage and stops at the first that
# fails: lint, data validation, the model, Rasa's test stories, then every pytest suite.
# `scripts/test.sh unit [PYTEST ARGS]` runs only the unit tests (tests/unit: seconds, no server).
# Other arguments go to pytest: scripts/test.sh -k language
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

export RASA_TELEMETRY_ENABLED=false
python=.venv/bin/python
mkdir -p var

if [ "${1:-}" = unit ]; then
    shift
    exec "$python" -m pytest tests/unit "$@"
fi

echo "== lint (ruff, mypy)" >&2
scripts/lint.sh

echo "== rasa data validate" >&2
"$python" -m compat rasa data validate --fail-on-warnings \
    --domain domain.yml --data data --config config.yml

echo "== python -m trainer validate (training content)" >&2
"$python" -m trainer validate

echo "== the model (config.yml, the one make run serves; retrained only when its inputs changed)" >&2
model=$("$python" scripts/train.py | tail -n 1)
export TEST_MODEL=$model

echo "== rasa test core (tests/test_stories.yml)" >&2
"$python" -m compat rasa test core --model "$model" --stories tests/test_stories.yml \
    --fail-on-prediction-errors --out var/test-results/core

echo "== pytest" >&2
"$python" -m pytest "$@"
