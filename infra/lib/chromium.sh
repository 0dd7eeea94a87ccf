# shellcheck shell=bash
# Debian's chromium, for the console's browser tests (test/console/): not a service, so no start or stop, only an
# install on first use. Sourced by infra/bin/infra.

# chromium_path: prints the executable of Debian's package, installing it first when missing.
chromium_path() {
  local exe
  exe=$(command -v chromium) || exe=
  if [[ -z $exe ]]; then
    chromium_install
    exe=$(command -v chromium) || die "apt-get installed chromium but no chromium executable is on PATH: check 'dpkg -L chromium'"
  fi
  printf '%s\n' "$exe"
}

chromium_install() {
  local log
  [[ $(id -u) == 0 ]] || die "chromium is not installed: install it as root (apt-get install -y chromium)"
  command -v apt-get >/dev/null 2>&1 || die "chromium is not installed and there is no apt-get: install Chromium with your package manager"
  log=$CALLWATCH_CACHE_DIR/apt-chromium.log
  # The same lock as the Redis install: two apt-get runs at once fail on dpkg's own lock.
  lock 8 "$CALLWATCH_CACHE_DIR/apt.lock"
  if ! command -v chromium >/dev/null 2>&1; then
    note "chromium: installing Debian's chromium for the browser tests (first use only, a few minutes)"
    apt-get update -qq >"$log" 2>&1 || die "could not reach Debian's package archive (apt-get update failed): see $log"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >>"$log" 2>&1 ||
      die "apt-get install chromium failed: see $log"
  fi
  unlock 8
}
