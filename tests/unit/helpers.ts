import * as pulumi from "@pulumi/pulumi";
import { RtcHost } from "../../components/host/rtcHost";

/** A host like the seed's server1. */
export function seedHost(name = "server1", ipv4: string[] = ["198.51.100.19", "198.51.100.20", "198.51.100.21"]): RtcHost {
    return new RtcHost(name, {
        fqdn: `${name}.falcot.com`,
        ipv4,
        ipv6: ["2001:db8:1000:2000::19"],
        connection: { host: ipv4[0], user: "root", privateKey: pulumi.secret("test-key"), hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMIRNQVkSFSnzUJbfBqupWB71rjO2z/fMQiZvQ1ccYjw" },
    });
}

export const strongPassword = "correct-horse-battery";

/** A resource the mocks saw. */
export interface Registered { type: string; name: string; inputs: Record<string, unknown> }

/**
 * Pulumi mocks (set before the file's tests) that record every resource, and `settle`, which waits until they
 * have seen no new resource for 100 ms (at most 10 s): a loaded machine is slow.
 */
export function recordResources(): { registered: Registered[]; settle: () => Promise<void> } {
    const registered: Registered[] = [];
    beforeAll(() => pulumi.runtime.setMocks({
        newResource: (a) => {
            registered.push({ type: a.type, name: a.name, inputs: a.inputs });
            return { id: `${a.name}-id`, state: { ...a.inputs, stdout: "rev" } };
        },
        call: (a) => a.inputs,
    }, "test", "test", true));
    const settle = async () => {
        let last = -1;
        for (let quiet = 0, waited = 0; quiet < 5 && waited < 10000; waited += 20) {
            await new Promise((r) => setTimeout(r, 20));
            quiet = registered.length === last ? quiet + 1 : 0;
            last = registered.length;
        }
    };
    return { registered, settle };
}
