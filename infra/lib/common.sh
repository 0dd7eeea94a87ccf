# shellcheck shell=bash
# Shared by infra/bin/infra and the component files: configuration, process bookkeeping, health
# waits and the one-sentence error messages. Sourced, never run.
#
# Every service runs in its own session (setsid), so its pid is also its process-group id and `down`
# can signal the whole group: no java or python child outlives it.

INFRA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_ROOT=$(cd "$INFRA_DIR/.." && pwd)

: "${CALLWATCH_CACHE_DIR:=$REPO_ROOT/.cache}"
: "${CALLWATCH_RUN_DIR:=$REPO_ROOT/.run}"
: "${CALLWATCH_START_TIMEOUT:=90}"
: "${KAFKA_VERSION:=3.9.1}"
: "${APICURIO_VERSION:=3.0.9}"
# No colon: an empty MOTO_VERSION means "the newest".
: "${MOTO_VERSION=5.2.5}"
: "${KAFKA_PORT:=19092}"
: "${KAFKA_CONTROLLER_PORT:=19093}"
: "${KAFKA_SASL_SSL_PORT:=19094}"
: "${KAFKA_SSL_PORT:=19095}"
: "${REGISTRY_PORT:=18081}"
: "${REDIS_PORT:=16379}"
: "${REDIS_TLS_PORT:=16380}"
: "${REDIS_CLUSTER_PORT:=17001}"
: "${REDIS_CLUSTER_TLS_PORT:=17101}"
: "${MOTO_PORT:=15000}"
: "${KAFKA_HEAP:=768m}"
: "${REGISTRY_HEAP:=512m}"
: "${CALLWATCH_MVN_ARGS:=}"

# Start-up order matters only for output; all components start in parallel.
ALL_COMPONENTS="kafka registry redis redis-cluster moto"
# Long enough to cover another `infra up` that is downloading and then waiting for a health check.
LOCK_TIMEOUT=300
# A single-node Kafka can take over 15 s to shut down cleanly on a loaded machine, and one killed mid-way may leave
# a metadata log it does not start from again: give it time.
STOP_TIMEOUT=30
HOST=127.0.0.1
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

die() {
  printf 'infra: %s\n' "$*" >&2
  exit 1
}

# Progress goes to stderr so that stdout of `up` and `env` stays parseable.
note() { printf 'infra: %s\n' "$*" >&2; }

now() {
  if [[ -n ${EPOCHREALTIME:-} ]]; then printf '%s\n' "${EPOCHREALTIME/,/.}"; else date +%s.%N; fi
}

# seconds_since T0: elapsed time with one decimal.
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# report NAME STATE ADDRESS DETAIL: the one line per component that up/down/status print.
report() { printf '%-13s %-5s %-22s %s\n' "$1" "$2" "$3" "$4"; }

is_component() { [[ " $ALL_COMPONENTS " == *" $1 "* ]]; }

abs_dirs() {
  mkdir -p "$CALLWATCH_CACHE_DIR" "$CALLWATCH_RUN_DIR" || die "cannot create $CALLWATCH_CACHE_DIR or $CALLWATCH_RUN_DIR: set CALLWATCH_CACHE_DIR / CALLWATCH_RUN_DIR to writable folders"
  # Relative paths would break once a service runs with another working directory.
  CALLWATCH_CACHE_DIR=$(cd "$CALLWATCH_CACHE_DIR" && pwd)
  CALLWATCH_RUN_DIR=$(cd "$CALLWATCH_RUN_DIR" && pwd)
}

check_config() {
  local var
  for var in KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_SASL_SSL_PORT KAFKA_SSL_PORT REGISTRY_PORT REDIS_PORT REDIS_TLS_PORT REDIS_CLUSTER_PORT REDIS_CLUSTER_TLS_PORT MOTO_PORT CALLWATCH_START_TIMEOUT; do
    if ! [[ ${!var} =~ ^[0-9]+$ ]] || ((${!var} < 1 || ${!var} > 65535)); then
      die "$var must be a number between 1 and 65535, got '${!var}'"
    fi
  done
  for var in KAFKA_HEAP REGISTRY_HEAP; do
    [[ ${!var} =~ ^[0-9]+[kKmMgG]$ ]] || die "$var must be a JVM heap size such as 768m or 1g, got '${!var}'"
  done
}

