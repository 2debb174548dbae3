#!/bin/bash
# scripts/local/host.sh - the shell layer of the `local` host provider.
#
# A local host is a Debian bookworm container booted with systemd
# (systemd-nspawn --boot) inside its own network namespace, joined to this
# machine by a veth pair and reachable by SSH. See docs/local.md.
#
#   host.sh create          < spec.json   -> one JSON line on stdout
#   host.sh delete [NAME]   [< spec.json] (NAME or .name from stdin)
#   host.sh status NAME                   -> one JSON line on stdout
#   host.sh reboot NAME                   (power cycle; boots a stopped one too)
#   host.sh stop NAME                     (power off) -> status's JSON line on stdout
#   host.sh build-rootfs                  (build the cached base rootfs only)
#
# Two ways in (see docs/local.md):
#  - "bare server": authorizedKey(s) + hostKeyPrivate, written by this script;
#    cloud-init is disabled in the container;
#  - "cloud": userData (a #cloud-config document) + hostKeyPublic; the script
#    only seeds cloud-init's NoCloud data source and cloud-init inside does
#    the rest, as on a cloud VM.
# Optionally private4: a 1:1 NAT namespace in front of the container, like a
# cloud's elastic/floating IPs on top of private addresses.
#
# Secrets (hostKeyPrivate, userData) are only ever read from STDIN and written
# to files with mode 0600; they never appear on a command line or in a log.
# Everything diagnostic goes to stderr; stdout carries only the JSON result.
set -euo pipefail
umask 022
export LC_ALL=C

SUITE=bookworm
STATE_DIR=${RTC_STATE_DIR:-/var/lib/pulumi-rtc}
MACHINES_DIR=$STATE_DIR/machines
RUN_DIR=${RTC_RUN_DIR:-/run/pulumi-rtc}
CACHE_DIR=${RTC_CACHE_DIR:-/var/cache/pulumi-rtc}
ACNG_PORT=${RTC_ACNG_PORT:-3142}
BOOT_TIMEOUT=${RTC_BOOT_TIMEOUT:-60}
STOP_TIMEOUT=${RTC_STOP_TIMEOUT:-30}
# Packages of the base rootfs (besides debootstrap's minbase). Changing the
# list changes the cache key, so a new rootfs is built.
BASE_PACKAGES=(
  systemd systemd-sysv dbus libpam-systemd   # a booting systemd, logind sessions
  openssh-server openssh-sftp-server         # ssh + sftp/scp for file copies
  iproute2 iputils-ping netbase procps       # ip, ping, /etc/services, ps/pkill
  ca-certificates apt-utils less             # TLS trust store, quiet debconf
  cloud-init ifupdown                        # boot like a Debian cloud image (NoCloud seed)
  python3-cffi-backend                       # cloud-init's python3-cryptography needs it through a
                                             # virtual package, which debootstrap does not resolve
)
ROOTFS_FORMAT=3   # bump when the post-debootstrap tweaks change
# Set by create from the spec:
CLOUD_INIT=false  # true with userData
PRIV4_JSON=null   # private4 as a JSON array, or null (no NAT)
PGW4=             # the private gateway (int0 in the NAT namespace)
SPEC_HASH=

# Run "$@" with every file descriptor above 2 closed, so that a daemon holds
# none of our lock files nor a pipe of whoever called us (Pulumi waits on those).
without_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null || true
  done
  exec "$@"
}

log() { printf 'host.sh: %s\n' "$*" >&2; }
die() { printf 'host.sh: error: %s\n' "$*" >&2; exit 1; }

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root"; }

# ---------------------------------------------------------------- mirrors --
# Prints "URI SUITE" lines of the host's apt sources (deb822 and one-line).
host_sources() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk '
      function flush() { if (types ~ /(^| )deb( |$)/ && uris != "") {
          n = split(uris, u, " "); m = split(suites, s, " ");
          for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j] }
        types = uris = suites = "" ; enabled = 1 }
      /^[ \t]*$/ { flush(); next }
      /^#/ { next }
      tolower($1) == "types:"   { $1 = ""; types = $0 }
      tolower($1) == "uris:"    { $1 = ""; uris = $0 }
      tolower($1) == "suites:"  { $1 = ""; suites = $0 }
      tolower($1) == "enabled:" { if (tolower($2) == "no") types = "" }
      END { flush() }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                       print $i, $(i+1) }' "$f"
  done
}

# URI of the host's mirror for a suite ("bookworm", "bookworm-security", ...)
mirror_for() {
  local suite=$1
  host_sources | awk -v s="$suite" '$2 == s { sub(/\/$/, "", $1); print $1; exit }'
}

