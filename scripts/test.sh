#!/usr/bin/env bash
# The test command: data validation, unit and in-process tests, and Rasa's test stories.
# Fails on the first failing stage.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

export RASA_TELEMETRY_ENABLED=false
python=.venv/bin/python
mkdir -p var

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
