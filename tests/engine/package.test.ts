import { spawnSync, SpawnSyncOptions } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { engineEnv, repoRoot } from "./engine-env";

// The components as a Pulumi package (plugin/), as a YAML user takes them: the library installed as npm
// installs it, `pulumi package get-schema` and `pulumi package add` on its plugin folder, then
// examples/yaml with the real engine, offline, against a local test host: preview, up, real clients, a no-op
// preview, destroy.

const work = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-pkg-"));
const installed = path.join(work, "node_modules", "pulumi-rtc");
const plugin = path.join(installed, "plugin");
const keys = path.join(work, "keys");
// The example runs where it sits in a checkout, two folders below the package's plugin/.
const project = path.join(installed, "examples", "yaml");
const address = "198.51.100.130";
const hostName = "yaml0";
const passwords = { roland: "roland's long password", joe: "joe's long password" };
let env: NodeJS.ProcessEnv = {};

const run = (cmd: string, args: string[], opts: SpawnSyncOptions & { allowFail?: boolean } = {}) => {
    const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 1800000, ...opts });
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${output.slice(-6000)}`);
    return { code: r.status, stdout: String(r.stdout ?? ""), output };
};
const pulumi = (args: string[], opts: { input?: string; allowFail?: boolean; cwd?: string } = {}) =>
    run("pulumi", [...args, "--non-interactive"], { cwd: opts.cwd ?? project, env, input: opts.input, allowFail: opts.allowFail });
const ssh = (command: string) => run("ssh", ["-i", path.join(keys, "client"), "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${path.join(keys, "known_hosts")}`,
    "-o", "BatchMode=yes", `root@${address}`, command]).stdout;

beforeAll(() => {
    // The library as npm installs it (compiled into bin/, beside plugin/), resolving its dependencies from the repo.
    fs.mkdirSync(installed, { recursive: true });
    run("npx", ["tsc", "-p", "tsconfig.build.json", "--outDir", path.join(installed, "bin")], { cwd: repoRoot });
    fs.copyFileSync(path.join(repoRoot, "package.json"), path.join(installed, "package.json"));
    for (const f of ["index.ts", "package.json", "PulumiPlugin.yaml", "tsconfig.json"]) fs.cpSync(path.join(repoRoot, "plugin", f), path.join(plugin, f));
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(installed, "node_modules"));
    // As `npm run build` makes plugin/index.js: strict, against the built library's declarations.
    run("npx", ["tsc", "-p", path.join(plugin, "tsconfig.json")], { cwd: repoRoot });
    fs.mkdirSync(path.join(work, "state"));
    env = { ...engineEnv({ PULUMI_RTC_STATE_DIR: path.join(work, "state") }), PULUMI_CONFIG_PASSPHRASE: "this test's own passphrase" };
}, 600000);

afterAll(() => {
    if (fs.existsSync(path.join(project, "Pulumi.yaml"))) pulumi(["destroy", "--yes", "--skip-preview"], { allowFail: true });
    run("bash", [path.join(repoRoot, "scripts/local/host.sh"), "delete", hostName], { allowFail: true, timeout: 300000 });
    fs.rmSync(work, { recursive: true, force: true });
}, 1800000);

type Schema = { name: string; resources: Record<string, { isComponent?: boolean; inputProperties: Record<string, unknown>; requiredInputs?: string[]; properties: Record<string, unknown> }>; types: Record<string, { properties: Record<string, unknown> }> };

