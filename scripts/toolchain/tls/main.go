// pulumi-resource-tls: this project's stand-in for the Pulumi "tls" provider,
// written here because the official provider's Go module cannot be fetched on
// our offline machines. It implements, with the wire contract of @pulumi/tls
// (same type tokens and property names), the resources pulumi-rtc uses:
//
//   - tls:index/privateKey:PrivateKey         (RSA, ECDSA, ED25519)
//   - tls:index/selfSignedCert:SelfSignedCert
//   - tls:index/certRequest:CertRequest
//   - tls:index/locallySignedCert:LocallySignedCert
//
// As in the Terraform provider, every input change replaces the resource.
package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"golang.org/x/crypto/ssh"

	"pulumi-rtc/toolchain/internal/pv"
)

// Version is set with -ldflags -X main.Version=X (the npm package's pulumi.version).
var Version = "0.0.0-dev"

const (
	keyType    = "tls:index/privateKey:PrivateKey"
	certType   = "tls:index/selfSignedCert:SelfSignedCert"
	csrType    = "tls:index/certRequest:CertRequest"
	signedType = "tls:index/locallySignedCert:LocallySignedCert"
)

type provider struct{ pv.Base }

func main() { pv.Serve(&provider{pv.Base{Version: Version}}) }

var s = resource.NewStringProperty

func (p *provider) Check(_ context.Context, req plugin.CheckRequest) (plugin.CheckResponse, error) {
	news := req.News.Copy()
	var failures []plugin.CheckFailure
	fail := func(k, r string) {
		failures = append(failures, plugin.CheckFailure{Property: resource.PropertyKey(k), Reason: r})
	}
	switch string(req.Type) {
	case keyType:
		alg, known := pv.Str(news, "algorithm")
		if known && alg != "RSA" && alg != "ECDSA" && alg != "ED25519" {
			fail("algorithm", "algorithm must be one of RSA, ECDSA, ED25519")
		}
		if _, ok := news["rsaBits"]; !ok {
			news["rsaBits"] = resource.NewNumberProperty(2048)
		}
		if _, ok := news["ecdsaCurve"]; !ok {
			news["ecdsaCurve"] = s("P224")
		}
	case certType:
		if _, ok := news["privateKeyPem"]; !ok {
			fail("privateKeyPem", "privateKeyPem is required")
		}
		if _, ok := news["validityPeriodHours"]; !ok {
			fail("validityPeriodHours", "validityPeriodHours is required")
		}
		if _, ok := news["allowedUses"]; !ok {
			fail("allowedUses", "allowedUses is required")
		}
		for k, v := range map[string]resource.PropertyValue{
			"earlyRenewalHours": resource.NewNumberProperty(0), "isCaCertificate": resource.NewBoolProperty(false),
			"setSubjectKeyId": resource.NewBoolProperty(false), "setAuthorityKeyId": resource.NewBoolProperty(false),
		} {
			if _, ok := news[resource.PropertyKey(k)]; !ok {
				news[resource.PropertyKey(k)] = v
			}
		}
	case csrType:
		if _, ok := news["privateKeyPem"]; !ok {
			fail("privateKeyPem", "privateKeyPem is required")
		}
	case signedType:
		for _, k := range []string{"certRequestPem", "caPrivateKeyPem", "caCertPem", "validityPeriodHours", "allowedUses"} {
			if _, ok := news[resource.PropertyKey(k)]; !ok {
				fail(k, k+" is required")
			}
		}
		for k, v := range map[string]resource.PropertyValue{
			"earlyRenewalHours": resource.NewNumberProperty(0), "isCaCertificate": resource.NewBoolProperty(false),
			"setSubjectKeyId": resource.NewBoolProperty(false),
		} {
			if _, ok := news[resource.PropertyKey(k)]; !ok {
				news[resource.PropertyKey(k)] = v
			}
		}
	default:
		return plugin.CheckResponse{}, fmt.Errorf("resource type %s is not supported by this stand-in tls provider %s", req.Type, Version)
	}
	return plugin.CheckResponse{Properties: news, Failures: failures}, nil
}

func (p *provider) Diff(_ context.Context, req plugin.DiffRequest) (plugin.DiffResponse, error) {
	return pv.InputDiff(req.OldInputs, req.NewInputs, true), nil
}

func (p *provider) Update(context.Context, plugin.UpdateRequest) (plugin.UpdateResponse, error) {
	return plugin.UpdateResponse{}, fmt.Errorf("tls resources are replaced, never updated")
}

