#!/bin/bash
# End-to-end check of scripts/local/host.sh on this machine (root needed).
#   smoke-test.sh [--apt] [--cloud-init] [--nat] [NAME]
#
# Creates NAME with 3 IPv4 addresses (and, without --nat, 1 IPv6), checks
# ping and ssh with the pinned host key on every address, systemd state and
# the addresses inside, create idempotency, optionally (--apt) installs the
# RTC daemons through the apt proxy and checks they are active, then deletes
# the environment and checks nothing is left. Prints timings on stderr.
#
#   (no flag)     the "bare server" path: authorizedKey + hostKeyPrivate,
#                 written by host.sh; cloud-init disabled inside
#   --cloud-init  the cloud path: userData (#cloud-config with the host key,
#                 root's key, hostname/fqdn and ifupdown aliases for the
#                 addresses after the first) + hostKeyPublic; checks
#                 cloud-init's status, the hostname, and that a changed spec
#                 runs cloud-init again on the same machine
#   --nat         private4: a 1:1 NAT namespace in front of the container;
#                 checks that only private addresses are inside, that each
#                 public address reaches its private one, that connections
#                 from inside leave with the public address, and apt through
#                 the proxy. Combines with --cloud-init.
#
# Addresses (override with the environment): host side RTC_TEST_GW4
# (198.51.100.129) with prefix RTC_TEST_PREFIX4 (25), container
# $RTC_TEST_NET4.130-.132, IPv6 $RTC_TEST_NET6::130 (gateway ::1); with --nat
# the private side is 10.0.1.11-13 behind 10.0.1.1. The upper /25 of
# 198.51.100.0/24 keeps clear of environments on 198.51.100.1/24 (.19-.31).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
HOST_SH=$HERE/host.sh
APT= CLOUD= NAT=
while [ $# -gt 0 ]; do
  case $1 in
    --apt) APT=1 ;;
    --cloud-init) CLOUD=1 ;;
    --nat) NAT=1 ;;
    -*) echo "usage: smoke-test.sh [--apt] [--cloud-init] [--nat] [NAME]" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
if [ -n "${1:-}" ]; then NAME=$1
elif [ -n "$NAT" ]; then NAME=probenat
elif [ -n "$CLOUD" ]; then NAME=probeci
else NAME=probe
fi
NET4=${RTC_TEST_NET4:-198.51.100}
GW4=${RTC_TEST_GW4:-$NET4.129}
PREFIX4=${RTC_TEST_PREFIX4:-25}
NET6=${RTC_TEST_NET6:-2001:db8:1000:2080}
PUB4=("$NET4.130" "$NET4.131" "$NET4.132")
PRIV4=(10.0.1.11 10.0.1.12 10.0.1.13)
ADDRS6=("$NET6::130")
[ -z "$NAT" ] || ADDRS6=()
FQDN=$NAME.smoke.test

