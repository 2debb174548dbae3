import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { cidrBlock } from "../common/grammar";
import { userData } from "./cloudInit";
import { Checker } from "../common/validation";

// What the cloud host components share.

/** A cloud resource name made from the host's name: `server1.falcot.com` gives `server1-falcot-com`. */
export function machineName(fqdn: string): string {
    return fqdn.replace(/\./g, "-");
}

/** Firewall sources: CIDR blocks, at least one. */
export function checkSourceRanges(c: Checker, field: string, ranges: readonly string[]): void {
    c.check(ranges.length > 0, field, "is empty", "list the blocks SSH may come from, such as 203.0.113.0/24, or 0.0.0.0/0 and ::/0 for anywhere");
    ranges.forEach((r, i) => c.rule(`${field}[${i}]`, r, cidrBlock));
}

/** The keys a machine this library makes boots with, and its user data. */
export interface MachineKeys {
    /** Root's key (secret). */
    readonly sshPrivateKey: pulumi.Output<string>;
    /** Its public half, for a cloud's own key list. */
    readonly sshPublicKey: pulumi.Output<string>;
    /** The ed25519 host key every connection pins, as `TYPE KEY`. */
    readonly hostPublicKey: pulumi.Output<string>;
    /** The cloud-init user data installing both, and binding `extraIpv4` (secret). */
    userData(extraIpv4: readonly pulumi.Input<string>[]): pulumi.Output<string>;
}

/** Makes root's SSH key and the host key (`<name>-ssh-key`, `<name>-host-key`) under `parent`. */
export function machineKeys(name: string, fqdn: string, parent: pulumi.Resource): MachineKeys {
    const sshKey = new tls.PrivateKey(`${name}-ssh-key`, { algorithm: "ED25519" }, { parent });
    const hostKey = new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, { parent });
    return {
        sshPrivateKey: sshKey.privateKeyOpenssh,
        sshPublicKey: sshKey.publicKeyOpenssh,
        hostPublicKey: hostKey.publicKeyOpenssh.apply((k) => k.trim()),
        userData: (extraIpv4) => userData({
            fqdn,
            hostKey: { privateKeyOpenssh: hostKey.privateKeyOpenssh, publicKeyOpenssh: hostKey.publicKeyOpenssh },
            authorizedKeys: [sshKey.publicKeyOpenssh],
            extraIpv4,
        }),
    };
}
