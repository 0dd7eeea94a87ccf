#!/usr/bin/env bash
# redis-cluster-run HOST PORT:TLS_PORT... [-- REDIS_SERVER_ARG...]: starts one Redis Cluster node per port pair in the
# current folder (state from an earlier run is wiped: the data is disposable), each with the redis-server arguments
# after `--`, joins them into one cluster over their plain ports, and waits on them.
set -euo pipefail
host=$1
shift
pairs=()
while (($# > 0)) && [[ $1 != -- ]]; do
  pairs+=("$1")
  shift
done
(($# > 0)) && shift
pids=()
trap 'kill -TERM "${pids[@]}" 2>/dev/null || true; wait' TERM INT
for pair in "${pairs[@]}"; do
  port=${pair%%:*}
  rm -rf "node-$port"
  mkdir -p "node-$port"
  redis-server --port "$port" --tls-port "${pair#*:}" --bind "$host" --cluster-enabled yes \
    --cluster-config-file nodes.conf --cluster-node-timeout 2000 --save '' --appendonly no --daemonize no \
    --dir "node-$port" --logfile '' "$@" &
  pids+=($!)
done
nodes=()
for pair in "${pairs[@]}"; do
  port=${pair%%:*}
  for ((i = 0; i < 100; i++)); do
    [[ $(redis-cli -h "$host" -p "$port" ping 2>/dev/null) == PONG ]] && break
    sleep 0.1
  done
  nodes+=("$host:$port")
done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes
wait
