#!/usr/bin/env bash
# Create or update the virtual environment .venv from requirements/. Idempotent: when .venv
# already matches the requirement files it returns in well under a second.
#   PYTHON=python3.10 scripts/bootstrap.sh   picks another interpreter (3.10 or 3.11).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=.venv
stamp=$venv/.requirements.sha256
wanted=$(cat requirements/lock.txt requirements/requirements.txt scripts/bootstrap.sh | sha256sum | cut -d' ' -f1)

# Voice notes nobody recorded are spoken by Debian's espeak-ng and encoded by opus-tools
# (trainer/audio.py). Without them only the centre's recordings play; nothing else changes.
if ! command -v espeak-ng >/dev/null 2>&1 || ! command -v opusenc >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "bootstrap: installing espeak-ng and opus-tools from Debian (voice notes)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends espeak-ng opus-tools >/dev/null
    else
        echo "bootstrap: espeak-ng or opus-tools missing (run as root, or: apt-get install espeak-ng opus-tools);" \
            "voice notes will play recordings only" >&2
    fi
fi

# The trainee page's front-end packages (the chat widget), exactly as web/package-lock.json says.
web_stamp=web/node_modules/.package-lock.sha256
web_wanted=$(sha256sum web/package-lock.json | cut -d' ' -f1)
if [ ! -f "$web_stamp" ] || [ "$(cat "$web_stamp")" != "$web_wanted" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "bootstrap: npm (Node.js) is needed to install the chat widget of the trainee page" >&2
        exit 1
    fi
    echo "bootstrap: installing the web page's packages (npm ci)" >&2
    (cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$web_wanted" > "$web_stamp"
fi

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    exit 0
fi

echo "bootstrap: installing pinned dependencies into $venv (first run takes a few minutes)" >&2
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check pip==24.0
minor=$("$venv/bin/python" -c 'import sys; print(sys.version_info[1])')
if [ "$minor" -ge 11 ]; then
    # rasa 3.6 and rasa-sdk 3.6 declare Requires-Python <3.11 although they run on 3.11
    # (see README, "Python 3.11"). Install exactly the locked set with no resolution.
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-deps --ignore-requires-python -r requirements/lock.txt
else
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r requirements/requirements.txt -c requirements/lock.txt
fi
echo "$wanted" > "$stamp"
echo "bootstrap: done" >&2
