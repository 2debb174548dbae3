import * as pulumi from "@pulumi/pulumi";
import { ServiceCertificate } from "../common/tls";
import { RtcHost } from "../host/rtcHost";

/** A TURN user with long-term credentials. */
export interface TurnUser {
    /** User name, for example `roland`. */
    readonly name: string;
    /** Password. Pass a secret; at least 12 characters. */
    readonly password: pulumi.Input<string>;
}

/** Where coturn keeps its users. */
export type TurnUserDb =
    | { readonly kind: "sqlite"; /** Default `/var/lib/turn/turndb`, Debian's path. */ readonly path?: string }
    | {
        readonly kind: "mysql" | "postgresql" | "redis";
        /** coturn's connection string, such as `host=db dbname=coturn user=turn password=...`. Pass a secret. */
        readonly connection: pulumi.Input<string>;
    };

/** The listening and relay ports of the coturn process that checks REST credentials beside long-term users. */
export interface TurnRestPorts {
    /** STUN/TURN over UDP and TCP. Default 3480. */
    readonly port?: number;
    /** TURN over TLS, with the certificate. Default 5351. */
    readonly tlsPort?: number;
    /** Relay port range, apart from `relayPorts`. Default 40000-49151. */
    readonly relayPorts?: { readonly min: number; readonly max: number };
}

export interface TurnServerArgs {
    /** The Debian host to configure. */
    readonly host: RtcHost;
    /** The DNS domain whose SRV/NAPTR records point at this server. Default: the host's domain. */
    readonly domain?: string;
    /** The name clients connect to. Default: `turn-server.<domain>`. */
    readonly hostname?: string;
    /** The long-term credential realm. Default: the domain. */
    readonly realm?: string;
    /**
     * Public IPv4 addresses to listen and relay on; each must be one of the host's. Default: all of the host's
     * IPv4 addresses (two give clients RFC 5780 NAT discovery).
     */
    readonly ipv4?: readonly string[];
    /** Public IPv6 addresses to listen and relay on. Default: none, as in the seed ("some clients are buggy with IPv6"). */
    readonly ipv6?: readonly string[];
    /** STUN/TURN port over UDP and TCP. Default 3478. */
    readonly port?: number;
    /** TURN-over-TLS port. Default 5349; 443 in the port-443 layout. Used only with a certificate. */
    readonly tlsPort?: number;
    /** Certificate for TURN over TLS, valid for `hostname`. Default: none, and no TLS listener. */
    readonly certificate?: ServiceCertificate;
    /** Users with long-term credentials (`turnadmin -a`). Default: none. */
    readonly users?: readonly TurnUser[];
    /** Administrators of coturn's web admin (`turnadmin -A`). Default: none. */
    readonly adminUsers?: readonly TurnUser[];
    /**
     * Shared secret of the TURN REST API (time-limited credentials), for web pages, WebRTC gateways and XEP-0215.
     * Pass a secret. With `users` too, a second coturn process (`coturn-rest`) checks these credentials on
     * `restPorts`: one coturn process checks one kind of credential. Default: none.
     */
    readonly staticAuthSecret?: pulumi.Input<string>;
    /**
     * Where the second coturn process listens when both `users` and `staticAuthSecret` are given. Default: port
     * 3480, tlsPort 5351 (3479 and 5350 are coturn's RFC 5780 alternates), relay ports 40000-49151.
     */
    readonly restPorts?: TurnRestPorts;
    /** User database. Default: SQLite at `/var/lib/turn/turndb`. */
    readonly userDb?: TurnUserDb;
    /** Relay port range. Default 49152-65535. */
    readonly relayPorts?: { readonly min: number; readonly max: number };
    /** Peer ranges denied on top of the baseline (loopback, private, link-local, CGNAT, ULA...). Default: none. */
    readonly extraDeniedPeerRanges?: readonly string[];
}

export const turnDefaults = {
    port: 3478,
    tlsPort: 5349,
    relayPorts: { min: 49152, max: 65535 },
    sqlitePath: "/var/lib/turn/turndb",
    certDir: "/etc/coturn/tls",
    configPath: "/etc/turnserver.conf",
    rest: { port: 3480, tlsPort: 5351, relayPorts: { min: 40000, max: 49151 }, unit: "coturn-rest", configPath: "/etc/coturn/turnserver-rest.conf" },
    minPasswordLength: 12,
} as const;

/**
 * Special-purpose ranges coturn must never relay to: blocks relaying into internal networks (CVE-2020-26262).
 * The documentation ranges (TEST-NET, 2001:db8::/32) are left out: they are not routed, and the local
 * environment uses them as public addresses.
 */
export const baselineDeniedPeerRanges: readonly string[] = [
    "0.0.0.0-0.255.255.255",
    "10.0.0.0-10.255.255.255",
    "100.64.0.0-100.127.255.255",
    "127.0.0.0-127.255.255.255",
    "169.254.0.0-169.254.255.255",
    "172.16.0.0-172.31.255.255",
    "192.0.0.0-192.0.0.255",
    "192.88.99.0-192.88.99.255",
    "192.168.0.0-192.168.255.255",
    "198.18.0.0-198.19.255.255",
    "224.0.0.0-239.255.255.255",
    "240.0.0.0-255.255.255.255",
    // Not "::": coturn 4.6 reads that entry as matching every peer, IPv4 included. It refuses the
    // unspecified addresses 0.0.0.0 and :: itself (the CVE-2020-26262 fix).
    "::1",
    "::ffff:0.0.0.0-::ffff:255.255.255.255",
    "64:ff9b::-64:ff9b::ffff:ffff",
    "100::-100::ffff:ffff:ffff:ffff",
    "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "ff00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
];
