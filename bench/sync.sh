#!/usr/bin/env bash
# A full `scioc sync` of the shared snapshot from a local `scioc serve` (HTTPS, self-signed CA)
# into an empty store, against the baseline of ingesting the same snapshot into an empty store
# directly (what the server needs to load it), in one hyperfine run.
#
#   bash bench/sync.sh [SNAPSHOT]
#
# Needs hyperfine (apt-get install hyperfine); installs it when missing and root.
set -euo pipefail
cd "$(dirname "$0")/.."
SNAPSHOT=${1:-../shared/data/ossf-malicious-packages-2025-06-04.tar.gz}
[ -f "$SNAPSHOT" ] || { echo "no snapshot at $SNAPSHOT" >&2; exit 1; }
command -v hyperfine >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq hyperfine >/dev/null; } || { echo "need hyperfine" >&2; exit 1; }
cargo build --release -q
BIN=$PWD/target/release/scioc
WORK=$(mktemp -d)
PORT=${PORT:-18643}
cleanup() { [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

$BIN --data-dir "$WORK/source" ingest osv "$SNAPSHOT" >/dev/null
echo bench-password-1 | $BIN --data-dir "$WORK/source" user add mirror --role reader --password-stdin >/dev/null
SCIOC_NO_STARTER_SET=true $BIN --data-dir "$WORK/source" serve --listen 127.0.0.1:$PORT --tls-self-signed >"$WORK/serve.log" 2>&1 &
SERVER=$!
until grep -q "listening" "$WORK/serve.log"; do sleep 0.1; done
export SCIOC_PASSWORD=bench-password-1

hyperfine --warmup 1 --runs 5 --export-markdown "$WORK/sync.md" \
  -n 'baseline: ingest the snapshot into an empty store' --prepare "rm -rf $WORK/ingest" \
  "$BIN --data-dir $WORK/ingest ingest osv $SNAPSHOT" \
  -n 'sync the snapshot from the local server into an empty store' --prepare "rm -rf $WORK/mirror" \
  "$BIN --data-dir $WORK/mirror sync --from https://127.0.0.1:$PORT --user mirror --ca-cert $WORK/source/tls/ca.pem"
cat "$WORK/sync.md"
echo "source digest: $($BIN --data-dir "$WORK/source" status --digest | awk '/digest/ {print $2}')"
echo "mirror digest: $($BIN --data-dir "$WORK/mirror" status --digest | awk '/digest/ {print $2}')"
/usr/bin/time -v "$BIN" --data-dir "$WORK/rss" sync --from https://127.0.0.1:$PORT --user mirror --ca-cert "$WORK/source/tls/ca.pem" 2>"$WORK/time.txt" >/dev/null
echo "peak RSS of a full sync: $(awk '/Maximum resident/ {printf "%.1f MiB", $6/1024}' "$WORK/time.txt")"
