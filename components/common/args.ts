import * as pulumi from "@pulumi/pulumi";
import { describe } from "./grammar";
import { Checker } from "./validation";

// Type checks of a component's args, for callers the compiler does not check (JavaScript, YAML, `as never`).
// Each component declares the kind of every arg in an `ArgKinds<ItsArgs>` map: the compiler then refuses a
// map that misses an arg of the interface or names one it lacks, so the known args stay tied to the interface.

export type ArgKind =
    | "string" | "integer" | "boolean" | "strings" | "object" | "objects"
    /** A string, or an Output or Promise of one (secrets). */
    | "input"
    /** An `RtcHost`. */
    | "host"
    /** A certificate as `RtcCertificates` issues it: `dnsNames`, `certPem`, `keyPem`. */
    | "certificate"
    /** A list of resources, or an Output of one. */
    | "resources"
    /** A record of string lists, keyed by id. */
    | "names"
    /** An object, or an Output of one (an SSH connection). */
    | "connection"
    /** A list of addresses: strings or Outputs of them, or `{ public, private }` pairs of those. */
    | "addresses"
    /** A whole number, or false for none. */
    | "limit";

export type ArgKinds<T> = { readonly [K in keyof Required<T>]: ArgKind };

const what: Record<ArgKind, string> = {
    string: "a string", integer: "a whole number", boolean: "true or false", strings: "a list of strings", object: "an object",
    objects: "a list of objects", input: "a string or an Output of one", host: "an RtcHost", certificate: "a certificate from RtcCertificates",
    resources: "a list of resources", names: "a map of id to a list of DNS names", connection: "an SSH connection object",
    addresses: "a list of addresses", limit: "a whole number or false",
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isInput = (v: unknown) => typeof v === "string" || pulumi.Output.isInstance(v) || (isObject(v) && typeof v.then === "function");

const fits: Record<ArgKind, (v: unknown) => boolean> = {
    string: (v) => typeof v === "string",
    integer: (v) => Number.isInteger(v),
    boolean: (v) => typeof v === "boolean",
    strings: (v) => Array.isArray(v) && v.every((s) => typeof s === "string"),
    object: isObject,
    objects: (v) => Array.isArray(v) && v.every(isObject),
    input: isInput,
    host: (v) => isObject(v) && Array.isArray(v.ipv4) && typeof v.requirePackages === "function",
    certificate: (v) => isObject(v) && Array.isArray(v.dnsNames) && v.dnsNames.length > 0 && v.dnsNames.every((n) => typeof n === "string")
        && isInput(v.certPem) && isInput(v.keyPem),
    resources: (v) => Array.isArray(v) || pulumi.Output.isInstance(v),
    names: (v) => isObject(v) && Object.values(v).every((l) => Array.isArray(l) && l.every((s) => typeof s === "string")),
    connection: (v) => isObject(v) || pulumi.Output.isInstance(v),
    addresses: (v) => Array.isArray(v) && v.every((a) => isInput(a) || (isObject(a) && isInput(a.public) && (a.private === undefined || isInput(a.private)))),
    limit: (v) => v === false || Number.isInteger(v),
};

/**
 * Checks that `args` is an object, names no arg the component lacks, has every required arg, and that each arg
 * has its kind. Throws at once, naming the component, the arg and the fix, so later checks can rely on types.
 */
export function checkArgs<T>(component: string, args: T, kinds: ArgKinds<T>, required: readonly (keyof T & string)[] = []): void {
    const c = new Checker(component);
    if (!isObject(args)) {
        c.fail("args", `${describe(args, "object")}, not an object`, `pass an object with ${required.length ? required.join(", ") : "its settings"}`);
        return c.done();
    }
    c.unknownKeys("", args, Object.keys(kinds));
    for (const [field, kind] of Object.entries(kinds) as [string, ArgKind][]) {
        const value = (args as Record<string, unknown>)[field];
        if (value === undefined || value === null) {
            if (required.includes(field as keyof T & string)) c.fail(field, "is missing", `pass ${field}: ${what[kind]}`);
            continue;
        }
        if (!fits[kind](value)) {
            const fix = kind === "certificate" ? "pass one of RtcCertificates' certificates, such as certs.certificates.turn" : `pass ${what[kind]}`;
            c.fail(field, `${describe(value, kind === "string" ? "string" : kind === "integer" || kind === "limit" ? "number" : kind === "boolean" ? "boolean" : "object")}, not ${what[kind]}`, fix);
        }
    }
    c.done();
}
