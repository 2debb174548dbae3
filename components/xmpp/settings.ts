import * as pulumi from "@pulumi/pulumi";
import { ServiceCertificate } from "../common/tls";
import { RtcHost } from "../host/rtcHost";

/** An XMPP account. */
export interface XmppUser {
    /** Full address, for example `joe@falcot.com`; its domain must be one the server hosts. */
    readonly jid: string;
    /** Password. Pass a secret; at least 12 characters. Stored by Prosody as SCRAM hashes (internal_hashed). */
    readonly password: pulumi.Input<string>;
}

export interface XmppServerArgs {
    /** The Debian host to configure. */
    readonly host: RtcHost;
    /** The XMPP domains served, one VirtualHost each. Default: the host's domain. */
    readonly domains?: readonly string[];
    /** The server's own name, the target of the SRV records. Default: `xmpp-gw.<first domain>`. */
    readonly hostname?: string;
    /** Accounts allowed to administer the server, such as `joe@falcot.com`. Default: none. */
    readonly admins?: readonly string[];
    /** Accounts. Default: none. */
    readonly users?: readonly XmppUser[];
    /** Multi-user chat: `conference.<domain>` for each domain. Default true. */
    readonly muc?: boolean;
    /** Public IPv4 addresses to listen on. Default: all of the host's. */
    readonly ipv4?: readonly string[];
    /** Public IPv6 addresses to listen on. Default: all of the host's. */
    readonly ipv6?: readonly string[];
    /** Client port (STARTTLS). Default 5222. */
    readonly clientPort?: number;
    /** Server-to-server port. Default 5269. */
    readonly serverPort?: number;
    /** Direct TLS for clients (XEP-0368) on port 443 at this IPv4 address (port-443 layout). Default: none. */
    readonly directTls443Address?: string;
    /** Certificate valid for every domain and its conference name. Default: one from an internal CA made for this server. */
    readonly certificate?: ServiceCertificate;
}

export const xmppDefaults = {
    clientPort: 5222,
    serverPort: 5269,
    certDir: "/etc/prosody/certs",
    minPasswordLength: 12,
    modules: [
        "roster", "saslauth", "tls", "dialback", "disco", "carbons", "pep", "private", "blocklist",
        "vcard4", "vcard_legacy", "version", "uptime", "time", "ping", "admin_adhoc", "smacks", "mam", "csi_simple",
        // `prosodyctl shell` on a unix socket only root and prosody reach: the users step talks to the running server
        "admin_shell",
    ],
} as const;
