import * as pulumi from "@pulumi/pulumi";
import * as rtc from "../bin";

// The components as a Pulumi package (`pulumi package add`) for YAML, Python, Go and other languages.
// Pulumi's schema analyzer takes plain interfaces only: no unions, and no resource from outside @pulumi/*.
// So each class here wraps the library component of the same name: `host` describes a server instead of
// being an RtcHost, enums are documented strings checked at construction, and records have one flat shape.
// The TypeScript API stays as strict as it is. Components that name one fqdn share one RtcHost.
// It runs as index.js, built beside this file with the library (`npm run build`): Pulumi reads this file for
// the schema, and Node.js runs the JavaScript, also from inside node_modules where ts-node would not.

/** How to reach a host over SSH. */
export interface HostConnection {
    /** Address or name to connect to. Default: the host's first IPv4 address. */
    readonly host?: pulumi.Input<string>;
    /** SSH port. Default 22. */
    readonly port?: number;
    /** The user, root or one with passwordless sudo as root. Default `root`. */
    readonly user?: string;
    /** OpenSSH private key. Pass a secret. */
    readonly privateKey: pulumi.Input<string>;
    /** The host's key as `ssh-keyscan` prints it (ed25519 or ECDSA), pinned. Default: none, any key is taken. */
    readonly hostKey?: string;
}

/** A Debian server. Every component naming the same `fqdn` must describe it the same way. */
export interface Host {
    /** Fully qualified name, such as `server1.falcot.com`; its domain is the services' default domain. */
    readonly fqdn: string;
    /** Public IPv4 service addresses, in order. At least one. */
    readonly ipv4: pulumi.Input<string>[];
    /** Public IPv6 service addresses. Default: none. */
    readonly ipv6?: pulumi.Input<string>[];
    /** How to reach it. */
    readonly connection: HostConnection;
}

/** A certificate and its key, such as one from `tls` or an ACME client. */
export interface Certificate {
    /** The names it is valid for. */
    readonly dnsNames: string[];
    /** PEM certificate, then any intermediates. */
    readonly certPem: pulumi.Input<string>;
    /** PEM private key. Pass a secret. */
    readonly keyPem: pulumi.Input<string>;
}

/** A user with a password. */
export interface User {
    /** User name, such as `roland`. */
    readonly name: string;
    /** Password, at least 12 characters. Pass a secret. */
    readonly password: pulumi.Input<string>;
}

/** An XMPP account. */
export interface XmppUser {
    /** Full address, such as `joe@falcot.com`. */
    readonly jid: string;
    /** Password, at least 12 characters. Pass a secret. */
    readonly password: pulumi.Input<string>;
}

/** A range of ports. */
export interface PortRange {
    readonly min: number;
    readonly max: number;
}

/** A port or a range of ports that a service listens on, as a firewall opens it. */
export interface ServicePort {
    /** `tcp` or `udp`. */
    readonly protocol: string;
    /** The first port. */
    readonly from: number;
    /** The last port; `from` for one port. */
    readonly to: number;
    /** What it is for, such as `TURN over TLS`. */
    readonly purpose: string;
}

/** Where coturn keeps its users. */
export interface TurnUserDb {
    /** `sqlite` (default), `mysql`, `postgresql` or `redis`. */
    readonly kind: string;
    /** sqlite: the database file. Default `/var/lib/turn/turndb`. */
    readonly path?: string;
    /** mysql, postgresql, redis: coturn's connection string. Pass a secret. */
    readonly connection?: pulumi.Input<string>;
}

/** A DNS record. `type` says which fields it takes. */
export interface DnsRecord {
    /** `A`, `AAAA`, `SRV` or `NAPTR`. */
    readonly type: string;
    /** Fully qualified owner name, without the trailing dot. */
    readonly name: string;
    /** A, AAAA: the address. */
    readonly address?: string;
    /** SRV. */
    readonly priority?: number;
    /** SRV. */
    readonly weight?: number;
    /** SRV. */
    readonly port?: number;
    /** SRV: the target host. */
    readonly target?: string;
    /** NAPTR. */
    readonly order?: number;
    /** NAPTR. */
    readonly preference?: number;
    /** NAPTR, such as `s`. */
    readonly flags?: string;
    /** NAPTR, such as `SIPS+D2T`. */
    readonly service?: string;
    /** NAPTR. Default: empty. */
    readonly regexp?: string;
    /** NAPTR: the SRV name it points to. */
    readonly replacement?: string;
}

