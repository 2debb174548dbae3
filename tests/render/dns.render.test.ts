import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// The render tier for BIND: the files synth writes for the local stack's name server, loaded by named-checkconf
// with the zone, as named would read them.

const root = path.resolve(__dirname, "../..");

async function synthBind(sets: [string, string][]): Promise<string> {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-render-bind-"));
    await jest.isolateModulesAsync(async () => {
        const m = await import("../../scripts/synth");
        await m.synth(root, { stack: "local", out, sets, secrets: [] });
    });
    return out;
}

/** named-checkconf -z on the options and the zone's stanza, chrooted into a copy of the host's /etc/bind. */
function checkConf(out: string): { ok: boolean; output: string; stanza: string; options: string } {
    const chroot = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-named-"));
    fs.mkdirSync(path.join(chroot, "var/cache/bind"), { recursive: true });
    fs.cpSync(path.join(out, "hosts/server1/etc/bind"), path.join(chroot, "etc/bind"), { recursive: true });
    const stanzaFile = path.join(chroot, "etc/bind/pulumi-rtc/falcot.com.conf");
    // Synth leaves the TSIG secret as a placeholder; named needs base64 there.
    const stanza = fs.readFileSync(stanzaFile, "utf8");
    fs.writeFileSync(stanzaFile, stanza.replace(/@@SECRET:[^@]+@@/g, randomBytes(32).toString("base64")));
    fs.writeFileSync(path.join(chroot, "etc/bind/named.conf"), 'include "/etc/bind/named.conf.options";\ninclude "/etc/bind/pulumi-rtc/falcot.com.conf";\n');
    const r = spawnSync("named-checkconf", ["-t", chroot, "-z", "/etc/bind/named.conf"], { encoding: "utf8" });
    const options = fs.readFileSync(path.join(chroot, "etc/bind/named.conf.options"), "utf8");
    fs.rmSync(chroot, { recursive: true, force: true });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`, stanza, options };
}

describe("BIND, authoritative only", () => {
    const outs: string[] = [];
    afterAll(() => outs.forEach((o) => fs.rmSync(o, { recursive: true, force: true })));

    it("with a secondary: named-checkconf loads the zone; transfers need its address and the TSIG key, and only it is notified", async () => {
        const out = await synthBind([]);
        outs.push(out);
        const r = checkConf(out);
        expect(r.output).toMatch(/zone falcot\.com\/IN: loaded serial/);
        expect(r.ok).toBe(true);
        expect(r.options).toMatch(/^\s+recursion no;$/m);
        expect(r.options).toMatch(/^\s+allow-query-cache \{ none; \};$/m);
        expect(r.options).toMatch(/^\s+allow-transfer \{ none; \};$/m);
        expect(r.stanza).toContain('allow-transfer { !{ !198.51.100.1; any; }; key "falcot.com-transfer"; };');
        expect(r.stanza).toContain('also-notify { 198.51.100.1 key "falcot.com-transfer"; };');
        expect(r.stanza).toContain("@@SECRET:dns-falcot.com-transfer-key@@");
    });

    it("without secondaries: no key, no transfer, no notify", async () => {
        const out = await synthBind([["dns.secondaries", "[]"]]);
        outs.push(out);
        const r = checkConf(out);
        expect(r.ok).toBe(true);
        expect(r.stanza).not.toContain("key ");
        expect(r.stanza).toMatch(/^\s+allow-transfer \{ none; \};$/m);
        expect(r.stanza).toMatch(/^\s+notify no;$/m);
    });
});
