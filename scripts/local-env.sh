#!/usr/bin/env bash
# The embedded local environment, with the real Pulumi engine, offline.
#   scripts/local-env.sh up [--layout standard|port443] [--nat]   (npm run up:local)
#   scripts/local-env.sh down [--nat]                              (npm run down:local)
#   scripts/local-env.sh outputs [--nat]                           (npm run -s local:outputs: JSON, secrets shown)
#   scripts/local-env.sh reboot [--nat]                            (the container reboots; no pulumi runs)
#   scripts/local-env.sh stop [--nat]                              (the containers power off; `up` boots them)
# --nat: the stack `local-nat` (Pulumi.local-nat.yaml), the container behind 1:1 NAT.
# Installs what a fresh Debian machine needs. Needs root. The stack is `local` in a file backend
# (scripts/offline-env.sh). Pulumi runs from a project directory beside the state whose Pulumi.yaml
# points `main` at this checkout, with a copy of Pulumi.local.yaml: the committed files never change.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
log() { printf '[local] %s\n' "$*" >&2; }
STACK=${RTC_LOCAL_STACK:-local}

cmd=${1:-}; shift || true
layout=""
passthrough=("$@")
while [ "$cmd" != pulumi ] && [ $# -gt 0 ]; do
  case "$1" in
    --layout) layout=${2:-}; shift 2 ;;
    --layout=*) layout=${1#*=}; shift ;;
    --nat) STACK=local-nat; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

prepare() {
  [ "$(id -u)" -eq 0 ] || { echo "run as root: the local environment uses network namespaces and containers" >&2; exit 1; }
  log "host packages"
  bash scripts/local/install-host-deps.sh
  [ -d node_modules/@pulumi/pulumi ] || { log "npm dependencies"; npm ci --no-audit --no-fund; }
  npm run -s build:web >/dev/null
  log "Pulumi toolchain"
  # shellcheck source=scripts/offline-env.sh
  source scripts/offline-env.sh
  project_dir
  pulumi stack select --create "$STACK" --non-interactive >/dev/null
  drop_stale_lock
}

# The stack's containers, named as stacks/hosts/local.ts names them: the stack's first 8 letters and digits, then
# the host's index.
machine_prefix() { printf '%s' "$STACK" | tr '[:upper:]' '[:lower:]' | tr -cd 'a-z0-9' | cut -c1-8; }

machines() {
  local spec name prefix
  prefix=$(machine_prefix)
  for spec in "${RTC_STATE_DIR:-/var/lib/pulumi-rtc}"/machines/*.spec; do
    name=$(basename "$spec" .spec)
    [[ $name =~ ^${prefix}[0-9]+$ ]] && echo "$name"
  done
  return 0
}

# After `stop` or a restart of this machine the stack's containers are off: boot them (same disk) before pulumi
# reaches them.
boot_stopped() {
  local name
  for name in $(machines); do
    bash "$ROOT/scripts/local/host.sh" status "$name" >/dev/null && continue
    log "booting $name (it was powered off)"
    bash "$ROOT/scripts/local/host.sh" reboot "$name" >/dev/null
  done
}

# A pulumi killed on this machine (kill -9, a reboot) leaves its lock, and every later run stops at
# "the stack is currently locked". Drop it when every lock's process is gone; a live one is respected.
drop_stale_lock() {
  local f pid host any=""
  for f in "$PULUMI_RTC_STATE_DIR"/.pulumi/locks/*/falcot-rtc/"$STACK"/*.json; do
    [ -e "$f" ] || continue
    read -r pid host < <(jq -r '"\(.pid) \(.hostname)"' "$f")
    [ "$host" = "$(hostname)" ] || return 0
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pulumi ] && return 0
    any=1
  done
  [ -z "$any" ] && return 0
  log "dropping the lock of a pulumi that is gone (its update was cut short; this run picks it up)"
  pulumi cancel --stack "$STACK" --yes --non-interactive >/dev/null
}

# A project directory outside the checkout; Pulumi writes the stack's encryption salt there.
project_dir() {
  PROJECT="$PULUMI_RTC_STATE_DIR/projects/$STACK"
  mkdir -p "$PROJECT"
  cat > "$PROJECT/Pulumi.yaml" <<YAML
name: falcot-rtc
runtime:
  name: nodejs
  options:
    typescript: true
main: $(realpath --relative-to="$PROJECT" "$ROOT")/index.ts
YAML
  local src="Pulumi.$STACK.yaml"
  [ -f "$src" ] || src=Pulumi.local.yaml   # RTC_LOCAL_STACK=NAME: another stack of the local environment
  [ -f "$PROJECT/Pulumi.$STACK.yaml" ] || cp "$src" "$PROJECT/Pulumi.$STACK.yaml"
  export PULUMI_RTC_PROJECT="$PROJECT"
  cd "$PROJECT"
}

outputs() {
  pulumi stack output --stack "$STACK" --json --show-secrets
}

case "$cmd" in
  up)
    prepare
    boot_stopped
    if [ -n "$layout" ]; then pulumi config set --stack "$STACK" layout "$layout"; fi
    log "pulumi up ($(pulumi config get --stack "$STACK" layout))"
    pulumi up --stack "$STACK" --yes --skip-preview --non-interactive --suppress-progress
    log "endpoints"
    outputs | node -e '
      const o = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const e = o.endpoints;
      console.log(`DNS server   ${o.dnsServer}   (dig @${o.dnsServer} _sips._tcp.${e.sip.domain} SRV)`);
      console.log(`TURN         ${e.turn.hostname} ${e.turn.addresses.join(" ")} realm ${e.turn.realm}`);
      console.log(`SIP          ${e.sip.hostname} for sip:USER@${e.sip.domain}${o.sipWssUrl ? ` (browsers: ${o.sipWssUrl})` : ""}`);
      console.log(`XMPP         ${e.xmpp.hostname} for USER@${e.xmpp.domains.join(", ")}`);
      if (e.web) console.log(`web          ${e.web.url} (staff answer at ${e.web.phoneUrl}; npm run -s local:page)`);
      console.log(`users        ${Object.keys(o.passwords).join(", ")} (passwords: npm run -s local:outputs)`);'
    ;;
  down)
    prepare
    boot_stopped
    pulumi destroy --stack "$STACK" --yes --skip-preview --non-interactive --suppress-progress
    pulumi stack rm --stack "$STACK" --yes --force --non-interactive >/dev/null
    rm -rf "$PROJECT"
    ;;
  outputs)
    source scripts/offline-env.sh >/dev/null
    project_dir
    outputs
    ;;
  reboot)
    # The container of the stack's first host.
    bash "$ROOT/scripts/local/host.sh" reboot "$(machine_prefix)0" >/dev/null
    ;;
  stop)
    for name in $(machines); do bash "$ROOT/scripts/local/host.sh" stop "$name"; done
    ;;
  pulumi)
    # Any pulumi command on the local stack, e.g. `scripts/local-env.sh pulumi preview --diff`.
    source scripts/offline-env.sh >/dev/null
    project_dir
    exec pulumi "${passthrough[@]}" --stack "$STACK" --non-interactive
    ;;
  *) echo "usage: $0 up [--layout standard|port443] [--nat] | down [--nat] | outputs [--nat] | reboot [--nat] | stop [--nat] | pulumi ARGS..." >&2; exit 2 ;;
esac
