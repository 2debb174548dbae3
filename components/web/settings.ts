import * as pulumi from "@pulumi/pulumi";
import { ServiceCertificate } from "../common/tls";
import { RtcHost } from "../host/rtcHost";
import { SipProxy } from "../sip/sipProxy";
import { TurnServer } from "../turn/turnServer";

/** A button of the click-to-call page. */
export interface ClickToCallButton {
    /** A user among the SIP proxy's guest destinations, such as `sales`. */
    readonly name: string;
    /** The button's text. Default: the name, capitalized. */
    readonly label?: string;
}

export interface ClickToCallArgs {
    /** The Debian host that serves the page (nginx). */
    readonly host: RtcHost;
    /** The SIP proxy visitors call through; it needs `webSocket` and `guests`. */
    readonly sip: SipProxy;
    /** The TURN server whose time-limited credentials `config.js` hands out; it needs `staticAuthSecret`. */
    readonly turn: TurnServer;
    /** The TURN server's `staticAuthSecret`. Pass a secret; it stays on the host. */
    readonly turnSecret: pulumi.Input<string>;
    /** The SIP proxy's `guests.secret`. Pass a secret; it stays on the host. */
    readonly guestSecret: pulumi.Input<string>;
    /** The page's name. Default: `call.<host's domain>`. */
    readonly hostname?: string;
    /** Certificate valid for `hostname`. Default: one issued by an internal CA made for this page. */
    readonly certificate?: ServiceCertificate;
    /** IPv4 addresses the page listens on, each one of the host's. Default: the host's first. */
    readonly ipv4?: readonly string[];
    /** IPv6 addresses the page listens on. Default: the host's first, if it has one. */
    readonly ipv6?: readonly string[];
    /** The buttons, in order. Default: one per guest destination of `sip`. */
    readonly destinations?: readonly ClickToCallButton[];
    /** How long the credentials of one `config.js` stay valid, in seconds. Default 1800. */
    readonly credentialLifetime?: number;
    /** `relay` sends all media through TURN, hiding the visitor's address from the callee; or `all`. Default `relay`. */
    readonly iceTransportPolicy?: "relay" | "all";
    /** The caller's name as the callee sees it. Default `Web caller`. */
    readonly displayName?: string;
}

export const clickToCallDefaults = {
    port: 443,
    credentialLifetime: 1800,
    iceTransportPolicy: "relay",
    displayName: "Web caller",
    tlsDir: "/etc/nginx/click-to-call/tls",
} as const;
