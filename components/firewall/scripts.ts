import { STATE_DIR, shellQuote } from "../host/scripts";
import { FIREWALL_TABLE, firewallDefaults } from "./render";

// Shell text of the firewall's steps. Pure. The apply step loads a checked ruleset and arms a revert; the
// confirm step, a separate SSH connection, disarms it. Both take one lock, so a revert and a confirmation
// never interleave.

export interface FirewallPaths {
    /** The ruleset written by the last `pulumi up`. */
    readonly next: string;
    /** The confirmed ruleset, loaded at boot. */
    readonly confirmed: string;
    /** Where the steps keep the previous table, the pending marker and the revert's pid. */
    readonly stateDir: string;
    /** The boot unit. */
    readonly unit: string;
}

export const firewallPaths: FirewallPaths = {
    next: firewallDefaults.nextPath,
    confirmed: firewallDefaults.confirmedPath,
    stateDir: `${STATE_DIR}/firewall`,
    unit: firewallDefaults.unit,
};

/** The transient systemd unit (or, without systemd, the process name) of a pending revert. */
export const REVERT_UNIT = "pulumi-rtc-firewall-revert";

const strict = "set -eu";
const underSystemd = `[ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]`;

function prelude(p: FirewallPaths): string[] {
    return [
        strict,
        `next=${shellQuote(p.next)}`,
        `confirmed=${shellQuote(p.confirmed)}`,
        `state=${shellQuote(p.stateDir)}`,
        `revert_unit=${REVERT_UNIT}`,
        `mkdir -p "$state" && chmod 0700 "$state" "$(dirname "$state")"`,
        `exec 9>"$state/lock"`,
        `flock 9`,
        // Stops a pending revert, whichever way it was armed.
        `disarm() {`,
        `  if ${underSystemd}; then`,
        `    systemctl stop "$revert_unit.timer" "$revert_unit.service" 2>/dev/null || true`,
        `    systemctl reset-failed "$revert_unit.timer" "$revert_unit.service" 2>/dev/null || true`,
        `  fi`,
        `  if [ -s "$state/revert.pid" ]; then`,
        `    pid=$(cat "$state/revert.pid")`,
        `    if grep -qs "$revert_unit" "/proc/$pid/cmdline"; then kill -TERM -- "-$pid" 2>/dev/null || true; fi`,
        `  fi`,
        `  rm -f "$state/revert.pid"`,
        `}`,
    ];
}

/**
 * Checks the new ruleset (nothing changes if nft refuses it), keeps the running table (or its absence) unless an
 * unconfirmed apply already kept the last confirmed one, loads the new ruleset atomically, and arms a revert
 * that restores the kept table after `revertAfterSeconds` unless `firewallConfirmScript` runs first.
 */
export function firewallApplyScript(revertAfterSeconds: number, p: FirewallPaths = firewallPaths): string {
    if (!Number.isInteger(revertAfterSeconds) || revertAfterSeconds < 1) throw new Error(`firewallApplyScript: revertAfterSeconds is ${revertAfterSeconds}, not a whole number of seconds`);
    const after = revertAfterSeconds;
    const revert = [
        "#!/bin/sh",
        `# ${REVERT_UNIT}: restores the firewall table kept before an apply that was not confirmed.`,
        `exec 9>${shellQuote(`${p.stateDir}/lock`)}`,
        "flock 9",
        `[ -e ${shellQuote(`${p.stateDir}/pending`)} ] || exit 0`,
        `nft -f ${shellQuote(`${p.stateDir}/revert.nft`)}`,
        `rm -f ${shellQuote(`${p.stateDir}/pending`)} ${shellQuote(`${p.stateDir}/revert.pid`)}`,
        `logger -t pulumi-rtc "firewall not confirmed within ${after} s: the previous table is back" 2>/dev/null || true`,
        "",
    ].join("\n");
    return [
        ...prelude(p),
        `if ! out=$(nft -c -f "$next" 2>&1); then`,
        `  printf '%s\\n' "$out" >&2`,
        `  echo "pulumi-rtc: nft refuses $next; the running firewall is unchanged" >&2`,
        `  exit 1`,
        `fi`,
        `if [ ! -e "$state/pending" ]; then`,
        `  { printf 'table ${FIREWALL_TABLE}\\ndelete table ${FIREWALL_TABLE}\\n'; nft -s list table ${FIREWALL_TABLE} 2>/dev/null || true; } > "$state/revert.nft.new"`,
        `  mv -f "$state/revert.nft.new" "$state/revert.nft"`,
        `  : > "$state/pending"`,
        `fi`,
        `disarm`,
        `printf '%s' ${shellQuote(revert)} > "$state/revert.sh"`,
        `nft -f "$next"`,
        `if ${underSystemd}; then`,
        `  systemd-run --quiet --unit="$revert_unit" --on-active=${after} --timer-property=AccuracySec=1s /bin/sh "$state/revert.sh"`,
        `else`,
        // A session of its own, so the revert outlives this SSH session; fd 9 closed, so it does not hold the lock.
        `  setsid /bin/sh -c 'sleep "$1"; /bin/sh "$2"' "$revert_unit" ${after} "$state/revert.sh" 9>&- </dev/null >/dev/null 2>&1 &`,
        `  echo $! > "$state/revert.pid"`,
        `fi`,
        `echo "firewall: loaded $next; reverts in ${after} s unless confirmed" >&2`,
    ].join("\n");
}

