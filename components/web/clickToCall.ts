import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ArgKinds, checkArgs } from "../common/args";
import { checkHostAddresses, checkSharedSecret } from "../common/component";
import { defaultCertificate } from "../common/defaultCertificate";
import { PortRule, port } from "../common/ports";
import { missingNames } from "../common/tls";
import { Checker, show } from "../common/validation";
import { DnsRecord, addressRecords } from "../dns/records";
import { HostContext, HostFile, hostSecret, keepServiceRunning, runStep, writeCertificate, writeFile } from "../host/primitives";
import {
    CLICK_TO_CALL_NJS, CLICK_TO_CALL_PAGE_FILES, CLICK_TO_CALL_ROOT, CLICK_TO_CALL_SETTINGS, CLICK_TO_CALL_SIP_GUEST_SECRET, CLICK_TO_CALL_SITE,
    CLICK_TO_CALL_TURN_SECRET, renderClickToCallSettings, renderNginxSite,
} from "./render";
import { ClickToCallArgs, ClickToCallButton, clickToCallDefaults } from "./settings";

export * from "./settings";

const argKinds: ArgKinds<ClickToCallArgs> = {
    host: "host", sip: "object", turn: "object", turnSecret: "input", guestSecret: "input", hostname: "string", certificate: "certificate",
    ipv4: "strings", ipv6: "strings", destinations: "objects", credentialLifetime: "integer", iceTransportPolicy: "string", displayName: "string",
};

/** Where scripts/build-web.mjs puts the built page, beside this module (in the source tree and in the package). */
export const builtPageDir = path.join(__dirname, "page", "dist");

/**
 * WebRTC click-to-call (Handbook §11.8.6): nginx serves a page that calls the SIP proxy's guest destinations
 * from the browser, and a `config.js` that njs makes per request with fresh guest and TURN credentials. The
 * shared secrets stay on the host; `config.js` is never cached. `phone.html` lets staff answer from a browser.
 */
export class ClickToCall extends pulumi.ComponentResource {
    /** The page, such as `https://call.falcot.com/`. */
    readonly url: string;
    /** The staff phone, such as `https://call.falcot.com/phone.html`. */
    readonly phoneUrl: string;
    /** The page's name, such as `call.falcot.com`. */
    readonly hostname: string;
    /** The page's A/AAAA records. */
    readonly dnsRecords: DnsRecord[];
    /** HTTPS, and HTTP that redirects to it. */
    readonly ports: readonly PortRule[];
    /** CA certificate that signed the page's certificate, when the page made its own. */
    readonly caCertPem?: pulumi.Output<string>;
    /** Rendered files by path; secrets are placeholders. */
    readonly files: Readonly<Record<string, string>>;

