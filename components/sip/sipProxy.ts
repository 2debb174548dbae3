import * as pulumi from "@pulumi/pulumi";
import { checkHostAddresses, checkPassword, checkSharedSecret, md5Hex, userLines, userSummary } from "../common/component";
import { defaultCertificate } from "../common/defaultCertificate";
import { missingNames } from "../common/tls";
import { ArgKinds, checkArgs } from "../common/args";
import { Checker, show } from "../common/validation";
import { DnsRecord } from "../dns/records";
import { HostContext, HostFile, allowLowPorts, hostGeneratedSecret, hostSecret, keepServiceRunning, runStep, writeCertificate, writeFile } from "../host/primitives";
import { SECRET_DIR, shellQuote, UserSyncArgs, userSyncScript, userUndoScript } from "../host/scripts";
import {
    KAMAILIO_MAIN_CFG, SIP_DBRO_SECRET, SIP_DBRW_SECRET, SIP_GUEST_SECRET, SipConfig, SipListen,
    renderKamailioDefaults, renderKamailioLocal, renderKamailioMain, renderKamctlrc, renderTlsCfg, sipPorts, sipRecords,
} from "./render";
import { SipProxyArgs, sipDefaults } from "./settings";
import { PortRule } from "../common/ports";

export * from "./settings";

const argKinds: ArgKinds<SipProxyArgs> = {
    host: "host", domain: "string", sipDomain: "string", hostname: "string", ipv4: "strings", ipv6: "strings", port: "integer", tlsPort: "integer",
    tls443Address: "string", certificate: "certificate", users: "objects", databasePassword: "input", webSocket: "object", guests: "object",
    floodLimit: "limit",
};

/**
 * Kamailio on MariaDB, as the seed sets it up: authentication and persistent user location, plus TLS and
 * flood protection. Installs the packages, secures MariaDB, writes the configuration without touching the
 * packaged kamailio.cfg, creates the database once, adds subscribers and keeps both daemons running.
 */
export class SipProxy extends pulumi.ComponentResource {
    /** The A/AAAA, SRV and NAPTR records SIP clients use to find the proxy (RFC 3263). */
    readonly dnsRecords: DnsRecord[];
    /** The domain of users' SIP addresses, such as `sip.falcot.com`. */
    readonly sipDomain: string;
    /** The proxy's own name, such as `sip-proxy.falcot.com`. */
    readonly hostname: string;
    /** CA certificate that signed the proxy's certificate, when the proxy made its own. */
    readonly caCertPem?: pulumi.Output<string>;
    /** Rendered files by path; secrets are placeholders. */
    readonly files: Readonly<Record<string, string>>;
    /** The ports Kamailio listens on, for firewalls. */
    readonly ports: readonly PortRule[];
    /** Where browsers connect, such as `wss://sip-proxy.falcot.com:8443`; undefined without `webSocket`. */
    readonly webSocketUrl?: string;
    /** The domain of guests' addresses; undefined without `guests`. */
    readonly guestDomain?: string;
    /** The users guests may call; undefined without `guests`. */
    readonly guestDestinations?: readonly string[];

