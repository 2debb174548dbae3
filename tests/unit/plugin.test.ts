import * as pulumi from "@pulumi/pulumi";
import { HostFirewall, RtcDnsZone, SipProxy, TurnServer, XmppServer } from "../../plugin/index";
import { recordResources } from "./helpers";

// The package's components (plugin/) under mocks, given args as the engine gives them: plain values, or an
// Output where an arg holds a secret. The engine tier runs them for real, and type-checks plugin/ against a
// build (tests/engine/package.test.ts); jest maps its `../bin` to the sources.

const { registered, settle } = recordResources();
const valueOf = <T>(o: pulumi.Output<T>): Promise<T> => (o as unknown as { promise(): Promise<T> }).promise();
const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMIRNQVkSFSnzUJbfBqupWB71rjO2z/fMQiZvQ1ccYjw";
const host = (fqdn: string, address = "198.51.100.19") => ({ fqdn, ipv4: [address], connection: { privateKey: "test-key", hostKey } });
// As the engine hands over an arg that holds a secret: the whole arg is one secret Output.
const asEngineGives = <T>(v: T) => pulumi.secret(v) as unknown as T;

it("builds the library components from plain args and Output args alike, on one RtcHost per fqdn", async () => {
    const turn = new TurnServer("turn", { host: asEngineGives(host("one.falcot.com")), users: asEngineGives([{ name: "roland", password: "roland's long password" }]) });
    const sip = new SipProxy("sip", { host: host("one.falcot.com"), webSocketPort: 8443 });
    const xmpp = new XmppServer("xmpp", { host: host("one.falcot.com"), users: [{ jid: "joe@falcot.com", password: "joe's long password" }] });
    expect(await valueOf(turn.hostname)).toBe("turn-server.falcot.com");
    expect(await valueOf(turn.configText)).toContain("listening-ip=198.51.100.19");
    expect(await valueOf(sip.webSocketUrl)).toBe("wss://sip-proxy.falcot.com:8443");
    expect(await valueOf(xmpp.domains)).toEqual(["falcot.com"]);
    expect(await valueOf(turn.dnsRecords)).toContainEqual({ type: "SRV", name: "_turn._udp.falcot.com", priority: 0, weight: 1, port: 3478, target: "turn-server.falcot.com" });
    await settle();
    const hosts = registered.filter((r) => r.type === "rtc:index:RtcHost").map((r) => r.name);
    expect(hosts).toEqual(["one.falcot.com"]);
    expect(registered.filter((r) => r.name.startsWith("one.falcot.com-packages")).map((r) => r.name).sort())
        .toEqual(["one.falcot.com-packages-sip-sip", "one.falcot.com-packages-turn-turn", "one.falcot.com-packages-xmpp-xmpp"]);
});

