#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK, each thing checked on its own: Debian's Chromium and its driver
# for the browser tests (web chat, report.html) with a CJK font for their screenshots, python3 with scikit-learn,
# the oracle of the classification-report test, python3 with PyTorch (and the threaded OpenBLAS it runs on best),
# the from-scratch RoBERTa the tiny RoBERTa encoder is compared with, python3 with sentencepiece, which makes the
# nmt_nfkc map of the Precompiled normalizer test, and PostgreSQL and Redis for the store tests (the PostgreSQL event
# store, the Redis lock store, several replicas), and Prometheus's promtool, which checks and unit-tests the alert rules
# of deploy/prometheus (tests/Kefu.Tests/Deploy/PromtoolTests.cs). Then starts PostgreSQL and Redis for the tests on ports of their
# own, so that a database already running on the default ports is never touched:
#   PostgreSQL on 127.0.0.1:${KEFU_TEST_PG_PORT:-5433}, user kefu (not a superuser; may create databases, as the
#              replica test does), password kefu, database kefu_test
#   Redis      on 127.0.0.1:${KEFU_TEST_REDIS_PORT:-6380}, no password
# The tests read KEFU_TEST_POSTGRES (an Npgsql connection string) and KEFU_TEST_REDIS (host:port) with these as
# defaults. Idempotent: installs only what is missing and starts only what is not answering.
set -euo pipefail
pg_port=${KEFU_TEST_PG_PORT:-5433}
redis_port=${KEFU_TEST_REDIS_PORT:-6380}
state=${KEFU_TEST_SERVICES_DIR:-/var/tmp/kefu-test-services}

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
# Debian's package installs for /usr/bin/python3; the test also tries python3 on PATH first.
/usr/bin/python3 -c "import sklearn" 2>/dev/null || missing+=(python3-sklearn)
/usr/bin/python3 -c "import torch" 2>/dev/null || missing+=(python3-torch)
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || missing+=(libopenblas0-pthread)
/usr/bin/python3 -c "import sentencepiece" 2>/dev/null || missing+=(python3-sentencepiece)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v promtool >/dev/null || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "ci-deps: missing ${missing[*]} and not root; the tests that need them will skip" >&2
  else
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # policy-rc.d may refuse to start the packages' own services (no init here): the services below are started by hand.
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

start_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$bin" ] || { echo "ci-deps: PostgreSQL is not installed; the PostgreSQL tests will skip" >&2; return; }
  # PostgreSQL refuses to run as root: the cluster belongs to the postgres user the Debian package creates.
  local run=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "ci-deps: no postgres user; the PostgreSQL tests will skip" >&2; return; }
    run=(runuser -u postgres --)
  fi
  local data="$state/postgres"
  if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; then
    mkdir -p "$state"
    if [ ! -s "$data/PG_VERSION" ]; then
      mkdir -p "$data"
      [ "$(id -u)" = 0 ] && chown postgres: "$data"
      # Test-only cluster bound to 127.0.0.1: trust is enough there and keeps the set-up free of password files.
      "${run[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    "${run[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
      -o "-p $pg_port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
    echo "ci-deps: PostgreSQL for the tests on 127.0.0.1:$pg_port (data in $data)" >&2
  fi
  # The kefu role may create databases (the replica test makes one of its own), nothing more.
  "${run[@]}" "$bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 <<'SQL'
SELECT 'CREATE ROLE kefu LOGIN CREATEDB PASSWORD ''kefu''' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kefu')\gexec
SELECT 'ALTER ROLE kefu CREATEDB' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kefu' AND rolcreatedb)\gexec
SELECT 'CREATE DATABASE kefu_test OWNER kefu' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'kefu_test')\gexec
SQL
}

start_redis() {
  command -v redis-server >/dev/null || { echo "ci-deps: Redis is not installed; the Redis tests will skip" >&2; return; }
  if redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then return; fi
  mkdir -p "$state/redis"
  # In memory only: the tests' locks need no snapshot.
  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --save '' --appendonly no \
    --dir "$state/redis" --logfile "$state/redis/server.log" --pidfile "$state/redis/redis.pid"
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "ci-deps: Redis for the tests on 127.0.0.1:$redis_port" >&2
}

# A service that cannot start leaves its tests to skip (saying why); the other tests still run.
start_postgres || echo "ci-deps: PostgreSQL did not start; the PostgreSQL tests will skip" >&2
start_redis || echo "ci-deps: Redis did not start; the Redis tests will skip" >&2

# The npm socket.io-client and the rasa-webchat bundle for the socketio channel's end-to-end and browser tests (outside git, under ~/.cache).
"$(dirname "$0")/socketio-client.sh" || echo "ci-deps: socket.io-client was not installed; its tests will skip" >&2
