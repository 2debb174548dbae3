import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { managedHeader } from "../common/managed";
import { refuseControlCharacters } from "../common/plainText";

// The cloud-init user data every machine this library makes boots with (Hetzner, EC2, the local container):
// the pinned SSH host key, root's key, and the service addresses the cloud does not configure itself. Pure.

export interface GuestSetup {
    /** The host's fully qualified name. */
    readonly fqdn: string;
    /** The ed25519 host key the connection pins (OpenSSH forms, as `tls.PrivateKey` gives them). */
    readonly hostKey: { readonly privateKeyOpenssh: string; readonly publicKeyOpenssh: string };
    /** Public keys that log in as root. */
    readonly authorizedKeys: readonly string[];
    /** IPv4 addresses to bind beside the one the cloud configures (floating IPs, secondary private IPs), as /32. */
    readonly extraIpv4: readonly string[];
}

/** Where the extra addresses are listed on the guest, one per line, for the script below. */
export const EXTRA_ADDRESSES_FILE = "/etc/pulumi-rtc-addresses";
const ADDRESSES_SCRIPT = "/usr/local/sbin/pulumi-rtc-addresses";

/**
 * Binds the listed addresses on the interface of the default route, through the network stack the image uses
 * (netplan on Debian's own cloud images, ifupdown elsewhere), so they come back after a reboot. Idempotent.
 */
const addressesScript = [
    "#!/bin/sh",
    managedHeader("#").trimEnd(),
    "set -eu",
    `list=${EXTRA_ADDRESSES_FILE}`,
    "iface=$(ip -o -4 route show default | awk '{ for (i = 1; i < NF; i++) if ($i == \"dev\") { print $(i + 1); exit } }')",
    "[ -n \"$iface\" ] || { echo 'pulumi-rtc-addresses: no default IPv4 route' >&2; exit 1; }",
    "if [ -d /etc/netplan ] && command -v netplan >/dev/null; then",
    "  conf=/etc/netplan/60-pulumi-rtc.yaml",
    "  # Only what the cloud's own network config lacks (EC2 configures secondary private addresses itself).",
    "  [ -e \"$conf\" ] || : > \"$conf\"",
    "  missing=$(while read -r a; do [ -n \"$a\" ] || continue",
    "    grep -q \" $a/32$\" \"$conf\" || ! ip -o -4 addr show dev \"$iface\" | grep -q \" $a/\" && echo \"$a\"; done < \"$list\")",
    "  [ -n \"$missing\" ] || { [ -s \"$conf\" ] || rm -f \"$conf\"; exit 0; }",
    "  { echo '# Managed by pulumi-rtc (Pulumi). Do not edit by hand.'",
    "    echo 'network:'; echo '  version: 2'; echo '  ethernets:'; echo \"    $iface:\"; echo '      addresses:'",
    "    for a in $missing; do echo \"        - $a/32\"; done; } > \"$conf.new\"",
    "  chmod 0600 \"$conf.new\"",
    "  if ! cmp -s \"$conf.new\" \"$conf\"; then mv \"$conf.new\" \"$conf\"; netplan apply; else rm -f \"$conf.new\"; fi",
    "elif command -v ifup >/dev/null && grep -qs '^source.*interfaces.d' /etc/network/interfaces; then",
    "  conf=/etc/network/interfaces.d/60-pulumi-rtc",
    "  n=0",
    "  { echo '# Managed by pulumi-rtc (Pulumi). Do not edit by hand.'",
    "    while read -r a; do [ -n \"$a\" ] || continue; n=$((n + 1))",
    "      printf 'auto %s:%s\\niface %s:%s inet static\\n    address %s/32\\n' \"$iface\" \"$n\" \"$iface\" \"$n\" \"$a\"; done < \"$list\"; } > \"$conf\"",
    "  n=0",
    "  while read -r a; do [ -n \"$a\" ] || continue; n=$((n + 1))",
    "    ip -o -4 addr show dev \"$iface\" | grep -q \" $a/\" || ifup \"$iface:$n\"",
    "  done < \"$list\"",
    "else",
    "  echo 'pulumi-rtc-addresses: neither netplan nor ifupdown (with interfaces.d) is here' >&2; exit 1",
    "fi",
    "",
].join("\n");

/** The `#cloud-config` document. It holds a private key: keep it secret (see `userData`). */
export function renderUserData(g: GuestSetup): string {
    const authorizedKeys = g.authorizedKeys.map((k) => k.trim());
    refuseControlCharacters("renderUserData", { fqdn: g.fqdn, authorizedKeys, hostPublicKey: g.hostKey.publicKeyOpenssh.trim(), extraIpv4: g.extraIpv4 });
    const doc = {
        hostname: g.fqdn.split(".")[0],
        fqdn: g.fqdn,
        // The host key is ours, so the connection can pin it before the first login.
        ssh_deletekeys: true,
        ssh_genkeytypes: ["ed25519"], // the given key; with it, nothing is generated
        ssh_keys: { ed25519_private: g.hostKey.privateKeyOpenssh.trimEnd() + "\n", ed25519_public: g.hostKey.publicKeyOpenssh.trim() },
        // Root logs in by key (Debian's images refuse root by default).
        disable_root: false,
        ssh_authorized_keys: authorizedKeys,
        write_files: [
            { path: EXTRA_ADDRESSES_FILE, permissions: "0644", content: g.extraIpv4.map((a) => `${a}\n`).join("") },
            { path: ADDRESSES_SCRIPT, permissions: "0755", content: addressesScript },
        ],
        runcmd: [[ADDRESSES_SCRIPT]],
    };
    return `#cloud-config\n${managedHeader("#")}${YAML.stringify(doc, { lineWidth: 0 })}`;
}

/** `GuestSetup`, each part of which may be an Output. */
export interface GuestSetupInputs {
    readonly fqdn: pulumi.Input<string>;
    readonly hostKey: { readonly privateKeyOpenssh: pulumi.Input<string>; readonly publicKeyOpenssh: pulumi.Input<string> };
    readonly authorizedKeys: readonly pulumi.Input<string>[];
    readonly extraIpv4: readonly pulumi.Input<string>[];
}

/** The user data as a secret Output, from inputs that may be Outputs. */
export function userData(g: GuestSetupInputs): pulumi.Output<string> {
    return pulumi.secret(pulumi.all([g.fqdn, g.hostKey, g.authorizedKeys, g.extraIpv4]).apply(([fqdn, hostKey, authorizedKeys, extraIpv4]) =>
        renderUserData({ fqdn, hostKey, authorizedKeys, extraIpv4 } as GuestSetup)));
}

/**
 * The first step on a machine that boots with cloud-init: waits until cloud-init has finished, and fails with its
 * report when cloud-init failed. (Exit 2, "recoverable error", exists from cloud-init 23.4; Debian 12 has 22.4.)
 */
export const cloudInitWaitScript = [
    "set -u",
    "cloud-init status --wait >/dev/null",
    "rc=$?",
    "[ \"$rc\" -eq 0 ] || [ \"$rc\" -eq 2 ] || { cloud-init status --long >&2; tail -n 20 /var/log/cloud-init-output.log >&2; exit 1; }",
].join("\n");
