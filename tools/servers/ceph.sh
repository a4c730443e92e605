#!/usr/bin/env bash
# A one-node Ceph cluster with its S3 gateway (radosgw) for the amazons3 tests.
#   ceph.sh start DIR           a monitor, one in-memory OSD and radosgw on
#                               127.0.0.1, an S3 user; writes DIR/*.pid, DIR/env
#   ceph.sh stop DIR            stops radosgw, then the OSD, then the monitor
#   ceph.sh start-gateway DIR [fault]   starts a gateway: the one start made
#                               (again, on its port), or the second one,
#                               "fault", that no test shares with another
#   ceph.sh stop-gateway DIR [fault]    stops it (the tests' gateway fault)
# Every daemon runs in the foreground (-f) as a child started here, its PID
# in DIR/NAME.pid, and is stopped by that PID. Every file (configuration,
# keys, data, logs, sockets) is under DIR: no service, no /etc/ceph, no
# /var/log/ceph. The OSD keeps its objects in memory (memstore).
set -euo pipefail
# shellcheck source=tools/servers/common.bash
source "$(dirname "$0")/common.bash"
command=${1:?usage: ceph.sh start|stop|stop-gateway|start-gateway DIR}
dir=${2:?usage: ceph.sh start|stop|stop-gateway|start-gateway DIR}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

write_config() { # $1 = monitor port, $2 = gateway port, $3 = first messenger port, $4 = fault gateway port
  cat >"$dir/ceph.conf" <<EOF
[global]
fsid = $(cat "$dir/fsid")
mon host = v2:127.0.0.1:$1
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
ms bind port min = $3
ms bind port max = $(($3 + 99))
keyring = $dir/keyring
run dir = $sockets
admin socket = $sockets/\$name.asok
pid file = $dir/\$name.daemon-pid
log file = $dir/log/\$name.log
mon cluster log file = $dir/log/cluster.log
auth allow insecure global id reclaim = false
osd objectstore = memstore
memstore device bytes = 4294967296
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
# radosgw creates its pools one by one at its first start, each waiting for
# a proposal of the monitor: the default interval (1 s) makes that seconds.
paxos propose interval = 0.01
[mon.a]
mon data = $dir/mon
[osd.0]
osd data = $dir/osd
[client.rgw.x]
rgw frontends = beast endpoint=127.0.0.1:$2
rgw data = $dir/rgw
[client.rgw.fault]
rgw frontends = beast endpoint=127.0.0.1:$4
rgw data = $dir/rgw-fault
EOF
}

# start_daemon NAME COMMAND...: runs COMMAND in the background in its own
# session (a signal to the caller's process group does not reach it); its
# PID goes to DIR/NAME.pid.
start_daemon() {
  local name=$1
  shift
  setsid "$@" </dev/null >>"$dir/log/$name.out" 2>&1 &
  echo $! >"$dir/$name.pid"
}

# stop_daemon NAME: SIGTERM, up to 30 s, then SIGKILL.
stop_daemon() {
  local name=$1 pid
  [ -f "$dir/$name.pid" ] || return 0
  pid=$(cat "$dir/$name.pid")
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$dir/$name.pid"
}

# wait_for WHAT TRIES COMMAND...: retries COMMAND every 0.1 s.
wait_for() {
  local what=$1 tries=$2
  shift 2
  for _ in $(seq 1 "$tries"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "ceph.sh: $what did not happen" >&2
  return 1
}

ceph_cli() { ceph --conf "$dir/ceph.conf" --connect-timeout 10 "$@"; }
osd_up() { ceph_cli osd stat | grep -q '1 up'; }
gateway_answers() { # $1 = port
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/")" = 200 ]
}

# The PID file's name of the gateway "" (the one start made) or "fault".
pid_name() { if [ "${1:-}" = fault ]; then echo rgw-fault; else echo rgw; fi; }

start_gateway() { # $1 = "" or fault
  local name=${1:-x} port
  port=$(cat "$dir/gateway_port")
  if [ "$name" = fault ]; then port=$(cat "$dir/fault_gateway_port"); fi
  mkdir -p "$dir/rgw-fault"
  start_daemon "$(pid_name "$name")" radosgw -f --conf "$dir/ceph.conf" --name "client.rgw.$name"
  wait_for "radosgw answering" 300 gateway_answers "$port"
}

