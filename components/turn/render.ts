import { tls12CipherList } from "../common/tlsPolicy";
import { managedHeader, secretPlaceholder } from "../common/managed";
import { DnsRecord, addressRecords, naptrToSrv, srv } from "../dns/records";
import { refuseControlCharacters } from "../common/plainText";
import { PortRule, port } from "../common/ports";

/** What coturn listens on: STUN/TURN over UDP and TCP, TLS and DTLS on the TLS port, and the relay range. */
/**
 * The ports coturn listens on. With `alternates` (two or more addresses of one family) coturn also listens on the
 * next port of each for RFC 5780 NAT discovery, which clients reach at the other address.
 */
export function turnPorts(p: { readonly port: number; readonly tlsPort?: number; readonly relayPorts: { readonly min: number; readonly max: number }; readonly alternates?: boolean }): PortRule[] {
    const listeners = (n: number, what: string) => [port("udp", n, what), port("tcp", n, what)];
    return [
        ...listeners(p.port, "STUN/TURN"),
        ...(p.tlsPort !== undefined ? listeners(p.tlsPort, "TURN over TLS and DTLS") : []),
        ...(p.alternates ? listeners(p.port + 1, "STUN RFC 5780 alternate") : []),
        ...(p.alternates && p.tlsPort !== undefined ? listeners(p.tlsPort + 1, "TURN over TLS and DTLS, RFC 5780 alternate") : []),
        { protocol: "udp", from: p.relayPorts.min, to: p.relayPorts.max, purpose: "TURN relay" },
    ];
}

// turnserver.conf and coturn's DNS records. Pure.

export interface TurnConfig {
    readonly realm: string;
    readonly serverName: string;
    /** Public address, and the address bound on the host. */
    readonly addresses: readonly { readonly public: string; readonly private: string }[];
    readonly port: number;
    readonly tls?: { readonly port: number; readonly certFile: string; readonly keyFile: string };
    readonly userDb: { readonly kind: "sqlite"; readonly path: string } | { readonly kind: "mysql" | "postgresql" | "redis" };
    readonly staticAuthSecret: boolean;
    readonly relayPorts: { readonly min: number; readonly max: number };
    readonly deniedPeerRanges: readonly string[];
}

export const TURN_USERDB_SECRET = "coturn-userdb";
export const TURN_AUTH_SECRET = "coturn-static-auth-secret";

const userDbKey = { mysql: "mysql-userdb", postgresql: "psql-userdb", redis: "redis-userdb" } as const;

export function renderTurnserverConf(c: TurnConfig): string {
    refuseControlCharacters("renderTurnserverConf", c);
    const lines: string[] = [
        managedHeader("#"),
        "# Listening and relay addresses",
        `listening-port=${c.port}`,
        ...(c.tls ? [`tls-listening-port=${c.tls.port}`] : ["no-tls", "no-dtls"]),
        ...c.addresses.map((a) => `listening-ip=${a.private}`),
        ...c.addresses.map((a) => `relay-ip=${a.private}`),
        ...c.addresses.filter((a) => a.public !== a.private).map((a) => `external-ip=${a.public}/${a.private}`),
        `min-port=${c.relayPorts.min}`,
        `max-port=${c.relayPorts.max}`,
        "",
        "# Authentication",
        `realm=${c.realm}`,
        `server-name=${c.serverName}`,
        "fingerprint",
        // One kind of credential per process: use-auth-secret overrides lt-cred-mech.
        ...(c.staticAuthSecret ? ["use-auth-secret", `static-auth-secret=${secretPlaceholder(TURN_AUTH_SECRET)}`] : ["lt-cred-mech"]),
        c.userDb.kind === "sqlite" ? `userdb=${c.userDb.path}` : `${userDbKey[c.userDb.kind]}="${secretPlaceholder(TURN_USERDB_SECRET)}"`,
    ];
    if (c.tls) {
        lines.push("", "# TLS: 1.2 or later, the suites of the stack's TLS policy", `cert=${c.tls.certFile}`, `pkey=${c.tls.keyFile}`, "no-tlsv1", "no-tlsv1_1", `cipher-list=${tls12CipherList}`);
    }
    lines.push(
        "",
        "# Security baseline",
        "no-cli",
        "no-multicast-peers",
        "no-software-attribute",
        ...c.deniedPeerRanges.map((r) => `denied-peer-ip=${r}`),
        "",
        "# Logging to the journal",
        "syslog",
        "",
    );
    return lines.join("\n");
}

/** The systemd unit of the second coturn process, which checks REST credentials beside the packaged coturn.service. */
export function renderRestUnit(c: { readonly configPath: string; readonly lowPorts: boolean }): string {
    refuseControlCharacters("renderRestUnit", c);
    return [
        managedHeader("#"),
        "[Unit]",
        "Description=coTURN STUN/TURN Server for time-limited (REST) credentials",
        "Documentation=man:turnserver(1)",
        "After=network.target",
        "",
        "[Service]",
        "User=turnserver",
        "Group=turnserver",
        "Type=notify",
        `ExecStart=/usr/bin/turnserver -c ${c.configPath} --pidfile=`,
        "Restart=on-failure",
        "InaccessibleDirectories=/home",
        "PrivateTmp=yes",
        ...(c.lowPorts ? ["AmbientCapabilities=CAP_NET_BIND_SERVICE"] : []),
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

/** TURN URIs for clients, as RTCIceServer.urls takes them: UDP, TCP, and TLS when there is a TLS port. */
export function turnUris(hostname: string, port: number, tlsPort?: number): string[] {
    return [`turn:${hostname}:${port}?transport=udp`, `turn:${hostname}:${port}?transport=tcp`, ...(tlsPort !== undefined ? [`turns:${hostname}:${tlsPort}?transport=tcp`] : [])];
}

export interface TurnRecordsInput {
    readonly domain: string;
    readonly hostname: string;
    readonly ipv4: readonly string[];
    readonly ipv6: readonly string[];
    readonly port: number;
    readonly tlsPort?: number;
}

/** STUN/TURN SRV records and the RFC 5928 S-NAPTR records, under the users' domain. */
export function turnRecords(r: TurnRecordsInput): DnsRecord[] {
    const out: DnsRecord[] = [
        ...addressRecords(r.hostname, r.ipv4, r.ipv6),
        srv("stun", "udp", r.domain, r.port, r.hostname),
        srv("turn", "udp", r.domain, r.port, r.hostname),
        srv("turn", "tcp", r.domain, r.port, r.hostname),
        naptrToSrv(r.domain, 10, 0, "RELAY:turn.udp", `_turn._udp.${r.domain}`),
        naptrToSrv(r.domain, 10, 10, "RELAY:turn.tcp", `_turn._tcp.${r.domain}`),
    ];
    if (r.tlsPort !== undefined) {
        out.push(srv("turns", "tcp", r.domain, r.tlsPort, r.hostname), naptrToSrv(r.domain, 10, 20, "RELAY:turn.tls", `_turns._tcp.${r.domain}`));
    }
    return out;
}
