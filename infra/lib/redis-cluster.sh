# shellcheck shell=bash
# A Redis Cluster of three primaries (no replicas) on REDIS_CLUSTER_PORT and the two ports after it, from the
# same Debian redis-server as `redis`, without persistence: the tests that prove callwatch on Cluster use it.
# Sourced by infra/bin/infra; the nodes run under infra/lib/redis-cluster-run.sh.
#
# Each node also serves TLS on REDIS_CLUSTER_TLS_PORT and the two ports after it, requires a client certificate there
# (mutual TLS, unlike the standalone Redis, so the tests prove that one reaches every node), and knows the ACL user of
# redis.sh. The nodes talk to each other over TLS (tls-cluster), which makes CLUSTER SLOTS answer a TLS client with
# the TLS ports and a plain client with the plain ones.

redis-cluster_signature() { echo redis-cluster-run; }
redis-cluster_port_vars() { echo REDIS_CLUSTER_PORT REDIS_CLUSTER_TLS_PORT; }
redis-cluster_ports() { echo "$REDIS_CLUSTER_PORT" $((REDIS_CLUSTER_PORT + 1)) $((REDIS_CLUSTER_PORT + 2)); }
redis-cluster_tls_ports() { echo "$REDIS_CLUSTER_TLS_PORT" $((REDIS_CLUSTER_TLS_PORT + 1)) $((REDIS_CLUSTER_TLS_PORT + 2)); }
redis-cluster_address() { printf '%s:%s-%s,%s-%s\n' "$HOST" "$REDIS_CLUSTER_PORT" $((REDIS_CLUSTER_PORT + 2)) "$REDIS_CLUSTER_TLS_PORT" $((REDIS_CLUSTER_TLS_PORT + 2)); }
redis-cluster_needs() { redis_needs; }
redis-cluster_prepare() { redis_prepare; }

redis-cluster_env() {
  local port plain=() tls=()
  for port in $(redis-cluster_ports); do plain+=("$HOST:$port"); done
  for port in $(redis-cluster_tls_ports); do tls+=("$HOST:$port"); done
  printf 'export REDIS_CLUSTER_URL=redis-cluster://%s\n' "$(IFS=,; echo "${plain[*]}")"
  printf 'export REDIS_CLUSTER_TLS_URL=rediss-cluster://%s:%s@%s\n' "$REDIS_LOCAL_USERNAME" "$REDIS_LOCAL_PASSWORD" "$(IFS=,; echo "${tls[*]}")"
  redis_tls_env
}

redis-cluster_start() {
  local dir port nodes=() tls_ports
  dir=$(comp_dir redis-cluster)
  read -ra tls_ports <<<"$(redis-cluster_tls_ports)"
  for port in $(redis-cluster_ports); do
    nodes+=("$port:${tls_ports[${#nodes[@]}]}")
  done
  redis_secure_args
  launch redis-cluster "$dir" bash "$LIB/redis-cluster-run.sh" "$HOST" "${nodes[@]}" -- \
    --tls-cluster yes --tls-auth-clients yes "${REDIS_SECURE_ARGS[@]}"
}

# Healthy once every node serves its slots.
redis-cluster_healthy() {
  local port
  for port in $(redis-cluster_ports); do
    redis-cli -h "$HOST" -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}
