import * as pulumi from "@pulumi/pulumi";
import { PortRule } from "../../components/common/ports";
import { ServiceCertificate } from "../../components/common/tls";
import { DnsRecord } from "../../components/dns/records";
import { RtcHost } from "../../components/host/rtcHost";
import { LayoutPlan, ServiceKind } from "../../components/layout";
import type { FalcotConfig, UserService } from "../config";
import type { FalcotSecrets } from "../falcot";

// What a service is to the stack: one entry of the table in ./index.ts.

export interface ServiceEnv {
    readonly host: RtcHost;
    readonly config: FalcotConfig;
    /** The layout's plan for the service's host; addresses by position in `host.ipv4`. */
    readonly plan: LayoutPlan;
    readonly certificate: ServiceCertificate;
    /** The users given a service, with their passwords (secret). */
    readonly usersOf: (service: UserService) => { name: string; password: pulumi.Output<string> }[];
    /** The secrets, with those the stack made for what config turned on. */
    readonly secrets: FalcotSecrets;
    /** The services made before this one, by kind. */
    readonly made: Readonly<Partial<Record<ServiceKind, ServiceComponent>>>;
}

/** What every service component gives the stack. */
export interface ServiceComponent extends pulumi.ComponentResource {
    readonly dnsRecords: readonly DnsRecord[];
    readonly ports: readonly PortRule[];
}

export interface ServiceEntry<C extends ServiceComponent = ServiceComponent> {
    /** Whether the config turns it on. Default: always. */
    enabled?(config: FalcotConfig): boolean;
    /** The names its certificate covers. */
    certificateNames(domain: string): string[];
    /** The ports it will listen on under this plan, known before any host exists (cloud firewalls need them). */
    ports(plan: LayoutPlan, config: FalcotConfig): PortRule[];
    make(env: ServiceEnv): C;
    /** What the stack exports of it under `endpoints`. */
    endpoint(component: C): pulumi.Input<Record<string, unknown>>;
}

export function serviceEntry<C extends ServiceComponent>(e: ServiceEntry<C>): ServiceEntry<C> {
    return e;
}

/** The host's addresses at the plan's positions. */
export const at = (host: RtcHost, positions: readonly number[]): string[] => positions.map((i) => host.ipv4[i].public);
