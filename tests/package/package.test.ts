// The package as a user gets it: `npm pack`, the tarball installed into a fresh program beside
// @pulumi/pulumi, the README's component examples and examples/typescript type-checked under `strict`
// and run under Pulumi mocks. Needs the npm registry (or npm's cache) for the package's dependencies.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { engineEnv } from "../engine/engine-env";

const root = path.resolve(__dirname, "../..");
const SETUP_TIMEOUT = 15 * 60 * 1000;
let tmp = "";
let tarball = "";
let consumer = "";

function run(cmd: string, args: string[], cwd: string): string {
    try {
        return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
    } catch (e) {
        const err = e as { message: string; stdout?: string; stderr?: string };
        throw new Error(`${err.message}\n${err.stdout ?? ""}${err.stderr ?? ""}`.slice(0, 6000));
    }
}
const tsc = (args: string[]) => run(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), ...args], consumer);

/** The README's TypeScript blocks of "The components", in order: they must make one program. */
function readmeProgram(): string {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## The components"), readme.indexOf("### Layouts"));
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    return blocks.join("\n");
}

beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-package-"));
    const packed = run("npm", ["pack", "--silent", "--pack-destination", tmp], root).trim().split("\n").pop()!;
    tarball = path.join(tmp, packed);
    consumer = path.join(tmp, "consumer");
    fs.mkdirSync(consumer);
    for (const f of ["Pulumi.yaml", "index.ts", "tsconfig.json"]) fs.copyFileSync(path.join(root, "examples/typescript", f), path.join(consumer, f));
    fs.writeFileSync(path.join(consumer, "readme.ts"), readmeProgram());
    const pulumiVersion = (JSON.parse(fs.readFileSync(path.join(root, "node_modules/@pulumi/pulumi/package.json"), "utf8")) as { version: string }).version;
    fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, dependencies: { "@pulumi/pulumi": pulumiVersion, "pulumi-rtc": `file:${tarball}` } }, null, 2));
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], consumer);
}, SETUP_TIMEOUT);

afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test("the tarball holds only the library, its shell layer, README, LICENSE and CHANGELOG", () => {
    const files = run("tar", ["-tzf", tarball], tmp).trim().split("\n").map((f) => f.replace(/^package\//, "")).sort();
    const allowed = /^(bin\/.+\.(js|d\.ts)|bin\/web\/page\/dist\/(index\.html|phone\.html|style\.css)|plugin\/(index\.ts|index\.js|package\.json|PulumiPlugin\.yaml|tsconfig\.json)|scripts\/local\/host\.sh|scripts\/local\/install-host-deps\.sh|scripts\/apt-ensure\.sh|README\.md|LICENSE|CHANGELOG\.md|package\.json)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files.filter((f) => /test|__snapshots__|fixture|toolchain|stacks\/|examples\//.test(f))).toEqual([]);
    for (const must of ["bin/index.js", "bin/index.d.ts", "plugin/PulumiPlugin.yaml", "plugin/index.ts", "plugin/index.js", "scripts/local/host.sh", "README.md", "LICENSE", "CHANGELOG.md",
        "bin/web/njs/config.js", "bin/web/page/dist/click-to-call.js", "bin/web/page/dist/index.html", "bin/web/page/dist/phone.html"]) expect(files).toContain(must);
    expect(files.filter((f) => f.startsWith("bin/web/page/") && !f.startsWith("bin/web/page/dist/"))).toEqual([]);
    // The allow-list above decides what may ship; this bound only catches a glob that suddenly pulls in a tree.
    expect(files.length).toBeLessThan(200);
});

test("the package exposes its entry point and one per cloud, and needs no cloud SDK", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(consumer, "node_modules/pulumi-rtc/package.json"), "utf8")) as Record<string, unknown>;
    expect(Object.keys(pkg.exports as object)).toEqual([".", "./hcloud", "./aws", "./package.json"]);
    for (const sdk of ["cloudflare", "hcloud", "aws"]) expect({ sdk, installed: fs.existsSync(path.join(consumer, `node_modules/@pulumi/${sdk}`)) }).toEqual({ sdk, installed: false });
    // A cloud's entry point says what is missing rather than failing deep inside.
    expect(() => run(process.execPath, ["-e", "require('pulumi-rtc/hcloud')"], consumer)).toThrow(/Cannot find module '@pulumi\/hcloud'/);
    const deep = () => run(process.execPath, ["-e", "require('pulumi-rtc/bin/host/primitives')"], consumer);
    expect(deep).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
});

test("examples/typescript and the README's examples type-check under strict from the installed package", () => {
    expect(() => tsc(["-p", "tsconfig.json"])).not.toThrow();
    expect(() => tsc(["--strict", "--noEmit", "--target", "ES2020", "--module", "commonjs", "--esModuleInterop", "readme.ts"])).not.toThrow();
});

