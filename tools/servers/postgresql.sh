#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for the postgresql extension's tests.
#   postgresql.sh start DIR   initdb into DIR/data, start it (Unix socket only)
#   postgresql.sh stop DIR    fast shutdown by the PID in DIR/pid, then wait
# Runs as the `postgres` user (the server refuses root); nothing system-wide
# is touched: no service, no systemctl, no /var/lib/postgresql, no TCP port.
# Authentication is `trust` on the private socket: the extension relies on
# the server's usual authentication, and only this test cluster uses it.
set -euo pipefail
# shellcheck source=tools/servers/common.bash
source "$(dirname "$0")/common.bash"
command=${1:?usage: postgresql.sh start|stop DIR}
dir=${2:?usage: postgresql.sh start|stop DIR}
bin=/usr/lib/postgresql/15/bin
port=5432 # the socket is private, so the default port cannot clash

socket_dir() { make_socket_dir cback-pg; }

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
  # SIGINT is PostgreSQL's fast shutdown: clients are disconnected.
  stop_by_pid INT
  remove_socket_dir cback-pg
}

case $command in
start) start ;;
stop) stop ;;
*) echo "usage: postgresql.sh start|stop DIR" >&2; exit 2 ;;
esac
