import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { ServiceCertificate } from "../common/tls";
import { Checker, isDomainName, show } from "../common/validation";
import { ArgKinds, checkArgs } from "../common/args";

const argKinds: ArgKinds<RtcCertificatesArgs<string>> = { certificates: "names", issuer: "object", validityHours: "integer", earlyRenewalHours: "integer" };

/** Who signs the certificates. More kinds (ACME, certificates you bring) will join this union. */
export type CertificateIssuer = {
    readonly kind: "internal";
    /** Common name of the CA. Default: `<name> internal CA`. */
    readonly commonName?: string;
    /** Organisation in the subjects. Default: none. */
    readonly organization?: string;
};

export interface RtcCertificatesArgs<K extends string = string> {
    /** Certificates to issue, by id: each id's list of DNS names, the first being its common name. */
    readonly certificates: Readonly<Record<K, readonly string[]>>;
    /** Who signs. Default: `{ kind: "internal" }`, a CA made here whose certificate is an output. */
    readonly issuer?: CertificateIssuer;
    /**
     * Validity of each service certificate in hours. Default 8760 (one year). The CA gets ten times the
     * validity and the early renewal.
     */
    readonly validityHours?: number;
    /**
     * `pulumi up` replaces a certificate once fewer than this many hours of it are left (or it has expired),
     * and each service that uses it restarts on the new one. Default 720 (30 days).
     */
    readonly earlyRenewalHours?: number;
}

export const certificateDefaults = { validityHours: 8760, earlyRenewalHours: 720 } as const;

/** X.509 certificates for the services' names, issued with @pulumi/tls. Private keys are secrets. */
export class RtcCertificates<K extends string = string> extends pulumi.ComponentResource {
    /** PEM certificate of the issuing CA, for clients to trust. */
    readonly caCertPem: pulumi.Output<string>;
    /** The issued certificates, by the ids given in `certificates`: a misspelled id does not compile. */
    readonly certificates: Readonly<Record<K, ServiceCertificate>>;

    constructor(name: string, args: RtcCertificatesArgs<K>, opts?: pulumi.ComponentResourceOptions) {
        super("rtc:index:RtcCertificates", name, {}, opts);
        checkArgs(`RtcCertificates "${name}"`, args, argKinds, ["certificates"]);
        const c = new Checker(`RtcCertificates "${name}"`);
        const issuer = args.issuer ?? { kind: "internal" as const };
        c.check(issuer.kind === "internal", "issuer.kind", `is ${show(issuer.kind)}`, "use \"internal\"; ACME and provided certificates are not available yet");
        const entries = Object.entries<readonly string[]>(args.certificates ?? {});
        c.check(entries.length > 0, "certificates", "is empty", "name at least one certificate and its DNS names");
        for (const [id, names] of entries) {
            c.check(Array.isArray(names) && names.length > 0, `certificates.${id}`, "has no names", "list the DNS names it must be valid for");
            (names ?? []).forEach((n: string, i) => c.check(typeof n === "string" && isDomainName(n.replace(/^\*\./, "")), `certificates.${id}[${i}]`, `is ${show(n)}, not a DNS name`, "use a fully qualified name such as xmpp-gw.falcot.com"));
        }
        const { validityHours = certificateDefaults.validityHours, earlyRenewalHours = certificateDefaults.earlyRenewalHours } = args;
        c.check(Number.isInteger(validityHours) && validityHours >= 1, "validityHours", `is ${show(validityHours)}`, "use a whole number of hours, at least 1");
        c.check(Number.isInteger(earlyRenewalHours) && earlyRenewalHours >= 0 && earlyRenewalHours < validityHours, "earlyRenewalHours", `is ${show(earlyRenewalHours)}`,
            "use a whole number of hours, at least 0 and fewer than validityHours");
        c.done();

        const organization = issuer.organization;
        const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const ca = new tls.SelfSignedCert(`${name}-ca`, {
            privateKeyPem: caKey.privateKeyPem,
            isCaCertificate: true,
            subject: { commonName: issuer.commonName ?? `${name} internal CA`, organization },
            validityPeriodHours: validityHours * 10,
            earlyRenewalHours: earlyRenewalHours * 10,
            allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        }, { parent: this });
        this.caCertPem = ca.certPem;

        const certificates: Record<string, ServiceCertificate> = {};
        for (const [id, names] of entries) {
            const key = new tls.PrivateKey(`${name}-${id}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
            const csr = new tls.CertRequest(`${name}-${id}-csr`, {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: names[0], organization },
                dnsNames: [...names],
            }, { parent: this });
            const cert = new tls.LocallySignedCert(`${name}-${id}`, {
                certRequestPem: csr.certRequestPem,
                caPrivateKeyPem: caKey.privateKeyPem,
                caCertPem: ca.certPem,
                validityPeriodHours: validityHours,
                earlyRenewalHours,
                allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
            }, { parent: this });
            certificates[id] = {
                dnsNames: [...names],
                certPem: cert.certPem,
                keyPem: pulumi.secret(key.privateKeyPem),
            };
        }
        this.certificates = certificates as Record<K, ServiceCertificate>;
        this.registerOutputs({ caCertPem: this.caCertPem });
    }
}
