// Engine test: the real Pulumi CLI (scripts/toolchain.sh) runs tests/engine/fixture
// with the tls and command providers against an sshd in a network namespace.
// Needs root, iproute2 and openssh-server (see docs/toolchain.md).
import { ChildProcess, spawn, spawnSync } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { engineEnv, repoRoot } from "./engine-env";

const NS = `rtce-${process.pid}`;
const HOST_IF = "rtce0";
const NS_IF = "rtce1";
// A /29 of the documentation range 198.51.100.0/24: other tests of this project
// put the seed's 198.51.100.1/24 on the host, and the more specific route keeps
// both working side by side.
const PREFIX = 29;
const HOST_ADDR = "198.51.100.249";
const NS_ADDR = "198.51.100.250";
const STACK = "engine-test";
const SETUP_TIMEOUT = 75 * 60 * 1000; // a cold toolchain build happens here
const STEP_TIMEOUT = 10 * 60 * 1000;

let tmp: string; // everything of this run: program copy, state, keys, markers
let progDir: string;
let stateDir: string;
let markers: string;
let env: NodeJS.ProcessEnv;
let sshd: ChildProcess | undefined;
let sshdLog = "";
const token = `tok-${randomBytes(12).toString("hex")}`;
let sshPrivateKey = "";
let hostKey = ""; // the sshd's ed25519 public host key, pinned in connection.hostKey
const hostKeyTypes = ["ed25519", "ecdsa", "rsa"] as const; // the sshd offers all three
let keysDir = "";
const engineOutput: string[] = []; // every stdout/stderr the engine printed
// The program's resources, and with the stack itself the count in change summaries.
const RESOURCES = ["ca-key", "ca-cert", "server-key", "server-csr", "server-cert", "local", "remote"];
const ALL = RESOURCES.length + 1;
const every = (op: string) => Object.fromEntries(RESOURCES.map((r) => [r, op]));

function sh(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}) {
    const r = spawnSync(cmd, args, { encoding: "utf8", input: opts.input });
    if (r.status !== 0 && !opts.allowFail) {
        throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}${r.error ?? ""}`);
    }
    return r;
}

function pulumi(args: string[], opts: { input?: string; allowFail?: boolean; cwd?: string } = {}) {
    const r = spawnSync("pulumi", [...args, "--non-interactive"], {
        cwd: opts.cwd ?? progDir,
        env,
        encoding: "utf8",
        input: opts.input,
        maxBuffer: 64 * 1024 * 1024,
        timeout: STEP_TIMEOUT,
    });
    engineOutput.push(r.stdout ?? "", r.stderr ?? "");
    if (r.status !== 0 && !opts.allowFail) {
        throw new Error(`pulumi ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
    return r;
}

interface Digest {
    steps?: { op: string; urn: string }[];
    changeSummary?: Record<string, number>;
}

/** `pulumi preview --json`: the steps (changes only) and the change summary. */
function preview(args: string[] = []): Digest {
    const r = pulumi(["preview", ...args, "--json"]);
    return JSON.parse(r.stdout) as Digest;
}

/**
 * Runs `pulumi up` or `destroy` with the normal display (`--json` would stream the
 * SDK's debug events, which hold resource outputs in plaintext) and returns the
 * engine's change summary of that update from `pulumi stack history`.
 */
function update(cmd: "up" | "destroy"): Record<string, number> {
    pulumi([cmd, "--yes", "--skip-preview", "--suppress-progress"]);
    const history = JSON.parse(pulumi(["stack", "history", "--json"]).stdout) as {
        kind: string;
        result: string;
        resourceChanges?: Record<string, number>;
    }[];
    expect(history[0].kind).toBe(cmd === "up" ? "update" : "destroy");
    expect(history[0].result).toBe("succeeded");
    return history[0].resourceChanges ?? {};
}

/** op per resource name, for the resources of the program (not the stack or providers). */
function opsByName(d: Digest): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of d.steps ?? []) {
        if (s.urn.includes("pulumi:providers:") || s.urn.includes("pulumi:pulumi:Stack")) continue;
        out[s.urn.split("::").pop() as string] = s.op;
    }
    return out;
}

function publicHostKey(type: typeof hostKeyTypes[number]): string {
    return fs.readFileSync(path.join(keysDir, `host-${type}.pub`), "utf8").trim();
}

