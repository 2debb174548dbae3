package main

// End-to-end check of the certificate code paths without the engine: a CA
// (PrivateKey + SelfSignedCert), then per leaf key algorithm a PrivateKey, a
// CertRequest and a LocallySignedCert, verified with crypto/x509 and, when it
// is installed, `openssl verify`.

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"pulumi-rtc/toolchain/internal/pv"
)

var leafDNS = []any{"sip-proxy.falcot.com", "sip.falcot.com"}

// run calls one of the create functions the way Create does and returns its outputs.
func run(t *testing.T, create func(in, out resource.PropertyMap) (string, error), in map[string]any) resource.PropertyMap {
	t.Helper()
	props := resource.NewPropertyMapFromMap(in)
	out := props.Copy()
	id, err := create(props, out)
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("empty resource ID")
	}
	return out
}

func str(t *testing.T, m resource.PropertyMap, k string) string {
	t.Helper()
	v, _ := pv.Str(m, k)
	if v == "" {
		t.Fatalf("output %s is empty", k)
	}
	return v
}

func parseCert(t *testing.T, p string) *x509.Certificate {
	t.Helper()
	blk, _ := pem.Decode([]byte(p))
	if blk == nil || blk.Type != "CERTIFICATE" {
		t.Fatalf("not a certificate PEM: %q", p)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLocallySignedCertChainsToCA(t *testing.T) {
	caKey := run(t, createKey, map[string]any{"algorithm": "ECDSA", "ecdsaCurve": "P256"})
	caOut := run(t, createCert, map[string]any{
		"privateKeyPem":       str(t, caKey, "privateKeyPem"),
		"subject":             map[string]any{"commonName": "Falcot RTC CA", "organization": "Falcot Corp"},
		"validityPeriodHours": 24.0,
		"allowedUses":         []any{"cert_signing", "crl_signing", "digital_signature"},
		"isCaCertificate":     true,
	})
	caPem := str(t, caOut, "certPem")
	ca := parseCert(t, caPem)
	if !ca.IsCA {
		t.Fatal("CA certificate is not a CA")
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)

	for _, leafAlg := range []map[string]any{
		{"algorithm": "RSA", "rsaBits": 2048.0},
		{"algorithm": "ECDSA", "ecdsaCurve": "P256"},
		{"algorithm": "ED25519"},
	} {
		alg := leafAlg["algorithm"].(string)
		t.Run(alg, func(t *testing.T) {
			key := run(t, createKey, leafAlg)
			csrOut := run(t, createCSR, map[string]any{
				"privateKeyPem": str(t, key, "privateKeyPem"),
				"subject":       map[string]any{"commonName": "sip.falcot.com", "organization": "Falcot Corp"},
				"dnsNames":      leafDNS,
				"ipAddresses":   []any{"192.0.2.10"},
			})
			if got := str(t, csrOut, "keyAlgorithm"); got != alg {
				t.Errorf("CertRequest keyAlgorithm = %q, want %q", got, alg)
			}
			csrBlk, _ := pem.Decode([]byte(str(t, csrOut, "certRequestPem")))
			if csrBlk == nil || csrBlk.Type != "CERTIFICATE REQUEST" {
				t.Fatal("certRequestPem is not a CERTIFICATE REQUEST PEM")
			}
			csr, err := x509.ParseCertificateRequest(csrBlk.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if err := csr.CheckSignature(); err != nil {
				t.Fatalf("CSR signature: %v", err)
			}

			out := run(t, createSigned, map[string]any{
				"certRequestPem":      str(t, csrOut, "certRequestPem"),
				"caPrivateKeyPem":     str(t, caKey, "privateKeyPem"),
				"caCertPem":           caPem,
				"validityPeriodHours": 12.0,
				"allowedUses":         []any{"digital_signature", "key_encipherment", "server_auth", "client_auth"},
			})
			if got := str(t, out, "caKeyAlgorithm"); got != "ECDSA" {
				t.Errorf("caKeyAlgorithm = %q, want ECDSA", got)
			}
			str(t, out, "validityStartTime")
			str(t, out, "validityEndTime")
			if v := out["readyForRenewal"]; !v.IsBool() || v.BoolValue() {
				t.Errorf("readyForRenewal = %v, want false", v)
			}

			leaf := parseCert(t, str(t, out, "certPem"))
			for _, name := range []string{"sip.falcot.com", "sip-proxy.falcot.com"} {
				if _, err := leaf.Verify(x509.VerifyOptions{
					Roots: roots, DNSName: name, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
				}); err != nil {
					t.Errorf("verify %s against the CA: %v", name, err)
				}
			}
			if !slices.Equal(leaf.DNSNames, []string{"sip-proxy.falcot.com", "sip.falcot.com"}) {
				t.Errorf("DNSNames = %v", leaf.DNSNames)
			}
			if len(leaf.IPAddresses) != 1 || leaf.IPAddresses[0].String() != "192.0.2.10" {
				t.Errorf("IPAddresses = %v", leaf.IPAddresses)
			}
			if leaf.Subject.CommonName != "sip.falcot.com" || !slices.Equal(leaf.Subject.Organization, []string{"Falcot Corp"}) {
				t.Errorf("subject = %v", leaf.Subject)
			}
			if !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) ||
				!slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
				t.Errorf("ExtKeyUsage = %v, want server_auth and client_auth", leaf.ExtKeyUsage)
			}
			if leaf.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment {
				t.Errorf("KeyUsage = %b", leaf.KeyUsage)
			}
			if leaf.IsCA {
				t.Error("leaf is a CA")
			}
			if len(ca.SubjectKeyId) == 0 || !bytes.Equal(leaf.AuthorityKeyId, ca.SubjectKeyId) {
				t.Errorf("AuthorityKeyId %x != CA SubjectKeyId %x", leaf.AuthorityKeyId, ca.SubjectKeyId)
			}
			if !bytes.Equal(leaf.RawSubjectPublicKeyInfo, csr.RawSubjectPublicKeyInfo) {
				t.Error("leaf public key is not the CSR's")
			}

			openssl, err := exec.LookPath("openssl")
			if err != nil {
				t.Log("openssl not installed; skipping openssl verify")
				return
			}
			dir := t.TempDir()
			caFile, leafFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "leaf.pem")
			if err := os.WriteFile(caFile, []byte(caPem), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(leafFile, []byte(str(t, out, "certPem")), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(openssl, "verify", "-purpose", "sslserver", "-CAfile", caFile, leafFile)
			if b, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(b, []byte(": OK")) {
				t.Errorf("openssl verify: %v\n%s", err, b)
			}
		})
	}
}

func TestLocallySignedCertRejectsBadInputs(t *testing.T) {
	caKey := run(t, createKey, map[string]any{"algorithm": "ECDSA", "ecdsaCurve": "P256"})
	otherKey := run(t, createKey, map[string]any{"algorithm": "ECDSA", "ecdsaCurve": "P256"})
	caOut := run(t, createCert, map[string]any{
		"privateKeyPem": str(t, caKey, "privateKeyPem"), "subject": map[string]any{"commonName": "CA"},
		"validityPeriodHours": 1.0, "allowedUses": []any{"cert_signing"}, "isCaCertificate": true,
	})
	csrOut := run(t, createCSR, map[string]any{
		"privateKeyPem": str(t, otherKey, "privateKeyPem"), "dnsNames": leafDNS,
	})
	base := map[string]any{
		"certRequestPem": str(t, csrOut, "certRequestPem"), "caPrivateKeyPem": str(t, caKey, "privateKeyPem"),
		"caCertPem": str(t, caOut, "certPem"), "validityPeriodHours": 1.0, "allowedUses": []any{"server_auth"},
	}
	for name, change := range map[string]map[string]any{
		"garbage CSR":     {"certRequestPem": "not a PEM"},
		"unknown use":     {"allowedUses": []any{"server_auth", "no_such_use"}},
		"garbage CA cert": {"caCertPem": "not a PEM"},
	} {
		t.Run(name, func(t *testing.T) {
			in := map[string]any{}
			for k, v := range base {
				in[k] = v
			}
			for k, v := range change {
				in[k] = v
			}
			props := resource.NewPropertyMapFromMap(in)
			if _, err := createSigned(props, props.Copy()); err == nil {
				t.Error("createSigned succeeded, want an error")
			}
		})
	}
}
