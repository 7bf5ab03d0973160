#!/usr/bin/env bash
# Installs the Debian packages given that are not installed yet (apt-get,
# with sudo unless root); quiet when there is nothing to do. Shared by
# tools/setup.sh and bench/setup_peers.sh.
#
#   tools/apt_install.sh NAME PACKAGE...     (NAME prefixes the one message)
set -euo pipefail
name=$1
shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "$name: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
