#!/usr/bin/env bash
# The store benchmark: cback store to a stdio: image against
# `xorriso -as mkisofs -o IMG` and against the original's path (genisoimage
# to a temporary file, then a copy to the medium), in the same run, on the
# same staging directory, as ratios; then the FIFO target: cback-bench burn
# at DVD 16x with a source that stalls 200 ms every second.
# docs/performance.md ("Store") explains the rows and the targets.
#
#   bash bench/store.sh
#
# Environment:
#   BENCH_SIZE_MB=1024      size of the staged tree (MB = 2^20 bytes)
#   BENCH_SEED=1            corpus seed (same seed, same tree)
#   BENCH_CACHE=warm        never drop the page cache (default: cold when
#                           /proc/sys/vm/drop_caches is writable)
#   BENCH_SKIP_BUILD=1      use build/bench as it is
#
# Exits non-zero only when something failed to run, never because of a ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=bench/lib.sh
source bench/lib.sh

size_mb=${BENCH_SIZE_MB:-1024}
seed=${BENCH_SEED:-1}
build_dir=$root/build/bench
cback=$build_dir/cback
corpus_tool=$build_dir/cback-corpus
bench_tool=$build_dir/cback-bench
today=$(date +%F)
day_path=$(date +%Y/%m/%d)
results=$root/bench/results
logs=$results/logs-$today
work=$root/bench/corpus/store-work
failed=0

mkdir -p "$results" "$logs"

