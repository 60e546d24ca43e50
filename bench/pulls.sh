#!/usr/bin/env bash
# Pull throughput: one client pulling limit=10 pages back to back over one keep-alive connection,
# against this build and, in the same run, a BASELINE binary (default: none), each on its own
# copy of one store of 20,000 events.
#
#   bash bench/pulls.sh [BASELINE_BIN] [PULLS]
#
# Prints pulls per second for each binary and their ratio. Every pull writes (the cursor moves),
# so this measures the store's write path as much as the server.
set -euo pipefail
cd "$(dirname "$0")/.."
BASELINE=${1:-}
PULLS=${2:-2000}
cargo build --release -q
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 bench/gen_events.py 20000 > "$WORK/events.jsonl"
run() { # NAME BIN PORT
  # Each binary loads the same events into a store of its own schema.
  "$2" --data-dir "$WORK/$1" ingest entries "$WORK/events.jsonl" >/dev/null
  echo bench-password | "$2" --data-dir "$WORK/$1" user add bench --password-stdin >/dev/null
  SCIOC_LOG=warn "$2" --data-dir "$WORK/$1" serve --listen 127.0.0.1:$3 --no-starter-set >/dev/null 2>&1 &
  local server=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$3/health >/dev/null && break; sleep 0.1; done
  curl -sf -X PUT -u bench:bench-password "http://127.0.0.1:$3/api/feed/supply_chain/ioc/v1/query/start/utc/2011-03-29T00:00:00" >/dev/null
  python3 - "$3" "$PULLS" "$1" <<'PY'
import base64, http.client, json, sys, time
port, n, name = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port)
h = {"Authorization": "Basic " + base64.b64encode(b"bench:bench-password").decode()}
events = 0
start = time.time()
for _ in range(n):
    c.request("GET", "/api/feed/supply_chain/ioc/v1/query/pull?format=json&limit=10", headers=h)
    r = c.getresponse()
    events += len(json.loads(r.read())["rl"]["supply_chain_ioc_feed"]["entries"])
took = time.time() - start
print(f"{name}: {n / took:.0f} pulls/s ({events / took:.0f} events/s, {n} pulls in {took:.2f} s)")
PY
  kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
}
run current target/release/scioc 18401
if [ -n "$BASELINE" ]; then run baseline "$BASELINE" 18402; fi
