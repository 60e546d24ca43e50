#!/usr/bin/env bash
# What the merge on aliases (claims, issue 17 §3) costs an import: `scioc ingest osv` of the
# whole snapshot into a feed holding the starter set, this build against a baseline binary built
# from a commit before the claims (hyperfine, 3 runs each, same machine, same run):
#   git worktree add /tmp/base 3cfba56 && (cd /tmp/base && cargo build --release --bin scioc)
#   bash bench/claims.sh /tmp/base/target/release/scioc
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: bash bench/claims.sh BASELINE_SCIOC_BINARY}
SNAPSHOT=$PWD/../shared/data/ossf-malicious-packages-2025-06-04.tar.gz
command -v hyperfine >/dev/null || { echo "need hyperfine" >&2; exit 1; }
cargo build --release -q --bin scioc
BIN=$PWD/target/release/scioc
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Each binary fills its own feed with the starter set first (serve promotes it into an empty feed).
prepare() { echo "rm -rf $WORK/$2 && mkdir -p $WORK/$2 && timeout 5 $1 --data-dir $WORK/$2 serve --listen 127.0.0.1:0 >/dev/null 2>&1 || true"; }
hyperfine -w 1 -r 3 \
  --prepare "$(prepare "$BASE" base)" -n "baseline (no claims)" "$BASE --data-dir $WORK/base ingest osv $SNAPSHOT" \
  --prepare "$(prepare "$BIN" new)" -n "with claims" "$BIN --data-dir $WORK/new ingest osv $SNAPSHOT"
