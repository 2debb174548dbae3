#!/bin/bash
# Install on this (Debian bookworm) host what scripts/local/host.sh needs.
# Idempotent and quiet when everything is already there. Needs root.
set -euo pipefail

# apt-cacher-ng asks whether to allow HTTPS tunnels via debconf; preseed "no" before it installs.
[ -e /usr/sbin/apt-cacher-ng ] || echo "apt-cacher-ng apt-cacher-ng/tunnelenable boolean false" | debconf-set-selections
exec bash "$(dirname "$0")/../apt-ensure.sh" \
  debootstrap=/usr/sbin/debootstrap \
  systemd-container=/usr/bin/systemd-nspawn \
  apt-cacher-ng=/usr/sbin/apt-cacher-ng \
  iproute2=/usr/sbin/ip \
  jq=/usr/bin/jq \
  openssh-client=/usr/bin/ssh-keygen \
  util-linux=/usr/bin/nsenter \
  procps=/usr/bin/pkill \
  iputils-ping=/usr/bin/ping \
  curl=/usr/bin/curl \
  nftables=/usr/sbin/nft \
  coreutils=/usr/bin/sha256sum
