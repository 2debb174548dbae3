import * as pulumi from "@pulumi/pulumi";
import { address as addressRule } from "./grammar";
import { RtcConfigError } from "./validation";

// Addresses known only at deployment (a cloud's floating or elastic IPs) stand in rendered text and records as
// tokens, as AWS CDK does for late-bound values: `@@ADDRESS:server1/ipv4/0@@`. Rendering stays pure and
// synchronous; `resolveAddresses` puts the values in at the last moment, and checks them there.

const TOKEN = /@@ADDRESS:([A-Za-z0-9._/#-]+)@@/g;

interface Registered {
    readonly value: pulumi.Output<string>;
    readonly family: 4 | 6;
    readonly owner: string;
    readonly field: string;
}

const registry = new Map<string, Registered>();

/**
 * The address as text: itself when it is a plain string, else a token that `resolveAddresses` replaces by its
 * value. `key` names the token (`server1/ipv4/0`), so rendered text is the same from one run to the next.
 */
export function addressText(key: string, value: pulumi.Input<string>, family: 4 | 6, at: { owner: string; field: string }): string {
    if (typeof value === "string") return value;
    let name = key;
    for (let n = 2; registry.has(name); n++) name = `${key}#${n}`;
    registry.set(name, { value: pulumi.output(value), family, ...at });
    return `@@ADDRESS:${name}@@`;
}

/** True when the text is, or holds, an address known only at deployment. */
export function holdsAddressToken(text: string): boolean {
    return new RegExp(TOKEN.source).test(text);
}

/** The family of an address or address token; undefined for anything else. */
export function familyOf(text: string): 4 | 6 | undefined {
    const m = /^@@ADDRESS:([A-Za-z0-9._/#-]+)@@$/.exec(text);
    if (m) return registry.get(m[1])?.family;
    if (!addressRule(4)(text)) return 4;
    if (!addressRule(6)(text)) return 6;
    return undefined;
}

/** The text with every address token replaced by its value, each value checked against its family's grammar. */
export function resolveAddresses(text: string): pulumi.Output<string> {
    const names = [...new Set([...text.matchAll(TOKEN)].map((m) => m[1]))];
    if (names.length === 0) return pulumi.output(text);
    const entries = names.map((n) => {
        const r = registry.get(n);
        if (!r) throw new Error(`pulumi-rtc: unknown address token ${n}`);
        return r;
    });
    return pulumi.all(entries.map((e) => e.value)).apply((values) => fillAddresses(text, new Map(names.map((n, i) => [n, values[i]]))));
}

/** Replaces the tokens of `text` by the given values, checking each against its family's grammar. Pure. */
export function fillAddresses(text: string, values: ReadonlyMap<string, string>): string {
    return text.replace(TOKEN, (_, n: string) => {
        const e = registry.get(n);
        const value = values.get(n);
        if (!e || value === undefined) throw new Error(`pulumi-rtc: no value for address token ${n}`);
        const flaw = addressRule(e.family)(value);
        if (flaw) throw new RtcConfigError(e.owner, e.field, flaw.problem, flaw.fix);
        return value;
    });
}

/** Plain data (strings, numbers, arrays, objects) with every address token inside it resolved. */
export function resolveAddressesIn<T>(value: T): pulumi.Output<T> {
    // Tokens and addresses hold no character JSON escapes, so the tokens stand in the JSON text as they are.
    return resolveAddresses(JSON.stringify(value)).apply((text) => JSON.parse(text) as T);
}