function marker(name: string): string {
    return fs.readFileSync(path.join(markers, name), "utf8");
}

function allFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? allFiles(p) : e.isFile() ? [p] : [];
    });
}

async function waitForPort(host: string, port: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
            const s = net.connect({ host, port, timeout: 1000 }, () => {
                s.destroy();
                resolve(true);
            });
            s.on("error", () => resolve(false));
            s.on("timeout", () => {
                s.destroy();
                resolve(false);
            });
        });
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`sshd did not listen on ${host}:${port}; log:\n${sshdLog}`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

function cleanupNetwork() {
    sh("ip", ["link", "del", HOST_IF], { allowFail: true });
    sh("ip", ["netns", "del", NS], { allowFail: true });
}

beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-engine-"));
    progDir = path.join(tmp, "program");
    stateDir = path.join(tmp, "state");
    markers = path.join(tmp, "markers");
    for (const d of [progDir, stateDir, markers]) fs.mkdirSync(d, { recursive: true });
    const fixture = path.join(__dirname, "fixture");
    for (const f of ["Pulumi.yaml", "package.json", "index.ts"]) fs.copyFileSync(path.join(fixture, f), path.join(progDir, f));
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(progDir, "node_modules"));

    env = engineEnv({ PULUMI_RTC_STATE_DIR: stateDir });
    env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";

    // Keys: the client key, and the sshd host key whose public half is pinned.
    const keys = path.join(tmp, "keys");
    keysDir = keys;
    fs.mkdirSync(keys, { mode: 0o700 });
    sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "rtc-engine-client", "-f", path.join(keys, "client")]);
    for (const t of hostKeyTypes) sh("ssh-keygen", ["-q", "-t", t, "-N", "", "-C", `rtc-engine-host-${t}`, "-f", path.join(keys, `host-${t}`)]);
    sshPrivateKey = fs.readFileSync(path.join(keys, "client"), "utf8");
    fs.copyFileSync(path.join(keys, "client.pub"), path.join(keys, "authorized_keys"));
    const sshdConfig = path.join(keys, "sshd_config");
    fs.writeFileSync(
        sshdConfig,
        [
            `ListenAddress ${NS_ADDR}:22`,
            ...hostKeyTypes.map((t) => `HostKey ${path.join(keys, `host-${t}`)}`),
            `AuthorizedKeysFile ${path.join(keys, "authorized_keys")}`,
            `PidFile ${path.join(keys, "sshd.pid")}`,
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "AcceptEnv RTC_* PULUMI_COMMAND_*",
            "",
        ].join("\n"),
    );

    // The "remote host": a network namespace joined to this one by a veth pair.
    cleanupNetwork();
    sh("ip", ["netns", "add", NS]);
    sh("ip", ["link", "add", HOST_IF, "type", "veth", "peer", "name", NS_IF]);
    sh("ip", ["link", "set", NS_IF, "netns", NS]);
    sh("ip", ["addr", "add", `${HOST_ADDR}/${PREFIX}`, "dev", HOST_IF]);
    sh("ip", ["link", "set", HOST_IF, "up"]);
    sh("ip", ["-n", NS, "addr", "add", `${NS_ADDR}/${PREFIX}`, "dev", NS_IF]);
    sh("ip", ["-n", NS, "link", "set", NS_IF, "up"]);
    sh("ip", ["-n", NS, "link", "set", "lo", "up"]);
    fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    sh("/usr/sbin/sshd", ["-t", "-f", sshdConfig]);
    sshd = spawn("ip", ["netns", "exec", NS, "/usr/sbin/sshd", "-D", "-e", "-f", sshdConfig], {
        stdio: ["ignore", "pipe", "pipe"],
    });
    sshd.stdout?.on("data", (b) => (sshdLog += b));
    sshd.stderr?.on("data", (b) => (sshdLog += b));
    await waitForPort(NS_ADDR, 22, 15000);

    pulumi(["stack", "init", STACK]);
    hostKey = publicHostKey("ed25519");
    pulumi(["config", "set", "markerDir", markers]);
    pulumi(["config", "set", "message", "v1"]);
    pulumi(["config", "set", "sshHost", NS_ADDR]);
    pulumi(["config", "set", "sshPort", "22"]);
    pulumi(["config", "set", "sshHostKey", hostKey]);
    pulumi(["config", "set", "--secret", "token"], { input: token });
    pulumi(["config", "set", "--secret", "sshPrivateKey"], { input: sshPrivateKey });
}, SETUP_TIMEOUT);

