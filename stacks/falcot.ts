import { createHmac } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { local } from "@pulumi/command";
import { RtcCertificates } from "../components/certs/rtcCertificates";
import { PortRule, dnsPorts, mergePorts } from "../components/common/ports";
import { RtcDnsZone } from "../components/dns/rtcDnsZone";
import { HostFirewall } from "../components/firewall/hostFirewall";
import { openedPorts } from "../components/firewall/render";
import { RtcHost } from "../components/host/rtcHost";
import { LayoutPlan, ServiceKind, addressesNeeded, planLayout, serviceKinds } from "../components/layout";
import { FalcotConfig, UserService } from "./config";
import { hostProviders } from "./hosts";
import { MadeHost } from "./hosts/provider";
import { services } from "./services";
import { ServiceComponent } from "./services/service";

export interface FalcotSecrets {
    /** SSH private key that logs in as root on `existing` hosts. */
    readonly sshPrivateKey?: pulumi.Output<string>;
    /** Password of each user, by user name. */
    readonly passwords: pulumi.Output<Record<string, string>>;
    /** Shared secret of the TURN REST API; none when undefined. */
    readonly turnStaticAuthSecret?: pulumi.Output<string>;
    /** Shared secret of the SIP proxy's guests (click-to-call); made by the stack. */
    readonly sipGuestSecret?: pulumi.Output<string>;
    /** TSIG secret the DNS secondaries sign zone transfers with; made by the stack when secondaries are listed. */
    readonly dnsTransferKey?: pulumi.Output<string>;
}

export interface FalcotStack {
    readonly hosts: Record<string, RtcHost>;
    /** The firewall of each host that did not opt out (`hosts.NAME.firewall: false`). */
    readonly firewalls: Record<string, HostFirewall>;
    /** The ports each host opens, SSH included, by host name; a host without a firewall lists what its services need. */
    readonly exposure: Record<string, PortRule[]>;
    /** How to log in to the hosts whose keys the stack made, by host name. */
    readonly ssh: Record<string, NonNullable<MadeHost["ssh"]>>;
    readonly certificates: RtcCertificates;
    /** The service components the config turns on, by kind. */
    readonly services: Partial<Record<ServiceKind, ServiceComponent>>;
    /** What each service exports, by kind. */
    readonly endpoints: Partial<Record<ServiceKind, pulumi.Input<Record<string, unknown>>>>;
    readonly zone: RtcDnsZone;
    /** Each user's password, by name (secret). */
    readonly passwords: pulumi.Output<Record<string, string>>;
    /** The TSIG secret of the zone's transfers to its secondaries (secret), when there are secondaries. */
    readonly dnsTransferKey?: pulumi.Output<string>;
}

/**
 * Falcot Corp's TURN, SIP and XMPP services, their certificates and DNS, composed from the library. Hosts come
 * from the host-provider table, services from the service table: this function names neither a provider nor a
 * service.
 */
