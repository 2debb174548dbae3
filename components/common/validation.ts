import * as pulumi from "@pulumi/pulumi";
import * as net from "net";

/**
 * A bad argument or config value, named by component, field and fix. Thrown before anything is applied. A
 * RunError, so the engine prints its message alone, without a stack trace.
 */
export class RtcConfigError extends pulumi.RunError {
    constructor(
        readonly component: string,
        readonly field: string,
        problem: string,
        readonly fix: string,
    ) {
        super(`${component}: ${field} ${problem}. Fix: ${fix}`);
        this.name = "RtcConfigError";
    }
}

/** Collects the checks of one component and throws them together, so a user fixes all in one round. */
export class Checker {
    private readonly problems: RtcConfigError[] = [];
    constructor(readonly component: string) {}

    fail(field: string, problem: string, fix: string): void {
        this.problems.push(new RtcConfigError(this.component, field, problem, fix));
    }

    check(ok: boolean, field: string, problem: string, fix: string): boolean {
        if (!ok) this.fail(field, problem, fix);
        return ok;
    }

    domain(field: string, value: unknown): boolean {
        return this.check(isDomainName(value), field, `is ${show(value)}, not a DNS name`,
            "use a lower-case fully qualified name such as falcot.com, without a trailing dot");
    }

    port(field: string, value: unknown): boolean {
        return this.check(Number.isInteger(value) && (value as number) > 0 && (value as number) < 65536, field,
            `is ${show(value)}, not a TCP/UDP port`, "use a whole number from 1 to 65535");
    }

    ipv4(field: string, value: unknown): boolean {
        return this.check(typeof value === "string" && net.isIPv4(value), field,
            `is ${show(value)}, not an IPv4 address`, "write a dotted quad such as 198.51.100.19");
    }

    ipv6(field: string, value: unknown): boolean {
        return this.check(typeof value === "string" && net.isIPv6(value), field,
            `is ${show(value)}, not an IPv6 address`, "write an address such as 2001:db8:1000:2000::19");
    }

    /** Plain-string secrets are checked now; secrets that are Outputs are checked when they resolve. */
    identifier(field: string, value: unknown): boolean {
        return this.check(typeof value === "string" && /^[a-z0-9][a-z0-9._-]{0,63}$/i.test(value), field,
            `is ${show(value)}, not a valid user name`, "use letters, digits, '.', '_' or '-' (at most 64), starting with a letter or digit");
    }

    unknownKeys(field: string, value: object | undefined, known: readonly string[]): void {
        if (!value) return;
        for (const key of Object.keys(value)) {
            if (!known.includes(key)) {
                this.fail(`${field ? field + "." : ""}${key}`, "is not a known setting",
                    `remove it or use one of: ${known.join(", ")}${nearest(key, known)}`);
            }
        }
    }

    /** Throws every collected problem at once. */
    done(): void {
        if (this.problems.length === 1) throw this.problems[0];
        if (this.problems.length > 1) {
            const err = new RtcConfigError(this.component, this.problems[0].field, "and others are wrong", "see each line");
            err.message = this.problems.map((p) => p.message).join("\n");
            throw err;
        }
    }
}

export function isDomainName(value: unknown): value is string {
    if (typeof value !== "string" || value.length > 253) return false;
    const labels = value.split(".");
    return labels.length >= 2 && labels.every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l)) && !/^[0-9]+$/.test(labels[labels.length - 1]);
}

/** Shows a bad value in an error message; long values are cut so that a pasted key never lands in a log whole. */
export function show(value: unknown): string {
    if (value === undefined) return "missing";
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function nearest(key: string, known: readonly string[]): string {
    const best = known
        .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
        .sort((a, b) => a.d - b.d)[0];
    return best && best.d <= 2 ? ` (did you mean ${best.k}?)` : "";
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return row[b.length];
}
