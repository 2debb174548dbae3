// How `up` grows with the organisation (a benchmark, not a test): `npm run bench:scale [-- 10 100 1000]`.
// For each count of users, on the local environment (a stack of its own, `scale`): `up` from nothing, a
// no-op `up`, and, at the largest count, `up` after one user is added. Prints seconds and the remote commands
// each `up` ran (created, updated or replaced), and which ones for the added user. Needs root; takes the
// local environment down first, and leaves it down.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";

const root = path.resolve(__dirname, "..");
const stack = "scale";
const env = { ...process.env, RTC_LOCAL_STACK: stack };
const counts = process.argv.slice(2).map(Number);
if (counts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("usage: npm run bench:scale [-- COUNT...], counts of users such as 10 100 1000");

function localEnv(...args: string[]): { seconds: number; output: string } {
    const start = process.hrtime.bigint();
    const r = spawnSync("bash", ["scripts/local-env.sh", ...args], { cwd: root, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    if (r.status !== 0) throw new Error(`local-env.sh ${args.join(" ")} failed (${r.status}):\n${output.slice(-4000)}`);
    return { seconds, output };
}

/** The remote commands an `up` ran, by name, from its step lines. */
function commandsRun(output: string): string[] {
    return [...output.matchAll(/^\s*[+~]+-?\s+command:remote:Command\s+(\S+)\s+(?:created|updated|replaced|creating replacement)\b/gm)].map((m) => m[1]);
}

/** The local stack's config with `n` more users, each on TURN, SIP and XMPP, plus the users the stack has. */
function configWith(n: number): string {
    const doc = parse(fs.readFileSync(path.join(root, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
    const users = doc.config["falcot-rtc:users"] as Record<string, unknown>;
    for (let i = 1; i <= n; i++) users[`user${String(i).padStart(4, "0")}`] = { services: ["turn", "sip", "xmpp"] };
    return `# bench:scale: the local stack with ${n} added users (made by scripts/bench-scale.ts)\n${stringify(doc)}`;
}

function projectDir(): string {
    const out = spawnSync("bash", ["scripts/offline-env.sh", "--json"], { cwd: root, env, encoding: "utf8" }).stdout.trim().split("\n").pop()!;
    return path.join((JSON.parse(out) as { PULUMI_RTC_STATE_DIR: string }).PULUMI_RTC_STATE_DIR, "projects", stack);
}

const rows: string[][] = [];
const row = (what: string, r: { seconds: number; output: string }, note = "") => {
    rows.push([what, r.seconds.toFixed(1), String(commandsRun(r.output).length), note]);
    console.error(`bench:scale: ${what}: ${r.seconds.toFixed(1)} s`);
};

spawnSync("bash", ["scripts/local-env.sh", "down"], { cwd: root, env: { ...process.env }, stdio: "ignore" }); // the `local` stack shares the container
const project = projectDir();
for (const [i, n] of (counts.length ? counts : [10, 100, 1000]).entries()) {
    localEnv("down");
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), configWith(n));
    row(`${n} users: up`, localEnv("up"));
    // A no-op takes 15 to 25 s here and varies by a few seconds: the median of three.
    const noops = [localEnv("up"), localEnv("up"), localEnv("up")].sort((a, b) => a.seconds - b.seconds);
    row(`${n} users: no-op up (median of 3)`, noops[1], `${noops.map((r) => r.seconds.toFixed(1)).join(", ")} s`);
    if (i === (counts.length ? counts.length : 3) - 1) {
        fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), configWith(n + 1));
        const added = localEnv("up");
        row(`${n} users: one added`, added, commandsRun(added.output).join(" "));
    }
}
localEnv("down");

const widths = [0, 1, 2].map((c) => Math.max(...[["", "seconds", "remote commands run"], ...rows].map((r) => r[c].length)));
const line = (r: string[]) => `${r[0].padEnd(widths[0])}  ${r[1].padStart(widths[1])}  ${r[2].padStart(widths[2])}${r[3] ? `  ${r[3]}` : ""}`;
console.log(line(["", "seconds", "remote commands run", ""]));
for (const r of rows) console.log(line(r));
