import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { address, domainName, ownerName, port } from "../common/grammar";
import { Checker, RtcConfigError, show } from "../common/validation";
import { HostContext, ensureLine, hostSecret, keepServiceRunning, sharedFile, writeFile } from "../host/primitives";
import { RtcHost } from "../host/rtcHost";
import { DnsRecord, recordKey, uniqueRecords } from "./records";
import { NameServer, renderZone, zoneRecords } from "./zone";
import { refuseControlCharacters } from "../common/plainText";
import { managedHeader, secretPlaceholder } from "../common/managed";
import { ArgKinds, checkArgs } from "../common/args";
import { holdsAddressToken, resolveAddresses, resolveAddressesIn } from "../common/addresses";
import { PortRule, dnsPorts } from "../common/ports";

const argKinds: ArgKinds<RtcDnsZoneArgs> = { domain: "string", records: "objects", backend: "object", nameServers: "objects", hostmaster: "string", ttl: "integer" };

/** Where the records are published. */
export type DnsBackend =
    | { readonly kind: "zonefile" }
    | {
        readonly kind: "cloudflare";
        /** The Cloudflare zone's id. */
        readonly zoneId: pulumi.Input<string>;
    }
    | {
        readonly kind: "bind";
        /** The host that serves the zone with BIND 9, authoritative only: no recursion, no transfer to others. */
        readonly host: RtcHost;
        /**
         * Addresses of the secondary name servers: only they may transfer the zone, signed with `transferKey`, and
         * they are notified of each change. Default: none (no transfer, no notify).
         */
        readonly secondaries?: readonly string[];
        /**
         * The TSIG key (HMAC-SHA256, base64, as `tsig-keygen` prints it) the secondaries sign transfers with; the key's
         * name is `transferKeyName(domain)`. Pass it as a secret. Required with `secondaries`.
         */
        readonly transferKey?: pulumi.Input<string>;
    };

export interface RtcDnsZoneArgs {
    /** The zone, for example `falcot.com`. */
    readonly domain: string;
    /** The records to publish, usually the services' `dnsRecords` and the hosts' addresses. */
    readonly records: readonly DnsRecord[];
    /** Where to publish. Default `{ kind: "zonefile" }`: render only, publish nothing. */
    readonly backend?: DnsBackend;
    /** The zone's name servers, for its SOA and NS records. Default: `ns1.<domain>`, which then needs addresses. */
    readonly nameServers?: readonly NameServer[];
    /** The administrator's mailbox as a name. Default `hostmaster.<domain>`. */
    readonly hostmaster?: string;
    /** TTL of every record. Default 3600. */
    readonly ttl?: number;
}

/**
 * The DNS records clients use to find the services, published through a backend. It always exposes the whole
 * zone as BIND text (`zoneText`), in the seed's db.falcot.com form, corrected.
 */
export class RtcDnsZone extends pulumi.ComponentResource {
    /** The whole zone as BIND text, SOA and NS included, whatever the backend; known once every address is. */
    readonly zoneText: pulumi.Output<string>;
    /** Every record of the zone, SOA excepted; an address known only at deployment stands as a token. */
    readonly records: readonly DnsRecord[];
    /** The ports the zone is served on, for `HostFirewall`: DNS over UDP and TCP with `bind`; none otherwise. */
    readonly ports: readonly PortRule[];

