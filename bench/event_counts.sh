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
WORK=$(mktemp -d)
trap 'pkill -f "$WORK" || true; rm -rf "$WORK"' EXIT
bash bench/import-vs.sh "$BASE" "import, baseline (counted by GROUP BY)" "import, counted by trigger" "$WORK"
# The read side: each build serves its own filled store; /metrics asks for the counts.
BIN=$PWD/target/release/scioc
for pair in "base:$BASE:18391" "new:$BIN:18392"; do
  IFS=: read -r dir bin port <<<"$pair"
  echo 'bench-password-1' | "$bin" --data-dir "$WORK/$dir" user add bench --password-stdin >/dev/null 2>&1 || true
  SCIOC_LOG=warn "$bin" --data-dir "$WORK/$dir" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
done
sleep 3
hyperfine -w 3 -r 30 -N \
  -n "/metrics, baseline (GROUP BY over the feed)" "curl -sf -u bench:bench-password-1 http://127.0.0.1:18391/metrics -o /dev/null" \
  -n "/metrics, counts table" "curl -sf -u bench:bench-password-1 http://127.0.0.1:18392/metrics -o /dev/null"
