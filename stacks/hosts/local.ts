import * as pulumi from "@pulumi/pulumi";
import * as grammar from "../../components/common/grammar";
import { LocalHost } from "../../components/hosts/localHost";
import { hostAddresses, strict, text } from "../schema";
import { hostProvider, madeWithKeys } from "./provider";
import { noRepeatedAddresses } from "./shared";

// The embedded local environment: a Debian container on this machine, booted through cloud-init. An address
// given as `{ public, private }` puts the container behind 1:1 NAT, as on EC2.

export const local = hostProvider({
    schema: strict({
        fqdn: text(grammar.domainName, "a DNS name").optional(),
        ipv4: hostAddresses(4, "198.51.100.19").min(1, { error: "is empty\u001flist the container's public IPv4 addresses" }),
        ipv6: hostAddresses(6, "2001:db8:1000:2000::19").default([]),
    }, "a local host").superRefine(noRepeatedAddresses),
    ipv4Count: (h) => h.ipv4.length,
    make: (h, env) => {
        const envName = `${pulumi.getStack().toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 8) || "rtc"}${env.index}`;
        return madeWithKeys(new LocalHost(env.name, { fqdn: env.fqdn, ipv4: h.ipv4, ipv6: h.ipv6.map((a) => (typeof a === "string" ? a : a.public)), envName }));
    },
});
