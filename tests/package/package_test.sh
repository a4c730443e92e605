#!/usr/bin/env bash
# Checks of the Debian packages that tools/package.sh builds into dist/
# (tools/test.sh builds them before running the tests). One check per run:
#   package_test.sh CHECK SOURCE_DIR WORK_DIR
#   units       systemd-analyze verify on every unit, in a root where the
#               package's files are unpacked
#   logrotate   logrotate -d on the package's logrotate configuration
#   contents    what dpkg-deb -c lists: programs, man pages, docs, units,
#               conffiles, and the developer tools in cback-tools only
#   man-pages   man -w finds a page for every program of both packages
#   fresh-root  dpkg -i into a fresh Debian 12 root, apt-get -f install
#               brings the dependencies, cback --version runs there
# Exit 0 passed, 1 failed, 4 skipped (a part missing outside CI; under
# CI=true a missing part is a failure).
set -euo pipefail
check=$1
source_dir=$2
work_dir=$3
dist=$source_dir/dist

fail() { echo "FAILED: $*" >&2; exit 1; }
missing() {
  if [ "${CI:-}" = "true" ]; then fail "required part missing: $*"; fi
  echo "SKIPPED: $* is not available" >&2
  exit 4
}
need() { command -v "$1" >/dev/null || missing "$1 (tools/install-deps.sh)"; }

