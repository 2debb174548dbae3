#!/usr/bin/env bash
# Figures for the embedded local environment (a benchmark, not a test). Prints seconds for:
#   cold  - up:local with the container image and apt caches emptied (the toolchain stays built)
#   warm  - up:local again after down:local (caches full)
#   noop  - up:local with nothing changed
#   down  - down:local
# Usage: bash scripts/bench-local.sh [--skip-cold]. Needs root; leaves the environment down.
set -euo pipefail
cd "$(dirname "$0")/.."
skip_cold=""; [ "${1:-}" = "--skip-cold" ] && skip_cold=1
secs() { local t0=$SECONDS; "$@" >/tmp/bench-local.log 2>&1 || { tail -30 /tmp/bench-local.log >&2; exit 1; }; echo $((SECONDS - t0)); }

bash scripts/local-env.sh down >/dev/null 2>&1 || true
if [ -z "$skip_cold" ]; then
  rm -rf /var/cache/pulumi-rtc/rootfs-* /var/cache/apt-cacher-ng/debrep /var/cache/apt-cacher-ng/secdeb 2>/dev/null || true
  cold=$(secs bash scripts/local-env.sh up)
  bash scripts/local-env.sh down >/dev/null
else
  cold="skipped"
fi
warm=$(secs bash scripts/local-env.sh up)
noop=$(secs bash scripts/local-env.sh up)
down=$(secs bash scripts/local-env.sh down)
printf 'up:local cold  %s s\nup:local warm  %s s\nup:local noop  %s s\ndown:local     %s s\n' "$cold" "$warm" "$noop" "$down"
