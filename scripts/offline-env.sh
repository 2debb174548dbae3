#!/usr/bin/env bash
# The one place for the settings that let the Pulumi engine run offline.
#
#   source scripts/offline-env.sh          export them into this shell
#   bash scripts/offline-env.sh --json     print them as a JSON object (tests/engine/engine-env.ts)
#   bash scripts/offline-env.sh -- CMD...  run CMD with them
#
# It calls scripts/toolchain.sh (instant once cached) for the toolchain directory.
# Overridable: PULUMI_RTC_STATE_DIR (file backend directory), PULUMI_CONFIG_PASSPHRASE
# (or PULUMI_CONFIG_PASSPHRASE_FILE), and the toolchain.sh variables.

_rtc_offline_env() {
  local root bin
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
  bin="$(bash "$root/scripts/toolchain.sh" | tail -n 1)" || return 1
  [ -x "$bin/pulumi" ] || { echo "offline-env: no pulumi in '$bin'" >&2; return 1; }

  local state="${PULUMI_RTC_STATE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-rtc/state}"
  mkdir -p "$state" || return 1
  export PULUMI_RTC_STATE_DIR="$state"
  export PULUMI_BACKEND_URL="file://$state"
  # A fixed, published passphrase: fine for local and test stacks only. Set your
  # own PULUMI_CONFIG_PASSPHRASE (or _FILE) for anything that matters.
  if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    export PULUMI_CONFIG_PASSPHRASE="pulumi-rtc-local-not-secret"
  fi
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  export PULUMI_HOME="$(dirname "$bin")/home"
  export PULUMI_RTC_TOOLCHAIN_BIN="$bin"
  case ":$PATH:" in *":$bin:"*) ;; *) export PATH="$bin:$PATH" ;; esac
}

_rtc_offline_vars="PULUMI_BACKEND_URL PULUMI_RTC_STATE_DIR PULUMI_CONFIG_PASSPHRASE PULUMI_CONFIG_PASSPHRASE_FILE \
PULUMI_SKIP_UPDATE_CHECK PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION PULUMI_HOME PULUMI_RTC_TOOLCHAIN_BIN PATH"

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  _rtc_offline_env # sourced
else
  set -euo pipefail
  _rtc_offline_env
  case "${1:-}" in
    --json)
      for v in $_rtc_offline_vars; do
        [ -n "${!v+x}" ] && printf '%s\0%s\0' "$v" "${!v}"
      done | node -e '
        const parts = require("fs").readFileSync(0, "utf8").split("\0"); const o = {};
        for (let i = 0; i + 1 < parts.length; i += 2) o[parts[i]] = parts[i + 1];
        process.stdout.write(JSON.stringify(o) + "\n");'
      ;;
    --) shift; exec "$@" ;;
    "") for v in $_rtc_offline_vars; do [ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"; done ;;
    *) echo "usage: source $0 | bash $0 [--json | -- CMD...]" >&2; exit 2 ;;
  esac
fi