T=$(mktemp -d /tmp/rtc-smoke.XXXXXX)
cleanup() { "$HOST_SH" delete "$NAME" >/dev/null 2>&1 || true; rm -rf "$T"; }
trap cleanup EXIT
say() { printf 'smoke: %s\n' "$*" >&2; }
fail() { printf 'smoke: FAIL: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
json_array() { [ $# -gt 0 ] || { echo '[]'; return; }; printf '%s\n' "$@" | jq -R . | jq -sc .; }

ssh-keygen -q -t ed25519 -N '' -C smoke-client -f "$T/client"
ssh-keygen -q -t ed25519 -N '' -C "$NAME" -f "$T/hostkey"

# The spec; $1 is an extra runcmd line for the user data (to change the spec).
make_spec() {
  local extra=${1:-} ud=
  if [ -n "$CLOUD" ]; then
    # addresses after the first, as the real user data does on an ifupdown system
    local alias_addrs
    if [ -n "$NAT" ]; then alias_addrs=("${PRIV4[@]:1}"); else alias_addrs=("${PUB4[@]:1}"); fi
    ( umask 077
      jq -rn --arg name "$NAME" --arg fqdn "$FQDN" --arg ak "$(cat "$T/client.pub")" \
        --rawfile hk "$T/hostkey" --arg hkpub "$(cut -d' ' -f1,2 "$T/hostkey.pub")" \
        --argjson aliases "$(json_array "${alias_addrs[@]}")" --arg extra "$extra" '
        def indent(n): split("\n") | map(select(length > 0) | (" " * n) + .) | join("\n");
        [ "#cloud-config",
          "hostname: \($name)",
          "fqdn: \($fqdn)",
          "manage_etc_hosts: true",
          "ssh_deletekeys: true",
          "ssh_genkeytypes: [ed25519]",
          "disable_root: false",
          "ssh_keys:",
          "  ed25519_private: |",
          ($hk | indent(4)),
          "  ed25519_public: \($hkpub)",
          "ssh_authorized_keys:",
          "  - \($ak)",
          "write_files:",
          "  - path: /etc/network/interfaces.d/60-pulumi-rtc",
          "    content: |",
          ($aliases | to_entries | map(
            "      auto eth0:\(.key + 1)\n      iface eth0:\(.key + 1) inet static\n          address \(.value)/32") | join("\n")),
          "runcmd:",
          ($aliases | to_entries | map("  - [ifup, \"eth0:\(.key + 1)\"]") | join("\n")),
          (if $extra != "" then "  - \($extra)" else empty end)
        ] | join("\n")' >"$T/user-data" )
  fi
  ( umask 077
    jq -n --arg name "$NAME" --argjson ipv4 "$(json_array "${PUB4[@]}")" \
       --argjson ipv6 "$(json_array "${ADDRS6[@]}")" --arg gw4 "$GW4" --arg gw6 "$NET6::1" \
       --argjson p4 "$PREFIX4" --argjson priv4 "$(json_array "${PRIV4[@]}")" --arg nat "$NAT" \
       --arg cloud "$CLOUD" --arg ak "$(cat "$T/client.pub")" --rawfile hk "$T/hostkey" \
       --arg hkpub "$(cat "$T/hostkey.pub")" --rawfile ud <([ -n "$CLOUD" ] && cat "$T/user-data" || true) '
       {name:$name, ipv4:$ipv4, hostGateway4:$gw4, prefix4:$p4}
       + (if $nat != "" then {private4:$priv4} else {ipv6:$ipv6, hostGateway6:$gw6} end)
       + (if $cloud != "" then {userData:$ud, hostKeyPublic:$hkpub}
          else {authorizedKey:$ak, hostKeyPrivate:$hk} end)' >"$T/spec.json" )
}
make_spec

for a in "${PUB4[@]}" "${ADDRS6[@]}"; do
  echo "$a $(cut -d' ' -f1,2 "$T/hostkey.pub")"
done >"$T/known_hosts"
SSH=(ssh -i "$T/client" -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/known_hosts"
     -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR)
S1=${PUB4[0]}
# inside address behind each public one
inside_of() { local i; for i in "${!PUB4[@]}"; do [ "${PUB4[$i]}" != "$1" ] || { [ -n "$NAT" ] && echo "${PRIV4[$i]}" || echo "$1"; return; }; done; echo "$1"; }

# No secret in what host.sh printed (stdout and stderr).
check_no_secret() {
  local f body
  body=$(sed -n 2p "$T/hostkey")   # a line of the private key's base64
  for f in "$@"; do
    grep -q 'PRIVATE KEY' "$f" && fail "private key marker in $f"
    grep -qF -- "$body" "$f" && fail "private key material in $f"
  done
  return 0
}
boot_time() { sed -n 's/.* booted (.*) in \([0-9.]*\) s$/\1/p' "$1" | tail -n1; }

t=$(now)
"$HOST_SH" create <"$T/spec.json" >"$T/out.json" 2>"$T/err" || { cat "$T/err" >&2; fail "create"; }
cat "$T/err" >&2
say "create: $(since "$t") s (boot $(boot_time "$T/err") s)"
jq -e --arg n "$NAME" --arg hk "$(cut -d' ' -f1,2 "$T/hostkey.pub")" --arg nat "$NAT" --arg cloud "$CLOUD" '
  .name == $n and .status == "running" and .hostKeyPublic == $hk and (has("hostKeyPrivate") | not)
  and (has("userData") | not) and .cloudInit == ($cloud != "")
  and (if $nat != "" then .natNetns == "rtc-\($n)-nat" and .private4 == ["10.0.1.11","10.0.1.12","10.0.1.13"]
       else .natNetns == null and .private4 == null end)' "$T/out.json" >/dev/null \
  || fail "unexpected create output: $(cat "$T/out.json")"
check_no_secret "$T/out.json" "$T/err"

t=$(now)
"$HOST_SH" create <"$T/spec.json" >"$T/out2.json"
say "create again (no-op): $(since "$t") s"
cmp -s "$T/out.json" "$T/out2.json" || fail "second create printed something else"
"$HOST_SH" status "$NAME" >/dev/null || fail "status says not running"

want_host=$NAME
[ -z "$CLOUD" ] || want_host=$FQDN
for a in "${PUB4[@]}" "${ADDRS6[@]}"; do
  ping -c1 -W2 "$a" >/dev/null || fail "no ping reply from $a"
  got=$("${SSH[@]}" "root@$a" 'hostname -f; echo "$SSH_CONNECTION" | cut -d" " -f3') \
    || fail "ssh to $a"
  [ "$(sed -n 1p <<<"$got")" = "$want_host" ] || fail "ssh to $a: hostname is $(sed -n 1p <<<"$got")"
  [ "$(sed -n 2p <<<"$got")" = "$(inside_of "$a")" ] || fail "ssh to $a reached $(sed -n 2p <<<"$got") inside, not $(inside_of "$a")"
done
say "ping + ssh with the pinned host key: ok on ${PUB4[*]} ${ADDRS6[*]}${NAT:+ (each reaching its private address)}"

state=$("${SSH[@]}" "root@$S1" 'systemctl is-system-running' || true)
[ "$state" = running ] || fail "is-system-running: $state"
addrs=$("${SSH[@]}" "root@$S1" 'ip -o addr show dev eth0')
for a in "${PUB4[@]}" "${ADDRS6[@]}"; do
  grep -q " $(inside_of "$a")/" <<<"$addrs" || fail "$(inside_of "$a") missing inside: $addrs"
done
if [ -n "$NAT" ]; then
  for a in "${PUB4[@]}"; do grep -q " $a/" <<<"$addrs" && fail "public $a is inside: $addrs"; done
  v4=$("${SSH[@]}" "root@$S1" "ip -4 -o addr | awk '{print \$4}' | grep -v '^127\.'")
  grep -qv '^10\.0\.1\.' <<<"$v4" && fail "non-private IPv4 inside: $v4"
fi
"${SSH[@]}" "root@$S1" 'ls /etc/ssh/ssh_host_*' | grep -qv ed25519 && fail "extra host keys"
say "inside: systemd $state, all addresses present${NAT:+ (private only)}, only the given host key"

if [ -n "$CLOUD" ]; then
  ci=$("${SSH[@]}" "root@$S1" 'cloud-init status; cat /var/lib/cloud/data/instance-id; cat /etc/hostname')
  [ "$(sed -n 1p <<<"$ci")" = "status: done" ] || fail "cloud-init: $ci"
  [ "$(sed -n 3p <<<"$ci")" = "$NAME" ] || fail "hostname file: $ci"
  say "cloud-init: done, instance $(sed -n 2p <<<"$ci"), hostname $NAME, fqdn $FQDN"
fi

if [ -n "$NAT" ]; then
  # A connection from each private address to the host's proxy port shows
  # up on the host with the public address as its source.
  plist=$(printf '"%s",' "${PRIV4[@]}")
  "${SSH[@]}" "root@$S1" "python3 -c '
import socket, time
ss = []
for a in [$plist]:
    s = socket.socket(); s.bind((a, 0)); s.connect((\"$GW4\", 3142)); ss.append(s)
time.sleep(4)'" &
  cpid=$!
  peers=
  for i in $(seq 30); do
    sleep 0.2
    peers=$(ss -Htn state established "( sport = :3142 )" | awk '{print $4}' | sed 's/:[0-9]*$//' | sort -u)
    [ "$(wc -l <<<"$peers")" -ge 3 ] && break
  done
  wait "$cpid" || fail "connections from inside to $GW4:3142"
  for a in "${PUB4[@]}"; do grep -qxF "$a" <<<"$peers" || fail "no connection from $a seen on the host (peers: $peers)"; done
  grep -q '^10\.' <<<"$peers" && fail "a private address reached the host: $peers"
  say "from inside, connections leave with the public addresses: $(tr '\n' ' ' <<<"$peers")"
  t=$(now)
  "${SSH[@]}" "root@$S1" 'apt-get update -q >/tmp/u.log 2>&1 && ! grep -E "^(W|E):" /tmp/u.log' \
    || fail "apt-get update through the proxy, via the NAT: $("${SSH[@]}" "root@$S1" 'tail -n 5 /tmp/u.log')"
  say "apt-get update through the proxy and the NAT: $(since "$t") s"
fi

if [ -n "$APT" ]; then
  t=$(now)
  "${SSH[@]}" "root@$S1" 'apt-get update -q >/tmp/u.log 2>&1 && ! grep -E "^(W|E):" /tmp/u.log' \
    || fail "apt-get update through the proxy"
  say "apt-get update: $(since "$t") s"
  t=$(now)
  "${SSH[@]}" "root@$S1" 'apt-get install -y -q coturn prosody kamailio kamailio-mysql-modules kamailio-tls-modules mariadb-server bind9 >/tmp/i.log 2>&1' \
    || fail "apt-get install (see /tmp/i.log inside)"
  say "apt-get install coturn prosody kamailio(+mysql,tls) mariadb-server bind9: $(since "$t") s"
  for s in coturn prosody kamailio mariadb named; do
    st=$("${SSH[@]}" "root@$S1" "systemctl is-active $s" || true)
    [ "$st" = active ] || fail "$s is $st"
  done
  say "coturn prosody kamailio mariadb named: all active"
fi

if [ -n "$CLOUD" ]; then
  # A changed spec (one more runcmd line) on the same machine: cloud-init
  # runs again as on a new instance.
  old_iid=$(sed -n 2p <<<"$ci")
  make_spec '[touch, /root/second-spec]'
  t=$(now)
  "$HOST_SH" create <"$T/spec.json" >"$T/out3.json" 2>"$T/err3" || { cat "$T/err3" >&2; fail "create with a changed spec"; }
  cat "$T/err3" >&2
  check_no_secret "$T/out3.json" "$T/err3"
  say "create with a changed user data: $(since "$t") s (boot $(boot_time "$T/err3") s)"
  ci=$("${SSH[@]}" "root@$S1" 'cloud-init status; cat /var/lib/cloud/data/instance-id; test -e /root/second-spec && echo marker')
  [ "$(sed -n 1p <<<"$ci")" = "status: done" ] || fail "cloud-init after the change: $ci"
  [ "$(sed -n 2p <<<"$ci")" != "$old_iid" ] || fail "same instance-id after a changed spec"
  [ "$(sed -n 3p <<<"$ci")" = marker ] || fail "the changed user data did not run"
  addrs=$("${SSH[@]}" "root@$S1" 'ip -o addr show dev eth0')
  for a in "${PUB4[@]}"; do
    grep -q " $(inside_of "$a")/" <<<"$addrs" || fail "$(inside_of "$a") missing inside after the change: $addrs"
    ping -c1 -W2 "$a" >/dev/null || fail "no ping reply from $a after the change"
  done
  say "changed spec: cloud-init ran again (instance $(sed -n 2p <<<"$ci")), all addresses back"
fi

t=$(now)
"$HOST_SH" delete "$NAME"
say "delete: $(since "$t") s"
ip netns list | grep -qE "^rtc-$NAME(-nat)?( |$)" && fail "netns left: $(ip netns list)"
ip -o link | grep -q "rtc-$NAME" && fail "veth left"
[ -e "/var/lib/pulumi-rtc/machines/$NAME" ] && fail "machine dir left"
ls /var/lib/pulumi-rtc/machines/ | grep -q "^$NAME\." && fail "machine files left: $(ls /var/lib/pulumi-rtc/machines/)"
for p in /proc/[0-9]*; do
  tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q "machines/$NAME " && fail "process left: $(cat "$p/cmdline" | tr '\0' ' ')"
done
"$HOST_SH" delete "$NAME" || fail "second delete"
say "delete left no process, netns, veth or directory; second delete ok"
say "PASS"
