#!/bin/bash
# End-to-end check of scripts/local/host.sh on this machine (root needed).
#   smoke-test.sh [--apt] [NAME]
# Creates NAME (default "probe") with 3 IPv4 + 1 IPv6 documentation addresses,
# checks ssh with the pinned host key on every address, systemd state and
# addresses inside, create idempotency, optionally (--apt) installs the RTC
# daemons through the apt proxy and checks they are active, then deletes the
# environment and checks nothing is left. Prints timings on stderr.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
HOST_SH=$HERE/host.sh
APT=
[ "${1:-}" = --apt ] && { APT=1; shift; }
NAME=${1:-probe}
NET4=${RTC_TEST_NET4:-198.51.100}
NET6=${RTC_TEST_NET6:-2001:db8:1000:2000}
ADDRS4=("$NET4.19" "$NET4.20" "$NET4.21")
ADDR6=$NET6::19

T=$(mktemp -d /tmp/rtc-smoke.XXXXXX)
cleanup() { "$HOST_SH" delete "$NAME" >/dev/null 2>&1 || true; rm -rf "$T"; }
trap cleanup EXIT
say() { printf 'smoke: %s\n' "$*" >&2; }
fail() { printf 'smoke: FAIL: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

ssh-keygen -q -t ed25519 -N '' -C smoke-client -f "$T/client"
ssh-keygen -q -t ed25519 -N '' -C "$NAME" -f "$T/hostkey"
( umask 077
  jq -n --arg name "$NAME" --arg n4 "$NET4" --arg n6 "$NET6" \
     --arg ak "$(cat "$T/client.pub")" --rawfile hk "$T/hostkey" \
     '{name:$name, ipv4:[($n4+".19"),($n4+".20"),($n4+".21")], ipv6:[($n6+"::19")],
       hostGateway4:($n4+".1"), hostGateway6:($n6+"::1"),
       authorizedKey:$ak, hostKeyPrivate:$hk}' >"$T/spec.json" )
for a in "${ADDRS4[@]}" "$ADDR6"; do
  echo "$a $(cut -d' ' -f1,2 "$T/hostkey.pub")"
done >"$T/known_hosts"
SSH=(ssh -i "$T/client" -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/known_hosts"
     -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR)

t=$(now)
"$HOST_SH" create <"$T/spec.json" >"$T/out.json"
say "create: $(since "$t") s"
jq -e --arg n "$NAME" '.name == $n and .status == "running" and (has("hostKeyPrivate") | not)' "$T/out.json" >/dev/null \
  || fail "unexpected create output: $(cat "$T/out.json")"
grep -q 'PRIVATE' "$T/out.json" && fail "secret in output"

t=$(now)
"$HOST_SH" create <"$T/spec.json" >"$T/out2.json"
say "create again (no-op): $(since "$t") s"
cmp -s "$T/out.json" "$T/out2.json" || fail "second create printed something else"
"$HOST_SH" status "$NAME" >/dev/null || fail "status says not running"

for a in "${ADDRS4[@]}" "$ADDR6"; do
  ping -c1 -W2 "$a" >/dev/null || fail "no ping reply from $a"
  [ "$("${SSH[@]}" "root@$a" hostname)" = "$NAME" ] || fail "ssh to $a"
done
say "ping + ssh with the pinned host key: ok on ${ADDRS4[*]} $ADDR6"

state=$("${SSH[@]}" "root@${ADDRS4[0]}" 'systemctl is-system-running' || true)
[ "$state" = running ] || fail "is-system-running: $state"
addrs=$("${SSH[@]}" "root@${ADDRS4[0]}" 'ip -o addr show dev eth0')
for a in "${ADDRS4[@]}" "$ADDR6"; do
  grep -q " $a/" <<<"$addrs" || fail "$a missing inside: $addrs"
done
"${SSH[@]}" "root@${ADDRS4[0]}" 'ls /etc/ssh/ssh_host_*' | grep -qv ed25519 && fail "extra host keys"
say "inside: systemd $state, all addresses present, only the given host key"

if [ -n "$APT" ]; then
  t=$(now)
  "${SSH[@]}" "root@${ADDRS4[0]}" 'apt-get update -q >/tmp/u.log 2>&1 && ! grep -E "^(W|E):" /tmp/u.log' \
    || fail "apt-get update through the proxy"
  say "apt-get update: $(since "$t") s"
  t=$(now)
  "${SSH[@]}" "root@${ADDRS4[0]}" 'apt-get install -y -q coturn prosody kamailio kamailio-mysql-modules kamailio-tls-modules mariadb-server bind9 >/tmp/i.log 2>&1' \
    || fail "apt-get install (see /tmp/i.log inside)"
  say "apt-get install coturn prosody kamailio(+mysql,tls) mariadb-server bind9: $(since "$t") s"
  for s in coturn prosody kamailio mariadb named; do
    st=$("${SSH[@]}" "root@${ADDRS4[0]}" "systemctl is-active $s" || true)
    [ "$st" = active ] || fail "$s is $st"
  done
  say "coturn prosody kamailio mariadb named: all active"
fi

t=$(now)
"$HOST_SH" delete "$NAME"
say "delete: $(since "$t") s"
ip netns list | grep -q "^rtc-$NAME\b" && fail "netns left"
ip -o link | grep -q "rtc-$NAME" && fail "veth left"
[ -e "/var/lib/pulumi-rtc/machines/$NAME" ] && fail "machine dir left"
for p in /proc/[0-9]*; do
  tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q "machines/$NAME " && fail "process left: $(cat "$p/cmdline" | tr '\0' ' ')"
done
"$HOST_SH" delete "$NAME" || fail "second delete"
say "delete left no process, netns, veth or directory; second delete ok"
say "PASS"