    constructor(name: string, args: SipProxyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:SipProxy", name, {}, opts);
        checkArgs(`SipProxy "${name}"`, args, argKinds, ["host"]);
        const c = new Checker(`SipProxy "${name}"`);

        const host = args.host;
        const domain = args.domain ?? host.domain;
        c.domain("domain", domain);
        const sipDomain = args.sipDomain ?? `sip.${domain}`;
        c.domain("sipDomain", sipDomain);
        const hostname = args.hostname ?? `sip-proxy.${domain}`;
        c.domain("hostname", hostname);
        const ipv4 = checkHostAddresses(c, "ipv4", args.ipv4, host.ipv4.map((a) => a.public), host.ipv4.map((a) => a.public));
        const ipv6 = checkHostAddresses(c, "ipv6", args.ipv6, host.ipv6.map((a) => a.public), host.ipv6.map((a) => a.public));
        c.check(ipv4.length + ipv6.length > 0, "ipv4", "is empty", "list at least one address to listen on");
        const port = args.port ?? sipDefaults.port;
        const tlsPort = args.tlsPort ?? sipDefaults.tlsPort;
        c.port("port", port);
        c.port("tlsPort", tlsPort);
        c.check(port !== tlsPort, "tlsPort", `is ${tlsPort}, the same as port`, "give SIP over TLS its own port, such as 5061");
        if (args.tls443Address !== undefined) {
            c.check(host.ipv4.some((a) => a.public === args.tls443Address), "tls443Address", `is ${show(args.tls443Address)}, which the host does not have`, `use one of ${host.ipv4.map((a) => a.public).join(", ")}`);
            c.check(![port, tlsPort].includes(443), "tls443Address", "is set while port or tlsPort is already 443", "drop tls443Address or move the other port");
        }
        if (args.certificate) {
            const missing = missingNames(args.certificate, [hostname, sipDomain]);
            c.check(missing.length === 0, "certificate", `is for ${show(args.certificate.dnsNames)} and lacks ${missing.join(", ")}`, `issue it for ${hostname} and ${sipDomain}`);
        }
        const users = (args.users ?? []).map((u, i) => {
            c.identifier(`users[${i}].name`, u.name);
            return { kind: "user", name: u.name, password: checkPassword(c, `users[${i}].password`, u.password, sipDefaults.minPasswordLength) };
        });
        users.forEach((u, i) => { if (users.findIndex((x) => x.name === u.name) !== i) c.fail(`users[${i}].name`, `repeats ${u.name}`, "list each user once"); });
        if (args.databasePassword !== undefined) checkPassword(c, "databasePassword", args.databasePassword, 16);
        const webSocketPort = args.webSocket ? args.webSocket.port ?? sipDefaults.webSocketPort : undefined;
        if (args.webSocket) {
            c.unknownKeys("webSocket", args.webSocket, ["port"]);
            if (c.port("webSocket.port", webSocketPort)) {
                c.check(![port, tlsPort, 443].includes(webSocketPort!), "webSocket.port", `is ${webSocketPort}, already taken by SIP`, "give it its own port, such as 8443 (WebSocket also answers on 443 with tls443Address)");
            }
        }
        const guestDomain = args.guests ? args.guests.domain ?? `guest.${sipDomain}` : undefined;
        const guestSecret = args.guests && checkSharedSecret(c, "guests.secret", args.guests.secret);
        if (args.guests) {
            c.unknownKeys("guests", args.guests, ["secret", "destinations", "domain"]);
            c.domain("guests.domain", guestDomain);
            c.check(guestDomain !== sipDomain && guestDomain !== hostname, "guests.domain", `is ${show(guestDomain)}, a name of the proxy's own`,
                `give guests a domain apart from the users', such as guest.${sipDomain}`);
            const destinations = Array.isArray(args.guests.destinations) ? args.guests.destinations : [];
            c.check(destinations.length > 0, "guests.destinations", `is ${show(args.guests.destinations)}`, "list the users guests may call, such as [\"sales\"]");
            destinations.forEach((d, i) => c.identifier(`guests.destinations[${i}]`, d));
        }
        const floodLimit = args.floodLimit ?? sipDefaults.floodLimit;
        if (floodLimit !== false) {
            c.check(Number.isInteger(floodLimit) && floodLimit >= 2 && floodLimit <= 100000, "floodLimit", `is ${show(floodLimit)}`,
                "give a whole number of requests per 2 s between 2 and 100000, such as 16, or false to turn flood protection off");
        }
        c.done();

        let certificate = args.certificate;
        if (!certificate) {
            const made = defaultCertificate(this, name, [hostname, sipDomain]);
            certificate = made.certificate;
            this.caCertPem = made.caCertPem;
        }
        const listenOn = (proto: SipListen["proto"], p: number, addresses: readonly string[]): SipListen[] =>
            addresses.map((a) => {
                const bound = host.privateOf(a);
                return bound === a ? { proto, address: a, port: p } : { proto, address: bound, port: p, advertise: a };
            });
        const config: SipConfig = {
            sipDomain,
            hostname,
            listen: [
                ...listenOn("udp", port, [...ipv4, ...ipv6]),
                ...listenOn("tcp", port, [...ipv4, ...ipv6]),
                ...listenOn("tls", tlsPort, [...ipv4, ...ipv6]),
                ...(args.tls443Address ? listenOn("tls", 443, [args.tls443Address]) : []),
                ...(webSocketPort !== undefined ? listenOn("tls", webSocketPort, ipv4) : []),
            ],
            webSocketPorts: webSocketPort !== undefined ? [webSocketPort, ...(args.tls443Address ? [443] : [])] : undefined,
            guests: args.guests && { domain: guestDomain!, destinations: args.guests.destinations },
            floodLimit,
            certFile: `${sipDefaults.tlsDir}/${hostname}.crt`,
            keyFile: `${sipDefaults.tlsDir}/${hostname}.key`,
        };
        this.sipDomain = sipDomain;
        this.hostname = hostname;
        this.dnsRecords = sipRecords({ sipDomain, hostname, ipv4, ipv6, port, tlsPort, tls443: args.tls443Address ? { address: args.tls443Address } : undefined });
        const rendered: Record<string, string> = {
            "/etc/kamailio/kamailio-local.cfg": renderKamailioLocal(config),
            [KAMAILIO_MAIN_CFG]: renderKamailioMain(config),
            "/etc/default/kamailio.d/pulumi-rtc": renderKamailioDefaults(),
            "/etc/kamailio/tls.cfg": renderTlsCfg(config),
            "/etc/kamailio/kamctlrc": renderKamctlrc(config),
        };
        this.files = rendered;
        this.ports = sipPorts({ port, tlsPort, tls443: args.tls443Address !== undefined, webSocketPort });
        this.webSocketUrl = webSocketPort !== undefined ? `wss://${hostname}:${args.tls443Address ? 443 : webSocketPort}` : undefined;
        this.guestDomain = guestDomain;
        this.guestDestinations = args.guests?.destinations;

        // Install
        const packages = host.requirePackages(["mariadb-server", "kamailio", "kamailio-mysql-modules", "kamailio-tls-modules", ...(webSocketPort !== undefined ? ["kamailio-websocket-modules"] : []),
            ...(args.guests ? ["kamailio-autheph-modules"] : [])], `sip-${name}`);
        const ctx: HostContext = { host, parent: this, owner: `SipProxy "${name}"`, prefix: name, after: [packages], retainOnDelete: opts?.retainOnDelete };

        // MariaDB: secured, then running
        const mariadbFile = writeFile(ctx, { path: "/etc/mysql/mariadb.conf.d/90-pulumi-rtc.cnf", content: renderMariadbConf() });
        const mariadb = keepServiceRunning(ctx, { unit: "mariadb", files: [mariadbFile] });
        const secured = runStep(ctx, { id: "mariadb-secure", script: secureMariadbScript(), dependsOn: [mariadb] });

        // Configure
        const secrets: Record<string, HostFile> = {
            [SIP_DBRW_SECRET]: args.databasePassword !== undefined ? hostSecret(ctx, SIP_DBRW_SECRET, args.databasePassword) : hostGeneratedSecret(ctx, SIP_DBRW_SECRET),
            [SIP_DBRO_SECRET]: hostGeneratedSecret(ctx, SIP_DBRO_SECRET),
            ...(args.guests ? { [SIP_GUEST_SECRET]: hostSecret(ctx, SIP_GUEST_SECRET, guestSecret!) } : {}),
        };
        const files = Object.entries(rendered).map(([path, content]) =>
            writeFile(ctx, { path, content, group: path.startsWith("/etc/kamailio") ? "kamailio" : "root" }, secrets));
        files.push(...writeCertificate(ctx, certificate, { certFile: config.certFile, keyFile: config.keyFile, group: "kamailio" }));
        if (args.tls443Address) files.push(allowLowPorts(ctx, "kamailio"));

        // Database, once; then its users' passwords from the host's secret store
        const database = runStep(ctx, {
            id: "database",
            script: createDatabaseScript(),
            // The database and its users go at destroy (when MariaDB was there before; else with its package).
            undo: [
                "set -eu",
                "systemctl is-active --quiet mariadb || exit 0",
                `mysql -e "DROP DATABASE IF EXISTS ${sipDefaults.dbName}; DROP USER IF EXISTS '${sipDefaults.dbRwUser}'@'localhost', '${sipDefaults.dbRoUser}'@'localhost';"`,
            ].join("\n"),
            dependsOn: [secured, ...files.map((f) => f.command)],
        });

        // Add users
        const usersStep = runStep(ctx, { id: "users", script: sipUsersScript(sipDomain), undo: userUndoScript(sipUserSync(sipDomain)), stdin: userLines(users, sipCredential(sipDomain)), summary: userSummary(users), dependsOn: [database] });

        // Start
        keepServiceRunning(ctx, { unit: "kamailio", files, after: ["mariadb"], needsFiles: [config.certFile, config.keyFile], check: `kamailio -c -f ${KAMAILIO_MAIN_CFG} >/dev/null`, dependsOn: [database, usersStep] });
        this.registerOutputs({ sipDomain, hostname, dnsRecords: this.dnsRecords });
    }
}