/**
 * Confirms a loaded ruleset: disarms the revert and installs it as the ruleset the boot unit loads. Fails if
 * the revert came first. Run over a new SSH connection, its success proves the new ruleset lets SSH in.
 */
export function firewallConfirmScript(p: FirewallPaths = firewallPaths): string {
    return [
        ...prelude(p),
        `if [ -e "$state/pending" ]; then`,
        `  disarm`,
        `  tmp=$(mktemp "$confirmed.rtc-XXXXXX")`,
        `  cat "$next" > "$tmp" && chmod 0644 "$tmp" && mv -f "$tmp" "$confirmed"`,
        `  rm -f "$state/pending"`,
        `  echo "firewall: confirmed over a new SSH connection" >&2`,
        `elif ! cmp -s "$next" "$confirmed"; then`,
        `  echo "pulumi-rtc: the firewall in $next was reverted before it was confirmed (did it shut SSH out?). Fix: correct the ports, or replace the firewall's apply step (pulumi up --replace URN) to try it again" >&2`,
        `  exit 1`,
        `fi`,
        `if ${underSystemd}; then systemctl daemon-reload && systemctl enable --quiet ${shellQuote(p.unit)}; fi`,
    ].join("\n");
}

/** Undoes the confirm step: the boot unit no longer loads the ruleset. */
export function firewallUnconfirmScript(p: FirewallPaths = firewallPaths): string {
    return [
        strict,
        `if ${underSystemd}; then systemctl disable --quiet ${shellQuote(p.unit)} 2>/dev/null || true; fi`,
        `rm -f ${shellQuote(p.confirmed)}`,
    ].join("\n");
}

/** Undoes the apply step: disarms a pending revert, deletes our table, removes the step's state. */
export function firewallRemoveScript(p: FirewallPaths = firewallPaths): string {
    return [
        ...prelude(p),
        `disarm`,
        `nft delete table ${FIREWALL_TABLE} 2>/dev/null || true`,
        `rm -f "$state/pending" "$state/revert.nft" "$state/revert.nft.new" "$state/revert.sh" "$state/lock"`,
        `rmdir "$state" 2>/dev/null || true`,
        `rmdir "$(dirname "$state")" 2>/dev/null || true`,
    ].join("\n");
}

/** The boot unit: loads the confirmed ruleset before any network is up. */
export function renderFirewallUnit(p: FirewallPaths = firewallPaths): string {
    return [
        "# Managed by pulumi-rtc (Pulumi). Do not edit by hand:",
        "# changes are overwritten by the next `pulumi up`.",
        "[Unit]",
        "Description=pulumi-rtc host firewall (nftables table inet pulumi_rtc)",
        "DefaultDependencies=no",
        "Wants=network-pre.target",
        // After Debian's nftables.service, whose /etc/nftables.conf usually starts with `flush ruleset`.
        "Before=network-pre.target shutdown.target",
        "After=nftables.service",
        "Conflicts=shutdown.target",
        `ConditionPathExists=${p.confirmed}`,
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        `ExecStart=/usr/sbin/nft -f ${p.confirmed}`,
        "",
        "[Install]",
        "WantedBy=sysinit.target",
        "",
    ].join("\n");
}
