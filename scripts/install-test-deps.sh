#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine (run as root), then the npm dependencies.
# Idempotent: what is present is left alone, and apt is not touched at all when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
needs() { # needs PACKAGE CHECK...: queue PACKAGE for installation unless CHECK succeeds
  local package=$1
  shift
  "$@" >/dev/null 2>&1 || missing+=("$package")
}
has() { command -v "$1"; }
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

# A private dockerd per end-to-end test file (containerd and runc come with it).
needs docker.io has dockerd
# The test image is built from a static busybox copied into an empty root filesystem.
needs busybox-static installed busybox-static
# Test certificates for the mutual-TLS listener.
needs openssl has openssl
# `script` gives the docker CLI a terminal for `-it`; `umount` cleans up after an engine.
needs bsdutils has script
needs mount has umount
# deploy/dockgate.service is checked with `systemd-analyze verify` and `systemd-analyze security`.
needs systemd has systemd-analyze
# npm ci builds the project's native addon with node-gyp.
needs python3 has python3
needs make has make
needs g++ has g++

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
