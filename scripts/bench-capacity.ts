// What one server carries (a benchmark, not a test): `npm run bench:capacity`.
// Brings the local environment up as a stack of its own (`capacity`, the local stack plus load users), runs
// bounded load from this machine against the container's addresses, first against the daemons as the stack
// configures them ("ours"), then against the same daemons with Debian's own configuration set up the way the
// source chapter does it (scripts/bench/debian-defaults.sh), and prints one table. Needs root; takes the local
// environment down first, and leaves it down. Figures and method: docs/performance.md.
import { ChildProcess, spawn, spawnSync } from "child_process";
import { createHmac } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";

const root = path.resolve(__dirname, "..");
const stack = "capacity";
const env = { ...process.env, RTC_LOCAL_STACK: stack, FORCE_COLOR: "0" };
const LOAD_USERS = 60;
/** This machine's address on the local host's link: the load's source, the TURN peer and the SIP callee. */
const SOURCE = "198.51.100.1";
let turnAddress = "";
const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-capacity-"));
const children: ChildProcess[] = [];
const log = (s: string) => console.error(`bench:capacity: ${s}`);

function run(cmd: string, args: string[], opts: { input?: string; timeout?: number; allowFail?: boolean; cwd?: string } = {}) {
    const r = spawnSync(cmd, args, { cwd: opts.cwd ?? root, env, input: opts.input, encoding: "utf8", timeout: opts.timeout ?? 600000, maxBuffer: 256 * 1024 * 1024 });
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    if (!opts.allowFail && r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${output.slice(-4000)}`);
    return { status: r.status, output, stdout: r.stdout ?? "" };
}
const localEnv = (...args: string[]) => run("bash", ["scripts/local-env.sh", ...args], { timeout: 3600000 });
const background = (cmd: string, args: string[], cwd = work) => {
    const c = spawn(cmd, args, { cwd, env, stdio: "ignore" });
    children.push(c);
    return c;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secret = (name: string, text: string) => { const f = path.join(work, name); fs.writeFileSync(f, text, { mode: 0o600 }); return f; };

interface Outputs {
    dnsServer: string;
    caCertPem: string;
    passwords: Record<string, string>;
    endpoints: { turn: { realm: string; addresses: string[]; restUris: string[] }; sip: { domain: string; hostname: string }; xmpp: { domains: string[]; hostname: string } };
    ssh: Record<string, { address: string; privateKey: string; hostPublicKey: string }>;
}

/** Runs a shell command on the host over SSH with the stack's key and pinned host key; stdin carries secrets. */
function onHost(o: Outputs, command: string, input?: string): string {
    const h = Object.values(o.ssh)[0];
    const key = secret("ssh-key", h.privateKey);
    fs.writeFileSync(path.join(work, "known_hosts"), `${h.address} ${h.hostPublicKey.trim()}\n`);
    return run("ssh", ["-i", key, "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${path.join(work, "known_hosts")}`, "-o", "BatchMode=yes",
        `root@${h.address}`, command], { input }).stdout;
}

const resolve = (o: Outputs, name: string) => run("dig", ["+short", `@${o.dnsServer}`, name, "A"]).stdout.trim().split("\n")[0];

// ---------- SIP: sipp, with stunnel carrying its TCP over TLS ----------
// Debian 12's sip-tester is built without TLS (its sources are not on the package mirror here, and trixie's TLS
// build needs glibc 2.38), so TLS rows run sipp over TCP through stunnel: the proxy sees real TLS connections.

interface Sip { address: string; domain: string; users: [string, string][]; ca: string; hostname: string }

function sippStats(file: string): { ok: number; failed: number; seconds: number } {
    const lines = fs.readFileSync(file, "utf8").trim().split("\n");
    const head = lines[0].split(";");
    const last = lines[lines.length - 1].split(";");
    const col = (name: string) => last[head.indexOf(name)];
    const [h, m, s] = col("ElapsedTime(C)").split(":").map(Number);
    return { ok: Number(col("SuccessfulCall(C)")), failed: Number(col("FailedCall(C)")), seconds: h * 3600 + m * 60 + s };
}