it("get-schema: every component with its inputs and outputs, and the plain types they take", () => {
    const schema = JSON.parse(run("pulumi", ["package", "get-schema", plugin], { env }).stdout) as Schema;
    expect(schema.name).toBe("rtc");
    const shape = (token: string) => ({
        component: schema.resources[token]?.isComponent,
        inputs: Object.keys(schema.resources[token]?.inputProperties ?? {}).sort(),
        required: [...(schema.resources[token]?.requiredInputs ?? [])].sort(),
        outputs: Object.keys(schema.resources[token]?.properties ?? {}).sort(),
    });
    expect(Object.keys(schema.resources).sort()).toEqual(["rtc:index:HostFirewall", "rtc:index:RtcDnsZone", "rtc:index:SipProxy", "rtc:index:TurnServer", "rtc:index:XmppServer"]);
    expect(shape("rtc:index:TurnServer")).toEqual({
        component: true,
        inputs: ["adminUsers", "certificate", "domain", "extraDeniedPeerRanges", "host", "hostname", "ipv4", "ipv6", "port", "realm", "relayPorts", "staticAuthSecret", "tlsPort", "userDb", "users"],
        required: ["host"],
        outputs: ["configText", "dnsRecords", "hostname", "ports", "realm", "restUris"],
    });
    expect(shape("rtc:index:SipProxy")).toEqual({
        component: true,
        inputs: ["certificate", "databasePassword", "domain", "guests", "host", "hostname", "ipv4", "ipv6", "port", "sipDomain", "tls443Address", "tlsPort", "users", "webSocketPort", "floodLimit"].sort(),
        required: ["host"],
        outputs: ["caCertPem", "dnsRecords", "hostname", "ports", "sipDomain", "webSocketUrl"],
    });
    expect(shape("rtc:index:XmppServer")).toEqual({
        component: true,
        inputs: ["admins", "certificate", "clientPort", "directTls443Address", "domains", "host", "hostname", "ipv4", "ipv6", "muc", "serverPort", "users"],
        required: ["host"],
        outputs: ["caCertPem", "dnsRecords", "domains", "hostname", "ports"],
    });
    expect(shape("rtc:index:RtcDnsZone")).toEqual({
        component: true,
        inputs: ["backend", "bindHost", "domain", "hostmaster", "nameServers", "recordSets", "records", "secondaries", "transferKey", "ttl", "zoneId"],
        required: ["domain"],
        outputs: ["ports", "records", "zoneText"],
    });
    expect(shape("rtc:index:HostFirewall")).toEqual({ component: true, inputs: ["host", "portSets", "ports", "revertAfterSeconds"], required: ["host"], outputs: ["ports", "rulesetText"] });
    expect(Object.keys(schema.types).sort()).toEqual(["rtc:index:Certificate", "rtc:index:DnsRecord", "rtc:index:Host", "rtc:index:HostConnection", "rtc:index:NameServer",
        "rtc:index:PortRange", "rtc:index:ServicePort", "rtc:index:SipGuests", "rtc:index:TurnUserDb", "rtc:index:User", "rtc:index:XmppUser"]);
    expect(Object.keys(schema.types["rtc:index:Host"].properties).sort()).toEqual(["connection", "fqdn", "ipv4", "ipv6"]);
    expect(JSON.stringify(schema.resources["rtc:index:RtcDnsZone"].inputProperties.backend)).toContain("zonefile");
});

it("Pulumi's Python and Go generators make SDKs from the schema that compile, with a Go program using one", () => {
    // pulumi-language-python and -go are not served here, so scripts/sdkgen calls the generators they call.
    const go = fs.existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : "go";
    const sdkgen = path.join(work, "sdkgen");
    run(go, ["build", "-o", sdkgen, "."], { cwd: path.join(repoRoot, "scripts/sdkgen"), env });
    const schema = path.join(work, "schema.json");
    fs.writeFileSync(schema, run("pulumi", ["package", "get-schema", plugin], { env }).stdout);

    const py = path.join(work, "sdk-python");
    run(sdkgen, [schema, "python", py]);
    const modules = fs.readdirSync(path.join(py, "pulumi_rtc")).filter((f) => f.endsWith(".py"));
    expect(modules.sort()).toEqual(["__init__.py", "_inputs.py", "_utilities.py", "host_firewall.py", "outputs.py", "provider.py", "rtc_dns_zone.py", "sip_proxy.py", "turn_server.py", "xmpp_server.py"]);
    run("python3", ["-m", "py_compile", ...modules.map((m) => path.join(py, "pulumi_rtc", m))]);
    expect(fs.readFileSync(path.join(py, "pulumi_rtc", "turn_server.py"), "utf8")).toContain("class TurnServer(pulumi.ComponentResource):");
    expect(fs.readFileSync(path.join(py, "pulumi_rtc", "_inputs.py"), "utf8")).toMatch(/class HostConnectionArgs:[\s\S]*private_key: pulumi\.Input\[_builtins\.str\]/);

    const sdk = path.join(work, "sdk-go", "rtc");
    run(sdkgen, [schema, "go", path.dirname(sdk)]);
    fs.writeFileSync(path.join(sdk, "go.mod"), "module example.com/pulumi-rtc/sdk/go/rtc\n\ngo 1.24.7\n\nrequire github.com/pulumi/pulumi/sdk/v3 v3.248.0\n");
    fs.mkdirSync(path.join(sdk, "example"));
    fs.writeFileSync(path.join(sdk, "example", "main.go"), [
        "package main",
        "",
        "import (",
        "\t\"example.com/pulumi-rtc/sdk/go/rtc\"",
        "\t\"github.com/pulumi/pulumi/sdk/v3/go/pulumi\"",
        "\t\"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config\"",
        ")",
        "",
        "func main() {",
        "\tpulumi.Run(func(ctx *pulumi.Context) error {",
        "\t\tcfg := config.New(ctx, \"\")",
        "\t\thost := rtc.HostArgs{Fqdn: \"server1.falcot.com\", Ipv4: []pulumi.StringInput{pulumi.String(\"198.51.100.19\")},",
        "\t\t\tConnection: rtc.HostConnectionArgs{PrivateKey: cfg.RequireSecret(\"sshPrivateKey\")}}",
        "\t\tturn, err := rtc.NewTurnServer(ctx, \"turn\", &rtc.TurnServerArgs{Host: host,",
        "\t\t\tUsers: []rtc.UserArgs{{Name: \"roland\", Password: cfg.RequireSecret(\"rolandPassword\")}}})",
        "\t\tif err != nil {",
        "\t\t\treturn err",
        "\t\t}",
        "\t\tctx.Export(\"turnHost\", turn.Hostname)",
        "\t\treturn nil",
        "\t})",
        "}",
        "",
    ].join("\n"));
    run(go, ["mod", "tidy"], { cwd: sdk, env });
    run(go, ["vet", "./..."], { cwd: sdk, env });
    run(go, ["build", "-o", path.join(work, "go-example"), "./example"], { cwd: sdk, env });
    expect(fs.existsSync(path.join(work, "go-example"))).toBe(true);
});

