import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Browser, Page, chromium } from "playwright-core";

// Debian's Chromium, headless, driven by playwright-core (which downloads no browser). Each browser has its own
// HOME, whose NSS database trusts the stack's CA (wss: and turns: verify against it), and its own mount
// namespace, whose /etc/resolv.conf points at the stack's DNS server: names resolve as a visitor's would.

export const chromiumPath = "/usr/lib/chromium/chromium";

export interface StackBrowser {
    readonly browser: Browser;
    close(): Promise<void>;
}

export async function launchBrowser(opts: { caCertPem: string; dnsServer: string }): Promise<StackBrowser> {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-chromium-"));
    const ca = path.join(home, "ca.pem");
    fs.writeFileSync(ca, opts.caCertPem);
    const nssdb = `sql:${path.join(home, ".pki", "nssdb")}`;
    fs.mkdirSync(path.join(home, ".pki", "nssdb"), { recursive: true });
    for (const args of [["-N", "--empty-password"], ["-A", "-t", "C,,", "-n", "stack-ca", "-i", ca]]) {
        const r = spawnSync("certutil", ["-d", nssdb, ...args], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`certutil ${args.join(" ")}: ${r.stderr}`);
    }
    const resolv = path.join(home, "resolv.conf");
    fs.writeFileSync(resolv, `nameserver ${opts.dnsServer}\noptions timeout:2 attempts:2\n`);
    const wrapper = path.join(home, "chromium");
    fs.writeFileSync(wrapper, [
        "#!/bin/sh",
        `exec unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec ${chromiumPath} "$@"' ${resolv} "$@"`,
        "",
    ].join("\n"), { mode: 0o755 });
    const browser = await chromium.launch({
        executablePath: wrapper,
        env: { ...process.env, HOME: home },
        args: ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required"],
        timeout: 60000,
    });
    return {
        browser,
        close: async () => {
            await browser.close().catch(() => undefined);
            fs.rmSync(home, { recursive: true, force: true });
        },
    };
}

/** What getStats says of a call's peer connection: the selected pair's candidates and the audio both ways. */
export interface CallStats {
    local?: { candidateType: string; address: string; relayProtocol?: string };
    remote?: { candidateType: string; address: string };
    pair?: { state: string; bytesSent: number; bytesReceived: number };
    audioIn: { packetsReceived: number; bytesReceived: number };
    audioOut: { packetsSent: number; bytesSent: number };
}

/** Reads the stats of the page's current call (window.clickToCall.session.connection). */
export function callStats(page: Page): Promise<CallStats> {
    return page.evaluate(async () => {
        const pc = (window as unknown as { clickToCall: { session: { connection: RTCPeerConnection } | null } }).clickToCall.session?.connection;
        if (!pc) throw new Error("no call");
        const report = await pc.getStats();
        const all = [...report.values()] as Record<string, unknown>[];
        const byId = (id: unknown) => all.find((s) => s.id === id);
        const transport = all.find((s) => s.type === "transport");
        const pair = byId(transport?.selectedCandidatePairId);
        const local = byId(pair?.localCandidateId);
        const remote = byId(pair?.remoteCandidateId);
        const sum = (type: string, key: string) => all.filter((s) => s.type === type && s.kind === "audio").reduce((n, s) => n + ((s[key] as number) ?? 0), 0);
        return {
            local: local && { candidateType: local.candidateType as string, address: local.address as string, relayProtocol: local.relayProtocol as string | undefined },
            remote: remote && { candidateType: remote.candidateType as string, address: remote.address as string },
            pair: pair && { state: pair.state as string, bytesSent: pair.bytesSent as number, bytesReceived: pair.bytesReceived as number },
            audioIn: { packetsReceived: sum("inbound-rtp", "packetsReceived"), bytesReceived: sum("inbound-rtp", "bytesReceived") },
            audioOut: { packetsSent: sum("outbound-rtp", "packetsSent"), bytesSent: sum("outbound-rtp", "bytesSent") },
        };
    });
}

/** Waits until the page's state line shows `state`, and returns its text; fails early on `failed`. */
export async function waitForState(page: Page, state: string, timeout = 30000): Promise<string> {
    const line = page.locator("#state");
    await page.waitForFunction((want) => {
        const s = document.getElementById("state")?.dataset.state;
        return s === want || (want !== "failed" && s === "failed");
    }, state, { timeout });
    const got = await line.getAttribute("data-state");
    const text = (await line.textContent()) ?? "";
    if (got !== state) throw new Error(`state is ${got}, not ${state}: ${text}`);
    return text;
}