export function renderMariadbConf(): string {
    return [
        "# Managed by pulumi-rtc (Pulumi). Do not edit by hand.",
        "[mariadb]",
        "# Kamailio is the only client, on this host",
        "bind-address = 127.0.0.1",
        "skip-name-resolve",
        "local-infile = 0",
        "",
    ].join("\n");
}

/** What mysql_secure_installation does, without its prompts: root by unix socket only, no anonymous users, no test database. */
export function secureMariadbScript(): string {
    return [
        "set -eu",
        "mysql <<'SQL'",
        "DELETE FROM mysql.global_priv WHERE User='';",
        "DELETE FROM mysql.global_priv WHERE User='root' AND Host NOT IN ('localhost');",
        "DROP DATABASE IF EXISTS test;",
        "DELETE FROM mysql.db WHERE Db='test' OR Db='test\\\\_%';",
        "FLUSH PRIVILEGES;",
        "SQL",
    ].join("\n");
}

/**
 * `kamdbctl create` once, with throw-away passwords, then the real ones from the host's secret store, so no
 * password stays on a command line.
 */
export function createDatabaseScript(): string {
    const db = sipDefaults.dbName;
    return [
        "set -eu",
        `if ! mysql -N -e "SHOW DATABASES LIKE '${db}'" | grep -qx ${shellQuote(db)}; then`,
        "  home=$(mktemp -d)",
        "  trap 'rm -rf \"$home\"' EXIT",
        "  throwaway=$(tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 24)",
        "  printf 'DBRWPW=\"%s\"\\nDBROPW=\"%s\"\\n' \"$throwaway\" \"$throwaway\" > \"$home/.kamctlrc\"",
        "  HOME=\"$home\" kamdbctl create </dev/null",
        "fi",
        `rw=$(cat ${SECRET_DIR}/${SIP_DBRW_SECRET})`,
        `ro=$(cat ${SECRET_DIR}/${SIP_DBRO_SECRET})`,
        "{",
        `  printf "ALTER USER '${sipDefaults.dbRwUser}'@'localhost' IDENTIFIED BY '%s';\\n" "$rw"`,
        `  printf "ALTER USER '${sipDefaults.dbRoUser}'@'localhost' IDENTIFIED BY '%s';\\n" "$ro"`,
        "  echo 'FLUSH PRIVILEGES;'",
        "} | mysql",
    ].join("\n");
}

