import * as pulumi from "@pulumi/pulumi";
import { RtcCertificates } from "../components/certs/rtcCertificates";
import { addressRecords, DnsRecord } from "../components/dns/records";
import { RtcDnsZone } from "../components/dns/rtcDnsZone";
import { RtcHost } from "../components/host/rtcHost";
import { planLayout, ServiceKind } from "../components/layout";
import { SipProxy } from "../components/sip/sipProxy";
import { TurnServer } from "../components/turn/turnServer";
import { RtcConfigError } from "../components/common/validation";
import { XmppServer } from "../components/xmpp/xmppServer";
import { FalcotConfig, HostConfig, UserService } from "./config";
import { LocalHost } from "../components/hosts/localHost";
import { local } from "@pulumi/command";

export interface FalcotSecrets {
    /** SSH private key that logs in as root on `existing` hosts. */
    readonly sshPrivateKey?: pulumi.Output<string>;
    /** Password of each user, by user name. */
    readonly passwords: pulumi.Output<Record<string, string>>;
    /** Shared secret of the TURN REST API; none when undefined. */
    readonly turnStaticAuthSecret?: pulumi.Output<string>;
}

export interface FalcotStack {
    readonly hosts: Record<string, RtcHost>;
    readonly certificates: RtcCertificates;
    readonly turn: TurnServer;
    readonly sip: SipProxy;
    readonly xmpp: XmppServer;
    readonly zone: RtcDnsZone;
    /** The `local` hosts, by name. */
    readonly localHosts: Record<string, LocalHost>;
    /** Each user's password, by name (secret). */
    readonly passwords: pulumi.Output<Record<string, string>>;
}