start() {
  local program
  for program in ceph-mon ceph-osd radosgw ceph ceph-authtool monmaptool radosgw-admin curl; do
    command -v "$program" >/dev/null || {
      echo "ceph.sh: $program not found (packages ceph-mon ceph-osd radosgw ceph-common curl)" >&2
      exit 1
    }
  done
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  chmod 700 "$dir"
  mkdir -p "$dir/log" "$dir/mon" "$dir/osd" "$dir/rgw"
  sockets=$(make_socket_dir cback-ceph)
  uuidgen >"$dir/fsid"
  local mon_port gateway_port fault_gateway_port
  mon_port=$(free_port)
  gateway_port=$(free_port)
  fault_gateway_port=$(free_port)
  echo "$gateway_port" >"$dir/gateway_port"
  echo "$fault_gateway_port" >"$dir/fault_gateway_port"
  write_config "$mon_port" "$gateway_port" $((20000 + RANDOM % 20000)) "$fault_gateway_port"

  local keyring=$dir/keyring
  ceph-authtool --create-keyring "$keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
    --cap mgr 'allow *' >/dev/null
  ceph-authtool "$keyring" --gen-key -n osd.0 --cap mon 'allow profile osd' \
    --cap osd 'allow *' >/dev/null
  local gateway
  for gateway in x fault; do
    ceph-authtool "$keyring" --gen-key -n "client.rgw.$gateway" --cap mon 'allow rw' \
      --cap osd 'allow rwx' >/dev/null
  done
  monmaptool --create --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$(cat "$dir/fsid")" \
    "$dir/monmap" >/dev/null
  ceph-mon --conf "$dir/ceph.conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$keyring"
  start_daemon mon ceph-mon -f --conf "$dir/ceph.conf" -i a
  cp "$dir/mon.pid" "$dir/pid"

  local osd_uuid
  osd_uuid=$(uuidgen)
  ceph_cli osd new "$osd_uuid" 0 >/dev/null
  ceph-osd --conf "$dir/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >>"$dir/log/osd-mkfs.out" 2>&1
  start_daemon osd ceph-osd -f --conf "$dir/ceph.conf" -i 0
  # radosgw's first requests stall for seconds when it starts before the OSD is up.
  wait_for "the OSD coming up" 600 osd_up
  start_gateway

  local access secret
  access=cback$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
  secret=$(head -c 30 /dev/urandom | base64 | tr -d '/+=\n')
  radosgw-admin --conf "$dir/ceph.conf" --name client.admin user create --uid cback-test \
    --display-name "cback tests" --access-key "$access" --secret-key "$secret" >/dev/null
  cat >"$dir/env" <<EOF
export CBACK_TEST_S3_ENDPOINT=http://127.0.0.1:$gateway_port
export CBACK_TEST_S3_FAULT_ENDPOINT=http://127.0.0.1:$fault_gateway_port
export CBACK_TEST_S3_ACCESS_KEY=$access
export CBACK_TEST_S3_SECRET_KEY=$secret
export CBACK_TEST_S3_REGION=us-east-1
export CBACK_TEST_S3_CONTROL=$(cd "$(dirname "$0")" && pwd)/ceph.sh
export CBACK_TEST_S3_DIR=$dir
EOF
  echo "ceph: monitor 127.0.0.1:$mon_port, S3 gateway http://127.0.0.1:$gateway_port"
}

stop() {
  # radosgw hangs in its shutdown when the OSD goes first.
  stop_daemon rgw-fault
  stop_daemon rgw
  stop_daemon osd
  stop_daemon mon
  rm -f "$dir/pid"
  remove_socket_dir cback-ceph
}

case $command in
start) start ;;
stop) stop ;;
stop-gateway) stop_daemon "$(pid_name "${3:-}")" ;;
start-gateway) start_gateway "${3:-}" ;;
*) echo "usage: ceph.sh start|stop|stop-gateway|start-gateway DIR [fault]" >&2; exit 2 ;;
esac
