/** The first lines of every file this library writes on a host. */
export function managedHeader(comment: string): string {
    return [
        `${comment} Managed by pulumi-rtc (Pulumi). Do not edit by hand:`,
        `${comment} changes are overwritten by the next \`pulumi up\`.`,
    ].join("\n") + "\n";
}

/** A named stand-in for a secret inside a rendered file. The host primitive fills it in on the host. */
export function secretPlaceholder(name: string): string {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) throw new Error(`bad secret name ${name}`);
    return `@@SECRET:${name}@@`;
}

export const secretPlaceholderPattern = /@@SECRET:([a-z0-9][a-z0-9.-]*)@@/g;

/** Names of the secrets a rendered text refers to, in order of first use. */
export function secretsUsed(text: string): string[] {
    return [...new Set([...text.matchAll(secretPlaceholderPattern)].map((m) => m[1]))];
}
