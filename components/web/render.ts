import { managedHeader, secretPlaceholder } from "../common/managed";
import { tls12CipherList } from "../common/tlsPolicy";
import { refuseControlCharacters } from "../common/plainText";
import { familyOf } from "../common/addresses";

// WebRTC click-to-call (Debian Administrator's Handbook §11.8.6): nginx's site, which serves the built page
// and answers /config.js from an njs module, and the settings that module reads per request. Pure.

export const CLICK_TO_CALL_SITE = "/etc/nginx/conf.d/click-to-call.conf";
export const CLICK_TO_CALL_NJS = "/etc/nginx/click-to-call/config.js";
/** Holds the two secrets: root:www-data 0640, outside the web root. */
export const CLICK_TO_CALL_SETTINGS = "/etc/nginx/click-to-call/settings.json";
export const CLICK_TO_CALL_ROOT = "/var/www/click-to-call";
export const CLICK_TO_CALL_TURN_SECRET = "click-to-call-turn-secret";
export const CLICK_TO_CALL_SIP_GUEST_SECRET = "click-to-call-sip-guest-secret";
/** What scripts/build-web.mjs writes, and all the site serves besides /config.js. */
export const CLICK_TO_CALL_PAGE_FILES: readonly string[] = ["index.html", "phone.html", "style.css", "click-to-call.js"];

export interface NginxSiteConfig {
    readonly hostname: string;
    /** HTTPS listeners; IPv6 addresses without brackets. */
    readonly listen: readonly { readonly address: string; readonly port: number }[];
    /** Plain-HTTP listeners (port 80 unless told) that answer with a 301 to the HTTPS site. */
    readonly httpRedirect?: readonly { readonly address: string; readonly port?: number }[];
    readonly certFile: string;
    readonly keyFile: string;
    readonly root: string;
    readonly njsPath: string;
}

