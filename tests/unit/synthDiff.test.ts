import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SynthSide, diffMarkdown, secretsOf, synthDiff } from "../../scripts/synth/diff";

// `npm run synth -- --diff REF`: the Markdown a reviewer reads, from two commits of a fixture repository (a
// clone of this one), and from hand-made sides for the secrets.

const root = path.resolve(__dirname, "../..");

/** A clone of this checkout's HEAD with the work tree's synth code, and node_modules linked. */
function fixtureRepo(): string {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-diff-repo-"));
    const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", stdio: "pipe" });
    execFileSync("git", ["clone", "--quiet", "--no-hardlinks", root, repo]);
    for (const f of ["scripts/synth.ts", "scripts/synth/diff.ts", "components/host/registry.ts", "components/host/primitives.ts"]) fs.copyFileSync(path.join(root, f), path.join(repo, f));
    fs.symlinkSync(path.join(root, "node_modules"), path.join(repo, "node_modules"));
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "--quiet", "--allow-empty", "-am", "synth code of the work tree");
    return repo;
}

function commit(repo: string, message: string, edit: (config: string) => string): void {
    const file = path.join(repo, "Pulumi.falcot.yaml");
    fs.writeFileSync(file, edit(fs.readFileSync(file, "utf8")));
    execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "--quiet", "-am", message]);
}

describe("synth --diff on two commits of a fixture repository", () => {
    let repo = "";
    beforeAll(() => { repo = fixtureRepo(); });
    afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

    it("adding a user: the users steps name them, nothing restarts, and no password shows", async () => {
        commit(repo, "add bob", (c) => c.replace("  falcot-rtc:users:\n", "  falcot-rtc:users:\n    bob:\n      services: [turn, sip]\n"));
        const md = await synthDiff(repo, { stack: "falcot", ref: "HEAD~1", sets: [] });
        expect(md.split("\n")[0]).toBe("<!-- pulumi-rtc synth diff: falcot -->");
        expect(md).toMatch(/Changes: 0 file\(s\), 0 DNS record\(s\), 0 daemon restart\(s\)/);
        expect(md).toContain("#### `command:remote:Command::turn-users`: `create`");
        expect(md).toContain("-# users: roland; admins: admin\n+# users: bob, roland; admins: admin");
        expect(md).toContain("+# users: bob, roland\n");
        expect(md).not.toContain("synth-placeholder-for-passwords");
        expect(md).not.toContain("### Daemons that restart");
    });

    it("switching to port443: each file's changed lines, the records, the daemons that restart", async () => {
        commit(repo, "port443", (c) => c.replace("falcot-rtc:layout: standard", "falcot-rtc:layout: port443"));
        const md = await synthDiff(repo, { stack: "falcot", ref: "HEAD~1", sets: [] });
        expect(md).toContain("#### server1: `/etc/kamailio/kamailio-local.cfg` (changed)");
        expect(md).toContain("-listen=udp:198.51.100.19:5060\n+listen=udp:198.51.100.20:5060");
        expect(md).toContain("+listen=tls:198.51.100.20:443");
        expect(md).toContain("#### server1: `/etc/systemd/system/coturn.service.d/pulumi-rtc-bind-443.conf` (new)");
        expect(md).toMatch(/^\+ _turns\._tcp IN SRV 0 1 443 turn-server\.falcot\.com\.$/m);
        expect(md).toMatch(/^- _turns\._tcp IN SRV 0 1 5349 turn-server\.falcot\.com\.$/m);
        expect(md).toMatch(/^- `coturn` on server1: `\/etc\/turnserver\.conf`/m);
        expect(md).toMatch(/^- `kamailio` on server1: /m);
        expect(md).not.toMatch(/`mariadb` on server1/);
        expect(md).toContain("@@SECRET:kamailio-dbrw@@");
    });

    it("leaves the repository as it was: no worktree, no change", () => {
        expect(execFileSync("git", ["-C", repo, "worktree", "list"], { encoding: "utf8" }).trim().split("\n")).toHaveLength(1);
        expect(execFileSync("git", ["-C", repo, "status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" })).toBe("");
    });
});

describe("diffMarkdown", () => {
    const side = (over: Partial<SynthSide>): SynthSide => ({ files: new Map(), records: [], services: [], resources: new Map(), secrets: new Map(), ...over });

    it("names a changed secret and never shows its ciphertext", () => {
        const before = side({ secrets: secretsOf("config:\n  p:passwords:\n    roland:\n      secure: v1:AAAAold\n    alice:\n      secure: v1:same\n") });
        const after = side({ secrets: secretsOf("config:\n  p:passwords:\n    roland:\n      secure: v1:BBBBnew\n    alice:\n      secure: v1:same\n  p:sshPrivateKey:\n    secure: v1:CCCC\n") });
        const md = diffMarkdown(before, after, "t", "s");
        expect(md).toContain("- `p:passwords.roland`: changed");
        expect(md).toContain("- `p:sshPrivateKey`: added");
        expect(md).not.toContain("alice");
        for (const c of ["AAAAold", "BBBBnew", "CCCC"]) expect(md).not.toContain(c);
    });

    it("says so when nothing changed", () => {
        const s = side({ files: new Map([["server1:/etc/x", "a\n"]]), records: ["@ IN NS ns1."] });
        expect(diffMarkdown(s, s, "t")).toContain("No change: the same files, records, resources and secrets.");
    });
});
