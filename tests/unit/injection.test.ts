import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// Injection through the stack config, run through synth: each attempt is refused before anything is written,
// and the output of the last good synth stays as it was.

function expectClean(err: unknown, where: string, secret?: string): void {
    expect(err).toBeDefined();
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain(`${where} `);
    expect(message).toMatch(/Fix: \S/);
    for (const bad of ["undefined", "[object Object]", "\n    at "]) expect(message).not.toContain(bad);
    if (secret) expect(message).not.toContain(secret);
}

describe("injection through synth: refused, and nothing is written", () => {
    const root = path.resolve(__dirname, "../..");
    const treeHash = (dir: string): string => {
        const h = createHash("sha256");
        const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).forEach((e) => {
            const p = path.join(d, e.name);
            h.update(p);
            if (e.isDirectory()) walk(p);
            else if (e.isFile()) h.update(fs.readFileSync(p));
        });
        walk(dir);
        return h.digest("hex");
    };
    const runSynth = async (out: string, sets: [string, string][], secrets: [string, string][] = []) => {
        await jest.isolateModulesAsync(async () => {
            const { synth } = await import("../../scripts/synth");
            await synth(root, { stack: "falcot", out, sets, secrets });
        });
    };
    let out = "";
    let before = "";
    beforeAll(async () => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-inject-"));
        await runSynth(out, []);
        before = treeHash(out);
        expect(fs.readFileSync(path.join(out, "hosts/server1/etc/turnserver.conf"), "utf8")).toContain("realm=falcot.com");
    });

    it.each<[string, [string, string][], [string, string][], string]>([
        ["a record through a name server's address", [["dns.nameServers[0].ipv4[0]", "198.51.100.19\n@ IN NS evil.example."]], [], "dns.nameServers[0].ipv4[0]"],
        ["a line through the domain", [["domain", "falcot.com\nallow-loopback-peers"]], [], "domain"],
        ["a line through a host's fqdn", [["hosts.server1.fqdn", "server1.falcot.com\nallow-loopback-peers"]], [], "hosts.server1.fqdn"],
        ["a line through a user's service", [["users.roland.services[0]", "turn\nallow-loopback-peers"]], [], "users.roland.services[0]"],
        ["a line through a password", [], [["passwords.roland", "long enough password\nallow-loopback-peers"]], "passwords.roland"],
    ])("%s", async (_what, sets, secrets, where) => {
        let err: unknown;
        try {
            await runSynth(out, sets, secrets);
        } catch (e) {
            err = e;
        }
        expectClean(err, where, secrets[0]?.[1]);
        expect(treeHash(out)).toBe(before);
    });

    it("a password with quotes, $(), backticks and semicolons synthesises, and lands nowhere in the output", async () => {
        const tricky = "it's \"$(touch /tmp/pwned)\" `id`; echo x";
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-good-"));
        await runSynth(dir, [], [["passwords.roland", tricky]]);
        const all = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
            .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8")).join("\n");
        expect(all).toContain("realm=falcot.com");
        expect(all).not.toContain("touch /tmp/pwned");
        expect(fs.existsSync("/tmp/pwned")).toBe(false);
    });
});
