// pulumi-language-nodejs: this project's minimal Node.js language host, written
// here because the official host's Go module cannot be fetched on our offline
// machines. It runs a Pulumi program with the @pulumi/pulumi SDK found from the
// program's directory (node_modules/@pulumi/pulumi/cmd/run), passing the engine's
// settings the way that entry point reads them (flags, PULUMI_CONFIG,
// PULUMI_CONFIG_SECRET_KEYS, PULUMI_NODEJS_TYPESCRIPT, PULUMI_NODEJS_TSCONFIG_PATH).
//
// It does not implement code generation, `pulumi new` templates, `pulumi
// install`, or plugin discovery: the engine loads each provider lazily at the
// version the SDK asks for, from $PULUMI_HOME/plugins.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
	"pulumi-rtc/toolchain/internal/pv"
)

// Version is set with -ldflags -X main.Version=X (the CLI's version).
var Version = "0.0.0-dev"

// exit code of @pulumi/pulumi/cmd/run when the error was already shown to the user.
const exitLoggedError = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engine string
}

func main() {
	// The engine starts us as: pulumi-language-nodejs [-flags...] ENGINE_ADDRESS.
	var engine string
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			engine = a
		}
	}
	h := &host{engine: engine}
	pv.ServeGRPC(func(s *grpc.Server) { pulumirpc.RegisterLanguageRuntimeServer(s, h) })
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) InstallDependencies(*pulumirpc.InstallDependenciesRequest,
	grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return nil // dependencies are installed with npm by the project itself
}

func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: "node", Version: strings.TrimSpace(string(out))}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func optString(o *structpb.Struct, k string) (string, bool) {
	if o == nil {
		return "", false
	}
	v, ok := o.Fields[k]
	if !ok {
		return "", false
	}
	switch x := v.Kind.(type) {
	case *structpb.Value_StringValue:
		return x.StringValue, true
	case *structpb.Value_BoolValue:
		return strconv.FormatBool(x.BoolValue), true
	}
	return "", false
}

// resolveRun finds @pulumi/pulumi/cmd/run the way Node would from dir.
func resolveRun(dir string) (string, error) {
	out, err := exec.Command("node", "-e",
		"process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run', {paths: [process.argv[1]]}))",
		dir).Output()
	if err != nil {
		return "", fmt.Errorf("cannot find @pulumi/pulumi from %s (run npm install): %w", dir, err)
	}
	return filepath.Dir(string(out)), nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	progDir, root, entry := req.GetPwd(), req.GetPwd(), "."
	if info != nil {
		if info.ProgramDirectory != "" {
			progDir = info.ProgramDirectory
		}
		if info.RootDirectory != "" {
			root = info.RootDirectory
		}
		if info.EntryPoint != "" {
			entry = info.EntryPoint
		}
	} else if req.GetProgram() != "" {
		entry = req.GetProgram()
	}
	program := entry
	if !filepath.IsAbs(program) {
		program = filepath.Join(progDir, entry)
	}
	runDir, err := resolveRun(progDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := []string{runDir,
		"--monitor=" + req.GetMonitorAddress(),
		"--project=" + req.GetProject(),
		"--stack=" + req.GetStack(),
		"--root-directory=" + root,
		"--pwd=" + req.GetPwd(),
	}
	if h.engine != "" {
		args = append(args, "--engine="+h.engine)
	}
	if req.GetOrganization() != "" {
		args = append(args, "--organization="+req.GetOrganization())
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		args = append(args, fmt.Sprintf("--parallel=%d", req.GetParallel()))
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	cfg, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	sk, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+string(cfg), "PULUMI_CONFIG_SECRET_KEYS="+string(sk))
	ts := "true" // the CLI's default for Node.js programs
	if v, ok := optString(info.GetOptions(), "typescript"); ok {
		ts = v
	}
	env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+ts)
	if v, ok := optString(info.GetOptions(), "tsconfig"); ok {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ee.ExitCode() == exitLoggedError {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", ee.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}