func (p *provider) Delete(context.Context, plugin.DeleteRequest) (plugin.DeleteResponse, error) {
	return plugin.DeleteResponse{Status: resource.StatusOK}, nil // nothing lives outside the state
}

func (p *provider) Create(_ context.Context, req plugin.CreateRequest) (plugin.CreateResponse, error) {
	out := req.Properties.Copy()
	unknown := resource.MakeComputed(s(""))
	switch string(req.Type) {
	case keyType:
		names := []string{"privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8", "publicKeyPem",
			"publicKeyOpenssh", "publicKeyFingerprintMd5", "publicKeyFingerprintSha256"}
		if req.Preview {
			for _, n := range names {
				out[resource.PropertyKey(n)] = unknown
			}
			return plugin.CreateResponse{Properties: out, Status: resource.StatusOK}, nil
		}
		id, err := createKey(req.Properties, out)
		if err != nil {
			return plugin.CreateResponse{}, err
		}
		return plugin.CreateResponse{ID: resource.ID(id), Properties: out, Status: resource.StatusOK}, nil
	case certType:
		if req.Preview {
			for _, n := range []string{"certPem", "keyAlgorithm", "validityStartTime", "validityEndTime", "readyForRenewal"} {
				out[resource.PropertyKey(n)] = unknown
			}
			return plugin.CreateResponse{Properties: out, Status: resource.StatusOK}, nil
		}
		id, err := createCert(req.Properties, out)
		if err != nil {
			return plugin.CreateResponse{}, err
		}
		return plugin.CreateResponse{ID: resource.ID(id), Properties: out, Status: resource.StatusOK}, nil
	case csrType, signedType:
		names := []string{"certRequestPem", "keyAlgorithm"}
		create := createCSR
		if string(req.Type) == signedType {
			names = []string{"certPem", "caKeyAlgorithm", "validityStartTime", "validityEndTime", "readyForRenewal"}
			create = createSigned
		}
		if req.Preview {
			for _, n := range names {
				out[resource.PropertyKey(n)] = unknown
			}
			return plugin.CreateResponse{Properties: out, Status: resource.StatusOK}, nil
		}
		id, err := create(req.Properties, out)
		if err != nil {
			return plugin.CreateResponse{}, err
		}
		return plugin.CreateResponse{ID: resource.ID(id), Properties: out, Status: resource.StatusOK}, nil
	}
	return plugin.CreateResponse{}, fmt.Errorf("unsupported type %s", req.Type)
}

func createKey(in, out resource.PropertyMap) (string, error) {
	alg, _ := pv.Str(in, "algorithm")
	var priv crypto.Signer
	var err error
	switch alg {
	case "RSA":
		priv, err = rsa.GenerateKey(rand.Reader, int(pv.Num(in, "rsaBits", 2048)))
	case "ECDSA":
		curve, _ := pv.Str(in, "ecdsaCurve")
		var c elliptic.Curve
		switch curve {
		case "P224", "":
			c = elliptic.P224()
		case "P256":
			c = elliptic.P256()
		case "P384":
			c = elliptic.P384()
		case "P521":
			c = elliptic.P521()
		default:
			return "", fmt.Errorf("unsupported ecdsaCurve %q", curve)
		}
		priv, err = ecdsa.GenerateKey(c, rand.Reader)
	case "ED25519":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return "", fmt.Errorf("unsupported algorithm %q", alg)
	}
	if err != nil {
		return "", err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	var legacy *pem.Block
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		legacy = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	case *ecdsa.PrivateKey:
		b, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return "", err
		}
		legacy = &pem.Block{Type: "EC PRIVATE KEY", Bytes: b}
	default:
		legacy = &pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}
	}
	pubDER, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return "", err
	}
	secret := func(v string) resource.PropertyValue { return resource.MakeSecret(s(v)) }
	out["privateKeyPem"] = secret(string(pem.EncodeToMemory(legacy)))
	out["privateKeyPemPkcs8"] = secret(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})))
	out["publicKeyPem"] = s(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})))
	out["privateKeyOpenssh"] = secret("")
	out["publicKeyOpenssh"] = s("")
	out["publicKeyFingerprintMd5"] = s("")
	out["publicKeyFingerprintSha256"] = s("")
	if sshPub, err := ssh.NewPublicKey(priv.Public()); err == nil { // P224 has no SSH form
		out["publicKeyOpenssh"] = s(string(ssh.MarshalAuthorizedKey(sshPub)))
		out["publicKeyFingerprintMd5"] = s(ssh.FingerprintLegacyMD5(sshPub))
		out["publicKeyFingerprintSha256"] = s(ssh.FingerprintSHA256(sshPub))
		if blk, err := ssh.MarshalPrivateKey(priv, ""); err == nil {
			out["privateKeyOpenssh"] = secret(string(pem.EncodeToMemory(blk)))
		}
	}
	sum := sha1.Sum(pubDER)
	return hex.EncodeToString(sum[:]), nil
}

