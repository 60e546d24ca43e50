#!/usr/bin/env bash
# The feed's time-query load on PostgreSQL, one node and two nodes, against SQLite single-node,
# all in the same run.
#
#   bash bench/feed-load-pg.sh [EVENTS] [DURATION_SECS]
#
# Loads EVENTS (default 100,000) generated events into a fresh embedded store, copies it with
# `scioc copy` into a fresh schema on PostgreSQL ($BENCH_PG_URL, default
# postgres://postgres@127.0.0.1:5432/test), and drives `wrk` (16 connections, 2 threads in all)
# at the time query with limit=1000 and limit=10, format=json, against:
#   sqlite-1  one `scioc serve` on the embedded store (the baseline);
#   pg-1      one `scioc serve --database …`;
#   pg-2      two such nodes, each driven by its own wrk with half the connections, as a load
#             balancer would split them; their requests/s are summed.
# For each run it also reads the CPU time each party used (the scioc nodes, every PostgreSQL
# process, wrk) from /proc, to show where the time goes. Needs wrk and psql.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-100000}
DURATION=${2:-15}
PG=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
SCHEMA=scioc_bench_feed_load
PG_URL="$PG?options=-c%20search_path%3D$SCHEMA"

need() { command -v "$1" >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq "$2" >/dev/null; } || { echo "need $1" >&2; exit 1; }; }
need wrk wrk
need psql postgresql-client

cargo build --release -q
BIN=target/release/scioc
WORK=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

python3 bench/gen_events.py "$EVENTS" > "$WORK/events.jsonl"
$BIN --data-dir "$WORK/data" ingest entries "$WORK/events.jsonl" >/dev/null
echo 'bench-password' | $BIN --data-dir "$WORK/data" user add bench --password-stdin >/dev/null
psql -q "$PG" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" -c "CREATE SCHEMA $SCHEMA" 2>/dev/null
$BIN copy --from "sqlite://$WORK/data" --to "$PG_URL" | tail -1

serve() { # port [args…]
  local port=$1
  shift
  $BIN --data-dir "$WORK/data" "$@" serve --listen "127.0.0.1:$port" --no-starter-set >"$WORK/serve-$port.out" 2>"$WORK/serve-$port.log" &
  PIDS+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return; sleep 0.1; done
  echo "node on $port did not start" >&2; exit 1
}
serve 18281
serve 18282 --database "$PG_URL"
serve 18283 --database "$PG_URL"
SQLITE_PID=${PIDS[0]} PG_A_PID=${PIDS[1]} PG_B_PID=${PIDS[2]}

FROM=$(python3 bench/quiet_start.py "$WORK/events.jsonl")
AUTH="Authorization: Basic $(printf 'bench:bench-password' | base64)"
path() { echo "/api/feed/supply_chain/ioc/v1/query/timestamp/$FROM?format=json&limit=$1"; }
for port in 18281 18282 18283; do curl -sf -H "$AUTH" "http://127.0.0.1:$port$(path 1000)" -o "$WORK/page-$port.json"; done
cmp "$WORK/page-18281.json" "$WORK/page-18282.json" && cmp "$WORK/page-18281.json" "$WORK/page-18283.json"
ENTRIES=$(python3 -c "import json;print(len(json.load(open('$WORK/page-18281.json'))['rl']['supply_chain_ioc_feed']['entries']))")

ticks() { # CPU ticks (user+system) of the given pids, summed
  local t=0
  for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo $t
}
pg_pids() { pgrep -u postgres -d ' ' postgres || true; }

run() { # name limit port… (one wrk per port, connections split between them)
  local name=$1 limit=$2
  local id="${name}_$limit"
  shift 2
  local n=$# conns=$((16 / $#)) threads=$((2 / $# > 0 ? 2 / $# : 1))
  local nodes_before pg_before
  nodes_before=$(ticks $SQLITE_PID $PG_A_PID $PG_B_PID)
  pg_before=$(ticks $(pg_pids))
  local i=0 wrk_pids=()
  for port in "$@"; do
    wrk -t$threads -c$conns -d"${DURATION}s" --latency -H "$AUTH" "http://127.0.0.1:$port$(path "$limit")" >"$WORK/$id.$i.txt" &
    wrk_pids+=($!)
    i=$((i + 1))
  done
  wait "${wrk_pids[@]}"
  local nodes_cpu pg_cpu
  nodes_cpu=$(( $(ticks $SQLITE_PID $PG_A_PID $PG_B_PID) - nodes_before ))
  pg_cpu=$(( $(ticks $(pg_pids)) - pg_before ))
  python3 - "$WORK" "$id" "$n" "$nodes_cpu" "$pg_cpu" "$DURATION" <<'PY'
import re, sys
work, name, n, nodes, pg, dur = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
rps, p50, p99, errors = 0.0, [], [], 0
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    return float(m[1]) * {"us": 0.001, "ms": 1, "s": 1000}[m[2]]
for i in range(n):
    text = open(f"{work}/{name}.{i}.txt").read()
    rps += float(re.search(r"Requests/sec:\s+([\d.]+)", text)[1])
    p50.append(ms(re.search(r"\s50%\s+(\S+)", text)[1]))
    p99.append(ms(re.search(r"\s99%\s+(\S+)", text)[1]))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors += int(m[1]) if m else 0
hz = 100  # USER_HZ
print(f"{name.replace('_', ' limit='):<22} {rps:10.1f} req/s   p50 {max(p50):7.2f} ms   p99 {max(p99):7.2f} ms   non-2xx {errors}"
      f"   cpu: scioc {nodes / hz / dur:4.2f} cores, postgres {pg / hz / dur:4.2f} cores")
open(f"{work}/{name}.rps", "w").write(str(rps))
PY
}

echo "store: $EVENTS events; a limit=1000 page holds $ENTRIES entries, $(stat -c %s "$WORK/page-18281.json") bytes"
echo "wrk: 16 connections and 2 threads in all, ${DURATION}s per run, loopback, plain HTTP; $(nproc) cores shared by everything"
for limit in 1000 10; do
  run sqlite-1 $limit 18281
  run pg-1 $limit 18282
  run pg-2 $limit 18282 18283
done
python3 - "$WORK" <<'PY'
import sys
work = sys.argv[1]
r = lambda n: float(open(f"{work}/{n}.rps").read())
for limit in (1000, 10):
    s, p1, p2 = r(f"sqlite-1_{limit}"), r(f"pg-1_{limit}"), r(f"pg-2_{limit}")
    print(f"limit={limit}: pg-1 / sqlite-1 = {p1 / s:.2f}   pg-2 / sqlite-1 = {p2 / s:.2f}   scaling pg-1 -> pg-2 = {p2 / p1:.2f}x")
PY
psql -q "$PG" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" 2>/dev/null
