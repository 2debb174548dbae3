import * as pulumi from "@pulumi/pulumi";
import { RtcCertificates } from "../../components/certs/rtcCertificates";
import { RtcDnsZone } from "../../components/dns/rtcDnsZone";
import { HostFirewall } from "../../components/firewall/hostFirewall";
import { RtcHost } from "../../components/host/rtcHost";
import { LocalHost } from "../../components/hosts/localHost";
import { SipProxy } from "../../components/sip/sipProxy";
import { TurnServer } from "../../components/turn/turnServer";
import { ClickToCall, ClickToCallArgs } from "../../components/web/clickToCall";
import { XmppServer } from "../../components/xmpp/xmppServer";
import { checkFalcotSecrets, parseFalcotConfig } from "../../stacks/config";
import { seedHost, strongPassword } from "./helpers";

// The bad-input table: every class of wrong value, in the stack config and in component args, fails before
// anything is applied, with a message that names the key path, the bad value (never a secret's) and a fix,
// as a RunError (the engine prints it without a stack trace). Good values, tricky ones included, pass.

beforeAll(() => pulumi.runtime.setMocks({
    newResource: (a) => ({ id: `${a.name}-id`, state: { ...a.inputs, stdout: "rev" } }),
    call: (a) => a.inputs,
}, "test", "test", true));

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMIRNQVkSFSnzUJbfBqupWB71rjO2z/fMQiZvQ1ccYjw";
const sshKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n";
const base = () => ({
    hosts: { server1: { ipv4: ["198.51.100.19", "198.51.100.20"], ipv6: ["2001:db8:1000:2000::19"], ssh: { hostKey } } } as Record<string, unknown>,
    users: { roland: { services: ["turn", "sip"] }, joe: { services: ["xmpp"], xmppAdmin: true } } as Record<string, unknown>,
    dns: { backend: "zonefile" } as Record<string, unknown>,
} as Record<string, unknown>);
const baseSecrets = () => ({ passwords: { roland: "correct horse battery", joe: "joe's long password" }, sshPrivateKey: sshKey } as Record<string, unknown>);

