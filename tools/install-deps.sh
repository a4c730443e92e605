#!/usr/bin/env bash
# Installs every Debian package cback needs to build, test and benchmark.
# Idempotent; run as root on Debian 12. Uses apt-get only.
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config clang-format
  libasio-dev liburing-dev libzstd-dev libarchive-dev
  libburn-dev libisofs-dev libisoburn-dev libssh-dev
  libtomlplusplus-dev libfmt-dev libspdlog-dev libpugixml-dev libpcre2-dev libssl-dev
  libexpected-dev catch2 libcurl4-openssl-dev
)
test_packages=(
  clang libclang-rt-14-dev       # libFuzzer for the config fuzz targets
  cedar-backup3                  # the original: its sample config, benchmarks, the Python bridge
  xorriso genisoimage            # independent readers of written images (xorriso, isoinfo)
  openssh-server openssh-client  # the loopback sshd peers are staged from
  iproute2                       # tc netem for the slow-link stage benchmark
  postgresql mariadb-server mariadb-client   # real database servers for the extensions
  subversion grepmail gnupg bzip2            # tools the extensions drive
  ceph-mon ceph-osd radosgw ceph-common   # a one-node Ceph S3 gateway for amazons3
  awscli                                   # the independent S3 reader in the tests
  zstd tar time
  lintian debootstrap logrotate systemd man-db   # the package tests (tools/package.sh, tests/package)
)

want=("${build_packages[@]}")
if [ "${1:-}" != "--build-only" ]; then want+=("${test_packages[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
  exit 1
fi

# apt may be busy (unattended upgrades): retry while the dpkg lock is held.
apt_get() {
  local try
  for try in $(seq 1 30); do
    if DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 "$@"; then return 0; fi
    echo "install-deps: apt-get $1 failed (try $try), retrying" >&2
    sleep 10
  done
  return 1
}
echo "install-deps: installing ${missing[*]}"
apt_get update -q
apt_get install -y -q --no-install-recommends "${missing[@]}"
