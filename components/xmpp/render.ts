import { managedHeader } from "../common/managed";
import { minTlsVersion, tls12CipherList } from "../common/tlsPolicy";
import { DnsRecord, addressRecords, srv } from "../dns/records";
import { xmppDefaults } from "./settings";
import { refuseControlCharacters } from "../common/plainText";
import { PortRule, port } from "../common/ports";

/** What Prosody listens on: clients (STARTTLS), servers, and direct TLS on 443 in the port-443 layout. */
export function xmppPorts(p: { readonly clientPort: number; readonly serverPort: number; readonly directTls443: boolean }): PortRule[] {
    return [port("tcp", p.clientPort, "XMPP clients"), port("tcp", p.serverPort, "XMPP servers"), ...(p.directTls443 ? [port("tcp", 443, "XMPP clients over direct TLS")] : [])];
}

// prosody.cfg.lua, one VirtualHost file per domain, and the XMPP records. Pure.

export interface ProsodyConfig {
    readonly admins: readonly string[];
    /** Addresses bound on the host. */
    readonly interfaces: readonly string[];
    readonly clientPort: number;
    readonly serverPort: number;
    readonly directTls?: { readonly port: number; readonly address: string };
}

/** The stack's TLS policy in LuaSec's terms. */
const prosodyTlsPolicy = [`protocol = "tlsv${minTlsVersion.replace(".", "_")}+";`, `ciphers = ${JSON.stringify(tls12CipherList)};`];

function luaString(s: string): string {
    return JSON.stringify(s);
}

function luaList(items: readonly (string | number)[]): string {
    return `{ ${items.map((i) => (typeof i === "number" ? String(i) : luaString(i))).join(", ")} }`;
}

export function renderProsodyCfg(c: ProsodyConfig): string {
    refuseControlCharacters("renderProsodyCfg", c);
    const lines = [
        managedHeader("--"),
        `admins = ${luaList(c.admins)}`,
        "",
        "modules_enabled = {",
        ...xmppDefaults.modules.map((m) => `    ${luaString(m)};`),
        "}",
        "",
        "allow_registration = false",
        "",
        "-- Encryption is required on every stream, and servers must prove who they are",
        "c2s_require_encryption = true",
        "s2s_require_encryption = true",
        "s2s_secure_auth = true",
        "",
        "-- Passwords are stored as SCRAM hashes",
        'authentication = "internal_hashed"',
        'storage = "internal"',
        "",
        `interfaces = ${luaList(c.interfaces)}`,
        `c2s_ports = ${luaList([c.clientPort])}`,
        `s2s_ports = ${luaList([c.serverPort])}`,
    ];
    if (c.directTls) {
        lines.push(
            "-- Direct TLS for clients (XEP-0368), on its own address",
            `c2s_direct_tls_ports = ${luaList([c.directTls.port])}`,
            `c2s_direct_tls_interfaces = ${luaList([c.directTls.address])}`,
        );
    }
    lines.push(
        "",
        "log = {",
        '    info = "/var/log/prosody/prosody.log";',
        '    error = "/var/log/prosody/prosody.err";',
        '    { levels = { "error" }; to = "syslog"; };',
        "}",
        'pidfile = "/run/prosody/prosody.pid"',
        'certificates = "certs"',
        "-- TLS 1.2 or later, the suites of the stack's TLS policy",
        `ssl = { ${prosodyTlsPolicy.join(" ")} }`,
        "",
        'Include "conf.d/*.cfg.lua"',
        "",
    );
    return lines.join("\n");
}

export interface VirtualHostConfig {
    readonly domain: string;
    readonly certFile: string;
    readonly keyFile: string;
    /** The MUC component's name, or none. */
    readonly muc?: string;
}

/** The seed's falcot.com.cfg.lua: the VirtualHost with its certificate, and its multi-user chat. */
export function renderVirtualHost(v: VirtualHostConfig): string {
    refuseControlCharacters("renderVirtualHost", v);
    const ssl = [
        "    ssl = {",
        `        key = ${luaString(v.keyFile)};`,
        `        certificate = ${luaString(v.certFile)};`,
        ...prosodyTlsPolicy.map((l) => `        ${l}`),
        "    }",
    ];
    const lines = [managedHeader("--"), `VirtualHost ${luaString(v.domain)}`, "    enabled = true", ...ssl];
    if (v.muc) {
        lines.push("", `-- Multi-user chat on ${v.muc}`, `Component ${luaString(v.muc)} "muc"`, ...ssl, '    restrict_room_creation = "local"');
    }
    return lines.join("\n") + "\n";
}

export interface XmppRecordsInput {
    readonly domain: string;
    readonly hostname: string;
    readonly ipv4: readonly string[];
    readonly ipv6: readonly string[];
    readonly clientPort: number;
    readonly serverPort: number;
    readonly directTls443?: { readonly address: string };
}

export function xmppRecords(r: XmppRecordsInput): DnsRecord[] {
    return [
        ...addressRecords(r.hostname, r.directTls443 ? [...new Set([...r.ipv4, r.directTls443.address])] : r.ipv4, r.ipv6),
        srv("xmpp-client", "tcp", r.domain, r.clientPort, r.hostname, 5, 0),
        srv("xmpp-server", "tcp", r.domain, r.serverPort, r.hostname, 5, 0),
        ...(r.directTls443 ? [srv("xmpps-client", "tcp", r.domain, 443, r.hostname, 5, 0)] : []),
    ];
}
