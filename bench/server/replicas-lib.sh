# Sourced by replicas.sh and replica-kill-test.sh: a trained copy of a bot project whose endpoints.yml names PostgreSQL
# and Redis (the ones scripts/ci-deps.sh starts, unless KEFU_BENCH_PG_* / KEFU_BENCH_REDIS_* say otherwise), replicas of
# `kefu serve` on it, and nginx (Debian package nginx-light) round-robin in front of them.
# Needs: $workdir set and cleaned up by the caller; kefu built in Release.
kefu_dll=src/Kefu.Cli/bin/Release/net10.0/Kefu.Cli.dll
pg_host=${KEFU_BENCH_PG_HOST:-127.0.0.1} pg_port=${KEFU_BENCH_PG_PORT:-5433} pg_user=${KEFU_BENCH_PG_USER:-kefu}
export KEFU_BENCH_PG_PASSWORD=${KEFU_BENCH_PG_PASSWORD:-kefu}
redis_host=${KEFU_BENCH_REDIS_HOST:-127.0.0.1} redis_port=${KEFU_BENCH_REDIS_PORT:-6380}
replica_pids=() nginx_pid=""

# prepare_project SAMPLE STORES(sqlite|postgres|shared) DATABASE: copies and trains the sample into $workdir/bot;
# postgres: the tracker store only (one server, in-process locks); shared: PostgreSQL and the Redis lock store.
prepare_project() {
  local sample=$1 stores=$2 database=$3
  rm -rf "$workdir/bot"
  cp -r "samples/$sample" "$workdir/bot"
  rm -rf "$workdir/bot/.kefu" "$workdir/bot/models"
  if [[ $stores != sqlite ]]; then
    PGPASSWORD=$KEFU_BENCH_PG_PASSWORD psql -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres \
      -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database"
    cat >>"$workdir/bot/endpoints.yml" <<YAML

tracker_store:
  type: sql
  dialect: postgresql
  url: $pg_host
  port: $pg_port
  db: $database
  username: $pg_user
  password: \${KEFU_BENCH_PG_PASSWORD}
YAML
  fi
  if [[ $stores == shared ]]; then
    cat >>"$workdir/bot/endpoints.yml" <<YAML
lock_store:
  type: redis
  url: $redis_host
  port: $redis_port
  db: 0
  key_prefix: $database
YAML
  fi
  dotnet "$kefu_dll" train --project "$workdir/bot" >"$workdir/train.log" 2>&1
}

# start_replica PORT: one `kefu serve` on the project, in the background; waits until /readyz answers 200.
start_replica() {
  local port=$1
  dotnet "$kefu_dll" serve --project "$workdir/bot" --port "$port" >>"$workdir/serve-$port.log" 2>&1 &
  replica_pids[$port]=$!
  for _ in $(seq 1 1200); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" == 200 ]] && return 0
    kill -0 "${replica_pids[$port]}" 2>/dev/null || { cat "$workdir/serve-$port.log" >&2; echo "replica on $port exited" >&2; exit 1; }
    sleep 0.05
  done
  echo "replica on $port never became ready" >&2; exit 1
}

# start_nginx PORT REPLICA_PORT...: round-robin; a replica that refuses connections is skipped (proxy_next_upstream
# error); a POST that reached a replica is never sent to another (nginx's default for non-idempotent requests).
start_nginx() {
  local port=$1; shift
  mkdir -p "$workdir/nginx"
  {
    echo "worker_processes 1; error_log $workdir/nginx/error.log; pid $workdir/nginx/nginx.pid;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off; client_body_temp_path $workdir/nginx; proxy_temp_path $workdir/nginx;"
    echo "  upstream kefu { $(for p in "$@"; do printf 'server 127.0.0.1:%s max_fails=1 fail_timeout=2s; ' "$p"; done) keepalive 128; }"
    echo "  server { listen 127.0.0.1:$port; location / { proxy_pass http://kefu; proxy_http_version 1.1;"
    echo "    proxy_set_header Connection \"\"; proxy_set_header Host 127.0.0.1; proxy_read_timeout 60s; } } }"
  } >"$workdir/nginx/nginx.conf"
  nginx -p "$workdir/nginx" -c "$workdir/nginx/nginx.conf" -g 'daemon off;' &
  nginx_pid=$!
  sleep 0.5
}

stop_all() {
  for pid in "${replica_pids[@]}" $nginx_pid; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  replica_pids=() nginx_pid=""
}