export function falcotStack(config: FalcotConfig, secrets: FalcotSecrets): FalcotStack {
    const { domain, layout } = config;

    // Plan each host's addresses before any host exists: a cloud host is made with as many as its services need.
    const kinds = serviceKinds.filter((k) => services[k].enabled?.(config) ?? true);
    const placedOn = (name: string) => kinds.filter((k) => config.services[k] === name);
    const plans: Record<string, LayoutPlan> = {};
    const needs: Record<string, { ipv4: number; ports: PortRule[] }> = {};
    for (const [name, h] of Object.entries(config.hosts)) {
        const kinds = placedOn(name);
        const count = hostProviders[h.provider].ipv4Count(h.settings, addressesNeeded(layout, kinds));
        plans[name] = planLayout(layout, count, kinds, { component: "Falcot stack config", field: `hosts.${name}.ipv4`,
            fix: `add addresses to hosts.${name}.ipv4, move a service to another host (services.*), or use layout standard` });
        needs[name] = {
            ipv4: count,
            ports: mergePorts([...kinds.flatMap((k) => services[k].ports(plans[name], config)), ...(config.services.dns === name && config.dns.backend === "bind" ? dnsPorts : [])]),
        };
    }

    const hosts: Record<string, RtcHost> = {};
    const ssh: FalcotStack["ssh"] = {};
    for (const [index, [name, h]] of Object.entries(config.hosts).entries()) {
        const made = hostProviders[h.provider].make(h.settings, { name, index, domain, fqdn: h.fqdn, needs: needs[name], secrets });
        hosts[name] = made.host;
        if (made.ssh) ssh[name] = made.ssh;
    }
    const firewalls: Record<string, HostFirewall> = {};
    const exposure: Record<string, PortRule[]> = {};
    for (const [name, h] of Object.entries(config.hosts)) {
        if (h.firewall) firewalls[name] = new HostFirewall(`${name}-firewall`, { host: hosts[name], ports: needs[name].ports });
        exposure[name] = firewalls[name]?.ports ?? openedPorts(needs[name].ports);
    }

    // Passwords: from secret config, or, for throw-away environments, derived from one key made here, so that
    // users add no resource (a password set in config wins over a derived one, so one can be changed alone).
    const passwords = config.generatePasswords
        ? pulumi.secret(pulumi.all([secrets.passwords, generatedPassword("key", 32)]).apply(([given, key]) => ({
            ...Object.fromEntries(Object.keys(config.users).map((u) => [u, derivedPassword(key, u)])),
            ...Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => !!v)),
        })))
        : secrets.passwords;
    const usersOf = (service: UserService) => Object.entries(config.users)
        .filter(([, u]) => u.services.includes(service))
        .map(([name]) => ({ name, password: pulumi.secret(passwords.apply((p) => p[name])) }));

    const certificates = new RtcCertificates("falcot", {
        certificates: Object.fromEntries(kinds.map((k) => [k, services[k].certificateNames(domain)])),
        issuer: { kind: "internal", commonName: "Falcot Corp internal CA", organization: "Falcot Corp" },
        ...config.certificates,
    });

    // Shared secrets of what config turned on, made here when not given (kept in state as secrets).
    const allSecrets: FalcotSecrets = {
        ...secrets,
        turnStaticAuthSecret: secrets.turnStaticAuthSecret ?? (config.turnRestCredentials ? generatedPassword("turn-rest-secret", 32) : undefined),
        sipGuestSecret: secrets.sipGuestSecret ?? (config.clickToCall.enabled ? generatedPassword("sip-guest-secret", 32) : undefined),
        // 44 letters and digits are valid base64 (33 bytes), as TSIG wants.
        dnsTransferKey: secrets.dnsTransferKey ?? (config.dns.secondaries.length ? generatedPassword("dns-transfer-key", 44) : undefined),
    };
    const made: Partial<Record<ServiceKind, ServiceComponent>> = {};
    for (const k of kinds) {
        const hostName = config.services[k];
        made[k] = services[k].make({ host: hosts[hostName], config, plan: plans[hostName], certificate: certificates.certificates[k], usersOf, secrets: allSecrets, made });
    }
    const endpoints = Object.fromEntries(kinds.map((k) => [k, services[k].endpoint(made[k]!)]));

    const dnsHost = config.services.dns ? hosts[config.services.dns] : undefined;
    const nsHost = dnsHost ?? hosts[Object.keys(hosts)[0]];
    const zone = new RtcDnsZone("falcot", {
        domain,
        records: [...Object.values(hosts).flatMap((h) => h.dnsRecords), ...kinds.flatMap((k) => made[k]!.dnsRecords)],
        backend: config.dns.backend === "cloudflare"
            ? { kind: "cloudflare", zoneId: config.dns.zoneId! }
            : config.dns.backend === "bind"
                ? { kind: "bind", host: dnsHost!, secondaries: config.dns.secondaries, transferKey: allSecrets.dnsTransferKey }
                : { kind: "zonefile" },
        nameServers: config.dns.nameServers ?? [{ name: `ns1.${domain}`, ipv4: nsHost.nameAddresses.ipv4.slice(0, 1), ipv6: nsHost.nameAddresses.ipv6.slice(0, 1) }],
    });
    return { hosts, firewalls, exposure, ssh, certificates, services: made, endpoints, zone, passwords, dnsTransferKey: allSecrets.dnsTransferKey };
}

/** A user's password from the generated key: 24 letters and digits of HMAC-SHA256(key, user). */
export function derivedPassword(key: string, user: string): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const digest = createHmac("sha256", key).update(`pulumi-rtc user password: ${user}`).digest();
    return [...digest.subarray(0, 24)].map((b) => alphabet[b % alphabet.length]).join("");
}

/** A random password made on this machine once, kept in state as a secret. */
function generatedPassword(user: string, length = 24): pulumi.Output<string> {
    const made = new local.Command(`password-${user}`, {
        create: `tr -dc 'A-Za-z0-9' < /dev/urandom | head -c ${length}`,
        // The official provider streams output lines to the engine's log unless told not to.
        logging: "none",
    }, { additionalSecretOutputs: ["stdout"] });
    return pulumi.secret(made.stdout);
}
