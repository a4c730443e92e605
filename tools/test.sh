#!/usr/bin/env bash
# Installs what is missing, builds cback, and runs every test:
#   1. the Release build with warnings as errors, its Debian packages
#      (tools/package.sh): unit, integration and package tests (ctest)
#   2. a clang build with ASan+UBSan: the unit tests (ctest), and each
#      libFuzzer target (configuration readers, SFTP decoder), briefly
# Under CI=true a part a test needs that cannot be found or started is a
# failure, never a silent skip.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${CBACK_JOBS:-2}
fuzz_seconds=${CBACK_FUZZ_SECONDS:-30}

step() { printf '\n==== %s (%s)\n' "$*" "$(date +%T)"; }

step "dependencies"
if [ "$(id -u)" -eq 0 ]; then bash tools/install-deps.sh; else sudo bash tools/install-deps.sh; fi

step "build (Release, -Werror)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCBACK_WERROR=ON >/dev/null
cmake --build build/release -j"$jobs"

step "Debian packages (dist/, lintian)"
CBACK_JOBS=$jobs bash tools/package.sh --build-dir build/release

step "test servers (sshd, PostgreSQL, MariaDB, ...)"
servers=$root/build/servers
trap 'bash "$root/tools/servers.sh" stop "$servers"' EXIT
bash tools/servers.sh start "$servers"
set -a
# shellcheck disable=SC1091
source "$servers/env"
set +a

step "tests (Release)"
(cd build/release && ctest --output-on-failure -j"$jobs")

# One clang build serves both: the library instrumented for ASan, UBSan and
# libFuzzer's coverage, the unit tests and the fuzz targets linked against it.
step "build (clang: ASan+UBSan unit tests, libFuzzer targets)"
CC=clang CXX=clang++ cmake -S . -B build/sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCBACK_WERROR=ON \
  -DCBACK_SANITIZE=ON -DCBACK_FUZZ=ON -DCBACK_BENCH=OFF >/dev/null
cmake --build build/sanitize -j"$jobs" --target cback_unit_tests fuzz_config_xml fuzz_config_toml fuzz_index fuzz_sftp

step "tests (ASan+UBSan)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build/sanitize && ctest --output-on-failure -j"$jobs" -L unit)

step "fuzz (libFuzzer, ${fuzz_seconds}s per target)"
for target in build/sanitize/tests/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus=build/sanitize/corpus/$name
  mkdir -p "$corpus"
  seeds=${name#fuzz_}
  cp -n tests/fuzz/corpus/"${seeds#config_}"/* "$corpus"/ 2>/dev/null || true
  "$target" -max_total_time="$fuzz_seconds" -print_final_stats=1 "$corpus" >"build/sanitize/$name.log" 2>&1 || {
    tail -50 "build/sanitize/$name.log"; echo "fuzz target $name failed" >&2; exit 1; }
  grep -E 'stat::number_of_executed_units' "build/sanitize/$name.log" | sed "s/^/$name: /"
done

step "all tests passed"