    constructor(name: string, args: RtcDnsZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:RtcDnsZone", name, {}, opts);
        checkArgs(`RtcDnsZone "${name}"`, args, argKinds, ["domain", "records"]);
        const c = new Checker(`RtcDnsZone "${name}"`);
        c.domain("domain", args.domain);
        const backend = args.backend ?? { kind: "zonefile" as const };
        c.check(["zonefile", "cloudflare", "bind"].includes(backend.kind), "backend.kind", `is ${show(backend.kind)}`, "use zonefile, cloudflare or bind");
        const secondaries = backend.kind === "bind" ? backend.secondaries ?? [] : [];
        if (backend.kind === "bind") {
            secondaries.forEach((a, i) => c.rule(`backend.secondaries[${i}]`, a, address(typeof a === "string" && a.includes(":") ? 6 : 4)));
            c.check(new Set(secondaries).size === secondaries.length, "backend.secondaries", "lists an address twice", "list each secondary once");
            const key = backend.transferKey;
            if (secondaries.length) c.check(key !== undefined && key !== "", "backend.transferKey", "is missing, but secondaries are given", "make one with `tsig-keygen` (its secret line) and pass it as a secret");
            else c.check(key === undefined, "backend.transferKey", "is set, but no secondaries are given", "remove it, or list the secondaries that use it");
            if (typeof key === "string" && key !== "") {
                const problem = transferKeyProblem(key);
                c.check(problem === undefined, "backend.transferKey", problem ?? "", "use the base64 secret `tsig-keygen -a hmac-sha256` prints, or `openssl rand -base64 32`");
            }
        }
        const ttl = args.ttl ?? 3600;
        c.check(Number.isInteger(ttl) && ttl >= 60 && ttl <= 86400, "ttl", `is ${show(ttl)}`, "use seconds from 60 to 86400");
        const nameServers = args.nameServers ?? [{ name: `ns1.${args.domain}` }];
        c.check(nameServers.length > 0, "nameServers", "is empty", "list at least one name server");
        nameServers.forEach((ns, i) => {
            c.domain(`nameServers[${i}].name`, ns.name);
            const inZone = ns.name === args.domain || ns.name.endsWith(`.${args.domain}`);
            c.check(!inZone || (ns.ipv4?.length ?? 0) + (ns.ipv6?.length ?? 0) > 0, `nameServers[${i}]`, `is ${ns.name}, inside the zone but without an address`,
                "give its ipv4/ipv6 addresses (glue), or name a server outside the zone");
        });
        const hostmaster = args.hostmaster ?? `hostmaster.${args.domain}`;
        c.domain("hostmaster", hostmaster);
        nameServers.forEach((ns, i) => {
            // An address known only at deployment is checked when it is known.
            (ns.ipv4 ?? []).forEach((a, j) => holdsAddressToken(a) || c.rule(`nameServers[${i}].ipv4[${j}]`, a, address(4)));
            (ns.ipv6 ?? []).forEach((a, j) => holdsAddressToken(a) || c.rule(`nameServers[${i}].ipv6[${j}]`, a, address(6)));
        });
        (args.records ?? []).forEach((r, i) => {
            if (!c.rule(`records[${i}].name`, r.name, ownerName)) return;
            c.check(r.name === args.domain || r.name.endsWith(`.${args.domain}`), `records[${i}]`, `is ${r.name}, outside ${args.domain}`, `publish it in the zone of its own domain, or set domain to a parent of ${r.name}`);
            if (r.type === "A" || r.type === "AAAA") {
                if (!holdsAddressToken(r.address)) c.rule(`records[${i}].address`, r.address, address(r.type === "A" ? 4 : 6));
            } else if (r.type === "SRV") {
                c.rule(`records[${i}].target`, r.target, domainName);
                c.rule(`records[${i}].port`, r.port, port);
                for (const f of ["priority", "weight"] as const) c.check(Number.isInteger(r[f]) && r[f] >= 0 && r[f] <= 65535, `records[${i}].${f}`, `is ${show(r[f])}`, "use a whole number from 0 to 65535");
            } else if (r.type === "NAPTR") {
                c.rule(`records[${i}].replacement`, r.replacement, ownerName);
                c.check(/^[A-Za-z0-9+.:-]{1,64}$/.test(r.service) && /^[a-z]?$/i.test(r.flags) && r.regexp === "", `records[${i}]`, `has service ${show(r.service)}, flags ${show(r.flags)}, regexp ${show(r.regexp)}`,
                    "use a service such as SIPS+D2T or RELAY:turn.udp, flags s or empty, and no regexp");
                for (const f of ["order", "preference"] as const) c.check(Number.isInteger(r[f]) && r[f] >= 0 && r[f] <= 65535, `records[${i}].${f}`, `is ${show(r[f])}`, "use a whole number from 0 to 65535");
            } else c.fail(`records[${i}].type`, `is ${show((r as { type: unknown }).type)}`, "use A, AAAA, SRV or NAPTR");
        });
        c.done();

        const settings = { domain: args.domain, records: args.records, nameServers, hostmaster, ttl };
        // The serial follows the records' values, so it is computed once the addresses are known.
        this.zoneText = resolveAddressesIn(settings).apply(renderZone);
        this.records = zoneRecords(settings);
        this.ports = backend.kind === "bind" ? dnsPorts : [];

        if (backend.kind === "cloudflare") {
            // Cloudflare serves the zone's SOA, NS and glue itself.
            const { cloudflareRecord, DnsRecord: CloudflareRecord } = loadCloudflare(`RtcDnsZone "${name}"`);
            for (const r of uniqueRecords(args.records)) {
                const args = cloudflareRecord(r, backend.zoneId, ttl);
                new CloudflareRecord(`${name}-${r.type.toLowerCase()}-${shortKey(r)}`, { ...args, content: args.content === undefined ? undefined : resolveAddresses(args.content as string) }, { parent: this });
            }
        } else if (backend.kind === "bind") {
            const host = backend.host;
            const packages = host.requirePackages(["bind9", "bind9-utils"], `dns-${name}`);
            const ctx: HostContext = { host, parent: this, owner: `RtcDnsZone "${name}"`, prefix: name, after: [packages], retainOnDelete: opts?.retainOnDelete };
            // Each zone in its own files, included from named.conf.local by one line: zones this component did
            // not make, and other RtcDnsZones on the host, are left alone.
            const zonePath = `/etc/bind/db.${args.domain}`;
            const stanzaPath = `/etc/bind/pulumi-rtc/${args.domain}.conf`;
            const zoneFile = writeFile(ctx, { path: zonePath, content: this.zoneText, group: "bind" });
            const keySecret = `dns-${args.domain.toLowerCase()}-transfer-key`;
            const stanza = writeFile(ctx, { path: stanzaPath, content: renderZoneStanza(args.domain, zonePath, secondaries, keySecret), group: "bind" },
                secondaries.length ? { [keySecret]: hostSecret(ctx, keySecret, pulumi.secret(backend.transferKey!)) } : {});
            const included = ensureLine(ctx, { path: "/etc/bind/named.conf.local", line: `include "${stanzaPath}";`, replaceIfStartsWith: "// Managed by pulumi-rtc" });
            keepServiceRunning(ctx, {
                unit: "named",
                files: [sharedFile(ctx, "/etc/bind/named.conf.options", renderAuthoritativeOptions()), zoneFile, stanza, included],
                onChange: "reload",
                check: `named-checkconf && named-checkzone -q ${args.domain} ${zonePath}`,
            });
        }
        this.registerOutputs({ zoneText: this.zoneText });
    }
}

