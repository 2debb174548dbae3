#!/usr/bin/env bash
# Make sure a Pulumi toolchain that works offline is present, and print (as the
# LAST line of stdout) the directory that holds `pulumi`. Progress goes to stderr.
#
# The toolchain directory holds:
#   bin/pulumi                   the Pulumi CLI (built from Go modules, or a link
#                                to a fitting `pulumi` found on PATH)
#   bin/pulumi-language-nodejs   the Node.js language host, beside the CLI
#   bin/pulumi-language-yaml     the Pulumi YAML language host, built from its Go module
#   home/plugins/resource-NAME-vVERSION/   command and tls provider plugins at the
#                                versions of node_modules/@pulumi/{command,tls}
# scripts/offline-env.sh uses DIR/home as PULUMI_HOME.
#
# Environment:
#   PULUMI_RTC_TOOLCHAIN_CACHE   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-rtc/toolchain)
#   PULUMI_RTC_CLI_VERSION       CLI version to build (default: the installed @pulumi/pulumi version)
#   PULUMI_RTC_IGNORE_PATH_CLI=1 never use a `pulumi` from PATH; always build
#   PULUMI_RTC_UPSTREAM_DIR      the plugins' upstream sources (default ../shared/upstream beside the repo)
#   PULUMI_RTC_YAML_VERSION      pulumi-yaml version to build (default 1.38.1)
# See docs/toolchain.md.
set -euo pipefail

log() { printf 'toolchain: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${PULUMI_RTC_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-rtc/toolchain}"

pkgver() { # pkgver <npm package> <field expr>
  node -e 'const p=require(process.argv[1]); const v=eval(process.argv[2]); if(!v) process.exit(1); console.log(v)' \
    "$ROOT/node_modules/$1/package.json" "$2" 2>/dev/null \
    || die "cannot read $2 from node_modules/$1/package.json (run npm ci first)"
}
SDK_VER="$(pkgver @pulumi/pulumi p.version)"
CLI_VER="${PULUMI_RTC_CLI_VERSION:-$SDK_VER}"
CMD_VER="$(pkgver @pulumi/command p.pulumi.version)"
TLS_VER="$(pkgver @pulumi/tls p.pulumi.version)"
YAML_VER="${PULUMI_RTC_YAML_VERSION:-1.38.1}"

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # one build at a time (parallel test runs share the cache)

export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -buildvcs=false"
[ -x /usr/local/go/bin/go ] && case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) PATH="$PATH:/usr/local/go/bin" ;; esac
command -v go >/dev/null || die "go is not on PATH (needed to build the toolchain; install Go, or put an official pulumi CLI on PATH)"

# ver_ge A B: is semver A >= B (numeric major.minor.patch only)?
ver_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]; }

