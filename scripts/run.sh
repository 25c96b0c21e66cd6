#!/usr/bin/env bash
# Run the assistant: action server, Rasa server and web page. Ctrl-C stops them all.
# Trains a model first only when data, domain, config or content changed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

export RASA_TELEMETRY_ENABLED=false
export ACTION_PORT=${ACTION_PORT:-5055}
export RASA_PORT=${RASA_PORT:-5005}
export WEB_PORT=${WEB_PORT:-8080}
export DATABASE_URL=${DATABASE_URL:-sqlite:///$PWD/var/db/trainer.db}
export TRACKER_STORE_URL=${TRACKER_STORE_URL:-sqlite:///$PWD/var/db/tracker.db}
export ACTION_SERVER_URL=${ACTION_SERVER_URL:-http://127.0.0.1:$ACTION_PORT/webhook}
export LOCK_STORE_URL=${LOCK_STORE_URL:-}  # empty: one server, in-memory lock
# Messaging channels: every ${VARIABLE} of credentials.yml must be set for Rasa to read it;
# unset ones are set empty, which leaves that channel off.
for name in $(grep -o '\${[A-Z_]*}' credentials.yml | tr -d '${}'); do
    export "$name=${!name:-}"
done
python=.venv/bin/python
logs=var/log
mkdir -p "$logs" var/db

"$python" scripts/check_ports.py "action server=$ACTION_PORT" "Rasa server=$RASA_PORT" \
    "web page=$WEB_PORT"
model=$("$python" scripts/train.py --config config.yml --out models | tail -n 1)

rasa_options=(--model "$model" --port "$RASA_PORT" --credentials credentials.yml
              --endpoints endpoints.yml --cors "*")
if [ -n "${RASA_API_TOKEN:-}" ]; then
    rasa_options+=(--enable-api --auth-token "$RASA_API_TOKEN")
    api_state="HTTP API enabled (token from RASA_API_TOKEN)"
else
    api_state="HTTP API off (set RASA_API_TOKEN to enable it)"
fi

pids=()
stop_all() {
    [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    echo "run: stopped" >&2
}
trap stop_all EXIT

"$python" -m compat rasa_sdk --actions actions --port "$ACTION_PORT" >"$logs/actions.log" 2>&1 &
pids+=($!)
"$python" -m compat rasa run "${rasa_options[@]}" >"$logs/rasa.log" 2>&1 &
pids+=($!)
"$python" -m trainer web --port "$WEB_PORT" >"$logs/web.log" 2>&1 &
pids+=($!)

echo "run: action server :$ACTION_PORT, Rasa server :$RASA_PORT ($api_state), web :$WEB_PORT" >&2
echo "run: logs in $logs/; the Rasa server answers once its model is loaded. Ctrl-C stops." >&2
set +e
wait -n "${pids[@]}"
status=$?
# Ctrl-C reaches every process: the servers then exit 0 or by the signal (>128).
if [ "$status" -ne 0 ] && [ "$status" -lt 128 ]; then
    echo "run: a server failed (exit $status); see $logs/ for why. Stopping the others." >&2
fi
exit "$status"
