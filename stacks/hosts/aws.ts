import * as grammar from "../../components/common/grammar";
import { Ec2Host } from "../../components/hosts/ec2Host";
import { bool, list, strict, text } from "../schema";
import { hostProvider, madeWithKeys } from "./provider";

// A Debian instance on EC2 in an existing subnet, made by the stack with one Elastic IP per service address.
// Credentials and region: the AWS provider's usual config (`aws:region`) or environment (AWS_PROFILE, AWS_REGION...).

export const aws = hostProvider({
    schema: strict({
        fqdn: text(grammar.domainName, "a DNS name").optional(),
        subnetId: text((v) => typeof v === "string" && /^subnet-[0-9a-f]{8,17}$/.test(v) ? undefined : { problem: `is ${grammar.show(v)}, not a subnet id`, fix: "give the id of a subnet with an internet gateway, such as subnet-0123456789abcdef0" }, "a subnet id"),
        instanceType: text((v) => typeof v === "string" && /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(v) ? undefined : { problem: `is ${grammar.show(v)}, not an instance type`, fix: "use one such as t3.small or m5.large" }, "an instance type").default("t3.small"),
        ipv6: bool().default(false),
        ami: text((v) => typeof v === "string" && /^ami-[0-9a-f]{8,17}$/.test(v) ? undefined : { problem: `is ${grammar.show(v)}, not an AMI id`, fix: "give an id such as ami-0123456789abcdef0, or leave it out for the newest Debian 12" }, "an AMI id").optional(),
        sshSourceRanges: list(text(grammar.cidrBlock, "a CIDR block"), "CIDR blocks", "[203.0.113.0/24]").optional(),
    }, "an EC2 host"),
    ipv4Count: (_, needed) => needed,
    make: (h, env) => {
        return madeWithKeys(new Ec2Host(env.name, {
            fqdn: env.fqdn, subnetId: h.subnetId, serviceIpv4Count: env.needs.ipv4, ports: env.needs.ports,
            instanceType: h.instanceType, ipv6: h.ipv6, ami: h.ami, sshSourceRanges: h.sshSourceRanges,
        }));
    },
});
