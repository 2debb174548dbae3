import * as pulumi from "@pulumi/pulumi";
import { RtcCertificates } from "../../components/certs/rtcCertificates";
import { RtcDnsZone } from "../../components/dns/rtcDnsZone";
import { RtcHost } from "../../components/host/rtcHost";
import { TurnServer } from "../../components/turn/turnServer";
import { XmppServer } from "../../components/xmpp/xmppServer";
import { recordResources, seedHost } from "./helpers";
import { addressText, fillAddresses } from "../../components/common/addresses";

// How components compose in a program a user writes: several hosts, several components on one host,
// components made after an `await`, and the types a caller sees.

const { registered, settle } = recordResources();
const named = (prefix: string) => registered.filter((r) => r.name.startsWith(prefix)).map((r) => r.name).sort();
const connection = { host: "198.51.100.19", user: "root", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMIRNQVkSFSnzUJbfBqupWB71rjO2z/fMQiZvQ1ccYjw" };

it("two hosts with the same short name get their own apt transactions (their own URNs)", async () => {
    const a = new RtcHost("dc1-server1", { fqdn: "server1.falcot.com", ipv4: ["198.51.100.19"], connection });
    const b = new RtcHost("dc2-server1", { fqdn: "server1.falcot.org", ipv4: ["198.51.100.29"], connection });
    a.requirePackages(["coturn"]);
    b.requirePackages(["coturn"]);
    await settle();
    expect([...named("dc1-server1-packages"), ...named("dc2-server1-packages")]).toEqual(["dc1-server1-packages", "dc2-server1-packages"]);
});

it("a TURN server that listens on IPv6 publishes its AAAA record", () => {
    const turn = new TurnServer("turn-v6", { host: seedHost("v6host"), ipv6: ["2001:db8:1000:2000::19"] });
    expect(turn.dnsRecords).toContainEqual({ type: "AAAA", name: "turn-server.falcot.com", address: "2001:db8:1000:2000::19" });
    expect(turn.configText).toContain("listening-ip=2001:db8:1000:2000::19");
});

it("a second component that would write the same file on a host is refused, naming both", () => {
    const host = seedHost("shared");
    new TurnServer("turn-a", { host });
    expect(() => new TurnServer("turn-b", { host })).toThrow(/TurnServer "turn-b": \/etc\/turnserver.conf is already written on shared.falcot.com by TurnServer "turn-a"/);
});

it("two BIND zones on one host each get their own files and include line, and share the options and the unit's drop-in", async () => {
    const host = seedHost("ns");
    const ns = [{ name: "ns.example.net" }];
    new RtcDnsZone("zone-com", { domain: "falcot.com", records: [], nameServers: ns, backend: { kind: "bind", host } });
    new RtcDnsZone("zone-org", { domain: "falcot.org", records: [], nameServers: ns, backend: { kind: "bind", host } });
    await settle();
    const lines = registered.filter((r) => /^zone-(com|org)-line-/.test(r.name)).map((r) => String(r.inputs.create));
    expect(lines.map((s) => /line='(.*)'/.exec(s)?.[1]).sort()).toEqual(['include "/etc/bind/pulumi-rtc/falcot.com.conf";', 'include "/etc/bind/pulumi-rtc/falcot.org.conf";']);
    // The first zone writes what both share: named's options and the drop-in of its unit.
    expect(named("zone-com-etc-bind")).toEqual(["zone-com-etc-bind-db.falcot.com", "zone-com-etc-bind-named.conf.options", "zone-com-etc-bind-pulumi-rtc-falcot.com.conf"]);
    expect(named("zone-org-etc-bind")).toEqual(["zone-org-etc-bind-db.falcot.org", "zone-org-etc-bind-pulumi-rtc-falcot.org.conf"]);
    expect(named("zone-com-etc-systemd")).toEqual(["zone-com-etc-systemd-system-named.service.d-pulumi-rtc.conf"]);
    expect(named("zone-org-etc-systemd")).toEqual([]);
});

it("a component made after an await joins the host's next apt transaction", async () => {
    const host = seedHost("late");
    new TurnServer("turn-early", { host });
    await settle();
    const xmpp = new XmppServer("xmpp-late", { host });
    expect(xmpp.hostname).toBe("xmpp-gw.falcot.com");
    await settle();
    expect(named("late-packages")).toEqual(["late-packages", "late-packages-2"]);
    const scripts = registered.filter((r) => r.name.startsWith("late-packages")).map((r) => String(r.inputs.create));
    expect(scripts.map((t) => /packages='([^']*)'/.exec(t)?.[1])).toEqual(["coturn sqlite3", "lua-unbound prosody"]);
});


it("with transactionPerComponent, each component has its own apt transaction, whatever the order they come in", async () => {
    const names = async (host: RtcHost, order: "turn-first" | "xmpp-first") => {
        const make = { turn: () => new TurnServer(`${order}-turn`, { host }), xmpp: () => new XmppServer(`${order}-xmpp`, { host }) };
        (order === "turn-first" ? [make.turn, make.xmpp] : [make.xmpp, make.turn]).forEach((m) => m());
        await settle();
        return registered.filter((r) => r.name.startsWith(`${host.fqdn.split(".")[0]}-packages`))
            .map((r) => `${r.name.replace(/^[a-z0-9]+-/, "")}: ${/packages='([^']*)'/.exec(String(r.inputs.create))?.[1]}`).sort();
    };
    const perComponent = (name: string) => new RtcHost(name, { fqdn: `${name}.falcot.com`, ipv4: ["198.51.100.19"], connection, transactionPerComponent: true });
    expect(await names(perComponent("pc1"), "turn-first")).toEqual(["packages-turn-turn-first-turn: coturn sqlite3", "packages-xmpp-turn-first-xmpp: lua-unbound prosody"]);
    expect(await names(perComponent("pc2"), "xmpp-first")).toEqual(["packages-turn-xmpp-first-turn: coturn sqlite3", "packages-xmpp-xmpp-first-xmpp: lua-unbound prosody"]);
});
it("types certificates by the ids the caller gave", () => {
    const certs = new RtcCertificates("typed", { certificates: { turn: ["turn-server.falcot.com"], sip: ["sip-proxy.falcot.com"] } });
    expect(Object.keys(certs.certificates).sort()).toEqual(["sip", "turn"]);
    const typo = () => {
        // @ts-expect-error: "trun" is not one of the ids, so this does not compile (npx tsc --noEmit checks it).
        return certs.certificates.trun;
    };
    expect(typo()).toBeUndefined();
});

it("a component's retainOnDelete reaches every remote step it makes, and protect reaches them too", async () => {
    // The mock monitor sees each registration request, options included.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    const options: Record<string, { retain: boolean; protect: boolean }> = {};
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    monitor.registerResource = (req: any, callback: any) => {
        options[req.getName()] = { retain: req.getRetainondelete(), protect: req.getProtect() };
        register(req, callback);
    };
    try {
        const host = new RtcHost("kept", { fqdn: "kept.falcot.com", ipv4: ["198.51.100.50"], connection }, { retainOnDelete: true });
        new TurnServer("turn-kept", { host }, { retainOnDelete: true });
        new TurnServer("turn-protected", { host: seedHost("guarded") }, { protect: true });
        await settle();
    } finally {
        monitor.registerResource = register;
    }
    const steps = (prefix: string) => Object.entries(options).filter(([n]) => n.startsWith(prefix)).map(([, o]) => o);
    expect(steps("turn-kept-").length).toBeGreaterThanOrEqual(2);
    expect(steps("turn-kept-").every((o) => o.retain)).toBe(true);
    expect(steps("kept-").map((o) => o.retain)).toEqual([true, true]); // the host's identity and packages
    expect(steps("turn-protected-").length).toBeGreaterThanOrEqual(2);
    expect(steps("turn-protected-").every((o) => o.protect)).toBe(true);
});

describe("addresses known only at deployment (Outputs)", () => {
    const stdinOf = (name: string) => registered.find((r) => r.name === name)?.inputs.stdin as string | undefined;

    it("render as tokens, and reach the host's files, the records and the zone as their values", async () => {
        const fip = pulumi.output("203.0.113.77");
        const host = new RtcHost("cloud1", { fqdn: "cloud1.falcot.com", ipv4: [pulumi.output("203.0.113.76"), fip], connection });
        const turn = new TurnServer("turn-cloud", { host });
        expect(turn.configText).toContain("listening-ip=@@ADDRESS:cloud1/ipv4/1@@");
        const zone = new RtcDnsZone("zone-cloud", { domain: "falcot.com", records: turn.dnsRecords, nameServers: [{ name: "ns1.falcot.com", ipv4: host.nameAddresses.ipv4.slice(0, 1) }] });
        const text = await new Promise<string>((resolve) => zone.zoneText.apply(resolve));
        expect(text).toMatch(/^turn-server\s+IN A\s+203\.0\.113\.77$/m);
        expect(text).toMatch(/^ns1\s+IN A\s+203\.0\.113\.76$/m);
        expect(text).not.toContain("@@ADDRESS");
        await settle();
        expect(stdinOf("turn-cloud-etc-turnserver.conf")).toContain("listening-ip=203.0.113.77");
    });

    it("behind 1:1 NAT give coturn external-ip pairs", async () => {
        const host = new RtcHost("nat1", { fqdn: "nat1.falcot.com", ipv4: [{ public: pulumi.output("203.0.113.80"), private: "10.0.1.10" }], connection });
        new TurnServer("turn-nat", { host });
        await settle();
        expect(stdinOf("turn-nat-etc-turnserver.conf")).toMatch(/^external-ip=203\.0\.113\.80\/10\.0\.1\.10$/m);
    });

    it("are checked when their value is known, naming the host and the field", () => {
        // As RtcHost registers an Output address; its first step would fail with this error.
        const token = addressText("bad1/ipv4/0", pulumi.output("203.0.113.999"), 4, { owner: 'RtcHost "bad1"', field: "ipv4[0]" });
        expect(() => fillAddresses(`listening-ip=${token}`, new Map([["bad1/ipv4/0", "203.0.113.999"]])))
            .toThrow(/^RtcHost "bad1": ipv4\[0\] is "203\.0\.113\.999", not an IPv4 address.*Fix: /);
        expect(fillAddresses(`listening-ip=${token}`, new Map([["bad1/ipv4/0", "203.0.113.99"]]))).toBe("listening-ip=203.0.113.99");
    });
});
