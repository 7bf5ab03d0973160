#!/usr/bin/env bash
# Installs and builds the peer clients of bench/compare (bench/peers/) on
# Debian 12: libcurl's multi interface and Boost.Beast (compiled here), Node's
# undici (from npm), aiohttp (Debian's python3-aiohttp, with python3-uvloop).
#
#   bench/setup_peers.sh [BUILD_DIR]     (default: build/peers in the source tree)
#
# Into BUILD_DIR: curl_multi, beast_client, node_modules/undici. The Python
# and Node peers run from bench/peers/ (/usr/bin/python3 aiohttp_client.py,
# node undici_client.mjs with UNDICI_DIR=BUILD_DIR). Idempotent: quiet and
# fast when everything is already there and up to date.
set -euo pipefail

SOURCE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS=$SOURCE/bench/peers
BUILD=${1:-$SOURCE/build/peers}
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)

# undici 7 needs Node >= 20.18.1; Debian 12's own nodejs is 18.20, where 6.x runs.
UNDICI_NEW=7.30.2
UNDICI_OLD=6.29.1

packages=(g++ time wrk nginx-light libcurl4-openssl-dev libboost-dev python3-aiohttp python3-uvloop)
# Node.js: keep the machine's (e.g. NodeSource's, which bundles npm and
# conflicts with Debian's npm package); else Debian's nodejs + npm.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

"$(dirname "${BASH_SOURCE[0]}")/../tools/apt_install.sh" setup_peers "${packages[@]}"

# undici, pinned to an exact version.
if node -e 'const [a, b, c] = process.versions.node.split(".").map(Number);
            process.exit(a > 20 || (a === 20 && (b > 18 || (b === 18 && c >= 1))) ? 0 : 1)'; then
  undici=$UNDICI_NEW
else
  undici=$UNDICI_OLD
fi
have=$(node -p "try { require('$BUILD/node_modules/undici/package.json').version } catch { '' }")
if [ "$have" != "$undici" ]; then
  echo "setup_peers: npm install undici@$undici into $BUILD" >&2
  npm install --prefix "$BUILD" --no-audit --no-fund --loglevel=error --save-exact "undici@$undici" >/dev/null
fi

# The compiled peers, rebuilt when their source is newer.
if [ ! -x "$BUILD/curl_multi" ] || [ "$PEERS/curl_multi.c" -nt "$BUILD/curl_multi" ]; then
  gcc -O2 -o "$BUILD/curl_multi" "$PEERS/curl_multi.c" -lcurl
fi
if [ ! -x "$BUILD/beast_client" ] || [ "$PEERS/beast_client.cpp" -nt "$BUILD/beast_client" ]; then
  g++ -std=c++20 -O2 -o "$BUILD/beast_client" "$PEERS/beast_client.cpp" -lpthread
fi
