#!/usr/bin/env bash
# Import of the shared OSV snapshot (33k reports) into an empty store, and an unchanged
# re-import, against a baseline of reading and parsing the same files, in one hyperfine run.
#
#   bash bench/osv-import.sh [SNAPSHOT]
#
# The baseline is `scioc ingest osv --dry-run` on an empty store: it reads, decompresses and
# parses every record (and maps it), but stores nothing. Peak RSS comes from /usr/bin/time -v.
# Needs hyperfine (apt-get install hyperfine); installs it when missing and root.
set -euo pipefail
cd "$(dirname "$0")/.."
SNAPSHOT=${1:-../shared/data/ossf-malicious-packages-2025-06-04.tar.gz}
[ -f "$SNAPSHOT" ] || { echo "no snapshot at $SNAPSHOT" >&2; exit 1; }
command -v hyperfine >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq hyperfine >/dev/null; } || { echo "need hyperfine" >&2; exit 1; }
cargo build --release -q
BIN=$PWD/target/release/scioc
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

$BIN --data-dir "$WORK/reimport" ingest osv "$SNAPSHOT" >/dev/null
hyperfine --warmup 1 --runs 5 --export-markdown "$WORK/osv.md" \
  -n 'baseline: read + parse (dry run)' "rm -rf $WORK/dry && $BIN --data-dir $WORK/dry ingest osv --dry-run $SNAPSHOT" \
  -n 'import into an empty store' --prepare "rm -rf $WORK/full" "$BIN --data-dir $WORK/full ingest osv $SNAPSHOT" \
  -n 'unchanged re-import' "$BIN --data-dir $WORK/reimport ingest osv $SNAPSHOT"
cat "$WORK/osv.md"

rm -rf "$WORK/rss"
/usr/bin/time -v "$BIN" --data-dir "$WORK/rss" ingest osv "$SNAPSHOT" 2>"$WORK/time.txt" >/dev/null
echo "peak RSS of a full import: $(awk '/Maximum resident/ {printf "%.1f MiB", $6/1024}' "$WORK/time.txt")"
/usr/bin/time -v "$BIN" --data-dir "$WORK/rss" ingest osv "$SNAPSHOT" 2>"$WORK/time.txt" >/dev/null
echo "peak RSS of an unchanged re-import: $(awk '/Maximum resident/ {printf "%.1f MiB", $6/1024}' "$WORK/time.txt")"
