import { managedHeader } from "../common/managed";
import { DnsRecord, recordKey, uniqueRecords } from "./records";
import { refuseControlCharacters } from "../common/plainText";

// The zone as BIND text, in the seed's db.falcot.com form, corrected. Pure and deterministic.

export interface NameServer {
    /** Fully qualified name of the name server. */
    readonly name: string;
    /** Its addresses, published as glue when the name is inside the zone. */
    readonly ipv4?: readonly string[];
    readonly ipv6?: readonly string[];
}

export interface ZoneSettings {
    readonly domain: string;
    readonly records: readonly DnsRecord[];
    readonly nameServers: readonly NameServer[];
    /** Mailbox of the zone's administrator, as a name: `hostmaster.falcot.com`. */
    readonly hostmaster: string;
    readonly ttl: number;
    /** SOA serial. Default: derived from the records, so an unchanged zone keeps its serial. */
    readonly serial?: number;
}

export function zoneSerial(records: readonly DnsRecord[]): number {
    // FNV-1a over the record set: stable for the same records, no clock involved.
    let h = 0x811c9dc5;
    for (const ch of records.map(recordKey).sort().join("\n")) {
        h ^= ch.charCodeAt(0);
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return (h % 2000000000) + 1;
}

export function relativeName(name: string, domain: string): string {
    if (name === domain) return "@";
    if (name.endsWith(`.${domain}`)) return name.slice(0, -domain.length - 1);
    return `${name}.`;
}

function fq(name: string): string {
    return `${name}.`;
}

function quote(s: string): string {
    return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function recordData(r: DnsRecord): string {
    switch (r.type) {
        case "A":
        case "AAAA":
            return r.address;
        case "SRV":
            return `${r.priority} ${r.weight} ${r.port} ${fq(r.target)}`;
        case "NAPTR":
            return `${r.order} ${r.preference} ${quote(r.flags)} ${quote(r.service)} ${quote(r.regexp)} ${fq(r.replacement)}`;
    }
}

/** Records of the zone proper: name-server glue plus the given records, without repeats. */
export function zoneRecords(s: ZoneSettings): DnsRecord[] {
    const glue: DnsRecord[] = s.nameServers
        .filter((ns) => ns.name === s.domain || ns.name.endsWith(`.${s.domain}`))
        .flatMap((ns) => [
            ...(ns.ipv4 ?? []).map((address) => ({ type: "A" as const, name: ns.name, address })),
            ...(ns.ipv6 ?? []).map((address) => ({ type: "AAAA" as const, name: ns.name, address })),
        ]);
    return uniqueRecords([...glue, ...s.records]);
}

const sections: [string, (r: DnsRecord) => boolean][] = [
    ["addresses", (r) => r.type === "A" || r.type === "AAAA"],
    ["SRV", (r) => r.type === "SRV"],
    ["NAPTR", (r) => r.type === "NAPTR"],
];

export function renderZone(s: ZoneSettings): string {
    refuseControlCharacters("renderZone", s);
    const records = zoneRecords(s);
    const serial = s.serial ?? zoneSerial(records);
    const width = Math.max(20, ...records.map((r) => relativeName(r.name, s.domain).length + 1));
    const line = (name: string, type: string, data: string) => `${name.padEnd(width)} IN ${type.padEnd(6)} ${data}`;
    const out: string[] = [
        managedHeader(";").trimEnd(),
        `$ORIGIN ${fq(s.domain)}`,
        `$TTL ${s.ttl}`,
        line("@", "SOA", `${fq(s.nameServers[0].name)} ${fq(s.hostmaster)} ( ${serial} 3600 900 1209600 ${Math.min(s.ttl, 3600)} )`),
        ...s.nameServers.map((ns) => line("@", "NS", fq(ns.name))),
    ];
    for (const [title, match] of sections) {
        const inSection = records.filter(match);
        if (!inSection.length) continue;
        out.push("", `; ${title}`);
        for (const r of inSection) out.push(line(relativeName(r.name, s.domain), r.type, recordData(r)));
    }
    return out.join("\n") + "\n";
}
