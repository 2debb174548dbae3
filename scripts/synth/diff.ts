import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createTwoFilesPatch } from "diff";
import { parse as parseYaml } from "yaml";

// `npm run synth -- --stack S --diff REF [--out FILE]`: the synth of git ref REF against the work tree's, as
// Markdown for a pull request. REF is checked out in a temporary worktree; nothing else is touched. Needs no
// credentials and no engine. Secrets are placeholders on both sides; a changed secret is named, never shown.

/** One side's synth output, as `scripts/synth.ts` writes it. */
export interface SynthSide {
    /** Host files by `host:/path`. */
    readonly files: ReadonlyMap<string, string>;
    readonly records: readonly string[];
    readonly services: readonly { host: string; unit: string; paths: readonly string[] }[];
    /** Resources' inputs by `type::name`; secrets are `[secret]`. */
    readonly resources: ReadonlyMap<string, Record<string, unknown>>;
    /** Each secret key path of the stack config, with its ciphertext. */
    readonly secrets: ReadonlyMap<string, string>;
}

/** Reads a synth output directory, and the stack config file the secrets come from. */
export function readSide(out: string, stackConfigText: string | undefined): SynthSide {
    const files = new Map<string, string>();
    const hostsDir = path.join(out, "hosts");
    for (const host of fs.existsSync(hostsDir) ? fs.readdirSync(hostsDir) : []) {
        for (const rel of fs.readdirSync(path.join(hostsDir, host), { recursive: true }).map(String)) {
            const full = path.join(hostsDir, host, rel);
            const st = fs.lstatSync(full);
            if (st.isSymbolicLink()) files.set(`${host}:/${rel}`, `symbolic link to ${fs.readlinkSync(full)}\n`);
            else if (st.isFile()) files.set(`${host}:/${rel}`, fs.readFileSync(full, "utf8"));
        }
    }
    const zone = fs.existsSync(path.join(out, "zone.db")) ? fs.readFileSync(path.join(out, "zone.db"), "utf8") : "";
    const servicesFile = path.join(out, "services.json");
    const resourcesFile = path.join(out, "resources.json");
    return {
        files,
        records: zoneRecords(zone),
        services: fs.existsSync(servicesFile) ? JSON.parse(fs.readFileSync(servicesFile, "utf8")) : [],
        resources: new Map(fs.existsSync(resourcesFile)
            ? (JSON.parse(fs.readFileSync(resourcesFile, "utf8")) as { type: string; name: string; inputs: Record<string, unknown> }[]).map((r) => [`${r.type}::${r.name}`, r.inputs])
            : []),
        secrets: secretsOf(stackConfigText),
    };
}

/** The zone's records, one normalized line each, without comments, directives and the SOA (its serial moves). */
export function zoneRecords(zone: string): string[] {
    return zone.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith(";") && !l.startsWith("$") && !/\sSOA\s/.test(l))
        .map((l) => l.replace(/\s+/g, " ")).sort();
}

/** `secure:` values of a Pulumi.<stack>.yaml, by key path (`falcot-rtc:passwords.roland`). */
export function secretsOf(stackConfigText: string | undefined): Map<string, string> {
    const found = new Map<string, string>();
    const walk = (v: unknown, at: string): void => {
        if (v && typeof v === "object" && !Array.isArray(v)) {
            const o = v as Record<string, unknown>;
            if (Object.keys(o).length === 1 && typeof o.secure === "string") found.set(at, o.secure);
            else for (const [k, x] of Object.entries(o)) walk(x, at ? `${at}.${k}` : k);
        } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    };
    if (stackConfigText) walk((parseYaml(stackConfigText) as { config?: unknown } | null)?.config, "");
    return found;
}

/** An input as text: strings as they are, the rest as JSON. */
const textOf = (v: unknown): string => (typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v, null, 2)) + "\n";

const fence = (text: string, lang = ""): string => {
    const ticks = "`".repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
    return `${ticks}${lang}\n${text.endsWith("\n") ? text : `${text}\n`}${ticks}`;
};

/** The Markdown a reviewer reads: files, records, daemons that restart, resources, secrets. */
/** The hidden first line of the Markdown: the pull-request workflow finds its own comment by it, to edit it. */
export const commentMarker = (stack: string): string => `<!-- pulumi-rtc synth diff: ${stack} -->`;

