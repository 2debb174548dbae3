import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { derivedPassword } from "../../stacks/falcot";

// The whole Falcot program under mocks, through offline synth: the resource graph, the exact records, secrets.

const root = path.resolve(__dirname, "../..");

async function runSynth(extra: { sets?: [string, string][]; secrets?: [string, string][] } = {}) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-synth-"));
    let result: { resources: number; files: number } | undefined;
    await jest.isolateModulesAsync(async () => {
        const { synth } = await import("../../scripts/synth");
        result = await synth(root, { stack: "falcot", out, sets: extra.sets ?? [], secrets: extra.secrets ?? [] });
    });
    const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as { type: string; name: string; parent?: string; inputs: Record<string, unknown> }[];
    const zone = fs.readFileSync(path.join(out, "zone.db"), "utf8");
    return { out, resources, zone, result: result! };
}

/** Records as `name TYPE data` lines, without comments, SOA and spacing. */
function recordSet(zone: string): string[] {
    return zone.split("\n").filter((l) => l && !l.startsWith(";") && !l.startsWith("$") && !/ SOA /.test(l)).map((l) => l.replace(/\s+/g, " ")).sort();
}

const common = [
    "@ IN NS ns1.falcot.com.",
    "ns1 IN A 198.51.100.19",
    "ns1 IN AAAA 2001:db8:1000:2000::19",
    "server1 IN A 198.51.100.19",
    "server1 IN A 198.51.100.20",
    "server1 IN A 198.51.100.21",
    "server1 IN AAAA 2001:db8:1000:2000::19",
    "_stun._udp IN SRV 0 1 3478 turn-server.falcot.com.",
    "_turn._udp IN SRV 0 1 3478 turn-server.falcot.com.",
    "_turn._tcp IN SRV 0 1 3478 turn-server.falcot.com.",
    "_sips._tcp.sip IN SRV 0 1 5061 sip-proxy.falcot.com.",
    "_sip._tcp.sip IN SRV 0 1 5060 sip-proxy.falcot.com.",
    "_sip._udp.sip IN SRV 0 1 5060 sip-proxy.falcot.com.",
    "_xmpp-client._tcp IN SRV 5 0 5222 xmpp-gw.falcot.com.",
    "_xmpp-server._tcp IN SRV 5 0 5269 xmpp-gw.falcot.com.",
    '@ IN NAPTR 10 0 "s" "RELAY:turn.udp" "" _turn._udp.falcot.com.',
    '@ IN NAPTR 10 10 "s" "RELAY:turn.tcp" "" _turn._tcp.falcot.com.',
    '@ IN NAPTR 10 20 "s" "RELAY:turn.tls" "" _turns._tcp.falcot.com.',
    'sip IN NAPTR 10 10 "s" "SIPS+D2T" "" _sips._tcp.sip.falcot.com.',
    'sip IN NAPTR 20 10 "s" "SIP+D2T" "" _sip._tcp.sip.falcot.com.',
    'sip IN NAPTR 30 10 "s" "SIP+D2U" "" _sip._udp.sip.falcot.com.',
    "sip-proxy IN AAAA 2001:db8:1000:2000::19",
    "xmpp-gw IN AAAA 2001:db8:1000:2000::19",
];

