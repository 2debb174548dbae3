import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { Checker, RtcConfigError } from "./validation";

/** Checks a password: at construction when it is a plain string, when it resolves when it is an Output. */
export function checkPassword(c: Checker, field: string, password: pulumi.Input<string> | undefined, minLength: number): pulumi.Output<string> {
    const fix = `set a password of at least ${minLength} characters, e.g. \`pulumi config set --secret ${field} ...\``;
    if (password === undefined || password === null || password === "") {
        c.fail(field, "is missing", fix);
        return pulumi.output("");
    }
    if (typeof password === "string") {
        c.check(password.length >= minLength, field, `is too short (${password.length} characters)`, fix);
        return pulumi.secret(password);
    }
    return pulumi.secret(pulumi.output(password).apply((p) => {
        const problem = passwordProblem(p, minLength);
        if (problem) throw new RtcConfigError(c.component, field, problem, fix);
        return p;
    }));
}

/**
 * A shared secret written into daemons' config files: at least `minLength` characters of base64 or URL-safe text
 * (what `openssl rand -base64 32` makes), so it needs no quoting anywhere. Returns the checked value, secret.
 */
export function checkSharedSecret(c: Checker, field: string, secret: pulumi.Input<string> | undefined, minLength = 24): pulumi.Output<string> {
    const fix = `make one with \`openssl rand -base64 32\` and pass it as a secret`;
    const problem = (s: unknown) => sharedSecretProblem(s, minLength);
    if (secret === undefined || secret === null || typeof secret === "string") {
        const p = problem(secret);
        if (p) c.fail(field, p, fix);
        return pulumi.secret(secret ?? "");
    }
    return pulumi.secret(pulumi.output(secret).apply((s) => {
        const p = problem(s);
        if (p) throw new RtcConfigError(c.component, field, p, fix);
        return s;
    }));
}

/** What is wrong with a shared secret, if anything; never the secret itself. */
export function sharedSecretProblem(s: unknown, minLength = 24): string | undefined {
    return passwordProblem(s, minLength) ?? (/^[A-Za-z0-9+/=._~-]+$/.test(s as string) ? undefined : "holds characters other than letters, digits and + / = . _ ~ -");
}

/** What is wrong with a password, if anything; never the password itself. */
export function passwordProblem(p: unknown, minLength: number): string | undefined {
    if (typeof p !== "string" || p === "") return "is missing";
    if (p.length < minLength) return `is too short (${p.length} characters)`;
    return undefined;
}

/** Checks that addresses belong to the host and returns them; empty means "use the default". */
export function checkHostAddresses(c: Checker, field: string, wanted: readonly string[] | undefined, hostHas: readonly string[], fallback: readonly string[]): string[] {
    const list = wanted ?? fallback;
    list.forEach((a, i) => c.check(hostHas.includes(a), `${field}[${i}]`, `is ${a}, which the host does not have`,
        `use one of the host's addresses (${hostHas.join(", ") || "none of this family"}) or add it to the host`));
    if (new Set(list).size !== list.length) c.fail(field, "lists an address twice", "list each address once");
    return [...list];
}

/** The names `userLines` carries, for a preview: `users: roland, alice; admins: admin`. */
export function userSummary(entries: readonly { kind: string; name: string }[]): string {
    const kinds = [...new Set(entries.map((e) => e.kind))];
    return kinds.length ? kinds.map((k) => `${k}s: ${entries.filter((e) => e.kind === k).map((e) => e.name).join(", ")}`).join("; ") : "users: none";
}

/** What a users step's stdin carries for one user: by default base64 of the password. */
export type CredentialOf = (kind: string, name: string, password: string) => string;
const base64Password: CredentialOf = (_kind, _name, password) => Buffer.from(password, "utf8").toString("base64");

/**
 * Encodes users as lines `kind name credential` for a host step's stdin; passwords stay off command lines. A
 * store that keeps a digest gets the digest, made here, so the host hashes nothing per user (and never sees the
 * password); the credential must be one token without spaces.
 */
export function userLines(entries: readonly { kind: string; name: string; password: pulumi.Output<string> }[], credentialOf: CredentialOf = base64Password): pulumi.Output<string> {
    return pulumi.secret(pulumi.all(entries.map((e) => e.password)).apply((pws) =>
        entries.map((e, i) => `${e.kind} ${e.name} ${credentialOf(e.kind, e.name, pws[i])}\n`).join("")));
}

/** Hex MD5 of the text: the digest coturn and Kamailio keep for HTTP-digest style authentication. */
export const md5Hex = (text: string): string => createHash("md5").update(text, "utf8").digest("hex");
