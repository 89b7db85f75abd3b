#!/usr/bin/env bash
# Installs the Debian packages the tests use: Chromium (browser tests), libvirt + qemu + gcc
# (tracer tests against a real libvirtd), docker-compose (validates docker-compose.yml), postgresql
# (the PostgreSQL store and multi-instance tests start throwaway clusters of it).
# Runs apt-get every time (it is quick when everything is present). Without root or sudo it
# says what is missing and carries on: those tests then skip and say why.
set -uo pipefail
packages=(chromium libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 gcc libc6-dev docker-compose fonts-dejavu-core postgresql)
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
  echo "system-deps: not root and no sudo: not installing ${packages[*]}; tests that need them will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "system-deps: apt-get install ${packages[*]}"
if ! $sudo apt-get update -qq >/tmp/lockscope-apt.log 2>&1 ||
   ! $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >>/tmp/lockscope-apt.log 2>&1; then
  echo "system-deps: apt-get failed (see /tmp/lockscope-apt.log); tests that need these packages will skip" >&2
  tail -5 /tmp/lockscope-apt.log >&2
fi
exit 0
