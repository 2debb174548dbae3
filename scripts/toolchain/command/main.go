// pulumi-resource-command: this project's stand-in for the Pulumi "command"
// provider, written here because the official provider's Go module cannot be
// fetched on our offline machines. It implements the subset that pulumi-rtc
// uses, with the wire contract of @pulumi/command (same type tokens and
// property names):
//
//   - command:local:Command  (create/update/delete, environment, stdin, dir,
//     interpreter, addPreviousOutputInEnv; stdout/stderr outputs)
//   - command:remote:Command (the same over SSH, with connection.hostKey pinning)
//
// Any input change is an in-place update (the update command, or create when
// update is empty); the SDK's replaceOnChanges(triggers[*]) makes the engine
// replace on trigger changes, as with the official provider.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"pulumi-rtc/toolchain/internal/pv"
)

// Version is set with -ldflags -X main.Version=X (the npm package's pulumi.version).
var Version = "0.0.0-dev"

const (
	localType  = "command:local:Command"
	remoteType = "command:remote:Command"
)

type provider struct{ pv.Base }

func main() {
	pv.Serve(&provider{pv.Base{Version: Version}})
}

func supported(t string) error {
	if t == localType || t == remoteType {
		return nil
	}
	return fmt.Errorf("resource type %s is not supported by this stand-in command provider %s", t, Version)
}

func (p *provider) Check(_ context.Context, req plugin.CheckRequest) (plugin.CheckResponse, error) {
	if err := supported(string(req.Type)); err != nil {
		return plugin.CheckResponse{}, err
	}
	var failures []plugin.CheckFailure
	if string(req.Type) == remoteType {
		if _, ok := req.News["connection"]; !ok {
			failures = append(failures, plugin.CheckFailure{Property: "connection", Reason: "connection is required"})
		}
	}
	return plugin.CheckResponse{Properties: req.News, Failures: failures}, nil
}

func (p *provider) Diff(_ context.Context, req plugin.DiffRequest) (plugin.DiffResponse, error) {
	return pv.InputDiff(req.OldInputs, req.NewInputs, false), nil
}

func (p *provider) Create(ctx context.Context, req plugin.CreateRequest) (plugin.CreateResponse, error) {
	if err := supported(string(req.Type)); err != nil {
		return plugin.CreateResponse{}, err
	}
	id := newID(req.Name)
	if req.Preview {
		return plugin.CreateResponse{ID: "", Properties: outputs(req.Properties, nil), Status: resource.StatusOK}, nil
	}
	cmd, _ := pv.Str(req.Properties, "create")
	res, err := p.run(ctx, string(req.Type), req.Properties, cmd, nil)
	if err != nil {
		return plugin.CreateResponse{}, err
	}
	return plugin.CreateResponse{ID: resource.ID(id), Properties: outputs(req.Properties, res), Status: resource.StatusOK}, nil
}

func (p *provider) Update(ctx context.Context, req plugin.UpdateRequest) (plugin.UpdateResponse, error) {
	if req.Preview {
		return plugin.UpdateResponse{Properties: outputs(req.NewInputs, nil), Status: resource.StatusOK}, nil
	}
	cmd, _ := pv.Str(req.NewInputs, "update")
	if cmd == "" {
		cmd, _ = pv.Str(req.NewInputs, "create")
	}
	res, err := p.run(ctx, string(req.Type), req.NewInputs, cmd, req.OldOutputs)
	if err != nil {
		return plugin.UpdateResponse{}, err
	}
	return plugin.UpdateResponse{Properties: outputs(req.NewInputs, res), Status: resource.StatusOK}, nil
}

func (p *provider) Delete(ctx context.Context, req plugin.DeleteRequest) (plugin.DeleteResponse, error) {
	inputs := req.Inputs
	if len(inputs) == 0 {
		inputs = req.Outputs
	}
	cmd, _ := pv.Str(inputs, "delete")
	if cmd == "" {
		return plugin.DeleteResponse{Status: resource.StatusOK}, nil
	}
	if _, err := p.run(ctx, string(req.Type), inputs, cmd, req.Outputs); err != nil {
		return plugin.DeleteResponse{}, err
	}
	return plugin.DeleteResponse{Status: resource.StatusOK}, nil
}

type result struct{ stdout, stderr string }

// outputs copies the inputs (keeping their secret wrappers) and adds stdout and
// stderr; these are unknown in a preview and secret when any input is secret.
func outputs(inputs resource.PropertyMap, res *result) resource.PropertyMap {
	out := inputs.Copy()
	var stdout, stderr resource.PropertyValue
	if res == nil {
		stdout = resource.MakeComputed(resource.NewStringProperty(""))
		stderr = resource.MakeComputed(resource.NewStringProperty(""))
	} else {
		stdout = resource.NewStringProperty(res.stdout)
		stderr = resource.NewStringProperty(res.stderr)
		if inputs.ContainsSecrets() {
			stdout = resource.MakeSecret(stdout)
			stderr = resource.MakeSecret(stderr)
		}
	}
	out["stdout"] = stdout
	out["stderr"] = stderr
	return out
}

func newID(name string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return name + hex.EncodeToString(b)
}

