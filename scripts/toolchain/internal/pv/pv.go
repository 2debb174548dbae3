// Package pv holds small helpers shared by this project's stand-in provider
// plugins: reading Pulumi property values and serving a plugin.Provider over gRPC
// the way the engine expects (print the port on stdout, then serve).
package pv

import (
	"context"
	"fmt"
	"os"
	"sort"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// Unwrap strips secret and output wrappers. known is false when the value (or a
// part of it) is not known yet (preview); secret is true when any part is secret.
func Unwrap(v resource.PropertyValue) (out resource.PropertyValue, known bool, secret bool) {
	known = true
	switch {
	case v.IsSecret():
		e, k, _ := Unwrap(v.SecretValue().Element)
		return e, k, true
	case v.IsComputed():
		return resource.NewNullProperty(), false, false
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return resource.NewNullProperty(), false, o.Secret
		}
		e, k, s := Unwrap(o.Element)
		return e, k, s || o.Secret
	case v.IsArray():
		arr := make([]resource.PropertyValue, 0, len(v.ArrayValue()))
		for _, e := range v.ArrayValue() {
			u, k, s := Unwrap(e)
			known = known && k
			secret = secret || s
			arr = append(arr, u)
		}
		return resource.NewArrayProperty(arr), known, secret
	case v.IsObject():
		m := resource.PropertyMap{}
		for key, e := range v.ObjectValue() {
			u, k, s := Unwrap(e)
			known = known && k
			secret = secret || s
			m[key] = u
		}
		return resource.NewObjectProperty(m), known, secret
	}
	return v, true, false
}

// Str returns the string at key ("" when missing or null).
func Str(m resource.PropertyMap, key string) (string, bool) {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return "", true
	}
	u, known, _ := Unwrap(v)
	if !known {
		return "", false
	}
	if u.IsString() {
		return u.StringValue(), true
	}
	return "", true
}

// Num returns the number at key, or def.
func Num(m resource.PropertyMap, key string, def float64) float64 {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return def
	}
	u, _, _ := Unwrap(v)
	if u.IsNumber() {
		return u.NumberValue()
	}
	return def
}

// Bool returns the bool at key, or def.
func Bool(m resource.PropertyMap, key string, def bool) bool {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return def
	}
	u, _, _ := Unwrap(v)
	if u.IsBool() {
		return u.BoolValue()
	}
	return def
}

// Strings returns the list of strings at key.
func Strings(m resource.PropertyMap, key string) []string {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return nil
	}
	u, _, _ := Unwrap(v)
	if !u.IsArray() {
		return nil
	}
	var out []string
	for _, e := range u.ArrayValue() {
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

// StringMap returns the string map at key, sorted keys for determinism.
func StringMap(m resource.PropertyMap, key string) ([]string, map[string]string) {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return nil, nil
	}
	u, _, _ := Unwrap(v)
	if !u.IsObject() {
		return nil, nil
	}
	out := map[string]string{}
	var keys []string
	for k, e := range u.ObjectValue() {
		if e.IsString() {
			out[string(k)] = e.StringValue()
			keys = append(keys, string(k))
		}
	}
	sort.Strings(keys)
	return keys, out
}

// Object returns the object at key with wrappers removed.
func Object(m resource.PropertyMap, key string) resource.PropertyMap {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return resource.PropertyMap{}
	}
	u, _, _ := Unwrap(v)
	if !u.IsObject() {
		return resource.PropertyMap{}
	}
	return u.ObjectValue()
}

// InputDiff compares old and new inputs: no change, or an in-place update of the
// changed top-level keys. Replacement is left to the caller (forceNew) or to the
// SDK's replaceOnChanges option.
func InputDiff(olds, news resource.PropertyMap, forceNew bool) plugin.DiffResult {
	d := olds.Diff(news)
	if d == nil || !d.AnyChanges() {
		return plugin.DiffResult{Changes: plugin.DiffNone}
	}
	var changed []resource.PropertyKey
	for _, k := range d.ChangedKeys() {
		changed = append(changed, k)
	}
	r := plugin.DiffResult{
		Changes:      plugin.DiffSome,
		ChangedKeys:  changed,
		DetailedDiff: plugin.NewDetailedDiffFromObjectDiff(d, true),
	}
	if forceNew {
		r.ReplaceKeys = changed
		for k, pd := range r.DetailedDiff {
			pd.Kind = pd.Kind.AsReplace()
			r.DetailedDiff[k] = pd
		}
	}
	return r
}

// Base implements the parts of plugin.Provider that the stand-ins share.
type Base struct {
	plugin.UnimplementedProvider
	Version string
}

func (b *Base) GetPluginInfo(context.Context) (plugin.PluginInfo, error) {
	v := semver.MustParse(b.Version)
	return plugin.PluginInfo{Version: &v}, nil
}

func (b *Base) CheckConfig(_ context.Context, req plugin.CheckConfigRequest) (plugin.CheckConfigResponse, error) {
	return plugin.CheckConfigResponse{Properties: req.News}, nil
}

func (b *Base) DiffConfig(_ context.Context, req plugin.DiffConfigRequest) (plugin.DiffConfigResponse, error) {
	return plugin.DiffResult{Changes: plugin.DiffNone}, nil
}

func (b *Base) Configure(context.Context, plugin.ConfigureRequest) (plugin.ConfigureResponse, error) {
	return plugin.ConfigureResponse{}, nil
}

func (b *Base) SignalCancellation(context.Context) error { return nil }

func (b *Base) GetSchema(context.Context, plugin.GetSchemaRequest) (plugin.GetSchemaResponse, error) {
	return plugin.GetSchemaResponse{Schema: []byte("{}")}, nil
}

func (b *Base) Read(_ context.Context, req plugin.ReadRequest) (plugin.ReadResponse, error) {
	return plugin.ReadResponse{ReadResult: plugin.ReadResult{
		ID: req.ID, Inputs: req.Inputs, Outputs: req.State,
	}, Status: resource.StatusOK}, nil
}

// Serve runs p as a provider plugin.
func Serve(p plugin.Provider) {
	srv := plugin.NewProviderServer(p)
	ServeGRPC(func(s *grpc.Server) { pulumirpc.RegisterResourceProviderServer(s, srv) })
}

// ServeGRPC serves the services that register adds; the engine reads the port from our stdout.
func ServeGRPC(register func(*grpc.Server)) {
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(s *grpc.Server) error {
			register(s)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fatal: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "fatal: %v\n", err)
		os.Exit(1)
	}
}