function sipp(scenario: string, target: string, transport: "u1" | "t1", csv: string, extra: string[]): { ok: number; failed: number; seconds: number; error?: string } {
    const stem = path.join(work, `sipp-${Date.now()}`);
    run("sipp", ["-sf", path.join(root, "scripts/bench/sipp", scenario), "-inf", csv, "-i", SOURCE, "-t", transport, target, "-nostdin",
        "-trace_stat", "-stf", `${stem}.csv`, "-fd", "1", "-trace_err", "-error_file", `${stem}.err`, "-timeout", "40s", "-max_recv_loops", "1000", ...extra],
    { allowFail: true, timeout: 60000, cwd: work });
    const errors = fs.existsSync(`${stem}.err`) ? fs.readFileSync(`${stem}.err`, "utf8").trim().split("\n") : [];
    return { ...sippStats(`${stem}.csv`), error: errors.pop()?.replace(/^\S+\s+\S+\s+\S+\s*/, "").slice(0, 160) };
}

const RATES = [50, 100, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200, 4800, 6400];
/** Figures whose ladder passed its top step: the load generator, not the server, set them ("at least"). */
const atCeiling = new Set<string>();
let phase: "ours" | "defaults" = "ours";

/** Raises the rate until more than 1% fail; returns the last sustained rate (completed per second). */
function ladder(key: string, what: string, attempt: (rate: number, count: number) => { ok: number; failed: number; seconds: number; error?: string }): number | undefined {
    let best: number | undefined;
    for (const rate of RATES) {
        const count = rate * 5;
        const done = attempt(rate, count);
        // Calls that did not complete by the time sipp stopped count as failed.
        const r = { ...done, failed: Math.max(done.failed, count - done.ok) };
        log(`${what} at ${rate}/s: ${r.ok} ok, ${r.failed} failed in ${r.seconds} s${r.failed && r.error ? ` (sipp: ${r.error})` : ""}`);
        if (r.ok === 0 || r.failed / (r.ok + r.failed) > 0.01) return best;
        best = rate;
    }
    atCeiling.add(`${phase}.${key}`);
    return best;
}

function usersCsv(name: string, rows: string[]): string {
    return secret(name, `SEQUENTIAL\n${rows.join("\n")}\n`);
}

async function sipFigures(s: Sip): Promise<Record<string, number | undefined>> {
    // The caller and the callee stay out of the REGISTER load: the callee's only binding is its answering sipp.
    const [caller, callee, ...others] = s.users;
    const registerCsv = usersCsv("register.csv", others.map(([u, pw]) => `${u};${pw};${s.domain};${SOURCE}:5099`));
    // stunnel: TLS client in front of sipp towards the proxy's TLS port, and TLS server in front of the callee.
    const stunnelConf = path.join(work, "stunnel.conf");
    run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=bench-callee",
        "-keyout", path.join(work, "callee.key"), "-out", path.join(work, "callee.pem")], { cwd: work });
    fs.writeFileSync(path.join(work, "ca.pem"), s.ca);
    fs.writeFileSync(stunnelConf, [
        "foreground = yes", `pid =`, "",
        "[to-proxy]", "client = yes", "accept = 127.0.0.1:15061", `connect = ${s.address}:5061`,
        `CAfile = ${path.join(work, "ca.pem")}`, "verifyChain = yes", `checkHost = ${s.hostname}`, "sslVersionMin = TLSv1.2", "",
        "[callee]", `accept = ${SOURCE}:5073`, "connect = 127.0.0.1:5074", `cert = ${path.join(work, "callee.pem")}`, `key = ${path.join(work, "callee.key")}`, "",
    ].join("\n"));
    /** Runs `f` with a fresh stunnel: past the rates it can carry, one may stop accepting. */
    const overTls = async <T>(f: () => T | Promise<T>): Promise<T> => {
        const stunnel = background("stunnel", [stunnelConf]);
        await sleep(1000);
        try {
            return await f();
        } finally {
            stunnel.kill("SIGKILL");
            await sleep(300);
        }
    };
    const out: Record<string, number | undefined> = {};
    out.registerUdp = ladder("registerUdp", "REGISTER over UDP", (r, n) => sipp("register.xml", `${s.address}:5060`, "u1", registerCsv, ["-key", "expires", "3600", "-key", "ctransport", "udp", "-p", "5070", "-r", String(r), "-m", String(n)]));
    out.registerTls = await overTls(() => ladder("registerTls", "REGISTER over TLS", (r, n) => sipp("register.xml", "127.0.0.1:15061", "t1", registerCsv, ["-key", "expires", "3600", "-key", "ctransport", "tls", "-r", String(r), "-m", String(n)])));

    const callCsv = usersCsv("caller.csv", [`${caller[0]};${caller[1]};${s.domain};${callee[0]}`]);
    /** The callee answers at `front` (host:port) over `ctransport`; its sipp listens as `uas` says. */
    const call = async (key: string, what: string, front: string, ctransport: string, uas: string[], target: string, transport: "u1" | "t1") => {
        const binding = usersCsv("callee.csv", [`${callee[0]};${callee[1]};${s.domain};${front}`]);
        const bind = (expires: string) => sipp("register.xml", `${s.address}:5060`, "u1", binding, ["-key", "expires", expires, "-key", "ctransport", ctransport, "-p", "5071", "-m", "1"]);
        const contact = `sip:${callee[0]}@${front};transport=${ctransport}`;
        bind("3600");
        const answer = background("sipp", ["-sf", path.join(root, "scripts/bench/sipp/answer.xml"), "-key", "contact", contact, "-nostdin", ...uas]);
        await sleep(500);
        try {
            // Over TCP the caller takes any local port: a fixed one would still be in TIME_WAIT at the next step.
            return ladder(key, what, (r, n) => sipp("call.xml", target, transport, callCsv, [...(transport === "u1" ? ["-p", "5075"] : []), "-r", String(r), "-m", String(n)]));
        } finally {
            answer.kill("SIGKILL");
            bind("0");
            await sleep(300);
        }
    };
    out.callsUdp = await call("callsUdp", "calls over UDP", `${SOURCE}:5072`, "udp", ["-i", SOURCE, "-p", "5072", "-t", "u1"], `${s.address}:5060`, "u1");
    out.callsTls = await overTls(() => call("callsTls", "calls over TLS", `${SOURCE}:5073`, "tls", ["-i", "127.0.0.1", "-p", "5074", "-t", "t1"], "127.0.0.1:15061", "t1"));
    return out;
}

