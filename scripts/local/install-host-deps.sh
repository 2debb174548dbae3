#!/bin/bash
# Install on this (Debian bookworm) host what scripts/local/host.sh needs.
# Idempotent and quiet when everything is already there. Needs root.
set -euo pipefail

# package -> a command (or file) proving it is installed
declare -A probe=(
  [debootstrap]=/usr/sbin/debootstrap
  [systemd-container]=/usr/bin/systemd-nspawn
  [apt-cacher-ng]=/usr/sbin/apt-cacher-ng
  [iproute2]=/usr/sbin/ip
  [jq]=/usr/bin/jq
  [openssh-client]=/usr/bin/ssh-keygen
  [util-linux]=/usr/bin/nsenter
  [procps]=/usr/bin/pkill
  [iputils-ping]=/usr/bin/ping
  [curl]=/usr/bin/curl
  [coreutils]=/usr/bin/sha256sum
)

missing=()
for pkg in "${!probe[@]}"; do
  [ -e "${probe[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-host-deps: need root to install: ${missing[*]}" >&2
  exit 1
fi

echo "install-host-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
# Refresh the lists only if the candidate is unknown (fresh machine).
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
  "${APT[@]}" update -qq >&2
fi
# apt-cacher-ng asks whether to allow HTTPS tunnels via debconf; preseed "no".
echo "apt-cacher-ng apt-cacher-ng/tunnelenable boolean false" | debconf-set-selections
"${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >&2
