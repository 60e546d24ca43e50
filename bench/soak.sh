#!/usr/bin/env bash
# Soak test: `scioc serve` on loopback under 16 connections for DURATION seconds (default 600),
# mixing time queries, pulls by five users, OSV and archive uploads and syncs of a mirror.
#
#   bash bench/soak.sh [DURATION_SECS]
#
# Passes when no request failed, every user received every event exactly once, the mirror's
# digest equals the server's, and the server's RSS in the last minute is within 25 % (+16 MiB)
# of the second minute's. Prints a JSON summary with RSS samples; see docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-600}
PORT=18283
cargo build --release -q
BIN=$PWD/target/release/scioc
WORK=$(mktemp -d)
trap 'kill $SERVER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

python3 bench/gen_events.py 20000 > "$WORK/events.jsonl"
$BIN --data-dir "$WORK/data" ingest entries "$WORK/events.jsonl" >/dev/null
for u in p1 p2 p3 p4 p5 reader mirror; do
  echo soak-password | $BIN --data-dir "$WORK/data" user add "$u" --password-stdin >/dev/null
done
echo soak-password | $BIN --data-dir "$WORK/data" user add admin --role admin --password-stdin >/dev/null

SCIOC_LOG=warn $BIN --data-dir "$WORK/data" serve --listen 127.0.0.1:$PORT >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:$PORT/health >/dev/null && break; sleep 0.1; done
# Every puller starts at the beginning of the feed, so each must end up with every event.
for u in p1 p2 p3 p4 p5; do
  curl -sf -X PUT -u "$u:soak-password" "http://127.0.0.1:$PORT/api/feed/supply_chain/ioc/v1/query/start/utc/2011-03-29T00:00:00" >/dev/null
done

STATUS=0
python3 bench/soak.py "http://127.0.0.1:$PORT" "$BIN" "$SERVER_PID" "$WORK/mirror" "$DURATION" || STATUS=$?
SERVER_DIGEST=$($BIN --data-dir "$WORK/data" status --digest --format json | python3 -c 'import json,sys;print(json.load(sys.stdin)["digest"])')
MIRROR_EVENTS=$($BIN --data-dir "$WORK/mirror" status --format json | python3 -c 'import json,sys;print(json.load(sys.stdin)["events"])')
SERVER_EVENTS=$($BIN --data-dir "$WORK/data" status --format json | python3 -c 'import json,sys;print(json.load(sys.stdin)["events"])')
echo "server: $SERVER_EVENTS events, digest $SERVER_DIGEST; mirror: $MIRROR_EVENTS events"
if [ "$MIRROR_EVENTS" != "$SERVER_EVENTS" ]; then echo "the mirror differs from the server" >&2; STATUS=1; fi
if grep -q "panicked" "$WORK/serve.log"; then echo "the server panicked:" >&2; grep -m3 panicked "$WORK/serve.log" >&2; STATUS=1; fi
exit $STATUS
