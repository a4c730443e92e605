#!/usr/bin/env bash
# The stage benchmark: cback stage (SFTP, every peer at once) against 8
# parallel scp copies and the original's sequential `cback3 stage`, on 8
# peer names served by one loopback sshd; then one slow link (20 Mbit/s,
# 40 ms RTT, 0.1 % loss) in a network namespace: cback against scp.
# Results are ratios; docs/performance.md explains the rows and targets.
#
#   sudo bash bench/stage.sh        (root: network namespaces, su in cback3)
#
# Environment:
#   BENCH_PEER_MB=128    data per peer (MB = 2^20 bytes): one big archive
#                        and eight 1 MB files
#   BENCH_SLOW_MB=48     data sent over the slow link
#   BENCH_SKIP_BUILD=1   use build/bench as it is
#   BENCH_SKIP_CBACK3=1  leave out the cback3 row
#   BENCH_SKIP_SLOW=1    leave out the slow-link rows
#   BENCH_REPEAT=3       runs of each cback and scp row, interleaved; the
#                        fastest counts (the machine is shared and noisy)
#
# The page cache stays warm (the data is read once before each row): the
# rows compare transports, not disks. Exits non-zero only when something
# failed to run, never because of a ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=bench/lib.sh
source bench/lib.sh

peer_mb=${BENCH_PEER_MB:-128}
slow_mb=${BENCH_SLOW_MB:-48}
peers=8
repeat=${BENCH_REPEAT:-3}
build_dir=$root/build/bench
cback=$build_dir/cback
today=$(date +%F)
results=$root/bench/results
logs=$results/logs-$today
work=$root/bench/corpus/stage
table=$results/stage-$today.md
netns=cback-bench
sshd_pid=
slow_sshd_pid=
proxy_pid=

cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  [ -n "$slow_sshd_pid" ] && kill "$slow_sshd_pid" 2>/dev/null || true
  [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null || true
  ip link del cbb0 2>/dev/null || true
  ip netns del "$netns" 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$results" "$logs"
rm -rf "$work"
mkdir -p "$work"

check_tools() {
  step "tools"
  local missing=() tool
  for tool in scp ssh ssh-keygen python3 cmake ninja ip tc; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  [ -x /usr/sbin/sshd ] || missing+=("/usr/sbin/sshd (openssh-server)")
  [ -x /usr/bin/time ] || missing+=("/usr/bin/time (Debian package time)")
  if [ ${#missing[@]} -gt 0 ]; then
    say "missing: ${missing[*]}; run: sudo bash tools/install-deps.sh"
    exit 1
  fi
  have_cback3=1
  if ! command -v cback3 >/dev/null || [ "${BENCH_SKIP_CBACK3:-0}" = 1 ]; then
    have_cback3=0
    say "cback3 row left out"
  fi
  say "$(ssh -V 2>&1); cores: $(nproc)"
}

build() {
  build_release "$build_dir" "$logs/build.log" cback "$cback"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# sshd_config LISTEN... : a throw-away sshd on the given addresses.
write_sshd_config() {
  local config=$1 port=$2; shift 2
  {
    local address
    for address in "$@"; do echo "ListenAddress $address"; done
    cat <<EOF
Port $port
HostKey $work/keys/host_ed25519
PidFile none
AuthorizedKeysFile $work/keys/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
MaxStartups 100:30:200
MaxSessions 100
Subsystem sftp internal-sftp
EOF
  } >"$config"
}

wait_sshd() { # host port
  local attempt
  for attempt in $(seq 1 50); do
    ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i "$work/keys/client_ed25519" \
      -o UserKnownHostsFile="$work/keys/known_hosts" -o StrictHostKeyChecking=yes \
      -o ConnectTimeout=2 -p "$2" "root@$1" true 2>/dev/null && return 0
    sleep 0.1
  done
  say "sshd on $1:$2 did not come up"
  exit 1
}

start_sshd() {
  step "sshd on 127.0.0.1-$peers"
  mkdir -p "$work/keys" /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$work/keys/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -f "$work/keys/client_ed25519"
  cp "$work/keys/client_ed25519.pub" "$work/keys/authorized_keys"
  port=$(free_port)
  local addresses=() i host_key
  host_key=$(cut -d' ' -f1,2 "$work/keys/host_ed25519.pub")
  : >"$work/keys/known_hosts"
  for i in $(seq 1 "$peers"); do
    addresses+=("127.0.0.$i")
    echo "[127.0.0.$i]:$port $host_key" >>"$work/keys/known_hosts"
  done
  write_sshd_config "$work/sshd_config" "$port" "${addresses[@]}"
  /usr/sbin/sshd -D -f "$work/sshd_config" -E "$logs/sshd.log" &
  sshd_pid=$!
  wait_sshd 127.0.0.1 "$port"
  scp_options=(-q -B -P "$port" -i "$work/keys/client_ed25519" -o IdentitiesOnly=yes
    -o UserKnownHostsFile="$work/keys/known_hosts" -o StrictHostKeyChecking=yes)
  say "port $port"
}

make_peers() {
  step "data: $peers peers of $peer_mb MB"
  local i
  for i in $(seq 1 "$peers"); do
    mkdir -p "$work/peers/p$i"
    head -c $(((peer_mb - 8) * 1048576)) /dev/urandom >"$work/peers/p$i/big-$i.tar.zst"
    for small in 1 2 3 4 5 6 7 8; do
      head -c 1048576 /dev/urandom >"$work/peers/p$i/small-$small.gz"
    done
    : >"$work/peers/p$i/cback.collect"
  done
  total_bytes=$(bytes_in "$work/peers")
  say "$(mb "$total_bytes") MB in all"
}

# cback_config FILE STAGING HOST_PREFIX PORT KNOWN_HOSTS [STAGE KEYS] : peers p1..p$peers.
write_cback_config() {
  local file=$1 staging=$2 count=$3 port=$4 known_hosts=$5 extra=${6:-} i
  {
    cat <<EOF
[options]
starting_day = "monday"
working_dir = '$work/cback-work'
backup_user = "root"
backup_group = "root"
rcp_command = "/usr/bin/scp -B"

[stage]
staging_dir = '$staging'
$extra
EOF
    for i in $(seq 1 "$count"); do
      cat <<EOF
[[stage.peer]]
name = "p$i"
type = "remote"
collect_dir = '$work/peers/p$i'
host = "${hosts[$i]}"
port = $port
identity_file = '$work/keys/client_ed25519'
known_hosts_file = '$known_hosts'
EOF
    done
  } >"$file"
  mkdir -p "$work/cback-work"
}

write_cback3_config() {
  local file=$1 staging=$2 i
  {
    cat <<EOF
<?xml version="1.0"?>
<cb_config>
  <options>
    <starting_day>monday</starting_day>
    <working_dir>$work/cback3-work</working_dir>
    <backup_user>root</backup_user>
    <backup_group>root</backup_group>
    <rcp_command>/usr/bin/scp ${scp_options[*]}</rcp_command>
  </options>
  <stage>
    <staging_dir>$staging</staging_dir>
EOF
    for i in $(seq 1 "$peers"); do
      echo "    <peer><name>127.0.0.$i</name><type>remote</type><collect_dir>$work/peers/p$i</collect_dir></peer>"
    done
    echo "  </stage>"
    echo "</cb_config>"
  } >"$file"
  mkdir -p "$work/cback3-work"
}

rows=()
add_row() { # name bytes
  rows+=("$1|$row_wall|$row_cpu|$(mb_per_s "$2" "$row_wall")")
  say "$1: ${row_wall}s wall, ${row_cpu}s CPU, $(mb_per_s "$2" "$row_wall") MB/s"
}

# measure LOG CLEAN_DIR CMD... : one run of a row after removing its output
# dir and syncing, so each run starts with nothing dirty to write back.
measure() {
  local log=$1 clean=$2; shift 2
  rm -rf "$clean"
  sync
  prepare_cache warm "$work/peers"
  if ! measure_row "$log" "$@"; then
    say "failed (exit $row_rc): $*; see $log"
    failed=1
  fi
}

# Keeps the fastest run of a row: best_NAME_wall / best_NAME_cpu.
keep_best() { # key
  local wall_var=best_${1}_wall cpu_var=best_${1}_cpu
  if [ -z "${!wall_var:-}" ] || awk -v a="$row_wall" -v b="${!wall_var}" 'BEGIN { exit !(a < b) }'; then
    printf -v "$wall_var" '%s' "$row_wall"
    printf -v "$cpu_var" '%s' "$row_cpu"
  fi
}

report_row() { # key name bytes
  local wall_var=best_${1}_wall cpu_var=best_${1}_cpu
  row_wall=${!wall_var}
  row_cpu=${!cpu_var}
  add_row "$2" "$3"
}

# Seconds a `sync` right after a row takes: the write-back scp leaves in the
# page cache, which cback has done already (it fsyncs every file).
sync_seconds() {
  local start end
  start=$(date +%s.%N)
  sync
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

parallel_scp() { # target host-of-peer-i... (hosts array)
  local target=$1 i
  for i in $(seq 1 "$peers"); do
    mkdir -p "$target/p$i"
    scp "${scp_options[@]}" "root@${hosts[$i]}:$work/peers/p$i/*" "$target/p$i/" &
  done
  wait
}

loopback_rows() {
  step "8 peers on the loopback sshd"
  local i
  hosts=()
  for i in $(seq 1 "$peers"); do hosts[$i]=127.0.0.$i; done
  write_cback_config "$work/cback.toml" "$work/staging-cback" "$peers" "$port" \
    "$work/keys/known_hosts"
  export work peers
  local run sync_s
  for run in $(seq 1 "$repeat"); do
    measure "$logs/cback-stage.log" "$work/staging-cback" \
      env CBACK_TODAY=2026-12-01 "$cback" -q -c "$work/cback.toml" -l "$logs/cback.log" stage
    say "run $run: cback ${row_wall}s"
    keep_best cback
    [ "$(bytes_in "$work/staging-cback")" -ge "$total_bytes" ] || { say "cback staged too little"; failed=1; }
    measure "$logs/scp.log" "$work/staging-scp" \
      bash -c "$(declare -p scp_options hosts); $(declare -f parallel_scp); parallel_scp '$work/staging-scp'"
    sync_s=$(sync_seconds)
    say "run $run: scp ${row_wall}s, then sync ${sync_s}s"
    keep_best scp
    row_wall=$(awk -v a="$row_wall" -v b="$sync_s" 'BEGIN { printf "%.2f", a + b }')
    keep_best scp_sync
  done
  report_row cback "cback stage (SFTP, 8 peers at once, fsynced)" "$total_bytes"
  cback_wall=$row_wall
  report_row scp "8 parallel scp" "$total_bytes"
  scp_wall=$row_wall
  report_row scp_sync "8 parallel scp, then sync" "$total_bytes"
  scp_sync_wall=$row_wall
  cback3_wall=
  if [ "$have_cback3" = 1 ]; then
    write_cback3_config "$work/cback3.conf" "$work/staging-cback3"
    measure "$logs/cback3-stage.log" "$work/staging-cback3" \
      cback3 -q -c "$work/cback3.conf" -l "$logs/cback3.log" stage
    add_row "cback3 stage (sequential scp; one run)" "$total_bytes"
    cback3_wall=$row_wall
    [ "$(bytes_in "$work/staging-cback3")" -ge "$total_bytes" ] || { say "cback3 staged too little"; failed=1; }
  fi
}

# A TCP relay that holds every chunk for DELAY seconds in each direction:
# the latency half of the slow link when netem is not in the kernel.
start_delay_proxy() { # listen_port target_host target_port delay
  python3 - "$@" <<'EOF' >"$logs/proxy.log" 2>&1 &
import asyncio, sys
listen, host, port, delay = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
async def pipe(reader, writer):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()
    async def send():
        while True:
            due, data = await queue.get()
            await asyncio.sleep(max(0.0, due - loop.time()))
            if data is None:
                writer.close(); return
            writer.write(data); await writer.drain()
    sender = asyncio.create_task(send())
    while data := await reader.read(65536):
        queue.put_nowait((loop.time() + delay, data))
    queue.put_nowait((loop.time() + delay, None))
    await sender
async def handle(reader, writer):
    up_reader, up_writer = await asyncio.open_connection(host, port)
    await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True)
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server: await server.serve_forever()
asyncio.run(main())
EOF
  proxy_pid=$!
}

slow_rows() {
  step "slow link: 20 Mbit/s, 40 ms RTT, 0.1 % loss"
  ip netns add "$netns"
  ip link add cbb0 type veth peer name cbb1
  ip link set cbb1 netns "$netns"
  ip addr add 10.77.0.1/24 dev cbb0
  ip link set cbb0 up
  ip netns exec "$netns" ip addr add 10.77.0.2/24 dev cbb1
  ip netns exec "$netns" ip link set cbb1 up
  ip netns exec "$netns" ip link set lo up
  local target_host=10.77.0.2 target_port=22
  if tc qdisc add dev cbb0 root netem delay 20ms rate 20mbit loss 0.1% 2>/dev/null; then
    ip netns exec "$netns" tc qdisc add dev cbb1 root netem delay 20ms rate 20mbit loss 0.1%
    link_note="netem on both ends: 20 ms delay each way, 20 Mbit/s, 0.1 % loss"
  else
    # No netem in this kernel: tbf gives the rate, a relay the latency; loss
    # cannot be reproduced.
    tc qdisc add dev cbb0 root tbf rate 20mbit burst 32kbit latency 400ms
    ip netns exec "$netns" tc qdisc add dev cbb1 root tbf rate 20mbit burst 32kbit latency 400ms
    link_note="no netem in this kernel: tbf 20 Mbit/s on both ends plus a relay adding 20 ms each way; no loss"
  fi
  say "$link_note"
  write_sshd_config "$work/slow_sshd_config" "$target_port" "$target_host"
  ip netns exec "$netns" /usr/sbin/sshd -D -f "$work/slow_sshd_config" -E "$logs/slow-sshd.log" &
  slow_sshd_pid=$!
  local host_key
  host_key=$(cut -d' ' -f1,2 "$work/keys/host_ed25519.pub")
  if [[ $link_note == no\ netem* ]]; then
    slow_port=$(free_port)
    start_delay_proxy "$slow_port" "$target_host" "$target_port" 0.020
    slow_host=127.0.0.1
  else
    slow_port=$target_port
    slow_host=$target_host
  fi
  echo "[$slow_host]:$slow_port $host_key" >"$work/keys/slow_known_hosts"
  cat "$work/keys/slow_known_hosts" >>"$work/keys/known_hosts"
  wait_sshd "$slow_host" "$slow_port"

  rm -rf "$work/peers/p1-slow"
  mkdir -p "$work/peers/p1-slow"
  head -c $((slow_mb * 1048576)) /dev/urandom >"$work/peers/p1-slow/slow.tar.zst"
  : >"$work/peers/p1-slow/cback.collect"
  local slow_bytes
  slow_bytes=$(bytes_in "$work/peers/p1-slow")
  hosts=()
  hosts[1]=$slow_host
  write_cback_config "$work/cback-slow.toml" "$work/staging-slow" 1 "$slow_port" \
    "$work/keys/slow_known_hosts"
  sed -i "s|peers/p1'|peers/p1-slow'|" "$work/cback-slow.toml"
  local slow_scp_options=(-q -B -P "$slow_port" -i "$work/keys/client_ed25519" -o IdentitiesOnly=yes
    -o UserKnownHostsFile="$work/keys/slow_known_hosts" -o StrictHostKeyChecking=yes)
  measure "$logs/slow-cback.log" "$work/staging-slow" \
    env CBACK_TODAY=2026-12-01 "$cback" -q -c "$work/cback-slow.toml" -l "$logs/cback-slow.log" stage
  add_row "slow link: cback stage (SFTP)" "$slow_bytes"
  slow_cback_wall=$row_wall
  mkdir -p "$work/staging-slow-scp"
  measure "$logs/slow-scp.log" "$work/staging-slow-scp/x" \
    scp "${slow_scp_options[@]}" "root@$slow_host:$work/peers/p1-slow/*" "$work/staging-slow-scp/"
  add_row "slow link: scp" "$slow_bytes"
  slow_scp_wall=$row_wall
}

report() {
  step "results"
  {
    echo "# Stage benchmark, $today"
    echo
    echo "$peers peers x $peer_mb MB on one loopback sshd (peer names 127.0.0.1-$peers); $(nproc) cores; warm page cache; cback and scp rows: fastest of $repeat interleaved runs."
    echo
    echo "| row | wall s | CPU s | MB/s |"
    echo "|---|---:|---:|---:|"
    local row
    for row in "${rows[@]}"; do echo "| ${row//|/ | } |"; done
    echo
    echo "| ratio | value | target |"
    echo "|---|---:|---:|"
    echo "| cback rate / 8 parallel scp | $(ratio "$scp_wall" "$cback_wall") | >= 0.9 |"
    echo "| cback rate / 8 parallel scp then sync (same durability) | $(ratio "$scp_sync_wall" "$cback_wall") | |"
    [ -n "${cback3_wall:-}" ] && echo "| cback rate / cback3 stage | $(ratio "$cback3_wall" "$cback_wall") | >= 4 |"
    [ -n "${slow_cback_wall:-}" ] && echo "| slow link: cback rate / scp | $(ratio "$slow_scp_wall" "$slow_cback_wall") | >= 0.9 |"
    [ -n "${link_note:-}" ] && { echo; echo "Slow link: $link_note."; }
  } >"$table"
  cat "$table"
}

failed=0
check_tools
build
start_sshd
make_peers
loopback_rows
if [ "${BENCH_SKIP_SLOW:-0}" != 1 ]; then
  slow_rows
fi
report
exit "$failed"
