import { spawn, spawnSync } from "child_process";
import { X509Certificate, createHash, createHmac } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SIP_DBRO_SECRET, SIP_DBRW_SECRET } from "../../components/sip/render";
import { FIREWALL_TABLE, firewallDefaults } from "../../components/firewall/render";
import { firewallApplyScript, firewallPaths } from "../../components/firewall/scripts";
import { engineEnv } from "../engine/engine-env";
import { StackBrowser, callStats, launchBrowser, waitForState } from "../../scripts/local/browser";

// End to end: the `local` stack brought up by the real Pulumi engine (npm run up:local), then
// exercised by real clients from this machine: dig, turnutils, sipsak and an XMPP client library.

const root = path.resolve(__dirname, "../..");
const env = { ...process.env, FORCE_COLOR: "0" };

interface Outputs {
    zone: string;
    dnsServer: string;
    sipWssUrl: string;
    clickToCallUrl: string;
    caCertPem: string;
    layout: string;
    passwords: Record<string, string>;
    endpoints: {
        turn: { hostname: string; realm: string; addresses: string[]; restUris: string[] }; sip: { domain: string; hostname: string };
        xmpp: { domains: string[]; hostname: string }; web: { url: string; phoneUrl: string; hostname: string };
    };
    ssh: Record<string, { address: string; privateKey: string; hostPublicKey: string }>;
    dnsTransfer?: { keyName: string; algorithm: string; secret: string; primaries: string[] };
    exposure: Record<string, { protocol: "tcp" | "udp"; from: number; to: number; purpose: string }[]>;
}

function run(cmd: string, args: string[], opts: { input?: string; timeout?: number; allowFail?: boolean; env?: NodeJS.ProcessEnv } = {}) {
    const r = spawnSync(cmd, args, { cwd: root, env: opts.env ?? env, input: opts.input, encoding: "utf8", timeout: opts.timeout ?? 120000, maxBuffer: 64 * 1024 * 1024 });
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    if (!opts.allowFail && r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${output.slice(-4000)}`);
    return { code: r.status, output, stdout: r.stdout ?? "" };
}

/** The local environment's stack in use: `local`, or `local-nat` behind 1:1 NAT. */
let localStack = "local";
const localEnv = (...args: string[]) => run("bash", ["scripts/local-env.sh", ...args], { timeout: 1800000, env: { ...env, RTC_LOCAL_STACK: localStack } });
const outputs = (): Outputs => JSON.parse(localEnv("outputs").stdout);

/** Runs a shell command on the local host over a new SSH connection, with the stack's key and pinned host key. */
function sshToHost(o: Outputs, command: string, opts: { allowFail?: boolean; connectTimeout?: number } = {}) {
    const h = Object.values(o.ssh)[0];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-ssh-"));
    try {
        fs.writeFileSync(path.join(dir, "key"), h.privateKey, { mode: 0o600 });
        fs.writeFileSync(path.join(dir, "known_hosts"), `${h.address} ${h.hostPublicKey.trim()}\n`);
        return run("ssh", ["-i", path.join(dir, "key"), "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${path.join(dir, "known_hosts")}`,
            "-o", "BatchMode=yes", "-o", `ConnectTimeout=${opts.connectTimeout ?? 30}`, `root@${h.address}`, command], { allowFail: opts.allowFail });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const onHost = (o: Outputs, command: string): string => sshToHost(o, command).stdout;
/** A user's contacts in MariaDB's location table, once Kamailio has written its cache there (it does so on a timer). */
const locationRows = (o: Outputs, user: string): string =>
    onHost(o, `kamcmd ul.flush && mysql -N kamailio -e "SELECT contact FROM location WHERE username = '${user}' ORDER BY contact"`).trim();

/** Records of the zone text, as [name, type, data] with names fully qualified. */
function zoneRecords(zone: string, origin: string): [string, string, string][] {
    return zone.split("\n")
        .filter((l) => l && !l.startsWith(";") && !l.startsWith("$") && !/ SOA /.test(l))
        .map((l) => {
            const m = /^(\S+)\s+IN\s+(\S+)\s+(.*)$/.exec(l)!;
            const name = m[1] === "@" ? `${origin}.` : m[1].endsWith(".") ? m[1] : `${m[1]}.${origin}.`;
            return [name, m[2], m[3].trim().replace(/\s+/g, " ")];
        });
}

/** The first certificate a TLS server presents, as PEM. */
function servedCertificate(connect: string, extra: string[] = []): string {
    const r = run("openssl", ["s_client", "-connect", connect, ...extra], { input: "", allowFail: true, timeout: 30000 });
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(r.output);
    if (!pem) throw new Error(`no certificate from ${connect}:\n${r.output.slice(-2000)}`);
    return pem[0];
}

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

/** Every way a value might stand in the state: itself, and hex, base64 and 16-digit digests of it. */
function tracesOf(secret: string): string[] {
    const traces = [secret];
    for (const text of [secret, `${secret}\n`]) {
        for (const algorithm of ["md5", "sha1", "sha256", "sha512"]) {
            const digest = createHash(algorithm).update(text).digest();
            traces.push(digest.toString("hex"), digest.toString("hex").slice(0, 16), digest.toString("base64"));
        }
    }
    return traces;
}

let caFile = "";
const variants = [
    { title: "standard layout", layout: "standard", stack: "local" },
    { title: "port443 layout", layout: "port443", stack: "local" },
    { title: "standard layout behind 1:1 NAT", layout: "standard", stack: "local-nat" },
];

