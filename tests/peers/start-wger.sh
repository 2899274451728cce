#!/usr/bin/env bash
# The wger 2.1 test peer: a real wger server on 127.0.0.1 with SQLite, for the peer tests.
# Documented in docs/testing.md ("The wger peer").
#
#   start-wger.sh VENV PORT         install wger into VENV if needed, start it, print the API token
#   start-wger.sh VENV PORT stop    stop the server this script started for VENV and PORT
#
# stdout: one line, the test user's API token (wger's DRF token).
# stderr: progress and timings.
# Files:  VENV/wger-run-PORT/peer.env    WGER_URL, WGER_TOKEN, WGER_USER, WGER_PASSWORD, WGER_PID,
#                                        WGER_ICAL_UID, WGER_ICAL_TOKEN
#         VENV/wger-run-PORT/server.log, server.pid, database.sqlite
#         VENV/wger-data/                secret key and the migrated template database, built once
# Environment: WGER_PYTHON (python3.11), WGER_USER (ci), WGER_PASSWORD (ci-password-123, at
#         least 8 characters), WGER_KEEP_DB=1 (keep this port's database from the last start
#         instead of a fresh copy), WGER_LOGIN_THROTTLE (1000/min; stock wger allows 3/min).
#         WGER_CONTRIBUTOR (1: the user may add exercises, wger's exercises.add_exercise; 0: not).
# Downloads from PyPI only: wger 2.1 and the versions pinned in wger-constraints.txt.
set -euo pipefail

usage="usage: start-wger.sh VENV PORT [stop]"
VENV=${1:?$usage}
PORT=${2:?$usage}
MODE=${3:-start}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${WGER_PYTHON:-python3.11}
export WGER_USER=${WGER_USER:-ci}
export WGER_PASSWORD=${WGER_PASSWORD:-ci-password-123}

mkdir -p "$VENV"
VENV=$(cd "$VENV" && pwd)
RUN="$VENV/wger-run-$PORT"
DATA="$VENV/wger-data"

say() { echo "[start-wger $(date +%H:%M:%S)] $*" >&2; }
clock() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(clock)" 'BEGIN { printf "%.1f s", b - a }'; }
answers() {  # answers SECONDS: the API of this port answers within that time
  "$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/api/v2/version/', timeout=$1)" 2>/dev/null
}

# Stop only a server this script started: the pid file's process must be our runserver.
stop_server() {
  local pid
  [ -f "$RUN/server.pid" ] || return 0
  pid=$(cat "$RUN/server.pid")
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "runserver 127.0.0.1:$PORT"; then
    say "stopping server pid $pid"
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$RUN/server.pid"
}

if [ "$MODE" = stop ]; then
  stop_server
  exit 0
fi
stop_server
if "$PYTHON" -c "import socket, sys; s = socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('127.0.0.1', $PORT)) != 0)"; then
  say "port $PORT on 127.0.0.1 is already taken by another process"
  exit 1
fi
started=$(clock)

# 1. wger 2.1 in its own virtual environment (once per VENV).
if ! "$VENV/bin/python" -c 'import sys, wger; sys.exit(not wger.get_version().startswith("2.1"))' 2>/dev/null; then
  t=$(clock)
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  say "installing wger 2.1 into $VENV (compiles reportlab: about a minute)"
  if ! "$VENV/bin/pip" install -q --disable-pip-version-check -c "$HERE/wger-constraints.txt" wger==2.1 \
      >"$VENV/wger-pip.log" 2>&1; then
    tail -30 "$VENV/wger-pip.log" >&2
    say "pip install failed"
    exit 1
  fi
  say "installed in $(took "$t")"
fi

# 2. Settings: wger_peer_settings.py beside this script, told where this run lives.
mkdir -p "$RUN/media" "$DATA"
[ -f "$DATA/secret_key" ] || "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(40))' >"$DATA/secret_key"
export PYTHONPATH="$HERE" DJANGO_SETTINGS_MODULE=wger_peer_settings
export WGER_PEER_RUN="$RUN" WGER_PEER_DATA="$DATA" WGER_PEER_PORT="$PORT"

# 3. A migrated database with wger's bundled data, built once per VENV and copied per run.
if [ ! -f "$DATA/template.sqlite" ]; then
  t=$(clock)
  say "building the template database (migrations and bundled data)"
  rm -f "$DATA/template.tmp.sqlite"
  WGER_DB="$DATA/template.tmp.sqlite" "$VENV/bin/python" "$HERE/wger_setup.py" template "$DATA" >&2
  mv "$DATA/template.tmp.sqlite" "$DATA/template.sqlite"
  say "template database built in $(took "$t")"
fi

# 4. This run's database and the test user.
t=$(clock)
if [ "${WGER_KEEP_DB:-0}" != 1 ] || [ ! -f "$RUN/database.sqlite" ]; then
  cp "$DATA/template.sqlite" "$RUN/database.sqlite"
fi
credentials=$("$VENV/bin/python" "$HERE/wger_setup.py" user)  # a failure here stops the script (set -e)
read -r TOKEN ICAL_UID ICAL_TOKEN <<<"$credentials"
say "user '$WGER_USER' and its token ready in $(took "$t")"

# 5. The server, on loopback only; ready once the API answers.
t=$(clock)
cd "$RUN"
nohup "$VENV/bin/python" -m django runserver "127.0.0.1:$PORT" --noreload </dev/null >"$RUN/server.log" 2>&1 &
PID=$!
echo "$PID" >"$RUN/server.pid"
for _ in $(seq 600); do
  if ! kill -0 "$PID" 2>/dev/null; then
    tail -20 "$RUN/server.log" >&2
    say "the server exited while starting"
    exit 1
  fi
  answers 1 && break
  sleep 0.1
done
sleep 0.2
if ! kill -0 "$PID" 2>/dev/null || ! answers 2; then
  tail -20 "$RUN/server.log" >&2
  say "the server did not come up"
  kill "$PID" 2>/dev/null || true
  exit 1
fi
say "server pid $PID answers on http://127.0.0.1:$PORT after $(took "$t") (all: $(took "$started"))"

cat >"$RUN/peer.env" <<ENV
WGER_URL=http://127.0.0.1:$PORT
WGER_TOKEN=$TOKEN
WGER_USER=$WGER_USER
WGER_PASSWORD=$WGER_PASSWORD
WGER_PID=$PID
WGER_ICAL_UID=$ICAL_UID
WGER_ICAL_TOKEN=$ICAL_TOKEN
ENV
echo "$TOKEN"
