import * as pulumi from "@pulumi/pulumi";
import { ArgKinds, checkArgs } from "../common/args";
import { PortRule, port as portRule } from "../common/ports";
import { Checker, show } from "../common/validation";
import { HostContext, remoteCommand, writeFile } from "../host/primitives";
import { RtcHost } from "../host/rtcHost";
import { firewallDefaults, openedPorts, renderFirewall } from "./render";
import { firewallApplyScript, firewallConfirmScript, firewallPaths, firewallRemoveScript, firewallUnconfirmScript, renderFirewallUnit } from "./scripts";

const argKinds: ArgKinds<HostFirewallArgs> = { host: "host", ports: "objects", revertAfterSeconds: "integer" };

export interface HostFirewallArgs {
    /** The host whose input the firewall filters. */
    readonly host: RtcHost;
    /** The services' ports, such as `TurnServer.ports`; SSH is always added. Default: none but SSH. */
    readonly ports: readonly PortRule[];
    /**
     * Seconds after which a new ruleset is taken back unless a new SSH connection confirmed it, 10 to 600.
     * Default 60.
     */
    readonly revertAfterSeconds?: number;
}

/**
 * An nftables firewall on the host, in a table of its own (inet pulumi_rtc): input is dropped except loopback,
 * replies, ICMP, DHCP replies and the given ports, SSH included. A new ruleset is checked, then loaded with an
 * automatic revert that a second SSH connection disarms, so a ruleset that shuts SSH out takes itself back.
 */
export class HostFirewall extends pulumi.ComponentResource {
    /** The ports opened, SSH included, merged. */
    readonly ports: PortRule[];
    /** The nftables ruleset. */
    readonly rulesetText: string;

    constructor(name: string, args: HostFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:HostFirewall", name, {}, opts);
        const owner = `HostFirewall "${name}"`;
        checkArgs(owner, args, argKinds, ["host", "ports"]);
        const c = new Checker(owner);
        args.ports.forEach((p, i) => {
            c.check(p.protocol === "tcp" || p.protocol === "udp", `ports[${i}].protocol`, `is ${show(p.protocol)}`, "use tcp or udp");
            if (c.port(`ports[${i}].from`, p.from) && c.port(`ports[${i}].to`, p.to)) {
                c.check(p.from <= p.to, `ports[${i}]`, `runs from ${p.from} down to ${p.to}`, "give the lower port as from and the higher as to");
            }
            c.text(`ports[${i}].purpose`, p.purpose, 120);
        });
        const revertAfterSeconds = args.revertAfterSeconds ?? firewallDefaults.revertAfterSeconds;
        c.check(Number.isInteger(revertAfterSeconds) && revertAfterSeconds >= 10 && revertAfterSeconds <= 600, "revertAfterSeconds", `is ${show(revertAfterSeconds)}`,
            "give seconds from 10 to 600: long enough for pulumi to open a new SSH connection, such as 60");
        c.done();

        // SSH on another port than 22 (the connection says so) stays open too.
        const sshAt = (args.host.connection as { port?: unknown }).port;
        const ssh = typeof sshAt === "number" && Number.isInteger(sshAt) && sshAt !== 22 ? [portRule("tcp", sshAt, "SSH")] : [];
        this.ports = openedPorts([...args.ports, ...ssh]);
        this.rulesetText = renderFirewall(this.ports);

        const packages = args.host.requirePackages(["nftables"], `firewall-${name}`);
        const ctx: HostContext = { host: args.host, parent: this, owner, prefix: name, after: [packages], retainOnDelete: opts?.retainOnDelete };
        const ruleset = writeFile(ctx, { path: firewallPaths.next, content: this.rulesetText });
        const unit = writeFile(ctx, { path: `/etc/systemd/system/${firewallPaths.unit}`, content: renderFirewallUnit() });
        // Runs again exactly when the ruleset's revision changes; so does the confirmation, over its own connection.
        const stamped = (script: string) => ruleset.revision.apply((rev) => `# ruleset revision: ${rev.slice(0, 16)}\n${script}`);
        const apply = remoteCommand(ctx, "apply",
            { create: stamped(firewallApplyScript(revertAfterSeconds)), delete: firewallRemoveScript() }, [...ctx.after, ruleset.command]);
        remoteCommand(ctx, "confirm",
            { create: stamped(firewallConfirmScript()), delete: firewallUnconfirmScript() }, [...ctx.after, apply, unit.command]);
        this.registerOutputs({ ports: this.ports, rulesetText: this.rulesetText });
    }
}