func parseKey(pemText string) (crypto.Signer, string, error) {
	blk, _ := pem.Decode([]byte(pemText))
	if blk == nil {
		return nil, "", fmt.Errorf("privateKeyPem: no PEM block found")
	}
	var key any
	var err error
	switch blk.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(blk.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	}
	if err != nil {
		return nil, "", fmt.Errorf("privateKeyPem: %w", err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, "RSA", nil
	case *ecdsa.PrivateKey:
		return k, "ECDSA", nil
	case ed25519.PrivateKey:
		return k, "ED25519", nil
	}
	return nil, "", fmt.Errorf("privateKeyPem: unsupported key type %T", key)
}

func subjectOf(in resource.PropertyMap) pkix.Name {
	subj := pv.Object(in, "subject")
	one := func(k string) []string {
		if v, _ := pv.Str(subj, k); v != "" {
			return []string{v}
		}
		return nil
	}
	cn, _ := pv.Str(subj, "commonName")
	sn, _ := pv.Str(subj, "serialNumber")
	return pkix.Name{
		CommonName: cn, SerialNumber: sn, Organization: one("organization"),
		OrganizationalUnit: one("organizationalUnit"), Locality: one("locality"),
		Province: one("province"), Country: one("country"), PostalCode: one("postalCode"),
		StreetAddress: pv.Strings(subj, "streetAddresses"),
	}
}

// sans reads dnsNames, ipAddresses and uris.
func sans(in resource.PropertyMap) ([]string, []net.IP, []*url.URL, error) {
	var ips []net.IP
	for _, ip := range pv.Strings(in, "ipAddresses") {
		a := net.ParseIP(ip)
		if a == nil {
			return nil, nil, nil, fmt.Errorf("ipAddresses: invalid address %q", ip)
		}
		ips = append(ips, a)
	}
	var uris []*url.URL
	for _, u := range pv.Strings(in, "uris") {
		pu, err := url.Parse(u)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("uris: %w", err)
		}
		uris = append(uris, pu)
	}
	return pv.Strings(in, "dnsNames"), ips, uris, nil
}

// template sets serial, validity, CA flag and usages; the caller sets names.
func template(in resource.PropertyMap) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	hours := pv.Num(in, "validityPeriodHours", 0)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		NotBefore:             now,
		NotAfter:              now.Add(time.Duration(hours * float64(time.Hour))),
		BasicConstraintsValid: true,
		IsCA:                  pv.Bool(in, "isCaCertificate", false),
	}
	for _, use := range pv.Strings(in, "allowedUses") {
		if ku, ok := keyUsages[use]; ok {
			tmpl.KeyUsage |= ku
		} else if eku, ok := extKeyUsages[use]; ok {
			tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, eku)
		} else {
			return nil, fmt.Errorf("allowedUses: unknown use %q", use)
		}
	}
	return tmpl, nil
}

func keyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	h := sha1.Sum(der)
	return h[:], nil
}

