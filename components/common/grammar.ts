import * as net from "net";
import { domainToASCII, domainToUnicode } from "url";

// The grammar of every value that reaches a generated file, a shell line, SQL or the zone. Each rule says
// what is wrong with a value (never echoing a secret) and how to fix it; component args and the stack
// config both check through these.

/** What is wrong with a value, and the fix. */
export interface Flaw {
    readonly problem: string;
    readonly fix: string;
}

export type Rule = (value: unknown) => Flaw | undefined;

/** Shows a bad value in a message; long values are cut so that a pasted key never lands in a log whole. */
export function show(value: unknown): string {
    if (value === undefined) return "missing";
    if (typeof value === "function") return "a function";
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `is "x" (a string)`: the value, and its type where the type is the surprise. */
export function describe(value: unknown, expectedType: string): string {
    if (value === undefined) return "is missing";
    if (value === null) return "is null";
    const type = Array.isArray(value) ? "list" : typeof value;
    if (type === expectedType) return `is ${show(value)}`;
    const kind = type === "list" ? "a list" : type === "object" ? "an object" : `a ${type}`;
    return `is ${show(value)} (${kind})`;
}

const flaw = (value: unknown, what: string, fix: string, expectedType = "string"): Flaw => ({ problem: `${describe(value, expectedType)}, not ${what}`, fix });

// --------------------------------------------------------------------------------------- names

const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A fully qualified DNS name (RFC 1035): lower-case LDH labels, IDN as A-labels, no trailing dot. */
export const domainName: Rule = (v) => {
    const fix = "use a lower-case fully qualified name such as falcot.com, without a trailing dot";
    if (typeof v !== "string") return flaw(v, "a DNS name", fix);
    // eslint-disable-next-line no-control-regex -- an IDN has letters past ASCII, but no control characters
    if (/[^\x20-\x7e]/.test(v) && !/[\x00-\x1f\x7f-\x9f]/.test(v)) {
        const ascii = domainToASCII(v);
        return { problem: `is ${show(v)}, an internationalised name`, fix: ascii ? `write it in its A-label form: ${ascii}` : fix };
    }
    const labels = v.split(".");
    const ok = v.length <= 253 && labels.length >= 2 && labels.every((l) => label.test(l) && (!/^..--/.test(l) || validALabel(l)))
        && !/^[0-9]+$/.test(labels[labels.length - 1]);
    return ok ? undefined : flaw(v, "a DNS name", fix);
};

/** A label such as `xn--mnchen-3ya` must decode as punycode and encode back to itself. */
function validALabel(l: string): boolean {
    if (!l.startsWith("xn--")) return false;
    const unicode = domainToUnicode(l);
    return unicode !== "" && unicode !== l && domainToASCII(unicode) === l;
}

export function isDomainName(v: unknown): v is string {
    return domainName(v) === undefined;
}

/** A record's owner or target name: a DNS name whose leading labels may be `_service` labels (SRV, RFC 6335). */
export const ownerName: Rule = (v) => {
    if (typeof v !== "string") return domainName(v);
    const labels = v.split(".");
    let i = 0;
    while (i < labels.length && /^_[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(labels[i])) i++;
    const rest = labels.slice(i).join(".");
    return i > 0 && labels.length - i >= 2 && isDomainName(rest) ? undefined
        : domainName(v) && { problem: domainName(v)!.problem.replace("not a DNS name", "not a record name"), fix: "write a fully qualified name such as _sips._tcp.sip.falcot.com" };
};

/** One DNS label, such as a host's short name. */
export const hostLabel: Rule = (v) => typeof v === "string" && label.test(v) && !/^[0-9]+$/.test(v) && (!/^..--/.test(v) || validALabel(v))
    ? undefined : flaw(v, "a host name", "use lower-case letters, digits and '-', such as server1");

/** A user name as the services store it (SIP, TURN, XMPP local part, database row). */
export const userName: Rule = (v) => typeof v === "string" && /^[a-z0-9][a-z0-9._-]{0,63}$/i.test(v) && !/\.\.|\.$/.test(v)
    ? undefined : flaw(v, "a valid user name", "use letters, digits, '.', '_' or '-' (at most 64), starting with a letter or digit");

// ----------------------------------------------------------------------------------- addresses

function block(ranges: [string, number][], family: "ipv4" | "ipv6"): net.BlockList {
    const b = new net.BlockList();
    for (const [a, p] of ranges) b.addSubnet(a, p, family);
    return b;
}

/** Addresses that no client can reach a service on, by what they are. */
const unreachable4: [string, net.BlockList][] = [
    ["unspecified", block([["0.0.0.0", 8]], "ipv4")],
    ["loopback", block([["127.0.0.0", 8]], "ipv4")],
    ["link-local", block([["169.254.0.0", 16]], "ipv4")],
    ["multicast", block([["224.0.0.0", 4]], "ipv4")],
    ["broadcast or reserved", block([["240.0.0.0", 4]], "ipv4")],
];
const unreachable6: [string, net.BlockList][] = [
    ["unspecified", block([["::", 128]], "ipv6")],
    ["loopback", block([["::1", 128]], "ipv6")],
    ["an IPv4-mapped address", block([["::ffff:0:0", 96]], "ipv6")],
    ["link-local", block([["fe80::", 10]], "ipv6")],
    ["multicast", block([["ff00::", 8]], "ipv6")],
];

/** A unicast address of the family that clients can reach: a service's, a host's or a name server's. */
export function address(family: 4 | 6): Rule {
    const name = family === 4 ? "IPv4" : "IPv6";
    const example = family === 4 ? "198.51.100.19" : "2001:db8:1000:2000::19";
    return (v) => {
        if (typeof v !== "string" || net.isIP(v) === 0) return flaw(v, `an ${name} address`, `write an address such as ${example}`);
        if (net.isIP(v) !== family) {
            return { problem: `is ${show(v)}, an ${family === 4 ? "IPv6" : "IPv4"} address where an ${name} address belongs`, fix: `move it to the ${family === 4 ? "ipv6" : "ipv4"} list` };
        }
        const kind = (family === 4 ? unreachable4 : unreachable6).find(([, b]) => b.check(v, family === 4 ? "ipv4" : "ipv6"));
        return kind ? { problem: `is ${show(v)}, ${kind[0].startsWith("an ") ? kind[0] : `a ${kind[0]} address`} that clients cannot reach`, fix: `use a unicast address of the host that clients reach, such as ${example}` } : undefined;
    };
}

/** An address or a DNS name that reaches a server (an SSH endpoint: loopback is allowed, for tunnels). */
export const endpoint: Rule = (v) => {
    const fix = "give an address or a DNS name that reaches the host's SSH server";
    if (typeof v === "string" && net.isIP(v)) {
        const f = net.isIP(v) === 4 ? 4 : 6;
        const bad = address(f)(v);
        return bad && !/loopback/.test(bad.problem) ? { problem: bad.problem, fix } : undefined;
    }
    return isDomainName(v) ? undefined : flaw(v, "an address or DNS name", fix);
};

/** Parses an address range: one address, `first-last`, or a CIDR block, of one family. */
export function parseRange(v: string): { first: string; last: string; family: 4 | 6 } | undefined {
    const cidr = /^([0-9a-f.:]+)\/(\d{1,3})$/i.exec(v);
    if (cidr) {
        const family = net.isIP(cidr[1]);
        const bits = family === 4 ? 32 : 128;
        const prefix = Number(cidr[2]);
        if (!family || prefix > bits) return undefined;
        const base = toBigInt(cidr[1], family);
        const host = (1n << BigInt(bits - prefix)) - 1n;
        if ((base & host) !== 0n) return undefined; // host bits set: not a block's first address
        return { first: cidr[1], last: fromBigInt(base | host, family), family: family as 4 | 6 };
    }
    const [first, last = first, ...rest] = v.split("-");
    const family = net.isIP(first);
    if (rest.length || !family || net.isIP(last) !== family) return undefined;
    if (toBigInt(first, family) > toBigInt(last, family)) return undefined;
    return { first, last, family: family as 4 | 6 };
}

/** A peer range for coturn's denied-peer-ip: an address, `first-last` or CIDR, of one family, in order. */
export const addressRange: Rule = (v) => typeof v === "string" && parseRange(v)
    ? undefined : flaw(v, "an address range", "write an address, a range first-last, or a CIDR block, such as 203.0.113.0/24 or 203.0.113.0-203.0.113.255");

function toBigInt(a: string, family: number): bigint {
    if (family === 4) return a.split(".").reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
    const [head, tail = ""] = a.includes("::") ? a.split("::") : [a, undefined as unknown as string];
    const part = (s: string) => (s ? s.split(":") : []).flatMap((g) => (g.includes(".") ? v4Groups(g) : [g]));
    const h = part(head);
    const t = a.includes("::") ? part(tail) : [];
    const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
    return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function v4Groups(v4: string): string[] {
    const n = Number(toBigInt(v4, 4));
    return [((n >>> 16) & 0xffff).toString(16), (n & 0xffff).toString(16)];
}

function fromBigInt(n: bigint, family: number): string {
    if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");
    return [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((n >> s) & 0xffffn).toString(16)).join(":");
}

// -------------------------------------------------------------------------------- other values

/** An absolute path of portable file-name characters: no whitespace, control characters, quotes or `..`. */
export const absolutePath: Rule = (v) => typeof v === "string" && /^(\/[A-Za-z0-9._+@-]+)+\/?$/.test(v) && !/(^|\/)\.\.?(\/|$)/.test(v) && v.length <= 255
    ? undefined : flaw(v, "an absolute path", "write an absolute path of letters, digits, '.', '_', '-', such as /var/lib/turn/turndb");

export const port: Rule = (v) => Number.isInteger(v) && (v as number) > 0 && (v as number) < 65536
    ? undefined : flaw(v, "a TCP/UDP port", "use a whole number from 1 to 65535", "number");

export const cloudflareZoneId: Rule = (v) => typeof v === "string" && /^[0-9a-f]{32}$/.test(v)
    ? undefined : flaw(v, "a Cloudflare zone id", "give the zone id from Cloudflare's dashboard (32 lower-case hex digits)");

const keyTypes = /^(ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa|ssh-dss|sk-\S+)$/;

/**
 * A host key as people paste it, made into one `TYPE KEY` line: `ssh-keyscan` output as it is printed (a host
 * field first, `#` comment lines, one line per key type: the ed25519 one is taken, else ECDSA), or a
 * `.pub` file's line with its comment. Anything else comes back unchanged, for the rule to refuse.
 */
export function normaliseHostKey(v: string): string {
    const lines = v.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).map((l) => l.split(/\s+/));
    const entries = lines.map((f) => (keyTypes.test(f[0]) ? f : f.slice(1)));
    // Each line: TYPE KEY, with at most one comment word after it (a .pub line) or one host field before it.
    if (entries.some((f) => !keyTypes.test(f[0] ?? "") || f.length < 2 || f.length > 3)) return v;
    const keys = [...new Set(entries.map((f) => `${f[0]} ${f[1]}`))];
    const of = (type: (t: string) => boolean) => keys.filter((k) => type(k.split(" ")[0]));
    const candidates = [of((t) => t === "ssh-ed25519"), of((t) => t.startsWith("ecdsa-")), keys].find((list) => list.length > 0) ?? [];
    return candidates.length === 1 ? candidates[0] : v; // two keys of one type: which to pin is not ours to guess
}

/**
 * One public host key as authorized_keys writes it, and nothing after it: an ed25519 or ECDSA key (the command
 * provider asks the server for the pinned key's type only; for RSA that is the SHA-1 "ssh-rsa" signature,
 * which OpenSSH 8.8 and later refuse).
 */
export const hostKey: Rule = (v) => {
    const fix = "pin the server's ed25519 host key: the line `cat /etc/ssh/ssh_host_ed25519_key.pub` prints on it, " +
        "or the output of `ssh-keyscan -t ed25519 HOST` as it is (RSA keys cannot be pinned)";
    const m = typeof v === "string" ? /^(ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)) ([A-Za-z0-9+/]+={0,2})(?: [\x21-\x7e]+)?$/.exec(v.trim()) : null;
    if (!m) return flaw(v, "an ed25519 or ECDSA public host key", fix);
    const blob = Buffer.from(m[2], "base64");
    const typeLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
    const ok = typeLength === m[1].length && blob.subarray(4, 4 + typeLength).toString() === m[1];
    return ok ? undefined : { problem: `is ${show(v)}, whose key data is not a ${m[1]} key`, fix };
};

/** A CIDR block, such as 203.0.113.0/24 or ::/0, for firewall sources. */
export const cidrBlock: Rule = (v) => typeof v === "string" && v.includes("/") && parseRange(v)
    ? undefined : flaw(v, "a CIDR block", "write a block such as 203.0.113.0/24, 0.0.0.0/0 or ::/0 (no host bits set)");
