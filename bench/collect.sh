#!/usr/bin/env bash
# The collect benchmark: cback collect against GNU tar + zstd/gzip and the
# original cback3, in the same run, on the same generated trees, as ratios.
# docs/performance.md explains the rows and the targets.
#
#   bash bench/collect.sh
#
# Environment:
#   BENCH_SIZE_MB=1024      size of the mixed tree (MB = 2^20 bytes)
#   BENCH_INCR_FILES=100000 files in the small-file tree (incremental rows)
#   BENCH_SEED=1            corpus seed (same seed, same trees)
#   BENCH_CACHE=warm        never drop the page cache (default: cold when
#                           /proc/sys/vm/drop_caches is writable)
#   BENCH_SKIP_BUILD=1      use build/bench as it is
#   BENCH_SKIP_CBACK3=1     leave out the (slow) cback3 rows
#   BENCH_PAIRS=N           instead of the rows: N interleaved pairs of
#                           cback collect tarzst and tar | zstd -3 -T0 on
#                           the mixed tree, each ratio and the median
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
build_dir=$root/build/bench
cback=$build_dir/cback
corpus_tool=$build_dir/cback-corpus
today=$(date +%F)
results=$root/bench/results
logs=$results/logs-$today
work=$root/bench/corpus/work
failed=0

mkdir -p "$results" "$logs"
rm -rf "$work"
mkdir -p "$work"

