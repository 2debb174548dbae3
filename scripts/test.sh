#!/usr/bin/env bash
# The test command (`npm test`): installs what the tests need, then runs every tier.
#   unit   - jest with Pulumi mocks
#   render - generated files checked by Debian's own kamailio, prosodyctl, named-checkzone and turnserver
#   engine - the real Pulumi engine, offline, over SSH into a network namespace
#   e2e    - `npm run up:local` in both layouts, exercised by dig, turnutils, sipsak, TLS SIP and XMPP
#            clients, headless Chromium and a GStreamer peer, then `npm run down:local`
#   package - the npm tarball installed into a fresh program; README and examples/ compiled and run
# Needs root (apt, network namespaces, containers). Extra arguments go to jest, e.g.
# `npm test -- --selectProjects unit render` for the fast tiers.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[test] %s\n' "$*" >&2; }

log "Debian packages"
bash scripts/install-test-deps.sh
[ -d node_modules/@pulumi/pulumi ] || { log "npm dependencies"; npm ci --no-audit --no-fund; }
log "click-to-call page"
npm run -s build:web >/dev/null
log "Pulumi toolchain"
npm run -s toolchain >/dev/null

log "type check and lint"
npx tsc --noEmit -p .
npx eslint .

log "jest: unit, render, engine, e2e, package"
npx jest --ci "$@"
