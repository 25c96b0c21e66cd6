#!/usr/bin/env bash
# Start one of the processes in the foreground: scripts/serve.sh actions|rasa|web|reminders
# The one command line for each, used by scripts/run.sh, the Dockerfile, docker-compose.yml and
# the Helm values (deploy/). Configuration comes from the environment (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
export RASA_TELEMETRY_ENABLED=false

case "${1:-}" in
actions)
    # Loopback only unless ACTION_HOST says otherwise; beyond it, only with a shared secret.
    export SANIC_HOST=${ACTION_HOST:-127.0.0.1}
    case "$SANIC_HOST" in
    127.* | localhost | ::1) ;;
    *) [ -n "${ACTION_SERVER_SECRET:-}" ] || {
        echo "serve: refusing to listen on $SANIC_HOST without ACTION_SERVER_SECRET (the Rasa server sends it)" >&2
        exit 2
    } ;;
    esac
    # One BLAS thread: a request grades one short answer, and idle BLAS threads spinning between
    # requests cost more CPU than they save (13.2 against 7.4 ms of CPU a turn on 2 cores,
    # benchmarks/README.md). OpenBLAS reads its own variable first: it follows OMP_NUM_THREADS.
    export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
    export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-$OMP_NUM_THREADS}
    exec "$python" -m compat rasa_sdk --actions actions --port "${ACTION_PORT:-5055}"
    ;;
rasa)
    # Every ${VARIABLE} of credentials.yml and endpoints.yml must be set for Rasa to read them;
    # unset optional ones are set empty (that channel off, in-memory lock).
    for name in $(grep -oh '\${[A-Z_]*}' credentials.yml endpoints.yml | tr -d '${}' | sort -u); do
        export "$name=${!name:-}"
    done
    for required in ACTION_SERVER_URL TRACKER_STORE_URL; do
        [ -n "${!required}" ] || { echo "serve: set $required" >&2; exit 2; }
    done
    export SANIC_REQUEST_MAX_SIZE=${SANIC_REQUEST_MAX_SIZE:-262144}  # Sanic's own default is 100 MB
    # Browsers may call Rasa (socket.io) only from the trainee page's origin: RASA_CORS (origins
    # separated by spaces), else PUBLIC_URL's, else the page of `make run` on this machine.
    page=${PUBLIC_URL:-http://localhost:${WEB_PORT:-8080}}
    page=$(printf '%s' "$page" | sed -E 's#^(https?://[^/]+).*#\1#')
    read -r -a origins <<<"${RASA_CORS:-$page http://127.0.0.1:${WEB_PORT:-8080} http://localhost:${WEB_PORT:-8080}}"
    options=(--model "${MODEL:-models}" --port "${RASA_PORT:-5005}" --credentials credentials.yml
             --endpoints endpoints.yml --cors "${origins[@]}")
    case "${RASA_ENABLE_API:-false}" in
    true)
        # The token or JWT secret is passed in-process by compat, not on the command line.
        [ -n "${RASA_API_TOKEN:-}${RASA_JWT_SECRET:-}" ] || {
            echo "serve: refusing to open Rasa's HTTP API without RASA_API_TOKEN or RASA_JWT_SECRET" >&2
            exit 2
        }
        options+=(--enable-api)
        ;;
    false) ;;
    *) echo "serve: RASA_ENABLE_API must be true or false" >&2; exit 2 ;;
    esac
    exec "$python" -m compat rasa run "${options[@]}"
    ;;
web)
    exec "$python" -m compat trainer web --host "${WEB_HOST:-0.0.0.0}" --port "${WEB_PORT:-8080}"
    ;;
reminders)
    # Telegram reminders of due reviews (trainer/reminders.py); idle without TELEGRAM_TOKEN.
    exec "$python" -m trainer reminders
    ;;
*)
    echo "usage: scripts/serve.sh actions|rasa|web|reminders" >&2
    exit 2
    ;;
esac