test("both programs run under mocks and declare every component, without Cloudflare", () => {
    tsc(["--strict", "--target", "ES2020", "--module", "commonjs", "--esModuleInterop", "--outDir", "out", "index.ts", "readme.ts"]);
    fs.writeFileSync(path.join(consumer, "mock-run.js"), `
const pulumi = require("@pulumi/pulumi");
const seen = [];
pulumi.runtime.setMocks({
    newResource: (a) => { seen.push(a.type + "::" + a.name); return { id: a.name + "-id", state: { ...a.inputs, stdout: "rev" } }; },
    call: (a) => a.inputs,
}, "example", "dev", true);
const secret = (v) => v;
pulumi.runtime.setAllConfig({
    "example:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\\nAAAA\\n-----END OPENSSH PRIVATE KEY-----\\n",
    "example:rolandPassword": "roland's long password", "example:adminPassword": "admin's long password",
    "example:joePassword": "joe's long password", "example:turnSecret": "0123456789abcdef0123456789abcdef",
    "example:guestSecret": "abcdef0123456789abcdef0123456789", "example:dnsTransferKey": "q8Yc1X/6fM+ZlB0Yw2n3JmP4s5T6u7V8w9x0y1z2A3E=",
}, ["example:dnsTransferKey", "example:sshPrivateKey", "example:rolandPassword", "example:adminPassword", "example:joePassword", "example:turnSecret", "example:guestSecret"].map(secret));
const program = require(process.argv[2]);
setTimeout(() => { console.log(JSON.stringify({ seen, exports: Object.keys(program) })); }, 1500);
`);
    for (const program of ["index.js", "readme.js"]) {
        const out = JSON.parse(run(process.execPath, ["mock-run.js", `./out/${program}`], consumer).trim().split("\n").pop()!) as { seen: string[]; exports: string[] };
        const types = new Set(out.seen.map((s) => s.split("::")[0]));
        for (const t of ["RtcHost", "RtcCertificates", "TurnServer", "SipProxy", "XmppServer", "ClickToCall", "RtcDnsZone"]) expect({ program, t, declared: types.has(`rtc:index:${t}`) }).toEqual({ program, t, declared: true });
        expect({ program, types: [...types].filter((t) => t.startsWith("cloudflare")) }).toEqual({ program, types: [] });
        expect(out.seen).toContain("command:remote:Command::server1-packages");
        expect(out.seen.filter((s) => s.startsWith("tls:index/privateKey:PrivateKey")).length).toBe(5); // one CA, four services: no stray CAs
        expect(out.exports.sort()).toEqual(program === "readme.js" ? ["caCertPem", "clickToCallUrl", "sipWssUrl", "zoneText"] : ["caCertPem", "clickToCallUrl", "zoneText"]);
    }
});

test("every public property of the installed components has a doc comment", () => {
    const dir = path.join(consumer, "node_modules/pulumi-rtc/bin");
    const undocumented: string[] = [];
    let properties = 0;
    for (const file of fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(".d.ts"))) {
        const lines = fs.readFileSync(path.join(dir, file), "utf8").split("\n");
        let inClass = false;
        lines.forEach((line, i) => {
            if (/^export declare class \w+.* extends pulumi\.ComponentResource/.test(line)) inClass = true;
            else if (/^}/.test(line)) inClass = false;
            else if (inClass && /^ {4}readonly \w+/.test(line)) {
                properties++;
                if (!/\*\/\s*$/.test(lines[i - 1])) undocumented.push(`${file}: ${line.trim()}`);
            }
        });
    }
    expect(properties).toBeGreaterThan(20);
    expect(undocumented).toEqual([]);
});

test("the README's cloud-host example type-checks and runs under mocks once the cloud SDKs are installed", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Cloud hosts"), readme.indexOf("## The Falcot stack"));
    const [block] = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    fs.writeFileSync(path.join(consumer, "cloud.ts"), block);
    const version = (sdk: string) => (JSON.parse(fs.readFileSync(path.join(root, `node_modules/@pulumi/${sdk}/package.json`), "utf8")) as { version: string }).version;
    run("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", `@pulumi/hcloud@${version("hcloud")}`, `@pulumi/aws@${version("aws")}`], consumer);
    tsc(["--strict", "--target", "ES2020", "--module", "commonjs", "--esModuleInterop", "--skipLibCheck", "--outDir", "out", "cloud.ts"]);
    const out = JSON.parse(run(process.execPath, ["mock-run.js", "./out/cloud.js"], consumer).trim().split("\n").pop()!) as { seen: string[]; exports: string[] };
    const types = new Set(out.seen.map((s) => s.split("::")[0]));
    for (const t of ["rtc:index:HcloudHost", "rtc:index:Ec2Host", "hcloud:index/server:Server", "hcloud:index/floatingIp:FloatingIp", "aws:ec2/instance:Instance", "aws:ec2/eip:Eip"]) {
        expect({ t, declared: types.has(t) }).toEqual({ t, declared: true });
    }
    expect(out.exports).toEqual(["sshKeys"]);
}, SETUP_TIMEOUT);

test("the Pulumi package inside it gives its schema where npm installed it", () => {
    const plugin = path.join(consumer, "node_modules/pulumi-rtc/plugin");
    const schema = JSON.parse(execFileSync("pulumi", ["package", "get-schema", plugin], { env: engineEnv(), encoding: "utf8", maxBuffer: 16 * 1024 * 1024 })) as { name: string; resources: Record<string, unknown> };
    expect(schema.name).toBe("rtc");
    expect(Object.keys(schema.resources).sort()).toEqual(["rtc:index:HostFirewall", "rtc:index:RtcDnsZone", "rtc:index:SipProxy", "rtc:index:TurnServer", "rtc:index:XmppServer"]);
});
