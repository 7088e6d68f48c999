#!/usr/bin/env bash
# Run the whole check with real services: a throwaway Redis when REDIS_URL is unset, a
# throwaway PostgreSQL cluster when TEST_DATABASE_URL is unset (as root), Debian's Chromium
# for the browser tests and nginx for the serving tests, then ruff, the content check and
# pytest (the resilience suite in tests/resilience/ included).
# Arguments are passed to pytest (e.g. one test file). Whatever this script starts, it stops,
# even when a step fails.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
STARTED_REDIS_PID=""
STARTED_PG_DIR=""
PG_BIN=/usr/lib/postgresql/15/bin
WORKDIR=$(mktemp -d -t insideflask-test.XXXXXX)
# The throwaway PostgreSQL cluster runs as the postgres user, inside this directory.
chmod 755 "$WORKDIR"

say() { printf '==> %s\n' "$*"; }

cleanup() {
  if [ -n "$STARTED_REDIS_PID" ]; then
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$STARTED_REDIS_PID" 2>/dev/null
    say "stopped the throwaway redis-server on port $REDIS_PORT"
  fi
  if [ -n "$STARTED_PG_DIR" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$STARTED_PG_DIR" -m immediate -w stop >/dev/null 2>&1
    say "stopped the throwaway PostgreSQL cluster on port $PG_PORT"
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

pg_reachable() {
  # True when TEST_DATABASE_URL names a PostgreSQL server that accepts connections.
  "$BIN/python" - "$1" <<'PY' >/dev/null 2>&1
import sys
import sqlalchemy as sa
engine = sa.create_engine(sys.argv[1], connect_args={"connect_timeout": 3})
with engine.connect() as conn:
    conn.execute(sa.text("SELECT 1"))
PY
}

start_postgres() {
  # The storage and resilience tests also run on PostgreSQL; they must never silently vanish.
  if [ -n "${TEST_DATABASE_URL:-}" ] && pg_reachable "$TEST_DATABASE_URL"; then
    say "using the PostgreSQL server at TEST_DATABASE_URL"
    return 0
  fi
  if is_root && [ ! -x "$PG_BIN/initdb" ]; then
    # Debian's server package brings initdb/pg_ctl and the postgres user; no service is used.
    apt_install postgresql-15 || apt_install postgresql || true
    [ -x "$PG_BIN/initdb" ] || PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi
  if ! is_root || [ ! -x "$PG_BIN/initdb" ] || ! id postgres >/dev/null 2>&1; then
    if [ "${CI:-}" = "true" ]; then
      echo "error: no PostgreSQL reachable and none can be started (needs root and $PG_BIN)" >&2
      return 1
    fi
    echo "warning: no PostgreSQL; the storage and resilience tests run on SQLite only" >&2
    unset TEST_DATABASE_URL
    return 0
  fi
  PG_PORT=$(free_port)
  STARTED_PG_DIR="$WORKDIR/pg"
  mkdir -p "$STARTED_PG_DIR" && chown postgres "$STARTED_PG_DIR"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$STARTED_PG_DIR" -U postgres --auth=trust -E UTF8 >/dev/null || return 1
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$STARTED_PG_DIR" -l "$STARTED_PG_DIR/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $STARTED_PG_DIR -c fsync=off -c max_connections=200" \
    -w start >/dev/null || return 1
  export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
  say "started a throwaway PostgreSQL cluster on 127.0.0.1:$PG_PORT"
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  apt_install chromium || { echo "warning: no Chromium; browser tests cannot run" >&2; return 1; }
}

start_redis || { echo "error: could not start Redis" >&2; exit 1; }
# The resilience suite starts (and stops) redis-servers of its own.
command -v redis-server >/dev/null 2>&1 || apt_install redis-server || exit 1
start_postgres || exit 1
ensure_chromium || [ "${CI:-}" != "true" ] || exit 1
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] \
  || apt_install nginx libnginx-mod-http-brotli-static libnginx-mod-http-brotli-filter \
  || apt_install nginx || [ "${CI:-}" != "true" ] || exit 1

if [ "${1:-}" = "--bench" ]; then
  command -v wrk >/dev/null 2>&1 || apt_install wrk || exit 1
  "$BIN/python" bench/run.py
  exit $?
fi

# The suite starts many Python processes (two test workers, each gunicorn and CLI subprocess):
# let them share compiled bytecode (git-ignored __pycache__). With PYTHONDONTWRITEBYTECODE set,
# each one compiled the app and the tests again: collecting took 8.7 s per worker instead of 4.7 s.
unset PYTHONDONTWRITEBYTECODE

status=0
say "ruff check";          "$BIN/ruff" check . || status=1
say "ruff format --check"; "$BIN/ruff" format --check . || status=1
say "content check";       "$BIN/python" manage.py content check || status=1
say "pytest"
started=$(date +%s)
# Test files run in parallel, one worker per core (2 to 4); with two cores the run keeps them
# ~85 % busy, Chromium's processes taking nearly half of that. A file's tests stay on one worker,
# so its module-wide servers start once. PYTEST_WORKERS=0 runs them in order.
workers=${PYTEST_WORKERS:-$(nproc 2>/dev/null || echo 2)}
[ "$workers" -gt 4 ] && workers=4
[ "$workers" -ne 0 ] && [ "$workers" -lt 2 ] && workers=2
parallel=()
[ "$workers" -ne 0 ] && parallel=(-n "$workers" --dist loadfile)
"$BIN/python" -m pytest "${parallel[@]}" "$@"
rc=$?
say "pytest took $(( $(date +%s) - started )) s"
case $rc in
  0) ;;
  5) echo "error: pytest collected no tests; that is a broken suite, not a pass" >&2; status=1 ;;
  *) status=1 ;;
esac
exit $status
