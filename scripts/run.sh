#!/usr/bin/env bash
# Run the assistant: action server, Rasa server, web page and the reminders process. Ctrl-C stops
# them all.
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
python=.venv/bin/python
logs=var/log
mkdir -p "$logs" var/db

"$python" scripts/check_ports.py "action server=$ACTION_PORT" "Rasa server=$RASA_PORT" \
    "web page=$WEB_PORT"
export MODEL
MODEL=$("$python" scripts/train.py --config config.yml --out models | tail -n 1)
# The grader too, before the action server starts (only when its content or examples changed).
"$python" -m trainer fit >&2
if [ "${RASA_ENABLE_API:-false}" = true ]; then
    api_state="HTTP API enabled, token or JWT required"
else
    api_state="HTTP API off (RASA_ENABLE_API=true with RASA_API_TOKEN or RASA_JWT_SECRET opens it)"
fi

pids=()
stop_all() {
    [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    echo "run: stopped" >&2
}
trap stop_all EXIT

servers=(actions rasa web reminders)
for server in "${servers[@]}"; do
    scripts/serve.sh "$server" >"$logs/$server.log" 2>&1 &
    pids+=($!)
done

echo "run: action server :$ACTION_PORT, Rasa server :$RASA_PORT ($api_state), web :$WEB_PORT" >&2
echo "run: logs in $logs/; the Rasa server answers once its model is loaded. Ctrl-C stops." >&2
set +e
wait -n "${pids[@]}"
status=$?
# Ctrl-C reaches every process: the servers then exit 0 or by the signal (>128).
if [ "$status" -ne 0 ] && [ "$status" -lt 128 ]; then
    for i in "${!pids[@]}"; do
        kill -0 "${pids[$i]}" 2>/dev/null || tail -n 3 "$logs/${servers[$i]}.log" >&2
    done
    echo "run: a server failed (exit $status); see $logs/ for why. Stopping the others." >&2
fi
exit "$status"
