import * as pulumi from "@pulumi/pulumi";
import { checkHostAddresses, checkPassword, userLines, userSummary } from "../common/component";
import { defaultCertificate } from "../common/defaultCertificate";
import { missingNames } from "../common/tls";
import { ArgKinds, checkArgs } from "../common/args";
import { Checker, isDomainName, show } from "../common/validation";
import { DnsRecord } from "../dns/records";
import { HostContext, HostFile, allowLowPorts, keepServiceRunning, runStep, writeCertificate, writeFile, writeLink } from "../host/primitives";
import { UserSyncArgs, userSyncScript, userUndoScript } from "../host/scripts";
import { ProsodyConfig, renderProsodyCfg, renderVirtualHost, xmppPorts, xmppRecords } from "./render";
import { PortRule } from "../common/ports";
import { XmppServerArgs, xmppDefaults } from "./settings";

export * from "./settings";

const argKinds: ArgKinds<XmppServerArgs> = {
    host: "host", domains: "strings", hostname: "string", admins: "strings", users: "objects", muc: "boolean", ipv4: "strings", ipv6: "strings",
    clientPort: "integer", serverPort: "integer", directTls443Address: "string", certificate: "certificate",
};

/**
 * Prosody, the XMPP server: installs it, writes prosody.cfg.lua and one VirtualHost per domain in conf.avail
 * linked into conf.d, with multi-user chat, places the certificate, adds accounts and keeps it running.
 */
export class XmppServer extends pulumi.ComponentResource {
    /** The A/AAAA and SRV records XMPP clients and servers use (XEP-0368 for direct TLS). */
    readonly dnsRecords: DnsRecord[];
    /** The XMPP domains served, the first being the main one. */
    readonly domains: readonly string[];
    /** The server's own name, such as `xmpp-gw.falcot.com`. */
    readonly hostname: string;
    /** CA certificate that signed the server's certificate, when the server made its own. */
    readonly caCertPem?: pulumi.Output<string>;
    /** Rendered files by path; secrets are placeholders. */
    readonly files: Readonly<Record<string, string>>;
    /** The ports Prosody listens on, for firewalls. */
    readonly ports: readonly PortRule[];

