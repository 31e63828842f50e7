#!/usr/bin/env bash
# What `npm run bench` needs beyond the npm dependencies: the test suite's engine and certificates
# (Debian docker.io, busybox-static, openssl) and the HAProxy it compares against (Debian haproxy).
# Installs what is missing when run as root; otherwise says which apt-get command would. Idempotent:
# apt is not touched at all when nothing is missing.
set -euo pipefail

source "$(dirname "$0")/../scripts/apt-needs.sh"

needs haproxy has haproxy
needs docker.io has dockerd
needs busybox-static installed busybox-static
needs openssl has openssl

install_missing install-bench-deps
