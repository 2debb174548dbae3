import * as pulumi from "@pulumi/pulumi";
import { RtcCertificates } from "../../components/certs/rtcCertificates";
import { RtcDnsZone } from "../../components/dns/rtcDnsZone";
import { RtcHost } from "../../components/host/rtcHost";
import { SipProxy } from "../../components/sip/sipProxy";
import { TurnServer } from "../../components/turn/turnServer";
import { XmppServer } from "../../components/xmpp/xmppServer";
import { parseFalcotConfig } from "../../stacks/config";
import { passwordProblem } from "../../components/common/component";
import { seedHost, strongPassword } from "./helpers";

// Every bad argument fails at construction, before anything is applied, naming component, field and fix.

beforeAll(() => pulumi.runtime.setMocks({
    newResource: (a) => ({ id: `${a.name}-id`, state: { ...a.inputs, stdout: "rev" } }),
    call: (a) => a.inputs,
}, "test", "test", true));

const cert = (names: string[]) => ({ dnsNames: names, certPem: "cert", keyPem: pulumi.secret("key") });

describe("bad input fails early with component, field and fix", () => {
    it.each([
        ["a malformed host name", () => new RtcHost("h", { fqdn: "server1", ipv4: ["198.51.100.19"], connection: { host: "x" } }), /RtcHost "h": fqdn .*Fix: give the host's fully qualified name/],
        ["a bad address", () => new RtcHost("h", { fqdn: "s.falcot.com", ipv4: ["198.51.100.300"], connection: { host: "x" } }), /ipv4\[0\] is "198.51.100.300", not an IPv4 address/],
        ["a duplicate address", () => new RtcHost("h", { fqdn: "s.falcot.com", ipv4: ["198.51.100.19", "198.51.100.19"], connection: { host: "x" } }), /ipv4\[1\] repeats 198.51.100.19.*list each address once/],
        ["an unknown arg (typo)", () => new TurnServer("t", { host: seedHost(), relam: "x" } as never), /TurnServer "t": relam is not a known setting.*did you mean realm\?/],
        ["a malformed domain", () => new TurnServer("t", { host: seedHost(), domain: "Falcot..com" }), /TurnServer "t": domain is "Falcot..com", not a DNS name/],
        ["an address the host lacks", () => new TurnServer("t", { host: seedHost(), ipv4: ["203.0.113.5"] }), /ipv4\[0\] is 203.0.113.5, which the host does not have.*Fix: use one of the host's addresses/],
        ["a port clash", () => new TurnServer("t", { host: seedHost(), port: 5349, certificate: cert(["turn-server.falcot.com"]) }), /tlsPort is 5349, the same as port/],
        ["a user without a password", () => new TurnServer("t", { host: seedHost(), users: [{ name: "roland", password: "" }] }), /users\[0\]\.password is missing.*pulumi config set --secret/],
        ["a password too short", () => new SipProxy("s", { host: seedHost(), users: [{ name: "roland", password: "short" }] }), /SipProxy "s": users\[0\]\.password is too short \(5 characters\)/],
        ["a repeated admin", () => new TurnServer("t", { host: seedHost(), adminUsers: [{ name: "admin", password: strongPassword }, { name: "admin", password: strongPassword }] }), /adminUsers\[1\]\.name repeats admin.*list each user once/],
        ["a bad user name", () => new SipProxy("s", { host: seedHost(), users: [{ name: "rol and", password: strongPassword }] }), /users\[0\]\.name is "rol and", not a valid user name/],
        ["a certificate for the wrong name", () => new SipProxy("s", { host: seedHost(), certificate: cert(["xmpp-gw.falcot.com"]) }), /certificate is for \["xmpp-gw.falcot.com"\] and lacks sip-proxy.falcot.com, sip.falcot.com.*Fix: issue it for/],
        ["a 443 address the host lacks", () => new SipProxy("s", { host: seedHost(), tls443Address: "203.0.113.9" }), /tls443Address is "203.0.113.9", which the host does not have/],
        ["an admin of another domain", () => new XmppServer("x", { host: seedHost(), admins: ["joe@example.org"] }), /XmppServer "x": admins\[0\] is "joe@example.org", not an account of falcot.com/],
        ["an XMPP cert without the MUC name", () => new XmppServer("x", { host: seedHost(), certificate: cert(["falcot.com"]) }), /lacks conference.falcot.com/],
        ["a record outside the zone", () => new RtcDnsZone("z", { domain: "falcot.com", records: [{ type: "A", name: "example.org", address: "198.51.100.1" }], nameServers: [{ name: "ns.example.net" }] }), /records\[0\] is example.org, outside falcot.com/],
        ["an in-zone name server without glue", () => new RtcDnsZone("z", { domain: "falcot.com", records: [] }), /nameServers\[0\] is ns1.falcot.com, inside the zone but without an address/],
        ["an RSA host key, which the provider cannot pin", () => new RtcHost("h", { fqdn: "s.falcot.com", ipv4: ["198.51.100.19"], connection: { host: "x", hostKey: "ssh-rsa AAAAB3NzaC1yc2E" } }),
            /RtcHost "h": connection.hostKey is "ssh-rsa AAAAB3NzaC1yc2E".*Fix: pin the server's ed25519 host key/],
        ["a certificate renewed before it is issued", () => new RtcCertificates("c", { certificates: { turn: ["turn.falcot.com"] }, validityHours: 24, earlyRenewalHours: 24 }),
            /RtcCertificates "c": earlyRenewalHours is 24.*fewer than validityHours/],
        ["a certificate with a bad name", () => new RtcCertificates("c", { certificates: { turn: ["turn server"] } }), /certificates.turn\[0\] is "turn server", not a DNS name/],
    ])("%s", (_what, make, message) => {
        expect(make).toThrow(message);
    });

    it("never shows a long value whole (a pasted key stays out of logs)", () => {
        expect(() => new TurnServer("t", { host: seedHost(), domain: "x".repeat(300) })).toThrow(/"x{50,56}\.\.\./);
    });

    it("reports every problem at once", () => {
        expect(() => new TurnServer("t", { host: seedHost(), port: 0, tlsPort: 70000 })).toThrow(/port is 0[\s\S]*tlsPort is 70000/);
    });

    it("checks a password that arrives later, as an Output, by the same rule", () => {
        expect(passwordProblem("short", 12)).toBe("is too short (5 characters)");
        expect(passwordProblem(undefined, 12)).toBe("is missing");
        expect(passwordProblem(strongPassword, 12)).toBeUndefined();
    });
});

describe("stack config", () => {
    const good = { hosts: { server1: { ipv4: ["198.51.100.19"] } } };
    it("accepts the minimum and fills defaults", () => {
        expect(parseFalcotConfig(good)).toMatchObject({ domain: "falcot.com", layout: "standard", services: { turn: "server1" }, dns: { backend: "zonefile" },
            certificates: { validityHours: 8760, earlyRenewalHours: 720 } });
    });
    it("accepts ed25519 and ecdsa host keys, with or without a comment", () => {
        for (const hostKey of ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLE", "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY= root@server1"]) {
            expect((parseFalcotConfig({ hosts: { server1: { ipv4: ["198.51.100.19"], ssh: { hostKey } } } }).hosts.server1.settings as { ssh: { hostKey: string } }).ssh.hostKey).toBe(hostKey.split(" ").slice(0, 2).join(" "));
        }
    });
    it.each([
        ["an unknown key", { ...good, layuot: "port443" }, /layuot is not a known setting.*did you mean layout\?/],
        ["an unknown layout", { ...good, layout: "443" }, /layout is "443".*use one of: standard, port443/],
        ["a typo inside a host", { hosts: { server1: { ipv4: ["198.51.100.19"], ipv6s: [] } } }, /hosts.server1.ipv6s is not a known setting/],
        ["a service on an unknown host", { ...good, services: { sip: "server2" } }, /services.sip is "server2", not one of the hosts/],
        ["a user with an unknown service", { ...good, users: { roland: { services: ["irc"] } } }, /users.roland.services\[0\] is "irc"/],
        ["an RSA host key", { hosts: { server1: { ipv4: ["198.51.100.19"], ssh: { hostKey: "ssh-rsa AAAAB3NzaC1yc2E" } } } }, /hosts.server1.ssh.hostKey is "ssh-rsa AAAAB3NzaC1yc2E".*RSA keys cannot be pinned/],
        ["a typo in certificates", { ...good, certificates: { validityHour: 24 } }, /certificates.validityHour is not a known setting.*did you mean validityHours\?/],
        ["a Cloudflare zone without id", { ...good, dns: { backend: "cloudflare" } }, /dns.zoneId is missing.*zone id/],
    ])("rejects %s", (_what, raw, message) => {
        expect(() => parseFalcotConfig(raw)).toThrow(message);
    });
});
