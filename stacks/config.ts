import * as net from "net";
import { Checker, isDomainName, show } from "../components/common/validation";
import { certificateDefaults } from "../components/certs/rtcCertificates";
import { hostKeyFix, pinnableHostKey } from "../components/host/rtcHost";
import { Layout, layouts } from "../components/layout";

// The Falcot stack's configuration: one place lists every key, its default and its check.

export const serviceNames = ["turn", "turnAdmin", "sip", "xmpp"] as const;
export type UserService = typeof serviceNames[number];

export interface HostConfig {
    /** `existing`: a reachable Debian server; `local`: a Debian container on this machine. (Cloud VMs come later.) */
    readonly provider: "existing" | "local";
    /** Default `<name>.<domain>`. */
    readonly fqdn: string;
    readonly ssh: { readonly address: string; readonly port: number; readonly user: string; readonly hostKey?: string };
    readonly ipv4: readonly (string | { public: string; private?: string })[];
    readonly ipv6: readonly (string | { public: string; private?: string })[];
}

export interface UserConfig {
    readonly services: readonly UserService[];
    /** Administers the XMPP server. */
    readonly xmppAdmin: boolean;
}

export interface FalcotConfig {
    readonly domain: string;
    readonly layout: Layout;
    readonly hosts: Readonly<Record<string, HostConfig>>;
    readonly services: { readonly turn: string; readonly sip: string; readonly xmpp: string; readonly dns?: string };
    readonly dns:
        | { readonly backend: "cloudflare"; readonly zoneId: string; readonly nameServers?: { name: string; ipv4?: string[]; ipv6?: string[] }[] }
        | { readonly backend: "zonefile" | "bind"; readonly nameServers?: { name: string; ipv4?: string[]; ipv6?: string[] }[] };
    readonly users: Readonly<Record<string, UserConfig>>;
    /** Make each user's password here (kept in state, as secrets) instead of reading `passwords`. */
    readonly generatePasswords: boolean;
    /** Validity of the services' certificates, and how long before their end they are renewed by `pulumi up`. */
    readonly certificates: { readonly validityHours: number; readonly earlyRenewalHours: number };
}

/** Secret keys: their values are read with getSecret, never logged. */
export const secretKeys = ["sshPrivateKey", "passwords", "turnStaticAuthSecret"] as const;
export const plainKeys = ["domain", "layout", "hosts", "services", "dns", "users", "generatePasswords", "certificates"] as const;

type Raw = Record<string, unknown>;

function obj(v: unknown): Raw | undefined {
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Raw) : undefined;
}

