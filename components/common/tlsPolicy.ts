// The TLS policy of every daemon, in one place: TLS 1.2 and 1.3 only. TLS 1.2 keeps forward secrecy and AEAD
// suites only (Mozilla's "intermediate" list); TLS 1.3's suites are OpenSSL's, all AEAD. Pure.

/** The oldest TLS version any daemon accepts. */
export const minTlsVersion = "1.2";

/** TLS 1.2 cipher suites, in OpenSSL's names and order of preference. */
export const tls12Ciphers: readonly string[] = [
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
];

/** The suites as an OpenSSL cipher list. */
export const tls12CipherList = tls12Ciphers.join(":");
