#!/usr/bin/env bash
# The S3 benchmark: one staged day of about 1 GB (a few large archives and
# many small files) uploaded to a real Ceph RADOS gateway, started here by
# tools/servers/ceph.sh, by `cback amazons3`, by `aws s3 cp --recursive`
# and by the original's `cback3 amazons3` (which runs `aws s3 rm`, `aws s3
# cp --recursive` and `aws s3api list-objects`), in the same run, each into
# a new bucket. docs/performance.md ("S3") explains the rows and targets.
#
#   sudo bash bench/s3.sh        (root: cback3 refuses to run otherwise)
#
# Environment:
#   BENCH_BIG_MB="256 192 160 128 64"  the large archives (MB = 2^20 bytes)
#   BENCH_SMALL_FILES=1200   small files (4 KiB to 324 KiB, ~190 MB in all)
#   BENCH_SEED=1             day seed (same seed, same bytes)
#   BENCH_REPEAT=2           runs of each row, interleaved; the fastest counts
#   BENCH_PARALLEL_PARTS=4   cback's parallel_parts (its default)
#   BENCH_PART_MB=8          cback's part_size in MB (its default)
#   BENCH_SKIP_BUILD=1       use build/bench (or BENCH_BUILD_DIR) as it is
#   BENCH_SKIP_CBACK3=1      leave out the cback3 row
#
# The gateway keeps its objects in memory (memstore): each row's bucket is
# emptied, removed and garbage-collected before the next row starts, so the
# gateway holds one day at a time. Its daemons keep the memory they free
# (see start_gateway), and an upload of the day that is not measured comes
# first: the OSD's first day costs it three to four times the CPU of the
# next ones (the memory it takes for the first time), which the first row
# would pay alone. The page cache stays warm (the day is read once
# before each row). The gateway's daemons share the cores with the tool,
# so each row also counts their CPU time; see docs/performance.md ("S3").
# Exits non-zero only when something failed to run, never because of a
# ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=bench/lib.sh
source bench/lib.sh

big_mb=${BENCH_BIG_MB:-256 192 160 128 64}
small_files=${BENCH_SMALL_FILES:-1200}
seed=${BENCH_SEED:-1}
repeat=${BENCH_REPEAT:-2}
parallel_parts=${BENCH_PARALLEL_PARTS:-4}
part_mb=${BENCH_PART_MB:-8}
build_dir=${BENCH_BUILD_DIR:-$root/build/bench}
cback=$build_dir/cback
today=$(date +%F)
results=$root/bench/results
logs=$results/logs-$today
work=$root/bench/corpus/s3-work
table=$results/s3-$today.md
gateway=$work/ceph
staging=$work/staging
day_dir=$staging/$(date +%Y/%m/%d)
aws=/usr/bin/aws

cleanup() {
  [ -f "$gateway/mon.pid" ] && bash tools/servers/ceph.sh stop "$gateway" >/dev/null 2>&1 || true
}
trap cleanup EXIT

check_tools() {
  step "tools"
  require_tools ceph-mon ceph-osd radosgw radosgw-admin python3 cmake ninja \
    "$aws (Debian package awscli)"
  have_cback3=0
  cback3_wanted && have_cback3=1
  say "$($aws --version 2>&1); cores: $(nproc)"
}

