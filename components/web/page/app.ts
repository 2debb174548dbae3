/// <reference lib="dom" />
// Browser code of the click-to-call pages, bundled with JsSIP by scripts/build-web.mjs. index.html (data-page
// "guest") calls a destination as a short-lived guest that never registers; phone.html (data-page "phone")
// registers a staff member's own SIP account and takes calls. Both read window.CLICK_TO_CALL_CONFIG, which
// nginx makes per request (/config.js).
import * as JsSIP from "jssip";
import type { EndEvent, IncomingEvent, OutgoingEvent, RTCSession, RTCSessionEventMap } from "jssip/lib/RTCSession";
import type { RTCSessionEvent } from "jssip/lib/UA";

export interface ClickToCallConfig {
    webSocketUrl: string;
    sipDomain: string;
    destinations: { name: string; label: string; uri: string }[];
    iceTransportPolicy: RTCIceTransportPolicy;
    /** Unix seconds after which the guest and TURN credentials stop working. */
    expires: number;
    guest: { uri: string; authorizationUser: string; password: string; displayName: string };
    iceServers: RTCIceServer[];
}

export type CallState = "idle" | "registering" | "registered" | "calling" | "ringing" | "incoming" | "in-call" | "ended" | "failed";

export interface ClickToCall {
    call(target: string): Promise<void>;
    answer(): Promise<void>;
    hangup(): void;
    /** The current or last call's session, null before the first call. */
    readonly session: RTCSession | null;
    readonly state: CallState;
}

declare global {
    interface Window {
        CLICK_TO_CALL_CONFIG?: ClickToCallConfig;
        clickToCall: ClickToCall;
    }
}

const page = document.body.dataset.page === "phone" ? "phone" : "guest";
const stateLine = document.getElementById("state") as HTMLElement;
const hangupButton = document.getElementById("hangup") as HTMLButtonElement;
const answerButton = document.getElementById("answer") as HTMLButtonElement | null;
const remoteAudio = document.getElementById("remote-audio") as HTMLAudioElement;
const audioOnly = { audio: true, video: false };
const userName = /^[A-Za-z0-9._~+-]+$/;

let state: CallState = "idle";
let ua: JsSIP.UA | null = null;
let uaConfig: ClickToCallConfig | null = null;
let session: RTCSession | null = null;
/** Bumped by hangup(), so that a call still connecting gives up. */
let attempt = 0;
let answering = false;

const busy = (): boolean => ["calling", "ringing", "incoming", "in-call"].includes(state);

/** Shows the state; `status` is the SIP status code when known, null to clear the last one. */
function show(next: CallState, text: string, status?: number | null): void {
    state = next;
    stateLine.dataset.state = next;
    if (typeof status === "number") stateLine.dataset.status = String(status);
    else if (status === null) delete stateLine.dataset.status;
    stateLine.textContent = text;
    hangupButton.disabled = !busy();
    if (answerButton) answerButton.disabled = next !== "incoming" || answering;
    for (const b of document.querySelectorAll<HTMLButtonElement>("button.call")) b.disabled = busy();
}

function messageOf(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}

/** The SIP status code and reason of a session's end, when a response ended it. */
function responseOf(e: EndEvent): { code?: number; text: string } {
    const m = e.message as { status_code?: number; reason_phrase?: string } | null;
    return typeof m?.status_code === "number" ? { code: m.status_code, text: ` (${m.status_code} ${m.reason_phrase ?? ""})`.replace(" )", ")") } : { text: "" };
}

/** A fresh /config.js (a new guest and fresh TURN credentials), through a script element: no eval under the CSP. */
function loadConfig(): Promise<ClickToCallConfig> {
    return new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = "/config.js";
        script.onload = () => {
            script.remove();
            if (window.CLICK_TO_CALL_CONFIG) resolve(window.CLICK_TO_CALL_CONFIG);
            else reject(new Error("/config.js holds no settings"));
        };
        script.onerror = () => {
            script.remove();
            reject(new Error("cannot load /config.js"));
        };
        document.head.appendChild(script);
    });
}

/** The settings, reloaded when their credentials expire within two minutes. */
async function freshConfig(): Promise<ClickToCallConfig> {
    const cfg = window.CLICK_TO_CALL_CONFIG;
    if (cfg && cfg.expires * 1000 - Date.now() > 120_000) return cfg;
    return loadConfig();
}

