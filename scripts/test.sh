#!/usr/bin/env bash
# Run the whole check with real services: a throwaway Redis when REDIS_URL is unset,
# Debian's Chromium for the browser tests, then ruff, the content check and pytest.
# Whatever this script starts, it stops, even when a step fails.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
STARTED_REDIS_PID=""
WORKDIR=$(mktemp -d -t insideflask-test.XXXXXX)

say() { printf '==> %s\n' "$*"; }

cleanup() {
  if [ -n "$STARTED_REDIS_PID" ]; then
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$STARTED_REDIS_PID" 2>/dev/null
    say "stopped the throwaway redis-server on port $REDIS_PORT"
  fi
  rm -rf "$WORKDIR"
}
trap cleanup EXIT

is_root() { [ "$(id -u)" = "0" ]; }

apt_install() {
  # Install Debian packages when we may; say clearly what to do when we may not.
  if ! is_root; then
    echo "error: $1 is missing; install it with: sudo apt-get install -y $*" >&2
    return 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && APT_UPDATED=1
  fi
  say "installing Debian package(s): $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

free_port() {
  # A free loopback port below the ephemeral range (32768+), where TIME-WAIT
  # sockets left by load tests cannot block the bind.
  "$BIN/python" - <<'PY'
import random, socket
for _ in range(200):
    port = random.randint(20000, 32000)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
PY
}

start_redis() {
  if [ -n "${REDIS_URL:-}" ]; then
    say "using the Redis server at REDIS_URL"
    return 0
  fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server || return 1
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$WORKDIR/redis.pid" --dir "$WORKDIR" \
    --logfile "$WORKDIR/redis.log" >/dev/null || return 1
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  STARTED_REDIS_PID=$(cat "$WORKDIR/redis.pid" 2>/dev/null)
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  say "started a throwaway redis-server on 127.0.0.1:$REDIS_PORT"
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  apt_install chromium || { echo "warning: no Chromium; browser tests cannot run" >&2; return 1; }
}

start_redis || { echo "error: could not start Redis" >&2; exit 1; }
ensure_chromium || [ "${CI:-}" != "true" ] || exit 1

if [ "${1:-}" = "--bench" ]; then
  command -v wrk >/dev/null 2>&1 || apt_install wrk || exit 1
  "$BIN/python" bench/run.py
  exit $?
fi

status=0
say "ruff check";          "$BIN/ruff" check . || status=1
say "ruff format --check"; "$BIN/ruff" format --check . || status=1
say "content check";       "$BIN/python" manage.py content check || status=1
say "pytest"
"$BIN/python" -m pytest
rc=$?
case $rc in
  0) ;;
  5) echo "error: pytest collected no tests; that is a broken suite, not a pass" >&2; status=1 ;;
  *) status=1 ;;
esac
exit $status
