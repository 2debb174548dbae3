import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// The cloud stacks under mocks, through offline synth (no credentials, no engine): the machines, their public
// addresses, the firewall against what the daemons' rendered configs listen on, the NAT mapping, secret user data.

const root = path.resolve(__dirname, "../..");

interface Resource { type: string; name: string; parent?: string; inputs: Record<string, unknown> }

async function synth(stack: string, layout: string) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `rtc-${stack}-${layout}-`));
    await jest.isolateModulesAsync(async () => {
        const { synth: run } = await import("../../scripts/synth");
        await run(root, { stack, out, sets: [["layout", layout]], secrets: [] });
    });
    const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as Resource[];
    const zone = fs.readFileSync(path.join(out, "zone.db"), "utf8");
    const files = new Map(["etc/turnserver.conf", "etc/kamailio/kamailio-local.cfg", "etc/prosody/prosody.cfg.lua"]
        .map((p) => [p, fs.readFileSync(path.join(out, "hosts", "server1", p), "utf8")]));
    const file = (p: string) => files.get(p)!;
    const all = fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
        .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8")).join("\n");
    fs.rmSync(out, { recursive: true, force: true });
    return { resources, zone, file, all };
}

const ofType = (rs: Resource[], type: string) => rs.filter((r) => r.type === type);
/** A-record addresses of a name in the zone text. */
const aRecords = (zone: string, name: string) => zone.split("\n").filter((l) => l.startsWith(`${name} `) && / IN A /.test(l)).map((l) => l.trim().split(/\s+/).pop()!);

/** The ports the rendered daemon configs listen on, as `proto port` / `proto from-to`, SSH added. */
function portsListenedOn(file: (p: string) => string): string[] {
    const turn = file("etc/turnserver.conf");
    const value = (k: string) => new RegExp(`^${k}=(\\d+)$`, "m").exec(turn)?.[1];
    const ports = new Set<string>(["tcp 22"]);
    // With two addresses of one family coturn also listens on the next port of each (RFC 5780; the render tier
    // sees it do so).
    const ips = [...turn.matchAll(/^listening-ip=(\S+)$/gm)].map((m) => m[1]);
    const alternates = ips.filter((a) => !a.includes(":")).length >= 2 || ips.filter((a) => a.includes(":")).length >= 2;
    for (const p of [value("listening-port"), value("tls-listening-port")]) {
        for (const n of p ? [Number(p), ...(alternates ? [Number(p) + 1] : [])] : []) { ports.add(`tcp ${n}`); ports.add(`udp ${n}`); }
    }
    ports.add(`udp ${value("min-port")}-${value("max-port")}`);
    for (const m of file("etc/kamailio/kamailio-local.cfg").matchAll(/^listen=(udp|tcp|tls):\S+:(\d+)/gm)) ports.add(`${m[1] === "udp" ? "udp" : "tcp"} ${m[2]}`);
    for (const m of file("etc/prosody/prosody.cfg.lua").matchAll(/^(?:c2s_ports|s2s_ports|c2s_direct_tls_ports) = \{ ([\d, ]+) \}/gm)) {
        for (const p of m[1].split(/,\s*/)) ports.add(`tcp ${p}`);
    }
    return [...ports].sort();
}

describe.each(["standard", "port443"])("Hetzner Cloud, %s layout", (layout) => {
    let s: Awaited<ReturnType<typeof synth>>;
    beforeAll(async () => { s = await synth("falcot-hcloud", layout); });
    const wanted = layout === "standard" ? 2 : 3;

    it("makes a Debian 12 server with its own primary IPv4 and IPv6", () => {
        const [server] = ofType(s.resources, "hcloud:index/server:Server");
        expect(server.inputs).toMatchObject({ image: "debian-12", serverType: "cx23", location: "fsn1" });
        expect(ofType(s.resources, "hcloud:index/primaryIp:PrimaryIp").map((r) => [r.inputs.type, r.inputs.autoDelete])).toEqual([["ipv4", false], ["ipv6", false]]);
    });

    it(`gives it ${wanted} floating IPv4 addresses, assigned, with reverse DNS for every address`, () => {
        expect(ofType(s.resources, "hcloud:index/floatingIp:FloatingIp")).toHaveLength(wanted);
        expect(ofType(s.resources, "hcloud:index/floatingIpAssignment:FloatingIpAssignment")).toHaveLength(wanted);
        const rdns = ofType(s.resources, "hcloud:index/rdns:Rdns");
        expect(rdns).toHaveLength(wanted + 2);
        expect(new Set(rdns.map((r) => r.inputs.dnsPtr))).toEqual(new Set(["server1.falcot.com"]));
    });

    it("opens exactly the ports the daemons' rendered configs listen on, and ICMP", () => {
        const [fw] = ofType(s.resources, "hcloud:index/firewall:Firewall");
        const rules = fw.inputs.rules as { protocol: string; port?: string; direction: string }[];
        expect(rules.every((r) => r.direction === "in")).toBe(true);
        expect(rules.filter((r) => r.protocol !== "icmp").map((r) => `${r.protocol} ${r.port}`).sort()).toEqual(portsListenedOn(s.file));
        expect(rules.filter((r) => r.protocol === "icmp")).toHaveLength(1);
    });

    it("publishes the services at the floating addresses and the server's name at its primary one", () => {
        const floating = aRecords(s.zone, "turn-server");
        expect(floating).toHaveLength(layout === "standard" ? 2 : 1);
        expect(aRecords(s.zone, "server1")).toHaveLength(1);
        expect(floating).not.toContain(aRecords(s.zone, "server1")[0]);
        // No NAT on Hetzner: coturn binds the floating addresses themselves.
        expect(s.file("etc/turnserver.conf")).not.toContain("external-ip");
        for (const a of floating) expect(s.file("etc/turnserver.conf")).toContain(`listening-ip=${a}`);
    });

    it("shows the user data only as [secret], and no private key anywhere", () => {
        expect(ofType(s.resources, "hcloud:index/server:Server")[0].inputs.userData).toBe("[secret]");
        expect(s.all).not.toMatch(/PRIVATE KEY|mock private key/);
    });
});