afterAll(() => {
    try {
        if (progDir && env && fs.existsSync(path.join(progDir, "Pulumi.yaml"))) {
            // In case a test failed half-way: leave nothing behind (best effort).
            pulumi(["destroy", "--yes", "--skip-preview"], { allowFail: true });
        }
    } finally {
        sshd?.kill("SIGTERM");
        cleanupNetwork();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    }
}, STEP_TIMEOUT);

test("the toolchain runs the official plugins, built from their upstream modules", () => {
    const bin = env.PULUMI_RTC_TOOLCHAIN_BIN as string;
    const plugins = path.join(env.PULUMI_HOME as string, "plugins");
    const plugin = (name: string) => {
        const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", "@pulumi", name, "package.json"), "utf8")) as { pulumi: { version: string } };
        const version = pkg.pulumi.version;
        return path.join(plugins, `resource-${name}-v${version}`, `pulumi-resource-${name}`);
    };
    const modules = {
        [path.join(bin, "pulumi-language-nodejs")]: "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3",
        [plugin("command")]: "github.com/pulumi/pulumi-command/provider",
        [plugin("tls")]: "github.com/pulumi/pulumi-tls/provider/v5",
    };
    const go = fs.existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : "go";
    for (const [file, module] of Object.entries(modules)) {
        const info = sh(go, ["version", "-m", file]).stdout;
        expect({ file, mod: /^\s+mod\s+(\S+)/m.exec(info)?.[1] }).toEqual({ file, mod: module });
    }
    expect(pulumi(["version"]).stdout.trim()).toBe("v3.248.0");
});

