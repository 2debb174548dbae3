import * as grammar from "../../components/common/grammar";
import { HcloudHost } from "../../components/hosts/hcloudHost";
import { bool, list, strict, text } from "../schema";
import { hostProvider, madeWithKeys } from "./provider";

// A Debian server on Hetzner Cloud, made by the stack with as many floating IPv4 addresses as the layout needs.
// Credentials: `pulumi config set --secret hcloud:token`, or HCLOUD_TOKEN.

export const hcloud = hostProvider({
    schema: strict({
        fqdn: text(grammar.domainName, "a DNS name").optional(),
        serverType: text((v) => typeof v === "string" && /^[a-z]{2,4}[0-9]{1,3}$/.test(v) ? undefined : { problem: `is ${grammar.show(v)}, not a Hetzner server type`, fix: "use one such as cx23, cpx31 or cax21" }, "a server type").default("cx23"),
        location: text((v) => typeof v === "string" && /^[a-z]{3}[0-9]?$/.test(v) ? undefined : { problem: `is ${grammar.show(v)}, not a Hetzner location`, fix: "use one such as fsn1, nbg1, hel1, ash, hil or sin" }, "a location").default("fsn1"),
        image: text(grammar.hostLabel, "an image name").default("debian-12"),
        ipv6: bool().default(true),
        sshSourceRanges: list(text(grammar.cidrBlock, "a CIDR block"), "CIDR blocks", "[203.0.113.0/24]").optional(),
    }, "a Hetzner Cloud host"),
    ipv4Count: (_, needed) => needed,
    make: (h, env) => {
        return madeWithKeys(new HcloudHost(env.name, {
            fqdn: env.fqdn, serviceIpv4Count: env.needs.ipv4, ports: env.needs.ports,
            serverType: h.serverType, location: h.location, image: h.image, ipv6: h.ipv6, sshSourceRanges: h.sshSourceRanges,
        }));
    },
});
