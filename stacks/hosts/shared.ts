import { z } from "zod";
import { SEP } from "../schema";

// Checks and pieces that several host providers share.

type Address = string | { public: string; private?: string };

/** Refuses an address listed twice in a host's ipv4 or ipv6. */
export function noRepeatedAddresses(h: { ipv4: readonly Address[]; ipv6: readonly Address[] }, ctx: z.RefinementCtx): void {
    for (const family of ["ipv4", "ipv6"] as const) {
        const seen = new Set<string>();
        h[family].forEach((a, i) => {
            const pub = typeof a === "string" ? a : a.public;
            if (seen.has(pub)) ctx.addIssue({ code: "custom", path: [family, i], message: `repeats ${pub}${SEP}list each address once` });
            seen.add(pub);
        });
    }
}
