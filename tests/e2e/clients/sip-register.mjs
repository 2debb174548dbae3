// A SIP REGISTER over TLS with digest authentication (RFC 3261, RFC 2617 MD5), verifying the proxy's
// certificate against the stack's CA and the SIP domain's name (RFC 5922). sipsak 0.9.8.1 completes the TLS
// handshake but never reads the reply ("select returned error"), so TLS registration is checked with this.
// Usage: node sip-register.mjs < JSON {host, port, domain, user, password, contact, ca, expires}
// Prints one JSON line: {ok, status, statuses}.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import tls from "node:tls";

const i = JSON.parse(readFileSync(0, "utf8"));
const md5 = (s) => createHash("md5").update(s).digest("hex");
const tag = randomBytes(6).toString("hex");
const callId = `${randomBytes(8).toString("hex")}@e2e`;
const statuses = [];

const socket = tls.connect({ host: i.host, port: i.port, servername: i.domain, ca: [i.ca], rejectUnauthorized: true, checkServerIdentity: (_h, cert) => tls.checkServerIdentity(i.domain, cert) });
let buffer = "";
let cseq = 0;

function request(auth) {
    cseq += 1;
    const lines = [
        `REGISTER sip:${i.domain} SIP/2.0`,
        `Via: SIP/2.0/TLS e2e.invalid;branch=z9hG4bK${randomBytes(6).toString("hex")};rport`,
        `Max-Forwards: 70`,
        `From: <sip:${i.user}@${i.domain}>;tag=${tag}`,
        `To: <sip:${i.user}@${i.domain}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} REGISTER`,
        `Contact: <${i.contact}>`,
        `Expires: ${i.expires ?? 3600}`,
        ...(auth ? [auth] : []),
        `Content-Length: 0`,
        "", "",
    ];
    socket.write(lines.join("\r\n"));
}

function digest(challenge) {
    const p = Object.fromEntries([...challenge.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1], m[2]]));
    const uri = `sip:${i.domain}`;
    const ha1 = md5(`${i.user}:${p.realm}:${i.password}`);
    const ha2 = md5(`REGISTER:${uri}`);
    const qop = p.qop ? "auth" : undefined;
    const nc = "00000001";
    const cnonce = randomBytes(8).toString("hex");
    const response = qop ? md5(`${ha1}:${p.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${p.nonce}:${ha2}`);
    return `Authorization: Digest username="${i.user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${response}", algorithm=MD5`
        + (qop ? `, qop=${qop}, nc=${nc}, cnonce="${cnonce}"` : "");
}

const done = (ok) => { console.log(JSON.stringify({ ok, status: statuses[statuses.length - 1], statuses })); socket.destroy(); process.exit(ok ? 0 : 1); };
socket.on("secureConnect", () => request());
socket.on("error", (e) => { statuses.push(`error: ${e.message}`); done(false); });
socket.on("data", (d) => {
    buffer += d.toString("utf8");
    let end;
    while ((end = buffer.indexOf("\r\n\r\n")) >= 0) {
        const head = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        const status = Number(/^SIP\/2\.0 (\d{3})/.exec(head)?.[1]);
        if (!status || status < 200) continue;
        statuses.push(status);
        const challenge = /^WWW-Authenticate:\s*Digest\s+(.*)$/im.exec(head)?.[1];
        if (status === 401 && challenge && cseq === 1) request(digest(challenge));
        else done(status === 200);
    }
});
setTimeout(() => { statuses.push("timeout"); done(false); }, 15000);
