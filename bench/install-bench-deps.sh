#!/usr/bin/env bash
# What `npm run bench` needs beyond the npm dependencies: the test suite's engine and certificates
# (Debian docker.io, busybox-static, openssl) and the HAProxy it compares against (Debian haproxy).
# Installs what is missing when run as root; otherwise says which apt-get command would. Idempotent:
# apt is not touched at all when nothing is missing.
set -euo pipefail

missing=()
needs() { # needs PACKAGE CHECK...: queue PACKAGE for installation unless CHECK succeeds
  local package=$1
  shift
  "$@" >/dev/null 2>&1 || missing+=("$package")
}
has() { command -v "$1"; }
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

needs haproxy has haproxy
needs docker.io has dockerd
needs busybox-static installed busybox-static
needs openssl has openssl

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-bench-deps: missing ${missing[*]}; as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "install-bench-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
