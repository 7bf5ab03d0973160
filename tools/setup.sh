#!/usr/bin/env bash
# Installs everything aiocpp needs to build, test and benchmark on Debian 12.
# Idempotent: quiet and fast when every package is already present.
set -euo pipefail

packages=(
  # build
  g++ meson ninja-build pkg-config cmake
  # fuzzing (fuzz/run.sh): clang 14 and its libFuzzer/sanitizer runtimes
  clang libclang-rt-14-dev
  # libraries
  libuv1-dev node-llhttp libmbedtls-dev libsimdjson-dev zlib1g-dev doctest-dev liburiparser-dev
  # test peers and tools
  nginx-light python3 curl openssl valgrind wrk
)

"$(dirname "${BASH_SOURCE[0]}")/apt_install.sh" setup "${packages[@]}"