# ports_of NAME: NAME's port settings as one word list, recorded at start to detect a changed env.
ports_of() {
  local var out=()
  for var in $("$1"_port_vars); do out+=("$var=${!var}"); done
  echo "${out[*]}"
}
ports_file() { printf '%s\n' "$CALLWATCH_RUN_DIR/$1/$1.ports"; }
# recorded_ports NAME: the ports NAME's running process was started with.
recorded_ports() { cat "$(ports_file "$1")" 2>/dev/null || true; }

# ports_match NAME: true when NAME's running process was started with this environment's ports. A port setting it
# was started without (one added to infra since, such as Kafka's TLS listeners) does not count against it: the
# process still serves everyone on its other ports, and ports_missing names what it lacks.
ports_match() {
  local word current
  current=" $(ports_of "$1") "
  for word in $(recorded_ports "$1"); do
    [[ $current == *" $word "* ]] || return 1
  done
}

# ports_missing NAME: the port settings of NAME that its running process was started without.
ports_missing() {
  local var out=() recorded
  recorded=" $(recorded_ports "$1") "
  for var in $("$1"_port_vars); do
    [[ $recorded == *" $var="* ]] || out+=("$var")
  done
  echo "${out[*]}"
}

comp_dir() { printf '%s\n' "$CALLWATCH_RUN_DIR/$1"; }
pid_file() { printf '%s\n' "$CALLWATCH_RUN_DIR/$1/$1.pid"; }
log_file() { printf '%s\n' "$CALLWATCH_RUN_DIR/$1/$1.log"; }

# alive PID: true for a running process. A zombie counts as gone: the services are re-parented to
# PID 1, which in a container may never reap them.
alive() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ -n $stat && $stat != Z* ]]
}

# group_alive PGID: true while any live process is left in the group.
group_alive() {
  ps -eo pgid=,stat= 2>/dev/null | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# our_pid NAME: prints the pid from NAME's pid file if that process is alive and still NAME's
# program (after a reboot the pid may belong to anything).
our_pid() {
  local f pid
  f=$(pid_file "$1")
  [[ -s $f ]] || return 1
  read -r pid <"$f" || true
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  ps -ww -o args= -p "$pid" 2>/dev/null | grep -qF -- "$("$1"_signature)" || return 1
  printf '%s\n' "$pid"
}

# stop_group PID: SIGTERM to the process group, SIGKILL after STOP_TIMEOUT seconds.
stop_group() {
  local pid=$1 i
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    group_alive "$pid" || return 0
    sleep 0.1
  done
  note "pid $pid did not stop within ${STOP_TIMEOUT}s of SIGTERM; sending SIGKILL"
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    group_alive "$pid" || return 0
    sleep 0.1
  done
  return 1
}

# shellcheck disable=SC2016 # $0 and $1 belong to the inner bash
tcp_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null; }

# port_holder PORT: "(program pid N)" for the listener on PORT, when ss can tell.
port_holder() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/(\1, pid \2)/p' | head -n 1
}

# check_ports NAME: stops with one sentence if a port NAME needs is taken by someone else.
check_ports() {
  local var holder
  for var in $("$1"_port_vars); do
    if tcp_open "${!var}"; then
      holder=$(port_holder "${!var}")
      die "port ${!var} ($var) is in use by another process${holder:+ $holder}: stop it or set $var"
    fi
  done
}

# lock FD FILE: serialises work on one component or cache entry across concurrent `infra` runs.
# The fd must not leak into a service, or the lock would live as long as the service.
lock() {
  eval "exec $1>>\"\$2\""
  flock -w "$LOCK_TIMEOUT" "$1" || die "another infra command has held $2 for ${LOCK_TIMEOUT}s: wait for it or stop it"
}
unlock() { eval "exec $1>&-"; }

# start_log NAME: a fresh log per start, keeping the previous one for post-mortems.
start_log() {
  local log
  log=$(log_file "$1")
  [[ -f $log ]] && mv -f "$log" "$log.1"
  : >"$log"
}

