#!/usr/bin/env bash
# The stage benchmark: cback stage (SFTP, every peer at once) against 8
# parallel scp copies and the original's sequential `cback3 stage`, on 8
# peer names served by one loopback sshd; then one slow link (20 Mbit/s,
# 40 ms RTT, 0.1 % loss) in a network namespace: cback against scp; then
# pools of 64 and 256 peers of a few MB on loopback sshds (cback's time,
# CPU, peak RSS, threads and fds against as many parallel scp and cback3);
# then 8 peers each behind its own shaped link (a network namespace with
# tbf 20 Mbit/s per peer and 40 ms RTT) against cback3 and 8 parallel scp.
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
#   BENCH_ROWS="loopback slow pool shaped"   which groups of rows to run
#   BENCH_POOL_SIZES="64 256"  peers in each pool row
#   BENCH_POOL_MB=4      data per pool peer (four files)
#   BENCH_SCP_BATCH=0    parallel scp at most this many at once (0: all)
#   BENCH_SHAPED_MB=16   data per shaped peer
#
# The page cache stays warm (the data is read once before each row): the
# rows compare transports, not disks. Exits non-zero only when something
# failed to run, never because of a ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=bench/lib.sh
source bench/lib.sh

bench_rows=${BENCH_ROWS:-loopback slow pool shaped}
[ "${BENCH_SKIP_SLOW:-0}" = 1 ] && bench_rows=${bench_rows//slow/}
pool_sizes=${BENCH_POOL_SIZES:-64 256}
pool_mb=${BENCH_POOL_MB:-4}
scp_batch=${BENCH_SCP_BATCH:-0}
shaped_mb=${BENCH_SHAPED_MB:-16}
shaped_peers=8
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
peers_dir=$work/peers
netns=cback-bench
sshd_pid=
slow_sshd_pid=
proxy_pid=
pool_sshd_pids=()
shaped_pids=()

cleanup() {
  local pid i
  for pid in "$proxy_pid" "$slow_sshd_pid" "$sshd_pid" "${pool_sshd_pids[@]}" "${shaped_pids[@]}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  ip link del cbb0 2>/dev/null || true
  ip netns del "$netns" 2>/dev/null || true
  for i in $(seq 1 "$shaped_peers"); do
    ip link del "cbs$i" 2>/dev/null || true
    ip netns del "$netns-$i" 2>/dev/null || true
  done
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
collect_dir = '$peers_dir/p$i'
host = "${hosts[$i]}"
port = $port
identity_file = '$work/keys/client_ed25519'
known_hosts_file = '$known_hosts'
EOF
    done
  } >"$file"
  mkdir -p "$work/cback-work"
}