/** Reads and checks the plain part of the configuration. `raw` maps key (without the project prefix) to its parsed value. */
export function parseFalcotConfig(raw: Readonly<Record<string, unknown>>): FalcotConfig {
    const c = new Checker("Falcot stack config");
    for (const key of Object.keys(raw)) {
        if (![...plainKeys, ...secretKeys].includes(key as never)) {
            c.unknownKeys("", { [key]: true }, [...plainKeys, ...secretKeys]);
        }
    }
    const domain = (raw.domain as string | undefined) ?? "falcot.com";
    c.domain("domain", domain);
    const layout = (raw.layout as Layout | undefined) ?? "standard";
    c.check(layouts.includes(layout), "layout", `is ${show(layout)}`, `use one of: ${layouts.join(", ")}`);

    const hosts: Record<string, HostConfig> = {};
    const rawHosts = obj(raw.hosts) ?? {};
    c.check(Object.keys(rawHosts).length > 0, "hosts", "is empty", "describe at least one host, e.g. hosts.server1.ipv4");
    for (const [name, value] of Object.entries(rawHosts)) {
        const h = obj(value) ?? {};
        const f = `hosts.${name}`;
        c.unknownKeys(f, h, ["provider", "fqdn", "ssh", "ipv4", "ipv6"]);
        const provider = (h.provider as "existing" | "local" | undefined) ?? "existing";
        c.check(provider === "existing" || provider === "local", `${f}.provider`, `is ${show(provider)}`, "use \"existing\" (a reachable Debian server) or \"local\" (a container on this machine)");
        const fqdn = (h.fqdn as string | undefined) ?? `${name}.${domain}`;
        c.domain(`${f}.fqdn`, fqdn);
        const ipv4 = (h.ipv4 as HostConfig["ipv4"] | undefined) ?? [];
        const ipv6 = (h.ipv6 as HostConfig["ipv6"] | undefined) ?? [];
        c.check(Array.isArray(ipv4) && ipv4.length > 0, `${f}.ipv4`, "is empty", "list the host's public IPv4 addresses");
        const ssh = obj(h.ssh) ?? {};
        c.unknownKeys(`${f}.ssh`, ssh, ["address", "port", "user", "hostKey"]);
        const first = Array.isArray(ipv4) && ipv4.length ? (typeof ipv4[0] === "string" ? ipv4[0] : ipv4[0].public) : "";
        const address = (ssh.address as string | undefined) ?? first;
        c.check(typeof address === "string" && (net.isIP(address) > 0 || isDomainName(address)), `${f}.ssh.address`, `is ${show(address)}`, "give an address or name that reaches the host's SSH server");
        const port = (ssh.port as number | undefined) ?? 22;
        c.port(`${f}.ssh.port`, port);
        const hostKey = ssh.hostKey as string | undefined;
        c.check(hostKey === undefined || pinnableHostKey.test(hostKey), `${f}.ssh.hostKey`, `is ${show(hostKey)}`, hostKeyFix);
        if (provider === "local") c.check(h.ssh === undefined, `${f}.ssh`, "is set for a local host", "remove it: a local host makes its own keys");
        hosts[name] = { provider, fqdn, ssh: { address, port, user: (ssh.user as string | undefined) ?? "root", hostKey }, ipv4, ipv6 };
    }

    const firstHost = Object.keys(hosts)[0];
    const rawServices = obj(raw.services) ?? {};
    c.unknownKeys("services", rawServices, ["turn", "sip", "xmpp", "dns"]);
    const services = {
        turn: (rawServices.turn as string | undefined) ?? firstHost,
        sip: (rawServices.sip as string | undefined) ?? firstHost,
        xmpp: (rawServices.xmpp as string | undefined) ?? firstHost,
        dns: rawServices.dns as string | undefined,
    };
    for (const [svc, hostName] of Object.entries(services)) {
        if (hostName === undefined && svc === "dns") continue;
        c.check(typeof hostName === "string" && hostName in hosts, `services.${svc}`, `is ${show(hostName)}, not one of the hosts`, `use one of: ${Object.keys(hosts).join(", ")}`);
    }

    const rawDns = obj(raw.dns) ?? {};
    const backend = (rawDns.backend as string | undefined) ?? "zonefile";
    c.check(["cloudflare", "zonefile", "bind"].includes(backend), "dns.backend", `is ${show(backend)}`, "use cloudflare, zonefile or bind");
    c.unknownKeys("dns", rawDns, backend === "cloudflare" ? ["backend", "zoneId", "nameServers"] : ["backend", "nameServers"]);
    if (backend === "cloudflare") c.check(typeof rawDns.zoneId === "string" && /^[0-9a-f]{32}$/.test(rawDns.zoneId), "dns.zoneId", `is ${show(rawDns.zoneId)}`, "give the zone id from Cloudflare's dashboard (32 hex digits)");
    if (backend === "bind") c.check(services.dns !== undefined, "services.dns", "is missing", "name the host that runs BIND, e.g. services.dns: server1");
    const dns = { ...rawDns, backend } as FalcotConfig["dns"];

    const users: Record<string, UserConfig> = {};
    for (const [name, value] of Object.entries(obj(raw.users) ?? {})) {
        const u = obj(value) ?? {};
        c.unknownKeys(`users.${name}`, u, ["services", "xmppAdmin"]);
        c.identifier(`users.${name}`, name);
        const list = (u.services as UserService[] | undefined) ?? [];
        c.check(Array.isArray(list) && list.length > 0, `users.${name}.services`, "is empty", `list what the user may use: ${serviceNames.join(", ")}`);
        (Array.isArray(list) ? list : []).forEach((s, i) => c.check(serviceNames.includes(s), `users.${name}.services[${i}]`, `is ${show(s)}`, `use one of: ${serviceNames.join(", ")}`));
        const xmppAdmin = (u.xmppAdmin as boolean | undefined) ?? false;
        c.check(!xmppAdmin || list.includes("xmpp"), `users.${name}.xmppAdmin`, "is true for a user without the xmpp service", "add xmpp to the user's services");
        users[name] = { services: list, xmppAdmin };
    }
    const generatePasswords = (raw.generatePasswords as boolean | undefined) ?? false;
    c.check(typeof generatePasswords === "boolean", "generatePasswords", `is ${show(generatePasswords)}`, "use true or false");
    const rawCerts = obj(raw.certificates) ?? {};
    c.unknownKeys("certificates", rawCerts, ["validityHours", "earlyRenewalHours"]);
    const certificates = {
        validityHours: (rawCerts.validityHours as number | undefined) ?? certificateDefaults.validityHours,
        earlyRenewalHours: (rawCerts.earlyRenewalHours as number | undefined) ?? certificateDefaults.earlyRenewalHours,
    };
    c.done();
    return { domain, layout, hosts, services, dns, users, generatePasswords, certificates };
}
