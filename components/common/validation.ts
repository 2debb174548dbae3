import * as pulumi from "@pulumi/pulumi";
import { Rule, address, domainName, isDomainName, port, show, userName } from "./grammar";

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

    /** Checks a value against a rule of the grammar. */
    rule(field: string, value: unknown, rule: Rule): boolean {
        const flaw = rule(value);
        if (flaw) this.fail(field, flaw.problem, flaw.fix);
        return !flaw;
    }

    domain(field: string, value: unknown): boolean {
        return this.rule(field, value, domainName);
    }

    port(field: string, value: unknown): boolean {
        return this.rule(field, value, port);
    }

    ipv4(field: string, value: unknown): boolean {
        return this.rule(field, value, address(4));
    }

    ipv6(field: string, value: unknown): boolean {
        return this.rule(field, value, address(6));
    }

    identifier(field: string, value: unknown): boolean {
        return this.rule(field, value, userName);
    }

    /** A short line of text for people, such as a button's label: 1 to `maxLength` characters, no control characters. */
    text(field: string, value: unknown, maxLength: number): boolean {
        // eslint-disable-next-line no-control-regex -- control characters are what this refuses
        return this.check(typeof value === "string" && value.length > 0 && value.length <= maxLength && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value),
            field, `is ${show(value)}`, `give 1 to ${maxLength} characters on one line`);
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

export { isDomainName, show };

export function nearest(key: string, known: readonly string[]): string {
    const best = known
        .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
        .sort((a, b) => a.d - b.d)[0];
    return best && best.d <= 2 ? ` (did you mean ${best.k}?)` : "";
}

/** Edit distance with adjacent transpositions (optimal string alignment): "domian" is two from "domains". */
function editDistance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}
