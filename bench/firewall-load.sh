#!/usr/bin/env bash
# The registry firewall against direct requests to the same local upstream, in one run.
#
#   bash bench/firewall-load.sh [DURATION_SECS]
#   CONNS=1 NPM_CI=0 bash bench/firewall-load.sh 10    # one connection, no npm ci
#   OLD_BIN=/path/to/earlier/scioc bash bench/firewall-load.sh   # that build too, as a baseline
#
# Generates 500 npm packages of 40 versions and one 36 MB archive onto disk and serves them
# with the fake upstream (crates/scioc/examples/fake_upstream.rs; nothing reaches a real
# registry), loads the full OSV snapshot (../shared/data) into a fresh store, starts
# `scioc serve --npm-upstream` on loopback, and measures with wrk at 64 connections:
#   - packument latency, direct vs through the firewall, cached and uncached (a second
#     firewall with a 1 MiB cache, asked for 500 packages in turn);
#   - archive throughput, direct vs through the firewall (and through OLD_BIN's), with each
#     firewall's CPU time per GB delivered; then again from an upstream paced to a network's
#     rate (PACE_MBPS, default 200 MB/s), where hashing competes with nothing but the wait;
#   - a 100,000-version packument (about 30 MB): direct, through the firewall cold (the
#     1 MiB-cache firewall, which cannot keep it) and warm (hyperfine, curl);
#   - the firewall's peak RSS;
#   - `npm ci` of a 500-package lockfile, direct vs through the firewall (hyperfine).
# Needs wrk and hyperfine (apt-get install wrk hyperfine); installs them when missing and root.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15}
CONNS=${CONNS:-64}
SNAPSHOT=../shared/data/ossf-malicious-packages-2025-06-04.tar.gz

need() { command -v "$1" >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq "$2" >/dev/null; } || { echo "need $1" >&2; exit 1; }; }
need wrk wrk
need hyperfine hyperfine

cargo build --release -q --bin scioc --example fake_upstream
BIN=target/release/scioc
FAKE=target/release/examples/fake_upstream
WORK=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

$FAKE generate "$WORK/upstream" 500 40
$FAKE serve "$WORK/upstream" 127.0.0.1:18300 2>"$WORK/fake.log" &
PIDS+=($!)
$BIN --data-dir "$WORK/data" ingest osv "$SNAPSHOT" | tail -1
UP=http://127.0.0.1:18300
$BIN --data-dir "$WORK/data" serve --listen 127.0.0.1:18301 --no-starter-set --npm-upstream "$UP/" --upstream-network 127.0.0.0/8 --log warn >"$WORK/fw.out" 2>&1 &
FW_PID=$!
PIDS+=($FW_PID)
$BIN --data-dir "$WORK/data" serve --listen 127.0.0.1:18302 --no-starter-set --npm-upstream "$UP/" --upstream-network 127.0.0.0/8 --firewall-cache-mb 1 --log warn >"$WORK/fw2.out" 2>&1 &
PIDS+=($!)
PORTS="18300 18301 18302"
if [ -n "${OLD_BIN:-}" ]; then
  # Its own store: an earlier build may not open a store a later one migrated.
  $OLD_BIN --data-dir "$WORK/data-old" ingest osv "$SNAPSHOT" | tail -1
  $OLD_BIN --data-dir "$WORK/data-old" serve --listen 127.0.0.1:18303 --no-starter-set --npm-upstream "$UP/" --log warn >"$WORK/fw-old.out" 2>&1 &
  OLD_PID=$!
  PIDS+=($OLD_PID)
  PORTS="$PORTS 18303"
fi
for port in $PORTS; do
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/bench-pkg-0" -o /dev/null 2>/dev/null && break
    curl -sf "http://127.0.0.1:$port/registry/npm/bench-pkg-0" -o /dev/null 2>/dev/null && break; sleep 0.2; done
done
grep -m1 "engine loaded" "$WORK/fw.out" || true

