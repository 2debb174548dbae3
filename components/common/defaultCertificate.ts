import * as pulumi from "@pulumi/pulumi";
import { RtcCertificates } from "../certs/rtcCertificates";
import { ServiceCertificate } from "./tls";

/** The certificate a service uses when the caller gives none: one from an internal CA of its own. */
export function defaultCertificate(parent: pulumi.Resource, name: string, names: readonly string[]): { certificate: ServiceCertificate; caCertPem: pulumi.Output<string> } {
    const certs = new RtcCertificates(`${name}-certs`, { certificates: { service: names } }, { parent });
    return { certificate: certs.certificates.service, caCertPem: certs.caCertPem };
}