test("preview then up create every resource, and the remote command runs over SSH", () => {
    const p = preview();
    expect(opsByName(p)).toEqual(every("create"));
    expect(p.changeSummary).toEqual({ create: ALL });
    expect(fs.existsSync(path.join(markers, "remote-runs"))).toBe(false); // preview runs nothing

    expect(update("up")).toEqual({ create: ALL });

    // The remote command ran through sshd: SSH_CONNECTION is "client port server port".
    const conn = marker("remote-connection").trim().split(" ");
    expect(conn[0]).toBe(HOST_ADDR);
    expect(conn.slice(2)).toEqual([NS_ADDR, "22"]);
    expect(marker("remote-message")).toBe("v1");
    expect(marker("remote-token.sha256").trim()).toBe(createHash("sha256").update(token).digest("hex"));
    expect(marker("remote-runs")).toBe("run\n");

    // The local command got the certificate the tls provider made.
    const certPem = pulumi(["stack", "output", "certPem"]).stdout.trim();
    expect(certPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(marker("local-cert.pem").trim()).toBe(certPem);
    expect(marker("local-created")).toBe("created\n");
    const verify = sh("openssl", ["x509", "-noout", "-subject", "-ext", "subjectAltName"], { input: certPem });
    expect(verify.stdout).toContain("CN = rtc-engine-test");
    expect(verify.stdout).toContain(`IP Address:${NS_ADDR}`);

    // The locally signed server certificate chains to that CA.
    const serverPem = pulumi(["stack", "output", "serverCertPem"]).stdout.trim();
    fs.writeFileSync(path.join(tmp, "ca.pem"), certPem + "\n");
    fs.writeFileSync(path.join(tmp, "server.pem"), serverPem + "\n");
    const chain = sh("openssl", ["verify", "-CAfile", path.join(tmp, "ca.pem"), path.join(tmp, "server.pem")]);
    expect(chain.stdout).toContain(": OK");
    const server = sh("openssl", ["x509", "-noout", "-subject", "-ext", "subjectAltName"], { input: serverPem });
    expect(server.stdout).toContain("CN = sip.falcot.com");
    expect(server.stdout).toContain("DNS:sip.falcot.com");
}, STEP_TIMEOUT);

test("a second preview with --expect-no-changes passes", () => {
    const p = preview(["--expect-no-changes"]);
    expect(opsByName(p)).toEqual({});
    expect(p.changeSummary).toEqual({ same: ALL });
}, STEP_TIMEOUT);

test("changing one config input updates only the remote command, which runs again", () => {
    pulumi(["config", "set", "message", "v2"]);
    const p = preview();
    expect(opsByName(p)).toEqual({ remote: "update" });
    expect(p.changeSummary).toEqual({ same: ALL - 1, update: 1 });

    expect(update("up")).toEqual({ same: ALL - 1, update: 1 });

    expect(marker("remote-message")).toBe("v2");
    expect(marker("remote-runs")).toBe("run\nrun\n");
    expect(fs.existsSync(path.join(markers, "local-deleted"))).toBe(false);

    pulumi(["preview", "--expect-no-changes"]);
}, STEP_TIMEOUT);

test("secrets stay out of the state and of what the engine prints, the command's streamed output included", () => {
    // An update that sends the secret token to the host again; the provider streams the command's output.
    pulumi(["config", "set", "message", "v3"]);
    const shown = pulumi(["up", "--yes", "--skip-preview"]).stdout;
    expect(shown).toContain("remote ran with v3");
    expect(marker("remote-message")).toBe("v3");
    const keyPem = pulumi(["stack", "output", "caKeyPem", "--show-secrets"]).stdout.trim();
    expect(keyPem).toMatch(/PRIVATE KEY-----/);
    const keyBody = keyPem.split("\n")[1]; // a line of the key's base64
    const sshKeyBody = sshPrivateKey.split("\n")[1];
    const digests = ["md5", "sha1", "sha256"].flatMap((a) => [createHash(a).update(token).digest("hex"), createHash(a).update(token).digest("base64")]);
    const secrets = [token, ...digests, keyBody, sshKeyBody];

    const exported = pulumi(["stack", "export"]).stdout;
    expect(exported).toContain("4dabf18193072939515e22adb298388d"); // the secret signature: secrets are there, encrypted
    const rawState = allFiles(stateDir)
        .map((f) => fs.readFileSync(f, "utf8"))
        .join("\n");
    expect(rawState.length).toBeGreaterThan(1000);
    const stackConfig = fs.readFileSync(path.join(progDir, `Pulumi.${STACK}.yaml`), "utf8");
    const printed = engineOutput.join("\n").replace(keyPem, ""); // the one --show-secrets call above
    expect(printed).not.toMatch(/warning:/); // e.g. a missing plugin or package.json would warn
    for (const s of secrets) {
        expect(exported).not.toContain(s);
        expect(rawState).not.toContain(s);
        expect(stackConfig).not.toContain(s);
        expect(printed).not.toContain(s);
    }
}, STEP_TIMEOUT);

test("a pin of the server's ed25519 or ecdsa host key is accepted", () => {
    // The server offers ed25519, ecdsa and rsa keys; the provider asks for the pinned key's type only.
    let runs = marker("remote-runs");
    for (const t of ["ecdsa", "ed25519"] as const) {
        pulumi(["config", "set", "sshHostKey", publicHostKey(t)]);
        expect({ pinned: t, changes: update("up") }).toEqual({ pinned: t, changes: { same: ALL - 1, update: 1 } });
        runs += "run\n";
        expect(marker("remote-runs")).toBe(runs);
    }
    pulumi(["preview", "--expect-no-changes"]);
}, STEP_TIMEOUT);

test("the remote command refuses a server whose host key is not the pinned one", () => {
    const runs = marker("remote-runs");
    sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "not-the-host", "-f", path.join(keysDir, "other")]);
    const refusals = {
        // Another key of a type the server has.
        [fs.readFileSync(path.join(keysDir, "other.pub"), "utf8").trim()]: /after 3 failed attempts: ssh: handshake failed: ssh: host key mismatch/,
        // The server's own RSA key: the provider asks for the SHA-1 "ssh-rsa" signature, which OpenSSH no longer offers.
        [publicHostKey("rsa")]: /no common algorithm for host key; we offered: \[ssh-rsa\]/,
    };
    for (const [pin, error] of Object.entries(refusals)) {
        pulumi(["config", "set", "sshHostKey", pin]);
        const r = pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"], { allowFail: true });
        expect({ pin, status: r.status }).not.toEqual({ pin, status: 0 });
        expect(`${r.stdout}${r.stderr}`).toMatch(error);
        expect(marker("remote-runs")).toBe(runs); // it did not run
    }
    pulumi(["config", "set", "sshHostKey", hostKey]);
    pulumi(["preview", "--expect-no-changes"]);
}, STEP_TIMEOUT);

