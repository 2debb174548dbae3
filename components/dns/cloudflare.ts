import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import { DnsRecord as ZoneRecord } from "./records";

// The Cloudflare backend of RtcDnsZone, loaded only when that backend is chosen (see loadCloudflare).

export const DnsRecord = cloudflare.DnsRecord;

/** A record in Cloudflare's form: fully qualified names; SRV `data` and the top-level priority kept in step. */
export function cloudflareRecord(r: ZoneRecord, zoneId: pulumi.Input<string>, ttl: number): cloudflare.DnsRecordArgs {
    const base = { zoneId, name: r.name, type: r.type, ttl, proxied: false };
    switch (r.type) {
        case "A":
        case "AAAA":
            return { ...base, content: r.address };
        case "SRV":
            return { ...base, priority: r.priority, data: { priority: r.priority, weight: r.weight, port: r.port, target: r.target } };
        case "NAPTR":
            return { ...base, data: { order: r.order, preference: r.preference, flags: r.flags, service: r.service, regex: r.regexp, replacement: r.replacement } };
    }
}
