import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as vm from "vm";
import { Browser, Page, chromium } from "playwright-core";
import { secretPlaceholder, secretsUsed } from "../../components/common/managed";
import {
    CLICK_TO_CALL_SIP_GUEST_SECRET, CLICK_TO_CALL_TURN_SECRET, ClickToCallSettings, NginxSiteConfig, renderClickToCallSettings, renderNginxSite,
} from "../../components/web/render";

// The render tier for click-to-call: the built page, the rendered nginx site and the njs module, served by
// Debian's own nginx and njs on 127.0.0.1 (free ports; nginx in a throw-away pid namespace), checked over TLS.

const repo = path.resolve(__dirname, "../..");
const hostname = "call.falcot.com";
const chromiumPath = "/usr/lib/chromium/chromium";
const turnSecret = crypto.randomBytes(32).toString("base64");
const sipGuestSecret = crypto.randomBytes(32).toString("base64");

const baseSettings: ClickToCallSettings = {
    webSocketUrl: "wss://sip-proxy.falcot.com:8443",
    sipDomain: "falcot.com",
    guestDomain: "guest.falcot.com",
    displayName: "Web caller",
    destinations: [
        { name: "sales", label: "Sales", uri: "sip:sales@falcot.com" },
        { name: "support", label: "Support & help", uri: "sip:support@falcot.com" },
    ],
    turnUris: ["turn:turn-server.falcot.com:3480?transport=udp", "turn:turn-server.falcot.com:3480?transport=tcp", "turns:turn-server.falcot.com:5351?transport=tcp"],
    lifetimeSeconds: 1800,
    iceTransportPolicy: "relay",
};

interface Reply {
    status: number;
    headers: http.IncomingHttpHeaders;
    rawHeaders: string;
    body: string;
}