export function diffMarkdown(before: SynthSide, after: SynthSide, title: string, stack = ""): string {
    const out: string[] = [...(stack ? [commentMarker(stack)] : []), `## ${title}`, ""];
    const keys = [...new Set([...before.files.keys(), ...after.files.keys()])].sort();
    const changedFiles = keys.filter((k) => before.files.get(k) !== after.files.get(k));
    const recordsAdded = after.records.filter((r) => !before.records.includes(r));
    const recordsRemoved = before.records.filter((r) => !after.records.includes(r));
    const secretKeys = [...new Set([...before.secrets.keys(), ...after.secrets.keys()])].sort();
    const secretsChanged = secretKeys.filter((k) => before.secrets.get(k) !== after.secrets.get(k));
    const resourcesAdded = [...after.resources.keys()].filter((r) => !before.resources.has(r));
    const resourcesRemoved = [...before.resources.keys()].filter((r) => !after.resources.has(r));
    // Commands whose scripts change (a file's text, its stdin, is under Files already).
    const scriptChanges = [...after.resources.entries()].filter(([k]) => before.resources.has(k)).flatMap(([k, inputs]) => {
        const old = before.resources.get(k)!;
        return Object.keys({ ...old, ...inputs }).filter((key) => key !== "stdin" && key !== "connection" && JSON.stringify(old[key]) !== JSON.stringify(inputs[key]))
            .map((key) => ({ resource: k, key, before: textOf(old[key]), after: textOf(inputs[key]) }));
    });
    // A daemon restarts when a file it runs on changes (or it is new). A synth from before services.json
    // existed says nothing of its daemons: then none counts as new.
    const knowsServices = before.services.length > 0 || before.files.size === 0;
    const restarts = after.services.flatMap((s) => {
        const changed = s.paths.filter((p) => changedFiles.includes(`${s.host}:${p}`));
        const isNew = knowsServices && !before.services.some((b) => b.host === s.host && b.unit === s.unit);
        return changed.length || isNew ? [`\`${s.unit}\` on ${s.host}: ${isNew ? "new" : changed.map((p) => `\`${p}\``).join(", ")}`] : [];
    });
    const stopped = before.services.filter((b) => !after.services.some((s) => s.host === b.host && s.unit === b.unit)).map((b) => `\`${b.unit}\` on ${b.host}: no longer managed`);

    if (!changedFiles.length && !recordsAdded.length && !recordsRemoved.length && !secretsChanged.length && !resourcesAdded.length && !resourcesRemoved.length && !scriptChanges.length) {
        return [...out, "No change: the same files, records, resources and secrets.", ""].join("\n");
    }
    const changedCommands = new Set(scriptChanges.map((c) => c.resource)).size;
    out.push(`Changes: ${changedFiles.length} file(s), ${recordsAdded.length + recordsRemoved.length} DNS record(s), ${restarts.length + stopped.length} daemon restart(s), ` +
        `${resourcesAdded.length} resource(s) added and ${resourcesRemoved.length} removed, ${changedCommands} command(s), ${secretsChanged.length} secret(s).`, "");
    if (restarts.length || stopped.length) out.push("### Daemons that restart", "", ...[...restarts, ...stopped].map((r) => `- ${r}`), "");
    if (changedFiles.length) {
        out.push("### Files", "");
        for (const k of changedFiles) {
            const [host, file] = [k.slice(0, k.indexOf(":")), k.slice(k.indexOf(":") + 1)];
            const a = before.files.get(k);
            const b = after.files.get(k);
            out.push(`#### ${host}: \`${file}\` (${a === undefined ? "new" : b === undefined ? "removed" : "changed"})`, "");
            const patch = createTwoFilesPatch(`a${file}`, `b${file}`, a ?? "", b ?? "", undefined, undefined, { context: 3 });
            out.push(fence(patch.split("\n").slice(3).join("\n"), "diff"), "");
        }
    }
    if (recordsAdded.length || recordsRemoved.length) {
        out.push("### DNS records", "", fence([...recordsRemoved.map((r) => `- ${r}`), ...recordsAdded.map((r) => `+ ${r}`)].join("\n"), "diff"), "");
    }
    if (resourcesAdded.length || resourcesRemoved.length) {
        out.push("### Resources", "", ...resourcesAdded.map((r) => `- added \`${r}\``), ...resourcesRemoved.map((r) => `- removed \`${r}\``), "");
    }
    if (scriptChanges.length) {
        out.push("### Commands that change", "");
        for (const c of scriptChanges) {
            out.push(`#### \`${c.resource}\`: \`${c.key}\``, "");
            const patch = createTwoFilesPatch(c.key, c.key, c.before, c.after, undefined, undefined, { context: 2 });
            out.push(fence(patch.split("\n").slice(3).join("\n"), "diff"), "");
        }
    }
    if (secretsChanged.length) {
        out.push("### Secrets", "", ...secretsChanged.map((k) => `- \`${k}\`: ${!before.secrets.has(k) ? "added" : !after.secrets.has(k) ? "removed" : "changed"}`), "");
    }
    return out.join("\n");
}

function git(root: string, ...args: string[]): string {
    return execFileSync("git", ["-C", root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** Runs a tree's own synth in a child process (each tree's modules apart), writing to `out`. */
function synthTree(tree: string, nodeModules: string, stack: string, out: string, sets: [string, string][]): void {
    if (fs.existsSync(path.join(tree, "scripts/build-web.mjs"))) execFileSync(process.execPath, ["scripts/build-web.mjs"], { cwd: tree, stdio: "pipe" });
    execFileSync(path.join(nodeModules, ".bin/ts-node"), ["--transpile-only", "scripts/synth.ts", "--stack", stack, "--out", out, ...sets.flatMap(([p, v]) => ["--set", `${p}=${v}`])],
        { cwd: tree, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_PATH: nodeModules } });
}

export async function synthDiff(root: string, opts: { stack: string; ref: string; sets: [string, string][] }): Promise<string> {
    const sha = git(root, "rev-parse", "--verify", `${opts.ref}^{commit}`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-synth-diff-"));
    const tree = path.join(tmp, "tree");
    git(root, "worktree", "add", "--detach", "--quiet", tree, sha);
    try {
        const nodeModules = path.join(root, "node_modules");
        fs.symlinkSync(nodeModules, path.join(tree, "node_modules"));
        synthTree(tree, nodeModules, opts.stack, path.join(tmp, "before"), opts.sets);
        synthTree(root, nodeModules, opts.stack, path.join(tmp, "after"), opts.sets);
        const configFile = `Pulumi.${opts.stack}.yaml`;
        const atRef = (() => { try { return git(root, "show", `${sha}:${configFile}`); } catch { return undefined; } })();
        const here = fs.existsSync(path.join(root, configFile)) ? fs.readFileSync(path.join(root, configFile), "utf8") : undefined;
        const title = `Synth diff of stack \`${opts.stack}\`: \`${opts.ref}\` (${sha.slice(0, 12)}) → work tree`;
        return diffMarkdown(readSide(path.join(tmp, "before"), atRef), readSide(path.join(tmp, "after"), here), title, opts.stack);
    } finally {
        git(root, "worktree", "remove", "--force", tree);
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}