/** A name server of a zone. */
export interface NameServer {
    /** Fully qualified name. */
    readonly name: string;
    /** Its IPv4 addresses, published as glue when it is inside the zone. */
    readonly ipv4?: string[];
    /** Its IPv6 addresses. */
    readonly ipv6?: string[];
}

/** SIP callers without an account, with time-limited credentials. */
export interface SipGuests {
    /** Shared secret the credentials are made with (auth_ephemeral). Pass a secret; at least 24 characters. */
    readonly secret: pulumi.Input<string>;
    /** The users guests may call; nobody else. */
    readonly destinations: string[];
    /** Guests' domain. Default `guest.<sipDomain>`. */
    readonly domain?: string;
}

export interface TurnServerArgs {
    /** The Debian host to configure. */
    readonly host: Host;
    /** The DNS domain of the records. Default: the host's domain. */
    readonly domain?: string;
    /** The name clients connect to. Default `turn-server.<domain>`. */
    readonly hostname?: string;
    /** Long-term credential realm. Default: the domain. */
    readonly realm?: string;
    /** IPv4 addresses to listen and relay on. Default: all of the host's. */
    readonly ipv4?: string[];
    /** IPv6 addresses to listen and relay on. Default: none. */
    readonly ipv6?: string[];
    /** STUN/TURN over UDP and TCP. Default 3478. */
    readonly port?: number;
    /** TURN over TLS, with a certificate. Default 5349. */
    readonly tlsPort?: number;
    /** Certificate for TURN over TLS, valid for `hostname`. Default: none, and no TLS listener. */
    readonly certificate?: Certificate;
    /** Users with long-term credentials. Default: none. */
    readonly users?: User[];
    /** Administrators of coturn's web admin. Default: none. */
    readonly adminUsers?: User[];
    /** Shared secret of the TURN REST API. Pass a secret. Default: none. */
    readonly staticAuthSecret?: pulumi.Input<string>;
    /** User database. Default: SQLite at `/var/lib/turn/turndb`. */
    readonly userDb?: TurnUserDb;
    /** Relay ports. Default 49152-65535. */
    readonly relayPorts?: PortRange;
    /** Peer ranges denied on top of the baseline. Default: none. */
    readonly extraDeniedPeerRanges?: string[];
}

/** coturn, the TURN/STUN server (pulumi-rtc's `TurnServer`). */
export class TurnServer extends pulumi.ComponentResource {
    /** The records clients use to find the server. */
    readonly dnsRecords: pulumi.Output<DnsRecord[]>;
    /** The name clients connect to. */
    readonly hostname: pulumi.Output<string>;
    /** The long-term credential realm. */
    readonly realm: pulumi.Output<string>;
    /** The rendered /etc/turnserver.conf; secrets are placeholders. */
    readonly configText: pulumi.Output<string>;
    /** Where clients with REST credentials connect; empty without `staticAuthSecret`. */
    readonly restUris: pulumi.Output<string[]>;
    /** The ports it listens on, for `HostFirewall` or a cloud firewall. */
    readonly ports: pulumi.Output<ServicePort[]>;

