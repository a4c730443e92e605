# Helpers shared by the benchmark scripts in bench/ (sourced, not run).
#
# A row is one measured command: measure_row runs it under /usr/bin/time and
# records wall seconds, CPU seconds (user + sys, children included) and peak
# RSS. Rows are compared with each other as ratios, never with fixed times:
# the machine is shared and absolute numbers are noise.

# Figures of the last measure_row call.
row_wall=0
row_cpu=0
row_rss_kb=0
row_rc=0

say() { printf '%s\n' "$*"; }
step() { printf '\n==== %s\n' "$*"; }

# require_tools TOOL...: exits naming every TOOL (a command, or an absolute
# path "PATH (what provides it)") that is missing, and GNU time.
require_tools() {
  local missing=() tool
  for tool in "$@" "/usr/bin/time (Debian package time)"; do
    case $tool in
    /*) [ -x "${tool%% *}" ] || missing+=("$tool") ;;
    *) command -v "$tool" >/dev/null || missing+=("$tool") ;;
    esac
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "missing: ${missing[*]}; run: sudo bash tools/install-deps.sh"
    exit 1
  fi
}

# cback3_wanted: true when the original's cback3 is installed and
# BENCH_SKIP_CBACK3 is not 1; says so when its rows are left out.
cback3_wanted() {
  if command -v cback3 >/dev/null && [ "${BENCH_SKIP_CBACK3:-0}" != 1 ]; then
    return 0
  fi
  say "cback3 row left out"
  return 1
}

# options_toml WORKING_DIR: the [options] table of a benchmark's cback
# configuration (run as root, starting on Monday).
options_toml() {
  printf '[options]\nstarting_day = "monday"\nworking_dir = '"'"'%s'"'"'\n' "$1"
  printf 'backup_user = "root"\nbackup_group = "root"\nrcp_command = "/usr/bin/scp -B"\n'
}

# cache_mode: "cold" when the page cache can be dropped before each row,
# "warm" otherwise (or when BENCH_CACHE=warm). Decided once, for every row.
cache_mode() {
  if [ "${BENCH_CACHE:-}" = warm ]; then echo warm; return; fi
  if [ -w /proc/sys/vm/drop_caches ] && sync && (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
    echo cold
  else
    echo warm
  fi
}

# prepare_cache MODE DIR...: before a row, drop the page cache (cold) or read
# the trees once so that every row starts from the same warm cache.
prepare_cache() {
  local mode=$1; shift
  if [ "$mode" = cold ]; then
    sync
    echo 3 >/proc/sys/vm/drop_caches
  else
    local dir
    for dir in "$@"; do tar -cf - -C "$dir" . 2>/dev/null | cat >/dev/null; done
  fi
}

# measure_row LOG CMD...: runs CMD with its output in LOG; sets row_*.
# Returns CMD's exit status.
measure_row() {
  local log=$1; shift
  local times
  times=$(mktemp)
  row_rc=0
  /usr/bin/time -o "$times" -f '%e %U %S %M' -- "$@" >"$log" 2>&1 || row_rc=$?
  # On failure time writes "Command exited with non-zero status N" first.
  local wall user sys rss
  read -r wall user sys rss < <(tail -n 1 "$times")
  rm -f "$times"
  row_wall=$wall
  row_cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  row_rss_kb=$rss
  return "$row_rc"
}

# bytes_in DIR: total size of the regular files under DIR (the archives a
# collect run wrote), leaving out the empty cback.collect indicator.
bytes_in() {
  find "$1" -type f ! -name cback.collect -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
}

# Arithmetic on decimals, printed with 2 places ("-" when undefined).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else print "-" }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
mb_per_s() { awk -v b="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.1f", b / 1048576 / t; else print "-" }'; }

# weekday_after_today: the name of tomorrow's weekday, for a starting_day
# that is not today (so that a run without --full is incremental).
weekday_after_today() { LC_ALL=C date -d tomorrow +%A | tr '[:upper:]' '[:lower:]'; }

# build_release BUILD_DIR LOG TARGET PROGRAM...: cback's Release build
# (tests off) in BUILD_DIR — every program for TARGET "all", else that one
# target — with its output in LOG. Skipped when BENCH_SKIP_BUILD=1 and every
# PROGRAM the caller runs exists; exits on a failed build.
build_release() {
  local dir=$1 log=$2 target=$3 program ready=1
  shift 3
  step "build (Release) in ${dir#"$PWD"/}"
  for program in "$@"; do [ -x "$program" ] || ready=0; done
  if [ "${BENCH_SKIP_BUILD:-0}" = 1 ] && [ "$ready" = 1 ]; then
    say "skipped (BENCH_SKIP_BUILD=1)"
    return
  fi
  if ! { cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCBACK_TESTS=OFF &&
    cmake --build "$dir" -j2 --target "$target"; } >"$log" 2>&1; then
    say "build failed; see $log"
    tail -n 20 "$log"
    exit 1
  fi
  say "ok"
}

# corpus NAME ARGS...: generates bench/corpus/NAME once with $corpus_tool
# (cback-corpus, seed $seed); a stamp holding the
# generator's source digest and its summary marks a complete tree.
corpus() {
  local name=$1; shift
  local dir=$root/bench/corpus/$name stamp=$root/bench/corpus/$name.summary
  local source_digest
  source_digest=$(sha256sum src/tools/cback_corpus.cpp | cut -c1-16)
  if [ -f "$stamp" ] && head -n 1 "$stamp" | grep -qx "source $source_digest"; then
    say "$name: reused ($(grep -E '^(files|bytes) ' "$stamp" | tr '\n' ' '))" >&2
  else
    rm -rf "$dir" "$stamp"
    say "$name: generating..." >&2
    { echo "source $source_digest" && "$corpus_tool" --seed "$seed" --out "$dir" "$@"; } >"$stamp.partial"
    mv "$stamp.partial" "$stamp"
    sed 1,2d "$stamp" | tr '\n' ' ' >&2
    echo >&2
  fi
  awk '$1 == "bytes" { print $2 }' "$stamp"
}
