#!/usr/bin/env bash
# Packaging (issue #8): the consumer project in tests/consumer/ builds and
# runs against
#   (a) this build, installed with `meson install --destdir` into a temporary
#       root, compiled with the flags of `pkg-config --cflags aiocpp` and
#       linked with `pkg-config --static --libs aiocpp` (no meson involved);
#   (b) aiocpp as a meson subproject (subprojects/aiocpp -> this source tree),
#       building only the consumer and what it needs (the library).
#
#   tests/test_packaging.sh SOURCE_ROOT BUILD_ROOT [installed|subproject]...
#
# Registered in tests/meson.build as the test 'packaging' (suite
# 'packaging'). Exits 77 (skipped) for a sanitizer build: its libaiocpp.a
# needs -fsanitize at link time and is never installed (TOOLCHAIN.md §4).
# AIOCPP_PACKAGING_JOBS sets the subproject build's parallelism (default 2).
set -euo pipefail

src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
shift 2
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(installed subproject)
jobs=${AIOCPP_PACKAGING_JOBS:-2}

option() {
  meson introspect --buildoptions "$build" |
    python3 -c 'import json, sys; print({o["name"]: o["value"] for o in json.load(sys.stdin)}[sys.argv[1]])' "$1"
}

if [ "$(option b_sanitize)" != none ]; then
  echo "packaging: skipped in a sanitizer build (b_sanitize=$(option b_sanitize)): it is never installed"
  exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

installed() {
  local root=$tmp/root prefix libdir
  prefix=$(option prefix)
  libdir=$(option libdir)
  # Only the files a C++ user needs (tag devel: libaiocpp.a, the headers,
  # aiocpp.pc); --no-rebuild: the test depends on the library target.
  meson install -C "$build" --destdir "$root" --tags devel --no-rebuild --quiet
  [ -f "$root$prefix/$libdir/libaiocpp.a" ] || { echo "FAIL: libaiocpp.a not installed"; return 1; }
  [ -f "$root$prefix/include/aio/aio.hpp" ] || { echo "FAIL: include/aio/aio.hpp not installed"; return 1; }
  [ -f "$root$prefix/$libdir/pkgconfig/aiocpp.pc" ] || { echo "FAIL: aiocpp.pc not installed"; return 1; }

  # A staged install: the sysroot prefixes every -I and -L (aiocpp's point
  # into the staged root; the system packages' ones, such as simdjson's
  # -I/usr/include, then name directories that do not exist, which is
  # harmless: their headers and libraries are in the default paths).
  export PKG_CONFIG_PATH=$root$prefix/$libdir/pkgconfig
  export PKG_CONFIG_SYSROOT_DIR=$root
  local cflags libs
  cflags=$(pkg-config --cflags aiocpp)
  libs=$(pkg-config --static --libs aiocpp)
  unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
  echo "pkg-config --cflags aiocpp: $cflags"
  echo "pkg-config --static --libs aiocpp: $libs"
  # Nothing from the source tree: the consumer sees only the installed files.
  # shellcheck disable=SC2086
  c++ -std=c++20 $cflags "$src/tests/consumer/main.cpp" -o "$tmp/consumer-installed" $libs
  "$tmp/consumer-installed"
}

subproject() {
  local proj=$tmp/consumer
  mkdir -p "$proj/subprojects"
  cp "$src/tests/consumer/meson.build" "$src/tests/consumer/main.cpp" "$proj/"
  ln -s "$src" "$proj/subprojects/aiocpp"
  # --force-fallback-for: the subproject, even where an aiocpp.pc is installed.
  meson setup "$proj/build" "$proj" --force-fallback-for=aiocpp >"$tmp/setup.log" 2>&1 ||
    { cat "$tmp/setup.log"; return 1; }
  grep -q "Executing subproject aiocpp" "$tmp/setup.log" || { cat "$tmp/setup.log"; echo "FAIL: subproject not used"; return 1; }
  meson compile -C "$proj/build" -j "$jobs" consumer >"$tmp/compile.log" 2>&1 ||
    { tail -n 40 "$tmp/compile.log"; return 1; }
  "$proj/build/consumer"
}

for part in "${parts[@]}"; do
  start=$(date +%s)
  echo "== packaging: $part"
  "$part"
  echo "== packaging: $part ok ($(($(date +%s) - start)) s)"
done
