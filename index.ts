import * as pulumi from "@pulumi/pulumi";
import { checkFalcotSecrets, parseFalcotConfig, secretKeys } from "./stacks/config";
import { falcotStack } from "./stacks/falcot";
import { resolveAddresses } from "./components/common/addresses";
import { SipProxy } from "./components/sip/sipProxy";
import { ClickToCall } from "./components/web/clickToCall";
import { transferKeyName } from "./components/dns/rtcDnsZone";

// The Pulumi program: Falcot's environment from stack config.

const project = pulumi.getProject();
const cfg = new pulumi.Config(project);
const raw: Record<string, unknown> = {};
const secretValues: Record<string, unknown> = {};
const parse = (value: string) => { try { return JSON.parse(value) as unknown; } catch { return value; } };
for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    const [ns, name] = key.split(":");
    if (ns !== project) continue;
    if ((secretKeys as readonly string[]).includes(name)) {
        // Named in the plain config (for the unknown-key check); checked here, then read with getSecret.
        raw[name] = true;
        secretValues[name] = name === "passwords" ? parse(value) : value;
    } else raw[name] = parse(value);
}
const config = parseFalcotConfig(raw);
checkFalcotSecrets(config, secretValues);

const stack = falcotStack(config, {
    sshPrivateKey: cfg.getSecret("sshPrivateKey"),
    passwords: cfg.getSecretObject<Record<string, string>>("passwords") ?? pulumi.secret<Record<string, string>>({}),
    turnStaticAuthSecret: cfg.getSecret("turnStaticAuthSecret"),
    dnsTransferKey: cfg.getSecret("dnsTransferKey"),
});

export const domain = config.domain;
export const layout = config.layout;
export const caCertPem = stack.certificates.caCertPem;
export const zone = stack.zone.zoneText;
export const endpoints = stack.endpoints;
/** Where browsers reach the SIP proxy over secure WebSocket, when `sipWebSocket` or `clickToCall` is on. */
export const sipWssUrl = (stack.services.sip as SipProxy | undefined)?.webSocketUrl;
/** The click-to-call page, when `clickToCall.enabled` is on; staff answer at `phone.html` beside it. */
export const clickToCallUrl = (stack.services.web as ClickToCall | undefined)?.url;
/** Users' passwords (secret): `pulumi stack output --show-secrets passwords`. */
export const passwords = stack.passwords;
/** Where the stack's DNS server answers, when it runs one. */
export const dnsServer = config.services.dns ? resolveAddresses(stack.hosts[config.services.dns].nameAddresses.ipv4[0]) : undefined;
/**
 * What the DNS secondaries configure to transfer the zone, when `dns.secondaries` lists them: the TSIG key's name
 * and secret (secret), `pulumi stack output --show-secrets dnsTransfer`.
 */
export const dnsTransfer = stack.dnsTransferKey
    ? pulumi.secret({ keyName: transferKeyName(config.domain), algorithm: "hmac-sha256", secret: stack.dnsTransferKey, primaries: [dnsServer] })
    : undefined;
/** The ports each host opens, SSH included, by host name: `[{ protocol, from, to, purpose }]`. */
export const exposure = stack.exposure;
/** How to log in as root to the hosts whose keys the stack made (local, hcloud, aws): `ssh -i KEY root@ADDRESS`. */
export const ssh = stack.ssh;