const hmac = (secret: string, text: string): string => crypto.createHmac("sha1", secret).update(text).digest("base64");

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.on("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

function openssl(cwd: string, ...args: string[]): void {
    execFileSync("openssl", args, { cwd, stdio: "pipe" });
}

/** A throw-away CA, and a server certificate it signs for `names`. */
function makeCertificates(dir: string, ...names: string[]): void {
    openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=click-to-call test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    openssl(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", `/CN=${names[0]}`);
    fs.writeFileSync(path.join(dir, "server.ext"), `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
    openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.pem");
}

function waitForPort(port: number, ms: number): Promise<void> {
    const until = Date.now() + ms;
    return new Promise((resolve, reject) => {
        const attempt = (): void => {
            const s = net.connect(port, "127.0.0.1");
            s.once("connect", () => {
                s.destroy();
                resolve();
            });
            s.once("error", () => {
                s.destroy();
                if (Date.now() > until) reject(new Error(`nothing listens on 127.0.0.1:${port}`));
                else setTimeout(attempt, 50);
            });
        };
        attempt();
    });
}

describe("click-to-call site on Debian's nginx and njs", () => {
    let tmp = "";
    let www = "";
    let port = 0;
    let redirectPort = 0;
    let sipPort = 0;
    let settings: ClickToCallSettings = baseSettings;
    let ca = "";
    let site: NginxSiteConfig;
    let mainConf = "";
    let nginx: ChildProcess | undefined;
    let nginxOutput = "";

    function request(method: string, urlPath: string): Promise<Reply> {
        return new Promise((resolve, reject) => {
            const req = https.request({ host: "127.0.0.1", port, servername: hostname, ca, method, path: urlPath, headers: { Host: hostname }, agent: false }, (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (d) => (body += d));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders.join("\n"), body }));
            });
            req.on("error", reject);
            req.end();
        });
    }
    const get = (urlPath: string): Promise<Reply> => request("GET", urlPath);

    beforeAll(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-click-to-call-"));
        fs.chmodSync(tmp, 0o755); // nginx's workers run as www-data, as on Debian
        www = path.join(tmp, "www");
        execFileSync("node", [path.join(repo, "scripts/build-web.mjs"), "--outdir", www], { cwd: repo, stdio: "pipe" });
        // A stray file in the web root: only the page's own files may be served.
        fs.writeFileSync(path.join(www, "settings.json"), "{\"stray\": true}\n");
        makeCertificates(tmp, hostname, "sip-proxy.falcot.com");
        ca = fs.readFileSync(path.join(tmp, "ca.pem"), "utf8");
        fs.mkdirSync(path.join(tmp, "click-to-call"));
        const njsPath = path.join(tmp, "click-to-call/config.js");
        fs.copyFileSync(path.join(repo, "components/web/njs/config.js"), njsPath);
        [port, redirectPort, sipPort] = [await freePort(), await freePort(), await freePort()];
        settings = { ...baseSettings, webSocketUrl: `wss://sip-proxy.falcot.com:${sipPort}` };
        const settingsPath = path.join(tmp, "click-to-call/settings.json");
        const rendered = renderClickToCallSettings(settings)
            .replace(secretPlaceholder(CLICK_TO_CALL_TURN_SECRET), turnSecret)
            .replace(secretPlaceholder(CLICK_TO_CALL_SIP_GUEST_SECRET), sipGuestSecret);
        fs.writeFileSync(settingsPath, rendered, { mode: 0o640 });
        execFileSync("chown", ["root:www-data", settingsPath]);

        site = {
            hostname, listen: [{ address: "127.0.0.1", port }], httpRedirect: [{ address: "127.0.0.1", port: redirectPort }],
            certFile: path.join(tmp, "server.pem"), keyFile: path.join(tmp, "server.key"), root: www, njsPath,
        };
        fs.mkdirSync(path.join(tmp, "conf.d"));
        fs.writeFileSync(path.join(tmp, "conf.d/click-to-call.conf"), renderNginxSite(site));
        mainConf = path.join(tmp, "nginx.conf");
        fs.writeFileSync(mainConf, [
            "load_module /usr/lib/nginx/modules/ngx_http_js_module.so;",
            "user www-data;",
            "worker_processes 1;",
            "daemon off;",
            `pid ${tmp}/nginx.pid;`,
            "error_log stderr notice;",
            "events { worker_connections 64; }",
            "http {",
            "    access_log off;",
            // As in Debian's nginx.conf: the site must narrow this itself.
            "    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;",
            ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path ${tmp}/${t};`),
            // The test's settings file; on a host the module reads /etc/nginx/click-to-call/settings.json.
            `    js_var $click_to_call_settings ${settingsPath};`,
            `    include ${tmp}/conf.d/*.conf;`,
            "}",
            "",
        ].join("\n"));

        // A pid namespace: when unshare goes (or jest, through the parent-death signal), nginx goes with it.
        nginx = spawn("setpriv", ["--pdeathsig", "KILL", "unshare", "--pid", "--fork", "--kill-child", "nginx", "-c", mainConf, "-p", `${tmp}/`], { stdio: ["ignore", "pipe", "pipe"] });
        nginx.stdout?.on("data", (d) => (nginxOutput += d));
        nginx.stderr?.on("data", (d) => (nginxOutput += d));
        try {
            await waitForPort(port, 10_000);
        } catch (e) {
            throw new Error(`${(e as Error).message}\n${nginxOutput}`);
        }
    });

    afterAll(async () => {
        if (nginx && nginx.exitCode === null) {
            const exited = new Promise((resolve) => nginx!.once("exit", resolve));
            nginx.kill("SIGKILL"); // unshare --fork ignores SIGTERM; --kill-child takes the namespace down
            await exited;
        }
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("nginx -t accepts the rendered site", () => {
        const r = spawnSync("nginx", ["-t", "-c", mainConf, "-p", `${tmp}/`], { encoding: "utf8" });
        expect(r.stderr).toContain("test is successful");
        expect(r.status).toBe(0);
    });

    it("GET /config.js: fresh guest credentials per request, TURN REST and auth_ephemeral style, never the secrets", async () => {
        const configs = [];
        for (let i = 0; i < 2; i++) {
            const before = Math.floor(Date.now() / 1000);
            const r = await get("/config.js");
            const after = Math.floor(Date.now() / 1000);
            expect(r.status).toBe(200);
            expect(r.headers["content-type"]).toBe("application/javascript; charset=utf-8");
            expect(r.headers["cache-control"]).toBe("no-store");
            expect(r.headers["content-security-policy"]).toContain("default-src 'self'");
            for (const secret of [turnSecret, sipGuestSecret]) {
                expect(r.body).not.toContain(secret);
                expect(r.rawHeaders).not.toContain(secret);
            }
            expect(r.body).not.toContain("@@SECRET");
            expect(r.body.startsWith("window.CLICK_TO_CALL_CONFIG = ")).toBe(true);

            const sandbox: { window: { CLICK_TO_CALL_CONFIG?: Record<string, unknown> } } = { window: {} };
            vm.runInNewContext(r.body, sandbox, { timeout: 1000 });
            const cfg = JSON.parse(JSON.stringify(sandbox.window.CLICK_TO_CALL_CONFIG));
            expect(Object.keys(cfg).sort()).toEqual(["destinations", "expires", "guest", "iceServers", "iceTransportPolicy", "sipDomain", "webSocketUrl"]);
            expect(cfg.expires).toBeGreaterThanOrEqual(before + settings.lifetimeSeconds);
            expect(cfg.expires).toBeLessThanOrEqual(after + settings.lifetimeSeconds);
            const id = /^sip:(guest-[0-9a-f]{16})@guest\.falcot\.com$/.exec(cfg.guest.uri)?.[1];
            expect(id).toBeDefined();
            const user = `${cfg.expires}:${id}`;
            expect(cfg).toEqual({
                webSocketUrl: settings.webSocketUrl,
                sipDomain: "falcot.com",
                destinations: settings.destinations,
                iceTransportPolicy: "relay",
                expires: cfg.expires,
                guest: { uri: `sip:${id}@guest.falcot.com`, authorizationUser: user, password: hmac(sipGuestSecret, user), displayName: "Web caller" },
                iceServers: [{ urls: settings.turnUris, username: user, credential: hmac(turnSecret, user) }],
            });
            configs.push(cfg);
        }
        expect(configs[0].guest.uri).not.toBe(configs[1].guest.uri);
        expect(configs[0].guest.password).not.toBe(configs[1].guest.password);
    });

    it("answers only GET and HEAD on /config.js", async () => {
        expect((await request("HEAD", "/config.js")).status).toBe(200);
        const post = await request("POST", "/config.js");
        expect(post.status).toBe(403);
        expect(post.body).not.toContain(turnSecret);
    });

    it("serves the pages with the security headers", async () => {
        const index = await get("/");
        expect(index.status).toBe(200);
        expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
        expect(index.body).toContain('<body data-page="guest">');
        expect(index.body).toContain('<script defer src="/config.js"></script>');
        expect(index.headers["content-security-policy"]).toBe(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self' blob:; connect-src 'self' wss:; " +
            "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        expect(index.headers["x-content-type-options"]).toBe("nosniff");
        expect(index.headers["referrer-policy"]).toBe("no-referrer");
        expect(index.headers["cache-control"]).toBe("max-age=300");
        expect(index.headers.server).toBe("nginx");

        const phone = await get("/phone.html");
        expect(phone.status).toBe(200);
        expect(phone.body).toContain('<body data-page="phone">');
        expect((await get("/index.html")).body).toBe(index.body);

        const bundle = await get("/click-to-call.js");
        expect(bundle.status).toBe(200);
        expect(bundle.headers["content-type"]).toBe("application/javascript; charset=utf-8");
        expect(bundle.body).toBe(fs.readFileSync(path.join(www, "click-to-call.js"), "utf8"));
        expect(bundle.headers["content-security-policy"]).toBeDefined();

        const css = await get("/style.css");
        expect(css.status).toBe(200);
        expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
    });

    it.each([
        ["/settings.json", 404], ["/config.js/../settings.json", 404], ["/click-to-call/settings.json", 404], ["/etc/nginx/click-to-call/settings.json", 404],
        ["/config.js/", 404], ["/config.json", 404], ["/index.htm", 404], ["/phone", 404], ["/.git/config", 404], ["/dist/click-to-call.js", 404],
        ["/njs/config.js", 404], ["/%2e%2e/settings.json", 400], ["/../../etc/passwd", 400],
    ])("GET %s is %d", async (urlPath, status) => {
        const r = await get(urlPath);
        expect(r.status).toBe(status);
        expect(r.headers["content-security-policy"]).toBeDefined();
        expect(r.body).not.toContain("stray");
        expect(r.body).not.toContain(turnSecret);
    });

    it("redirects plain HTTP to the HTTPS site", async () => {
        const r = await new Promise<http.IncomingMessage>((resolve, reject) => {
            http.get({ host: "127.0.0.1", port: redirectPort, path: "/phone.html?x=1", headers: { Host: "evil.example" }, agent: false }, resolve).on("error", reject);
        });
        r.resume();
        expect(r.statusCode).toBe(301);
        expect(r.headers.location).toBe(`https://${hostname}:${port}/phone.html?x=1`);
    });

    it.each([
        ["-tls1_1", false],
        ["-tls1_2", true],
        ["-tls1_3", true],
    ])("openssl s_client %s: accepted %s", (flag, accepted) => {
        // SECLEVEL=0 so that the client really offers TLS 1.1: the refusal must be the server's.
        const r = spawnSync("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", hostname, "-CAfile", path.join(tmp, "ca.pem"),
            "-verify_return_error", flag, ...(flag === "-tls1_1" ? ["-cipher", "DEFAULT@SECLEVEL=0"] : [])], { input: "", encoding: "utf8", timeout: 10_000 });
        const out = r.stdout + r.stderr;
        if (accepted) {
            expect(r.status).toBe(0);
            expect(out).toMatch(new RegExp(`New, TLSv1\\.${flag.slice(-1)}, Cipher is`));
            expect(out).toContain("Verify return code: 0 (ok)");
        } else {
            expect(r.status).not.toBe(0);
            expect(out).toContain("alert protocol version"); // the server's refusal (Debian's default ssl_protocols gives "internal error")
        }
    });

    it("refuses a control character, or nginx syntax, in any value", () => {
        expect(() => renderNginxSite({ ...site, hostname: "call.falcot.com\nlocation" })).toThrow(/control character/);
        expect(() => renderNginxSite({ ...site, root: "/var/www/x; autoindex on" })).toThrow(/nginx reads as syntax/);
        expect(() => renderNginxSite({ ...site, listen: [{ address: "127.0.0.1", port: 0 }] })).toThrow(/bad port/);
        expect(() => renderClickToCallSettings({ ...settings, displayName: "a\u2028b" })).toThrow(/control character/);
    });

    // The page's behaviour with the real SIP proxy and TURN server is the e2e tier's (tests/e2e).
    describe("in headless Chromium", () => {
        let browser: Browser;
        const origin = (): string => `https://${hostname}:${port}`;

        beforeAll(async () => {
            const home = path.join(tmp, "home");
            const nssdb = `sql:${home}/.pki/nssdb`;
            fs.mkdirSync(path.join(home, ".pki/nssdb"), { recursive: true });
            execFileSync("certutil", ["-d", nssdb, "-N", "--empty-password"]);
            execFileSync("certutil", ["-d", nssdb, "-A", "-t", "C,,", "-n", "click-to-call test CA", "-i", path.join(tmp, "ca.pem")]);
            browser = await chromium.launch({
                executablePath: chromiumPath,
                env: { ...process.env, HOME: home },
                args: ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                    `--host-resolver-rules=MAP ${hostname} 127.0.0.1, MAP sip-proxy.falcot.com 127.0.0.1, MAP * ~NOTFOUND`],
            });
        });
        afterAll(async () => {
            await browser?.close();
        });

        /** A page, and the page errors and CSP refusals it logs. */
        async function open(urlPath: string): Promise<{ page: Page; problems: string[] }> {
            const page = await browser.newPage();
            const problems: string[] = [];
            page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
            page.on("console", (m) => {
                if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
            });
            await page.goto(`${origin()}${urlPath}`);
            await page.waitForSelector("#state[data-state=idle]");
            return { page, problems };
        }

        it("the guest page has one button per destination; with no SIP server a call fails cleanly", async () => {
            const { page, problems } = await open("/");
            const buttons = page.locator("#destinations button.call");
            expect(await buttons.allTextContents()).toEqual(settings.destinations.map((d) => d.label));
            expect(await buttons.evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.uri))).toEqual(settings.destinations.map((d) => d.uri));
            expect(await page.evaluate(() => [window.clickToCall.state, window.clickToCall.session])).toEqual(["idle", null]);
            await buttons.first().click();
            await page.waitForSelector("#state[data-state=failed]", { timeout: 30_000 });
            expect(await page.textContent("#state")).toBe(`Call to Sales failed: cannot reach the SIP server ${settings.webSocketUrl}.`);
            expect(await buttons.first().isEnabled()).toBe(true);
            expect(await page.isDisabled("#hangup")).toBe(true);
            expect(problems).toEqual([]);
            await page.close();
        });

        it("the phone page, with no SIP server, fails to sign in cleanly", async () => {
            const { page, problems } = await open("/phone.html");
            expect(await page.textContent("#sip-domain")).toBe("@falcot.com");
            await page.fill("#user", "alice");
            await page.fill("#password", "not-a-real-password");
            await page.click("#sign-in-button");
            await page.waitForSelector("#state[data-state=failed]", { timeout: 30_000 });
            expect(await page.textContent("#state")).toBe(`Cannot reach the SIP server ${settings.webSocketUrl}.`);
            expect(page.url()).toBe(`${origin()}/phone.html`);
            expect(problems).toEqual([]);
            await page.close();
        });
    });
});

