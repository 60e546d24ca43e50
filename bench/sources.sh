#!/usr/bin/env bash
# Sources polled by `scioc serve` and the bounded seconds of issue 17, on loopback, in one run:
#   bash bench/sources.sh [SECONDS]
# - CPU per poll of an unchanged 33k-record OSV bucket (304) and the lag from a new record to
#   the feed (bench/sources.py, the snapshot served by python3 -m http.server);
# - `scioc ingest osv` of the snapshot into a feed that already holds the starter set, with
#   seconds bounded at 1,000 events (spread) against the same binary allowed a million a second
#   (everything in one second, as before the bound), hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_=${1:-20}
SNAPSHOT=$PWD/../shared/data/ossf-malicious-packages-2025-06-04.tar.gz
need() { command -v "$1" >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq "$2" >/dev/null; } || { echo "need $1" >&2; exit 1; }; }
need hyperfine hyperfine
cargo build --release -q --bin scioc
BIN=$PWD/target/release/scioc
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== polling"
python3 bench/sources.py "$BIN" "$SNAPSHOT" "$WORK/poll" "$SECONDS_"

echo "== import of the snapshot into a feed holding the starter set (3 runs each)"
# The starter set first (serve promotes it into an empty feed), then the import to measure.
prepare() { echo "rm -rf $WORK/d && mkdir -p $WORK/d && timeout 5 $BIN --data-dir $WORK/d serve --listen 127.0.0.1:0 >/dev/null 2>&1 || true"; }
hyperfine -w 1 -r 3 \
  --prepare "$(prepare)" \
  -n "one second (--events-per-second 1000000)" "$BIN --data-dir $WORK/d --events-per-second 1000000 ingest osv $SNAPSHOT" \
  -n "spread (1,000 a second)" "$BIN --data-dir $WORK/d ingest osv $SNAPSHOT" | grep -E "Time|±|faster|slower" || true
