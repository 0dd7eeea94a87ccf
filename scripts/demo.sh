#!/usr/bin/env bash
# `npm start`: the whole demo on one machine. Starts the local infrastructure, the five services, the example
# rules and simulated switches, and prints alert events as they fire. Emails land in ./outbox (or in SES when
# AWS settings are given); the recorder keeps the history in ClickHouse embedded in .run/chdb. Ctrl-C stops
# everything this script started.
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1
cd "$(dirname "$0")/.."
root=$(pwd)
run_dir="${CALLWATCH_RUN_DIR:-$root/.run}"
mkdir -p "$run_dir/logs"

say() { printf '\033[1m== %s\033[0m\n' "$*"; }

say "building"
npx turbo run build --output-logs=errors-only

say "starting the local infrastructure (first run downloads Kafka, Apicurio and moto: about a minute)"
bash infra/bin/infra up
eval "$(bash infra/bin/infra env)"
# Each demo run gets fresh topics and Redis keys, so alerts fire again instead of continuing the last run's state.
run_id="${DEMO_PREFIX:-demo-$(date +%Y%m%d-%H%M%S)}"
export TOPIC_PREFIX="$run_id." REDIS_KEY_PREFIX="$run_id:"
export NOTIFY_OUTBOX_DIR="${NOTIFY_OUTBOX_DIR:-$root/outbox}"
export NOTIFY_EMAIL_FROM="${NOTIFY_EMAIL_FROM:-alerts@callwatch.local}"
# The recorder's embedded ClickHouse. It keeps every run's history: `stats` adds the runs up (one customer:acme).
export CLICKHOUSE_PATH="${CLICKHOUSE_PATH:-$run_dir/chdb}"
# The demo writes emails to the outbox unless you ask for SES (moto's, or real AWS with DEMO_USE_SES=1).
[ "${DEMO_USE_SES:-0}" = 1 ] || unset AWS_ENDPOINT_URL

pids=()
cleanup() {
  say "stopping the demo (infrastructure stays up: npm run infra:down stops it)"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cli() { node scripts/dist/cli.js "$@"; }

say "demo run $run_id (topics $TOPIC_PREFIX*, Redis keys $REDIS_KEY_PREFIX*)"
say "registering schemas"
cli schemas register >/dev/null
say "applying the example rules (rules/examples) and templates (templates/examples)"
cli rules apply rules/examples --templates templates/examples --as demo

port=9464
# Each service in a session of its own: Ctrl-C reaches the demo's process group, not them, and they get one
# SIGTERM from the cleanup (a second signal would make them exit before finishing the batch in flight).
for service in aggregator evaluator notifier enforcer recorder; do
  METRICS_PORT=$port setsid node "services/$service/dist/main.js" >"$run_dir/logs/$service.log" 2>&1 &
  pids+=($!)
  echo "$service: pid $!, metrics on http://127.0.0.1:$port/metrics, log $run_dir/logs/$service.log"
  port=$((port + 1))
done

say "simulating switches: 20 customers at 50% ASR, customer acme at 8% (alerts fire within a minute)"
cli simulate --rate "${DEMO_RATE:-100}" --bad-customers acme --bad-asr 8 --balance 50 >"$run_dir/logs/simulate.log" 2>&1 &
pids+=($!)

say "alert events (Ctrl-C to stop); emails are written to $NOTIFY_OUTBOX_DIR"
echo "(in another shell: TOPIC_PREFIX=$TOPIC_PREFIX npx callwatch alerts tail --from-beginning)"
# The CLI reads the history through the recorder at RECORDER_URL, whose default is the recorder's port above.
echo "(history, no prefix needed: npx callwatch stats --entity customer:acme --by hour; npx callwatch history alerts --since 1h)"
# In the background and waited for: bash runs its traps during `wait`, not while a foreground child runs.
cli alerts tail &
pids+=($!)
wait "$!"
