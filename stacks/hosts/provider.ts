import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { PortRule } from "../../components/common/ports";
import { RtcHost } from "../../components/host/rtcHost";
import type { FalcotSecrets } from "../falcot";

// What a host provider is: one entry of the table in ./index.ts. Adding a provider is a file like ./hcloud.ts
// and a row in that table; nothing else in the stack names a provider.

/** What the services placed on a host need of it. */
export interface HostNeeds {
    /** How many IPv4 service addresses the layout needs on the host (see `addressesNeeded`). */
    readonly ipv4: number;
    /** The ports the placed services listen on; SSH is not among them. */
    readonly ports: readonly PortRule[];
}

export interface HostEnv {
    /** The host's key in `hosts`. */
    readonly name: string;
    /** Its position in `hosts`, for names that must be unique on one machine. */
    readonly index: number;
    readonly domain: string;
    /** The host's fully qualified name: its `fqdn`, else `<name>.<domain>`. */
    readonly fqdn: string;
    readonly needs: HostNeeds;
    readonly secrets: FalcotSecrets;
}

export interface MadeHost {
    readonly host: RtcHost;
    /** How an operator logs in as root, when the provider made the key: exported as `ssh.<host>` (secret). */
    readonly ssh?: { readonly address: pulumi.Input<string>; readonly privateKey: pulumi.Input<string>; readonly hostPublicKey: pulumi.Input<string> };
}

export interface HostProvider<S extends z.ZodType = z.ZodType> {
    /** The config of one host of this kind, `provider` excepted: a strict object whose messages carry their fix. */
    readonly schema: S;
    /** How many IPv4 service addresses the host will have: those its config lists, or as many as are needed. */
    ipv4Count(config: z.output<S>, needed: number): number;
    /** Makes the host, and whatever it stands on (a VM, its addresses, its firewall). */
    make(config: z.output<S>, env: HostEnv): MadeHost;
}

/** A host made with its own keys (LocalHost, HcloudHost, Ec2Host), with its `ssh` export. */
export function madeWithKeys(m: { readonly host: RtcHost; readonly sshAddress: pulumi.Input<string>; readonly sshPrivateKey: pulumi.Input<string>; readonly hostPublicKey: pulumi.Input<string> }): MadeHost {
    return { host: m.host, ssh: { address: m.sshAddress, privateKey: m.sshPrivateKey, hostPublicKey: m.hostPublicKey } };
}

/** Types a provider entry, so `schema`'s output types its functions. */
export function hostProvider<S extends z.ZodType>(p: HostProvider<S>): HostProvider<S> {
    return p;
}
