# shellcheck shell=bash
# Apicurio Registry from Maven Central (io.apicurio:apicurio-registry-app, "all" archive), serving the
# Confluent-compatible API at /apis/ccompat/v7 with in-memory storage. Sourced by infra/bin/infra.
#
# Pinned to 3.0.x: 3.3.x is compiled for Java 21 (class file 65) and the machines have Java 17.
# 3.0.x ships a Quarkus "legacy jar": apicurio-registry-app-<v>-runner.jar beside lib/, not quarkus-run.jar.

registry_home() { printf '%s\n' "$CALLWATCH_CACHE_DIR/apicurio-$APICURIO_VERSION"; }
registry_jar() { printf '%s\n' "apicurio-registry-app-$APICURIO_VERSION-runner.jar"; }
registry_signature() { registry_jar; }
registry_port_vars() { echo REGISTRY_PORT; }
registry_address() { printf '%s:%s\n' "$HOST" "$REGISTRY_PORT"; }

registry_needs() {
  java_check
  [[ -f $(registry_home)/$(registry_jar) ]] || mvn_check
}

registry_prepare() {
  local home partial
  home=$(registry_home)
  partial=$home.partial
  lock 8 "$home.lock"
  if [[ ! -f $home/$(registry_jar) ]]; then
    note "registry: fetching io.apicurio:apicurio-registry-app:$APICURIO_VERSION from Maven Central (first start only)"
    rm -rf "$partial"
    mkdir -p "$partial"
    mvn_fetch "io.apicurio:apicurio-registry-app:$APICURIO_VERSION" "$home.mvn.log" \
      "$MVN_DEPENDENCY_PLUGIN:copy" "-Dartifact=io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
      "-DoutputDirectory=$partial"
    tar xzf "$partial/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$partial" ||
      die "registry: unpacking the Apicurio archive failed (disk full?): see $partial"
    # ~/.m2 keeps the archive; the unpacked copy is all a start needs.
    rm -f "$partial/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
    [[ -f $partial/$(registry_jar) ]] || die "registry: the Apicurio $APICURIO_VERSION archive has no $(registry_jar); use APICURIO_VERSION=3.0.x"
    rm -rf "$home"
    mv "$partial" "$home"
  fi
  unlock 8
}

registry_start() {
  launch registry "$(registry_home)" "$JAVA" "-Xmx$REGISTRY_HEAP" \
    "-Dquarkus.http.host=$HOST" "-Dquarkus.http.port=$REGISTRY_PORT" -jar "$(registry_jar)"
}

registry_healthy() {
  local body
  body=$(curl -fsS -m 2 "http://$HOST:$REGISTRY_PORT/apis/ccompat/v7/subjects" 2>/dev/null) || return 1
  [[ $body == \[* ]]
}