function pcConfig(cfg: ClickToCallConfig): RTCConfiguration {
    return { iceServers: cfg.iceServers, iceTransportPolicy: cfg.iceTransportPolicy };
}

/** Starts a UA and waits for its WebSocket; stops it when the server cannot be reached. */
function connect(next: JsSIP.UA, url: string): Promise<void> {
    return new Promise((resolve, reject) => {
        let settled = false;
        const giveUp = (why: string): void => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            next.stop();
            reject(new Error(why));
        };
        const timer = setTimeout(() => giveUp(`no answer from the SIP server ${url}`), 15_000);
        next.on("connected", () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve();
        });
        next.on("disconnected", () => giveUp(`cannot reach the SIP server ${url}`));
        next.start();
    });
}

/** The guest UA for these settings: a new one, with a new guest identity, whenever the settings change. */
async function guestUa(cfg: ClickToCallConfig): Promise<JsSIP.UA> {
    if (ua && uaConfig === cfg && ua.isConnected()) return ua;
    ua?.stop();
    const next = new JsSIP.UA({
        sockets: [new JsSIP.WebSocketInterface(cfg.webSocketUrl)],
        uri: cfg.guest.uri,
        authorization_user: cfg.guest.authorizationUser,
        password: cfg.guest.password,
        display_name: cfg.guest.displayName,
        register: false,
    });
    ua = next;
    uaConfig = cfg;
    try {
        await connect(next, cfg.webSocketUrl);
    } catch (e) {
        if (ua === next) ua = uaConfig = null;
        throw e;
    }
    return next;
}

/** What a session does to the page; `who` names the other side. */
function sessionHandlers(s: () => RTCSession | null, who: string): Partial<RTCSessionEventMap> {
    const outgoing = (): boolean => String(s()?.direction) === "outgoing";
    const done = (): void => {
        answering = false;
        remoteAudio.srcObject = null;
    };
    return {
        peerconnection: ({ peerconnection }) => {
            peerconnection.addEventListener("track", (e) => {
                remoteAudio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
                remoteAudio.play().catch(() => undefined);
            });
        },
        progress: (e: IncomingEvent | OutgoingEvent) => {
            if (!outgoing()) return;
            const code = "response" in e ? e.response?.status_code : undefined;
            show("ringing", `Ringing ${who}…`, code);
        },
        accepted: (e: IncomingEvent | OutgoingEvent) => show("in-call", `In call with ${who}.`, "response" in e ? e.response?.status_code : undefined),
        confirmed: () => show("in-call", `In call with ${who}.`),
        ended: (e) => {
            done();
            const r = responseOf(e);
            show("ended", `Call with ${who} ended: ${e.cause}${r.text}.`, r.code);
        },
        failed: (e) => {
            done();
            const r = responseOf(e);
            // Hung up before the answer, on either side: the call ended; it did not fail.
            const hungUp = e.cause === JsSIP.C.causes.CANCELED || (String(e.originator) === "local" && e.cause === JsSIP.C.causes.REJECTED);
            show(hungUp ? "ended" : "failed", `Call with ${who} ${hungUp ? "ended" : "failed"}: ${e.cause}${r.text}.`, r.code);
        },
    };
}

function watch(s: RTCSession, handlers: Partial<RTCSessionEventMap>): void {
    const on = s.on.bind(s) as (name: string, listener: (...args: never[]) => void) => void;
    for (const [name, listener] of Object.entries(handlers)) if (listener) on(name, listener);
}

function labelOf(target: string): string {
    return window.CLICK_TO_CALL_CONFIG?.destinations.find((d) => d.uri === target)?.label ?? target;
}

async function call(target: string): Promise<void> {
    if (busy()) return;
    const mine = ++attempt;
    const who = labelOf(target);
    show("calling", `Calling ${who}…`, null);
    try {
        const cfg = await freshConfig();
        const agent = page === "guest" ? await guestUa(cfg) : ua;
        if (!agent) throw new Error("sign in first");
        if (mine !== attempt) return;
        session = agent.call(target, {
            mediaConstraints: audioOnly,
            pcConfig: pcConfig(cfg),
            eventHandlers: sessionHandlers(() => session, who),
        });
    } catch (e) {
        if (mine === attempt) show("failed", `Call to ${who} failed: ${messageOf(e)}.`);
    }
}

