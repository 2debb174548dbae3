import * as pulumi from "@pulumi/pulumi";
import { remote, types } from "@pulumi/command";
import { address, hostKey as hostKeyRule, normaliseHostKey } from "../common/grammar";
import { Checker, isDomainName } from "../common/validation";
import { HostContext, remoteCommand } from "./primitives";
import { aptInstallScript, aptPurgeScript, hostIdentityScript, restoreIdentityScript } from "./scripts";
import { ArgKinds, checkArgs } from "../common/args";
import { addressText, resolveAddresses } from "../common/addresses";
import { cloudInitWaitScript } from "../hosts/cloudInit";
import { DnsRecord, addressRecords } from "../dns/records";

const argKinds: ArgKinds<RtcHostArgs> = { fqdn: "string", connection: "connection", ipv4: "addresses", ipv6: "addresses", ownAddresses: "object", readyAfter: "resources", cloudInit: "boolean", transactionPerComponent: "boolean" };

/** A public address of a host, and the address bound on the host when a cloud maps it 1:1 (NAT). */
export interface HostAddress {
    /** The address clients reach; an Output when a cloud allocates it. */
    readonly public: pulumi.Input<string>;
    /** The address configured on the host's interface, if different (1:1 NAT). Default: the public address. */
    readonly private?: pulumi.Input<string>;
}

/**
 * An address of the host as text for rendering: a literal, or, for an address known only at deployment, a token
 * that `resolveAddresses` (common/addresses.ts) replaces by its value.
 */
export interface AddressText {
    readonly public: string;
    readonly private: string;
}

export interface RtcHostArgs {
    /** The host's fully qualified name, for example `server1.falcot.com`. Its domain is the services' default domain. */
    readonly fqdn: string;
    /** How to reach the host over SSH as root. Pin `hostKey` whenever you know it; pass `privateKey` as a secret. */
    readonly connection: pulumi.Input<types.input.remote.ConnectionArgs>;
    /**
     * The host's public IPv4 service addresses, in order: layouts place services by position. At least one.
     * A plain address (string or Output) is bound on the host itself; `{ public, private }` is a 1:1 NAT mapping.
     */
    readonly ipv4: readonly (pulumi.Input<string> | HostAddress)[];
    /** The host's public IPv6 service addresses. Default: none. */
    readonly ipv6?: readonly (pulumi.Input<string> | HostAddress)[];
    /**
     * The addresses of the host's own name (its A/AAAA records), when they differ from its service addresses, such
     * as a cloud server's primary IPs beside its floating IPs. Default: the service addresses.
     */
    readonly ownAddresses?: { readonly ipv4?: readonly pulumi.Input<string>[]; readonly ipv6?: readonly pulumi.Input<string>[] };
    /** Resources that must exist before anything runs on the host (for example the machine itself). Default: none. */
    readonly readyAfter?: pulumi.Input<pulumi.Resource>[];
    /** The machine boots with cloud-init: the first step waits until cloud-init has finished. Default false. */
    readonly cloudInit?: boolean;
    /**
     * One apt transaction per component, named after it, for components declared one at a time (as a Pulumi
     * package's provider declares them), so each keeps its own transaction whatever the order. Default false:
     * components declared at once share one transaction.
     */
    readonly transactionPerComponent?: boolean;
}

/**
 * A Debian server reachable over SSH, with its addresses. Every daemon component configures a host
 * through the primitives in `primitives.ts`; the host owns the single apt transaction they share.
 */
export class RtcHost extends pulumi.ComponentResource {
    /** The host's fully qualified name. */
    readonly fqdn: string;
    /** The domain of `fqdn`, the services' default domain. */
    readonly domain: string;
    /** The first label of `fqdn`. */
    readonly hostName: string;
    /** Public IPv4 service addresses, each with the address bound on the host behind it. */
    readonly ipv4: readonly AddressText[];
    /** Public IPv6 service addresses, each with the address bound on the host behind it. */
    readonly ipv6: readonly AddressText[];
    /** The A/AAAA records of the host's own name. */
    readonly dnsRecords: DnsRecord[];
    /** The addresses of the host's own name: `ownAddresses`, else the public service addresses. */
    readonly nameAddresses: { readonly ipv4: readonly string[]; readonly ipv6: readonly string[] };
    /** How every remote step reaches the host. */
    readonly connection: pulumi.Input<types.input.remote.ConnectionArgs>;
    private readonly readyAfter: pulumi.Input<pulumi.Resource>[];
    /** The host's own steps (identity, packages) run through the same primitive as the components'. */
    private readonly ctx: HostContext;
    /** apt transactions, in order; the last one takes requests until the current turn of the event loop ends. */
    private readonly packageBatches: { readonly wanted: Set<string>; readonly command: remote.Command; sealed: boolean; readonly requester?: string }[] = [];
    private readonly transactionPerComponent: boolean;

