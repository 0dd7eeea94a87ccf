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
report="$(mktemp)"
status=0
npx jest --ci --maxWorkers=2 --json --outputFile="$report" "$@" || status=$?
node -e '
  const r = require(process.argv[1]);
  console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' "$report" || true
rm -f "$report"
exit "$status"
