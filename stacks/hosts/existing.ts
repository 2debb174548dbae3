import { z } from "zod";
import * as grammar from "../../components/common/grammar";
import { RtcConfigError } from "../../components/common/validation";
import { RtcHost } from "../../components/host/rtcHost";
import { COMPONENT, hostAddresses, strict, text, typeError, ruled } from "../schema";
import { hostProvider } from "./provider";
import { noRepeatedAddresses } from "./shared";

// A Debian server that already exists, reached over SSH with the stack's key. The default provider.

export const existing = hostProvider({
    schema: strict({
        fqdn: text(grammar.domainName, "a DNS name").optional(),
        ssh: strict({
            address: text(grammar.endpoint, "an address or DNS name").optional(),
            port: ruled(z.number({ error: typeError("a TCP port", "use a whole number from 1 to 65535", "number") }), grammar.port).default(22),
            user: text(grammar.userName, "a user name").default("root"),
            hostKey: z.string({ error: typeError("a host key", "paste the server's ed25519 host key, or `ssh-keyscan -t ed25519 HOST` output as it is", "string") })
                .transform(grammar.normaliseHostKey).pipe(text(grammar.hostKey, "a host key")).optional(),
        }, "SSH settings").default({ port: 22, user: "root" }),
        ipv4: hostAddresses(4, "198.51.100.19").min(1, { error: "is empty\u001flist the host's public IPv4 addresses" }),
        ipv6: hostAddresses(6, "2001:db8:1000:2000::19").default([]),
    }, "a host").superRefine(noRepeatedAddresses),
    ipv4Count: (h) => h.ipv4.length,
    make: (h, env) => {
        if (!env.secrets.sshPrivateKey) {
            throw new RtcConfigError(COMPONENT, "sshPrivateKey", `is missing, and host ${env.name} is reached over SSH`, "run: pulumi config set --secret sshPrivateKey < KEYFILE");
        }
        const first = h.ipv4[0];
        return {
            host: new RtcHost(env.name, {
                fqdn: env.fqdn,
                ipv4: h.ipv4,
                ipv6: h.ipv6,
                connection: {
                    host: h.ssh.address ?? (typeof first === "string" ? first : first.public),
                    port: h.ssh.port,
                    user: h.ssh.user,
                    privateKey: env.secrets.sshPrivateKey,
                    hostKey: h.ssh.hostKey,
                },
            }),
        };
    },
});
