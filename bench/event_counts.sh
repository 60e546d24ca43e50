#!/usr/bin/env bash
# What counting events by a trigger (event_type_counts) costs an import, and what it saves a
# reader: `scioc ingest osv` of the whole snapshot into a feed holding the starter set, this
# build against a baseline binary from before the trigger (hyperfine, 3 runs each, same run),
# then `GET /metrics` (which reads the counts) on each build's filled store.
#   git worktree add /tmp/base 48acbbe && (cd /tmp/base && cargo build --release --bin scioc)
#   bash bench/event_counts.sh /tmp/base/target/release/scioc
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: bash bench/event_counts.sh BASELINE_SCIOC_BINARY}
SNAPSHOT=$PWD/../shared/data/ossf-malicious-packages-2025-06-04.tar.gz
command -v hyperfine >/dev/null || { echo "need hyperfine" >&2; exit 1; }
cargo build --release -q --bin scioc
BIN=$PWD/target/release/scioc
WORK=$(mktemp -d)
trap 'pkill -f "$WORK" || true; rm -rf "$WORK"' EXIT
prepare() { echo "rm -rf $WORK/$2 && mkdir -p $WORK/$2 && timeout 5 $1 --data-dir $WORK/$2 serve --listen 127.0.0.1:0 >/dev/null 2>&1 || true"; }
hyperfine -w 1 -r 3 \
  --prepare "$(prepare "$BASE" base)" -n "import, baseline (counted by GROUP BY)" "$BASE --data-dir $WORK/base ingest osv $SNAPSHOT" \
  --prepare "$(prepare "$BIN" new)" -n "import, counted by trigger" "$BIN --data-dir $WORK/new ingest osv $SNAPSHOT"
# The read side: each build serves its own filled store; /metrics asks for the counts.
for pair in "base:$BASE:18391" "new:$BIN:18392"; do
  IFS=: read -r dir bin port <<<"$pair"
  echo 'bench-password-1' | "$bin" --data-dir "$WORK/$dir" user add bench --password-stdin >/dev/null 2>&1 || true
  SCIOC_LOG=warn "$bin" --data-dir "$WORK/$dir" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
done
sleep 3
hyperfine -w 3 -r 30 -N \
  -n "/metrics, baseline (GROUP BY over the feed)" "curl -sf -u bench:bench-password-1 http://127.0.0.1:18391/metrics -o /dev/null" \
  -n "/metrics, counts table" "curl -sf -u bench:bench-password-1 http://127.0.0.1:18392/metrics -o /dev/null"
