import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { plannedFiles, plannedServices } from "../components/host/registry";
import { secretKeys as stackSecretKeys } from "../stacks/config";
import { parseValue, readStackConfig, setPath } from "./synth/config";
import { synthDiff } from "./synth/diff";
import { runUnderMocks } from "./synth/mockEngine";

// Offline synth: `npm run synth -- --stack NAME [--set PATH=VALUE]... [--secret PATH=VALUE]... --out DIR`.
// Runs the Pulumi program under mocks (no engine, credentials or network) and writes what it would do.
// With `--diff REF`, the Markdown diff of REF's synth against the work tree's, to stdout or `--out FILE`.

interface Options {
    stack: string;
    out: string;
    sets: [string, string][];
    secrets: [string, string][];
    /** A git ref to diff against; then `out` is the Markdown file, or stdout when empty. */
    diff?: string;
}

function parseArgs(argv: string[]): Options {
    const o: Partial<Options> = { sets: [], secrets: [] };
    const usage = "usage: npm run synth -- --stack NAME [--set PATH=VALUE]... [--secret PATH=VALUE]... --out DIR\n" +
        "       npm run synth -- --stack NAME --diff REF [--set PATH=VALUE]... [--out FILE]";
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = argv[++i];
        if (value === undefined) throw new Error(`${flag} needs a value; ${usage}`);
        const pair = (): [string, string] => {
            const eq = value.indexOf("=");
            if (eq <= 0) throw new Error(`${flag} takes PATH=VALUE, got ${JSON.stringify(flag === "--secret" ? value.split("=")[0] : value)}`);
            return [value.slice(0, eq), value.slice(eq + 1)];
        };
        if (flag === "--stack") o.stack = value;
        else if (flag === "--out") o.out = value;
        else if (flag === "--diff") o.diff = value;
        else if (flag === "--set") o.sets!.push(pair());
        else if (flag === "--secret") o.secrets!.push(pair());
        else throw new Error(`unknown option ${flag}; ${usage}`);
    }
    if (!o.stack || (!o.out && !o.diff)) throw new Error(usage);
    if (o.diff && o.secrets!.length) throw new Error(`--diff takes no --secret: secrets are placeholders on both sides; ${usage}`);
    return o as Options;
}

/** Stands in for a secret synth does not have: long enough to pass checks, and obviously not a real value. */
function placeholder(p: string): string {
    if (p === "sshPrivateKey") {
        const body = Buffer.from("synth placeholder for sshPrivateKey").toString("base64");
        return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`;
    }
    return `synth-placeholder-for-${p}`;
}

export async function synth(root: string, opts: Options): Promise<{ resources: number; files: number }> {
    const cfg = readStackConfig(root, opts.stack);
    const values = cfg.values;
    const secretKeys = new Set(cfg.secretKeys);
    for (const [p, v] of opts.sets) setPath(values, p, parseValue(v));
    for (const [p, v] of opts.secrets) {
        setPath(values, p, v);
        secretKeys.add(p.split(/[.[]/)[0]);
    }
    // Secrets synth cannot decrypt, or that are missing, get placeholders.
    for (const p of cfg.undecryptable) if (!opts.secrets.some(([s]) => s === p)) setPath(values, p, placeholder(p));
    if (values.sshPrivateKey === undefined) values.sshPrivateKey = placeholder("sshPrivateKey");
    const users = (values.users ?? {}) as Record<string, unknown>;
    const passwords = (values.passwords ?? {}) as Record<string, unknown>;
    for (const name of Object.keys(users)) if (passwords[name] === undefined) passwords[name] = placeholder(`passwords.${name}`);
    values.passwords = passwords;
    for (const k of stackSecretKeys) if (values[k] !== undefined) secretKeys.add(k);

    const config = Object.fromEntries(Object.entries(values).map(([k, v]) => [`${cfg.project}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
    const run = await runUnderMocks(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(path.join(root, "index")) as { zone: pulumi.Output<string> };
    }, { project: cfg.project, stack: opts.stack, config, secretKeys: [...secretKeys].map((k) => `${cfg.project}:${k}`) });

    const out = path.resolve(opts.out);
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "resources.json"), JSON.stringify(run.resources, null, 2) + "\n");
    fs.writeFileSync(path.join(out, "zone.db"), await new Promise<string>((resolve) => run.result.zone.apply(resolve)));
    fs.writeFileSync(path.join(out, "services.json"), JSON.stringify(plannedServices(), null, 2) + "\n");
    const files = plannedFiles();
    for (const f of files) {
        const target = path.join(out, "hosts", f.host, f.path);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        if (f.linkTo) fs.symlinkSync(f.linkTo, target);
        else fs.writeFileSync(target, f.content, { mode: parseInt(f.mode, 8) & 0o644 });
    }
    return { resources: run.resources.length, files: files.length };
}

async function main(root: string, opts: Options): Promise<string> {
    if (!opts.diff) {
        const r = await synth(root, opts);
        return `synth: ${r.resources} resources, ${r.files} host files`;
    }
    const markdown = await synthDiff(root, { stack: opts.stack, ref: opts.diff, sets: opts.sets });
    if (!opts.out) return markdown;
    fs.writeFileSync(opts.out, markdown);
    return `synth diff written to ${opts.out}`;
}

if (require.main === module) {
    const root = path.resolve(__dirname, "..");
    main(root, parseArgs(process.argv.slice(2))).then(
        (text) => console.log(text),
        (err: Error) => {
            console.error(err.message);
            process.exit(1);
        },
    );
}