    constructor(name: string, args: TurnServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:TurnServer", name, {}, opts);
        const owner = `TurnServer "${name}"`;
        const made = wrap(args, (a) => new rtc.TurnServer(name, {
            ...a,
            host: sharedHost(owner, a.host),
            users: a.users?.map(secretPassword),
            adminUsers: a.adminUsers?.map(secretPassword),
            staticAuthSecret: secretOrNone(a.staticAuthSecret),
            certificate: certificateOf(a.certificate),
            userDb: a.userDb === undefined ? undefined : turnUserDb(owner, a.userDb),
        }, { parent: this }));
        this.dnsRecords = made.read((t) => t.dnsRecords.map(flatRecord));
        this.hostname = made.read((t) => t.hostname);
        this.realm = made.read((t) => t.realm);
        this.configText = made.read((t) => t.configText);
        this.restUris = made.read((t) => [...(t.restUris ?? [])]);
        this.ports = made.read((t) => t.ports.map((p) => ({ ...p })));
        made.whenBuilt(() => this.registerOutputs({ dnsRecords: this.dnsRecords, hostname: this.hostname, realm: this.realm, configText: this.configText, restUris: this.restUris, ports: this.ports }));
    }
}

export interface SipProxyArgs {
    /** The Debian host to configure. */
    readonly host: Host;
    /** The zone of the records. Default: the host's domain. */
    readonly domain?: string;
    /** The SIP domain of users' addresses. Default `sip.<domain>`. */
    readonly sipDomain?: string;
    /** The proxy's own name. Default `sip-proxy.<domain>`. */
    readonly hostname?: string;
    /** IPv4 addresses to listen on. Default: all of the host's. */
    readonly ipv4?: string[];
    /** IPv6 addresses to listen on. Default: all of the host's. */
    readonly ipv6?: string[];
    /** SIP over UDP and TCP. Default 5060. */
    readonly port?: number;
    /** SIP over TLS. Default 5061. */
    readonly tlsPort?: number;
    /** An extra SIP-over-TLS listener on 443 at this IPv4 address. Default: none. */
    readonly tls443Address?: string;
    /** Certificate for `hostname` and `sipDomain`. Default: one from an internal CA made for this proxy. */
    readonly certificate?: Certificate;
    /** Subscribers. Default: none. */
    readonly users?: User[];
    /** SIP over secure WebSocket on this port. Default: off. */
    readonly webSocketPort?: number;
    /** Guests with time-limited credentials. Default: none. */
    readonly guests?: SipGuests;
    /** Password of Kamailio's database user. Default: made on the host and kept there. */
    readonly databasePassword?: pulumi.Input<string>;
    /** Requests one address may send in 2 s before a 5-minute ban; 0 turns flood protection off. Default 16. */
    readonly floodLimit?: number;
}

/** Kamailio on MariaDB, with authentication and persistent user location (pulumi-rtc's `SipProxy`). */
export class SipProxy extends pulumi.ComponentResource {
    /** The A/AAAA, SRV and NAPTR records SIP clients use. */
    readonly dnsRecords: pulumi.Output<DnsRecord[]>;
    /** The domain of users' addresses. */
    readonly sipDomain: pulumi.Output<string>;
    /** The proxy's own name. */
    readonly hostname: pulumi.Output<string>;
    /** The CA that signed the proxy's certificate, when the proxy made its own; empty otherwise. */
    readonly caCertPem: pulumi.Output<string>;
    /** Where browsers connect; empty without `webSocketPort`. */
    readonly webSocketUrl: pulumi.Output<string>;
    /** The ports it listens on, for `HostFirewall` or a cloud firewall. */
    readonly ports: pulumi.Output<ServicePort[]>;

