#!/usr/bin/env bash
# actionlint on the repository's GitHub workflows (and shellcheck on their run: steps), built once from the Go
# module proxy and cached outside the repo. Extra arguments go to actionlint, e.g. a file to lint instead.
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.7.12
bin="${PULUMI_RTC_CACHE:-$HOME/.cache/pulumi-rtc}/tools/actionlint-$version/actionlint"
if [ ! -x "$bin" ]; then
  # The build's own chatter (go: downloading ...) only when it fails: the output is actionlint's findings.
  log="$(mktemp)"
  GOBIN="$(dirname "$bin")" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@v$version" >"$log" 2>&1 \
    || { cat "$log" >&2; rm -f "$log"; exit 1; }
  rm -f "$log"
fi
exec "$bin" -shellcheck "$(command -v shellcheck || echo '')" "$@"