// sign creates the certificate and fills the outputs shared by both cert types.
func sign(in, out resource.PropertyMap, tmpl, parent *x509.Certificate, pub crypto.PublicKey,
	signer crypto.Signer,
) (string, error) {
	if pv.Bool(in, "setSubjectKeyId", false) {
		id, err := keyID(pub)
		if err != nil {
			return "", err
		}
		tmpl.SubjectKeyId = id
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return "", err
	}
	out["certPem"] = s(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	out["validityStartTime"] = s(tmpl.NotBefore.Format(time.RFC3339))
	out["validityEndTime"] = s(tmpl.NotAfter.Format(time.RFC3339))
	early := time.Duration(pv.Num(in, "earlyRenewalHours", 0) * float64(time.Hour))
	out["readyForRenewal"] = resource.NewBoolProperty(!time.Now().Before(tmpl.NotAfter.Add(-early)))
	return tmpl.SerialNumber.String(), nil
}

func createCert(in, out resource.PropertyMap) (string, error) {
	keyPem, _ := pv.Str(in, "privateKeyPem")
	priv, alg, err := parseKey(keyPem)
	if err != nil {
		return "", err
	}
	tmpl, err := template(in)
	if err != nil {
		return "", err
	}
	tmpl.Subject = subjectOf(in)
	if tmpl.DNSNames, tmpl.IPAddresses, tmpl.URIs, err = sans(in); err != nil {
		return "", err
	}
	if pv.Bool(in, "setAuthorityKeyId", false) {
		if tmpl.AuthorityKeyId, err = keyID(priv.Public()); err != nil {
			return "", err
		}
	}
	out["keyAlgorithm"] = s(alg)
	return sign(in, out, tmpl, tmpl, priv.Public(), priv)
}

func createCSR(in, out resource.PropertyMap) (string, error) {
	keyPem, _ := pv.Str(in, "privateKeyPem")
	priv, alg, err := parseKey(keyPem)
	if err != nil {
		return "", err
	}
	req := &x509.CertificateRequest{Subject: subjectOf(in)}
	if req.DNSNames, req.IPAddresses, req.URIs, err = sans(in); err != nil {
		return "", err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, req, priv)
	if err != nil {
		return "", err
	}
	out["certRequestPem"] = s(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})))
	out["keyAlgorithm"] = s(alg)
	h := sha1.Sum(der)
	return hex.EncodeToString(h[:]), nil
}

func createSigned(in, out resource.PropertyMap) (string, error) {
	csrPem, _ := pv.Str(in, "certRequestPem")
	blk, _ := pem.Decode([]byte(csrPem))
	if blk == nil {
		return "", fmt.Errorf("certRequestPem: no PEM block found")
	}
	csr, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil {
		return "", fmt.Errorf("certRequestPem: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return "", fmt.Errorf("certRequestPem: %w", err)
	}
	caKeyPem, _ := pv.Str(in, "caPrivateKeyPem")
	caKey, caAlg, err := parseKey(caKeyPem)
	if err != nil {
		return "", fmt.Errorf("caPrivateKeyPem: %w", err)
	}
	caPem, _ := pv.Str(in, "caCertPem")
	cblk, _ := pem.Decode([]byte(caPem))
	if cblk == nil {
		return "", fmt.Errorf("caCertPem: no PEM block found")
	}
	ca, err := x509.ParseCertificate(cblk.Bytes)
	if err != nil {
		return "", fmt.Errorf("caCertPem: %w", err)
	}
	tmpl, err := template(in)
	if err != nil {
		return "", err
	}
	tmpl.Subject = csr.Subject
	tmpl.DNSNames, tmpl.IPAddresses, tmpl.URIs = csr.DNSNames, csr.IPAddresses, csr.URIs
	out["caKeyAlgorithm"] = s(caAlg)
	return sign(in, out, tmpl, ca, csr.PublicKey, caKey)
}

var keyUsages = map[string]x509.KeyUsage{
	"digital_signature": x509.KeyUsageDigitalSignature, "content_commitment": x509.KeyUsageContentCommitment,
	"key_encipherment": x509.KeyUsageKeyEncipherment, "data_encipherment": x509.KeyUsageDataEncipherment,
	"key_agreement": x509.KeyUsageKeyAgreement, "cert_signing": x509.KeyUsageCertSign,
	"crl_signing": x509.KeyUsageCRLSign, "encipher_only": x509.KeyUsageEncipherOnly,
	"decipher_only": x509.KeyUsageDecipherOnly,
}

var extKeyUsages = map[string]x509.ExtKeyUsage{
	"any_extended": x509.ExtKeyUsageAny, "server_auth": x509.ExtKeyUsageServerAuth,
	"client_auth": x509.ExtKeyUsageClientAuth, "code_signing": x509.ExtKeyUsageCodeSigning,
	"email_protection": x509.ExtKeyUsageEmailProtection, "ipsec_end_system": x509.ExtKeyUsageIPSECEndSystem,
	"ipsec_tunnel": x509.ExtKeyUsageIPSECTunnel, "ipsec_user": x509.ExtKeyUsageIPSECUser,
	"timestamping": x509.ExtKeyUsageTimeStamping, "ocsp_signing": x509.ExtKeyUsageOCSPSigning,
	"microsoft_server_gated_crypto":     x509.ExtKeyUsageMicrosoftServerGatedCrypto,
	"netscape_server_gated_crypto":      x509.ExtKeyUsageNetscapeServerGatedCrypto,
	"microsoft_commercial_code_signing": x509.ExtKeyUsageMicrosoftCommercialCodeSigning,
	"microsoft_kernel_code_signing":     x509.ExtKeyUsageMicrosoftKernelCodeSigning,
}
