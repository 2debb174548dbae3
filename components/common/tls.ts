import * as pulumi from "@pulumi/pulumi";

/** A certificate and key for a service, from `RtcCertificates` or brought by the caller. */
export interface ServiceCertificate {
    /** Names the certificate is valid for; checked against the names the service needs. */
    readonly dnsNames: readonly string[];
    /** PEM certificate, followed by any intermediate certificates. */
    readonly certPem: pulumi.Input<string>;
    /** PEM private key. Pass a secret. */
    readonly keyPem: pulumi.Input<string>;
}

/** Names a certificate must carry, and that it does not. */
export function missingNames(cert: ServiceCertificate, needed: readonly string[]): string[] {
    return needed.filter((n) => !cert.dnsNames.some((have) => have === n || (have.startsWith("*.") && n.split(".").slice(1).join(".") === have.slice(2))));
}
