#!/usr/bin/env bash
# Installs what is missing, builds cback, and demonstrates the main job on
# this machine without touching the system: the sample configuration
# (config/cback.toml) with its directories moved under a scratch directory is
# validated, the legacy XML twin (config/cback.xml) is converted and checked.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${CBACK_JOBS:-2}

step() { printf '\n==== %s\n' "$*"; }

step "dependencies"
if [ "$(id -u)" -eq 0 ]; then bash tools/install-deps.sh; else sudo bash tools/install-deps.sh; fi

step "build (Release)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$jobs" --target cback cback-config
bin=$PWD/build/release

demo=$(mktemp -d /tmp/cback-demo.XXXXXX)
step "demo pool in $demo"
# Move every path of the sample under the scratch directory and point the
# writer at a stdio: image file there, then create the directories it names.
sed -e "s#/var/backups/cback#$demo/var/backups/cback#g" \
    -e "s#^\(target_device *= *\).*#\1\"stdio:$demo/disc.iso\"#" \
    config/cback.toml > "$demo/cback.toml"
grep -o "\"$demo/[^\"]*\"" "$demo/cback.toml" | tr -d '"' | grep -v '\.iso$' | sort -u |
  while read -r dir; do mkdir -p "$dir"; done
chown -R backup:backup "$demo/var" 2>/dev/null || true

step "cback --diagnostics"
"$bin/cback" --diagnostics

step "cback validate (the sample configuration)"
"$bin/cback" --config "$demo/cback.toml" --logfile "$demo/cback.log" --verbose validate

step "cback-config: the legacy XML twin converts to the same configuration"
"$bin/cback-config" check config/cback.xml
"$bin/cback-config" convert config/cback.xml -o "$demo/converted.toml"
"$bin/cback-config" check "$demo/converted.toml"
head -n 20 "$demo/converted.toml"

step "the log of the run"
cat "$demo/cback.log"
printf '\nDemo finished; its files are in %s\n' "$demo"
