# shellcheck shell=bash
# Redis from Debian's redis-server package, without persistence: test data is disposable.
# Sourced by infra/bin/infra.

redis_signature() { echo redis-server; }
redis_port_vars() { echo REDIS_PORT; }
redis_address() { printf '%s:%s\n' "$HOST" "$REDIS_PORT"; }

redis_needs() {
  command -v redis-server >/dev/null 2>&1 && return 0
  [[ $(id -u) == 0 ]] || die "redis-server is not installed: install it as root (apt-get install -y redis-server)"
  command -v apt-get >/dev/null 2>&1 || die "redis-server is not installed and there is no apt-get: install Redis 7 with your package manager"
}

redis_prepare() {
  command -v redis-server >/dev/null 2>&1 && return 0
  local log=$CALLWATCH_CACHE_DIR/apt-redis.log
  lock 8 "$CALLWATCH_CACHE_DIR/apt.lock"
  if ! command -v redis-server >/dev/null 2>&1; then
    note "redis: installing Debian's redis-server (first start only)"
    apt-get update -qq >"$log" 2>&1 || die "could not reach Debian's package archive (apt-get update failed): see $log"
    # The package may also start a system Redis on 6379; callwatch never uses that port by default.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >>"$log" 2>&1 ||
      die "apt-get install redis-server failed: see $log"
  fi
  unlock 8
}

redis_start() {
  local dir
  dir=$(comp_dir redis)
  launch redis "$dir" redis-server --port "$REDIS_PORT" --bind "$HOST" --save '' --appendonly no \
    --daemonize no --dir "$dir" --logfile ''
}

# No stop hook: with --save '' SIGTERM is Redis's own "shutdown nosave", and a signal to our pid
# cannot hit another Redis that may have taken REDIS_PORT since.
redis_healthy() { [[ $(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