    constructor(name: string, args: SipProxyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:SipProxy", name, {}, opts);
        const owner = `SipProxy "${name}"`;
        const { webSocketPort, floodLimit, ...rest } = args;
        const made = wrap(rest, (a) => new rtc.SipProxy(name, {
            ...a,
            floodLimit: floodLimit === 0 ? false : floodLimit,
            host: sharedHost(owner, a.host),
            users: a.users?.map(secretPassword),
            certificate: certificateOf(a.certificate),
            webSocket: webSocketPort === undefined ? undefined : { port: webSocketPort },
            guests: a.guests === undefined ? undefined : { ...a.guests, secret: pulumi.secret(a.guests.secret) },
            databasePassword: secretOrNone(a.databasePassword),
        }, { parent: this }));
        this.dnsRecords = made.read((s) => s.dnsRecords.map(flatRecord));
        this.sipDomain = made.read((s) => s.sipDomain);
        this.hostname = made.read((s) => s.hostname);
        this.caCertPem = made.read((s) => s.caCertPem ?? pulumi.output(""));
        this.webSocketUrl = made.read((s) => s.webSocketUrl ?? "");
        this.ports = made.read((s) => s.ports.map((p) => ({ ...p })));
        made.whenBuilt(() => this.registerOutputs({ dnsRecords: this.dnsRecords, sipDomain: this.sipDomain, hostname: this.hostname, caCertPem: this.caCertPem, webSocketUrl: this.webSocketUrl, ports: this.ports }));
    }
}

export interface XmppServerArgs {
    /** The Debian host to configure. */
    readonly host: Host;
    /** The XMPP domains served. Default: the host's domain. */
    readonly domains?: string[];
    /** The server's own name. Default `xmpp-gw.<first domain>`. */
    readonly hostname?: string;
    /** Administrators, such as `joe@falcot.com`. Default: none. */
    readonly admins?: string[];
    /** Accounts. Default: none. */
    readonly users?: XmppUser[];
    /** Multi-user chat on `conference.<domain>`. Default true. */
    readonly muc?: boolean;
    /** IPv4 addresses to listen on. Default: all of the host's. */
    readonly ipv4?: string[];
    /** IPv6 addresses to listen on. Default: all of the host's. */
    readonly ipv6?: string[];
    /** Client port (STARTTLS). Default 5222. */
    readonly clientPort?: number;
    /** Server-to-server port. Default 5269. */
    readonly serverPort?: number;
    /** Direct TLS for clients on 443 at this IPv4 address. Default: none. */
    readonly directTls443Address?: string;
    /** Certificate for every domain and its conference name. Default: one from an internal CA made for it. */
    readonly certificate?: Certificate;
}

/** Prosody, with multi-user chat (pulumi-rtc's `XmppServer`). */
export class XmppServer extends pulumi.ComponentResource {
    /** The SRV and address records XMPP clients and servers use. */
    readonly dnsRecords: pulumi.Output<DnsRecord[]>;
    /** The domains served. */
    readonly domains: pulumi.Output<string[]>;
    /** The server's own name. */
    readonly hostname: pulumi.Output<string>;
    /** The CA that signed the server's certificate, when it made its own; empty otherwise. */
    readonly caCertPem: pulumi.Output<string>;
    /** The ports it listens on, for `HostFirewall` or a cloud firewall. */
    readonly ports: pulumi.Output<ServicePort[]>;

    constructor(name: string, args: XmppServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:XmppServer", name, {}, opts);
        const owner = `XmppServer "${name}"`;
        const made = wrap(args, (a) => new rtc.XmppServer(name, {
            ...a,
            host: sharedHost(owner, a.host),
            users: a.users?.map((u) => ({ ...u, password: pulumi.secret(u.password) })),
            certificate: certificateOf(a.certificate),
        }, { parent: this }));
        this.dnsRecords = made.read((x) => x.dnsRecords.map(flatRecord));
        this.domains = made.read((x) => [...x.domains]);
        this.hostname = made.read((x) => x.hostname);
        this.caCertPem = made.read((x) => x.caCertPem ?? pulumi.output(""));
        this.ports = made.read((x) => x.ports.map((p) => ({ ...p })));
        made.whenBuilt(() => this.registerOutputs({ dnsRecords: this.dnsRecords, domains: this.domains, hostname: this.hostname, caCertPem: this.caCertPem, ports: this.ports }));
    }
}

