import { z } from "zod";
import { certificateDefaults } from "../components/certs/rtcCertificates";
import * as grammar from "../components/common/grammar";
import { RtcConfigError, nearest } from "../components/common/validation";
import { layouts } from "../components/layout";

// The Falcot stack's configuration, described once: this schema gives the types, the defaults, the checks
// (unknown keys refused at every depth) and the messages, which name the full key path, the bad value
// (never a secret's) and the fix.

const COMPONENT = "Falcot stack config";
const SEP = "\u001f"; // between a problem and its fix inside a zod message

/** A zod string (or number...) checked by a rule of the grammar. */
function ruled<T extends z.ZodType>(base: T, rule: grammar.Rule): T {
    return base.superRefine((v, ctx) => {
        const flaw = rule(v);
        if (flaw) ctx.addIssue({ code: "custom", message: `${flaw.problem}${SEP}${flaw.fix}` });
    }) as unknown as T;
}

/** The message for a value of the wrong type. */
const typeError = (what: string, fix: string, expectedType: string) =>
    (iss: { input?: unknown }) => `${grammar.describe(iss.input, expectedType)}, not ${what}${SEP}${fix}`;

const text = (rule: grammar.Rule, what: string) => ruled(z.string({
    error: (iss) => {
        const flaw = rule(iss.input) ?? { problem: `${grammar.describe(iss.input, "string")}, not ${what}`, fix: `write ${what}` };
        return `${flaw.problem}${SEP}${flaw.fix}`;
    },
}), rule);
const list = <T extends z.ZodType>(item: T, what: string, example: string) =>
    z.array(item, { error: typeError(`a list of ${what}`, `write a list, such as ${example}`, "list") });
const bool = () => z.boolean({ error: typeError("true or false", "write true or false, without quotes", "boolean") });
const wholeNumber = (min: number, what: string) => z.number({ error: typeError(what, `write a whole number of at least ${min}`, "number") })
    .int({ error: (iss) => `is ${grammar.show(iss.input)}, not a whole number${SEP}write a whole number of at least ${min}` })
    .min(min, { error: (iss) => `is ${grammar.show(iss.input)}, less than ${min}${SEP}write a whole number of at least ${min}` });
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: (iss) => `${grammar.describe(iss.input, "string")}, not one of ${values.join(", ")}${SEP}use one of: ${values.join(", ")}` });
/** An object that refuses keys it does not know, naming the nearest known one. */
const strict = <S extends z.core.$ZodLooseShape>(shape: S, what: string) => z.strictObject(shape, {
    error: (iss) => iss.code === "unrecognized_keys"
        ? `unknown${SEP}${Object.keys(shape).join(",")}`
        : `${grammar.describe(iss.input, "object")}, not ${what}${SEP}write ${what} with the keys ${Object.keys(shape).join(", ")}`,
});
const map = <V extends z.ZodType>(keyRule: grammar.Rule, keyWhat: string, value: V, what: string) =>
    z.record(text(keyRule, keyWhat), value, {
        error: (iss) => iss.code === "invalid_key"
            ? `is not a valid ${keyWhat}${SEP}${keyRule(undefined)?.fix ?? `rename it`}`
            : typeError(what, `write ${what}, keyed by ${keyWhat}`, "object")(iss),
    });

