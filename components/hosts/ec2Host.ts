import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ArgKinds, checkArgs } from "../common/args";
import { PortRule, mergePorts, sshPort } from "../common/ports";
import { Checker, show } from "../common/validation";
import { RtcHost } from "../host/rtcHost";
import { checkSourceRanges, machineKeys, machineName } from "./machine";

const argKinds: ArgKinds<Ec2HostArgs> = {
    fqdn: "string", subnetId: "input", serviceIpv4Count: "integer", ports: "objects", instanceType: "string", ipv6: "boolean", ami: "input",
    amiOwner: "string", amiNamePattern: "string", sshSourceRanges: "strings",
};

/** IPv4 addresses one network interface can carry, by instance type (EC2 documentation); others are not checked. */
export const ipv4PerInterface: Readonly<Record<string, number>> = {
    "t3.nano": 2, "t3.micro": 2, "t3.small": 4, "t3.medium": 6, "t3.large": 12, "t3a.small": 4, "t3a.medium": 6,
    "m5.large": 10, "m6i.large": 10, "m7i.large": 10, "c6i.large": 10, "c7i.large": 10,
};

export interface Ec2HostArgs {
    /** The instance's fully qualified name. */
    readonly fqdn: string;
    /** The subnet, in a VPC with an internet gateway; its region is the provider's. */
    readonly subnetId: pulumi.Input<string>;
    /** Public IPv4 addresses for the services: one Elastic IP per private address of the interface. Default 1. */
    readonly serviceIpv4Count?: number;
    /** The ports the services listen on: the security group opens exactly these, and SSH. Default: SSH only. */
    readonly ports?: readonly PortRule[];
    /** Instance type. Default `t3.small` (4 IPv4 addresses per interface). */
    readonly instanceType?: string;
    /** One IPv6 address on the interface; the subnet must have an IPv6 block. Default false. */
    readonly ipv6?: boolean;
    /** AMI id. Default: the newest image of `amiOwner` named like `amiNamePattern`. */
    readonly ami?: pulumi.Input<string>;
    /** Owner of the default AMI. Default `136693071363`, the Debian cloud team. */
    readonly amiOwner?: string;
    /** Name pattern of the default AMI. Default `debian-12-amd64-*`. */
    readonly amiNamePattern?: string;
    /** Where SSH may come from. Default: anywhere (`0.0.0.0/0`, and `::/0` with IPv6). */
    readonly sshSourceRanges?: readonly string[];
}

/**
 * A Debian instance on EC2 whose network interface carries one private IPv4 address per service address, each
 * mapped 1:1 to an Elastic IP, with a security group that opens exactly the services' ports. The services see
 * the addresses as `{ public, private }` pairs: coturn gets `external-ip`, Kamailio `advertise`.
 */
export class Ec2Host extends pulumi.ComponentResource {
    /** The host, for the service components. */
    readonly host: RtcHost;
    /** The EC2 instance. */
    readonly instance: aws.ec2.Instance;
    /** Its network interface, with a private IPv4 address per service address. */
    readonly networkInterface: aws.ec2.NetworkInterface;
    /** The Elastic IPs of the services, in the order layouts place services. */
    readonly elasticIps: readonly aws.ec2.Eip[];
    /** The security group of the interface. */
    readonly securityGroup: aws.ec2.SecurityGroup;
    /** The key that logs in as root (secret). */
    readonly sshPrivateKey: pulumi.Output<string>;
    /** The instance's ed25519 host key. */
    readonly hostPublicKey: pulumi.Output<string>;
    /** Where SSH reaches it: the Elastic IP of its primary private address. */
    readonly sshAddress: pulumi.Output<string>;

    constructor(name: string, args: Ec2HostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:Ec2Host", name, {}, opts);
        const component = `Ec2Host "${name}"`;
        checkArgs(component, args, argKinds, ["fqdn", "subnetId"]);
        const c = new Checker(component);
        c.domain("fqdn", args.fqdn);
        const count = args.serviceIpv4Count ?? 1;
        const instanceType = args.instanceType ?? "t3.small";
        c.check(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType), "instanceType", `is ${show(instanceType)}, not an EC2 instance type`, "use one such as t3.small or m5.large");
        const limit = ipv4PerInterface[instanceType] ?? 50;
        c.check(Number.isInteger(count) && count >= 1 && count <= limit, "serviceIpv4Count", `is ${show(count)}, but ${instanceType} carries at most ${limit} IPv4 addresses per interface`,
            "use a larger instance type (t3.small carries 4, t3.medium 6), or fewer addresses");
        const ipv6 = args.ipv6 ?? false;
        const sshSources = args.sshSourceRanges ?? (ipv6 ? ["0.0.0.0/0", "::/0"] : ["0.0.0.0/0"]);
        checkSourceRanges(c, "sshSourceRanges", sshSources);
        c.done();
        const child = { parent: this };
        const label = machineName(args.fqdn);
        const tags = { Name: args.fqdn, "pulumi-rtc:host": args.fqdn };