// ---------- TURN: turnutils_uclient against turnutils_peer ----------

interface Turn { ltPort: number; restPort: number; user: string; password: string; restSecret: string }

const lastMatch = (text: string, re: RegExp) => [...text.matchAll(re)].pop()?.[1];

/** Runs turnutils_uclient and notes when each line matching one of `marks` arrives, in seconds from the start. */
function uclient(port: number, user: string, password: string, args: string[], marks: RegExp[]): Promise<{ output: string; at: number[] }> {
    const start = process.hrtime.bigint();
    return new Promise((resolve) => {
        const c = spawn("turnutils_uclient", [...args, "-c", "-e", SOURCE, "-r", "3480", "-u", user, "-w", password, "-p", String(port), turnAddress], { env });
        children.push(c);
        let output = "";
        const at = marks.map(() => NaN);
        c.stdout.on("data", (d) => {
            output += d;
            marks.forEach((m, i) => { if (Number.isNaN(at[i]) && m.test(output)) at[i] = Number(process.hrtime.bigint() - start) / 1e9; });
        });
        c.on("close", () => resolve({ output, at }));
    });
}

function restCredential(t: Turn): [string, string] {
    const user = `${Math.floor(Date.now() / 1000) + 3600}:${t.user}`;
    return [user, createHmac("sha1", t.restSecret).update(user).digest("base64")];
}

/**
 * Allocations per second. One uclient allocates its clients one after another, so eight run side by side; each
 * prints "Total connect time" once all of its clients hold an allocation and a permission.
 */
async function allocations(port: number, user: string, password: string): Promise<number> {
    const procs = 8, each = 50;
    const runs = await Promise.all(Array.from({ length: procs }, () => uclient(port, user, password, ["-m", String(each), "-n", "1", "-l", "100"], [/Total connect time/])));
    const seconds = Math.max(...runs.map((r) => r.at[0]));
    const relayed = runs.reduce((n, r) => n + Number(lastMatch(r.output, /tot_recv_msgs=(\d+)\s*$/gm) ?? 0), 0);
    log(`TURN allocations on ${port}: ${procs * each} in ${seconds.toFixed(2)} s; ${relayed} of their messages came back`);
    return relayed >= procs * each * 0.99 ? (procs * each) / seconds : NaN;
}

/**
 * Relayed throughput: four uclients side by side, 5 clients each, send 2,000 messages of 1,000 bytes 1 ms apart
 * to the peer, which echoes them back through the relay; bytes back over the longest sending time.
 */
async function throughput(t: Turn): Promise<number> {
    const runs = await Promise.all(Array.from({ length: 4 }, () =>
        uclient(t.ltPort, t.user, t.password, ["-m", "5", "-n", "2000", "-l", "1000", "-z", "1"], [/Total connect time/, /Total transmit time/])));
    const bytes = runs.reduce((n, r) => n + Number(lastMatch(r.output, /tot_recv_bytes ~ (\d+)\s*$/gm) ?? NaN), 0);
    const seconds = Math.max(...runs.map((r) => r.at[1] - r.at[0]));
    log(`TURN relay: ${bytes} bytes back in ${seconds.toFixed(2)} s`);
    return (bytes * 8) / 1e6 / seconds;
}

