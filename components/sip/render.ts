import { tls12CipherList } from "../common/tlsPolicy";
import { managedHeader, secretPlaceholder } from "../common/managed";
import { DnsRecord, addressRecords, naptrToSrv, srv } from "../dns/records";
import { sipDefaults } from "./settings";
import { refuseControlCharacters } from "../common/plainText";
import { familyOf } from "../common/addresses";
import { PortRule, port } from "../common/ports";

/** What Kamailio listens on: SIP over UDP and TCP, SIP over TLS, and TLS on 443 in the port-443 layout. */
export function sipPorts(p: { readonly port: number; readonly tlsPort: number; readonly tls443: boolean; readonly webSocketPort?: number }): PortRule[] {
    return [port("udp", p.port, "SIP"), port("tcp", p.port, "SIP"), port("tcp", p.tlsPort, "SIP over TLS"), ...(p.tls443 ? [port("tcp", 443, "SIP over TLS")] : []),
        ...(p.webSocketPort !== undefined ? [port("tcp", p.webSocketPort, "SIP over secure WebSocket")] : [])];
}

// Kamailio's local defines, its wrapper config, tls.cfg and kamctlrc; the SIP records. Pure.

export const SIP_DBRW_SECRET = "kamailio-dbrw";
export const SIP_DBRO_SECRET = "kamailio-dbro";
export const SIP_GUEST_SECRET = "kamailio-guest-secret";

export interface SipListen {
    readonly proto: "udp" | "tcp" | "tls";
    /** Address bound on the host. */
    readonly address: string;
    readonly port: number;
    /** Public address, when the host is behind 1:1 NAT. */
    readonly advertise?: string;
}

export interface SipConfig {
    readonly sipDomain: string;
    readonly hostname: string;
    readonly listen: readonly SipListen[];
    /** The TLS ports that take WebSocket upgrades; none without WebSocket. */
    readonly webSocketPorts?: readonly number[];
    /** Guests' domain and the users they may call; none without guests. */
    readonly guests?: { readonly domain: string; readonly destinations: readonly string[] };
    /** Requests per source address per 2 s before a ban, or false for no flood protection. */
    readonly floodLimit: number | false;
    readonly certFile: string;
    readonly keyFile: string;
}

function socket(address: string, port: number): string {
    return `${familyOf(address) === 6 ? `[${address}]` : address}:${port}`;
}

/** Imported by Debian's packaged kamailio.cfg before its #!ifdef blocks, so the packaged file stays untouched. */
export function renderKamailioLocal(c: SipConfig): string {
    refuseControlCharacters("renderKamailioLocal", c);
    return [
        managedHeader("#"),
        ...sipDefaults.defines.map((d) => `#!define ${d}`),
        ...(c.floodLimit === false ? [] : ["#!define WITH_ANTIFLOOD"]),
        // Browsers sit behind NAT and reach us over WebSocket: the packaged NAT handling (nathelper) finds them.
        ...(c.webSocketPorts?.length ? ["#!define WITH_NAT", "tcp_accept_no_cl=yes"] : []),
        `#!define DBURL "mysql://${sipDefaults.dbRwUser}:${secretPlaceholder(SIP_DBRW_SECRET)}@localhost/${sipDefaults.dbName}"`,
        "",
        "# Only the service addresses, never every interface",
        ...c.listen.map((l) => `listen=${l.proto}:${socket(l.address, l.port)}${l.advertise ? ` advertise ${socket(l.advertise, l.port)}` : ""}`),
        "auto_aliases=no",
        `alias="${c.sipDomain}"`,
        `alias="${c.hostname}"`,
        "",
    ].join("\n");
}

export const KAMAILIO_MAIN_CFG = "/etc/kamailio/kamailio-rtc.cfg";

/**
 * The main config kamailio runs: the packaged kamailio.cfg, then the settings that must come after it.
 * Passwords are checked against the ha1 digest column, never stored in plain text.
 */
