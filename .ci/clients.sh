#!/usr/bin/env bash
# Installs the real clients the test suite drives, from PyPI, into the virtual environments the
# tests use (crates/scioc/tests/it/support.rs, `python_venv`): the vendor's SDK and schemathesis.
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
