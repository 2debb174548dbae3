// XMPP load for `npm run bench:capacity`: logins over TLS, one-to-one messages, and MUC fan-out.
// Usage: node xmpp-load.mjs < JSON {service, domain, mucDomain, ca, users: [{jid, password}], logins, messages,
//   pairs, occupants, mucMessages, seconds}. Every phase is bounded by count and by `seconds`.
// Prints one JSON line: {logins, loginFailures, loginsPerSecond, direct: {...}, muc: {...}}.
import { client, xml } from "@xmpp/client";
import { pbkdf2Sync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import tls from "node:tls";

const input = JSON.parse(readFileSync(0, "utf8"));
const limitMs = input.seconds * 1000;

// The server's certificate is checked against the stack's CA, for the XMPP domain whatever address is dialled.
const origConnect = tls.connect;
tls.connect = function (...args) {
    const opts = typeof args[0] === "object" ? args[0] : args[1] ?? {};
    Object.assign(opts, { ca: [input.ca], rejectUnauthorized: true, servername: input.domain,
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(input.domain, cert) });
    return origConnect.apply(this, args);
};

// The client's SCRAM-SHA-1 derives the salted password with 4,096 WebCrypto calls, 0.6 s of CPU per login here, which
// would measure this machine rather than the server. Hi() is PBKDF2-HMAC-SHA-1 (RFC 5802): Node's native one.
createRequire(import.meta.url)("sasl-scram-sha-1/lib/bitops").Hi = async (text, salt, iterations) =>
    new Uint8Array(pbkdf2Sync(text, salt, iterations, 20, "sha1"));

const deadline = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms).unref());
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

function connect(user, resource) {
    const [local, domain] = user.jid.split("@");
    const x = client({ service: input.service, domain, username: local, password: user.password, resource });
    x.on("error", () => {});
    return x;
}

async function online(users, resource) {
    const xs = users.map((u, i) => connect(u, `${resource}${i}`));
    await Promise.race([Promise.all(xs.map((x) => x.start())), deadline(limitMs, `${resource} logins`)]);
    return xs;
}

const stopAll = (xs) => Promise.all(xs.map((x) => x.stop().catch(() => {})));

/** Logins, `concurrency` at a time, each a full TLS + SASL + bind, then a clean close. */
async function logins(count, concurrency) {
    let started = 0, ok = 0, failed = 0;
    const t0 = process.hrtime.bigint();
    const worker = async (w) => {
        while (started < count && seconds(t0) * 1000 < limitMs) {
            const user = input.users[started++ % input.users.length];
            const x = connect(user, `login${w}`);
            try {
                await Promise.race([x.start(), deadline(10000, "login")]);
                ok++;
            } catch {
                failed++;
            }
            await x.stop().catch(() => {});
        }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
    const s = seconds(t0);
    return { logins: ok, loginFailures: failed, loginsPerSecond: ok / s };
}

/** Waits until `expected` stanzas have arrived or the time is up; returns the count and the seconds. */
function counter(expected, t0) {
    let got = 0, done;
    const finished = new Promise((resolve) => { done = resolve; });
    const timer = setTimeout(() => done(), limitMs);
    return {
        hit() { if (++got === expected) { clearTimeout(timer); done(); } },
        async result() { await finished; clearTimeout(timer); return { got, seconds: seconds(t0()) }; },
    };
}

/** `pairs` senders each send `messages` chat messages to their own receiver at once. */
async function direct(pairs, messages) {
    const users = input.users.slice(0, pairs * 2);
    const xs = await online(users, "direct");
    let t0;
    const c = counter(pairs * messages, () => t0);
    for (const x of xs.slice(pairs)) x.on("stanza", (s) => { if (s.is("message") && s.attrs.type === "chat") c.hit(); });
    t0 = process.hrtime.bigint();
    for (let p = 0; p < pairs; p++) {
        for (let i = 0; i < messages; i++) xs[p].send(xml("message", { to: xs[pairs + p].jid.toString(), type: "chat" }, xml("body", {}, `load ${i}`)));
    }
    const r = await c.result();
    await stopAll(xs);
    return { sent: pairs * messages, received: r.got, perSecond: r.got / r.seconds };
}

/** `occupants` users join one room; the first sends `messages` messages, which reach every occupant. */
async function muc(occupants, messages) {
    const users = input.users.slice(0, occupants);
    const xs = await online(users, "muc");
    const room = `load${Date.now()}@${input.mucDomain}`;
    const join = (x, nick) => new Promise((resolve) => {
        const onStanza = (s) => { if (s.is("presence") && s.attrs.from === `${room}/${nick}`) { x.removeListener("stanza", onStanza); resolve(); } };
        x.on("stanza", onStanza);
        x.send(xml("presence", { to: `${room}/${nick}` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })));
    });
    await Promise.race([join(xs[0], "n0"), deadline(10000, "room creation")]);
    // XEP-0045 instant room: accept the default configuration, which unlocks the room.
    await xs[0].iqCaller.request(xml("iq", { type: "set", to: room }, xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" }, xml("x", { xmlns: "jabber:x:data", type: "submit" }))), 10000);
    await Promise.race([Promise.all(xs.slice(1).map((x, i) => join(x, `n${i + 1}`))), deadline(limitMs, "joins")]);
    let t0;
    const c = counter(occupants * messages, () => t0);
    for (const x of xs) x.on("stanza", (s) => { if (s.is("message") && s.attrs.type === "groupchat" && s.getChildText("body")?.startsWith("load ")) c.hit(); });
    t0 = process.hrtime.bigint();
    for (let i = 0; i < messages; i++) xs[0].send(xml("message", { to: room, type: "groupchat" }, xml("body", {}, `load ${i}`)));
    const r = await c.result();
    await stopAll(xs);
    return { occupants, sent: messages, delivered: r.got, deliveriesPerSecond: r.got / r.seconds, roomMessagesPerSecond: r.got / occupants / r.seconds };
}

async function main() {
    const result = await logins(input.logins, input.concurrency ?? 10);
    result.direct = await direct(input.pairs, input.messages);
    result.muc = await muc(input.occupants, input.mucMessages);
    console.log(JSON.stringify(result));
}

main().then(() => process.exit(0), (e) => {
    console.log(JSON.stringify({ error: String(e?.message ?? e) }));
    process.exit(1);
});
