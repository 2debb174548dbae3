import * as pulumi from "@pulumi/pulumi";
import * as hcloud from "@pulumi/hcloud";
import { ArgKinds, checkArgs } from "../common/args";
import { PortRule, mergePorts, portText, sshPort } from "../common/ports";
import { Checker, show } from "../common/validation";
import { RtcHost } from "../host/rtcHost";
import { checkSourceRanges, machineKeys, machineName } from "./machine";

const argKinds: ArgKinds<HcloudHostArgs> = {
    fqdn: "string", serviceIpv4Count: "integer", ports: "objects", serverType: "string", location: "string", image: "string", ipv6: "boolean", sshSourceRanges: "strings",
};

export interface HcloudHostArgs {
    /** The server's fully qualified name; also the reverse DNS of each of its addresses. */
    readonly fqdn: string;
    /** Floating IPv4 addresses for the services, beside the server's own primary IPv4. Default 1. */
    readonly serviceIpv4Count?: number;
    /** The ports the services listen on: the firewall opens exactly these, and SSH. Default: SSH only. */
    readonly ports?: readonly PortRule[];
    /** Hetzner server type. Default `cx23`. */
    readonly serverType?: string;
    /** Hetzner location of the server and its addresses. Default `fsn1`. */
    readonly location?: string;
    /** Image. Default `debian-12`. */
    readonly image?: string;
    /** A primary IPv6 address (the ::1 of the server's /64), for the services too. Default true. */
    readonly ipv6?: boolean;
    /** Where SSH may come from. Default: anywhere (`0.0.0.0/0`, `::/0`). */
    readonly sshSourceRanges?: readonly string[];
}

/**
 * A Debian server on Hetzner Cloud with a primary IPv4 and IPv6 of its own, floating IPv4 addresses for the
 * services, a firewall that opens exactly the services' ports, and reverse DNS for every address. It boots with
 * cloud-init user data that installs a host key made here, pinned by every connection.
 */
export class HcloudHost extends pulumi.ComponentResource {
    /** The host, for the service components. */
    readonly host: RtcHost;
    /** The Hetzner server. */
    readonly server: hcloud.Server;
    /** The floating IPv4 addresses of the services, in the order layouts place services. */
    readonly floatingIps: readonly hcloud.FloatingIp[];
    /** The firewall in front of the server. */
    readonly firewall: hcloud.Firewall;
    /** The key that logs in as root (secret). */
    readonly sshPrivateKey: pulumi.Output<string>;
    /** The server's ed25519 host key. */
    readonly hostPublicKey: pulumi.Output<string>;
    /** Where SSH reaches it: its primary IPv4 address. */
    readonly sshAddress: pulumi.Output<string>;

