import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createHash } from "crypto";
import { REVISION_KEY, SECRET_DIR, aptInstallScript, serviceScript, shellQuote, userSyncScript, writeFileScript } from "./scripts";

const sh = (script: string, input = "") => execFileSync("bash", ["-c", script], { input, encoding: "utf8" });

describe("host scripts", () => {
    it("quotes anything for the shell", () => {
        expect(sh(`printf '%s' ${shellQuote("it's $HOME `x`")}`)).toBe("it's $HOME `x`");
    });

    it("asks apt only for missing packages, in one sorted transaction", () => {
        const s = aptInstallScript(["prosody", "coturn", "prosody"]);
        expect(s).toContain("packages='coturn prosody'");
        expect(s.match(/\$apt install/g)).toHaveLength(1);
        expect(s).toMatchSnapshot();
    });

    it("writes a file from stdin, and keeps the revision when the text is the same", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-file-"));
        const target = path.join(dir, "a", "b.conf");
        const script = writeFileScript({ path: target, mode: "0640", owner: "root", group: "root", fillSecrets: false });
        const first = sh(script, "hello\n");
        expect(fs.readFileSync(target, "utf8")).toBe("hello\n");
        expect((fs.statSync(target).mode & 0o777).toString(8)).toBe("640");
        expect(sh(script, "hello\n")).toBe(first);
        expect(sh(script, "changed\n")).not.toBe(first);
        expect(fs.readdirSync(path.dirname(target))).toEqual(["b.conf"]);
    });

    it("keys the revision of a file that holds a secret with the host's own key", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-keyed-"));
        const target = path.join(dir, "secret");
        const script = writeFileScript({ path: target, mode: "0600", owner: "root", group: "root", fillSecrets: false, secret: true });
        const secret = "correct horse battery staple\n";
        const revision = sh(script, secret).trim();
        expect(revision).toMatch(/^[0-9a-f]{64}$/);
        expect(revision).not.toBe(createHash("sha256").update(secret).digest("hex"));
        expect(sh(script, secret).trim()).toBe(revision);
        expect(sh(script, "another\n").trim()).not.toBe(revision);
        const key = fs.readFileSync(REVISION_KEY, "utf8");
        expect(key).toMatch(/^[0-9a-f]{64}$/);
        expect((fs.statSync(REVISION_KEY).mode & 0o777).toString(8)).toBe("600");
        expect(createHash("sha256").update(key + "another\n").digest("hex")).toBe(sh(script, "another\n").trim());
    });

    it("fills secret placeholders from the host's secret store, and fails on a missing one", () => {
        const name = `test-${process.pid}`;
        const secretFile = path.join(SECRET_DIR, name);
        fs.mkdirSync(SECRET_DIR, { recursive: true });
        fs.writeFileSync(secretFile, "s3cr$t/&\\1", { mode: 0o600 });
        try {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-fill-"));
            const target = path.join(dir, "kamctlrc");
            const script = writeFileScript({ path: target, mode: "0640", owner: "root", group: "root", fillSecrets: true });
            sh(script, `DBRWPW="@@SECRET:${name}@@"\nother=@@SECRET\n`);
            expect(fs.readFileSync(target, "utf8")).toBe(`DBRWPW="s3cr$t/&\\1"\nother=@@SECRET\n`);
            expect(() => sh(script, "x=@@SECRET:no-such-secret@@\n")).toThrow(/secret no-such-secret is not on this host/);
            expect(fs.readFileSync(target, "utf8")).toContain("s3cr$t");
        } finally {
            fs.rmSync(secretFile, { force: true });
        }
    });

    it("service script restarts only through its revisions line", () => {
        const a = serviceScript({ unit: "coturn", revisions: ["abc"], onChange: "restart", check: "true" });
        expect(a).toContain("systemctl restart 'coturn'");
        expect(a.indexOf("true")).toBeLessThan(a.indexOf("systemctl restart"));
        expect(serviceScript({ unit: "coturn", revisions: ["abd"], onChange: "restart" })).not.toBe(a);
    });

    it("syncs users: adds the declared, removes only the ones it added before", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-users-"));
        const store = path.join(dir, "store");
        fs.writeFileSync(store, "by-hand\n");
        const script = userSyncScript({
            id: `test-${path.basename(dir)}`,
            upsert: `grep -qx "$name" ${store} || echo "$name" >> ${store}; printf '%s=%s\\n' "$name" "$pw"`,
            remove: `sed -i "/^$name$/d" ${store}`,
            apply: `cp "$batch" ${dir}/batch`,
        });
        const line = (name: string, pw: string) => `user ${name} ${Buffer.from(pw).toString("base64")}\n`;
        sh(script, line("roland", "p w'1") + line("joe", "x"));
        expect(fs.readFileSync(store, "utf8").split("\n").filter(Boolean).sort()).toEqual(["by-hand", "joe", "roland"]);
        expect(fs.readFileSync(`${dir}/batch`, "utf8")).toContain("roland=p w'1");
        sh(script, line("roland", "y"));
        expect(fs.readFileSync(store, "utf8").split("\n").filter(Boolean).sort()).toEqual(["by-hand", "roland"]);
        fs.rmSync(`/var/lib/pulumi-rtc/test-${path.basename(dir)}.users`, { force: true });
    });
});
