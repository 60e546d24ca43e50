#!/usr/bin/env bash
# The OSV API, the offline export and pip-audit against scioc, with the full shared snapshot,
# on loopback, in one run:
#   bash bench/osv-load.sh [DURATION_SECS]
# - `scioc export osv` of the full snapshot (hyperfine), against unpacking the snapshot itself;
# - POST /v1/query at 16 connections (wrk), against GET /health on the same server;
# - POST /v1/querybatch of 1000 queries at one connection (wrk latency), against one /v1/query;
# - pip-audit's wall time on 200 pins (hyperfine), against the same run on 200 unknown names.
# Needs wrk and hyperfine (installed when missing and root) and pip-audit in
# target/tmp/pip-audit-venv (bash .ci/clients.sh makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
SNAPSHOT=../shared/data/ossf-malicious-packages-2025-06-04.tar.gz
need() { command -v "$1" >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq "$2" >/dev/null; } || { echo "need $1" >&2; exit 1; }; }
need wrk wrk
need hyperfine hyperfine
PIP_AUDIT=target/tmp/pip-audit-venv/bin/pip-audit
[ -x "$PIP_AUDIT" ] || bash .ci/clients.sh >/dev/null

cargo build --release -q --bin scioc
BIN=$PWD/target/release/scioc
WORK=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
$BIN --data-dir "$WORK/data" ingest osv "$SNAPSHOT" | tail -1

echo "== export (3 runs each)"
hyperfine -w 1 -r 3 --export-json "$WORK/export.json" \
  -n unpack-snapshot "tar xzf $SNAPSHOT -C $WORK/unpacked" \
  -n "scioc export osv" "$BIN --data-dir $WORK/data export osv --out $WORK/osv-db" \
  --prepare "rm -rf $WORK/unpacked $WORK/osv-db; mkdir -p $WORK/unpacked" | grep -E "Time|±|faster|slower" || true

if [ -d /dev/shm ]; then
  echo "== export to memory (tmpfs), so the disk's file creation is left out (3 runs each)"
  SHM=$(mktemp -d -p /dev/shm)
  hyperfine -w 1 -r 3 \
    -n unpack-snapshot "tar xzf $SNAPSHOT -C $SHM/unpacked" \
    -n "scioc export osv" "$BIN --data-dir $WORK/data export osv --out $SHM/osv-db" \
    --prepare "rm -rf $SHM/unpacked $SHM/osv-db; mkdir -p $SHM/unpacked" | grep -E "Time|±|faster|slower" || true
  rm -rf "$SHM"
fi

PORT=18500
$BIN --data-dir "$WORK/data" serve --listen 127.0.0.1:$PORT --no-starter-set --osv-anonymous --log warn >"$WORK/srv.out" 2>&1 &
PIDS+=($!)
SRV=$!
URL=http://127.0.0.1:$PORT
for _ in $(seq 300); do curl -sf "$URL/health" -o /dev/null && break; sleep 0.2; done
# Names and versions from the export: half the queries hit, half ask about unknown names.
python3 - "$WORK" <<'PY'
import csv, json, sys, zipfile, random
work = sys.argv[1]
random.seed(7)
hits = []
with zipfile.ZipFile(f"{work}/osv-db/PyPI/all.zip") as z:
    for n in z.namelist()[:3000]:
        r = json.loads(z.read(n))
        if r.get("withdrawn"): continue
        for a in r.get("affected", [])[:1]:
            # A listed version, else any: a report without versions covers every one.
            hits.append((a["package"]["name"], (a.get("versions") or ["1.0.0"])[0]))
random.shuffle(hits)
queries = []
for i in range(1000):
    if i % 2 == 0:
        name, version = hits[i // 2]
    else:
        name, version = f"scioc-bench-clean-{i}", "1.0.0"
    queries.append({"package": {"name": name, "ecosystem": "PyPI"}, "version": version})
json.dump({"queries": queries}, open(f"{work}/batch.json", "w"))
json.dump(queries[0], open(f"{work}/query.json", "w"))
with open(f"{work}/req-hit.txt", "w") as f:
    for name, version in hits[:200]: f.write(f"{name}=={version}\n")
with open(f"{work}/req-clean.txt", "w") as f:
    for i in range(200): f.write(f"scioc-bench-clean-{i}==1.0.0\n")
PY
post() { # FILE → a wrk script that POSTs it
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nlocal f = io.open("%s", "rb")\nwrk.body = f:read("*a")\nf:close()\n' "$1"
}
post "$WORK/query.json" > "$WORK/query.lua"
post "$WORK/batch.json" > "$WORK/batch.lua"
curl -sf -XPOST "$URL/v1/query" -d @"$WORK/query.json" -o /dev/null   # builds the catalog
run() { # NAME CONNS URL [wrk args]
  local name=$1 conns=$2 url=$3; shift 3
  wrk -t$(( conns < 2 ? 1 : 2 )) -c"$conns" -d"${DURATION}s" --latency "$@" "$url" > "$WORK/$name.txt"
  printf '%-26s %10s req/s  p50 %9s  p99 %9s\n' "$name" "$(awk '/Requests\/sec/ {print $2}' "$WORK/$name.txt")" \
    "$(awk '$1=="50%" {print $2}' "$WORK/$name.txt")" "$(awk '$1=="99%" {print $2}' "$WORK/$name.txt")"
}
echo "== requests (${DURATION}s each)"
run health-16 16 "$URL/health"
run query-16 16 "$URL/v1/query" -s "$WORK/query.lua"
run query-1 1 "$URL/v1/query" -s "$WORK/query.lua"
run querybatch1000-1 1 "$URL/v1/querybatch" -s "$WORK/batch.lua"
echo "== pip-audit, 200 pins (3 runs each)"
audit() { echo "$PIP_AUDIT --no-deps --disable-pip -s osv --osv-url $URL/v1/query -f json --progress-spinner off --cache-dir $WORK/pa-cache -r $1"; }
hyperfine -r 3 -N -i -n clean "$(audit "$WORK/req-clean.txt")" -n known-malicious "$(audit "$WORK/req-hit.txt")" | grep -E "Time|±|faster|slower" || true
echo "== server peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$SRV/status)"
