import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

// The pull-request workflows, linted by actionlint (with shellcheck on their run: steps).

const root = path.resolve(__dirname, "../..");
const actionlint = (...args: string[]) => spawnSync("bash", ["scripts/actionlint.sh", ...args], { cwd: root, encoding: "utf8", timeout: 600000 });
const workflow = (name: string) => parse(fs.readFileSync(path.join(root, ".github/workflows", name), "utf8")) as {
    on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, { steps: { uses?: string; run?: string }[] }>;
};

describe("GitHub workflows", () => {
    it("pass actionlint", () => {
        const r = actionlint();
        expect(`${r.stdout}${r.stderr}`).toBe("");
        expect(r.status).toBe(0);
    });

    it("actionlint catches what it must: untrusted input in a script, an unknown runner", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-actionlint-"));
        const bad = path.join(dir, "bad.yml");
        fs.writeFileSync(bad, [
            "on: pull_request", "jobs:", "  j:", "    runs-on: ubuntu-1804", "    steps:",
            "      - run: echo \"${{ github.event.pull_request.title }}\"", "",
        ].join("\n"));
        const r = actionlint(bad);
        fs.rmSync(dir, { recursive: true, force: true });
        expect(r.status).not.toBe(0);
        expect(r.stdout).toMatch(/potentially untrusted/);
        expect(r.stdout).toMatch(/ubuntu-1804/);
    });

    it("the diff runs the PR's code with a read-only token; the comment job never checks it out", () => {
        const diff = workflow("synth-diff.yml");
        expect(Object.keys(diff.on)).toEqual(["pull_request"]);
        expect(diff.permissions).toEqual({ contents: "read" });
        expect(diff.jobs["synth-diff"].steps.map((s) => s.run ?? "").join("\n")).toContain("npm run -s synth -- --stack falcot --diff");
        const comment = workflow("synth-diff-comment.yml");
        expect(Object.keys(comment.on)).toEqual(["workflow_run"]);
        const uses = Object.values(comment.jobs).flatMap((j) => j.steps.map((s) => s.uses ?? ""));
        expect(uses.filter((u) => u.startsWith("actions/checkout"))).toEqual([]);
        expect(Object.values(comment.jobs).flatMap((j) => j.steps.filter((s) => s.run))).toEqual([]);
    });
});
