import { cidrBlock } from "../common/grammar";
import { Checker } from "../common/validation";

// What the cloud host components share.

/** A cloud resource name made from the host's name: `server1.falcot.com` gives `server1-falcot-com`. */
export function machineName(fqdn: string): string {
    return fqdn.replace(/\./g, "-");
}

/** Firewall sources: CIDR blocks, at least one. */
export function checkSourceRanges(c: Checker, field: string, ranges: readonly string[]): void {
    c.check(ranges.length > 0, field, "is empty", "list the blocks SSH may come from, such as 203.0.113.0/24, or 0.0.0.0/0 and ::/0 for anywhere");
    ranges.forEach((r, i) => c.rule(`${field}[${i}]`, r, cidrBlock));
}
