import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertOk, checkKamailio, checkProsody, checkZone, stunBinding, withOverlay } from "./support/debian-tools";
import { selfSigned } from "./support/fixture-host";
import { turnPorts } from "../../components/turn/render";
import { turnDefaults } from "../../components/turn/turnServer";

// The render tier: the files synth writes for the Falcot stack, checked by the real Debian tools.

const root = path.resolve(__dirname, "../..");
const addrs = { ipv4: ["198.51.100.19", "198.51.100.20", "198.51.100.21"], ipv6: ["2001:db8:1000:2000::19"] };

async function synthHost(layout: string, sets: [string, string][] = []): Promise<{ out: string; host: string }> {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `rtc-render-${layout}-`));
    await jest.isolateModulesAsync(async () => {
        const m = await import("../../scripts/synth");
        await m.synth(root, { stack: "falcot", out, sets: [["layout", layout], ...sets], secrets: [] });
    });
    const host = path.join(out, "hosts", "server1");
    // Synth leaves certificates and keys as placeholders; give the daemons real ones for the names they serve.
    selfSigned(`${host}/etc/kamailio/tls/sip-proxy.falcot.com.crt`, `${host}/etc/kamailio/tls/sip-proxy.falcot.com.key`, "sip-proxy.falcot.com", "sip.falcot.com");
    selfSigned(`${host}/etc/coturn/tls/turn-server.falcot.com.crt`, `${host}/etc/coturn/tls/turn-server.falcot.com.key`, "turn-server.falcot.com");
    selfSigned(`${host}/etc/prosody/certs/falcot.com.crt`, `${host}/etc/prosody/certs/falcot.com.key`, "falcot.com", "conference.falcot.com");
    return { out, host };
}

describe.each(["standard", "port443"])("Falcot %s layout, checked by Debian's own tools", (layout) => {
    let out = "";
    let host = "";
    beforeAll(async () => ({ out, host } = await synthHost(layout)));
    afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

    it("zone passes named-checkzone -S fail -i full", async () => {
        assertOk(await checkZone(path.join(out, "zone.db"), "falcot.com"), "named-checkzone");
    });

    it("Kamailio accepts the packaged config with our local defines, and our main config", async () => {
        const r = assertOk(await checkKamailio(host, addrs), "kamailio");
        expect(r.modules).toEqual(expect.arrayContaining(["db_mysql.so", "auth_db.so", "tls.so", "pike.so", "htable.so"]));
        const expected = layout === "port443" ? ["tls:198.51.100.20:443", "udp:198.51.100.20:5060"] : ["udp:198.51.100.19:5060", "tls:198.51.100.19:5061"];
        for (const l of expected) expect(r.listen.join(" ")).toContain(l);
        expect(r.listen.join(" ")).not.toContain("127.0.0.1");
        assertOk(await withOverlay(host, ["/etc/kamailio"], addrs, ["kamailio", "-c", "-f", "/etc/kamailio/kamailio-rtc.cfg"]), "kamailio main");
    });

    it("Prosody accepts the config and the VirtualHost in conf.d", async () => {
        const r = assertOk(await checkProsody(host, "config", { remove: ["/etc/prosody/conf.d/localhost.cfg.lua"] }), "prosodyctl check config");
        expect(r.output).not.toMatch(/error/i);
    });

    it("coturn starts on the generated turnserver.conf, answers a STUN binding on each address, and listens on exactly the ports firewalls open for it", async () => {
        const expected = layout === "port443" ? ["198.51.100.19"] : addrs.ipv4;
        const r = assertOk(await stunBinding(host, { ipv4: expected, ipv6: [] }), "turnserver");
        expect(Object.keys(r.reflexive).sort()).toEqual(expected);
        const declared = turnPorts({ port: 3478, tlsPort: layout === "port443" ? 443 : 5349, relayPorts: turnDefaults.relayPorts, alternates: expected.length >= 2 })
            .filter((p) => p.purpose !== "TURN relay").map((p) => `${p.protocol} ${p.from}`);
        expect(r.listening).toEqual([...new Set(declared)].sort());
    });
});

describe.each(["standard", "port443"])("Falcot %s layout with SIP over secure WebSocket", (layout) => {
    let out = "";
    let host = "";
    beforeAll(async () => ({ out, host } = await synthHost(layout, [["sipWebSocket", "true"]])));
    afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

    it("Kamailio accepts the WebSocket module, its upgrade route and the NAT handling, and binds the WSS port", async () => {
        const r = assertOk(await checkKamailio(host, addrs), "kamailio");
        const wss = layout === "port443" ? ["tls:198.51.100.20:8443", "tls:198.51.100.20:443"] : ["tls:198.51.100.19:8443"];
        for (const l of wss) expect(r.listen.join(" ")).toContain(l);
        assertOk(await withOverlay(host, ["/etc/kamailio"], addrs, ["kamailio", "-c", "-f", "/etc/kamailio/kamailio-rtc.cfg"]), "kamailio main");
        const main = fs.readFileSync(path.join(host, "etc/kamailio/kamailio-rtc.cfg"), "utf8");
        expect(main).toContain(layout === "port443" ? "if ($Rp != 8443 && $Rp != 443) {" : "if ($Rp != 8443) {");
    });
});

describe.each([["16", undefined], ["400", "400"], ["off", "0"]])("Falcot with the SIP flood limit %s", (what, value) => {
    let out = "";
    let host = "";
    beforeAll(async () => ({ out, host } = await synthHost("standard", value === undefined ? [] : [["sip", `{"floodLimit":${value}}`]])));
    afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

    it("Kamailio accepts the limit over the packaged pike settings, or runs without flood protection", async () => {
        const r = assertOk(await withOverlay(host, ["/etc/kamailio"], addrs, ["kamailio", "-c", "-f", "/etc/kamailio/kamailio-rtc.cfg"]), "kamailio main");
        expect(r.output).toMatch(/config file ok/);
        const local = fs.readFileSync(path.join(host, "etc/kamailio/kamailio-local.cfg"), "utf8");
        const main = fs.readFileSync(path.join(host, "etc/kamailio/kamailio-rtc.cfg"), "utf8");
        expect(local.includes("#!define WITH_ANTIFLOOD")).toBe(what !== "off");
        expect(main.match(/^modparam\("pike", "reqs_density_per_unit", (\d+)\)$/m)?.[1]).toBe(what === "off" ? undefined : what);
    });
});

describe("Falcot standard layout with the click-to-call page", () => {
    let out = "";
    let host = "";
    beforeAll(async () => ({ out, host } = await synthHost("standard", [["clickToCall", '{"enabled":true,"destinations":["roland"]}']])));
    afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

    it("Kamailio accepts the guests' pre-routing with auth_ephemeral, and does not log the guests' secret while it reads it", async () => {
        assertOk(await checkKamailio(host, addrs), "kamailio");
        const r = assertOk(await withOverlay(host, ["/etc/kamailio"], addrs, ["kamailio", "-c", "-f", "/etc/kamailio/kamailio-rtc.cfg"]), "kamailio main");
        expect(r.output).toMatch(/config file ok/);
        // The secret is still the placeholder here; a line with it would be the secret itself on a host.
        expect(fs.readFileSync(path.join(host, "etc/kamailio/kamailio-rtc.cfg"), "utf8")).toContain("@@SECRET:kamailio-guest-secret@@");
        expect(r.output).not.toContain("kamailio-guest-secret");
    });
});
