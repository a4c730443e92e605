#!/usr/bin/env bash
# Builds the Debian packages cback and cback-tools into dist/ and checks
# them with lintian (an error fails; warnings are printed).
#
#   bash tools/package.sh                  a build tree of its own,
#                                          build/package, compiled with
#                                          Debian's hardening flags
#   bash tools/package.sh --build-dir DIR  packages the programs of an
#                                          existing build tree as they are
#                                          (tools/test.sh: no second build)
#
# Either way the tree is configured with prefix /usr and CPack makes the
# packages (cmake/Packaging.cmake); Depends: comes from dpkg-shlibdeps.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${CBACK_JOBS:-2}
dist=$root/dist
build=
case ${1:-} in
"") ;;
--build-dir) build=$(realpath "${2:?--build-dir needs a directory}") ;;
*) echo "usage: bash tools/package.sh [--build-dir DIR]" >&2; exit 2 ;;
esac

for tool in cmake ninja cpack dpkg-buildflags dpkg-shlibdeps lintian; do
  command -v "$tool" >/dev/null || {
    echo "package.sh: $tool is missing; run tools/install-deps.sh" >&2; exit 1; }
done

if [ -z "$build" ]; then
  build=$root/build/package
  # Hardening (fortify, stack protector, relro, bindnow) without -g: the
  # packages ship stripped programs, and -O comes from the Release type.
  export DEB_BUILD_MAINT_OPTIONS=hardening=+all
  export DEB_CFLAGS_MAINT_STRIP="-g -O2" DEB_CXXFLAGS_MAINT_STRIP="-g -O2"
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCBACK_TESTS=OFF "${launcher[@]}" \
    -DCMAKE_C_FLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
    -DCMAKE_CXX_FLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
    -DCMAKE_EXE_LINKER_FLAGS="$(dpkg-buildflags --get LDFLAGS)" >/dev/null
fi
# The prefix changes no compile command: an existing tree is not rebuilt.
cmake -S . -B "$build" -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$build" -j"$jobs"

rm -rf "$build/packages"
(cd "$build" && cpack -G DEB >/dev/null)
mkdir -p "$dist"
rm -f "$dist"/cback_*.deb "$dist"/cback-tools_*.deb
cp "$build"/packages/*.deb "$dist"/

status=0
for deb in "$dist"/*.deb; do
  echo "package.sh: $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version): $deb"
  lintian --fail-on error --tag-display-limit 0 "$deb" >"$build/lintian.log" 2>&1 || status=1
  grep -v '^running with root privileges' "$build/lintian.log" || true
done
exit $status
