import { RtcConfigError } from "./common/validation";

// Where each service listens on a host, per layout.

export type Layout = "standard" | "port443";
export const layouts = ["standard", "port443"] as const satisfies readonly Layout[];
export type ServiceKind = "turn" | "sip" | "xmpp";
const order: readonly ServiceKind[] = ["turn", "sip", "xmpp"];

export interface LayoutPlan {
    readonly turn?: { readonly ipv4: string[]; readonly tlsPort?: number };
    readonly sip?: { readonly ipv4: string[]; readonly tls443Address?: string };
    readonly xmpp?: { readonly ipv4: string[]; readonly directTls443Address?: string };
}

/**
 * Plans the services placed on one host.
 * standard: TURN on every IPv4 address (3478, TLS 5349); SIP (5060/5061) and XMPP (5222/5269) on the first.
 * port443: TURN over TLS, SIP over TLS and XMPP direct TLS each on 443 on its own IPv4 address, beside their
 * standard ports there. Throws an RtcConfigError, naming `at`, when the host's addresses do not allow the layout.
 */
export function planLayout(layout: Layout, ipv4: readonly string[], services: readonly ServiceKind[] = order,
    at: { readonly component: string; readonly field: string; readonly fix?: string } = { component: "planLayout", field: "ipv4" }): LayoutPlan {
    const present = order.filter((s) => services.includes(s));
    const distinct = [...new Set(ipv4)];
    const fail = (problem: string) => {
        throw new RtcConfigError(at.component, at.field, `with layout "${layout}" ${problem}`,
            at.fix ?? "give the host more public IPv4 addresses, place fewer services on it, or use layout standard");
    };
    if (layout === "standard") {
        if (distinct.length < 1) fail("needs at least 1 public IPv4 address");
        const plan: { -readonly [K in keyof LayoutPlan]: LayoutPlan[K] } = {};
        if (present.includes("turn")) plan.turn = { ipv4: distinct };
        if (present.includes("sip")) plan.sip = { ipv4: [distinct[0]] };
        if (present.includes("xmpp")) plan.xmpp = { ipv4: [distinct[0]] };
        return plan;
    }
    if (distinct.length < present.length) {
        fail(`needs ${present.length} distinct public IPv4 addresses (one each for ${present.map((s) => s.toUpperCase()).join(", ")} on port 443) but has ${distinct.length}`);
    }
    const own = new Map(present.map((s, i) => [s, distinct[i]]));
    const plan: { -readonly [K in keyof LayoutPlan]: LayoutPlan[K] } = {};
    const turn = own.get("turn");
    const sip = own.get("sip");
    const xmpp = own.get("xmpp");
    if (turn) plan.turn = { ipv4: [turn], tlsPort: 443 };
    if (sip) plan.sip = { ipv4: [sip], tls443Address: sip };
    if (xmpp) plan.xmpp = { ipv4: [xmpp], directTls443Address: xmpp };
    return plan;
}
