import * as pulumi from "@pulumi/pulumi";
import { resetPlannedFiles } from "../../components/host/registry";

// Runs a Pulumi program under pulumi.runtime.setMocks and records every resource: no engine, no network.

export interface SynthResource {
    readonly type: string;
    readonly name: string;
    /** The parent's type and name, `type::name`; absent for top-level resources. */
    readonly parent?: string;
    /** Inputs as the engine would receive them; every secret value is the string "[secret]". */
    readonly inputs: Record<string, unknown>;
}

export interface MockRun<T> {
    readonly resources: SynthResource[];
    readonly result: T;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Replaces secrets by "[secret]" and unknowns by "[unknown]" in a serialized property value. */
export function redact(value: unknown): unknown {
    if (value === UNKNOWN) return "[unknown]";
    if (Array.isArray(value)) return value.map(redact);
    if (value && typeof value === "object") {
        const o = value as Record<string, unknown>;
        if (o[SECRET_SIG] === SECRET_MARK) return "[secret]";
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, redact(v)]));
    }
    return value;
}

/**
 * Addresses a cloud would allocate, as synth shows them: from the documentation ranges (RFC 5737 TEST-NET-3,
 * RFC 3849), numbered in the order the program asks, so a synth is the same from one run to the next.
 */
class MockAddresses {
    private v4 = 0;
    private v6 = 0;
    private privateV4 = 0;
    ipv4(): string { return `203.0.113.${10 + this.v4++}`; }
    ipv6(): string { return `2001:db8:ffff:${(this.v6++).toString(16)}::1`; }
    privateIpv4(): string { return `10.0.1.${10 + this.privateV4++}`; }
}

/** Outputs the mock engine gives resources whose real provider would compute them. */
function mockOutputs(type: string, name: string, inputs: Record<string, unknown>, addresses: MockAddresses): Record<string, unknown> {
    switch (type) {
        case "hcloud:index/primaryIp:PrimaryIp": return { ipAddress: inputs.type === "ipv6" ? addresses.ipv6() : addresses.ipv4() };
        case "hcloud:index/floatingIp:FloatingIp": return { ipAddress: addresses.ipv4() };
        case "hcloud:index/server:Server": return { ipv6Address: addresses.ipv6() };
        case "aws:ec2/eip:Eip": return { publicIp: addresses.ipv4() };
        case "aws:ec2/networkInterface:NetworkInterface": {
            const ips = [...Array(1 + Number(inputs.privateIpsCount ?? 0)).keys()].map(() => addresses.privateIpv4());
            return { privateIp: ips[0], privateIps: ips, ipv6Addresses: Number(inputs.ipv6AddressCount ?? 0) > 0 ? [addresses.ipv6()] : [] };
        }
    }
    if (type.startsWith("command:")) return { stdout: `mock-stdout-${name}`, stderr: "" };
    if (type === "tls:index/privateKey:PrivateKey") {
        return { privateKeyPem: `mock private key of ${name}`, privateKeyOpenssh: `mock private key of ${name}`, publicKeyOpenssh: `ssh-ed25519 MOCK ${name}` };
    }
    if (type.startsWith("tls:")) return { certPem: `mock certificate ${name}`, certRequestPem: `mock csr ${name}` };
    return {};
}

export async function runUnderMocks<T>(
    program: () => T,
    opts: { project: string; stack: string; config?: Record<string, string>; secretKeys?: string[]; preview?: boolean },
): Promise<MockRun<T>> {
    resetPlannedFiles();
    const resources: SynthResource[] = [];
    const urnToName = new Map<string, string>();
    const addresses = new MockAddresses();
    let ids = 0;
    await pulumi.runtime.setMocks({
        // Numeric ids, as Hetzner's are; AWS's are strings anyway.
        newResource: (args) => ({ id: args.type.startsWith("hcloud:") ? String(1000 + ids++) : `${args.name}-id`, state: { ...args.inputs, ...mockOutputs(args.type, args.name, args.inputs, addresses) } }),
        call: (args) => {
            if (args.token === "aws:ec2/getAmi:getAmi") return { id: "ami-0123456789abcdef0", name: "debian-12-amd64-[newest]" };
            if (args.token === "aws:ec2/getSubnet:getSubnet") return { id: args.inputs.id, vpcId: "vpc-0123456789abcdef0", cidrBlock: "10.0.1.0/24" };
            return args.inputs;
        },
    }, opts.project, opts.stack, opts.preview ?? true);
    pulumi.runtime.setAllConfig(opts.config ?? {}, opts.secretKeys ?? []);
    // Record what the program registers, with parents and with secrets still marked.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    monitor.registerResource = (req: any, callback: any) => {
        const type: string = req.getType();
        const name: string = req.getName();
        const parentUrn: string = req.getParent();
        const entry: SynthResource = {
            type,
            name,
            ...(parentUrn ? { parent: urnToName.get(parentUrn) ?? parentUrn } : {}),
            inputs: redact(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
        };
        resources.push(entry);
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        register(req, (err: any, res: any) => {
            if (res) urnToName.set(res.getUrn(), `${type}::${name}`);
            callback(err, res);
        });
    };
    const result = program();
    await settle(() => resources.length);
    return { resources, result };
}

/** Waits until the program has stopped registering resources and its outputs have resolved. */
async function settle(count: () => number): Promise<void> {
    let last = -1;
    let still = 0;
    while (still < 5) {
        await new Promise((r) => setTimeout(r, 20));
        const now = count();
        still = now === last ? still + 1 : 0;
        last = now;
    }
}
