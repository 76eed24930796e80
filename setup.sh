#!/usr/bin/env bash
# Sets cleave up on Debian or Ubuntu: the system tools its tests use (when run as root), then a virtualenv
# in .venv with cleave installed in editable mode. `./setup.sh --dev` adds the test and lint tools.
# Idempotent: a second run installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")"

extras=""
system_packages=(binutils)            # strip, for deterministic runtime layers
system_packages+=(haproxy)            # the gateway of an edge split (runtime/gateway.py; chosen by bench/gateway.py)
if [ "${1:-}" = "--dev" ]; then
    extras="[dev]"
    # the real tools the tests check cleave against: image tools, a registry, containers, a browser
    system_packages+=(podman runc skopeo umoci docker-registry buildah chromium iproute2 procps)
    system_packages+=(wrk nginx-light)  # bench/: load generator; nginx measured against the gateway (bench/gateway.py)
    # PostgreSQL 15: the framework samples' tests start a throwaway server on a unix socket (tests/pg.py)
    system_packages+=(postgresql)
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    missing=()
    for package in "${system_packages[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "setup: installing ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
elif [ -n "$extras" ]; then
    echo "setup: not root; skipping Debian packages (${system_packages[*]}): tests that need them will skip" >&2
fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "setup: cleave needs Python >= 3.11" >&2; exit 1; }
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras"
echo "setup: ready (.venv/bin/cleave)" >&2