it("the outputs of a component with secret args are not secret themselves", async () => {
    const turn = new TurnServer("turn-secret", { host: asEngineGives(host("two.falcot.com", "198.51.100.29")), staticAuthSecret: asEngineGives("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0") });
    expect(await (turn.hostname as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(false);
    expect(await valueOf(turn.restUris)).toContain("turn:turn-server.falcot.com:3478?transport=udp");
});

it("a zone takes the services' record lists as they are, and publishes them", async () => {
    const turn = new TurnServer("turn-z", { host: host("three.falcot.com", "198.51.100.39") });
    const zone = new RtcDnsZone("zone", {
        domain: "falcot.com",
        nameServers: [{ name: "ns.example.net" }],
        records: [{ type: "A", name: "three.falcot.com", address: "198.51.100.39" }],
        recordSets: [turn.dnsRecords as unknown as never],
    });
    const text = await valueOf(zone.zoneText);
    expect(text).toMatch(/_turn\._udp\s+IN SRV\s+0 1 3478 turn-server\.falcot\.com\./);
    expect(text).toMatch(/three\s+IN A\s+198\.51\.100\.39/);
});

it("a host firewall takes the services' port lists as they are, and opens them and SSH only", async () => {
    const turn = new TurnServer("turn-fw", { host: host("eight.falcot.com", "198.51.100.89") });
    const xmpp = new XmppServer("xmpp-fw", { host: host("eight.falcot.com", "198.51.100.89") });
    const firewall = new HostFirewall("fw", { host: host("eight.falcot.com", "198.51.100.89"), portSets: [turn.ports as unknown as never, xmpp.ports as unknown as never] });
    const opened = (await valueOf(firewall.ports)).map((p) => `${p.protocol} ${p.from}-${p.to}`);
    expect(opened).toEqual(expect.arrayContaining(["udp 3478-3478", "tcp 3478-3478", "udp 49152-65535", "tcp 5222-5222", "tcp 22-22"]));
    expect(opened.filter((p) => !/^(udp|tcp) (3478|5349|49152|5222|5223|5269|22)-/.test(p))).toEqual([]);
    expect(await valueOf(firewall.rulesetText)).toMatch(/^\s*tcp dport 22 accept comment "SSH"$/m);
});

it("a BIND zone with a secondary takes its transfer key as a secret", async () => {
    const zone = new RtcDnsZone("zone-2nd", {
        domain: "falcot.com", backend: "bind", bindHost: host("nine.falcot.com", "198.51.100.99"),
        nameServers: [{ name: "ns1.falcot.com", ipv4: ["198.51.100.99"] }],
        secondaries: ["198.51.100.1"], transferKey: asEngineGives("q8Yc1X/6fM+ZlB0Yw2n3JmP4s5T6u7V8w9x0y1z2A3E="),
    });
    expect(await valueOf(zone.zoneText)).toMatch(/ns1\s+IN A\s+198\.51\.100\.99/);
    expect((await valueOf(zone.ports)).map((p) => `${p.protocol} ${p.from}`)).toEqual(["udp 53", "tcp 53"]);
    await settle();
    const stanza = registered.find((r) => r.type === "command:remote:Command" && /also-notify/.test(JSON.stringify(r.inputs)));
    expect(JSON.stringify(stanza?.inputs)).toContain("falcot.com-transfer");
    // The key reaches one step only, as its stdin, and as a secret (the engine's secret signature).
    const carriers = registered.filter((r) => JSON.stringify(r.inputs).includes("q8Yc1X/6fM"));
    const isSecret = (v: unknown) => (v as Record<string, unknown> | undefined)?.[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
    expect(carriers.map((r) => ({ stdinIsSecret: isSecret(r.inputs.stdin) }))).toEqual([{ stdinIsSecret: true }]);
});

describe("bad args fail with the component, the field and the fix", () => {
    const fails = (make: () => unknown, message: string) => expect(make).toThrow(message);

    it("an unknown backend", () => fails(() => new RtcDnsZone("bad-backend", { domain: "falcot.com", backend: "bnd" }),
        'RtcDnsZone "bad-backend": backend is "bnd". Fix: use zonefile, cloudflare or bind'));
    it("bind without its host", () => fails(() => new RtcDnsZone("no-host", { domain: "falcot.com", backend: "bind" }),
        'RtcDnsZone "no-host": bindHost is missing for backend bind. Fix: give the host that serves the zone'));
    it("a record without the fields of its type", () => fails(() => new RtcDnsZone("bad-srv", { domain: "falcot.com", records: [{ type: "SRV", name: "_sip._udp.falcot.com", target: "sip.falcot.com" }] }),
        'RtcDnsZone "bad-srv": records[0] is a SRV record of _sip._udp.falcot.com without priority, weight, port. Fix: give priority, weight, port, target'));
    it("a record of an unknown type", () => fails(() => new RtcDnsZone("bad-type", { domain: "falcot.com", records: [{ type: "TXT", name: "falcot.com" }] }),
        'RtcDnsZone "bad-type": records[0].type is "TXT". Fix: use A, AAAA, SRV or NAPTR'));
    it("secondaries on a backend other than bind", () => fails(() => new RtcDnsZone("bad-2nd", { domain: "falcot.com", secondaries: ["198.51.100.1"] }),
        'RtcDnsZone "bad-2nd": secondaries is set for backend zonefile. Fix: remove it: only the bind backend has secondaries'));
    it("secondaries without a transfer key", () => fails(() => new RtcDnsZone("no-key", { domain: "falcot.com", backend: "bind", bindHost: host("ten.falcot.com", "198.51.100.109"),
        nameServers: [{ name: "ns1.falcot.com", ipv4: ["198.51.100.109"] }], secondaries: ["198.51.100.1"] }), 'RtcDnsZone "no-key": backend.transferKey is missing, but secondaries are given'));
    it("a firewall port of no known protocol", () => fails(() => new HostFirewall("bad-proto", { host: host("eleven.falcot.com", "198.51.100.119"), ports: [{ protocol: "sctp", from: 5060, to: 5060, purpose: "SIP" }] }),
        'HostFirewall "bad-proto": ports[0].protocol is "sctp". Fix: use tcp or udp'));
    it("an unknown user database", () => fails(() => new TurnServer("bad-db", { host: host("four.falcot.com", "198.51.100.49"), userDb: { kind: "sqlite3" } }),
        'TurnServer "bad-db": userDb.kind is "sqlite3". Fix: use sqlite, mysql, postgresql or redis'));
    it("one fqdn described two ways", () => {
        new TurnServer("first", { host: host("five.falcot.com", "198.51.100.59") });
        fails(() => new SipProxy("second", { host: host("five.falcot.com", "198.51.100.60") }),
            'SipProxy "second": host describes five.falcot.com unlike TurnServer "first" does. Fix: give every component on five.falcot.com the same host');
    });
    it("the library's own checks, as for a TypeScript caller", () => fails(() => new TurnServer("bad-port", { host: host("six.falcot.com", "198.51.100.69"), port: 70000 }),
        'TurnServer "bad-port": port'));
});

it("a bad value in an arg that holds a secret fails once the value is known, with the same message", async () => {
    // The engine reports the first rejection it awaits; no other may go unhandled (it would end the provider).
    const unobserved: unknown[] = [];
    const sink = (e: unknown) => unobserved.push(e);
    process.on("unhandledRejection", sink);
    try {
        const turn = new TurnServer("late-bad", { host: asEngineGives(host("seven.falcot.com", "198.51.100.79")), userDb: { kind: "sqlite3" } });
        await expect(valueOf(turn.hostname)).rejects.toThrow('TurnServer "late-bad": userDb.kind is "sqlite3". Fix: use sqlite, mysql, postgresql or redis');
    } finally {
        await new Promise((r) => setTimeout(r, 200));
        process.off("unhandledRejection", sink);
    }
    expect(unobserved).toEqual([]);
});
