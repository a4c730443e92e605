#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for the postgresql extension's tests.
#   postgresql.sh start DIR   initdb into DIR/data, start it (Unix socket only)
#   postgresql.sh stop DIR    fast shutdown by the PID in DIR/pid, then wait
# Runs as the `postgres` user (the server refuses root); nothing system-wide
# is touched: no service, no systemctl, no /var/lib/postgresql, no TCP port.
# Authentication is `trust` on the private socket: the extension relies on
# the server's usual authentication, and only this test cluster uses it.
set -euo pipefail
command=${1:?usage: postgresql.sh start|stop DIR}
dir=${2:?usage: postgresql.sh start|stop DIR}
bin=/usr/lib/postgresql/15/bin
port=5432 # the socket is private, so the default port cannot clash

# A Unix socket path holds at most 107 bytes: a deep DIR gets its socket in
# a short private directory under /tmp, remembered in DIR/socket_dir.
socket_dir() {
  local sockets=$dir/run
  if [ ${#sockets} -gt 80 ]; then sockets=$(mktemp -d /tmp/cback-pg.XXXXXX); fi
  mkdir -p "$sockets"
  printf '%s\n' "$sockets" >"$dir/socket_dir"
  printf '%s\n' "$sockets"
}

start() {
  [ -x "$bin/initdb" ] || { echo "postgresql.sh: $bin/initdb not found (package postgresql-15)" >&2; exit 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local sockets
  sockets=$(socket_dir)
  mkdir -p "$dir/data"
  chown postgres:postgres "$dir" "$dir/data" "$sockets"
  chmod 700 "$dir/data"
  runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $sockets -c listen_addresses= -p $port -c fsync=off" start >/dev/null
  head -1 "$dir/data/postmaster.pid" >"$dir/pid"
  runuser -u postgres -- "$bin/pg_isready" -h "$sockets" -p "$port" -t 30 >/dev/null
  cat >"$dir/env" <<EOF
export CBACK_TEST_PG_HOST=$sockets
export CBACK_TEST_PG_PORT=$port
export CBACK_TEST_PG_USER=postgres
EOF
}

stop() {
  if [ -f "$dir/pid" ]; then
    local pid
    pid=$(cat "$dir/pid")
    # SIGINT is PostgreSQL's fast shutdown: clients are disconnected.
    if kill -INT "$pid" 2>/dev/null; then
      for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$dir/pid"
  fi
  if [ -f "$dir/socket_dir" ]; then
    case $(cat "$dir/socket_dir") in /tmp/cback-pg.*) rm -rf "$(cat "$dir/socket_dir")" ;; esac
  fi
}

case $command in
start) start ;;
stop) stop ;;
*) echo "usage: postgresql.sh start|stop DIR" >&2; exit 2 ;;
esac