# A wrk script that asks for the 500 packages in turn.
cat > "$WORK/rotate.lua" <<'LUA'
local i = 0
request = function()
  i = (i + 1) % 500
  return wrk.format("GET", wrk.path .. "bench-pkg-" .. i, {["Accept"] = "application/vnd.npm.install-v1+json"})
end
LUA
run() { # NAME URL [wrk args]
  local name=$1 url=$2; shift 2
  local c=${RUN_CONNS:-$CONNS}
  wrk -t$(( c < 2 ? 1 : 2 )) -c"$c" -d"${DURATION}s" --latency "$@" "$url" > "$WORK/$name.txt"
  local rps p50 p99 tps
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$name.txt")
  tps=$(awk '/Transfer\/sec/ {print $2}' "$WORK/$name.txt")
  p50=$(awk '$1=="50%" {print $2}' "$WORK/$name.txt")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/$name.txt")
  printf '%-28s %10s req/s  %10s/s  p50 %8s  p99 %8s\n' "$name" "$rps" "$tps" "$p50" "$p99"
}
echo "== packuments ($CONNS connections, ${DURATION}s each)"
run direct-one "$UP/bench-pkg-7" -H "Accept: application/vnd.npm.install-v1+json"
run firewall-cached-one "http://127.0.0.1:18301/registry/npm/bench-pkg-7" -H "Accept: application/vnd.npm.install-v1+json"
run direct-rotating "$UP/" -s "$WORK/rotate.lua"
run firewall-cached-rotating "http://127.0.0.1:18301/registry/npm/" -s "$WORK/rotate.lua"
run firewall-uncached-rotating "http://127.0.0.1:18302/registry/npm/" -s "$WORK/rotate.lua"
echo "== archive (36 MB)"
BIG=bench-big/-/bench-big-1.0.0.tgz
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
per_gb() { # NAME PID TICKS_BEFORE: CPU ms the process spent per GB wrk received
  local bytes
  bytes=$(awk '/read$/ {v=$(NF-1); u=substr(v, length(v)-1); n=substr(v, 1, length(v)-2);
                 m=(u=="GB")?1e9:(u=="MB")?1e6:(u=="KB")?1e3:1; printf "%.0f", n*m}' "$WORK/$1.txt")
  echo "$1: $(( ($(ticks "$2") - $3) * 10 )) ms CPU for $bytes bytes: $(awk -v t=$(( ($(ticks "$2") - $3) * 10 )) -v b="$bytes" 'BEGIN {printf "%.0f", t / (b / 1e9)}') ms per GB"
}
run direct-archive "$UP/$BIG"
before=$(ticks $FW_PID); run firewall-archive "http://127.0.0.1:18301/registry/npm/$BIG"; per_gb firewall-archive $FW_PID "$before"
if [ -n "${OLD_BIN:-}" ]; then
  before=$(ticks $OLD_PID); run old-firewall-archive "http://127.0.0.1:18303/registry/npm/$BIG"; per_gb old-firewall-archive $OLD_PID "$before"
fi
PACE=${PACE_MBPS:-200}
echo "== archive (36 MB) from an upstream paced to $PACE MB/s per download, ${PACED_CONNS:=4} connections"
export RUN_CONNS=$PACED_CONNS
$FAKE serve "$WORK/upstream" 127.0.0.1:18304 "$PACE" 2>>"$WORK/fake.log" &
PIDS+=($!)
$BIN --data-dir "$WORK/data" serve --listen 127.0.0.1:18305 --no-starter-set --npm-upstream http://127.0.0.1:18304/ --upstream-network 127.0.0.0/8 --log warn >"$WORK/fw3.out" 2>&1 &
PACED_PID=$!; PIDS+=($PACED_PID); PACED_PORTS="18304 18305"
if [ -n "${OLD_BIN:-}" ]; then
  $OLD_BIN --data-dir "$WORK/data-old" serve --listen 127.0.0.1:18306 --no-starter-set --npm-upstream http://127.0.0.1:18304/ --log warn >"$WORK/fw-old3.out" 2>&1 &
  OLD_PACED_PID=$!; PIDS+=($OLD_PACED_PID); PACED_PORTS="$PACED_PORTS 18306"
