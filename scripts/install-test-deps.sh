#!/bin/bash
# Install on this Debian bookworm host the packages the tests
# (tests/render/**) need: real Debian daemons and tools that check the
# generated configs. Idempotent; silent when everything is present. Needs root.
#
# Daemons are NOT started: a policy-rc.d that exits 101 is put in place for
# the duration of the install (and removed again if we created it).
set -euo pipefail

# package -> a file proving it is installed
declare -A probe=(
  [kamailio]=/usr/sbin/kamailio
  # modules loaded by the packaged kamailio.cfg with WITH_MYSQL, WITH_AUTH,
  # WITH_USRLOCDB, WITH_TLS, WITH_ANTIFLOOD: db_mysql and tls are split out;
  # auth, auth_db, usrloc, pike, htable are in the kamailio package itself.
  [kamailio-mysql-modules]=/usr/lib/x86_64-linux-gnu/kamailio/modules/db_mysql.so
  [kamailio-tls-modules]=/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so
  [prosody]=/usr/bin/prosodyctl
  [lua-sec]=/usr/share/lua/5.4/ssl.lua
  # prosody Recommends it (a normal install pulls it in): DNS resolver
  [lua-unbound]=/usr/lib/x86_64-linux-gnu/lua/5.4/lunbound.so
  [lua-dbi-mysql]=/usr/lib/x86_64-linux-gnu/lua/5.4/dbd/mysql.so
  [coturn]=/usr/bin/turnserver
  [bind9-utils]=/usr/bin/named-checkzone
  [bind9-dnsutils]=/usr/bin/dig
  [iproute2]=/usr/sbin/ip
  [util-linux]=/usr/bin/unshare
  [openssl]=/usr/bin/openssl
  [procps]=/usr/bin/pkill
  # the engine tests' sshd in a network namespace, and the e2e tests' SIP client
  [openssh-server]=/usr/sbin/sshd
  [openssh-client]=/usr/bin/ssh
  [sipsak]=/usr/bin/sipsak
)

missing=()
for pkg in "${!probe[@]}"; do
  [ -e "${probe[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: need root to install: ${missing[*]}" >&2
  exit 1
fi
echo "install-test-deps: installing ${missing[*]}" >&2

# Keep maintainer scripts from starting daemons (no systemd here; the init
# scripts would start them for real). Only remove the file if we made it.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# install-test-deps: do not start daemons\nexit 101\n' >"$POLICY"
  chmod 755 "$POLICY"
  trap 'rm -f "$POLICY"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -q -o DPkg::Lock::Timeout=600
     -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
# Refresh the package lists only when a candidate is unknown.
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
  "${APT[@]}" update -qq >&2
fi
"${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >&2
