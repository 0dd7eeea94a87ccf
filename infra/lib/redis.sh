# shellcheck shell=bash
# Redis from Debian's redis-server package, without persistence: test data is disposable.
# Sourced by infra/bin/infra.
#
# Besides the plain REDIS_PORT, where the default user stays open for the tests, it serves TLS on REDIS_TLS_PORT and
# knows one ACL user, callwatch, who may touch only `cw:*` keys: what the tests of callwatch's TLS and AUTH settings
# use. The Cluster (redis-cluster.sh) has the same user and certificates.

# Local only: the password is published in infra/README.md. Redis is given its SHA-256, so `ps` does not show it.
REDIS_LOCAL_USERNAME=callwatch
REDIS_LOCAL_PASSWORD=callwatch-local-only
# What callwatch needs and no more (docs/security.md#redis): its keys, no Pub/Sub channels, every command but the
# @dangerous ones (FLUSHALL, KEYS, CONFIG, DEBUG, …), and INFO, which ioredis's ready check runs on each connection.
REDIS_LOCAL_RULES=(resetkeys '~cw:*' resetchannels +@all -@dangerous +info)

redis_signature() { echo redis-server; }
redis_port_vars() { echo REDIS_PORT REDIS_TLS_PORT; }
redis_address() { printf '%s:%s,%s\n' "$HOST" "$REDIS_PORT" "$REDIS_TLS_PORT"; }

redis_env() {
  printf 'export REDIS_URL=redis://%s:%s\n' "$HOST" "$REDIS_PORT"
  printf 'export REDIS_TLS_URL=rediss://%s:%s@%s:%s\n' "$REDIS_LOCAL_USERNAME" "$REDIS_LOCAL_PASSWORD" "$HOST" "$REDIS_TLS_PORT"
  redis_tls_env
}

# redis_tls_env: the CA that signed the servers' certificates and a client certificate, for both Redis components.
redis_tls_env() {
  local tls
  tls=$(redis_tls_dir)
  printf 'export REDIS_LOCAL_CA_FILE=%q\n' "$tls/ca.crt"
  printf 'export REDIS_LOCAL_CERT_FILE=%q\n' "$tls/client.crt"
  printf 'export REDIS_LOCAL_KEY_FILE=%q\n' "$tls/client.key"
}

redis_needs() {
  command -v openssl >/dev/null 2>&1 || die "openssl is required to make Redis's local TLS certificates: install it (apt-get install -y openssl)"
  command -v redis-server >/dev/null 2>&1 && return 0
  [[ $(id -u) == 0 ]] || die "redis-server is not installed: install it as root (apt-get install -y redis-server)"
  command -v apt-get >/dev/null 2>&1 || die "redis-server is not installed and there is no apt-get: install Redis 7 with your package manager"
}

redis_prepare() {
  redis_install
  redis_tls
}

redis_install() {
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
  redis_secure_args
  launch redis "$dir" redis-server --port "$REDIS_PORT" --bind "$HOST" --save '' --appendonly no \
    --daemonize no --dir "$dir" --logfile '' --tls-port "$REDIS_TLS_PORT" --tls-auth-clients optional \
    "${REDIS_SECURE_ARGS[@]}"
}

# No stop hook: with --save '' SIGTERM is Redis's own "shutdown nosave", and a signal to our pid
# cannot hit another Redis that may have taken REDIS_PORT since. A Redis that cannot set up TLS exits at start, so a
# PONG on the plain port also means the TLS port serves.
redis_healthy() { [[ $(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

# redis_secure_args: sets REDIS_SECURE_ARGS, the redis-server arguments for the local certificates and the ACL user.
redis_secure_args() {
  local tls hash
  tls=$(redis_tls_dir)
  hash=$(printf %s "$REDIS_LOCAL_PASSWORD" | sha256sum | cut -d ' ' -f 1)
  REDIS_SECURE_ARGS=(--tls-cert-file "$tls/server.crt" --tls-key-file "$tls/server.key" --tls-ca-cert-file "$tls/ca.crt"
    --user "$REDIS_LOCAL_USERNAME" on "#$hash" "${REDIS_LOCAL_RULES[@]}")
}

# The certificates live beside the components' folders, shared by redis and redis-cluster, and are kept across
# restarts: clients point at the CA file.
redis_tls_dir() { printf '%s\n' "$CALLWATCH_RUN_DIR/redis-tls"; }

# redis_tls: a local CA, a server certificate for 127.0.0.1 and localhost (Cluster nodes also present it to each other
# on the TLS cluster bus) and a client certificate, made with openssl on the first start, and again when one is missing
# or expires within a day. EC P-256 keys take milliseconds, so a fresh run dir does not slow `up` down. Serialised:
# redis and redis-cluster start in parallel.
redis_tls() {
  local tls log
  tls=$(redis_tls_dir)
  mkdir -p "$tls"
  lock 8 "$tls/.lock"
  if ! redis_tls_valid "$tls"; then
    log=$tls/openssl.log
    note "redis: making a local CA and certificates in $tls"
    { redis_tls_make "$tls" && redis_tls_valid "$tls"; } >"$log" 2>&1 || die "openssl could not make Redis's local certificates: see $log"
  fi
  unlock 8
}

redis_tls_valid() {
  local name
  for name in ca server client; do
    [[ -s $1/$name.crt && -s $1/$name.key ]] || return 1
    openssl x509 -checkend 86400 -noout -in "$1/$name.crt" >/dev/null 2>&1 || return 1
  done
}

# redis_tls_make DIR: every step checked by hand, as `set -e` does nothing in a function called before `||`.
redis_tls_make() (
  cd "$1" || exit 1
  rm -f ./*.crt ./*.key ./*.srl
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
    -subj '/CN=callwatch local Redis CA' -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign -keyout ca.key -out ca.crt || exit 1
  redis_tls_sign server '/CN=callwatch local Redis' 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost' \
    'extendedKeyUsage=serverAuth,clientAuth' || exit 1
  redis_tls_sign client "/CN=$REDIS_LOCAL_USERNAME" "subjectAltName=DNS:$REDIS_LOCAL_USERNAME" 'extendedKeyUsage=clientAuth' || exit 1
  chmod 600 ./*.key
)

# redis_tls_sign NAME SUBJECT SAN EKU: NAME.key and NAME.crt in the current folder, signed by its CA.
redis_tls_sign() {
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr" &&
    printf '%s\n' basicConstraints=critical,CA:FALSE keyUsage=critical,digitalSignature "$3" "$4" >"$1.ext" &&
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 825 -extfile "$1.ext" -out "$1.crt" &&
    rm -f "$1.csr" "$1.ext"
}