MIRROR=${RTC_MIRROR:-}
SEC_MIRROR=${RTC_SECURITY_MIRROR:-}
resolve_mirrors() {
  [ -n "$MIRROR" ] || MIRROR=$(mirror_for "$SUITE")
  [ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian
  [ -n "$SEC_MIRROR" ] || SEC_MIRROR=$(mirror_for "$SUITE-security")
  [ -n "$SEC_MIRROR" ] || SEC_MIRROR=http://deb.debian.org/debian-security
}

# ----------------------------------------------------------------- rootfs --
rootfs_key() {
  printf '%s\n' "$ROOTFS_FORMAT" "$SUITE" "$MIRROR" "$SEC_MIRROR" "${BASE_PACKAGES[@]}" \
    | sha256sum | cut -c1-12
}

# Prints the path of the cached base rootfs, building it if needed.
ensure_rootfs() {
  resolve_mirrors
  local key dir tmp t0
  key=$(rootfs_key)
  dir=$CACHE_DIR/rootfs-$SUITE-$key
  mkdir -p "$CACHE_DIR"
  exec 8>"$CACHE_DIR/.build.lock"
  flock 8
  if [ ! -e "$dir/.complete" ]; then
    command -v debootstrap >/dev/null || die "debootstrap missing: run scripts/local/install-host-deps.sh"
    rm -rf "$CACHE_DIR"/.tmp-rootfs-*
    tmp=$(mktemp -d "$CACHE_DIR/.tmp-rootfs-$SUITE-$key.XXXXXX")
    chmod 755 "$tmp"
    t0=$(date +%s)
    log "building base rootfs $dir from $MIRROR (once; takes about a minute)"
    local incl
    incl=$(IFS=,; echo "${BASE_PACKAGES[*]}")
    if ! debootstrap --variant=minbase --include="$incl" "$SUITE" "$tmp" "$MIRROR" \
         >"$CACHE_DIR/debootstrap-$key.log" 2>&1; then
      cat "$tmp/debootstrap/debootstrap.log" >>"$CACHE_DIR/debootstrap-$key.log" 2>/dev/null || true
      tail -n 20 "$CACHE_DIR/debootstrap-$key.log" >&2
      rm -rf "$tmp"
      die "debootstrap failed (log: $CACHE_DIR/debootstrap-$key.log)"
    fi
    customize_rootfs "$tmp"
    touch "$tmp/.complete"
    rm -rf "$dir"
    mv -T "$tmp" "$dir"
    log "base rootfs built in $(( $(date +%s) - t0 )) s"
  fi
  flock -u 8
  exec 8>&-
  printf '%s\n' "$dir"
}

customize_rootfs() {
  local r=$1
  # apt sources mirror the host's suites; the proxy is set per environment.
  rm -f "$r/etc/apt/sources.list"
  cat >"$r/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SEC_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # apt/dpkg/debconf never ask questions.
  cat >"$r/etc/apt/apt.conf.d/90pulumi-rtc" <<'EOF'
// pulumi-rtc local host: non-interactive apt
Dpkg::Options { "--force-confdef"; "--force-confold"; };
Acquire::Languages "none";
APT::Periodic::Enable "0";
EOF
  echo 'debconf debconf/frontend select Noninteractive' | chroot "$r" debconf-set-selections
  echo 'DEBIAN_FRONTEND=noninteractive' >>"$r/etc/environment"
  # A system locale, as Debian's cloud images have; without it cloud-init's
  # cc_locale tries en_US.UTF-8, which is not generated, and fails.
  printf 'LANG=C.UTF-8\n' >"$r/etc/default/locale"
  # No host keys in the base: each environment gets the given one.
  rm -f "$r"/etc/ssh/ssh_host_*
  # cloud-init: only the NoCloud seed that create writes (or nothing), and
  # hands off the network: the management address is put on eth0 from
  # outside before boot, as a cloud's DHCP would; user data adds the rest.
  install -d "$r/etc/cloud/cloud.cfg.d"
  cat >"$r/etc/cloud/cloud.cfg.d/90-pulumi-rtc-local.cfg" <<'EOF'
# pulumi-rtc local host (scripts/local/host.sh)
# The seed is /var/lib/cloud/seed/nocloud/{user-data,meta-data}, written by
# host.sh create; without one (a "bare server") cloud-init is disabled by
# /etc/cloud/cloud-init.disabled.
datasource_list: [ NoCloud, None ]
# The local "cloud" configures the primary address on eth0 from outside
# (host.sh, before boot), as a cloud's DHCP would; cloud-init must not
# render a network config of its own. Further addresses come from user data.
network: {config: disabled}
# The apt sources are already right (the host's mirror, through the proxy);
# do not let cc_apt_configure write a sources.list next to them.
apt:
  preserve_sources_list: true
EOF
  # No cloud-init state in the base: every environment is a new instance.
  rm -rf "$r"/var/lib/cloud/* "$r"/var/log/cloud-init*.log
  # Each environment writes its own machine-id.
  : >"$r/etc/machine-id"
  rm -f "$r/var/lib/dbus/machine-id"
  # No DNS inside (the container only reaches the host); keep lookups fast.
  rm -f "$r/etc/resolv.conf"
  printf '# local env: no DNS server reachable; apt goes through the host proxy\n' >"$r/etc/resolv.conf"
  # Units that make no sense in a container on this machine.
  local u
  for u in systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
           e2scrub_all.timer e2scrub_reap.service fstrim.timer; do
    ln -sf /dev/null "$r/etc/systemd/system/$u"
  done
  chroot "$r" apt-get clean
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/log/*.log "$r"/var/cache/debconf/*-old
}

# ----------------------------------------------------------- apt-cacher-ng --
ACNG_DIR=$STATE_DIR/apt-cacher-ng
ACNG_PID=$RUN_DIR/apt-cacher-ng.pid

acng_running() {
  local pid
  pid=$(cat "$ACNG_PID" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/sbin/apt-cacher-ng ]
}

# true when the proxy answers on each given address
acng_answers() {
  local a u
  for a in $1; do
    [[ $a == *:* ]] && u="http://[$a]:$ACNG_PORT/" || u="http://$a:$ACNG_PORT/"
    curl -s -o /dev/null --noproxy '*' --max-time 2 "$u" || return 1
  done
}

# Bind addresses wanted: loopback plus the gateway of every environment.
acng_wanted_binds() {
  {
    echo 127.0.0.1
    echo ::1
    local f a
    for f in "$MACHINES_DIR"/*.gw4; do
      [ -e "$f" ] || continue
      a=$(cat "$f")
      # only gateways that exist now (a stopped env has no veth)
      [ -n "$(ip -4 -o addr show to "$a/32" 2>/dev/null)" ] && echo "$a"
    done
  } | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# Starts apt-cacher-ng (daemonized, pidfile) or restarts it when a gateway
# address is missing from its bind list. Idempotent.
ensure_acng() {
  [ -x /usr/sbin/apt-cacher-ng ] || die "apt-cacher-ng missing: run scripts/local/install-host-deps.sh"
  mkdir -p "$RUN_DIR" "$ACNG_DIR"
  exec 7>"$RUN_DIR/apt-cacher-ng.lock"
  flock 7
  resolve_mirrors
  # The Debian backend: the host's mirror (else acng answers "503 Host not found").
  local want_backend="$MIRROR/"
  if [ "$(grep -v '^#' /etc/apt-cacher-ng/backends_debian 2>/dev/null | grep -v '^$' || true)" != "$want_backend" ]; then
    printf '# written by pulumi-rtc scripts/local/host.sh\n%s\n' "$want_backend" >/etc/apt-cacher-ng/backends_debian
    rm -f "$ACNG_DIR/binds"   # force a restart to reload
  fi
  local binds
  binds=$(acng_wanted_binds)
  if acng_running && [ "$(cat "$ACNG_DIR/binds" 2>/dev/null)" = "$binds" ] && acng_answers "$binds"; then
    flock -u 7; exec 7>&-
    return 0
  fi
  if acng_running; then
    log "restarting apt-cacher-ng to bind: $binds"
    kill "$(cat "$ACNG_PID")" || true
    local i
    for i in $(seq 50); do acng_running || break; sleep 0.1; done
  elif acng_answers "$binds"; then
    # e.g. the packaged service on a host that runs systemd, bound to all addresses
    log "warning: an apt-cacher-ng we did not start already answers on port $ACNG_PORT; using it"
    flock -u 7; exec 7>&-
    return 0
  else
    log "starting apt-cacher-ng on: $binds"
  fi
  install -d -o apt-cacher-ng -g apt-cacher-ng "$RUN_DIR/acng" /var/cache/apt-cacher-ng /var/log/apt-cacher-ng
  rm -f "$ACNG_PID"
  # It daemonizes itself (foreground=0) and writes its pid file.
  ( without_fds start-stop-daemon --start --quiet --chuid apt-cacher-ng:apt-cacher-ng \
    --exec /usr/sbin/apt-cacher-ng -- -c /etc/apt-cacher-ng \
    "BindAddress=$binds" "Port=$ACNG_PORT" "pidfile=$RUN_DIR/acng/pid" \
    "SocketPath=$RUN_DIR/acng/socket" foreground=0 \
    ) </dev/null >>"$ACNG_DIR/start.log" 2>&1 || true
  local i
  for i in $(seq 100); do
    if [ -s "$RUN_DIR/acng/pid" ]; then cp "$RUN_DIR/acng/pid" "$ACNG_PID"; fi
    acng_running && acng_answers "$binds" && break
    sleep 0.1
  done
  acng_running && acng_answers "$binds" || { tail -n 5 "$ACNG_DIR/start.log" /var/log/apt-cacher-ng/apt-cacher.err >&2 2>/dev/null || true; die "apt-cacher-ng did not start"; }
  printf '%s' "$binds" >"$ACNG_DIR/binds"
  flock -u 7; exec 7>&-
}

# After a delete: stop the proxy when no environment is left (its cache
# stays), else drop the deleted gateway from its bind list.
acng_after_delete() {
  local f any=
  for f in "$MACHINES_DIR"/*.gw4; do [ -e "$f" ] && any=1; done
  if [ -z "$any" ]; then
    exec 7>"$RUN_DIR/apt-cacher-ng.lock"
    flock 7
    if acng_running; then
      log "no environment left: stopping apt-cacher-ng (its cache stays)"
      local pid i
      pid=$(cat "$ACNG_PID")
      kill "$pid" 2>/dev/null || true
      for i in $(seq 50); do acng_running || break; sleep 0.1; done
      acng_running && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$ACNG_PID" "$ACNG_DIR/binds"
    flock -u 7; exec 7>&-
  elif acng_running; then
    ensure_acng
  fi
}

# ------------------------------------------------------------- machines --
valid_name() { [[ $1 =~ ^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$ ]]; }

set_names() {   # NAME -> NS, NATNS, HOSTIF, MDIR
  NAME=$1
  valid_name "$NAME" || die "invalid name '$NAME' (lowercase letters, digits, '-', max 32)"
  NS=rtc-$NAME
  NATNS=rtc-$NAME-nat   # only with private4; netns names may be long, links not
  if [ ${#NAME} -le 11 ]; then
    HOSTIF=rtc-$NAME
  else
    HOSTIF=rtc-${NAME:0:6}-$(printf '%s' "$NAME" | sha256sum | cut -c1-4)
  fi
  MDIR=$MACHINES_DIR/$NAME
  LOGF=$MACHINES_DIR/$NAME.nspawn.log
  PIDF=$RUN_DIR/$NAME.nspawn.pid
}

# pid of the systemd-nspawn process serving $MDIR, if any
nspawn_pid() {
  local pid
  pid=$(cat "$PIDF" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/bin/systemd-nspawn ]; then
    echo "$pid"; return 0
  fi
  # Fallback (pid file lost): an nspawn whose command line has exactly "-D $MDIR".
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/exe" 2>/dev/null)" = /usr/bin/systemd-nspawn ] || continue
    if tr '\0' '\n' <"$p/cmdline" 2>/dev/null | grep -qxF -- "$MDIR"; then
      echo "${p#/proc/}"; return 0
    fi
  done
  return 1
}

# Host pids of the processes inside the environment: everything in its netns
# (only the container ever joins it).
netns_pids() { [ -e "/run/netns/$NS" ] && ip netns pids "$NS" 2>/dev/null || true; }

# pid (on the host) of the container's PID 1
container_init_pid() {
  local p
  for p in $(netns_pids); do
    if grep -q '^NSpid:.*[[:space:]]1$' "/proc/$p/status" 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

result_json() {
  local natns=
  [ "$PRIV4_JSON" = null ] || natns=$NATNS
  jq -cn --arg name "$NAME" --argjson ipv4 "$IPV4_JSON" --argjson ipv6 "$IPV6_JSON" \
    --arg gw4 "$GW4" --arg gw6 "$GW6" --argjson p4 "$P4" --argjson p6 "$P6" --arg dir "$MDIR" --arg ns "$NS" --arg link "$HOSTIF" \
    --arg proxy "http://$GW4:$ACNG_PORT" --arg hostKey "$HOSTKEY_PUB" --arg status "$1" \
    --argjson priv4 "$PRIV4_JSON" --arg pgw4 "$PGW4" --arg natns "$natns" --argjson cloudInit "$CLOUD_INIT" \
    '{name:$name, status:$status, ipv4:$ipv4, ipv6:$ipv6, hostGateway4:$gw4, hostGateway6:(if $gw6 == "" then null else $gw6 end),
      prefix4:$p4, prefix6:$p6,
      private4:$priv4, privateGateway4:(if $pgw4 == "" then null else $pgw4 end), natNetns:(if $natns == "" then null else $natns end),
      cloudInit:$cloudInit,
      sshHost:$ipv4[0], sshPort:22, sshUser:"root", hostKeyPublic:$hostKey,
      aptProxy:$proxy, machineDir:$dir, netns:$ns, hostLink:$link}'
}

# Masks what could be a secret in log text shown on failure (the console and
# cloud-init's logs may echo parts of the user data): PEM/OpenSSH private key
# blocks and long base64-looking tokens.
redact() {
  perl -0777 -pe 's/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|\z)/[redacted private key]/gs;
    s{([A-Za-z0-9+/]{24,}={0,2})}{ my $t = $1; ($t =~ /[A-Z]/ && $t =~ /[a-z]/ && $t =~ /[0-9]/) ? "[redacted]" : $t }ge'
}
# tail of a log file to stderr, redacted
tail_log() { [ -r "$1" ] && redact <"$1" | tail -n "${2:-30}" >&2 || true; }

# Reads .hostKeyPrivate into a 0600 temp file ($KEYTMP/key, removed at exit)
# and derives HOSTKEY_PUB / KEYTYPE. Fails before anything is changed.
load_host_key() {
  mkdir -p "$RUN_DIR"
  KEYTMP=$(mktemp -d "$RUN_DIR/key.XXXXXX")
  trap 'rm -rf "$KEYTMP"' EXIT
  ( umask 077; printf '%s' "$1" | jq -r '.hostKeyPrivate' >"$KEYTMP/key" )
  HOSTKEY_PUB=$(ssh-keygen -y -f "$KEYTMP/key" 2>/dev/null) \
    || die "hostKeyPrivate is not a readable unencrypted OpenSSH private key"
  case $HOSTKEY_PUB in
    ssh-ed25519\ *) KEYTYPE=ed25519 ;;
    ecdsa-*)        KEYTYPE=ecdsa ;;
    ssh-rsa\ *)     KEYTYPE=rsa ;;
    *) die "unsupported host key type" ;;
  esac
  HOSTKEY_PUB=$(printf '%s' "$HOSTKEY_PUB" | awk '{print $1, $2}')
}

# userData mode: .hostKeyPublic -> HOSTKEY_PUB ("TYPE BASE64"), checked.
load_host_key_public() {
  local line
  line=$(printf '%s' "$1" | jq -r '.hostKeyPublic // empty')
  [ -n "$line" ] || die "hostKeyPublic is required with userData"
  HOSTKEY_PUB=$(printf '%s' "$line" | awk 'NR == 1 {print $1, $2}')
  case $HOSTKEY_PUB in
    ssh-ed25519\ *|ecdsa-sha2-*\ *|ssh-rsa\ *) ;;
    *) die "hostKeyPublic must be an OpenSSH public key line (ssh-ed25519 AAAA...)" ;;
  esac
  printf '%s\n' "$HOSTKEY_PUB" | ssh-keygen -l -f - >/dev/null 2>&1 \
    || die "hostKeyPublic is not a readable OpenSSH public key"
}

write_config() {   # writes the per-environment files into $MDIR
  local r=$MDIR spec=$1
  write_common_config
  if [ "$CLOUD_INIT" = true ]; then
    write_cloud_seed "$spec"
  else
    write_bare_config "$spec"
  fi
}

# Both modes: what a cloud image would have, or the local "cloud" around it.
write_common_config() {
  local r=$MDIR
  printf '%s\n' "$NAME" >"$r/etc/hostname"
  cat >"$r/etc/hosts" <<EOF
127.0.0.1	localhost
127.0.1.1	$NAME
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF
  if [ ! -s "$r/etc/machine-id" ]; then
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$r/etc/machine-id"; echo >>"$r/etc/machine-id"
  fi
  # apt through the host's apt-cacher-ng
  printf 'Acquire::http::Proxy "http://%s:%s/";\n' "$GW4" "$ACNG_PORT" \
    >"$r/etc/apt/apt.conf.d/01proxy"
}

# "Bare server": root's key, the host key and sshd's settings written here;
# cloud-init off (it would delete the host keys and make a "debian" user).
write_bare_config() {
  local r=$MDIR spec=$1 keytype
  install -d "$r/etc/cloud"
  touch "$r/etc/cloud/cloud-init.disabled"
  rm -rf "$r/var/lib/cloud/seed"   # a user data of an earlier spec (secret)
  # root's authorized keys
  install -d -m 700 "$r/root/.ssh"
  printf '%s' "$spec" | jq -r '.authorizedKeys // [.authorizedKey] | map(select(. != null)) | .[]' \
    >"$r/root/.ssh/authorized_keys"
  chmod 600 "$r/root/.ssh/authorized_keys"
  [ -s "$r/root/.ssh/authorized_keys" ] || die "authorizedKey is empty"
  # the given host key, and only that one
  rm -f "$r"/etc/ssh/ssh_host_*
  keytype=$KEYTYPE
  install -m 600 "$KEYTMP/key" "$r/etc/ssh/ssh_host_${keytype}_key"
  printf '%s root@%s\n' "$HOSTKEY_PUB" "$NAME" >"$r/etc/ssh/ssh_host_${keytype}_key.pub"
  cat >"$r/etc/ssh/sshd_config.d/00-pulumi-rtc.conf" <<EOF
# pulumi-rtc local host: root by key only, one pinned host key
HostKey /etc/ssh/ssh_host_${keytype}_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
EOF
}

# "Cloud": only the NoCloud seed; cloud-init inside writes the host key,
# root's keys and whatever else the user data says.
write_cloud_seed() {
  local r=$MDIR spec=$1 seed=$MDIR/var/lib/cloud/seed/nocloud meta
  rm -f "$r/etc/cloud/cloud-init.disabled"
  meta=$(printf 'instance-id: %s-%s\nlocal-hostname: %s\n' "$NAME" "${SPEC_HASH:0:12}" "$NAME")
  # A new instance-id (a changed spec) makes cloud-init run again as on a new
  # instance; clear its per-instance state too so nothing is skipped.
  if [ "$(cat "$seed/meta-data" 2>/dev/null)" != "$meta" ]; then
    rm -rf "$r"/var/lib/cloud/instance "$r"/var/lib/cloud/instances
  fi
  install -d -m 755 "$r/var/lib/cloud"
  install -d -m 700 "$r/var/lib/cloud/seed" "$seed"
  ( umask 077
    printf '%s' "$spec" | jq -r '.userData' >"$seed/.user-data.tmp"
    mv -f "$seed/.user-data.tmp" "$seed/user-data"
    printf '%s\n' "$meta" >"$seed/meta-data" )
  chmod 600 "$seed/user-data" "$seed/meta-data"
}

# Addresses host.sh itself puts on the container's eth0: all of them for a
# bare server; with userData only the first of each family (the "primary" a
# cloud's DHCP would give), the user data configures the others.
eth0_addrs() {   # JSON array -> addresses, one a line
  if [ "$CLOUD_INIT" = true ]; then
    printf '%s' "$1" | jq -r '.[:1][]'
  else
    printf '%s' "$1" | jq -r '.[]'
  fi
}

setup_net() {
  # Fresh namespace(s) and veths each boot (the container is not running).
  teardown_net
  check_gateway_free
  ip netns add "$NS"
  ip -n "$NS" link set lo up
  local a
  if [ "$PRIV4_JSON" = null ]; then
    # host [rtc-NAME] ---veth--- [eth0] container: public addresses inside
    ip link add "$HOSTIF" type veth peer name eth0 netns "$NS"
    for a in $(eth0_addrs "$IPV4_JSON"); do
      ip -n "$NS" addr add "$a/$P4" dev eth0
    done
    for a in $(eth0_addrs "$IPV6_JSON"); do
      ip -n "$NS" addr add "$a/$P6" dev eth0 nodad
    done
    ip -n "$NS" link set eth0 up
    ip -n "$NS" route add default via "$GW4"
    [ -z "$GW6" ] || ip -n "$NS" -6 route add default via "$GW6"
  else
    # host [rtc-NAME] ---veth--- [ext0] NAT netns [int0] ---veth--- [eth0] container
    # ext0 carries every public address, int0 the private gateway; nftables
    # maps each public address 1:1 onto its private one (as EC2's elastic IPs).
    ip netns add "$NATNS"
    ip -n "$NATNS" link set lo up
    ip link add "$HOSTIF" type veth peer name ext0 netns "$NATNS"
    ip -n "$NATNS" link add int0 type veth peer name eth0 netns "$NS"
    for a in $(printf '%s' "$IPV4_JSON" | jq -r '.[]'); do
      ip -n "$NATNS" addr add "$a/$P4" dev ext0
    done
    ip -n "$NATNS" addr add "$PGW4/24" dev int0
    ip -n "$NATNS" link set ext0 up
    ip -n "$NATNS" link set int0 up
    ip -n "$NATNS" route add default via "$GW4"
    ip netns exec "$NATNS" sysctl -qw net.ipv4.ip_forward=1
    nat_rules | ip netns exec "$NATNS" nft -f - || die "nft could not load the NAT rules into $NATNS"
    for a in $(eth0_addrs "$PRIV4_JSON"); do
      ip -n "$NS" addr add "$a/24" dev eth0
    done
    ip -n "$NS" link set eth0 up
    ip -n "$NS" route add default via "$PGW4"
  fi
  ip addr add "$GW4/$P4" dev "$HOSTIF"
  [ -z "$GW6" ] || ip addr add "$GW6/$P6" dev "$HOSTIF" nodad
  ip link set "$HOSTIF" up
}

# nftables ruleset of the NAT namespace: one dnat and one snat per pair.
nat_rules() {
  local i n pub priv
  n=$(printf '%s' "$IPV4_JSON" | jq length)
  echo 'table ip rtc_nat {'
  echo '  chain prerouting { type nat hook prerouting priority dstnat; policy accept;'
  for (( i = 0; i < n; i++ )); do
    pub=$(printf '%s' "$IPV4_JSON" | jq -r ".[$i]"); priv=$(printf '%s' "$PRIV4_JSON" | jq -r ".[$i]")
    echo "    ip daddr $pub dnat to $priv"
  done
  echo '  }'
  echo '  chain postrouting { type nat hook postrouting priority srcnat; policy accept;'
  for (( i = 0; i < n; i++ )); do
    pub=$(printf '%s' "$IPV4_JSON" | jq -r ".[$i]"); priv=$(printf '%s' "$PRIV4_JSON" | jq -r ".[$i]")
    echo "    ip saddr $priv snat to $pub"
  done
  echo '  }'
  echo '}'
}

# The host-side gateway must not sit on some other interface already.
check_gateway_free() {
  local other
  other=$(ip -4 -o addr show to "$GW4/32" | awk '{sub(/@.*/, "", $2); print $2}' | grep -vxF "$HOSTIF" | head -n1 || true)
  [ -z "$other" ] || die "gateway $GW4 is already on interface $other (another environment on the same subnet?)"
}