describe.each(["standard", "port443"])("AWS EC2, %s layout", (layout) => {
    let s: Awaited<ReturnType<typeof synth>>;
    beforeAll(async () => { s = await synth("falcot-aws", layout); });
    const wanted = layout === "standard" ? 2 : 3;

    it("makes an instance of the newest Debian 12 AMI on one interface with a secondary private IPv4 per extra address", () => {
        const [instance] = ofType(s.resources, "aws:ec2/instance:Instance");
        expect(instance.inputs).toMatchObject({ ami: "ami-0123456789abcdef0", instanceType: "t3.small", metadataOptions: { httpTokens: "required" } });
        const [eni] = ofType(s.resources, "aws:ec2/networkInterface:NetworkInterface");
        expect(eni.inputs).toMatchObject({ subnetId: "subnet-0123456789abcdef0", privateIpsCount: wanted - 1 });
    });

    it(`associates ${wanted} Elastic IPs, one with each private address`, () => {
        const eips = ofType(s.resources, "aws:ec2/eip:Eip");
        expect(eips).toHaveLength(wanted);
        expect(new Set(eips.map((e) => e.inputs.associateWithPrivateIp)).size).toBe(wanted);
    });

    it("opens exactly the ports the daemons' rendered configs listen on, for IPv4", () => {
        const rules = ofType(s.resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs as { ipProtocol: string; fromPort: number; toPort: number; cidrIpv4?: string });
        expect(rules.every((r) => r.cidrIpv4 === "0.0.0.0/0")).toBe(true);
        expect(rules.map((r) => `${r.ipProtocol} ${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort}-${r.toPort}`}`).sort()).toEqual(portsListenedOn(s.file));
    });

    it("maps each public address to its private one: coturn external-ip, Kamailio advertise, DNS at the public side", () => {
        const eips = ofType(s.resources, "aws:ec2/eip:Eip").map((e) => e.inputs.associateWithPrivateIp as string);
        const conf = s.file("etc/turnserver.conf");
        const external = [...conf.matchAll(/^external-ip=(\S+)\/(\S+)$/gm)].map((m) => ({ public: m[1], private: m[2] }));
        const turnA = aRecords(s.zone, "turn-server");
        expect(external.map((e) => e.public).sort()).toEqual(turnA.sort());
        for (const e of external) {
            expect(eips).toContain(e.private);
            expect(conf).toContain(`listening-ip=${e.private}`);
            expect(conf).toContain(`relay-ip=${e.private}`);
        }
        const sipPublic = aRecords(s.zone, "sip-proxy")[0];
        expect(s.file("etc/kamailio/kamailio-local.cfg")).toMatch(new RegExp(`^listen=tls:10\\.0\\.1\\.\\d+:5061 advertise ${sipPublic.replace(/\./g, "\\.")}:5061$`, "m"));
        expect(s.file("etc/prosody/prosody.cfg.lua")).toMatch(/^interfaces = \{ "10\.0\.1\.\d+" \}$/m);
    });

    it("shows the user data only as [secret], and no private key anywhere", () => {
        expect(ofType(s.resources, "aws:ec2/instance:Instance")[0].inputs.userData).toBe("[secret]");
        expect(s.all).not.toMatch(/PRIVATE KEY|mock private key/);
    });
});