describe.each(variants)("local environment, $title", ({ layout, stack }) => {
    let o: Outputs;
    const printed: string[] = []; // what `pulumi up` printed in this layout
    const nat = stack === "local-nat";

    beforeAll(() => {
        localStack = stack;
        printed.push(localEnv("up", "--layout", layout).output);
        o = outputs();
        caFile = path.join(os.tmpdir(), `rtc-ca-${process.pid}.pem`);
        fs.writeFileSync(caFile, o.caCertPem);
    });

    afterAll(() => {
        // The last variant of each stack takes it down.
        if (variants.filter((v) => v.stack === stack).pop()!.layout === layout) localEnv("down");
    });

    const addressOf = (hostname: string) => zoneRecords(o.zone, "falcot.com").find(([n, t]) => n === `${hostname}.` && t === "A")![2];
    /** Every TLS port of the layout: the certificate it serves, where, and the daemon behind it. */
    const tlsEndpoints = (): { cert: string; connect: string; extra: string[]; unit: string }[] => {
        const sip = addressOf(o.endpoints.sip.hostname);
        const xmpp = addressOf(o.endpoints.xmpp.hostname);
        const web = addressOf(o.endpoints.web.hostname);
        const turn = o.endpoints.turn.addresses[0];
        return [
            { cert: "falcot-web", connect: `${web}:443`, extra: ["-servername", o.endpoints.web.hostname], unit: "nginx" },
            { cert: "falcot-turn", connect: `${turn}:5351`, extra: [], unit: "coturn-rest" },
            { cert: "falcot-turn", connect: `${turn}:${layout === "port443" ? 443 : 5349}`, extra: [], unit: "coturn" },
            { cert: "falcot-sip", connect: `${sip}:5061`, extra: [], unit: "kamailio" },
            { cert: "falcot-sip", connect: `${sip}:${layout === "port443" ? 443 : 8443}`, extra: ["-servername", o.endpoints.sip.hostname], unit: "kamailio" },
            { cert: "falcot-xmpp", connect: `${xmpp}:5222`, extra: ["-starttls", "xmpp", "-xmpphost", "falcot.com"], unit: "prosody" },
            ...(layout === "port443" ? [{ cert: "falcot-xmpp", connect: `${xmpp}:443`, extra: [], unit: "prosody" }] : []),
        ];
    };
    const registerTls = (password: string, port: number, user = "roland") => {
        const r = run("node", [path.join(__dirname, "clients/sip-register.mjs")], { allowFail: true, timeout: 30000, input: JSON.stringify({
            host: addressOf(o.endpoints.sip.hostname), port, domain: o.endpoints.sip.domain, user, password, contact: `sip:${user}@198.51.100.1:5099;transport=tls`, ca: o.caCertPem,
        }) });
        return JSON.parse(r.stdout.trim().split("\n").pop() || "{}") as { ok: boolean; statuses: (number | string)[] };
    };
    const xmppService = () => (layout === "port443" ? `xmpps://${addressOf(o.endpoints.xmpp.hostname)}:443` : `xmpp://${addressOf(o.endpoints.xmpp.hostname)}:5222`);
    const chat = (input: object) => run("node", [path.join(__dirname, "clients/xmpp-chat.mjs")], { input: JSON.stringify({ ca: o.caCertPem, domain: "falcot.com", ...input }), allowFail: true, timeout: 60000 });
    const started = (units: readonly string[]) => Object.fromEntries(onHost(o, `systemctl show -p ActiveEnterTimestampMonotonic --value ${units.join(" ")}`)
        .split("\n").filter(Boolean).map((t, i) => [units[i], t]));
    const daemons = ["coturn", "coturn-rest", "kamailio", "prosody", "nginx", "mariadb", "named"];

    it("booted the host through cloud-init, with its pinned host key and every service address", () => {
        expect(onHost(o, "cloud-init status").trim()).toBe("status: done");
        const bound = onHost(o, "ip -4 -o addr show scope global | awk '{print $4}'").trim().split("\n").map((a) => a.split("/")[0]).sort();
        // Behind NAT the host carries only the private side; the public side exists only in front of it.
        expect(bound).toEqual(nat ? ["10.0.1.19", "10.0.1.20", "10.0.1.21", "10.0.1.22"] : ["198.51.100.19", "198.51.100.20", "198.51.100.21", "198.51.100.22"]);
        if (nat) {
            expect(run("ping", ["-c1", "-W1", "10.0.1.19"], { allowFail: true }).code).not.toBe(0);
            expect(onHost(o, "grep ^external-ip= /etc/turnserver.conf").trim().split("\n"))
                .toEqual(["external-ip=198.51.100.19/10.0.1.19", "external-ip=198.51.100.20/10.0.1.20", "external-ip=198.51.100.21/10.0.1.21", "external-ip=198.51.100.22/10.0.1.22"]);
            expect(onHost(o, "grep '^listen=tls' /etc/kamailio/kamailio-local.cfg").trim().split("\n"))
                .toEqual(["listen=tls:10.0.1.19:5061 advertise 198.51.100.19:5061", "listen=tls:10.0.1.19:8443 advertise 198.51.100.19:8443"]);
        }
    });

    it("serves every published record from its own DNS server", () => {
        expect(o.layout).toBe(layout);
        const records = zoneRecords(o.zone, "falcot.com");
        expect(records.length).toBeGreaterThan(20);
        const byQuery = new Map<string, string[]>();
        for (const [name, type, data] of records) byQuery.set(`${name} ${type}`, [...(byQuery.get(`${name} ${type}`) ?? []), data]);
        for (const [query, expected] of byQuery) {
            const [name, type] = query.split(" ");
            const answer = run("dig", [`@${o.dnsServer}`, "+short", "+norecurse", "+time=2", name, type]).stdout.trim().split("\n").filter(Boolean).map((l) => l.replace(/\s+/g, " "));
            expect({ query, answer: answer.map((a) => a.toLowerCase()).sort() }).toEqual({ query, answer: expected.map((e) => e.toLowerCase()).sort() });
        }
    });

    it("is authoritative only: refuses recursion and zone transfers, but for its secondary with the TSIG key", () => {
        const dig = (...args: string[]) => run("dig", [`@${o.dnsServer}`, "+time=2", "+tries=1", ...args], { allowFail: true }).output;
        const recursive = dig("+recurse", "debian.org", "A");
        expect(recursive).toMatch(/status: REFUSED/);
        expect(/;; flags:([^;]*);/.exec(recursive)![1].split(" ")).not.toContain("ra");
        expect(dig("+norecurse", "falcot.com", "SOA")).toMatch(/;; flags: qr aa/);
        expect(dig("falcot.com", "AXFR")).toMatch(/Transfer failed/);
        // The local stack names this machine (198.51.100.1) its secondary; the NAT one has none.
        expect(o.dnsTransfer !== undefined).toBe(!nat);
        if (!o.dnsTransfer) return;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-tsig-"));
        const keyFile = (secret: string) => {
            const file = path.join(dir, `${secret.slice(0, 4)}.key`);
            fs.writeFileSync(file, `key "${o.dnsTransfer!.keyName}" { algorithm ${o.dnsTransfer!.algorithm}; secret "${secret}"; };\n`, { mode: 0o600 });
            return file;
        };
        try {
            const signed = dig("-k", keyFile(o.dnsTransfer.secret), "falcot.com", "AXFR");
            expect(signed).not.toMatch(/Transfer failed/);
            expect(signed.split("\n").filter((l) => /\sIN\s+SOA\s/.test(l))).toHaveLength(2);
            expect(signed.split("\n").filter((l) => /\sIN\s+SRV\s/.test(l)).length).toBeGreaterThan(5);
            expect(dig("-k", keyFile(Buffer.alloc(32, 7).toString("base64")), "falcot.com", "AXFR")).toMatch(/Transfer failed|tsig verify failure|BADKEY|BADSIG/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    describe("TURN", () => {
        const pw = () => o.passwords.roland;
        const turnAddresses = () => o.endpoints.turn.addresses;
        const tlsPort = () => (layout === "port443" ? "443" : "5349");
        let peer: ReturnType<typeof spawn> | undefined;
        // A UDP echo peer on this machine's side of the link, outside every denied range.
        beforeAll(() => { peer = spawn("turnutils_peer", ["-L", "198.51.100.1", "-p", "3480"], { stdio: "ignore" }); });
        afterAll(() => { peer?.kill(); });

        it("answers a STUN binding on each TURN address", () => {
            for (const a of turnAddresses()) {
                const r = run("turnutils_stunclient", ["-p", "3478", a]);
                expect(r.output).toMatch(/UDP reflexive addr: 198\.51\.100\.1:\d+/);
            }
        });

        it("allocates and relays with a seed user's credentials, to a peer and client to client", () => {
            const a = turnAddresses()[0];
            const toPeer = run("turnutils_uclient", ["-e", "198.51.100.1", "-r", "3480", "-n", "5", "-m", "1", "-l", "100", "-u", "roland", "-w", pw(), "-p", "3478", a], { timeout: 60000 });
            expect(toPeer.output).toMatch(/Total lost packets 0 /);
            const c2c = run("turnutils_uclient", ["-y", "-n", "5", "-m", "1", "-l", "100", "-u", "roland", "-w", pw(), "-p", "3478", a], { timeout: 60000 });
            expect(c2c.output).toMatch(/Total lost packets 0 /);
        });

        it("serves TURN over TLS with a certificate that verifies against the stack's CA", () => {
            const r = run("openssl", ["s_client", "-connect", `${turnAddresses()[0]}:${tlsPort()}`, "-CAfile", caFile, "-verify_return_error", "-verify_hostname", o.endpoints.turn.hostname], { input: "", allowFail: true, timeout: 30000 });
            expect(r.output).toMatch(/Verify return code: 0 \(ok\)/);
            expect(r.output).toMatch(/Protocol\s*: TLSv1\.[23]/);
        });

        it("refuses a wrong password", () => {
            const r = run("turnutils_uclient", ["-e", "198.51.100.1", "-r", "3480", "-n", "1", "-m", "1", "-u", "roland", "-w", "not-the-password", "-p", "3478", turnAddresses()[0]], { allowFail: true, timeout: 60000 });
            expect(r.output).toMatch(/Cannot complete Allocation/);
            expect(r.output).not.toMatch(/Total lost packets 0 /);
        });

        it("refuses to relay towards loopback or private peers", () => {
            for (const p of ["127.0.0.1", "10.0.0.1", "192.168.1.1"]) {
                const r = run("turnutils_uclient", ["-e", p, "-r", "3480", "-n", "1", "-m", "1", "-u", "roland", "-w", pw(), "-p", "3478", turnAddresses()[0]], { allowFail: true, timeout: 60000 });
                expect({ peer: p, forbidden: /403 \(Forbidden IP\)/.test(r.output) }).toEqual({ peer: p, forbidden: true });
            }
        });
    });

    describe("SIP", () => {
        const proxy = () => addressOf(o.endpoints.sip.hostname);
        /** sipsak over TCP, resolving sip.falcot.com through the stack's own DNS server (NAPTR/SRV). */
        const sipsak = (password: string) => {
            const resolv = path.join(os.tmpdir(), `rtc-resolv-${process.pid}.conf`);
            fs.writeFileSync(resolv, `nameserver ${o.dnsServer}\n`);
            return run("unshare", ["-m", "sh", "-c", `mount --bind ${resolv} /etc/resolv.conf && exec sipsak -U -i -x 3600 -C sip:roland@198.51.100.1:5098 -s sip:roland@${o.endpoints.sip.domain} --auth-username=roland -a "$0" -vv`, password], { allowFail: true, timeout: 30000 });
        };

        it("REGISTERs with digest auth over TLS, verifying the certificate against the stack's CA", () => {
            for (const port of layout === "port443" ? [5061, 443] : [5061]) {
                expect({ port, ...registerTls(o.passwords.roland, port) }).toMatchObject({ port, ok: true, statuses: [401, 200] });
            }
        });

        it("over secure WebSocket, reaches a callee registered from behind its WebSocket, with digest auth on both", () => {
            const url = new URL(o.sipWssUrl);
            const port = url.port || "443"; // URL drops wss's default port
            expect(port).toBe(layout === "port443" ? "443" : "8443");
            const r = run("node", [path.join(__dirname, "clients/sip-ws-call.mjs")], { allowFail: true, timeout: 40000, input: JSON.stringify({
                url: `wss://${proxy()}:${port}`, servername: url.hostname, ca: o.caCertPem, domain: o.endpoints.sip.domain,
                caller: { user: "roland", password: o.passwords.roland }, callee: { user: "alice", password: o.passwords.alice },
            }) });
            expect(JSON.parse(r.stdout.trim().split("\n").pop() || "{}")).toMatchObject({ ok: true, registered: 200, reachedCallee: true, final: 486, statuses: [401, 200, 407, 486] });
        });

        it("REGISTERs with sipsak, finding the proxy through DNS", () => {
            const r = sipsak(o.passwords.roland);
            expect(r.code).toBe(0);
        });

        it("refuses a wrong password", () => {
            expect(registerTls("not-the-password", 5061)).toMatchObject({ ok: false, statuses: [401, 401] });
            expect(sipsak("not-the-password").code).not.toBe(0);
        });

        it("keeps the registration across a Kamailio restart (user location in MariaDB)", () => {
            expect(registerTls(o.passwords.roland, 5061).ok).toBe(true);
            const pid = onHost(o, "systemctl show -p MainPID --value kamailio").trim();
            onHost(o, "systemctl restart kamailio && sleep 2");
            expect(onHost(o, "systemctl show -p MainPID --value kamailio").trim()).not.toBe(pid);
            // A restarted Kamailio loads the contacts from MariaDB (they show as synced, CS_SYNC).
            const ul = onHost(o, "kamctl ul show roland 2>&1 || true");
            expect(ul).toContain("sip:roland@198.51.100.1:5099;transport=tls");
            expect(ul).toContain("CS_SYNC");
        });
    });

    describe("WebRTC click-to-call", () => {
        let visitor: StackBrowser;
        let staff: StackBrowser;
        beforeAll(async () => {
            visitor = await launchBrowser({ caCertPem: o.caCertPem, dnsServer: o.dnsServer });
            staff = await launchBrowser({ caCertPem: o.caCertPem, dnsServer: o.dnsServer });
        });
        afterAll(async () => {
            await visitor?.close();
            await staff?.close();
        });
        /** The body of a /config.js, as the page gets it. */
        const configOf = (body: string) => JSON.parse(body.slice(body.indexOf("{"), body.lastIndexOf("}") + 1)) as {
            expires: number; webSocketUrl: string; iceTransportPolicy: string; destinations: { name: string; uri: string }[];
            guest: { uri: string; authorizationUser: string; password: string }; iceServers: { urls: string[]; username: string; credential: string }[];
        };
        const hostSecret = (name: string) => onHost(o, `cat /etc/pulumi-rtc/secrets/${name}`);
        const restCredential = (secret: string, username: string) => createHmac("sha1", secret).update(username).digest("base64");
        /** turnutils_uclient, client to client through the REST process's port, with these credentials. */
        const allocate = (user: string, password: string, port = "3480") =>
            run("turnutils_uclient", ["-y", "-n", "3", "-m", "1", "-l", "100", "-u", user, "-w", password, "-p", port, o.endpoints.turn.addresses[0]], { allowFail: true, timeout: 60000 });

        it("a visitor calls sales from the page; staff answers in the browser; audio flows both ways, relay to relay through our coturn", async () => {
            expect(o.clickToCallUrl).toBe("https://call.falcot.com/");
            const phone = await staff.browser.newPage();
            await phone.goto(o.endpoints.web.phoneUrl);
            await phone.fill("#user", "sales");
            await phone.fill("#password", o.passwords.sales);
            await phone.click("#sign-in-button");
            await waitForState(phone, "registered");

            const site = await visitor.browser.newPage();
            await site.goto(o.clickToCallUrl);
            await site.locator("button.call", { hasText: "Sales" }).click();
            await waitForState(phone, "incoming");
            await phone.click("#answer");
            await waitForState(site, "in-call");
            await waitForState(phone, "in-call");
            await site.waitForTimeout(4000);
            for (const [who, page] of [["visitor", site], ["staff", phone]] as const) {
                const st = await callStats(page);
                expect({ who, local: st.local?.candidateType, remote: st.remote?.candidateType, state: st.pair?.state }).toEqual({ who, local: "relay", remote: "relay", state: "succeeded" });
                expect(o.endpoints.turn.addresses).toContain(st.local!.address);
                expect(o.endpoints.turn.addresses).toContain(st.remote!.address);
                expect(st.pair!.bytesSent).toBeGreaterThan(2000);
                expect(st.pair!.bytesReceived).toBeGreaterThan(2000);
                expect(st.audioIn.packetsReceived).toBeGreaterThan(50);
                expect(st.audioOut.packetsSent).toBeGreaterThan(50);
            }
            await site.click("#hangup");
            await waitForState(phone, "ended");
            await site.close();
            await phone.close();
        });

        it("serves a config.js per request: never cached, fresh expiring credentials, never a shared secret", async () => {
            const site = await visitor.browser.newPage();
            await site.goto(o.clickToCallUrl);
            const fetched = await site.evaluate(async () => Promise.all([1, 2].map(async () => {
                const r = await fetch("/config.js");
                return { cacheControl: r.headers.get("cache-control"), body: await r.text() };
            })));
            await site.close();
            const [a, b] = fetched.map((f) => ({ ...f, config: configOf(f.body) }));
            expect(a.cacheControl).toBe("no-store");
            expect(a.config.guest.uri).not.toBe(b.config.guest.uri);
            expect(Math.abs(a.config.expires - (Date.now() / 1000 + 1800))).toBeLessThan(120);
            expect(a.config.webSocketUrl).toBe(o.sipWssUrl);
            expect(a.config.iceTransportPolicy).toBe("relay");
            expect(a.config.destinations.map((d) => d.uri)).toEqual(["sip:sales@sip.falcot.com", "sip:support@sip.falcot.com"]);
            expect(a.config.iceServers[0].urls).toEqual(o.endpoints.turn.restUris);
            const turnSecret = hostSecret("coturn-static-auth-secret");
            const guestSecret = hostSecret("kamailio-guest-secret");
            expect(turnSecret.length).toBeGreaterThanOrEqual(24);
            for (const f of fetched) {
                expect(f.body).not.toContain(turnSecret);
                expect(f.body).not.toContain(guestSecret);
            }
            const ice = a.config.iceServers[0];
            expect(ice.username).toMatch(new RegExp(`^${a.config.expires}:guest-[0-9a-f]+$`));
            expect(ice.credential).toBe(restCredential(turnSecret, ice.username));
            expect(a.config.guest.password).toBe(restCredential(guestSecret, a.config.guest.authorizationUser));
        });

        it("coturn takes a fresh config.js's credentials, refuses those of a config.js from an hour ago, and keeps the two kinds of credential apart", async () => {
            const site = await visitor.browser.newPage();
            await site.goto(o.clickToCallUrl);
            const config = configOf(await site.evaluate(() => fetch("/config.js").then((r) => r.text())));
            await site.close();
            const ice = config.iceServers[0];
            expect(allocate(ice.username, ice.credential).output).toMatch(/Total lost packets 0 /);
            // What a config.js made an hour ago holds: the same secret, an expiry half an hour past.
            const hourAgo = `${config.expires - 3600}:${ice.username.split(":")[1]}`;
            const stale = allocate(hourAgo, restCredential(hostSecret("coturn-static-auth-secret"), hourAgo));
            expect(stale.output).toMatch(/Cannot complete Allocation/);
            // Long-term users on coturn's own port, time-limited credentials on the second process's only.
            expect(allocate("roland", o.passwords.roland, "3478").output).toMatch(/Total lost packets 0 /);
            expect(allocate("roland", o.passwords.roland).output).toMatch(/Cannot complete Allocation/);
            expect(allocate(ice.username, ice.credential, "3478").output).toMatch(/Cannot complete Allocation/);
        });

        it("a GStreamer webrtcbin peer, registered as support over WSS, answers a visitor and sends the caller's audio back through our TURN", async () => {
            const site = await visitor.browser.newPage();
            await site.goto(o.clickToCallUrl);
            // The peer takes fresh time-limited TURN credentials from a config.js, as the README says.
            const ice = configOf(await site.evaluate(() => fetch("/config.js").then((r) => r.text()))).iceServers[0];
            const wss = new URL(o.sipWssUrl);
            const proxyAddress = zoneRecords(o.zone, "falcot.com").find(([n, t]) => n === `${wss.hostname}.` && t === "A")![2];
            const turn = `turn://${encodeURIComponent(ice.username)}:${encodeURIComponent(ice.credential)}@${o.endpoints.turn.addresses[0]}:3480`;
            const peer = spawn("/usr/bin/python3", ["examples/gstreamer-peer/peer.py", "--wss", o.sipWssUrl, "--user", "support", "--domain", o.endpoints.sip.domain,
                "--ca", caFile, "--turn", turn, "--resolve", `${wss.hostname}:${proxyAddress}`], { cwd: root, env: { ...env, SIP_PASSWORD: o.passwords.support } });
            const events: { event: string; [k: string]: unknown }[] = [];
            let stderr = "";
            peer.stdout!.on("data", (d: Buffer) => events.push(...d.toString().split("\n").filter(Boolean).map((l) => JSON.parse(l))));
            peer.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); });
            const exited = new Promise<number | null>((resolve) => peer.on("close", resolve));
            const seen = async (event: string, ms = 30000) => {
                for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
                    const e = events.find((x) => x.event === event);
                    if (e) return e;
                }
                throw new Error(`the peer never said ${event}: ${JSON.stringify(events)}\n${stderr.slice(-2000)}`);
            };
            try {
                await seen("registered");
                await site.locator("button.call", { hasText: "Support" }).click();
                await waitForState(site, "in-call");
                await seen("answered");
                await site.waitForTimeout(4000);
                const st = await callStats(site);
                expect({ local: st.local?.candidateType, remote: st.remote?.candidateType, state: st.pair?.state }).toEqual({ local: "relay", remote: "relay", state: "succeeded" });
                expect(o.endpoints.turn.addresses).toContain(st.local!.address);
                expect(o.endpoints.turn.addresses).toContain(st.remote!.address);
                // What the browser receives is what webrtcbin sent: the caller's own audio, back.
                expect(st.audioIn.packetsReceived).toBeGreaterThan(50);
                const rtp = events.filter((e) => e.event === "rtp").pop() as unknown as { received: number; sent: number };
                expect(rtp.received).toBeGreaterThan(50);
                expect(rtp.sent).toBeGreaterThan(50);
                await site.click("#hangup");
                await seen("bye");
            } finally {
                peer.kill("SIGTERM");
                await exited;
                await site.close();
            }
            expect(events.map((e) => e.event)).toContain("unregistered");
        });

        it("Kamailio refuses a guest's call to a user who is not a destination", async () => {
            const site = await visitor.browser.newPage();
            await site.goto(o.clickToCallUrl);
            await site.evaluate(() => { void (window as unknown as { clickToCall: { call(t: string): Promise<void> } }).clickToCall.call("sip:roland@sip.falcot.com"); });
            const text = await waitForState(site, "failed");
            expect(await site.locator("#state").getAttribute("data-status")).toBe("403");
            expect(text).toMatch(/403/);
            await site.close();
        });
    });

    describe("XMPP", () => {
        const service = xmppService;

        it("two users log in, join a room on the MUC component, and a message reaches the other", () => {
            const r = chat({ service: service(), room: `e2e-${layout}`, message: `hello from ${layout}`, users: [
                { jid: "alice@falcot.com", password: o.passwords.alice },
                { jid: "joe@falcot.com", password: o.passwords.joe },
            ] });
            const result = JSON.parse(r.stdout.trim().split("\n").pop()!);
            expect(result).toEqual({ ok: true, steps: ["both logged in over TLS", `both joined e2e-${layout}@conference.falcot.com`, expect.stringMatching(/^message arrived from e2e-/)] });
        });

        it("refuses a wrong password", () => {
            const r = chat({ service: service(), room: "never", message: "never", users: [
                { jid: "alice@falcot.com", password: "not-the-password" },
                { jid: "joe@falcot.com", password: o.passwords.joe },
            ] });
            expect(JSON.parse(r.stdout.trim().split("\n").pop()!)).toMatchObject({ ok: false, error: expect.stringMatching(/not-authorized/) });
        });

        it("refuses a login without TLS", () => {
            const a = service().replace(/^xmpps?:\/\//, "").replace(/:\d+$/, "");
            const r = chat({ mode: "plain-refused", plain: `${a}:5222` });
            expect(JSON.parse(r.stdout.trim().split("\n").pop()!)).toMatchObject({ ok: true, offersAuth: false });
        });

        it("presents a certificate that verifies against the stack's CA", () => {
            const a = service().replace(/^xmpps?:\/\//, "").replace(/:\d+$/, "");
            const r = run("openssl", ["s_client", "-connect", `${a}:5222`, "-starttls", "xmpp", "-xmpphost", "falcot.com", "-CAfile", caFile, "-verify_return_error", "-verify_hostname", "falcot.com"], { input: "", allowFail: true, timeout: 30000 });
            expect(r.output).toMatch(/Verify return code: 0 \(ok\)/);
        });
    });

    describe("exposure and faults", () => {
        type Rule = Outputs["exposure"][string][number];
        const expand = (rules: Rule[], protocol: "tcp" | "udp") => rules.filter((r) => r.protocol === protocol && r.to - r.from < 100)
            .flatMap((r) => Array.from({ length: r.to - r.from + 1 }, (_, i) => r.from + i));
        const publicAddresses = (type: "A" | "AAAA") => [...new Set(zoneRecords(o.zone, "falcot.com").filter(([, t]) => t === type).map(([, , a]) => a))].sort();
        /** nmap's verdict per address and port, from its greppable output. */
        const scan = (args: string[], addresses: string[]) => {
            const r = run("nmap", ["-n", "-Pn", "-oG", "-", ...args, ...addresses], { timeout: 600000 });
            const states: { address: string; port: number; state: string }[] = [];
            for (const line of r.stdout.split("\n")) {
                const m = /^Host: (\S+) .*Ports: (.*?)(\tIgnored State: (\S+) \((\d+)\))?$/.exec(line);
                if (!m) continue;
                for (const entry of m[2].split(", ")) {
                    const [port, state] = entry.split("/");
                    states.push({ address: m[1], port: Number(port), state });
                }
            }
            return { states, output: r.stdout };
        };
        const families = [
            { family: "IPv4", type: "A" as const, flags: [] as string[] },
            { family: "IPv6", type: "AAAA" as const, flags: ["-6"] },
        ];
        /** The published addresses of a family; with none published, the host must have none of that family to expose. */
        const scanTargets = (type: "A" | "AAAA") => {
            const addresses = publicAddresses(type);
            if (type === "A") expect(addresses.length).toBeGreaterThan(0);
            if (addresses.length === 0) expect(onHost(o, "ip -6 -o addr show scope global").trim()).toBe("");
            return addresses;
        };

        it.each(families)("every public $family address opens only the TCP ports the stack computes for the host, and drops the rest", ({ type, flags }) => {
            const addresses = scanTargets(type);
            if (addresses.length === 0) return;
            const expected = expand(Object.values(o.exposure)[0], "tcp").sort((a, b) => a - b);
            const { states, output } = scan([...flags, "-sS", "-p-", "-T4", "--min-rate", "8000", "--max-retries", "1"], addresses);
            const open = [...new Set(states.filter((x) => x.state === "open").map((x) => x.port))].sort((a, b) => a - b);
            // Over IPv4 every service listens: the open set is the computed one. Over IPv6 some bind IPv4 only.
            if (type === "A") expect(open).toEqual(expected);
            else expect(open.filter((p) => !expected.includes(p))).toEqual([]);
            expect(open).toContain(22);
            // Elsewhere dropped, not refused: only an opened port without a daemon on that address may answer "closed".
            expect(output).toMatch(/Ignored State: filtered \(\d+\)/);
            expect(states.filter((x) => x.state !== "open" && !expected.includes(x.port))).toEqual([]);
        });

        it.each(families)("answers on the services' UDP ports over $family, and drops UDP elsewhere", ({ type, flags }) => {
            const addresses = scanTargets(type);
            if (addresses.length === 0) return;
            const expected = expand(Object.values(o.exposure)[0], "udp");
            const elsewhere = [123, 161, 5353, 11211].filter((p) => !expected.includes(p));
            const { states } = scan([...flags, "-sU", "-p", [...expected, ...elsewhere].join(","), "--max-retries", "1"], addresses);
            // nmap speaks DNS and STUN on their ports: an answer proves a daemon behind an open port.
            const answering = type === "A" ? [53, 3478] : [53];
            for (const port of answering) expect({ port, answered: states.some((x) => x.port === port && x.state === "open") }).toEqual({ port, answered: true });
            for (const port of elsewhere) expect({ port, states: [...new Set(states.filter((x) => x.port === port).map((x) => x.state))] }).toEqual({ port, states: ["open|filtered"] });
        });

        it("a ruleset nft refuses changes nothing, and one that would shut SSH out reverts by itself", () => {
            const table = () => onHost(o, `nft list table ${FIREWALL_TABLE}`);
            const next = firewallDefaults.nextPath;
            const pending = () => onHost(o, `ls ${firewallPaths.stateDir}`).split("\n").filter((f) => f === "pending");
            // The apply step exactly as the host component runs it, with a short revert.
            const apply = () => sshToHost(o, `echo ${Buffer.from(firewallApplyScript(10)).toString("base64")} | base64 -d | sh`, { allowFail: true });
            const sshWorks = () => sshToHost(o, "true", { allowFail: true, connectTimeout: 3 }).code === 0;
            const before = table();
            onHost(o, `cp ${next} ${next}.e2e`);
            try {
                onHost(o, `echo 'this is not nftables' >> ${next}`);
                const broken = apply();
                expect(broken.code).not.toBe(0);
                expect(broken.output).toContain("nft refuses");
                expect({ table: table(), pending: pending() }).toEqual({ table: before, pending: [] });

                onHost(o, `grep -v 'comment "SSH"' ${next}.e2e > ${next}`);
                const shut = apply();
                expect(shut.output).toContain("reverts in 10 s unless confirmed");
                expect(shut.code).toBe(0);
                const t0 = Date.now();
                expect(sshWorks()).toBe(false);
                while (!sshWorks() && Date.now() - t0 < 40000) spawnSync("sleep", ["1"]);
                const seconds = Math.round((Date.now() - t0) / 1000);
                expect({ sshBackWithin40s: sshWorks(), seconds }).toMatchObject({ sshBackWithin40s: true });
                expect({ table: table(), pending: pending() }).toEqual({ table: before, pending: [] });
            } finally {
                onHost(o, `mv -f ${next}.e2e ${next}`);
            }
            expect(localEnv("pulumi", "preview", "--expect-no-changes").code).toBe(0);
        });

        it("refuses TLS 1.1 on every TLS port, and accepts TLS 1.2, and 1.3 where the daemon can", () => {
            const handshake = (e: ReturnType<typeof tlsEndpoints>[number], version: string) => {
                const r = run("openssl", ["s_client", "-connect", e.connect, ...e.extra, `-${version}`, ...(version === "tls1_1" ? ["-cipher", "DEFAULT@SECLEVEL=0"] : [])], { input: "", allowFail: true, timeout: 30000 });
                return new RegExp(`^New, TLSv1\\.${version.slice(-1)}, Cipher is (?!\\(NONE\\))`, "m").test(r.output);
            };
            for (const e of tlsEndpoints()) {
                // coturn 4.6.1 (Debian 12 and 13) hands every TLS 1.x hello to a TLS 1.2-only context: see README, Security.
                const tls13 = !e.unit.startsWith("coturn");
                expect({ at: e.connect, unit: e.unit, tls1_1: handshake(e, "tls1_1"), tls1_2: handshake(e, "tls1_2"), tls1_3: handshake(e, "tls1_3") })
                    .toEqual({ at: e.connect, unit: e.unit, tls1_1: false, tls1_2: true, tls1_3: tls13 });
            }
        });

        it("kill -9 of coturn, Kamailio, Prosody and MariaDB: each answers again within 10 s, with registrations and accounts kept", () => {
            expect(registerTls(o.passwords.roland, 5061).ok).toBe(true);
            const bindings = () => locationRows(o, "roland");
            const before = bindings();
            expect(before).toContain("198.51.100.1:5099");
            const turn = o.endpoints.turn.addresses[0];
            const answers: Record<string, () => boolean> = {
                coturn: () => run("turnutils_stunclient", ["-p", "3478", turn], { allowFail: true, timeout: 5000 }).code === 0,
                kamailio: () => registerTls(o.passwords.roland, 5061).ok,
                prosody: () => /Verify return code: 0/.test(run("openssl", ["s_client", "-connect", `${addressOf(o.endpoints.xmpp.hostname)}:5222`, "-starttls", "xmpp", "-xmpphost", "falcot.com", "-CAfile", caFile],
                    { input: "", allowFail: true, timeout: 5000 }).output),
                // MariaDB answers when Kamailio can store a registration in it again.
                mariadb: () => registerTls(o.passwords.roland, 5061).ok,
            };
            for (const [unit, answer] of Object.entries(answers)) {
                const pid = onHost(o, `systemctl show -p MainPID --value ${unit}`).trim();
                expect(Number(pid)).toBeGreaterThan(0);
                onHost(o, `kill -9 ${pid}`);
                const t0 = Date.now();
                let ok = false;
                while (!ok && Date.now() - t0 < 10000) {
                    ok = onHost(o, `systemctl show -p MainPID --value ${unit}`).trim() !== pid && answer();
                    if (!ok) spawnSync("sleep", ["0.5"]);
                }
                expect({ unit, answeredWithin10s: ok, seconds: ok ? Math.ceil((Date.now() - t0) / 1000) : "more than 10" }).toMatchObject({ unit, answeredWithin10s: true });
            }
            expect(bindings()).toBe(before);
            const r = chat({ service: xmppService(), room: `after-kill-${layout}`, message: "still here", users: [
                { jid: "alice@falcot.com", password: o.passwords.alice },
                { jid: "joe@falcot.com", password: o.passwords.joe },
            ] });
            expect(JSON.parse(r.stdout.trim().split("\n").pop()!)).toMatchObject({ ok: true });
            expect(localEnv("pulumi", "preview", "--expect-no-changes").code).toBe(0);
        });

        it("comes back after a reboot of the server with no pulumi up: services, registrations, accounts and the firewall", () => {
            expect(registerTls(o.passwords.roland, 5061).ok).toBe(true);
            const bindings = () => locationRows(o, "roland");
            const before = { bindings: bindings(), boot: onHost(o, "stat -c %Y /proc/1").trim(), ruleset: onHost(o, "nft list table inet pulumi_rtc") };
            expect(before.bindings).toContain("198.51.100.1:5099");
            localEnv("reboot");
            expect(onHost(o, "stat -c %Y /proc/1").trim()).not.toBe(before.boot);
            expect(onHost(o, "systemctl is-system-running").trim()).toBe("running");
            expect(onHost(o, "nft list table inet pulumi_rtc")).toBe(before.ruleset);
            expect(bindings()).toBe(before.bindings);
            expect(run("turnutils_stunclient", ["-p", "3478", o.endpoints.turn.addresses[0]]).output).toMatch(/UDP reflexive addr/);
            expect(registerTls(o.passwords.roland, 5061).ok).toBe(true);
            expect(run("dig", [`@${o.dnsServer}`, "+short", "falcot.com", "SOA"]).stdout).toMatch(/^ns1\.falcot\.com\. /);
            const r = chat({ service: xmppService(), room: `after-reboot-${layout}`, message: "back", users: [
                { jid: "alice@falcot.com", password: o.passwords.alice },
                { jid: "joe@falcot.com", password: o.passwords.joe },
            ] });
            expect(JSON.parse(r.stdout.trim().split("\n").pop()!)).toMatchObject({ ok: true });
            expect(localEnv("pulumi", "preview", "--expect-no-changes").code).toBe(0);
        });

        it("a pulumi up killed halfway through a change, then a shutdown of this machine: the next up:local converges, nothing lost", async () => {
            const before = onHost(o, "mysql -N kamailio -e 'SELECT username FROM subscriber ORDER BY username'").trim();
            localEnv("pulumi", "config", "set", "--path", "users.carol.services[0]", "sip");
            localEnv("pulumi", "config", "set", "--path", "users.carol.services[1]", "xmpp");
            localEnv("pulumi", "config", "set", "--path", "sip.floodLimit", layout === "standard" ? "30" : "34");
            {
                const up = spawn("bash", ["scripts/local-env.sh", "pulumi", "up", "--yes", "--skip-preview"], { cwd: root, env: { ...env, RTC_LOCAL_STACK: localStack }, detached: true });
                let log = "";
                up.stdout!.on("data", (d: Buffer) => { log += d.toString(); });
                up.stderr!.on("data", (d: Buffer) => { log += d.toString(); });
                const exited = new Promise((resolve) => up.on("exit", resolve));
                // Halfway: one remote step done, another under way.
                const t0 = Date.now();
                while (!(/command:remote:Command \S+ updated/.test(log) && /command:remote:Command \S+ updating/.test(log.split(/updated/).pop()!)) && Date.now() - t0 < 180000) {
                    await new Promise((r) => setTimeout(r, 200));
                }
                process.kill(-up.pid!, "SIGKILL");
                await exited;
                expect(log).toMatch(/command:remote:Command \S+ updated/);
                expect(log).not.toMatch(/^Resources:/m);
            }
            // The killed engine leaves its lock: pulumi itself stops there.
            const locked = run("bash", ["scripts/local-env.sh", "pulumi", "up", "--yes", "--skip-preview"], { allowFail: true, timeout: 600000, env: { ...env, RTC_LOCAL_STACK: localStack } });
            expect(locked.output).toMatch(/locked by 1 lock/);
            // Then this machine shuts down. `up:local` boots the containers and drops the dead engine's lock.
            const stopped = localEnv("stop").stdout.trim().split("\n").map((l) => JSON.parse(l) as { status: string; nspawnPid: number | null });
            expect(stopped).toEqual([expect.objectContaining({ status: "stopped", nspawnPid: null })]);
            const resumed = localEnv("up").output;
            printed.push(resumed);
            expect(resumed).toMatch(/dropping the lock of a pulumi that is gone/);
            expect(resumed).toMatch(/booting \S+ \(it was powered off\)/);
            expect(localEnv("pulumi", "preview", "--expect-no-changes").code).toBe(0);
            o = outputs();
            expect(onHost(o, "mysql -N kamailio -e 'SELECT username FROM subscriber ORDER BY username'").trim().split("\n")).toEqual([...before.split("\n"), "carol"].sort());
            expect(registerTls(o.passwords.carol, 5061, "carol").ok).toBe(true);
            expect(registerTls(o.passwords.roland, 5061).ok).toBe(true);
            const r = chat({ service: xmppService(), room: `after-interrupt-${layout}`, message: "converged", users: [
                { jid: "carol@falcot.com", password: o.passwords.carol },
                { jid: "joe@falcot.com", password: o.passwords.joe },
            ] });
            expect(JSON.parse(r.stdout.trim().split("\n").pop()!)).toMatchObject({ ok: true });
            localEnv("pulumi", "config", "rm", "--path", "users.carol");
            printed.push(localEnv("pulumi", "up", "--yes", "--skip-preview").output);
        });

        it.each([
            ["SIP", "sip.floodLimit", () => (layout === "standard" ? "20" : "24"), "kamailio"],
            // Each layout moves the value, so each variant makes a change.
            ["XMPP", "users.alice.xmppAdmin", () => (layout === "standard" ? "true" : "false"), "prosody"],
        ])("a change to %s's config restarts only its daemon", (_what, key, value, unit) => {
            const before = started(daemons);
            localEnv("pulumi", "config", "set", "--path", key, value());
            printed.push(localEnv("pulumi", "up", "--yes", "--skip-preview").output);
            const after = started(daemons);
            expect(daemons.filter((d) => after[d] !== before[d])).toEqual([unit]);
        });
    });

    describe("engine", () => {
        /** Secrets the stack gave the host, and those the host made itself (database passwords, the revision key). */
        const allSecrets = () => {
            const made = onHost(o, "cd /etc/pulumi-rtc && for f in secrets/* revision-key; do printf '%s ' \"$f\"; base64 -w0 \"$f\"; echo; done")
                .trim().split("\n").map((l) => l.split(" ")).map(([file, b64]) => ({ file, value: Buffer.from(b64, "base64").toString() }));
            expect(made.map((m) => m.file)).toEqual(expect.arrayContaining([`secrets/${SIP_DBRW_SECRET}`, `secrets/${SIP_DBRO_SECRET}`, "revision-key"]));
            const realms = [o.endpoints.turn.realm, o.endpoints.sip.domain];
            const ha1 = Object.entries(o.passwords).flatMap(([user, pw]) => realms.flatMap((realm) =>
                [`${user}:${realm}:${pw}`, `${user}@${o.endpoints.sip.domain}:${realm}:${pw}`].map((t) => createHash("md5").update(t).digest("hex"))));
            return [...Object.values(o.passwords), ...made.map((m) => m.value)].flatMap(tracesOf).concat(ha1);
        };

        it("keeps passwords, secrets made on the host, and digests of them out of the state", () => {
            const exported = localEnv("pulumi", "stack", "export").stdout;
            const stateDir = JSON.parse(run("bash", ["scripts/offline-env.sh", "--json"]).stdout.trim().split("\n").pop()!).PULUMI_RTC_STATE_DIR as string;
            // Every file of the state backend, history and backups included, read one by one (it outgrows a pipe buffer).
            const stateFiles = (fs.readdirSync(stateDir, { recursive: true }) as string[]).map((f) => path.join(stateDir, f)).filter((f) => fs.statSync(f).isFile());
            expect(stateFiles.length).toBeGreaterThan(0);
            const keyBody = Object.values(o.ssh)[0].privateKey.split("\n").slice(1, 3).join("\n");
            expect(keyBody.length).toBeGreaterThan(40);
            const secrets = [...allSecrets(), keyBody];
            expect(secrets.length).toBeGreaterThan(100);
            // Encrypted values are base64 that a short digest could match by chance: search the rest.
            const withoutCiphertext = (t: string) => t.replace(/"ciphertext":\s*"[^"]*"/g, "").replace(/"(salt|encryptedkey)":\s*"[^"]*"/g, "");
            const leaked = new Set<string>();
            for (const text of [exported, ...stateFiles.map((f) => fs.readFileSync(f, "utf8"))].map(withoutCiphertext)) {
                for (const secret of secrets) if (text.includes(secret)) leaked.add(secret);
            }
            expect([...leaked]).toEqual([]);
            expect(exported).toContain("ciphertext");
        });

        it("prints no secret while it brings the stack up", () => {
            const secrets = allSecrets();
            expect(printed.join("\n").length).toBeGreaterThan(1000);
            expect(secrets.filter((secret) => printed.some((p) => p.includes(secret)))).toEqual([]);
        });

        it("a second up changes nothing", () => {
            const r = localEnv("pulumi", "preview", "--expect-no-changes", "--diff");
            expect(r.code).toBe(0);
        });

        it("pulumi preview --diff shows the lines of a file that change and whom a users step adds, and no secret", () => {
            localEnv("pulumi", "config", "set", "--path", "clickToCall.credentialLifetime", "900");
            localEnv("pulumi", "config", "set", "--path", "users.carol.services[0]", "sip");
            try {
                const out = localEnv("pulumi", "preview", "--diff").output;
                // A JSON file's text diffs as JSON; a users step's script shows whom it works on (config keys come sorted).
                expect(out).toMatch(/^\s*~ lifetimeSeconds\s*: 1800 => 900$/m);
                expect(out).toMatch(/^\s*- # users: alice, roland, sales, support$/m);
                expect(out).toMatch(/^\s*\+ # users: alice, carol, roland, sales, support$/m);
                // The page's settings are read per request: a change there restarts no daemon.
                expect(out).not.toMatch(/click-to-call-service-nginx/);
                const secrets = [...Object.values(o.passwords), onHost(o, "cat /etc/pulumi-rtc/secrets/coturn-static-auth-secret")];
                expect(secrets.filter((x) => out.includes(x))).toEqual([]);
            } finally {
                localEnv("pulumi", "config", "rm", "--path", "users.carol");
                localEnv("pulumi", "config", "rm", "--path", "clickToCall.credentialLifetime");
            }
            expect(localEnv("pulumi", "preview", "--expect-no-changes").code).toBe(0);
        });

        it("changing one TURN user's password updates only TURN resources and restarts neither Prosody nor Kamailio", () => {
            const since = () => onHost(o, "systemctl show -p ActiveEnterTimestampMonotonic --value prosody kamailio").trim();
            const before = since();
            localEnv("pulumi", "config", "set", "--secret", "--path", "passwords.admin", `changed-${layout}-${Date.now()}`);
            const preview = JSON.parse(localEnv("pulumi", "preview", "--json").stdout) as { steps: { op: string; urn: string }[] };
            const changed = preview.steps.filter((s) => s.op !== "same").map((s) => s.urn);
            expect(changed.length).toBeGreaterThan(0);
            for (const urn of changed) expect(urn).toMatch(/rtc:index:TurnServer|pulumi:pulumi:Stack/);
            printed.push(localEnv("pulumi", "up", "--yes", "--skip-preview").output);
            expect(since()).toBe(before);
            o = outputs();
            expect(printed.filter((p) => p.includes(o.passwords.admin))).toEqual([]);
        });

        it("renews each certificate past its renewal point: every daemon serves its new one, and nothing else restarts", () => {
            const certType = "tls:index/locallySignedCert:LocallySignedCert";
            type State = { deployment: { resources: { urn: string; type: string; outputs: Record<string, unknown> }[] } };
            const exportState = () => JSON.parse(localEnv("pulumi", "stack", "export").stdout) as State;
            const certsIn = (state: State) => Object.fromEntries(state.deployment.resources.filter((r) => r.type === certType)
                .map((r) => [r.urn.split("::").pop()!, r.outputs.certPem as string]));
            const endpoints = tlsEndpoints().map((e): [string, string, string[]] => [e.cert, e.connect, e.extra]);
            const served = () => endpoints.map(([cert, connect, extra]) => ({ cert, connect, fingerprint: fingerprint(servedCertificate(connect, extra)) }));
            const expected = (certs: Record<string, string>) => endpoints.map(([cert, connect]) => ({ cert, connect, fingerprint: fingerprint(certs[cert]) }));
            const units = daemons;

            // Time passes: the provider compares each certificate's end of validity with its clock, and
            // this Go provider's clock cannot be moved, so the ends move into the past instead.
            const state = exportState();
            const before = certsIn(state);
            expect(Object.keys(before).sort()).toEqual(["falcot-sip", "falcot-turn", "falcot-web", "falcot-xmpp"]);
            expect(served()).toEqual(expected(before));
            for (const r of state.deployment.resources) if (r.type === certType) r.outputs.validityEndTime = "2025-01-01T00:00:00Z";
            const file = path.join(os.tmpdir(), `rtc-state-${process.pid}.json`);
            fs.writeFileSync(file, JSON.stringify(state));
            localEnv("pulumi", "stack", "import", "--file", file);
            fs.rmSync(file);
            const startedBefore = started(units);

            const preview = JSON.parse(localEnv("pulumi", "preview", "--json").stdout) as { steps: { op: string; urn: string }[] };
            const replaced = preview.steps.filter((st) => st.op === "replace").map((st) => st.urn.split("::").pop()).sort();
            expect(replaced).toEqual(["falcot-sip", "falcot-turn", "falcot-web", "falcot-xmpp"]);
            printed.push(localEnv("pulumi", "up", "--yes", "--skip-preview").output);

            const after = certsIn(exportState());
            for (const name of Object.keys(before)) expect({ name, renewed: after[name] !== before[name] }).toEqual({ name, renewed: true });
            expect(served()).toEqual(expected(after));
            const startedAfter = started(units);
            for (const unit of units) {
                const restarted = startedAfter[unit] !== startedBefore[unit];
                expect({ unit, restarted }).toEqual({ unit, restarted: ["coturn", "coturn-rest", "kamailio", "prosody", "nginx"].includes(unit) });
            }
            expect(localEnv("pulumi", "preview", "--expect-no-changes").code).toBe(0);
        });
    });
});

describe("down:local", () => {
    it("leaves no container, namespace or link behind", () => {
        // The last layout's afterAll has taken the environment down.
        expect(run("ip", ["netns", "list"]).stdout).not.toMatch(/rtc-local/);
        expect(run("ip", ["-o", "link"]).stdout).not.toMatch(/rtc-local/);
        expect(run("pgrep", ["-f", "systemd-nspawn.*local0"], { allowFail: true }).stdout.trim()).toBe("");
        expect(fs.existsSync("/var/lib/pulumi-rtc/machines/local0")).toBe(false);
        expect(fs.existsSync("/var/lib/pulumi-rtc/machines/localnat0")).toBe(false);
    });
});

// The README's "Stand it up on real servers" path against a bare Debian server (the local host's shell
// layer with no services), then `pulumi destroy`, which must leave the server as it was.
describe("a bare server, stood up as the README says, and destroyed", () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-real-"));
    const keys = path.join(work, "keys");
    const project = path.join(work, "project");
    const address = "198.51.100.19";
    let penv: NodeJS.ProcessEnv = {};
    const secrets: Record<string, string> = { roland: "roland's long password", admin: "admin's long password", joe: "joe's long password" };

    const ssh = (command: string) => run("ssh", ["-i", path.join(keys, "client"), "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${path.join(keys, "known_hosts")}`,
        "-o", "BatchMode=yes", `root@${address}`, command]).stdout;
    const pulumi = (args: string[], input?: string) => {
        const r = spawnSync("pulumi", [...args, "--non-interactive"], { cwd: project, env: penv, input, encoding: "utf8", timeout: 1800000, maxBuffer: 64 * 1024 * 1024 });
        if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed (${r.status}):\n${`${r.stdout}${r.stderr}`.slice(-4000)}`);
        return r.stdout;
    };
    // What the server has: packages, listening sockets, files outside what the system itself churns.
    const volatile = ["/var/lib/apt", "/var/cache", "/var/log", "/var/lib/dpkg", "/var/lib/systemd", "/var/lib/ucf", "/var/backups", "/var/lib/dbus", "/var/tmp", "/etc/ld.so.cache"];
    const snapshot = () => ({
        packages: ssh("dpkg-query -W -f='${db:Status-Status} ${Package}\\n' | awk '$1 == \"installed\" { print $2 }' | sort").trim().split("\n"),
        listening: ssh("ss -Htlnu | awk '{print $1, $5}' | sort -u").trim().split("\n"),
        files: ssh(`find / -xdev \\( -type f -o -type l \\) ${volatile.map((v) => `-not -path '${v}*'`).join(" ")} -not -path '/proc/*' -not -path '/tmp/*' -not -path '/run/*' | sort`).trim().split("\n"),
        hostname: ssh("hostname").trim(),
    });
    const clientsWork = () => {
        const ca = path.join(work, "ca.pem");
        fs.writeFileSync(ca, pulumi(["stack", "output", "caCertPem"]).trim());
        expect(run("turnutils_stunclient", ["-p", "3478", address]).output).toMatch(/UDP reflexive addr/);
        const relay = run("turnutils_uclient", ["-y", "-n", "3", "-m", "1", "-l", "100", "-u", "roland", "-w", secrets.roland, "-p", "3478", address], { timeout: 60000 });
        expect(relay.output).toMatch(/Total lost packets 0 /);
        const sip = run("node", [path.join(__dirname, "clients/sip-register.mjs")], { allowFail: true, timeout: 30000, input: JSON.stringify({
            host: address, port: 5061, domain: "sip.falcot.com", user: "roland", password: secrets.roland, contact: "sip:roland@198.51.100.1:5099;transport=tls", ca: fs.readFileSync(ca, "utf8"),
        }) });
        expect(JSON.parse(sip.stdout.trim().split("\n").pop() || "{}")).toMatchObject({ ok: true, statuses: [401, 200] });
        const xmpp = run("openssl", ["s_client", "-connect", `${address}:5222`, "-starttls", "xmpp", "-xmpphost", "falcot.com", "-CAfile", ca, "-verify_return_error", "-verify_hostname", "falcot.com"], { input: "", allowFail: true, timeout: 30000 });
        expect(xmpp.output).toMatch(/Verify return code: 0 \(ok\)/);
        expect(run("dig", [`@${address}`, "+short", "_sips._tcp.sip.falcot.com", "SRV"]).stdout).toContain("5061 sip-proxy.falcot.com.");
        expect(ssh("hostname").trim()).toBe("server1.falcot.com");
    };
    let before: ReturnType<typeof snapshot>;

    beforeAll(() => {
        fs.mkdirSync(keys, { mode: 0o700 });
        fs.mkdirSync(project);
        for (const k of ["client", "host"]) run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `rtc-real-${k}`, "-f", path.join(keys, k)]);
        run("bash", ["scripts/local/host.sh", "create"], { timeout: 600000, input: JSON.stringify({
            name: "real0", ipv4: [address, "198.51.100.20", "198.51.100.21"], ipv6: ["2001:db8:1000:2000::19"], hostGateway4: "198.51.100.1", hostGateway6: "2001:db8:1000:2000::1",
            authorizedKey: fs.readFileSync(path.join(keys, "client.pub"), "utf8").trim(), hostKeyPrivate: fs.readFileSync(path.join(keys, "host"), "utf8"),
        }) });
        fs.writeFileSync(path.join(keys, "known_hosts"), `${address} ${fs.readFileSync(path.join(keys, "host.pub"), "utf8").trim()}\n`);
        before = snapshot();

        // As the README says: a project, a stack with its own passphrase, the config, secrets from stdin.
        penv = { ...engineEnv({ PULUMI_RTC_STATE_DIR: path.join(work, "state") }), PULUMI_CONFIG_PASSPHRASE: "a passphrase of this test's own" };
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), ["name: falcot-rtc", "runtime:", "  name: nodejs", "  options:", "    typescript: true",
            `main: ${path.relative(project, path.join(root, "index.ts"))}`, ""].join("\n"));
        pulumi(["stack", "init", "falcot"]);
        fs.copyFileSync(path.join(root, "Pulumi.falcot.yaml"), path.join(project, "Pulumi.falcot.yaml"));
        const keyscan = run("ssh-keyscan", ["-t", "ed25519", address]).stdout; // pasted as printed
        pulumi(["config", "set", "--path", "hosts.server1.ssh.hostKey"], keyscan);
        pulumi(["config", "set", "--path", "dns.backend", "bind"]);
        pulumi(["config", "rm", "--path", "dns.zoneId"]);
        pulumi(["config", "set", "--path", "services.dns", "server1"]);
        pulumi(["config", "set", "--secret", "sshPrivateKey"], fs.readFileSync(path.join(keys, "client"), "utf8"));
        for (const [user, pw] of Object.entries(secrets)) pulumi(["config", "set", "--secret", "--path", `passwords.${user}`], pw);
        pulumi(["up", "--yes", "--skip-preview"]);
    }, 1800000);

    afterAll(() => {
        try {
            pulumi(["destroy", "--yes", "--skip-preview"]);
        } catch { /* already destroyed */ }
        run("bash", ["scripts/local/host.sh", "delete", "real0"], { allowFail: true, timeout: 300000 });
        fs.rmSync(work, { recursive: true, force: true });
    }, 1800000);

    it("serves TURN, SIP, XMPP and DNS to real clients", () => {
        clientsWork();
    });

    it("destroy leaves the server as it was: nothing listening, no file, no package of the stack's", () => {
        pulumi(["destroy", "--yes", "--skip-preview"]);
        const after = snapshot();
        expect(after.hostname).toBe(before.hostname);
        expect(after.listening).toEqual(before.listening);
        expect({ added: after.packages.filter((p) => !before.packages.includes(p)), removed: before.packages.filter((p) => !after.packages.includes(p)) }).toEqual({ added: [], removed: [] });
        expect({ added: after.files.filter((f) => !before.files.includes(f)), removed: before.files.filter((f) => !after.files.includes(f)) }).toEqual({ added: [], removed: [] });
    });

    it("a new up gives a working server again", () => {
        pulumi(["up", "--yes", "--skip-preview"]);
        clientsWork();
    });
});