    constructor(name: string, args: XmppServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:XmppServer", name, {}, opts);
        checkArgs(`XmppServer "${name}"`, args, argKinds, ["host"]);
        const c = new Checker(`XmppServer "${name}"`);

        const host = args.host;
        const domains = [...(args.domains ?? [host.domain])];
        c.check(domains.length > 0, "domains", "is empty", "list at least one XMPP domain, such as falcot.com");
        domains.forEach((d, i) => c.domain(`domains[${i}]`, d));
        const hostname = args.hostname ?? `xmpp-gw.${domains[0]}`;
        c.domain("hostname", hostname);
        const muc = args.muc ?? true;
        const ipv4 = checkHostAddresses(c, "ipv4", args.ipv4, host.ipv4.map((a) => a.public), host.ipv4.map((a) => a.public));
        const ipv6 = checkHostAddresses(c, "ipv6", args.ipv6, host.ipv6.map((a) => a.public), host.ipv6.map((a) => a.public));
        const clientPort = args.clientPort ?? xmppDefaults.clientPort;
        const serverPort = args.serverPort ?? xmppDefaults.serverPort;
        c.port("clientPort", clientPort);
        c.port("serverPort", serverPort);
        c.check(clientPort !== serverPort, "serverPort", `is ${serverPort}, the same as clientPort`, "give each its own port (5222 and 5269)");
        if (args.directTls443Address !== undefined) {
            c.check(host.ipv4.some((a) => a.public === args.directTls443Address), "directTls443Address", `is ${show(args.directTls443Address)}, which the host does not have`, `use one of ${host.ipv4.map((a) => a.public).join(", ")}`);
            c.check(![clientPort, serverPort].includes(443), "directTls443Address", "is set while clientPort or serverPort is 443", "drop directTls443Address or move the other port");
        }
        const jidDomain = (jid: string) => jid.split("@")[1];
        const validJid = (jid: unknown): jid is string => typeof jid === "string" && /^[a-z0-9][a-z0-9._-]{0,63}@[^@]+$/i.test(jid) && isDomainName(jidDomain(jid));
        const admins = [...(args.admins ?? [])];
        admins.forEach((a, i) => c.check(validJid(a) && domains.includes(jidDomain(a)), `admins[${i}]`, `is ${show(a)}, not an account of ${domains.join(", ")}`, `write it as user@${domains[0]}`));
        const users = (args.users ?? []).map((u, i) => {
            c.check(validJid(u.jid) && domains.includes(jidDomain(u.jid)), `users[${i}].jid`, `is ${show(u.jid)}, not an account of ${domains.join(", ")}`, `write it as user@${domains[0]}`);
            return { kind: "user", name: u.jid, password: checkPassword(c, `users[${i}].password`, u.password, xmppDefaults.minPasswordLength) };
        });
        users.forEach((u, i) => { if (users.findIndex((x) => x.name === u.name) !== i) c.fail(`users[${i}].jid`, `repeats ${u.name}`, "list each account once"); });
        const certNames = domains.flatMap((d) => (muc ? [d, `conference.${d}`] : [d]));
        if (args.certificate) {
            const missing = missingNames(args.certificate, certNames);
            c.check(missing.length === 0, "certificate", `is for ${show(args.certificate.dnsNames)} and lacks ${missing.join(", ")}`, `issue it for ${certNames.join(", ")}`);
        }
        c.done();

        let certificate = args.certificate;
        if (!certificate) {
            const made = defaultCertificate(this, name, certNames);
            certificate = made.certificate;
            this.caCertPem = made.caCertPem;
        }
        const config: ProsodyConfig = {
            admins,
            interfaces: [...ipv4, ...ipv6].map((a) => host.privateOf(a)),
            clientPort,
            serverPort,
            directTls: args.directTls443Address ? { port: 443, address: host.privateOf(args.directTls443Address) } : undefined,
        };
        this.domains = domains;
        this.hostname = hostname;
        this.dnsRecords = domains.flatMap((domain) => xmppRecords({
            domain, hostname, ipv4, ipv6, clientPort, serverPort,
            directTls443: args.directTls443Address ? { address: args.directTls443Address } : undefined,
        }));
        const rendered: Record<string, string> = { "/etc/prosody/prosody.cfg.lua": renderProsodyCfg(config) };
        for (const domain of domains) {
            rendered[`/etc/prosody/conf.avail/${domain}.cfg.lua`] = renderVirtualHost({
                domain,
                certFile: `${xmppDefaults.certDir}/${domain}.crt`,
                keyFile: `${xmppDefaults.certDir}/${domain}.key`,
                muc: muc ? `conference.${domain}` : undefined,
            });
        }
        this.files = rendered;
        this.ports = xmppPorts({ clientPort, serverPort, directTls443: args.directTls443Address !== undefined });

        // Install
        const packages = host.requirePackages(["prosody", "lua-unbound"], `xmpp-${name}`);
        const ctx: HostContext = { host, parent: this, owner: `XmppServer "${name}"`, prefix: name, after: [packages], retainOnDelete: opts?.retainOnDelete };

        // Configure
        const files: HostFile[] = Object.entries(rendered).map(([path, content]) => writeFile(ctx, { path, content, group: "prosody", mode: "0640" }));
        const needsFiles: string[] = [];
        for (const domain of domains) {
            files.push(writeLink(ctx, `/etc/prosody/conf.d/${domain}.cfg.lua`, `../conf.avail/${domain}.cfg.lua`));
            const certificateFiles = writeCertificate(ctx, certificate, { certFile: `${xmppDefaults.certDir}/${domain}.crt`, keyFile: `${xmppDefaults.certDir}/${domain}.key`, group: "prosody" });
            files.push(...certificateFiles);
            needsFiles.push(...certificateFiles.map((f) => f.path));
        }
        if (args.directTls443Address) files.push(allowLowPorts(ctx, "prosody"));

        // Start, then add users (prosodyctl writes the data store the running server reads)
        const service = keepServiceRunning(ctx, { unit: "prosody", files, needsFiles, check: "prosodyctl check config" });
        runStep(ctx, { id: "users", script: prosodyUsersScript(name), undo: userUndoScript(prosodyUserSync(name)), stdin: userLines(users), summary: userSummary(users), dependsOn: [service] });
        this.registerOutputs({ domains, hostname, dnsRecords: this.dnsRecords });
    }
}

/** Lua for Prosody's admin shell, one line per account: `> code` runs in the server. */
const shellLine = (code: string) => `printf '> %s\\n' "${code}"`;

/**
 * Adds, updates and removes the declared accounts in one `prosodyctl shell` session with the running server:
 * one Lua start for all of them, not one or two per account. Passwords travel base64-encoded on its stdin.
 */
export function prosodyUserSync(id: string): UserSyncArgs {
    const split = [
        `case "$name" in *[!A-Za-z0-9._@-]*|*@*@*|@*|*@) echo "not an account: $name" >&2; exit 1 ;; esac`,
        'u=${name%@*}; h=${name#*@}',
    ];
    return {
        id: `prosody-${id}`,
        upsert: [
            ...split,
            shellLine("local um, b64 = require'core.usermanager', require'util.encodings'.base64; local u, h, p = '$u', '$h', b64.decode('$cred'); " +
                "if um.user_exists(u, h) then assert(um.set_password(u, p, h)) else assert(um.create_user(u, p, h)) end"),
        ].join("\n"),
        remove: [
            ...split,
            shellLine("local um = require'core.usermanager'; if um.user_exists('$u', '$h') then assert(um.delete_user('$u', '$h')) end"),
        ].join("\n"),
        end: shellLine("return 'rtc-users-'..'done'"),
        apply: [
            // Nothing but the end marker: nothing to tell the server (it may be down while the host is taken apart).
            'if grep -qv "rtc-users-" "$batch"; then',
            '  out=$(prosodyctl shell < "$batch" 2>&1) || true',
            "  if printf '%s\\n' \"$out\" | grep -q '^prosody> !' || ! printf '%s\\n' \"$out\" | grep -q 'Result: rtc-users-done'; then",
            "    printf '%s\\n' \"$out\" | grep '^prosody> !' >&2 || printf '%s\\n' \"$out\" | tail -5 >&2",
            '    echo "prosodyctl shell did not apply the accounts" >&2; exit 1',
            "  fi",
            "fi",
        ].join("\n"),
    };
}

export const prosodyUsersScript = (id: string): string => userSyncScript(prosodyUserSync(id));