# launch NAME WORKDIR COMMAND...: runs COMMAND in a new session with its output in NAME's log and
# records its pid (the shell execs, so $$ becomes the service's pid and process-group id).
launch() {
  local name=$1 dir=$2 pidf log i
  shift 2
  pidf=$(pid_file "$name")
  log=$(log_file "$name")
  rm -f "$pidf"
  ports_of "$name" >"$(ports_file "$name")"
  # shellcheck disable=SC2016 # $$, $0 and $@ belong to the inner bash
  (cd "$dir" && exec setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" </dev/null >>"$log" 2>&1 7>&- 8>&- 9>&-) &
  for ((i = 0; i < 100; i++)); do
    [[ -s $pidf ]] && return 0
    sleep 0.05
  done
  die "$name did not start: see $log"
}

# wait_healthy NAME PID SECONDS: 0 when healthy, 1 on timeout, 2 if the process died.
wait_healthy() {
  local name=$1 pid=$2 deadline
  deadline=$(($(date +%s) + $3))
  while :; do
    alive "$pid" || return 2
    "${name}_healthy" && return 0
    (($(date +%s) < deadline)) || return 1
    sleep 0.25
  done
}

log_tail() {
  local log
  log=$(log_file "$1")
  [[ -s $log ]] || { printf '  (%s is empty)\n' "$log"; return 0; }
  # A JVM stack trace buries its cause above the last lines: show the first error and deepest cause.
  grep -m 1 -E 'Exception|Error|ERROR' "$log" | sed 's/^/  first error: /' || true
  grep -E '^Caused by:' "$log" | tail -n 1 | sed 's/^/  root cause:  /' || true
  printf '  last lines of %s:\n' "$log"
  tail -n "${2:-20}" "$log" | sed 's/^/  | /'
}

# java_check: Kafka 3.9 and Apicurio 3.0 both need Java 17.
java_check() {
  local line major
  command -v "$JAVA" >/dev/null 2>&1 || die "Java 17+ is required: install openjdk-17-jre-headless (apt-get install -y openjdk-17-jre-headless)"
  line=$("$JAVA" -version 2>&1 | head -n 1)
  major=$(sed -n 's/.*version "\([0-9]*\)\.\{0,1\}\([0-9]*\).*/\1 \2/p' <<<"$line")
  # Java 8 and older report "1.8.0_x".
  if [[ ${major%% *} == 1 ]]; then major=${major#* }; else major=${major%% *}; fi
  [[ $major =~ ^[0-9]+$ ]] && ((major >= 17)) && return 0
  die "Java 17+ is required (found: ${line:-nothing}): install openjdk-17-jre-headless (apt-get install -y openjdk-17-jre-headless)"
}

mvn_check() {
  command -v mvn >/dev/null 2>&1 || die "Maven is required to fetch Kafka and Apicurio from Maven Central on first start: install it (apt-get install -y maven)"
}

# Pinned, and named in full so an offline Maven says "could not transfer" instead of "no plugin found
# for prefix". 2.8 is what Maven 3.8 picks by default; 3.x plugins also read the artifact's parent
# pom, and io.apicurio:apicurio-registry:<v> (the parent of apicurio-registry-app) is not on Maven
# Central, so `copy` of the Apicurio archive fails with them.
# shellcheck disable=SC2034 # used by kafka.sh and registry.sh
MVN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:2.8

# mvn_fetch WHAT LOG ARGS...: runs Maven and turns a failure into one sentence. A global lock
# because concurrent Maven runs may write the same plugin files into ~/.m2 at once. -U retries a
# download that failed before (Maven otherwise caches the failure) once the network is back.
mvn_fetch() {
  local what=$1 log=$2
  shift 2
  lock 7 "$CALLWATCH_CACHE_DIR/.mvn.lock"
  # shellcheck disable=SC2086 # CALLWATCH_MVN_ARGS is a list of extra arguments, e.g. "-s settings.xml".
  if mvn -q -B -U $CALLWATCH_MVN_ARGS "$@" >"$log" 2>&1; then
    unlock 7
    return 0
  fi
  unlock 7
  if grep -qiE 'could not transfer|failure to transfer|no plugin found for prefix|unknown ?host|name or service not known|temporary failure in name resolution|connect(ion)? (timed out|refused)|connect to .* failed|no route to host|network is unreachable|PKIX|handshake' "$log"; then
    die "could not reach Maven Central to fetch $what: check the network or the mirror/proxy in ~/.m2/settings.xml (details in $log)"
  fi
  if grep -qiE 'could not find artifact|was not found in|could not resolve' "$log"; then
    die "Maven Central has no $what: check KAFKA_VERSION / APICURIO_VERSION (details in $log)"
  fi
  die "Maven failed to fetch $what: see $log"
}

component_env() {
  case $1 in
  kafka) kafka_env ;;
  registry) printf 'export SCHEMA_REGISTRY_URL=http://%s:%s/apis/ccompat/v7\n' "$HOST" "$REGISTRY_PORT" ;;
  redis) redis_env ;;
  redis-cluster) redis-cluster_env ;;
  moto) printf 'export AWS_ENDPOINT_URL=http://%s:%s\n' "$HOST" "$MOTO_PORT" ;;
  esac
}
