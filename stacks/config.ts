import { z } from "zod";
import { certificateDefaults } from "../components/certs/rtcCertificates";
import { clickToCallDefaults } from "../components/web/settings";
import { sipDefaults } from "../components/sip/settings";
import { sharedSecretProblem } from "../components/common/component";
import { transferKeyProblem } from "../components/dns/rtcDnsZone";
import * as grammar from "../components/common/grammar";
import { RtcConfigError, nearest } from "../components/common/validation";
import { ServiceKind, layouts, serviceKinds } from "../components/layout";
import { COMPONENT, SEP, bool, list, map, oneOf, strict, text, wholeNumber, ipv4, ipv6 } from "./schema";
import { HostProviderName, defaultHostProvider, hostProviders } from "./hosts";

// The Falcot stack's configuration, described once: this schema gives the types, the defaults, the checks
// (unknown keys refused at every depth) and the messages, which name the full key path, the bad value
// (never a secret's) and the fix.

export const serviceNames = ["turn", "turnAdmin", "sip", "xmpp"] as const;
export type UserService = typeof serviceNames[number];

const nameServer = strict({
    name: text(grammar.domainName, "a DNS name"),
    ipv4: list(ipv4, "IPv4 addresses", "[198.51.100.19]").optional(),
    ipv6: list(ipv6, "IPv6 addresses", "[2001:db8::53]").optional(),
}, "a name server");

const providerNames = Object.keys(hostProviders) as HostProviderName[];

/** A host: `provider` picks the entry of the host-provider table whose schema checks the rest. */
const host = z.unknown().transform((v, ctx) => {
    const obj = v && typeof v === "object" && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
    if (!obj) {
        ctx.addIssue({ code: "custom", message: `${grammar.describe(v, "object")}, not a host${SEP}write a host with provider (${providerNames.join(", ")}) and its settings` });
        return z.NEVER;
    }
    const { provider = defaultHostProvider, firewall = true, ...rest } = obj;
    if (typeof firewall !== "boolean") {
        ctx.addIssue({ code: "custom", path: ["firewall"], message: `${grammar.describe(firewall, "boolean")}, not true or false${SEP}write firewall: false to leave the host's firewall alone, or remove the key (default true)` });
        return z.NEVER;
    }
    if (typeof provider !== "string" || !providerNames.includes(provider as HostProviderName)) {
        ctx.addIssue({ code: "custom", path: ["provider"], message: `${grammar.describe(provider, "string")}, not one of ${providerNames.join(", ")}${SEP}use one of: ${providerNames.join(", ")}${nearest(String(provider), providerNames)}` });
        return z.NEVER;
    }
    const parsed = hostProviders[provider as HostProviderName].schema.safeParse(rest, { reportInput: true });
    if (!parsed.success) {
        // The host's path is added to each issue by the enclosing record.
        ctx.issues.push(...(parsed.error.issues as never[]));
        return z.NEVER;
    }
    return { provider: provider as HostProviderName, firewall, settings: parsed.data as unknown };
});

const user = strict({
    services: list(oneOf(serviceNames), "services", "[turn, sip]").min(1, { error: `is empty${SEP}list what the user may use: ${serviceNames.join(", ")}` }),
    xmppAdmin: bool().default(false),
}, "a user");

/** Secret keys: only named in the plain config; their values are checked by `secretSchema`. */
export const secretKeys = ["sshPrivateKey", "passwords", "turnStaticAuthSecret", "dnsTransferKey"] as const;

