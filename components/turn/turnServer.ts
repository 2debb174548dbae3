import * as pulumi from "@pulumi/pulumi";
import { checkHostAddresses, checkPassword, checkSharedSecret, md5Hex, userLines, userSummary } from "../common/component";
import { missingNames } from "../common/tls";
import { ArgKinds, checkArgs } from "../common/args";
import { absolutePath, addressRange, parseRange } from "../common/grammar";
import { Checker, show } from "../common/validation";
import { DnsRecord } from "../dns/records";
import { HostContext, HostFile, allowLowPorts, hostSecret, keepServiceRunning, runStep, writeCertificate, writeFile } from "../host/primitives";
import { shellQuote, UserSyncArgs, userSyncScript, userUndoScript } from "../host/scripts";
import { TURN_AUTH_SECRET, TURN_USERDB_SECRET, TurnConfig, renderRestUnit, renderTurnserverConf, turnPorts, turnRecords, turnUris } from "./render";
import { PortRule } from "../common/ports";
import { TurnServerArgs, baselineDeniedPeerRanges, turnDefaults } from "./settings";

export * from "./settings";

const argKinds: ArgKinds<TurnServerArgs> = {
    host: "host", domain: "string", hostname: "string", realm: "string", ipv4: "strings", ipv6: "strings", port: "integer", tlsPort: "integer",
    certificate: "certificate", users: "objects", adminUsers: "objects", staticAuthSecret: "input", userDb: "object", relayPorts: "object",
    extraDeniedPeerRanges: "strings", restPorts: "object",
};

/**
 * coturn, the TURN/STUN server: installs it, writes /etc/turnserver.conf, adds users, keeps it running.
 * `new TurnServer("turn", { host })` is enough for a STUN/TURN server on all of the host's IPv4 addresses.
 */
export class TurnServer extends pulumi.ComponentResource {
    /** The DNS records clients use to find this server. */
    readonly dnsRecords: DnsRecord[];
    /** The name clients connect to, such as `turn-server.falcot.com`. */
    readonly hostname: string;
    /** The long-term credential realm. */
    readonly realm: string;
    /** The rendered configuration; secrets are placeholders. */
    readonly configText: string;
    /** The IPv4 addresses coturn listens and relays on (tokens for addresses known only at deployment). */
    readonly ipv4: readonly string[];
    /** The ports coturn listens on, relay range included, for firewalls. */
    readonly ports: readonly PortRule[];
    /** Where clients with time-limited (REST) credentials connect, as RTCIceServer.urls; none without staticAuthSecret. */
    readonly restUris?: readonly string[];
    /** The second coturn process's configuration, when users and staticAuthSecret are both given. */
    readonly restConfigText?: string;

