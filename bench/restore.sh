#!/usr/bin/env bash
# The restore benchmark: cback-restore against xorriso + GNU tar, in the same
# run, on the same generated trees, as ratios. docs/performance.md explains
# the rows and the targets.
#
#   bash bench/restore.sh        (as root: store writes a stdio: image)
#
# Rows:
#   one file   one small file out of a 1 GB tarzst archive on a disc image:
#              cback-restore extract --from stdio:IMG, against xorriso
#              extracting the archive from the image and tar -x of the file;
#              also what each read through read calls (bench/read_bytes.py)
#   whole tree the whole 1 GB tree from staging: cback-restore extract
#              against tar -x of the same archive
#   find       one name over a week of a 100 000-file incremental item
#              (a full day and six incrementals), warm
#
# Environment:
#   BENCH_SIZE_MB=1024       size of the mixed tree (MB = 2^20 bytes)
#   BENCH_INCR_FILES=100000  files of the week's incremental item
#   BENCH_SEED=1             corpus seed (same seed, same trees)
#   BENCH_SKIP_BUILD=1       use build/bench (or BENCH_BUILD_DIR) as it is
#
# Exits non-zero only when something failed to run, never because of a ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=bench/lib.sh
source bench/lib.sh

size_mb=${BENCH_SIZE_MB:-1024}
incr_files=${BENCH_INCR_FILES:-100000}
seed=${BENCH_SEED:-1}
build_dir=${BENCH_BUILD_DIR:-$root/build/bench}
cback=$build_dir/cback
restore=$build_dir/cback-restore
corpus_tool=$build_dir/cback-corpus
results=$root/bench/results
logs=$results/logs-$(date +%F)
work=$root/bench/corpus/restore-work
monday=2026-11-30 # the week of the runs (CBACK_TODAY); a Monday

mkdir -p "$results" "$logs"
rm -rf "$work"
mkdir -p "$work"

