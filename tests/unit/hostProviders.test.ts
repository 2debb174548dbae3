import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// A fifth host provider takes one new file and one row in the table (docs/host-providers.md): this test
// makes one in a copy of the program, touching nothing else, and runs the stack on it through synth.

const root = path.resolve(__dirname, "../..");

const providerFile = `import * as grammar from "../../components/common/grammar";
import { RtcHost } from "../../components/host/rtcHost";
import { strict, text } from "../schema";
import { hostProvider } from "./provider";

// A lab machine: one address, reached over SSH with the stack's key.
export const lab = hostProvider({
    schema: strict({ address: text(grammar.address(4), "an IPv4 address") }, "a lab host"),
    ipv4Count: () => 1,
    make: (h, env) => ({
        host: new RtcHost(env.name, { fqdn: env.fqdn, ipv4: [h.address], connection: { host: h.address, user: "root", privateKey: env.secrets.sshPrivateKey! } }),
    }),
});
`;

it("a fifth provider is its own file plus a row in stacks/hosts/index.ts", async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-provider-"));
    try {
        for (const item of ["components", "stacks", "scripts", "index.ts", "Pulumi.yaml"]) fs.cpSync(path.join(root, item), path.join(copy, item), { recursive: true });
        fs.symlinkSync(path.join(root, "node_modules"), path.join(copy, "node_modules"));
        // The two edits, and nothing else:
        fs.writeFileSync(path.join(copy, "stacks/hosts/lab.ts"), providerFile);
        const table = path.join(copy, "stacks/hosts/index.ts");
        const before = fs.readFileSync(table, "utf8");
        const after = before.replace('import { local } from "./local";', 'import { local } from "./local";\nimport { lab } from "./lab";')
            .replace("const table = { existing, local, hcloud, aws };", "const table = { existing, local, hcloud, aws, lab };");
        expect(after.split("\n").length - before.split("\n").length).toBe(1);
        fs.writeFileSync(table, after);

        fs.writeFileSync(path.join(copy, "Pulumi.lab.yaml"), [
            "config:",
            "  falcot-rtc:hosts:",
            "    server9:",
            "      provider: lab",
            "      address: 198.51.100.99",
            "",
        ].join("\n"));
        const out = path.join(copy, "out");
        let result: { resources: number } | undefined;
        await jest.isolateModulesAsync(async () => {
            const { synth } = await import(path.join(copy, "scripts/synth"));
            result = await synth(copy, { stack: "lab", out, sets: [], secrets: [] });
        });
        expect(result!.resources).toBeGreaterThan(20);
        const zone = fs.readFileSync(path.join(out, "zone.db"), "utf8");
        expect(zone).toMatch(/^server9\s+IN A\s+198\.51\.100\.99$/m);
        expect(zone).toMatch(/^turn-server\s+IN A\s+198\.51\.100\.99$/m);
        expect(fs.readFileSync(path.join(out, "hosts/server9/etc/turnserver.conf"), "utf8")).toContain("listening-ip=198.51.100.99");
    } finally {
        fs.rmSync(copy, { recursive: true, force: true });
    }
});
