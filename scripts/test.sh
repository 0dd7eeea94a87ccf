#!/usr/bin/env bash
# The one test command (`npm test`, run by .ci/run): build, check generated code, lint, then every unit
# test and every integration test against the real local services (infra/ starts them; see test/support).
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "build"
npx turbo run build --output-logs=errors-only
step "generated types match schemas/avro"
node schemas/codegen.js --check
step "lint"
npx eslint . --max-warnings=0
step "unit and integration tests"
log="$(mktemp)"
set +e
npx jest --ci --maxWorkers=2 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line for CI, from jest's own "Tests:" summary.
summary=$(grep -E '^Tests:' "$log" | tail -n 1 || true)
passed=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
failed=$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
skipped=$(grep -oE '[0-9]+ skipped' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
rm -f "$log"
printf '\n%s passed, %s failed, %s skipped\n' "$passed" "$failed" "$skipped"
exit "$status"