check_tools() {
  step "tools"
  local missing=() tool
  for tool in xorriso genisoimage cmake ninja; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  [ -x /usr/bin/time ] || missing+=("/usr/bin/time (Debian package time)")
  if [ ${#missing[@]} -gt 0 ]; then
    say "missing: ${missing[*]}"
    say "run: sudo bash tools/install-deps.sh"
    exit 1
  fi
  say "xorriso: $(xorriso -version 2>/dev/null | head -n 1)"
  say "genisoimage: $(genisoimage --version 2>&1 | head -n 1)"
}

build() {
  build_release "$build_dir" "$logs/store-build.log" all "$cback" "$bench_tool"
}

# corpus: the mixed tree of bench/collect.sh (generated once, reused), as
# today's staged day: staging/YYYY/MM/DD/peer1 is a hard-linked copy.
corpus() {
  local name=mixed-$size_mb-s$seed
  tree=$root/bench/corpus/$name
  local stamp=$root/bench/corpus/$name.summary source_digest
  source_digest=$(sha256sum src/tools/cback_corpus.cpp | cut -c1-16)
  mkdir -p "$root/bench/corpus"
  if [ -f "$stamp" ] && head -n 1 "$stamp" | grep -qx "source $source_digest"; then
    say "$name: reused"
  else
    rm -rf "$tree" "$stamp"
    say "$name: generating..."
    { echo "source $source_digest" && "$corpus_tool" --seed "$seed" --out "$tree" --size "$size_mb"; } \
      >"$stamp.partial"
    mv "$stamp.partial" "$stamp"
  fi
  rm -rf "$work"
  mkdir -p "$work/staging/$day_path" "$work/out" "$work/tmp" "$work/cback-work"
  day=$work/staging/$day_path
  cp -al "$tree" "$day/peer1"
  touch "$day/cback.stage"
  staged_bytes=$(find "$day" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
  say "staged: $(mb "$staged_bytes") MB in $day"
}

# cback_toml FILE CHECK_DATA: a store configuration for today's day.
cback_toml() {
  cat >"$1" <<EOF
[options]
starting_day = "$(LC_ALL=C date +%A | tr '[:upper:]' '[:lower:]')"
working_dir = "$work/cback-work"
backup_user = "root"
backup_group = "root"
rcp_command = "/usr/bin/scp -B"

[stage]
staging_dir = "$work/staging"

[[stage.peer]]
name = "peer1"
type = "local"
collect_dir = "$work/collect"

[store]
source_dir = "$work/staging"
media_type = "dvd+rw"
device_type = "dvdwriter"
target_device = "stdio:$work/out/cback.iso"
check_data = $2
allow_failed_peers = true # staged by hand (cp -al): no stage status record
EOF
}

declare -A r_label r_wall r_cpu r_rss r_note
record() {
  r_label[$1]=$2 r_wall[$1]=$row_wall r_cpu[$1]=$row_cpu r_rss[$1]=$row_rss_kb r_note[$1]=""
  printf '%-36s %7s s wall %7s s CPU %7s MB RSS\n' "$2" "$row_wall" "$row_cpu" \
    "$(mb $((row_rss_kb * 1024)))"
}
note() {
  r_label[$1]=$2 r_note[$1]=$3
  printf '%-36s %s\n' "$2" "$3"
}

# watch_scratch FLAG OUT: while FLAG exists, samples the bytes of files in the
# scratch places other than the image itself (TMPDIR, working_dir, the
# image's directory) and keeps the largest total in OUT. A new image is
# written as cback.iso.partial and renamed over cback.iso when complete: that
# is the image itself, not a temporary copy, so it does not count.
watch_scratch() {
  local flag=$1 out=$2 max=0 now
  while [ -e "$flag" ]; do
    now=$(find "$work/tmp" "$work/cback-work" "$work/out" -type f ! -name cback.iso \
      ! -name cback.iso.partial -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
    [ "$now" -gt "$max" ] && max=$now
    echo "$max" >"$out"
    sleep 0.2
  done
}

# cback_row ID LABEL CHECK_DATA: `cback --full store`, then a sync of the image.
cback_row() {
  local id=$1 label=$2 flag=$work/watching
  rm -f "$work/out/cback.iso" "$work/staging/$day_path/cback.store"
  cback_toml "$work/cback.toml" "$3"
  prepare_cache "$cache" "$day"
  touch "$flag"
  watch_scratch "$flag" "$work/scratch-$id" &
  local watcher=$!
  # shellcheck disable=SC2016 # the arguments expand in the row's shell
  if measure_row "$logs/$id.log" env TMPDIR="$work/tmp" bash -c \
    '"$0" -c "$1" -l "$2" --full store && sync "$3"' \
    "$cback" "$work/cback.toml" "$logs/$id.cback.log" "$work/out/cback.iso"; then
    record "$id" "$label"
  else
    failed=1
    note "$id" "$label" "FAILED (exit $row_rc), see bench/results/logs-$today/$id.log"
  fi
  rm -f "$flag"
  wait "$watcher" || true
  scratch[$id]=$(cat "$work/scratch-$id" 2>/dev/null || echo 0)
  left[$id]=$(find "$work/tmp" "$work/cback-work" "$work/out" -type f ! -name cback.iso \
    ! -name 'cback.lock' -printf '%p ' 2>/dev/null)
  fifo_bytes=$(grep -o 'FIFO of [0-9]* bytes' "$logs/$id.cback.log" | head -n 1 | awk '{ print $3 }')
}

# shell_row ID LABEL SCRIPT: a reference path; SCRIPT reads $day, $graft
# and writes $img (and may use $tmp).
shell_row() {
  local id=$1 label=$2 script=$3
  rm -f "$work/out/"*.iso "$work/tmp/"*
  prepare_cache "$cache" "$day"
  if measure_row "$logs/$id.log" env day="$day" graft="$day_path" img="$work/out/$id.iso" \
    tmp="$work/tmp/$id.iso" bash -o pipefail -c "$script"; then
    record "$id" "$label"
  else
    failed=1
    note "$id" "$label" "FAILED (exit $row_rc), see bench/results/logs-$today/$id.log"
  fi
  rm -f "$work/out/$id.iso" "$work/tmp/$id.iso"
}

# The FIFO target: the staged day at DVD 16x, the source stalling 200 ms
# every second, the store's default FIFO for that speed.
burn_row() {
  prepare_cache "$cache" "$day"
  if measure_row "$logs/burn.log" "$bench_tool" burn --dir "$day" --speed dvd:16 \
    --stall 200ms/1s --csv "$logs/burn.csv" --svg "$logs/burn.svg"; then
    record burn "cback-bench burn dvd:16, stall 200ms/1s"
  else
    failed=1
    note burn "cback-bench burn" "FAILED (exit $row_rc), see bench/results/logs-$today/burn.log"
  fi
}

ran() { [ -n "${r_wall[$1]:-}" ] && [ -z "${r_note[$1]:-}" ]; }
speed_vs() { if ran "$1" && ran "$2"; then ratio "${r_wall[$2]}" "${r_wall[$1]}"; else echo -; fi; }

table_row() {
  local id=$1
  if ran "$id"; then
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "${r_label[$id]}" "${r_wall[$id]}" \
      "$(mb_per_s "$staged_bytes" "${r_wall[$id]}")" "${r_cpu[$id]}" \
      "$(mb $((r_rss[$id] * 1024)))" "$(speed_vs "$id" xorriso)" "$(speed_vs "$id" genisoimage)"
  else
    printf '| %s | %s | | | | | |\n' "${r_label[$id]}" "${r_note[$id]:-not run}"
  fi
}

burn_value() { awk -v k="$1:" '$1 == k { print $2 }' "$logs/burn.log"; }

report() {
  local rss_target=-
  [ -n "${fifo_bytes:-}" ] && rss_target=$(mb $((fifo_bytes + 64 * 1048576)))
  say "# store benchmark, $today"
  say
  say "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)" \
    "RAM; page cache: $cache before every row; staged tree: $(mb "$staged_bytes") MB" \
    "(cback-corpus mixed, seed $seed). Every row ends with an fsync of its image."
  say
  say "| row | wall s | MB/s | CPU s | peak RSS MB | speed vs xorriso | speed vs genisoimage + cp |"
  say "|---|---|---|---|---|---|---|"
  for id in cback cback_check xorriso genisoimage; do table_row "$id"; done
  say
  say "## Targets"
  say
  say "- cback store speed / \`xorriso -as mkisofs\` speed: $(speed_vs cback xorriso) (target ≥ 1.0)"
  say "- temporary image: largest scratch file total seen during cback store:" \
    "${scratch[cback]:-?} bytes; left after: ${left[cback]:-none} (target: none)"
  say "- peak RSS of cback store: $(mb $((${r_rss[cback]:-0} * 1024))) MB;" \
    "FIFO ${fifo_bytes:-?} bytes + 64 MiB = $rss_target MB (target: at most that)"
  if ran burn; then
    say "- cback-bench burn, DVD 16x, source stalling 200 ms every second, FIFO" \
      "$(burn_value fifo_bytes) bytes: $(burn_value underruns) underrun(s)" \
      "($(burn_value drive_stalls) drive stall(s) with a full FIFO), minimum fill" \
      "$(burn_value fifo_min_fill_bytes) bytes, deepest drain $(burn_value fifo_deepest_drain_bytes)" \
      "bytes, needed about $(burn_value needed_fifo_bytes) bytes (target: 0 underruns)"
  fi
}

main() {
  check_tools
  build
  step "corpus (seed $seed)"
  corpus
  cache=$(cache_mode)
  declare -gA scratch left
  step "rows ($cache cache before every row; $(nproc) cores)"
  cback_row cback "cback store" false
  cback_row cback_check "cback store, check_data" true
  # shellcheck disable=SC2016 # $day, $graft, $img and $tmp expand in the row's shell
  shell_row xorriso "xorriso -as mkisofs -o" \
    'xorriso -as mkisofs -quiet -R -J -graft-points -o "$img" "/$graft=$day" && sync "$img"'
  # shellcheck disable=SC2016
  shell_row genisoimage "genisoimage to a file, then cp" \
    'genisoimage -quiet -R -J -graft-points -o "$tmp" "/$graft=$day" && cp "$tmp" "$img" && sync "$img"'
  burn_row
  step "results"
  report | tee "$results/store-$today.md"
  say "written: bench/results/store-$today.md; logs in bench/results/logs-$today/"
  [ "$failed" = 0 ] || say "some rows FAILED to run (see above)"
  return "$failed"
}

main "$@"
