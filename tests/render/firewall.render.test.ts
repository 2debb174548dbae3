import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { port } from "../../components/common/ports";
import { renderFirewall } from "../../components/firewall/render";
import { FirewallPaths, firewallApplyScript, firewallConfirmScript, firewallRemoveScript } from "../../components/firewall/scripts";

// The firewall's ruleset and its apply, confirm and revert steps, run with the real nft in throw-away network
// and pid namespaces (PID 1 is not systemd there, so the revert takes the setsid way). Needs root.

const rulesetA = renderFirewall([port("udp", 3478, "TURN"), { protocol: "udp", from: 49152, to: 65535, purpose: "TURN relay" }]);
const rulesetB = renderFirewall([port("tcp", 5222, "XMPP clients")]);
const broken = rulesetB.replace("policy drop;", "policy sometimes;");
const revertAfter = 2;

describe("host firewall with the real nft", () => {
    let dir = "";
    let paths: FirewallPaths;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-firewall-"));
        paths = { next: path.join(dir, "etc/firewall.next.nft"), confirmed: path.join(dir, "etc/firewall.nft"), stateDir: path.join(dir, "state/firewall"), unit: "pulumi-rtc-firewall.service" };
        fs.mkdirSync(path.join(dir, "etc"));
        fs.writeFileSync(path.join(dir, "a.nft"), rulesetA);
        fs.writeFileSync(path.join(dir, "b.nft"), rulesetB);
        fs.writeFileSync(path.join(dir, "broken.nft"), broken);
        fs.writeFileSync(path.join(dir, "apply.sh"), firewallApplyScript(revertAfter, paths));
        fs.writeFileSync(path.join(dir, "confirm.sh"), firewallConfirmScript(paths));
        fs.writeFileSync(path.join(dir, "remove.sh"), firewallRemoveScript(paths));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Runs `steps` in fresh namespaces. `use X` puts X.nft where the apply step reads it; `snap NAME` saves the ruleset as NAME. */
    function inNamespace(steps: string): { code: number | null; output: string; snap: (name: string) => string } {
        const script = [
            "set -u",
            `cd ${JSON.stringify(dir)}`,
            `use() { cp "$1.nft" ${JSON.stringify(paths.next)}; }`,
            `snap() { nft -s list ruleset > "snap-$1.txt"; }`,
            "step() { echo \"== $1\"; sh \"$1.sh\" 2>&1; echo \"== $1 exit $?\"; }",
            "ip link set lo up",
            steps,
        ].join("\n");
        const r = spawnSync("unshare", ["--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc", "sh", "-c", script], { encoding: "utf8", timeout: 60_000 });
        return { code: r.status, output: `${r.stdout}${r.stderr}`, snap: (name) => fs.readFileSync(path.join(dir, `snap-${name}.txt`), "utf8") };
    }

    it("nft -c accepts the rendered ruleset, and nft -f loads it twice as once", () => {
        const r = inNamespace(["nft add table inet other", "nft -c -f a.nft || exit 10", "nft -f a.nft && nft -f a.nft || exit 11", "snap loaded"].join("\n"));
        expect(r).toMatchObject({ code: 0 });
        const loaded = r.snap("loaded");
        expect(loaded).toContain("table inet other");
        expect(loaded.match(/^table inet pulumi_rtc /gm)).toHaveLength(1);
        expect(loaded).toContain('udp dport 49152-65535 accept comment "TURN relay"');
        expect(loaded).toContain('tcp dport 22 accept comment "SSH"');
    });

    it("a broken ruleset fails the apply step and leaves the running one in place, with no revert armed", () => {
        const r = inNamespace(["use a; step apply; step confirm", "snap before", "use broken; step apply", "snap after", "ls state/firewall"].join("\n"));
        expect(r.output).toContain("== apply exit 0");
        expect(r.output).toMatch(/== apply exit [1-9]/);
        expect(r.output).toContain("nft refuses");
        expect(r.snap("before")).toContain("3478");
        expect(r.snap("after")).toBe(r.snap("before"));
        expect(r.output).not.toMatch(/^(pending|revert\.pid)$/m);
    });

    it("without confirmation, the previous table comes back; with none before, the table goes", () => {
        const r = inNamespace([
            "use a; step apply; step confirm", "snap a",
            "use b; step apply", "snap applied",
            "step apply", // twice while pending: the revert still restores A
            `sleep ${revertAfter + 2}`, "snap reverted",
            "step confirm",
            "step remove", "snap removed",
            "use b; step apply", `sleep ${revertAfter + 2}`, "snap none",
        ].join("\n"));
        expect(r.snap("applied")).toContain("tcp dport 5222");
        expect(r.snap("applied")).not.toContain("3478");
        expect(r.snap("reverted")).toBe(r.snap("a"));
        expect(r.output).toMatch(/== confirm\n[^=]*reverted before it was confirmed[^=]*== confirm exit 1/);
        expect(r.snap("removed")).toBe("");
        expect(r.snap("none")).toBe("");
    });

    it("with confirmation, the new table stays, and a second confirmation changes nothing", () => {
        const r = inNamespace([
            "use a; step apply; step confirm",
            "use b; step apply", "step confirm", "step confirm",
            `sleep ${revertAfter + 2}`, "snap kept",
            `cmp b.nft ${JSON.stringify(paths.confirmed)} && echo CONFIRMED_FILE_IS_B`,
            "ls state/firewall",
        ].join("\n"));
        expect(r.output.match(/== (apply|confirm) exit 0/g)).toHaveLength(5);
        expect(r.snap("kept")).toContain("tcp dport 5222");
        expect(r.snap("kept")).not.toContain("3478");
        expect(r.output).toContain("CONFIRMED_FILE_IS_B");
        expect(r.output).not.toMatch(/^(pending|revert\.pid)$/m);
    });
});
