// Two XMPP users log in with STARTTLS (or direct TLS), join a MUC room, and one's message reaches the other.
// Usage: node xmpp-chat.mjs < JSON {service, domain, ca, users: [{jid, password}, {jid, password}], room}
// Prints one JSON line: {ok, steps: [...], error?}. Also `--expect-plain-refused` mode checks a login without TLS fails.
import { client, xml } from "@xmpp/client";
import { readFileSync } from "node:fs";
import tls from "node:tls";

const input = JSON.parse(readFileSync(0, "utf8"));
const steps = [];
const step = (s) => steps.push(s);
const ca = input.ca;
const timeout = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms));

// Verify the server's certificate against the stack's CA only.
const origConnect = tls.connect;
tls.connect = function (...args) {
    const opts = typeof args[0] === "object" ? args[0] : args[1] ?? {};
    opts.ca = [ca];
    opts.rejectUnauthorized = true;
    // The certificate names the XMPP domain, whatever address the client dialled (RFC 6120 section 13.7.2).
    opts.servername = input.domain;
    opts.checkServerIdentity = (_host, cert) => tls.checkServerIdentity(input.domain, cert);
    return origConnect.apply(this, args);
};

function connect(user) {
    const [local, domain] = user.jid.split("@");
    const xmpp = client({ service: input.service, domain, username: local, password: user.password, resource: "e2e" });
    xmpp.on("error", () => {});
    return xmpp;
}

async function main() {
    if (input.mode === "plain-refused") {
        // A client that will not do TLS: the server must not offer authentication.
        const net = await import("node:net");
        const [host, port] = input.plain.split(":");
        const answer = await new Promise((resolve, reject) => {
            const s = net.connect(Number(port), host, () => s.write(`<?xml version='1.0'?><stream:stream to='${input.domain}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`));
            let buf = "";
            s.on("data", (d) => { buf += d; if (buf.includes("</stream:features>")) { s.destroy(); resolve(buf); } });
            s.on("error", reject);
            setTimeout(() => { s.destroy(); resolve(buf); }, 5000);
        });
        const offersAuth = /<mechanisms/.test(answer);
        const requiresTls = /<starttls[^>]*>\s*<required\/>/.test(answer) || /<starttls[^/]*\/>/.test(answer);
        console.log(JSON.stringify({ ok: !offersAuth && requiresTls, offersAuth, requiresTls, features: answer.slice(0, 400) }));
        return;
    }
    const [a, b] = input.users.map(connect);
    await Promise.race([Promise.all([a.start(), b.start()]), timeout(15000, "login")]);
    step("both logged in over TLS");
    const room = `${input.room}@conference.${input.domain}`;
    const got = new Promise((resolve) => b.on("stanza", (s) => {
        if (s.is("message") && s.attrs.type === "groupchat" && s.getChildText("body") === input.message) resolve(s.attrs.from);
    }));
    const joined = (x, nick) => new Promise((resolve) => {
        x.on("stanza", (s) => { if (s.is("presence") && s.attrs.from === `${room}/${nick}`) resolve(); });
        x.send(xml("presence", { to: `${room}/${nick}` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })));
    });
    await Promise.race([joined(a, "alice"), timeout(10000, "first join")]);
    // XEP-0045 instant room: the owner accepts the default configuration, which unlocks the room.
    await a.iqCaller.request(xml("iq", { type: "set", to: room }, xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" }, xml("x", { xmlns: "jabber:x:data", type: "submit" }))), 10000);
    await Promise.race([joined(b, "bob"), timeout(10000, "second join")]);
    step(`both joined ${room}`);
    await a.send(xml("message", { to: room, type: "groupchat" }, xml("body", {}, input.message)));
    const from = await Promise.race([got, timeout(10000, "message")]);
    step(`message arrived from ${from}`);
    await Promise.all([a.stop(), b.stop()]);
    console.log(JSON.stringify({ ok: true, steps }));
}

main().catch((e) => {
    console.log(JSON.stringify({ ok: false, steps, error: String(e && e.message || e) }));
    process.exit(1);
});
