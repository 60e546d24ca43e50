#!/usr/bin/env bash
# Load test of the feed's time query, against nginx serving the same bytes as a static file.
#
#   bash bench/feed-load.sh [EVENTS] [DURATION_SECS]
#
# Builds the release binary, loads EVENTS (default 100,000) generated events into a fresh
# store, starts `scioc serve` on loopback over plain HTTP, and drives it with wrk (16
# connections, 2 threads) at limit=1000 and limit=10, format=json. In the same run nginx serves
# the byte-identical 1000-entry response as a static file. Prints throughput, latency
# percentiles, the ratio to nginx and the server's peak RSS.
# Needs wrk and nginx (apt-get install wrk nginx-light); installs them when missing and root.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-100000}
DURATION=${2:-20}
CONNS=16
THREADS=2

need() { command -v "$1" >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq "$2" >/dev/null; } || { echo "need $1" >&2; exit 1; }; }
need wrk wrk
need nginx nginx-light

cargo build --release -q
BIN=target/release/scioc
WORK=$(mktemp -d)
trap 'kill $SERVER_PID $NGINX_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

python3 bench/gen_events.py "$EVENTS" > "$WORK/events.jsonl"
$BIN --data-dir "$WORK/data" ingest entries "$WORK/events.jsonl" >/dev/null
echo 'bench-password' | $BIN --data-dir "$WORK/data" user add bench --password-stdin >/dev/null

$BIN --data-dir "$WORK/data" serve --listen 127.0.0.1:18181 >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18181/health >/dev/null && break; sleep 0.1; done

# A typical page: about 1,000 entries, not a burst second (see bench/quiet_start.py).
FROM=$(python3 bench/quiet_start.py "$WORK/events.jsonl")
AUTH="Authorization: Basic $(printf 'bench:bench-password' | base64)"
BASE="http://127.0.0.1:18181/api/feed/supply_chain/ioc/v1/query/timestamp/$FROM?format=json"
curl -sf -H "$AUTH" "$BASE&limit=1000" -o "$WORK/page.json"
ENTRIES=$(python3 -c "import json;print(len(json.load(open('$WORK/page.json'))['rl']['supply_chain_ioc_feed']['entries']))")

mkdir -p "$WORK/nginx/html" "$WORK/nginx/logs"
chmod a+rx "$WORK" "$WORK/nginx" "$WORK/nginx/html"  # nginx workers run unprivileged
cp "$WORK/page.json" "$WORK/nginx/html/page.json"
chmod a+r "$WORK/nginx/html/page.json"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
error_log $WORK/nginx/logs/error.log warn;
pid $WORK/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  default_type application/json;
  server { listen 127.0.0.1:18182; root $WORK/nginx/html; }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
NGINX_PID=$!
sleep 0.5
cmp <(curl -sf http://127.0.0.1:18182/page.json) "$WORK/page.json"

run() { # name url [auth]
  local name=$1 url=$2
  shift 2
  wrk -t$THREADS -c$CONNS -d"${DURATION}s" --latency "$@" "$url" >"$WORK/$name.txt"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$name.txt")
  p50=$(awk '$1=="50%" {print $2}' "$WORK/$name.txt")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/$name.txt")
  local errors
  errors=$(awk '/Non-2xx/ {print $5}' "$WORK/$name.txt")
  printf '%-28s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}"
  echo "$rps" >"$WORK/$name.rps"
}

echo "store: $EVENTS events; page of limit=1000 holds $ENTRIES entries, $(stat -c %s "$WORK/page.json") bytes"
echo "wrk: $THREADS threads, $CONNS connections, ${DURATION}s each, loopback, plain HTTP"
run nginx-static-1000 http://127.0.0.1:18182/page.json
run scioc-limit-1000 "$BASE&limit=1000" -H "$AUTH"
run scioc-limit-10 "$BASE&limit=10" -H "$AUTH"
RSS=$(awk '/VmHWM/ {print $2}' /proc/$SERVER_PID/status)
python3 - "$WORK" "$RSS" <<'PY'
import sys
work, rss = sys.argv[1], int(sys.argv[2])
r = lambda n: float(open(f"{work}/{n}.rps").read())
print(f"ratio scioc(limit=1000) / nginx(static) = {r('scioc-limit-1000') / r('nginx-static-1000'):.2f}")
print(f"server peak RSS (VmHWM) = {rss / 1024:.1f} MiB")
PY
