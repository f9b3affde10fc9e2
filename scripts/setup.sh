#!/usr/bin/env bash
# Installs what drydock-temporal's tests and demo need, idempotently, and says what it does.
# Used by `.ci/run`, `npm test`, `npm run demo` and people alike. Safe to run again: each step
# checks first and does nothing when its tool is already there.
#
#   bash scripts/setup.sh          install what is missing
#   bash scripts/setup.sh --ci     also run `npm ci` unconditionally (fresh clones)
#
# Environment: DRYDOCK_CACHE_DIR (default ~/.cache/drydock-temporal) holds the Temporal CLI build
# and the Python virtual environment; DRYDOCK_SKIP_APT=1 skips Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE_DIR="${DRYDOCK_CACHE_DIR:-$HOME/.cache/drydock-temporal}"
APT_PACKAGES=(openipmi ipmitool openssh-server iproute2 chromium python3-venv openssl postgresql)
say() { printf '[setup] %s\n' "$*" >&2; }

# 1. Debian packages: the IPMI simulator and client, sshd for the lab switch, chromium for UI tests,
#    PostgreSQL for the production stack (its clusters are made by the launcher, never the system one).
if [ "${DRYDOCK_SKIP_APT:-0}" != 1 ] && command -v dpkg-query >/dev/null; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo -n"
    say "installing Debian packages: ${missing[*]}"
    if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/drydock-apt.log 2>&1 \
      || { $SUDO apt-get update -q >>/tmp/drydock-apt.log 2>&1 && \
           $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/drydock-apt.log 2>&1; }; then
      say "Debian packages installed"
    else
      say "could not install ${missing[*]} (see /tmp/drydock-apt.log); tests that need them will say so and skip"
    fi
  fi
fi

# 2. Node dependencies.
if [ "${1:-}" = "--ci" ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# 3. The Temporal CLI (built from the Go module proxy the first time: several minutes).
./node_modules/.bin/tsx src/tools/temporal-cli-main.ts >&2

# 4. The production Temporal server and its schema tool (src/tools/temporal-stack.ts), built from
#    the Go module proxy into the cache with the release the CLI embeds; the PostgreSQL schemas
#    ship in the server module's source and are copied next to the binaries.
TEMPORAL_SERVER_RELEASE=v1.29.1
SERVER_DIR="$CACHE_DIR/temporal-server-$TEMPORAL_SERVER_RELEASE"
if [ ! -x "$SERVER_DIR/temporal-server" ] || [ ! -x "$SERVER_DIR/temporal-sql-tool" ] || [ ! -d "$SERVER_DIR/schema/postgresql/v12" ]; then
  if command -v go >/dev/null; then
    say "building temporal-server and temporal-sql-tool $TEMPORAL_SERVER_RELEASE into $SERVER_DIR (the first build takes about 3 minutes on 2 cores)"
    started=$(date +%s)
    gobin="$(mktemp -d)"
    GOBIN="$gobin" GOFLAGS="${GOFLAGS:--mod=mod}" go install "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_RELEASE" "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_RELEASE" >&2
    mkdir -p "$SERVER_DIR"
    mv "$gobin/server" "$SERVER_DIR/temporal-server"
    mv "$gobin/sql" "$SERVER_DIR/temporal-sql-tool"
    rmdir "$gobin"
    module_src="$(go env GOMODCACHE)/go.temporal.io/server@$TEMPORAL_SERVER_RELEASE"
    rm -rf "$SERVER_DIR/schema" && mkdir -p "$SERVER_DIR/schema/postgresql"
    cp -r "$module_src/schema/postgresql/v12" "$SERVER_DIR/schema/postgresql/"
    chmod -R u+w "$SERVER_DIR/schema"
    say "built temporal-server $TEMPORAL_SERVER_RELEASE in $(( $(date +%s) - started )) s"
  else
    say "Go is not on PATH: temporal-server is not built, and the production-stack tests will say so and skip"
  fi
fi

# 5. Temporal's web UI server at the release the CLI embeds, for `drydock stack` (about 1 minute).
UI_RELEASE=v2.42.1
UI_DIR="$CACHE_DIR/temporal-ui-server-$UI_RELEASE"
if [ ! -x "$UI_DIR/temporal-ui-server" ] && command -v go >/dev/null; then
  say "building Temporal's ui-server $UI_RELEASE into $UI_DIR"
  started=$(date +%s)
  gobin="$(mktemp -d)"
  if GOBIN="$gobin" GOFLAGS="${GOFLAGS:--mod=mod}" go install "github.com/temporalio/ui-server/v2/cmd/server@$UI_RELEASE" >&2; then
    mkdir -p "$UI_DIR" && mv "$gobin/server" "$UI_DIR/temporal-ui-server"
    say "built ui-server $UI_RELEASE in $(( $(date +%s) - started )) s"
  else
    say "ui-server $UI_RELEASE did not build: \`drydock stack\` runs without a web UI"
  fi
  rm -rf "$gobin"
fi

# 6. Python tools for the lab (sushy-tools' Redfish emulator, Canonical's python-libmaas, requests) in a virtual environment.
VENV="$CACHE_DIR/venv"
REQ_HASH="$(sha256sum scripts/python-requirements.txt | cut -c1-16)"
if [ "$(cat "$VENV/.drydock-requirements" 2>/dev/null)" != "$REQ_HASH" ]; then
  say "creating the Python virtual environment $VENV (sushy-tools, python-libmaas)"
  mkdir -p "$CACHE_DIR"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/python-requirements.txt >&2
  echo "$REQ_HASH" > "$VENV/.drydock-requirements"
fi
say "ready"
