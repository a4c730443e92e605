#!/usr/bin/env bash
# Installs what is missing, builds cback, and runs the main job end to end
# on a small sample pool, without touching the system (everything lives in
# one scratch directory):
#   1. two machines' collect directories are filled: the "client" collects
#      with its own configuration, the "master" with config/demo.toml;
#   2. `cback all` on the master: collect, stage (both peers), store (a
#      DVD+RW that is an image file, a libburn stdio: drive, read back with
#      check_data), purge;
#   3. the disc is listed with xorriso, an independent reader;
#   4. the sample configuration is validated and its legacy XML twin converted.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${CBACK_JOBS:-2}

step() { printf '\n==== %s\n' "$*"; }

step "dependencies"
if [ "$(id -u)" -eq 0 ]; then bash tools/install-deps.sh; else sudo bash tools/install-deps.sh; fi

step "build (Release)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$jobs" --target cback cback-config cback-corpus
bin=$PWD/build/release

demo=$(mktemp -d /tmp/cback-demo.XXXXXX)
step "sample pool in $demo"
for name in demo demo-client; do
  sed -e "s#/tmp/cback-demo/#$demo/#g" \
    -e "s#^\(backup_user *= *\).*#\1\"$(id -un)\"#" -e "s#^\(backup_group *= *\).*#\1\"$(id -gn)\"#" \
    "config/$name.toml" >"$demo/$name.toml"
done
mkdir -p "$demo/trees" "$demo/work" "$demo/stage" "$demo/master/collect" "$demo/client/collect" "$demo/client/work"
"$bin/cback-corpus" --out "$demo/trees/etc" --seed 1 --size 16 >/dev/null
"$bin/cback-corpus" --out "$demo/trees/home" --seed 2 --size 48 >/dev/null
"$bin/cback-corpus" --out "$demo/trees/srv" --seed 3 --size 32 >/dev/null
du -sh "$demo/trees"/*

step "the client collects (cback --config demo-client.toml collect)"
"$bin/cback" --config "$demo/demo-client.toml" --logfile "$demo/client.log" --output collect
ls -l "$demo/client/collect"

step "the master runs the whole job (cback --config demo.toml all)"
time "$bin/cback" --config "$demo/demo.toml" --logfile "$demo/cback.log" --output all
tail -n 5 "$demo/cback.log"

step "the disc, read by xorriso"
xorriso -indev "stdio:$demo/disc.iso" -toc 2>&1 | grep -E 'Media summary|ISO session|Volume id' || true
xorriso -indev "stdio:$demo/disc.iso" -find / -type f 2>/dev/null | sort
ls -l "$demo/disc.iso"

step "the sample configuration validates; its legacy XML twin converts"
# Every path of the sample moved under the scratch directory, the writer
# pointed at an image file there, and the directories it names created.
sed -e "s#/var/backups/cback#$demo/sample#g" \
    -e "s#^\(target_device *= *\).*#\1\"stdio:$demo/sample.iso\"#" \
    config/cback.toml >"$demo/sample.toml"
grep -o "\"$demo/sample/[^\"]*\"" "$demo/sample.toml" | tr -d '"' | sort -u | xargs mkdir -p
chown -R backup:backup "$demo/sample" 2>/dev/null || true
"$bin/cback" --config "$demo/sample.toml" --logfile "$demo/sample.log" validate
"$bin/cback-config" convert config/cback.xml -o "$demo/converted.toml"
"$bin/cback-config" check "$demo/converted.toml"

printf '\nDemo finished. The disc image is %s/disc.iso; the log is %s/cback.log\n' "$demo" "$demo"