/** Falcot Corp's TURN, SIP and XMPP services, their certificates and DNS, composed from the library. */
export function falcotStack(config: FalcotConfig, secrets: FalcotSecrets): FalcotStack {
    const { domain, layout } = config;
    const hosts: Record<string, RtcHost> = {};
    const localHosts: Record<string, LocalHost> = {};
    for (const [index, [name, h]] of Object.entries(config.hosts).entries()) {
        if (h.provider === "local") {
            const addresses = (list: HostConfig["ipv4"]) => list.map((a) => (typeof a === "string" ? a : a.public));
            localHosts[name] = new LocalHost(name, { fqdn: h.fqdn, ipv4: addresses(h.ipv4), ipv6: addresses(h.ipv6), envName: `${pulumi.getStack().toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 8) || "rtc"}${index}` });
            hosts[name] = localHosts[name].host;
            continue;
        }
        if (!secrets.sshPrivateKey) {
            throw new RtcConfigError("Falcot stack config", "sshPrivateKey", `is missing, and host ${name} is reached over SSH`, "run: pulumi config set --secret sshPrivateKey < KEYFILE");
        }
        hosts[name] = new RtcHost(name, {
            fqdn: h.fqdn,
            ipv4: h.ipv4,
            ipv6: h.ipv6,
            connection: {
                host: h.ssh.address,
                port: h.ssh.port,
                user: h.ssh.user,
                privateKey: secrets.sshPrivateKey,
                hostKey: h.ssh.hostKey,
            },
        });
    }

    // Passwords: from secret config, or made here for throw-away environments
    // (a password set in config wins over a generated one, so one user's password can be changed alone)
    const passwords = config.generatePasswords
        ? pulumi.secret(pulumi.all([secrets.passwords, pulumi.all(Object.fromEntries(Object.keys(config.users).map((u) => [u, generatedPassword(u)])))])
            .apply(([given, made]) => ({ ...(made as Record<string, string>), ...Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => !!v)) })))
        : secrets.passwords;

    // Addresses per layout, host by host
    const placed = (kind: ServiceKind) => config.services[kind];
    const plans = Object.fromEntries(Object.keys(hosts).map((name) => {
        const kinds = (["turn", "sip", "xmpp"] as ServiceKind[]).filter((k) => placed(k) === name);
        const plan = planLayout(layout, hosts[name].ipv4.map((a) => a.public), kinds, { component: "Falcot stack config", field: `hosts.${name}.ipv4`,
            fix: `add addresses to hosts.${name}.ipv4, move a service to another host (services.*), or use layout standard` });
        return [name, plan];
    }));

    const certificates = new RtcCertificates("falcot", {
        certificates: {
            turn: [`turn-server.${domain}`],
            sip: [`sip-proxy.${domain}`, `sip.${domain}`],
            xmpp: [domain, `conference.${domain}`],
        },
        issuer: { kind: "internal", commonName: "Falcot Corp internal CA", organization: "Falcot Corp" },
        ...config.certificates,
    });

    const usersOf = (service: UserService) => Object.entries(config.users)
        .filter(([, u]) => u.services.includes(service))
        .map(([name]) => ({ name, password: passwordOf(passwords, name) }));

    const turnPlan = plans[config.services.turn].turn!;
    const turn = new TurnServer("turn", {
        host: hosts[config.services.turn],
        domain,
        ipv4: turnPlan.ipv4,
        tlsPort: turnPlan.tlsPort,
        certificate: certificates.certificates.turn,
        users: usersOf("turn"),
        adminUsers: usersOf("turnAdmin"),
        staticAuthSecret: secrets.turnStaticAuthSecret,
    });

    const sipPlan = plans[config.services.sip].sip!;
    const sip = new SipProxy("sip", {
        host: hosts[config.services.sip],
        domain,
        ipv4: sipPlan.ipv4,
        tls443Address: sipPlan.tls443Address,
        certificate: certificates.certificates.sip,
        users: usersOf("sip"),
    });

    const xmppPlan = plans[config.services.xmpp].xmpp!;
    const xmpp = new XmppServer("xmpp", {
        host: hosts[config.services.xmpp],
        domains: [domain],
        ipv4: xmppPlan.ipv4,
        directTls443Address: xmppPlan.directTls443Address,
        certificate: certificates.certificates.xmpp,
        admins: Object.entries(config.users).filter(([, u]) => u.xmppAdmin).map(([name]) => `${name}@${domain}`),
        users: usersOf("xmpp").map((u) => ({ jid: `${u.name}@${domain}`, password: u.password })),
    });

    const dnsHost = config.services.dns ? hosts[config.services.dns] : undefined;
    const nsHost = dnsHost ?? hosts[Object.keys(hosts)[0]];
    const hostRecords: DnsRecord[] = Object.values(hosts).flatMap((h) => addressRecords(h.fqdn, h.ipv4.map((a) => a.public), h.ipv6.map((a) => a.public)));
    const zone = new RtcDnsZone("falcot", {
        domain,
        records: [...hostRecords, ...turn.dnsRecords, ...sip.dnsRecords, ...xmpp.dnsRecords],
        backend: config.dns.backend === "cloudflare"
            ? { kind: "cloudflare", zoneId: config.dns.zoneId! }
            : config.dns.backend === "bind" ? { kind: "bind", host: dnsHost! } : { kind: "zonefile" },
        nameServers: config.dns.nameServers ?? [{ name: `ns1.${domain}`, ipv4: [nsHost.ipv4[0].public], ipv6: nsHost.ipv6.slice(0, 1).map((a) => a.public) }],
    });
    return { hosts, localHosts, certificates, turn, sip, xmpp, zone, passwords };
}

/** A user's password; checkFalcotSecrets has made sure every user has one, given or generated. */
function passwordOf(passwords: pulumi.Output<Record<string, string>>, name: string): pulumi.Output<string> {
    return pulumi.secret(passwords.apply((p) => p[name]));
}

/** A random password made on this machine once, kept in state as a secret. */
function generatedPassword(user: string): pulumi.Output<string> {
    const made = new local.Command(`password-${user}`, {
        create: "tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 24",
        // The official provider streams output lines to the engine's log unless told not to.
        logging: "none",
    }, { additionalSecretOutputs: ["stdout"] });
    return pulumi.secret(made.stdout);
}