# ---------------------------------------------------------------- tools
check_tools() {
  step "tools"
  local missing=() tool
  for tool in tar zstd gzip cmake ninja; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  [ -x /usr/bin/time ] || missing+=("/usr/bin/time (Debian package time)")
  if [ ${#missing[@]} -gt 0 ]; then
    say "missing: ${missing[*]}"
    say "run: sudo bash tools/install-deps.sh"
    exit 1
  fi
  have_cback3=1
  if ! command -v cback3 >/dev/null; then
    have_cback3=0
    say "missing: cback3 (Debian package cedar-backup3): its rows will not run;"
    say "         run: sudo bash tools/install-deps.sh"
  elif [ "${BENCH_SKIP_CBACK3:-0}" = 1 ]; then
    have_cback3=0
    say "cback3 rows skipped (BENCH_SKIP_CBACK3=1)"
  fi
  say "tar: $(tar --version | head -n 1); zstd: $(zstd --version)"
  [ "$have_cback3" = 1 ] && say "cback3: $(dpkg-query -W -f '${Version}' cedar-backup3 2>/dev/null || echo '?')"
  return 0
}

build() {
  build_release "$build_dir" "$logs/build.log" all "$cback" "$corpus_tool"
}

# ---------------------------------------------------------------- rows
# Each row has an id; its figures are kept in these arrays, by id.
declare -A r_label r_wall r_cpu r_rss r_out r_bytes r_note
cback_available=1

# record ID LABEL CORPUS_BYTES OUT_BYTES: keeps the last measure_row figures.
record() {
  r_label[$1]=$2 r_bytes[$1]=$3 r_out[$1]=$4
  r_wall[$1]=$row_wall r_cpu[$1]=$row_cpu r_rss[$1]=$row_rss_kb r_note[$1]=""
  printf '%-30s %7s s wall %7s s CPU %7s MB RSS %9s MB out\n' "$2" "$row_wall" "$row_cpu" \
    "$(mb $((row_rss_kb * 1024)))" "$(mb "$4")"
}

# note ID LABEL TEXT: a row that did not run, and why.
note() {
  r_label[$1]=$2 r_note[$1]=$3
  printf '%-30s %s\n' "$2" "$3"
}

# fresh DIR: an empty scratch directory (with collect/ and work/) for a row.
fresh() { rm -rf "$1" && mkdir -p "$1/collect" "$1/work" && echo "$1"; }

# cback_toml DIR TREE ARCHIVE MODE: a cback configuration collecting TREE.
cback_toml() {
  cat >"$1/cback.toml" <<EOF
[options]
starting_day = "$(weekday_after_today)"
working_dir = "$1/work"
backup_user = "root"
backup_group = "root"
rcp_command = "/usr/bin/scp -B"

[collect]
collect_dir = "$1/collect"
collect_mode = "$4"
archive_mode = "$3"
ignore_file = ".cbignore"

[[collect.dir]]
abs_path = "$2"
EOF
}

# cback3_xml DIR TREE ARCHIVE MODE: the same in the original's XML.
cback3_xml() {
  cat >"$1/cback3.xml" <<EOF
<?xml version="1.0"?>
<cb_config>
  <options>
    <starting_day>$(weekday_after_today)</starting_day>
    <working_dir>$1/work</working_dir>
    <backup_user>root</backup_user>
    <backup_group>root</backup_group>
    <rcp_command>/usr/bin/scp -B</rcp_command>
  </options>
  <collect>
    <collect_dir>$1/collect</collect_dir>
    <collect_mode>$4</collect_mode>
    <archive_mode>$3</archive_mode>
    <ignore_file>.cbignore</ignore_file>
    <dir><abs_path>$2</abs_path></dir>
  </collect>
</cb_config>
EOF
}

# failed_row ID LABEL: notes a row whose command failed.
failed_row() {
  failed=1
  note "$1" "$2" "FAILED (exit $row_rc), see bench/results/logs-$today/$1.log"
}

# cback_row ID LABEL DIR TREE BYTES [--full]: one `cback collect` run.
cback_row() {
  local id=$1 label=$2 dir=$3 tree=$4 bytes=$5
  shift 5
  if [ "$cback_available" = 0 ]; then
    note "$id" "$label" "cback collect: not available in this build"
    return
  fi
  prepare_cache "$cache" "$tree"
  if measure_row "$logs/$id.log" "$cback" -c "$dir/cback.toml" -l "$dir/cback.log" "$@" collect; then
    record "$id" "$label" "$bytes" "$(bytes_in "$dir/collect")"
  elif [ "$row_rc" = 6 ] && grep -q "not available" "$logs/$id.log"; then
    cback_available=0
    note "$id" "$label" "cback collect: not available in this build"
  else
    failed_row "$id" "$label"
  fi
}

# cback3_row ID LABEL DIR TREE BYTES [--full]: one `cback3 collect` run.
cback3_row() {
  local id=$1 label=$2 dir=$3 tree=$4 bytes=$5
  shift 5
  if [ "$have_cback3" = 0 ]; then
    note "$id" "$label" "cback3: not run (see tools above)"
    return
  fi
  prepare_cache "$cache" "$tree"
  if measure_row "$logs/$id.log" cback3 -c "$dir/cback3.xml" -l "$dir/cback3.log" "$@" collect; then
    record "$id" "$label" "$bytes" "$(bytes_in "$dir/collect")"
  else
    failed_row "$id" "$label"
  fi
}

# shell_row ID LABEL TREE BYTES SCRIPT: a reference pipeline; SCRIPT reads
# $tree and writes $out.
shell_row() {
  local id=$1 label=$2 tree=$3 bytes=$4 script=$5 dir
  dir=$(fresh "$work/$id")
  prepare_cache "$cache" "$tree"
  if measure_row "$logs/$id.log" env out="$dir/out" tree="$tree" bash -o pipefail -c "$script"; then
    record "$id" "$label" "$bytes" "$(bytes_in "$dir")"
  else
    failed_row "$id" "$label"
  fi
  rm -rf "$dir"
}

# The full collect of the mixed tree: cback, then the reference tools.
run_mixed_rows() {
  local dir archive
  for archive in tarzst targz; do
    dir=$(fresh "$work/cback-$archive")
    cback_toml "$dir" "$mixed" "$archive" daily
    cback_row "cback_$archive" "cback collect $archive" "$dir" "$mixed" "$mixed_bytes" --full
    rm -rf "$dir"
  done
  # tar names the tree by its absolute path, as collect does (-P keeps the
  # leading "/" and spares tar's warning about it). cback fsyncs every
  # archive before it renames it into place, so each reference row ends with
  # `sync FILE` (an fsync of its output): every row pays for durability.
  # shellcheck disable=SC2016 # $tree and $out expand in the row's shell
  shell_row tar_zstd_t0 "tar | zstd -3 -T0" "$mixed" "$mixed_bytes" \
    'tar -cPf - "$tree" | zstd -q -3 -T0 >"$out" && sync "$out"'
  # shellcheck disable=SC2016
  shell_row tar_zstd_t1 "tar | zstd -3 -T1" "$mixed" "$mixed_bytes" \
    'tar -cPf - "$tree" | zstd -q -3 -T1 >"$out" && sync "$out"'
  # shellcheck disable=SC2016
  shell_row tar_gz "tar -czf" "$mixed" "$mixed_bytes" 'tar -cPzf "$out" "$tree" && sync "$out"'
  dir=$(fresh "$work/cback3-targz")
  cback3_xml "$dir" "$mixed" targz daily
  cback3_row cback3_targz "cback3 collect targz" "$dir" "$mixed" "$mixed_bytes" --full
  rm -rf "$dir"
}

# BENCH_PAIRS=N: the tarzst target alone, as interleaved pairs, so that a
# load that comes and goes on a shared machine hits both sides alike.
run_pairs() {
  local pairs=$1 i dir ratios=()
  say "| pair | cback collect tarzst s | tar \| zstd -3 -T0 s | ratio |"
  say "|---|---|---|---|"
  for ((i = 1; i <= pairs; i++)); do
    dir=$(fresh "$work/pair-cback")
    cback_toml "$dir" "$mixed" tarzst daily
    cback_row pair_cback "cback collect tarzst" "$dir" "$mixed" "$mixed_bytes" --full >/dev/null
    rm -rf "$dir"
    # shellcheck disable=SC2016 # $tree and $out expand in the row's shell
    shell_row pair_tar "tar | zstd -3 -T0" "$mixed" "$mixed_bytes" \
      'tar -cPf - "$tree" | zstd -q -3 -T0 >"$out" && sync "$out"' >/dev/null
    if ! ran pair_cback || ! ran pair_tar; then
      say "pair $i: a row failed (see $logs)"
      return 1
    fi
    ratios+=("$(speed_vs pair_cback pair_tar)")
    say "| $i | ${r_wall[pair_cback]} | ${r_wall[pair_tar]} | ${ratios[-1]} |"
  done
  say ""
  say "median ratio (above 1: cback faster): $(printf '%s\n' "${ratios[@]}" | sort -n |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
}

# The small-file tree in collect_mode incr: a full run, then an unchanged
# one (starting_day is tomorrow, so a run without --full is incremental).
run_incr_rows() {
  local dir
  dir=$(fresh "$work/cback-incr")
  cback_toml "$dir" "$small" targz incr
  cback_row cback_incr_full "cback incr: full (targz)" "$dir" "$small" "$small_bytes" --full
  cback_row cback_incr_same "cback incr: unchanged" "$dir" "$small" "$small_bytes"
  rm -rf "$dir"
  dir=$(fresh "$work/cback3-incr")
  cback3_xml "$dir" "$small" targz incr
  cback3_row cback3_incr_full "cback3 incr: full (targz)" "$dir" "$small" "$small_bytes" --full
  cback3_row cback3_incr_same "cback3 incr: unchanged" "$dir" "$small" "$small_bytes"
  rm -rf "$dir"
  # The floor of any stat-based incremental: one lstat per entry, nothing else.
  # shellcheck disable=SC2016
  shell_row find_stat "find -printf %s (stat floor)" "$small" "$small_bytes" \
    'find "$tree" -printf "%s\n" >/dev/null'
}

# ---------------------------------------------------------------- report
# ran ID: true when the row ran and has figures.
ran() { [ -n "${r_wall[$1]:-}" ] && [ -z "${r_note[$1]:-}" ]; }

# table_row ID RATIO: one Markdown line.
table_row() {
  local id=$1 ratio=$2
  if ran "$id"; then
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "${r_label[$id]//|/\\|}" "${r_wall[$id]}" \
      "$(mb_per_s "${r_bytes[$id]}" "${r_wall[$id]}")" "${r_cpu[$id]}" \
      "$(mb $((r_rss[$id] * 1024)))" "$(mb "${r_out[$id]}")" "$ratio"
  else
    printf '| %s | %s | | | | | |\n' "${r_label[$id]//|/\\|}" "${r_note[$id]:-not run}"
  fi
}

# speed_vs ID REF: how many times faster ID ran than REF (wall), or "-".
speed_vs() { if ran "$1" && ran "$2"; then ratio "${r_wall[$2]}" "${r_wall[$1]}"; else echo -; fi; }
# cpu_vs ID REF: REF's CPU seconds over ID's, or "-".
cpu_vs() { if ran "$1" && ran "$2"; then ratio "${r_cpu[$2]}" "${r_cpu[$1]}"; else echo -; fi; }

report() {
  local id incr_cpu=-
  ran cback_incr_same && incr_cpu="${r_cpu[cback_incr_same]} s"
  say "# collect benchmark, $today"
  say
  say "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)" \
    "RAM; page cache: $cache before every row; corpus seed $seed."
  say "MB = 2^20 bytes; CPU = user + sys seconds of all processes of the row;" \
    "RSS = peak resident size of its largest process."
  say
  say "## Full collect, mixed tree: $(mb "$mixed_bytes") MB of files"
  say
  say "| row | wall s | MB/s | CPU s | peak RSS MB | output MB | speed vs tar \\| zstd -T0 |"
  say "|---|---|---|---|---|---|---|"
  for id in cback_tarzst cback_targz tar_zstd_t0 tar_zstd_t1 tar_gz cback3_targz; do
    table_row "$id" "$(speed_vs "$id" tar_zstd_t0)"
  done
  say
  say "## Incremental collect, small-file tree: $incr_files files, $(mb "$small_bytes") MB"
  say
  say "| row | wall s | MB/s | CPU s | peak RSS MB | output MB | cback3 / cback: wall, CPU |"
  say "|---|---|---|---|---|---|---|"
  table_row cback_incr_full "$(speed_vs cback_incr_full cback3_incr_full), $(cpu_vs cback_incr_full cback3_incr_full)"
  table_row cback_incr_same "$(speed_vs cback_incr_same cback3_incr_same), $(cpu_vs cback_incr_same cback3_incr_same)"
  table_row cback3_incr_full ""
  table_row cback3_incr_same ""
  table_row find_stat "$(speed_vs find_stat cback3_incr_same), $(cpu_vs find_stat cback3_incr_same)"
  say
  say "## Targets (docs/performance.md)"
  say
  say "- cback tarzst speed / tar | zstd -3 -T0 speed: $(speed_vs cback_tarzst tar_zstd_t0) (target ≥ 1)"
  say "- cback targz speed / cback3 targz speed: $(speed_vs cback_targz cback3_targz) (target ≥ 10)"
  say "- cback unchanged incremental run, CPU: $incr_cpu (target < 1 s for 100 000 files);" \
    "cback3 / cback: $(speed_vs cback_incr_same cback3_incr_same) wall (target ≥ 50)," \
    "$(cpu_vs cback_incr_same cback3_incr_same) CPU"
  say "- cback unchanged incremental run / find -printf %s (the stat floor):" \
    "$(speed_vs find_stat cback_incr_same) wall (target ≤ 1.2), $(cpu_vs find_stat cback_incr_same) CPU"
}

main() {
  check_tools
  build
  step "corpus (seed $seed)"
  mixed=$root/bench/corpus/mixed-$size_mb-s$seed
  small=$root/bench/corpus/small-$incr_files-s$seed
  mixed_bytes=$(corpus "mixed-$size_mb-s$seed" --size "$size_mb")
  small_bytes=$(corpus "small-$incr_files-s$seed" --profile small --files "$incr_files")
  cache=$(cache_mode)
  if [ -n "${BENCH_PAIRS:-}" ]; then
    step "pairs ($cache cache before every run; $(nproc) cores)"
    run_pairs "$BENCH_PAIRS" | tee "$results/collect-pairs-$today.md"
    return "${PIPESTATUS[0]}"
  fi
  step "rows ($cache cache before every row; $(nproc) cores)"
  run_mixed_rows
  run_incr_rows
  step "results"
  report | tee "$results/collect-$today.md"
  say "written: bench/results/collect-$today.md; logs in bench/results/logs-$today/"
  [ "$failed" = 0 ] || say "some rows FAILED to run (see above)"
  return "$failed"
}

main "$@"
