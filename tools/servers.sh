#!/usr/bin/env bash
# Starts or stops the real servers the integration tests talk to.
#   tools/servers.sh start STATE_DIR   start every part, write STATE_DIR/env
#   tools/servers.sh stop STATE_DIR    stop every part started there (by PID)
# Each part is tools/servers/NAME.sh, called as `NAME.sh start|stop DIR`
# with DIR = STATE_DIR/NAME. `start` leaves its server running, its PID in
# DIR/pid, and the variables tests read (CBACK_TEST_*) as `export` lines in
# DIR/env. A part that cannot start is a failure under CI=true; otherwise a
# warning, and the tests that need it say that they skipped.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command=${1:?usage: servers.sh start|stop STATE_DIR}
state=${2:?usage: servers.sh start|stop STATE_DIR}

case $command in
start)
  mkdir -p "$state"
  : >"$state/env"
  status=0
  for part in "$here"/servers/*.sh; do
    [ -e "$part" ] || continue
    name=$(basename "$part" .sh)
    dir=$state/$name
    rm -rf "$dir" && mkdir -p "$dir"
    started_at=$(date +%s.%N)
    if bash "$part" start "$dir" >"$dir/start.log" 2>&1 && [ -f "$dir/env" ]; then
      cat "$dir/env" >>"$state/env"
      echo "servers: $name started in $(awk -v a="$started_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
    else
      echo "servers: $name could not start; its log:" >&2
      tail -30 "$dir/start.log" >&2
      if [ "${CI:-}" = true ]; then status=1; fi
    fi
  done
  exit $status
  ;;
stop)
  for part in "$here"/servers/*.sh; do
    [ -e "$part" ] || continue
    name=$(basename "$part" .sh)
    [ -d "$state/$name" ] && bash "$part" stop "$state/$name" || true
  done
  ;;
*)
  echo "usage: servers.sh start|stop STATE_DIR" >&2
  exit 2
  ;;
esac