/** A subscriber's digests `ha1:ha1b`, as kamctl computes them: MD5 of user:domain:password and user@domain:domain:password. */
export const sipCredential = (domain: string) => (_kind: string, name: string, password: string): string =>
    `${md5Hex(`${name}:${domain}:${password}`)}:${md5Hex(`${name}@${domain}:${domain}:${password}`)}`;

/** Brings the declared subscribers into Kamailio's database, storing only the digest hashes ha1 and ha1b. */
export function sipUserSync(sipDomain: string): UserSyncArgs {
    return {
        id: `kamailio-${sipDomain}`,
        begin: [`domain=${shellQuote(sipDomain)}`, "echo 'START TRANSACTION;'"].join("\n"),
        upsert: [
            "ha1=${cred%%:*}; ha1b=${cred#*:}",
            "echo \"INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES ('$name', '$domain', '', '$ha1', '$ha1b') ON DUPLICATE KEY UPDATE password='', ha1='$ha1', ha1b='$ha1b';\"",
        ].join("\n"),
        remove: "echo \"DELETE FROM subscriber WHERE username='$name' AND domain='$domain';\"",
        end: "echo 'COMMIT;'",
        apply: `mysql ${sipDefaults.dbName} < "$batch"`,
    };
}

export const sipUsersScript = (sipDomain: string): string => userSyncScript(sipUserSync(sipDomain));