const plainSchema = strict({
    domain: text(grammar.domainName, "a DNS name").default("falcot.com"),
    layout: oneOf(layouts).default("standard"),
    hosts: map(grammar.hostLabel, "host name", host, "the hosts"),
    services: strict({
        // Which host runs each service of the service table, and BIND.
        ...Object.fromEntries(serviceKinds.map((k) => [k, text(grammar.hostLabel, "a host name").optional()])) as Record<ServiceKind, z.ZodOptional<z.ZodString>>,
        dns: text(grammar.hostLabel, "a host name").optional(),
    }, "the services' hosts").default({}),
    dns: strict({
        backend: oneOf(["cloudflare", "zonefile", "bind"]).default("zonefile"),
        zoneId: text(grammar.cloudflareZoneId, "a Cloudflare zone id").optional(),
        nameServers: list(nameServer, "name servers", "[{ name: ns1.falcot.com, ipv4: [198.51.100.19] }]").optional(),
        /** BIND: the secondaries that may transfer the zone (TSIG-signed with dnsTransferKey) and are notified. */
        secondaries: list(text((v) => grammar.address(typeof v === "string" && v.includes(":") ? 6 : 4)(v), "an address"), "addresses", "[198.51.100.53]").default([]),
    }, "the DNS settings").default({ backend: "zonefile", secondaries: [] }),
    users: map(grammar.userName, "user name", user, "the users").default({}),
    generatePasswords: bool().default(false),
    /** Kamailio: requests one address may send in 2 s before a 5-minute ban (SipProxy floodLimit); 0 turns it off. */
    sip: strict({
        floodLimit: wholeNumber(0, "a number of requests").max(100000, { error: `is more than 100000${SEP}give a number of requests per 2 s, such as 16, or 0 for no flood protection` }).default(sipDefaults.floodLimit),
    }, "the SIP settings").default({ floodLimit: sipDefaults.floodLimit }),
    /** SIP over secure WebSocket for browsers (Kamailio, port 8443; 443 in port443). */
    sipWebSocket: bool().default(false),
    /** The click-to-call page (nginx): guests call these users from a browser. Turns sipWebSocket on. */
    clickToCall: strict({
        enabled: bool().default(false),
        destinations: list(text(grammar.userName, "a user name"), "user names", "[sales]").default([]),
        credentialLifetime: wholeNumber(60, "a number of seconds").max(86400, { error: `is more than a day${SEP}give seconds between 60 and 86400, such as 1800` }).default(clickToCallDefaults.credentialLifetime),
    }, "the click-to-call settings").default({ enabled: false, destinations: [], credentialLifetime: clickToCallDefaults.credentialLifetime }),
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
    if (c.dns.backend === "cloudflare" && c.dns.zoneId === undefined) fail(["dns", "zoneId"], "is missing", "give the zone id from Cloudflare's dashboard (32 hex digits)");
    if (c.dns.backend !== "cloudflare" && c.dns.zoneId !== undefined) fail(["dns", "zoneId"], `is set for the ${c.dns.backend} backend`, "remove it, or use backend: cloudflare");
    if (c.dns.backend === "bind" && c.services.dns === undefined) fail(["services", "dns"], "is missing", "name the host that runs BIND, e.g. services.dns: server1");
    if (c.dns.backend !== "bind" && c.dns.secondaries.length) fail(["dns", "secondaries"], `is set for the ${c.dns.backend} backend`, "remove it, or use backend: bind");
    c.dns.secondaries.forEach((a, i) => { if (c.dns.secondaries.indexOf(a) !== i) fail(["dns", "secondaries", i], `repeats ${a}`, "list each secondary once"); });
    if (c.dnsTransferKey !== undefined && !c.dns.secondaries.length) fail(["dnsTransferKey"], "is set, but dns.secondaries is empty", "remove it, or list the secondaries in dns.secondaries");
    for (const [name, u] of Object.entries(c.users)) {
        if (u.xmppAdmin && !u.services.includes("xmpp")) fail(["users", name, "xmppAdmin"], "is true for a user without the xmpp service", "add xmpp to the user's services");
        u.services.forEach((s, i) => { if (u.services.indexOf(s) !== i) fail(["users", name, "services", i], `repeats ${s}`, "list each service once"); });
    }
    if (c.clickToCall.enabled && c.clickToCall.destinations.length === 0) fail(["clickToCall", "destinations"], "is empty", "list the users visitors may call, e.g. [sales]");
    const sipUsers = Object.entries(c.users).filter(([, u]) => u.services.includes("sip")).map(([name]) => name);
    c.clickToCall.destinations.forEach((d, i) => {
        if (!sipUsers.includes(d)) fail(["clickToCall", "destinations", i], `is ${grammar.show(d)}, not a user with the sip service`, `add users.${d} with services [sip] (it answers the calls), or use one of: ${sipUsers.join(", ") || "(none)"}`);
    });
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
    turnStaticAuthSecret: secretText((v) => sharedSecretProblem(v),
        "make one with `openssl rand -base64 32 | pulumi config set --secret turnStaticAuthSecret`").optional(),
    dnsTransferKey: secretText(transferKeyProblem, "make one with `tsig-keygen -a hmac-sha256` (its secret) or `openssl rand -base64 32`, and `pulumi config set --secret dnsTransferKey`").optional(),
    sshPrivateKey: secretText((v) => /^-----BEGIN (OPENSSH|EC|RSA) PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1 PRIVATE KEY-----\s*$/.test(v) ? undefined : "is not an unencrypted private key in PEM or OpenSSH form",
        "set it from the key file: pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519").optional(),
});

type Parsed = z.output<typeof plainSchema>;
/** A host's config: its provider, and the settings that provider's schema checked. */
export interface HostConfig {
    readonly provider: HostProviderName;
    /** The host's fully qualified name: its `fqdn`, else `<name>.<domain>`. */
    readonly fqdn: string;
    /** The stack keeps an nftables firewall (HostFirewall) on the host. Default true. */
    readonly firewall: boolean;
    readonly settings: unknown;
}
export interface FalcotConfig extends Omit<Parsed, "hosts" | "services" | typeof secretKeys[number]> {
    readonly hosts: Readonly<Record<string, HostConfig>>;
    /** TURN hands out time-limited credentials: turnStaticAuthSecret is set, or the click-to-call page is on. */
    readonly turnRestCredentials: boolean;
    readonly services: Readonly<Record<ServiceKind, string>> & { readonly dns?: string };
}

/** Reads and checks the plain part of the configuration. `raw` maps key (without the project prefix) to its parsed value. */
export function parseFalcotConfig(raw: Readonly<Record<string, unknown>>): FalcotConfig {
    const parsed = plainSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) throw configError(parsed.error.issues, false);
    const c = parsed.data;
    const firstHost = Object.keys(c.hosts)[0];
    const hosts = Object.fromEntries(Object.entries(c.hosts).map(([name, h]) => {
        const fqdn = (h.settings as { fqdn?: string }).fqdn ?? `${name}.${c.domain}`;
        return [name, { provider: h.provider, fqdn, firewall: h.firewall, settings: h.settings }];
    }));
    return {
        domain: c.domain, layout: c.layout, dns: c.dns, users: c.users, generatePasswords: c.generatePasswords, certificates: c.certificates, hosts,
        sip: c.sip, sipWebSocket: c.sipWebSocket || c.clickToCall.enabled, clickToCall: c.clickToCall,
        turnRestCredentials: c.clickToCall.enabled || c.turnStaticAuthSecret !== undefined,
        services: { ...Object.fromEntries(serviceKinds.map((k) => [k, c.services[k] ?? firstHost])) as Record<ServiceKind, string>, dns: c.services.dns },
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