    constructor(name: string, args: HcloudHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:HcloudHost", name, {}, opts);
        const component = `HcloudHost "${name}"`;
        checkArgs(component, args, argKinds, ["fqdn"]);
        const c = new Checker(component);
        c.domain("fqdn", args.fqdn);
        const count = args.serviceIpv4Count ?? 1;
        c.check(Number.isInteger(count) && count >= 1 && count <= 10, "serviceIpv4Count", `is ${show(count)}`, "use a whole number from 1 to 10");
        const location = args.location ?? "fsn1";
        c.check(/^[a-z]{3}[0-9]?$/.test(location), "location", `is ${show(location)}, not a Hetzner location`, "use one such as fsn1, nbg1, hel1, ash, hil or sin");
        const serverType = args.serverType ?? "cx23";
        c.check(/^[a-z]{2,4}[0-9]{1,3}$/.test(serverType), "serverType", `is ${show(serverType)}, not a Hetzner server type`, "use one such as cx23, cpx31 or cax21");
        const sshSources = args.sshSourceRanges ?? ["0.0.0.0/0", "::/0"];
        checkSourceRanges(c, "sshSourceRanges", sshSources);
        c.done();
        const ipv6 = args.ipv6 ?? true;
        const child = { parent: this };
        const label = machineName(args.fqdn);

        const keys = machineKeys(name, args.fqdn, this);
        const rootKey = new hcloud.SshKey(`${name}-root`, { name: `${label}-root`, publicKey: keys.sshPublicKey }, child);

        // Addresses first, so the user data can name them; none is deleted with the server.
        const primary4 = new hcloud.PrimaryIp(`${name}-ipv4`, { type: "ipv4", location, assigneeType: "server", autoDelete: false, name: `${label}-ipv4` }, child);
        const primary6 = ipv6 ? new hcloud.PrimaryIp(`${name}-ipv6`, { type: "ipv6", location, assigneeType: "server", autoDelete: false, name: `${label}-ipv6` }, child) : undefined;
        this.floatingIps = [...Array(count).keys()].map((i) => new hcloud.FloatingIp(`${name}-service-${i + 1}`, {
            type: "ipv4", homeLocation: location, name: `${label}-service-${i + 1}`, description: `service address ${i + 1} of ${args.fqdn}`,
        }, child));

        const anywhere = ["0.0.0.0/0", "::/0"];
        const rules = mergePorts(args.ports ?? []).map((p) => ({
            direction: "in", protocol: p.protocol, port: portText(p), sourceIps: anywhere, description: p.purpose,
        }));
        this.firewall = new hcloud.Firewall(`${name}-firewall`, {
            name: `${label}-firewall`,
            rules: [
                { direction: "in", protocol: sshPort.protocol, port: portText(sshPort), sourceIps: [...sshSources], description: sshPort.purpose },
                { direction: "in", protocol: "icmp", sourceIps: anywhere, description: "ICMP (ping, path MTU)" },
                ...rules,
            ],
        }, child);

        this.server = new hcloud.Server(`${name}-server`, {
            name: label,
            image: args.image ?? "debian-12",
            serverType,
            location,
            sshKeys: [rootKey.id],
            firewallIds: [this.firewall.id.apply(Number)],
            publicNets: [{ ipv4Enabled: true, ipv4: primary4.id.apply(Number), ipv6Enabled: ipv6, ...(primary6 ? { ipv6: primary6.id.apply(Number) } : {}) }],
            userData: keys.userData(this.floatingIps.map((f) => f.ipAddress)),
        }, { ...child, additionalSecretOutputs: ["userData"] });

        const serverId = this.server.id.apply(Number);
        const assignments = this.floatingIps.map((f, i) => new hcloud.FloatingIpAssignment(`${name}-service-${i + 1}`, { floatingIpId: f.id.apply(Number), serverId }, child));
        new hcloud.Rdns(`${name}-ipv4`, { primaryIpId: primary4.id.apply(Number), ipAddress: primary4.ipAddress, dnsPtr: args.fqdn }, { ...child, dependsOn: [this.server] });
        if (primary6) new hcloud.Rdns(`${name}-ipv6`, { primaryIpId: primary6.id.apply(Number), ipAddress: this.server.ipv6Address, dnsPtr: args.fqdn }, { ...child, dependsOn: [this.server] });
        this.floatingIps.forEach((f, i) => new hcloud.Rdns(`${name}-service-${i + 1}`, { floatingIpId: f.id.apply(Number), ipAddress: f.ipAddress, dnsPtr: args.fqdn }, child));

        this.sshPrivateKey = keys.sshPrivateKey;
        this.hostPublicKey = keys.hostPublicKey;
        this.sshAddress = primary4.ipAddress;
        const ownIpv6 = ipv6 ? [this.server.ipv6Address] : [];
        this.host = new RtcHost(name, {
            fqdn: args.fqdn,
            ipv4: this.floatingIps.map((f) => f.ipAddress),
            ipv6: ownIpv6,
            ownAddresses: { ipv4: [primary4.ipAddress], ipv6: ownIpv6 },
            connection: { host: primary4.ipAddress, user: "root", privateKey: keys.sshPrivateKey, hostKey: keys.hostPublicKey, dialErrorLimit: 40 },
            readyAfter: [this.server, ...assignments],
            cloudInit: true,
        }, child);
        this.registerOutputs({ sshAddress: this.sshAddress, hostPublicKey: this.hostPublicKey });
    }
}