/** The name of the TSIG key a zone's secondaries sign their transfers with. */
export function transferKeyName(domain: string): string {
    return `${domain.toLowerCase()}-transfer`;
}

/** What is wrong with a TSIG secret, if anything; never the secret itself. */
export function transferKeyProblem(key: string): string | undefined {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0) return "is not base64";
    if (Buffer.from(key, "base64").length < 16) return "is too short (fewer than 16 bytes)";
    return undefined;
}

/**
 * The zone's stanza for named, in its own file: transfers only to the secondaries, signed with the zone's TSIG key
 * (whose secret stands as the placeholder `keySecret`), and notifies only them.
 */
export function renderZoneStanza(domain: string, zonePath: string, secondaries: readonly string[] = [], keySecret = "dns-transfer-key"): string {
    refuseControlCharacters("renderZoneStanza", { domain, zonePath, secondaries });
    const key = transferKeyName(domain);
    const transfer = secondaries.length
        ? [
            // Both at once: from a secondary's address, and signed with the key.
            `    allow-transfer { !{ ${secondaries.map((a) => `!${a}; `).join("")}any; }; key "${key}"; };`,
            `    also-notify { ${secondaries.map((a) => `${a} key "${key}"; `).join("")}};`,
            "    notify explicit;",
        ]
        : ["    allow-transfer { none; };", "    notify no;"];
    return [
        managedHeader("//").trimEnd(),
        ...(secondaries.length ? [`key "${key}" {`, "    algorithm hmac-sha256;", `    secret "${secretPlaceholder(keySecret)}";`, "};"] : []),
        `zone "${domain}" {`,
        "    type primary;",
        `    file "${zonePath}";`,
        ...transfer,
        "    allow-update { none; };",
        "};",
        "",
    ].join("\n");
}

/**
 * named's options, for a name server that is authoritative only: it answers for its own zones and nothing else
 * (no recursion, no answers from its cache), transfers nothing unless a zone allows it, and tells no version.
 */
export function renderAuthoritativeOptions(): string {
    return [
        managedHeader("//").trimEnd(),
        "options {",
        '    directory "/var/cache/bind";',
        "    recursion no;",
        "    allow-recursion { none; };",
        "    allow-query-cache { none; };",
        "    allow-transfer { none; };",
        "    notify no;",
        "    version none;",
        "    listen-on { any; };",
        "    listen-on-v6 { any; };",
        "};",
        "",
    ].join("\n");
}



function shortKey(r: DnsRecord): string {
    return createHash("sha256").update(recordKey(r)).digest("hex").slice(0, 10);
}

/**
 * The Cloudflare backend, loaded only when it is chosen: `@pulumi/cloudflare` is an optional peer dependency,
 * so stacks on BIND or the zone text need not install it.
 */
function loadCloudflare(component: string): typeof import("./cloudflare") {
    try {
        require.resolve("@pulumi/cloudflare");
    } catch {
        throw new RtcConfigError(component, "backend.kind", "is cloudflare, but @pulumi/cloudflare is not installed",
            "npm install @pulumi/cloudflare (and its provider plugin), or use the bind or zonefile backend");
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("./cloudflare") as typeof import("./cloudflare");
}