    constructor(name: string, args: RtcHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:RtcHost", name, {}, opts);
        checkArgs(`RtcHost "${name}"`, args, argKinds, ["fqdn", "connection", "ipv4"]);
        const c = new Checker(`RtcHost "${name}"`);
        c.check(isDomainName(args.fqdn) && args.fqdn.split(".").length >= 3, "fqdn", `is ${JSON.stringify(args.fqdn)}, not a host name inside a domain`,
            "give the host's fully qualified name, such as server1.falcot.com");
        c.check(Array.isArray(args.ipv4) && args.ipv4.length > 0, "ipv4", "is empty", "list at least one public IPv4 address of the host");
        const owner = `RtcHost "${name}"`;
        const ipv4 = normalise(c, name, "ipv4", args.ipv4 ?? [], 4);
        const ipv6 = normalise(c, name, "ipv6", args.ipv6 ?? [], 6);
        const own = (family: 4 | 6) => (args.ownAddresses?.[family === 4 ? "ipv4" : "ipv6"] ?? []).map((a, i) => {
            const field = `ownAddresses.ipv${family}[${i}]`;
            if (typeof a === "string") c.rule(field, a, address(family));
            return addressText(`${name}/own${family}/${i}`, a, family, { owner, field });
        });
        const own4 = own(4);
        const own6 = own(6);
        const hostKey = (args.connection as { hostKey?: unknown } | undefined)?.hostKey;
        if (typeof hostKey === "string") c.rule("connection.hostKey", normaliseHostKey(hostKey), hostKeyRule);
        c.done();
        this.fqdn = args.fqdn;
        this.hostName = args.fqdn.split(".")[0];
        this.domain = args.fqdn.split(".").slice(1).join(".");
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
        this.nameAddresses = args.ownAddresses
            ? { ipv4: own4, ipv6: own6 }
            : { ipv4: ipv4.map((a) => a.public), ipv6: ipv6.map((a) => a.public) };
        this.dnsRecords = addressRecords(this.fqdn, this.nameAddresses.ipv4, this.nameAddresses.ipv6);
        // A pasted host key (ssh-keyscan output, a .pub line) is pinned as the one `TYPE KEY` it holds.
        this.connection = typeof hostKey === "string" ? { ...(args.connection as types.input.remote.ConnectionArgs), hostKey: normaliseHostKey(hostKey) } : args.connection;
        const ctx = { host: this, parent: this, owner, prefix: name, retainOnDelete: opts?.retainOnDelete };
        // Every other step depends on this one: nothing runs while cloud-init still configures the machine.
        this.readyAfter = args.cloudInit
            ? [remoteCommand({ ...ctx, after: [] }, "cloud-init", { create: cloudInitWaitScript }, args.readyAfter ?? [])]
            : args.readyAfter ?? [];
        this.ctx = { ...ctx, after: this.readyAfter };
        this.transactionPerComponent = args.transactionPerComponent ?? false;
        // The server's name is its fqdn, with /etc/hosts to match; destroy gives back the name it had.
        remoteCommand(this.ctx, "identity", { create: resolveAddresses(hostIdentityScript(this.fqdn, this.ipv4[0].private)), delete: restoreIdentityScript() }, this.readyAfter);
        this.registerOutputs({ fqdn: this.fqdn });
    }

    /** Public addresses of both families. */
    get publicAddresses(): string[] {
        return [...this.ipv4, ...this.ipv6].map((a) => a.public);
    }

    /** The bound address behind a public one. */
    privateOf(publicAddress: string): string {
        const a = [...this.ipv4, ...this.ipv6].find((x) => x.public === publicAddress);
        if (!a) throw new Error(`${this.fqdn} has no address ${publicAddress}`);
        return a.private;
    }

    /**
     * Asks for packages. Requests made in the same turn of the event loop (every component a program declares
     * at once) land in one apt transaction; a component declared later, after an `await`, gets a further
     * transaction that runs after the ones before it. With `transactionPerComponent`, each `requester` (a name
     * unique on the host, such as `turn-<component name>`) has its own transaction. The returned resource is the
     * request's transaction.
     */
    requirePackages(packages: readonly string[], requester?: string): remote.Command {
        const own = this.transactionPerComponent && requester !== undefined ? requester : undefined;
        let batch = this.packageBatches.find((b) => !b.sealed && b.requester === own);
        if (!batch) {
            const wanted = new Set<string>();
            const previous = this.packageBatches[this.packageBatches.length - 1]?.command;
            const n = this.packageBatches.length;
            const id = own !== undefined ? `packages-${own}` : n === 0 ? "packages" : `packages-${n + 1}`;
            const record = `${this.ctx.prefix}-${id}`;
            const script = new Promise<string>((resolve) => setImmediate(() => {
                batch!.sealed = true;
                resolve(aptInstallScript([...wanted], record));
            }));
            // Destroy purges what this transaction installed; packages that were there before stay.
            const command = remoteCommand(this.ctx, id, { create: pulumi.output(script), delete: aptPurgeScript(record) }, previous ? [previous] : this.readyAfter);
            batch = { wanted, command, sealed: false, requester: own };
            this.packageBatches.push(batch);
        }
        packages.forEach((p) => batch!.wanted.add(p));
        return batch.command;
    }
}

/** Literal addresses are checked now; an Output gets a token, and is checked when its value is known. */
function normalise(c: Checker, host: string, field: string, list: readonly (pulumi.Input<string> | HostAddress)[], family: 4 | 6): AddressText[] {
    const out: AddressText[] = [];
    const owner = `RtcHost "${host}"`;
    const isPair = (x: unknown): x is HostAddress => typeof x === "object" && x !== null && "public" in x;
    list.forEach((item, i) => {
        const pair = isPair(item) ? item : { public: item };
        const text = (part: "public" | "private", value: pulumi.Input<string>) => {
            const at = part === "public" ? `${field}[${i}]` : `${field}[${i}].private`;
            const ok = typeof value !== "string" || c.rule(at, value, address(family));
            return ok ? addressText(`${host}/${field}/${i}${part === "private" ? "/private" : ""}`, value, family, { owner, field: at }) : undefined;
        };
        const pub = text("public", pair.public);
        const priv = pair.private === undefined ? pub : text("private", pair.private);
        if (pub === undefined || priv === undefined) return;
        if (out.some((o) => o.public === pub)) c.fail(`${field}[${i}]`, `repeats ${pub}`, "list each address once");
        else out.push({ public: pub, private: priv });
    });
    return out;
}