    constructor(name: string, args: ClickToCallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:ClickToCall", name, {}, opts);
        const owner = `ClickToCall "${name}"`;
        checkArgs(owner, args, argKinds, ["host", "sip", "turn", "turnSecret", "guestSecret"]);
        const c = new Checker(owner);
        const { host, sip, turn } = args;
        const hostname = args.hostname ?? `call.${host.domain}`;
        c.domain("hostname", hostname);
        const ipv4 = checkHostAddresses(c, "ipv4", args.ipv4, host.ipv4.map((a) => a.public), host.ipv4.slice(0, 1).map((a) => a.public));
        const ipv6 = checkHostAddresses(c, "ipv6", args.ipv6, host.ipv6.map((a) => a.public), host.ipv6.slice(0, 1).map((a) => a.public));
        c.check(ipv4.length + ipv6.length > 0, "ipv4", "is empty", "list at least one address to serve the page on");
        c.check(sip.webSocketUrl !== undefined, "sip", "is a SipProxy without webSocket", "give the SipProxy webSocket: {}");
        c.check(sip.guestDomain !== undefined, "sip", "is a SipProxy without guests", "give the SipProxy guests: { secret, destinations }");
        c.check(turn.restUris !== undefined, "turn", "is a TurnServer without staticAuthSecret", "give the TurnServer staticAuthSecret (the same value as turnSecret)");
        const turnSecret = checkSharedSecret(c, "turnSecret", args.turnSecret);
        const guestSecret = checkSharedSecret(c, "guestSecret", args.guestSecret);
        const allowed = sip.guestDestinations ?? [];
        const buttons: readonly ClickToCallButton[] = args.destinations ?? allowed.map((d) => ({ name: d }));
        c.check(buttons.length > 0, "destinations", "is empty", "list at least one of the SIP proxy's guest destinations");
        buttons.forEach((b, i) => {
            c.unknownKeys(`destinations[${i}]`, b, ["name", "label"]);
            c.check(allowed.includes(b.name), `destinations[${i}].name`, `is ${show(b.name)}, which the SIP proxy's guests may not call`,
                `use one of ${allowed.join(", ") || "(none)"}, or add it to the SipProxy's guests.destinations`);
            if (b.label !== undefined) c.text(`destinations[${i}].label`, b.label, 60);
        });
        const lifetime = args.credentialLifetime ?? clickToCallDefaults.credentialLifetime;
        c.check(Number.isInteger(lifetime) && lifetime >= 60 && lifetime <= 86400, "credentialLifetime", `is ${show(lifetime)}`, "give seconds between 60 and 86400, such as 1800");
        const policy = args.iceTransportPolicy ?? clickToCallDefaults.iceTransportPolicy;
        c.check(policy === "relay" || policy === "all", "iceTransportPolicy", `is ${show(policy)}`, "use relay or all");
        const displayName = args.displayName ?? clickToCallDefaults.displayName;
        c.text("displayName", displayName, 60);
        if (args.certificate) {
            const missing = missingNames(args.certificate, [hostname]);
            c.check(missing.length === 0, "certificate", `is for ${show(args.certificate.dnsNames)}, not for ${hostname}`, `issue it for ${hostname}`);
        }
        const missingPage = CLICK_TO_CALL_PAGE_FILES.filter((f) => !fs.existsSync(path.join(builtPageDir, f)));
        if (missingPage.length) c.fail("page", `is not built (${missingPage.join(", ")} missing in ${builtPageDir})`, "run npm run build:web");
        c.done();

        let certificate = args.certificate;
        if (!certificate) {
            const made = defaultCertificate(this, name, [hostname]);
            certificate = made.certificate;
            this.caCertPem = made.caCertPem;
        }
        const certFile = `${clickToCallDefaults.tlsDir}/${hostname}.crt`;
        const keyFile = `${clickToCallDefaults.tlsDir}/${hostname}.key`;
        const bound = [...ipv4, ...ipv6].map((a) => host.privateOf(a));
        this.hostname = hostname;
        this.url = `https://${hostname}/`;
        this.phoneUrl = `https://${hostname}/phone.html`;
        this.dnsRecords = addressRecords(hostname, ipv4, ipv6);
        this.ports = [port("tcp", clickToCallDefaults.port, "HTTPS (click-to-call)"), port("tcp", 80, "HTTP, redirected to HTTPS")];
        this.files = {
            [CLICK_TO_CALL_SITE]: renderNginxSite({
                hostname, certFile, keyFile, root: CLICK_TO_CALL_ROOT, njsPath: CLICK_TO_CALL_NJS,
                listen: bound.map((address) => ({ address, port: clickToCallDefaults.port })),
                httpRedirect: bound.map((address) => ({ address })),
            }),
            [CLICK_TO_CALL_SETTINGS]: renderClickToCallSettings({
                webSocketUrl: sip.webSocketUrl!, sipDomain: sip.sipDomain, guestDomain: sip.guestDomain!, displayName,
                destinations: buttons.map((b) => ({ name: b.name, label: b.label ?? b.name.charAt(0).toUpperCase() + b.name.slice(1), uri: `sip:${b.name}@${sip.sipDomain}` })),
                turnUris: turn.restUris!, lifetimeSeconds: lifetime, iceTransportPolicy: policy,
            }),
        };

        // Install
        const packages = host.requirePackages(["nginx", "libnginx-mod-http-js"], `web-${name}`);
        const ctx: HostContext = { host, parent: this, owner, prefix: name, after: [packages], retainOnDelete: opts?.retainOnDelete };
        // Debian's default site answers on every address; the page answers only on its own.
        const defaultSite = runStep(ctx, {
            id: "nginx-default-site",
            script: "set -eu\nrm -f /etc/nginx/sites-enabled/default",
            undo: "set -eu\n[ ! -e /etc/nginx/sites-available/default ] || ln -sfn /etc/nginx/sites-available/default /etc/nginx/sites-enabled/default",
        });

        // Configure
        const secrets: Record<string, HostFile> = {
            [CLICK_TO_CALL_TURN_SECRET]: hostSecret(ctx, CLICK_TO_CALL_TURN_SECRET, turnSecret),
            [CLICK_TO_CALL_SIP_GUEST_SECRET]: hostSecret(ctx, CLICK_TO_CALL_SIP_GUEST_SECRET, guestSecret),
        };
        // nginx reads these at start; the settings and the page it reads per request, so they restart nothing.
        const files: HostFile[] = [
            writeFile(ctx, { path: CLICK_TO_CALL_SITE, content: this.files[CLICK_TO_CALL_SITE] }),
            writeFile(ctx, { path: CLICK_TO_CALL_NJS, content: fs.readFileSync(path.join(__dirname, "njs", "config.js"), "utf8") }),
            ...writeCertificate(ctx, certificate, { certFile, keyFile, group: "root" }),
        ];
        const readPerRequest: HostFile[] = [
            writeFile(ctx, { path: CLICK_TO_CALL_SETTINGS, content: this.files[CLICK_TO_CALL_SETTINGS], group: "www-data" }, secrets),
            ...CLICK_TO_CALL_PAGE_FILES.map((f) => writeFile(ctx, { path: `${CLICK_TO_CALL_ROOT}/${f}`, content: fs.readFileSync(path.join(builtPageDir, f), "utf8") })),
        ];

        // Start: a restart, as a reload cannot trade the packaged site's wildcard listener for the page's addresses.
        keepServiceRunning(ctx, { unit: "nginx", files, needsFiles: [certFile, keyFile], check: "nginx -t -q", dependsOn: [defaultSite, ...readPerRequest.map((f) => f.command)] });
        this.registerOutputs({ url: this.url, phoneUrl: this.phoneUrl, hostname, dnsRecords: this.dnsRecords });
    }
}
