#!/usr/bin/env bash
# CI's fuzz smoke run: builds every target and runs each for a few seconds on its committed
# corpus (a minute in all), failing on any crash. See docs/reliability.md for the long runs.
set -euo pipefail
cd "$(dirname "$0")"
SECS=${1:-3}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
RUSTC_BOOTSTRAP=1 cargo fuzz build -s none
BIN=target/x86_64-unknown-linux-gnu/release
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
status=0
for src in fuzz_targets/*.rs; do
  t=$(basename "$src" .rs)
  mkdir -p "$WORK/$t"
  cp corpus/"$t"/* "$WORK/$t"/
  if "$BIN/$t" "$WORK/$t" -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$WORK/$t-" >"$WORK/$t.log" 2>&1; then
    echo "fuzz smoke: $t ok ($(grep -oE 'Done [0-9]+ runs' "$WORK/$t.log" | tail -1 | awk '{print $2}') runs)"
  else
    echo "fuzz smoke: $t CRASHED" >&2
    grep -m10 -E 'panicked|ERROR|SUMMARY|Test unit written' "$WORK/$t.log" >&2 || true
    status=1
  fi
done
exit $status
