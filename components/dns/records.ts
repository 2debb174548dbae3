// DNS records as data, and the record sets each service publishes. Pure: no Pulumi imports.

export type DnsRecord =
    | { readonly type: "A" | "AAAA"; readonly name: string; readonly address: string }
    | { readonly type: "SRV"; readonly name: string; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string }
    | { readonly type: "NAPTR"; readonly name: string; readonly order: number; readonly preference: number; readonly flags: string; readonly service: string; readonly regexp: string; readonly replacement: string };

/** Every name is fully qualified, lower case, without the trailing dot. */
export function recordKey(r: DnsRecord): string {
    switch (r.type) {
        case "A":
        case "AAAA":
            return `${r.name} ${r.type} ${r.address}`;
        case "SRV":
            return `${r.name} SRV ${r.priority} ${r.weight} ${r.port} ${r.target}`;
        case "NAPTR":
            return `${r.name} NAPTR ${r.order} ${r.preference} ${r.flags} ${r.service} ${r.replacement}`;
    }
}

/** Removes exact repeats, keeping the first; two services on one host publish the host's addresses once. */
export function uniqueRecords(records: readonly DnsRecord[]): DnsRecord[] {
    const seen = new Set<string>();
    return records.filter((r) => {
        const k = recordKey(r);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
    });
}

export function addressRecords(name: string, ipv4: readonly string[], ipv6: readonly string[]): DnsRecord[] {
    return [
        ...ipv4.map((address) => ({ type: "A" as const, name, address })),
        ...ipv6.map((address) => ({ type: "AAAA" as const, name, address })),
    ];
}

export function srv(service: string, proto: "udp" | "tcp", domain: string, port: number, target: string, priority = 0, weight = 1): DnsRecord {
    return { type: "SRV", name: `_${service}._${proto}.${domain}`, priority, weight, port, target };
}

/** An S-NAPTR (RFC 3958) or RFC 3263 NAPTR that hands over to an SRV name. */
export function naptrToSrv(domain: string, order: number, preference: number, service: string, srvName: string): DnsRecord {
    return { type: "NAPTR", name: domain, order, preference, flags: "s", service, regexp: "", replacement: srvName };
}