it("a bad value fails at preview, naming the component, the field and the fix, and nothing is applied", () => {
    const bad = path.join(work, "bad");
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, "Pulumi.yaml"), ["name: rtc-bad", "runtime: yaml", "resources:", "  zone:", "    type: rtc:RtcDnsZone", "    properties:",
        "      domain: falcot.com", "      backend: bnd", ""].join("\n"));
    pulumi(["package", "add", plugin], { cwd: bad });
    pulumi(["stack", "init", "bad"], { cwd: bad });
    const preview = pulumi(["preview"], { cwd: bad, allowFail: true });
    expect(preview.code).not.toBe(0);
    expect(preview.output).toContain('RtcDnsZone "zone": backend is "bnd". Fix: use zonefile, cloudflare or bind');
    const up = pulumi(["up", "--yes", "--skip-preview"], { cwd: bad, allowFail: true });
    expect(up.code).not.toBe(0);
    const resources = (JSON.parse(pulumi(["stack", "export"], { cwd: bad }).stdout) as { deployment: { resources: { type: string }[] } }).deployment.resources;
    // At most the component's own empty record, which the provider may have registered before the check failed.
    expect(resources.map((r) => r.type).filter((t) => !["pulumi:pulumi:Stack", "pulumi:providers:rtc", "rtc:index:RtcDnsZone"].includes(t))).toEqual([]);
});

