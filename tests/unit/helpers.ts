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
