import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createHash } from "crypto";
import { REVISION_KEY, SECRET_DIR, aptInstallScript, ensureLineScript, removeFileScript, removeLineScript, serviceScript, shellQuote, userSyncScript, writeFileScript } from "./scripts";

const sh = (script: string, input = "") => execFileSync("bash", ["-c", script], { input, encoding: "utf8" });

describe("host scripts", () => {
    it("quotes anything for the shell", () => {
        expect(sh(`printf '%s' ${shellQuote("it's $HOME `x`")}`)).toBe("it's $HOME `x`");
    });

    it("asks apt only for missing packages, in one sorted transaction", () => {
        const s = aptInstallScript(["prosody", "coturn", "prosody"], "server1-packages");
        expect(s).toContain("packages='coturn prosody'");
        expect(s.match(/ install \$missing/g)).toHaveLength(1);
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

    it("keeps the file it replaced and puts it back at destroy; a file it made is removed", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-orig-"));
        const theirs = path.join(dir, "theirs.conf");
        const ours = path.join(dir, "new", "ours.conf");
        fs.writeFileSync(theirs, "the administrator's\n");
        const write = (p: string) => writeFileScript({ path: p, mode: "0644", owner: "root", group: "root", fillSecrets: false, keepOriginal: true });
        sh(write(theirs), "# Managed by pulumi-rtc (Pulumi). Do not edit by hand:\nours\n");
        sh(write(theirs), "# Managed by pulumi-rtc (Pulumi). Do not edit by hand:\nours, changed\n"); // the original is kept once
        sh(write(ours), "ours\n");
        expect(fs.readFileSync(theirs, "utf8")).toContain("ours, changed");
        sh(removeFileScript(theirs));
        sh(removeFileScript(ours));
        sh(removeFileScript(ours)); // twice, as a half-clean host would have it
        expect(fs.readFileSync(theirs, "utf8")).toBe("the administrator's\n");
        expect(fs.existsSync(ours)).toBe(false);
        expect(fs.existsSync(`/var/lib/pulumi-rtc/originals${dir}`)).toBe(false);
    });

    it("adds its line to a shared file once, and removes only that line", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rtc-line-")), "named.conf.local");
        fs.writeFileSync(file, "// the administrator's zones\nzone \"example.org\" { type master; file \"/etc/bind/db.example.org\"; };\n");
        const before = fs.readFileSync(file, "utf8");
        const line = 'include "/etc/bind/pulumi-rtc/falcot.com.conf";';
        sh(ensureLineScript(file, line, "// Managed by pulumi-rtc"));
        sh(ensureLineScript(file, line, "// Managed by pulumi-rtc"));
        expect(fs.readFileSync(file, "utf8")).toBe(`${before}${line}\n`);
        sh(removeLineScript(file, line));
        sh(removeLineScript(file, line));
        expect(fs.readFileSync(file, "utf8")).toBe(before);
        fs.writeFileSync(file, "// Managed by pulumi-rtc (Pulumi). Do not edit by hand:\nzone \"falcot.com\" {};\n"); // as an earlier version wrote it
        sh(ensureLineScript(file, line, "// Managed by pulumi-rtc"));
        expect(fs.readFileSync(file, "utf8")).toBe(`${line}\n`);
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

    it("service script runs again when a revision changes, and checks the config before it restarts", () => {
        const a = serviceScript({ unit: "coturn", paths: ["/etc/turnserver.conf"], revisions: ["abc"], onChange: "restart", check: "true" });
        expect(a).toContain("systemctl restart 'coturn'");
        expect(a.indexOf("\ntrue\n")).toBeLessThan(a.indexOf("systemctl restart"));
        expect(a.indexOf("running on its current files")).toBeLessThan(a.indexOf("\ntrue\n"));
        expect(serviceScript({ unit: "coturn", paths: ["/etc/turnserver.conf"], revisions: ["abd"], onChange: "restart" })).not.toBe(a);
    });

    it("service script restarts a running unit only for a file written since its last (re)start", () => {
        // Runs the script with a stand-in `systemctl` on PATH that records what it was asked.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-unit-"));
        const conf = path.join(dir, "unit.conf");
        fs.writeFileSync(conf, "x\n");
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "systemctl"), `#!/bin/sh\necho "$*" >> ${dir}/calls\ncase "$1" in show) echo "@$(cat ${dir}/started)";; esac\nexit 0\n`, { mode: 0o755 });
        const unit = `rtc-test-${process.pid}`;
        const script = serviceScript({ unit, paths: [conf], revisions: ["r"], onChange: "restart" });
        const run = () => {
            fs.rmSync(`${dir}/calls`, { force: true });
            execFileSync("bash", ["-c", script], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8", stdio: "pipe" });
            return fs.readFileSync(`${dir}/calls`, "utf8").includes(`restart ${unit}`);
        };
        const stamp = `/var/lib/pulumi-rtc/units/${unit}.applied`;
        try {
            // No stamp yet (a host set up by an earlier version): the unit's start time decides.
            fs.writeFileSync(`${dir}/started`, String(Math.floor(Date.now() / 1000) + 5));
            expect(run()).toBe(false);
            fs.writeFileSync(`${dir}/started`, String(Math.floor(Date.now() / 1000) - 5));
            expect(run()).toBe(true);
            // Now stamped: restarted again only after the file is written anew.
            expect(run()).toBe(false);
            const ago = (s: number) => new Date(Date.now() - s * 1000);
            fs.utimesSync(stamp, ago(10), ago(10));
            fs.utimesSync(conf, ago(5), ago(5)); // written after the last restart
            expect(run()).toBe(true);
            expect(run()).toBe(false);
        } finally {
            fs.rmSync(stamp, { force: true });
        }
    });

    it("syncs users: adds the declared, removes only the ones it added before", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-users-"));
        const store = path.join(dir, "store");
        fs.writeFileSync(store, "by-hand\n");
        const script = userSyncScript({
            id: `test-${path.basename(dir)}`,
            upsert: `grep -qx "$name" ${store} || echo "$name" >> ${store}; printf '%s=%s\\n' "$name" "$(printf '%s' "$cred" | base64 -d)"`,
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

describe("the drop-in of a kept unit", () => {
    it("restarts the unit on failure, after the units and files it needs", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { renderServiceDropIn } = require("./primitives") as typeof import("./primitives");
        const text = renderServiceDropIn({ after: ["mariadb"], needsFiles: ["/etc/kamailio/tls/sip.crt", "/etc/kamailio/tls/sip.key"] });
        expect(text).toMatchSnapshot();
        expect(text).toContain("Restart=on-failure");
        expect(text).toMatch(/^After=mariadb\.service$/m);
        expect(text).toMatch(/^Wants=mariadb\.service$/m);
        expect(text.match(/^AssertPathExists=/gm)).toHaveLength(2);
        expect(renderServiceDropIn({})).not.toMatch(/After=|Wants=|Assert/);
    });
});
