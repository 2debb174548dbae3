// The ports a service listens on, for firewalls and security groups. Pure.

export interface PortRule {
    readonly protocol: "tcp" | "udp";
    /** First port. */
    readonly from: number;
    /** Last port; the same as `from` for one port. */
    readonly to: number;
    /** What listens there, for the rule's description. */
    readonly purpose: string;
}

export const port = (protocol: PortRule["protocol"], at: number, purpose: string): PortRule => ({ protocol, from: at, to: at, purpose });

/** One rule per protocol and range, in a stable order; purposes of repeats are joined. */
export function mergePorts(rules: readonly PortRule[]): PortRule[] {
    const byKey = new Map<string, PortRule>();
    for (const r of rules) {
        const key = `${r.protocol} ${r.from} ${r.to}`;
        const seen = byKey.get(key);
        byKey.set(key, seen ? { ...seen, purpose: seen.purpose.split(", ").includes(r.purpose) ? seen.purpose : `${seen.purpose}, ${r.purpose}` } : r);
    }
    return [...byKey.values()].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.from - b.from || a.to - b.to);
}

/** `3478`, or `49152-65535`. */
export function portText(r: PortRule): string {
    return r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`;
}

/** SSH, which every host opens for Pulumi's remote commands. */
export const sshPort: PortRule = port("tcp", 22, "SSH");

/** BIND, when the host serves the zone. */
export const dnsPorts: readonly PortRule[] = [port("udp", 53, "DNS"), port("tcp", 53, "DNS")];