fi
for port in $PACED_PORTS; do
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/bench-pkg-0" -o /dev/null 2>/dev/null && break
    curl -sf "http://127.0.0.1:$port/registry/npm/bench-pkg-0" -o /dev/null 2>/dev/null && break; sleep 0.2; done
done
run paced-direct-archive "http://127.0.0.1:18304/$BIG"
before=$(ticks $PACED_PID); run paced-firewall-archive "http://127.0.0.1:18305/registry/npm/$BIG"; per_gb paced-firewall-archive $PACED_PID "$before"
if [ -n "${OLD_BIN:-}" ]; then
  before=$(ticks $OLD_PACED_PID); run paced-old-firewall-archive "http://127.0.0.1:18306/registry/npm/$BIG"; per_gb paced-old-firewall-archive $OLD_PACED_PID "$before"
fi
echo "== a 100,000-version packument ($(curl -s "$UP/bench-huge" | wc -c) bytes)"
for accept in "application/json" "application/vnd.npm.install-v1+json"; do
  curl -sf -H "Accept: $accept" http://127.0.0.1:18301/registry/npm/bench-huge -o /dev/null  # warm the cache
  ask() { echo "curl -sf -H 'Accept: $accept' $1/bench-huge -o /dev/null"; }
  sides=(-n direct "$(ask "$UP")" -n firewall-cold "$(ask http://127.0.0.1:18302/registry/npm)"
         -n firewall-warm "$(ask http://127.0.0.1:18301/registry/npm)")
  [ -n "${OLD_BIN:-}" ] && sides+=(-n old-firewall "$(ask http://127.0.0.1:18303/registry/npm)")
  hyperfine -N --warmup 1 --runs 10 --style basic --export-markdown "$WORK/huge.md" "${sides[@]}" >/dev/null
  echo "-- Accept: $accept"; cat "$WORK/huge.md"
done
echo "== firewall peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$FW_PID/status)"

[ "${NPM_CI:-1}" = 0 ] && exit 0
echo "== npm ci of 500 packages"
for side in direct firewall; do
  mkdir -p "$WORK/$side"
  python3 - "$WORK/$side/package.json" <<'PY'
import json, sys
deps = {f"bench-pkg-{i}": "^1.0.0" for i in range(500)}
json.dump({"name": "bench", "version": "1.0.0", "license": "MIT", "dependencies": deps}, open(sys.argv[1], "w"))
PY
done
printf 'registry=%s/\n' "$UP" > "$WORK/direct/.npmrc"
printf 'registry=%s\n' "http://127.0.0.1:18301/registry/npm/" > "$WORK/firewall/.npmrc"
for side in direct firewall; do
  (cd "$WORK/$side" && npm install --userconfig .npmrc --cache "$WORK/npm-cache-$side" --no-audit --no-fund --ignore-scripts >/dev/null)
done
hyperfine --warmup 1 --runs 5 --export-markdown "$WORK/npm.md" \
  --prepare "rm -rf $WORK/direct/node_modules $WORK/npm-cache-direct" \
  -n direct "cd $WORK/direct && npm ci --userconfig .npmrc --cache $WORK/npm-cache-direct --no-audit --no-fund --ignore-scripts" \
  --prepare "rm -rf $WORK/firewall/node_modules $WORK/npm-cache-firewall" \
  -n firewall "cd $WORK/firewall && npm ci --userconfig .npmrc --cache $WORK/npm-cache-firewall --no-audit --no-fund --ignore-scripts"
cat "$WORK/npm.md"
echo "== firewall peak RSS after everything: $(awk '/VmHWM/ {print $2, $3}' /proc/$FW_PID/status)"