    constructor(name: string, args: TurnServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:TurnServer", name, {}, opts);
        checkArgs(`TurnServer "${name}"`, args, argKinds, ["host"]);
        const c = new Checker(`TurnServer "${name}"`);
        const host = args.host;
        const domain = args.domain ?? host.domain;
        c.domain("domain", domain);
        const hostname = args.hostname ?? `turn-server.${domain}`;
        c.domain("hostname", hostname);
        const realm = args.realm ?? domain;
        c.domain("realm", realm);
        const ipv4 = checkHostAddresses(c, "ipv4", args.ipv4, host.ipv4.map((a) => a.public), host.ipv4.map((a) => a.public));
        const ipv6 = checkHostAddresses(c, "ipv6", args.ipv6, host.ipv6.map((a) => a.public), []);
        c.check(ipv4.length + ipv6.length > 0, "ipv4", "is empty", "list at least one address to listen on");
        const port = args.port ?? turnDefaults.port;
        c.port("port", port);
        const tlsPort = args.tlsPort ?? turnDefaults.tlsPort;
        c.port("tlsPort", tlsPort);
        c.check(port !== tlsPort, "tlsPort", `is ${tlsPort}, the same as port`, "give TURN over TLS its own port, such as 5349 or 443");
        if (args.tlsPort !== undefined && !args.certificate) c.fail("tlsPort", "is set without a certificate", "pass certificate, or drop tlsPort");
        if (args.certificate) {
            const missing = missingNames(args.certificate, [hostname]);
            c.check(missing.length === 0, "certificate", `is for ${show(args.certificate.dnsNames)}, not for ${hostname}`, `issue it for ${hostname} (RtcCertificates does)`);
        }
        const relayPorts = args.relayPorts ?? turnDefaults.relayPorts;
        c.check(Number.isInteger(relayPorts.min) && Number.isInteger(relayPorts.max) && relayPorts.min >= 1024 && relayPorts.min < relayPorts.max && relayPorts.max <= 65535,
            "relayPorts", `is ${show(relayPorts)}`, "use a range such as { min: 49152, max: 65535 }");
        const userDb = args.userDb ?? { kind: "sqlite" as const };
        c.check(["sqlite", "mysql", "postgresql", "redis"].includes(userDb.kind), "userDb.kind", `is ${show(userDb.kind)}`, "use sqlite, mysql, postgresql or redis");
        const users = args.users ?? [];
        const admins = args.adminUsers ?? [];
        if (userDb.kind !== "sqlite" && users.length + admins.length > 0) {
            c.fail("users", `cannot be added to a ${userDb.kind} user database by this component`, "use the default sqlite userDb, or manage those users with turnadmin against that database");
        }
        const passwordEntries = [
            ...users.map((u, i) => ({ kind: "user", field: `users[${i}]`, u })),
            ...admins.map((u, i) => ({ kind: "admin", field: `adminUsers[${i}]`, u })),
        ].map((e) => {
            c.identifier(`${e.field}.name`, e.u.name);
            return { kind: e.kind, name: e.u.name, password: checkPassword(c, `${e.field}.password`, e.u.password, turnDefaults.minPasswordLength) };
        });
        for (const [field, list] of [["users", users], ["adminUsers", admins]] as const) {
            const names = list.map((u) => u.name);
            names.forEach((n, i) => { if (names.indexOf(n) !== i) c.fail(`${field}[${i}].name`, `repeats ${n}`, "list each user once"); });
        }
        (args.extraDeniedPeerRanges ?? []).forEach((r, i) => c.rule(`extraDeniedPeerRanges[${i}]`, r, addressRange));
        if (userDb.kind === "sqlite" && userDb.path !== undefined) c.rule("userDb.path", userDb.path, absolutePath);
        const staticAuthSecret = args.staticAuthSecret !== undefined ? checkSharedSecret(c, "staticAuthSecret", args.staticAuthSecret) : undefined;
        // Seen with coturn 4.6.1: with use-auth-secret, every long-term user's allocation is refused. A second
        // process takes the REST credentials then.
        const restProcess = args.staticAuthSecret !== undefined && users.length > 0;
        if (args.restPorts !== undefined && !restProcess) c.fail("restPorts", "is set, but no second coturn process runs", "drop restPorts: it applies when both users and staticAuthSecret are given");
        const rest = { ...turnDefaults.rest, ...args.restPorts };
        if (restProcess) {
            c.port("restPorts.port", rest.port);
            c.port("restPorts.tlsPort", rest.tlsPort);
            // coturn also takes the next port of each (RFC 5780 alternates) when it has two addresses.
            const taken = new Map([[port, "port"], [port + 1, "port + 1"], [tlsPort, "tlsPort"], [tlsPort + 1, "tlsPort + 1"]]);
            for (const field of ["port", "tlsPort"] as const) {
                for (const p of [rest[field], rest[field] + 1]) {
                    if (taken.has(p)) c.fail(`restPorts.${field}`, `is ${rest[field]}, and coturn takes ${p} as ${taken.get(p)} already`, "pick ports two apart from the others, such as 3480 and 5351");
                }
                taken.set(rest[field], `restPorts.${field}`).set(rest[field] + 1, `restPorts.${field} + 1`);
            }
            const r = rest.relayPorts;
            c.check(Number.isInteger(r.min) && Number.isInteger(r.max) && r.min >= 1024 && r.min < r.max && r.max <= 65535,
                "restPorts.relayPorts", `is ${show(r)}`, "use a range such as { min: 40000, max: 49151 }");
            c.check(r.max < relayPorts.min || r.min > relayPorts.max, "restPorts.relayPorts", `is ${r.min}-${r.max}, which overlaps relayPorts ${relayPorts.min}-${relayPorts.max}`,
                "give each coturn process its own relay range");
        }
        c.done();

        const tls = args.certificate
            ? { port: tlsPort, certFile: `${turnDefaults.certDir}/${hostname}.crt`, keyFile: `${turnDefaults.certDir}/${hostname}.key` }
            : undefined;
        const config: TurnConfig = {
            realm,
            serverName: hostname,
            addresses: [...ipv4, ...ipv6].map((a) => ({ public: a, private: host.privateOf(a) })),
            port,
            tls,
            userDb: userDb.kind === "sqlite" ? { kind: "sqlite", path: userDb.path ?? turnDefaults.sqlitePath } : { kind: userDb.kind },
            staticAuthSecret: args.staticAuthSecret !== undefined && !restProcess,
            relayPorts,
            deniedPeerRanges: [...baselineDeniedPeerRanges, ...(args.extraDeniedPeerRanges ?? []).map(coturnRange)],
        };
        const restConfig: TurnConfig | undefined = restProcess
            ? { ...config, port: rest.port, tls: tls && { ...tls, port: rest.tlsPort }, staticAuthSecret: true, relayPorts: rest.relayPorts }
            : undefined;
        this.configText = renderTurnserverConf(config);
        this.restConfigText = restConfig && renderTurnserverConf(restConfig);
        this.hostname = hostname;
        this.realm = realm;
        this.ipv4 = ipv4;
        const alternates = ipv4.length >= 2 || ipv6.length >= 2;
        this.ports = [...turnPorts({ port, tlsPort: tls?.port, relayPorts, alternates }),
            ...(restConfig ? turnPorts({ port: rest.port, tlsPort: restConfig.tls?.port, relayPorts: rest.relayPorts, alternates }) : [])];
        const restListener = restConfig ?? (args.staticAuthSecret !== undefined ? config : undefined);
        this.restUris = restListener && turnUris(hostname, restListener.port, restListener.tls?.port);
        this.dnsRecords = turnRecords({ domain, hostname, ipv4, ipv6, port, tlsPort: tls?.port });

        // Install
        const packages = host.requirePackages(["coturn", "sqlite3"], `turn-${name}`);
        const ctx: HostContext = { host, parent: this, owner: `TurnServer "${name}"`, prefix: name, after: [packages], retainOnDelete: opts?.retainOnDelete };

        // Configure
        const secrets: Record<string, HostFile> = {};
        if (args.staticAuthSecret !== undefined) secrets[TURN_AUTH_SECRET] = hostSecret(ctx, TURN_AUTH_SECRET, staticAuthSecret!);
        if (userDb.kind !== "sqlite") secrets[TURN_USERDB_SECRET] = hostSecret(ctx, TURN_USERDB_SECRET, userDb.connection);
        const files: HostFile[] = [writeFile(ctx, { path: turnDefaults.configPath, content: this.configText, group: "turnserver" }, secrets)];
        const certificateFiles = tls && args.certificate ? writeCertificate(ctx, args.certificate, { ...tls, group: "turnserver" }) : [];
        files.push(...certificateFiles);
        const needsFiles = certificateFiles.map((f) => f.path);
        if (tls && tls.port < 1024) files.push(allowLowPorts(ctx, "coturn"));

        // Add users
        const sqlitePath = config.userDb.kind === "sqlite" ? config.userDb.path : "";
        const usersStep = userDb.kind === "sqlite"
            ? runStep(ctx, { id: "users", script: turnUsersScript(sqlitePath, realm), undo: userUndoScript(turnUserSync(sqlitePath, realm)), stdin: userLines(passwordEntries, turnCredential(realm)), summary: userSummary(passwordEntries) })
            : undefined;

        // Start
        keepServiceRunning(ctx, { unit: "coturn", files, needsFiles, dependsOn: usersStep ? [usersStep] : [] });
        if (restConfig) {
            const restFiles = [
                writeFile(ctx, { path: turnDefaults.rest.configPath, content: this.restConfigText!, group: "turnserver" }, secrets),
                writeFile(ctx, { path: `/etc/systemd/system/${turnDefaults.rest.unit}.service`, content: renderRestUnit({ configPath: turnDefaults.rest.configPath, lowPorts: (restConfig.tls?.port ?? 1024) < 1024 || rest.port < 1024 }) }),
                ...files.filter((f) => f.path.startsWith(turnDefaults.certDir)),
            ];
            keepServiceRunning(ctx, { unit: turnDefaults.rest.unit, files: restFiles, needsFiles });
        }
        this.registerOutputs({ hostname, realm, dnsRecords: this.dnsRecords });
    }
}

