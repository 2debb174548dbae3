import * as pulumi from "@pulumi/pulumi";
import { ServiceCertificate } from "../common/tls";
import { RtcHost } from "../host/rtcHost";

/** A SIP subscriber, `name@sipDomain`. */
export interface SipUser {
    /** User part of the address, for example `roland`. */
    readonly name: string;
    /** Password. Pass a secret; at least 12 characters. Stored only as digest hashes (ha1, ha1b). */
    readonly password: pulumi.Input<string>;
}

/** Callers without an account, such as a click-to-call page's visitors: time-limited credentials, a few destinations. */
export interface SipGuests {
    /**
     * Shared secret the credentials are made with: user `<expiry>:<id>`, password base64(HMAC-SHA1(secret, user)),
     * as Kamailio's auth_ephemeral checks them. Pass a secret; at least 24 characters.
     */
    readonly secret: pulumi.Input<string>;
    /** The users of the SIP domain guests may call, such as `["sales"]`; nobody else. */
    readonly destinations: readonly string[];
    /** The domain of guests' addresses (`sip:<id>@<domain>`), apart from the users'. Default: `guest.<sipDomain>`. */
    readonly domain?: string;
}

export interface SipProxyArgs {
    /** The Debian host to configure. */
    readonly host: RtcHost;
    /** The zone that publishes the records. Default: the host's domain. */
    readonly domain?: string;
    /** The SIP domain of users' addresses (`roland@sip.falcot.com`). Default: `sip.<domain>`. */
    readonly sipDomain?: string;
    /** The proxy's own name, the target of the SRV records. Default: `sip-proxy.<domain>`. */
    readonly hostname?: string;
    /** Public IPv4 addresses to listen on. Default: all of the host's. */
    readonly ipv4?: readonly string[];
    /** Public IPv6 addresses to listen on. Default: all of the host's. */
    readonly ipv6?: readonly string[];
    /** SIP over UDP and TCP. Default 5060. */
    readonly port?: number;
    /** SIP over TLS. Default 5061. */
    readonly tlsPort?: number;
    /** An extra SIP-over-TLS listener on port 443 at this IPv4 address (port-443 layout). Default: none. */
    readonly tls443Address?: string;
    /** Certificate valid for `hostname` and `sipDomain`. Default: one issued by an internal CA made for this proxy. */
    readonly certificate?: ServiceCertificate;
    /** Subscribers. Default: none. */
    readonly users?: readonly SipUser[];
    /**
     * SIP over secure WebSocket (RFC 7118) for browsers: on `port` of each IPv4 address it listens on, and on 443
     * with `tls443Address`. Digest authentication stays on; clients behind NAT are reached over their own
     * connection. Default: off.
     */
    readonly webSocket?: { /** Default 8443. */ readonly port?: number };
    /**
     * Guests with time-limited credentials (auth_ephemeral), who may only call `destinations`. Over WebSocket,
     * everyone else must be a user of this domain. Default: none.
     */
    readonly guests?: SipGuests;
    /**
     * Requests one source address may send in 2 s before it is refused for 5 minutes (Kamailio's pike and ipban
     * table, as Debian's kamailio.cfg sets them up). Raise it for offices with many phones behind one address;
     * `false` turns flood protection off, for a proxy behind a border controller that has its own. Default 16,
     * Debian's value.
     */
    readonly floodLimit?: number | false;
    /**
     * Password of Kamailio's read-write database user. Default: generated on the host and kept there, never in
     * Pulumi state (it never needs to leave the host).
     */
    readonly databasePassword?: pulumi.Input<string>;
}

export const sipDefaults = {
    port: 5060,
    tlsPort: 5061,
    webSocketPort: 8443,
    dbName: "kamailio",
    dbRwUser: "kamailio",
    dbRoUser: "kamailioro",
    tlsDir: "/etc/kamailio/tls",
    /** The seed's defines, plus TLS (flood protection: WITH_ANTIFLOOD, with floodLimit). */
    defines: ["WITH_MYSQL", "WITH_AUTH", "WITH_USRLOCDB", "WITH_TLS"],
    floodLimit: 16,
    minPasswordLength: 12,
} as const;
