#!/usr/bin/env bash
# A throw-away MariaDB server for the mysql extension's tests.
#   mariadb.sh start DIR   mariadb-install-db into DIR/data, start mariadbd on
#                          a Unix socket only (--skip-networking), create a
#                          test user with a random password
#   mariadb.sh stop DIR    SIGTERM to the PID in DIR/pid, then wait
# Nothing system-wide is touched: --no-defaults everywhere (no /etc/mysql),
# no service, no systemctl, no TCP port. The server runs as the `mysql` user.
set -euo pipefail
# shellcheck source=tools/servers/common.bash
source "$(dirname "$0")/common.bash"
command=${1:?usage: mariadb.sh start|stop DIR}
dir=${2:?usage: mariadb.sh start|stop DIR}
user=cback_test

socket_dir() { make_socket_dir cback-my; }

start() {
  command -v mariadb-install-db >/dev/null || { echo "mariadb.sh: mariadb-install-db not found (package mariadb-server)" >&2; exit 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local sockets socket password
  sockets=$(socket_dir)
  socket=$sockets/mysqld.sock
  mkdir -p "$dir/data"
  chown mysql:mysql "$dir" "$dir/data" "$sockets"
  mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" \
    --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1
  # setsid: the server leads its own session, so a ^C meant for the test
  # script does not reach it; it is stopped by PID.
  setsid /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$dir/data" \
    --socket="$socket" --skip-networking --pid-file="$dir/mariadbd.pid" \
    --log-error="$dir/server.log" --innodb-buffer-pool-size=16M \
    --innodb-log-file-size=8M --skip-log-bin </dev/null >/dev/null 2>&1 &
  echo $! >"$dir/pid"
  for _ in $(seq 1 300); do
    mariadb-admin --no-defaults --socket="$socket" -u root ping >/dev/null 2>&1 && break
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || { tail -20 "$dir/server.log" >&2; exit 1; }
    sleep 0.1
  done
  mariadb-admin --no-defaults --socket="$socket" -u root ping >/dev/null
  password=$(head -c 18 /dev/urandom | base64 | tr -d '+/=')
  mariadb --no-defaults --socket="$socket" -u root <<EOF
CREATE USER '$user'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO '$user'@'localhost' WITH GRANT OPTION;
EOF
  cat >"$dir/env" <<EOF
export CBACK_TEST_MYSQL_SOCKET=$socket
export CBACK_TEST_MYSQL_USER=$user
export CBACK_TEST_MYSQL_PASSWORD=$password
EOF
}

stop() {
  stop_by_pid TERM
  remove_socket_dir cback-my
}

case $command in
start) start ;;
stop) stop ;;
*) echo "usage: mariadb.sh start|stop DIR" >&2; exit 2 ;;
esac
