import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";

// Stack configuration as `pulumi config` would give it to the program, read without the engine.

export interface StackConfig {
    readonly project: string;
    /** Values by key without the project prefix. */
    readonly values: Record<string, unknown>;
    /** Keys (without prefix) that hold secrets. */
    readonly secretKeys: Set<string>;
}

/** Splits a `pulumi config set --path` path: `users[0].password`, `hosts.server1.ipv4[1]`, `a["b.c"]`. */
export function parsePath(p: string): (string | number)[] {
    const out: (string | number)[] = [];
    const re = /([^.[\]]+)|\[(\d+)\]|\["([^"]+)"\]/g;
    let m: RegExpExecArray | null;
    let consumed = 0;
    while ((m = re.exec(p)) !== null) {
        const between = p.slice(consumed, m.index);
        if (between !== "" && between !== ".") throw new Error(`cannot read config path ${JSON.stringify(p)}`);
        out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]));
        consumed = re.lastIndex;
    }
    if (consumed !== p.length || out.length === 0) throw new Error(`cannot read config path ${JSON.stringify(p)}`);
    return out;
}

export function setPath(values: Record<string, unknown>, p: string, value: unknown): void {
    const parts = parsePath(p);
    let node: Record<string | number, unknown> = values;
    for (let i = 0; i < parts.length - 1; i++) {
        const key = parts[i];
        if (node[key] === undefined || typeof node[key] !== "object") node[key] = typeof parts[i + 1] === "number" ? [] : {};
        node = node[key] as Record<string | number, unknown>;
    }
    node[parts[parts.length - 1]] = value;
}

/** A command-line value: JSON when it parses (numbers, booleans, lists), else the string itself. */
export function parseValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

const isSecure = (v: unknown) => !!v && typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 1 && "secure" in (v as object);

/** Reads Pulumi.yaml and Pulumi.<stack>.yaml. Encrypted values cannot be read here: they are left out and listed. */
export function readStackConfig(dir: string, stack: string): StackConfig & { undecryptable: string[] } {
    const project = (YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new Error(`no stack config ${file}`);
    const doc = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    const undecryptable: string[] = [];
    for (const [fullKey, value] of Object.entries(doc.config ?? {})) {
        const [ns, key] = fullKey.includes(":") ? fullKey.split(":") : [project, fullKey];
        if (ns !== project) continue;
        values[key] = stripSecure(value, key, undecryptable, secretKeys);
    }
    return { project, values, secretKeys, undecryptable };
}

function stripSecure(value: unknown, at: string, undecryptable: string[], secretKeys: Set<string>): unknown {
    const top = at.split(/[.[]/)[0];
    if (isSecure(value)) {
        undecryptable.push(at);
        secretKeys.add(top);
        return undefined;
    }
    if (Array.isArray(value)) return value.map((v, i) => stripSecure(v, `${at}[${i}]`, undecryptable, secretKeys));
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value as Record<string, unknown>)
            .map(([k, v]) => [k, stripSecure(v, `${at}.${k}`, undecryptable, secretKeys)])
            .filter(([, v]) => v !== undefined));
    }
    return value;
}