for tool in xorriso tar zstd; do
  command -v "$tool" >/dev/null || { say "missing: $tool (run: sudo bash tools/install-deps.sh)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { say "run as root (store writes through libburn, cache drops)"; exit 1; }
build_release "$build_dir" "$logs/build.log" all "$cback" "$restore" "$corpus_tool"

step "corpus"
mixed=$root/bench/corpus/mixed-$size_mb-s$seed
small=$root/bench/corpus/small-$incr_files-s$seed
corpus "mixed-$size_mb-s$seed" --size "$size_mb" >/dev/null
corpus "small-$incr_files-s$seed" --profile small --files "$incr_files" >/dev/null

# config DIR TREE MODE: a pool of one local peer collecting TREE, staged
# and stored to the image DIR/disc.iso.
config() {
  cat >"$1/cback.toml" <<EOF
[options]
starting_day = "monday"
working_dir = "$1/work"
backup_user = "root"
backup_group = "root"
rcp_command = "/usr/bin/scp -B"

[[peers.peer]]
name = "host"
type = "local"
collect_dir = "$1/collect"

[collect]
collect_dir = "$1/collect"
collect_mode = "$3"
archive_mode = "tarzst"
ignore_file = ".cbignore"

[[collect.dir]]
abs_path = "$2"

[stage]
staging_dir = "$1/staging"

[store]
source_dir = "$1/staging"
media_type = "bd-r"
device_type = "bdwriter"
target_device = "stdio:$1/disc.iso"
no_eject = true
EOF
  mkdir -p "$1/collect" "$1/work" "$1/staging"
}

# run_day DIR DAY ACTIONS...: cback as on DAY; the collect dir is emptied
# after, as purge does every night.
run_day() {
  local dir=$1 day=$2
  shift 2
  CBACK_TODAY=$day "$cback" -c "$dir/cback.toml" -l "$dir/cback.log" --full "$@" >>"$logs/restore-setup.log" 2>&1 ||
    { say "cback $* failed on $day; see $dir/cback.log"; exit 1; }
}

# The measuring wrapper: Debian's python3 without site packages and
# ignoring PYTHON* variables, so that it starts in a few ms (a PATH python
# with PYTHONDONTWRITEBYTECODE set compiled its modules at every start, 0.3
# s here). It takes its figures around the command alone.
wrapper=(python3 -E -S bench/read_bytes.py)
if [[ -x /usr/bin/python3 ]]; then
  wrapper=(/usr/bin/python3 -E -S bench/read_bytes.py)
fi
# cold: the page cache dropped; the command measured starts cold.
cold() {
  sync && echo 3 >/proc/sys/vm/drop_caches
}
# measure ID CMD...: wall seconds, the bytes CMD read through read calls
# (rchar: the image, archives and files, not the program's own pages) and
# the CPU seconds (user + system) of CMD and its children, all taken by the
# wrapper around CMD alone: its own start does not count. On a loaded
# machine the wall time is mostly waiting for a core, the CPU time is not.
declare -A r_wall r_read r_cpu
measure() {
  local id=$1 figures
  shift
  figures=$(mktemp)
  "${wrapper[@]}" "$figures" "$@" >"$logs/restore-$id.log" 2>&1 ||
    { say "$id failed; see $logs/restore-$id.log"; tail -n 5 "$logs/restore-$id.log"; exit 1; }
  read -r "r_read[$id]" "r_wall[$id]" "r_cpu[$id]" <"$figures"
  rm -f "$figures"
  printf '%-34s %7s s wall %7s s cpu %9s MB read\n' "$id" "${r_wall[$id]}" "${r_cpu[$id]}" \
    "$(mb "${r_read[$id]}")"
}

step "a day of the 1 GB tree on a disc image"
one=$work/one
mkdir -p "$one"
config "$one" "$mixed" daily
run_day "$one" "$monday" collect stage store
archive=$(cd "$one/staging/2026/11/30/host" && ls ./*.tar.zst | head -n 1)
archive=${archive#./}
# A small file of the tree, from the middle of the archive.
member=$(tar -tf "$one/staging/2026/11/30/host/$archive" | awk '!/\/$/' | sed -n '5000p')
say "archive $archive ($(mb "$(stat -c %s "$one/staging/2026/11/30/host/$archive")") MB), file /$member"

step "rows"
out=$work/out
rm -rf "$out" && mkdir -p "$out" && cold
measure "one file: cback-restore" "$restore" -c "$one/cback.toml" -l "$one/restore.log" extract \
  --from "stdio:$one/disc.iso" --date "$monday" --to "$out/cback" "/$member"
cmp "$out/cback/$member" "/$member" || { say "one file: restored file differs"; exit 1; }

cold
measure "one file: xorriso + tar" bash -c "
  xorriso -osirrox on -indev 'stdio:$one/disc.iso' -extract '/2026/11/30/host/$archive' '$out/x.tar.zst' &&
  mkdir -p '$out/tar' && tar -xf '$out/x.tar.zst' -C '$out/tar' '$member'"
cmp "$out/tar/$member" "/$member" || { say "one file (tar): restored file differs"; exit 1; }

rm -rf "$out" && mkdir -p "$out"
tar -cf - -C "$one/staging" . | cat >/dev/null # the same warm archive for both
measure "whole tree: cback-restore" "$restore" -c "$one/cback.toml" -l "$one/restore.log" extract \
  --date "$monday" --to "$out/cback" "$mixed"
rm -rf "$out" && mkdir -p "$out/tar"
measure "whole tree: tar -x" tar -xf "$one/staging/2026/11/30/host/$archive" -C "$out/tar"
rm -rf "$out"

step "a week of the 100 000-file incremental item"
week=$work/week
tree=$week/tree
mkdir -p "$week"
cp -a "$small" "$tree"
config "$week" "$tree" incr
for n in 0 1 2 3 4 5 6; do
  day=$(date -d "$monday + $n day" +%F)
  if [ "$n" -gt 0 ]; then
    # The day's changes: some files changed, some new, some deleted.
    find "$tree" -type f | sort | sed -n "$((n * 97)),+49p" | while read -r f; do echo "$day" >>"$f"; done
    for i in $(seq 1 20); do echo "$day $i" >"$tree/new-$n-$i.txt"; done
    find "$tree" -type f -name '*.txt' | sort | sed -n "$((n * 13)),+9p" | xargs -r rm -f
  fi
  CBACK_TODAY=$day "$cback" -c "$week/cback.toml" -l "$week/cback.log" collect stage \
    >>"$logs/restore-setup.log" 2>&1 || { say "cback collect stage failed on $day"; exit 1; }
  find "$week/collect" -mindepth 1 -delete
done
name=$(basename "$(find "$tree" -type f | sort | sed -n '777p')")
"$restore" -c "$week/cback.toml" -l "$week/restore.log" find "**/$name" >/dev/null # warm
measure "find (week, warm)" "$restore" -c "$week/cback.toml" -l "$week/restore.log" find "**/$name"
say "  $(grep -c "" "$logs/restore-find (week, warm).log") lines of versions"

step "summary"
say "one file: cback-restore $(ratio "${r_wall[one file: xorriso + tar]}" "${r_wall[one file: cback-restore]}")x faster than xorriso + tar;" \
  "read $(mb "${r_read[one file: cback-restore]}") MB (target <= 16 MB) against $(mb "${r_read[one file: xorriso + tar]}") MB"
say "whole tree: cback-restore at $(ratio "${r_wall[whole tree: tar -x]}" "${r_wall[whole tree: cback-restore]}")x the rate of tar -x (target >= 0.8)"
say "find over a week: ${r_wall[find (week, warm)]} s (target < 1 s), ${r_cpu[find (week, warm)]} s cpu"
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
