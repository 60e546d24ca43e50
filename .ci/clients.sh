#!/usr/bin/env bash
# Installs the real clients the test suite drives, from PyPI, into the virtual environments the
# tests use (crates/scioc/tests/it/support.rs, `python_venv`): the vendor's SDK, schemathesis and uv.
# The tests make them themselves when missing; CI makes them first so that a registry failure
# shows here, by name.
set -euo pipefail
cd "$(dirname "$0")/.."
TMP=target/tmp
mkdir -p "$TMP"
install() { # NAME REQUIREMENT
  venv="$TMP/$1-venv"
  marker="$venv/.installed-$(printf '%s' "$2" | tr '=<> ' '____')"
  [ -e "$marker" ] && return
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$2"
  touch "$marker"
}
install sdk "reversinglabs-sdk-py3==2.15.0"
install schemathesis "schemathesis==4.32.5"
install uv "uv==0.13.9"
install pip-audit "pip-audit==2.10.1"
install scfw "scfw==3.1.0"
install pre-commit "pre-commit==4.2.0"

# The node package managers the firewall tests drive (crates/scioc/tests/it/firewall_clients.rs,
# `node_clients`): npm comes with Node; pnpm, yarn classic and bun from the npm registry.
node_dir="$TMP/node-clients"
node_marker="$node_dir/.installed-pnpm10-yarn1.22.22-bun1"
if [ ! -e "$node_marker" ]; then
  mkdir -p "$node_dir"
  npm install --no-audit --no-fund --prefix "$node_dir" pnpm@10 yarn@1.22.22 bun@1
  "$node_dir/node_modules/.bin/bun" --version
  touch "$node_marker"
fi

# Renovate's offline OSV reader (crates/scioc/tests/it/osv_api.rs, `osv_offline`).
offline_dir="$TMP/osv-offline"
if [ ! -e "$offline_dir/.installed-1.8.0" ]; then
  mkdir -p "$offline_dir"
  npm install --no-audit --no-fund --prefix "$offline_dir" @renovatebot/osv-offline@1.8.0
  touch "$offline_dir/.installed-1.8.0"
fi

# Aikido safe-chain (crates/scioc/tests/it/guard_lists.rs, `safe_chain`).
chain_dir="$TMP/safe-chain"
if [ ! -e "$chain_dir/.installed-1.5.20" ]; then
  mkdir -p "$chain_dir"
  npm install --no-audit --no-fund --prefix "$chain_dir" @aikidosec/safe-chain@1.5.20
  touch "$chain_dir/.installed-1.5.20"
fi

# Debian's Chromium, which renders the web console headless (crates/scioc/tests/it/console.rs),
# and the base tools the tests call (curl, git, the shells).
need=()
for p in chromium curl git bash; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