export interface RtcDnsZoneArgs {
    /** The zone, such as `falcot.com`. */
    readonly domain: string;
    /** Records to publish. Default: none. */
    readonly records?: DnsRecord[];
    /** Lists of records to publish, such as each service's `dnsRecords`. Default: none. */
    readonly recordSets?: pulumi.Input<DnsRecord[]>[];
    /** `zonefile` (default: render `zoneText` only), `cloudflare` (needs `zoneId`) or `bind` (needs `bindHost`). */
    readonly backend?: string;
    /** cloudflare: the zone's id. */
    readonly zoneId?: pulumi.Input<string>;
    /** bind: the host that serves the zone with BIND 9. */
    readonly bindHost?: Host;
    /** The zone's name servers. Default `ns1.<domain>`, which then needs addresses. */
    readonly nameServers?: NameServer[];
    /** The administrator's mailbox as a name. Default `hostmaster.<domain>`. */
    readonly hostmaster?: string;
    /** TTL of every record. Default 3600. */
    readonly ttl?: number;
    /** bind: addresses of the secondary name servers, the only ones that may transfer the zone, and are notified. Default: none. */
    readonly secondaries?: string[];
    /** bind: the TSIG secret the secondaries sign transfers with (base64, as `tsig-keygen` prints it). Pass a secret. Required with `secondaries`. */
    readonly transferKey?: pulumi.Input<string>;
}

/** The services' DNS records, published as a zone file, on BIND or on Cloudflare (pulumi-rtc's `RtcDnsZone`). */
export class RtcDnsZone extends pulumi.ComponentResource {
    /** The whole zone as BIND text. */
    readonly zoneText: pulumi.Output<string>;
    /** Every record of the zone, SOA excepted. */
    readonly records: pulumi.Output<DnsRecord[]>;
    /** The ports the zone is served on, for `HostFirewall`: DNS over UDP and TCP with `bind`; none otherwise. */
    readonly ports: pulumi.Output<ServicePort[]>;

    constructor(name: string, args: RtcDnsZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:RtcDnsZone", name, {}, opts);
        const owner = `RtcDnsZone "${name}"`;
        const made = wrap(args, (a) => {
            const { records, recordSets, backend, zoneId, bindHost, secondaries, transferKey, ...rest } = a;
            const flat = [...(records ?? []), ...(recordSets ?? []).flat()];
            return new rtc.RtcDnsZone(name, {
                ...rest,
                records: flat.map((r, i) => typedRecord(owner, records !== undefined && i < records.length ? `records[${i}]` : "recordSets", r)),
                backend: dnsBackend(owner, backend, zoneId, bindHost, { secondaries, transferKey }),
            }, { parent: this });
        });
        this.zoneText = made.read((z) => z.zoneText);
        this.records = made.read((z) => z.records.map(flatRecord));
        this.ports = made.read((z) => z.ports.map((p) => ({ ...p })));
        made.whenBuilt(() => this.registerOutputs({ zoneText: this.zoneText, records: this.records, ports: this.ports }));
    }
}

export interface HostFirewallArgs {
    /** The Debian host whose input the firewall filters. */
    readonly host: Host;
    /** Ports to open. SSH is always added. Default: none but SSH. */
    readonly ports?: ServicePort[];
    /** Lists of ports to open, such as each service's `ports`. Default: none. */
    readonly portSets?: pulumi.Input<ServicePort[]>[];
    /** Seconds after which a new ruleset is taken back unless a new SSH connection confirmed it, 10 to 600. Default 60. */
    readonly revertAfterSeconds?: number;
}

/** An nftables firewall that opens only the given ports and SSH, and takes back a ruleset that shuts SSH out (pulumi-rtc's `HostFirewall`). */
export class HostFirewall extends pulumi.ComponentResource {
    /** The ports opened, SSH included, merged. */
    readonly ports: pulumi.Output<ServicePort[]>;
    /** The nftables ruleset. */
    readonly rulesetText: pulumi.Output<string>;