# The staged day, generated once under bench/corpus/s3-day-SEED (a stamp
# holding this generator's digest marks a complete one), then copied into
# today's staging directory with a stage status record for its peers.
make_day() {
  step "the staged day"
  local source=$root/bench/corpus/s3-day-s$seed stamp
  stamp=$root/bench/corpus/s3-day-s$seed.summary
  local digest
  digest=$( (sed -n '/^make_day()/,/^}/p' "$0"; echo "$big_mb $small_files") | sha256sum | cut -c1-16)
  if [ -f "$stamp" ] && head -n 1 "$stamp" | grep -qx "source $digest"; then
    say "reused $source"
  else
    rm -rf "$source" "$stamp"
    say "generating $source..."
    # Four peers; each large archive goes to the peers in turn, the small
    # files are spread over them. Bytes from a seeded generator: the same
    # seed gives the same day.
    python3 - "$source" "$seed" "$small_files" $big_mb <<'EOF'
import os, random, sys
out, seed, small = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
big = [int(mb) for mb in sys.argv[4:]]
peers = 4
def write(path, size, rng):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        while size > 0:
            chunk = min(size, 4 << 20)
            f.write(rng.randbytes(chunk))
            size -= chunk
for i, mb in enumerate(big):
    write(f"{out}/peer{i % peers + 1}/archive-{i + 1}.tar.zst", mb << 20, random.Random(seed * 1000 + i))
for i in range(small):
    size = 4096 + (i * 2654435761) % (320 << 10)
    write(f"{out}/peer{i % peers + 1}/small/file-{i + 1:05}.gz", size, random.Random(seed * 1000000 + i))
EOF
    echo "source $digest" >"$stamp"
  fi
  rm -rf "$staging"
  mkdir -p "$day_dir"
  cp -a "$source/." "$day_dir/"
  local peer records=() files bytes
  for peer in peer1 peer2 peer3 peer4; do
    : >"$day_dir/$peer/cback.collect"
    files=$(find "$day_dir/$peer" -type f | wc -l)
    bytes=$(bytes_in "$day_dir/$peer")
    records+=("peer staged $files $bytes $bytes 1 $peer"$'\t')
  done
  {
    echo "cback-stage-status 1 $today"
    printf '%s\n' "${records[@]}"
    echo "end ${#records[@]}"
  } >"$day_dir/cback.peers"
  : >"$day_dir/cback.stage"
  day_bytes=$(find "$day_dir" -type f ! -name 'cback.*' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
  day_files=$(find "$day_dir" -type f ! -name 'cback.*' | wc -l)
  say "$day_files files, $(mb "$day_bytes") MB"
}

# The daemons run with glibc's malloc told to keep the memory they free:
# the mmap threshold fixed at 32 MiB (by default a large block, such as the
# OSD's and the gateway's 4 MiB chunks, is mapped afresh until enough of
# them were freed to raise it) and the trim threshold at 1 GiB (by default
# the heap's free top is given back to the kernel past 128 KiB). Without
# that, each upload takes fresh pages that the kernel must fault in and
# clear; with it, the memory one upload freed is reused by the next. After
# the warming upload, the OSD and radosgw needed about 8.5 s of CPU for the
# day instead of 12 to 13 (docs/performance.md, "S3"). The tests' gateway
# keeps glibc's defaults.
start_gateway() {
  step "Ceph gateway (tools/servers/ceph.sh)"
  rm -rf "$gateway"
  GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824 \
    bash tools/servers/ceph.sh start "$gateway" >"$logs/ceph-start.log" 2>&1 || {
    say "the gateway did not start; see $logs/ceph-start.log"
    tail -n 20 "$logs/ceph-start.log"
    exit 1
  }
  # shellcheck source=/dev/null
  source "$gateway/env"
  endpoint=$CBACK_TEST_S3_ENDPOINT
  export AWS_ACCESS_KEY_ID=$CBACK_TEST_S3_ACCESS_KEY
  export AWS_SECRET_ACCESS_KEY=$CBACK_TEST_S3_SECRET_KEY
  export AWS_DEFAULT_REGION=us-east-1
  export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
  say "$endpoint"
}

s3() { "$aws" --endpoint-url "$endpoint" "$@"; }

# Drops the bucket and everything in it, then has the gateway free the
# deleted objects' data at once (it would keep it for hours otherwise).
drop_bucket() {
  s3 s3 rb --force "s3://$1" >>"$logs/s3-buckets.log" 2>&1 || true
  radosgw-admin --conf "$gateway/ceph.conf" --name client.admin gc process --include-all \
    >>"$logs/s3-buckets.log" 2>&1 || true
}

# gateway_cpu: CPU seconds (user + system) the gateway's daemons (monitor,
# OSD, radosgw) have used so far, from their PID files.
gateway_cpu() {
  local name ticks=0 pid
  for name in mon osd rgw; do
    pid=$(cat "$gateway/$name.pid")
    ticks=$((ticks + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
  done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

# The bytes and objects under s3://BUCKET/PREFIX must be the day's.
check_bucket() { # bucket prefix row
  local listing objects bytes
  listing=$(s3 s3 ls --recursive --summarize "s3://$1/$2" || true)
  objects=$(awk '/Total Objects:/ { print $3 }' <<<"$listing")
  bytes=$(awk '/Total Size:/ { print $3 }' <<<"$listing")
  if [ "$objects" != "$day_files" ] || [ "$bytes" != "$day_bytes" ]; then
    say "$3 left $objects objects, $bytes bytes; the day has $day_files files, $day_bytes bytes"
    failed=1
  fi
}

write_cback_config() {
  local peer
  {
    options_toml "$work/cback-work"
    cat <<EOF

[extensions]
[[extensions.action]]
name = "amazons3"
index = 201

[stage]
staging_dir = '$staging'
EOF
    for peer in peer1 peer2 peer3 peer4; do
      printf '[[stage.peer]]\nname = "%s"\ntype = "local"\ncollect_dir = "%s"\n' \
        "$peer" "$work/collect/$peer"
    done
    cat <<EOF

[amazons3]
s3_bucket = "BUCKET"
endpoint_url = "$endpoint"
region = "us-east-1"
part_size = "$part_mb MB"
parallel_parts = $parallel_parts
EOF
  } >"$work/cback.toml"
  mkdir -p "$work/cback-work"
}

# cback3 calls `aws` through su as the backup user; the override points it
# at a wrapper that names the gateway and its keys, and writes each call's
# start, end and first two words to $work/aws-calls (see cback3_split).
write_cback3_config() {
  cat >"$work/aws-gateway" <<EOF
#!/bin/sh
export AWS_ACCESS_KEY_ID='$AWS_ACCESS_KEY_ID' AWS_SECRET_ACCESS_KEY='$AWS_SECRET_ACCESS_KEY'
export AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
start=\$(date +%s.%N)
status=0
$aws --endpoint-url '$endpoint' "\$@" || status=\$?
echo "\$start \$(date +%s.%N) \$1 \$2" >>'$work/aws-calls'
exit \$status
EOF
  chmod 700 "$work/aws-gateway"
  local peer
  {
    cat <<EOF
<?xml version="1.0"?>
<cb_config>
  <extensions>
    <action><name>amazons3</name><module>CedarBackup3.extend.amazons3</module><function>executeAction</function><index>201</index></action>
  </extensions>
  <options>
    <starting_day>monday</starting_day>
    <working_dir>$work/cback3-work</working_dir>
    <backup_user>root</backup_user>
    <backup_group>root</backup_group>
    <rcp_command>/usr/bin/scp -B</rcp_command>
    <override><command>aws</command><abs_path>$work/aws-gateway</abs_path></override>
  </options>
  <stage>
    <staging_dir>$staging</staging_dir>
EOF
    for peer in peer1 peer2 peer3 peer4; do
      echo "    <peer><name>$peer</name><type>local</type><collect_dir>$work/collect/$peer</collect_dir></peer>"
    done
    cat <<EOF
  </stage>
  <amazons3><s3_bucket>BUCKET</s3_bucket></amazons3>
</cb_config>
EOF
  } >"$work/cback3.xml"
  mkdir -p "$work/cback3-work"
}

# Keeps the fastest run of a row: best_KEY_wall, best_KEY_cpu, best_KEY_rss,
# best_KEY_gateway.
keep_best() { # key
  local wall_var=best_${1}_wall
  if [ -z "${!wall_var:-}" ] || awk -v a="$row_wall" -v b="${!wall_var}" 'BEGIN { exit !(a < b) }'; then
    printf -v "best_${1}_wall" '%s' "$row_wall"
    printf -v "best_${1}_cpu" '%s' "$row_cpu"
    printf -v "best_${1}_rss" '%s' "$row_rss_kb"
    printf -v "best_${1}_gateway" '%s' "$row_gateway_cpu"
  fi
}

# floor CPU GATEWAY_CPU: the shortest wall time the machine's cores allow
# for a row whose tool and gateway used that much CPU between them.
floor() { awk -v a="$1" -v b="$2" -v n="$(nproc)" 'BEGIN { printf "%.2f", (a + b) / n }'; }

# cback3_split: how the last cback3 run's wall time divides between its
# CLI calls (from $work/aws-calls) and the rest (its own Python).
cback3_split() {
  awk -v wall="$row_wall" '
    { seconds = $2 - $1; spent += seconds; printf "aws %s %s %.2fs, ", $3, $4, seconds }
    END { printf "the rest %.2fs\n", wall - spent }' "$work/aws-calls"
}

# run_row KEY RUN CMD... : one run into a new bucket named after the row;
# BUCKET in CMD's words is replaced by it. Checks, then drops the bucket.
run_row() {
  local key=$1 run=$2 bucket="bench-$1-$run" prefix
  shift 2
  local args=("${@//BUCKET/$bucket}")
  s3 s3 mb "s3://$bucket" >>"$logs/s3-buckets.log"
  sed -i "s|<s3_bucket>.*</s3_bucket>|<s3_bucket>$bucket</s3_bucket>|" "$work/cback3.xml" 2>/dev/null || true
  sed -i "s|^s3_bucket = .*|s3_bucket = \"$bucket\"|" "$work/cback.toml"
  prepare_cache warm "$day_dir"
  : >"$work/aws-calls"
  local gateway_before
  gateway_before=$(gateway_cpu)
  if ! measure_row "$logs/s3-$key-$run.log" "${args[@]}"; then
    say "failed (exit $row_rc): ${args[*]}; see $logs/s3-$key-$run.log"
    failed=1
  fi
  row_gateway_cpu=$(awk -v a="$gateway_before" -v b="$(gateway_cpu)" 'BEGIN { printf "%.2f", b - a }')
  prefix=$(date +%Y/%m/%d)
  [ "$key" = aws ] && prefix=aws
  check_bucket "$bucket" "$prefix" "$key"
  say "run $run: $key ${row_wall}s, $(mb_per_s "$day_bytes" "$row_wall") MB/s, CPU ${row_cpu}s," \
    "gateway CPU ${row_gateway_cpu}s, peak RSS $(mb "$((row_rss_kb * 1024))") MB," \
    "load $(cut -d' ' -f1 /proc/loadavg)"
  if [ "$key" = cback3 ]; then say "       $(cback3_split)"; fi
  keep_best "$key"
  drop_bucket "$bucket"
}

# An upload of the day by cback that is not measured, into a bucket that
# is then dropped: the gateway's daemons take their memory before the rows.
warm_gateway() {
  step "warming the gateway (one upload, not measured)"
  s3 s3 mb s3://bench-warm >>"$logs/s3-buckets.log"
  sed -i "s|^s3_bucket = .*|s3_bucket = \"bench-warm\"|" "$work/cback.toml"
  local before
  before=$(gateway_cpu)
  "$cback" -q -c "$work/cback.toml" -l "$logs/cback.log" --full amazons3 >"$logs/s3-warm.log" 2>&1 || {
    say "the warming upload failed; see $logs/s3-warm.log"
    failed=1
  }
  say "gateway CPU $(awk -v a="$before" -v b="$(gateway_cpu)" 'BEGIN { printf "%.2f", b - a }')s"
  drop_bucket bench-warm
}

rows() {
  step "$repeat interleaved run(s) of each row"
  local run
  for run in $(seq 1 "$repeat"); do
    run_row cback "$run" "$cback" -q -c "$work/cback.toml" -l "$logs/cback.log" --full --perf amazons3
    run_row aws "$run" "$aws" --endpoint-url "$endpoint" s3 cp --recursive --quiet \
      --exclude 'cback.*' --exclude '*/cback.*' "$day_dir/" "s3://BUCKET/aws/"
    if [ "$have_cback3" = 1 ]; then
      run_row cback3 "$run" cback3 -q -c "$work/cback3.xml" -l "$logs/cback3.log" --full amazons3
    fi
  done
}

report() {
  step "results"
  local bound_kb=$(((parallel_parts * part_mb + 64) * 1024)) key label
  {
    echo "# S3 benchmark, $today"
    echo
    echo "$(nproc) cores; load before the run: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg);" \
      "$($aws --version 2>&1 | cut -d' ' -f1)."
    echo "Gateway CPU: its daemons' (ceph-mon, ceph-osd, radosgw) during the row;" \
      "floor: (CPU + gateway CPU) / $(nproc) cores, the shortest wall time for that work here."
    echo "The day: $day_files files, $(mb "$day_bytes") MB (archives of $big_mb MB, $small_files small files)."
    echo "cback: part_size $part_mb MB, parallel_parts $parallel_parts. Fastest of $repeat interleaved runs."
    echo
    echo "| row | wall s | MB/s | CPU s | gateway CPU s | floor s | peak RSS MB |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for key in cback aws cback3; do
      local wall_var=best_${key}_wall cpu_var=best_${key}_cpu rss_var=best_${key}_rss
      [ -n "${!wall_var:-}" ] || continue
      case $key in
      cback) label="cback amazons3" ;;
      aws) label="aws s3 cp --recursive" ;;
      cback3) label="cback3 amazons3 (aws s3 rm, cp, list-objects)" ;;
      esac
      local gateway_var=best_${key}_gateway
      echo "| $label | ${!wall_var} | $(mb_per_s "$day_bytes" "${!wall_var}") | ${!cpu_var} |" \
        "${!gateway_var} | $(floor "${!cpu_var}" "${!gateway_var}") | $(mb "$((${!rss_var} * 1024))") |"
    done
    echo
    echo "| ratio | value | target |"
    echo "|---|---:|---:|"
    echo "| cback rate / aws s3 cp | $(ratio "${best_aws_wall:-}" "$best_cback_wall") | >= 1.0 |"
    if [ -n "${best_cback3_wall:-}" ]; then
      echo "| cback rate / cback3 amazons3 | $(ratio "$best_cback3_wall" "$best_cback_wall") | >= 3 |"
      echo "| cback3 wall / cback floor (the most cback could reach here) |" \
        "$(ratio "$best_cback3_wall" "$(floor "$best_cback_cpu" "$best_cback_gateway")") | |"
    fi
    echo "| cback peak RSS / (parallel_parts x part_size + 64 MiB) | $(ratio "$best_cback_rss" "$bound_kb") | <= 1.0 |"
  } >"$table"
  cat "$table"
}

failed=0
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$results" "$logs" "$work"
check_tools
build_release "$build_dir" "$logs/build.log" cback "$cback"
make_day
start_gateway
write_cback_config
[ "$have_cback3" = 1 ] && write_cback3_config
warm_gateway
rows
report
exit "$failed"
