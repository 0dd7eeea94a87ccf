# shellcheck shell=bash
# A Redis Cluster of three primaries (no replicas) on REDIS_CLUSTER_PORT and the two ports after it, from the
# same Debian redis-server as `redis`, without persistence: the tests that prove callwatch on Cluster use it.
# Sourced by infra/bin/infra; the nodes run under infra/lib/redis-cluster-run.sh.

redis-cluster_signature() { echo redis-cluster-run; }
redis-cluster_port_vars() { echo REDIS_CLUSTER_PORT; }
redis-cluster_ports() { echo "$REDIS_CLUSTER_PORT" $((REDIS_CLUSTER_PORT + 1)) $((REDIS_CLUSTER_PORT + 2)); }
redis-cluster_address() { printf '%s:%s-%s\n' "$HOST" "$REDIS_CLUSTER_PORT" $((REDIS_CLUSTER_PORT + 2)); }
redis-cluster_needs() { redis_needs; }
redis-cluster_prepare() { redis_prepare; }

redis-cluster_start() {
  local dir
  dir=$(comp_dir redis-cluster)
  # shellcheck disable=SC2046 # the three ports are separate arguments
  launch redis-cluster "$dir" bash "$LIB/redis-cluster-run.sh" "$HOST" $(redis-cluster_ports)
}

# Healthy once every node serves its slots.
redis-cluster_healthy() {
  local port
  for port in $(redis-cluster_ports); do
    redis-cli -h "$HOST" -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}