async function turnFigures(t: Turn, rest = true): Promise<Figures> {
    const peer = background("turnutils_peer", ["-L", SOURCE, "-p", "3480"]);
    try {
        const [ru, rp] = restCredential(t);
        return {
            allocationsLt: await allocations(t.ltPort, t.user, t.password),
            allocationsRest: rest ? await allocations(t.restPort, ru, rp) : undefined,
            relayMbps: await throughput(t),
        };
    } finally {
        peer.kill();
    }
}

// ---------- XMPP: @xmpp/client ----------

interface Xmpp { address: string; domain: string; ca: string; users: [string, string][] }

function xmppFigures(x: Xmpp): Record<string, number> {
    const input = {
        service: `xmpp://${x.address}:5222`, domain: x.domain, mucDomain: `conference.${x.domain}`, ca: x.ca,
        users: x.users.map(([u, password]) => ({ jid: `${u}@${x.domain}`, password })),
        logins: 300, concurrency: 10, pairs: 10, messages: 200, occupants: 50, mucMessages: 100, seconds: 60,
    };
    const r = run("node", [path.join(root, "scripts/bench/xmpp-load.mjs")], { input: JSON.stringify(input), timeout: 600000, allowFail: true });
    const line = r.stdout.trim().split("\n").pop() ?? "{}";
    const j = JSON.parse(line) as { error?: string; logins: number; loginFailures: number; loginsPerSecond: number;
        direct: { sent: number; received: number; perSecond: number }; muc: { sent: number; delivered: number; deliveriesPerSecond: number } };
    if (j.error) throw new Error(`xmpp-load: ${j.error}`);
    log(`XMPP: ${j.logins} logins (${j.loginFailures} failed); direct ${j.direct.received}/${j.direct.sent}; MUC ${j.muc.delivered}/${j.muc.sent * 50}`);
    return { logins: j.loginsPerSecond, direct: j.direct.perSecond, muc: j.muc.deliveriesPerSecond };
}

// ---------- the run ----------

