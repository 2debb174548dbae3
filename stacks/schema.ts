import { z } from "zod";
import * as grammar from "../components/common/grammar";

// The building blocks of the stack's config schema, shared by the top level and each host provider's entry.
// Every message carries its problem and its fix, split by SEP; config.ts turns them into RtcConfigErrors.

export const COMPONENT = "Falcot stack config";
export const SEP = "\u001f"; // between a problem and its fix inside a zod message

/** A zod string (or number...) checked by a rule of the grammar. */
export function ruled<T extends z.ZodType>(base: T, rule: grammar.Rule): T {
    return base.superRefine((v, ctx) => {
        const flaw = rule(v);
        if (flaw) ctx.addIssue({ code: "custom", message: `${flaw.problem}${SEP}${flaw.fix}` });
    }) as unknown as T;
}

/** The message for a value of the wrong type. */
export const typeError = (what: string, fix: string, expectedType: string) =>
    (iss: { input?: unknown }) => `${grammar.describe(iss.input, expectedType)}, not ${what}${SEP}${fix}`;

export const text = (rule: grammar.Rule, what: string) => ruled(z.string({
    error: (iss) => {
        const flaw = rule(iss.input) ?? { problem: `${grammar.describe(iss.input, "string")}, not ${what}`, fix: `write ${what}` };
        return `${flaw.problem}${SEP}${flaw.fix}`;
    },
}), rule);
export const list = <T extends z.ZodType>(item: T, what: string, example: string) =>
    z.array(item, { error: typeError(`a list of ${what}`, `write a list, such as ${example}`, "list") });
export const bool = () => z.boolean({ error: typeError("true or false", "write true or false, without quotes", "boolean") });
export const wholeNumber = (min: number, what: string) => z.number({ error: typeError(what, `write a whole number of at least ${min}`, "number") })
    .int({ error: (iss) => `is ${grammar.show(iss.input)}, not a whole number${SEP}write a whole number of at least ${min}` })
    .min(min, { error: (iss) => `is ${grammar.show(iss.input)}, less than ${min}${SEP}write a whole number of at least ${min}` });
export const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: (iss) => `${grammar.describe(iss.input, "string")}, not one of ${values.join(", ")}${SEP}use one of: ${values.join(", ")}` });
/** An object that refuses keys it does not know, naming the nearest known one. */
export const strict = <S extends z.core.$ZodLooseShape>(shape: S, what: string) => z.strictObject(shape, {
    error: (iss) => iss.code === "unrecognized_keys"
        ? `unknown${SEP}${Object.keys(shape).join(",")}`
        : `${grammar.describe(iss.input, "object")}, not ${what}${SEP}write ${what} with the keys ${Object.keys(shape).join(", ")}`,
});
export const map = <V extends z.ZodType>(keyRule: grammar.Rule, keyWhat: string, value: V, what: string) =>
    z.record(text(keyRule, keyWhat), value, {
        error: (iss) => iss.code === "invalid_key"
            ? `is not a valid ${keyWhat}${SEP}${keyRule(undefined)?.fix ?? `rename it`}`
            : typeError(what, `write ${what}, keyed by ${keyWhat}`, "object")(iss),
    });

export const ipv4 = text(grammar.address(4), "an IPv4 address");
export const ipv6 = text(grammar.address(6), "an IPv6 address");
/** An address, or `{ public, private }` behind 1:1 NAT; each part checked where it stands. */
export const addressPair = (family: 4 | 6) => z.unknown().superRefine((v, ctx) => {
    const issue = (path: string[], f: grammar.Flaw) => ctx.addIssue({ code: "custom", path, message: `${f.problem}${SEP}${f.fix}` });
    const rule = grammar.address(family);
    if (typeof v === "string") {
        const f = rule(v);
        if (f) issue([], f);
    } else if (v && typeof v === "object" && !Array.isArray(v)) {
        for (const k of Object.keys(v)) {
            if (k !== "public" && k !== "private") ctx.addIssue({ code: "unrecognized_keys", keys: [k], path: [], message: `unknown${SEP}public,private`, input: v as Record<string, unknown> });
        }
        const pair = v as { public?: unknown; private?: unknown };
        const pub = rule(pair.public);
        if (pub) issue(["public"], pub);
        const priv = pair.private === undefined ? undefined : rule(pair.private);
        if (priv) issue(["private"], priv);
    } else {
        issue([], { problem: `${grammar.describe(v, "string")}, not an address`, fix: "write an address, or { public: ADDRESS, private: ADDRESS } behind 1:1 NAT" });
    }
}).transform((v) => v as string | { public: string; private?: string });
export const hostAddresses = (family: 4 | 6, example: string) => list(addressPair(family), "addresses", `[${example}]`);