describe("examples/yaml on a local test host", () => {
    let upOutput = "";

    beforeAll(() => {
        fs.mkdirSync(keys, { mode: 0o700 });
        for (const k of ["client", "host"]) run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `rtc-yaml-${k}`, "-f", path.join(keys, k)]);
        run("bash", [path.join(repoRoot, "scripts/local/host.sh"), "create"], { timeout: 600000, input: JSON.stringify({
            name: hostName, ipv4: [address], hostGateway4: "198.51.100.129", prefix4: 25,
            authorizedKey: fs.readFileSync(path.join(keys, "client.pub"), "utf8").trim(), hostKeyPrivate: fs.readFileSync(path.join(keys, "host"), "utf8"),
        }) });
        fs.writeFileSync(path.join(keys, "known_hosts"), `${address} ${fs.readFileSync(path.join(keys, "host.pub"), "utf8").trim()}\n`);

        // As examples/yaml says.
        fs.cpSync(path.join(repoRoot, "examples/yaml"), project, { recursive: true });
        pulumi(["package", "add", "../../plugin"]);
        pulumi(["stack", "init", "dev"]);
        pulumi(["config", "set", "address", address]);
        pulumi(["config", "set", "hostKey"], { input: run("ssh-keyscan", ["-t", "ed25519", address]).stdout });
        pulumi(["config", "set", "--secret", "sshPrivateKey"], { input: fs.readFileSync(path.join(keys, "client"), "utf8") });
        pulumi(["config", "set", "--secret", "rolandPassword"], { input: passwords.roland });
        pulumi(["config", "set", "--secret", "joePassword"], { input: passwords.joe });
    }, 1800000);

    it("pulumi package add records the package in Pulumi.yaml", () => {
        expect(fs.readFileSync(path.join(project, "Pulumi.yaml"), "utf8")).toMatch(/^packages:\n {2}rtc: \.\.\/\.\.\/plugin/m);
    });

    it("preview shows the five components and their steps", () => {
        const preview = pulumi(["preview"]).output;
        for (const t of ["rtc:index:TurnServer", "rtc:index:SipProxy", "rtc:index:XmppServer", "rtc:index:RtcDnsZone", "rtc:index:HostFirewall", "rtc:index:RtcHost", "command:remote:Command"]) expect(preview).toContain(t);
        expect(preview).not.toContain(passwords.roland);
    });

    it("up stands the services up: STUN, SRV from BIND, the daemons running", () => {
        upOutput = pulumi(["up", "--yes", "--skip-preview"]).output;
        expect(run("turnutils_stunclient", ["-p", "3478", address]).output).toMatch(/UDP reflexive addr/);
        expect(run("turnutils_uclient", ["-y", "-n", "3", "-m", "1", "-l", "100", "-u", "roland", "-w", passwords.roland, "-p", "3478", address], { timeout: 60000 }).output).toMatch(/Total lost packets 0 /);
        expect(run("dig", [`@${address}`, "+short", "_sips._tcp.sip.falcot.com", "SRV"]).stdout).toContain("5061 sip-proxy.falcot.com.");
        expect(run("dig", [`@${address}`, "+short", "_xmpp-client._tcp.falcot.com", "SRV"]).stdout).toContain("5222 xmpp-gw.falcot.com.");
        expect(ssh("systemctl is-active coturn kamailio mariadb prosody named").trim().split("\n")).toEqual(["active", "active", "active", "active", "active"]);
        expect(ssh("hostname").trim()).toBe("server1.falcot.com");
        // The firewall opens the services' ports, DNS and SSH, and nothing else: the services above answered through it.
        const opened = ssh("nft list table inet pulumi_rtc").split("\n").filter((l) => /^\s*(udp|tcp) dport \S+ accept comment /.test(l)).map((l) => l.trim().replace(/ accept comment .*/, ""));
        expect(opened).toEqual(expect.arrayContaining(["udp dport 53", "tcp dport 53", "udp dport 3478", "tcp dport 5061", "tcp dport 5222", "udp dport 49152-65535", "tcp dport 22"]));
        expect(opened.filter((l) => !/^(udp|tcp) dport (53|22|3478|5349|5060|5061|5222|5223|5269|49152-65535)$/.test(l))).toEqual([]);
        expect(ssh("systemctl is-enabled pulumi-rtc-firewall").trim()).toBe("enabled");
        const ca = path.join(work, "xmpp-ca.pem");
        fs.writeFileSync(ca, pulumi(["stack", "output", "xmppCaCertPem"]).stdout.trim());
        const xmpp = run("openssl", ["s_client", "-connect", `${address}:5222`, "-starttls", "xmpp", "-xmpphost", "falcot.com", "-CAfile", ca, "-verify_return_error", "-verify_hostname", "falcot.com"], { input: "", allowFail: true, timeout: 30000 });
        expect(xmpp.output).toMatch(/Verify return code: 0 \(ok\)/);
    });

    it("one RtcHost for the five components, each with its own apt transaction", () => {
        const resources = (JSON.parse(pulumi(["stack", "export"]).stdout) as { deployment: { resources: { urn: string; type: string }[] } }).deployment.resources;
        expect(resources.filter((r) => r.type === "rtc:index:RtcHost").map((r) => r.urn.split("::").pop())).toEqual(["server1.falcot.com"]);
        expect(resources.filter((r) => /::server1\.falcot\.com-packages/.test(r.urn)).map((r) => r.urn.split("::").pop()).sort())
            .toEqual(["server1.falcot.com-packages-dns-zone", "server1.falcot.com-packages-firewall-firewall", "server1.falcot.com-packages-sip-sip", "server1.falcot.com-packages-turn-turn", "server1.falcot.com-packages-xmpp-xmpp"]);
    });

    it("no password or private key in the state or in what up printed", () => {
        const state = fs.readdirSync(path.join(work, "state"), { recursive: true }).map(String).filter((f) => fs.statSync(path.join(work, "state", f)).isFile())
            .map((f) => fs.readFileSync(path.join(work, "state", f), "utf8")).join("\n");
        const key = fs.readFileSync(path.join(keys, "client"), "utf8").split("\n")[1];
        for (const secret of [passwords.roland, passwords.joe, key]) {
            expect(state).not.toContain(secret);
            expect(upOutput).not.toContain(secret);
        }
    });

    it("a second preview changes nothing", () => {
        expect(pulumi(["preview", "--expect-no-changes"]).code).toBe(0);
    });

    it("destroy removes the services and gives the host its packages back", () => {
        pulumi(["destroy", "--yes", "--skip-preview"]);
        expect(ssh("dpkg-query -W -f='${db:Status-Status} ${Package}\\n' coturn kamailio prosody bind9 mariadb-server 2>/dev/null | grep '^installed' || true").trim()).toBe("");
        expect(ssh("hostname").trim()).not.toBe("server1.falcot.com");
    });
});
