#!/usr/bin/env bash
# One import, two builds: `scioc ingest osv` of the whole snapshot into a feed holding the starter
# set, a baseline binary against this build (hyperfine, 3 runs each, same machine, same run).
# Shared by bench/claims.sh and bench/event_counts.sh.
#   bash bench/import-vs.sh BASELINE_SCIOC_BINARY BASELINE_LABEL LABEL [WORK_DIR]
# With WORK_DIR, the filled stores are left in WORK_DIR/base and WORK_DIR/new for a later step.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: bash bench/import-vs.sh BASELINE_SCIOC_BINARY BASELINE_LABEL LABEL [WORK_DIR]}
BASE_LABEL=${2:?a label for the baseline}
LABEL=${3:?a label for this build}
SNAPSHOT=$PWD/../shared/data/ossf-malicious-packages-2025-06-04.tar.gz
command -v hyperfine >/dev/null || { echo "need hyperfine" >&2; exit 1; }
cargo build --release -q --bin scioc
BIN=$PWD/target/release/scioc
if [ -n "${4:-}" ]; then
  WORK=$4
else
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi
# Each binary fills its own feed with the starter set first (serve promotes it into an empty feed).
prepare() { echo "rm -rf $WORK/$2 && mkdir -p $WORK/$2 && timeout 5 $1 --data-dir $WORK/$2 serve --listen 127.0.0.1:0 >/dev/null 2>&1 || true"; }
hyperfine -w 1 -r 3 \
  --prepare "$(prepare "$BASE" base)" -n "$BASE_LABEL" "$BASE --data-dir $WORK/base ingest osv $SNAPSHOT" \
  --prepare "$(prepare "$BIN" new)" -n "$LABEL" "$BIN --data-dir $WORK/new ingest osv $SNAPSHOT"