# Removes the veths and both namespaces, whatever the current spec says.
teardown_net() {
  ip link del "$HOSTIF" 2>/dev/null || true
  local ns
  for ns in "$NS" "$NATNS"; do
    if [ -e "/run/netns/$ns" ]; then
      ip netns pids "$ns" 2>/dev/null | grep -q . && die "processes still run in netns $ns"
      ip netns del "$ns"
    fi
  done
}

tcp_open() { timeout 2 bash -c 'exec 3<>/dev/tcp/$0/$1' "$1" "$2" 2>/dev/null; }

boot() {
  : >"$LOGF"
  # --register=no --keep-unit: the host has no systemd/system bus.
  # CAP_NET_ADMIN: nspawn drops it with --network-namespace-path; without it
  # `ifup eth0:1` (or `ip addr add`) inside fails with "Operation not
  # permitted". It only reaches the container's own network namespace.
  ( without_fds setsid systemd-nspawn -D "$MDIR" --boot --machine="$NAME" \
    --network-namespace-path="/run/netns/$NS" --capability=CAP_NET_ADMIN --register=no --keep-unit \
    --resolv-conf=off --timezone=off --link-journal=no --console=read-only \
    ) </dev/null >>"$LOGF" 2>&1 &
  echo $! >"$PIDF"
  local np=$! t0=$SECONDS t0r=$EPOCHREALTIME ip4
  ip4=$(printf '%s' "$IPV4_JSON" | jq -r '.[0]')
  until tcp_open "$ip4" 22 && [ "$(ssh-keyscan -T 2 -t "${HOSTKEY_PUB%% *}" "$ip4" 2>/dev/null | awk '{print $2, $3}')" = "$HOSTKEY_PUB" ]; do
    if ! kill -0 "$np" 2>/dev/null; then
      tail_log "$LOGF"; die "systemd-nspawn exited during boot (log: $LOGF)"
    fi
    if (( SECONDS - t0 > BOOT_TIMEOUT )); then
      tail_log "$LOGF"
      [ "$CLOUD_INIT" != true ] || cloud_init_report "$(container_init_pid || true)"
      die "ssh did not answer on $ip4:22 with the given host key within ${BOOT_TIMEOUT}s (log: $LOGF)"
    fi
    sleep 0.5
  done
  local ip state left
  ip=$(container_init_pid) || die "cannot find the container's init process"
  state=$(timeout "$BOOT_TIMEOUT" nsenter -t "$ip" -m -u -i -n -p -C systemctl is-system-running --wait 2>/dev/null || true)
  case $state in
    running|degraded) ;;
    *) tail_log "$LOGF"; die "system state inside is '$state' (log: $LOGF)" ;;
  esac
  if [ "$CLOUD_INIT" = true ]; then
    # All of cloud-init's stages, within what is left of the boot timeout.
    left=$(( BOOT_TIMEOUT - (SECONDS - t0) )); (( left >= 5 )) || left=5
    if ! timeout "$left" nsenter -t "$ip" -m -u -i -n -p -C cloud-init status --wait >/dev/null 2>&1; then
      cloud_init_report "$ip"
      die "cloud-init did not finish cleanly within ${BOOT_TIMEOUT}s of boot (status above; log: $MDIR/var/log/cloud-init.log)"
    fi
  fi
  local ci=
  [ "$CLOUD_INIT" != true ] || ci=", cloud-init done"
  log "$NAME booted ($state$ci) in $(awk -v a="$t0r" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
  [ "$state" = running ] || nsenter -t "$ip" -m -u -i -n -p -C systemctl --failed --no-legend >&2 || true
}