test("a stack with no config at all runs, and its program reads an empty config", () => {
    const bare = path.join(tmp, "bare");
    fs.mkdirSync(bare);
    fs.writeFileSync(path.join(bare, "Pulumi.yaml"), "name: rtc-engine-bare\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
    fs.copyFileSync(path.join(progDir, "package.json"), path.join(bare, "package.json"));
    fs.writeFileSync(path.join(bare, "index.ts"), [
        `import * as pulumi from "@pulumi/pulumi";`,
        `export const greeting = new pulumi.Config().get("greeting") ?? "no config";`,
        "",
    ].join("\n"));
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(bare, "node_modules"));
    pulumi(["stack", "init", "bare"], { cwd: bare });
    pulumi(["up", "--yes", "--skip-preview"], { cwd: bare });
    expect(pulumi(["stack", "output", "greeting"], { cwd: bare }).stdout.trim()).toBe("no config");
    pulumi(["stack", "rm", "--yes", "--force"], { cwd: bare });
}, STEP_TIMEOUT);

test("bad input fails the Falcot program at preview and up with one clean line, and applies nothing", () => {
    // The repo's own program, run from a project directory outside the repo (as scripts/local-env.sh does).
    const project = path.join(tmp, "falcot");
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), ["name: falcot-rtc", "runtime:", "  name: nodejs", "  options:", "    typescript: true",
        `main: ${path.relative(project, path.join(repoRoot, "index.ts"))}`, ""].join("\n"));
    const cwd = { cwd: project };
    pulumi(["stack", "init", "bad-input"], cwd);
    fs.copyFileSync(path.join(repoRoot, "Pulumi.falcot.yaml"), path.join(project, "Pulumi.bad-input.yaml"));
    const password = "a password long enough";
    for (const user of ["roland", "admin", "joe"]) pulumi(["config", "set", "--secret", "--path", `passwords.${user}`], { ...cwd, input: password });
    pulumi(["config", "set", "--secret", "sshPrivateKey"], { ...cwd, input: sshPrivateKey });
    const fails = (cmd: string[], where: string, shows: string, secret?: string) => {
        const r = pulumi([...cmd, "--yes"].filter((a) => cmd[0] === "up" || a !== "--yes"), { ...cwd, allowFail: true });
        const out = `${r.stdout}${r.stderr}`;
        expect({ cmd: cmd[0], status: r.status }).not.toEqual({ cmd: cmd[0], status: 0 });
        const line = out.split("\n").find((l) => l.includes(`Falcot stack config: ${where} `)) ?? out;
        expect(line).toContain(shows);
        expect(line).toMatch(/Fix: \S/);
        for (const bad of ["undefined", "[object Object]", ".ts:"]) expect({ bad, found: out.includes(bad) }).toEqual({ bad, found: false });
        expect(out).not.toMatch(/\n\s+at \S+ \(|\n\s+at \//); // no stack frame
        if (secret) expect(out).not.toContain(secret);
    };
    pulumi(["config", "set", "--path", "hosts.server1.ipv4[0]", "127.0.0.1"], cwd);
    fails(["preview"], "hosts.server1.ipv4[0]", "loopback");
    fails(["up", "--skip-preview"], "hosts.server1.ipv4[0]", "loopback");
    pulumi(["config", "set", "--path", "hosts.server1.ipv4[0]", "198.51.100.19"], cwd);
    pulumi(["config", "set", "--secret", "--path", "passwords.joe"], { ...cwd, input: "short;$(x)" });
    fails(["preview"], "passwords.joe", "is too short (10 characters)", "short;$(x)");
    const state = JSON.parse(pulumi(["stack", "export"], cwd).stdout) as { deployment: { resources?: { type: string }[] } };
    expect((state.deployment.resources ?? []).map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack")).toEqual([]); // nothing applied
    pulumi(["stack", "rm", "--yes", "--force"], cwd);
}, STEP_TIMEOUT);

test("destroy runs the delete commands and leaves no resources", () => {
    expect(update("destroy")).toEqual({ delete: ALL });
    expect(marker("local-deleted")).toBe("deleted\n");
    expect(marker("remote-deleted").trim().split(" ")[0]).toBe(HOST_ADDR);

    const state = JSON.parse(pulumi(["stack", "export"]).stdout) as { deployment: { resources?: unknown[] } };
    expect(state.deployment.resources ?? []).toEqual([]);
}, STEP_TIMEOUT);
