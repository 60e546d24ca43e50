#!/usr/bin/env bash
# Runs every fuzz target for RUNS executions (default 1,000,000), two at a time, each on a
# working copy of its committed corpus, and prints libFuzzer's final figures per target.
#
#   bash fuzz/run.sh [RUNS] [TARGET…]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). The build uses RUSTC_BOOTSTRAP=1 so
# that the stable toolchain accepts the flags cargo-fuzz passes, and no sanitizer (`-s none`):
# the code under test is safe Rust, whose failures are panics, hangs and memory blow-ups, which
# libFuzzer catches without one. Crashes are written to fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${1:-1000000}
shift || true
RUSTC_BOOTSTRAP=1 cargo fuzz build -s none >/dev/null
BIN=target/x86_64-unknown-linux-gnu/release
TARGETS=${*:-$(ls fuzz_targets | sed 's/\.rs$//')}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
one() {
  t=$1
  mkdir -p "$WORK/$t" "artifacts/$t"
  cp corpus/"$t"/* "$WORK/$t"/
  start=$(date +%s)
  if "$BIN/$t" "$WORK/$t" -runs="$RUNS" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$WORK/$t.log" 2>&1; then status=ok; else status=CRASH; fi
  secs=$(( $(date +%s) - start ))
  runs=$(grep -m1 'stat::number_of_executed_units' "$WORK/$t.log" | awk '{print $2}')
  peak=$(grep -m1 'stat::peak_rss_mb' "$WORK/$t.log" | awk '{print $2}')
  cov=$(grep -E '^#[0-9]+' "$WORK/$t.log" | tail -1 | grep -oE 'cov: [0-9]+' | awk '{print $2}')
  corpus=$(ls "$WORK/$t" | wc -l)
  printf '%-20s %-5s runs=%s secs=%s exec/s=%s cov=%s corpus=%s peak_rss_mb=%s\n' \
    "$t" "$status" "${runs:-?}" "$secs" "$(( ${runs:-0} / (secs > 0 ? secs : 1) ))" "${cov:-?}" "$corpus" "${peak:-?}"
  if [ "$status" = CRASH ]; then grep -m5 -E 'panicked|ERROR|SUMMARY' "$WORK/$t.log" | sed 's/^/    /'; fi
}
export -f one
export BIN RUNS WORK
printf '%s\n' $TARGETS | xargs -P 2 -I{} bash -c 'one {}'