# On a cloud-init failure: its own account and the end of its output, redacted.
cloud_init_report() {
  local ip=$1
  if [ -n "$ip" ]; then
    timeout 20 nsenter -t "$ip" -m -u -i -n -p -C cloud-init status --long 2>&1 | redact >&2 || true
  fi
  log "tail of /var/log/cloud-init-output.log:"
  tail_log "$MDIR/var/log/cloud-init-output.log" 25
}

# Orderly poweroff, then SIGKILL after $STOP_TIMEOUT. Also handles a
# container orphaned by a killed systemd-nspawn (its processes still sit in
# the netns): killing the container's PID 1 ends its whole PID namespace.
stop_container() {
  local np ip i
  np=$(nspawn_pid || true)
  ip=$(container_init_pid || true)
  if [ -z "$np" ] && [ -z "$ip" ] && [ -z "$(netns_pids)" ]; then
    rm -f "$PIDF"; return 0
  fi
  log "stopping $NAME (nspawn pid ${np:-none}, init pid ${ip:-none})"
  if [ -n "$ip" ]; then
    nsenter -t "$ip" -m -u -i -n -p -C systemctl poweroff --no-block >/dev/null 2>&1 \
      || { [ -n "$np" ] && kill -TERM "$np" 2>/dev/null; } || true
  elif [ -n "$np" ]; then
    kill -TERM "$np" 2>/dev/null || true   # nspawn asks the container to power off
  fi
  stopped() { { [ -z "$np" ] || ! kill -0 "$np" 2>/dev/null; } && [ -z "$(netns_pids)" ]; }
  for i in $(seq $(( STOP_TIMEOUT * 10 ))); do
    stopped && break
    sleep 0.1
  done
  if ! stopped; then
    log "$NAME did not power off within ${STOP_TIMEOUT}s; killing it"
    ip=$(container_init_pid || true)
    [ -z "$ip" ] || kill -KILL "$ip" 2>/dev/null || true
    [ -z "$np" ] || kill -KILL "$np" 2>/dev/null || true
    for i in $(seq 50); do stopped && break; sleep 0.1; done
    local p
    for p in $(netns_pids); do kill -KILL "$p" 2>/dev/null || true; done
    for i in $(seq 50); do stopped && break; sleep 0.1; done
    stopped || die "could not stop $NAME"
  fi
  rm -f "$PIDF"
}

