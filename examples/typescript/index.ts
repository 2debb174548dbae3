// Falcot's TURN, SIP and XMPP services and click-to-call page on one Debian server, with one CA's
// certificates and a BIND zone. Config (secrets with `pulumi config set --secret`): sshPrivateKey,
// rolandPassword, adminPassword, joePassword, turnSecret and guestSecret (`openssl rand -base64 32`).
// Pin the server's own host key in place of the one below.
import * as pulumi from "@pulumi/pulumi";
import { ClickToCall, RtcCertificates, RtcDnsZone, RtcHost, SipProxy, TurnServer, XmppServer, addressRecords } from "pulumi-rtc";

const cfg = new pulumi.Config();

const host = new RtcHost("server1", {
    fqdn: "server1.falcot.com",
    ipv4: ["198.51.100.19", "198.51.100.20"],
    ipv6: ["2001:db8:1000:2000::19"],
    connection: {
        host: "198.51.100.19",
        user: "root",
        privateKey: cfg.requireSecret("sshPrivateKey"),
        hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMIRNQVkSFSnzUJbfBqupWB71rjO2z/fMQiZvQ1ccYjw",
    },
});

const certs = new RtcCertificates("falcot", {
    certificates: {
        turn: ["turn-server.falcot.com"],
        sip: ["sip-proxy.falcot.com", "sip.falcot.com"],
        xmpp: ["falcot.com", "conference.falcot.com"],
        web: ["call.falcot.com"],
    },
});

const turn = new TurnServer("turn", {
    host,
    certificate: certs.certificates.turn,
    users: [{ name: "roland", password: cfg.requireSecret("rolandPassword") }],
    adminUsers: [{ name: "admin", password: cfg.requireSecret("adminPassword") }],
    staticAuthSecret: cfg.requireSecret("turnSecret"),
});

const sip = new SipProxy("sip", {
    host,
    certificate: certs.certificates.sip,
    users: [{ name: "roland", password: cfg.requireSecret("rolandPassword") }],
    webSocket: {},
    guests: { secret: cfg.requireSecret("guestSecret"), destinations: ["roland"] },
});

const xmpp = new XmppServer("xmpp", {
    host,
    certificate: certs.certificates.xmpp,
    admins: ["joe@falcot.com"],
    users: [{ jid: "joe@falcot.com", password: cfg.requireSecret("joePassword") }],
});

const page = new ClickToCall("call", {
    host,
    sip,
    turn,
    turnSecret: cfg.requireSecret("turnSecret"),
    guestSecret: cfg.requireSecret("guestSecret"),
    certificate: certs.certificates.web,
});

const zone = new RtcDnsZone("falcot", {
    domain: "falcot.com",
    records: [
        ...addressRecords(host.fqdn, host.ipv4.map((a) => a.public), host.ipv6.map((a) => a.public)),
        ...turn.dnsRecords, ...sip.dnsRecords, ...xmpp.dnsRecords, ...page.dnsRecords,
    ],
    backend: { kind: "bind", host },
    nameServers: [{ name: "ns1.falcot.com", ipv4: ["198.51.100.19"] }],
});

export const caCertPem = certs.caCertPem;
export const zoneText = zone.zoneText;
export const clickToCallUrl = page.url;
