import * as pulumi from "@pulumi/pulumi";
import { local } from "@pulumi/command";
import * as fs from "fs";
import * as path from "path";
import { Checker, show } from "../common/validation";
import { RtcHost } from "../host/rtcHost";
import { ArgKinds, checkArgs } from "../common/args";
import { machineKeys } from "./machine";

const argKinds: ArgKinds<LocalHostArgs> = { fqdn: "string", ipv4: "addresses", ipv6: "strings", gateway4: "string", gateway6: "string", envName: "string" };

export interface LocalHostArgs {
    /** The host's fully qualified name, such as `server1.falcot.com`. */
    readonly fqdn: string;
    /**
     * Public IPv4 addresses; documentation addresses (198.51.100.0/24) are the norm. `{ public, private }` pairs put
     * the container behind 1:1 NAT, as on EC2: it carries the private addresses, a NAT namespace the public ones.
     */
    readonly ipv4: readonly (string | { readonly public: string; readonly private?: string })[];
    /** IPv6 addresses. Default: none. Not behind NAT. */
    readonly ipv6?: readonly string[];
    /** Address of this machine's side of the veth. Default `198.51.100.1`. */
    readonly gateway4?: string;
    /** IPv6 address of this machine's side. Default: the first IPv6 address's /64 with host part ::1. */
    readonly gateway6?: string;
    /** Name of the environment: container, network namespace and links are named after it. Default: the resource name. */
    readonly envName?: string;
}

/**
 * The embedded `local` host: a Debian bookworm container booted with systemd in a network namespace on this
 * machine, carrying the given addresses, reachable over SSH with a key and a pinned host key made here.
 * Destroying it removes the container, namespace and links; the base image and apt caches stay.
 */
export class LocalHost extends pulumi.ComponentResource {
    /** The host, for the service components. */
    readonly host: RtcHost;
    /** The SSH private key that logs in as root (secret). */
    readonly sshPrivateKey: pulumi.Output<string>;
    /** The container's ed25519 host key, pinned by every connection. */
    readonly hostPublicKey: pulumi.Output<string>;
    /** Where SSH reaches it: its first public IPv4 address. */
    readonly sshAddress: string;

    constructor(name: string, args: LocalHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:LocalHost", name, {}, opts);
        checkArgs(`LocalHost "${name}"`, args, argKinds, ["fqdn", "ipv4"]);
        const c = new Checker(`LocalHost "${name}"`);
        const envName = args.envName ?? name;
        c.check(/^[a-z][a-z0-9-]{0,10}$/.test(envName), "envName", `is ${show(envName)}`, "use at most 11 lower-case letters, digits or '-', starting with a letter (it names network links)");
        const pairs = (args.ipv4 ?? []).map((a) => (typeof a === "string" ? { public: a, private: a } : { public: a.public, private: a.private ?? a.public }));
        pairs.forEach((a, i) => c.ipv4(`ipv4[${i}]`, a.public) && c.ipv4(`ipv4[${i}].private`, a.private));
        const nat = pairs.some((a) => a.private !== a.public);
        if (nat) {
            pairs.forEach((a, i) => c.check(a.private !== a.public, `ipv4[${i}]`, "has no private address while others have one", "give every address a private one behind NAT, or none"));
            c.check((args.ipv6 ?? []).length === 0, "ipv6", "is set for a host behind NAT", "drop ipv6: the local NAT maps IPv4 only");
            // host.sh's NAT namespace: one private /24 (RFC 1918), its .1 the private gateway.
            const net = pairs[0].private.split(".").slice(0, 3).join(".");
            pairs.forEach((a, i) => c.check(/^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.)/.test(a.private) && a.private.startsWith(`${net}.`) && ![0, 1, 255].includes(Number(a.private.split(".")[3])),
                `ipv4[${i}].private`, `is ${a.private}, not a private address of ${net}.0/24 other than .0, .1 and .255`, `use addresses of one private /24 such as 10.0.1.19, 10.0.1.20 (its .1 is the NAT namespace's side)`));
        }
        (args.ipv6 ?? []).forEach((a, i) => c.ipv6(`ipv6[${i}]`, a));
        const gateway4 = args.gateway4 ?? "198.51.100.1";
        c.ipv4("gateway4", gateway4);
        c.check(!pairs.some((a) => a.public === gateway4), "gateway4", `is ${gateway4}, one of the host's own addresses`, "pick another address of the same /24 for this machine's side");
        const gateway6 = args.gateway6 ?? (args.ipv6?.length ? `${args.ipv6[0].split(":").slice(0, 4).join(":")}::1` : undefined);
        c.done();

        const keys = machineKeys(name, args.fqdn, this);
        // The container boots through cloud-init with the same user data as a cloud VM: host.sh configures only the
        // first address (as a cloud's DHCP would), cloud-init the rest, the host key and root's key.
        const guest = keys.userData(pairs.slice(1).map((a) => a.private));
        const spec = pulumi.secret(pulumi.all([guest, keys.hostPublicKey]).apply(([user, hostKeyPublic]) => JSON.stringify({
            name: envName,
            ipv4: pairs.map((a) => a.public),
            ...(nat ? { private4: pairs.map((a) => a.private) } : {}),
            ipv6: args.ipv6 ?? [],
            hostGateway4: gateway4,
            ...(gateway6 ? { hostGateway6: gateway6 } : {}),
            userData: user,
            hostKeyPublic,
        })));
        const script = hostScript();
        const machine = new local.Command(`${name}-machine`, {
            create: `bash ${script} create`,
            delete: `bash ${script} delete ${envName}`,
            stdin: spec,
            triggers: [envName, pairs.map((a) => (nat ? `${a.public}/${a.private}` : a.public)).join(","), (args.ipv6 ?? []).join(",")],
        }, { parent: this, deleteBeforeReplace: true, replaceOnChanges: ["triggers"], customTimeouts: { create: "20m", delete: "5m" } });

        this.sshPrivateKey = keys.sshPrivateKey;
        this.hostPublicKey = keys.hostPublicKey;
        this.sshAddress = pairs[0].public;
        this.host = new RtcHost(name, {
            fqdn: args.fqdn,
            ipv4: pairs,
            ipv6: args.ipv6 ?? [],
            cloudInit: true,
            connection: {
                host: pairs[0].public,
                user: "root",
                privateKey: keys.sshPrivateKey,
                hostKey: keys.hostPublicKey,
                dialErrorLimit: 30,
            },
            readyAfter: [machine],
        }, { parent: this });
        this.registerOutputs({ hostPublicKey: this.hostPublicKey });
    }
}

/** scripts/local/host.sh, from the source tree or the compiled package. */
function hostScript(): string {
    for (const up of ["../..", "../../.."]) {
        const p = path.resolve(__dirname, up, "scripts/local/host.sh");
        if (fs.existsSync(p)) return p;
    }
    throw new Error("pulumi-rtc: scripts/local/host.sh is missing from this installation");
}