export function renderKamailioMain(c: Pick<SipConfig, "webSocketPorts" | "guests" | "floodLimit"> = { floodLimit: sipDefaults.floodLimit }): string {
    refuseControlCharacters("renderKamailioMain", c);
    const ws = c.webSocketPorts ?? [];
    const g = c.guests;
    return [
        "#!KAMAILIO",
        managedHeader("#"),
        "# Debian's packaged configuration, unmodified; it imports kamailio-local.cfg.",
        'import_file "kamailio.cfg"',
        "",
        "# Digest authentication against the ha1 column (kamctlrc: STORE_PLAINTEXT_PW=0).",
        'modparam("auth_db", "calculate_ha1", 0)',
        'modparam("auth_db", "password_column", "ha1")',
        "",
        ...(c.floodLimit === false ? [] : [
            "# Flood protection: requests one address may send in 2 s (sampling_time_unit) before a 5-minute ban.",
            `modparam("pike", "reqs_density_per_unit", ${c.floodLimit})`,
            "",
        ]),
        ...(ws.length ? [
            "# SIP over secure WebSocket (RFC 7118): the upgrade is taken on its TLS ports only.",
            'loadmodule "xhttp.so"',
            'loadmodule "websocket.so"',
            "event_route[xhttp:request] {",
            "	set_reply_close();",
            "	set_reply_no_connect();",
            `	if (${ws.map((p) => `$Rp != ${p}`).join(" && ")}) {`,
            '		xhttp_reply("403", "Forbidden", "", "");',
            "		exit;",
            "	}",
            '	if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm =~ "GET") {',
            "		if (ws_handle_handshake()) exit;",
            "	}",
            '	xhttp_reply("404", "Not Found", "", "");',
            "}",
            "",
        ] : []),
        ...(ws.length || g ? [
            "# Before the packaged routing: who may start a dialog as a guest, or over WebSocket.",
            ...(g ? [
                'loadmodule "auth_ephemeral.so"',
                "# auth_ephemeral logs its secret at INFO while it reads it: read it at NOTICE, then back to the packaged level.",
                "debug=1",
                `modparam("auth_ephemeral", "secret", "${secretPlaceholder(SIP_GUEST_SECRET)}")`,
                "debug=DBGLEVEL",
            ] : []),
            "event_route[core:pre-routing] {",
            '	if (!is_request() || has_totag() || is_method("ACK|CANCEL")) return;',
            ...(g ? [
                `	if ($fd == "${g.domain}") {`,
                '		if (!is_method("INVITE")) { sl_send_reply("403", "Guests may only call"); drop; }',
                '		if (!autheph_check("$fd")) { auth_challenge("$fd", "0"); drop; }',
                `		if (!(uri == myself && $rU =~ "^(${g.destinations.join("|")})$")) { sl_send_reply("403", "Not a destination for guests"); drop; }`,
                "		consume_credentials();",
                "		return;",
                "	}",
            ] : []),
            ...(ws.length ? [
                '	if (($pr == "ws" || $pr == "wss") && from_uri != myself) { sl_send_reply("403", "Sign in as a user of this domain"); drop; }',
            ] : []),
            "}",
            "",
        ] : []),
    ].join("\n");
}

/** Points the packaged systemd unit at the wrapper config (the unit reads /etc/default/kamailio.d/*). */
export function renderKamailioDefaults(): string {
    return [managedHeader("#"), `CFGFILE=${KAMAILIO_MAIN_CFG}`, ""].join("\n");
}

export function renderTlsCfg(c: SipConfig): string {
    refuseControlCharacters("renderTlsCfg", c);
    return [
        managedHeader("#"),
        "[server:default]",
        "method = TLSv1.2+",
        `cipher_list = ${tls12CipherList}`,
        "verify_certificate = no",
        "require_certificate = no",
        `certificate = ${c.certFile}`,
        `private_key = ${c.keyFile}`,
        "",
    ].join("\n");
}

/** kamctl/kamdbctl settings: non-interactive, MySQL, generated passwords, no plain-text passwords. */
export function renderKamctlrc(c: SipConfig): string {
    refuseControlCharacters("renderKamctlrc", c);
    return [
        managedHeader("#"),
        `SIP_DOMAIN=${c.sipDomain}`,
        "DBENGINE=MYSQL",
        "DBHOST=localhost",
        `DBNAME=${sipDefaults.dbName}`,
        `DBRWUSER="${sipDefaults.dbRwUser}"`,
        `DBRWPW="${secretPlaceholder(SIP_DBRW_SECRET)}"`,
        `DBROUSER="${sipDefaults.dbRoUser}"`,
        `DBROPW="${secretPlaceholder(SIP_DBRO_SECRET)}"`,
        'DBROOTUSER="root"',
        "# root reaches MariaDB through its unix socket; no root password to ask for",
        "DBROOTPWSKIP=yes",
        'CHARSET="latin1"',
        "INSTALL_EXTRA_TABLES=no",
        "INSTALL_PRESENCE_TABLES=no",
        "INSTALL_DBUID_TABLES=no",
        "STORE_PLAINTEXT_PW=0",
        "",
    ].join("\n");
}

export interface SipRecordsInput {
    readonly sipDomain: string;
    readonly hostname: string;
    readonly ipv4: readonly string[];
    readonly ipv6: readonly string[];
    readonly port: number;
    readonly tlsPort: number;
    readonly tls443?: { readonly address: string };
}

/** RFC 3263: NAPTR at the SIP domain hands over to SRV records, TLS first. */
export function sipRecords(r: SipRecordsInput): DnsRecord[] {
    const d = r.sipDomain;
    return [
        ...addressRecords(r.hostname, r.tls443 ? [...new Set([...r.ipv4, r.tls443.address])] : r.ipv4, r.ipv6),
        naptrToSrv(d, 10, 10, "SIPS+D2T", `_sips._tcp.${d}`),
        naptrToSrv(d, 20, 10, "SIP+D2T", `_sip._tcp.${d}`),
        naptrToSrv(d, 30, 10, "SIP+D2U", `_sip._udp.${d}`),
        srv("sips", "tcp", d, r.tlsPort, r.hostname),
        ...(r.tls443 ? [srv("sips", "tcp", d, 443, r.hostname, 10)] : []),
        srv("sip", "tcp", d, r.port, r.hostname),
        srv("sip", "udp", d, r.port, r.hostname),
    ];
}
