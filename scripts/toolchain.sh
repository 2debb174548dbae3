#!/usr/bin/env bash
# Make sure a Pulumi toolchain that works offline is present, and print (as the
# LAST line of stdout) the directory that holds `pulumi`. Progress goes to stderr.
#
# The toolchain directory holds:
#   bin/pulumi                   the Pulumi CLI (built from Go modules, or a link
#                                to a fitting `pulumi` found on PATH)
#   bin/pulumi-language-nodejs   the Node.js language host, beside the CLI
#   home/plugins/resource-NAME-vVERSION/   command and tls provider plugins at the
#                                versions of node_modules/@pulumi/{command,tls}
# scripts/offline-env.sh uses DIR/home as PULUMI_HOME.
#
# Environment:
#   PULUMI_RTC_TOOLCHAIN_CACHE   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-rtc/toolchain)
#   PULUMI_RTC_CLI_VERSION       CLI version to build (default: the installed @pulumi/pulumi version)
#   PULUMI_RTC_IGNORE_PATH_CLI=1 never use a `pulumi` from PATH; always build
# See docs/toolchain.md.
set -euo pipefail

log() { printf 'toolchain: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/scripts/toolchain"
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

build_cli() { # build_cli VERSION OUTFILE
  local ver="$1" out="$2" w="$CACHE/build/cli-$1" mod gomod
  mod=github.com/pulumi/pulumi/pkg/v3
  log "building pulumi v$ver from Go module $mod@v$ver (cold: tens of minutes on 2 cores)"
  mkdir -p "$w"
  gomod="$(cd "$w" && go mod download -json "$mod@v$ver" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [ -f "$gomod" ] || die "could not download $mod@v$ver"
  {
    echo "module pulumi-rtc/toolchain-cli"
    echo
    sed -n 's/^go \(.*\)$/go \1/p' "$gomod"
    echo
    echo "require $mod v$ver"
    echo
    # A dependency's replace lines are ignored: copy the non-local ones.
    grep -E '^replace .* => [^.][^ ]* v[^ ]+$' "$gomod" || true
  } >"$w/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s/cmd/pulumi"\n' "$mod" >"$w/tools.go"
  rm -f "$w/go.sum"
  (cd "$w" && go mod tidy >&2) || die "go mod tidy failed for the CLI wrapper"
  (cd "$w" && go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$ver" \
    -o "$out.tmp" "$mod/cmd/pulumi" >&2) || die "building the pulumi CLI failed"
  mv "$out.tmp" "$out"
}

SRC_HASH="$( (cd "$SRC" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) ! -name '*_test.go' | LC_ALL=C sort \
  | xargs sha256sum) | sha256sum | cut -c1-12)"
if [ -n "$AMBIENT" ]; then
  KEY="ambient-$(printf '%s' "$AMBIENT" | sha256sum | cut -c1-8)-v$(pulumi version | sed 's/^v//')"
else
  KEY="cli-$CLI_VER"
fi
KEY="${KEY}_command-${CMD_VER}_tls-${TLS_VER}_src-${SRC_HASH}"
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

# ------------------------------------------- language host and provider plugins
# The official pulumi-language-nodejs, pulumi-resource-command and
# pulumi-resource-tls Go modules are refused by the module proxy that our
# machines reach, so we build this project's own stand-ins (scripts/toolchain/).
# Official plugins already installed for an official CLI are used instead.
OUT="$CACHE/build/rtc-$SRC_HASH"
need_build=""
[ -n "$AMBIENT" ] || need_build=1
AMBIENT_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
for nv in "command:$CMD_VER" "tls:$TLS_VER"; do
  n="${nv%%:*}" v="${nv#*:}"
  if [ -n "$AMBIENT" ] && [ -x "$AMBIENT_HOME/plugins/resource-$n-v$v/pulumi-resource-$n" ]; then
    log "using installed plugin $AMBIENT_HOME/plugins/resource-$n-v$v"
    # A copy: `pulumi plugin ls` does not list symlinked plugin directories.
    cp -a "$AMBIENT_HOME/plugins/resource-$n-v$v" "$DIR.tmp/home/plugins/"
    touch "$DIR.tmp/home/plugins/resource-$n-v$v.lock"
  else
    need_build=1
  fi
done
if [ -n "$need_build" ]; then
  mkdir -p "$OUT"
  start=$SECONDS
  log "building the language host and stand-in plugins from $SRC"
  (cd "$SRC" && go build -trimpath -ldflags "-s -w -X main.Version=$CLI_VER" \
      -o "$OUT/pulumi-language-nodejs" ./langhost >&2 \
    && go build -trimpath -ldflags "-s -w -X main.Version=$CMD_VER" -o "$OUT/pulumi-resource-command" ./command >&2 \
    && go build -trimpath -ldflags "-s -w -X main.Version=$TLS_VER" -o "$OUT/pulumi-resource-tls" ./tls >&2) \
    || die "building scripts/toolchain failed"
  log "built stand-ins in $((SECONDS - start))s"
fi
[ -n "$AMBIENT" ] || cp "$OUT/pulumi-language-nodejs" "$DIR.tmp/bin/"
for nv in "command:$CMD_VER" "tls:$TLS_VER"; do
  n="${nv%%:*}" v="${nv#*:}"
  [ -e "$DIR.tmp/home/plugins/resource-$n-v$v" ] && continue
  PULUMI_HOME="$DIR.tmp/home" PULUMI_SKIP_UPDATE_CHECK=true \
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
    "$DIR.tmp/bin/pulumi" plugin install resource "$n" "$v" --file "$OUT/pulumi-resource-$n" >&2 \
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
