#!/bin/bash
# Installs the Debian packages that are missing, in one apt transaction. Each is named with a file
# that proves it is installed, so a run with everything present asks apt nothing and prints nothing.
#   apt-ensure.sh [--no-start] PACKAGE=FILE...
# --no-start: maintainer scripts do not start daemons (a policy-rc.d exiting 101 for the install;
# on a host without systemd their init scripts would start them for real). Needs root to install.
set -euo pipefail
no_start=""
[ "${1:-}" = "--no-start" ] && { no_start=1; shift; }

missing=()
for pair in "$@"; do
  [ -e "${pair#*=}" ] || missing+=("${pair%%=*}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$(id -u)" -eq 0 ] || { echo "apt-ensure: need root to install: ${missing[*]}" >&2; exit 1; }
echo "apt-ensure: installing ${missing[*]}" >&2

POLICY=/usr/sbin/policy-rc.d
if [ -n "$no_start" ] && [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# apt-ensure: do not start daemons\nexit 101\n' >"$POLICY"
  chmod 755 "$POLICY"
  trap 'rm -f "$POLICY"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
# Refresh the package lists only when a candidate is unknown (a fresh machine).
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
  "${APT[@]}" update -qq >&2
fi
"${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >&2