# IPv4 address -> integer (fails on a bad one)
ip4_int() {
  [[ $1 =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || return 1
  local o
  for o in "${BASH_REMATCH[@]:1}"; do (( 10#$o <= 255 )) || return 1; done
  echo $(( (10#${BASH_REMATCH[1]} << 24) | (10#${BASH_REMATCH[2]} << 16) | (10#${BASH_REMATCH[3]} << 8) | 10#${BASH_REMATCH[4]} ))
}

# The host must keep reaching its apt mirror (apt-cacher-ng fetches from it)
# and its DNS servers: refuse a subnet (hostGateway4/prefix4) that covers one
# of them, as the veth's route would capture their traffic. (On some build
# machines the registries sit in a documentation range such as 203.0.113.0/24.)
check_subnet_clear() {
  local gv mask u h a av
  gv=$(ip4_int "$GW4") || die "not an IPv4 address: $GW4"
  mask=$(( (0xffffffff << (32 - P4)) & 0xffffffff ))
  resolve_mirrors
  for a in $( { for u in "$MIRROR" "$SEC_MIRROR"; do
                  h=${u#*://}; h=${h%%/*}; h=${h##*@}; h=${h%:*}
                  timeout 5 getent ahostsv4 "$h" 2>/dev/null | awk '{print $1}'
                done
                awk '$1 == "nameserver" {print $2}' /etc/resolv.conf 2>/dev/null
              } | sort -u ); do
    av=$(ip4_int "$a") || continue
    (( (av & mask) != (gv & mask) )) \
      || die "hostGateway4/prefix4 $GW4/$P4 covers $a, which this host needs (its apt mirror or DNS server): pick another subnet"
  done
}

# .private4 -> PRIV4_JSON (array, or null without NAT) and PGW4, checked.
check_private4() {
  local spec=$1 n a i net base v
  PRIV4_JSON=null PGW4=
  printf '%s' "$spec" | jq -e 'has("private4") and .private4 != null' >/dev/null || return 0
  PRIV4_JSON=$(printf '%s' "$spec" | jq -c '[.private4 | if type == "string" then [.] else . end | .[]]' 2>/dev/null) \
    || die "private4 must be an array of IPv4 addresses"
  n=$(printf '%s' "$PRIV4_JSON" | jq length)
  [ "$n" -eq "$(printf '%s' "$IPV4_JSON" | jq length)" ] \
    || die "private4 must have as many addresses as ipv4 (one private address behind each public one)"
  [ "$(printf '%s' "$IPV6_JSON" | jq length)" -eq 0 ] && [ -z "$GW6" ] \
    || die "ipv6 (and hostGateway6) cannot be combined with private4: the NAT namespace is IPv4 only"
  command -v nft >/dev/null || die "nft missing (needed for private4): run scripts/local/install-host-deps.sh"
  net=$(printf '%s' "$PRIV4_JSON" | jq -r '.[0]'); net=${net%.*}
  PGW4=$net.1
  base=$(ip4_int "$net.0") || die "not an IPv4 address: $net.0"
  for a in $(printf '%s' "$PRIV4_JSON" | jq -r '.[]'); do
    v=$(ip4_int "$a") || die "not an IPv4 address in private4: $a"
    (( (v >> 24) == 10 || (v >> 20) == (172 << 4 | 1) || (v >> 16) == (192 << 8 | 168) )) \
      || die "private4 address $a is not a private (RFC 1918) address"
    [ "${a%.*}" = "$net" ] || die "private4 addresses must share one /24 ($net.0/24): $a"
    (( v - base >= 2 && v - base <= 254 )) || die "private4 address $a: .0, .1 (the private gateway) and .255 are taken"
  done
  [ "$(printf '%s' "$PRIV4_JSON" | jq 'unique | length')" -eq "$n" ] || die "private4 has the same address twice"
  for a in $GW4 $(printf '%s' "$IPV4_JSON" | jq -r '.[]'); do
    [ "${a%.*}" != "$net" ] || die "$a (public side) lies in the private net $net.0/24"
  done
}

lock_env() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/$NAME.lock"
  flock 9
}

# ------------------------------------------------------------- commands --
cmd_create() {
  need_root
  local spec
  spec=$(cat)
  printf '%s' "$spec" | jq -e 'type == "object"' >/dev/null 2>&1 || die "stdin is not a JSON object"
  local name
  name=$(printf '%s' "$spec" | jq -r '.name // empty')
  set_names "$name"
  IPV4_JSON=$(printf '%s' "$spec" | jq -c '[.ipv4 // [] | if type == "string" then [.] else . end | .[]]')
  IPV6_JSON=$(printf '%s' "$spec" | jq -c '[.ipv6 // [] | if type == "string" then [.] else . end | .[]]')
  GW4=$(printf '%s' "$spec" | jq -r '.hostGateway4 // empty')
  GW6=$(printf '%s' "$spec" | jq -r '.hostGateway6 // empty')
  P4=$(printf '%s' "$spec" | jq -r '.prefix4 // 24')
  P6=$(printf '%s' "$spec" | jq -r '.prefix6 // 64')
  [[ $P4 =~ ^[0-9]+$ ]] && (( P4 >= 8 && P4 <= 30 )) || die "prefix4 must be 8..30"
  [[ $P6 =~ ^[0-9]+$ ]] && (( P6 >= 48 && P6 <= 126 )) || die "prefix6 must be 48..126"
  [ "$(printf '%s' "$IPV4_JSON" | jq length)" -ge 1 ] || die "ipv4 needs at least one address"
  [ -n "$GW4" ] || die "hostGateway4 is required"
  local a
  for a in $GW4 $(printf '%s' "$IPV4_JSON" | jq -r '.[]'); do
    [[ $a =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || die "not an IPv4 address: $a"
  done
  for a in $GW6 $(printf '%s' "$IPV6_JSON" | jq -r '.[]'); do
    [[ $a =~ ^[0-9a-fA-F:]+$ ]] || die "not an IPv6 address: $a"
  done
  if [ "$(printf '%s' "$IPV6_JSON" | jq length)" -gt 0 ] && [ -z "$GW6" ]; then
    die "hostGateway6 is required when ipv6 is given"
  fi
  check_subnet_clear
  check_private4 "$spec"
  if printf '%s' "$spec" | jq -e 'has("userData") and .userData != null' >/dev/null; then
    # "cloud" mode: cloud-init inside does the keys (and the rest) from the user data.
    CLOUD_INIT=true
    printf '%s' "$spec" | jq -e '.userData | type == "string" and test("^#cloud-config[ \t\r]*(\n|$)")' >/dev/null \
      || die "userData must be a string whose first line is #cloud-config"
    printf '%s' "$spec" | jq -e '(.hostKeyPrivate // null) == null' >/dev/null \
      || die "hostKeyPrivate is not used with userData: put the key in the user data (ssh_keys) and give hostKeyPublic"
    printf '%s' "$spec" | jq -e '(.authorizedKey // null) == null and (.authorizedKeys // null) == null' >/dev/null \
      || die "authorizedKey(s) is not used with userData: put the keys in the user data (ssh_authorized_keys)"
    load_host_key_public "$spec"
  else
    printf '%s' "$spec" | jq -e '(.hostKeyPrivate // "") | length > 0' >/dev/null || die "hostKeyPrivate is required (or userData and hostKeyPublic)"
    printf '%s' "$spec" | jq -e '[.authorizedKeys // [.authorizedKey] | .[] | select(type == "string" and length > 0)] | length > 0' >/dev/null \
      || die "authorizedKey (or authorizedKeys) is required"
    load_host_key "$spec"
    if printf '%s' "$spec" | jq -e '(.hostKeyPublic // null) != null' >/dev/null; then
      [ "$(printf '%s' "$spec" | jq -r .hostKeyPublic | awk 'NR == 1 {print $1, $2}')" = "$HOSTKEY_PUB" ] \
        || die "hostKeyPublic is not the public half of hostKeyPrivate"
    fi
  fi

  lock_env
  mkdir -p "$MACHINES_DIR" "$RUN_DIR"
  chmod 700 "$STATE_DIR" "$MACHINES_DIR"
  # Same spec as the running environment: nothing to do.
  local spec_hash
  spec_hash=$(printf '%s' "$spec" | jq -S -c . | sha256sum | cut -c1-64)
  SPEC_HASH=$spec_hash
  if [ "${REBOOT:-}" != true ] && nspawn_pid >/dev/null && [ "$(cat "$MACHINES_DIR/$NAME.spec-hash" 2>/dev/null)" = "$spec_hash" ] \
     && [ -d "$MDIR" ]; then
    ensure_acng
    log "$NAME already runs with this spec"
    result_json running
    return 0
  fi
  check_gateway_free
  stop_container

  local base mode=bare
  [ "$CLOUD_INIT" != true ] || mode=cloud-init
  base=$(ensure_rootfs)
  # Bare server <-> cloud-init is a new server: start from a fresh copy of the
  # base (neither leaves behind what the other wrote: keys, users, files).
  # Machines made before the mode file existed were bare.
  if [ -d "$MDIR" ] && [ "$(cat "$MACHINES_DIR/$NAME.mode" 2>/dev/null || echo bare)" != "$mode" ]; then
    log "$NAME changes to the $mode mode: its disk starts again from the base"
    remove_machine_dir
  fi
  if [ ! -d "$MDIR" ]; then
    local t0=$SECONDS tmp="$MACHINES_DIR/.tmp-$NAME"
    rm -rf "$tmp"
    cp -a --reflink=auto "$base" "$tmp"
    rm -f "$tmp/.complete"
    mv -T "$tmp" "$MDIR"
    log "copied rootfs to $MDIR in $(( SECONDS - t0 )) s"
  fi
  [ "$CLOUD_INIT" != true ] || [ -x "$MDIR/usr/bin/cloud-init" ] \
    || die "$MDIR was made from an older base without cloud-init: delete $NAME first"
  printf '%s\n' "$mode" >"$MACHINES_DIR/$NAME.mode"
  write_config "$spec"
  setup_net
  # The proxy binds the gateway address, so start it after the veth exists.
  printf '%s\n' "$GW4" >"$MACHINES_DIR/$NAME.gw4"
  ensure_acng
  boot
  printf '%s\n' "$spec_hash" >"$MACHINES_DIR/$NAME.spec-hash"
  # Kept for reboot (it may hold the host's private key, as the disk beside it does).
  ( umask 077; printf '%s' "$spec" >"$MACHINES_DIR/$NAME.spec" )
  result_json running
}

remove_machine_dir() {
  [ -d "$MDIR" ] || return 0
  if findmnt -rn -o TARGET | grep -q "^$MDIR\(/\|$\)"; then
    die "something is mounted under $MDIR; not removing it"
  fi
  rm -rf --one-file-system "$MDIR"
}

cmd_delete() {
  need_root
  local name=${1:-}
  # NAME argument, else .name of a JSON document on stdin, else .name of the
  # create's output (Pulumi sets PULUMI_COMMAND_STDOUT for delete commands).
  if [ -z "$name" ] && [ ! -t 0 ]; then
    name=$(jq -r '.name // empty' 2>/dev/null || true)
  fi
  if [ -z "$name" ] && [ -n "${PULUMI_COMMAND_STDOUT:-}" ]; then
    name=$(printf '%s' "$PULUMI_COMMAND_STDOUT" | tail -n1 | jq -r '.name // empty' 2>/dev/null || true)
  fi
  [ -n "$name" ] || die "usage: host.sh delete NAME (or JSON with .name on stdin)"
  set_names "$name"
  lock_env
  stop_container
  teardown_net
  remove_machine_dir
  rm -rf "$MACHINES_DIR/.tmp-$NAME" "$MACHINES_DIR/.#$NAME.lck"   # the latter: nspawn's lock, left if it was killed
  rm -f "$MACHINES_DIR/$NAME.gw4" "$MACHINES_DIR/$NAME.spec-hash" "$MACHINES_DIR/$NAME.spec" "$MACHINES_DIR/$NAME.mode" "$LOGF" "$PIDF"
  rm -f "$RUN_DIR/$NAME.lock"
  flock -u 9; exec 9>&-
  acng_after_delete
  log "$NAME deleted"
}

# A reboot as a server has one: the container powers off, its network cards come back with only what the
# machine's own network gives them (fresh namespace and veths), and it boots again from the same disk.
cmd_reboot() {
  need_root
  [ -r "$MACHINES_DIR/$NAME.spec" ] || die "$NAME was not made by this version of host.sh (no saved spec): create it again"
  REBOOT=true cmd_create <"$MACHINES_DIR/$NAME.spec"
}

# The server powers off and its network goes with it, as when this machine shuts down; `reboot` boots it again.
cmd_stop() {
  need_root
  [ -d "$MDIR" ] || die "no machine $NAME"
  lock_env
  stop_container
  teardown_net
  log "$NAME stopped"
  cmd_status || true
}

cmd_status() {
  local np state=absent
  if np=$(nspawn_pid); then
    state=running
  elif [ -d "$MDIR" ]; then
    state=stopped
  fi
  jq -cn --arg name "$NAME" --arg state "$state" --arg dir "$MDIR" --arg ns "$NS" \
    --arg pid "${np:-}" '{name:$name, status:$state, machineDir:$dir, netns:$ns,
      nspawnPid:(if $pid == "" then null else ($pid|tonumber) end)}'
  [ "$state" = running ]
}

check_tools() {
  local t missing=()
  for t in jq ip systemd-nspawn ssh-keygen ssh-keyscan nsenter curl flock start-stop-daemon; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}: run scripts/local/install-host-deps.sh"
}

main() {
  local cmd=${1:-}
  case $cmd in create|delete|destroy|status|reboot|stop) check_tools ;; esac
  shift || true
  case $cmd in
    reboot|stop|status) [ -n "${1:-}" ] || die "usage: host.sh $cmd NAME"; set_names "$1" ;;
  esac
  case $cmd in
    create) cmd_create "$@" ;;
    delete|destroy) cmd_delete "$@" ;;
    status) cmd_status ;;
    reboot) cmd_reboot ;;
    stop) cmd_stop ;;
    build-rootfs) need_root; ensure_rootfs ;;
    *) die "usage: host.sh create|delete [NAME]|status NAME|reboot NAME|stop NAME|build-rootfs  (JSON spec on stdin)" ;;
  esac
}
main "$@"