# ---------------------------------------------------------------- the CLI
AMBIENT=""
if [ "${PULUMI_RTC_IGNORE_PATH_CLI:-}" != 1 ] && command -v pulumi >/dev/null 2>&1; then
  p="$(command -v pulumi)"
  case "$p" in "$CACHE"/*) p="" ;; esac # our own bin dir on PATH is not "ambient"
  if [ -n "$p" ]; then
    v="$(pulumi version 2>/dev/null | sed 's/^v//')" || v=""
    if [[ "$v" =~ ^3\.[0-9]+\.[0-9]+$ ]] && ver_ge "$v" "$SDK_VER" \
      && [ -x "$(dirname "$(readlink -f "$p")")/pulumi-language-nodejs" ]; then
      AMBIENT="$(readlink -f "$p")"
      log "using pulumi $v from PATH ($AMBIENT)"
    else
      log "ignoring pulumi on PATH ($p, version '${v:-?}'): need 3.x >= $SDK_VER with pulumi-language-nodejs beside it"
    fi
  fi
fi

# go_build_module MODULE VERSION CMD OUTFILE LDFLAGS: builds MODULE/CMD at VERSION inside a wrapper module that
# requires it (a dependency's replace lines are ignored, so its non-local ones are copied).
go_build_module() {
  local mod="$1" ver="$2" cmd="$3" out="$4" ldflags="$5" w gomod
  w="$CACHE/build/$(basename "$cmd")-$ver"
  mkdir -p "$w"
  gomod="$(cd "$w" && go mod download -json "$mod@v$ver" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [ -f "$gomod" ] || die "could not download $mod@v$ver"
  {
    echo "module pulumi-rtc/toolchain-$(basename "$cmd")"
    echo
    sed -n 's/^go \(.*\)$/go \1/p' "$gomod"
    echo
    echo "require $mod v$ver"
    echo
    grep -E '^replace .* => [^.][^ ]* v[^ ]+$' "$gomod" || true
  } >"$w/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s/%s"\n' "$mod" "$cmd" >"$w/tools.go"
  rm -f "$w/go.sum"
  (cd "$w" && go mod tidy >&2) || die "go mod tidy failed for the $cmd wrapper"
  (cd "$w" && go build -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp" "$mod/$cmd" >&2) || die "building $mod/$cmd failed"
  mv "$out.tmp" "$out"
}

build_cli() { # build_cli VERSION OUTFILE
  log "building pulumi v$1 from Go module github.com/pulumi/pulumi/pkg/v3@v$1 (cold: tens of minutes on 2 cores)"
  go_build_module github.com/pulumi/pulumi/pkg/v3 "$1" cmd/pulumi "$2" "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$1"
}

build_yaml() { # build_yaml VERSION OUTFILE: the YAML language host, which the module proxy serves
  log "building pulumi-language-yaml v$1 from Go module github.com/pulumi/pulumi-yaml@v$1 (cold: a few minutes)"
  go_build_module github.com/pulumi/pulumi-yaml "$1" cmd/pulumi-language-yaml "$2" "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$1"
}

# ---------------------------------------------- the official plugins, from source
# The module proxy refuses the modules of pulumi-language-nodejs, pulumi-resource-command and
# pulumi-resource-tls, so they are built from their upstream sources in ../shared/upstream
# (see its README), at the versions the npm packages name.
UPSTREAM="${PULUMI_RTC_UPSTREAM_DIR:-$ROOT/../shared/upstream}"
RECIPE=2 # bump when a build step below changes

archive() { # archive GLOB: the one upstream archive matching GLOB
  local m=("$UPSTREAM"/$1)
  [ -f "${m[0]}" ] || die "no $1 in $UPSTREAM (set PULUMI_RTC_UPSTREAM_DIR to the folder holding the upstream plugin sources)"
  [ "${#m[@]}" = 1 ] || die "several $1 in $UPSTREAM"
  echo "${m[0]}"
}

unpack() { # unpack ARCHIVE DIR: a fresh copy of ARCHIVE's tree in DIR
  rm -rf "$2" && mkdir -p "$2" && tar -xzf "$1" -C "$2"
}

build_langhost() { # build_langhost VERSION OUT
  local w="$CACHE/build/langhost-$1" d
  unpack "$(archive "pulumi-language-nodejs-$1.tar.gz")" "$w"
  d="$w/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs"
  # Upstream builds it inside the pulumi repo; here pkg/v3 and sdk/v3 come from the module proxy.
  (cd "$d" && go mod edit -dropreplace github.com/pulumi/pulumi/pkg/v3 -dropreplace github.com/pulumi/pulumi/sdk/v3 \
      -require "github.com/pulumi/pulumi/pkg/v3@v$1" -require "github.com/pulumi/pulumi/sdk/v3@v$1" \
    && go mod tidy -e >&2 \
    && go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$1" -o "$2" . >&2)
}

build_command() { # build_command VERSION OUT
  local w="$CACHE/build/command-$1"
  unpack "$(archive "pulumi-command-$1.tar.gz")" "$w"
  (cd "$w/pulumi-command/provider" && go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$1" \
    -o "$2" ./cmd/pulumi-resource-command >&2)
}

build_tls() { # build_tls VERSION OUT
  local w="$CACHE/build/tls-$1" p
  unpack "$(archive "pulumi-tls-$1*.tar.gz")" "$w"
  unpack "$(archive "terraform-provider-tls-*.tar.gz")" "$w/tf"
  p="$w/pulumi-tls/provider"
  # schema-embed.json is generated upstream: schema.json with the version set.
  node -e 'const fs=require("fs"); const s=JSON.parse(fs.readFileSync(process.argv[1])); s.version=process.argv[2];
    fs.writeFileSync(process.argv[3], JSON.stringify(s))' "$p/cmd/pulumi-resource-tls/schema.json" "$1" "$p/cmd/pulumi-resource-tls/schema-embed.json"
  (cd "$p" && go mod edit -replace "github.com/hashicorp/terraform-provider-tls=$w/tf/terraform-provider-tls" \
    && go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-tls/provider/v5/pkg/version.Version=$1" \
      -o "$2" ./cmd/pulumi-resource-tls >&2)
}

# The cache key covers the sources that are there (an official install needs none).
SRC_HASH="$( { echo "$RECIPE"; for g in "pulumi-language-nodejs-$CLI_VER.tar.gz" "pulumi-command-$CMD_VER.tar.gz" \
  "pulumi-tls-$TLS_VER*.tar.gz" "terraform-provider-tls-*.tar.gz"; do
    for f in "$UPSTREAM"/$g; do [ -f "$f" ] && sha256sum "$f" | cut -c1-64; done; done; } | sha256sum | cut -c1-12)"
if [ -n "$AMBIENT" ]; then
  KEY="ambient-$(printf '%s' "$AMBIENT" | sha256sum | cut -c1-8)-v$(pulumi version | sed 's/^v//')"
else
  KEY="cli-$CLI_VER"
fi
KEY="${KEY}_command-${CMD_VER}_tls-${TLS_VER}_yaml-${YAML_VER}_src-${SRC_HASH}"
DIR="$CACHE/$KEY"

if [ -f "$DIR/.complete" ]; then
  log "ready (cached): $DIR"
  echo "$DIR/bin"
  exit 0
fi

log "assembling $DIR"
rm -rf "$DIR.tmp"
mkdir -p "$DIR.tmp/bin" "$DIR.tmp/home/plugins"
if [ -n "$AMBIENT" ]; then
  ln -s "$AMBIENT" "$DIR.tmp/bin/pulumi"
else
  CLI="$CACHE/cli/pulumi-v$CLI_VER"
  mkdir -p "$CACHE/cli"
  if [ ! -x "$CLI" ]; then
    start=$SECONDS
    build_cli "$CLI_VER" "$CLI"
    log "built pulumi v$CLI_VER in $((SECONDS - start))s"
  fi
  cp "$CLI" "$DIR.tmp/bin/pulumi"
fi

# built NAME VERSION FUNCTION: the cached binary of an official plugin, built once per version and source.
built() {
  local out="$CACHE/plugins/$1-$2-$SRC_HASH" start=$SECONDS
  if [ ! -x "$out" ]; then
    mkdir -p "$CACHE/plugins"
    log "building $1 $2 from its upstream source"
    "$3" "$2" "$out.tmp" || die "building $1 $2 failed"
    mv "$out.tmp" "$out"
    log "built $1 $2 in $((SECONDS - start))s"
  fi
  echo "$out"
}

[ -n "$AMBIENT" ] || cp "$(built pulumi-language-nodejs "$CLI_VER" build_langhost)" "$DIR.tmp/bin/pulumi-language-nodejs"
YAML="$CACHE/yaml/pulumi-language-yaml-v$YAML_VER"
if [ ! -x "$YAML" ]; then
  mkdir -p "$CACHE/yaml"
  start=$SECONDS
  build_yaml "$YAML_VER" "$YAML"
  log "built pulumi-language-yaml v$YAML_VER in $((SECONDS - start))s"
fi
cp "$YAML" "$DIR.tmp/bin/pulumi-language-yaml"
AMBIENT_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
for nv in "command:$CMD_VER" "tls:$TLS_VER"; do
  n="${nv%%:*}" v="${nv#*:}"
  if [ -n "$AMBIENT" ] && [ -x "$AMBIENT_HOME/plugins/resource-$n-v$v/pulumi-resource-$n" ]; then
    log "using installed plugin $AMBIENT_HOME/plugins/resource-$n-v$v"
    # A copy: `pulumi plugin ls` does not list symlinked plugin directories.
    cp -a "$AMBIENT_HOME/plugins/resource-$n-v$v" "$DIR.tmp/home/plugins/"
    touch "$DIR.tmp/home/plugins/resource-$n-v$v.lock"
    continue
  fi
  PULUMI_HOME="$DIR.tmp/home" PULUMI_SKIP_UPDATE_CHECK=true \
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
    "$DIR.tmp/bin/pulumi" plugin install resource "$n" "$v" --file "$(built "pulumi-resource-$n" "$v" "build_$n")" >&2 \
    || die "pulumi plugin install resource $n $v failed"
done

# Smoke check: the CLI runs and sees both plugins at the expected versions.
ls_out="$(PULUMI_HOME="$DIR.tmp/home" PULUMI_SKIP_UPDATE_CHECK=true "$DIR.tmp/bin/pulumi" plugin ls 2>&1)" \
  || die "pulumi plugin ls failed: $ls_out"
for nv in "command $CMD_VER" "tls $TLS_VER"; do
  grep -Eq "^${nv% *} +resource +${nv#* } " <<<"$ls_out" || die "plugin ${nv% *} ${nv#* } missing: $ls_out"
done

rm -rf "$DIR"
mv "$DIR.tmp" "$DIR"
touch "$DIR/.complete"
log "ready: $DIR"
echo "$DIR/bin"
