import { RtcConfigError } from "./common/validation";

// Where each service listens on a host, per layout. Addresses are placed by position in the host's IPv4 list, so
// a plan can be made before a cloud has allocated them.

export type Layout = "standard" | "port443";
export const layouts = ["standard", "port443"] as const satisfies readonly Layout[];
export type ServiceKind = "turn" | "sip" | "xmpp" | "web";
/** TURN, SIP, XMPP, and the click-to-call web page. */
export const serviceKinds: readonly ServiceKind[] = ["turn", "sip", "xmpp", "web"];

/** Positions in the host's IPv4 address list. */
export interface LayoutPlan {
    readonly turn?: { readonly ipv4: number[]; readonly tlsPort?: number };
    readonly sip?: { readonly ipv4: number[]; readonly tls443?: number };
    readonly xmpp?: { readonly ipv4: number[]; readonly directTls443?: number };
    /** HTTPS on 443. */
    readonly web?: { readonly ipv4: number[] };
}

/**
 * How many IPv4 addresses a host needs for the services placed on it: in standard, two when it runs TURN (RFC 5780
 * NAT discovery needs a second address), else one; in port443, one per service.
 */
export function addressesNeeded(layout: Layout, services: readonly ServiceKind[]): number {
    const present = serviceKinds.filter((s) => services.includes(s));
    if (layout === "standard") return present.includes("turn") ? 2 : 1;
    return Math.max(1, present.length);
}

/**
 * Plans the services placed on one host with `count` IPv4 addresses.
 * standard: TURN on every IPv4 address (3478, TLS 5349); SIP (5060/5061), XMPP (5222/5269) and the web page (443)
 * on the first.
 * port443: TURN over TLS, SIP over TLS, XMPP direct TLS and the web page each on 443 on its own IPv4 address,
 * beside their standard ports there. Throws an RtcConfigError, naming `at`, when the host's addresses do not allow the layout.
 */
export function planLayout(layout: Layout, count: number, services: readonly ServiceKind[] = serviceKinds,
    at: { readonly component: string; readonly field: string; readonly fix?: string } = { component: "planLayout", field: "ipv4" }): LayoutPlan {
    const present = serviceKinds.filter((s) => services.includes(s));
    const fail = (problem: string) => {
        throw new RtcConfigError(at.component, at.field, `with layout "${layout}" ${problem}`,
            at.fix ?? "give the host more public IPv4 addresses, place fewer services on it, or use layout standard");
    };
    const plan: { -readonly [K in keyof LayoutPlan]: LayoutPlan[K] } = {};
    if (layout === "standard") {
        if (count < 1) fail("needs at least 1 public IPv4 address");
        if (present.includes("turn")) plan.turn = { ipv4: [...Array(count).keys()] };
        if (present.includes("sip")) plan.sip = { ipv4: [0] };
        if (present.includes("xmpp")) plan.xmpp = { ipv4: [0] };
        if (present.includes("web")) plan.web = { ipv4: [0] };
        return plan;
    }
    if (count < present.length) {
        fail(`needs ${present.length} public IPv4 addresses (one each for ${present.map((s) => s === "web" ? "the web page" : s.toUpperCase()).join(", ")} on port 443) but has ${count}`);
    }
    const own = new Map(present.map((s, i) => [s, i]));
    const turn = own.get("turn");
    const sip = own.get("sip");
    const xmpp = own.get("xmpp");
    const web = own.get("web");
    if (turn !== undefined) plan.turn = { ipv4: [turn], tlsPort: 443 };
    if (sip !== undefined) plan.sip = { ipv4: [sip], tls443: sip };
    if (xmpp !== undefined) plan.xmpp = { ipv4: [xmpp], directTls443: xmpp };
    if (web !== undefined) plan.web = { ipv4: [web] };
    return plan;
}
