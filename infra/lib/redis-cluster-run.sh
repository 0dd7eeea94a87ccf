#!/usr/bin/env bash
# redis-cluster-run HOST PORT...: starts one Redis Cluster node per port in the current folder (state from
# an earlier run is wiped: the data is disposable), joins them into one cluster, and waits on them.
set -euo pipefail
host=$1
shift
pids=()
trap 'kill -TERM "${pids[@]}" 2>/dev/null || true; wait' TERM INT
for port in "$@"; do
  rm -rf "node-$port"
  mkdir -p "node-$port"
  redis-server --port "$port" --bind "$host" --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-node-timeout 2000 --save '' --appendonly no --daemonize no --dir "node-$port" --logfile '' &
  pids+=($!)
done
for port in "$@"; do
  for ((i = 0; i < 100; i++)); do
    [[ $(redis-cli -h "$host" -p "$port" ping 2>/dev/null) == PONG ]] && break
    sleep 0.1
  done
done
nodes=()
for port in "$@"; do nodes+=("$host:$port"); done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes
wait
