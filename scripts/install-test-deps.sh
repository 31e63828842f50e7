#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine (run as root), then the npm dependencies.
# Idempotent: what is present is left alone, and apt is not touched at all when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/apt-needs.sh

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
# Real SDK clients driven directly and through the gateway: the Docker SDK for Python 5.0.3 (run with
# /usr/bin/python3), and Ansible 7, which bundles the community.docker collection.
# Docker's own default seccomp profile (moby's profiles/seccomp/default.json, engine 20.10), which tests
# send inline: dockgate must take it as confining, and its own table of what it refuses must agree with it.
needs golang-github-docker-docker-dev installed golang-github-docker-docker-dev
needs python3-docker installed python3-docker
# Build contexts compressed with xz or bzip2 are read through the host's commands, as the engine reads xz;
# `docker top` makes dockerd run the host's ps.
needs xz-utils has xz
needs bzip2 has bzip2
needs procps has ps
# The --compat drop-in runs in a network namespace of its own, joined by a veth pair (`ip netns`, `ip link`).
needs iproute2 has ip
needs ansible installed ansible
# npm ci builds the project's native addon with node-gyp.
needs python3 has python3
needs make has make
needs g++ has g++
# A static HTTP client over a unix socket is compiled for the test image (its busybox nc has no unix sockets).
needs libc6-dev installed libc6-dev

# The container image test builds FROM local stand-ins for the official Node images (no registry here):
# a Debian bookworm root filesystem made by debootstrap, plus this machine's Node.
needs debootstrap has debootstrap
# The compose recipes in deploy/compose/ run in a test with Compose v1.29 (the docker CLI here has no compose plugin).
needs docker-compose has docker-compose
# The admin listener's live view is tested in a real browser, headless, driven by playwright-core (no browser download).
needs chromium has chromium

install_missing install-test-deps

npm ci --no-audit --no-fund