// env builds the extra environment: the environment input, plus the previous
// stdout/stderr when addPreviousOutputInEnv (default true) and there are olds.
func env(inputs, olds resource.PropertyMap) ([]string, map[string]string) {
	keys, m := pv.StringMap(inputs, "environment")
	if m == nil {
		m = map[string]string{}
	}
	if olds != nil && pv.Bool(inputs, "addPreviousOutputInEnv", true) {
		so, _ := pv.Str(olds, "stdout")
		se, _ := pv.Str(olds, "stderr")
		m["PULUMI_COMMAND_STDOUT"] = so
		m["PULUMI_COMMAND_STDERR"] = se
		keys = append(keys, "PULUMI_COMMAND_STDOUT", "PULUMI_COMMAND_STDERR")
	}
	return keys, m
}

func (p *provider) run(ctx context.Context, typ string, inputs resource.PropertyMap, cmd string,
	olds resource.PropertyMap,
) (*result, error) {
	if cmd == "" {
		return &result{}, nil
	}
	stdin, _ := pv.Str(inputs, "stdin")
	keys, vars := env(inputs, olds)
	if typ == localType {
		return runLocal(ctx, inputs, cmd, stdin, keys, vars)
	}
	return runRemote(ctx, pv.Object(inputs, "connection"), cmd, stdin, keys, vars)
}

func runLocal(ctx context.Context, inputs resource.PropertyMap, cmd, stdin string, keys []string,
	vars map[string]string,
) (*result, error) {
	interp := pv.Strings(inputs, "interpreter")
	if len(interp) == 0 {
		interp = []string{"/bin/sh", "-c"}
	}
	args := append(append([]string{}, interp[1:]...), cmd)
	c := exec.CommandContext(ctx, interp[0], args...)
	if dir, _ := pv.Str(inputs, "dir"); dir != "" {
		c.Dir = dir
	}
	c.Env = os.Environ()
	for _, k := range keys {
		c.Env = append(c.Env, k+"="+vars[k])
	}
	if stdin != "" {
		c.Stdin = strings.NewReader(stdin)
	}
	var so, se bytes.Buffer
	c.Stdout, c.Stderr = &so, &se
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("local command failed: %w; stderr: %s", err, tail(se.String()))
	}
	return &result{stdout: trimNL(so.String()), stderr: trimNL(se.String())}, nil
}

func trimNL(s string) string { return strings.TrimSuffix(s, "\n") }

func tail(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}

func clientConfig(conn resource.PropertyMap) (*ssh.ClientConfig, string, error) {
	host, _ := pv.Str(conn, "host")
	if host == "" {
		return nil, "", fmt.Errorf("connection.host is required")
	}
	port := int(pv.Num(conn, "port", 22))
	user, _ := pv.Str(conn, "user")
	if user == "" {
		user = "root"
	}
	var auths []ssh.AuthMethod
	if key, _ := pv.Str(conn, "privateKey"); key != "" {
		var signer ssh.Signer
		var err error
		if pass, _ := pv.Str(conn, "privateKeyPassword"); pass != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(key), []byte(pass))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(key))
		}
		if err != nil {
			return nil, "", fmt.Errorf("connection.privateKey: %w", err)
		}
		auths = append(auths, ssh.PublicKeys(signer))
	}
	if pw, _ := pv.Str(conn, "password"); pw != "" {
		auths = append(auths, ssh.Password(pw))
	}
	if sock, _ := pv.Str(conn, "agentSocketPath"); sock != "" {
		if a, err := net.Dial("unix", sock); err == nil {
			auths = append(auths, ssh.PublicKeysCallback(agent.NewClient(a).Signers))
		}
	}
	hostKeyCB := ssh.InsecureIgnoreHostKey() // as documented: no hostKey, no check
	if hk, _ := pv.Str(conn, "hostKey"); hk != "" {
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(hk))
		if err != nil {
			return nil, "", fmt.Errorf("connection.hostKey: %w", err)
		}
		hostKeyCB = ssh.FixedHostKey(pub)
	}
	timeout := time.Duration(pv.Num(conn, "perDialTimeout", 15)) * time.Second
	return &ssh.ClientConfig{User: user, Auth: auths, HostKeyCallback: hostKeyCB, Timeout: timeout},
		net.JoinHostPort(host, strconv.Itoa(port)), nil
}

func dial(conn resource.PropertyMap) (*ssh.Client, error) {
	cfg, addr, err := clientConfig(conn)
	if err != nil {
		return nil, err
	}
	limit := int(pv.Num(conn, "dialErrorLimit", 10))
	var last error
	for i := 0; limit < 0 || i < limit || i == 0; i++ {
		c, err := ssh.Dial("tcp", addr, cfg)
		if err == nil {
			return c, nil
		}
		last = err
		if strings.Contains(err.Error(), "host key mismatch") || strings.Contains(err.Error(), "unable to authenticate") {
			break
		}
		time.Sleep(time.Second)
	}
	return nil, fmt.Errorf("ssh dial %s: %w", addr, last)
}

func runRemote(_ context.Context, conn resource.PropertyMap, cmd, stdin string, keys []string,
	vars map[string]string,
) (*result, error) {
	client, err := dial(conn)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	for _, k := range keys {
		if err := sess.Setenv(k, vars[k]); err != nil {
			return nil, fmt.Errorf("setting %s: the SSH server must accept it (AcceptEnv): %w", k, err)
		}
	}
	if stdin != "" {
		sess.Stdin = strings.NewReader(stdin)
	}
	var so, se bytes.Buffer
	sess.Stdout, sess.Stderr = &so, &se
	if err := sess.Run(cmd); err != nil {
		return nil, fmt.Errorf("remote command failed: %w; stderr: %s", err, tail(se.String()))
	}
	return &result{stdout: trimNL(so.String()), stderr: trimNL(se.String())}, nil
}