        const keys = machineKeys(name, args.fqdn, this);
        const subnet = aws.ec2.getSubnetOutput({ id: args.subnetId }, child);
        const ami = args.ami ?? aws.ec2.getAmiOutput({
            owners: [args.amiOwner ?? "136693071363"],
            mostRecent: true,
            filters: [{ name: "name", values: [args.amiNamePattern ?? "debian-12-amd64-*"] }, { name: "architecture", values: ["x86_64"] }],
        }, child).id;

        // Exactly the services' ports, from anywhere; SSH from the given blocks.
        this.securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: subnet.vpcId, description: `pulumi-rtc services of ${args.fqdn}`, tags }, child);
        const families = (ranges: readonly string[]) => ranges.map((r) => (r.includes(":") ? { cidrIpv6: r } : { cidrIpv4: r }));
        const anywhere = families(ipv6 ? ["0.0.0.0/0", "::/0"] : ["0.0.0.0/0"]);
        const rules = [
            ...families(sshSources).map((source) => ({ rule: sshPort, source })),
            ...mergePorts(args.ports ?? []).flatMap((rule) => anywhere.map((source) => ({ rule, source }))),
        ];
        for (const { rule, source } of rules) {
            const id = `${rule.protocol}-${rule.from}${rule.to !== rule.from ? `-${rule.to}` : ""}-${"cidrIpv6" in source ? "v6" : "v4"}${rule === sshPort ? `-${(source.cidrIpv4 ?? source.cidrIpv6)!.replace(/[^0-9a-f]/gi, "-")}` : ""}`;
            new aws.vpc.SecurityGroupIngressRule(`${name}-in-${id}`, {
                securityGroupId: this.securityGroup.id, ipProtocol: rule.protocol, fromPort: rule.from, toPort: rule.to, description: rule.purpose, ...source,
            }, child);
        }
        for (const source of anywhere) {
            new aws.vpc.SecurityGroupEgressRule(`${name}-out-${"cidrIpv6" in source ? "v6" : "v4"}`, { securityGroupId: this.securityGroup.id, ipProtocol: "-1", ...source }, child);
        }

        // One interface: a primary private address and a secondary one per further service address.
        this.networkInterface = new aws.ec2.NetworkInterface(`${name}-eni`, {
            subnetId: args.subnetId,
            privateIpsCount: count - 1,
            securityGroups: [this.securityGroup.id],
            ipv6AddressCount: ipv6 ? 1 : 0,
            description: `pulumi-rtc ${args.fqdn}`,
            tags,
        }, child);
        const eni = this.networkInterface;
        // The primary first, then the secondaries in address order, so each keeps its position from run to run.
        const privateIps = pulumi.all([eni.privateIp, eni.privateIps]).apply(([first, all]) => [first, ...all.filter((a) => a !== first).sort()]);
        const privateAt = (i: number) => privateIps.apply((l) => l[i]);

        this.instance = new aws.ec2.Instance(`${name}-instance`, {
            ami,
            instanceType,
            primaryNetworkInterface: { networkInterfaceId: eni.id },
            metadataOptions: { httpTokens: "required" },
            userData: keys.userData([...Array(count).keys()].slice(1).map(privateAt)),
            userDataReplaceOnChange: true,
            tags: { ...tags, Name: label },
        }, { ...child, additionalSecretOutputs: ["userData", "userDataBase64"] });

        this.elasticIps = [...Array(count).keys()].map((i) => new aws.ec2.Eip(`${name}-eip-${i + 1}`, {
            domain: "vpc",
            networkInterface: eni.id,
            associateWithPrivateIp: privateAt(i),
            tags: { ...tags, Name: `${label}-${i + 1}` },
        }, { ...child, dependsOn: [this.instance] }));

        this.sshPrivateKey = keys.sshPrivateKey;
        this.hostPublicKey = keys.hostPublicKey;
        this.sshAddress = this.elasticIps[0].publicIp;
        this.host = new RtcHost(name, {
            fqdn: args.fqdn,
            ipv4: this.elasticIps.map((e, i) => ({ public: e.publicIp, private: privateAt(i) })),
            ipv6: ipv6 ? [eni.ipv6Addresses.apply((l) => l[0])] : [],
            connection: { host: this.sshAddress, user: "root", privateKey: keys.sshPrivateKey, hostKey: keys.hostPublicKey, dialErrorLimit: 40 },
            readyAfter: [this.instance, ...this.elasticIps],
            cloudInit: true,
        }, child);
        this.registerOutputs({ sshAddress: this.sshAddress, hostPublicKey: this.hostPublicKey });
    }
}
