#!/usr/bin/env bash
# `npm start`: the whole demo on one machine. Builds, starts the local infrastructure, then hands over to the demo's
# supervisor (scripts/src/demo/main.ts), which registers the schemas, applies the example rules, starts the services,
# the console and the simulated switches, and prints alert events as they fire. It owns every process it starts:
# Ctrl-C, a closed terminal, SIGTERM or a broken pipe stop them all (the infrastructure stays up).
# DEMO_SKIP_BUILD=1 skips the build (tests); other settings are in docs/operations.md#the-demo.
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1
cd "$(dirname "$0")/.."

say() { printf '\033[1m== %s\033[0m\n' "$*"; }

if [ "${DEMO_SKIP_BUILD:-0}" != 1 ]; then
  say "building"
  npx turbo run build --output-logs=errors-only
fi

say "starting the local infrastructure (first run downloads Kafka, Apicurio and moto: about a minute)"
bash infra/bin/infra up | { grep -v "^export " || true; }
eval "$(bash infra/bin/infra env)"
# exec: the supervisor takes this shell's place, so the signals meant for the demo reach it and nothing in between.
exec node scripts/dist/demo/main.js
