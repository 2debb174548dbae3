// SIP over secure WebSocket (RFC 7118), as a browser speaks it: the callee REGISTERs over WSS with digest
// authentication from behind its WebSocket (an `.invalid` contact, as JsSIP and SIP.js send), then the caller,
// on another WSS connection, INVITEs it (digest again, 407). The INVITE must reach the callee over its own
// connection (the proxy's NAT handling), which answers 486 Busy Here; the caller must see that 486.
// Certificates are verified against the stack's CA and the proxy's name.
// Usage: node sip-ws-call.mjs < JSON {url, servername, ca, domain, caller: {user, password}, callee: {user, password}}
// Prints one JSON line: {ok, registered, reachedCallee, final, statuses}.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import WebSocket from "ws";

const i = JSON.parse(readFileSync(0, "utf8"));
const md5 = (s) => createHash("md5").update(s).digest("hex");
const rand = () => randomBytes(6).toString("hex");
const result = { ok: false, registered: undefined, reachedCallee: false, final: undefined, statuses: [] };
const finish = (ok) => { result.ok = ok; console.log(JSON.stringify(result)); process.exit(ok ? 0 : 1); };
setTimeout(() => { result.statuses.push("timeout"); finish(false); }, 20000);

function connect() {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(i.url, "sip", { ca: [i.ca], servername: i.servername });
        ws.on("open", () => resolve(ws));
        ws.on("error", (e) => reject(e));
    });
}

function parse(text) {
    const [head, body = ""] = text.split("\r\n\r\n");
    const [first, ...lines] = head.split("\r\n");
    const headers = lines.map((l) => [l.slice(0, l.indexOf(":")).trim().toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]);
    const get = (name) => headers.filter(([n]) => n === name).map(([, v]) => v);
    return { first, status: Number(/^SIP\/2\.0 (\d{3})/.exec(first)?.[1]) || undefined, method: /^([A-Z]+) /.exec(first)?.[1], get, body };
}

function digest(challenge, user, password, method, uri, header) {
    const p = Object.fromEntries([...challenge.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1], m[2]]));
    const ha1 = md5(`${user}:${p.realm}:${password}`);
    const ha2 = md5(`${method}:${uri}`);
    const nc = "00000001";
    const cnonce = rand();
    const response = p.qop ? md5(`${ha1}:${p.nonce}:${nc}:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${p.nonce}:${ha2}`);
    return `${header}: Digest username="${user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${response}", algorithm=MD5`
        + (p.qop ? `, qop=auth, nc=${nc}, cnonce="${cnonce}"` : "");
}

/** Sends a request and resolves with the final response, answering one digest challenge. */
function transaction(ws, build) {
    return new Promise((resolve) => {
        let cseq = 1;
        let auth;
        const send = () => ws.send(build(cseq, auth));
        const onMessage = (data) => {
            const m = parse(data.toString("utf8"));
            if (!m.status || m.status < 200) return;
            result.statuses.push(m.status);
            const www = m.get("www-authenticate")[0];
            const proxy = m.get("proxy-authenticate")[0];
            if ((m.status === 401 || m.status === 407) && !auth) {
                const [method, uri] = build.requestLine.split(" ");
                auth = digest(www ?? proxy, build.user, build.password, method, uri, m.status === 401 ? "Authorization" : "Proxy-Authorization");
                if (method === "INVITE") ws.send(ack(m, uri));
                cseq += 1;
                send();
                return;
            }
            ws.off("message", onMessage);
            resolve(m);
        };
        ws.on("message", onMessage);
        send();
    });
}

function ack(response, uri) {
    const via = response.get("via")[0];
    const cseq = response.get("cseq")[0].split(" ")[0];
    return [`ACK ${uri} SIP/2.0`, `Via: ${via}`, "Max-Forwards: 70", `From: ${response.get("from")[0]}`, `To: ${response.get("to")[0]}`,
        `Call-ID: ${response.get("call-id")[0]}`, `CSeq: ${cseq} ACK`, "Content-Length: 0", "", ""].join("\r\n");
}

function request(method, uri, user, password, extra, body = "") {
    const tag = rand();
    const callId = `${rand()}@e2e.invalid`;
    const build = (cseq, auth) => {
        const lines = [
            `${method} ${uri} SIP/2.0`,
            `Via: SIP/2.0/WSS ${rand()}.invalid;branch=z9hG4bK${rand()};rport`,
            "Max-Forwards: 70",
            `From: <sip:${user}@${i.domain}>;tag=${tag}`,
            `To: <${method === "REGISTER" ? `sip:${user}@${i.domain}` : uri}>`,
            `Call-ID: ${callId}`,
            `CSeq: ${cseq} ${method}`,
            ...extra,
            ...(auth ? [auth] : []),
            ...(body ? ["Content-Type: application/sdp"] : []),
            `Content-Length: ${Buffer.byteLength(body)}`,
            "",
            body,
        ];
        return lines.join("\r\n");
    };
    build.requestLine = `${method} ${uri}`;
    build.user = user;
    build.password = password;
    return build;
}

try {
    const callee = await connect();
    const contact = `sip:${i.callee.user}@${rand()}.invalid;transport=ws`;
    const registered = await transaction(callee, request("REGISTER", `sip:${i.domain}`, i.callee.user, i.callee.password, [`Contact: <${contact}>`, "Expires: 600"]));
    result.registered = registered.status;
    if (registered.status !== 200) finish(false);

    // The callee answers any INVITE that reaches it with 486 Busy Here.
    callee.on("message", (data) => {
        const m = parse(data.toString("utf8"));
        if (m.method !== "INVITE") return;
        result.reachedCallee = true;
        const copy = (name, value) => m.get(name).map((v) => `${value}: ${v}`);
        callee.send([
            "SIP/2.0 486 Busy Here",
            ...copy("via", "Via"), ...copy("record-route", "Record-Route"),
            `From: ${m.get("from")[0]}`, `To: ${m.get("to")[0]};tag=${rand()}`, `Call-ID: ${m.get("call-id")[0]}`, `CSeq: ${m.get("cseq")[0]}`,
            "Content-Length: 0", "", "",
        ].join("\r\n"));
    });

    const caller = await connect();
    const sdp = ["v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "c=IN IP4 0.0.0.0", "t=0 0", "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=rtpmap:111 opus/48000/2", ""].join("\r\n");
    const target = `sip:${i.callee.user}@${i.domain}`;
    const final = await transaction(caller, request("INVITE", target, i.caller.user, i.caller.password, [`Contact: <sip:${i.caller.user}@${rand()}.invalid;transport=ws>`], sdp));
    result.final = final.status;
    caller.send(ack(final, target));
    finish(result.reachedCallee && final.status === 486);
} catch (e) {
    result.statuses.push(`error: ${e.message}`);
    finish(false);
}