deb_of() {
  local found=("$dist/$1"_*.deb)
  [ -f "${found[0]}" ] || missing "dist/$1_*.deb (bash tools/package.sh)"
  [ ${#found[@]} -eq 1 ] || fail "more than one $1 package in dist/: ${found[*]}"
  echo "${found[0]}"
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/cback-test-package.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Both packages unpacked into one root (no maintainer scripts run).
unpacked_root() {
  local root=$scratch/root deb
  mkdir -p "$root"
  for deb in "$(deb_of cback)" "$(deb_of cback-tools)"; do dpkg-deb -x "$deb" "$root"; done
  echo "$root"
}

# The programs a package installs, one per line.
programs_of() { dpkg-deb -c "$1" | awk '{print $6}' | sed -n 's|^\./usr/bin/\(.\)|\1|p'; }

check_units() {
  need systemd-analyze
  local root units
  root=$(unpacked_root)
  mapfile -t units < <(cd "$root/usr/lib/systemd/system" && ls)
  [ ${#units[@]} -ge 7 ] || fail "expected cback@.service, the mail unit and five timers, found: ${units[*]}"
  # verify resolves the targets the units name (timers.target,
  # sysinit.target...) in the root: the host's own units go in first.
  [ -d /usr/lib/systemd/system ] || missing "systemd's units (/usr/lib/systemd/system)"
  cp -an /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
  # It checks that each ExecStart= program exists in the root and runs
  # "man" for each Documentation=man: page (the root's pages). It exits 0
  # on an unknown key, so anything it prints is a failure too.
  (cd "$root/usr/lib/systemd/system" &&
     MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" "${units[@]}") \
    >"$scratch/verify.log" 2>&1 || { cat "$scratch/verify.log"; fail "systemd-analyze verify"; }
  [ ! -s "$scratch/verify.log" ] || { cat "$scratch/verify.log"; fail "systemd-analyze verify warns"; }
  local timer
  for timer in "$root"/usr/lib/systemd/system/cback-*.timer; do
    grep -q '^WantedBy=timers.target$' "$timer" || fail "$timer has no [Install] WantedBy=timers.target"
  done
  # The nightly times of the three roles, the same as the cron.d templates.
  local action time
  for action in all:00:30 collect:00:30 stage:02:30 store:04:30 purge:06:30; do
    time=${action#*:}
    action=${action%%:*}
    grep -qxF "OnCalendar=*-*-* $time:00" "$root/usr/lib/systemd/system/cback-$action.timer" ||
      fail "cback-$action.timer does not run at $time"
    grep -q "^#${time#*:} ${time%:*} \* \* \* root  /usr/bin/cback $action\$" "$root/etc/cron.d/cback" ||
      fail "/etc/cron.d/cback has no template for cback $action at $time"
  done
  # Nothing is enabled by the package: no links under /etc/systemd.
  [ ! -e "$root/etc/systemd" ] || fail "the package enables units itself"
}

check_logrotate() {
  need logrotate
  local root config
  root=$(unpacked_root)
  config=$root/etc/logrotate.d/cback
  [ -f "$config" ] || fail "no /etc/logrotate.d/cback in the package"
  logrotate -d -s "$scratch/state" "$config" >"$scratch/log" 2>&1 || { cat "$scratch/log"; fail "logrotate -d"; }
  grep -q 'rotating pattern: /var/log/cback.log' "$scratch/log" || { cat "$scratch/log"; fail "logrotate does not rotate /var/log/cback.log"; }
  grep -q 'weekly' "$config" && grep -q 'compress' "$config" && grep -q 'create 640 root adm' "$config" ||
    fail "the logrotate configuration is not weekly, compressed, 640 root:adm"
}

check_contents() {
  need dpkg-deb
  local cback tools listing tools_listing
  cback=$(deb_of cback)
  tools=$(deb_of cback-tools)
  listing=$(dpkg-deb -c "$cback" | awk '{print $6}')
  tools_listing=$(dpkg-deb -c "$tools" | awk '{print $6}')
  local expected
  for expected in ./usr/bin/cback ./usr/bin/cback-config ./usr/bin/cback-span \
      ./usr/share/man/man1/cback.1.gz ./usr/share/man/man1/cback-config.1.gz \
      ./usr/share/doc/cback/manual.md ./usr/share/doc/cback/configuration.md \
      ./usr/share/doc/cback/copyright ./usr/share/doc/cback/examples/cback.toml \
      ./usr/share/doc/cback/examples/cback.xml ./usr/lib/systemd/system/cback@.service \
      ./usr/lib/systemd/system/cback-all.timer ./etc/cron.d/cback ./etc/logrotate.d/cback \
      ./usr/libexec/cback/python-bridge; do
    grep -qxF "$expected" <<<"$listing" || fail "$expected is not in $cback"
  done
  # Every program of the product is packaged: one per src/tools/*.cpp
  # but the developer tools, and cback itself.
  local source program
  for source in "$source_dir"/src/tools/*.cpp; do
    program=$(basename "$source" .cpp | tr _ -)
    case $program in
    cback-bench | cback-corpus) grep -qxF "./usr/bin/$program" <<<"$tools_listing" || fail "$program is not in $tools" ;;
    *) grep -qxF "./usr/bin/$program" <<<"$listing" || fail "$program is not in $cback" ;;
    esac
  done
  if grep -qE '/usr/bin/cback-(bench|corpus)$' <<<"$listing"; then fail "developer tools in $cback"; fi
  if grep -q '/usr/local' <<<"$listing"; then fail "files under /usr/local in $cback"; fi
  # The configuration files in /etc survive an upgrade (conffiles).
  dpkg-deb -e "$cback" "$scratch/control"
  for expected in /etc/cron.d/cback /etc/logrotate.d/cback; do
    grep -qxF "$expected" "$scratch/control/conffiles" || fail "$expected is not a conffile"
  done
  # Depends: computed from the shared libraries.
  local depends
  depends=$(dpkg-deb -f "$cback" Depends)
  for expected in libc6 libssh libburn libarchive; do
    grep -q "$expected" <<<"$depends" || fail "Depends: of $cback lacks $expected: $depends"
  done
}

check_man_pages() {
  need man
  local root deb program count=0
  root=$(unpacked_root)
  for deb in "$(deb_of cback)" "$(deb_of cback-tools)"; do
    while read -r program; do
      man -M "$root/usr/share/man" -w "$program" >/dev/null || fail "no man page for $program ($deb)"
      count=$((count + 1))
    done < <(programs_of "$deb")
  done
  [ "$count" -ge 5 ] || fail "only $count programs in the packages"
  # The manual pages point at installed documents only.
  local doc
  for doc in $(zcat "$root"/usr/share/man/man1/*.gz | grep -o '/usr/share/doc/cback/[a-z.-]*' | sort -u); do
    [ -e "$root$doc" ] || fail "a man page names $doc, which is not installed"
  done
}

# A minimal Debian 12 made by debootstrap, kept as a tarball under the
# build tree: making it takes about three minutes, unpacking it seconds.
fresh_debian_root() {
  local tarball=$work_dir/debian12-minbase.tar root=$scratch/debian12
  mkdir -p "$work_dir" "$root"
  if [ ! -f "$tarball" ]; then
    need debootstrap
    debootstrap --variant=minbase bookworm "$scratch/bootstrap" http://deb.debian.org/debian \
      >"$scratch/debootstrap.log" 2>&1 || { tail -20 "$scratch/debootstrap.log"; fail "debootstrap"; }
    tar -C "$scratch/bootstrap" -cf "$tarball.partial" . && mv "$tarball.partial" "$tarball"
    rm -rf "$scratch/bootstrap"
  fi
  tar -C "$root" -xf "$tarball"
  echo "$root"
}

check_fresh_root() {
  [ "$(id -u)" -eq 0 ] || { echo "SKIPPED: installing into a Debian root needs root" >&2; exit 4; }
  local cback tools root
  cback=$(deb_of cback)
  tools=$(deb_of cback-tools)
  root=$(fresh_debian_root)
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  cp "$cback" "$tools" "$root/tmp/"
  # dpkg -i leaves the packages unconfigured for want of their
  # dependencies; apt-get -f install brings them and configures both.
  chroot "$root" dpkg -i "/tmp/$(basename "$cback")" "/tmp/$(basename "$tools")" >"$scratch/dpkg.log" 2>&1 || true
  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -q update >"$scratch/apt.log" 2>&1 &&
    chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -f --no-install-recommends install \
      >>"$scratch/apt.log" 2>&1 || { cat "$scratch/dpkg.log"; tail -30 "$scratch/apt.log"; fail "apt-get -f install"; }
  local package status
  for package in cback cback-tools; do
    status=$(chroot "$root" dpkg-query -W -f='${Status}' "$package")
    [ "$status" = "install ok installed" ] || fail "$package is \"$status\" after apt-get -f install"
  done
  chroot "$root" cback --version >"$scratch/version" || fail "cback --version in the fresh root"
  grep -q "$(dpkg-deb -f "$cback" Version)" "$scratch/version" || { cat "$scratch/version"; fail "cback --version"; }
  chroot "$root" cback-config --version >/dev/null || fail "cback-config --version in the fresh root"
  chroot "$root" cback-bench burn --help >/dev/null 2>&1 || fail "cback-bench in the fresh root"
  chroot "$root" cback-config check /usr/share/doc/cback/examples/cback.toml ||
    fail "the sample configuration does not check in the fresh root"
}

# Every check reads both packages. Looked for here, in this shell: deb_of's
# exit 4 inside a command substitution would end only the subshell.
deb_of cback >/dev/null
deb_of cback-tools >/dev/null

case $check in
units) check_units ;;
logrotate) check_logrotate ;;
contents) check_contents ;;
man-pages) check_man_pages ;;
fresh-root) check_fresh_root ;;
*) fail "unknown check $check" ;;
esac
echo "passed: package $check"