async function answer(): Promise<void> {
    const s = session;
    if (!s || state !== "incoming" || answering) return;
    answering = true;
    show("incoming", "Answering…");
    try {
        const cfg = await freshConfig();
        if (s.isEnded()) return;
        s.answer({ mediaConstraints: audioOnly, pcConfig: pcConfig(cfg) });
    } catch (e) {
        answering = false;
        show("failed", `Could not answer: ${messageOf(e)}.`);
    }
}

function hangup(): void {
    attempt++;
    if (session && !session.isEnded()) session.terminate();
    else if (state === "calling") show("ended", "Call cancelled.");
}

function onIncoming(e: RTCSessionEvent): void {
    if (String(e.originator) !== "remote") return;
    const from = e.request.from;
    const who = from.display_name ? `${from.display_name} <${from.uri.toString()}>` : from.uri.toString();
    if (busy()) {
        e.session.terminate({ status_code: 486, reason_phrase: "Busy Here" });
        return;
    }
    const s = e.session;
    session = s;
    watch(s, sessionHandlers(() => s, who));
    show("incoming", `Incoming call from ${who}.`, null);
}

function signIn(cfg: ClickToCallConfig, user: string, password: string): void {
    if (busy()) return;
    if (!userName.test(user)) {
        show("failed", "The user name may hold letters, digits and . _ ~ + - only.", null);
        return;
    }
    ua?.stop();
    const aor = `sip:${user}@${cfg.sipDomain}`;
    let connected = false;
    const next = new JsSIP.UA({
        sockets: [new JsSIP.WebSocketInterface(cfg.webSocketUrl)],
        uri: aor,
        authorization_user: user,
        password,
        register: true,
    });
    ua = next;
    const current = (): boolean => ua === next;
    next.on("connected", () => {
        connected = true;
    });
    next.on("disconnected", () => {
        if (!current() || busy()) return;
        if (connected) {
            show("registering", "Connection to the SIP server lost; reconnecting…");
            return;
        }
        next.stop();
        ua = null;
        show("failed", `Cannot reach the SIP server ${cfg.webSocketUrl}.`);
    });
    next.on("registered", (e) => {
        if (current() && !busy()) show("registered", `Signed in as ${aor}; waiting for calls.`, e.response.status_code);
    });
    next.on("registrationFailed", (e) => {
        if (!current()) return;
        next.stop();
        ua = null;
        const code = e.response?.status_code;
        if (!busy()) show("failed", `Sign-in as ${aor} failed: ${e.cause ?? "error"}${code ? ` (${code} ${e.response.reason_phrase})` : ""}.`, code);
    });
    next.on("newRTCSession", onIncoming);
    show("registering", `Signing in as ${aor}…`, null);
    next.start();
}

function init(): void {
    const cfg = window.CLICK_TO_CALL_CONFIG;
    if (!cfg) {
        show("failed", "The call settings (/config.js) did not load; reload the page.");
        return;
    }
    if (page === "guest") {
        const list = document.getElementById("destinations") as HTMLElement;
        for (const d of cfg.destinations) {
            const item = document.createElement("li");
            const button = document.createElement("button");
            button.type = "button";
            button.className = "call";
            button.dataset.uri = d.uri;
            button.textContent = d.label;
            button.addEventListener("click", () => void call(d.uri));
            const uri = document.createElement("span");
            uri.className = "uri";
            uri.textContent = d.uri;
            item.append(button, uri);
            list.append(item);
        }
        show("idle", cfg.destinations.length ? "Choose whom to call." : "No one to call is configured.");
    } else {
        (document.getElementById("sip-domain") as HTMLElement).textContent = `@${cfg.sipDomain}`;
        const form = document.getElementById("sign-in") as HTMLFormElement;
        form.addEventListener("submit", (ev) => {
            ev.preventDefault();
            signIn(cfg, (form.elements.namedItem("user") as HTMLInputElement).value.trim(), (form.elements.namedItem("password") as HTMLInputElement).value);
        });
        answerButton?.addEventListener("click", () => void answer());
        show("idle", "Sign in to take calls.");
    }
}

window.clickToCall = {
    call,
    answer,
    hangup,
    get session() {
        return session;
    },
    get state() {
        return state;
    },
};
hangupButton.addEventListener("click", hangup);
window.addEventListener("pagehide", () => ua?.stop());
init();