/** Brings the declared coturn users and admins into its SQLite database; passwords arrive on stdin. */
/** What the users step gets: a user's key as `turnadmin -a` stores it (MD5 of name:realm:password); an admin's password. */
export const turnCredential = (realm: string) => (kind: string, name: string, password: string): string =>
    kind === "user" ? md5Hex(`${name}:${realm}:${password}`) : Buffer.from(password, "utf8").toString("base64");

export function turnUserSync(db: string, realm: string): UserSyncArgs {
    return {
        id: `coturn-${realm}`,
        begin: [
            `db=${shellQuote(db)}`,
            `realm=${shellQuote(realm)}`,
            "echo \"CREATE TABLE IF NOT EXISTS turnusers_lt (realm varchar(127) default '', name varchar(512), hmackey char(128), PRIMARY KEY (realm,name));\"",
            "echo \"CREATE TABLE IF NOT EXISTS admin_user (name varchar(32), realm varchar(127), password varchar(127), primary key (name));\"",
            "echo 'BEGIN;'",
        ].join("\n"),
        upsert: [
            "case \"$kind\" in",
            "  user) echo \"INSERT OR REPLACE INTO turnusers_lt (realm,name,hmackey) VALUES ('$realm','$name','$cred');\" ;;",
            "  admin) pw=$(printf '%s' \"$cred\" | base64 -d)",
            "         salt=$(od -An -tx1 -N8 /dev/urandom | tr -d ' \\n')",
            "         hash=$({ perl -e 'print pack(\"H*\", $ARGV[0])' \"$salt\"; printf '%s' \"$pw\"; } | sha256sum | cut -d' ' -f1)",
            "         echo \"INSERT OR REPLACE INTO admin_user (name,realm,password) VALUES ('$name','','\\$5\\$$salt\\$$hash');\" ;;",
            "esac",
        ].join("\n"),
        remove: [
            "case \"$kind\" in",
            "  user) echo \"DELETE FROM turnusers_lt WHERE realm='$realm' AND name='$name';\" ;;",
            "  admin) echo \"DELETE FROM admin_user WHERE name='$name';\" ;;",
            "esac",
        ].join("\n"),
        end: "echo 'COMMIT;'",
        apply: [
            `db=${shellQuote(db)}`,
            "mkdir -p \"$(dirname \"$db\")\"",
            "sqlite3 \"$db\" < \"$batch\"",
            "chown turnserver:turnserver \"$db\"",
            "chmod 0640 \"$db\"",
        ].join("\n"),
    };
}

export const turnUsersScript = (db: string, realm: string): string => userSyncScript(turnUserSync(db, realm));

/** coturn's form of a range: `first-last`, or one address. */
function coturnRange(range: string): string {
    const r = parseRange(range)!;
    return r.first === r.last ? r.first : `${r.first}-${r.last}`;
}