function configWithLoadUsers(): string {
    const doc = parse(fs.readFileSync(path.join(root, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
    const users = doc.config["falcot-rtc:users"] as Record<string, unknown>;
    for (let i = 1; i <= LOAD_USERS; i++) users[`load${String(i).padStart(2, "0")}`] = { services: ["turn", "sip", "xmpp"] };
    // All the load comes from one address, which the default flood limit (16 requests in 2 s) would ban: the load
    // stands for many clients, so the limit is raised, and pike still checks every request.
    doc.config["falcot-rtc:sip"] = { floodLimit: 100000 };
    return `# bench:capacity: the local stack with ${LOAD_USERS} load users (made by scripts/bench-capacity.ts)\n${stringify(doc)}`;
}

function projectDir(): string {
    const out = run("bash", ["scripts/offline-env.sh", "--json"]).stdout.trim().split("\n").pop()!;
    return path.join((JSON.parse(out) as { PULUMI_RTC_STATE_DIR: string }).PULUMI_RTC_STATE_DIR, "projects", stack);
}

type Figures = Record<string, number | undefined>;

async function measure(o: Outputs, turn: Omit<Turn, "user" | "password">, rest: boolean): Promise<Figures> {
    const users = loadUsers(o);
    const sip = await sipFigures({ address: resolve(o, o.endpoints.sip.hostname), domain: o.endpoints.sip.domain, users, ca: o.caCertPem, hostname: o.endpoints.sip.hostname });
    const xmpp = xmppFigures({ address: resolve(o, o.endpoints.xmpp.hostname), domain: o.endpoints.xmpp.domains[0], ca: o.caCertPem, users });
    return { ...sip, ...xmpp, ...await turnFigures({ ...turn, user: users[0][0], password: users[0][1] }, rest) };
}

const loadUsers = (o: Outputs) => Object.entries(o.passwords).filter(([u]) => u.startsWith("load")).sort();

async function main() {
    run("bash", ["scripts/apt-ensure.sh", "--no-start", "sip-tester=/usr/bin/sipp", "stunnel4=/usr/bin/stunnel", "coturn=/usr/bin/turnutils_uclient", "bind9-dnsutils=/usr/bin/dig"]);
    if (!process.argv.includes("--keep-up")) {
        run("bash", ["scripts/local-env.sh", "down"], { allowFail: true }); // the `local` stack shares the container
        const project = projectDir();
        localEnv("down");
        fs.mkdirSync(project, { recursive: true });
        fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), configWithLoadUsers());
        log("up");
        localEnv("up");
    }
    const o = JSON.parse(localEnv("outputs").stdout) as Outputs;
    turnAddress = o.endpoints.turn.addresses[0];
    const restPort = Number(/:(\d+)\?/.exec(o.endpoints.turn.restUris[0])?.[1]);

    log("ours");
    const ours = await measure(o, { ltPort: 3478, restPort, restSecret: onHost(o, "cat /etc/pulumi-rtc/secrets/coturn-static-auth-secret").trim() }, true);

    log("Debian's defaults");
    phase = "defaults";
    const users = loadUsers(o);
    onHost(o, "mkdir -p /srv && cat > /srv/debian-defaults.sh", fs.readFileSync(path.join(root, "scripts/bench/debian-defaults.sh"), "utf8"));
    onHost(o, `bash /srv/debian-defaults.sh setup '${o.endpoints.turn.realm}' '${o.endpoints.sip.domain}' '${o.endpoints.xmpp.domains[0]}'`,
        `${users.map(([u, p]) => `${u} ${p}`).join("\n")}\n`);
    // Debian's coturn takes long-term or REST credentials, not both: one run with each.
    onHost(o, "bash /srv/debian-defaults.sh turn lt");
    const restSecret = users[0][1]; // debian-defaults.sh's static-auth-secret
    const defaults = await measure(o, { ltPort: 3478, restPort: 3478, restSecret }, false);
    onHost(o, "bash /srv/debian-defaults.sh turn rest");
    const peer = background("turnutils_peer", ["-L", SOURCE, "-p", "3480"]);
    defaults.allocationsRest = await allocations(3478, ...restCredential({ ltPort: 3478, restPort: 3478, user: users[0][0], password: "", restSecret }));
    peer.kill();
    onHost(o, "bash /srv/debian-defaults.sh stop");

    if (!process.argv.includes("--keep-up")) {
        log("down");
        localEnv("down");
    }
    print(ours, defaults);
}

const rows: [string, string, string][] = [
    ["registerUdp", "SIP REGISTER with digest auth, UDP", "/s"],
    ["registerTls", "SIP REGISTER with digest auth, TLS", "/s"],
    ["callsUdp", "SIP calls (INVITE/407/INVITE/ACK/BYE), UDP", "/s"],
    ["callsTls", "SIP calls (INVITE/407/INVITE/ACK/BYE), TLS", "/s"],
    ["allocationsLt", "TURN allocations, long-term credentials", "/s"],
    ["allocationsRest", "TURN allocations, REST credentials", "/s"],
    ["relayMbps", "TURN relayed throughput, 20 clients, echoed", "Mbit/s"],
    ["logins", "XMPP logins over STARTTLS", "/s"],
    ["direct", "XMPP one-to-one messages, 10 pairs", "/s"],
    ["muc", "XMPP MUC deliveries, 50 occupants", "/s"],
];

function print(ours: Figures, defaults: Figures) {
    const f = (v: number | undefined, ceiling: boolean) => (v === undefined || Number.isNaN(v) ? "-" : `${ceiling ? ">=" : ""}${v >= 100 ? v.toFixed(0) : v.toFixed(1)}`);
    const table = [["", "ours", "Debian's defaults", "ours / defaults"], ...rows.map(([k, what, unit]) => {
        const a = ours[k], b = defaults[k];
        const ca = atCeiling.has(`ours.${k}`), cb = atCeiling.has(`defaults.${k}`);
        // Both at the load generator's ceiling: the ratio says nothing about the servers.
        const ratio = a !== undefined && b && !(ca && cb) ? (a / b).toFixed(2) : ca && cb ? "same ceiling" : "-";
        return [`${what} (${unit})`, f(a, ca), f(b, cb), ratio];
    })];
    const w = [0, 1, 2, 3].map((c) => Math.max(...table.map((r) => r[c].length)));
    for (const r of table) console.log(`${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padStart(w[2])}  ${r[3].padStart(w[3])}`);
}

main().catch((e) => { console.error(e); process.exitCode = 1; }).finally(() => {
    for (const c of children) c.kill();
    fs.rmSync(work, { recursive: true, force: true });
});
