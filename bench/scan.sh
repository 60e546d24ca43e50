#!/usr/bin/env bash
# `scioc scan` against a store holding the full shared OSV snapshot plus the starter candidates
# (50.7k events, 14.8k indicators): a 20,000-package package-lock.json and a 5 MB pnpm-lock.yaml,
# each against the baseline `jq . FILE > /dev/null` in the same hyperfine run.
#
#   bash bench/scan.sh [SNAPSHOT]
#
# jq cannot read YAML, so the pnpm baseline is jq on a JSON file holding the same lockfile
# data (written beside it by gen_lockfiles.py). Peak RSS comes from /usr/bin/time -v.
# Needs hyperfine and jq (apt-get install hyperfine jq); installs them when missing and root.
set -euo pipefail
cd "$(dirname "$0")/.."
SNAPSHOT=${1:-../shared/data/ossf-malicious-packages-2025-06-04.tar.gz}
[ -f "$SNAPSHOT" ] || { echo "no snapshot at $SNAPSHOT" >&2; exit 1; }
for tool in hyperfine jq; do
  command -v $tool >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq $tool >/dev/null; } || { echo "need $tool" >&2; exit 1; }
done
cargo build --release -q
BIN=$PWD/target/release/scioc
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

$BIN --data-dir "$WORK/store" ingest osv "$SNAPSHOT" >/dev/null
$BIN --data-dir "$WORK/store" candidates promote --files "$WORK/iocs" data/candidates/*.json >/dev/null
$BIN --data-dir "$WORK/store" status
mkdir -p "$WORK/npm" "$WORK/pnpm"
python3 bench/gen_lockfiles.py package-lock "$WORK/npm/package-lock.json" 20000
python3 bench/gen_lockfiles.py pnpm-lock "$WORK/pnpm/pnpm-lock.yaml" 5000000
ls -l "$WORK/npm/package-lock.json" "$WORK/pnpm/pnpm-lock.yaml" "$WORK/pnpm/pnpm-lock.yaml.json"

SCAN="$BIN --data-dir $WORK/store scan --format json"
hyperfine --warmup 3 --runs 30 -N --export-markdown "$WORK/npm.md" \
  -n 'baseline: jq . package-lock.json' "jq . $WORK/npm/package-lock.json" \
  -n 'scioc scan package-lock.json (20k packages)' "$SCAN $WORK/npm/package-lock.json"
hyperfine --warmup 3 --runs 30 -N --export-markdown "$WORK/pnpm.md" \
  -n 'baseline: jq . (same lockfile as JSON)' "jq . $WORK/pnpm/pnpm-lock.yaml.json" \
  -n 'scioc scan pnpm-lock.yaml (5 MB)' "$SCAN $WORK/pnpm/pnpm-lock.yaml"
cat "$WORK/npm.md" "$WORK/pnpm.md"

for f in npm/package-lock.json pnpm/pnpm-lock.yaml; do
  /usr/bin/time -v $SCAN "$WORK/$f" 2>"$WORK/time.txt" >/dev/null
  echo "peak RSS scanning $f: $(awk '/Maximum resident/ {printf "%.1f MiB", $6/1024}' "$WORK/time.txt")"
done