    constructor(name: string, args: HostFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:HostFirewall", name, {}, opts);
        const owner = `HostFirewall "${name}"`;
        const made = wrap(args, (a) => new rtc.HostFirewall(name, {
            host: sharedHost(owner, a.host),
            ports: [...(a.ports ?? []), ...(a.portSets ?? []).flat()].map((p) => ({ ...p, protocol: p.protocol as "tcp" | "udp" })),
            revertAfterSeconds: a.revertAfterSeconds,
        }, { parent: this }));
        this.ports = made.read((f) => f.ports.map((p) => ({ ...p })));
        this.rulesetText = made.read((f) => f.rulesetText);
        made.whenBuilt(() => this.registerOutputs({ ports: this.ports, rulesetText: this.rulesetText }));
    }
}

type Plain<T> = T extends pulumi.Input<infer U> ? (U extends object ? { [K in keyof U]: Plain<U[K]> } : U) : T;

/** The library component, once built. */
interface Built<R> {
    /** An output read from it. */
    read<U>(read: (made: R) => pulumi.Input<U>): pulumi.Output<U>;
    /** Runs `then` once it is built (the wrapper's `registerOutputs`); not at all if building fails, which the engine reports. */
    whenBuilt(then: () => void): void;
}

/**
 * Builds the library component: at once when every arg is plain, so a bad value fails the construction;
 * otherwise once every arg is known. The engine hands over an arg that holds a secret or depends on another
 * resource as one Output, but layouts and checks need plain values. The callers make secret fields secrets
 * again; nothing else here is secret, so the outputs are not either.
 */
function wrap<A extends object, R>(args: A, make: (plain: Plain<A>) => R): Built<R> {
    if (!holdsOutput(args)) {
        const made = make(args as Plain<A>);
        return {
            read: (read) => pulumi.output(read(made)) as pulumi.Output<never>,
            whenBuilt: (then) => then(),
        };
    }
    let made: R | undefined;
    const settled = observed(pulumi.unsecret(pulumi.output(args) as unknown as pulumi.Output<Plain<A>>).apply((plain) => {
        if (made === undefined) made = make(plain);
        return made;
    }));
    return {
        read: (read) => observed(settled.apply(read)) as pulumi.Output<never>,
        whenBuilt: (then) => void observed(settled.apply(then)),
    };
}

/**
 * A failed build rejects every output read from it; the engine reports the first that construction awaits.
 * The Output's own bookkeeping promises get a handler, so the others do not end the provider process as
 * unhandled rejections.
 */
function observed<T>(o: pulumi.Output<T>): pulumi.Output<T> {
    const inner = o as unknown as { isKnown: Promise<boolean>; isSecret: Promise<boolean> };
    for (const p of [inner.isKnown, inner.isSecret]) p.catch(() => undefined);
    return o;
}

function holdsOutput(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return true;
    if (Array.isArray(value)) return value.some(holdsOutput);
    return typeof value === "object" && value !== null && Object.values(value).some(holdsOutput);
}

const hosts = new Map<string, { readonly host: rtc.RtcHost; readonly shape: string; readonly owner: string }>();

/** One RtcHost per fqdn in this provider process: one identity step, and apt transactions in turn. */
function sharedHost(owner: string, spec: Plain<Host>): rtc.RtcHost {
    const { privateKey, ...connection } = spec.connection ?? ({} as Plain<HostConnection>);
    const shape = JSON.stringify({ fqdn: spec.fqdn, ipv4: spec.ipv4, ipv6: spec.ipv6 ?? [], connection });
    const known = hosts.get(spec.fqdn);
    if (known) {
        if (known.shape !== shape) throw new rtc.RtcConfigError(owner, "host", `describes ${spec.fqdn} unlike ${known.owner} does`, `give every component on ${spec.fqdn} the same host`);
        return known.host;
    }
    const host = new rtc.RtcHost(spec.fqdn, {
        fqdn: spec.fqdn,
        ipv4: spec.ipv4,
        ipv6: spec.ipv6,
        connection: { host: connection.host ?? spec.ipv4?.[0], port: connection.port, user: connection.user ?? "root", hostKey: connection.hostKey, privateKey: pulumi.secret(privateKey) },
        transactionPerComponent: true,
    });
    hosts.set(spec.fqdn, { host, shape, owner });
    return host;
}

