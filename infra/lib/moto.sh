# shellcheck shell=bash
# moto server from PyPI, standing in for AWS SES and SNS. Sourced by infra/bin/infra.
# MOTO_VERSION is pinned because tests read moto's /moto-api/data.json, whose shape is moto's own.

moto_venv() { printf '%s\n' "$CALLWATCH_CACHE_DIR/moto-venv"; }
moto_spec() { printf 'moto[server]%s\n' "${MOTO_VERSION:+==$MOTO_VERSION}"; }
moto_signature() { echo moto_server; }
moto_port_vars() { echo MOTO_PORT; }
moto_address() { printf '%s:%s\n' "$HOST" "$MOTO_PORT"; }

moto_index() {
  local url
  url=${PIP_INDEX_URL:-$("$(moto_venv)/bin/pip" config get global.index-url 2>/dev/null || true)}
  printf '%s\n' "${url:-https://pypi.org/simple}" | sed 's:/*$::'
}

moto_installed() {
  local venv
  venv=$(moto_venv)
  # A venv links to the python that made it; it breaks when that python is removed or upgraded.
  [[ -x $venv/bin/moto_server && $(cat "$venv/.installed" 2>/dev/null) == "$(moto_spec)" ]] &&
    "$venv/bin/python" -c '' 2>/dev/null
}

moto_needs() {
  moto_installed && return 0
  command -v python3 >/dev/null 2>&1 || die "Python 3 is required to install moto: install it (apt-get install -y python3 python3-venv)"
}

moto_prepare() {
  local venv log
  venv=$(moto_venv)
  log=$venv.pip.log
  lock 8 "$venv.lock"
  if ! moto_installed; then
    note "moto: installing $(moto_spec) from PyPI (first start only)"
    if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
      rm -rf "$venv"
      python3 -m venv "$venv" >"$log" 2>&1 ||
        die "python3 could not create a virtualenv: install the venv module (apt-get install -y python3-venv); details in $log"
    fi
    if ! "$venv/bin/pip" install -q "$(moto_spec)" >"$log" 2>&1; then
      # pip reports an unreachable index as "from versions: none" unless it retried, so ask the index.
      if grep -qiE 'connection|resolution|unreachable|timed out|SSLError|ProxyError|Max retries' "$log" ||
        ! curl -fsS -m 10 -o /dev/null "$(moto_index)/moto/" 2>/dev/null; then
        die "could not reach PyPI ($(moto_index)) to install $(moto_spec): check the network or pip's index/proxy settings (details in $log)"
      fi
      die "pip could not install $(moto_spec): see $log"
    fi
    # Written last: a venv without this marker is an interrupted install and gets redone.
    moto_spec >"$venv/.installed"
  fi
  unlock 8
}

moto_start() {
  # Unbuffered, or the log stays empty until Python flushes, which hides start-up errors.
  launch moto "$(comp_dir moto)" env PYTHONUNBUFFERED=1 "$(moto_venv)/bin/moto_server" -H "$HOST" -p "$MOTO_PORT"
}

moto_healthy() {
  local body
  body=$(curl -fsS -m 2 "http://$HOST:$MOTO_PORT/moto-api/data.json" 2>/dev/null) || return 1
  [[ $body == \{* ]]
}
