// The offline Pulumi environment for tests, taken from scripts/offline-env.sh so
// that the settings live in one place. The first call may build the toolchain
// (see docs/toolchain.md); later calls take a second or two.
import { execFileSync } from "child_process";
import * as path from "path";

export const repoRoot = path.resolve(__dirname, "..", "..");

/**
 * Returns process.env plus the offline settings (PULUMI_BACKEND_URL, PULUMI_HOME,
 * PATH with the toolchain, ...). `overrides` are applied before the script runs,
 * so e.g. PULUMI_RTC_STATE_DIR picks the file backend directory.
 */
export function engineEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
    const base: NodeJS.ProcessEnv = { ...process.env, ...overrides };
    const out = execFileSync("bash", [path.join(repoRoot, "scripts", "offline-env.sh"), "--json"], {
        env: base,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 16 * 1024 * 1024,
    });
    const lines = out.trim().split("\n");
    const vars = JSON.parse(lines[lines.length - 1]) as Record<string, string>;
    return { ...base, ...vars };
}
