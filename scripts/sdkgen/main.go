// sdkgen writes the Python or Go SDK of a Pulumi package schema with Pulumi's own code generators (the ones
// pulumi-language-python and pulumi-language-go call), for the engine tier to compile: the module proxy does not
// serve those language hosts, so `pulumi package gen-sdk` cannot run here.
//
//	go run . SCHEMA.json python|go OUTDIR
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if len(os.Args) != 4 {
		fail(fmt.Errorf("usage: sdkgen SCHEMA.json python|go OUTDIR"))
	}
	text, err := os.ReadFile(os.Args[1])
	fail(err)
	var spec schema.PackageSpec
	fail(json.Unmarshal(text, &spec))
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
	fail(err)
	if diags.HasErrors() {
		fail(diags)
	}
	var files map[string][]byte
	switch os.Args[2] {
	case "python":
		files, err = python.GeneratePackage("sdkgen", pkg, nil, noPackages{})
	case "go":
		files, err = gogen.GeneratePackage("sdkgen", pkg, nil)
	default:
		err = fmt.Errorf("unknown language %q", os.Args[2])
	}
	fail(err)
	for name, content := range files {
		path := filepath.Join(os.Args[3], name)
		fail(os.MkdirAll(filepath.Dir(path), 0o755))
		fail(os.WriteFile(path, content, 0o644))
	}
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}

// noPackages loads no other package: the schema references none.
type noPackages struct{}

func (noPackages) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema references package %q", name)
}

func (noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema references package %q", d.Name)
}

func (noPackages) LoadPackageReference(name string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema references package %q", name)
}

func (noPackages) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema references package %q", d.Name)
}