const ipv4 = text(grammar.address(4), "an IPv4 address");
const ipv6 = text(grammar.address(6), "an IPv6 address");
/** An address, or `{ public, private }` behind 1:1 NAT; each part checked where it stands. */
const addressPair = (family: 4 | 6) => z.unknown().superRefine((v, ctx) => {
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
const hostAddresses = (family: 4 | 6, example: string) => list(addressPair(family), "addresses", `[${example}]`);

export const serviceNames = ["turn", "turnAdmin", "sip", "xmpp"] as const;
export type UserService = typeof serviceNames[number];

const nameServer = strict({
    name: text(grammar.domainName, "a DNS name"),
    ipv4: list(ipv4, "IPv4 addresses", "[198.51.100.19]").optional(),
    ipv6: list(ipv6, "IPv6 addresses", "[2001:db8::53]").optional(),
}, "a name server");

const host = strict({
    provider: oneOf(["existing", "local"]).default("existing"),
    fqdn: text(grammar.domainName, "a DNS name").optional(),
    ssh: strict({
        address: text(grammar.endpoint, "an address or DNS name").optional(),
        port: ruled(z.number({ error: typeError("a TCP port", "use a whole number from 1 to 65535", "number") }), grammar.port).default(22),
        user: text(grammar.userName, "a user name").default("root"),
        hostKey: z.string({ error: typeError("a host key", "paste the server's ed25519 host key, or `ssh-keyscan -t ed25519 HOST` output as it is", "string") })
            .transform(grammar.normaliseHostKey).pipe(text(grammar.hostKey, "a host key")).optional(),
    }, "SSH settings").default({ port: 22, user: "root" }),
    ipv4: hostAddresses(4, "198.51.100.19").min(1, { error: `is empty${SEP}list the host's public IPv4 addresses` }),
    ipv6: hostAddresses(6, "2001:db8:1000:2000::19").default([]),
}, "a host");

const user = strict({
    services: list(oneOf(serviceNames), "services", "[turn, sip]").min(1, { error: `is empty${SEP}list what the user may use: ${serviceNames.join(", ")}` }),
    xmppAdmin: bool().default(false),
}, "a user");

/** Secret keys: only named in the plain config; their values are checked by `secretSchema`. */
export const secretKeys = ["sshPrivateKey", "passwords", "turnStaticAuthSecret"] as const;

const plainSchema = strict({
    domain: text(grammar.domainName, "a DNS name").default("falcot.com"),
    layout: oneOf(layouts).default("standard"),
    hosts: map(grammar.hostLabel, "host name", host, "the hosts"),
    services: strict({
        turn: text(grammar.hostLabel, "a host name").optional(),
        sip: text(grammar.hostLabel, "a host name").optional(),
        xmpp: text(grammar.hostLabel, "a host name").optional(),
        dns: text(grammar.hostLabel, "a host name").optional(),
    }, "the services' hosts").default({}),
    dns: strict({
        backend: oneOf(["cloudflare", "zonefile", "bind"]).default("zonefile"),
        zoneId: text(grammar.cloudflareZoneId, "a Cloudflare zone id").optional(),
        nameServers: list(nameServer, "name servers", "[{ name: ns1.falcot.com, ipv4: [198.51.100.19] }]").optional(),
    }, "the DNS settings").default({ backend: "zonefile" }),
    users: map(grammar.userName, "user name", user, "the users").default({}),
    generatePasswords: bool().default(false),
    certificates: strict({
        validityHours: wholeNumber(1, "a number of hours").default(certificateDefaults.validityHours),
        earlyRenewalHours: wholeNumber(0, "a number of hours").default(certificateDefaults.earlyRenewalHours),
    }, "the certificate settings").default({ ...certificateDefaults }),
    ...Object.fromEntries(secretKeys.map((k) => [k, z.unknown().optional()])) as Record<typeof secretKeys[number], z.ZodOptional<z.ZodUnknown>>,
}, "the stack config").superRefine((c, ctx) => {
    const fail = (path: (string | number)[], problem: string, fix: string) => ctx.addIssue({ code: "custom", path, message: `${problem}${SEP}${fix}` });
    const hostNames = Object.keys(c.hosts);
    if (hostNames.length === 0) fail(["hosts"], "is empty", "describe at least one host, e.g. hosts.server1.ipv4");
    for (const [svc, name] of Object.entries(c.services)) {
        if (name !== undefined && !hostNames.includes(name)) fail(["services", svc], `is ${grammar.show(name)}, not one of the hosts`, `use one of: ${hostNames.join(", ")}`);
    }
    for (const [name, h] of Object.entries(c.hosts)) {
        if (h.provider === "local" && (h.ssh.address !== undefined || h.ssh.hostKey !== undefined)) {
            fail(["hosts", name, "ssh"], "is set for a local host", "remove it: a local host makes its own keys");
        }
        for (const family of ["ipv4", "ipv6"] as const) {
            const seen = new Set<string>();
            h[family].forEach((a, i) => {
                const pub = typeof a === "string" ? a : a.public;
                if (seen.has(pub)) fail(["hosts", name, family, i], `repeats ${pub}`, "list each address once");
                seen.add(pub);
            });
        }
    }
    if (c.dns.backend === "cloudflare" && c.dns.zoneId === undefined) fail(["dns", "zoneId"], "is missing", "give the zone id from Cloudflare's dashboard (32 hex digits)");
    if (c.dns.backend !== "cloudflare" && c.dns.zoneId !== undefined) fail(["dns", "zoneId"], `is set for the ${c.dns.backend} backend`, "remove it, or use backend: cloudflare");
    if (c.dns.backend === "bind" && c.services.dns === undefined) fail(["services", "dns"], "is missing", "name the host that runs BIND, e.g. services.dns: server1");
    for (const [name, u] of Object.entries(c.users)) {
        if (u.xmppAdmin && !u.services.includes("xmpp")) fail(["users", name, "xmppAdmin"], "is true for a user without the xmpp service", "add xmpp to the user's services");
        u.services.forEach((s, i) => { if (u.services.indexOf(s) !== i) fail(["users", name, "services", i], `repeats ${s}`, "list each service once"); });
    }
    if (c.certificates.earlyRenewalHours >= c.certificates.validityHours) {
        fail(["certificates", "earlyRenewalHours"], `is ${c.certificates.earlyRenewalHours}, not fewer than validityHours (${c.certificates.validityHours})`, "renew some hours before the end of validity, e.g. 720 of 8760");
    }
});

/** The secrets, checked where their values arrive, before anything is applied. Messages never show a value. */
const secretText = (problem: (v: string) => string | undefined, fix: string) => z.string({ error: () => `is not a string${SEP}${fix}` })
    .superRefine((v, ctx) => {
        const p = problem(v);
        if (p) ctx.addIssue({ code: "custom", message: `${p}${SEP}${fix}` });
    });
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const controlCharacter = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const password = secretText((v) => v.length < 12 ? `is too short (${v.length} characters)` : controlCharacter.test(v) ? "holds a control character" : undefined,
    "set a password of at least 12 characters without control characters: pulumi config set --secret --path 'passwords.USER' < FILE");

const secretSchema = z.object({
    passwords: z.record(z.string(), password, { error: () => `is not a map of user to password${SEP}set each with pulumi config set --secret --path 'passwords.USER'` }).optional(),
    turnStaticAuthSecret: secretText((v) => /^[A-Za-z0-9+/=._~-]{24,}$/.test(v) ? undefined : v.length < 24 ? `is too short (${v.length} characters)` : "holds characters other than letters, digits and + / = . _ ~ -",
        "make one with `openssl rand -base64 32 | pulumi config set --secret turnStaticAuthSecret`").optional(),
    sshPrivateKey: secretText((v) => /^-----BEGIN (OPENSSH|EC|RSA) PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1 PRIVATE KEY-----\s*$/.test(v) ? undefined : "is not an unencrypted private key in PEM or OpenSSH form",
        "set it from the key file: pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519").optional(),
});

type Parsed = z.output<typeof plainSchema>;
export type HostConfig = Parsed["hosts"][string] & { readonly fqdn: string; readonly ssh: { readonly address: string } };
export interface FalcotConfig extends Omit<Parsed, "hosts" | "services" | typeof secretKeys[number]> {
    readonly hosts: Readonly<Record<string, HostConfig>>;
    readonly services: { readonly turn: string; readonly sip: string; readonly xmpp: string; readonly dns?: string };
}

/** Reads and checks the plain part of the configuration. `raw` maps key (without the project prefix) to its parsed value. */
export function parseFalcotConfig(raw: Readonly<Record<string, unknown>>): FalcotConfig {
    const parsed = plainSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) throw configError(parsed.error.issues, false);
    const c = parsed.data;
    const firstHost = Object.keys(c.hosts)[0];
    const hosts = Object.fromEntries(Object.entries(c.hosts).map(([name, h]) => {
        const first = typeof h.ipv4[0] === "string" ? h.ipv4[0] : h.ipv4[0].public;
        return [name, { ...h, fqdn: h.fqdn ?? `${name}.${c.domain}`, ssh: { ...h.ssh, address: h.ssh.address ?? first } }];
    }));
    return {
        domain: c.domain, layout: c.layout, dns: c.dns, users: c.users, generatePasswords: c.generatePasswords, certificates: c.certificates, hosts,
        services: { turn: c.services.turn ?? firstHost, sip: c.services.sip ?? firstHost, xmpp: c.services.xmpp ?? firstHost, dns: c.services.dns },
    };
}

/**
 * Checks the secrets' values (plaintext, as the program receives them) against the schema and the users, and
 * throws before anything is applied. The messages name the key and the fix, never the value.
 */
export function checkFalcotSecrets(config: FalcotConfig, secrets: Readonly<Record<string, unknown>>): void {
    const parsed = secretSchema.safeParse(secrets);
    const issues = parsed.success ? [] : [...parsed.error.issues];
    const given = secrets.passwords;
    const passwords = given && typeof given === "object" && !Array.isArray(given) ? given as Record<string, unknown> : {};
    const users = Object.keys(config.users);
    for (const name of Object.keys(passwords)) {
        if (!users.includes(name)) issues.push({ code: "custom", path: ["passwords", name], message: `is set, but users has no ${name}${SEP}remove it (pulumi config rm --path 'passwords.${name}') or add users.${name}${nearest(name, users)}`, input: undefined });
    }
    if (!config.generatePasswords) {
        for (const name of users) {
            if (passwords[name] === undefined) issues.push({ code: "custom", path: ["passwords", name], message: `is missing${SEP}run: pulumi config set --secret --path 'passwords.${name}' < FILE, or set generatePasswords: true`, input: undefined });
        }
    }
    if (issues.length) throw configError(issues, true);
}

/** One RtcConfigError (a RunError: no stack trace) with a line per problem. */
function configError(issues: readonly z.core.$ZodIssue[], secret: boolean): RtcConfigError {
    const lines = issues.flatMap((iss) => {
        const [problem, fix = "see the README's configuration table"] = iss.message.split(SEP);
        const at = pathText(iss.path);
        if (iss.code === "unrecognized_keys") {
            const known = fix.split(",");
            return iss.keys.map((k) => new RtcConfigError(COMPONENT, pathText([...iss.path, k]), "is not a known setting",
                `remove it or use one of: ${known.join(", ")}${nearest(k, known)}`));
        }
        const shown = secret ? problem.replace(/^is ".*"/, "is set") : problem;
        return [new RtcConfigError(COMPONENT, at || "(the config)", shown, fix)];
    });
    if (lines.length === 1) return lines[0];
    const err = new RtcConfigError(COMPONENT, lines[0].field, "and others are wrong", "see each line");
    err.message = lines.map((l) => l.message).join("\n");
    return err;
}

/** `hosts.server1.ipv4[1]`, as `pulumi config set --path` writes it. */
function pathText(path: readonly PropertyKey[]): string {
    return path.reduce<string>((out, p) => typeof p === "number" ? `${out}[${p}]`
        : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(p)) ? `${out}${out ? "." : ""}${String(p)}` : `${out}["${String(p)}"]`, "");
}