describe("Falcot stack under mocks", () => {
    it("publishes exactly the standard record set", async () => {
        const { zone } = await runSynth();
        expect(recordSet(zone)).toEqual([...common,
            "turn-server IN A 198.51.100.19", "turn-server IN A 198.51.100.20", "turn-server IN A 198.51.100.21",
            "sip-proxy IN A 198.51.100.19", "xmpp-gw IN A 198.51.100.19",
            "_turns._tcp IN SRV 0 1 5349 turn-server.falcot.com.",
        ].sort());
    });

    it("publishes exactly the port443 record set, each service on its own address", async () => {
        const { zone } = await runSynth({ sets: [["layout", "port443"]] });
        expect(recordSet(zone)).toEqual([...common,
            "turn-server IN A 198.51.100.19", "sip-proxy IN A 198.51.100.20", "xmpp-gw IN A 198.51.100.21",
            "_turns._tcp IN SRV 0 1 443 turn-server.falcot.com.",
            "_sips._tcp.sip IN SRV 10 1 443 sip-proxy.falcot.com.",
            "_xmpps-client._tcp IN SRV 5 0 443 xmpp-gw.falcot.com.",
        ].sort());
    });

    it("builds the resource graph: components parented, one apt transaction per host, Cloudflare records", async () => {
        const { resources } = await runSynth();
        const of = (type: string) => resources.filter((r) => r.type === type);
        for (const t of ["TurnServer", "SipProxy", "XmppServer", "RtcDnsZone", "RtcCertificates", "RtcHost"]) expect(of(`rtc:index:${t}`)).toHaveLength(1);
        const commands = of("command:remote:Command");
        expect(commands.filter((c) => c.name.endsWith("-packages"))).toHaveLength(1);
        const apt = commands.find((c) => c.name === "server1-packages")!;
        expect(apt.inputs.create).toContain("packages='coturn kamailio kamailio-mysql-modules kamailio-tls-modules lua-unbound mariadb-server nftables prosody sqlite3'");
        expect(apt.parent).toBe("rtc:index:RtcHost::server1");
        for (const c of commands) expect(c.parent).toMatch(/^rtc:index:/);
        expect(of("cloudflare:index/dnsRecord:DnsRecord").length).toBe(recordSetSize(resources));
        const srv = of("cloudflare:index/dnsRecord:DnsRecord").find((r) => r.inputs.name === "_sips._tcp.sip.falcot.com")!;
        expect(srv.inputs).toMatchObject({ type: "SRV", priority: 0, data: { priority: 0, weight: 1, port: 5061, target: "sip-proxy.falcot.com" } });
        expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining(["turn-service-coturn", "sip-service-kamailio", "xmpp-service-prosody", "sip-database", "sip-users", "turn-users", "xmpp-users"]));
        expect(of("rtc:index:HostFirewall").map((r) => r.name)).toEqual(["server1-firewall"]);
        const confirm = commands.find((c) => c.name === "server1-firewall-confirm")!;
        expect(confirm.parent).toBe("rtc:index:HostFirewall::server1-firewall");
    });

    it("keeps a firewall on each host unless the host opts out (hosts.NAME.firewall: false)", async () => {
        const { resources } = await runSynth({ sets: [["hosts.server1.firewall", "false"]] });
        expect(resources.filter((r) => r.type === "rtc:index:HostFirewall")).toHaveLength(0);
        expect(resources.filter((r) => r.name.includes("firewall"))).toEqual([]);
    });

    it("with click-to-call on: the page's records, a second coturn process beside TURN users, and its secrets made by the stack", async () => {
        const { out, resources, zone } = await runSynth({ sets: [["clickToCall", '{"enabled":true,"destinations":["roland"]}']] });
        expect(recordSet(zone)).toEqual(expect.arrayContaining(["call IN A 198.51.100.19", "call IN AAAA 2001:db8:1000:2000::19"]));
        expect(resources.filter((r) => r.type === "rtc:index:ClickToCall")).toHaveLength(1);
        const rest = fs.readFileSync(path.join(out, "hosts/server1/etc/coturn/turnserver-rest.conf"), "utf8");
        expect(rest).toMatch(/^listening-port=3480$/m);
        expect(rest).toMatch(/^use-auth-secret$/m);
        expect(rest).not.toMatch(/^lt-cred-mech$/m);
        expect(fs.readFileSync(path.join(out, "hosts/server1/etc/turnserver.conf"), "utf8")).not.toMatch(/auth-secret/);
        const settings = JSON.parse(fs.readFileSync(path.join(out, "hosts/server1/etc/nginx/click-to-call/settings.json"), "utf8"));
        expect(settings).toMatchObject({ webSocketUrl: "wss://sip-proxy.falcot.com:8443", turnSecret: "@@SECRET:click-to-call-turn-secret@@", destinations: [{ uri: "sip:roland@sip.falcot.com" }] });
        for (const made of ["password-turn-rest-secret", "password-sip-guest-secret"]) {
            expect(resources.find((r) => r.name === made)).toBeDefined();
        }
        expect(resources.find((r) => r.name === "turn-secret-coturn-static-auth-secret")!.inputs.stdin).toBe("[secret]");
        expect(resources.find((r) => r.name === "click-to-call-secret-click-to-call-sip-guest-secret")!.inputs.stdin).toBe("[secret]");
    });

    it("generated passwords come from one key: no resource per user, one password per user and key", async () => {
        const { resources } = await runSynth({ sets: [["generatePasswords", "true"]] });
        expect(resources.filter((r) => r.name.startsWith("password-")).map((r) => r.name)).toEqual(["password-key"]);
        const key = "k".repeat(32);
        const roland = derivedPassword(key, "roland");
        expect(roland).toMatch(/^[A-Za-z0-9]{24}$/);
        expect(derivedPassword(key, "roland")).toBe(roland);
        expect(derivedPassword(key, "joe")).not.toBe(roland);
        expect(derivedPassword("j".repeat(32), "roland")).not.toBe(roland);
    });

    it("port443 with the page needs a fourth address, and says so", async () => {
        await expect(runSynth({ sets: [["layout", "port443"], ["clickToCall", '{"enabled":true,"destinations":["roland"]}']] }))
            .rejects.toThrow(/hosts\.server1\.ipv4 with layout "port443" needs 4 public IPv4 addresses \(one each for TURN, SIP, XMPP, the web page on port 443\) but has 3/);
    });

    it("marks every secret secret and writes no secret value anywhere", async () => {
        const pw = "Sup3r-secret-roland-pw";
        const { out, resources } = await runSynth({ sets: [["users.roland.services", '["sip"]']], secrets: [["passwords.roland", pw], ["sshPrivateKey", "-----BEGIN OPENSSH PRIVATE KEY-----\nXYZSECRET0123\n-----END OPENSSH PRIVATE KEY-----\n"], ["turnStaticAuthSecret", "static-auth-secret-0123456789abcdef"]] });
        for (const c of resources.filter((r) => r.type === "command:remote:Command")) {
            // The connection holds the private key, so the whole connection is secret.
            expect(c.inputs.connection).toBe("[secret]");
        }
        for (const step of ["turn-users", "sip-users", "xmpp-users"]) expect(resources.find((r) => r.name === step)!.inputs.stdin).toBe("[secret]");
        expect(resources.find((r) => r.name === "turn-etc-coturn-tls-turn-server.falcot.com.key")!.inputs.stdin).toBe("[secret]");
        expect(resources.find((r) => r.name === "turn-etc-coturn-tls-turn-server.falcot.com.crt")!.inputs.stdin).not.toBe("[secret]");
        expect(resources.find((r) => r.name === "turn-etc-turnserver.conf")!.inputs.stdin).toContain("realm=falcot.com");
        const conf = fs.readFileSync(path.join(out, "hosts/server1/etc/turnserver.conf"), "utf8");
        expect(conf).toContain("static-auth-secret=@@SECRET:coturn-static-auth-secret@@");
        const grep = (s: string) => { try { return execFileSync("grep", ["-rl", s, out], { encoding: "utf8" }); } catch { return ""; } };
        expect(grep(pw)).toBe("");
        expect(grep("XYZSECRET")).toBe("");
        expect(grep("static-auth-secret-0123456789abcdef")).toBe("");
    });
});

function recordSetSize(resources: { type: string; inputs: Record<string, unknown> }[]): number {
    return new Set(resources.filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord").map((r) => JSON.stringify(r.inputs))).size;
}
