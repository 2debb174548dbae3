import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { EXTRA_ADDRESSES_FILE, renderUserData } from "../../components/hosts/cloudInit";

// The user data every machine boots with (Hetzner, EC2, the local container), checked by cloud-init itself.

describe("cloud-init user data", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-cloud-init-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", path.join(dir, "host")]);
    const hostKey = { privateKeyOpenssh: fs.readFileSync(path.join(dir, "host"), "utf8"), publicKeyOpenssh: fs.readFileSync(path.join(dir, "host.pub"), "utf8") };
    const client = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMIRNQVkSFSnzUJbfBqupWB71rjO2z/fMQiZvQ1ccYjw";
    const text = renderUserData({ fqdn: "server1.falcot.com", hostKey, authorizedKeys: [client], extraIpv4: ["198.51.100.20", "198.51.100.21"] });

    it("passes Debian's cloud-init schema check", () => {
        const file = path.join(dir, "user-data");
        fs.writeFileSync(file, text);
        const r = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
        expect({ code: r.status, output: `${r.stdout}${r.stderr}`.trim() }).toEqual({ code: 0, output: `Valid cloud-config: ${file}` });
    });

    it("installs the given host key only, lets root in by key, and lists the extra addresses", () => {
        const doc = YAML.parse(text) as Record<string, unknown>;
        expect(doc).toMatchObject({
            hostname: "server1", fqdn: "server1.falcot.com", ssh_deletekeys: true, ssh_genkeytypes: ["ed25519"], disable_root: false,
            ssh_keys: { ed25519_private: hostKey.privateKeyOpenssh, ed25519_public: hostKey.publicKeyOpenssh.trim() },
            ssh_authorized_keys: [client],
        });
        const files = doc.write_files as { path: string; content: string }[];
        expect(files.find((f) => f.path === EXTRA_ADDRESSES_FILE)?.content).toBe("198.51.100.20\n198.51.100.21\n");
    });

    it("binds them with a script the shell parses, managed and not to be edited", () => {
        const script = (YAML.parse(text).write_files as { path: string; content: string }[]).find((f) => f.path === "/usr/local/sbin/pulumi-rtc-addresses")!.content;
        expect(script).toMatch(/^#!\/bin\/sh\n# Managed by pulumi-rtc/);
        const r = spawnSync("sh", ["-n"], { input: script, encoding: "utf8" });
        expect({ code: r.status, err: r.stderr }).toEqual({ code: 0, err: "" });
    });
});