/** Sets `value` at a `pulumi config set --path`-like path in a copy of `obj`. */
function at(obj: Record<string, unknown>, p: string, value: unknown): Record<string, unknown> {
    const copy = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
    const parts = p.split(".");
    let node = copy;
    for (const k of parts.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    if (value === undefined) delete node[parts[parts.length - 1]];
    else node[parts[parts.length - 1]] = value;
    return copy;
}

/** The error a stack config (and its secrets) fails with. */
function configFailure(raw: Record<string, unknown>, secrets = baseSecrets()): unknown {
    try {
        checkFalcotSecrets(parseFalcotConfig(raw), secrets);
    } catch (err) {
        return err;
    }
    return undefined;
}

function failure(make: () => unknown): unknown {
    try {
        make();
    } catch (err) {
        return err;
    }
    return undefined;
}

function expectClean(err: unknown, where: string, shows: string | undefined, secret?: string): void {
    expect(err).toBeDefined();
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain(`${where} `);
    if (shows !== undefined) expect(message).toContain(shows);
    expect(message).toMatch(/Fix: \S/);
    for (const bad of ["undefined", "[object Object]", "\n    at "]) expect(message).not.toContain(bad);
    if (secret) expect(message).not.toContain(secret);
}

const cfg = (p: string, v: unknown) => at(base(), p, v);
const host = (p: string, v: unknown) => at(base(), `hosts.server1.${p}`, v);

describe("stack config: bad values fail with key path, value and fix", () => {
    it.each<[string, Record<string, unknown>, string, string]>([
        ["an unknown key", { ...base(), layuot: "port443" }, "layuot", "did you mean layout?"],
        ["a newline in the domain", cfg("domain", "falcot.com\nallow-loopback-peers"), "domain", "\"falcot.com\\nallow-loopback-peers\""],
        ["an upper-case domain", cfg("domain", "Falcot.COM"), "domain", "\"Falcot.COM\""],
        ["an IDN domain in Unicode", cfg("domain", "münchen.de"), "domain", "xn--mnchen-3ya.de"],
        ["a trailing dot", cfg("domain", "falcot.com."), "domain", "\"falcot.com.\""],
        ["a number for the domain", cfg("domain", 42), "domain", "42 (a number)"],
        ["a bad A-label", cfg("domain", "xn--zz.falcot.com"), "domain", "\"xn--zz.falcot.com\""],
        ["an unknown layout", cfg("layout", "443"), "layout", "\"443\""],
        ["hosts as a string", cfg("hosts", "server1"), "hosts", "\"server1\" (a string)"],
        ["no hosts", cfg("hosts", {}), "hosts", "is empty"],
        ["a host name with '_'", cfg("hosts", { server_1: { ipv4: ["198.51.100.19"] } }), "hosts.server_1", "not a valid host name"],
        ["an address list as a string", host("ipv4", "198.51.100.19"), "hosts.server1.ipv4", "\"198.51.100.19\" (a string)"],
        ["an unspecified address", host("ipv4", ["0.0.0.0"]), "hosts.server1.ipv4[0]", "unspecified"],
        ["a loopback address", host("ipv4", ["127.0.0.1"]), "hosts.server1.ipv4[0]", "loopback"],
        ["a multicast address", host("ipv4", ["224.0.0.1"]), "hosts.server1.ipv4[0]", "multicast"],
        ["the broadcast address", host("ipv4", ["255.255.255.255"]), "hosts.server1.ipv4[0]", "broadcast"],
        ["a link-local address", host("ipv4", ["198.51.100.19", "169.254.1.1"]), "hosts.server1.ipv4[1]", "link-local"],
        ["IPv6 where IPv4 belongs", host("ipv4", ["2001:db8::1"]), "hosts.server1.ipv4[0]", "move it to the ipv6 list"],
        ["IPv4 where IPv6 belongs", host("ipv6", ["198.51.100.19"]), "hosts.server1.ipv6[0]", "move it to the ipv4 list"],
        ["an IPv6 link-local address", host("ipv6", ["fe80::1"]), "hosts.server1.ipv6[0]", "link-local"],
        ["the IPv6 loopback", host("ipv6", ["::1"]), "hosts.server1.ipv6[0]", "loopback"],
        ["an IPv6 multicast address", host("ipv6", ["ff02::1"]), "hosts.server1.ipv6[0]", "multicast"],
        ["a repeated address", host("ipv4", ["198.51.100.19", "198.51.100.19"]), "hosts.server1.ipv4[1]", "repeats 198.51.100.19"],
        ["a misspelled key inside an address", host("ipv4", [{ public: "198.51.100.19", privat: "10.0.0.5" }]), "hosts.server1.ipv4[0].privat", "did you mean private?"],
        ["a bad private address", host("ipv4", [{ public: "198.51.100.19", private: "10.0.0.300" }]), "hosts.server1.ipv4[0].private", "\"10.0.0.300\""],
        ["a misspelled host key", host("ipv6s", []), "hosts.server1.ipv6s", "did you mean ipv6?"],
        ["a misspelled ssh key", host("ssh", { adress: "198.51.100.19" }), "hosts.server1.ssh.adress", "did you mean address?"],
        ["a port as a string", host("ssh", { port: "22" }), "hosts.server1.ssh.port", "\"22\" (a string)"],
        ["a port out of range", host("ssh", { port: 70000 }), "hosts.server1.ssh.port", "70000"],
        ["an RSA host key", host("ssh", { hostKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" }), "hosts.server1.ssh.hostKey", "RSA keys cannot be pinned"],
        ["two different ed25519 host keys", host("ssh", { hostKey: `${hostKey}\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE` }), "hosts.server1.ssh.hostKey", "ssh-ed25519"],
        ["a host key with text after its comment", host("ssh", { hostKey: `${hostKey} root@server1 allow-everything` }), "hosts.server1.ssh.hostKey", "not an ed25519 or ECDSA public host key"],
        ["a host key whose data is of another type", host("ssh", { hostKey: "ssh-ed25519 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=" }), "hosts.server1.ssh.hostKey", "not a ssh-ed25519 key"],
        ["a shell line as the SSH user", host("ssh", { user: "root; rm -rf /" }), "hosts.server1.ssh.user", "\"root; rm -rf /\""],
        ["an unspecified SSH address", host("ssh", { address: "0.0.0.0" }), "hosts.server1.ssh.address", "unspecified"],
        ["an unknown provider", host("provider", "digitalocean"), "hosts.server1.provider", "\"digitalocean\", not one of existing, local, hcloud, aws"],
        ["a misspelt provider", host("provider", "hcloude"), "hosts.server1.provider", "did you mean hcloud?"],
        ["a host's firewall as a word", host("firewall", "off"), "hosts.server1.firewall", "\"off\" (a string), not true or false"],
        ["SSH settings on a local host", { ...base(), hosts: { server1: { provider: "local", ipv4: ["198.51.100.19"], ssh: { hostKey } } } }, "hosts.server1.ssh", "is not a known setting"],
        ["addresses on a cloud host", { ...base(), hosts: { server1: { provider: "hcloud", ipv4: ["198.51.100.19"] } } }, "hosts.server1.ipv4", "is not a known setting"],
        ["a bad Hetzner location", { ...base(), hosts: { server1: { provider: "hcloud", location: "Falkenstein" } } }, "hosts.server1.location", "not a Hetzner location"],
        ["an EC2 host without a subnet", { ...base(), hosts: { server1: { provider: "aws" } } }, "hosts.server1.subnetId", "is missing"],
        ["a bad subnet id", { ...base(), hosts: { server1: { provider: "aws", subnetId: "subnet-1; rm -rf /" } } }, "hosts.server1.subnetId", "not a subnet id"],
        ["an SSH source that is not a block", { ...base(), hosts: { server1: { provider: "aws", subnetId: "subnet-0123456789abcdef0", sshSourceRanges: ["203.0.113.7/24"] } } }, "hosts.server1.sshSourceRanges[0]", "not a CIDR block"],
        ["a service on an unknown host", cfg("services", { sip: "server2" }), "services.sip", "\"server2\""],
        ["a service host as a number", cfg("services", { turn: 1 }), "services.turn", "1 (a number)"],
        ["an unknown DNS backend", cfg("dns", { backend: "route53" }), "dns.backend", "\"route53\""],
        ["a bad Cloudflare zone id", cfg("dns", { backend: "cloudflare", zoneId: "abc" }), "dns.zoneId", "\"abc\""],
        ["Cloudflare without a zone id", cfg("dns", { backend: "cloudflare" }), "dns.zoneId", "is missing"],
        ["a zone id for BIND", { ...cfg("dns", { backend: "bind", zoneId: "0123456789abcdef0123456789abcdef" }), services: { dns: "server1" } }, "dns.zoneId", "is set for the bind backend"],
        ["BIND without its host", cfg("dns", { backend: "bind" }), "services.dns", "is missing"],
        ["a secondary that is a name", { ...cfg("dns", { backend: "bind", secondaries: ["ns2.example.net"] }), services: { dns: "server1" } }, "dns.secondaries[0]", "\"ns2.example.net\""],
        ["a secondary on loopback", { ...cfg("dns", { backend: "bind", secondaries: ["::1"] }), services: { dns: "server1" } }, "dns.secondaries[0]", "loopback"],
        ["a secondary twice", { ...cfg("dns", { backend: "bind", secondaries: ["198.51.100.53", "198.51.100.53"] }), services: { dns: "server1" } }, "dns.secondaries[1]", "repeats 198.51.100.53"],
        ["secondaries on Cloudflare", cfg("dns", { backend: "cloudflare", zoneId: "0123456789abcdef0123456789abcdef", secondaries: ["198.51.100.53"] }), "dns.secondaries", "is set for the cloudflare backend"],
        ["a transfer key without secondaries", { ...cfg("dns", { backend: "bind" }), services: { dns: "server1" }, dnsTransferKey: true }, "dnsTransferKey", "dns.secondaries is empty"],
        ["a loopback name server", cfg("dns", { nameServers: [{ name: "ns1.falcot.com", ipv4: ["127.0.0.1"] }] }), "dns.nameServers[0].ipv4[0]", "loopback"],
        ["a record injected through a name server", cfg("dns", { nameServers: [{ name: "ns1.falcot.com\n@ IN NS evil.example.", ipv4: ["198.51.100.19"] }] }), "dns.nameServers[0].name", "evil.example."],
        ["an address injected through a name server", cfg("dns", { nameServers: [{ name: "ns1.falcot.com", ipv4: ["198.51.100.19\n@ IN NS evil.example."] }] }), "dns.nameServers[0].ipv4[0]", "evil.example."],
        ["name servers as a string", cfg("dns", { nameServers: "ns1.falcot.com" }), "dns.nameServers", "(a string)"],
        ["services as a string", at(base(), "users.roland.services", "turn"), "users.roland.services", "\"turn\" (a string)"],
        ["an unknown service", at(base(), "users.roland.services", ["irc"]), "users.roland.services[0]", "\"irc\""],
        ["a boolean written as a string", at(base(), "users.joe.xmppAdmin", "false"), "users.joe.xmppAdmin", "\"false\" (a string)"],
        ["an admin without XMPP", at(base(), "users.roland.xmppAdmin", true), "users.roland.xmppAdmin", "without the xmpp service"],
        ["a user name with a space", at(base(), "users", { "rol and": { services: ["sip"] } }), "users[\"rol and\"]", "not a valid user name"],
        ["a misspelled user key", at(base(), "users.roland.sevices", ["sip"]), "users.roland.sevices", "did you mean services?"],
        ["a list where a map belongs", cfg("users", ["roland"]), "users", "[\"roland\"] (a list)"],
        ["a misspelled name-server key", cfg("dns", { nameServers: [{ name: "ns1.falcot.com", ipv: ["198.51.100.19"] }] }), "dns.nameServers[0].ipv", "did you mean ipv4?"],
        ["certificates as a list", cfg("certificates", [24]), "certificates", "[24] (a list)"],
        ["generatePasswords as a word", cfg("generatePasswords", "yes"), "generatePasswords", "\"yes\" (a string)"],
        ["sipWebSocket as a word", cfg("sipWebSocket", "on"), "sipWebSocket", "\"on\" (a string)"],
        ["a flood limit as a word", cfg("sip", { floodLimit: "high" }), "sip.floodLimit", "\"high\" (a string)"],
        ["a flood limit past 100000", cfg("sip", { floodLimit: 1000000 }), "sip.floodLimit", "more than 100000"],
        ["click-to-call as a word", cfg("clickToCall", "on"), "clickToCall", "\"on\" (a string)"],
        ["click-to-call enabled as a word", cfg("clickToCall", { enabled: "yes", destinations: ["roland"] }), "clickToCall.enabled", "\"yes\" (a string)"],
        ["click-to-call on with no destinations", cfg("clickToCall", { enabled: true }), "clickToCall.destinations", "list the users visitors may call"],
        ["a click-to-call destination that is no SIP user", cfg("clickToCall", { enabled: true, destinations: ["joe"] }), "clickToCall.destinations[0]", "not a user with the sip service"],
        ["a click-to-call destination that is a pattern", cfg("clickToCall", { enabled: true, destinations: ["sales|.*"] }), "clickToCall.destinations[0]", "sales|.*"],
        ["credentials that live a week", cfg("clickToCall", { enabled: true, destinations: ["roland"], credentialLifetime: 604800 }), "clickToCall.credentialLifetime", "more than a day"],
        ["a misspelled click-to-call key", cfg("clickToCall", { enabled: true, destination: ["roland"] }), "clickToCall.destination", "did you mean destinations?"],
        ["zero hours of validity", cfg("certificates", { validityHours: 0 }), "certificates.validityHours", "is 0"],
        ["renewal after the end", cfg("certificates", { validityHours: 24, earlyRenewalHours: 24 }), "certificates.earlyRenewalHours", "is 24"],
        ["a misspelled certificate key", cfg("certificates", { validityHour: 24 }), "certificates.validityHour", "did you mean validityHours?"],
    ])("%s", (_what, raw, where, shows) => {
        expectClean(configFailure(raw), where, shows);
    });
});

describe("stack config: bad secrets fail where they arrive, never showing the value", () => {
    const secretCase = (p: string, v: unknown) => at(baseSecrets(), p, v);
    it.each<[string, Record<string, unknown>, string, string, string | undefined]>([
        ["a short password", secretCase("passwords.roland", "short-pw"), "passwords.roland", "is too short (8 characters)", "short-pw"],
        ["a password with a newline", secretCase("passwords.roland", "long enough password\nallow-loopback-peers"), "passwords.roland", "control character", "allow-loopback-peers"],
        ["a password for no user", secretCase("passwords.rolnad", "correct horse battery"), "passwords.rolnad", "users has no rolnad", "correct horse battery"],
        ["a missing password", secretCase("passwords.joe", undefined), "passwords.joe", "is missing", undefined],
        ["passwords as a string", secretCase("passwords", "correct horse battery"), "passwords", "not a map", "correct horse battery"],
        ["a short TURN secret", { ...baseSecrets(), turnStaticAuthSecret: "tooshort" }, "turnStaticAuthSecret", "is too short (8 characters)", "tooshort"],
        ["a TURN secret with spaces", { ...baseSecrets(), turnStaticAuthSecret: "a shared secret with spaces in it" }, "turnStaticAuthSecret", "holds characters", "with spaces"],
        ["a TURN secret with a newline", { ...baseSecrets(), turnStaticAuthSecret: "0123456789abcdef0123456789\nno-tlsv1_2" }, "turnStaticAuthSecret", "holds characters", "no-tlsv1_2"],
        ["an SSH key that is not one", { ...baseSecrets(), sshPrivateKey: "ssh-ed25519 AAAA-the-public-half" }, "sshPrivateKey", "not an unencrypted private key", "the-public-half"],
        ["a transfer key that is not base64", { ...baseSecrets(), dnsTransferKey: "not base64 at all!" }, "dnsTransferKey", "is not base64", "not base64 at all!"],
        ["a short transfer key", { ...baseSecrets(), dnsTransferKey: "c2hvcnQ=" }, "dnsTransferKey", "too short", "c2hvcnQ="],
    ])("%s", (_what, secrets, where, shows, secret) => {
        const err = configFailure(secrets.dnsTransferKey ? { ...cfg("dns", { backend: "bind", secondaries: ["198.51.100.53"] }), services: { dns: "server1" }, dnsTransferKey: true } : base(), secrets);
        expectClean(err, where, shows, secret);
        expect((err as Error).message).toContain("Falcot stack config:");
    });
});

/** A ClickToCall on a proxy and TURN server that allow it, with `over` in its args. */
function clickToCall(over: Partial<ClickToCallArgs>): ClickToCall {
    const host = seedHost("c1");
    const secret = "0123456789abcdef0123456789abcdef";
    const sip = new SipProxy("s", { host, webSocket: {}, guests: { secret, destinations: ["sales"] } });
    const turn = new TurnServer("t", { host, staticAuthSecret: secret });
    return new ClickToCall("c", { host, sip, turn, turnSecret: secret, guestSecret: secret, ...over });
}

describe("component args: bad values fail with component, arg, value and fix", () => {
    const cert = (names: string[]) => ({ dnsNames: names, certPem: "cert", keyPem: pulumi.secret("key") });
    it.each<[string, () => unknown, string, string]>([
        ["TurnServer without a host", () => new TurnServer("t", {} as never), "TurnServer \"t\": host", "is missing"],
        ["TurnServer with a host name for a host", () => new TurnServer("t", { host: "server1" as never }), "TurnServer \"t\": host", "\"server1\" (a string)"],
        ["TurnServer with a port as a string", () => new TurnServer("t", { host: seedHost(), port: "3478" as never }), "TurnServer \"t\": port", "\"3478\" (a string)"],
        ["TurnServer with a realm that adds a line", () => new TurnServer("t", { host: seedHost(), realm: "falcot.com\nallow-loopback-peers" }), "realm", "allow-loopback-peers"],
        ["TurnServer with a path that adds a line", () => new TurnServer("t", { host: seedHost(), userDb: { kind: "sqlite", path: "/var/lib/turn/turndb\nallow-loopback-peers" } }), "userDb.path", "allow-loopback-peers"],
        ["TurnServer with a relative path", () => new TurnServer("t", { host: seedHost(), userDb: { kind: "sqlite", path: "turndb" } }), "userDb.path", "\"turndb\""],
        ["TurnServer with a CIDR past /32", () => new TurnServer("t", { host: seedHost(), extraDeniedPeerRanges: ["203.0.113.0/33"] }), "extraDeniedPeerRanges[0]", "203.0.113.0/33"],
        ["TurnServer with a range backwards", () => new TurnServer("t", { host: seedHost(), extraDeniedPeerRanges: ["203.0.113.9-203.0.113.1"] }), "extraDeniedPeerRanges[0]", "203.0.113.9-203.0.113.1"],
        ["TurnServer with a certificate without names", () => new TurnServer("t", { host: seedHost(), certificate: { certPem: "c", keyPem: "k" } as never }), "certificate", "RtcCertificates"],
        ["TurnServer with a short shared secret", () => new TurnServer("t", { host: seedHost(), staticAuthSecret: "short" }), "staticAuthSecret", "too short"],
        ["TurnServer with a shared secret that ends a line", () => new TurnServer("t", { host: seedHost(), staticAuthSecret: "0123456789abcdef0123456789abcdef\nno-tlsv1_2" }), "staticAuthSecret", "holds characters other than"],
        ["TurnServer with REST ports but no second process", () => new TurnServer("t", { host: seedHost(), staticAuthSecret: "0123456789abcdef0123456789abcdef", restPorts: { port: 3490 } }), "restPorts", "no second coturn process"],
        ["TurnServer with REST ports on coturn's alternate port", () => new TurnServer("t", { host: seedHost(), users: [{ name: "roland", password: strongPassword }], staticAuthSecret: "0123456789abcdef0123456789abcdef", restPorts: { port: 3479 } }), "restPorts.port", "takes 3479 as port + 1"],
        ["TurnServer with a REST TLS port on the TLS port", () => new TurnServer("t", { host: seedHost(), users: [{ name: "roland", password: strongPassword }], staticAuthSecret: "0123456789abcdef0123456789abcdef", restPorts: { tlsPort: 5349 } }), "restPorts.tlsPort", "takes 5349 as tlsPort"],
        ["TurnServer with REST relay ports inside relayPorts", () => new TurnServer("t", { host: seedHost(), users: [{ name: "roland", password: strongPassword }], staticAuthSecret: "0123456789abcdef0123456789abcdef", restPorts: { relayPorts: { min: 50000, max: 50100 } } }), "restPorts.relayPorts", "overlaps relayPorts"],
        ["SipProxy with users as a string", () => new SipProxy("s", { host: seedHost(), users: "roland" as never }), "SipProxy \"s\": users", "\"roland\" (a string)"],
        ["SipProxy with a WebSocket port SIP already has", () => new SipProxy("s", { host: seedHost(), webSocket: { port: 5061 } }), "webSocket.port", "already taken by SIP"],
        ["SipProxy with a WebSocket port out of range", () => new SipProxy("s", { host: seedHost(), webSocket: { port: 70000 } }), "webSocket.port", "70000"],
        ["SipProxy with an unknown WebSocket setting", () => new SipProxy("s", { host: seedHost(), webSocket: { path: "/ws" } as never }), "webSocket.path", "not a known"],
        ["SipProxy with a flood limit of 1", () => new SipProxy("s", { host: seedHost(), floodLimit: 1 }), "floodLimit", "between 2 and 100000"],
        ["SipProxy with a flood limit as a word", () => new SipProxy("s", { host: seedHost(), floodLimit: "off" as never }), "floodLimit", "not a whole number or false"],
        ["SipProxy with guests and no destinations", () => new SipProxy("s", { host: seedHost(), guests: { secret: "0123456789abcdef0123456789abcdef", destinations: [] } }), "guests.destinations", "list the users guests may call"],
        ["SipProxy with a guest destination that is a regex", () => new SipProxy("s", { host: seedHost(), guests: { secret: "0123456789abcdef0123456789abcdef", destinations: ["sales|.*"] } }), "guests.destinations[0]", "sales|.*"],
        ["SipProxy with a guest secret that ends a string", () => new SipProxy("s", { host: seedHost(), guests: { secret: "0123456789abcdef0123456789\")", destinations: ["sales"] } }), "guests.secret", "holds characters other than"],
        ["SipProxy with guests in the users' domain", () => new SipProxy("s", { host: seedHost(), sipDomain: "falcot.com", guests: { secret: "0123456789abcdef0123456789abcdef", destinations: ["sales"], domain: "falcot.com" } }), "guests.domain", "a name of the proxy's own"],
        ["SipProxy with a user name that is SQL", () => new SipProxy("s", { host: seedHost(), users: [{ name: "x'); DROP TABLE subscriber;--", password: strongPassword }] }), "users[0].name", "DROP TABLE"],
        ["SipProxy with a loopback 443 address", () => new SipProxy("s", { host: seedHost(), tls443Address: "127.0.0.1" }), "tls443Address", "\"127.0.0.1\""],
        ["ClickToCall without a SIP proxy", () => clickToCall({ sip: undefined as never }), "ClickToCall \"c\": sip", "is missing"],
        ["ClickToCall with a proxy without WebSocket or guests", () => clickToCall({ sip: new SipProxy("plain", { host: seedHost("p1") }) }), "sip", "give the SipProxy webSocket: {}"],
        ["ClickToCall with a TURN server without time-limited credentials", () => clickToCall({ turn: new TurnServer("lt", { host: seedHost("t1") }) }), "turn", "give the TurnServer staticAuthSecret"],
        ["ClickToCall with a destination guests may not call", () => clickToCall({ destinations: [{ name: "roland" }] }), "destinations[0].name", "which the SIP proxy's guests may not call"],
        ["ClickToCall with a label on two lines", () => clickToCall({ destinations: [{ name: "sales", label: "Sales\n<script>" }] }), "destinations[0].label", "on one line"],
        ["ClickToCall with credentials that live a week", () => clickToCall({ credentialLifetime: 604800 }), "credentialLifetime", "604800"],
        ["ClickToCall with an unknown ICE policy", () => clickToCall({ iceTransportPolicy: "public" as never }), "iceTransportPolicy", "use relay or all"],
        ["ClickToCall with a secret that ends a JSON string", () => clickToCall({ guestSecret: "0123456789abcdef0123456789\"x" }), "guestSecret", "holds characters other than"],
        ["ClickToCall with a hostname that is a directive", () => clickToCall({ hostname: "call.falcot.com; autoindex on" }), "hostname", "call.falcot.com; autoindex on"],
        ["ClickToCall with a caller name on two lines", () => clickToCall({ displayName: "Web\r\nX-Injected: 1" }), "displayName", "on one line"],
        ["ClickToCall with another name's certificate", () => clickToCall({ certificate: cert(["www.falcot.com"]) }), "certificate", "not for call.falcot.com"],
        ["ClickToCall with a short TURN secret", () => clickToCall({ turnSecret: "short" }), "turnSecret", "too short"],
        ["ClickToCall on an IPv6 address the host lacks", () => clickToCall({ ipv6: ["2001:db8::99"] }), "ipv6[0]", "2001:db8::99"],
        ["ClickToCall on an address the host lacks", () => clickToCall({ ipv4: ["198.51.100.99"] }), "ipv4[0]", "198.51.100.99"],
        ["XmppServer with muc as a string", () => new XmppServer("x", { host: seedHost(), muc: "true" as never }), "XmppServer \"x\": muc", "\"true\" (a string)"],
        ["XmppServer with a domain that adds a line", () => new XmppServer("x", { host: seedHost(), domains: ["falcot.com\nadmins = {}"] }), "domains[0]", "admins = {}"],
        ["RtcDnsZone without records", () => new RtcDnsZone("z", { domain: "falcot.com" } as never), "RtcDnsZone \"z\": records", "is missing"],
        ["RtcDnsZone with a record that adds a record", () => new RtcDnsZone("z", { domain: "falcot.com", records: [{ type: "A", name: "www.falcot.com\n@ IN NS evil.example.", address: "198.51.100.19" }], nameServers: [{ name: "ns.example.net" }] }), "records[0].name", "evil.example."],
        ["RtcDnsZone with a loopback A record", () => new RtcDnsZone("z", { domain: "falcot.com", records: [{ type: "A", name: "www.falcot.com", address: "127.0.0.1" }], nameServers: [{ name: "ns.example.net" }] }), "records[0].address", "loopback"],
        ["RtcDnsZone with secondaries and no key", () => new RtcDnsZone("z", { domain: "falcot.com", records: [], nameServers: [{ name: "ns.example.net" }], backend: { kind: "bind", host: seedHost(), secondaries: ["198.51.100.53"] } }), "backend.transferKey", "is missing, but secondaries are given"],
        ["RtcDnsZone with a key that is not base64", () => new RtcDnsZone("z", { domain: "falcot.com", records: [], nameServers: [{ name: "ns.example.net" }], backend: { kind: "bind", host: seedHost(), secondaries: ["198.51.100.53"], transferKey: "secret with spaces" } }), "backend.transferKey", "is not base64"],
        ["RtcDnsZone with a secondary that is a zone line", () => new RtcDnsZone("z", { domain: "falcot.com", records: [], nameServers: [{ name: "ns.example.net" }], backend: { kind: "bind", host: seedHost(), secondaries: ["198.51.100.53; }; allow-transfer { any"], transferKey: "q8Yc1X/6fM+ZlB0Yw2n3JmP4s5T6u7V8w9x0y1z2A3E=" } }), "backend.secondaries[0]", "allow-transfer"],
        ["RtcDnsZone with a multicast glue address", () => new RtcDnsZone("z", { domain: "falcot.com", records: [], nameServers: [{ name: "ns1.falcot.com", ipv4: ["224.0.0.9"] }] }), "nameServers[0].ipv4[0]", "multicast"],
        ["RtcCertificates with a name for a list", () => new RtcCertificates("c", { certificates: { turn: "turn.falcot.com" as never } }), "certificates", "turn.falcot.com"],
        ["RtcHost with IPv6 in ipv4", () => new RtcHost("h", { fqdn: "s.falcot.com", ipv4: ["198.51.100.19", "2001:db8::1"], connection: { host: "x" } }), "ipv4[1]", "move it to the ipv6 list"],
        ["RtcHost without a connection", () => new RtcHost("h", { fqdn: "s.falcot.com", ipv4: ["198.51.100.19"] } as never), "RtcHost \"h\": connection", "is missing"],
        ["LocalHost with a bad environment name", () => new LocalHost("l", { fqdn: "s.falcot.com", ipv4: ["198.51.100.19"], envName: "Local Host" }), "envName", "\"Local Host\""],
        ["LocalHost with a loopback address", () => new LocalHost("l", { fqdn: "s.falcot.com", ipv4: ["127.0.0.2"] }), "ipv4[0]", "loopback"],
        ["args that are not an object", () => new TurnServer("t", undefined as never), "TurnServer \"t\": args", "is missing"],
        ["HostFirewall reverting after 5 s", () => new HostFirewall("f", { host: seedHost(), ports: [], revertAfterSeconds: 5 }), "HostFirewall \"f\": revertAfterSeconds", "is 5. Fix: give seconds from 10 to 600"],
        ["HostFirewall with a port range backwards", () => new HostFirewall("f", { host: seedHost(), ports: [{ protocol: "udp", from: 65535, to: 49152, purpose: "relay" }] }), "HostFirewall \"f\": ports[0]", "runs from 65535 down to 49152"],
        ["HostFirewall with an unknown protocol", () => new HostFirewall("f", { host: seedHost(), ports: [{ protocol: "sctp" as never, from: 5060, to: 5060, purpose: "SIP" }] }), "HostFirewall \"f\": ports[0].protocol", "\"sctp\""],
    ])("%s", (_what, make, where, shows) => {
        expectClean(failure(make), where, shows);
    });

    it("ties each component's known args to its args interface (a typo is named, with the nearest arg)", () => {
        expectClean(failure(() => new XmppServer("x", { host: seedHost(), domian: "falcot.com" } as never)), "XmppServer \"x\": domian", "did you mean domains?");
    });

    it("a certificate passed to a service is checked for its names", () => {
        expectClean(failure(() => new XmppServer("x", { host: seedHost(), certificate: cert(["falcot.com"]) })), "certificate", "conference.falcot.com");
    });
});

type GoodConfig = [string, Record<string, unknown>, Record<string, unknown>?];
const withSecrets = (rows: GoodConfig[]) => rows.map(([what, raw, secrets]): [string, Record<string, unknown>, Record<string, unknown>] => [what, raw, secrets ?? baseSecrets()]);

describe("good values pass", () => {
    it.each(withSecrets([
        ["the base config", base()],
        ["an IDN domain as A-labels", { ...cfg("domain", "xn--mnchen-3ya.de") }],
        ["a domain with digits and hyphens", cfg("domain", "rtc-2.example-3.org")],
        ["documentation addresses, both families", host("ipv6", ["2001:db8:1000:2000::19", "2001:db8::20"])],
        ["private addresses behind 1:1 NAT", host("ipv4", [{ public: "198.51.100.19", private: "10.0.0.5" }, "198.51.100.20"])],
        ["an ECDSA host key with a comment", host("ssh", { hostKey: "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY= root@server1" })],
        ["a host key with a trailing space", host("ssh", { hostKey: `${hostKey} ` })],
        ["ssh-keyscan output as it is printed", host("ssh", { hostKey: `# 198.51.100.19:22 SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\n198.51.100.19 ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ\n198.51.100.19 ${hostKey}\n198.51.100.19 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=\n` })],
        ["a name as the SSH address", host("ssh", { address: "server1.falcot.com", port: 2222, user: "deploy" })],
        ["an SSH tunnel on loopback", host("ssh", { address: "127.0.0.1", port: 2222 })],
        ["the port443 layout", { ...cfg("layout", "port443"), hosts: { server1: { ipv4: ["198.51.100.19", "198.51.100.20", "198.51.100.21"] } } }],
        ["BIND on the host", { ...cfg("dns", { backend: "bind" }), services: { dns: "server1" } }],
        ["BIND with secondaries of both families and their key", { ...cfg("dns", { backend: "bind", secondaries: ["198.51.100.53", "2001:db8::53"] }), services: { dns: "server1" }, dnsTransferKey: true }, { ...baseSecrets(), dnsTransferKey: "q8Yc1X/6fM+ZlB0Yw2n3JmP4s5T6u7V8w9x0y1z2A3E=" }],
        ["Cloudflare with its zone id", cfg("dns", { backend: "cloudflare", zoneId: "0123456789abcdef0123456789abcdef" })],
        ["name servers outside the zone", cfg("dns", { nameServers: [{ name: "ns.example.net" }] })],
        ["users with dots, dashes and digits", at(base(), "users", { "j.doe-2": { services: ["sip"] }, a_b: { services: ["turnAdmin"] } }), { passwords: { "j.doe-2": "correct horse battery", a_b: "correct horse battery" }, sshPrivateKey: sshKey }],
        ["generated passwords", { ...cfg("generatePasswords", true) }, { sshPrivateKey: sshKey }],
        ["SIP over secure WebSocket", cfg("sipWebSocket", true)],
        ["a password with quotes, $(), backticks and semicolons", base(), at(baseSecrets(), "passwords.roland", "it's \"$(rm -rf /)\" `id`; echo")],
        ["a password of Unicode letters", base(), at(baseSecrets(), "passwords.roland", "mot de passe très long ✓")],
        ["a TURN shared secret from openssl rand -base64, and no TURN password", at(base(), "users.roland.services", ["sip"]), { ...baseSecrets(), turnStaticAuthSecret: "q8Yc1X/6fM+ZlB0Yw2n3JmP4s5T6u7V8w9x0y1z2A3=" }],
        ["a TURN shared secret beside TURN users (a second coturn process takes it)", base(), { ...baseSecrets(), turnStaticAuthSecret: "q8Yc1X/6fM+ZlB0Yw2n3JmP4s5T6u7V8w9x0y1z2A3=" }],
        ["an RSA private key for SSH", base(), { ...baseSecrets(), sshPrivateKey: "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n" }],
        ["certificates renewed early", cfg("certificates", { validityHours: 2160, earlyRenewalHours: 360 })],
        ["a host without the stack's firewall", host("firewall", false)],
        ["two hosts, services spread", { ...base(), hosts: { server1: { ipv4: ["198.51.100.19"] }, server2: { ipv4: ["198.51.100.30"], fqdn: "sip1.falcot.com" } }, services: { sip: "server2" } }],
    ]))("%s", (_what, raw, secrets) => {
        expect(configFailure(raw, secrets)).toBeUndefined();
    });

    it.each<[string, () => unknown]>([
        ["TurnServer with ranges in three forms", () => new TurnServer("t", { host: seedHost(), extraDeniedPeerRanges: ["203.0.113.7", "203.0.113.0/24", "2001:db8:dead::-2001:db8:dead::ff"] })],
        ["HostFirewall at the edges of revertAfterSeconds", () => [10, 600].map((s) => new HostFirewall(`f${s}`, { host: seedHost(`fw${s}`), ports: [{ protocol: "udp", from: 49152, to: 65535, purpose: "TURN relay" }], revertAfterSeconds: s }))],
        ["TurnServer with an absolute sqlite path", () => new TurnServer("t", { host: seedHost(), userDb: { kind: "sqlite", path: "/srv/turn/turn_db.sqlite" } })],
        ["SipProxy with a tricky password", () => new SipProxy("s", { host: seedHost(), users: [{ name: "roland", password: "it's \"$(id)\" `x`; ok" }] })],
        ["RtcDnsZone with SRV and NAPTR names", () => new RtcDnsZone("z", { domain: "falcot.com", nameServers: [{ name: "ns.example.net" }], records: [
            { type: "SRV", name: "_sips._tcp.sip.falcot.com", priority: 0, weight: 1, port: 5061, target: "sip-proxy.falcot.com" },
            { type: "NAPTR", name: "sip.falcot.com", order: 10, preference: 10, flags: "s", service: "SIPS+D2T", regexp: "", replacement: "_sips._tcp.sip.falcot.com" },
        ] })],
    ])("%s", (_what, make) => {
        expect(failure(make)).toBeUndefined();
    });
});

describe("a pasted host key is pinned as the one key it holds", () => {
    it("takes the ed25519 line of ssh-keyscan output, and drops the host field and comments", () => {
        const keyscan = `# 198.51.100.19:22 SSH-2.0-OpenSSH_9.2p1\n198.51.100.19 ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ\n198.51.100.19 ${hostKey}\n`;
        expect((parseFalcotConfig(host("ssh", { hostKey: keyscan })).hosts.server1.settings as { ssh: { hostKey: string } }).ssh.hostKey).toBe(hostKey);
        expect((parseFalcotConfig(host("ssh", { hostKey: `${hostKey} root@server1\n` })).hosts.server1.settings as { ssh: { hostKey: string } }).ssh.hostKey).toBe(hostKey);
    });
});