describe("renderNginxSite and renderClickToCallSettings, as text", () => {
    it("renders IPv4 and IPv6 listeners, the redirect, and the njs location", () => {
        const text = renderNginxSite({
            hostname: "call.falcot.com",
            listen: [{ address: "198.51.100.19", port: 443 }, { address: "2001:db8:1000:2000::19", port: 443 }],
            httpRedirect: [{ address: "198.51.100.19" }, { address: "2001:db8:1000:2000::19" }],
            certFile: "/etc/nginx/click-to-call/tls/call.falcot.com.crt",
            keyFile: "/etc/nginx/click-to-call/tls/call.falcot.com.key",
            root: "/var/www/click-to-call",
            njsPath: "/etc/nginx/click-to-call/config.js",
        });
        expect(text).toBe([
            "# Managed by pulumi-rtc (Pulumi). Do not edit by hand:",
            "# changes are overwritten by the next `pulumi up`.",
            "",
            "# WebRTC click-to-call: the guest page, the staff phone, and /config.js made per request by njs.",
            "server {",
            "    listen 198.51.100.19:443 ssl http2;",
            "    listen [2001:db8:1000:2000::19]:443 ssl http2;",
            "    server_name call.falcot.com;",
            "    server_tokens off;",
            "",
            "    ssl_certificate /etc/nginx/click-to-call/tls/call.falcot.com.crt;",
            "    ssl_certificate_key /etc/nginx/click-to-call/tls/call.falcot.com.key;",
            "    ssl_protocols TLSv1.2 TLSv1.3;",
            "    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" +
                "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;",
            "    ssl_prefer_server_ciphers off;",
            "    ssl_session_tickets off;",
            "",
            "    root /var/www/click-to-call;",
            "    index index.html;",
            "    types { text/html html; text/css css; application/javascript js; }",
            "    default_type application/octet-stream;",
            "    charset utf-8;",
            "    charset_types text/css application/javascript;",
            "",
            "    add_header Content-Security-Policy \"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self' blob:; " +
                "connect-src 'self' wss:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'\" always;",
            "    add_header X-Content-Type-Options nosniff always;",
            "    add_header Referrer-Policy no-referrer always;",
            "    add_header X-Frame-Options DENY always;",
            "    add_header Permissions-Policy \"microphone=(self), camera=(), geolocation=()\" always;",
            "    add_header Strict-Transport-Security \"max-age=31536000\" always;",
            "",
            "    js_import clicktocall from /etc/nginx/click-to-call/config.js;",
            "",
            "    # Fresh guest credentials on every request; the module itself answers Cache-Control: no-store.",
            "    location = /config.js {",
            "        limit_except GET { deny all; }",
            "        js_content clicktocall.configJs;",
            "    }",
            "",
            "    # The built page, and nothing else.",
            "    location = / {",
            "        # index.html, through the location below",
            "    }",
            "    location ~ ^/(index\\.html|phone\\.html|style\\.css|click-to-call\\.js)$ {",
            "        expires 5m;",
            "    }",
            "    location / {",
            "        return 404;",
            "    }",
            "}",
            "",
            "server {",
            "    listen 198.51.100.19:80;",
            "    listen [2001:db8:1000:2000::19]:80;",
            "    server_name call.falcot.com;",
            "    server_tokens off;",
            "    return 301 https://call.falcot.com$request_uri;",
            "}",
            "",
        ].join("\n"));
    });

    it("keeps the secrets as placeholders, and is JSON", () => {
        const settings = baseSettings;
        const text = renderClickToCallSettings(settings);
        expect(secretsUsed(text)).toEqual([CLICK_TO_CALL_TURN_SECRET, CLICK_TO_CALL_SIP_GUEST_SECRET]);
        expect(JSON.parse(text)).toEqual({
            ...settings,
            turnSecret: secretPlaceholder(CLICK_TO_CALL_TURN_SECRET),
            sipGuestSecret: secretPlaceholder(CLICK_TO_CALL_SIP_GUEST_SECRET),
        });
    });
});
