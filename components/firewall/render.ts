import { managedHeader } from "../common/managed";
import { PortRule, mergePorts, portText, sshPort } from "../common/ports";
import { refuseControlCharacters } from "../common/plainText";

// The host firewall's nftables ruleset. Pure.

/** The one nftables table this library owns on a host (family inet: IPv4 and IPv6). */
export const FIREWALL_TABLE = "inet pulumi_rtc";

export const firewallDefaults = {
    /** The ruleset the last `pulumi up` wrote; loaded by the apply step, not at boot until confirmed. */
    nextPath: "/etc/pulumi-rtc/firewall.next.nft",
    /** The confirmed ruleset, which the boot unit loads. */
    confirmedPath: "/etc/pulumi-rtc/firewall.nft",
    unit: "pulumi-rtc-firewall.service",
    revertAfterSeconds: 60,
} as const;

/** The ports a firewall opens: the given ones and SSH, merged. */
export function openedPorts(ports: readonly PortRule[]): PortRule[] {
    return mergePorts([sshPort, ...ports]);
}

/**
 * A ruleset that `nft -f` loads as one transaction, replacing only table inet pulumi_rtc (made first, so the
 * delete works whether or not it exists). Input is dropped unless it is loopback, a reply, ICMP, a DHCP reply,
 * or for one of the ports (SSH always); forward and output are left alone.
 */
export function renderFirewall(ports: readonly PortRule[]): string {
    refuseControlCharacters("renderFirewall", ports, "ports");
    for (const p of ports) {
        const ok = (p.protocol === "tcp" || p.protocol === "udp") && [p.from, p.to].every((n) => Number.isInteger(n) && n >= 1 && n <= 65535) && p.from <= p.to;
        if (!ok) throw new Error(`renderFirewall: ${JSON.stringify(p)} is not a tcp or udp port range within 1-65535`);
    }
    const accept = (match: string, why: string) => `\t\t${match} accept comment ${comment(why)}`;
    return [
        managedHeader("#").trimEnd(),
        "",
        `table ${FIREWALL_TABLE}`,
        `delete table ${FIREWALL_TABLE}`,
        "",
        `table ${FIREWALL_TABLE} {`,
        "\tchain input {",
        "\t\ttype filter hook input priority filter; policy drop;",
        accept("iif lo", "loopback"),
        accept("ct state established,related", "replies to connections the host made or accepted"),
        "\t\tct state invalid drop comment \"invalid\"",
        "\t\ticmp type echo-request limit rate over 10/second burst 20 packets drop comment \"ping flood\"",
        "\t\ticmpv6 type echo-request limit rate over 10/second burst 20 packets drop comment \"ping flood\"",
        accept("meta l4proto icmp", "ICMP"),
        accept("meta l4proto ipv6-icmp", "ICMPv6: neighbour discovery, router advertisements, path MTU"),
        accept("udp sport 67 udp dport 68", "DHCPv4 replies"),
        accept("udp sport 547 udp dport 546", "DHCPv6 replies"),
        ...openedPorts(ports).map((p) => accept(`${p.protocol} dport ${portText(p)}`, p.purpose)),
        "\t}",
        "}",
        "",
    ].join("\n");
}

/** An nft comment: quotes and backslashes dropped, at most 128 bytes (nft's limit). */
function comment(text: string): string {
    let safe = text.replace(/["\\]/g, "");
    while (Buffer.byteLength(safe) > 128) safe = safe.slice(0, -1);
    return `"${safe}"`;
}
