import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { engineEnv } from "./engine-env";

// The Pulumi YAML language host of the toolchain (built from the Go module github.com/pulumi/pulumi-yaml) runs a
// YAML program with the real engine, offline, against the official command plugin: up, a no-op preview, destroy.

let tmp = "";
let env: NodeJS.ProcessEnv = {};
const pulumi = (...args: string[]) => {
    const r = spawnSync("pulumi", [...args, "--non-interactive"], { cwd: path.join(tmp, "program"), env, encoding: "utf8", timeout: 600000 });
    return { code: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}`, stdout: r.stdout ?? "" };
};

beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-yaml-"));
    fs.mkdirSync(path.join(tmp, "program"));
    fs.mkdirSync(path.join(tmp, "state"));
    env = engineEnv({ PULUMI_RTC_STATE_DIR: path.join(tmp, "state") });
    fs.writeFileSync(path.join(tmp, "program", "Pulumi.yaml"), [
        "name: yaml-smoke",
        "runtime: yaml",
        "config:",
        "  markerDir:",
        "    type: string",
        "resources:",
        "  hello:",
        "    type: command:local:Command",
        "    properties:",
        "      create: echo created > ${markerDir}/created && echo hello from yaml",
        "      delete: echo deleted > ${markerDir}/deleted",
        "    options:",
        "      version: 1.2.1",
        "outputs:",
        "  said: ${hello.stdout}",
        "",
    ].join("\n"));
});

afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

it("the YAML language host is the toolchain's, built from the pulumi-yaml module", () => {
    const bin = path.dirname(spawnSync("bash", ["-c", "command -v pulumi"], { env, encoding: "utf8" }).stdout.trim());
    const go = fs.existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : "go";
    const info = spawnSync(go, ["version", "-m", path.join(bin, "pulumi-language-yaml")], { env, encoding: "utf8" }).stdout;
    expect(info).toMatch(/path\s+github\.com\/pulumi\/pulumi-yaml\/cmd\/pulumi-language-yaml/);
    expect(info).toMatch(/mod\s+github\.com\/pulumi\/pulumi-yaml\s+v1\.38\.1\s+h1:/);
});

it("runs a YAML program: up, a no-op preview, destroy", () => {
    expect(pulumi("stack", "init", "yaml-test").code).toBe(0);
    expect(pulumi("config", "set", "markerDir", tmp).code).toBe(0);
    const up = pulumi("up", "--yes", "--skip-preview");
    expect(up.output).toMatch(/\+\s+2 created/);
    expect(fs.readFileSync(path.join(tmp, "created"), "utf8").trim()).toBe("created");
    expect(JSON.parse(pulumi("stack", "output", "--json").stdout)).toEqual({ said: "hello from yaml" });
    expect(pulumi("preview", "--expect-no-changes").code).toBe(0);
    const down = pulumi("destroy", "--yes", "--skip-preview");
    expect(down.code).toBe(0);
    expect(fs.readFileSync(path.join(tmp, "deleted"), "utf8").trim()).toBe("deleted");
});