# cback3_config FILE STAGING [COUNT]: peers named by their hosts (hosts[i]),
# copied with scp_options.
write_cback3_config() {
  local file=$1 staging=$2 count=${3:-$peers} i
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
    for i in $(seq 1 "$count"); do
      echo "    <peer><name>${hosts[$i]}</name><type>remote</type><collect_dir>$peers_dir/p$i</collect_dir></peer>"
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
  prepare_cache warm "$peers_dir"
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

# parallel_scp TARGET [COUNT [BATCH]]: one scp per peer (hosts[i], its
# files in peers_dir/pI), all at once or BATCH at a time.
parallel_scp() {
  local target=$1 count=${2:-$peers} batch=${3:-0} i
  for i in $(seq 1 "$count"); do
    mkdir -p "$target/p$i"
    scp "${scp_options[@]}" "root@${hosts[$i]}:$peers_dir/p$i/*" "$target/p$i/" &
    if [ "$batch" -gt 0 ] && [ $((i % batch)) = 0 ]; then wait; fi
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
      bash -c "$(declare -p scp_options hosts peers_dir peers); $(declare -f parallel_scp); parallel_scp '$work/staging-scp'"
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
# the latency half of a slow link when netem is not in the kernel. One
# process relays every LISTEN_HOST:PORT=TARGET_HOST:PORT given; sets
# proxy_pid.
start_delay_proxy() { # delay listen_host:port=target_host:port...
  python3 - "$@" <<'EOF' >"$logs/proxy-$2.log" 2>&1 &
import asyncio, sys
delay = float(sys.argv[1])
routes = [(a.split(":")[0], int(a.split(":")[1]), b.split(":")[0], int(b.split(":")[1]))
          for a, b in (arg.split("=") for arg in sys.argv[2:])]
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
def handler(host, port):
    async def handle(reader, writer):
        up_reader, up_writer = await asyncio.open_connection(host, port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True)
    return handle
async def main():
    servers = [await asyncio.start_server(handler(host, port), listen_host, listen_port)
               for listen_host, listen_port, host, port in routes]
    await asyncio.gather(*(server.serve_forever() for server in servers))
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
    start_delay_proxy 0.020 "127.0.0.1:$slow_port=$target_host:$target_port"
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

# ---------------------------------------------------------------- pools

# The address of pool peer I (1-based): 200 peers to a /24 of 127/8, all
# local on lo.
pool_address() { echo "127.0.$((($1 - 1) / 200)).$((($1 - 1) % 200 + 1))"; }

# Loopback sshds for COUNT peer addresses on one port: sshd listens on at
# most 16 addresses, so one sshd per 16 peers (each connection gets its own
# sshd process either way).
start_pool_sshds() { # count
  local count=$1 first i address host_key addresses
  host_key=$(cut -d' ' -f1,2 "$work/keys/host_ed25519.pub")
  pool_port=$(free_port)
  : >"$work/keys/pool_known_hosts"
  for ((first = 1; first <= count; first += 16)); do
    addresses=()
    for ((i = first; i < first + 16 && i <= count; i++)); do
      address=$(pool_address "$i")
      addresses+=("$address")
      echo "[$address]:$pool_port $host_key" >>"$work/keys/pool_known_hosts"
    done
    write_sshd_config "$work/pool_sshd_config_$first" "$pool_port" "${addresses[@]}"
    /usr/sbin/sshd -D -f "$work/pool_sshd_config_$first" -E "$logs/pool-sshd-$first.log" &
    pool_sshd_pids+=($!)
  done
  cat "$work/keys/pool_known_hosts" >>"$work/keys/known_hosts"
  wait_sshd "$(pool_address 1)" "$pool_port"
  wait_sshd "$(pool_address "$count")" "$pool_port"
}

make_pool() { # count
  local i f
  rm -rf "$work/pool"
  for i in $(seq 1 "$1"); do
    mkdir -p "$work/pool/p$i"
    for f in 1 2 3 4; do
      head -c $((pool_mb * 262144)) /dev/urandom >"$work/pool/p$i/part-$f.tar.zst"
    done
    : >"$work/pool/p$i/cback.collect"
  done
}

# sample_peaks PATTERN OUT &: waits for the newest process whose command
# line holds PATTERN, then samples its threads, open fds and peak RSS every
# 50 ms until it ends; writes "threads fds rss_kb" (maxima) to OUT. Reads
# /proc with bash alone, so sampling forks nothing.
sample_peaks() {
  local pattern=$1 out=$2 pid="" key value rest threads=0 fds=0 rss=0 entries
  for _ in $(seq 1 400); do
    pid=$(pgrep -n -f -- "$pattern" || true)
    [ -n "$pid" ] && break
    sleep 0.025
  done
  while [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; do
    while read -r key value rest; do
      case $key in
      Threads:) [ "$value" -gt "$threads" ] && threads=$value ;;
      VmHWM:) [ "$value" -gt "$rss" ] && rss=$value ;;
      esac
    done <"/proc/$pid/status" 2>/dev/null || true
    entries=(/proc/"$pid"/fd/*)
    [ "${#entries[@]}" -gt "$fds" ] && fds=${#entries[@]}
    sleep 0.05
  done
  echo "$threads $fds $rss" >"$out"
}

pool_table=()
add_pool_row() { # name bytes [threads fds]
  local name=$1 bytes=$2 threads=${3:--} fds=${4:--}
  pool_table+=("$name|$row_wall|$row_cpu|$(mb_per_s "$bytes" "$row_wall")|$(mb "$((row_rss_kb * 1024))")|$threads|$fds")
  say "$name: ${row_wall}s wall, ${row_cpu}s CPU, peak RSS $(mb "$((row_rss_kb * 1024))") MB, threads $threads, fds $fds"
}

# One pool: COUNT peers of pool_mb MB, every one in flight at once.
pool_row() { # count
  local count=$1 i bytes threads fds rss saved_options=("${scp_options[@]}")
  step "pool: $count peers x $pool_mb MB on loopback sshds"
  make_pool "$count"
  peers_dir=$work/pool
  bytes=$(bytes_in "$peers_dir")
  hosts=()
  for i in $(seq 1 "$count"); do hosts[$i]=$(pool_address "$i"); done
  write_cback_config "$work/cback-pool.toml" "$work/staging-pool" "$count" "$pool_port" \
    "$work/keys/pool_known_hosts" "max_concurrent_peers = $count"
  sample_peaks "$work/cback-pool.toml" "$work/peaks" &
  local sampler=$!
  measure "$logs/cback-pool-$count.log" "$work/staging-pool" \
    env CBACK_TODAY=2026-12-01 "$cback" -q -c "$work/cback-pool.toml" -l "$logs/cback-pool.log" stage
  wait "$sampler" || true
  read -r threads fds rss <"$work/peaks"
  add_pool_row "cback stage, $count peers at once" "$bytes" "$threads" "$fds"
  eval "pool_${count}_cback=$row_wall"
  [ "$(bytes_in "$work/staging-pool")" -ge "$bytes" ] || { say "cback staged too little"; failed=1; }
  scp_options=(-q -B -P "$pool_port" -i "$work/keys/client_ed25519" -o IdentitiesOnly=yes
    -o UserKnownHostsFile="$work/keys/pool_known_hosts" -o StrictHostKeyChecking=yes)
  measure "$logs/scp-pool-$count.log" "$work/staging-pool-scp" \
    bash -c "$(declare -p scp_options hosts peers_dir); $(declare -f parallel_scp); parallel_scp '$work/staging-pool-scp' $count $scp_batch"
  add_pool_row "$count parallel scp$([ "$scp_batch" -gt 0 ] && echo " ($scp_batch at a time)")" "$bytes"
  eval "pool_${count}_scp=$row_wall"
  [ "$(bytes_in "$work/staging-pool-scp")" -ge "$bytes" ] || { say "scp copied too little"; failed=1; }
  if [ "$have_cback3" = 1 ]; then
    write_cback3_config "$work/cback3-pool.conf" "$work/staging-pool-cback3" "$count"
    measure "$logs/cback3-pool-$count.log" "$work/staging-pool-cback3" \
      cback3 -q -c "$work/cback3-pool.conf" -l "$logs/cback3-pool.log" stage
    add_pool_row "cback3 stage, $count peers in turn" "$bytes"
    eval "pool_${count}_cback3=$row_wall"
  fi
  scp_options=("${saved_options[@]}")
  peers_dir=$work/peers
  rm -rf "$work/pool" "$work/staging-pool" "$work/staging-pool-scp" "$work/staging-pool-cback3"
}

pool_rows() {
  local largest=0 count
  for count in $pool_sizes; do [ "$count" -gt "$largest" ] && largest=$count; done
  step "loopback sshds for up to $largest peers"
  start_pool_sshds "$largest"
  say "port $pool_port, $(( (largest + 15) / 16 )) sshd(s)"
  for count in $pool_sizes; do pool_row "$count"; done
}

# ---------------------------------------------------------- shaped links

# Peer I behind its own link: a network namespace with a veth pair shaped
# to 20 Mbit/s each way (tbf), its own sshd inside, and 20 ms each way added
# by the delay relay on 127.0.0.(20+I) (this kernel has no netem).
make_shaped_link() { # i port
  local i=$1 port=$2 ns=$netns-$1
  ip netns add "$ns"
  ip link add "cbs$i" type veth peer name "cbt$i"
  ip link set "cbt$i" netns "$ns"
  ip addr add "10.78.$i.1/24" dev "cbs$i"
  ip link set "cbs$i" up
  ip netns exec "$ns" ip addr add "10.78.$i.2/24" dev "cbt$i"
  ip netns exec "$ns" ip link set "cbt$i" up
  ip netns exec "$ns" ip link set lo up
  tc qdisc add dev "cbs$i" root tbf rate 20mbit burst 32kbit latency 400ms
  ip netns exec "$ns" tc qdisc add dev "cbt$i" root tbf rate 20mbit burst 32kbit latency 400ms
  write_sshd_config "$work/shaped_sshd_config_$i" 22 "10.78.$i.2"
  ip netns exec "$ns" /usr/sbin/sshd -D -f "$work/shaped_sshd_config_$i" -E "$logs/shaped-sshd-$i.log" &
  shaped_pids+=($!)
}

shaped_rows() {
  step "$shaped_peers peers, each behind its own 20 Mbit/s, 40 ms RTT link"
  local i port route routes=() host_key bytes saved_options=("${scp_options[@]}")
  host_key=$(cut -d' ' -f1,2 "$work/keys/host_ed25519.pub")
  port=$(free_port)
  : >"$work/keys/shaped_known_hosts"
  hosts=()
  rm -rf "$work/shaped"
  for i in $(seq 1 "$shaped_peers"); do
    make_shaped_link "$i" "$port"
    hosts[$i]=127.0.0.$((20 + i))
    routes+=("${hosts[$i]}:$port=10.78.$i.2:22")
    echo "[${hosts[$i]}]:$port $host_key" >>"$work/keys/shaped_known_hosts"
    mkdir -p "$work/shaped/p$i"
    head -c $((shaped_mb * 1048576)) /dev/urandom >"$work/shaped/p$i/shaped.tar.zst"
    : >"$work/shaped/p$i/cback.collect"
  done
  # A relay per link: one Python process for all eight was itself the
  # bottleneck (each peer then got 7 Mbit/s of its 20, whatever the tool).
  for route in "${routes[@]}"; do
    start_delay_proxy 0.020 "$route"
    shaped_pids+=("$proxy_pid")
  done
  proxy_pid=
  cat "$work/keys/shaped_known_hosts" >>"$work/keys/known_hosts"
  for i in $(seq 1 "$shaped_peers"); do wait_sshd "${hosts[$i]}" "$port"; done
  peers_dir=$work/shaped
  bytes=$(bytes_in "$peers_dir")
  write_cback_config "$work/cback-shaped.toml" "$work/staging-shaped" "$shaped_peers" "$port" \
    "$work/keys/shaped_known_hosts" "max_concurrent_peers = $shaped_peers"
  measure "$logs/cback-shaped.log" "$work/staging-shaped" \
    env CBACK_TODAY=2026-12-01 "$cback" -q -c "$work/cback-shaped.toml" -l "$logs/cback-shaped.log" stage
  add_row "shaped: cback stage, $shaped_peers peers at once" "$bytes"
  shaped_cback_wall=$row_wall
  [ "$(bytes_in "$work/staging-shaped")" -ge "$bytes" ] || { say "cback staged too little"; failed=1; }
  scp_options=(-q -B -P "$port" -i "$work/keys/client_ed25519" -o IdentitiesOnly=yes
    -o UserKnownHostsFile="$work/keys/shaped_known_hosts" -o StrictHostKeyChecking=yes)
  measure "$logs/scp-shaped.log" "$work/staging-shaped-scp" \
    bash -c "$(declare -p scp_options hosts peers_dir); $(declare -f parallel_scp); parallel_scp '$work/staging-shaped-scp' $shaped_peers"
  add_row "shaped: $shaped_peers parallel scp" "$bytes"
  shaped_scp_wall=$row_wall
  if [ "$have_cback3" = 1 ]; then
    write_cback3_config "$work/cback3-shaped.conf" "$work/staging-shaped-cback3" "$shaped_peers"
    measure "$logs/cback3-shaped.log" "$work/staging-shaped-cback3" \
      cback3 -q -c "$work/cback3-shaped.conf" -l "$logs/cback3-shaped.log" stage
    add_row "shaped: cback3 stage (peers in turn)" "$bytes"
    shaped_cback3_wall=$row_wall
  fi
  scp_options=("${saved_options[@]}")
  peers_dir=$work/peers
}

report() {
  step "results"
  {
    echo "# Stage benchmark, $today"
    echo
    echo "Rows: $bench_rows; $(nproc) cores; warm page cache; load before the run: $load_before."
    echo
    wants loopback && echo "$peers peers x $peer_mb MB on one loopback sshd (peer names 127.0.0.1-$peers); cback and scp rows: fastest of $repeat interleaved runs."
    echo
    local row
    if [ ${#rows[@]} -gt 0 ]; then
      echo "| row | wall s | CPU s | MB/s |"
      echo "|---|---:|---:|---:|"
      for row in "${rows[@]}"; do echo "| ${row//|/ | } |"; done
      echo
      echo "| ratio | value | target |"
      echo "|---|---:|---:|"
    fi
    if [ -n "${cback_wall:-}" ]; then
      echo "| cback rate / 8 parallel scp | $(ratio "$scp_wall" "$cback_wall") | >= 0.9 |"
      echo "| cback rate / 8 parallel scp then sync (same durability) | $(ratio "$scp_sync_wall" "$cback_wall") | |"
    fi
    [ -n "${cback3_wall:-}" ] && echo "| cback rate / cback3 stage | $(ratio "$cback3_wall" "$cback_wall") | >= 4 |"
    [ -n "${slow_cback_wall:-}" ] && echo "| slow link: cback rate / scp | $(ratio "$slow_scp_wall" "$slow_cback_wall") | >= 0.9 |"
    [ -n "${shaped_cback_wall:-}" ] && echo "| shaped: cback rate / $shaped_peers parallel scp | $(ratio "$shaped_scp_wall" "$shaped_cback_wall") | >= 0.9 |"
    [ -n "${shaped_cback3_wall:-}" ] && echo "| shaped: cback rate / cback3 stage | $(ratio "$shaped_cback3_wall" "$shaped_cback_wall") | >= 6 |"
    [ -n "${link_note:-}" ] && { echo; echo "Slow link: $link_note."; }
    if [ ${#pool_table[@]} -gt 0 ]; then
      echo
      echo "Pools: $pool_mb MB per peer in four files, loopback sshds (16 addresses each), every cback peer in flight at once."
      echo
      echo "| row | wall s | CPU s | MB/s | peak RSS MB | threads | fds |"
      echo "|---|---:|---:|---:|---:|---:|---:|"
      for row in "${pool_table[@]}"; do echo "| ${row//|/ | } |"; done
      echo
      echo "| ratio | value | target |"
      echo "|---|---:|---:|"
      local count scp_var cback3_var cback_var
      for count in $pool_sizes; do
        cback_var=pool_${count}_cback scp_var=pool_${count}_scp cback3_var=pool_${count}_cback3
        echo "| $count peers: cback rate / $count parallel scp | $(ratio "${!scp_var:-}" "${!cback_var:-}") | >= 0.9 |"
        [ -n "${!cback3_var:-}" ] && echo "| $count peers: cback rate / cback3 stage | $(ratio "${!cback3_var}" "${!cback_var:-}") | |"
      done
    fi
  } >"$table"
  cat "$table"
}

wants() { [[ " $bench_rows " == *" $1 "* ]]; }

failed=0
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
check_tools
build
start_sshd
if wants loopback; then
  make_peers
  loopback_rows
fi
if wants slow; then
  slow_rows
fi
if wants pool; then
  pool_rows
fi
if wants shaped; then
  shaped_rows
fi
report
exit "$failed"