// Only self: the page, its script and style, /config.js; WebSockets to the SIP proxy (wss:, any host).
const contentSecurityPolicy = [
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "media-src 'self' blob:",
    "connect-src 'self' wss:", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join("; ");


// Whitespace, quotes, braces, ';', '#', '$' and '\' would end or change an nginx directive.
const nginxWord = /^[^\s"'{};#$\\]+$/;

function socket(address: string, port: number): string {
    return `${familyOf(address) === 6 ? `[${address}]` : address}:${port}`;
}

/** /etc/nginx/conf.d/click-to-call.conf: the page over HTTPS, /config.js from njs, 404 for anything else. */
export function renderNginxSite(c: NginxSiteConfig): string {
    refuseControlCharacters("renderNginxSite", c);
    const words = [c.hostname, c.certFile, c.keyFile, c.root, c.njsPath, ...c.listen.map((l) => l.address), ...(c.httpRedirect ?? []).map((r) => r.address)];
    const bad = words.find((w) => !nginxWord.test(w));
    if (bad !== undefined) throw new Error(`renderNginxSite: ${JSON.stringify(bad)} is empty or holds a character nginx reads as syntax`);
    if (c.listen.length === 0) throw new Error("renderNginxSite: no HTTPS listener");
    for (const p of [...c.listen.map((l) => l.port), ...(c.httpRedirect ?? []).map((r) => r.port ?? 80)]) {
        if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`renderNginxSite: bad port ${p}`);
    }
    const httpsPort = c.listen[0].port;
    const httpsOrigin = `https://${c.hostname}${httpsPort === 443 ? "" : `:${httpsPort}`}`;
    return [
        managedHeader("#"),
        "# WebRTC click-to-call: the guest page, the staff phone, and /config.js made per request by njs.",
        "server {",
        ...c.listen.map((l) => `    listen ${socket(l.address, l.port)} ssl http2;`),
        `    server_name ${c.hostname};`,
        "    server_tokens off;",
        "",
        `    ssl_certificate ${c.certFile};`,
        `    ssl_certificate_key ${c.keyFile};`,
        "    ssl_protocols TLSv1.2 TLSv1.3;",
        `    ssl_ciphers ${tls12CipherList};`,
        "    ssl_prefer_server_ciphers off;",
        "    ssl_session_tickets off;",
        "",
        `    root ${c.root};`,
        "    index index.html;",
        "    types { text/html html; text/css css; application/javascript js; }",
        "    default_type application/octet-stream;",
        "    charset utf-8;",
        "    charset_types text/css application/javascript;",
        "",
        `    add_header Content-Security-Policy "${contentSecurityPolicy}" always;`,
        "    add_header X-Content-Type-Options nosniff always;",
        "    add_header Referrer-Policy no-referrer always;",
        "    add_header X-Frame-Options DENY always;",
        `    add_header Permissions-Policy "microphone=(self), camera=(), geolocation=()" always;`,
        `    add_header Strict-Transport-Security "max-age=31536000" always;`,
        "",
        `    js_import clicktocall from ${c.njsPath};`,
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
        `    location ~ ^/(${CLICK_TO_CALL_PAGE_FILES.map((f) => f.replace(/\./g, "\\.")).join("|")})$ {`,
        "        expires 5m;",
        "    }",
        "    location / {",
        "        return 404;",
        "    }",
        "}",
        ...(c.httpRedirect?.length ? [
            "",
            "server {",
            ...c.httpRedirect.map((r) => `    listen ${socket(r.address, r.port ?? 80)};`),
            `    server_name ${c.hostname};`,
            "    server_tokens off;",
            `    return 301 ${httpsOrigin}$request_uri;`,
            "}",
        ] : []),
        "",
    ].join("\n");
}

export interface ClickToCallDestination {
    /** A short name, e.g. "sales". */
    readonly name: string;
    /** The button's text. */
    readonly label: string;
    readonly uri: string;
}

export interface ClickToCallSettings {
    /** The SIP proxy's WebSocket URL, wss://… */
    readonly webSocketUrl: string;
    readonly sipDomain: string;
    /** The domain of the guests' SIP URIs (sip:guest-…@guestDomain). */
    readonly guestDomain: string;
    /** The guests' display name. */
    readonly displayName: string;
    readonly destinations: readonly ClickToCallDestination[];
    /** turn: and turns: URIs for the browsers. */
    readonly turnUris: readonly string[];
    /** How long a guest's TURN and SIP credentials stay valid. */
    readonly lifetimeSeconds: number;
    readonly iceTransportPolicy: "relay" | "all";
}

/**
 * /etc/nginx/click-to-call/settings.json, read by the njs module on each request. JSON takes no comments, so
 * this file carries no managed header. The secrets stand in as placeholders the host fills in; they sit in JSON
 * strings as they are, so they must hold no '"' or '\' (base64 secrets are fine).
 */
export function renderClickToCallSettings(c: ClickToCallSettings): string {
    refuseControlCharacters("renderClickToCallSettings", c);
    if (!/^wss:\/\/[^\s/]+/.test(c.webSocketUrl)) throw new Error(`renderClickToCallSettings: webSocketUrl ${JSON.stringify(c.webSocketUrl)} is not a wss:// URL`);
    if (!Number.isInteger(c.lifetimeSeconds) || c.lifetimeSeconds < 60) throw new Error("renderClickToCallSettings: lifetimeSeconds must be a whole number, at least 60");
    if (c.iceTransportPolicy !== "relay" && c.iceTransportPolicy !== "all") throw new Error("renderClickToCallSettings: iceTransportPolicy is relay or all");
    const settings = {
        webSocketUrl: c.webSocketUrl,
        sipDomain: c.sipDomain,
        guestDomain: c.guestDomain,
        displayName: c.displayName,
        destinations: c.destinations.map((d) => ({ name: d.name, label: d.label, uri: d.uri })),
        turnUris: [...c.turnUris],
        turnSecret: secretPlaceholder(CLICK_TO_CALL_TURN_SECRET),
        sipGuestSecret: secretPlaceholder(CLICK_TO_CALL_SIP_GUEST_SECRET),
        lifetimeSeconds: c.lifetimeSeconds,
        iceTransportPolicy: c.iceTransportPolicy,
    };
    return JSON.stringify(settings, null, 2) + "\n";
}