function secretPassword(u: Plain<User>): rtc.TurnUser {
    return { ...u, password: pulumi.secret(u.password) };
}

function secretOrNone(value: string | undefined): pulumi.Output<string> | undefined {
    return value === undefined ? undefined : pulumi.secret(value);
}

function certificateOf(c: Plain<Certificate> | undefined): rtc.ServiceCertificate | undefined {
    return c === undefined ? undefined : { ...c, keyPem: pulumi.secret(c.keyPem) };
}

function turnUserDb(owner: string, db: Plain<TurnUserDb>): rtc.TurnUserDb {
    if (db.kind === "sqlite") return { kind: "sqlite", path: db.path };
    if (db.kind === "mysql" || db.kind === "postgresql" || db.kind === "redis") {
        if (db.connection === undefined) throw new rtc.RtcConfigError(owner, "userDb.connection", "is missing", `give coturn's connection string for ${db.kind}, as a secret`);
        return { kind: db.kind, connection: pulumi.secret(db.connection) };
    }
    throw new rtc.RtcConfigError(owner, "userDb.kind", `is ${JSON.stringify(db.kind)}`, "use sqlite, mysql, postgresql or redis");
}

function dnsBackend(owner: string, kind: string | undefined, zoneId: string | undefined, bindHost: Plain<Host> | undefined,
    transfers: { secondaries?: string[]; transferKey?: string }): rtc.DnsBackend {
    const needs = (field: string, given: unknown, fix: string) => {
        if (given === undefined) throw new rtc.RtcConfigError(owner, field, `is missing for backend ${kind}`, fix);
    };
    if (kind !== "bind") {
        for (const [field, given] of Object.entries(transfers)) {
            if (given !== undefined) throw new rtc.RtcConfigError(owner, field, `is set for backend ${kind ?? "zonefile"}`, "remove it: only the bind backend has secondaries");
        }
    }
    if (kind === undefined || kind === "zonefile") return { kind: "zonefile" };
    if (kind === "cloudflare") {
        needs("zoneId", zoneId, "give the Cloudflare zone's id");
        return { kind, zoneId: zoneId! };
    }
    if (kind === "bind") {
        needs("bindHost", bindHost, "give the host that serves the zone");
        return { kind, host: sharedHost(owner, bindHost!), secondaries: transfers.secondaries, transferKey: secretOrNone(transfers.transferKey) };
    }
    throw new rtc.RtcConfigError(owner, "backend", `is ${JSON.stringify(kind)}`, "use zonefile, cloudflare or bind");
}

const recordFields: Record<string, readonly (keyof DnsRecord)[]> = {
    A: ["address"],
    AAAA: ["address"],
    SRV: ["priority", "weight", "port", "target"],
    NAPTR: ["order", "preference", "flags", "service", "replacement"],
};

/** A flat record as the library's tagged one; the zone then checks each value. */
function typedRecord(owner: string, field: string, r: Plain<DnsRecord>): rtc.DnsRecord {
    const needed = recordFields[r.type];
    if (!needed) throw new rtc.RtcConfigError(owner, `${field}.type`, `is ${JSON.stringify(r.type)}`, "use A, AAAA, SRV or NAPTR");
    const missing = needed.filter((f) => r[f] === undefined);
    if (missing.length) throw new rtc.RtcConfigError(owner, field, `is a ${r.type} record of ${r.name} without ${missing.join(", ")}`, `give ${needed.join(", ")}`);
    const extra = Object.keys(r).filter((f) => f !== "type" && f !== "name" && !(needed as readonly string[]).includes(f) && !(r.type === "NAPTR" && f === "regexp"));
    if (extra.length) throw new rtc.RtcConfigError(owner, field, `is a ${r.type} record of ${r.name} with ${extra.join(", ")}`, `give only ${needed.join(", ")}`);
    return (r.type === "NAPTR" ? { regexp: "", ...r } : r) as rtc.DnsRecord;
}

function flatRecord(r: rtc.DnsRecord): DnsRecord {
    return { ...r };
}
